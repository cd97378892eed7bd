/*
 * demo_terms: a term-time series at the demo school (issue 20).  One of
 * the school's weekly series is ended from its next session and booked
 * again as 12 sessions in term time only, so the week grid and the
 * series page show it skipping the Christmas holiday and the February
 * half-term.
 */
#include <stdio.h>
#include <string.h>

#include "core/booking.h"
#include "core/core.h"
#include "ctl/demo.h"
#include "db/db.h"
#include "db/schedule.h"
#include "db/terms.h"

#define DEMO_TERM_SESSIONS	12
#define DEMO_TERM_TRIES		20	/* series tried, busiest first */

/*
 * Ends series id from date and books it again in term time only, in one
 * write: DB_OK with *booked set, else nothing changed and why says why.
 */
static enum db_result
term_rebook(struct demo *d, const struct core_ctx *c, int64_t id,
    const char *date, int64_t *booked, char *why, size_t whylen)
{
	struct core_booking b;
	struct db_series s;
	enum db_result res;

	if (db_series_get(d->db, id, &s) != 1)
		return DB_ERROR;
	if (db_begin(d->db) == -1)
		return DB_ERROR;
	res = core_series_end(c, id, date, "The school asked for term time "
	    "only", why, whylen);
	memset(&b, 0, sizeof(b));
	b.therapist_id = s.therapist_id;
	b.client_id = s.client_id;
	b.site_id = s.site_id;
	b.room_id = s.room_id;
	b.first_date = date;
	b.start_local = s.start_local;
	b.length_min = s.length_min;
	b.count = DEMO_TERM_SESSIONS;
	if (res == DB_OK)
		res = core_series_book(c, &b, booked, why, whylen);
	if (res != DB_OK || db_commit(d->db) == -1) {
		db_rollback(d->db);
		return res != DB_OK ? res : DB_ERROR;
	}
	fprintf(stderr, "demo: series %lld at %s is term time only from %s\n",
	    (long long)*booked, s.site, date);
	return DB_OK;
}

int
demo_terms(struct demo *d)
{
	struct core_ctx c;
	char date[11], why[CORE_WHY_LEN];
	int64_t id = 0, booked = 0;
	int rc, i;

	memset(&c, 0, sizeof(c));
	c.db = d->db;
	c.tz = DEMO_TZ;
	c.msgid_domain = DEMO_DOMAIN;
	c.addr = "demo";
	for (i = 0; i < DEMO_TERM_TRIES; i++) {
		/* From tomorrow on: the series' next session, and after. */
		if ((rc = db_terms_demo_series(d->db, (int64_t)d->now + 86400,
		    i, &id, date)) != 1)
			return rc;	/* no school with terms: nothing */
		switch (term_rebook(d, &c, id, date, &booked, why,
		    sizeof(why))) {
		case DB_OK:
			return 0;
		case DB_INVALID:
		case DB_CONFLICT:
			continue;	/* leave or a clash: the next */
		default:
			return -1;
		}
	}
	fprintf(stderr, "demo: no series could be made term time: %s\n", why);
	return 0;
}

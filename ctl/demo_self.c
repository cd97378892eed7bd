/*
 * demo_self: issue 18's step of the demo: the office's contact details,
 * a late cancellation said through a personal link, and waitlist checks
 * sent to everyone waiting for longer than waitlist_check_weeks, one of
 * them answered "worse" (flagged to the coordinators), one reminded
 * twice and now on the review list.  Runs after the schedule's changes,
 * through the same db/ and core/ calls the product makes.
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "core/self.h"
#include "ctl/demo.h"
#include "db/db.h"
#include "db/self.h"

/* Setting name and value, as an office would fill them in. */
static const char *const contact[][2] = {
	{ "contact_phone", "020 7946 0321" },
	{ "contact_email", "office@tutti.example" },
	{ "contact_address", "Tutti Centre, 12 Pratt Street, London NW1 0AB" },
	{ "office_hours", "Monday to Friday, 9am to 5pm" },
};

int
demo_self(struct demo *d)
{
	struct core_ctx c;
	struct db_my_session s;
	char why[CORE_WHY_LEN], date[11];
	int64_t rid = 0, series = 0, waiting;
	size_t i;
	int late = 0, n;

	for (i = 0; i < sizeof(contact) / sizeof(contact[0]); i++)
		if (db_setting_text_set(d->db, contact[i][0],
		    contact[i][1]) == -1)
			return -1;
	memset(&c, 0, sizeof(c));
	c.db = d->db;
	c.tz = DEMO_TZ;
	c.msgid_domain = DEMO_DOMAIN;
	c.addr = "demo";
	/* The next session of some client within a day: they cannot come. */
	if (db_demo_next_session(d->db, (int64_t)d->now, 86400, &rid, &series,
	    date) == 1 && db_my_session_get(d->db, rid, series, date, &s) == 1 &&
	    core_self_cant_come(&c, rid, series, date, &late, why,
	    sizeof(why)) == DB_OK)
		fprintf(stderr, "demo: a late cancellation by referral %lld "
		    "on %s\n", (long long)rid, date);
	if ((n = core_waitlist_checks(&c)) < 0)
		return -1;
	/* One answered "worse"; one that never answered, reminded twice. */
	if ((waiting = db_demo_checked(d->db, 0)) > 0 &&
	    (db_demo_check_sent(d->db, waiting) == -1 || core_self_answer(&c,
	    waiting, "yes", "worse", why, sizeof(why)) != DB_OK))
		return -1;
	if ((waiting = db_demo_checked(d->db, 1)) > 0 &&
	    db_demo_check_overdue(d->db, waiting) == -1)
		return -1;
	fprintf(stderr, "demo: %d waitlist checks sent\n", n);
	return 0;
}

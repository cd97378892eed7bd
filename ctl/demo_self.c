/*
 * demo_self: issue 18's step of the demo: the office's contact details,
 * a late cancellation said through a personal link, and waitlist checks
 * sent to everyone waiting for longer than waitlist_check_weeks, one of
 * them answered "worse" (flagged to the coordinators), one reminded
 * twice and now on the review list.  Runs after the schedule's changes,
 * through the same db/ and core/ calls the product makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "core/offer.h"
#include "core/self.h"
#include "ctl/demo.h"
#include "db/db.h"
#include "db/offers.h"
#include "db/schedule.h"
#include "db/self.h"

/* Setting name and value, as an office would fill them in. */
static const char *const contact[][2] = {
	{ "contact_phone", "020 7946 0321" },
	{ "contact_email", "office@tutti.example" },
	{ "contact_address", "Tutti Centre, 12 Pratt Street, London NW1 0AB" },
	{ "office_hours", "Monday to Friday, 9am to 5pm" },
};

/* The freed series the demo may offer, newest first. */
struct demo_freed {
	int64_t	 ids[16];
	size_t	 n;
	int	 ranked;	/* people on the place's list */
};

static void
on_ranked(void *arg, const struct db_offer *o)
{
	struct demo_freed *f = arg;

	(void)o;
	f->ranked++;
}

static void
on_freed(void *arg, int64_t series_id)
{
	struct demo_freed *f = arg;

	if (f->n < sizeof(f->ids) / sizeof(f->ids[0]))
		f->ids[f->n++] = series_id;
}

/*
 * Place offers (issue 18): the newest ended series whose place fits
 * someone waiting is ranked and offered, so the coordinator sees live
 * offers on its place page and the people waiting have an offer email
 * with its /offer link; the next such place waits for the coordinator
 * to confirm its list.
 */
static int
demo_offers(struct demo *d, struct core_ctx *c)
{
	struct demo_freed f;
	char since[11], why[CORE_WHY_LEN];
	int64_t place;
	size_t i;
	int sent = 0, made = 0;
	time_t t = d->now - 60 * 86400;
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(since, sizeof(since), "%Y-%m-%d", &tm);
	memset(&f, 0, sizeof(f));
	if (db_freed_series_each(d->db, since, 16, on_freed, &f) == -1)
		return -1;
	for (i = 0; i < f.n && made < 2; i++) {
		if (core_place_from_series(c, f.ids[i], &place, why,
		    sizeof(why)) != DB_OK)
			continue;
		f.ranked = 0;
		if (db_offers_each(d->db, place, 0, on_ranked, &f) == -1)
			return -1;
		if (f.ranked == 0)
			continue;
		if (made == 0 && core_place_send(c, place, &sent, why,
		    sizeof(why)) != DB_OK)
			return -1;
		made++;
		fprintf(stderr, "demo: place %lld %s\n", (long long)place,
		    made == 1 ? "offered" : "waiting for the coordinator");
	}
	return 0;
}

/* Keeps the first offer still open, in rank order. */
static void
on_first_live(void *arg, const struct db_offer *o)
{
	int64_t *first = arg;

	if (*first == 0 && strcmp(o->status, "sent") == 0)
		*first = o->id;
}

/*
 * A client stops their sessions through their own link (the real
 * core_self_stop, which frees their weekly place through
 * core_places_freed_by): the first client, by referral, whose place
 * fits three or more people waiting.  The coordinator confirms the list,
 * the offers go, and the first person declines, so the offer is handed
 * on and offers stay open.  0 (also when no client fits), or -1.
 */
static int
demo_stopped(struct demo *d, struct core_ctx *c)
{
	int64_t rids[24], sids[24], place = 0;
	struct db_series s;
	struct db_place p;
	struct core_offer_pick *picks;
	int64_t first = 0;
	struct db_offer o;
	char why[CORE_WHY_LEN];
	size_t n;
	int i, k, sent = 0;

	if ((k = db_demo_stoppable(d->db, (int64_t)d->now, rids, sids,
	    24)) == -1)
		return -1;
	for (i = 0; i < k; i++) {
		picks = NULL;
		n = 0;
		if (db_series_get(d->db, sids[i], &s) != 1 ||
		    core_place_of_series(c, &s, &p, why, sizeof(why)) != DB_OK ||
		    core_place_rank(c, &p, &picks, &n) == -1)
			continue;
		free(picks);
		if (n >= 3)
			break;
	}
	if (i == k)
		return 0;
	if (core_self_stop(c, rids[i], why, sizeof(why)) != DB_OK ||
	    (place = db_place_of_series(d->db, sids[i])) <= 0)
		return -1;
	if (core_place_send(c, place, &sent, why, sizeof(why)) != DB_OK)
		return -1;
	if (db_offers_each(d->db, place, 0, on_first_live, &first) == -1)
		return -1;
	/* The first person read their offer email, then said no. */
	if (sent >= 2 && first > 0 && (db_offer_get(d->db, first, &o) != 1 ||
	    db_demo_mail_sent(d->db, "place_offer", o.referral_id) == -1 ||
	    core_offer_decline(c, first, why, sizeof(why)) != DB_OK))
		return -1;
	fprintf(stderr, "demo: referral %lld stopped their sessions; place "
	    "%lld offered to %d\n", (long long)rids[i], (long long)place,
	    sent);
	return 0;
}

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
	c.user_id = 0;
	if (demo_stopped(d, &c) == -1)
		return -1;
	return demo_offers(d, &c);
}

/*
 * demo_places: issue 18's places made when a therapist's caseload opens.
 * Two days ago a coordinator raised a therapist's caseload limit and
 * hours on their form (the same db_therapist_save and
 * core_places_caseload the form calls), so Tutti made a place at their
 * best free weekly time; the coordinator sent its offers, nobody
 * answered within offer_hours, and they were handed on to the next
 * people.  With the places of demo_self, /places shows offers open,
 * declined, expired and not sent yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "core/offer.h"
#include "ctl/demo.h"
#include "db/db.h"
#include "db/offers.h"
#include "db/records.h"
#include "db/self.h"

#define DEMO_RAISE_TRIES	8	/* therapists tried, at most */
#define DEMO_AVAIL_MAX		64	/* availability rows kept a therapist */

/* A therapist's weekly availability, as the form saves it whole. */
struct demo_avail {
	struct db_week_range	 v[DEMO_AVAIL_MAX];
	size_t			 n;
};

/* db_availability_each's callback: keeps one row. */
static void
on_avail(void *arg, const struct db_week_range *r)
{
	struct demo_avail *a = arg;

	if (a->n < DEMO_AVAIL_MAX)
		a->v[a->n++] = *r;
}

/* Marks the offer email of each offer sent as read two days ago. */
static void
on_sent(void *arg, const struct db_offer *o)
{
	struct demo *d = arg;

	if (strcmp(o->status, "sent") == 0)
		(void)db_demo_mail_sent(d->db, "place_offer", o->referral_id);
}

/*
 * Saves therapist t with caseload limit max_caseload and max_hours, as
 * the form does, by the coordinator.  DB_OK, or what db_therapist_save
 * said.
 */
static enum db_result
demo_therapist_limits(struct demo *d, const struct db_therapist *t,
    const struct demo_avail *a, int max_caseload, int max_hours)
{
	struct db_therapist_edit e;
	int64_t id;

	memset(&e, 0, sizeof(e));
	e.id = t->id;
	e.user_id = t->user_id;
	e.name = t->name;
	e.specialisms = t->specialisms;
	e.languages = t->languages;
	e.max_caseload = max_caseload;
	e.max_hours = max_hours;
	e.active = t->active;
	e.availability = a->v;
	e.navailability = a->n;
	return db_therapist_save(d->db, &e, d->coordinators[0], "demo", &id);
}

int
demo_places(struct demo *d)
{
	struct core_ctx c;
	struct core_caseload got;
	struct db_therapist t;
	struct demo_avail a;
	char why[CORE_WHY_LEN];
	size_t i;
	int tries = 0, sent = 0;

	memset(&c, 0, sizeof(c));
	c.db = d->db;
	c.tz = DEMO_TZ;
	c.msgid_domain = DEMO_DOMAIN;
	c.addr = "demo";
	c.user_id = d->coordinators[0];
	/* Two days and two hours ago: the offers' 48 hours are up. */
	c.now = d->now - 50 * 3600;
	memset(&got, 0, sizeof(got));
	for (i = 0; i < d->ntherapists && tries < DEMO_RAISE_TRIES; i++) {
		memset(&a, 0, sizeof(a));
		if (db_therapist_get(d->db, d->therapists[i].id, c.now,
		    c.now + 28 * 86400, &t) != 1 || !t.active)
			continue;
		tries++;
		if (db_availability_each(d->db, t.id, on_avail, &a) == -1 ||
		    demo_therapist_limits(d, &t, &a, (t.max_caseload >
		    t.caseload ? t.max_caseload : t.caseload) + 1,
		    t.max_hours + 1) != DB_OK ||
		    core_places_caseload(&c, t.id, t.max_caseload,
		    t.max_hours, &got) == -1)
			return -1;
		if (got.nplaces > 0)
			break;
		/* Nobody waiting fits their free times: as it was. */
		if (demo_therapist_limits(d, &t, &a, t.max_caseload,
		    t.max_hours) != DB_OK)
			return -1;
	}
	if (got.nplaces == 0)
		return 0;
	if (core_place_send(&c, got.place_ids[0], &sent, why,
	    sizeof(why)) != DB_OK ||
	    db_offers_each(d->db, got.place_ids[0], 0, on_sent, d) == -1)
		return -1;
	/* Today: nobody answered in time; the next people are offered. */
	c.now = d->now;
	c.user_id = 0;
	if (core_offers_tick(&c) == -1)
		return -1;
	fprintf(stderr, "demo: %s's caseload opened: place %lld, %d offers "
	    "expired\n", t.name, (long long)got.place_ids[0], sent);
	return 0;
}

/*
 * Demo: the coordinator's week (issue 17).  After everything is booked,
 * a therapist without a log-in reports sick for next week and a partner
 * site closes for a day, both entered the way staff enter them (through
 * db/records.h, after the sessions were booked), so that their sessions
 * wait on /schedule and on the leave and closure pages for a decision.
 */
#include <stdio.h>
#include <string.h>

#include "core/booking.h"
#include "core/core.h"
#include "ctl/demo.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "db/week.h"

/* Sessions still booked, counted by therapist and by site and day. */
struct demo_week_count {
	const struct demo	*d;
	int64_t			 skip_therapist;
	int64_t			 best_therapist;
	int			 therapist_n[4096];
	int64_t			 site[64];
	char			 date[64][11];
	int			 site_n[64];
	size_t			 nsites;
	int			 thea[64];	/* Thea works there that day */
};

static void
demo_week_count(void *arg, const struct db_week_occ *o)
{
	struct demo_week_count *c = arg;
	size_t i;

	if (strcmp(o->state, "booked") != 0)
		return;
	if (o->therapist_id > 0 && o->therapist_id < 4096)
		c->therapist_n[o->therapist_id]++;
	if (o->therapist_id == c->skip_therapist ||
	    o->site_id == c->d->sites[0].id)
		return;
	/* (Thea's sessions are the tests' own: her days stay open.) */
	for (i = 0; i < c->nsites; i++)
		if (c->site[i] == o->site_id && strcmp(c->date[i],
		    o->date) == 0)
			break;
	if (i == c->nsites) {
		if (c->nsites == 64)
			return;
		c->site[i] = o->site_id;
		snprintf(c->date[i], sizeof(c->date[i]), "%s", o->date);
		c->nsites++;
	}
	c->site_n[i]++;
	if (o->therapist_id == c->d->therapists[0].id)
		c->thea[i] = 1;
}

/*
 * An online series with its video call link: a client (not one of
 * Thea's, whose days the tests keep) of a therapist who works online
 * gets six weekly online sessions from next week, booked as a
 * coordinator books them (the confirmation, with the link, is queued).
 */
static int
demo_week_online(struct demo *d)
{
	struct core_booking b;
	struct core_ctx c;
	const struct demo_person *p;
	const struct demo_slot *sl;
	char why[CORE_WHY_LEN], url[96];
	size_t i;
	int k, day, start;
	int64_t id;
	enum db_result res;

	memset(&c, 0, sizeof(c));
	c.db = d->db;
	c.msgid_domain = DEMO_DOMAIN;
	c.user_id = d->coordinators[0];
	c.now = d->now;
	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		if (p->status != ST_ACTIVE || p->client_id <= 0 ||
		    p->therapist < 1 || !p->email || p->group >= 0)
			continue;
		for (k = 0; k < d->therapists[p->therapist].nslots; k++) {
			sl = &d->therapists[p->therapist].slots[k];
			if (d->sites[sl->site].kind != SITE_ONLINE)
				continue;
			for (day = d->today + 1; day < d->today + 8 &&
			    day < d->ndays; day++)
				if ((d->first_weekday + day) % 7 == sl->day)
					break;
			if (day >= d->ndays || day == d->today + 8)
				continue;
			memset(&b, 0, sizeof(b));
			b.therapist_id = d->therapists[p->therapist].id;
			b.client_id = p->client_id;
			b.site_id = d->sites[sl->site].id;
			b.first_date = d->date[day];
			b.length_min = 45;
			b.count = 6;
			for (start = sl->start_min; start < sl->start_min + 180;
			    start += 60) {
				char hhmm[16];

				snprintf(hhmm, sizeof(hhmm), "%02d:%02d",
				    start / 60 % 24, start % 60);
				b.start_local = hhmm;
				res = core_series_book(&c, &b, &id, why,
				    sizeof(why));
				if (res == DB_CONFLICT || res == DB_INVALID)
					continue;
				if (res != DB_OK)
					return -1;
				snprintf(url, sizeof(url), "https://video.%s/"
				    "room/%lld-music", DEMO_DOMAIN,
				    (long long)id);
				return db_series_video_set(d->db, id, url,
				    d->coordinators[0], "") == DB_OK ? 0 : -1;
			}
		}
	}
	return 0;
}

int
demo_week(struct demo *d)
{
	static struct demo_week_count c;
	int first = d->today + 2, last = d->today + 8;
	int64_t who = 0;
	size_t i, best;
	int n = 0;

	if (last >= d->ndays)
		return 0;
	if (demo_week_online(d) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	c.d = d;
	if (db_week_occ_each(d->db, 0, demo_time(d, first, 0),
	    demo_time(d, last + 1, 0), demo_week_count, &c) == -1)
		return -1;
	/* The busiest therapist without a log-in is off sick next week. */
	for (i = 0; i < d->ntherapists; i++)
		if (d->therapists[i].user_id == 0 && d->therapists[i].id <
		    4096 && c.therapist_n[d->therapists[i].id] > n) {
			n = c.therapist_n[d->therapists[i].id];
			who = d->therapists[i].id;
		}
	if (who > 0 && db_leave_add(d->db, who, d->date[first], d->date[last],
	    "Off sick", d->coordinators[0], "") != DB_OK)
		return -1;
	/* Recount without them: the busiest partner site's day closes. */
	memset(&c, 0, sizeof(c));
	c.d = d;
	c.skip_therapist = who;
	if (db_week_occ_each(d->db, 0, demo_time(d, first, 0),
	    demo_time(d, last + 1, 0), demo_week_count, &c) == -1)
		return -1;
	if (c.nsites == 0)
		return 0;
	for (best = c.nsites, i = 0; i < c.nsites; i++)
		if (!c.thea[i] && (best == c.nsites ||
		    c.site_n[i] > c.site_n[best]))
			best = i;
	if (best == c.nsites)
		return 0;
	if (db_site_closure_add(d->db, c.site[best], c.date[best],
	    c.date[best], "Heating repairs", d->coordinators[0], "") != DB_OK)
		return -1;
	return 0;
}

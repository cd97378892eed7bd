/*
 * Demo: the coordinator's week (issue 17).  After everything is booked,
 * a therapist without a log-in reports sick for next week and a partner
 * site closes for a day, both entered the way staff enter them (through
 * db/records.h, after the sessions were booked), so that their sessions
 * wait on /schedule and on the leave and closure pages for a decision.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/demo.h"
#include "db/db.h"
#include "db/records.h"
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

/*
 * Demo figures for /reports: the answers to the outcome survey of those
 * who were sent it (after their sixth attended session) and answered,
 * about half of them, a few days to three weeks later.  Most agree that
 * music therapy helped; some are unsure; a few do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/demo.h"
#include "db/bulk.h"
#include "db/db.h"

static const char *
answer(struct demo_rng *r, int agree, int unsure)
{
	int u = demo_below(r, 100);

	return u < agree ? "agree" : u < agree + unsure ? "unsure" :
	    "disagree";
}

int
demo_reports(struct demo *d)
{
	struct demo_person *p;
	char at[21];
	size_t i;
	int day;

	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		if (p->surveyed < 0 || !demo_chance(&d->rng, 55))
			continue;
		day = p->surveyed + 3 + demo_below(&d->rng, 18);
		if (day >= d->today)
			continue;
		demo_iso(d, day, 8 * 60 + demo_below(&d->rng, 13 * 60), at);
		d->rows++;
		/* Families answer the question about their relationship. */
		if (db_bulk_outcome(d->db, p->id, answer(&d->rng, 78, 16),
		    answer(&d->rng, 66, 24), answer(&d->rng, 60, 28),
		    p->needs & ((1u << NEED_DEMENTIA) |
		    (1u << NEED_PARENT_CHILD)) ? answer(&d->rng, 70, 22) :
		    "na", at) == -1)
			return -1;
	}
	return 0;
}

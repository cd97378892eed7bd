/*
 * terms: term-time series (issue 20).  A series at a site with terms
 * (its own or its organisation's, db/terms.h) has sessions in term time
 * only; booked as "N sessions" it runs on until N are delivered.  The
 * dates come from sched_term_expand (sched/terms.h); core_series_book
 * uses them, and the booking page shows them before anything is booked.
 */
#ifndef CORE_TERMS_H
#define CORE_TERMS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "sched/terms.h"

/*
 * What booking a weekly series at a site gives.  has_terms: the site
 * has term dates, so d holds the term-time dates and holiday weeks;
 * else d is empty and the series runs every week.
 */
struct core_term_plan {
	int			 has_terms;
	int			 closed;	/* d: the weeks around closures
						   and the therapist's leave */
	int			 count;		/* sessions asked; 0 none */
	struct sched_term_dates	 d;
};

/*
 * Plans a weekly series at site_id from first_date ("YYYY-MM-DD"), for
 * count sessions (0: none) or to until_date (NULL: none), up to
 * SCHEDULE_HORIZON_DAYS ahead.  0 with *out filled (free with
 * core_term_plan_free); -1 on a bad date or a database error (logged),
 * nothing to free.
 */
int	 core_term_plan(struct db *, int64_t site_id, const char *first_date,
	    int count, const char *until_date, struct core_term_plan *out);
/*
 * The same for a site whose closures, or the leave of therapist_id (0:
 * none), fall in the series (booked with core_booking's skip_closed):
 * d holds the weekly dates in its terms (with none, every week) that
 * miss every closure and every day of that leave, count of them when
 * count > 0, and the weeks passed over as skipped; closed is 1 and
 * has_terms says whether the site has terms.  With no closure in the
 * way, *out is left empty (closed 0: plan as core_term_plan does).  0,
 * or -1 as core_term_plan.
 */
int	 core_closure_plan(struct db *, int64_t site_id,
	    int64_t therapist_id, const char *first_date, int count,
	    const char *until_date, struct core_term_plan *out);
/* Frees what core_term_plan filled; NULL is fine. */
void	 core_term_plan_free(struct core_term_plan *);

/*
 * The plan in words for a person, into out: "12 sessions, term time
 * only, last session Wednesday 25 March 2027"; "" when the site has no
 * terms or there are no dates.
 */
void	 core_term_words(const struct core_term_plan *, char *out, size_t n);

/* A date "YYYY-MM-DD" as "Wednesday 25 March 2027" into out (n > 0). */
void	 core_date_words(const char *date, char *out, size_t n);

#endif

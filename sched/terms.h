/*
 * terms: the dates of a weekly series in term time only (issue 20).  A
 * site with term dates (a school's) has no sessions in its holidays, and
 * a series booked as "N sessions" there runs on until N are delivered.
 *
 * Pure C on local calendar dates "YYYY-MM-DD": no zone, no clock.  The
 * caller turns each date and the series' local start into UTC in the
 * series' zone, so a 10:00 session stays at 10:00 across a clock change.
 */
#ifndef SCHED_TERMS_H
#define SCHED_TERMS_H

#include <stddef.h>

#define SCHED_DATE_LEN	11	/* "YYYY-MM-DD" and the NUL */

/* A term: its first and last day, inclusive ("YYYY-MM-DD"). */
struct sched_term {
	const char	*first_day;
	const char	*last_day;
};

/*
 * What sched_term_expand found.  dates: the sessions, in order.
 * skipped: the weeks passed over (holidays) between the first session
 * and the last, in order; a calendar marks them as no session.
 */
struct sched_term_dates {
	char	(*dates)[SCHED_DATE_LEN];
	size_t	  ndates;
	char	(*skipped)[SCHED_DATE_LEN];
	size_t	  nskipped;
};

/*
 * The weekly dates from first_date on (first_date itself only when it
 * is in term) that fall in one of terms[] (any order; they may
 * overlap), until count sessions are found (count > 0), or up to
 * until_date inclusive (not NULL), or else before horizon_date; never
 * after the last day of the last term.  With nterms 0 every week is
 * term time.  Fills *out (free with sched_term_dates_free) and returns
 * 0; with count > 0, out->ndates < count means the terms entered ran
 * out first.  Returns -1 (nothing to free) on a date that is not a real
 * one, a term that ends before it starts, or out of memory.
 */
int	 sched_term_expand(const char *first_date, int count,
	    const char *until_date, const char *horizon_date,
	    const struct sched_term *terms, size_t nterms,
	    struct sched_term_dates *out);
/* Frees what sched_term_expand filled and zeroes it; NULL is fine. */
void	 sched_term_dates_free(struct sched_term_dates *);

/*
 * 1 when date is in one of terms[], 0 when it is not (a holiday), -1
 * when date or a term is not a real date.
 */
int	 sched_term_holds(const struct sched_term *terms, size_t nterms,
	    const char *date);

/*
 * Days from 1970-01-01 to date into *days; 0, or -1 when date is not a
 * real date "YYYY-MM-DD" (years 1900 to 2199).  sched_day_date is the
 * reverse.
 */
int	 sched_date_days(const char *date, long *days);
void	 sched_day_date(long days, char out[SCHED_DATE_LEN]);

#endif

/*
 * terms: weekly dates in term time only (see terms.h).  Dates are
 * counted in days from 1970-01-01 in the proleptic Gregorian calendar,
 * so a week is always 7 days whatever the clocks do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/terms.h"

/* Days in month m (1..12) of year y. */
static int
month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d: whole 400-year eras from 1 March of
 * year 0, then the year of the era and the day of that year counted
 * from March, so that February's leap day comes last.
 */
static long
civil_days(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads a date (see terms.h). */
int
sched_date_days(const char *date, long *days)
{
	int y, m, d, n = 0;

	if (date == NULL || strlen(date) != 10 || date[4] != '-' ||
	    date[7] != '-' || sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &n)
	    != 3 || n != 10 || y < 1900 || y > 2199 || m < 1 || m > 12 ||
	    d < 1 || d > month_days(y, m))
		return -1;
	*days = civil_days(y, m, d);
	return 0;
}

/* Writes a date (see terms.h): the reverse of civil_days. */
void
sched_day_date(long days, char out[SCHED_DATE_LEN])
{
	long z = days + 719468, era, doe, yoe, doy, mp, y;
	int m, d;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	/* Written digit by digit: every field's width is known. */
	y = y < 0 ? 0 : y % 10000;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* A term as day numbers. */
struct span {
	long	 first;
	long	 last;
};

/*
 * Reads terms[] into *out (free() it; NULL when nterms is 0) and the
 * last day of all into *last.  0, or -1 on a bad term or no memory.
 */
static int
spans_read(const struct sched_term *terms, size_t nterms, struct span **out,
    long *last)
{
	struct span *v = NULL;
	size_t i;

	*out = NULL;
	*last = 0;
	if (nterms == 0)
		return 0;
	if ((v = calloc(nterms, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < nterms; i++) {
		if (sched_date_days(terms[i].first_day, &v[i].first) == -1 ||
		    sched_date_days(terms[i].last_day, &v[i].last) == -1 ||
		    v[i].last < v[i].first) {
			free(v);
			return -1;
		}
		if (i == 0 || v[i].last > *last)
			*last = v[i].last;
	}
	*out = v;
	return 0;
}

/* 1 when day is in a span of v (all of them when n is 0). */
static int
spans_hold(const struct span *v, size_t n, long day)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (day >= v[i].first && day <= v[i].last)
			return 1;
	return 0;
}

/* Appends day to a list of dates; 0, or -1 on no memory. */
static int
dates_push(char (**v)[SCHED_DATE_LEN], size_t *n, long day)
{
	char (*p)[SCHED_DATE_LEN];

	/* Room doubles each time n reaches a power of two. */
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		p = realloc(*v, (*n == 0 ? 1 : *n * 2) * sizeof(**v));
		if (p == NULL)
			return -1;
		*v = p;
	}
	sched_day_date(day, (*v)[(*n)++]);
	return 0;
}

/* The dates of a term-time series (see terms.h). */
int
sched_term_expand(const char *first_date, int count, const char *until_date,
    const char *horizon_date, const struct sched_term *terms, size_t nterms,
    struct sched_term_dates *out)
{
	struct span *v = NULL;
	long day, stop, last, until, horizon;
	size_t pending = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sched_date_days(first_date, &day) == -1 ||
	    sched_date_days(horizon_date, &horizon) == -1 ||
	    (until_date != NULL && sched_date_days(until_date, &until) == -1) ||
	    spans_read(terms, nterms, &v, &last) == -1)
		return -1;
	stop = horizon - 1;
	if (until_date != NULL && until < stop)
		stop = until;
	if (nterms > 0 && last < stop)
		stop = last;
	for (; day <= stop; day += 7) {
		if (count > 0 && out->ndates >= (size_t)count)
			break;
		if (!spans_hold(v, nterms, day)) {
			/* A holiday week: kept only if a session follows. */
			if (out->ndates > 0 && dates_push(&out->skipped,
			    &out->nskipped, day) == -1)
				goto out;
			pending += out->ndates > 0;
			continue;
		}
		if (dates_push(&out->dates, &out->ndates, day) == -1)
			goto out;
		pending = 0;
	}
	/* Holiday weeks after the last session are not passed over. */
	out->nskipped -= pending;
	rc = 0;
out:
	free(v);
	if (rc == -1)
		sched_term_dates_free(out);
	return rc;
}

/* Frees a term expansion (see terms.h). */
void
sched_term_dates_free(struct sched_term_dates *d)
{
	if (d == NULL)
		return;
	free(d->dates);
	free(d->skipped);
	memset(d, 0, sizeof(*d));
}

/* Whether a date is in term (see terms.h). */
int
sched_term_holds(const struct sched_term *terms, size_t nterms,
    const char *date)
{
	struct span *v;
	long day, last;
	int in;

	if (sched_date_days(date, &day) == -1 ||
	    spans_read(terms, nterms, &v, &last) == -1)
		return -1;
	in = spans_hold(v, nterms, day);
	free(v);
	return in;
}

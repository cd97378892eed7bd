/*
 * terms: planning term-time series (see terms.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/terms.h"
#include "db/records.h"
#include "db/schedule.h"
#include "db/terms.h"
#include "sched/terms.h"

/* The terms read for a site, copied out of the rows. */
struct term_list {
	struct sched_term	*v;
	char			(*days)[2][SCHED_DATE_LEN];
	size_t			 n;
	size_t			 cap;
	size_t			 want;	/* rows read (closures) */
};

/* Keeps the days first..last in l (a term's or a closure's). */
static void
days_push(struct term_list *l, const char *first, const char *last)
{
	char (*p)[2][SCHED_DATE_LEN];

	if (l->n == l->cap) {
		p = realloc(l->days, (l->cap ? l->cap * 2 : 16) *
		    sizeof(*l->days));
		if (p == NULL)
			return;		/* a term missed: see the count */
		l->days = p;
		l->cap = l->cap ? l->cap * 2 : 16;
	}
	(void)snprintf(l->days[l->n][0], SCHED_DATE_LEN, "%s", first);
	(void)snprintf(l->days[l->n][1], SCHED_DATE_LEN, "%s", last);
	l->n++;
}

/* db_site_terms_each's callback: keeps the term's days. */
static void
term_push(void *arg, const struct db_term *t)
{
	days_push(arg, t->first_day, t->last_day);
}

/* db_site_closures_each's callback: keeps the closure's days. */
static void
closure_push(void *arg, const struct db_period *p)
{
	struct term_list *l = arg;

	days_push(l, p->first_day, p->last_day);
	l->want++;
}

/* Plans a series at a site (see terms.h). */
int
core_term_plan(struct db *db, int64_t site_id, const char *first_date,
    int count, const char *until_date, struct core_term_plan *out)
{
	struct term_list l;
	char horizon[SCHED_DATE_LEN];
	long day;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	out->count = count;
	if (sched_date_days(first_date, &day) == -1)
		return -1;
	sched_day_date(day + SCHEDULE_HORIZON_DAYS, horizon);
	if ((rc = db_site_terms_each(db, site_id, term_push, &l)) == -1 ||
	    (size_t)rc != l.n) {
		rc = -1;
		goto out;
	}
	rc = -1;
	if (l.n == 0) {
		rc = 0;
		goto out;
	}
	if ((l.v = calloc(l.n, sizeof(*l.v))) == NULL)
		goto out;
	for (i = 0; i < l.n; i++) {
		l.v[i].first_day = l.days[i][0];
		l.v[i].last_day = l.days[i][1];
	}
	if (sched_term_expand(first_date, count, until_date, horizon, l.v,
	    l.n, &out->d) == -1)
		goto out;
	out->has_terms = 1;
	rc = 0;
out:
	free(l.v);
	free(l.days);
	return rc;
}

/*
 * Pushes onto open the stretches of [a, b] that none of the closures c
 * (by first day) covers.  0, or -1 on a date that is not a real one.
 */
static int
open_between(const struct term_list *c, const char *a, const char *b,
    struct term_list *open)
{
	char from[SCHED_DATE_LEN], end[SCHED_DATE_LEN];
	long d;
	size_t i;

	(void)snprintf(from, sizeof(from), "%s", a);
	for (i = 0; i < c->n && strcmp(from, b) <= 0; i++) {
		if (strcmp(c->days[i][1], from) < 0 ||
		    strcmp(c->days[i][0], b) > 0)
			continue;
		if (strcmp(c->days[i][0], from) > 0) {
			if (sched_date_days(c->days[i][0], &d) == -1)
				return -1;
			sched_day_date(d - 1, end);
			days_push(open, from, end);
		}
		if (sched_date_days(c->days[i][1], &d) == -1)
			return -1;
		sched_day_date(d + 1, from);
	}
	if (strcmp(from, b) <= 0)
		days_push(open, from, b);
	return 0;
}

/* qsort's order of closures: by first day, then last. */
static int
days_cmp(const void *a, const void *b)
{
	const char (*x)[SCHED_DATE_LEN] = a, (*y)[SCHED_DATE_LEN] = b;
	int r;

	if ((r = strcmp(x[0], y[0])) != 0)
		return r;
	return strcmp(x[1], y[1]);
}

/* Plans a series around a site's closures (see terms.h). */
int
core_closure_plan(struct db *db, int64_t site_id, int64_t therapist_id,
    const char *first_date, int count, const char *until_date,
    struct core_term_plan *out)
{
	struct term_list l, t, open;
	char horizon[SCHED_DATE_LEN];
	long day;
	size_t i;
	int rc = -1, nt;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	memset(&t, 0, sizeof(t));
	memset(&open, 0, sizeof(open));
	out->count = count;
	if (sched_date_days(first_date, &day) == -1)
		return -1;
	sched_day_date(day + SCHEDULE_HORIZON_DAYS, horizon);
	if (db_site_closures_each(db, site_id, first_date, horizon,
	    closure_push, &l) == -1 || (therapist_id > 0 &&
	    db_leave_each(db, therapist_id, first_date, horizon,
	    closure_push, &l) == -1) || l.n != l.want ||
	    (nt = db_site_terms_each(db, site_id, term_push, &t)) == -1 ||
	    (size_t)nt != t.n)
		goto out;
	if (l.n == 0) {
		rc = 0;
		goto out;
	}
	/* The closures and the leave, by first day, for open_between. */
	qsort(l.days, l.n, sizeof(*l.days), days_cmp);
	/* The weekly dates fall in the open stretches: the site's terms
	 * (or every day from first_date) less its closures. */
	if (t.n == 0 && open_between(&l, first_date, horizon, &open) == -1)
		goto out;
	for (i = 0; i < t.n; i++)
		if (open_between(&l, t.days[i][0], t.days[i][1], &open) == -1)
			goto out;
	out->has_terms = t.n > 0;
	out->closed = 1;
	if (open.n == 0) {
		rc = 0;		/* closed throughout: no session at all */
		goto out;
	}
	if ((open.v = calloc(open.n, sizeof(*open.v))) == NULL)
		goto out;
	for (i = 0; i < open.n; i++) {
		open.v[i].first_day = open.days[i][0];
		open.v[i].last_day = open.days[i][1];
	}
	if (sched_term_expand(first_date, count, until_date, horizon, open.v,
	    open.n, &out->d) == -1)
		goto out;
	rc = 0;
out:
	free(open.v);
	free(open.days);
	free(t.days);
	free(l.days);
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Frees a plan (see terms.h). */
void
core_term_plan_free(struct core_term_plan *p)
{
	if (p == NULL)
		return;
	sched_term_dates_free(&p->d);
	memset(p, 0, sizeof(*p));
}

/* A date in words (see terms.h). */
void
core_date_words(const char *date, char *out, size_t n)
{
	struct tm tm;
	time_t t;
	long day;
	char *p;

	if (sched_date_days(date, &day) == -1) {
		(void)snprintf(out, n, "%s", date != NULL ? date : "");
		return;
	}
	t = (time_t)day * 86400 + 12 * 3600;
	gmtime_r(&t, &tm);
	if (strftime(out, n, "%A %e %B %Y", &tm) == 0) {
		(void)snprintf(out, n, "%s", date);
		return;
	}
	if ((p = strstr(out, "  ")) != NULL)
		memmove(p, p + 1, strlen(p));
}

/* The plan in words (see terms.h). */
void
core_term_words(const struct core_term_plan *p, char *out, size_t n)
{
	char last[48];

	*out = '\0';
	if (!p->has_terms || p->d.ndates == 0)
		return;
	core_date_words(p->d.dates[p->d.ndates - 1], last, sizeof(last));
	(void)snprintf(out, n, "%zu session%s, term time only, last session "
	    "%s", p->d.ndates, p->d.ndates == 1 ? "" : "s", last);
}

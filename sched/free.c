/*
 * free: free starts on a day, and cover for a session (see free.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/free.h"

/* 1 when [a, b) lies inside one of span[]. */
static int
free_inside(const struct sched_span *span, size_t n, int a, int b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (span[i].start_min <= a && b <= span[i].end_min)
			return 1;
	return 0;
}

/* 1 when [a, b) overlaps one of span[]. */
static int
free_overlaps(const struct sched_span *span, size_t n, int a, int b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (span[i].start_min < b && a < span[i].end_min)
			return 1;
	return 0;
}

static int
free_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

size_t
sched_free_starts(const struct sched_span *work, size_t nwork,
    const struct sched_span *open, size_t nopen,
    const struct sched_span *busy, size_t nbusy, int length, int step,
    int *out, size_t max)
{
	size_t i, n = 0, k;
	int t, dup;

	if (length < 1 || step < 1)
		return 0;
	for (i = 0; i < nwork && n < max; i++)
		for (t = work[i].start_min; t + length <= work[i].end_min &&
		    n < max; t += step) {
			if ((nopen > 0 && !free_inside(open, nopen, t,
			    t + length)) || free_overlaps(busy, nbusy, t,
			    t + length))
				continue;
			for (dup = 0, k = 0; k < n; k++)
				dup |= out[k] == t;
			if (!dup)
				out[n++] = t;
		}
	qsort(out, n, sizeof(*out), free_int_cmp);
	return n;
}

static int
free_bits(unsigned v)
{
	int n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/* Orders those who can cover: best first; those who cannot last. */
static int
free_cover_cmp(const void *a, const void *b)
{
	const struct sched_cover *x = a, *y = b;
	int cx = x->rank > 0, cy = y->rank > 0;

	if (cx != cy)
		return cy - cx;
	if (x->knows_client != y->knows_client)
		return y->knows_client - x->knows_client;
	if (free_bits(x->needs_met & x->needs) !=
	    free_bits(y->needs_met & y->needs))
		return free_bits(y->needs_met & y->needs) -
		    free_bits(x->needs_met & x->needs);
	if (x->places_free != y->places_free)
		return y->places_free - x->places_free;
	return (x->id > y->id) - (x->id < y->id);
}

size_t
sched_cover_rank(struct sched_cover *c, size_t n)
{
	size_t i, can = 0;
	int met, want;

	for (i = 0; i < n; i++) {
		c[i].rank = 0;
		if (c[i].on_leave)
			snprintf(c[i].why, sizeof(c[i].why), "on leave then");
		else if (!c[i].works_then)
			snprintf(c[i].why, sizeof(c[i].why), "does not work "
			    "at this site then");
		else if (!c[i].free_then)
			snprintf(c[i].why, sizeof(c[i].why), "has a session "
			    "then");
		else {
			c[i].rank = 1;
			can++;
			met = free_bits(c[i].needs_met & c[i].needs);
			want = free_bits(c[i].needs);
			snprintf(c[i].why, sizeof(c[i].why), "%sworks here "
			    "then and is free%s%s", c[i].knows_client ?
			    "knows the client; " : "", want == 0 ? "" :
			    met == want ? "; covers every need" : met > 0 ?
			    "; covers some needs" : "; covers none of the "
			    "needs", c[i].places_free <= 0 ? "; caseload full"
			    : "");
		}
	}
	qsort(c, n, sizeof(*c), free_cover_cmp);
	for (i = 0; i < can; i++)
		c[i].rank = (int)i + 1;
	return can;
}

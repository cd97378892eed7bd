/*
 * sched/world.c: builds the read-only indexes (struct sched_world) that
 * matching and planning use: therapists and sites sorted by id, each
 * site's rooms plainest first, and every weekly time as a quarter-hour
 * bit set.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

const int wq_part_lo[SCHED_PARTS] = { 9 * WQ_HOUR, 12 * WQ_HOUR,
    17 * WQ_HOUR };
const int wq_part_hi[SCHED_PARTS] = { 12 * WQ_HOUR, 17 * WQ_HOUR,
    20 * WQ_HOUR };

/* Writes a message into err (if any); returns -1 for the caller. */
static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
w_district(const char *s, char out[SCHED_DISTRICT_LEN])
{
	size_t n = 0;

	out[0] = '\0';
	if (s == NULL)
		return;
	while (isspace((unsigned char)*s))
		s++;
	for (; *s != '\0' && n + 1 < SCHED_DISTRICT_LEN; s++) {
		if (!isalnum((unsigned char)*s))
			break;
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
}

/* 1 if r is a time within one day. */
static int
range_ok(const struct sched_range *r)
{
	return r->day >= 0 && r->day < SCHED_DAYS && r->start_min >= 0 &&
	    r->end_min <= 24 * 60 && r->start_min < r->end_min;
}

/*
 * Clears in m every quarter that the busy ranges touch.  Returns the
 * index of a bad range (nothing is cleared then), or -1.
 */
static long
put_busy(struct wmask *m, const struct sched_range *r, size_t n)
{
	size_t i;
	int base;

	if (n > 0 && r == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!range_ok(&r[i]))
			return (long)i;
	for (i = 0; i < n; i++) {
		base = r[i].day * WQ_DAY;
		wm_put_range(m, base + r[i].start_min / SCHED_STEP_MIN,
		    base + (r[i].end_min + SCHED_STEP_MIN - 1) /
		    SCHED_STEP_MIN, 0);
	}
	return -1;
}

/* A range in minutes from Monday 00:00, with a key (a site index). */
struct span {
	size_t	 key;
	int	 lo;
	int	 hi;
};

static int
cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct span
span_of(const struct sched_range *r, size_t key)
{
	struct span s;

	s.key = key;
	s.lo = r->day * 24 * 60 + r->start_min;
	s.hi = r->day * 24 * 60 + r->end_min;
	return s;
}

/*
 * Sets in m every quarter wholly inside the union of the n spans, which
 * are sorted by lo (so 09:00-09:20 and 09:20-10:00 give 09:00-10:00).
 */
static void
put_spans(struct wmask *m, const struct span *v, size_t n)
{
	size_t i = 0, j;
	int lo, hi, a, b;

	while (i < n) {
		lo = v[i].lo;
		hi = v[i].hi;
		for (j = i + 1; j < n && v[j].lo <= hi; j++)
			if (v[j].hi > hi)
				hi = v[j].hi;
		a = (lo + SCHED_STEP_MIN - 1) / SCHED_STEP_MIN;
		b = hi / SCHED_STEP_MIN;
		if (a < b)
			wm_put_range(m, a, b, 1);
		i = j;
	}
}

static void
wm_fill(struct wmask *m)
{
	wm_zero(m);
	wm_put_range(m, 0, WQ, 1);
}

size_t
w_site_find(const struct sched_world *w, int64_t id)
{
	size_t lo = 0, hi = w->nsites, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->sites[mid].id < id)
			lo = mid + 1;
		else if (w->sites[mid].id > id)
			hi = mid;
		else
			return mid;
	}
	return (size_t)-1;
}

static int
cmp_id(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
cmp_site(const void *a, const void *b)
{
	return cmp_id(((const struct w_site *)a)->id,
	    ((const struct w_site *)b)->id);
}

static int
cmp_ther(const void *a, const void *b)
{
	return cmp_id(((const struct w_ther *)a)->id,
	    ((const struct w_ther *)b)->id);
}

static int
cmp_i64(const void *a, const void *b)
{
	return cmp_id(*(const int64_t *)a, *(const int64_t *)b);
}

/* Orders rooms plainest first, so that special rooms (accessible, with a
 * piano, large) stay free for those who need them. */
static int
room_plainer(const struct w_room *x, const struct w_room *y)
{
	if (x->accessible != y->accessible)
		return x->accessible - y->accessible;
	if (x->piano != y->piano)
		return x->piano - y->piano;
	if (x->capacity != y->capacity)
		return x->capacity < y->capacity ? -1 : 1;
	return cmp_id(x->id, y->id);
}

/* Insertion sort of one site's few room indices. */
static void
sort_site_rooms(size_t *v, size_t n, const struct w_room *rooms)
{
	size_t i, j, t;

	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && room_plainer(&rooms[t],
		    &rooms[v[j - 1]]) < 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

void
sched_world_free(struct sched_world *w)
{
	if (w == NULL)
		return;
	free(w->ther);
	free(w->sites);
	free(w->rooms);
	free(w->tsites);
	free(w->site_rooms);
	free(w->districts);
	free(w);
}

static int
build_sites(struct sched_world *w, const struct sched_input *in, char *err,
    size_t errlen)
{
	struct span *spans = NULL;
	size_t i, j, nd = 0, d = 0;

	for (i = 0; i < in->nsites; i++)
		nd += in->sites[i].nserves;
	if (nd > 0 && (w->districts = calloc(nd, sizeof(*w->districts))) ==
	    NULL)
		return fail(err, errlen, "out of memory");
	for (i = 0; i < in->nsites; i++) {
		const struct sched_site *s = &in->sites[i];
		struct w_site *ws = &w->sites[i];

		if (s->id <= 0)
			return fail(err, errlen, "site %lld: the id must be "
			    "positive", (long long)s->id);
		if (s->nserves > 0 && s->serves == NULL)
			return fail(err, errlen, "site %lld: no districts",
			    (long long)s->id);
		ws->id = s->id;
		ws->online = s->online != 0;
		ws->step_free = s->step_free != 0;
		w_district(s->district, ws->district);
		ws->serves = w->districts + d;
		ws->nserves = s->nserves;
		for (j = 0; j < s->nserves; j++)
			w_district(s->serves[j], w->districts[d++]);
		if (ws->online && s->nopen == 0) {
			wm_fill(&ws->open);
			continue;
		}
		if (s->nopen > 0 && s->open == NULL)
			return fail(err, errlen, "site %lld: no opening hours",
			    (long long)s->id);
		for (j = 0; j < s->nopen; j++)
			if (!range_ok(&s->open[j]))
				return fail(err, errlen, "site %lld: opening "
				    "range %zu is not a time within one day",
				    (long long)s->id, j + 1);
		if (s->nopen > 0 && (spans = malloc(s->nopen *
		    sizeof(*spans))) == NULL)
			return fail(err, errlen, "out of memory");
		for (j = 0; j < s->nopen; j++)
			spans[j] = span_of(&s->open[j], 0);
		if (s->nopen > 0)
			qsort(spans, s->nopen, sizeof(*spans), cmp_span);
		put_spans(&ws->open, spans, s->nopen);
		free(spans);
		spans = NULL;
	}
	if (w->nsites > 0)
		qsort(w->sites, w->nsites, sizeof(*w->sites), cmp_site);
	for (i = 1; i < w->nsites; i++)
		if (w->sites[i].id == w->sites[i - 1].id)
			return fail(err, errlen, "site %lld: the id is given "
			    "twice", (long long)w->sites[i].id);
	return 0;
}

static int
build_rooms(struct sched_world *w, const struct sched_input *in, char *err,
    size_t errlen)
{
	size_t i, *fill = NULL;
	long bad;
	int64_t *ids = NULL;
	int rc = -1;

	if (in->nrooms == 0)
		return 0;
	if ((w->site_rooms = calloc(in->nrooms, sizeof(size_t))) == NULL ||
	    (fill = calloc(w->nsites + 1, sizeof(size_t))) == NULL ||
	    (ids = calloc(in->nrooms, sizeof(int64_t))) == NULL) {
		rc = fail(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < in->nrooms; i++) {
		const struct sched_room *r = &in->rooms[i];
		struct w_room *wr = &w->rooms[i];

		if (r->id <= 0) {
			rc = fail(err, errlen, "room %lld: the id must be "
			    "positive", (long long)r->id);
			goto out;
		}
		if ((wr->site = w_site_find(w, r->site_id)) == (size_t)-1) {
			rc = fail(err, errlen, "room %lld: no site %lld",
			    (long long)r->id, (long long)r->site_id);
			goto out;
		}
		if (w->sites[wr->site].online) {
			rc = fail(err, errlen, "room %lld: site %lld is online",
			    (long long)r->id, (long long)r->site_id);
			goto out;
		}
		wr->id = r->id;
		wr->capacity = r->capacity;
		wr->accessible = r->accessible != 0;
		wr->piano = r->piano != 0;
		wm_fill(&wr->free);
		if ((bad = put_busy(&wr->free, r->busy, r->nbusy)) >= 0) {
			rc = fail(err, errlen, "room %lld: booking %ld is not "
			    "a time within one day", (long long)r->id, bad + 1);
			goto out;
		}
		fill[wr->site + 1]++;
		ids[i] = r->id;
	}
	qsort(ids, in->nrooms, sizeof(*ids), cmp_i64);
	for (i = 1; i < in->nrooms; i++)
		if (ids[i] == ids[i - 1]) {
			rc = fail(err, errlen, "room %lld: the id is given "
			    "twice", (long long)ids[i]);
			goto out;
		}
	/* Each site's slice of site_rooms. */
	for (i = 1; i <= w->nsites; i++)
		fill[i] += fill[i - 1];
	for (i = 0; i < w->nsites; i++) {
		w->sites[i].rooms = w->site_rooms + fill[i];
		w->sites[i].nrooms = 0;
	}
	for (i = 0; i < in->nrooms; i++) {
		struct w_site *s = &w->sites[w->rooms[i].site];

		s->rooms[s->nrooms++] = i;
	}
	for (i = 0; i < w->nsites; i++)
		sort_site_rooms(w->sites[i].rooms, w->sites[i].nrooms,
		    w->rooms);
	rc = 0;
out:
	free(ids);
	free(fill);
	return rc;
}

static int
build_therapists(struct sched_world *w, const struct sched_input *in,
    char *err, size_t errlen)
{
	struct span *spans = NULL;
	size_t i, j, k, nts = 0, site;
	long bad;
	int rc = -1;

	for (i = 0; i < in->ntherapists; i++)
		nts += in->therapists[i].navailability;
	if (nts > 0 && ((w->tsites = calloc(nts, sizeof(*w->tsites))) ==
	    NULL || (spans = calloc(nts, sizeof(*spans))) == NULL)) {
		rc = fail(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < in->ntherapists; i++) {
		const struct sched_therapist *t = &in->therapists[i];
		struct w_ther *wt = &w->ther[i];

		if (t->id <= 0) {
			rc = fail(err, errlen, "therapist %lld: the id must "
			    "be positive", (long long)t->id);
			goto out;
		}
		if (t->caseload < 0 || t->max_caseload < 0) {
			rc = fail(err, errlen, "therapist %lld: a caseload "
			    "is negative", (long long)t->id);
			goto out;
		}
		if (t->navailability > 0 && t->availability == NULL) {
			rc = fail(err, errlen, "therapist %lld: no "
			    "availability", (long long)t->id);
			goto out;
		}
		wt->id = t->id;
		wt->active = t->active != 0;
		wt->on_leave = t->on_leave != 0;
		wt->specialisms = t->specialisms &
		    ((1u << SCHED_NEED__MAX) - 1);
		wt->caseload = t->caseload;
		wt->max_caseload = t->max_caseload;
		wm_fill(&wt->free);
		if ((bad = put_busy(&wt->free, t->busy, t->nbusy)) >= 0) {
			rc = fail(err, errlen, "therapist %lld: booking %ld "
			    "is not a time within one day", (long long)t->id,
			    bad + 1);
			goto out;
		}
		for (j = 0; j < t->navailability; j++) {
			const struct sched_site_range *a = &t->availability[j];

			if ((site = w_site_find(w, a->site_id)) == (size_t)-1) {
				rc = fail(err, errlen, "therapist %lld: no "
				    "site %lld", (long long)t->id,
				    (long long)a->site_id);
				goto out;
			}
			if (!range_ok(&a->range)) {
				rc = fail(err, errlen, "therapist %lld: "
				    "availability %zu is not a time within "
				    "one day", (long long)t->id, j + 1);
				goto out;
			}
			spans[j] = span_of(&a->range, site);
		}
		/* One w_tsite per site, from that site's merged ranges. */
		if (t->navailability > 0)
			qsort(spans, t->navailability, sizeof(*spans),
			    cmp_span);
		wt->sites = w->tsites + w->ntsites;
		wt->nsites = 0;
		for (j = 0; j < t->navailability; j = k) {
			struct w_tsite *ts = &wt->sites[wt->nsites++];

			for (k = j; k < t->navailability &&
			    spans[k].key == spans[j].key; k++)
				;
			ts->site = spans[j].key;
			put_spans(&ts->avail, spans + j, k - j);
			wm_or_in(&wt->avail, &ts->avail);
		}
		w->ntsites += wt->nsites;
	}
	if (w->nther > 0)
		qsort(w->ther, w->nther, sizeof(*w->ther), cmp_ther);
	for (i = 1; i < w->nther; i++)
		if (w->ther[i].id == w->ther[i - 1].id) {
			rc = fail(err, errlen, "therapist %lld: the id is "
			    "given twice", (long long)w->ther[i].id);
			goto out;
		}
	rc = 0;
out:
	free(spans);
	return rc;
}

struct sched_world *
sched_world_new(const struct sched_input *in, char *err, size_t errlen)
{
	struct sched_world *w;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (in == NULL || (in->ntherapists > 0 && in->therapists == NULL) ||
	    (in->nsites > 0 && in->sites == NULL) ||
	    (in->nrooms > 0 && in->rooms == NULL)) {
		(void)fail(err, errlen, "no input");
		return NULL;
	}
	if (in->group_room_min < 0) {
		(void)fail(err, errlen, "group_room_min is negative");
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		(void)fail(err, errlen, "out of memory");
		return NULL;
	}
	w->nther = in->ntherapists;
	w->nsites = in->nsites;
	w->nrooms = in->nrooms;
	w->group_room_min = in->group_room_min > 0 ? in->group_room_min :
	    SCHED_GROUP_ROOM_MIN;
	if ((w->nther > 0 && (w->ther = calloc(w->nther,
	    sizeof(*w->ther))) == NULL) ||
	    (w->nsites > 0 && (w->sites = calloc(w->nsites,
	    sizeof(*w->sites))) == NULL) ||
	    (w->nrooms > 0 && (w->rooms = calloc(w->nrooms,
	    sizeof(*w->rooms))) == NULL)) {
		(void)fail(err, errlen, "out of memory");
		goto bad;
	}
	if (build_sites(w, in, err, errlen) == -1 ||
	    build_rooms(w, in, err, errlen) == -1 ||
	    build_therapists(w, in, err, errlen) == -1)
		goto bad;
	return w;
bad:
	sched_world_free(w);
	return NULL;
}

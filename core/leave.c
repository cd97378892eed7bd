/*
 * leave: sessions hit by leave or a closure, and acting on them all in
 * one transaction (see leave.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/booking.h"
#include "core/leave.h"
#include "db/records.h"
#include "db/schedule.h"
#include "db/week.h"
#include "ical/ical.h"
#include "sched/free.h"
#include "sched/sched.h"

#define LEAVE_SPANS	32	/* working or opening stretches a day */
#define LEAVE_BUSY	64	/* sessions a day of one therapist and room */

/* A growing array of fixed-size records. */
struct leave_vec {
	void	*v;
	size_t	 n, cap, size;
	int	 failed;
};

static void *
leave_vec_push(struct leave_vec *a)
{
	void *p;

	if (a->failed)
		return NULL;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		if ((p = realloc(a->v, a->cap * a->size)) == NULL) {
			a->failed = 1;
			return NULL;
		}
		a->v = p;
	}
	return (char *)a->v + a->size * a->n++;
}

/* A session as the search for free times sees it, local. */
struct leave_busy {
	int64_t	 series_id;
	int64_t	 therapist_id;
	int64_t	 room_id;
	int64_t	 start_utc, end_utc;
	char	 date[11];	/* local date it is on now */
	int	 start_min, end_min;
	int	 cancelled;
};

struct leave_world {
	const char		*tz;
	struct leave_vec	 hits;		/* struct core_hit */
	struct leave_vec	 avail;		/* struct db_week_range */
	struct leave_vec	 hours;		/* struct db_week_range */
	struct leave_vec	 periods;	/* leave: struct db_period */
	struct leave_vec	 closures;	/* struct db_period */
	struct leave_vec	 staff;		/* struct db_therapist */
	struct leave_vec	 busy;		/* struct leave_busy */
};

static void
leave_hit(void *arg, const struct db_week_occ *o)
{
	struct leave_world *w = arg;
	struct core_hit *h = leave_vec_push(&w->hits);

	if (h != NULL) {
		memset(h, 0, sizeof(*h));
		h->occ = *o;
	}
}

static void
leave_range(void *arg, const struct db_week_range *r)
{
	struct db_week_range *p = leave_vec_push(arg);

	if (p != NULL)
		*p = *r;
}

static void
leave_period(void *arg, const struct db_period *r)
{
	struct db_period *p = leave_vec_push(arg);

	if (p != NULL)
		*p = *r;
}

static void
leave_staff(void *arg, const struct db_therapist *t)
{
	struct db_therapist *p;

	if (!t->active || (p = leave_vec_push(arg)) == NULL)
		return;
	*p = *t;
}

static void
leave_busy_add(void *arg, const struct db_week_occ *o)
{
	struct leave_world *w = arg;
	struct leave_busy *b = leave_vec_push(&w->busy);
	char hhmm[6];

	if (b == NULL)
		return;
	memset(b, 0, sizeof(*b));
	b->series_id = o->series_id;
	b->therapist_id = o->therapist_id;
	b->room_id = o->room_id;
	b->start_utc = o->start_utc;
	b->end_utc = o->end_utc;
	b->cancelled = strcmp(o->state, "cancelled") == 0;
	(void)ical_utc_to_local(w->tz, (time_t)o->start_utc, b->date, hhmm,
	    NULL);
	b->start_min = atoi(hhmm) * 60 + atoi(hhmm + 3);
	b->end_min = b->start_min + (int)((o->end_utc - o->start_utc) / 60);
}

/* Adds days to a YYYY-MM-DD date; the weekday (0 Monday) of the result. */
static int
leave_date_add(const char *date, int days, char out[11])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return (tm.tm_wday + 6) % 7;
}

/* 1 when one of the periods of owner covers date. */
static int
leave_covered(const struct leave_vec *a, int64_t owner, const char *date)
{
	const struct db_period *p = a->v;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (p[i].owner_id == owner && strcmp(p[i].first_day, date) <= 0
		    && strcmp(date, p[i].last_day) <= 0)
			return 1;
	return 0;
}

/* The stretches of owner (at site, when site > 0) on weekday day. */
static size_t
leave_spans(const struct leave_vec *a, int64_t owner, int64_t site, int day,
    struct sched_span *out, size_t max)
{
	const struct db_week_range *r = a->v;
	size_t i, n = 0;

	for (i = 0; i < a->n && n < max; i++)
		if (r[i].owner_id == owner && r[i].day == day &&
		    (site <= 0 || r[i].site_id == site)) {
			out[n].start_min = r[i].start_min;
			out[n].end_min = r[i].end_min;
			n++;
		}
	return n;
}

/* Free times for hit h: the same therapist, site and room, later on. */
static void
leave_free_times(const struct leave_world *w, struct core_hit *h)
{
	const struct db_week_occ *o = &h->occ;
	const struct leave_busy *b = w->busy.v;
	struct sched_span work[LEAVE_SPANS], open[LEAVE_SPANS];
	struct sched_span busy[LEAVE_BUSY];
	size_t nwork, nopen, nbusy, i, k, got;
	int starts[96], day, d, len, orig = -1, pick;
	char date[11], hhmm[6];

	len = (int)((o->end_utc - o->start_utc) / 60);
	(void)ical_utc_to_local(w->tz, (time_t)o->start_utc, NULL, hhmm, NULL);
	orig = atoi(hhmm) * 60 + atoi(hhmm + 3);
	for (d = 1; d <= CORE_FREE_DAYS && h->nfree < CORE_FREE_MAX; d++) {
		if ((day = leave_date_add(o->date, d, date)) < 0)
			return;
		if (leave_covered(&w->periods, o->therapist_id, date) ||
		    leave_covered(&w->closures, o->site_id, date))
			continue;
		nwork = leave_spans(&w->avail, o->therapist_id, o->site_id,
		    day, work, LEAVE_SPANS);
		if (nwork == 0)
			continue;
		nopen = leave_spans(&w->hours, o->site_id, 0, day, open,
		    LEAVE_SPANS);
		if (nopen == 0)
			continue;
		for (nbusy = 0, i = 0; i < w->busy.n && nbusy < LEAVE_BUSY;
		    i++)
			if (!b[i].cancelled && strcmp(b[i].date, date) == 0 &&
			    (b[i].therapist_id == o->therapist_id ||
			    (o->room_id > 0 && b[i].room_id == o->room_id) ||
			    b[i].series_id == o->series_id)) {
				busy[nbusy].start_min = b[i].start_min;
				busy[nbusy].end_min = b[i].end_min;
				nbusy++;
			}
		got = sched_free_starts(work, nwork, open, nopen, busy, nbusy,
		    len, SCHED_STEP_MIN, starts, sizeof(starts) /
		    sizeof(starts[0]));
		if (got == 0)
			continue;
		/* The usual time when it is free, else the nearest. */
		for (pick = starts[0], k = 0; k < got; k++)
			if (abs(starts[k] - orig) < abs(pick - orig))
				pick = starts[k];
		snprintf(h->free[h->nfree].date, 11, "%s", date);
		pick = ((pick % 1440) + 1440) % 1440;
		snprintf(h->free[h->nfree].hhmm, 6, "%02u:%02u",
		    (unsigned)(pick / 60) % 24u, (unsigned)pick % 60u);
		h->nfree++;
	}
}

/* Who could cover hit h, best first. */
static void
leave_cover(const struct leave_world *w, struct core_hit *h)
{
	const struct db_week_occ *o = &h->occ;
	const struct db_therapist *t = w->staff.v;
	const struct leave_busy *b = w->busy.v;
	struct sched_span work[LEAVE_SPANS];
	struct sched_cover *c;
	size_t i, k, n = 0, nwork, can;
	int day, start, len;
	char hhmm[6], date[11];

	if (w->staff.n == 0 || (c = calloc(w->staff.n,
	    sizeof(*c))) == NULL)
		return;
	(void)ical_utc_to_local(w->tz, (time_t)o->start_utc, date, hhmm, &day);
	start = atoi(hhmm) * 60 + atoi(hhmm + 3);
	len = (int)((o->end_utc - o->start_utc) / 60);
	for (i = 0; i < w->staff.n; i++) {
		if (t[i].id == o->therapist_id)
			continue;
		c[n].id = t[i].id;
		nwork = leave_spans(&w->avail, t[i].id, o->site_id, day, work,
		    LEAVE_SPANS);
		for (k = 0; k < nwork; k++)
			if (work[k].start_min <= start &&
			    start + len <= work[k].end_min)
				c[n].works_then = 1;
		c[n].free_then = 1;
		for (k = 0; k < w->busy.n; k++)
			if (b[k].therapist_id == t[i].id && !b[k].cancelled &&
			    b[k].start_utc < o->end_utc &&
			    o->start_utc < b[k].end_utc)
				c[n].free_then = 0;
		c[n].on_leave = leave_covered(&w->periods, t[i].id, date);
		c[n].places_free = t[i].max_caseload - t[i].caseload;
		n++;
	}
	can = sched_cover_rank(c, n);
	for (i = 0; i < can && h->ncover < CORE_COVER_MAX; i++) {
		for (k = 0; k < w->staff.n; k++)
			if (t[k].id == c[i].id)
				break;
		h->cover[h->ncover].id = c[i].id;
		snprintf(h->cover[h->ncover].name,
		    sizeof(h->cover[0].name), "%s", t[k].name);
		snprintf(h->cover[h->ncover].why, sizeof(h->cover[0].why),
		    "%s", c[i].why);
		h->ncover++;
	}
	free(c);
}

static void
leave_world_free(struct leave_world *w)
{
	free(w->avail.v);
	free(w->hours.v);
	free(w->periods.v);
	free(w->closures.v);
	free(w->staff.v);
	free(w->busy.v);
}

int
core_hits_load(const struct core_ctx *ctx, int64_t therapist_id,
    int64_t site_id, struct core_hit **out, size_t *n)
{
	struct leave_world w;
	struct core_hit *h;
	char from[11], to[11];
	time_t now = core_now(ctx);
	int64_t lo, hi;
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	memset(&w, 0, sizeof(w));
	w.tz = core_tz(ctx);
	w.hits.size = sizeof(struct core_hit);
	w.avail.size = w.hours.size = sizeof(struct db_week_range);
	w.periods.size = w.closures.size = sizeof(struct db_period);
	w.staff.size = sizeof(struct db_therapist);
	w.busy.size = sizeof(struct leave_busy);
	if (db_week_hits_each(ctx->db, therapist_id, site_id, (int64_t)now,
	    CORE_HITS_MAX, leave_hit, &w) == -1 || w.hits.failed)
		goto out;
	if (w.hits.n == 0) {
		rc = 0;
		goto out;
	}
	h = w.hits.v;
	lo = h[0].occ.start_utc - 86400;
	hi = h[w.hits.n - 1].occ.end_utc + (int64_t)(CORE_FREE_DAYS + 2) *
	    86400;
	(void)ical_utc_to_local(w.tz, (time_t)lo, from, NULL, NULL);
	(void)ical_utc_to_local(w.tz, (time_t)hi, to, NULL, NULL);
	if (db_availability_each(ctx->db, 0, leave_range, &w.avail) == -1 ||
	    db_site_hours_each(ctx->db, 0, leave_range, &w.hours) == -1 ||
	    db_leave_each(ctx->db, 0, from, to, leave_period,
	    &w.periods) == -1 ||
	    db_site_closures_each(ctx->db, 0, from, to, leave_period,
	    &w.closures) == -1 ||
	    db_therapists_each(ctx->db, 0, 0, leave_staff, &w.staff) == -1 ||
	    db_week_occ_each(ctx->db, 0, lo, hi, leave_busy_add, &w) == -1)
		goto out;
	if (w.avail.failed || w.hours.failed || w.periods.failed ||
	    w.closures.failed || w.staff.failed || w.busy.failed)
		goto out;
	for (i = 0; i < w.hits.n; i++) {
		leave_free_times(&w, &h[i]);
		leave_cover(&w, &h[i]);
	}
	*out = w.hits.v;
	*n = w.hits.n;
	w.hits.v = NULL;
	rc = 0;
out:
	free(w.hits.v);
	leave_world_free(&w);
	return rc;
}

/* Adds id to the set ids[0..*n) of at most max. */
static void
leave_tell_add(int64_t *ids, size_t *n, size_t max, int64_t id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < max)
		ids[(*n)++] = id;
}

enum db_result
core_leave_apply(const struct core_ctx *ctx,
    const struct core_leave_choice *ch, size_t n, const char *reason,
    size_t *bad, char *why, size_t whylen)
{
	struct db_series s;
	int64_t tell[2 * CORE_HITS_MAX + 2];
	size_t i, ntell = 0;
	enum db_result res = DB_OK;

	*bad = n;
	if (whylen > 0)
		why[0] = '\0';
	if (db_begin(ctx->db) == -1) {
		snprintf(why, whylen, "Nothing was changed: the schedule is "
		    "busy. Try again in a moment.");
		return DB_BUSY;
	}
	for (i = 0; i < n; i++) {
		if (ch[i].what == CORE_LEAVE_LATER)
			continue;
		if (db_series_get(ctx->db, ch[i].series_id, &s) != 1) {
			snprintf(why, whylen, "That series no longer exists.");
			res = DB_INVALID;
			break;
		}
		switch (ch[i].what) {
		case CORE_LEAVE_CANCEL:
			res = core_occ_cancel(ctx, ch[i].series_id, ch[i].date,
			    CANCEL_BY_THERAPIST, reason, why, whylen);
			if (res == DB_INVALID)
				snprintf(why, whylen, "This session was changed "
				    "meanwhile (it may be cancelled already).");
			break;
		case CORE_LEAVE_MOVE:
			res = core_occ_move(ctx, ch[i].series_id, ch[i].date,
			    ch[i].new_date, ch[i].new_start, 0, reason, why,
			    whylen);
			break;
		case CORE_LEAVE_COVER:
			res = db_occ_cover(ctx->db, ch[i].series_id, ch[i].date,
			    ch[i].cover_id, ctx->user_id, ctx->addr != NULL ?
			    ctx->addr : "", why, whylen);
			leave_tell_add(tell, &ntell, sizeof(tell) /
			    sizeof(tell[0]), ch[i].cover_id);
			break;
		default:
			res = DB_INVALID;
			break;
		}
		if (res != DB_OK)
			break;
		leave_tell_add(tell, &ntell, sizeof(tell) / sizeof(tell[0]),
		    s.therapist_id);
	}
	if (res != DB_OK) {
		*bad = i;
		db_rollback(ctx->db);
		return res;
	}
	for (i = 0; i < ntell; i++)
		if (db_week_therapist_tell(ctx->db, tell[i],
		    (int64_t)core_now(ctx) + ctx->grace_s,
		    ctx->msgid_domain) == -1) {
			db_rollback(ctx->db);
			snprintf(why, whylen, "Nothing was changed: the "
			    "therapists' emails could not be queued.");
			return DB_ERROR;
		}
	if (db_commit(ctx->db) == -1) {
		snprintf(why, whylen, "Nothing was changed: the changes could "
		    "not be saved. Try again.");
		return DB_ERROR;
	}
	return DB_OK;
}

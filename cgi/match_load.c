/*
 * match_load: the database's records as sched/ input (see match_load.h).
 *
 * Rows arrive through db/records.h's readers; ranges are gathered with
 * the index of their owner, sorted, merged when repeated, and laid out in
 * one array per kind so that each owner's ranges are one slice of it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cgi/match_load.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "ical/ical.h"
#include "sched/sched.h"
#include "util/buf.h"

#define DAY_S		86400
#define SPANS_MAX	32

/* ---- local time ---- */

/* A stretch of time over which the zone's offset from UTC holds. */
struct span {
	time_t	 from;
	time_t	 to;
	long	 off;		/* seconds to add to UTC */
};

struct zone_map {
	const char	*tz;
	struct span	 s[SPANS_MAX];
	size_t		 n;
};

/* The offset of tz at t, from libical; 0 or -1. */
static int
offset_at(const char *tz, time_t t, long *off)
{
	char date[11], hhmm[6];
	struct tm tm;
	int y, m, d, hh, mm;
	time_t minute = t - ((t % 60) + 60) % 60;

	if (ical_utc_to_local(tz, t, date, hhmm, NULL) == -1 ||
	    sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
	    sscanf(hhmm, "%2d:%2d", &hh, &mm) != 2)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	*off = (long)(timegm(&tm) - minute);
	return 0;
}

static void
span_add(struct zone_map *z, time_t from, time_t to, long off)
{
	if (z->n > 0 && z->s[z->n - 1].off == off &&
	    z->s[z->n - 1].to == from) {
		z->s[z->n - 1].to = to;
		return;
	}
	if (z->n < SPANS_MAX) {
		z->s[z->n].from = from;
		z->s[z->n].to = to;
		z->s[z->n].off = off;
		z->n++;
	}
}

/*
 * Maps [from, to) into spans of one offset.  Offsets change rarely (twice
 * a year), so each week is asked at both ends and, when they differ, the
 * moment of change is found by halving: some 20 questions to libical a
 * change instead of one an occurrence.  Assumes no zone changes twice in
 * a week.  0, or -1 on an unknown zone.
 */
static int
zone_map_build(struct zone_map *z, const char *tz, time_t from, time_t to)
{
	time_t a, b, lo, hi, mid;
	long oa, ob, om;

	memset(z, 0, sizeof(*z));
	z->tz = tz;
	for (a = from; a < to; a = b) {
		b = a + 7 * DAY_S < to ? a + 7 * DAY_S : to;
		if (offset_at(tz, a, &oa) == -1 ||
		    offset_at(tz, b - 1, &ob) == -1)
			return -1;
		if (oa == ob) {
			span_add(z, a, b, oa);
			continue;
		}
		lo = a;
		hi = b - 1;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (offset_at(tz, mid, &om) == -1)
				return -1;
			if (om == oa)
				lo = mid;
			else
				hi = mid;
		}
		span_add(z, a, hi, oa);
		span_add(z, hi, b, ob);
	}
	return 0;
}

/* The local time of t as seconds since the epoch "as if UTC". */
static time_t
zone_local(const struct zone_map *z, time_t t)
{
	size_t i;
	long off = 0;

	for (i = 0; i < z->n; i++) {
		off = z->s[i].off;
		if (t < z->s[i].to)
			break;
	}
	return t + off;
}

/* Weekday (0 Monday) and minute of a local "as if UTC" time. */
static void
week_minute(time_t local, int *day, int *minute, long long *dayno)
{
	long long d = (long long)(local >= 0 ? local / DAY_S :
	    (local - DAY_S + 1) / DAY_S);

	/* 1970-01-01 was a Thursday: day 3. */
	*day = (int)(((d + 3) % 7 + 7) % 7);
	*minute = (int)((local - d * DAY_S) / 60);
	if (dayno != NULL)
		*dayno = d;
}

int
match_local_time(const char *tz, time_t t, int *day, int *minute)
{
	long off;

	if (offset_at(tz, t, &off) == -1)
		return -1;
	week_minute(t + off, day, minute, NULL);
	return 0;
}

/* ---- gathering ---- */

/* A weekly range with the index of its owner and, for availability, where. */
struct tagged {
	size_t			 owner;
	int64_t			 site;
	struct sched_range	 r;
};

struct tagged_vec {
	struct tagged	*v;
	size_t		 n;
	size_t		 cap;
};

static void
tagged_push(struct tagged_vec *tv, size_t owner, int64_t site, int day,
    int start, int end)
{
	if (start >= end || day < 0 || day > 6 || start < 0 || end > 1440)
		return;
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 64;
		tv->v = xrealloc(tv->v, tv->cap * sizeof(*tv->v));
	}
	tv->v[tv->n].owner = owner;
	tv->v[tv->n].site = site;
	tv->v[tv->n].r.day = day;
	tv->v[tv->n].r.start_min = start;
	tv->v[tv->n].r.end_min = end;
	tv->n++;
}

static int
tagged_cmp(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	if (x->r.day != y->r.day)
		return x->r.day - y->r.day;
	if (x->r.start_min != y->r.start_min)
		return x->r.start_min - y->r.start_min;
	return x->r.end_min - y->r.end_min;
}

/*
 * Sorts the ranges and merges overlapping ones of the same owner, site
 * and day, so that a weekly series booked four times in the window is
 * one range.
 */
static void
tagged_merge(struct tagged_vec *tv)
{
	size_t i, o = 0;
	struct tagged *p;

	if (tv->n == 0)
		return;
	qsort(tv->v, tv->n, sizeof(*tv->v), tagged_cmp);
	for (i = 1; i < tv->n; i++) {
		p = &tv->v[o];
		if (tv->v[i].owner == p->owner && tv->v[i].site == p->site &&
		    tv->v[i].r.day == p->r.day &&
		    tv->v[i].r.start_min <= p->r.end_min) {
			if (tv->v[i].r.end_min > p->r.end_min)
				p->r.end_min = tv->v[i].r.end_min;
			continue;
		}
		tv->v[++o] = tv->v[i];
	}
	tv->n = o + 1;
}

/* Where owner's ranges start in a merged vector: [*first, *last). */
static void
tagged_slice(const struct tagged_vec *tv, size_t owner, size_t *first,
    size_t *last)
{
	size_t lo = 0, hi = tv->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tv->v[mid].owner < owner)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo < tv->n && tv->v[lo].owner == owner)
		lo++;
	*last = lo;
}

/* Everything match_data_load gathers before the world is built. */
struct load {
	struct match_data	*md;
	struct zone_map		 zone;
	char			*err;
	size_t			 errlen;
	int			 failed;
	/* Sites' districts served: site index and district. */
	struct {
		size_t	 site;
		char	 d[8];
	}			*serves;
	size_t			 nserves, capserves;
	struct tagged_vec	 hours;		/* owner: site index */
	struct tagged_vec	 avail;		/* owner: therapist index */
	struct tagged_vec	 tbusy;		/* owner: therapist index */
	struct tagged_vec	 rbusy;		/* owner: room index */
	unsigned char		(*closed)[7];	/* per site: days closed */
	long long		*booked;	/* per therapist: minutes */
	size_t			 captherapists, capsites, caprooms;
};

static int
cmp_therapist(const void *a, const void *b)
{
	const struct match_therapist *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_site(const void *a, const void *b)
{
	const struct match_site *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_room(const void *a, const void *b)
{
	const struct match_room *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

const struct match_therapist *
match_therapist_find(const struct match_data *md, int64_t id)
{
	struct match_therapist key;

	if (md == NULL || md->ntherapists == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, md->therapists, md->ntherapists,
	    sizeof(key), cmp_therapist);
}

const struct match_site *
match_site_find(const struct match_data *md, int64_t id)
{
	struct match_site key;

	if (md == NULL || md->nsites == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, md->sites, md->nsites, sizeof(key), cmp_site);
}

const struct match_room *
match_room_find(const struct match_data *md, int64_t id)
{
	struct match_room key;

	if (md == NULL || md->nrooms == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, md->rooms, md->nrooms, sizeof(key), cmp_room);
}

static size_t
site_index(const struct match_data *md, int64_t id, int *found)
{
	const struct match_site *s = match_site_find(md, id);

	*found = s != NULL;
	return s != NULL ? (size_t)(s - md->sites) : 0;
}

/* Readers' callbacks. */

static void
on_site(void *arg, const struct db_site_rec *s)
{
	struct load *l = arg;
	struct match_data *md = l->md;
	struct match_site *m;

	if (!s->active)
		return;
	if (md->nsites == l->capsites) {
		l->capsites = l->capsites ? l->capsites * 2 : 32;
		md->sites = xrealloc(md->sites, l->capsites * sizeof(*m));
	}
	m = &md->sites[md->nsites++];
	memset(m, 0, sizeof(*m));
	m->id = s->id;
	snprintf(m->name, sizeof(m->name), "%s", s->name);
	m->kind = s->kind;
	m->online = s->kind == SITE_ONLINE;
	m->step_free = s->step_free;
	if (!m->online) {
		if (s->district[0] != '\0')
			snprintf(m->district, sizeof(m->district), "%s",
			    s->district);
		else
			(void)valid_postcode_district(s->postcode,
			    m->district, sizeof(m->district));
	}
}

static void
on_district(void *arg, int64_t site_id, const char *district)
{
	struct load *l = arg;
	size_t i;
	int found;

	i = site_index(l->md, site_id, &found);
	if (!found || *district == '\0' || strlen(district) >= 8)
		return;
	if (l->nserves == l->capserves) {
		l->capserves = l->capserves ? l->capserves * 2 : 64;
		l->serves = xrealloc(l->serves, l->capserves *
		    sizeof(*l->serves));
	}
	l->serves[l->nserves].site = i;
	snprintf(l->serves[l->nserves].d, sizeof(l->serves[0].d), "%s",
	    district);
	l->nserves++;
}

static void
on_hours(void *arg, const struct db_week_range *r)
{
	struct load *l = arg;
	size_t i;
	int found;

	i = site_index(l->md, r->site_id, &found);
	if (found && !(l->md->sites[i].closed_days & (1u << r->day)))
		tagged_push(&l->hours, i, 0, r->day, r->start_min, r->end_min);
}

/* Days from the epoch of a local date "YYYY-MM-DD"; -1 when not one. */
static long long
day_number(const char *date)
{
	struct tm tm;
	int y, m, d;

	if (valid_date(date, &y, &m, &d) == -1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (long long)(timegm(&tm) / DAY_S);
}

/* The date "YYYY-MM-DD" of a day number. */
static void
day_text(long long day, char out[11])
{
	time_t t = (time_t)(day * DAY_S);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The window's days a period covers: [*a, *b] as day numbers, or 0. */
static int
period_days(const struct match_data *md, const struct db_period *p,
    long long *a, long long *b)
{
	long long first = day_number(md->first_day);
	long long last = day_number(md->last_day);

	*a = day_number(p->first_day);
	*b = day_number(p->last_day);
	if (*a < 0 || *b < 0 || first < 0 || last < 0)
		return 0;
	if (*a < first)
		*a = first;
	if (*b > last)
		*b = last;
	return *b >= *a;
}

static void
on_closure(void *arg, const struct db_period *p)
{
	struct load *l = arg;
	long long a, b, d;
	size_t i;
	int found, wd;

	i = site_index(l->md, p->owner_id, &found);
	if (!found || !period_days(l->md, p, &a, &b))
		return;
	for (d = a; d <= b; d++) {
		wd = (int)(((d + 3) % 7 + 7) % 7);
		if (l->closed[i][wd] < 255)
			l->closed[i][wd]++;
	}
}

static void
on_room(void *arg, const struct db_room *r)
{
	struct load *l = arg;
	struct match_data *md = l->md;
	const struct match_site *s = match_site_find(md, r->site_id);
	struct match_room *m;

	if (!r->active || s == NULL || s->online)
		return;
	if (md->nrooms == l->caprooms) {
		l->caprooms = l->caprooms ? l->caprooms * 2 : 64;
		md->rooms = xrealloc(md->rooms, l->caprooms * sizeof(*m));
	}
	m = &md->rooms[md->nrooms++];
	memset(m, 0, sizeof(*m));
	m->id = r->id;
	m->site_id = r->site_id;
	snprintf(m->name, sizeof(m->name), "%s", r->name);
	m->capacity = r->capacity < 1 ? 1 : r->capacity;
	m->piano = r->piano;
	m->accessible = r->accessible;
}

static void
on_therapist(void *arg, const struct db_therapist *t)
{
	struct load *l = arg;
	struct match_data *md = l->md;
	struct match_therapist *m;

	if (!t->active)
		return;
	if (md->ntherapists == l->captherapists) {
		l->captherapists = l->captherapists ? l->captherapists * 2 :
		    64;
		md->therapists = xrealloc(md->therapists, l->captherapists *
		    sizeof(*m));
	}
	m = &md->therapists[md->ntherapists++];
	memset(m, 0, sizeof(*m));
	m->id = t->id;
	m->user_id = t->user_id;
	snprintf(m->name, sizeof(m->name), "%s", t->name);
	m->specialisms = t->specialisms;
	snprintf(m->languages, sizeof(m->languages), "%s", t->languages);
	m->caseload = t->caseload;
	m->max_caseload = t->max_caseload;
	m->max_hours = t->max_hours;
}

static void
on_avail(void *arg, const struct db_week_range *r)
{
	struct load *l = arg;
	const struct match_therapist *t = match_therapist_find(l->md,
	    r->owner_id);

	if (t == NULL || match_site_find(l->md, r->site_id) == NULL)
		return;
	tagged_push(&l->avail, (size_t)(t - l->md->therapists), r->site_id,
	    r->day, r->start_min, r->end_min);
}

static void
on_leave(void *arg, const struct db_period *p)
{
	struct load *l = arg;
	struct match_therapist *t;
	long long a, b;

	t = (struct match_therapist *)match_therapist_find(l->md,
	    p->owner_id);
	if (t == NULL || !period_days(l->md, p, &a, &b))
		return;
	t->leave_days += (int)(b - a + 1);
	if (t->leave_days > MATCH_WINDOW_DAYS)
		t->leave_days = MATCH_WINDOW_DAYS;
	t->on_leave = t->leave_days * 2 >= MATCH_WINDOW_DAYS;
}

/* Adds the local weekly time(s) of [start, end) to a busy vector. */
static void
busy_push(struct load *l, struct tagged_vec *tv, size_t owner, time_t start,
    time_t end)
{
	time_t ls = zone_local(&l->zone, start);
	time_t le = zone_local(&l->zone, end) + 59;	/* whole minutes */
	long long ds, de;
	int day_s, min_s, day_e, min_e;

	week_minute(ls, &day_s, &min_s, &ds);
	week_minute(le, &day_e, &min_e, &de);
	if (de == ds) {
		tagged_push(tv, owner, 0, day_s, min_s, min_e);
		return;
	}
	/* Over midnight: until the end of the day, then from the next. */
	tagged_push(tv, owner, 0, day_s, min_s, 1440);
	if (de == ds + 1)
		tagged_push(tv, owner, 0, day_e, 0, min_e);
}

static void
on_busy(void *arg, int64_t therapist_id, int64_t room_id, int64_t site_id,
    time_t start, time_t end)
{
	struct load *l = arg;
	const struct match_therapist *t;
	const struct match_room *r;

	(void)site_id;
	l->md->nbusy++;
	if (end <= start)
		return;
	if ((t = match_therapist_find(l->md, therapist_id)) != NULL) {
		busy_push(l, &l->tbusy, (size_t)(t - l->md->therapists),
		    start, end);
		/* Minutes booked in the window, a week on average below. */
		l->booked[t - l->md->therapists] += (end - start) / 60;
	}
	if (room_id > 0 && (r = match_room_find(l->md, room_id)) != NULL)
		busy_push(l, &l->rbusy, (size_t)(r - l->md->rooms), start,
		    end);
}

/* ---- the world ---- */

static void
load_free(struct load *l)
{
	free(l->serves);
	free(l->hours.v);
	free(l->avail.v);
	free(l->tbusy.v);
	free(l->rbusy.v);
	free(l->closed);
	free(l->booked);
}

/* Lays the gathered ranges out as sched/ input and builds the world. */
static int
build(struct load *l)
{
	struct match_data *md = l->md;
	struct sched_input in;
	struct sched_therapist *ts = NULL;
	struct sched_site *ss = NULL;
	struct sched_room *rs = NULL;
	struct sched_range *hours = NULL, *tbusy = NULL, *rbusy = NULL;
	struct sched_site_range *avail = NULL;
	const char **serves = NULL;
	size_t i, a, b, k;
	int ret = -1;

	tagged_merge(&l->hours);
	tagged_merge(&l->avail);
	tagged_merge(&l->tbusy);
	tagged_merge(&l->rbusy);
	hours = xcalloc(l->hours.n + 1, sizeof(*hours));
	for (k = 0; k < l->hours.n; k++)
		hours[k] = l->hours.v[k].r;
	avail = xcalloc(l->avail.n + 1, sizeof(*avail));
	for (k = 0; k < l->avail.n; k++) {
		avail[k].site_id = l->avail.v[k].site;
		avail[k].range = l->avail.v[k].r;
	}
	tbusy = xcalloc(l->tbusy.n + 1, sizeof(*tbusy));
	for (k = 0; k < l->tbusy.n; k++)
		tbusy[k] = l->tbusy.v[k].r;
	rbusy = xcalloc(l->rbusy.n + 1, sizeof(*rbusy));
	for (k = 0; k < l->rbusy.n; k++)
		rbusy[k] = l->rbusy.v[k].r;
	/* Districts served arrive by site id, which is the sites' order. */
	serves = xcalloc(l->nserves + 1, sizeof(*serves));
	for (k = 0; k < l->nserves; k++)
		serves[k] = l->serves[k].d;

	ss = xcalloc(md->nsites + 1, sizeof(*ss));
	for (i = 0, k = 0; i < md->nsites; i++) {
		ss[i].id = md->sites[i].id;
		ss[i].online = md->sites[i].online;
		ss[i].step_free = md->sites[i].step_free;
		ss[i].district = md->sites[i].district;
		while (k < l->nserves && l->serves[k].site < i)
			k++;
		ss[i].serves = serves + k;
		while (k < l->nserves && l->serves[k].site == i) {
			ss[i].nserves++;
			k++;
		}
		tagged_slice(&l->hours, i, &a, &b);
		ss[i].open = hours + a;
		ss[i].nopen = b - a;
	}
	rs = xcalloc(md->nrooms + 1, sizeof(*rs));
	for (i = 0; i < md->nrooms; i++) {
		rs[i].id = md->rooms[i].id;
		rs[i].site_id = md->rooms[i].site_id;
		rs[i].capacity = md->rooms[i].capacity;
		rs[i].accessible = md->rooms[i].accessible;
		rs[i].piano = md->rooms[i].piano;
		tagged_slice(&l->rbusy, i, &a, &b);
		rs[i].busy = rbusy + a;
		rs[i].nbusy = b - a;
	}
	ts = xcalloc(md->ntherapists + 1, sizeof(*ts));
	for (i = 0; i < md->ntherapists; i++) {
		ts[i].id = md->therapists[i].id;
		ts[i].active = !md->therapists[i].hours_full;
		ts[i].on_leave = md->therapists[i].on_leave;
		ts[i].specialisms = md->therapists[i].specialisms;
		ts[i].caseload = md->therapists[i].caseload;
		ts[i].max_caseload = md->therapists[i].max_caseload;
		tagged_slice(&l->avail, i, &a, &b);
		ts[i].availability = avail + a;
		ts[i].navailability = b - a;
		tagged_slice(&l->tbusy, i, &a, &b);
		ts[i].busy = tbusy + a;
		ts[i].nbusy = b - a;
	}
	memset(&in, 0, sizeof(in));
	in.therapists = ts;
	in.ntherapists = md->ntherapists;
	in.sites = ss;
	in.nsites = md->nsites;
	in.rooms = rs;
	in.nrooms = md->nrooms;
	if ((md->world = sched_world_new(&in, l->err, l->errlen)) != NULL)
		ret = 0;
	free(ts);
	free(ss);
	free(rs);
	free(hours);
	free(avail);
	free(tbusy);
	free(rbusy);
	free(serves);
	return ret;
}

int
match_data_load(struct db *db, const char *tz, time_t now,
    struct match_data **out, char *err, size_t errlen)
{
	struct load l;
	struct match_data *md;
	size_t i;
	int wd;

	*out = NULL;
	if (tz == NULL || *tz == '\0')
		tz = "Europe/London";
	memset(&l, 0, sizeof(l));
	l.err = err;
	l.errlen = errlen;
	md = l.md = xcalloc(1, sizeof(*md));
	md->from = now;
	md->to = now + (time_t)MATCH_WINDOW_DAYS * DAY_S;
	if (ical_utc_to_local(tz, md->from, md->first_day, NULL, NULL) == -1 ||
	    day_number(md->first_day) < 0 ||
	    zone_map_build(&l.zone, tz, md->from - DAY_S, md->to +
	    DAY_S) == -1) {
		snprintf(err, errlen, "unknown time zone %s", tz);
		goto fail;
	}

	/* The window's local days: today and the 27 after it. */
	day_text(day_number(md->first_day) + MATCH_WINDOW_DAYS - 1,
	    md->last_day);
	if (db_sites_each(db, on_site, &l) == -1)
		goto dbfail;
	qsort(md->sites, md->nsites, sizeof(*md->sites), cmp_site);
	l.closed = xcalloc(md->nsites + 1, sizeof(*l.closed));
	if (db_site_closures_each(db, 0, md->first_day, md->last_day,
	    on_closure, &l) == -1)
		goto dbfail;
	/* Four of each weekday in the window: closed on two is closed. */
	for (i = 0; i < md->nsites; i++)
		for (wd = 0; wd < 7; wd++)
			if (l.closed[i][wd] * 2 >= MATCH_WINDOW_DAYS / 7)
				md->sites[i].closed_days |= 1u << wd;
	if (db_site_districts_each(db, 0, on_district, &l) == -1 ||
	    db_site_hours_each(db, 0, on_hours, &l) == -1 ||
	    db_rooms_each(db, 0, on_room, &l) == -1)
		goto dbfail;
	qsort(md->rooms, md->nrooms, sizeof(*md->rooms), cmp_room);
	/* Booked minutes are summed from the occurrences read below. */
	if (db_therapists_each(db, 0, 0, on_therapist, &l) == -1)
		goto dbfail;
	qsort(md->therapists, md->ntherapists, sizeof(*md->therapists),
	    cmp_therapist);
	l.booked = xcalloc(md->ntherapists + 1, sizeof(*l.booked));
	if (db_availability_each(db, 0, on_avail, &l) == -1 ||
	    db_leave_each(db, 0, md->first_day, md->last_day, on_leave,
	    &l) == -1 ||
	    db_busy_each(db, md->from, md->to, on_busy, &l) == -1)
		goto dbfail;
	for (i = 0; i < md->ntherapists; i++) {
		md->therapists[i].booked_min_week = (int)(l.booked[i] * 7 /
		    MATCH_WINDOW_DAYS);
		md->therapists[i].hours_full =
		    md->therapists[i].booked_min_week + SCHED_LENGTH_MIN >
		    md->therapists[i].max_hours * 60;
	}
	if (build(&l) == -1)
		goto fail;
	load_free(&l);
	*out = md;
	return 0;
dbfail:
	snprintf(err, errlen, "the records could not be read");
fail:
	load_free(&l);
	match_data_free(md);
	return -1;
}

void
match_data_free(struct match_data *md)
{
	if (md == NULL)
		return;
	sched_world_free(md->world);
	free(md->therapists);
	free(md->sites);
	free(md->rooms);
	free(md);
}

/* ---- referrals ---- */

int
match_needs_step_free(const char *text)
{
	static const char *const words[] = {
		"wheelchair", "step", "stair", "ramp", "lift", "mobility",
		"walking frame", "zimmer", "scooter", "level access",
	};
	size_t i, j, n, len;

	if (text == NULL)
		return 0;
	len = strlen(text);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		for (j = 0; j + n <= len; j++) {
			if (strncasecmp(text + j, words[i], n) != 0)
				continue;
			/* "lift" but not "uplifting": a word's start. */
			if (j > 0 && isalpha((unsigned char)text[j - 1]))
				continue;
			return 1;
		}
	}
	return 0;
}

struct ref_load {
	struct match_referral	*v;
	size_t			 n;
	size_t			 cap;
	time_t			 now;
};

static void
on_referral(void *arg, const struct db_match_referral *m)
{
	struct ref_load *rl = arg;
	struct match_referral *r;
	struct tm tm;
	long long days;
	int y, mo, d;

	if (rl->n == rl->cap) {
		rl->cap = rl->cap ? rl->cap * 2 : 64;
		rl->v = xrealloc(rl->v, rl->cap * sizeof(*rl->v));
	}
	r = &rl->v[rl->n++];
	memset(r, 0, sizeof(*r));
	r->r.id = m->id;
	r->r.needs = m->needs & ((1u << SCHED_NEED__MAX) - 1);
	r->r.availability = m->availability;
	if (strcmp(m->session_type, "individual") == 0)
		r->r.session_type = SCHED_INDIVIDUAL;
	else if (strcmp(m->session_type, "group") == 0)
		r->r.session_type = SCHED_GROUP;
	else
		r->r.session_type = SCHED_EITHER;
	r->r.online_ok = m->online_ok;
	r->step_free_from_text = match_needs_step_free(m->access_needs);
	r->r.needs_step_free = r->step_free_from_text;
	r->r.nsites = m->nsites < MATCH_SITES_MAX ? m->nsites :
	    MATCH_SITES_MAX;
	memcpy(r->sites, m->sites, r->r.nsites * sizeof(r->sites[0]));
	(void)valid_postcode_district(m->postcode, r->district,
	    sizeof(r->district));
	r->r.previous_therapist_id = m->previous_therapist_id;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(m->created_at, "%4d-%2d-%2d", &y, &mo, &d) == 3) {
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		days = (long long)((rl->now - timegm(&tm)) / DAY_S);
		r->r.waiting_days = days < 0 ? 0 : days > 100000 ? 100000 :
		    (int)days;
	}
	snprintf(r->ref, sizeof(r->ref), "%s", m->ref);
	snprintf(r->name, sizeof(r->name), "%s", m->name);
	r->status = m->status;
}

int
match_referrals_load(struct db *db, int64_t referral_id, enum status status,
    time_t now, struct match_referral **out, size_t *n)
{
	struct ref_load rl;
	size_t i;

	*out = NULL;
	*n = 0;
	memset(&rl, 0, sizeof(rl));
	rl.now = now;
	if (db_match_referrals_each(db, referral_id, status, on_referral,
	    &rl) == -1) {
		free(rl.v);
		return -1;
	}
	/* Now that nothing moves any more: point into each record. */
	for (i = 0; i < rl.n; i++) {
		rl.v[i].r.sites = rl.v[i].sites;
		rl.v[i].r.postcode = rl.v[i].district;
	}
	*out = rl.v;
	*n = rl.n;
	return 0;
}

void
match_referrals_free(struct match_referral *v, size_t n)
{
	(void)n;
	free(v);
}

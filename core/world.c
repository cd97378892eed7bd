/*
 * world: the database's records as sched/ input (see world.h).
 *
 * Rows arrive through db/records.h's readers; ranges are gathered with
 * the index of their owner, sorted, merged when repeated, and laid out in
 * one array per kind so that each owner's ranges are one slice of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rules.h"
#include "core/world.h"
#include "core/zone.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "ical/ical.h"
#include "sched/sched.h"
#include "util/buf.h"

#define DAY_S		86400

/*
 * sched/ knows nothing of ours, so its enums copy db/'s: tie them here,
 * where records become sched/ input.
 */
_Static_assert((int)SCHED_NEED__MAX == (int)NEED__MAX,
    "sched_need mirrors enum need");
_Static_assert((int)SCHED_NEED_AUTISM == (int)NEED_AUTISM &&
    (int)SCHED_NEED_LEARNING_DIFFICULTIES == (int)NEED_LEARNING_DIFFICULTIES &&
    (int)SCHED_NEED_MENTAL_HEALTH == (int)NEED_MENTAL_HEALTH &&
    (int)SCHED_NEED_NEURO_REHAB == (int)NEED_NEURO_REHAB &&
    (int)SCHED_NEED_DEMENTIA == (int)NEED_DEMENTIA &&
    (int)SCHED_NEED_PALLIATIVE == (int)NEED_PALLIATIVE &&
    (int)SCHED_NEED_PARENT_CHILD == (int)NEED_PARENT_CHILD &&
    (int)SCHED_NEED_OTHER == (int)NEED_OTHER,
    "sched_need has the order of enum need");
_Static_assert((int)SCHED_INDIVIDUAL == (int)SESSION_INDIVIDUAL &&
    (int)SCHED_GROUP == (int)SESSION_GROUP &&
    (int)SCHED_EITHER == (int)SESSION_EITHER &&
    (int)SESSION_TYPE__MAX == 3, "sched_session has the order of "
    "enum session_type");
_Static_assert(SCHED_DAYS == SLOT_DAYS && SCHED_PARTS == SLOT_PARTS &&
    SCHED_SLOTS == SLOT__MAX, "availability bits are the form's slots");
_Static_assert(SCHED_DISTRICT_LEN == sizeof(((struct core_site *)0)->district),
    "a site's district fits sched/'s");

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

/* Everything core_world_load gathers before the world is built. */
struct load {
	struct core_world	*md;
	struct core_zone	 zone;
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
	const struct core_therapist *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_site(const void *a, const void *b)
{
	const struct core_site *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_room(const void *a, const void *b)
{
	const struct core_room *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

const struct core_therapist *
core_world_therapist(const struct core_world *md, int64_t id)
{
	struct core_therapist key;

	if (md == NULL || md->ntherapists == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, md->therapists, md->ntherapists,
	    sizeof(key), cmp_therapist);
}

const struct core_site *
core_world_site(const struct core_world *md, int64_t id)
{
	struct core_site key;

	if (md == NULL || md->nsites == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, md->sites, md->nsites, sizeof(key), cmp_site);
}

const struct core_room *
core_world_room(const struct core_world *md, int64_t id)
{
	struct core_room key;

	if (md == NULL || md->nrooms == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, md->rooms, md->nrooms, sizeof(key), cmp_room);
}

static size_t
site_index(const struct core_world *md, int64_t id, int *found)
{
	const struct core_site *s = core_world_site(md, id);

	*found = s != NULL;
	return s != NULL ? (size_t)(s - md->sites) : 0;
}

/* Readers' callbacks. */

static void
on_site(void *arg, const struct db_site_rec *s)
{
	struct load *l = arg;
	struct core_world *md = l->md;
	struct core_site *m;

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
			(void)core_rule_district(s->postcode,
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
	char tail;

	/* Dates here come from the records and libical, checked already. */
	if (date == NULL || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d,
	    &tail) != 3 || y < 1900 || m < 1 || m > 12 || d < 1 || d > 31)
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
period_days(const struct core_world *md, const struct db_period *p,
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
	struct core_world *md = l->md;
	const struct core_site *s = core_world_site(md, r->site_id);
	struct core_room *m;

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
	struct core_world *md = l->md;
	struct core_therapist *m;

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
	const struct core_therapist *t = core_world_therapist(l->md,
	    r->owner_id);

	if (t == NULL || core_world_site(l->md, r->site_id) == NULL)
		return;
	tagged_push(&l->avail, (size_t)(t - l->md->therapists), r->site_id,
	    r->day, r->start_min, r->end_min);
}

static void
on_leave(void *arg, const struct db_period *p)
{
	struct load *l = arg;
	struct core_therapist *t;
	long long a, b;

	t = (struct core_therapist *)core_world_therapist(l->md,
	    p->owner_id);
	if (t == NULL || !period_days(l->md, p, &a, &b))
		return;
	t->leave_days += (int)(b - a + 1);
	if (t->leave_days > CORE_WINDOW_DAYS)
		t->leave_days = CORE_WINDOW_DAYS;
	t->on_leave = core_rule_on_leave(t->leave_days, CORE_WINDOW_DAYS);
}

/* Adds the local weekly time(s) of [start, end) to a busy vector. */
static void
busy_push(struct load *l, struct tagged_vec *tv, size_t owner, time_t start,
    time_t end)
{
	time_t ls = core_zone_local(&l->zone, start);
	time_t le = core_zone_local(&l->zone, end) + 59;	/* whole minutes */
	long long ds, de;
	int day_s, min_s, day_e, min_e;

	core_zone_week_minute(ls, &day_s, &min_s, &ds);
	core_zone_week_minute(le, &day_e, &min_e, &de);
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
	const struct core_therapist *t;
	const struct core_room *r;

	(void)site_id;
	l->md->nbusy++;
	if (end <= start)
		return;
	if ((t = core_world_therapist(l->md, therapist_id)) != NULL) {
		busy_push(l, &l->tbusy, (size_t)(t - l->md->therapists),
		    start, end);
		/* Minutes booked in the window, a week on average below. */
		l->booked[t - l->md->therapists] += (end - start) / 60;
	}
	if (room_id > 0 && (r = core_world_room(l->md, room_id)) != NULL)
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
	struct core_world *md = l->md;
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
core_world_load(struct db *db, const char *tz, time_t now,
    struct core_world **out, char *err, size_t errlen)
{
	struct load l;
	struct core_world *md;
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
	md->to = now + (time_t)CORE_WINDOW_DAYS * DAY_S;
	if (ical_utc_to_local(tz, md->from, md->first_day, NULL, NULL) == -1 ||
	    day_number(md->first_day) < 0 ||
	    core_zone_build(&l.zone, tz, md->from - DAY_S, md->to +
	    DAY_S) == -1) {
		snprintf(err, errlen, "unknown time zone %s", tz);
		goto fail;
	}

	/* The window's local days: today and the 27 after it. */
	day_text(day_number(md->first_day) + CORE_WINDOW_DAYS - 1,
	    md->last_day);
	if (db_sites_each(db, on_site, &l) == -1)
		goto dbfail;
	/* qsort is never given NULL (no rows): UBSan stops on it. */
	if (md->nsites > 1)
		qsort(md->sites, md->nsites, sizeof(*md->sites), cmp_site);
	l.closed = xcalloc(md->nsites + 1, sizeof(*l.closed));
	if (db_site_closures_each(db, 0, md->first_day, md->last_day,
	    on_closure, &l) == -1)
		goto dbfail;
	/* Four of each weekday in the window: closed on two is closed. */
	for (i = 0; i < md->nsites; i++)
		for (wd = 0; wd < 7; wd++)
			if (core_rule_weekday_closed(l.closed[i][wd],
			    CORE_WINDOW_WEEKS))
				md->sites[i].closed_days |= 1u << wd;
	if (db_site_districts_each(db, 0, on_district, &l) == -1 ||
	    db_site_hours_each(db, 0, on_hours, &l) == -1 ||
	    db_rooms_each(db, 0, on_room, &l) == -1)
		goto dbfail;
	if (md->nrooms > 1)
		qsort(md->rooms, md->nrooms, sizeof(*md->rooms), cmp_room);
	/* Booked minutes are summed from the occurrences read below. */
	if (db_therapists_each(db, 0, 0, on_therapist, &l) == -1)
		goto dbfail;
	if (md->ntherapists > 1)
		qsort(md->therapists, md->ntherapists,
		    sizeof(*md->therapists), cmp_therapist);
	l.booked = xcalloc(md->ntherapists + 1, sizeof(*l.booked));
	if (db_availability_each(db, 0, on_avail, &l) == -1 ||
	    db_leave_each(db, 0, md->first_day, md->last_day, on_leave,
	    &l) == -1 ||
	    db_busy_each(db, md->from, md->to, on_busy, &l) == -1)
		goto dbfail;
	for (i = 0; i < md->ntherapists; i++) {
		md->therapists[i].booked_min_week = core_rule_minutes_a_week(
		    l.booked[i], CORE_WINDOW_DAYS);
		md->therapists[i].hours_full = core_rule_hours_full(
		    md->therapists[i].booked_min_week,
		    md->therapists[i].max_hours, SCHED_LENGTH_MIN);
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
	core_world_free(md);
	return -1;
}

void
core_world_free(struct core_world *md)
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

struct ref_load {
	struct core_referral	*v;
	size_t			 n;
	size_t			 cap;
	time_t			 now;
};

static void
on_referral(void *arg, const struct db_match_referral *m)
{
	struct ref_load *rl = arg;
	struct core_referral *r;
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
	r->r.session_type = core_rule_session_type(m->session_type);
	r->r.online_ok = m->online_ok;
	r->step_free_from_text = core_rule_needs_step_free(m->access_needs);
	r->r.needs_step_free = r->step_free_from_text;
	r->r.nsites = m->nsites < DB_MATCH_SITES_MAX ? m->nsites :
	    DB_MATCH_SITES_MAX;
	memcpy(r->sites, m->sites, r->r.nsites * sizeof(r->sites[0]));
	(void)core_rule_district(m->postcode, r->district,
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

/* core_referrals_load and core_referrals_first: max -1 reads all. */
static int
referrals_load(struct db *db, int64_t referral_id, enum status status,
    int64_t max, time_t now, struct core_referral **out, size_t *n)
{
	struct ref_load rl;
	size_t i;

	*out = NULL;
	*n = 0;
	memset(&rl, 0, sizeof(rl));
	rl.now = now;
	if (db_match_referrals_first(db, referral_id, status, max,
	    on_referral, &rl) == -1) {
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

int
core_referrals_load(struct db *db, int64_t referral_id, enum status status,
    time_t now, struct core_referral **out, size_t *n)
{
	return referrals_load(db, referral_id, status, -1, now, out, n);
}

int
core_referrals_first(struct db *db, enum status status, size_t max,
    time_t now, struct core_referral **out, size_t *n)
{
	return referrals_load(db, 0, status, max > 0 ? (int64_t)max : -1,
	    now, out, n);
}

void
core_referrals_free(struct core_referral *v, size_t n)
{
	(void)n;
	free(v);
}

/*
 * page_week: the coordinator's home, the whole service's week.
 *
 *   GET /schedule        this week, therapists as rows, days as columns
 *       ?week=YYYY-MM-DD any date of the week to show
 *       ?day=YYYY-MM-DD  that day alone (wins over week)
 *       ?by=therapist|room|site   what the rows are
 *       ?site=ID         only sessions (and rooms) at that site
 *       ?id=ID           only that therapist, room or site's row
 *
 * Each session is a card linking to its series (client record, move,
 * cancel): time, the client's initials and reference (a group's name and
 * how many are in it), site and room.  Cancelled sessions are struck
 * through in their own card; leave and closures shade their cells; a
 * session that leave or a closure now falls on says so.  A therapist's
 * row head gives their booked hours against their weekly limit and their
 * caseload against its limit.  Plain HTML: no script; prints landscape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "core/zone.h"
#include "db/db.h"
#include "db/records.h"
#include "db/schedule.h"
#include "db/week.h"
#include "ical/ical.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define WEEK_DAYS	7

enum week_by {
	WEEK_BY_THERAPIST,
	WEEK_BY_ROOM,
	WEEK_BY_SITE,
	WEEK_BY__MAX
};

static const char *const week_by_names[WEEK_BY__MAX] = {
	"therapist", "room", "site"
};
static const char *const week_by_labels[WEEK_BY__MAX] = {
	"Therapists", "Rooms", "Sites"
};

/* One row of the grid: its owner, its cells' lists and their shading. */
struct week_row {
	int64_t			 id;
	int64_t			 site_id;	/* a room's site */
	struct tmpl_data	*row;
	struct tmpl_data	*cell[WEEK_DAYS];
	int			 away[WEEK_DAYS];	/* leave or closure */
	int			 nsessions;
	int64_t			 booked_min;	/* of the days shown */
	int			 max_hours;	/* a therapist's, a week */
	int			 caseload, max_caseload;
};

/* A site's or room's name, by id (sorted by id for week_name_of). */
struct week_name {
	int64_t			 id;
	int64_t			 site_id;	/* a room's */
	int			 active;
	char			 name[DB_RECORD_NAME_LEN];
};

/* Leave (of a therapist) or a closure (of a site) over some days. */
struct week_away {
	int64_t			 owner_id;
	int			 closure;
	char			 first[11], last[11];
};

/* A growing array of some struct: n used, cap allocated. */
struct week_list {
	void			*v;
	size_t			 n, cap;
};

/* The page being built. */
struct week {
	struct app		*app;
	struct tmpl_data	*d;
	enum week_by		 by;
	int64_t			 site_id;	/* filter; 0: all */
	int64_t			 only_id;	/* one row; 0: all */
	int			 ndays;		/* 7, or 1 for a day */
	char			 date[WEEK_DAYS][11];
	time_t			 bound[WEEK_DAYS + 1];	/* UTC day starts */
	struct core_zone	 zone;
	struct core_zone	 far;		/* around the hits outside it */
	struct week_row		*rows;
	size_t			 nrows, cap;
	struct week_list	 works;		/* int64_t: therapists at site_id */
	struct week_list	 sites;		/* struct week_name */
	struct week_list	 rooms;		/* struct week_name */
	struct week_list	 away;		/* struct week_away */
	int64_t			 now;
	int64_t			 until;		/* the page stays as it is
						   until then */
	char			 today[11];	/* local */
	char			 first[11];	/* the first day shown */
	char			 title[96];
	int			 failed;	/* out of memory */
	int			 can_client;	/* the viewer opens records */
};

/* Room for one more element of size bytes in l: a zeroed slot, or NULL
 * out of memory (w->failed set). */
static void *
week_list_add(struct week *w, struct week_list *l, size_t size)
{
	void *p;

	if (w->failed)
		return NULL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((p = realloc(l->v, l->cap * size)) == NULL) {
			w->failed = 1;
			return NULL;
		}
		l->v = p;
	}
	p = (char *)l->v + l->n++ * size;
	memset(p, 0, size);
	return p;
}

static int
week_name_cmp(const void *a, const void *b)
{
	const struct week_name *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The name of site or room id in l (sorted), or NULL. */
static const struct week_name *
week_name_of(const struct week_list *l, int64_t id)
{
	struct week_name key;

	if (l->n == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, l->v, l->n, sizeof(key), week_name_cmp);
}

/* The weekday of a valid date, 0 Monday; -1 when it is not valid. */
static int
week_weekday(const char *date)
{
	struct tm tm;
	time_t t;
	int y, m, d;

	if (valid_date(date, &y, &m, &d) == -1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return (tm.tm_wday + 6) % 7;
}

/* Room for one more row; -1 out of memory (w->failed set). */
static struct week_row *
week_row_add(struct week *w, int64_t id, const char *label,
    const char *href)
{
	struct week_row *r;
	void *p;
	int k;

	if (w->failed)
		return NULL;
	if (w->nrows == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 32;
		if ((p = realloc(w->rows, w->cap * sizeof(*w->rows))) == NULL) {
			w->failed = 1;
			return NULL;
		}
		w->rows = p;
	}
	r = &w->rows[w->nrows++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->row = tmpl_data_push(w->d, "rows");
	tmpl_data_set(r->row, "label", label);
	tmpl_data_set(r->row, "href", href);
	for (k = 0; k < w->ndays; k++)
		r->cell[k] = tmpl_data_push(r->row, "cells");
	return r;
}

/* The row of owner id, or NULL (rows are added in name order). */
static struct week_row *
week_row_find(struct week *w, int64_t id)
{
	size_t i;

	for (i = 0; i < w->nrows; i++)
		if (w->rows[i].id == id)
			return &w->rows[i];
	return NULL;
}

/* 1 when therapist id works at the filter's site (or there is none). */
static int
week_works_at(const struct week *w, int64_t id)
{
	const int64_t *works = w->works.v;
	size_t i;

	if (w->site_id == 0)
		return 1;
	for (i = 0; i < w->works.n; i++)
		if (works[i] == id)
			return 1;
	return 0;
}

static void
week_availability(void *arg, const struct db_week_range *r)
{
	struct week *w = arg;
	int64_t *p;

	if (r->site_id == w->site_id &&
	    (p = week_list_add(w, &w->works, sizeof(*p))) != NULL)
		*p = r->owner_id;
}

/* A therapist's row head: booked hours of the days shown against their
 * weekly limit, and caseload against its limit. */
static void
week_use(struct week_row *r)
{
	long h = (long)(r->booked_min / 60), m = (long)(r->booked_min % 60);

	if (m > 0)
		tmpl_data_setf(r->row, "hours", "%ld h %02ld of %d h", h, m,
		    r->max_hours);
	else
		tmpl_data_setf(r->row, "hours", "%ld h of %d h", h,
		    r->max_hours);
	tmpl_data_setf(r->row, "caseload", "%d of %d clients", r->caseload,
	    r->max_caseload);
	tmpl_data_bool(r->row, "over", r->booked_min > (int64_t)r->max_hours *
	    60 || r->caseload > r->max_caseload);
	tmpl_data_bool(r->row, "has_use", 1);
}

/*
 * A therapist's row.  With no site filter every session of the days shown
 * is read for the grid, so their booked time is summed there (week_occ)
 * rather than read again for each therapist; week_use writes it after.
 */
static void
week_therapist(void *arg, const struct db_therapist *t)
{
	struct week *w = arg;
	struct week_row *r;
	char href[48];

	if (!t->active || (w->only_id > 0 && t->id != w->only_id) ||
	    !week_works_at(w, t->id))
		return;
	snprintf(href, sizeof(href), "/therapists/%lld", (long long)t->id);
	if ((r = week_row_add(w, t->id, t->name, href)) == NULL)
		return;
	r->max_hours = t->max_hours;
	r->booked_min = t->booked_min;
	r->caseload = t->caseload;
	r->max_caseload = t->max_caseload;
}

/* Adds a session to its therapist's booked time (seconds, for now). */
static void
week_booked(void *arg, int64_t therapist_id, int64_t seconds)
{
	struct week_row *r = week_row_find(arg, therapist_id);

	if (r != NULL)
		r->booked_min += seconds;
}

static void
week_site(void *arg, const struct db_site_rec *s)
{
	struct week *w = arg;
	char href[48];

	if (!s->active || (w->site_id > 0 && s->id != w->site_id) ||
	    (w->only_id > 0 && s->id != w->only_id))
		return;
	snprintf(href, sizeof(href), "/sites/%lld", (long long)s->id);
	(void)week_row_add(w, s->id, s->name, href);
}

/* Every site's name (for cards and room rows); the filter's choices. */
static void
week_site_name(void *arg, const struct db_site_rec *s)
{
	struct week *w = arg;
	struct week_name *n;
	struct tmpl_data *e;

	if ((n = week_list_add(w, &w->sites, sizeof(*n))) != NULL) {
		n->id = s->id;
		n->active = s->active;
		snprintf(n->name, sizeof(n->name), "%s", s->name);
	}
	if (!s->active)
		return;
	e = tmpl_data_push(w->d, "sites");
	tmpl_data_setf(e, "id", "%lld", (long long)s->id);
	tmpl_data_set(e, "label", s->name);
	tmpl_data_bool(e, "selected", s->id == w->site_id);
}

/* Every room's name (for cards), in the order rows list them. */
static void
week_room_name(void *arg, const struct db_room *room)
{
	struct week *w = arg;
	struct week_name *n;

	if ((n = week_list_add(w, &w->rooms, sizeof(*n))) == NULL)
		return;
	n->id = room->id;
	n->site_id = room->site_id;
	n->active = room->active;
	snprintf(n->name, sizeof(n->name), "%s", room->name);
}

/* A row for each active room (at the filter's site) of an active site. */
static void
week_room_rows(struct week *w)
{
	const struct week_name *rooms = w->rooms.v, *site;
	struct week_row *r;
	char label[2 * DB_RECORD_NAME_LEN + 4], href[48];
	size_t i;

	for (i = 0; i < w->rooms.n; i++) {
		site = week_name_of(&w->sites, rooms[i].site_id);
		if (!rooms[i].active || site == NULL || !site->active ||
		    (w->site_id > 0 && rooms[i].site_id != w->site_id) ||
		    (w->only_id > 0 && rooms[i].id != w->only_id))
			continue;
		snprintf(label, sizeof(label), "%s, %s", rooms[i].name,
		    site->name);
		snprintf(href, sizeof(href), "/sites/%lld",
		    (long long)rooms[i].site_id);
		if ((r = week_row_add(w, rooms[i].id, label, href)) != NULL)
			r->site_id = rooms[i].site_id;
	}
}

/* The column of UTC time t, or -1 when it is outside the days shown. */
static int
week_column(const struct week *w, int64_t t)
{
	int k;

	if (t < (int64_t)w->bound[0] || t >= (int64_t)w->bound[w->ndays])
		return -1;
	for (k = w->ndays - 1; k > 0; k--)
		if (t >= (int64_t)w->bound[k])
			break;
	return k;
}

/* Shades the cells of row r that fall in [first, last]. */
static void
week_shade(struct week *w, struct week_row *r, const char *first,
    const char *last, const char *label)
{
	int k;

	for (k = 0; k < w->ndays; k++) {
		if (strcmp(w->date[k], first) < 0 ||
		    strcmp(w->date[k], last) > 0 || r->away[k])
			continue;
		r->away[k] = 1;
		tmpl_data_bool(r->cell[k], "away", 1);
		tmpl_data_set(r->cell[k], "away_label", label);
	}
}

/* Keeps a period of leave or a closure, for week_hit_now. */
static void
week_away_add(struct week *w, const struct db_period *p, int closure)
{
	struct week_away *a;

	if ((a = week_list_add(w, &w->away, sizeof(*a))) == NULL)
		return;
	a->owner_id = p->owner_id;
	a->closure = closure;
	snprintf(a->first, sizeof(a->first), "%s", p->first_day);
	snprintf(a->last, sizeof(a->last), "%s", p->last_day);
}

/* 1 when session o is still to come, not cancelled, and its therapist is
 * on leave or its site closed on its day. */
static int
week_hit_now(const struct week *w, const struct db_week_occ *o)
{
	const struct week_away *a = w->away.v;
	size_t i;

	if (strcmp(o->state, "cancelled") == 0 || o->end_utc <= w->now)
		return 0;
	for (i = 0; i < w->away.n; i++)
		if ((a[i].closure ? o->site_id : o->therapist_id) ==
		    a[i].owner_id && strcmp(o->date, a[i].first) >= 0 &&
		    strcmp(o->date, a[i].last) <= 0)
			return 1;
	return 0;
}

static void
week_leave(void *arg, const struct db_period *p)
{
	struct week *w = arg;
	struct week_row *r;

	week_away_add(w, p, 0);
	if (w->by == WEEK_BY_THERAPIST &&
	    (r = week_row_find(w, p->owner_id)) != NULL)
		week_shade(w, r, p->first_day, p->last_day, "On leave");
}

static void
week_closure(void *arg, const struct db_period *p)
{
	struct week *w = arg;
	size_t i;

	week_away_add(w, p, 1);
	for (i = 0; i < w->nrows; i++)
		if ((w->by == WEEK_BY_SITE && w->rows[i].id == p->owner_id) ||
		    (w->by == WEEK_BY_ROOM && w->rows[i].site_id ==
		    p->owner_id))
			week_shade(w, &w->rows[i], p->first_day, p->last_day,
			    "Closed");
}

/* "HH:MM" of UTC time t, local. */
static void
week_hhmm(const struct week *w, int64_t t, char out[6])
{
	time_t local = core_zone_local(&w->zone, (time_t)t);
	int day, minute;

	core_zone_week_minute(local, &day, &minute, NULL);
	minute = ((minute % 1440) + 1440) % 1440;
	out[0] = (char)('0' + minute / 600);
	out[1] = (char)('0' + minute / 60 % 10);
	out[2] = ':';
	out[3] = (char)('0' + minute % 60 / 10);
	out[4] = (char)('0' + minute % 10);
	out[5] = '\0';
}

static void
week_occ(void *arg, const struct db_week_occ *o)
{
	struct week *w = arg;
	struct week_row *r;
	struct tmpl_data *e;
	const struct week_name *site, *room;
	int64_t owner;
	char s[6];
	int k, cancelled, hit;

	owner = w->by == WEEK_BY_THERAPIST ? o->therapist_id :
	    w->by == WEEK_BY_ROOM ? o->room_id : o->site_id;
	if ((k = week_column(w, o->start_utc)) < 0 ||
	    (r = week_row_find(w, owner)) == NULL)
		return;
	/* A card's few fields, each made here: a big service's week has
	 * thousands of cards, and each field is an allocation. */
	e = tmpl_data_push(r->cell[k], "sessions");
	r->nsessions++;
	cancelled = strcmp(o->state, "cancelled") == 0;
	hit = week_hit_now(w, o);
	if (w->site_id == 0 && !cancelled)
		r->booked_min += (o->end_utc - o->start_utc) / 60;
	week_hhmm(w, o->start_utc, s);
	tmpl_data_setf(e, "series", "%lld", (long long)o->series_id);
	tmpl_data_set(e, "start", s);
	if (o->group_id > 0)
		tmpl_data_setf(e, "who", "%s (%d)", o->group, o->members);
	else {
		tmpl_data_setf(e, "who", "%s %s", o->initials, o->client_ref);
		/* The client record, for a viewer who may open it. */
		if (w->can_client && o->referral_id > 0) {
			tmpl_data_setf(e, "record", "%lld",
			    (long long)o->referral_id);
			tmpl_data_set(e, "ref", o->client_ref);
		}
	}
	site = week_name_of(&w->sites, o->site_id);
	room = o->room_id > 0 ? week_name_of(&w->rooms, o->room_id) : NULL;
	tmpl_data_setf(e, "where", "%s, %s", room != NULL ? room->name :
	    "online", site != NULL ? site->name : "");
	if (cancelled || hit)
		tmpl_data_set(e, "class", cancelled ? " cancelled" : " hit");
	if (cancelled || strcmp(o->state, "moved") == 0)
		tmpl_data_set(e, "state", cancelled ? "Cancelled" : "Moved");
	if (hit) {
		tmpl_data_bool(e, "hit", 1);
		/* Once over, it is no longer to be decided. */
		if (o->end_utc < w->until)
			w->until = o->end_utc;
	}
}

/* 1 when UTC time t is inside map z. */
static int
week_zone_has(const struct core_zone *z, time_t t)
{
	return z->n > 0 && t >= z->s[0].from && t < z->s[z->n - 1].to;
}

/*
 * The local date and "HH:MM" of UTC time t: from the week's map, else
 * from a map of the five weeks from t (hits come in time order, so it is
 * built again only once they pass it), else from libical.  Asking
 * libical costs some thirty thousand instructions; a map is a few such
 * questions a week it covers, then additions.
 */
static void
week_local(struct week *w, int64_t t, char date[11], char hhmm[6])
{
	const struct core_zone *z = &w->zone;
	struct tm tm;
	time_t local;

	if (!week_zone_has(z, (time_t)t)) {
		z = &w->far;
		if (!week_zone_has(z, (time_t)t) && core_zone_build(&w->far,
		    w->app->tz, (time_t)t - 86400, (time_t)t + 35 * 86400) ==
		    -1) {
			w->far.n = 0;
			(void)ical_utc_to_local(w->app->tz, (time_t)t, date,
			    hhmm, NULL);
			return;
		}
	}
	local = core_zone_local(z, (time_t)t);
	gmtime_r(&local, &tm);
	if (strftime(date, 11, "%Y-%m-%d", &tm) == 0)
		date[0] = '\0';
	if (strftime(hhmm, 6, "%H:%M", &tm) == 0)
		hhmm[0] = '\0';
}

/* Future sessions leave or a closure falls on, to be handled. */
static void
week_hit(void *arg, const struct db_occ_row *o, const char *why)
{
	struct week *w = arg;
	struct tmpl_data *e = tmpl_data_push(w->d, "hits");
	char date[11], hhmm[6], words[48];

	week_local(w, o->start_utc, date, hhmm);
	(void)calendar_date_text(date, CALENDAR_DAY_SHORT, words,
	    sizeof(words));
	tmpl_data_bool(w->d, "has_hits", 1);
	/* Listed while it is still to start. */
	if (o->start_utc + 1 < w->until)
		w->until = o->start_utc + 1;
	tmpl_data_setf(e, "series", "%lld", (long long)o->series_id);
	if (strncmp(why, "the therapist", 13) == 0)
		tmpl_data_setf(e, "href", "/therapists/%lld/leave",
		    (long long)o->therapist_id);
	else
		tmpl_data_setf(e, "href", "/sites/%lld/closures",
		    (long long)o->site_id);
	tmpl_data_setf(e, "when", "%s, %s", words, hhmm);
	tmpl_data_set(e, "ref", o->client_ref);
	tmpl_data_set(e, "who", o->who);
	tmpl_data_set(e, "therapist", o->therapist);
	tmpl_data_set(e, "site", o->site);
	tmpl_data_set(e, "why", why);
}

/* Frees what w holds but its data. */
static void
week_free(struct week *w)
{
	free(w->rows);
	free(w->works.v);
	free(w->sites.v);
	free(w->rooms.v);
	free(w->away.v);
}

/* The links that change one thing of the view and keep the rest. */
static void
week_link(const struct week *w, char *out, size_t n, const char *by,
    const char *when_key, const char *when)
{
	char site[32] = "";

	if (w->site_id > 0)
		snprintf(site, sizeof(site), "&site=%lld",
		    (long long)w->site_id);
	snprintf(out, n, "/schedule?by=%s&%s=%s%s", by, when_key, when, site);
}

/*
 * The view rq asks for, into w: rows by, the days, the site and row
 * filters, what the viewer may open; today and the page's title.  Cannot
 * fail (what is not understood is left at its default).
 */
static void
week_view(struct week *w, struct app *app, const struct req *rq)
{
	const char *by = form_get(&rq->q, "by");
	const char *week = form_get(&rq->q, "week");
	const char *day = form_get(&rq->q, "day");
	char words[48];
	int k, b, wd;
	int64_t id;

	memset(w, 0, sizeof(*w));
	w->app = app;
	w->now = (int64_t)time(NULL);
	w->can_client = auth_can(rq->user->role, ACT_CLIENT);
	b = by != NULL ? db_name_index(week_by_names, WEEK_BY__MAX, by) : 0;
	w->by = b < 0 ? WEEK_BY_THERAPIST : (enum week_by)b;
	w->site_id = valid_id(form_get(&rq->q, "site"), &id) == 0 ? id : 0;
	w->only_id = valid_id(form_get(&rq->q, "id"), &id) == 0 ? id : 0;
	(void)ical_utc_to_local(app->tz, (time_t)w->now, w->today, NULL,
	    NULL);
	if (day != NULL && week_weekday(day) >= 0) {
		w->ndays = 1;
		snprintf(w->first, sizeof(w->first), "%s", day);
	} else {
		w->ndays = WEEK_DAYS;
		if (week == NULL || (wd = week_weekday(week)) < 0) {
			week = w->today;
			wd = week_weekday(w->today);
		}
		(void)calendar_date_add(week, -wd, w->first);
	}
	for (k = 0; k < w->ndays; k++)
		(void)calendar_date_add(w->first, k, w->date[k]);
	(void)calendar_date_text(w->first, CALENDAR_LONG, words,
	    sizeof(words));
	snprintf(w->title, sizeof(w->title), w->ndays == 1 ?
	    "Schedule: %s" : "Schedule: week of %s", words);
}

/*
 * The key of the page w shows, for its kept body: all that the body
 * depends on but the database and the time (kept until w->until).
 */
static void
week_key(const struct week *w, char *out, size_t n)
{
	snprintf(out, n, "schedule by=%d first=%s days=%d site=%lld id=%lld "
	    "client=%d", (int)w->by, w->first, w->ndays, (long long)w->site_id,
	    (long long)w->only_id, w->can_client);
}

/*
 * Builds the page's own data in w->d (new) from the database, and the
 * time until which it stays as it is (w->until: the start of tomorrow,
 * or sooner when a session that leave or a closure falls on passes).
 * 0, or -1 (w->d may be set: free it).
 */
static int
week_build(struct week *w)
{
	struct app *app = w->app;
	struct tmpl_data *e;
	char other[11], words[48], link[160];
	const char *first = w->first;
	time_t t;
	int k;

	for (k = 0; k <= w->ndays; k++) {
		(void)calendar_date_add(first, k, other);
		if (ical_local_to_utc(app->tz, other, "00:00", &w->bound[k]) ==
		    -1)
			return -1;
	}
	if (core_zone_build(&w->zone, app->tz, w->bound[0] - 86400,
	    w->bound[w->ndays] + 86400) == -1)
		return -1;
	(void)calendar_date_add(w->today, 1, other);
	w->until = ical_local_to_utc(app->tz, other, "00:00", &t) == 0 ?
	    (int64_t)t : w->now;

	w->d = tmpl_data_new();
	tmpl_data_set(w->d, "heading", w->title);
	tmpl_data_set(w->d, "by", week_by_names[w->by]);
	tmpl_data_set(w->d, "by_label", week_by_labels[w->by]);
	tmpl_data_set(w->d, "first", first);
	tmpl_data_bool(w->d, "is_day", w->ndays == 1);
	tmpl_data_bool(w->d, "is_week", w->ndays != 1);
	tmpl_data_setf(w->d, "site", "%lld", (long long)w->site_id);
	tmpl_data_setf(w->d, "ndays", "%d", w->ndays);

	/* Views: rows by, week or day, earlier and later. */
	for (k = 0; k < WEEK_BY__MAX; k++) {
		e = tmpl_data_push(w->d, "bys");
		week_link(w, link, sizeof(link), week_by_names[k],
		    w->ndays == 1 ? "day" : "week", first);
		tmpl_data_set(e, "href", link);
		tmpl_data_set(e, "label", week_by_labels[k]);
		tmpl_data_bool(e, "current", k == (int)w->by);
	}
	(void)calendar_date_add(first, w->ndays == 1 ? -1 : -7, other);
	week_link(w, link, sizeof(link), week_by_names[w->by],
	    w->ndays == 1 ? "day" : "week", other);
	tmpl_data_set(w->d, "prev", link);
	(void)calendar_date_add(first, w->ndays == 1 ? 1 : 7, other);
	week_link(w, link, sizeof(link), week_by_names[w->by],
	    w->ndays == 1 ? "day" : "week", other);
	tmpl_data_set(w->d, "next", link);
	week_link(w, link, sizeof(link), week_by_names[w->by],
	    w->ndays == 1 ? "day" : "week", w->today);
	tmpl_data_set(w->d, "this", link);
	tmpl_data_set(w->d, "prev_label", w->ndays == 1 ? "Previous day" :
	    "Previous week");
	tmpl_data_set(w->d, "next_label", w->ndays == 1 ? "Next day" :
	    "Next week");
	tmpl_data_set(w->d, "this_label", w->ndays == 1 ? "Today" :
	    "This week");
	if (w->ndays == 1) {
		(void)calendar_date_add(first, -week_weekday(first), other);
		week_link(w, link, sizeof(link), week_by_names[w->by], "week",
		    other);
		tmpl_data_set(w->d, "week_link", link);
	}

	/* The columns. */
	for (k = 0; k < w->ndays; k++) {
		e = tmpl_data_push(w->d, "cols");
		(void)calendar_date_text(w->date[k], CALENDAR_DAY_SHORT, words,
		    sizeof(words));
		tmpl_data_set(e, "label", words);
		(void)calendar_date_text(w->date[k], CALENDAR_LONG, words,
		    sizeof(words));
		tmpl_data_set(e, "long", words);
		week_link(w, link, sizeof(link), week_by_names[w->by], "day",
		    w->date[k]);
		tmpl_data_set(e, "href", link);
		tmpl_data_bool(e, "today", strcmp(w->date[k], w->today) == 0);
	}

	/* The rows, then what shades them, then the sessions. */
	if (db_sites_each(app->db, week_site_name, w) == -1 ||
	    db_rooms_each(app->db, 0, week_room_name, w) == -1)
		return -1;
	/* qsort is never given NULL (no rows): UBSan stops on it. */
	if (w->sites.n > 1)
		qsort(w->sites.v, w->sites.n, sizeof(struct week_name),
		    week_name_cmp);
	if (w->by == WEEK_BY_THERAPIST) {
		if (w->site_id > 0 && db_availability_each(app->db, 0,
		    week_availability, w) == -1)
			return -1;
		/* Booked time: summed from the grid's own sessions when
		 * it reads them all (no site filter), else read for every
		 * therapist at once below. */
		if (db_therapists_each(app->db, w->bound[0], w->bound[0],
		    week_therapist, w) == -1)
			return -1;
		if (w->site_id > 0 && db_week_booked_each(app->db,
		    w->bound[0], w->bound[w->ndays], week_booked, w) == -1)
			return -1;
		for (k = 0; w->site_id > 0 && k < (int)w->nrows; k++)
			w->rows[k].booked_min /= 60;
		/* A therapist with a session at the site but no hours
		 * there any longer still has a row: added below. */
	} else if (w->by == WEEK_BY_ROOM)
		week_room_rows(w);
	else if (db_sites_each(app->db, week_site, w) == -1)
		return -1;
	/* Leave and closures shade rows and mark the sessions they hit. */
	if (db_leave_each(app->db, 0, w->date[0], w->date[w->ndays - 1],
	    week_leave, w) == -1 || db_site_closures_each(app->db,
	    w->site_id, w->date[0], w->date[w->ndays - 1], week_closure,
	    w) == -1)
		return -1;
	if (w->rooms.n > 1)
		qsort(w->rooms.v, w->rooms.n, sizeof(struct week_name),
		    week_name_cmp);
	if (w->failed)
		return -1;
	if (db_week_grid_each(app->db, w->site_id, w->bound[0],
	    w->bound[w->ndays], week_occ, w) == -1)
		return -1;
	for (k = 0; w->by == WEEK_BY_THERAPIST && k < (int)w->nrows; k++)
		week_use(&w->rows[k]);
	tmpl_data_bool(w->d, "no_rows", w->nrows == 0);
	tmpl_data_setf(w->d, "nrows", "%zu", w->nrows);
	if (db_occ_hit_each(app->db, w->now, week_hit, w) == -1)
		return -1;
	return w->failed ? -1 : 0;
}

/*
 * The page: its body (all of it but the staff layout) is the same for
 * every coordinator who asks for the same view, so a worker keeps it
 * (app_part_find) until a record changes or time changes it, and
 * puts only the layout, with the viewer's own name and CSRF token,
 * around it for each request.
 */
void
page_schedule(struct app *app, struct req *rq, struct resp *rs)
{
	struct week w;
	struct tmpl_data *d;
	const struct buf *kept;
	struct buf body = BUF_INIT;
	char key[APP_PART_KEY_LEN];

	week_view(&w, app, rq);
	week_key(&w, key, sizeof(key));
	if (app_part_find(app, key, (time_t)w.now, &kept) != 1) {
		if (week_build(&w) == -1) {
			tmpl_data_free(w.d);
			week_free(&w);
			http_error(app, rs, 503, "The schedule cannot be shown "
			    "just now. Try again in a minute.");
			return;
		}
		if (tmpl_render(app->tmpl, "schedule.html", w.d, &body) == -1) {
			tmpl_data_free(w.d);
			week_free(&w);
			http_error(app, rs, 500, "Something went wrong on our "
			    "side.");
			return;
		}
		(void)app_part_keep(key, (time_t)w.now, (time_t)w.until,
		    &body);
		kept = &body;
		tmpl_data_free(w.d);
		week_free(&w);
	}
	d = app_staff_data(app, rq, w.title);
	app_render_around(app, rs, 200, d, kept);
	tmpl_data_free(d);
	buf_free(&body);
}

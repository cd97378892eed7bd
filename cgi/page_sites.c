/*
 * page_sites: partner organisations, their sites and the sites' rooms.
 *
 *   GET  /sites             every site (kind, organisation, district,
 *                           rooms, opening hours) and the organisations
 *   GET  /sites/new         the form for a new site
 *   POST /sites/new         name, kind (own_centre, school, care_home,
 *                           hospital, hospice, day_centre,
 *                           community_venue, online), organisation
 *                           (made when new; "" for none), address,
 *                           postcode (required unless online), serves
 *                           (postcode districts, separated by commas or
 *                           spaces), region (one of site_regions, or ""),
 *                           step_free (yes), active (yes), and
 *                           the opening-hours rows oh_day, oh_start,
 *                           oh_end (records_form.h); 303 to the site, or
 *                           422 with every value kept
 *   GET  /sites/ID          the site, its rooms and closures to come
 *   GET  /sites/ID/edit     the form, filled in
 *   POST /sites/ID/edit     as /sites/new
 *   POST /sites/ID          action=room_add (room_name, capacity 1-200,
 *                           piano, accessible), action=room_save
 *                           (room_id and the same, active),
 *                           action=closure_add (first_day, last_day,
 *                           reason), action=closure_delete (closure_id)
 *   POST /organisations/ID/survey  asks the organisation's staff (its
 *                           partner users) for feedback (core/survey.h);
 *                           303 to /sites?asked=N&org=ID#organisations
 *
 * GET needs ACT_RECORDS_VIEW and POST ACT_RECORDS_EDIT (route table).
 * Every change is audited by db/records.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/records_form.h"
#include "cgi/valid.h"
#include "core/survey.h"
#include "db/db.h"
#include "db/feeds.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/survey.h"
#include "ical/ical.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define NAME_MAX_LEN	100
#define SERVES_MAX	30
#define ROOM_SEATS_MAX	200

/* The nations a site may be in: sites.region, the impact report's rows. */
static const char *const site_regions[] = {
	"England", "Scotland", "Wales", "Northern Ireland", NULL
};

static void
today(const struct app *app, char out[11])
{
	if (ical_utc_to_local(app_tz(app), time(NULL), out, NULL, NULL) == -1)
		snprintf(out, 11, "1970-01-01");
}

/* "Mondays 09:00 to 17:00" lines of a site's opening hours. */
struct hours_text {
	struct buf	 b[SLOT_DAYS];
};

static void
on_hours_text(void *arg, const struct db_week_range *r)
{
	struct hours_text *h = arg;
	char a[6], z[6];

	if (r->day < 0 || r->day >= SLOT_DAYS)
		return;
	rf_time_format(r->start_min, a);
	rf_time_format(r->end_min, z);
	buf_printf(&h->b[r->day], "%s%s to %s", h->b[r->day].len ? ", " : "",
	    a, z);
}

static void
hours_text_free(struct hours_text *h)
{
	int k;

	for (k = 0; k < SLOT_DAYS; k++)
		buf_free(&h->b[k]);
}

/* ---- the list ---- */

struct list_ctx {
	struct tmpl_data	*d;
	int			 n;
};

static void
list_site(void *arg, const struct db_site_rec *s)
{
	struct list_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "rows");

	tmpl_data_setf(e, "id", "%lld", (long long)s->id);
	tmpl_data_set(e, "name", s->name);
	tmpl_data_set(e, "kind", db_site_kind_labels[s->kind]);
	tmpl_data_set(e, "organisation", s->organisation);
	tmpl_data_set(e, "postcode", s->postcode);
	tmpl_data_set(e, "district", s->district);
	tmpl_data_setf(e, "rooms", "%d", s->nrooms);
	tmpl_data_bool(e, "online", s->kind == SITE_ONLINE);
	tmpl_data_bool(e, "step_free", s->step_free);
	tmpl_data_bool(e, "active", s->active);
	tmpl_data_bool(e, "no_hours", s->nhours == 0 &&
	    s->kind != SITE_ONLINE);
	c->n++;
}

/* An organisation, and what asking its staff for feedback did. */
struct org_ctx {
	struct app		*app;
	struct tmpl_data	*d;
	int64_t			 asked_org;	/* ?org= */
	int			 asked;		/* ?asked=, or -1 */
	int			 bad;
};

static void
list_org(void *arg, const struct db_organisation *o)
{
	struct org_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "organisations");
	int64_t sent, answered;
	char last[21];

	tmpl_data_setf(e, "id", "%lld", (long long)o->id);
	tmpl_data_set(e, "name", o->name);
	tmpl_data_setf(e, "sites", "%d", o->nsites);
	if (db_partner_survey_counts(c->app->db, o->id, &sent, &answered,
	    last) == -1)
		c->bad = 1;
	tmpl_data_setf(e, "survey_sent", "%lld", (long long)sent);
	tmpl_data_setf(e, "survey_answered", "%lld", (long long)answered);
	if (o->id == c->asked_org && c->asked >= 0)
		tmpl_data_setf(e, "survey_result", c->asked > 0 ? "%d of "
		    "their staff %s emailed the survey just now." : "Nobody "
		    "was asked again: their staff were all asked in the last "
		    "%d days, or they have no staff accounts.", c->asked > 0 ?
		    c->asked : DB_SURVEY_AGAIN_DAYS, c->asked == 1 ? "was" :
		    "were");
}

void
page_sites(struct app *app, struct req *rq, struct resp *rs)
{
	struct list_ctx c;
	struct org_ctx oc;
	const char *asked = form_get(&rq->q, "asked");

	memset(&c, 0, sizeof(c));
	memset(&oc, 0, sizeof(oc));
	c.d = app_staff_data(app, rq, "Sites");
	oc.app = app;
	oc.d = c.d;
	oc.asked = -1;
	if (asked == NULL || valid_int(asked, 0, 100000, &oc.asked) == -1 ||
	    valid_id(form_get(&rq->q, "org"), &oc.asked_org) == -1)
		oc.asked = -1;
	tmpl_data_list(c.d, "rows");
	tmpl_data_list(c.d, "organisations");
	if (db_sites_each(app->db, list_site, &c) == -1 ||
	    db_organisations_each(app->db, list_org, &oc) == -1 || oc.bad) {
		tmpl_data_free(c.d);
		http_error(app, rs, 503, "The sites cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	tmpl_data_bool(c.d, "has_rows", c.n > 0);
	tmpl_data_bool(c.d, "can_edit", auth_can(rq->user->role,
	    ACT_RECORDS_EDIT));
	app_render(app, rs, 200, "sites.html", c.d);
	tmpl_data_free(c.d);
}

void
page_organisation_survey_post(struct app *app, struct req *rq,
    struct resp *rs)
{
	struct core_ctx ctx;
	char why[CORE_WHY_LEN], loc[96];
	int sent = 0;

	app_core_ctx(app, rq, &ctx);
	if (core_partner_survey_send(&ctx, rq->id[0], &sent, why,
	    sizeof(why)) != DB_OK) {
		http_error(app, rs, 503, why);
		return;
	}
	snprintf(loc, sizeof(loc), "/sites?asked=%d&org=%lld#organisations",
	    sent, (long long)rq->id[0]);
	http_redirect(rs, loc);
}

/* ---- one site ---- */

/* The room forms' fields: adding a room, and changing one (with active). */
enum room_field { R_NAME, R_CAPACITY, R_PIANO, R_ACCESSIBLE, R_ACTIVE,
	R__MAX };
static const struct valid_field room_fields[R__MAX] = {
	{ "room_name", VALID_LINE, 1, 0, NAME_MAX_LEN, NULL, NULL,
	    "The room's name", "Enter the room's name (up to 100 "
	    "characters)." },
	{ "capacity", VALID_INT, 1, 1, ROOM_SEATS_MAX, NULL, "room_capacity",
	    "Seats", "Enter how many people the room seats, a whole number "
	    "from 1 to 200." },
	{ "piano", VALID_YES, 0, 0, 0, NULL, "room_piano", "Has a piano",
	    NULL },
	{ "accessible", VALID_YES, 0, 0, 0, NULL, "room_accessible",
	    "Accessible", NULL },
	{ "active", VALID_YES, 0, 0, 0, NULL, "room_active", "In use", NULL },
};

/* A form of the site page that was posted with a problem: shown again. */
struct site_posted {
	int64_t			  room_id;	/* the room changed; 0: added */
	const struct valid_value *room;		/* room_fields' values */
	const struct rf_period	 *closure;	/* the closure typed */
};

struct show_ctx {
	struct tmpl_data	*d;
	const struct site_posted *posted;	/* NULL: nothing posted */
	int			 can_edit;
	int			 nrooms;
	int			 nclosures;
	int			 nserves;
};

static void
show_room(void *arg, const struct db_room *r)
{
	struct show_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "rooms");
	const struct valid_value *v = c->posted != NULL &&
	    c->posted->room_id == r->id ? c->posted->room : NULL;

	tmpl_data_setf(e, "room_id", "%lld", (long long)r->id);
	tmpl_data_set(e, "room_name", r->name);
	tmpl_data_setf(e, "capacity", "%d", r->capacity);
	tmpl_data_bool(e, "piano", r->piano);
	tmpl_data_bool(e, "accessible", r->accessible);
	tmpl_data_bool(e, "room_active", r->active);
	tmpl_data_bool(e, "can_edit", c->can_edit);
	/* The form of a room that was just posted with a problem. */
	if (v != NULL) {
		tmpl_data_bool(e, "open", 1);
		tmpl_data_bool(e, "room_bad", 1);
		tmpl_data_set(e, "f_name", v[R_NAME].text);
		tmpl_data_set(e, "f_capacity", v[R_CAPACITY].text);
		tmpl_data_bool(e, "f_piano", v[R_PIANO].num == 1);
		tmpl_data_bool(e, "f_accessible", v[R_ACCESSIBLE].num == 1);
		tmpl_data_bool(e, "f_active", v[R_ACTIVE].num == 1);
	} else {
		tmpl_data_set(e, "f_name", r->name);
		tmpl_data_setf(e, "f_capacity", "%d", r->capacity);
		tmpl_data_bool(e, "f_piano", r->piano);
		tmpl_data_bool(e, "f_accessible", r->accessible);
		tmpl_data_bool(e, "f_active", r->active);
	}
	c->nrooms++;
}

static void
show_closure(void *arg, const struct db_period *p)
{
	struct show_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "closures");

	tmpl_data_setf(e, "closure_id", "%lld", (long long)p->id);
	tmpl_data_set(e, "first_day", p->first_day);
	tmpl_data_set(e, "last_day", p->last_day);
	tmpl_data_set(e, "reason", p->reason);
	tmpl_data_bool(e, "can_edit", c->can_edit);
	c->nclosures++;
}

static void
show_district(void *arg, int64_t site_id, const char *district)
{
	struct show_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "serves");

	(void)site_id;
	tmpl_data_set(e, "district", district);
	c->nserves++;
}

/*
 * The site's page with status and errs (NULL: none); posted (NULL: none)
 * is the form that had a problem, with what was typed in it.
 */
/*
 * The site's calendar link for its own staff: made on this page
 * (POST /sites/:id/feed), shown once, then only the day it was made.
 */
static void
show_feed(struct app *app, struct tmpl_data *d, const struct db_site_rec *s)
{
	struct db_feed f;
	char day[40];

	if (page_feed_fresh(app, d, FEED_SITE, s->id, "site"))
		tmpl_data_bool(d, "site_new", 1);
	if (db_feed_get(app->db, FEED_SITE, s->id, &f) == 1) {
		(void)calendar_date_text(f.created_at, CALENDAR_LONG, day,
		    sizeof(day));
		tmpl_data_set(d, "feed_made", day);
	}
}

static void
show_site(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_site_rec *s, const struct valid_errors *errs,
    const struct site_posted *posted)
{
	static const char *const notices[][2] = {
		{ "saved", "The site's details were saved." },
		{ "added", "The site was added." },
		{ "room_added", "The room was added." },
		{ "room_saved", "The room was saved." },
		{ "closure_added", "The closure was added." },
		{ "closure_removed", "The closure was removed." },
	};
	struct hours_text h;
	struct show_ctx c;
	struct tmpl_data *e;
	const char *done = form_get(&rq->q, "done");
	char day[11];
	size_t i;
	int k, nh = 0;

	memset(&c, 0, sizeof(c));
	memset(&h, 0, sizeof(h));
	c.d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: site" : s->name);
	c.posted = posted;
	c.can_edit = auth_can(rq->user->role, ACT_RECORDS_EDIT);
	today(app, day);
	tmpl_data_setf(c.d, "site_id", "%lld", (long long)s->id);
	tmpl_data_set(c.d, "name", s->name);
	tmpl_data_set(c.d, "kind", db_site_kind_labels[s->kind]);
	tmpl_data_bool(c.d, "online", s->kind == SITE_ONLINE);
	tmpl_data_set(c.d, "organisation", s->organisation);
	tmpl_data_set(c.d, "address", s->address);
	tmpl_data_set(c.d, "postcode", s->postcode);
	tmpl_data_set(c.d, "district", s->district);
	tmpl_data_set(c.d, "region", s->region);
	tmpl_data_bool(c.d, "step_free", s->step_free);
	tmpl_data_bool(c.d, "active", s->active);
	tmpl_data_bool(c.d, "can_edit", c.can_edit);
	tmpl_data_list(c.d, "rooms");
	tmpl_data_list(c.d, "closures");
	tmpl_data_list(c.d, "serves");
	if (db_site_hours_each(app->db, s->id, on_hours_text, &h) == -1 ||
	    db_rooms_each(app->db, s->id, show_room, &c) == -1 ||
	    db_site_closures_each(app->db, s->id, day, NULL, show_closure,
	    &c) == -1 ||
	    db_site_districts_each(app->db, s->id, show_district, &c) == -1) {
		tmpl_data_free(c.d);
		hours_text_free(&h);
		http_error(app, rs, 503, "This site cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	for (k = 0; k < SLOT_DAYS; k++) {
		e = tmpl_data_push(c.d, "hours");
		tmpl_data_set(e, "day", slot_day_labels[k]);
		tmpl_data_set(e, "times", buf_cstr(&h.b[k]));
		nh += h.b[k].len > 0;
	}
	tmpl_data_bool(c.d, "has_hours", nh > 0);
	tmpl_data_bool(c.d, "has_rooms", c.nrooms > 0);
	tmpl_data_bool(c.d, "has_serves", c.nserves > 0);
	for (i = 0; done != NULL && i < sizeof(notices) / sizeof(notices[0]);
	    i++)
		if (strcmp(done, notices[i][0]) == 0)
			tmpl_data_set(c.d, "notice", notices[i][1]);
	/* The add-room form is open and kept after a problem with it. */
	tmpl_data_bool(c.d, "new_piano", 0);
	tmpl_data_set(c.d, "new_capacity", "1");
	tmpl_data_bool(c.d, "new_accessible", s->step_free);
	if (errs != NULL)
		valid_errors_tmpl(c.d, errs);
	if (posted != NULL && posted->room != NULL && posted->room_id == 0) {
		tmpl_data_set(c.d, "new_name", posted->room[R_NAME].text);
		tmpl_data_set(c.d, "new_capacity",
		    posted->room[R_CAPACITY].text);
		tmpl_data_bool(c.d, "new_piano", posted->room[R_PIANO].num == 1);
		tmpl_data_bool(c.d, "new_accessible",
		    posted->room[R_ACCESSIBLE].num == 1);
	}
	if (posted != NULL && posted->closure != NULL)
		rf_period_tmpl(c.d, posted->closure);
	if (c.can_edit)
		show_feed(app, c.d, s);
	app_render(app, rs, status, "site.html", c.d);
	tmpl_data_free(c.d);
	hours_text_free(&h);
}

/*
 * POST action=room_add or room_save (room_id): the room fields through
 * room_fields.  A changed room's problems are keyed by its own row's ids
 * (room-ID-name), so that the add form below stays clean.
 */
static void
room_post(struct app *app, struct req *rq, struct resp *rs,
    const struct db_site_rec *s, int save)
{
	struct valid_field table[R__MAX];
	struct valid_value v[R__MAX];
	struct valid_errors errs;
	struct site_posted posted;
	struct db_room room;
	char ids[R__MAX][48], loc[96];
	enum db_result r;
	int64_t id = 0;
	size_t i;
	int status = 422;

	memset(&errs, 0, sizeof(errs));
	memset(&room, 0, sizeof(room));
	memset(&posted, 0, sizeof(posted));
	memset(v, 0, sizeof(v));
	memcpy(table, room_fields, sizeof(table));
	if (save && valid_id(form_get(&rq->f, "room_id"), &room.id) == -1) {
		http_error(app, rs, 400, "That is not something this page "
		    "can do.");
		return;
	}
	for (i = 0; save && i < R__MAX; i++) {
		/* "room_name" -> "room-ID-name", as the row's controls. */
		snprintf(ids[i], sizeof(ids[i]), "room-%lld-%s",
		    (long long)room.id, strchr(room_fields[i].id != NULL ?
		    room_fields[i].id : room_fields[i].name, '_') + 1);
		table[i].id = ids[i];
	}
	if (s->kind == SITE_ONLINE)
		valid_error_add_at(&errs, "room_name", table[R_NAME].id != NULL ?
		    table[R_NAME].id : "room_name", "An online site has no "
		    "rooms.");
	(void)valid_form_check(&rq->f, table, R__MAX, v, &errs);
	posted.room_id = room.id;
	posted.room = v;
	if (errs.n == 0) {
		room.site_id = s->id;
		snprintf(room.name, sizeof(room.name), "%s", v[R_NAME].text);
		room.capacity = (int)v[R_CAPACITY].num;
		room.piano = v[R_PIANO].num == 1;
		room.accessible = v[R_ACCESSIBLE].num == 1;
		room.active = save ? v[R_ACTIVE].num == 1 : 1;
		r = db_room_save(app->db, &room, rq->user->id,
		    rq->remote_addr, &id);
		if (r == DB_OK) {
			snprintf(loc, sizeof(loc), "/sites/%lld?done=%s",
			    (long long)s->id, save ? "room_saved" :
			    "room_added");
			http_redirect(rs, loc);
			goto out;
		}
		if (r == DB_CONFLICT) {
			http_error(app, rs, 404, "There is no such room at "
			    "this site.");
			goto out;
		}
		valid_error_add_at(&errs, "room_name", table[R_NAME].id !=
		    NULL ? table[R_NAME].id : "room_name", r == DB_INVALID ?
		    "This site already has a room of that name. Choose "
		    "another name." : "The room could not be saved just now. "
		    "Nothing was changed; try again.");
		if (r != DB_INVALID)
			status = 503;
	}
	for (i = 0; save && i < errs.n; i++)
		snprintf(errs.e[i].key, sizeof(errs.e[i].key), "%s",
		    errs.e[i].anchor);
	show_site(app, rq, rs, status, s, &errs, &posted);
out:
	valid_values_free(v, R__MAX);
}

/*
 * POST action=closure_add: the period through rf_period_fields, and
 * report= when it enters a partner's report (then marked handled).
 */
static void
closure_post(struct app *app, struct req *rq, struct resp *rs,
    const struct db_site_rec *s)
{
	struct valid_errors errs;
	struct site_posted posted;
	struct rf_period p;
	enum db_result r;
	char loc[96];
	int64_t report;

	memset(&errs, 0, sizeof(errs));
	memset(&posted, 0, sizeof(posted));
	memset(&p, 0, sizeof(p));
	posted.closure = &p;
	if (rf_period_read(&rq->f, &p, &errs) > 0) {
		show_site(app, rq, rs, 422, s, &errs, &posted);
		goto out;
	}
	if (valid_id(form_get(&rq->f, "report"), &report) == 0)
		r = db_site_closure_add_reported(app->db, s->id, report,
		    p.first, p.last, p.reason, rq->user->id, rq->remote_addr);
	else
		r = db_site_closure_add(app->db, s->id, p.first, p.last,
		    p.reason, rq->user->id, rq->remote_addr);
	if (r != DB_OK) {
		valid_error_add(&errs, "first_day", r == DB_CONFLICT ?
		    "That closure report was already handled. See the "
		    "closures reported by partners." : "The closure could not "
		    "be saved just now. Try again.");
		show_site(app, rq, rs, r == DB_CONFLICT ? 409 : 503, s, &errs,
		    &posted);
		goto out;
	}
	/* On to the sessions it falls on, each with ready choices. */
	snprintf(loc, sizeof(loc), "/sites/%lld/closures?done=added",
	    (long long)s->id);
	http_redirect(rs, loc);
out:
	rf_period_free(&p);
}

/* POST /sites/ID: rec is the site (app_record). */
static void
site_post(struct app *app, struct req *rq, struct resp *rs, const void *rec)
{
	const struct db_site_rec *s = rec;
	const char *action = form_get(&rq->f, "action");
	struct valid_errors errs;
	char loc[96];
	enum db_result r;
	int64_t id = 0;

	memset(&errs, 0, sizeof(errs));
	if (action == NULL)
		action = "";
	if (strcmp(action, "room_add") == 0 ||
	    strcmp(action, "room_save") == 0) {
		room_post(app, rq, rs, s, strcmp(action, "room_save") == 0);
		return;
	}
	if (strcmp(action, "closure_add") == 0) {
		closure_post(app, rq, rs, s);
		return;
	}
	if (strcmp(action, "closure_delete") != 0 ||
	    valid_id(form_get(&rq->f, "closure_id"), &id) == -1) {
		http_error(app, rs, 400, "That is not something this page "
		    "can do.");
		return;
	}
	r = db_site_closure_delete(app->db, s->id, id, rq->user->id,
	    rq->remote_addr);
	if (r != DB_OK) {
		valid_error_add(&errs, "closures", r == DB_CONFLICT ?
		    "That closure was already removed." :
		    "The closure could not be removed just now. Try again.");
		show_site(app, rq, rs, r == DB_CONFLICT ? 409 : 503, s, &errs,
		    NULL);
		return;
	}
	snprintf(loc, sizeof(loc), "/sites/%lld?done=closure_removed",
	    (long long)s->id);
	http_redirect(rs, loc);
}

/* ---- the form ---- */

struct sform {
	int64_t		 id;
	char		 name[DB_RECORD_NAME_LEN];
	char		 kind[24];
	char		 organisation[DB_RECORD_NAME_LEN];
	char		 address[DB_RECORD_TEXT_LEN];
	char		 postcode[32];
	char		 serves_text[DB_RECORD_TEXT_LEN];
	char		 serves[SERVES_MAX][8];
	size_t		 nserves;
	char		 region[64];
	int		 step_free;
	int		 active;
	struct rf_ranges ranges;
	/* After checking: */
	int		 kind_index;
	char		 postcode_norm[VALID_POSTCODE_LEN];
	char		 district[VALID_DISTRICT_LEN];
};

static void
on_org_option(void *arg, const struct db_organisation *o)
{
	struct tmpl_data *e = tmpl_data_push(arg, "organisations");

	tmpl_data_set(e, "name", o->name);
}

static void
show_form(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct sform *v, const struct valid_errors *errs)
{
	struct tmpl_data *d, *e;
	int k;

	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: site" : v->id > 0 ? "Change a site" : "Add a site");
	tmpl_data_list(d, "organisations");
	if (db_organisations_each(app->db, on_org_option, d) == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "The form cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	tmpl_data_set(d, "heading", v->id > 0 ? "Change a site" :
	    "Add a site");
	if (v->id > 0) {
		tmpl_data_setf(d, "id", "%lld", (long long)v->id);
		tmpl_data_setf(d, "action", "/sites/%lld/edit",
		    (long long)v->id);
	} else
		tmpl_data_set(d, "action", "/sites/new");
	tmpl_data_set(d, "v_name", v->name);
	for (k = 0; k < SITE_KIND__MAX; k++) {
		e = tmpl_data_push(d, "kinds");
		tmpl_data_set(e, "value", db_site_kind_names[k]);
		tmpl_data_set(e, "label", db_site_kind_labels[k]);
		tmpl_data_bool(e, "selected", strcmp(v->kind,
		    db_site_kind_names[k]) == 0);
	}
	tmpl_data_set(d, "v_organisation", v->organisation);
	tmpl_data_set(d, "v_address", v->address);
	tmpl_data_set(d, "v_postcode", v->postcode);
	tmpl_data_set(d, "v_serves", v->serves_text);
	for (k = 0; site_regions[k] != NULL; k++) {
		e = tmpl_data_push(d, "regions");
		tmpl_data_set(e, "value", site_regions[k]);
		tmpl_data_bool(e, "selected", strcmp(v->region,
		    site_regions[k]) == 0);
	}
	tmpl_data_bool(d, "v_step_free", v->step_free);
	tmpl_data_bool(d, "v_active", v->active);
	rf_ranges_tmpl(d, "rows", &v->ranges, NULL, 0, 3);
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "site_form.html", d);
	tmpl_data_free(d);
}

/*
 * Reads "N1, n7 E8" into v->serves: each a postcode district, checked
 * as the outward half of a postcode.  0, or -1 on a bad one.
 */
static int
serves_read(struct sform *v)
{
	char text[DB_RECORD_TEXT_LEN], probe[24], district[VALID_DISTRICT_LEN];
	char *tok, *save, *p;
	size_t i;

	snprintf(text, sizeof(text), "%s", v->serves_text);
	v->nserves = 0;
	for (tok = strtok_r(text, ", \t;", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t;", &save)) {
		for (p = tok; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		if (strlen(tok) > 4)
			return -1;
		snprintf(probe, sizeof(probe), "%s 1AA", tok);
		if (valid_postcode_district(probe, district,
		    sizeof(district)) == -1 || strcmp(district, tok) != 0)
			return -1;
		for (i = 0; i < v->nserves; i++)
			if (strcmp(v->serves[i], district) == 0)
				break;
		if (i < v->nserves)
			continue;
		if (v->nserves == SERVES_MAX)
			return -1;
		snprintf(v->serves[v->nserves++], sizeof(v->serves[0]), "%s",
		    district);
	}
	return 0;
}

/* The site form's fields; serves, postcode and the hours have page rules. */
enum site_field { S_NAME, S_KIND, S_ORG, S_ADDRESS, S_POSTCODE, S_SERVES,
	S_REGION, S_STEP_FREE, S_ACTIVE, S__MAX };
static const struct valid_field site_fields[S__MAX] = {
	{ "name", VALID_LINE, 1, 0, NAME_MAX_LEN, NULL, "name", "Name",
	    "Enter the site's name (up to 100 characters)." },
	{ "kind", VALID_LINE, 1, 0, 23, NULL, "kind", "Kind",
	    "Choose what kind of place it is." },
	{ "organisation", VALID_LINE, 0, 0, NAME_MAX_LEN, NULL,
	    "organisation", "Organisation", "Shorten the organisation's "
	    "name to 100 characters." },
	{ "address", VALID_LINE, 0, 0, 200, NULL, "address", "Address",
	    "Enter the address on one line, in up to 200 characters." },
	{ "postcode", VALID_POSTCODE, 0, 0, 0, NULL, "postcode", "Postcode",
	    "Enter a real UK postcode, like NW1 0AB (an online site needs "
	    "none)." },
	{ "serves", VALID_LINE, 0, 0, 200, NULL, "serves", "Districts",
	    "Enter postcode districts like N1, NW5 or SE15, at most 30, with "
	    "commas between them." },
	{ "region", VALID_CHOICE, 0, 0, 0, site_regions, "region", "Nation",
	    "Choose England, Scotland, Wales or Northern Ireland, or leave it "
	    "as not recorded." },
	{ "step_free", VALID_YES, 0, 0, 0, NULL, "step_free",
	    "Step-free way in", NULL },
	{ "active", VALID_YES, 0, 0, 0, NULL, "active", "Open to us", NULL },
};

/*
 * Reads the posted form into v through the field table, then the rules
 * that tie fields together: a postcode unless online, the districts, the
 * opening hours.  Every typed value is kept in v.
 */
static void
form_read(struct req *rq, struct sform *v, struct valid_errors *errs)
{
	struct valid_value f[S__MAX];

	(void)valid_form_check(&rq->f, site_fields, S__MAX, f, errs);
	snprintf(v->name, sizeof(v->name), "%s", f[S_NAME].text);
	snprintf(v->kind, sizeof(v->kind), "%s", f[S_KIND].text);
	snprintf(v->organisation, sizeof(v->organisation), "%s",
	    f[S_ORG].text);
	snprintf(v->address, sizeof(v->address), "%s", f[S_ADDRESS].text);
	snprintf(v->postcode, sizeof(v->postcode), "%s", f[S_POSTCODE].text);
	snprintf(v->serves_text, sizeof(v->serves_text), "%s",
	    f[S_SERVES].text);
	/* "" (not recorded) or one of site_regions. */
	snprintf(v->region, sizeof(v->region), "%s",
	    f[S_REGION].bad ? "" : f[S_REGION].text);
	v->step_free = f[S_STEP_FREE].num == 1;
	v->active = f[S_ACTIVE].num == 1;
	v->kind_index = db_name_index(db_site_kind_names, SITE_KIND__MAX,
	    v->kind);
	if (!f[S_KIND].bad && v->kind_index < 0)
		valid_error_add(errs, "kind", site_fields[S_KIND].message);
	v->postcode_norm[0] = v->district[0] = '\0';
	if (!f[S_POSTCODE].bad && v->postcode[0] != '\0') {
		snprintf(v->postcode_norm, sizeof(v->postcode_norm), "%.8s",
		    f[S_POSTCODE].norm);
		if (valid_postcode_district(v->postcode_norm, v->district,
		    sizeof(v->district)) == -1)
			valid_error_add(errs, "postcode",
			    site_fields[S_POSTCODE].message);
	} else if (v->postcode[0] == '\0' && v->kind_index != SITE_ONLINE)
		valid_error_add(errs, "postcode",
		    site_fields[S_POSTCODE].message);
	if (!f[S_SERVES].bad && serves_read(v) == -1)
		valid_error_add(errs, "serves", site_fields[S_SERVES].message);
	/* The summary reads top to bottom; the hours come last. */
	valid_errors_sort(errs, site_fields, S__MAX);
	if (rf_ranges_read(&rq->f, "oh", 0, NULL, 0, &v->ranges) == -1)
		valid_error_add(errs, v->ranges.error_field, v->ranges.error);
	valid_values_free(f, S__MAX);
}

static void
form_post(struct app *app, struct req *rq, struct resp *rs, int64_t id)
{
	struct sform *v = xcalloc(1, sizeof(*v));
	struct db_week_range hours[RF_ROWS_MAX];
	const char *serves[SERVES_MAX];
	struct db_site_edit e;
	struct valid_errors errs;
	enum db_result r;
	char loc[96];
	int64_t newid;
	size_t i;

	memset(&errs, 0, sizeof(errs));
	v->id = id;
	form_read(rq, v, &errs);
	if (errs.n > 0) {
		show_form(app, rq, rs, 422, v, &errs);
		free(v);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.name = v->name;
	e.kind = v->kind_index;
	e.address = v->address;
	e.postcode = v->postcode_norm;
	e.district = v->district;
	e.organisation = v->organisation;
	e.region = v->region;
	e.step_free = v->step_free;
	e.active = v->active;
	for (i = 0; i < v->nserves; i++)
		serves[i] = v->serves[i];
	e.serves = serves;
	e.nserves = v->nserves;
	for (i = 0; i < v->ranges.n; i++) {
		memset(&hours[i], 0, sizeof(hours[i]));
		hours[i].day = v->ranges.rows[i].day_index;
		hours[i].start_min = v->ranges.rows[i].start_min;
		hours[i].end_min = v->ranges.rows[i].end_min;
	}
	e.hours = hours;
	e.nhours = v->ranges.n;
	r = db_site_save(app->db, &e, rq->user->id, rq->remote_addr, &newid);
	if (r == DB_OK) {
		snprintf(loc, sizeof(loc), "/sites/%lld?done=%s",
		    (long long)newid, id > 0 ? "saved" : "added");
		http_redirect(rs, loc);
	} else if (r == DB_CONFLICT)
		http_error(app, rs, 404, "There is no such site.");
	else {
		valid_error_add(&errs, "name", "The site could not be saved just "
		    "now. Nothing was changed; try again.");
		show_form(app, rq, rs, r == DB_INVALID ? 422 : 503, v, &errs);
	}
	free(v);
}

static void
on_form_hours(void *arg, const struct db_week_range *r)
{
	rf_ranges_add(arg, 0, r->day, r->start_min, r->end_min);
}

static void
on_form_district(void *arg, int64_t site_id, const char *district)
{
	struct sform *v = arg;
	size_t n = strlen(v->serves_text);

	(void)site_id;
	snprintf(v->serves_text + n, sizeof(v->serves_text) - n, "%s%s",
	    n > 0 ? ", " : "", district);
}

/* Site rq->id[0] into rec; 0, or -1 having answered 404 or 503. */
static int
site_load(struct app *app, const struct req *rq, struct resp *rs,
    void *rec)
{
	int rc;

	if ((rc = db_site_get(app->db, rq->id[0], rec)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "There is no such site." : "This site cannot be shown "
		    "just now. Try again in a minute.");
		return -1;
	}
	return 0;
}

/*
 * Fills v for the form: site id (rq->id[0]) as saved, or a new one's
 * first values when id is 0.  0, or -1 having answered 404 or 503.
 */
static int
form_fill(struct app *app, struct req *rq, struct resp *rs, int64_t id,
    struct sform *v)
{
	struct db_site_rec s;
	int k;

	if ((v->id = id) == 0) {
		snprintf(v->kind, sizeof(v->kind), "community_venue");
		v->active = 1;
		/* A new place is often open on weekdays: a start. */
		for (k = 0; k < 5; k++)
			rf_ranges_add(&v->ranges, 0, k, 9 * 60, 17 * 60);
		return 0;
	}
	if (site_load(app, rq, rs, &s) == -1)
		return -1;
	snprintf(v->name, sizeof(v->name), "%s", s.name);
	snprintf(v->kind, sizeof(v->kind), "%s", db_site_kind_names[s.kind]);
	snprintf(v->organisation, sizeof(v->organisation), "%s",
	    s.organisation);
	snprintf(v->address, sizeof(v->address), "%s", s.address);
	snprintf(v->postcode, sizeof(v->postcode), "%s", s.postcode);
	snprintf(v->region, sizeof(v->region), "%s", s.region);
	v->step_free = s.step_free;
	v->active = s.active;
	if (db_site_hours_each(app->db, v->id, on_form_hours,
	    &v->ranges) == -1 ||
	    db_site_districts_each(app->db, v->id, on_form_district, v) == -1) {
		http_error(app, rs, 503, "The form cannot be shown just now. "
		    "Try again in a minute.");
		return -1;
	}
	return 0;
}

/* The form of site id, or of a new site when id is 0. */
static void
site_form_show(struct app *app, struct req *rq, struct resp *rs,
    int64_t id)
{
	struct sform *v = xcalloc(1, sizeof(*v));

	if (form_fill(app, rq, rs, id, v) == 0)
		show_form(app, rq, rs, 200, v, NULL);
	free(v);
}

void
page_site_new_get(struct app *app, struct req *rq, struct resp *rs)
{
	site_form_show(app, rq, rs, 0);
}

void
page_site_new_post(struct app *app, struct req *rq, struct resp *rs)
{
	form_post(app, rq, rs, 0);
}

void
page_site_edit_get(struct app *app, struct req *rq, struct resp *rs)
{
	site_form_show(app, rq, rs, rq->id[0]);
}

/* The site must be there. */
void
page_site_edit_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_site_rec s;

	if (site_load(app, rq, rs, &s) == 0)
		form_post(app, rq, rs, rq->id[0]);
}

static void
site_get(struct app *app, struct req *rq, struct resp *rs, const void *s)
{
	show_site(app, rq, rs, 200, s, NULL, NULL);
}

static const struct app_record site_page = {
	sizeof(struct db_site_rec), site_load, site_get, site_post
};

void
page_site_get(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_get(app, rq, rs, &site_page);
}

void
page_site_post(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_post(app, rq, rs, &site_page);
}

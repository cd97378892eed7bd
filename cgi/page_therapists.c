/*
 * page_therapists: therapists, their caseloads, availability and leave.
 *
 *   GET  /therapists            every therapist: caseload against the
 *                               places they have, hours booked a week
 *                               against their hours, leave today
 *   GET  /therapists/new        the form for a new therapist
 *   POST /therapists/new        name, user_id ("" for none), specialisms
 *                               (repeatable need names), languages
 *                               (comma-separated), max_caseload (0-200),
 *                               max_hours (0-60), active (yes), and the
 *                               availability rows av_site, av_day,
 *                               av_start, av_end (records_form.h);
 *                               303 to the therapist's page, or 422 with
 *                               every value kept
 *   GET  /therapists/ID         their caseload, weekly availability,
 *                               leave to come; a therapist may open
 *                               their own page and no one else's
 *   GET  /therapists/ID/edit    the form, filled in
 *   POST /therapists/ID/edit    as /therapists/new
 *   POST /therapists/ID         action=leave_add (first_day, last_day,
 *                               reason) or action=leave_delete (leave_id)
 *
 * Route table: /therapists needs ACT_RECORDS_VIEW; /therapists/ needs
 * only a signed-in user for GET (this file checks ACT_RECORDS_VIEW or the
 * therapist's own record) and ACT_RECORDS_EDIT for POST.  Every change
 * is audited by db/records.c; opening a caseload is audited here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/records_form.h"
#include "cgi/valid.h"
#include "core/offer.h"
#include "core/rules.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "db/staff.h"
#include "ical/ical.h"
#include "templates/tmpl.h"

#define NAME_MAX_LEN	100
#define LANG_MAX_LEN	200

static void
today(const struct app *app, char out[11])
{
	if (ical_utc_to_local(app_tz(app), time(NULL), out, NULL, NULL) == -1)
		snprintf(out, 11, "1970-01-01");
}

/* Sites for the availability rows' choices, active ones first. */
struct site_list {
	struct rf_choice	 v[256];
	size_t			 n;
};

static void
on_site(void *arg, const struct db_site_rec *s)
{
	struct site_list *l = arg;

	if (l->n == sizeof(l->v) / sizeof(l->v[0]))
		return;
	l->v[l->n].id = s->id;
	snprintf(l->v[l->n].name, sizeof(l->v[0].name), "%.110s%s",
	    s->name, s->active ? "" : " (closed)");
	l->n++;
}

static const char *
site_name(const struct site_list *l, int64_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return l->v[i].name;
	return "a site no longer listed";
}

/* ---- the list ---- */

struct list_ctx {
	struct tmpl_data	*d;
	struct buf		 tmp;
	const char		*today;
	struct app		*app;
	long			 places, used;
	int			 n;
};

static void
on_leave_today(void *arg, const struct db_period *p)
{
	struct tmpl_data *e = arg;

	tmpl_data_set(e, "leave_until", p->last_day);
}

static void
list_row(void *arg, const struct db_therapist *t)
{
	struct list_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "rows");
	int week = core_rule_minutes_a_week(t->booked_min, CORE_WINDOW_DAYS);

	tmpl_data_setf(e, "id", "%lld", (long long)t->id);
	tmpl_data_set(e, "name", t->name);
	tmpl_data_set(e, "login", t->user_email);
	app_needs_text(t->specialisms, &c->tmp);
	tmpl_data_set(e, "specialisms", buf_cstr(&c->tmp));
	tmpl_data_set(e, "languages", t->languages);
	tmpl_data_setf(e, "caseload", "%d", t->caseload);
	tmpl_data_setf(e, "max_caseload", "%d", t->max_caseload);
	tmpl_data_setf(e, "free", "%d", t->max_caseload > t->caseload ?
	    t->max_caseload - t->caseload : 0);
	tmpl_data_bool(e, "full", t->caseload >= t->max_caseload);
	tmpl_data_setf(e, "hours", "%d.%d", (week * 10 + 30) / 600,
	    (week * 10 + 30) / 60 % 10);
	tmpl_data_setf(e, "max_hours", "%d", t->max_hours);
	tmpl_data_bool(e, "active", t->active);
	if (db_leave_each(c->app->db, t->id, c->today, c->today,
	    on_leave_today, e) == -1)
		tmpl_data_set(e, "leave_until", NULL);
	if (t->active) {
		c->places += t->max_caseload;
		c->used += t->caseload;
	}
	c->n++;
}

void
page_therapists(struct app *app, struct req *rq, struct resp *rs)
{
	struct list_ctx c;
	char day[11];
	time_t now = time(NULL);

	memset(&c, 0, sizeof(c));
	today(app, day);
	c.today = day;
	c.app = app;
	c.d = app_staff_data(app, rq, "Therapists");
	tmpl_data_list(c.d, "rows");
	if (db_therapists_each(app->db, now, now + (time_t)CORE_WINDOW_DAYS *
	    86400, list_row, &c) == -1) {
		tmpl_data_free(c.d);
		buf_free(&c.tmp);
		http_error(app, rs, 503, "The therapists cannot be shown just "
		    "now. Try again in a minute.");
		return;
	}
	tmpl_data_bool(c.d, "has_rows", c.n > 0);
	tmpl_data_setf(c.d, "places", "%ld", c.places);
	tmpl_data_setf(c.d, "used", "%ld", c.used);
	tmpl_data_setf(c.d, "free", "%ld", c.places > c.used ?
	    c.places - c.used : 0);
	tmpl_data_bool(c.d, "can_edit", auth_can(rq->user->role,
	    ACT_RECORDS_EDIT));
	tmpl_data_bool(c.d, "can_assign", auth_can(rq->user->role,
	    ACT_ASSIGN));
	app_render(app, rs, 200, "therapists.html", c.d);
	tmpl_data_free(c.d);
	buf_free(&c.tmp);
}

/* ---- one therapist ---- */

struct show_ctx {
	struct tmpl_data	*d;
	struct site_list	*sites;
	int			 can_referrals;
	int			 can_edit;
	int			 nclients;
	int			 navailability;
};

static void
show_client(void *arg, const struct db_client *cl)
{
	struct show_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "clients");
	struct buf tmp = BUF_INIT;

	tmpl_data_setf(e, "referral_id", "%lld", (long long)cl->referral_id);
	tmpl_data_set(e, "ref", cl->ref);
	tmpl_data_set(e, "name", cl->name);
	tmpl_data_set(e, "status", status_labels[cl->status]);
	app_needs_text(cl->needs, &tmp);
	tmpl_data_set(e, "needs", buf_cstr(&tmp));
	tmpl_data_setn(e, "since", cl->started_at, 10);
	tmpl_data_bool(e, "link", c->can_referrals);
	buf_free(&tmp);
	c->nclients++;
}

static void
show_avail(void *arg, const struct db_week_range *r)
{
	struct show_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "availability");
	char a[6], b[6];

	rf_time_format(r->start_min, a);
	rf_time_format(r->end_min, b);
	tmpl_data_set(e, "day", r->day >= 0 && r->day < SLOT_DAYS ?
	    slot_day_labels[r->day] : "");
	tmpl_data_set(e, "start", a);
	tmpl_data_set(e, "end", b);
	tmpl_data_set(e, "site", site_name(c->sites, r->site_id));
	c->navailability++;
}

static void
show_leave(void *arg, const struct db_period *p)
{
	struct show_ctx *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "leave");

	tmpl_data_setf(e, "leave_id", "%lld", (long long)p->id);
	tmpl_data_set(e, "first_day", p->first_day);
	tmpl_data_set(e, "last_day", p->last_day);
	tmpl_data_set(e, "reason", p->reason);
	tmpl_data_bool(e, "can_edit", c->can_edit);
}

/*
 * After an assignment from a suggestion (query: client, site, room, day,
 * start, length), a link to book the weekly sessions there and then.
 */
static void
book_link(struct app *app, struct req *rq, const struct db_therapist *t,
    struct tmpl_data *d)
{
	const struct form *q = &rq->q;
	struct buf url = BUF_INIT;
	int64_t client, site, room = 0;
	int day, start, length;
	char hhmm[6];

	(void)app;
	if (!auth_can(rq->user->role, ACT_BOOK) ||
	    valid_id(form_get(q, "client"), &client) == -1)
		return;
	buf_printf(&url, "/series/new?client=%lld&therapist=%lld",
	    (long long)client, (long long)t->id);
	if (valid_id(form_get(q, "site"), &site) == 0 &&
	    valid_int(form_get(q, "day"), 0, 6, &day) == 0 &&
	    valid_int(form_get(q, "start"), 0, 1439, &start) == 0 &&
	    valid_int(form_get(q, "length"), SCHED_SESSION_SHORTEST,
	    SCHED_SESSION_LONGEST, &length) == 0) {
		if (form_get(q, "room") != NULL &&
		    strcmp(form_get(q, "room"), "0") != 0 &&
		    valid_id(form_get(q, "room"), &room) == -1)
			room = 0;
		rf_time_format(start, hhmm);
		buf_printf(&url, "&site=%lld&day_plus1=%d&start=%s&length=%d",
		    (long long)site, day + 1, hhmm, length);
		if (room > 0)
			buf_printf(&url, "&room=%lld", (long long)room);
		tmpl_data_setf(d, "book_when", "%ss at %s",
		    slot_day_labels[day], hhmm);
	}
	tmpl_data_set(d, "book_url", buf_cstr(&url));
	buf_free(&url);
}

/*
 * The therapist's page, with status and errs (NULL: none) and, after a
 * failed leave form, what was typed in it (leave; NULL: none).
 */
static void
show_therapist(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_therapist *t, const struct valid_errors *errs,
    const struct rf_period *leave)
{
	static const char *const notices[][2] = {
		{ "saved", "The therapist's details were saved." },
		{ "added", "The therapist was added." },
		{ "leave_added", "The leave was added." },
		{ "leave_removed", "The leave was removed." },
		{ "assigned", "The client was assigned and joins this "
		    "caseload. An email to the therapist is queued." },
		{ "assigned_noemail", "The client was assigned and joins this "
		    "caseload. The therapist has no log-in, so tell them "
		    "yourself." },
	};
	struct site_list *sites = xcalloc(1, sizeof(*sites));
	struct show_ctx c;
	struct buf tmp = BUF_INIT;
	const char *done = form_get(&rq->q, "done");
	char day[11];
	int week = core_rule_minutes_a_week(t->booked_min, CORE_WINDOW_DAYS);
	size_t i;

	memset(&c, 0, sizeof(c));
	c.d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: therapist" : t->name);
	c.sites = sites;
	c.can_referrals = auth_can(rq->user->role, ACT_REFERRAL_VIEW);
	c.can_edit = auth_can(rq->user->role, ACT_RECORDS_EDIT);
	today(app, day);
	tmpl_data_setf(c.d, "therapist_id", "%lld", (long long)t->id);
	tmpl_data_set(c.d, "name", t->name);
	tmpl_data_set(c.d, "login", t->user_email);
	app_needs_text(t->specialisms, &tmp);
	tmpl_data_set(c.d, "specialisms", buf_cstr(&tmp));
	tmpl_data_set(c.d, "languages", t->languages);
	tmpl_data_setf(c.d, "caseload", "%d", t->caseload);
	tmpl_data_setf(c.d, "max_caseload", "%d", t->max_caseload);
	tmpl_data_setf(c.d, "free", "%d", t->max_caseload > t->caseload ?
	    t->max_caseload - t->caseload : 0);
	tmpl_data_setf(c.d, "hours", "%d.%d", (week * 10 + 30) / 600,
	    (week * 10 + 30) / 60 % 10);
	tmpl_data_setf(c.d, "max_hours", "%d", t->max_hours);
	tmpl_data_bool(c.d, "active", t->active);
	tmpl_data_bool(c.d, "can_edit", c.can_edit);
	tmpl_data_bool(c.d, "can_assign", auth_can(rq->user->role,
	    ACT_ASSIGN));
	tmpl_data_list(c.d, "clients");
	tmpl_data_list(c.d, "availability");
	tmpl_data_list(c.d, "leave");
	if (db_sites_each(app->db, on_site, sites) == -1 ||
	    db_clients_each(app->db, t->id, 1, show_client, &c) == -1 ||
	    db_availability_each(app->db, t->id, show_avail, &c) == -1 ||
	    db_leave_each(app->db, t->id, day, NULL, show_leave, &c) == -1) {
		tmpl_data_free(c.d);
		free(sites);
		buf_free(&tmp);
		http_error(app, rs, 503, "This therapist's page cannot be "
		    "shown just now. Try again in a minute.");
		return;
	}
	tmpl_data_bool(c.d, "has_clients", c.nclients > 0);
	tmpl_data_bool(c.d, "has_availability", c.navailability > 0);
	for (i = 0; done != NULL && i < sizeof(notices) / sizeof(notices[0]);
	    i++)
		if (strcmp(done, notices[i][0]) == 0)
			tmpl_data_set(c.d, "notice", notices[i][1]);
	if (done != NULL && strncmp(done, "assigned", 8) == 0)
		book_link(app, rq, t, c.d);
	if (done != NULL && strcmp(done, "saved") == 0 &&
	    auth_can(rq->user->role, ACT_ASSIGN))
		page_offer_made(app, rq, c.d, t->id, t->name);
	if (errs != NULL)
		valid_errors_tmpl(c.d, errs);
	if (leave != NULL)
		rf_period_tmpl(c.d, leave);
	app_render(app, rs, status, "therapist.html", c.d);
	tmpl_data_free(c.d);
	free(sites);
	buf_free(&tmp);
}

static void
leave_post(struct app *app, struct req *rq, struct resp *rs,
    const struct db_therapist *t)
{
	const char *action = form_get(&rq->f, "action");
	struct valid_errors errs;
	struct rf_period p;
	char loc[96];
	enum db_result r;
	int64_t leave_id;

	memset(&errs, 0, sizeof(errs));
	memset(&p, 0, sizeof(p));
	if (action != NULL && strcmp(action, "leave_delete") == 0) {
		if (valid_id(form_get(&rq->f, "leave_id"), &leave_id) == -1) {
			http_error(app, rs, 400, "That is not something this "
			    "page can do.");
			return;
		}
		r = db_leave_delete(app->db, t->id, leave_id, rq->user->id,
		    rq->remote_addr);
		if (r == DB_CONFLICT) {
			valid_error_add(&errs, "leave", "That leave was already "
			    "removed.");
			show_therapist(app, rq, rs, 409, t, &errs, NULL);
			return;
		}
		if (r != DB_OK) {
			valid_error_add(&errs, "leave", "The leave could not be "
			    "removed just now. Try again.");
			show_therapist(app, rq, rs, 503, t, &errs, NULL);
			return;
		}
		snprintf(loc, sizeof(loc), "/therapists/%lld?done=leave_removed",
		    (long long)t->id);
		http_redirect(rs, loc);
		return;
	}
	if (action == NULL || strcmp(action, "leave_add") != 0) {
		http_error(app, rs, 400, "That is not something this page "
		    "can do.");
		return;
	}
	if (rf_period_read(&rq->f, &p, &errs) > 0) {
		show_therapist(app, rq, rs, 422, t, &errs, &p);
		goto out;
	}
	r = db_leave_add(app->db, t->id, p.first, p.last, p.reason,
	    rq->user->id, rq->remote_addr);
	if (r != DB_OK) {
		valid_error_add(&errs, "first_day", "The leave could not be saved "
		    "just now. Try again.");
		show_therapist(app, rq, rs, 503, t, &errs, &p);
		goto out;
	}
	/* On to the sessions it falls on, each with ready choices. */
	snprintf(loc, sizeof(loc), "/therapists/%lld/leave?done=added",
	    (long long)t->id);
	http_redirect(rs, loc);
out:
	rf_period_free(&p);
}

/* ---- the form ---- */

struct user_list {
	struct {
		int64_t	 id;
		char	 label[400];
	}	 v[256];
	size_t	 n;
};

static void
on_user(void *arg, int64_t id, const char *email, const char *role,
    const char *name, int active)
{
	struct user_list *l = arg;

	if (strcmp(role, "therapist") != 0 || !active ||
	    l->n == sizeof(l->v) / sizeof(l->v[0]))
		return;
	l->v[l->n].id = id;
	snprintf(l->v[l->n].label, sizeof(l->v[0].label), "%s (%s)", name,
	    email);
	l->n++;
}

/* What the form holds: a saved therapist's values or what was typed. */
struct tform {
	int64_t		 id;
	char		 name[DB_RECORD_NAME_LEN];
	int64_t		 user_id;
	unsigned	 specialisms;
	char		 languages[DB_RECORD_TEXT_LEN];
	char		 max_caseload[16];
	char		 max_hours[16];
	int		 active;
	struct rf_ranges ranges;
};

static void
form_avail(void *arg, const struct db_week_range *r)
{
	rf_ranges_add(arg, r->site_id, r->day, r->start_min, r->end_min);
}

static void
show_form(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct tform *v, const struct valid_errors *errs)
{
	struct user_list *users = xcalloc(1, sizeof(*users));
	struct site_list *sites = xcalloc(1, sizeof(*sites));
	struct tmpl_data *d, *e;
	size_t i;
	int k;

	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: therapist" : v->id > 0 ? "Change a therapist" :
	    "Add a therapist");
	if (db_user_each(app->db, on_user, users) == -1 ||
	    db_sites_each(app->db, on_site, sites) == -1) {
		tmpl_data_free(d);
		free(users);
		free(sites);
		http_error(app, rs, 503, "The form cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	if (v->id > 0) {
		tmpl_data_setf(d, "id", "%lld", (long long)v->id);
		tmpl_data_setf(d, "action", "/therapists/%lld/edit",
		    (long long)v->id);
	} else
		tmpl_data_set(d, "action", "/therapists/new");
	tmpl_data_set(d, "heading", v->id > 0 ? "Change a therapist" :
	    "Add a therapist");
	tmpl_data_set(d, "v_name", v->name);
	tmpl_data_bool(d, "no_user", v->user_id == 0);
	for (i = 0; i < users->n; i++) {
		e = tmpl_data_push(d, "users");
		tmpl_data_setf(e, "value", "%lld", (long long)users->v[i].id);
		tmpl_data_set(e, "label", users->v[i].label);
		tmpl_data_bool(e, "selected", users->v[i].id == v->user_id);
	}
	for (k = 0; k < NEED__MAX; k++) {
		e = tmpl_data_push(d, "needs");
		tmpl_data_set(e, "value", need_names[k]);
		tmpl_data_set(e, "label", need_labels[k]);
		tmpl_data_bool(e, "checked", v->specialisms & (1u << k));
	}
	tmpl_data_set(d, "v_languages", v->languages);
	tmpl_data_set(d, "v_max_caseload", v->max_caseload);
	tmpl_data_set(d, "v_max_hours", v->max_hours);
	tmpl_data_bool(d, "v_active", v->active);
	rf_ranges_tmpl(d, "rows", &v->ranges, sites->v, sites->n, 3);
	tmpl_data_bool(d, "has_sites", sites->n > 0);
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "therapist_form.html", d);
	tmpl_data_free(d);
	free(users);
	free(sites);
}

/* The therapist form's fields; the log-in, specialisms, languages and
 * availability rows have page rules. */
enum therapist_field { T_NAME, T_USER, T_SPECIALISMS, T_LANGUAGES,
	T_CASELOAD, T_HOURS, T_ACTIVE, T__MAX };
static const struct valid_field therapist_fields[T__MAX] = {
	{ "name", VALID_LINE, 1, 0, NAME_MAX_LEN, NULL, "name", "Name",
	    "Enter the therapist's name (up to 100 characters)." },
	{ "user_id", VALID_ID, 0, 0, 0, NULL, "user_id", "Log-in",
	    "Choose a therapist's log-in from the list, or no log-in." },
	{ "specialisms", VALID_MULTI, 0, 0, 32, NULL, "specialisms",
	    "Specialisms", "Choose specialisms only from the list." },
	{ "languages", VALID_LINE, 0, 0, LANG_MAX_LEN, NULL, "languages",
	    "Languages", "List the languages in up to 200 characters, with "
	    "commas between them." },
	{ "max_caseload", VALID_INT, 1, 0, 200, NULL, "max_caseload",
	    "Most clients", "Enter the most clients they can see, a whole "
	    "number from 0 to 200." },
	{ "max_hours", VALID_INT, 1, 0, 60, NULL, "max_hours",
	    "Most hours a week", "Enter the most hours a week they work "
	    "with clients, a whole number from 0 to 60." },
	{ "active", VALID_YES, 0, 0, 0, NULL, "active", "Active", NULL },
};

/* "english ,  Polish" into out as "english, Polish". */
static void
languages_tidy(const char *typed, char *out, size_t outlen)
{
	char langs[LANG_MAX_LEN + 1], *tok, *save;
	size_t n;

	snprintf(langs, sizeof(langs), "%s", typed);
	out[0] = '\0';
	for (tok = strtok_r(langs, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		n = strlen(tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = '\0';
		if (n == 0)
			continue;
		if (out[0] != '\0')
			strncat(out, ", ", outlen - strlen(out) - 1);
		strncat(out, tok, outlen - strlen(out) - 1);
	}
}

/*
 * Reads the posted form into v through the field table, then the rules
 * the table cannot say: a log-in from the list, specialisms from the
 * list, the availability rows.  Every typed value is kept in v.
 */
static void
form_read(struct app *app, struct req *rq, struct tform *v,
    struct valid_errors *errs)
{
	struct site_list *sites = xcalloc(1, sizeof(*sites));
	struct user_list *users = xcalloc(1, sizeof(*users));
	struct valid_value f[T__MAX];
	size_t i, n;
	int k, found;

	(void)db_sites_each(app->db, on_site, sites);
	(void)db_user_each(app->db, on_user, users);
	(void)valid_form_check(&rq->f, therapist_fields, T__MAX, f, errs);
	snprintf(v->name, sizeof(v->name), "%s", f[T_NAME].text);
	v->user_id = f[T_USER].bad ? 0 : (int64_t)f[T_USER].num;
	for (i = 0, found = 0; v->user_id > 0 && i < users->n; i++)
		found |= users->v[i].id == v->user_id;
	if (v->user_id > 0 && !found) {
		v->user_id = 0;
		valid_error_add(errs, "user_id",
		    therapist_fields[T_USER].message);
	}
	n = f[T_SPECIALISMS].bad ? 0 : (size_t)f[T_SPECIALISMS].num;
	for (i = 0; i < n; i++) {
		k = db_name_index(need_names, NEED__MAX,
		    form_get_nth(&rq->f, "specialisms", i));
		if (k < 0) {
			valid_error_add(errs, "specialisms",
			    therapist_fields[T_SPECIALISMS].message);
			break;
		}
		v->specialisms |= 1u << k;
	}
	languages_tidy(f[T_LANGUAGES].text, v->languages,
	    sizeof(v->languages));
	if (v->languages[0] == '\0' && errs->n == 0)
		snprintf(v->languages, sizeof(v->languages), "English");
	snprintf(v->max_caseload, sizeof(v->max_caseload), "%.15s",
	    f[T_CASELOAD].text);
	snprintf(v->max_hours, sizeof(v->max_hours), "%.15s",
	    f[T_HOURS].text);
	v->active = f[T_ACTIVE].num == 1;
	/* The summary reads top to bottom; the rows come last. */
	valid_errors_sort(errs, therapist_fields, T__MAX);
	if (rf_ranges_read(&rq->f, "av", 1, sites->v, sites->n,
	    &v->ranges) == -1)
		valid_error_add(errs, v->ranges.error_field, v->ranges.error);
	valid_values_free(f, T__MAX);
	free(sites);
	free(users);
}

/*
 * After therapist id was saved with a higher caseload limit or more
 * hours than before (was): the places their opened caseload makes
 * (core_places_caseload), added to loc for the page's notice.
 */
static void
caseload_opened(struct app *app, struct req *rq, int64_t id,
    const struct db_therapist *was, const struct db_therapist_edit *e,
    char *loc, size_t n)
{
	struct core_caseload got;
	struct core_ctx ctx;
	size_t i, len;

	if (was == NULL || (e->max_caseload <= was->max_caseload &&
	    e->max_hours <= was->max_hours))
		return;
	app_core_ctx(app, rq, &ctx);
	/* The details are saved either way; a failure is logged. */
	if (core_places_caseload(&ctx, id, was->max_caseload, was->max_hours,
	    &got) == -1 || got.opened == 0)
		return;
	len = strlen(loc);
	(void)snprintf(loc + len, n - len, "&opened=%d", got.opened);
	for (i = 0; i < got.nplaces; i++) {
		len = strlen(loc);
		(void)snprintf(loc + len, n - len, "&place=%lld",
		    (long long)got.place_ids[i]);
	}
}

static void
form_post(struct app *app, struct req *rq, struct resp *rs, int64_t id,
    const struct db_therapist *was)
{
	struct tform *v = xcalloc(1, sizeof(*v));
	struct db_week_range av[RF_ROWS_MAX];
	struct db_therapist_edit e;
	struct valid_errors errs;
	enum db_result r;
	char loc[192];
	int64_t newid;
	size_t i;

	memset(&errs, 0, sizeof(errs));
	v->id = id;
	form_read(app, rq, v, &errs);
	if (errs.n > 0) {
		show_form(app, rq, rs, 422, v, &errs);
		free(v);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.user_id = v->user_id;
	e.name = v->name;
	e.specialisms = v->specialisms;
	e.languages = v->languages;
	e.max_caseload = atoi(v->max_caseload);
	e.max_hours = atoi(v->max_hours);
	e.active = v->active;
	for (i = 0; i < v->ranges.n; i++) {
		memset(&av[i], 0, sizeof(av[i]));
		av[i].site_id = v->ranges.rows[i].site_id;
		av[i].day = v->ranges.rows[i].day_index;
		av[i].start_min = v->ranges.rows[i].start_min;
		av[i].end_min = v->ranges.rows[i].end_min;
	}
	e.availability = av;
	e.navailability = v->ranges.n;
	r = db_therapist_save(app->db, &e, rq->user->id, rq->remote_addr,
	    &newid);
	switch (r) {
	case DB_OK:
		snprintf(loc, sizeof(loc), "/therapists/%lld?done=%s",
		    (long long)newid, id > 0 ? "saved" : "added");
		caseload_opened(app, rq, newid, was, &e, loc, sizeof(loc));
		http_redirect(rs, loc);
		break;
	case DB_INVALID:
		valid_error_add(&errs, "user_id", "That log-in already belongs to "
		    "another therapist. Choose another, or no log-in.");
		show_form(app, rq, rs, 422, v, &errs);
		break;
	case DB_CONFLICT:
		http_error(app, rs, 404, "There is no such therapist.");
		break;
	default:
		valid_error_add(&errs, "name", "The therapist could not be saved "
		    "just now. Nothing was changed; try again.");
		show_form(app, rq, rs, 503, v, &errs);
		break;
	}
	free(v);
}

/* Therapist rq->id[0] into *t; 0, or -1 having answered 404 or 503. */
static int
therapist_load(struct app *app, const struct req *rq, struct resp *rs,
    struct db_therapist *t)
{
	time_t now = time(NULL);
	int rc;

	if ((rc = db_therapist_get(app->db, rq->id[0], now, now +
	    (time_t)CORE_WINDOW_DAYS * 86400, t)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "There is no such therapist." : "This therapist's page "
		    "cannot be shown just now. Try again in a minute.");
		return -1;
	}
	return 0;
}

/*
 * The form of therapist rq->id[0] as saved (edit) or a new therapist's
 * first values (!edit).
 */
static void
therapist_form_show(struct app *app, struct req *rq, struct resp *rs,
    int edit)
{
	struct db_therapist t;
	struct tform *v = xcalloc(1, sizeof(*v));

	memset(&t, 0, sizeof(t));
	snprintf(t.languages, sizeof(t.languages), "English");
	t.max_caseload = 20;
	t.max_hours = 30;
	t.active = 1;
	if (edit && therapist_load(app, rq, rs, &t) == -1)
		goto out;
	v->id = t.id;
	snprintf(v->name, sizeof(v->name), "%s", t.name);
	v->user_id = t.user_id;
	v->specialisms = t.specialisms;
	snprintf(v->languages, sizeof(v->languages), "%s", t.languages);
	snprintf(v->max_caseload, sizeof(v->max_caseload), "%d",
	    t.max_caseload);
	snprintf(v->max_hours, sizeof(v->max_hours), "%d", t.max_hours);
	v->active = t.active;
	if (t.id > 0 && db_availability_each(app->db, t.id, form_avail,
	    &v->ranges) == -1)
		http_error(app, rs, 503, "The form cannot be shown just now. "
		    "Try again in a minute.");
	else
		show_form(app, rq, rs, 200, v, NULL);
out:
	free(v);
}

void
page_therapist_new_get(struct app *app, struct req *rq, struct resp *rs)
{
	therapist_form_show(app, rq, rs, 0);
}

void
page_therapist_new_post(struct app *app, struct req *rq, struct resp *rs)
{
	form_post(app, rq, rs, 0, NULL);
}

void
page_therapist_edit_get(struct app *app, struct req *rq, struct resp *rs)
{
	therapist_form_show(app, rq, rs, 1);
}

/* Who must be there. */
void
page_therapist_edit_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_therapist t;

	if (therapist_load(app, rq, rs, &t) == 0)
		form_post(app, rq, rs, rq->id[0], &t);
}

void
page_therapist_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_therapist t;

	if (therapist_load(app, rq, rs, &t) == 0)
		leave_post(app, rq, rs, &t);
}

/*
 * A therapist's page.  The route lets any member of staff in; those
 * who may not see the records see only their own.
 */
void
page_therapist_get(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_therapist t;
	int64_t own = 0;
	int rc;

	if (!auth_can(rq->user->role, ACT_RECORDS_VIEW)) {
		rc = db_therapist_of_user(app->db, rq->user->id, &own);
		if (rc == -1) {
			http_error(app, rs, 503, "This page cannot be shown "
			    "just now. Try again in a minute.");
			return;
		}
		if (rc != 1 || own != rq->id[0]) {
			http_error(app, rs, 403, "Your account does not have "
			    "access to this page.");
			return;
		}
	}
	if (therapist_load(app, rq, rs, &t) == -1)
		return;
	(void)db_audit(app->db, rq->user->id, rq->remote_addr,
	    "therapist-view", 0, t.user_id, "opened a caseload");
	show_therapist(app, rq, rs, 200, &t, NULL, NULL);
}

/*
 * page_partner: a partner organisation's own page, and the closures
 * partners report as coordinators see them.
 *
 *   GET  /partner    partner: the week's sessions at the organisation's
 *                    sites (?week=YYYY-MM-DD, any day of it) and the
 *                    term's, the closures reported, the form to report
 *                    one, a link to refer someone; ?reported=ID after a
 *                    report shows the sessions it falls on
 *   POST /partner    action=closure: site, first_day, last_day (empty:
 *                    one day), reason (trip, exam, outbreak, inset_day,
 *                    other), detail; 303 to ?reported=ID, or 422 with
 *                    the form kept
 *   POST /partner    action=feed: site; a new calendar link for the
 *                    site's sessions (the old one stops working),
 *                    shown this once on the page
 *   POST /partner    action=survey: asks the organisation's staff (its
 *                    partner users) for feedback (core/survey.h); 303
 *                    to ?asked=N#feedback (N asked, 0: none was due)
 *   GET  /closures   coordinators: every reported closure, the proposed
 *                    first, each with the sessions it would cancel
 *
 * A session here shows its time, site, room, therapist and its group's
 * name or its client's initials; never needs, notes or contact details
 * (db/partner.c selects nothing else).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/local_day.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "core/survey.h"
#include "db/db.h"
#include "db/partner.h"
#include "db/survey.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "util/calendar.h"

#define DETAIL_MAX	200	/* bytes of a closure's description */
#define TERM_WEEKS	16	/* sessions shown ahead without a term */

/* "Monday 14 December 2026" for a YYYY-MM-DD; the text itself if not. */
static void
day_label(const char *ymd, char *out, size_t n)
{
	struct tm tm;
	int y, m, d;

	if (valid_date(ymd, &y, &m, &d) != 0) {
		snprintf(out, n, "%s", ymd);
		return;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	snprintf(out, n, "%s %d %s %d", calendar_day_names[(tm.tm_wday + 6) %
	    7], d, calendar_month_names[m - 1], y);
}

/* Pushes one session into list key of d. */
struct occ_list {
	struct tmpl_data	*d;
	const char		*key;
	size_t			 n;
};

static void
occ_push(void *arg, const struct db_partner_occ *o)
{
	struct occ_list *l = arg;
	struct tmpl_data *e = tmpl_data_push(l->d, l->key);
	time_t a = (time_t)o->start_utc, b = (time_t)o->end_utc;
	struct tm ta, tb;
	char day[11], label[64];

	localtime_r(&a, &ta);
	localtime_r(&b, &tb);
	strftime(day, sizeof(day), "%Y-%m-%d", &ta);
	day_label(day, label, sizeof(label));
	tmpl_data_set(e, "day", label);
	tmpl_data_setf(e, "time", "%02d:%02d to %02d:%02d", ta.tm_hour,
	    ta.tm_min, tb.tm_hour, tb.tm_min);
	tmpl_data_set(e, "site", o->site);
	tmpl_data_set(e, "room", o->room[0] != '\0' ? o->room : "Not set");
	tmpl_data_set(e, "therapist", o->therapist);
	tmpl_data_set(e, "who", o->who);
	tmpl_data_bool(e, "cancelled", strcmp(o->state, "cancelled") == 0);
	tmpl_data_bool(e, "moved", strcmp(o->state, "moved") == 0);
	l->n++;
}

/* A site of the page, with its calendar link when one was just made. */
struct site_list {
	struct app		*app;
	struct tmpl_data	*d;
};

static void
site_push(void *arg, int64_t id, const char *name)
{
	struct site_list *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "sites");

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "name", name);
	page_feed_fresh(c->app, e, FEED_SITE, id, "feed");
}

/* Sets *found when the site id (in arg's first slot) is listed. */
static void
site_find(void *arg, int64_t id, const char *name)
{
	int64_t *want = arg;

	(void)name;
	if (want[0] == id)
		want[1] = 1;
}

static const char *
reason_label(const char *name)
{
	int k = db_name_index(db_closure_reason_names, CLOSURE__MAX, name);

	return k >= 0 ? db_closure_reason_labels[k] : name;
}

struct report_list {
	struct app		*app;
	struct tmpl_data	*d;
	int			 with_sessions;
};

static void
report_push(void *arg, const struct db_closure_report *c)
{
	struct report_list *l = arg;
	struct tmpl_data *e = tmpl_data_push(l->d, "reports");
	struct occ_list ol;
	char a[64], b[64];

	day_label(c->first_day, a, sizeof(a));
	day_label(c->last_day, b, sizeof(b));
	tmpl_data_setf(e, "id", "%lld", (long long)c->id);
	if (strcmp(c->first_day, c->last_day) == 0)
		tmpl_data_set(e, "when", a);
	else
		tmpl_data_setf(e, "when", "%s to %s", a, b);
	tmpl_data_set(e, "site", c->site);
	tmpl_data_set(e, "organisation", c->organisation);
	tmpl_data_set(e, "reason", reason_label(c->reason));
	tmpl_data_set(e, "detail", c->detail);
	tmpl_data_set(e, "reported_by", c->reported_by);
	tmpl_data_set(e, "status", strcmp(c->status, "proposed") == 0 ?
	    "Waiting for a coordinator" : strcmp(c->status, "accepted") == 0 ?
	    "Accepted as a site closure" : "Not accepted");
	tmpl_data_bool(e, "proposed", strcmp(c->status, "proposed") == 0);
	/* For entering it as a site closure, prefilled. */
	tmpl_data_setf(e, "site_id", "%lld", (long long)c->site_id);
	tmpl_data_set(e, "first_day", c->first_day);
	tmpl_data_set(e, "last_day", c->last_day);
	tmpl_data_setf(e, "closure_reason", "%s%s%.*s", reason_label(c->reason),
	    c->detail[0] != '\0' ? ": " : "", 150, c->detail);
	if (!l->with_sessions)
		return;
	tmpl_data_list(e, "hits");
	ol.d = e;
	ol.key = "hits";
	ol.n = 0;
	(void)db_site_occ_each(l->app->db, c->site_id, c->first_day,
	    c->last_day, occ_push, &ol);
	tmpl_data_setf(e, "nhits", "%zu", ol.n);
	tmpl_data_bool(e, "one_hit", ol.n == 1);
	tmpl_data_bool(e, "has_hits", ol.n > 0);
}

/* The closure form's fields. */
enum cl_field { CL_SITE, CL_FIRST, CL_LAST, CL_REASON, CL_DETAIL, CL__MAX };
static const struct valid_field closure_fields[CL__MAX] = {
	{ "site", VALID_ID, 1, 0, 0, NULL, "site", "Site",
	    "Choose the site that will be closed" },
	{ "first_day", VALID_DATE, 1, 0, 0, NULL, "first_day", "First day",
	    "Enter the first day of the closure as a date, like 2027-03-15" },
	{ "last_day", VALID_DATE, 0, 0, 0, NULL, "last_day", "Last day",
	    "Enter the last day of the closure as a date, like 2027-03-19" },
	{ "reason", VALID_CHOICE, 1, 0, 0, db_closure_reason_names,
	    "reason-trip", "Reason", "Choose why the site will be closed" },
	{ "detail", VALID_LINE, 0, 0, DETAIL_MAX, NULL, "detail",
	    "More about it", "Say more in at most 200 characters" },
};

/*
 * The staff survey's part of the page: how many of the organisation's
 * staff were asked and answered, when last, and what ?asked= says.
 * 0, or -1.
 */
static int
partner_survey_tmpl(struct app *app, struct req *rq, struct tmpl_data *d,
    int64_t organisation_id)
{
	const char *asked = form_get(&rq->q, "asked");
	int64_t sent, answered;
	char last[21], label[64];
	int n;

	if (db_partner_survey_counts(app->db, organisation_id, &sent,
	    &answered, last) == -1)
		return -1;
	tmpl_data_setf(d, "survey_sent", "%lld", (long long)sent);
	tmpl_data_setf(d, "survey_answered", "%lld", (long long)answered);
	tmpl_data_bool(d, "survey_any", sent > 0);
	if (last[0] != '\0') {
		last[10] = '\0';
		day_label(last, label, sizeof(label));
		tmpl_data_set(d, "survey_last", label);
	}
	if (asked != NULL && valid_int(asked, 0, 100000, &n) == 0) {
		tmpl_data_bool(d, "survey_done", 1);
		if (n > 0)
			tmpl_data_setf(d, "survey_result", "Thank you. We "
			    "have emailed %d member%s of your staff a short "
			    "survey, each with their own link.", n, n == 1 ?
			    "" : "s");
		else
			tmpl_data_setf(d, "survey_result", "Nobody was asked "
			    "again: everyone on your staff list was asked in "
			    "the last %d days.", DB_SURVEY_AGAIN_DAYS);
	}
	return 0;
}

/*
 * The partner's page: status and errs (NULL: none) with the closure
 * form's typed values kept.
 */
static void
partner_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct valid_errors *errs, const struct valid_value *vals)
{
	const struct user *u = rq->user;
	struct tmpl_data *d;
	struct occ_list ol;
	struct report_list rl;
	struct site_list sl;
	const char *week = form_get(&rq->q, "week");
	const char *reported = form_get(&rq->q, "reported");
	char org[128], today[11], tname[64], tfirst[11], tlast[11];
	char label[64], label2[64], wfirst[11];
	time_t now = time(NULL);
	struct tm tm;
	int64_t wstart, wend, from, to, rid = 0;
	int y, m, dd, k, rc;

	if (u->organisation_id <= 0 || (rc = db_organisation_name(app->db,
	    u->organisation_id, org, sizeof(org))) == 0) {
		http_error(app, rs, 403, "Your account is not linked to a "
		    "partner organisation. Ask the service to link it.");
		return;
	}
	if (rc == -1) {
		http_error(app, rs, 503, "This page cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: our sessions" : "Our sessions");
	tmpl_data_set(d, "organisation", org);

	/* The week: Monday to Sunday holding ?week=, or today. */
	localtime_r(&now, &tm);
	if (week != NULL && valid_date(week, &y, &m, &dd) == 0) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = dd;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		(void)mktime(&tm);
	}
	k = (tm.tm_wday + 6) % 7;
	wstart = local_day_midnight(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - k);
	wend = local_day_midnight(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - k + 7);
	local_day_ymd(wstart, wfirst);
	day_label(wfirst, label, sizeof(label));
	tmpl_data_set(d, "week_label", label);
	local_day_ymd(wstart - 3 * 86400, label2);
	tmpl_data_set(d, "week_prev", label2);
	local_day_ymd(wend + 3 * 86400, label2);
	tmpl_data_set(d, "week_next", label2);
	tmpl_data_list(d, "week");
	ol.d = d;
	ol.key = "week";
	ol.n = 0;
	rc = db_partner_occ_each(app->db, u->organisation_id, wstart, wend,
	    occ_push, &ol);
	tmpl_data_bool(d, "week_empty", ol.n == 0);

	/* The term: the one under way or the next; else weeks ahead. */
	local_day_ymd((int64_t)now, today);
	from = (int64_t)now;
	if (db_partner_term(app->db, u->organisation_id, today, tname, tfirst,
	    tlast) == 1 && valid_date(tlast, &y, &m, &dd) == 0) {
		to = local_day_midnight(y, m, dd + 1);
		day_label(tlast, label, sizeof(label));
		tmpl_data_setf(d, "term_title", "%s: sessions to %s", tname,
		    label);
		day_label(tfirst, label, sizeof(label));
		day_label(tlast, label2, sizeof(label2));
		tmpl_data_setf(d, "term_dates", "%s runs from %s to %s.",
		    tname, label, label2);
	} else {
		to = from + (int64_t)TERM_WEEKS * 7 * 86400;
		tmpl_data_setf(d, "term_title", "Sessions in the next %d weeks",
		    TERM_WEEKS);
	}
	tmpl_data_list(d, "term");
	ol.key = "term";
	ol.n = 0;
	if (rc == 0)
		rc = db_partner_occ_each(app->db, u->organisation_id, from, to,
		    occ_push, &ol);
	tmpl_data_bool(d, "term_empty", ol.n == 0);

	/* The closure form. */
	tmpl_data_list(d, "sites");
	sl.app = app;
	sl.d = d;
	if (rc == 0)
		rc = db_partner_sites(app->db, u->organisation_id, site_push,
		    &sl);
	for (k = 0; k < CLOSURE__MAX; k++) {
		struct tmpl_data *e = tmpl_data_push(d, "reasons");

		tmpl_data_set(e, "value", db_closure_reason_names[k]);
		tmpl_data_set(e, "label", db_closure_reason_labels[k]);
		tmpl_data_bool(e, "checked", vals != NULL &&
		    !vals[CL_REASON].bad && vals[CL_REASON].text != NULL &&
		    strcmp(vals[CL_REASON].text,
		    db_closure_reason_names[k]) == 0);
	}
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	if (vals != NULL)
		valid_values_tmpl(d, closure_fields, CL__MAX, vals);

	/* Reported closures; the one just made, with its sessions. */
	if (reported != NULL)
		(void)valid_id(reported, &rid);
	tmpl_data_list(d, "reports");
	rl.app = app;
	rl.d = d;
	rl.with_sessions = 1;
	if (rc == 0)
		rc = db_closure_report_each(app->db, u->organisation_id,
		    report_push, &rl);
	tmpl_data_setf(d, "reported", "%lld", (long long)rid);
	tmpl_data_bool(d, "just_reported", rid > 0);
	if (rc == 0)
		rc = partner_survey_tmpl(app, rq, d, u->organisation_id);
	{
		struct buf q = BUF_INIT;

		buf_url(&q, org, strlen(org));
		tmpl_data_set(d, "refer_org", buf_cstr(&q));
		buf_free(&q);
	}
	if (rc != 0) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "This page cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	app_render(app, rs, status, "partner.html", d);
	tmpl_data_free(d);
}

void
page_partner_get(struct app *app, struct req *rq, struct resp *rs)
{
	partner_show(app, rq, rs, 200, NULL, NULL);
}

/* A new calendar link for one of the partner's sites, shown once. */
static void
partner_feed_post(struct app *app, struct req *rq, struct resp *rs)
{
	int64_t want[2] = { 0, 0 };
	int rc;

	if (valid_id(form_get(&rq->f, "site"), &want[0]) == -1 ||
	    rq->user->organisation_id <= 0 ||
	    db_partner_sites(app->db, rq->user->organisation_id, site_find,
	    want) == -1 || want[1] == 0) {
		http_error(app, rs, 422, "Choose one of your sites.");
		return;
	}
	if ((rc = page_feed_new(app, rq, FEED_SITE, want[0])) != 0) {
		http_error(app, rs, rc == 1 ? 404 : 503, rc == 1 ?
		    "There is no such site." : "The link could not be made "
		    "now. Please try again.");
		return;
	}
	partner_show(app, rq, rs, 200, NULL, NULL);
	page_feed_forget();
}

/* Asks the organisation's staff for feedback, then back to the page. */
static void
partner_survey_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct core_ctx ctx;
	char why[CORE_WHY_LEN], loc[64];
	int sent = 0;

	app_core_ctx(app, rq, &ctx);
	if (core_partner_survey_send(&ctx, rq->user->organisation_id, &sent,
	    why, sizeof(why)) != DB_OK) {
		http_error(app, rs, 503, why);
		return;
	}
	snprintf(loc, sizeof(loc), "/partner?asked=%d#feedback", sent);
	http_redirect(rs, loc);
}

void
page_partner_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *action = form_get(&rq->f, "action");
	struct valid_value v[CL__MAX];
	struct valid_errors errs;
	enum db_result r;
	const char *last;
	char loc[64];
	int64_t id;

	if (action != NULL && strcmp(action, "feed") == 0) {
		partner_feed_post(app, rq, rs);
		return;
	}
	if (action != NULL && strcmp(action, "survey") == 0) {
		partner_survey_post(app, rq, rs);
		return;
	}
	if (action == NULL || strcmp(action, "closure") != 0) {
		http_error(app, rs, 400, "This form could not be read. Go "
		    "back, reload the page and try again.");
		return;
	}
	memset(&errs, 0, sizeof(errs));
	memset(v, 0, sizeof(v));
	(void)valid_form_check(&rq->f, closure_fields, CL__MAX, v, &errs);
	last = v[CL_LAST].text != NULL && *v[CL_LAST].text != '\0' ?
	    v[CL_LAST].text : v[CL_FIRST].text;
	if (!v[CL_FIRST].bad && !v[CL_LAST].bad && last != NULL &&
	    strcmp(last, v[CL_FIRST].text) < 0)
		valid_error_add(&errs, "last_day", "The last day must be on "
		    "or after the first day");
	if (errs.n > 0) {
		valid_errors_sort(&errs, closure_fields, CL__MAX);
		partner_show(app, rq, rs, 422, &errs, v);
		valid_values_free(v, CL__MAX);
		return;
	}
	r = db_closure_report_add(app->db, rq->user->organisation_id,
	    (int64_t)v[CL_SITE].num, v[CL_FIRST].text, last,
	    (enum closure_reason)v[CL_REASON].num, v[CL_DETAIL].text,
	    rq->user->id, rq->remote_addr, &id);
	if (r == DB_INVALID) {
		valid_error_add(&errs, "site", "Choose one of your sites");
		partner_show(app, rq, rs, 422, &errs, v);
	} else if (r != DB_OK) {
		valid_error_add(&errs, "site", "The closure could not be sent "
		    "just now. Try again in a minute");
		partner_show(app, rq, rs, 503, &errs, v);
	} else {
		snprintf(loc, sizeof(loc), "/partner?reported=%lld#reported",
		    (long long)id);
		http_redirect(rs, loc);
	}
	valid_values_free(v, CL__MAX);
}

/* Finds one waiting report of one site for page_closure_report_push. */
struct report_find {
	struct report_list	 rl;
	int64_t			 id;
	int64_t			 site_id;
	int			 found;
};

static void
report_find(void *arg, const struct db_closure_report *c)
{
	struct report_find *f = arg;

	if (c->id != f->id || c->site_id != f->site_id ||
	    strcmp(c->status, "proposed") != 0)
		return;
	report_push(&f->rl, c);
	f->found = 1;
}

int
page_closure_report_push(struct app *app, struct tmpl_data *d,
    int64_t report_id, int64_t site_id)
{
	struct report_find f;

	memset(&f, 0, sizeof(f));
	f.rl.app = app;
	f.rl.d = d;
	f.rl.with_sessions = 1;
	f.id = report_id;
	f.site_id = site_id;
	tmpl_data_list(d, "reports");
	if (db_closure_report_each(app->db, 0, report_find, &f) != 0)
		return -1;
	return f.found;
}

void
page_closures(struct app *app, struct req *rq, struct resp *rs)
{
	struct tmpl_data *d = app_staff_data(app, rq, "Closures reported by "
	    "partners");
	struct report_list rl;

	tmpl_data_list(d, "reports");
	rl.app = app;
	rl.d = d;
	rl.with_sessions = 1;
	if (db_closure_report_each(app->db, 0, report_push, &rl) != 0) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "This page cannot be shown just now. "
		    "Try again in a minute.");
		return;
	}
	app_render(app, rs, 200, "closures.html", d);
	tmpl_data_free(d);
}

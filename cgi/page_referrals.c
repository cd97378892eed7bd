/*
 * page_referrals: the coordinator's queue and one referral's page.
 *
 *   GET  /referrals        the queue: counts per state; filters status
 *                          (a state, "open" (default) or "all"), need,
 *                          site, from, to (YYYY-MM-DD), q (code, name or
 *                          postcode), sort ("newest"; default longest
 *                          waiting first), page
 *   GET  /referrals/ID     everything the person told us, the history,
 *                          notes, the audit lines, and the actions
 *   POST /referrals/ID     action=move (from, to, reason) or
 *                          action=note (body); 303 back on success, 422
 *                          with what was typed on a problem
 *
 * Every view and change is written to the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "core/core.h"
#include "core/offer.h"
#include "core/self.h"
#include "db/contacts.h"
#include "db/db.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "db/staff.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define PER_PAGE	50
#define REASON_MAX	1000
#define NOTE_MAX	4000

/* Days between an ISO time "YYYY-MM-DD..." and now. */
static long
days_since(const char *iso)
{
	struct tm tm;
	time_t then;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	then = timegm(&tm);
	return (long)((time(NULL) - then) / 86400);
}

/* "2026-11-24T22:00:00Z" -> "24 Nov 2026, 22:00" in local time. */
static void
when(const char *iso, char *out, size_t n)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		snprintf(out, n, "%s", iso);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(out, n, "%e %b %Y, %H:%M", &tm);
	if (out[0] == ' ')
		memmove(out, out + 1, strlen(out));
}

/* Appends "&name=value" (URL-escaped) to a query being built. */
static void
qarg(struct buf *q, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_putc(q, q->len ? '&' : '?');
	buf_puts(q, name);
	buf_putc(q, '=');
	buf_url(q, value, strlen(value));
}

/*
 * When a waiting person was last asked whether they still want a place
 * (the waitlist check): "Checked 3 Nov 2026", "Not checked yet", or
 * "Check overdue" when their last answer (or, with none, the day they
 * joined the list) is more than weeks old.
 */
static void
queue_checked(struct tmpl_data *e, const struct db_queue_row *r,
    long weeks)
{
	const char *since = r->last_checked[0] != '\0' ? r->last_checked :
	    r->waitlisted_at[0] != '\0' ? r->waitlisted_at : r->created_at;
	char day[32], text[64];

	if (r->status != ST_WAITLISTED)
		return;
	if (days_since(since) > weeks * 7) {
		if (r->last_checked[0] != '\0') {
			(void)calendar_date_text(r->last_checked,
			    CALENDAR_SHORT, day, sizeof(day));
			snprintf(text, sizeof(text), "Check overdue (last "
			    "checked %s)", day);
			tmpl_data_set(e, "checked", text);
		} else
			tmpl_data_set(e, "checked", "Check overdue");
		tmpl_data_bool(e, "check_overdue", 1);
	} else if (r->last_checked[0] != '\0') {
		(void)calendar_date_text(r->last_checked, CALENDAR_SHORT, day,
		    sizeof(day));
		snprintf(text, sizeof(text), "Checked %s", day);
		tmpl_data_set(e, "checked", text);
	} else
		tmpl_data_set(e, "checked", "Not checked yet");
}

static void
queue(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_queue_filter f;
	struct db_queue_row rows[PER_PAGE];
	struct db_site *sites = NULL;
	struct tmpl_data *d, *e;
	struct buf q = BUF_INIT, tmp = BUF_INIT;
	int64_t counts[STATUS__MAX], total, open = 0, all = 0;
	const char *status = form_get(&rq->q, "status");
	const char *need = form_get(&rq->q, "need");
	const char *site = form_get(&rq->q, "site");
	const char *from = form_get(&rq->q, "from");
	const char *to = form_get(&rq->q, "to");
	const char *search = form_get(&rq->q, "q");
	const char *sort = form_get(&rq->q, "sort");
	const char *page = form_get(&rq->q, "page");
	char refq[16], date[32];
	size_t nrows, nsites = 0, i;
	long pg = 1, pages, weeks;
	int k, bad = 0;

	memset(&f, 0, sizeof(f));
	f.status = -1;
	f.need = -1;
	f.limit = PER_PAGE;
	if (status != NULL && *status != '\0' && strcmp(status, "open") != 0) {
		if (strcmp(status, "all") == 0)
			f.all = 1;
		else if ((f.status = db_name_index(status_names, STATUS__MAX,
		    status)) < 0)
			bad = 1;
	}
	if (need != NULL && *need != '\0' &&
	    (f.need = db_name_index(need_names, NEED__MAX, need)) < 0)
		bad = 1;
	if (site != NULL && *site != '\0' &&
	    valid_id(site, &f.site) == -1)
		bad = 1;
	if (from != NULL && *from != '\0') {
		if (valid_date(from, NULL, NULL, NULL) == 0)
			f.from = from;
		else
			bad = 1;
	}
	if (to != NULL && *to != '\0') {
		if (valid_date(to, NULL, NULL, NULL) == 0)
			f.to = to;
		else
			bad = 1;
	}
	if (search != NULL && *search != '\0') {
		if (strlen(search) > 100 ||
		    !valid_utf8_text(search, strlen(search)))
			bad = 1;
		else {
			f.q = search;
			if (valid_refcode_check(search, refq,
			    sizeof(refq)) == 0)
				f.ref = refq;
		}
	}
	f.newest_first = sort != NULL && strcmp(sort, "newest") == 0;
	if (page != NULL && (pg = strtol(page, NULL, 10)) < 1)
		pg = 1;
	if (pg > 100000)
		pg = 100000;
	f.offset = (int)((pg - 1) * PER_PAGE);

	if (db_status_counts(app->db, counts) == -1 ||
	    db_queue(app->db, &f, rows, &nrows, &total) == -1 ||
	    db_sites_list(app->db, &sites, &nsites) == -1) {
		http_error(app, rs, 503, "The queue cannot be shown just now. "
		    "Try again in a minute.");
		goto out;
	}
	(void)db_audit(app->db, rq->user->id, rq->remote_addr, "queue", 0, 0,
	    search != NULL && *search != '\0' ? "searched the queue" :
	    "viewed the queue");

	if ((weeks = db_setting_int(app->db, "waitlist_check_weeks",
	    CORE_WAITLIST_CHECK_WEEKS)) < 1)
		weeks = CORE_WAITLIST_CHECK_WEEKS;
	d = app_staff_data(app, rq, "Referrals");
	for (k = 0; k < STATUS__MAX; k++) {
		all += counts[k];
		if (db_status_open((enum status)k))
			open += counts[k];
	}
	e = tmpl_data_push(d, "tabs");
	tmpl_data_set(e, "value", "open");
	tmpl_data_set(e, "label", "Open");
	tmpl_data_setf(e, "count", "%lld", (long long)open);
	tmpl_data_bool(e, "current", f.status < 0 && !f.all);
	for (k = 0; k < STATUS__MAX; k++) {
		e = tmpl_data_push(d, "tabs");
		tmpl_data_set(e, "value", status_names[k]);
		tmpl_data_set(e, "label", status_labels[k]);
		tmpl_data_setf(e, "count", "%lld", (long long)counts[k]);
		tmpl_data_bool(e, "current", f.status == k);
	}
	e = tmpl_data_push(d, "tabs");
	tmpl_data_set(e, "value", "all");
	tmpl_data_set(e, "label", "All");
	tmpl_data_setf(e, "count", "%lld", (long long)all);
	tmpl_data_bool(e, "current", f.all);

	tmpl_data_set(d, "status", status);
	tmpl_data_set(d, "q", search);
	tmpl_data_set(d, "from", from);
	tmpl_data_set(d, "to", to);
	tmpl_data_bool(d, "sort_newest", f.newest_first);
	tmpl_data_bool(d, "bad_filter", bad);
	for (k = 0; k < NEED__MAX; k++) {
		e = tmpl_data_push(d, "needs");
		tmpl_data_set(e, "value", need_names[k]);
		tmpl_data_set(e, "label", need_labels[k]);
		tmpl_data_bool(e, "selected", f.need == k);
	}
	for (i = 0; i < nsites; i++) {
		e = tmpl_data_push(d, "sites");
		tmpl_data_setf(e, "id", "%lld", (long long)sites[i].id);
		tmpl_data_set(e, "name", sites[i].name);
		tmpl_data_bool(e, "selected", f.site == sites[i].id);
	}
	for (i = 0; i < nrows; i++) {
		e = tmpl_data_push(d, "rows");
		tmpl_data_setf(e, "id", "%lld", (long long)rows[i].id);
		tmpl_data_set(e, "ref", rows[i].ref);
		tmpl_data_set(e, "name", rows[i].name);
		tmpl_data_set(e, "postcode", rows[i].postcode);
		tmpl_data_set(e, "status", status_names[rows[i].status]);
		tmpl_data_set(e, "status_label", status_labels[rows[i].status]);
		app_needs_text(rows[i].needs, &tmp);
		tmpl_data_set(e, "needs", buf_cstr(&tmp));
		when(rows[i].created_at, date, sizeof(date));
		tmpl_data_set(e, "received", date);
		tmpl_data_setf(e, "waiting", "%ld", days_since(
		    rows[i].created_at));
		tmpl_data_set(e, "source", db_source_label(rows[i].source));
		queue_checked(e, &rows[i], weeks);
	}
	tmpl_data_bool(d, "has_rows", nrows > 0);
	tmpl_data_setf(d, "total", "%lld", (long long)total);
	pages = (long)((total + PER_PAGE - 1) / PER_PAGE);
	if (pages < 1)
		pages = 1;
	tmpl_data_setf(d, "page", "%ld", pg);
	tmpl_data_setf(d, "pages", "%ld", pages);

	/* Links to the pages before and after keep every filter. */
	qarg(&q, "status", status);
	qarg(&q, "need", need);
	qarg(&q, "site", site);
	qarg(&q, "from", from);
	qarg(&q, "to", to);
	qarg(&q, "q", search);
	qarg(&q, "sort", sort);
	if (pg > 1) {
		buf_reset(&tmp);
		buf_printf(&tmp, "/referrals%s%spage=%ld", buf_cstr(&q),
		    q.len ? "&" : "?", pg - 1);
		tmpl_data_set(d, "prev", buf_cstr(&tmp));
	}
	if (pg < pages) {
		buf_reset(&tmp);
		buf_printf(&tmp, "/referrals%s%spage=%ld", buf_cstr(&q),
		    q.len ? "&" : "?", pg + 1);
		tmpl_data_set(d, "next", buf_cstr(&tmp));
	}
	page_client_queue_lists(app, rq, d);	/* work ended, sickness */
	app_render(app, rs, 200, "referrals.html", d);
	tmpl_data_free(d);
out:
	db_sites_free(sites, nsites);
	buf_free(&q);
	buf_free(&tmp);
}

void
page_referrals(struct app *app, struct req *rq, struct resp *rs)
{
	queue(app, rq, rs);
}

/* Callbacks that turn history, notes and audit lines into list items. */

static void
add_event(void *arg, const char *at, const char *user, const char *from,
    const char *to, const char *reason)
{
	struct tmpl_data *e = tmpl_data_push(arg, "events");
	char date[32];
	int k;

	when(at, date, sizeof(date));
	tmpl_data_set(e, "at", date);
	tmpl_data_set(e, "user", *user ? user : "The person themselves");
	if ((k = db_name_index(status_names, STATUS__MAX, from)) >= 0)
		tmpl_data_set(e, "from", status_labels[k]);
	if ((k = db_name_index(status_names, STATUS__MAX, to)) >= 0)
		tmpl_data_set(e, "to", status_labels[k]);
	tmpl_data_set(e, "reason", reason);
}

static void
add_note(void *arg, const char *at, const char *user, const char *body)
{
	struct tmpl_data *e = tmpl_data_push(arg, "notes");
	char date[32];

	when(at, date, sizeof(date));
	tmpl_data_set(e, "at", date);
	tmpl_data_set(e, "user", user);
	tmpl_data_set(e, "body", body);
}

static void
add_audit(void *arg, const char *at, const char *user, const char *addr,
    const char *action, const char *ref, const char *detail)
{
	struct tmpl_data *e = tmpl_data_push(arg, "audit");
	char date[32];

	(void)ref;
	when(at, date, sizeof(date));
	tmpl_data_set(e, "at", date);
	tmpl_data_set(e, "user", user);
	tmpl_data_set(e, "addr", addr);
	tmpl_data_set(e, "action", action);
	tmpl_data_set(e, "detail", detail);
}

/* The status change form's fields. */
enum move_field { M_TO, M_REASON, M__MAX };
static const struct valid_field move_fields[M__MAX] = {
	{ "to", VALID_LINE, 1, 0, 32, NULL, NULL, "New status",
	    "Choose the new status" },
	{ "reason", VALID_LINES, 1, 0, REASON_MAX, NULL, NULL, "Reason",
	    "Give a reason for the change: it stays in the referral's "
	    "history" },
};

/* The note form's one field. */
static const struct valid_field note_field = {
	"body", VALID_LINES, 1, 0, NOTE_MAX, NULL, NULL, "Note",
	"Write the note before adding it"
};

/*
 * The referral's page, with the problems in errs (NULL or none: the
 * page as it is) in the error summary and by their fields.
 */
static void
show_referral_errors(struct app *app, struct req *rq, struct resp *rs,
    int status, const struct db_referral_rec *rec,
    const struct valid_errors *errs)
{
	const struct db_referral *r = &rec->r;
	struct tmpl_data *d, *e, *day, *slot;
	struct buf tmp = BUF_INIT;
	char date[32];
	const char *done = form_get(&rq->q, "done");
	size_t i;
	int k, p;

	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: referral" : "Referral");
	tmpl_data_setf(d, "id", "%lld", (long long)r->id);
	tmpl_data_set(d, "ref", r->ref);
	tmpl_data_set(d, "status", status_names[rec->status]);
	tmpl_data_set(d, "status_label", status_labels[rec->status]);
	tmpl_data_set(d, "given_name", r->given_name);
	tmpl_data_set(d, "family_name", r->family_name);
	tmpl_data_set(d, "email", r->email);
	tmpl_data_set(d, "phone", r->phone);
	tmpl_data_set(d, "postcode", r->postcode);
	(void)calendar_date_text(r->date_of_birth, CALENDAR_LONG, date,
	    sizeof(date));
	tmpl_data_set(d, "date_of_birth", date);
	tmpl_data_set(d, "preferred_contact", strcmp(r->preferred_contact,
	    "phone") == 0 ? "Phone" : "Email");
	tmpl_data_bool(d, "voicemail_ok", r->voicemail_ok);
	tmpl_data_set(d, "about", r->about);
	app_needs_text(r->needs, &tmp);
	tmpl_data_set(d, "needs", buf_cstr(&tmp));
	k = db_name_index(session_type_names, SESSION_TYPE__MAX,
	    r->session_type);
	tmpl_data_set(d, "session_type", k >= 0 ? session_type_labels[k] :
	    r->session_type);
	tmpl_data_bool(d, "online_ok", r->online_ok);
	tmpl_data_set(d, "access_needs", r->access_needs);
	tmpl_data_set(d, "language", r->language);
	tmpl_data_bool(d, "interpreter", r->interpreter);
	tmpl_data_set(d, "gp_practice", r->gp_practice);
	tmpl_data_set(d, "emergency_name", r->emergency_name);
	tmpl_data_set(d, "emergency_phone", r->emergency_phone);
	tmpl_data_bool(d, "consent_contact", r->consent_contact);
	tmpl_data_set(d, "source", db_source_label(r->source));
	tmpl_data_set(d, "source_detail", rec->source_detail);
	page_contacts_tmpl(app, d, r->id);
	when(rec->created_at, date, sizeof(date));
	tmpl_data_set(d, "received", date);
	tmpl_data_setf(d, "waiting", "%ld", days_since(rec->created_at));
	for (i = 0; i < r->nsites; i++) {
		e = tmpl_data_push(d, "sites");
		tmpl_data_set(e, "name", rec->site_names[i]);
	}
	for (p = 0; p < SLOT_PARTS; p++) {
		e = tmpl_data_push(d, "parts");
		tmpl_data_set(e, "label", slot_part_labels[p]);
	}
	for (k = 0; k < SLOT_DAYS; k++) {
		day = tmpl_data_push(d, "days");
		tmpl_data_set(day, "label", slot_day_labels[k]);
		for (p = 0; p < SLOT_PARTS; p++) {
			slot = tmpl_data_push(day, "slots");
			tmpl_data_bool(slot, "on", r->availability &
			    (1u << (k * SLOT_PARTS + p)));
		}
	}

	/* The moves that make sense from here. */
	for (k = 0; k < STATUS__MAX; k++) {
		if (!db_status_move_ok(rec->status, (enum status)k))
			continue;
		tmpl_data_bool(d, "has_moves", 1);
		e = tmpl_data_push(d, "moves");
		tmpl_data_set(e, "value", status_names[k]);
		tmpl_data_set(e, "label", status_labels[k]);
		tmpl_data_bool(e, "selected", form_get(&rq->f, "to") != NULL &&
		    strcmp(form_get(&rq->f, "to"), status_names[k]) == 0);
	}
	tmpl_data_bool(d, "can_change", auth_can(rq->user->role,
	    ACT_REFERRAL_CHANGE));
	tmpl_data_bool(d, "can_match", (rec->status == ST_TRIAGED ||
	    rec->status == ST_WAITLISTED) && auth_can(rq->user->role,
	    ACT_ASSIGN));	/* the "Find matches" link (page_matches.c) */
	tmpl_data_set(d, "v_reason", form_get(&rq->f, "reason"));
	tmpl_data_set(d, "v_body", form_get(&rq->f, "body"));
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	if (done != NULL && strcmp(done, "moved") == 0)
		tmpl_data_set(d, "notice", "The status was changed.");
	else if (done != NULL && strcmp(done, "noted") == 0)
		tmpl_data_set(d, "notice", "Your note was added.");
	else if (done != NULL && strcmp(done, "booking-undone") == 0)
		tmpl_data_set(d, "notice", "The booking was undone: its "
		    "sessions are removed, no email about them was sent, and "
		    "the referral is back where it was.");
	else if (done != NULL && strcmp(done, "booking-undone-already") == 0)
		tmpl_data_set(d, "notice", "That booking was undone already. "
		    "Nothing more was changed.");
	(void)db_referral_events(app->db, r->id, add_event, d);
	(void)db_notes(app->db, r->id, add_note, d);
	(void)db_audit_each(app->db, r->id, 50, 0, add_audit, d);
	app_render(app, rs, status, "referral.html", d);
	tmpl_data_free(d);
	buf_free(&tmp);
}

/* The page with one problem, linked to the field error_field. */
static void
show_referral(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_referral_rec *rec, const char *error,
    const char *error_field)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	if (error != NULL)
		valid_error_add(&errs, error_field, error);
	show_referral_errors(app, rq, rs, status, rec, &errs);
}

static void
referral_post(struct app *app, struct req *rq, struct resp *rs,
    struct db_referral_rec *rec)
{
	const char *action = form_get(&rq->f, "action");
	const char *from = form_get(&rq->f, "from");
	const char *text;
	struct valid_value v[M__MAX];
	struct valid_errors errs;
	struct core_ctx ctx;
	char loc[64];
	enum db_result res;
	int f, t;

	memset(&errs, 0, sizeof(errs));
	memset(v, 0, sizeof(v));
	if (action != NULL && strcmp(action, "note") == 0) {
		if (valid_form_check(&rq->f, &note_field, 1, v, &errs) > 0) {
			show_referral_errors(app, rq, rs, 422, rec, &errs);
			goto out;
		}
		if (db_note_add(app->db, rec->r.id, rq->user->id, v[0].text,
		    rq->remote_addr) == -1) {
			show_referral(app, rq, rs, 503, rec, "The note could "
			    "not be saved just now. Try again.", "body");
			goto out;
		}
		snprintf(loc, sizeof(loc), "/referrals/%lld?done=noted",
		    (long long)rec->r.id);
		http_redirect(rs, loc);
		goto out;
	}
	if (action == NULL || strcmp(action, "move") != 0) {
		http_error(app, rs, 400, "That is not something this page "
		    "can do.");
		return;
	}
	(void)valid_form_check(&rq->f, move_fields, M__MAX, v, &errs);
	f = db_name_index(status_names, STATUS__MAX, from ? from : "");
	t = db_name_index(status_names, STATUS__MAX, v[M_TO].text);
	if (!v[M_TO].bad && t < 0)
		valid_error_add(&errs, "to", "Choose the new status");
	if (errs.n > 0) {
		show_referral_errors(app, rq, rs, 422, rec, &errs);
		goto out;
	}
	text = v[M_REASON].text;
	if (f < 0)
		f = rec->status;
	res = db_referral_move(app->db, rec->r.id, (enum status)f,
	    (enum status)t, rq->user->id, text, rq->remote_addr);
	/* Off a caseload: the therapist's place and weekly time are free,
	 * ready to offer (core_places_freed_by). */
	if (res == DB_OK && (f == ST_MATCHED || f == ST_ACTIVE) &&
	    t != ST_ACTIVE) {
		app_core_ctx(app, rq, &ctx);
		if (core_places_freed_by(&ctx, rec->r.id) == -1)
			fprintf(stderr, "referrals: %lld: its freed place was "
			    "not made\n", (long long)rec->r.id);
	}
	switch (res) {
	case DB_OK:
		snprintf(loc, sizeof(loc), "/referrals/%lld?done=moved",
		    (long long)rec->r.id);
		http_redirect(rs, loc);
		goto out;
	case DB_INVALID:
		show_referral(app, rq, rs, 422, rec, "That change of status "
		    "is not possible from here.", "to");
		goto out;
	case DB_CONFLICT:
		show_referral(app, rq, rs, 409, rec,
		    "Someone else changed this referral's status while you "
		    "were looking. Check the history below, then try again.",
		    "to");
		goto out;
	default:
		show_referral(app, rq, rs, 503, rec, "The change could not be "
		    "saved just now. Try again.", "reason");
		goto out;
	}
out:
	valid_values_free(v, M__MAX);
}

/* Referral rq->id[0] into *rec; 0, or -1 having answered 404 or 503. */
static int
referral_load(struct app *app, const struct req *rq, struct resp *rs,
    struct db_referral_rec **rec)
{
	int rc;

	if ((rc = db_referral_load(app->db, rq->id[0], rec)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "There is no such referral." : "The referral cannot be "
		    "shown just now. Try again in a minute.");
		return -1;
	}
	return 0;
}

void
page_referral_get(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_referral_rec *rec;

	if (referral_load(app, rq, rs, &rec) == -1)
		return;
	(void)db_audit(app->db, rq->user->id, rq->remote_addr, "view",
	    rec->r.id, 0, "opened the referral");
	show_referral(app, rq, rs, 200, rec, NULL, NULL);
	db_referral_rec_free(rec);
}

void
page_referral_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_referral_rec *rec;

	if (referral_load(app, rq, rs, &rec) == -1)
		return;
	referral_post(app, rq, rs, rec);
	db_referral_rec_free(rec);
}

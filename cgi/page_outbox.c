/*
 * page_outbox: the administrators' view of the email outbox.
 *
 *   GET  /admin/outbox   the number of emails in each state, and the
 *                        emails newest first, OUTBOX_PAGE a page:
 *                        status (queued | sending | sent | failed |
 *                        dropped; absent: all), before (an id: the page
 *                        below it), done (retried | notfailed | resumed |
 *                        retriedall | sentnow | notwaiting: a notice), n
 *                        (how many, for retriedall and sentnow)
 *   POST /admin/outbox   action=retry, id: queues a failed email again,
 *                        due now with its tries counted from zero;
 *                        action=retry_since, since (seconds: 3600, 86400,
 *                        604800 or 2592000): the same for every email
 *                        that failed since then;
 *                        action=send_now, id (0: every one): a queued
 *                        email waiting for a later try is due now, its
 *                        tries unchanged;
 *                        action=resume: sending paused by the mailer
 *                        (the server refused several emails in a row
 *                        with the same reply) starts again.
 *                        Each 303s back with a notice.
 *
 * Each row shows its kind, recipient, state, tries, next try (queued) or
 * lease (sending), the server's whole last reply, and when it was queued
 * and sent.  A row shows the referral's reference but no name or
 * content: emails are rendered only when sent.  When the mailer paused
 * sending, the page says so first, with the server's reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/outbox.h"
#include "db/staff.h"
#include "templates/tmpl.h"

#define OUTBOX_PAGE	50

/* The states, their labels and the status class that colours them. */
static const struct {
	const char	*name;
	const char	*label;
	const char	*class;
} states[] = {
	{ "queued", "Queued", "new" },
	{ "sending", "Sending", "triaged" },
	{ "sent", "Sent", "active" },
	{ "failed", "Failed", "declined" },
	{ "dropped", "Not sent", "closed" },
};
#define NSTATES	(sizeof(states) / sizeof(states[0]))

/* What each kind of email is, for people. */
static const char *const kind_labels[][2] = {
	{ "referral_ack", "Referral received (to the client)" },
	{ "referrer_update", "Update to the person who referred them" },
	{ "referral_new", "New referral (to a coordinator)" },
	{ "therapist_assigned", "New client (to a therapist)" },
	{ "booking_confirmation", "Sessions booked" },
	{ "session_cancelled", "Session cancelled" },
	{ "session_moved", "Session moved" },
	{ "session_reinstated", "Session back on" },
	{ "reminder", "Session reminder" },
	{ "outcome_survey", "Outcome survey" },
	{ "therapist_agenda", "Daily agenda (to a therapist)" },
	{ "sessions_stopped", "Sessions stopped (to the client)" },
	{ "client_stopped", "A client stopped (to staff)" },
	{ "family_survey", "Family and carer survey (to a contact)" },
	{ "partner_survey", "Partner staff survey" },
};

static const char *
kind_label(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kind_labels) / sizeof(kind_labels[0]); i++)
		if (strcmp(kind_labels[i][0], kind) == 0)
			return kind_labels[i][1];
	return kind;
}

/* The index of status in states, or -1. */
static int
state_index(const char *status)
{
	size_t i;

	for (i = 0; status != NULL && i < NSTATES; i++)
		if (strcmp(states[i].name, status) == 0)
			return (int)i;
	return -1;
}

/* "2026-03-04T10:00:00Z" as "2026-03-04 10:00:00"; "" stays "". */
static void
show_time(struct tmpl_data *e, const char *key, const char *iso)
{
	char t[21];

	(void)snprintf(t, sizeof(t), "%s", iso);
	if (strlen(t) == 20 && t[10] == 'T' && t[19] == 'Z') {
		t[10] = ' ';
		t[19] = '\0';
	}
	tmpl_data_set(e, key, t);
}

static void
add_row(struct tmpl_data *d, const struct db_outbox *o, const char *now)
{
	struct tmpl_data *e = tmpl_data_push(d, "rows");
	int k = state_index(o->status);

	tmpl_data_setf(e, "id", "%lld", (long long)o->id);
	tmpl_data_set(e, "kind", kind_label(o->kind));
	tmpl_data_set(e, "ref", o->referral_ref);
	tmpl_data_set(e, "to", o->to_addr);
	tmpl_data_set(e, "state", k >= 0 ? states[k].label : o->status);
	tmpl_data_set(e, "class", k >= 0 ? states[k].class : "closed");
	tmpl_data_setf(e, "attempts", "%d", o->attempts);
	if (strcmp(o->status, "queued") == 0)
		show_time(e, "next", o->not_before);
	else if (strcmp(o->status, "sending") == 0)
		show_time(e, "next", o->lease_until);
	else
		tmpl_data_set(e, "next", "");
	tmpl_data_set(e, "last_error", o->last_error);
	show_time(e, "created", o->created_at);
	show_time(e, "sent", o->sent_at);
	tmpl_data_bool(e, "failed", strcmp(o->status, "failed") == 0);
	tmpl_data_bool(e, "waiting", strcmp(o->status, "queued") == 0 &&
	    strcmp(o->not_before, now) > 0);
}

static void
outbox_show(struct app *app, struct req *rq, struct resp *rs,
    const char *notice)
{
	const char *status = form_get(&rq->q, "status");
	const char *before = form_get(&rq->q, "before");
	struct db_outbox_counts c;
	struct db_outbox *v = NULL;
	struct tmpl_data *d, *e;
	int64_t counts[NSTATES], id = 0, total;
	char now[21], since[21], reason[512];
	size_t n = 0, i;
	int k, paused;

	k = state_index(status);
	if (k < 0)
		status = NULL;
	if (valid_id(before, &id) == -1)
		id = 0;
	db_now(now);
	if (db_outbox_count(app->db, &c) == -1 ||
	    (paused = db_outbox_pause_get(app->db, since, sizeof(since),
	    reason, sizeof(reason))) == -1 ||
	    db_outbox_list(app->db, status, id, OUTBOX_PAGE, &v, &n) == -1) {
		http_error(app, rs, 503, "The outbox cannot be shown just now.");
		return;
	}
	counts[0] = c.queued;
	counts[1] = c.sending;
	counts[2] = c.sent;
	counts[3] = c.failed;
	counts[4] = c.dropped;
	total = c.queued + c.sending + c.sent + c.failed + c.dropped;

	d = app_staff_data(app, rq, "Outbox");
	tmpl_data_set(d, "notice", notice);
	if (paused == 1) {
		e = tmpl_data_push(d, "paused");
		show_time(e, "since", since);
		tmpl_data_set(e, "reason", reason);
	}
	tmpl_data_bool(d, "has_failed", c.failed > 0);
	tmpl_data_bool(d, "has_queued", c.queued > 0);
	e = tmpl_data_push(d, "tabs");
	tmpl_data_set(e, "value", NULL);
	tmpl_data_set(e, "label", "All");
	tmpl_data_setf(e, "count", "%lld", (long long)total);
	tmpl_data_bool(e, "current", k < 0);
	for (i = 0; i < NSTATES; i++) {
		e = tmpl_data_push(d, "tabs");
		tmpl_data_set(e, "value", states[i].name);
		tmpl_data_set(e, "label", states[i].label);
		tmpl_data_setf(e, "count", "%lld", (long long)counts[i]);
		tmpl_data_bool(e, "current", (int)i == k);
	}
	tmpl_data_set(d, "caption", k >= 0 ? states[k].label : "All emails");
	for (i = 0; i < n; i++)
		add_row(d, &v[i], now);
	tmpl_data_bool(d, "has_rows", n > 0);
	if (n == OUTBOX_PAGE) {
		if (k >= 0)
			tmpl_data_setf(d, "older", "/admin/outbox?status=%s&"
			    "before=%lld", states[k].name,
			    (long long)v[n - 1].id);
		else
			tmpl_data_setf(d, "older", "/admin/outbox?before=%lld",
			    (long long)v[n - 1].id);
	}
	db_outbox_list_free(v, n);
	app_render(app, rs, 200, "admin_outbox.html", d);
	tmpl_data_free(d);
}

/* The audit line of this request's action, its detail a count. */
static void
outbox_audit_line(struct db_audit_line *a, const struct req *rq,
    const char *action)
{
	memset(a, 0, sizeof(*a));
	a->user_id = rq->user->id;
	a->addr = rq->remote_addr;
	a->action = action;
}

/* The periods "retry every email failed since" offers, in seconds. */
static const long since_choices[] = { 3600, 86400, 604800, 2592000 };

/* Answers action=retry_since: every email failed in the period again. */
static void
outbox_retry_since(struct app *app, struct req *rq, struct resp *rs)
{
	const char *text = form_get(&rq->f, "since");
	long secs = text != NULL ? strtol(text, NULL, 10) : 0;
	struct db_audit_line audit;
	char now[21], since[21], to[80];
	time_t t;
	struct tm tm;
	size_t i;
	int n;

	for (i = 0; i < sizeof(since_choices) / sizeof(since_choices[0]); i++)
		if (since_choices[i] == secs)
			break;
	if (i == sizeof(since_choices) / sizeof(since_choices[0])) {
		http_error(app, rs, 400, "Choose how far back to look.");
		return;
	}
	t = time(NULL) - secs;
	(void)gmtime_r(&t, &tm);
	(void)strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	db_now(now);
	outbox_audit_line(&audit, rq, "outbox-retry");
	if ((n = db_outbox_retry_since_audited(app->db, since, now,
	    &audit)) == -1) {
		http_error(app, rs, 503, "The emails could not be queued again "
		    "just now. Try again.");
		return;
	}
	(void)snprintf(to, sizeof(to), "/admin/outbox?status=queued&"
	    "done=retriedall&n=%d", n);
	http_redirect(rs, to);
}

/* Answers action=send_now: a waiting email (id 0: all) is due now. */
static void
outbox_send_now(struct app *app, struct req *rq, struct resp *rs,
    int64_t id)
{
	struct db_audit_line audit;
	char now[21], to[80];
	int n;

	db_now(now);
	outbox_audit_line(&audit, rq, "outbox-send-now");
	if ((n = db_outbox_send_now_audited(app->db, id, now,
	    &audit)) == -1) {
		http_error(app, rs, 503, "The email could not be sent now. "
		    "Try again.");
		return;
	}
	if (n == 0) {
		http_redirect(rs, "/admin/outbox?status=queued&done=notwaiting");
		return;
	}
	(void)snprintf(to, sizeof(to), "/admin/outbox?status=queued&"
	    "done=sentnow&n=%d", n);
	http_redirect(rs, to);
}

void
page_admin_outbox_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *action = form_get(&rq->f, "action");
	const char *idtext = form_get(&rq->f, "id");
	struct db_audit_line audit;
	int64_t id = -1;
	char now[21], detail[64];
	int rc;

	/* An outbox row's id, or 0 ("send every one now"); else -1. */
	if (idtext != NULL && strcmp(idtext, "0") == 0)
		id = 0;
	else if (valid_id(idtext, &id) == -1)
		id = -1;
	if (action != NULL && strcmp(action, "retry_since") == 0) {
		outbox_retry_since(app, rq, rs);
		return;
	}
	if (action != NULL && strcmp(action, "send_now") == 0 && id >= 0) {
		outbox_send_now(app, rq, rs, id);
		return;
	}
	if (action != NULL && strcmp(action, "resume") == 0) {
		outbox_audit_line(&audit, rq, "outbox-resume");
		audit.detail = "resumed sending";
		if (db_outbox_pause_clear_audited(app->db, &audit) == -1) {
			http_error(app, rs, 503, "Sending could not be resumed "
			    "just now. Try again.");
			return;
		}
		http_redirect(rs, "/admin/outbox?done=resumed");
		return;
	}
	if (action == NULL || strcmp(action, "retry") != 0 || id <= 0) {
		http_error(app, rs, 400, "That is not something this page can "
		    "do.");
		return;
	}
	db_now(now);
	(void)snprintf(detail, sizeof(detail), "queued email %lld again",
	    (long long)id);
	outbox_audit_line(&audit, rq, "outbox-retry");
	audit.detail = detail;
	if ((rc = db_outbox_retry_audited(app->db, id, now, &audit)) == -1) {
		http_error(app, rs, 503, "The email could not be queued again "
		    "just now. Try again.");
		return;
	}
	if (rc == 0) {
		http_redirect(rs, "/admin/outbox?status=failed&done=notfailed");
		return;
	}
	http_redirect(rs, "/admin/outbox?status=failed&done=retried");
}

void
page_admin_outbox_get(struct app *app, struct req *rq, struct resp *rs)
{
	const char *done = form_get(&rq->q, "done"), *notice = NULL;
	const char *ntext = form_get(&rq->q, "n");
	char counted[160];
	long n = ntext != NULL ? strtol(ntext, NULL, 10) : 0;

	if (done != NULL && strcmp(done, "retried") == 0)
		notice = "The email is queued again: the mailer sends it "
		    "within a few seconds.";
	else if (done != NULL && strcmp(done, "notfailed") == 0)
		notice = "That email had not failed (or no longer exists), so "
		    "nothing was changed.";
	else if (done != NULL && strcmp(done, "resumed") == 0)
		notice = "Sending has started again.";
	else if (done != NULL && strcmp(done, "notwaiting") == 0)
		notice = "No email was waiting for a later try, so nothing "
		    "was changed.";
	else if (done != NULL && (strcmp(done, "retriedall") == 0 ||
	    strcmp(done, "sentnow") == 0)) {
		(void)snprintf(counted, sizeof(counted), "%ld %s %s: the "
		    "mailer sends %s within a few seconds.", n < 0 ? 0 : n,
		    n == 1 ? "email is" : "emails are",
		    strcmp(done, "sentnow") == 0 ? "due now" : "queued again",
		    n == 1 ? "it" : "them");
		notice = counted;
	}
	outbox_show(app, rq, rs, notice);
}

/*
 * page_client: the client record, one page a person (their referral's id).
 *
 *   GET  /clients/:id   the referral as told and its corrections, how to
 *                       reach them, the status and its history, the
 *                       therapists and series, every session with what
 *                       happened, session notes (with earlier texts),
 *                       goals, the closing summary, the emails to or about
 *                       them, outcome answers, and (coordinators and
 *                       administrators) who has opened the record.
 *                       ?done= (note, goal, summary, edited) a notice.
 *   GET  /clients/:id/emails/:id  one email of theirs (an outbox row):
 *                       subject, to, when, state and its text as the
 *                       mailer writes it from the records now, personal
 *                       links left out; the same readers as the record.
 *   POST /clients/:id   action=note: series=, date=, body=, reason= (a
 *                       correction), shared=1 (a group's shared note);
 *                       action=goal: body=, start=, review=;
 *                       action=summary: worked_on=, outcome=, onward=.
 *   POST /clients/:id/edit  correct the referral (coordinators and
 *                       administrators, during triage): needs=
 *                       (repeated), session_type=, reason=.
 *
 * Coordinators and administrators open every record; a therapist only
 * the records of people on their caseload now or before (anyone else
 * gets 403).  Every view is audited: notes are health data.  Notes are
 * written by the therapist who held the session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/form.h"
#include "cgi/valid.h"
#include "db/client.h"
#include "db/db.h"
#include "db/outbox.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "db/staff.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "util/calendar.h"

/* Labels for stored values the record shows. */
static const char *const occ_state_names[] = { "booked", "moved",
	"cancelled" };
static const char *const occ_state_labels[] = { "Booked", "Moved",
	"Cancelled" };
static const char *const by_names[] = { "client", "therapist", "service" };
static const char *const by_labels[] = { "by the client",
	"by the therapist", "by the service" };
static const char *const email_kind_names[] = { "referral_ack",
	"referral_new", "therapist_assigned", "booking_confirmation",
	"session_cancelled", "session_moved", "session_reinstated",
	"reminder", "outcome_survey", "therapist_agenda", "family_survey" };
static const char *const email_kind_labels[] = {
	"We have your referral", "New referral (to a coordinator)",
	"New client (to the therapist)", "Your sessions are booked",
	"A session is cancelled", "A session has moved",
	"A session is back on", "Reminder of a session",
	"How was music therapy?", "Daily agenda (to the therapist)",
	"Family and carer survey (to a contact)" };
static const char *const email_state_names[] = { "queued", "sending",
	"sent", "failed", "dropped" };
static const char *const email_state_labels[] = { "Waiting to be sent",
	"Being sent", "Sent", "Could not be sent", "Not sent (no longer "
	"true)" };
static const char *const answer_names[] = { "agree", "unsure", "disagree",
	"na" };
static const char *const answer_labels[] = { "Agree", "Not sure",
	"Disagree", "Does not apply" };

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* The label of value in names, or value itself when unknown. */
static const char *
label_of(const char *const *names, const char *const *labels, size_t n,
    const char *value)
{
	int k = db_name_index(names, n, value);

	return k >= 0 ? labels[k] : value;
}

/* What one view of a record needs while it is being built. */
struct client_view {
	struct app		*app;
	struct tmpl_data	*d;
	int64_t			 referral_id;
	int64_t			 my_therapist;	/* 0: not a therapist */
	time_t			 now;
	int			 nsessions;
	int			 coming;
};

/* "2026-11-24T22:00:00Z" -> "24 Nov 2026, 22:00" in the service's zone. */
static void
when_text(const char *tz, const char *iso, char *out, size_t n)
{
	struct tm tm;
	char date[11], hhmm[6], day[24];
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		(void)calendar_date_text(iso, CALENDAR_SHORT, out, n);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (ical_utc_to_local(tz, t, date, hhmm, NULL) == -1) {
		(void)snprintf(out, n, "%s", iso);
		return;
	}
	(void)calendar_date_text(date, CALENDAR_SHORT, day, sizeof(day));
	(void)snprintf(out, n, "%s, %s", day, hhmm);
}

static void
add_spell(void *arg, const struct db_client_spell *c)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "spells");
	char t[40];

	tmpl_data_set(e, "therapist", c->therapist);
	(void)calendar_date_text(c->started_at, CALENDAR_SHORT, t, sizeof(t));
	tmpl_data_set(e, "from", t);
	if (c->ended_at[0] != '\0') {
		(void)calendar_date_text(c->ended_at, CALENDAR_SHORT, t,
		    sizeof(t));
		tmpl_data_set(e, "to", t);
		tmpl_data_set(e, "end_reason", c->end_reason);
	}
	if (c->therapy_started[0] != '\0') {
		(void)calendar_date_text(c->therapy_started, CALENDAR_LONG, t,
		    sizeof(t));
		tmpl_data_set(e, "started", t);
	}
}

static void
add_series(void *arg, const struct db_client_series *s)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "series");
	char t[40];
	int y, m, dd;

	tmpl_data_setf(e, "id", "%lld", (long long)s->id);
	tmpl_data_set(e, "therapist", s->therapist);
	tmpl_data_set(e, "group", s->group);
	tmpl_data_set(e, "site", s->site);
	tmpl_data_set(e, "room", s->room);
	if (sscanf(s->first_date, "%4d-%2d-%2d", &y, &m, &dd) == 3)
		tmpl_data_setf(e, "weekday", "%ss",
		    calendar_day_names[calendar_weekday(y, m, dd)]);
	tmpl_data_set(e, "start", s->start_local);
	tmpl_data_setf(e, "length", "%d", s->length_min);
	(void)calendar_date_text(s->first_date, CALENDAR_SHORT, t, sizeof(t));
	tmpl_data_set(e, "from", t);
	tmpl_data_set(e, "status", strcmp(s->status, "active") == 0 ?
	    (s->coming ? "Running" : "Every session has been held") :
	    strcmp(s->status, "ended") == 0 ? "Ended" : "Cancelled");
	if (s->ended_from[0] != '\0') {
		(void)calendar_date_text(s->ended_from, CALENDAR_SHORT, t,
		    sizeof(t));
		tmpl_data_set(e, "ended_from", t);
	}
}

static void
add_session(void *arg, const struct db_client_session *o)
{
	struct client_view *v = arg;
	struct tmpl_data *e;
	char date[11], s[6], t[6], day[40];
	int past = o->start_utc <= (int64_t)v->now, k;

	e = tmpl_data_push(v->d, past ? "past" : "coming");
	if (!past)
		v->coming++;
	v->nsessions++;
	(void)ical_utc_to_local(v->app->tz, (time_t)o->start_utc, date, s,
	    NULL);
	(void)ical_utc_to_local(v->app->tz, (time_t)o->end_utc, NULL, t, NULL);
	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	tmpl_data_set(e, "day", day);
	tmpl_data_setf(e, "time", "%s–%s", s, t);
	tmpl_data_set(e, "therapist", o->therapist);
	tmpl_data_set(e, "site", o->site);
	tmpl_data_bool(e, "group", o->is_group);
	tmpl_data_set(e, "state", label_of(occ_state_names, occ_state_labels,
	    N(occ_state_names), o->state));
	tmpl_data_bool(e, "cancelled", strcmp(o->state, "cancelled") == 0);
	tmpl_data_bool(e, "moved", strcmp(o->state, "moved") == 0);
	if (strcmp(o->state, "moved") == 0 &&
	    strcmp(date, o->date) != 0) {
		(void)calendar_date_text(o->date, CALENDAR_SHORT, day,
		    sizeof(day));
		tmpl_data_set(e, "was", day);
	}
	if (o->by_whom[0] != '\0')
		tmpl_data_set(e, "by", label_of(by_names, by_labels,
		    N(by_names), o->by_whom));
	tmpl_data_set(e, "why", o->why);
	if ((k = db_name_index(attendance_names, 4, o->attendance)) >= 0)
		tmpl_data_set(e, "attendance", attendance_labels[k]);
	else if (past && strcmp(o->state, "cancelled") != 0)
		tmpl_data_set(e, "attendance", "Not recorded yet");
}

static void
add_version(void *arg, const char *body, const char *who, const char *at,
    const char *why)
{
	struct tmpl_data *e = tmpl_data_push(arg, "versions");
	char t[48];

	when_text(NULL, at, t, sizeof(t));
	tmpl_data_set(e, "body", body);
	tmpl_data_set(e, "who", who);
	tmpl_data_set(e, "at", t);
	tmpl_data_set(e, "why", why);
}

static void
add_note(void *arg, const struct db_client_note *n)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "notes");
	struct db_series s;
	char t[48];

	(void)calendar_date_text(n->date, CALENDAR_LONG, t, sizeof(t));
	tmpl_data_set(e, "day", t);
	tmpl_data_setf(e, "id", "%lld", (long long)n->id);
	tmpl_data_setf(e, "series_id", "%lld", (long long)n->series_id);
	tmpl_data_set(e, "date", n->date);
	tmpl_data_bool(e, "shared", n->shared);
	tmpl_data_set(e, "body", n->body);
	tmpl_data_set(e, "author", n->author);
	when_text(v->app->tz, n->updated_at, t, sizeof(t));
	tmpl_data_set(e, "at", t);
	if (n->versions > 1) {
		tmpl_data_bool(e, "corrected", 1);
		tmpl_data_setf(e, "nversions", "%d", n->versions);
		(void)db_client_note_versions(v->app->db, n->id, add_version,
		    e);
	}
	/* The therapist who held the session may correct it. */
	if (v->my_therapist > 0 &&
	    db_series_get(v->app->db, n->series_id, &s) == 1 &&
	    s.therapist_id == v->my_therapist)
		tmpl_data_bool(e, "can_fix", 1);
}

/* Past sessions of mine they attended that have no note yet. */
static void
add_to_write(void *arg, const struct db_client_session *o)
{
	struct client_view *v = arg;
	struct db_series s;
	struct tmpl_data *e;
	char day[40];

	if (o->start_utc > (int64_t)v->now ||
	    strcmp(o->state, "cancelled") == 0 ||
	    strcmp(o->attendance, "attended") != 0 ||
	    db_client_note_exists(v->app->db, o->series_id, o->date,
	    v->referral_id) != 0 ||
	    db_series_get(v->app->db, o->series_id, &s) != 1 ||
	    s.therapist_id != v->my_therapist)
		return;
	e = tmpl_data_push(v->d, "to_write");
	(void)calendar_date_text(o->date, CALENDAR_LONG, day, sizeof(day));
	tmpl_data_set(e, "day", day);
	tmpl_data_setf(e, "series_id", "%lld", (long long)o->series_id);
	tmpl_data_set(e, "date", o->date);
	tmpl_data_bool(e, "group", o->is_group);
	tmpl_data_setf(e, "key", "%lld-%s", (long long)o->series_id, o->date);
}

static void
add_goal(void *arg, int64_t id, const char *body, const char *start,
    const char *review, const char *who)
{
	struct tmpl_data *e = tmpl_data_push(arg, "goals");
	char t[40];

	(void)id;
	tmpl_data_set(e, "body", body);
	(void)calendar_date_text(start, CALENDAR_SHORT, t, sizeof(t));
	tmpl_data_set(e, "start", t);
	if (*review != '\0') {
		(void)calendar_date_text(review, CALENDAR_SHORT, t, sizeof(t));
		tmpl_data_set(e, "review", t);
	}
	tmpl_data_set(e, "who", who);
}

static void
add_summary(void *arg, const char *worked_on, const char *outcome,
    const char *onward, const char *who, const char *at)
{
	struct client_view *v = arg;
	char t[48];

	tmpl_data_bool(v->d, "has_summary", 1);
	tmpl_data_set(v->d, "s_worked_on", worked_on);
	tmpl_data_set(v->d, "s_outcome", outcome);
	tmpl_data_set(v->d, "s_onward", onward);
	tmpl_data_set(v->d, "s_who", who);
	when_text(v->app->tz, at, t, sizeof(t));
	tmpl_data_set(v->d, "s_at", t);
}

static void
add_edit(void *arg, const char *at, const char *who, const char *field,
    const char *before, const char *after, const char *reason)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "edits");
	char t[48];

	when_text(v->app->tz, at, t, sizeof(t));
	tmpl_data_set(e, "at", t);
	tmpl_data_set(e, "who", who);
	tmpl_data_set(e, "field", field);
	tmpl_data_set(e, "before", before);
	tmpl_data_set(e, "after", after);
	tmpl_data_set(e, "reason", reason);
}

static void
add_event(void *arg, const char *at, const char *user, const char *from,
    const char *to, const char *reason)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "events");
	char t[48];
	int k;

	when_text(v->app->tz, at, t, sizeof(t));
	tmpl_data_set(e, "at", t);
	tmpl_data_set(e, "user", *user ? user : "The person themselves");
	if (strcmp(from, to) != 0 &&
	    (k = db_name_index(status_names, STATUS__MAX, from)) >= 0)
		tmpl_data_set(e, "from", status_labels[k]);
	if ((k = db_name_index(status_names, STATUS__MAX, to)) >= 0)
		tmpl_data_set(e, "to", status_labels[k]);
	tmpl_data_set(e, "reason", reason);
	tmpl_data_bool(e, "automatic", strncmp(reason, "Automatic:", 10) == 0);
}

static void
add_email(void *arg, int64_t id, const char *kind, const char *to,
    const char *status, const char *at, const char *sent)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "emails");
	char t[48];

	tmpl_data_setf(e, "email_id", "%lld", (long long)id);
	tmpl_data_setf(e, "record_id", "%lld", (long long)v->referral_id);
	tmpl_data_set(e, "subject", label_of(email_kind_names,
	    email_kind_labels, N(email_kind_names), kind));
	tmpl_data_set(e, "to", to);
	tmpl_data_set(e, "state", label_of(email_state_names,
	    email_state_labels, N(email_state_names), status));
	when_text(v->app->tz, *sent != '\0' ? sent : at, t, sizeof(t));
	tmpl_data_set(e, "at", t);
}

static void
add_outcome(void *arg, const char *positive, const char *quality,
    const char *social, const char *relationship, const char *at)
{
	struct client_view *v = arg;
	struct tmpl_data *e;
	const char *q[4] = { "Music therapy was a positive experience",
	    "It made a difference to my quality of life",
	    "It helped me connect with other people",
	    "It helped my relationship with the person I care for" };
	const char *a[4] = { positive, quality, social, relationship };
	char t[48];
	int k;

	for (k = 0; k < 4; k++) {
		e = tmpl_data_push(v->d, "answers");
		tmpl_data_set(e, "question", q[k]);
		tmpl_data_set(e, "answer", label_of(answer_names,
		    answer_labels, N(answer_names), a[k]));
	}
	when_text(v->app->tz, at, t, sizeof(t));
	tmpl_data_set(v->d, "answered_at", t);
}

/* text with each YYYY-MM-DD in it written for people, into b. */
static void
dates_for_people(const char *text, struct buf *b)
{
	char iso[11], t[24];
	const char *p = text;

	buf_reset(b);
	while (*p != '\0') {
		if (strlen(p) >= 10 && p[4] == '-' && p[7] == '-') {
			memcpy(iso, p, 10);
			iso[10] = '\0';
			if (calendar_date_text(iso, CALENDAR_SHORT, t,
			    sizeof(t)) == 0) {
				buf_puts(b, t);
				p += 10;
				continue;
			}
		}
		buf_putc(b, *p++);
	}
}

static void
add_audit(void *arg, const char *at, const char *user, const char *addr,
    const char *action, const char *ref, const char *detail)
{
	struct client_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "audit");
	char t[48];

	(void)ref;
	(void)addr;
	when_text(v->app->tz, at, t, sizeof(t));
	tmpl_data_set(e, "at", t);
	tmpl_data_set(e, "user", user);
	tmpl_data_set(e, "action", strcmp(action, "client-view") == 0 ?
	    "Opened the record" : action);
	if (strcmp(action, "client-view") != 0) {
		struct buf b = BUF_INIT;

		dates_for_people(detail, &b);
		tmpl_data_set(e, "detail", buf_cstr(&b));
		buf_free(&b);
	}
}

/* Needs as labels, comma-separated; "None ticked" when none. */
static void
needs_text(unsigned needs, struct buf *b)
{
	app_needs_text(needs, b);
	if (b->len == 0)
		buf_puts(b, "None ticked");
}

/*
 * Whether rq's user may open record id: 1 yes (therapist_id set to the
 * user's therapist record, or 0), 0 no, -1 error.
 */
static int
client_may_open(struct app *app, const struct req *rq, int64_t id,
    int64_t *therapist_id)
{
	int rc;

	*therapist_id = 0;
	if (rq->user->role != ROLE_THERAPIST)
		return 1;
	if ((rc = db_therapist_of_user(app->db, rq->user->id,
	    therapist_id)) != 1)
		return rc;
	return db_client_seen_by(app->db, id, *therapist_id);
}

/* The record page with status, an error (field, message) or none. */
static void
client_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_referral_rec *rec, int64_t my_therapist,
    const char *error, const char *error_field)
{
	const struct db_referral *r = &rec->r;
	struct client_view v;
	struct tmpl_data *d, *e;
	struct buf tmp = BUF_INIT;
	const char *done = form_get(&rq->q, "done");
	int staff = rq->user->role != ROLE_THERAPIST, k;
	char t[48], title[256];

	(void)snprintf(title, sizeof(title), "%s%s %s", error != NULL ?
	    "Error: " : "", r->given_name, r->family_name);
	d = app_staff_data(app, rq, title);
	memset(&v, 0, sizeof(v));
	v.app = app;
	v.d = d;
	v.referral_id = r->id;
	v.my_therapist = my_therapist;
	v.now = time(NULL);
	tmpl_data_setf(d, "id", "%lld", (long long)r->id);
	tmpl_data_set(d, "ref", r->ref);
	tmpl_data_set(d, "status", status_names[rec->status]);
	tmpl_data_set(d, "status_label", status_labels[rec->status]);
	tmpl_data_set(d, "given_name", r->given_name);
	tmpl_data_set(d, "family_name", r->family_name);
	tmpl_data_set(d, "email", r->email);
	tmpl_data_set(d, "phone", r->phone);
	tmpl_data_set(d, "preferred_contact", strcmp(r->preferred_contact,
	    "phone") == 0 ? "Phone" : "Email");
	tmpl_data_bool(d, "voicemail_ok", r->voicemail_ok);
	tmpl_data_set(d, "emergency_name", r->emergency_name);
	tmpl_data_set(d, "emergency_phone", r->emergency_phone);
	(void)calendar_date_text(r->date_of_birth, CALENDAR_LONG, t,
	    sizeof(t));
	tmpl_data_set(d, "date_of_birth", t);
	tmpl_data_set(d, "about", r->about);
	needs_text(r->needs, &tmp);
	tmpl_data_set(d, "needs", buf_cstr(&tmp));
	k = db_name_index(session_type_names, SESSION_TYPE__MAX,
	    r->session_type);
	tmpl_data_set(d, "session_type", k >= 0 ? session_type_labels[k] :
	    r->session_type);
	tmpl_data_set(d, "access_needs", r->access_needs);
	tmpl_data_set(d, "language", r->language);
	(void)calendar_date_text(rec->created_at, CALENDAR_LONG, t,
	    sizeof(t));
	tmpl_data_set(d, "received", t);
	tmpl_data_bool(d, "staff", staff);
	tmpl_data_bool(d, "is_therapist", my_therapist > 0);
	tmpl_data_bool(d, "can_referral", auth_can(rq->user->role,
	    ACT_REFERRAL_VIEW));
	tmpl_data_bool(d, "can_series", auth_can(rq->user->role,
	    ACT_SCHEDULE));
	tmpl_data_bool(d, "can_outbox", auth_can(rq->user->role, ACT_OUTBOX));
	tmpl_data_bool(d, "can_plan", my_therapist > 0 ||
	    auth_can(rq->user->role, ACT_REFERRAL_CHANGE));

	/* Corrections during triage: the form, with every need. */
	if (auth_can(rq->user->role, ACT_REFERRAL_CHANGE) &&
	    rec->status <= ST_WAITLISTED) {
		tmpl_data_bool(d, "can_edit", 1);
		for (k = 0; k < NEED__MAX; k++) {
			e = tmpl_data_push(d, "need_choices");
			tmpl_data_set(e, "value", need_names[k]);
			tmpl_data_set(e, "label", need_labels[k]);
			tmpl_data_bool(e, "on", r->needs & (1u << k));
		}
		for (k = 0; k < SESSION_TYPE__MAX; k++) {
			e = tmpl_data_push(d, "type_choices");
			tmpl_data_set(e, "value", session_type_names[k]);
			tmpl_data_set(e, "label", session_type_labels[k]);
			tmpl_data_bool(e, "on", strcmp(r->session_type,
			    session_type_names[k]) == 0);
		}
	}
	if (error != NULL) {
		tmpl_data_set(d, "error", error);
		tmpl_data_set(d, "error_field", error_field);
	}
	tmpl_data_set(d, "v_body", form_get(&rq->f, "body"));
	tmpl_data_set(d, "v_reason", form_get(&rq->f, "reason"));
	tmpl_data_set(d, "v_start", form_get(&rq->f, "start"));
	tmpl_data_set(d, "v_review", form_get(&rq->f, "review"));
	if (done != NULL) {
		tmpl_data_set(d, "notice", strcmp(done, "note") == 0 ?
		    "The note was saved." : strcmp(done, "goal") == 0 ?
		    "The goal was added." : strcmp(done, "summary") == 0 ?
		    "The closing summary was saved." :
		    strcmp(done, "edited") == 0 ?
		    "The referral was corrected; the change is in its "
		    "history." : NULL);
	}

	page_contacts_tmpl(app, d, r->id);	/* referrer and contacts */
	page_offer_client(app, d, r->id);	/* place offers (issue 18) */
	(void)db_client_spells(app->db, r->id, add_spell, &v);
	(void)db_client_series_each(app->db, r->id, add_series, &v);
	(void)db_client_sessions(app->db, r->id, add_session, &v);
	tmpl_data_bool(d, "has_sessions", v.nsessions > 0);
	if (my_therapist > 0)
		(void)db_client_sessions(app->db, r->id, add_to_write, &v);
	(void)db_client_notes(app->db, r->id, add_note, &v);
	(void)db_client_goals(app->db, r->id, add_goal, d);
	(void)db_client_summary(app->db, r->id, add_summary, &v);
	(void)db_client_referral_edits(app->db, r->id, add_edit, &v);
	(void)db_referral_events(app->db, r->id, add_event, &v);
	(void)db_client_emails(app->db, r->id, add_email, &v);
	(void)db_client_outcome(app->db, r->id, add_outcome, &v);
	if (staff)
		(void)db_audit_each(app->db, r->id, 50, 0, add_audit, &v);
	/* Filled in after the notes so that the form keeps what was typed
	 * under the session it was for. */
	app_render(app, rs, status, "client.html", d);
	tmpl_data_free(d);
	buf_free(&tmp);
}

/*
 * Loads the record of the path's person for a reader allowed to open it
 * (client_may_open) into *rec and *tid; 1 when open, else 0 with the
 * answer given: 404 (no such person), 403 (not theirs) or 500 with
 * failed (what the reader is told when storage fails).
 */
static int
client_open(struct app *app, const struct req *rq, struct resp *rs,
    struct db_referral_rec **rec, int64_t *tid, const char *failed)
{
	int rc;

	if ((rc = db_referral_load(app->db, rq->id[0], rec)) == 0) {
		http_error(app, rs, 404, "There is no such client record.");
		return 0;
	}
	if (rc == -1 || (rc = client_may_open(app, rq, rq->id[0], tid)) ==
	    -1) {
		http_error(app, rs, 500, failed);
		return 0;
	}
	if (rc == 0) {
		http_error(app, rs, 403, "This person is not on your caseload, "
		    "so their record is not open to you.");
		return 0;
	}
	return 1;
}

void
page_client_get(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_referral_rec *rec = NULL;
	int64_t tid;

	if (!client_open(app, rq, rs, &rec, &tid, "The record could not be "
	    "opened. Try again in a moment."))
		goto out;
	/* Every view is audited: the record holds health details. */
	if (db_audit(app->db, rq->user->id, rq->remote_addr, "client-view",
	    rq->id[0], 0, "") == -1) {
		http_error(app, rs, 500, "The record could not be opened. "
		    "Try again in a moment.");
		goto out;
	}
	client_show(app, rq, rs, 200, rec, tid, NULL, NULL);
out:
	db_referral_rec_free(rec);
}

/*
 * One email of the record: the outbox row rq->id[1] about the person
 * rq->id[0], its text as the mailer writes it now.  The record's readers
 * only (403 otherwise); each reading is audited.
 */
void
page_client_email(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_referral_rec *rec = NULL;
	struct db_outbox row;
	struct tmpl_data *d;
	struct buf subject = BUF_INIT, text = BUF_INIT;
	char t[48], err[256], detail[64];
	int64_t tid;
	int rc, found = 0;

	memset(&row, 0, sizeof(row));
	if ((rc = db_referral_load(app->db, rq->id[0], &rec)) == 1 &&
	    (found = db_outbox_get(app->db, rq->id[1], &row)) == 1 &&
	    row.referral_id != rq->id[0])
		found = 0;
	if (rc == 0 || found == 0) {
		http_error(app, rs, 404, "There is no such email.");
		goto out;
	}
	if (rc == -1 || found == -1 ||
	    (rc = client_may_open(app, rq, rq->id[0], &tid)) == -1) {
		http_error(app, rs, 500, "The email could not be opened. "
		    "Try again in a moment.");
		goto out;
	}
	if (rc == 0) {
		http_error(app, rs, 403, "This person is not on your caseload, "
		    "so their emails are not open to you.");
		goto out;
	}
	(void)snprintf(detail, sizeof(detail), "read email %lld",
	    (long long)row.id);
	if (db_audit(app->db, rq->user->id, rq->remote_addr, "email-view",
	    rq->id[0], 0, detail) == -1) {
		http_error(app, rs, 500, "The email could not be opened. "
		    "Try again in a moment.");
		goto out;
	}
	d = app_staff_data(app, rq, "An email");
	tmpl_data_setf(d, "id", "%lld", (long long)rec->r.id);
	tmpl_data_set(d, "given_name", rec->r.given_name);
	tmpl_data_set(d, "family_name", rec->r.family_name);
	tmpl_data_set(d, "kind", label_of(email_kind_names,
	    email_kind_labels, N(email_kind_names), row.kind));
	tmpl_data_set(d, "to", row.to_addr);
	tmpl_data_set(d, "state", label_of(email_state_names,
	    email_state_labels, N(email_state_names), row.status));
	when_text(app->tz, *row.sent_at != '\0' ? row.sent_at :
	    row.created_at, t, sizeof(t));
	tmpl_data_set(d, "at", t);
	if (mail_outbox_text(app->db, app->tmpl, app->base_url, app->tz, &row,
	    &subject, &text, err, sizeof(err)) == MAIL_SEND_OK) {
		tmpl_data_set(d, "subject", buf_cstr(&subject));
		tmpl_data_set(d, "text", buf_cstr(&text));
	} else
		tmpl_data_set(d, "why_not", err[0] != '\0' ? err :
		    "it cannot be written just now");
	app_render(app, rs, 200, "client_email.html", d);
	tmpl_data_free(d);
out:
	buf_free(&subject);
	buf_free(&text);
	db_outbox_free(&row);
	db_referral_rec_free(rec);
}

/* 1 when s is a real date "YYYY-MM-DD". */
static int
date_ok(const char *s)
{
	char t[40];

	return s != NULL && strlen(s) == 10 &&
	    calendar_date_text(s, CALENDAR_SHORT, t, sizeof(t)) == 0;
}

/* The answer to a POST that failed a rule: the page, 422, typing kept. */
static void
client_refuse(struct app *app, struct req *rq, struct resp *rs,
    const struct db_referral_rec *rec, int64_t tid, const char *field,
    const char *msg)
{
	client_show(app, rq, rs, 422, rec, tid, msg, field);
}

/*
 * After a write to rec's record whose answer was r: back to the record
 * at #anchor with ?done=what, or a 503 saying what was not saved.
 */
static void
client_saved(struct app *app, struct resp *rs,
    const struct db_referral_rec *rec, enum db_result r, const char *what,
    const char *anchor)
{
	char msg[128], loc[96];

	if (r != DB_OK) {
		(void)snprintf(msg, sizeof(msg), "The %s could not be saved "
		    "just now. Go back and try again: what you wrote is "
		    "still there.", what);
		http_error(app, rs, 503, msg);
		return;
	}
	(void)snprintf(loc, sizeof(loc), "/clients/%lld?done=%s#%s",
	    (long long)rec->r.id, what, anchor);
	http_redirect(rs, loc);
}

static void
post_note(struct app *app, struct req *rq, struct resp *rs,
    const struct db_referral_rec *rec, int64_t tid)
{
	const char *body = form_get(&rq->f, "body");
	const char *reason = form_get(&rq->f, "reason");
	const char *date = form_get(&rq->f, "date");
	const char *series = form_get(&rq->f, "series");
	const char *shared = form_get(&rq->f, "shared");
	struct db_series s;
	int64_t sid;
	enum db_result res;

	sid = series != NULL ? strtoll(series, NULL, 10) : 0;
	if (tid == 0 || sid <= 0 || !date_ok(date) ||
	    db_series_get(app->db, sid, &s) != 1 || s.therapist_id != tid) {
		http_error(app, rs, 403, "Notes are written by the therapist "
		    "who held the session.");
		return;
	}
	if (body == NULL || *body == '\0') {
		client_refuse(app, rq, rs, rec, tid, "body",
		    "Write the note before saving it");
		return;
	}
	if (strlen(body) > CLIENT_NOTE_MAX) {
		client_refuse(app, rq, rs, rec, tid, "body",
		    "The note is too long: keep it under 4,000 characters");
		return;
	}
	if (reason != NULL && strlen(reason) > CLIENT_REASON_MAX) {
		client_refuse(app, rq, rs, rec, tid, "reason",
		    "The reason is too long: keep it under 500 characters");
		return;
	}
	res = db_client_note_put(app->db, sid, date, shared != NULL &&
	    strcmp(shared, "1") == 0 ? 0 : rec->r.id, body, reason,
	    rq->user->id, rq->remote_addr);
	if (res == DB_INVALID) {
		client_refuse(app, rq, rs, rec, tid, "reason",
		    reason == NULL || *reason == '\0' ? "Say why the note is "
		    "corrected: its earlier text is kept beside the new one" :
		    "That session has not happened yet, or this person was "
		    "not in it");
		return;
	}
	client_saved(app, rs, rec, res, "note", "notes");
}

/* The goal form's fields (action=goal). */
enum goal_field { GOAL_BODY, GOAL_START, GOAL_REVIEW, GOAL__MAX };
static const struct valid_field goal_fields[GOAL__MAX] = {
	{ "body", VALID_LINES, 1, 0, CLIENT_GOAL_MAX, NULL, "goal-body",
	    "The goal", "Write the goal" },
	{ "start", VALID_DATE, 1, 0, 0, NULL, "goal-start", "Start date",
	    "Enter the start date as a real date, for example 2026-12-14" },
	{ "review", VALID_DATE, 0, 0, 0, NULL, "goal-review", "Review date",
	    "Enter the review date as a real date, or leave it empty" },
};

/* The closing summary's fields (action=summary). */
enum summary_field { SUM_WORKED, SUM_OUTCOME, SUM_ONWARD, SUM__MAX };
static const struct valid_field summary_fields[SUM__MAX] = {
	{ "worked_on", VALID_LINES, 1, 0, CLIENT_SUMMARY_MAX, NULL, NULL,
	    "What the work was about", "Say what the work was about" },
	{ "outcome", VALID_LINES, 1, 0, CLIENT_SUMMARY_MAX, NULL, NULL,
	    "What came of it", "Say what came of it" },
	{ "onward", VALID_LINES, 0, 0, CLIENT_SUMMARY_MAX, NULL, NULL,
	    "Where they go next", NULL },
};

/*
 * Reads the posted form against table (n fields) into v: 0, or -1
 * having answered with the record and the first problem (422, what was
 * typed kept) and freed v.
 */
static int
client_form_check(struct app *app, struct req *rq, struct resp *rs,
    const struct db_referral_rec *rec, int64_t tid,
    const struct valid_field *table, size_t n, struct valid_value *v)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	if (valid_form_check(&rq->f, table, n, v, &errs) == 0)
		return 0;
	client_refuse(app, rq, rs, rec, tid, errs.e[0].anchor,
	    errs.e[0].msg);
	valid_values_free(v, n);
	return -1;
}

static void
post_goal(struct app *app, struct req *rq, struct resp *rs,
    const struct db_referral_rec *rec, int64_t tid)
{
	struct valid_value v[GOAL__MAX];

	if (client_form_check(app, rq, rs, rec, tid, goal_fields, GOAL__MAX,
	    v) == -1)
		return;
	if (*v[GOAL_REVIEW].text != '\0' &&
	    strcmp(v[GOAL_REVIEW].text, v[GOAL_START].text) < 0)
		client_refuse(app, rq, rs, rec, tid, "goal-review",
		    "Enter the review date as a real date on or after the "
		    "start date, or leave it empty");
	else
		client_saved(app, rs, rec, db_client_goal_add(app->db,
		    rec->r.id, v[GOAL_BODY].text, v[GOAL_START].text,
		    v[GOAL_REVIEW].text, rq->user->id, rq->remote_addr),
		    "goal", "goals");
	valid_values_free(v, GOAL__MAX);
}

static void
post_summary(struct app *app, struct req *rq, struct resp *rs,
    const struct db_referral_rec *rec, int64_t tid)
{
	struct valid_value v[SUM__MAX];

	if (client_form_check(app, rq, rs, rec, tid, summary_fields,
	    SUM__MAX, v) == -1)
		return;
	client_saved(app, rs, rec, db_client_summary_put(app->db, rec->r.id,
	    v[SUM_WORKED].text, v[SUM_OUTCOME].text, v[SUM_ONWARD].text,
	    rq->user->id, rq->remote_addr), "summary", "summary");
	valid_values_free(v, SUM__MAX);
}

static void
post_edit(struct app *app, struct req *rq, struct resp *rs,
    const struct db_referral_rec *rec, int64_t tid)
{
	const char *reason = form_get(&rq->f, "reason");
	const char *type = form_get(&rq->f, "session_type");
	struct buf before = BUF_INIT, after = BUF_INIT;
	unsigned needs = 0;
	size_t i;
	int k, tb, ta;
	char loc[64];
	enum db_result res;

	for (i = 0; i < rq->f.count; i++) {
		if (strcmp(rq->f.fields[i].key, "needs") != 0)
			continue;
		if ((k = db_name_index(need_names, NEED__MAX,
		    rq->f.fields[i].value)) >= 0)
			needs |= 1u << k;
	}
	tb = db_name_index(session_type_names, SESSION_TYPE__MAX,
	    rec->r.session_type);
	ta = db_name_index(session_type_names, SESSION_TYPE__MAX,
	    type != NULL ? type : "");
	if (ta < 0 || tb < 0)
		{
			client_refuse(app, rq, rs, rec, tid, "session_type",
		    "Choose the kind of session");
			return;
		}
	if (reason == NULL || *reason == '\0' ||
	    strlen(reason) > CLIENT_REASON_MAX)
		{
			client_refuse(app, rq, rs, rec, tid, "edit-reason",
		    "Say why the referral is corrected (under 500 "
		    "characters): it stays in its history");
			return;
		}
	needs_text(rec->r.needs, &before);
	needs_text(needs, &after);
	res = db_client_referral_edit(app->db, rec->r.id, needs,
	    buf_cstr(&before), buf_cstr(&after), session_type_names[ta],
	    session_type_labels[tb], session_type_labels[ta], reason,
	    rq->user->id, rq->remote_addr);
	buf_free(&before);
	buf_free(&after);
	if (res == DB_INVALID)
		{
			client_refuse(app, rq, rs, rec, tid, "edit-reason",
		    "Nothing was changed: tick or untick an area of life, or "
		    "choose another kind of session (only before a therapist "
		    "is assigned)");
			return;
		}
	if (res != DB_OK) {
		http_error(app, rs, 503, "The correction could not be saved "
		    "just now. Go back and try again.");
		return;
	}
	(void)snprintf(loc, sizeof(loc), "/clients/%lld?done=edited",
	    (long long)rec->r.id);
	http_redirect(rs, loc);
}

void
page_client_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_referral_rec *rec = NULL;
	const char *action = form_get(&rq->f, "action");
	int64_t tid;

	if (!client_open(app, rq, rs, &rec, &tid, "Nothing was saved. Try "
	    "again in a moment."))
		goto out;
	if (action != NULL && strcmp(action, "note") == 0)
		post_note(app, rq, rs, rec, tid);
	else if (action != NULL && strcmp(action, "goal") == 0)
		post_goal(app, rq, rs, rec, tid);
	else if (action != NULL && strcmp(action, "summary") == 0)
		post_summary(app, rq, rs, rec, tid);
	else
		http_error(app, rs, 400, "This form was not understood. Go "
		    "back, reload the page and try again.");
out:
	db_referral_rec_free(rec);
}

/* POST /clients/:id/edit: the router lets only those who may change a
 * referral (ACT_REFERRAL_CHANGE) this far. */
void
page_client_edit(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_referral_rec *rec = NULL;
	int64_t tid;

	if (client_open(app, rq, rs, &rec, &tid, "Nothing was saved. Try "
	    "again in a moment."))
		post_edit(app, rq, rs, rec, tid);
	db_referral_rec_free(rec);
}

/* What add_ended needs: the page's data and the service's zone. */
struct ended_view {
	struct tmpl_data	*d;
	const char		*tz;
};

/* One person whose work ended; last: their last session's start, 0 none. */
static void
add_ended(void *arg, int64_t id, const char *ref, const char *name,
    int64_t last)
{
	struct ended_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "work_ended");
	char date[11], t[40];

	tmpl_data_bool(v->d, "has_ended", 1);
	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "ref", ref);
	tmpl_data_set(e, "name", name);
	if (last > 0 && ical_utc_to_local(v->tz, (time_t)last, date, NULL,
	    NULL) == 0) {
		(void)calendar_date_text(date, CALENDAR_SHORT, t, sizeof(t));
		tmpl_data_set(e, "last", t);
	}
}

/* What add_sick needs: the page's data and the service's zone. */
struct sick_view {
	struct tmpl_data	*d;
	const char		*tz;
	int			 can_series;
};

static void
add_sick(void *arg, int64_t series, const char *date, int64_t start,
    const char *therapist, const char *who, int64_t referral)
{
	struct sick_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "sick_sessions");
	char day[40], hhmm[6];

	tmpl_data_bool(v->d, "has_sick", 1);
	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	(void)ical_utc_to_local(v->tz, (time_t)start, NULL, hhmm, NULL);
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "time", hhmm);
	tmpl_data_set(e, "therapist", therapist);
	tmpl_data_set(e, "who", who);
	tmpl_data_setf(e, "series", "%lld", (long long)series);
	tmpl_data_bool(e, "can_series", v->can_series);
	if (referral > 0)
		tmpl_data_setf(e, "record", "%lld", (long long)referral);
}

/*
 * How many of the people whose work ended the queue shows unless asked
 * for all: a national service has hundreds at a time (382 at N=10), a
 * list no one reads through on the page they open every morning.
 */
#define WORK_ENDED_SHOWN 20

void
page_client_queue_lists(struct app *app, const struct req *rq,
    struct tmpl_data *d)
{
	struct sick_view v;
	struct ended_view ev;
	time_t now = time(NULL);
	const char *ended = form_get(&rq->q, "ended");
	int all = ended != NULL && strcmp(ended, "all") == 0;
	int64_t total = 0;

	v.d = d;
	v.tz = app_tz(app);
	v.can_series = auth_can(rq->user->role, ACT_SCHEDULE);
	(void)db_client_sick_sessions(app->db, (int64_t)now, add_sick, &v);
	ev.d = d;
	ev.tz = app_tz(app);
	if (db_client_work_ended(app->db, (int64_t)now, all ? 0 :
	    WORK_ENDED_SHOWN, &total, add_ended, &ev) == 0 &&
	    !all && total > WORK_ENDED_SHOWN) {
		tmpl_data_setf(d, "ended_shown", "%d", WORK_ENDED_SHOWN);
		tmpl_data_setf(d, "ended_total", "%lld", (long long)total);
	}
}

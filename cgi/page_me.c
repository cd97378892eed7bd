/*
 * page_me: a member of staff's own page.
 *
 *   GET /me   who is signed in and what waits for them: for coordinators
 *             the referrals waiting in each state; for therapists the
 *             week's sessions (?week=YYYY-MM-DD, any day of it; previous
 *             and next links), their caseload, and the past sessions of
 *             the last fortnight whose attendance or note is not yet
 *             written, each linking to the client record
 *   POST /me/sick   first=, last= (YYYY-MM-DD): a therapist reports that
 *             they are off sick; stored as leave of kind sickness, the
 *             sessions it hits listed for coordinators on the queue
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/client.h"
#include "db/db.h"
#include "db/offers.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

struct me_view {
	struct tmpl_data		*d;
	const char			*tz;
	time_t				 now;
	int				 todo;
	const struct valid_errors	*errs;	/* from /attendance, or NULL */
};

static void
week_session(void *arg, const struct db_occ_row *o)
{
	struct me_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "sessions");
	char date[11], s[6], t[6];
	int wd;

	char day[40];

	(void)ical_utc_to_local(v->tz, (time_t)o->start_utc, date, s, &wd);
	(void)ical_utc_to_local(v->tz, (time_t)o->end_utc, NULL, t, NULL);
	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "date", date);
	if (o->client_id > 0 && o->referral_id > 0)
		tmpl_data_setf(e, "record", "%lld", (long long)o->referral_id);
	tmpl_data_set(e, "start", s);
	tmpl_data_set(e, "end", t);
	tmpl_data_set(e, "who", o->who);
	tmpl_data_set(e, "ref", o->client_ref);
	tmpl_data_set(e, "site", o->site);
	tmpl_data_set(e, "room", o->room);
	tmpl_data_set(e, "state", o->state);
	tmpl_data_bool(e, "cancelled", strcmp(o->state, "cancelled") == 0);
	tmpl_data_setf(e, "series", "%lld", (long long)o->series_id);
}

static void
to_record(void *arg, const struct db_occ_row *o)
{
	struct me_view *v = arg;
	struct tmpl_data *e;
	char date[11], s[6];
	int k;

	if (o->attendance[0] != '\0' || o->start_utc > v->now ||
	    o->client_id == 0)
		return;
	e = tmpl_data_push(v->d, "todo");
	v->todo++;
	char day[40];

	(void)ical_utc_to_local(v->tz, (time_t)o->start_utc, date, s, NULL);
	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	tmpl_data_set(e, "date", o->date);
	tmpl_data_setf(e, "when", "%s at %s", day, s);
	if (o->referral_id > 0)
		tmpl_data_setf(e, "record", "%lld", (long long)o->referral_id);
	tmpl_data_set(e, "who", o->who);
	tmpl_data_set(e, "ref", o->client_ref);
	tmpl_data_setf(e, "series", "%lld", (long long)o->series_id);
	tmpl_data_setf(e, "client", "%lld", (long long)o->client_id);
	tmpl_data_setf(e, "key", "%lld-%s", (long long)o->series_id, o->date);
	if (v->errs != NULL) {
		char key[64];
		size_t i;

		snprintf(key, sizeof(key), "att-%lld-%s",
		    (long long)o->series_id, o->date);
		for (i = 0; i < v->errs->n; i++)
			if (strcmp(v->errs->e[i].key, key) == 0)
				tmpl_data_set(e, "error", v->errs->e[i].msg);
	}
	tmpl_data_bool(e, "was_cancelled", strcmp(o->state, "cancelled") == 0);
	for (k = 0; k < 4; k++) {
		struct tmpl_data *c = tmpl_data_push(e, "statuses");

		tmpl_data_set(c, "value", attendance_names[k]);
		tmpl_data_set(c, "label", attendance_labels[k]);
	}
}

static void
caseload_row(void *arg, int64_t client, int64_t referral, const char *name,
    const char *ref)
{
	struct tmpl_data *e = tmpl_data_push(arg, "caseload");

	tmpl_data_setf(e, "client", "%lld", (long long)client);
	tmpl_data_setf(e, "referral", "%lld", (long long)referral);
	tmpl_data_set(e, "name", name);
	tmpl_data_set(e, "ref", ref);
}

static void
note_due(void *arg, int64_t series, const char *date, int64_t start,
    const char *who, int64_t referral)
{
	struct me_view *v = arg;
	struct tmpl_data *e;
	char day[40];

	(void)series;
	(void)start;
	if (referral <= 0)
		return;
	e = tmpl_data_push(v->d, "notes_due");
	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "who", who);
	tmpl_data_setf(e, "record", "%lld", (long long)referral);
}

/* The local date days after (or before) date, into out; 0 or -1. */
static int
date_add(const char *tz, const char *date, int days, char out[11])
{
	time_t t;

	if (ical_local_to_utc(tz, date, "12:00", &t) == -1)
		return -1;
	return ical_utc_to_local(tz, t + (time_t)days * 86400, out, NULL,
	    NULL);
}

static void
therapist_part(struct app *app, const struct req *rq, struct tmpl_data *d,
    const struct valid_errors *errs)
{
	struct me_view v;
	int64_t tid;
	time_t from, t;
	const char *week = form_get(&rq->q, "week");
	char date[11], mon[11], other[11], label[40];
	int wd;

	if (db_therapist_of_user(app->db, rq->user->id, &tid) != 1) {
		tmpl_data_bool(d, "no_record", 1);
		return;
	}
	memset(&v, 0, sizeof(v));
	v.d = d;
	v.errs = errs;
	v.tz = app->tz;
	v.now = time(NULL);
	/* The week asked for (this one unless ?week= names a day of
	 * another), Monday to Sunday, local. */
	t = v.now;
	if (week != NULL && strlen(week) == 10 &&
	    calendar_date_text(week, CALENDAR_SHORT, label,
	    sizeof(label)) == 0 &&
	    ical_local_to_utc(app->tz, week, "12:00", &from) == 0)
		t = from;
	(void)ical_utc_to_local(app->tz, t, date, NULL, &wd);
	if (date_add(app->tz, date, -wd, mon) == -1)
		memcpy(mon, date, sizeof(mon));
	if (ical_local_to_utc(app->tz, mon, "00:00", &from) == 0)
		(void)db_occ_each(app->db, OCC_BY_THERAPIST, tid, from,
		    from + 7 * 86400, week_session, &v);
	(void)calendar_date_text(mon, CALENDAR_LONG, label, sizeof(label));
	tmpl_data_set(d, "week_of", label);
	if (date_add(app->tz, mon, -7, other) == 0)
		tmpl_data_set(d, "week_prev", other);
	if (date_add(app->tz, mon, 7, other) == 0)
		tmpl_data_set(d, "week_next", other);
	tmpl_data_bool(d, "other_week", t != v.now);
	(void)db_occ_each(app->db, OCC_BY_THERAPIST, tid, v.now - 14 * 86400,
	    v.now, to_record, &v);
	tmpl_data_bool(d, "has_todo", v.todo > 0);
	(void)db_client_notes_due(app->db, tid, v.now - 14 * 86400, v.now,
	    note_due, &v);
	(void)db_caseload(app->db, tid, caseload_row, d);
	tmpl_data_set(d, "v_first", form_get(&rq->f, "first"));
	tmpl_data_set(d, "v_last", form_get(&rq->f, "last"));
}

void
page_me_sick(struct app *app, struct req *rq, struct resp *rs)
{
	const char *first = form_get(&rq->f, "first");
	const char *last = form_get(&rq->f, "last");
	char a[40], b[40];
	int64_t tid;
	struct valid_errors errs;
	enum db_result res;

	memset(&errs, 0, sizeof(errs));

	/* The router lets only therapists in (ACT_THERAPIST_OWN); the
	 * account must be linked to a therapist record. */
	if (db_therapist_of_user(app->db, rq->user->id, &tid) != 1) {
		http_error(app, rs, 403, "Only a therapist reports their own "
		    "sickness here.");
		return;
	}
	if (first == NULL || strlen(first) != 10 ||
	    calendar_date_text(first, CALENDAR_SHORT, a, sizeof(a)) != 0)
		valid_error_add_at(&errs, "sick", "sick-first", "Enter the "
		    "first day you are off as a real date");
	else if (last == NULL || strlen(last) != 10 ||
	    calendar_date_text(last, CALENDAR_SHORT, b, sizeof(b)) != 0 ||
	    strcmp(last, first) < 0)
		valid_error_add_at(&errs, "sick", "sick-last", "Enter the "
		    "last day you are off as a real date, on or after the "
		    "first day");
	if (errs.n > 0) {
		/* The page again, with the problem and the days typed. */
		page_me_errors(app, rq, rs, 422, &errs);
		return;
	}
	res = db_client_sick_add(app->db, tid, first, last, rq->user->id,
	    rq->remote_addr);
	if (res != DB_OK) {
		http_error(app, rs, 503, "Your report could not be stored just "
		    "now. Go back and try again, or phone the office.");
		return;
	}
	http_redirect(rs, "/me?done=sick");
}

void
page_me(struct app *app, struct req *rq, struct resp *rs)
{
	page_me_errors(app, rq, rs, 200, NULL);
}

void
page_me_errors(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct valid_errors *errs)
{
	struct tmpl_data *d, *e;
	int64_t counts[STATUS__MAX];
	const char *done = form_get(&rq->q, "done");
	int s;

	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: my page" : "My page");
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	tmpl_data_set(d, "email", rq->user->email);
	if (done != NULL && strcmp(done, "attended") == 0)
		tmpl_data_set(d, "notice", "Attendance was recorded.");
	else if (done != NULL && strcmp(done, "signedout") == 0)
		tmpl_data_set(d, "notice", "You were signed out on every "
		    "other device.");
	else if (done != NULL && strcmp(done, "sick") == 0)
		tmpl_data_set(d, "notice", "Thank you: the coordinators can "
		    "see the sessions on those days and will look after "
		    "them. Get well soon.");
	if (auth_can(rq->user->role, ACT_QUEUE) &&
	    db_status_counts(app->db, counts) == 0) {
		tmpl_data_bool(d, "coordinator", 1);
		for (s = 0; s < STATUS__MAX; s++) {
			if (!db_status_open((enum status)s))
				continue;
			e = tmpl_data_push(d, "waiting");
			tmpl_data_set(e, "status", status_names[s]);
			tmpl_data_set(e, "label", status_labels[s]);
			tmpl_data_setf(e, "count", "%lld", (long long)counts[s]);
		}
	}
	if (auth_can(rq->user->role, ACT_ASSIGN))
		tmpl_data_setf(d, "places_open", "%lld", (long long)
		    db_places_open_count(app->db));
	if (rq->user->role == ROLE_THERAPIST) {
		tmpl_data_bool(d, "therapist", 1);
		therapist_part(app, rq, d, errs);
	}
	page_me_feed(app, rq, d);
	tmpl_data_set(d, "sessions_back", "me");
	app_render(app, rs, status, "me.html", d);
	tmpl_data_free(d);
}

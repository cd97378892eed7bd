/*
 * page_me: a member of staff's own page.
 *
 *   GET /me   who is signed in and what waits for them: for coordinators
 *             the referrals waiting in each state; for therapists this
 *             week's sessions, their caseload, and the past sessions of
 *             the last fortnight whose attendance is not yet recorded
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "templates/tmpl.h"

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

	(void)ical_utc_to_local(v->tz, (time_t)o->start_utc, date, s, &wd);
	(void)ical_utc_to_local(v->tz, (time_t)o->end_utc, NULL, t, NULL);
	tmpl_data_set(e, "day", slot_day_labels[wd]);
	tmpl_data_set(e, "date", date);
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
	(void)ical_utc_to_local(v->tz, (time_t)o->start_utc, date, s, NULL);
	tmpl_data_set(e, "date", o->date);
	tmpl_data_setf(e, "when", "%s %s", date, s);
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
therapist_part(struct app *app, const struct req *rq, struct tmpl_data *d,
    const struct valid_errors *errs)
{
	struct me_view v;
	int64_t tid;
	time_t from, to, t;
	char date[11], mon[11];
	struct tm tm;
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
	/* This week, Monday to Sunday, local. */
	(void)ical_utc_to_local(app->tz, v.now, date, NULL, &wd);
	t = v.now - (time_t)wd * 86400;
	(void)ical_utc_to_local(app->tz, t, mon, NULL, NULL);
	if (ical_local_to_utc(app->tz, mon, "00:00", &from) == 0) {
		to = from + 7 * 86400 + 3600;	/* a clock change is fine */
		gmtime_r(&to, &tm);
		(void)db_occ_each(app->db, OCC_BY_THERAPIST, tid, from,
		    from + 7 * 86400, week_session, &v);
	}
	tmpl_data_set(d, "week_of", mon);
	(void)db_occ_each(app->db, OCC_BY_THERAPIST, tid, v.now - 14 * 86400,
	    v.now, to_record, &v);
	tmpl_data_bool(d, "has_todo", v.todo > 0);
	(void)db_caseload(app->db, tid, caseload_row, d);
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
	if (rq->user->role == ROLE_THERAPIST) {
		tmpl_data_bool(d, "therapist", 1);
		therapist_part(app, rq, d, errs);
	}
	page_me_feed(app, rq, d);
	app_render(app, rs, status, "me.html", d);
	tmpl_data_free(d);
}

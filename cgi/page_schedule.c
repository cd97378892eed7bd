/*
 * page_schedule: booking and running session series.
 *
 *   (GET /schedule, the whole service's week: page_week.c)
 *   GET  /series/new     the booking form, filled from the query (a match
 *                        suggestion links here: client, therapist, site,
 *                        room, day, start)
 *   POST /series/new     books the series: 303 to it, or 409 naming the
 *                        clash with every value kept
 *   GET  /series/ID      the series and its sessions
 *   POST /series/ID      action=cancel (date, by, reason), move (date,
 *                        new_date, new_start, room, reason), end (from,
 *                        reason) or attend (date, client, status, note)
 *   POST /attendance     a therapist records attendance from /me
 *
 * Occurrences come from ical_series_expand (libical), in the series' zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/page_terms.h"
#include "cgi/page_undo.h"
#include "cgi/auth.h"
#include "core/booking.h"
#include "core/core.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/remind.h"
#include "db/schedule.h"
#include "db/week.h"
#include "ical/ical.h"
#include "sched/sched.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define SERIES_TEXT_MAX	500	/* reasons and notes, bytes */

/* The Monday (local) of the week holding date, and the UTC span. */
static int
week_of(const char *tz, const char *date, char monday[11], time_t *from,
    time_t *to)
{
	struct tm tm;
	time_t t;
	int y, m, d, wd;

	if (valid_date(date, &y, &m, &d) == -1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	wd = (tm.tm_wday + 6) % 7;
	t -= (time_t)wd * 86400;
	gmtime_r(&t, &tm);
	strftime(monday, 11, "%Y-%m-%d", &tm);
	if (ical_local_to_utc(tz, monday, "00:00", from) == -1)
		return -1;
	t += 7 * 86400;
	gmtime_r(&t, &tm);
	{
		char next[11];

		strftime(next, sizeof(next), "%Y-%m-%d", &tm);
		if (ical_local_to_utc(tz, next, "00:00", to) == -1)
			return -1;
	}
	return 0;
}

static void
today(const char *tz, char out[11])
{
	(void)ical_utc_to_local(tz, time(NULL), out, NULL, NULL);
}

static void
local_hhmm(const char *tz, int64_t t, char out[6])
{
	(void)ical_utc_to_local(tz, (time_t)t, NULL, out, NULL);
}

/* Choice lists for selects; which one is selected. */
struct choices {
	struct tmpl_data	*d;
	const char		*key;
	int64_t			 selected;
};

static void
add_choice(void *arg, int64_t id, const char *label)
{
	struct choices *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, c->key);

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "label", label);
	tmpl_data_bool(e, "selected", id == c->selected);
}

static void
choices(struct app *app, struct tmpl_data *d, enum db_choice which,
    const char *key, int64_t selected)
{
	struct choices c = { d, key, selected };

	(void)db_choices(app->db, which, add_choice, &c);
}

static int64_t
qid(const struct form *f, const char *key)
{
	int64_t id;

	return valid_id(form_get(f, key), &id) == 0 ? id : 0;
}

/* Booking. */

enum book_field {
	B_CLIENT, B_GROUP, B_THERAPIST, B_SITE, B_ROOM, B_FIRST_DATE, B_START,
	B_LENGTH, B_END, B__MAX
};

static const char *const book_ends[] = { "count", "until", "open", NULL };

/* The booking form's fields, top to bottom. */
static const struct valid_field book_fields[B__MAX] = {
	{ "client", VALID_ID, 0, 0, 0, NULL, NULL, "Client", NULL },
	{ "group", VALID_ID, 0, 0, 0, NULL, NULL, "Group", NULL },
	{ "therapist", VALID_ID, 1, 0, 0, NULL, NULL, "Therapist",
	    "Choose a therapist" },
	{ "site", VALID_ID, 1, 0, 0, NULL, NULL, "Site", "Choose a site" },
	{ "room", VALID_ID, 0, 0, 0, NULL, NULL, "Room", NULL },
	{ "first_date", VALID_DATE, 1, 0, 0, NULL, NULL, "First session",
	    "Enter the first date as year-month-day, for example "
	    "2026-12-01" },
	{ "start", VALID_TIME, 1, 0, 0, NULL, NULL, "Start time",
	    "Enter the start time as hours and minutes, for example 10:00" },
	{ "length", VALID_INT, 1, SCHED_SESSION_SHORTEST,
	    SCHED_SESSION_LONGEST, NULL, NULL, "Length in minutes", NULL },
	{ "end", VALID_CHOICE, 0, 0, 0, book_ends, "end-count", "Ends",
	    "Choose how the series ends" },
};

/* Checked only when the series ends that way. */
static const struct valid_field book_count = {
	"count", VALID_INT, 1, 1, SCHED_SERIES_COUNT_MAX, NULL, NULL,
	"Number of sessions", NULL
};
static const struct valid_field book_until = {
	"until", VALID_DATE, 1, 0, 0, NULL, NULL, "Last date",
	"Enter the last date as year-month-day, on or after the first date"
};

/*
 * The booking form filled from f (the slot in the query on GET, the
 * answers on POST), with errs (NULL: none) in its error summary.
 */
static void
book_form(struct app *app, struct req *rq, struct resp *rs,
    const struct form *f, int status, struct valid_errors *errs)
{
	struct tmpl_data *d = app_staff_data(app, rq, errs != NULL ?
	    "Error: book sessions" : "Book sessions");
	const char *v, *end = form_get(f, "end");
	char first[11];
	int day;

	choices(app, d, CHOICE_CLIENTS, "clients", qid(f, "client"));
	choices(app, d, CHOICE_GROUPS, "groups", qid(f, "group"));
	choices(app, d, CHOICE_THERAPISTS, "therapists", qid(f, "therapist"));
	choices(app, d, CHOICE_SITES, "sites", qid(f, "site"));
	choices(app, d, CHOICE_ROOMS, "rooms", qid(f, "room"));
	v = form_get(f, "first_date");
	if ((v == NULL || *v == '\0') && (day = (int)qid(f, "day_plus1")) > 0) {
		/* From a suggestion: the next such weekday from tomorrow. */
		char t[11], mon[11];
		time_t a, b;
		int i;

		today(app->tz, t);
		(void)calendar_date_add(t, 1, t);
		(void)week_of(app->tz, t, mon, &a, &b);
		for (i = 0; i < 14; i++) {
			(void)calendar_date_add(mon, i, first);
			if (strcmp(first, t) >= 0 && i % 7 == day - 1)
				break;
		}
		v = first;
	}
	tmpl_data_set(d, "first_date", v);
	tmpl_data_set(d, "start", form_get(f, "start"));
	v = form_get(f, "length");
	if (v != NULL && *v != '\0')
		tmpl_data_set(d, "length", v);
	else
		tmpl_data_setf(d, "length", "%d", SCHED_LENGTH_MIN);
	tmpl_data_setf(d, "length_shortest", "%d", SCHED_SESSION_SHORTEST);
	tmpl_data_setf(d, "length_longest", "%d", SCHED_SESSION_LONGEST);
	tmpl_data_setf(d, "length_step", "%d", SCHED_STEP_MIN);
	tmpl_data_setf(d, "count_max", "%d", SCHED_SERIES_COUNT_MAX);
	tmpl_data_set(d, "count", form_get(f, "count"));
	tmpl_data_set(d, "until", form_get(f, "until"));
	tmpl_data_bool(d, "end_count", end == NULL || strcmp(end, "count") == 0);
	tmpl_data_bool(d, "end_until", end != NULL && strcmp(end, "until") == 0);
	tmpl_data_bool(d, "end_open", end != NULL && strcmp(end, "open") == 0);
	if (errs != NULL) {
		valid_errors_sort(errs, book_fields, B__MAX);
		valid_errors_tmpl(d, errs);
	}
	app_render(app, rs, status, "series_new.html", d);
	tmpl_data_free(d);
}

/* Shows the form again with one problem for the whole booking. */
static void
book_fail(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *anchor, const char *msg)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	valid_error_add_at(&errs, "booking", anchor, msg);
	book_form(app, rq, rs, &rq->f, status, &errs);
}

static void
book_post(struct app *app, struct req *rq, struct resp *rs)
{
	const struct form *f = &rq->f;
	struct valid_value v[B__MAX], vend;
	struct valid_errors errs;
	struct core_ctx c;
	struct core_booking b;
	const char *end, *first;
	int64_t t_of_client = 0, ref = 0, id;
	char why[CORE_WHY_LEN], loc[48];
	enum db_result res;

	memset(&errs, 0, sizeof(errs));
	memset(&vend, 0, sizeof(vend));
	memset(&b, 0, sizeof(b));
	(void)valid_form_check(f, book_fields, B__MAX, v, &errs);
	end = *v[B_END].text != '\0' ? v[B_END].text : "count";
	first = v[B_FIRST_DATE].text;
	if (!v[B_CLIENT].bad && !v[B_GROUP].bad &&
	    (*v[B_CLIENT].text != '\0') == (*v[B_GROUP].text != '\0'))
		valid_error_add(&errs, "client", "Choose either a client or a "
		    "group");
	else if (v[B_CLIENT].num > 0 && !v[B_CLIENT].bad &&
	    db_client_get(app->db, v[B_CLIENT].num, &t_of_client, &ref) != 1)
		valid_error_add(&errs, "client", "That client is not on a "
		    "caseload: assign them to a therapist first");
	if (!v[B_START].bad && v[B_START].num % 5 != 0)
		valid_error_add(&errs, "start", "Start the session on a "
		    "multiple of 5 minutes, for example 10:00 or 10:05");
	if (!v[B_END].bad && strcmp(end, "count") == 0) {
		if (valid_form_check(f, &book_count, 1, &vend, &errs) == 0)
			b.count = (int)vend.num;
	} else if (!v[B_END].bad && strcmp(end, "until") == 0) {
		if (valid_form_check(f, &book_until, 1, &vend, &errs) == 0) {
			b.until_date = vend.text;
			if (!v[B_FIRST_DATE].bad && strcmp(b.until_date,
			    first) < 0)
				valid_error_add(&errs, "until", "The last date "
				    "must be on or after the first date");
		}
	}
	if (errs.n > 0) {
		book_form(app, rq, rs, &rq->f, 422, &errs);
		goto out;
	}

	b.client_id = v[B_CLIENT].num;
	b.group_id = v[B_GROUP].num;
	b.therapist_id = v[B_THERAPIST].num;
	b.site_id = v[B_SITE].num;
	b.room_id = v[B_ROOM].num;
	b.first_date = first;
	b.start_local = v[B_START].norm;
	b.length_min = (int)v[B_LENGTH].num;
	app_core_ctx(app, rq, &c);
	res = core_series_book(&c, &b, &id, why, sizeof(why));
	switch (res) {
	case DB_OK:
		snprintf(loc, sizeof(loc), "/series/%lld?done=booked",
		    (long long)id);
		http_redirect(rs, loc);
		break;
	case DB_INVALID:
		book_fail(app, rq, rs, 422, "first_date", why);
		break;
	case DB_CONFLICT:
		book_fail(app, rq, rs, 409, "first_date", why);
		break;
	default:
		book_fail(app, rq, rs, 503, "therapist", why);
		break;
	}
out:
	valid_values_free(&vend, 1);
	valid_values_free(v, B__MAX);
}

void
page_series_new_get(struct app *app, struct req *rq, struct resp *rs)
{
	book_form(app, rq, rs, &rq->q, 200, NULL);
}

void
page_series_new_post(struct app *app, struct req *rq, struct resp *rs)
{
	book_post(app, rq, rs);
}

/* One series. */

struct series_view {
	struct tmpl_data	*d;
	const char		*tz;
	time_t			 now;
	int			 past;
	int			 future;
};

static void
series_occ(void *arg, const struct db_occ_row *o)
{
	struct series_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "occurrences");
	char date[11], s[6], t[6];
	int k;

	(void)ical_utc_to_local(v->tz, (time_t)o->start_utc, date, s, NULL);
	local_hhmm(v->tz, o->end_utc, t);
	tmpl_data_set(e, "date", o->date);
	tmpl_data_set(e, "when_date", date);
	tmpl_data_set(e, "start", s);
	tmpl_data_set(e, "end", t);
	tmpl_data_set(e, "room", o->room);
	tmpl_data_set(e, "state", o->state);
	tmpl_data_bool(e, "cancelled", strcmp(o->state, "cancelled") == 0);
	tmpl_data_bool(e, "moved", strcmp(o->state, "moved") == 0);
	tmpl_data_set(e, "reason", o->reason);
	tmpl_data_bool(e, "past", o->start_utc <= v->now);
	tmpl_data_bool(e, "upcoming", o->start_utc > v->now &&
	    strcmp(o->state, "cancelled") != 0);
	tmpl_data_bool(e, "reinstatable", o->start_utc > v->now &&
	    strcmp(o->state, "cancelled") == 0);
	if ((k = db_name_index(attendance_names, 4, o->attendance)) >= 0)
		tmpl_data_set(e, "attendance", attendance_labels[k]);
	if (o->start_utc <= v->now)
		v->past++;
	else
		v->future++;
}

/*
 * After a change (issue 17): what will be sent about the series, to
 * whom and when, from the emails still queued.
 */
struct series_pending {
	struct tmpl_data	*d;
	const char		*tz;
	time_t			 now;
	int			 n;
	int			 cancel_notices;	/* still to go */
};

static void
series_pending_add(void *arg, const struct db_week_pending *p)
{
	static const char *const what[][2] = {
		{ "booking_confirmation", "The booking confirmation, with "
		    "the calendar invitation," },
		{ "session_cancelled", "The cancellation notice" },
		{ "session_moved", "The new time" },
		{ "session_reinstated", "The news that the session is back "
		    "on" },
		{ "therapist_changes", "One email listing the changes to "
		    "their sessions" },
		{ "therapist_assigned", "The news of their new client" },
	};
	struct series_pending *sp = arg;
	struct tmpl_data *e = tmpl_data_push(sp->d, "pending");
	struct tm tm;
	time_t t;
	char hhmm[6], date[11];
	size_t i;
	long min;

	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (strcmp(p->kind, what[i][0]) == 0)
			tmpl_data_set(e, "what", what[i][1]);
	if (p->therapist)
		tmpl_data_setf(e, "who", "%s, the therapist", p->to_name);
	else
		tmpl_data_set(e, "who", p->to_name);
	tmpl_data_set(e, "addr", p->to_addr);
	memset(&tm, 0, sizeof(tm));
	if (strptime(p->not_before, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		t = sp->now;
	else
		t = timegm(&tm);
	if (t <= sp->now)
		tmpl_data_set(e, "when", "in the next minute");
	else {
		(void)ical_utc_to_local(sp->tz, t, date, hhmm, NULL);
		min = (long)((t - sp->now + 59) / 60);
		tmpl_data_setf(e, "when", "at %s (in %ld minute%s)", hhmm, min,
		    min == 1 ? "" : "s");
	}
	if (strcmp(p->kind, "session_cancelled") == 0)
		sp->cancel_notices++;
	sp->n++;
}

/* The banner after a change named by done: the emails still to go, and
 * Undo for a cancellation whose notices have not gone. */
static int
series_pending(struct app *app, const struct req *rq, struct tmpl_data *d,
    const struct db_series *s, const char *done)
{
	struct series_pending sp;
	const char *date = form_get(&rq->q, "date");

	if (done == NULL || (strcmp(done, "booked") != 0 &&
	    strcmp(done, "cancelled") != 0 && strcmp(done, "moved") != 0))
		return 0;
	memset(&sp, 0, sizeof(sp));
	sp.d = d;
	sp.tz = s->tz;
	sp.now = time(NULL);
	tmpl_data_list(d, "pending");
	if (db_week_pending_each(app->db, s->id, s->therapist_id,
	    series_pending_add, &sp) == -1)
		return -1;
	tmpl_data_bool(d, "has_pending", sp.n > 0);
	tmpl_data_bool(d, "no_pending", sp.n == 0);
	if (strcmp(done, "cancelled") == 0 && sp.cancel_notices > 0 &&
	    date != NULL && valid_date(date, NULL, NULL, NULL) == 0)
		tmpl_data_set(d, "undo_date", date);
	return 0;
}

static void
add_waiting(void *arg, int64_t id, const char *ref, const char *name,
    const char *created)
{
	struct tmpl_data *e = tmpl_data_push(arg, "waiting");

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "ref", ref);
	tmpl_data_set(e, "name", name);
	tmpl_data_setf(e, "since", "%.10s", created);
}

/* The forms of a series page: action, prefix of their ids, fields. */
static const char *const series_actions[][2] = {
	{ "cancel", "c" }, { "move", "m" }, { "end", "e" }, { "attend", "a" },
	{ "video", "v" },
};
static const char *const series_kept[] = { "date", "by", "reason",
	"new_date", "new_start", "room", "from", "status", "note",
	"video_url" };

/* Makes each problem's key its field's id, in the template's spelling. */
static void
series_keys(struct valid_errors *errs)
{
	size_t i;
	char *p;

	for (i = 0; i < errs->n; i++) {
		snprintf(errs->e[i].key, sizeof(errs->e[i].key), "%s",
		    errs->e[i].anchor);
		for (p = errs->e[i].key; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
	}
}

/* Sets v_P_FIELD for the form that was sent (P: its id prefix). */
static void
series_values(struct tmpl_data *d, const struct form *f)
{
	const char *action = form_get(f, "action");
	char key[48], *p;
	size_t i, k;

	for (i = 0; action != NULL && i < sizeof(series_actions) /
	    sizeof(series_actions[0]); i++) {
		if (strcmp(action, series_actions[i][0]) != 0)
			continue;
		for (k = 0; k < sizeof(series_kept) / sizeof(series_kept[0]);
		    k++) {
			snprintf(key, sizeof(key), "v_%s_%s",
			    series_actions[i][1], series_kept[k]);
			for (p = key; *p != '\0'; p++)
				if (*p == '-')
					*p = '_';
			tmpl_data_set(d, key, form_get(f, series_kept[k]));
		}
	}
}

/*
 * The series page, with the problems of the form just sent in errs (NULL:
 * none) in the error summary and by their fields.  Several forms share
 * the page, so each field's key is its id ("c-reason" gives e_c_reason)
 * and the typed values come back under the same names (v_c_reason).
 */
static void
series_show_errors(struct app *app, struct req *rq, struct resp *rs,
    int status, const struct db_series *s, struct valid_errors *errs)
{
	static const char *const done_text[][2] = {
		{ "booked", "The sessions are booked and the confirmations "
		    "queued." },
		{ "cancelled", "The session was cancelled." },
		{ "moved", "The session was moved." },
		{ "ended", "The series was ended." },
		{ "attended", "Attendance was recorded." },
		{ "reinstated", "The session is back on. The cancellation "
		    "notice had not gone yet, so nothing was sent." },
		{ "reinstated-told", "The session is back on. The client had "
		    "been told of the cancellation, so they will be told it is "
		    "back on." },
		{ "video", "The video call link is saved. The client gets it "
		    "in their booking email, their reminders and on their own "
		    "page." },
		{ "video-removed", "The video call link is removed." },
		{ "move-undone", "The move was undone: the session is back at "
		    "its time and room before, and the client is not told of "
		    "the move." },
		{ "move-undone-already", "That move was undone already. "
		    "Nothing more was changed." },
	};
	const char *done = form_get(&rq->q, "done");
	struct series_view v;
	struct core_ctx c;
	struct tmpl_data *d, *e;
	size_t i;
	int k, wd;

	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: series" : "Series");
	tmpl_data_setf(d, "id", "%lld", (long long)s->id);
	tmpl_data_set(d, "therapist", s->therapist);
	tmpl_data_setf(d, "therapist_id", "%lld", (long long)s->therapist_id);
	tmpl_data_set(d, "client", s->client);
	tmpl_data_set(d, "client_ref", s->client_ref);
	tmpl_data_setf(d, "client_id", "%lld", (long long)s->client_id);
	tmpl_data_setf(d, "referral_id", "%lld", (long long)s->referral_id);
	tmpl_data_set(d, "group", s->group);
	tmpl_data_bool(d, "is_group", s->group_id > 0);
	tmpl_data_set(d, "site", s->site);
	tmpl_data_set(d, "room", s->room);
	tmpl_data_set(d, "first_date", s->first_date);
	tmpl_data_set(d, "start_local", s->start_local);
	tmpl_data_setf(d, "length", "%d", s->length_min);
	if (s->count > 0)
		tmpl_data_setf(d, "ends", "after %d sessions", s->count);
	else if (*s->until_date)
		tmpl_data_setf(d, "ends", "on %s", s->until_date);
	else
		tmpl_data_set(d, "ends", "open-ended");
	tmpl_data_set(d, "status", s->status);
	tmpl_data_bool(d, "active", strcmp(s->status, "active") == 0);
	tmpl_data_set(d, "ended_from", s->ended_from);
	tmpl_data_set(d, "tz", s->tz);
	/* Online sessions: the video call's link (issue 17). */
	tmpl_data_set(d, "video_url", s->video_url);
	tmpl_data_bool(d, "online", s->site_online || s->video_url[0] != '\0');
	page_terms_series(app, d, s);	/* term time only (issue 20) */
	if (errs != NULL) {
		series_keys(errs);
		valid_errors_tmpl(d, errs);
	}
	for (i = 0; done != NULL && i < sizeof(done_text) /
	    sizeof(done_text[0]); i++)
		if (strcmp(done, done_text[i][0]) == 0)
			tmpl_data_set(d, "notice", done_text[i][1]);
	if (series_pending(app, rq, d, s, done) == -1 ||
	    page_undo_banner(app, rq, d, s) == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "The series cannot be shown now.");
		return;
	}
	for (k = 0; k < 4; k++) {
		e = tmpl_data_push(d, "statuses");
		tmpl_data_set(e, "value", attendance_names[k]);
		tmpl_data_set(e, "label", attendance_labels[k]);
	}
	choices(app, d, CHOICE_ROOMS, "rooms", s->room_id);
	/* Typed values kept on an error, in the form they were typed in. */
	series_values(d, &rq->f);

	memset(&v, 0, sizeof(v));
	v.d = d;
	v.tz = s->tz;
	v.now = time(NULL);
	if (db_occ_each(app->db, OCC_BY_SERIES, s->id, 0, INT64_MAX,
	    series_occ, &v) == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "The series cannot be shown now.");
		return;
	}
	/* When it has ended, offer the freed place to the waitlist. */
	app_core_ctx(app, rq, &c);
	if (core_freed_place(&c, s, 10, &wd, add_waiting, d) == 1) {
		tmpl_data_setf(d, "freed_day", "%d", wd + 1);
		tmpl_data_bool(d, "freed", 1);
		page_offer_series(app, d, s->id);
	}
	app_render(app, rs, status, "series.html", d);
	tmpl_data_free(d);
}

static void
series_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_series *s, const char *error)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	if (error != NULL)
		valid_error_add(&errs, "main", error);
	series_show_errors(app, rq, rs, status, s, &errs);
}

/* The page with one problem, linked to the control anchor. */
static void
series_fail(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_series *s, const char *anchor, const char *msg)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	valid_error_add(&errs, anchor, msg);
	series_show_errors(app, rq, rs, status, s, &errs);
}

void
page_series_refused(struct app *app, struct req *rq, struct resp *rs,
    int status, const struct db_series *s, const char *anchor,
    const char *msg)
{
	series_fail(app, rq, rs, status, s, anchor, msg);
}

static const char *const cancel_by[] = { "client", "therapist", "service",
	NULL };

/* Each form of the series page, its fields once. */
static const struct valid_field cancel_fields[] = {
	{ "date", VALID_DATE, 1, 0, 0, NULL, "c-date", "Session",
	    "Choose the session" },
	{ "by", VALID_CHOICE, 1, 0, 0, cancel_by, "c-by", "Cancelled by",
	    "Choose who cancelled the session" },
	{ "reason", VALID_LINE, 1, 0, SERIES_TEXT_MAX, NULL, "c-reason",
	    "Reason", "Give a reason for the cancellation" },
};
static const struct valid_field move_fields[] = {
	{ "date", VALID_DATE, 1, 0, 0, NULL, "m-date", "Session",
	    "Choose the session" },
	{ "new_date", VALID_DATE, 1, 0, 0, NULL, "m-new-date", "New date",
	    "Enter the new date as year-month-day, for example 2026-12-24" },
	{ "new_start", VALID_TIME, 1, 0, 0, NULL, "m-new-start",
	    "New start time", "Enter the new start time as hours and "
	    "minutes, for example 10:00" },
	{ "room", VALID_ID, 0, 0, 0, NULL, "m-room", "Room", NULL },
	{ "reason", VALID_LINE, 0, 0, SERIES_TEXT_MAX, NULL, "m-reason",
	    "Reason", NULL },
};
static const struct valid_field end_fields[] = {
	{ "from", VALID_DATE, 1, 0, 0, NULL, "e-from", "No sessions from",
	    "Enter the date from which there are no more sessions" },
	{ "reason", VALID_LINE, 1, 0, SERIES_TEXT_MAX, NULL, "e-reason",
	    "Reason", "Give a reason for ending the series" },
};
static const struct valid_field attend_fields[] = {
	{ "date", VALID_DATE, 1, 0, 0, NULL, "a-date", "Session",
	    "Choose the session" },
	{ "status", VALID_LINE, 1, 0, 20, NULL, "a-status", "What happened",
	    "Choose what happened" },
	{ "note", VALID_LINE, 0, 0, SERIES_TEXT_MAX, NULL, "a-note", "Note",
	    NULL },
	{ "client", VALID_ID, 0, 0, 0, NULL, "a-status", "Client", NULL },
};
static const struct valid_field video_fields[] = {
	{ "video_url", VALID_URL, 0, 0, 0, NULL, "v-video-url",
	    "Video call link", "Enter the video call's web address, starting "
	    "https://, for example https://meet.example.org/abc-123" },
};
static const struct valid_field reinstate_fields[] = {
	{ "date", VALID_DATE, 1, 0, 0, NULL, "h-cancel", "Session",
	    "Choose the session" },
};
#define FIELDS(t)	(t), (sizeof(t) / sizeof((t)[0]))
#define SERIES_FIELDS_MAX	5

/* POST /series/ID: rec is the series (app_record). */
static void
series_post(struct app *app, struct req *rq, struct resp *rs,
    const void *rec)
{
	const struct db_series *s = rec;
	static const struct {
		const char			*action;
		const struct valid_field	*fields;
		size_t				 n;
	} forms[] = {
		{ "cancel", FIELDS(cancel_fields) },
		{ "move", FIELDS(move_fields) },
		{ "end", FIELDS(end_fields) },
		{ "reinstate", FIELDS(reinstate_fields) },
		{ "attend", FIELDS(attend_fields) },
		{ "video", FIELDS(video_fields) },
	};
	const char *action = form_get(&rq->f, "action");
	struct valid_value v[SERIES_FIELDS_MAX];
	struct valid_errors errs;
	char loc[96], why[CORE_WHY_LEN];
	struct core_ctx c;
	enum db_result res;
	size_t k, n = 0;

	memset(v, 0, sizeof(v));
	memset(&errs, 0, sizeof(errs));
	for (k = 0; action != NULL && k < sizeof(forms) / sizeof(forms[0]);
	    k++)
		if (strcmp(action, forms[k].action) == 0)
			break;
	if (action == NULL || k == sizeof(forms) / sizeof(forms[0])) {
		http_error(app, rs, 400, "That is not something this page can "
		    "do.");
		return;
	}
	n = forms[k].n;
	if (valid_form_check(&rq->f, forms[k].fields, n, v, &errs) > 0) {
		series_show_errors(app, rq, rs, 422, s, &errs);
		goto out;
	}
	app_core_ctx(app, rq, &c);
	if (strcmp(action, "cancel") == 0) {
		res = core_occ_cancel(&c, s->id, v[0].text,
		    (enum db_cancel_by)v[1].num, v[2].text, why, sizeof(why));
		if (res != DB_OK) {
			series_fail(app, rq, rs, res == DB_INVALID ? 422 : 503,
			    s, "c-date", why);
			goto out;
		}
		snprintf(loc, sizeof(loc), "/series/%lld?done=cancelled&date=%s",
		    (long long)s->id, v[0].text);
	} else if (strcmp(action, "move") == 0) {
		res = core_occ_move(&c, s->id, v[0].text, v[1].text,
		    v[2].norm, v[3].num, v[4].text, why, sizeof(why));
		if (res != DB_OK) {
			series_fail(app, rq, rs, res == DB_CONFLICT ? 409 :
			    res == DB_INVALID ? 422 : 503, s, "m-new-date",
			    why);
			goto out;
		}
		snprintf(loc, sizeof(loc), "/series/%lld?done=moved",
		    (long long)s->id);
	} else if (strcmp(action, "end") == 0) {
		res = core_series_end(&c, s->id, v[0].text, v[1].text, why,
		    sizeof(why));
		if (res != DB_OK) {
			series_fail(app, rq, rs, 422, s, "e-from", why);
			goto out;
		}
		snprintf(loc, sizeof(loc), "/series/%lld?done=ended",
		    (long long)s->id);
	} else if (strcmp(action, "reinstate") == 0) {
		int notified = 0;

		res = core_occ_reinstate(&c, s->id, v[0].text, &notified, why,
		    sizeof(why));
		if (res != DB_OK) {
			series_fail(app, rq, rs, res == DB_CONFLICT ? 409 :
			    res == DB_INVALID ? 422 : 503, s, "h-cancel", why);
			goto out;
		}
		snprintf(loc, sizeof(loc), "/series/%lld?done=%s",
		    (long long)s->id, notified > 0 ? "reinstated-told" :
		    "reinstated");
	} else if (strcmp(action, "video") == 0) {
		if (db_series_video_set(app->db, s->id, v[0].text, c.user_id,
		    c.addr) != DB_OK) {
			series_fail(app, rq, rs, 503, s, "v-video-url", "The "
			    "link could not be saved just now. Try again.");
			goto out;
		}
		snprintf(loc, sizeof(loc), "/series/%lld?done=%s",
		    (long long)s->id, v[0].text[0] != '\0' ? "video" :
		    "video-removed");
	} else {
		res = db_attendance_set(app->db, s->id, v[0].text,
		    s->client_id > 0 ? s->client_id : v[3].num, v[1].text,
		    v[2].text, rq->user->id);
		if (res != DB_OK) {
			series_fail(app, rq, rs, 422, s, "a-date", "Attendance "
			    "can be recorded for a past session, with one of "
			    "the choices shown.");
			goto out;
		}
		snprintf(loc, sizeof(loc), "/series/%lld?done=attended",
		    (long long)s->id);
	}
	http_redirect(rs, loc);
out:
	valid_values_free(v, n);
}

/* Series rq->id[0] into rec; 0, or -1 having answered 404 or 503. */
static int
series_load(struct app *app, const struct req *rq, struct resp *rs,
    void *rec)
{
	return app_found(app, rs, db_series_get(app->db, rq->id[0], rec),
	    "series") ? 0 : -1;
}

static void
series_get(struct app *app, struct req *rq, struct resp *rs, const void *s)
{
	series_show(app, rq, rs, 200, s, NULL);
}

static const struct app_record series_page = {
	sizeof(struct db_series), series_load, series_get, series_post
};

void
page_series_get(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_get(app, rq, rs, &series_page);
}

void
page_series_post(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_post(app, rq, rs, &series_page);
}

void
page_attendance(struct app *app, struct req *rq, struct resp *rs)
{
	static const struct valid_field fields[] = {
		{ "series", VALID_ID, 1, 0, 0, NULL, NULL, "Series", NULL },
		{ "date", VALID_DATE, 1, 0, 0, NULL, NULL, "Session", NULL },
		{ "status", VALID_LINE, 1, 0, 20, NULL, NULL, "What happened",
		    "Choose what happened" },
		{ "note", VALID_LINE, 0, 0, SERIES_TEXT_MAX, NULL, NULL,
		    "Note", NULL },
		{ "client", VALID_ID, 0, 0, 0, NULL, NULL, "Client", NULL },
	};
	struct valid_value v[5];
	struct valid_errors errs, row;
	struct db_series s;
	int64_t tid = 0;
	char key[64], anchor[80];
	enum db_result res;
	size_t i;

	memset(&errs, 0, sizeof(errs));
	memset(&row, 0, sizeof(row));
	(void)valid_form_check(&rq->f, fields, 5, v, &errs);
	if (v[0].bad || db_series_get(app->db, v[0].num, &s) != 1) {
		http_error(app, rs, 404, "There is no such series.");
		goto out;
	}
	/* A therapist records only for their own sessions. */
	if (!auth_can(rq->user->role, ACT_BOOK) &&
	    (db_therapist_of_user(app->db, rq->user->id, &tid) != 1 ||
	    tid != s.therapist_id)) {
		http_error(app, rs, 403, "These are not your sessions.");
		goto out;
	}
	if (errs.n == 0) {
		res = db_attendance_set(app->db, s.id, v[1].text,
		    s.client_id > 0 ? s.client_id : v[4].num, v[2].text,
		    v[3].text, rq->user->id);
		if (res == DB_OK) {
			http_redirect(rs, "/me?done=attended");
			goto out;
		}
		valid_error_add(&errs, "status", "Attendance can be recorded "
		    "for a past session, with one of the choices shown");
	}
	/* One form a session on /me: the problems go to its row. */
	snprintf(key, sizeof(key), "att-%lld-%s", (long long)s.id,
	    v[1].text);
	snprintf(anchor, sizeof(anchor), "%s-attended", key);
	for (i = 0; i < errs.n; i++)
		valid_error_add_at(&row, key, anchor, errs.e[i].msg);
	page_me_errors(app, rq, rs, 422, &row);
out:
	valid_values_free(v, 5);
}

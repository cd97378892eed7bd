/*
 * page_my: a client's own page, opened from the personal link in every
 * email to them (issue 18).  No sign-in and no CSRF token: the signed
 * link (mail_my_check: HMAC-signed, stored hashed, revocable) is the
 * authority, it names one person, and every action acts on that
 * person's records only.
 *
 *   GET  /my?t=TOKEN   their reference, status, upcoming sessions (date,
 *                      time, place and address, therapist's first name)
 *                      and what they can do; ?done= after an action
 *   POST /my           t=, action=:
 *                        cant_come       series=, date= (original date)
 *                        leave_waitlist  confirm=yes (else asks first)
 *                        still_waiting   answer=yes|no,
 *                                        wellbeing=better|same|worse
 *                        update          phone=, email=, access_needs=
 *                      then 303 to /my?t=TOKEN&done=ACTION
 *
 * A forged, damaged or revoked token gets 404.  The token is in the
 * query or body only, never in the path, so no request log holds it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cgi/app.h"
#include "cgi/valid.h"
#include "core/core.h"
#include "core/self.h"
#include "db/db.h"
#include "db/reports.h"
#include "db/self.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define MY_SESSIONS_SHOWN	8
#define MY_PHONE_MAX		40
#define MY_EMAIL_MAX		254
#define MY_ACCESS_MAX		1000

int
page_link_open(struct app *app, struct req *rq, struct resp *rs, int post,
    int (*check)(struct db *, const unsigned char *, const char *,
    int64_t *), const char **token, int64_t *id)
{
	unsigned char key[MAIL_LINK_KEY_LEN];
	int rc;

	http_header(rs, "Cache-Control", "no-store");
	http_header(rs, "X-Robots-Tag", "noindex");
	http_header(rs, "Referrer-Policy", "no-referrer");
	*token = form_get(post ? &rq->f : &rq->q, "t");
	if (*token == NULL && post)
		*token = form_get(&rq->q, "t");
	if (mail_link_key(app->db, key) == -1) {
		http_error(app, rs, 503, "This page cannot be opened just now. "
		    "Please try again in a few minutes.");
		return 0;
	}
	rc = check(app->db, key, *token, id);
	sodium_memzero(key, sizeof(key));
	if (rc == -1) {
		http_error(app, rs, 503, "This page cannot be opened just now. "
		    "Please try again in a few minutes.");
		return 0;
	}
	if (rc == 0) {
		http_error(app, rs, 404, "This link does not work. Check that "
		    "the whole link from your email was used, or open the "
		    "link in our latest email to you.");
		return 0;
	}
	return 1;
}

/* The person of a /my request (page_link_open with their link). */
static int
my_person(struct app *app, struct req *rq, struct resp *rs, int post,
    const char **token, int64_t *id)
{
	return page_link_open(app, rq, rs, post, mail_my_check, token, id);
}

/* "Monday 14 December 2026" from "2026-12-14" or an ISO time. */
static void
date_words(const char *iso, char *out, size_t n)
{
	int y, m, d;
	struct tm tm;

	out[0] = '\0';
	if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
		return;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	(void)timegm(&tm);
	(void)snprintf(out, n, "%s %d %s %d",
	    calendar_day_names[(tm.tm_wday + 6) % 7], d,
	    calendar_month_names[m - 1], y);
}

/* What fills one session of the list. */
struct my_list {
	struct tmpl_data	*d;
	const char		*tz;
	int			 n;
};

static void
my_session_add(void *arg, const struct db_my_session *s)
{
	struct my_list *l = arg;
	struct tmpl_data *e = tmpl_data_push(l->d, "sessions");
	char date[11], hhmm[6], day[64];
	int wd;

	l->n++;
	if (ical_utc_to_local(l->tz, (time_t)s->start_utc, date, hhmm,
	    &wd) == -1)
		return;
	date_words(date, day, sizeof(day));
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "time", hhmm);
	tmpl_data_setf(e, "minutes", "%lld",
	    (long long)((s->end_utc - s->start_utc) / 60));
	tmpl_data_set(e, "site", s->site);
	tmpl_data_set(e, "address", s->address);
	tmpl_data_set(e, "postcode", s->postcode);
	tmpl_data_set(e, "room", s->room);
	tmpl_data_set(e, "therapist", s->therapist);
	tmpl_data_setf(e, "series", "%lld", (long long)s->series_id);
	tmpl_data_set(e, "date", s->date);
	tmpl_data_setf(e, "id", "s%lld-%s", (long long)s->series_id, s->date);
	if (strcmp(s->state, "cancelled") == 0) {
		tmpl_data_bool(e, "cancelled", 1);
		tmpl_data_bool(e, "late", s->late);
		tmpl_data_bool(e, "by_you", s->self_cancelled);
	} else
		tmpl_data_bool(e, "can_cancel", 1);
	tmpl_data_bool(e, "moved", strcmp(s->state, "moved") == 0);
	/* An online session's video call link (issue 17). */
	if (strcmp(s->state, "cancelled") != 0)
		tmpl_data_set(e, "video_url", s->video_url);
}

/* The labels of the states a person may be in, in their words. */
static void
my_status(struct tmpl_data *d, const struct db_my *m)
{
	char day[64];

	if (strcmp(m->status, "active") == 0 ||
	    strcmp(m->status, "matched") == 0) {
		tmpl_data_set(d, "status_text", "You have music therapy "
		    "sessions with us.");
		tmpl_data_bool(d, "active", 1);
	} else if (strcmp(m->status, "waitlisted") == 0 ||
	    strcmp(m->status, "triaged") == 0 ||
	    strcmp(m->status, "new") == 0) {
		date_words(m->waiting_since[0] != '\0' ? m->waiting_since :
		    m->created_at, day, sizeof(day));
		tmpl_data_setf(d, "status_text", strcmp(m->status,
		    "waitlisted") == 0 ? "You are on the waiting list since "
		    "%s." : "We have your referral since %s. We are looking "
		    "at it.", day);
		tmpl_data_bool(d, "waiting", 1);
		tmpl_data_bool(d, "check", strcmp(m->status,
		    "waitlisted") == 0);
		tmpl_data_bool(d, "check_open", m->check_id > 0);
	} else if (strcmp(m->status, "withdrawn") == 0)
		tmpl_data_set(d, "status_text", "You are no longer on our "
		    "waiting list. If you want a place again, contact the "
		    "office.");
	else
		tmpl_data_set(d, "status_text", "Your music therapy with us "
		    "has ended. If you want to come back, contact the "
		    "office.");
}

/* The sentence for ?done=. */
static const char *
my_done_text(const char *done)
{
	static const struct {
		const char *name, *text;
	} texts[] = {
		{ "cant_come", "Thank you for telling us. That session is "
		    "cancelled. We have told your therapist and sent you an "
		    "email." },
		{ "late", "Thank you for telling us. That session is "
		    "cancelled. It was less than a day before, so it counts as "
		    "a late cancellation. We have told your therapist." },
		{ "leave_waitlist", "You have left the waiting list. We have "
		    "told the office. Thank you for letting us know." },
		{ "still_waiting", "Thank you. Your answer is saved. You stay "
		    "on the waiting list." },
		{ "no_longer", "Thank you. We have taken you off the waiting "
		    "list, as you asked." },
		{ "worse", "Thank you for telling us. Someone from the office "
		    "will contact you soon." },
		{ "update", "Your details are changed. Thank you." },
		{ "stop", "Your sessions are stopped. We have told your "
		    "therapist and the office. Thank you for letting us know." },
		{ "same", "Nothing needed changing." },
	};
	size_t i;

	if (done == NULL)
		return NULL;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].name, done) == 0)
			return texts[i].text;
	return NULL;
}

/* Renders the page for person id, with an error or a question. */
static void
my_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *token, int64_t id, const char *error, int confirm_leave)
{
	struct tmpl_data *d;
	struct db_my m;
	struct my_list l;
	const char *done;
	int rc;

	if ((rc = db_my_get(app->db, id, &m)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "This link does not work any more." : "This page cannot "
		    "be opened just now. Please try again in a few minutes.");
		return;
	}
	d = tmpl_data_new();
	tmpl_data_set(d, "title", "Your music therapy");
	tmpl_data_set(d, "token", token);
	tmpl_data_set(d, "ref", m.ref);
	tmpl_data_set(d, "given_name", m.given_name);
	tmpl_data_set(d, "phone", m.phone);
	tmpl_data_set(d, "email", m.email);
	tmpl_data_set(d, "access_needs", m.access_needs);
	tmpl_data_setf(d, "late_hours", "%ld", db_setting_int(app->db,
	    "late_cancel_hours", CORE_LATE_CANCEL_HOURS));
	my_status(d, &m);
	if (m.last_checked[0] != '\0') {
		char day[64];

		date_words(m.last_checked, day, sizeof(day));
		tmpl_data_set(d, "last_checked", day);
	}
	if (error != NULL)
		tmpl_data_set(d, "error", error);
	/* 1: asks before leaving the list; 2: before stopping sessions. */
	if (confirm_leave == 1)
		tmpl_data_bool(d, "confirm_leave", 1);
	if (confirm_leave == 2)
		tmpl_data_bool(d, "confirm_stop", 1);
	done = form_get(&rq->q, "done");
	if ((done = my_done_text(done)) != NULL)
		tmpl_data_set(d, "done", done);
	if (done != NULL && strcmp(form_get(&rq->q, "done"), "worse") == 0)
		tmpl_data_bool(d, "crisis", 1);
	l.d = d;
	l.tz = app->tz;
	l.n = 0;
	tmpl_data_list(d, "sessions");
	if (db_my_sessions(app->db, id, (int64_t)time(NULL),
	    MY_SESSIONS_SHOWN, my_session_add, &l) == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "This page cannot be opened just now. "
		    "Please try again in a few minutes.");
		return;
	}
	tmpl_data_bool(d, "has_sessions", l.n > 0);
	app_render(app, rs, status, "my.html", d);
	tmpl_data_free(d);
}

void
page_my_get(struct app *app, struct req *rq, struct resp *rs)
{
	const char *token;
	int64_t id;

	if (!my_person(app, rq, rs, 0, &token, &id))
		return;
	my_show(app, rq, rs, 200, token, id, NULL, 0);
}

/* 303 back to the page with done=. */
static void
my_done(struct resp *rs, const char *token, const char *done)
{
	char loc[256];

	(void)snprintf(loc, sizeof(loc), "/my?t=%s&done=%s", token, done);
	http_redirect(rs, loc);
}

/* 1 when s is NULL or holds no control character and fits max. */
static int
text_ok(const char *s, size_t max)
{
	size_t i;

	if (s == NULL)
		return 1;
	if (strlen(s) > max)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r'
		    && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * A change the person confirms once (leave the waiting list, stop their
 * sessions): without confirm=yes the page asks question "ask" of
 * my_show; with it the change is made (once: a double click changes
 * nothing more) and the page says it is done.
 */
static void
my_confirmed(struct app *app, struct req *rq, struct resp *rs,
    const struct core_ctx *ctx, const char *token, int64_t id,
    const char *action, int ask, enum db_result (*change)(
    const struct core_ctx *, int64_t, char *, size_t))
{
	const char *s = form_get(&rq->f, "confirm");
	char why[CORE_WHY_LEN];
	enum db_result r;

	if (s == NULL || strcmp(s, "yes") != 0) {
		my_show(app, rq, rs, 200, token, id, NULL, ask);
		return;
	}
	r = change(ctx, id, why, sizeof(why));
	if (r == DB_OK || r == DB_DUPLICATE)
		my_done(rs, token, action);
	else
		my_show(app, rq, rs, r == DB_INVALID ? 422 : 503, token, id,
		    why, 0);
}

void
page_my_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct core_ctx ctx;
	const char *token, *action, *s, *answer, *wellbeing, *phone, *email;
	char why[CORE_WHY_LEN];
	int64_t id, series;
	int late = 0;
	enum db_result r;

	if (!my_person(app, rq, rs, 1, &token, &id))
		return;
	app_core_ctx(app, rq, &ctx);
	action = form_get(&rq->f, "action");
	if (action == NULL)
		action = "";
	if (strcmp(action, "cant_come") == 0) {
		s = form_get(&rq->f, "series");
		if (s == NULL || valid_id(s, &series) == -1 ||
		    (s = form_get(&rq->f, "date")) == NULL ||
		    strlen(s) != 10) {
			my_show(app, rq, rs, 422, token, id, "We could not "
			    "tell which session you mean. Choose it from the "
			    "list below.", 0);
			return;
		}
		r = core_self_cant_come(&ctx, id, series, s, &late, why,
		    sizeof(why));
		if (r == DB_OK || r == DB_DUPLICATE) {
			my_done(rs, token, late ? "late" : "cant_come");
			return;
		}
		my_show(app, rq, rs, r == DB_INVALID ? 422 : 503, token, id,
		    why, 0);
		return;
	}
	if (strcmp(action, "leave_waitlist") == 0) {
		my_confirmed(app, rq, rs, &ctx, token, id, action, 1,
		    core_self_leave);
		return;
	}
	if (strcmp(action, "stop") == 0) {
		my_confirmed(app, rq, rs, &ctx, token, id, action, 2,
		    core_self_stop);
		return;
	}
	if (strcmp(action, "still_waiting") == 0) {
		answer = form_get(&rq->f, "answer");
		wellbeing = form_get(&rq->f, "wellbeing");
		r = core_self_answer(&ctx, id, answer, wellbeing, why,
		    sizeof(why));
		if (r == DB_OK || r == DB_DUPLICATE) {
			my_done(rs, token, wellbeing != NULL &&
			    strcmp(wellbeing, "worse") == 0 ? "worse" :
			    answer != NULL && strcmp(answer, "no") == 0 ?
			    "no_longer" : "still_waiting");
			return;
		}
		my_show(app, rq, rs, r == DB_INVALID ? 422 : 503, token, id,
		    why, 0);
		return;
	}
	if (strcmp(action, "update") == 0) {
		phone = form_get(&rq->f, "phone");
		email = form_get(&rq->f, "email");
		s = form_get(&rq->f, "access_needs");
		if (!text_ok(phone, MY_PHONE_MAX) || !text_ok(s,
		    MY_ACCESS_MAX) || (email != NULL && *email != '\0' &&
		    !mail_addr_ok(email))) {
			my_show(app, rq, rs, 422, token, id, "Check your "
			    "details: the email address must look like "
			    "name@example.com, and the phone number must be "
			    "short.", 0);
			return;
		}
		r = db_self_update(app->db, id, phone, email, s,
		    rq->remote_addr);
		if (r == DB_OK || r == DB_DUPLICATE) {
			my_done(rs, token, r == DB_OK ? "update" : "same");
			return;
		}
		my_show(app, rq, rs, 503, token, id, "Your details could not "
		    "be saved just now. Please try again later.", 0);
		return;
	}
	my_show(app, rq, rs, 422, token, id, "Choose what you want to do "
	    "from this page.", 0);
}

/*
 * page_offer: place offers (issue 18).
 *
 * The person's page, opened from the offer's email.  No sign-in and no
 * CSRF token: the signed offer link (mail_offer_check: HMAC-signed,
 * at the person's current link generation, so revoking their /my link
 * stops it too) is the authority, and it names one offer.
 *
 *   GET  /offer?t=TOKEN   what, where, when, from when, answer by when;
 *                         or what became of it (theirs, taken, ended,
 *                         or said yes but it could not be booked)
 *   POST /offer           t=, action=accept, or action=decline
 *                         (confirm=yes, else it asks once); then 303
 *                         back to GET, which shows the outcome
 *
 * The coordinator's pages (ACT_ASSIGN):
 *
 *   GET  /places          every open place (newest first) with its
 *                         offers' states, and those filled or withdrawn
 *                         lately
 *   POST /places          series=: the place that series freed, its
 *                         waiting people ranked; 303 to /places/ID
 *   GET  /places/:id      the place, the ranked people with the plain
 *                         reasons, each offer's state; ?done=
 *   POST /places/:id      action=send (confirm the list: the first
 *                         offers go) or action=close (withdraw it)
 *
 * A forged, damaged or revoked token gets 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/valid.h"
#include "core/core.h"
#include "core/offer.h"
#include "db/db.h"
#include "db/offers.h"
#include "db/reports.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "util/calendar.h"

#define PLACES_SHOWN	100	/* places the list shows of each kind */

/* "Tuesdays", for "on Tuesdays at 10:00". */
static const char *const weekdays[7] = { "Mondays", "Tuesdays",
	"Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays" };

/* An ISO UTC time as "Monday 7 December 2026 at 10:00" in tz. */
static void
when_text(const char *tz, const char *iso, char *out, size_t n)
{
	struct tm tm;
	char date[11], hhmm[6], day[64];
	int y, mo, d, h, mi, sec;
	time_t t;

	out[0] = '\0';
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
	    &sec) != 6)
		return;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (ical_utc_to_local(tz, t, date, hhmm, NULL) != 0)
		return;
	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	(void)snprintf(out, n, "%s at %s", day, hhmm);
}

/* What place p is, for the person and for staff. */
static void
place_data(struct tmpl_data *d, const struct db_place *p)
{
	char day[64];
	const char *sp = strchr(p->therapist, ' ');

	tmpl_data_set(d, "weekdays", weekdays[p->weekday % 7]);
	tmpl_data_set(d, "time", p->start_local);
	tmpl_data_setf(d, "minutes", "%d", p->length_min);
	(void)calendar_date_text(p->first_date, CALENDAR_LONG, day,
	    sizeof(day));
	tmpl_data_set(d, "first_day", day);
	tmpl_data_set(d, "site", p->site);
	tmpl_data_set(d, "room", p->room);
	tmpl_data_set(d, "address", p->address);
	tmpl_data_set(d, "postcode", p->postcode);
	tmpl_data_set(d, "therapist", p->therapist);
	if (sp != NULL)
		tmpl_data_setf(d, "therapist_first", "%.*s",
		    (int)(sp - p->therapist), p->therapist);
	else
		tmpl_data_set(d, "therapist_first", p->therapist);
}

/* How place p was freed, in plain words. */
static const char *
place_how(const struct db_place *p)
{
	if (p->from_series_id <= 0)
		return "The therapist can take more clients (their caseload "
		    "or hours were raised)";
	if (strcmp(p->from_status, "cancelled") == 0)
		return "A series was cancelled";
	if (strcmp(p->from_status, "active") == 0)
		return "The client stopped their sessions";
	return "A series ended";
}

/* ---- the person's page ---- */

/* 1 when offer o is live at now (ISO). */
static int
offer_live(const struct db_offer *o, const struct db_place *p,
    const char *now)
{
	return strcmp(o->status, "sent") == 0 && strcmp(p->status, "open") ==
	    0 && strcmp(o->expires_at, now) > 0;
}

/* Renders the offer page for offer id with status, asking to confirm a
 * decline when confirm, or with error. */
static void
offer_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *token, int64_t id, int confirm, const char *error)
{
	struct tmpl_data *d;
	struct db_offer o;
	struct db_place p;
	char now[21], text[96], my[MAIL_LINK_TOKEN_LEN];
	unsigned char key[MAIL_LINK_KEY_LEN];
	const char *st;

	(void)rq;
	if (db_offer_get(app->db, id, &o) != 1 ||
	    db_place_get(app->db, o.place_id, &p) != 1) {
		http_error(app, rs, 503, "This page cannot be opened just now. "
		    "Please try again in a few minutes.");
		return;
	}
	db_now(now);
	d = tmpl_data_new();
	tmpl_data_set(d, "title", "A music therapy place for you");
	tmpl_data_set(d, "token", token);
	tmpl_data_set(d, "ref", o.ref);
	place_data(d, &p);
	st = o.status;
	if (strcmp(st, "sent") == 0 && !offer_live(&o, &p, now))
		st = strcmp(p.status, "open") == 0 ? "expired" : "taken";
	if (strcmp(st, "sent") == 0) {
		tmpl_data_bool(d, "live", 1);
		when_text(app->tz, o.expires_at, text, sizeof(text));
		tmpl_data_set(d, "answer_by", text);
		tmpl_data_bool(d, "confirm_decline", confirm);
	} else if (strcmp(st, "accepted") == 0)
		tmpl_data_bool(d, "accepted", 1);
	else if (strcmp(st, "taken") == 0)
		/* Said yes, but the booking was refused: not someone
		 * else's doing, and the office will call. */
		tmpl_data_bool(d, o.unbookable ? "unbookable" : "taken", 1);
	else if (strcmp(st, "declined") == 0)
		tmpl_data_bool(d, "declined", 1);
	else
		tmpl_data_bool(d, "ended", 1);
	if (error != NULL)
		tmpl_data_set(d, "error", error);
	/* Their own page, for everything else. */
	if (mail_link_key(app->db, key) == 0 &&
	    mail_my_token(app->db, key, o.referral_id, my) == 0)
		tmpl_data_set(d, "my_token", my);
	app_render(app, rs, status, "offer.html", d);
	tmpl_data_free(d);
}

void
page_offer_get(struct app *app, struct req *rq, struct resp *rs)
{
	const char *token;
	int64_t id;

	if (!page_link_open(app, rq, rs, 0, mail_offer_check, &token, &id))
		return;
	offer_show(app, rq, rs, 200, token, id, 0, NULL);
}

void
page_offer_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct core_ctx ctx;
	const char *token, *action, *confirm;
	char why[CORE_WHY_LEN], loc[160];
	int64_t id;
	enum db_result r;

	if (!page_link_open(app, rq, rs, 1, mail_offer_check, &token, &id))
		return;
	app_core_ctx(app, rq, &ctx);
	ctx.user_id = 0;
	action = form_get(&rq->f, "action");
	confirm = form_get(&rq->f, "confirm");
	if (action != NULL && strcmp(action, "accept") == 0)
		r = core_offer_accept(&ctx, id, why, sizeof(why));
	else if (action != NULL && strcmp(action, "decline") == 0) {
		if (confirm == NULL || strcmp(confirm, "yes") != 0) {
			offer_show(app, rq, rs, 200, token, id, 1, NULL);
			return;
		}
		r = core_offer_decline(&ctx, id, why, sizeof(why));
	} else {
		offer_show(app, rq, rs, 422, token, id, 0, "Choose yes or no "
		    "from this page.");
		return;
	}
	/* What became of it shows on the page: taken, ended, theirs. */
	if (r == DB_OK || r == DB_DUPLICATE || r == DB_CONFLICT ||
	    r == DB_INVALID) {
		(void)snprintf(loc, sizeof(loc), "/offer?t=%s", token);
		http_redirect(rs, loc);
		return;
	}
	offer_show(app, rq, rs, 503, token, id, 0, why);
}

/* ---- the coordinator's pages ---- */

/* The words for an offer's state on staff pages. */
static void
offer_state(const struct app *app, const struct db_offer *o, char *out,
    size_t n)
{
	char when[96];

	when_text(app->tz, strcmp(o->status, "sent") == 0 ? o->expires_at :
	    o->answered_at[0] != '\0' ? o->answered_at : o->sent_at, when,
	    sizeof(when));
	if (strcmp(o->status, "proposed") == 0)
		(void)snprintf(out, n, "Not offered yet");
	else if (strcmp(o->status, "sent") == 0)
		(void)snprintf(out, n, "Offered: answer by %s", when);
	else if (strcmp(o->status, "accepted") == 0)
		(void)snprintf(out, n, "Accepted on %s", when);
	else if (strcmp(o->status, "taken") == 0 && o->unbookable)
		(void)snprintf(out, n, "Said yes on %s, but the place could "
		    "not be booked: contact them", when);
	else if (strcmp(o->status, "taken") == 0)
		(void)snprintf(out, n, "Said yes after someone else");
	else if (strcmp(o->status, "declined") == 0)
		(void)snprintf(out, n, "Said no on %s", when);
	else if (strcmp(o->status, "expired") == 0)
		(void)snprintf(out, n, "No answer in time");
	else
		(void)snprintf(out, n, "Withdrawn");
}

/* What the place page lists: the offers, with reasons from a ranking. */
struct place_list {
	const struct app		*app;
	struct tmpl_data		*d;
	const struct core_offer_pick	*picks;
	size_t				 npicks;
	int				 n;
	int				 live;
	int				 proposed;
};

static void
place_offer_add(void *arg, const struct db_offer *o)
{
	struct place_list *l = arg;
	struct tmpl_data *e = tmpl_data_push(l->d, "offers");
	char state[160];
	size_t i;

	l->n++;
	tmpl_data_setf(e, "rank", "%d", o->rank);
	tmpl_data_setf(e, "referral_id", "%lld", (long long)o->referral_id);
	tmpl_data_set(e, "ref", o->ref);
	tmpl_data_set(e, "name", o->name);
	tmpl_data_setf(e, "score", "%d", o->score);
	offer_state(l->app, o, state, sizeof(state));
	tmpl_data_set(e, "state", state);
	tmpl_data_bool(e, "accepted", strcmp(o->status, "accepted") == 0);
	l->live += strcmp(o->status, "sent") == 0;
	l->proposed += strcmp(o->status, "proposed") == 0;
	for (i = 0; i < l->npicks; i++)
		if (l->picks[i].referral_id == o->referral_id) {
			tmpl_data_set(e, "reasons", l->picks[i].reasons);
			return;
		}
	tmpl_data_set(e, "reasons", strcmp(o->referral_status,
	    "waitlisted") == 0 ? "No longer fits this place" :
	    "No longer waiting");
}

/* The place page. */
static void
place_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct db_place *p, const char *error)
{
	static const char *const done_text[][2] = {
		{ "sent", "The offers are sent. Each person gets an email with "
		    "a link to say yes or no." },
		{ "closed", "The place is withdrawn. Nobody else will be "
		    "offered it." },
	};
	struct core_ctx ctx;
	struct tmpl_data *d;
	struct place_list l;
	struct core_offer_pick *picks = NULL;
	size_t npicks = 0, i;
	const char *done = form_get(&rq->q, "done");

	d = app_staff_data(app, rq, "Freed place");
	tmpl_data_setf(d, "id", "%lld", (long long)p->id);
	place_data(d, p);
	tmpl_data_setf(d, "therapist_id", "%lld", (long long)p->therapist_id);
	tmpl_data_setf(d, "series_id", "%lld", (long long)p->from_series_id);
	tmpl_data_bool(d, "from_series", p->from_series_id > 0);
	tmpl_data_set(d, "how", place_how(p));
	tmpl_data_setf(d, "filled_series", "%lld", (long long)p->series_id);
	tmpl_data_bool(d, "open", strcmp(p->status, "open") == 0);
	tmpl_data_bool(d, "filled", strcmp(p->status, "filled") == 0);
	tmpl_data_bool(d, "closed", strcmp(p->status, "closed") == 0);
	tmpl_data_bool(d, "confirmed", p->confirmed_at[0] != '\0');
	app_core_ctx(app, rq, &ctx);
	tmpl_data_setf(d, "live_max", "%d", core_offers_live(&ctx));
	tmpl_data_bool(d, "live_one", core_offers_live(&ctx) == 1);
	tmpl_data_setf(d, "hours", "%ld", db_setting_int(app->db,
	    "offer_hours", CORE_OFFER_HOURS));
	for (i = 0; done != NULL && i < sizeof(done_text) /
	    sizeof(done_text[0]); i++)
		if (strcmp(done, done_text[i][0]) == 0)
			tmpl_data_set(d, "notice", done_text[i][1]);
	if (error != NULL)
		tmpl_data_set(d, "error", error);
	/* The reasons are sched/'s for today's records. */
	if (strcmp(p->status, "open") == 0 &&
	    core_place_rank(&ctx, p, &picks, &npicks) == -1)
		npicks = 0;
	memset(&l, 0, sizeof(l));
	l.app = app;
	l.d = d;
	l.picks = picks;
	l.npicks = npicks;
	tmpl_data_list(d, "offers");
	if (db_offers_each(app->db, p->id, 0, place_offer_add, &l) == -1) {
		free(picks);
		tmpl_data_free(d);
		http_error(app, rs, 503, "The place cannot be shown now.");
		return;
	}
	free(picks);
	tmpl_data_bool(d, "has_list", l.n > 0);
	tmpl_data_bool(d, "none_left", strcmp(p->status, "open") == 0 &&
	    l.live == 0 && l.proposed == 0);
	app_render(app, rs, status, "place.html", d);
	tmpl_data_free(d);
}

/* Place rq->id[0] into rec; 0, or -1 having answered 404 or 503. */
static int
place_load(struct app *app, const struct req *rq, struct resp *rs,
    void *rec)
{
	return app_found(app, rs, db_place_get(app->db, rq->id[0], rec),
	    "place") ? 0 : -1;
}

static void
place_get(struct app *app, struct req *rq, struct resp *rs, const void *p)
{
	place_show(app, rq, rs, 200, p, NULL);
}

/* POST /places/ID action=send or close: rec is the place. */
static void
place_post(struct app *app, struct req *rq, struct resp *rs,
    const void *rec)
{
	const struct db_place *p = rec;
	struct core_ctx ctx;
	const char *action = form_get(&rq->f, "action");
	char why[CORE_WHY_LEN], loc[64];
	enum db_result r;
	int sent = 0;

	app_core_ctx(app, rq, &ctx);
	if (action != NULL && strcmp(action, "send") == 0)
		r = core_place_send(&ctx, p->id, &sent, why, sizeof(why));
	else if (action != NULL && strcmp(action, "close") == 0) {
		r = db_place_close(app->db, p->id, rq->user->id,
		    rq->remote_addr);
		(void)snprintf(why, sizeof(why), "This place is not open.");
	} else {
		http_error(app, rs, 400, "That is not something this page can "
		    "do.");
		return;
	}
	if (r != DB_OK) {
		place_show(app, rq, rs, r == DB_INVALID ? 422 : 503, p, why);
		return;
	}
	(void)snprintf(loc, sizeof(loc), "/places/%lld?done=%s",
	    (long long)p->id, strcmp(action, "send") == 0 ? "sent" : "closed");
	http_redirect(rs, loc);
}

static const struct app_record place_page = {
	sizeof(struct db_place), place_load, place_get, place_post
};

void
page_place_get(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_get(app, rq, rs, &place_page);
}

void
page_place_post(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_post(app, rq, rs, &place_page);
}

void
page_places_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct core_ctx ctx;
	const char *s = form_get(&rq->f, "series");
	char why[CORE_WHY_LEN], loc[64];
	int64_t series, place;
	enum db_result r;

	if (s == NULL || valid_id(s, &series) == -1) {
		http_error(app, rs, 422, "Choose the series whose place is "
		    "free.");
		return;
	}
	app_core_ctx(app, rq, &ctx);
	r = core_place_from_series(&ctx, series, &place, why, sizeof(why));
	if (r != DB_OK && r != DB_DUPLICATE) {
		http_error(app, rs, r == DB_INVALID ? 422 : 503, why);
		return;
	}
	(void)snprintf(loc, sizeof(loc), "/places/%lld", (long long)place);
	http_redirect(rs, loc);
}

/* ---- the list of places ---- */

/* Place p as a row of a list: where, when, how it was freed, state. */
static void
place_row_data(struct tmpl_data *e, const struct db_place *p)
{
	tmpl_data_setf(e, "id", "%lld", (long long)p->id);
	place_data(e, p);
	tmpl_data_set(e, "how", place_how(p));
	tmpl_data_set(e, "state", strcmp(p->status, "filled") == 0 ?
	    "Filled" : strcmp(p->status, "closed") == 0 ? "Withdrawn" :
	    p->confirmed_at[0] != '\0' ? "Offers going out" :
	    "Waiting for you to confirm the list");
}

/* What the list gathers: its rows, and each row's offers. */
struct places_list {
	struct app		*app;
	struct tmpl_data	*d;
	const char		*key;	/* "open" or "ended" */
	struct db_place		*v;
	size_t			 n;
	struct tmpl_data	*row;	/* the row being filled */
	int			 shown;
	int			 waiting;
};

/* db_places_each's callback: keeps the place for its row. */
static void
places_list_add(void *arg, const struct db_place *p)
{
	struct places_list *l = arg;

	if (l->n < PLACES_SHOWN)
		l->v[l->n++] = *p;
}

/* One offer of a row: who, and what became of it. */
static void
places_offer_add(void *arg, const struct db_offer *o)
{
	struct places_list *l = arg;
	struct tmpl_data *e;
	char state[160];

	/* Not sent yet: counted, not listed. */
	if (o->sent_at[0] == '\0') {
		l->waiting += strcmp(o->status, "proposed") == 0;
		return;
	}
	e = tmpl_data_push(l->row, "offers");
	offer_state(l->app, o, state, sizeof(state));
	tmpl_data_setf(e, "referral_id", "%lld", (long long)o->referral_id);
	tmpl_data_set(e, "ref", o->ref);
	tmpl_data_set(e, "name", o->name);
	tmpl_data_set(e, "state", state);
	tmpl_data_bool(e, "accepted", strcmp(o->status, "accepted") == 0);
	l->shown++;
}

/* The places of status ("open", "ended") as rows of l->key; 0 or -1. */
static int
places_rows(struct places_list *l)
{
	size_t i;

	tmpl_data_list(l->d, l->key);
	if (db_places_each(l->app->db, 0, l->key, PLACES_SHOWN,
	    places_list_add, l) == -1)
		return -1;
	for (i = 0; i < l->n; i++) {
		l->row = tmpl_data_push(l->d, l->key);
		place_row_data(l->row, &l->v[i]);
		tmpl_data_list(l->row, "offers");
		l->shown = l->waiting = 0;
		if (db_offers_each(l->app->db, l->v[i].id, 0, places_offer_add,
		    l) == -1)
			return -1;
		tmpl_data_bool(l->row, "has_offers", l->shown > 0);
		if (l->waiting > 0 && strcmp(l->v[i].status, "open") == 0)
			tmpl_data_setf(l->row, "waiting", "%d more %s on the "
			    "list, not offered yet", l->waiting,
			    l->waiting == 1 ? "person" : "people");
		else if (l->shown == 0)
			tmpl_data_set(l->row, "waiting", "Nobody offered");
	}
	tmpl_data_setf(l->d, strcmp(l->key, "open") == 0 ? "nopen" :
	    "nended", "%zu", l->n);
	return 0;
}

/* GET /places: the open places, then those filled or withdrawn. */
void
page_places_get(struct app *app, struct req *rq, struct resp *rs)
{
	struct tmpl_data *d = app_staff_data(app, rq, "Freed places");
	struct places_list l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.app = app;
	l.d = d;
	l.v = xcalloc(PLACES_SHOWN, sizeof(*l.v));
	l.key = "open";
	rc = places_rows(&l);
	tmpl_data_bool(d, "has_open", l.n > 0);
	l.n = 0;
	l.key = "ended";
	if (rc == 0)
		rc = places_rows(&l);
	tmpl_data_bool(d, "has_ended", l.n > 0);
	free(l.v);
	if (rc == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "The places cannot be shown now. Try "
		    "again in a minute.");
		return;
	}
	tmpl_data_bool(d, "auto", db_setting_int(app->db, "auto_offers", 0) !=
	    0);
	app_render(app, rs, 200, "places.html", d);
	tmpl_data_free(d);
}

/* What a caseload that opened made (see app.h). */
void
page_offer_made(struct app *app, struct req *rq, struct tmpl_data *d,
    int64_t therapist_id, const char *name)
{
	const char *opened = form_get(&rq->q, "opened");
	struct tmpl_data *e;
	struct db_place p;
	int64_t id;
	size_t i, n = 0;
	long k;

	if (opened == NULL || (k = strtol(opened, NULL, 10)) < 1 ||
	    k > 200)
		return;
	for (i = 0; i < CORE_CASELOAD_PLACES_MAX; i++) {
		if (valid_id(form_get_nth(&rq->q, "place", i), &id) == -1 ||
		    db_place_get(app->db, id, &p) != 1 ||
		    p.therapist_id != therapist_id)
			continue;
		e = tmpl_data_push(d, "made_places");
		place_row_data(e, &p);
		n++;
	}
	if (n == 0) {
		tmpl_data_setf(d, "made_none", "%s can now take %ld more "
		    "client%s, but nobody on the waiting list fits their free "
		    "times, so no place was made. Add to their availability, "
		    "or look at the waitlist.", name, k, k == 1 ? "" : "s");
		return;
	}
	tmpl_data_setf(d, "made", "%zu place%s %s made for %s:", n,
	    n == 1 ? "" : "s", n == 1 ? "was" : "were", name);
}

/* ---- on other pages ---- */

void
page_offer_series(struct app *app, struct tmpl_data *d, int64_t series_id)
{
	struct db_place p;
	int64_t id = db_place_of_series(app->db, series_id);

	if (id <= 0 || db_place_get(app->db, id, &p) != 1)
		return;
	tmpl_data_setf(d, "place_id", "%lld", (long long)id);
	tmpl_data_set(d, "place_state", strcmp(p.status, "filled") == 0 ?
	    "filled" : strcmp(p.status, "closed") == 0 ? "withdrawn" :
	    p.confirmed_at[0] != '\0' ? "offers sent" :
	    "waiting for you to confirm the list");
}

/* One offer on the client record. */
static void
client_offer_add(void *arg, const struct db_offer *o)
{
	struct place_list *l = arg;
	struct tmpl_data *e;
	struct db_place p;
	char state[160];

	/* In a list the coordinator never sent: nothing to see here. */
	if (o->sent_at[0] == '\0')
		return;
	e = tmpl_data_push(l->d, "place_offers");
	offer_state(l->app, o, state, sizeof(state));
	tmpl_data_set(e, "state", state);
	tmpl_data_setf(e, "place_id", "%lld", (long long)o->place_id);
	if (db_place_get(l->app->db, o->place_id, &p) == 1)
		tmpl_data_setf(e, "place", "%s at %s, %s", weekdays[p.weekday %
		    7], p.start_local, p.site);
	l->live++;
}

void
page_offer_client(struct app *app, struct tmpl_data *d, int64_t referral_id)
{
	struct place_list l;

	memset(&l, 0, sizeof(l));
	l.app = app;
	l.d = d;
	if (db_offers_each(app->db, 0, referral_id, client_offer_add, &l) ==
	    0 && l.live > 0)
		tmpl_data_bool(d, "has_place_offers", 1);
}

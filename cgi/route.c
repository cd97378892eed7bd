/*
 * route: every page of the product in one table, and the router.
 *
 * To add a page: write its handler (one per method), declare it in
 * app.h, and add one row here with a comment of its parameters (query
 * "?name", form fields "name=").  The router checks the method, the
 * role, the ids in the path and the CSRF token before the handler runs.
 */
#include <stdlib.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/page_terms.h"
#include "cgi/route.h"
#include "cgi/valid.h"
#include "db/feeds.h"

const struct route route_table[] = {
	/* The public site. */
	{ "GET",  "/",			ACT_PUBLIC, page_home },
	/* "ok" while the database answers, else 503. */
	{ "GET",  "/healthz",		ACT_PUBLIC, page_healthz },
	/* The self-referral form; POST the answers and form_token. */
	{ "GET",  "/refer",		ACT_PUBLIC, page_refer_get },
	{ "POST", "/refer",		ACT_PUBLIC, page_refer_post },
	/* ?ref=: the reference code just given. */
	{ "GET",  "/refer/thanks",	ACT_PUBLIC, page_refer_thanks },
	/* On someone's behalf: /refer's fields and the referrer's (014). */
	{ "GET",  "/refer/someone",	ACT_PUBLIC, page_refer_someone_get },
	{ "POST", "/refer/someone",	ACT_PUBLIC, page_refer_someone_post },
	/* Easy Read (issue 19): a question a page; POST step=, answers=
	 * (signed), form_token=, the step's fields, go=next|back|send or
	 * change=N (page_easy.c). */
	{ "GET",  "/refer/easy",	ACT_PUBLIC, page_easy_get },
	{ "POST", "/refer/easy",	ACT_PUBLIC, page_easy_post },
	/* email=, password=, form_token=; ?out after signing out. */
	{ "GET",  "/login",		ACT_PUBLIC, page_login_get },
	{ "POST", "/login",		ACT_PUBLIC, page_login_post },
	/* Ends the session. */
	{ "POST", "/logout",		ACT_SIGN_OUT, page_logout },
	/* A calendar feed: the token in its name is the authority. */
	{ "GET",  "/calendar/:feed",	ACT_PUBLIC, page_calendar },
	/* The outcome survey: ?t= (GET) or t= (POST), the signed link. */
	{ "GET",  "/outcome",		ACT_PUBLIC, page_outcome_get },
	{ "POST", "/outcome",		ACT_PUBLIC, page_outcome_post },
	/* The family and partner staff surveys (issue 20): ?t= (GET,
	 * with &sent=1 after answering) or t= (POST), the signed link. */
	{ "GET",  "/survey",		ACT_PUBLIC, page_survey_get },
	{ "POST", "/survey",		ACT_PUBLIC, page_survey_post },
	/* Unsubscribe: ?t=, the signed link (no CSRF token); POST stores,
	 * also as RFC 8058 one-click. */
	{ "GET",  "/unsubscribe",	ACT_PUBLIC, page_unsubscribe_get },
	{ "POST", "/unsubscribe",	ACT_PUBLIC, page_unsubscribe_post },
	/* A client's own page (issue 18): ?t= (GET) or t= (POST), the
	 * signed personal link; POST action= cant_come (series=, date=),
	 * leave_waitlist (confirm=yes), still_waiting (answer=,
	 * wellbeing=), update (phone=, email=, access_needs=), stop
	 * (confirm=yes: cancels every session still to come). */
	{ "GET",  "/my",		ACT_PUBLIC, page_my_get },
	{ "POST", "/my",		ACT_PUBLIC, page_my_post },
	/* A place offer (page_offer.c): ?t= / t=, the signed offer link;
	 * POST action=accept, or action=decline with confirm=yes. */
	{ "GET",  "/offer",		ACT_PUBLIC, page_offer_get },
	{ "POST", "/offer",		ACT_PUBLIC, page_offer_post },

	/* Any member of staff.  ?done= after a change. */
	{ "GET",  "/me",		ACT_SIGNED_IN, page_me },
	/* A therapist's new calendar link (a site's: /sites/:id/feed). */
	{ "POST", "/me/feed",		ACT_THERAPIST_OWN, page_feed_post },
	/* A therapist reports sickness: first=, last= (YYYY-MM-DD). */
	{ "POST", "/me/sick",		ACT_THERAPIST_OWN, page_me_sick },
	/* One's own password: current_password=, new_password=,
	 * confirm_password=; ?done=.  Sign out everywhere else: back=. */
	{ "GET",  "/me/password",	ACT_OWN_ACCOUNT, page_password_get },
	{ "POST", "/me/password",	ACT_OWN_ACCOUNT, page_password_post },
	{ "POST", "/me/sessions",	ACT_OWN_ACCOUNT,
					page_sessions_end_post },
	/* series=, date=, status=, client=, note=: a therapist's own. */
	{ "POST", "/attendance",	ACT_SIGNED_IN, page_attendance },

	/* Referrals.  The queue: ?status=, ?site=, ?q=, ?page=. */
	{ "GET",  "/referrals",		ACT_QUEUE, page_referrals },
	/* Staff enter a referral: the /refer form with a source. */
	{ "GET",  "/referrals/new",	ACT_REFERRAL_CREATE,
					page_refer_staff_get },
	{ "POST", "/referrals/new",	ACT_REFERRAL_CREATE,
					page_refer_staff_post },
	/* The waitlist plan; POST action=accept, referral_id= and the slot. */
	{ "GET",  "/referrals/plan",	ACT_ASSIGN, page_plan_get },
	{ "POST", "/referrals/plan",	ACT_ASSIGN, page_plan_post },
	/* One referral; POST a status change, a note, or an erasure. */
	{ "GET",  "/referrals/:id",	ACT_REFERRAL_VIEW, page_referral_get },
	{ "POST", "/referrals/:id",	ACT_REFERRAL_CHANGE,
					page_referral_post },
	/* Its contacts: the add form; POST action=add (name, role, email,
	 * phone, gets_confirmations, gets_reminders, gets_changes,
	 * arranges, consent) or action=remove, contact=. */
	{ "GET",  "/referrals/:id/contacts", ACT_REFERRAL_VIEW,
					page_contacts_get },
	{ "POST", "/referrals/:id/contacts", ACT_REFERRAL_CHANGE,
					page_contacts_post },
	/* Its matches; POST action=assign with therapist, site, room, day,
	 * start, length. */
	{ "GET",  "/referrals/:id/matches", ACT_REFERRAL_VIEW,
					page_matches_get },
	{ "POST", "/referrals/:id/matches", ACT_ASSIGN, page_matches_assign },
	/* Assign and book a suggestion: check your answers (GET, the
	 * suggestion in the query: from, therapist_id, site_id, room_id,
	 * day, start_min, length_min), then confirm (POST, the same with
	 * first_date= and count=). */
	{ "GET",  "/referrals/:id/book", ACT_ASSIGN, page_book_get },
	{ "POST", "/referrals/:id/book", ACT_ASSIGN, page_book_post },

	/* The client record (the referral's id): coordinators and
	 * administrators, a therapist for their own clients (the handler
	 * asks).  ?done=; POST action= note (series, date, body, reason,
	 * shared), goal (body, start, review), summary (worked_on,
	 * outcome, onward). */
	{ "GET",  "/clients/:id",	ACT_CLIENT, page_client_get },
	{ "POST", "/clients/:id",	ACT_CLIENT, page_client_post },
	/* Correct a referral: needs=, session_type=, reason=. */
	{ "POST", "/clients/:id/edit",	ACT_REFERRAL_CHANGE,
					page_client_edit },
	/* One email to or about them (the outbox row's id): its text, as
	 * the record's readers may see it. */
	{ "GET",  "/clients/:id/emails/:id", ACT_CLIENT, page_client_email },

	/* Scheduling.  The week grid: ?week=, ?by=, ?id=. */
	{ "GET",  "/schedule",		ACT_SCHEDULE, page_schedule },
	/* Book a series: the slot in the query, the booking in the form. */
	{ "GET",  "/series/new",	ACT_BOOK, page_series_new_get },
	{ "POST", "/series/new",	ACT_BOOK, page_series_new_post },
	/* One series; POST action= move, cancel, end, with their dates. */
	{ "GET",  "/series/:id",	ACT_SCHEDULE, page_series_get },
	{ "POST", "/series/:id",	ACT_BOOK, page_series_post },
	/* Undo a booking or a move while its emails wait: undo= (the
	 * change's id, page_undo.c). */
	{ "POST", "/series/:id/undo",	ACT_BOOK, page_series_undo },
	/* Groups; POST action=add (name, capacity, therapist, site) or
	 * action=join (group, client). */
	{ "GET",  "/groups",		ACT_SCHEDULE, page_groups_get },
	{ "POST", "/groups",		ACT_BOOK, page_groups_post },

	/* Records.  Therapists, their caseloads and hours. */
	{ "GET",  "/therapists",	ACT_RECORDS_VIEW, page_therapists },
	{ "GET",  "/therapists/new",	ACT_RECORDS_EDIT,
					page_therapist_new_get },
	{ "POST", "/therapists/new",	ACT_RECORDS_EDIT,
					page_therapist_new_post },
	/* A therapist may open their own page: the handler checks. */
	{ "GET",  "/therapists/:id",	ACT_SIGNED_IN, page_therapist_get },
	/* Leave: action=leave with from= and to=, or action=unleave. */
	{ "POST", "/therapists/:id",	ACT_RECORDS_EDIT,
					page_therapist_post },
	/* The sessions their leave hits; POST s=, do-*=, move-*=, cover-*=,
	 * reason= applies every choice at once (page_leave.c). */
	{ "GET",  "/therapists/:id/leave", ACT_BOOK, page_leave_get },
	{ "POST", "/therapists/:id/leave", ACT_BOOK, page_leave_post },
	{ "GET",  "/therapists/:id/edit", ACT_RECORDS_EDIT,
					page_therapist_edit_get },
	{ "POST", "/therapists/:id/edit", ACT_RECORDS_EDIT,
					page_therapist_edit_post },
	/* Sites, their rooms, hours and districts. */
	{ "GET",  "/sites",		ACT_RECORDS_VIEW, page_sites },
	{ "GET",  "/sites/new",		ACT_RECORDS_EDIT, page_site_new_get },
	{ "POST", "/sites/new",		ACT_RECORDS_EDIT, page_site_new_post },
	/* One site; POST action= for its rooms and closures. */
	{ "GET",  "/sites/:id",		ACT_RECORDS_VIEW, page_site_get },
	{ "POST", "/sites/:id",		ACT_RECORDS_EDIT, page_site_post },
	/* A new calendar link for the site, shown once on /me. */
	{ "POST", "/sites/:id/feed",	ACT_RECORDS_EDIT, page_site_feed_post },
	/* The sessions its closures hit; POST as /therapists/:id/leave. */
	{ "GET",  "/sites/:id/closures", ACT_BOOK, page_closures_get },
	{ "POST", "/sites/:id/closures", ACT_BOOK, page_closures_post },
	/* Its term dates (issue 20): POST action=add (school_year=, name=,
	 * first_day=, last_day=, owner=site|organisation), action=remove
	 * (term=). */
	{ "GET",  "/sites/:id/terms",	ACT_RECORDS_VIEW, page_terms_get },
	{ "POST", "/sites/:id/terms",	ACT_RECORDS_EDIT, page_terms_post },
	{ "GET",  "/sites/:id/edit",	ACT_RECORDS_EDIT, page_site_edit_get },
	{ "POST", "/sites/:id/edit",	ACT_RECORDS_EDIT,
					page_site_edit_post },

	/* Freed places and their offers (issue 18, page_offer.c).  GET:
	 * every open place with its offers' states, newest first.  POST
	 * series=: the place a series freed, ranked; one place: ?done=;
	 * POST action=send (confirm the list) or action=close. */
	{ "GET",  "/places",		ACT_ASSIGN, page_places_get },
	{ "POST", "/places",		ACT_ASSIGN, page_places_post },
	{ "GET",  "/places/:id",	ACT_ASSIGN, page_place_get },
	{ "POST", "/places/:id",	ACT_ASSIGN, page_place_post },

	/* Reports: ?from=, ?to=, ?site=; the same as CSV. */
	{ "GET",  "/reports",		ACT_REPORTS, page_reports },
	{ "GET",  "/reports.csv",	ACT_REPORTS, page_reports_csv },
	/* Everything held about client :id, as JSON. */
	{ "GET",  "/export/:id",	ACT_EXPORT, page_export },

	/* Administration.  Staff accounts; POST action= add, deactivate,
	 * activate, reset. */
	{ "GET",  "/admin/users",	ACT_USERS, page_admin_users_get },
	{ "POST", "/admin/users",	ACT_USERS, page_admin_users_post },
	/* ?page=. */
	{ "GET",  "/admin/audit",	ACT_AUDIT, page_admin_audit },
	/* ?status=, ?before=; POST action=retry, id=. */
	{ "GET",  "/admin/outbox",	ACT_OUTBOX, page_admin_outbox_get },
	{ "POST", "/admin/outbox",	ACT_OUTBOX, page_admin_outbox_post },

	/* Partners (issue 20).  A partner user's page: ?week=; POST
	 * action=closure (first_day, last_day, reason, detail) or
	 * action=feed (site). */
	{ "GET",  "/partner",		ACT_PARTNER, page_partner_get },
	{ "POST", "/partner",		ACT_PARTNER, page_partner_post },
	/* Ask an organisation's staff for feedback (issue 20). */
	{ "POST", "/organisations/:id/survey", ACT_RECORDS_EDIT,
					page_organisation_survey_post },
	/* Closures partners reported, with the sessions they fall on. */
	{ "GET",  "/closures",		ACT_RECORDS_VIEW, page_closures },
	/* The impact report: ?from=, ?to=; as CSV; ?print for printing. */
	{ "GET",  "/reports/impact",	ACT_IMPACT, page_impact },
	{ "GET",  "/reports/impact.csv", ACT_IMPACT, page_impact_csv },
};

const size_t route_count = sizeof(route_table) / sizeof(route_table[0]);

/* The id in s[0..n): valid_id's rules, on a piece of the path. */
static int
id_parse(const char *s, size_t n, int64_t *id)
{
	char tmp[24];

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return valid_id(tmp, id);
}

/* 0 when s[0..n) is a feed's name: the token, then ".ics". */
static int
feed_parse(const char *s, size_t n)
{
	size_t i;

	if (n != DB_FEED_TOKEN_LEN + 4 ||
	    memcmp(s + DB_FEED_TOKEN_LEN, ".ics", 4) != 0)
		return -1;
	for (i = 0; i < DB_FEED_TOKEN_LEN; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", s[i]) == NULL || s[i] == '\0')
			return -1;
	return 0;
}

/*
 * 1 when path fits pattern, filling rq's parameters and *score (a bit a
 * segment, first segment highest, set for a literal one); else 0.
 */
static int
pattern_fit(const char *pat, const char *path, struct req *rq,
    unsigned long *score)
{
	const char *pe, *e;
	size_t pn, n;
	int nid = 0;

	*score = 0;
	if (strcmp(pat, "/") == 0 || strcmp(path, "/") == 0)
		return strcmp(pat, path) == 0;
	if (*pat != '/' || *path != '/')
		return 0;
	while (*pat == '/' && *path == '/') {
		pat++;
		path++;
		pe = strchr(pat, '/');
		pn = pe != NULL ? (size_t)(pe - pat) : strlen(pat);
		e = strchr(path, '/');
		n = e != NULL ? (size_t)(e - path) : strlen(path);
		*score <<= 1;
		if (pn == 3 && memcmp(pat, ":id", 3) == 0) {
			if (nid >= HTTP_IDS_MAX ||
			    id_parse(path, n, &rq->id[nid]) == -1)
				return 0;
			nid++;
		} else if (pn == 5 && memcmp(pat, ":feed", 5) == 0) {
			if (feed_parse(path, n) == -1)
				return 0;
			rq->feed = path;
		} else {
			if (pn != n || memcmp(pat, path, n) != 0)
				return 0;
			*score |= 1;
		}
		pat += pn;
		path += n;
	}
	return *pat == '\0' && *path == '\0';
}

/*
 * The best pattern for rq's path: *row the row for rq's method (or
 * NULL), *any a row of that pattern (its GET row when it has one, or
 * NULL when no pattern fits), *allow its methods.  Fills rq's
 * parameters.
 */
static void
route_match(struct req *rq, const struct route **row,
    const struct route **any, const char **allow)
{
	const struct route *best = NULL, *r;
	unsigned long score, top = 0;
	int get = 0, post = 0, head;
	size_t i;
	struct req scratch;

	*row = *any = NULL;
	*allow = "";
	for (i = 0; i < route_count; i++) {
		r = &route_table[i];
		scratch = *rq;
		if (!pattern_fit(r->pattern, rq->path, &scratch, &score))
			continue;
		if (best == NULL || score > top) {
			best = r;
			top = score;
		}
	}
	if (best == NULL)
		return;
	(void)pattern_fit(best->pattern, rq->path, rq, &score);
	head = strcmp(rq->method, "HEAD") == 0;
	for (i = 0; i < route_count; i++) {
		r = &route_table[i];
		if (strcmp(r->pattern, best->pattern) != 0)
			continue;
		if (strcmp(r->method, "GET") == 0) {
			get = 1;
			*any = r;
		} else
			post = 1;
		if (*any == NULL)
			*any = r;
		if (strcmp(r->method, rq->method) == 0 ||
		    (head && strcmp(r->method, "GET") == 0))
			*row = r;
	}
	*allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" :
	    "POST";
}

const struct route *
route_find(struct req *rq, const char **allow)
{
	const struct route *row, *any;
	const char *a;

	route_match(rq, &row, &any, &a);
	if (allow != NULL)
		*allow = a;
	return row;
}

const struct route *
route_check(struct app *app, struct req *rq, struct resp *rs)
{
	const struct route *row, *any;
	const char *allow;
	int post = strcmp(rq->method, "POST") == 0;
	int get = strcmp(rq->method, "GET") == 0 ||
	    strcmp(rq->method, "HEAD") == 0;
	enum action act;

	route_match(rq, &row, &any, &allow);
	if (any == NULL) {
		http_error(app, rs, 404, "This page does not exist. Check the "
		    "address, or start again from the home page.");
		return NULL;
	}
	/* Another method on a staff page: the signed-out and the roles
	 * that may not open it learn no more than on its own method. */
	act = row != NULL ? row->act : any->act;
	if (act != ACT_PUBLIC) {
		http_header(rs, "Cache-Control", "no-store");
		if (rq->user == NULL) {
			if (!get) {
				http_error(app, rs, 403, "Your session has "
				    "ended. Sign in again, then repeat what "
				    "you were doing.");
				return NULL;
			}
			buf_reset(&rs->body);
			http_redirect(rs, "/login");
			return NULL;
		}
		if (!auth_can(rq->user->role, act)) {
			http_error(app, rs, 403, "Your account does not have "
			    "access to this page.");
			return NULL;
		}
	}
	if (row == NULL) {
		http_header(rs, "Allow", allow);
		http_error(app, rs, 405, strcmp(allow, "POST") == 0 ?
		    "This address only takes a form." :
		    strcmp(allow, "GET, HEAD") == 0 ?
		    "This page can only be opened." :
		    "This page can only be opened or sent as a form.");
		return NULL;
	}
	/*
	 * No form is taken from another website (login CSRF among them),
	 * except RFC 8058's one-click unsubscribe, which mail providers
	 * send and whose signed link is the authority.
	 */
	if (post && strcmp(rq->path, "/unsubscribe") != 0 &&
	    !auth_same_origin(app, rq)) {
		http_error(app, rs, 403, "This form was sent from another "
		    "website, so nothing was changed. Open the page on this "
		    "site and send it from there.");
		return NULL;
	}
	if (post && act != ACT_PUBLIC && !auth_csrf_ok(rq)) {
		http_error(app, rs, 403, "This form could not be checked, so "
		    "nothing was changed. Go back, reload the page and try "
		    "again.");
		return NULL;
	}
	return row;
}

void
route_dispatch(struct app *app, struct req *rq, struct resp *rs)
{
	const struct route *row;

	if ((row = route_check(app, rq, rs)) != NULL)
		row->fn(app, rq, rs);
}

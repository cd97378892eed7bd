/*
 * Unit tests for cgi/route.c and the pages behind it, in process: each
 * request goes through the real router and handlers on a :memory:
 * database with the real migrations and templates (tests/unit/testlib.c),
 * with no nginx.  The role matrix is the route table itself: every row
 * is checked as each visitor (signed out, admin, coordinator, therapist,
 * partner).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/route.h"
#include "cgi/token.h"
#include "db/db.h"
#include "db/staff.h"
#include "tests/unit/testlib.h"
#include "util/calendar.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const int visitors[] = { PAGES_SIGNED_OUT, ROLE_ADMIN,
	ROLE_COORDINATOR, ROLE_THERAPIST, ROLE_PARTNER };

static struct pages *h;

static void
setup(void)
{
	h = pages_new();
	testlib_sql_exec(h->app.db,
	    "INSERT INTO sites (id, name, kind, address, postcode, step_free)"
	    " VALUES (1, 'Our centre', 'own_centre', '1 High St', 'SW1A 1AA',"
	    " 1), (2, 'Park Hall', 'community_venue', '2 Park Rd',"
	    " 'SW1A 2AA', 0)");
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

/* The row's pattern with each :id as "1" and :feed a well-formed name. */
static void
sample_path(const char *pattern, char *out, size_t n)
{
	const char *s = pattern;
	size_t k = 0;

	while (*s != '\0' && k + 40 < n) {
		if (strncmp(s, ":id", 3) == 0) {
			out[k++] = '1';
			s += 3;
		} else if (strncmp(s, ":feed", 5) == 0) {
			memset(out + k, 'A', 32);
			memcpy(out + k + 32, ".ics", 4);
			k += 36;
			s += 5;
		} else
			out[k++] = *s++;
	}
	out[k] = '\0';
}

static const char *
who_name(int who)
{
	return who == PAGES_SIGNED_OUT ? "signed out" : auth_role_names[who];
}

/*
 * Every row, as every visitor: the router lets through exactly those
 * the row's action allows, sends the signed-out to /login (GET) or
 * answers 403 (POST), and picks this very row for its own path.
 */
START_TEST(test_route_matrix)
{
	const struct route *r;
	char path[128], loc[64];
	size_t i, v;
	int who, st, may;

	h->check_only = 1;
	for (i = 0; i < route_count; i++) {
		r = &route_table[i];
		sample_path(r->pattern, path, sizeof(path));
		for (v = 0; v < N(visitors); v++) {
			who = visitors[v];
			may = r->act == ACT_PUBLIC || (who != PAGES_SIGNED_OUT &&
			    auth_can((enum role)who, r->act));
			st = pages_request(h, who, r->method, path,
			    strcmp(r->method, "POST") == 0 ? "" : NULL);
			if (who != PAGES_SIGNED_OUT &&
			    strcmp(r->method, "POST") == 0 && may) {
				/* With its token, as the page's form sends. */
				st = pages_post(h, who, path, "");
			}
			if (may) {
				ck_assert_msg(h->row == r, "%s %s as %s: "
				    "status %d, not its own row", r->method,
				    path, who_name(who), st);
				continue;
			}
			ck_assert_msg(h->row == NULL, "%s %s as %s let in",
			    r->method, path, who_name(who));
			if (who == PAGES_SIGNED_OUT &&
			    strcmp(r->method, "GET") == 0) {
				ck_assert_msg(st == 303, "%s as %s: %d", path,
				    who_name(who), st);
				ck_assert_int_eq(pages_header(h, "Location",
				    loc, sizeof(loc)), 0);
				ck_assert_str_eq(loc, "/login");
			} else
				ck_assert_msg(st == 403, "%s %s as %s: %d",
				    r->method, path, who_name(who), st);
		}
		/* A GET row answers HEAD the same way, to whoever may. */
		if (strcmp(r->method, "GET") == 0) {
			who = r->act == ACT_PUBLIC ||
			    auth_can(ROLE_ADMIN, r->act) ? ROLE_ADMIN :
			    ROLE_PARTNER;
			(void)pages_request(h, who, "HEAD", path, NULL);
			ck_assert_msg(h->row == r, "HEAD %s", path);
		}
	}
}
END_TEST

/* Every row's handler runs, as every visitor, on a near-empty database
 * without a server error. */
START_TEST(test_route_handlers_run)
{
	const struct route *r;
	char path[128];
	size_t i, v;
	int st;

	for (i = 0; i < route_count; i++) {
		r = &route_table[i];
		sample_path(r->pattern, path, sizeof(path));
		for (v = 0; v < N(visitors); v++) {
			st = strcmp(r->method, "POST") == 0 ?
			    pages_post(h, visitors[v], path, "") :
			    pages_get(h, visitors[v], path);
			ck_assert_msg(st < 500 && st != 405, "%s %s as %s: %d",
			    r->method, path, who_name(visitors[v]), st);
		}
	}
}
END_TEST

/* Two rows never share a method and pattern. */
START_TEST(test_route_rows_unique)
{
	size_t i, j;

	for (i = 0; i < route_count; i++)
		for (j = i + 1; j < route_count; j++)
			ck_assert_msg(strcmp(route_table[i].method,
			    route_table[j].method) != 0 ||
			    strcmp(route_table[i].pattern,
			    route_table[j].pattern) != 0, "%s %s twice",
			    route_table[i].method, route_table[i].pattern);
}
END_TEST

/*
 * A handler serves one row: what it does is its row's, never found again
 * from the path or the method.
 */
START_TEST(test_route_handler_once)
{
	size_t i, j;

	for (i = 0; i < route_count; i++)
		for (j = i + 1; j < route_count; j++)
			ck_assert_msg(route_table[i].fn != route_table[j].fn,
			    "%s %s and %s %s share a handler",
			    route_table[i].method, route_table[i].pattern,
			    route_table[j].method, route_table[j].pattern);
}
END_TEST

/* Literal segments win over :id, whatever the order of the rows. */
START_TEST(test_route_literal_wins)
{
	static const char *const lit[][2] = {
		{ "/referrals/plan", "/referrals/plan" },
		{ "/referrals/new", "/referrals/new" },
		{ "/sites/new", "/sites/new" },
		{ "/therapists/new", "/therapists/new" },
		{ "/series/new", "/series/new" },
		{ "/referrals/7", "/referrals/:id" },
		{ "/referrals/7/matches", "/referrals/:id/matches" },
		{ "/sites/7/edit", "/sites/:id/edit" },
	};
	size_t i;

	h->check_only = 1;
	for (i = 0; i < N(lit); i++) {
		(void)pages_get(h, ROLE_ADMIN, lit[i][0]);
		ck_assert_msg(h->row != NULL, "%s", lit[i][0]);
		ck_assert_str_eq(h->row->pattern, lit[i][1]);
	}
	(void)pages_get(h, ROLE_ADMIN, "/referrals/7/matches");
	ck_assert_int_eq(h->id[0], 7);
}
END_TEST

/* Ids: positive decimal int64, no sign, no leading zero, no garbage. */
START_TEST(test_route_ids)
{
	static const char *const bad[] = {
		"/referrals/0", "/referrals/01", "/referrals/-1",
		"/referrals/+1", "/referrals/1x", "/referrals/x",
		"/referrals/1.5", "/referrals/ 1", "/referrals/1%20",
		"/referrals/9223372036854775808",
		"/referrals/99999999999999999999", "/referrals/1/matches/2",
		"/referrals/1/match", "/referrals//matches", "/export/0",
		"/sites/new/edit", "/calendar/x.ics", "/calendar/",
		"/no/such/page", "/refer/nope",
	};
	size_t i;
	int st;

	for (i = 0; i < N(bad); i++) {
		st = pages_get(h, ROLE_ADMIN, bad[i]);
		ck_assert_msg(st == 404, "%s: %d", bad[i], st);
		ck_assert(pages_says(h, "This page does not exist."));
		/* Not found, whatever the method. */
		ck_assert_int_eq(pages_request(h, ROLE_ADMIN, "PUT", bad[i],
		    NULL), 404);
	}
	h->check_only = 1;
	(void)pages_get(h, ROLE_ADMIN, "/referrals/9223372036854775807");
	ck_assert_ptr_nonnull(h->row);
	ck_assert(h->id[0] == INT64_MAX);
	h->check_only = 0;
	/* A well-formed id that is nobody's: the page says so. */
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/referrals/42"), 404);
	ck_assert(pages_says(h, "There is no such referral."));
}
END_TEST

/* A known path with another method: 405 and the methods it takes. */
START_TEST(test_route_405)
{
	char allow[64];

	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/", "a=1"), 405);
	ck_assert_int_eq(pages_header(h, "Allow", allow, sizeof(allow)), 0);
	ck_assert_str_eq(allow, "GET, HEAD");
	ck_assert(pages_says(h, "This page can only be opened."));

	ck_assert_int_eq(pages_request(h, PAGES_SIGNED_OUT, "DELETE",
	    "/refer", NULL), 405);
	ck_assert_int_eq(pages_header(h, "Allow", allow, sizeof(allow)), 0);
	ck_assert_str_eq(allow, "GET, HEAD, POST");
	ck_assert(pages_says(h, "can only be opened or sent as a form."));

	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/logout"), 405);
	ck_assert_int_eq(pages_header(h, "Allow", allow, sizeof(allow)), 0);
	ck_assert_str_eq(allow, "POST");

	/* The signed-out learn nothing about a staff page's methods. */
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/logout"), 303);
	ck_assert_int_eq(pages_request(h, PAGES_SIGNED_OUT, "PUT",
	    "/admin/users", NULL), 403);
	ck_assert_int_eq(pages_header(h, "Allow", allow, sizeof(allow)), -1);
	/* Nor a role that may not open it. */
	ck_assert_int_eq(pages_request(h, ROLE_THERAPIST, "PUT",
	    "/admin/users", NULL), 403);
	ck_assert_int_eq(pages_request(h, ROLE_ADMIN, "PUT",
	    "/admin/users", NULL), 405);
	/* HEAD is GET without the body (fcgi_main.c drops it). */
	ck_assert_int_eq(pages_request(h, PAGES_SIGNED_OUT, "HEAD",
	    "/healthz", NULL), 200);
}
END_TEST

START_TEST(test_admin_users_roles)
{
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/admin/users"), 403);
	ck_assert(pages_says(h, "does not have access to this page"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/admin/users"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/admin/users"), 200);
	ck_assert(pages_says(h, "therapist@example.org"));
}
END_TEST

/* A staff POST without its CSRF token changes nothing. */
START_TEST(test_csrf)
{
	int64_t n;

	(void)pages_get(h, ROLE_ADMIN, "/admin/users");
	n = testlib_sql_int(h->app.db, "SELECT count(*) FROM users");
	ck_assert_int_eq(pages_request(h, ROLE_ADMIN, "POST", "/admin/users",
	    "action=add&email=new%40example.org&name=New&role=therapist"),
	    403);
	ck_assert(pages_says(h, "could not be checked, so nothing was "
	    "changed"));
	ck_assert_int_eq(pages_request(h, ROLE_ADMIN, "POST", "/admin/users",
	    "action=add&email=new%40example.org&name=New&role=therapist&"
	    "csrf=0000"), 403);
	ck_assert_int_eq(testlib_sql_int(h->app.db,
	    "SELECT count(*) FROM users"), n);
}
END_TEST

/* POSTs the sign-in form with token and email, as a browser with h's
 * visitor cookie; the status. */
static int
login_post(const char *token, const char *email, const char *pw)
{
	char body[512];

	snprintf(body, sizeof(body), "form_token=%s&email=%s&password=%s",
	    token, email, pw);
	return pages_request(h, PAGES_SIGNED_OUT, "POST", "/login", body);
}

/*
 * Login CSRF (issue 13): GET /login sets a pre-login cookie and binds
 * the form token to it; a token with another browser's cookie, or
 * none, is refused with the email kept; the matching pair signs in.
 * The fields go through the one validator.
 */
START_TEST(test_login_double_submit)
{
	char hash[256], sql[512], set[200], cookie[100], other[100];
	char token[TOKEN_STR_LEN], tok2[TOKEN_STR_LEN];

	ck_assert_int_eq(auth_password_hash("sparrow quilt engine 9", hash,
	    sizeof(hash)), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO users (email, name, role, "
	    "password_hash, created_at) VALUES ('cora@example.org', 'Cora', "
	    "'coordinator', '%s', 'x')", hash);
	testlib_sql_exec(h->app.db, sql);

	/* Two browsers open the form. */
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/login"), 200);
	ck_assert_int_eq(pages_header(h, "Set-Cookie", set, sizeof(set)), 0);
	ck_assert(strstr(set, "HttpOnly") != NULL);
	ck_assert(strstr(set, "SameSite=Lax") != NULL);
	ck_assert(strncmp(set, "tutti-login=", 12) == 0);
	snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(set, ";"), set);
	ck_assert_int_eq(pages_input(h, "form_token", token, sizeof(token)),
	    0);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/login"), 200);
	ck_assert_int_eq(pages_header(h, "Set-Cookie", set, sizeof(set)), 0);
	snprintf(other, sizeof(other), "%.*s", (int)strcspn(set, ";"), set);
	ck_assert_str_ne(cookie, other);
	ck_assert_int_eq(pages_input(h, "form_token", tok2, sizeof(tok2)), 0);

	/* The first browser's token with the second's cookie: refused. */
	h->visitor_cookie = other;
	ck_assert_int_eq(login_post(token, "cora%40example.org",
	    "sparrow+quilt+engine+9"), 422);
	ck_assert(pages_says(h, "not opened in this browser"));
	ck_assert(pages_says(h, "value=\"cora@example.org\""));
	ck_assert(!pages_says(h, "sparrow"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "sessions"), 0);
	/* No cookie at all: refused too. */
	h->visitor_cookie = NULL;
	ck_assert_int_eq(login_post(token, "cora%40example.org",
	    "sparrow+quilt+engine+9"), 422);
	ck_assert(pages_says(h, "not opened in this browser"));
	/* The validator: a line break in the email, an empty password. */
	h->visitor_cookie = cookie;
	ck_assert_int_eq(login_post(token, "cora%40example.org%0D%0ABcc:x",
	    ""), 422);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "href=\"#password\""));
	ck_assert(pages_says(h, "Enter your password"));
	ck_assert(pages_says(h, "href=\"#email\""));
	/* Its own token and cookie: signed in, the pre-login cookie gone. */
	ck_assert_int_eq(login_post(token, "cora%40example.org",
	    "sparrow+quilt+engine+9"), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "sessions"), 1);
	ck_assert(strstr(buf_cstr(&h->rs.headers), "tutti-login=; ") !=
	    NULL);
	h->visitor_cookie = other;
	ck_assert_int_eq(login_post(tok2, "cora%40example.org",
	    "sparrow+quilt+engine+9"), 303);
	h->visitor_cookie = NULL;
}
END_TEST

/* The therapist's sessions, and those other than the one h keeps. */
static int64_t
therapist_sessions(int others)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE "
	    "user_id = %lld%s", (long long)h->user_id[ROLE_THERAPIST],
	    others ? " AND id != (SELECT max(id) FROM sessions)" : "");
	return testlib_sql_int(h->app.db, sql);
}

/* A second session of the therapist's, on "another device". */
static void
other_session(void)
{
	char sql[300];

	snprintf(sql, sizeof(sql), "INSERT INTO sessions (token_hash, "
	    "user_id, csrf, created_at, last_seen, remote_addr) VALUES "
	    "(randomblob(32), %lld, 'c', strftime('%%s', 'now'), "
	    "strftime('%%s', 'now'), '198.51.100.9')",
	    (long long)h->user_id[ROLE_THERAPIST]);
	testlib_sql_exec(h->app.db, sql);
}

/* "Sign out everywhere else" ends every other session, not this one. */
START_TEST(test_sign_out_everywhere)
{
	char cookie[128], loc[64];

	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/me"), 200);
	ck_assert(pages_says(h, "Sign out everywhere else"));
	ck_assert(pages_says(h, "href=\"/me/password\""));
	snprintf(cookie, sizeof(cookie), "%s", h->cookie[ROLE_THERAPIST]);
	other_session();
	other_session();
	ck_assert_int_eq(therapist_sessions(0), 3);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/sessions",
	    "back=me"), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/me?done=signedout");
	ck_assert_int_eq(therapist_sessions(0), 1);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/me?done=signedout"),
	    200);
	/* Still the same session: no new sign-in was needed. */
	ck_assert_str_eq(cookie, h->cookie[ROLE_THERAPIST]);
	ck_assert(pages_says(h, "signed out on every other device"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "audit WHERE action = 'sign-out-everywhere' AND detail = "
	    "'ended 2 other sessions'"), 1);
	/* A partner has it too, from the password page. */
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/me/password"), 200);
	ck_assert_int_eq(pages_post(h, ROLE_PARTNER, "/me/sessions",
	    "back=password"), 303);
}
END_TEST

/*
 * /me/password: the current password is checked, the new one follows
 * `tuttictl user add`'s rules and is typed twice; no password is shown
 * again; on success the other sessions end and this one stays.
 */
START_TEST(test_password_change)
{
	char hash[256], sql[512], cookie[128];
	struct db_user u;

	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/me/password"), 200);
	ck_assert(pages_says(h, "Change your password"));
	ck_assert_int_eq(auth_password_hash("old enough password 1", hash,
	    sizeof(hash)), 0);
	snprintf(sql, sizeof(sql), "UPDATE users SET password_hash = '%s' "
	    "WHERE id = %lld", hash, (long long)h->user_id[ROLE_THERAPIST]);
	testlib_sql_exec(h->app.db, sql);
	snprintf(cookie, sizeof(cookie), "%s", h->cookie[ROLE_THERAPIST]);
	other_session();

	/* Nothing typed: every field in the summary. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/password", ""),
	    422);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "href=\"#current-password\""));
	ck_assert(pages_says(h, "Enter a new password"));
	/* Too short, then two different ones. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/password",
	    "current_password=old+enough+password+1&new_password=short1&"
	    "confirm_password=short1"), 422);
	ck_assert(pages_says(h, "href=\"#new-password\""));
	ck_assert(!pages_says(h, "short1"));
	ck_assert(!pages_says(h, "old enough password 1"));
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/password",
	    "current_password=old+enough+password+1&new_password="
	    "violet+lantern+harbour&confirm_password=violet+lantern+harbor"),
	    422);
	ck_assert(pages_says(h, "are not the same"));
	ck_assert(!pages_says(h, "lantern"));
	/* The wrong current password: 422, nothing changed. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/password",
	    "current_password=not+my+password+at+all&new_password="
	    "violet+lantern+harbour&confirm_password=violet+lantern+harbour"),
	    422);
	ck_assert(pages_says(h, "current password is not right"));
	ck_assert(!pages_says(h, "not my password"));
	ck_assert_int_eq(therapist_sessions(0), 2);
	/* Right: stored, the other session ends, this one stays. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/password",
	    "current_password=old+enough+password+1&new_password="
	    "violet+lantern+harbour&confirm_password=violet+lantern+harbour"),
	    303);
	ck_assert_int_eq(therapist_sessions(0), 1);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST,
	    "/me/password?done=changed"), 200);
	ck_assert_str_eq(cookie, h->cookie[ROLE_THERAPIST]);
	ck_assert(pages_says(h, "Your password was changed"));
	ck_assert_int_eq(db_user_get(h->app.db, h->user_id[ROLE_THERAPIST],
	    &u), 1);
	ck_assert(auth_password_verify(u.password_hash,
	    "violet lantern harbour"));
	db_user_clear(&u);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "audit WHERE action = 'password-change'"), 1);
}
END_TEST

/*
 * A site's calendar link is made at /sites/:id/feed by a records editor
 * only; a therapist's own link and sickness are for therapists only:
 * the router refuses the rest (no row picked) and nothing is stored.
 */
START_TEST(test_feed_sick_roles)
{
	static const char feeds[] = "SELECT count(*) FROM feeds";

	/* /me points to the sites; each site's page has its button (a
	 * service with 900 sites had 900 buttons on /me). */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/me"), 200);
	ck_assert(pages_says(h, "href=\"/sites\""));
	ck_assert(!pages_says(h, "/feed\""));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/sites/2"), 200);
	ck_assert(pages_says(h, "action=\"/sites/2/feed#h-site-feed\""));
	ck_assert(pages_says(h, "No link has been made for this site yet."));
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/sites/1/feed", ""),
	    403);
	ck_assert(pages_post_refused(h, ROLE_THERAPIST, "/sites/1/feed"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, feeds), 0);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/sites/2/feed",
	    ""), 200);
	ck_assert(pages_says(h, "The new calendar link for Park Hall"));
	ck_assert(pages_says(h, "webcal://127.0.0.1:8080/calendar/"));
	ck_assert(pages_says(h, "<h1>Park Hall"));
	/* Shown once: the page again has only the day it was made. */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/sites/2"), 200);
	ck_assert(!pages_says(h, "/calendar/"));
	ck_assert(pages_says(h, "A link was made on "));
	ck_assert(pages_says(h, "Make a new calendar link"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "feeds WHERE kind = 'site' AND owner_id = 2"), 1);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/sites/99/feed",
	    ""), 404);
	/* A therapist's own schedule: other roles never reach a handler. */
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/me/feed", ""),
	    403);
	ck_assert(pages_post_refused(h, ROLE_COORDINATOR, "/me/feed"));
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/me/sick",
	    "first=2026-12-10&last=2026-12-10"), 403);
	ck_assert(pages_post_refused(h, ROLE_ADMIN, "/me/sick"));
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/me/sick",
	    "first=2026-12-10&last=2026-12-10"), 403);
	ck_assert(pages_post_refused(h, ROLE_COORDINATOR, "/me/sick"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "therapist_leave"), 0);
	/* A therapist's account with no therapist record: the handler's
	 * data check, past the router. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/feed", ""), 403);
	ck_assert(!pages_post_refused(h, ROLE_THERAPIST, "/me/feed"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, feeds), 1);
}
END_TEST

/* The site form stores a nation from its list and refuses any other. */
START_TEST(test_site_region)
{
	static const char form[] = "name=Loch+Hall&kind=school&"
	    "organisation=&address=1+Shore+Rd&postcode=SW1A+1AA&serves=&"
	    "active=yes&region=";
	char body[512];

	snprintf(body, sizeof(body), "%sAtlantis", form);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/sites/1/edit",
	    body), 422);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "Choose England, Scotland, Wales or "
	    "Northern Ireland"));
	ck_assert(pages_says(h, "Loch Hall"));
	ck_assert(pages_says(h, "1 Shore Rd"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "sites WHERE id = 1 AND name = 'Our centre' AND region = ''"), 1);
	snprintf(body, sizeof(body), "%sScotland", form);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/sites/1/edit",
	    body), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "sites WHERE id = 1 AND name = 'Loch Hall' AND "
	    "region = 'Scotland'"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/sites/1"), 200);
	ck_assert(pages_says(h, "<dt>Nation</dt><dd>Scotland</dd>"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/sites/1/edit"),
	    200);
	ck_assert(pages_says(h, "<option value=\"Scotland\" selected>"));
}
END_TEST

/*
 * Two partner organisations, each with a site and a session this week;
 * the client at the first has needs, a phone number and a note.  The
 * partner account belongs to the first.
 */
static void
partner_fixture(void)
{
	char sql[2048];
	time_t now = time(NULL);

	testlib_sql_exec(h->app.db,
	    "INSERT INTO organisations (id, name) VALUES (1, 'Greenway "
	    "Academy'), (2, 'Elm Care Home');"
	    "INSERT INTO sites (id, name, kind, organisation_id, region) "
	    "VALUES (3, 'Greenway main school', 'school', 1, 'Scotland'), "
	    "(4, 'Elm House', 'care_home', 2, 'London');"
	    "INSERT INTO rooms (id, site_id, name) VALUES (1, 3, 'Music "
	    "room'), (2, 4, 'Lounge');"
	    "INSERT INTO therapists (id, name) VALUES (1, 'Thea Therapist');"
	    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
	    "email, phone, postcode, date_of_birth, preferred_contact, needs, "
	    "about, session_type, consent_data, created_at, updated_at, "
	    "access_needs) VALUES (1, 'ABCD-EFGH', 'active', 'Zoe', 'Ngata', "
	    "'zoe@example.com', '07700900982', 'SW1A 1AA', '2015-05-01', "
	    "'email', 1, 'Finds loud rooms hard', 'individual', 1, "
	    "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'A ramp'),"
	    "(2, 'BCDE-FGHJ', 'active', 'Olive', 'Orme', 'olive@example.com', "
	    "'07700900555', 'SW1A 2AA', '1940-01-01', 'phone', 16, '', "
	    "'individual', 1, '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:00Z', '');"
	    "INSERT INTO referral_notes (referral_id, at, body) VALUES (1, "
	    "'2026-01-02T00:00:00Z', 'Private note about home');"
	    "INSERT INTO clients (id, referral_id, therapist_id, started_at) "
	    "VALUES (1, 1, 1, '2026-01-01'), (2, 2, 1, '2026-01-01');"
	    "INSERT INTO series (id, uid, therapist_id, client_id, site_id, "
	    "room_id, first_date, start_local, created_at, updated_at) VALUES "
	    "(1, 'u1', 1, 1, 3, 1, '2026-01-05', '10:00', 'x', 'x'), "
	    "(2, 'u2', 1, 2, 4, 2, '2026-01-05', '14:00', 'x', 'x');");
	/* A session of each tomorrow, whatever day this runs. */
	snprintf(sql, sizeof(sql), "INSERT INTO occurrences (series_id, "
	    "occ_date, start_utc, end_utc, therapist_id, room_id, site_id) "
	    "VALUES (1, date(%lld, 'unixepoch', 'localtime'), %lld, %lld, 1, "
	    "1, 3), (2, date(%lld, 'unixepoch', 'localtime'), %lld, %lld, 1, "
	    "2, 4)", (long long)now + 86400, (long long)now + 86400,
	    (long long)now + 86400 + 2700, (long long)now + 86400,
	    (long long)now + 86400, (long long)now + 86400 + 2700);
	testlib_sql_exec(h->app.db, sql);
	(void)pages_get(h, ROLE_PARTNER, "/healthz");
	snprintf(sql, sizeof(sql), "UPDATE users SET organisation_id = 1 "
	    "WHERE id = %lld", (long long)h->user_id[ROLE_PARTNER]);
	testlib_sql_exec(h->app.db, sql);
}

/*
 * An admin adds a partner's account tied to an organisation; a partner
 * without one, or another role with one, is refused with the typing kept.
 */
START_TEST(test_admin_adds_partner)
{
	static const char form[] = "action=add&email=pat%40greenway.example&"
	    "name=Pat+Head&password=long+unrelated+words+here&role=";
	char body[512];

	partner_fixture();
	snprintf(body, sizeof(body), "%spartner&organisation=", form);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/admin/users", body), 422);
	ck_assert(pages_says(h, "Choose the partner organisation this person "
	    "works for"));
	ck_assert(pages_says(h, "Pat Head"));
	snprintf(body, sizeof(body), "%stherapist&organisation=1", form);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/admin/users", body), 422);
	ck_assert(pages_says(h, "Only a partner&#39;s account belongs to an "
	    "organisation"));
	ck_assert(pages_says(h, "<option value=\"1\" selected>Greenway "
	    "Academy</option>"));
	snprintf(body, sizeof(body), "%spartner&organisation=99", form);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/admin/users", body), 422);
	ck_assert(pages_says(h, "Choose one of the organisations in the "
	    "list"));
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "users WHERE email = 'pat@greenway.example'"), 0);
	snprintf(body, sizeof(body), "%spartner&organisation=2", form);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/admin/users", body), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "users WHERE email = 'pat@greenway.example' AND role = 'partner' "
	    "AND organisation_id = 2"), 1);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "audit WHERE action = 'user-add' AND detail LIKE "
	    "'%of organisation 2'"), 1);
}
END_TEST

/* A partner sees their sites' sessions by initials, nothing private. */
START_TEST(test_partner_page)
{
	const char *body;

	partner_fixture();
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/partner"), 200);
	ck_assert(pages_says(h, "Greenway Academy"));
	ck_assert(pages_says(h, "Greenway main school"));
	ck_assert(pages_says(h, "Music room"));
	ck_assert(pages_says(h, "Thea Therapist"));
	ck_assert(pages_says(h, "Z. N."));
	body = pages_body(h);
	/* Not the client's name, needs, notes or contact details. */
	ck_assert_ptr_null(strstr(body, "Ngata"));
	ck_assert_ptr_null(strstr(body, "Zoe"));
	ck_assert_ptr_null(strstr(body, "07700900982"));
	ck_assert_ptr_null(strstr(body, "zoe@example.com"));
	ck_assert_ptr_null(strstr(body, "Autism"));
	ck_assert_ptr_null(strstr(body, "loud rooms"));
	ck_assert_ptr_null(strstr(body, "Private note"));
	ck_assert_ptr_null(strstr(body, "A ramp"));
	/* Nor the other organisation's sessions. */
	ck_assert_ptr_null(strstr(body, "Elm House"));
	ck_assert_ptr_null(strstr(body, "O. O."));
	/* A partner not tied to an organisation sees nothing. */
	testlib_sql_exec(h->app.db, "UPDATE users SET organisation_id = NULL "
	    "WHERE role = 'partner'");
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/partner"), 403);
	/* Staff pages are closed to partners. */
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/me"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/referrals/1"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/reports/impact"), 403);
}
END_TEST

/* A reported closure reaches coordinators with the sessions it hits. */
START_TEST(test_partner_closure)
{
	char body[256], day[11];
	time_t t = time(NULL) + 86400;
	struct tm tm;

	partner_fixture();
	localtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	/* Bad input: kept, explained, nothing stored. */
	ck_assert_int_eq(pages_post(h, ROLE_PARTNER, "/partner",
	    "action=closure&site=3&first_day=2027-02-30&detail=Kept+text"),
	    422);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "Enter the first day of the closure"));
	ck_assert(pages_says(h, "Choose why the site will be closed"));
	ck_assert(pages_says(h, "Kept text"));
	/* Another organisation's site is refused. */
	snprintf(body, sizeof(body), "action=closure&site=4&first_day=%s&"
	    "reason=trip", day);
	ck_assert_int_eq(pages_post(h, ROLE_PARTNER, "/partner", body), 422);
	ck_assert(pages_says(h, "Choose one of your sites"));
	ck_assert_int_eq(testlib_sql_int(h->app.db,
	    "SELECT count(*) FROM closure_reports"), 0);
	snprintf(body, sizeof(body), "action=closure&site=3&first_day=%s&"
	    "reason=inset_day&detail=Staff+training", day);
	ck_assert_int_eq(pages_post(h, ROLE_PARTNER, "/partner", body), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "closure_reports WHERE status = 'proposed' AND site_id = 3 AND "
	    "reason = 'inset_day'"), 1);
	/* Nothing is cancelled until a coordinator says so. */
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "site_closures"), 0);
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/partner?reported=1"),
	    200);
	ck_assert(pages_says(h, "Waiting for a coordinator"));
	ck_assert(pages_says(h, "1 session falls in it"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/closures"), 200);
	ck_assert(pages_says(h, "Greenway Academy, Greenway main school"));
	ck_assert(pages_says(h, "An inset day: Staff training"));
	ck_assert(pages_says(h, "1 session would be cancelled"));
	ck_assert(pages_says(h, "Z. N."));
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/closures"), 403);
}
END_TEST

/*
 * POSTs body to path as an administrator and checks the form is refused:
 * 422, the error summary, each of says (NULL-ended) on the page, and
 * count (an SQL count) still n0: nothing stored.
 */
static void
form_refused(const char *path, const char *body, const char *const *says,
    const char *count, int64_t n0)
{
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, path, body), 422);
	ck_assert(pages_says(h, "There is a problem"));
	for (; *says != NULL; says++)
		ck_assert_msg(pages_says(h, *says), "%s: no %s", path, *says);
	ck_assert_int_eq(testlib_sql_int(h->app.db, count), n0);
}

/*
 * The site form: bad values give 422, the error summary links to each
 * field, the typing is kept and nothing is stored; good ones are stored.
 */
START_TEST(test_site_form_422)
{
	static const char *const bad[] = {
		"href=\"#postcode\">Enter a real UK postcode",
		"href=\"#serves\">Enter postcode districts like",
		"href=\"#region\">Choose England",
		"value=\"Oak Trust\"", "value=\"XX1 1XX\"",
		"value=\"N1, banana\"", "value=\"school\" selected", NULL };
	static const char *const empty[] = {
		"href=\"#name\">Enter the site",
		"href=\"#kind\">Choose what kind", "href=\"#postcode\">",
		NULL };
	static const char count[] = "SELECT count(*) FROM sites";
	int64_t n0 = testlib_sql_int(h->app.db, count);

	form_refused("/sites/new", "name=Oak+School&kind=school&"
	    "organisation=Oak+Trust&address=1+Oak+Road&postcode=XX1+1XX&"
	    "serves=N1,+banana&region=Atlantis&step_free=yes&active=yes&"
	    "oh_day=mon&oh_start=09:00&oh_end=15:00", bad, count, n0);
	/* No name, no kind, no postcode for a place that is not online. */
	form_refused("/sites/new", "name=&kind=&postcode=", empty, count, n0);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/sites/new",
	    "name=Web&kind=online&postcode="), 303);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/sites/new",
	    "name=Oak+School&kind=school&organisation=Oak+Trust&"
	    "postcode=n16+0as&serves=N1,+e8&region=Wales&step_free=yes&"
	    "active=yes"), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "sites s JOIN organisations o ON o.id = s.organisation_id "
	    "WHERE s.name = 'Oak School' AND s.postcode = 'N16 0AS' AND "
	    "s.district = 'N16' AND o.name = 'Oak Trust' AND s.step_free = 1 "
	    "AND s.region = 'Wales'"), 1);
	ck_assert_int_eq(testlib_sql_int(h->app.db, count), n0 + 2);
}
END_TEST

/*
 * The therapist form: as the site form, with the table's whole numbers
 * and the page's own rules (specialisms and log-ins from the list).
 */
START_TEST(test_therapist_form_422)
{
	static const char *const bad[] = {
		"href=\"#user_id\">Choose a therapist",
		"href=\"#specialisms\">Choose specialisms only from the list",
		"href=\"#max_caseload\">Enter the most clients they can see, "
		    "a whole number from 0 to 200",
		"href=\"#max_hours\">", "href=\"#av-end-1\">",
		"value=\"&lt;b&gt;Zed\"", "value=\"lots\"", "value=\"99\"",
		"value=\"dementia\" checked", NULL };
	static const char *const empty[] = {
		"href=\"#name\">Enter the therapist", "href=\"#max_caseload\">",
		NULL };
	static const char count[] = "SELECT count(*) FROM therapists";
	int64_t n0 = testlib_sql_int(h->app.db, count);

	form_refused("/therapists/new", "name=%3Cb%3EZed&user_id=999&"
	    "specialisms=dementia&specialisms=juggling&languages=English&"
	    "max_caseload=lots&max_hours=99&active=yes&av_site=1&"
	    "av_day=tue&av_start=10:00&av_end=09:00", bad, count, n0);
	form_refused("/therapists/new", "name=&max_caseload=&max_hours=5",
	    empty, count, n0);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/therapists/new",
	    "name=Zed+Ng&user_id=&specialisms=dementia&"
	    "languages=english+,++Welsh&max_caseload=5&max_hours=10&"
	    "active=yes&av_site=1&av_day=tue&av_start=10:00&av_end=13:00"),
	    303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "therapists WHERE name = 'Zed Ng' AND languages = "
	    "'english, Welsh' AND max_caseload = 5 AND max_hours = 10 AND "
	    "active = 1"), 1);
}
END_TEST

/*
 * The site page's room forms: adding a room and changing one.  Bad
 * values give 422 with the summary linking to the control (the add
 * form's, or the changed room's own row), the typing kept and nothing
 * stored.
 */
/*
 * The new and edit forms of therapists and sites: each its own row, the
 * new one blank, the edit one the record's, a missing record 404 on
 * GET and POST with nothing stored.
 */
START_TEST(test_record_forms_new_edit)
{
	static const char therapists[] = "SELECT count(*) FROM therapists";
	static const char sites[] = "SELECT count(*) FROM sites";
	int64_t nt, ns;

	testlib_sql_exec(h->app.db, "INSERT INTO therapists (id, name, "
	    "specialisms, max_caseload, max_hours) VALUES (77, 'Tess Test', "
	    "0, 20, 30)");
	nt = testlib_sql_int(h->app.db, therapists);
	ns = testlib_sql_int(h->app.db, sites);
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/therapists/new"), 200);
	ck_assert(pages_says(h, "Add a therapist"));
	ck_assert(!pages_says(h, "Tess Test"));
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/therapists/77/edit"),
	    200);
	ck_assert(pages_says(h, "Change a therapist"));
	ck_assert(pages_says(h, "value=\"Tess Test\""));
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/therapists/78/edit"),
	    404);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/therapists/78/edit",
	    "name=Nobody&max_caseload=20&max_hours=30"), 404);
	ck_assert_int_eq(testlib_sql_int(h->app.db, therapists), nt);

	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/sites/new"), 200);
	ck_assert(pages_says(h, "Add a site"));
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/sites/1/edit"), 200);
	ck_assert(pages_says(h, "Change a site"));
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/sites/999/edit"), 404);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/sites/999/edit",
	    "name=Nowhere&kind=school&postcode=SW1A+1AA"), 404);
	ck_assert_int_eq(testlib_sql_int(h->app.db, sites), ns);
}
END_TEST

START_TEST(test_room_forms_422)
{
	static const char *const add_bad[] = {
		"href=\"#room_name\">Enter the room",
		"href=\"#room_capacity\">Enter how many people the room seats",
		"value=\"lots\"", NULL };
	static const char *const add_long[] = {
		"href=\"#room_name\">The room&#39;s name must be 100 "
		    "characters or fewer", "value=\"300\"",
		"href=\"#room_capacity\">", NULL };
	static const char *const save_bad[] = {
		"href=\"#room-7-name\">Enter the room",
		"href=\"#room-7-capacity\">Enter how many people",
		"value=\"0\"", NULL };
	static const char count[] = "SELECT count(*) FROM rooms";
	static const char kept[] = "SELECT count(*) FROM rooms WHERE id = 7 "
	    "AND name = 'Studio' AND capacity = 4 AND piano = 1";
	char body[400];

	testlib_sql_exec(h->app.db, "INSERT INTO rooms (id, site_id, name, "
	    "capacity, piano) VALUES (7, 1, 'Studio', 4, 1)");
	form_refused("/sites/1", "action=room_add&room_name=&capacity=lots&"
	    "piano=yes", add_bad, count, 1);
	snprintf(body, sizeof(body), "action=room_add&room_name=%0101d&"
	    "capacity=300", 0);
	form_refused("/sites/1", body, add_long, count, 1);
	form_refused("/sites/1", "action=room_save&room_id=7&room_name=+&"
	    "capacity=0&active=yes", save_bad, kept, 1);
	/* The add form is not blamed for the row's problem. */
	ck_assert(!pages_says(h, "<p class=\"error-message\">Enter the "
	    "room"));
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/sites/1",
	    "action=room_add&room_name=+Hall+&capacity=30&accessible=yes"),
	    303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "rooms WHERE site_id = 1 AND name = 'Hall' AND capacity = 30 AND "
	    "accessible = 1 AND piano = 0 AND active = 1"), 1);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/sites/1",
	    "action=room_save&room_id=7&room_name=Studio+A&capacity=5"), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "rooms WHERE id = 7 AND name = 'Studio A' AND capacity = 5 AND "
	    "piano = 0 AND active = 0"), 1);
}
END_TEST

/*
 * The period forms: a site's closure and a therapist's leave share one
 * field table.  Bad dates, a last day before the first and a reason on
 * two lines give 422 with the summary, the typing kept, nothing stored.
 */
START_TEST(test_period_forms_422)
{
	static const char *const bad[] = {
		"href=\"#first_day\">Enter the first day as year-month-day",
		"href=\"#reason\">Reason: use letters, numbers and "
		    "punctuation only", "value=\"2031-13-01\"",
		"value=\"soon\"", NULL };
	static const char *const backwards[] = {
		"href=\"#last_day\">The last day cannot come before the "
		    "first day", "value=\"2031-05-10\"",
		"value=\"2031-05-01\"", "value=\"Holiday\"", NULL };
	static const char closures[] = "SELECT count(*) FROM site_closures";
	static const char leave[] = "SELECT count(*) FROM therapist_leave";

	testlib_sql_exec(h->app.db, "INSERT INTO therapists (id, name) "
	    "VALUES (1, 'Thea')");
	form_refused("/sites/1", "action=closure_add&first_day=2031-13-01&"
	    "last_day=soon&reason=Snow%0Aday", bad, closures, 0);
	form_refused("/sites/1", "action=closure_add&first_day=2031-05-10&"
	    "last_day=2031-05-01&reason=Holiday", backwards, closures, 0);
	form_refused("/therapists/1", "action=leave_add&"
	    "first_day=2031-13-01&last_day=soon&reason=Snow%0Aday", bad,
	    leave, 0);
	form_refused("/therapists/1", "action=leave_add&"
	    "first_day=2031-05-10&last_day=2031-05-01&reason=Holiday",
	    backwards, leave, 0);
	/* An empty last day is the first: one day. */
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/sites/1",
	    "action=closure_add&first_day=2031-12-24&last_day=&"
	    "reason=+Snow+"), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "site_closures WHERE site_id = 1 AND first_day = '2031-12-24' "
	    "AND last_day = '2031-12-24' AND reason = 'Snow'"), 1);
	ck_assert_int_eq(pages_post(h, ROLE_ADMIN, "/therapists/1",
	    "action=leave_add&first_day=2031-05-01&last_day=2031-05-10&"
	    "reason="), 303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "therapist_leave WHERE therapist_id = 1 AND "
	    "first_day = '2031-05-01' AND last_day = '2031-05-10' AND "
	    "reason = ''"), 1);
}
END_TEST

/*
 * The sessions a leave or closure hits: the reason is required, on one
 * line, and its problem links to its own box (the sessions' choices and
 * the typing kept are in tests/integration/leave.sh).
 */
START_TEST(test_leave_reason_422)
{
	static const char *const empty[] = {
		"href=\"#reason\">Give a reason of up to 200 characters", NULL };
	static const char *const two_lines[] = {
		"href=\"#reason\">Reason: use letters, numbers and punctuation "
		    "only", NULL };
	static const char count[] = "SELECT count(*) FROM audit";
	int64_t n0;

	testlib_sql_exec(h->app.db, "INSERT INTO therapists (id, name) "
	    "VALUES (1, 'Thea')");
	n0 = testlib_sql_int(h->app.db, count);
	form_refused("/therapists/1/leave", "reason=+", empty, count, n0);
	form_refused("/sites/1/closures", "reason=Snow%0Aday", two_lines,
	    count, n0);
}
END_TEST

static const char valid_answers[] =
    "given_name=Zo%C3%AB&family_name=Ngata&email=zoe%40example.com&"
    "phone=07700+900+982&postcode=sw1a1aa&date_of_birth=1980-05-01&"
    "preferred_contact=email&voicemail_ok=yes&needs=autism&"
    "needs=dementia&about=I+hope+to+feel+calmer&availability=mon_am&"
    "availability=fri_eve&session_type=group&online_ok=yes&site=1&site=2&"
    "access_needs=A+ramp&language=English&gp_practice=Park+Surgery&"
    "emergency_name=Sam&emergency_phone=07700900111&consent_data=yes&"
    "consent_contact=yes&website=";

/* The form's token from GET /refer. */
static void
refer_token(char *tok, size_t n)
{
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer"), 200);
	ck_assert_int_eq(pages_input(h, "form_token", tok, n), 0);
	ck_assert_uint_ge(strlen(tok), 40);
}

/* Sends the valid answers; returns the reference code from Location. */
static void
refer_send(char *ref, size_t n)
{
	char tok[128], loc[128];
	struct buf b = BUF_INIT;

	refer_token(tok, sizeof(tok));
	buf_printf(&b, "form_token=%s&%s", tok, valid_answers);
	ck_assert_int_eq(pages_request(h, PAGES_SIGNED_OUT, "POST", "/refer",
	    buf_cstr(&b)), 303);
	buf_free(&b);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_msg(strncmp(loc, "/refer/thanks?ref=", 18) == 0, "%s", loc);
	ck_assert_uint_lt(strlen(loc + 18), n);
	memcpy(ref, loc + 18, strlen(loc + 18) + 1);
}

START_TEST(test_refer_422_keeps_values)
{
	char tok[128];
	struct buf b = BUF_INIT;

	refer_token(tok, sizeof(tok));
	buf_printf(&b, "form_token=%s&given_name=Annika&family_name=&"
	    "email=not-an-email&postcode=zz9&about=Some+words+of+mine&"
	    "session_type=either&site=1&consent_contact=yes", tok);
	ck_assert_int_eq(pages_request(h, PAGES_SIGNED_OUT, "POST", "/refer",
	    buf_cstr(&b)), 422);
	buf_free(&b);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "value=\"Annika\""));
	ck_assert(pages_says(h, "value=\"not-an-email\""));
	ck_assert(pages_says(h, "Some words of mine"));
	ck_assert_int_eq(testlib_sql_int(h->app.db,
	    "SELECT count(*) FROM referrals"), 0);
}
END_TEST

START_TEST(test_refer_stores)
{
	char ref[32], path[64];

	refer_send(ref, sizeof(ref));
	ck_assert_int_eq(testlib_sql_int(h->app.db,
	    "SELECT count(*) FROM referrals WHERE family_name = 'Ngata' AND "
	    "email = 'zoe@example.com' AND status = 'new'"), 1);
	ck_assert_int_eq(testlib_sql_int(h->app.db,
	    "SELECT count(*) FROM referral_sites"), 2);
	snprintf(path, sizeof(path), "/refer/thanks?ref=%s", ref);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert(pages_says(h, ref));
}
END_TEST

/*
 * The public forms are kept rendered by the worker (app_cache.c): each
 * visitor still gets a token of their own, and a change to a site or to
 * the contact details shows on the next request.
 */
START_TEST(test_refer_page_kept)
{
	char tok1[128], tok2[128];
	struct buf first = BUF_INIT;
	const char *a, *b;

	refer_token(tok1, sizeof(tok1));
	buf_puts(&first, pages_body(h));
	refer_token(tok2, sizeof(tok2));
	ck_assert_str_ne(tok1, tok2);
	/* The same page around the token. */
	a = buf_cstr(&first);
	b = pages_body(h);
	ck_assert_uint_eq(strlen(a), strlen(b));
	ck_assert_int_eq(memcmp(a, b, (size_t)(strstr(a, tok1) - a)), 0);
	ck_assert_str_eq(strstr(a, tok1) + strlen(tok1),
	    strstr(b, tok2) + strlen(tok2));
	buf_free(&first);
	ck_assert(!pages_says(h, "Riverside Annexe"));
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer/easy"), 200);
	ck_assert(!pages_says(h, "01632 960 777"));

	testlib_sql_exec(h->app.db, "UPDATE sites SET name = 'Riverside "
	    "Annexe' WHERE id = (SELECT min(id) FROM sites)");
	testlib_sql_exec(h->app.db, "INSERT OR REPLACE INTO settings (key, "
	    "value) VALUES ('contact_phone', '01632 960 777')");
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer"), 200);
	ck_assert(pages_says(h, "Riverside Annexe"));
	ck_assert(pages_says(h, "01632 960 777"));
	ck_assert(!pages_says(h, APP_PAGE_HOLE));
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer/easy"), 200);
	ck_assert(pages_says(h, "01632 960 777"));
	ck_assert(!pages_says(h, APP_PAGE_HOLE));
	/* A site removed is no longer offered, nor taken. */
	testlib_sql_exec(h->app.db, "DELETE FROM sites WHERE name = "
	    "'Riverside Annexe'");
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer"), 200);
	ck_assert(!pages_says(h, "Riverside Annexe"));
	/* Issue 21: writes that change no record (a view's audit line, a
	 * sign-in touched, a rate limit's count) leave the sites as read:
	 * not read again for the next form.  (Signed in first: a new
	 * account is a record.) */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/me"), 200);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer"), 200);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	testlib_sql_exec(h->app.db, "UPDATE sessions SET last_seen = "
	    "last_seen + 1; INSERT INTO rate_hits (key, hits, first_at) "
	    "VALUES ('x', 1, 1)");
	(void)testlib_stmt_steps(h->app.db, "FROM sites WHERE active = 1");
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/refer"), 200);
	ck_assert_int_eq(testlib_stmt_steps(h->app.db, "FROM sites WHERE "
	    "active = 1"), 0);
	ck_assert(pages_says(h, "Park Hall"));
}
END_TEST

/* The queue shows the new referral to a coordinator, not a therapist. */
START_TEST(test_queue_coordinator)
{
	char ref[32], path[64];
	int64_t id;

	refer_send(ref, sizeof(ref));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, "Ngata"));
	ck_assert(pages_says(h, ref));
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/referrals"), 403);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/referrals"), 303);
	/* Its page, opened, leaves an audit line. */
	id = testlib_sql_int(h->app.db, "SELECT id FROM referrals");
	snprintf(path, sizeof(path), "/referrals/%lld", (long long)id);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "Ngata"));
	ck_assert_int_ge(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "audit WHERE action = 'view'"), 1);
}
END_TEST

/*
 * The queue says when each waiting person last answered the waitlist
 * check: the date, "Not checked yet", or "Check overdue" past
 * waitlist_check_weeks.
 */
START_TEST(test_queue_last_checked)
{
	char ref[32], *at, want[64], day[32];

	refer_send(ref, sizeof(ref));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(!pages_says(h, "Not checked yet"));	/* not waiting */
	testlib_sql_exec(h->app.db, "UPDATE referrals SET status = "
	    "'waitlisted'");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, "Not checked yet"));
	testlib_sql_exec(h->app.db, "INSERT INTO waitlist_checks "
	    "(referral_id, sent_at, answered_at, answer, wellbeing) SELECT "
	    "id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-6 days'), "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-5 days'), 'yes', "
	    "'same' FROM referrals");
	at = testlib_sql_text(h->app.db, "SELECT answered_at FROM "
	    "waitlist_checks");
	ck_assert_int_eq(calendar_date_text(at, CALENDAR_SHORT, day,
	    sizeof(day)), 0);
	snprintf(want, sizeof(want), "Checked %s", day);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, want));
	ck_assert(!pages_says(h, "Check overdue"));
	free(at);
	/* Answered more than eight weeks ago: overdue. */
	testlib_sql_exec(h->app.db, "UPDATE waitlist_checks SET answered_at "
	    "= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-60 days')");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, "Check overdue"));
}
END_TEST

/*
 * A coordinator raises a full therapist's caseload on their form: a
 * place is made at their free weekly time that the waiting person fits,
 * the page after saving says so with a link, and /places lists it (with
 * how it was freed and, once sent, who was offered it until when).
 * Coordinators and admins only.
 */
START_TEST(test_places_caseload)
{
	char loc[256];
	const char *q;

	testlib_sql_exec(h->app.db,
	    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"
	    " (1, 1, 'Blue', 1);"
	    "INSERT INTO site_hours (site_id, day, start_min, end_min) VALUES"
	    " (1, 1, 540, 720);"
	    "INSERT INTO therapists (id, name, specialisms, max_caseload,"
	    " max_hours) VALUES (1, 'Zed Ng', 16, 0, 30);"
	    "INSERT INTO therapist_availability (therapist_id, site_id, day,"
	    " start_min, end_min) VALUES (1, 1, 1, 540, 720);"
	    "INSERT INTO referrals (id, ref, status, given_name, family_name,"
	    " email, postcode, date_of_birth, preferred_contact, session_type,"
	    " needs, availability, consent_data, consent_contact, created_at,"
	    " updated_at) VALUES (1, 'CCCC-CCCC', 'waitlisted', 'Cy', 'See',"
	    " 'cy@x.org', 'SW1A 1AB', '1980-01-01', 'email', 'individual', 16,"
	    " 8, 1, 1, '2026-03-01T00:00:00Z', 'x')");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/places"), 200);
	ck_assert(pages_says(h, "No place is open now."));
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/therapists/1/edit",
	    "name=Zed+Ng&user_id=&specialisms=dementia&languages=English&"
	    "max_caseload=1&max_hours=30&active=yes&av_site=1&av_day=tue&"
	    "av_start=09:00&av_end=12:00"), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_msg(strstr(loc, "done=saved&opened=1&place=") != NULL, "%s",
	    loc);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "places WHERE therapist_id = 1 AND weekday = 1 AND start_local = "
	    "'09:00' AND from_series_id IS NULL AND status = 'open'"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, loc), 200);
	ck_assert(pages_says(h, "1 place was made for Zed Ng:"));
	ck_assert(pages_says(h, "Tuesdays at 09:00 at Our centre, Blue"));
	ck_assert(pages_says(h, "Waiting for you to confirm the list"));
	ck_assert(pages_says(h, "href=\"/places\""));
	/* The list: the place, how it was freed, nobody offered yet. */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/places"), 200);
	ck_assert(pages_says(h, "Open places (1)"));
	ck_assert(pages_says(h, "The therapist can take more clients"));
	ck_assert(pages_says(h, "1 more person on the list, not offered yet"));
	/* Sent: who, and until when. */
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/places/1",
	    "action=send"), 303);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/places"), 200);
	ck_assert(pages_says(h, "CCCC-CCCC</a> Cy See: Offered: answer by"));
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/places"), 200);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/places"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/places"), 403);
	/* Saved again unchanged: nothing more is made, nothing said. */
	q = "name=Zed+Ng&user_id=&specialisms=dementia&languages=English&"
	    "max_caseload=1&max_hours=30&active=yes&av_site=1&av_day=tue&"
	    "av_start=09:00&av_end=12:00";
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/therapists/1/edit",
	    q), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/therapists/1?done=saved");
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "places"), 1);
	/* Raised with nobody left who fits: said so, no place. */
	testlib_sql_exec(h->app.db, "UPDATE referrals SET status = "
	    "'withdrawn'");
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/therapists/1/edit",
	    "name=Zed+Ng&user_id=&specialisms=dementia&languages=English&"
	    "max_caseload=2&max_hours=30&active=yes&av_site=1&av_day=tue&"
	    "av_start=09:00&av_end=12:00"), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, loc), 200);
	ck_assert(pages_says(h, "Zed Ng can now take 1 more client, but "
	    "nobody on the waiting list fits"));
}
END_TEST

static Suite *
pages_suite(void)
{
	Suite *s = suite_create("pages");
	TCase *tc;

	tc = tcase_create("route");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_route_matrix);
	tcase_add_test(tc, test_route_handlers_run);
	tcase_add_test(tc, test_route_rows_unique);
	tcase_add_test(tc, test_route_handler_once);
	tcase_add_test(tc, test_route_literal_wins);
	tcase_add_test(tc, test_route_ids);
	tcase_add_test(tc, test_route_405);
	tcase_add_test(tc, test_csrf);
	suite_add_tcase(s, tc);

	tc = tcase_create("pages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_admin_users_roles);
	tcase_add_test(tc, test_sign_out_everywhere);
	tcase_add_test(tc, test_login_double_submit);
	tcase_add_test(tc, test_password_change);
	tcase_add_test(tc, test_refer_422_keeps_values);
	tcase_add_test(tc, test_refer_stores);
	tcase_add_test(tc, test_refer_page_kept);
	tcase_add_test(tc, test_queue_coordinator);
	tcase_add_test(tc, test_queue_last_checked);
	tcase_add_test(tc, test_partner_page);
	tcase_add_test(tc, test_partner_closure);
	tcase_add_test(tc, test_site_region);
	tcase_add_test(tc, test_feed_sick_roles);
	tcase_add_test(tc, test_site_form_422);
	tcase_add_test(tc, test_therapist_form_422);
	tcase_add_test(tc, test_record_forms_new_edit);
	tcase_add_test(tc, test_room_forms_422);
	tcase_add_test(tc, test_period_forms_422);
	tcase_add_test(tc, test_leave_reason_422);
	tcase_add_test(tc, test_admin_adds_partner);
	tcase_add_test(tc, test_places_caseload);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pages_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

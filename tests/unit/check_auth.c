/*
 * Unit tests for staff sign-in: cgi/auth.c (passwords, sessions, CSRF,
 * failed sign-ins, the role x action table) and the parts of db/staff.c
 * it stands on (sessions, status moves).  One TCase per function; the
 * database tests run the real migrations on ":memory:".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sodium.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/form.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/referrals.h"
#include "db/staff.h"
#include "tests/unit/testlib.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static struct db *db;

static void
db_setup(void)
{
	char err[256];

	db = db_open(":memory:", err, sizeof(err));
	ck_assert_msg(db != NULL, "db_open: %s", err);
}

static void
db_teardown(void)
{
	db_close(db);
	db = NULL;
}

static int64_t
add_user(const char *email, const char *name, const char *role)
{
	int64_t id = db_user_add(db, email, name, role, "$argon2id$fake");

	ck_assert_int_gt(id, 0);
	return id;
}

static int64_t
add_referral(const char *status)
{
	struct db_referral r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.given_name = "Amira";
	r.family_name = "Haddad";
	r.email = "";
	r.phone = "07700900123";
	r.postcode = "NW1 8NH";
	r.date_of_birth = "1990-04-12";
	r.preferred_contact = "phone";
	r.about = "Music helps.";
	r.session_type = "either";
	r.consent_data = 1;
	ck_assert_int_eq(db_referral_create(db, &r, NULL, "test.invalid"),
	    DB_OK);
	return r.id;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- auth_password_hash / auth_password_verify ----------------------- */

START_TEST(test_password_hash_verify)
{
	char h1[crypto_pwhash_STRBYTES], h2[crypto_pwhash_STRBYTES];
	char small[16];

	ck_assert_int_eq(auth_password_hash("violet kettle harbour", h1,
	    sizeof(h1)), 0);
	ck_assert_msg(strncmp(h1, "$argon2id$", 10) == 0, "not Argon2id: %s",
	    h1);
	ck_assert_ptr_null(strstr(h1, "violet"));
	ck_assert_int_eq(auth_password_verify(h1, "violet kettle harbour"), 1);
	ck_assert_int_eq(auth_password_verify(h1, "violet kettle harbouR"), 0);
	ck_assert_int_eq(auth_password_verify(h1, "violet kettle harbour "),
	    0);
	ck_assert_int_eq(auth_password_verify(h1, ""), 0);
	/* A fresh salt each time: the same password, another hash. */
	ck_assert_int_eq(auth_password_hash("violet kettle harbour", h2,
	    sizeof(h2)), 0);
	ck_assert_str_ne(h1, h2);
	ck_assert_int_eq(auth_password_verify(h2, "violet kettle harbour"), 1);
	/* Too small a buffer is refused, not overrun. */
	ck_assert_int_eq(auth_password_hash("violet kettle harbour", small,
	    sizeof(small)), -1);
}
END_TEST

START_TEST(test_password_verify_no_hash)
{
	char h[crypto_pwhash_STRBYTES];
	double t0, real, none;

	ck_assert_int_eq(auth_password_hash("violet kettle harbour", h,
	    sizeof(h)), 0);
	t0 = now_s();
	ck_assert_int_eq(auth_password_verify(h, "violet kettle harbour"), 1);
	real = now_s() - t0;
	/* An unknown account: NULL or empty hash is always 0 ... */
	t0 = now_s();
	ck_assert_int_eq(auth_password_verify(NULL, "violet kettle harbour"),
	    0);
	none = now_s() - t0;
	ck_assert_int_eq(auth_password_verify("", "violet kettle harbour"), 0);
	ck_assert_int_eq(auth_password_verify(NULL, ""), 0);
	/* ... and costs about the same work (loosely: a loaded machine). */
	ck_assert_msg(none > real / 5, "no hash took %.3fs, a real one %.3fs",
	    none, real);
	/* Not a hash at all. */
	ck_assert_int_eq(auth_password_verify("nonsense", "nonsense"), 0);
}
END_TEST

/* ---- auth_password_problem ------------------------------------------- */

START_TEST(test_password_problem_length)
{
	char pw[200];
	const char *p;
	size_t i;
	unsigned x = 12345;

	p = auth_password_problem("", NULL, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "at least 12"));
	ck_assert_ptr_nonnull(auth_password_problem("kettle-harb", NULL,
	    NULL));		/* 11 */
	ck_assert_ptr_null(auth_password_problem("kettle-harbo", NULL,
	    NULL));		/* 12 */
	/* 128 irregular letters are fine, 129 are not. */
	for (i = 0; i < sizeof(pw) - 1; i++) {
		x = x * 1103515245u + 12345u;
		pw[i] = (char)('a' + (x >> 16) % 26);
	}
	pw[128] = '\0';
	ck_assert_ptr_null(auth_password_problem(pw, NULL, NULL));
	pw[128] = 'q';
	pw[129] = '\0';
	p = auth_password_problem(pw, NULL, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "128 characters or fewer"));
	pw[150] = '\0';
	memset(pw, 'k', 150);
	ck_assert_ptr_nonnull(auth_password_problem(pw, NULL, NULL));
}
END_TEST

START_TEST(test_password_problem_common)
{
	static const char *const common[] = {
		"123456789012", "qwertyuiop123", "QWERTYUIOP123",
		"Password1234", "PASSWORD1234", "MusicTherapy123",
		"correcthorsebatterystaple", "CorrectHorseBatteryStaple",
		"iloveyou1234", "TuttiTutti12", "administrator",
	};
	const char *p;
	size_t i;

	for (i = 0; i < N(common); i++) {
		p = auth_password_problem(common[i], NULL, NULL);
		ck_assert_msg(p != NULL && strstr(p, "most common") != NULL,
		    "%s: %s", common[i], p ? p : "(accepted)");
	}
	/* Near misses are not on the list. */
	ck_assert_ptr_null(auth_password_problem("correcthorsebatterystaples",
	    NULL, NULL));
}
END_TEST

START_TEST(test_password_problem_regular)
{
	static const char *const regular[] = {
		"bbbbbbbbbbbbb", "ZZZZZZZZZZZZZZZZ", "............",
		"abcdefghijklm", "zyxwvutsrqponm", "BCDEFGHIJKLMN",
		"234567890123",		/* digits wrap from 9 to 0 */
		"543210987654",
		"abcabcabcabc", "xyxyxyxyxyxyxy", "passpasspasspass",
		"12121212121212",
	};
	static const char *const fine[] = {
		"abcdefghijkx", "passpasspassport", "ab12cd34ef56gh",
		"tuba tuba tuba viola",
	};
	const char *p;
	size_t i;

	for (i = 0; i < N(regular); i++) {
		p = auth_password_problem(regular[i], NULL, NULL);
		ck_assert_msg(p != NULL && strstr(p, "too easy") != NULL,
		    "%s: %s", regular[i], p ? p : "(accepted)");
	}
	for (i = 0; i < N(fine); i++)
		ck_assert_msg(auth_password_problem(fine[i], NULL, NULL) ==
		    NULL, "%s refused", fine[i]);
}
END_TEST

START_TEST(test_password_problem_personal)
{
	const char *p;

	/* The local part of the email, in any case. */
	p = auth_password_problem("my zoe.obrien tune", "zoe.obrien@example.org",
	    "Zoe O'Brien");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "email"));
	ck_assert_ptr_nonnull(auth_password_problem("ZOE.OBRIEN-sings",
	    "zoe.obrien@example.org", NULL));
	/* Any part of the name of 4 letters or more, in any case. */
	p = auth_password_problem("purple neill river", "mo@example.org",
	    "Margaret O'Neill-Smith");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "name"));
	ck_assert_ptr_nonnull(auth_password_problem("xx MARGARET xx 77",
	    "mo@example.org", "Margaret O'Neill-Smith"));
	ck_assert_ptr_nonnull(auth_password_problem("blacksmith drums",
	    "mo@example.org", "Margaret O'Neill-Smith"));
	ck_assert_ptr_nonnull(auth_password_problem("cora plays cello",
	    "cora@tutti.example", "Cora Coordinator"));
	/* Short parts (under 4) are not counted: too many false alarms. */
	ck_assert_ptr_null(auth_password_problem("jo likes big drums",
	    "jo@example.org", "Jo Ng"));
	/* Unrelated passwords are fine; NULL email and name are fine. */
	ck_assert_ptr_null(auth_password_problem("violet kettle harbour",
	    "cora@tutti.example", "Cora Coordinator"));
	ck_assert_ptr_null(auth_password_problem("violet kettle harbour",
	    "no-at-sign", ""));
	ck_assert_ptr_null(auth_password_problem("violet kettle harbour",
	    NULL, NULL));
}
END_TEST

/* ---- sessions (db_session_*) ------------------------------------------ */

static void
hash_of(const char *token, unsigned char h[32])
{
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
}

START_TEST(test_session_lifecycle)
{
	struct db_session s;
	unsigned char h[32], h2[32], other[32];
	int64_t uid, now = 1700000000;

	uid = add_user("cora@tutti.example", "Cora Coordinator",
	    "coordinator");
	hash_of("token-one", h);
	hash_of("token-two", h2);
	hash_of("nobody's token", other);

	/* create -> find */
	ck_assert_int_eq(db_session_create(db, h, uid, "csrf-one", now,
	    "192.0.2.7"), 0);
	ck_assert_int_eq(db_session_find(db, h, &s), 1);
	ck_assert_int_eq(s.user_id, uid);
	ck_assert_int_eq(s.created_at, now);
	ck_assert_int_eq(s.last_seen, now);
	ck_assert_str_eq(s.csrf, "csrf-one");
	ck_assert_str_eq(s.role, "coordinator");
	ck_assert_str_eq(s.name, "Cora Coordinator");
	ck_assert_str_eq(s.email, "cora@tutti.example");
	ck_assert_int_eq(db_session_find(db, other, &s), 0);
	/* The same token hash twice is refused. */
	ck_assert_int_eq(db_session_create(db, h, uid, "x", now, ""), -1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"), 1);

	/* touch */
	ck_assert_int_eq(db_session_find(db, h, &s), 1);
	ck_assert_int_eq(db_session_touch(db, s.id, now + 600), 0);
	ck_assert_int_eq(db_session_find(db, h, &s), 1);
	ck_assert_int_eq(s.last_seen, now + 600);
	ck_assert_int_eq(s.created_at, now);

	/* expire by idle time: kept while last seen within the cut ... */
	ck_assert_int_eq(db_session_expire(db, now + 600 - AUTH_IDLE + 0,
	    now - AUTH_ABSOLUTE), 0);
	ck_assert_int_eq(db_session_find(db, h, &s), 1);
	/* ... gone once idle past it */
	ck_assert_int_eq(db_session_expire(db, now + 601, now - AUTH_ABSOLUTE),
	    0);
	ck_assert_int_eq(db_session_find(db, h, &s), 0);

	/* expire by age: busy but too old */
	ck_assert_int_eq(db_session_create(db, h2, uid, "csrf-two",
	    now - AUTH_ABSOLUTE - 1, ""), 0);
	ck_assert_int_eq(db_session_find(db, h2, &s), 1);
	ck_assert_int_eq(db_session_touch(db, s.id, now), 0);
	ck_assert_int_eq(db_session_expire(db, now - AUTH_IDLE,
	    now - AUTH_ABSOLUTE), 0);
	ck_assert_int_eq(db_session_find(db, h2, &s), 0);

	/* delete */
	ck_assert_int_eq(db_session_create(db, h, uid, "csrf-three", now, ""),
	    0);
	ck_assert_int_eq(db_session_find(db, h, &s), 1);
	ck_assert_int_eq(db_session_delete(db, s.id), 0);
	ck_assert_int_eq(db_session_find(db, h, &s), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"), 0);
}
END_TEST

START_TEST(test_session_user_changes)
{
	struct db_session s;
	unsigned char h[32], h2[32];
	int64_t uid, other, now = 1700000000;

	uid = add_user("thea@tutti.example", "Thea Therapist", "therapist");
	other = add_user("ravi@tutti.example", "Ravi Patel", "therapist");
	hash_of("thea", h);
	hash_of("ravi", h2);
	ck_assert_int_eq(db_session_create(db, h, uid, "c", now, ""), 0);
	ck_assert_int_eq(db_session_create(db, h2, other, "c", now, ""), 0);
	/* Deactivating ends every session of that user, and only theirs. */
	ck_assert_int_eq(db_user_set_active(db, uid, 0), 0);
	ck_assert_int_eq(db_session_find(db, h, &s), 0);
	ck_assert_int_eq(db_session_find(db, h2, &s), 1);
	/* A session row of an inactive user is never found. */
	testlib_sql_exec(db, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, "
	    "last_seen) VALUES (x'00', 1, 'c', 1700000000, 1700000000)");
	ck_assert_int_eq(db_user_set_active(db, uid, 1), 0);
	ck_assert_int_eq(db_user_set_active(db, uid, 0), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions WHERE user_id = 1"),
	    0);
	/* A new password ends the user's sessions. */
	ck_assert_int_eq(db_user_set_password(db, other, "$argon2id$new"), 0);
	ck_assert_int_eq(db_session_find(db, h2, &s), 0);
}
END_TEST

/* ---- auth_session_start / auth_session_load / auth_session_end -------- */

/* The value of the first Set-Cookie header in rs, copied to out. */
static void
set_cookie_of(struct resp *rs, char *out, size_t n)
{
	const char *h = strstr(buf_cstr(&rs->headers), "Set-Cookie: ");
	size_t len;

	ck_assert_ptr_nonnull(h);
	h += strlen("Set-Cookie: ");
	len = strcspn(h, "\r\n");
	ck_assert_uint_lt(len, n);
	memcpy(out, h, len);
	out[len] = '\0';
}

START_TEST(test_session_cookie)
{
	struct app app;
	struct req rq;
	struct resp rs;
	struct user u;
	unsigned char h[32];
	char line[300], token[80], cookie[100], first;
	int64_t uid;
	size_t i;

	uid = add_user("cora@tutti.example", "Cora Coordinator",
	    "coordinator");
	memset(&app, 0, sizeof(app));
	app.db = db;
	app.base_url = "http://127.0.0.1:8080";
	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.remote_addr = "192.0.2.7";
	rq.cookie = "";

	ck_assert_int_eq(auth_session_start(&app, &rq, &rs, uid), 0);
	set_cookie_of(&rs, line, sizeof(line));
	ck_assert_msg(strncmp(line, "tutti=", 6) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "; Path=/"));
	ck_assert_ptr_nonnull(strstr(line, "; HttpOnly"));
	ck_assert_ptr_nonnull(strstr(line, "; SameSite=Lax"));
	ck_assert_ptr_null(strstr(line, "Secure"));
	/* The token: 64 hex digits; only its SHA-256 is stored. */
	i = strcspn(line + 6, ";");
	ck_assert_uint_eq(i, 64);
	memcpy(token, line + 6, i);
	token[i] = '\0';
	ck_assert_uint_eq(strspn(token, "0123456789abcdef"), 64);
	hash_of(token, h);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"), 1);
	{
		sqlite3_stmt *st;

		ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "SELECT "
		    "count(*) FROM sessions WHERE token_hash = ?", -1, &st,
		    NULL), SQLITE_OK);
		sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
	}
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions WHERE "
	    "typeof(token_hash) != 'blob' OR length(token_hash) != 32"), 0);

	/* Loading it back. */
	snprintf(cookie, sizeof(cookie), "other=1; tutti=%s", token);
	rq.cookie = cookie;
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 1);
	ck_assert_int_eq(u.id, uid);
	ck_assert_int_eq(u.role, ROLE_COORDINATOR);
	ck_assert_str_eq(u.name, "Cora Coordinator");
	ck_assert_uint_eq(strlen(u.csrf), 64);
	ck_assert_str_ne(u.csrf, token);

	/* A wrong or malformed token loads nothing. */
	first = token[0];
	token[0] = first == 'a' ? 'b' : 'a';
	snprintf(cookie, sizeof(cookie), "tutti=%s", token);
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 0);
	rq.cookie = "tutti=abc";
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 0);
	rq.cookie = "";
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 0);
	token[0] = first;
	snprintf(cookie, sizeof(cookie), "tutti=%s", token);
	rq.cookie = cookie;

	/* Idle too long: refused and removed. */
	testlib_sql_exec(db, "UPDATE sessions SET last_seen = last_seen - 1801");
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"), 0);

	/* Too old, however busy: refused. */
	buf_reset(&rs.headers);
	ck_assert_int_eq(auth_session_start(&app, &rq, &rs, uid), 0);
	set_cookie_of(&rs, line, sizeof(line));
	snprintf(cookie, sizeof(cookie), "tutti=%.64s", line + 6);
	testlib_sql_exec(db, "UPDATE sessions SET created_at = created_at - 43201");
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 0);

	/* Signing out removes the session and clears the cookie. */
	buf_reset(&rs.headers);
	ck_assert_int_eq(auth_session_start(&app, &rq, &rs, uid), 0);
	set_cookie_of(&rs, line, sizeof(line));
	snprintf(cookie, sizeof(cookie), "tutti=%.64s", line + 6);
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 1);
	rq.user = &u;
	buf_reset(&rs.headers);
	auth_session_end(&app, &rq, &rs);
	set_cookie_of(&rs, line, sizeof(line));
	ck_assert_msg(strncmp(line, "tutti=;", 7) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "Max-Age=0"));
	rq.user = NULL;
	ck_assert_int_eq(auth_session_load(&app, &rq, &u), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"), 0);

	/* Over https: the __Host- prefix and Secure. */
	app.base_url = "https://tutti.example";
	ck_assert_str_eq(auth_cookie_name(&app), "__Host-tutti");
	buf_reset(&rs.headers);
	ck_assert_int_eq(auth_session_start(&app, &rq, &rs, uid), 0);
	set_cookie_of(&rs, line, sizeof(line));
	ck_assert_msg(strncmp(line, "__Host-tutti=", 13) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "; Secure"));
	ck_assert_ptr_nonnull(strstr(line, "; Path=/"));
	ck_assert_ptr_null(strstr(line, "Domain"));

	buf_free(&rs.headers);
	buf_free(&rs.body);
}
END_TEST

/* ---- auth_csrf_ok ----------------------------------------------------- */

/* 1 when a POST with body carries the CSRF token of user (may be NULL). */
static int
csrf(struct user *user, const char *body)
{
	struct req rq;
	int ok;

	memset(&rq, 0, sizeof(rq));
	form_init(&rq.f);
	ck_assert_int_eq(form_parse(&rq.f, body, strlen(body), 100),
	    FORM_OK);
	rq.user = user;
	ok = auth_csrf_ok(&rq);
	form_free(&rq.f);
	return ok;
}

START_TEST(test_csrf)
{
	static const char tok[] =
	    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
	struct user u;
	char body[300];

	memset(&u, 0, sizeof(u));
	snprintf(u.csrf, sizeof(u.csrf), "%s", tok);
	snprintf(body, sizeof(body), "action=move&csrf=%s&to=triaged", tok);
	ck_assert_int_eq(csrf(&u, body), 1);
	/* No user, no field, an empty field, a wrong, short or long one. */
	ck_assert_int_eq(csrf(NULL, body), 0);
	ck_assert_int_eq(csrf(&u, "action=move"), 0);
	ck_assert_int_eq(csrf(&u, "csrf="), 0);
	ck_assert_int_eq(csrf(&u, "csrf"), 0);
	snprintf(body, sizeof(body), "csrf=%.63s", tok);
	ck_assert_int_eq(csrf(&u, body), 0);
	snprintf(body, sizeof(body), "csrf=%s0", tok);
	ck_assert_int_eq(csrf(&u, body), 0);
	snprintf(body, sizeof(body), "csrf=%.63s1", tok);
	ck_assert_int_eq(csrf(&u, body), 0);
	snprintf(body, sizeof(body), "csrf=%.63s0", tok);
	ck_assert_int_eq(csrf(&u, body), 1);
	/* Only the first value counts. */
	snprintf(body, sizeof(body), "csrf=wrong&csrf=%s", tok);
	ck_assert_int_eq(csrf(&u, body), 0);
	/* A session without a token matches nothing, not even "". */
	u.csrf[0] = '\0';
	ck_assert_int_eq(csrf(&u, "csrf="), 0);
	ck_assert_int_eq(csrf(&u, "csrf=x"), 0);
}
END_TEST

/* ---- auth_can / auth_role_parse --------------------------------------- */

START_TEST(test_can)
{
	/*
	 * The staff actions of sign-in and the referral queue; other areas
	 * (schedule, ...) test their own.  Columns: admin, coordinator,
	 * therapist, partner.
	 */
	static const struct {
		enum action	 act;
		const char	*name;
		int		 want[ROLE__MAX];
	} table[] = {
		{ ACT_PUBLIC,		"public",	  { 1, 1, 1, 1 } },
		{ ACT_SIGNED_IN,	"signed in",	  { 1, 1, 1, 0 } },
		{ ACT_QUEUE,		"queue",	  { 1, 1, 0, 0 } },
		{ ACT_REFERRAL_VIEW,	"referral view",  { 1, 1, 0, 0 } },
		{ ACT_REFERRAL_CHANGE,	"referral change", { 1, 1, 0, 0 } },
		{ ACT_REFERRAL_CREATE,	"referral create", { 1, 1, 0, 0 } },
		{ ACT_USERS,		"users",	  { 1, 0, 0, 0 } },
		{ ACT_AUDIT,		"audit",	  { 1, 0, 0, 0 } },
		{ ACT_SIGN_OUT,		"sign out",	  { 1, 1, 1, 1 } },
		{ ACT_PARTNER,		"partner page",	  { 0, 0, 0, 1 } },
		{ ACT_IMPACT,		"impact report",  { 1, 1, 0, 0 } },
	};
	size_t i;
	int r;

	for (i = 0; i < N(table); i++)
		for (r = 0; r < ROLE__MAX; r++)
			ck_assert_msg(auth_can((enum role)r, table[i].act) ==
			    table[i].want[r], "%s may %s: got %d, want %d",
			    auth_role_names[r], table[i].name,
			    auth_can((enum role)r, table[i].act),
			    table[i].want[r]);
	/* The ones that matter most, spelled out. */
	ck_assert_int_eq(auth_can(ROLE_THERAPIST, ACT_QUEUE), 0);
	ck_assert_int_eq(auth_can(ROLE_THERAPIST, ACT_REFERRAL_VIEW), 0);
	ck_assert_int_eq(auth_can(ROLE_THERAPIST, ACT_USERS), 0);
	ck_assert_int_eq(auth_can(ROLE_COORDINATOR, ACT_USERS), 0);
	ck_assert_int_eq(auth_can(ROLE_COORDINATOR, ACT_AUDIT), 0);
	/* Out of range asks get no. */
	ck_assert_int_eq(auth_can(ROLE__MAX, ACT_PUBLIC), 0);
	ck_assert_int_eq(auth_can((enum role)-1, ACT_PUBLIC), 0);
	ck_assert_int_eq(auth_can(ROLE_ADMIN, ACT__MAX), 0);
	ck_assert_int_eq(auth_can(ROLE_ADMIN, (enum action)-1), 0);
}
END_TEST

START_TEST(test_role_parse)
{
	ck_assert_int_eq(auth_role_parse("admin"), ROLE_ADMIN);
	ck_assert_int_eq(auth_role_parse("coordinator"), ROLE_COORDINATOR);
	ck_assert_int_eq(auth_role_parse("therapist"), ROLE_THERAPIST);
	ck_assert_int_eq(auth_role_parse("root"), -1);
	ck_assert_int_eq(auth_role_parse(""), -1);
	ck_assert_int_eq(auth_role_parse(NULL), -1);
	ck_assert_int_eq(auth_role_parse("admin "), -1);
}
END_TEST

/* ---- auth_login_begin / _failed / _succeeded --------------------------- */

/* One attempt that goes ahead and fails; returns the account's count. */
static int
fail_once(struct app *app, const char *email, const char *addr)
{
	int n = 0;

	ck_assert_int_eq(auth_login_begin(app, email, addr, &n), 0);
	return n;
}

/* Adds n failures under key at the current time, as past attempts. */
static void
fail_key(const char *key, int n)
{
	int i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(db_login_fail(db, key, (int64_t)time(NULL),
		    15 * 60), 0);
}

START_TEST(test_login_throttle)
{
	struct app app;
	char email[64];
	int i, w, n;

	memset(&app, 0, sizeof(app));
	app.db = db;
	app.base_url = "http://127.0.0.1:8080";
	add_user("cora@tutti.example", "Cora Coordinator", "coordinator");

	/* Three failures from one address (any case) slow that address. */
	(void)fail_once(&app, "cora@tutti.example", "192.0.2.1");
	(void)fail_once(&app, "CORA@tutti.example", "192.0.2.1");
	ck_assert_int_eq(fail_once(&app, "Cora@Tutti.Example", "192.0.2.1"),
	    3);
	w = auth_login_begin(&app, "cora@tutti.example", "192.0.2.1", &n);
	ck_assert_msg(w >= 1 && w <= 2, "wait %d", w);
	/* A refused attempt is not counted. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT failures FROM login_failures WHERE "
	    "key = 'u:cora@tutti.example'"), 3);
	/* An unknown email is counted and answered the same way. */
	for (i = 0; i < 3; i++)
		(void)fail_once(&app, "nobody@tutti.example", "192.0.2.4");
	w = auth_login_begin(&app, "nobody@tutti.example", "192.0.2.4", &n);
	ck_assert_msg(w >= 1 && w <= 2, "wait %d", w);
	/* Others, from elsewhere, are not held up. */
	ck_assert_int_eq(auth_login_begin(&app, "kofi@tutti.example",
	    "192.0.2.9", &n), 0);

	/* Ten failures from one address refuse it for the window. */
	fail_key("p:192.0.2.10|cora@tutti.example", 10);
	w = auth_login_begin(&app, "cora@tutti.example", "192.0.2.10", &n);
	ck_assert_msg(w > 800 && w <= 15 * 60, "wait %d", w);
	/*
	 * Issue 13, finding 5: the account is not locked.  The right
	 * password from an address with no failures goes ahead, and a
	 * success takes its own count back and clears the account's.
	 */
	ck_assert_int_eq(auth_login_begin(&app, "cora@tutti.example",
	    "192.0.2.11", &n), 0);
	auth_login_succeeded(&app, "cora@tutti.example", "192.0.2.11");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM login_failures WHERE "
	    "key = 'u:cora@tutti.example'"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT failures FROM login_failures WHERE "
	    "key = 'a:192.0.2.11'"), 0);

	/*
	 * Many addresses guessing at one account: past the account's
	 * ceiling an address that has failed on it waits (never longer than
	 * five minutes), a clean one still goes ahead.
	 */
	fail_key("u:cora@tutti.example", 40);
	fail_key("p:203.0.113.1|cora@tutti.example", 1);
	w = auth_login_begin(&app, "cora@tutti.example", "203.0.113.1", &n);
	ck_assert_msg(w > 0 && w <= 300, "wait %d", w);
	ck_assert_int_eq(auth_login_begin(&app, "cora@tutti.example",
	    "203.0.113.2", &n), 0);
	ck_assert_int_eq(n, 41);

	/*
	 * One address trying many accounts is slowed too, never for longer
	 * than the counting window.
	 */
	for (i = 0; i < 30; i++) {
		snprintf(email, sizeof(email), "spray%d@example.org", i);
		fail_key("a:198.51.100.1", 1);
	}
	w = auth_login_begin(&app, "kofi@tutti.example", "198.51.100.1", &n);
	ck_assert_msg(w > 0 && w <= 15 * 60, "wait %d", w);
}
END_TEST

/*
 * Issue 13, finding 5: the owner of an account being guessed at is told
 * by email, once in a window; an unknown email tells nobody.
 */
START_TEST(test_login_notify)
{
	struct app app;
	struct db_user u;
	int i, n = 0;

	memset(&app, 0, sizeof(app));
	app.db = db;
	app.base_url = "http://127.0.0.1:8080";
	app.msgid_domain = "tutti.localhost";
	add_user("cora@tutti.example", "Cora Coordinator", "coordinator");
	ck_assert_int_eq(db_user_by_email(db, "cora@tutti.example", &u), 1);
	for (i = 0; i < 14; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "192.0.2.%d", i + 1);
		n = fail_once(&app, "cora@tutti.example", addr);
		auth_login_failed(&app, "cora@tutti.example", &u, addr, n);
		auth_login_failed(&app, "cora@tutti.example", NULL, addr, n);
	}
	ck_assert_int_eq(n, 14);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'login_guessed' AND to_addr = 'cora@tutti.example'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'login-guessed'"), 1);
	db_user_clear(&u);
}
END_TEST

/* ---- db_status_move_ok ------------------------------------------------ */

START_TEST(test_status_move_ok)
{
	/* want[from][to]: N T W M A C D X (new ... withdrawn). */
	static const int want[STATUS__MAX][STATUS__MAX] = {
		/*		N  T  W  M  A  C  D  X */
		[ST_NEW] =	{ 0, 1, 0, 0, 0, 0, 1, 1 },
		[ST_TRIAGED] =	{ 0, 0, 1, 1, 0, 0, 1, 1 },
		[ST_WAITLISTED] = { 0, 0, 0, 1, 0, 0, 1, 1 },
		[ST_MATCHED] =	{ 0, 0, 1, 0, 1, 0, 1, 1 },
		[ST_ACTIVE] =	{ 0, 0, 0, 0, 0, 1, 1, 1 },
		[ST_CLOSED] =	{ 0, 0, 0, 0, 0, 0, 0, 0 },
		[ST_DECLINED] =	{ 0, 0, 0, 0, 0, 0, 0, 0 },
		[ST_WITHDRAWN] = { 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	int f, t;

	for (f = 0; f < STATUS__MAX; f++)
		for (t = 0; t < STATUS__MAX; t++)
			ck_assert_msg(db_status_move_ok((enum status)f,
			    (enum status)t) == want[f][t], "%s -> %s: got %d",
			    status_names[f], status_names[t],
			    db_status_move_ok((enum status)f, (enum status)t));
	/* The final states, and open ones, as the queue counts them. */
	for (f = 0; f < STATUS__MAX; f++)
		ck_assert_int_eq(db_status_open((enum status)f), f <= ST_ACTIVE);
	ck_assert_int_eq(db_status_move_ok(STATUS__MAX, ST_NEW), 0);
	ck_assert_int_eq(db_status_move_ok(ST_NEW, STATUS__MAX), 0);
	ck_assert_int_eq(db_status_move_ok((enum status)-1, ST_TRIAGED), 0);
}
END_TEST

/* ---- db_referral_move ------------------------------------------------- */

/* Rows that a move writes, and the referral's state, as one string. */
static void
snapshot(int64_t id, char *out, size_t n)
{
	char sql[300];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT status || '|' || updated_at || '|' "
	    "|| (SELECT count(*) FROM referral_events) || '|' || "
	    "(SELECT count(*) FROM audit) FROM referrals WHERE id = %lld",
	    (long long)id);
	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

START_TEST(test_referral_move)
{
	struct db_referral_rec *rec;
	char before[200], after[200];
	int64_t uid, id;

	uid = add_user("cora@tutti.example", "Cora Coordinator",
	    "coordinator");
	id = add_referral(NULL);
	testlib_sql_exec(db, "UPDATE referrals SET updated_at = '2020-01-01T00:00:00Z'");
	snapshot(id, before, sizeof(before));
	ck_assert_msg(strncmp(before, "new|", 4) == 0, "%s", before);

	/* Invalid: new cannot go straight to active; nothing written. */
	ck_assert_int_eq(db_referral_move(db, id, ST_NEW, ST_ACTIVE, uid,
	    "skip ahead", "192.0.2.1"), DB_INVALID);
	ck_assert_int_eq(db_referral_move(db, id, ST_NEW, ST_NEW, uid,
	    "same", "192.0.2.1"), DB_INVALID);
	snapshot(id, after, sizeof(after));
	ck_assert_str_eq(after, before);

	/* Stale: the form says triaged, it is still new; nothing written. */
	ck_assert_int_eq(db_referral_move(db, id, ST_TRIAGED, ST_WAITLISTED,
	    uid, "stale", "192.0.2.1"), DB_CONFLICT);
	snapshot(id, after, sizeof(after));
	ck_assert_str_eq(after, before);

	/* A move: status, one history line with the reason, one audit. */
	ck_assert_int_eq(db_referral_move(db, id, ST_NEW, ST_TRIAGED, uid,
	    "Spoke on the phone", "192.0.2.1"), DB_OK);
	ck_assert_int_eq(db_referral_load(db, id, &rec), 1);
	ck_assert_int_eq(rec->status, ST_TRIAGED);
	ck_assert_str_ne(rec->updated_at, "2020-01-01T00:00:00Z");
	db_referral_rec_free(rec);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM referral_events WHERE "
	    "from_status = 'new' AND to_status = 'triaged' AND reason = "
	    "'Spoke on the phone' AND user_id = 1"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'status' AND detail = 'status new -> triaged' AND user_id = 1 "
	    "AND remote_addr = '192.0.2.1'"), 1);

	/* The same move again, from a page loaded before it: a conflict. */
	snapshot(id, before, sizeof(before));
	ck_assert_int_eq(db_referral_move(db, id, ST_NEW, ST_TRIAGED, uid,
	    "twice", "192.0.2.1"), DB_CONFLICT);
	snapshot(id, after, sizeof(after));
	ck_assert_str_eq(after, before);

	/* Final states stay final. */
	ck_assert_int_eq(db_referral_move(db, id, ST_TRIAGED, ST_DECLINED,
	    uid, "Not for us", ""), DB_OK);
	snapshot(id, before, sizeof(before));
	ck_assert_int_eq(db_referral_move(db, id, ST_DECLINED, ST_TRIAGED,
	    uid, "undo", ""), DB_INVALID);
	snapshot(id, after, sizeof(after));
	ck_assert_str_eq(after, before);

	/* No such referral: a conflict, nothing written. */
	ck_assert_int_eq(db_referral_move(db, id + 100, ST_NEW, ST_TRIAGED,
	    uid, "ghost", ""), DB_CONFLICT);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM referral_events WHERE "
	    "reason = 'ghost'"), 0);
}
END_TEST

/* ---- db_queue (the search the queue's q box runs) --------------------- */

START_TEST(test_queue_search)
{
	struct db_queue_filter f;
	struct db_queue_row rows[10];
	size_t n;
	int64_t total, id;
	char ref[16];
	sqlite3_stmt *st;

	id = add_referral(NULL);
	testlib_sql_exec(db, "UPDATE referrals SET family_name = 'Campbell' WHERE id = 1");
	(void)add_referral(NULL);
	testlib_sql_exec(db, "UPDATE referrals SET given_name = 'Brian', family_name = "
	    "'Smith', postcode = 'N1 9GU' WHERE id = 2");
	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "SELECT ref FROM "
	    "referrals WHERE id = 1", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(ref, sizeof(ref), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);

	memset(&f, 0, sizeof(f));
	f.status = -1;
	f.need = -1;
	f.limit = 10;
#define FIND(text, code, want_total) do {				\
	f.q = (text);							\
	f.ref = (code);							\
	ck_assert_int_eq(db_queue(db, &f, rows, &n, &total), 0);	\
	ck_assert_msg(total == (want_total), "q=%s: %lld found",	\
	    (text), (long long)total);					\
} while (0)
	FIND("Amira", NULL, 1);
	FIND("a", NULL, 2);
	FIND("Campbell", NULL, 1);
	ck_assert_int_eq(rows[0].id, id);
	/* "Campbell" also reads as a code (CAMP-BELL): names still match. */
	FIND("Campbell", "CAMP-BELL", 1);
	FIND("amira campbell", NULL, 1);
	FIND(ref, ref, 1);
	ck_assert_str_eq(rows[0].ref, ref);
	FIND("NW1 8NH", NULL, 1);
	FIND("nw18nh", NULL, 1);
	FIND("NW1", NULL, 1);
	FIND("n1 9", NULL, 1);
	FIND("N1", NULL, 1);
	FIND("zz99", NULL, 0);
	FIND("   ", NULL, 0);
#undef FIND
}
END_TEST

/*
 * The queue's page of open referrals, plain or searched, reads one index
 * (047's referrals_open, holding what the page shows and its filters
 * read), not a row of the referrals table for each referral: at N=10,
 * Y=6 some 50 table pages a page, read again after every write.
 */
START_TEST(test_queue_reads_index)
{
	struct db_queue_filter f;
	struct db_queue_row rows[10];
	size_t n;
	int64_t total;
	char *plan;
	int i;

	(void)add_referral(NULL);
	memset(&f, 0, sizeof(f));
	f.status = -1;
	f.need = -1;
	f.limit = 10;
	for (i = 0; i < 2; i++) {
		f.q = i == 0 ? NULL : "Amira";
		ck_assert_int_eq(db_queue(db, &f, rows, &n, &total), 0);
		ck_assert_int_eq(n, 1);
		plan = testlib_sql_plan(db, testlib_stmt_sql(db,
		    "FROM referrals r INDEXED BY referrals_open WHERE status"));
		ck_assert_msg(strstr(plan, "SCAN r USING COVERING INDEX "
		    "referrals_open") != NULL, "%s", plan);
		free(plan);
	}
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc;

	tc = tcase_create("auth_password_hash");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_password_hash_verify);
	tcase_add_test(tc, test_password_verify_no_hash);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_password_problem");
	tcase_add_test(tc, test_password_problem_length);
	tcase_add_test(tc, test_password_problem_common);
	tcase_add_test(tc, test_password_problem_regular);
	tcase_add_test(tc, test_password_problem_personal);
	suite_add_tcase(s, tc);

	tc = tcase_create("db_session");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_session_lifecycle);
	tcase_add_test(tc, test_session_user_changes);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_session");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_session_cookie);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_csrf_ok");
	tcase_add_test(tc, test_csrf);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_can");
	tcase_add_test(tc, test_can);
	tcase_add_test(tc, test_role_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_login_begin");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_login_throttle);
	tcase_add_test(tc, test_login_notify);
	suite_add_tcase(s, tc);

	tc = tcase_create("db_status_move_ok");
	tcase_add_test(tc, test_status_move_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("db_referral_move");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_referral_move);
	suite_add_tcase(s, tc);

	tc = tcase_create("db_queue");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_queue_search);
	tcase_add_test(tc, test_queue_reads_index);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	if (sodium_init() < 0)
		return 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

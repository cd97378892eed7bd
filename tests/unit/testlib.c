/*
 * testlib: SQL helpers and the in-process page harness (testlib.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>
#include <sqlite3.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/form.h"
#include "cgi/route.h"
#include "core/core.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/staff.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "tests/unit/testlib.h"

int64_t
testlib_sql_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_msg(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db->conn));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *
testlib_sql_text(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	char *v;

	ck_assert_msg(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db->conn));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	t = sqlite3_column_text(st, 0);
	v = strdup(t != NULL ? (const char *)t : "(null)");
	ck_assert_ptr_nonnull(v);
	sqlite3_finalize(st);
	return v;
}

void
testlib_texts_same(const char *got, const char *want)
{
	size_t i, start = 0, line = 1;

	for (i = 0; got[i] != '\0' && got[i] == want[i]; i++)
		if (got[i] == '\n') {
			start = i + 1;
			line++;
		}
	ck_assert_msg(got[i] == want[i], "line %zu differs:\n got  %.160s\n"
	    " want %.160s", line, got + start, want + start);
}

void
testlib_sql_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &msg);

	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
}

int
testlib_sql_steps(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int n;

	ck_assert_msg(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db->conn));
	ck_assert_msg(sqlite3_step(st) == SQLITE_DONE, "%s: %s", sql,
	    sqlite3_errmsg(db->conn));
	n = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
	sqlite3_finalize(st);
	return n;
}

/* db/'s cached statement whose SQL holds needle; fails the test if none. */
static sqlite3_stmt *
stmt_find(struct db *db, const char *needle)
{
	sqlite3_stmt *st;
	const char *sql;

	for (st = sqlite3_next_stmt(db->conn, NULL); st != NULL;
	    st = sqlite3_next_stmt(db->conn, st))
		if ((sql = sqlite3_sql(st)) != NULL &&
		    strstr(sql, needle) != NULL)
			return st;
	ck_abort_msg("no statement holds %s", needle);
	return NULL;
}

int
testlib_stmt_steps(struct db *db, const char *needle)
{
	return sqlite3_stmt_status(stmt_find(db, needle),
	    SQLITE_STMTSTATUS_VM_STEP, 1);
}

const char *
testlib_stmt_sql(struct db *db, const char *needle)
{
	return sqlite3_sql(stmt_find(db, needle));
}

char *
testlib_sql_plan(struct db *db, const char *sql)
{
	struct buf plan = BUF_INIT;
	sqlite3_stmt *st;
	char *v;

	ck_assert_int_eq(sqlite3_db_config(db->conn,
	    SQLITE_DBCONFIG_TRIGGER_EQP, 1, NULL), SQLITE_OK);
	buf_printf(&plan, "EXPLAIN QUERY PLAN %s", sql);
	ck_assert_msg(sqlite3_prepare_v2(db->conn, buf_cstr(&plan), -1, &st,
	    NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db->conn));
	buf_reset(&plan);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&plan, "%s\n", sqlite3_column_type(st, 3) ==
		    SQLITE_NULL ? "--" : (const char *)sqlite3_column_text(st,
		    3));
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_db_config(db->conn,
	    SQLITE_DBCONFIG_TRIGGER_EQP, 0, NULL), SQLITE_OK);
	v = strdup(buf_cstr(&plan));
	ck_assert_ptr_nonnull(v);
	buf_free(&plan);
	return v;
}

struct db *
testlib_db_week(const char *fixture)
{
	char err[256];
	struct db *db;

	db = db_open(":memory:", err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	testlib_sql_exec(db, fixture);
	testlib_week_hours(db);
	return db;
}

void
testlib_week_hours(struct db *db)
{
	char sql[256];
	int d;

	for (d = 0; d < 7; d++) {
		snprintf(sql, sizeof(sql), "INSERT INTO site_hours (site_id,"
		    " day, start_min, end_min) VALUES (1, %d, 480, 1200);"
		    "INSERT INTO therapist_availability (therapist_id, site_id,"
		    " day, start_min, end_min) VALUES (1, 1, %d, 480, 1200);",
		    d, d);
		testlib_sql_exec(db, sql);
	}
}

Suite *
testlib_suite(const char *name, const struct testlib_case *cases, size_t n,
    SFun setup, SFun teardown)
{
	Suite *s = suite_create(name);
	TCase *tc;
	size_t i;

	for (i = 0; i < n; i++) {
		tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 60);
		if (cases[i].fixture)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
testlib_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void
testlib_ctx(struct db *db, struct core_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->db = db;
	c->tz = "Europe/London";
	c->msgid_domain = "test";
	c->addr = "127.0.0.1";
}

struct pages *
pages_new(void)
{
	struct pages *h = calloc(1, sizeof(*h));
	char err[256];

	ck_assert_ptr_nonnull(h);
	h->app.db = db_open(":memory:", err, sizeof(err));
	ck_assert_msg(h->app.db != NULL, "db_open: %s", err);
	h->app.tmpl = tmpl_set_load("templates", err, sizeof(err));
	ck_assert_msg(h->app.tmpl != NULL, "templates: %s", err);
	h->app.base_url = "http://127.0.0.1:8080";
	h->app.msgid_domain = "tutti.localhost";
	h->app.tz = "Europe/London";
	h->app.grace_s = 180;
	h->app.refer_per_hour = 100;
	ck_assert_int_eq(db_secret(h->app.db, "form_key", h->app.form_key,
	    sizeof(h->app.form_key)), 0);
	return h;
}

void
pages_free(struct pages *h)
{
	if (h == NULL)
		return;
	buf_free(&h->rs.headers);
	buf_free(&h->rs.body);
	tmpl_set_free(h->app.tmpl);
	db_close(h->app.db);
	free(h);
}

/*
 * Makes an account of role r (once) and a new session for it, keeping
 * its cookie and CSRF token.
 */
static void
pages_sign_in(struct pages *h, enum role r)
{
	struct req rq;
	struct resp rs;
	struct user u;
	char email[64];
	const char *p, *e;

	if (h->user_id[r] == 0) {
		snprintf(email, sizeof(email), "%s@example.org",
		    auth_role_names[r]);
		h->user_id[r] = db_user_add(h->app.db, email,
		    auth_role_labels[r], auth_role_names[r],
		    "$argon2id$not-a-real-hash");
		ck_assert_int_gt(h->user_id[r], 0);
	}
	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.remote_addr = "192.0.2.1";
	ck_assert_int_eq(auth_session_start(&h->app, &rq, &rs, h->user_id[r]),
	    0);
	/* "Set-Cookie: tutti=TOKEN; Path=/; ..." */
	p = strstr(buf_cstr(&rs.headers), "Set-Cookie: ");
	ck_assert_ptr_nonnull(p);
	p += strlen("Set-Cookie: ");
	e = strchr(p, ';');
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_lt((size_t)(e - p), sizeof(h->cookie[r]));
	memcpy(h->cookie[r], p, (size_t)(e - p));
	h->cookie[r][e - p] = '\0';
	buf_free(&rs.headers);
	buf_free(&rs.body);
	rq.cookie = h->cookie[r];
	ck_assert_int_eq(auth_session_load(&h->app, &rq, &u), 1);
	snprintf(h->csrf[r], sizeof(h->csrf[r]), "%s", u.csrf);
}

/* A live session for role r: the one kept, or a new one. */
static void
pages_session(struct pages *h, enum role r)
{
	struct req rq;
	struct user u;

	if (h->user_id[r] != 0) {
		memset(&rq, 0, sizeof(rq));
		rq.remote_addr = "192.0.2.1";
		rq.cookie = h->cookie[r];
		if (auth_session_load(&h->app, &rq, &u) == 1)
			return;
	}
	pages_sign_in(h, r);
}

int
pages_request(struct pages *h, int who, const char *method,
    const char *path, const char *body)
{
	struct req rq;
	struct user u;
	char p[1024];
	const char *q;
	size_t n;

	ck_assert(who == PAGES_SIGNED_OUT || (who >= 0 && who < ROLE__MAX));
	memset(&rq, 0, sizeof(rq));
	form_init(&rq.q);
	form_init(&rq.f);
	h->rs.status = 200;
	h->rs.content_type = NULL;
	buf_reset(&h->rs.headers);
	buf_reset(&h->rs.body);

	/* As fcgi_main.c's handle() fills it from nginx's parameters. */
	q = strchr(path, '?');
	n = q != NULL ? (size_t)(q - path) : strlen(path);
	ck_assert_uint_lt(n, sizeof(p));
	memcpy(p, path, n);
	p[n] = '\0';
	if (n > 1 && p[n - 1] == '/')
		p[n - 1] = '\0';
	rq.method = method;
	rq.path = p;
	rq.query = q != NULL ? q + 1 : "";
	rq.content_type = body != NULL ?
	    "application/x-www-form-urlencoded" : "";
	rq.remote_addr = "192.0.2.1";
	rq.cookie = h->visitor_cookie != NULL ? h->visitor_cookie : "";
	rq.if_none_match = "";
	rq.body = body != NULL ? body : "";
	rq.bodylen = strlen(rq.body);
	if (form_parse(&rq.q, rq.query, strlen(rq.query), HTTP_FIELDS_MAX) !=
	    FORM_OK)
		rq.badquery = 1;
	if (rq.bodylen > 0)
		rq.badbody = (int)form_parse(&rq.f, rq.body, rq.bodylen,
		    HTTP_FIELDS_MAX);
	if (who != PAGES_SIGNED_OUT) {
		pages_session(h, (enum role)who);
		rq.cookie = h->cookie[who];
		ck_assert_int_eq(auth_session_load(&h->app, &rq, &u), 1);
		rq.user = &u;
	}
	if (h->check_only)
		h->row = route_check(&h->app, &rq, &h->rs);
	else
		route_dispatch(&h->app, &rq, &h->rs);
	memcpy(h->id, rq.id, sizeof(h->id));
	form_free(&rq.q);
	form_free(&rq.f);
	return h->rs.status;
}

int
pages_get(struct pages *h, int who, const char *path)
{
	return pages_request(h, who, "GET", path, NULL);
}

int
pages_post(struct pages *h, int who, const char *path, const char *body)
{
	struct buf b = BUF_INIT;
	int st;

	if (who != PAGES_SIGNED_OUT)
		pages_session(h, (enum role)who);
	buf_puts(&b, body);
	if (who != PAGES_SIGNED_OUT)
		buf_printf(&b, "%scsrf=%s", *body != '\0' ? "&" : "",
		    h->csrf[who]);
	st = pages_request(h, who, "POST", path, buf_cstr(&b));
	buf_free(&b);
	return st;
}

int
pages_post_refused(struct pages *h, int who, const char *path)
{
	int st, was = h->check_only;

	h->check_only = 1;
	h->row = NULL;
	st = pages_post(h, who, path, "");
	h->check_only = was;
	return st == 403 && h->row == NULL;
}

const char *
pages_body(const struct pages *h)
{
	return h->rs.body.data != NULL ? h->rs.body.data : "";
}

int
pages_says(const struct pages *h, const char *text)
{
	return strstr(pages_body(h), text) != NULL;
}

int
pages_header(const struct pages *h, const char *name, char *out, size_t n)
{
	const char *s = h->rs.headers.data, *e;
	size_t k = strlen(name);

	for (; s != NULL && *s != '\0'; s = e + 2) {
		if ((e = strstr(s, "\r\n")) == NULL)
			break;
		if (strncasecmp(s, name, k) == 0 && s[k] == ':' &&
		    s[k + 1] == ' ') {
			snprintf(out, n, "%.*s", (int)(e - s - k - 2),
			    s + k + 2);
			return 0;
		}
	}
	return -1;
}

int
pages_input(const struct pages *h, const char *name, char *out, size_t n)
{
	char key[128];
	const char *s, *v, *e;

	snprintf(key, sizeof(key), "name=\"%s\"", name);
	if ((s = strstr(pages_body(h), key)) == NULL ||
	    (e = strchr(s, '>')) == NULL)
		return -1;
	if ((v = strstr(s, "value=\"")) == NULL || v > e) {
		/* value before name: look back to the tag's start. */
		while (s > pages_body(h) && *s != '<')
			s--;
		if ((v = strstr(s, "value=\"")) == NULL || v > e)
			return -1;
	}
	v += strlen("value=\"");
	if ((e = strchr(v, '"')) == NULL)
		return -1;
	snprintf(out, n, "%.*s", (int)(e - v), v);
	return 0;
}

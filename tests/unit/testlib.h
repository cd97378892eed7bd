/*
 * testlib: what the unit suites share, linked into every check_* binary.
 *
 * SQL helpers on a test database, and "pages": an in-process harness
 * that runs requests through the real router (cgi/route.c) and handlers
 * on a :memory: database with the real migrations and templates, with no
 * nginx and no FastCGI, as kcgi's regress tests do.  Every helper fails
 * the running test (ck_assert) rather than returning an error.
 */
#ifndef TESTS_TESTLIB_H
#define TESTS_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "cgi/app.h"
#include "cgi/http.h"
#include "cgi/route.h"

struct db;

/* The first column of the first row of sql, or -1 when no row. */
int64_t	 testlib_sql_int(struct db *, const char *sql);
/*
 * The first column of the first row of sql as text, "(null)" for NULL,
 * in memory the caller frees; fails the test when there is no row.
 */
char	*testlib_sql_text(struct db *, const char *sql);
/*
 * Fails the test unless got and want are the same text, naming the
 * first line where they differ and showing both from there (Check's
 * messages are short).
 */
void	 testlib_texts_same(const char *got, const char *want);
/* Runs sql (one statement or several); fails the test on an error. */
void	 testlib_sql_exec(struct db *, const char *sql);
/*
 * Runs sql (one statement) and returns the SQLite VM steps it took, its
 * triggers' included: what a write costs, counted, never timed.
 */
int	 testlib_sql_steps(struct db *, const char *sql);
/*
 * The VM steps that db/'s cached statement whose SQL holds needle took
 * since it was last asked: what a read through db/ costs, counted.
 * Fails the test when no cached statement holds needle.
 */
int	 testlib_stmt_steps(struct db *, const char *needle);
/*
 * The SQL of db/'s cached statement that holds needle (for
 * testlib_sql_plan); fails the test when none does.
 */
const char *testlib_stmt_sql(struct db *, const char *needle);
/*
 * The EXPLAIN QUERY PLAN of sql (one statement) with its triggers'
 * plans, one line a step: "-- TRIGGER name" starts each trigger's,
 * "--" each other program's (a foreign key's action); in memory the
 * caller frees.
 */
char	*testlib_sql_plan(struct db *, const char *sql);

/*
 * A fresh database with the real migrations and fixture's rows, site 1
 * open and therapist 1 working there every day 08:00-20:00 (the rows
 * must name both).  Fails the test on an error.
 */
struct db *testlib_db_week(const char *fixture);
/* Site 1 open and therapist 1 working there every day 08:00-20:00. */
void	 testlib_week_hours(struct db *);
struct core_ctx;
/* A core/ context on db in Europe/London, from 127.0.0.1, no user. */
void	 testlib_ctx(struct db *, struct core_ctx *);

/*
 * SQL that fixtures for testlib_db_week start with: coordinator Cora
 * (user 1), therapist Thea's log-in (user 2), site 1 "Centre" (N1 1AA)
 * with room 1 "Blue"; then the head of an INSERT of referrals, the
 * columns a form fills, up to VALUES, and Ann (referral 1, active,
 * dementia, Tuesday mornings) up to her created_at and updated_at.
 */
#define TESTLIB_CENTRE							\
    "INSERT INTO users (id, email, name, role, created_at) VALUES "	\
    " (1, 'c@x.org', 'Cora', 'coordinator', 'x'),"			\
    " (2, 'thea@x.org', 'Thea T', 'therapist', 'x');"			\
    "INSERT INTO sites (id, name, kind, postcode) VALUES"		\
    " (1, 'Centre', 'own_centre', 'N1 1AA');"				\
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"		\
    " (1, 1, 'Blue', 1);"
#define TESTLIB_REFERRALS						\
    "INSERT INTO referrals (id, ref, status, given_name, family_name,"	\
    " email, postcode, date_of_birth, preferred_contact, session_type,"	\
    " needs, availability, consent_data, consent_contact, created_at,"	\
    " updated_at) VALUES"
#define TESTLIB_ANN							\
    " (1, 'AAAA-AAAA', 'active', 'Ann', 'Aye', 'ann@x.org', 'N1 2AB',"	\
    "  '1980-01-01', 'email', 'individual', 16, 8, 1, 1, "

/* One test of a suite: its TCase's name, and whether it needs the db. */
struct testlib_case {
	const char	*name;
	const TTest	*test;
	int		 fixture;	/* 1: between setup and teardown */
};
/*
 * A suite named name with a TCase a case (each may take 60 seconds),
 * those with fixture set run between setup and teardown.
 */
Suite	*testlib_suite(const char *name, const struct testlib_case *,
	    size_t n, SFun setup, SFun teardown);
/* Runs s and frees it; EXIT_SUCCESS when no test failed. */
int	 testlib_run(Suite *s);

/* Who sends a request: nobody signed in, or a member of staff. */
#define PAGES_SIGNED_OUT	(-1)	/* else an enum role */

struct pages {
	struct app	 app;		/* app.db: the :memory: database */
	struct resp	 rs;		/* the last response */
	int64_t		 user_id[ROLE__MAX]; /* one account a role */
	char		 cookie[ROLE__MAX][128]; /* its session cookie */
	char		 csrf[ROLE__MAX][72]; /* its session's CSRF token */
	int		 check_only;	/* 1: route_check, not the handler */
	const struct route *row;	/* what route_check let through */
	int64_t		 id[HTTP_IDS_MAX]; /* the last request's ids */
	const char	*visitor_cookie; /* the Cookie header signed out */
};

/* A fresh database (migrated), the templates, and the form key. */
struct pages *pages_new(void);
void	 pages_free(struct pages *);

/*
 * One request through route_dispatch as who (PAGES_SIGNED_OUT or a
 * role, signed in with a real session made on first use).  path may
 * carry "?query"; body (NULL for none) is sent url-encoded as is.
 * Returns the status; the response stays in h->rs.
 */
int	 pages_request(struct pages *, int who, const char *method,
	    const char *path, const char *body);
/* GET path. */
int	 pages_get(struct pages *, int who, const char *path);
/* POST body to path, adding "csrf=" with who's token when signed in. */
int	 pages_post(struct pages *, int who, const char *path,
	    const char *body);
/* 1 when the router itself answers who's POST to path with 403 (no row
 * let through, no handler run). */
int	 pages_post_refused(struct pages *, int who, const char *path);

/* The last response's body (NUL-terminated). */
const char *pages_body(const struct pages *);
/* 1 when the last body holds text. */
int	 pages_says(const struct pages *, const char *text);
/*
 * The value of header name in the last response into out (n bytes);
 * 0, or -1 when it has none.
 */
int	 pages_header(const struct pages *, const char *name, char *out,
	    size_t n);
/*
 * The value="..." of the input named name in the last body into out
 * (as written, entities and all); 0, or -1 when there is none.
 */
int	 pages_input(const struct pages *, const char *name, char *out,
	    size_t n);

#endif

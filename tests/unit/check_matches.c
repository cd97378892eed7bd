/*
 * Unit tests for the matches page and the plan (cgi/page_matches.c) and
 * the world they read, which the worker keeps (app_world in
 * cgi/app_cache.c), in process through the router on a :memory:
 * database with the real migrations: therapists Thea (1) and Theo (2)
 * at the Centre every day; Ann (referral 1) is Thea's client with a
 * session two days ago; Cy (referral 3) waits for Tuesday mornings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "core/world.h"
#include "db/client.h"
#include "db/db.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "tests/unit/testlib.h"

/* The statement that reads the sessions booked in the window (db_busy_each). */
#define BUSY_SQL	"FROM occurrences WHERE start_utc >= ?1 - 86400"

static struct pages *h;
static char past_day[11];	/* Ann's session's local date */

static void
setup(void)
{
	time_t past = time(NULL) - 2 * 86400;
	char sql[2048];
	int d;

	h = pages_new();
	(void)ical_utc_to_local(h->app.tz, past, past_day, NULL, NULL);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO users (id, email, name, role, created_at) VALUES"
	    " (901, 'thea@x.org', 'Thea Tee', 'therapist', 'x');"
	    "INSERT INTO sites (id, name, kind, postcode) VALUES"
	    " (1, 'Centre', 'own_centre', 'N1 1AA');"
	    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"
	    " (1, 1, 'Blue', 1), (2, 1, 'Red', 1);"
	    "INSERT INTO therapists (id, user_id, name, specialisms) VALUES"
	    " (1, 901, 'Thea Tee', 16), (2, NULL, 'Theo Two', 16);"
	    TESTLIB_REFERRALS
	    " (1, 'AAAA-AAAA', 'matched', 'Ann', 'Aye', 'ann@x.org', 'N1 2AB',"
	    "  '1980-01-01', 'email', 'individual', 16, 8, 1, 1, 'x', 'x'),"
	    " (3, 'CCCC-CCCC', 'waitlisted', 'Cy', 'See', 'cy@x.org',"
	    "  'N1 2AB', '1980-01-01', 'email', 'individual', 16, 8, 1, 1,"
	    "  '2026-03-01T00:00:00Z', 'x');"
	    "INSERT INTO clients (id, referral_id, therapist_id, started_at)"
	    " VALUES (1, 1, 1, 'x');"
	    "INSERT INTO series (id, uid, therapist_id, client_id, site_id,"
	    " room_id, first_date, start_local, length_min, count,"
	    " created_at, updated_at) VALUES (1, 'ann@x', 1, 1, 1, 1, '%s',"
	    " '10:00', 45, 1, 'x', 'x');"
	    "INSERT INTO occurrences (id, series_id, occ_date, start_utc,"
	    " end_utc, therapist_id, room_id, site_id) VALUES (1, 1, '%s',"
	    " %lld, %lld, 1, 1, 1);",
	    past_day, past_day, (long long)past, (long long)past + 2700);
	testlib_sql_exec(h->app.db, sql);
	for (d = 0; d < 7; d++) {
		snprintf(sql, sizeof(sql), "INSERT INTO site_hours (site_id,"
		    " day, start_min, end_min) VALUES (1, %d, 480, 1200);"
		    "INSERT INTO therapist_availability (therapist_id, site_id,"
		    " day, start_min, end_min) VALUES (1, 1, %d, 480, 1200),"
		    " (2, 1, %d, 480, 1200);", d, d, d);
		testlib_sql_exec(h->app.db, sql);
	}
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

/*
 * Views Cy's matches as a coordinator; returns the VM steps the busy
 * sessions' statement took for it (0: the world was not built again).
 */
static int
matches_view(void)
{
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals/3/matches"),
	    200);
	return testlib_stmt_steps(h->app.db, BUSY_SQL);
}

/* The "N possible times" the last matches page says. */
static long
candidates(void)
{
	const char *p = strstr(pages_body(h), " possible times with");
	const char *b = pages_body(h);

	ck_assert_ptr_nonnull(p);
	while (p > b && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtol(p, NULL, 10);
}

/* 1 when the last matches page suggests therapist id. */
static int
suggests(int id)
{
	char h3[64];

	snprintf(h3, sizeof(h3), "<h3><a href=\"/therapists/%d\">", id);
	return pages_says(h, h3);
}

/*
 * Issue 21: the world is built once and kept across views while only
 * what it does not read is written (attendance, a note, the audit lines
 * of the views themselves), and built again on the next view after a
 * session is booked or cancelled, or leave is added, which the page
 * then shows.
 */
START_TEST(test_matches_world_kept)
{
	char sql[512];
	char first[11], last[11];
	time_t now = time(NULL), tue;
	struct tm tm;
	long was;
	int k;

	ck_assert_int_gt(matches_view(), 0);
	ck_assert(suggests(1));
	ck_assert(suggests(2));
	was = candidates();
	ck_assert_int_gt(was, 0);
	ck_assert_int_eq(matches_view(), 0);

	/* Thea records Ann's attendance and writes her note. */
	ck_assert_int_eq(db_attendance_set(h->app.db, 1, past_day, 1,
	    "attended", "", 901), DB_OK);
	ck_assert_int_eq(db_client_note_put(h->app.db, 1, past_day, 1,
	    "Sang with us.", NULL, 901, "127.0.0.1"), DB_OK);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "attendance"), 1);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "session_notes"), 1);
	/* Her first attended session made Ann active: still counted. */
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "referrals WHERE id = 1 AND status = 'active'"), 1);
	ck_assert_int_eq(matches_view(), 0);
	ck_assert_int_eq(candidates(), was);
	/* The plan takes the same world. */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals/plan"),
	    200);
	ck_assert(pages_says(h, "Cy"));
	ck_assert_int_eq(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);

	/* A session booked for Thea all of next Tuesday's morning. */
	for (k = 1, tue = now; k <= 7; k++) {
		tue = now + k * 86400;
		gmtime_r(&tue, &tm);
		if (tm.tm_wday == 2)
			break;
	}
	tue -= tue % 86400;
	(void)ical_utc_to_local(h->app.tz, tue + 6 * 3600, first, NULL, NULL);
	snprintf(sql, sizeof(sql), "INSERT INTO occurrences (id, series_id,"
	    " occ_date, start_utc, end_utc, therapist_id, room_id, site_id)"
	    " VALUES (2, 1, '%s', %lld, %lld, 1, 1, 1)", first,
	    (long long)tue + 6 * 3600, (long long)tue + 14 * 3600);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_gt(matches_view(), 0);
	ck_assert_int_lt(candidates(), was);
	ck_assert_int_eq(matches_view(), 0);
	/* Cancelled: her mornings are free again. */
	testlib_sql_exec(h->app.db, "UPDATE occurrences SET state = "
	    "'cancelled' WHERE id = 2");
	ck_assert_int_gt(matches_view(), 0);
	ck_assert_int_eq(candidates(), was);

	/* Thea on leave for the whole window: no longer suggested. */
	(void)ical_utc_to_local(h->app.tz, now, first, NULL, NULL);
	(void)ical_utc_to_local(h->app.tz, now + 40 * 86400, last, NULL,
	    NULL);
	snprintf(sql, sizeof(sql), "INSERT INTO therapist_leave (therapist_id,"
	    " first_day, last_day) VALUES (1, '%s', '%s')", first, last);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_gt(matches_view(), 0);
	ck_assert(!suggests(1));
	ck_assert(suggests(2));
	ck_assert(pages_says(h, "Thea Tee</a>: on leave"));
	ck_assert_int_eq(matches_view(), 0);
}
END_TEST

/*
 * The kept world is for the window from when it was built: a view a
 * minute later, or with another zone, builds it again.
 */
START_TEST(test_matches_world_ages)
{
	const struct core_world *a, *b;
	char err[256];
	time_t now = time(NULL);

	ck_assert_int_eq(app_world(&h->app, now, &a, err, sizeof(err)), 0);
	ck_assert_int_gt(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);
	ck_assert_int_eq(app_world(&h->app, now + APP_WORLD_SECONDS - 1, &b,
	    err, sizeof(err)), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);
	ck_assert_int_eq(app_world(&h->app, now + APP_WORLD_SECONDS, &b,
	    err, sizeof(err)), 0);
	ck_assert_int_gt(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);
	ck_assert_int_eq(b->from, now + APP_WORLD_SECONDS);
	/* A clock set back is not taken as the same time. */
	ck_assert_int_eq(app_world(&h->app, now, &b, err, sizeof(err)), 0);
	ck_assert_int_gt(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);
	ck_assert_int_eq(b->from, now);
	h->app.tz = "America/New_York";
	ck_assert_int_eq(app_world(&h->app, now, &b, err, sizeof(err)), 0);
	ck_assert_int_gt(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);
	ck_assert_int_eq(app_world(&h->app, now, &a, err, sizeof(err)), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(testlib_stmt_steps(h->app.db, BUSY_SQL), 0);
	/* A zone that is none: no world, nothing kept. */
	h->app.tz = "Nowhere/Such";
	ck_assert_int_eq(app_world(&h->app, now, &b, err, sizeof(err)), -1);
	ck_assert_ptr_null(b);
	h->app.tz = "Europe/London";
}
END_TEST

static Suite *
matches_suite(void)
{
	const struct testlib_case cases[] = {
		{ "app_world", test_matches_world_kept, 1 },
		{ "app_world_ages", test_matches_world_ages, 1 },
	};

	return testlib_suite("matches", cases, sizeof(cases) /
	    sizeof(cases[0]), setup, teardown);
}

int
main(void)
{
	return testlib_run(matches_suite());
}

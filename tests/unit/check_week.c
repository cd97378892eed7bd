/*
 * Unit tests for the coordinator's week (GET /schedule, cgi/page_week.c
 * and db/week.c), in process through the router on a :memory: database
 * with the real migrations: twelve therapists, each with a group session
 * this week; leave and a closure; rooms and sites as rows; one day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "db/db.h"
#include "ical/ical.h"
#include "tests/unit/testlib.h"

#define THERAPISTS	12

static struct pages *h;
static char today[11];

/* Inserts therapist k (1..), their group and a session now + k minutes. */
static void
therapist_add(int k, time_t now)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO therapists (id, name, max_hours, max_caseload) "
	    "VALUES (%d, 'Therapist %02d', 20, 10);"
	    "INSERT INTO groups (id, name, therapist_id, site_id, capacity) "
	    "VALUES (%d, 'Choir %02d', %d, 1, 8);"
	    "INSERT INTO series (id, uid, therapist_id, group_id, site_id, "
	    "room_id, first_date, start_local, length_min, created_at, "
	    "updated_at) VALUES (%d, 'u%d@x', %d, %d, 1, 1, '%s', '10:00', 45, "
	    "'', '');"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc, "
	    "therapist_id, room_id, site_id, state) VALUES (%d, '%s', %lld, "
	    "%lld, %d, 1, 1, '%s')",
	    k, k, k, k, k, k, k, k, k, today, k, today,
	    (long long)now + k * 60, (long long)now + k * 60 + 2700, k,
	    k == 2 ? "cancelled" : "booked");
	testlib_sql_exec(h->app.db, sql);
}

static void
setup(void)
{
	time_t now = time(NULL);
	int k;

	h = pages_new();
	(void)ical_utc_to_local(h->app.tz, now, today, NULL, NULL);
	testlib_sql_exec(h->app.db,
	    "INSERT INTO sites (id, name, kind, address, postcode, step_free)"
	    " VALUES (1, 'Our centre', 'own_centre', '1 High St', 'SW1A 1AA',"
	    " 1), (2, 'Park Hall', 'community_venue', '2 Park Rd',"
	    " 'SW1A 2AA', 0);"
	    "INSERT INTO rooms (id, site_id, name) VALUES (1, 1, 'Blue room'),"
	    " (2, 2, 'Hall')");
	for (k = 1; k <= THERAPISTS; k++)
		therapist_add(k, now);
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

START_TEST(test_week_every_therapist)
{
	char name[32];
	int k;

	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "Schedule: week of"));
	for (k = 1; k <= THERAPISTS; k++) {
		snprintf(name, sizeof(name), "Therapist %02d</a>", k);
		ck_assert_msg(pages_says(h, name), "no row for %s", name);
		snprintf(name, sizeof(name), "Choir %02d (0)", k);
		ck_assert_msg(pages_says(h, name), "no card for %s", name);
	}
	ck_assert(pages_says(h, "0 h 45 of 20 h"));
	ck_assert(pages_says(h, "0 of 10 clients"));
	ck_assert(pages_says(h, "class=\"card cancelled\""));
	ck_assert(pages_says(h, "<span class=\"state\">Cancelled</span>"));
	ck_assert(pages_says(h, "href=\"/series/3\""));
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/schedule"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/schedule"), 200);
}
END_TEST

START_TEST(test_week_leave_and_closure)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO therapist_leave (therapist_id,"
	    " first_day, last_day, reason) VALUES (3, '%s', '%s', 'Flu');"
	    "INSERT INTO site_closures (site_id, first_day, last_day, reason) "
	    "VALUES (1, '%s', '%s', 'Boiler')", today, today, today, today);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "<span class=\"away-label\">On leave</span>"));
	ck_assert(pages_says(h, "Needs a decision"));
	/* The reason for leave is not on the grid (it may be health). */
	ck_assert(!pages_says(h, "Flu"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule?by=site"),
	    200);
	ck_assert(pages_says(h, "<span class=\"away-label\">Closed</span>"));
	ck_assert(pages_says(h, "Park Hall</a>"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule?by=room"),
	    200);
	ck_assert(pages_says(h, "Blue room, Our centre</a>"));
	ck_assert(pages_says(h, "<span class=\"away-label\">Closed</span>"));
}
END_TEST

START_TEST(test_week_day_and_site)
{
	char path[64];

	snprintf(path, sizeof(path), "/schedule?day=%s", today);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "Choir 12 (0)"));
	ck_assert(pages_says(h, "Whole week"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/schedule?by=room&site=2"), 200);
	ck_assert(pages_says(h, "Hall, Park Hall"));
	ck_assert(!pages_says(h, "Blue room"));
	ck_assert(!pages_says(h, "Choir 01"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/schedule?by=nonsense&week=2026-13-45"), 200);
}
END_TEST

static Suite *
week_suite(void)
{
	Suite *s = suite_create("week");
	TCase *tc = tcase_create("schedule");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_week_every_therapist);
	tcase_add_test(tc, test_week_leave_and_closure);
	tcase_add_test(tc, test_week_day_and_site);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(week_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Unit tests for Undo of a booking or a move (issue 17: cgi/page_undo.c,
 * core/undo.c, db/undo.c), in process through the router on a :memory:
 * database with the real migrations: a waitlisted person assigned and
 * booked in one flow, then the booking undone (the series, its sessions
 * and the client record gone, the referral back on the list, the queued
 * emails dropped); Undo refused in plain words once the grace period is
 * over or an email went; a moved session moved back; each undo changes
 * once however often it is sent.
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

static struct pages *h;
static char first[11];		/* the booking's first date, a week on */
static int weekday;		/* its weekday, 0 Monday */

static void
setup(void)
{
	time_t t = time(NULL) + 7 * 86400;

	h = pages_new();
	h->app.grace_s = 600;
	(void)ical_utc_to_local(h->app.tz, t, first, NULL, &weekday);
	testlib_sql_exec(h->app.db,
	    "INSERT INTO users (id, email, name, role, created_at) VALUES "
	    " (900, 'thea@example.org', 'Thea Therapist', 'therapist', '');"
	    "INSERT INTO sites (id, name, kind, address, postcode, step_free)"
	    " VALUES (1, 'Our centre', 'own_centre', '1 High St', 'SW1A 1AA',"
	    " 1);"
	    "INSERT INTO rooms (id, site_id, name) VALUES (1, 1, 'Blue room');"
	    "INSERT INTO therapists (id, name, max_hours, max_caseload, "
	    "user_id) VALUES (1, 'Thea Therapist', 20, 10, 900);"
	    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
	    "email, postcode, date_of_birth, preferred_contact, session_type, "
	    "consent_data, consent_contact, created_at, updated_at) VALUES "
	    "(100, 'ABCD-EFGH', 'waitlisted', 'Ada', 'Lovelace', "
	    "'ada@example.org', 'SW1A 1AA', '1980-01-01', 'email', "
	    "'individual', 1, 1, '2026-01-05T10:00:00Z', '');");
	testlib_week_hours(h->app.db);
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

/* The count of sql's rows (a "SELECT count(*) ..."). */
static int64_t
count(const char *sql)
{
	return testlib_sql_int(h->app.db, sql);
}

/* Assigns and books Ada (4 sessions at 10:00); the series' id. */
static int64_t
book(void)
{
	char body[320], loc[128], want[64];
	int64_t sid;

	snprintf(body, sizeof(body), "from=waitlisted&therapist_id=1&"
	    "site_id=1&room_id=1&day=%d&start_min=600&length_min=45&"
	    "first_date=%s&count=4", weekday, first);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/referrals/100/book",
	    body), 303);
	sid = count("SELECT id FROM series");
	ck_assert_int_gt(sid, 0);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	snprintf(want, sizeof(want), "/series/%lld?done=booked",
	    (long long)sid);
	ck_assert_str_eq(loc, want);
	return sid;
}

/* POSTs undo=ID to series sid's Undo as a coordinator; the status. */
static int
undo(int64_t sid, int64_t id)
{
	char path[64], body[64];

	snprintf(path, sizeof(path), "/series/%lld/undo", (long long)sid);
	snprintf(body, sizeof(body), "undo=%lld", (long long)id);
	return pages_post(h, ROLE_COORDINATOR, path, body);
}

/* Booked: the emails wait the grace period; the banner offers Undo and
 * says who made the change; Undo puts everything back. */
START_TEST(test_undo_booking_restores)
{
	char path[64], loc[128];
	int64_t sid, id, events;

	sid = book();
	ck_assert_int_eq(count("SELECT count(*) FROM occurrences"), 4);
	ck_assert_int_eq(count("SELECT count(*) FROM clients"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE status = "
	    "'queued' AND kind IN ('booking_confirmation', "
	    "'therapist_assigned') AND not_before > strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now', '+500 seconds')"), 2);
	snprintf(path, sizeof(path), "/series/%lld?done=booked",
	    (long long)sid);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "What will be sent"));
	ck_assert(pages_says(h, "The news of their new client to Thea "
	    "Therapist, the therapist (thea@example.org), at "));
	ck_assert(pages_says(h, "Undo the assignment and booking</button>"));
	ck_assert(pages_says(h, "made by Coordinator at "));
	ck_assert(pages_says(h, "(in 10 minutes)"));
	events = count("SELECT count(*) FROM referral_events");
	id = count("SELECT id FROM change_undo WHERE kind = 'booking'");

	/* Undone: one transaction puts it all back. */
	ck_assert_int_eq(undo(sid, id), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/referrals/100?done=booking-undone");
	ck_assert_int_eq(count("SELECT count(*) FROM series"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM occurrences"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM clients"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM referrals WHERE id = 100 "
	    "AND status = 'waitlisted' AND created_at = "
	    "'2026-01-05T10:00:00Z'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM referral_events"),
	    events + 1);
	ck_assert_int_eq(count("SELECT count(*) FROM referral_events WHERE "
	    "to_status = 'waitlisted' AND reason LIKE 'Booking undone%'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE status = "
	    "'queued'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE status = "
	    "'dropped' AND last_error = 'dropped: the booking was undone'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'undo-booking'"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, loc), 200);
	ck_assert(pages_says(h, "The booking was undone"));

	/* Sent again (a double click): nothing more changes. */
	ck_assert_int_eq(undo(sid, id), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/referrals/100?done=booking-undone-already");
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'undo-booking'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM referral_events"),
	    events + 1);

	/* Back on the list, Ada can be booked again, and that booking (its
	 * series may get the same id) can be undone in turn. */
	sid = book();
	ck_assert_int_eq(count("SELECT count(*) FROM change_undo WHERE "
	    "undone_at IS NULL AND client_id IS NOT NULL AND status_before = "
	    "'waitlisted'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM change_undo WHERE "
	    "undone_at IS NOT NULL AND client_id IS NOT NULL"), 1);
	id = count("SELECT id FROM change_undo WHERE undone_at IS NULL");
	ck_assert_int_eq(undo(sid, id), 303);
	ck_assert_int_eq(count("SELECT count(*) FROM clients"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'undo-booking'"), 2);
}
END_TEST

/* Once the grace period is over, or an email went, Undo is refused in
 * plain words and nothing changes. */
START_TEST(test_undo_refused_late_or_sent)
{
	char path[64];
	int64_t sid, id;

	sid = book();
	id = count("SELECT id FROM change_undo");
	testlib_sql_exec(h->app.db, "UPDATE change_undo SET until_utc = "
	    "strftime('%s', 'now') - 1");
	snprintf(path, sizeof(path), "/series/%lld", (long long)sid);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(!pages_says(h, "Undo the assignment and booking</button>"));
	ck_assert_int_eq(undo(sid, id), 409);
	ck_assert(pages_says(h, "It is too late to undo this booking"));
	ck_assert(pages_says(h, "href=\"#h-undo\""));
	ck_assert_int_eq(count("SELECT count(*) FROM occurrences"), 4);
	ck_assert_int_eq(count("SELECT count(*) FROM referrals WHERE "
	    "status = 'active'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE status = "
	    "'queued'"), 2);

	/* Within the grace period, but the confirmation has gone. */
	testlib_sql_exec(h->app.db, "UPDATE change_undo SET until_utc = "
	    "strftime('%s', 'now') + 600; UPDATE outbox SET status = 'sent' "
	    "WHERE kind = 'booking_confirmation'");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(!pages_says(h, "Undo the assignment and booking</button>"));
	ck_assert(pages_says(h, "An email about this booking has gone "
	    "already"));
	ck_assert_int_eq(undo(sid, id), 409);
	ck_assert(pages_says(h, "what is sent cannot be taken back"));
	ck_assert_int_eq(count("SELECT count(*) FROM series"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'undo-booking'"), 0);
}
END_TEST

/* Undo goes through the route table: CSRF and the role are checked. */
START_TEST(test_undo_csrf_and_role)
{
	char path[64], body[64];
	int64_t sid, id;

	sid = book();
	id = count("SELECT id FROM change_undo");
	snprintf(path, sizeof(path), "/series/%lld/undo", (long long)sid);
	snprintf(body, sizeof(body), "undo=%lld", (long long)id);
	ck_assert_int_eq(pages_request(h, ROLE_COORDINATOR, "POST", path,
	    body), 403);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, path, body), 403);
	ck_assert_int_eq(count("SELECT count(*) FROM series"), 1);
	/* Another series' change is not undone through this one. */
	snprintf(path, sizeof(path), "/series/%lld/undo", (long long)sid + 1);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, path, body), 404);
	ck_assert_int_eq(count("SELECT count(*) FROM series"), 1);
}
END_TEST

/* A moved session goes back to its time; the move's notice never goes. */
START_TEST(test_undo_move)
{
	char path[64], body[160], loc[128], want[80], second[11], next[11];
	int64_t sid, id, was;
	time_t t = time(NULL) + 14 * 86400;

	sid = book();
	(void)ical_utc_to_local(h->app.tz, t, second, NULL, NULL);
	(void)ical_utc_to_local(h->app.tz, t + 86400, next, NULL, NULL);
	snprintf(want, sizeof(want), "SELECT start_utc FROM occurrences WHERE "
	    "occ_date = '%s'", second);
	was = count(want);
	snprintf(path, sizeof(path), "/series/%lld", (long long)sid);
	snprintf(body, sizeof(body), "action=move&date=%s&new_date=%s&"
	    "new_start=11:00&reason=Room+repairs", second, next);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, path, body), 303);
	ck_assert_int_ne(count(want), was);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE kind = "
	    "'session_moved' AND status = 'queued'"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "Undo the move</button>"));
	id = count("SELECT id FROM change_undo WHERE kind = 'move'");
	ck_assert_int_eq(undo(sid, id), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	snprintf(body, sizeof(body), "/series/%lld?done=move-undone",
	    (long long)sid);
	ck_assert_str_eq(loc, body);
	ck_assert_int_eq(count(want), was);
	ck_assert_int_eq(count("SELECT count(*) FROM occurrences WHERE "
	    "state != 'booked'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM exceptions"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE kind = "
	    "'session_moved' AND status = 'dropped'"), 1);
	/* The booking's own emails still wait, as before the move. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE status = "
	    "'queued'"), 2);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, loc), 200);
	ck_assert(pages_says(h, "The move was undone"));
	/* Twice: changes once. */
	ck_assert_int_eq(undo(sid, id), 303);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'undo-move'"), 1);
	ck_assert_int_eq(count(want), was);
}
END_TEST

static Suite *
undo_suite(void)
{
	Suite *s = suite_create("undo");
	TCase *tc = tcase_create("undo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_undo_booking_restores);
	tcase_add_test(tc, test_undo_refused_late_or_sent);
	tcase_add_test(tc, test_undo_csrf_and_role);
	tcase_add_test(tc, test_undo_move);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(undo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Unit tests for db/schedule.c with core/booking.c: every kind of clash,
 * cancel, move, end, attendance, and two processes racing for one room.
 * Each test runs the real migrations on a fresh database file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "core/booking.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/schedule.h"
#include "tests/unit/testlib.h"

#define TZ	"Europe/London"

static char path[64];
static struct db *db;

/* Two therapists working Mon-Fri 09-17 at site 1 (rooms 1, 2) and the
 * online site 2; three clients; site 1 open 08-18 on weekdays. */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'c@x.org', 'Cora', 'coordinator', '2026-01-01T00:00:00Z');"
    "INSERT INTO sites (id, name, kind) VALUES (1, 'Centre', 'own_centre'),"
    " (2, 'Online', 'online');"
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"
    " (1, 1, 'Blue', 2), (2, 1, 'Green', 8);"
    "INSERT INTO therapists (id, name) VALUES (1, 'Thea'), (2, 'Ravi');"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO site_hours (site_id, day, start_min, end_min)"
    " SELECT 1, n, 480, 1080 FROM d;"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO therapist_availability (therapist_id, "
    " site_id, day, start_min, end_min) SELECT t, s, n, 540, 1020 FROM d, "
    " (SELECT 1 AS t UNION SELECT 2), (SELECT 1 AS s UNION SELECT 2);"
    "INSERT INTO referrals (id, ref, given_name, family_name, email, "
    " postcode, date_of_birth, preferred_contact, session_type, "
    " consent_data, consent_contact, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'Ann', 'A', 'ann@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', 1, 1, 'x', 'x'),"
    " (2, 'BBBB-BBBB', 'Bob', 'B', '', 'N1 1AA', '1980-01-01', 'phone', "
    "  'either', 1, 0, 'x', 'x'),"
    " (3, 'CCCC-CCCC', 'Cat', 'C', 'cat@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', 1, 1, 'x', 'x');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at) VALUES"
    " (1, 1, 1, 'x'), (2, 2, 2, 'x'), (3, 3, 1, 'x');";

static void
setup(void)
{
	char err[256];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_schedule.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	db = db_open(path, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_exec(db->conn, fixture, NULL, NULL, NULL),
	    SQLITE_OK);
}

static void
teardown(void)
{
	char p[80];

	db_close(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* The date of the next Monday (local) at least a week from now. */
static void
next_monday(int weeks, char out[11])
{
	time_t t = time(NULL) + (time_t)(7 + 7 * weeks) * 86400;
	int wd;

	(void)ical_utc_to_local(TZ, t, NULL, NULL, &wd);
	t -= (time_t)wd * 86400;
	(void)ical_utc_to_local(TZ, t, out, NULL, NULL);
}

/* Books count weekly sessions; returns the result, clash text in clash. */
static enum db_result
book_on(struct db *d, int64_t therapist, int64_t client, int64_t site,
    int64_t room, const char *date, const char *hhmm, int count,
    int64_t *id, char *clash, size_t n)
{
	struct ical_series_rule r = { TZ, date, hhmm, 45, count, NULL, NULL };
	struct db_series_new s;
	struct db_occ *occ;
	size_t nocc;
	char uid[80];
	enum db_result res;

	ck_assert_int_eq(core_booking_occurrences(TZ, &r, time(NULL) +
	    800 * 86400, &occ, &nocc), 0);
	memset(&s, 0, sizeof(s));
	s.therapist_id = therapist;
	s.client_id = client;
	s.site_id = site;
	s.room_id = room;
	s.tz = TZ;
	s.first_date = date;
	s.start_local = hhmm;
	s.length_min = 45;
	s.count = count;
	s.created_by = 1;
	core_booking_uid("test", uid, sizeof(uid));
	res = db_series_book(d, &s, occ, nocc, uid, "test", id, clash, n);
	free(occ);
	return res;
}

START_TEST(test_book_ok)
{
	char mon[11], clash[512];
	int64_t id;

	next_monday(0, mon);
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, mon, "10:00", 6, &id, clash,
	    sizeof(clash)), DB_OK);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences"), 6);
	/* Ann agreed to emails: one confirmation; Bob (none) would get none. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'booking_confirmation' AND to_addr = 'ann@x.org'"), 1);
}
END_TEST

START_TEST(test_clash_therapist_room_client)
{
	char mon[11], clash[512];
	int64_t id;

	next_monday(0, mon);
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, mon, "10:00", 4, &id, clash,
	    sizeof(clash)), DB_OK);
	/* The same therapist, another client and room, overlapping. */
	ck_assert_int_eq(book_on(db, 1, 3, 1, 2, mon, "10:30", 4, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "Thea already has a session") != NULL,
	    "%s", clash);
	/* Another therapist in the same room. */
	ck_assert_int_eq(book_on(db, 2, 2, 1, 1, mon, "10:15", 4, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "The room Blue, Centre is already") !=
	    NULL, "%s", clash);
	/* The same client with another therapist, online. */
	ck_assert_int_eq(book_on(db, 2, 1, 2, 0, mon, "10:40", 4, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "Ann A already has a session") != NULL,
	    "%s", clash);
	/* Back to back is fine. */
	ck_assert_int_eq(book_on(db, 1, 3, 1, 1, mon, "10:45", 4, &id, clash,
	    sizeof(clash)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"), 2);
}
END_TEST

START_TEST(test_clash_hours_leave_closure)
{
	char mon[11], clash[512], sql[256];
	int64_t id;

	next_monday(0, mon);
	/* The site opens at 08:00 but Thea starts at 09:00. */
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, mon, "08:15", 2, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "does not work at this site") != NULL,
	    "%s", clash);
	/* Closed at 18:00. */
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, mon, "17:30", 2, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "is not open") != NULL, "%s", clash);
	/* Leave on the second Monday. */
	snprintf(sql, sizeof(sql), "INSERT INTO therapist_leave (therapist_id,"
	    " first_day, last_day, reason) VALUES (1, date('%s', '+7 days'), "
	    "date('%s', '+7 days'), 'Training')", mon, mon);
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, mon, "10:00", 3, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "Thea is on leave") != NULL &&
	    strstr(clash, "Training") != NULL, "%s", clash);
	/* A site closure on the first Monday. */
	snprintf(sql, sizeof(sql), "INSERT INTO site_closures (site_id, "
	    "first_day, last_day, reason) VALUES (1, '%s', '%s', 'Bank "
	    "holiday')", mon, mon);
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(book_on(db, 2, 2, 1, 1, mon, "10:00", 1, &id, clash,
	    sizeof(clash)), DB_CONFLICT);
	ck_assert_msg(strstr(clash, "Centre is closed") != NULL, "%s", clash);
	/* Nothing was stored by any refusal. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"), 0);
}
END_TEST

START_TEST(test_cancel_move_end)
{
	char mon[11], d2[11], d3[11], clash[512];
	struct db_occ to;
	int64_t id, id2;
	time_t t;

	next_monday(0, mon);
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, mon, "10:00", 5, &id, clash,
	    sizeof(clash)), DB_OK);
	ical_local_to_utc(TZ, mon, "12:00", &t);
	ical_utc_to_local(TZ, t + 7 * 86400, d2, NULL, NULL);
	ical_utc_to_local(TZ, t + 14 * 86400, d3, NULL, NULL);
	ck_assert_int_eq(db_occ_cancel(db, id, d2, CANCEL_BY_CLIENT, "ill", 1,
	    "", 180, "test"), DB_OK);
	ck_assert_int_eq(db_occ_cancel(db, id, d2, CANCEL_BY_CLIENT, "ill", 1,
	    "", 180, "test"), DB_INVALID);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND not_before > created_at"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT sequence FROM series"), 1);
	/* The cancelled slot is free for someone else. */
	ck_assert_int_eq(book_on(db, 1, 3, 1, 1, d2, "10:00", 1, &id2, clash,
	    sizeof(clash)), DB_OK);
	/* Moving the third session onto that booking clashes... */
	ck_assert_int_eq(core_booking_occ_at(TZ, d2, "10:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, id, d3, &to, 0, "", 1, "", 0, "test",
	    clash, sizeof(clash)), DB_CONFLICT);
	/* ...an hour later it does not; it may even overlap itself. */
	ck_assert_int_eq(core_booking_occ_at(TZ, d3, "10:30", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, id, d3, &to, 2, "room", 1, "", 0,
	    "test", clash, sizeof(clash)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences WHERE "
	    "state = 'moved' AND room_id = 2"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM exceptions"), 2);
	/* Ending from the third Monday removes the last three. */
	ck_assert_int_eq(db_series_end(db, id, d3, "discharged", 1, ""),
	    DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences WHERE "
	    "series_id = 1"), 2);
	ck_assert_int_eq(db_series_end(db, id, d3, "again", 1, ""),
	    DB_INVALID);
}
END_TEST

START_TEST(test_attendance)
{
	char clash[512], past[11];
	int64_t id;
	time_t t = time(NULL) - 14 * 86400;
	int wd;

	/* Book in the past directly (the page refuses; the store allows). */
	ical_utc_to_local(TZ, t, NULL, NULL, &wd);
	t -= (time_t)wd * 86400;
	ical_utc_to_local(TZ, t, past, NULL, NULL);
	ck_assert_int_eq(book_on(db, 1, 1, 1, 1, past, "10:00", 4, &id, clash,
	    sizeof(clash)), DB_OK);
	ck_assert_int_eq(db_attendance_set(db, id, past, 1, "attended", "ok",
	    1), DB_OK);
	ck_assert_int_eq(db_attendance_set(db, id, past, 1, "did_not_attend",
	    "", 1), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM attendance WHERE "
	    "status = 'did_not_attend'"), 1);
	ck_assert_int_eq(db_attendance_set(db, id, past, 1, "danced", "", 1),
	    DB_INVALID);
	/* The last of the four is in the future: not yet. */
	{
		char fut[11];

		ical_utc_to_local(TZ, t + 21 * 86400 + 12 * 3600, fut, NULL,
		    NULL);
		ck_assert_int_eq(db_attendance_set(db, id, fut, 1, "attended",
		    "", 1), DB_INVALID);
	}
}
END_TEST

/*
 * Two processes book the same room at the same time, 200 times over:
 * exactly one wins each time and no two bookings ever overlap.
 */
START_TEST(test_race)
{
	int fds[2][2], k, i, wins[200] = { 0 };
	char mon[11];
	pid_t pid[2];

	next_monday(0, mon);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(pipe(fds[k]), 0);
		if ((pid[k] = fork()) == 0) {
			char err[256], clash[512], date[11], hhmm[8];
			struct db *mine = db_open(path, err, sizeof(err));
			time_t t;
			int64_t id;
			char ok;

			close(fds[k][0]);
			ical_local_to_utc(TZ, mon, "12:00", &t);
			for (i = 0; i < 200; i++) {
				/* 40 days x 5 quarter-hour starts, Mon-Fri. */
				time_t d = t + (time_t)(i / 5 % 40) * 86400 +
				    (time_t)(i / 200) * 7 * 86400;
				int wd;

				ical_utc_to_local(TZ, d, date, NULL, &wd);
				snprintf(hhmm, sizeof(hhmm), "%02d:%02d",
				    9 + (i % 5) * 1, 0);
				if (wd >= 5) {
					ok = 'S';
				} else {
					ok = book_on(mine, 1 + k, 1 + k, 1, 1,
					    date, hhmm, 1, &id, clash,
					    sizeof(clash)) == DB_OK ? 'Y' : 'N';
				}
				if (write(fds[k][1], &ok, 1) != 1)
					_exit(2);
			}
			db_close(mine);
			_exit(0);
		}
		close(fds[k][1]);
	}
	for (k = 0; k < 2; k++) {
		char c;

		for (i = 0; i < 200; i++) {
			ck_assert_int_eq(read(fds[k][0], &c, 1), 1);
			if (c == 'Y')
				wins[i]++;
			else if (c == 'S')
				wins[i] = -10;
		}
		close(fds[k][0]);
	}
	for (k = 0; k < 2; k++) {
		int status;

		waitpid(pid[k], &status, 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0, k = 0; i < 200; i++) {
		if (wins[i] < 0)
			continue;
		ck_assert_msg(wins[i] == 1, "try %d: %d winners", i, wins[i]);
		k++;
	}
	ck_assert_int_gt(k, 100);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences a JOIN "
	    "occurrences b ON a.room_id = b.room_id AND a.id < b.id AND "
	    "a.state != 'cancelled' AND b.state != 'cancelled' AND "
	    "a.start_utc < b.end_utc AND b.start_utc < a.end_utc"), 0);
}
END_TEST

static Suite *
schedule_suite(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc;

	tc = tcase_create("db_series_book");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_book_ok);
	tcase_add_test(tc, test_clash_therapist_room_client);
	tcase_add_test(tc, test_clash_hours_leave_closure);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_occ_change");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cancel_move_end);
	tcase_add_test(tc, test_attendance);
	suite_add_tcase(s, tc);
	tc = tcase_create("race");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_race);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(schedule_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

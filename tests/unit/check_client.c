/*
 * Unit tests for the client record (db/client.c, cgi/page_client.c, the
 * client parts of /me and the queue): note history on correction, the
 * statuses that follow booking, attendance and the end of the work, who
 * may open a record, that notes stay out of the audit trail, the outbox
 * and the calendar, and that erasure removes notes and goals.  Pages run
 * in process through the real router on the real migrations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "core/booking.h"
#include "db/client.h"
#include "db/db.h"
#include "db/privacy.h"
#include "db/remind.h"
#include "db/schedule.h"
#include "tests/unit/testlib.h"
#include "util/calendar.h"

#define TZ	"Europe/London"
#define NOTE	"Played the ocean drum; calmer by the end"

static struct pages *h;
static char past[11], future[11];
static int64_t series_id;

/* Thea (1) and Ravi (2) work weekdays 09-17 at the centre; Ann (1) is
 * Thea's client (matched), Bob (2) is Ravi's. */
static const char fixture[] =
    "INSERT INTO sites (id, name, kind) VALUES (1, 'Centre', 'own_centre');"
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES (1, 1, 'Blue', 2);"
    "INSERT INTO therapists (id, name) VALUES (1, 'Thea'), (2, 'Ravi');"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 6) INSERT INTO site_hours (site_id, day, start_min, end_min)"
    " SELECT 1, n, 480, 1080 FROM d;"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 6) INSERT INTO therapist_availability (therapist_id, "
    " site_id, day, start_min, end_min) SELECT t, 1, n, 540, 1020 FROM d, "
    " (SELECT 1 AS t UNION SELECT 2);"
    "INSERT INTO referrals (id, ref, status, given_name, family_name, email,"
    " postcode, date_of_birth, preferred_contact, session_type, needs, "
    " consent_data, consent_contact, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'matched', 'Ann', 'Able', 'ann@x.org', 'N1 1AA', "
    "  '1984-03-27', 'email', 'individual', 1, 1, 1, "
    "  '2026-01-05T10:00:00Z', 'x'),"
    " (2, 'BBBB-BBBB', 'active', 'Bob', 'Baker', '', 'N1 1AA', "
    "  '1980-01-01', 'phone', 'either', 2, 1, 0, '2026-01-05T10:00:00Z', "
    "  'x'),"
    " (3, 'CCCC-CCCC', 'triaged', 'Cat', 'Cole', '', 'N1 1AA', "
    "  '1990-01-01', 'phone', 'group', 4, 1, 0, '2026-01-05T10:00:00Z', "
    "  'x');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at) VALUES"
    " (1, 1, 1, '2026-01-10T10:00:00Z'), (2, 2, 2, '2026-01-10T10:00:00Z');";

/* A local date days from now. */
static void
day_from_now(int days, char out[11])
{
	(void)ical_utc_to_local(TZ, time(NULL) + (time_t)days * 86400, out,
	    NULL, NULL);
}

/*
 * Thea's series for Ann: one session a week ago (added by hand, as if
 * booked then) and weekly sessions from next week, booked through
 * db_series_book as a coordinator does.
 */
static void
setup(void)
{
	struct ical_series_rule r;
	struct db_series_new s;
	struct db_occ *occ, one;
	size_t nocc;
	char uid[80], clash[256];

	h = pages_new();
	testlib_sql_exec(h->app.db, fixture);
	/* Sign each role in once, so that their accounts exist. */
	(void)pages_get(h, ROLE_THERAPIST, "/me");
	(void)pages_get(h, ROLE_COORDINATOR, "/me");
	{
		char sql[128];

		(void)snprintf(sql, sizeof(sql), "UPDATE therapists SET "
		    "user_id = %lld WHERE id = 1",
		    (long long)h->user_id[ROLE_THERAPIST]);
		testlib_sql_exec(h->app.db, sql);
	}
	day_from_now(-7, past);
	day_from_now(7, future);
	memset(&r, 0, sizeof(r));
	r.tz = TZ;
	r.first_date = future;
	r.start_local = "10:00";
	r.length_min = 45;
	r.count = 4;
	ck_assert_int_eq(core_booking_occurrences(TZ, &r, time(NULL) +
	    800 * 86400, &occ, &nocc), 0);
	/* The past session first: the series starts a week ago. */
	ck_assert_int_eq(core_booking_occ_at(TZ, past, "10:00", 45, &one), 0);
	occ = realloc(occ, (nocc + 1) * sizeof(*occ));
	ck_assert_ptr_nonnull(occ);
	memmove(occ + 1, occ, nocc * sizeof(*occ));
	occ[0] = one;
	nocc++;
	memset(&s, 0, sizeof(s));
	s.therapist_id = 1;
	s.client_id = 1;
	s.site_id = 1;
	s.room_id = 1;
	s.tz = TZ;
	s.first_date = past;
	s.start_local = "10:00";
	s.length_min = 45;
	s.count = (int)nocc;
	s.created_by = h->user_id[ROLE_COORDINATOR];
	core_booking_uid("test", uid, sizeof(uid));
	ck_assert_int_eq(db_series_book(h->app.db, &s, occ, nocc, uid, "test",
	    &series_id, clash, sizeof(clash)), DB_OK);
	free(occ);
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

static int64_t
count(const char *sql)
{
	return testlib_sql_int(h->app.db, sql);
}

START_TEST(test_dates_for_people)
{
	char out[40];

	ck_assert_int_eq(calendar_date_text("2026-12-14", CALENDAR_LONG, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "Monday 14 December 2026");
	ck_assert_int_eq(calendar_date_text("1984-03-27T10:00:00Z",
	    CALENDAR_SHORT, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "27 Mar 1984");
	ck_assert_int_eq(calendar_date_text("2026-02-30", CALENDAR_LONG, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(calendar_date_text("soon", CALENDAR_LONG, out,
	    sizeof(out)), -1);
	ck_assert_str_eq(out, "soon");
}
END_TEST

/* Booking a matched referral makes it active, with its history line. */
/* Counts the notes db_client_notes lists for a referral. */
static void
note_count(void *arg, const struct db_client_note *n)
{
	(void)n;
	(*(int *)arg)++;
}

/* n shared notes of Ann's series on days from 2001 she was not at. */
static void
other_notes(int n, int skip)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE d(n) AS (SELECT 1 "
	    "UNION ALL SELECT n + 1 FROM d WHERE n < %d) INSERT INTO "
	    "session_notes (series_id, occ_date, referral_id, body, "
	    "written_at, updated_at) SELECT %lld, date('2001-01-01', "
	    "'+' || (n + %d) || ' days'), NULL, 'Not hers', 'x', 'x' "
	    "FROM d", n, (long long)series_id, skip);
	testlib_sql_exec(h->app.db, sql);
}

/*
 * A record lists the person's own notes and the shared notes of the
 * group sessions they attended, and reads only those: the other shared
 * notes of the service (years of them) cost it nothing.  Before, it
 * read every shared note: steps grew with them.
 */
START_TEST(test_notes_read_own)
{
	char sql[512];
	int n = 0, few, many;

	(void)snprintf(sql, sizeof(sql), "INSERT INTO attendance (series_id, "
	    "occ_date, client_id, status, recorded_at) VALUES (%lld, '%s', "
	    "1, 'attended', 'x');"
	    "INSERT INTO session_notes (series_id, occ_date, referral_id, "
	    "body, written_at, updated_at) VALUES (%lld, '%s', NULL, "
	    "'Shared: the group sang', 'x', 'x'), (%lld, '%s', 1, "
	    "'Ann''s own', 'x', 'x');", (long long)series_id, past,
	    (long long)series_id, past, (long long)series_id, past);
	testlib_sql_exec(h->app.db, sql);
	/* Shared notes of sessions Ann was not at: ten, then a thousand. */
	other_notes(10, 0);
	ck_assert_int_eq(db_client_notes(h->app.db, 1, note_count, &n), 0);
	ck_assert_int_eq(n, 2);
	few = testlib_stmt_steps(h->app.db, "FROM session_notes");
	other_notes(1000, 10);
	n = 0;
	ck_assert_int_eq(db_client_notes(h->app.db, 1, note_count, &n), 0);
	ck_assert_int_eq(n, 2);
	many = testlib_stmt_steps(h->app.db, "FROM session_notes");
	ck_assert_msg(many <= few + 10, "steps %d with 10 other shared notes, "
	    "%d with 1,010", few, many);
	/* Bob was at none of them: nothing of Ann's or the group's. */
	n = 0;
	ck_assert_int_eq(db_client_notes(h->app.db, 2, note_count, &n), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_status_booking)
{
	char *why, *name, want[200];

	ck_assert_int_eq(count("SELECT status = 'active' FROM referrals "
	    "WHERE id = 1"), 1);
	why = testlib_sql_text(h->app.db, "SELECT reason FROM referral_events"
	    " WHERE referral_id = 1 AND from_status = 'matched' AND "
	    "to_status = 'active'");
	name = testlib_sql_text(h->app.db, "SELECT name FROM users WHERE "
	    "role = 'coordinator'");
	/* The cause: which series, who booked it. */
	(void)snprintf(want, sizeof(want), "Automatic: booked: series %lld "
	    "booked by %s, weekly from ", (long long)series_id, name);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "%s", why);
	free(why);
	free(name);
	/* Bob was active already: no line for him. */
	ck_assert_int_eq(count("SELECT count(*) FROM referral_events WHERE "
	    "referral_id = 2"), 0);
}
END_TEST

/* The first attended session is the start of therapy, once. */
START_TEST(test_status_attended)
{
	char sql[320], day[40];

	ck_assert_int_eq(db_attendance_set(h->app.db, series_id, past, 1,
	    "did_not_attend", "", 1), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM clients WHERE "
	    "therapy_started IS NOT NULL"), 0);
	ck_assert_int_eq(db_attendance_set(h->app.db, series_id, past, 1,
	    "attended", "", 1), DB_OK);
	(void)snprintf(sql, sizeof(sql), "SELECT therapy_started = '%s' FROM "
	    "clients WHERE id = 1", past);
	ck_assert_int_eq(count(sql), 1);
	(void)calendar_date_text(past, CALENDAR_LONG, day, sizeof(day));
	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
	    "referral_events WHERE referral_id = 1 AND reason = 'Automatic: "
	    "therapy started: first session attended on %s (series %lld).'",
	    day, (long long)series_id);
	ck_assert_int_eq(count(sql), 1);
	/* Recording it again adds no second line. */
	ck_assert_int_eq(db_attendance_set(h->app.db, series_id, past, 1,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM referral_events WHERE "
	    "referral_id = 1 AND reason LIKE 'Automatic: therapy started%'"), 1);
}
END_TEST

static void
ended_one(void *arg, int64_t id, const char *ref, const char *name,
    int64_t last)
{
	(void)ref;
	(void)name;
	(void)last;
	if (id == 1)
		(*(int *)arg)++;
}

/* A referral looked for in the list, and how many times it is there. */
struct ended_find {
	int64_t	 id;
	int	 n;
};

/* Counts the times the referral arg (struct ended_find) is listed. */
static void
ended_seen(void *arg, int64_t id, const char *ref, const char *name,
    int64_t last)
{
	struct ended_find *w = arg;

	(void)ref;
	(void)name;
	(void)last;
	if (id == w->id)
		w->n++;
}

/* Every referral db_client_work_ended lists, given to fn. */
static int
work_ended(void (*fn)(void *, int64_t, const char *, const char *,
    int64_t), int *n)
{
	int64_t total = -1;
	int rc;

	rc = db_client_work_ended(h->app.db, (int64_t)time(NULL), 0, &total,
	    fn, n);
	ck_assert_int_ge(total, 0);
	return rc;
}

/* Once nothing is booked from now on, the work is listed as ended. */
START_TEST(test_status_work_ended)
{
	int n = 0;

	ck_assert_int_eq(work_ended(ended_one, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_series_end(h->app.db, series_id, future, "ended",
	    1, ""), DB_OK);
	ck_assert_int_eq(work_ended(ended_one, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, "Work ended: close or book again"));
	ck_assert(pages_says(h, "href=\"/clients/1\""));
}
END_TEST

/* Counts every referral db_client_work_ended lists. */
static void
ended_any(void *arg, int64_t id, const char *ref, const char *name,
    int64_t last)
{
	(void)id;
	(void)ref;
	(void)name;
	(void)last;
	(*(int *)arg)++;
}

/*
 * n more active referrals from id first on, each on Ravi's caseload with
 * a weekly series and one session next week: people whose work goes on.
 */
static void
other_caseload(int n, int first)
{
	char sql[2048];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE d(n) AS (SELECT %d "
	    "UNION ALL SELECT n + 1 FROM d WHERE n < %d) INSERT INTO referrals"
	    " (id, ref, status, given_name, family_name, email, postcode, "
	    "date_of_birth, preferred_contact, session_type, needs, "
	    "consent_data, consent_contact, created_at, updated_at) SELECT n, "
	    "'R' || n, 'active', 'Other', 'Person', '', 'N1 1AA', "
	    "'1980-01-01', 'phone', 'either', 1, 1, 0, "
	    "'2026-01-05T10:00:00Z', 'x' FROM d;"
	    "INSERT INTO clients (id, referral_id, therapist_id, started_at) "
	    "SELECT id, id, 2, 'x' FROM referrals WHERE id >= %d;"
	    "INSERT INTO series (id, uid, therapist_id, client_id, site_id, "
	    "first_date, start_local, created_at, updated_at) SELECT id + 1000,"
	    " 'other-' || id, 2, id, 1, '%s', '09:00', 'x', 'x' FROM clients "
	    "WHERE id >= %d;"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc, "
	    "therapist_id, site_id) SELECT id, first_date, %lld, %lld, 2, 1 "
	    "FROM series WHERE id >= %d + 1000;", first, first + n - 1,
	    first, future, first, (long long)time(NULL) + 7 * 86400,
	    (long long)time(NULL) + 7 * 86400 + 2700, first);
	testlib_sql_exec(h->app.db, sql);
}

/*
 * The queue's "work ended" list reads the referrals whose booked work is
 * over, not every person on a caseload: a thousand more people with
 * sessions to come cost it nothing.  Before, it asked each active
 * referral's series for a session to come: steps grew with them.
 */
START_TEST(test_work_ended_steps)
{
	int n = 0, few, many;

	ck_assert_int_eq(db_series_end(h->app.db, series_id, future, "ended",
	    1, ""), DB_OK);
	other_caseload(10, 100);
	ck_assert_int_eq(work_ended(ended_any, &n), 0);
	/* Ann (her last session past) and Bob (nothing booked). */
	ck_assert_int_eq(n, 2);
	few = testlib_stmt_steps(h->app.db, "family_name, coalesce(r.booked_until");
	other_caseload(1000, 200);
	n = 0;
	ck_assert_int_eq(work_ended(ended_any, &n), 0);
	ck_assert_int_eq(n, 2);
	many = testlib_stmt_steps(h->app.db, "family_name, coalesce(r.booked_until");
	ck_assert_msg(many <= few + 10, "steps %d with 10 other people on "
	    "caseloads, %d with 1,010", few, many);
}
END_TEST

/* Counts the sessions db_client_sick_sessions lists. */
static void
sick_one(void *arg, int64_t series, const char *date, int64_t start,
    const char *therapist, const char *who, int64_t referral)
{
	(void)series;
	(void)date;
	(void)start;
	(void)therapist;
	(void)who;
	(void)referral;
	(*(int *)arg)++;
}

/* n sick leaves of Ravi's over, a day each from 2001. */
static void
past_sickness(int n, int skip)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE d(n) AS (SELECT 1 "
	    "UNION ALL SELECT n + 1 FROM d WHERE n < %d) INSERT INTO "
	    "therapist_leave (therapist_id, first_day, last_day, kind) SELECT "
	    "2, date('2001-01-01', '+' || (n + %d) || ' days'), "
	    "date('2001-01-01', '+' || (n + %d) || ' days'), 'sickness' "
	    "FROM d", n, skip, skip);
	testlib_sql_exec(h->app.db, sql);
}

/*
 * The queue's sessions on days a therapist is off sick start from the
 * sick leave not yet over: years of leave that is over cost nothing.
 * Before, every leave ever taken was stepped over.
 */
START_TEST(test_sick_sessions_steps)
{
	char sql[256];
	int n = 0, few, many;

	(void)snprintf(sql, sizeof(sql), "INSERT INTO therapist_leave "
	    "(therapist_id, first_day, last_day, kind) VALUES (1, '%s', '%s',"
	    " 'sickness')", future, future);
	testlib_sql_exec(h->app.db, sql);
	past_sickness(10, 0);
	ck_assert_int_eq(db_client_sick_sessions(h->app.db,
	    (int64_t)time(NULL), sick_one, &n), 0);
	ck_assert_int_eq(n, 1);
	few = testlib_stmt_steps(h->app.db, "FROM therapist_leave tl");
	past_sickness(1000, 10);
	n = 0;
	ck_assert_int_eq(db_client_sick_sessions(h->app.db,
	    (int64_t)time(NULL), sick_one, &n), 0);
	ck_assert_int_eq(n, 1);
	many = testlib_stmt_steps(h->app.db, "FROM therapist_leave tl");
	ck_assert_msg(many <= few + 10, "steps %d with 10 sick leaves over, "
	    "%d with 1,010", few, many);
}
END_TEST

/* Counts the sessions db_client_sessions lists. */
static void
session_one(void *arg, const struct db_client_session *s)
{
	(void)s;
	(*(int *)arg)++;
}

/* n sessions of group series 50 before Ann joined, a day each from 2001. */
static void
group_history(int n, int skip)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE d(n) AS (SELECT 1 "
	    "UNION ALL SELECT n + 1 FROM d WHERE n < %d) INSERT INTO "
	    "occurrences (series_id, occ_date, start_utc, end_utc, "
	    "therapist_id, site_id, state) SELECT 50, date('2001-01-01', '+' ||"
	    " (n + %d) || ' days'), 978336000 + (n + %d) * 86400, 978338700 + "
	    "(n + %d) * 86400, 1, 1, 'cancelled' FROM d", n, skip, skip, skip);
	testlib_sql_exec(h->app.db, sql);
}

/*
 * A group member's record lists the group's sessions from the day they
 * joined and reads only those: the years the group met before cost
 * nothing.  Before, every session of the group was read and compared
 * with that day: steps grew with them.
 */
START_TEST(test_sessions_group_steps)
{
	char sql[768];
	int n = 0, few, many;

	(void)snprintf(sql, sizeof(sql), "INSERT INTO groups (id, name, "
	    "therapist_id, site_id, capacity) VALUES (1, 'Singers', 1, 1, 8);"
	    "INSERT INTO series (id, uid, therapist_id, group_id, site_id, "
	    "first_date, start_local, created_at, updated_at) VALUES (50, "
	    "'group-50', 1, 1, 1, '2001-01-01', '11:00', 'x', 'x');"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc,"
	    " therapist_id, site_id) VALUES (50, '%s', strftime('%%s') + "
	    "90000, strftime('%%s') + 92700, 1, 1);"
	    "INSERT INTO group_members (group_id, client_id, joined_at) "
	    "VALUES (1, 1, '%sT10:00:00Z')", future, past);
	testlib_sql_exec(h->app.db, sql);
	group_history(10, 0);
	ck_assert_int_eq(db_client_sessions(h->app.db, 1, session_one, &n),
	    0);
	few = testlib_stmt_steps(h->app.db, "min(substr(gm.joined_at");
	/* Her own series' sessions and the group's one since she joined. */
	ck_assert_int_eq(n, count("SELECT count(*) FROM occurrences WHERE "
	    "series_id != 50") + 1);
	group_history(1000, 10);
	n = 0;
	ck_assert_int_eq(db_client_sessions(h->app.db, 1, session_one, &n),
	    0);
	ck_assert_int_eq(n, count("SELECT count(*) FROM occurrences WHERE "
	    "series_id != 50") + 1);
	many = testlib_stmt_steps(h->app.db, "min(substr(gm.joined_at");
	ck_assert_msg(many <= few + 10, "steps %d with 10 group sessions "
	    "before she joined, %d with 1,010", few, many);
}
END_TEST

/* Referrals whose booked_until is not what their series say now. */
static int64_t
work_wrong(void)
{
	return count("SELECT count(*) FROM referrals WHERE booked_until IS "
	    "NOT (SELECT max(until) FROM referral_series_until b WHERE "
	    "b.referral_id = referrals.id)");
}

/*
 * What the list relies on: each referral's booked_until follows every
 * change to its sessions, series, groups and caseload places, in the
 * same transaction.
 */
START_TEST(test_work_booked_until)
{
	char sql[512];
	int n;

	other_caseload(3, 100);
	ck_assert_int_eq(work_wrong(), 0);
	ck_assert_int_eq(count("SELECT booked_until > unixepoch() FROM "
	    "referrals WHERE id = 1"), 1);
	/* Each session to come cancelled, then one put back. */
	testlib_sql_exec(h->app.db, "UPDATE occurrences SET state = "
	    "'cancelled' WHERE series_id IN (SELECT id FROM series WHERE "
	    "client_id = 1) AND start_utc > unixepoch()");
	ck_assert_int_eq(work_wrong(), 0);
	ck_assert_int_eq(count("SELECT booked_until < unixepoch() FROM "
	    "referrals WHERE id = 1"), 1);
	testlib_sql_exec(h->app.db, "UPDATE occurrences SET state = 'booked' "
	    "WHERE id = (SELECT max(id) FROM occurrences WHERE series_id IN "
	    "(SELECT id FROM series WHERE client_id = 1))");
	ck_assert_int_eq(work_wrong(), 0);
	/* Moved a day on; the series ended (its sessions to come gone). */
	testlib_sql_exec(h->app.db, "UPDATE occurrences SET start_utc = "
	    "start_utc + 86400, state = 'moved' WHERE series_id = 1100");
	ck_assert_int_eq(work_wrong(), 0);
	ck_assert_int_eq(db_series_end(h->app.db, series_id, future, "ended",
	    1, ""), DB_OK);
	ck_assert_int_eq(work_wrong(), 0);
	/* A group: Ann joins its weekly series, then her place ends. */
	(void)snprintf(sql, sizeof(sql), "INSERT INTO groups (id, name, "
	    "therapist_id, site_id, capacity) VALUES (1, 'Singers', 1, 1, 8);"
	    "INSERT INTO series (id, uid, therapist_id, group_id, site_id, "
	    "first_date, start_local, created_at, updated_at) VALUES (50, "
	    "'group-50', 1, 1, 1, '%s', '11:00', 'x', 'x');"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc,"
	    " therapist_id, site_id) VALUES (50, '%s', strftime('%%s') + "
	    "90000, strftime('%%s') + 92700, 1, 1);", future, future);
	testlib_sql_exec(h->app.db, sql);
	testlib_sql_exec(h->app.db, "INSERT INTO group_members (group_id, "
	    "client_id, joined_at) VALUES (1, 1, 'x')");
	ck_assert_int_eq(work_wrong(), 0);
	ck_assert_int_eq(count("SELECT booked_until > unixepoch() FROM "
	    "referrals WHERE id = 1"), 1);
	n = 0;
	ck_assert_int_eq(work_ended(ended_one, &n), 0);
	ck_assert_int_eq(n, 0);
	testlib_sql_exec(h->app.db, "UPDATE clients SET ended_at = 'x' "
	    "WHERE id = 1");
	ck_assert_int_eq(work_wrong(), 0);
	testlib_sql_exec(h->app.db, "UPDATE clients SET ended_at = NULL "
	    "WHERE id = 1");
	testlib_sql_exec(h->app.db, "DELETE FROM group_members");
	ck_assert_int_eq(work_wrong(), 0);
	/* A series handed to another person, then deleted with its
	 * sessions; a session deleted. */
	testlib_sql_exec(h->app.db, "UPDATE series SET client_id = 1 WHERE "
	    "id = 1101");
	ck_assert_int_eq(work_wrong(), 0);
	testlib_sql_exec(h->app.db, "DELETE FROM occurrences WHERE "
	    "series_id = 1102");
	ck_assert_int_eq(work_wrong(), 0);
	testlib_sql_exec(h->app.db, "DELETE FROM series WHERE id = 1101");
	ck_assert_int_eq(work_wrong(), 0);
	n = 0;
	ck_assert_int_eq(work_ended(ended_one, &n), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

/*
 * A series whose last session by date was moved days earlier still has
 * its other sessions to come: booked_until is the latest start of them
 * (before 047, that moved session's start, in the past), and the list
 * does not show her.
 */
START_TEST(test_work_ended_moved_last)
{
	char sql[320];
	int n = 0;

	(void)snprintf(sql, sizeof(sql), "UPDATE occurrences SET start_utc = "
	    "%lld, end_utc = %lld, state = 'moved' WHERE id = (SELECT id FROM "
	    "occurrences WHERE series_id = %lld ORDER BY occ_date DESC LIMIT "
	    "1)", (long long)time(NULL) - 5 * 86400,
	    (long long)time(NULL) - 5 * 86400 + 2700, (long long)series_id);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(work_wrong(), 0);
	ck_assert_int_ge(count("SELECT count(*) FROM occurrences WHERE "
	    "state != 'cancelled' AND start_utc > unixepoch()"), 1);
	ck_assert_int_eq(count("SELECT booked_until = (SELECT max(start_utc) "
	    "FROM occurrences WHERE state != 'cancelled') FROM referrals "
	    "WHERE id = 1"), 1);
	ck_assert_int_eq(work_ended(ended_one, &n), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

/* How many times needle is in the page's body. */
static int
body_count(const char *needle)
{
	const char *p = pages_body(h);
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/*
 * The queue shows the 20 people whose work ended longest ago and says how
 * many there are, with a link to them all; the database reads no more of
 * them than it shows, and counts the rest.
 */
START_TEST(test_work_ended_shown)
{
	char sql[256];
	int n = 0;
	int64_t total = 0;

	/* Ann's last session held, Bob nothing, and 25 more people with
	 * nothing booked: one of them last seen three days ago. */
	ck_assert_int_eq(db_series_end(h->app.db, series_id, future, "ended",
	    1, ""), DB_OK);
	other_caseload(25, 100);
	(void)snprintf(sql, sizeof(sql), "DELETE FROM occurrences WHERE "
	    "series_id BETWEEN 1101 AND 1124; UPDATE occurrences SET "
	    "start_utc = %lld, end_utc = %lld, occ_date = date(%lld, "
	    "'unixepoch') WHERE series_id = 1100", (long long)time(NULL) -
	    3 * 86400, (long long)time(NULL) - 3 * 86400 + 2700,
	    (long long)time(NULL) - 3 * 86400);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(work_wrong(), 0);
	ck_assert_int_eq(db_client_work_ended(h->app.db, (int64_t)time(NULL),
	    20, &total, ended_any, &n), 0);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(total, 27);
	n = 0;
	ck_assert_int_eq(db_client_work_ended(h->app.db, (int64_t)time(NULL),
	    30, &total, ended_any, &n), 0);
	ck_assert_int_eq(n, 27);
	ck_assert_int_eq(total, 27);

	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, "Here are the 20 of 27 whose work ended "
	    "longest ago."));
	ck_assert(pages_says(h, "href=\"/referrals?ended=all#h-work-ended\">"
	    "Show all 27 people whose work ended</a>"));
	ck_assert_int_eq(body_count("<li><a href=\"/clients/"), 20);
	/* Nothing booked first: Bob, then the 24 by their ids. */
	ck_assert(pages_says(h, "<li><a href=\"/clients/2\">Bob Baker</a>"));
	ck_assert(!pages_says(h, "(R100), last session"));

	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/referrals?ended=all"), 200);
	ck_assert_int_eq(body_count("<li><a href=\"/clients/"), 27);
	ck_assert(!pages_says(h, "Show all 27"));
	ck_assert(pages_says(h, "(R100), last session"));
	ck_assert(pages_says(h, "(AAAA-AAAA), last session"));
}
END_TEST

/* Ann's and Bob's lines in the queue's "Work ended" list. */
#define ANN_ENDED	"<li><a href=\"/clients/1\">Ann Able</a>"
#define BOB_ENDED	"<li><a href=\"/clients/2\">Bob Baker</a>"

/* Whether the queue a coordinator opens now lists line (ANN_ENDED ...). */
static int
queue_shows(const char *line)
{
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	return pages_says(h, line);
}

/* Whether the "Work ended" list at the instant at lists referral id. */
static int
ended_at(int64_t at, int64_t id)
{
	struct ended_find w = { id, 0 };
	int64_t total;

	ck_assert_int_eq(db_client_work_ended(h->app.db, at, 0, &total,
	    ended_seen, &w), 0);
	return w.n;
}

/* The local date days from now, at hhmm, 45 minutes. */
static struct db_occ
occ_in(int days, const char *hhmm)
{
	struct db_occ o;
	char date[11];

	day_from_now(days, date);
	ck_assert_int_eq(core_booking_occ_at(TZ, date, hhmm, 45, &o), 0);
	return o;
}

/* Books a series for client or group (one of them 0) at hhmm on the days
 * from now given; its id. */
static int64_t
book(int64_t client, int64_t group, const int *days, size_t n,
    const char *hhmm)
{
	struct db_series_new s;
	struct db_occ occ[8];
	char uid[80], clash[256];
	int64_t id;
	size_t i;

	ck_assert_uint_le(n, 8);
	for (i = 0; i < n; i++)
		occ[i] = occ_in(days[i], hhmm);
	memset(&s, 0, sizeof(s));
	s.therapist_id = 1;
	s.client_id = client;
	s.group_id = group;
	s.site_id = 1;
	s.room_id = 1;
	s.tz = TZ;
	s.first_date = occ[0].date;
	s.start_local = hhmm;
	s.length_min = 45;
	s.count = (int)n;
	s.created_by = h->user_id[ROLE_COORDINATOR];
	core_booking_uid("test", uid, sizeof(uid));
	ck_assert_msg(db_series_book(h->app.db, &s, occ, n, uid, "test", &id,
	    clash, sizeof(clash)) == DB_OK, "%s", clash);
	return id;
}

/* Moves the session of series dated days from now to to, as staff do. */
static void
move(int64_t series, int days, const struct db_occ *to)
{
	char date[11], clash[256];

	day_from_now(days, date);
	ck_assert_msg(db_occ_move(h->app.db, series, date, to, 0, "test", 1,
	    "", 0, "test", clash, sizeof(clash)) == DB_OK, "%s", clash);
}

/* Cancels the session of series dated days from now, as staff do. */
static void
cancel(int64_t series, int days)
{
	char date[11];

	day_from_now(days, date);
	ck_assert_int_eq(db_occ_cancel(h->app.db, series, date,
	    CANCEL_BY_SERVICE, "test", 1, "", 0, "test"), DB_OK);
}

/*
 * A session moved later than a series' last date: Ann's sessions are
 * all past but one, dated a fortnight ago and moved to tomorrow, her
 * latest, so her work is not over until it is held.  Before 047 her
 * booked_until was the start of her last session by date (ten days
 * ago), and the list, asking only the sessions dated from yesterday on,
 * listed her.
 */
START_TEST(test_work_ended_moved_later)
{
	static const int days[] = { -14, -10 };
	struct db_occ to = occ_in(1, "12:00");
	int64_t other;

	ck_assert_int_eq(db_series_end(h->app.db, series_id, future, "ended",
	    1, ""), DB_OK);
	other = book(1, 0, days, 2, "14:00");
	ck_assert(queue_shows(ANN_ENDED));
	move(other, -14, &to);
	ck_assert(!queue_shows(ANN_ENDED));
	ck_assert(queue_shows(BOB_ENDED));
	ck_assert(!ended_at(to.start_utc - 60, 1));
	ck_assert(ended_at(to.start_utc, 1));
	ck_assert_int_eq(work_wrong(), 0);
}
END_TEST

/*
 * A series' last session by date moved to tomorrow, earlier than the
 * sessions before it: tomorrow after it her work goes on (three weekly
 * sessions from next week).  Before 047 booked_until was the moved
 * session's start, and the list at that instant would list her but for
 * asking her sessions.
 */
START_TEST(test_work_ended_moved_earlier)
{
	struct db_occ to = occ_in(1, "12:00");

	move(series_id, 28, &to);
	ck_assert(!queue_shows(ANN_ENDED));
	ck_assert(!ended_at(to.start_utc + 3600, 1));
	ck_assert(ended_at(occ_in(21, "10:00").start_utc, 1));
	ck_assert(!ended_at(occ_in(21, "10:00").start_utc - 1, 1));
}
END_TEST

/*
 * Sessions cancelled and put back: the list follows each.  Her last by
 * date (in four weeks) is moved to tomorrow first, so that her latest
 * session is never her last by date.
 */
START_TEST(test_work_ended_cancelled)
{
	struct db_occ to = occ_in(1, "12:00");
	char date[11], why[256], last[40], line[160];
	int64_t after = to.start_utc + 3600;

	move(series_id, 28, &to);
	cancel(series_id, 7);
	cancel(series_id, 14);
	cancel(series_id, 21);
	/* The moved one is left: held tomorrow. */
	ck_assert(!queue_shows(ANN_ENDED));
	ck_assert(ended_at(after, 1));
	/* Next week's put back: her work goes on after tomorrow. */
	day_from_now(14, date);
	ck_assert_msg(db_occ_reinstate(h->app.db, series_id, date, 1, "", 0,
	    "test", NULL, NULL, why, sizeof(why)) == DB_OK, "%s", why);
	ck_assert(!ended_at(after, 1));
	/* Every session to come cancelled: her work is over now, her last
	 * session held a week ago. */
	cancel(series_id, 14);
	cancel(series_id, 28);
	ck_assert(queue_shows(ANN_ENDED));
	ck_assert_int_eq(calendar_date_text(past, CALENDAR_SHORT, last,
	    sizeof(last)), 0);
	(void)snprintf(line, sizeof(line), ANN_ENDED " (AAAA-AAAA), last "
	    "session %s</li>", last);
	ck_assert_msg(pages_says(h, line), "no %s", line);
	/* The moved one put back, moved still. */
	day_from_now(28, date);
	ck_assert_msg(db_occ_reinstate(h->app.db, series_id, date, 1, "", 0,
	    "test", NULL, NULL, why, sizeof(why)) == DB_OK, "%s", why);
	ck_assert(!queue_shows(ANN_ENDED));
	ck_assert(ended_at(after, 1));
	ck_assert_int_eq(work_wrong(), 0);
}
END_TEST

/*
 * A series handed to another person: its sessions are theirs.  Ann's
 * series (its last by date moved to tomorrow) goes to Bob, who had
 * nothing booked, and back.
 */
START_TEST(test_work_ended_series_handed)
{
	struct db_occ to = occ_in(1, "12:00");
	char sql[128];

	move(series_id, 28, &to);
	ck_assert(queue_shows(BOB_ENDED));
	(void)snprintf(sql, sizeof(sql), "UPDATE series SET client_id = 2 "
	    "WHERE id = %lld", (long long)series_id);
	testlib_sql_exec(h->app.db, sql);
	ck_assert(queue_shows(ANN_ENDED));
	ck_assert(!pages_says(h, BOB_ENDED));
	ck_assert(!ended_at(to.start_utc + 3600, 2));
	(void)snprintf(sql, sizeof(sql), "UPDATE series SET client_id = 1 "
	    "WHERE id = %lld", (long long)series_id);
	testlib_sql_exec(h->app.db, sql);
	ck_assert(queue_shows(BOB_ENDED));
	ck_assert(!pages_says(h, ANN_ENDED));
	ck_assert(!ended_at(to.start_utc + 3600, 1));
	ck_assert(ended_at(to.start_utc + 3600, 2));
	ck_assert_int_eq(work_wrong(), 0);
}
END_TEST

/*
 * A group's sessions are the work of its members on a caseload: Ann,
 * her own series ended, joins a group meeting in three days and next
 * fortnight (that one moved to tomorrow), leaves it, joins again, and
 * her place ends.
 */
START_TEST(test_work_ended_group)
{
	static const int days[] = { 3, 17 };
	struct db_occ to = occ_in(1, "12:00");
	int64_t group, gs, after = to.start_utc + 3600;

	ck_assert_int_eq(db_series_end(h->app.db, series_id, future, "ended",
	    1, ""), DB_OK);
	group = db_group_add(h->app.db, "Singers", 1, 1, 8, 1);
	ck_assert_int_gt(group, 0);
	gs = book(0, group, days, 2, "15:00");
	move(gs, 17, &to);
	ck_assert(queue_shows(ANN_ENDED));
	ck_assert_int_eq(db_group_join(h->app.db, group, 1, 1), DB_OK);
	ck_assert(!queue_shows(ANN_ENDED));
	ck_assert(!ended_at(after, 1));
	testlib_sql_exec(h->app.db, "DELETE FROM group_members WHERE "
	    "client_id = 1");
	ck_assert(queue_shows(ANN_ENDED));
	ck_assert_int_eq(db_group_join(h->app.db, group, 1, 1), DB_OK);
	ck_assert(!queue_shows(ANN_ENDED));
	/* Her place ends: the group is no longer her work. */
	testlib_sql_exec(h->app.db, "UPDATE clients SET ended_at = "
	    "'2026-01-20T10:00:00Z' WHERE id = 1");
	ck_assert(queue_shows(ANN_ENDED));
	testlib_sql_exec(h->app.db, "UPDATE clients SET ended_at = NULL "
	    "WHERE id = 1");
	ck_assert(!ended_at(after, 1));
	ck_assert_int_eq(work_wrong(), 0);
}
END_TEST

/* A correction keeps every earlier text, with who and why. */
START_TEST(test_note_history)
{
	char sql[200];

	ck_assert_int_eq(db_client_note_put(h->app.db, series_id, past, 1,
	    "First text", NULL, 1, ""), DB_OK);
	/* A correction needs its reason. */
	ck_assert_int_eq(db_client_note_put(h->app.db, series_id, past, 1,
	    "Second text", "", 1, ""), DB_INVALID);
	ck_assert_int_eq(db_client_note_put(h->app.db, series_id, past, 1,
	    "Second text", "wrong day's details", 1, ""), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM session_notes"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM session_notes WHERE "
	    "body = 'Second text'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM session_note_versions "
	    "WHERE body = 'First text' AND reason = ''"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM session_note_versions "
	    "WHERE body = 'Second text' AND reason = 'wrong day''s details'"),
	    1);
	/* No note for a session still to come. */
	ck_assert_int_eq(db_client_note_put(h->app.db, series_id, future, 1,
	    "Too soon", NULL, 1, ""), DB_INVALID);
	/* The audit says a note was written, never what it says. */
	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE "
	    "detail LIKE '%%text%%'");
	ck_assert_int_eq(count(sql), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'note-correct'"), 1);
}
END_TEST

/* Who may open a record; every view audited. */
START_TEST(test_record_access)
{
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/1"), 200);
	ck_assert(pages_says(h, "Ann Able"));
	ck_assert(pages_says(h, "Tuesday 27 March 1984"));
	ck_assert(pages_says(h, "Individual"));
	ck_assert(pages_says(h, "Your sessions are booked"));	/* an email */
	ck_assert(pages_says(h, "Who has opened or changed this record"));
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/clients/2"), 200);
	/* Thea: her own client, not Ravi's; no audit section for her. */
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/1"), 200);
	ck_assert(!pages_says(h, "Who has opened or changed this record"));
	ck_assert(!pages_says(h, "href=\"/series/"));	/* not hers to open */
	ck_assert(!pages_says(h, "href=\"/referrals/"));
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/2"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/3"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/99"), 404);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/clients/1"), 303);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'client-view'"), 3);
	/* Once on her caseload, always: ended, she still opens it. */
	testlib_sql_exec(h->app.db, "UPDATE clients SET ended_at = 'x' "
	    "WHERE id = 1");
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/1"), 200);
}
END_TEST

/* Thea writes a note, corrects it; a coordinator cannot write one. */
/*
 * Each email on the record is one click from its text: the record's
 * readers open it (audited), with no personal link in it; a therapist
 * gets 403 for another therapist's client; another person's email is
 * not found under this record.
 */
START_TEST(test_record_email_text)
{
	char path[96], link[128];
	int64_t ann, bob;

	ann = count("SELECT min(id) FROM outbox WHERE referral_id = 1 AND "
	    "kind = 'booking_confirmation'");
	ck_assert_int_gt(ann, 0);
	testlib_sql_exec(h->app.db, "INSERT INTO outbox (dedupe_key, kind, "
	    "to_addr, to_name, referral_id, message_id, not_before, "
	    "created_at) VALUES ('bob-ack', 'referral_ack', 'bob@x.org', "
	    "'Bob', 2, '<bob@x>', 'x', '2026-01-05T10:00:00Z')");
	bob = count("SELECT id FROM outbox WHERE dedupe_key = 'bob-ack'");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/1"), 200);
	(void)snprintf(link, sizeof(link), "href=\"/clients/1/emails/%lld\"",
	    (long long)ann);
	ck_assert_msg(pages_says(h, link), "no link %s", link);
	(void)snprintf(path, sizeof(path), "/clients/1/emails/%lld",
	    (long long)ann);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "Your sessions are booked"));
	ck_assert(pages_says(h, "ann@x.org"));
	ck_assert_msg(pages_says(h, "Subject"), "%s", pages_body(h));
	ck_assert(!pages_says(h, "/my?t="));
	ck_assert(!pages_says(h, "/unsubscribe?t="));
	/* Her own therapist reads it too. */
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, path), 200);
	ck_assert(pages_says(h, "Your sessions are booked"));
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'email-view' AND referral_id = 1"), 2);
	/* Bob is Ravi's client: not Thea's to read. */
	(void)snprintf(path, sizeof(path), "/clients/2/emails/%lld",
	    (long long)bob);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, path), 403);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "bob@x.org"));
	/* Bob's email is not under Ann's record, nor is a made-up one. */
	(void)snprintf(path, sizeof(path), "/clients/1/emails/%lld",
	    (long long)bob);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 404);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/clients/1/emails/99999"), 404);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 303);
	/* Reading makes no personal link. */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'email-view'"), 3);
}
END_TEST

/*
 * The week grid's card and the series page link to the client record
 * for those who may open it; the grid is not the therapist's to open.
 */
START_TEST(test_schedule_links)
{
	char path[96];

	(void)snprintf(path, sizeof(path), "/schedule?by=therapist&week=%s",
	    future);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert_msg(pages_says(h, "href=\"/clients/1\""), "no record link");
	(void)snprintf(path, sizeof(path), "/series/%lld",
	    (long long)series_id);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "href=\"/clients/1\""));
	(void)snprintf(path, sizeof(path), "/schedule?by=therapist&week=%s",
	    future);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, path), 403);
	ck_assert(!pages_says(h, "/clients/"));
}
END_TEST

START_TEST(test_record_note_pages)
{
	char body[256];

	(void)snprintf(body, sizeof(body), "action=note&series=%lld&date=%s&"
	    "body=Played+the+ocean+drum%%3B+calmer+by+the+end",
	    (long long)series_id, past);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/clients/1", body),
	    403);
	/* Notes to write are for sessions the person attended. */
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/1"), 200);
	ck_assert(!pages_says(h, "Note for the session on"));
	ck_assert_int_eq(db_attendance_set(h->app.db, series_id, past, 1,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/1"), 200);
	ck_assert(pages_says(h, "Note for the session on"));
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1", body),
	    303);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/clients/1"), 200);
	ck_assert(pages_says(h, NOTE));
	ck_assert(!pages_says(h, "Note for the session on"));	/* written */
	/* An empty note: 422 with the summary, nothing stored. */
	(void)snprintf(body, sizeof(body), "action=note&series=%lld&date=%s&"
	    "body=&reason=x", (long long)series_id, past);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1", body),
	    422);
	ck_assert(pages_says(h, "There is a problem"));
	/* A correction without a reason: 422; with one: kept both. */
	(void)snprintf(body, sizeof(body), "action=note&series=%lld&date=%s&"
	    "body=Corrected", (long long)series_id, past);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1", body),
	    422);
	ck_assert(pages_says(h, "Corrected"));	/* the typing kept */
	(void)snprintf(body, sizeof(body), "action=note&series=%lld&date=%s&"
	    "body=Corrected&reason=typo", (long long)series_id, past);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1", body),
	    303);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/1"), 200);
	ck_assert(pages_says(h, "Earlier texts"));
	ck_assert(pages_says(h, NOTE));
	/* Notes never reach the outbox, the audit trail or a feed. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE dedupe_key "
	    "LIKE '%ocean%' OR to_name LIKE '%ocean%' OR last_error LIKE "
	    "'%ocean%'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE detail LIKE "
	    "'%ocean%'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM feeds WHERE body LIKE "
	    "'%ocean%'"), 0);
}
END_TEST

/* Goals and the closing summary; the coordinator's triage correction. */
START_TEST(test_record_goals_summary_edit)
{
	int needs3;

	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1",
	    "action=goal&body=Sing+a+verse&start=2026-13-01"), 422);
	ck_assert(pages_says(h, "Enter the start date"));
	/* The goal and summary fields are checked by their tables: a
	 * line break's control characters, a review before the start and
	 * a missing part are refused with nothing stored. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1",
	    "action=goal&body=Sing&start=2026-12-14&review=2026-12-01"), 422);
	ck_assert(pages_says(h, "on or after the start date"));
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1",
	    "action=goal&body=Sing%01&start=2026-12-14"), 422);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1",
	    "action=summary&worked_on=Confidence"), 422);
	ck_assert(pages_says(h, "Say what came of it"));
	ck_assert_int_eq(count("SELECT (SELECT count(*) FROM client_goals) + "
	    "(SELECT count(*) FROM work_summaries)"), 0);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1",
	    "action=goal&body=Sing+a+verse&start=2026-12-14&review=2027-03-08"),
	    303);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/1",
	    "action=summary&worked_on=Confidence&outcome=Goals+met&onward=Choir"),
	    303);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/1"), 200);
	ck_assert(pages_says(h, "Sing a verse"));
	ck_assert(pages_says(h, "14 Dec 2026"));
	ck_assert(pages_says(h, "review on 8 Mar 2027"));
	ck_assert(pages_says(h, "Goals met"));
	/* Cat is in triage: corrected with a reason, in her history. */
	needs3 = count("SELECT needs FROM referrals WHERE id = 3");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/3"), 200);
	ck_assert(pages_says(h, "action=\"/clients/3/edit\""));
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/clients/3/edit",
	    "needs=mental_health&needs=dementia&session_type=group"), 422);
	/* A therapist is refused by the router: nothing changes. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/clients/3/edit",
	    "needs=mental_health&needs=dementia&session_type=group&"
	    "reason=x"), 403);
	ck_assert(pages_post_refused(h, ROLE_THERAPIST, "/clients/3/edit"));
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'referral-edit'"), 0);
	ck_assert_int_eq(count("SELECT needs FROM referrals WHERE id = 3"),
	    needs3);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/clients/3/edit",
	    "needs=mental_health&needs=dementia&session_type=group&"
	    "reason=Her+daughter+phoned"), 303);
	ck_assert_int_eq(count("SELECT needs FROM referrals WHERE id = 3"),
	    (1 << 2) | (1 << 4));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/clients/3"), 200);
	ck_assert(pages_says(h, "Her daughter phoned"));
	ck_assert(pages_says(h, "Mental health, Dementia"));
	/* Ann is past triage: no correction form, and a post is refused. */
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/clients/1/edit",
	    "needs=autism&session_type=group&reason=x"), 422);
	/* The old form's action=edit is no longer understood. */
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/clients/3",
	    "action=edit&needs=autism&session_type=group&reason=x"), 400);
}
END_TEST

/* Erasure removes the person's notes, goals and summary. */
START_TEST(test_record_erasure)
{
	struct db_erase_summary sum;

	ck_assert_int_eq(db_client_note_put(h->app.db, series_id, past, 1,
	    NOTE, NULL, 1, ""), DB_OK);
	ck_assert_int_eq(db_client_goal_add(h->app.db, 1, "Sing", past, NULL,
	    1, ""), DB_OK);
	ck_assert_int_eq(db_client_summary_put(h->app.db, 1, "a", "b", "c", 1,
	    ""), DB_OK);
	ck_assert_int_eq(db_privacy_erase(h->app.db, 1, "request", 1, "",
	    &sum), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM session_notes"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM session_note_versions"),
	    0);
	ck_assert_int_eq(count("SELECT count(*) FROM client_goals"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM work_summaries"), 0);
}
END_TEST

/*
 * /me: the week's sessions and the caseload link to records that
 * answer 200 to the therapist; notes to write; the other weeks; and a
 * sickness report listed for the coordinators.
 */
START_TEST(test_me_links)
{
	char body[128], *p, *e, path[64];
	const char *b;
	int links = 0;

	ck_assert_int_eq(db_attendance_set(h->app.db, series_id, past, 1,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/me"), 200);
	ck_assert(pages_says(h, "Notes to write"));
	ck_assert(pages_says(h, "href=\"/clients/1#notes\""));
	ck_assert(pages_says(h, "Report that you are off sick"));
	b = pages_body(h);
	p = strdup(b);
	ck_assert_ptr_nonnull(p);
	for (e = p; (e = strstr(e, "href=\"/clients/")) != NULL; e++) {
		size_t n = strcspn(e + 6, "\"#");

		ck_assert_uint_lt(n, sizeof(path));
		memcpy(path, e + 6, n);
		path[n] = '\0';
		ck_assert_msg(pages_get(h, ROLE_THERAPIST, path) == 200,
		    "%s", path);
		links++;
	}
	free(p);
	ck_assert_int_ge(links, 2);
	(void)snprintf(body, sizeof(body), "/me?week=%s", future);
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, body), 200);
	ck_assert(pages_says(h, "This week"));
	ck_assert(pages_says(h, "href=\"/clients/1\""));
	/* Off sick on the day of the next session. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/sick",
	    "first=2026-12-10&last=2026-12-09"), 422);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "value=\"2026-12-10\""));	/* kept */
	(void)snprintf(body, sizeof(body), "first=%s&last=%s", future,
	    future);
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/me/sick", body), 303);
	ck_assert_int_eq(count("SELECT count(*) FROM therapist_leave WHERE "
	    "kind = 'sickness' AND therapist_id = 1"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert(pages_says(h, "Sessions on days a therapist is off sick"));
	/* At its local time, in the service's zone. */
	ck_assert(pages_says(h, ", 10:00</strong>: Thea with <a "
	    "href=\"/clients/1\">"));
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/me/sick", body),
	    403);
	ck_assert(pages_post_refused(h, ROLE_COORDINATOR, "/me/sick"));
}
END_TEST

static Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc;

	tc = tcase_create("calendar_date_text");
	tcase_add_test(tc, test_dates_for_people);
	suite_add_tcase(s, tc);
	tc = tcase_create("status_follow");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status_booking);
	tcase_add_test(tc, test_notes_read_own);
	tcase_add_test(tc, test_status_attended);
	tcase_add_test(tc, test_status_work_ended);
	tcase_add_test(tc, test_work_ended_steps);
	tcase_add_test(tc, test_work_ended_shown);
	tcase_add_test(tc, test_work_ended_moved_last);
	tcase_add_test(tc, test_work_ended_moved_later);
	tcase_add_test(tc, test_work_ended_moved_earlier);
	tcase_add_test(tc, test_work_ended_cancelled);
	tcase_add_test(tc, test_work_ended_series_handed);
	tcase_add_test(tc, test_work_ended_group);
	tcase_add_test(tc, test_work_booked_until);
	tcase_add_test(tc, test_sick_sessions_steps);
	tcase_add_test(tc, test_sessions_group_steps);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_client_note_put");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_note_history);
	suite_add_tcase(s, tc);
	tc = tcase_create("page_client");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_record_access);
	tcase_add_test(tc, test_record_email_text);
	tcase_add_test(tc, test_schedule_links);
	tcase_add_test(tc, test_record_note_pages);
	tcase_add_test(tc, test_record_goals_summary_edit);
	tcase_add_test(tc, test_record_erasure);
	tcase_add_test(tc, test_me_links);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

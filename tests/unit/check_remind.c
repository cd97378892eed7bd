/*
 * Unit tests for reminders and the session emails: mail/remind.c
 * (offsets, when a reminder is due, across clock changes, who gets one),
 * mail/session.c (what each email says, and what is dropped when it is
 * no longer true), db/remind.c (unsubscribes, taking back a
 * cancellation).  Each test runs the real migrations on a fresh
 * database file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/booking.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/outbox.h"
#include "db/remind.h"
#include "db/reports.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "tests/unit/testlib.h"

#define TZ	"Europe/London"
#define H	(60L * 60)

static char path[64];
static char dir[64];
static struct db *db;

/*
 * Thea (with a staff account) and Ravi work weekdays 09-17 at the Centre
 * (rooms Blue, Green).  Clients: 1 Ann (agreed, email), 2 Bob (no
 * consent, no email), 3 Cat (agreed, email), 4 Dan (agreed, email, but
 * erased), 5 Eve (agreed, email, left the caseload).  Group 1 holds all
 * five.
 */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'c@x.org', 'Cora', 'coordinator', '2026-01-01T00:00:00Z'),"
    " (2, 'thea@x.org', 'Thea Therapist', 'therapist', "
    "  '2026-01-01T00:00:00Z');"
    "INSERT INTO sites (id, name, kind, address, postcode) VALUES"
    " (1, 'Centre', 'own_centre', '1 High St', 'N1 1AA'),"
    " (2, 'Online', 'online', '', '');"
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"
    " (1, 1, 'Blue', 2), (2, 1, 'Green', 8);"
    "INSERT INTO therapists (id, user_id, name) VALUES"
    " (1, 2, 'Thea Therapist'), (2, NULL, 'Ravi Patel');"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO site_hours (site_id, day, start_min, end_min)"
    " SELECT 1, n, 480, 1080 FROM d;"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO therapist_availability (therapist_id, "
    " site_id, day, start_min, end_min) SELECT t, s, n, 540, 1020 FROM d, "
    " (SELECT 1 AS t UNION SELECT 2), (SELECT 1 AS s UNION SELECT 2);"
    "INSERT INTO referrals (id, ref, given_name, family_name, email, "
    " postcode, date_of_birth, preferred_contact, session_type, "
    " consent_data, consent_contact, about, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'Ann', 'Hassan', 'ann@x.org', 'N1 1AA', "
    "  '1980-01-01', 'email', 'either', 1, 1, 'to feel calmer', 'x', 'x'),"
    " (2, 'BBBB-BBBB', 'Bob', 'B', '', 'N1 1AA', '1980-01-01', 'phone', "
    "  'either', 1, 0, '', 'x', 'x'),"
    " (3, 'CCCC-CCCC', 'Cat', 'C', 'cat@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', 1, 1, '', 'x', 'x'),"
    " (4, 'DDDD-DDDD', 'Dan', 'D', 'dan@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', 1, 1, '', 'x', 'x'),"
    " (5, 'EEEE-EEEE', 'Eve', 'E', 'eve@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', 1, 1, '', 'x', 'x');"
    "INSERT INTO erasures (referral_id, at, reason) VALUES (4, 'x', "
    " 'request');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at, "
    " ended_at) VALUES (1, 1, 1, 'x', NULL), (2, 2, 2, 'x', NULL),"
    " (3, 3, 1, 'x', NULL), (4, 4, 1, 'x', NULL), (5, 5, 1, 'x', 'y');"
    "INSERT INTO groups (id, name, therapist_id, site_id) VALUES"
    " (1, 'Dementia choir', 1, 1);"
    "INSERT INTO group_members (group_id, client_id, joined_at) VALUES"
    " (1, 1, 'x'), (1, 2, 'x'), (1, 3, 'x'), (1, 4, 'x'), (1, 5, 'x');";

static void
setup(void)
{
	char err[256];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_remind.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	db = db_open(path, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_exec(db->conn, fixture, NULL, NULL, NULL),
	    SQLITE_OK);
	snprintf(dir, sizeof(dir), "/tmp/check_remind_mail.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char p[160];

	db_close(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(p), 0);
}

/* "2026-03-28T09:00:00Z" as unix time. */
static time_t
utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return timegm(&tm);
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

/* The local date days after date. */
static void
date_plus(const char *date, int days, char out[11])
{
	time_t t;

	ck_assert_int_eq(ical_local_to_utc(TZ, date, "12:00", &t), 0);
	ck_assert_int_eq(ical_utc_to_local(TZ, t + (time_t)days * 86400, out,
	    NULL, NULL), 0);
}

/* Books weekly sessions (client or group) as the booking page does. */
static int64_t
book(int64_t client, int64_t group, int64_t room, const char *date,
    const char *hhmm, int count)
{
	struct ical_series_rule r = { TZ, date, hhmm, 45, count, NULL, NULL };
	struct db_series_new s;
	struct db_occ *occ;
	size_t nocc;
	char uid[80], clash[512];
	int64_t id = 0;

	ck_assert_int_eq(core_booking_occurrences(TZ, &r, utc("2030-01-01T00:00:00"
	    "Z"), &occ, &nocc), 0);
	memset(&s, 0, sizeof(s));
	s.therapist_id = 1;
	s.client_id = client;
	s.group_id = group;
	s.site_id = 1;
	s.room_id = room;
	s.tz = TZ;
	s.first_date = date;
	s.start_local = hhmm;
	s.length_min = 45;
	s.count = count;
	s.created_by = 1;
	core_booking_uid("test", uid, sizeof(uid));
	ck_assert_msg(db_series_book(db, &s, occ, nocc, uid, "test", &id,
	    clash, sizeof(clash)) == DB_OK, "%s", clash);
	free(occ);
	return id;
}

/* Reminders at the offsets in spec. */
static struct mail_remind
remind(const char *spec)
{
	struct mail_remind r;
	char err[128];

	mail_remind_defaults(&r);
	ck_assert_int_eq(mail_remind_offsets_parse(spec, r.offsets,
	    &r.noffsets, err, sizeof(err)), 0);
	return r;
}

static int64_t
reminders(void)
{
	/* Dropped ones stay in the outbox (issue 14) but are not reminders. */
	return testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'reminder' AND status != 'dropped'");
}

/* ---- mail_remind_offsets_parse, mail_agenda_parse ---- */

START_TEST(test_offsets_parse)
{
	long o[MAIL_REMIND_MAX];
	size_t n = 99;
	char err[160];

	ck_assert_int_eq(mail_remind_offsets_parse("48h,2h", o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(o[0], 48 * H);
	ck_assert_int_eq(o[1], 2 * H);
	/* Sorted largest first, blanks allowed, units s m h d. */
	ck_assert_int_eq(mail_remind_offsets_parse(" 30m, 1d ,90s", o, &n,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(o[0], 24 * H);
	ck_assert_int_eq(o[1], 30 * 60);
	ck_assert_int_eq(o[2], 90);
	/* The same offset twice counts once. */
	ck_assert_int_eq(mail_remind_offsets_parse("2h,120m,2h", o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	/* Off. */
	ck_assert_int_eq(mail_remind_offsets_parse("", o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	n = 9;
	ck_assert_int_eq(mail_remind_offsets_parse("off", o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	n = 9;
	ck_assert_int_eq(mail_remind_offsets_parse("0", o, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	/* Refused, leaving n alone. */
	n = 7;
	ck_assert_int_eq(mail_remind_offsets_parse("48", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unit"));
	ck_assert_int_eq(mail_remind_offsets_parse("48h,,2h", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("48h;2h", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("48hx", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("-2h", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("2w", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("5s", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "10 seconds to 14 days"));
	ck_assert_int_eq(mail_remind_offsets_parse("15d", o, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("99999999999999999999h",
	    o, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(mail_remind_offsets_parse("1h,2h,3h,4h,5h,6h,7h,8h,"
	    "9h", o, &n, err, sizeof(err)), -1);
	ck_assert_uint_eq(n, 7);
	/* Issue 14: offsets shorter than the mailer's lease are refused. */
	ck_assert_int_eq(mail_remind_offsets_parse("48h,2m", o, &n, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(mail_remind_offsets_check(o, n, 300, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "120 seconds"));
	ck_assert_int_eq(mail_remind_offsets_check(o, n, 60, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(mail_remind_offsets_check(o, 0, 300, err,
	    sizeof(err)), 0);
}
END_TEST

START_TEST(test_agenda_parse)
{
	int m = 5;
	char err[128];

	ck_assert_int_eq(mail_agenda_parse(NULL, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m, -1);
	ck_assert_int_eq(mail_agenda_parse("0", &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m, -1);
	ck_assert_int_eq(mail_agenda_parse("1", &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m, 7 * 60);
	ck_assert_int_eq(mail_agenda_parse("06:30", &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m, 6 * 60 + 30);
	ck_assert_int_eq(mail_agenda_parse("24:00", &m, err, sizeof(err)), -1);
	ck_assert_int_eq(mail_agenda_parse("6:30", &m, err, sizeof(err)), -1);
	ck_assert_int_eq(mail_agenda_parse("yes", &m, err, sizeof(err)), -1);
}
END_TEST

/* ---- mail_remind_due ---- */

START_TEST(test_due)
{
	time_t s = utc("2026-06-10T09:00:00Z");

	ck_assert_int_eq(mail_remind_slack(48 * H), H);
	ck_assert_int_eq(mail_remind_slack(2 * H), H);
	ck_assert_int_eq(mail_remind_slack(60), 30);
	/* Not before its time. */
	ck_assert_int_eq(mail_remind_due(s, 48 * H, s - 48 * H - 1), 0);
	ck_assert_int_eq(mail_remind_due(s, 48 * H, s - 48 * H), 1);
	ck_assert_int_eq(mail_remind_due(s, 48 * H, s - 47 * H), 1);
	/* Not late in a burst: booked three hours ahead, no 48h one... */
	ck_assert_int_eq(mail_remind_due(s, 48 * H, s - 3 * H), 0);
	ck_assert_int_eq(mail_remind_due(s, 48 * H, s - 47 * H + 1), 0);
	/* ...but its 2h one, at its time. */
	ck_assert_int_eq(mail_remind_due(s, 2 * H, s - 3 * H), 0);
	ck_assert_int_eq(mail_remind_due(s, 2 * H, s - 2 * H), 1);
	ck_assert_int_eq(mail_remind_due(s, 2 * H, s - H), 1);
	ck_assert_int_eq(mail_remind_due(s, 2 * H, s - H + 1), 0);
	/* Never once it has begun. */
	ck_assert_int_eq(mail_remind_due(s, 20, s), 0);
	ck_assert_int_eq(mail_remind_due(s, 20, s - 10), 1);
}
END_TEST

/*
 * A weekly series at 10:00 London time from Monday 16 March 2026: the
 * clocks go forward on Sunday 29 March, so the session of the 23rd is at
 * 10:00Z and the one of the 30th at 09:00Z.  The 48h reminder is 48 real
 * hours before: 10:00Z on Saturday the 21st, and 09:00Z (09:00 GMT, the
 * local clock not yet changed) on Saturday the 28th.  In autumn (back on
 * Sunday 25 October) the session of Monday the 26th is at 10:00Z and its
 * reminder at 10:00Z on the 24th, 11:00 local summer time.
 */
START_TEST(test_clock_change)
{
	struct mail_remind r = remind("48h");
	time_t due;
	int64_t series, autumn;
	char hhmm[6];

	series = book(1, 0, 1, "2026-03-16", "10:00", 3);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT start_utc FROM occurrences WHERE "
	    "occ_date = '2026-03-30'"), utc("2026-03-30T09:00:00Z"));
	ck_assert_int_eq(testlib_sql_int(db, "SELECT start_utc FROM occurrences WHERE "
	    "occ_date = '2026-03-23'"), utc("2026-03-23T10:00:00Z"));
	testlib_sql_exec(db, "DELETE FROM outbox");

	due = utc("2026-03-28T09:00:00Z");
	ck_assert_int_eq(mail_remind_due(utc("2026-03-30T09:00:00Z"), 48 * H,
	    due), 1);
	ck_assert_int_eq(ical_utc_to_local(TZ, due, NULL, hhmm, NULL), 0);
	ck_assert_str_eq(hhmm, "09:00");
	/* A second early: nothing. */
	ck_assert_int_eq(mail_reminders_queue(db, &r, due - 1), 0);
	ck_assert_int_eq(reminders(), 0);
	/* At the instant: the one reminder, of the session of the 30th. */
	ck_assert_int_eq(mail_reminders_queue(db, &r, due), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE "
	    "dedupe_key = 'reminder:" "1" ":2026-03-30:172800:1'"), 1);
	ck_assert_int_eq(series, 1);
	/* The week before, before the change: 10:00Z. */
	ck_assert_int_eq(mail_reminders_queue(db, &r,
	    utc("2026-03-21T09:59:59Z")), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r,
	    utc("2026-03-21T10:00:00Z")), 1);

	autumn = book(3, 0, 2, "2026-10-19", "10:00", 2);
	ck_assert_int_gt(autumn, 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT start_utc FROM occurrences WHERE "
	    "occ_date = '2026-10-26'"), utc("2026-10-26T10:00:00Z"));
	due = utc("2026-10-24T10:00:00Z");
	ck_assert_int_eq(ical_utc_to_local(TZ, due, NULL, hhmm, NULL), 0);
	ck_assert_str_eq(hhmm, "11:00");
	ck_assert_int_eq(mail_reminders_queue(db, &r, due - 1), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, due), 1);
}
END_TEST

/* ---- mail_reminders_queue ---- */

/* One reminder per occurrence per offset, each once, only when due. */
START_TEST(test_queue_each_once)
{
	struct mail_remind r = remind("48h,2h");
	char mon[11];
	time_t t0, t1, t2;
	int64_t s;
	int i;

	next_monday(0, mon);
	s = book(1, 0, 1, mon, "10:00", 3);
	testlib_sql_exec(db, "DELETE FROM outbox");
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	t1 = t0 + 7 * 86400;
	t2 = t0 + 14 * 86400;
	/* Booking time, and every minute up to a day ahead: nothing. */
	for (i = 0; i < 24 * 60; i++)
		ck_assert_int_eq(mail_reminders_queue(db, &r,
		    t0 - 72 * H + i * 60), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 48 * H), 1);
	/* Again, or a second mailer: nothing more. */
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 48 * H), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 48 * H + 60), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 1);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H + 1), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t1 - 48 * H + 30), 1);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t1 - 2 * H + 30), 1);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t2 - 48 * H + 30), 1);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t2 - 2 * H + 30), 1);
	ck_assert_int_eq(reminders(), 6);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(DISTINCT dedupe_key) FROM "
	    "outbox WHERE kind = 'reminder' AND to_addr = 'ann@x.org' AND "
	    "referral_id = 1 AND status = 'queued'"), 6);
	ck_assert_int_gt(s, 0);
}
END_TEST

/* None for a cancelled occurrence; a moved one at its new time. */
START_TEST(test_queue_cancelled_moved)
{
	struct mail_remind r = remind("2h");
	struct db_occ to;
	char mon[11], d2[11], clash[256];
	time_t t0, t1, moved;
	int64_t s;

	next_monday(0, mon);
	date_plus(mon, 7, d2);
	s = book(1, 0, 1, mon, "10:00", 2);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	t1 = t0 + 7 * 86400;
	ck_assert_int_eq(db_occ_cancel(db, s, mon, CANCEL_BY_CLIENT, "ill", 1,
	    "", 180, "test"), DB_OK);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 0);
	/* The second moved three hours later: due from its new time. */
	ck_assert_int_eq(core_booking_occ_at(TZ, d2, "13:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, s, d2, &to, 0, "", 1, "", 0, "test",
	    clash, sizeof(clash)), DB_OK);
	moved = (time_t)to.start_utc;
	ck_assert_int_eq(moved, t1 + 3 * H);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t1 - 2 * H), 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, moved - 2 * H), 1);
	ck_assert_int_eq(reminders(), 1);
}
END_TEST

/* Group members: only those who agreed, have an address, are still on a
 * caseload, were not erased and did not unsubscribe. */
START_TEST(test_queue_skip_rules)
{
	struct mail_remind r = remind("2h");
	char mon[11], now[21];
	time_t t0;
	int already = 9;

	next_monday(0, mon);
	(void)book(0, 1, 2, mon, "11:00", 1);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	db_now(now);
	ck_assert_int_eq(db_unsub_set(db, 3, now, &already), DB_OK);
	ck_assert_int_eq(already, 0);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'reminder' AND to_addr = 'ann@x.org'"), 1);
	/* Without the unsubscribe Cat gets hers too. */
	testlib_sql_exec(db, "DELETE FROM unsubscribes");
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 1);
	ck_assert_int_eq(reminders(), 2);
	/* No offsets: nothing, ever. */
	r.noffsets = 0;
	testlib_sql_exec(db, "DELETE FROM outbox");
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 0);
}
END_TEST

/* The windows are an indexed range query on occurrences.start_utc. */
START_TEST(test_queue_uses_index)
{
	sqlite3_stmt *st;
	struct buf plan = BUF_INIT;
	static const char sql[] = "EXPLAIN QUERY PLAN SELECT o.series_id "
	    "FROM occurrences o WHERE o.start_utc BETWEEN 1 AND 2 AND "
	    "o.state != 'cancelled'";

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&plan, "%s\n", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	ck_assert_msg(strstr(buf_cstr(&plan), "occurrences_start") != NULL,
	    "%s", buf_cstr(&plan));
	buf_free(&plan);
}
END_TEST

/* ---- agendas ---- */

START_TEST(test_agenda_queue)
{
	struct mail_remind r = remind("2h");
	char mon[11];
	time_t t0, day0;

	r.agenda_min = 7 * 60;
	next_monday(0, mon);
	(void)book(1, 0, 1, mon, "10:00", 1);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	ck_assert_int_eq(ical_local_to_utc(TZ, mon, "07:00", &day0), 0);
	ck_assert_int_eq(mail_agenda_queue(db, &r, day0 - 1), 0);
	ck_assert_int_eq(mail_agenda_queue(db, &r, day0), 1);
	ck_assert_int_eq(mail_agenda_queue(db, &r, day0 + 60), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'therapist_agenda' AND to_addr = 'thea@x.org' AND user_id = 2"),
	    1);
	/* Off: nothing. */
	testlib_sql_exec(db, "DELETE FROM outbox");
	r.agenda_min = -1;
	ck_assert_int_eq(mail_agenda_queue(db, &r, day0), 0);
	/* After the day's last session: nothing to send. */
	r.agenda_min = 7 * 60;
	ck_assert_int_eq(mail_agenda_queue(db, &r, t0 + 1), 0);
}
END_TEST

/* ---- mail_key_parse, mail_when ---- */

START_TEST(test_key_parse)
{
	struct mail_key k;

	ck_assert_int_eq(mail_key_parse("reminder:12:2026-03-30:172800:7",
	    &k), 0);
	ck_assert_str_eq(k.kind, "reminder");
	ck_assert_int_eq(k.id, 12);
	ck_assert_str_eq(k.date, "2026-03-30");
	ck_assert_int_eq(k.offset, 172800);
	ck_assert_int_eq(k.client_id, 7);
	ck_assert_int_eq(mail_key_parse("session_moved:3:2026-03-30@"
	    "1774861200:9", &k), 0);
	ck_assert_int_eq(k.when, 1774861200);
	ck_assert_int_eq(k.client_id, 9);
	ck_assert_int_eq(mail_key_parse("session_cancelled:3:2026-03-30:9~41",
	    &k), 0);
	ck_assert_int_eq(k.client_id, 9);
	ck_assert_int_eq(mail_key_parse("booking_confirmation:3:0:9", &k), 0);
	ck_assert_str_eq(k.date, "0");
	/* A contact's copy (014) names the same session and client. */
	ck_assert_int_eq(mail_key_parse("booking_confirmation:3:0:9:contact:4",
	    &k), 0);
	ck_assert_int_eq(k.client_id, 9);
	ck_assert_int_eq(mail_key_parse("reminder:12:2026-03-30:60:7:contact:"
	    "4~88", &k), 0);
	ck_assert_int_eq(mail_key_parse("booking_confirmation:3:0:9:contact:",
	    &k), -1);
	ck_assert_int_eq(mail_key_parse("therapist_agenda:2:2026-03-30", &k),
	    0);
	ck_assert_int_eq(k.id, 2);
	ck_assert_int_eq(k.client_id, 0);
	ck_assert_int_eq(mail_key_parse("referral-ack:12", &k), -1);
	ck_assert_int_eq(mail_key_parse("reminder:12:2026-03-30:0:7", &k), -1);
	ck_assert_int_eq(mail_key_parse("reminder:12:2026-3-30:60:7", &k), -1);
	ck_assert_int_eq(mail_key_parse("session_cancelled:3:2026-03-30:9x",
	    &k), -1);
	ck_assert_int_eq(mail_key_parse("session_moved:3:2026-03-30:9", &k),
	    -1);
	ck_assert_int_eq(mail_key_parse(":3:2026-03-30:9", &k), -1);
	ck_assert_int_eq(mail_key_parse("session_cancelled:99999999999999999"
	    "999:2026-03-30:9", &k), -1);
}
END_TEST

START_TEST(test_when)
{
	char day[64], hhmm[6];

	ck_assert_int_eq(mail_when(TZ, utc("2026-03-30T09:00:00Z"), day,
	    sizeof(day), hhmm), 0);
	ck_assert_str_eq(day, "Monday 30 March 2026");
	ck_assert_str_eq(hhmm, "10:00");
	ck_assert_int_eq(mail_when(TZ, utc("2026-03-04T10:00:00Z"), day,
	    sizeof(day), hhmm), 0);
	ck_assert_str_eq(day, "Wednesday 4 March 2026");
	ck_assert_str_eq(hhmm, "10:00");
}
END_TEST

/* ---- what the emails say (mail/session.c) ---- */

struct mailer {
	struct tmpl_set		*tmpl;
	struct mail_outbox	*ob;
};

static void
mailer_up(struct mailer *m)
{
	struct mail_config cfg;
	char err[256], maildir[128];

	m->tmpl = tmpl_set_load("templates", err, sizeof(err));
	ck_assert_msg(m->tmpl != NULL, "%s", err);
	(void)snprintf(maildir, sizeof(maildir), "%s/mail", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mail_dir = maildir;
	cfg.from = "Tutti <noreply@tutti.example>";
	cfg.base_url = "https://tutti.example";
	m->ob = mail_outbox_new(&cfg, db, m->tmpl, err, sizeof(err));
	ck_assert_msg(m->ob != NULL, "%s", err);
}

static void
mailer_down(struct mailer *m)
{
	mail_outbox_free(m->ob);
	tmpl_set_free(m->tmpl);
}

/* The newest row of kind (must exist). */
static void
row_of(const char *kind, struct db_outbox *out)
{
	struct db_outbox *v;
	size_t n, i;

	ck_assert_int_eq(db_outbox_list(db, NULL, 0, 1000, &v, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].kind, kind) == 0)
			break;
	ck_assert_msg(i < n, "no %s row", kind);
	*out = v[i];
	memset(&v[i], 0, sizeof(v[i]));
	db_outbox_list_free(v, n);
}

/*
 * The message m decoded enough to search: quoted-printable soft breaks
 * removed and =XX decoded; base64 parts (the calendar) decoded in place
 * after their headers.  Crude, but what a reader sees.
 */
static char *
readable(const char *m)
{
	struct buf b = BUF_INIT;
	const char *p, *e, *q;
	unsigned char bin[65536];
	size_t len;
	int hi, lo;

	for (p = m; *p != '\0'; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
			continue;
		}
		if (p[0] == '=' && sscanf(p + 1, "%1x%1x", &hi, &lo) == 2) {
			buf_putc(&b, hi * 16 + lo);
			p += 2;
			continue;
		}
		buf_putc(&b, *p);
		if (strncmp(p, "Content-Transfer-Encoding: base64\r\n\r\n",
		    37) == 0) {
			q = p + 37;
			if ((e = strstr(q, "\r\n--")) == NULL)
				e = q + strlen(q);
			buf_append(&b, p + 1, 36);
			if (sodium_base642bin(bin, sizeof(bin), q,
			    (size_t)(e - q), "\r\n", &len, NULL,
			    sodium_base64_VARIANT_ORIGINAL) == 0)
				buf_append(&b, bin, len);
			p = e - 1;
		}
	}
	return buf_detach(&b);
}

/* Renders the newest row of kind: the outcome, the readable message. */
static enum mail_send
render(struct mailer *m, const char *kind, char **text, char *err,
    size_t errlen)
{
	struct db_outbox row;
	struct buf b = BUF_INIT;
	enum mail_send r;

	row_of(kind, &row);
	r = mail_outbox_render(m->ob, &row, &b, err, errlen);
	*text = r == MAIL_SEND_OK ? readable(buf_cstr(&b)) : NULL;
	db_outbox_free(&row);
	buf_free(&b);
	return r;
}

/* What every client email about a session must and must not say. */
static void
client_email_sane(const char *s)
{
	ck_assert_ptr_nonnull(strstr(s, "Hello Ann,"));
	ck_assert_ptr_nonnull(strstr(s, "Where: Centre, Blue"));
	ck_assert_ptr_nonnull(strstr(s, "Address: 1 High St, N1 1AA"));
	ck_assert_ptr_nonnull(strstr(s, "Your therapist: Thea\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "AAAA-AAAA"));
	ck_assert_ptr_nonnull(strstr(s, "116 123"));
	ck_assert(strstr(s, "List-Unsubscribe: <https://tutti.example/"
	    "unsubscribe?t=") != NULL || strstr(s, "List-Unsubscribe:\r\n "
	    "<https://tutti.example/unsubscribe?t=") != NULL);
	ck_assert_ptr_nonnull(strstr(s, "https://tutti.example/unsubscribe?"
	    "t="));
	/* Nothing else: no family names, health details or reasons. */
	ck_assert_ptr_null(strstr(s, "Hassan"));
	ck_assert_ptr_null(strstr(s, "calmer"));
	ck_assert_ptr_null(strstr(s, "hospital"));
	ck_assert_ptr_null(strstr(s, "Dementia"));
}

START_TEST(test_render_booking)
{
	struct mailer m;
	char *s, err[256], want[128], day[64], hhmm[6];
	char mon[11];
	time_t t0;

	mailer_up(&m);
	next_monday(0, mon);
	(void)book(1, 0, 1, mon, "10:00", 3);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	ck_assert_int_eq(mail_when(TZ, t0, day, sizeof(day), hhmm), 0);
	ck_assert_int_eq(render(&m, "booking_confirmation", &s, err,
	    sizeof(err)), MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Subject: Your music therapy sessions "
	    "are booked"));
	ck_assert_ptr_nonnull(strstr(s, "every Monday at 10:00"));
	ck_assert_ptr_nonnull(strstr(s, "3 sessions in all"));
	(void)snprintf(want, sizeof(want), "next session is on %s at 10:00",
	    day);
	ck_assert_msg(strstr(s, want) != NULL, "%s", want);
	client_email_sane(s);
	ck_assert_ptr_nonnull(strstr(s, "Content-Type: text/calendar; "
	    "charset=UTF-8; method=REQUEST"));
	ck_assert_ptr_nonnull(strstr(s, "METHOD:REQUEST"));
	ck_assert_ptr_nonnull(strstr(s, "RRULE:FREQ=WEEKLY"));
	ck_assert_ptr_nonnull(strstr(s, "ATTENDEE"));
	ck_assert_ptr_nonnull(strstr(s, "mailto:ann@x.org"));
	free(s);
	/* The series cancelled before it went: dropped. */
	testlib_sql_exec(db, "UPDATE series SET status = 'cancelled'");
	ck_assert_int_eq(render(&m, "booking_confirmation", &s, err,
	    sizeof(err)), MAIL_SEND_STALE);
	mailer_down(&m);
}
END_TEST

START_TEST(test_render_reminder)
{
	struct mailer m;
	struct mail_remind r = remind("48h");
	char *s, err[256], mon[11], now[21];
	time_t t0;

	mailer_up(&m);
	next_monday(0, mon);
	(void)book(1, 0, 1, mon, "10:00", 1);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 48 * H), 1);
	ck_assert_int_eq(render(&m, "reminder", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Subject: Reminder: music therapy "));
	ck_assert_ptr_nonnull(strstr(s, "at 10:00"));
	ck_assert_ptr_nonnull(strstr(s, "10:00 to 10:45"));
	client_email_sane(s);
	ck_assert_ptr_null(strstr(s, "text/calendar"));
	free(s);
	/* Unsubscribed since it was queued: dropped. */
	db_now(now);
	ck_assert_int_eq(db_unsub_set(db, 1, now, NULL), DB_OK);
	/* (the unsubscribe deleted it while queued; queue one again) */
	ck_assert_int_eq(reminders(), 0);
	testlib_sql_exec(db, "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, "
	    "referral_id, message_id, not_before, created_at) SELECT "
	    "'reminder:' || series_id || ':' || occ_date || ':172800:1', "
	    "'reminder', 'ann@x.org', 'Ann', 1, '<r1@test>', 'x', 'x' "
	    "FROM occurrences");
	ck_assert_int_eq(render(&m, "reminder", &s, err, sizeof(err)),
	    MAIL_SEND_STALE);
	ck_assert_ptr_nonnull(strstr(err, "unsubscribed"));
	testlib_sql_exec(db, "DELETE FROM unsubscribes");
	/* The session cancelled since: dropped. */
	testlib_sql_exec(db, "UPDATE occurrences SET state = 'cancelled'");
	ck_assert_int_eq(render(&m, "reminder", &s, err, sizeof(err)),
	    MAIL_SEND_STALE);
	ck_assert_ptr_nonnull(strstr(err, "cancelled"));
	mailer_down(&m);
}
END_TEST

/* An online series' video call link: in the booking email and the
 * reminders (text and HTML), never in the attached invitation, and not
 * in a cancellation. */
START_TEST(test_render_video)
{
	static const char url[] = "https://meet.example.org/r/ann?pwd=1";
	struct mailer m;
	struct mail_remind r = remind("48h");
	char *s, *cal, err[256], mon[11];
	time_t t0;
	int64_t id;

	mailer_up(&m);
	next_monday(0, mon);
	id = book(1, 0, 1, mon, "10:00", 2);
	ck_assert_int_eq(db_series_video_set(db, id, url, 1, ""), DB_OK);
	ck_assert_int_eq(render(&m, "booking_confirmation", &s, err,
	    sizeof(err)), MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Join the video call: https://meet."
	    "example.org/r/ann?pwd=1\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "<a href=\"https://meet.example.org/"
	    "r/ann?pwd=1\">Join the video call</a>"));
	ck_assert_ptr_nonnull(cal = strstr(s, "BEGIN:VCALENDAR"));
	ck_assert_ptr_null(strstr(cal, "meet.example.org"));
	free(s);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM "
	    "occurrences");
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 48 * H), 1);
	ck_assert_int_eq(render(&m, "reminder", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Join the video call: https://meet."
	    "example.org/r/ann?pwd=1\r\n"));
	free(s);
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_CLIENT,
	    "hospital visit", 1, "", 180, "test"), DB_OK);
	ck_assert_int_eq(render(&m, "session_cancelled", &s, err,
	    sizeof(err)), MAIL_SEND_OK);
	ck_assert_ptr_null(strstr(s, "meet.example.org"));
	free(s);
	mailer_down(&m);
}
END_TEST

START_TEST(test_render_cancel_move)
{
	struct mailer m;
	struct db_occ to;
	char *s, err[256], mon[11], d2[11], clash[256];
	int64_t id;

	mailer_up(&m);
	next_monday(0, mon);
	date_plus(mon, 7, d2);
	id = book(1, 0, 1, mon, "10:00", 3);
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_CLIENT,
	    "hospital visit", 1, "", 180, "test"), DB_OK);
	ck_assert_int_eq(render(&m, "session_cancelled", &s, err,
	    sizeof(err)), MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Subject: Cancelled: your music "
	    "therapy session on Monday "));
	ck_assert_ptr_nonnull(strstr(s, "at 10:00 is cancelled"));
	client_email_sane(s);
	/* (readable() decodes "=CA" of the header's method=CANCEL) */
	ck_assert_ptr_nonnull(strstr(s, "Content-Type: text/calendar; "
	    "charset=UTF-8; method"));
	ck_assert_ptr_nonnull(strstr(s, "METHOD:CANCEL"));
	ck_assert_ptr_nonnull(strstr(s, "RECURRENCE-ID"));
	free(s);

	/* Moved to 11:00 in Green. */
	ck_assert_int_eq(core_booking_occ_at(TZ, d2, "11:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, id, d2, &to, 2, "", 1, "", 180,
	    "test", clash, sizeof(clash)), DB_OK);
	ck_assert_int_eq(render(&m, "session_moved", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Subject: Moved: your music therapy "
	    "session of Monday "));
	ck_assert_ptr_nonnull(strstr(s, "(usually at 10:00)"));
	ck_assert_ptr_nonnull(strstr(s, "11:00 to 11:45"));
	ck_assert_ptr_nonnull(strstr(s, "Where: Centre, Green"));
	ck_assert_ptr_nonnull(strstr(s, "METHOD:REQUEST"));
	ck_assert_ptr_nonnull(strstr(s, "RECURRENCE-ID"));
	free(s);
	/* Moved again: the first notice is stale, the second is not. */
	ck_assert_int_eq(core_booking_occ_at(TZ, d2, "12:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, id, d2, &to, 2, "", 1, "", 180,
	    "test", clash, sizeof(clash)), DB_OK);
	{
		struct db_outbox *v;
		struct buf b = BUF_INIT;
		size_t n, i, ok = 0, stale = 0;

		ck_assert_int_eq(db_outbox_list(db, NULL, 0, 100, &v, &n), 0);
		for (i = 0; i < n; i++) {
			if (strcmp(v[i].kind, "session_moved") != 0)
				continue;
			buf_reset(&b);
			switch (mail_outbox_render(m.ob, &v[i], &b, err,
			    sizeof(err))) {
			case MAIL_SEND_OK:
				ok++;
				break;
			case MAIL_SEND_STALE:
				stale++;
				break;
			default:
				ck_abort_msg("%s", err);
			}
		}
		ck_assert_uint_eq(ok, 1);
		ck_assert_uint_eq(stale, 1);
		db_outbox_list_free(v, n);
		buf_free(&b);
	}
	/* Moved back where it always was before anyone was told: no
	 * notice at all. */
	ck_assert_int_eq(core_booking_occ_at(TZ, d2, "10:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, id, d2, &to, 1, "", 1, "", 180,
	    "test", clash, sizeof(clash)), DB_OK);
	ck_assert_int_eq(render(&m, "session_moved", &s, err, sizeof(err)),
	    MAIL_SEND_STALE);
	ck_assert_ptr_nonnull(strstr(err, "usual time"));
	/* But once a move was told, the move back is told too. */
	testlib_sql_exec(db, "UPDATE outbox SET status = 'sent' WHERE kind = 'session_moved' "
	    "AND id = (SELECT min(id) FROM outbox WHERE kind = "
	    "'session_moved')");
	ck_assert_int_eq(render(&m, "session_moved", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	free(s);
	mailer_down(&m);
}
END_TEST

START_TEST(test_render_agenda_survey)
{
	struct mailer m;
	struct mail_remind r = remind("2h");
	char *s, err[256], mon[11];
	time_t day0;

	mailer_up(&m);
	next_monday(0, mon);
	(void)book(1, 0, 1, mon, "10:00", 1);
	(void)book(0, 1, 2, mon, "11:00", 1);
	r.agenda_min = 7 * 60;
	ck_assert_int_eq(ical_local_to_utc(TZ, mon, "07:00", &day0), 0);
	ck_assert_int_eq(mail_agenda_queue(db, &r, day0), 1);
	ck_assert_int_eq(render(&m, "therapist_agenda", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Subject: Your sessions today, "
	    "Monday "));
	ck_assert_ptr_nonnull(strstr(s, "You have 2 sessions today"));
	ck_assert_ptr_nonnull(strstr(s, "10:00-10:45  A.H. (AAAA-AAAA), "
	    "Centre, Blue"));
	ck_assert_ptr_nonnull(strstr(s, "11:00-11:45  Group session, Centre, "
	    "Green"));
	ck_assert_ptr_nonnull(strstr(s, "https://tutti.example/me"));
	ck_assert_ptr_null(strstr(s, "Ann"));
	ck_assert_ptr_null(strstr(s, "Dementia"));
	ck_assert_ptr_null(strstr(s, "List-Unsubscribe"));
	free(s);

	/* The outcome survey: a link that page_outcome accepts. */
	testlib_sql_exec(db, "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, "
	    "referral_id, message_id, not_before, created_at) VALUES "
	    "('outcome-survey:1', 'outcome_survey', 'ann@x.org', 'Ann', 1, "
	    "'<s1@test>', 'x', 'x')");
	ck_assert_int_eq(render(&m, "outcome_survey", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	{
		const char *u = strstr(s, "https://tutti.example/outcome?t=");
		char tok[DB_OUTCOME_TOKEN_LEN];
		int64_t id = 0;

		ck_assert_ptr_nonnull(u);
		memcpy(tok, u + 32, DB_OUTCOME_TOKEN_LEN - 1);
		tok[DB_OUTCOME_TOKEN_LEN - 1] = '\0';
		ck_assert_int_eq(db_outcome_token_check(db, tok, &id), 0);
		ck_assert_int_eq(id, 1);
	}
	ck_assert_ptr_nonnull(strstr(s, "List-Unsubscribe"));
	free(s);

	/* The family survey (025): to Ann's mother, about Ann by her
	 * first name, with a /survey link page_survey accepts and the
	 * contact's own unsubscribe link; dropped once she unsubscribes. */
	testlib_sql_exec(db, "INSERT INTO contacts (id, referral_id, name, "
	    "email, role, consent, created_at) VALUES (40, 1, 'Mum', "
	    "'mum@x.org', 'parent', 1, 'x');"
	    "INSERT INTO surveys (kind, referral_id, contact_id, to_addr, "
	    "sent_at) VALUES ('family', 1, 40, 'mum@x.org', 'x')");
	ck_assert_int_eq(render(&m, "family_survey", &s, err, sizeof(err)),
	    MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Has music therapy improved your "
	    "relationship with Ann?"));
	ck_assert_ptr_nonnull(strstr(s, "Hello Mum,"));
	ck_assert_ptr_null(strstr(s, "Hassan"));
	{
		const char *u = strstr(s, "https://tutti.example/survey?t=");
		char tok[DB_OUTCOME_TOKEN_LEN];
		int64_t id = 0;

		ck_assert_ptr_nonnull(u);
		memcpy(tok, u + 31, DB_OUTCOME_TOKEN_LEN - 1);
		tok[DB_OUTCOME_TOKEN_LEN - 1] = '\0';
		ck_assert_int_eq(db_survey_token_check(db, tok, &id), 0);
		ck_assert_int_eq(id, testlib_sql_int(db, "SELECT id FROM "
		    "surveys WHERE contact_id = 40"));
	}
	ck_assert_ptr_nonnull(strstr(s, "List-Unsubscribe"));
	free(s);
	testlib_sql_exec(db, "UPDATE contacts SET unsubscribed_at = 'x' "
	    "WHERE id = 40");
	ck_assert_int_eq(render(&m, "family_survey", &s, err, sizeof(err)),
	    MAIL_SEND_STALE);
	mailer_down(&m);
}
END_TEST

/* A stale row is deleted by the run, never sent, and counted. */
START_TEST(test_run_drops_stale)
{
	struct mailer m;
	struct mail_remind r = remind("48h");
	struct mail_outbox_stats st;
	volatile sig_atomic_t stop = 0;
	char mon[11];
	time_t t0;

	mailer_up(&m);
	next_monday(0, mon);
	(void)book(1, 0, 1, mon, "10:00", 2);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 48 * H), 1);
	testlib_sql_exec(db, "UPDATE outbox SET not_before = '2000-01-01T00:00:00Z'");
	testlib_sql_exec(db, "UPDATE occurrences SET state = 'cancelled' WHERE start_utc = "
	    "(SELECT min(start_utc) FROM occurrences)");
	ck_assert_int_eq(mail_outbox_run(m.ob, 100, &stop, &st), 0);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.sent, 1);	/* the booking confirmation */
	/* Issue 14: kept, never sent, with the reason. */
	ck_assert_int_eq(reminders(), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'reminder' AND status = 'dropped' AND last_error LIKE "
	    "'dropped: %'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"), 2);
	mailer_down(&m);
}
END_TEST

/* ---- db_unsub_set ---- */

START_TEST(test_unsub)
{
	char now[21], mon[11];
	struct mail_remind r = remind("2h");
	time_t t0;
	int already = 5;

	next_monday(0, mon);
	(void)book(1, 0, 1, mon, "10:00", 1);
	t0 = (time_t)testlib_sql_int(db, "SELECT min(start_utc) FROM occurrences");
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 1);
	db_now(now);
	ck_assert_int_eq(db_unsub_get(db, 1), 0);
	ck_assert_int_eq(db_unsub_set(db, 1, now, &already), DB_OK);
	ck_assert_int_eq(already, 0);
	ck_assert_int_eq(db_unsub_get(db, 1), 1);
	/* The queued reminder went with it; the booking notice stays. */
	ck_assert_int_eq(reminders(), 0);
	/* Issue 14: kept as dropped, with the reason. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE "
	    "kind = 'reminder' AND status = 'dropped' AND last_error = "
	    "'dropped: the client unsubscribed'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'booking_confirmation'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'unsubscribe' AND referral_id = 1"), 1);
	ck_assert_int_eq(db_unsub_set(db, 1, now, &already), DB_OK);
	ck_assert_int_eq(already, 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM unsubscribes"), 1);
	ck_assert_int_eq(db_unsub_set(db, 999, now, &already), DB_INVALID);
	ck_assert_int_eq(mail_reminders_queue(db, &r, t0 - 2 * H), 0);
}
END_TEST

/* ---- db_occ_reinstate ---- */

/* Undone within the grace period: nothing is sent, all is as before. */
START_TEST(test_reinstate_within_grace)
{
	struct mailer m;
	struct mail_outbox_stats st;
	volatile sig_atomic_t stop = 0;
	char mon[11], why[256];
	int64_t id, told, booked;
	int withdrawn = -1, notified = -1;

	next_monday(0, mon);
	id = book(0, 1, 2, mon, "10:00", 2);
	booked = testlib_sql_int(db, "SELECT count(*) FROM outbox");
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_SERVICE, "",
	    1, "", 180, "test"), DB_OK);
	/* Bob may not be told. */
	told = testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled'");
	ck_assert_int_ge(told, 2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND to_addr IN ('ann@x.org', 'cat@x.org')"),
	    2);
	ck_assert_int_eq(db_occ_reinstate(db, id, mon, 1, "127.0.0.1", 180,
	    "test", &withdrawn, &notified, why, sizeof(why)), DB_OK);
	ck_assert_int_eq(withdrawn, told);
	ck_assert_int_eq(notified, 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND status != 'dropped'"), 0);
	/* Issue 14: the withdrawn notices stay, never sent, with why. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND last_error = 'dropped: the cancellation "
	    "was taken back'"), told);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences WHERE "
	    "state = 'booked'"), 2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM exceptions"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT sequence FROM series"), 2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'reinstate'"), 1);
	/* Not cancelled any more: refused, and why. */
	ck_assert_int_eq(db_occ_reinstate(db, id, mon, 1, "", 180, "test",
	    NULL, NULL, why, sizeof(why)), DB_INVALID);
	ck_assert_str_eq(why, "That session is not cancelled.");
	ck_assert_int_eq(db_occ_reinstate(db, id, "2001-01-01", 1, "", 180,
	    "test", NULL, NULL, why, sizeof(why)), DB_INVALID);
	ck_assert_str_eq(why, "There is no such session.");
	/* The mailer sends the two confirmations and nothing else. */
	mailer_up(&m);
	testlib_sql_exec(db, "UPDATE outbox SET not_before = '2000-01-01T00:00:00Z'");
	ck_assert_int_eq(mail_outbox_run(m.ob, 100, &stop, &st), 0);
	ck_assert_uint_eq(st.sent, (size_t)booked);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind != "
	    "'booking_confirmation' AND status != 'dropped'"), 0);
	/* Cancelled again later: a notice of its own is queued. */
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_SERVICE, "",
	    1, "", 180, "test"), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND status != 'dropped'"), told);
	mailer_down(&m);
}
END_TEST

/* Undone after the notice went: it is retired and "back on" is sent. */
START_TEST(test_reinstate_after_notice)
{
	struct mailer m;
	char mon[11], why[256], *s, err[256];
	int64_t id;
	int withdrawn = -1, notified = -1;

	mailer_up(&m);
	next_monday(0, mon);
	id = book(1, 0, 1, mon, "10:00", 2);
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_THERAPIST, "",
	    1, "", 180, "test"), DB_OK);
	testlib_sql_exec(db, "UPDATE outbox SET status = 'sent' WHERE kind = "
	    "'session_cancelled'");
	ck_assert_int_eq(db_occ_reinstate(db, id, mon, 1, "", 60, "test",
	    &withdrawn, &notified, why, sizeof(why)), DB_OK);
	ck_assert_int_eq(withdrawn, 0);
	ck_assert_int_eq(notified, 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND dedupe_key LIKE '%~%'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_reinstated' AND to_addr = 'ann@x.org' AND "
	    "not_before > created_at"), 1);
	ck_assert_int_eq(render(&m, "session_reinstated", &s, err,
	    sizeof(err)), MAIL_SEND_OK);
	ck_assert_ptr_nonnull(strstr(s, "Subject: Back on: your music therapy "
	    "session on Monday "));
	ck_assert_ptr_nonnull(strstr(s, "METHOD:REQUEST"));
	client_email_sane(s);
	free(s);
	/* Cancelled again: a new notice (the old key is free), and the
	 * "back on" notice still waiting is no longer true. */
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_THERAPIST, "",
	    1, "", 180, "test"), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled' AND status = 'queued'"), 1);
	ck_assert_int_eq(render(&m, "session_reinstated", &s, err,
	    sizeof(err)), MAIL_SEND_STALE);
	mailer_down(&m);
}
END_TEST

/* A session moved, then cancelled, comes back moved. */
START_TEST(test_reinstate_moved)
{
	struct db_occ to;
	char mon[11], clash[256], why[256];
	int64_t id;

	next_monday(0, mon);
	id = book(1, 0, 1, mon, "10:00", 1);
	ck_assert_int_eq(core_booking_occ_at(TZ, mon, "14:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, id, mon, &to, 0, "", 1, "", 0,
	    "test", clash, sizeof(clash)), DB_OK);
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_CLIENT, "", 1,
	    "", 0, "test"), DB_OK);
	ck_assert_int_eq(db_occ_reinstate(db, id, mon, 1, "", 0, "test", NULL,
	    NULL, why, sizeof(why)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences WHERE "
	    "state = 'moved'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT start_utc FROM occurrences"),
	    to.start_utc);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM exceptions WHERE kind "
	    "= 'moved'"), 1);
}
END_TEST

/* The time was given to someone else meanwhile: refused. */
START_TEST(test_reinstate_clash)
{
	char mon[11], why[256];
	int64_t id;

	next_monday(0, mon);
	id = book(1, 0, 1, mon, "10:00", 1);
	ck_assert_int_eq(db_occ_cancel(db, id, mon, CANCEL_BY_CLIENT, "", 1,
	    "", 180, "test"), DB_OK);
	(void)book(3, 0, 1, mon, "10:15", 1);
	ck_assert_int_eq(db_occ_reinstate(db, id, mon, 1, "", 180, "test",
	    NULL, NULL, why, sizeof(why)), DB_CONFLICT);
	ck_assert_ptr_nonnull(strstr(why, "no longer free"));
	/* Nothing changed. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences WHERE "
	    "state = 'cancelled'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'session_cancelled'"), 1);
}
END_TEST

static Suite *
remind_suite(void)
{
	Suite *s = suite_create("remind");
	TCase *tc;

	tc = tcase_create("mail_remind_offsets_parse");
	tcase_add_test(tc, test_offsets_parse);
	tcase_add_test(tc, test_agenda_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("mail_remind_due");
	tcase_add_test(tc, test_due);
	suite_add_tcase(s, tc);

	tc = tcase_create("mail_reminders_queue");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clock_change);
	tcase_add_test(tc, test_queue_each_once);
	tcase_add_test(tc, test_queue_cancelled_moved);
	tcase_add_test(tc, test_queue_skip_rules);
	tcase_add_test(tc, test_queue_uses_index);
	tcase_add_test(tc, test_agenda_queue);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("mail_key_parse");
	tcase_add_test(tc, test_key_parse);
	tcase_add_test(tc, test_when);
	suite_add_tcase(s, tc);

	tc = tcase_create("session_emails");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_render_booking);
	tcase_add_test(tc, test_render_reminder);
	tcase_add_test(tc, test_render_video);
	tcase_add_test(tc, test_render_cancel_move);
	tcase_add_test(tc, test_render_agenda_survey);
	tcase_add_test(tc, test_run_drops_stale);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("db_unsub_set");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unsub);
	suite_add_tcase(s, tc);

	tc = tcase_create("db_occ_reinstate");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reinstate_within_grace);
	tcase_add_test(tc, test_reinstate_after_notice);
	tcase_add_test(tc, test_reinstate_moved);
	tcase_add_test(tc, test_reinstate_clash);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(remind_suite());
	int failed;

	(void)setenv("TZ", TZ, 1);
	tzset();
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

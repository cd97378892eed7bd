/*
 * Fault tests for every multi-statement writer of db/, after SQLite's
 * do_faultsim_test: run the writer with its nth SQLite step failing
 * (db_fault_set), for n = 1, 2, ... until it runs through without the
 * fault firing.  After each failure the writer must say so and leave
 * the database exactly as it was (a digest of every row of every table)
 * with no transaction open; then it must succeed and change something.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/feeds.h"
#include "db/outbox.h"
#include "db/privacy.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/remind.h"
#include "db/schedule.h"
#include "db/staff.h"
#include "db/survey.h"
#include "db/undo.h"
#include "tests/unit/testlib.h"

#define TZ		"Europe/London"
#define STEPS_MAX	2000	/* no writer here takes nearly as many */

static struct db *db;

/*
 * Cora coordinates; Thea (therapist 1, user 2) and Ravi (therapist 2)
 * work Mon-Fri 09-17 at site 1 (rooms 1, 2); site 1 opens 08-18 on
 * weekdays.  Ann (client 1) and Cat (client 3) are Thea's, Bob's
 * referral (2) waits triaged, Dan's (4) is matched with Ravi.  Series 1
 * books Ann on Mondays at 10:00 in January 2031, Cat is in group 1.
 */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'c@x.org', 'Cora', 'coordinator', '2026-01-01T00:00:00Z'),"
    " (2, 't@x.org', 'Thea', 'therapist', '2026-01-01T00:00:00Z');"
    "INSERT INTO sites (id, name, kind) VALUES (1, 'Centre', 'own_centre'),"
    " (2, 'Online', 'online');"
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"
    " (1, 1, 'Blue', 2), (2, 1, 'Green', 8);"
    "INSERT INTO therapists (id, user_id, name) VALUES (1, 2, 'Thea'),"
    " (2, NULL, 'Ravi');"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO site_hours (site_id, day, start_min, end_min)"
    " SELECT 1, n, 480, 1080 FROM d;"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO therapist_availability (therapist_id, "
    " site_id, day, start_min, end_min) SELECT t, s, n, 540, 1020 FROM d, "
    " (SELECT 1 AS t UNION SELECT 2), (SELECT 1 AS s UNION SELECT 2);"
    "INSERT INTO referrals (id, ref, status, given_name, family_name, email,"
    " postcode, date_of_birth, preferred_contact, session_type, "
    " consent_data, consent_contact, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'active', 'Ann', 'A', 'ann@x.org', 'N1 1AA',"
    "  '1980-01-01', 'email', 'either', 1, 1, 'x', 'x'),"
    " (2, 'BBBB-BBBB', 'triaged', 'Bob', 'B', 'bob@x.org', 'N1 1AA',"
    "  '1980-01-01', 'email', 'either', 1, 1, 'x', 'x'),"
    " (3, 'CCCC-CCCC', 'matched', 'Cat', 'C', 'cat@x.org', 'N1 1AA',"
    "  '1980-01-01', 'email', 'either', 1, 1, 'x', 'x'),"
    " (4, 'DDDD-DDDD', 'matched', 'Dan', 'D', 'dan@x.org', 'N1 1AA',"
    "  '1980-01-01', 'email', 'either', 1, 1, 'x', 'x');"
    "INSERT INTO referral_sites (referral_id, site_id) VALUES (1, 1);"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at) VALUES"
    " (1, 1, 1, 'x'), (3, 3, 1, 'x'), (4, 4, 2, 'x');"
    "INSERT INTO groups (id, name, therapist_id, site_id, capacity) VALUES"
    " (1, 'Singers', 1, 1, 6);"
    "INSERT INTO group_members (group_id, client_id, joined_at) VALUES"
    " (1, 3, 'x');";

/* Mondays of January 2031 at 10:00 London (UTC then), 45 minutes. */
static const struct db_occ mondays[] = {
	{ "2031-01-06", 1925460000, 1925460000 + 2700, 0, 600, 645 },
	{ "2031-01-13", 1926064800, 1926064800 + 2700, 0, 600, 645 },
	{ "2031-01-20", 1926669600, 1926669600 + 2700, 0, 600, 645 },
};
#define NMONDAYS	(sizeof(mondays) / sizeof(mondays[0]))

/* The grace period of the bookings below (0: not undoable). */
static int grace;

/* Books Ann's Mondays (or Dan's with Ravi in room 2); the result. */
static enum db_result
book(int64_t therapist, int64_t client, int64_t room, int64_t *id)
{
	struct db_series_new s;
	char uid[64], clash[256];
	static int n;

	memset(&s, 0, sizeof(s));
	s.therapist_id = therapist;
	s.client_id = client;
	s.site_id = 1;
	s.room_id = room;
	s.tz = TZ;
	s.first_date = mondays[0].date;
	s.start_local = "10:00";
	s.length_min = 45;
	s.count = (int)NMONDAYS;
	s.created_by = 1;
	s.grace_s = grace;
	snprintf(uid, sizeof(uid), "fault-%d@test", n++);
	return db_series_book(db, &s, mondays, NMONDAYS, uid, "test", id,
	    clash, sizeof(clash));
}

static void
setup(void)
{
	char err[256];
	int64_t id;

	db = db_open(":memory:", err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	testlib_sql_exec(db, fixture);
	ck_assert_int_eq(book(1, 1, 1, &id), DB_OK);
	ck_assert_int_eq(id, 1);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* Adds n bytes at p into the FNV-1a hash h. */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 0x100000001b3u;
	}
	return h;
}

/*
 * A digest of every row of every table: the sum of one hash a row (of
 * its table's name and each value with its type), so that the order the
 * rows come back in does not matter, and the number of rows.
 */
static uint64_t
digest(void)
{
	sqlite3_stmt *tl, *st;
	char sql[160];
	const char *table;
	uint64_t sum = 0, h;
	int i, n, type, rows = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "SELECT name FROM "
	    "sqlite_schema WHERE type = 'table' ORDER BY name", -1, &tl,
	    NULL), SQLITE_OK);
	while (sqlite3_step(tl) == SQLITE_ROW) {
		table = (const char *)sqlite3_column_text(tl, 0);
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
		ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st,
		    NULL), SQLITE_OK);
		n = sqlite3_column_count(st);
		while (sqlite3_step(st) == SQLITE_ROW) {
			h = fnv(0xcbf29ce484222325u, table, strlen(table));
			for (i = 0; i < n; i++) {
				type = sqlite3_column_type(st, i);
				h = fnv(h, &type, sizeof(type));
				h = fnv(h, sqlite3_column_blob(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
			}
			sum += h;
			rows++;
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(tl);
	return sum + (uint64_t)rows * 0x9e3779b97f4a7c15u;
}

/* A writer under test: 1 when it reports success, 0 when failure. */
typedef int (*writer_fn)(void);

/*
 * Runs fn with a fault at each step in turn, as described at the top;
 * returns the number of steps of the run that succeeded.
 */
static int
faultsim(const char *name, writer_fn fn)
{
	uint64_t before;
	int n, ok, fired;

	for (n = 1; n <= STEPS_MAX; n++) {
		before = digest();
		db_fault_set(db, n);
		ok = fn();
		fired = db_fault_fired(db);
		db_fault_set(db, 0);
		ck_assert_msg(sqlite3_get_autocommit(db->conn), "%s: fault at "
		    "step %d left a transaction open", name, n);
		if (!fired) {
			ck_assert_msg(ok, "%s: fails with no fault", name);
			ck_assert_msg(digest() != before, "%s: changed "
			    "nothing", name);
			fprintf(stderr, "faults: %s: %d steps, %d faults, all "
			    "or nothing\n", name, n - 1, n - 1);
			return n - 1;
		}
		ck_assert_msg(!ok, "%s: reported success with step %d failed",
		    name, n);
		ck_assert_msg(digest() == before, "%s: a fault at step %d "
		    "left part of the write stored", name, n);
	}
	ck_abort_msg("%s: more than %d steps", name, STEPS_MAX);
	return -1;
}

static int
w_assign(void)
{
	struct db_assign a = { 2, ST_TRIAGED, 1, "best fit", 1, "192.0.2.1",
	    "test" };
	int64_t client;
	int emailed;

	return db_client_assign(db, &a, &client, &emailed) == DB_ASSIGN_OK;
}

static int
w_book(void)
{
	int64_t id;

	return book(2, 4, 2, &id) == DB_OK && id > 0;
}

static int
w_cancel(void)
{
	return db_occ_cancel(db, 1, mondays[1].date, CANCEL_BY_CLIENT,
	    "ill", 1, "192.0.2.1", 0, "test") == DB_OK;
}

static int
w_move(void)
{
	struct db_occ to = mondays[1];
	char clash[256];

	to.start_utc += 4 * 3600;
	to.end_utc += 4 * 3600;
	to.start_min += 240;
	to.end_min += 240;
	return db_occ_move(db, 1, mondays[1].date, &to, 2, "room works",
	    1, "192.0.2.1", 0, "test", clash, sizeof(clash)) == DB_OK;
}

static int
w_end(void)
{
	return db_series_end(db, 1, mondays[1].date, "finished", 1,
	    "192.0.2.1") == DB_OK;
}

static int
w_group_add(void)
{
	return db_group_add(db, "Drummers", 1, 1, 8, 1) > 0;
}

static int
w_group_join(void)
{
	return db_group_join(db, 1, 1, 1) == DB_OK;
}

static int
w_erase(void)
{
	struct db_erase_summary sum;

	return db_privacy_erase(db, 1, "request", 1, "192.0.2.1", &sum) ==
	    DB_OK;
}

static int
w_purge(void)
{
	int64_t n = 0;

	/* 2030-03-17: six years after their closing in 2020. */
	return db_privacy_purge(db, 1900000000, 6, 0, NULL, NULL, &n) == 0 &&
	    n == 2;
}

static int
w_referral(void)
{
	static const int64_t sites[] = { 1, 2 };
	struct db_referral r;

	memset(&r, 0, sizeof(r));
	r.given_name = "Eve";
	r.family_name = "E";
	r.email = "eve@x.org";
	r.postcode = "N1 1AA";
	r.date_of_birth = "1990-02-03";
	r.preferred_contact = "email";
	r.session_type = "either";
	r.needs = 1u << NEED_AUTISM;
	r.consent_data = 1;
	r.consent_contact = 1;
	r.sites = sites;
	r.nsites = 2;
	r.source = "staff";
	r.created_by = 1;
	/* The rate limit hits are part of the write (a full disk fails both). */
	r.rate_keys[0] = "refer-addr:192.0.2.9";
	r.rate_keys[1] = "refer-email:eve@x.org";
	r.rate_limit = 1000;
	return db_referral_create(db, &r, NULL, "test") == DB_OK;
}

static int
w_status(void)
{
	/* Leaving the caseload ends Ann's client record and her series. */
	return db_referral_move(db, 1, ST_ACTIVE, ST_CLOSED, 1, "finished",
	    "192.0.2.1") == DB_OK;
}

static int
w_note(void)
{
	return db_note_add(db, 2, 1, "rang back", "192.0.2.1") == 0;
}

static int
w_unsub(void)
{
	int already;

	return db_unsub_set(db, 1, "2026-01-01T00:00:00Z", &already) ==
	    DB_OK;
}

static int
w_site(void)
{
	struct db_site_edit e;
	int64_t id;

	memset(&e, 0, sizeof(e));
	e.name = "Hall";
	e.kind = 6;
	e.address = "1 High St";
	e.postcode = "N1 1AA";
	e.district = "";
	e.organisation = "Parish";
	e.active = 1;
	return db_site_save(db, &e, 1, "192.0.2.1", &id) == DB_OK;
}

static int
w_leave(void)
{
	return db_leave_add(db, 1, "2031-02-02", "2031-02-09", "away", 1,
	    "192.0.2.1") == DB_OK;
}

static int
w_reinstate(void)
{
	char why[256];
	int withdrawn, notified;

	return db_occ_reinstate(db, 1, mondays[1].date, 1, "192.0.2.1", 0,
	    "test", &withdrawn, &notified, why, sizeof(why)) == DB_OK;
}

/* The audit line of the staff actions below: Cora from 192.0.2.1. */
static const struct db_audit_line by_cora = { 1, "192.0.2.1", "test", 0,
    2, "what Cora did" };

static int
w_user_add(void)
{
	return db_user_add_audited(db, "new@x.org", "Nia", "therapist",
	    "$argon2id$x", 0, &by_cora) > 0;
}

static int
w_user_deactivate(void)
{
	/* Her sessions end with the account, in the same write. */
	return db_user_set_active_audited(db, 2, 0, &by_cora) == 0;
}

static int
w_user_password(void)
{
	return db_user_set_password_audited(db, 2, "$argon2id$y",
	    &by_cora) == 0;
}

static int
w_outbox_retry(void)
{
	return db_outbox_retry_audited(db, 77, "2031-01-01T00:00:00Z",
	    &by_cora) == 1;
}

static int
w_outbox_retry_since(void)
{
	return db_outbox_retry_since_audited(db, "2000-01-01T00:00:00Z",
	    "2031-01-01T00:00:00Z", &by_cora) == 1;
}

static int
w_password_change(void)
{
	/* Her own change: session 1 (hers, in use) stays, 2 ends. */
	return db_user_password_change_audited(db, 2, "$argon2id$z", 1,
	    &by_cora) == 0;
}

static int
w_sessions_end(void)
{
	return db_session_end_others_audited(db, 2, 1, &by_cora) == 1;
}

static int
w_outbox_send_now(void)
{
	return db_outbox_send_now_audited(db, 0, "2031-01-01T00:00:00Z",
	    &by_cora) == 1;
}

static int
w_outbox_resume(void)
{
	return db_outbox_pause_clear_audited(db, &by_cora) == 1;
}

static int
w_feed_revoke(void)
{
	int64_t n;

	return db_feed_revoke_user_audited(db, 2, &n, &by_cora) == 0 &&
	    n == 1;
}

#define FAULT_TEST(t, fn)					\
	START_TEST(t)						\
	{							\
		ck_assert_int_gt(faultsim(#fn, fn), 1);		\
	}							\
	END_TEST

FAULT_TEST(fault_assign, w_assign)
FAULT_TEST(fault_book, w_book)
FAULT_TEST(fault_cancel, w_cancel)
FAULT_TEST(fault_move, w_move)
FAULT_TEST(fault_end, w_end)
FAULT_TEST(fault_group_add, w_group_add)
FAULT_TEST(fault_group_join, w_group_join)
FAULT_TEST(fault_erase, w_erase)
FAULT_TEST(fault_referral, w_referral)
FAULT_TEST(fault_status, w_status)
FAULT_TEST(fault_note, w_note)
FAULT_TEST(fault_unsub, w_unsub)
FAULT_TEST(fault_site, w_site)
FAULT_TEST(fault_leave, w_leave)
FAULT_TEST(fault_user_add, w_user_add)
FAULT_TEST(fault_user_password, w_user_password)

/* Deactivating: the sessions are made outside the counted steps. */
START_TEST(fault_user_deactivate)
{
	testlib_sql_exec(db, "INSERT INTO sessions (token_hash, user_id, "
	    "csrf, created_at, last_seen, remote_addr) VALUES (x'00', 2, 'c', "
	    "0, 0, '')");
	ck_assert_int_gt(faultsim("w_user_deactivate", w_user_deactivate), 1);
}
END_TEST

/* Queuing a failed email again, with its audit line. */
START_TEST(fault_outbox_retry)
{
	testlib_sql_exec(db, "INSERT INTO outbox (id, dedupe_key, kind, "
	    "to_addr, to_name, message_id, not_before, created_at, status) "
	    "VALUES (77, 'f:1', 'referral_new', 'a@x.org', 'A', '<f1@x>', "
	    "'2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'failed')");
	ck_assert_int_gt(faultsim("w_outbox_retry", w_outbox_retry), 1);
	testlib_sql_exec(db, "UPDATE outbox SET status = 'failed', "
	    "failed_at = '2030-01-02T00:00:00Z' WHERE id = 77");
	ck_assert_int_gt(faultsim("w_outbox_retry_since",
	    w_outbox_retry_since), 1);
}
END_TEST

/* Sending a waiting email now and resuming sending, audited. */
START_TEST(fault_outbox_send_now)
{
	testlib_sql_exec(db, "INSERT INTO outbox (id, dedupe_key, kind, "
	    "to_addr, to_name, message_id, not_before, created_at, status) "
	    "VALUES (78, 'f:2', 'referral_new', 'a@x.org', 'A', '<f2@x>', "
	    "'2032-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'queued');"
	    "INSERT INTO mail_pause (id, since, reason) VALUES (1, "
	    "'2030-01-01T00:00:00Z', '554 no')");
	ck_assert_int_gt(faultsim("w_outbox_send_now", w_outbox_send_now),
	    1);
	ck_assert_int_gt(faultsim("w_outbox_resume", w_outbox_resume), 1);
}
END_TEST

/* One's own password change and "sign out everywhere else", audited:
 * the sessions are made outside the counted steps. */
START_TEST(fault_own_sessions)
{
	testlib_sql_exec(db, "INSERT INTO sessions (id, token_hash, user_id, "
	    "csrf, created_at, last_seen, remote_addr) VALUES (1, x'01', 2, "
	    "'c', 0, 0, ''), (2, x'02', 2, 'c', 0, 0, '')");
	ck_assert_int_gt(faultsim("w_password_change", w_password_change), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"),
	    1);
	testlib_sql_exec(db, "INSERT INTO sessions (id, token_hash, user_id, "
	    "csrf, created_at, last_seen, remote_addr) VALUES (2, x'02', 2, "
	    "'c', 0, 0, '')");
	ck_assert_int_gt(faultsim("w_sessions_end", w_sessions_end), 1);
}
END_TEST

/* Revoking a therapist's calendar feed, audited. */
START_TEST(fault_feed_revoke)
{
	testlib_sql_exec(db, "INSERT INTO feeds (kind, owner_id, token_hash, "
	    "created_at) VALUES ('therapist', 1, x'01', 'x')");
	ck_assert_int_gt(faultsim("w_feed_revoke", w_feed_revoke), 1);
}
END_TEST

/* Reinstating is cancelling's undo: cancel first, then fault it. */
START_TEST(fault_reinstate)
{
	ck_assert(w_cancel());
	ck_assert_int_gt(faultsim("w_reinstate", w_reinstate), 1);
}
END_TEST

/* Undo (db/undo.h): the change to take back, and a move's old time. */
static int64_t undo_id;
static const struct db_occ *undo_back;

static int
w_undo(void)
{
	char why[256];

	return db_undo_apply(db, undo_id, undo_back, 1, "192.0.2.1",
	    (int64_t)time(NULL), NULL, why, sizeof(why)) == DB_UNDO_OK;
}

/* A booking that may be undone writes its note with it; undoing it is
 * all or nothing too. */
START_TEST(fault_undo_booking)
{
	int64_t id;

	grace = 600;
	ck_assert_int_gt(faultsim("w_book (undoable)", w_book), 1);
	grace = 0;
	undo_id = testlib_sql_int(db, "SELECT max(id) FROM change_undo");
	ck_assert_int_gt(undo_id, 0);
	undo_back = NULL;
	ck_assert_int_gt(faultsim("w_undo (booking)", w_undo), 1);
	ck_assert_int_eq(book(2, 4, 2, &id), DB_OK);
}
END_TEST

/* A move that may be undone, and moving it back. */
START_TEST(fault_undo_move)
{
	struct db_occ to = mondays[1];
	char clash[256];

	to.start_utc += 4 * 3600;
	to.end_utc += 4 * 3600;
	to.start_min += 240;
	to.end_min += 240;
	ck_assert_int_eq(db_occ_move(db, 1, mondays[1].date, &to, 2, "works",
	    1, "192.0.2.1", 600, "test", clash, sizeof(clash)), DB_OK);
	undo_id = testlib_sql_int(db, "SELECT max(id) FROM change_undo");
	ck_assert_int_gt(undo_id, 0);
	undo_back = &mondays[1];
	ck_assert_int_gt(faultsim("w_undo (move)", w_undo), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "exceptions"), 0);
}
END_TEST

static int
w_partner_survey(void)
{
	int sent = 0;

	return db_partner_survey_send(db, 1, "2031-01-01T00:00:00Z", 1,
	    "192.0.2.1", &sent) == DB_OK && sent == 1;
}

/* Asking a partner's staff: the invitation, its email and the audit
 * line (issue 20); the organisation and account outside the steps. */
START_TEST(fault_partner_survey)
{
	testlib_sql_exec(db, "INSERT INTO organisations (id, name) VALUES "
	    "(1, 'Greenway');"
	    "INSERT INTO users (id, email, name, role, organisation_id, "
	    "created_at) VALUES (9, 'p@x.org', 'Pat', 'partner', 1, "
	    "'2026-01-01T00:00:00Z')");
	ck_assert_int_gt(faultsim("w_partner_survey", w_partner_survey), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'partner_survey' AND user_id = 9"), 1);
}
END_TEST

/*
 * The retention rule erases its people together (issue 21): a fault
 * anywhere leaves both of them, and the email they share, as they were.
 */
START_TEST(fault_purge)
{
	testlib_sql_exec(db, "UPDATE referrals SET status = 'closed', "
	    "updated_at = '2020-01-01T00:00:00Z', email = 'fam@x.org' "
	    "WHERE id IN (2, 4)");
	ck_assert_int_gt(faultsim("w_purge", w_purge), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM erasures"),
	    2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM referrals "
	    "WHERE email = 'fam@x.org'"), 0);
}
END_TEST

static int
w_watch_expire(void)
{
	/* 2030-03-17T17:46:40Z: the watch began the day before. */
	return db_privacy_watch_expire(db, 1900000000) == 1;
}

/*
 * An erasure's watch on writes left by a process killed part way, and
 * the row it logged for a write: both are dropped, or neither.
 */
START_TEST(fault_watch_expire)
{
	testlib_sql_exec(db, "INSERT INTO sweep_watch (started_at) VALUES "
	    "('2030-03-16T00:00:00Z'); UPDATE referrals SET phone = phone "
	    "WHERE id = 1");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "sweep_changes"), 1);
	ck_assert_int_gt(faultsim("w_watch_expire", w_watch_expire), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "sweep_watch") + testlib_sql_int(db, "SELECT count(*) FROM "
	    "sweep_changes"), 0);
}
END_TEST

/* The hook is inert when unset and fires once when set. */
START_TEST(fault_hook)
{
	uint64_t before = digest();

	db_fault_set(db, 1);
	ck_assert_int_ne(db_ping(db), 0);
	ck_assert(db_fault_fired(db));
	ck_assert_int_eq(db_ping(db), 0);
	db_fault_set(db, 0);
	ck_assert(!db_fault_fired(db));
	ck_assert_int_eq(db_ping(db), 0);
	ck_assert(digest() == before);
}
END_TEST

static Suite *
faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("all or nothing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fault_hook);
	tcase_add_test(tc, fault_undo_booking);
	tcase_add_test(tc, fault_undo_move);
	tcase_add_test(tc, fault_assign);
	tcase_add_test(tc, fault_book);
	tcase_add_test(tc, fault_cancel);
	tcase_add_test(tc, fault_move);
	tcase_add_test(tc, fault_end);
	tcase_add_test(tc, fault_group_add);
	tcase_add_test(tc, fault_group_join);
	tcase_add_test(tc, fault_erase);
	tcase_add_test(tc, fault_purge);
	tcase_add_test(tc, fault_watch_expire);
	tcase_add_test(tc, fault_referral);
	tcase_add_test(tc, fault_status);
	tcase_add_test(tc, fault_note);
	tcase_add_test(tc, fault_unsub);
	tcase_add_test(tc, fault_reinstate);
	tcase_add_test(tc, fault_site);
	tcase_add_test(tc, fault_leave);
	tcase_add_test(tc, fault_user_add);
	tcase_add_test(tc, fault_user_deactivate);
	tcase_add_test(tc, fault_user_password);
	tcase_add_test(tc, fault_outbox_retry);
	tcase_add_test(tc, fault_outbox_send_now);
	tcase_add_test(tc, fault_feed_revoke);
	tcase_add_test(tc, fault_own_sessions);
	tcase_add_test(tc, fault_partner_survey);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(faults_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

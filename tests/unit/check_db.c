/*
 * Unit tests for db/db.c's migrations: each is applied once, by name,
 * whatever order branches added them in, and a database made when only
 * a count was kept (PRAGMA user_version) is read correctly.  Each test
 * runs the real migrations on a fresh database file.  And the schema
 * checks the domain's limits of sched/sched.h: each bound is stored, one
 * beyond is refused, on insert and on update.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "db/bulk.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/migrate.h"
#include "db/outbox.h"
#include "db/referrals.h"
#include "sched/sched.h"
#include "tests/unit/testlib.h"

static char path[64];

static void
setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_db.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
}

static void
teardown(void)
{
	char side[80];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static struct db *
open_ok(void)
{
	char err[256] = "";
	struct db *db = db_open(path, err, sizeof(err));

	ck_assert_msg(db != NULL, "db_open: %s", err);
	return db;
}

/* A new database has every migration noted by name, once. */
START_TEST(test_migrate_fresh)
{
	struct db *db = open_ok();

	ck_assert_int_eq(db_schema_version(db), (int)db_migrations_count);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "schema_migrations"), (int)db_migrations_count);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(DISTINCT name) "
	    "FROM schema_migrations"), (int)db_migrations_count);
	db_close(db);
	db = open_ok();		/* opening again applies nothing */
	ck_assert_int_eq(db_schema_version(db), (int)db_migrations_count);
	db_close(db);
}
END_TEST

/* A database that kept only the count is taken to have that many. */
START_TEST(test_migrate_legacy_count)
{
	struct db *db = open_ok();

	testlib_sql_exec(db, "DROP TABLE schema_migrations");
	db_close(db);
	db = open_ok();
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "schema_migrations"), (int)db_migrations_count);
	ck_assert_int_eq(db_schema_version(db), (int)db_migrations_count);
	db_close(db);
}
END_TEST

/*
 * A migration missing by name is applied even when the count says the
 * database is up to date (here 001 again, which fails on its existing
 * tables: proof that it was tried, and that nothing half-changed).
 */
START_TEST(test_migrate_by_name)
{
	struct db *db = open_ok();
	char err[256] = "";

	testlib_sql_exec(db, "DELETE FROM schema_migrations WHERE name = "
	    "(SELECT min(name) FROM schema_migrations)");
	db_close(db);
	ck_assert_ptr_null(db_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, db_migrations[0].name) != NULL, "%s", err);
}
END_TEST

/* The SQLite code of sql on db (not through the statement cache). */
static int
sql_try(struct db *db, const char *sql)
{
	return sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
}

/*
 * Stores the value v written between sql's two parts (as a number) and
 * expects ok (1: stored, 0: refused by the schema).  Unique keys come
 * from randomblob().
 */
static void
limit_try(struct db *db, const char *const sql[2], int v, int ok)
{
	char text[512];
	int rc;

	(void)snprintf(text, sizeof(text), "%s%d%s", sql[0], v, sql[1]);
	rc = sql_try(db, text);
	if (ok)
		ck_assert_msg(rc == SQLITE_OK, "refused: %s: %s", text,
		    sqlite3_errmsg(db->conn));
	else
		ck_assert_msg((rc & 0xff) == SQLITE_CONSTRAINT, "not refused (%d %s): %s", rc,
		    sqlite3_errmsg(db->conn), text);
}

/* The bounds lo and hi are stored through sql, lo - 1 and hi + 1 not. */
static void
limit_bounds(struct db *db, const char *before, const char *after, int lo,
    int hi)
{
	const char *const sql[2] = { before, after };

	limit_try(db, sql, lo, 1);
	limit_try(db, sql, hi, 1);
	limit_try(db, sql, lo - 1, 0);
	limit_try(db, sql, hi + 1, 0);
}

/* sched.h's limits and the schema's (024-limits.sql) are the same. */
START_TEST(test_limits_schema)
{
	struct db *db = open_ok();

	testlib_sql_exec(db, "INSERT INTO sites (id, name, kind) VALUES "
	    "(1, 'Centre', 'own_centre');"
	    "INSERT INTO therapists (id, name) VALUES (1, 'Thea');"
	    "INSERT INTO groups (id, name, therapist_id, site_id) VALUES "
	    " (1, 'Choir', 1, 1);"
	    "INSERT INTO series (id, uid, therapist_id, group_id, site_id, "
	    " first_date, start_local, created_at, updated_at) VALUES (1, "
	    " 'one', 1, 1, 1, '2026-01-05', '10:00', 'x', 'x');"
	    "INSERT INTO places (id, therapist_id, site_id, weekday, "
	    " start_local, length_min, first_date, created_at) VALUES "
	    " (1, 1, 1, 0, '10:00', 45, '2026-01-05', 'x');"
	    "INSERT INTO exceptions (id, series_id, occ_date, kind, "
	    " new_start_utc, new_length_min, created_at) VALUES (1, 1, "
	    " '2026-01-05', 'moved', 1, 45, 'x');");
	/* Minutes a session lasts. */
	limit_bounds(db, "INSERT INTO series (uid, therapist_id, group_id, "
	    "site_id, first_date, start_local, created_at, updated_at, "
	    "length_min) VALUES (hex(randomblob(8)), 1, 1, 1, '2026-01-05', "
	    "'10:00', 'x', 'x', ", ")", SCHED_SESSION_SHORTEST,
	    SCHED_SESSION_LONGEST);
	limit_bounds(db, "UPDATE series SET length_min = ", " WHERE id = 1",
	    SCHED_SESSION_SHORTEST, SCHED_SESSION_LONGEST);
	limit_bounds(db, "INSERT INTO exceptions (series_id, occ_date, kind, "
	    "new_start_utc, created_at, new_length_min) VALUES (1, "
	    "hex(randomblob(8)), 'moved', 1, 'x', ", ")",
	    SCHED_SESSION_SHORTEST, SCHED_SESSION_LONGEST);
	limit_bounds(db, "UPDATE exceptions SET new_length_min = ",
	    " WHERE id = 1", SCHED_SESSION_SHORTEST, SCHED_SESSION_LONGEST);
	limit_bounds(db, "INSERT INTO places (therapist_id, site_id, weekday, "
	    "start_local, first_date, created_at, length_min) VALUES (1, 1, 0, "
	    "'10:00', '2026-01-05', 'x', ", ")", SCHED_SESSION_SHORTEST,
	    SCHED_SESSION_LONGEST);
	limit_bounds(db, "UPDATE places SET length_min = ", " WHERE id = 1",
	    SCHED_SESSION_SHORTEST, SCHED_SESSION_LONGEST);
	/* Sessions one booking makes (at least 1, as 004 checks). */
	limit_bounds(db, "INSERT INTO series (uid, therapist_id, group_id, "
	    "site_id, first_date, start_local, created_at, updated_at, count) "
	    "VALUES (hex(randomblob(8)), 1, 1, 1, '2026-01-05', '10:00', 'x', "
	    "'x', ", ")", 1, SCHED_SERIES_COUNT_MAX);
	limit_bounds(db, "UPDATE series SET count = ", " WHERE id = 1", 1,
	    SCHED_SERIES_COUNT_MAX);
	/* Places in a group. */
	limit_bounds(db, "INSERT INTO groups (name, therapist_id, site_id, "
	    "capacity) VALUES ('g', 1, 1, ", ")", SCHED_GROUP_SIZE_MIN,
	    SCHED_GROUP_SIZE_MAX);
	limit_bounds(db, "UPDATE groups SET capacity = ", " WHERE id = 1",
	    SCHED_GROUP_SIZE_MIN, SCHED_GROUP_SIZE_MAX);
	/* A session with no new length (a cancellation) is fine. */
	ck_assert_int_eq(sql_try(db, "INSERT INTO exceptions (series_id, "
	    "occ_date, kind, created_at) VALUES (1, '2026-03-02', "
	    "'cancelled', 'x')"), SQLITE_OK);
	db_close(db);
}
END_TEST

/*
 * The bulk loader's fresh file: no WAL while it is filled, the late
 * indexes dropped and made again exactly as the schema has them, the
 * planner's statistics gone and WAL back at the end; a database that
 * holds referrals is refused.
 */
START_TEST(test_bulk_fresh)
{
	static const char idx[] = "SELECT group_concat(name || ':' || "
	    "sql, ';') FROM (SELECT name, sql FROM sqlite_master WHERE "
	    "type = 'index' AND sql IS NOT NULL ORDER BY name)";
	struct db *db = open_ok();
	char *before, *after, *mode;

	before = testlib_sql_text(db, idx);
	ck_assert_int_eq(db_bulk_fresh(db), 0);
	mode = testlib_sql_text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(mode, "memory");
	free(mode);
	ck_assert_int_eq(db_bulk_begin(db), 0);
	ck_assert_int_eq(db_bulk_indexes_drop(db), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "sqlite_master WHERE name IN ('occurrences_week', "
	    "'outbox_referral', 'referrals_open')"), 0);
	ck_assert_int_eq(db_bulk_commit(db), 0);
	ck_assert_int_eq(db_bulk_analyze(db), 0);
	ck_assert_int_eq(db_bulk_indexes_make(db), 0);
	after = testlib_sql_text(db, idx);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(db_bulk_fresh_end(db), 0);
	mode = testlib_sql_text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(mode, "wal");
	free(mode);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "sqlite_master WHERE name LIKE 'sqlite_stat%'"), 0);
	testlib_sql_exec(db, "INSERT INTO referrals (ref, given_name,"
	    " family_name, postcode, date_of_birth, preferred_contact,"
	    " session_type, consent_data, created_at, updated_at) VALUES"
	    " ('AAAA-AAAA', 'A', 'B', 'NW5 2QT', '1990-01-01', 'email',"
	    " 'either', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
	ck_assert_int_eq(db_bulk_fresh(db), -1);
	free(before);
	free(after);
	db_close(db);
}
END_TEST

/*
 * The queries that pages, the mailer and purge run most on the tables
 * each referral writes (issue 21): each finds its rows by the index
 * named, and none reads the whole of outbox, referrals or
 * referral_events, so dropping an index they need fails here.  The
 * texts are those of db/ cut to the part that finds the rows.
 */
static const struct key_plan {
	const char	*sql;
	const char	*index;
} key_plans[] = {
	/* outbox_claim: the mailer's next email due. */
	{ "SELECT id FROM outbox WHERE status = 'queued' AND not_before <= ?1"
	  " ORDER BY not_before, id LIMIT 1", "outbox_due" },
	/* outbox_claim: a lease that ran out (outbox_due: queued only). */
	{ "SELECT id FROM outbox WHERE status = 'sending' AND lease_until <="
	  " ?1 ORDER BY lease_until, id LIMIT 1", "outbox_status_id" },
	/* Sending the held emails now: the queued ones. */
	{ "SELECT id FROM outbox WHERE (?1 = 0 OR id = ?1) AND status ="
	  " 'queued' AND not_before > ?2", "outbox_" },
	/* db_outbox_list: the outbox page, one status. */
	{ "SELECT id FROM outbox WHERE status = ?3 AND (?1 <= 0 OR id < ?1)"
	  " ORDER BY id DESC LIMIT ?2", "outbox_status_id" },
	/* db_outbox_retry_since: emails failed since a time. */
	{ "SELECT id FROM outbox WHERE status = 'failed' AND failed_at >= ?1"
	  " AND to_addr != ''", "outbox_status_id" },
	/* The client record's emails. */
	{ "SELECT id, kind, to_addr, status, created_at, coalesce(sent_at, "
	  "'') FROM outbox WHERE referral_id = ? ORDER BY id DESC LIMIT 200",
	  "outbox_referral" },
	/* Purge: the messages of an erased referral. */
	{ "SELECT message_id FROM outbox WHERE referral_id = ? AND user_id IS"
	  " NULL ORDER BY id", "outbox_referral" },
	/* Reports and partners: outcome surveys sent in a period. */
	{ "SELECT count(*) FROM outbox WHERE kind = 'outcome_survey' AND "
	  "created_at >= ?1 AND created_at < ?2", "outbox_surveys" },
	/* db_referral_events: a referral's history. */
	{ "SELECT e.at, coalesce(u.name, ''), coalesce(e.from_status, ''), "
	  "e.to_status, e.reason FROM referral_events e LEFT JOIN users u ON "
	  "u.id = e.user_id WHERE e.referral_id = ? ORDER BY e.at, e.id",
	  "referral_events_at" },
	/* Subject access export: the history lines. */
	{ "SELECT e.*, u.name AS user_name FROM referral_events e LEFT JOIN "
	  "users u ON u.id = e.user_id WHERE e.referral_id = ?1 ORDER BY e.id",
	  "referral_events_at" },
	/* Reports: waiting-list moves in a period. */
	{ "SELECT count(*) FROM referral_events e WHERE e.at >= ?1 AND e.at "
	  "< ?2", "referral_events_time" },
	/* Reports: referrals made in a period. */
	{ "SELECT needs FROM referrals WHERE created_at >= ?1 AND created_at "
	  "< ?2", "referrals_created" },
	/* The queue, one status (db_referral_queue). */
	{ "SELECT id FROM referrals r WHERE status = ?1 ORDER BY created_at"
	  " LIMIT 50", "referrals_status_created" },
	/* Purge: closed referrals. */
	{ "SELECT r.id FROM referrals r WHERE r.status IN ('closed', "
	  "'declined', 'withdrawn')", "referrals_status_created" },
	/* The form's nonce: one referral a form. */
	{ "SELECT id FROM referrals WHERE form_nonce = ?",
	  "sqlite_autoindex_referrals" },
};

/* A plan line that reads a whole table: "SCAN t" with no index. */
static int
plan_full_scan(const char *line)
{
	static const char *const names[] = { "outbox", "referrals",
	    "referral_events", "o", "r", "e" };
	size_t i;

	if (strncmp(line, "SCAN ", 5) != 0)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(line + 5, names[i]) == 0)
			return 1;
	return 0;
}

START_TEST(test_key_plans)
{
	struct db *db = open_ok();
	sqlite3_stmt *st;
	char sql[1024];
	size_t i;
	int found;

	for (i = 0; i < sizeof(key_plans) / sizeof(key_plans[0]); i++) {
		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s",
		    key_plans[i].sql);
		ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st,
		    NULL), SQLITE_OK);
		found = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *line = (const char *)
			    sqlite3_column_text(st, 3);

			ck_assert_msg(!plan_full_scan(line), "%s: %s",
			    key_plans[i].sql, line);
			if (strstr(line, key_plans[i].index) != NULL)
				found = 1;
		}
		sqlite3_finalize(st);
		ck_assert_msg(found, "%s: not by %s", key_plans[i].sql,
		    key_plans[i].index);
	}
	db_close(db);
}
END_TEST

/* Pages db has written to the WAL so far (commits). */
static int
wal_pages(struct db *db)
{
	int cur = 0, hi = 0;

	ck_assert_int_eq(sqlite3_db_status(db->conn,
	    SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 0), SQLITE_OK);
	return cur;
}

/* A self-referral with an email address, to sites 1 and 2. */
static enum db_result
refer_one(struct db *db)
{
	static int64_t sites[2] = { 1, 2 };
	struct db_referral r;

	memset(&r, 0, sizeof(r));
	r.given_name = "Sam";
	r.family_name = "Jones";
	r.email = "sam@example.org";
	r.phone = "07700900123";
	r.postcode = "NW5 2QT";
	r.date_of_birth = "1990-01-02";
	r.preferred_contact = "email";
	r.needs = 3;
	r.about = "Some words about what they would like from music therapy.";
	r.availability = 7;
	r.session_type = "either";
	r.language = "English";
	r.consent_data = 1;
	r.consent_contact = 1;
	r.sites = sites;
	r.nsites = 2;
	r.rate_keys[0] = "refer-addr:127.0.0.1";
	r.rate_limit = 1000000;
	return db_referral_create(db, &r, NULL, "tutti.test");
}

/*
 * Pages a POST /refer and the mailer write to the WAL (issue 21), on a
 * service that has sent 6,000 emails: every index on the tables they
 * write is a page or more, and the most of a request's and the
 * checkpointer's work.  A referral (its history line, the
 * acknowledgement and two coordinators' notices) 22.4, the mailer's
 * claim and send of an email 6.8, since migration 037 keeps only queued
 * emails in outbox_due (22.9 and 9.2 before).  An index added to these
 * tables fails it: check that something reads it.
 */
START_TEST(test_refer_wal_pages)
{
	struct db *db = open_ok();
	struct db_outbox o;
	int i, n;

	db_autocheckpoint(db, 0);
	testlib_sql_exec(db, "INSERT INTO sites (name, kind, address, "
	    "postcode) VALUES ('A', 'own_centre', '', 'N1 1AA'), "
	    "('B', 'own_centre', '', 'N1 1AB')");
	testlib_sql_exec(db, "INSERT INTO users (email, name, role, "
	    "created_at) VALUES ('c1@x.org', 'Cora', 'coordinator', ''), "
	    "('c2@x.org', 'Cal', 'coordinator', '')");
	for (i = 0; i < 2000; i++)
		ck_assert_int_eq(refer_one(db), DB_OK);
	testlib_sql_exec(db, "UPDATE outbox SET status = 'sent', "
	    "sent_at = created_at");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"),
	    6000);

	/* Twenty of each: a page split falls to one or another. */
	n = wal_pages(db);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(refer_one(db), DB_OK);
	n = wal_pages(db) - n;
	ck_assert_msg(n <= 20 * 24, "a referral wrote %.1f pages", n / 20.0);
	n = wal_pages(db);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(db_outbox_claim(db, "2099-01-01T00:00:00Z",
		    "2099-01-01T00:05:00Z", &o), 1);
		ck_assert_int_eq(db_outbox_sent(db, o.id,
		    "2099-01-01T00:00:01Z"), 0);
		db_outbox_free(&o);
	}
	n = wal_pages(db) - n;
	ck_assert_msg(n <= 20 * 15 / 2, "the mailer wrote %.1f pages an email",
	    n / 20.0);
	db_close(db);
}
END_TEST

/* Reads mapped or not, as a request asks: PRAGMA mmap_size follows. */
START_TEST(test_map_reads)
{
	struct db *db = open_ok();

	ck_assert_int_gt(testlib_sql_int(db, "PRAGMA mmap_size"), 0);
	db_map_reads(db, 0);
	ck_assert_int_eq(testlib_sql_int(db, "PRAGMA mmap_size"), 0);
	db_map_reads(db, 0);
	ck_assert_int_eq(testlib_sql_int(db, "PRAGMA mmap_size"), 0);
	db_map_reads(db, 1);
	ck_assert_int_gt(testlib_sql_int(db, "PRAGMA mmap_size"), 0);
	db_close(db);
}
END_TEST

/*
 * The kit's one-row step: DB_OK and the write goes on when one row
 * changed; DB_CONFLICT, rolled back, when none did; a failed step is
 * rolled back with its cause.  db_run_count counts, or -1.
 */
START_TEST(test_kit_run_one)
{
	static const char sql_add[] = "INSERT INTO settings (key, value) "
	    "VALUES ('kit_a', '1'), ('kit_b', '1')";
	static const char sql_set[] = "UPDATE settings SET value = '2' "
	    "WHERE key = ?";
	struct db *db = open_ok();
	sqlite3_stmt *st;

	ck_assert_int_eq(db_tx_begin(db), DB_OK);
	ck_assert_int_eq(db_run_count(db, db_stmt(db, sql_add), NULL), 2);
	st = db_stmt(db, sql_set);
	db_bind_text(st, 1, "kit_a");
	ck_assert_int_eq(db_tx_run_one(db, st, "kit"), DB_OK);
	ck_assert_int_eq(db_tx_commit(db, "kit"), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM settings "
	    "WHERE key LIKE 'kit_%' AND value = '2'"), 1);

	/* No row: a conflict, and what the write did before is undone. */
	ck_assert_int_eq(db_tx_begin(db), DB_OK);
	st = db_stmt(db, sql_set);
	db_bind_text(st, 1, "kit_b");
	ck_assert_int_eq(db_tx_run_one(db, st, "kit"), DB_OK);
	st = db_stmt(db, sql_set);
	db_bind_text(st, 1, "kit_none");
	ck_assert_int_eq(db_tx_run_one(db, st, "kit"), DB_CONFLICT);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT value FROM settings "
	    "WHERE key = 'kit_b'"), 1);

	/* A failed step: its cause, rolled back; NULL as DB_ERROR. */
	ck_assert_int_eq(db_tx_begin(db), DB_OK);
	st = db_stmt(db, sql_set);
	db_bind_text(st, 1, "kit_b");
	db_fault_set(db, 1);
	ck_assert_int_eq(db_tx_run_one(db, st, "kit"), DB_ERROR);
	db_fault_set(db, 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT value FROM settings "
	    "WHERE key = 'kit_b'"), 1);
	ck_assert_int_eq(db_tx_begin(db), DB_OK);
	ck_assert_int_eq(db_tx_run_one(db, NULL, "kit"), DB_ERROR);
	ck_assert_int_eq(db_run_count(db, NULL, NULL), -1);
	db_close(db);
}
END_TEST

static Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("migrate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_migrate_fresh);
	tcase_add_test(tc, test_migrate_legacy_count);
	tcase_add_test(tc, test_migrate_by_name);
	tcase_add_test(tc, test_limits_schema);
	tcase_add_test(tc, test_bulk_fresh);
	tcase_add_test(tc, test_map_reads);
	tcase_add_test(tc, test_kit_run_one);
	tcase_add_test(tc, test_key_plans);
	tcase_add_test(tc, test_refer_wal_pages);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(db_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

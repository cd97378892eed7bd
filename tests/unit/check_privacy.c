/*
 * Unit tests for db/privacy.c: the export is valid JSON holding the
 * person's rows whatever bytes they typed; an erasure empties what
 * identifies them, keeps every report figure, leaves a family member's
 * shared email alone, catches copies in tables it does not know, and
 * after compaction no byte of the name is in the file; the retention
 * rule finds exactly the old closed referrals.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/privacy.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "util/buf.h"
#include "tests/unit/testlib.h"

static char path[64];
static struct db *db;

#define NAME	"Wilhelmina Zedekiah"
#define EMAIL	"wz@example.org"
#define PHONE	"07700900001"

/*
 * Referral 1 is the person (a note, a client row, two attended
 * sessions with notes naming them, emails to them and a staff notice);
 * referral 2 is a relative sharing their email; referral 3 was closed
 * in 2010.  extra_notes stands for a table added later by someone who
 * did not know to handle erasure.
 */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'cora@x.org', 'Cora', 'coordinator', 'x'),"
    " (2, 'tq@x.org', 'Tobias Quill', 'therapist', 'x');"
    "INSERT INTO sites (id, name, kind) VALUES (1, 'Centre', 'own_centre');"
    "INSERT INTO therapists (id, name) VALUES (1, 'Thea');"
    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
    " email, phone, postcode, date_of_birth, preferred_contact, "
    " session_type, consent_data, consent_contact, needs, about, "
    " emergency_name, emergency_phone, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'active', 'Wilhelmina', 'Zedekiah', '" EMAIL "', '"
    PHONE "', 'NW1 8NH', '1970-02-03', 'email', 'either', 1, 1, 16, "
    "  'Quote \" backslash \\ tab \t ctl ' || char(1) || ' bad ' || "
    "  CAST(x'ff' AS TEXT) || ' café', 'Otto Zedekiah', '07700900002', "
    "  '2025-01-10T10:00:00Z', 'x'),"
    " (2, 'BBBB-BBBB', 'new', 'Bruno', 'Zedekiah', '" EMAIL "', "
    "  '07700900003', 'NW1 8NH', '1968-01-01', 'email', 'either', 1, 1, 1,"
    "  '', '', '', '2025-01-11T10:00:00Z', 'x'),"
    " (3, 'CCCC-CCCC', 'closed', 'Old', 'Closedcase', 'old@x.org', "
    "  '07700900004', 'N1 1AA', '1950-01-01', 'phone', 'either', 1, 0, 1,"
    "  '', '', '', '2009-01-01T10:00:00Z', '2010-06-01T10:00:00Z');"
    "INSERT INTO referral_events (referral_id, at, to_status, reason) VALUES"
    " (1, '2025-01-10T10:00:00Z', 'new', 'received'),"
    " (1, '2025-01-20T10:00:00Z', 'matched', 'Spoke to Wilhelmina'),"
    " (3, '2009-01-01T10:00:00Z', 'new', ''),"
    " (3, '2010-06-01T10:00:00Z', 'closed', 'finished');"
    "INSERT INTO referral_notes (referral_id, at, user_id, body) VALUES"
    " (1, 'x', 1, 'Wilhelmina prefers mornings');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at) VALUES"
    " (1, 1, 1, '2025-01-20T10:00:00Z');"
    "INSERT INTO series (id, uid, therapist_id, client_id, site_id, "
    " first_date, start_local, created_at, updated_at) VALUES "
    " (1, 'u1', 1, 1, 1, '2025-02-03', '10:00', 'x', 'x');"
    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc, "
    " therapist_id, site_id) VALUES "
    " (1, '2025-02-03', 1738576800, 1738579500, 1, 1),"
    " (1, '2025-02-10', 1739181600, 1739184300, 1, 1);"
    "INSERT INTO attendance (series_id, occ_date, client_id, status, note, "
    " recorded_at) VALUES (1, '2025-02-03', 1, 'attended', "
    " '" NAME " sang', 'x'), (1, '2025-02-10', 1, 'attended', '', 'x');"
    "INSERT INTO exceptions (series_id, occ_date, kind, reason, created_at)"
    " VALUES (1, '2025-02-17', 'cancelled', 'Wilhelmina is away', 'x');"
    "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id, "
    " user_id, message_id, status, not_before, created_at, last_error) "
    " VALUES ('a:1', 'referral_ack', '" EMAIL "', 'Wilhelmina', 1, NULL, "
    "  '<m1@tutti.localhost>', 'sent', 'x', 'x', NULL),"
    " ('b:1', 'booking_confirmation', '" EMAIL "', 'Wilhelmina', 1, NULL,"
    "  '<m2@tutti.localhost>', 'queued', 'x', 'x', '450 " EMAIL " busy'),"
    " ('n:1', 'referral_new', 'cora@x.org', 'Cora', 1, 1, "
    "  '<m3@tutti.localhost>', 'sent', 'x', 'x', NULL),"
    " ('a:2', 'referral_ack', '" EMAIL "', 'Bruno', 2, NULL, "
    "  '<m4@tutti.localhost>', 'sent', 'x', 'x', NULL);"
    "INSERT INTO audit (at, user_id, action, referral_id, detail) VALUES"
    " ('x', 1, 'view', 1, 'opened the referral'),"
    " ('x', 1, 'book', NULL, 'booked series 1 (2 sessions)'),"
    " ('x', 1, 'book', NULL, 'booked series 12 (2 sessions)');"
    "INSERT INTO audit (at, user_id, remote_addr, action, referral_id, "
    " subject_user_id, detail) VALUES ('2025-03-01T09:30:00Z', 2, "
    " '198.51.100.7', 'client-view', 1, 2, 'Tobias Quill tq@x.org');"
    "INSERT INTO outcomes (referral_id, positive, quality_of_life, social,"
    " answered_at) VALUES (1, 'agree', 'agree', 'agree', "
    " '2025-02-20T10:00:00Z');"
    "CREATE TABLE extra_notes (id INTEGER PRIMARY KEY, body TEXT);"
    "INSERT INTO extra_notes (body) VALUES ('" NAME " called from "
    PHONE "'), ('nothing here');";

/* A new database file at p (64 bytes, filled in) with the fixture. */
static struct db *
fixture_open(char *p)
{
	struct db *d;
	char err[256];
	char *msg = NULL;
	int fd;

	snprintf(p, 64, "/tmp/check_privacy.XXXXXX");
	fd = mkstemp(p);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(p);
	d = db_open(p, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_msg(sqlite3_exec(d->conn, fixture, NULL, NULL, &msg) ==
	    SQLITE_OK, "fixture: %s", msg);
	return d;
}

/* Closes d and removes its files. */
static void
fixture_close(struct db *d, const char *p)
{
	char f[80];

	db_close(d);
	unlink(p);
	snprintf(f, sizeof(f), "%s-wal", p);
	unlink(f);
	snprintf(f, sizeof(f), "%s-shm", p);
	unlink(f);
}

static void
setup(void)
{
	setenv("TZ", "Europe/London", 1);
	tzset();
	db = fixture_open(path);
}

static void
teardown(void)
{
	fixture_close(db, path);
}

static void
text_is(const char *sql, const char *want)
{
	char *v = testlib_sql_text(db, sql);

	ck_assert_msg(strcmp(v, want) == 0, "%s: got \"%s\", want \"%s\"",
	    sql, v, want);
	free(v);
}

/* 1 when the file at p holds s anywhere. */
static int
file_has(const char *p, const char *s)
{
	FILE *f = fopen(p, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	int found;

	if (f == NULL)
		return 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	found = b.len > 0 && memmem(b.data, b.len, s, strlen(s)) != NULL;
	buf_free(&b);
	return found;
}

START_TEST(test_export)
{
	struct buf out = BUF_INIT;
	char tmp[64], cmd[400];
	FILE *f;
	int fd;

	ck_assert_int_eq(db_privacy_export(db, 99, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(db_privacy_export(db, 1, &out), 1);
	/* Escaped: the quote, backslash, tab, a control, a bad byte. */
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"about\": \"Quote \\\" "
	    "backslash \\\\ tab \\t ctl \\u0001 bad \\ufffd café\""));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"client_id\": 1,"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), NAME " sang"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "Wilhelmina prefers"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "Wilhelmina is away"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"what\": \"booked "
	    "sessions\""));
	/* Who saw the record, by role and when; never the member of
	 * staff's name, email or address (issue 13). */
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"at\": "
	    "\"2025-03-01T09:30:00Z\", \"by_role\": \"therapist\", "
	    "\"action\": \"client-view\", \"what\": \"opened the client "
	    "record\""));
	ck_assert_ptr_null(strstr(buf_cstr(&out), "Tobias"));
	ck_assert_ptr_null(strstr(buf_cstr(&out), "Quill"));
	ck_assert_ptr_null(strstr(buf_cstr(&out), "tq@x.org"));
	ck_assert_ptr_null(strstr(buf_cstr(&out), "198.51.100.7"));
	/* A notice to staff about them says the role, not the address. */
	ck_assert_ptr_null(strstr(buf_cstr(&out), "cora@x.org"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"to_whom\": "
	    "\"coordinator\""));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"to_whom\": \"you\""));
	/* Not another series that merely starts with the same digit. */
	ck_assert_ptr_null(strstr(buf_cstr(&out), "booked series 12"));
	/* Not the relative's email row. */
	ck_assert_ptr_null(strstr(buf_cstr(&out), "Bruno"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"erasure\": null"));
	if (access("/usr/bin/python3", X_OK) == 0) {
		snprintf(tmp, sizeof(tmp), "/tmp/check_privacy_json.XXXXXX");
		fd = mkstemp(tmp);
		ck_assert_int_ge(fd, 0);
		f = fdopen(fd, "w");
		fwrite(out.data, 1, out.len, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import json, "
		    "sys; x = json.load(open(sys.argv[1])); "
		    "assert len(x[\"sessions\"]) == 2 and "
		    "len(x[\"emails\"]) == 3 and len(x[\"audit\"]) == 3' %s",
		    tmp);
		ck_assert_msg(system(cmd) == 0, "the export is not the JSON "
		    "expected");
		unlink(tmp);
	}
	buf_free(&out);
}
END_TEST

/*
 * The person's referrer and contacts are in their export (issue 19);
 * another person's are not.
 */
START_TEST(test_export_contacts)
{
	struct buf out = BUF_INIT;

	ck_assert_int_eq(sqlite3_exec(db->conn, "INSERT INTO referrers "
	    "(referral_id, name, email, relationship, organisation, "
	    "person_agrees, arranger, wants_updates) VALUES (1, 'Nia Nurse', "
	    "'nia@elm.example', 'health_professional', 'Elm House', 1, "
	    "'referrer', 1), (2, 'Rex Other', 'rex@x.org', 'parent', '', 1, "
	    "'referrer', 0);"
	    "INSERT INTO contacts (referral_id, name, email, role, "
	    "gets_confirmations, arranges, consent, created_at) VALUES "
	    "(1, 'Nia Nurse', 'nia@elm.example', 'key_worker', 1, 1, 1, 'x'),"
	    "(1, 'Otto Zedekiah', '', 'family', 0, 0, 1, 'x'),"
	    "(2, 'Rex Other', 'rex@x.org', 'parent', 1, 1, 1, 'x');", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_privacy_export(db, 1, &out), 1);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"referrer\": {"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"relationship\": "
	    "\"health_professional\""));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"organisation\": "
	    "\"Elm House\""));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"contacts\": ["));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"role\": "
	    "\"key_worker\""));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"role\": "
	    "\"family\""));
	ck_assert_ptr_null(strstr(buf_cstr(&out), "Rex"));
	buf_free(&out);
}
END_TEST

/* Every figure of a wide period, as text, to compare. */
static void
figures(struct buf *b)
{
	struct db_report *r;
	size_t i;
	int k;

	ck_assert_int_eq(db_report_load(db, 1230768000, 1893456000,
	    (int64_t)time(NULL), &r), 0);
	buf_printf(b, "%lld %lld %lld %lld|", (long long)r->sessions,
	    (long long)r->seconds, (long long)r->people,
	    (long long)r->referrals);
	for (k = 0; k < 4; k++)
		buf_printf(b, "%lld ", (long long)r->attendance[k]);
	for (k = 0; k < NEED__MAX; k++)
		buf_printf(b, "%lld ", (long long)r->by_need[k]);
	for (i = 0; i < r->nsources; i++)
		buf_printf(b, "%s=%lld ", r->by_source[i].key,
		    (long long)r->by_source[i].count);
	for (i = 0; i < r->ncaseload; i++)
		buf_printf(b, "%s:%lld ", r->caseload[i].name,
		    (long long)r->caseload[i].clients);
	for (k = 0; k < OUTCOME__MAX; k++)
		buf_printf(b, "%lld/%lld ", (long long)r->outcome_agreed[k],
		    (long long)r->outcome_answered[k]);
	buf_printf(b, "|%lld %lld %.3f", (long long)r->waitlist_end,
	    (long long)r->first_sessions, r->median_wait_days);
	db_report_free(r);
}

START_TEST(test_erase)
{
	struct db_erase_summary s;
	struct buf before = BUF_INIT, after = BUF_INIT;

	figures(&before);
	ck_assert_int_eq(db_privacy_erase(db, 1, "request", 1, "192.0.2.1",
	    &s), DB_OK);
	ck_assert_int_eq(s.notes, 1);
	ck_assert_int_eq(s.events, 2);
	ck_assert_int_eq(s.attendance, 1);
	ck_assert_int_eq(s.exceptions, 1);
	ck_assert_int_eq(s.emails, 2);
	ck_assert_int_eq(s.cancelled, 1);
	ck_assert_int_eq(s.again, 0);
	/* The email is the relative's too: kept, and not swept. */
	ck_assert_int_eq(s.shared, 1);
	/* extra_notes: the name and the phone, in one cell. */
	ck_assert_int_eq(s.swept, 1);
	figures(&after);
	ck_assert_str_eq(buf_cstr(&before), buf_cstr(&after));

	text_is("SELECT given_name || '|' || family_name || '|' || email || "
	    "'|' || phone || '|' || postcode || '|' || date_of_birth || '|' || "
	    "about || '|' || emergency_name || '|' || emergency_phone || '|' "
	    "|| ref || '|' || status || '|' || needs FROM referrals WHERE "
	    "id = 1", "Erased|||||||||ERASED-1|active|16");
	text_is("SELECT count(*) FROM referral_notes WHERE referral_id = 1",
	    "0");
	text_is("SELECT group_concat(reason, '/') FROM referral_events "
	    "WHERE referral_id = 1", "/");
	text_is("SELECT group_concat(note, '/') FROM attendance", "/");
	text_is("SELECT reason FROM exceptions", "");
	text_is("SELECT group_concat(to_addr || ':' || status || ':' || "
	    "coalesce(last_error, ''), '/') FROM outbox WHERE referral_id = 1 "
	    "AND user_id IS NULL", ":sent:/:failed:not sent: the client was "
	    "erased");
	text_is("SELECT to_addr FROM outbox WHERE dedupe_key = 'n:1'",
	    "cora@x.org");
	text_is("SELECT email || to_addr FROM referrals, outbox WHERE "
	    "referrals.id = 2 AND dedupe_key = 'a:2'", EMAIL EMAIL);
	text_is("SELECT group_concat(body, '/') FROM extra_notes",
	    "[erased] called from [erased]/nothing here");
	text_is("SELECT reason || user_id FROM erasures WHERE referral_id = 1",
	    "request1");
	text_is("SELECT count(*) FROM audit WHERE action = 'erase' AND "
	    "referral_id = 1 AND remote_addr = '192.0.2.1'", "1");
	text_is("SELECT positive FROM outcomes WHERE referral_id = 1", "agree");

	/* Again: harmless, and says so. */
	ck_assert_int_eq(db_privacy_erase(db, 1, "request", 0, "", &s), DB_OK);
	ck_assert_int_eq(s.again, 1);
	ck_assert_int_eq(s.swept, 0);
	text_is("SELECT count(*) FROM erasures", "1");
	buf_free(&before);
	buf_free(&after);
}
END_TEST

START_TEST(test_erase_refused)
{
	struct db_erase_summary s;

	ck_assert_int_eq(db_privacy_erase(db, 99, "request", 0, "", &s),
	    DB_CONFLICT);
	ck_assert_int_eq(db_privacy_erase(db, 1, "whim", 0, "", &s),
	    DB_INVALID);
	text_is("SELECT count(*) FROM erasures", "0");
	text_is("SELECT given_name FROM referrals WHERE id = 1", "Wilhelmina");
}
END_TEST

START_TEST(test_compact)
{
	struct db_erase_summary s;
	char wal[80];

	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert(file_has(path, "Zedekiah") || file_has(wal, "Zedekiah"));
	ck_assert_int_eq(db_privacy_erase(db, 1, "request", 0, "", &s), DB_OK);
	ck_assert_int_eq(db_privacy_compact(db), 0);
	/* The relative keeps the family name; the person's own strings go. */
	ck_assert(!file_has(path, "Wilhelmina"));
	ck_assert(!file_has(wal, "Wilhelmina"));
	ck_assert(!file_has(path, PHONE));
	ck_assert(!file_has(path, "Otto Zedekiah"));
	ck_assert(!file_has(path, "07700900002"));
	ck_assert(!file_has(path, "prefers mornings"));
	ck_assert(!file_has(path, "1970-02-03"));
	ck_assert(file_has(path, "Bruno"));
	text_is("PRAGMA integrity_check", "ok");
}
END_TEST

static void
purged(void *arg, int64_t id, const char *status, const char *closed)
{
	struct buf *b = arg;

	buf_printf(b, "%lld %s %s;", (long long)id, status, closed);
}

START_TEST(test_purge)
{
	struct buf b = BUF_INIT;
	int64_t n = -1;
	/* 2016-06-02: the 2010-06-01 closing is just over six years old. */
	int64_t now = 1464868800;

	ck_assert_int_eq(db_privacy_purge(db, now - 2 * 86400, 6, 0, purged,
	    &b, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_privacy_purge(db, now, 6, 1, purged, &b, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(buf_cstr(&b), "3 closed 2010-06-01T10:00:00Z;");
	text_is("SELECT count(*) FROM erasures", "0");
	buf_reset(&b);
	ck_assert_int_eq(db_privacy_purge(db, now, 6, 0, purged, &b, &n), 0);
	ck_assert_int_eq(n, 1);
	text_is("SELECT reason FROM erasures WHERE referral_id = 3",
	    "retention");
	text_is("SELECT family_name FROM referrals WHERE id = 3", "");
	text_is("SELECT given_name FROM referrals WHERE id = 1", "Wilhelmina");
	ck_assert(!file_has(path, "Closedcase"));
	/* Done once. */
	ck_assert_int_eq(db_privacy_purge(db, now, 6, 0, purged, &b, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_privacy_purge(db, now, 0, 0, purged, &b, &n), -1);
	buf_free(&b);
}
END_TEST

/*
 * Once a file is marked (its first compact VACUUMs), a purge does not
 * VACUUM: what the web deleted or rewrote before it, on its own
 * connection, must already be zeroed there (secure_delete in db_open),
 * in the page and on freelist pages, and the WAL's old frames cut.
 */
START_TEST(test_purge_no_vacuum)
{
	static const char web_sql[] =
	    "INSERT INTO referral_notes (referral_id, at, body) VALUES "
	    " (1, '2016-01-01T10:00:00Z', 'Phoned Old Closedcase back'),"
	    " (1, '2016-01-01T10:01:00Z', 'Closedcase wrote from old@x.org');"
	    "UPDATE referral_notes SET body = 'Phoned back' "
	    " WHERE body LIKE 'Phoned Old%';"
	    "DELETE FROM referral_notes WHERE body LIKE 'Closedcase wrote%';"
	    "INSERT INTO extra_notes (id, body) VALUES (99, "
	    " replace(hex(zeroblob(4000)), '00', 'Closedcase '));"
	    "DELETE FROM extra_notes WHERE id = 99;";
	struct db *web;
	char err[256], wal[80];
	int64_t n = -1;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(db_privacy_compact(db), 0);
	text_is("SELECT count(*) FROM settings WHERE key = "
	    "'privacy_zeroed_since'", "1");
	web = db_open(path, err, sizeof(err));
	ck_assert_msg(web != NULL, "%s", err);
	ck_assert_int_eq(testlib_sql_int(web, "PRAGMA secure_delete"), 1);
	ck_assert_int_eq(sqlite3_exec(web->conn, web_sql, NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert(file_has(wal, "Closedcase wrote"));
	ck_assert_int_eq(db_privacy_purge(db, 1464868800, 6, 0, NULL, NULL,
	    &n), 0);
	ck_assert_int_eq(n, 1);
	/* Not VACUUMed: the pages the big note took are free still. */
	ck_assert_int_gt(testlib_sql_int(db, "PRAGMA freelist_count"), 0);
	ck_assert(!file_has(path, "Closedcase"));
	ck_assert(!file_has(wal, "Closedcase"));
	ck_assert(!file_has(path, "old@x.org"));
	ck_assert(!file_has(wal, "old@x.org"));
	text_is("SELECT body FROM referral_notes WHERE body LIKE 'Phoned%'",
	    "Phoned back");
	text_is("PRAGMA integrity_check", "ok");
	db_close(web);
}
END_TEST

/*
 * Four more closed by 2010, for the retention rule: Ottoline (4) and
 * Percival (5) Brackenbury, children their father referred with his
 * own email and phone; Dorcas Fennimore (6), whose emergency phone is
 * her sister Hester's (7, a client still).  Their details are copied
 * into a note on Hester's referral and into extra_notes.
 */
static const char closed_2010[] =
    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
    " email, phone, postcode, date_of_birth, preferred_contact, "
    " session_type, consent_data, consent_contact, needs, about, "
    " emergency_name, emergency_phone, created_at, updated_at) VALUES"
    " (4, 'DDDD-DDDD', 'closed', 'Ottoline', 'Brackenbury', "
    "  'dad@brack.example', '07700900010', 'N1 2AA', '2004-01-01', "
    "  'email', 'either', 1, 1, 1, 'Ottoline plays drums', "
    "  'Magnus Brackenbury', '07700900010', '2008-01-01T10:00:00Z', "
    "  '2010-03-01T10:00:00Z'),"
    " (5, 'EEEE-EEEE', 'closed', 'Percival', 'Brackenbury', "
    "  'dad@brack.example', '07700900010', 'N1 2AA', '2006-01-01', "
    "  'email', 'either', 1, 1, 1, '', 'Magnus Brackenbury', "
    "  '07700900010', '2008-01-01T10:00:00Z', '2010-04-01T10:00:00Z'),"
    " (6, 'FFFF-FFFF', 'withdrawn', 'Dorcas', 'Fennimore', "
    "  'dorcas@fen.example', '07700900020', 'N1 3AA', '1960-01-01', "
    "  'phone', 'either', 1, 1, 1, '', 'Hester Fennimore', "
    "  '07700900021', '2009-01-01T10:00:00Z', '2010-05-01T10:00:00Z'),"
    " (7, 'GGGG-GGGG', 'active', 'Hester', 'Fennimore', "
    "  'hester@fen.example', '07700900021', 'N1 3AA', '1962-01-01', "
    "  'phone', 'either', 1, 1, 1, '', '', '', '2015-01-01T10:00:00Z', "
    "  '2015-01-01T10:00:00Z');"
    "INSERT INTO referral_notes (referral_id, at, user_id, body) VALUES"
    " (7, 'x', 1, 'Sister Dorcas Fennimore (07700900020) came too; "
    "so did Percival Brackenbury, dad@brack.example');"
    "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id, "
    " user_id, message_id, status, not_before, created_at) VALUES"
    " ('a:4', 'referral_ack', 'dad@brack.example', 'Ottoline', 4, NULL, "
    "  '<m5@tutti.localhost>', 'sent', 'x', 'x'),"
    " ('a:5', 'referral_ack', 'dad@brack.example', 'Percival', 5, NULL, "
    "  '<m6@tutti.localhost>', 'queued', 'x', 'x');"
    "INSERT INTO extra_notes (body) VALUES"
    " ('Ottoline Brackenbury and Percival Brackenbury: call "
    "dad@brack.example on 07700900010'),"
    " ('Dorcas Fennimore, sister on 07700900021, own 07700900020'),"
    " ('Old Closedcase at old@x.org');";

/*
 * Every row of every table of d but record_epoch (a count of changes,
 * not what is stored), column by column, without the times an erasure
 * stamps (erasures.at, audit.at, contacts.removed_at), the migrations
 * were applied at, or a row was made at (created_at: the two databases
 * compared are made a moment apart, and a second can fall between
 * them); in memory the caller frees.
 */
static char *
dump(struct db *d)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *tl, *st;
	const char *t, *col;
	char *sql;
	int c, n;

	ck_assert_int_eq(sqlite3_prepare_v2(d->conn, "SELECT name FROM "
	    "sqlite_schema WHERE type = 'table' AND name != 'record_epoch' "
	    "ORDER BY name", -1, &tl, NULL), SQLITE_OK);
	while (sqlite3_step(tl) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(tl, 0);
		buf_printf(&b, "-- %s\n", t);
		/* Each file's compact says when it was made (whole seconds,
		 * which two runs can fall either side of): that it is there,
		 * not when. */
		sql = strcmp(t, "settings") == 0 ? sqlite3_mprintf("SELECT "
		    "key, CASE key WHEN 'privacy_zeroed_since' THEN 'set' ELSE "
		    "value END FROM settings") : sqlite3_mprintf("SELECT * FROM "
		    "\"%w\"", t);
		ck_assert_int_eq(sqlite3_prepare_v2(d->conn, sql, -1, &st,
		    NULL), SQLITE_OK);
		sqlite3_free(sql);
		n = sqlite3_column_count(st);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (c = 0; c < n; c++) {
				col = sqlite3_column_name(st, c);
				if ((strcmp(col, "at") == 0 &&
				    (strcmp(t, "erasures") == 0 ||
				    strcmp(t, "audit") == 0)) ||
				    strcmp(col, "removed_at") == 0 ||
				    strcmp(col, "applied_at") == 0 ||
				    strcmp(col, "created_at") == 0)
					continue;
				if (sqlite3_column_type(st, c) == SQLITE_NULL)
					buf_puts(&b, "NULL|");
				else
					buf_printf(&b, "%s|", (const char *)
					    sqlite3_column_text(st, c));
			}
			buf_putc(&b, '\n');
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(tl);
	return buf_detach(&b);
}

/*
 * How many times statements whose SQL holds `has` ran, leaving out
 * those that hold `but_not`: the passes over a table, not the writes to
 * one row of it by its rowid.
 */
struct runs {
	const char	*has;
	const char	*but_not;
	int		 n;
};

static int
count_runs(unsigned type, void *arg, void *stmt, void *sql)
{
	struct runs *r = arg;

	(void)type;
	(void)stmt;
	if (strstr(sql, r->has) != NULL && strstr(sql, r->but_not) == NULL)
		r->n++;
	return 0;
}

/*
 * Issue 21: the retention rule erases its people together, with one
 * pass over each table for all of them (it made one a column a person),
 * and stores exactly what erasing them one at a time, in its order,
 * stores: a father's email and phone that only his two children gave
 * are swept, a phone that a living client gives is kept.
 */
START_TEST(test_purge_batch)
{
	static const int64_t order[] = { 4, 5, 6, 3 };
	struct db_erase_summary s;
	struct runs sweeps = { "\"extra_notes\"", "rowid = ", 0 };
	struct db *one;
	char path1[64], *a, *b;
	int64_t n = -1;
	size_t i;

	testlib_sql_exec(db, closed_2010);
	one = fixture_open(path1);
	testlib_sql_exec(one, closed_2010);

	(void)sqlite3_trace_v2(db->conn, SQLITE_TRACE_STMT, count_runs,
	    &sweeps);
	ck_assert_int_eq(db_privacy_purge(db, 1464868800, 6, 0, NULL, NULL,
	    &n), 0);
	(void)sqlite3_trace_v2(db->conn, 0, NULL, NULL);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(sweeps.n, 1);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		ck_assert_int_eq(db_privacy_erase(one, order[i], "retention",
		    0, "", &s), DB_OK);
	ck_assert_int_eq(db_privacy_compact(one), 0);
	a = dump(db);
	b = dump(one);
	testlib_texts_same(a, b);
	free(a);
	free(b);

	text_is("SELECT group_concat(body, '/') FROM extra_notes WHERE id > 2",
	    "[erased] and [erased]: call [erased] on [erased]/"
	    "[erased], sister on 07700900021, own [erased]/"
	    "[erased] at [erased]");
	text_is("SELECT body FROM referral_notes WHERE referral_id = 7",
	    "Sister [erased] ([erased]) came too; so did [erased], [erased]");
	text_is("SELECT group_concat(id || family_name || email || phone || "
	    "emergency_phone, '/') FROM referrals WHERE id > 2",
	    "3/4/5/6/7Fennimorehester@fen.example07700900021");
	text_is("SELECT group_concat(referral_id || reason, '/') FROM "
	    "erasures", "3retention/4retention/5retention/6retention");
	text_is("SELECT group_concat(to_addr || status, '/') FROM outbox "
	    "WHERE referral_id IN (4, 5)", "sent/failed");
	ck_assert(!file_has(path, "Brackenbury"));
	ck_assert(!file_has(path, "dad@brack.example"));
	ck_assert(file_has(path, "07700900021"));
	fixture_close(one, path1);
}
END_TEST

/*
 * Another connection, as a worker of the web is, with no busy timeout:
 * while a statement of the purge's connection reads for the sweep
 * (tutti_erase_found, not an UPDATE), it tries to write, and the first
 * time it can, writes what names the people being erased.
 */
struct beside {
	sqlite3		*conn;
	sqlite3_stmt	*last;		/* the sweep's read last tried in */
	int		 tries, blocked, wrote;
};

static const char beside_writes[] =
    "INSERT INTO referral_notes (referral_id, at, user_id, body) VALUES"
    " (7, 'y', 1, 'Called Ottoline Brackenbury at dad@brack.example');"
    "UPDATE referral_notes SET body = body || ' / Dorcas Fennimore' "
    " WHERE at = 'x';"
    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
    " email, phone, postcode, date_of_birth, preferred_contact, "
    " session_type, consent_data, consent_contact, needs, about, "
    " emergency_name, emergency_phone, created_at, updated_at) SELECT 8, "
    " 'HHHH-HHHH', 'active', 'Ivo', 'Fennimore', 'ivo@fen.example', "
    " '07700900020', postcode, date_of_birth, preferred_contact, "
    " session_type, consent_data, consent_contact, needs, about, '', '', "
    " created_at, updated_at FROM referrals WHERE id = 7;";

static int
beside_write(void *arg)
{
	struct beside *b = arg;
	sqlite3_stmt *st;
	const char *sql;

	for (st = sqlite3_next_stmt(db->conn, NULL); st != NULL;
	    st = sqlite3_next_stmt(db->conn, st)) {
		sql = sqlite3_sql(st);
		if (sqlite3_stmt_busy(st) && st != b->last && sql != NULL &&
		    strstr(sql, "tutti_erase_found(") != NULL &&
		    strncmp(sql, "UPDATE", 6) != 0)
			break;
	}
	if (st == NULL)
		return 0;
	b->last = st;
	b->tries++;
	if (sqlite3_exec(b->conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		b->blocked++;
		return 0;
	}
	if (!b->wrote)
		ck_assert_int_eq(sqlite3_exec(b->conn, beside_writes, NULL,
		    NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(b->conn, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	b->wrote = 1;
	return 0;
}

/*
 * Issue 21: at N=10 the sweep read every table for 5-9 s holding the
 * write lock, and the web's writes failed.  Now a write of another
 * connection never waits for the sweep's reads; and what it writes
 * meanwhile is as safe as if written before the purge: a new note and
 * a changed one naming the people are swept, a phone a new client
 * gives too is theirs now, and kept.
 */
START_TEST(test_purge_beside_writes)
{
	struct beside b = { NULL, NULL, 0, 0, 0 };
	int64_t n = -1;

	testlib_sql_exec(db, closed_2010);
	/* The fixture's table added later, watched as 051 watches. */
	testlib_sql_exec(db, "CREATE TRIGGER sweep_extra_notes_ins AFTER "
	    "INSERT ON extra_notes WHEN EXISTS (SELECT 1 FROM sweep_watch) "
	    "BEGIN INSERT INTO sweep_changes (tbl, key) VALUES "
	    "('extra_notes', json_array(NEW.rowid)); END;"
	    "CREATE TRIGGER sweep_extra_notes_upd AFTER UPDATE ON extra_notes "
	    "WHEN EXISTS (SELECT 1 FROM sweep_watch) BEGIN INSERT INTO "
	    "sweep_changes (tbl, key) VALUES ('extra_notes', "
	    "json_array(NEW.rowid)); END");
	ck_assert_int_eq(sqlite3_open_v2(path, &b.conn, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_progress_handler(db->conn, 1, beside_write, &b);
	ck_assert_int_eq(db_privacy_purge(db, 1464868800, 6, 0, NULL, NULL,
	    &n), 0);
	sqlite3_progress_handler(db->conn, 0, NULL, NULL);
	ck_assert_int_eq(sqlite3_close(b.conn), SQLITE_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_int_gt(b.tries, 0);
	ck_assert_msg(b.blocked == 0, "a write waited for the sweep's read "
	    "%d times in %d", b.blocked, b.tries);
	ck_assert(b.wrote);
	text_is("SELECT group_concat(body, '/') FROM referral_notes WHERE "
	    "referral_id = 7", "Sister [erased] (07700900020) came too; so "
	    "did [erased], [erased] / [erased]/Called [erased] at [erased]");
	text_is("SELECT group_concat(body, '/') FROM extra_notes WHERE id > 2",
	    "[erased] and [erased]: call [erased] on [erased]/"
	    "[erased], sister on 07700900021, own 07700900020/"
	    "[erased] at [erased]");
	ck_assert(!file_has(path, "Brackenbury"));
	ck_assert(!file_has(path, "Dorcas"));
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "sweep_watch") + testlib_sql_int(db, "SELECT count(*) FROM "
	    "sweep_changes"), 0);
}
END_TEST

/*
 * Every table the sweep reads has 051's two triggers, so that the sweep
 * reads it beside the web's writes (a table without them is read under
 * the write lock): here all but the fixture's own table added later.
 */
START_TEST(test_sweep_watch)
{
	text_is("SELECT coalesce(group_concat(m.name, ' '), '') FROM "
	    "sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE "
	    "'sqlite_%' AND m.name NOT IN ('users', 'sessions', "
	    "'login_failures', 'settings', 'record_epoch_logs', "
	    "'sweep_watch', 'sweep_changes') AND EXISTS (SELECT 1 FROM "
	    "pragma_table_info(m.name) p WHERE upper(p.type) LIKE '%TEXT%' "
	    "OR upper(p.type) LIKE '%CHAR%' OR upper(p.type) LIKE '%CLOB%' "
	    "OR p.type = '') AND (SELECT count(*) FROM sqlite_schema g WHERE "
	    "g.type = 'trigger' AND g.tbl_name = m.name AND g.name IN "
	    "('sweep_' || m.name || '_ins', 'sweep_' || m.name || '_upd')) "
	    "< 2", "extra_notes");
}
END_TEST

/*
 * An erasure or purge killed part way leaves its watch on writes (its
 * row in sweep_watch), and every write of the web logged a row in
 * sweep_changes until the next erasure: with a monthly purge, a
 * month's.  db_privacy_watch_expire (the mailer's, every minute) drops
 * a watch 15 minutes old, and the log with the last; a younger one, as
 * a live erasure's is, stays with the log it reads.  With none to drop
 * it takes no write lock.
 */
START_TEST(test_watch_expire)
{
	static const char note[] = "INSERT INTO referral_notes "
	    "(referral_id, at, user_id, body) VALUES (2, 'x', 1, 'Called')";
	/* 2026-01-10T12:00:00Z */
	int64_t now = 1768046400;
	struct db *web;
	char err[256];

	testlib_sql_exec(db, "INSERT INTO sweep_watch (started_at) VALUES "
	    "('2026-01-10T11:44:59Z')");
	testlib_sql_exec(db, note);
	text_is("SELECT count(*) FROM sweep_changes", "1");
	testlib_sql_exec(db, "INSERT INTO sweep_watch (started_at) VALUES "
	    "('2026-01-10T11:45:00Z')");
	ck_assert_int_eq(db_privacy_watch_expire(db, now), 1);
	text_is("SELECT group_concat(started_at) FROM sweep_watch",
	    "2026-01-10T11:45:00Z");
	text_is("SELECT count(*) FROM sweep_changes", "1");
	ck_assert_int_eq(db_privacy_watch_expire(db, now), 0);

	/* A second later that one is stale too: the log goes with it. */
	ck_assert_int_eq(db_privacy_watch_expire(db, now + 1), 1);
	text_is("SELECT count(*) FROM sweep_watch", "0");
	text_is("SELECT count(*) FROM sweep_changes", "0");
	testlib_sql_exec(db, note);
	text_is("SELECT count(*) FROM sweep_changes", "0");

	web = db_open(path, err, sizeof(err));
	ck_assert_msg(web != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_exec(web->conn, "BEGIN IMMEDIATE", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_privacy_watch_expire(db, now + 3600), 0);
	ck_assert_int_eq(sqlite3_exec(web->conn, "ROLLBACK", NULL, NULL,
	    NULL), SQLITE_OK);
	db_close(web);
}
END_TEST

/*
 * While an erasure reads, another connection drops its watch as stale
 * (a read slower than the 15 minutes) and writes a note naming the
 * person, which no watch logs: the erasure's write sees its watch gone
 * and reads again under the write lock, and sweeps the note.
 */
struct dropper {
	struct db	*other;
	int		 dropped;
};

static int
drop_watch(void *arg)
{
	struct dropper *d = arg;
	sqlite3_stmt *st;
	const char *sql;

	if (d->dropped)
		return 0;
	for (st = sqlite3_next_stmt(db->conn, NULL); st != NULL;
	    st = sqlite3_next_stmt(db->conn, st)) {
		sql = sqlite3_sql(st);
		if (sqlite3_stmt_busy(st) && sql != NULL &&
		    strstr(sql, "tutti_erase_found(") != NULL &&
		    strncmp(sql, "UPDATE", 6) != 0)
			break;
	}
	if (st == NULL)
		return 0;
	d->dropped = 1;
	ck_assert_int_eq(db_privacy_watch_expire(d->other, (int64_t)time(NULL)
	    + 3600), 1);
	ck_assert_int_eq(sqlite3_exec(d->other->conn, "INSERT INTO "
	    "referral_notes (referral_id, at, user_id, body) VALUES (2, 'y', "
	    "1, 'Saw " NAME " at the door')", NULL, NULL, NULL), SQLITE_OK);
	return 0;
}

START_TEST(test_erase_watch_dropped)
{
	struct db_erase_summary s;
	struct dropper d = { NULL, 0 };
	char err[256];

	d.other = db_open(path, err, sizeof(err));
	ck_assert_msg(d.other != NULL, "%s", err);
	sqlite3_progress_handler(db->conn, 1, drop_watch, &d);
	ck_assert_int_eq(db_privacy_erase(db, 1, "request", 0, "", &s), DB_OK);
	sqlite3_progress_handler(db->conn, 0, NULL, NULL);
	db_close(d.other);
	ck_assert(d.dropped);
	text_is("SELECT body FROM referral_notes WHERE referral_id = 2",
	    "Saw [erased] at the door");
	text_is("SELECT count(*) FROM sweep_watch", "0");
	text_is("SELECT count(*) FROM sweep_changes", "0");
}
END_TEST

static void
collect(void *arg, const char *id)
{
	buf_printf(arg, "%s ", id);
}

START_TEST(test_messages)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(db_privacy_messages(db, 1, collect, &b), 0);
	ck_assert_str_eq(buf_cstr(&b), "<m1@tutti.localhost> "
	    "<m2@tutti.localhost> ");
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("privacy");
	SRunner *sr;
	TCase *tc;
	int failed;

	tc = tcase_create("db_privacy_export");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_export_contacts);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_privacy_erase");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_erase);
	tcase_add_test(tc, test_erase_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_privacy_compact");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_compact);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_privacy_purge");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_purge);
	tcase_add_test(tc, test_purge_no_vacuum);
	tcase_add_test(tc, test_purge_batch);
	tcase_add_test(tc, test_purge_beside_writes);
	tcase_add_test(tc, test_sweep_watch);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_privacy_watch_expire");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_watch_expire);
	tcase_add_test(tc, test_erase_watch_dropped);
	suite_add_tcase(s, tc);
	tc = tcase_create("db_privacy_messages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_messages);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

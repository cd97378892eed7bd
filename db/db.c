#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db/contacts.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/migrate.h"
#include "db/outbox.h"
#include "db/referrals.h"
#include "db/staff.h"
#include "util/buf.h"
#include "util/calendar.h"

const char *const need_names[NEED__MAX] = {
	"autism", "learning_difficulties", "mental_health", "neuro_rehab",
	"dementia", "palliative", "parent_child", "other",
};
const char *const need_labels[NEED__MAX] = {
	"Autism", "Learning difficulties", "Mental health",
	"Recovery from a brain injury or stroke (neurological rehabilitation)",
	"Dementia", "Living with a life-limiting illness (palliative care)",
	"Parent and child together", "Something else",
};
const char *const session_type_names[SESSION_TYPE__MAX] = {
	"individual", "group", "either",
};
const char *const session_type_labels[SESSION_TYPE__MAX] = {
	"Individual", "Group", "Individual or group",
};
const char *const slot_day_names[SLOT_DAYS] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};
const char *const *const slot_day_labels = calendar_day_names;
const char *const slot_part_names[SLOT_PARTS] = { "am", "pm", "eve" };
const char *const slot_part_labels[SLOT_PARTS] = {
	"Morning", "Afternoon", "Evening",
};

enum stmt {
	STMT_PING,
	STMT_SECRET_GET,
	STMT_SECRET_PUT,
	STMT_SITES_LIST,
	STMT_SITE_ADD,
	STMT_REFERRAL_BY_NONCE,
	STMT_REFERRAL_INSERT,
	STMT_REFERRAL_SITE_INSERT,
	STMT_REFERRAL_COUNT,
	STMT_COORDINATORS,
	STMT_OUTBOX_INSERT,
	STMT_USER_ADD,
	STMT_USER_LIST,
	STMT__MAX
};

static const char *const stmt_sql[STMT__MAX] = {
	"SELECT 1",
	"SELECT value FROM settings WHERE key = ?",
	"INSERT INTO settings (key, value) VALUES (?, ?)",
	"SELECT id, name, kind, postcode, step_free FROM sites "
	    "WHERE active = 1 ORDER BY name",
	"INSERT INTO sites (name, kind, address, postcode, step_free) "
	    "VALUES (?, ?, ?, ?, ?)",
	"SELECT ref FROM referrals WHERE form_nonce = ?",
	"INSERT INTO referrals (ref, status, source, given_name, family_name,"
	    " email, phone, postcode, date_of_birth, preferred_contact,"
	    " voicemail_ok, needs, about, availability, session_type,"
	    " online_ok, access_needs, language, interpreter, gp_practice,"
	    " emergency_name, emergency_phone, consent_data, consent_contact,"
	    " form_nonce, created_at, updated_at, source_detail) VALUES (?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?)",
	"INSERT INTO referral_sites (referral_id, site_id) VALUES (?, ?)",
	"SELECT count(*) FROM referrals",
	"SELECT id, email, name FROM users "
	    "WHERE role = 'coordinator' AND active = 1 ORDER BY id",
	"INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,"
	    " user_id, message_id, not_before, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (dedupe_key) DO NOTHING",
	"INSERT INTO users (email, name, role, password_hash, created_at) "
	    "VALUES (?, ?, ?, ?, ?)",
	"SELECT id, email, role, name, active FROM users ORDER BY id",
};


int
db_name_index(const char *const *table, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i], name) == 0)
			return (int)i;
	return -1;
}

void
db_now(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static sqlite3_stmt *
stmt(struct db *db, enum stmt s)
{
	return db_stmt(db, stmt_sql[s]);
}

int
db_schema_latest(void)
{
	return (int)db_migrations_count;
}

int
db_schema_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (db_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Runs sql, which has one parameter, with name bound to it, and returns
 * the step's result code (SQLITE_ROW, SQLITE_DONE or an error).
 */
static int
migrate_name_step(struct db *db, const char *sql, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL)) !=
	    SQLITE_OK)
		return rc;
	if ((rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC)) ==
	    SQLITE_OK)
		rc = db_step(st);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The migrations already applied are kept by name in schema_migrations,
 * so that a migration numbered below one already applied (two branches
 * that each added one) is still applied once, and never one twice.  A
 * database made before that table existed recorded only a count in
 * PRAGMA user_version: its first N migrations are taken as applied.
 * Returns 0, or -1 with err filled.
 */
static int
migrate_names_load(struct db *db, int v, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int known, rc = -1;
	size_t i;

	if (sqlite3_exec(db->conn, "CREATE TABLE IF NOT EXISTS "
	    "schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT "
	    "NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db->conn, "SELECT count(*) FROM "
	    "schema_migrations", -1, &st, NULL) != SQLITE_OK ||
	    db_step(st) != SQLITE_ROW)
		goto out;
	known = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (known > 0 || v == 0) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < (size_t)v; i++)
		if (migrate_name_step(db, "INSERT INTO schema_migrations "
		    "(name) VALUES (?)", db_migrations[i].name) != SQLITE_DONE)
			goto out;
	rc = 0;
out:
	if (rc == -1)
		snprintf(err, errlen, "migrate: %s",
		    sqlite3_errmsg(db->conn));
	sqlite3_finalize(st);
	return rc;
}

/*
 * Applies the migrations the database lacks, in name order, each noted
 * in schema_migrations, all in one transaction, so that a crash leaves
 * either the old or the new schema.  PRAGMA user_version keeps the
 * count applied.  BEGIN IMMEDIATE makes concurrent starters wait in
 * turn.  Refuses a database that has more migrations than this program
 * knows (a newer program made it).
 */
static int
migrate(struct db *db, char *err, size_t errlen)
{
	char *msg = NULL;
	char pragma[64];
	int v, done;
	size_t i, applied = 0;

	if (sqlite3_exec(db->conn, "BEGIN IMMEDIATE", NULL, NULL, &msg) !=
	    SQLITE_OK)
		goto fail;
	v = db_schema_version(db);
	if (v < 0 || (size_t)v > db_migrations_count) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this program knows (%zu)", v, db_migrations_count);
		(void)sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (migrate_names_load(db, v, err, errlen) == -1) {
		(void)sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < db_migrations_count; i++) {
		done = migrate_name_step(db, "SELECT 1 FROM "
		    "schema_migrations WHERE name = ?", db_migrations[i].name);
		if (done != SQLITE_ROW && done != SQLITE_DONE)
			goto fail;
		if (done == SQLITE_ROW) {
			applied++;
			continue;
		}
		if (sqlite3_exec(db->conn, db_migrations[i].sql, NULL, NULL,
		    &msg) != SQLITE_OK) {
			snprintf(err, errlen, "migration %s: %s",
			    db_migrations[i].name, msg ? msg : "failed");
			sqlite3_free(msg);
			(void)sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL,
			    NULL);
			return -1;
		}
		if (migrate_name_step(db, "INSERT INTO schema_migrations "
		    "(name) VALUES (?)", db_migrations[i].name) !=
		    SQLITE_DONE)
			goto fail;
		applied++;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu",
	    applied);
	if (sqlite3_exec(db->conn, pragma, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db->conn, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "migrate: %s",
	    msg ? msg : sqlite3_errmsg(db->conn));
	sqlite3_free(msg);
	(void)sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Waits for a lock another process holds.  SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ... 100 ms between tries, far longer than a write
 * here takes (well under a millisecond), so two workers writing at once
 * would wait milliseconds for each other; this polls every 100 to 800
 * microseconds instead, for up to db->busy_ms in all (db_busy_timeout).
 */
static int
busy_wait(void *arg, int tries)
{
	struct db *db = arg;
	struct timespec ts, now;
	long us, waited;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (tries == 0)
		db->busy_t0 = now;
	waited = (now.tv_sec - db->busy_t0.tv_sec) * 1000L +
	    (now.tv_nsec - db->busy_t0.tv_nsec) / 1000000L;
	if (waited >= db->busy_ms)
		return 0;
	us = tries < 8 ? 100L << (tries / 2) : 800;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	(void)nanosleep(&ts, NULL);
	return 1;
}

void
db_busy_timeout(struct db *db, long ms)
{
	db->busy_ms = ms > 0 ? ms : 0;
}

/*
 * WAL frames past which db_checkpoint waits for the readers, so that the
 * next write starts the WAL again from its beginning (16 MiB).
 */
#define CHECKPOINT_RESTART_FRAMES	4000
/*
 * WAL frames past which a connection that checkpoints at its own commits
 * (db_open's default: the mailer, tuttictl) does so: twice what the
 * checkpointer lets the WAL reach, so that while tutti-fcgi's
 * checkpointer runs the others leave the copying to it, and alone they
 * still keep the WAL bounded.  At SQLite's default of 1000 the mailer
 * checkpointed after nearly every email under a stream of referrals,
 * held the checkpoint lock the checkpointer wanted, and the
 * checkpointer, finding it busy, never reached its restart: the WAL
 * grew to 480 MB in 8 s of POST /refer (tests/bench/run.sh), every
 * referral's pages written into new blocks of the file.
 */
#define AUTOCHECKPOINT_FRAMES	(2 * CHECKPOINT_RESTART_FRAMES)

void
db_autocheckpoint(struct db *db, int on)
{
	(void)sqlite3_wal_autocheckpoint(db->conn, on ? AUTOCHECKPOINT_FRAMES :
	    0);
}

int
db_checkpoint(struct db *db)
{
	int log = 0, done = 0, rc;

	/*
	 * Busy: another connection is checkpointing (one that does so at
	 * its commits, or `tuttictl backup`); the copying is done
	 * meanwhile, which is no error, and the next turn comes soon.
	 * Taken for an error, each cost the checkpointer a second's sleep,
	 * time enough for a stream of referrals to add 80 MB to the WAL.
	 */
	rc = sqlite3_wal_checkpoint_v2(db->conn, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc == SQLITE_BUSY)
		return 0;
	if (rc != SQLITE_OK)
		return -1;
	/*
	 * Under steady load some reader always holds part of the WAL, so
	 * passive checkpoints never let it start again from its beginning
	 * and the file only grows (600 MB in 8 s of make bench).  Past
	 * CHECKPOINT_RESTART_FRAMES, wait for the readers: the next write
	 * then starts the WAL again.  Busy (a reader or writer held on past
	 * the busy timeout, or another checkpoint): the next turn tries
	 * again.
	 */
	if (log <= CHECKPOINT_RESTART_FRAMES)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(db->conn, NULL,
	    SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : -1;
}

/*
 * With TUTTI_SQL_SLOW_MS set, every statement that took at least that
 * many milliseconds is written to stderr with its time: what a page
 * spends its time on, read from the workers' log.  Cannot fail.
 */
static int
slow_trace(unsigned type, void *arg, void *p, void *x)
{
	long ms = (long)(intptr_t)arg;
	sqlite3_int64 ns = *(const sqlite3_int64 *)x;
	char *sql;

	if (type != SQLITE_TRACE_PROFILE || ns / 1000000 < ms)
		return 0;
	sql = sqlite3_expanded_sql((sqlite3_stmt *)p);
	fprintf(stderr, "db: slow: %.3f ms: %.300s\n", (double)ns / 1e6,
	    sql != NULL ? sql : sqlite3_sql((sqlite3_stmt *)p));
	sqlite3_free(sql);
	return 0;
}

/*
 * Each connection's page cache, in KiB: 64 MiB.  Pages are read with
 * pread into it, not from the file mapped into memory.  SQLite empties
 * a connection's cache, and drops its whole mapping, whenever another
 * connection has written since it last read; with a mapping, the pages
 * are then faulted in again one by one, and tearing the mapping down
 * stops every core to flush its address translations.  Every worker
 * sees another's write before most requests (a view of the queue or a
 * record writes its audit line), so that was the common case: measured
 * on the N=10, six-year database (tests/bench/growth.sh's largest),
 * app CPU a request with a write between requests, mapped -> read into
 * this cache: the queue 88-93 -> 25-40 ms, the plan 78-86 -> 40-50 ms,
 * the schedule week 272-359 -> 104-124 ms, /me 30-33 -> 6-9 ms, six
 * years of reports 658-841 -> 390-435 ms; and with no writes at all it
 * is no slower (the queue 86-100 -> 26-27 ms).  The cache only grows to
 * what the requests read: the demo's whole file is 4 MB.
 */
#define CACHE_KIB	"65536"

/* Connections opened by this process: what tells them apart. */
static uint64_t opened;

struct db *
db_open(const char *path, char *err, size_t errlen)
{
	const char *slow;
	struct db *db;
	char *msg = NULL;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return NULL;
	}
	db = xcalloc(1, sizeof(*db));
	db->serial = ++opened;
	if (sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    db->conn ? sqlite3_errmsg(db->conn) : "cannot open");
		goto fail;
	}
	db->busy_ms = 10000;
	(void)sqlite3_busy_handler(db->conn, busy_wait, db);
	(void)sqlite3_extended_result_codes(db->conn, 1);
	/*
	 * synchronous=NORMAL in WAL mode: a committed transaction survives
	 * any process crash; only a power cut can lose the last ones.
	 */
	/*
	 * Reads by pread into a cache of CACHE_KIB (above says why), not
	 * through a mapping; mmap_size = 0 whatever SQLite was built with.
	 */
	if (sqlite3_exec(db->conn, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA mmap_size = 0;"
	    "PRAGMA cache_size = -" CACHE_KIB ";"
	    "PRAGMA foreign_keys = ON;", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "pragma");
		sqlite3_free(msg);
		goto fail;
	}
	if (migrate(db, err, errlen) == -1)
		goto fail;
	db_autocheckpoint(db, 1);
	if ((slow = getenv("TUTTI_SQL_SLOW_MS")) != NULL && *slow != '\0')
		(void)sqlite3_trace_v2(db->conn, SQLITE_TRACE_PROFILE,
		    slow_trace, (void *)(intptr_t)atol(slow));
	return db;
fail:
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_STMT_CACHE; i++)
		sqlite3_finalize(db->stmts[i]);
	sqlite3_close(db->conn);
	free(db);
}

/*
 * db_records_changed and db_world_changed: sql reads the one row's n of
 * the epoch called what.
 */
static int
epoch_changed(struct db *db, const char *sql, const char *what,
    struct db_mark *mark)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t epoch = 0;
	int rc, changed;

	if ((rc = db_next(db, st)) == 1) {
		epoch = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	if (rc != 1) {
		if (rc == 0)
			fprintf(stderr, "db: %s epoch: no row\n", what);
		mark->set = 0;
		return -1;
	}
	changed = !mark->set || mark->serial != db->serial ||
	    mark->epoch != epoch;
	mark->serial = db->serial;
	mark->epoch = epoch;
	mark->set = 1;
	return changed;
}

int
db_records_changed(struct db *db, struct db_mark *mark)
{
	static const char sql[] = "SELECT n FROM record_epoch WHERE id = 1";

	return epoch_changed(db, sql, "record", mark);
}

int
db_world_changed(struct db *db, struct db_mark *mark)
{
	static const char sql[] = "SELECT n FROM world_epoch WHERE id = 1";

	return epoch_changed(db, sql, "world", mark);
}

int
db_ping(struct db *db)
{
	sqlite3_stmt *st = stmt(db, STMT_PING);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
db_secret(struct db *db, const char *name, unsigned char *out, size_t len)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if ((st = stmt(db, STMT_SECRET_GET)) == NULL)
		return -1;
	db_bind_text(st, 1, name);
	if (db_step(st) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) == len) {
		memcpy(out, sqlite3_column_blob(st, 0), len);
		found = 1;
	}
	db_done(st);
	if (found)
		return 0;

	randombytes_buf(out, len);
	if ((st = stmt(db, STMT_SECRET_PUT)) == NULL)
		return -1;
	db_bind_text(st, 1, name);
	(void)sqlite3_bind_blob(st, 2, out, (int)len, SQLITE_STATIC);
	rc = db_step(st);
	db_done(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		/* Another process made it first: use theirs. */
		return db_secret(db, name, out, len);
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: secret %s: %s\n", name,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

int
db_sites_list(struct db *db, struct db_site **out, size_t *n)
{
	sqlite3_stmt *st;
	struct db_site *v = NULL, *s;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = stmt(db, STMT_SITES_LIST)) == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		s = &v[len++];
		s->id = sqlite3_column_int64(st, 0);
		s->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		s->kind = xstrdup((const char *)sqlite3_column_text(st, 2));
		s->postcode = xstrdup((const char *)sqlite3_column_text(st, 3));
		s->step_free = sqlite3_column_int(st, 4);
	}
	if (rc != 0) {
		fprintf(stderr, "db: sites: %s\n", sqlite3_errmsg(db->conn));
		db_sites_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
db_sites_free(struct db_site *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].kind);
		free(v[i].postcode);
	}
	free(v);
}

int64_t
db_site_add(struct db *db, const char *name, const char *kind,
    const char *address, const char *postcode, int step_free)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(db, STMT_SITE_ADD)) == NULL)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, address);
	db_bind_text(st, 4, postcode);
	(void)sqlite3_bind_int(st, 5, step_free);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: site add: %s\n", sqlite3_errmsg(db->conn));
		return -1;
	}
	return sqlite3_last_insert_rowid(db->conn);
}

/*
 * Makes a Message-ID "<32 hex digits@domain>" into out: the first 12
 * the time in milliseconds, the other 20 random (80 bits: unique
 * however many are made in one millisecond).  Made in time order, a new
 * one goes at the end of the outbox's unique index on them: one page
 * written in a referral's transaction, where a wholly random one lands
 * on a page anywhere in the index, a page for each email.
 */
static void
message_id(char *out, size_t outlen, const char *domain)
{
	struct timespec ts;
	unsigned char r[10];
	char hex[21];
	unsigned long long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, outlen, "<%012llx%s@%s>", ms & 0xffffffffffffULL, hex,
	    domain);
}

int
db_outbox_add(struct db *db, const char *kind, const char *dedupe_key,
    const char *to_addr, const char *to_name, int64_t referral_id,
    int64_t user_id, const char *msgid_domain)
{
	sqlite3_stmt *st;
	char now[21], mid[300];
	int rc;

	if ((st = stmt(db, STMT_OUTBOX_INSERT)) == NULL)
		return -1;
	db_now(now);
	message_id(mid, sizeof(mid), msgid_domain);
	db_bind_text(st, 1, dedupe_key);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, to_addr);
	db_bind_text(st, 4, to_name);
	if (referral_id > 0)
		(void)sqlite3_bind_int64(st, 5, referral_id);
	if (user_id > 0)
		(void)sqlite3_bind_int64(st, 6, user_id);
	db_bind_text(st, 7, mid);
	db_bind_text(st, 8, now);
	db_bind_text(st, 9, now);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: outbox %s: %s\n", kind,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

/* Queues the new-referral notice to every active coordinator. */
static int
notify_coordinators(struct db *db, int64_t referral_id, const char *domain)
{
	sqlite3_stmt *st;
	struct { int64_t id; char *email, *name; } *v = NULL;
	size_t n = 0, cap = 0, i;
	char key[64];
	int rc, ret = 0;

	if ((st = stmt(db, STMT_COORDINATORS)) == NULL)
		return -1;
	/* Collect first: the outbox insert reuses the connection. */
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].email = xstrdup((const char *)sqlite3_column_text(st, 1));
		v[n].name = xstrdup((const char *)sqlite3_column_text(st, 2));
		n++;
	}
	if (rc != 0)
		ret = -1;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "referral-new:%lld:%lld",
		    (long long)referral_id, (long long)v[i].id);
		if (ret == 0 && db_outbox_add(db, "referral_new", key,
		    v[i].email, v[i].name, referral_id, v[i].id, domain) == -1)
			ret = -1;
		free(v[i].email);
		free(v[i].name);
	}
	free(v);
	return ret;
}

/* Makes a reference code "XXXX-XXXX" from an unambiguous alphabet. */
static void
refcode(char out[16])
{
	static const char abc[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	unsigned char r[8];
	size_t i, j = 0;

	randombytes_buf(r, sizeof(r));
	for (i = 0; i < 8; i++) {
		if (i == 4)
			out[j++] = '-';
		out[j++] = abc[r[i] & 31];
	}
	out[j] = '\0';
}

int
db_referral_bind(sqlite3_stmt *st, int i, const struct db_referral *r)
{
	db_bind_text(st, i++, r->status ? r->status : "new");
	db_bind_text(st, i++, r->source ? r->source : "self");
	db_bind_text(st, i++, r->given_name);
	db_bind_text(st, i++, r->family_name);
	db_bind_text(st, i++, r->email);
	db_bind_text(st, i++, r->phone);
	db_bind_text(st, i++, r->postcode);
	db_bind_text(st, i++, r->date_of_birth);
	db_bind_text(st, i++, r->preferred_contact);
	db_bind_int(st, i++, r->voicemail_ok);
	db_bind_int(st, i++, r->needs);
	db_bind_text(st, i++, r->about);
	db_bind_int(st, i++, r->availability);
	db_bind_text(st, i++, r->session_type);
	db_bind_int(st, i++, r->online_ok);
	db_bind_text(st, i++, r->access_needs);
	db_bind_text(st, i++, r->language);
	db_bind_int(st, i++, r->interpreter);
	db_bind_text(st, i++, r->gp_practice);
	db_bind_text(st, i++, r->emergency_name);
	db_bind_text(st, i++, r->emergency_phone);
	db_bind_int(st, i++, r->consent_data);
	db_bind_int(st, i++, r->consent_contact);
	return i;
}

/* Binds and steps the referral insert with a fresh reference code. */
static int
referral_insert(struct db *db, struct db_referral *r,
    const unsigned char *nonce, const char *now)
{
	sqlite3_stmt *st;
	int rc, i;

	if ((st = stmt(db, STMT_REFERRAL_INSERT)) == NULL)
		return SQLITE_ERROR;
	refcode(r->ref);
	db_bind_text(st, 1, r->ref);
	i = db_referral_bind(st, 2, r);
	if (nonce != NULL)
		(void)sqlite3_bind_blob(st, i, nonce, 16, SQLITE_STATIC);
	i++;
	db_bind_text(st, i++, now);
	db_bind_text(st, i++, now);
	db_bind_text(st, i++, r->source_detail);
	rc = db_step(st);
	db_done(st);
	return rc;
}

/* The first line of a referral's history, and the audit line for staff. */
static int
referral_created(struct db *db, const struct db_referral *r, const char *now)
{
	static const char sql[] = "INSERT INTO referral_events (referral_id,"
	    " at, user_id, to_status, reason) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char reason[64];
	int rc;

	if (st == NULL)
		return SQLITE_ERROR;
	snprintf(reason, sizeof(reason), "referral received (%s)",
	    r->source != NULL ? r->source : "self");
	(void)sqlite3_bind_int64(st, 1, r->id);
	db_bind_text(st, 2, now);
	if (r->created_by > 0)
		(void)sqlite3_bind_int64(st, 3, r->created_by);
	db_bind_text(st, 4, r->status != NULL ? r->status : "new");
	db_bind_text(st, 5, reason);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return rc;
	if (r->created_by > 0 && db_audit(db, r->created_by, "", "create",
	    r->id, 0, reason) == -1)
		return db_errcode(db);
	return SQLITE_OK;
}

enum db_result
db_referral_create(struct db *db, struct db_referral *r,
    const unsigned char *nonce, const char *msgid_domain)
{
	sqlite3_stmt *st;
	char now[21], key[64];
	enum db_result res;
	size_t i;
	int rc, tries, hits, over = 0;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if (nonce != NULL) {
		if ((st = stmt(db, STMT_REFERRAL_BY_NONCE)) == NULL) {
			rc = SQLITE_ERROR;
			goto fail;
		}
		(void)sqlite3_bind_blob(st, 1, nonce, 16, SQLITE_STATIC);
		rc = db_step(st);
		if (rc == SQLITE_ROW)
			snprintf(r->ref, sizeof(r->ref), "%s",
			    (const char *)sqlite3_column_text(st, 0));
		db_done(st);
		if (rc == SQLITE_ROW) {
			db_rollback(db);
			return DB_DUPLICATE;
		}
		if (rc != SQLITE_DONE)
			goto fail;
	}
	/* A double submit (above) is not counted; a refused one is not. */
	for (i = 0; i < 2; i++) {
		if (r->rate_keys[i] == NULL)
			continue;
		if ((rc = db_rate_step(db, r->rate_keys[i], (int64_t)time(NULL),
		    3600, &hits)) != SQLITE_DONE)
			goto fail;
		over |= hits > r->rate_limit;
	}
	if (over) {
		db_rollback(db);
		return DB_LIMITED;
	}
	db_now(now);
	/*
	 * A clash of reference codes is rare (40 random bits): draw again.
	 * The nonce cannot clash: it was looked up under the same lock.
	 */
	for (tries = 0; tries < 8; tries++)
		if ((rc = referral_insert(db, r, nonce, now)) !=
		    SQLITE_CONSTRAINT_UNIQUE)
			break;
	if (rc != SQLITE_DONE)
		goto fail;
	r->id = sqlite3_last_insert_rowid(db->conn);

	if ((st = stmt(db, STMT_REFERRAL_SITE_INSERT)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	for (i = 0; i < r->nsites; i++) {
		(void)sqlite3_bind_int64(st, 1, r->id);
		(void)sqlite3_bind_int64(st, 2, r->sites[i]);
		rc = db_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}

	if ((rc = referral_created(db, r, now)) != SQLITE_OK)
		goto fail;
	if ((r->referrer != NULL || r->ncontacts > 0) &&
	    db_referral_people_insert(db, r->id, r->referrer, r->contacts,
	    r->ncontacts) == -1) {
		rc = db_errcode(db);
		goto fail;
	}
	if (r->consent_contact && r->email != NULL && r->email[0] != '\0') {
		snprintf(key, sizeof(key), "referral-ack:%lld",
		    (long long)r->id);
		if (db_outbox_add(db, "referral_ack", key, r->email,
		    r->given_name, r->id, 0, msgid_domain) == -1) {
			rc = db_errcode(db);
			goto fail;
		}
	}
	if (notify_coordinators(db, r->id, msgid_domain) == -1) {
		rc = db_errcode(db);
		goto fail;
	}
	return db_tx_commit(db, "referral create");
fail:
	return db_tx_fail(db, rc, "referral create");
}

int64_t
db_referral_count(struct db *db)
{
	sqlite3_stmt *st = stmt(db, STMT_REFERRAL_COUNT);
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (db_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	db_done(st);
	return n;
}

int64_t
db_user_add(struct db *db, const char *email, const char *name,
    const char *role, const char *password_hash)
{
	sqlite3_stmt *st;
	char now[21];
	int rc;

	if ((st = stmt(db, STMT_USER_ADD)) == NULL)
		return -1;
	db_now(now);
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, role);
	if (password_hash != NULL)
		db_bind_text(st, 4, password_hash);
	db_bind_text(st, 5, now);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: user add %s: %s\n", email,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return sqlite3_last_insert_rowid(db->conn);
}

int
db_user_each(struct db *db, void (*fn)(void *, int64_t, const char *,
    const char *, const char *, int), void *arg)
{
	sqlite3_stmt *st = stmt(db, STMT_USER_LIST);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    sqlite3_column_int(st, 4));
	return rc;
}

int
db_backup(struct db *db, const char *path)
{
	sqlite3 *to;
	sqlite3_backup *bk;
	int rc;

	if (sqlite3_open(path, &to) != SQLITE_OK) {
		fprintf(stderr, "db: backup %s: %s\n", path,
		    sqlite3_errmsg(to));
		sqlite3_close(to);
		return -1;
	}
	if ((bk = sqlite3_backup_init(to, "main", db->conn, "main")) ==
	    NULL) {
		fprintf(stderr, "db: backup: %s\n", sqlite3_errmsg(to));
		sqlite3_close(to);
		return -1;
	}
	/*
	 * One step copies every page from one read snapshot: in WAL mode
	 * writers go on meanwhile.  Copying in small steps instead would
	 * start again each time another connection writes in between, and
	 * under a steady load might never finish.
	 */
	do {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	(void)sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: backup: %s\n", sqlite3_errstr(rc));
		sqlite3_close(to);
		return -1;
	}
	return sqlite3_close(to) == SQLITE_OK ? 0 : -1;
}

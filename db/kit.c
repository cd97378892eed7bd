/*
 * db/kit: the statement cache, binders, steps, row readers and write
 * transactions that every file of db/ uses (declared in db_int.h), and
 * the test-only fault hook (db.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT inner";
static const char sql_release[] = "RELEASE inner";
static const char sql_undo_inner[] = "ROLLBACK TO inner";
static const char sql_read[] = "BEGIN DEFERRED";

/*
 * The fault hook.  Tests run one connection in one thread, so plain
 * statics do: the connection armed, the steps left before the fault,
 * whether it fired, and whether the last step on that connection was it.
 */
static sqlite3	*fault_conn;
static int	 fault_left;
static int	 fault_fired;
static int	 fault_last;

void
db_fault_set(struct db *db, int n)
{
	fault_conn = n > 0 ? db->conn : NULL;
	fault_left = n > 0 ? n : 0;
	fault_fired = 0;
	fault_last = 0;
}

int
db_fault_fired(struct db *db)
{
	(void)db;
	return fault_fired;
}

int
db_step(sqlite3_stmt *st)
{
	if (fault_left > 0 && sqlite3_db_handle(st) == fault_conn) {
		fault_last = 0;
		if (--fault_left == 0) {
			fault_fired = 1;
			fault_last = 1;
			return SQLITE_IOERR;
		}
	} else if (fault_last && sqlite3_db_handle(st) == fault_conn)
		fault_last = 0;
	return sqlite3_step(st);
}

int
db_errcode(struct db *db)
{
	if (fault_last && db->conn == fault_conn)
		return SQLITE_IOERR;
	return sqlite3_errcode(db->conn);
}

sqlite3_stmt *
db_stmt(struct db *db, const char *sql)
{
	uintptr_t h = (uintptr_t)sql;
	size_t i, n;
	sqlite3_stmt *st;

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15u;
	i = (size_t)(h >> 40) & (DB_STMT_CACHE - 1);
	for (n = 0; n < DB_STMT_CACHE; n++, i = (i + 1) & (DB_STMT_CACHE - 1)) {
		if (db->keys[i] == sql)
			return db->stmts[i];
		if (db->keys[i] == NULL)
			break;
	}
	if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "db: prepare: %s: %.60s\n",
		    sqlite3_errmsg(db->conn), sql);
		return NULL;
	}
	if (n == DB_STMT_CACHE) {
		/* Full: never expected; the statement is not cached. */
		fprintf(stderr, "db: statement cache full\n");
		abort();
	}
	db->keys[i] = sql;
	db->stmts[i] = st;
	return st;
}

void
db_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

int
db_exec(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	int rc;

	if (st == NULL)
		return SQLITE_ERROR;
	rc = db_run(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	(void)sqlite3_bind_text(st, i, s != NULL ? s : "", -1,
	    SQLITE_STATIC);
}

void
db_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL && *s != '\0')
		db_bind_text(st, i, s);
	else
		(void)sqlite3_bind_null(st, i);
}

void
db_bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		(void)sqlite3_bind_int64(st, i, id);
	else
		(void)sqlite3_bind_null(st, i);
}

void
db_bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	(void)sqlite3_bind_int64(st, i, v);
}

int
db_run(sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return SQLITE_ERROR;	/* db_stmt logged why */
	rc = db_step(st);

	db_done(st);
	return rc;
}

int
db_run_count(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = db_run(st);

	if (rc == SQLITE_DONE)
		return sqlite3_changes(db->conn);
	if (what != NULL)
		fprintf(stderr, "db: %s: %s (%d)\n", what,
		    sqlite3_errmsg(db->conn), rc);
	return -1;
}

/* Logs a failed read of st. */
static void
read_fail(struct db *db, sqlite3_stmt *st)
{
	fprintf(stderr, "db: read: %s (%d): %.60s\n",
	    sqlite3_errmsg(db->conn), db_errcode(db), sqlite3_sql(st));
}

sqlite3_stmt *
db_stmt_with(struct db *db, const char *sql, int64_t v)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st != NULL)
		(void)sqlite3_bind_int64(st, 1, v);
	return st;
}

int
db_next(struct db *db, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return -1;	/* db_stmt logged why */
	rc = db_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		read_fail(db, st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_each(struct db *db, sqlite3_stmt *st, void (*row)(sqlite3_stmt *,
    db_any_fn, void *), db_any_fn fn, void *arg)
{
	int rc;

	while ((rc = db_next(db, st)) == 1)
		row(st, fn, arg);
	return rc;
}

int
db_one(struct db *db, sqlite3_stmt *st, void (*row)(sqlite3_stmt *,
    void *), void *out)
{
	int rc = db_next(db, st);

	if (rc == 1) {
		row(st, out);
		db_done(st);
	}
	return rc;
}

const char *
db_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

/*
 * As snprintf(dst, n, "%s", src) without the format machinery: every row
 * a page reads passes its text columns through here (a big service's
 * week grid copies some ten thousand a request).
 */
void
db_copy(char *dst, size_t n, const char *src)
{
	size_t len;

	if (n == 0)
		return;
	if (src == NULL)
		src = "";
	len = strnlen(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void
db_row_read(sqlite3_stmt *st, const struct db_column *cols, size_t n,
    void *out, size_t size)
{
	unsigned char *p = out;
	int64_t v64;
	size_t i;
	int v;

	memset(out, 0, size);
	for (i = 0; i < n; i++) {
		assert(cols[i].off + cols[i].size <= size);
		switch (cols[i].kind) {
		case DB_COL_INT64:
			assert(cols[i].size == sizeof(v64));
			v64 = sqlite3_column_int64(st, (int)i);
			memcpy(p + cols[i].off, &v64, sizeof(v64));
			break;
		case DB_COL_INT:
			assert(cols[i].size == sizeof(v));
			v = sqlite3_column_int(st, (int)i);
			memcpy(p + cols[i].off, &v, sizeof(v));
			break;
		case DB_COL_TEXT:
			db_copy((char *)p + cols[i].off, cols[i].size,
			    db_col(st, (int)i));
			break;
		}
	}
}

enum db_result
db_result_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return DB_OK;
	case SQLITE_FULL:
	case SQLITE_IOERR:
		return (rc & 0xff) == SQLITE_FULL ||
		    rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC ?
		    DB_FULL : DB_ERROR;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_CONSTRAINT:
		return DB_INVALID;
	default:
		return DB_ERROR;
	}
}

enum db_result
db_tx_fail(struct db *db, int rc, const char *what)
{
	enum db_result r = db_result_of(rc);

	fprintf(stderr, "db: %s: %s (%d)\n", what, sqlite3_errmsg(db->conn),
	    rc);
	db_rollback(db);
	return r == DB_OK ? DB_ERROR : r;
}

enum db_result
db_tx_run_one(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = db_run(st);

	if (rc != SQLITE_DONE)
		return db_tx_fail(db, rc, what);
	if (sqlite3_changes(db->conn) != 1) {
		db_rollback(db);
		return DB_CONFLICT;
	}
	return DB_OK;
}

enum db_result
db_tx_begin(struct db *db)
{
	int rc = db_exec(db, db->tx_depth > 0 ? sql_savepoint : sql_begin);
	enum db_result r;

	if (rc == SQLITE_OK) {
		db->tx_depth++;
		return DB_OK;
	}
	if (db->tx_depth > 0) {
		fprintf(stderr, "db: savepoint: %s (%d)\n",
		    sqlite3_errmsg(db->conn), rc);
		r = db_result_of(rc);
		return r == DB_OK ? DB_ERROR : r;
	}
	r = db_result_of(rc);
	fprintf(stderr, "db: begin: %s (%d)\n", sqlite3_errmsg(db->conn), rc);
	/* A failed BEGIN may still leave one open (never expected). */
	db_rollback(db);
	return r == DB_OK ? DB_ERROR : r;
}

enum db_result
db_tx_commit(struct db *db, const char *what)
{
	int rc = db_exec(db, db->tx_depth > 1 ? sql_release : sql_commit);

	if (rc == SQLITE_OK) {
		if (db->tx_depth > 0)
			db->tx_depth--;
		return DB_OK;
	}
	return db_tx_fail(db, rc, what);
}

int
db_begin(struct db *db)
{
	return db_tx_begin(db) == DB_OK ? 0 : -1;
}

int
db_commit(struct db *db)
{
	return db_tx_commit(db, "commit") == DB_OK ? 0 : -1;
}

/*
 * Steps ROLLBACK past the fault hook: a test checks the state a failed
 * write leaves after its rollback, as SQLite's own fault tests do.
 */
void
db_rollback(struct db *db)
{
	sqlite3_stmt *st;

	if (db->tx_depth > 1) {
		/* A savepoint: undo it and end it, the outer write goes on. */
		db->tx_depth--;
		if ((st = db_stmt(db, sql_undo_inner)) != NULL) {
			(void)sqlite3_step(st);
			db_done(st);
		}
		if ((st = db_stmt(db, sql_release)) != NULL) {
			(void)sqlite3_step(st);
			db_done(st);
		}
		return;
	}
	db->tx_depth = 0;
	if (sqlite3_get_autocommit(db->conn) ||
	    (st = db_stmt(db, sql_rollback)) == NULL)
		return;
	(void)sqlite3_step(st);
	db_done(st);
}

int
db_read_begin(struct db *db)
{
	int rc = db_exec(db, sql_read);

	if (rc != SQLITE_OK) {
		fprintf(stderr, "db: read begin: %s (%d)\n",
		    sqlite3_errmsg(db->conn), rc);
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_read_end(struct db *db)
{
	db_rollback(db);
}

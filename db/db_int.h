/*
 * db_int: what the files of db/ share and nothing else sees.
 *
 * Each file of db/ keeps its SQL as static strings; db_stmt prepares a
 * string once per connection and caches the statement by the string's
 * address, so a statement is prepared on first use and then only reset.
 * Below them, the kit every file uses: binders, one way to step and read
 * rows, and one way to begin, commit and fail a write.  A write that
 * belongs together (its history line, audit line and outbox rows too)
 * runs between db_tx_begin and db_tx_commit, and every failure inside
 * ends in db_tx_fail, so it is stored whole or not at all.
 */
#ifndef DB_DB_INT_H
#define DB_DB_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/schedule.h"

#define DB_STMT_CACHE	256	/* slots; a power of two */

struct db {
	sqlite3		*conn;
	long		 busy_ms;	/* longest wait for a lock */
	struct timespec	 busy_t0;	/* when this wait began */
	int		 tx_depth;	/* writes begun and not ended */
	uint64_t	 serial;	/* this process's count of db_open */
	const char	*keys[DB_STMT_CACHE];
	sqlite3_stmt	*stmts[DB_STMT_CACHE];
};

/*
 * Returns the prepared statement for sql (a string with static storage),
 * ready to bind, or NULL (logged) when it cannot be prepared.
 */
sqlite3_stmt	*db_stmt(struct db *, const char *sql);
/* db_stmt with parameter 1 bound to v, or NULL (logged). */
sqlite3_stmt	*db_stmt_with(struct db *, const char *sql, int64_t v);
/* Resets and unbinds a statement after use; NULL is fine. */
void		 db_done(sqlite3_stmt *);
/* Runs sql that returns no rows; returns the SQLite code. */
int		 db_exec(struct db *, const char *sql);

/* ---- binders: each binds parameter i of st, and cannot fail ---- */

/* Binds s (NULL as ""), copied by SQLite only when it must be. */
void		 db_bind_text(sqlite3_stmt *, int i, const char *s);
/* Binds s, or NULL when s is NULL or "". */
void		 db_bind_opt(sqlite3_stmt *, int i, const char *s);
/* Binds an id, or NULL when it is 0 or less. */
void		 db_bind_id(sqlite3_stmt *, int i, int64_t id);
/* Binds an integer. */
void		 db_bind_int(sqlite3_stmt *, int i, int64_t v);

/* ---- steps and rows ---- */

/*
 * Every step in db/ goes through here, so that a test can make one fail
 * (db_fault_set).  Returns the SQLite code.
 */
int		 db_step(sqlite3_stmt *);
/*
 * Steps a statement that returns no rows and resets it; the SQLite code
 * (SQLITE_ERROR for a NULL st, as db_stmt returns when it cannot).
 */
int		 db_run(sqlite3_stmt *);
/*
 * Runs st, which returns no rows, and resets it: how many rows it
 * changed, or -1 (logged as what unless what is NULL; st may be NULL,
 * as db_stmt returns when it cannot).  db_errcode tells why.
 */
int		 db_run_count(struct db *, sqlite3_stmt *, const char *what);
/*
 * The code of the last failed step on db: SQLite's, or the injected
 * fault's.  Read it before anything else touches the connection.
 */
int		 db_errcode(struct db *);
/*
 * The row iterator: steps st to its next row.  1: a row is there to read;
 * 0: no more rows; -1: an error (logged), or st is NULL (as db_stmt
 * returns when it cannot prepare).  On 0 and -1 the statement is reset;
 * a caller that stops early calls db_done itself.  db_each and db_one
 * take NULL in the same way.
 *	while ((rc = db_next(db, st)) == 1)
 *		read a row;
 */
int		 db_next(struct db *, sqlite3_stmt *);
/* A callback of any type, kept between db_each and a row reader. */
typedef void	(*db_any_fn)(void);
/*
 * Calls row(st, fn, arg) for each row of st, then resets it; the row
 * reader casts fn back to its type.  0, or -1 (logged).
 */
int		 db_each(struct db *, sqlite3_stmt *,
		    void (*row)(sqlite3_stmt *, db_any_fn, void *),
		    db_any_fn fn, void *arg);
/*
 * Defines the row reader name for db_each that reads a row into a T with
 * read(st, &t) and hands it to the caller's fn(arg, const T *).
 */
#define DB_ROW_CALL(name, T, read)					\
static void								\
name(sqlite3_stmt *st, db_any_fn fn, void *arg)				\
{									\
	T rec;								\
									\
	read(st, &rec);							\
	((void (*)(void *, const T *))fn)(arg, &rec);			\
}
/* Steps st once into out with row(st, out); 1 a row, 0 none, -1 error. */
int		 db_one(struct db *, sqlite3_stmt *, void (*row)(sqlite3_stmt *,
		    void *), void *out);
struct db_referral;
/*
 * Binds what a person told of r (status, source, name ... consent, as
 * the referrals table orders them) from parameter i on; the index after
 * the last.  The insert of db_referral_create and db_bulk_referral.
 */
int		 db_referral_bind(sqlite3_stmt *, int i,
		    const struct db_referral *r);
/*
 * A row read by a table of columns: each column of a SELECT, in order,
 * names the struct member it fills and how (DB_COL_INT64, DB_COL_INT, or
 * DB_COL_TEXT: copied, cut to fit the member's array).  A reader is then
 * its column list, written as DB_COLUMN(KIND, struct type, member).
 */
enum db_col_kind { DB_COL_INT64, DB_COL_INT, DB_COL_TEXT };
struct db_column {
	enum db_col_kind kind;
	size_t		 off;	/* offsetof the member */
	size_t		 size;	/* sizeof the member */
};
#define DB_COLUMN(kind, T, m)						\
	{ DB_COL_##kind, offsetof(T, m), sizeof(((T *)0)->m) }
/*
 * Zeroes out (size bytes), then reads column i of st's current row into
 * cols[i]'s member, for i < n.  Cannot fail (NULL reads as 0 or "").
 */
void		 db_row_read(sqlite3_stmt *, const struct db_column *cols,
		    size_t n, void *out, size_t size);
/* How many columns the array cols lists. */
#define DB_NCOLUMNS(cols)	(sizeof(cols) / sizeof((cols)[0]))
/*
 * Defines the row reader name for db_each that reads a row into a T by
 * the column array cols and hands it to the caller's fn(arg, const T *).
 */
#define DB_ROW_COLUMNS(name, T, cols)					\
static void								\
name(sqlite3_stmt *st, db_any_fn fn, void *arg)				\
{									\
	T rec;								\
									\
	db_row_read(st, cols, DB_NCOLUMNS(cols), &rec, sizeof(rec));	\
	((void (*)(void *, const T *))fn)(arg, &rec);			\
}
/* Column i of the current row as text, "" for NULL; SQLite owns it. */
const char	*db_col(sqlite3_stmt *, int i);
/* Copies src (NULL as "") into dst of n bytes, cut to fit. */
void		 db_copy(char *dst, size_t n, const char *src);

/*
 * Counts one rate limit hit under key inside the caller's write (see
 * db_rate_hit); the SQLite code, SQLITE_DONE when counted.  Not logged.
 */
int		 db_rate_step(struct db *, const char *key, int64_t now,
		    int64_t window, int *hits);

/* ---- write transactions ---- */

/* Maps an SQLite result code to what callers act on. */
enum db_result	 db_result_of(int rc);
/*
 * Starts a write (BEGIN IMMEDIATE).  DB_OK; DB_BUSY when another writer
 * held the lock too long; DB_FULL or DB_ERROR otherwise.  Nothing is
 * begun unless DB_OK.  Inside a write already begun it opens a savepoint
 * instead, which commit releases and fail or db_rollback undo alone: so
 * several writers called between one outer begin and commit (db_batch_*
 * in db.h) are stored together or not at all.
 */
enum db_result	 db_tx_begin(struct db *);
/*
 * Commits.  DB_OK, or what failed (logged as what, rolled back: nothing
 * stored).
 */
enum db_result	 db_tx_commit(struct db *, const char *what);
/*
 * Ends a failed write: logs rc with SQLite's words for what, rolls back,
 * and returns what the caller acts on (never DB_OK; SQLITE_OK and
 * SQLITE_DONE, as when a statement could not be prepared, give
 * DB_ERROR).  Pass db_errcode(db) when the code is not at hand.
 */
enum db_result	 db_tx_fail(struct db *, int rc, const char *what);
/*
 * Inside a write: runs st, which is to change one row.  DB_OK when it
 * did (the write goes on); DB_CONFLICT when it changed none (the row is
 * gone or someone changed it first), rolled back; else what failed,
 * as db_tx_fail gives it (logged as what, rolled back).  st may be NULL,
 * as db_stmt returns when it cannot (DB_ERROR).
 */
enum db_result	 db_tx_run_one(struct db *, sqlite3_stmt *, const char *what);
/*
 * A read snapshot: every read until db_read_end sees the same database.
 * 0, or -1 (logged) with nothing begun.  db_read_end cannot fail.
 */
int		 db_read_begin(struct db *);
void		 db_read_end(struct db *);

/*
 * db/schedule.c's cancellation inside a write already begun (for the
 * writers that cancel as one step of their own): 0 done, 1 not
 * cancellable (no such session, past or cancelled: nothing written),
 * -1 error.  Arguments as db_occ_cancel's.
 */

int		 db_occ_cancel_tx(struct db *, int64_t series_id,
		    const char *date, enum db_cancel_by, const char *reason,
		    int64_t user_id, const char *addr, int grace_s,
		    const char *msgid_domain);
/*
 * The same with no email to the clients: for a writer that tells them
 * of many cancellations in one email of its own (db_self_stop).
 */
int		 db_occ_cancel_untold_tx(struct db *, int64_t series_id,
		    const char *date, enum db_cancel_by, const char *reason,
		    int64_t user_id, const char *addr);

/*
 * db/schedule.c's clash check of a move: whether the session of series_id
 * on date may move to `to` in room_id (0: the series' room), as a booking
 * would be checked, except against itself.  0 free (*room_used, may be
 * NULL, gets the room), 1 a clash named in clash, -1 error.
 */
int		 db_occ_clash(struct db *, int64_t series_id,
		    const char *date, const struct db_occ *to,
		    int64_t room_id, int64_t *room_used, char *clash,
		    size_t clashlen);

/*
 * db/undo.c: inside the write of a booking (after its series is stored)
 * or of a move (before it is stored), keeps what Undo needs, when
 * grace_s > 0 and user_id > 0; else nothing.  0, or -1.
 */
int		 db_undo_booking_note(struct db *, int64_t series_id,
		    int64_t user_id, int grace_s);
int		 db_undo_move_note(struct db *, int64_t series_id,
		    const char *date, int64_t to_start_utc, int64_t user_id,
		    int grace_s);

/*
 * db/outbox.c: the range [lo, hi) of dedupe keys that p names (lo and hi
 * hold n bytes): a prefix ending in ':' or '@' names every key under it;
 * a whole key names itself only.
 */
void		 db_key_range(const char *p, char *lo, char *hi, size_t n);

/*
 * Inside a write: drops the queued emails whose keys are in [lo, hi),
 * kept with reason as their last error and their keys retired.  How
 * many, or -1.
 */
int		 db_outbox_drop_range(struct db *, const char *lo,
		    const char *hi, const char *reason);

/*
 * Inside a write: queues email kind to the active coordinators and, when
 * therapist_series is set, that series' therapist, each keyed
 * "KIND:KEY_PART:USER" (db/self.c).  0, or -1.
 */
int		 db_staff_notify(struct db *, const char *kind,
		    const char *key_part, int64_t referral_id,
		    int64_t therapist_series, const char *msgid_domain);

/*
 * db/reports.c: the first instant of UTC month id (year * 12 + month -
 * 1); and the whole UTC months inside [from_utc, to_utc), [*k0, *k1)
 * (none when *k0 >= *k1), which the summaries kept by month (036, 049,
 * 055) answer for a period.
 */
int64_t		 db_utc_month_start(int64_t id);
void		 db_utc_months(int64_t from_utc, int64_t to_utc, int64_t *k0,
		    int64_t *k1);

#endif

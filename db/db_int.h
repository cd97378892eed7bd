/*
 * db_int: what the files of db/ share and nothing else sees.
 *
 * Each file of db/ keeps its SQL as static strings; db_stmt prepares a
 * string once per connection and caches the statement by the string's
 * address, so a statement is prepared on first use and then only reset.
 */
#ifndef DB_DB_INT_H
#define DB_DB_INT_H

#include <time.h>

#include <sqlite3.h>

#include "db/db.h"

#define DB_STMT_CACHE	256	/* slots; a power of two */

struct db {
	sqlite3		*conn;
	long		 busy_ms;	/* longest wait for a lock */
	struct timespec	 busy_t0;	/* when this wait began */
	const char	*keys[DB_STMT_CACHE];
	sqlite3_stmt	*stmts[DB_STMT_CACHE];
};

/*
 * Returns the prepared statement for sql (a string with static storage),
 * ready to bind, or NULL (logged) when it cannot be prepared.
 */
sqlite3_stmt	*db_stmt(struct db *, const char *sql);
/* Resets and unbinds a statement after use; NULL is fine. */
void		 db_done(sqlite3_stmt *);
/* Binds s (NULL as ""), copied by SQLite only when it must be. */
void		 db_bind_text(sqlite3_stmt *, int, const char *s);
/* Column i of the current row as text, "" for NULL; SQLite owns it. */
const char	*db_col(sqlite3_stmt *, int i);
/* Copies src (NULL as "") into dst of n bytes, cut to fit. */
void		 db_copy(char *dst, size_t n, const char *src);
/* Maps an SQLite result code to what callers act on. */
enum db_result	 db_result_of(int rc);
/*
 * Ends a failed write: logs SQLite's words for what, rolls back, and
 * returns what the caller acts on (never DB_OK).  Read the error before
 * anything else touches the connection.
 */
enum db_result	 db_tx_fail(struct db *, const char *what);
/* Runs sql that returns no rows; returns the SQLite code. */
int		 db_exec(struct db *, const char *sql);

#endif

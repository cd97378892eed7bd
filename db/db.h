/*
 * db: the connection to the one SQLite database, its schema, and what
 * every caller shares (results, transactions, backup).  The domain's
 * records have their own headers: referrals.h (the form, the queue and a
 * referral's life), staff.h (users, sessions, sign-ins, the audit
 * trail), records.h, schedule.h, outbox.h, feeds.h, remind.h,
 * privacy.h, reports.h.
 *
 * Nothing here knows about HTTP.  Each file of db/ keeps its statements
 * as ?-bound static strings beside the functions that run them; a
 * statement is prepared on first use, cached per connection by the
 * string's address, and then only reset (db_int.h).  Functions return 0
 * on success and -1 on an error that has been logged to stderr, unless
 * they say otherwise.
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* Returns the index of name in the table of n names, or -1. */
int	 db_name_index(const char *const *table, size_t n, const char *name);

/*
 * Opens (creating when absent) the database at path, with WAL, foreign
 * keys, a busy timeout and synchronous=NORMAL, and brings the schema up
 * to date.  Returns NULL with a message in err on failure.
 */
struct db	*db_open(const char *path, char *err, size_t errlen);
/* Finalises every statement and closes; NULL is fine. */
void		 db_close(struct db *);
/*
 * on = 0: this connection never checkpoints the WAL itself (the workers:
 * tutti-fcgi's checkpointer does it for them); 1 (db_open's default):
 * its commits checkpoint only a WAL twice the size the checkpointer lets
 * it reach (32 MiB), so that they leave the copying to the checkpointer
 * while it runs.
 */
void		 db_autocheckpoint(struct db *, int on);
/*
 * How long a statement waits for a lock another process holds before it
 * fails with SQLITE_BUSY: 10 seconds unless set (the web workers set
 * 2.5 s, so that a held lock answers the 503 page soon and frees the
 * worker for reads, which never wait for writers in WAL mode).  Cannot
 * fail.
 */
void		 db_busy_timeout(struct db *, long ms);
/*
 * Copies what the WAL holds back into the database without waiting for
 * anyone, and lets the WAL start again once it is large.  For a
 * background process, ten times a second.  0 (also when another
 * connection was checkpointing just then), or -1 on an error.
 */
int		 db_checkpoint(struct db *);
/* 0 when the database answers a trivial query. */
int		 db_ping(struct db *);

/*
 * What a connection last saw of the records (db_records_changed) or of
 * the world's (db_world_changed): one mark for one of them.
 */
struct db_mark {
	uint64_t	 serial;	/* which connection it is from */
	int64_t		 epoch;		/* record_epoch.n or world_epoch.n */
	int		 set;
};
/*
 * 1 when a record may have changed since *mark (always the first time,
 * or with a mark from another connection), 0 when none has; *mark then
 * holds now: for a worker to keep what it read from the database until
 * a record changes.  Writes to the logs that pages and the mailer write
 * as they go (migration 042's record_epoch_logs: the audit trail,
 * sign-ins, the outbox ...) do not count.  A commit by any connection
 * or process shows on its next call.  One read of a one-row table.  -1
 * on an error (logged; *mark then unset).
 */
int		 db_records_changed(struct db *, struct db_mark *);
/*
 * The same for what core_world_load reads (migration 045's world_epoch:
 * the service's set-up, the booked sessions and the open caseloads),
 * so that attendance, notes, outcomes, a referral's history or a new
 * referral do not count either.  -1 on an error (logged).
 */
int		 db_world_changed(struct db *, struct db_mark *);
/* The schema version (PRAGMA user_version) and the newest one known. */
int		 db_schema_version(struct db *);
int		 db_schema_latest(void);

/*
 * Reads the secret called name (creating len random bytes the first
 * time) into out.  Secrets sign form tokens and links.
 */
int	 db_secret(struct db *, const char *name, unsigned char *out,
	    size_t len);

/* The current time as ISO 8601 UTC ("2026-11-24T22:00:00Z"). */
void	 db_now(char out[21]);

enum db_result {
	DB_OK,		/* done */
	DB_CONFLICT,	/* someone changed it first: nothing stored */
	DB_DUPLICATE,	/* already done before (same form token) */
	DB_FULL,	/* the disk or database is full: nothing stored */
	DB_BUSY,	/* locked for too long: nothing stored */
	DB_INVALID,	/* refused by a constraint: nothing stored */
	DB_ERROR,	/* anything else: nothing stored */
	DB_LIMITED	/* over a rate limit: nothing stored */
};

/*
 * The audit line a staff action writes in the same transaction as the
 * action itself (the *_audited writers): who, from where, what, about
 * which referral or account (0: none), in plain words.
 */
struct db_audit_line {
	int64_t		 user_id;
	const char	*addr;
	const char	*action;
	int64_t		 referral_id;
	int64_t		 subject_user_id;
	const char	*detail;
};

/*
 * Transactions for callers outside db/ that group writes (tuttictl,
 * the mailer): BEGIN IMMEDIATE, 0 or -1 (logged).  A failed commit rolls
 * back.  db_rollback does nothing when no transaction is open.
 */
int	 db_begin(struct db *);
int	 db_commit(struct db *);
void	 db_rollback(struct db *);

/* Online backup into a new file at path (SQLite's backup API). */
int	 db_backup(struct db *, const char *path);

/*
 * For tests only: the nth sqlite3_step on this connection from now (1 is
 * the next) fails with SQLITE_IOERR without running; 0 turns it off.
 * Inert unless set.
 */
void	 db_fault_set(struct db *, int n);
/* 1 when the fault set by db_fault_set has fired. */
int	 db_fault_fired(struct db *);

#endif

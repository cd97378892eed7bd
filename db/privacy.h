/*
 * db/privacy: what the service holds about one person, handed over
 * (export), removed (erase), and the retention rule (purge).
 *
 * A client is named by their referral's id: the referral row is the
 * person (name, contact details, what they told us), and their clients
 * rows (one per time on a caseload), sessions, attendance, emails and
 * audit lines all lead back to it.  `tuttictl export-client ID` and
 * `erase-client ID` take that id (or the reference code).
 *
 * Erasing keeps every row that /reports counts (the referral's state,
 * needs, source and dates; caseload entries; sessions and attendance;
 * outcome answers) and removes or empties everything that identifies
 * the person: names, contact details, date of birth, postcode, what
 * they wrote, notes, the reasons in their history, attendance notes,
 * the reasons given for their sessions' changes, the addresses and
 * names on their emails (unsent ones are cancelled), and cached calendar
 * feeds.  Then any other copy of their full name, email or phones in a
 * text column of any table is replaced, unless another client gives the
 * same one (a family's shared email or phone stays theirs).  Every
 * connection runs with PRAGMA secure_delete (db_open), so what anyone
 * deletes or rewrites is zeroed where it lay; db_privacy_compact then
 * empties the WAL of its old frames (and, the first time, VACUUMs the
 * file once for what was freed before) so that no old copy stays.  Files outside the database (delivered .eml files,
 * backups) are the caller's to handle.
 *
 * Functions return 0 on success and -1 on an error logged to stderr,
 * unless they say otherwise.
 */
#ifndef DB_PRIVACY_H
#define DB_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

struct buf;

/*
 * Appends to out, as one JSON object, every row held about the client
 * referral_id: the referral, its sites, history, notes, caseload
 * entries, group memberships, session series, sessions, exceptions,
 * attendance, emails, audit lines (those naming the referral, and those
 * whose detail names one of the client's series or caseload entries),
 * outcome answers, the family surveys about them (the contact by role
 * only) and any erasure.  Rows are written column by column
 * as stored.  Returns 1 when written, 0 when there is no such referral
 * (nothing appended), -1 on error (out may hold part of the object).
 */
int	 db_privacy_export(struct db *, int64_t referral_id, struct buf *out);

/* What one erasure changed (rows). */
struct db_erase_summary {
	int64_t	 notes;		/* deleted */
	int64_t	 events;	/* history lines whose reason was emptied */
	int64_t	 attendance;	/* attendance notes emptied */
	int64_t	 exceptions;	/* session change reasons emptied */
	int64_t	 emails;	/* emails whose address was removed */
	int64_t	 cancelled;	/* of them, unsent ones cancelled */
	int64_t	 feeds;		/* cached calendar feeds dropped */
	int64_t	 swept;		/* other cells holding their name, email
				   or phone, replaced (logged) */
	int64_t	 shared;	/* of those strings, ones another client
				   also gives (a family's email): kept */
	int	 again;		/* it had been erased before */
};

/*
 * Removes or empties everything that identifies the client referral_id
 * (see above) in one BEGIN IMMEDIATE transaction under PRAGMA
 * secure_delete, recording the erasure (reason "request" or
 * "retention") and an audit line by user_id (0: the command line) from
 * addr.  The search of every table for other copies of their strings
 * reads first, beside other connections' writes; the transaction then
 * replaces them in the rows found and in any row written since that
 * read began (migration 051's watch), so it is short.  Called inside a
 * write already begun, all of it runs in that write.  Erasing again is allowed (sum->again is set; it finds little
 * more to do).  Call db_privacy_compact afterwards.  Returns DB_OK with
 * *sum filled, DB_CONFLICT when there is no such referral, DB_INVALID
 * for an unknown reason, or DB_BUSY, DB_FULL, DB_ERROR with nothing
 * changed.
 */
enum db_result db_privacy_erase(struct db *, int64_t referral_id,
	    const char *reason, int64_t user_id, const char *addr,
	    struct db_erase_summary *sum);

/*
 * Drops the watches on writes (migration 051) that erasures began over
 * 15 minutes before now (unix seconds), and with the last one the log
 * of writes: an erasure or purge killed part way leaves its watch, and
 * while one stands every write of the web logs a row.  A live
 * erasure's watch is never that old (one per batch, at N=10 under a
 * minute); one dropped all the same makes that erasure read again
 * under the write lock.  With none to drop it only reads.  The mailer
 * calls it every minute.  Returns how many were dropped, or -1.
 */
int	 db_privacy_watch_expire(struct db *, int64_t now);

/*
 * Makes deleted content unrecoverable from the files: checkpoints and
 * truncates the WAL (whose old frames are earlier versions of pages),
 * retrying for up to 3 minutes while other connections hold its locks,
 * each wait short enough for the web's writes.  The first time on a
 * file it also VACUUMs (free space may hold what was freed before
 * every writer zeroed it), then records in settings that the file's
 * free space is clean, and truncates the WAL again.  Every later
 * writer must run under secure_delete (db_open); a program writing the
 * file otherwise (an older tutti, the sqlite3 shell) must delete the
 * settings row "privacy_zeroed_since".  Returns 0, or -1 when it could
 * not finish (the data is erased; the old bytes may remain in free
 * pages or the WAL until this succeeds).
 */
int	 db_privacy_compact(struct db *);

/*
 * Calls fn for each Message-ID of an email to the client (not to staff
 * about them): "<hex@domain>".  Returns 0, or -1.
 */
int	 db_privacy_messages(struct db *, int64_t referral_id,
	    void (*fn)(void *, const char *message_id), void *arg);

/*
 * The retention rule: finds the closed, declined and withdrawn
 * referrals not yet erased whose closing (the last move into their
 * state, else their last update) is more than years before now (unix
 * seconds), and unless dry_run erases them (reason "retention") as
 * db_privacy_erase would one by one in that order, but a batch of up
 * to 200 at a time in one short transaction with one sweep for all of
 * them, whose read runs first beside other writes (a string that only
 * people of the batch give is theirs alone, and swept); then compacts
 * once.  Calls fn(arg, id, status, closed_at) for each once its batch
 * is stored (each found, for dry_run).  Sets *count to the number
 * erased (found, for dry_run).  Returns 0, or -1 (the batches stored
 * before the error stay erased, the rest untouched).
 */
int	 db_privacy_purge(struct db *, int64_t now, long years, int dry_run,
	    void (*fn)(void *, int64_t id, const char *status,
	    const char *closed_at), void *arg, int64_t *count);

#endif

/*
 * undo: taking back a booking or a move while its emails wait out the
 * change grace period (db/schema/030-change-undo.sql, issue 17).
 *
 * A booking or a move made by a member of staff with a grace period
 * writes one change_undo row in its own transaction (db_series_book and
 * db_occ_move do, through db_int.h).  db_undo_apply puts back what the
 * row says, in one transaction with its audit line: a booking's series
 * and sessions go, the client's referral returns to the status it had
 * (and the client record the assignment made goes), a moved session
 * returns to its time and room; the emails still queued about the change
 * are dropped (kept as 'dropped', never sent).  Nothing sent is unsent:
 * once the grace period is over, or an email about the change has gone,
 * the change is not undone.  Undoing twice changes once.
 */
#ifndef DB_UNDO_H
#define DB_UNDO_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/schedule.h"

/* One change that may be undone, as stored, with who made it. */
struct db_undo {
	int64_t	 id;
	char	 kind[8];		/* booking, move */
	int64_t	 series_id;
	int64_t	 user_id;		/* who made it; 0 when gone */
	char	 user_name[128];	/* "" when gone */
	int64_t	 made_at;		/* unix seconds */
	int64_t	 until_utc;		/* undo no later than this */
	int64_t	 referral_id;		/* a booking: the client's; 0 none */
	int64_t	 client_id;		/* a booking: the client record its
					   assignment made; 0 none */
	char	 occ_date[11];		/* a move: the session's date */
	int64_t	 to_start_utc;		/* a move: where it put it */
	int64_t	 old_start_utc;		/* a move: where it was */
	int64_t	 old_end_utc;
	int64_t	 undone_at;		/* 0: not undone */
	int	 sent;			/* an email about it has gone */
};

/*
 * Reads change id into *u.  1 found, 0 not, -1 error (logged).
 */
int	 db_undo_get(struct db *, int64_t id, struct db_undo *u);

/*
 * Calls fn for each change to series_id not undone whose grace period
 * runs past now, newest first.  0, or -1 (logged).
 */
int	 db_undo_open_each(struct db *, int64_t series_id, int64_t now,
	    void (*fn)(void *, const struct db_undo *), void *arg);

/*
 * Inside the transaction of an assign-and-book, after the booking: notes
 * on the booking's row that the assignment made client_id from a
 * referral whose status was status_before, and holds the therapist's
 * email of the assignment for the grace period too.  0 (also when the
 * booking kept no row), or -1.
 */
int	 db_undo_assign_note(struct db *, int64_t series_id,
	    const char *status_before, int64_t client_id);

enum db_undo_result {
	DB_UNDO_OK,		/* undone */
	DB_UNDO_ALREADY,	/* undone before: nothing changed now */
	DB_UNDO_NONE,		/* no such change */
	DB_UNDO_LATE,		/* the grace period is over */
	DB_UNDO_SENT,		/* an email about it has gone */
	DB_UNDO_CHANGED,	/* something was recorded since (why says) */
	DB_UNDO_CLASH,		/* a move's old time is taken (why says) */
	DB_UNDO_BUSY,		/* the database was busy: nothing changed */
	DB_UNDO_ERROR		/* nothing changed (logged) */
};

/*
 * Undoes change id at now, by user_id from addr, in one transaction
 * with its audit line.  A move goes back to back (its old time with its
 * local weekday and minutes, for the clash checks; NULL for a booking).
 * On DB_UNDO_CHANGED and DB_UNDO_CLASH why holds a sentence.  *u (may be
 * NULL) gets the row as it was read.
 */
enum db_undo_result db_undo_apply(struct db *, int64_t id,
	    const struct db_occ *back, int64_t user_id, const char *addr,
	    int64_t now, struct db_undo *u, char *why, size_t whylen);

#endif

/*
 * undo: taking back a booking (with the assignment of assign-and-book)
 * or the move of one session while its emails wait out the change grace
 * period (issue 17).  The rules and what is stored: db/undo.h.
 */
#ifndef CORE_UNDO_H
#define CORE_UNDO_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "db/undo.h"

/*
 * Undoes change undo_id of series_id by ctx's user, in one transaction
 * with its audit line.  *u gets the change as it was read (its kind,
 * series and referral), when there is one.  DB_OK: undone; DB_DUPLICATE:
 * undone before, nothing changed now; DB_INVALID: no such change, or it
 * can no longer be undone (the grace period is over, an email went, or
 * something was recorded since); DB_CONFLICT: a moved session's old time
 * is taken; DB_BUSY, DB_ERROR: nothing changed.  Why says each in plain
 * words (empty on DB_OK and DB_DUPLICATE).
 */
enum db_result core_change_undo(const struct core_ctx *, int64_t series_id,
	    int64_t undo_id, struct db_undo *u, char *why, size_t whylen);

/*
 * Why change u can no longer be undone, in plain words, into why, as
 * of now ("" when it still can).  For the banner and the refusal alike.
 */
void	 core_undo_why_not(const struct core_ctx *, const struct db_undo *u,
	    time_t now, char *why, size_t whylen);

#endif

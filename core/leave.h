/*
 * leave: what leave or a closure hits, and acting on all of it at once
 * (issue 17).  For each session still to come that a therapist's leave
 * or a site's closure falls on: free times to move it to (the same
 * therapist and room, after the leave, computed by sched/free.h) and the
 * therapists who could cover it, with reasons.  One confirmation applies
 * every choice (cancel and tell the client, move, hand to cover) in one
 * transaction with the clients' notices and one email a therapist.
 */
#ifndef CORE_LEAVE_H
#define CORE_LEAVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "db/week.h"
#include "sched/free.h"

#define CORE_FREE_MAX	4	/* free times suggested a session */
#define CORE_COVER_MAX	4	/* cover therapists suggested */
#define CORE_HITS_MAX	60	/* sessions listed at once */
#define CORE_FREE_DAYS	28	/* days after the session searched */

/* A free time to move a session to: local date and "HH:MM". */
struct core_free_time {
	char	 date[11];
	char	 hhmm[6];
};

/* Someone who could cover a session, and why. */
struct core_cover {
	int64_t	 id;
	char	 name[128];
	char	 why[160];
};

/* A session leave or a closure hits, with what could be done. */
struct core_hit {
	struct db_week_occ	 occ;
	struct core_free_time	 free[CORE_FREE_MAX];
	size_t			 nfree;
	struct core_cover	 cover[CORE_COVER_MAX];
	size_t			 ncover;
};

/*
 * The sessions still to come that therapist_id's leave (when > 0) or
 * site_id's closures (when > 0) fall on, at most CORE_HITS_MAX, each
 * with its free times and cover: *out (free() it) and *n.  0, or -1 on
 * a database error (nothing allocated).
 */
int	 core_hits_load(const struct core_ctx *, int64_t therapist_id,
	    int64_t site_id, struct core_hit **out, size_t *n);

enum core_leave_do {
	CORE_LEAVE_LATER,	/* leave it for now */
	CORE_LEAVE_CANCEL,	/* cancel and tell the client */
	CORE_LEAVE_MOVE,	/* move to new_date at new_start */
	CORE_LEAVE_COVER	/* hand to cover_id */
};

/* What to do with one session (strings borrowed). */
struct core_leave_choice {
	int64_t			 series_id;
	const char		*date;		/* original local date */
	enum core_leave_do	 what;
	const char		*new_date;	/* MOVE */
	const char		*new_start;	/* MOVE, "HH:MM" */
	int64_t			 cover_id;	/* COVER */
};

/*
 * Applies every choice in one transaction, with reason (the cancelled
 * sessions' and moves' reason), the clients' notices and one email to
 * each therapist whose sessions change (batched: db_week_therapist_tell),
 * all waiting ctx->grace_s.  DB_OK: all done; else nothing is, *bad is
 * the index of the choice that failed (or n when none did) and why says
 * what went wrong with it.
 */
enum db_result core_leave_apply(const struct core_ctx *,
	    const struct core_leave_choice *, size_t n, const char *reason,
	    size_t *bad, char *why, size_t whylen);

#endif

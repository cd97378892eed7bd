/*
 * week: what the coordinator's week grid reads (GET /schedule): every
 * session of the service starting in a stretch of time, with what its
 * card shows, in one query.  Rows (therapists, rooms, sites), leave and
 * closures come from db/records.h.
 */
#ifndef DB_WEEK_H
#define DB_WEEK_H

#include <stdint.h>

#include "db/db.h"

/* One session as a card of the week grid shows it. */
struct db_week_occ {
	int64_t	 series_id;
	char	 date[11];		/* original local date */
	int64_t	 start_utc;
	int64_t	 end_utc;
	char	 state[12];		/* booked, moved, cancelled */
	int64_t	 therapist_id;
	int64_t	 site_id;
	char	 site[128];
	int64_t	 room_id;		/* 0: none (online) */
	char	 room[128];
	char	 initials[16];		/* the client's, "" for a group */
	char	 client_ref[16];	/* "" for a group */
	int64_t	 group_id;		/* 0: one client */
	char	 group[128];
	int	 members;		/* of the group */
	int	 hit;			/* on leave or a closure, not cancelled */
	int64_t	 referral_id;		/* the client's record; 0 for a group */
};

/*
 * Calls fn for each session (cancelled ones too) starting in [from, to),
 * at site_id (0: every site), in time order.  hit is set for a session
 * not cancelled and not over whose therapist is on leave or whose site is closed that
 * day.  0, or -1 (logged).
 */
int	 db_week_occ_each(struct db *, int64_t site_id, int64_t from,
	    int64_t to, void (*fn)(void *, const struct db_week_occ *),
	    void *arg);

/*
 * As db_week_occ_each, for the week grid: site, room and hit are left
 * empty (the grid fills them from what it has read already).  0, or -1
 * (logged).
 */
int	 db_week_grid_each(struct db *, int64_t site_id, int64_t from,
	    int64_t to, void (*fn)(void *, const struct db_week_occ *),
	    void *arg);

/*
 * The therapists' booked time, in one query (the week grid's row heads
 * when it shows one site's sessions): fn(arg, therapist, seconds) for
 * each session not cancelled starting in [from, to), at any site, in
 * no set order; the caller sums.  0, or -1 (logged).
 */
int	 db_week_booked_each(struct db *, int64_t from, int64_t to,
	    void (*fn)(void *, int64_t therapist_id, int64_t seconds),
	    void *arg);

/*
 * Sessions still to come, not cancelled, that the leave of therapist_id
 * (when > 0) or a closure of site_id (when > 0) falls on, in time order,
 * at most limit: fn for each (hit is 1).  0, or -1 (logged).
 */
int	 db_week_hits_each(struct db *, int64_t therapist_id, int64_t site_id,
	    int64_t now, int limit, void (*fn)(void *,
	    const struct db_week_occ *), void *arg);

/*
 * Tells therapist_id of changes to their sessions: queues one email
 * (kind therapist_changes) not before not_before, unless one is queued
 * and not yet sent (it tells of this change too: what it says is read
 * when it is sent).  Nothing when the therapist has no active log-in.
 * Call inside the transaction of the change.  1 queued, 0 batched or
 * nobody to tell, -1 error.
 */
int	 db_week_therapist_tell(struct db *, int64_t therapist_id,
	    int64_t not_before, const char *msgid_domain);

/*
 * Hands the session of series_id on date (its original local date) to
 * therapist cover_id for that session only, after checking that they
 * are not on leave that day and have no other session then, with an
 * audit line.  DB_INVALID when there is no such session still to come
 * (or it is cancelled); DB_CONFLICT with clash saying why when the
 * cover therapist cannot take it.
 */
enum db_result db_occ_cover(struct db *, int64_t series_id, const char *date,
	    int64_t cover_id, int64_t user_id, const char *addr, char *clash,
	    size_t clashlen);

/*
 * What a therapist_changes email tells therapist_id: each session still
 * to come of theirs cancelled or moved since since (ISO 8601 UTC), and
 * each handed to them or from them for cover, in time order: fn(arg,
 * session, what) with what "cancelled", "moved", "covering" (theirs now)
 * or "handed on" (someone else's now).  0, or -1 (logged).
 */
int	 db_week_changes_each(struct db *, int64_t therapist_id,
	    const char *since, int64_t now, void (*fn)(void *,
	    const struct db_week_occ *, const char *what), void *arg);

/* An email about a series not sent yet (queued, not yet being sent). */
struct db_week_pending {
	char	 kind[32];		/* booking_confirmation, ... */
	char	 to_name[128];
	char	 to_addr[256];
	char	 not_before[21];	/* ISO 8601 UTC: not sent before */
	int	 therapist;		/* 1: an email to the therapist */
};

/*
 * Calls fn for each email about series_id still to go: its clients'
 * notices (booking, cancellation, move, back on: their keys name the
 * series), the batched changes email of therapist_id (0: none) and the
 * email telling the therapist of the series' client as a new client,
 * in the order they go.  0, or -1 (logged).
 */
int	 db_week_pending_each(struct db *, int64_t series_id,
	    int64_t therapist_id, void (*fn)(void *,
	    const struct db_week_pending *), void *arg);

#endif

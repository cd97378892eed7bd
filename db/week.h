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

#endif

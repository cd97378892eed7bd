/*
 * match_load: reads what matching needs from the database (db/records.h)
 * into sched/'s input structs and builds a world, keeping the names and
 * figures the pages show beside it.
 *
 * The window.  Matching looks at the coming MATCH_WINDOW_DAYS days from
 * now, in local time (the zone tz, default Europe/London):
 *   - busy: every booked occurrence in the window, at its local weekday
 *     and minutes (ical_utc_to_local), blocks that weekly time for the
 *     therapist and the room (a weekly series would clash with it once);
 *   - leave: a therapist on leave for at least half the window's days is
 *     on leave (shorter leave is shown, not excluded);
 *   - closures: a site closed on at least half of the window's days of a
 *     weekday (two of its four Tuesdays) is closed that weekday;
 *   - hours: a therapist whose sessions booked in the window average
 *     max_hours a week, less one session, has no free hours: they go to
 *     sched/ as inactive, and hours_full says why.
 * Inactive therapists, sites and rooms are left out; so is availability
 * at a site that is not in the world.
 */
#ifndef CGI_MATCH_LOAD_H
#define CGI_MATCH_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "db/referrals.h"
#include "sched/sched.h"

#define MATCH_WINDOW_DAYS	28
#define MATCH_SITES_MAX		64

struct db;

struct match_therapist {
	int64_t	 id;
	int64_t	 user_id;
	char	 name[128];
	unsigned specialisms;
	char	 languages[256];
	int	 caseload;
	int	 max_caseload;
	int	 max_hours;
	int	 booked_min_week;	/* booked minutes a week, on average */
	int	 on_leave;		/* see above */
	int	 leave_days;		/* days of leave in the window */
	int	 hours_full;		/* see above */
};

struct match_site {
	int64_t	 id;
	char	 name[128];
	int	 kind;			/* enum site_kind (db/records.h) */
	char	 district[8];
	int	 online;
	int	 step_free;
	unsigned closed_days;		/* weekday bits closed by closures */
};

struct match_room {
	int64_t	 id;
	int64_t	 site_id;
	char	 name[128];
	int	 capacity;
	int	 piano;
	int	 accessible;
};

struct match_data {
	struct sched_world	*world;
	struct match_therapist	*therapists;	/* by id */
	size_t			 ntherapists;
	struct match_site	*sites;		/* by id */
	size_t			 nsites;
	struct match_room	*rooms;		/* by id */
	size_t			 nrooms;
	size_t			 nbusy;		/* occurrences read */
	time_t			 from;		/* the window, UTC */
	time_t			 to;
	char			 first_day[11];	/* its local dates */
	char			 last_day[11];
};

/*
 * Reads the records and builds the world for the window from now.
 * Returns 0 with *out set (free with match_data_free), or -1 with a
 * message in err on a database error or records sched/ refuses.
 */
int	 match_data_load(struct db *, const char *tz, time_t now,
	    struct match_data **out, char *err, size_t errlen);
/* Frees what match_data_load made; NULL is fine. */
void	 match_data_free(struct match_data *);

/* The record with id, or NULL. */
const struct match_therapist *match_therapist_find(const struct match_data *,
	    int64_t id);
const struct match_site	*match_site_find(const struct match_data *,
	    int64_t id);
const struct match_room	*match_room_find(const struct match_data *,
	    int64_t id);

/*
 * A referral ready for sched_match and sched_plan: r points into the
 * record itself (sites, district).  needs_step_free is read from the
 * access needs the person wrote (a wheelchair, steps, stairs, a ramp, a
 * lift, mobility, a walking frame); step_free_from_text says so.
 */
struct match_referral {
	struct sched_referral	 r;
	int64_t			 sites[MATCH_SITES_MAX];
	char			 district[8];
	char			 ref[16];
	char			 name[208];
	int			 status;	/* enum status */
	int			 step_free_from_text;
};

/*
 * Reads referral_id (when > 0), else every referral in state status,
 * longest waiting first, into *out (free with match_referrals_free).
 * Returns 0 (possibly with none), or -1 on a database error.
 */
int	 match_referrals_load(struct db *, int64_t referral_id,
	    enum status status, time_t now, struct match_referral **out,
	    size_t *n);
void	 match_referrals_free(struct match_referral *, size_t n);

/*
 * The local weekday (0 Monday) and minute of UTC time t in tz, for
 * tests; 0, or -1 on an unknown zone.
 */
int	 match_local_time(const char *tz, time_t t, int *day, int *minute);

/* 1 when access-needs text asks for step-free access, else 0. */
int	 match_needs_step_free(const char *access_needs);

#endif

/*
 * world: reads what matching needs from the database (db/records.h) into
 * sched/'s input structs and builds a world, keeping the names and
 * figures the pages show beside it.
 *
 * The window is the coming CORE_WINDOW_DAYS days from now, in local time
 * (the zone tz, default Europe/London), and core/rules.h decides within it:
 *   - busy: every booked occurrence in the window, at its local weekday
 *     and minutes (core/zone.h), blocks that weekly time for the
 *     therapist and the room (a weekly series would clash with it once);
 *   - leave: core_rule_on_leave over the days of leave in the window;
 *   - closures: core_rule_weekday_closed over each weekday's dates;
 *   - hours: core_rule_hours_full over the minutes booked in the window,
 *     a week on average: such a therapist goes to sched/ as inactive, and
 *     hours_full says why.
 * Inactive therapists, sites and rooms are left out; so is availability
 * at a site that is not in the world.
 */
#ifndef CORE_WORLD_H
#define CORE_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/rules.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "sched/sched.h"

struct db;

struct core_therapist {
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

struct core_site {
	int64_t	 id;
	char	 name[128];
	int	 kind;			/* enum site_kind (db/records.h) */
	char	 district[8];
	int	 online;
	int	 step_free;
	unsigned closed_days;		/* weekday bits closed by closures */
};

struct core_room {
	int64_t	 id;
	int64_t	 site_id;
	char	 name[128];
	int	 capacity;
	int	 piano;
	int	 accessible;
};

struct core_world {
	struct sched_world	*world;
	struct core_therapist	*therapists;	/* by id */
	size_t			 ntherapists;
	struct core_site	*sites;		/* by id */
	size_t			 nsites;
	struct core_room	*rooms;		/* by id */
	size_t			 nrooms;
	size_t			 nbusy;		/* occurrences read */
	time_t			 from;		/* the window, UTC */
	time_t			 to;
	char			 first_day[11];	/* its local dates */
	char			 last_day[11];
};

/*
 * Reads the records and builds the world for the window from now.
 * Returns 0 with *out set (free with core_world_free), or -1 with a
 * message in err on a database error or records sched/ refuses.
 */
int	 core_world_load(struct db *, const char *tz, time_t now,
	    struct core_world **out, char *err, size_t errlen);
/* Frees what core_world_load made; NULL is fine. */
void	 core_world_free(struct core_world *);

/* The record with id, or NULL. */
const struct core_therapist *core_world_therapist(const struct core_world *,
	    int64_t id);
const struct core_site	*core_world_site(const struct core_world *,
	    int64_t id);
const struct core_room	*core_world_room(const struct core_world *,
	    int64_t id);

/*
 * A referral ready for sched_match and sched_plan: r points into the
 * record itself (sites, district).  needs_step_free is read from the
 * access needs the person wrote (a wheelchair, steps, stairs, a ramp, a
 * lift, mobility, a walking frame); step_free_from_text says so.
 */
struct core_referral {
	struct sched_referral	 r;
	int64_t			 sites[DB_MATCH_SITES_MAX];
	char			 district[8];
	char			 ref[16];
	char			 name[208];
	int			 status;	/* enum status */
	int			 step_free_from_text;
};

/*
 * Reads referral_id (when > 0), else every referral in state status,
 * longest waiting first, into *out (free with core_referrals_free).
 * Returns 0 (possibly with none), or -1 on a database error.
 */
int	 core_referrals_load(struct db *, int64_t referral_id,
	    enum status status, time_t now, struct core_referral **out,
	    size_t *n);
/*
 * The same, with at most max referrals in state status, longest waiting
 * first (max 0: all): what a plan of a long waitlist looks at.
 */
int	 core_referrals_first(struct db *, enum status status, size_t max,
	    time_t now, struct core_referral **out, size_t *n);
void	 core_referrals_free(struct core_referral *, size_t n);

#endif

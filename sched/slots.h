/*
 * slots: the best weekly times for a therapist's new places (issue 18).
 * When a therapist's caseload opens (a coordinator raises their limit
 * or their hours), the times to offer are those at which the most
 * waiting people could start with them: each (site, room, start) that
 * sched_match_each gives for that therapist is counted over the
 * waiting people, and the best that do not overlap are kept.  Pure: a
 * built world (sched.h) and the referrals; no I/O.
 */
#ifndef SCHED_SLOTS_H
#define SCHED_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "sched/sched.h"

/* One weekly time for a one-to-one place. */
struct sched_slot {
	int64_t	 site_id;
	int64_t	 room_id;	/* 0: online */
	int	 day;		/* 0 Monday .. 6 */
	int	 start_min;
	int	 length_min;
	int	 people;	/* waiting people it fits */
	long	 score;		/* their match scores added */
};

/*
 * The best weekly times, at most max, for one-to-one sessions of o's
 * length (NULL: the default) with therapist_id in w, for the people
 * refs[0..n): every time sched_match_each gives with that therapist for
 * one of them counts once for that person; times are ranked by how many
 * people they fit, then their scores added, then the earliest in the
 * week, and taken in that order when they overlap none taken before
 * nor any of busy[0..nbusy) (the therapist's places open already).
 * Writes them to out, best first, and returns how many (0 when nobody
 * fits); -1 on bad options or out of memory.
 */
int	 sched_slots_best(const struct sched_world *w, int64_t therapist_id,
	    const struct sched_referral *refs, size_t n,
	    const struct sched_options *o, const struct sched_range *busy,
	    size_t nbusy, struct sched_slot *out, size_t max);

#endif

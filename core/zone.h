/*
 * zone: the local weekday and minute of many UTC times, fast.
 *
 * A zone's offset from UTC changes rarely (twice a year), so a map of
 * [from, to) is built once as a few stretches of one offset each, asking
 * libical (ical_utc_to_local) some twenty questions a change instead of
 * one a time; every time inside the map is then local by addition.
 */
#ifndef CORE_ZONE_H
#define CORE_ZONE_H

#include <stddef.h>
#include <time.h>

#define CORE_ZONE_SPANS	32	/* stretches a map holds: 16 years */

/* A stretch of time over which the zone's offset from UTC holds. */
struct core_zone_span {
	time_t	 from;
	time_t	 to;
	long	 off;		/* seconds to add to UTC */
};

/* A zone's offsets over a stretch of time; fill with core_zone_build. */
struct core_zone {
	struct core_zone_span	 s[CORE_ZONE_SPANS];
	size_t			 n;
};

/*
 * Maps [from, to) of zone tz ("Europe/London") into z.  Assumes no zone
 * changes its offset twice in a week.  Returns 0, or -1 on an unknown
 * zone.
 */
int	 core_zone_build(struct core_zone *z, const char *tz, time_t from,
	    time_t to);

/* The local time of t as seconds since the epoch "as if UTC". */
time_t	 core_zone_local(const struct core_zone *, time_t t);

/*
 * Weekday (0 Monday .. 6 Sunday) and minute of a local "as if UTC" time,
 * and its day number from 1970-01-01 (dayno may be NULL).  Cannot fail.
 */
void	 core_zone_week_minute(time_t local, int *day, int *minute,
	    long long *dayno);

/*
 * The local weekday (0 Monday) and minute of UTC time t in tz.  Returns
 * 0, or -1 on an unknown zone.
 */
int	 core_local_time(const char *tz, time_t t, int *day, int *minute);

#endif

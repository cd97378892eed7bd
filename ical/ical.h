/*
 * ical: everything that speaks iCalendar or needs libical's time zones
 * and recurrence rules.  Only this module writes iCalendar text.
 *
 * Recurrence.  A session series repeats weekly from its first date at a
 * local time in its time zone; libical expands it, so a 10:00 series
 * stays at 10:00 local time across clock changes (10:00Z in winter,
 * 09:00Z in summer in Europe/London).
 */
#ifndef ICAL_ICAL_H
#define ICAL_ICAL_H

#include <stddef.h>
#include <time.h>

/* A weekly series, as stored (db/schema/004-schedule.sql). */
struct ical_series_rule {
	const char	*tz;		/* IANA name, e.g. "Europe/London" */
	const char	*first_date;	/* YYYY-MM-DD, local */
	const char	*start_local;	/* HH:MM, local */
	int		 length_min;
	int		 count;		/* 0: no count */
	const char	*until_date;	/* last date, inclusive; NULL: none */
	const char	*ended_from;	/* no dates from this one; NULL: none */
};

/*
 * Calls fn once an occurrence whose start lies in [from, to), in order,
 * with its local date (YYYY-MM-DD) and UTC start and end.  fn returns 0
 * to go on, anything else to stop.  Returns the number of occurrences
 * given to fn, or -1 with a message in err on a bad rule (unknown zone,
 * bad date or time).  Open-ended rules stop at to.
 */
int	 ical_series_expand(const struct ical_series_rule *, time_t from,
	    time_t to, int (*fn)(void *, const char *date, time_t start,
	    time_t end), void *arg, char *err, size_t errlen);

/* The UTC time of local date and HH:MM in tz; 0, or -1 on bad input. */
int	 ical_local_to_utc(const char *tz, const char *date, const char *hhmm,
	    time_t *out);

/*
 * The local date (YYYY-MM-DD), time (HH:MM) and weekday (0 Monday .. 6
 * Sunday) of UTC time t in tz; any output may be NULL.  0, or -1.
 */
int	 ical_utc_to_local(const char *tz, time_t t, char date[11],
	    char hhmm[6], int *weekday);

/* 1 when tz names a zone libical knows. */
int	 ical_zone_known(const char *tz);

#endif

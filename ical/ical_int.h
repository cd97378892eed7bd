/*
 * ical_int: what the files of ical/ share and nothing else sees: the
 * VEVENT and VTIMEZONE builders used by both the feeds (feed.c) and the
 * invitations (invite.c), in event.c.
 */
#ifndef ICAL_ICAL_INT_H
#define ICAL_ICAL_INT_H

#include <libical/ical.h>

#include "db/feeds.h"
#include "ical/ical.h"

#define ICAL_PRODID	"-//Tutti//Tutti music therapy 1.0//EN"

/* What a series' events say; every text is cleaned by event.c. */
struct ical_words {
	const char	*uid;		/* the UID to write */
	const char	*summary;
	const char	*description;	/* NULL: none */
	int		 private_class;	/* CLASS:PRIVATE */
};

/*
 * A new VCALENDAR with VERSION, PRODID, CALSCALE and METHOD (an
 * icalproperty_method).  Never NULL (libical aborts on out of memory).
 */
icalcomponent	*ical_calendar_new(icalproperty_method);

/*
 * Adds to cal one VTIMEZONE for each distinct zone of the n series,
 * cloned from libical's built-in zone, with the plain IANA TZID and
 * shortened to the years from the earliest first date on.  A zone
 * libical does not know is left out (with a message in err; its series
 * cannot be written either).  Returns 0.
 */
int	 ical_timezones_add(icalcomponent *cal,
	    const struct db_feed_series *s, size_t n, char *err,
	    size_t errlen);

/* The STATUS a series' main VEVENT gets. */
enum ical_status {
	ICAL_STATUS_OF_SERIES,	/* CANCELLED unless the series is active */
	ICAL_STATUS_IS_CONFIRMED,
	ICAL_STATUS_IS_CANCELLED
};

/*
 * The series' main VEVENT: UID, DTSTAMP, CREATED, LAST-MODIFIED,
 * SEQUENCE, DTSTART and DTEND with TZID, RRULE (cut at the last session
 * of an ended series), an EXDATE per cancelled session when exdates,
 * SUMMARY, LOCATION, DESCRIPTION, CLASS and STATUS.  NULL with a
 * message in err on a series libical cannot read (a bad date or zone).
 */
icalcomponent	*ical_event_master(const struct db_feed_series *,
	    const struct ical_words *, int exdates, enum ical_status,
	    char *err, size_t errlen);

/*
 * The VEVENT of one exception: for a moved session its RECURRENCE-ID,
 * new DTSTART and DTEND and room; for a cancelled one (cancel set) its
 * RECURRENCE-ID and original times with STATUS:CANCELLED.  SEQUENCE is
 * the exception's (the series' when the series is no longer active).
 * NULL with a message in err as above.
 */
icalcomponent	*ical_event_exception(const struct db_feed_series *,
	    const struct db_feed_exception *, const struct ical_words *,
	    int cancel, char *err, size_t errlen);

/*
 * 1 when the exception names a session the series (as stored) still
 * has: from its first date, before its end and not after its last date.
 */
int	 ical_exception_in_range(const struct db_feed_series *,
	    const struct db_feed_exception *);

/* "Room, Site, address" (the parts that are not empty) into out. */
void	 ical_location(struct buf *out, const char *room, const char *site,
	    const char *address);

/*
 * Writes cal with libical (escaped, folded, CRLF) and appends it to out,
 * then frees cal.  Returns 0, or -1 with a message in err.
 */
int	 ical_calendar_write(icalcomponent *cal, struct buf *out, char *err,
	    size_t errlen);

#endif

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
#include <stdint.h>
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

/* ---- calendar feeds and invitations (event.c, feed.c, invite.c) ----
 *
 * Every iCalendar object is built with libical components and
 * properties and written by libical, which escapes TEXT values (commas,
 * semicolons, backslashes, newlines) and folds lines at 75 octets
 * without splitting a UTF-8 character; nothing is pasted together as
 * text.  Times carry the plain IANA TZID ("Europe/London"), each zone
 * used has a VTIMEZONE cloned from libical's built-in one with that TZID,
 * shortened with icaltimezone_truncate_vtimezone().
 */

struct buf;
struct db;
struct db_feed;
struct db_feed_data;

#define ICAL_FEED_ETAG_LEN	48	/* as DB_FEED_ETAG_LEN */
#define ICAL_FEED_TAG_LEN	9	/* 8 hex digits and the NUL */
#define ICAL_FEED_MAX_AGE	(24 * 60 * 60)	/* rebuilt at least daily */
#define ICAL_TEXT_MAX		1024	/* bytes kept of any one text */

/* How feeds are written; the same for every feed of a worker. */
struct ical_feed_opts {
	const char	*base_url;	/* staff links in therapist feeds;
					   NULL or "": none */
	const char	*calendar_tz;	/* X-WR-TIMEZONE; NULL: Europe/London */
	int		 first_names;	/* TUTTI_FEED_FIRST_NAMES: "Amira H."
					   instead of "A.H." */
	int		 refresh_min;	/* REFRESH-INTERVAL, X-PUBLISHED-TTL;
					   0: 60 minutes */
};

/*
 * Appends to out the text s (n bytes) made fit for an iCalendar TEXT
 * value: valid UTF-8 (each invalid byte becomes U+FFFD), CR LF and a
 * lone CR become LF, tab and other control characters (C0, DEL, C1)
 * become a space, at most ICAL_TEXT_MAX bytes are kept, cut at a
 * character's boundary, and spaces and LFs at either end are dropped
 * (libical's parser would drop them).  Cleaning twice changes nothing.
 * Escaping is libical's.  Cannot fail.
 */
void	 ical_text_clean(struct buf *out, const char *s, size_t n);

/*
 * Writes the feed (METHOD:PUBLISH) of d into out (appended): VERSION,
 * PRODID, CALSCALE, X-WR-CALNAME and NAME, X-WR-TIMEZONE,
 * REFRESH-INTERVAL and X-PUBLISHED-TTL, a VTIMEZONE per zone used, and
 * one VEVENT per series (UID, DTSTAMP, CREATED, LAST-MODIFIED, SEQUENCE,
 * DTSTART/DTEND with TZID, RRULE, an EXDATE per cancelled session,
 * SUMMARY, LOCATION, STATUS) with a RECURRENCE-ID VEVENT per moved
 * session.  An ended or cancelled series has STATUS:CANCELLED (and an
 * ended one its rule cut at its last session).  A therapist's feed names
 * a client by initials ("A.H.", or "Amira H." with first_names) and
 * reference only; a site's names the therapist taking each session and
 * a group by its name or a client by initials only.  The same data
 * always gives the same bytes.  Returns 0, or -1 with a message in err.
 */
int	 ical_feed_build(const struct db_feed_data *d,
	    const struct ical_feed_opts *, struct buf *out, char *err,
	    size_t errlen);

/*
 * The options' tag: 8 hex digits over the options and the version of
 * this code's output.  Every ETag starts with it, so that a feed stored
 * by other options or an older version is rebuilt.  Cannot fail.
 */
void	 ical_feed_opts_tag(const struct ical_feed_opts *,
	    char out[ICAL_FEED_TAG_LEN]);
/* The ETag of a body: "\"TAG-32 hex digits\"" (quotes included). */
void	 ical_feed_etag(const char tag[ICAL_FEED_TAG_LEN], const void *body,
	    size_t len, char out[ICAL_FEED_ETAG_LEN]);
/*
 * 1 when the stored body of f may be answered as it is at now: built,
 * not stale, with the options of tag, and less than ICAL_FEED_MAX_AGE
 * old (an ended series must leave after DB_FEED_KEEP_DAYS even when
 * nothing changes).  Else 0.
 */
int	 ical_feed_fresh(const struct db_feed *f,
	    const char tag[ICAL_FEED_TAG_LEN], time_t now);
/*
 * Rebuilds feed f at now into body (reset first) and etag, and stores
 * both in one transaction with the reading (db_feed_read_begin): when
 * the data changed meanwhile nothing is stored, but body is still right
 * to answer with.  Returns 0, 1 when the feed's owner no longer exists,
 * or -1 (logged).
 */
int	 ical_feed_refresh(struct db *, const struct db_feed *f,
	    const struct ical_feed_opts *, time_t now, struct buf *body,
	    char etag[ICAL_FEED_ETAG_LEN]);

/* What an email to a client carries (RFC 5546). */
enum ical_invite_kind {
	ICAL_INVITE_SERIES,	/* REQUEST: the series as it stands, with
				   its cancelled and moved sessions */
	ICAL_INVITE_MOVED,	/* REQUEST: one moved session */
	ICAL_INVITE_CANCELLED,	/* CANCEL: one cancelled session */
	ICAL_INVITE_SERIES_CANCELLED,	/* CANCEL: the whole series */
	ICAL_INVITE__MAX
};

struct ical_invite {
	enum ical_invite_kind	 kind;
	int64_t			 series_id;
	const char		*date;		/* the session's original
						   local date (MOVED, CANCELLED) */
	const char		*organizer_name; /* the service; may be NULL */
	const char		*organizer_addr; /* mailto: is added */
	const char		*attendee_name;	/* the one recipient */
	const char		*attendee_addr;
};

/*
 * Appends to out the iCalendar object for the email: METHOD:REQUEST or
 * CANCEL (*method is set to "REQUEST" or "CANCEL", static), ORGANIZER,
 * the recipient alone as ATTENDEE (never the other members of a group),
 * the series' UID and SEQUENCE, DTSTAMP from the time of the change (so
 * a retried email has the same bytes).  Returns 0; 1 when the series,
 * or the session in that state (moved, cancelled), does not exist (any
 * more); -1 on a bad argument or database error, with a message in err.
 */
int	 ical_invite_build(struct db *, const struct ical_invite *,
	    struct buf *out, const char **method, char *err, size_t errlen);

#endif

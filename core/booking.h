/*
 * booking: booking a weekly series, and cancelling, moving, ending and
 * taking back its sessions; the place a series frees.
 *
 * Each action checks the rules that are the product's own (a client is
 * on a caseload before they are booked, the first session is in the
 * future, no session crosses midnight), expands the series with libical
 * in the series' zone, and hands the result to db/schedule.h, which
 * checks clashes and writes in one transaction with the notices' outbox
 * rows and the audit line.  Results and why: see core/core.h.
 *
 * The expansion helpers (core_booking_occurrences, core_booking_occ_at,
 * core_booking_uid) are public for the demo data and the tests.
 */
#ifndef CORE_BOOKING_H
#define CORE_BOOKING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/core.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "sched/sched.h"

/*
 * The limits of a series (session length, number of sessions) are the
 * domain's: SCHED_SESSION_SHORTEST, SCHED_SESSION_LONGEST and
 * SCHED_SERIES_COUNT_MAX in sched/sched.h, which the forms use too.
 */

/*
 * A series to book.  Exactly one of client_id and group_id is set; at
 * most one of count and until_date (neither: open-ended, kept
 * SCHEDULE_HORIZON_DAYS ahead).  Strings are borrowed.
 */
struct core_booking {
	int64_t		 therapist_id;
	int64_t		 client_id;
	int64_t		 group_id;
	int64_t		 site_id;
	int64_t		 room_id;	/* 0: none (online) */
	const char	*first_date;	/* local "YYYY-MM-DD" */
	const char	*start_local;	/* local "HH:MM" */
	int		 length_min;
	int		 count;		/* 0: none */
	const char	*until_date;	/* NULL: none */
	int		 skip_closed;	/* 1: no session on a day the site
					   is closed or the therapist on
					   leave (a week more instead),
					   not a clash (an accepted offer) */
};

/*
 * Books series b in ctx's zone, by ctx's user.  DB_OK with *series_id
 * set and the confirmations queued; DB_INVALID when b breaks a rule;
 * DB_CONFLICT when a session clashes or the rule gives no session at
 * all (nothing is booked then).
 */
enum db_result core_series_book(const struct core_ctx *,
	    const struct core_booking *b, int64_t *series_id, char *why,
	    size_t whylen);

/*
 * Cancels the session of series_id whose original local date is date,
 * cancelled by whom, with reason (required); the notices wait
 * ctx->grace_s seconds.  DB_INVALID when there is no such session or it
 * is past or cancelled already.
 */
enum db_result core_occ_cancel(const struct core_ctx *, int64_t series_id,
	    const char *date, enum db_cancel_by by, const char *reason,
	    char *why, size_t whylen);

/*
 * Moves the session of series_id on date to new_date at new_start (local
 * "HH:MM", the series' zone and length), in room_id (0: the series'
 * room).  DB_INVALID on a bad date or time or no such session;
 * DB_CONFLICT when the new time clashes.
 */
enum db_result core_occ_move(const struct core_ctx *, int64_t series_id,
	    const char *date, const char *new_date, const char *new_start,
	    int64_t room_id, const char *reason, char *why, size_t whylen);

/*
 * Ends series_id from local date from_date on (its sessions from then are
 * removed), with reason (required).  DB_INVALID when it has ended
 * already or the date is bad.
 */
enum db_result core_series_end(const struct core_ctx *, int64_t series_id,
	    const char *from_date, const char *reason, char *why,
	    size_t whylen);

/*
 * Takes back the cancellation of the session of series_id on date.  On
 * DB_OK *notified is 1 when the client had been told of the cancellation
 * (and so will be told it is back on), else 0.
 */
enum db_result core_occ_reinstate(const struct core_ctx *,
	    int64_t series_id, const char *date, int *notified, char *why,
	    size_t whylen);

/*
 * The place series s frees once it has ended: its local weekday (0
 * Monday) into *weekday, and fn called for each waitlisted referral whose
 * availability covers that weekday and part of the day (the longest
 * waiting first, at most limit): fn(arg, referral id, ref, name,
 * created_at).  Returns 1 when s has ended and frees a place, 0 when it
 * has not (fn is not called), -1 on a database error.
 */
int	 core_freed_place(const struct core_ctx *, const struct db_series *s,
	    int limit, int *weekday, void (*fn)(void *, int64_t,
	    const char *, const char *, const char *), void *arg);

/*
 * Expands rule (in zone tz) into occurrences starting before horizon,
 * each with its local weekday and minutes.  Returns 0 with *out (free()
 * it) and *n set; 1 when a session would cross midnight; -1 on a bad
 * rule.  Nothing is allocated unless 0 is returned.
 */
int	 core_booking_occurrences(const char *tz,
	    const struct ical_series_rule *, time_t horizon,
	    struct db_occ **out, size_t *n);
/* One occurrence at local date and HH:MM lasting length_min; 0 or -1. */
int	 core_booking_occ_at(const char *tz, const char *date,
	    const char *hhmm, int length_min, struct db_occ *);
/* A new iCalendar UID "32 hex digits@domain" into out. */
void	 core_booking_uid(const char *domain, char *out, size_t n);

#endif

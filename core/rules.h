/*
 * rules: the domain rules that turn records into matching input, as pure
 * functions of their arguments (no database, no clock, no allocation).
 *
 * The window.  Matching looks at the coming CORE_WINDOW_DAYS days in the
 * service's local time.  Within it:
 *   - a therapist on leave for at least half the window's days is on
 *     leave (shorter leave is shown, not excluded);
 *   - a site closed on at least half of the window's dates of a weekday
 *     (two of its four Tuesdays) is closed that weekday;
 *   - a therapist whose sessions booked in the window average max_hours a
 *     week, less one session, has no free hours ("hours full").
 */
#ifndef CORE_RULES_H
#define CORE_RULES_H

#include <stddef.h>

#include "sched/sched.h"

#define CORE_WINDOW_DAYS	28	/* days matching looks ahead */
#define CORE_WINDOW_WEEKS	(CORE_WINDOW_DAYS / 7)

/*
 * 1 when leave_days (days of leave inside a window of window_days) make
 * a therapist on leave for matching, else 0.  Cannot fail.
 */
int	 core_rule_on_leave(int leave_days, int window_days);

/*
 * 1 when a site closed on closed_dates of the dates dates that one
 * weekday has in the window is closed that weekday, else 0.  Cannot fail.
 */
int	 core_rule_weekday_closed(int closed_dates, int dates);

/*
 * Minutes a week, on average, of booked_min minutes booked over
 * window_days days (rounded down).  Cannot fail.
 */
int	 core_rule_minutes_a_week(long long booked_min, int window_days);

/*
 * 1 when a therapist booked booked_min_week minutes a week on average
 * has no room for one more session of session_min minutes within
 * max_hours hours a week, else 0.  Cannot fail.
 */
int	 core_rule_hours_full(int booked_min_week, int max_hours,
	    int session_min);

/*
 * How many more clients a therapist can take: the free places of their
 * caseload (max_caseload - caseload), but no more than the sessions of
 * session_min minutes their free weekly hours hold (max_hours a week,
 * booked_min_week booked).  0 when full.  Cannot fail.
 */
int	 core_rule_places_free(int caseload, int max_caseload,
	    int booked_min_week, int max_hours, int session_min);

/*
 * 1 when the access needs a person wrote ask for step-free access (a
 * wheelchair, steps, stairs, a ramp, a lift, mobility, a walking frame,
 * a scooter, level access; words are matched at their start, any case,
 * so "uplifting" is not "lift"), else 0 (also for NULL).  A guess the
 * matches page shows as one.
 */
int	 core_rule_needs_step_free(const char *access_needs);

/*
 * The outward code ("SW1A") of a postcode as stored (normalised by the
 * form that took it, "SW1A 1AA"), upper-cased, into out.  Returns 0, or
 * -1 with out "" when it is not one (empty, no inward part, or out too
 * small).
 */
int	 core_rule_district(const char *postcode, char *out, size_t outlen);

/*
 * The part of the day (0 morning, 1 afternoon, 2 evening: the form's
 * am, pm, eve) a session starting at local hour hh falls in.  Cannot
 * fail.
 */
int	 core_rule_day_part(int hh);

/*
 * The kind of session a referral asks for, from its stored word
 * ("individual", "group", anything else: either).  Cannot fail.
 */
enum sched_session core_rule_session_type(const char *word);

#endif

/*
 * self: what a client does for themselves through their personal link
 * (/my): the notice rule for "cannot come", and the actions, each
 * written by db/self.h in one transaction with its emails and an audit
 * line by "the person themselves".  Results as core/core.h says;
 * DB_DUPLICATE means "done already" (a second click changes nothing).
 */
#ifndef CORE_SELF_H
#define CORE_SELF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/core.h"

#define CORE_LATE_CANCEL_HOURS	24	/* setting late_cancel_hours */
#define CORE_WAITLIST_CHECK_WEEKS 8	/* setting waitlist_check_weeks */

/*
 * The notice rule: 1 when saying "cannot come" at now to a session
 * starting at start gives less than hours' notice (a late
 * cancellation), else 0.  Pure; cannot fail.
 */
int	 core_notice_late(time_t start, time_t now, int hours);

/*
 * Referral_id cannot come to the session of their series series_id on
 * its original local date date.  DB_OK with *late set; DB_DUPLICATE
 * when they said so before; DB_INVALID (why says so) when it is not
 * theirs, past, or cancelled already.
 */
enum db_result core_self_cant_come(const struct core_ctx *,
	    int64_t referral_id, int64_t series_id, const char *date,
	    int *late, char *why, size_t whylen);

/* Referral_id leaves the waiting list (see db_self_leave). */
enum db_result core_self_leave(const struct core_ctx *, int64_t referral_id,
	    char *why, size_t whylen);

/* Referral_id stops their sessions (see db_self_stop). */
enum db_result core_self_stop(const struct core_ctx *, int64_t referral_id,
	    char *why, size_t whylen);

/*
 * Referral_id answers the waitlist check: answer "yes" or "no",
 * wellbeing "better", "same" or "worse" (DB_INVALID otherwise).
 */
enum db_result core_self_answer(const struct core_ctx *,
	    int64_t referral_id, const char *answer, const char *wellbeing,
	    char *why, size_t whylen);

/*
 * Sends the waitlist checks due now (setting waitlist_check_weeks) and
 * their reminders; called by the mailer's loop.  The number of rows
 * changed, or -1.
 */
int	 core_waitlist_checks(const struct core_ctx *);

#endif

/*
 * core/self: what a client does for themselves.  See self.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "core/offer.h"
#include "core/self.h"
#include "db/reports.h"
#include "db/self.h"

/* Puts the sentence for r into why, unless r is DB_OK. */
static enum db_result
said(enum db_result r, char *why, size_t whylen, const char *invalid)
{
	const char *s = NULL;

	switch (r) {
	case DB_OK:
	case DB_DUPLICATE:
		return r;
	case DB_INVALID:
		s = invalid;
		break;
	case DB_BUSY:
		s = "We are busy just now. Please try again in a minute.";
		break;
	default:
		s = "This could not be saved just now. Please try again "
		    "later, or contact the office.";
		break;
	}
	if (whylen > 0)
		(void)snprintf(why, whylen, "%s", s);
	return r;
}

int
core_notice_late(time_t start, time_t now, int hours)
{
	if (hours <= 0)
		return 0;
	return (long long)start - (long long)now < (long long)hours * 3600;
}

enum db_result
core_self_cant_come(const struct core_ctx *ctx, int64_t referral_id,
    int64_t series_id, const char *date, int *late, char *why,
    size_t whylen)
{
	struct db_my_session s;
	time_t now = core_now(ctx);
	long hours;
	int rc;

	if (whylen > 0)
		why[0] = '\0';
	*late = 0;
	if ((rc = db_my_session_get(ctx->db, referral_id, series_id, date,
	    &s)) == -1)
		return said(DB_ERROR, why, whylen, "");
	if (rc == 0)
		return said(DB_INVALID, why, whylen, "We could not find that "
		    "session among yours.");
	if (s.self_cancelled) {
		*late = s.late;
		return DB_DUPLICATE;
	}
	if (strcmp(s.state, "cancelled") == 0)
		return said(DB_INVALID, why, whylen, "That session is "
		    "cancelled already. You do not need to do anything.");
	if (s.start_utc <= (int64_t)now)
		return said(DB_INVALID, why, whylen, "That session has "
		    "already started or is over.");
	hours = db_setting_int(ctx->db, "late_cancel_hours",
	    CORE_LATE_CANCEL_HOURS);
	*late = core_notice_late((time_t)s.start_utc, now, (int)hours);
	return said(db_self_cancel(ctx->db, referral_id, series_id, date,
	    *late, (int)((s.start_utc - (int64_t)now) / 3600), core_addr(ctx),
	    core_domain(ctx)), why, whylen, "That session cannot be "
	    "cancelled here any more. Please contact the office.");
}

enum db_result
core_self_leave(const struct core_ctx *ctx, int64_t referral_id, char *why,
    size_t whylen)
{
	if (whylen > 0)
		why[0] = '\0';
	return said(db_self_leave(ctx->db, referral_id, "left the waiting "
	    "list through their own page", core_addr(ctx), core_domain(ctx)),
	    why, whylen, "You are not on the waiting list now, so there is "
	    "nothing to leave. Please contact the office.");
}

enum db_result
core_self_stop(const struct core_ctx *ctx, int64_t referral_id, char *why,
    size_t whylen)
{
	enum db_result r;

	if (whylen > 0)
		why[0] = '\0';
	r = db_self_stop(ctx->db, referral_id, core_addr(ctx),
	    core_domain(ctx));
	/* Their weekly time is free: offered to those waiting (or put to
	 * the coordinator).  The stop stands if this fails. */
	if (r == DB_OK && core_places_freed_by(ctx, referral_id) == -1)
		fprintf(stderr, "self: referral %lld stopped; its place was "
		    "not made\n", (long long)referral_id);
	return said(r, why, whylen, "");
}

enum db_result
core_self_answer(const struct core_ctx *ctx, int64_t referral_id,
    const char *answer, const char *wellbeing, char *why, size_t whylen)
{
	if (whylen > 0)
		why[0] = '\0';
	if (answer == NULL || (strcmp(answer, "yes") != 0 &&
	    strcmp(answer, "no") != 0))
		return said(DB_INVALID, why, whylen, "Choose whether you "
		    "still want a place.");
	if (wellbeing == NULL || (strcmp(wellbeing, "better") != 0 &&
	    strcmp(wellbeing, "same") != 0 && strcmp(wellbeing, "worse") != 0))
		return said(DB_INVALID, why, whylen, "Choose how you are "
		    "feeling.");
	return said(db_self_answer(ctx->db, referral_id, answer, wellbeing,
	    core_addr(ctx), core_domain(ctx)), why, whylen, "You are not on "
	    "the waiting list now. Please contact the office.");
}

int
core_waitlist_checks(const struct core_ctx *ctx)
{
	time_t t = core_now(ctx);
	struct tm tm;
	char now[21];
	long weeks;

	weeks = db_setting_int(ctx->db, "waitlist_check_weeks",
	    CORE_WAITLIST_CHECK_WEEKS);
	if (weeks < 1)
		weeks = CORE_WAITLIST_CHECK_WEEKS;
	(void)gmtime_r(&t, &tm);
	(void)strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return db_waitlist_checks_run(ctx->db, (int)weeks, now,
	    core_domain(ctx));
}

/*
 * core/survey: asking partner staff for feedback.  See survey.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "core/survey.h"
#include "db/survey.h"

/* ctx's time now as ISO UTC. */
static void
now_iso(const struct core_ctx *ctx, char out[21])
{
	time_t t = core_now(ctx);
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum db_result
core_partner_survey_send(const struct core_ctx *ctx, int64_t organisation_id,
    int *sent, char *why, size_t whylen)
{
	enum db_result r;
	char now[21];

	if (whylen > 0)
		why[0] = '\0';
	*sent = 0;
	if (organisation_id <= 0) {
		(void)snprintf(why, whylen, "Choose an organisation.");
		return DB_INVALID;
	}
	now_iso(ctx, now);
	r = db_partner_survey_send(ctx->db, organisation_id, now,
	    ctx->user_id, core_addr(ctx), sent);
	if (r == DB_OK && *sent == 0)
		(void)snprintf(why, whylen, "Everyone on the organisation's "
		    "staff list was asked in the last %d days, or it has no "
		    "staff accounts yet. Nobody was asked again.",
		    DB_SURVEY_AGAIN_DAYS);
	else if (r == DB_BUSY)
		(void)snprintf(why, whylen, "We are busy just now. Please try "
		    "again in a minute.");
	else if (r != DB_OK)
		(void)snprintf(why, whylen, "The survey could not be sent "
		    "just now. Please try again later.");
	return r;
}

int
core_surveys_tick(const struct core_ctx *ctx)
{
	time_t t = core_now(ctx);
	struct tm tm;
	char now[21];
	long month;
	int sent = 0;

	month = db_setting_int(ctx->db, "partner_survey_month",
	    CORE_PARTNER_SURVEY_MONTH);
	(void)gmtime_r(&t, &tm);
	if (month != tm.tm_mon + 1)
		return 0;
	now_iso(ctx, now);
	if (db_partner_survey_send(ctx->db, 0, now, ctx->user_id,
	    core_addr(ctx), &sent) != DB_OK)
		return -1;
	return sent;
}

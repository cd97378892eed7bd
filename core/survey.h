/*
 * core/survey: asking partner organisations' staff for feedback (issue
 * 20), on demand (/partner, a coordinator on /sites) or once a year (the
 * mailer's loop, `tuttictl surveys tick`).  The family survey needs no
 * action: 025-surveys.sql asks a client's contacts in the transaction of
 * their N-th attended session.  See core.h for the conventions.
 */
#ifndef CORE_SURVEY_H
#define CORE_SURVEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/*
 * Asks the staff of organisation_id (its active partner users) who were
 * not asked in the last 30 days: one email each with their own link.
 * DB_OK with *sent (0: everyone was asked lately; why says so), or
 * what failed with why for the person acting.
 */
enum db_result core_partner_survey_send(const struct core_ctx *,
	    int64_t organisation_id, int *sent, char *why, size_t whylen);

/* The month of the yearly round (setting partner_survey_month). */
#define CORE_PARTNER_SURVEY_MONTH	6	/* June; 0: no yearly round */

/*
 * The yearly round, run by the mailer's loop and `tuttictl surveys
 * tick`: in the month of the setting partner_survey_month, asks the
 * staff of every organisation that had sessions in the last year and
 * none of whose staff was asked in it.  The number asked (0 in any
 * other month), or -1 (logged).
 */
int	 core_surveys_tick(const struct core_ctx *);

#endif

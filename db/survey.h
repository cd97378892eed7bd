/*
 * db/survey: the family and partner staff surveys (issue 20): who is
 * asked, what a link opens, and the answers, stored once.  The table is
 * 015-partners.sql's; 025-surveys.sql asks a client's contacts after
 * their N-th attended session and queues each invitation's email when
 * its row is inserted.  Tokens: db_survey_token (db/reports.h).  See
 * db.h for the conventions.
 */
#ifndef DB_SURVEY_H
#define DB_SURVEY_H

#include <stdint.h>

#include "db/db.h"
#include "db/reports.h"

/* The days before a partner's staff may be asked again. */
#define DB_SURVEY_AGAIN_DAYS	30	/* on demand, per member of staff */
#define DB_SURVEY_YEAR_DAYS	365	/* by the yearly tick, per org */

/* The two kinds, as surveys.kind stores them. */
enum survey_kind { SURVEY_FAMILY, SURVEY_PARTNER, SURVEY__MAX };
extern const char *const db_survey_kind_names[SURVEY__MAX];

/* One invitation, as its link's page and email need it. */
struct db_survey {
	int64_t		 id;
	enum survey_kind kind;
	int64_t		 referral_id;	/* family: the client */
	int64_t		 organisation_id; /* partner: the organisation */
	int64_t		 contact_id;	/* family: whom it went to, or 0 */
	char		 given_name[64];  /* family: the client's first name */
	char		 organisation[128]; /* partner: its name */
	int		 answered;
	int		 gone;		/* the client was erased, or the
					   contact unsubscribed or removed */
};

/*
 * Loads invitation id into *out.  1 found, 0 no such row, -1 error
 * (logged).
 */
int	 db_survey_get(struct db *, int64_t id, struct db_survey *out);

/*
 * Stores the answers to invitation id once: q1 and, for a partner
 * survey, q2 ("agree", "unsure" or "disagree"; q2 NULL for a family
 * survey) and comment ("" for none).  OUTCOME_OPEN when stored now,
 * OUTCOME_ANSWERED when it was answered before (nothing changed),
 * OUTCOME_GONE when there is no such row or its client was erased,
 * OUTCOME_ERROR on a database error (logged).
 */
enum db_outcome_state db_survey_answer(struct db *, int64_t id,
	    const char *q1, const char *q2, const char *comment);

/*
 * Asks a partner organisation's staff (its active partner users): one
 * invitation each, and its email, in one transaction with an audit line
 * by user_id (0: the system) from addr.  organisation_id > 0 asks that
 * organisation's staff who were not asked in the last
 * DB_SURVEY_AGAIN_DAYS (on demand); 0 asks the staff of every
 * organisation with sessions (not cancelled) in the last
 * DB_SURVEY_YEAR_DAYS none of whose staff was asked in them (the
 * yearly tick).  now is ISO UTC.  DB_OK with
 * *sent set (0: nobody was due), or what failed with nothing stored.
 */
enum db_result db_partner_survey_send(struct db *, int64_t organisation_id,
	    const char *now, int64_t user_id, const char *addr, int *sent);

/*
 * Asks the contacts of client referral_id who are due now (the view
 * family_survey_due of 025-surveys.sql: what the attendance trigger
 * asks), queueing their emails.  For the demo and imports, whose
 * contacts come after the attendance.  The number asked, or -1.
 */
int	 db_family_survey_ask(struct db *, int64_t referral_id);

/*
 * The organisation's partner surveys: how many were sent, answered, and
 * when the last was sent (ISO UTC into last[21], "" when never).  0, or
 * -1 (logged).
 */
int	 db_partner_survey_counts(struct db *, int64_t organisation_id,
	    int64_t *sent, int64_t *answered, char last[21]);

#endif

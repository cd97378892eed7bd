/*
 * db/reports: the figures /reports shows, the outcome survey's answers
 * and signed links, and the two settings they use
 * (schema: db/schema/005-reports.sql).
 *
 * What is counted, for a period [from_utc, to_utc):
 *
 *   session delivered  an occurrence starting in the period, not
 *                      cancelled, at which at least one client's
 *                      attendance is "attended"
 *   hours              the delivered sessions' lengths (a group session
 *                      counts once: hours of music therapy given)
 *   people served      distinct clients (referrals) with an attended
 *                      session in the period
 *   attendance         attendance records of sessions in the period;
 *                      the rates are over the sessions a client was
 *                      expected at: attended + did not attend +
 *                      cancelled by the client (a therapist's
 *                      cancellation is not the client's absence)
 *   referrals          received in the period (by created_at), by each
 *                      need ticked (one referral may count under
 *                      several) and by source
 *   waitlist           referrals whose state at an instant (from their
 *                      history) was "waitlisted": at the period's end,
 *                      and at the end of each month in it
 *   wait               days from a referral's receipt to its first
 *                      attended session (0 if it came first, as for
 *                      records entered late), for those whose first
 *                      session fell in the period; the median
 *   caseload           per therapist at the period's end: clients
 *                      assigned then and not ended, whose referral was
 *                      matched or active then, against max_caseload
 *   outcomes           survey answers given in the period: per question
 *                      the number who agreed and who answered ("not a
 *                      family member or carer" is not an answer)
 *
 * Months are calendar months in the process's local time zone (TZ).
 * A client is named by their referral's id (see 005-reports.sql).
 * Functions return 0 on success and -1 on an error logged to stderr,
 * unless they say otherwise.
 */
#ifndef DB_REPORTS_H
#define DB_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/referrals.h"

/* The ways sessions delivered are broken down. */
enum report_by {
	REPORT_BY_MONTH,
	REPORT_BY_SITE,
	REPORT_BY_ORGANISATION,
	REPORT_BY_THERAPIST,
	REPORT_BY_TYPE,		/* individual or group */
	REPORT_BY__MAX
};

/* One row of a breakdown of sessions delivered. */
struct db_report_group {
	char	 key[24];	/* "2026-03", a site id, "individual" */
	char	 label[128];	/* "2026-03", the site's name, "Group" */
	int64_t	 sessions;
	int64_t	 seconds;	/* their total length */
	int64_t	 people;	/* distinct clients who attended them */
};

/* A labelled count (referrals by source, waitlist at a month's end). */
struct db_report_count {
	char	 key[24];
	char	 label[128];
	int64_t	 count;
};

/* One therapist's caseload at the period's end. */
struct db_report_caseload {
	int64_t	 therapist_id;
	char	 name[128];
	int64_t	 clients;
	int64_t	 capacity;	/* max_caseload */
};

/*
 * Hidden waits (issue 18): for the people whose first attended session
 * fell in the period, the median and 90th percentile (nearest rank) of
 * the days from referral to that session, and of the days from it to
 * their second attended session (those who had one by now).
 *
 * Offers: place offers sent in the period (by sent_at), and how many of
 * them were accepted, expired or declined (db_offers_count).
 *
 * Late cancellations and did not attend, by site and local month: the
 * sessions that started in the period (not cancelled by the service, or
 * cancelled late by the client), those a client cancelled through their
 * link with less notice than late_cancel_hours, and those at which a
 * client was recorded as did not attend.
 */
enum report_offers {
	OFFERS_SENT,
	OFFERS_ACCEPTED,
	OFFERS_EXPIRED,
	OFFERS_DECLINED,
	OFFERS__MAX
};
struct db_report_late {
	int64_t	 site_id;
	const char *site;	/* its name, held by the report (late_names) */
	char	 month[8];	/* "2026-03" */
	int64_t	 sessions;
	int64_t	 late;
	int64_t	 dna;
};

/* The outcome survey's questions, in the order of the email. */
enum outcome_q {
	OUTCOME_POSITIVE,	/* a positive or creative experience */
	OUTCOME_QUALITY,	/* improved quality of life */
	OUTCOME_SOCIAL,		/* social skills and interaction */
	OUTCOME_RELATIONSHIP,	/* families, carers: the relationship */
	OUTCOME__MAX
};
extern const char *const outcome_q_names[OUTCOME__MAX];	/* columns */
extern const char *const outcome_q_labels[OUTCOME__MAX];	/* questions */

/* Every figure of one period.  Arrays are owned by the report. */
struct db_report {
	int64_t			 from_utc;
	int64_t			 to_utc;
	int64_t			 sessions;
	int64_t			 seconds;
	int64_t			 people;
	struct db_report_group	*groups[REPORT_BY__MAX];
	size_t			 ngroups[REPORT_BY__MAX];
	int64_t			 attendance[4];	/* by attendance_names */
	int64_t			 referrals;
	int64_t			 by_need[NEED__MAX];
	struct db_report_count	*by_source;
	size_t			 nsources;
	int64_t			 waitlist_end;
	struct db_report_count	*waitlist_months; /* key "YYYY-MM" */
	size_t			 nwaitlist_months;
	int64_t			 first_sessions;	/* waits measured */
	double			 median_wait_days;	/* -1: none */
	double			 p90_wait_days;		/* -1: none */
	int64_t			 second_sessions;	/* of those people,
							   with a second */
	double			 median_second_days;	/* -1: none */
	double			 p90_second_days;	/* -1: none */
	int64_t			 offers[OFFERS__MAX];	/* sent in period */
	struct db_report_late	*late;		/* by site and month */
	size_t			 nlate;
	char			**late_names;	/* the late rows' site names,
						   one a site */
	size_t			 nlate_names;
	struct db_report_caseload *caseload;
	size_t			 ncaseload;
	int64_t			 outcome_agreed[OUTCOME__MAX];
	int64_t			 outcome_answered[OUTCOME__MAX];
	int64_t			 outcome_responses;
	int64_t			 outcome_sent;	/* surveys queued or sent
						   in the period */
};

/*
 * Computes every figure for [from_utc, to_utc) into a new report (free
 * with db_report_free); now is the time of the request (nothing is
 * written after it: a period not ending before now has its caseloads
 * read from the statuses now).  The waitlist is measured at the end of
 * at most the last 120 months of the period.  Returns 0, or -1 with
 * *out NULL.
 */
int	 db_report_load(struct db *, int64_t from_utc, int64_t to_utc,
	    int64_t now, struct db_report **out);

/*
 * The parts of a report, each read on its own: what one table needs
 * (one CSV) is read without the rest.
 */
enum report_part {
	REPORT_PART_SESSIONS	= 1 << 0,	/* sessions, seconds, groups
						   (people 0), attendance */
	REPORT_PART_PEOPLE	= 1 << 1,	/* people, in total and in
						   each group: with
						   SESSIONS */
	REPORT_PART_REFERRALS	= 1 << 2,	/* referrals, by_need,
						   by_source */
	REPORT_PART_WAITLIST	= 1 << 3,	/* waitlist_end, _months */
	REPORT_PART_WAITS	= 1 << 4,	/* first_sessions to
						   p90_second_days */
	REPORT_PART_OFFERS	= 1 << 5,	/* offers */
	REPORT_PART_CASELOAD	= 1 << 6,	/* caseload */
	REPORT_PART_OUTCOMES	= 1 << 7,	/* outcome_* */
	REPORT_PART_LATE	= 1 << 8,	/* late, late_names: with
						   SESSIONS */
	REPORT_PART_MONTH_PEOPLE = 1 << 9,	/* people in each month's
						   group alone: with
						   SESSIONS (PEOPLE has
						   them too) */
	REPORT_PART_ALL		= (1 << 10) - 1,
	REPORT_PART_LATE_BY_SITE = 1 << 10	/* not a part: with LATE,
						   one late row a site for
						   the whole period (month
						   ""), in the same order */
};
/*
 * The same for the parts of the report named in parts (report_part
 * bits; PEOPLE and LATE bring SESSIONS): each figure read is what
 * db_report_load gives, each other figure is 0 (the medians -1) and
 * each other array empty.  Returns 0, or -1 with *out NULL.
 */
int	 db_report_load_parts(struct db *, int64_t from_utc, int64_t to_utc,
	    int64_t now, unsigned parts, struct db_report **out);
/*
 * The same, with the sessions' figures (totals, breakdowns, attendance,
 * late cancellations) worked out from the raw rows (occurrences,
 * attendance, self_cancels) rather than read from the summaries kept by
 * triggers (031-report-summaries.sql), and the caseloads from each
 * place's referral's history even when the period ends today or later
 * (db_report_load then reads the statuses now): what the summaries and
 * statuses must equal.  For tests and checks; it reads the whole period.
 */
int	 db_report_load_raw(struct db *, int64_t from_utc, int64_t to_utc,
	    struct db_report **out);
/*
 * Only what the impact report shows of [from_utc, to_utc): sessions,
 * seconds, people and attendance in total, and the sessions and seconds
 * of each breakdown's groups (keys only: no labels, in no order, people
 * 0), read from the summaries as db_report_load reads them, inside a
 * read transaction the caller holds; no late rows; and into *long_term
 * the people served whose first attended session (first_sessions) was
 * before long_before.  Returns 0, or -1 with *out NULL.
 */
int	 db_report_sessions_load(struct db *, int64_t from_utc,
	    int64_t to_utc, int64_t long_before, int64_t *long_term,
	    struct db_report **out);
/*
 * Compares the sessions' figures of two reports (totals, breakdowns,
 * attendance, late cancellations), the waits, the outcomes and the
 * referrals' (by need and source): 0 when they are the same, or 1 with
 * the first that differs named in why ("by site, row 2: people").
 */
int	 db_report_differ(const struct db_report *,
	    const struct db_report *, char *why, size_t n);
/* Frees a report; NULL is fine. */
void	 db_report_free(struct db_report *);

/* ---- settings ---- */

/*
 * Reads the integer setting key ("outcome_after", "retention_years"),
 * or def when it is absent or not a number.  Cannot fail: an error reads
 * as def (logged).
 */
long	 db_setting_int(struct db *, const char *key, long def);
/* Stores the integer setting key.  Returns 0, or -1. */
int	 db_setting_int_set(struct db *, const char *key, long value);

/* ---- the outcome survey ---- */

/* An answer: agree, unsure, disagree, and na (relationship only). */
enum outcome_answer {
	ANSWER_AGREE,
	ANSWER_UNSURE,
	ANSWER_DISAGREE,
	ANSWER_NA,
	ANSWER__MAX
};
extern const char *const outcome_answer_names[ANSWER__MAX];

/* The survey link's token: 32 base64url characters and the NUL. */
#define DB_OUTCOME_TOKEN_LEN	33

/*
 * Makes the token of the survey link for the client referral_id:
 * a type byte, the id and 15 bytes of HMAC-SHA-256 under the secret
 * "outcome_key" (made the first time).  It never expires.  Returns 0,
 * or -1 when the secret cannot be read.
 */
int	 db_outcome_token(struct db *, int64_t referral_id,
	    char out[DB_OUTCOME_TOKEN_LEN]);
/*
 * Checks a token (any string, NULL too); on success sets *referral_id
 * and returns 0.  Returns -1 for anything malformed or wrongly signed,
 * comparing in constant time.
 */
int	 db_outcome_token_check(struct db *, const char *token,
	    int64_t *referral_id);

/*
 * The same for the family or partner survey invitation survey_id (its
 * surveys row): the link of /survey?t=.  Another type byte, so an
 * outcome link never opens a survey and the other way round.
 */
int	 db_survey_token(struct db *, int64_t survey_id,
	    char out[DB_OUTCOME_TOKEN_LEN]);
int	 db_survey_token_check(struct db *, const char *token,
	    int64_t *survey_id);

/* What a client may do with their survey link. */
enum db_outcome_state {
	OUTCOME_OPEN,		/* may answer */
	OUTCOME_ANSWERED,	/* already answered */
	OUTCOME_GONE,		/* no such client, or erased */
	OUTCOME_ERROR		/* database error (logged) */
};
enum db_outcome_state db_outcome_state(struct db *, int64_t referral_id);

/*
 * Stores a client's answers once (a[OUTCOME_RELATIONSHIP] may be
 * ANSWER_NA; the others may not).  Returns OUTCOME_OPEN when stored now,
 * OUTCOME_ANSWERED when answers were already stored (nothing changed),
 * OUTCOME_GONE for an unknown or erased client or a refused answer,
 * OUTCOME_ERROR on a database error.
 */
enum db_outcome_state db_outcome_save(struct db *, int64_t referral_id,
	    const enum outcome_answer a[OUTCOME__MAX]);

#endif

/*
 * assign: putting a referral on a therapist's caseload.
 *
 * The referral must still be in the state the person acting saw
 * (triaged or waitlisted) and the therapist active with a free place;
 * db_client_assign checks both and writes the client record, the state
 * change, the history line and the therapist's email in one transaction.
 * Assign-and-book, when it comes, belongs here beside it.
 */
#ifndef CORE_ASSIGN_H
#define CORE_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "db/records.h"
#include "db/referrals.h"

/* An assignment as the person acting asks for it.  Strings are borrowed. */
struct core_assign {
	int64_t		 referral_id;
	enum status	 from;		/* the state the person saw */
	int64_t		 therapist_id;
	const char	*detail;	/* the suggestion taken, for the history */
};

/*
 * Assigns by ctx's user.  DB_ASSIGN_OK with *client_id set and *emailed 1
 * when the therapist's email was queued; any other result with a
 * sentence in why and nothing stored: DB_ASSIGN_MOVED (someone changed
 * the referral first), DB_ASSIGN_NOT_OPEN, DB_ASSIGN_NO_PLACE,
 * DB_ASSIGN_GONE (no such referral or therapist), DB_ASSIGN_BUSY,
 * DB_ASSIGN_ERROR.
 */
enum db_assign_result core_referral_assign(const struct core_ctx *,
	    const struct core_assign *, int64_t *client_id, int *emailed,
	    char *why, size_t whylen);

/*
 * Assign and book in one: assigns as core_referral_assign, then books
 * series b (b->client_id is filled in) as core_series_book, in one
 * transaction with the therapist's email and the client's confirmation:
 * all of it is stored or none.  DB_OK with *client_id and *series_id
 * set; DB_CONFLICT (the assignment was overtaken, or a session clashes:
 * why names it); DB_INVALID (a rule is broken: why says which); else a
 * storage failure.  Nothing is stored unless DB_OK.
 */
struct core_booking;
enum db_result core_assign_book(const struct core_ctx *,
	    const struct core_assign *, struct core_booking *b,
	    int64_t *client_id, int64_t *series_id, char *why,
	    size_t whylen);

#endif

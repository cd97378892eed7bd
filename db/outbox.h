/*
 * db/outbox: an email's life in the outbox after it is queued.
 *
 * db_outbox_add (below) queues a row inside the transaction of the write
 * that causes the email.  From then on:
 *
 *   queued --claim--> sending --sent--> sent
 *     ^ ^               |  |  |  |
 *     | +-----hold------+  |  |  +--fail--> failed --retry (admin)--> queued
 *     +-------defer--------+  +--drop--> dropped (no longer true, unsent)
 *
 * hold: the server was down or refused us before the message (its
 * greeting, EHLO, log-in or MAIL FROM): the row is due again at once
 * with its attempt uncounted, and goes as soon as the server is back.
 * defer: the server refused this message for now (4xx to RCPT or DATA),
 * or did not answer after it: due again after a back-off.
 *
 * A claim sets a lease (lease_until); a row left in `sending` past its
 * lease (its mailer died) is claimable again, so a mailer killed while
 * sending resends at most the one message it held.  Every claim counts an
 * attempt.  Times are ISO 8601 UTC text as made by db_now, which compare
 * correctly as strings.
 *
 * Functions return 0 on success and -1 on an error logged to stderr,
 * unless they say otherwise.
 */
#ifndef DB_OUTBOX_H
#define DB_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/*
 * Queues an email in the outbox unless one with the same dedupe key
 * exists (then it is not an error).  Call inside the transaction of the
 * write that causes it.
 */
int	 db_outbox_add(struct db *, const char *kind, const char *dedupe_key,
	    const char *to_addr, const char *to_name, int64_t referral_id,
	    int64_t user_id, const char *msgid_domain);
/* Room for a dedupe key, including the NUL. */
#define DB_OUTBOX_KEY_LEN	128

/* One outbox row.  Every string is owned by the row, never NULL. */
struct db_outbox {
	int64_t	 id;
	char	*dedupe_key;
	char	*kind;		/* "referral_ack", "referral_new", ... */
	char	*to_addr;
	char	*to_name;
	int64_t	 referral_id;	/* 0: none (or the referral was erased) */
	char	*referral_ref;	/* that referral's reference code, or "" */
	int64_t	 user_id;	/* 0: none */
	char	*message_id;	/* "<...@...>", the same on every retry */
	char	*status;	/* queued, sending, sent, failed */
	int	 attempts;	/* claims so far */
	char	*not_before;
	char	*lease_until;	/* "" when none */
	char	*last_error;	/* "" when none */
	char	*created_at;
	char	*sent_at;	/* "" until sent */
	char	*failed_at;	/* "" unless failed */
	int64_t	 contact_id;	/* a copy for this contact (014), or 0 */
	int	 contact_arranges; /* that contact arranges sessions */
};

/* Rows in each state, for the admin's page. */
struct db_outbox_counts {
	int64_t	 queued;
	int64_t	 sending;
	int64_t	 sent;
	int64_t	 failed;
	int64_t	 dropped;
};

/*
 * Writes the dedupe key of the email `kind` about the records a and b
 * into out (outlen >= DB_OUTBOX_KEY_LEN is always enough): the kind with
 * '_' as '-', then ":a", then ":b" unless b is negative
 * ("referral-ack:12", "referral-new:12:3").  The same event must always
 * give the same key: for a reminder, the session occurrence and the
 * recipient, never a time of sending.  Returns 0, or -1 when kind is
 * empty, holds anything but [a-z0-9_], or the key does not fit.
 */
int	 db_outbox_key(char *out, size_t outlen, const char *kind,
	    int64_t a, int64_t b);

/*
 * Claims the next due row: first a `sending` row whose lease ended at or
 * before now (a dead mailer's), else the `queued` row with the earliest
 * not_before at or before now.  The row becomes `sending` with lease
 * lease_until, one more attempt, and is copied into *out (free with
 * db_outbox_free).  Atomic: two mailers never claim the same row while
 * its lease holds.  Returns 1 with a row, 0 when nothing is due, -1 on
 * error.
 */
int	 db_outbox_claim(struct db *, const char *now,
	    const char *lease_until, struct db_outbox *out);

/* Marks a claimed row sent at now.  Returns 0, or -1. */
int	 db_outbox_sent(struct db *, int64_t id, const char *now);

/*
 * Puts a claimed row back in the queue after a temporary failure, due
 * again at not_before, with error (truncated to 500 bytes) as its
 * last_error.  Returns 0, or -1.
 */
int	 db_outbox_defer(struct db *, int64_t id, const char *not_before,
	    const char *error);

/*
 * Puts a claimed row back in the queue, due as before and with the
 * claim's attempt taken back, with error as its last_error: the server
 * was unavailable, so the message itself was never tried.  Returns 0,
 * or -1.
 */
int	 db_outbox_hold(struct db *, int64_t id, const char *error);

/*
 * Marks a claimed row failed for good at now with error (truncated to
 * 500 bytes): a permanent rejection, or temporary ones for too long.
 * Returns 0, or -1.
 */
int	 db_outbox_fail(struct db *, int64_t id, const char *error,
	    const char *now);

/*
 * Marks a claimed row that no longer applies (the change it told of was
 * undone, its session was cancelled or has begun, its client
 * unsubscribed) `dropped`, with "dropped: " and reason as its
 * last_error: it is never sent, it stays in the outbox for the record,
 * and its dedupe key gets "~<id>" so that it is free again for a new
 * event.  Returns 1 when dropped, 0 when the row is not `sending`, -1 on
 * error.
 */
int	 db_outbox_drop(struct db *, int64_t id, const char *reason);

/*
 * For the admin: queues again every row that failed at or after since,
 * due at now with attempts from zero.  Returns how many, or -1.
 */
int	 db_outbox_retry_since(struct db *, const char *since,
	    const char *now);

/*
 * For the admin: makes queued row id (0: every queued row) due at now
 * when it was waiting for a later time; its attempts are unchanged.
 * Returns how many rows changed, or -1.
 */
int	 db_outbox_send_now(struct db *, int64_t id, const char *now);

/*
 * Sending paused: the mailer sets it (at now, with the server's reply)
 * after the server refused several emails in a row with the same reply;
 * it sends nothing while it is set.  _get copies when and why into since
 * and reason and returns 1 when paused, 0 when not, -1 on error; _clear
 * (the administrator resumes) returns 1 when it was paused, 0 when not,
 * -1 on error; _set returns 0 or -1 (an existing pause is kept).
 */
int	 db_outbox_pause_set(struct db *, const char *now,
	    const char *reason);
int	 db_outbox_pause_get(struct db *, char *since, size_t sincelen,
	    char *reason, size_t reasonlen);
int	 db_outbox_pause_clear(struct db *);

/*
 * For the admin: queues a failed row again, due at now, with its attempts
 * counted from zero (its last_error is kept until it is sent).  Returns 1
 * when done, 0 when there is no such row or it is not failed, -1 on
 * error.
 */
int	 db_outbox_retry(struct db *, int64_t id, const char *now);
/*
 * db_outbox_retry and db_outbox_retry_since with the audit line a in the
 * same transaction (for one row, only when it was queued again).
 * For retry_since a NULL a->detail becomes "queued N failed emails
 * again".  They return as the plain ones do.
 */
int	 db_outbox_retry_audited(struct db *, int64_t id, const char *now,
	    const struct db_audit_line *a);
int	 db_outbox_retry_since_audited(struct db *, const char *since,
	    const char *now, const struct db_audit_line *a);
/*
 * db_outbox_send_now and db_outbox_pause_clear with the audit line a in
 * the same transaction, written only when something changed (a NULL
 * a->detail becomes a count in words).  They return as the plain ones do.
 */
int	 db_outbox_send_now_audited(struct db *, int64_t id, const char *now,
	    const struct db_audit_line *a);
int	 db_outbox_pause_clear_audited(struct db *,
	    const struct db_audit_line *a);

/*
 * Lists up to limit rows, newest first, with status (NULL or "": any)
 * and, when before_id > 0, an id below before_id (the next page starts
 * below the last id shown).  *out is an array of *n rows; free with
 * db_outbox_list_free.  Returns 0 (possibly with no rows), or -1.
 */
int	 db_outbox_list(struct db *, const char *status, int64_t before_id,
	    size_t limit, struct db_outbox **out, size_t *n);

/* Reads row id into *out.  Returns 1 found, 0 not found, -1 error. */
int	 db_outbox_get(struct db *, int64_t id, struct db_outbox *out);

/* Counts the rows in each state.  Returns 0, or -1. */
int	 db_outbox_count(struct db *, struct db_outbox_counts *out);

/* Frees a row's strings (not the struct); NULL is fine. */
void	 db_outbox_free(struct db_outbox *);
/* Frees n rows from db_outbox_list and the array; NULL is fine. */
void	 db_outbox_list_free(struct db_outbox *, size_t n);

#endif

/*
 * db/remind: what the mailer's reminders, agendas and session emails read
 * and write, unsubscribes (db/schema/006-unsubscribe.sql), and taking
 * back a cancellation.
 *
 * Dedupe keys of the session emails (db/schedule.c makes the first three):
 *
 *   booking_confirmation:SERIES:0:CLIENT
 *   session_cancelled:SERIES:DATE:CLIENT
 *   session_moved:SERIES:DATE@NEWSTART:CLIENT
 *   session_reinstated:SERIES:DATE@WHEN:CLIENT
 *   reminder:SERIES:DATE:OFFSET:CLIENT
 *   therapist_agenda:THERAPIST:DATE
 *
 * DATE is the occurrence's original local date, NEWSTART and WHEN unix
 * seconds, OFFSET the reminder's offset in seconds, CLIENT a clients.id.
 * A key whose event was undone is retired by appending "~ID" (the row's
 * id), so that the same event happening again gets an email of its own.
 *
 * Functions return 0 on success and -1 on an error logged to stderr,
 * unless they say otherwise.
 */
#ifndef DB_REMIND_H
#define DB_REMIND_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/*
 * Queues, in the caller's transaction, a "reminder" row for every client
 * of every occurrence that starts in [from, to] (unix seconds) and is not
 * cancelled, of a series not cancelled, whose client is on a caseload,
 * agreed to contact, has an email address, was not erased and has not
 * unsubscribed (group series: each such member).  The key is
 * "reminder:SERIES:DATE:OFFSET:CLIENT" with offset; a key already there
 * queues nothing (ON CONFLICT DO NOTHING).  not_before and created_at are
 * now_iso.  One indexed range query on occurrences.start_utc.  Returns
 * the number of rows queued, or -1.
 */
int	 db_remind_queue(struct db *, int64_t from, int64_t to, long offset,
	    const char *now_iso, const char *msgid_domain);

/*
 * Queues, in the caller's transaction, a "therapist_agenda" row for the
 * local day date to each active therapist with an active staff account
 * who has a session not cancelled starting in (now, day_end).  The key
 * is "therapist_agenda:THERAPIST:DATE"; user_id is the account.  Returns
 * the number queued, or -1.
 */
int	 db_agenda_queue(struct db *, const char *date, int64_t now,
	    int64_t day_end, const char *now_iso, const char *msgid_domain);

/* One occurrence as its emails tell it. */
struct db_remind_occ {
	int64_t	 start_utc;
	int64_t	 end_utc;
	char	 state[12];		/* booked, moved, cancelled */
	int64_t	 room_id;		/* 0: none */
	char	 room[128];		/* its room's name, "" when none */
};

/*
 * Reads the occurrence (series_id, date).  Returns 1 found, 0 not (never
 * booked, or removed when its series ended), -1 on error.
 */
int	 db_remind_occ_get(struct db *, int64_t series_id, const char *date,
	    struct db_remind_occ *);

/*
 * 1 when a session_moved notice about the occurrence (series_id, date),
 * other than outbox row except_id, went (or is going: sending) to the
 * client, 0 when none did, -1 on error.
 */
int	 db_remind_move_told(struct db *, int64_t series_id,
	    const char *date, int64_t client_id, int64_t except_id);

/* ---- unsubscribes ---- */

/*
 * Records that the client whose referral is referral_id wants no more
 * reminders, at now_iso, unless recorded already; *already (may be NULL)
 * says which.  Returns DB_OK, DB_INVALID when there is no such referral,
 * or DB_BUSY / DB_ERROR (logged).
 */
enum db_result db_unsub_set(struct db *, int64_t referral_id,
	    const char *now_iso, int *already);

/* 1 when referral_id unsubscribed, 0 when not, -1 on error. */
int	 db_unsub_get(struct db *, int64_t referral_id);

/* ---- taking back a cancellation ---- */

/*
 * Takes back the cancellation of the occurrence (series_id, date) before
 * it starts, in one transaction: the occurrence is booked again (moved
 * again when it had been moved before it was cancelled), the exception
 * goes (or is a move again), the series' SEQUENCE rises, and an audit
 * line is written.  Cancellation notices still queued (not yet claimed
 * by the mailer, whether or not their grace period is over) are deleted:
 * undone within the grace period, the change sends nothing.  Those
 * already sent (or being sent) are retired (key + "~ID"), and the client
 * is sent a "session_reinstated" notice (with the series' invitation)
 * after grace_s seconds; failed ones are retired only.
 *
 * The session must not clash with what was booked meanwhile: the
 * therapist, the room and each client must be free then.
 *
 * Returns DB_OK, setting *withdrawn (may be NULL) to the number of
 * notices that will now never be sent and *notified (may be NULL) to the
 * number of "back on" notices queued; DB_INVALID with a sentence in why
 * when there is no such session, it is not cancelled or it has begun;
 * DB_CONFLICT with a sentence in why when the time is taken now;
 * DB_BUSY or DB_ERROR with nothing changed.
 */
enum db_result db_occ_reinstate(struct db *, int64_t series_id,
	    const char *date, int64_t user_id, const char *addr, int grace_s,
	    const char *msgid_domain, int *withdrawn, int *notified,
	    char *why, size_t whylen);

#endif

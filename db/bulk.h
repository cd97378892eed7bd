/*
 * db/bulk: rows written as they were at a time in the past, for the demo
 * data (`tuttictl demo`) and for imports of an existing service's
 * history.
 *
 * Unlike the writers of records.h and schedule.h, these check nothing
 * beyond the schema, write no audit line, queue no email of their own
 * and take the times they are given instead of the clock.  They run
 * inside the caller's transaction (db_bulk_begin ... db_bulk_commit),
 * so that hundreds of thousands of rows cost a few commits; the caller
 * is responsible for what it writes making sense (no double booking,
 * occurrences that follow their series' rule).  Each returns 0, or -1
 * with SQLite's words logged; after -1 the caller rolls back.
 *
 * Times: "at" values are ISO 8601 UTC ("2026-11-24T22:00:00Z"), dates
 * YYYY-MM-DD local, occurrence times unix seconds, as in the schema.
 */
#ifndef DB_BULK_H
#define DB_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/referrals.h"
#include "db/schedule.h"

/*
 * Begins a transaction for bulk writes and makes the connection fast for
 * them (a larger page cache); db_bulk_commit commits it.  0 or -1.
 */
int	 db_bulk_begin(struct db *);
int	 db_bulk_commit(struct db *);

/*
 * For a database file made for the bulk rows and used by nothing else
 * yet (it holds no referral; -1 otherwise): while it is filled, no
 * write-ahead log (each page is written once, to the file) and no syncs
 * (a crash half-way leaves a file to delete and make again, never one
 * that is read).  If another connection has the file open, it stays in
 * WAL mode, only slower.  db_bulk_fresh_end puts it back as every other
 * connection expects it (WAL, synchronous NORMAL) and drops the
 * planner's statistics db_bulk_analyze made.  0 or -1.
 */
int	 db_bulk_fresh(struct db *);
int	 db_bulk_fresh_end(struct db *);
/*
 * Statistics for SQLite's query planner, for the rest of this
 * connection, from the rows written so far: call it once the first few
 * hundred of each kind are in.  Without them, the outcome survey
 * trigger of migration 005 counts a person's attended sessions by
 * reading every attended session ever recorded, for each one written:
 * time that grows with the square of the history.  0 or -1.
 */
int	 db_bulk_analyze(struct db *);
/*
 * Drops the indexes that no trigger and no bulk insert reads (bulk.c
 * lists them), keeping their definitions in a TEMP table, inside the
 * caller's transaction; db_bulk_indexes_make makes them again, in one
 * sort each rather than a B-tree insert for every row written at a
 * random place in it.  Pages and commands read by those indexes wait
 * for db_bulk_indexes_make.  0 or -1.
 */
int	 db_bulk_indexes_drop(struct db *);
int	 db_bulk_indexes_make(struct db *);
/*
 * The same for the triggers that keep summaries of the rows (bulk.c
 * lists them: 036's report rollups and 039's booked_until), 042's
 * record epoch and 045's world epoch triggers: each costs a statement
 * or a few for every row written (each epoch gets one added once, at
 * the end).  db_bulk_triggers_drop drops
 * them inside the caller's transaction, keeping their definitions;
 * db_bulk_triggers_make, in a transaction of its own (a savepoint
 * within the caller's), fills their summaries once from all the rows,
 * one statement each, and makes the triggers again exactly as the
 * schema had them: the database is then as if they had run for every
 * row written meanwhile, in bulk or not.  Pages and commands that read
 * those summaries wait for db_bulk_triggers_make.  0 or -1.
 */
int	 db_bulk_triggers_drop(struct db *);
int	 db_bulk_triggers_make(struct db *);

/*
 * A referral received at created_at, in the state r->status, with the
 * reference code ref ("XXXX-XXXX", unique) and its sites; updated_at is
 * the time of its last change.  No history line: add them with
 * db_bulk_event.  On 0, r->id is set and r->ref copied.
 */
int	 db_bulk_referral(struct db *, struct db_referral *r, const char *ref,
	    const char *created_at, const char *updated_at);
/* One line of a referral's history (from NULL: received). */
int	 db_bulk_event(struct db *, int64_t referral_id, const char *at,
	    int64_t user_id, const char *from, const char *to,
	    const char *reason);
int	 db_bulk_note(struct db *, int64_t referral_id, const char *at,
	    int64_t user_id, const char *body);

/* A time on a caseload; ended_at NULL while it lasts. */
int	 db_bulk_client(struct db *, int64_t referral_id,
	    int64_t therapist_id, const char *started_at, const char *ended_at,
	    const char *end_reason, int64_t *id);

int	 db_bulk_group(struct db *, const char *name, int64_t therapist_id,
	    int64_t site_id, int capacity, const char *created_at,
	    int64_t *id);
int	 db_bulk_group_member(struct db *, int64_t group_id,
	    int64_t client_id, const char *joined_at);

/*
 * A series as db_series_book stores it, with its status ("active",
 * "ended"), the date it ended from (or NULL) and its times; no
 * occurrences: add them with db_bulk_occ.
 */
int	 db_bulk_series(struct db *, const struct db_series_new *,
	    const char *uid, const char *status, const char *ended_from,
	    const char *created_at, int64_t *id);
/*
 * One occurrence of a series: state "booked", "moved" (o holds the new
 * times) or "cancelled".
 */
int	 db_bulk_occ(struct db *, int64_t series_id, const struct db_occ *o,
	    int64_t therapist_id, int64_t room_id, int64_t site_id,
	    const char *state);
/*
 * The exception behind a cancelled (kind "cancelled") or moved ("moved",
 * with new_start_utc and new_length_min) occurrence; by_whom "client",
 * "therapist", "service" or "".
 */
int	 db_bulk_exception(struct db *, int64_t series_id, const char *date,
	    const char *kind, const char *by_whom, int64_t new_start_utc,
	    int new_length_min, const char *reason, int64_t created_by,
	    const char *created_at);
int	 db_bulk_attendance(struct db *, int64_t series_id, const char *date,
	    int64_t client_id, const char *status, const char *note,
	    int64_t recorded_by, const char *recorded_at);

/*
 * An email as the outbox held it: status "queued" (sent not before
 * not_before) or "sent" (at sent_at).  The dedupe key must be new.
 * message_id is "<...@domain>".
 */
struct db_bulk_mail {
	const char	*kind;
	const char	*dedupe_key;
	const char	*to_addr;
	const char	*to_name;
	int64_t		 referral_id;	/* 0: none */
	int64_t		 user_id;	/* 0: none */
	const char	*message_id;
	const char	*status;
	const char	*not_before;
	const char	*created_at;
	const char	*sent_at;	/* NULL unless sent */
};
int	 db_bulk_outbox(struct db *, const struct db_bulk_mail *);

/* Answers to the outcome survey (as enum outcome_answer names). */
int	 db_bulk_outcome(struct db *, int64_t referral_id,
	    const char *positive, const char *quality_of_life,
	    const char *social, const char *relationship,
	    const char *answered_at);

/*
 * The client record's own rows (011-client-record.sql), at their times.
 * A session note (referral_id 0: a group's shared note) written at
 * written_at, with its first version; when fixed_body is not NULL it
 * was corrected to that at fixed_at for reason, the earlier text kept.
 */
struct db_bulk_session_note {
	int64_t		 series_id;
	const char	*date;		/* the session's, YYYY-MM-DD */
	int64_t		 referral_id;
	int64_t		 user_id;
	const char	*body;
	const char	*written_at;
	const char	*fixed_body;	/* NULL: never corrected */
	const char	*fixed_at;
	const char	*reason;
};
int	 db_bulk_session_note(struct db *,
	    const struct db_bulk_session_note *);
/* A goal set at created_at; review NULL for none. */
int	 db_bulk_goal(struct db *, int64_t referral_id, const char *body,
	    const char *start, const char *review, int64_t user_id,
	    const char *created_at);
/* The closing summary, written at written_at. */
int	 db_bulk_summary(struct db *, int64_t referral_id,
	    const char *worked_on, const char *outcome, const char *onward,
	    int64_t user_id, const char *written_at);

/* Row counts of the main tables, for `tuttictl demo` to report. */
struct db_bulk_counts {
	int64_t	 referrals, clients, series, occurrences, attendance,
		 outbox, therapists, sites, organisations, groups, events,
		 notes, outcomes;
};
int	 db_bulk_count(struct db *, struct db_bulk_counts *);

#endif

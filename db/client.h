/*
 * db/client: the client record (db/schema/011-client-record.sql): who may
 * see it, everything it shows about one person (their referral's id
 * names them), session notes with every earlier text, goals, the
 * closing summary, corrections to the referral as told, the statuses
 * that follow from bookings and attendance, the "work ended" list and a
 * therapist's report that they are off sick.
 *
 * Notes, goals and summaries are health data: nothing here copies them
 * into the audit trail, the outbox or a log; the callers audit each read.
 * See db.h for the conventions (0 or -1 logged, unless said otherwise).
 */
#ifndef DB_CLIENT_H
#define DB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define CLIENT_NOTE_MAX		4000	/* bytes of a session note */
#define CLIENT_LINE_MAX		300	/* a member's line in a group */
#define CLIENT_GOAL_MAX		500
#define CLIENT_SUMMARY_MAX	4000
#define CLIENT_REASON_MAX	500

/*
 * 1 when therapist_id has, or once had, referral_id on their caseload
 * (or held a group series the person was a member of); 0 when not.
 */
int	 db_client_seen_by(struct db *, int64_t referral_id,
	    int64_t therapist_id);

/* A caseload entry of the person: fn(arg, row). */
struct db_client_spell {
	int64_t	 client_id;
	int64_t	 therapist_id;
	char	 therapist[128];
	char	 started_at[21];
	char	 ended_at[21];		/* "" while open */
	char	 end_reason[128];
	char	 therapy_started[11];	/* "" before the first attended */
};
int	 db_client_spells(struct db *, int64_t referral_id, void (*fn)(void *,
	    const struct db_client_spell *), void *arg);

/* A series the person is in (their own or a group's). */
struct db_client_series {
	int64_t	 id;
	char	 therapist[128];
	char	 group[128];		/* "" for an individual series */
	char	 site[128];
	char	 room[128];
	char	 first_date[11];
	char	 start_local[6];
	int	 length_min;
	char	 status[12];
	char	 ended_from[11];
	int	 coming;		/* sessions still to come */
};
int	 db_client_series_each(struct db *, int64_t referral_id,
	    void (*fn)(void *, const struct db_client_series *), void *arg);

/* A session of those series, with what happened and its notes. */
struct db_client_session {
	int64_t	 series_id;
	char	 date[11];		/* original local date */
	int64_t	 start_utc;
	int64_t	 end_utc;
	char	 state[12];		/* booked, moved, cancelled */
	char	 why[256];		/* the cancellation's or move's reason */
	char	 by_whom[12];		/* client, therapist, service, "" */
	char	 attendance[24];	/* "" when not recorded */
	int64_t	 client_id;		/* this person's caseload entry */
	char	 therapist[128];
	char	 site[128];
	int	 is_group;
};
/* Every session, oldest first. */
int	 db_client_sessions(struct db *, int64_t referral_id,
	    void (*fn)(void *, const struct db_client_session *), void *arg);

/* A note (current text) and each of its earlier texts. */
struct db_client_note {
	int64_t		 id;
	int64_t		 series_id;
	char		 date[11];
	int		 shared;	/* a group's shared note */
	const char	*body;
	const char	*author;
	char		 written_at[21];
	char		 updated_at[21];
	int		 versions;	/* texts it has had, 1 when never
					   corrected */
};
/*
 * The person's notes, newest session first: their own and the shared
 * notes of group sessions they attended.  Strings are borrowed for the
 * call.
 */
int	 db_client_notes(struct db *, int64_t referral_id, void (*fn)(void *,
	    const struct db_client_note *), void *arg);
/*
 * 1 when session (series_id, date) has referral_id's note (0: the
 * group's shared note), 0 when not, -1 on an error.
 */
int	 db_client_note_exists(struct db *, int64_t series_id,
	    const char *date, int64_t referral_id);
/* Earlier texts of note_id, oldest first: fn(arg, body, who, at, why). */
int	 db_client_note_versions(struct db *, int64_t note_id,
	    void (*fn)(void *, const char *, const char *, const char *,
	    const char *), void *arg);

/*
 * Writes the note of session (series_id, date) for referral_id (0: the
 * group's shared note), or corrects it: the new text becomes the note
 * and a version row keeps it beside every earlier one, with reason
 * (required for a correction).  An audit line says a note was written
 * or corrected, never what it says.  DB_INVALID when the session is not
 * past, or the person was not in it.
 */
enum db_result db_client_note_put(struct db *, int64_t series_id,
	    const char *date, int64_t referral_id, const char *body,
	    const char *reason, int64_t user_id, const char *addr);

/* Goals: fn(arg, id, body, start, review ("" none), who). */
int	 db_client_goals(struct db *, int64_t referral_id, void (*fn)(void *,
	    int64_t, const char *, const char *, const char *, const char *),
	    void *arg);
enum db_result db_client_goal_add(struct db *, int64_t referral_id,
	    const char *body, const char *start, const char *review,
	    int64_t user_id, const char *addr);

/* The closing summary; 1 found (fn called), 0 none, -1 error. */
int	 db_client_summary(struct db *, int64_t referral_id,
	    void (*fn)(void *, const char *worked_on, const char *outcome,
	    const char *onward, const char *who, const char *at), void *arg);
enum db_result db_client_summary_put(struct db *, int64_t referral_id,
	    const char *worked_on, const char *outcome, const char *onward,
	    int64_t user_id, const char *addr);

/*
 * Corrects the referral as told while it is new, triaged or waitlisted:
 * needs (a bit set) and session_type, with reason; each changed field
 * gets an edit line (before and after as given in labels) and the audit
 * line.  DB_INVALID when it is past triage or nothing changed.
 */
enum db_result db_client_referral_edit(struct db *, int64_t referral_id,
	    unsigned needs, const char *needs_before, const char *needs_after,
	    const char *session_type, const char *type_before,
	    const char *type_after, const char *reason, int64_t user_id,
	    const char *addr);
/* Edits: fn(arg, at, who, field, before, after, reason). */
int	 db_client_referral_edits(struct db *, int64_t referral_id,
	    void (*fn)(void *, const char *, const char *, const char *,
	    const char *, const char *, const char *), void *arg);

/* Emails to or about the person: fn(arg, id, kind, to, status, at, sent). */
int	 db_client_emails(struct db *, int64_t referral_id, void (*fn)(void *,
	    int64_t, const char *, const char *, const char *, const char *,
	    const char *), void *arg);
/* Outcome answers: 1 (fn called), 0 none, -1 error. */
int	 db_client_outcome(struct db *, int64_t referral_id, void (*fn)(void *,
	    const char *positive, const char *quality, const char *social,
	    const char *relationship, const char *at), void *arg);

/*
 * Statuses that follow what happened, each with its history line naming
 * the cause, inside the caller's transaction (db/ only):
 *   db_client_follow_booking: matched referrals of series_id's client or
 *     group members become active;
 *   db_client_follow_attended: the first attended session of client_id
 *     is recorded as the start of therapy.
 */
int	 db_client_follow_booking(struct db *, int64_t series_id,
	    int64_t user_id);
int	 db_client_follow_attended(struct db *, int64_t series_id,
	    const char *date, int64_t client_id, int64_t user_id);

/*
 * Active referrals whose work has ended (every series ended, or the
 * last session passed) with nothing booked from now on: fn(arg, referral
 * id, ref, name, start of the last session held (unix seconds; 0
 * none)), nothing held first and then by when their booked work ended,
 * the first limit of them (0: all).  *total is how many there are in
 * all.  0, or -1.
 */
int	 db_client_work_ended(struct db *, int64_t now, size_t limit,
	    int64_t *total, void (*fn)(void *, int64_t, const char *,
	    const char *, int64_t), void *arg);

/*
 * A therapist reports that they are off sick from first to last (local
 * YYYY-MM-DD, inclusive): stored as leave of kind sickness with the
 * audit line.  DB_INVALID when last is before first.
 */
enum db_result db_client_sick_add(struct db *, int64_t therapist_id,
	    const char *first, const char *last, int64_t user_id,
	    const char *addr);
/*
 * Sessions booked during reported sickness from now on (not yet
 * cancelled or moved): fn(arg, row-like fields).
 */
int	 db_client_sick_sessions(struct db *, int64_t now, void (*fn)(void *,
	    int64_t series_id, const char *date, int64_t start_utc,
	    const char *therapist, const char *who, int64_t referral_id),
	    void *arg);

/*
 * Sessions of therapist_id held in [from, to) that someone attended and
 * that have no note yet (for a group: no shared note): fn(arg, series
 * id, date, start, who, referral id of the person or of the first
 * member who attended).
 */
int	 db_client_notes_due(struct db *, int64_t therapist_id, int64_t from,
	    int64_t to, void (*fn)(void *, int64_t, const char *, int64_t,
	    const char *, int64_t), void *arg);

/*
 * Sets when therapy started for every caseload entry that lacks it and
 * has an attended session (for data written in bulk, as the demo's).
 */
int	 db_client_started_backfill(struct db *);

/*
 * The causes the automatic status changes write in a referral's history
 * (into out, n bytes; cut to fit), so that the product and the demo say
 * them the same way.  Booking: "Automatic: booked: series 12 booked by
 * Sam Jones, weekly from Monday 14 December 2026 at 10:00." (by NULL or
 * "": no name).  The first attended session: "Automatic: therapy
 * started: first session attended on Monday 14 December 2026 (series
 * 12)."  Dates YYYY-MM-DD.  Cannot fail.
 */
void	 db_client_why_booked(char *out, size_t n, int64_t series_id,
	    const char *by, const char *first_date, const char *start);
void	 db_client_why_started(char *out, size_t n, int64_t series_id,
	    const char *date);

#endif

/*
 * db/self: what clients do for themselves through their personal link
 * (db/schema/013-self-service.sql): the links' stored hashes, the page's
 * records, "cannot come", leaving the waiting list, the waitlist check's
 * answers and changes of details.  Every change is one transaction with
 * its outbox rows and an audit line by "the person themselves" (no
 * user), and is idempotent: doing it twice changes once.
 */
#ifndef DB_SELF_H
#define DB_SELF_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_LINK_HASH_LEN	32

/* ---- links ---- */

/* 1 with *gen the link's generation, 0 when none, -1 on error. */
int	 db_link_generation(struct db *, int64_t referral_id, uint32_t *gen);
/*
 * Stores the link of referral_id at gen with hash: when replace is 0
 * only if there is none yet (a race lost is not an error); else over
 * what is there (a revocation).  0, or -1 (logged).
 */
int	 db_link_put(struct db *, int64_t referral_id, uint32_t gen,
	    const unsigned char hash[DB_LINK_HASH_LEN], int replace);
/* 1 when the stored link of referral_id is gen with hash; 0; -1. */
int	 db_link_check(struct db *, int64_t referral_id, uint32_t gen,
	    const unsigned char hash[DB_LINK_HASH_LEN]);

/* ---- text settings ---- */

/* The setting key as text into out ("" when unset).  0, or -1. */
int	 db_setting_text(struct db *, const char *key, char *out, size_t n);
/* Stores the setting key as text.  0, or -1 (logged). */
int	 db_setting_text_set(struct db *, const char *key, const char *value);

/* The service's contact details (settings contact_*): "" when unset. */
struct db_contact {
	char	 phone[64];
	char	 email[256];
	char	 address[512];
	char	 hours[256];
};
/* Reads them into *c.  0, or -1 (c then holds what was read). */
int	 db_contact_get(struct db *, struct db_contact *c);

/* ---- the page ---- */

/* A client as their own page shows them. */
struct db_my {
	int64_t	 id;
	char	 ref[16];
	char	 status[16];
	char	 given_name[128];
	char	 family_name[128];
	char	 email[256];
	char	 phone[64];
	char	 access_needs[1024];
	int	 availability;
	char	 created_at[21];
	char	 waiting_since[21];	/* when last waitlisted; "" */
	int64_t	 check_id;		/* an unanswered waitlist check; 0 */
	char	 last_checked[21];	/* the last check's answer; "" */
};
/* 1 found (into *m), 0 none, -1 error. */
int	 db_my_get(struct db *, int64_t referral_id, struct db_my *m);

/* One of a client's sessions. */
struct db_my_session {
	int64_t	 series_id;
	char	 date[11];		/* original local date */
	int64_t	 start_utc;
	int64_t	 end_utc;
	char	 state[12];
	char	 site[128];
	char	 address[256];
	char	 postcode[16];
	char	 room[128];
	char	 therapist[128];	/* first name only */
	int	 self_cancelled;	/* said "cannot come" */
	int	 late;
	char	 video_url[512];	/* an online session's, "" when none */
};
/*
 * Calls fn for each session of referral_id's own series that ends after
 * from, in time order, at most limit.  0, or -1.
 */
int	 db_my_sessions(struct db *, int64_t referral_id, int64_t from,
	    int limit, void (*fn)(void *, const struct db_my_session *),
	    void *arg);
/*
 * The session of referral_id's own series series_id on date into *s:
 * 1 found, 0 none (or another person's), -1 error.
 */
int	 db_my_session_get(struct db *, int64_t referral_id,
	    int64_t series_id, const char *date, struct db_my_session *s);

/* ---- changes by the person themselves ---- */

/*
 * Cancels the session of referral_id's series series_id on date at the
 * person's word: late (less notice than the setting) is recorded; the
 * client's confirmation, their therapist's and each coordinator's notice
 * are queued.  DB_OK; DB_DUPLICATE when already done (*nothing* more
 * stored); DB_INVALID when it is not theirs, past or cancelled by the
 * service.
 */
enum db_result db_self_cancel(struct db *, int64_t referral_id,
	    int64_t series_id, const char *date, int late, int notice_hours,
	    const char *addr, const char *msgid_domain);

/*
 * Takes referral_id off the waiting list (status withdrawn) with
 * reason, telling the coordinators.  DB_OK; DB_DUPLICATE when withdrawn
 * already; DB_INVALID when not waiting (nothing stored).
 */
enum db_result db_self_leave(struct db *, int64_t referral_id,
	    const char *reason, const char *addr, const char *msgid_domain);

/*
 * Referral_id stops their sessions: every session of their own series
 * still to come is cancelled by the client, in one write with one
 * email to them listing those sessions ("sessions_stopped", when they
 * take email), one notice to their therapist and one to each
 * coordinator ("client_stopped"), each keyed by the referral and the
 * stop's first session ("ID:SERIES:DATE").  DB_OK; DB_DUPLICATE when
 * none is left to cancel (nothing stored).
 */
enum db_result db_self_stop(struct db *, int64_t referral_id,
	    const char *addr, const char *msgid_domain);

/*
 * Calls fn for each session of referral_id cancelled by the stop whose
 * first session was series_id's on date (a stop's key), in time order.
 * 0, or -1.
 */
int	 db_self_stopped_each(struct db *, int64_t referral_id,
	    int64_t series_id, const char *date,
	    void (*fn)(void *, const struct db_my_session *), void *arg);

/*
 * Stores the answer to the waitlist check: answer "yes" or "no",
 * wellbeing "better", "same" or "worse".  "no" withdraws them (reason
 * "no longer needed"); "worse" tells the coordinators at once.  With
 * no check open (answered from their page) a new one is stored.  DB_OK;
 * DB_DUPLICATE when the same answer came in the last hour, or they are
 * withdrawn already; DB_INVALID when they are not waiting.
 */
enum db_result db_self_answer(struct db *, int64_t referral_id,
	    const char *answer, const char *wellbeing, const char *addr,
	    const char *msgid_domain);

/*
 * Changes referral_id's phone, email and access needs (NULL: kept), and
 * writes what changed into their notes for the coordinator.  DB_OK;
 * DB_DUPLICATE when nothing changed.
 */
enum db_result db_self_update(struct db *, int64_t referral_id,
	    const char *phone, const char *email, const char *access_needs,
	    const char *addr);

/*
 * Sends a waitlist check to every waiting person whose last check (or
 * waitlisting) is weeks old or more at now (ISO), and reminds those
 * with an unanswered check a week old (twice; after that the check goes
 * to the coordinators' review list).  Returns how many rows changed, or
 * -1.
 */
int	 db_waitlist_checks_run(struct db *, int weeks, const char *now,
	    const char *msgid_domain);

/* ---- for the demo (ctl/demo_self.c) ---- */

/*
 * The first booked session of a client's own series starting in (now,
 * now + window]: 1 with its referral, series and original date, 0 none,
 * -1 error.
 */
int	 db_demo_next_session(struct db *, int64_t now, int64_t window,
	    int64_t *referral_id, int64_t *series_id, char date[11]);
/* The nth (from 0) waiting person with an open check, 0 none, -1. */
int64_t	 db_demo_checked(struct db *, int nth);
/* Makes referral_id's open check three weeks old, reminded twice and
 * on the review list.  0, or -1. */
int	 db_demo_check_overdue(struct db *, int64_t referral_id);
/* Marks referral_id's queued check emails sent (before they answered). */
int	 db_demo_check_sent(struct db *, int64_t referral_id);
/* Marks referral_id's queued emails of kind sent two days ago. */
int	 db_demo_mail_sent(struct db *, const char *kind, int64_t referral_id);
/*
 * Clients who could stop through their link, lowest referral first:
 * active, with an email and one individual series booked after now at
 * a site with no closure to come (so the place freed can be booked).
 * Up to max referral and series ids into the arrays; how many, or -1.
 */
int	 db_demo_stoppable(struct db *, int64_t now, int64_t *referral_ids,
	    int64_t *series_ids, int max);

#endif

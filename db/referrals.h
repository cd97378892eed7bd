/*
 * db/referrals: the public form's lists (needs, week slots, sites), a
 * referral as stored, the states it moves through, the coordinator's
 * queue, its history and notes.  See db.h for the conventions.
 */
#ifndef DB_REFERRALS_H
#define DB_REFERRALS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* The areas of life a referral concerns (the form's `needs`). */
enum need { NEED_AUTISM, NEED_LEARNING_DIFFICULTIES, NEED_MENTAL_HEALTH,
	NEED_NEURO_REHAB, NEED_DEMENTIA, NEED_PALLIATIVE, NEED_PARENT_CHILD,
	NEED_OTHER, NEED__MAX };
extern const char *const need_names[NEED__MAX];	/* "autism", ... */
extern const char *const need_labels[NEED__MAX];	/* "Autism", ... */

/* Week slots for availability: day * SLOT_PARTS + part. */
#define SLOT_DAYS	7
#define SLOT_PARTS	3
#define SLOT__MAX	(SLOT_DAYS * SLOT_PARTS)
extern const char *const slot_day_names[SLOT_DAYS];	/* "mon", ... */
/* "Monday", ...: util/calendar.h's calendar_day_names. */
extern const char *const *const slot_day_labels;
extern const char *const slot_part_names[SLOT_PARTS];	/* "am", "pm", "eve" */
extern const char *const slot_part_labels[SLOT_PARTS];	/* "Morning", ... */

/* Partner sites, as shown on the public form. */
struct db_site {
	int64_t	 id;
	char	*name;
	char	*kind;
	char	*postcode;
	int	 step_free;
};
/* Fills *out with the active sites ordered by name; free with
 * db_sites_free.  */
int	 db_sites_list(struct db *, struct db_site **out, size_t *n);
void	 db_sites_free(struct db_site *, size_t n);
/* Adds a site; returns its id, or -1. */
int64_t	 db_site_add(struct db *, const char *name, const char *kind,
	    const char *address, const char *postcode, int step_free);

struct db_referrer;
struct db_contact;

/* A self-referral (or one entered by staff), as validated input. */
struct db_referral {
	int64_t		 id;
	char		 ref[16];
	const char	*status;
	const char	*source;
	const char	*given_name;
	const char	*family_name;
	const char	*email;
	const char	*phone;
	const char	*postcode;
	const char	*date_of_birth;
	const char	*preferred_contact;
	int		 voicemail_ok;
	unsigned	 needs;		/* bit set over enum need */
	const char	*about;
	unsigned	 availability;	/* bit set over week slots */
	const char	*session_type;
	int		 online_ok;
	const char	*access_needs;
	const char	*language;
	int		 interpreter;
	const char	*gp_practice;
	const char	*emergency_name;
	const char	*emergency_phone;
	int		 consent_data;
	int		 consent_contact;
	const int64_t	*sites;
	size_t		 nsites;
	const char	*source_detail;	/* e.g. the partner organisation */
	int64_t		 created_by;	/* staff user, or 0 */
	/*
	 * Rate limits counted in the same write: a hit under each non-NULL
	 * key (an hour's window, db_rate_hit); more than rate_limit under
	 * any of them stores nothing and gives DB_LIMITED.
	 */
	const char	*rate_keys[2];
	int		 rate_limit;
	/* Made on the person's behalf (db/contacts.h): or NULL and 0. */
	const struct db_referrer *referrer;
	const struct db_contact	 *contacts;
	size_t		 ncontacts;
};

/*
 * Stores a new referral with its sites and the outbox rows for its
 * emails (an acknowledgement to the person when they agreed to contact
 * by email, a notice to each active coordinator) in one transaction.
 * nonce (16 bytes, may be NULL) identifies the form that was posted: if
 * a referral was already stored for it, nothing is written, its reference
 * is copied to r->ref and DB_DUPLICATE returned.  On DB_OK r->id and
 * r->ref are set.  msgid_domain is the right-hand side of Message-IDs.
 * The rate limit hits (r->rate_keys) are counted inside the same write,
 * so one that cannot be stored fails as the referral does (DB_FULL when
 * the disk is full); DB_LIMITED when a limit was passed.
 */
enum db_result db_referral_create(struct db *, struct db_referral *r,
	    const unsigned char *nonce, const char *msgid_domain);

/* Number of referrals (all states). */
int64_t	 db_referral_count(struct db *);

/* The kind of session a referral asks for (the form's session_type). */
enum session_type {
	SESSION_INDIVIDUAL,
	SESSION_GROUP,
	SESSION_EITHER,
	SESSION_TYPE__MAX
};
/* "individual", "group", "either": as stored and posted. */
extern const char *const session_type_names[SESSION_TYPE__MAX];
/* "Individual", "Group", "Individual or group": as shown. */
extern const char *const session_type_labels[SESSION_TYPE__MAX];

/* Referral states and the moves between them. */
enum status {
	ST_NEW,		/* received; no one has read it yet */
	ST_TRIAGED,	/* read by a coordinator */
	ST_WAITLISTED,	/* waiting for a place */
	ST_MATCHED,	/* given a therapist (a client on a caseload) */
	ST_ACTIVE,	/* sessions under way */
	ST_CLOSED,	/* finished */
	ST_DECLINED,	/* not for this service */
	ST_WITHDRAWN,	/* the person no longer wants it */
	STATUS__MAX
};
extern const char *const status_names[STATUS__MAX];	/* "new", ... */
extern const char *const status_labels[STATUS__MAX];	/* "New", ... */
/* 1 when a referral in state from may move to state to. */
int	 db_status_move_ok(enum status from, enum status to);
/* 1 for new, triaged, waitlisted, matched and active. */
int	 db_status_open(enum status);

/* The coordinator's queue. */
struct db_queue_filter {
	int		 status;	/* enum status, or -1 for all open */
	int		 all;		/* with status -1: every state */
	int		 need;		/* enum need, or -1 */
	int64_t		 site;		/* 0 for any */
	const char	*from;		/* YYYY-MM-DD or NULL */
	const char	*to;		/* YYYY-MM-DD (inclusive) or NULL */
	const char	*q;		/* name or postcode text, or NULL */
	const char	*ref;		/* q as a reference code, or NULL */
	int		 newest_first;
	int		 limit;
	int		 offset;
};
struct db_queue_row {
	int64_t	 id;
	char	 ref[16];
	int	 status;
	char	 name[208];
	char	 postcode[12];
	char	 created_at[21];
	unsigned needs;
	char	 source[16];
	/* Waiting people: their last answered waitlist check and when
	 * they joined the list; "" when none (or not waiting). */
	char	 last_checked[21];
	char	 waitlisted_at[21];
};
/* Fills rows (up to f->limit) and the number matching in all. */
int	 db_queue(struct db *, const struct db_queue_filter *,
	    struct db_queue_row *rows, size_t *nrows, int64_t *total);
int	 db_status_counts(struct db *, int64_t counts[STATUS__MAX]);

/* One referral as stored, every string owned by the record. */
struct db_referral_rec {
	struct db_referral r;		/* strings point into store */
	char	 created_at[21];
	char	 updated_at[21];
	char	 source_detail[208];
	int	 status;
	int64_t	*site_ids;
	char	**site_names;
	char	*store;
};
/* 1 found (fills *out; free with db_referral_rec_free), 0 not, -1 error */
int	 db_referral_load(struct db *, int64_t id, struct db_referral_rec **);
void	 db_referral_rec_free(struct db_referral_rec *);
/* Finds a referral id by its code; 1 found, 0 not, -1 error. */
int	 db_referral_by_ref(struct db *, const char *ref, int64_t *id);

/*
 * Moves a referral from state from to state to, with the reason, a
 * history line and an audit line, in one transaction.  DB_CONFLICT when
 * it is no longer in state from; DB_INVALID when the move makes no sense.
 */
enum db_result db_referral_move(struct db *, int64_t id, enum status from,
	    enum status to, int64_t user_id, const char *reason,
	    const char *addr);
int	 db_referral_events(struct db *, int64_t id, void (*fn)(void *,
	    const char *at, const char *user, const char *from,
	    const char *to, const char *reason), void *arg);
/* Adds a note with its audit line in one transaction. */
int	 db_note_add(struct db *, int64_t referral_id, int64_t user_id,
	    const char *body, const char *addr);
int	 db_notes(struct db *, int64_t referral_id, void (*fn)(void *,
	    const char *at, const char *user, const char *body), void *arg);

#endif

/*
 * db: the one SQLite database, its schema and the domain's records.
 *
 * Nothing here knows about HTTP.  Every statement is a ?-bound string in
 * one enum-indexed table (db.c), prepared on first use and kept for the
 * life of the connection.  Functions return 0 on success and -1 on an
 * error that has been logged to stderr, unless they say otherwise.
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* The areas of life a referral concerns (the form's `needs`). */
enum need {
	NEED_AUTISM,
	NEED_LEARNING_DIFFICULTIES,
	NEED_MENTAL_HEALTH,
	NEED_NEURO_REHAB,
	NEED_DEMENTIA,
	NEED_PALLIATIVE,
	NEED_PARENT_CHILD,
	NEED_OTHER,
	NEED__MAX
};
extern const char *const need_names[NEED__MAX];	/* "autism", ... */
extern const char *const need_labels[NEED__MAX];	/* "Autism", ... */

/* Week slots for availability: day * SLOT_PARTS + part. */
#define SLOT_DAYS	7
#define SLOT_PARTS	3
#define SLOT__MAX	(SLOT_DAYS * SLOT_PARTS)
extern const char *const slot_day_names[SLOT_DAYS];	/* "mon", ... */
extern const char *const slot_day_labels[SLOT_DAYS];	/* "Monday", ... */
extern const char *const slot_part_names[SLOT_PARTS];	/* "am", "pm", "eve" */
extern const char *const slot_part_labels[SLOT_PARTS];	/* "Morning", ... */

/* Returns the index of name in the table of n names, or -1. */
int	 db_name_index(const char *const *table, size_t n, const char *name);

/*
 * Opens (creating when absent) the database at path, with WAL, foreign
 * keys, a busy timeout and synchronous=NORMAL, and brings the schema up
 * to date.  Returns NULL with a message in err on failure.
 */
struct db	*db_open(const char *path, char *err, size_t errlen);
/* Finalises every statement and closes; NULL is fine. */
void		 db_close(struct db *);
/*
 * on = 0: this connection never checkpoints the WAL itself (the workers:
 * tutti-fcgi's checkpointer does it for them); 1: SQLite's default.
 */
void		 db_autocheckpoint(struct db *, int on);
/*
 * Copies what the WAL holds back into the database without waiting for
 * anyone, and lets the WAL start again once it is large.  For a
 * background process, ten times a second.  0, or -1 on an error.
 */
int		 db_checkpoint(struct db *);
/* 0 when the database answers a trivial query. */
int		 db_ping(struct db *);
/* The schema version (PRAGMA user_version) and the newest one known. */
int		 db_schema_version(struct db *);
int		 db_schema_latest(void);

/*
 * Reads the secret called name (creating len random bytes the first
 * time) into out.  Secrets sign form tokens and links.
 */
int	 db_secret(struct db *, const char *name, unsigned char *out,
	    size_t len);

/* The current time as ISO 8601 UTC ("2026-11-24T22:00:00Z"). */
void	 db_now(char out[21]);

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
};

enum db_result {
	DB_OK,		/* done */
	DB_CONFLICT,	/* someone changed it first: nothing stored */
	DB_DUPLICATE,	/* already done before (same form token) */
	DB_FULL,	/* the disk or database is full: nothing stored */
	DB_BUSY,	/* locked for too long: nothing stored */
	DB_INVALID,	/* refused by a constraint: nothing stored */
	DB_ERROR	/* anything else: nothing stored */
};

/*
 * Stores a new referral with its sites and the outbox rows for its
 * emails (an acknowledgement to the person when they agreed to contact
 * by email, a notice to each active coordinator) in one transaction.
 * nonce (16 bytes, may be NULL) identifies the form that was posted: if
 * a referral was already stored for it, nothing is written, its reference
 * is copied to r->ref and DB_DUPLICATE returned.  On DB_OK r->id and
 * r->ref are set.  msgid_domain is the right-hand side of Message-IDs.
 */
enum db_result db_referral_create(struct db *, struct db_referral *r,
	    const unsigned char *nonce, const char *msgid_domain);

/* Number of referrals (all states). */
int64_t	 db_referral_count(struct db *);

/*
 * Queues an email in the outbox unless one with the same dedupe key
 * exists (then it is not an error).  Call inside the transaction of the
 * write that causes it.
 */
int	 db_outbox_add(struct db *, const char *kind, const char *dedupe_key,
	    const char *to_addr, const char *to_name, int64_t referral_id,
	    int64_t user_id, const char *msgid_domain);

/* Staff users. */
int64_t	 db_user_add(struct db *, const char *email, const char *name,
	    const char *role, const char *password_hash);
/* Calls fn once a user, in id order. */
int	 db_user_each(struct db *, void (*fn)(void *, int64_t id,
	    const char *email, const char *role, const char *name, int active),
	    void *arg);

/* Referral states and the moves between them. */
enum status {
	ST_NEW,
	ST_TRIAGED,
	ST_WAITLISTED,
	ST_MATCHED,
	ST_ACTIVE,
	ST_CLOSED,
	ST_DECLINED,
	ST_WITHDRAWN,
	STATUS__MAX
};
extern const char *const status_names[STATUS__MAX];	/* "new", ... */
extern const char *const status_labels[STATUS__MAX];	/* "New", ... */
/* 1 when a referral in state from may move to state to. */
int	 db_status_move_ok(enum status from, enum status to);
/* 1 for new, triaged, waitlisted, matched and active. */
int	 db_status_open(enum status);

/*
 * Staff users.  password_hash is heap memory owned by the record; free
 * it with db_user_clear.
 */
struct db_user {
	int64_t	 id;
	char	 email[256];
	char	 name[128];
	char	 role[16];
	int	 active;
	char	*password_hash;
};
/* 1 found, 0 not found, -1 error. */
int	 db_user_by_email(struct db *, const char *email, struct db_user *);
int	 db_user_get(struct db *, int64_t id, struct db_user *);
void	 db_user_clear(struct db_user *);
int	 db_user_set_active(struct db *, int64_t id, int active);
/* Sets a new password hash and ends every session of the user. */
int	 db_user_set_password(struct db *, int64_t id, const char *hash);

/* Sessions: only the SHA-256 of the cookie's token is stored. */
struct db_session {
	int64_t	 id;
	int64_t	 user_id;
	int64_t	 created_at;
	int64_t	 last_seen;
	char	 csrf[72];
	char	 role[16];
	char	 name[128];
	char	 email[256];
};
int	 db_session_create(struct db *, const unsigned char hash[32],
	    int64_t user_id, const char *csrf, int64_t now, const char *addr);
/* 1 found (an active user's), 0 not, -1 error. */
int	 db_session_find(struct db *, const unsigned char hash[32],
	    struct db_session *);
int	 db_session_touch(struct db *, int64_t id, int64_t now);
int	 db_session_delete(struct db *, int64_t id);
/* Removes sessions idle since before idle_cut or made before abs_cut. */
int	 db_session_expire(struct db *, int64_t idle_cut, int64_t abs_cut);

/* Failed sign-ins under key; 1 found, 0 none, -1 error. */
int	 db_login_failures(struct db *, const char *key, int *failures,
	    int64_t *first_at, int64_t *last_at);
/* Counts one more failure; a count older than window starts again. */
int	 db_login_fail(struct db *, const char *key, int64_t now,
	    int64_t window);
int	 db_login_clear(struct db *, const char *key);
/* Takes back one counted failure (a sign-in that turned out right). */
int	 db_login_unfail(struct db *, const char *key);

/*
 * Counts one hit under key in a window of `window` seconds that starts
 * at the first hit (a hit after it ends starts again at 1), atomically,
 * and stores the count with this hit in *hits.  0, or -1 on error.
 */
int	 db_rate_hit(struct db *, const char *key, int64_t now,
	    int64_t window, int *hits);

/* One audit line; referral_id and subject_user_id may be 0. */
int	 db_audit(struct db *, int64_t user_id, const char *addr,
	    const char *action, int64_t referral_id, int64_t subject_user_id,
	    const char *detail);
/* Calls fn for audit lines, newest first; referral_id 0 means all. */
int	 db_audit_each(struct db *, int64_t referral_id, int limit,
	    int offset, void (*fn)(void *, const char *at, const char *user,
	    const char *addr, const char *action, const char *ref,
	    const char *detail), void *arg);

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

/* Transactions for callers that group writes (tuttictl demo). */
int	 db_begin(struct db *);
int	 db_commit(struct db *);
void	 db_rollback(struct db *);

/* Online backup into a new file at path (SQLite's backup API). */
int	 db_backup(struct db *, const char *path);

#endif

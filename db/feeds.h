/*
 * db/feeds: calendar feeds (db/schema/004-schedule.sql, table feeds).
 *
 * A feed is a therapist's or a partner site's calendar, found by a
 * secret token in its URL.  Only the SHA-256 of the token is stored, so
 * a token is shown once, when it is made; making a new one replaces the
 * old, whose URL stops working at once.  Lookup is an indexed equality
 * lookup on the hash (the UNIQUE index on token_hash), and the hash found
 * is compared again with sodium_memcmp.
 *
 * The rendered feed is kept in the row with its ETag.  Triggers mark the
 * feeds that show a series stale in the same transaction as any change
 * to the series or its exceptions; a rebuild reads the data and stores
 * the new body in one transaction (db_feed_read_begin ..
 * db_feed_store_commit), so a change made meanwhile is never lost: the
 * store then fails and the feed stays stale.
 *
 * Functions return 0 on success and -1 on an error logged to stderr,
 * unless they say otherwise.
 */
#ifndef DB_FEEDS_H
#define DB_FEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_FEED_HASH_LEN	32	/* SHA-256 */
#define DB_FEED_TOKEN_BYTES	24	/* 192 random bits */
#define DB_FEED_TOKEN_LEN	32	/* base64url of those, no padding */
#define DB_FEED_ETAG_LEN	48	/* room for the ETag and its NUL */
#define DB_FEED_KEEP_DAYS	30	/* an ended or finished series stays
					 * this long after its end */

enum db_feed_kind {
	FEED_THERAPIST,		/* one therapist's sessions */
	FEED_SITE,		/* a partner site's: no client details */
	FEED__MAX
};
extern const char *const db_feed_kind_names[FEED__MAX];	/* "therapist" */

/* One feed's row, without its body. */
struct db_feed {
	int64_t			 id;
	enum db_feed_kind	 kind;
	int64_t			 owner_id;	/* therapist or site id */
	int			 stale;		/* changed since built */
	int64_t			 built_at;	/* unix seconds; 0: never */
	char			 etag[DB_FEED_ETAG_LEN]; /* "" when never */
	char			 created_at[21]; /* when the token was made */
};

/*
 * Hashes token (its text) into hash after checking its form: exactly
 * DB_FEED_TOKEN_LEN characters of the base64url alphabet, given as the
 * len bytes at token.  Returns 0, or -1 when it cannot be a token (no
 * lookup is needed then).  Cannot fail otherwise.
 */
int	 db_feed_token_hash(const char *token, size_t len,
	    unsigned char hash[DB_FEED_HASH_LEN]);

/*
 * Makes a new random token for the feed of kind and owner_id, creating
 * the feed or replacing its token (the old one stops working; the
 * rendered body is kept, as it does not depend on the token), and writes
 * it with its NUL into token.  *feed_id may be NULL.  Returns 0, 1 when
 * there is no such therapist or site, or -1 (nothing changed then).
 */
int	 db_feed_token_new(struct db *, enum db_feed_kind, int64_t owner_id,
	    char token[DB_FEED_TOKEN_LEN + 1], int64_t *feed_id);

/* The row db_feed_find is reading, for db_feed_body. */
struct db_feed_row;

/*
 * Finds the feed whose token hashes to hash and calls fn(arg, feed, row)
 * while its row is read.  One indexed lookup; the stored body is read
 * only if fn asks for it with db_feed_body (a 304 never does).  Returns
 * 1 when found (fn was called), 0 when no feed has that token, -1 on
 * error.
 */
int	 db_feed_find(struct db *, const unsigned char hash[DB_FEED_HASH_LEN],
	    void (*fn)(void *, const struct db_feed *,
	    const struct db_feed_row *), void *arg);
/*
 * The stored rendering of the row, borrowed (valid only during fn), with
 * its length in *len; NULL when there is none yet.  Cannot fail.
 */
const void *db_feed_body(const struct db_feed_row *, size_t *len);

/*
 * Marks every feed stale, for a change the triggers do not see: a
 * client's name corrected or erased, a therapist, site or room renamed.
 * Each is rebuilt on its next request.
 */
int	 db_feed_stale_all(struct db *);

/*
 * Deletes the calendar feed of the therapist linked to user_id, so that
 * its URL stops working; *revoked is how many feeds went (0 or 1).
 * 0, or -1 on error.
 */
int	 db_feed_revoke_user(struct db *, int64_t user_id, int64_t *revoked);
/*
 * db_feed_revoke_user with the audit line a in the same transaction:
 * both are stored or neither.  0, or -1 (logged, *revoked 0).
 */
int	 db_feed_revoke_user_audited(struct db *, int64_t user_id,
	    int64_t *revoked, const struct db_audit_line *a);

/* The feed of kind and owner_id, without its body: 1, 0 none, -1. */
int	 db_feed_get(struct db *, enum db_feed_kind, int64_t owner_id,
	    struct db_feed *);

/* ---- what a feed shows ---- */

/* A cancelled or moved occurrence. */
struct db_feed_exception {
	char	 date[11];		/* original local date */
	int	 moved;			/* 1 moved, 0 cancelled */
	int64_t	 new_start_utc;		/* moved: the new times */
	int	 new_length_min;
	char	*room;			/* moved: its room, "" online */
	int	 sequence;		/* the series' SEQUENCE then */
	char	 created_at[21];	/* ISO 8601 UTC */
};

/*
 * One series.  Every string is owned by the data and never NULL.  In a
 * site feed the client's names, reference and the group's name are ""
 * (never read from the database).
 */
struct db_feed_series {
	int64_t			 id;
	char			*uid;
	char			*therapist;
	int			 is_group;
	char			*given_name;	/* the client's */
	char			*family_name;
	char			*client_ref;
	char			*group;
	char			*site;
	char			*site_address;	/* "address, postcode" */
	char			*room;		/* "" online or none */
	char			*tz;
	char			 first_date[11];
	char			 start_local[6];
	int			 length_min;
	int			 count;		/* 0: none */
	char			 until_date[11];	/* "": none */
	char			 status[12];	/* active|ended|cancelled */
	char			 ended_from[11];	/* "": none */
	int			 sequence;
	char			 created_at[21];
	char			 updated_at[21];
	int64_t			 referral_id;	/* the client record; 0 for
						   a group */
	struct db_feed_exception *exceptions;	/* by date */
	size_t			 nexceptions;
};

struct db_feed_data {
	enum db_feed_kind	 kind;
	int64_t			 owner_id;
	char			*owner_name;	/* therapist's or site's */
	struct db_feed_series	*series;	/* by first date, id */
	size_t			 nseries;
};

/*
 * Loads what the feed of kind and owner_id shows at now: every active
 * series whose last session by its rule is at most DB_FEED_KEEP_DAYS
 * days ago (or that has no end), and every ended or cancelled one
 * changed in those days, each with its exceptions.  *out is freed with
 * db_feed_data_free.  Returns 1, 0 when the owner does not exist (*out
 * NULL), or -1.
 */
int	 db_feed_data_load(struct db *, enum db_feed_kind, int64_t owner_id,
	    int64_t now, struct db_feed_data **out);
/*
 * Loads one series (whatever its status) with its exceptions, as a
 * therapist's feed would show it, as the only series of *out (kind
 * FEED_THERAPIST, owner its therapist).  Returns 1, 0 when there is no
 * such series, or -1.
 */
int	 db_feed_series_load(struct db *, int64_t series_id,
	    struct db_feed_data **out);
/* NULL is fine. */
void	 db_feed_data_free(struct db_feed_data *);

/*
 * A rebuild's transaction: db_feed_read_begin starts a deferred one, in
 * which db_feed_data_load reads; db_feed_store_commit then stores the
 * body and its ETag as fresh and commits.  It returns 0 when stored, 1
 * when the database changed since the reading began or another writer
 * held it (then nothing is stored, the transaction is rolled back, and
 * the body is still right to answer with once), -1 on error (rolled
 * back).  db_feed_read_end rolls back a transaction not stored.
 */
int	 db_feed_read_begin(struct db *);
int	 db_feed_store_commit(struct db *, int64_t feed_id, const void *body,
	    size_t len, const char *etag, int64_t built_at);
void	 db_feed_read_end(struct db *);

#endif

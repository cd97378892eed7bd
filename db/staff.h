/*
 * db/staff: staff users, their sessions and failed sign-ins, and the
 * audit trail of what staff did.  See db.h for the conventions.
 */
#ifndef DB_STAFF_H
#define DB_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"


/* Staff users. */
int64_t	 db_user_add(struct db *, const char *email, const char *name,
	    const char *role, const char *password_hash);
/* Calls fn once a user, in id order. */
int	 db_user_each(struct db *, void (*fn)(void *, int64_t id,
	    const char *email, const char *role, const char *name, int active),
	    void *arg);

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
/*
 * Ties user id to partner organisation organisation_id (0: none).  0, or
 * -1 when there is no such user or organisation, or on an error.
 */
int	 db_user_organisation_set(struct db *, int64_t id,
	    int64_t organisation_id);
/* Sets a new password hash and ends every session of the user. */
int	 db_user_set_password(struct db *, int64_t id, const char *hash);
/*
 * db_user_add, db_user_set_active and db_user_set_password with the
 * audit line a in one transaction: both are stored or neither (logged).
 * db_user_add_audited fills in the new account as a's subject, and ties
 * it to organisation_id (0: none; -1 when there is no such one).  They
 * return as the plain ones do.
 */
int64_t	 db_user_add_audited(struct db *, const char *email, const char *name,
	    const char *role, const char *password_hash,
	    int64_t organisation_id, const struct db_audit_line *a);
int	 db_user_set_active_audited(struct db *, int64_t id, int active,
	    const struct db_audit_line *a);
int	 db_user_set_password_audited(struct db *, int64_t id,
	    const char *hash, const struct db_audit_line *a);
/*
 * A person changes their own password: as db_user_set_password_audited,
 * but the session keep_session_id (the one they are using) stays; every
 * other session of theirs ends.  0, or -1 (logged, nothing stored).
 */
int	 db_user_password_change_audited(struct db *, int64_t id,
	    const char *hash, int64_t keep_session_id,
	    const struct db_audit_line *a);
/*
 * "Sign out everywhere else": ends every session of user_id except
 * keep_session_id, with audit line a (a NULL a->detail becomes "ended N
 * other sessions") in the same transaction.  The number ended, or -1
 * (logged, nothing stored).
 */
int	 db_session_end_others_audited(struct db *, int64_t user_id,
	    int64_t keep_session_id, const struct db_audit_line *a);

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
	int64_t	 organisation_id;	/* a partner's; 0 for other roles */
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
/* Sets the time of the last failure under key to now. */
int	 db_login_touch(struct db *, const char *key, int64_t now);
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

#endif

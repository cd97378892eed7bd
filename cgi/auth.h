/*
 * auth: staff passwords, sessions, CSRF tokens, failed sign-ins, and the
 * one table that says which role may do what.
 */
#ifndef CGI_AUTH_H
#define CGI_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cgi/http.h"

#define AUTH_IDLE	(30 * 60)	/* seconds a session may sit idle */
#define AUTH_ABSOLUTE	(12 * 60 * 60)	/* seconds a session may last */
#define AUTH_PW_MIN	12
#define AUTH_PW_MAX	128

/* What a request may ask to do; every handler names one. */
enum action {
	ACT_PUBLIC,		/* anyone, signed in or not */
	ACT_SIGNED_IN,		/* any member of staff (sign out, /me) */
	ACT_QUEUE,		/* see the referral queue */
	ACT_REFERRAL_VIEW,	/* read a referral */
	ACT_REFERRAL_CHANGE,	/* move a referral, add notes */
	ACT_REFERRAL_CREATE,	/* enter a referral by phone or partner */
	ACT_USERS,		/* add, deactivate, reset staff */
	ACT_AUDIT,		/* read the audit log */
	ACT_SCHEDULE,		/* see the week grid and series */
	ACT_BOOK,		/* book, move, cancel and end sessions */
	ACT_RECORDS_VIEW,	/* see therapists, sites, caseloads */
	ACT_RECORDS_EDIT,	/* add and change those records */
	ACT_ASSIGN,		/* match referrals and assign therapists */
	ACT_REPORTS,		/* see /reports and download its CSV */
	ACT_EXPORT,		/* download everything held about a client */
	ACT_OUTBOX,		/* see the email outbox, retry failed emails */
	ACT_SIGN_OUT,		/* end one's session: every role */
	ACT_PARTNER,		/* a partner's own page (/partner) */
	ACT_IMPACT,		/* the impact report (/reports/impact) */
	ACT_CLIENT,		/* open a client record: a therapist only
				   for their own clients (the handler asks
				   db_client_seen_by) */
	ACT_OWN_ACCOUNT,	/* one's own password and sessions: every
				   role */
	ACT_THERAPIST_OWN,	/* a therapist's own schedule (calendar
				   link, sickness): every therapist */
	ACT__MAX
};

/* 1 when role may do action. */
int	 auth_can(enum role, enum action);
/* "admin" -> ROLE_ADMIN; -1 when unknown. */
int	 auth_role_parse(const char *);
extern const char *const auth_role_names[ROLE__MAX];
extern const char *const auth_role_labels[ROLE__MAX];

/*
 * Why a new password will not do (too short, too long, common, made of
 * the person's name or email), as a sentence for people; NULL when fine.
 */
const char *auth_password_problem(const char *pw, const char *email,
	    const char *name);
/* Hashes with Argon2id (libsodium, interactive limits); 0 or -1. */
int	 auth_password_hash(const char *pw, char *out, size_t outlen);
/*
 * 1 when pw matches hash, else 0.  The check runs in a short-lived child
 * process so that Argon2id's 64 MiB never stay in the worker.  A NULL
 * hash takes as long as a real check and answers 0.
 */
int	 auth_password_verify(const char *hash, const char *pw);

/* The session cookie's name: "__Host-tutti" over https, else "tutti". */
const char *auth_cookie_name(const struct app *);

/*
 * Login CSRF, double submit: the sign-in form's token is signed with a
 * key made from the form key and a random pre-login cookie (HttpOnly,
 * SameSite=Lax), so a token works only with the cookie it was made
 * for.  auth_login_key fills key from rq's pre-login cookie; when rq
 * has none and rs is not NULL it makes one and sets it in rs.  0, or -1
 * when there is none and rs is NULL.  auth_login_cookie_clear ends the
 * cookie once signed in.
 */
int	 auth_login_key(struct app *, const struct req *, struct resp *rs,
	    unsigned char key[32]);
void	 auth_login_cookie_clear(struct app *, struct resp *);

/*
 * Reads the session cookie of rq and, when it names a live session of an
 * active user, fills *u and returns 1 (renewing its idle time); 0 when
 * there is none or it expired; -1 on a database error.
 */
int	 auth_session_load(struct app *, const struct req *, struct user *u);
/* Starts a new session for user_id and sets its cookie; 0 or -1. */
int	 auth_session_start(struct app *, const struct req *, struct resp *,
	    int64_t user_id);
/* Ends the session of rq on the server and clears the cookie. */
void	 auth_session_end(struct app *, const struct req *, struct resp *);

/*
 * 1 unless the browser says the request comes from another site: its
 * Sec-Fetch-Site is neither "same-origin" nor "none", or (without it)
 * its Origin is not the site's own (TUTTI_BASE_URL).  A request with
 * neither header (not a browser's form) passes: tokens still guard it.
 */
int	 auth_same_origin(const struct app *, const struct req *);

/* 1 when the POSTed "csrf" field matches the session's token. */
int	 auth_csrf_ok(const struct req *);

struct db_user;

/*
 * Failed sign-ins (see auth.c): call auth_login_begin before checking a
 * password.  It counts the attempt as a failure, atomically with the
 * check, and returns 0 when the password may be checked (with the
 * account's failures in the window, this one included, in
 * *account_failures), else the seconds to wait (nothing counted), or -1
 * on a database error.  The same answers whatever the email, known or
 * not.  After a wrong password, auth_login_failed tells the account's
 * owner (u; NULL when unknown) by email when their account is being
 * guessed at; after the right one, auth_login_succeeded takes the count
 * back.
 */
int	 auth_login_begin(struct app *, const char *email, const char *addr,
	    int *account_failures);
void	 auth_login_failed(struct app *, const char *email,
	    const struct db_user *u, const char *addr, int account_failures);
void	 auth_login_succeeded(struct app *, const char *email,
	    const char *addr);
/* What to tell someone who must wait wait seconds, into out. */
void	 auth_wait_text(int wait, char *out, size_t n);

#endif

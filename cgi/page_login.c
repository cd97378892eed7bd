/*
 * page_login: staff sign-in and sign-out.
 *
 *   GET  /login    the form, with a signed form token (no session yet,
 *                  so the token stands in for the CSRF check), bound to
 *                  a random pre-login cookie set here (double submit:
 *                  a token is refused with another browser's cookie)
 *   POST /login    email, password: a new session and its cookie, then
 *                  303 to the person's start page; 422 when wrong, 429
 *                  when too many tries; the same words whether or not
 *                  the email is known
 *   POST /logout   ends the session on the server and clears the cookie
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/token.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/staff.h"
#include "templates/tmpl.h"

static const char *
start_page(enum role r)
{
	return r == ROLE_THERAPIST ? "/me" : r == ROLE_PARTNER ? "/partner" :
	    "/referrals";
}

/* The form's fields, read by the one validator (cgi/valid.c). */
enum login_field { L_EMAIL, L_PASSWORD, L__MAX };
static const struct valid_field login_fields[L__MAX] = {
	{ "email", VALID_LINE, 1, 0, VALID_EMAIL_MAX, NULL, "email",
	    "Email address", "Enter your email address" },
	{ "password", VALID_LINE, 1, 0, AUTH_PW_MAX, NULL, "password",
	    "Password", "Enter your password" },
};

/*
 * The form: a token bound to this browser's pre-login cookie (made here
 * when it has none), the email typed, never the password; errs (NULL:
 * none) in the error summary and by their fields.
 */
static void
show(struct app *app, const struct req *rq, struct resp *rs, int status,
    const char *email, const struct valid_errors *errs, const char *notice)
{
	struct tmpl_data *d = app_staff_data(app, rq, errs != NULL &&
	    errs->n > 0 ? "Error: sign in" : "Sign in");
	unsigned char key[32];
	char token[TOKEN_STR_LEN];

	(void)auth_login_key(app, rq, rs, key);
	token_make(key, time(NULL), token);
	sodium_memzero(key, sizeof(key));
	tmpl_data_set(d, "token", token);
	tmpl_data_set(d, "email", email);
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	tmpl_data_set(d, "notice", notice);
	http_header(rs, "Cache-Control", "no-store");
	app_render(app, rs, status, "login.html", d);
	tmpl_data_free(d);
}

/* The form again with one problem, linked to the control anchor. */
static void
show_error(struct app *app, const struct req *rq, struct resp *rs,
    int status, const char *email, const char *anchor, const char *msg)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	valid_error_add_at(&errs, "form", anchor, msg);
	show(app, rq, rs, status, email, &errs, NULL);
}

/*
 * Whether the form token came from a form this browser opened: TOKEN_OK,
 * else why not (TOKEN_BAD also when the pre-login cookie is missing or
 * another one's).
 */
static enum token_check
login_token_check(struct app *app, const struct req *rq)
{
	unsigned char key[32];
	enum token_check rc;

	if (auth_login_key(app, rq, NULL, key) == -1)
		return TOKEN_BAD;
	rc = token_check(key, form_get(&rq->f, "form_token"), time(NULL),
	    NULL);
	sodium_memzero(key, sizeof(key));
	return rc;
}

void
page_login_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct valid_value v[L__MAX];
	struct valid_errors errs;
	const char *email, *pw = form_get(&rq->f, "password");
	struct db_user u;
	char msg[160];
	int wait, found, role, failures;
	enum token_check tc;

	memset(&errs, 0, sizeof(errs));
	memset(v, 0, sizeof(v));
	(void)valid_form_check(&rq->f, login_fields, L__MAX, v, &errs);
	/* The email as typed and checked (trimmed); "" when unreadable. */
	email = strlen(v[L_EMAIL].text) > VALID_EMAIL_MAX ? "" :
	    v[L_EMAIL].text;
	if ((tc = login_token_check(app, rq)) != TOKEN_OK) {
		show_error(app, rq, rs, 422, email, "email",
		    tc == TOKEN_EXPIRED ? "The sign-in form had expired, "
		    "so you were not signed in. Please sign in again." :
		    "This sign-in form was not opened in this browser (or "
		    "its cookie was lost), so you were not signed in. Please "
		    "sign in again; your browser must accept cookies from "
		    "this site.");
		goto out;
	}
	if (errs.n > 0) {
		valid_errors_sort(&errs, login_fields, L__MAX);
		show(app, rq, rs, 422, email, &errs, NULL);
		goto out;
	}
	if ((wait = auth_login_begin(app, email, rq->remote_addr,
	    &failures)) > 0) {
		auth_wait_text(wait, msg, sizeof(msg));
		show_error(app, rq, rs, 429, email, "email", msg);
		goto out;
	}
	found = wait == -1 ? -1 : db_user_by_email(app->db, email, &u);
	if (found == -1) {
		show_error(app, rq, rs, 503, email, "email", "Signing in is "
		    "not possible just now. Try again in a minute.");
		goto out;
	}
	/* The password as typed: the validator's copy is trimmed. */
	if (!auth_password_verify(found == 1 && u.active ? u.password_hash :
	    NULL, pw) || (role = auth_role_parse(u.role)) < 0) {
		auth_login_failed(app, email, found == 1 ? &u : NULL,
		    rq->remote_addr, failures);
		if (found == 1)
			(void)db_audit(app->db, u.id, rq->remote_addr,
			    "login-failed", 0, u.id, "wrong password");
		db_user_clear(&u);
		show_error(app, rq, rs, 422, email, "email", "The email "
		    "address or the password is not right. Check them and "
		    "try again.");
		goto out;
	}
	auth_login_succeeded(app, email, rq->remote_addr);
	if (auth_session_start(app, rq, rs, u.id) == -1) {
		db_user_clear(&u);
		show_error(app, rq, rs, 503, email, "email", "Signing in is "
		    "not possible just now. Try again in a minute.");
		goto out;
	}
	(void)db_audit(app->db, u.id, rq->remote_addr, "login", 0, u.id, "");
	db_user_clear(&u);
	auth_login_cookie_clear(app, rs);
	http_redirect(rs, start_page((enum role)role));
out:
	valid_values_free(v, L__MAX);
}

void
page_login_get(struct app *app, struct req *rq, struct resp *rs)
{
	if (rq->user != NULL) {
		http_redirect(rs, start_page(rq->user->role));
		return;
	}
	show(app, rq, rs, 200, "", NULL, form_get(&rq->q, "out") != NULL ?
	    "You have signed out." : NULL);
}

void
page_logout(struct app *app, struct req *rq, struct resp *rs)
{
	(void)db_audit(app->db, rq->user->id, rq->remote_addr, "logout", 0,
	    rq->user->id, "");
	auth_session_end(app, rq, rs);
	http_redirect(rs, "/login?out=1");
}

/*
 * page_login: staff sign-in and sign-out.
 *
 *   GET  /login    the form, with a signed form token (no session yet,
 *                  so the token stands in for the CSRF check)
 *   POST /login    email, password: a new session and its cookie, then
 *                  303 to the person's start page; 422 when wrong, 429
 *                  when too many tries; the same words whether or not
 *                  the email is known
 *   POST /logout   ends the session on the server and clears the cookie
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/token.h"
#include "db/db.h"
#include "db/staff.h"
#include "templates/tmpl.h"

static const char *
start_page(enum role r)
{
	return r == ROLE_THERAPIST ? "/me" : r == ROLE_PARTNER ? "/partner" :
	    "/referrals";
}

static void
show(struct app *app, const struct req *rq, struct resp *rs, int status,
    const char *email, const char *error, const char *notice)
{
	struct tmpl_data *d = app_staff_data(app, rq, error != NULL ?
	    "Error: sign in" : "Sign in");
	char token[TOKEN_STR_LEN];

	token_make(app->form_key, time(NULL), token);
	tmpl_data_set(d, "token", token);
	tmpl_data_set(d, "email", email);
	tmpl_data_set(d, "error", error);
	tmpl_data_set(d, "notice", notice);
	http_header(rs, "Cache-Control", "no-store");
	app_render(app, rs, status, "login.html", d);
	tmpl_data_free(d);
}

void
page_login_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *email = form_get(&rq->f, "email");
	const char *pw = form_get(&rq->f, "password");
	struct db_user u;
	char msg[160];
	int wait, found, role, failures;

	if (email == NULL)
		email = "";
	if (strlen(email) > 254)
		email = "";
	if (token_check(app->form_key, form_get(&rq->f, "form_token"),
	    time(NULL), NULL) != TOKEN_OK) {
		show(app, rq, rs, 422, email, "The sign-in form had expired. "
		    "Please sign in again.", NULL);
		return;
	}
	if (*email == '\0' || pw == NULL || *pw == '\0') {
		show(app, rq, rs, 422, email, "Enter your email address and "
		    "your password.", NULL);
		return;
	}
	if ((wait = auth_login_begin(app, email, rq->remote_addr,
	    &failures)) > 0) {
		auth_wait_text(wait, msg, sizeof(msg));
		show(app, rq, rs, 429, email, msg, NULL);
		return;
	}
	found = wait == -1 ? -1 : db_user_by_email(app->db, email, &u);
	if (found == -1) {
		show(app, rq, rs, 503, email, "Signing in is not possible "
		    "just now. Try again in a minute.", NULL);
		return;
	}
	if (!auth_password_verify(found == 1 && u.active ? u.password_hash :
	    NULL, strlen(pw) <= AUTH_PW_MAX ? pw : "") ||
	    (role = auth_role_parse(u.role)) < 0) {
		auth_login_failed(app, email, found == 1 ? &u : NULL,
		    rq->remote_addr, failures);
		if (found == 1)
			(void)db_audit(app->db, u.id, rq->remote_addr,
			    "login-failed", 0, u.id, "wrong password");
		db_user_clear(&u);
		show(app, rq, rs, 422, email, "The email address or the "
		    "password is not right. Check them and try again.", NULL);
		return;
	}
	auth_login_succeeded(app, email, rq->remote_addr);
	if (auth_session_start(app, rq, rs, u.id) == -1) {
		db_user_clear(&u);
		show(app, rq, rs, 503, email, "Signing in is not possible "
		    "just now. Try again in a minute.", NULL);
		return;
	}
	(void)db_audit(app->db, u.id, rq->remote_addr, "login", 0, u.id, "");
	db_user_clear(&u);
	http_redirect(rs, start_page((enum role)role));
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

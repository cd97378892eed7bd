/*
 * page_password: a member of staff's own account: their password and
 * their sessions on other devices.
 *
 *   GET  /me/password    the form to change one's password (?done=
 *                        signedout after "sign out everywhere else")
 *   POST /me/password    current_password, new_password,
 *                        confirm_password: checks the current one (as a
 *                        sign-in is checked, so guesses are slowed), the
 *                        new one with `tuttictl user add`'s rules, and
 *                        stores it; every other session of the person
 *                        ends, this one stays; 303 to /me/password?done=
 *                        changed, 422 with the error summary (no password
 *                        is ever shown again), 429 when guessing
 *   POST /me/sessions    ends every other session of the person (sign
 *                        out everywhere else), audited; 303 back to
 *                        where the form said (back=me or password)
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/staff.h"
#include "templates/tmpl.h"

/* The form's fields: presence and form only; the rules are below. */
enum pw_field { P_CURRENT, P_NEW, P_CONFIRM, P__MAX };
static const struct valid_field pw_fields[P__MAX] = {
	{ "current_password", VALID_LINE, 1, 0, AUTH_PW_MAX, NULL,
	    "current-password", "Current password",
	    "Enter your current password" },
	{ "new_password", VALID_LINE, 1, 0, AUTH_PW_MAX, NULL,
	    "new-password", "New password", "Enter a new password" },
	{ "confirm_password", VALID_LINE, 1, 0, AUTH_PW_MAX, NULL,
	    "confirm-password", "New password again",
	    "Enter the new password again" },
};

/* The page, with errs (NULL: none) and a notice; never a password. */
static void
password_show(struct app *app, const struct req *rq, struct resp *rs,
    int status, const struct valid_errors *errs, const char *notice)
{
	struct tmpl_data *d = app_staff_data(app, rq, errs != NULL &&
	    errs->n > 0 ? "Error: change your password" :
	    "Change your password");

	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	tmpl_data_set(d, "notice", notice);
	tmpl_data_set(d, "email", rq->user->email);
	tmpl_data_setf(d, "pw_min", "%d", AUTH_PW_MIN);
	tmpl_data_set(d, "sessions_back", "password");
	http_header(rs, "Cache-Control", "no-store");
	app_render(app, rs, status, "me_password.html", d);
	tmpl_data_free(d);
}

void
page_password_get(struct app *app, struct req *rq, struct resp *rs)
{
	const char *done = form_get(&rq->q, "done");
	const char *notice = NULL;

	if (done != NULL && strcmp(done, "changed") == 0)
		notice = "Your password was changed. You were signed out on "
		    "every other device.";
	else if (done != NULL && strcmp(done, "signedout") == 0)
		notice = "You were signed out on every other device.";
	password_show(app, rq, rs, 200, NULL, notice);
}

/*
 * Checks the person's current password as a sign-in would (counted, so
 * that a stolen session cannot guess it fast): 1 right, 0 wrong, -1 the
 * database failed; *wait the seconds to wait when refused (then 0).
 */
static int
current_check(struct app *app, const struct req *rq, const char *pw,
    int *wait)
{
	struct db_user u;
	int failures, right;

	*wait = auth_login_begin(app, rq->user->email, rq->remote_addr,
	    &failures);
	if (*wait != 0)
		return *wait == -1 ? -1 : 0;
	if (db_user_get(app->db, rq->user->id, &u) != 1)
		return -1;
	right = auth_password_verify(u.active ? u.password_hash : NULL, pw);
	if (right)
		auth_login_succeeded(app, rq->user->email, rq->remote_addr);
	else
		auth_login_failed(app, rq->user->email, &u, rq->remote_addr,
		    failures);
	db_user_clear(&u);
	return right;
}

void
page_password_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct valid_value v[P__MAX];
	struct valid_errors errs;
	struct db_audit_line audit;
	const char *cur = form_get(&rq->f, "current_password");
	const char *pw = form_get(&rq->f, "new_password");
	const char *again = form_get(&rq->f, "confirm_password");
	const char *problem;
	char hash[crypto_pwhash_STRBYTES], msg[160];
	int wait, right;

	memset(&errs, 0, sizeof(errs));
	memset(v, 0, sizeof(v));
	(void)valid_form_check(&rq->f, pw_fields, P__MAX, v, &errs);
	valid_values_free(v, P__MAX);
	/* The rules of `tuttictl user add`, on what was typed, untrimmed. */
	if (!valid_error_has(&errs, "new_password") &&
	    (problem = auth_password_problem(pw, rq->user->email,
	    rq->user->name)) != NULL)
		valid_error_add_at(&errs, "new_password", "new-password",
		    problem);
	if (!valid_error_has(&errs, "new_password") &&
	    !valid_error_has(&errs, "confirm_password") &&
	    strcmp(pw, again) != 0)
		valid_error_add_at(&errs, "confirm_password",
		    "confirm-password", "The two new "
		    "passwords are not the same. Type the new password "
		    "twice");
	if (errs.n > 0) {
		valid_errors_sort(&errs, pw_fields, P__MAX);
		password_show(app, rq, rs, 422, &errs, NULL);
		return;
	}
	if ((right = current_check(app, rq, cur, &wait)) != 1) {
		if (right == -1) {
			http_error(app, rs, 503, "Your password cannot be "
			    "changed just now. Try again in a minute.");
			return;
		}
		if (wait > 0)
			auth_wait_text(wait, msg, sizeof(msg));
		valid_error_add_at(&errs, "current_password",
		    "current-password", wait > 0 ? msg : "Your current "
		    "password is not right. Type it again");
		password_show(app, rq, rs, wait > 0 ? 429 : 422, &errs,
		    NULL);
		return;
	}
	memset(&audit, 0, sizeof(audit));
	audit.user_id = rq->user->id;
	audit.addr = rq->remote_addr;
	audit.action = "password-change";
	audit.subject_user_id = rq->user->id;
	audit.detail = "changed their own password; other sessions ended";
	if (auth_password_hash(pw, hash, sizeof(hash)) == -1 ||
	    db_user_password_change_audited(app->db, rq->user->id, hash,
	    rq->user->session_id, &audit) == -1) {
		sodium_memzero(hash, sizeof(hash));
		http_error(app, rs, 503, "Your password cannot be changed "
		    "just now. Try again in a minute.");
		return;
	}
	sodium_memzero(hash, sizeof(hash));
	http_redirect(rs, "/me/password?done=changed");
}

void
page_sessions_end_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *back = form_get(&rq->f, "back");
	struct db_audit_line audit;

	memset(&audit, 0, sizeof(audit));
	audit.user_id = rq->user->id;
	audit.addr = rq->remote_addr;
	audit.action = "sign-out-everywhere";
	audit.subject_user_id = rq->user->id;
	if (db_session_end_others_audited(app->db, rq->user->id,
	    rq->user->session_id, &audit) == -1) {
		http_error(app, rs, 503, "You could not be signed out "
		    "everywhere just now. Try again in a minute.");
		return;
	}
	http_redirect(rs, back != NULL && strcmp(back, "me") == 0 ?
	    "/me?done=signedout" : "/me/password?done=signedout");
}

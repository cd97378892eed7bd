/*
 * page_admin: administrators' pages.
 *
 *   GET  /admin/users   every account, and a form to add one
 *   POST /admin/users   action=add (email, name, role, password),
 *                       action=deactivate|activate (id),
 *                       action=reset (id, password),
 *                       action=revoke_feed (id): their calendar feed
 *                       stops working (they can make a new one on /me)
 *   GET  /admin/audit   the audit log, newest first (page)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/feeds.h"
#include "db/staff.h"
#include "templates/tmpl.h"

#define AUDIT_PAGE	100

static void
add_user_row(void *arg, int64_t id, const char *email, const char *role,
    const char *name, int active)
{
	struct tmpl_data *e = tmpl_data_push(arg, "users");
	int r = auth_role_parse(role);

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "email", email);
	tmpl_data_set(e, "name", name);
	tmpl_data_set(e, "role", r >= 0 ? auth_role_labels[r] : role);
	tmpl_data_bool(e, "active", active);
	tmpl_data_bool(e, "therapist", r == ROLE_THERAPIST);
}

static void
users_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *error, const char *notice)
{
	struct tmpl_data *d = app_staff_data(app, rq, error != NULL ?
	    "Error: users" : "Users"), *e;
	const char *role = form_get(&rq->f, "role");
	int k;

	if (db_user_each(app->db, add_user_row, d) == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "The users cannot be shown just now.");
		return;
	}
	for (k = 0; k < ROLE__MAX; k++) {
		e = tmpl_data_push(d, "roles");
		tmpl_data_set(e, "value", auth_role_names[k]);
		tmpl_data_set(e, "label", auth_role_labels[k]);
		tmpl_data_bool(e, "selected", role != NULL &&
		    strcmp(role, auth_role_names[k]) == 0);
	}
	tmpl_data_set(d, "error", error);
	tmpl_data_set(d, "notice", notice);
	if (error != NULL && strcmp(form_get(&rq->f, "action") ?
	    form_get(&rq->f, "action") : "", "add") == 0) {
		tmpl_data_set(d, "v_email", form_get(&rq->f, "email"));
		tmpl_data_set(d, "v_name", form_get(&rq->f, "name"));
	}
	app_render(app, rs, status, "admin_users.html", d);
	tmpl_data_free(d);
}

static void
users_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *action = form_get(&rq->f, "action");
	const char *email = form_get(&rq->f, "email");
	const char *name = form_get(&rq->f, "name");
	const char *pw = form_get(&rq->f, "password");
	const char *idtext = form_get(&rq->f, "id");
	const char *problem;
	char hash[crypto_pwhash_STRBYTES], detail[300];
	struct db_user u;
	int64_t id = 0;
	int role;

	if (action == NULL)
		action = "";
	if (strcmp(action, "add") == 0) {
		role = auth_role_parse(form_get(&rq->f, "role"));
		if (email == NULL || !valid_email(email)) {
			users_show(app, rq, rs, 422, "Enter the person's email "
			    "address, like name@example.org.", NULL);
			return;
		}
		if (name == NULL || *name == '\0' || strlen(name) > 100 ||
		    !valid_utf8_text(name, strlen(name))) {
			users_show(app, rq, rs, 422, "Enter the person's name "
			    "(up to 100 characters).", NULL);
			return;
		}
		if (role < 0) {
			users_show(app, rq, rs, 422, "Choose a role.", NULL);
			return;
		}
		if ((problem = auth_password_problem(pw ? pw : "", email,
		    name)) != NULL) {
			users_show(app, rq, rs, 422, problem, NULL);
			return;
		}
		if (db_user_by_email(app->db, email, &u) == 1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 422, "There is already an "
			    "account with that email address.", NULL);
			return;
		}
		if (auth_password_hash(pw, hash, sizeof(hash)) == -1 ||
		    (id = db_user_add(app->db, email, name,
		    auth_role_names[role], hash)) <= 0) {
			users_show(app, rq, rs, 503, "The account could not be "
			    "added just now. Try again.", NULL);
			return;
		}
		snprintf(detail, sizeof(detail), "added %s as %s", email,
		    auth_role_names[role]);
		(void)db_audit(app->db, rq->user->id, rq->remote_addr,
		    "user-add", 0, id, detail);
		http_redirect(rs, "/admin/users?done=added");
		return;
	}
	if (valid_id(idtext, &id) == -1 || db_user_get(app->db, id, &u) != 1) {
		users_show(app, rq, rs, 404, "There is no such account.", NULL);
		return;
	}
	if (strcmp(action, "deactivate") == 0 ||
	    strcmp(action, "activate") == 0) {
		int on = strcmp(action, "activate") == 0;

		if (!on && id == rq->user->id) {
			db_user_clear(&u);
			users_show(app, rq, rs, 422, "You cannot deactivate "
			    "your own account.", NULL);
			return;
		}
		if (db_user_set_active(app->db, id, on) == -1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 503, "The change could not be "
			    "saved just now.", NULL);
			return;
		}
		snprintf(detail, sizeof(detail), "%s %s", on ? "activated" :
		    "deactivated", u.email);
		(void)db_audit(app->db, rq->user->id, rq->remote_addr,
		    on ? "user-activate" : "user-deactivate", 0, id, detail);
		db_user_clear(&u);
		http_redirect(rs, on ? "/admin/users?done=activated" :
		    "/admin/users?done=deactivated");
		return;
	}
	if (strcmp(action, "revoke_feed") == 0) {
		int64_t n;

		if (db_feed_revoke_user(app->db, id, &n) == -1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 503, "The change could not be "
			    "saved just now.", NULL);
			return;
		}
		snprintf(detail, sizeof(detail), "revoked the calendar feed "
		    "of %s (%lld)", u.email, (long long)n);
		(void)db_audit(app->db, rq->user->id, rq->remote_addr,
		    "feed-revoke", 0, id, detail);
		db_user_clear(&u);
		http_redirect(rs, n > 0 ? "/admin/users?done=feed-revoked" :
		    "/admin/users?done=no-feed");
		return;
	}
	if (strcmp(action, "reset") == 0) {
		if ((problem = auth_password_problem(pw ? pw : "", u.email,
		    u.name)) != NULL) {
			db_user_clear(&u);
			users_show(app, rq, rs, 422, problem, NULL);
			return;
		}
		if (auth_password_hash(pw, hash, sizeof(hash)) == -1 ||
		    db_user_set_password(app->db, id, hash) == -1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 503, "The password could not be "
			    "changed just now.", NULL);
			return;
		}
		snprintf(detail, sizeof(detail), "reset the password of %s",
		    u.email);
		(void)db_audit(app->db, rq->user->id, rq->remote_addr,
		    "user-reset", 0, id, detail);
		db_user_clear(&u);
		http_redirect(rs, "/admin/users?done=reset");
		return;
	}
	db_user_clear(&u);
	http_error(app, rs, 400, "That is not something this page can do.");
}

void
page_admin_users(struct app *app, struct req *rq, struct resp *rs)
{
	static const char *const notices[][2] = {
		{ "added", "The account was added." },
		{ "activated", "The account can sign in again." },
		{ "deactivated", "The account was deactivated and signed "
		    "out everywhere." },
		{ "reset", "The password was changed and the account signed "
		    "out everywhere." },
		{ "feed-revoked", "Their calendar feed was stopped. They can "
		    "make a new one from their own page." },
		{ "no-feed", "They had no calendar feed to stop." },
	};
	const char *done = form_get(&rq->q, "done"), *notice = NULL;
	size_t i;

	if (strcmp(rq->method, "POST") == 0) {
		users_post(app, rq, rs);
		return;
	}
	if (!app_get_only(app, rq, rs))
		return;
	for (i = 0; done != NULL && i < sizeof(notices) / sizeof(notices[0]);
	    i++)
		if (strcmp(done, notices[i][0]) == 0)
			notice = notices[i][1];
	users_show(app, rq, rs, 200, NULL, notice);
}

static void
add_line(void *arg, const char *at, const char *user, const char *addr,
    const char *action, const char *ref, const char *detail)
{
	struct tmpl_data *e = tmpl_data_push(arg, "lines");

	tmpl_data_set(e, "at", at);
	tmpl_data_set(e, "user", user);
	tmpl_data_set(e, "addr", addr);
	tmpl_data_set(e, "action", action);
	tmpl_data_set(e, "ref", ref);
	tmpl_data_set(e, "detail", detail);
}

void
page_admin_audit(struct app *app, struct req *rq, struct resp *rs)
{
	const char *page = form_get(&rq->q, "page");
	struct tmpl_data *d;
	long pg = page != NULL ? strtol(page, NULL, 10) : 1;

	if (!app_get_only(app, rq, rs))
		return;
	if (pg < 1 || pg > 100000)
		pg = 1;
	d = app_staff_data(app, rq, "Audit log");
	if (db_audit_each(app->db, 0, AUDIT_PAGE, (int)((pg - 1) * AUDIT_PAGE),
	    add_line, d) == -1) {
		tmpl_data_free(d);
		http_error(app, rs, 503, "The audit log cannot be shown just "
		    "now.");
		return;
	}
	tmpl_data_setf(d, "page", "%ld", pg);
	if (pg > 1)
		tmpl_data_setf(d, "prev", "/admin/audit?page=%ld", pg - 1);
	tmpl_data_setf(d, "next", "/admin/audit?page=%ld", pg + 1);
	app_render(app, rs, 200, "admin_audit.html", d);
	tmpl_data_free(d);
}

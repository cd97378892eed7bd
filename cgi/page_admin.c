/*
 * page_admin: administrators' pages.
 *
 *   GET  /admin/users   every account, and a form to add one
 *   POST /admin/users   action=add (email, name, role, password,
 *                       organisation: the id of a partner's
 *                       organisation, required for a partner and
 *                       refused for every other role),
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
#include "db/partner.h"
#include "db/records.h"
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

/* The "add a user" form's fields; the password has its own rules. */
enum add_field { A_EMAIL, A_NAME, A_ROLE, A_ORG, A__MAX };
static const struct valid_field add_fields[A__MAX] = {
	{ "email", VALID_EMAIL, 1, 0, 0, NULL, "new-email", "Email address",
	    "Enter the person's email address, like name@example.org" },
	{ "name", VALID_LINE, 1, 0, 100, NULL, "new-name", "Name",
	    "Enter the person's name" },
	{ "role", VALID_LINE, 1, 0, 20, NULL, "new-role", "Role",
	    "Choose a role" },
	{ "organisation", VALID_LINE, 0, 0, 20, NULL, "new-organisation",
	    "Partner organisation", "Choose the partner organisation" },
};

/* The partner organisation select: its options and the chosen one. */
struct org_options {
	struct tmpl_data	*d;
	const char		*chosen;	/* the posted id, or NULL */
};

static void
add_org_option(void *arg, const struct db_organisation *o)
{
	struct org_options *c = arg;
	struct tmpl_data *e = tmpl_data_push(c->d, "organisations");
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)o->id);
	tmpl_data_set(e, "value", id);
	tmpl_data_set(e, "name", o->name);
	tmpl_data_bool(e, "selected", c->chosen != NULL &&
	    strcmp(c->chosen, id) == 0);
}

/*
 * The users page; errs (NULL: none) in the error summary and by their
 * fields, keyed by the fields' ids (new-email gives e_new_email).
 */
static void
users_show_errors(struct app *app, struct req *rq, struct resp *rs,
    int status, struct valid_errors *errs, const char *notice)
{
	struct tmpl_data *d = app_staff_data(app, rq, errs != NULL &&
	    errs->n > 0 ? "Error: users" : "Users"), *e;
	const char *role = form_get(&rq->f, "role");
	struct org_options oc;
	size_t i;
	char *p;
	int k;

	oc.d = d;
	oc.chosen = form_get(&rq->f, "organisation");
	tmpl_data_list(d, "organisations");
	if (db_user_each(app->db, add_user_row, d) == -1 ||
	    db_organisations_each(app->db, add_org_option, &oc) == -1) {
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
	if (errs != NULL) {
		for (i = 0; i < errs->n; i++) {
			snprintf(errs->e[i].key, sizeof(errs->e[i].key), "%s",
			    errs->e[i].anchor);
			for (p = errs->e[i].key; *p != '\0'; p++)
				if (*p == '-')
					*p = '_';
		}
		valid_errors_tmpl(d, errs);
	}
	tmpl_data_set(d, "notice", notice);
	if (errs != NULL && errs->n > 0 && strcmp(form_get(&rq->f, "action") ?
	    form_get(&rq->f, "action") : "", "add") == 0) {
		tmpl_data_set(d, "v_email", form_get(&rq->f, "email"));
		tmpl_data_set(d, "v_name", form_get(&rq->f, "name"));
	}
	app_render(app, rs, status, "admin_users.html", d);
	tmpl_data_free(d);
}

/* The page with at most one problem, linked to the top of the page. */
static void
users_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *error, const char *notice)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	if (error != NULL)
		valid_error_add(&errs, "main", error);
	users_show_errors(app, rq, rs, status, &errs, notice);
}

void
page_admin_users_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *action = form_get(&rq->f, "action");
	const char *email = form_get(&rq->f, "email");
	const char *name = form_get(&rq->f, "name");
	const char *pw = form_get(&rq->f, "password");
	const char *idtext = form_get(&rq->f, "id");
	const char *problem;
	char hash[crypto_pwhash_STRBYTES], detail[300];
	struct db_user u;
	struct db_audit_line audit;
	int64_t id = 0, org;
	int role;

	memset(&audit, 0, sizeof(audit));
	audit.user_id = rq->user->id;
	audit.addr = rq->remote_addr;
	audit.detail = detail;
	if (action == NULL)
		action = "";
	if (strcmp(action, "add") == 0) {
		struct valid_value v[A__MAX];
		struct valid_errors errs;

		memset(&errs, 0, sizeof(errs));
		(void)valid_form_check(&rq->f, add_fields, A__MAX, v, &errs);
		role = auth_role_parse(v[A_ROLE].text);
		if (!v[A_ROLE].bad && role < 0)
			valid_error_add_at(&errs, "role", "new-role",
			    "Choose a role");
		org = 0;
		if (v[A_ORG].text[0] != '\0' && (valid_id(v[A_ORG].text,
		    &org) == -1 || db_organisation_name(app->db, org, detail,
		    sizeof(detail)) != 1))
			valid_error_add_at(&errs, "organisation",
			    "new-organisation", "Choose one of the "
			    "organisations in the list.");
		else if (role == ROLE_PARTNER && org == 0)
			valid_error_add_at(&errs, "organisation",
			    "new-organisation", "Choose the partner "
			    "organisation this person works for: a partner "
			    "sees only their own organisation's sites.");
		else if (role >= 0 && role != ROLE_PARTNER && org > 0)
			valid_error_add_at(&errs, "organisation",
			    "new-organisation", "Only a partner's account "
			    "belongs to an organisation. Choose the role "
			    "Partner, or leave the organisation as none.");
		if ((problem = auth_password_problem(pw ? pw : "",
		    v[A_EMAIL].text, v[A_NAME].text)) != NULL)
			valid_error_add_at(&errs, "password", "new-password",
			    problem);
		if (!v[A_EMAIL].bad &&
		    db_user_by_email(app->db, v[A_EMAIL].text, &u) == 1) {
			db_user_clear(&u);
			valid_error_add_at(&errs, "email", "new-email",
			    "There is already an account with that email "
			    "address.");
		}
		if (errs.n > 0) {
			users_show_errors(app, rq, rs, 422, &errs, NULL);
			valid_values_free(v, A__MAX);
			return;
		}
		/* What is stored is what was checked: trimmed. */
		email = v[A_EMAIL].text;
		name = v[A_NAME].text;
		snprintf(detail, sizeof(detail), "added %s as %s", email,
		    auth_role_names[role]);
		if (org > 0)
			snprintf(detail + strlen(detail), sizeof(detail) -
			    strlen(detail), " of organisation %lld",
			    (long long)org);
		audit.action = "user-add";
		if (auth_password_hash(pw, hash, sizeof(hash)) == -1 ||
		    (id = db_user_add_audited(app->db, email, name,
		    auth_role_names[role], hash, org, &audit)) <= 0) {
			users_show(app, rq, rs, 503, "The account could not be "
			    "added just now. Try again.", NULL);
			valid_values_free(v, A__MAX);
			return;
		}
		http_redirect(rs, "/admin/users?done=added");
		valid_values_free(v, A__MAX);
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
		snprintf(detail, sizeof(detail), "%s %s", on ? "activated" :
		    "deactivated", u.email);
		audit.action = on ? "user-activate" : "user-deactivate";
		audit.subject_user_id = id;
		if (db_user_set_active_audited(app->db, id, on, &audit) == -1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 503, "The change could not be "
			    "saved just now.", NULL);
			return;
		}
		db_user_clear(&u);
		http_redirect(rs, on ? "/admin/users?done=activated" :
		    "/admin/users?done=deactivated");
		return;
	}
	if (strcmp(action, "revoke_feed") == 0) {
		int64_t n;

		snprintf(detail, sizeof(detail), "revoked the calendar feed "
		    "of %s", u.email);
		audit.action = "feed-revoke";
		audit.subject_user_id = id;
		if (db_feed_revoke_user_audited(app->db, id, &n,
		    &audit) == -1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 503, "The change could not be "
			    "saved just now.", NULL);
			return;
		}
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
		snprintf(detail, sizeof(detail), "reset the password of %s",
		    u.email);
		audit.action = "user-reset";
		audit.subject_user_id = id;
		if (auth_password_hash(pw, hash, sizeof(hash)) == -1 ||
		    db_user_set_password_audited(app->db, id, hash,
		    &audit) == -1) {
			db_user_clear(&u);
			users_show(app, rq, rs, 503, "The password could not be "
			    "changed just now.", NULL);
			return;
		}
		db_user_clear(&u);
		http_redirect(rs, "/admin/users?done=reset");
		return;
	}
	db_user_clear(&u);
	http_error(app, rs, 400, "That is not something this page can do.");
}

void
page_admin_users_get(struct app *app, struct req *rq, struct resp *rs)
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

/*
 * app: what every page shares: the staff header data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/http.h"
#include "core/core.h"
#include "db/referrals.h"
#include "templates/tmpl.h"
#include "util/buf.h"

void
app_core_ctx(const struct app *app, const struct req *rq,
    struct core_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->db = app->db;
	c->tz = app->tz;
	c->msgid_domain = app->msgid_domain;
	c->grace_s = app->grace_s;
	c->user_id = rq->user != NULL ? rq->user->id : 0;
	c->addr = rq->remote_addr;
}

struct tmpl_data *
app_staff_data(struct app *app, const struct req *rq, const char *title)
{
	struct tmpl_data *d = tmpl_data_new();
	const struct user *u = rq->user;

	(void)app;
	tmpl_data_set(d, "title", title);
	if (u == NULL)
		return d;
	tmpl_data_bool(d, "signed_in", 1);
	tmpl_data_set(d, "user_name", u->name);
	tmpl_data_set(d, "user_role", auth_role_labels[u->role]);
	tmpl_data_set(d, "csrf", u->csrf);
	tmpl_data_bool(d, "nav_queue", auth_can(u->role, ACT_QUEUE));
	tmpl_data_bool(d, "nav_create", auth_can(u->role,
	    ACT_REFERRAL_CREATE));
	tmpl_data_bool(d, "nav_users", auth_can(u->role, ACT_USERS));
	tmpl_data_bool(d, "nav_audit", auth_can(u->role, ACT_AUDIT));
	tmpl_data_bool(d, "nav_outbox", auth_can(u->role, ACT_OUTBOX));
	tmpl_data_bool(d, "nav_records", auth_can(u->role, ACT_RECORDS_VIEW));
	tmpl_data_bool(d, "nav_schedule", auth_can(u->role, ACT_SCHEDULE));
	tmpl_data_bool(d, "nav_book", auth_can(u->role, ACT_BOOK));
	tmpl_data_bool(d, "nav_reports", auth_can(u->role, ACT_REPORTS));
	tmpl_data_bool(d, "can_export", auth_can(u->role, ACT_EXPORT));
	tmpl_data_bool(d, "nav_me", auth_can(u->role, ACT_SIGNED_IN));
	tmpl_data_bool(d, "nav_partner", auth_can(u->role, ACT_PARTNER));
	tmpl_data_bool(d, "nav_impact", auth_can(u->role, ACT_IMPACT));
	return d;
}

void
app_needs_text(unsigned needs, struct buf *b)
{
	int k;

	buf_reset(b);
	for (k = 0; k < NEED__MAX; k++) {
		if (!(needs & (1u << k)))
			continue;
		if (b->len > 0)
			buf_puts(b, ", ");
		buf_puts(b, need_labels[k]);
	}
}

const char *
app_tz(const struct app *app)
{
	return app->tz != NULL && *app->tz != '\0' ? app->tz :
	    "Europe/London";
}

int
app_found(struct app *app, struct resp *rs, int rc, const char *what)
{
	char msg[160];

	if (rc == 1)
		return 1;
	if (rc == 0)
		(void)snprintf(msg, sizeof(msg), "There is no such %s.", what);
	else
		(void)snprintf(msg, sizeof(msg), "This %s cannot be shown just "
		    "now. Try again in a minute.", what);
	http_error(app, rs, rc == 0 ? 404 : 503, msg);
	return 0;
}

/* Loads page's record; then show (post 0) or apply (post 1). */
static void
record_run(struct app *app, struct req *rq, struct resp *rs,
    const struct app_record *page, int post)
{
	void *rec = xcalloc(1, page->size);

	if (page->load(app, rq, rs, rec) == 0)
		(post ? page->apply : page->show)(app, rq, rs, rec);
	free(rec);
}

void
app_record_get(struct app *app, struct req *rq, struct resp *rs,
    const struct app_record *page)
{
	record_run(app, rq, rs, page, 0);
}

void
app_record_post(struct app *app, struct req *rq, struct resp *rs,
    const struct app_record *page)
{
	record_run(app, rq, rs, page, 1);
}

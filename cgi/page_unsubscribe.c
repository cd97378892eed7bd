/*
 * page_unsubscribe: the link in the footer of every client email, and
 * the List-Unsubscribe header's one-click target (RFC 8058).  No
 * sign-in and no CSRF token: the signed token (mail_unsub_token_make)
 * is the authority, it names one client, and all it can do is stop
 * that client's reminders.
 *
 *   GET  /unsubscribe?t=TOKEN   says what unsubscribing does and asks to
 *                               confirm; changes nothing (mail scanners
 *                               open links), or says it is done already
 *   POST /unsubscribe?t=TOKEN   stores the unsubscribe (once) and
 *                               answers 200 "You will get no more
 *                               reminders".  t may instead be a body
 *                               field (the confirm form).  A mail
 *                               program's one-click POST has the body
 *                               "List-Unsubscribe=One-Click", which
 *                               is not needed or checked.
 *
 * A wrong or damaged token gets 404.  The token is in the query or body
 * only, never in the path, so the request log never holds it.  Booking,
 * move and cancellation notices still go to a client who unsubscribed:
 * the page says so.
 */
#include <string.h>

#include <sodium.h>

#include "cgi/app.h"
#include "db/contacts.h"
#include "db/db.h"
#include "db/remind.h"
#include "mail/mail.h"
#include "templates/tmpl.h"

/* What the page shows. */
enum unsub_view {
	UNSUB_ASK,	/* the confirm form */
	UNSUB_DONE,	/* stored just now */
	UNSUB_ALREADY	/* stored before */
};

static void
show(struct app *app, struct resp *rs, enum unsub_view v, const char *token)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "title", v == UNSUB_ASK ? "Stop reminder emails?" :
	    "You will get no more reminders");
	tmpl_data_bool(d, "ask", v == UNSUB_ASK);
	tmpl_data_bool(d, "already", v == UNSUB_ALREADY);
	tmpl_data_set(d, "token", token);
	app_render(app, rs, 200, "unsubscribe.html", d);
	tmpl_data_free(d);
}

/* Asks for GET; stores for a POST (post 1), a form or one-click. */
static void
unsubscribe(struct app *app, struct req *rq, struct resp *rs, int post)
{
	unsigned char key[MAIL_UNSUB_KEY_LEN];
	const char *token;
	char now[21];
	int64_t id;
	int rc, already = 0;
	enum db_result r;

	http_header(rs, "Cache-Control", "no-store");
	http_header(rs, "X-Robots-Tag", "noindex");
	token = form_get(&rq->q, "t");
	if (token == NULL && post)
		token = form_get(&rq->f, "t");
	if (mail_unsub_key(app->db, key) == -1) {
		http_error(app, rs, 503, "This cannot be done just now. Please "
		    "try again in a few minutes.");
		return;
	}
	rc = mail_unsub_token_check(key, token, &id);
	/* A contact's own link (014): they stop getting copies. */
	if (rc == -1 && mail_unsub_contact_token_check(key, token, &id) == 0) {
		sodium_memzero(key, sizeof(key));
		if (post && db_contact_unsubscribe(app->db, id) == -1) {
			http_error(app, rs, 503, "Your request could not be "
			    "saved just now. Please try again in a few "
			    "minutes.");
			return;
		}
		show(app, rs, post ? UNSUB_DONE : UNSUB_ASK, token);
		return;
	}
	sodium_memzero(key, sizeof(key));
	if (rc == -1) {
		http_error(app, rs, 404, "This unsubscribe link does not work. "
		    "Check that the whole link from the email was used.");
		return;
	}
	if (!post) {
		if ((rc = db_unsub_get(app->db, id)) == -1) {
			http_error(app, rs, 503, "This cannot be done just "
			    "now. Please try again in a few minutes.");
			return;
		}
		show(app, rs, rc == 1 ? UNSUB_ALREADY : UNSUB_ASK, token);
		return;
	}
	db_now(now);
	r = db_unsub_set(app->db, id, now, &already);
	if (r == DB_INVALID) {
		http_error(app, rs, 404, "This unsubscribe link no longer "
		    "works: we hold no details for it.");
		return;
	}
	if (r != DB_OK) {
		http_error(app, rs, 503, "Your request could not be saved just "
		    "now. Please try again in a few minutes.");
		return;
	}
	show(app, rs, already ? UNSUB_ALREADY : UNSUB_DONE, token);
}

void
page_unsubscribe_get(struct app *app, struct req *rq, struct resp *rs)
{
	unsubscribe(app, rq, rs, 0);
}

void
page_unsubscribe_post(struct app *app, struct req *rq, struct resp *rs)
{
	unsubscribe(app, rq, rs, 1);
}

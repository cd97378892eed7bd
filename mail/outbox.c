/*
 * mail/outbox: the mailer's work on the outbox.
 *
 * For each due row, in its own short transactions: claim it with a lease
 * (db_outbox_claim), render its kind's templates, build the message,
 * send it, then mark it sent, deferred, held (the server was down: due
 * again as soon as it is back, the try not counted) or failed, or
 * dropped when what it would say is no longer true (MAIL_SEND_STALE: a
 * cancellation taken back, a reminder of a session since cancelled).  A row is claimed only
 * when it is about to be sent, so a mailer killed at any point leaves at
 * most one row in `sending`: the one it may or may not have handed over.
 * When that row's lease ends it is sent again (the one possible
 * duplicate), with the same Message-ID.
 *
 * Each kind of email is one entry of `kinds`: its templates
 * (mail_<kind>.txt, whose first line is "Subject: ..." and then a blank
 * line, and mail_<kind>.html), whether it goes to a client (and so
 * carries an unsubscribe link), and a function that adds what its
 * templates need.  A kind with an invitation or cancellation also fills
 * the calendar (text from ical/) and its method.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "db/db.h"
#include "db/outbox.h"
#include "db/self.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"
#include "util/buf.h"

#define LEASE_DEFAULT	300	/* seconds; longer than any one send */
#define PAUSE_FIRST	2	/* seconds after the server is found down */
#define PAUSE_MAX	30
#define REFUSED_RUN_MAX	5	/* like permanent refusals, then pause */

struct kind {
	const char	*name;		/* outbox.kind */
	const char	*tmpl;		/* templates TMPL.txt and TMPL.html */
	int		 client;	/* to a client: unsubscribe link */
	mail_fill_fn	 fill;
};

/*
 * The referral's reference and staff links: {{ref}}, {{referral_url}}
 * (the queue's page) and {{client_url}} (the client record).
 */
static enum mail_send
fill_referral(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	(void)x;
	if (row->referral_id <= 0 || row->referral_ref[0] == '\0') {
		(void)snprintf(err, errlen, "the referral no longer exists");
		return MAIL_SEND_PERM;
	}
	tmpl_data_set(d, "ref", row->referral_ref);
	tmpl_data_setf(d, "referral_url", "%s/referrals/%lld", ob->base_url,
	    (long long)row->referral_id);
	/* The client record: the page a therapist may open. */
	tmpl_data_setf(d, "client_url", "%s/clients/%lld", ob->base_url,
	    (long long)row->referral_id);
	return MAIL_SEND_OK;
}

/*
 * Adds the office's contact details to d ({{contact_phone}} and the
 * rest, {{contact}} when any is set) and copies the email address into
 * reply.  0, or -1 when the settings cannot be read.
 */
static int
mail_contact_fill(struct db *db, struct tmpl_data *d, char *reply,
    size_t replylen)
{
	struct db_contact c;

	memset(&c, 0, sizeof(c));
	if (db_contact_get(db, &c) == -1)
		return -1;
	tmpl_data_set(d, "contact_phone", c.phone);
	tmpl_data_set(d, "contact_email", c.email);
	tmpl_data_set(d, "contact_address", c.address);
	tmpl_data_set(d, "office_hours", c.hours);
	tmpl_data_bool(d, "contact", c.phone[0] != '\0' ||
	    c.email[0] != '\0' || c.address[0] != '\0');
	if (strlen(c.email) < replylen)
		memcpy(reply, c.email, strlen(c.email) + 1);
	else
		reply[0] = '\0';
	return 0;
}

/*
 * A referrer's update (014-referrers-contacts.sql): which state the
 * referral reached is the last part of the dedupe key
 * ("referrer-update:ID:STATE"); st_STATE says it to the templates.  No
 * names or health details: only the reference code.
 */
static enum mail_send
fill_referrer_update(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	static const char *const states[] = { "new", "waitlisted", "matched",
	    "active", "closed" };
	const char *st = strrchr(row->dedupe_key, ':');
	char key[32];
	size_t i;
	enum mail_send r;

	if ((r = fill_referral(ob, row, d, x, err, errlen)) != MAIL_SEND_OK)
		return r;
	for (i = 0; st != NULL && i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(st + 1, states[i]) == 0) {
			(void)snprintf(key, sizeof(key), "st_%s", states[i]);
			tmpl_data_bool(d, key, 1);
			return MAIL_SEND_OK;
		}
	(void)snprintf(err, errlen, "a referrer update of no known state");
	return MAIL_SEND_PERM;
}

/*
 * The kinds of email (what each says: session.c).  The invitations of
 * bookings, moves and cancellations come from ical_invite_build.  A kind
 * not here (a newer program queued it) is deferred like a temporary
 * failure, never lost.
 */
static const struct kind kinds[] = {
	{ "referral_ack", "mail_referral_ack", 1, fill_referral },
	{ "referral_new", "mail_referral_new", 0, fill_referral },
	{ "therapist_assigned", "mail_therapist_assigned", 0, fill_referral },
	/* To a client, with the series' invitation (REQUEST). */
	{ "booking_confirmation", "mail_booking_confirmation", 1,
	    mail_fill_booking },
	/* To a client, with the session's cancellation (CANCEL). */
	{ "session_cancelled", "mail_session_cancelled", 1,
	    mail_fill_cancelled },
	/* To a client, with the moved session (REQUEST, higher SEQUENCE). */
	{ "session_moved", "mail_session_moved", 1, mail_fill_moved },
	/* To a client told of a cancellation since taken back (REQUEST). */
	{ "session_reinstated", "mail_session_reinstated", 1,
	    mail_fill_reinstated },
	/* To a client, at each offset of TUTTI_REMINDERS before a session. */
	{ "reminder", "mail_reminder", 1, mail_fill_reminder },
	/* To a client after their sixth attended session (005-reports). */
	{ "outcome_survey", "mail_outcome_survey", 1, mail_fill_survey },
	/* To a therapist each morning with sessions (TUTTI_AGENDA). */
	{ "therapist_agenda", "mail_therapist_agenda", 0, mail_fill_agenda },
	/* To the therapist and coordinators: a client cannot come, left
	 * the waiting list, or feels worse (013-self-service). */
	{ "client_cant_come", "mail_client_cant_come", 0,
	    mail_fill_self_staff },
	{ "client_left", "mail_client_left", 0, mail_fill_self_staff },
	{ "client_worse", "mail_client_worse", 0, mail_fill_self_staff },
	{ "client_stopped", "mail_client_stopped", 0, mail_fill_self_staff },
	/* To a client who stopped their sessions: one email listing them,
	 * with the series' invitation as it stands (REQUEST). */
	{ "sessions_stopped", "mail_sessions_stopped", 1, mail_fill_stopped },
	/* To a waiting client every waitlist_check_weeks. */
	{ "waitlist_check", "mail_waitlist_check", 1, mail_fill_check },
	/* Place offers (issue 18): to the person offered, and to the
	 * coordinators and therapist when one is accepted. */
	{ "place_offer", "mail_place_offer", 1, mail_fill_offer },
	{ "offer_accepted", "mail_offer_accepted", 0, mail_fill_self_staff },
	/* To the coordinators: someone said yes but the place could not
	 * be booked; they stay waiting and the office is to call them. */
	{ "offer_unbookable", "mail_offer_unbookable", 0,
	    mail_fill_self_staff },
	/* To a therapist whose sessions were cancelled, moved or handed
	 * on: one email for the changes made while it waited. */
	{ "therapist_changes", "mail_therapist_changes", 0,
	    mail_fill_changes },
	/* To someone who referred a person and asked for updates (014). */
	{ "referrer_update", "mail_referrer_update", 0, fill_referrer_update },
	/* Surveys (issue 20, 025-surveys): to a client's contact after
	 * the client's N-th attended session, and to a partner's staff. */
	{ "family_survey", "mail_family_survey", 1, mail_fill_survey_invite },
	{ "partner_survey", "mail_partner_survey", 0,
	    mail_fill_survey_invite },
	/* To a member of staff whose account is being guessed at. */
	{ "login_guessed", "mail_login_guessed", 0, NULL },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

static const struct kind *
kind_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

long
mail_backoff(int attempts)
{
	long wait = MAIL_RETRY_FIRST, total = 0;
	int i;

	if (attempts < 1)
		attempts = 1;
	for (i = 1; i <= attempts; i++) {
		if (i > 1)
			wait = wait * 2 > MAIL_RETRY_MAX ? MAIL_RETRY_MAX :
			    wait * 2;
		total += wait;
		if (total > MAIL_RETRY_FOR)
			return -1;
	}
	return wait;
}

/* Writes t as ISO 8601 UTC, as db_now does. */
static void
iso_time(time_t t, char out[21])
{
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads ISO 8601 UTC; on anything else, now. */
static time_t
iso_parse(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
	    &sec) != 6)
		return time(NULL);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return timegm(&tm);
}

/* 1 if the template set has name. */
static int
tmpl_has(const struct tmpl_set *set, const char *name)
{
	struct buf b = BUF_INIT;
	int r = tmpl_render(set, name, NULL, &b) == 0;

	buf_free(&b);
	return r;
}

struct mail_outbox *
mail_outbox_new(const struct mail_config *cfg, struct db *db,
    const struct tmpl_set *tmpl, char *err, size_t errlen)
{
	struct mail_outbox *ob;
	char name[128];
	size_t i, n;

	ob = xcalloc(1, sizeof(*ob));
	ob->db = db;
	ob->tmpl = tmpl;
	ob->lease = cfg->lease > 0 ? cfg->lease : LEASE_DEFAULT;
	ob->base_url = xstrdup(cfg->base_url != NULL && *cfg->base_url !=
	    '\0' ? cfg->base_url : "http://127.0.0.1:8080");
	ob->tz = xstrdup(cfg->tz != NULL && *cfg->tz != '\0' ? cfg->tz :
	    "Europe/London");
	n = strlen(ob->base_url);
	while (n > 0 && ob->base_url[n - 1] == '/')
		ob->base_url[--n] = '\0';
	if (mail_from_parse(cfg->from != NULL && *cfg->from != '\0' ?
	    cfg->from : "Tutti <noreply@tutti.localhost>", ob->from_name,
	    sizeof(ob->from_name), ob->from_addr, sizeof(ob->from_addr)) ==
	    -1) {
		(void)snprintf(err, errlen, "TUTTI_MAIL_FROM is not "
		    "\"Name <address>\" or an address");
		goto fail;
	}
	for (i = 0; i < NKINDS; i++) {
		(void)snprintf(name, sizeof(name), "%s.txt", kinds[i].tmpl);
		if (!tmpl_has(tmpl, name))
			goto missing;
		(void)snprintf(name, sizeof(name), "%s.html", kinds[i].tmpl);
		if (!tmpl_has(tmpl, name))
			goto missing;
	}
	if (mail_link_key(db, ob->link_key) == -1) {
		(void)snprintf(err, errlen, "cannot read the link key");
		goto fail;
	}
	if (mail_unsub_key(db, ob->unsub_key) == -1) {
		(void)snprintf(err, errlen, "cannot read the unsubscribe key");
		goto fail;
	}
	if (cfg->smtp_url != NULL && *cfg->smtp_url != '\0')
		ob->transport = mail_smtp_new(cfg->smtp_url, cfg->smtp_user,
		    cfg->smtp_pass, err, errlen);
	else
		ob->transport = mail_files_new(cfg->mail_dir != NULL &&
		    *cfg->mail_dir != '\0' ? cfg->mail_dir : "var/mail", err,
		    errlen);
	if (ob->transport == NULL)
		goto fail;
	return ob;
missing:
	(void)snprintf(err, errlen, "template %s is missing", name);
fail:
	mail_outbox_free(ob);
	return NULL;
}

void
mail_outbox_free(struct mail_outbox *ob)
{
	if (ob == NULL)
		return;
	mail_transport_free(ob->transport);
	free(ob->base_url);
	free(ob->tz);
	buf_free(&ob->msg);
	sodium_memzero(ob->unsub_key, sizeof(ob->unsub_key));
	sodium_memzero(ob->link_key, sizeof(ob->link_key));
	free(ob);
}

enum mail_send
mail_outbox_render(struct mail_outbox *ob, const struct db_outbox *row,
    struct buf *out, char *err, size_t errlen)
{
	const struct kind *k;
	struct tmpl_data *d;
	struct mail_extra x;
	struct buf text = BUF_INIT, html = BUF_INIT, subject = BUF_INIT;
	struct mail_message m;
	char name[128], token[MAIL_UNSUB_TOKEN_LEN], url[1024];
	char my[MAIL_LINK_TOKEN_LEN], reply[MAIL_ADDR_MAX + 1];
	const char *body, *nl;
	enum mail_send r = MAIL_SEND_PERM;
	int own;

	if (errlen > 0)
		err[0] = '\0';
	if ((k = kind_find(row->kind)) == NULL) {
		/* A newer program queued it: keep it for a mailer that knows. */
		(void)snprintf(err, errlen, "this mailer cannot write emails of "
		    "kind \"%.40s\" yet", row->kind);
		return MAIL_SEND_TEMP;
	}
	memset(&x, 0, sizeof(x));
	memset(&m, 0, sizeof(m));
	d = tmpl_data_new();
	tmpl_data_set(d, "to_name", row->to_name);
	tmpl_data_set(d, "base_url", ob->base_url);
	if (mail_contact_fill(ob->db, d, reply, sizeof(reply)) == -1) {
		(void)snprintf(err, errlen, "the contact details cannot be "
		    "read");
		r = MAIL_SEND_TEMP;
		goto out;
	}
	if (k->fill != NULL && (r = k->fill(ob, row, d, &x, err, errlen)) !=
	    MAIL_SEND_OK)
		goto out;
	r = MAIL_SEND_PERM;
	/* A contact's copy (014) says so. */
	if (row->contact_id > 0)
		tmpl_data_bool(d, "contact_copy", 1);
	if (k->client) {
		if (row->referral_id <= 0) {
			(void)snprintf(err, errlen, "a client email without "
			    "a client");
			goto out;
		}
		own = row->contact_id <= 0 || row->contact_arranges;
		if (ob->preview) {
			/* Staff read it: no one's personal link. */
			tmpl_data_set(d, "unsubscribe_url", "(their own "
			    "unsubscribe link)");
			if (own)
				tmpl_data_set(d, "my_url", "(the link to their "
				    "own page)");
			goto text;
		}
		if (row->contact_id > 0)
			mail_unsub_contact_token_make(ob->unsub_key,
			    row->contact_id, token);
		else
			mail_unsub_token_make(ob->unsub_key, row->referral_id,
			    token);
		(void)snprintf(url, sizeof(url), "%s/unsubscribe?t=%s",
		    ob->base_url, token);
		tmpl_data_set(d, "unsubscribe_url", url);
		m.unsubscribe_url = url;
		/*
		 * Their own page, and a reply that reaches the office. A
		 * contact's copy carries the person's own link only when the
		 * contact arranges sessions for them.
		 */
		if (own && mail_my_token(ob->db, ob->link_key,
		    row->referral_id, my) == -1) {
			(void)snprintf(err, errlen, "the personal link cannot "
			    "be made");
			r = MAIL_SEND_TEMP;
			goto out;
		}
		if (own)
			tmpl_data_setf(d, "my_url", "%s/my?t=%s", ob->base_url,
			    my);
		if (mail_addr_ok(reply)) {
			m.reply_to = reply;
			m.reply_name = "Tutti office";
		}
	}

text:
	(void)snprintf(name, sizeof(name), "%s.txt", k->tmpl);
	if (tmpl_render(ob->tmpl, name, d, &text) == -1) {
		(void)snprintf(err, errlen, "template %s is missing", name);
		r = MAIL_SEND_TEMP;
		goto out;
	}
	body = buf_cstr(&text);
	if (strncmp(body, "Subject: ", 9) != 0 ||
	    (nl = strchr(body, '\n')) == NULL) {
		(void)snprintf(err, errlen, "template %s does not start with "
		    "a Subject line", name);
		r = MAIL_SEND_TEMP;
		goto out;
	}
	buf_append(&subject, body + 9, (size_t)(nl - body - 9));
	if (subject.len > 0 && subject.data[subject.len - 1] == '\r')
		subject.data[--subject.len] = '\0';
	body = nl + 1;
	if (*body == '\r')
		body++;
	if (*body == '\n')
		body++;
	if (ob->preview) {
		/* mail_outbox_text: the subject line, then the text. */
		buf_printf(out, "%s\n%s", buf_cstr(&subject), body);
		r = MAIL_SEND_OK;
		goto out;
	}
	tmpl_data_set(d, "title", buf_cstr(&subject));
	(void)snprintf(name, sizeof(name), "%s.html", k->tmpl);
	if (tmpl_render(ob->tmpl, name, d, &html) == -1) {
		(void)snprintf(err, errlen, "template %s is missing", name);
		r = MAIL_SEND_TEMP;
		goto out;
	}

	m.from_name = ob->from_name;
	m.from_addr = ob->from_addr;
	m.to_name = row->to_name;
	m.to_addr = row->to_addr;
	m.subject = buf_cstr(&subject);
	m.message_id = row->message_id;
	m.date = iso_parse(row->created_at);
	m.text = body;
	m.html = buf_cstr(&html);
	if (x.calendar.len > 0) {
		m.calendar = buf_cstr(&x.calendar);
		m.calendar_method = x.method;
	}
	if (mail_message_build(&m, out, err, errlen) == 0)
		r = MAIL_SEND_OK;
out:
	tmpl_data_free(d);
	buf_free(&text);
	buf_free(&html);
	buf_free(&subject);
	buf_free(&x.calendar);
	return r;
}

enum mail_send
mail_outbox_text(struct db *db, const struct tmpl_set *tmpl,
    const char *base_url, const char *tz, const struct db_outbox *row,
    struct buf *subject, struct buf *text, char *err, size_t errlen)
{
	struct mail_outbox ob;
	struct buf all = BUF_INIT;
	const char *nl;
	enum mail_send r;

	memset(&ob, 0, sizeof(ob));
	ob.db = db;
	ob.tmpl = tmpl;
	ob.preview = 1;
	ob.base_url = (char *)(base_url != NULL ? base_url : "");
	ob.tz = (char *)(tz != NULL && *tz != '\0' ? tz : "Europe/London");
	if ((r = mail_outbox_render(&ob, row, &all, err, errlen)) ==
	    MAIL_SEND_OK) {
		nl = strchr(buf_cstr(&all), '\n');
		buf_append(subject, all.data, (size_t)(nl - all.data));
		buf_puts(text, nl + 1);
	}
	buf_free(&all);
	return r;
}

/*
 * Renders and sends one claimed row; *tried is set when the server was
 * asked to take it.
 */
static enum mail_send
deliver(struct mail_outbox *ob, const struct db_outbox *row, int *tried,
    char *err, size_t errlen)
{
	enum mail_send r;

	*tried = 0;
	buf_reset(&ob->msg);
	if ((r = mail_outbox_render(ob, row, &ob->msg, err, errlen)) !=
	    MAIL_SEND_OK)
		return r;
	*tried = 1;
	return mail_transport_send(ob->transport, ob->from_addr,
	    row->to_addr, ob->msg.data, ob->msg.len, row->message_id, err,
	    errlen);
}

/*
 * Counts the server's permanent refusals in a row with the same reply;
 * at REFUSED_RUN_MAX the server (or our account) is wrong rather than
 * the emails: sending is paused until the administrator resumes it
 * from /admin/outbox, which says why.  Returns 0, or -1 when the
 * database failed.
 */
static int
refusals_count(struct mail_outbox *ob, enum mail_send r, int tried,
    const char *err, time_t now)
{
	char when[21];

	if (r == MAIL_SEND_OK) {
		ob->refused_run = 0;
		return 0;
	}
	if (r != MAIL_SEND_PERM || !tried)
		return 0;
	if (ob->refused_run > 0 && strcmp(ob->refused, err) == 0)
		ob->refused_run++;
	else {
		ob->refused_run = 1;
		(void)snprintf(ob->refused, sizeof(ob->refused), "%s", err);
	}
	if (ob->refused_run < REFUSED_RUN_MAX)
		return 0;
	fprintf(stderr, "tutti-mailer: the mail server refused %d emails in "
	    "a row with the same reply; sending is paused until an "
	    "administrator resumes it: %s\n", ob->refused_run, err);
	iso_time(now, when);
	ob->refused_run = 0;
	return db_outbox_pause_set(ob->db, when, err);
}

/*
 * Records what became of a claimed row.  Returns 0, or -1 when the
 * database failed.
 */
static int
settle(struct mail_outbox *ob, const struct db_outbox *row,
    enum mail_send r, const char *err, time_t now,
    struct mail_outbox_stats *st)
{
	char when[21], why[600];
	long wait;

	if (r == MAIL_SEND_OK) {
		iso_time(now, when);
		if (db_outbox_sent(ob->db, row->id, when) == -1)
			return -1;
		st->sent++;
		return 0;
	}
	if (r == MAIL_SEND_STALE) {
		fprintf(stderr, "tutti-mailer: outbox %lld (%s) dropped, not "
		    "sent: %s\n", (long long)row->id, row->kind, err);
		if (db_outbox_drop(ob->db, row->id, err) == -1)
			return -1;
		st->dropped++;
		return 0;
	}
	if (r == MAIL_SEND_PERM) {
		fprintf(stderr, "tutti-mailer: outbox %lld (%s) failed: %s\n",
		    (long long)row->id, row->kind, err);
		iso_time(now, when);
		if (db_outbox_fail(ob->db, row->id, err, when) == -1)
			return -1;
		st->failed++;
		return 0;
	}
	if (r == MAIL_SEND_DOWN) {
		/* Not this message's fault: due again once the server is. */
		if (db_outbox_hold(ob->db, row->id, err) == -1)
			return -1;
		st->held++;
		return 0;
	}
	if ((wait = mail_backoff(row->attempts)) < 0) {
		(void)snprintf(why, sizeof(why), "gave up after %d tries "
		    "over four days: %s", row->attempts, err);
		fprintf(stderr, "tutti-mailer: outbox %lld (%s) failed: %s\n",
		    (long long)row->id, row->kind, why);
		iso_time(now, when);
		if (db_outbox_fail(ob->db, row->id, why, when) == -1)
			return -1;
		st->failed++;
		return 0;
	}
	iso_time(now + wait, when);
	fprintf(stderr, "tutti-mailer: outbox %lld (%s) deferred to %s: %s\n",
	    (long long)row->id, row->kind, when, err);
	if (db_outbox_defer(ob->db, row->id, when, err) == -1)
		return -1;
	st->deferred++;
	return 0;
}

int
mail_outbox_run(struct mail_outbox *ob, size_t max,
    const volatile sig_atomic_t *stop, struct mail_outbox_stats *st)
{
	struct db_outbox row;
	char now_s[21], lease_s[21], err[512], since[21], why[8];
	enum mail_send r;
	time_t now;
	size_t n;
	int c, rc = 0, tried;

	memset(st, 0, sizeof(*st));
	if (time(NULL) < ob->down_until)
		return 0;
	if ((c = db_outbox_pause_get(ob->db, since, sizeof(since), why,
	    sizeof(why))) != 0) {
		st->paused = c == 1;
		return c == 1 ? 0 : -1;
	}
	ob->transport->stop = stop;
	for (n = 0; n < max && !*stop; n++) {
		now = time(NULL);
		iso_time(now, now_s);
		iso_time(now + ob->lease, lease_s);
		if ((c = db_outbox_claim(ob->db, now_s, lease_s, &row)) <= 0) {
			rc = c;
			break;
		}
		r = deliver(ob, &row, &tried, err, sizeof(err));
		if (settle(ob, &row, r, err, time(NULL), st) == -1 ||
		    refusals_count(ob, r, tried, err, time(NULL)) == -1)
			rc = -1;
		db_outbox_free(&row);
		if (rc == -1)
			break;
		if (r == MAIL_SEND_DOWN) {
			ob->pause = ob->pause == 0 ? PAUSE_FIRST :
			    ob->pause * 2 > PAUSE_MAX ? PAUSE_MAX :
			    ob->pause * 2;
			ob->down_until = time(NULL) + ob->pause;
			fprintf(stderr, "tutti-mailer: the mail server is "
			    "unavailable; trying again in %d s: %s\n",
			    ob->pause, err);
			break;
		}
		if (r == MAIL_SEND_OK)
			ob->pause = 0;
		if (ob->refused_run == 0 && r == MAIL_SEND_PERM && tried)
			break;		/* just paused */
	}
	st->more = n == max && rc == 0;
	mail_transport_end(ob->transport);
	return rc;
}

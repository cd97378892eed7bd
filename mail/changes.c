/*
 * mail/changes: the email that tells a therapist of changes to their
 * sessions (kind therapist_changes, queued by db_week_therapist_tell):
 * what was cancelled, moved, handed to them or from them since the
 * email was queued, read when it is sent, so that every change made
 * while it waited is in the one email.  Clients are named by initials
 * and reference only.  Nothing left to tell (all taken back): dropped.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/outbox.h"
#include "db/week.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"

struct changes {
	struct tmpl_data	*d;
	const char		*tz;
	size_t			 n;
	int			 bad;
};

static void
changes_add(void *arg, const struct db_week_occ *o, const char *what)
{
	struct changes *c = arg;
	struct tmpl_data *e;
	char day[64], start[6];

	if (mail_when(c->tz, (time_t)o->start_utc, day, sizeof(day),
	    start) == -1) {
		c->bad = 1;
		return;
	}
	e = tmpl_data_push(c->d, "changes");
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "time", start);
	if (o->group_id > 0)
		tmpl_data_set(e, "who", "Group session");
	else
		tmpl_data_setf(e, "who", "%s (%s)", o->initials,
		    o->client_ref);
	tmpl_data_set(e, "site", o->site);
	tmpl_data_set(e, "room", o->room);
	tmpl_data_set(e, "what", strcmp(what, "covering") == 0 ?
	    "now yours, covering" : strcmp(what, "handed on") == 0 ?
	    "handed to another therapist" : what);
	c->n++;
}

enum mail_send
mail_fill_changes(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct changes c;
	struct tm tm;
	long long tid, when;
	char since[21];
	time_t t;

	(void)x;
	if (sscanf(row->dedupe_key, "therapist-changes:%lld:%lld", &tid,
	    &when) != 2) {
		(void)snprintf(err, errlen, "the key \"%.60s\" names no "
		    "therapist", row->dedupe_key);
		return MAIL_SEND_PERM;
	}
	/* Changes from a minute before it was queued (the same write). */
	memset(&tm, 0, sizeof(tm));
	if (strptime(row->created_at, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
		(void)snprintf(err, errlen, "the row has no time");
		return MAIL_SEND_PERM;
	}
	t = timegm(&tm) - 60;
	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	memset(&c, 0, sizeof(c));
	c.d = d;
	c.tz = ob->tz;
	if (db_week_changes_each(ob->db, (int64_t)tid, since,
	    (int64_t)time(NULL), changes_add, &c) == -1 || c.bad) {
		(void)snprintf(err, errlen, "the sessions cannot be read");
		return MAIL_SEND_TEMP;
	}
	if (c.n == 0) {
		(void)snprintf(err, errlen, "nothing is left to tell");
		return MAIL_SEND_STALE;
	}
	tmpl_data_setf(d, "count", "%zu", c.n);
	tmpl_data_bool(d, "one", c.n == 1);
	tmpl_data_setf(d, "me_url", "%s/me", ob->base_url);
	return MAIL_SEND_OK;
}

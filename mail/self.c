/*
 * mail/self: what the emails about people acting for themselves say:
 * the staff's notices of "cannot come", of leaving the waiting list and
 * of a waitlist answer "worse", of a client who stopped their sessions
 * (and the client's own one email listing the sessions cancelled), and
 * the waitlist check itself.  The
 * personal link and the office's contact details are added to every
 * email by outbox.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/outbox.h"
#include "db/self.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"

/*
 * The person row is about, into m: MAIL_SEND_OK, else why not (err says
 * so).
 */
static enum mail_send
my_load(struct mail_outbox *ob, const struct db_outbox *row,
    struct db_my *m, char *err, size_t errlen)
{
	int rc;

	if (row->referral_id <= 0 || (rc = db_my_get(ob->db,
	    row->referral_id, m)) == 0) {
		(void)snprintf(err, errlen, "the referral no longer exists");
		return MAIL_SEND_PERM;
	}
	if (rc == -1) {
		(void)snprintf(err, errlen, "the referral cannot be read");
		return MAIL_SEND_TEMP;
	}
	return MAIL_SEND_OK;
}

/* The sessions a stop cancelled, as the emails list them. */
struct stopped {
	struct tmpl_data	*d;
	const char		*tz;
	size_t			 n;
	int			 bad;
};

static void
stopped_add(void *arg, const struct db_my_session *s)
{
	struct stopped *l = arg;
	struct tmpl_data *e;
	char day[64], hhmm[6];

	if (mail_when(l->tz, (time_t)s->start_utc, day, sizeof(day),
	    hhmm) == -1) {
		l->bad = 1;
		return;
	}
	e = tmpl_data_push(l->d, "sessions");
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "time", hhmm);
	tmpl_data_set(e, "site", s->site);
	l->n++;
}

/*
 * For a row keyed "KIND:REFERRAL:SERIES:DATE..." (db_self_stop): the
 * sessions that stop cancelled into d's list "sessions" (day, time,
 * site) and {{count}}; *series the stop's first series.  0 when the key
 * names no stop (*series 0), or the count; -1 on error (err).
 */
static int
stopped_list(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, long long *series, char *err, size_t errlen)
{
	struct stopped l;
	char kind[32], date[11];
	long long ref;

	*series = 0;
	if (sscanf(row->dedupe_key, "%31[a-z_]:%lld:%lld:%10[0-9-]", kind,
	    &ref, series, date) != 4 || strlen(date) != 10) {
		*series = 0;
		return 0;
	}
	memset(&l, 0, sizeof(l));
	l.d = d;
	l.tz = ob->tz;
	tmpl_data_list(d, "sessions");
	if (db_self_stopped_each(ob->db, row->referral_id, *series, date,
	    stopped_add, &l) == -1 || l.bad) {
		(void)snprintf(err, errlen, "the sessions cannot be read");
		return -1;
	}
	tmpl_data_setf(d, "count", "%zu", l.n);
	tmpl_data_bool(d, "one", l.n == 1);
	tmpl_data_bool(d, "has_sessions", l.n > 0);
	return (int)l.n;
}

enum mail_send
mail_fill_stopped(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct db_my m;
	enum mail_send r;
	long long series;
	int rc;

	if ((r = my_load(ob, row, &m, err, errlen)) != MAIL_SEND_OK)
		return r;
	if ((rc = stopped_list(ob, row, d, &series, err, errlen)) == -1)
		return MAIL_SEND_TEMP;
	if (rc == 0) {
		(void)snprintf(err, errlen, "every session is back on");
		return MAIL_SEND_STALE;
	}
	tmpl_data_set(d, "ref", m.ref);
	/* The series as it stands takes them out of their calendar. */
	return mail_invite_attach(ob, row, ICAL_INVITE_SERIES, series, NULL,
	    x, err, errlen);
}

enum mail_send
mail_fill_self_staff(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct db_my m;
	struct db_my_session s;
	char kind[32], date[11], day[64], hhmm[6];
	long long series = 0;
	enum mail_send r;
	int rc;

	(void)x;
	if ((r = my_load(ob, row, &m, err, errlen)) != MAIL_SEND_OK)
		return r;
	tmpl_data_set(d, "ref", m.ref);
	tmpl_data_setf(d, "referral_url", "%s/referrals/%lld", ob->base_url,
	    (long long)row->referral_id);
	if (strcmp(row->kind, "client_stopped") == 0 && stopped_list(ob, row,
	    d, &series, err, errlen) == -1)
		return MAIL_SEND_TEMP;
	if (sscanf(row->dedupe_key, "%31[a-z_]:%lld:%10[0-9-]", kind, &series,
	    date) == 3 && strcmp(kind, "client_cant_come") == 0) {
		if ((rc = db_my_session_get(ob->db, row->referral_id,
		    series, date, &s)) == -1) {
			(void)snprintf(err, errlen, "the session cannot be "
			    "read");
			return MAIL_SEND_TEMP;
		}
		if (rc == 1 && mail_when(ob->tz, (time_t)s.start_utc, day,
		    sizeof(day), hhmm) == 0) {
			tmpl_data_set(d, "day", day);
			tmpl_data_set(d, "time", hhmm);
			tmpl_data_set(d, "site", s.site);
			tmpl_data_bool(d, "late", s.late);
		}
		tmpl_data_setf(d, "series_url", "%s/series/%lld",
		    ob->base_url, series);
	}
	return MAIL_SEND_OK;
}

enum mail_send
mail_fill_check(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct db_my m;
	enum mail_send r;

	(void)x;
	if ((r = my_load(ob, row, &m, err, errlen)) != MAIL_SEND_OK)
		return r;
	if (strcmp(m.status, "waitlisted") != 0) {
		(void)snprintf(err, errlen, "the person is no longer waiting");
		return MAIL_SEND_STALE;
	}
	if (m.check_id == 0) {
		(void)snprintf(err, errlen, "the check was answered already");
		return MAIL_SEND_STALE;
	}
	tmpl_data_set(d, "ref", m.ref);
	return MAIL_SEND_OK;
}

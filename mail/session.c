/*
 * mail/session: what the emails about sessions say, read when each is
 * sent (not when queued), so that it tells how things stand then.
 *
 * Client emails say only what the client needs: the day, the time, the
 * place and its address, the room, the therapist's first name, and the
 * client's own reference; never a reason, a need, a group's name or
 * anyone else.  Staff emails (the therapist's agenda) name a client by
 * initials and reference only, as the calendar feeds do.
 *
 * Before an email is written, what it would say is checked again; when
 * it is no longer true the row is dropped (MAIL_SEND_STALE), never sent:
 *
 *   booking_confirmation  the series was cancelled or has no session to
 *                         come
 *   session_cancelled     the cancellation was taken back
 *                         (db_occ_reinstate), or the session has passed
 *   session_moved         the session was moved again since (each move
 *                         has its own notice), or moved back to its usual
 *                         time and room before any move was told
 *   session_reinstated    the session was cancelled again
 *   reminder              the session was cancelled, has begun, or the
 *                         client unsubscribed
 *   outcome_survey        the client answered already or unsubscribed
 *   therapist_agenda      the day is over, or nothing is left that day
 *
 * So a change undone within its grace period sends nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/outbox.h"
#include "db/remind.h"
#include "db/reports.h"
#include "db/schedule.h"
#include "db/terms.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "util/calendar.h"
#include "util/name.h"

#define LIST_MAX	12		/* sessions listed in a booking */
#define LIST_DAYS	(400L * 24 * 60 * 60)


int
mail_when(const char *tz, time_t t, char *day, size_t daylen, char hhmm[6])
{
	char date[11];
	int wd, y, m, d;

	if (ical_utc_to_local(tz, t, date, hhmm, &wd) == -1 ||
	    sscanf(date, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12 ||
	    wd < 0 || wd > 6)
		return -1;
	(void)snprintf(day, daylen, "%s %d %s %d", calendar_day_names[wd],
	    d, calendar_month_names[m - 1], y);
	return 0;
}

/* Reads digits at *p into *v (at least one); 1, or 0 when none. */
static int
digits(const char **p, int64_t *v)
{
	const char *s = *p;
	int64_t x = 0;

	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9') {
		if (x > (INT64_MAX - 9) / 10)
			return 0;
		x = x * 10 + (*s++ - '0');
	}
	*v = x;
	*p = s;
	return 1;
}

/* Reads a YYYY-MM-DD at *p into date; 1, or 0. */
static int
date_field(const char **p, char date[11])
{
	const char *s = *p;
	int i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return 0;
	memcpy(date, s, 10);
	date[10] = '\0';
	*p = s + 10;
	return 1;
}

/*
 * The end of a key: nothing, or a contact's copy's ":contact:ID" (014),
 * then nothing or a retired key's "~ID".
 */
static int
key_end(const char *p)
{
	int64_t v;

	if (strncmp(p, ":contact:", 9) == 0) {
		p += 9;
		if (!digits(&p, &v))
			return 0;
	}
	if (*p == '~') {
		p++;
		if (!digits(&p, &v))
			return 0;
	}
	return *p == '\0';
}

int
mail_key_parse(const char *key, struct mail_key *k)
{
	const char *p = strchr(key, ':');
	int64_t v;

	memset(k, 0, sizeof(*k));
	if (p == NULL || p == key || (size_t)(p - key) >= sizeof(k->kind))
		return -1;
	memcpy(k->kind, key, (size_t)(p - key));
	p++;
	if (!digits(&p, &k->id) || *p++ != ':')
		return -1;
	if (strcmp(k->kind, "therapist_agenda") == 0)
		return date_field(&p, k->date) && key_end(p) ? 0 : -1;
	if (strcmp(k->kind, "booking_confirmation") == 0) {
		if (*p++ != '0')
			return -1;
		(void)snprintf(k->date, sizeof(k->date), "0");
	} else if (!date_field(&p, k->date))
		return -1;
	if (strcmp(k->kind, "session_moved") == 0 ||
	    strcmp(k->kind, "session_reinstated") == 0) {
		if (*p++ != '@' || !digits(&p, &k->when))
			return -1;
	} else if (strcmp(k->kind, "reminder") == 0) {
		if (*p++ != ':' || !digits(&p, &v) || v <= 0 ||
		    v > 366L * 24 * 60 * 60)
			return -1;
		k->offset = (long)v;
	} else if (strcmp(k->kind, "session_cancelled") != 0 &&
	    strcmp(k->kind, "booking_confirmation") != 0)
		return -1;
	if (*p++ != ':' || !digits(&p, &k->client_id) || !key_end(p))
		return -1;
	return 0;
}

/* The first word of a name ("Thea" of "Thea Therapist"). */
static void
first_name(const char *name, char *out, size_t n)
{
	size_t len = strcspn(name, " ");

	if (len >= n)
		len = n - 1;
	memcpy(out, name, len);
	out[len] = '\0';
}

/* What a session email reads. */
struct session {
	struct mail_key		 key;
	struct db_series	 s;
	struct db_remind_occ	 o;
};

/*
 * Reads the row's key, series and (with need_occ) occurrence, and sets
 * what every session email shows.
 */
static enum mail_send
session_load(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct session *ss, int need_occ, char *err,
    size_t errlen)
{
	char name[128];
	int rc;

	memset(ss, 0, sizeof(*ss));
	if (row->referral_id <= 0) {
		(void)snprintf(err, errlen, "the client's referral no longer "
		    "exists");
		return MAIL_SEND_PERM;
	}
	if (mail_key_parse(row->dedupe_key, &ss->key) == -1 ||
	    strcmp(ss->key.kind, row->kind) != 0) {
		(void)snprintf(err, errlen, "the key \"%.60s\" names no "
		    "session", row->dedupe_key);
		return MAIL_SEND_PERM;
	}
	if ((rc = db_series_get(ob->db, ss->key.id, &ss->s)) != 1) {
		(void)snprintf(err, errlen, rc == 0 ? "the series no longer "
		    "exists" : "the series cannot be read");
		return rc == 0 ? MAIL_SEND_STALE : MAIL_SEND_TEMP;
	}
	if (need_occ) {
		rc = db_remind_occ_get(ob->db, ss->key.id, ss->key.date,
		    &ss->o);
		if (rc != 1) {
			(void)snprintf(err, errlen, rc == 0 ? "the session "
			    "no longer exists" : "the session cannot be read");
			return rc == 0 ? MAIL_SEND_STALE : MAIL_SEND_TEMP;
		}
		tmpl_data_set(d, "room", ss->o.room);
	} else
		tmpl_data_set(d, "room", ss->s.room);
	first_name(ss->s.therapist, name, sizeof(name));
	tmpl_data_set(d, "therapist", name);
	tmpl_data_set(d, "site", ss->s.site);
	tmpl_data_set(d, "address", ss->s.site_address);
	tmpl_data_set(d, "ref", row->referral_ref);
	/* An online session's video call link (never in an .ics). */
	tmpl_data_set(d, "video_url", ss->s.video_url);
	return MAIL_SEND_OK;
}

/* Sets prefix"day", prefix"time" (and "end") for a session at start. */
static int
set_when(struct tmpl_data *d, const char *tz, const char *prefix,
    time_t start, time_t end)
{
	char day[64], hhmm[6], key[32];

	if (mail_when(tz, start, day, sizeof(day), hhmm) == -1)
		return -1;
	(void)snprintf(key, sizeof(key), "%sday", prefix);
	tmpl_data_set(d, key, day);
	(void)snprintf(key, sizeof(key), "%stime", prefix);
	tmpl_data_set(d, key, hhmm);
	if (end > start) {
		if (mail_when(tz, end, day, sizeof(day), hhmm) == -1)
			return -1;
		(void)snprintf(key, sizeof(key), "%send", prefix);
		tmpl_data_set(d, key, hhmm);
		(void)snprintf(key, sizeof(key), "%sminutes", prefix);
		tmpl_data_setf(d, key, "%lld", (long long)(end - start) / 60);
	}
	return 0;
}

/* The session's times, or TEMP on an unknown zone. */
static enum mail_send
session_when(struct tmpl_data *d, const struct session *ss, char *err,
    size_t errlen)
{
	if (set_when(d, ss->s.tz, "", (time_t)ss->o.start_utc,
	    (time_t)ss->o.end_utc) == -1) {
		(void)snprintf(err, errlen, "unknown time zone %.60s",
		    ss->s.tz);
		return MAIL_SEND_TEMP;
	}
	return MAIL_SEND_OK;
}

/* The invitation of kind for the row's recipient, into x. */
enum mail_send
mail_invite_attach(struct mail_outbox *ob, const struct db_outbox *row,
    enum ical_invite_kind kind, int64_t series_id, const char *date,
    struct mail_extra *x, char *err, size_t errlen)
{
	struct ical_invite in;
	const char *method = NULL;
	int rc;

	if (!mail_addr_ok(row->to_addr)) {
		(void)snprintf(err, errlen, "the address is refused");
		return MAIL_SEND_PERM;
	}
	if (ob->preview)
		return MAIL_SEND_OK;	/* the text alone: no invitation */
	memset(&in, 0, sizeof(in));
	in.kind = kind;
	in.series_id = series_id;
	in.date = kind == ICAL_INVITE_MOVED || kind == ICAL_INVITE_CANCELLED ?
	    date : NULL;
	in.organizer_name = ob->from_name;
	in.organizer_addr = ob->from_addr;
	in.attendee_name = row->to_name;
	in.attendee_addr = row->to_addr;
	buf_reset(&x->calendar);
	rc = ical_invite_build(ob->db, &in, &x->calendar, &method, err,
	    errlen);
	if (rc != 0) {
		buf_reset(&x->calendar);
		return rc == 1 ? MAIL_SEND_STALE : MAIL_SEND_TEMP;
	}
	x->method = method;
	return MAIL_SEND_OK;
}

/* The invitation of the row's session or series (mail_invite_attach). */
static enum mail_send
invite(struct mail_outbox *ob, const struct db_outbox *row,
    const struct session *ss, enum ical_invite_kind kind,
    struct mail_extra *x, char *err, size_t errlen)
{
	return mail_invite_attach(ob, row, kind, ss->key.id, ss->key.date, x,
	    err, errlen);
}

/* Sessions listed in a booking confirmation. */
struct upcoming {
	struct tmpl_data	*d;
	const char		*tz;
	size_t			 n;		/* to come, not cancelled */
	time_t			 first_start;
	time_t			 first_end;
	int			 bad;
};

static void
add_upcoming(void *arg, const struct db_occ_row *r)
{
	struct upcoming *u = arg;
	struct tmpl_data *e;
	char day[64], hhmm[6];

	if (strcmp(r->state, "cancelled") == 0)
		return;
	if (u->n++ == 0) {
		u->first_start = (time_t)r->start_utc;
		u->first_end = (time_t)r->end_utc;
	}
	if (u->n > LIST_MAX) {
		tmpl_data_bool(u->d, "more", 1);
		return;
	}
	if (mail_when(u->tz, (time_t)r->start_utc, day, sizeof(day),
	    hhmm) == -1) {
		u->bad = 1;
		return;
	}
	e = tmpl_data_push(u->d, "sessions");
	tmpl_data_set(e, "day", day);
	tmpl_data_set(e, "time", hhmm);
}

enum mail_send
mail_fill_booking(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct session ss;
	struct upcoming u;
	time_t now = time(NULL), t;
	int64_t t64;
	char day[64], hhmm[6];
	int wd;
	enum mail_send r;

	if ((r = session_load(ob, row, d, &ss, 0, err, errlen)) !=
	    MAIL_SEND_OK)
		return r;
	if (strcmp(ss.s.status, "cancelled") == 0) {
		(void)snprintf(err, errlen, "the series was cancelled");
		return MAIL_SEND_STALE;
	}
	memset(&u, 0, sizeof(u));
	u.d = d;
	u.tz = ss.s.tz;
	if (db_occ_each(ob->db, OCC_BY_SERIES, ss.key.id, (int64_t)now,
	    (int64_t)now + LIST_DAYS, add_upcoming, &u) == -1) {
		(void)snprintf(err, errlen, "the sessions cannot be read");
		return MAIL_SEND_TEMP;
	}
	if (u.n == 0) {
		(void)snprintf(err, errlen, "the series has no session to "
		    "come");
		return MAIL_SEND_STALE;
	}
	if (u.bad || set_when(d, ss.s.tz, "first_", u.first_start,
	    u.first_end) == -1 || ical_local_to_utc(ss.s.tz, ss.s.first_date,
	    ss.s.start_local, &t) == -1 || ical_utc_to_local(ss.s.tz, t, NULL,
	    NULL, &wd) == -1 || wd < 0 || wd > 6) {
		(void)snprintf(err, errlen, "unknown time zone %.60s",
		    ss.s.tz);
		return MAIL_SEND_TEMP;
	}
	tmpl_data_set(d, "weekday", calendar_day_names[wd]);
	tmpl_data_set(d, "time", ss.s.start_local);
	tmpl_data_setf(d, "minutes", "%d", ss.s.length_min);
	if (ss.s.term_time && db_series_span(ob->db, ss.key.id, &wd, &t64)
	    == 0 && wd > 0 && mail_when(ss.s.tz, (time_t)t64, day,
	    sizeof(day), hhmm) == 0)
		/* "12 sessions, term time only, last session ..." */
		tmpl_data_setf(d, "term_words", "%d session%s, term time "
		    "only, last session %s", wd, wd == 1 ? "" : "s", day);
	else if (ss.s.count > 0)
		tmpl_data_setf(d, "count", "%d", ss.s.count);
	else if (ss.s.until_date[0] != '\0' && ical_local_to_utc(ss.s.tz,
	    ss.s.until_date, "12:00", &t) == 0 && mail_when(ss.s.tz, t, day,
	    sizeof(day), hhmm) == 0)
		tmpl_data_set(d, "until", day);
	return invite(ob, row, &ss, ICAL_INVITE_SERIES, x, err, errlen);
}

enum mail_send
mail_fill_cancelled(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct session ss;
	enum mail_send r;

	if ((r = session_load(ob, row, d, &ss, 1, err, errlen)) !=
	    MAIL_SEND_OK)
		return r;
	if (strcmp(ss.o.state, "cancelled") != 0) {
		(void)snprintf(err, errlen, "the cancellation was taken back");
		return MAIL_SEND_STALE;
	}
	tmpl_data_set(d, "video_url", "");	/* no call to join */
	if (ss.o.start_utc <= (int64_t)time(NULL)) {
		(void)snprintf(err, errlen, "the session's time has passed");
		return MAIL_SEND_STALE;
	}
	if ((r = session_when(d, &ss, err, errlen)) != MAIL_SEND_OK)
		return r;
	return invite(ob, row, &ss, ICAL_INVITE_CANCELLED, x, err, errlen);
}

enum mail_send
mail_fill_moved(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct session ss;
	time_t usual;
	int told;
	enum mail_send r;

	if ((r = session_load(ob, row, d, &ss, 1, err, errlen)) !=
	    MAIL_SEND_OK)
		return r;
	if (strcmp(ss.o.state, "moved") != 0 ||
	    ss.o.start_utc != ss.key.when) {
		(void)snprintf(err, errlen, "the session was %s since",
		    strcmp(ss.o.state, "cancelled") == 0 ? "cancelled" :
		    "moved again");
		return MAIL_SEND_STALE;
	}
	if (ss.o.start_utc <= (int64_t)time(NULL)) {
		(void)snprintf(err, errlen, "the session's time has passed");
		return MAIL_SEND_STALE;
	}
	if (ical_local_to_utc(ss.s.tz, ss.key.date, ss.s.start_local,
	    &usual) == -1 || set_when(d, ss.s.tz, "old_", usual, 0) == -1) {
		(void)snprintf(err, errlen, "unknown time zone %.60s",
		    ss.s.tz);
		return MAIL_SEND_TEMP;
	}
	/* Moved back where it always was: tell only those told of a move. */
	if ((int64_t)usual == ss.o.start_utc && ss.o.room_id == ss.s.room_id &&
	    ss.o.end_utc - ss.o.start_utc == (int64_t)ss.s.length_min * 60) {
		told = db_remind_move_told(ob->db, ss.key.id, ss.key.date,
		    ss.key.client_id, row->id);
		if (told == -1) {
			(void)snprintf(err, errlen, "the earlier notices "
			    "cannot be read");
			return MAIL_SEND_TEMP;
		}
		if (!told) {
			(void)snprintf(err, errlen, "the session is back at "
			    "its usual time before any move was told");
			return MAIL_SEND_STALE;
		}
	}
	if ((r = session_when(d, &ss, err, errlen)) != MAIL_SEND_OK)
		return r;
	return invite(ob, row, &ss, ICAL_INVITE_MOVED, x, err, errlen);
}

enum mail_send
mail_fill_reinstated(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct session ss;
	enum mail_send r;

	if ((r = session_load(ob, row, d, &ss, 1, err, errlen)) !=
	    MAIL_SEND_OK)
		return r;
	if (strcmp(ss.o.state, "cancelled") == 0) {
		(void)snprintf(err, errlen, "the session was cancelled again");
		return MAIL_SEND_STALE;
	}
	if (ss.o.start_utc <= (int64_t)time(NULL)) {
		(void)snprintf(err, errlen, "the session's time has passed");
		return MAIL_SEND_STALE;
	}
	if ((r = session_when(d, &ss, err, errlen)) != MAIL_SEND_OK)
		return r;
	return invite(ob, row, &ss, ICAL_INVITE_SERIES, x, err, errlen);
}

/* 1 when the client unsubscribed (err says so), 0 not, -1 error. */
static int
unsubscribed(struct mail_outbox *ob, const struct db_outbox *row,
    char *err, size_t errlen)
{
	int rc = db_unsub_get(ob->db, row->referral_id);

	if (rc == 1)
		(void)snprintf(err, errlen, "the client unsubscribed");
	else if (rc == -1)
		(void)snprintf(err, errlen, "unsubscribes cannot be read");
	return rc;
}

enum mail_send
mail_fill_reminder(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct session ss;
	time_t now = time(NULL);
	char today[11], tomorrow[11], date[11], day[64], hhmm[6];
	enum mail_send r;
	int rc;

	(void)x;
	if ((r = session_load(ob, row, d, &ss, 1, err, errlen)) !=
	    MAIL_SEND_OK)
		return r;
	if (strcmp(ss.o.state, "cancelled") == 0 ||
	    ss.o.start_utc <= (int64_t)now) {
		(void)snprintf(err, errlen, "the session %s",
		    strcmp(ss.o.state, "cancelled") == 0 ? "was cancelled" :
		    "has begun");
		return MAIL_SEND_STALE;
	}
	if ((rc = unsubscribed(ob, row, err, errlen)) != 0)
		return rc == 1 ? MAIL_SEND_STALE : MAIL_SEND_TEMP;
	if ((r = session_when(d, &ss, err, errlen)) != MAIL_SEND_OK)
		return r;
	/* "today at 10:00", "tomorrow at 10:00", "on Friday 6 March ..." */
	if (ical_utc_to_local(ss.s.tz, now, today, NULL, NULL) == -1 ||
	    ical_utc_to_local(ss.s.tz, now + 24 * 60 * 60, tomorrow, NULL,
	    NULL) == -1 || ical_utc_to_local(ss.s.tz, (time_t)ss.o.start_utc,
	    date, NULL, NULL) == -1 || mail_when(ss.s.tz,
	    (time_t)ss.o.start_utc, day, sizeof(day), hhmm) == -1) {
		(void)snprintf(err, errlen, "unknown time zone %.60s",
		    ss.s.tz);
		return MAIL_SEND_TEMP;
	}
	if (strcmp(date, today) == 0)
		tmpl_data_setf(d, "when", "today at %s", hhmm);
	else if (strcmp(date, tomorrow) == 0)
		tmpl_data_setf(d, "when", "tomorrow at %s", hhmm);
	else
		tmpl_data_setf(d, "when", "on %s at %s", day, hhmm);
	return MAIL_SEND_OK;
}

enum mail_send
mail_fill_survey(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	char token[DB_OUTCOME_TOKEN_LEN];
	int rc;

	(void)x;
	if (row->referral_id <= 0 || row->referral_ref[0] == '\0') {
		(void)snprintf(err, errlen, "the referral no longer exists");
		return MAIL_SEND_PERM;
	}
	if ((rc = unsubscribed(ob, row, err, errlen)) != 0)
		return rc == 1 ? MAIL_SEND_STALE : MAIL_SEND_TEMP;
	switch (db_outcome_state(ob->db, row->referral_id)) {
	case OUTCOME_OPEN:
		break;
	case OUTCOME_ANSWERED:
		(void)snprintf(err, errlen, "the client answered already");
		return MAIL_SEND_STALE;
	case OUTCOME_GONE:
		(void)snprintf(err, errlen, "the client's details were "
		    "erased");
		return MAIL_SEND_PERM;
	default:
		(void)snprintf(err, errlen, "the survey cannot be read");
		return MAIL_SEND_TEMP;
	}
	if (ob->preview) {
		/* Staff read it: not the client's own link. */
		tmpl_data_set(d, "survey_url", "(their own survey link)");
		tmpl_data_set(d, "ref", row->referral_ref);
		return MAIL_SEND_OK;
	}
	if (db_outcome_token(ob->db, row->referral_id, token) == -1) {
		(void)snprintf(err, errlen, "the survey link cannot be made");
		return MAIL_SEND_TEMP;
	}
	tmpl_data_setf(d, "survey_url", "%s/outcome?t=%s", ob->base_url,
	    token);
	tmpl_data_set(d, "ref", row->referral_ref);
	return MAIL_SEND_OK;
}

/* A therapist's day, as the agenda lists it. */
struct agenda {
	struct tmpl_data	*d;
	const char		*tz;
	size_t			 live;	/* not cancelled */
	int			 bad;
};

static void
add_agenda(void *arg, const struct db_occ_row *r)
{
	struct agenda *a = arg;
	struct tmpl_data *e;
	char day[64], start[6], end[6];
	struct buf who = BUF_INIT;

	if (mail_when(a->tz, (time_t)r->start_utc, day, sizeof(day),
	    start) == -1 || mail_when(a->tz, (time_t)r->end_utc, day,
	    sizeof(day), end) == -1) {
		a->bad = 1;
		return;
	}
	e = tmpl_data_push(a->d, "sessions");
	tmpl_data_set(e, "time", start);
	tmpl_data_set(e, "end", end);
	if (r->group_id > 0)
		tmpl_data_set(e, "who", "Group session");
	else {
		name_initials(&who, r->who);
		if (r->client_ref[0] != '\0')
			tmpl_data_setf(e, "who", "%s (%s)", buf_cstr(&who),
			    r->client_ref);
		else
			tmpl_data_set(e, "who", buf_cstr(&who));
		buf_free(&who);
	}
	tmpl_data_set(e, "site", r->site);
	tmpl_data_set(e, "room", r->room);
	if (strcmp(r->state, "cancelled") == 0)
		tmpl_data_set(e, "state", "Cancelled");
	else {
		a->live++;
		if (strcmp(r->state, "moved") == 0)
			tmpl_data_set(e, "state", "Moved");
	}
}

enum mail_send
mail_fill_agenda(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct mail_key k;
	struct agenda a;
	time_t from, to, now = time(NULL);
	char next[11], day[64], hhmm[6];

	(void)x;
	if (mail_key_parse(row->dedupe_key, &k) == -1 ||
	    strcmp(k.kind, "therapist_agenda") != 0) {
		(void)snprintf(err, errlen, "the key \"%.60s\" names no "
		    "agenda", row->dedupe_key);
		return MAIL_SEND_PERM;
	}
	if (ical_local_to_utc(ob->tz, k.date, "00:00", &from) == -1 ||
	    ical_local_to_utc(ob->tz, k.date, "12:00", &to) == -1 ||
	    ical_utc_to_local(ob->tz, to + 24 * 60 * 60, next, NULL,
	    NULL) == -1 || ical_local_to_utc(ob->tz, next, "00:00", &to) ==
	    -1 || mail_when(ob->tz, from + 12 * 60 * 60, day, sizeof(day),
	    hhmm) == -1) {
		(void)snprintf(err, errlen, "unknown time zone %.60s", ob->tz);
		return MAIL_SEND_TEMP;
	}
	if (now >= to) {
		(void)snprintf(err, errlen, "the day is over");
		return MAIL_SEND_STALE;
	}
	memset(&a, 0, sizeof(a));
	a.d = d;
	a.tz = ob->tz;
	if (db_occ_each(ob->db, OCC_BY_THERAPIST, k.id, (int64_t)from,
	    (int64_t)to, add_agenda, &a) == -1 || a.bad) {
		(void)snprintf(err, errlen, "the sessions cannot be read");
		return MAIL_SEND_TEMP;
	}
	if (a.live == 0) {
		(void)snprintf(err, errlen, "no session is left that day");
		return MAIL_SEND_STALE;
	}
	tmpl_data_set(d, "day", day);
	tmpl_data_setf(d, "count", "%zu", a.live);
	tmpl_data_bool(d, "one", a.live == 1);
	tmpl_data_setf(d, "me_url", "%s/me", ob->base_url);
	return MAIL_SEND_OK;
}

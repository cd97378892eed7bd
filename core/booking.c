/*
 * booking: the booking actions (see booking.h) and the expansion of a
 * series rule into the occurrences db_series_book stores.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/booking.h"
#include "core/core.h"
#include "core/rules.h"
#include "core/terms.h"
#include "db/remind.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "util/buf.h"
#include "util/calendar.h"

const char *
core_tz(const struct core_ctx *c)
{
	return c->tz != NULL && *c->tz != '\0' ? c->tz : "Europe/London";
}

time_t
core_now(const struct core_ctx *c)
{
	return c->now != 0 ? c->now : time(NULL);
}

const char *
core_addr(const struct core_ctx *c)
{
	return c->addr != NULL ? c->addr : "";
}

const char *
core_domain(const struct core_ctx *c)
{
	return c->msgid_domain != NULL ? c->msgid_domain : "tutti.localhost";
}

/* The audit trail's address of ctx, never NULL. */
static const char *
addr_of(const struct core_ctx *c)
{
	return core_addr(c);
}

/* Writes a sentence into why (when there is room); returns res. */
static enum db_result
say(enum db_result res, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return res;
}

/* The plain words for a failure that stored nothing. */
static enum db_result
say_stored_nothing(enum db_result res, char *why, size_t whylen)
{
	return say(res, why, whylen, "The change could not be saved now.");
}

/* 1 when s is a local time "HH:MM" on a five-minute step, else 0. */
static int
is_start_time(const char *s)
{
	int hh, mm;

	return s != NULL && strlen(s) == 5 && s[2] == ':' &&
	    sscanf(s, "%2d:%2d", &hh, &mm) == 2 && hh >= 0 && hh <= 23 &&
	    mm >= 0 && mm <= 59 && mm % 5 == 0;
}

/* 1 when s is a real date "YYYY-MM-DD", else 0. */
static int
is_date(const char *s)
{
	struct tm tm;
	time_t t;
	int y, m, d;
	char tail;

	if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y,
	    &m, &d, &tail) != 3 || y < 1900 || y > 2100 || m < 1 || m > 12 ||
	    d < 1)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return tm.tm_mday == d;		/* not 31 April */
}

struct occ_list {
	struct db_occ	*v;
	size_t		 n;
	size_t		 cap;
	const char	*tz;
	int		 bad;	/* a session crosses midnight */
};

/* ical_series_expand's callback: one occurrence with its local times. */
/* ical_series_expand's callback: one occurrence with its local times. */
static int
occ_add(void *arg, const char *date, time_t start, time_t end)
{
	struct occ_list *l = arg;
	struct db_occ *o;
	char hhmm[6];
	int h = 0, m = 0;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->date, sizeof(o->date), "%s", date);
	o->start_utc = start;
	o->end_utc = end;
	(void)ical_utc_to_local(l->tz, start, NULL, hhmm, &o->weekday);
	(void)sscanf(hhmm, "%d:%d", &h, &m);
	o->start_min = h * 60 + m;
	(void)ical_utc_to_local(l->tz, end, NULL, hhmm, NULL);
	(void)sscanf(hhmm, "%d:%d", &h, &m);
	o->end_min = h * 60 + m;
	/* Ending at midnight is fine; crossing it is not. */
	if (o->end_min == 0 && end - start <= 24 * 3600)
		o->end_min = 24 * 60;
	if (o->end_min <= o->start_min)
		l->bad = 1;
	return 0;
}

/* The occurrences of a rule up to horizon (see booking.h). */
/* The occurrences of a rule up to horizon (see booking.h). */
int
core_booking_occurrences(const char *tz, const struct ical_series_rule *rule,
    time_t horizon, struct db_occ **out, size_t *n)
{
	struct occ_list l;
	char err[128];

	memset(&l, 0, sizeof(l));
	l.tz = tz;
	*out = NULL;
	*n = 0;
	if (ical_series_expand(rule, 0, horizon, occ_add, &l, err,
	    sizeof(err)) == -1) {
		free(l.v);
		return -1;
	}
	if (l.bad) {
		free(l.v);
		return 1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* One occurrence (see booking.h). */
/* One occurrence (see booking.h). */
int
core_booking_occ_at(const char *tz, const char *date, const char *hhmm,
    int length_min, struct db_occ *o)
{
	struct occ_list l;
	time_t t;
	int rc;

	memset(&l, 0, sizeof(l));
	l.tz = tz;
	if (ical_local_to_utc(tz, date, hhmm, &t) == -1)
		return -1;
	(void)occ_add(&l, date, t, t + (time_t)length_min * 60);
	rc = l.bad ? -1 : 0;
	*o = l.v[0];
	free(l.v);
	return rc;
}

/* 128 random bits in hex, at domain. */
/* 128 random bits in hex, at domain. */
void
core_booking_uid(const char *domain, char *out, size_t n)
{
	unsigned char r[16];
	char hex[33];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, n, "%s@%s", hex, domain);
}

/* Checks b against the rules a series must keep; DB_OK or DB_INVALID. */
static enum db_result
book_check(const struct core_ctx *c, const struct core_booking *b,
    char *why, size_t whylen)
{
	int64_t therapist_of_client = 0, referral = 0;

	if ((b->client_id > 0) == (b->group_id > 0))
		return say(DB_INVALID, why, whylen, "Choose either a client "
		    "or a group.");
	if (b->client_id > 0 && db_client_get(c->db, b->client_id,
	    &therapist_of_client, &referral) != 1)
		return say(DB_INVALID, why, whylen, "That client is not on a "
		    "caseload: assign them to a therapist first.");
	if (b->therapist_id <= 0 || b->site_id <= 0)
		return say(DB_INVALID, why, whylen, "Choose a therapist and a "
		    "site.");
	if (!is_date(b->first_date))
		return say(DB_INVALID, why, whylen, "Enter the first date as "
		    "year-month-day, for example 2026-12-01.");
	if (!is_start_time(b->start_local))
		return say(DB_INVALID, why, whylen, "Enter the start time as "
		    "hours and minutes, for example 10:00.");
	if (b->length_min < SCHED_SESSION_SHORTEST ||
	    b->length_min > SCHED_SESSION_LONGEST)
		return say(DB_INVALID, why, whylen, "A session lasts %d to %d "
		    "minutes.", SCHED_SESSION_SHORTEST, SCHED_SESSION_LONGEST);
	if (b->count < 0 || b->count > SCHED_SERIES_COUNT_MAX ||
	    (b->count > 0 && b->until_date != NULL))
		return say(DB_INVALID, why, whylen, "Enter how many sessions to "
		    "book, from 1 to %d.", SCHED_SERIES_COUNT_MAX);
	if (b->until_date != NULL && (!is_date(b->until_date) ||
	    strcmp(b->until_date, b->first_date) < 0))
		return say(DB_INVALID, why, whylen, "Enter the last date, on or "
		    "after the first date.");
	return DB_OK;
}

/*
 * The sessions of a term-time series: one occurrence per date of p in
 * zone tz at start for length_min into *out (free() it).  0, 1 when a
 * session would cross midnight, -1 on a bad time.
 */
static int
term_occurrences(const char *tz, const struct core_term_plan *p,
    const char *start, int length_min, struct db_occ **out, size_t *n)
{
	struct db_occ *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (p->d.ndates == 0)
		return 0;
	v = xcalloc(p->d.ndates, sizeof(*v));
	for (i = 0; i < p->d.ndates; i++)
		if (core_booking_occ_at(tz, p->d.dates[i], start, length_min,
		    &v[i]) == -1) {
			free(v);
			return 1;
		}
	*out = v;
	*n = p->d.ndates;
	return 0;
}

/*
 * Why a term-time plan cannot be booked, in why; DB_OK when it can.
 */
static enum db_result
term_check(const struct core_term_plan *p, char *why, size_t whylen)
{
	char last[48];

	if (p->d.ndates == 0)
		return say(DB_INVALID, why, whylen, "There are no term-time "
		    "dates from that first date: this site's terms end "
		    "before it. Add the next terms on the site's page.");
	if (p->count > 0 && p->d.ndates < (size_t)p->count) {
		core_date_words(p->d.dates[p->d.ndates - 1], last,
		    sizeof(last));
		return say(DB_INVALID, why, whylen, "Only %zu of the %d "
		    "sessions fit in the terms entered for this site (the "
		    "last on %s). Add the next terms on the site's page, or "
		    "book fewer sessions.", p->d.ndates, p->count, last);
	}
	return DB_OK;
}

/* Books a series (see booking.h). */
enum db_result
core_series_book(const struct core_ctx *c, const struct core_booking *b,
    int64_t *series_id, char *why, size_t whylen)
{
	const char *tz = core_tz(c);
	struct db_series_new s;
	struct ical_series_rule rule;
	struct core_term_plan plan, closed;
	struct db_occ *occ = NULL;
	size_t nocc = 0;
	char uid[80], horizon_date[11];
	time_t horizon;
	enum db_result res;
	int rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	*series_id = 0;
	memset(&plan, 0, sizeof(plan));
	if ((res = book_check(c, b, why, whylen)) != DB_OK)
		return res;
	if (core_term_plan(c->db, b->site_id, b->first_date, b->count,
	    b->until_date, &plan) == -1)
		return say_stored_nothing(DB_ERROR, why, whylen);
	if (b->skip_closed) {
		/* The site's closures and the therapist's leave are weeks
		 * off, as its holidays are. */
		if (core_closure_plan(c->db, b->site_id, b->therapist_id,
		    b->first_date, b->count, b->until_date, &closed) == -1) {
			res = say_stored_nothing(DB_ERROR, why, whylen);
			goto out;
		}
		if (closed.closed) {
			core_term_plan_free(&plan);
			plan = closed;
		}
	}
	if (plan.has_terms && (res = term_check(&plan, why, whylen)) !=
	    DB_OK)
		goto out;
	memset(&rule, 0, sizeof(rule));
	rule.tz = tz;
	rule.first_date = b->first_date;
	rule.start_local = b->start_local;
	rule.length_min = b->length_min;
	rule.count = b->count;
	rule.until_date = b->until_date;
	if (calendar_date_add(b->first_date, SCHEDULE_HORIZON_DAYS, horizon_date) ==
	    -1 || ical_local_to_utc(tz, horizon_date, "00:00", &horizon) == -1) {
		res = say(DB_INVALID, why, whylen, "Check the first date.");
		goto out;
	}
	rc = plan.has_terms || plan.closed ? term_occurrences(tz, &plan, b->start_local,
	    b->length_min, &occ, &nocc) : core_booking_occurrences(tz, &rule,
	    horizon, &occ, &nocc);
	switch (rc) {
	case 0:
		break;
	case 1:
		res = say(DB_INVALID, why, whylen, "A session must end by "
		    "midnight.");
		goto out;
	default:
		res = say(DB_INVALID, why, whylen, "Check the dates and "
		    "times.");
		goto out;
	}
	if (nocc > 0 && occ[0].start_utc < (int64_t)core_now(c)) {
		res = say(DB_INVALID, why, whylen, "The first session must be "
		    "in the future.");
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.therapist_id = b->therapist_id;
	s.client_id = b->client_id;
	s.group_id = b->group_id;
	s.site_id = b->site_id;
	s.room_id = b->room_id;
	s.tz = tz;
	s.first_date = b->first_date;
	s.start_local = b->start_local;
	s.length_min = b->length_min;
	s.count = b->count;
	s.until_date = b->until_date;
	s.created_by = c->user_id;
	/* Staff bookings wait the grace period, and may be undone in it. */
	s.grace_s = c->user_id > 0 ? c->grace_s : 0;
	if ((plan.has_terms || plan.closed) && plan.d.ndates > 0) {
		/* The rule runs from the first session to the last; the
		 * holiday (or closed) weeks between are its skips. */
		s.first_date = plan.d.dates[0];
		s.count = 0;
		s.until_date = plan.d.dates[plan.d.ndates - 1];
		s.term_time = plan.has_terms;
		s.skips = (const char (*)[11])plan.d.skipped;
		s.nskips = plan.d.nskipped;
	}
	core_booking_uid(c->msgid_domain, uid, sizeof(uid));
	res = db_series_book(c->db, &s, occ, nocc, uid, c->msgid_domain,
	    series_id, why, whylen);
	switch (res) {
	case DB_OK:
		if (why != NULL && whylen > 0)
			why[0] = '\0';
		break;
	case DB_CONFLICT:
	case DB_INVALID:
		/* The records refused it (a clash, or no session at all). */
		if (why != NULL && whylen > 0 && why[0] == '\0')
			(void)say(DB_CONFLICT, why, whylen, "Those sessions "
			    "cannot be booked.");
		res = DB_CONFLICT;
		break;
	default:
		res = say(res, why, whylen, "The booking could not be saved "
		    "just now. Nothing was booked. Try again.");
	}
out:
	free(occ);
	core_term_plan_free(&plan);
	return res;
}

/* Cancels one session (see booking.h). */
enum db_result
core_occ_cancel(const struct core_ctx *c, int64_t series_id,
    const char *date, enum db_cancel_by by, const char *reason, char *why,
    size_t whylen)
{
	enum db_result res;

	if (date == NULL || reason == NULL || *reason == '\0')
		return say(DB_INVALID, why, whylen, "Choose the session, who "
		    "cancelled it, and give a reason.");
	res = db_occ_cancel(c->db, series_id, date, by, reason, c->user_id,
	    addr_of(c), c->grace_s, c->msgid_domain);
	if (res == DB_INVALID)
		return say(res, why, whylen, "That session cannot be "
		    "cancelled: it is past or cancelled already.");
	if (res != DB_OK)
		return say_stored_nothing(res, why, whylen);
	return say(DB_OK, why, whylen, "%s", "");
}

/* Moves one session (see booking.h). */
enum db_result
core_occ_move(const struct core_ctx *c, int64_t series_id, const char *date,
    const char *new_date, const char *new_start, int64_t room_id,
    const char *reason, char *why, size_t whylen)
{
	struct db_series s;
	struct db_occ to;
	enum db_result res;
	int rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if ((rc = db_series_get(c->db, series_id, &s)) == -1)
		return say_stored_nothing(DB_ERROR, why, whylen);
	if (rc == 0)
		return say(DB_INVALID, why, whylen, "There is no such series.");
	if (date == NULL || !is_date(new_date) || new_start == NULL ||
	    core_booking_occ_at(s.tz, new_date, new_start, s.length_min,
	    &to) == -1)
		return say(DB_INVALID, why, whylen, "Enter the new date "
		    "(year-month-day) and time (hours:minutes).");
	res = db_occ_move(c->db, series_id, date, &to, room_id,
	    reason != NULL ? reason : "", c->user_id, addr_of(c), c->grace_s,
	    c->msgid_domain, why, whylen);
	if (res == DB_OK)
		return say(DB_OK, why, whylen, "%s", "");
	if (why != NULL && whylen > 0 && why[0] != '\0')
		return res;
	return say_stored_nothing(res, why, whylen);
}

/* Ends a series (see booking.h). */
enum db_result
core_series_end(const struct core_ctx *c, int64_t series_id,
    const char *from_date, const char *reason, char *why, size_t whylen)
{
	enum db_result res;

	if (!is_date(from_date) || reason == NULL || *reason == '\0')
		return say(DB_INVALID, why, whylen, "Enter the date from which "
		    "there are no more sessions, and a reason.");
	res = db_series_end(c->db, series_id, from_date, reason, c->user_id,
	    addr_of(c));
	if (res != DB_OK)
		return say(DB_INVALID, why, whylen, "This series has already "
		    "ended.");
	return say(DB_OK, why, whylen, "%s", "");
}

/* Takes back a cancellation (see booking.h). */
enum db_result
core_occ_reinstate(const struct core_ctx *c, int64_t series_id,
    const char *date, int *notified, char *why, size_t whylen)
{
	enum db_result res;
	int withdrawn = 0;

	*notified = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (date == NULL)
		return say(DB_INVALID, why, whylen, "Choose the session.");
	res = db_occ_reinstate(c->db, series_id, date, c->user_id,
	    addr_of(c), c->grace_s, c->msgid_domain, &withdrawn, notified,
	    why, whylen);
	if (res == DB_OK)
		return say(DB_OK, why, whylen, "%s", "");
	if (why != NULL && whylen > 0 && why[0] != '\0')
		return res;
	return say_stored_nothing(res, why, whylen);
}

/* The place an ended series frees (see booking.h). */
int
core_freed_place(const struct core_ctx *c, const struct db_series *s,
    int limit, int *weekday, void (*fn)(void *, int64_t, const char *,
    const char *, const char *), void *arg)
{
	time_t t;
	int hh = 0, mm = 0, wd;

	*weekday = 0;
	if (strcmp(s->status, "active") == 0 ||
	    sscanf(s->start_local, "%d:%d", &hh, &mm) != 2 ||
	    ical_local_to_utc(s->tz, s->first_date, s->start_local, &t) != 0 ||
	    ical_utc_to_local(s->tz, t, NULL, NULL, &wd) != 0)
		return 0;
	*weekday = wd;
	if (db_waitlist_for_slot(c->db, wd * SCHED_PARTS +
	    core_rule_day_part(hh), limit, fn, arg) == -1)
		return -1;
	return 1;
}

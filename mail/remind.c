/*
 * mail/remind: turning due reminders and agendas into outbox rows.
 *
 * Each time round its loop the mailer calls mail_reminders_queue with
 * the time; for each offset it asks for the occurrences that start in
 * the window where that reminder is due (see mail.h), a range query on
 * the index occurrences_week, and inserts the rows with ON CONFLICT DO
 * NOTHING on their dedupe keys, all offsets in one transaction.  So
 * nothing is queued twice, however often it runs or how many mailers
 * run, and only what is due is ever queued: reminders are never made at
 * booking time.  Who gets one (consent, address, unsubscribes, group
 * members) is decided in db_remind_queue; whether what a queued reminder
 * says is still true (the session was cancelled meanwhile, the client
 * unsubscribed) is checked again when it is sent (session.c).
 *
 * A reminder's key names the occurrence by its original date and the
 * offset, so a session moved after its reminder went gets no second one
 * at that offset (the move notice tells the new time); one moved before
 * its reminder is due is reminded of at its new time.  A reminder of a
 * session cancelled and then taken back (db_occ_reinstate) before it is
 * due is queued as usual.
 *
 * Agendas: once the local time of day passes TUTTI_AGENDA, each
 * therapist with a staff account and a session still to come today gets
 * one email listing the day's sessions (kind therapist_agenda).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/db.h"
#include "db/remind.h"
#include "ical/ical.h"
#include "mail/mail.h"

#define OFFSET_MIN	10			/* seconds */
#define OFFSET_MAX	(14L * 24 * 60 * 60)	/* two weeks */
#define AGENDA_DEFAULT	(7 * 60)		/* 07:00 */

void
mail_remind_defaults(struct mail_remind *r)
{
	memset(r, 0, sizeof(*r));
	r->offsets[0] = 48L * 60 * 60;
	r->offsets[1] = 2L * 60 * 60;
	r->noffsets = 2;
	r->agenda_min = -1;
	r->tz = "Europe/London";
	r->msgid_domain = "tutti.localhost";
}

/* 1 when s is empty, "0" or "off" (any case), after leading blanks. */
static int
is_off(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' || strcmp(s, "0") == 0 || strcasecmp(s, "off") == 0;
}

int
mail_remind_offsets_check(const long *offsets, size_t n, long lease,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (offsets[i] < lease) {
			(void)snprintf(err, errlen, "a reminder %ld seconds "
			    "before a session is shorter than the mailer's "
			    "lease (%ld seconds): one in hand at a crash would "
			    "be dropped, not sent", offsets[i], lease);
			return -1;
		}
	return 0;
}

int
mail_remind_offsets_parse(const char *s, long out[MAIL_REMIND_MAX],
    size_t *n, char *err, size_t errlen)
{
	long v[MAIL_REMIND_MAX], x, unit, t;
	size_t k = 0, i, j;
	const char *p = s;
	char *end;

	if (s == NULL || is_off(s)) {
		*n = 0;
		return 0;
	}
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		x = strtol(p, &end, 10);
		if (errno != 0 || x <= 0 || x > OFFSET_MAX)
			goto bad;
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 60 * 60; break;
		case 'd': unit = 24 * 60 * 60; break;
		default: goto bad;
		}
		if (x > OFFSET_MAX / unit || x * unit < OFFSET_MIN) {
			(void)snprintf(err, errlen, "reminder offsets are from "
			    "10 seconds to 14 days: \"%.40s\"", s);
			return -1;
		}
		t = x * unit;
		for (i = 0; i < k && v[i] != t; i++)
			;
		if (i == k) {
			if (k == MAIL_REMIND_MAX) {
				(void)snprintf(err, errlen, "at most %d "
				    "reminder offsets", MAIL_REMIND_MAX);
				return -1;
			}
			v[k++] = t;
		}
		p = end + 1;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	/* Largest first: few, so insertion sort. */
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && v[j - 1] < v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	memcpy(out, v, k * sizeof(v[0]));
	*n = k;
	return 0;
bad:
	(void)snprintf(err, errlen, "reminder offsets are numbers with a "
	    "unit, s, m, h or d, separated by commas (\"48h,2h\"), not "
	    "\"%.40s\"", s);
	return -1;
}

int
mail_agenda_parse(const char *s, int *minute, char *err, size_t errlen)
{
	int h, m;
	char extra;

	if (s == NULL || is_off(s)) {
		*minute = -1;
		return 0;
	}
	if (strcmp(s, "1") == 0 || strcasecmp(s, "on") == 0) {
		*minute = AGENDA_DEFAULT;
		return 0;
	}
	if (strlen(s) == 5 && sscanf(s, "%2d:%2d%c", &h, &m, &extra) == 2 &&
	    isdigit((unsigned char)s[0]) && s[2] == ':' && h >= 0 && h < 24 &&
	    m >= 0 && m < 60) {
		*minute = h * 60 + m;
		return 0;
	}
	(void)snprintf(err, errlen, "the agenda setting is 0, 1 or a time "
	    "of day HH:MM, not \"%.20s\"", s);
	return -1;
}

long
mail_remind_slack(long offset)
{
	return offset / 2 < MAIL_REMIND_SLACK ? offset / 2 : MAIL_REMIND_SLACK;
}

int
mail_remind_due(time_t start, long offset, time_t now)
{
	time_t due = start - (time_t)offset;

	return now >= due && now <= due + (time_t)mail_remind_slack(offset) &&
	    now < start;
}

/* Writes t as ISO 8601 UTC, as db_now does. */
static void
iso(time_t t, char out[21])
{
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
mail_reminders_queue(struct db *db, const struct mail_remind *r,
    time_t now)
{
	char now_iso[21];
	int64_t from, to;
	size_t i;
	int n, total = 0;

	if (r->noffsets == 0)
		return 0;
	iso(now, now_iso);
	if (db_begin(db) == -1)
		return -1;
	for (i = 0; i < r->noffsets; i++) {
		/* mail_remind_due, as a range of starts. */
		to = (int64_t)now + r->offsets[i];
		from = to - mail_remind_slack(r->offsets[i]);
		if (from <= (int64_t)now)
			from = (int64_t)now + 1;
		if ((n = db_remind_queue(db, from, to, r->offsets[i], now_iso,
		    r->msgid_domain)) == -1) {
			db_rollback(db);
			return -1;
		}
		total += n;
	}
	if (db_commit(db) == -1)
		return -1;
	return total;
}

int
mail_agenda_queue(struct db *db, const struct mail_remind *r, time_t now)
{
	char today[11], tomorrow[11], hhmm[6], now_iso[21];
	time_t day_end;
	int h, m, n;

	if (r->agenda_min < 0)
		return 0;
	if (ical_utc_to_local(r->tz, now, today, hhmm, NULL) == -1 ||
	    sscanf(hhmm, "%d:%d", &h, &m) != 2) {
		fprintf(stderr, "tutti-mailer: agendas: unknown zone %s\n",
		    r->tz);
		return -1;
	}
	if (h * 60 + m < r->agenda_min)
		return 0;
	/* The next local midnight: noon today plus a day, read locally. */
	if (ical_local_to_utc(r->tz, today, "12:00", &day_end) == -1 ||
	    ical_utc_to_local(r->tz, day_end + 24 * 60 * 60, tomorrow, NULL,
	    NULL) == -1 ||
	    ical_local_to_utc(r->tz, tomorrow, "00:00", &day_end) == -1)
		return -1;
	iso(now, now_iso);
	if (db_begin(db) == -1)
		return -1;
	if ((n = db_agenda_queue(db, today, (int64_t)now, (int64_t)day_end,
	    now_iso, r->msgid_domain)) == -1) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) == -1)
		return -1;
	return n;
}

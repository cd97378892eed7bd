/*
 * The events of a series, built as libical components: the main VEVENT
 * with its rule and exclusions, one per moved (or, for invitations,
 * cancelled) session, the zones they use, and the text that goes in.
 * libical writes them: it escapes and folds; nothing here pastes
 * iCalendar text together.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "db/feeds.h"
#include "ical/ical.h"
#include "ical/ical_int.h"
#include "util/buf.h"

static void
fail(char *err, size_t errlen, const char *what, const char *detail)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s%s%s", what, *detail ? ": " : "",
		    detail);
}

/* ---- text ---- */

/* Appends the n bytes of one character if the total stays in bounds. */
static int
put_char(struct buf *out, size_t start, const void *c, size_t n)
{
	if (out->len - start + n > ICAL_TEXT_MAX)
		return -1;
	buf_append(out, c, n);
	return 0;
}

/*
 * Length of the well-formed UTF-8 character at p (fewer than left bytes
 * remain is malformed), with its code point; 0 when malformed.
 */
static size_t
utf8_char(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (len > left)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

void
ical_text_clean(struct buf *out, const char *s, size_t n)
{
	static const unsigned char replacement[] = { 0xef, 0xbf, 0xbd };
	const unsigned char *p = (const unsigned char *)s;
	size_t start = out->len, i = 0, len;
	uint32_t cp;
	int r;

	buf_reserve(out, n < ICAL_TEXT_MAX ? n : ICAL_TEXT_MAX);
	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] == '\r' || p[i] == '\n') {
				r = put_char(out, start, "\n", 1);
				if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
					i++;
			} else if (p[i] < 0x20 || p[i] == 0x7f)
				r = put_char(out, start, " ", 1);
			else
				r = put_char(out, start, &p[i], 1);
			i++;
		} else if ((len = utf8_char(p + i, n - i, &cp)) == 0) {
			r = put_char(out, start, replacement, 3);
			i++;
		} else {
			if (cp >= 0x80 && cp <= 0x9f)
				r = put_char(out, start, " ", 1);
			else
				r = put_char(out, start, p + i, len);
			i += len;
		}
		if (r == -1)
			break;
	}
	/* No blank lines or spaces at either end: libical's parser drops
	 * them, and they mean nothing in a name. */
	while (out->len > start && (out->data[out->len - 1] == ' ' ||
	    out->data[out->len - 1] == '\n'))
		out->data[--out->len] = '\0';
	for (i = start; i < out->len && (out->data[i] == ' ' ||
	    out->data[i] == '\n'); i++)
		;
	if (i > start) {
		memmove(out->data + start, out->data + i, out->len - i + 1);
		out->len -= i - start;
	}
}

/* A TEXT property of kind holding the cleaned s; NULL when that is "". */
static icalproperty *
text_prop(icalproperty_kind kind, const char *s)
{
	struct buf b = BUF_INIT;
	icalproperty *p;

	ical_text_clean(&b, s, strlen(s));
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	switch (kind) {
	case ICAL_SUMMARY_PROPERTY:
		p = icalproperty_new_summary(buf_cstr(&b));
		break;
	case ICAL_LOCATION_PROPERTY:
		p = icalproperty_new_location(buf_cstr(&b));
		break;
	default:
		p = icalproperty_new_description(buf_cstr(&b));
		break;
	}
	buf_free(&b);
	return p;
}

void
ical_location(struct buf *out, const char *room, const char *site,
    const char *address)
{
	const char *parts[3];
	size_t i, n0 = out->len;

	parts[0] = room;
	parts[1] = site;
	parts[2] = address;
	for (i = 0; i < 3; i++) {
		if (parts[i] == NULL || *parts[i] == '\0')
			continue;
		if (out->len > n0)
			buf_puts(out, ", ");
		buf_puts(out, parts[i]);
	}
}

/* ---- times ---- */

static icaltimezone *
zone(const char *tz)
{
	if (tz == NULL || *tz == '\0')
		return NULL;
	return icaltimezone_get_builtin_timezone(tz);
}

/* Reads YYYY-MM-DD and HH:MM into a floating local time; 0 or -1. */
static int
local_time(const char *date, const char *hhmm, struct icaltimetype *t)
{
	int y, m, d, hh = 0, mm = 0;
	char extra;

	if (sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
	    sscanf(hhmm, "%2d:%2d%c", &hh, &mm, &extra) != 2)
		return -1;
	if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 ||
	    d > icaltime_days_in_month(m, y) || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59)
		return -1;
	*t = icaltime_null_time();
	t->year = y;
	t->month = m;
	t->day = d;
	t->hour = hh;
	t->minute = mm;
	return 0;
}

/* The floating local time in z of UTC time t. */
static struct icaltimetype
floating_of(time_t t, icaltimezone *z)
{
	struct icaltimetype lt = icaltime_from_timet_with_zone(t, 0, z);

	lt.zone = NULL;
	lt.is_daylight = 0;
	return lt;
}

static struct icaltimetype
utc_of(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
}

/* ISO 8601 UTC ("2026-01-05T10:00:00Z") as a UTC time; else the epoch. */
static struct icaltimetype
utc_iso(const char *iso)
{
	struct icaltimetype t = icaltime_null_time();
	int y, mo, d, h, mi, s;

	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi,
	    &s) != 6 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || s > 60)
		return utc_of(0);
	t.year = y;
	t.month = mo;
	t.day = d;
	t.hour = h;
	t.minute = mi;
	t.second = s > 59 ? 59 : s;
	t.zone = icaltimezone_get_utc_timezone();
	return t;
}

/* Adds a date-time property of kind at floating t with TZID tz. */
static void
add_zoned(icalcomponent *ev, icalproperty_kind kind, struct icaltimetype t,
    const char *tz)
{
	icalproperty *p;

	switch (kind) {
	case ICAL_DTSTART_PROPERTY:
		p = icalproperty_new_dtstart(t);
		break;
	case ICAL_DTEND_PROPERTY:
		p = icalproperty_new_dtend(t);
		break;
	case ICAL_RECURRENCEID_PROPERTY:
		p = icalproperty_new_recurrenceid(t);
		break;
	default:
		p = icalproperty_new_exdate(t);
		break;
	}
	icalproperty_add_parameter(p, icalparameter_new_tzid(tz));
	icalcomponent_add_property(ev, p);
}

/* ---- components ---- */

icalcomponent *
ical_calendar_new(icalproperty_method method)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);

	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid(ICAL_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	return cal;
}

int
ical_timezones_add(icalcomponent *cal, const struct db_feed_series *s,
    size_t n, char *err, size_t errlen)
{
	const char **tz = NULL;
	int *year = NULL, y;
	size_t ntz = 0, i, j;
	icalcomponent *vtz;
	icalproperty *p;
	icaltimezone *z;
	struct icaltimetype from;
	int rc;

	tz = xcalloc(n + 1, sizeof(*tz));
	year = xcalloc(n + 1, sizeof(*year));
	for (i = 0; i < n; i++) {
		if (sscanf(s[i].first_date, "%4d", &y) != 1)
			y = 1970;
		for (j = 0; j < ntz; j++)
			if (strcmp(tz[j], s[i].tz) == 0)
				break;
		if (j == ntz) {
			tz[ntz] = s[i].tz;
			year[ntz++] = y;
		} else if (y < year[j])
			year[j] = y;
	}
	for (j = 0; j < ntz; j++) {
		if ((z = zone(tz[j])) == NULL) {
			/* Its series are left out (ical_event_master). */
			fail(err, errlen, "unknown time zone", tz[j]);
			continue;
		}
		vtz = icalcomponent_new_clone(icaltimezone_get_component(z));
		/* From the first of January of the year before the first
		 * session: Outlook-compatible rules (ms_compatible). */
		from = icaltime_null_time();
		from.year = year[j] - 1;
		from.month = 1;
		from.day = 1;
		from.zone = icaltimezone_get_utc_timezone();
		icaltimezone_truncate_vtimezone(vtz, from, icaltime_null_time(),
		    1);
		/* The plain IANA name, not libical's
		 * /freeassociation.sourceforge.net/ one. */
		if ((p = icalcomponent_get_first_property(vtz,
		    ICAL_TZID_PROPERTY)) != NULL)
			icalproperty_set_tzid(p, tz[j]);
		else
			icalcomponent_add_property(vtz,
			    icalproperty_new_tzid(tz[j]));
		icalcomponent_add_component(cal, vtz);
	}
	rc = 0;
	free(tz);
	free(year);
	return rc;
}

/* UID, DTSTAMP, LAST-MODIFIED, SEQUENCE and (when set) CREATED. */
static void
add_stamps(icalcomponent *ev, const char *uid, const char *changed,
    const char *created, int sequence)
{
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	icalcomponent_add_property(ev,
	    icalproperty_new_dtstamp(utc_iso(changed)));
	if (created != NULL)
		icalcomponent_add_property(ev,
		    icalproperty_new_created(utc_iso(created)));
	icalcomponent_add_property(ev,
	    icalproperty_new_lastmodified(utc_iso(changed)));
	icalcomponent_add_property(ev, icalproperty_new_sequence(sequence));
}

/* SUMMARY, LOCATION, DESCRIPTION, CLASS and STATUS. */
static void
add_words(icalcomponent *ev, const struct ical_words *w, const char *room,
    const struct db_feed_series *s, int cancelled)
{
	struct buf loc = BUF_INIT;
	icalproperty *p;

	if ((p = text_prop(ICAL_SUMMARY_PROPERTY, w->summary)) != NULL)
		icalcomponent_add_property(ev, p);
	ical_location(&loc, room, s->site, s->site_address);
	if ((p = text_prop(ICAL_LOCATION_PROPERTY, buf_cstr(&loc))) != NULL)
		icalcomponent_add_property(ev, p);
	buf_free(&loc);
	if (w->description != NULL &&
	    (p = text_prop(ICAL_DESCRIPTION_PROPERTY, w->description)) != NULL)
		icalcomponent_add_property(ev, p);
	if (w->private_class)
		icalcomponent_add_property(ev,
		    icalproperty_new_class(ICAL_CLASS_PRIVATE));
	icalcomponent_add_property(ev, icalproperty_new_status(cancelled ?
	    ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
}

struct last {
	int	 n;
	char	 date[11];
};

static int
last_one(void *arg, const char *date, time_t start, time_t end)
{
	struct last *l = arg;

	(void)start;
	(void)end;
	l->n++;
	memcpy(l->date, date, sizeof(l->date));
	return 0;
}

/*
 * Adds the series' RRULE (none when an ended series has no session
 * left).  Returns 0, or -1 on a rule libical cannot expand.
 */
static int
add_rule(icalcomponent *ev, const struct db_feed_series *s, char *err,
    size_t errlen)
{
	struct icalrecurrencetype r;
	struct ical_series_rule rule;
	struct last l;
	const char *last = NULL;
	time_t t;

	icalrecurrencetype_clear(&r);
	r.freq = ICAL_WEEKLY_RECURRENCE;
	if (s->ended_from[0] != '\0') {
		/* Cut at the last session before the end: COUNT and UNTIL
		 * may not both be given. */
		memset(&rule, 0, sizeof(rule));
		rule.tz = s->tz;
		rule.first_date = s->first_date;
		rule.start_local = s->start_local;
		rule.length_min = s->length_min;
		rule.count = s->count;
		rule.until_date = s->until_date[0] ? s->until_date : NULL;
		rule.ended_from = s->ended_from;
		memset(&l, 0, sizeof(l));
		if (ical_series_expand(&rule, 0, (time_t)4102444800LL,
		    last_one, &l, err, errlen) == -1)
			return -1;
		if (l.n == 0)
			return 0;
		if (s->count > 0 && l.n == s->count)
			r.count = s->count;
		else
			last = l.date;
	} else if (s->count > 0)
		r.count = s->count;
	else if (s->until_date[0] != '\0')
		last = s->until_date;
	if (last != NULL) {
		/* UNTIL is in UTC when DTSTART has a zone (RFC 5545). */
		if (ical_local_to_utc(s->tz, last, s->start_local, &t) == -1) {
			fail(err, errlen, "bad last date", last);
			return -1;
		}
		r.until = utc_of(t);
	}
	icalcomponent_add_property(ev, icalproperty_new_rrule(r));
	return 0;
}

int
ical_exception_in_range(const struct db_feed_series *s,
    const struct db_feed_exception *x)
{
	return strcmp(x->date, s->first_date) >= 0 &&
	    (s->ended_from[0] == '\0' ||
	    strcmp(x->date, s->ended_from) < 0) &&
	    (s->until_date[0] == '\0' ||
	    strcmp(x->date, s->until_date) <= 0);
}

icalcomponent *
ical_event_master(const struct db_feed_series *s, const struct ical_words *w,
    int exdates, enum ical_status status, char *err, size_t errlen)
{
	struct icaltimetype start, end, ex;
	icalcomponent *ev;
	size_t i;

	if (zone(s->tz) == NULL) {
		fail(err, errlen, "unknown time zone", s->tz);
		return NULL;
	}
	if (local_time(s->first_date, s->start_local, &start) == -1 ||
	    s->length_min <= 0) {
		fail(err, errlen, "bad first date or start", s->uid);
		return NULL;
	}
	end = icaltime_add(start, icaldurationtype_from_int(s->length_min *
	    60));
	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	add_stamps(ev, w->uid, s->updated_at, s->created_at, s->sequence);
	add_zoned(ev, ICAL_DTSTART_PROPERTY, start, s->tz);
	add_zoned(ev, ICAL_DTEND_PROPERTY, end, s->tz);
	if (add_rule(ev, s, err, errlen) == -1) {
		icalcomponent_free(ev);
		return NULL;
	}
	for (i = 0; exdates && i < s->nexceptions; i++) {
		if (s->exceptions[i].moved ||
		    !ical_exception_in_range(s, &s->exceptions[i]) ||
		    local_time(s->exceptions[i].date, s->start_local, &ex) ==
		    -1)
			continue;
		add_zoned(ev, ICAL_EXDATE_PROPERTY, ex, s->tz);
	}
	add_words(ev, w, s->room, s, status == ICAL_STATUS_IS_CANCELLED ||
	    (status == ICAL_STATUS_OF_SERIES &&
	    strcmp(s->status, "active") != 0));
	return ev;
}

icalcomponent *
ical_event_exception(const struct db_feed_series *s,
    const struct db_feed_exception *x, const struct ical_words *w,
    int cancel, char *err, size_t errlen)
{
	icaltimezone *z = zone(s->tz);
	struct icaltimetype rid, start, end;
	icalcomponent *ev;
	int active = strcmp(s->status, "active") == 0, len;

	if (z == NULL) {
		fail(err, errlen, "unknown time zone", s->tz);
		return NULL;
	}
	if (local_time(x->date, s->start_local, &rid) == -1) {
		fail(err, errlen, "bad session date", x->date);
		return NULL;
	}
	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	add_stamps(ev, w->uid, x->created_at, NULL, active ? x->sequence :
	    s->sequence);
	add_zoned(ev, ICAL_RECURRENCEID_PROPERTY, rid, s->tz);
	if (x->moved && !cancel) {
		len = x->new_length_min > 0 ? x->new_length_min :
		    s->length_min;
		start = floating_of((time_t)x->new_start_utc, z);
		end = floating_of((time_t)x->new_start_utc + (time_t)len * 60,
		    z);
	} else {
		start = rid;
		end = icaltime_add(rid, icaldurationtype_from_int(
		    s->length_min * 60));
	}
	add_zoned(ev, ICAL_DTSTART_PROPERTY, start, s->tz);
	add_zoned(ev, ICAL_DTEND_PROPERTY, end, s->tz);
	add_words(ev, w, x->moved && !cancel ? x->room : s->room, s,
	    cancel || !active);
	return ev;
}

/*
 * Appends libical's text to out, undoing its one folding bug (libical
 * before 4.0.3, its pull request 1338): when a property's last folded
 * segment fills the line, the fold lands on the line's own CRLF, giving
 * an empty continuation line ("CRLF SP CRLF") or a fold inside the CRLF
 * ("CR CRLF SP LF"), which breaks parsers.  Neither can come from a
 * value, whose CR and LF are always escaped, so each becomes one CRLF.
 */
static void
append_unbroken(struct buf *out, const char *text)
{
	const char *p = text, *cr;

	while ((cr = strchr(p, '\r')) != NULL) {
		buf_append(out, p, (size_t)(cr - p));
		if (strncmp(cr, "\r\r\n \n", 5) == 0) {
			buf_puts(out, "\r\n");
			p = cr + 5;
		} else if (strncmp(cr, "\r\n \r\n", 5) == 0) {
			buf_puts(out, "\r\n");
			p = cr + 5;
		} else {
			buf_putc(out, '\r');
			p = cr + 1;
		}
	}
	buf_puts(out, p);
}

int
ical_calendar_write(icalcomponent *cal, struct buf *out, char *err,
    size_t errlen)
{
	char *text = icalcomponent_as_ical_string_r(cal);

	icalcomponent_free(cal);
	if (text == NULL) {
		fail(err, errlen, "libical cannot write the calendar",
		    icalerror_strerror(icalerrno));
		return -1;
	}
	append_unbroken(out, text);
	icalmemory_free_buffer(text);
	return 0;
}

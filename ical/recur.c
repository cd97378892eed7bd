/*
 * Weekly series expanded with libical's recurrence iterator and zones.
 */
#include <stdio.h>
#include <string.h>

#include <libical/ical.h>

#include "ical/ical.h"

static icaltimezone *
zone(const char *tz)
{
	if (tz == NULL || *tz == '\0')
		tz = "Europe/London";
	return icaltimezone_get_builtin_timezone(tz);
}

int
ical_zone_known(const char *tz)
{
	return tz != NULL && *tz != '\0' && zone(tz) != NULL;
}

/* Reads YYYY-MM-DD and HH:MM into a floating local time; 0 or -1. */
static int
local_time(const char *date, const char *hhmm, struct icaltimetype *t)
{
	int y, m, d, hh = 0, mm = 0;
	char extra;

	if (date == NULL || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d,
	    &extra) != 3)
		return -1;
	if (hhmm != NULL && sscanf(hhmm, "%2d:%2d%c", &hh, &mm, &extra) != 2)
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
	t->is_date = 0;
	return 0;
}

int
ical_local_to_utc(const char *tz, const char *date, const char *hhmm,
    time_t *out)
{
	icaltimezone *z = zone(tz);
	struct icaltimetype t;

	if (z == NULL || local_time(date, hhmm, &t) == -1)
		return -1;
	*out = icaltime_as_timet_with_zone(t, z);
	return 0;
}

int
ical_utc_to_local(const char *tz, time_t t, char date[11], char hhmm[6],
    int *weekday)
{
	icaltimezone *z = zone(tz);
	struct icaltimetype lt;

	if (z == NULL)
		return -1;
	lt = icaltime_from_timet_with_zone(t, 0, z);
	if (date != NULL)
		snprintf(date, 11, "%04d-%02d-%02d", lt.year, lt.month, lt.day);
	if (hhmm != NULL)
		snprintf(hhmm, 6, "%02d:%02d", lt.hour, lt.minute);
	if (weekday != NULL)	/* libical: 1 Sunday .. 7 Saturday */
		*weekday = (icaltime_day_of_week(lt) + 5) % 7;
	return 0;
}

int
ical_series_expand(const struct ical_series_rule *r, time_t from, time_t to,
    int (*fn)(void *, const char *, time_t, time_t), void *arg, char *err,
    size_t errlen)
{
	struct icalrecurrencetype rule;
	struct icaltimetype start, t;
	icalrecur_iterator *it;
	icaltimezone *z = zone(r->tz);
	char date[11], rrule[64];
	time_t s;
	int n = 0, seen = 0, stop = 0;

	if (z == NULL) {
		snprintf(err, errlen, "unknown time zone %s", r->tz);
		return -1;
	}
	if (local_time(r->first_date, r->start_local, &start) == -1) {
		snprintf(err, errlen, "bad first date or start time");
		return -1;
	}
	if (r->length_min <= 0 || r->length_min > 24 * 60 || r->count < 0) {
		snprintf(err, errlen, "bad length or count");
		return -1;
	}
	if ((r->until_date != NULL && *r->until_date != '\0' &&
	    local_time(r->until_date, NULL, &t) == -1) ||
	    (r->ended_from != NULL && *r->ended_from != '\0' &&
	    local_time(r->ended_from, NULL, &t) == -1)) {
		snprintf(err, errlen, "bad last or end date");
		return -1;
	}
	start = icaltime_set_timezone(&start, z);
	if (r->count > 0)
		snprintf(rrule, sizeof(rrule), "FREQ=WEEKLY;COUNT=%d",
		    r->count);
	else
		snprintf(rrule, sizeof(rrule), "FREQ=WEEKLY");
	rule = icalrecurrencetype_from_string(rrule);
	if ((it = icalrecur_iterator_new(rule, start)) == NULL) {
		snprintf(err, errlen, "cannot expand the rule");
		return -1;
	}
	while (!stop) {
		t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t))
			break;
		snprintf(date, sizeof(date), "%04d-%02d-%02d", t.year,
		    t.month, t.day);
		/* Dates compare as text in this form. */
		if (r->until_date != NULL && *r->until_date != '\0' &&
		    strcmp(date, r->until_date) > 0)
			break;
		if (r->ended_from != NULL && *r->ended_from != '\0' &&
		    strcmp(date, r->ended_from) >= 0)
			break;
		s = icaltime_as_timet_with_zone(t, z);
		if (s >= to)
			break;
		if (++seen > 100000)
			break;
		if (s < from)
			continue;
		n++;
		stop = fn(arg, date, s, s + (time_t)r->length_min * 60);
	}
	icalrecur_iterator_free(it);
	return n;
}

/*
 * zone: offsets of a zone over a stretch of time (see zone.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/zone.h"
#include "ical/ical.h"

#define DAY_S	86400

/* The offset of tz at t, from libical; 0 or -1. */
static int
offset_at(const char *tz, time_t t, long *off)
{
	char date[11], hhmm[6];
	struct tm tm;
	int y, m, d, hh, mm;
	time_t minute = t - ((t % 60) + 60) % 60;

	if (ical_utc_to_local(tz, t, date, hhmm, NULL) == -1 ||
	    sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
	    sscanf(hhmm, "%2d:%2d", &hh, &mm) != 2)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	*off = (long)(timegm(&tm) - minute);
	return 0;
}

/* Appends a stretch, joining it to the last one when they meet. */
static void
span_add(struct core_zone *z, time_t from, time_t to, long off)
{
	if (z->n > 0 && z->s[z->n - 1].off == off &&
	    z->s[z->n - 1].to == from) {
		z->s[z->n - 1].to = to;
		return;
	}
	if (z->n < CORE_ZONE_SPANS) {
		z->s[z->n].from = from;
		z->s[z->n].to = to;
		z->s[z->n].off = off;
		z->n++;
	}
}

/*
 * Each week is asked at both ends and, when they differ, the moment of
 * change is found by halving.
 */
int
core_zone_build(struct core_zone *z, const char *tz, time_t from, time_t to)
{
	time_t a, b, lo, hi, mid;
	long oa, ob, om;

	memset(z, 0, sizeof(*z));
	for (a = from; a < to; a = b) {
		b = a + 7 * DAY_S < to ? a + 7 * DAY_S : to;
		if (offset_at(tz, a, &oa) == -1 ||
		    offset_at(tz, b - 1, &ob) == -1)
			return -1;
		if (oa == ob) {
			span_add(z, a, b, oa);
			continue;
		}
		lo = a;
		hi = b - 1;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (offset_at(tz, mid, &om) == -1)
				return -1;
			if (om == oa)
				lo = mid;
			else
				hi = mid;
		}
		span_add(z, a, hi, oa);
		span_add(z, hi, b, ob);
	}
	return 0;
}

time_t
core_zone_local(const struct core_zone *z, time_t t)
{
	size_t i;
	long off = 0;

	for (i = 0; i < z->n; i++) {
		off = z->s[i].off;
		if (t < z->s[i].to)
			break;
	}
	return t + off;
}

void
core_zone_week_minute(time_t local, int *day, int *minute, long long *dayno)
{
	long long d = (long long)(local >= 0 ? local / DAY_S :
	    (local - DAY_S + 1) / DAY_S);

	/* 1970-01-01 was a Thursday: day 3. */
	*day = (int)(((d + 3) % 7 + 7) % 7);
	*minute = (int)((local - d * DAY_S) / 60);
	if (dayno != NULL)
		*dayno = d;
}

int
core_local_time(const char *tz, time_t t, int *day, int *minute)
{
	long off;

	if (offset_at(tz, t, &off) == -1)
		return -1;
	core_zone_week_minute(t + off, day, minute, NULL);
	return 0;
}

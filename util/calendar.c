/*
 * calendar: weekday and month names (see calendar.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/calendar.h"

const char *const calendar_day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

const char *const calendar_month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

int
calendar_weekday(int y, int m, int d)
{
	/* Days from 1970-01-01 (a Thursday), as in Howard Hinnant's
	 * days_from_civil. */
	long era, yoe, doy, doe, days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return (int)(((days % 7) + 7 + 3) % 7);
}

/* Reads "YYYY-MM-DD" (maybe followed by 'T' or ' ' and a time) from
 * iso into y, m, d; 0, or -1 when it is not such a date. */
static int
calendar_parse(const char *iso, int *y, int *m, int *d)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int k;

	if (iso == NULL)
		return -1;
	for (k = 0; k < 10; k++)
		if (iso[k] == '\0' || ((k == 4 || k == 7) ? iso[k] != '-' :
		    (iso[k] < '0' || iso[k] > '9')))
			break;
	if (k < 10 || (iso[10] != '\0' && iso[10] != 'T' && iso[10] != ' '))
		return -1;
	*y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 +
	    (iso[2] - '0') * 10 + (iso[3] - '0');
	*m = (iso[5] - '0') * 10 + (iso[6] - '0');
	*d = (iso[8] - '0') * 10 + (iso[9] - '0');
	if (*m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
		return -1;
	return 0;
}

int
calendar_date_text(const char *iso, enum calendar_style style, char *out,
    unsigned long n)
{
	int y, m, d;
	const char *day;

	if (n == 0)
		return -1;
	out[0] = '\0';
	if (iso == NULL)
		return -1;
	if (calendar_parse(iso, &y, &m, &d) == -1)
		goto raw;
	day = calendar_day_names[calendar_weekday(y, m, d)];
	switch (style) {
	case CALENDAR_SHORT:
		(void)snprintf(out, n, "%d %.3s %d", d,
		    calendar_month_names[m - 1], y);
		break;
	case CALENDAR_DAY:
		(void)snprintf(out, n, "%s %d %s", day, d,
		    calendar_month_names[m - 1]);
		break;
	case CALENDAR_DAY_SHORT:
		(void)snprintf(out, n, "%.3s %d %.3s", day, d,
		    calendar_month_names[m - 1]);
		break;
	default:
		(void)snprintf(out, n, "%s %d %s %d", day, d,
		    calendar_month_names[m - 1], y);
		break;
	}
	return 0;
raw:
	(void)snprintf(out, n, "%s", iso);
	return -1;
}

int
calendar_date_add(const char *date, int days, char out[11])
{
	struct tm tm;
	time_t t;
	int y, m, d;

	if (calendar_parse(date, &y, &m, &d) == -1 || strlen(date) != 10) {
		if (out != date)
			(void)snprintf(out, 11, "%s", date != NULL ? date : "");
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + days;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	(void)strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

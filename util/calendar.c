/*
 * calendar: weekday and month names (see calendar.h).
 */
#include <stdio.h>

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

int
calendar_date_text(const char *iso, enum calendar_style style, char *out,
    unsigned long n)
{
	int y, m, d, k;
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (n == 0)
		return -1;
	out[0] = '\0';
	if (iso == NULL)
		return -1;
	for (k = 0; k < 10; k++)
		if (iso[k] == '\0' || ((k == 4 || k == 7) ? iso[k] != '-' :
		    (iso[k] < '0' || iso[k] > '9')))
			break;
	if (k < 10 || (iso[10] != '\0' && iso[10] != 'T' && iso[10] != ' '))
		goto raw;
	y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 +
	    (iso[2] - '0') * 10 + (iso[3] - '0');
	m = (iso[5] - '0') * 10 + (iso[6] - '0');
	d = (iso[8] - '0') * 10 + (iso[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		goto raw;
	if (style == CALENDAR_SHORT)
		(void)snprintf(out, n, "%d %.3s %d", d,
		    calendar_month_names[m - 1], y);
	else
		(void)snprintf(out, n, "%s %d %s %d",
		    calendar_day_names[calendar_weekday(y, m, d)], d,
		    calendar_month_names[m - 1], y);
	return 0;
raw:
	(void)snprintf(out, n, "%s", iso);
	return -1;
}

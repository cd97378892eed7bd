/*
 * local_day: local calendar days (see local_day.h).
 */
#include <string.h>
#include <time.h>

#include "cgi/local_day.h"

/* Local midnight of a day (see local_day.h). */
int64_t
local_day_midnight(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The local date of a time (see local_day.h). */
void
local_day_ymd(int64_t t, char out[11])
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	(void)strftime(out, 11, "%Y-%m-%d", &tm);
}

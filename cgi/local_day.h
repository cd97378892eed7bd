/*
 * local_day: local calendar days in the process's zone (TZ), shared by
 * the pages that count periods in days (the partner's page and the
 * impact report).
 */
#ifndef CGI_LOCAL_DAY_H
#define CGI_LOCAL_DAY_H

#include <stdint.h>

/* Local midnight starting y-m-d (d may run past the month's end). */
int64_t	 local_day_midnight(int y, int m, int d);
/* The local date of t as YYYY-MM-DD into out.  Cannot fail. */
void	 local_day_ymd(int64_t t, char out[11]);

#endif

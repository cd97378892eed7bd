/*
 * booking: turning a series rule into the occurrences db_series_book
 * stores, shared by the booking pages and the demo data.
 */
#ifndef CGI_BOOKING_H
#define CGI_BOOKING_H

#include <stddef.h>
#include <time.h>

#include "db/schedule.h"
#include "ical/ical.h"

/*
 * Expands rule (in zone tz) into occurrences starting before horizon,
 * each with its local weekday and minutes.  Returns 0 with *out (free()
 * it) and *n set; 1 when a session would cross midnight; -1 on a bad
 * rule.  Nothing is allocated unless 0 is returned.
 */
int	 booking_occurrences(const char *tz, const struct ical_series_rule *,
	    time_t horizon, struct db_occ **out, size_t *n);
/* One occurrence at local date and HH:MM lasting length_min; 0 or -1. */
int	 booking_occ_at(const char *tz, const char *date, const char *hhmm,
	    int length_min, struct db_occ *);
/* A new iCalendar UID "32 hex digits@domain" into out. */
void	 booking_uid(const char *domain, char *out, size_t n);

#endif

/*
 * calendar: the English words for weekdays and months, for writing dates
 * people read ("Tuesday 3 March 2026").  Once for every layer above
 * util/: db/'s availability labels, mail/'s session emails and cgi/'s
 * reports use these.  (sched/ keeps its own: it uses nothing of ours.)
 */
#ifndef UTIL_CALENDAR_H
#define UTIL_CALENDAR_H

/* "Monday" .. "Sunday": index 0 is Monday, as everywhere in Tutti. */
extern const char *const calendar_day_names[7];
/* "January" .. "December": index 0 is January. */
extern const char *const calendar_month_names[12];

#endif

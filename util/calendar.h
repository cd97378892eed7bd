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

/*
 * Dates for people, from "YYYY-MM-DD" (or an ISO 8601 time starting so;
 * its date is taken as it is, in UTC):
 *   CALENDAR_LONG   "Monday 14 December 2026"
 *   CALENDAR_SHORT  "14 Dec 2026"
 *   CALENDAR_DAY    "Monday 14 December"
 *   CALENDAR_DAY_SHORT "Mon 14 Dec"
 * into out (n bytes).  Returns 0, or -1 with iso copied as it is when it
 * is not such a date.  Cannot fail otherwise.
 */
enum calendar_style {
	CALENDAR_LONG,
	CALENDAR_SHORT,
	CALENDAR_DAY,
	CALENDAR_DAY_SHORT
};
int	 calendar_date_text(const char *iso, enum calendar_style, char *out,
	    unsigned long n);
/*
 * The date days after (before, when negative) "YYYY-MM-DD" date, into
 * out.  0, or -1 with date copied as it is when it is not such a date.
 */
int	 calendar_date_add(const char *date, int days, char out[11]);
/* The weekday (0 Monday .. 6 Sunday) of y-m-d in the Gregorian calendar. */
int	 calendar_weekday(int y, int m, int d);

#endif

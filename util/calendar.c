/*
 * calendar: weekday and month names (see calendar.h).
 */
#include "util/calendar.h"

const char *const calendar_day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

const char *const calendar_month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

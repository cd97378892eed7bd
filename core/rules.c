/*
 * rules: the pure domain rules (see rules.h).
 */
#include <string.h>
#include <strings.h>

#include "core/rules.h"
#include "db/db.h"
#include "db/referrals.h"

int
core_rule_on_leave(int leave_days, int window_days)
{
	return window_days > 0 && leave_days * 2 >= window_days;
}

int
core_rule_weekday_closed(int closed_dates, int dates)
{
	return dates > 0 && closed_dates > 0 && closed_dates * 2 >= dates;
}

int
core_rule_minutes_a_week(long long booked_min, int window_days)
{
	if (window_days <= 0 || booked_min <= 0)
		return 0;
	return (int)(booked_min * 7 / window_days);
}

int
core_rule_hours_full(int booked_min_week, int max_hours, int session_min)
{
	return booked_min_week + session_min > max_hours * 60;
}

int
core_rule_places_free(int caseload, int max_caseload, int booked_min_week,
    int max_hours, int session_min)
{
	int places = max_caseload - caseload, sessions;

	if (session_min < 1)
		return 0;
	sessions = (max_hours * 60 - booked_min_week) / session_min;
	if (sessions < places)
		places = sessions;
	return places > 0 ? places : 0;
}

/* The locale-independent classes the rules below need. */
static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

int
core_rule_needs_step_free(const char *text)
{
	static const char *const words[] = {
		"wheelchair", "step", "stair", "ramp", "lift", "mobility",
		"walking frame", "zimmer", "scooter", "level access",
	};
	size_t i, j, n, len;

	if (text == NULL)
		return 0;
	len = strlen(text);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		for (j = 0; j + n <= len; j++) {
			if (strncasecmp(text + j, words[i], n) != 0)
				continue;
			/* "lift" but not "uplifting": a word's start. */
			if (j > 0 && is_alpha((unsigned char)text[j - 1]))
				continue;
			return 1;
		}
	}
	return 0;
}

int
core_rule_district(const char *postcode, char *out, size_t outlen)
{
	char pc[8];
	size_t n = 0;
	const unsigned char *p;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (postcode == NULL || out == NULL)
		return -1;
	for (p = (const unsigned char *)postcode; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (n == sizeof(pc) - 1 || !is_alnum(*p))
			return -1;
		pc[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' :
		    *p);
	}
	/* The inward part is the last three: 9AA. */
	if (n < 5 || outlen <= n - 3)
		return -1;
	memcpy(out, pc, n - 3);
	out[n - 3] = '\0';
	return 0;
}

int
core_rule_day_part(int hh)
{
	return hh < 12 ? 0 : hh < 17 ? 1 : 2;
}

enum sched_session
core_rule_session_type(const char *word)
{
	int k;

	if (word == NULL || (k = db_name_index(session_type_names,
	    SESSION_TYPE__MAX, word)) < 0)
		return SCHED_EITHER;
	/* The orders agree: see core/world.c. */
	return (enum sched_session)k;
}

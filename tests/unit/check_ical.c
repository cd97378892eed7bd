/*
 * Unit tests for ical/: series expansion across clock changes, counts,
 * last dates, ended series and windows; local <-> UTC conversion.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "ical/ical.h"

#define MAXOCC	64

struct got {
	int	 n;
	char	 date[MAXOCC][11];
	time_t	 start[MAXOCC];
	time_t	 end[MAXOCC];
	int	 stop_after;
};

static int
collect(void *arg, const char *date, time_t start, time_t end)
{
	struct got *g = arg;

	if (g->n < MAXOCC) {
		strcpy(g->date[g->n], date);
		g->start[g->n] = start;
		g->end[g->n] = end;
	}
	g->n++;
	return g->stop_after > 0 && g->n >= g->stop_after;
}

/* Unix time of a UTC date and time. */
static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

static int
expand(const struct ical_series_rule *r, time_t from, time_t to,
    struct got *g)
{
	char err[128];

	memset(g, 0, sizeof(*g));
	return ical_series_expand(r, from, to, collect, g, err, sizeof(err));
}

START_TEST(test_spring_change)
{
	/* Europe/London goes forward on Sunday 28 March 2027. */
	struct ical_series_rule r = { "Europe/London", "2027-03-22", "10:00",
	    45, 3, NULL, NULL };
	struct got g;

	ck_assert_int_eq(expand(&r, 0, utc(2030, 1, 1, 0, 0), &g), 3);
	ck_assert_str_eq(g.date[0], "2027-03-22");
	ck_assert_str_eq(g.date[1], "2027-03-29");
	ck_assert_str_eq(g.date[2], "2027-04-05");
	ck_assert_int_eq(g.start[0], utc(2027, 3, 22, 10, 0));	/* GMT */
	ck_assert_int_eq(g.start[1], utc(2027, 3, 29, 9, 0));	/* BST */
	ck_assert_int_eq(g.end[1] - g.start[1], 45 * 60);
}
END_TEST

START_TEST(test_autumn_change)
{
	/* Europe/London goes back on Sunday 25 October 2026. */
	struct ical_series_rule r = { "Europe/London", "2026-10-19", "10:00",
	    60, 2, NULL, NULL };
	struct got g;

	ck_assert_int_eq(expand(&r, 0, utc(2030, 1, 1, 0, 0), &g), 2);
	ck_assert_int_eq(g.start[0], utc(2026, 10, 19, 9, 0));	/* BST */
	ck_assert_int_eq(g.start[1], utc(2026, 10, 26, 10, 0));	/* GMT */
}
END_TEST

START_TEST(test_until_and_ended)
{
	struct ical_series_rule r = { "Europe/London", "2026-01-05", "14:30",
	    45, 0, "2026-02-02", NULL };
	struct got g;

	/* Mondays 5 Jan .. 2 Feb inclusive: five. */
	ck_assert_int_eq(expand(&r, 0, utc(2030, 1, 1, 0, 0), &g), 5);
	ck_assert_str_eq(g.date[4], "2026-02-02");
	r.ended_from = "2026-01-26";
	ck_assert_int_eq(expand(&r, 0, utc(2030, 1, 1, 0, 0), &g), 3);
	ck_assert_str_eq(g.date[2], "2026-01-19");
}
END_TEST

START_TEST(test_window_and_open_ended)
{
	struct ical_series_rule r = { "Europe/London", "2026-01-07", "09:00",
	    45, 0, NULL, NULL };
	struct got g;

	/* Open-ended: only what starts inside [from, to). */
	ck_assert_int_eq(expand(&r, utc(2026, 2, 1, 0, 0),
	    utc(2026, 3, 1, 0, 0), &g), 4);
	ck_assert_str_eq(g.date[0], "2026-02-04");
	ck_assert_str_eq(g.date[3], "2026-02-25");
	/* The callback can stop the walk. */
	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	{
		char err[64];

		ck_assert_int_eq(ical_series_expand(&r, 0,
		    utc(2027, 1, 1, 0, 0), collect, &g, err, sizeof(err)), 2);
	}
}
END_TEST

START_TEST(test_bad_rules)
{
	struct ical_series_rule r = { "Mars/Olympus", "2026-01-07", "09:00",
	    45, 0, NULL, NULL };
	struct got g;

	ck_assert_int_eq(expand(&r, 0, 1, &g), -1);
	r.tz = "Europe/London";
	r.first_date = "2026-02-30";
	ck_assert_int_eq(expand(&r, 0, 1, &g), -1);
	r.first_date = "2026-02-03";
	r.start_local = "25:00";
	ck_assert_int_eq(expand(&r, 0, 1, &g), -1);
	r.start_local = "09:00";
	r.length_min = 0;
	ck_assert_int_eq(expand(&r, 0, 1, &g), -1);
	ck_assert(!ical_zone_known("Nowhere/Town"));
	ck_assert(ical_zone_known("Europe/London"));
}
END_TEST

START_TEST(test_local_utc)
{
	char date[11], hhmm[6];
	time_t t;
	int wd;

	ck_assert_int_eq(ical_local_to_utc("Europe/London", "2026-07-01",
	    "10:00", &t), 0);
	ck_assert_int_eq(t, utc(2026, 7, 1, 9, 0));
	ck_assert_int_eq(ical_utc_to_local("Europe/London", t, date, hhmm,
	    &wd), 0);
	ck_assert_str_eq(date, "2026-07-01");
	ck_assert_str_eq(hhmm, "10:00");
	ck_assert_int_eq(wd, 2);	/* a Wednesday */
	ck_assert_int_eq(ical_local_to_utc("Europe/London", "2026-12-01",
	    "10:00", &t), 0);
	ck_assert_int_eq(t, utc(2026, 12, 1, 10, 0));
	ck_assert_int_eq(ical_local_to_utc("Europe/London", "2026-12-1x",
	    "10:00", &t), -1);
}
END_TEST

static Suite *
ical_suite(void)
{
	Suite *s = suite_create("ical");
	TCase *tc;

	tc = tcase_create("ical_series_expand");
	tcase_add_test(tc, test_spring_change);
	tcase_add_test(tc, test_autumn_change);
	tcase_add_test(tc, test_until_and_ended);
	tcase_add_test(tc, test_window_and_open_ended);
	tcase_add_test(tc, test_bad_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("ical_local_to_utc");
	tcase_add_test(tc, test_local_utc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ical_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

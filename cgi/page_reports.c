/*
 * page_reports: the service's figures for coordinators and admins.
 *
 *   GET /reports       from, to (YYYY-MM-DD, both inclusive, local
 *                      dates; default the twelve months to today):
 *                      every table of the period, each with a chart
 *                      drawn as SVG and a link to its CSV
 *   GET /reports.csv   table (a name below), from, to: that table as
 *                      CSV, the same rows and cells as the page
 *
 * Both are built from the same tables (struct rtable), so a CSV always
 * matches the page.  What each figure counts is in db/reports.h and on
 * the page under "How these figures are counted".
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/svg.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "db/schedule.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define RT_COLS		7
#define SPAN_DAYS_MAX	(20 * 366)	/* the longest period shown */
#define LATE_MONTHS_MAX	13	/* longer: the page's late table by site */
/*
 * More rows by site and month than this: the page's late table by site.
 * 20 sites over the longest period shown by month (13 months) stay month
 * by month, so a service of the demo's size (19 sites) reads a year month
 * by month; 940 sites over a year would be 11,000 rows, which nobody can
 * read on a page (the CSV keeps them all).
 */
#define LATE_ROWS_MAX	(20 * LATE_MONTHS_MAX)

/* The tables, in the page's order; name is the CSV's table=. */
enum rt {
	RT_SUMMARY,
	RT_BY_MONTH,
	RT_BY_SITE,
	RT_BY_ORGANISATION,
	RT_BY_THERAPIST,
	RT_BY_TYPE,
	RT_ATTENDANCE,
	RT_NEEDS,
	RT_SOURCES,
	RT_WAITLIST,
	RT_WAITS,
	RT_OFFERS,
	RT_LATE,
	RT_CASELOAD,
	RT_OUTCOMES,
	RT__MAX
};

/*
 * Each table's name (the CSV's table=) and the parts of a report
 * (db/reports.h) it is built from: a CSV reads only its own table's
 * (the sessions by month of six years at N=10 read the whole report,
 * 501 ms of CPU, for one table: issue 21).
 */
static const struct {
	const char	*name;
	unsigned	 parts;
} rt_kinds[RT__MAX] = {
	[RT_SUMMARY] = { "summary", REPORT_PART_ALL & ~REPORT_PART_OFFERS &
	    ~REPORT_PART_LATE },
	[RT_BY_MONTH] = { "sessions_by_month", REPORT_PART_MONTH_PEOPLE },
	[RT_BY_SITE] = { "sessions_by_site", REPORT_PART_PEOPLE },
	[RT_BY_ORGANISATION] = { "sessions_by_organisation",
	    REPORT_PART_PEOPLE },
	[RT_BY_THERAPIST] = { "sessions_by_therapist", REPORT_PART_PEOPLE },
	[RT_BY_TYPE] = { "sessions_by_type", REPORT_PART_PEOPLE },
	[RT_ATTENDANCE] = { "attendance", REPORT_PART_SESSIONS },
	[RT_NEEDS] = { "referrals_by_need", REPORT_PART_REFERRALS },
	[RT_SOURCES] = { "referrals_by_source", REPORT_PART_REFERRALS },
	[RT_WAITLIST] = { "waitlist", REPORT_PART_WAITLIST },
	[RT_WAITS] = { "hidden_waits", REPORT_PART_WAITS },
	[RT_OFFERS] = { "offers", REPORT_PART_OFFERS },
	[RT_LATE] = { "late_and_dna", REPORT_PART_LATE },
	[RT_CASELOAD] = { "caseload", REPORT_PART_CASELOAD },
	[RT_OUTCOMES] = { "outcomes", REPORT_PART_OUTCOMES },
};

struct rrow {
	char	*cells[RT_COLS];
	double	 chart;		/* the bar's length */
};

/* One table: headings, rows of text cells, and what its chart draws. */
struct rtable {
	const char	*name;
	const char	*title;
	const char	*note;
	const char	*above;		/* a line above the table, or NULL */
	const char	*heads[RT_COLS];
	size_t		 ncols;
	int		 chart_col;	/* the cell at a bar's end; -1: none */
	double		 chart_max;	/* 0: the largest bar */
	struct rrow	*rows;
	size_t		 nrows;
	size_t		 cap;
};

/* "2026-03" -> "March 2026"; anything else is copied. */
static void
month_label(const char *key, char *out, size_t n)
{
	int y, m;

	if (sscanf(key, "%4d-%2d", &y, &m) == 2 && m >= 1 && m <= 12)
		snprintf(out, n, "%s %d", calendar_month_names[m - 1], y);
	else
		snprintf(out, n, "%s", key);
}

static void
rt_init(struct rtable *t, const char *name, const char *title,
    const char *note, int chart_col, double chart_max, size_t ncols, ...)
{
	va_list ap;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->title = title;
	t->note = note;
	t->chart_col = chart_col;
	t->chart_max = chart_max;
	t->ncols = ncols;
	va_start(ap, ncols);
	for (i = 0; i < ncols && i < RT_COLS; i++)
		t->heads[i] = va_arg(ap, const char *);
	va_end(ap);
}

/* Adds a row of t->ncols cells (const char *, copied) and its bar. */
static void
rt_row(struct rtable *t, double chart, ...)
{
	struct rrow *r;
	va_list ap;
	size_t i;
	const char *s;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	r = &t->rows[t->nrows++];
	memset(r, 0, sizeof(*r));
	r->chart = chart;
	va_start(ap, chart);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		r->cells[i] = xstrdup(s != NULL ? s : "");
	}
	va_end(ap);
}

static void
rt_free(struct rtable *t)
{
	size_t i, j;

	for (i = 0; i < t->nrows; i++)
		for (j = 0; j < RT_COLS; j++)
			free(t->rows[i].cells[j]);
	free(t->rows);
	t->rows = NULL;
	t->nrows = t->cap = 0;
}

/* Number formats shared by the page and the CSV. */

static void
fmt_int(char *out, size_t n, int64_t v)
{
	snprintf(out, n, "%lld", (long long)v);
}

static void
fmt_hours(char *out, size_t n, int64_t seconds)
{
	snprintf(out, n, "%.1f", (double)seconds / 3600.0);
}

/* a / b as a percentage with one decimal, or "n/a" when b is 0. */
static void
fmt_pct(char *out, size_t n, int64_t a, int64_t b)
{
	if (b <= 0)
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, "%.1f%%", 100.0 * (double)a / (double)b);
}

static double
pct(int64_t a, int64_t b)
{
	return b > 0 ? 100.0 * (double)a / (double)b : 0;
}

static void
groups_table(struct rtable *t, const struct db_report *r, enum report_by by)
{
	const struct db_report_group *g;
	char label[160], s[32], h[32], p[32];
	size_t i;

	for (i = 0; i < r->ngroups[by]; i++) {
		g = &r->groups[by][i];
		if (by == REPORT_BY_MONTH)
			month_label(g->key, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "%s", g->label);
		fmt_int(s, sizeof(s), g->sessions);
		fmt_hours(h, sizeof(h), g->seconds);
		fmt_int(p, sizeof(p), g->people);
		rt_row(t, (double)g->sessions, label, s, h, p);
	}
}

/* "12.5 days", or "n/a" when there is nothing to measure (-1). */
static void
fmt_days(char *out, size_t n, double days)
{
	if (days < 0)
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, "%.1f days", days);
}

/* The note of the late-cancellation table, by month or period. */
#define LATE_NOTE(when) \
	"Sessions: sessions that started in the " when " and were not " \
	"cancelled by the service. Late cancellations: sessions a " \
	"person cancelled through their personal link with less notice " \
	"than the service asks. Did not attend: sessions at which a " \
	"person was recorded as not coming. Rates are of the sessions."

/* One row of the late-cancellation table: label, then month or not. */
static void
late_row(struct rtable *t, const char *site, const char *month,
    int64_t sessions, int64_t late, int64_t dna)
{
	char a[32], b[32], c[32], d[32], e[32];

	fmt_int(a, sizeof(a), sessions);
	fmt_int(b, sizeof(b), late);
	fmt_int(c, sizeof(c), dna);
	fmt_pct(d, sizeof(d), late, sessions);
	fmt_pct(e, sizeof(e), dna, sessions);
	if (month != NULL)
		rt_row(t, 0, site, month, a, b, c, d, e);
	else
		rt_row(t, 0, site, a, b, c, d, e);
}

/* Late cancellations and did not attend by site and month. */
static void
late_by_month(struct rtable *t, const struct db_report *r)
{
	char m[64];
	size_t i;

	rt_init(t, rt_kinds[RT_LATE].name,
	    "Late cancellations and did not attend, by site and month",
	    LATE_NOTE("month"), -1, 0, 7, "Site", "Month", "Sessions",
	    "Late cancellations", "Did not attend", "Late cancellation rate",
	    "Did-not-attend rate");
	for (i = 0; i < r->nlate; i++) {
		month_label(r->late[i].month, m, sizeof(m));
		late_row(t, r->late[i].site, m, r->late[i].sessions,
		    r->late[i].late, r->late[i].dna);
	}
}

/* Why the page's late table has a row a site rather than a month. */
enum late_why {
	LATE_WHY_LONG,		/* the period is longer than 13 months */
	LATE_WHY_SITES		/* too many sites to show each month */
};

/*
 * The same with one row a site for the whole period (its months added
 * up; they come together, in the order of site; a long period's come
 * one a site already, REPORT_PART_LATE_BY_SITE): a long period's, or a
 * large service's, table by month would be a row for every site and
 * month.  why says which, in the line above the table.
 */
static void
late_by_site(struct rtable *t, const struct db_report *r, enum late_why why)
{
	const struct db_report_late *l;
	int64_t sessions = 0, late = 0, dna = 0;
	size_t i;

	rt_init(t, rt_kinds[RT_LATE].name,
	    "Late cancellations and did not attend, by site",
	    LATE_NOTE("period"), -1,
	    0, 6, "Site", "Sessions", "Late cancellations", "Did not attend",
	    "Late cancellation rate", "Did-not-attend rate");
	t->above = why == LATE_WHY_LONG ? "This period is longer than 13 "
	    "months, so each site has one line for the whole period. The "
	    "figures for each month are in the CSV download below the table."
	    : "There are too many sites to show each month on this page, so "
	    "each site has one line for the whole period. The figures for "
	    "each month are in the CSV download below the table.";
	for (i = 0; i < r->nlate; i++) {
		l = &r->late[i];
		sessions += l->sessions;
		late += l->late;
		dna += l->dna;
		if (i + 1 < r->nlate && r->late[i + 1].site_id == l->site_id)
			continue;
		late_row(t, l->site, NULL, sessions, late, dna);
		sessions = late = dna = 0;
	}
}

/* The local months [from_utc, to_utc) touches. */
static int
period_months(int64_t from_utc, int64_t to_utc)
{
	time_t a = (time_t)from_utc, b = (time_t)(to_utc - 1);
	struct tm x, y;

	localtime_r(&a, &x);
	localtime_r(&b, &y);
	return (y.tm_year - x.tm_year) * 12 + y.tm_mon - x.tm_mon + 1;
}

/*
 * Whether the page's late table of [from_utc, to_utc) has a row a site
 * for its length alone: the page then asks for the rows so
 * (REPORT_PART_LATE_BY_SITE), not a row a site and month that it would
 * add up (40,637 for six years at N=10, issue 21).
 */
static int
late_long(int64_t from_utc, int64_t to_utc)
{
	return period_months(from_utc, to_utc) > LATE_MONTHS_MAX;
}

/*
 * The tables of issue 18: hidden waits, place offers, and late
 * cancellations and did not attend by site and month (or, for the page
 * (page), by site alone when the period is longer than LATE_MONTHS_MAX
 * months or the table would have more than LATE_ROWS_MAX rows).
 */
static void
tables_build_self(struct rtable t[RT__MAX], const struct db_report *r,
    int page)
{
	static const char *const offer_labels[OFFERS__MAX] = {
	    "Offers sent", "Accepted: the person took the place",
	    "Expired: no answer in time", "Declined: the person said no" };
	char a[32], b[32], c[32];
	int k;

	rt_init(&t[RT_WAITS], rt_kinds[RT_WAITS].name, "Hidden waits",
	    "For the people whose first session was in the period: days "
	    "from their referral to their first attended session, and from "
	    "that session to their second attended session (for those who "
	    "have had one). Half of people waited less than the median; "
	    "nine in ten waited no longer than the 90th percentile.", -1, 0,
	    4, "Wait", "People", "Median", "90th percentile");
	fmt_int(a, sizeof(a), r->first_sessions);
	fmt_days(b, sizeof(b), r->median_wait_days);
	fmt_days(c, sizeof(c), r->p90_wait_days);
	rt_row(&t[RT_WAITS], 0, "Referral to first session", a, b, c);
	fmt_int(a, sizeof(a), r->second_sessions);
	fmt_days(b, sizeof(b), r->median_second_days);
	fmt_days(c, sizeof(c), r->p90_second_days);
	rt_row(&t[RT_WAITS], 0, "First session to second session", a, b, c);

	rt_init(&t[RT_OFFERS], rt_kinds[RT_OFFERS].name, "Place offers",
	    "Offers of a freed place emailed in the period, and what became "
	    "of them. Offers still waiting for an answer, or answered after "
	    "the place was taken, are in the first line only.", 1, 0, 3,
	    "Offers", "Number", "Share of offers sent");
	for (k = 0; k < OFFERS__MAX; k++) {
		fmt_int(a, sizeof(a), r->offers[k]);
		if (k == OFFERS_SENT)
			snprintf(b, sizeof(b), "100%%");
		else
			fmt_pct(b, sizeof(b), r->offers[k],
			    r->offers[OFFERS_SENT]);
		rt_row(&t[RT_OFFERS], (double)r->offers[k], offer_labels[k],
		    a, b);
	}

	if (page && late_long(r->from_utc, r->to_utc))
		late_by_site(&t[RT_LATE], r, LATE_WHY_LONG);
	else if (page && r->nlate > LATE_ROWS_MAX)
		late_by_site(&t[RT_LATE], r, LATE_WHY_SITES);
	else
		late_by_month(&t[RT_LATE], r);
}

/*
 * Builds every table of report r into t[RT__MAX]: for the page (page),
 * the late-cancellation table of a long period or a large service by
 * site alone (tables_build_self); for the CSV, always by site and month.
 */
static void
tables_build(struct rtable t[RT__MAX], const struct db_report *r, int page)
{
	static const int att_order[4] = { 0, 2, 1, 3 };	/* attended, DNA,
							   client, therapist */
	int64_t expected, clients = 0, capacity = 0;
	char a[128], b[32], c[64], d[32];
	size_t i;
	int k;

	expected = r->attendance[0] + r->attendance[1] + r->attendance[2];
	for (i = 0; i < r->ncaseload; i++) {
		clients += r->caseload[i].clients;
		capacity += r->caseload[i].capacity;
	}

	rt_init(&t[RT_SUMMARY], rt_kinds[RT_SUMMARY].name,
	    "The period at a glance", NULL, -1, 0, 2, "Measure", "Value");
	fmt_int(a, sizeof(a), r->sessions);
	rt_row(&t[RT_SUMMARY], 0, "Sessions delivered", a);
	fmt_int(a, sizeof(a), r->people);
	rt_row(&t[RT_SUMMARY], 0, "People served", a);
	fmt_hours(a, sizeof(a), r->seconds);
	rt_row(&t[RT_SUMMARY], 0, "Hours of music therapy", a);
	fmt_pct(a, sizeof(a), r->attendance[0], expected);
	rt_row(&t[RT_SUMMARY], 0, "Attendance rate", a);
	fmt_pct(a, sizeof(a), r->attendance[2], expected);
	rt_row(&t[RT_SUMMARY], 0, "Did-not-attend rate", a);
	fmt_int(a, sizeof(a), r->referrals);
	rt_row(&t[RT_SUMMARY], 0, "Referrals received", a);
	fmt_int(a, sizeof(a), r->waitlist_end);
	rt_row(&t[RT_SUMMARY], 0, "On the waitlist at the end of the period",
	    a);
	if (r->median_wait_days < 0)
		snprintf(a, sizeof(a), "n/a");
	else
		snprintf(a, sizeof(a), "%.1f days", r->median_wait_days);
	rt_row(&t[RT_SUMMARY], 0, "Median wait from referral to first session",
	    a);
	fmt_int(a, sizeof(a), r->first_sessions);
	rt_row(&t[RT_SUMMARY], 0, "People who had their first session", a);
	fmt_pct(b, sizeof(b), clients, capacity);
	snprintf(a, sizeof(a), "%lld of %lld places (%s)", (long long)clients,
	    (long long)capacity, b);
	rt_row(&t[RT_SUMMARY], 0, "Caseloads used at the end of the period",
	    a);
	snprintf(a, sizeof(a), "%lld of %lld sent", (long long)
	    r->outcome_responses, (long long)r->outcome_sent);
	rt_row(&t[RT_SUMMARY], 0, "Outcome surveys answered", a);

	rt_init(&t[RT_BY_MONTH], rt_kinds[RT_BY_MONTH].name,
	    "Sessions delivered by month", NULL, 1, 0, 4, "Month", "Sessions",
	    "Hours", "People");
	groups_table(&t[RT_BY_MONTH], r, REPORT_BY_MONTH);
	rt_init(&t[RT_BY_SITE], rt_kinds[RT_BY_SITE].name,
	    "Sessions delivered by site", NULL, 1, 0, 4, "Site", "Sessions",
	    "Hours", "People");
	groups_table(&t[RT_BY_SITE], r, REPORT_BY_SITE);
	rt_init(&t[RT_BY_ORGANISATION], rt_kinds[RT_BY_ORGANISATION].name,
	    "Sessions delivered by partner organisation", NULL, 1, 0, 4,
	    "Partner organisation", "Sessions", "Hours", "People");
	groups_table(&t[RT_BY_ORGANISATION], r, REPORT_BY_ORGANISATION);
	rt_init(&t[RT_BY_THERAPIST], rt_kinds[RT_BY_THERAPIST].name,
	    "Sessions delivered by therapist", NULL, 1, 0, 4, "Therapist",
	    "Sessions", "Hours", "People");
	groups_table(&t[RT_BY_THERAPIST], r, REPORT_BY_THERAPIST);
	rt_init(&t[RT_BY_TYPE], rt_kinds[RT_BY_TYPE].name,
	    "Individual and group sessions", NULL, 1, 0, 4, "Kind",
	    "Sessions", "Hours", "People");
	groups_table(&t[RT_BY_TYPE], r, REPORT_BY_TYPE);

	rt_init(&t[RT_ATTENDANCE], rt_kinds[RT_ATTENDANCE].name, "Attendance",
	    "Shares are of the sessions a client was expected at: a "
	    "therapist's cancellation is not counted.", 1, 0, 3,
	    "Attendance", "Records", "Share");
	for (i = 0; i < 4; i++) {
		k = att_order[i];
		fmt_int(a, sizeof(a), r->attendance[k]);
		if (k == 3)
			snprintf(b, sizeof(b), "not counted");
		else
			fmt_pct(b, sizeof(b), r->attendance[k], expected);
		rt_row(&t[RT_ATTENDANCE], (double)r->attendance[k],
		    attendance_labels[k], a, b);
	}

	rt_init(&t[RT_NEEDS], rt_kinds[RT_NEEDS].name, "Referrals by need",
	    "A referral may name several needs, so the counts can add up to "
	    "more than the referrals received.", 1, 0, 3, "Need",
	    "Referrals", "Share of referrals");
	for (k = 0; k < NEED__MAX; k++) {
		fmt_int(a, sizeof(a), r->by_need[k]);
		fmt_pct(b, sizeof(b), r->by_need[k], r->referrals);
		rt_row(&t[RT_NEEDS], (double)r->by_need[k], need_labels[k], a,
		    b);
	}
	rt_init(&t[RT_SOURCES], rt_kinds[RT_SOURCES].name,
	    "Referrals by source", NULL, 1, 0, 3, "Source", "Referrals",
	    "Share of referrals");
	for (i = 0; i < r->nsources; i++) {
		fmt_int(a, sizeof(a), r->by_source[i].count);
		fmt_pct(b, sizeof(b), r->by_source[i].count, r->referrals);
		rt_row(&t[RT_SOURCES], (double)r->by_source[i].count,
		    r->by_source[i].label, a, b);
	}

	rt_init(&t[RT_WAITLIST], rt_kinds[RT_WAITLIST].name, "The waitlist",
	    "Referrals on the waitlist at the end of each month (or of the "
	    "period, for its last month).", 1, 0, 2, "Month",
	    "On the waitlist");
	for (i = 0; i < r->nwaitlist_months; i++) {
		month_label(r->waitlist_months[i].key, c, sizeof(c));
		fmt_int(a, sizeof(a), r->waitlist_months[i].count);
		rt_row(&t[RT_WAITLIST], (double)r->waitlist_months[i].count, c,
		    a);
	}

	tables_build_self(t, r, page);

	rt_init(&t[RT_CASELOAD], rt_kinds[RT_CASELOAD].name,
	    "Caseloads against capacity", "Clients on each therapist's "
	    "caseload at the end of the period, against the most they take.",
	    3, 100, 4, "Therapist", "Clients", "Capacity", "Use");
	for (i = 0; i < r->ncaseload; i++) {
		fmt_int(a, sizeof(a), r->caseload[i].clients);
		fmt_int(b, sizeof(b), r->caseload[i].capacity);
		fmt_pct(c, sizeof(c), r->caseload[i].clients,
		    r->caseload[i].capacity);
		rt_row(&t[RT_CASELOAD], pct(r->caseload[i].clients,
		    r->caseload[i].capacity), r->caseload[i].name, a, b, c);
		if (pct(r->caseload[i].clients, r->caseload[i].capacity) >
		    t[RT_CASELOAD].chart_max)
			t[RT_CASELOAD].chart_max = pct(r->caseload[i].clients,
			    r->caseload[i].capacity);
	}

	rt_init(&t[RT_OUTCOMES], rt_kinds[RT_OUTCOMES].name, "Outcomes",
	    "Survey answers given in the period: the share who agreed, of "
	    "those who answered the question.", 3, 100, 4, "Question", "Agreed",
	    "Answered", "Share who agreed");
	for (k = 0; k < OUTCOME__MAX; k++) {
		fmt_int(a, sizeof(a), r->outcome_agreed[k]);
		fmt_int(b, sizeof(b), r->outcome_answered[k]);
		fmt_pct(d, sizeof(d), r->outcome_agreed[k],
		    r->outcome_answered[k]);
		rt_row(&t[RT_OUTCOMES], pct(r->outcome_agreed[k],
		    r->outcome_answered[k]), outcome_q_labels[k], a, b, d);
	}
}

static void
tables_free(struct rtable t[RT__MAX])
{
	int k;

	for (k = 0; k < RT__MAX; k++)
		rt_free(&t[k]);
}

/* ---- the period ---- */

/* Local midnight starting y-m-d (d may run past the month's end). */
static int64_t
local_midnight(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

struct period {
	char	 from[16];	/* YYYY-MM-DD, inclusive */
	char	 to[16];
	int64_t	 from_utc;	/* [from_utc, to_utc) */
	int64_t	 to_utc;
	int64_t	 now;		/* when the request was read */
};

/*
 * Reads from and to from the query into p, defaulting to the twelve
 * months to today.  Returns NULL, or a sentence saying what is wrong (p
 * then holds the default period).
 */
static const char *
period_read(const struct req *rq, struct period *p)
{
	const char *from = form_get(&rq->q, "from");
	const char *to = form_get(&rq->q, "to");
	time_t now = time(NULL);
	struct tm tm;
	int fy, fm, fd, ty, tm_, td;

	p->now = (int64_t)now;
	localtime_r(&now, &tm);
	ty = tm.tm_year + 1900;
	tm_ = tm.tm_mon + 1;
	td = tm.tm_mday;
	fy = tm_ == 12 ? ty : ty - 1;
	fm = tm_ == 12 ? 1 : tm_ + 1;
	fd = 1;
	p->from_utc = local_midnight(fy, fm, fd);
	p->to_utc = local_midnight(ty, tm_, td + 1);
	strftime(p->to, sizeof(p->to), "%Y-%m-%d", &tm);
	now = (time_t)p->from_utc;
	localtime_r(&now, &tm);
	strftime(p->from, sizeof(p->from), "%Y-%m-%d", &tm);
	if ((from == NULL || *from == '\0') && (to == NULL || *to == '\0'))
		return NULL;
	if (from == NULL || valid_date(from, &fy, &fm, &fd) != 0)
		return "Enter the first day as a date, for example 2026-01-01.";
	if (to == NULL || valid_date(to, &ty, &tm_, &td) != 0)
		return "Enter the last day as a date, for example 2026-12-31.";
	if (strcmp(from, to) > 0)
		return "The first day must not be after the last day.";
	if (local_midnight(ty, tm_, td + 1) - local_midnight(fy, fm, fd) >
	    (int64_t)SPAN_DAYS_MAX * 86400)
		return "Choose a period of at most 20 years.";
	snprintf(p->from, sizeof(p->from), "%s", from);
	snprintf(p->to, sizeof(p->to), "%s", to);
	p->from_utc = local_midnight(fy, fm, fd);
	p->to_utc = local_midnight(ty, tm_, td + 1);
	return NULL;
}

/* "2026-03-01" -> "1 March 2026". */
static void
date_label(const char *ymd, char *out, size_t n)
{
	int y, m, d;

	if (valid_date(ymd, &y, &m, &d) == 0)
		snprintf(out, n, "%d %s %d", d, calendar_month_names[m - 1],
		    y);
	else
		snprintf(out, n, "%s", ymd);
}

/* ---- the page ---- */

/*
 * Adds table t to the page's data d, its chart drawn in svg.  A row is
 * one dictionary of its cells c0 (the row's heading) to c6, and the
 * table says which columns it has (has2 to has6; every table has two or
 * more), which the row finds by looking outward: rather than a
 * dictionary for every cell, which for 940 sites came to 12 MB of
 * template data a page, more than a worker keeps between requests, so
 * every /reports at N=10 faulted it all in again (issue 21).
 */
static void
add_table(struct tmpl_data *d, const struct rtable *t, struct buf *svg)
{
	static const char *const cell_keys[RT_COLS] = { "c0", "c1", "c2",
	    "c3", "c4", "c5", "c6" };
	static const char *const has_keys[RT_COLS] = { "has0", "has1",
	    "has2", "has3", "has4", "has5", "has6" };
	struct tmpl_data *e, *row, *cell;
	struct svg_bar *bars;
	size_t i, j;
	char id[64];

	assert(t->ncols >= 2 && t->ncols <= RT_COLS);
	e = tmpl_data_push(d, "tables");
	tmpl_data_set(e, "name", t->name);
	tmpl_data_set(e, "title", t->title);
	tmpl_data_set(e, "note", t->note);
	tmpl_data_set(e, "above", t->above);
	for (j = 0; j < t->ncols; j++) {
		cell = tmpl_data_push(e, "heads");
		tmpl_data_set(cell, "h", t->heads[j]);
	}
	for (j = 2; j < RT_COLS; j++)
		tmpl_data_bool(e, has_keys[j], j < t->ncols);
	for (i = 0; i < t->nrows; i++) {
		row = tmpl_data_push(e, "rows");
		for (j = 0; j < t->ncols; j++)
			tmpl_data_set(row, cell_keys[j], t->rows[i].cells[j]);
	}
	tmpl_data_bool(e, "empty", t->nrows == 0);
	if (t->chart_col < 0) {
		tmpl_data_set(e, "svg", NULL);
		return;
	}
	bars = xcalloc(t->nrows > 0 ? t->nrows : 1, sizeof(*bars));
	for (i = 0; i < t->nrows; i++) {
		bars[i].label = t->rows[i].cells[0];
		bars[i].value = t->rows[i].chart;
		bars[i].value_text = t->rows[i].cells[t->chart_col];
	}
	snprintf(id, sizeof(id), "chart-%s", t->name);
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] == '_')
			id[i] = '-';
	buf_reset(svg);
	svg_bar_chart(svg, id, t->title, bars, t->nrows, t->chart_max);
	tmpl_data_set(e, "svg", buf_cstr(svg));
	free(bars);
}

/* ---- what a worker keeps of a period ---- */

/*
 * Neither the figures of a period nor its page change with time alone,
 * but for two things that change when the period's end passes while
 * it is still to come (the default period's end is the end of today):
 * db_report_load reads the caseloads at the end from the statuses now
 * until then, and from the history after; and the default period's
 * dates move on (they are in the key, so the next day's default is
 * another period).  The waitlist at an instant still to come is the
 * waitlist now, which only a record changes.  Kept a day at most.
 */
#define REPORT_KEPT_SECONDS	86400

/* Until when what period p shows may be kept (see above). */
static time_t
report_until(const struct period *p)
{
	int64_t until = p->now + REPORT_KEPT_SECONDS;

	if (p->to_utc > p->now && p->to_utc < until)
		until = p->to_utc;
	return (time_t)until;
}

/* The key of period p's figures of parts (enum report_part). */
static void
report_key(const struct period *p, unsigned parts, char *out, size_t n)
{
	snprintf(out, n, "reports from=%lld to=%lld parts=%#x",
	    (long long)p->from_utc, (long long)p->to_utc, parts);
}

/* About the bytes report r holds (for the kept figures' bound). */
static size_t
report_bytes(const struct db_report *r)
{
	size_t n = sizeof(*r), i;
	int k;

	for (k = 0; k < REPORT_BY__MAX; k++)
		n += r->ngroups[k] * sizeof(*r->groups[k]);
	n += r->nsources * sizeof(*r->by_source);
	n += r->nwaitlist_months * sizeof(*r->waitlist_months);
	n += r->nlate * sizeof(*r->late);
	for (i = 0; i < r->nlate_names; i++)
		n += sizeof(*r->late_names) + strlen(r->late_names[i]) + 1;
	n += r->ncaseload * sizeof(*r->caseload);
	return n;
}

static void
report_free_kept(void *r)
{
	db_report_free(r);
}

/*
 * The figures of parts of period p: the worker's kept copy (the whole
 * report's; a long period's page's, whose late rows are one a site
 * (REPORT_PART_LATE_BY_SITE), for all but the late table by month; or
 * any table's whose parts hold these: after the summary's, every
 * table's but the offers' and the late table's), or read now and
 * kept.  0 with *r them and *own what the caller frees (NULL when they
 * are kept: *r is then valid as app_figures_find says), or -1.
 */
static int
report_figures(struct app *app, const struct period *p, unsigned parts,
    const struct db_report **r, struct db_report **own)
{
	struct db_report *load;
	char key[APP_PART_KEY_LEN];
	const void *kept;
	unsigned m, want;
	int k, j, rc;

	*r = NULL;
	*own = NULL;
	report_key(p, REPORT_PART_ALL, key, sizeof(key));
	rc = app_figures_find(app, key, (time_t)p->now, &kept);
	if (rc == 0 && (!(parts & REPORT_PART_LATE) ||
	    (parts & REPORT_PART_LATE_BY_SITE))) {
		/* A long period's page's: late rows a site, all else. */
		report_key(p, REPORT_PART_ALL | REPORT_PART_LATE_BY_SITE, key,
		    sizeof(key));
		rc = app_figures_find(app, key, (time_t)p->now, &kept);
	}
	want = parts & ~REPORT_PART_LATE_BY_SITE;
	for (k = 0; rc == 0 && k < RT__MAX; k++) {
		m = rt_kinds[k].parts;
		for (j = 0; j < k && rt_kinds[j].parts != m; j++)
			continue;
		if (j < k || (m & want) != want)
			continue;	/* tried already, or not all of parts */
		report_key(p, m, key, sizeof(key));
		rc = app_figures_find(app, key, (time_t)p->now, &kept);
	}
	if (rc == 1) {
		*r = kept;
		return 0;
	}
	if (db_report_load_parts(app->db, p->from_utc, p->to_utc, p->now,
	    parts, &load) == -1)
		return -1;
	*r = load;
	report_key(p, parts, key, sizeof(key));
	if (app_figures_keep(key, (time_t)p->now, report_until(p), load,
	    report_bytes(load), report_free_kept) == -1)
		*own = load;
	return 0;
}

/*
 * The page: its body (all of it but the staff layout, which holds the
 * viewer's name, role and CSRF token) is the same for every coordinator
 * and admin who asks for the same period, so a worker keeps it, and the
 * period's figures that each of its CSV tables is built from too,
 * until a record changes or the period's end passes (report_until).
 * A page with a problem (the default period, with what was entered)
 * is built from the kept figures, but not kept.
 */
static void
reports_page(struct app *app, struct req *rq, struct resp *rs)
{
	struct rtable t[RT__MAX];
	const struct db_report *r;
	struct db_report *own;
	struct tmpl_data *d;
	struct period p;
	struct buf svg = BUF_INIT, body = BUF_INIT;
	const struct buf *kept = NULL;
	const char *problem = period_read(rq, &p);
	char label[64], key[APP_PART_KEY_LEN];
	int k, rc;

	snprintf(key, sizeof(key), "reports page from=%lld to=%lld",
	    (long long)p.from_utc, (long long)p.to_utc);
	if (problem == NULL && app_part_find(app, key, (time_t)p.now,
	    &kept) == 1)
		goto answer;
	if (report_figures(app, &p, REPORT_PART_ALL | (late_long(p.from_utc,
	    p.to_utc) ? REPORT_PART_LATE_BY_SITE : 0), &r, &own) == -1) {
		http_error(app, rs, 503, "The reports cannot be shown just "
		    "now. Try again in a minute.");
		return;
	}
	tables_build(t, r, 1);
	d = tmpl_data_new();
	tmpl_data_set(d, "error", problem);
	tmpl_data_set(d, "from", p.from);
	tmpl_data_set(d, "to", p.to);
	tmpl_data_set(d, "v_from", problem != NULL ?
	    form_get(&rq->q, "from") : p.from);
	tmpl_data_set(d, "v_to", problem != NULL ?
	    form_get(&rq->q, "to") : p.to);
	date_label(p.from, label, sizeof(label));
	tmpl_data_set(d, "from_label", label);
	date_label(p.to, label, sizeof(label));
	tmpl_data_set(d, "to_label", label);
	tmpl_data_setf(d, "outcome_after", "%ld",
	    db_setting_int(app->db, "outcome_after", 6));
	for (k = 0; k < RT__MAX; k++)
		add_table(d, &t[k], &svg);
	rc = tmpl_render(app->tmpl, "reports.html", d, &body);
	tmpl_data_free(d);
	tables_free(t);
	buf_free(&svg);
	db_report_free(own);
	if (rc == -1) {
		buf_free(&body);
		http_error(app, rs, 500, "Something went wrong on our side.");
		return;
	}
	/* After the figures' last use: keeping may push them out. */
	if (problem == NULL)
		(void)app_part_keep(key, (time_t)p.now, report_until(&p),
		    &body);
	kept = &body;
answer:
	d = app_staff_data(app, rq, problem != NULL ? "Error: reports" :
	    "Reports");
	app_render_around(app, rs, problem != NULL ? 422 : 200, d, kept);
	tmpl_data_free(d);
	buf_free(&body);
}

void
page_reports(struct app *app, struct req *rq, struct resp *rs)
{
	reports_page(app, rq, rs);
}

/* ---- CSV ---- */

/*
 * Appends one CSV field (RFC 4180): quoted when it holds a comma, quote,
 * CR or LF; a leading = + - @ tab or CR (a spreadsheet formula) is
 * defused with a leading apostrophe.
 */
static void
csv_field(struct buf *b, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';

	if (quote)
		buf_putc(b, '"');
	if (formula)
		buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	if (quote)
		buf_putc(b, '"');
}

static void
csv_table(struct buf *b, const struct rtable *t)
{
	size_t i, j;

	for (j = 0; j < t->ncols; j++) {
		if (j > 0)
			buf_putc(b, ',');
		csv_field(b, t->heads[j]);
	}
	buf_puts(b, "\r\n");
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncols; j++) {
			if (j > 0)
				buf_putc(b, ',');
			csv_field(b, t->rows[i].cells[j]);
		}
		buf_puts(b, "\r\n");
	}
}

/* The table named name (the CSV's table=), or RT__MAX: none. */
static enum rt
rt_named(const char *name)
{
	int k;

	for (k = 0; k < RT__MAX; k++)
		if (name != NULL && strcmp(name, rt_kinds[k].name) == 0)
			break;
	return (enum rt)k;
}

int
page_reports_csv_write(struct buf *b, const struct db_report *r,
    const char *table)
{
	struct rtable t[RT__MAX];
	enum rt k = rt_named(table);

	if (k == RT__MAX)
		return -1;
	tables_build(t, r, 0);
	csv_table(b, &t[k]);
	tables_free(t);
	return 0;
}

/*
 * A table as CSV: kept by the worker as the page is (its text, for
 * whoever downloads it again), and built from the period's figures the
 * worker keeps (report_figures): after the page, every table of its
 * period without reading the database again.
 */
void
page_reports_csv(struct app *app, struct req *rq, struct resp *rs)
{
	const struct db_report *r;
	struct db_report *own, view;
	struct period p;
	const struct buf *kept;
	const char *name = form_get(&rq->q, "table"), *problem;
	char disp[160], key[APP_PART_KEY_LEN];
	enum rt k;

	if ((problem = period_read(rq, &p)) != NULL) {
		http_error(app, rs, 400, problem);
		return;
	}
	if ((k = rt_named(name)) == RT__MAX) {
		http_error(app, rs, 404, "There is no such table. Open the "
		    "reports page and use its download links.");
		return;
	}
	snprintf(key, sizeof(key), "reports.csv table=%s from=%lld to=%lld",
	    rt_kinds[k].name, (long long)p.from_utc, (long long)p.to_utc);
	buf_reset(&rs->body);
	if (app_part_find(app, key, (time_t)p.now, &kept) == 1)
		buf_append(&rs->body, kept->data, kept->len);
	else {
		/* The period's whole report when the worker keeps it (the
		 * page was viewed), else only what this table is built
		 * from. */
		if (report_figures(app, &p, rt_kinds[k].parts, &r,
		    &own) == -1) {
			http_error(app, rs, 503, "The reports cannot be made "
			    "just now. Try again in a minute.");
			return;
		}
		/* The late rows (40,637 at N=10 over six years) are
		 * formatted for their own table alone. */
		view = *r;
		if (!(rt_kinds[k].parts & REPORT_PART_LATE))
			view.nlate = 0;
		(void)page_reports_csv_write(&rs->body, &view,
		    rt_kinds[k].name);
		db_report_free(own);
		(void)app_part_keep(key, (time_t)p.now, report_until(&p),
		    &rs->body);
	}
	rs->status = 200;
	rs->content_type = "text/csv; charset=utf-8";
	/* The name is one of ours and the dates were checked. */
	snprintf(disp, sizeof(disp), "attachment; filename=\"tutti-%s-"
	    "%s-to-%s.csv\"", rt_kinds[k].name, p.from, p.to);
	http_header(rs, "Content-Disposition", disp);
}

/*
 * report-bench: the CPU of the figures behind /reports, its CSV and the
 * impact report, on a copy of a grown database (never the original: the
 * migrations run on open).
 *
 *   report-bench dbfile [rounds]
 *   report-bench dbfile check
 *   report-bench dbfile parts
 *
 * Times, in process CPU, db_report_load for the twelve months to today
 * and for six years to today (as /reports and /reports.csv read them),
 * and db_impact_load for the last twelve months and the twelve before
 * (as /impact reads them), each the median of the rounds (3 by default).
 * Dates are local to TZ (Europe/London when unset).
 *
 * With "check", times nothing: compares the figures read from the
 * summaries with those worked out from the raw rows
 * (db_report_load_raw, db_impact_load_raw) for the last year, six
 * years and each of the six years alone, and again with the late rows
 * by site (REPORT_PART_LATE_BY_SITE, as the page reads a long period,
 * from whole years where it can); "check: ok", or the first difference
 * and exit status 1.  With "parts", times each part of a
 * report alone (db_report_load_parts) for the last year and six years.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/partner.h"
#include "db/reports.h"

#define ROUNDS_MAX	15

/* Local midnight of today + days (days may be negative), years back. */
static int64_t
midnight(int days, int years)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_year -= years;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One figure: what == 0 a report of [from, to), 1 the impact pair. */
static int
measure(struct db *db, const char *label, int what, int64_t from,
    int64_t to, int rounds)
{
	struct db_report *r;
	struct db_impact *a, *b;
	double t[ROUNDS_MAX], t0;
	int i;

	for (i = 0; i < rounds; i++) {
		t0 = cpu_ms();
		if (what == 0) {
			if (db_report_load(db, from, to,
			    (int64_t)time(NULL), &r) == -1)
				return -1;
			db_report_free(r);
		} else {
			if (db_impact_load(db, from, to, 6, &a) == -1 ||
			    db_impact_load(db, from - (to - from), from, 6,
			    &b) == -1)
				return -1;
			db_impact_free(a);
			db_impact_free(b);
		}
		t[i] = cpu_ms() - t0;
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), dbl_cmp);
	printf("%-22s %9.1f ms CPU (median of %d; min %.1f, max %.1f)\n",
	    label, t[rounds / 2], rounds, t[0], t[rounds - 1]);
	return 0;
}

/* Each part of a report of [from, to) alone, the median of 5. */
static int
measure_parts(struct db *db, const char *label, int64_t from, int64_t to)
{
	static const char *const names[] = { "sessions", "people",
	    "referrals", "waitlist", "waits", "offers", "caseload",
	    "outcomes", "late" };
	struct db_report *r;
	double t[5], t0;
	int k, i;

	for (k = 0; k < 9; k++) {
		for (i = 0; i < 5; i++) {
			t0 = cpu_ms();
			if (db_report_load_parts(db, from, to,
			    (int64_t)time(NULL), 1u << k, &r) == -1)
				return -1;
			db_report_free(r);
			t[i] = cpu_ms() - t0;
		}
		qsort(t, 5, sizeof(t[0]), dbl_cmp);
		printf("%-22s %-10s %7.1f ms CPU\n", label, names[k], t[2]);
	}
	return 0;
}

/*
 * The late rows of r (by site and month) added up a site, as
 * REPORT_PART_LATE_BY_SITE gives them: a site's rows come together.
 */
static void
late_fold(struct db_report *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nlate; i++) {
		if (n > 0 && r->late[n - 1].site_id == r->late[i].site_id) {
			r->late[n - 1].sessions += r->late[i].sessions;
			r->late[n - 1].late += r->late[i].late;
			r->late[n - 1].dna += r->late[i].dna;
			continue;
		}
		r->late[n] = r->late[i];
		r->late[n++].month[0] = '\0';
	}
	r->nlate = n;
}

/* The summaries against the raw rows over [from, to); 0 when equal. */
static int
check(struct db *db, int64_t from, int64_t to)
{
	struct db_report *a = NULL, *b = NULL;
	struct db_impact *x = NULL, *y = NULL;
	char why[128] = "";
	size_t i;
	int rc = -1;

	if (db_report_load(db, from, to, (int64_t)time(NULL), &a) == -1 ||
	    db_report_load_raw(db, from, to, &b) == -1 ||
	    db_impact_load(db, from, to, 6, &x) == -1 ||
	    db_impact_load_raw(db, from, to, 6, &y) == -1)
		goto out;
	if (db_report_differ(a, b, why, sizeof(why)) != 0)
		goto out;
	/* As the page reads a long period: late rows by site. */
	db_report_free(a);
	if (db_report_load_parts(db, from, to, (int64_t)time(NULL),
	    REPORT_PART_ALL | REPORT_PART_LATE_BY_SITE, &a) == -1) {
		a = NULL;
		goto out;
	}
	late_fold(b);
	if (db_report_differ(a, b, why, sizeof(why)) != 0) {
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    " (by site)");
		goto out;
	}
	snprintf(why, sizeof(why), "impact");
	if (x->sessions != y->sessions || x->sessions_own != y->sessions_own ||
	    x->sessions_partner != y->sessions_partner ||
	    x->seconds != y->seconds || x->organisations != y->organisations ||
	    x->people != y->people || x->long_term != y->long_term ||
	    x->nregions != y->nregions)
		goto out;
	for (i = 0; i < IMPACT__MAX; i++)
		if (x->agreed[i] != y->agreed[i] ||
		    x->answered[i] != y->answered[i] ||
		    x->sent[i] != y->sent[i])
			goto out;
	for (i = 0; i < x->nregions; i++)
		if (strcmp(x->regions[i].region, y->regions[i].region) != 0 ||
		    x->regions[i].sessions != y->regions[i].sessions ||
		    x->regions[i].seconds != y->regions[i].seconds)
			goto out;
	printf("check: %lld to %lld: %lld sessions, %lld people: same\n",
	    (long long)from, (long long)to, (long long)a->sessions,
	    (long long)a->people);
	rc = 0;
out:
	if (rc == -1)
		printf("check: %lld to %lld: %s differs\n", (long long)from,
		    (long long)to, why);
	db_report_free(a);
	db_report_free(b);
	db_impact_free(x);
	db_impact_free(y);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct db *db;
	char err[256];
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	int64_t end;

	if (argc < 2) {
		fprintf(stderr, "usage: report-bench dbfile [rounds]\n");
		return 2;
	}
	if (rounds < 1 || rounds > ROUNDS_MAX)
		rounds = 3;
	setenv("TZ", getenv("TZ") != NULL ? getenv("TZ") : "Europe/London",
	    1);
	tzset();
	if ((db = db_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "report-bench: %s\n", err);
		return 1;
	}
	end = midnight(1, 0);
	if (argc > 2 && strcmp(argv[2], "check") == 0) {
		int y, bad = 0;

		bad |= check(db, midnight(1, 1), end);
		bad |= check(db, midnight(1, 6), end);
		for (y = 6; y > 0; y--)
			bad |= check(db, midnight(1, y), midnight(1, y - 1));
		db_close(db);
		printf("check: %s\n", bad ? "DIFFERS" : "ok");
		return bad ? 1 : 0;
	}
	if (argc > 2 && strcmp(argv[2], "parts") == 0) {
		int bad = measure_parts(db, "last year", midnight(1, 1),
		    end) == -1 || measure_parts(db, "six years",
		    midnight(1, 6), end) == -1;

		db_close(db);
		return bad;
	}
	if (measure(db, "reports, last year", 0, midnight(1, 1), end,
	    rounds) == -1 ||
	    measure(db, "reports, six years", 0, midnight(1, 6), end,
	    rounds) == -1 ||
	    measure(db, "impact, two years", 1, midnight(1, 1), end,
	    rounds) == -1) {
		db_close(db);
		return 1;
	}
	db_close(db);
	return 0;
}

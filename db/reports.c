/*
 * db/reports: the figures of /reports, the outcome survey, and the
 * settings they read.  What each figure counts is in db/reports.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/offers.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "db/schedule.h"
#include "util/buf.h"

#define WAITLIST_MONTHS_MAX	120

const char *const outcome_q_names[OUTCOME__MAX] = {
	"positive", "quality_of_life", "social", "relationship",
};
const char *const outcome_q_labels[OUTCOME__MAX] = {
	"Music therapy gave me a positive or creative experience",
	"Music therapy improved my quality of life",
	"Music therapy helped me develop social skills and interaction",
	"Families and carers: music therapy improved our relationship",
};
const char *const outcome_answer_names[ANSWER__MAX] = {
	"agree", "unsure", "disagree", "na",
};

/* Writes t as ISO 8601 UTC, as db_now does. */
static void
iso(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- sessions delivered ---- */

/*
 * The sessions delivered in [?1, ?2) (d), and one row per client who
 * attended one of them, with their referral (p): worked out once a
 * report (report_fill) into tables of this connection's own (TEMP),
 * which the totals and every breakdown then read, instead of each of
 * the six working the period out again.
 */
static const char sql_d_make[] = "CREATE TEMP TABLE IF NOT EXISTS "
    "report_d (id, series_id, occ_date, start_utc, end_utc, therapist_id, "
    "site_id, client_id, group_id)";
static const char sql_p_make[] = "CREATE TEMP TABLE IF NOT EXISTS "
    "report_p (id, series_id, occ_date, start_utc, end_utc, therapist_id, "
    "site_id, client_id, group_id, referral_id)";
static const char sql_d_clear[] = "DELETE FROM temp.report_d";
static const char sql_p_clear[] = "DELETE FROM temp.report_p";
static const char sql_d_fill[] = "INSERT INTO temp.report_d "
    "SELECT o.id, o.series_id, o.occ_date, o.start_utc,"
    " o.end_utc, o.therapist_id, o.site_id, s.client_id, s.group_id"
    " FROM occurrences o JOIN series s ON s.id = o.series_id"
    " WHERE o.start_utc >= ?1 AND o.start_utc < ?2"
    " AND o.state != 'cancelled' AND EXISTS (SELECT 1 FROM attendance a"
    " WHERE a.series_id = o.series_id AND a.occ_date = o.occ_date"
    " AND a.status = 'attended')";
/* CROSS JOIN: the period's sessions first, each one's attendance by its
 * key (not every attended line ever, by the index on status). */
static const char sql_p_fill[] = "INSERT INTO temp.report_p "
    "SELECT d.*, c.referral_id FROM temp.report_d d CROSS JOIN attendance a"
    " ON a.series_id = d.series_id AND a.occ_date = d.occ_date"
    " AND a.status = 'attended' CROSS JOIN clients c ON c.id = a.client_id";
#define DELIVERED \
	"WITH d AS (SELECT * FROM temp.report_d), " \
	"p AS (SELECT * FROM temp.report_p) "

static const char sql_totals[] = DELIVERED
    "SELECT (SELECT count(*) FROM d),"
    " (SELECT coalesce(sum(end_utc - start_utc), 0) FROM d),"
    " (SELECT count(DISTINCT referral_id) FROM p)";

/* A breakdown: KEY is an expression over d's (and p's) columns. */
#define BREAKDOWN(key) DELIVERED \
	", g AS (SELECT " key " AS k, count(*) AS n," \
	" sum(end_utc - start_utc) AS secs FROM d GROUP BY k)," \
	" h AS (SELECT " key " AS k, count(DISTINCT referral_id) AS people" \
	" FROM p GROUP BY k) "

static const char *const sql_groups[REPORT_BY__MAX] = {
	BREAKDOWN("strftime('%Y-%m', start_utc, 'unixepoch', 'localtime')")
	"SELECT g.k, g.k, g.n, g.secs, coalesce(h.people, 0) FROM g"
	" LEFT JOIN h ON h.k = g.k ORDER BY g.k",

	BREAKDOWN("site_id")
	"SELECT g.k, coalesce((SELECT name FROM sites WHERE id = g.k), ''),"
	" g.n, g.secs, coalesce(h.people, 0) AS people FROM g"
	" LEFT JOIN h ON h.k = g.k ORDER BY g.n DESC, 2, g.k",

	BREAKDOWN("coalesce((SELECT organisation_id FROM sites"
	    " WHERE id = site_id), 0)")
	"SELECT g.k, coalesce((SELECT name FROM organisations"
	" WHERE id = g.k), 'No partner organisation'), g.n, g.secs,"
	" coalesce(h.people, 0) FROM g LEFT JOIN h ON h.k = g.k"
	" ORDER BY g.k = 0, g.n DESC, 2, g.k",

	BREAKDOWN("therapist_id")
	"SELECT g.k, coalesce((SELECT name FROM therapists WHERE id = g.k),"
	" ''), g.n, g.secs, coalesce(h.people, 0) FROM g"
	" LEFT JOIN h ON h.k = g.k ORDER BY g.n DESC, 2, g.k",

	BREAKDOWN("CASE WHEN client_id IS NOT NULL THEN 'individual'"
	    " ELSE 'group' END")
	"SELECT g.k, CASE g.k WHEN 'individual' THEN 'Individual'"
	" ELSE 'Group' END, g.n, g.secs, coalesce(h.people, 0) FROM g"
	" LEFT JOIN h ON h.k = g.k ORDER BY g.k DESC",
};

static const char sql_attendance[] = "SELECT a.status, count(*) "
    "FROM occurrences o CROSS JOIN attendance a ON o.series_id = a.series_id "
    "AND o.occ_date = a.occ_date WHERE o.start_utc >= ?1 "
    "AND o.start_utc < ?2 GROUP BY a.status";

/* ---- referrals, the waitlist, waits, caseloads ---- */

/*
 * Referrals by need and source: the whole UTC months inside the period
 * from report_referral_months (049), a row a month, needs and source
 * with their count; the hours at its ends from one pass over the index
 * on (created_at, needs, source), a row a referral.
 */
static const char sql_referral_months[] = "SELECT needs, source, n "
    "FROM report_referral_months WHERE month >= ?1 AND month < ?2";
static const char sql_referrals[] = "SELECT needs, source, 1 "
    "FROM referrals WHERE created_at >= ?1 AND created_at < ?2";

/* The state of referral R at instant ?1: its last event before it. */
#define STATE_AT(r) \
	"(SELECT e.to_status FROM referral_events e" \
	" WHERE e.referral_id = " r " AND e.at < ?1" \
	" ORDER BY e.at DESC, e.id DESC LIMIT 1)"

/*
 * The waitlist at an instant: joined - departed over the hours before it
 * (waitlist_hours, 017-growth.sql, one row an hour), from the months
 * before (waitlist_months, 055) and the hours of its own month; and the
 * part of the instant's own hour before it, from the history lines.
 */
static const char sql_waitlist_months[] = "SELECT month, change "
    "FROM waitlist_months WHERE month <= ?1 ORDER BY month";
static const char sql_waitlist_span[] = "SELECT "
    "coalesce(sum(joined - departed), 0) FROM waitlist_hours "
    "WHERE hour >= ?1 AND hour < ?2";
static const char sql_waitlist_part[] = "SELECT coalesce(sum("
    "(e.to_status = 'waitlisted') - ((SELECT p.to_status FROM "
    "referral_events p WHERE p.referral_id = e.referral_id AND (p.at < "
    "e.at OR (p.at = e.at AND p.id < e.id)) ORDER BY p.at DESC, p.id DESC "
    "LIMIT 1) IS 'waitlisted')), 0) FROM referral_events e "
    "WHERE e.at >= ?1 AND e.at < ?2";

/*
 * Waits: for each person whose first attended session (over all their
 * times on a caseload) fell in [?1, ?2), from referral to that session:
 * read from first_sessions (023-growth-summaries.sql), kept with every
 * change to attendance, rather than from all attendance ever; and the
 * second session, kept beside it (031-report-summaries.sql).  [1], the
 * raw count the summary must equal, works the second out from each
 * person's attendance: CROSS JOIN keeps the order person, their
 * attendance (attendance_client), its session; left to itself the
 * planner walked every attended line ever by attendance_status for each
 * person (20 s for a year of six years of a service of DESIGN.md's
 * size).
 */
#define WAITS_OF(second) "SELECT max(0, f.first_utc - " \
	"CAST(strftime('%s', r.created_at) AS INTEGER)), " second \
	" FROM first_sessions f JOIN referrals r ON r.id = f.referral_id " \
	"WHERE f.first_utc >= ?1 AND f.first_utc < ?2"
static const char *const sql_waits[2] = {
	/* The receipt and second session kept beside the first (036,
	 * 031), from the index on the first's time alone. */
	"SELECT max(0, first_utc - received_utc), second_utc - first_utc "
	"FROM first_sessions WHERE first_utc >= ?1 AND first_utc < ?2 "
	"AND received_utc IS NOT NULL",
	WAITS_OF("(SELECT min(o.start_utc) FROM clients c CROSS JOIN "
	    "attendance a ON a.client_id = c.id AND a.status = 'attended' "
	    "CROSS JOIN occurrences o ON o.series_id = a.series_id AND "
	    "o.occ_date = a.occ_date WHERE c.referral_id = f.referral_id AND "
	    "o.start_utc > f.first_utc) - f.first_utc"),
};

/*
 * Late cancellations and did not attend by site and local month, over
 * the sessions that started in [?1, ?2): see db/reports.h.
 */
#define LATE_OF_O "EXISTS (SELECT 1 FROM self_cancels c WHERE " \
	"c.series_id = o.series_id AND c.occ_date = o.occ_date AND c.late)"
static const char sql_late[] = "SELECT s.name, strftime('%Y-%m', "
    "o.start_utc, 'unixepoch', 'localtime') AS m, count(*), "
    "sum(" LATE_OF_O "), sum(EXISTS (SELECT 1 FROM attendance a WHERE "
    "a.series_id = o.series_id AND a.occ_date = o.occ_date AND "
    "a.status = 'did_not_attend')), o.site_id FROM occurrences o JOIN sites s "
    "ON s.id = o.site_id WHERE o.start_utc >= ?1 AND o.start_utc < ?2 "
    "AND (o.state != 'cancelled' OR " LATE_OF_O ") "
    "GROUP BY o.site_id, m ORDER BY s.name, o.site_id, m";

/*
 * Caseloads at ?1: each therapist's clients not ended by then (open, or
 * ended after it: two ranges of clients_caseload) and started before
 * it, whose referral was matched or active then.  Both read index
 * entries only (046-caseload-at-indexes.sql): the start beside the end
 * in clients_caseload, the state in referral_events_at.
 */
#define CASELOAD_AT(ended) \
	"(SELECT count(*) FROM clients c WHERE c.therapist_id = t.id " \
	"AND " ended " AND c.started_at < ?1 " \
	"AND " STATE_AT("c.referral_id") " IN ('matched', 'active'))"
#define CASELOAD_OF(n) "SELECT id, name, n, max_caseload FROM " \
	"(SELECT t.id, t.name, t.active, t.max_caseload, " n " AS n " \
	"FROM therapists t) WHERE active = 1 OR n > 0 ORDER BY name, id"
static const char sql_caseload[] = CASELOAD_OF(
    CASELOAD_AT("c.ended_at IS NULL") " + " CASELOAD_AT("c.ended_at >= ?1"));

/*
 * The same at an instant not in the past (a period ending today or
 * later, as the page's default and six years do).  Every time is written
 * when it happens, so nothing has happened after now: each referral's
 * state at ?1 is its status now, and no place starts or ends after ?1.
 * That leaves each therapist's open places whose referral is matched or
 * active, counted from indexes only as the therapist list does
 * (OPEN_CLIENTS_ALL, db/records.c): clients_caseload, and the matched
 * and active referrals' ids read once from referrals_status_created
 * (the unary + keeps SQLite from probing that index once a place).
 * Rather than a history seek for each open place (4,669 at N=10:
 * 166-195 ms of each /reports view, issue 21).
 */
static const char sql_caseload_now[] = CASELOAD_OF("(SELECT count(*) "
    "FROM clients c WHERE c.therapist_id = t.id AND c.ended_at IS NULL "
    "AND +c.referral_id IN (SELECT r.id FROM referrals r "
    "WHERE r.status IN ('matched', 'active')))");

/* ---- outcomes ---- */

static const char sql_outcomes[] = "SELECT positive, quality_of_life, "
    "social, relationship FROM outcomes "
    "WHERE answered_at >= ?1 AND answered_at < ?2";
static const char sql_surveys[] = "SELECT count(*) FROM outbox "
    "WHERE kind = 'outcome_survey' AND created_at >= ?1 "
    "AND created_at < ?2";
/* A kind's months [?2, ?3) of report_answer_months (055). */
static const char sql_answer_months[] = "SELECT sent, answers, agreed1, "
    "answered1, agreed2, answered2, agreed3, answered3, agreed4, "
    "answered4 FROM report_answer_months WHERE kind = ?1 "
    "AND month >= ?2 AND month < ?3";

/* Binds ?1 and ?2 as UTC seconds. */
static void
bind_range(sqlite3_stmt *st, int64_t from, int64_t to)
{
	(void)sqlite3_bind_int64(st, 1, from);
	(void)sqlite3_bind_int64(st, 2, to);
}

/* Works out the period's sessions into report_d and report_p. */
static int
report_fill(struct db *db, const struct db_report *r)
{
	sqlite3_stmt *st;

	if (db_exec(db, sql_d_make) != SQLITE_OK ||
	    db_exec(db, sql_p_make) != SQLITE_OK ||
	    db_exec(db, sql_d_clear) != SQLITE_OK ||
	    db_exec(db, sql_p_clear) != SQLITE_OK ||
	    (st = db_stmt(db, sql_d_fill)) == NULL)
		return -1;
	bind_range(st, r->from_utc, r->to_utc);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	return db_exec(db, sql_p_fill) == SQLITE_OK ? 0 : -1;
}

static int
load_totals(struct db *db, struct db_report *r)
{
	sqlite3_stmt *st = db_stmt(db, sql_totals);
	int rc;

	if (st == NULL)
		return -1;
	bind_range(st, r->from_utc, r->to_utc);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		r->sessions = sqlite3_column_int64(st, 0);
		r->seconds = sqlite3_column_int64(st, 1);
		r->people = sqlite3_column_int64(st, 2);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
load_groups(struct db *db, struct db_report *r, enum report_by by)
{
	sqlite3_stmt *st = db_stmt(db, sql_groups[by]);
	struct db_report_group *g;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	bind_range(st, r->from_utc, r->to_utc);
	while ((rc = db_next(db, st)) == 1) {
		if (r->ngroups[by] == cap) {
			cap = cap ? cap * 2 : 8;
			r->groups[by] = xrealloc(r->groups[by],
			    cap * sizeof(*r->groups[by]));
		}
		g = &r->groups[by][r->ngroups[by]++];
		db_copy(g->key, sizeof(g->key), db_col(st, 0));
		db_copy(g->label, sizeof(g->label), db_col(st, 1));
		g->sessions = sqlite3_column_int64(st, 2);
		g->seconds = sqlite3_column_int64(st, 3);
		g->people = sqlite3_column_int64(st, 4);
	}
	return rc;
}

static int
load_attendance(struct db *db, struct db_report *r)
{
	sqlite3_stmt *st = db_stmt(db, sql_attendance);
	int rc, k;

	if (st == NULL)
		return -1;
	bind_range(st, r->from_utc, r->to_utc);
	while ((rc = db_next(db, st)) == 1)
		if ((k = db_name_index(attendance_names, 4, db_col(st, 0))) >= 0)
			r->attendance[k] = sqlite3_column_int64(st, 1);
	return rc;
}

static const char *
source_label(const char *s)
{
	static const char *const names[] = { "self", "phone", "partner",
	    "gp", "other" };
	static const char *const labels[] = { "Self-referral (web form)",
	    "A phone call", "A partner organisation",
	    "A GP or health professional", "Other" };
	int k = db_name_index(names, sizeof(names) / sizeof(names[0]), s);

	return k >= 0 ? labels[k] : s;
}

/* Sources as the figures show them: the most referrals first. */
static int
source_order(const void *a, const void *b)
{
	const struct db_report_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/*
 * Adds the referrals of st's rows (needs, source, how many) to r, its
 * sources in by_source (*cap of them room).
 */
static int
referrals_add(struct db *db, struct db_report *r, sqlite3_stmt *st,
    size_t *cap)
{
	struct db_report_count *c;
	const char *source;
	size_t i;
	int64_t needs, n;
	int rc, k;

	while ((rc = db_next(db, st)) == 1) {
		needs = sqlite3_column_int64(st, 0);
		n = sqlite3_column_int64(st, 2);
		r->referrals += n;
		for (k = 0; k < NEED__MAX; k++)
			if (needs & ((int64_t)1 << k))
				r->by_need[k] += n;
		source = db_col(st, 1);
		for (i = 0; i < r->nsources; i++)
			if (strcmp(r->by_source[i].key, source) == 0)
				break;
		if (i == r->nsources) {
			if (r->nsources == *cap) {
				*cap = *cap ? *cap * 2 : 8;
				r->by_source = xrealloc(r->by_source,
				    *cap * sizeof(*r->by_source));
			}
			c = &r->by_source[r->nsources++];
			memset(c, 0, sizeof(*c));
			db_copy(c->key, sizeof(c->key), source);
			db_copy(c->label, sizeof(c->label),
			    source_label(source));
		}
		r->by_source[i].count += n;
	}
	return rc;
}

/* The referrals created in [from, to), from referrals_created. */
static int
referrals_raw(struct db *db, struct db_report *r, int64_t from, int64_t to,
    size_t *cap)
{
	sqlite3_stmt *st;
	char a[21], b[21];

	if (from >= to)
		return 0;
	if ((st = db_stmt(db, sql_referrals)) == NULL)
		return -1;
	iso(from, a);
	iso(to, b);
	(void)sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	(void)sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	return referrals_add(db, r, st, cap);
}

static int64_t month_start(int64_t id, int local);

/*
 * The period's referrals by need and source: whole UTC months from
 * report_referral_months, the rest from the referrals themselves; or
 * (raw) all from the referrals.
 */
static int
load_referrals(struct db *db, struct db_report *r, int raw)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int64_t k0, k1, a, b;

	db_utc_months(r->from_utc, r->to_utc, &k0, &k1);
	if (raw || k0 >= k1) {
		if (referrals_raw(db, r, r->from_utc, r->to_utc, &cap) == -1)
			return -1;
	} else {
		a = month_start(k0, 0);
		b = month_start(k1, 0);
		if (referrals_raw(db, r, r->from_utc, a, &cap) == -1 ||
		    (st = db_stmt(db, sql_referral_months)) == NULL)
			return -1;
		bind_range(st, k0, k1);
		if (referrals_add(db, r, st, &cap) == -1 ||
		    referrals_raw(db, r, b, r->to_utc, &cap) == -1)
			return -1;
	}
	if (r->nsources > 1)
		qsort(r->by_source, r->nsources, sizeof(*r->by_source),
		    source_order);
	return 0;
}

/* "2026-11-24T22", the UTC hour holding t. */
static void
hour_of(int64_t t, char out[14])
{
	char when[21];

	iso(t, when);
	memcpy(out, when, 13);
	out[13] = '\0';
}

/* Hours of waitlist_hours in [?1, ?2): their joined - departed. */
static int
waitlist_span(struct db *db, const char *from, const char *to,
    int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql_waitlist_span)) == NULL)
		return -1;
	(void)sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	(void)sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	if ((rc = db_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * The number of referrals waitlisted at each instant t[0] <= t[1] <= ...
 * <= t[n-1], into out: for the hours before each instant's hour, the
 * months before its UTC month (waitlist_months, 055) and its month's
 * hours before it, or the months to its month's end less its month's
 * hours from it, whichever is fewer hours; then the part of its own
 * hour before it.  0, or -1 on error.
 */
static int
waitlist_at_each(struct db *db, const int64_t *t, size_t n, int64_t *out)
{
	struct waitlist_month {
		char		 month[8];
		int64_t		 change;
	} *m = NULL;
	sqlite3_stmt *st;
	char hour[14], from[21], to[21], month[8], edge[32];
	int64_t before = 0, change, span;
	size_t nm = 0, cap = 0, i, j = 0;
	int rc, year, mon;

	if (n == 0)
		return 0;
	/* The months to the last instant's, in order. */
	if ((st = db_stmt(db, sql_waitlist_months)) == NULL)
		return -1;
	hour_of(t[n - 1], hour);
	memcpy(month, hour, 7);
	month[7] = '\0';
	(void)sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
	while ((rc = db_next(db, st)) == 1) {
		if (nm == cap) {
			cap = cap ? cap * 2 : 128;
			m = xrealloc(m, cap * sizeof(*m));
		}
		db_copy(m[nm].month, sizeof(m[nm].month), db_col(st, 0));
		m[nm++].change = sqlite3_column_int64(st, 1);
	}
	if (rc != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		hour_of(t[i], hour);
		memcpy(month, hour, 7);
		/* The months before this one into before (the instants
		 * come in order), its own into change. */
		while (j < nm && strcmp(m[j].month, month) < 0)
			before += m[j++].change;
		change = j < nm && strcmp(m[j].month, month) == 0 ?
		    m[j].change : 0;
		if (atoi(hour + 8) <= 15) {
			snprintf(edge, sizeof(edge), "%s-01T00", month);
			if (waitlist_span(db, edge, hour, &span) == -1)
				goto fail;
			out[i] = before + span;
		} else {
			year = atoi(hour);
			mon = atoi(hour + 5);
			snprintf(edge, sizeof(edge), "%04d-%02d-01T00",
			    mon == 12 ? year + 1 : year, mon == 12 ? 1 :
			    mon + 1);
			if (waitlist_span(db, hour, edge, &span) == -1)
				goto fail;
			out[i] = before + change - span;
		}
	}
	free(m);
	m = NULL;
	/* The part of each instant's own hour before it. */
	for (i = 0; i < n; i++) {
		iso(t[i], to);
		if (strcmp(to + 13, ":00:00Z") == 0)
			continue;
		hour_of(t[i], hour);
		snprintf(from, sizeof(from), "%s:00:00Z", hour);
		if ((st = db_stmt(db, sql_waitlist_part)) == NULL)
			return -1;
		(void)sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
		(void)sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
		rc = db_step(st);
		if (rc == SQLITE_ROW)
			out[i] += sqlite3_column_int64(st, 0);
		db_done(st);
		if (rc != SQLITE_ROW)
			return -1;
	}
	return 0;
fail:
	free(m);
	return -1;
}

/*
 * The first instant of the local month after the one holding t; always
 * after t, so that loops over months end whatever mktime says.
 */
static int64_t
next_month(int64_t t)
{
	time_t tt = (time_t)t, n;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon++;
	tm.tm_isdst = -1;
	n = mktime(&tm);
	return n == (time_t)-1 || (int64_t)n <= t ? t + 31 * 86400 :
	    (int64_t)n;
}

static int
load_waitlist(struct db *db, struct db_report *r)
{
	struct db_report_count *c;
	int64_t *at = NULL, *n = NULL, t, end;
	size_t k = 0, months = 0, skip, i;
	time_t tt;
	struct tm tm;
	int rc = -1;

	/* Count the months first, to keep only the last 120. */
	for (t = r->from_utc; t < r->to_utc; t = next_month(t))
		months++;
	skip = months > WAITLIST_MONTHS_MAX ? months - WAITLIST_MONTHS_MAX : 0;
	at = xrealloc(NULL, (months + 1) * sizeof(*at));
	n = xrealloc(NULL, (months + 1) * sizeof(*n));
	for (i = 0, t = r->from_utc; t < r->to_utc; t = next_month(t), i++) {
		if (i < skip)
			continue;
		end = next_month(t);
		at[k++] = end > r->to_utc ? r->to_utc : end;
	}
	at[k] = r->to_utc;	/* the end of the period, last */
	if (waitlist_at_each(db, at, k + 1, n) == -1)
		goto out;
	r->waitlist_end = n[k];
	r->waitlist_months = xrealloc(NULL, (k > 0 ? k : 1) *
	    sizeof(*r->waitlist_months));
	for (i = 0, t = r->from_utc; t < r->to_utc; t = next_month(t)) {
		if (skip > 0) {
			skip--;
			continue;
		}
		c = &r->waitlist_months[r->nwaitlist_months++];
		memset(c, 0, sizeof(*c));
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		strftime(c->key, sizeof(c->key), "%Y-%m", &tm);
		db_copy(c->label, sizeof(c->label), c->key);
		c->count = n[i++];
	}
	rc = 0;
out:
	free(at);
	free(n);
	return rc;
}

/*
 * Moves the k-th smallest of the n values v (k < n) to v[k], the smaller
 * before it and the larger after it (Hoare's selection, middle pivot):
 * on average a few passes over v, where sorting it all took n log n
 * comparisons (45,000 waits in a year at N=10, 270,000 in six).
 */
static void
int64_select(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, i, j;
	int64_t pivot, t;

	assert(k < n);
	while (lo < hi) {
		pivot = v[lo + (hi - lo) / 2];
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		/* Now v[lo..j] <= pivot <= v[i..hi], and j < i. */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;		/* v[j+1..i-1] all equal the pivot */
	}
}

/* The largest of the n > 0 values v. */
static int64_t
int64_max(const int64_t *v, size_t n)
{
	int64_t m = v[0];
	size_t i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/*
 * The median and the 90th percentile (nearest rank) in days of the n
 * waits v (seconds, in any order; reordered), or -1 for both with none.
 */
static void
waits_spread(int64_t *v, size_t n, double *median, double *p90)
{
	size_t h = n / 2, k;

	*median = *p90 = -1;
	if (n == 0)
		return;
	int64_select(v, n, h);
	/* Even n: the (h-1)-th smallest is the largest before v[h]. */
	*median = (n % 2 ? (double)v[h] :
	    ((double)int64_max(v, h) + (double)v[h]) / 2) / 86400.0;
	k = (n * 9 + 9) / 10;		/* ceil(0.9 n) */
	/* k - 1 >= h: the (k-1)-th smallest is at or after v[h]. */
	int64_select(v + h, n - h, k - 1 - h);
	*p90 = (double)v[k - 1] / 86400.0;
}

/* A list of waits in seconds. */
struct waits_list {
	int64_t		*v;
	size_t		 n, cap;
};

static void
waits_push(struct waits_list *l, int64_t secs)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = secs;
}

/*
 * Appends the waits of the people whose first session fell in
 * [from, to) (sql_waits[raw]) to first (from receipt) and second (from
 * the first to the second session).  0, or -1 on error.
 */
static int
waits_rows(struct db *db, int raw, int64_t from, int64_t to,
    struct waits_list *first, struct waits_list *second)
{
	sqlite3_stmt *st;
	int rc;

	if (from >= to)
		return 0;
	if ((st = db_stmt(db, sql_waits[raw])) == NULL)
		return -1;
	bind_range(st, from, to);
	while ((rc = db_next(db, st)) == 1) {
		waits_push(first, sqlite3_column_int64(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			waits_push(second, sqlite3_column_int64(st, 1));
	}
	return rc;
}

void
db_utc_months(int64_t from_utc, int64_t to_utc, int64_t *k0, int64_t *k1)
{
	struct tm tm;
	time_t tt;

	tt = (time_t)from_utc;
	gmtime_r(&tt, &tm);
	*k0 = (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
	if (month_start(*k0, 0) < from_utc)
		(*k0)++;
	tt = (time_t)to_utc;
	gmtime_r(&tt, &tm);
	*k1 = (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

int64_t
db_utc_month_start(int64_t id)
{
	return month_start(id, 0);
}

/*
 * One kind of wait of a period from the counts of 055: the people by
 * whole week of wait over the period's whole UTC months [k0, k1)
 * (report_wait_weeks) and the waits of the first sessions at its ends
 * (edge), then the exact waits of the week holding a rank
 * (report_wait_values), kept for the next rank asked.
 */
struct wait_kind {
	int			 kind;	/* 0 from receipt, 1 first to second */
	int64_t			 k0, k1;
	const struct waits_list	*edge;
	int64_t			*weeks;	/* people by week of wait */
	size_t			 nweeks;
	int64_t			 total;
	int64_t			 week;	/* of values, or -1 */
	struct wait_value	*values;
	size_t			 nvalues, cap;
};
struct wait_value {
	int64_t		 secs, n;
};

/* 055's weeks: a wait's week, in seconds. */
#define WAIT_WEEK	604800
/* More weeks than a wait can span (a hundred years). */
#define WAIT_WEEKS_MAX	5300

static const char sql_wait_weeks[] = "SELECT week, n "
    "FROM report_wait_weeks WHERE kind = ?1 AND month >= ?2 "
    "AND month < ?3";
static const char sql_wait_values[] = "SELECT secs, n "
    "FROM report_wait_values WHERE kind = ?1 AND week = ?2 "
    "AND month >= ?3 AND month < ?4";

/* Adds n people to week w of k; 0, or 1 when w is out of bounds. */
static int
wait_week_add(struct wait_kind *k, int64_t w, int64_t n)
{
	size_t i;

	if (w < 0 || w >= WAIT_WEEKS_MAX)
		return 1;
	if ((size_t)w >= k->nweeks) {
		k->weeks = xrealloc(k->weeks, ((size_t)w + 1) *
		    sizeof(*k->weeks));
		for (i = k->nweeks; i <= (size_t)w; i++)
			k->weeks[i] = 0;
		k->nweeks = (size_t)w + 1;
	}
	k->weeks[w] += n;
	k->total += n;
	return 0;
}

static void
wait_value_add(struct wait_kind *k, int64_t secs, int64_t n)
{
	if (k->nvalues == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->values = xrealloc(k->values, k->cap * sizeof(*k->values));
	}
	k->values[k->nvalues].secs = secs;
	k->values[k->nvalues++].n = n;
}

static int
wait_value_order(const void *a, const void *b)
{
	const struct wait_value *x = a, *y = b;

	return x->secs < y->secs ? -1 : x->secs > y->secs;
}

/*
 * The rank-th smallest wait (from 0) of k into *out: its week from the
 * counts, then that week's exact waits in order.  0, or -1 on error or
 * when the counts do not hold the rank.
 */
static int
wait_at(struct db *db, struct wait_kind *k, int64_t rank, int64_t *out)
{
	sqlite3_stmt *st;
	size_t w, i;
	int rc;

	for (w = 0; w < k->nweeks && rank >= k->weeks[w]; w++)
		rank -= k->weeks[w];
	if (w == k->nweeks)
		return -1;
	if (k->week != (int64_t)w) {
		k->week = (int64_t)w;
		k->nvalues = 0;
		if ((st = db_stmt(db, sql_wait_values)) == NULL)
			return -1;
		(void)sqlite3_bind_int(st, 1, k->kind);
		(void)sqlite3_bind_int64(st, 2, (int64_t)w);
		(void)sqlite3_bind_int64(st, 3, k->k0);
		(void)sqlite3_bind_int64(st, 4, k->k1);
		while ((rc = db_next(db, st)) == 1)
			wait_value_add(k, sqlite3_column_int64(st, 0),
			    sqlite3_column_int64(st, 1));
		if (rc != 0)
			return -1;
		for (i = 0; i < k->edge->n; i++)
			if (k->edge->v[i] / WAIT_WEEK == (int64_t)w)
				wait_value_add(k, k->edge->v[i], 1);
		qsort(k->values, k->nvalues, sizeof(*k->values),
		    wait_value_order);
	}
	for (i = 0; i < k->nvalues; i++) {
		if (rank < k->values[i].n) {
			*out = k->values[i].secs;
			return 0;
		}
		rank -= k->values[i].n;
	}
	return -1;
}

/*
 * The median and 90th percentile in days of k's waits (as waits_spread
 * works them out from every wait), -1 for both with none; their number
 * in *count.  0, 1 when a wait is beyond the weeks counted here (the
 * caller reads every wait instead), or -1 on error.
 */
static int
wait_spread(struct db *db, struct wait_kind *k, double *median,
    double *p90, int64_t *count)
{
	sqlite3_stmt *st;
	int64_t h, p, a, b, c;
	size_t i;
	int rc;

	*median = *p90 = -1;
	if ((st = db_stmt(db, sql_wait_weeks)) == NULL)
		return -1;
	(void)sqlite3_bind_int(st, 1, k->kind);
	(void)sqlite3_bind_int64(st, 2, k->k0);
	(void)sqlite3_bind_int64(st, 3, k->k1);
	while ((rc = db_next(db, st)) == 1)
		if (wait_week_add(k, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1)) == 1) {
			db_done(st);
			return 1;
		}
	if (rc != 0)
		return -1;
	for (i = 0; i < k->edge->n; i++)
		if (wait_week_add(k, k->edge->v[i] / WAIT_WEEK, 1) == 1)
			return 1;
	*count = k->total;
	if (k->total == 0)
		return 0;
	h = k->total / 2;
	p = (k->total * 9 + 9) / 10 - 1;	/* ceil(0.9 n) - 1 */
	if (wait_at(db, k, h, &b) == -1 || (k->total % 2 == 0 &&
	    wait_at(db, k, h - 1, &a) == -1) || wait_at(db, k, p, &c) == -1)
		return -1;
	*median = (k->total % 2 ? (double)b :
	    ((double)a + (double)b) / 2) / 86400.0;
	*p90 = (double)c / 86400.0;
	return 0;
}

/*
 * The waits of the period from the counts of 055 over its whole UTC
 * months [k0, k1) and the first sessions at its ends.  0, 1 when they
 * cannot say (wait_spread), or -1 on error.
 */
static int
waits_summed(struct db *db, struct db_report *r, int64_t k0, int64_t k1)
{
	struct waits_list first = { NULL, 0, 0 }, second = { NULL, 0, 0 };
	struct wait_kind k[2];
	int i, rc = -1;

	memset(k, 0, sizeof(k));
	if (waits_rows(db, 0, r->from_utc, month_start(k0, 0), &first,
	    &second) == -1 || waits_rows(db, 0, month_start(k1, 0),
	    r->to_utc, &first, &second) == -1)
		goto out;
	for (i = 0; i < 2; i++) {
		k[i].kind = i;
		k[i].k0 = k0;
		k[i].k1 = k1;
		k[i].edge = i == 0 ? &first : &second;
		k[i].week = -1;
	}
	if ((rc = wait_spread(db, &k[0], &r->median_wait_days,
	    &r->p90_wait_days, &r->first_sessions)) != 0)
		goto out;
	rc = wait_spread(db, &k[1], &r->median_second_days,
	    &r->p90_second_days, &r->second_sessions);
out:
	for (i = 0; i < 2; i++) {
		free(k[i].weeks);
		free(k[i].values);
	}
	free(first.v);
	free(second.v);
	return rc;
}

/*
 * The waits of the people whose first attended session fell in the
 * period: from the counts of 055 when the period holds a whole UTC
 * month, else (or raw, or when the counts cannot say) from every first
 * session of the period.
 */
static int
load_waits(struct db *db, struct db_report *r, int raw)
{
	struct waits_list first = { NULL, 0, 0 }, second = { NULL, 0, 0 };
	int64_t k0, k1;
	int rc;

	r->median_wait_days = r->p90_wait_days = -1;
	r->median_second_days = r->p90_second_days = -1;
	r->first_sessions = r->second_sessions = 0;
	db_utc_months(r->from_utc, r->to_utc, &k0, &k1);
	if (!raw && k0 < k1) {
		if ((rc = waits_summed(db, r, k0, k1)) != 1)
			return rc;
		r->median_wait_days = r->p90_wait_days = -1;
		r->median_second_days = r->p90_second_days = -1;
		r->first_sessions = r->second_sessions = 0;
	}
	if ((rc = waits_rows(db, raw, r->from_utc, r->to_utc, &first,
	    &second)) == 0) {
		waits_spread(first.v, first.n, &r->median_wait_days,
		    &r->p90_wait_days);
		waits_spread(second.v, second.n, &r->median_second_days,
		    &r->p90_second_days);
	}
	r->first_sessions = (int64_t)first.n;
	r->second_sessions = (int64_t)second.n;
	free(first.v);
	free(second.v);
	return rc;
}

/* Offers sent in the period, and by what became of them. */
static int
load_offers(struct db *db, struct db_report *r)
{
	static const char *const status[OFFERS__MAX] = { "", "accepted",
	    "expired", "declined" };
	char from[21], to[21];
	int k;

	iso(r->from_utc, from);
	iso(r->to_utc, to);
	for (k = 0; k < OFFERS__MAX; k++)
		if ((r->offers[k] = db_offers_count(db, status[k], from,
		    to)) < 0)
			return -1;
	return 0;
}

/*
 * The name of late row l's site (site_id, name), kept once a site in
 * r->late_names: the rows of a site come together, so only a row of
 * another site than the row before (prev, or NULL) keeps a copy.
 */
static void
late_name_set(struct db_report *r, struct db_report_late *l,
    const struct db_report_late *prev, int64_t site_id, const char *name)
{
	l->site_id = site_id;
	if (prev != NULL && prev->site_id == site_id &&
	    strcmp(prev->site, name) == 0) {
		l->site = prev->site;
		return;
	}
	r->late_names = xrealloc(r->late_names, (r->nlate_names + 1) *
	    sizeof(*r->late_names));
	l->site = r->late_names[r->nlate_names++] = xstrdup(name);
}

static int
load_late(struct db *db, struct db_report *r)
{
	sqlite3_stmt *st = db_stmt(db, sql_late);
	struct db_report_late *l;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	bind_range(st, r->from_utc, r->to_utc);
	while ((rc = db_next(db, st)) == 1) {
		if (r->nlate == cap) {
			cap = cap ? cap * 2 : 16;
			r->late = xrealloc(r->late, cap * sizeof(*r->late));
		}
		l = &r->late[r->nlate];
		late_name_set(r, l, r->nlate > 0 ? l - 1 : NULL,
		    sqlite3_column_int64(st, 5), db_col(st, 0));
		r->nlate++;
		db_copy(l->month, sizeof(l->month), db_col(st, 1));
		l->sessions = sqlite3_column_int64(st, 2);
		l->late = sqlite3_column_int64(st, 3);
		l->dna = sqlite3_column_int64(st, 4);
	}
	return rc;
}

/*
 * Each therapist's caseload at the end of the period: from the statuses
 * now when the end is not before now (sql_caseload_now), else (or for
 * raw, the rule itself) from each place's referral's history.
 */
static int
load_caseload(struct db *db, struct db_report *r, int raw, int64_t now)
{
	sqlite3_stmt *st;
	struct db_report_caseload *c;
	size_t cap = 0;
	char when[21];
	int rc;

	st = db_stmt(db, !raw && r->to_utc >= now ?
	    sql_caseload_now : sql_caseload);
	if (st == NULL)
		return -1;
	iso(r->to_utc, when);
	if (sqlite3_bind_parameter_count(st) > 0)
		(void)sqlite3_bind_text(st, 1, when, -1, SQLITE_TRANSIENT);
	while ((rc = db_next(db, st)) == 1) {
		if (r->ncaseload == cap) {
			cap = cap ? cap * 2 : 16;
			r->caseload = xrealloc(r->caseload,
			    cap * sizeof(*r->caseload));
		}
		c = &r->caseload[r->ncaseload++];
		c->therapist_id = sqlite3_column_int64(st, 0);
		db_copy(c->name, sizeof(c->name), db_col(st, 1));
		c->clients = sqlite3_column_int64(st, 2);
		c->capacity = sqlite3_column_int64(st, 3);
	}
	return rc;
}

/* The outcomes answered and surveys sent in [from, to), added to r. */
static int
outcomes_rows(struct db *db, struct db_report *r, int64_t from, int64_t to)
{
	sqlite3_stmt *st;
	char a[21], b[21];
	int rc, q, k;

	if (from >= to)
		return 0;
	iso(from, a);
	iso(to, b);
	if ((st = db_stmt(db, sql_outcomes)) == NULL)
		return -1;
	(void)sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	(void)sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	while ((rc = db_next(db, st)) == 1) {
		r->outcome_responses++;
		for (q = 0; q < OUTCOME__MAX; q++) {
			k = db_name_index(outcome_answer_names, ANSWER__MAX,
			    db_col(st, q));
			if (k < 0 || k == ANSWER_NA)
				continue;
			r->outcome_answered[q]++;
			if (k == ANSWER_AGREE)
				r->outcome_agreed[q]++;
		}
	}
	if (rc != 0 || (st = db_stmt(db, sql_surveys)) == NULL)
		return -1;
	(void)sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	(void)sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	if ((rc = db_step(st)) == SQLITE_ROW)
		r->outcome_sent += sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * The period's outcomes and outcome surveys sent: the whole UTC months
 * inside it from report_answer_months (055), the hours at its ends
 * from the rows; or (raw, or no whole month) all from the rows.
 */
static int
load_outcomes(struct db *db, struct db_report *r, int raw)
{
	sqlite3_stmt *st;
	int64_t k0, k1;
	int rc, q;

	db_utc_months(r->from_utc, r->to_utc, &k0, &k1);
	if (raw || k0 >= k1)
		return outcomes_rows(db, r, r->from_utc, r->to_utc);
	if (outcomes_rows(db, r, r->from_utc, month_start(k0, 0)) == -1 ||
	    outcomes_rows(db, r, month_start(k1, 0), r->to_utc) == -1 ||
	    (st = db_stmt(db, sql_answer_months)) == NULL)
		return -1;
	(void)sqlite3_bind_int(st, 1, 0);
	(void)sqlite3_bind_int64(st, 2, k0);
	(void)sqlite3_bind_int64(st, 3, k1);
	while ((rc = db_next(db, st)) == 1) {
		r->outcome_sent += sqlite3_column_int64(st, 0);
		r->outcome_responses += sqlite3_column_int64(st, 1);
		for (q = 0; q < OUTCOME__MAX; q++) {
			r->outcome_agreed[q] += sqlite3_column_int64(st,
			    2 + 2 * q);
			r->outcome_answered[q] += sqlite3_column_int64(st,
			    3 + 2 * q);
		}
	}
	return rc;
}

/* ---- the same figures from the summaries ---- */

/*
 * Sessions delivered, their breakdowns, attendance and late
 * cancellations are added up here from report_months (036), the
 * sessions of each UTC month by site, therapist and individual/group,
 * for the whole UTC months inside the period, and from report_sessions
 * (031), one row a session, for the rest: the hours at the period's ends
 * and, at each UTC month's start, the sessions whose local month is not
 * their UTC month (moved from the one to the other).  People served are
 * counted once from report_persons (036), one row a person, site,
 * therapist and individual/group, by the rows of the period
 * (report_persons_time, 048), and once a month from report_month_people
 * (048), the people of each UTC month, with report_people (031), one
 * row a person a session, for the hours and months that differ.  They
 * equal the figures worked out from the raw rows above
 * (db_report_load_raw); check_reports proves it after every kind of
 * write.
 */
static const char sql_sum_sessions[] = "SELECT start_utc, site_id, "
    "therapist_id, grp, NOT cancelled AND attended > 0, CASE WHEN NOT "
    "cancelled AND attended > 0 THEN seconds ELSE 0 END, attended, "
    "cancelled_client, dna, cancelled_therapist, NOT cancelled OR late, "
    "late != 0, (NOT cancelled OR late) AND dna > 0 FROM report_sessions "
    "WHERE start_utc >= ?1 AND start_utc < ?2";
static const char sql_sum_months[] = "SELECT month, site_id, "
    "therapist_id, grp, sessions, seconds, attended, cancelled_client, "
    "dna, cancelled_therapist, shown, late, dna_sessions "
    "FROM report_months WHERE month >= ?1 AND month < ?2";
static const char sql_sum_days[] = "SELECT day, site_id, "
    "therapist_id, grp, sessions, seconds, attended, cancelled_client, "
    "dna, cancelled_therapist, shown, late, dna_sessions "
    "FROM report_days WHERE day >= ?1 AND day < ?2";
static const char sql_sum_years[] = "SELECT year, site_id, "
    "therapist_id, grp, sessions, seconds, attended, cancelled_client, "
    "dna, cancelled_therapist, shown, late, dna_sessions "
    "FROM report_years WHERE year >= ?1 AND year < ?2";
static const char sql_sum_month_sessions[] = "SELECT month, sessions, "
    "seconds FROM report_month_sessions WHERE month >= ?1 AND month < ?2";
static const char sql_sum_persons[] = "SELECT referral_id, site_id, "
    "therapist_id, grp, first_utc, last_utc FROM report_persons "
    "INDEXED BY report_persons_time WHERE last_utc >= ?1 "
    "AND first_utc < ?2";
static const char sql_sum_person_last[] = "SELECT "
    "coalesce(max(referral_id), 0) FROM report_persons";
static const char sql_sum_place_between[] = "SELECT 1 FROM report_people "
    "WHERE referral_id = ?1 AND site_id = ?2 AND therapist_id = ?3 "
    "AND grp = ?4 AND start_utc >= ?5 AND start_utc < ?6 LIMIT 1";
static const char sql_sum_person_between[] = "SELECT 1 FROM report_people "
    "WHERE referral_id = ?1 AND start_utc >= ?2 AND start_utc < ?3 "
    "LIMIT 1";
static const char sql_sum_first[] = "SELECT referral_id "
    "FROM first_sessions WHERE first_utc >= ?1 AND first_utc < ?2";
static const char sql_sum_month_people[] = "SELECT people "
    "FROM report_month_people WHERE month = ?";
static const char sql_sum_window[] = "SELECT DISTINCT referral_id "
    "FROM report_people WHERE start_utc >= ?1 AND start_utc < ?2";
static const char sql_sum_part_people[] = "SELECT referral_id "
    "FROM report_people WHERE start_utc >= ?1 AND start_utc < ?2";
static const char sql_sum_people_last[] = "SELECT "
    "coalesce(max(referral_id), 0) FROM report_people";
static const char sql_sum_last_session[] = "SELECT max(start_utc) "
    "FROM report_people";
static const char sql_sum_last[] = "SELECT kind, id, people - "
    "coalesce((SELECT b.people FROM report_last_blocks b "
    "WHERE b.kind = t.kind AND b.id = t.id AND b.block < ?1 "
    "ORDER BY b.block DESC LIMIT 1), 0) - coalesce((SELECT "
    "sum(d.people) FROM report_last_days d WHERE d.kind = t.kind "
    "AND d.id = t.id AND d.day >= ?1 * 32 AND d.day <= ?2), 0) "
    "FROM report_last_people t WHERE kind < ?3";
static const char sql_sum_last_window[] = "SELECT DISTINCT referral_id "
    "FROM report_persons INDEXED BY report_persons_time "
    "WHERE last_utc >= ?1 AND last_utc < ?2";
static const char sql_sum_last_places[] = "SELECT site_id, "
    "therapist_id, grp, last_utc FROM report_persons "
    "WHERE referral_id = ?";
static const char sql_sum_last_firsts[] = "SELECT (SELECT count(*) "
    "FROM first_sessions WHERE first_utc >= ?1 AND first_utc < ?2) - "
    "(SELECT count(*) FROM report_first_undelivered "
    "WHERE first_utc >= ?1 AND first_utc < ?2)";
static const char sql_sum_last_later[] = "SELECT count(*) "
    "FROM first_sessions f WHERE f.first_utc >= ?1 AND f.first_utc < ?2 "
    "AND (SELECT max(p.last_utc) FROM report_persons p "
    "WHERE p.referral_id = f.referral_id) >= ?3";
static const char sql_sum_sites[] = "SELECT id, "
    "coalesce(organisation_id, 0), name FROM sites";
static const char sql_sum_orgs[] = "SELECT id, name FROM organisations";
static const char sql_sum_therapists[] = "SELECT id, name FROM therapists";

/*
 * What a session adds to the figures, or a month of them (the columns of
 * sql_sum_sessions from the fifth and of sql_sum_months): F_ATTENDED and
 * the three after it in the order of attendance_names.
 */
enum sum_figure {
	F_SESSIONS,		/* delivered */
	F_SECONDS,		/* their lengths */
	F_ATTENDED,		/* attendance lines by status */
	F_CANCELLED_CLIENT,
	F_DNA,
	F_CANCELLED_THERAPIST,
	F_SHOWN,		/* the late table's sessions */
	F_LATE,
	F_DNA_SESSIONS,
	F__MAX
};

/*
 * A map of keys (0 <= key < INT64_MAX) to indexes, by open addressing:
 * the groups of each breakdown by id, and the sites by id.
 */
struct imap {
	int64_t	*keys;		/* key + 1; 0: empty */
	size_t	*vals;
	size_t	 cap;		/* a power of two */
	size_t	 n;
};

static size_t *imap_at(struct imap *, int64_t key, int *added);

static void
imap_grow(struct imap *m)
{
	struct imap o = *m;
	size_t i;
	int added;

	m->cap = o.cap ? o.cap * 2 : 64;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->n = 0;
	for (i = 0; i < o.cap; i++)
		if (o.keys[i] != 0)
			*imap_at(m, o.keys[i] - 1, &added) = o.vals[i];
	free(o.keys);
	free(o.vals);
}

/* The value of key, made (as 0, *added set) when it is not there. */
static size_t *
imap_at(struct imap *m, int64_t key, int *added)
{
	uint64_t h;
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		imap_grow(m);
	h = (uint64_t)key * 0x9e3779b97f4a7c15ULL;
	for (i = (size_t)(h >> 32) & (m->cap - 1); m->keys[i] != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key + 1) {
			*added = 0;
			return &m->vals[i];
		}
	m->keys[i] = key + 1;
	m->vals[i] = 0;
	m->n++;
	*added = 1;
	return &m->vals[i];
}

/* The value of key, or NULL when it is not there. */
static const size_t *
imap_get(const struct imap *m, int64_t key)
{
	uint64_t h;
	size_t i;

	if (m->cap == 0)
		return NULL;
	h = (uint64_t)key * 0x9e3779b97f4a7c15ULL;
	for (i = (size_t)(h >> 32) & (m->cap - 1); m->keys[i] != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key + 1)
			return &m->vals[i];
	return NULL;
}

static void
imap_free(struct imap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* A site: its organisation (0: none) and name. */
struct sum_site {
	int64_t	 id;
	int64_t	 org;
	char	*name;
};

/* A calendar month, local or UTC, and the instants it holds. */
struct sum_month {
	int64_t	 from, to;	/* [from, to): the month id holds */
	int64_t	 id;		/* year * 12 + month - 1 */
	char	 key[8];	/* "2026-03" */
};

/*
 * The late-cancellation figures of one site in one local month (or, by
 * site, the whole period), kept in a grid of site by month (struct sum
 * late): looked up by index, not by hash, and read out in the rows'
 * order with only the sites sorted (sum_late_out).
 */
struct sum_late {
	int64_t	 sessions, late, dna;
};

/*
 * What a scan works out beside the sessions, hours and attendance in
 * total and of each breakdown's groups: bits.  The impact report asks
 * only for the people served in total (SUM_PEOPLE); a report's tables
 * for the rest of what they show.
 */
enum sum_what {
	SUM_PEOPLE	= 1 << 0,	/* people served in total */
	SUM_GROUP_PEOPLE = 1 << 1,	/* and in each group: with PEOPLE */
	SUM_LABELS	= 1 << 2,	/* groups labelled, in the page's
					   order */
	SUM_LATE	= 1 << 3,	/* the late rows: with LABELS */
	SUM_MONTH_PEOPLE = 1 << 4,	/* people in each month alone
					   (GROUP_PEOPLE has them) */
	SUM_LATE_BY_SITE = 1 << 5	/* the late rows a site, not a site
					   and month: with LATE */
};

/* What one report's scan keeps. */
struct sum {
	struct db_report	*r;
	struct sum_site		*sites;
	size_t			 nsites;
	struct imap		 site_at;	/* site id -> sites[] */
	struct imap		 group_at[REPORT_BY__MAX];
	size_t			 cap[REPORT_BY__MAX];
	size_t			*site_group;	/* site (sites[]) -> its
						   groups by site and by
						   organisation, 2 a site;
						   SIZE_MAX: not made */
	size_t			 type_group[2];	/* individual, group */
	int64_t			 month_id;	/* the last row's month */
	size_t			 month_group;	/* and its group; SIZE_MAX:
						   none yet */
	struct sum_late		*late;		/* [site * late_months +
						   month - late_first] */
	int64_t			 late_first;	/* the first month id */
	size_t			 late_months;	/* 1 by site */
	struct sum_month	 month;		/* local, of the last row */
	struct sum_month	 umonth;	/* UTC, of the last row */
	int64_t			 long_before;	/* INT64_MIN: not asked */
	int64_t			 long_term;
	unsigned		 what;		/* enum sum_what bits */
};

/* The month id (year * 12 + month - 1) and text of tm. */
static void
sum_month_set(struct sum_month *m, const struct tm *tm)
{
	m->id = (int64_t)(tm->tm_year + 1900) * 12 + tm->tm_mon;
	strftime(m->key, sizeof(m->key), "%Y-%m", tm);
}

/* The first instant of month id in UTC, or (local) in local time. */
static int64_t
month_start(int64_t id, int local)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(id / 12) - 1900;
	tm.tm_mon = (int)(id % 12);
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	return (int64_t)(local ? mktime(&tm) : timegm(&tm));
}

/*
 * The local (or, utc, the UTC) month holding t, worked out again only
 * when t leaves it.
 */
static const struct sum_month *
sum_month_of(struct sum_month *m, int64_t t, int utc)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (m->to > m->from && t >= m->from && t < m->to)
		return m;
	if (utc) {
		gmtime_r(&tt, &tm);
		sum_month_set(m, &tm);
		m->from = month_start(m->id, 0);
		m->to = month_start(m->id + 1, 0);
	} else {
		localtime_r(&tt, &tm);
		sum_month_set(m, &tm);
		m->from = t;
		m->to = next_month(t);
	}
	return m;
}

/* The site of id, or NULL when there is none (a join would drop it). */
static const struct sum_site *
sum_site(struct sum *s, int64_t id)
{
	size_t *v;
	int added;

	v = imap_at(&s->site_at, id, &added);
	if (added) {
		*v = SIZE_MAX;
		return NULL;
	}
	return *v == SIZE_MAX ? NULL : &s->sites[*v];
}

static int
sum_sites_load(struct db *db, struct sum *s)
{
	sqlite3_stmt *st = db_stmt(db, sql_sum_sites);
	struct sum_site *x;
	size_t cap = 0;
	int rc, added;

	while ((rc = db_next(db, st)) == 1) {
		if (s->nsites == cap) {
			cap = cap ? cap * 2 : 32;
			s->sites = xrealloc(s->sites, cap * sizeof(*s->sites));
		}
		x = &s->sites[s->nsites];
		x->id = sqlite3_column_int64(st, 0);
		x->org = sqlite3_column_int64(st, 1);
		x->name = xstrdup(db_col(st, 2));
		*imap_at(&s->site_at, x->id, &added) = s->nsites++;
	}
	return rc;
}

/*
 * The group of breakdown by for id (key its text), made with no
 * sessions the first time; its index in r->groups[by].
 */
static size_t
sum_group(struct sum *s, enum report_by by, int64_t id, const char *key)
{
	struct db_report *r = s->r;
	struct db_report_group *g;
	size_t *v;
	int added;

	v = imap_at(&s->group_at[by], id, &added);
	if (!added)
		return *v;
	if (r->ngroups[by] == s->cap[by]) {
		s->cap[by] = s->cap[by] ? s->cap[by] * 2 : 8;
		r->groups[by] = xrealloc(r->groups[by],
		    s->cap[by] * sizeof(*r->groups[by]));
	}
	g = &r->groups[by][r->ngroups[by]];
	memset(g, 0, sizeof(*g));
	if (key != NULL)
		db_copy(g->key, sizeof(g->key), key);
	else
		snprintf(g->key, sizeof(g->key), "%lld", (long long)id);
	*v = r->ngroups[by]++;
	return *v;
}

/* The group of breakdown by for id if it has sessions, or SIZE_MAX. */
static size_t
sum_group_find(struct sum *s, enum report_by by, int64_t id)
{
	size_t *v;
	int added;

	v = imap_at(&s->group_at[by], id, &added);
	if (added)
		*v = SIZE_MAX;
	return *v;
}

/*
 * The late-cancellation figures of site in month m (by site: the
 * period; m NULL: a year's, by site only).
 */
static struct sum_late *
sum_late_at(struct sum *s, const struct sum_site *site,
    const struct sum_month *m)
{
	size_t k = 0;

	if (s->late_months > 1) {
		assert(m != NULL && m->id >= s->late_first &&
		    m->id - s->late_first < (int64_t)s->late_months);
		k = (size_t)(m->id - s->late_first);
	}
	return &s->late[(size_t)(site - s->sites) * s->late_months + k];
}

/*
 * The group of breakdown by for id, as sum_group, kept in *at too: a
 * row's groups are found without a hash where it can be (a site's by
 * its index, the month of the row before, the two types).
 */
static size_t
sum_group_kept(struct sum *s, enum report_by by, int64_t id,
    const char *key, size_t *at)
{
	if (*at == SIZE_MAX)
		*at = sum_group(s, by, id, key);
	return *at;
}

/* The group of month m, kept for the rows of the same month after. */
static size_t
sum_month_group(struct sum *s, const struct sum_month *m)
{
	if (m->id != s->month_id) {
		s->month_id = m->id;
		s->month_group = SIZE_MAX;
	}
	return sum_group_kept(s, REPORT_BY_MONTH, m->id, m->key,
	    &s->month_group);
}

/*
 * Adds w times the figures f of sessions in month m at (site, therapist,
 * grp) to the report; m NULL: of a whole year, to every figure but the
 * months' (sum_years adds those) and the late rows by month.  Groups and
 * late rows left at no sessions are dropped at the end (sum_label).
 */
static void
sum_add(struct sum *s, const struct sum_month *m, int64_t site_id,
    int64_t therapist_id, int grp, const int64_t f[F__MAX], int64_t w)
{
	static const char *const type_key[2] = { "individual", "group" };
	struct db_report *r = s->r;
	const struct sum_site *site;
	struct sum_late *l;
	size_t g[REPORT_BY__MAX], none[2] = { SIZE_MAX, SIZE_MAX }, *sg;
	int k;

	for (k = 0; k < 4; k++)
		r->attendance[k] += w * f[F_ATTENDED + k];
	if (f[F_SHOWN] == 0 && f[F_SESSIONS] == 0)
		return;
	site = sum_site(s, site_id);
	if (f[F_SHOWN] != 0 && (s->what & SUM_LATE) && site != NULL) {
		l = sum_late_at(s, site, m);
		l->sessions += w * f[F_SHOWN];
		l->late += w * f[F_LATE];
		l->dna += w * f[F_DNA_SESSIONS];
	}
	if (f[F_SESSIONS] == 0)
		return;
	r->sessions += w * f[F_SESSIONS];
	r->seconds += w * f[F_SECONDS];
	g[REPORT_BY_MONTH] = m != NULL ? sum_month_group(s, m) : SIZE_MAX;
	/* A site not in sites (a join would drop it): no organisation. */
	sg = site != NULL ? &s->site_group[2 * (size_t)(site - s->sites)] :
	    none;
	g[REPORT_BY_SITE] = sum_group_kept(s, REPORT_BY_SITE, site_id, NULL,
	    &sg[0]);
	g[REPORT_BY_ORGANISATION] = sum_group_kept(s, REPORT_BY_ORGANISATION,
	    site != NULL ? site->org : 0, NULL, &sg[1]);
	g[REPORT_BY_THERAPIST] = sum_group(s, REPORT_BY_THERAPIST,
	    therapist_id, NULL);
	g[REPORT_BY_TYPE] = sum_group_kept(s, REPORT_BY_TYPE, grp,
	    type_key[grp], &s->type_group[grp]);
	for (k = 0; k < REPORT_BY__MAX; k++) {
		if (g[k] == SIZE_MAX)
			continue;
		r->groups[k][g[k]].sessions += w * f[F_SESSIONS];
		r->groups[k][g[k]].seconds += w * f[F_SECONDS];
	}
}

/*
 * The sessions of [from, to) from report_sessions, each by its local
 * month; or (moved) only those whose local month is not their UTC month,
 * each added to its local month and taken from its UTC month, where
 * report_months counted it.
 */
static int
sum_sessions(struct db *db, struct sum *s, int64_t from, int64_t to,
    int moved)
{
	sqlite3_stmt *st;
	const struct sum_month *m, *u;
	int64_t f[F__MAX], start, site, therapist;
	int rc, k, grp;

	if (from >= to)
		return 0;
	if ((st = db_stmt(db, sql_sum_sessions)) == NULL)
		return -1;
	bind_range(st, from, to);
	while ((rc = db_next(db, st)) == 1) {
		start = sqlite3_column_int64(st, 0);
		site = sqlite3_column_int64(st, 1);
		therapist = sqlite3_column_int64(st, 2);
		grp = sqlite3_column_int(st, 3) != 0;
		for (k = 0; k < F__MAX; k++)
			f[k] = sqlite3_column_int64(st, 4 + k);
		m = sum_month_of(&s->month, start, 0);
		if (moved) {
			u = sum_month_of(&s->umonth, start, 1);
			if (u->id == m->id)
				continue;
			sum_add(s, u, site, therapist, grp, f, -1);
		}
		sum_add(s, m, site, therapist, grp, f, 1);
	}
	return rc;
}

/* The UTC months [k0, k1) from report_months, each by its UTC month. */
static int
sum_months(struct db *db, struct sum *s, int64_t k0, int64_t k1)
{
	sqlite3_stmt *st = db_stmt(db, sql_sum_months);
	struct sum_month m;
	int64_t f[F__MAX];
	int rc, k;

	if (st == NULL)
		return -1;
	memset(&m, 0, sizeof(m));
	m.id = -1;
	bind_range(st, k0, k1);
	while ((rc = db_next(db, st)) == 1) {
		if (sqlite3_column_int64(st, 0) != m.id) {
			m.id = sqlite3_column_int64(st, 0);
			snprintf(m.key, sizeof(m.key), "%04u-%02u",
			    (unsigned)(m.id / 12) % 10000u,
			    (unsigned)(m.id % 12 + 1) % 100u);
		}
		for (k = 0; k < F__MAX; k++)
			f[k] = sqlite3_column_int64(st, 4 + k);
		sum_add(s, &m, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3) != 0,
		    f, 1);
	}
	return rc;
}

#define DAY	86400

/* The UTC day (number) holding t. */
static int64_t
day_of(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/*
 * The UTC days [d0, d1) (day numbers) from report_days (054), each by
 * the local month it lies in; a day that a local month starts inside
 * (at 23:00Z in British Summer Time) from report_sessions, each session
 * by its own.
 */
static int
sum_days(struct db *db, struct sum *s, int64_t d0, int64_t d1)
{
	sqlite3_stmt *st = db_stmt(db, sql_sum_days);
	const struct sum_month *m = NULL;
	int64_t f[F__MAX], day, last = INT64_MIN, *split = NULL;
	size_t nsplit = 0, i;
	int rc, k, whole = 0;

	if (st == NULL)
		return -1;
	bind_range(st, d0, d1);
	while ((rc = db_next(db, st)) == 1) {
		day = sqlite3_column_int64(st, 0);
		if (day != last) {
			last = day;
			m = sum_month_of(&s->month, day * DAY, 0);
			if (!(whole = day * DAY + DAY <= m->to)) {
				split = xrealloc(split, (nsplit + 1) *
				    sizeof(*split));
				split[nsplit++] = day;
			}
		}
		if (!whole)
			continue;
		for (k = 0; k < F__MAX; k++)
			f[k] = sqlite3_column_int64(st, 4 + k);
		sum_add(s, m, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3) != 0,
		    f, 1);
	}
	for (i = 0; rc == 0 && i < nsplit; i++)
		rc = sum_sessions(db, s, split[i] * DAY, split[i] * DAY + DAY,
		    0);
	free(split);
	return rc;
}

/*
 * The sessions of [from, to), each by its local month: the whole UTC
 * days inside from report_days, the hours around them from
 * report_sessions.
 */
static int
sum_span(struct db *db, struct sum *s, int64_t from, int64_t to)
{
	int64_t d0 = day_of(from + DAY - 1), d1 = day_of(to);

	if (d0 >= d1)
		return sum_sessions(db, s, from, to, 0);
	if (sum_sessions(db, s, from, d0 * DAY, 0) == -1 ||
	    sum_days(db, s, d0, d1) == -1 ||
	    sum_sessions(db, s, d1 * DAY, to, 0) == -1)
		return -1;
	return 0;
}

/*
 * The UTC calendar years [y0, y1) from report_years (054), and each of
 * their months' sessions from report_month_sessions.
 */
static int
sum_years(struct db *db, struct sum *s, int64_t y0, int64_t y1)
{
	struct db_report *r = s->r;
	sqlite3_stmt *st;
	struct sum_month m;
	int64_t f[F__MAX];
	size_t g;
	int rc, k;

	if ((st = db_stmt(db, sql_sum_years)) == NULL)
		return -1;
	bind_range(st, y0, y1);
	while ((rc = db_next(db, st)) == 1) {
		for (k = 0; k < F__MAX; k++)
			f[k] = sqlite3_column_int64(st, 4 + k);
		sum_add(s, NULL, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3) != 0,
		    f, 1);
	}
	if (rc != 0 || (st = db_stmt(db, sql_sum_month_sessions)) == NULL)
		return -1;
	memset(&m, 0, sizeof(m));
	bind_range(st, y0 * 12, y1 * 12);
	while ((rc = db_next(db, st)) == 1) {
		/* A month with none has no group, as from report_months. */
		if (sqlite3_column_int64(st, 1) == 0)
			continue;
		m.id = sqlite3_column_int64(st, 0);
		snprintf(m.key, sizeof(m.key), "%04u-%02u",
		    (unsigned)(m.id / 12) % 10000u,
		    (unsigned)(m.id % 12 + 1) % 100u);
		g = sum_month_group(s, &m);
		r->groups[REPORT_BY_MONTH][g].sessions +=
		    sqlite3_column_int64(st, 1);
		r->groups[REPORT_BY_MONTH][g].seconds +=
		    sqlite3_column_int64(st, 2);
	}
	return rc;
}

/*
 * The whole UTC months [k0, k1): the whole UTC calendar years among
 * them from report_years, the months around them from report_months;
 * or every month from report_months when the late rows are asked by
 * month, which the years do not keep.  Six years to today at N=10
 * read 14,306 rows rather than 62,745.
 */
static int
sum_whole(struct db *db, struct sum *s, int64_t k0, int64_t k1)
{
	int64_t y0 = (k0 + 11) / 12, y1 = k1 / 12;

	if (((s->what & SUM_LATE) && !(s->what & SUM_LATE_BY_SITE)) ||
	    y0 >= y1)
		return sum_months(db, s, k0, k1);
	if (sum_months(db, s, k0, y0 * 12) == -1 ||
	    sum_years(db, s, y0, y1) == -1 ||
	    sum_months(db, s, y1 * 12, k1) == -1)
		return -1;
	return 0;
}

/*
 * The sessions of the period: whole UTC months from report_months (and
 * whole years from report_years: sum_whole), the rest from report_days
 * and report_sessions (sum_span), and around each UTC month's start
 * (within the hours between it and the local month's start) the
 * sessions whose local month is another moved to it.
 */
static int
sum_period(struct db *db, struct sum *s)
{
	struct db_report *r = s->r;
	struct sum_month u;
	int64_t k0, k1, k, a, b, lo, hi;

	memset(&u, 0, sizeof(u));
	k0 = sum_month_of(&u, r->from_utc, 1)->id;
	if (u.from < r->from_utc)
		k0++;
	k1 = sum_month_of(&u, r->to_utc, 1)->id;
	if (k0 >= k1)
		return sum_span(db, s, r->from_utc, r->to_utc);
	a = month_start(k0, 0);
	b = month_start(k1, 0);
	if (sum_span(db, s, r->from_utc, a) == -1 ||
	    sum_whole(db, s, k0, k1) == -1 ||
	    sum_span(db, s, b, r->to_utc) == -1)
		return -1;
	for (k = k0; k <= k1; k++) {
		lo = month_start(k, 0);
		hi = month_start(k, 1);
		if (hi < lo) {
			hi = lo;
			lo = month_start(k, 1);
		}
		if (sum_sessions(db, s, lo > a ? lo : a, hi < b ? hi : b,
		    1) == -1)
			return -1;
	}
	return 0;
}

/*
 * A place a person attended at (one report_persons row), kept for the
 * people served of each group: the next place of the same person in
 * sum_people.places (SIZE_MAX: none).
 */
struct sum_place {
	int64_t	 site, org, therapist;
	int	 grp;
	size_t	 next;
};

/*
 * The people served so far: each person's first place, by referral id
 * (ids are dense: an array, not a hash, for 136,760 people at N=10).
 */
struct sum_people {
	uint32_t	*at;		/* referral id -> places[] + 1; 0:
					   not served */
	int64_t		 nat;		/* at[0..nat) */
	struct sum_place *places;
	size_t		 n, cap;
};

/*
 * Counts person at place p (its org set) once in total and once in
 * each group of the four breakdowns by place, from the places of theirs
 * counted before.
 */
static void
sum_people_count(struct sum *s, struct sum_people *pp, int64_t person,
    const struct sum_place *p, const size_t g[REPORT_BY__MAX])
{
	struct db_report *r = s->r;
	struct sum_place *q;
	size_t i, last = SIZE_MAX;
	int added, same[REPORT_BY__MAX], k;

	if (person < 0 || person >= pp->nat)
		return;		/* past the largest id read: cannot be */
	added = pp->at[person] == 0;
	memset(same, 0, sizeof(same));
	if (added)
		r->people++;
	else
		for (i = pp->at[person] - 1; i != SIZE_MAX; i = q->next) {
			q = &pp->places[i];
			same[REPORT_BY_SITE] |= q->site == p->site;
			same[REPORT_BY_ORGANISATION] |= q->org == p->org;
			same[REPORT_BY_THERAPIST] |= q->therapist ==
			    p->therapist;
			same[REPORT_BY_TYPE] |= q->grp == p->grp;
			last = i;
		}
	if (!(s->what & SUM_GROUP_PEOPLE) && !added)
		return;
	if (pp->n == pp->cap) {
		pp->cap = pp->cap ? pp->cap * 2 : 1024;
		pp->places = xrealloc(pp->places,
		    pp->cap * sizeof(*pp->places));
	}
	q = &pp->places[pp->n];
	*q = *p;
	q->next = SIZE_MAX;
	if (added)
		pp->at[person] = (uint32_t)(pp->n + 1);
	else
		pp->places[last].next = pp->n;
	pp->n++;
	if (!(s->what & SUM_GROUP_PEOPLE))
		return;
	for (k = 0; k < REPORT_BY__MAX; k++)
		if (k != REPORT_BY_MONTH && !same[k] && g[k] != SIZE_MAX)
			r->groups[k][g[k]].people++;
}

/* Whether person attended at the place in [from, to): 1, 0 or -1. */
static int
sum_place_between(struct db *db, int64_t person, const struct sum_place *p,
    int64_t from, int64_t to)
{
	sqlite3_stmt *st = db_stmt(db, sql_sum_place_between);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, person);
	(void)sqlite3_bind_int64(st, 2, p->site);
	(void)sqlite3_bind_int64(st, 3, p->therapist);
	(void)sqlite3_bind_int(st, 4, p->grp);
	(void)sqlite3_bind_int64(st, 5, from);
	(void)sqlite3_bind_int64(st, 6, to);
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

/*
 * The people served in total and in each group by place, from the
 * report_persons rows of the period (report_persons_time): a row whose
 * first or last time is in the period counts; one that began before it
 * and went on after it only if it has a session inside.
 */
static int
sum_persons(struct db *db, struct sum *s, struct sum_people *pp)
{
	struct db_report *r = s->r;
	struct sum_place p;
	sqlite3_stmt *st;
	const struct sum_site *site;
	size_t g[REPORT_BY__MAX], *site_g, type_g[2], i;
	int64_t person, first, last;
	int rc, in;

	if ((st = db_stmt(db, sql_sum_person_last)) == NULL)
		return -1;
	rc = db_step(st);
	pp->nat = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) + 1 : 0;
	db_done(st);
	if (rc != SQLITE_ROW || pp->nat < 1 || pp->nat > UINT32_MAX ||
	    (st = db_stmt(db, sql_sum_persons)) == NULL)
		return -1;
	pp->at = xcalloc((size_t)pp->nat, sizeof(*pp->at));
	/* Each site's rows of the site and organisation breakdowns. */
	site_g = xcalloc(2 * s->nsites + 1, sizeof(*site_g));
	for (i = 0; i < s->nsites; i++) {
		site_g[2 * i] = sum_group_find(s, REPORT_BY_SITE,
		    s->sites[i].id);
		site_g[2 * i + 1] = sum_group_find(s, REPORT_BY_ORGANISATION,
		    s->sites[i].org);
	}
	for (i = 0; i < 2; i++)
		type_g[i] = sum_group_find(s, REPORT_BY_TYPE, (int64_t)i);
	bind_range(st, r->from_utc, r->to_utc);
	g[REPORT_BY_MONTH] = SIZE_MAX;
	while ((rc = db_next(db, st)) == 1) {
		person = sqlite3_column_int64(st, 0);
		p.site = sqlite3_column_int64(st, 1);
		p.therapist = sqlite3_column_int64(st, 2);
		p.grp = sqlite3_column_int(st, 3) != 0;
		first = sqlite3_column_int64(st, 4);
		last = sqlite3_column_int64(st, 5);
		site = sum_site(s, p.site);
		p.org = site != NULL ? site->org : 0;
		if (first < r->from_utc && last >= r->to_utc &&
		    (in = sum_place_between(db, person, &p, r->from_utc,
		    r->to_utc)) != 1) {
			if (in == 0)
				continue;
			db_done(st);
			rc = -1;
			break;
		}
		if (s->what & SUM_GROUP_PEOPLE) {
			if (site != NULL) {
				i = (size_t)(site - s->sites);
				g[REPORT_BY_SITE] = site_g[2 * i];
				g[REPORT_BY_ORGANISATION] = site_g[2 * i + 1];
			} else {
				g[REPORT_BY_SITE] = sum_group_find(s,
				    REPORT_BY_SITE, p.site);
				g[REPORT_BY_ORGANISATION] = sum_group_find(s,
				    REPORT_BY_ORGANISATION, 0);
			}
			g[REPORT_BY_THERAPIST] = sum_group_find(s,
			    REPORT_BY_THERAPIST, p.therapist);
			g[REPORT_BY_TYPE] = type_g[p.grp];
		}
		sum_people_count(s, pp, person, &p, g);
	}
	free(site_g);
	return rc;
}

/*
 * Of the people served (pp), those whose first attended session ever
 * (first_sessions) was before long_before: all but those whose first
 * was in [long_before, the period's end), read from the index on the
 * first session's time (first_sessions_time, which holds the id).
 */
static int
sum_long_term(struct db *db, struct sum *s, struct sum_people *pp)
{
	sqlite3_stmt *st;
	int64_t later = 0, person;
	int rc;

	if (s->long_before >= s->r->to_utc) {
		s->long_term = s->r->people;
		return 0;
	}
	if ((st = db_stmt(db, sql_sum_first)) == NULL)
		return -1;
	bind_range(st, s->long_before, s->r->to_utc);
	while ((rc = db_next(db, st)) == 1)
		if ((person = sqlite3_column_int64(st, 0)) >= 0 &&
		    person < pp->nat && pp->at[person] != 0)
			later++;
	s->long_term = s->r->people - later;
	return rc;
}

/*
 * Whether person attended in [from, to) (from < to): 1, 0 or -1.
 */
static int
sum_person_between(struct db *db, int64_t person, int64_t from, int64_t to)
{
	sqlite3_stmt *st = db_stmt(db, sql_sum_person_between);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, person);
	(void)sqlite3_bind_int64(st, 2, from);
	(void)sqlite3_bind_int64(st, 3, to);
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

/*
 * The people of local month [ls, le) (its id m) inside the period:
 * those of UTC month m (report_month_people), less those of it with no
 * session in the local month, more those of the local month with none
 * in the UTC one: only people with a session in the hours where the two
 * differ (report_people by time) can be either, and each is asked.
 * Into *n; 0 or -1.
 */
static int
sum_month_people(struct db *db, int64_t m, int64_t ls, int64_t le,
    int64_t *n)
{
	struct imap seen;
	sqlite3_stmt *st;
	int64_t us = month_start(m, 0), ue = month_start(m + 1, 0);
	int64_t win[2][2], person;
	int rc = 0, w, inu, inl, added;

	*n = 0;
	if ((st = db_stmt_with(db, sql_sum_month_people, m)) == NULL)
		return -1;
	if (db_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	db_done(st);
	/* The hours in one month and not the other, at each end. */
	win[0][0] = us < ls ? us : ls;
	win[0][1] = us < ls ? ls : us;
	win[1][0] = ue < le ? ue : le;
	win[1][1] = ue < le ? le : ue;
	memset(&seen, 0, sizeof(seen));
	for (w = 0; w < 2 && rc == 0; w++) {
		if (win[w][0] == win[w][1])
			continue;
		if ((st = db_stmt(db, sql_sum_window)) == NULL) {
			rc = -1;
			break;
		}
		bind_range(st, win[w][0], win[w][1]);
		while ((rc = db_next(db, st)) == 1) {
			person = sqlite3_column_int64(st, 0);
			(void)imap_at(&seen, person, &added);
			if (!added)
				continue;
			if ((inu = sum_person_between(db, person, us,
			    ue)) == -1 || (inl = sum_person_between(db, person,
			    ls, le)) == -1) {
				db_done(st);
				rc = -1;
				break;
			}
			*n += inl - inu;
		}
	}
	imap_free(&seen);
	return rc;
}

/*
 * The people who attended in [from, to), a part of a month, into *n:
 * report_people's rows told apart by a bit a referral id (a
 * count(DISTINCT) in SQL built an index of them: 16 ms for the 24 days
 * that begin a year at N=10).  0 or -1.
 */
static int
sum_part_people(struct db *db, int64_t from, int64_t to, int64_t *n)
{
	sqlite3_stmt *st;
	unsigned char *seen;
	int64_t last, id;
	int rc;

	*n = 0;
	if ((st = db_stmt(db, sql_sum_people_last)) == NULL)
		return -1;
	rc = db_step(st);
	last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	if (last < 0 || (st = db_stmt(db, sql_sum_part_people)) == NULL)
		return -1;
	seen = xcalloc((size_t)(last / 8 + 1), 1);
	bind_range(st, from, to);
	while ((rc = db_next(db, st)) == 1) {
		id = sqlite3_column_int64(st, 0);
		if (id < 0 || id > last || (seen[id / 8] & (1u << id % 8)))
			continue;
		seen[id / 8] |= (unsigned char)(1u << id % 8);
		(*n)++;
	}
	free(seen);
	return rc;
}

/*
 * The people of each local month of the period with sessions: a whole
 * month from sum_month_people, a month cut by the period's ends from
 * report_people in that part (sum_part_people).
 */
static int
sum_months_people(struct db *db, struct sum *s)
{
	struct db_report *r = s->r;
	struct sum_month m;
	int64_t t, end, a, b, n;
	size_t g;

	memset(&m, 0, sizeof(m));
	for (t = r->from_utc; t < r->to_utc; t = end) {
		end = next_month(t);
		sum_month_of(&m, t, 0);
		if ((g = sum_group_find(s, REPORT_BY_MONTH, m.id)) ==
		    SIZE_MAX)
			continue;
		a = month_start(m.id, 1);
		b = month_start(m.id + 1, 1);
		if (a >= r->from_utc && b <= r->to_utc && a == t &&
		    b == end) {
			if (sum_month_people(db, m.id, a, b, &n) == -1)
				return -1;
		} else if (sum_part_people(db, t, end < r->to_utc ? end :
		    r->to_utc, &n) == -1)
			return -1;
		r->groups[REPORT_BY_MONTH][g].people = n;
	}
	return 0;
}

/*
 * Whether the people served of r's period can be read from
 * report_last_people, _blocks and _days (053): every attended session
 * (report_people) began before its end, so that a person it serves in
 * a group is one whose last session there is at or after its start;
 * and it begins on the second UTC day or later (a day being start_utc
 * / 86400).  1, 0 or -1.
 */
static int
sum_last_fits(struct db *db, const struct db_report *r)
{
	sqlite3_stmt *st = db_stmt(db, sql_sum_last_session);
	int rc, fits = 0;

	if (st == NULL)
		return -1;
	if ((rc = db_step(st)) == SQLITE_ROW)
		fits = r->from_utc >= 86400 &&
		    (sqlite3_column_type(st, 0) == SQLITE_NULL ||
		    sqlite3_column_int64(st, 0) < r->to_utc);
	db_done(st);
	return rc == SQLITE_ROW ? fits : -1;
}

/*
 * Adds n people to a group of 053's kind (0: all the people, the
 * report's total; else enum report_by) and id, when the report has the
 * group and asks for its people.
 */
static void
sum_last_add(struct sum *s, int kind, int64_t id, int64_t n)
{
	size_t g;

	if (kind == 0)
		s->r->people += n;
	else if (kind > 0 && kind < REPORT_BY__MAX &&
	    kind != REPORT_BY_MONTH && (s->what & SUM_GROUP_PEOPLE) &&
	    (g = sum_group_find(s, (enum report_by)kind, id)) != SIZE_MAX)
		s->r->groups[kind][g].people += n;
}

/* One report_persons row of a person: its group of each kind, last. */
struct sum_last_place {
	int64_t	 id[REPORT_BY__MAX];	/* by 053's kind */
	int64_t	 last;
};

/*
 * Adds w (1 or -1) to each group for each person whose last session
 * there began in [from, to), some hours of one day: the people of
 * report_persons' rows with their last session then
 * (report_persons_time), each one's last in each group being the
 * latest of their rows' there.  0 or -1.
 */
static int
sum_last_window(struct db *db, struct sum *s, int64_t from, int64_t to,
    int64_t w)
{
	struct sum_last_place *pl = NULL, *p;
	const struct sum_site *site;
	sqlite3_stmt *st, *ps;
	size_t n, cap = 0, i, j;
	int64_t last;
	int rc, k;

	if (from >= to)
		return 0;
	if ((st = db_stmt(db, sql_sum_last_window)) == NULL)
		return -1;
	bind_range(st, from, to);
	while ((rc = db_next(db, st)) == 1) {
		if ((ps = db_stmt_with(db, sql_sum_last_places,
		    sqlite3_column_int64(st, 0))) == NULL) {
			db_done(st);
			rc = -1;
			break;
		}
		n = 0;
		while ((rc = db_next(db, ps)) == 1) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				pl = xrealloc(pl, cap * sizeof(*pl));
			}
			p = &pl[n++];
			site = sum_site(s, sqlite3_column_int64(ps, 0));
			p->id[0] = 0;
			p->id[REPORT_BY_SITE] = sqlite3_column_int64(ps, 0);
			p->id[REPORT_BY_ORGANISATION] = site != NULL ?
			    site->org : 0;
			p->id[REPORT_BY_THERAPIST] =
			    sqlite3_column_int64(ps, 1);
			p->id[REPORT_BY_TYPE] = sqlite3_column_int(ps, 2) != 0;
			p->last = sqlite3_column_int64(ps, 3);
		}
		if (rc == -1) {
			db_done(st);
			break;
		}
		for (k = 0; k < REPORT_BY__MAX; k++)
			for (i = 0; i < n; i++) {
				for (j = 0; j < i && pl[j].id[k] != pl[i].id[k];
				    j++)
					;
				if (j < i)
					continue;	/* counted at j */
				for (last = pl[i].last, j = i + 1; j < n; j++)
					if (pl[j].id[k] == pl[i].id[k] &&
					    pl[j].last > last)
						last = pl[j].last;
				if (last >= from && last < to)
					sum_last_add(s, k, pl[i].id[k], w);
			}
	}
	free(pl);
	return rc;
}

/*
 * The people served in total and (SUM_GROUP_PEOPLE) in each group by
 * place, of a period that ends after every attended session
 * (sum_last_fits): a group's people (report_last_people) less those
 * whose last session there was before the period: those up to the day
 * before its start's (report_last_blocks' count before that day's
 * block of 32, report_last_days' of the block's days up to it), less
 * those of its start's day before it; or up to its start's day, more
 * those of that day from it on, whichever are the fewer hours
 * (sum_last_window).  0 or -1.
 */
static int
sum_last(struct db *db, struct sum *s)
{
	struct db_report *r = s->r;
	sqlite3_stmt *st;
	int64_t day = r->from_utc / 86400, start = day * 86400, upto;
	int rc;

	if (r->from_utc - start <= start + 86400 - r->from_utc) {
		upto = day - 1;
		rc = sum_last_window(db, s, start, r->from_utc, -1);
	} else {
		upto = day;
		rc = sum_last_window(db, s, r->from_utc, start + 86400, 1);
	}
	if (rc == -1 || (st = db_stmt(db, sql_sum_last)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, upto / 32);
	(void)sqlite3_bind_int64(st, 2, upto);
	(void)sqlite3_bind_int(st, 3,
	    (s->what & SUM_GROUP_PEOPLE) ? REPORT_BY__MAX : 1);
	while ((rc = db_next(db, st)) == 1)
		sum_last_add(s, sqlite3_column_int(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
	return rc;
}

/* The count sql (of ?1, ?2 and ?3) gives; -1 on an error. */
static int64_t
sum_last_count(struct db *db, const char *sql, int64_t a, int64_t b,
    int64_t c)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t n;

	if (st == NULL)
		return -1;
	bind_range(st, a, b);
	(void)sqlite3_bind_int64(st, 3, c);
	if (db_next(db, st) != 1)
		return -1;
	n = sqlite3_column_int64(st, 0);
	db_done(st);
	return n;
}

/*
 * sum_long_term for a period sum_last_fits: the people served less
 * those whose first attended session (first_sessions) was in
 * [long_before, the period's end).  Of those whose first was in the
 * period, all are served (every session they attended is in it) but
 * those with no delivered session (report_first_undelivered), two
 * counts of an index; of those whose first was before it, those whose
 * last delivered session (report_persons) is in it, each asked (none
 * with long_before at or after the period's start, as the impact
 * report's six months of a year).  0 or -1.
 */
static int
sum_last_long_term(struct db *db, struct sum *s)
{
	struct db_report *r = s->r;
	int64_t in, before = 0;

	if (s->long_before >= r->to_utc) {
		s->long_term = r->people;
		return 0;
	}
	if ((in = sum_last_count(db, sql_sum_last_firsts,
	    s->long_before > r->from_utc ? s->long_before : r->from_utc,
	    r->to_utc, 0)) == -1 || (s->long_before < r->from_utc &&
	    (before = sum_last_count(db, sql_sum_last_later, s->long_before,
	    r->from_utc, r->from_utc)) == -1))
		return -1;
	s->long_term = r->people - in - before;
	return 0;
}

/*
 * The people served, as s->what asks: in total and in each group by
 * place (sum_last for a period that ends after every attended session,
 * else sum_persons), in each month (sum_months_people), and those
 * served long (with long_before asked).
 */
static int
sum_people(struct db *db, struct sum *s)
{
	struct sum_people pp;
	int last, rc = -1;

	memset(&pp, 0, sizeof(pp));
	if ((last = sum_last_fits(db, s->r)) == -1)
		goto out;
	if (((s->what & SUM_PEOPLE) && (last ? sum_last(db, s) :
	    sum_persons(db, s, &pp)) == -1) ||
	    ((s->what & (SUM_GROUP_PEOPLE | SUM_MONTH_PEOPLE)) &&
	    sum_months_people(db, s) == -1) ||
	    (s->long_before != INT64_MIN && (last ?
	    sum_last_long_term(db, s) : sum_long_term(db, s, &pp)) == -1))
		goto out;
	rc = 0;
out:
	free(pp.at);
	free(pp.places);
	return rc;
}

/*
 * Labels each group of breakdown by with the name of its id from sql's
 * rows (id, name), read in one pass rather than one query a group; a
 * group whose id has no row is labelled def.  Before sum_drop_empty:
 * group_at holds every group's index.
 */
static int
sum_names(struct db *db, struct sum *s, enum report_by by, const char *sql,
    const char *def)
{
	struct db_report *r = s->r;
	sqlite3_stmt *st;
	const size_t *v;
	size_t i;
	int rc;

	for (i = 0; i < r->ngroups[by]; i++)
		db_copy(r->groups[by][i].label, sizeof(r->groups[by][i].label),
		    def);
	if (r->ngroups[by] == 0)
		return 0;
	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1)
		if ((v = imap_get(&s->group_at[by],
		    sqlite3_column_int64(st, 0))) != NULL && *v != SIZE_MAX)
			db_copy(r->groups[by][*v].label,
			    sizeof(r->groups[by][*v].label), db_col(st, 1));
	return rc;
}

/* Orders of the breakdowns, as the raw queries' ORDER BY. */
static int
group_by_key(const void *a, const void *b)
{
	return strcmp(((const struct db_report_group *)a)->key,
	    ((const struct db_report_group *)b)->key);
}

static int
group_by_key_desc(const void *a, const void *b)
{
	return -group_by_key(a, b);
}

static int
group_by_sessions(const void *a, const void *b)
{
	const struct db_report_group *x = a, *y = b;
	long long i = atoll(x->key), j = atoll(y->key);
	int c;

	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	if ((c = strcmp(x->label, y->label)) != 0)
		return c;
	return i < j ? -1 : i > j;
}

/* Organisations: "no partner organisation" (0) last. */
static int
group_by_organisation(const void *a, const void *b)
{
	int x = atoll(((const struct db_report_group *)a)->key) == 0;
	int y = atoll(((const struct db_report_group *)b)->key) == 0;

	return x != y ? x - y : group_by_sessions(a, b);
}

/* Sites by name, then id (the late rows' order). */
static int
site_order(const void *a, const void *b)
{
	const struct sum_site *x = *(const struct sum_site *const *)a;
	const struct sum_site *y = *(const struct sum_site *const *)b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The late rows with sessions into r->late, by site name, site id and
 * month (as sql_late orders them): the grid is read out site by site in
 * the sites' order, each site's months in order, so only the sites are
 * sorted.  By site, each row is a site's whole period, month "".
 */
static void
sum_late_out(struct sum *s)
{
	struct db_report *r = s->r;
	const struct sum_site **by_name;
	const struct sum_late *l;
	struct db_report_late *o;
	char (*key)[8];
	size_t i, j, n, site;

	by_name = xcalloc(s->nsites + 1, sizeof(*by_name));
	for (i = 0; i < s->nsites; i++)
		by_name[i] = &s->sites[i];
	if (s->nsites > 1)
		qsort(by_name, s->nsites, sizeof(*by_name), site_order);
	key = xcalloc(s->late_months, sizeof(*key));
	for (j = 0; s->late_months > 1 && j < s->late_months; j++)
		snprintf(key[j], sizeof(key[j]), "%04u-%02u",
		    (unsigned)((s->late_first + (int64_t)j) / 12) % 10000u,
		    (unsigned)((s->late_first + (int64_t)j) % 12 + 1) % 100u);
	for (i = n = 0; i < s->nsites * s->late_months; i++)
		n += s->late[i].sessions != 0;
	r->late = xcalloc(n ? n : 1, sizeof(*r->late));
	for (i = 0; i < s->nsites; i++) {
		site = (size_t)(by_name[i] - s->sites);
		for (j = 0; j < s->late_months; j++) {
			l = &s->late[site * s->late_months + j];
			if (l->sessions == 0)
				continue;
			o = &r->late[r->nlate];
			late_name_set(r, o, r->nlate > 0 ? o - 1 : NULL,
			    by_name[i]->id, by_name[i]->name);
			r->nlate++;
			memcpy(o->month, key[j], sizeof(o->month));
			o->sessions = l->sessions;
			o->late = l->late;
			o->dna = l->dna;
		}
	}
	assert(r->nlate == n);
	free(key);
	free(by_name);
}

/*
 * Drops the groups left with no sessions (a month's sessions moved to
 * the next).
 */
static void
sum_drop_empty(struct db_report *r)
{
	size_t i, n;
	int k;

	for (k = 0; k < REPORT_BY__MAX; k++) {
		for (i = n = 0; i < r->ngroups[k]; i++)
			if (r->groups[k][i].sessions != 0)
				r->groups[k][n++] = r->groups[k][i];
		r->ngroups[k] = n;
	}
}

/*
 * Labels each breakdown's rows, drops the groups and late rows left
 * with no sessions and puts the rest in the page's order.
 */
static int
sum_label(struct db *db, struct sum *s)
{
	static int (*const order[REPORT_BY__MAX])(const void *,
	    const void *) = { group_by_key, group_by_sessions,
	    group_by_organisation, group_by_sessions, group_by_key_desc };
	struct db_report *r = s->r;
	struct db_report_group *g;
	const struct sum_site *site;
	size_t i;
	int k;

	if (sum_names(db, s, REPORT_BY_ORGANISATION, sql_sum_orgs,
	    "No partner organisation") == -1 ||
	    sum_names(db, s, REPORT_BY_THERAPIST, sql_sum_therapists,
	    "") == -1)
		return -1;
	sum_drop_empty(r);
	for (k = 0; k < REPORT_BY__MAX; k++) {
		for (i = 0; i < r->ngroups[k]; i++) {
			g = &r->groups[k][i];
			switch (k) {
			case REPORT_BY_SITE:
				site = sum_site(s, atoll(g->key));
				db_copy(g->label, sizeof(g->label),
				    site != NULL ? site->name : "");
				break;
			case REPORT_BY_ORGANISATION:
			case REPORT_BY_THERAPIST:
				break;
			case REPORT_BY_TYPE:
				db_copy(g->label, sizeof(g->label),
				    strcmp(g->key, "group") == 0 ? "Group" :
				    "Individual");
				break;
			default:
				db_copy(g->label, sizeof(g->label), g->key);
			}
		}
		if (r->ngroups[k] > 1)
			qsort(r->groups[k], r->ngroups[k],
			    sizeof(*r->groups[k]), order[k]);
	}
	if (s->what & SUM_LATE)
		sum_late_out(s);
	return 0;
}

/* The month id (year * 12 + month - 1) of t, local or (utc) UTC. */
static int64_t
month_id_of(int64_t t, int utc)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (utc)
		gmtime_r(&tt, &tm);
	else
		localtime_r(&tt, &tm);
	return (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/*
 * Makes what a scan keeps beside the sites: each site's groups not yet
 * made, and (SUM_LATE) the late grid, each site by every month a
 * session of the period can be added to, local or UTC (sum_period), or
 * by one for the whole period (SUM_LATE_BY_SITE).
 */
static void
sum_make(struct sum *s)
{
	struct db_report *r = s->r;
	int64_t last;
	size_t i;

	s->site_group = xcalloc(2 * s->nsites + 1, sizeof(*s->site_group));
	for (i = 0; i < 2 * s->nsites; i++)
		s->site_group[i] = SIZE_MAX;
	s->type_group[0] = s->type_group[1] = SIZE_MAX;
	s->month_id = -1;
	s->month_group = SIZE_MAX;
	s->late_months = 1;
	if (!(s->what & SUM_LATE))
		return;
	if (!(s->what & SUM_LATE_BY_SITE) && r->to_utc > r->from_utc) {
		s->late_first = month_id_of(r->from_utc, 0);
		if (month_id_of(r->from_utc, 1) < s->late_first)
			s->late_first = month_id_of(r->from_utc, 1);
		last = month_id_of(r->to_utc - 1, 0);
		if (month_id_of(r->to_utc - 1, 1) > last)
			last = month_id_of(r->to_utc - 1, 1);
		s->late_months = (size_t)(last - s->late_first + 1);
	}
	s->late = xcalloc(s->nsites * s->late_months + 1, sizeof(*s->late));
}

/*
 * The sessions of r and what else what says (enum sum_what bits); and,
 * with long_before not INT64_MIN, into *long_term the people served
 * whose first attended session (first_sessions) was before it.
 */
static int
load_summaries(struct db *db, struct db_report *r, unsigned what,
    int64_t long_before, int64_t *long_term)
{
	struct sum s;
	size_t i;
	int k, rc = -1;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.long_before = long_before;
	s.what = what;
	if (sum_sites_load(db, &s) == -1)
		goto out;
	sum_make(&s);
	if (sum_period(db, &s) == -1 ||
	    ((what & (SUM_PEOPLE | SUM_MONTH_PEOPLE)) &&
	    sum_people(db, &s) == -1))
		goto out;
	if (what & SUM_LABELS) {
		if (sum_label(db, &s) == -1)
			goto out;
	} else
		sum_drop_empty(r);
	if (long_term != NULL)
		*long_term = s.long_term;
	rc = 0;
out:
	for (i = 0; i < s.nsites; i++)
		free(s.sites[i].name);
	free(s.sites);
	free(s.site_group);
	free(s.late);
	imap_free(&s.site_at);
	for (k = 0; k < REPORT_BY__MAX; k++)
		imap_free(&s.group_at[k]);
	return rc;
}

/*
 * The figures of parts (enum report_part) of [from_utc, to_utc), now
 * being the time of the request: the sessions' from the summaries, or
 * (raw, now not read) from the raw rows as the summaries are defined.
 */
static int
report_load(struct db *db, int64_t from_utc, int64_t to_utc, int64_t now,
    int raw, unsigned parts, struct db_report **out)
{
	struct db_report *r;
	int k, rc = -1;

	*out = NULL;
	r = xcalloc(1, sizeof(*r));
	r->from_utc = from_utc;
	r->to_utc = to_utc;
	r->median_wait_days = r->p90_wait_days = -1;
	r->median_second_days = r->p90_second_days = -1;
	/* One read transaction: every figure from the same snapshot. */
	if (db_read_begin(db) == -1)
		goto out;
	if (parts & (REPORT_PART_PEOPLE | REPORT_PART_MONTH_PEOPLE |
	    REPORT_PART_LATE))
		parts |= REPORT_PART_SESSIONS;
	if (raw) {
		assert(parts == REPORT_PART_ALL);
		if (report_fill(db, r) == -1 || load_totals(db, r) == -1)
			goto out;
		for (k = 0; k < REPORT_BY__MAX; k++)
			if (load_groups(db, r, (enum report_by)k) == -1)
				goto out;
		if (load_attendance(db, r) == -1 || load_late(db, r) == -1)
			goto out;
	} else if ((parts & REPORT_PART_SESSIONS) && load_summaries(db, r,
	    SUM_LABELS | ((parts & REPORT_PART_PEOPLE) ? SUM_PEOPLE |
	    SUM_GROUP_PEOPLE : 0) | ((parts & REPORT_PART_MONTH_PEOPLE) ?
	    SUM_MONTH_PEOPLE : 0) | ((parts & REPORT_PART_LATE) ? SUM_LATE |
	    ((parts & REPORT_PART_LATE_BY_SITE) ? SUM_LATE_BY_SITE : 0) : 0),
	    INT64_MIN, NULL) == -1)
		goto out;
	if (((parts & REPORT_PART_REFERRALS) && load_referrals(db, r, raw) == -1) ||
	    ((parts & REPORT_PART_WAITLIST) && load_waitlist(db, r) == -1) ||
	    ((parts & REPORT_PART_WAITS) && load_waits(db, r, raw) == -1) ||
	    ((parts & REPORT_PART_CASELOAD) &&
	    load_caseload(db, r, raw, now) == -1) ||
	    ((parts & REPORT_PART_OUTCOMES) &&
	    load_outcomes(db, r, raw) == -1) ||
	    ((parts & REPORT_PART_OFFERS) && load_offers(db, r) == -1))
		goto out;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "db: report: %s\n", sqlite3_errmsg(db->conn));
	/* The period's rows are not kept between reports. */
	if (rc == 0 && raw && (db_exec(db, sql_d_clear) != SQLITE_OK ||
	    db_exec(db, sql_p_clear) != SQLITE_OK))
		fprintf(stderr, "db: report: %s\n", sqlite3_errmsg(db->conn));
	db_read_end(db);
	if (rc == -1) {
		db_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int
db_report_load(struct db *db, int64_t from_utc, int64_t to_utc,
    int64_t now, struct db_report **out)
{
	return report_load(db, from_utc, to_utc, now, 0, REPORT_PART_ALL,
	    out);
}

int
db_report_load_parts(struct db *db, int64_t from_utc, int64_t to_utc,
    int64_t now, unsigned parts, struct db_report **out)
{
	return report_load(db, from_utc, to_utc, now, 0,
	    parts & (REPORT_PART_ALL | REPORT_PART_LATE_BY_SITE), out);
}

int
db_report_load_raw(struct db *db, int64_t from_utc, int64_t to_utc,
    struct db_report **out)
{
	return report_load(db, from_utc, to_utc, 0, 1, REPORT_PART_ALL,
	    out);
}

int
db_report_sessions_load(struct db *db, int64_t from_utc, int64_t to_utc,
    int64_t long_before, int64_t *long_term, struct db_report **out)
{
	struct db_report *r = xcalloc(1, sizeof(*r));

	*out = NULL;
	r->from_utc = from_utc;
	r->to_utc = to_utc;
	if (load_summaries(db, r, SUM_PEOPLE, long_before, long_term) == -1) {
		fprintf(stderr, "db: report: %s\n", sqlite3_errmsg(db->conn));
		db_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* "sessions by site, row 2: people" into why; 1. */
static int
differ(char *why, size_t n, const char *what, size_t row, const char *field)
{
	if (row == SIZE_MAX)
		snprintf(why, n, "%s", what);
	else
		snprintf(why, n, "%s, row %zu: %s", what, row + 1, field);
	return 1;
}

int
db_report_differ(const struct db_report *a, const struct db_report *b,
    char *why, size_t n)
{
	static const char *const by[REPORT_BY__MAX] = { "by month",
	    "by site", "by organisation", "by therapist", "by type" };
	const struct db_report_group *g, *h;
	const struct db_report_late *l, *m;
	size_t i;
	int k;

	if (a->sessions != b->sessions)
		return differ(why, n, "sessions", SIZE_MAX, NULL);
	if (a->seconds != b->seconds)
		return differ(why, n, "hours", SIZE_MAX, NULL);
	if (a->people != b->people)
		return differ(why, n, "people", SIZE_MAX, NULL);
	for (k = 0; k < 4; k++)
		if (a->attendance[k] != b->attendance[k])
			return differ(why, n, attendance_names[k], SIZE_MAX,
			    NULL);
	for (k = 0; k < REPORT_BY__MAX; k++) {
		if (a->ngroups[k] != b->ngroups[k])
			return differ(why, n, by[k], SIZE_MAX, NULL);
		for (i = 0; i < a->ngroups[k]; i++) {
			g = &a->groups[k][i];
			h = &b->groups[k][i];
			if (strcmp(g->key, h->key) != 0)
				return differ(why, n, by[k], i, "key");
			if (strcmp(g->label, h->label) != 0)
				return differ(why, n, by[k], i, "label");
			if (g->sessions != h->sessions)
				return differ(why, n, by[k], i, "sessions");
			if (g->seconds != h->seconds)
				return differ(why, n, by[k], i, "hours");
			if (g->people != h->people)
				return differ(why, n, by[k], i, "people");
		}
	}
	if (a->first_sessions != b->first_sessions ||
	    a->median_wait_days != b->median_wait_days ||
	    a->p90_wait_days != b->p90_wait_days)
		return differ(why, n, "waits", SIZE_MAX, NULL);
	if (a->second_sessions != b->second_sessions ||
	    a->median_second_days != b->median_second_days ||
	    a->p90_second_days != b->p90_second_days)
		return differ(why, n, "second sessions", SIZE_MAX, NULL);
	if (a->outcome_responses != b->outcome_responses ||
	    a->outcome_sent != b->outcome_sent)
		return differ(why, n, "outcomes", SIZE_MAX, NULL);
	for (k = 0; k < OUTCOME__MAX; k++)
		if (a->outcome_answered[k] != b->outcome_answered[k] ||
		    a->outcome_agreed[k] != b->outcome_agreed[k])
			return differ(why, n, "outcomes", (size_t)k,
			    "answered or agreed");
	if (a->referrals != b->referrals)
		return differ(why, n, "referrals", SIZE_MAX, NULL);
	for (k = 0; k < NEED__MAX; k++)
		if (a->by_need[k] != b->by_need[k])
			return differ(why, n, "referrals by need", (size_t)k,
			    "count");
	if (a->nsources != b->nsources)
		return differ(why, n, "referrals by source", SIZE_MAX, NULL);
	for (i = 0; i < a->nsources; i++)
		if (strcmp(a->by_source[i].key, b->by_source[i].key) != 0 ||
		    a->by_source[i].count != b->by_source[i].count)
			return differ(why, n, "referrals by source", i,
			    "source or count");
	if (a->nlate != b->nlate)
		return differ(why, n, "late", SIZE_MAX, NULL);
	for (i = 0; i < a->nlate; i++) {
		l = &a->late[i];
		m = &b->late[i];
		if (l->site_id != m->site_id || strcmp(l->site, m->site) != 0 ||
		    strcmp(l->month, m->month) != 0)
			return differ(why, n, "late", i, "site or month");
		if (l->sessions != m->sessions || l->late != m->late ||
		    l->dna != m->dna)
			return differ(why, n, "late", i, "counts");
	}
	return 0;
}

void
db_report_free(struct db_report *r)
{
	size_t i;
	int k;

	if (r == NULL)
		return;
	for (k = 0; k < REPORT_BY__MAX; k++)
		free(r->groups[k]);
	free(r->by_source);
	free(r->waitlist_months);
	free(r->caseload);
	free(r->late);
	for (i = 0; i < r->nlate_names; i++)
		free(r->late_names[i]);
	free(r->late_names);
	free(r);
}

/* ---- settings ---- */

long
db_setting_int(struct db *db, const char *key, long def)
{
	static const char sql[] = "SELECT CAST(value AS TEXT) FROM settings "
	    "WHERE key = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	const char *s;
	char *end;
	long v = def;
	int rc;

	if (st == NULL)
		return def;
	db_bind_text(st, 1, key);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		s = db_col(st, 0);
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno != 0 || end == s || *end != '\0')
			v = def;
	} else if (rc != SQLITE_DONE)
		fprintf(stderr, "db: setting %s: %s\n", key,
		    sqlite3_errmsg(db->conn));
	db_done(st);
	return v;
}

int
db_setting_int_set(struct db *db, const char *key, long value)
{
	static const char sql[] = "INSERT INTO settings (key, value) "
	    "VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	char v[32];
	int rc;

	if (st == NULL)
		return -1;
	snprintf(v, sizeof(v), "%ld", value);
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, v);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: setting %s: %s\n", key,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

/* ---- the survey links ---- */

/*
 * 24 bytes as 32 base64url characters: [0] the type (2: a client's
 * outcome survey by referral id; 3: a family or partner survey by its
 * row's id), [1..8] the id big-endian, [9..23] the first 15 bytes of
 * HMAC-SHA-256(key, "tutti-outcome\0" || bytes 0..8).  The type is
 * signed with the id, so one kind's link never opens another's.
 */
#define TOKEN_OUTCOME	2
#define TOKEN_SURVEY	3
#define TOKEN_BODY	9
#define TOKEN_MAC	15
#define TOKEN_BYTES	(TOKEN_BODY + TOKEN_MAC)
#define TOKEN_KEY_LEN	32

static const char token_context[] = "tutti-outcome";	/* with its NUL */

static void
token_mac(const unsigned char key[TOKEN_KEY_LEN],
    const unsigned char body[TOKEN_BODY], unsigned char mac[TOKEN_MAC])
{
	crypto_auth_hmacsha256_state st;
	unsigned char full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, TOKEN_KEY_LEN);
	crypto_auth_hmacsha256_update(&st,
	    (const unsigned char *)token_context, sizeof(token_context));
	crypto_auth_hmacsha256_update(&st, body, TOKEN_BODY);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, TOKEN_MAC);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(full, sizeof(full));
}

/* The token of type for id into out; 0, or -1 (no secret). */
static int
token_make(struct db *db, unsigned char type, int64_t id,
    char out[DB_OUTCOME_TOKEN_LEN])
{
	unsigned char key[TOKEN_KEY_LEN], t[TOKEN_BYTES];
	uint64_t v = (uint64_t)id;
	int i;

	out[0] = '\0';
	if (id <= 0 || db_secret(db, "outcome_key", key, sizeof(key)) == -1)
		return -1;
	t[0] = type;
	for (i = 8; i >= 1; i--) {
		t[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	token_mac(key, t, t + TOKEN_BODY);
	sodium_memzero(key, sizeof(key));
	sodium_bin2base64(out, DB_OUTCOME_TOKEN_LEN, t, sizeof(t),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* The id a token of type names into *id; 0, or -1 (not one). */
static int
token_check(struct db *db, unsigned char type, const char *token,
    int64_t *id)
{
	unsigned char key[TOKEN_KEY_LEN], t[TOKEN_BYTES], mac[TOKEN_MAC];
	size_t n, len;
	uint64_t v = 0;
	int i, rc;

	if (token == NULL)
		return -1;
	n = strnlen(token, DB_OUTCOME_TOKEN_LEN);
	if (n != DB_OUTCOME_TOKEN_LEN - 1)
		return -1;
	if (sodium_base642bin(t, sizeof(t), token, n, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(t) || t[0] != type)
		return -1;
	if (db_secret(db, "outcome_key", key, sizeof(key)) == -1)
		return -1;
	token_mac(key, t, mac);
	sodium_memzero(key, sizeof(key));
	rc = sodium_memcmp(mac, t + TOKEN_BODY, TOKEN_MAC);
	if (rc != 0)
		return -1;
	for (i = 1; i <= 8; i++)
		v = v << 8 | t[i];
	if (v == 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*id = (int64_t)v;
	return 0;
}

int
db_outcome_token(struct db *db, int64_t referral_id,
    char out[DB_OUTCOME_TOKEN_LEN])
{
	return token_make(db, TOKEN_OUTCOME, referral_id, out);
}

int
db_outcome_token_check(struct db *db, const char *token,
    int64_t *referral_id)
{
	return token_check(db, TOKEN_OUTCOME, token, referral_id);
}

int
db_survey_token(struct db *db, int64_t survey_id,
    char out[DB_OUTCOME_TOKEN_LEN])
{
	return token_make(db, TOKEN_SURVEY, survey_id, out);
}

int
db_survey_token_check(struct db *db, const char *token, int64_t *survey_id)
{
	return token_check(db, TOKEN_SURVEY, token, survey_id);
}

/* ---- answers ---- */

static const char sql_outcome_state[] = "SELECT "
    "EXISTS (SELECT 1 FROM referrals WHERE id = ?1) AND "
    "NOT EXISTS (SELECT 1 FROM erasures WHERE referral_id = ?1), "
    "EXISTS (SELECT 1 FROM outcomes WHERE referral_id = ?1)";

enum db_outcome_state
db_outcome_state(struct db *db, int64_t referral_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_outcome_state);
	enum db_outcome_state s = OUTCOME_ERROR;

	if (st == NULL)
		return OUTCOME_ERROR;
	(void)sqlite3_bind_int64(st, 1, referral_id);
	if (db_step(st) == SQLITE_ROW)
		s = !sqlite3_column_int(st, 0) ? OUTCOME_GONE :
		    sqlite3_column_int(st, 1) ? OUTCOME_ANSWERED :
		    OUTCOME_OPEN;
	db_done(st);
	return s;
}

enum db_outcome_state
db_outcome_save(struct db *db, int64_t referral_id,
    const enum outcome_answer a[OUTCOME__MAX])
{
	static const char sql[] = "INSERT INTO outcomes (referral_id, "
	    "positive, quality_of_life, social, relationship, answered_at) "
	    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (referral_id) DO NOTHING";
	sqlite3_stmt *st;
	enum db_outcome_state s;
	enum db_result r;
	char now[21];
	int q;

	for (q = 0; q < OUTCOME__MAX; q++)
		if ((unsigned)a[q] >= ANSWER__MAX ||
		    (a[q] == ANSWER_NA && q != OUTCOME_RELATIONSHIP))
			return OUTCOME_GONE;
	if (db_tx_begin(db) != DB_OK)
		return OUTCOME_ERROR;
	if ((s = db_outcome_state(db, referral_id)) != OUTCOME_OPEN) {
		db_rollback(db);
		return s;
	}
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_now(now);
	(void)sqlite3_bind_int64(st, 1, referral_id);
	for (q = 0; q < OUTCOME__MAX; q++)
		db_bind_text(st, 2 + q, outcome_answer_names[a[q]]);
	db_bind_text(st, 6, now);
	if ((r = db_tx_run_one(db, st, "outcome")) != DB_OK)
		return r == DB_CONFLICT ? OUTCOME_ANSWERED : OUTCOME_ERROR;
	return db_tx_commit(db, "outcome") == DB_OK ? OUTCOME_OPEN :
	    OUTCOME_ERROR;
fail:
	(void)db_tx_fail(db, db_errcode(db), "outcome");
	return OUTCOME_ERROR;
}

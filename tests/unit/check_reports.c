/*
 * Unit tests for db/reports.c, cgi/page_reports.c and cgi/svg.c: on a
 * hand-made dataset every figure equals the one worked out by hand
 * (below, beside the data); each CSV holds exactly the cells of its
 * table on the page; every chart is well-formed XML whatever the names;
 * the outcome survey's trigger, link and answers.
 *
 * The period is 1 January to 31 March 2025 in Europe/London: it ends at
 * 2025-03-31T23:00:00Z, as British Summer Time began on 30 March, so
 * rows at 23:15Z on the 31st fall outside it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "cgi/app.h"
#include "cgi/svg.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/partner.h"
#include "db/privacy.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "db/schedule.h"
#include "db/survey.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "tests/unit/testlib.h"

static char path[64];
static struct db *db;

#define T(iso) "CAST(strftime('%s', '" iso "') AS INTEGER)"
#define OCC(id, s, date, start, mins, t, site, state) \
	"INSERT INTO occurrences (id, series_id, occ_date, start_utc, " \
	"end_utc, therapist_id, site_id, state) VALUES (" #id ", " #s ", '" \
	date "', " T(start) ", " T(start) " + " #mins " * 60, " #t ", " \
	#site ", '" state "');"
#define ATT(s, date, c, status) \
	"INSERT INTO attendance (series_id, occ_date, client_id, status, " \
	"recorded_at) VALUES (" #s ", '" date "', " #c ", '" status "', 'x');"
#define EV(r, at, to) \
	"INSERT INTO referral_events (referral_id, at, to_status) VALUES (" \
	#r ", '" at "', '" to "');"

/*
 * The dataset.  Referrals (created, needs, source):
 *   1 Ann  2024-12-01 autism+mental health, self    (before the period)
 *   2 Bob  2025-01-10T14:00 dementia, phone         in
 *   3 Cat  2025-02-01T11:00 autism+dementia, self   in
 *   4 Dan  2025-03-15 other, partner                in (waitlisted)
 *   5 Eve  2025-03-31T23:30Z = 1 April 00:30 BST, gp (after the period)
 *   6 Fay  2025-01-20 mental health, self           in (withdrawn)
 * => 4 received; autism 1, mental health 1, dementia 2, other 1;
 *    self 2, phone 1, partner 1.
 * Waitlisted at the end of January: Bob, Fay = 2; of February: Cat = 1;
 * at the period's end: Dan = 1 (Eve joins after it).
 */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'c@x.org', 'Cora', 'coordinator', '2025-01-01T00:00:00Z');"
    "INSERT INTO organisations (id, name) VALUES (1, 'Riverside Trust');"
    "INSERT INTO sites (id, name, kind, organisation_id) VALUES "
    " (1, 'Centre', 'own_centre', NULL),"
    " (2, 'Riverside Care Home', 'care_home', 1);"
    "INSERT INTO therapists (id, name, max_caseload, active) VALUES "
    " (1, 'Thea', 4, 1), (2, 'Ravi', 2, 1), (3, 'Ivy', 5, 0);"
    "INSERT INTO referrals (id, ref, source, given_name, family_name, "
    " email, postcode, date_of_birth, preferred_contact, session_type, "
    " consent_data, consent_contact, needs, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'self', 'Ann', 'A', '', 'N1 1AA', '1980-01-01', "
    "  'phone', 'either', 1, 0, 5, '2024-12-01T10:00:00Z', 'x'),"
    " (2, 'BBBB-BBBB', 'phone', 'Bob', 'B', '', 'N1 1AA', '1980-01-01', "
    "  'phone', 'either', 1, 0, 16, '2025-01-10T14:00:00Z', 'x'),"
    " (3, 'CCCC-CCCC', 'self', 'Cat', 'C', '', 'N1 1AA', '1980-01-01', "
    "  'phone', 'either', 1, 0, 17, '2025-02-01T11:00:00Z', 'x'),"
    " (4, 'DDDD-DDDD', 'partner', 'Dan', 'D', '', 'N1 1AA', '1980-01-01',"
    "  'phone', 'either', 1, 0, 128, '2025-03-15T12:00:00Z', 'x'),"
    " (5, 'EEEE-EEEE', 'gp', 'Eve', 'E', '', 'N1 1AA', '1980-01-01', "
    "  'phone', 'either', 1, 0, 4, '2025-03-31T23:30:00Z', 'x'),"
    " (6, 'FFFF-FFFF', 'self', 'Fay', 'F', '', 'N1 1AA', '1980-01-01', "
    "  'phone', 'either', 1, 0, 4, '2025-01-20T00:00:00Z', 'x');"
    EV(1, "2024-12-01T10:00:00Z", "new")
    EV(1, "2024-12-05T10:00:00Z", "waitlisted")
    EV(1, "2024-12-20T00:00:00Z", "matched")
    EV(1, "2025-01-02T10:00:00Z", "active")
    EV(2, "2025-01-10T14:00:00Z", "new")
    EV(2, "2025-01-12T10:00:00Z", "waitlisted")
    EV(2, "2025-02-10T00:00:00Z", "matched")
    EV(2, "2025-02-12T10:00:00Z", "active")
    EV(3, "2025-02-01T11:00:00Z", "new")
    EV(3, "2025-02-02T10:00:00Z", "waitlisted")
    EV(3, "2025-03-01T10:00:00Z", "matched")
    EV(3, "2025-03-02T10:00:00Z", "active")
    EV(4, "2025-03-15T12:00:00Z", "new")
    EV(4, "2025-03-16T10:00:00Z", "waitlisted")
    EV(5, "2025-03-31T23:30:00Z", "new")
    EV(5, "2025-03-31T23:40:00Z", "waitlisted")
    EV(6, "2025-01-20T00:00:00Z", "new")
    EV(6, "2025-01-25T10:00:00Z", "waitlisted")
    EV(6, "2025-02-20T00:00:00Z", "matched")
    EV(6, "2025-03-25T10:00:00Z", "withdrawn")
    /* Caseloads at the end: Thea Ann, Bob (2 of 4); Ravi Cat (1 of 2;
     * Fay ended); Ivy inactive and empty: not shown.  3 of 6 = 50%. */
    "INSERT INTO clients (id, referral_id, therapist_id, started_at, "
    " ended_at) VALUES (1, 1, 1, '2024-12-20T00:00:00Z', NULL),"
    " (2, 2, 1, '2025-02-10T00:00:00Z', NULL),"
    " (3, 3, 2, '2025-03-01T10:00:00Z', NULL),"
    " (4, 6, 2, '2025-02-20T00:00:00Z', '2025-03-25T00:00:00Z');"
    "INSERT INTO groups (id, name, therapist_id, site_id) VALUES "
    " (1, 'Singing group', 1, 2);"
    "INSERT INTO group_members (group_id, client_id, joined_at) VALUES "
    " (1, 1, 'x'), (1, 2, 'x');"
    "INSERT INTO series (id, uid, therapist_id, client_id, group_id, "
    " site_id, first_date, start_local, length_min, created_at, "
    " updated_at) VALUES "
    " (1, 'u1', 1, 1, NULL, 1, '2024-12-30', '10:00', 45, 'x', 'x'),"
    " (2, 'u2', 1, NULL, 1, 2, '2025-02-15', '14:00', 60, 'x', 'x'),"
    " (3, 'u3', 2, 3, NULL, 2, '2025-03-10', '11:00', 45, 'x', 'x');"
    /* Series 1 (Ann, Centre, 45 min): delivered 6 Jan, 13 Jan, 3 Feb;
     * 20 Jan did not attend; 27 Jan cancelled; 30 Dec and 7 Apr outside
     * the period. */
    OCC(1, 1, "2024-12-30", "2024-12-30T10:00:00Z", 45, 1, 1, "booked")
    OCC(2, 1, "2025-01-06", "2025-01-06T10:00:00Z", 45, 1, 1, "booked")
    OCC(3, 1, "2025-01-13", "2025-01-13T10:00:00Z", 45, 1, 1, "booked")
    OCC(4, 1, "2025-01-20", "2025-01-20T10:00:00Z", 45, 1, 1, "booked")
    OCC(5, 1, "2025-01-27", "2025-01-27T10:00:00Z", 45, 1, 1, "cancelled")
    OCC(6, 1, "2025-02-03", "2025-02-03T10:00:00Z", 45, 1, 1, "booked")
    OCC(7, 1, "2025-04-07", "2025-04-07T09:00:00Z", 45, 1, 1, "booked")
    ATT(1, "2024-12-30", 1, "attended")
    ATT(1, "2025-01-06", 1, "attended")
    ATT(1, "2025-01-13", 1, "attended")
    ATT(1, "2025-01-20", 1, "did_not_attend")
    ATT(1, "2025-02-03", 1, "attended")
    ATT(1, "2025-04-07", 1, "attended")
    /* Series 2 (the group, Riverside, 60 min): delivered 15 Feb (Ann,
     * Bob attended) and 22 Mar (Bob attended; the therapist cancelled
     * for Ann); 15 Mar nobody came: not delivered. */
    OCC(8, 2, "2025-02-15", "2025-02-15T14:00:00Z", 60, 1, 2, "booked")
    OCC(9, 2, "2025-03-15", "2025-03-15T14:00:00Z", 60, 1, 2, "booked")
    OCC(10, 2, "2025-03-22", "2025-03-22T14:00:00Z", 60, 1, 2, "booked")
    ATT(2, "2025-02-15", 1, "attended")
    ATT(2, "2025-02-15", 2, "attended")
    ATT(2, "2025-03-15", 1, "cancelled_client")
    ATT(2, "2025-03-15", 2, "did_not_attend")
    ATT(2, "2025-03-22", 2, "attended")
    ATT(2, "2025-03-22", 1, "cancelled_therapist")
    /* Series 3 (Cat, Riverside, 45 min): delivered 10, 17 and 31 Mar
     * (22:00Z is 23:00 BST); 23:15Z on the 31st is 1 April. */
    OCC(11, 3, "2025-03-10", "2025-03-10T11:00:00Z", 45, 2, 2, "booked")
    OCC(12, 3, "2025-03-17", "2025-03-17T11:00:00Z", 45, 2, 2, "booked")
    OCC(13, 3, "2025-03-31", "2025-03-31T22:00:00Z", 45, 2, 2, "booked")
    OCC(14, 3, "2025-04-01", "2025-03-31T23:15:00Z", 45, 2, 2, "booked")
    ATT(3, "2025-03-10", 3, "attended")
    ATT(3, "2025-03-17", 3, "attended")
    ATT(3, "2025-03-31", 3, "attended")
    ATT(3, "2025-04-01", 3, "attended")
    /* Outcomes: two answered in the period, one after it. */
    "INSERT INTO outcomes (referral_id, positive, quality_of_life, social,"
    " relationship, answered_at) VALUES "
    " (1, 'agree', 'agree', 'unsure', 'na', '2025-02-20T10:00:00Z'),"
    " (2, 'agree', 'disagree', 'agree', 'agree', '2025-03-05T10:00:00Z'),"
    " (3, 'disagree', 'disagree', 'disagree', 'disagree',"
    "  '2025-04-02T10:00:00Z');"
    "INSERT INTO outbox (dedupe_key, kind, to_addr, referral_id, "
    " message_id, not_before, created_at) VALUES "
    " ('outcome-survey:1', 'outcome_survey', 'a@x.org', 1, '<1@x>', 'x',"
    "  '2025-02-18T10:00:00Z'),"
    " ('outcome-survey:2', 'outcome_survey', 'b@x.org', 2, '<2@x>', 'x',"
    "  '2025-04-05T10:00:00Z');";

static int64_t from_utc, to_utc;
/* The tests' now (the fixture's times are all before it). */
static int64_t now_utc;

static int64_t
utc(const char *iso)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return (int64_t)timegm(&tm);
}

/* Runs sql on the fixture, which must succeed. */
static void
sql_exec(const char *sql)
{
	ck_assert_msg(sqlite3_exec(db->conn, sql, NULL, NULL, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db->conn));
}

static void
setup_db(int with_fixture)
{
	char err[256];
	int fd;

	setenv("TZ", "Europe/London", 1);
	tzset();
	now_utc = (int64_t)time(NULL);
	snprintf(path, sizeof(path), "/tmp/check_reports.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	db = db_open(path, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	if (with_fixture) {
		char *msg = NULL;
		int rc = sqlite3_exec(db->conn, fixture, NULL, NULL, &msg);

		ck_assert_msg(rc == SQLITE_OK, "fixture: %s", msg);
	}
	from_utc = utc("2025-01-01T00:00:00Z");
	to_utc = utc("2025-03-31T23:00:00Z");
}

static void
setup(void)
{
	setup_db(1);
}

static void
setup_empty(void)
{
	setup_db(0);
}

static void
teardown(void)
{
	char p[80];

	db_close(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* The row of a breakdown by its label. */
static const struct db_report_group *
group(const struct db_report *r, enum report_by by, const char *label)
{
	size_t i;

	for (i = 0; i < r->ngroups[by]; i++)
		if (strcmp(r->groups[by][i].label, label) == 0)
			return &r->groups[by][i];
	ck_abort_msg("no group %s", label);
	return NULL;
}

static void
check_group(const struct db_report *r, enum report_by by, size_t index,
    const char *label, int64_t sessions, int64_t seconds, int64_t people)
{
	const struct db_report_group *g;

	ck_assert_uint_gt(r->ngroups[by], index);
	g = &r->groups[by][index];
	ck_assert_str_eq(g->label, label);
	ck_assert_int_eq(g->sessions, sessions);
	ck_assert_int_eq(g->seconds, seconds);
	ck_assert_int_eq(g->people, people);
}

START_TEST(test_report_sessions)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	/* 3 + 2 + 3 sessions; 3x45 + 2x60 + 3x45 minutes; Ann, Bob, Cat. */
	ck_assert_int_eq(r->sessions, 8);
	ck_assert_int_eq(r->seconds, 23400);
	ck_assert_int_eq(r->people, 3);

	ck_assert_uint_eq(r->ngroups[REPORT_BY_MONTH], 3);
	check_group(r, REPORT_BY_MONTH, 0, "2025-01", 2, 5400, 1);
	check_group(r, REPORT_BY_MONTH, 1, "2025-02", 2, 6300, 2);
	check_group(r, REPORT_BY_MONTH, 2, "2025-03", 4, 11700, 2);

	ck_assert_uint_eq(r->ngroups[REPORT_BY_SITE], 2);
	check_group(r, REPORT_BY_SITE, 0, "Riverside Care Home", 5, 15300, 3);
	check_group(r, REPORT_BY_SITE, 1, "Centre", 3, 8100, 1);

	ck_assert_uint_eq(r->ngroups[REPORT_BY_ORGANISATION], 2);
	check_group(r, REPORT_BY_ORGANISATION, 0, "Riverside Trust", 5, 15300,
	    3);
	check_group(r, REPORT_BY_ORGANISATION, 1, "No partner organisation",
	    3, 8100, 1);

	ck_assert_uint_eq(r->ngroups[REPORT_BY_THERAPIST], 2);
	check_group(r, REPORT_BY_THERAPIST, 0, "Thea", 5, 15300, 2);
	check_group(r, REPORT_BY_THERAPIST, 1, "Ravi", 3, 8100, 1);

	ck_assert_uint_eq(r->ngroups[REPORT_BY_TYPE], 2);
	check_group(r, REPORT_BY_TYPE, 0, "Individual", 6, 16200, 2);
	check_group(r, REPORT_BY_TYPE, 1, "Group", 2, 7200, 2);
	ck_assert_ptr_nonnull(group(r, REPORT_BY_TYPE, "Group"));
	db_report_free(r);
}
END_TEST

START_TEST(test_report_attendance)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	/* attended: 3 (series 1) + 3 (group) + 3 (series 3). */
	ck_assert_int_eq(r->attendance[0], 9);	/* attended */
	ck_assert_int_eq(r->attendance[1], 1);	/* cancelled_client */
	ck_assert_int_eq(r->attendance[2], 2);	/* did_not_attend */
	ck_assert_int_eq(r->attendance[3], 1);	/* cancelled_therapist */
	db_report_free(r);
}
END_TEST

/*
 * r's referral figures: how many, each need counted ("autism:1
 * dementia:2", in the needs' order; a need not written counts none)
 * and each source ("self:2 partner:1", in the report's order).
 */
static void
referrals_are(const struct db_report *r, int64_t referrals,
    const char *needs, const char *sources)
{
	struct buf b = BUF_INIT;
	size_t i;

	ck_assert_int_eq(r->referrals, referrals);
	for (i = 0; i < NEED__MAX; i++)
		if (r->by_need[i] != 0)
			buf_printf(&b, "%s%s:%lld", b.len > 0 ? " " : "",
			    need_names[i], (long long)r->by_need[i]);
	ck_assert_str_eq(buf_cstr(&b), needs);
	buf_reset(&b);
	for (i = 0; i < r->nsources; i++)
		buf_printf(&b, "%s%s:%lld", i > 0 ? " " : "",
		    r->by_source[i].key, (long long)r->by_source[i].count);
	ck_assert_str_eq(buf_cstr(&b), sources);
	buf_free(&b);
}

START_TEST(test_report_referrals)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	referrals_are(r, 4, "autism:1 mental_health:1 dementia:2 other:1",
	    "self:2 partner:1 phone:1");
	db_report_free(r);
}
END_TEST

/* A report of [from, to) from the summaries, which equals the raw one. */
static struct db_report *
report_same(const char *from, const char *to)
{
	struct db_report *r, *raw;
	char why[128];

	ck_assert_int_eq(db_report_load(db, utc(from), utc(to), now_utc, &r),
	    0);
	ck_assert_int_eq(db_report_load_raw(db, utc(from), utc(to), &raw), 0);
	ck_assert_msg(db_report_differ(r, raw, why, sizeof(why)) == 0,
	    "%s to %s: %s differs", from, to, why);
	db_report_free(raw);
	return r;
}

/*
 * Issue 21: the referrals of whole UTC months come from
 * report_referral_months (049), kept by triggers.  December 2024 to
 * April 2025 holds all six (Eve's 23:30Z on 31 March is UTC March);
 * then Bob's needs become autism alone, Cat's source a GP, Dan's
 * receipt moves to June, and a referral is made and removed.  Each
 * report equals the raw rows; the fixture's period reads March (cut at
 * 23:00Z) from the referrals themselves.
 */
START_TEST(test_report_referral_months)
{
	static const char *const writes[] = {
		"UPDATE referrals SET needs = 1 WHERE id = 2",
		"UPDATE referrals SET source = 'gp' WHERE id = 3",
		"UPDATE referrals SET created_at = '2025-06-02T10:00:00Z' "
		"WHERE id = 4",
		"INSERT INTO referrals (id, ref, source, given_name, "
		"family_name, email, postcode, date_of_birth, "
		"preferred_contact, session_type, consent_data, "
		"consent_contact, needs, created_at, updated_at) VALUES (7, "
		"'GGGG-GGGG', 'other', 'Gus', 'G', '', 'N1 1AA', '1980-01-01', "
		"'phone', 'either', 1, 0, 2, '2025-02-10T10:00:00Z', 'x')",
		"DELETE FROM referrals WHERE id = 7",
	};
	struct db_report *r;
	size_t i;

	r = report_same("2024-12-01T00:00:00Z", "2025-05-01T00:00:00Z");
	referrals_are(r, 6, "autism:2 mental_health:3 dementia:2 other:1",
	    "self:3 gp:1 partner:1 phone:1");
	db_report_free(r);
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		sql_exec(writes[i]);
		db_report_free(report_same("2024-12-01T00:00:00Z",
		    "2025-05-01T00:00:00Z"));
		db_report_free(report_same("2025-01-01T00:00:00Z",
		    "2025-03-31T23:00:00Z"));
	}
	r = report_same("2024-12-01T00:00:00Z", "2025-05-01T00:00:00Z");
	referrals_are(r, 5, "autism:3 mental_health:3 dementia:1",
	    "gp:2 self:2 phone:1");
	db_report_free(r);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "report_referral_months WHERE n < 1"), 0);
}
END_TEST

START_TEST(test_report_waitlist)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	ck_assert_int_eq(r->waitlist_end, 1);
	ck_assert_uint_eq(r->nwaitlist_months, 3);
	ck_assert_str_eq(r->waitlist_months[0].key, "2025-01");
	ck_assert_int_eq(r->waitlist_months[0].count, 2);
	ck_assert_str_eq(r->waitlist_months[1].key, "2025-02");
	ck_assert_int_eq(r->waitlist_months[1].count, 1);
	ck_assert_str_eq(r->waitlist_months[2].key, "2025-03");
	ck_assert_int_eq(r->waitlist_months[2].count, 1);
	/* Bob: 10 Jan 14:00 to 15 Feb 14:00, 36 days; Cat: 1 Feb 11:00 to
	 * 10 Mar 11:00, 37 days; Ann's first session was in December. */
	ck_assert_int_eq(r->first_sessions, 2);
	ck_assert_double_eq_tol(r->median_wait_days, 36.5, 1e-9);
	db_report_free(r);
}
END_TEST

/*
 * The waitlist summary kept by triggers (017-growth.sql) gives what the
 * history itself says: at instants on and off the hour, and after more
 * lines (one back to the waitlist within an hour, a referral deleted).
 */
static int64_t
waitlisted_at(const char *when)
{
	static const char sql[] = "SELECT count(*) FROM (SELECT DISTINCT "
	    "referral_id AS rid FROM referral_events WHERE to_status = "
	    "'waitlisted' AND at < ?1) w WHERE (SELECT e.to_status FROM "
	    "referral_events e WHERE e.referral_id = w.rid AND e.at < ?1 "
	    "ORDER BY e.at DESC, e.id DESC LIMIT 1) = 'waitlisted'";
	sqlite3_stmt *st;
	int64_t n;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
waitlist_matches_history(void)
{
	static const char *const at[] = {
		"2024-12-05T10:00:00Z", "2024-12-05T10:00:01Z",
		"2025-01-12T10:30:00Z", "2025-01-31T23:59:59Z",
		"2025-02-10T00:00:00Z", "2025-03-31T23:35:00Z",
		"2025-03-31T23:45:00Z", "2025-04-01T00:00:00Z",
		"2025-06-01T12:00:00Z",
	};
	struct db_report *r;
	struct tm tm;
	size_t i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		ck_assert_ptr_nonnull(strptime(at[i], "%Y-%m-%dT%H:%M:%SZ",
		    &tm));
		ck_assert_int_eq(db_report_load(db, from_utc,
		    (int64_t)timegm(&tm), now_utc, &r), 0);
		ck_assert_msg(r->waitlist_end == waitlisted_at(at[i]),
		    "at %s: %lld, the history says %lld", at[i],
		    (long long)r->waitlist_end, (long long)waitlisted_at(at[i]));
		db_report_free(r);
	}
}

START_TEST(test_report_waitlist_summary)
{
	waitlist_matches_history();
	ck_assert_int_eq(sqlite3_exec(db->conn,
	    EV(4, "2025-03-31T23:10:00Z", "triaged")
	    EV(4, "2025-03-31T23:50:00Z", "waitlisted")
	    EV(2, "2025-04-02T09:00:00Z", "closed")
	    "DELETE FROM clients WHERE referral_id = 6;"
	    "DELETE FROM referrals WHERE id = 6;", NULL, NULL, NULL),
	    SQLITE_OK);
	waitlist_matches_history();
}
END_TEST

/* Referral id's lines: new, waitlisted, matched on day (YYYY-MM-DD). */
static void
waitlist_referral(int id, const char *day)
{
	char sql[640];

	snprintf(sql, sizeof(sql), "INSERT INTO referrals (id, ref, source, "
	    "given_name, family_name, email, postcode, date_of_birth, "
	    "preferred_contact, session_type, consent_data, consent_contact, "
	    "needs, created_at, updated_at) VALUES (%d, 'R%d', 'self', 'Gil',"
	    " 'G', '', 'N1 1AA', '1980-01-01', 'phone', 'either', 1, 0, 4, "
	    "'%sT09:00:00Z', 'x');" EV(%d, "%sT09:00:00Z", "new")
	    EV(%d, "%sT10:00:00Z", "waitlisted")
	    EV(%d, "%sT11:00:00Z", "matched"), id, id, day, id, day, id, day,
	    id, day);
	testlib_sql_exec(db, sql);
}

/*
 * Deleting a referral costs the same however many lines of other
 * referrals ever moved to the waitlist (035): waitlist_hours_forget
 * reads the referral's own lines (referral_waitlist_hours), not every
 * 'waitlisted' line of the service for each hour (017 did, through
 * referral_events_to).  VM steps, never time; the summary still says
 * what the history says.
 */
START_TEST(test_report_waitlist_forget_steps)
{
	char *plan, *forget, *end;
	int few, many;

	waitlist_referral(7, "2025-05-01");
	waitlist_referral(8, "2025-05-02");
	few = testlib_sql_steps(db, "DELETE FROM referrals WHERE id = 7");
	/* Dan back on and off the waitlist 1000 times (2000 lines). */
	testlib_sql_exec(db, "WITH RECURSIVE w(n) AS (SELECT 0 UNION ALL "
	    "SELECT n + 1 FROM w WHERE n < 1999) INSERT INTO referral_events "
	    "(referral_id, at, to_status) SELECT 4, strftime('%Y-%m-%dT%H:"
	    "%M:%SZ', '2025-06-01', '+' || n || ' hours'), CASE n % 2 WHEN 0 "
	    "THEN 'waitlisted' ELSE 'matched' END FROM w");
	many = testlib_sql_steps(db, "DELETE FROM referrals WHERE id = 8");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "referral_events WHERE to_status = 'waitlisted'"), 1006);
	ck_assert_msg(many < few + 50, "%d steps with 7 other waitlisted "
	    "lines, %d with 1007", few, many);
	waitlist_matches_history();

	/* Each of the trigger's reads finds the referral's lines by its id
	 * (the delete's own foreign key checks are not this trigger's). */
	plan = testlib_sql_plan(db, "DELETE FROM referrals WHERE id = 4");
	forget = strstr(plan, "-- TRIGGER waitlist_hours_forget\n");
	ck_assert_msg(forget != NULL, "%s", plan);
	if ((end = strstr(forget + 1, "\n--")) != NULL)
		end[1] = '\0';
	ck_assert_msg(strstr(forget, "SCAN referral_events") == NULL &&
	    strstr(forget, "SCAN e\n") == NULL && strstr(forget, "SCAN p\n")
	    == NULL && strstr(forget, "to_status=") == NULL && strstr(forget,
	    "SEARCH e USING COVERING INDEX referral_events_at (referral_id=?)")
	    != NULL, "%s", forget);
	free(plan);
}
END_TEST

/*
 * The waitlist at instants after now (its months from 055's
 * waitlist_months) equals the history after the real writers move
 * referrals on and off it (db_referral_move) and a referral is
 * removed, at both kinds of instant: early in a UTC month (its hours
 * before the instant read) and late in one (its hours after it).
 */
START_TEST(test_report_waitlist_writers)
{
	static const enum status moves[][2] = {
		{ ST_NEW, ST_TRIAGED }, { ST_TRIAGED, ST_WAITLISTED },
	};
	int64_t ends[4];
	struct db_report *r;
	char when[21];
	size_t i, k;
	time_t tt;
	struct tm tm;

	tt = (time_t)now_utc;
	gmtime_r(&tt, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon++;
	ends[0] = now_utc + 3600;
	ends[1] = (int64_t)timegm(&tm) + 5 * 3600;	/* next month's 1st */
	ends[2] = (int64_t)timegm(&tm) - 7200;	/* this month's end */
	ends[3] = now_utc + 86400 * 50;
	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		ck_assert_int_eq(db_referral_move(db, 5, moves[i][0],
		    moves[i][1], 1, "test", ""), DB_OK);
		ck_assert_int_eq(db_referral_move(db, 6, moves[i][0],
		    moves[i][1], 1, "test", ""), DB_OK);
	}
	ck_assert_int_eq(db_referral_move(db, 6, ST_WAITLISTED, ST_WITHDRAWN,
	    1, "test", ""), DB_OK);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
			if (ends[i] <= now_utc)
				continue;
			tt = (time_t)ends[i];
			gmtime_r(&tt, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			ck_assert_int_eq(db_report_load(db, from_utc, ends[i],
			    now_utc, &r), 0);
			ck_assert_msg(r->waitlist_end == waitlisted_at(when),
			    "at %s: %lld, the history says %lld", when,
			    (long long)r->waitlist_end,
			    (long long)waitlisted_at(when));
			db_report_free(r);
		}
		waitlist_matches_history();
		/* Eve's referral removed with its history (purge). */
		sql_exec("DELETE FROM referrals WHERE id = 5");
	}
}
END_TEST

/*
 * Rows that differ between first_sessions (kept by triggers) and the
 * first attended session of each person counted from attendance itself.
 */
static int
first_sessions_differ(void)
{
	static const char sql[] = "WITH direct AS (SELECT c.referral_id, "
	    "min(o.start_utc) AS first_utc FROM attendance a JOIN clients c "
	    "ON c.id = a.client_id JOIN occurrences o ON o.series_id = "
	    "a.series_id AND o.occ_date = a.occ_date WHERE a.status = "
	    "'attended' GROUP BY c.referral_id) SELECT (SELECT count(*) FROM "
	    "(SELECT referral_id, first_utc FROM first_sessions EXCEPT "
	    "SELECT * FROM direct)) + (SELECT count(*) FROM (SELECT * FROM "
	    "direct EXCEPT SELECT referral_id, first_utc FROM "
	    "first_sessions)), (SELECT count(*) FROM first_sessions)";
	sqlite3_stmt *st;
	int n;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	ck_assert_int_gt(sqlite3_column_int(st, 1), 0);
	sqlite3_finalize(st);
	return n;
}

/* first_sessions equals a direct count after every kind of write. */
START_TEST(test_report_first_sessions)
{
	static const char *const writes[] = {
		/* An attended session earlier than any: Cat's first moves. */
		"UPDATE occurrences SET start_utc = start_utc - 86400 * 30, "
		"end_utc = end_utc - 86400 * 30 WHERE id = 12",
		/* Her first no longer attended, then gone. */
		"UPDATE attendance SET status = 'did_not_attend' "
		"WHERE series_id = 3 AND occ_date = '2025-03-10'",
		"DELETE FROM attendance WHERE series_id = 3 "
		"AND occ_date = '2025-03-17'",
		/* A session removed with its attendance kept. */
		"DELETE FROM occurrences WHERE id = 2",
		/* Ann's first session in the group, before her own. */
		"INSERT INTO occurrences (id, series_id, occ_date, start_utc, "
		"end_utc, therapist_id, site_id, room_id, state) VALUES (20, 2, "
		"'2024-11-30', 1733000000, 1733003600, 1, 2, NULL, 'booked')",
		"INSERT INTO attendance (series_id, occ_date, client_id, "
		"status, recorded_at) VALUES (2, '2024-11-30', 1, 'attended', "
		"'x')",
		/* A session made again where attendance was recorded. */
		"INSERT INTO occurrences (id, series_id, occ_date, start_utc, "
		"end_utc, therapist_id, site_id, room_id, state) VALUES (21, 1, "
		"'2025-01-06', 1736100000, 1736102700, 1, 1, NULL, 'booked')",
		/* Every attendance of Bob gone: no first session. */
		"DELETE FROM attendance WHERE client_id = 2",
	};
	size_t i;

	ck_assert_int_eq(first_sessions_differ(), 0);
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		ck_assert_msg(sqlite3_exec(db->conn, writes[i], NULL, NULL,
		    NULL) == SQLITE_OK, "%s: %s", writes[i],
		    sqlite3_errmsg(db->conn));
		ck_assert_msg(first_sessions_differ() == 0, "after %s",
		    writes[i]);
	}
}
END_TEST

/*
 * The figures read from the summaries (031-report-summaries.sql,
 * 036-report-rollups.sql) equal those worked out from the raw rows, for
 * several periods (whole months; months cut at both ends; across both
 * changes to and from British Summer Time), in three time zones (the
 * local months of New York begin hours after the UTC months, those of
 * Auckland half a day before), on the fixture and after each kind of
 * write the product makes to occurrences, attendance, self_cancels,
 * series and clients (the writer each stands for is named beside it).
 */
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

/*
 * The report the page reads for a long period (REPORT_PART_LATE_BY_SITE:
 * whole years from report_years, 054) against the raw rows'.
 */
static void
summaries_by_site_same(int64_t from, int64_t to, const char *after,
    const char *tz, const char *period)
{
	struct db_report *a, *b;
	char why[128];

	ck_assert_int_eq(db_report_load_parts(db, from, to, now_utc,
	    REPORT_PART_ALL | REPORT_PART_LATE_BY_SITE, &a), 0);
	ck_assert_int_eq(db_report_load_raw(db, from, to, &b), 0);
	late_fold(b);
	ck_assert_msg(db_report_differ(a, b, why, sizeof(why)) == 0,
	    "after %s, %s, %s, by site: %s differs", after, tz, period, why);
	db_report_free(a);
	db_report_free(b);
}

static void
summaries_same_in(const char *after, const char *tz)
{
	static const char *const periods[][2] = {
		{ "2025-01-01T00:00:00Z", "2025-03-31T23:00:00Z" },
		{ "2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z" },
		{ "2025-02-15T14:00:00Z", "2025-04-01T00:00:00Z" },
		{ "2025-01-10T00:00:00Z", "2025-03-20T00:00:00Z" },
		{ "2024-09-15T23:00:00Z", "2025-04-12T23:00:00Z" },
		{ "2025-01-31T11:00:00Z", "2025-03-01T05:00:00Z" },
		/* Ann's and Bob's sessions run from before it to after it,
		 * none in it: neither is served. */
		{ "2025-02-20T00:00:00Z", "2025-03-20T00:00:00Z" },
		/* After every session (053): from in the hours of a day
		 * before noon and after it. */
		{ "2025-03-17T11:30:00Z", "2026-01-01T00:00:00Z" },
		{ "2025-03-31T14:30:00Z", "2026-01-01T00:00:00Z" },
	};
	struct db_report *a, *b;
	struct db_impact *x, *y;
	int64_t from, to;
	char why[128];
	size_t i, k;

	setenv("TZ", tz, 1);
	tzset();
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		from = utc(periods[i][0]);
		to = utc(periods[i][1]);
		ck_assert_int_eq(db_report_load(db, from, to, now_utc, &a), 0);
		ck_assert_int_eq(db_report_load_raw(db, from, to, &b), 0);
		ck_assert_msg(db_report_differ(a, b, why, sizeof(why)) == 0,
		    "after %s, %s, %s: %s differs", after, tz, periods[i][0],
		    why);
		db_report_free(a);
		db_report_free(b);
		summaries_by_site_same(from, to, after, tz, periods[i][0]);
		ck_assert_int_eq(db_impact_load(db, from, to, 1, &x), 0);
		ck_assert_int_eq(db_impact_load_raw(db, from, to, 1, &y), 0);
		ck_assert_msg(x->sessions == y->sessions &&
		    x->sessions_own == y->sessions_own &&
		    x->sessions_partner == y->sessions_partner &&
		    x->seconds == y->seconds &&
		    x->organisations == y->organisations &&
		    x->people == y->people && x->long_term == y->long_term &&
		    x->nregions == y->nregions, "after %s, %s, %s: impact",
		    after, tz, periods[i][0]);
		for (k = 0; k < IMPACT__MAX; k++)
			ck_assert_msg(x->agreed[k] == y->agreed[k] &&
			    x->answered[k] == y->answered[k] &&
			    x->sent[k] == y->sent[k], "after %s, %s, %s: "
			    "impact answers %zu", after, tz, periods[i][0], k);
		for (k = 0; k < x->nregions; k++)
			ck_assert_msg(strcmp(x->regions[k].region,
			    y->regions[k].region) == 0 &&
			    x->regions[k].sessions == y->regions[k].sessions &&
			    x->regions[k].seconds == y->regions[k].seconds,
			    "after %s: impact region %zu", after, k);
		db_impact_free(x);
		db_impact_free(y);
	}
	setenv("TZ", "Europe/London", 1);
	tzset();
}

static void
summaries_same(const char *after)
{
	summaries_same_in(after, "Europe/London");
	summaries_same_in(after, "America/New_York");
	summaries_same_in(after, "Pacific/Auckland");
}

START_TEST(test_report_summaries)
{
	static const char *const writes[] = {
		/* db_series_book: a series and its sessions. */
		"INSERT INTO series (id, uid, therapist_id, client_id, "
		"group_id, site_id, first_date, start_local, length_min, "
		"created_at, updated_at) VALUES (4, 'u4', 2, 4, NULL, 1, "
		"'2025-01-21', '09:00', 30, 'x', 'x')",
		OCC(30, 4, "2025-01-21", "2025-01-21T09:00:00Z", 30, 2, 1,
		    "booked")
		OCC(31, 4, "2025-01-28", "2025-01-28T09:00:00Z", 30, 2, 1,
		    "booked")
		OCC(32, 4, "2025-02-04", "2025-02-04T09:00:00Z", 30, 2, 1,
		    "booked"),
		/* Sessions whose local month is not their UTC month: in New
		 * York (28 February, 21:00), Auckland (1 February, 01:00)
		 * and London in summer time (1 October, 00:30). */
		OCC(40, 1, "2025-02-28", "2025-03-01T02:00:00Z", 45, 1, 1,
		    "booked")
		ATT(1, "2025-02-28", 1, "attended")
		OCC(41, 1, "2025-02-01", "2025-01-31T12:00:00Z", 45, 1, 1,
		    "booked")
		ATT(1, "2025-02-01", 1, "did_not_attend")
		OCC(42, 1, "2024-10-01", "2024-09-30T23:30:00Z", 45, 1, 1,
		    "booked")
		ATT(1, "2024-10-01", 1, "attended"),
		/* db_attendance_set: each status, then changed. */
		ATT(4, "2025-01-21", 4, "attended"),
		ATT(4, "2025-01-28", 4, "did_not_attend"),
		ATT(4, "2025-02-04", 4, "cancelled_client"),
		"UPDATE attendance SET status = 'attended' WHERE series_id = 4 "
		"AND occ_date = '2025-01-28'",
		"UPDATE attendance SET status = 'cancelled_therapist' "
		"WHERE series_id = 1 AND occ_date = '2025-01-13'",
		/* A group: a member added to a session, one removed. */
		ATT(2, "2025-03-15", 3, "attended"),
		"DELETE FROM attendance WHERE series_id = 2 AND "
		"occ_date = '2025-02-15' AND client_id = 1",
		/* db_occ_cancel, and a client's late cancellation (self.c),
		 * then taken back (remind.c). */
		"UPDATE occurrences SET state = 'cancelled' WHERE series_id = 1 "
		"AND occ_date = '2025-02-03'",
		"INSERT INTO self_cancels (series_id, occ_date, referral_id, "
		"site_id, late, notice_hours, at) VALUES (3, '2025-03-17', 3, "
		"2, 1, 5, 'x')",
		"UPDATE occurrences SET state = 'cancelled' WHERE series_id = 3 "
		"AND occ_date = '2025-03-17'",
		"UPDATE self_cancels SET late = 0 WHERE series_id = 3",
		"UPDATE occurrences SET state = 'booked' WHERE series_id = 1 "
		"AND occ_date = '2025-02-03'",
		"DELETE FROM self_cancels WHERE series_id = 3",
		/* db_occ_move and Undo's move back: to another month, and
		 * out of the period. */
		"UPDATE occurrences SET start_utc = start_utc + 86400 * 20, "
		"end_utc = end_utc + 86400 * 20, state = 'moved' WHERE id = 3",
		"UPDATE occurrences SET start_utc = " T("2025-04-02T10:00:00Z")
		", end_utc = " T("2025-04-02T11:00:00Z") " WHERE id = 2",
		/* week.c: a cover therapist and a room at another site. */
		"UPDATE occurrences SET therapist_id = 3, site_id = 2 "
		"WHERE id = 11",
		/* A session made longer. */
		"UPDATE occurrences SET end_utc = end_utc + 900 WHERE id = 12",
		/* Sites and names change: read when shown. */
		"UPDATE sites SET organisation_id = 1, region = 'Wales' "
		"WHERE id = 1",
		"UPDATE therapists SET name = 'Aaron' WHERE id = 2",
		/* A client record moved to another referral; a series
		 * turned into a group's. */
		"UPDATE clients SET referral_id = 5 WHERE id = 3",
		"UPDATE series SET client_id = NULL, group_id = 1 "
		"WHERE id = 4",
		/* Erasure and purge blank notes only (privacy.c). */
		"UPDATE attendance SET note = '' WHERE client_id = 1",
		/* db_series_end and leave: the sessions from a date go. */
		"DELETE FROM occurrences WHERE series_id = 4 "
		"AND occ_date >= '2025-02-01'",
		/* Undo of a booking: the series and all its rows. */
		"DELETE FROM series WHERE id = 4",
		/* The last of a session's attendance gone. */
		"DELETE FROM attendance WHERE series_id = 3 "
		"AND occ_date = '2025-03-10'",
	};
	size_t i;

	summaries_same("the fixture");
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		ck_assert_msg(sqlite3_exec(db->conn, writes[i], NULL, NULL,
		    NULL) == SQLITE_OK, "%s: %s", writes[i],
		    sqlite3_errmsg(db->conn));
		summaries_same(writes[i]);
	}
}
END_TEST

/*
 * The report of [from, to) from the summaries differs from the raw
 * rows' first at what (db_report_differ's words).
 */
static void
report_differs(int64_t from, int64_t to, const char *what)
{
	struct db_report *a, *b;
	char why[128];

	ck_assert_int_eq(db_report_load(db, from, to, now_utc, &a), 0);
	ck_assert_int_eq(db_report_load_raw(db, from, to, &b), 0);
	ck_assert_int_eq(db_report_differ(a, b, why, sizeof(why)), 1);
	ck_assert_str_eq(why, what);
	db_report_free(a);
	db_report_free(b);
}

/*
 * The comparison sees a rollup left behind: with report_months' triggers
 * dropped, an attendance recorded and a session cancelled make the
 * summaries differ from the raw rows.
 */
START_TEST(test_report_summaries_need_rollup)
{

	ck_assert_int_eq(sqlite3_exec(db->conn, "DROP TRIGGER "
	    "report_months_upd; DROP TRIGGER report_months_ins; "
	    "DROP TRIGGER report_months_del", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_attendance_set(db, 1, "2025-01-27", 1,
	    "attended", "", 1), DB_OK);
	report_differs(from_utc, to_utc, "attended");
}
END_TEST

/*
 * Issue 21: a long period reads its whole UTC years from report_years
 * and report_month_sessions (054), kept from report_months: with their
 * triggers dropped, an attendance recorded (db_attendance_set) and a
 * session cancelled (db_occ_cancel's write) leave 2025 behind, and the
 * two years 2024 and 2025 differ from the raw rows (with them, the same
 * after every write: test_report_summaries).
 */
START_TEST(test_report_years_need_triggers)
{
	struct db_report *a, *b;
	int64_t from = utc("2024-01-01T00:00:00Z");
	int64_t to = utc("2026-01-01T00:00:00Z");
	char why[128];

	summaries_by_site_same(from, to, "the fixture", "Europe/London",
	    "2024 and 2025");
	sql_exec("DROP TRIGGER report_years_ins; DROP TRIGGER "
	    "report_years_upd; DROP TRIGGER report_years_del");
	ck_assert_int_eq(db_attendance_set(db, 1, "2025-01-27", 1,
	    "attended", "", 1), DB_OK);
	sql_exec("UPDATE occurrences SET state = 'cancelled' "
	    "WHERE series_id = 1 AND occ_date = '2025-02-03'");
	ck_assert_int_eq(db_report_load_parts(db, from, to, now_utc,
	    REPORT_PART_ALL | REPORT_PART_LATE_BY_SITE, &a), 0);
	ck_assert_int_eq(db_report_load_raw(db, from, to, &b), 0);
	late_fold(b);
	ck_assert_int_eq(db_report_differ(a, b, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "sessions");
	db_report_free(a);
	db_report_free(b);
}
END_TEST

/*
 * Issue 21: the days of the months a period cuts come from report_days
 * (054), kept from report_sessions: with its triggers dropped, a
 * session of March marked did not attend (db_attendance_set) leaves
 * its day behind, and the period (its whole days of March read there)
 * differs from the raw rows (with them, the same after every write:
 * test_report_summaries).
 */
START_TEST(test_report_days_need_triggers)
{

	summaries_same_in("the fixture", "Europe/London");
	sql_exec("DROP TRIGGER report_days_ins; DROP TRIGGER "
	    "report_days_upd; DROP TRIGGER report_days_del");
	ck_assert_int_eq(db_attendance_set(db, 3, "2025-03-17", 3,
	    "did_not_attend", "", 1), DB_OK);
	report_differs(from_utc, to_utc, "sessions");
}
END_TEST

/* The same through the storage layer's own writers. */
START_TEST(test_report_summaries_writers)
{
	ck_assert_int_eq(db_attendance_set(db, 1, "2025-01-27", 1,
	    "attended", "", 1), DB_OK);
	summaries_same("db_attendance_set");
	ck_assert_int_eq(db_attendance_set(db, 3, "2025-03-17", 3,
	    "did_not_attend", "", 1), DB_OK);
	summaries_same("db_attendance_set, changed");
	ck_assert_int_eq(db_series_end(db, 1, "2025-01-15", "Moving away",
	    1, "127.0.0.1"), DB_OK);
	summaries_same("db_series_end");
}
END_TEST

/* report_month_people's count for UTC month "2025-03" (0: no row). */
static int64_t
month_people(const char *month)
{
	char sql[160];
	int y, m;

	ck_assert_int_eq(sscanf(month, "%d-%d", &y, &m), 2);
	snprintf(sql, sizeof(sql), "SELECT coalesce((SELECT people FROM "
	    "report_month_people WHERE month = %d), 0)", y * 12 + m - 1);
	return testlib_sql_int(db, sql);
}

/* The people of local month (label) in a report of [from, to). */
static int64_t
report_month_people(const char *from, const char *to, const char *month)
{
	struct db_report *r, *raw;
	char why[128];
	int64_t n;

	ck_assert_int_eq(db_report_load(db, utc(from), utc(to), now_utc, &r),
	    0);
	ck_assert_int_eq(db_report_load_raw(db, utc(from), utc(to), &raw), 0);
	ck_assert_msg(db_report_differ(r, raw, why, sizeof(why)) == 0,
	    "%s differs", why);
	n = group(r, REPORT_BY_MONTH, month)->people;
	db_report_free(r);
	db_report_free(raw);
	return n;
}

/*
 * Issue 21: the people of each UTC month (048) follow every write to a
 * person's attended sessions, and a report's months read them.  By UTC
 * month the fixture has Ann in December and January, Ann and Bob in
 * February, Bob and Cat in March (Cat's 23:15Z on the 31st too), Ann in
 * April.  Cat then attends a session of January; it is cancelled and
 * booked again, moved to February, marked did not attend and attended
 * again, and removed; Bob attends at 23:30Z on 30 April (1 May, 00:30
 * in London); Cat is erased.  Local April (BST) holds Ann and Cat (23:15Z
 * on 31 March), not Bob: UTC April's count less Bob, more Cat.
 */
START_TEST(test_report_month_people)
{
	static const char *const from = "2025-01-01T00:00:00Z";
	static const char *const to = "2025-03-31T23:00:00Z";
	static const char *const april[2] = { "2025-03-31T23:00:00Z",
	    "2025-04-30T23:00:00Z" };
	struct db_erase_summary sum;

	ck_assert_int_eq(month_people("2024-12"), 1);
	ck_assert_int_eq(month_people("2025-01"), 1);
	ck_assert_int_eq(month_people("2025-02"), 2);
	ck_assert_int_eq(month_people("2025-03"), 2);
	ck_assert_int_eq(month_people("2025-04"), 1);
	ck_assert_int_eq(report_month_people(from, to, "2025-03"), 2);
	/* A session recorded: db_attendance_set. */
	sql_exec(OCC(20, 3, "2025-01-21", "2025-01-21T11:00:00Z", 45, 2, 2,
	    "booked") ATT(3, "2025-01-21", 3, "attended"));
	ck_assert_int_eq(month_people("2025-01"), 2);
	ck_assert_int_eq(report_month_people(from, to, "2025-01"), 2);
	/* Cancelled (db_occ_cancel), then booked again (Undo). */
	sql_exec("UPDATE occurrences SET state = 'cancelled' "
	    "WHERE id = 20");
	ck_assert_int_eq(month_people("2025-01"), 1);
	ck_assert_int_eq(report_month_people(from, to, "2025-01"), 1);
	sql_exec("UPDATE occurrences SET state = 'booked' "
	    "WHERE id = 20");
	ck_assert_int_eq(month_people("2025-01"), 2);
	/* Moved to February (db_occ_move). */
	sql_exec("UPDATE occurrences SET start_utc = "
	    T("2025-02-25T11:00:00Z") ", end_utc = "
	    T("2025-02-25T11:45:00Z") " WHERE id = 20");
	ck_assert_int_eq(month_people("2025-01"), 1);
	ck_assert_int_eq(month_people("2025-02"), 3);
	ck_assert_int_eq(report_month_people(from, to, "2025-01"), 1);
	ck_assert_int_eq(report_month_people(from, to, "2025-02"), 3);
	/* Did not attend, then attended (db_attendance_set). */
	sql_exec("UPDATE attendance SET status = 'did_not_attend' "
	    "WHERE series_id = 3 AND occ_date = '2025-01-21'");
	ck_assert_int_eq(month_people("2025-02"), 2);
	ck_assert_int_eq(report_month_people(from, to, "2025-02"), 2);
	sql_exec("UPDATE attendance SET status = 'attended' "
	    "WHERE series_id = 3 AND occ_date = '2025-01-21'");
	ck_assert_int_eq(month_people("2025-02"), 3);
	/* Removed (db_series_end, Undo of a booking). */
	sql_exec("DELETE FROM occurrences WHERE id = 20");
	ck_assert_int_eq(month_people("2025-02"), 2);
	ck_assert_int_eq(report_month_people(from, to, "2025-02"), 2);
	/* Bob at 23:30Z on 30 April: UTC April, local May. */
	sql_exec(OCC(21, 2, "2025-05-01", "2025-04-30T23:30:00Z", 60, 1, 2,
	    "booked") ATT(2, "2025-05-01", 2, "attended"));
	ck_assert_int_eq(month_people("2025-04"), 2);
	ck_assert_int_eq(report_month_people(april[0], april[1], "2025-04"),
	    2);
	ck_assert_int_eq(report_month_people("2025-04-30T23:00:00Z",
	    "2025-05-31T23:00:00Z", "2025-05"), 1);
	/* Erased (privacy.c): their sessions stay counted. */
	ck_assert_int_eq(db_privacy_erase(db, 3, "request", 1, "", &sum),
	    DB_OK);
	ck_assert_int_eq(month_people("2025-03"), 2);
	ck_assert_int_eq(report_month_people(april[0], april[1], "2025-04"),
	    2);
	ck_assert_int_eq(report_month_people(from, to, "2025-03"), 2);
}
END_TEST

/*
 * The comparison sees report_month_people left behind: with its
 * triggers dropped, a person's first session of a month makes the
 * month's people differ from the raw rows.
 */
START_TEST(test_report_month_people_need_triggers)
{

	sql_exec("DROP TRIGGER report_month_people_ins; "
	    "DROP TRIGGER report_month_people_del");
	sql_exec(OCC(20, 3, "2025-01-21", "2025-01-21T11:00:00Z", 45, 2, 2,
	    "booked") ATT(3, "2025-01-21", 3, "attended"));
	report_differs(from_utc, to_utc, "by month, row 1: people");
}
END_TEST

/*
 * The people served of a group of a report of [from, 1 January 2026),
 * after every session, by its label ("" for the total), checked
 * against the raw rows in London and New York, and the impact report's
 * people and those supported more than six months against its own.
 */
static int64_t
last_people(const char *from, enum report_by by, const char *label)
{
	static const char *const tz[2] = { "America/New_York",
	    "Europe/London" };
	struct db_report *r = NULL, *raw;
	struct db_impact *x, *y;
	const struct db_report_group *g;
	char why[128];
	int64_t n = 0;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		setenv("TZ", tz[k], 1);
		tzset();
		db_report_free(r);
		ck_assert_int_eq(db_report_load(db, utc(from),
		    utc("2026-01-01T00:00:00Z"), now_utc, &r), 0);
		ck_assert_int_eq(db_report_load_raw(db, utc(from),
		    utc("2026-01-01T00:00:00Z"), &raw), 0);
		ck_assert_msg(db_report_differ(r, raw, why, sizeof(why)) == 0,
		    "%s: %s differs", tz[k], why);
		db_report_free(raw);
	}
	ck_assert_int_eq(db_impact_load(db, utc(from),
	    utc("2026-01-01T00:00:00Z"), 6, &x), 0);
	ck_assert_int_eq(db_impact_load_raw(db, utc(from),
	    utc("2026-01-01T00:00:00Z"), 6, &y), 0);
	ck_assert_int_eq(x->people, y->people);
	ck_assert_int_eq(x->long_term, y->long_term);
	ck_assert_int_eq(x->people, r->people);
	db_impact_free(x);
	db_impact_free(y);
	if (*label == '\0')
		n = r->people;
	else {
		for (i = 0, g = NULL; i < r->ngroups[by] && g == NULL; i++)
			if (strcmp(r->groups[by][i].label, label) == 0)
				g = &r->groups[by][i];
		n = g != NULL ? g->people : 0;
	}
	db_report_free(r);
	return n;
}

/*
 * Issue 21: a period that ends after every attended session serves the
 * people whose last session (in a group) is at or after its start
 * (053), kept through every write that moves a last session.  From 20
 * March 2025 the fixture serves Ann (Centre, Thea, on her own, 7 April),
 * Bob (Riverside's group with Thea, 22 March) and Cat (Riverside, on her
 * own with Ravi, 31 March); Ann's last at Riverside (15 February) is
 * before it.  Then Ann's 7 April is marked did not attend and attended
 * again; Bob's 22 March is handed to Ivy (week.c), cancelled and booked
 * again; Cat's series ends from 31 March; Centre joins Riverside Trust
 * (db_site_save); Cat is erased; and Ann attends a group's session on
 * 1 June, then it is removed (db_series_end).  The hours of 17 March
 * before 11:30 hold Cat's session at 11:00, those of 31 March after
 * 14:30 her sessions at 22:00 and 23:15: read from report_persons.
 */
START_TEST(test_report_last_people)
{
	static const char *const from = "2025-03-20T00:00:00Z";
	static const char *const morning = "2025-03-17T10:30:00Z";
	static const char *const noon = "2025-03-17T11:30:00Z";
	static const char *const evening = "2025-03-31T14:30:00Z";
	struct db_site_edit e;
	struct db_erase_summary sum;
	int64_t id;

	ck_assert_int_eq(last_people(from, 0, ""), 3);
	ck_assert_int_eq(last_people(from, REPORT_BY_SITE, "Centre"), 1);
	ck_assert_int_eq(last_people(from, REPORT_BY_SITE,
	    "Riverside Care Home"), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_ORGANISATION,
	    "Riverside Trust"), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_THERAPIST, "Thea"), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_TYPE, "Individual"), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_TYPE, "Group"), 1);
	ck_assert_int_eq(last_people(noon, 0, ""), 3);
	ck_assert_int_eq(last_people(evening, 0, ""), 2);
	/* Did not attend, then attended (db_attendance_set). */
	ck_assert_int_eq(db_attendance_set(db, 1, "2025-04-07", 1,
	    "did_not_attend", "", 1), DB_OK);
	ck_assert_int_eq(last_people(from, 0, ""), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_THERAPIST, "Thea"), 1);
	ck_assert_int_eq(db_attendance_set(db, 1, "2025-04-07", 1,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(last_people(from, 0, ""), 3);
	/* Handed to Ivy (db_occ_cover), cancelled (db_occ_cancel) and
	 * booked again (Undo). */
	sql_exec("UPDATE occurrences SET therapist_id = 3 WHERE id = 10");
	ck_assert_int_eq(last_people(from, REPORT_BY_THERAPIST, "Thea"), 1);
	ck_assert_int_eq(last_people(from, REPORT_BY_THERAPIST, "Ivy"), 1);
	sql_exec("UPDATE occurrences SET state = 'cancelled' WHERE id = 10");
	ck_assert_int_eq(last_people(from, 0, ""), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_TYPE, "Group"), 0);
	sql_exec("UPDATE occurrences SET state = 'booked' WHERE id = 10");
	ck_assert_int_eq(last_people(from, REPORT_BY_TYPE, "Group"), 1);
	/* Cat's sessions from 31 March removed (db_series_end). */
	ck_assert_int_eq(db_series_end(db, 3, "2025-03-31", "Moving away",
	    1, "127.0.0.1"), DB_OK);
	ck_assert_int_eq(last_people(from, 0, ""), 2);
	ck_assert_int_eq(last_people(from, REPORT_BY_SITE,
	    "Riverside Care Home"), 1);
	ck_assert_int_eq(last_people(noon, 0, ""), 2);
	ck_assert_int_eq(last_people(noon, REPORT_BY_THERAPIST, "Ravi"), 0);
	ck_assert_int_eq(last_people(morning, 0, ""), 3);
	ck_assert_int_eq(last_people(morning, REPORT_BY_THERAPIST, "Ravi"),
	    1);
	/* Centre joins Riverside Trust (db_site_save). */
	memset(&e, 0, sizeof(e));
	e.id = 1;
	e.name = "Centre";
	e.kind = SITE_OWN_CENTRE;
	e.address = "";
	e.postcode = "";
	e.district = "";
	e.organisation = "Riverside Trust";
	e.active = 1;
	e.region = "";
	ck_assert_int_eq(db_site_save(db, &e, 1, "127.0.0.1", &id), DB_OK);
	ck_assert_int_eq(last_people(from, REPORT_BY_ORGANISATION,
	    "Riverside Trust"), 2);
	ck_assert_int_eq(last_people(morning, REPORT_BY_ORGANISATION,
	    "Riverside Trust"), 3);
	/* Erased (privacy.c): their sessions stay counted. */
	ck_assert_int_eq(db_privacy_erase(db, 3, "request", 1, "", &sum),
	    DB_OK);
	ck_assert_int_eq(last_people(morning, 0, ""), 3);
	/* Ann in the group on 1 June, then the session removed. */
	sql_exec(OCC(20, 2, "2025-06-01", "2025-06-01T14:00:00Z", 60, 1, 2,
	    "booked") ATT(2, "2025-06-01", 1, "attended"));
	ck_assert_int_eq(last_people(from, REPORT_BY_TYPE, "Group"), 2);
	ck_assert_int_eq(last_people("2025-05-01T00:00:00Z", 0, ""), 1);
	ck_assert_int_eq(db_series_end(db, 2, "2025-06-01", "Ended", 1,
	    "127.0.0.1"), DB_OK);
	ck_assert_int_eq(last_people(from, REPORT_BY_TYPE, "Group"), 1);
	ck_assert_int_eq(last_people("2025-05-01T00:00:00Z", 0, ""), 0);
}
END_TEST

/*
 * Without 053's triggers a last session moved leaves the people of a
 * period after every session behind the raw rows: Ann's 7 April marked
 * did not attend; Centre joining Riverside Trust.
 */
START_TEST(test_report_last_need_triggers)
{
	int64_t from = utc("2025-03-20T00:00:00Z");
	int64_t to = utc("2026-01-01T00:00:00Z");

	sql_exec("DROP TRIGGER report_last_persons_upd; "
	    "DROP TRIGGER report_last_persons_del; "
	    "DROP TRIGGER report_last_persons_ins");
	ck_assert_int_eq(db_attendance_set(db, 1, "2025-04-07", 1,
	    "did_not_attend", "", 1), DB_OK);
	report_differs(from, to, "people");
}
END_TEST

START_TEST(test_report_last_need_site_trigger)
{
	int64_t from = utc("2025-03-20T00:00:00Z");
	int64_t to = utc("2026-01-01T00:00:00Z");

	sql_exec("DROP TRIGGER report_last_site_org");
	sql_exec("UPDATE sites SET organisation_id = 1 WHERE id = 1");
	report_differs(from, to, "by organisation, row 1: people");
}
END_TEST

/*
 * The impact report's people supported more than six months, of a
 * period after every session: Fay's first attended session (1
 * September) is of one cancelled after she came (first_sessions counts
 * it, as no session is delivered she is not served), so she is not one
 * of those served whose first was in the last six months
 * (report_first_undelivered).  Taken away with its triggers, the count
 * differs from the raw rows'.  And with 24 months, from before the
 * period: those of its people whose first was before it, each asked.
 */
START_TEST(test_report_last_long_term)
{
	struct db_impact *x, *y;
	int64_t from = utc("2025-01-01T00:00:00Z");
	int64_t to = utc("2026-01-01T00:00:00Z");
	int months[2] = { 6, 24 }, k;

	sql_exec("INSERT INTO series (id, uid, therapist_id, client_id, "
	    "group_id, site_id, first_date, start_local, length_min, "
	    "created_at, updated_at) VALUES (4, 'u4', 2, 4, NULL, 1, "
	    "'2025-09-01', '09:00', 30, 'x', 'x');"
	    OCC(30, 4, "2025-09-01", "2025-09-01T09:00:00Z", 30, 2, 1,
	    "booked") ATT(4, "2025-09-01", 4, "attended")
	    "UPDATE occurrences SET state = 'cancelled' WHERE id = 30");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "report_first_undelivered"), 1);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(db_impact_load(db, from, to, months[k], &x),
		    0);
		ck_assert_int_eq(db_impact_load_raw(db, from, to, months[k],
		    &y), 0);
		ck_assert_int_eq(x->people, 3);
		ck_assert_int_eq(x->people, y->people);
		ck_assert_int_eq(x->long_term, y->long_term);
		db_impact_free(x);
		db_impact_free(y);
	}
	sql_exec("DROP TRIGGER report_first_undelivered_ins; "
	    "DROP TRIGGER report_first_undelivered_del; "
	    "DELETE FROM report_first_undelivered");
	ck_assert_int_eq(db_impact_load(db, from, to, 6, &x), 0);
	ck_assert_int_eq(db_impact_load_raw(db, from, to, 6, &y), 0);
	ck_assert_int_eq(x->long_term + 1, y->long_term);
	db_impact_free(x);
	db_impact_free(y);
}
END_TEST

/* An integer the SQL worked out, on the fixture. */
static int64_t
sql_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL),
	    SQLITE_OK);
	(void)sqlite3_bind_int64(st, 1, from_utc);
	(void)sqlite3_bind_int64(st, 2, to_utc);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Hidden waits: Bob (referred 10 Jan 14:00, first 15 Feb 14:00: 36 days,
 * second 22 Mar: 35 days) and Cat (1 Feb 11:00, 10 Mar 11:00: 37 days,
 * second 17 Mar: 7 days) had their first session in the period; Ann's
 * was before it.  Medians 36.5 and 21, 90th percentiles 37 and 35; each
 * worked out again here in SQL from attendance itself.
 */
START_TEST(test_report_hidden_waits)
{
	static const char sql_firsts[] = "WITH f AS (SELECT c.referral_id "
	    "AS id, min(o.start_utc) AS t FROM attendance a JOIN clients c ON "
	    "c.id = a.client_id JOIN occurrences o ON o.series_id = "
	    "a.series_id AND o.occ_date = a.occ_date WHERE a.status = "
	    "'attended' GROUP BY c.referral_id) SELECT count(*) FROM f "
	    "WHERE t >= ?1 AND t < ?2";
	static const char sql_p90_first[] = "WITH f AS (SELECT c.referral_id "
	    "AS id, min(o.start_utc) AS t FROM attendance a JOIN clients c ON "
	    "c.id = a.client_id JOIN occurrences o ON o.series_id = "
	    "a.series_id AND o.occ_date = a.occ_date WHERE a.status = "
	    "'attended' GROUP BY c.referral_id) SELECT f.t - CAST(strftime("
	    "'%s', r.created_at) AS INTEGER) FROM f JOIN referrals r ON r.id "
	    "= f.id WHERE t >= ?1 AND t < ?2 ORDER BY 1 DESC LIMIT 1";
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	ck_assert_int_eq(r->first_sessions, sql_int(sql_firsts));
	ck_assert_int_eq(r->first_sessions, 2);
	ck_assert_double_eq_tol(r->median_wait_days, 36.5, 1e-9);
	/* Of two, the 90th percentile is the longer. */
	ck_assert_double_eq_tol(r->p90_wait_days,
	    (double)sql_int(sql_p90_first) / 86400.0, 1e-9);
	ck_assert_double_eq_tol(r->p90_wait_days, 37, 1e-9);
	ck_assert_int_eq(r->second_sessions, 2);
	ck_assert_double_eq_tol(r->median_second_days, 21, 1e-9);
	ck_assert_double_eq_tol(r->p90_second_days, 35, 1e-9);
	db_report_free(r);
}
END_TEST

/*
 * Rows of 055's wait counts (report_wait_weeks, report_wait_values)
 * that differ from a fresh count of first_sessions by their rule
 * (report_waits_of), rows of none included.
 */
static int64_t
wait_counts_differ(void)
{
	return testlib_sql_int(db, "WITH w AS (SELECT kind, month, week, "
	    "count(*) AS n FROM report_waits_of GROUP BY 1, 2, 3), "
	    "v AS (SELECT kind, week, month, secs, count(*) AS n "
	    "FROM report_waits_of GROUP BY 1, 2, 3, 4) "
	    "SELECT (SELECT count(*) FROM (SELECT * FROM w EXCEPT "
	    "SELECT * FROM report_wait_weeks)) + (SELECT count(*) FROM "
	    "(SELECT * FROM report_wait_weeks EXCEPT SELECT * FROM w)) + "
	    "(SELECT count(*) FROM (SELECT * FROM v EXCEPT "
	    "SELECT * FROM report_wait_values)) + (SELECT count(*) FROM "
	    "(SELECT * FROM report_wait_values EXCEPT SELECT * FROM v))");
}

/* Fay's sessions (client 4, Ravi, Riverside): a series of her own. */
static const char fay_series[] =
    "INSERT INTO series (id, uid, therapist_id, client_id, group_id, "
    " site_id, first_date, start_local, length_min, created_at, "
    " updated_at) VALUES "
    " (5, 'u5', 2, 4, NULL, 2, '2025-03-03', '09:00', 45, 'x', 'x');"
    OCC(50, 5, "2025-03-03", "2025-03-03T09:00:00Z", 45, 2, 2, "booked")
    OCC(51, 5, "2025-03-10", "2025-03-10T09:00:00Z", 45, 2, 2, "booked")
    OCC(52, 5, "2025-03-17", "2025-03-17T09:00:00Z", 45, 2, 2, "booked");

/*
 * The waits from 055's counts equal those from every first session
 * (summaries_same: whole months, months cut at both ends, three time
 * zones), and the counts a fresh count, after each writer that moves a
 * first or second session: attendance recorded and changed
 * (db_attendance_set), a session moved (db_occ_move) and cancelled
 * (db_occ_cancel), a series ended (db_series_end), a client record
 * moved to another referral, a person erased (db_privacy_erase).
 */
START_TEST(test_report_waits_writers)
{
	struct db_erase_summary sum;
	struct db_occ to;
	char clash[256];

	ck_assert_int_eq(wait_counts_differ(), 0);
	ck_assert_int_gt(testlib_sql_int(db, "SELECT count(*) FROM "
	    "report_wait_values WHERE kind = 1"), 0);
	sql_exec(fay_series);
	/* Fay's first session (41 days after her referral), her second. */
	ck_assert_int_eq(db_attendance_set(db, 5, "2025-03-10", 4,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("Fay's first session");
	ck_assert_int_eq(db_attendance_set(db, 5, "2025-03-17", 4,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("Fay's second session");
	/* An earlier one recorded: her first moves a week back. */
	ck_assert_int_eq(db_attendance_set(db, 5, "2025-03-03", 4,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("Fay's earlier session");
	/* Changed to did not attend: back again. */
	ck_assert_int_eq(db_attendance_set(db, 5, "2025-03-03", 4,
	    "did_not_attend", "", 1), DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("Fay's earlier session missed");
	/* Cat's first session moved into the future: her first is the
	 * 17th, her second the 31st. */
	sql_exec("INSERT INTO site_hours (site_id, day, start_min, end_min) "
	    "VALUES (2, 0, 0, 1440); INSERT INTO therapist_availability "
	    "(therapist_id, site_id, day, start_min, end_min) "
	    "VALUES (2, 2, 0, 0, 1440)");
	memset(&to, 0, sizeof(to));
	snprintf(to.date, sizeof(to.date), "2099-03-09");
	to.start_utc = utc("2099-03-09T11:00:00Z");
	to.end_utc = to.start_utc + 45 * 60;
	to.weekday = 0;
	to.start_min = 11 * 60;
	to.end_min = to.start_min + 45;
	ck_assert_msg(db_occ_move(db, 3, "2025-03-10", &to, 0, "test", 1, "",
	    0, "test", clash, sizeof(clash)) == DB_OK, "%s", clash);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("db_occ_move");
	ck_assert_int_eq(db_occ_cancel(db, 3, "2025-03-10", CANCEL_BY_SERVICE,
	    "test", 1, "", 0, "test"), DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("db_occ_cancel");
	/* Fay's series ended from the 15th: her second session goes. */
	ck_assert_int_eq(db_series_end(db, 5, "2025-03-15", "Moving away",
	    1, "127.0.0.1"), DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("db_series_end");
	/* Bob's client record moved to Dan's referral (received 15 Mar). */
	sql_exec("UPDATE clients SET referral_id = 4 WHERE id = 2");
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("a client record moved");
	/* Cat erased. */
	ck_assert_int_eq(db_privacy_erase(db, 3, "request", 1, "", &sum),
	    DB_OK);
	ck_assert_int_eq(wait_counts_differ(), 0);
	summaries_same("db_privacy_erase");
	/* Every attendance gone: no waits, no rows. */
	sql_exec("DELETE FROM attendance");
	ck_assert_int_eq(wait_counts_differ(), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT (SELECT count(*) FROM "
	    "report_wait_weeks) + (SELECT count(*) FROM report_wait_values)"),
	    0);
	summaries_same("every attendance removed");
}
END_TEST

/*
 * The comparison sees 055's counts left behind: with their triggers
 * dropped, a person's first attended session makes the waits from the
 * counts differ from those worked out from every first session, over a
 * period of whole months.
 */
START_TEST(test_report_waits_need_triggers)
{
	struct db_report *a, *b;
	char why[128];

	sql_exec("DROP TRIGGER report_waits_ins; "
	    "DROP TRIGGER report_waits_upd; DROP TRIGGER report_waits_del");
	sql_exec(fay_series);
	ck_assert_int_eq(db_attendance_set(db, 5, "2025-03-10", 4,
	    "attended", "", 1), DB_OK);
	ck_assert_int_gt(wait_counts_differ(), 0);
	ck_assert_int_eq(db_report_load(db, utc("2025-01-01T00:00:00Z"),
	    utc("2025-04-01T00:00:00Z"), now_utc, &a), 0);
	ck_assert_int_eq(db_report_load_raw(db, utc("2025-01-01T00:00:00Z"),
	    utc("2025-04-01T00:00:00Z"), &b), 0);
	ck_assert_int_eq(db_report_differ(a, b, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "waits");
	db_report_free(a);
	db_report_free(b);
}
END_TEST

/*
 * Rows of 055's report_answer_months that differ from a fresh count of
 * the outcomes, outcome surveys and family and partner surveys by their
 * rule (report_answers_of), rows of none included.
 */
static int64_t
answer_months_differ(void)
{
	return testlib_sql_int(db, "WITH m AS (SELECT kind, "
	    "CAST(substr(at, 1, 4) AS INTEGER) * 12 + "
	    "CAST(substr(at, 6, 2) AS INTEGER) - 1 AS month, sum(sent), "
	    "sum(answers), sum(agreed1), sum(answered1), sum(agreed2), "
	    "sum(answered2), sum(agreed3), sum(answered3), sum(agreed4), "
	    "sum(answered4) FROM report_answers_of GROUP BY 1, 2) "
	    "SELECT (SELECT count(*) FROM (SELECT * FROM m EXCEPT "
	    "SELECT * FROM report_answer_months)) + (SELECT count(*) FROM "
	    "(SELECT * FROM report_answer_months EXCEPT SELECT * FROM m))");
}

/*
 * The outcomes of /reports and the answers of the impact report from
 * 055's months equal those from the rows, over periods from the
 * fixture's to now (whole UTC months inside, ends cut; none whole).
 */
static void
answers_same(const char *after)
{
	int64_t periods[][2] = {
		{ utc("2025-01-01T00:00:00Z"), now_utc + 86400 * 40 },
		{ utc("2024-12-15T13:00:00Z"), now_utc + 86400 * 400 },
		{ now_utc - 86400 * 10, now_utc + 86400 * 10 },
		{ utc("2025-02-01T00:00:00Z"), utc("2025-04-01T00:00:00Z") },
	};
	struct db_report *a, *b;
	struct db_impact *x, *y;
	char why[128];
	size_t i, k;

	ck_assert_msg(answer_months_differ() == 0, "after %s: months", after);
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		ck_assert_int_eq(db_report_load(db, periods[i][0],
		    periods[i][1], now_utc, &a), 0);
		ck_assert_int_eq(db_report_load_raw(db, periods[i][0],
		    periods[i][1], &b), 0);
		ck_assert_msg(db_report_differ(a, b, why, sizeof(why)) == 0,
		    "after %s, period %zu: %s differs", after, i, why);
		db_report_free(a);
		db_report_free(b);
		ck_assert_int_eq(db_impact_load(db, periods[i][0],
		    periods[i][1], 1, &x), 0);
		ck_assert_int_eq(db_impact_load_raw(db, periods[i][0],
		    periods[i][1], 1, &y), 0);
		for (k = 0; k < IMPACT__MAX; k++)
			ck_assert_msg(x->agreed[k] == y->agreed[k] &&
			    x->answered[k] == y->answered[k] &&
			    x->sent[k] == y->sent[k], "after %s, period %zu: "
			    "impact answers %zu", after, i, k);
		db_impact_free(x);
		db_impact_free(y);
	}
}

/*
 * 055's months after each writer of what they count: an outcome
 * survey queued by a sixth attended session, a client's outcome
 * answered (db_outcome_save), family and partner surveys sent and
 * answered (db_survey_add, db_survey_answer), a person erased
 * (db_privacy_erase: the answers stay counted), an outcome and an
 * email removed.
 */
START_TEST(test_report_answers_writers)
{
	static const enum outcome_answer answers[OUTCOME__MAX] = {
		ANSWER_AGREE, ANSWER_UNSURE, ANSWER_AGREE, ANSWER_NA,
	};
	struct db_erase_summary sum;
	int64_t family, partner;

	answers_same("the fixture");
	ck_assert_int_gt(testlib_sql_int(db, "SELECT count(*) FROM "
	    "report_answer_months WHERE answers > 0"), 0);
	/* Fay can be emailed; her first attended session is the one
	 * after which the survey goes. */
	sql_exec("UPDATE referrals SET email = 'fay@x.org', "
	    "consent_contact = 1 WHERE id = 6;"
	    "INSERT INTO settings (key, value) VALUES ('outcome_after', '1') "
	    "ON CONFLICT (key) DO UPDATE SET value = '1';");
	sql_exec(fay_series);
	ck_assert_int_eq(db_attendance_set(db, 5, "2025-03-10", 4,
	    "attended", "", 1), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'outcome_survey' AND referral_id = 6"), 1);
	answers_same("an outcome survey queued");
	ck_assert_int_eq(db_outcome_save(db, 6, answers), OUTCOME_OPEN);
	answers_same("db_outcome_save");
	family = db_survey_add(db, "family", 2, 0, "kin@x.org",
	    "2025-03-20T10:00:00Z", NULL, NULL, NULL, "");
	ck_assert_int_gt(family, 0);
	partner = db_survey_add(db, "partner", 0, 1, "staff@x.org",
	    "2025-01-31T23:30:00Z", "2025-02-02T09:00:00Z", "agree",
	    "unsure", "");
	ck_assert_int_gt(partner, 0);
	answers_same("db_survey_add");
	ck_assert_int_eq(db_survey_answer(db, family, "agree", NULL, ""),
	    OUTCOME_OPEN);
	answers_same("db_survey_answer");
	ck_assert_int_eq(db_privacy_erase(db, 2, "request", 1, "", &sum),
	    DB_OK);
	answers_same("db_privacy_erase");
	sql_exec("UPDATE outcomes SET social = 'disagree' "
	    "WHERE referral_id = 1");
	answers_same("an outcome changed");
	sql_exec("DELETE FROM outcomes WHERE referral_id = 6");
	sql_exec("DELETE FROM outbox WHERE kind = 'outcome_survey'");
	sql_exec("DELETE FROM surveys");
	answers_same("outcomes and surveys removed");
}
END_TEST

/*
 * The comparison sees 055's months left behind: with the outcomes'
 * triggers dropped, an outcome answered makes the outcomes from the
 * months differ from those of the rows.
 */
START_TEST(test_report_answers_need_triggers)
{
	static const enum outcome_answer answers[OUTCOME__MAX] = {
		ANSWER_AGREE, ANSWER_AGREE, ANSWER_AGREE, ANSWER_NA,
	};
	int64_t from = now_utc - 86400 * 70, to = now_utc + 86400 * 70;

	sql_exec("DROP TRIGGER report_answers_outcomes_ins");
	ck_assert_int_eq(db_outcome_save(db, 6, answers), OUTCOME_OPEN);
	ck_assert_int_gt(answer_months_differ(), 0);
	report_differs(from, to, "outcomes");
}
END_TEST

/*
 * Offers sent in the period by what became of them, and late
 * cancellations and did not attend by site and month, against counts
 * made directly in SQL.
 */
START_TEST(test_report_offers_late)
{
	static const char fixture_more[] =
	    "INSERT INTO places (id, therapist_id, site_id, weekday, "
	    " start_local, length_min, first_date, created_at) VALUES "
	    " (1, 1, 1, 0, '10:00', 45, '2025-02-03', 'x');"
	    "INSERT INTO offers (place_id, referral_id, rank, status, sent_at)"
	    " VALUES (1, 1, 1, 'accepted', '2025-01-05T10:00:00Z'),"
	    " (1, 2, 2, 'expired', '2025-02-05T10:00:00Z'),"
	    " (1, 3, 3, 'declined', '2025-03-05T10:00:00Z'),"
	    " (1, 4, 4, 'sent', '2025-03-30T10:00:00Z'),"
	    " (1, 5, 5, 'declined', '2025-04-02T10:00:00Z'),"
	    " (1, 6, 6, 'proposed', NULL);"
	    /* Bob's group session on 15 Mar cancelled late (Riverside,
	     * March); Ann's on 13 Jan with notice (not late). */
	    "INSERT INTO self_cancels (series_id, occ_date, referral_id, "
	    " site_id, late, notice_hours, at) VALUES "
	    " (2, '2025-03-15', 2, 2, 1, 3, '2025-03-15T11:00:00Z'),"
	    " (1, '2025-01-13', 1, 1, 0, 72, '2025-01-10T10:00:00Z');";
	static const char sql_late[] = "SELECT count(*) FROM self_cancels c "
	    "JOIN occurrences o ON o.series_id = c.series_id AND o.occ_date = "
	    "c.occ_date WHERE c.late AND o.start_utc >= ?1 AND "
	    "o.start_utc < ?2";
	static const char sql_dna[] = "SELECT count(DISTINCT o.id) FROM "
	    "attendance a JOIN occurrences o ON o.series_id = a.series_id AND "
	    "o.occ_date = a.occ_date WHERE a.status = 'did_not_attend' AND "
	    "o.start_utc >= ?1 AND o.start_utc < ?2";
	static const char sql_sessions[] = "SELECT count(*) FROM "
	    "occurrences WHERE state != 'cancelled' AND start_utc >= ?1 AND "
	    "start_utc < ?2";
	struct db_report *r, *s;
	int64_t late = 0, dna = 0, sessions = 0;
	size_t i, j;

	ck_assert_int_eq(sqlite3_exec(db->conn, fixture_more, NULL, NULL,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	ck_assert_int_eq(r->offers[OFFERS_SENT], 4);
	ck_assert_int_eq(r->offers[OFFERS_ACCEPTED], 1);
	ck_assert_int_eq(r->offers[OFFERS_EXPIRED], 1);
	ck_assert_int_eq(r->offers[OFFERS_DECLINED], 1);
	ck_assert_int_eq(r->offers[OFFERS_SENT], sql_int("SELECT count(*) "
	    "FROM offers WHERE sent_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?1, "
	    "'unixepoch') AND sent_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?2, "
	    "'unixepoch')"));

	/* Centre: January 3 sessions (27 Jan cancelled), 1 did not
	 * attend; February 1.  Riverside: February 1; March 5, 1 late,
	 * 1 did not attend. */
	ck_assert_uint_eq(r->nlate, 4);
	ck_assert_str_eq(r->late[0].site, "Centre");
	ck_assert_str_eq(r->late[0].month, "2025-01");
	ck_assert_int_eq(r->late[0].sessions, 3);
	ck_assert_int_eq(r->late[0].late, 0);
	ck_assert_int_eq(r->late[0].dna, 1);
	ck_assert_str_eq(r->late[3].site, "Riverside Care Home");
	ck_assert_str_eq(r->late[3].month, "2025-03");
	ck_assert_int_eq(r->late[3].sessions, 5);
	ck_assert_int_eq(r->late[3].late, 1);
	ck_assert_int_eq(r->late[3].dna, 1);
	for (i = 0; i < r->nlate; i++) {
		late += r->late[i].late;
		dna += r->late[i].dna;
		sessions += r->late[i].sessions;
	}
	ck_assert_int_eq(late, sql_int(sql_late));
	ck_assert_int_eq(dna, sql_int(sql_dna));
	ck_assert_int_eq(sessions, sql_int(sql_sessions));

	/* By site (the page's for a long period): a row a site, its
	 * months added up, in the same order, no month. */
	ck_assert_int_eq(db_report_load_parts(db, from_utc, to_utc, now_utc,
	    REPORT_PART_LATE | REPORT_PART_LATE_BY_SITE, &s), 0);
	ck_assert_uint_eq(s->nlate, 2);
	for (i = j = 0; i < s->nlate; i++) {
		ck_assert_str_eq(s->late[i].month, "");
		late = dna = sessions = 0;
		for (; j < r->nlate && r->late[j].site_id ==
		    s->late[i].site_id; j++) {
			ck_assert_str_eq(r->late[j].site, s->late[i].site);
			late += r->late[j].late;
			dna += r->late[j].dna;
			sessions += r->late[j].sessions;
		}
		ck_assert_int_eq(s->late[i].sessions, sessions);
		ck_assert_int_eq(s->late[i].late, late);
		ck_assert_int_eq(s->late[i].dna, dna);
	}
	ck_assert_uint_eq(j, r->nlate);
	ck_assert_str_eq(s->late[1].site, "Riverside Care Home");
	ck_assert_int_eq(s->late[1].late, 1);
	db_report_free(s);
	db_report_free(r);
}
END_TEST

START_TEST(test_report_caseload)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	ck_assert_uint_eq(r->ncaseload, 2);
	ck_assert_str_eq(r->caseload[0].name, "Ravi");
	ck_assert_int_eq(r->caseload[0].clients, 1);
	ck_assert_int_eq(r->caseload[0].capacity, 2);
	ck_assert_str_eq(r->caseload[1].name, "Thea");
	ck_assert_int_eq(r->caseload[1].clients, 2);
	ck_assert_int_eq(r->caseload[1].capacity, 4);
	db_report_free(r);
}
END_TEST

/*
 * n closed referrals from id first, each with its history and a place on
 * Thea's caseload ended in 2025: people long gone from every caseload.
 */
static void
past_places(int first, int n)
{
	char sql[2048];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE s(k) AS (SELECT %d UNION "
	    "ALL SELECT k + 1 FROM s WHERE k < %d) INSERT INTO referrals (id, "
	    "ref, source, given_name, family_name, email, postcode, "
	    "date_of_birth, preferred_contact, session_type, consent_data, "
	    "consent_contact, needs, status, created_at, updated_at) SELECT k, "
	    "printf('P%%08d', k), 'self', 'Past', 'P', '', 'N1 1AA', "
	    "'1980-01-01', 'phone', 'either', 1, 0, 4, 'closed', "
	    "'2025-01-01T00:00:00Z', 'x' FROM s;"
	    "INSERT INTO referral_events (referral_id, at, to_status) SELECT "
	    "id, '2025-01-01T00:00:00Z', 'new' FROM referrals WHERE id >= %d;"
	    "INSERT INTO referral_events (referral_id, at, to_status) SELECT "
	    "id, '2025-01-02T00:00:00Z', 'active' FROM referrals WHERE id >= "
	    "%d;INSERT INTO referral_events (referral_id, at, to_status) SELECT "
	    "id, '2025-06-01T00:00:00Z', 'closed' FROM referrals WHERE id >= "
	    "%d;INSERT INTO clients (referral_id, therapist_id, started_at, "
	    "ended_at) SELECT id, 1, '2025-01-02T00:00:00Z', "
	    "'2025-06-01T00:00:00Z' FROM referrals WHERE id >= %d;",
	    first, first + n - 1, first, first, first, first);
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL),
	    SQLITE_OK);
}

/* The caseloads of r are raw's: the same therapists, clients, places. */
static void
caseloads_same(const struct db_report *r, const struct db_report *raw)
{
	size_t i;

	ck_assert_uint_eq(raw->ncaseload, r->ncaseload);
	for (i = 0; i < r->ncaseload; i++) {
		ck_assert_int_eq(raw->caseload[i].therapist_id,
		    r->caseload[i].therapist_id);
		ck_assert_int_eq(raw->caseload[i].clients,
		    r->caseload[i].clients);
		ck_assert_int_eq(raw->caseload[i].capacity,
		    r->caseload[i].capacity);
	}
}

/*
 * A period ending tomorrow: the caseloads are each referral's status
 * now, read from indexes only (no history seek for each place, no
 * client row), in VM steps that stay flat with many people whose
 * places ended long ago; they equal the rule read from the history
 * (db_report_load_raw).  Issue 21: 166-195 ms of each /reports view at
 * N=10 went on that seek.
 */
START_TEST(test_report_caseload_now)
{
	static const char needle[] = "SELECT id, name, n, max_caseload";
	struct db_report *r, *raw;
	int64_t now = (int64_t)time(NULL);
	char *plan;
	int few, many;

	/* Each referral's status is its last event's (Ann, Bob, Cat
	 * active; Fay withdrawn with her place ended). */
	testlib_sql_exec(db, "UPDATE referrals SET status = (SELECT "
	    "e.to_status FROM referral_events e WHERE e.referral_id = "
	    "referrals.id ORDER BY e.at DESC, e.id DESC LIMIT 1)");
	past_places(100, 10);
	ck_assert_int_eq(db_report_load(db, now - 30 * 86400, now + 86400,
	    now, &r), 0);
	few = testlib_stmt_steps(db, needle);
	db_report_free(r);
	past_places(200, 1000);
	ck_assert_int_eq(db_report_load(db, now - 30 * 86400, now + 86400,
	    now, &r), 0);
	many = testlib_stmt_steps(db, needle);
	ck_assert_msg(many <= few + 10, "steps %d with 10 past places, %d "
	    "with 1,010", few, many);
	plan = testlib_sql_plan(db, testlib_stmt_sql(db, needle));
	ck_assert_msg(strstr(plan, "SEARCH c USING COVERING INDEX "
	    "clients_caseload") != NULL && strstr(plan, "SEARCH r USING "
	    "COVERING INDEX referrals_status_created") != NULL, "%s", plan);
	ck_assert_msg(strstr(plan, "referral_events") == NULL &&
	    strstr(plan, "SEARCH c USING INDEX") == NULL &&
	    strstr(plan, "SCAN c") == NULL, "%s", plan);
	free(plan);

	ck_assert_uint_eq(r->ncaseload, 2);
	ck_assert_str_eq(r->caseload[0].name, "Ravi");
	ck_assert_int_eq(r->caseload[0].clients, 1);
	ck_assert_str_eq(r->caseload[1].name, "Thea");
	ck_assert_int_eq(r->caseload[1].clients, 2);
	ck_assert_int_eq(db_report_load_raw(db, now - 30 * 86400,
	    now + 86400, &raw), 0);
	caseloads_same(r, raw);
	db_report_free(raw);
	db_report_free(r);
}
END_TEST

/* Thea's caseload at the end of [from, to), now being long after. */
static int64_t
thea_at(int64_t from, int64_t to, char **plan)
{
	static const char needle[] = "SELECT id, name, n, max_caseload";
	struct db_report *r, *raw;
	int64_t n = 0;
	size_t i;

	ck_assert_int_eq(db_report_load(db, from, to, to + 400 * 86400, &r),
	    0);
	if (plan != NULL)
		*plan = testlib_sql_plan(db, testlib_stmt_sql(db, needle));
	ck_assert_int_eq(db_report_load_raw(db, from, to, &raw), 0);
	caseloads_same(r, raw);
	for (i = 0; i < r->ncaseload; i++)
		if (strcmp(r->caseload[i].name, "Thea") == 0)
			n = r->caseload[i].clients;
	db_report_free(raw);
	db_report_free(r);
	return n;
}

/*
 * A period ending in the past: the places open at its end and their
 * referrals' states then are read from index entries only, the start
 * beside the end in clients_caseload and the state in
 * referral_events_at (046-caseload-at-indexes.sql), not a row of every
 * place ended after it and of each one's history line (issue 21: 49-136
 * ms of the caseload table alone at N=10).  Ten places open from
 * January to June 2025 count at 1 March, not at 1 July.
 */
START_TEST(test_report_caseload_past)
{
	int64_t march = utc("2025-03-01T00:00:00Z");
	int64_t july = utc("2025-07-01T00:00:00Z");
	int64_t in_march, in_july;
	char *plan;

	in_march = thea_at(march - 30 * 86400, march, NULL);
	in_july = thea_at(july - 30 * 86400, july, NULL);
	past_places(100, 10);
	ck_assert_int_eq(thea_at(march - 30 * 86400, march, &plan),
	    in_march + 10);
	ck_assert_int_eq(thea_at(july - 30 * 86400, july, NULL), in_july);
	ck_assert_msg(strstr(plan, "SEARCH c USING COVERING INDEX "
	    "clients_caseload (therapist_id=? AND ended_at=? AND "
	    "started_at<?)") != NULL && strstr(plan, "SEARCH c USING "
	    "COVERING INDEX clients_caseload (therapist_id=? AND ended_at>?)")
	    != NULL && strstr(plan, "SEARCH e USING COVERING INDEX "
	    "referral_events_at (referral_id=? AND at<?)") != NULL, "%s",
	    plan);
	ck_assert_msg(strstr(plan, "SEARCH c USING INDEX") == NULL &&
	    strstr(plan, "SEARCH e USING INDEX") == NULL &&
	    strstr(plan, "SCAN c") == NULL && strstr(plan, "SCAN e") == NULL,
	    "%s", plan);
	free(plan);
}
END_TEST

START_TEST(test_report_outcomes)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, from_utc, to_utc, now_utc, &r), 0);
	ck_assert_int_eq(r->outcome_responses, 2);
	ck_assert_int_eq(r->outcome_sent, 1);
	ck_assert_int_eq(r->outcome_agreed[OUTCOME_POSITIVE], 2);
	ck_assert_int_eq(r->outcome_answered[OUTCOME_POSITIVE], 2);
	ck_assert_int_eq(r->outcome_agreed[OUTCOME_QUALITY], 1);
	ck_assert_int_eq(r->outcome_answered[OUTCOME_QUALITY], 2);
	ck_assert_int_eq(r->outcome_agreed[OUTCOME_SOCIAL], 1);
	ck_assert_int_eq(r->outcome_answered[OUTCOME_SOCIAL], 2);
	/* Ann answered "not a family member or carer". */
	ck_assert_int_eq(r->outcome_agreed[OUTCOME_RELATIONSHIP], 1);
	ck_assert_int_eq(r->outcome_answered[OUTCOME_RELATIONSHIP], 1);
	db_report_free(r);
}
END_TEST

START_TEST(test_report_empty)
{
	struct db_report *r;

	ck_assert_int_eq(db_report_load(db, utc("2030-01-01T00:00:00Z"),
	    utc("2030-02-01T00:00:00Z"), now_utc, &r), 0);
	ck_assert_int_eq(r->sessions, 0);
	ck_assert_int_eq(r->people, 0);
	ck_assert_int_eq(r->referrals, 0);
	ck_assert_uint_eq(r->ngroups[REPORT_BY_MONTH], 0);
	ck_assert_double_eq(r->median_wait_days, -1);
	ck_assert_uint_eq(r->nwaitlist_months, 1);
	db_report_free(NULL);
	db_report_free(r);
}
END_TEST

/* ---- the page and its CSV ---- */

/* Decodes the few entities the templates write, in place. */
static void
unescape(char *s)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' },
	};
	char *w = s;
	size_t k;

	while (*s != '\0') {
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (strncmp(s, ents[k].e, strlen(ents[k].e)) == 0)
				break;
		if (*s == '&' && k < sizeof(ents) / sizeof(ents[0])) {
			*w++ = ents[k].c;
			s += strlen(ents[k].e);
		} else
			*w++ = *s++;
	}
	*w = '\0';
}

/*
 * The cells of table id="table-NAME" in html, as CSV-like lines: cells
 * joined by '\x1f', rows ended by '\n', into out.
 */
static void
html_cells(const char *html, const char *name, struct buf *out)
{
	char open[80], *cell;
	const char *p, *end, *c, *ce;

	snprintf(open, sizeof(open), "<table id=\"table-%s\">", name);
	p = strstr(html, open);
	ck_assert_msg(p != NULL, "no table %s on the page", name);
	end = strstr(p, "</table>");
	ck_assert_ptr_nonnull(end);
	while ((p = strstr(p, "<tr>")) != NULL && p < end) {
		const char *row_end = strstr(p, "</tr>");
		int first = 1;

		for (c = p; c < row_end; ) {
			const char *th = strstr(c, "<th");
			const char *td = strstr(c, "<td");

			if (th == NULL || th > row_end)
				th = NULL;
			if (td == NULL || td > row_end)
				td = NULL;
			if (th == NULL && td == NULL)
				break;
			c = th != NULL && (td == NULL || th < td) ? th : td;
			c = strchr(c, '>') + 1;
			ce = strstr(c, "</t");
			cell = strndup(c, (size_t)(ce - c));
			unescape(cell);
			if (!first)
				buf_putc(out, '\x1f');
			buf_puts(out, cell);
			free(cell);
			first = 0;
			c = ce + 4;
		}
		buf_putc(out, '\n');
		p = row_end;
	}
}

/* Parses RFC 4180 CSV into the same shape as html_cells. */
static void
csv_cells(const char *csv, size_t n, struct buf *out)
{
	size_t i = 0;
	int quoted;

	while (i < n) {
		/* A field. */
		quoted = csv[i] == '"';
		if (quoted)
			i++;
		while (i < n) {
			if (quoted && csv[i] == '"') {
				if (i + 1 < n && csv[i + 1] == '"') {
					buf_putc(out, '"');
					i += 2;
					continue;
				}
				i++;
				quoted = 0;
				continue;
			}
			if (!quoted && (csv[i] == ',' || csv[i] == '\r'))
				break;
			buf_putc(out, csv[i++]);
		}
		ck_assert_uint_lt(i, n);
		if (csv[i] == ',') {
			buf_putc(out, '\x1f');
			i++;
		} else {
			ck_assert_msg(csv[i] == '\r' && i + 1 < n &&
			    csv[i + 1] == '\n', "CSV lines end in CRLF");
			buf_putc(out, '\n');
			i += 2;
		}
	}
}

static struct tmpl_set *
templates(void)
{
	char err[256];
	struct tmpl_set *t = tmpl_set_load("templates", err, sizeof(err));

	ck_assert_msg(t != NULL, "%s", err);
	return t;
}

/* Runs a handler as a signed-in coordinator with query q. */
static void
run_page(struct app *app, void (*fn)(struct app *, struct req *,
    struct resp *), const char *path_, const char *q, struct resp *rs)
{
	struct req rq;
	struct user u;

	memset(&rq, 0, sizeof(rq));
	memset(&u, 0, sizeof(u));
	u.id = 1;
	u.role = ROLE_COORDINATOR;
	snprintf(u.name, sizeof(u.name), "Cora");
	snprintf(u.csrf, sizeof(u.csrf), "x");
	rq.method = "GET";
	rq.path = path_;
	rq.query = q;
	rq.remote_addr = "192.0.2.1";
	rq.user = &u;
	form_init(&rq.q);
	form_init(&rq.f);
	ck_assert_int_eq(form_parse(&rq.q, q, strlen(q), 100), FORM_OK);
	buf_reset(&rs->headers);
	buf_reset(&rs->body);
	rs->status = 200;
	rs->content_type = NULL;
	fn(app, &rq, rs);
	form_free(&rq.q);
	form_free(&rq.f);
}

/*
 * A small well-formedness check of one XML element tree: every tag is
 * closed in order, attribute values are quoted, '&' starts a known
 * entity, no '<' in text or '<' / '&' raw in attributes.  Returns NULL
 * or what is wrong.
 */
static const char *
xml_check(const char *s, size_t n)
{
	char stack[32][32];
	size_t depth = 0, i = 0, k;
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;",
	    "&quot;", "&#39;" };

	while (i < n) {
		if (s[i] == '&') {
			for (k = 0; k < 5; k++)
				if (strncmp(s + i, ents[k], strlen(ents[k])) ==
				    0)
					break;
			if (k == 5)
				return "a bare &";
			i += strlen(ents[k]);
			continue;
		}
		if (s[i] == '>')
			return "a bare >";
		if (s[i] != '<') {
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
				return "a control character";
			i++;
			continue;
		}
		i++;
		if (s[i] == '/') {
			const char *nm = s + ++i;

			k = 0;
			while (i < n && s[i] != '>') {
				i++;
				k++;
			}
			if (i >= n)
				return "an unfinished close tag";
			if (depth == 0)
				return "a close without an open";
			depth--;
			if (k != strlen(stack[depth]) ||
			    strncmp(nm, stack[depth], k) != 0)
				return "a close of the wrong element";
			i++;
			continue;
		}
		/* An open tag: name, then attributes name="value". */
		k = 0;
		if (depth == 32)
			return "too deep";
		while (i < n && s[i] != ' ' && s[i] != '>' && s[i] != '/') {
			if (k < 31)
				stack[depth][k++] = s[i];
			i++;
		}
		stack[depth][k] = '\0';
		if (k == 0)
			return "a tag without a name";
		for (;;) {
			while (i < n && s[i] == ' ')
				i++;
			if (i >= n)
				return "an unfinished tag";
			if (s[i] == '>') {
				depth++;
				i++;
				break;
			}
			if (s[i] == '/' && s[i + 1] == '>') {
				i += 2;
				break;
			}
			while (i < n && s[i] != '=' && s[i] != ' ' &&
			    s[i] != '>')
				i++;
			if (s[i] != '=' || s[i + 1] != '"')
				return "an attribute without a quoted value";
			i += 2;
			while (i < n && s[i] != '"') {
				if (s[i] == '<')
					return "< in an attribute";
				if (s[i] == '&') {
					for (k = 0; k < 5; k++)
						if (strncmp(s + i, ents[k],
						    strlen(ents[k])) == 0)
							break;
					if (k == 5)
						return "a bare & in "
						    "an attribute";
				}
				i++;
			}
			i++;
		}
	}
	return depth == 0 ? NULL : "an element left open";
}

/* Checks every <svg>..</svg> in html; returns how many there were. */
static int
check_svgs(const char *html)
{
	const char *p = html, *e, *why;
	int n = 0;
	FILE *f;
	char tmp[64];
	int fd;

	while ((p = strstr(p, "<svg")) != NULL) {
		e = strstr(p, "</svg>");
		ck_assert_ptr_nonnull(e);
		e += 6;
		why = xml_check(p, (size_t)(e - p));
		ck_assert_msg(why == NULL, "chart %d: %s", n, why);
		/* And a real XML parser, where there is one. */
		if (access("/usr/bin/python3", X_OK) == 0) {
			snprintf(tmp, sizeof(tmp), "/tmp/check_svg.XXXXXX");
			fd = mkstemp(tmp);
			ck_assert_int_ge(fd, 0);
			f = fdopen(fd, "w");
			fwrite(p, 1, (size_t)(e - p), f);
			fclose(f);
			{
				char cmd[256];

				snprintf(cmd, sizeof(cmd), "/usr/bin/python3 "
				    "-c 'import sys, xml.dom.minidom; "
				    "xml.dom.minidom.parse(sys.argv[1])' %s",
				    tmp);
				ck_assert_msg(system(cmd) == 0, "chart %d is "
				    "not well-formed XML", n);
			}
			unlink(tmp);
		}
		n++;
		p = e;
	}
	return n;
}

static const char *const table_names[] = {
	"summary", "sessions_by_month", "sessions_by_site",
	"sessions_by_organisation", "sessions_by_therapist",
	"sessions_by_type", "attendance", "referrals_by_need",
	"referrals_by_source", "waitlist", "hidden_waits", "offers",
	"late_and_dna", "caseload", "outcomes",
};

START_TEST(test_page_and_csv)
{
	struct app app;
	struct resp page, csv;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char q[160];
	const char *html;
	size_t i;

	memset(&app, 0, sizeof(app));
	app.db = db;
	app.tmpl = templates();
	memset(&page, 0, sizeof(page));
	memset(&csv, 0, sizeof(csv));
	run_page(&app, page_reports, "/reports",
	    "from=2025-01-01&to=2025-03-31", &page);
	ck_assert_int_eq(page.status, 200);
	html = buf_cstr(&page.body);

	/* Figures worked out by hand, as the page prints them. */
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Sessions "
	    "delivered</th><td>8</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Hours of music "
	    "therapy</th><td>6.5</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">People served"
	    "</th><td>3</td>"));
	/* 9 attended of 12 expected; 2 did not attend. */
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Attendance rate"
	    "</th><td>75.0%</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Did-not-attend "
	    "rate</th><td>16.7%</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td>36.5 days</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td>3 of 6 places (50.0%)</td>"));
	/* Hidden waits and the late and did-not-attend table. */
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Referral to "
	    "first session</th><td>2</td><td>36.5 days</td><td>37.0 days"
	    "</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">First session "
	    "to second session</th><td>2</td><td>21.0 days</td><td>35.0 days"
	    "</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Centre</th>"
	    "<td>January 2025</td><td>3</td><td>0</td><td>1</td><td>0.0%</td>"
	    "<td>33.3%</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">March 2025</th>"
	    "<td>4</td><td>3.2</td><td>2</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td>1</td><td>2</td>"
	    "<td>50.0%</td>"));

	/* Each table's CSV holds exactly the page's cells. */
	for (i = 0; i < sizeof(table_names) / sizeof(table_names[0]); i++) {
		snprintf(q, sizeof(q), "table=%s&from=2025-01-01&"
		    "to=2025-03-31", table_names[i]);
		run_page(&app, page_reports_csv, "/reports.csv", q, &csv);
		ck_assert_int_eq(csv.status, 200);
		ck_assert_str_eq(csv.content_type, "text/csv; charset=utf-8");
		ck_assert_ptr_nonnull(strstr(buf_cstr(&csv.headers),
		    "Content-Disposition: attachment; filename=\"tutti-"));
		buf_reset(&a);
		buf_reset(&b);
		html_cells(html, table_names[i], &a);
		csv_cells(csv.body.data, csv.body.len, &b);
		ck_assert_msg(a.len > 0, "table %s is empty", table_names[i]);
		ck_assert_msg(strcmp(buf_cstr(&a), buf_cstr(&b)) == 0,
		    "table %s: page\n%s\nCSV\n%s", table_names[i],
		    buf_cstr(&a), buf_cstr(&b));
	}
	/* Every chart is well-formed; the summary has none. */
	ck_assert_int_eq(check_svgs(html), 12);

	run_page(&app, page_reports_csv, "/reports.csv",
	    "table=nonsense&from=2025-01-01&to=2025-03-31", &csv);
	ck_assert_int_eq(csv.status, 404);
	run_page(&app, page_reports, "/reports",
	    "from=2025-03-01&to=2025-01-01", &page);
	ck_assert_int_eq(page.status, 422);
	run_page(&app, page_reports, "/reports",
	    "from=2025-02-30&to=2025-03-01", &page);
	ck_assert_int_eq(page.status, 422);
	run_page(&app, page_reports, "/reports", "", &page);
	ck_assert_int_eq(page.status, 200);

	buf_free(&a);
	buf_free(&b);
	buf_free(&page.body);
	buf_free(&page.headers);
	buf_free(&csv.body);
	buf_free(&csv.headers);
	tmpl_set_free(app.tmpl);
}
END_TEST

/* The lines of s (each ended by '\n'). */
static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* What a late-table test's page and CSV hold, and its templates. */
static void
late_pages_free(struct app *app, struct resp *page, struct resp *csv)
{
	buf_free(&page->body);
	buf_free(&page->headers);
	buf_free(&csv->body);
	buf_free(&csv->headers);
	tmpl_set_free(app->tmpl);
}

/*
 * The late table's CSV of query q (table=late_and_dna&...): a row for
 * every site and month of the report's nlate, under its headings.
 */
static void
late_csv_check(struct app *app, const char *q, size_t nlate,
    struct resp *csv)
{
	run_page(app, page_reports_csv, "/reports.csv", q, csv);
	ck_assert_int_eq(csv->status, 200);
	ck_assert_int_eq(count_lines(buf_cstr(&csv->body)), 1 + nlate);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&csv->body), "Site,Month,"));
}

/*
 * A period longer than 13 months: the page's late-cancellation table has
 * one row a site, its months added up, under a line saying the months
 * are in the CSV; the CSV keeps a row a site and month.  Three months:
 * a row a site and month on the page too.
 */
START_TEST(test_page_late_by_site)
{
	static const char line[] = "This period is longer than 13 months, so "
	    "each site has one line for the whole period. The figures for "
	    "each month are in the CSV download below the table.";
	struct app app;
	struct resp page, csv;
	struct db_report *r;
	struct buf a = BUF_INIT;
	int64_t sessions = 0, late = 0, dna = 0;
	size_t i, months = 0;
	char want[256];
	const char *html, *table, *end, *month;

	memset(&app, 0, sizeof(app));
	app.db = db;
	app.tmpl = templates();
	memset(&page, 0, sizeof(page));
	memset(&csv, 0, sizeof(csv));
	ck_assert_int_eq(db_report_load_raw(db, utc("2024-01-01T00:00:00Z"),
	    utc("2025-12-31T00:00:00Z"), &r), 0);
	for (i = 0; i < r->nlate; i++)
		if (strcmp(r->late[i].site, "Centre") == 0) {
			sessions += r->late[i].sessions;
			late += r->late[i].late;
			dna += r->late[i].dna;
			months++;
		}
	ck_assert_uint_ge(months, 3);
	run_page(&app, page_reports, "/reports",
	    "from=2024-01-01&to=2025-12-30", &page);
	ck_assert_int_eq(page.status, 200);
	html = buf_cstr(&page.body);
	table = strstr(html, "<table id=\"table-late_and_dna\">");
	ck_assert_ptr_nonnull(table);
	end = strstr(table, "</table>");
	ck_assert_ptr_nonnull(strstr(html, line));
	ck_assert(strstr(html, line) < table);
	snprintf(want, sizeof(want), "<th scope=\"row\">Centre</th><td>%lld"
	    "</td><td>%lld</td><td>%lld</td>", (long long)sessions,
	    (long long)late, (long long)dna);
	ck_assert_msg(strstr(table, want) != NULL && strstr(table, want) <
	    end, "no %s", want);
	month = strstr(table, "<th scope=\"col\">Month</th>");
	ck_assert_msg(month == NULL || month > end, "a Month column");
	html_cells(html, "late_and_dna", &a);
	ck_assert_int_eq(count_lines(buf_cstr(&a)), 1 + 2);	/* 2 sites */

	late_csv_check(&app, "table=late_and_dna&from=2024-01-01&"
	    "to=2025-12-30", r->nlate, &csv);

	run_page(&app, page_reports, "/reports",
	    "from=2025-01-01&to=2025-03-31", &page);
	ck_assert_ptr_null(strstr(buf_cstr(&page.body), line));
	db_report_free(r);
	buf_free(&a);
	late_pages_free(&app, &page, &csv);
}
END_TEST

/*
 * Sites first..last (new), each with a series for Cat and a session on
 * the 15th of every month of 2025 at 10:00Z.
 */
static void
sites_monthly(int first, int last)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE s(n) AS (SELECT %d UNION "
	    "ALL SELECT n + 1 FROM s WHERE n < %d) INSERT INTO sites (id, "
	    "name, kind) SELECT n, 'Site ' || n, 'own_centre' FROM s;"
	    "WITH RECURSIVE s(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM s "
	    "WHERE n < %d) INSERT INTO series (id, uid, therapist_id, "
	    "client_id, site_id, first_date, start_local, length_min, "
	    "created_at, updated_at) SELECT 1000 + n, 'site-' || n, 2, 3, n, "
	    "'2025-01-15', '10:00', 45, 'x', 'x' FROM s;"
	    "WITH RECURSIVE s(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM s "
	    "WHERE n < %d), m(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM m "
	    "WHERE k < 12) INSERT INTO occurrences (series_id, occ_date, "
	    "start_utc, end_utc, therapist_id, site_id, state) SELECT 1000 + "
	    "n, printf('2025-%%02d-15', k), CAST(strftime('%%s', printf("
	    "'2025-%%02d-15 10:00:00', k)) AS INTEGER), CAST(strftime('%%s', "
	    "printf('2025-%%02d-15 10:45:00', k)) AS INTEGER), 2, n, 'booked' "
	    "FROM s, m;", first, last, first, last, first, last);
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL),
	    SQLITE_OK);
}

/*
 * A year of a service with many sites: the page's late-cancellation
 * table has one row a site under a line saying why and that the months
 * are in the CSV, which keeps a row a site and month.  A year of a
 * service of the demo's size (19 sites) stays month by month (issue 21:
 * 940 sites made the page 1.4 MB, a million bytes of it this table).
 */
START_TEST(test_page_late_many_sites)
{
	static const char line[] = "There are too many sites to show each "
	    "month on this page, so each site has one line for the whole "
	    "period. The figures for each month are in the CSV download "
	    "below the table.";
	static const char q[] = "from=2025-01-01&to=2025-12-31";
	struct app app;
	struct resp page, csv;
	struct db_report *r;
	struct buf a = BUF_INIT;
	const char *html, *table, *end, *month;

	memset(&app, 0, sizeof(app));
	app.db = db;
	app.tmpl = templates();
	memset(&page, 0, sizeof(page));
	memset(&csv, 0, sizeof(csv));

	/* 19 sites, a year: 17 x 12 and the fixture's few, by month. */
	sites_monthly(3, 19);
	run_page(&app, page_reports, "/reports", q, &page);
	ck_assert_int_eq(page.status, 200);
	html = buf_cstr(&page.body);
	ck_assert_ptr_null(strstr(html, line));
	ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Site 19</th>"
	    "<td>December 2025</td><td>1</td>"));
	html_cells(html, "late_and_dna", &a);
	ck_assert_uint_gt(count_lines(buf_cstr(&a)), 1 + 17 * 12);

	/* 25 sites: by site, each once, the line above the table. */
	sites_monthly(20, 25);
	ck_assert_int_eq(db_report_load(db, utc("2025-01-01T00:00:00Z"),
	    utc("2026-01-01T00:00:00Z"), now_utc, &r), 0);
	ck_assert_uint_gt(r->nlate, 23 * 12);
	run_page(&app, page_reports, "/reports", q, &page);
	ck_assert_int_eq(page.status, 200);
	html = buf_cstr(&page.body);
	table = strstr(html, "<table id=\"table-late_and_dna\">");
	ck_assert_ptr_nonnull(table);
	end = strstr(table, "</table>");
	ck_assert_ptr_nonnull(strstr(html, line));
	ck_assert(strstr(html, line) < table);
	ck_assert_ptr_null(strstr(html, "longer than 13 months"));
	month = strstr(table, "<th scope=\"col\">Month</th>");
	ck_assert_msg(month == NULL || month > end, "a Month column");
	ck_assert_ptr_nonnull(strstr(table, "<th scope=\"row\">Site 25</th>"
	    "<td>12</td><td>0</td><td>0</td>"));
	buf_reset(&a);
	html_cells(html, "late_and_dna", &a);
	ck_assert_int_eq(count_lines(buf_cstr(&a)), 1 + 25);

	/* The CSV: every site and month. */
	late_csv_check(&app, "table=late_and_dna&from=2025-01-01&"
	    "to=2025-12-31", r->nlate, &csv);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&csv.body),
	    "Site 25,December 2025,1,0,0,"));
	db_report_free(r);
	buf_free(&a);
	late_pages_free(&app, &page, &csv);
}
END_TEST

START_TEST(test_csv_escaping)
{
	struct app app;
	struct resp page, csv;
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *body;

	/* Names with commas, quotes, a formula and markup. */
	ck_assert_int_eq(sqlite3_exec(db->conn, "UPDATE therapists SET name = "
	    "'=HYPERLINK(\"x\"), <b>&' WHERE id = 1; UPDATE sites SET name = "
	    "'Care, \"Home\"' WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	memset(&app, 0, sizeof(app));
	app.db = db;
	app.tmpl = templates();
	memset(&page, 0, sizeof(page));
	memset(&csv, 0, sizeof(csv));
	run_page(&app, page_reports, "/reports",
	    "from=2025-01-01&to=2025-03-31", &page);
	ck_assert_int_eq(page.status, 200);
	ck_assert_ptr_null(strstr(buf_cstr(&page.body), "<b>&"));
	ck_assert_int_eq(check_svgs(buf_cstr(&page.body)), 12);
	run_page(&app, page_reports_csv, "/reports.csv",
	    "table=sessions_by_therapist&from=2025-01-01&to=2025-03-31", &csv);
	body = buf_cstr(&csv.body);
	/* Quoted, quotes doubled, the formula defused. */
	ck_assert_ptr_nonnull(strstr(body, "\"'=HYPERLINK(\"\"x\"\"), <b>&\","
	    "5,4.2,2\r\n"));
	run_page(&app, page_reports_csv, "/reports.csv",
	    "table=sessions_by_site&from=2025-01-01&to=2025-03-31", &csv);
	html_cells(buf_cstr(&page.body), "sessions_by_site", &a);
	csv_cells(csv.body.data, csv.body.len, &b);
	ck_assert_str_eq(buf_cstr(&a), buf_cstr(&b));
	buf_free(&a);
	buf_free(&b);
	buf_free(&page.body);
	buf_free(&page.headers);
	buf_free(&csv.body);
	buf_free(&csv.headers);
	tmpl_set_free(app.tmpl);
}
END_TEST

/* Local midnight starting the day ymd ("2025-01-31"), plus days. */
static int64_t
local_day(const char *ymd, int days)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(strptime(ymd, "%Y-%m-%d", &tm));
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/*
 * /reports.csv reads only the parts of a report its table is built
 * from (db_report_load_parts): every table's CSV, of periods short and
 * long, ended in the past and in the future, is byte for byte the one
 * written from the whole report (db_report_load).
 */
START_TEST(test_csv_parts)
{
	static const char *const periods[][2] = {
		{ "2025-01-01", "2025-03-31" },
		{ "2025-02-01", "2025-02-28" },
		{ "2024-10-15", "2025-06-30" },
		{ "2025-03-17", "2025-03-17" },
		{ "2019-01-01", "2030-12-31" },
	};
	struct app app;
	struct resp csv;
	struct db_report *r;
	struct buf whole = BUF_INIT;
	char q[160];
	size_t i, k;

	/* Offers and a late cancellation, so that their tables have
	 * figures to lose. */
	ck_assert_int_eq(sqlite3_exec(db->conn, "INSERT INTO places (id, "
	    "therapist_id, site_id, weekday, start_local, length_min, "
	    "first_date, created_at) VALUES (1, 1, 1, 0, '10:00', 45, "
	    "'2025-02-03', 'x'); INSERT INTO offers (place_id, referral_id, "
	    "rank, status, sent_at) VALUES (1, 1, 1, 'accepted', "
	    "'2025-01-05T10:00:00Z'), (1, 2, 2, 'expired', "
	    "'2025-02-05T10:00:00Z'); INSERT INTO self_cancels (series_id, "
	    "occ_date, referral_id, site_id, late, notice_hours, at) VALUES "
	    "(2, '2025-03-15', 2, 2, 1, 3, '2025-03-15T11:00:00Z')", NULL,
	    NULL, NULL), SQLITE_OK);
	memset(&app, 0, sizeof(app));
	app.db = db;
	app.tmpl = templates();
	memset(&csv, 0, sizeof(csv));
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		ck_assert_int_eq(db_report_load(db, local_day(periods[i][0], 0),
		    local_day(periods[i][1], 1), now_utc, &r), 0);
		for (k = 0; k < sizeof(table_names) / sizeof(table_names[0]);
		    k++) {
			snprintf(q, sizeof(q), "table=%s&from=%s&to=%s",
			    table_names[k], periods[i][0], periods[i][1]);
			run_page(&app, page_reports_csv, "/reports.csv", q,
			    &csv);
			ck_assert_int_eq(csv.status, 200);
			buf_reset(&whole);
			ck_assert_int_eq(page_reports_csv_write(&whole, r,
			    table_names[k]), 0);
			ck_assert_msg(strcmp(buf_cstr(&csv.body),
			    buf_cstr(&whole)) == 0, "%s: CSV\n%s\nwhole "
			    "report\n%s", q, buf_cstr(&csv.body),
			    buf_cstr(&whole));
		}
		db_report_free(r);
	}
	ck_assert_int_eq(page_reports_csv_write(&whole, NULL, "nonsense"), -1);
	buf_free(&whole);
	buf_free(&csv.body);
	buf_free(&csv.headers);
	tmpl_set_free(app.tmpl);
}
END_TEST

/* ---- svg ---- */

START_TEST(test_svg_escapes)
{
	struct svg_bar bars[4];
	struct buf b = BUF_INIT;
	static const char hostile[] = "<script>alert('x')</script> & \"q\" "
	    "\x01\x7f bad \xff\xfe utf8 \xe2\x82 cut";

	bars[0].label = hostile;
	bars[0].value = 3;
	bars[0].value_text = "3 & <4>";
	bars[1].label = "A very long label that goes on and on and on "
	    "for ever";
	bars[1].value = NAN;
	bars[1].value_text = "n/a";
	bars[2].label = "Zoë Ng – café";
	bars[2].value = -5;
	bars[2].value_text = "-5";
	bars[3].label = NULL;
	bars[3].value = 1e300;
	bars[3].value_text = NULL;
	svg_bar_chart(&b, "chart-x\"><y", "Title <&>", bars, 4, 0);
	ck_assert_ptr_null(strstr(buf_cstr(&b), "<script"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "Zoë Ng – café"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "\xe2\x80\xa6"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "id=\"chart-xy-title\""));
	ck_assert_int_eq(check_svgs(buf_cstr(&b)), 1);
	buf_reset(&b);
	svg_bar_chart(&b, "empty", "Nothing", NULL, 0, 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "Nothing to show"));
	ck_assert_int_eq(check_svgs(buf_cstr(&b)), 1);
	buf_free(&b);
}
END_TEST

START_TEST(test_svg_scale)
{
	struct svg_bar bars[2] = {
		{ "a", 50, "50%" },
		{ "b", 25, "25%" },
	};
	struct buf b = BUF_INIT;

	/* Shares of 100: half the width for 50. */
	svg_bar_chart(&b, "s", "Shares", bars, 2, 100);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "width=\"150.0\""));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "width=\"75.0\""));
	buf_reset(&b);
	svg_bar_chart(&b, "s", "Counts", bars, 2, 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "width=\"300.0\""));
	buf_free(&b);
}
END_TEST

/* ---- the outcome survey ---- */

/* One client (referral 1) with email and consent, and 8 past weekly
 * sessions of series 1 at site 1. */
static const char survey_fixture[] =
    "INSERT INTO sites (id, name, kind) VALUES (1, 'Centre', 'own_centre');"
    "INSERT INTO therapists (id, name) VALUES (1, 'Thea');"
    "INSERT INTO referrals (id, ref, given_name, family_name, email, "
    " postcode, date_of_birth, preferred_contact, session_type, "
    " consent_data, consent_contact, created_at, updated_at) VALUES "
    " (1, 'AAAA-AAAA', 'Ann', 'A', 'ann@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', 1, 1, 'x', 'x'),"
    " (2, 'BBBB-BBBB', 'Bob', 'B', '', 'N1 1AA', '1980-01-01', "
    "  'phone', 'either', 1, 1, 'x', 'x');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at) "
    " VALUES (1, 1, 1, 'x'), (2, 2, 1, 'x');"
    "INSERT INTO series (id, uid, therapist_id, client_id, site_id, "
    " first_date, start_local, created_at, updated_at) VALUES "
    " (1, 'u1', 1, 1, 1, '2025-01-06', '10:00', 'x', 'x'),"
    " (2, 'u2', 1, 2, 1, '2025-01-06', '11:00', 'x', 'x');"
    "WITH RECURSIVE w(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM w "
    " WHERE n < 7) INSERT INTO occurrences (series_id, occ_date, "
    " start_utc, end_utc, therapist_id, site_id) SELECT s, "
    " date('2025-01-06', '+' || (7 * n) || ' days'), "
    " " T("2025-01-06T10:00:00Z") " + n * 604800 + (s - 1) * 3600, "
    " " T("2025-01-06T10:45:00Z") " + n * 604800 + (s - 1) * 3600, 1, 1 "
    " FROM w, (SELECT 1 AS s UNION SELECT 2);";

static int64_t
surveys(int64_t referral_id)
{
	sqlite3_stmt *st;
	int64_t n;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "SELECT count(*) FROM "
	    "outbox WHERE kind = 'outcome_survey' AND referral_id = ?", -1,
	    &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, referral_id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
attend(int64_t series, int week, int64_t client, const char *status)
{
	char date[11];
	struct tm tm;
	time_t t = (time_t)utc("2025-01-06T12:00:00Z") + week * 604800;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	ck_assert_int_eq(db_attendance_set(db, series, date, client, status,
	    "", 0), DB_OK);
}

START_TEST(test_survey_trigger)
{
	sqlite3_stmt *st;
	int w;

	ck_assert_int_eq(sqlite3_exec(db->conn, survey_fixture, NULL, NULL,
	    NULL), SQLITE_OK);
	/* Five attended, one missed: no survey yet. */
	for (w = 0; w < 5; w++)
		attend(1, w, 1, "attended");
	attend(1, 5, 1, "did_not_attend");
	ck_assert_int_eq(surveys(1), 0);
	/* The missed one corrected to attended: the sixth (an update). */
	attend(1, 5, 1, "attended");
	ck_assert_int_eq(surveys(1), 1);
	/* More sessions, and a record changed back and forth: still one. */
	attend(1, 6, 1, "attended");
	attend(1, 6, 1, "cancelled_client");
	attend(1, 6, 1, "attended");
	ck_assert_int_eq(surveys(1), 1);
	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "SELECT dedupe_key, "
	    "to_addr, to_name, status, message_id LIKE '<%@tutti.localhost>', "
	    "length(message_id) FROM outbox WHERE kind = 'outcome_survey'",
	    -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
	    "outcome-survey:1");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 1),
	    "ann@x.org");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), "Ann");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "queued");
	ck_assert_int_eq(sqlite3_column_int(st, 4), 1);
	ck_assert_int_eq(sqlite3_column_int(st, 5), 50);
	sqlite3_finalize(st);

	/* No email address: never. */
	for (w = 0; w < 8; w++)
		attend(2, w, 2, "attended");
	ck_assert_int_eq(surveys(2), 0);
}
END_TEST

/*
 * SQLite VM steps of one attendance line for client through the real
 * triggers (one statement: its triggers run in it and count with it).
 */
static int
attend_steps(int64_t series, const char *date, int64_t client)
{
	sqlite3_stmt *st;
	int n;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "INSERT INTO "
	    "attendance (series_id, occ_date, client_id, status, recorded_at) "
	    "VALUES (?, ?, ?, 'attended', 'x')", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, series);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, client);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	n = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
	sqlite3_finalize(st);
	return n;
}

/* Bob's attended lines on n days from 2030-01-01 (other people's). */
static void
attend_others(int from, int n)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE w(n) AS (SELECT %d "
	    "UNION ALL SELECT n + 1 FROM w WHERE n < %d) INSERT INTO "
	    "attendance (series_id, occ_date, client_id, status, recorded_at) "
	    "SELECT 2, date('2030-01-01', '+' || n || ' days'), 2, "
	    "'attended', 'x' FROM w", from, from + n - 1);
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL),
	    SQLITE_OK);
}

/*
 * Recording one attended session costs the same however many sessions
 * other people attended (033): the survey's count reads the person's
 * own lines, not every attended line of the service.  VM steps, never
 * time; before, the step count grew by several for each other line.
 */
START_TEST(test_survey_steps)
{
	sqlite3_stmt *st;
	struct buf plan = BUF_INIT;
	int few, many;

	ck_assert_int_eq(sqlite3_exec(db->conn, survey_fixture, NULL, NULL,
	    NULL), SQLITE_OK);
	attend(1, 0, 1, "attended");
	attend(1, 1, 1, "attended");
	attend_others(0, 10);
	few = attend_steps(1, "2025-01-20", 1);
	attend_others(10, 990);
	many = attend_steps(1, "2025-01-27", 1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM "
	    "attendance WHERE status = 'attended'"), 1004);
	ck_assert_msg(many < few + 50, "%d steps with 10 other lines, "
	    "%d with 1000", few, many);
	ck_assert_int_eq(surveys(1), 0);

	/* The rule's one place reads the person's rows by their keys. */
	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "EXPLAIN QUERY PLAN "
	    "SELECT referral_id FROM outcome_survey_due WHERE client_id = 1",
	    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&plan, "%s\n", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	ck_assert_msg(strstr(buf_cstr(&plan), "attendance_client (client_id=? "
	    "AND status=?)") != NULL && strstr(buf_cstr(&plan), "SCAN") ==
	    NULL && strstr(buf_cstr(&plan), "attendance_status") == NULL,
	    "%s", buf_cstr(&plan));
	buf_free(&plan);
}
END_TEST

START_TEST(test_survey_setting)
{
	int w;

	ck_assert_int_eq(sqlite3_exec(db->conn, survey_fixture, NULL, NULL,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(db_setting_int(db, "outcome_after", 6), 6);
	ck_assert_int_eq(db_setting_int_set(db, "outcome_after", 3), 0);
	ck_assert_int_eq(db_setting_int(db, "outcome_after", 6), 3);
	for (w = 0; w < 2; w++)
		attend(1, w, 1, "attended");
	ck_assert_int_eq(surveys(1), 0);
	attend(1, 2, 1, "attended");
	ck_assert_int_eq(surveys(1), 1);
	ck_assert_int_eq(db_setting_int(db, "no_such_setting", 42), 42);
}
END_TEST

START_TEST(test_survey_answered_before)
{
	enum outcome_answer a[OUTCOME__MAX] = { ANSWER_AGREE, ANSWER_AGREE,
	    ANSWER_AGREE, ANSWER_NA };
	int w;

	ck_assert_int_eq(sqlite3_exec(db->conn, survey_fixture, NULL, NULL,
	    NULL), SQLITE_OK);
	/* Someone who has answered already is not asked again. */
	ck_assert_int_eq(db_outcome_save(db, 1, a), OUTCOME_OPEN);
	for (w = 0; w < 7; w++)
		attend(1, w, 1, "attended");
	ck_assert_int_eq(surveys(1), 0);
}
END_TEST

START_TEST(test_outcome_token)
{
	char t[DB_OUTCOME_TOKEN_LEN], u[DB_OUTCOME_TOKEN_LEN];
	int64_t id = 0;

	ck_assert_int_eq(db_outcome_token(db, 42, t), 0);
	ck_assert_uint_eq(strlen(t), 32);
	ck_assert_int_eq(db_outcome_token_check(db, t, &id), 0);
	ck_assert_int_eq(id, 42);
	/* The same every time; another client's differs. */
	ck_assert_int_eq(db_outcome_token(db, 42, u), 0);
	ck_assert_str_eq(t, u);
	ck_assert_int_eq(db_outcome_token(db, 43, u), 0);
	ck_assert_str_ne(t, u);
	/* Any change is refused. */
	memcpy(u, t, sizeof(u));
	u[31] = u[31] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(db_outcome_token_check(db, u, &id), -1);
	memcpy(u, t, sizeof(u));
	u[5] = u[5] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(db_outcome_token_check(db, u, &id), -1);
	ck_assert_int_eq(db_outcome_token_check(db, NULL, &id), -1);
	ck_assert_int_eq(db_outcome_token_check(db, "", &id), -1);
	ck_assert_int_eq(db_outcome_token_check(db, "short", &id), -1);
	ck_assert_int_eq(db_outcome_token_check(db,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &id), -1);
	ck_assert_int_eq(db_outcome_token(db, 0, u), -1);
}
END_TEST

START_TEST(test_outcome_save)
{
	enum outcome_answer a[OUTCOME__MAX] = { ANSWER_AGREE, ANSWER_UNSURE,
	    ANSWER_DISAGREE, ANSWER_NA };
	enum outcome_answer bad[OUTCOME__MAX] = { ANSWER_NA, ANSWER_AGREE,
	    ANSWER_AGREE, ANSWER_AGREE };

	ck_assert_int_eq(sqlite3_exec(db->conn, survey_fixture, NULL, NULL,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(db_outcome_state(db, 1), OUTCOME_OPEN);
	ck_assert_int_eq(db_outcome_save(db, 1, bad), OUTCOME_GONE);
	ck_assert_int_eq(db_outcome_save(db, 1, a), OUTCOME_OPEN);
	ck_assert_int_eq(db_outcome_state(db, 1), OUTCOME_ANSWERED);
	/* Once only: a second answer changes nothing. */
	a[0] = ANSWER_DISAGREE;
	ck_assert_int_eq(db_outcome_save(db, 1, a), OUTCOME_ANSWERED);
	ck_assert_int_eq(db_outcome_state(db, 99), OUTCOME_GONE);
	ck_assert_int_eq(db_outcome_save(db, 99, a), OUTCOME_GONE);
	ck_assert_int_eq(sqlite3_exec(db->conn, "INSERT INTO erasures "
	    "(referral_id, at, reason) VALUES (2, 'x', 'request')", NULL, NULL,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(db_outcome_state(db, 2), OUTCOME_GONE);
}
END_TEST

static Suite *
reports_suite(void)
{
	Suite *s = suite_create("reports");
	TCase *tc;

	tc = tcase_create("db_report_load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_report_sessions);
	tcase_add_test(tc, test_report_attendance);
	tcase_add_test(tc, test_report_referrals);
	tcase_add_test(tc, test_report_referral_months);
	tcase_add_test(tc, test_report_waitlist);
	tcase_add_test(tc, test_report_waitlist_summary);
	tcase_add_test(tc, test_report_waitlist_writers);
	tcase_add_test(tc, test_report_waitlist_forget_steps);
	tcase_add_test(tc, test_report_caseload);
	tcase_add_test(tc, test_report_caseload_now);
	tcase_add_test(tc, test_report_caseload_past);
	tcase_add_test(tc, test_report_first_sessions);
	tcase_add_test(tc, test_report_summaries);
	tcase_add_test(tc, test_report_summaries_writers);
	tcase_add_test(tc, test_report_summaries_need_rollup);
	tcase_add_test(tc, test_report_years_need_triggers);
	tcase_add_test(tc, test_report_days_need_triggers);
	tcase_add_test(tc, test_report_month_people);
	tcase_add_test(tc, test_report_month_people_need_triggers);
	tcase_add_test(tc, test_report_last_people);
	tcase_add_test(tc, test_report_last_need_triggers);
	tcase_add_test(tc, test_report_last_need_site_trigger);
	tcase_add_test(tc, test_report_last_long_term);
	tcase_add_test(tc, test_report_hidden_waits);
	tcase_add_test(tc, test_report_waits_writers);
	tcase_add_test(tc, test_report_waits_need_triggers);
	tcase_add_test(tc, test_report_answers_writers);
	tcase_add_test(tc, test_report_answers_need_triggers);
	tcase_add_test(tc, test_report_offers_late);
	tcase_add_test(tc, test_report_outcomes);
	tcase_add_test(tc, test_report_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("page_reports");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_page_and_csv);
	tcase_add_test(tc, test_page_late_by_site);
	tcase_add_test(tc, test_page_late_many_sites);
	tcase_add_test(tc, test_csv_escaping);
	tcase_add_test(tc, test_csv_parts);
	suite_add_tcase(s, tc);

	tc = tcase_create("svg_bar_chart");
	tcase_add_test(tc, test_svg_escapes);
	tcase_add_test(tc, test_svg_scale);
	suite_add_tcase(s, tc);

	tc = tcase_create("outcome_survey");
	tcase_add_checked_fixture(tc, setup_empty, teardown);
	tcase_add_test(tc, test_survey_trigger);
	tcase_add_test(tc, test_survey_steps);
	tcase_add_test(tc, test_survey_setting);
	tcase_add_test(tc, test_survey_answered_before);
	tcase_add_test(tc, test_outcome_token);
	tcase_add_test(tc, test_outcome_save);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reports_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

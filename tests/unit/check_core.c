/*
 * Unit tests for core/: the window rules and the other pure rules
 * (core/rules.h), local time (core/zone.h), and the booking actions
 * and the assignment (core/booking.h, core/assign.h) on the real
 * migrations in :memory:.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sqlite3.h>

#include "core/assign.h"
#include "core/booking.h"
#include "core/core.h"
#include "core/rules.h"
#include "core/zone.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/schedule.h"
#include "sched/sched.h"
#include "tests/unit/testlib.h"

#define TZ	"Europe/London"

/* ---- core/rules.h ---------------------------------------------------- */

START_TEST(test_on_leave)
{
	/* Half the window or more is on leave; less is shown, not excluded. */
	ck_assert_int_eq(core_rule_on_leave(0, CORE_WINDOW_DAYS), 0);
	ck_assert_int_eq(core_rule_on_leave(13, CORE_WINDOW_DAYS), 0);
	ck_assert_int_eq(core_rule_on_leave(14, CORE_WINDOW_DAYS), 1);
	ck_assert_int_eq(core_rule_on_leave(28, CORE_WINDOW_DAYS), 1);
	ck_assert_int_eq(core_rule_on_leave(3, 7), 0);
	ck_assert_int_eq(core_rule_on_leave(4, 7), 1);
	ck_assert_int_eq(core_rule_on_leave(5, 0), 0);
}
END_TEST

START_TEST(test_weekday_closed)
{
	/* Two of a weekday's four dates closed: closed that weekday. */
	ck_assert_int_eq(core_rule_weekday_closed(0, CORE_WINDOW_WEEKS), 0);
	ck_assert_int_eq(core_rule_weekday_closed(1, CORE_WINDOW_WEEKS), 0);
	ck_assert_int_eq(core_rule_weekday_closed(2, CORE_WINDOW_WEEKS), 1);
	ck_assert_int_eq(core_rule_weekday_closed(4, CORE_WINDOW_WEEKS), 1);
	ck_assert_int_eq(core_rule_weekday_closed(1, 2), 1);
	ck_assert_int_eq(core_rule_weekday_closed(1, 3), 0);
	ck_assert_int_eq(core_rule_weekday_closed(0, 0), 0);
}
END_TEST

START_TEST(test_minutes_a_week)
{
	/* Four weekly 45-minute sessions in 28 days: 45 a week. */
	ck_assert_int_eq(core_rule_minutes_a_week(4 * 45, CORE_WINDOW_DAYS),
	    45);
	ck_assert_int_eq(core_rule_minutes_a_week(0, CORE_WINDOW_DAYS), 0);
	ck_assert_int_eq(core_rule_minutes_a_week(-5, CORE_WINDOW_DAYS), 0);
	ck_assert_int_eq(core_rule_minutes_a_week(100, 0), 0);
	/* Rounded down: 10 minutes over 28 days is 2.5 a week. */
	ck_assert_int_eq(core_rule_minutes_a_week(10, CORE_WINDOW_DAYS), 2);
	/* Large figures do not overflow int arithmetic on the way. */
	ck_assert_int_eq(core_rule_minutes_a_week(400000000LL, 28),
	    100000000);
}
END_TEST

START_TEST(test_hours_full)
{
	/* Ten hours a week: full once one more session does not fit. */
	ck_assert_int_eq(core_rule_hours_full(0, 10, SCHED_LENGTH_MIN), 0);
	ck_assert_int_eq(core_rule_hours_full(600 - 45, 10, 45), 0);
	ck_assert_int_eq(core_rule_hours_full(600 - 44, 10, 45), 1);
	ck_assert_int_eq(core_rule_hours_full(600, 10, 45), 1);
	/* No hours at all: always full. */
	ck_assert_int_eq(core_rule_hours_full(0, 0, 45), 1);
}
END_TEST

START_TEST(test_step_free_words)
{
	ck_assert_int_eq(core_rule_needs_step_free("I use a wheelchair"), 1);
	ck_assert_int_eq(core_rule_needs_step_free("No STAIRS please"), 1);
	ck_assert_int_eq(core_rule_needs_step_free("needs a lift"), 1);
	ck_assert_int_eq(core_rule_needs_step_free("Level access"), 1);
	ck_assert_int_eq(core_rule_needs_step_free("a walking frame"), 1);
	ck_assert_int_eq(core_rule_needs_step_free("uplifting music"), 0);
	ck_assert_int_eq(core_rule_needs_step_free("large print"), 0);
	ck_assert_int_eq(core_rule_needs_step_free(""), 0);
	ck_assert_int_eq(core_rule_needs_step_free(NULL), 0);
}
END_TEST

START_TEST(test_district)
{
	char d[8];

	ck_assert_int_eq(core_rule_district("SW1A 1AA", d, sizeof(d)), 0);
	ck_assert_str_eq(d, "SW1A");
	ck_assert_int_eq(core_rule_district("n1 2ab", d, sizeof(d)), 0);
	ck_assert_str_eq(d, "N1");
	ck_assert_int_eq(core_rule_district("E81AA", d, sizeof(d)), 0);
	ck_assert_str_eq(d, "E8");
	ck_assert_int_eq(core_rule_district("", d, sizeof(d)), -1);
	ck_assert_str_eq(d, "");
	ck_assert_int_eq(core_rule_district("N1", d, sizeof(d)), -1);
	ck_assert_int_eq(core_rule_district("N1-1AA", d, sizeof(d)), -1);
	ck_assert_int_eq(core_rule_district("SW1A 1AAXX", d, sizeof(d)), -1);
	ck_assert_int_eq(core_rule_district(NULL, d, sizeof(d)), -1);
	ck_assert_int_eq(core_rule_district("SW1A 1AA", d, 4), -1);
	ck_assert_int_eq(core_rule_district("SW1A 1AA", d, 5), 0);
}
END_TEST

START_TEST(test_day_part_and_type)
{
	ck_assert_int_eq(core_rule_day_part(9), 0);
	ck_assert_int_eq(core_rule_day_part(11), 0);
	ck_assert_int_eq(core_rule_day_part(12), 1);
	ck_assert_int_eq(core_rule_day_part(16), 1);
	ck_assert_int_eq(core_rule_day_part(17), 2);
	ck_assert_int_eq(core_rule_session_type("individual"),
	    SCHED_INDIVIDUAL);
	ck_assert_int_eq(core_rule_session_type("group"), SCHED_GROUP);
	ck_assert_int_eq(core_rule_session_type("either"), SCHED_EITHER);
	ck_assert_int_eq(core_rule_session_type(""), SCHED_EITHER);
	ck_assert_int_eq(core_rule_session_type(NULL), SCHED_EITHER);
}
END_TEST

/* ---- core/zone.h ----------------------------------------------------- */

START_TEST(test_local_time)
{
	struct tm tm;
	time_t t;
	int day, min;

	memset(&tm, 0, sizeof(tm));
	/* Saturday 28 March 2026, 10:00 UTC: 10:00 GMT. */
	tm.tm_year = 126;
	tm.tm_mon = 2;
	tm.tm_mday = 28;
	tm.tm_hour = 10;
	t = timegm(&tm);
	ck_assert_int_eq(core_local_time(TZ, t, &day, &min), 0);
	ck_assert_int_eq(day, 5);
	ck_assert_int_eq(min, 600);
	/* Monday 30 March, 09:00 UTC: 10:00 BST. */
	t += 2 * 86400 - 3600;
	ck_assert_int_eq(core_local_time(TZ, t, &day, &min), 0);
	ck_assert_int_eq(day, 0);
	ck_assert_int_eq(min, 600);
	ck_assert_int_eq(core_local_time("Nowhere/Such", t, &day, &min), -1);
}
END_TEST

START_TEST(test_zone_map)
{
	struct core_zone z;
	/* 2026-03-22T00:00Z to 2026-04-05T00:00Z: the clocks go forward on
	 * Sunday 29 March at 01:00Z. */
	time_t from = 1774137600, to = from + 14 * 86400, t;
	int day, min, d2, m2;
	long long dayno;

	ck_assert_int_eq(core_zone_build(&z, TZ, from, to), 0);
	ck_assert_uint_eq(z.n, 2);
	ck_assert_int_eq(z.s[0].off, 0);
	ck_assert_int_eq(z.s[1].off, 3600);
	ck_assert_int_eq(z.s[1].from, 1774746000);	/* 01:00Z, 29 March */
	/* Every half hour agrees with libical's own answer. */
	for (t = from; t < to; t += 1800) {
		core_zone_week_minute(core_zone_local(&z, t), &day, &min,
		    &dayno);
		ck_assert_int_eq(core_local_time(TZ, t, &d2, &m2), 0);
		ck_assert_int_eq(day, d2);
		ck_assert_int_eq(min, m2);
	}
	ck_assert_int_eq(core_zone_build(&z, "Nowhere/Such", from, to), -1);
	/* Before 1970: the weekday still counts from a Thursday. */
	core_zone_week_minute(-86400, &day, &min, &dayno);
	ck_assert_int_eq(day, 2);
	ck_assert_int_eq(min, 0);
	ck_assert_int_eq(dayno, -1);
}
END_TEST

/* ---- core/booking.h -------------------------------------------------- */

static struct db *db;

/* Users 1 (coordinator) and 2 (therapist Thea, therapist 1); site 1 open
 * every day 08:00-20:00 with room 1, where Thea works all those hours;
 * referral 1 (Ann) is Thea's client 1. */
static const char fixture[] = TESTLIB_CENTRE
    "INSERT INTO therapists (id, user_id, name) VALUES (1, 2, 'Thea');"
    TESTLIB_REFERRALS TESTLIB_ANN "'2026-05-01T00:00:00Z', 'x');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at)"
    " VALUES (1, 1, 1, '2026-05-01');";

static void
setup(void)
{
	db = testlib_db_week(fixture);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* A context for the coordinator, at a fixed time. */
static void
ctx(struct core_ctx *c, time_t now)
{
	memset(c, 0, sizeof(*c));
	c->db = db;
	c->tz = TZ;
	c->msgid_domain = "test";
	c->user_id = 1;
	c->addr = "127.0.0.1";
	c->now = now;
}

/* Local date "YYYY-MM-DD" of now + days. */
static void
date_in(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Ann with Thea in room 1 at 10:00, weekly, n times from first. */
static void
ann(struct core_booking *b, const char *first, int n)
{
	memset(b, 0, sizeof(*b));
	b->therapist_id = 1;
	b->client_id = 1;
	b->site_id = 1;
	b->room_id = 1;
	b->first_date = first;
	b->start_local = "10:00";
	b->length_min = 45;
	b->count = n;
}

START_TEST(test_book_rules)
{
	static const struct {
		const char	*first;
		const char	*start;
		int		 length;
		int		 count;
		const char	*until;
		int64_t		 client;
		int64_t		 group;
		const char	*says;
	} bad[] = {
		{ NULL, "10:00", 45, 4, NULL, 1, 1, "either a client" },
		{ NULL, "10:00", 45, 4, NULL, 0, 0, "either a client" },
		{ NULL, "10:00", 45, 4, NULL, 9, 0, "not on a caseload" },
		{ "2026-02-30", "10:00", 45, 4, NULL, 1, 0, "first date" },
		{ NULL, "10:03", 45, 4, NULL, 1, 0, "start time" },
		{ NULL, "25:00", 45, 4, NULL, 1, 0, "start time" },
		{ NULL, "10:00", 14, 4, NULL, 1, 0, "15 to 240" },
		{ NULL, "10:00", 241, 4, NULL, 1, 0, "15 to 240" },
		{ NULL, "10:00", 45, 105, NULL, 1, 0, "1 to 104" },
		{ NULL, "10:00", 45, 0, "2020-01-01", 1, 0, "last date" },
		{ NULL, "23:30", 45, 4, NULL, 1, 0, "by midnight" },
		{ "2020-01-06", "10:00", 45, 4, NULL, 1, 0, "in the future" },
	};
	struct core_ctx c;
	struct core_booking b;
	char first[11], why[CORE_WHY_LEN];
	int64_t id;
	size_t i;

	date_in(7, first);
	ctx(&c, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ann(&b, bad[i].first != NULL ? bad[i].first : first,
		    bad[i].count);
		b.start_local = bad[i].start;
		b.length_min = bad[i].length;
		b.until_date = bad[i].until;
		b.client_id = bad[i].client;
		b.group_id = bad[i].group;
		id = -1;
		ck_assert_msg(core_series_book(&c, &b, &id, why, sizeof(why)) ==
		    DB_INVALID, "case %zu", i);
		ck_assert_msg(strstr(why, bad[i].says) != NULL,
		    "case %zu: %s", i, why);
		ck_assert_int_eq(id, 0);
	}
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"), 0);
}
END_TEST

START_TEST(test_book_cancel_move_end)
{
	struct core_ctx c;
	struct core_booking b;
	char first[11], second[11], moved[11], why[CORE_WHY_LEN];
	int64_t id, id2;
	int notified;

	date_in(7, first);
	date_in(14, second);
	date_in(15, moved);
	ctx(&c, 0);
	ann(&b, first, 4);
	ck_assert_int_eq(core_series_book(&c, &b, &id, why, sizeof(why)),
	    DB_OK);
	ck_assert_str_eq(why, "");
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences"), 4);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind ="
	    " 'booking_confirmation'"), 1);
	/* The same time again clashes: nothing more is stored. */
	ck_assert_int_eq(core_series_book(&c, &b, &id2, why, sizeof(why)),
	    DB_CONFLICT);
	ck_assert_str_ne(why, "");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"), 1);

	/* Cancel needs a reason; then the session is cancelled once. */
	ck_assert_int_eq(core_occ_cancel(&c, id, first, CANCEL_BY_CLIENT, "",
	    why, sizeof(why)), DB_INVALID);
	ck_assert_int_eq(core_occ_cancel(&c, id, first, CANCEL_BY_CLIENT,
	    "Unwell", why, sizeof(why)), DB_OK);
	ck_assert_int_eq(core_occ_cancel(&c, id, first, CANCEL_BY_CLIENT,
	    "Unwell", why, sizeof(why)), DB_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "cancelled already"));
	/* Taken back before its notice went: nobody had been told. */
	ck_assert_int_eq(core_occ_reinstate(&c, id, first, &notified, why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(notified, 0);

	/* A move needs a real date and time. */
	ck_assert_int_eq(core_occ_move(&c, id, second, "2026-13-01", "10:00",
	    0, "", why, sizeof(why)), DB_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "new date"));
	ck_assert_int_eq(core_occ_move(&c, 999, second, moved, "10:00", 0, "",
	    why, sizeof(why)), DB_INVALID);
	ck_assert_int_eq(core_occ_move(&c, id, second, moved, "11:00", 0,
	    "Room needed", why, sizeof(why)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences WHERE"
	    " state = 'moved'"), 1);

	/* Ending needs a date and a reason, and happens once. */
	ck_assert_int_eq(core_series_end(&c, id, "soon", "Done", why,
	    sizeof(why)), DB_INVALID);
	ck_assert_int_eq(core_series_end(&c, id, second, "", why,
	    sizeof(why)), DB_INVALID);
	ck_assert_int_eq(core_series_end(&c, id, second, "Done", why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(core_series_end(&c, id, second, "Done", why,
	    sizeof(why)), DB_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "already ended"));
}
END_TEST

/* Collects the waitlisted referrals core_freed_place offers to. */
static void
add_offer(void *arg, int64_t id, const char *ref, const char *name,
    const char *created)
{
	int64_t *seen = arg;

	(void)ref;
	(void)name;
	(void)created;
	*seen = id;
}

START_TEST(test_freed_place)
{
	struct core_ctx c;
	struct core_booking b;
	struct db_series s;
	char first[11], why[CORE_WHY_LEN], sql[512];
	int64_t id, seen = 0;
	int wd = -1, day;

	date_in(7, first);
	ctx(&c, 0);
	ann(&b, first, 4);
	ck_assert_int_eq(core_series_book(&c, &b, &id, why, sizeof(why)),
	    DB_OK);
	ck_assert_int_eq(db_series_get(db, id, &s), 1);
	/* Ben waits for a morning on the series' weekday. */
	ck_assert_int_eq(core_local_time(TZ, time(NULL) + 7 * 86400, &day,
	    &wd), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO referrals (id, ref, status,"
	    " given_name, family_name, postcode, date_of_birth,"
	    " preferred_contact, session_type, needs, availability,"
	    " consent_data, created_at, updated_at) VALUES (2, 'BBBB-BBBB',"
	    " 'waitlisted', 'Ben', 'Bee', 'N1 1AA', '1980-01-01', 'phone',"
	    " 'either', 1, %u, 1, '2026-05-01T00:00:00Z', 'x');",
	    1u << (day * 3));
	testlib_sql_exec(db, sql);
	/* An active series frees nothing. */
	ck_assert_int_eq(core_freed_place(&c, &s, 10, &wd, add_offer, &seen),
	    0);
	ck_assert_int_eq(seen, 0);
	ck_assert_int_eq(core_series_end(&c, id, first, "Moved away", why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(db_series_get(db, id, &s), 1);
	ck_assert_int_eq(core_freed_place(&c, &s, 10, &wd, add_offer, &seen),
	    1);
	ck_assert_int_eq(wd, day);
	ck_assert_int_eq(seen, 2);
}
END_TEST

START_TEST(test_assign)
{
	struct core_ctx c;
	struct core_assign a;
	char why[CORE_WHY_LEN];
	int64_t client = -1;
	int emailed = -1;

	testlib_sql_exec(db, "INSERT INTO referrals (id, ref, status, given_name, family_name,"
	    " email, postcode, date_of_birth, preferred_contact, session_type,"
	    " needs, availability, consent_data, consent_contact, created_at,"
	    " updated_at) VALUES (2, 'BBBB-BBBB', 'waitlisted', 'Ben', 'Bee',"
	    " 'ben@x.org', 'N1 1AA', '1980-01-01', 'email', 'either', 1, 8, 1,"
	    " 1, '2026-05-01T00:00:00Z', 'x');");
	ctx(&c, 0);
	memset(&a, 0, sizeof(a));
	a.referral_id = 2;
	a.from = ST_WAITLISTED;
	a.therapist_id = 99;
	ck_assert_int_eq(core_referral_assign(&c, &a, &client, &emailed, why,
	    sizeof(why)), DB_ASSIGN_GONE);
	ck_assert_ptr_nonnull(strstr(why, "no longer exists"));
	ck_assert_int_eq(client, 0);
	a.therapist_id = 1;
	a.from = ST_NEW;
	ck_assert_int_eq(core_referral_assign(&c, &a, &client, &emailed, why,
	    sizeof(why)), DB_ASSIGN_NOT_OPEN);
	a.from = ST_WAITLISTED;
	ck_assert_int_eq(core_referral_assign(&c, &a, &client, &emailed, why,
	    sizeof(why)), DB_ASSIGN_OK);
	ck_assert_str_eq(why, "");
	ck_assert_int_gt(client, 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM clients WHERE"
	    " referral_id = 2 AND therapist_id = 1"), 1);
	/* The page was stale: the referral is no longer waitlisted. */
	ck_assert_int_eq(core_referral_assign(&c, &a, &client, &emailed, why,
	    sizeof(why)), DB_ASSIGN_MOVED);
	ck_assert_ptr_nonnull(strstr(why, "Someone else changed"));
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM clients"), 2);
}
END_TEST

/*
 * A term-time series (issue 20): at a site with terms, 12 sessions run
 * on across the October half-term and Christmas, 10:00 local on both
 * sides of the clock change (09:00Z in October, 10:00Z after).
 */
START_TEST(test_book_term_time)
{
	struct core_ctx c;
	struct core_booking b;
	char why[CORE_WHY_LEN];
	int64_t id;

	testlib_sql_exec(db, "INSERT INTO terms (site_id, school_year, name,"
	    " first_day, last_day) VALUES"
	    " (1, '2026-27', 'Autumn 1', '2026-09-03', '2026-10-23'),"
	    " (1, '2026-27', 'Autumn 2', '2026-11-02', '2026-12-18'),"
	    " (1, '2026-27', 'Spring 1', '2027-01-05', '2027-02-12');");
	ctx(&c, (time_t)1790000000);	/* 21 September 2026 */
	ann(&b, "2026-10-07", 12);
	ck_assert_msg(core_series_book(&c, &b, &id, why, sizeof(why)) == DB_OK,
	    "%s", why);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences"),
	    12);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM occurrences"
	    " WHERE occ_date IN ('2026-10-28', '2026-12-23', '2026-12-30')"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"
	    " WHERE term_time = 1 AND count IS NULL AND"
	    " until_date = '2027-01-13'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM"
	    " series_skips"), 3);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT start_utc % 86400 FROM"
	    " occurrences WHERE occ_date = '2026-10-21'"), 9 * 3600);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT start_utc % 86400 FROM"
	    " occurrences WHERE occ_date = '2026-11-04'"), 10 * 3600);
	/* More than the terms entered hold: refused, nothing stored. */
	ann(&b, "2027-01-06", 12);
	b.start_local = "14:00";
	ck_assert_int_eq(core_series_book(&c, &b, &id, why, sizeof(why)),
	    DB_INVALID);
	ck_assert_msg(strstr(why, "Only 6 of the 12") != NULL, "%s", why);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"), 1);
}
END_TEST

int
main(void)
{
	const struct testlib_case cases[] = {
		{ "core_rule_on_leave", test_on_leave, 0 },
		{ "core_rule_weekday_closed", test_weekday_closed, 0 },
		{ "core_rule_minutes_a_week", test_minutes_a_week, 0 },
		{ "core_rule_hours_full", test_hours_full, 0 },
		{ "core_rule_needs_step_free", test_step_free_words, 0 },
		{ "core_rule_district", test_district, 0 },
		{ "core_rule_day_part", test_day_part_and_type, 0 },
		{ "core_local_time", test_local_time, 0 },
		{ "core_zone_build", test_zone_map, 0 },
		{ "core_series_book", test_book_rules, 1 },
		{ "core_occ_cancel", test_book_cancel_move_end, 1 },
		{ "core_series_book_term_time", test_book_term_time, 1 },
		{ "core_freed_place", test_freed_place, 1 },
		{ "core_referral_assign", test_assign, 1 },
	};

	return testlib_run(testlib_suite("core", cases,
	    sizeof(cases) / sizeof(cases[0]), setup, teardown));
}

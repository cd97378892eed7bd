/*
 * Unit tests for people acting for themselves (issue 18): the notice
 * rule (core/self.h), the personal link's tokens (mail/link.c: forged,
 * revoked, another person's), "cannot come" (idempotent, theirs only,
 * late by the setting, with its emails and audit line in one write) and
 * the waitlist answers, on the real migrations in :memory:.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sodium.h>

#include "core/booking.h"
#include "core/core.h"
#include "core/offer.h"
#include "core/self.h"
#include "db/db.h"
#include "db/reports.h"
#include "db/self.h"
#include "mail/mail.h"
#include "tests/unit/testlib.h"

static struct db *db;

/* Coordinator Cora (1), therapist Thea (user 2, therapist 1); site 1
 * open every day with room 1; Ann (referral 1, client 1) is Thea's;
 * Bea (referral 2, client 2) is Thea's too; Cy (referral 3) waits. */
static const char fixture[] = TESTLIB_CENTRE
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES (2, 1, 'Red', 1);"
    "INSERT INTO therapists (id, user_id, name) VALUES (1, 2, 'Thea Tee');"
    TESTLIB_REFERRALS TESTLIB_ANN "'x', 'x'),"
    " (2, 'BBBB-BBBB', 'active', 'Bea', 'Bee', 'bea@x.org', 'N1 2AB',"
    "  '1980-01-01', 'email', 'individual', 16, 8, 1, 1, 'x', 'x'),"
    " (3, 'CCCC-CCCC', 'waitlisted', 'Cy', 'See', 'cy@x.org', 'N1 2AB',"
    "  '1980-01-01', 'email', 'individual', 16, 8, 1, 1,"
    "  '2026-01-01T00:00:00Z', 'x');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at)"
    " VALUES (1, 1, 1, '2026-05-01'), (2, 2, 1, '2026-05-01');";

static void
setup(void)
{
	ck_assert(sodium_init() >= 0);
	db = testlib_db_week(fixture);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

static void
ctx(struct core_ctx *c)
{
	testlib_ctx(db, c);
}

/* Date "YYYY-MM-DD" of now + days. */
static void
date_in(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Books client (1 or 2) weekly at hhmm in room from first, n times. */
static int64_t
book(int64_t client, int64_t room, const char *first, const char *hhmm)
{
	struct core_ctx c;
	struct core_booking b;
	char why[CORE_WHY_LEN];
	int64_t id = 0;

	ctx(&c);
	c.user_id = 1;
	memset(&b, 0, sizeof(b));
	b.therapist_id = 1;
	b.client_id = client;
	b.site_id = 1;
	b.room_id = room;
	b.first_date = first;
	b.start_local = hhmm;
	b.length_min = 45;
	b.count = 3;
	ck_assert_msg(core_series_book(&c, &b, &id, why, sizeof(why)) ==
	    DB_OK, "%s", why);
	return id;
}

START_TEST(test_notice_rule)
{
	time_t now = 1800000000;

	ck_assert_int_eq(core_notice_late(now + 25 * 3600, now, 24), 0);
	ck_assert_int_eq(core_notice_late(now + 24 * 3600, now, 24), 0);
	ck_assert_int_eq(core_notice_late(now + 24 * 3600 - 1, now, 24), 1);
	ck_assert_int_eq(core_notice_late(now + 60, now, 24), 1);
	ck_assert_int_eq(core_notice_late(now + 60, now, 0), 0);
	ck_assert_int_eq(core_notice_late(now + 47 * 3600, now, 48), 1);
}
END_TEST

/*
 * Links already sent must keep working: with key 0, 1, ..., 31 these
 * are the tokens of the form in mail/link.c, computed apart from it
 * (Python's hmac and base64 modules).
 */
START_TEST(test_link_tokens_known)
{
	unsigned char key[MAIL_LINK_KEY_LEN];
	char t[MAIL_LINK_TOKEN_LEN];
	int64_t id = 0;
	uint32_t gen = 0;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	mail_link_token_make(key, MAIL_LINK_MY, 42, 3, t);
	ck_assert_str_eq(t, "AgAAAAAAAAAqAAAAAwCZ3IsnydaERjHjD5CsZKEl3Cs");
	mail_link_token_make(key, MAIL_LINK_OFFER, 9, 1, t);
	ck_assert_str_eq(t, "AwAAAAAAAAAJAAAAAQmLr1girSjrwV5X9h_O9VZr6vg");
	mail_link_token_make(key, MAIL_LINK_MY, INT64_MAX, UINT32_MAX, t);
	ck_assert_str_eq(t, "An_______________zgkWsAshzOsLIpwmvG6q6lLyGo");
	ck_assert_int_eq(mail_link_token_check(key, MAIL_LINK_MY, t, &id,
	    &gen), 0);
	ck_assert_int_eq(id, INT64_MAX);
	ck_assert_uint_eq(gen, UINT32_MAX);
	ck_assert_int_eq(mail_link_token_check(key, MAIL_LINK_OFFER,
	    "AwAAAAAAAAAJAAAAAQmLr1girSjrwV5X9h_O9VZr6vg", &id, &gen), 0);
	ck_assert_int_eq(id, 9);
	ck_assert_uint_eq(gen, 1);
}
END_TEST

START_TEST(test_link_tokens)
{
	unsigned char key[MAIL_LINK_KEY_LEN], other[MAIL_LINK_KEY_LEN];
	char t[MAIL_LINK_TOKEN_LEN], t2[MAIL_LINK_TOKEN_LEN], bad[64];
	int64_t id = 0;
	uint32_t gen = 0;
	size_t i;

	ck_assert_int_eq(mail_link_key(db, key), 0);
	memset(other, 7, sizeof(other));
	mail_link_token_make(key, MAIL_LINK_MY, 42, 3, t);
	ck_assert_uint_eq(strlen(t), MAIL_LINK_TOKEN_LEN - 1);
	ck_assert_int_eq(mail_link_token_check(key, MAIL_LINK_MY, t, &id,
	    &gen), 0);
	ck_assert_int_eq(id, 42);
	ck_assert_uint_eq(gen, 3);
	/* Another key, another type, any changed character: refused. */
	ck_assert_int_eq(mail_link_token_check(other, MAIL_LINK_MY, t, &id,
	    NULL), -1);
	ck_assert_int_eq(mail_link_token_check(key, MAIL_LINK_OFFER, t, &id,
	    NULL), -1);
	for (i = 0; i < strlen(t); i++) {
		snprintf(bad, sizeof(bad), "%s", t);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(mail_link_token_check(key, MAIL_LINK_MY, bad,
		    &id, NULL) == -1, "character %zu", i);
	}
	ck_assert_int_eq(mail_link_token_check(key, MAIL_LINK_MY, "", &id,
	    NULL), -1);
	ck_assert_int_eq(mail_link_token_check(key, MAIL_LINK_MY, NULL, &id,
	    NULL), -1);

	/* Stored hashed; revoking stops the old link. */
	ck_assert_int_eq(mail_my_token(db, key, 1, t), 0);
	ck_assert_int_eq(mail_my_token(db, key, 1, t2), 0);
	ck_assert_str_eq(t, t2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT length(token_hash) FROM "
	    "client_links WHERE referral_id = 1"), 32);
	ck_assert_int_eq(mail_my_check(db, key, t, &id), 1);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(mail_my_revoke(db, key, 1, t2), 0);
	ck_assert_str_ne(t, t2);
	ck_assert_int_eq(mail_my_check(db, key, t, &id), 0);
	ck_assert_int_eq(mail_my_check(db, key, t2, &id), 1);
	/* A signed token for a person with no link stored: refused. */
	mail_link_token_make(key, MAIL_LINK_MY, 2, 1, t);
	ck_assert_int_eq(mail_my_check(db, key, t, &id), 0);
	sodium_memzero(key, sizeof(key));
}
END_TEST

START_TEST(test_cant_come)
{
	struct core_ctx c;
	char first[11], why[CORE_WHY_LEN];
	int64_t ann, bea;
	int late = -1;

	date_in(7, first);
	ann = book(1, 1, first, "10:00");
	bea = book(2, 2, first, "11:00");
	testlib_sql_exec(db, "DELETE FROM outbox");
	ctx(&c);
	/* Not theirs: nothing changes. */
	ck_assert_int_eq(core_self_cant_come(&c, 1, bea, first, &late, why,
	    sizeof(why)), DB_INVALID);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "exceptions"), 0);
	/* Theirs, with a week's notice: not late; told once. */
	ck_assert_int_eq(core_self_cant_come(&c, 1, ann, first, &late, why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(late, 0);
	ck_assert_int_eq(core_self_cant_come(&c, 1, ann, first, &late, why,
	    sizeof(why)), DB_DUPLICATE);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "self_cancels"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'session_cancelled' AND to_addr = 'ann@x.org'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'client_cant_come'"), 2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit "
	    "WHERE action = 'self-cancel' AND user_id IS NULL AND "
	    "referral_id = 1"), 1);
	/* A week's notice is late when the setting asks for more. */
	ck_assert_int_eq(db_setting_int_set(db, "late_cancel_hours", 24 * 10),
	    0);
	ck_assert_int_eq(core_self_cant_come(&c, 2, bea, first, &late, why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(late, 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT late FROM self_cancels "
	    "WHERE series_id = 2"), 1);
}
END_TEST

/* Counts the sessions db_self_stopped_each lists. */
static void
count_stopped(void *arg, const struct db_my_session *s)
{
	(void)s;
	(*(int *)arg)++;
}

START_TEST(test_stop)
{
	struct core_ctx c;
	char first[11], why[CORE_WHY_LEN], *key;
	int64_t ann;
	int listed = 0;

	date_in(7, first);
	ann = book(1, 1, first, "10:00");
	(void)book(2, 2, first, "11:00");
	testlib_sql_exec(db, "DELETE FROM outbox");
	ctx(&c);
	/* Ann's three sessions are cancelled by her; Bea's stay. */
	ck_assert_int_eq(core_self_stop(&c, 1, why, sizeof(why)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "occurrences WHERE state = 'cancelled'"), 3);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "occurrences o JOIN series s ON s.id = o.series_id WHERE "
	    "s.client_id = 2 AND o.state = 'cancelled'"), 0);
	/* One email to Ann listing them, not one a session; one to the
	 * therapist and one to each coordinator. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'session_cancelled'"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'sessions_stopped' AND to_addr = 'ann@x.org'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'client_stopped'"), 2);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"),
	    3);
	key = testlib_sql_text(db, "SELECT dedupe_key FROM outbox WHERE kind "
	    "= 'sessions_stopped'");
	ck_assert_msg(strncmp(key, "sessions_stopped:1:", 19) == 0, "%s", key);
	free(key);
	ck_assert_int_eq(db_self_stopped_each(db, 1, ann, first,
	    count_stopped, &listed), 0);
	ck_assert_int_eq(listed, 3);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit "
	    "WHERE action = 'self-stop' AND user_id IS NULL AND "
	    "referral_id = 1"), 1);
	/* Her weekly time is a freed place, for the coordinator to confirm
	 * (auto_offers is off): nothing is sent. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM places "
	    "WHERE from_series_id = (SELECT id FROM series WHERE client_id = "
	    "1) AND status = 'open' AND confirmed_at IS NULL AND "
	    "start_local = '10:00'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM offers "
	    "WHERE status = 'sent'"), 0);
	/* A second click changes nothing. */
	ck_assert_int_eq(core_self_stop(&c, 1, why, sizeof(why)),
	    DB_DUPLICATE);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"),
	    3);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM places"),
	    1);
}
END_TEST

START_TEST(test_stop_auto_offers)
{
	struct core_ctx c;
	char from[11], first[11], why[CORE_WHY_LEN];

	/* Cy can come on Tuesday mornings, when Ann's sessions are. */
	ck_assert_int_eq(db_setting_int_set(db, "auto_offers", 1), 0);
	date_in(8, from);
	ck_assert_int_eq(core_offer_first_date(from, 1, first), 0);
	(void)book(1, 1, first, "10:00");
	testlib_sql_exec(db, "DELETE FROM outbox");
	ctx(&c);
	ck_assert_int_eq(core_self_stop(&c, 1, why, sizeof(why)), DB_OK);
	/* With auto_offers on the offer goes out at once. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM offers "
	    "WHERE referral_id = 3 AND status = 'sent'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'place_offer' AND to_addr = 'cy@x.org'"), 1);
}
END_TEST

START_TEST(test_stop_faults)
{
	char first[11];
	int n;
	enum db_result r = DB_ERROR;

	date_in(7, first);
	(void)book(1, 1, first, "10:00");
	testlib_sql_exec(db, "DELETE FROM outbox; DELETE FROM audit");
	/* A fault at each step: all or nothing. */
	for (n = 1; n < 300; n++) {
		db_fault_set(db, n);
		r = db_self_stop(db, 1, "", "x.org");
		db_fault_set(db, 0);
		if (r == DB_OK)
			break;
		ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
		    "occurrences WHERE state = 'cancelled'"), 0);
		ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
		    "exceptions"), 0);
		ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
		    "outbox"), 0);
	}
	ck_assert_int_eq(r, DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"),
	    3);
}
END_TEST

START_TEST(test_cant_come_faults)
{
	struct core_ctx c;
	char first[11], why[CORE_WHY_LEN];
	int64_t ann;
	int late, n;
	enum db_result r;

	date_in(7, first);
	ann = book(1, 1, first, "10:00");
	ctx(&c);
	/* A fault at each step: all or nothing. */
	for (n = 1; n < 200; n++) {
		testlib_sql_exec(db, "DELETE FROM outbox");
		db_fault_set(db, n);
		r = core_self_cant_come(&c, 1, ann, first, &late, why,
		    sizeof(why));
		db_fault_set(db, 0);
		if (r == DB_OK)
			break;
		ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
		    "self_cancels"), 0);
		ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
		    "exceptions"), 0);
		ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
		    "outbox"), 0);
	}
	ck_assert_int_eq(r, DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'client_cant_come'"), 2);
}
END_TEST

START_TEST(test_waitlist_answer)
{
	struct core_ctx c;
	char why[CORE_WHY_LEN];

	ctx(&c);
	ck_assert_int_eq(core_self_answer(&c, 3, "maybe", "same", why,
	    sizeof(why)), DB_INVALID);
	ck_assert_int_eq(core_self_answer(&c, 1, "yes", "same", why,
	    sizeof(why)), DB_INVALID);
	/* Due after 8 weeks: one check, by email. */
	ck_assert_int_eq(core_waitlist_checks(&c), 1);
	ck_assert_int_eq(core_waitlist_checks(&c), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'waitlist_check'"), 1);
	ck_assert_int_eq(core_self_answer(&c, 3, "yes", "worse", why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'client_worse'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT review FROM "
	    "waitlist_checks WHERE referral_id = 3"), 1);
	/* Answered: the next check is weeks away. */
	ck_assert_int_eq(core_waitlist_checks(&c), 0);
	ck_assert_int_eq(core_self_answer(&c, 3, "yes", "worse", why,
	    sizeof(why)), DB_DUPLICATE);
	ck_assert_int_eq(core_self_answer(&c, 3, "no", "same", why,
	    sizeof(why)), DB_OK);
	ck_assert_int_eq(core_self_answer(&c, 3, "no", "same", why,
	    sizeof(why)), DB_DUPLICATE);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT status = 'withdrawn' "
	    "FROM referrals WHERE id = 3"), 1);
	ck_assert_int_eq(core_self_leave(&c, 3, why, sizeof(why)),
	    DB_DUPLICATE);
}
END_TEST

START_TEST(test_waitlist_reminders)
{
	struct core_ctx c;

	ctx(&c);
	ck_assert_int_eq(core_waitlist_checks(&c), 1);
	/* A week without an answer: a reminder; two, then review. */
	testlib_sql_exec(db, "UPDATE waitlist_checks SET sent_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-8 days')");
	ck_assert_int_eq(core_waitlist_checks(&c), 1);
	testlib_sql_exec(db, "UPDATE waitlist_checks SET sent_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-15 days')");
	ck_assert_int_eq(core_waitlist_checks(&c), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT review FROM "
	    "waitlist_checks"), 0);
	testlib_sql_exec(db, "UPDATE waitlist_checks SET sent_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-22 days')");
	ck_assert_int_eq(core_waitlist_checks(&c), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT review FROM "
	    "waitlist_checks"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox "
	    "WHERE kind = 'waitlist_check'"), 3);
	/* Never removed by itself. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT status = 'waitlisted' "
	    "FROM referrals WHERE id = 3"), 1);
}
END_TEST

int
main(void)
{
	const struct testlib_case cases[] = {
		{ "core_notice_late", test_notice_rule, 0 },
		{ "mail_link_token", test_link_tokens, 1 },
		{ "mail_link_token_known", test_link_tokens_known, 0 },
		{ "core_self_cant_come", test_cant_come, 1 },
		{ "core_self_cant_come_faults", test_cant_come_faults, 1 },
		{ "core_self_stop", test_stop, 1 },
		{ "core_self_stop_auto_offers", test_stop_auto_offers, 1 },
		{ "db_self_stop_faults", test_stop_faults, 1 },
		{ "core_self_answer", test_waitlist_answer, 1 },
		{ "core_waitlist_checks", test_waitlist_reminders, 1 },
	};

	return testlib_run(testlib_suite("self", cases,
	    sizeof(cases) / sizeof(cases[0]), setup, teardown));
}

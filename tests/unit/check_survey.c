/*
 * Unit tests for the family and partner staff surveys (issue 20):
 * 025-surveys.sql's trigger on the N-th attended session, db/survey.c,
 * core/survey.c, and /survey, /partner and /organisations/ID/survey in
 * process through the real router (tests/unit/testlib.c) on a database
 * with the real migrations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "cgi/auth.h"
#include "core/core.h"
#include "core/survey.h"
#include "db/db.h"
#include "db/partner.h"
#include "db/privacy.h"
#include "db/reports.h"
#include "db/survey.h"
#include "tests/unit/testlib.h"
#include "util/buf.h"

static struct pages *h;

/*
 * A partner organisation with a site, a client there (Zoe, client 1,
 * series 1) and her contacts: a parent who agreed to be contacted, the
 * same address again in capitals, a carer who did not agree, one who
 * unsubscribed, one removed, and one with no email.  The partner
 * account belongs to the organisation.
 */
static void
setup(void)
{
	char sql[256];

	h = pages_new();
	testlib_sql_exec(h->app.db,
	    "INSERT INTO organisations (id, name) VALUES (1, 'Greenway "
	    "Academy');"
	    "INSERT INTO sites (id, name, kind, organisation_id) VALUES "
	    "(3, 'Greenway main school', 'school', 1);"
	    "INSERT INTO therapists (id, name) VALUES (1, 'Thea Therapist');"
	    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
	    "email, phone, postcode, date_of_birth, preferred_contact, needs, "
	    "about, session_type, consent_data, created_at, updated_at) "
	    "VALUES (1, 'ABCD-EFGH', 'active', 'Zoe', 'Ngata', "
	    "'zoe@example.com', '07700900982', 'SW1A 1AA', '2015-05-01', "
	    "'email', 1, '', 'individual', 1, '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:00Z');"
	    "INSERT INTO clients (id, referral_id, therapist_id, started_at) "
	    "VALUES (1, 1, 1, '2026-01-01');"
	    "INSERT INTO series (id, uid, therapist_id, client_id, site_id, "
	    "first_date, start_local, created_at, updated_at) VALUES "
	    "(1, 'u1', 1, 1, 3, '2026-01-05', '10:00', 'x', 'x');"
	    "INSERT INTO contacts (id, referral_id, name, email, role, "
	    "consent, created_at, removed_at, unsubscribed_at) VALUES "
	    "(1, 1, 'Mere Ngata', 'mere@example.org', 'parent', 1, 'x', NULL, "
	    "NULL), (2, 1, 'Mere again', 'MERE@example.org', 'guardian', 1, "
	    "'x', NULL, NULL), (3, 1, 'No Consent', 'nc@example.org', "
	    "'carer', 0, 'x', NULL, NULL), (4, 1, 'Gone Away', "
	    "'gone@example.org', 'family', 1, 'x', NULL, 'x'), (5, 1, "
	    "'Removed', 'rm@example.org', 'family', 1, 'x', 'x', NULL), "
	    "(6, 1, 'Phone Only', '', 'key_worker', 1, 'x', NULL, NULL);"
	    "INSERT INTO settings (key, value) VALUES "
	    "('family_survey_after', '3');");
	(void)pages_get(h, ROLE_PARTNER, "/healthz");
	snprintf(sql, sizeof(sql), "UPDATE users SET organisation_id = 1 "
	    "WHERE id = %lld", (long long)h->user_id[ROLE_PARTNER]);
	testlib_sql_exec(h->app.db, sql);
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

/* Records Zoe's session of 2026-01-DD as status. */
static void
attend(int day, const char *status)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO attendance (series_id, "
	    "occ_date, client_id, status, recorded_at) VALUES (1, "
	    "'2026-01-%02d', 1, '%s', 'x')", day, status);
	testlib_sql_exec(h->app.db, sql);
}

static int64_t
count(const char *sql)
{
	return testlib_sql_int(h->app.db, sql);
}

/* The link of survey id: "/survey?t=TOKEN" into out. */
static void
link_of(int64_t id, char *out, size_t n)
{
	char t[DB_OUTCOME_TOKEN_LEN];

	ck_assert_int_eq(db_survey_token(h->app.db, id, t), 0);
	snprintf(out, n, "/survey?t=%s", t);
}

/*
 * The third attended session (the setting) asks each contact who agreed
 * once: one survey and one email for the parent's address (shared with
 * the guardian's), none for the others; later sessions ask nobody again.
 */
START_TEST(test_family_on_nth_attended)
{
	attend(5, "attended");
	attend(12, "did_not_attend");
	attend(19, "attended");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 0);
	attend(26, "attended");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE kind = "
	    "'family' AND referral_id = 1 AND contact_id = 1 AND to_addr = "
	    "'mere@example.org' AND answered_at IS NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM surveys"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE kind = "
	    "'family_survey' AND contact_id = 1 AND referral_id = 1 AND "
	    "to_addr = 'mere@example.org' AND to_name = 'Mere Ngata' AND "
	    "dedupe_key = 'survey:' || (SELECT id FROM surveys)"), 1);
	/* A missed session marked attended later: still asked once. */
	testlib_sql_exec(h->app.db, "UPDATE attendance SET status = "
	    "'attended' WHERE occ_date = '2026-01-12'");
	attend(30, "attended");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	/* A contact added later is asked at the next attended session. */
	testlib_sql_exec(h->app.db, "INSERT INTO contacts (id, referral_id, "
	    "name, email, role, consent, created_at) VALUES (7, 1, 'Aunt', "
	    "'aunt@example.org', 'family', 1, 'x')");
	attend(31, "attended");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE "
	    "contact_id = 7"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE kind = "
	    "'family_survey'"), 2);
}
END_TEST

/* The setting 0 turns the family survey off; the status update path. */
START_TEST(test_family_off_and_update)
{
	testlib_sql_exec(h->app.db, "UPDATE settings SET value = '0' WHERE "
	    "key = 'family_survey_after'");
	attend(5, "attended");
	attend(12, "attended");
	attend(19, "attended");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys"), 0);
	testlib_sql_exec(h->app.db, "UPDATE settings SET value = '4' WHERE "
	    "key = 'family_survey_after'");
	attend(26, "did_not_attend");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys"), 0);
	testlib_sql_exec(h->app.db, "UPDATE attendance SET status = "
	    "'attended' WHERE occ_date = '2026-01-26'");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE kind = "
	    "'family'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE kind = "
	    "'family_survey'"), 1);
}
END_TEST

/*
 * /survey: the question with the client's first name; a missing answer
 * is 422 with the comment kept; the answer is stored once; a second is
 * thanked and changes nothing; a forged link or the client's outcome
 * link is 404.
 */
START_TEST(test_family_answer_once)
{
	char path[96], body[256], loc[128], t[DB_OUTCOME_TOKEN_LEN];

	attend(5, "attended");
	attend(6, "attended");
	attend(7, "attended");
	link_of(1, path, sizeof(path));
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert(pages_says(h, "Has music therapy improved your relationship "
	    "with Zoe?"));
	ck_assert(pages_says(h, "I am not sure"));
	ck_assert(!pages_says(h, "name=\"q2\""));

	snprintf(body, sizeof(body), "t=%s&comment=She+sings+at+home",
	    path + 10);
	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/survey", body),
	    422);
	ck_assert(pages_says(h, "There is a problem"));
	ck_assert(pages_says(h, "href=\"#q1-agree\""));
	ck_assert(pages_says(h, ">She sings at home</textarea>"));
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE "
	    "answered_at IS NOT NULL"), 0);

	snprintf(body, sizeof(body), "t=%s&q1=agree&comment=She+sings+at+home",
	    path + 10);
	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/survey", body),
	    303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc + strlen(path), "&sent=1");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE id = 1 "
	    "AND q1 = 'agree' AND q2 IS NULL AND comment = 'She sings at home' "
	    "AND answered_at IS NOT NULL"), 1);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, loc), 200);
	ck_assert(pages_says(h, "Thank you"));

	snprintf(body, sizeof(body), "t=%s&q1=disagree", path + 10);
	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/survey", body),
	    200);
	ck_assert(pages_says(h, "You have already answered, thank you"));
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE id = 1 "
	    "AND q1 = 'agree'"), 1);

	/* Forged: one character changed; the outcome link of the client. */
	path[12] = path[12] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 404);
	ck_assert_int_eq(db_outcome_token(h->app.db, 1, t), 0);
	snprintf(path, sizeof(path), "/survey?t=%s", t);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 404);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, "/survey"), 404);
	/* And no survey link opens the outcome survey. */
	link_of(1, path, sizeof(path));
	snprintf(body, sizeof(body), "/outcome?t=%s", path + 10);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, body), 404);
}
END_TEST

/*
 * "Ask our staff for feedback" on /partner: the organisation's partner
 * users get one survey each, not again within 30 days; a coordinator can
 * ask from /sites; both questions must be answered; the answers reach
 * the impact report.
 */
START_TEST(test_partner_on_demand)
{
	struct db_impact *im = NULL;
	char path[96], body[256], loc[96];
	int64_t uid = h->user_id[ROLE_PARTNER];

	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/partner"), 200);
	ck_assert(pages_says(h, "Ask our staff for feedback"));
	ck_assert_int_eq(pages_post(h, ROLE_PARTNER, "/partner",
	    "action=survey"), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/partner?asked=1#feedback");
	snprintf(body, sizeof(body), "SELECT count(*) FROM surveys WHERE "
	    "kind = 'partner' AND organisation_id = 1 AND user_id = %lld AND "
	    "referral_id IS NULL", (long long)uid);
	ck_assert_int_eq(count(body), 1);
	snprintf(body, sizeof(body), "SELECT count(*) FROM outbox WHERE "
	    "kind = 'partner_survey' AND user_id = %lld AND referral_id IS "
	    "NULL AND dedupe_key = 'survey:1'", (long long)uid);
	ck_assert_int_eq(count(body), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'partner-survey'"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_PARTNER, "/partner?asked=1"), 200);
	ck_assert(pages_says(h, "We have emailed 1 member of your staff"));
	ck_assert(pages_says(h, "So far 1 asked and 0 answered"));

	/* Again at once: nobody is asked twice. */
	ck_assert_int_eq(pages_post(h, ROLE_PARTNER, "/partner",
	    "action=survey"), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/partner?asked=0#feedback");
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR,
	    "/organisations/1/survey", ""), 303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "/sites?asked=0&org=1#organisations");
	ck_assert_int_eq(count("SELECT count(*) FROM surveys"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/sites?asked=0&org=1"), 200);
	ck_assert(pages_says(h, "Nobody was asked again"));
	ck_assert(pages_says(h, "Staff survey: 1 asked, 0 answered."));
	/* A therapist may not. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST,
	    "/organisations/1/survey", ""), 403);

	/* Both questions, and the name of the organisation. */
	link_of(1, path, sizeof(path));
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert(pages_says(h, "Has music therapy enhanced staff skills and "
	    "understanding?"));
	ck_assert(pages_says(h, "changed the atmosphere of Greenway Academy "
	    "for the better?"));
	snprintf(body, sizeof(body), "t=%s&q1=agree", path + 10);
	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/survey", body),
	    422);
	ck_assert(pages_says(h, "Choose an answer to question 2"));
	snprintf(body, sizeof(body), "t=%s&q1=agree&q2=unsure&comment=Calmer",
	    path + 10);
	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/survey", body),
	    303);
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE q1 = "
	    "'agree' AND q2 = 'unsure' AND comment = 'Calmer'"), 1);
	ck_assert_int_eq(db_impact_load(h->app.db, 0, (int64_t)time(NULL) +
	    60, 12, &im), 0);
	ck_assert_int_eq(im->answered[IMPACT_SKILLS], 1);
	ck_assert_int_eq(im->agreed[IMPACT_SKILLS], 1);
	ck_assert_int_eq(im->answered[IMPACT_ATMOSPHERE], 1);
	ck_assert_int_eq(im->agreed[IMPACT_ATMOSPHERE], 0);
	ck_assert_int_eq(im->sent[IMPACT_SKILLS], 1);
	db_impact_free(im);
}
END_TEST

/*
 * The yearly round: only in the setting's month, only organisations with
 * sessions in the last year, not one asked in it.
 */
START_TEST(test_partner_tick)
{
	struct core_ctx ctx;
	struct tm tm;
	char sql[256];
	time_t now = time(NULL);

	testlib_ctx(h->app.db, &ctx);
	(void)gmtime_r(&now, &tm);
	snprintf(sql, sizeof(sql), "INSERT INTO settings (key, value) VALUES "
	    "('partner_survey_month', '%d')", tm.tm_mon == 0 ? 12 :
	    tm.tm_mon);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(core_surveys_tick(&ctx), 0);	/* not this month */
	snprintf(sql, sizeof(sql), "UPDATE settings SET value = '%d' WHERE "
	    "key = 'partner_survey_month'", tm.tm_mon + 1);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(core_surveys_tick(&ctx), 0);	/* no sessions */
	snprintf(sql, sizeof(sql), "INSERT INTO occurrences (series_id, "
	    "occ_date, start_utc, end_utc, therapist_id, site_id) VALUES (1, "
	    "'2026-01-05', %lld, %lld, 1, 3)", (long long)now - 86400,
	    (long long)now - 86400 + 2700);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(core_surveys_tick(&ctx), 1);
	ck_assert_int_eq(core_surveys_tick(&ctx), 0);	/* once a year */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE kind = "
	    "'partner_survey'"), 1);
}
END_TEST

/*
 * The client's export holds the family survey about them, the contact
 * named by role only; erasure empties its address and comment, keeps the
 * answer counted, and closes the link.
 */
START_TEST(test_family_privacy)
{
	struct buf out = BUF_INIT;
	struct db_erase_summary sum;
	char path[96], body[256];
	const char *s;

	attend(5, "attended");
	attend(6, "attended");
	attend(7, "attended");
	link_of(1, path, sizeof(path));
	snprintf(body, sizeof(body), "t=%s&q1=unsure&comment=Mere+says+hi",
	    path + 10);
	ck_assert_int_eq(pages_post(h, PAGES_SIGNED_OUT, "/survey", body),
	    303);
	ck_assert_int_eq(db_privacy_export(h->app.db, 1, &out), 1);
	s = buf_cstr(&out);
	ck_assert_ptr_nonnull(strstr(s, "\"family_surveys\": ["));
	ck_assert_ptr_nonnull(strstr(s, "\"to_whom\": \"parent\""));
	ck_assert_ptr_nonnull(strstr(s, "\"relationship_improved\": "
	    "\"unsure\""));
	ck_assert_ptr_nonnull(strstr(s, "\"comment\": \"Mere says hi\""));
	buf_free(&out);

	ck_assert_int_eq(db_privacy_erase(h->app.db, 1, "request", 0, "",
	    &sum), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE "
	    "to_addr LIKE '%mere%' OR comment != ''"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM surveys WHERE q1 = "
	    "'unsure' AND answered_at IS NOT NULL"), 1);
	link_of(1, path, sizeof(path));
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert(pages_says(h, "You have already answered"));
}
END_TEST

/* An unanswered invitation of an erased client, or an unsubscribed
 * contact, is closed: 404, and its email is dropped (db_survey_get). */
START_TEST(test_family_closed)
{
	struct db_survey s;
	struct db_erase_summary sum;
	char path[96];

	attend(5, "attended");
	attend(6, "attended");
	attend(7, "attended");
	link_of(1, path, sizeof(path));
	testlib_sql_exec(h->app.db, "UPDATE contacts SET unsubscribed_at = "
	    "'x' WHERE id = 1");
	ck_assert_int_eq(db_survey_get(h->app.db, 1, &s), 1);
	ck_assert(s.gone);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 404);
	testlib_sql_exec(h->app.db, "UPDATE contacts SET unsubscribed_at = "
	    "NULL WHERE id = 1");
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert_int_eq(db_privacy_erase(h->app.db, 1, "request", 0, "",
	    &sum), DB_OK);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 404);
	ck_assert_int_eq(db_survey_answer(h->app.db, 1, "agree", NULL, ""),
	    OUTCOME_GONE);
}
END_TEST

static Suite *
survey_suite(void)
{
	Suite *s = suite_create("survey");
	TCase *tc;

	tc = tcase_create("family");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_family_on_nth_attended);
	tcase_add_test(tc, test_family_off_and_update);
	tcase_add_test(tc, test_family_answer_once);
	tcase_add_test(tc, test_family_privacy);
	tcase_add_test(tc, test_family_closed);
	suite_add_tcase(s, tc);

	tc = tcase_create("partner");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_partner_on_demand);
	tcase_add_test(tc, test_partner_tick);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(survey_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

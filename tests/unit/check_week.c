/*
 * Unit tests for the coordinator's week (GET /schedule, cgi/page_week.c
 * and db/week.c), in process through the router on a :memory: database
 * with the real migrations: twelve therapists, each with a group session
 * this week; leave and a closure; rooms and sites as rows; one day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "db/db.h"
#include "db/feeds.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "tests/unit/testlib.h"
#include "util/buf.h"
#include "util/calendar.h"

#define THERAPISTS	12

static struct pages *h;
static char today[11];

/* Inserts therapist k (1..), their group and a session now + k minutes. */
static void
therapist_add(int k, time_t now)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO therapists (id, name, max_hours, max_caseload) "
	    "VALUES (%d, 'Therapist %02d', 20, 10);"
	    "INSERT INTO groups (id, name, therapist_id, site_id, capacity) "
	    "VALUES (%d, 'Choir %02d', %d, 1, 8);"
	    "INSERT INTO series (id, uid, therapist_id, group_id, site_id, "
	    "room_id, first_date, start_local, length_min, created_at, "
	    "updated_at) VALUES (%d, 'u%d@x', %d, %d, 1, 1, '%s', '10:00', 45, "
	    "'', '');"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc, "
	    "therapist_id, room_id, site_id, state) VALUES (%d, '%s', %lld, "
	    "%lld, %d, 1, 1, '%s')",
	    k, k, k, k, k, k, k, k, k, today, k, today,
	    (long long)now + k * 60, (long long)now + k * 60 + 2700, k,
	    k == 2 ? "cancelled" : "booked");
	testlib_sql_exec(h->app.db, sql);
}

static void
setup(void)
{
	time_t now = time(NULL);
	int k;

	h = pages_new();
	(void)ical_utc_to_local(h->app.tz, now, today, NULL, NULL);
	testlib_sql_exec(h->app.db,
	    "INSERT INTO sites (id, name, kind, address, postcode, step_free)"
	    " VALUES (1, 'Our centre', 'own_centre', '1 High St', 'SW1A 1AA',"
	    " 1), (2, 'Park Hall', 'community_venue', '2 Park Rd',"
	    " 'SW1A 2AA', 0);"
	    "INSERT INTO rooms (id, site_id, name) VALUES (1, 1, 'Blue room'),"
	    " (2, 2, 'Hall')");
	for (k = 1; k <= THERAPISTS; k++)
		therapist_add(k, now);
}

static void
teardown(void)
{
	pages_free(h);
	h = NULL;
}

START_TEST(test_week_every_therapist)
{
	char name[32];
	int k;

	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "Schedule: week of"));
	for (k = 1; k <= THERAPISTS; k++) {
		snprintf(name, sizeof(name), "Therapist %02d</a>", k);
		ck_assert_msg(pages_says(h, name), "no row for %s", name);
		snprintf(name, sizeof(name), "Choir %02d (0)", k);
		ck_assert_msg(pages_says(h, name), "no card for %s", name);
	}
	ck_assert(pages_says(h, "0 h 45 of 20 h"));
	ck_assert(pages_says(h, "0 of 10 clients"));
	ck_assert(pages_says(h, "class=\"card cancelled\""));
	ck_assert(pages_says(h, "<span class=\"state\">Cancelled</span>"));
	ck_assert(pages_says(h, "href=\"/series/3\""));
	ck_assert_int_eq(pages_get(h, ROLE_THERAPIST, "/schedule"), 403);
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/schedule"), 200);
}
END_TEST

START_TEST(test_week_leave_and_closure)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO therapist_leave (therapist_id,"
	    " first_day, last_day, reason) VALUES (3, '%s', '%s', 'Flu');"
	    "INSERT INTO site_closures (site_id, first_day, last_day, reason) "
	    "VALUES (1, '%s', '%s', 'Boiler')", today, today, today, today);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "<span class=\"away-label\">On leave</span>"));
	ck_assert(pages_says(h, "Needs a decision"));
	/* The sessions to decide on are listed above the grid, from the
	 * leave and closures themselves. */
	ck_assert(pages_says(h, "Sessions that leave or a closure falls on"));
	ck_assert(pages_says(h, "the site is closed: Boiler"));
	/* Booked time counts what is not cancelled: Therapist 02's one
	 * session is. */
	ck_assert(pages_says(h, "Therapist 02</a><span class=\"use\">0 h of "
	    "20 h"));
	/* The reason for leave is not on the grid (it may be health). */
	ck_assert(!pages_says(h, "Flu"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule?by=site"),
	    200);
	ck_assert(pages_says(h, "<span class=\"away-label\">Closed</span>"));
	ck_assert(pages_says(h, "Park Hall</a>"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule?by=room"),
	    200);
	ck_assert(pages_says(h, "Blue room, Our centre</a>"));
	ck_assert(pages_says(h, "<span class=\"away-label\">Closed</span>"));
}
END_TEST

START_TEST(test_week_day_and_site)
{
	char path[64];

	snprintf(path, sizeof(path), "/schedule?day=%s", today);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "Choir 12 (0)"));
	ck_assert(pages_says(h, "Whole week"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/schedule?by=room&site=2"), 200);
	ck_assert(pages_says(h, "Hall, Park Hall"));
	ck_assert(!pages_says(h, "Blue room"));
	ck_assert(!pages_says(h, "Choir 01"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/schedule?by=nonsense&week=2026-13-45"), 200);
}
END_TEST

/* ---- online sessions: the video call link ---- */

/*
 * Books a client, Ada Lovelace (referral 100, client 50, series 50),
 * with therapist 1 at site, in room (0: none), at t.
 */
static void
ada_series_add(int site, int room, time_t t)
{
	char sql[1600];
	char date[11];

	(void)ical_utc_to_local(h->app.tz, t, date, NULL, NULL);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO referrals (id, ref, status, given_name, family_name, "
	    "email, postcode, date_of_birth, preferred_contact, session_type, "
	    "consent_data, consent_contact, created_at, updated_at) VALUES "
	    "(100, 'ABCD-EFGH', 'active', 'Ada', 'Lovelace', 'ada@example.org',"
	    " 'SW1A 1AA', '1980-01-01', 'email', 'individual', 1, 1, '', '');"
	    "INSERT INTO clients (id, referral_id, therapist_id, started_at) "
	    "VALUES (50, 100, 1, '');"
	    "INSERT INTO series (id, uid, therapist_id, client_id, site_id, "
	    "room_id, first_date, start_local, length_min, created_at, "
	    "updated_at) VALUES (50, 'online@x', 1, 50, %d, nullif(%d, 0), "
	    "'%s', '10:00', 45, '', '');"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc, "
	    "therapist_id, room_id, site_id) VALUES (50, '%s', %lld, %lld, 1, "
	    "nullif(%d, 0), %d)",
	    site, room, date, date, (long long)t, (long long)t + 2700, room,
	    site);
	testlib_sql_exec(h->app.db, sql);
}

/* Books a client (referral 100) with therapist 1 at the online site. */
static void
online_series_add(void)
{
	testlib_sql_exec(h->app.db, "INSERT INTO sites (id, name, kind) "
	    "VALUES (3, 'Online', 'online')");
	ada_series_add(3, 0, time(NULL) + 2 * 86400);
}

START_TEST(test_week_video_link)
{
	static const char url[] = "https://meet.example.org/r/ada-1?pwd=x";
	unsigned char key[MAIL_LINK_KEY_LEN];
	char token[MAIL_LINK_TOKEN_LEN], path[160], *got;
	struct db_feed_data *fd = NULL;
	struct ical_feed_opts o;
	struct buf b;

	online_series_add();
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/series/50"), 200);
	ck_assert(pages_says(h, "<h2 id=\"h-video\">Video call link</h2>"));
	/* Not https: refused, the typing kept, nothing stored. */
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50",
	    "action=video&video_url=http%3A%2F%2Fmeet.example.org%2Fr"), 422);
	ck_assert(pages_says(h, "href=\"#v-video-url\""));
	ck_assert(pages_says(h, "Enter the video call&#39;s web address"));
	ck_assert(pages_says(h, "value=\"http://meet.example.org/r\""));
	got = testlib_sql_text(h->app.db, "SELECT video_url FROM series "
	    "WHERE id = 50");
	ck_assert_str_eq(got, "");
	free(got);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50",
	    "action=video&video_url=javascript%3Aalert(1)"), 422);
	/* A therapist may not set it. */
	ck_assert_int_eq(pages_post(h, ROLE_THERAPIST, "/series/50",
	    "action=video&video_url=https%3A%2F%2Fmeet.example.org%2Fr"), 403);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50",
	    "action=video&video_url=https%3A%2F%2Fmeet.example.org%2Fr%2F"
	    "ada-1%3Fpwd%3Dx"), 303);
	got = testlib_sql_text(h->app.db, "SELECT video_url FROM series "
	    "WHERE id = 50");
	ck_assert_str_eq(got, url);
	free(got);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "audit WHERE action = 'video link set'"), 1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR,
	    "/series/50?done=video"), 200);
	ck_assert(pages_says(h, "The video call link is saved."));
	ck_assert(pages_says(h, "https://meet.example.org/r/ada-1?pwd=x"));

	/* The client's own page shows it. */
	ck_assert_int_eq(mail_link_key(h->app.db, key), 0);
	ck_assert_int_eq(mail_my_token(h->app.db, key, 100, token), 0);
	snprintf(path, sizeof(path), "/my?t=%s", token);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert(pages_says(h, "<a href=\"https://meet.example.org/r/ada-1?"
	    "pwd=x\">Join the video call"));

	/* The therapist's calendar feed never carries it. */
	memset(&o, 0, sizeof(o));
	o.base_url = "https://tutti.example";
	buf_init(&b);
	ck_assert_int_eq(db_feed_data_load(h->app.db, FEED_THERAPIST, 1,
	    time(NULL), &fd), 1);
	ck_assert_int_eq(ical_feed_build(fd, &o, &b, path, sizeof(path)), 0);
	db_feed_data_free(fd);
	ck_assert(strstr(buf_cstr(&b), "online@x") != NULL);
	ck_assert(strstr(buf_cstr(&b), "meet.example.org") == NULL);
	buf_free(&b);

	/* Emptied, it is gone. */
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50",
	    "action=video&video_url="), 303);
	ck_assert_int_eq(pages_get(h, PAGES_SIGNED_OUT, path), 200);
	ck_assert(!pages_says(h, "Join the video call"));
}
END_TEST

/* After a change, the banner says what will be sent to whom and when,
 * with Undo while the notice waits; once it has gone, Undo is gone. */
START_TEST(test_week_change_banner)
{
	char date[11], body[160], loc[128], want[64];
	char *d;

	online_series_add();
	d = testlib_sql_text(h->app.db, "SELECT occ_date FROM occurrences "
	    "WHERE series_id = 50");
	snprintf(date, sizeof(date), "%s", d);
	free(d);
	h->app.grace_s = 600;
	snprintf(body, sizeof(body), "action=cancel&date=%s&by=service&"
	    "reason=Boiler", date);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50", body),
	    303);
	ck_assert_int_eq(pages_header(h, "Location", loc, sizeof(loc)), 0);
	snprintf(want, sizeof(want), "/series/50?done=cancelled&date=%s",
	    date);
	ck_assert_str_eq(loc, want);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, loc), 200);
	ck_assert(pages_says(h, "What will be sent"));
	ck_assert(pages_says(h, "The cancellation notice to Ada "
	    "(ada@example.org), at "));
	ck_assert(pages_says(h, "(in 10 minutes)"));
	ck_assert(pages_says(h, "Undo the cancellation</button>"));
	/* Undo: the session is back and the notice never goes. */
	snprintf(body, sizeof(body), "action=reinstate&date=%s", date);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50", body),
	    303);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "outbox WHERE kind = 'session_cancelled' AND status = 'queued'"),
	    0);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "outbox WHERE kind = 'session_cancelled' AND status = "
	    "'dropped'"), 1);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "occurrences WHERE series_id = 50 AND state = 'cancelled'"), 0);
	/* Cancelled again, and the notice has gone: no Undo. */
	snprintf(body, sizeof(body), "action=cancel&date=%s&by=service&"
	    "reason=Boiler", date);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/50", body),
	    303);
	testlib_sql_exec(h->app.db, "UPDATE outbox SET status = 'sent' WHERE "
	    "kind = 'session_cancelled' AND status = 'queued'");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, loc), 200);
	ck_assert(!pages_says(h, "Undo the cancellation</button>"));
	ck_assert(pages_says(h, "No email is waiting to go about this "
	    "change"));
}
END_TEST

/*
 * The week's body is kept by the worker (issue 17): asked for again, it
 * is found, not built, with each viewer's own name and CSRF token around
 * it; and every write shows on the next request: a cancellation, leave,
 * a booking.
 */
START_TEST(test_week_kept_until_a_write)
{
	uint64_t found0, kept0, found, kept;
	struct buf first = BUF_INIT;
	char body[256], next[11], path[64];
	int wd;

	testlib_sql_exec(h->app.db, "WITH RECURSIVE n(d) AS (SELECT 0 UNION "
	    "ALL SELECT d + 1 FROM n WHERE d < 6) INSERT INTO site_hours "
	    "(site_id, day, start_min, end_min) SELECT 1, d, 540, 1020 "
	    "FROM n; INSERT INTO therapist_availability (therapist_id, "
	    "site_id, day, start_min, end_min) SELECT 1, site_id, day, "
	    "start_min, end_min FROM site_hours");
	/* Both signed in first: a new session is a write too. */
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/me"), 200);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/me"), 200);
	app_part_counts(&found0, &kept0);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	buf_puts(&first, pages_body(h));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	app_part_counts(&found, &kept);
	ck_assert_uint_eq(kept, kept0 + 1);
	ck_assert_uint_eq(found, found0 + 1);
	ck_assert_str_eq(pages_body(h), buf_cstr(&first));
	buf_free(&first);
	/* Another viewer: the same body, their own header and token. */
	ck_assert_int_eq(pages_get(h, ROLE_ADMIN, "/schedule"), 200);
	app_part_counts(&found, &kept);
	ck_assert_uint_eq(found, found0 + 2);
	ck_assert(pages_says(h, h->csrf[ROLE_ADMIN]));
	ck_assert(!pages_says(h, h->csrf[ROLE_COORDINATOR]));
	ck_assert(pages_says(h, "(Administrator)</span>"));
	ck_assert(pages_says(h, "Choir 05 (0)"));

	/* A cancellation. */
	ck_assert(!pages_says(h, "<a class=\"card cancelled\" "
	    "href=\"/series/5\">"));
	snprintf(body, sizeof(body), "action=cancel&date=%s&by=service&"
	    "reason=Snow", today);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/5", body),
	    303);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "<a class=\"card cancelled\" "
	    "href=\"/series/5\">"));
	app_part_counts(&found, &kept);
	ck_assert_uint_eq(found, found0 + 2);
	ck_assert_uint_eq(kept, kept0 + 2);

	/* Leave. */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(!pages_says(h, "On leave"));
	snprintf(body, sizeof(body), "action=leave_add&first_day=%s&"
	    "last_day=%s&reason=Flu", today, today);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/therapists/4",
	    body), 303);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "<span class=\"away-label\">On leave</span>"));
	ck_assert(pages_says(h, "Needs a decision"));

	/* A booking, on next week's Tuesday. */
	(void)ical_utc_to_local(h->app.tz, time(NULL), NULL, NULL, &wd);
	ck_assert_int_eq(calendar_date_add(today, 8 - wd, next), 0);
	snprintf(path, sizeof(path), "/schedule?week=%s", next);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(!pages_says(h, "Choir 01 (0)"));
	snprintf(body, sizeof(body), "group=1&therapist=1&site=1&room=1&"
	    "first_date=%s&start=11:00&length=45&end=count&count=1", next);
	ck_assert_int_eq(pages_post(h, ROLE_COORDINATOR, "/series/new",
	    body), 303);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, path), 200);
	ck_assert(pages_says(h, "Choir 01 (0)"));
	app_part_counts(&found, &kept);
	ck_assert_uint_eq(found, found0 + 4);
	ck_assert_uint_eq(kept, kept0 + 5);
}
END_TEST

/*
 * A kept week is not shown past the time it would change by itself:
 * a session that leave falls on needs a decision only until it is over.
 */
START_TEST(test_week_kept_until_over)
{
	uint64_t found0, kept0, found, kept;
	time_t now = time(NULL);
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE occurrences SET start_utc = %lld, "
	    "end_utc = %lld WHERE series_id = 3; INSERT INTO therapist_leave "
	    "(therapist_id, first_day, last_day) VALUES (3, '%s', '%s')",
	    (long long)now - 60, (long long)now + 2, today, today);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/me"), 200);
	app_part_counts(&found0, &kept0);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "Needs a decision"));
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(pages_says(h, "Needs a decision"));
	app_part_counts(&found, &kept);
	ck_assert_uint_eq(found, found0 + 1);
	while (time(NULL) < now + 3)
		(void)sleep(1);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	ck_assert(!pages_says(h, "Needs a decision"));
	ck_assert(pages_says(h, "<span class=\"away-label\">On leave</span>"));
	app_part_counts(&found, &kept);
	ck_assert_uint_eq(found, found0 + 1);
	ck_assert_uint_eq(kept, kept0 + 2);
}
END_TEST

/* GET /schedule, which shows the week; the worker's builds (kept). */
static uint64_t
week_view(void)
{
	uint64_t found, kept;

	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/schedule"), 200);
	app_part_counts(&found, &kept);
	return kept;
}

/*
 * A record change by sql shows on the next view, built again: the page
 * said was and not now, then now and not was (NULL: not looked for).
 */
static void
week_shows(const char *sql, const char *was, const char *now)
{
	uint64_t kept = week_view();

	ck_assert_msg(was == NULL || pages_says(h, was), "not there before: "
	    "%s", was);
	ck_assert_msg(now == NULL || !pages_says(h, now), "there before: %s",
	    now);
	testlib_sql_exec(h->app.db, sql);
	ck_assert_uint_eq(week_view(), kept + 1);
	ck_assert_msg(now == NULL || pages_says(h, now), "%s: not shown: %s",
	    sql, now);
	ck_assert_msg(was == NULL || !pages_says(h, was), "%s: still shown: "
	    "%s", sql, was);
}

/*
 * Issue 21: the kept week outlives the writes that change no record,
 * which a working service makes on nearly every request (migration
 * 042): a view of the queue or a referral (their audit lines), the
 * mailer marking an email sent, a sign-in touched, a form's rate limit,
 * a failed sign-in, a feed built.  And every change to what the week
 * shows is there on the next view: a session, a series, leave, a
 * closure, a therapist's name, a referral, a group member.
 */
START_TEST(test_week_kept_across_logs)
{
	static const char *const logs[] = {
		"UPDATE outbox SET status = 'sent', sent_at = 'x'",
		"UPDATE sessions SET last_seen = last_seen + 60",
		"INSERT INTO rate_hits (key, hits, first_at) VALUES ('a', 1, 1)",
		"INSERT INTO login_failures (key, failures, first_at, last_at) "
		"VALUES ('u:x', 1, 1, 1)",
		"INSERT INTO mail_pause (id, since, reason) VALUES (1, 'x', 'y')",
		"INSERT INTO feeds (kind, owner_id, token_hash, created_at) "
		"VALUES ('therapist', 1, x'01', 'x')",
	};
	uint64_t kept;
	char sql[1024];
	int64_t audits;
	size_t i;

	ada_series_add(1, 1, time(NULL) + 1800);
	testlib_sql_exec(h->app.db, "INSERT INTO outbox (dedupe_key, kind, "
	    "to_addr, to_name, referral_id, message_id, not_before, "
	    "created_at) VALUES ('k', 'booking_confirmation', "
	    "'ada@example.org', 'Ada', 100, 'm', 'x', 'x')");
	/* Signed in first; the first view builds it, the next finds it. */
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/me"), 200);
	kept = week_view();
	ck_assert(pages_says(h, "AL ABCD-EFGH"));
	ck_assert_uint_eq(week_view(), kept);

	/* The audit lines of views. */
	audits = testlib_sql_int(h->app.db, "SELECT count(*) FROM audit");
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals"), 200);
	ck_assert_uint_eq(week_view(), kept);
	ck_assert_int_eq(pages_get(h, ROLE_COORDINATOR, "/referrals/100"),
	    200);
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "audit"), audits + 2);
	ck_assert_uint_eq(week_view(), kept);
	/* The other logs, each written as pages and the mailer go. */
	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		testlib_sql_exec(h->app.db, logs[i]);
		ck_assert_msg(week_view() == kept, "built again after %s",
		    logs[i]);
	}
	ck_assert_int_eq(testlib_sql_int(h->app.db, "SELECT count(*) FROM "
	    "outbox WHERE status = 'sent'"), 1);

	/* What the week shows, each change on the next view. */
	week_shows("UPDATE occurrences SET state = 'cancelled' WHERE "
	    "series_id = 50", "<a class=\"card\" href=\"/series/50\">",
	    "<a class=\"card cancelled\" href=\"/series/50\">");
	/* Series 5 handed to group 6: its card names that group. */
	week_shows("UPDATE series SET group_id = 6 WHERE id = 5",
	    "Choir 05 (0)", NULL);
	snprintf(sql, sizeof(sql), "INSERT INTO therapist_leave "
	    "(therapist_id, first_day, last_day) VALUES (3, '%s', '%s')",
	    today, today);
	week_shows(sql, NULL, "<span class=\"away-label\">On leave</span>");
	snprintf(sql, sizeof(sql), "INSERT INTO site_closures (site_id, "
	    "first_day, last_day, reason) VALUES (1, '%s', '%s', 'Boiler')",
	    today, today);
	week_shows(sql, NULL, "the site is closed: Boiler");
	week_shows("UPDATE therapists SET name = 'Therapist Seven' WHERE "
	    "id = 7", "Therapist 07</a>", "Therapist Seven</a>");
	week_shows("UPDATE referrals SET given_name = 'Bea' WHERE id = 100",
	    "AL ABCD-EFGH", "BL ABCD-EFGH");
	week_shows("INSERT INTO group_members (group_id, client_id, "
	    "joined_at) VALUES (4, 50, 'x')", "Choir 04 (0)", "Choir 04 (1)");
}
END_TEST

/* The kept parts' own rules: a key, a time, a change, room for few. */
START_TEST(test_week_part_rules)
{
	const struct buf *got;
	struct buf b = BUF_INIT;
	char key[32];
	int k;

	buf_puts(&b, "<p>kept</p>");
	ck_assert_int_eq(app_part_find(&h->app, "a", 100, &got), 0);
	ck_assert_int_eq(app_part_keep("a", 100, 200, &b), 0);
	ck_assert_int_eq(app_part_find(&h->app, "a", 199, &got), 1);
	ck_assert_str_eq(buf_cstr((struct buf *)got), "<p>kept</p>");
	ck_assert_int_eq(app_part_find(&h->app, "b", 199, &got), 0);
	/* Past its time: gone. */
	ck_assert_int_eq(app_part_find(&h->app, "a", 200, &got), 0);
	ck_assert_int_eq(app_part_find(&h->app, "a", 150, &got), 0);
	ck_assert_int_eq(app_part_keep("a", 100, 100, &b), -1);
	/* Any write drops it. */
	ck_assert_int_eq(app_part_keep("a", 100, 200, &b), 0);
	testlib_sql_exec(h->app.db, "UPDATE sites SET name = name");
	ck_assert_int_eq(app_part_find(&h->app, "a", 150, &got), 0);
	/* At most APP_PARTS: the least recently used goes. */
	for (k = 0; k < APP_PARTS; k++) {
		snprintf(key, sizeof(key), "k%d", k);
		ck_assert_int_eq(app_part_keep(key, 100, 200, &b), 0);
	}
	ck_assert_int_eq(app_part_find(&h->app, "k0", 150, &got), 1);
	ck_assert_int_eq(app_part_keep("new", 100, 200, &b), 0);
	ck_assert_int_eq(app_part_find(&h->app, "k1", 150, &got), 0);
	ck_assert_int_eq(app_part_find(&h->app, "k0", 150, &got), 1);
	ck_assert_int_eq(app_part_find(&h->app, "new", 150, &got), 1);
	buf_free(&b);
}
END_TEST

/* Figures kept (app_figures_keep): how many were freed, and by whom. */
static int figures_freed;

static void
figures_free(void *v)
{
	figures_freed++;
	free(v);
}

/* The kept figures' rules: a part's, and freed once, when they go. */
START_TEST(test_week_figures_rules)
{
	const struct buf *part;
	const void *got;
	struct buf b = BUF_INIT;
	int *f, *g;
	int k;

	figures_freed = 0;
	f = xcalloc(1, sizeof(*f));
	ck_assert_int_eq(app_figures_find(&h->app, "f", 100, &got), 0);
	ck_assert_int_eq(app_figures_keep("f", 100, 200, f, sizeof(*f),
	    figures_free), 0);
	ck_assert_int_eq(app_figures_find(&h->app, "f", 150, &got), 1);
	ck_assert_ptr_eq(got, f);
	/* A part's find never returns figures, nor the other way round. */
	ck_assert_int_eq(app_part_find(&h->app, "f", 150, &part), 0);
	buf_puts(&b, "<p>kept</p>");
	ck_assert_int_eq(app_part_keep("p", 100, 200, &b), 0);
	ck_assert_int_eq(app_figures_find(&h->app, "p", 150, &got), 0);
	ck_assert_int_eq(app_part_find(&h->app, "p", 150, &part), 1);
	ck_assert_int_eq(figures_freed, 0);
	/* Kept again under the key: the old ones are freed. */
	g = xcalloc(1, sizeof(*g));
	ck_assert_int_eq(app_figures_keep("f", 100, 200, g, sizeof(*g),
	    figures_free), 0);
	ck_assert_int_eq(figures_freed, 1);
	/* Past their time: freed, gone. */
	ck_assert_int_eq(app_figures_find(&h->app, "f", 200, &got), 0);
	ck_assert_int_eq(figures_freed, 2);
	/* A write drops them. */
	f = xcalloc(1, sizeof(*f));
	ck_assert_int_eq(app_figures_keep("f", 100, 200, f, sizeof(*f),
	    figures_free), 0);
	testlib_sql_exec(h->app.db, "UPDATE sites SET name = name");
	ck_assert_int_eq(app_figures_find(&h->app, "f", 150, &got), 0);
	ck_assert_int_eq(figures_freed, 3);
	/* Too large, or past: not kept, still the caller's. */
	f = xcalloc(1, sizeof(*f));
	ck_assert_int_eq(app_figures_keep("f", 100, 200, f,
	    APP_PARTS_BYTES + 1, figures_free), -1);
	ck_assert_int_eq(app_figures_keep("f", 100, 100, f, sizeof(*f),
	    figures_free), -1);
	ck_assert_int_eq(figures_freed, 3);
	/* Their bytes count: the least recently used go to make room. */
	ck_assert_int_eq(app_figures_keep("big", 100, 200, f,
	    APP_PARTS_BYTES / 2 + 1, figures_free), 0);
	g = xcalloc(1, sizeof(*g));
	ck_assert_int_eq(app_figures_keep("big2", 100, 200, g,
	    APP_PARTS_BYTES / 2 + 1, figures_free), 0);
	ck_assert_int_eq(figures_freed, 4);
	ck_assert_int_eq(app_figures_find(&h->app, "big", 150, &got), 0);
	ck_assert_int_eq(app_figures_find(&h->app, "big2", 150, &got), 1);
	/* And their slots: as many as APP_PARTS, parts and figures. */
	for (k = 0; k < APP_PARTS; k++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", k);
		ck_assert_int_eq(app_part_keep(key, 100, 200, &b), 0);
	}
	ck_assert_int_eq(app_figures_find(&h->app, "big2", 150, &got), 0);
	ck_assert_int_eq(figures_freed, 5);
	buf_free(&b);
}
END_TEST

static Suite *
week_suite(void)
{
	Suite *s = suite_create("week");
	TCase *tc = tcase_create("schedule");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_week_every_therapist);
	tcase_add_test(tc, test_week_leave_and_closure);
	tcase_add_test(tc, test_week_day_and_site);
	tcase_add_test(tc, test_week_video_link);
	tcase_add_test(tc, test_week_change_banner);
	tcase_add_test(tc, test_week_kept_until_a_write);
	tcase_add_test(tc, test_week_kept_across_logs);
	tcase_add_test(tc, test_week_part_rules);
	tcase_add_test(tc, test_week_figures_rules);
	tcase_add_test(tc, test_week_kept_until_over);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(week_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

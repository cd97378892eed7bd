/*
 * Unit tests for the calendar feeds (db/feeds.c, ical/feed.c,
 * ical/event.c) and invitations (ical/invite.c).  Each test runs the
 * real migrations on a fresh database file.  Every feed is parsed back
 * with libical and expanded as a calendar app would (the rule, less its
 * EXDATEs, each RECURRENCE-ID override in place of its session, with the
 * feed's own VTIMEZONE), and the sessions must be exactly those
 * expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <libical/ical.h>
#include <sqlite3.h>

#include "core/booking.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/feeds.h"
#include "db/schedule.h"
#include "db/week.h"
#include "ical/ical.h"
#include "util/buf.h"
#include "tests/unit/testlib.h"

#define TZ	"Europe/London"
#define MAXOCC	1024

/* Bookings store their sessions up to here (db/schedule.h). */
static time_t horizon;

static char path[64];
static struct db *db;

/* Thea (1) and Ravi (2) work weekdays 09-17 at site 1 (rooms 1, 2) and
 * the online site 2; three clients and a group. */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'c@x.org', 'Cora', 'coordinator', '2026-01-01T00:00:00Z');"
    "INSERT INTO sites (id, name, kind, address, postcode) VALUES "
    " (1, 'Centre', 'own_centre', '12 Pratt Street, London', 'NW1 0AB'),"
    " (2, 'Online', 'online', '', '');"
    "INSERT INTO rooms (id, site_id, name, capacity) VALUES"
    " (1, 1, 'Blue', 2), (2, 1, 'Green', 8);"
    "INSERT INTO therapists (id, name) VALUES (1, 'Thea'), (2, 'Ravi');"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO site_hours (site_id, day, start_min, end_min)"
    " SELECT 1, n, 480, 1080 FROM d;"
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d "
    " WHERE n < 4) INSERT INTO therapist_availability (therapist_id, "
    " site_id, day, start_min, end_min) SELECT t, s, n, 540, 1020 FROM d, "
    " (SELECT 1 AS t UNION SELECT 2), (SELECT 1 AS s UNION SELECT 2);"
    "INSERT INTO referrals (id, ref, given_name, family_name, email, "
    " postcode, date_of_birth, preferred_contact, session_type, about, "
    " needs, consent_data, consent_contact, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'Ann', 'Archer', 'ann@x.org', 'N1 1AA', "
    "  '1980-01-01', 'email', 'either', 'My depression is worse.', 4, 1, 1,"
    "  'x', 'x'),"
    " (2, 'BBBB-BBBB', 'Bob', 'Baker', '', 'N1 1AA', '1980-01-01', 'phone', "
    "  'either', 'Since my stroke.', 8, 1, 0, 'x', 'x'),"
    " (3, 'CCCC-CCCC', 'Cat', 'Cole', 'cat@x.org', 'N1 1AA', '1980-01-01', "
    "  'email', 'either', '', 0, 1, 1, 'x', 'x');"
    "INSERT INTO clients (id, referral_id, therapist_id, started_at) VALUES"
    " (1, 1, 1, 'x'), (2, 2, 2, 'x'), (3, 3, 1, 'x');"
    "INSERT INTO groups (id, name, therapist_id, site_id) VALUES "
    " (1, 'Tuesday singers', 1, 1);"
    "INSERT INTO group_members (group_id, client_id, joined_at) VALUES "
    " (1, 2, 'x'), (1, 3, 'x');";

static void
setup(void)
{
	char err[256];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_feed.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	db = db_open(path, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_exec(db->conn, fixture, NULL, NULL, NULL),
	    SQLITE_OK);
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

/* The date of the Monday (local) weeks + 1 weeks from now. */
static void
next_monday(int weeks, char out[11])
{
	time_t t = time(NULL) + (time_t)(7 + 7 * weeks) * 86400;
	int wd;

	(void)ical_utc_to_local(TZ, t, NULL, NULL, &wd);
	t -= (time_t)wd * 86400;
	(void)ical_utc_to_local(TZ, t, out, NULL, NULL);
}

/* Adds days to a YYYY-MM-DD date. */
static void
date_add(const char *date, int days, char out[11])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	ck_assert_int_eq(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm) + (time_t)days * 86400;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Books a weekly series through db_series_book; returns its id. */
static int64_t
book(int64_t therapist, int64_t client, int64_t group, int64_t site,
    int64_t room, const char *date, const char *hhmm, int count,
    const char *until)
{
	struct ical_series_rule r = { TZ, date, hhmm, 45, count, until, NULL };
	struct db_series_new s;
	struct db_occ *occ;
	size_t nocc;
	char uid[80], clash[512];
	int64_t id = 0;

	ck_assert_int_eq(core_booking_occurrences(TZ, &r, horizon, &occ, &nocc),
	    0);
	memset(&s, 0, sizeof(s));
	s.therapist_id = therapist;
	s.client_id = client;
	s.group_id = group;
	s.site_id = site;
	s.room_id = room;
	s.tz = TZ;
	s.first_date = date;
	s.start_local = hhmm;
	s.length_min = 45;
	s.count = count;
	s.until_date = until;
	s.created_by = 1;
	core_booking_uid("test", uid, sizeof(uid));
	ck_assert_int_eq(db_series_book(db, &s, occ, nocc, uid, "test", &id,
	    clash, sizeof(clash)), DB_OK);
	free(occ);
	return id;
}

/* Stores a series directly (for dates in the past, names, states). */
static void
put_series(int64_t id, int64_t therapist, int64_t client, int64_t site,
    int64_t room, const char *first, const char *start, int count,
    const char *until, const char *status, const char *ended_from,
    const char *updated_at)
{
	static const char sql[] = "INSERT INTO series (id, uid, therapist_id, "
	    "client_id, site_id, room_id, tz, first_date, start_local, "
	    "length_min, count, until_date, status, ended_from, sequence, "
	    "created_at, updated_at) VALUES (?1, 'uid-' || ?1 || '@test', ?2, "
	    "?3, ?4, ?5, 'Europe/London', ?6, ?7, 45, ?8, ?9, ?10, ?11, 0, "
	    "'2026-01-01T00:00:00Z', ?12)";
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, therapist);
	sqlite3_bind_int64(st, 3, client);
	sqlite3_bind_int64(st, 4, site);
	if (room > 0)
		sqlite3_bind_int64(st, 5, room);
	sqlite3_bind_text(st, 6, first, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, start, -1, SQLITE_STATIC);
	if (count > 0)
		sqlite3_bind_int(st, 8, count);
	if (until != NULL)
		sqlite3_bind_text(st, 9, until, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, status, -1, SQLITE_STATIC);
	if (ended_from != NULL)
		sqlite3_bind_text(st, 11, ended_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, updated_at, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static const struct ical_feed_opts opts = {
	"https://tutti.example", "Europe/London", 0, 60
};

/* Builds the feed of kind/owner into b (reset first). */
static void
build(enum db_feed_kind kind, int64_t owner, const struct ical_feed_opts *o,
    struct buf *b)
{
	struct db_feed_data *d = NULL;
	char err[256];

	buf_reset(b);
	ck_assert_int_eq(db_feed_data_load(db, kind, owner, time(NULL), &d),
	    1);
	ck_assert_msg(ical_feed_build(d, o, b, err, sizeof(err)) == 0, "%s",
	    err);
	db_feed_data_free(d);
}

/* ---- reading a feed back as a calendar app would ---- */

struct occs {
	int	 n;
	time_t	 start[MAXOCC];
	time_t	 end[MAXOCC];
	char	 uid[MAXOCC][96];
};

struct walk {
	struct occs	*o;
	icalcomponent	*cal;
	const char	*uid;
};

static int
by_start(const void *a, const void *b)
{
	const time_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The override of uid at recurrence time rid (UTC), or NULL. */
static icalcomponent *
override_of(icalcomponent *cal, const char *uid, time_t rid)
{
	icalcompiter it;
	icalcomponent *c;
	icalproperty *p;
	struct icaltimetype t;

	/* Its own iterator: the caller walks the same components. */
	for (it = icalcomponent_begin_component(cal, ICAL_VEVENT_COMPONENT);
	    (c = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
		if ((p = icalcomponent_get_first_property(c,
		    ICAL_RECURRENCEID_PROPERTY)) == NULL ||
		    strcmp(icalcomponent_get_uid(c), uid) != 0)
			continue;
		t = icalcomponent_get_recurrenceid(c);
		if (icaltime_as_timet_with_zone(t, t.zone) == rid)
			return c;
	}
	return NULL;
}

static void
on_instance(icalcomponent *ev, struct icaltime_span *span, void *arg)
{
	struct walk *w = arg;
	icalcomponent *ov;
	struct icaltimetype s, e;
	time_t start = span->start, end = span->end;

	(void)ev;
	if ((ov = override_of(w->cal, w->uid, span->start)) != NULL) {
		if (icalcomponent_get_status(ov) == ICAL_STATUS_CANCELLED)
			return;
		s = icalcomponent_get_dtstart(ov);
		e = icalcomponent_get_dtend(ov);
		start = icaltime_as_timet_with_zone(s, s.zone);
		end = icaltime_as_timet_with_zone(e, e.zone);
	}
	ck_assert_int_lt(w->o->n, MAXOCC);
	w->o->start[w->o->n] = start;
	w->o->end[w->o->n] = end;
	snprintf(w->o->uid[w->o->n], sizeof(w->o->uid[0]), "%s", w->uid);
	w->o->n++;
}

/*
 * Parses text with libical and expands every VEVENT that is not
 * cancelled (uid_only: only that UID) into o, by start, up to until.  Checks that
 * every TZID names a VTIMEZONE of the feed, by its plain name.
 */
static icalcomponent *
expand_to(const char *text, const char *uid_only, time_t until,
    struct occs *o)
{
	icalcomponent *cal = icalparser_parse_string(text), *c;
	struct icaltimetype from, to, s;
	struct walk w;
	int i, j;

	ck_assert_ptr_nonnull(cal);
	memset(o, 0, sizeof(*o));
	from = icaltime_from_timet_with_zone(0, 0,
	    icaltimezone_get_utc_timezone());
	to = icaltime_from_timet_with_zone(until, 0,
	    icaltimezone_get_utc_timezone());
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    c != NULL;
	    c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		s = icalcomponent_get_dtstart(c);
		ck_assert_ptr_nonnull(s.zone);
		ck_assert_str_eq(icaltimezone_get_tzid((icaltimezone *)s.zone),
		    TZ);
		if (icalcomponent_get_first_property(c,
		    ICAL_RECURRENCEID_PROPERTY) != NULL ||
		    icalcomponent_get_status(c) == ICAL_STATUS_CANCELLED)
			continue;
		if (uid_only != NULL &&
		    strcmp(icalcomponent_get_uid(c), uid_only) != 0)
			continue;
		w.o = o;
		w.cal = cal;
		w.uid = icalcomponent_get_uid(c);
		icalcomponent_foreach_recurrence(c, from, to, on_instance, &w);
	}
	/* By start (uids travel with them). */
	for (i = 1; i < o->n; i++)
		for (j = i; j > 0 && by_start(&o->start[j - 1],
		    &o->start[j]) > 0; j--) {
			time_t t = o->start[j];
			char u[96];

			o->start[j] = o->start[j - 1];
			o->start[j - 1] = t;
			t = o->end[j];
			o->end[j] = o->end[j - 1];
			o->end[j - 1] = t;
			memcpy(u, o->uid[j], sizeof(u));
			memcpy(o->uid[j], o->uid[j - 1], sizeof(u));
			memcpy(o->uid[j - 1], u, sizeof(u));
		}
	return cal;
}

static icalcomponent *
expand(const char *text, const char *uid_only, struct occs *o)
{
	return expand_to(text, uid_only, utc(2100, 1, 1, 0, 0), o);
}

/* The occurrences table's sessions that are not cancelled, by start. */
static int
stored(int64_t therapist, time_t *start, time_t *end, int max)
{
	sqlite3_stmt *st;
	int n = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "SELECT start_utc, "
	    "end_utc FROM occurrences WHERE therapist_id = ? AND state != "
	    "'cancelled' ORDER BY start_utc", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, therapist);
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		start[n] = (time_t)sqlite3_column_int64(st, 0);
		end[n] = (time_t)sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* Counts lines of text beginning with prefix. */
static int
lines_with(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);
	int c = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0)
			c++;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return c;
}

/* The value of the first property of kind in the first component of
 * kind ck whose UID is uid (NULL: any). */
static const char *
prop_text(icalcomponent *cal, icalcomponent_kind ck, icalproperty_kind pk,
    const char *uid, int want_rid)
{
	icalcomponent *c;
	icalproperty *p;

	if (ck == ICAL_VCALENDAR_COMPONENT)
		c = cal;
	else
		c = icalcomponent_get_first_component(cal, ck);
	for (; c != NULL; c = icalcomponent_get_next_component(cal, ck)) {
		if (uid != NULL && strcmp(icalcomponent_get_uid(c), uid) != 0)
			continue;
		if ((icalcomponent_get_first_property(c,
		    ICAL_RECURRENCEID_PROPERTY) != NULL) != want_rid)
			continue;
		p = icalcomponent_get_first_property(c, pk);
		return p != NULL ? icalproperty_get_value_as_string(p) : NULL;
	}
	return NULL;
}

/* ---- tokens and the stored feed ---- */

START_TEST(test_token)
{
	char tok[DB_FEED_TOKEN_LEN + 1], tok2[DB_FEED_TOKEN_LEN + 1];
	unsigned char h[DB_FEED_HASH_LEN], h2[DB_FEED_HASH_LEN];
	struct db_feed f;
	int64_t id, id2;
	size_t i;

	ck_assert_int_eq(db_feed_token_new(db, FEED_THERAPIST, 1, tok, &id),
	    0);
	ck_assert_uint_eq(strlen(tok), DB_FEED_TOKEN_LEN);
	for (i = 0; i < DB_FEED_TOKEN_LEN; i++)
		ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789-_", tok[i]) != NULL);
	ck_assert_int_eq(db_feed_token_hash(tok, strlen(tok), h), 0);
	/* Only the hash is stored, never the token. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds WHERE "
	    "length(token_hash) = 32"), 1);
	ck_assert_int_eq(db_feed_get(db, FEED_THERAPIST, 1, &f), 1);
	ck_assert_int_eq(f.id, id);
	ck_assert_int_eq(f.stale, 1);

	/* Malformed tokens never reach the database. */
	ck_assert_int_eq(db_feed_token_hash(tok, strlen(tok) - 1, h2), -1);
	ck_assert_int_eq(db_feed_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
	    32, h2), -1);
	ck_assert_int_eq(db_feed_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\0",
	    32, h2), -1);

	/* Replacing: the old one stops, the new one works, same feed. */
	testlib_sql_exec(db, "UPDATE feeds SET body = X'41', etag = 'e', built_at = 5, "
	    "stale = 0");
	ck_assert_int_eq(db_feed_token_new(db, FEED_THERAPIST, 1, tok2, &id2),
	    0);
	ck_assert_int_eq(id2, id);
	ck_assert_str_ne(tok, tok2);
	ck_assert_int_eq(db_feed_token_hash(tok2, strlen(tok2), h2), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds WHERE body IS "
	    "NOT NULL AND stale = 0"), 1);
	ck_assert_int_eq(db_feed_get(db, FEED_THERAPIST, 1, &f), 1);
	ck_assert_str_eq(f.etag, "e");

	/* An owner that does not exist. */
	ck_assert_int_eq(db_feed_token_new(db, FEED_SITE, 99, tok2, NULL), 1);
	ck_assert_int_eq(db_feed_token_new(db, FEED_THERAPIST, 99, tok2,
	    NULL), 1);
}
END_TEST

struct found {
	int		 calls;
	struct db_feed	 f;
	char		 body[16];
};

static void
on_found(void *arg, const struct db_feed *f, const struct db_feed_row *row)
{
	struct found *x = arg;
	size_t len;
	const void *body = db_feed_body(row, &len);

	x->calls++;
	x->f = *f;
	snprintf(x->body, sizeof(x->body), "%.*s", (int)len,
	    body != NULL ? (const char *)body : "");
}

START_TEST(test_find)
{
	char tok[DB_FEED_TOKEN_LEN + 1], old[DB_FEED_TOKEN_LEN + 1];
	unsigned char h[DB_FEED_HASH_LEN];
	struct found x;

	ck_assert_int_eq(db_feed_token_new(db, FEED_SITE, 1, tok, NULL), 0);
	ck_assert_int_eq(db_feed_token_hash(tok, strlen(tok), h), 0);
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(db_feed_find(db, h, on_found, &x), 1);
	ck_assert_int_eq(x.calls, 1);
	ck_assert_int_eq(x.f.kind, FEED_SITE);
	ck_assert_int_eq(x.f.owner_id, 1);
	ck_assert_str_eq(x.body, "");
	testlib_sql_exec(db, "UPDATE feeds SET body = CAST('BEGIN' AS BLOB)");
	ck_assert_int_eq(db_feed_find(db, h, on_found, &x), 1);
	ck_assert_str_eq(x.body, "BEGIN");

	/* An unknown token: not found, fn not called. */
	memcpy(old, tok, sizeof(old));
	ck_assert_int_eq(db_feed_token_new(db, FEED_SITE, 1, tok, NULL), 0);
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(db_feed_find(db, h, on_found, &x), 0);
	ck_assert_int_eq(x.calls, 0);
	ck_assert_int_eq(db_feed_token_hash(tok, strlen(tok), h), 0);
	ck_assert_int_eq(db_feed_find(db, h, on_found, &x), 1);
	/* The lookup is by the UNIQUE index on token_hash. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM pragma_index_list("
	    "'feeds') WHERE \"unique\" = 1"), 2);
}
END_TEST

START_TEST(test_stale_and_store)
{
	struct ical_feed_opts o = opts;
	char tok[DB_FEED_TOKEN_LEN + 1], tag[ICAL_FEED_TAG_LEN],
	    etag[ICAL_FEED_ETAG_LEN], mon[11], err[256];
	struct buf body = BUF_INIT;
	struct db_feed f;
	struct db *other;
	int64_t sid;
	time_t now = time(NULL);

	ck_assert_int_eq(db_feed_token_new(db, FEED_THERAPIST, 1, tok, NULL),
	    0);
	ck_assert_int_eq(db_feed_token_new(db, FEED_SITE, 1, tok, NULL), 0);
	ical_feed_opts_tag(&o, tag);
	ck_assert_int_eq(db_feed_get(db, FEED_THERAPIST, 1, &f), 1);
	ck_assert(!ical_feed_fresh(&f, tag, now));
	ck_assert_int_eq(ical_feed_refresh(db, &f, &o, now, &body, etag), 0);
	ck_assert_int_eq(db_feed_get(db, FEED_THERAPIST, 1, &f), 1);
	ck_assert_str_eq(f.etag, etag);
	ck_assert(ical_feed_fresh(&f, tag, now));
	ck_assert(!ical_feed_fresh(&f, tag, now + ICAL_FEED_MAX_AGE));
	/* Other options: another tag, so rebuilt. */
	o.first_names = 1;
	ical_feed_opts_tag(&o, err);
	ck_assert_str_ne(err, tag);
	ck_assert(!ical_feed_fresh(&f, err, now));
	o.first_names = 0;

	/* A booking makes both the therapist's and the site's feeds stale,
	 * in its own transaction; Ravi's (none) is not touched. */
	testlib_sql_exec(db, "UPDATE feeds SET stale = 0");
	next_monday(0, mon);
	sid = book(1, 1, 0, 1, 1, mon, "10:00", 4, NULL);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds WHERE stale = 1"),
	    2);
	testlib_sql_exec(db, "UPDATE feeds SET stale = 0");
	ck_assert_int_eq(db_occ_cancel(db, sid, mon, CANCEL_BY_CLIENT, "x", 1,
	    "", 0, "test"), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds WHERE stale = 1"),
	    2);

	/* A change between the rebuild's reading and its storing: the
	 * store fails and the feed stays stale. */
	other = db_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(db_feed_get(db, FEED_THERAPIST, 1, &f), 1);
	ck_assert_int_eq(db_feed_read_begin(db), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM series"), 1);
	ck_assert_int_eq(sqlite3_exec(other->conn, "UPDATE series SET "
	    "sequence = sequence + 1", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_feed_store_commit(db, f.id, "x", 1, "\"e\"",
	    (int64_t)now), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT stale FROM feeds WHERE id = 1"), 1);
	/* Without one, it is stored fresh. */
	ck_assert_int_eq(ical_feed_refresh(db, &f, &o, now, &body, etag), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT stale FROM feeds WHERE kind = "
	    "'therapist'"), 0);
	/* A change no trigger sees (a rename): every feed made stale. */
	testlib_sql_exec(db, "UPDATE feeds SET stale = 0");
	ck_assert_int_eq(db_feed_stale_all(db), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds WHERE stale = 1"),
	    2);
	db_close(other);
	buf_free(&body);
}
END_TEST

/* ---- what a feed holds ---- */

START_TEST(test_calendar_fields)
{
	struct buf b = BUF_INIT, b2 = BUF_INIT;
	icalcomponent *cal;
	struct occs o;
	char mon[11];

	next_monday(0, mon);
	(void)book(1, 1, 0, 1, 1, mon, "10:00", 6, NULL);
	build(FEED_THERAPIST, 1, &opts, &b);
	ck_assert_int_eq(lines_with(b.data, "BEGIN:VCALENDAR\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "VERSION:2.0\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "PRODID:-//Tutti//"), 1);
	ck_assert_int_eq(lines_with(b.data, "METHOD:PUBLISH\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "CALSCALE:GREGORIAN\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "X-WR-CALNAME:Tutti: Thea\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "X-WR-TIMEZONE:Europe/London\r\n"),
	    1);
	ck_assert_int_eq(lines_with(b.data,
	    "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "X-PUBLISHED-TTL:PT1H\r\n"), 1);
	/* One VTIMEZONE with the plain IANA name; no libical prefix. */
	ck_assert_int_eq(lines_with(b.data, "BEGIN:VTIMEZONE"), 1);
	ck_assert_int_eq(lines_with(b.data, "TZID:Europe/London\r\n"), 1);
	ck_assert_ptr_null(strstr(b.data, "freeassociation"));
	ck_assert_int_eq(lines_with(b.data, "DTSTART;TZID=Europe/London:"), 1);
	ck_assert_int_eq(lines_with(b.data, "DTEND;TZID=Europe/London:"), 1);
	ck_assert_int_eq(lines_with(b.data, "RRULE:FREQ=WEEKLY;COUNT=6\r\n"),
	    1);
	ck_assert_int_eq(lines_with(b.data, "SEQUENCE:0\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "DTSTAMP:"), 1);
	ck_assert_int_eq(lines_with(b.data, "LAST-MODIFIED:"), 1);
	ck_assert_int_eq(lines_with(b.data, "STATUS:CONFIRMED\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "LOCATION:Blue\\, Centre\\, 12 "
	    "Pratt Street\\, London\\, NW1 0AB\r\n"), 1);
	/* Every line ends in CRLF. */
	{
		const char *p;

		for (p = strchr(b.data, '\n'); p != NULL;
		    p = strchr(p + 1, '\n'))
			ck_assert(p > b.data && p[-1] == '\r');
	}

	cal = expand(b.data, NULL, &o);
	ck_assert_int_eq(o.n, 6);
	icalcomponent_free(cal);

	/* The same data gives the same bytes (and so the same ETag). */
	build(FEED_THERAPIST, 1, &opts, &b2);
	ck_assert_str_eq(b.data, b2.data);
	buf_free(&b);
	buf_free(&b2);
}
END_TEST

START_TEST(test_count_until_cancel_move)
{
	struct buf b = BUF_INIT;
	icalcomponent *cal;
	struct occs o;
	time_t st[MAXOCC], en[MAXOCC];
	char mon[11], wed[11], fri[11], d3[11], d5[11], clash[512];
	char until[11];
	struct db_occ to;
	int64_t a, c, g;
	int i, n;

	next_monday(0, mon);
	date_add(mon, 2, wed);
	date_add(mon, 4, fri);
	a = book(1, 1, 0, 1, 1, mon, "10:00", 8, NULL);
	date_add(wed, 7 * 5, until);
	c = book(1, 3, 0, 1, 2, wed, "14:30", 0, until);	/* 6 weeks */
	g = book(1, 0, 1, 1, 2, fri, "11:00", 0, NULL);		/* open */
	(void)g;

	/* Cancel the third of series a; move the fifth a day later. */
	date_add(mon, 14, d3);
	date_add(mon, 28, d5);
	ck_assert_int_eq(db_occ_cancel(db, a, d3, CANCEL_BY_THERAPIST, "ill",
	    1, "", 0, "test"), DB_OK);
	{
		char d5b[11];

		date_add(d5, 1, d5b);
		ck_assert_int_eq(core_booking_occ_at(TZ, d5b, "15:00", 45, &to), 0);
		ck_assert_int_eq(db_occ_move(db, a, d5, &to, 0, "room", 1, "",
		    0, "test", clash, sizeof(clash)), DB_OK);
	}
	/* And the last of series c is cancelled. */
	ck_assert_int_eq(db_occ_cancel(db, c, until, CANCEL_BY_CLIENT, "x", 1,
	    "", 0, "test"), DB_OK);

	build(FEED_THERAPIST, 1, &opts, &b);
	cal = expand_to(b.data, NULL, horizon, &o);
	/* Exactly what is stored: the cancelled ones gone, the moved one
	 * at its new time. */
	n = stored(1, st, en, MAXOCC);
	ck_assert_int_gt(n, 8 + 6 - 2);
	ck_assert_int_eq(o.n, n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(o.start[i], st[i]);
		ck_assert_int_eq(o.end[i], en[i]);
	}
	ck_assert_int_eq(lines_with(b.data, "EXDATE;TZID=Europe/London:"), 2);
	ck_assert_int_eq(lines_with(b.data, "RECURRENCE-ID;TZID=Europe/"
	    "London:"), 1);
	ck_assert_int_eq(lines_with(b.data, "RRULE:FREQ=WEEKLY;UNTIL="), 1);
	ck_assert_int_eq(lines_with(b.data, "RRULE:FREQ=WEEKLY\r\n"), 1);
	/* SEQUENCE rose with each change: series a had two. */
	{
		struct db_series s;
		char uid[96];

		ck_assert_int_eq(db_series_get(db, a, &s), 1);
		ck_assert_int_eq(s.sequence, 2);
		snprintf(uid, sizeof(uid), "%s", s.uid);
		ck_assert_str_eq(prop_text(cal, ICAL_VEVENT_COMPONENT,
		    ICAL_SEQUENCE_PROPERTY, uid, 0), "2");
		ck_assert_str_eq(prop_text(cal, ICAL_VEVENT_COMPONENT,
		    ICAL_SEQUENCE_PROPERTY, uid, 1), "2");
		ck_assert_str_eq(prop_text(cal, ICAL_VEVENT_COMPONENT,
		    ICAL_LOCATION_PROPERTY, uid, 0), "Blue\\, Centre\\, 12 "
		    "Pratt Street\\, London\\, NW1 0AB");
	}
	icalcomponent_free(cal);
	buf_free(&b);
}
END_TEST

START_TEST(test_clock_change)
{
	struct buf b = BUF_INIT;
	icalcomponent *cal;
	struct occs o;

	/* Europe/London goes forward on 28 March 2027, back on 31 October
	 * 2027: 10:00 local is 10:00Z, then 09:00Z, then 10:00Z again. */
	put_series(10, 2, 2, 1, 1, "2027-03-22", "10:00", 3, NULL, "active",
	    NULL, "2026-02-01T10:00:00Z");
	put_series(11, 2, 2, 1, 1, "2027-10-25", "10:00", 0, "2027-11-01",
	    "active", NULL, "2026-02-01T10:00:00Z");
	put_series(12, 2, 2, 1, 1, "2027-10-18", "10:00", 2, NULL, "active",
	    NULL, "2026-02-01T10:00:00Z");
	build(FEED_THERAPIST, 2, &opts, &b);
	cal = expand(b.data, NULL, &o);
	ck_assert_int_eq(o.n, 7);
	ck_assert_int_eq(o.start[0], utc(2027, 3, 22, 10, 0));
	ck_assert_int_eq(o.start[1], utc(2027, 3, 29, 9, 0));
	ck_assert_int_eq(o.start[2], utc(2027, 4, 5, 9, 0));
	ck_assert_int_eq(o.end[2] - o.start[2], 45 * 60);
	ck_assert_int_eq(o.start[3], utc(2027, 10, 18, 9, 0));
	ck_assert_int_eq(o.start[4], utc(2027, 10, 25, 9, 0));	/* two */
	ck_assert_int_eq(o.start[5], utc(2027, 10, 25, 9, 0));
	ck_assert_int_eq(o.start[6], utc(2027, 11, 1, 10, 0));
	ck_assert_int_eq(o.end[6] - o.start[6], 45 * 60);
	/* The VTIMEZONE is shortened: nothing from the 19th century. */
	ck_assert_ptr_null(strstr(b.data, "DTSTART:18"));
	ck_assert_int_lt(lines_with(b.data, "BEGIN:DAYLIGHT"), 5);
	icalcomponent_free(cal);
	buf_free(&b);
}
END_TEST

START_TEST(test_ended_and_cancelled)
{
	struct buf b = BUF_INIT;
	icalcomponent *cal;
	struct occs o;
	char recent[21], old[21], soon[11];
	time_t t;
	struct tm tm;

	t = time(NULL) - 5 * 86400;
	gmtime_r(&t, &tm);
	strftime(recent, sizeof(recent), "%Y-%m-%dT%H:%M:%SZ", &tm);
	t = time(NULL) - 31 * 86400;
	gmtime_r(&t, &tm);
	strftime(old, sizeof(old), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Ended five days ago from its 4th of 10 sessions; cancelled five
	 * days ago; ended 31 days ago (gone); active. */
	put_series(20, 2, 2, 1, 1, "2026-01-05", "10:00", 10, NULL, "ended",
	    "2026-01-26", recent);
	put_series(21, 2, 2, 1, 2, "2026-01-06", "10:00", 0, NULL,
	    "cancelled", NULL, recent);
	put_series(22, 2, 2, 1, 1, "2026-01-07", "10:00", 4, NULL, "ended",
	    "2026-01-14", old);
	next_monday(0, soon);	/* running: a finished one would leave */
	put_series(23, 2, 2, 1, 2, soon, "10:00", 2, NULL, "active",
	    NULL, old);
	put_series(24, 2, 2, 1, 1, "2026-01-09", "10:00", 4, NULL, "ended",
	    "2026-01-09", recent);
	build(FEED_THERAPIST, 2, &opts, &b);
	ck_assert_ptr_nonnull(strstr(b.data, "uid-20@test"));
	ck_assert_ptr_nonnull(strstr(b.data, "uid-21@test"));
	ck_assert_ptr_null(strstr(b.data, "uid-22@test"));
	ck_assert_ptr_nonnull(strstr(b.data, "uid-23@test"));
	ck_assert_ptr_nonnull(strstr(b.data, "uid-24@test"));
	ck_assert_int_eq(lines_with(b.data, "STATUS:CANCELLED\r\n"), 3);
	ck_assert_int_eq(lines_with(b.data, "STATUS:CONFIRMED\r\n"), 1);
	cal = expand(b.data, NULL, &o);
	ck_assert_int_eq(o.n, 2);	/* only the active one */
	/* The ended series' rule is cut at its last session (19 Jan). */
	ck_assert_str_eq(prop_text(cal, ICAL_VEVENT_COMPONENT,
	    ICAL_RRULE_PROPERTY, "uid-20@test", 0),
	    "FREQ=WEEKLY;UNTIL=20260119T100000Z");
	/* One that ended before its first session has no rule at all. */
	ck_assert_ptr_null(prop_text(cal, ICAL_VEVENT_COMPONENT,
	    ICAL_RRULE_PROPERTY, "uid-24@test", 0));
	icalcomponent_free(cal);
	buf_free(&b);
}
END_TEST

START_TEST(test_privacy)
{
	struct ical_feed_opts first = opts;
	struct buf b = BUF_INIT;
	char mon[11], tue[11];
	const char *bad[] = { "Ann", "Archer", "Bob", "Baker", "Cat", "Cole",
	    "depression", "stroke", "ann@x.org", "singers", "AAAA-AAAA",
	    "BBBB-BBBB", "CCCC-CCCC", "Details" };
	size_t i;

	next_monday(0, mon);
	date_add(mon, 1, tue);
	(void)book(1, 1, 0, 1, 1, mon, "10:00", 4, NULL);
	(void)book(1, 0, 1, 1, 2, tue, "10:00", 4, NULL);

	build(FEED_THERAPIST, 1, &opts, &b);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy: A.A. "
	    "(AAAA-AAAA)\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy group: "
	    "Tuesday singers\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "CLASS:PRIVATE\r\n"), 2);
	for (i = 0; i < 8; i++)
		ck_assert_msg(strstr(b.data, bad[i]) == NULL, "%s", bad[i]);

	first.first_names = 1;
	build(FEED_THERAPIST, 1, &first, &b);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy: Ann A. "
	    "(AAAA-AAAA)\r\n"), 1);
	ck_assert_ptr_null(strstr(b.data, "Archer"));

	/* The site's feed (a partner's): when, where, who takes it, and
	 * a group's name or a client's initials, as /partner shows:
	 * never a name, a reference, needs or a description. */
	build(FEED_SITE, 1, &first, &b);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy with "
	    "Thea: A.A.\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy group "
	    "with Thea: Tuesday singers\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "X-WR-CALNAME:Tutti: Centre\r\n"),
	    1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strcmp(bad[i], "singers") != 0)
			ck_assert_msg(strstr(b.data, bad[i]) == NULL, "%s",
			    bad[i]);
	ck_assert_ptr_null(strstr(b.data, "DESCRIPTION"));
	ck_assert_int_eq(lines_with(b.data, "UID:site-"), 2);
	buf_free(&b);
}
END_TEST

/* 1 when the n bytes at s are whole UTF-8 characters. */
static int
utf8_whole(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;

	while (i < n) {
		need = s[i] < 0x80 ? 0 : (s[i] & 0xe0) == 0xc0 ? 1 :
		    (s[i] & 0xf0) == 0xe0 ? 2 : (s[i] & 0xf8) == 0xf0 ? 3 : 9;
		if (need == 9 || n - i <= need)
			return 0;
		for (k = 1; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += need + 1;
	}
	return 1;
}

/* 1 when every physical line is at most 75 octets and valid UTF-8 on
 * its own (no character split by a fold). */
static int
lines_ok(const char *text, char *why, size_t n)
{
	const char *p = text, *e;
	size_t len;

	while (*p != '\0') {
		if ((e = strstr(p, "\r\n")) == NULL) {
			snprintf(why, n, "no CRLF after %.20s", p);
			return 0;
		}
		len = (size_t)(e - p);
		if (len > 75) {
			snprintf(why, n, "%zu octets: %.40s", len, p);
			return 0;
		}
		if (!utf8_whole((const unsigned char *)p, len)) {
			snprintf(why, n, "a split character: %.*s", (int)len,
			    p);
			return 0;
		}
		if (memchr(p, '\r', len) != NULL || memchr(p, '\n', len) !=
		    NULL || (len == 1 && *p == ' ')) {
			snprintf(why, n, "a fold on the line's end: %.*s",
			    (int)len, p);
			return 0;
		}
		p = e + 2;
	}
	return 1;
}

START_TEST(test_hostile_text)
{
	static const char hostile[] = "Room, with; semicolons\\ and "
	    "back\\slashes\nand newlines \xf0\x9f\x8e\xb5\xf0\x9f\x8e\xb9 "
	    "caf\xc3\xa9 \xe2\x80\x94 end";
	char name[512], why[160], soon[11];
	struct buf b = BUF_INIT, want = BUF_INIT;
	icalcomponent *cal;
	sqlite3_stmt *st;
	struct occs o;
	size_t i;
	const char *v;

	/* A 200-character name of two-, three- and four-byte characters. */
	name[0] = '\0';
	for (i = 0; i < 50; i++)
		strcat(name, i % 3 == 0 ? "\xc3\xa9" : i % 3 == 1 ?
		    "\xe2\x82\xac" : "\xf0\x9f\x8e\xb6");
	for (i = 0; i < 150; i++)
		strcat(name, i % 10 == 9 ? "," : "x");
	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "UPDATE therapists SET "
	    "name = ? WHERE id = 2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "UPDATE rooms SET "
	    "name = ? WHERE id = 1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, hostile, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	/* Controls and CR LF in an address; a family name of an emoji. */
	testlib_sql_exec(db, "UPDATE sites SET address = 'Line one' || char(13, 10) || "
	    "'Line two' || char(9) || 'tab' || char(7) WHERE id = 1");
	testlib_sql_exec(db, "UPDATE referrals SET given_name = 'zo' || char(235), "
	    "family_name = char(128512) WHERE id = 2");
	next_monday(0, soon);	/* running: a finished one would leave */
	put_series(30, 2, 2, 1, 1, soon, "10:00", 3, NULL, "active",
	    NULL, "2026-02-01T10:00:00Z");

	build(FEED_THERAPIST, 2, &opts, &b);
	ck_assert_msg(lines_ok(b.data, why, sizeof(why)), "%s", why);
	/* libical escaped the text. */
	ck_assert_ptr_nonnull(strstr(b.data, "Room\\, with\\; semicolons\\\\ "
	    "and back\\\\slashes\\nand"));
	cal = expand(b.data, NULL, &o);
	ck_assert_int_eq(o.n, 3);
	/* Read back: exactly the text, cleaned. */
	buf_puts(&want, hostile);
	buf_puts(&want, ", Centre, Line one\nLine two tab , NW1 0AB");
	v = icalcomponent_get_location(icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT));
	ck_assert_str_eq(v, want.data);
	ck_assert_str_eq(icalcomponent_get_summary(
	    icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT)),
	    "Music therapy: Z.\xf0\x9f\x98\x80. (BBBB-BBBB)");
	buf_reset(&want);
	buf_puts(&want, "Tutti: ");
	buf_puts(&want, name);
	v = NULL;
	{
		icalproperty *p;

		for (p = icalcomponent_get_first_property(cal,
		    ICAL_X_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY))
			if (strcmp(icalproperty_get_x_name(p),
			    "X-WR-CALNAME") == 0)
				v = icalproperty_get_x(p);
	}
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, want.data);
	icalcomponent_free(cal);

	/* The site's feed, with the long name in its summary and the
	 * client's initials, an emoji's whole. */
	build(FEED_SITE, 1, &opts, &b);
	ck_assert_msg(lines_ok(b.data, why, sizeof(why)), "%s", why);
	cal = icalparser_parse_string(b.data);
	buf_reset(&want);
	buf_puts(&want, "Music therapy with ");
	buf_puts(&want, name);
	buf_puts(&want, ": Z.\xf0\x9f\x98\x80.");
	ck_assert_str_eq(icalcomponent_get_summary(
	    icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT)),
	    want.data);
	icalcomponent_free(cal);
	buf_free(&b);
	buf_free(&want);
}
END_TEST

START_TEST(test_fold_on_line_end)
{
	struct buf b = BUF_INIT;
	char name[400], why[160], soon[11];
	sqlite3_stmt *st;
	int n;

	/* libical 3.0 folds a property whose last segment fills the line
	 * on its own CRLF ("CR CRLF SP LF", "CRLF SP CRLF"): every length
	 * of a name without blanks, so that some hit it, comes out right. */
	next_monday(0, soon);	/* running: a finished one would leave */
	put_series(40, 2, 2, 1, 1, soon, "10:00", 3, NULL, "active",
	    NULL, "2026-02-01T10:00:00Z");
	for (n = 1; n < 300; n++) {
		memset(name, 'p', (size_t)n);
		name[n] = '\0';
		ck_assert_int_eq(sqlite3_prepare_v2(db->conn, "UPDATE "
		    "therapists SET name = ? WHERE id = 2", -1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		build(FEED_SITE, 1, &opts, &b);
		ck_assert_msg(lines_ok(b.data, why, sizeof(why)),
		    "name of %d: %s", n, why);
	}
	buf_free(&b);
}
END_TEST

START_TEST(test_text_clean)
{
	struct buf b = BUF_INIT;
	char big[3 * ICAL_TEXT_MAX];
	size_t i;

	ical_text_clean(&b, "a\r\nb\rc\nd\te\x01" "f\x7f", 13);
	ck_assert_str_eq(b.data, "a\nb\nc\nd e f");
	buf_reset(&b);
	/* Bad UTF-8: a lone continuation, an overlong, a surrogate, a cut
	 * character, above U+10FFFF; a C1 control. */
	ical_text_clean(&b, "\x80" "A\xc0\xaf" "B\xed\xa0\x80" "C\xf4\x90\x80"
	    "\x80" "D\xc2\x85" "E\xe2\x82", 19);
	ck_assert_str_eq(b.data, "\xef\xbf\xbd" "A\xef\xbf\xbd\xef\xbf\xbd"
	    "B\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "C\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd" "D E\xef\xbf\xbd\xef\xbf\xbd");
	buf_reset(&b);
	/* Cut at ICAL_TEXT_MAX bytes, on a character's boundary. */
	for (i = 0; i + 3 <= sizeof(big); i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	ical_text_clean(&b, big, sizeof(big));
	ck_assert_uint_le(b.len, ICAL_TEXT_MAX);
	ck_assert_uint_eq(b.len % 3, 0);
	ck_assert_uint_gt(b.len, ICAL_TEXT_MAX - 3);
	buf_free(&b);
}
END_TEST

/* ---- invitations ---- */

START_TEST(test_invite)
{
	struct ical_invite in;
	struct buf b = BUF_INIT;
	const char *method;
	char mon[11], d2[11], d3[11], d3b[11], err[256], clash[512];
	icalcomponent *cal, *ev;
	struct db_occ to;
	int64_t a, g;

	next_monday(0, mon);
	a = book(1, 1, 0, 1, 1, mon, "10:00", 6, NULL);
	g = book(1, 0, 1, 1, 2, mon, "14:00", 6, NULL);
	memset(&in, 0, sizeof(in));
	in.kind = ICAL_INVITE_SERIES;
	in.series_id = a;
	in.organizer_name = "Tutti \"music\" therapy";
	in.organizer_addr = "noreply@tutti.example";
	in.attendee_name = "Ann Archer";
	in.attendee_addr = "ann@x.org";
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(method, "REQUEST");
	ck_assert_int_eq(lines_with(b.data, "METHOD:REQUEST\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "ORGANIZER;CN="), 1);
	ck_assert_int_eq(lines_with(b.data, "ATTENDEE;"), 1);
	ck_assert_ptr_nonnull(strstr(b.data, "mailto:ann@x.org"));
	ck_assert_int_eq(lines_with(b.data, "RRULE:FREQ=WEEKLY;COUNT=6\r\n"),
	    1);
	cal = icalparser_parse_string(b.data);
	ck_assert_ptr_nonnull(cal);
	ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	ck_assert_str_eq(icalcomponent_get_summary(ev),
	    "Music therapy with Thea");
	ck_assert_int_eq(icalcomponent_get_sequence(ev), 0);
	icalcomponent_free(cal);

	/* A group's invitation names its one recipient only. */
	buf_reset(&b);
	in.series_id = g;
	in.attendee_addr = "cat@x.org";
	in.attendee_name = "Cat Cole";
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(lines_with(b.data, "ATTENDEE;"), 1);
	ck_assert_ptr_null(strstr(b.data, "Bob"));

	/* A move: REQUEST with the RECURRENCE-ID and a higher SEQUENCE. */
	date_add(mon, 7, d2);
	date_add(mon, 14, d3);
	date_add(d3, 1, d3b);
	ck_assert_int_eq(core_booking_occ_at(TZ, d3b, "11:00", 45, &to), 0);
	ck_assert_int_eq(db_occ_move(db, a, d3, &to, 0, "", 1, "", 0, "test",
	    clash, sizeof(clash)), DB_OK);
	buf_reset(&b);
	in.kind = ICAL_INVITE_MOVED;
	in.series_id = a;
	in.date = d3;
	in.attendee_addr = "ann@x.org";
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(method, "REQUEST");
	cal = icalparser_parse_string(b.data);
	ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev,
	    ICAL_RECURRENCEID_PROPERTY));
	ck_assert_int_eq(icalcomponent_get_sequence(ev), 1);
	{
		struct icaltimetype s = icalcomponent_get_dtstart(ev);

		ck_assert_int_eq(icaltime_as_timet_with_zone(s, s.zone),
		    to.start_utc);
	}
	icalcomponent_free(cal);

	/* A cancellation: METHOD:CANCEL for that session, SEQUENCE 2. */
	ck_assert_int_eq(db_occ_cancel(db, a, d2, CANCEL_BY_CLIENT, "x", 1,
	    "", 0, "test"), DB_OK);
	buf_reset(&b);
	in.kind = ICAL_INVITE_CANCELLED;
	in.date = d2;
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(method, "CANCEL");
	ck_assert_int_eq(lines_with(b.data, "METHOD:CANCEL\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "STATUS:CANCELLED\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "RECURRENCE-ID;TZID=Europe/"
	    "London:"), 1);
	ck_assert_int_eq(lines_with(b.data, "SEQUENCE:2\r\n"), 1);

	/* The series again: its EXDATE and its moved session. */
	buf_reset(&b);
	in.kind = ICAL_INVITE_SERIES;
	in.date = NULL;
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(lines_with(b.data, "EXDATE;TZID=Europe/London:"), 1);
	ck_assert_int_eq(lines_with(b.data, "RECURRENCE-ID;"), 1);
	ck_assert_int_eq(lines_with(b.data, "SEQUENCE:2\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "ATTENDEE;"), 2);

	/* Not (any more) in that state, no such series, a bad address. */
	in.kind = ICAL_INVITE_MOVED;
	in.date = d2;
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 1);
	in.kind = ICAL_INVITE_SERIES;
	in.series_id = 999;
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 1);
	in.series_id = a;
	in.attendee_addr = "ann@x.org\r\nATTENDEE:mailto:eve@x.org";
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), -1);
	in.attendee_addr = "ann;x@x.org";
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), -1);

	/* The whole series cancelled. */
	buf_reset(&b);
	in.attendee_addr = "ann@x.org";
	in.kind = ICAL_INVITE_SERIES_CANCELLED;
	ck_assert_int_eq(ical_invite_build(db, &in, &b, &method, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(method, "CANCEL");
	ck_assert_int_eq(lines_with(b.data, "STATUS:CANCELLED\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "RECURRENCE-ID"), 0);
	buf_free(&b);
}
END_TEST

/*
 * A series that ran its course more than DB_FEED_KEEP_DAYS days ago
 * leaves the feed (six years of them made a therapist's feed 374 KB);
 * one over last week, one that runs on and one open-ended stay.
 */
START_TEST(test_finished_leave)
{
	struct db_feed_data *d = NULL;
	char first[11];
	size_t i;
	int seen[4] = { 0, 0, 0, 0 };

	next_monday(-30, first);	/* 12 weeks: over 18 weeks ago */
	put_series(300, 2, 2, 1, 0, first, "10:00", 12, NULL, "active",
	    NULL, "2026-01-01T00:00:00Z");
	next_monday(-14, first);	/* 12 weeks: over last week */
	put_series(301, 2, 2, 1, 0, first, "11:00", 12, NULL, "active",
	    NULL, "2026-01-01T00:00:00Z");
	next_monday(-4, first);		/* 12 weeks: runs on */
	put_series(302, 2, 2, 1, 0, first, "12:00", 12, NULL, "active",
	    NULL, "2026-01-01T00:00:00Z");
	next_monday(-60, first);	/* no end */
	put_series(303, 2, 2, 1, 0, first, "13:00", 0, NULL, "active",
	    NULL, "2026-01-01T00:00:00Z");
	ck_assert_int_eq(db_feed_data_load(db, FEED_THERAPIST, 2, time(NULL),
	    &d), 1);
	for (i = 0; i < d->nseries; i++)
		if (d->series[i].id >= 300 && d->series[i].id <= 303)
			seen[d->series[i].id - 300] = 1;
	db_feed_data_free(d);
	ck_assert_int_eq(seen[0], 0);
	ck_assert_int_eq(seen[1], 1);
	ck_assert_int_eq(seen[2], 1);
	ck_assert_int_eq(seen[3], 1);
}
END_TEST

/*
 * A session handed to a cover therapist: the site's feed names the
 * cover for it (an event of its own, the series' own session left out
 * that day) and is marked stale by the hand-over.
 */
START_TEST(test_site_cover)
{
	struct buf b = BUF_INIT;
	char mon[11], next[11], token[DB_FEED_TOKEN_LEN + 1], clash[160];
	char uid[64];
	int64_t series, feed;

	next_monday(0, mon);
	date_add(mon, 7, next);
	series = book(1, 1, 0, 1, 1, mon, "10:00", 4, NULL);
	ck_assert_int_eq(db_feed_token_new(db, FEED_SITE, 1, token, &feed),
	    0);
	testlib_sql_exec(db, "UPDATE feeds SET stale = 0");
	ck_assert_int_eq(db_occ_cover(db, series, next, 2, 1, "127.0.0.1",
	    clash, sizeof(clash)), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT stale FROM feeds WHERE "
	    "kind = 'site' AND owner_id = 1"), 1);

	build(FEED_SITE, 1, &opts, &b);
	snprintf(uid, sizeof(uid), "UID:site-cover-%s-", next);
	ck_assert_int_eq(lines_with(b.data, uid), 1);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy with "
	    "Ravi: A.A.\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "SUMMARY:Music therapy with "
	    "Thea: A.A.\r\n"), 1);
	ck_assert_int_eq(lines_with(b.data, "EXDATE"), 1);
	buf_free(&b);
}
END_TEST

/* ---- cost: one session's change and the number of feeds ---- */

/* Feeds of n other therapists (ids from + 100 on), none stale. */
static void
feeds_others(int from, int n)
{
	char sql[320];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE w(n) AS (SELECT %d "
	    "UNION ALL SELECT n + 1 FROM w WHERE n < %d) INSERT INTO feeds "
	    "(kind, owner_id, token_hash, created_at, stale) SELECT "
	    "'therapist', 100 + n, randomblob(32), 'x', 0 FROM w", from,
	    from + n - 1);
	testlib_sql_exec(db, sql);
}

/*
 * The VM steps of cancelling series 1's session on date, moving it and
 * putting it back (an exception inserted, updated, deleted) into
 * steps[3]; each makes stale exactly Thea's and the Centre's feeds.
 */
static void
exception_steps(const char *date, int steps[3])
{
	static const char stale[] = "SELECT group_concat(kind || ' ' || "
	    "owner_id, ', ') FROM (SELECT kind, owner_id FROM feeds WHERE "
	    "stale = 1 ORDER BY kind, owner_id)";
	char sql[3][256];
	char *got;
	int i;

	snprintf(sql[0], sizeof(sql[0]), "INSERT INTO exceptions (series_id,"
	    " occ_date, kind, by_whom, created_at) VALUES (1, '%s', "
	    "'cancelled', 'client', 'x')", date);
	snprintf(sql[1], sizeof(sql[1]), "UPDATE exceptions SET kind = "
	    "'moved', by_whom = '', new_start_utc = %lld, new_length_min = "
	    "45 WHERE series_id = 1 AND occ_date = '%s'",
	    (long long)utc(2030, 1, 1, 12, 0), date);
	snprintf(sql[2], sizeof(sql[2]), "DELETE FROM exceptions WHERE "
	    "series_id = 1 AND occ_date = '%s'", date);
	for (i = 0; i < 3; i++) {
		testlib_sql_exec(db, "UPDATE feeds SET stale = 0");
		steps[i] = testlib_sql_steps(db, sql[i]);
		got = testlib_sql_text(db, stale);
		ck_assert_msg(strcmp(got, "site 1, therapist 1") == 0,
		    "%s: %s made stale", sql[i], got);
		free(got);
	}
}

/*
 * A session cancelled, moved or put back costs the same however many
 * calendar feeds the service has (035): the series' therapist's and
 * site's feeds are found by their key, not by stepping over every feed
 * (004's triggers did, a few steps for each feed).  VM steps, never
 * time.  Ravi's and the online site's feeds are not made stale.
 */
START_TEST(test_exception_steps)
{
	static const char *const what[] = { "cancel", "move", "put back" };
	static const char *const sql[] = {
		"INSERT INTO exceptions (series_id, occ_date, kind, "
		"created_at) VALUES (1, '2030-03-04', 'cancelled', 'x')",
		"UPDATE exceptions SET reason = 'x' WHERE series_id = 1",
		"DELETE FROM exceptions WHERE series_id = 1",
	};
	int few[3], many[3], i;
	char *plan;

	put_series(1, 1, 1, 1, 1, "2030-01-07", "10:00", 0, NULL, "active",
	    NULL, "x");
	testlib_sql_exec(db, "INSERT INTO feeds (kind, owner_id, token_hash,"
	    " created_at) VALUES ('therapist', 1, x'01', 'x'), ('therapist',"
	    " 2, x'02', 'x'), ('site', 1, x'03', 'x'), ('site', 2, x'04', "
	    "'x')");
	feeds_others(0, 6);
	exception_steps("2030-01-14", few);
	feeds_others(6, 990);
	exception_steps("2030-01-21", many);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM feeds"),
	    1000);
	for (i = 0; i < 3; i++)
		ck_assert_msg(many[i] < few[i] + 50, "%s: %d steps with 10 "
		    "feeds, %d with 1000", what[i], few[i], many[i]);

	/* Each finds the two feeds by their key (kind, owner_id). */
	for (i = 0; i < 3; i++) {
		plan = testlib_sql_plan(db, sql[i]);
		ck_assert_msg(strstr(plan, "SCAN f") == NULL && strstr(plan,
		    "USING COVERING INDEX sqlite_autoindex_feeds_2 (kind=? "
		    "AND owner_id=?)") != NULL, "%s", plan);
		free(plan);
	}
}
END_TEST

/* ---- speed: 40 series with 200 exceptions ---- */

START_TEST(test_big_feed)
{
	struct buf b = BUF_INIT;
	icalcomponent *cal;
	struct occs o;
	char first[11], d[11], hhmm[6], sql[256];
	int s, k, moved = 0, cancelled = 0;
	struct timespec t0, t1;
	char monday[11];
	double ms;

	/* Running now: a series over for a month has left the feed. */
	next_monday(-8, monday);
	for (s = 0; s < 40; s++) {
		date_add(monday, s % 5, first);
		memcpy(hhmm, "09:00", sizeof(hhmm));
		hhmm[1] = (char)('0' + 9 + s / 5 - 10 * ((9 + s / 5) / 10));
		hhmm[0] = (char)('0' + (9 + s / 5) / 10);
		put_series(100 + s, 2, 2, 1, 1 + s % 2, first, hhmm, 20, NULL,
		    "active", NULL, "2026-02-01T10:00:00Z");
		for (k = 0; k < 5; k++) {
			date_add(first, 7 * (1 + 3 * k), d);
			if (k % 2 == 0) {
				snprintf(sql, sizeof(sql), "INSERT INTO "
				    "exceptions (series_id, occ_date, kind, "
				    "sequence, created_at) VALUES (%d, '%s', "
				    "'cancelled', 1, '2026-02-01T00:00:00Z')",
				    100 + s, d);
				cancelled++;
			} else {
				snprintf(sql, sizeof(sql), "INSERT INTO "
				    "exceptions (series_id, occ_date, kind, "
				    "new_start_utc, new_length_min, new_room_id,"
				    " sequence, created_at) VALUES (%d, '%s', "
				    "'moved', %lld, 45, 2, 1, "
				    "'2026-02-01T00:00:00Z')", 100 + s, d,
				    (long long)utc(2026, 6, 1 + s % 28, 17,
				    k));
				moved++;
			}
			testlib_sql_exec(db, sql);
		}
	}
	ck_assert_int_eq(moved + cancelled, 200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 10; k++)
		build(FEED_THERAPIST, 2, &opts, &b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) /
	    1e6) / 10;
	printf("check_feed: 40 series, 200 exceptions: %zu bytes, built in "
	    "%.2f ms\n", b.len, ms);
	cal = expand(b.data, NULL, &o);
	ck_assert_int_eq(o.n, 40 * 20 - cancelled);
	ck_assert_int_eq(lines_with(b.data, "RECURRENCE-ID;"), moved);
	ck_assert_int_eq(lines_with(b.data, "EXDATE;"), cancelled);
	icalcomponent_free(cal);
	buf_free(&b);
}
END_TEST

static Suite *
feed_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc;

	tc = tcase_create("tokens");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_token);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_stale_and_store);
	tcase_add_test(tc, test_finished_leave);
	tcase_add_test(tc, test_exception_steps);
	suite_add_tcase(s, tc);

	tc = tcase_create("ical_feed_build");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_calendar_fields);
	tcase_add_test(tc, test_count_until_cancel_move);
	tcase_add_test(tc, test_clock_change);
	tcase_add_test(tc, test_ended_and_cancelled);
	tcase_add_test(tc, test_privacy);
	tcase_add_test(tc, test_site_cover);
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_fold_on_line_end);
	tcase_add_test(tc, test_big_feed);
	suite_add_tcase(s, tc);

	tc = tcase_create("ical_text_clean");
	tcase_add_test(tc, test_text_clean);
	suite_add_tcase(s, tc);

	tc = tcase_create("ical_invite_build");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_invite);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(feed_suite());
	int failed;

	setenv("TZ", TZ, 1);
	tzset();
	horizon = time(NULL) + 800 * 86400;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Calendar feeds: tokens (only their SHA-256 is stored), the cached
 * rendering, and the series and exceptions a feed shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/feeds.h"
#include "db/staff.h"
#include "util/buf.h"

const char *const db_feed_kind_names[FEED__MAX] = { "therapist", "site" };

static int
kind_of(const char *s)
{
	int k = db_name_index(db_feed_kind_names, FEED__MAX, s);

	return k < 0 ? FEED_THERAPIST : k;
}

/* 1 for the characters of base64url. */
static int
b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
db_feed_token_hash(const char *token, size_t len,
    unsigned char hash[DB_FEED_HASH_LEN])
{
	size_t i;

	if (len != DB_FEED_TOKEN_LEN)
		return -1;
	for (i = 0; i < len; i++)
		if (!b64url_char((unsigned char)token[i]))
			return -1;
	crypto_hash_sha256(hash, (const unsigned char *)token, len);
	return 0;
}

int
db_feed_token_new(struct db *db, enum db_feed_kind kind, int64_t owner_id,
    char token[DB_FEED_TOKEN_LEN + 1], int64_t *feed_id)
{
	static const char *const sql_owner[FEED__MAX] = {
		"SELECT 1 FROM therapists WHERE id = ?",
		"SELECT 1 FROM sites WHERE id = ?",
	};
	static const char sql[] = "INSERT INTO feeds (kind, owner_id, "
	    "token_hash, created_at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (kind, owner_id) DO UPDATE SET "
	    "token_hash = excluded.token_hash, "
	    "created_at = excluded.created_at RETURNING id";
	unsigned char raw[DB_FEED_TOKEN_BYTES], hash[DB_FEED_HASH_LEN];
	char text[DB_FEED_TOKEN_LEN + 8];
	sqlite3_stmt *st;
	char now[21];
	int rc;

	if ((unsigned)kind >= FEED__MAX)
		return -1;
	if ((st = db_stmt(db, sql_owner[kind])) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, owner_id);
	rc = db_step(st);
	db_done(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW)
		return -1;

	randombytes_buf(raw, sizeof(raw));
	(void)sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	if (strlen(text) != DB_FEED_TOKEN_LEN ||
	    db_feed_token_hash(text, DB_FEED_TOKEN_LEN, hash) == -1)
		return -1;
	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_now(now);
	db_bind_text(st, 1, db_feed_kind_names[kind]);
	(void)sqlite3_bind_int64(st, 2, owner_id);
	(void)sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_STATIC);
	db_bind_text(st, 4, now);
	rc = db_step(st);
	if (rc == SQLITE_ROW && feed_id != NULL)
		*feed_id = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW)
		rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: feed token: %s\n",
		    sqlite3_errmsg(db->conn));
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	memcpy(token, text, DB_FEED_TOKEN_LEN + 1);
	sodium_memzero(text, sizeof(text));
	return 0;
}

/* Reads columns 0..6 (id, kind, owner, stale, built, etag, created). */
static void
feed_row(sqlite3_stmt *st, struct db_feed *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->kind = (enum db_feed_kind)kind_of(db_col(st, 1));
	f->owner_id = sqlite3_column_int64(st, 2);
	f->stale = sqlite3_column_int(st, 3) != 0;
	f->built_at = sqlite3_column_int64(st, 4);
	db_copy(f->etag, sizeof(f->etag), db_col(st, 5));
	db_copy(f->created_at, sizeof(f->created_at), db_col(st, 6));
}

struct db_feed_row {
	sqlite3_stmt	*st;
};

const void *
db_feed_body(const struct db_feed_row *row, size_t *len)
{
	const void *body = sqlite3_column_blob(row->st, 8);

	*len = body != NULL ? (size_t)sqlite3_column_bytes(row->st, 8) : 0;
	return body;
}

int
db_feed_find(struct db *db, const unsigned char hash[DB_FEED_HASH_LEN],
    void (*fn)(void *, const struct db_feed *, const struct db_feed_row *),
    void *arg)
{
	/* A therapist's feed answers only while the therapist, and the
	 * log-in linked to them, are active. */
	static const char sql[] = "SELECT id, kind, owner_id, stale, "
	    "coalesce(built_at, 0), coalesce(etag, ''), created_at, "
	    "token_hash, body FROM feeds f WHERE token_hash = ? "
	    "AND (kind != 'therapist' OR EXISTS (SELECT 1 FROM therapists t "
	    "LEFT JOIN users u ON u.id = t.user_id WHERE t.id = f.owner_id "
	    "AND t.active = 1 AND coalesce(u.active, 1) = 1))";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct db_feed_row row;
	struct db_feed f;
	const void *stored;
	int rc, found = 0;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_blob(st, 1, hash, DB_FEED_HASH_LEN, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		stored = sqlite3_column_blob(st, 7);
		/* The index found it by equality; check again in constant
		 * time, so that nothing but an exact match passes. */
		if (stored != NULL && sqlite3_column_bytes(st, 7) ==
		    DB_FEED_HASH_LEN && sodium_memcmp(stored, hash,
		    DB_FEED_HASH_LEN) == 0) {
			feed_row(st, &f);
			row.st = st;
			fn(arg, &f, &row);
			found = 1;
		}
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "db: feed find: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return found;
}

int
db_feed_revoke_user(struct db *db, int64_t user_id, int64_t *revoked)
{
	static const char sql[] = "DELETE FROM feeds WHERE kind = 'therapist' "
	    "AND owner_id IN (SELECT id FROM therapists WHERE user_id = ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int n;

	*revoked = 0;
	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, user_id);
	if ((n = db_run_count(db, st, "feed revoke")) == -1)
		return -1;
	*revoked = n;
	return 0;
}

int
db_feed_revoke_user_audited(struct db *db, int64_t user_id,
    int64_t *revoked, const struct db_audit_line *a)
{
	int rc;

	*revoked = 0;
	if (db_tx_begin(db) != DB_OK)
		return -1;
	if (db_feed_revoke_user(db, user_id, revoked) == -1 ||
	    db_audit(db, a->user_id, a->addr, a->action, a->referral_id,
	    a->subject_user_id, a->detail) == -1) {
		rc = db_errcode(db);
		*revoked = 0;
		(void)db_tx_fail(db, rc, "feed revoke");
		return -1;
	}
	if (db_tx_commit(db, "feed revoke") != DB_OK) {
		*revoked = 0;
		return -1;
	}
	return 0;
}

int
db_feed_get(struct db *db, enum db_feed_kind kind, int64_t owner_id,
    struct db_feed *f)
{
	static const char sql[] = "SELECT id, kind, owner_id, stale, "
	    "coalesce(built_at, 0), coalesce(etag, ''), created_at "
	    "FROM feeds WHERE kind = ? AND owner_id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((unsigned)kind >= FEED__MAX || (st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, db_feed_kind_names[kind]);
	(void)sqlite3_bind_int64(st, 2, owner_id);
	if ((rc = db_step(st)) == SQLITE_ROW)
		feed_row(st, f);
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_feed_stale_all(struct db *db)
{
	static const char sql[] = "UPDATE feeds SET stale = 1 WHERE stale = 0";

	if (db_exec(db, sql) != SQLITE_OK) {
		fprintf(stderr, "db: feeds stale: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

/* ---- what a feed shows ---- */

/*
 * The series of a feed: an owner's active ones, and those ended or
 * cancelled since ?2.  A site feed reads a client's names only for their
 * initials (ical/feed.c writes nothing else of them).
 */
#define WHO_THERAPIST \
	"coalesce(r.given_name, ''), coalesce(r.family_name, ''), " \
	"coalesce(r.ref, ''), coalesce(g.name, '')"
#define SERIES_REST SERIES_COLS SERIES_FROM
#define SERIES_COLS \
	", si.name, si.address, si.postcode, coalesce(ro.name, ''), s.tz, " \
	"s.first_date, s.start_local, s.length_min, coalesce(s.count, 0), " \
	"coalesce(s.until_date, ''), s.status, coalesce(s.ended_from, ''), " \
	"s.sequence, s.created_at, s.updated_at, coalesce((SELECT " \
	"referral_id FROM clients WHERE id = s.client_id), 0) "
#define SERIES_FROM \
	"FROM series s " \
	"JOIN therapists t ON t.id = s.therapist_id " \
	"JOIN sites si ON si.id = s.site_id " \
	"LEFT JOIN rooms ro ON ro.id = s.room_id "
#define WHO_JOINS \
	"LEFT JOIN clients c ON c.id = s.client_id " \
	"LEFT JOIN referrals r ON r.id = c.referral_id " \
	"LEFT JOIN groups g ON g.id = s.group_id "
/*
 * Kept: a series running (open-ended, or its last session by its rule
 * not before ?2's day), or changed since ?2.  One that ran its count or
 * reached its last date longer ago than that has left, as an ended one
 * does: a feed holds what is current, not six years of history.
 */
#define KEEP "((s.status = 'active' AND ((s.count IS NULL AND " \
	"s.until_date IS NULL) OR coalesce(s.until_date, date(s.first_date, " \
	"'+' || (7 * (s.count - 1)) || ' days')) >= substr(?2, 1, 10))) " \
	"OR s.updated_at >= ?2) "
#define EXCEPTION_COLS \
	"SELECT x.series_id, x.occ_date, x.kind = 'moved', " \
	"coalesce(x.new_start_utc, 0), coalesce(x.new_length_min, 0), " \
	"coalesce(ro.name, ''), x.sequence, x.created_at " \
	"FROM series s JOIN exceptions x ON x.series_id = s.id " \
	"LEFT JOIN rooms ro ON ro.id = coalesce(x.new_room_id, s.room_id) "

/* What is loaded: a therapist's feed, a site's, or one series. */
enum load {
	LOAD_THERAPIST,
	LOAD_SITE,
	LOAD_SERIES,
	LOAD__MAX
};

/*
 * The series: an owner's active ones, and those ended or cancelled
 * since ?2; or the one series ?1.  A site's feed shows a group's name
 * and a client's initials, as the partner's own page does.
 */
static const char *const sql_series[LOAD__MAX] = {
	"SELECT s.id, s.uid, t.name, s.group_id IS NOT NULL, " WHO_THERAPIST
	    SERIES_REST WHO_JOINS "WHERE s.therapist_id = ?1 AND " KEEP
	    "ORDER BY s.first_date, s.id",
	"SELECT s.id, s.uid, t.name, s.group_id IS NOT NULL, " WHO_THERAPIST
	    SERIES_REST WHO_JOINS "WHERE s.site_id = ?1 AND " KEEP
	    "ORDER BY s.first_date, s.id",
	"SELECT s.id, s.uid, t.name, s.group_id IS NOT NULL, " WHO_THERAPIST
	    SERIES_REST WHO_JOINS "WHERE s.id = ?1",
};

/*
 * The holiday weeks a term-time series passes over (migration 021), read
 * as cancelled exceptions: the series' rule shows them as no session.
 */
#define SKIP_COLS \
	" UNION ALL SELECT k.series_id, k.occ_date, 0, 0, 0, '', " \
	"s.sequence, s.created_at FROM series s JOIN series_skips k " \
	"ON k.series_id = s.id "

/* The exceptions of the same series, by series and date. */
static const char *const sql_exceptions[LOAD__MAX] = {
	EXCEPTION_COLS "WHERE s.therapist_id = ?1 AND " KEEP
	    SKIP_COLS "WHERE s.therapist_id = ?1 AND " KEEP "ORDER BY 1, 2",
	EXCEPTION_COLS "WHERE s.site_id = ?1 AND " KEEP
	    SKIP_COLS "WHERE s.site_id = ?1 AND " KEEP "ORDER BY 1, 2",
	EXCEPTION_COLS "WHERE s.id = ?1" SKIP_COLS "WHERE s.id = ?1 "
	    "ORDER BY 2",
};

static const char *const sql_owner_name[LOAD__MAX] = {
	"SELECT name FROM therapists WHERE id = ?",
	"SELECT name FROM sites WHERE id = ?",
	"SELECT t.name, t.id FROM series s JOIN therapists t "
	    "ON t.id = s.therapist_id WHERE s.id = ?",
};

/*
 * Sessions handed to a cover therapist (db_occ_cover, migration 026).
 * Those handed away, with when: the feed shows them cancelled in their
 * series.  Those handed over, still booked and from ?2's day on: each is
 * one event of the feed, named by the therapist who takes it, with its
 * date, when it was handed over and, if moved, where to (columns 24..).
 * A therapist's feed (?1 a therapist): theirs handed to someone else,
 * and others' handed to them.  A site's (?1 a site): every session of
 * its series handed over, both ways (handed away from the series' own
 * therapist, to its cover).
 */
static const char *const sql_handed_away[LOAD__MAX] = {
	"SELECT o.series_id, o.occ_date, coalesce(o.covered_at, "
	    "s.updated_at) FROM occurrences o JOIN series s ON s.id = "
	    "o.series_id WHERE s.therapist_id = ?1 AND o.therapist_id != ?1 "
	    "AND " KEEP "ORDER BY 1, 2",
	"SELECT o.series_id, o.occ_date, coalesce(o.covered_at, "
	    "s.updated_at) FROM occurrences o JOIN series s ON s.id = "
	    "o.series_id WHERE s.site_id = ?1 AND o.therapist_id != "
	    "s.therapist_id AND " KEEP "ORDER BY 1, 2",
	NULL,
};
#define COVER_NCOLS 24
#define COVER_SELECT "SELECT s.id, s.uid, t.name, " \
    "s.group_id IS NOT NULL, " WHO_THERAPIST SERIES_COLS ", o.occ_date, " \
    "coalesce(o.covered_at, s.updated_at), x.kind IS NOT NULL, " \
    "coalesce(x.new_start_utc, 0), coalesce(x.new_length_min, 0), " \
    "coalesce(xr.name, ''), coalesce(x.sequence, 0), " \
    "coalesce(x.created_at, '') FROM occurrences o " \
    "JOIN series s ON s.id = o.series_id " \
    "JOIN therapists t ON t.id = o.therapist_id " \
    "JOIN sites si ON si.id = s.site_id " \
    "LEFT JOIN rooms ro ON ro.id = s.room_id " WHO_JOINS \
    "LEFT JOIN exceptions x ON x.series_id = o.series_id AND " \
    "x.occ_date = o.occ_date AND x.kind = 'moved' " \
    "LEFT JOIN rooms xr ON xr.id = coalesce(x.new_room_id, s.room_id) " \
    "WHERE o.state != 'cancelled' AND o.occ_date >= substr(?2, 1, 10) "
static const char *const sql_covering[LOAD__MAX] = {
	COVER_SELECT "AND o.therapist_id = ?1 AND s.therapist_id != ?1 "
	    "ORDER BY o.occ_date, s.id",
	COVER_SELECT "AND s.site_id = ?1 AND o.therapist_id != "
	    "s.therapist_id ORDER BY o.occ_date, s.id",
	NULL,
};

static void
series_free(struct db_feed_series *s)
{
	size_t i;

	free(s->uid);
	free(s->therapist);
	free(s->given_name);
	free(s->family_name);
	free(s->client_ref);
	free(s->group);
	free(s->site);
	free(s->site_address);
	free(s->room);
	free(s->tz);
	for (i = 0; i < s->nexceptions; i++)
		free(s->exceptions[i].room);
	free(s->exceptions);
}

void
db_feed_data_free(struct db_feed_data *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nseries; i++)
		series_free(&d->series[i]);
	free(d->series);
	free(d->owner_name);
	free(d);
}

static void
series_read(sqlite3_stmt *st, struct db_feed_series *s)
{
	const char *addr = db_col(st, 9), *pc = db_col(st, 10);
	struct buf b = BUF_INIT;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->uid = xstrdup(db_col(st, 1));
	s->therapist = xstrdup(db_col(st, 2));
	s->is_group = sqlite3_column_int(st, 3) != 0;
	s->given_name = xstrdup(db_col(st, 4));
	s->family_name = xstrdup(db_col(st, 5));
	s->client_ref = xstrdup(db_col(st, 6));
	s->group = xstrdup(db_col(st, 7));
	s->site = xstrdup(db_col(st, 8));
	buf_puts(&b, addr);
	if (*addr != '\0' && *pc != '\0')
		buf_puts(&b, ", ");
	buf_puts(&b, pc);
	s->site_address = xstrdup(buf_cstr(&b));
	buf_free(&b);
	s->room = xstrdup(db_col(st, 11));
	s->tz = xstrdup(db_col(st, 12));
	db_copy(s->first_date, sizeof(s->first_date), db_col(st, 13));
	db_copy(s->start_local, sizeof(s->start_local), db_col(st, 14));
	s->length_min = sqlite3_column_int(st, 15);
	s->count = sqlite3_column_int(st, 16);
	db_copy(s->until_date, sizeof(s->until_date), db_col(st, 17));
	db_copy(s->status, sizeof(s->status), db_col(st, 18));
	db_copy(s->ended_from, sizeof(s->ended_from), db_col(st, 19));
	s->sequence = sqlite3_column_int(st, 20);
	db_copy(s->created_at, sizeof(s->created_at), db_col(st, 21));
	db_copy(s->updated_at, sizeof(s->updated_at), db_col(st, 22));
	s->referral_id = sqlite3_column_int64(st, 23);
}

static int
by_id(const void *a, const void *b)
{
	const struct db_feed_series *x = *(struct db_feed_series *const *)a;
	const struct db_feed_series *y = *(struct db_feed_series *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The series with id in the array sorted by id, or NULL. */
static struct db_feed_series *
series_find(struct db_feed_series **sorted, size_t n, int64_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sorted[mid]->id == id)
			return sorted[mid];
		if (sorted[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Appends an empty exception to s and returns it. */
static struct db_feed_exception *
exception_add(struct db_feed_series *s)
{
	struct db_feed_exception *x;

	if ((s->nexceptions & (s->nexceptions - 1)) == 0)
		s->exceptions = xrealloc(s->exceptions,
		    (s->nexceptions ? s->nexceptions * 2 : 1) *
		    sizeof(*s->exceptions));
	x = &s->exceptions[s->nexceptions++];
	memset(x, 0, sizeof(*x));
	return x;
}

static int
by_date(const void *a, const void *b)
{
	return strcmp(((const struct db_feed_exception *)a)->date,
	    ((const struct db_feed_exception *)b)->date);
}

/*
 * Marks cancelled, in the feed what of id (a therapist's or a site's),
 * each session handed to a cover therapist (a moved one too) of a
 * series in it: the series' own therapist does not take it that day.
 * sorted is d's series by id.  0, or -1.
 */
static int
handed_away_mark(struct db *db, enum load what, int64_t id, const char *cut,
    struct db_feed_series **sorted, struct db_feed_data *d)
{
	struct db_feed_series *s;
	struct db_feed_exception *x;
	sqlite3_stmt *st;
	const char *date;
	size_t j;
	int rc;

	if ((st = db_stmt(db, sql_handed_away[what])) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, cut);
	while ((rc = db_next(db, st)) == 1) {
		s = series_find(sorted, d->nseries,
		    sqlite3_column_int64(st, 0));
		if (s == NULL)
			continue;
		date = db_col(st, 1);
		for (j = 0; j < s->nexceptions; j++)
			if (strcmp(s->exceptions[j].date, date) == 0)
				break;
		if (j == s->nexceptions)
			exception_add(s)->room = xstrdup("");
		x = &s->exceptions[j];
		db_copy(x->date, sizeof(x->date), date);
		x->moved = 0;
		x->sequence = s->sequence;
		db_copy(x->created_at, sizeof(x->created_at), db_col(st, 2));
		if (j == s->nexceptions - 1)
			qsort(s->exceptions, s->nexceptions,
			    sizeof(*s->exceptions), by_date);
	}
	return rc == 0 ? 0 : -1;
}

/*
 * Appends to d, the feed what of id, each session handed to a cover
 * therapist that it shows (sql_covering), as a series of that one
 * session named by its cover (its UID its own, so that it never
 * replaces the series in another calendar) with its move if it was
 * moved.  0, or -1.
 */
static int
covering_add(struct db *db, enum load what, int64_t id, const char *cut,
    struct db_feed_data *d, size_t *cap)
{
	struct db_feed_series *s;
	struct db_feed_exception *x;
	sqlite3_stmt *st;
	char *uid;
	int rc;

	if ((st = db_stmt(db, sql_covering[what])) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, cut);
	while ((rc = db_next(db, st)) == 1) {
		if (d->nseries == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			d->series = xrealloc(d->series,
			    *cap * sizeof(*d->series));
		}
		s = &d->series[d->nseries++];
		series_read(st, s);
		uid = xmalloc(strlen(s->uid) + 20);
		snprintf(uid, strlen(s->uid) + 20, "cover-%s-%s",
		    db_col(st, COVER_NCOLS), s->uid);
		free(s->uid);
		s->uid = uid;
		db_copy(s->first_date, sizeof(s->first_date),
		    db_col(st, COVER_NCOLS));
		s->count = 1;
		s->until_date[0] = '\0';
		s->ended_from[0] = '\0';
		db_copy(s->status, sizeof(s->status), "active");
		db_copy(s->updated_at, sizeof(s->updated_at),
		    db_col(st, COVER_NCOLS + 1));
		if (sqlite3_column_int(st, COVER_NCOLS + 2) == 0)
			continue;
		x = exception_add(s);
		db_copy(x->date, sizeof(x->date), s->first_date);
		x->moved = 1;
		x->new_start_utc = sqlite3_column_int64(st, COVER_NCOLS + 3);
		x->new_length_min = sqlite3_column_int(st, COVER_NCOLS + 4);
		x->room = xstrdup(db_col(st, COVER_NCOLS + 5));
		x->sequence = sqlite3_column_int(st, COVER_NCOLS + 6);
		db_copy(x->created_at, sizeof(x->created_at),
		    db_col(st, COVER_NCOLS + 7));
	}
	return rc == 0 ? 0 : -1;
}

static int
load(struct db *db, enum load what, int64_t id, int64_t now,
    struct db_feed_data **out)
{
	struct db_feed_data *d;
	struct db_feed_series **sorted = NULL, *s;
	struct db_feed_exception *x;
	sqlite3_stmt *st;
	size_t cap = 0, i;
	char cut[21];
	time_t t = (time_t)(now - (int64_t)DB_FEED_KEEP_DAYS * 86400);
	struct tm tm;
	int rc;

	*out = NULL;
	gmtime_r(&t, &tm);
	strftime(cut, sizeof(cut), "%Y-%m-%dT%H:%M:%SZ", &tm);

	if ((st = db_stmt(db, sql_owner_name[what])) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc != SQLITE_ROW) {
		db_done(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	d = xcalloc(1, sizeof(*d));
	d->kind = what == LOAD_SITE ? FEED_SITE : FEED_THERAPIST;
	d->owner_id = what == LOAD_SERIES ? sqlite3_column_int64(st, 1) : id;
	d->owner_name = xstrdup(db_col(st, 0));
	db_done(st);

	if ((st = db_stmt(db, sql_series[what])) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, id);
	if (what != LOAD_SERIES)
		db_bind_text(st, 2, cut);
	while ((rc = db_next(db, st)) == 1) {
		if (d->nseries == cap) {
			cap = cap ? cap * 2 : 16;
			d->series = xrealloc(d->series,
			    cap * sizeof(*d->series));
		}
		series_read(st, &d->series[d->nseries++]);
	}
	if (rc != 0)
		goto fail;

	sorted = xmalloc((d->nseries + 1) * sizeof(*sorted));
	for (i = 0; i < d->nseries; i++)
		sorted[i] = &d->series[i];
	qsort(sorted, d->nseries, sizeof(*sorted), by_id);
	if ((st = db_stmt(db, sql_exceptions[what])) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, id);
	if (what != LOAD_SERIES)
		db_bind_text(st, 2, cut);
	while ((rc = db_next(db, st)) == 1) {
		s = series_find(sorted, d->nseries,
		    sqlite3_column_int64(st, 0));
		if (s == NULL)
			continue;	/* cannot be: the same filter */
		x = exception_add(s);
		db_copy(x->date, sizeof(x->date), db_col(st, 1));
		x->moved = sqlite3_column_int(st, 2) != 0;
		x->new_start_utc = sqlite3_column_int64(st, 3);
		x->new_length_min = sqlite3_column_int(st, 4);
		x->room = xstrdup(db_col(st, 5));
		x->sequence = sqlite3_column_int(st, 6);
		db_copy(x->created_at, sizeof(x->created_at), db_col(st, 7));
	}
	if (rc != 0)
		goto fail;
	/* Sessions handed to a cover therapist are theirs that day. */
	if (what != LOAD_SERIES &&
	    handed_away_mark(db, what, id, cut, sorted, d) == -1)
		goto fail;
	free(sorted);
	sorted = NULL;
	if (what != LOAD_SERIES &&
	    covering_add(db, what, id, cut, d, &cap) == -1)
		goto fail;
	*out = d;
	return 1;
fail:
	fprintf(stderr, "db: feed data: %s\n", sqlite3_errmsg(db->conn));
	free(sorted);
	db_feed_data_free(d);
	return -1;
}

int
db_feed_data_load(struct db *db, enum db_feed_kind kind, int64_t owner_id,
    int64_t now, struct db_feed_data **out)
{
	*out = NULL;
	if ((unsigned)kind >= FEED__MAX)
		return -1;
	return load(db, kind == FEED_SITE ? LOAD_SITE : LOAD_THERAPIST,
	    owner_id, now, out);
}

int
db_feed_series_load(struct db *db, int64_t series_id,
    struct db_feed_data **out)
{
	return load(db, LOAD_SERIES, series_id, (int64_t)time(NULL), out);
}

/* ---- the rebuild's transaction ---- */

int
db_feed_read_begin(struct db *db)
{
	return db_read_begin(db);
}

void
db_feed_read_end(struct db *db)
{
	db_read_end(db);
}

int
db_feed_store_commit(struct db *db, int64_t feed_id, const void *body,
    size_t len, const char *etag, int64_t built_at)
{
	static const char sql[] = "UPDATE feeds SET body = ?2, etag = ?3, "
	    "built_at = ?4, stale = 0 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL) {
		db_rollback(db);
		return -1;
	}
	(void)sqlite3_bind_int64(st, 1, feed_id);
	(void)sqlite3_bind_blob64(st, 2, body, (sqlite3_uint64)len,
	    SQLITE_STATIC);
	db_bind_text(st, 3, etag);
	(void)sqlite3_bind_int64(st, 4, built_at);
	rc = db_step(st);
	db_done(st);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		/* Written since this transaction read: try another time. */
		db_rollback(db);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		(void)db_tx_fail(db, rc, "feed store");
		return -1;
	}
	return db_tx_commit(db, "feed store") == DB_OK ? 0 : -1;
}

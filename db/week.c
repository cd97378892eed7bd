/*
 * week: the sessions of the coordinator's week grid, in one query.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db_int.h"
#include "db/outbox.h"
#include "db/staff.h"
#include "db/week.h"

#define WEEK_OCC_SELECT \
    "SELECT o.series_id, o.occ_date, o.start_utc, o.end_utc, o.state, " \
    "o.therapist_id, o.site_id, si.name, coalesce(o.room_id, 0), " \
    "coalesce(rm.name, ''), " \
    "coalesce(upper(substr(rf.given_name, 1, 1) || " \
    "substr(rf.family_name, 1, 1)), ''), coalesce(rf.ref, ''), " \
    "coalesce(s.group_id, 0), coalesce(g.name, ''), " \
    "CASE WHEN s.group_id IS NULL THEN 0 ELSE (SELECT count(*) FROM " \
    "group_members m WHERE m.group_id = s.group_id) END, " \
    "o.state != 'cancelled' AND o.end_utc > CAST(strftime('%s', 'now') " \
    "AS INTEGER) AND (EXISTS (SELECT 1 FROM therapist_leave tl " \
    "WHERE tl.therapist_id = o.therapist_id AND o.occ_date BETWEEN " \
    "tl.first_day AND tl.last_day) OR EXISTS (SELECT 1 FROM site_closures " \
    "sc WHERE sc.site_id = o.site_id AND o.occ_date BETWEEN sc.first_day " \
    "AND sc.last_day)), " \
    "coalesce(rf.id, 0) "
/* The columns of WEEK_OCC_SELECT (week_occ_read reads them all); a
 * statement's own columns come after. */
#define WEEK_OCC_NCOLS	17
#define WEEK_OCC_FROM \
    "FROM occurrences o JOIN series s ON s.id = o.series_id " \
    "JOIN sites si ON si.id = o.site_id " \
    "LEFT JOIN rooms rm ON rm.id = o.room_id " \
    "LEFT JOIN clients c ON c.id = s.client_id " \
    "LEFT JOIN referrals rf ON rf.id = c.referral_id " \
    "LEFT JOIN groups g ON g.id = s.group_id "
#define WEEK_OCC_COLS WEEK_OCC_SELECT WEEK_OCC_FROM

static const char sql_week_occ[] = WEEK_OCC_COLS
    "WHERE o.start_utc >= ?2 AND o.start_utc < ?3 AND "
    "(?1 = 0 OR o.site_id = ?1) ORDER BY o.start_utc, o.series_id";

/* The columns of sql_week_occ, in order. */
#define C(kind, m)	DB_COLUMN(kind, struct db_week_occ, m)
static const struct db_column week_occ_cols[] = {
	C(INT64, series_id), C(TEXT, date), C(INT64, start_utc),
	C(INT64, end_utc), C(TEXT, state), C(INT64, therapist_id),
	C(INT64, site_id), C(TEXT, site), C(INT64, room_id), C(TEXT, room),
	C(TEXT, initials), C(TEXT, client_ref), C(INT64, group_id),
	C(TEXT, group), C(INT, members), C(INT, hit), C(INT64, referral_id),
};
#undef C

/* Reads the columns of sql_week_occ into r. */
static void
week_occ_read(sqlite3_stmt *st, struct db_week_occ *r)
{
	db_row_read(st, week_occ_cols, DB_NCOLUMNS(week_occ_cols), r,
	    sizeof(*r));
}

/* Runs sql (sql_week_occ's columns and parameters): fn for each row. */
static int
week_occ_run(struct db *db, const char *sql, int64_t site_id, int64_t from,
    int64_t to, void (*fn)(void *, const struct db_week_occ *), void *arg)
{
	struct db_week_occ r;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_int(st, 1, site_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	while ((rc = db_next(db, st)) == 1) {
		week_occ_read(st, &r);
		fn(arg, &r);
	}
	return rc;
}

int
db_week_occ_each(struct db *db, int64_t site_id, int64_t from, int64_t to,
    void (*fn)(void *, const struct db_week_occ *), void *arg)
{
	return week_occ_run(db, sql_week_occ, site_id, from, to, fn, arg);
}

/*
 * The grid's own read: the columns of sql_week_occ but the site's and
 * room's names and whether leave or a closure falls on it (empty), which
 * the page knows already (it reads sites, rooms, leave and closures for
 * its rows and shading): every row looked up here costs on a big
 * service's week.
 */
static const char sql_week_grid[] =
    "SELECT o.series_id, o.occ_date, o.start_utc, o.end_utc, o.state, "
    "o.therapist_id, o.site_id, '', coalesce(o.room_id, 0), '', "
    "coalesce(upper(substr(rf.given_name, 1, 1) || "
    "substr(rf.family_name, 1, 1)), ''), coalesce(rf.ref, ''), "
    "coalesce(s.group_id, 0), coalesce(g.name, ''), "
    "CASE WHEN s.group_id IS NULL THEN 0 ELSE (SELECT count(*) FROM "
    "group_members m WHERE m.group_id = s.group_id) END, 0, "
    "coalesce(rf.id, 0) "
    "FROM occurrences o JOIN series s ON s.id = o.series_id "
    "LEFT JOIN clients c ON c.id = s.client_id "
    "LEFT JOIN referrals rf ON rf.id = c.referral_id "
    "LEFT JOIN groups g ON g.id = s.group_id "
    "WHERE o.start_utc >= ?2 AND o.start_utc < ?3 AND "
    "(?1 = 0 OR o.site_id = ?1) ORDER BY o.start_utc, o.series_id";

int
db_week_grid_each(struct db *db, int64_t site_id, int64_t from, int64_t to,
    void (*fn)(void *, const struct db_week_occ *), void *arg)
{
	return week_occ_run(db, sql_week_grid, site_id, from, to, fn, arg);
}

/* Read in the order of the index on start_utc (which holds all it
 * reads): summing here would sort every session by therapist first. */
static const char sql_week_booked[] =
    "SELECT therapist_id, end_utc - start_utc FROM occurrences "
    "WHERE start_utc >= ?1 AND start_utc < ?2 AND state != 'cancelled'";

int
db_week_booked_each(struct db *db, int64_t from, int64_t to,
    void (*fn)(void *, int64_t therapist_id, int64_t seconds), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt_with(db, sql_week_booked, from)) == NULL)
		return -1;
	db_bind_int(st, 2, to);
	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1));
	return rc;
}

/*
 * Issue 20: a term-time series' session that the site's terms (its own,
 * else its organisation's) no longer hold, since the term dates changed.
 */
#define WEEK_TERM_HIT \
    "(?2 > 0 AND o.site_id = ?2 AND s.term_time = 1 AND NOT EXISTS " \
    "(SELECT 1 FROM terms h WHERE (h.site_id = o.site_id OR " \
    "(h.organisation_id = si.organisation_id AND NOT EXISTS (SELECT 1 " \
    "FROM terms h2 WHERE h2.site_id = o.site_id))) AND o.occ_date " \
    "BETWEEN h.first_day AND h.last_day))"
static const char sql_week_hits[] = WEEK_OCC_COLS
    "WHERE o.end_utc > ?3 AND o.state != 'cancelled' AND "
    "((?1 > 0 AND o.therapist_id = ?1 AND EXISTS (SELECT 1 FROM "
    "therapist_leave tl WHERE tl.therapist_id = o.therapist_id AND "
    "o.occ_date BETWEEN tl.first_day AND tl.last_day)) OR "
    "(?2 > 0 AND o.site_id = ?2 AND EXISTS (SELECT 1 FROM site_closures sc "
    "WHERE sc.site_id = o.site_id AND o.occ_date BETWEEN sc.first_day AND "
    "sc.last_day)) OR " WEEK_TERM_HIT ") ORDER BY o.start_utc, o.series_id "
    "LIMIT ?4";

int
db_week_hits_each(struct db *db, int64_t therapist_id, int64_t site_id,
    int64_t now, int limit, void (*fn)(void *, const struct db_week_occ *),
    void *arg)
{
	struct db_week_occ r;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql_week_hits)) == NULL)
		return -1;
	db_bind_int(st, 1, therapist_id);
	db_bind_int(st, 2, site_id);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, limit);
	while ((rc = db_next(db, st)) == 1) {
		week_occ_read(st, &r);
		r.hit = 1;
		fn(arg, &r);
	}
	return rc;
}

int
db_week_therapist_tell(struct db *db, int64_t therapist_id,
    int64_t not_before, const char *msgid_domain)
{
	static const char sql_who[] = "SELECT u.id, u.email, u.name FROM "
	    "therapists t JOIN users u ON u.id = t.user_id WHERE t.id = ? AND "
	    "u.active = 1 AND u.email != ''";
	static const char sql_queued[] = "SELECT 1 FROM outbox WHERE kind = "
	    "'therapist_changes' AND dedupe_key LIKE ?1 AND status = 'queued'";
	static const char sql_later[] = "UPDATE outbox SET not_before = ? "
	    "WHERE dedupe_key = ? AND status = 'queued'";
	sqlite3_stmt *st;
	char email[256], name[128], key[DB_OUTBOX_KEY_LEN], like[64];
	char when[21];
	int64_t user_id;
	time_t t = (time_t)not_before;
	struct tm tm;
	int rc;

	if ((st = db_stmt_with(db, sql_who, therapist_id)) == NULL)
		return -1;
	if ((rc = db_next(db, st)) != 1)
		return rc;
	user_id = sqlite3_column_int64(st, 0);
	db_copy(email, sizeof(email), db_col(st, 1));
	db_copy(name, sizeof(name), db_col(st, 2));
	db_done(st);
	snprintf(like, sizeof(like), "therapist-changes:%lld:%%",
	    (long long)therapist_id);
	if ((st = db_stmt(db, sql_queued)) == NULL)
		return -1;
	db_bind_text(st, 1, like);
	if ((rc = db_next(db, st)) != 0) {
		db_done(st);
		return rc == 1 ? 0 : -1;
	}
	if (db_outbox_key(key, sizeof(key), "therapist_changes", therapist_id,
	    not_before) == -1 || db_outbox_add(db, "therapist_changes", key,
	    email, name, 0, user_id, msgid_domain) == -1)
		return -1;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((st = db_stmt(db, sql_later)) == NULL)
		return -1;
	db_bind_text(st, 1, when);
	db_bind_text(st, 2, key);
	return db_run(st) == SQLITE_DONE ? 1 : -1;
}

enum db_result
db_occ_cover(struct db *db, int64_t series_id, const char *date,
    int64_t cover_id, int64_t user_id, const char *addr, char *clash,
    size_t clashlen)
{
	static const char sql_occ[] = "SELECT start_utc, end_utc, "
	    "therapist_id FROM occurrences WHERE series_id = ? AND occ_date = ? "
	    "AND state != 'cancelled' AND start_utc > ?";
	static const char sql_leave[] = "SELECT 1 FROM therapist_leave WHERE "
	    "therapist_id = ?1 AND ?4 BETWEEN first_day AND last_day";
	static const char sql_busy[] = "SELECT 1 FROM occurrences WHERE "
	    "therapist_id = ?1 AND state != 'cancelled' AND start_utc < ?3 AND "
	    "end_utc > ?2";
	static const char *const refusals[][2] = {
		{ sql_leave, "is on leave that day." },
		{ sql_busy, "has another session then." },
	};
	static const char sql_active[] = "SELECT name FROM therapists WHERE "
	    "id = ? AND active = 1";
	static const char sql_set[] = "UPDATE occurrences SET therapist_id = ?3, "
	    "covered_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
	    "WHERE series_id = ?1 AND occ_date = ?2";
	sqlite3_stmt *st;
	int64_t start, end, was;
	char name[128], detail[160];
	size_t k;
	int rc;
	enum db_result res;

	clash[0] = '\0';
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql_occ)) == NULL)
		goto fail;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, date);
	db_bind_int(st, 3, (int64_t)time(NULL));
	if ((rc = db_next(db, st)) != 1) {
		if (rc == -1)
			goto fail;
		snprintf(clash, clashlen, "That session is no longer booked.");
		db_rollback(db);
		return DB_INVALID;
	}
	start = sqlite3_column_int64(st, 0);
	end = sqlite3_column_int64(st, 1);
	was = sqlite3_column_int64(st, 2);
	db_done(st);
	if ((st = db_stmt_with(db, sql_active, cover_id)) == NULL)
		goto fail;
	if ((rc = db_next(db, st)) != 1 || was == cover_id) {
		if (rc == -1)
			goto fail;
		if (rc == 1)
			db_done(st);
		snprintf(clash, clashlen, "Choose another therapist to cover "
		    "the session.");
		db_rollback(db);
		return DB_CONFLICT;
	}
	db_copy(name, sizeof(name), db_col(st, 0));
	db_done(st);
	/* On leave that day, or busy then: each with its sentence. */
	for (k = 0; k < sizeof(refusals) / sizeof(refusals[0]); k++) {
		if ((st = db_stmt(db, refusals[k][0])) == NULL)
			goto fail;
		db_bind_int(st, 1, cover_id);
		db_bind_int(st, 2, start);
		db_bind_int(st, 3, end);
		db_bind_text(st, 4, date);
		if ((rc = db_next(db, st)) == 0)
			continue;
		if (rc == -1)
			goto fail;
		db_done(st);
		snprintf(clash, clashlen, "%s %s", name, refusals[k][1]);
		db_rollback(db);
		return DB_CONFLICT;
	}
	if ((st = db_stmt(db, sql_set)) == NULL)
		goto fail;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, date);
	db_bind_int(st, 3, cover_id);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	snprintf(detail, sizeof(detail), "session %s of series %lld handed "
	    "from therapist %lld to %lld", date, (long long)series_id,
	    (long long)was, (long long)cover_id);
	if (db_audit(db, user_id, addr, "cover", 0, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "cover");
fail:
	return db_tx_fail(db, db_errcode(db), "cover");
}

static const char sql_week_changes[] = WEEK_OCC_SELECT
    ", CASE WHEN o.therapist_id = ?1 AND s.therapist_id != ?1 THEN "
    "'covering' WHEN o.therapist_id != ?1 THEN 'handed on' WHEN o.state = "
    "'cancelled' THEN 'cancelled' ELSE 'moved' END " WEEK_OCC_FROM
    "WHERE o.end_utc > ?3 AND ((o.therapist_id = ?1 AND s.therapist_id != "
    "?1) OR (s.therapist_id = ?1 AND o.therapist_id != ?1) OR "
    "(s.therapist_id = ?1 AND EXISTS (SELECT 1 FROM exceptions x WHERE "
    "x.series_id = o.series_id AND x.occ_date = o.occ_date AND "
    "x.created_at >= ?2))) ORDER BY o.start_utc, o.series_id LIMIT 200";

int
db_week_changes_each(struct db *db, int64_t therapist_id, const char *since,
    int64_t now, void (*fn)(void *, const struct db_week_occ *,
    const char *), void *arg)
{
	struct db_week_occ r;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql_week_changes)) == NULL)
		return -1;
	db_bind_int(st, 1, therapist_id);
	db_bind_text(st, 2, since);
	db_bind_int(st, 3, now);
	while ((rc = db_next(db, st)) == 1) {
		week_occ_read(st, &r);
		fn(arg, &r, db_col(st, WEEK_OCC_NCOLS));
	}
	return rc;
}

int
db_week_pending_each(struct db *db, int64_t series_id, int64_t therapist_id,
    void (*fn)(void *, const struct db_week_pending *), void *arg)
{
	static const char sql[] = "SELECT kind, to_name, to_addr, not_before, "
	    "kind IN ('therapist_changes', 'therapist_assigned') FROM outbox "
	    "WHERE status = 'queued' "
	    "AND ((kind IN ('booking_confirmation', 'session_cancelled', "
	    "'session_moved', 'session_reinstated') AND dedupe_key LIKE "
	    "kind || ':' || ?1 || ':%') "
	    "OR (?2 > 0 AND kind = 'therapist_changes' AND dedupe_key LIKE "
	    "?3) "
	    /* The assignment of assign-and-book, held with its booking. */
	    "OR (kind = 'therapist_assigned' AND dedupe_key = "
	    "'therapist-assigned:' || (SELECT client_id FROM series WHERE "
	    "id = ?1))) ORDER BY not_before, id";
	struct db_week_pending p;
	sqlite3_stmt *st;
	char tlike[64];
	int rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	/* Client notices' keys are "KIND:SERIES:...". */
	snprintf(tlike, sizeof(tlike), "therapist-changes:%lld:%%",
	    (long long)therapist_id);
	db_bind_int(st, 1, series_id);
	db_bind_int(st, 2, therapist_id);
	db_bind_text(st, 3, tlike);
	while ((rc = db_next(db, st)) == 1) {
		memset(&p, 0, sizeof(p));
		db_copy(p.kind, sizeof(p.kind), db_col(st, 0));
		db_copy(p.to_name, sizeof(p.to_name), db_col(st, 1));
		db_copy(p.to_addr, sizeof(p.to_addr), db_col(st, 2));
		db_copy(p.not_before, sizeof(p.not_before), db_col(st, 3));
		p.therapist = sqlite3_column_int(st, 4);
		fn(arg, &p);
	}
	return rc;
}

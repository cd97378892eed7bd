/*
 * db/terms: term dates and the holiday weeks of term-time series.  See
 * terms.h.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db/db_int.h"
#include "db/staff.h"
#include "db/terms.h"

#define TERM_COLS \
	"SELECT id, coalesce(site_id, 0), coalesce(organisation_id, 0), " \
	"school_year, name, first_day, last_day FROM terms "

/*
 * The terms that hold at site ?1: its own, else its organisation's.
 * Shared by the list and the hits below.
 */
#define SITE_TERMS(site) \
	"(SELECT * FROM terms WHERE site_id = " site " UNION ALL " \
	"SELECT * FROM terms WHERE organisation_id = (SELECT " \
	"organisation_id FROM sites WHERE id = " site ") AND NOT EXISTS " \
	"(SELECT 1 FROM terms WHERE site_id = " site "))"

/* Reads a TERM_COLS row into t. */
static void
term_read(sqlite3_stmt *st, struct db_term *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->site_id = sqlite3_column_int64(st, 1);
	t->organisation_id = sqlite3_column_int64(st, 2);
	db_copy(t->school_year, sizeof(t->school_year), db_col(st, 3));
	db_copy(t->name, sizeof(t->name), db_col(st, 4));
	db_copy(t->first_day, sizeof(t->first_day), db_col(st, 5));
	db_copy(t->last_day, sizeof(t->last_day), db_col(st, 6));
}

/* Calls fn for each term row of st (bound); the count, or -1. */
static int
terms_run(struct db *db, sqlite3_stmt *st,
    void (*fn)(void *, const struct db_term *), void *arg)
{
	struct db_term t;
	int rc, n = 0;

	while ((rc = db_next(db, st)) == 1) {
		term_read(st, &t);
		fn(arg, &t);
		n++;
	}
	return rc == 0 ? n : -1;
}

/* The terms that hold at a site (see terms.h). */
int
db_site_terms_each(struct db *db, int64_t site_id,
    void (*fn)(void *, const struct db_term *), void *arg)
{
	static const char sql[] = "SELECT id, coalesce(site_id, 0), "
	    "coalesce(organisation_id, 0), school_year, name, first_day, "
	    "last_day FROM " SITE_TERMS("?1") " ORDER BY first_day, id";

	return terms_run(db, db_stmt_with(db, sql, site_id), fn, arg);
}

/* One owner's terms (see terms.h). */
int
db_terms_each(struct db *db, int64_t site_id, int64_t organisation_id,
    void (*fn)(void *, const struct db_term *), void *arg)
{
	static const char sql[] = TERM_COLS "WHERE site_id = ?1 OR "
	    "organisation_id = ?2 ORDER BY first_day, id";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st != NULL) {
		db_bind_id(st, 1, site_id);
		db_bind_id(st, 2, organisation_id);
	}
	return terms_run(db, st, fn, arg);
}

/* 1 when t's owner (a site or an organisation) exists, 0 not, -1. */
static int
term_owner_exists(struct db *db, const struct db_term *t)
{
	static const char sql[] = "SELECT 1 FROM sites WHERE id = ?1 "
	    "UNION ALL SELECT 1 FROM organisations WHERE id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st != NULL) {
		db_bind_id(st, 1, t->site_id);
		db_bind_id(st, 2, t->organisation_id);
	}
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

/* Adds a term (see terms.h). */
enum db_result
db_term_insert(struct db *db, struct db_term *t, int64_t user_id,
    const char *addr)
{
	static const char sql[] = "INSERT INTO terms (site_id, "
	    "organisation_id, school_year, name, first_day, last_day) "
	    "VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	enum db_result r;
	char line[160];
	int rc;

	t->id = 0;
	if ((t->site_id > 0) == (t->organisation_id > 0) ||
	    strcmp(t->last_day, t->first_day) < 0)
		return DB_INVALID;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((rc = term_owner_exists(db, t)) == 0) {
		db_rollback(db);
		return DB_INVALID;
	}
	if (rc == -1 || (st = db_stmt(db, sql)) == NULL)
		return db_tx_fail(db, db_errcode(db), "term");
	db_bind_id(st, 1, t->site_id);
	db_bind_id(st, 2, t->organisation_id);
	db_bind_text(st, 3, t->school_year);
	db_bind_text(st, 4, t->name);
	db_bind_text(st, 5, t->first_day);
	db_bind_text(st, 6, t->last_day);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return db_tx_fail(db, rc, "term");
	t->id = sqlite3_last_insert_rowid(db->conn);
	snprintf(line, sizeof(line), "term added: %s %lld, %s to %s",
	    t->site_id > 0 ? "site" : "organisation", (long long)(t->site_id >
	    0 ? t->site_id : t->organisation_id), t->first_day, t->last_day);
	if (db_audit(db, user_id, addr, "term", 0, 0, line) == -1)
		return db_tx_fail(db, db_errcode(db), "term");
	return db_tx_commit(db, "term");
}

/* Removes a term (see terms.h). */
enum db_result
db_term_delete(struct db *db, int64_t term_id, int64_t site_id,
    int64_t organisation_id, int64_t user_id, const char *addr)
{
	static const char sql[] = "DELETE FROM terms WHERE id = ?1 AND "
	    "(site_id = ?2 OR organisation_id = ?3)";
	sqlite3_stmt *st;
	enum db_result r;
	char line[96];

	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, sql)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "term");
	db_bind_id(st, 1, term_id);
	db_bind_id(st, 2, site_id);
	db_bind_id(st, 3, organisation_id);
	if ((r = db_tx_run_one(db, st, "term")) != DB_OK)
		return r == DB_CONFLICT ? DB_INVALID : r;
	snprintf(line, sizeof(line), "term removed: %lld",
	    (long long)term_id);
	if (db_audit(db, user_id, addr, "term", 0, 0, line) == -1)
		return db_tx_fail(db, db_errcode(db), "term");
	return db_tx_commit(db, "term");
}

/* The sessions the owner's terms now put in a holiday (see terms.h). */
int
db_term_hits_each(struct db *db, int64_t site_id, int64_t organisation_id,
    int64_t now, void (*fn)(void *, const struct db_term_hit *), void *arg)
{
	static const char sql[] = "SELECT o.series_id, o.occ_date, "
	    "o.start_utc, si.name, t.name, coalesce(g.name, r.given_name || "
	    "' ' || r.family_name, '') FROM occurrences o "
	    "JOIN series s ON s.id = o.series_id AND s.term_time = 1 "
	    "JOIN sites si ON si.id = o.site_id "
	    "JOIN therapists t ON t.id = o.therapist_id "
	    "LEFT JOIN clients c ON c.id = s.client_id "
	    "LEFT JOIN referrals r ON r.id = c.referral_id "
	    "LEFT JOIN groups g ON g.id = s.group_id "
	    "WHERE (o.site_id = ?1 OR si.organisation_id = ?2) "
	    "AND o.state = 'booked' AND o.start_utc > ?3 "
	    "AND NOT EXISTS (SELECT 1 FROM " SITE_TERMS("o.site_id") " h "
	    "WHERE o.occ_date BETWEEN h.first_day AND h.last_day) "
	    "ORDER BY o.start_utc, o.series_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct db_term_hit h;
	int rc, n = 0;

	if (st != NULL) {
		db_bind_id(st, 1, site_id);
		db_bind_id(st, 2, organisation_id);
		db_bind_int(st, 3, now);
	}
	while ((rc = db_next(db, st)) == 1) {
		memset(&h, 0, sizeof(h));
		h.series_id = sqlite3_column_int64(st, 0);
		db_copy(h.date, sizeof(h.date), db_col(st, 1));
		h.start_utc = sqlite3_column_int64(st, 2);
		db_copy(h.site, sizeof(h.site), db_col(st, 3));
		db_copy(h.therapist, sizeof(h.therapist), db_col(st, 4));
		db_copy(h.who, sizeof(h.who), db_col(st, 5));
		fn(arg, &h);
		n++;
	}
	return rc == 0 ? n : -1;
}

/* The holiday weeks of a series (see terms.h). */
int
db_series_skips_each(struct db *db, int64_t series_id,
    void (*fn)(void *, const char *), void *arg)
{
	static const char sql[] = "SELECT occ_date FROM series_skips "
	    "WHERE series_id = ? ORDER BY occ_date";
	sqlite3_stmt *st = db_stmt_with(db, sql, series_id);
	int rc, n = 0;

	while ((rc = db_next(db, st)) == 1) {
		fn(arg, db_col(st, 0));
		n++;
	}
	return rc == 0 ? n : -1;
}

/* How many sessions a series has, and its last (see terms.h). */
int
db_series_span(struct db *db, int64_t series_id, int *n, int64_t *last_utc)
{
	static const char sql[] = "SELECT count(*), coalesce(max(start_utc), "
	    "0) FROM occurrences WHERE series_id = ? AND state != 'cancelled'";
	sqlite3_stmt *st = db_stmt_with(db, sql, series_id);
	int rc;

	*n = 0;
	*last_utc = 0;
	if ((rc = db_next(db, st)) == 1) {
		*n = sqlite3_column_int(st, 0);
		*last_utc = sqlite3_column_int64(st, 1);
		db_done(st);
		return 0;
	}
	return -1;
}

/* A series for the demo to turn to term time (see terms.h). */
int
db_terms_demo_series(struct db *db, int64_t after_utc, int skip,
    int64_t *series_id, char date[11])
{
	static const char sql[] = "SELECT o.series_id, min(o.occ_date) "
	    "FROM occurrences o JOIN series s ON s.id = o.series_id "
	    "JOIN sites si ON si.id = o.site_id "
	    "WHERE EXISTS (SELECT 1 FROM terms t WHERE t.site_id = si.id OR "
	    "t.organisation_id = si.organisation_id) AND s.status = 'active' "
	    "AND s.client_id IS NOT NULL AND s.term_time = 0 "
	    "AND o.state = 'booked' AND o.start_utc > ?1 "
	    "GROUP BY o.series_id ORDER BY count(*) DESC, o.series_id LIMIT 1 "
	    "OFFSET ?2";
	sqlite3_stmt *st = db_stmt_with(db, sql, after_utc);
	int rc;

	*series_id = 0;
	*date = '\0';
	if (st != NULL)
		db_bind_int(st, 2, skip);
	if ((rc = db_next(db, st)) == 1) {
		*series_id = sqlite3_column_int64(st, 0);
		db_copy(date, 11, db_col(st, 1));
		db_done(st);
	}
	return rc;
}

/*
 * db/records: organisations, sites' details, rooms, therapists, their
 * availability and leave, clients on caseloads and the assignment that
 * makes one, and what matching reads (see records.h).  Each statement is
 * one ?-bound string below, prepared once by db_stmt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/feeds.h"
#include "db/outbox.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/staff.h"
#include "util/buf.h"

const char *const db_site_kind_names[SITE_KIND__MAX] = {
	"own_centre", "school", "care_home", "hospital", "hospice",
	"day_centre", "community_venue", "online",
};
const char *const db_site_kind_labels[SITE_KIND__MAX] = {
	"Our own centre", "School", "Care home", "Hospital", "Hospice",
	"Day centre", "Community venue", "Online",
};

/* ---- statements ---- */

static const char sql_orgs[] =
    "SELECT o.id, o.name, (SELECT count(*) FROM sites s"
    " WHERE s.organisation_id = o.id AND s.active = 1)"
    " FROM organisations o ORDER BY o.name";
static const char sql_org_add[] =
    "INSERT INTO organisations (name) VALUES (?) "
    "ON CONFLICT (name) DO NOTHING";
static const char sql_org_id[] =
    "SELECT id FROM organisations WHERE name = ?";

#define SITE_COLS \
    "s.id, coalesce(s.organisation_id, 0), coalesce(o.name, ''), s.name," \
    " s.kind, s.address, s.postcode, s.district, s.step_free, s.active," \
    " (SELECT count(*) FROM rooms r WHERE r.site_id = s.id" \
    " AND r.active = 1)," \
    " (SELECT count(*) FROM site_hours h WHERE h.site_id = s.id)," \
    " s.region" \
    " FROM sites s LEFT JOIN organisations o ON o.id = s.organisation_id"
static const char sql_sites[] =
    "SELECT " SITE_COLS " ORDER BY s.active DESC, s.name, s.id";
static const char sql_site_get[] =
    "SELECT " SITE_COLS " WHERE s.id = ?";
static const char sql_site_insert[] =
    "INSERT INTO sites (name, kind, address, postcode, step_free, active,"
    " organisation_id, district, region)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10)";
static const char sql_site_update[] =
    "UPDATE sites SET name = ?1, kind = ?2, address = ?3, postcode = ?4,"
    " step_free = ?5, active = ?6, organisation_id = ?7, district = ?8,"
    " region = ?10 WHERE id = ?9";
static const char sql_districts_clear[] =
    "DELETE FROM site_districts WHERE site_id = ?";
static const char sql_district_add[] =
    "INSERT INTO site_districts (site_id, district) VALUES (?, ?) "
    "ON CONFLICT DO NOTHING";
static const char sql_districts[] =
    "SELECT site_id, district FROM site_districts"
    " WHERE ?1 = 0 OR site_id = ?1 ORDER BY site_id, district";
static const char sql_hours_clear[] =
    "DELETE FROM site_hours WHERE site_id = ?";
static const char sql_hours_add[] =
    "INSERT INTO site_hours (site_id, day, start_min, end_min)"
    " VALUES (?, ?, ?, ?)";
static const char sql_hours[] =
    "SELECT id, site_id, day, start_min, end_min FROM site_hours"
    " WHERE ?1 = 0 OR site_id = ?1 ORDER BY site_id, day, start_min";
static const char sql_closures[] =
    "SELECT id, site_id, first_day, last_day, reason FROM site_closures"
    " WHERE (?1 = 0 OR site_id = ?1) AND (?2 IS NULL OR last_day >= ?2)"
    " AND (?3 IS NULL OR first_day <= ?3) ORDER BY site_id, first_day, id";
static const char sql_closure_add[] =
    "INSERT INTO site_closures (site_id, first_day, last_day, reason)"
    " VALUES (?, ?, ?, ?)";
static const char sql_closure_delete[] =
    "DELETE FROM site_closures WHERE id = ?1 AND site_id = ?2";

#define ROOM_COLS \
    "id, site_id, name, capacity, piano, accessible, active FROM rooms"
static const char sql_rooms[] =
    "SELECT " ROOM_COLS " WHERE ?1 = 0 OR site_id = ?1"
    " ORDER BY site_id, active DESC, name, id";
static const char sql_room_get[] =
    "SELECT " ROOM_COLS " WHERE id = ?";
static const char sql_room_insert[] =
    "INSERT INTO rooms (site_id, name, capacity, piano, accessible, active)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_room_update[] =
    "UPDATE rooms SET name = ?2, capacity = ?3, piano = ?4, accessible = ?5,"
    " active = ?6 WHERE id = ?7 AND site_id = ?1";

/*
 * Open clients: not ended, and the referral still matched or active.
 * OPEN_CLIENTS reads one therapist's few open clients and their
 * referrals' rows.  OPEN_CLIENTS_ALL counts the same for every
 * therapist from indexes only (clients_caseload, and the matched and
 * active referrals' ids read once from referrals_status_created: the
 * unary + keeps SQLite from probing the index once per such id).
 */
#define OPEN_CLIENTS(t) \
    "(SELECT count(*) FROM clients c JOIN referrals r ON r.id =" \
    " c.referral_id WHERE c.therapist_id = " t " AND c.ended_at IS NULL" \
    " AND r.status IN ('matched', 'active'))"
#define OPEN_CLIENTS_ALL(t) \
    "(SELECT count(*) FROM clients c WHERE c.therapist_id = " t \
    " AND c.ended_at IS NULL AND +c.referral_id IN (SELECT r.id" \
    " FROM referrals r WHERE r.status IN ('matched', 'active')))"
#define THERAPIST_COLS(open) \
    "t.id, coalesce(t.user_id, 0), CASE WHEN u.active = 1 THEN u.email" \
    " ELSE '' END, t.name, t.specialisms, t.languages, t.max_caseload," \
    " t.max_hours, t.active, " open ", CASE WHEN ?2 > ?1" \
    " THEN (SELECT coalesce(sum(o.end_utc - o.start_utc), 0)" \
    " FROM occurrences o WHERE o.therapist_id = t.id" \
    " AND o.start_utc >= ?1 AND o.start_utc < ?2" \
    " AND o.state != 'cancelled') ELSE 0 END" \
    " FROM therapists t LEFT JOIN users u ON u.id = t.user_id"
static const char sql_therapists[] =
    "SELECT " THERAPIST_COLS(OPEN_CLIENTS_ALL("t.id"))
    " ORDER BY t.active DESC, t.name, t.id";
static const char sql_therapist_get[] =
    "SELECT " THERAPIST_COLS(OPEN_CLIENTS("t.id")) " WHERE t.id = ?3";
static const char sql_user_role[] =
    "SELECT role FROM users WHERE id = ?";
static const char sql_therapist_insert[] =
    "INSERT INTO therapists (user_id, name, specialisms, languages,"
    " max_caseload, max_hours, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_therapist_update[] =
    "UPDATE therapists SET user_id = ?1, name = ?2, specialisms = ?3,"
    " languages = ?4, max_caseload = ?5, max_hours = ?6, active = ?7"
    " WHERE id = ?8";
static const char sql_avail_clear[] =
    "DELETE FROM therapist_availability WHERE therapist_id = ?";
static const char sql_avail_add[] =
    "INSERT INTO therapist_availability (therapist_id, site_id, day,"
    " start_min, end_min) VALUES (?, ?, ?, ?, ?)";
static const char sql_avail[] =
    "SELECT id, therapist_id, site_id, day, start_min, end_min"
    " FROM therapist_availability WHERE ?1 = 0 OR therapist_id = ?1"
    " ORDER BY therapist_id, day, start_min, site_id";
static const char sql_leave[] =
    "SELECT id, therapist_id, first_day, last_day, reason"
    " FROM therapist_leave WHERE (?1 = 0 OR therapist_id = ?1)"
    " AND (?2 IS NULL OR last_day >= ?2) AND (?3 IS NULL OR first_day <= ?3)"
    " ORDER BY therapist_id, first_day, id";
static const char sql_leave_add[] =
    "INSERT INTO therapist_leave (therapist_id, first_day, last_day, reason)"
    " VALUES (?, ?, ?, ?)";
static const char sql_leave_delete[] =
    "DELETE FROM therapist_leave WHERE id = ?1 AND therapist_id = ?2";

#define CLIENT_COLS \
    "c.id, c.referral_id, c.therapist_id, t.name, r.ref," \
    " r.given_name || ' ' || r.family_name, r.status, r.needs," \
    " c.started_at, coalesce(c.ended_at, '') FROM clients c" \
    " JOIN referrals r ON r.id = c.referral_id" \
    " JOIN therapists t ON t.id = c.therapist_id"
static const char sql_clients[] =
    "SELECT " CLIENT_COLS " WHERE (?1 = 0 OR c.therapist_id = ?1)"
    " AND (?2 = 0 OR (c.ended_at IS NULL"
    " AND r.status IN ('matched', 'active')))"
    " ORDER BY c.started_at DESC, c.id DESC";
static const char sql_client_of_referral[] =
    "SELECT " CLIENT_COLS " WHERE c.referral_id = ? AND c.ended_at IS NULL"
    " ORDER BY c.id DESC LIMIT 1";

static const char sql_client_add[] =
    "INSERT INTO clients (referral_id, therapist_id, started_at)"
    " SELECT id, ?2, ?3 FROM referrals WHERE id = ?1"
    " AND status IN ('matched', 'active')";

static const char sql_assign_referral[] =
    "SELECT status FROM referrals WHERE id = ?";
static const char sql_assign_therapist[] =
    "SELECT t.name, t.active, t.max_caseload, " OPEN_CLIENTS("t.id") ","
    " coalesce(u.id, 0), coalesce(u.email, ''), coalesce(u.name, ''),"
    " coalesce(u.active, 0) FROM therapists t"
    " LEFT JOIN users u ON u.id = t.user_id WHERE t.id = ?";
static const char sql_assign_move[] =
    "UPDATE referrals SET status = 'matched', updated_at = ?3"
    " WHERE id = ?1 AND status = ?2";
static const char sql_assign_event[] =
    "INSERT INTO referral_events (referral_id, at, user_id, from_status,"
    " to_status, reason) VALUES (?, ?, ?, ?, 'matched', ?)";
static const char sql_assign_end_stale[] =
    "UPDATE clients SET ended_at = ?2, end_reason = 'assigned again'"
    " WHERE referral_id = ?1 AND ended_at IS NULL";
static const char sql_assign_client[] =
    "INSERT INTO clients (referral_id, therapist_id, started_at)"
    " VALUES (?, ?, ?)";

#define MATCH_COLS \
    "r.id, r.ref, r.given_name || ' ' || r.family_name, r.status, r.needs," \
    " r.availability, r.session_type, r.online_ok, r.postcode, r.language," \
    " r.interpreter, r.access_needs, r.created_at," \
    " coalesce((SELECT group_concat(s.site_id) FROM referral_sites s" \
    " WHERE s.referral_id = r.id), '')," \
    " coalesce((SELECT c.therapist_id FROM clients c" \
    " WHERE c.referral_id = r.id ORDER BY c.id DESC LIMIT 1), 0)" \
    " FROM referrals r"
static const char sql_match_one[] =
    "SELECT " MATCH_COLS " WHERE r.id = ?1";
/* ?3: at most so many (-1: all), for a plan bounded to what it shows. */
static const char sql_match_status[] =
    "SELECT " MATCH_COLS " WHERE r.status = ?2 ORDER BY r.created_at, r.id"
    " LIMIT ?3";

/* Sessions last less than a day, so the index on start_utc serves. */
static const char sql_busy[] =
    "SELECT therapist_id, coalesce(room_id, 0), site_id, start_utc, end_utc"
    " FROM occurrences WHERE start_utc >= ?1 - 86400 AND start_utc < ?2"
    " AND end_utc > ?1 AND state != 'cancelled'";

/* ---- helpers ---- */

/*
 * Commits a records change.  Feeds show therapists', sites' and rooms'
 * names and addresses, so every records change marks them stale in the
 * same transaction (records change rarely; a feed rebuilds in ms).
 */
static enum db_result
tx_commit(struct db *db, const char *what)
{
	if (db_feed_stale_all(db) == -1)
		return db_tx_fail(db, db_errcode(db), what);
	return db_tx_commit(db, what);
}

/*
 * Runs st, bound to insert a row (id 0) or to update row id, and sets
 * *out to the row's id.  DB_OK; DB_CONFLICT when the row to update is
 * gone; or the failure, logged as what.  Rolled back unless DB_OK.
 */
static enum db_result
save_row(struct db *db, sqlite3_stmt *st, int64_t id, int64_t *out,
    const char *what)
{
	int rc;

	if ((rc = db_run(st)) != SQLITE_DONE)
		return db_tx_fail(db, rc, what);
	if (id > 0 && sqlite3_changes(db->conn) != 1) {
		db_rollback(db);
		return DB_CONFLICT;
	}
	*out = id > 0 ? id : sqlite3_last_insert_rowid(db->conn);
	return DB_OK;
}

/* ---- organisations ---- */

typedef void (*org_fn)(void *, const struct db_organisation *);

static void
org_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	struct db_organisation o;

	memset(&o, 0, sizeof(o));
	o.id = sqlite3_column_int64(st, 0);
	db_copy(o.name, sizeof(o.name), db_col(st, 1));
	o.nsites = sqlite3_column_int(st, 2);
	((org_fn)fn)(arg, &o);
}

int
db_organisations_each(struct db *db, void (*fn)(void *,
    const struct db_organisation *), void *arg)
{
	return db_each(db, db_stmt(db, sql_orgs), org_row, (db_any_fn)fn, arg);
}

/*
 * Finds the organisation called name, making it when new; *id is 0 for
 * an empty name.  Inside a transaction.  Returns the SQLite code.
 */
static int
org_ensure(struct db *db, const char *name, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	if (name == NULL || *name == '\0')
		return SQLITE_OK;
	if ((st = db_stmt(db, sql_org_add)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, name);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return rc;
	if ((st = db_stmt(db, sql_org_id)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, name);
	if ((rc = db_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ?
	    SQLITE_ERROR : rc;
}

/* ---- sites ---- */

static void
site_read(sqlite3_stmt *st, void *out)
{
	struct db_site_rec *s = out;
	int k;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->organisation_id = sqlite3_column_int64(st, 1);
	db_copy(s->organisation, sizeof(s->organisation), db_col(st, 2));
	db_copy(s->name, sizeof(s->name), db_col(st, 3));
	k = db_name_index(db_site_kind_names, SITE_KIND__MAX, db_col(st, 4));
	s->kind = k < 0 ? SITE_COMMUNITY_VENUE : k;
	db_copy(s->address, sizeof(s->address), db_col(st, 5));
	db_copy(s->postcode, sizeof(s->postcode), db_col(st, 6));
	db_copy(s->district, sizeof(s->district), db_col(st, 7));
	s->step_free = sqlite3_column_int(st, 8);
	s->active = sqlite3_column_int(st, 9);
	s->nrooms = sqlite3_column_int(st, 10);
	s->nhours = sqlite3_column_int(st, 11);
	db_copy(s->region, sizeof(s->region), db_col(st, 12));
}

DB_ROW_CALL(site_row, struct db_site_rec, site_read)

int
db_sites_each(struct db *db, void (*fn)(void *, const struct db_site_rec *),
    void *arg)
{
	return db_each(db, db_stmt(db, sql_sites), site_row, (db_any_fn)fn,
	    arg);
}

int
db_site_get(struct db *db, int64_t id, struct db_site_rec *out)
{
	memset(out, 0, sizeof(*out));
	return db_one(db, db_stmt_with(db, sql_site_get, id), site_read, out);
}

enum db_result
db_site_save(struct db *db, const struct db_site_edit *e, int64_t user_id,
    const char *addr, int64_t *id)
{
	sqlite3_stmt *st;
	enum db_result r;
	int64_t org, sid;
	char detail[200];
	size_t i;
	int rc;

	*id = 0;
	if ((unsigned)e->kind >= SITE_KIND__MAX)
		return DB_INVALID;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((rc = org_ensure(db, e->organisation, &org)) != SQLITE_OK)
		return db_tx_fail(db, rc, "site organisation");
	if ((st = db_stmt(db, e->id > 0 ? sql_site_update :
	    sql_site_insert)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "site save");
	db_bind_text(st, 1, e->name);
	db_bind_text(st, 2, db_site_kind_names[e->kind]);
	db_bind_text(st, 3, e->address);
	db_bind_text(st, 4, e->postcode);
	(void)sqlite3_bind_int(st, 5, e->step_free ? 1 : 0);
	(void)sqlite3_bind_int(st, 6, e->active ? 1 : 0);
	db_bind_id(st, 7, org);
	db_bind_text(st, 8, e->district);
	if (e->id > 0)
		(void)sqlite3_bind_int64(st, 9, e->id);
	db_bind_text(st, 10, e->region != NULL ? e->region : "");
	if ((r = save_row(db, st, e->id, &sid, "site save")) != DB_OK)
		return r;

	if ((rc = db_run(db_stmt_with(db, sql_districts_clear, sid))) !=
	    SQLITE_DONE)
		return db_tx_fail(db, rc, "site districts");
	for (i = 0; i < e->nserves; i++) {
		if ((st = db_stmt(db, sql_district_add)) == NULL)
			return db_tx_fail(db, SQLITE_ERROR, "site districts");
		(void)sqlite3_bind_int64(st, 1, sid);
		db_bind_text(st, 2, e->serves[i]);
		if ((rc = db_run(st)) != SQLITE_DONE)
			return db_tx_fail(db, rc, "site districts");
	}
	if ((rc = db_run(db_stmt_with(db, sql_hours_clear, sid))) !=
	    SQLITE_DONE)
		return db_tx_fail(db, rc, "site hours");
	for (i = 0; i < e->nhours; i++) {
		if ((st = db_stmt(db, sql_hours_add)) == NULL)
			return db_tx_fail(db, SQLITE_ERROR, "site hours");
		(void)sqlite3_bind_int64(st, 1, sid);
		(void)sqlite3_bind_int(st, 2, e->hours[i].day);
		(void)sqlite3_bind_int(st, 3, e->hours[i].start_min);
		(void)sqlite3_bind_int(st, 4, e->hours[i].end_min);
		if ((rc = db_run(st)) != SQLITE_DONE)
			return db_tx_fail(db, rc, "site hours");
	}
	snprintf(detail, sizeof(detail), "%s site %lld (%.100s)",
	    e->id > 0 ? "changed" : "added", (long long)sid, e->name);
	if (db_audit(db, user_id, addr, e->id > 0 ? "site-edit" : "site-add",
	    0, 0, detail) == -1)
		return db_tx_fail(db, db_errcode(db), "site audit");
	if ((r = tx_commit(db, "site save")) == DB_OK)
		*id = sid;
	return r;
}

typedef void (*district_fn)(void *, int64_t, const char *);

static void
district_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	((district_fn)fn)(arg, sqlite3_column_int64(st, 0), db_col(st, 1));
}

int
db_site_districts_each(struct db *db, int64_t site_id, void (*fn)(void *,
    int64_t, const char *), void *arg)
{
	return db_each(db, db_stmt_with(db, sql_districts, site_id),
	    district_row, (db_any_fn)fn, arg);
}

typedef void (*range_fn)(void *, const struct db_week_range *);

static void
hours_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	struct db_week_range r;

	r.id = sqlite3_column_int64(st, 0);
	r.owner_id = r.site_id = sqlite3_column_int64(st, 1);
	r.day = sqlite3_column_int(st, 2);
	r.start_min = sqlite3_column_int(st, 3);
	r.end_min = sqlite3_column_int(st, 4);
	((range_fn)fn)(arg, &r);
}

int
db_site_hours_each(struct db *db, int64_t site_id, void (*fn)(void *,
    const struct db_week_range *), void *arg)
{
	return db_each(db, db_stmt_with(db, sql_hours, site_id), hours_row,
	    (db_any_fn)fn, arg);
}

typedef void (*period_fn)(void *, const struct db_period *);

static void
period_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	struct db_period p;

	memset(&p, 0, sizeof(p));
	p.id = sqlite3_column_int64(st, 0);
	p.owner_id = sqlite3_column_int64(st, 1);
	db_copy(p.first_day, sizeof(p.first_day), db_col(st, 2));
	db_copy(p.last_day, sizeof(p.last_day), db_col(st, 3));
	db_copy(p.reason, sizeof(p.reason), db_col(st, 4));
	((period_fn)fn)(arg, &p);
}

static int
periods_each(struct db *db, const char *sql, int64_t owner, const char *from,
    const char *to, period_fn fn, void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, owner);
	db_bind_opt(st, 2, from);
	db_bind_opt(st, 3, to);
	return db_each(db, st, period_row, (db_any_fn)fn, arg);
}

int
db_site_closures_each(struct db *db, int64_t site_id, const char *from,
    const char *to, void (*fn)(void *, const struct db_period *), void *arg)
{
	return periods_each(db, sql_closures, site_id, from, to, fn, arg);
}

/* A partner's closure report entered as the closure just added. */
static const char sql_report_accept[] = "UPDATE closure_reports SET "
    "status = 'accepted', closure_id = last_insert_rowid() WHERE id = ?1 "
    "AND site_id = ?2 AND status = 'proposed'";

/*
 * Adds a period (leave or closure) to owner with an audit line, in one
 * transaction; with report_id > 0, that partner's closure report is
 * marked accepted as this closure in it too (DB_CONFLICT when it is not
 * the site's or no longer waiting: nothing is stored then).
 */
static enum db_result
period_add_reported(struct db *db, const char *sql, int64_t owner,
    int64_t report_id, const char *first, const char *last,
    const char *reason, int64_t user_id, const char *addr,
    const char *action, const char *what)
{
	sqlite3_stmt *st;
	enum db_result r;
	char detail[160];
	int rc;

	if (first == NULL || last == NULL || strcmp(last, first) < 0)
		return DB_INVALID;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, sql)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, action);
	(void)sqlite3_bind_int64(st, 1, owner);
	db_bind_text(st, 2, first);
	db_bind_text(st, 3, last);
	db_bind_text(st, 4, reason);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return db_tx_fail(db, rc, action);
	if (report_id > 0) {
		if ((st = db_stmt(db, sql_report_accept)) == NULL)
			return db_tx_fail(db, SQLITE_ERROR, action);
		(void)sqlite3_bind_int64(st, 1, report_id);
		(void)sqlite3_bind_int64(st, 2, owner);
		if ((r = db_tx_run_one(db, st, action)) != DB_OK)
			return r;
	}
	snprintf(detail, sizeof(detail), "%s %lld: %s to %s", what,
	    (long long)owner, first, last);
	if (db_audit(db, user_id, addr, action, 0, 0, detail) == -1)
		return db_tx_fail(db, db_errcode(db), action);
	return tx_commit(db, action);
}

/* period_add_reported with no report. */
static enum db_result
period_add(struct db *db, const char *sql, int64_t owner, const char *first,
    const char *last, const char *reason, int64_t user_id, const char *addr,
    const char *action, const char *what)
{
	return period_add_reported(db, sql, owner, 0, first, last, reason,
	    user_id, addr, action, what);
}

static enum db_result
period_delete(struct db *db, const char *sql, int64_t owner, int64_t id,
    int64_t user_id, const char *addr, const char *action, const char *what)
{
	sqlite3_stmt *st;
	enum db_result r;
	char detail[160];

	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, sql)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, action);
	(void)sqlite3_bind_int64(st, 1, id);
	(void)sqlite3_bind_int64(st, 2, owner);
	if ((r = db_tx_run_one(db, st, action)) != DB_OK)
		return r;
	snprintf(detail, sizeof(detail), "%s %lld: removed %lld", what,
	    (long long)owner, (long long)id);
	if (db_audit(db, user_id, addr, action, 0, 0, detail) == -1)
		return db_tx_fail(db, db_errcode(db), action);
	return tx_commit(db, action);
}

enum db_result
db_site_closure_add(struct db *db, int64_t site_id, const char *first_day,
    const char *last_day, const char *reason, int64_t user_id,
    const char *addr)
{
	return period_add(db, sql_closure_add, site_id, first_day, last_day,
	    reason, user_id, addr, "closure-add", "site");
}

enum db_result
db_site_closure_add_reported(struct db *db, int64_t site_id,
    int64_t report_id, const char *first_day, const char *last_day,
    const char *reason, int64_t user_id, const char *addr)
{
	return period_add_reported(db, sql_closure_add, site_id, report_id,
	    first_day, last_day, reason, user_id, addr, "closure-add", "site");
}

enum db_result
db_site_closure_delete(struct db *db, int64_t site_id, int64_t closure_id,
    int64_t user_id, const char *addr)
{
	return period_delete(db, sql_closure_delete, site_id, closure_id,
	    user_id, addr, "closure-remove", "site");
}

/* ---- rooms ---- */

static void
room_read(sqlite3_stmt *st, void *out)
{
	struct db_room *r = out;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->site_id = sqlite3_column_int64(st, 1);
	db_copy(r->name, sizeof(r->name), db_col(st, 2));
	r->capacity = sqlite3_column_int(st, 3);
	r->piano = sqlite3_column_int(st, 4);
	r->accessible = sqlite3_column_int(st, 5);
	r->active = sqlite3_column_int(st, 6);
}

DB_ROW_CALL(room_row, struct db_room, room_read)

int
db_rooms_each(struct db *db, int64_t site_id, void (*fn)(void *,
    const struct db_room *), void *arg)
{
	return db_each(db, db_stmt_with(db, sql_rooms, site_id), room_row,
	    (db_any_fn)fn, arg);
}

int
db_room_get(struct db *db, int64_t id, struct db_room *out)
{
	memset(out, 0, sizeof(*out));
	return db_one(db, db_stmt_with(db, sql_room_get, id), room_read, out);
}

enum db_result
db_room_save(struct db *db, const struct db_room *room, int64_t user_id,
    const char *addr, int64_t *id)
{
	sqlite3_stmt *st;
	enum db_result r;
	char detail[200];
	int64_t rid;

	*id = 0;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, room->id > 0 ? sql_room_update :
	    sql_room_insert)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "room save");
	(void)sqlite3_bind_int64(st, 1, room->site_id);
	db_bind_text(st, 2, room->name);
	(void)sqlite3_bind_int(st, 3, room->capacity);
	(void)sqlite3_bind_int(st, 4, room->piano ? 1 : 0);
	(void)sqlite3_bind_int(st, 5, room->accessible ? 1 : 0);
	(void)sqlite3_bind_int(st, 6, room->active ? 1 : 0);
	if (room->id > 0)
		(void)sqlite3_bind_int64(st, 7, room->id);
	if ((r = save_row(db, st, room->id, &rid, "room save")) != DB_OK)
		return r;
	snprintf(detail, sizeof(detail), "%s room %lld (%.100s) at site %lld",
	    room->id > 0 ? "changed" : "added", (long long)rid, room->name,
	    (long long)room->site_id);
	if (db_audit(db, user_id, addr, room->id > 0 ? "room-edit" :
	    "room-add", 0, 0, detail) == -1)
		return db_tx_fail(db, db_errcode(db), "room audit");
	if ((r = tx_commit(db, "room save")) == DB_OK)
		*id = rid;
	return r;
}

/* ---- therapists ---- */

static void
therapist_read(sqlite3_stmt *st, void *out)
{
	struct db_therapist *t = out;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->user_id = sqlite3_column_int64(st, 1);
	db_copy(t->user_email, sizeof(t->user_email), db_col(st, 2));
	db_copy(t->name, sizeof(t->name), db_col(st, 3));
	t->specialisms = (unsigned)sqlite3_column_int64(st, 4);
	db_copy(t->languages, sizeof(t->languages), db_col(st, 5));
	t->max_caseload = sqlite3_column_int(st, 6);
	t->max_hours = sqlite3_column_int(st, 7);
	t->active = sqlite3_column_int(st, 8);
	t->caseload = sqlite3_column_int(st, 9);
	t->booked_min = sqlite3_column_int64(st, 10) / 60;
}

DB_ROW_CALL(therapist_row, struct db_therapist, therapist_read)

int
db_therapists_each(struct db *db, time_t from_utc, time_t to_utc,
    void (*fn)(void *, const struct db_therapist *), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_therapists);

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (int64_t)from_utc);
	(void)sqlite3_bind_int64(st, 2, (int64_t)to_utc);
	return db_each(db, st, therapist_row, (db_any_fn)fn, arg);
}

int
db_therapist_get(struct db *db, int64_t id, time_t from_utc, time_t to_utc,
    struct db_therapist *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_therapist_get);

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (int64_t)from_utc);
	(void)sqlite3_bind_int64(st, 2, (int64_t)to_utc);
	(void)sqlite3_bind_int64(st, 3, id);
	return db_one(db, st, therapist_read, out);
}

/* 1 when user id is a therapist's account, 0 when not, -1 on error. */
static int
user_is_therapist(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_role);
	int rc, yes = 0;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == SQLITE_ROW)
		yes = strcmp(db_col(st, 0), "therapist") == 0;
	db_done(st);
	return rc == SQLITE_ROW ? yes : rc == SQLITE_DONE ? 0 : -1;
}

enum db_result
db_therapist_save(struct db *db, const struct db_therapist_edit *e,
    int64_t user_id, const char *addr, int64_t *id)
{
	sqlite3_stmt *st;
	enum db_result r;
	char detail[200];
	int64_t tid;
	size_t i;
	int rc;

	*id = 0;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if (e->user_id > 0) {
		if ((rc = user_is_therapist(db, e->user_id)) == -1)
			return db_tx_fail(db, db_errcode(db),
			    "therapist user");
		if (rc == 0) {
			db_rollback(db);
			return DB_INVALID;
		}
	}
	if ((st = db_stmt(db, e->id > 0 ? sql_therapist_update :
	    sql_therapist_insert)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "therapist save");
	db_bind_id(st, 1, e->user_id);
	db_bind_text(st, 2, e->name);
	(void)sqlite3_bind_int64(st, 3, e->specialisms);
	db_bind_text(st, 4, e->languages);
	(void)sqlite3_bind_int(st, 5, e->max_caseload);
	(void)sqlite3_bind_int(st, 6, e->max_hours);
	(void)sqlite3_bind_int(st, 7, e->active ? 1 : 0);
	if (e->id > 0)
		(void)sqlite3_bind_int64(st, 8, e->id);
	if ((r = save_row(db, st, e->id, &tid, "therapist save")) != DB_OK)
		return r;
	if ((rc = db_run(db_stmt_with(db, sql_avail_clear, tid))) !=
	    SQLITE_DONE)
		return db_tx_fail(db, rc, "therapist availability");
	for (i = 0; i < e->navailability; i++) {
		if ((st = db_stmt(db, sql_avail_add)) == NULL)
			return db_tx_fail(db, SQLITE_ERROR,
			    "therapist availability");
		(void)sqlite3_bind_int64(st, 1, tid);
		(void)sqlite3_bind_int64(st, 2, e->availability[i].site_id);
		(void)sqlite3_bind_int(st, 3, e->availability[i].day);
		(void)sqlite3_bind_int(st, 4, e->availability[i].start_min);
		(void)sqlite3_bind_int(st, 5, e->availability[i].end_min);
		if ((rc = db_run(st)) != SQLITE_DONE)
			return db_tx_fail(db, rc, "therapist availability");
	}
	snprintf(detail, sizeof(detail), "%s therapist %lld (%.100s)",
	    e->id > 0 ? "changed" : "added", (long long)tid, e->name);
	if (db_audit(db, user_id, addr, e->id > 0 ? "therapist-edit" :
	    "therapist-add", 0, e->user_id, detail) == -1)
		return db_tx_fail(db, db_errcode(db),
		    "therapist audit");
	if ((r = tx_commit(db, "therapist save")) == DB_OK)
		*id = tid;
	return r;
}

static void
avail_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	struct db_week_range r;

	r.id = sqlite3_column_int64(st, 0);
	r.owner_id = sqlite3_column_int64(st, 1);
	r.site_id = sqlite3_column_int64(st, 2);
	r.day = sqlite3_column_int(st, 3);
	r.start_min = sqlite3_column_int(st, 4);
	r.end_min = sqlite3_column_int(st, 5);
	((range_fn)fn)(arg, &r);
}

int
db_availability_each(struct db *db, int64_t therapist_id, void (*fn)(void *,
    const struct db_week_range *), void *arg)
{
	return db_each(db, db_stmt_with(db, sql_avail, therapist_id), avail_row,
	    (db_any_fn)fn, arg);
}

int
db_leave_each(struct db *db, int64_t therapist_id, const char *from,
    const char *to, void (*fn)(void *, const struct db_period *), void *arg)
{
	return periods_each(db, sql_leave, therapist_id, from, to, fn, arg);
}

enum db_result
db_leave_add(struct db *db, int64_t therapist_id, const char *first_day,
    const char *last_day, const char *reason, int64_t user_id,
    const char *addr)
{
	return period_add(db, sql_leave_add, therapist_id, first_day,
	    last_day, reason, user_id, addr, "leave-add", "therapist");
}

enum db_result
db_leave_delete(struct db *db, int64_t therapist_id, int64_t leave_id,
    int64_t user_id, const char *addr)
{
	return period_delete(db, sql_leave_delete, therapist_id, leave_id,
	    user_id, addr, "leave-remove", "therapist");
}

/* ---- clients ---- */

static void
client_read(sqlite3_stmt *st, void *out)
{
	struct db_client *c = out;
	int k;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->referral_id = sqlite3_column_int64(st, 1);
	c->therapist_id = sqlite3_column_int64(st, 2);
	db_copy(c->therapist, sizeof(c->therapist), db_col(st, 3));
	db_copy(c->ref, sizeof(c->ref), db_col(st, 4));
	db_copy(c->name, sizeof(c->name), db_col(st, 5));
	k = db_name_index(status_names, STATUS__MAX, db_col(st, 6));
	c->status = k < 0 ? ST_MATCHED : k;
	c->needs = (unsigned)sqlite3_column_int64(st, 7);
	db_copy(c->started_at, sizeof(c->started_at), db_col(st, 8));
	db_copy(c->ended_at, sizeof(c->ended_at), db_col(st, 9));
}

DB_ROW_CALL(client_row, struct db_client, client_read)

int
db_clients_each(struct db *db, int64_t therapist_id, int open_only,
    void (*fn)(void *, const struct db_client *), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_clients);

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, therapist_id);
	(void)sqlite3_bind_int(st, 2, open_only ? 1 : 0);
	return db_each(db, st, client_row, (db_any_fn)fn, arg);
}

int
db_client_of_referral(struct db *db, int64_t referral_id,
    struct db_client *out)
{
	memset(out, 0, sizeof(*out));
	return db_one(db, db_stmt_with(db, sql_client_of_referral, referral_id),
	    client_read, out);
}

enum db_result
db_client_add(struct db *db, int64_t referral_id, int64_t therapist_id,
    const char *started_at, int64_t user_id, int64_t *client_id)
{
	sqlite3_stmt *st;
	enum db_result r;
	char detail[96];

	*client_id = 0;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, sql_client_add)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "client add");
	(void)sqlite3_bind_int64(st, 1, referral_id);
	(void)sqlite3_bind_int64(st, 2, therapist_id);
	db_bind_text(st, 3, started_at);
	if ((r = db_tx_run_one(db, st, "client add")) != DB_OK)
		return r == DB_CONFLICT ? DB_INVALID : r;
	*client_id = sqlite3_last_insert_rowid(db->conn);
	snprintf(detail, sizeof(detail), "on the caseload of therapist %lld",
	    (long long)therapist_id);
	if (db_audit(db, user_id, "", "client-add", referral_id, 0,
	    detail) == -1)
		return db_tx_fail(db, db_errcode(db), "client audit");
	if ((r = tx_commit(db, "client add")) != DB_OK)
		*client_id = 0;
	return r;
}

/* What the assignment reads of the therapist, under the lock. */
struct assignee {
	char	 name[DB_RECORD_NAME_LEN];
	int	 active;
	int	 max_caseload;
	int	 caseload;
	int64_t	 user_id;
	char	 email[256];
	char	 user_name[DB_RECORD_NAME_LEN];
	int	 user_active;
};

/* What an assignment's caller acts on, for a store result. */
static enum db_assign_result
assign_result(enum db_result r)
{
	return r == DB_OK ? DB_ASSIGN_OK : r == DB_BUSY ? DB_ASSIGN_BUSY :
	    DB_ASSIGN_ERROR;
}

/* Ends a failed assignment: rolled back, logged as what. */
static enum db_assign_result
assign_fail(struct db *db, int rc, const char *what)
{
	return assign_result(db_tx_fail(db, rc, what));
}

enum db_assign_result
db_client_assign(struct db *db, const struct db_assign *a,
    int64_t *client_id, int *emailed)
{
	sqlite3_stmt *st;
	struct assignee t;
	char now[21], key[DB_OUTBOX_KEY_LEN], reason[600], detail[200];
	enum db_result r;
	int rc, moved;

	*client_id = 0;
	*emailed = 0;
	if (a->from != ST_TRIAGED && a->from != ST_WAITLISTED)
		return DB_ASSIGN_NOT_OPEN;
	if ((r = db_tx_begin(db)) != DB_OK)
		return assign_result(r);
	db_now(now);

	/* The referral, still as the page saw it. */
	if ((st = db_stmt(db, sql_assign_referral)) == NULL)
		return assign_fail(db, SQLITE_ERROR, "assign");
	(void)sqlite3_bind_int64(st, 1, a->referral_id);
	rc = db_step(st);
	moved = rc == SQLITE_ROW && strcmp(db_col(st, 0),
	    status_names[a->from]) != 0;
	db_done(st);
	if (rc == SQLITE_DONE) {
		db_rollback(db);
		return DB_ASSIGN_GONE;
	}
	if (rc != SQLITE_ROW)
		return assign_fail(db, rc, "assign referral");
	if (moved) {
		db_rollback(db);
		return DB_ASSIGN_MOVED;
	}

	/* The therapist: active, with a free place. */
	if ((st = db_stmt(db, sql_assign_therapist)) == NULL)
		return assign_fail(db, SQLITE_ERROR, "assign");
	(void)sqlite3_bind_int64(st, 1, a->therapist_id);
	memset(&t, 0, sizeof(t));
	if ((rc = db_step(st)) == SQLITE_ROW) {
		db_copy(t.name, sizeof(t.name), db_col(st, 0));
		t.active = sqlite3_column_int(st, 1);
		t.max_caseload = sqlite3_column_int(st, 2);
		t.caseload = sqlite3_column_int(st, 3);
		t.user_id = sqlite3_column_int64(st, 4);
		db_copy(t.email, sizeof(t.email), db_col(st, 5));
		db_copy(t.user_name, sizeof(t.user_name), db_col(st, 6));
		t.user_active = sqlite3_column_int(st, 7);
	}
	db_done(st);
	if (rc == SQLITE_DONE) {
		db_rollback(db);
		return DB_ASSIGN_GONE;
	}
	if (rc != SQLITE_ROW)
		return assign_fail(db, rc, "assign therapist");
	if (!t.active || t.caseload >= t.max_caseload) {
		db_rollback(db);
		return DB_ASSIGN_NO_PLACE;
	}

	if ((st = db_stmt(db, sql_assign_move)) == NULL)
		return assign_fail(db, SQLITE_ERROR, "assign");
	(void)sqlite3_bind_int64(st, 1, a->referral_id);
	db_bind_text(st, 2, status_names[a->from]);
	db_bind_text(st, 3, now);
	if ((r = db_tx_run_one(db, st, "assign move")) != DB_OK)
		return r == DB_CONFLICT ? DB_ASSIGN_MOVED : assign_result(r);
	if (a->detail != NULL && *a->detail != '\0')
		snprintf(reason, sizeof(reason), "assigned to %s: %s", t.name,
		    a->detail);
	else
		snprintf(reason, sizeof(reason), "assigned to %s", t.name);
	if ((st = db_stmt(db, sql_assign_event)) == NULL)
		return assign_fail(db, SQLITE_ERROR, "assign");
	(void)sqlite3_bind_int64(st, 1, a->referral_id);
	db_bind_text(st, 2, now);
	db_bind_id(st, 3, a->user_id);
	db_bind_text(st, 4, status_names[a->from]);
	db_bind_text(st, 5, reason);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return assign_fail(db, rc, "assign history");

	/* A referral back on the waitlist may still hold its old place. */
	if ((st = db_stmt(db, sql_assign_end_stale)) == NULL)
		return assign_fail(db, SQLITE_ERROR, "assign");
	(void)sqlite3_bind_int64(st, 1, a->referral_id);
	db_bind_text(st, 2, now);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return assign_fail(db, rc, "assign end stale");
	if ((st = db_stmt(db, sql_assign_client)) == NULL)
		return assign_fail(db, SQLITE_ERROR, "assign");
	(void)sqlite3_bind_int64(st, 1, a->referral_id);
	(void)sqlite3_bind_int64(st, 2, a->therapist_id);
	db_bind_text(st, 3, now);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return assign_fail(db, rc, "assign client");
	*client_id = sqlite3_last_insert_rowid(db->conn);

	snprintf(detail, sizeof(detail), "assigned to therapist %lld (%.100s),"
	    " client %lld", (long long)a->therapist_id, t.name,
	    (long long)*client_id);
	if (db_audit(db, a->user_id, a->addr, "assign", a->referral_id,
	    t.user_id, detail) == -1)
		return assign_fail(db, db_errcode(db),
		    "assign audit");
	if (t.user_id > 0 && t.user_active && t.email[0] != '\0') {
		if (db_outbox_key(key, sizeof(key), "therapist_assigned",
		    *client_id, -1) == -1 ||
		    db_outbox_add(db, "therapist_assigned", key, t.email,
		    t.user_name[0] != '\0' ? t.user_name : t.name,
		    a->referral_id, t.user_id, a->msgid_domain) == -1)
			return assign_fail(db, db_errcode(db),
			    "assign outbox");
		*emailed = 1;
	}
	if ((r = db_tx_commit(db, "assign")) != DB_OK) {
		*client_id = 0;
		*emailed = 0;
	}
	return assign_result(r);
}

/* ---- what matching reads ---- */

typedef void (*match_fn)(void *, const struct db_match_referral *);

static void
match_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	struct db_match_referral m;
	int64_t sites[DB_MATCH_SITES_MAX];
	const char *p;
	char *end;
	long long v;
	int k;

	memset(&m, 0, sizeof(m));
	m.id = sqlite3_column_int64(st, 0);
	db_copy(m.ref, sizeof(m.ref), db_col(st, 1));
	db_copy(m.name, sizeof(m.name), db_col(st, 2));
	k = db_name_index(status_names, STATUS__MAX, db_col(st, 3));
	m.status = k < 0 ? ST_NEW : k;
	m.needs = (unsigned)sqlite3_column_int64(st, 4);
	m.availability = (unsigned)sqlite3_column_int64(st, 5);
	db_copy(m.session_type, sizeof(m.session_type), db_col(st, 6));
	m.online_ok = sqlite3_column_int(st, 7);
	db_copy(m.postcode, sizeof(m.postcode), db_col(st, 8));
	db_copy(m.language, sizeof(m.language), db_col(st, 9));
	m.interpreter = sqlite3_column_int(st, 10);
	m.access_needs = db_col(st, 11);
	db_copy(m.created_at, sizeof(m.created_at), db_col(st, 12));
	/* "3,1,7": the referral's sites. */
	for (p = db_col(st, 13); *p != '\0' && m.nsites < DB_MATCH_SITES_MAX;) {
		v = strtoll(p, &end, 10);
		if (end == p)
			break;
		if (v > 0)
			sites[m.nsites++] = v;
		p = *end == ',' ? end + 1 : end;
	}
	m.sites = sites;
	m.previous_therapist_id = sqlite3_column_int64(st, 14);
	((match_fn)fn)(arg, &m);
}

int
db_match_referrals_each(struct db *db, int64_t referral_id,
    enum status status, void (*fn)(void *,
    const struct db_match_referral *), void *arg)
{
	return db_match_referrals_first(db, referral_id, status, -1, fn, arg);
}

int
db_match_referrals_first(struct db *db, int64_t referral_id,
    enum status status, int64_t max, void (*fn)(void *,
    const struct db_match_referral *), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, referral_id > 0 ? sql_match_one :
	    sql_match_status);

	if (st == NULL)
		return -1;
	if (referral_id > 0)
		(void)sqlite3_bind_int64(st, 1, referral_id);
	else {
		if ((unsigned)status >= STATUS__MAX) {
			db_done(st);
			return -1;
		}
		db_bind_text(st, 2, status_names[status]);
		db_bind_int(st, 3, max);
	}
	return db_each(db, st, match_row, (db_any_fn)fn, arg);
}

typedef void (*busy_fn)(void *, int64_t, int64_t, int64_t, time_t, time_t);

static void
busy_row(sqlite3_stmt *st, db_any_fn fn, void *arg)
{
	((busy_fn)fn)(arg, sqlite3_column_int64(st, 0),
	    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
	    (time_t)sqlite3_column_int64(st, 3),
	    (time_t)sqlite3_column_int64(st, 4));
}

int
db_busy_each(struct db *db, time_t from_utc, time_t to_utc,
    void (*fn)(void *, int64_t, int64_t, int64_t, time_t, time_t),
    void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_busy);

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (int64_t)from_utc);
	(void)sqlite3_bind_int64(st, 2, (int64_t)to_utc);
	return db_each(db, st, busy_row, (db_any_fn)fn, arg);
}

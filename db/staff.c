/*
 * Staff: users, sessions, failed sign-ins, the audit log, and the
 * coordinator's referral queue with its history and notes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/referrals.h"
#include "db/staff.h"
#include "util/buf.h"

const char *const status_names[STATUS__MAX] = {
	"new", "triaged", "waitlisted", "matched", "active", "closed",
	"declined", "withdrawn",
};
const char *const status_labels[STATUS__MAX] = {
	"New", "Triaged", "Waitlisted", "Matched", "Active", "Closed",
	"Declined", "Withdrawn",
};

int
db_status_open(enum status s)
{
	return s <= ST_ACTIVE;
}

int
db_status_move_ok(enum status from, enum status to)
{
	if ((unsigned)from >= STATUS__MAX || (unsigned)to >= STATUS__MAX ||
	    from == to || !db_status_open(from))
		return 0;
	if (to == ST_DECLINED || to == ST_WITHDRAWN)
		return 1;
	switch (from) {
	case ST_NEW:
		return to == ST_TRIAGED;
	case ST_TRIAGED:
		return to == ST_WAITLISTED || to == ST_MATCHED;
	case ST_WAITLISTED:
		return to == ST_MATCHED;
	case ST_MATCHED:
		/* A match can fall through: back to the waitlist. */
		return to == ST_ACTIVE || to == ST_WAITLISTED;
	case ST_ACTIVE:
		return to == ST_CLOSED;
	default:
		return 0;
	}
}

/* Users. */

static int
user_row(sqlite3_stmt *st, struct db_user *u)
{
	int rc = db_step(st);

	memset(u, 0, sizeof(*u));
	if (rc == SQLITE_ROW) {
		u->id = sqlite3_column_int64(st, 0);
		db_copy(u->email, sizeof(u->email), db_col(st, 1));
		db_copy(u->name, sizeof(u->name), db_col(st, 2));
		db_copy(u->role, sizeof(u->role), db_col(st, 3));
		u->active = sqlite3_column_int(st, 4);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			u->password_hash = xstrdup(db_col(st, 5));
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_user_by_email(struct db *db, const char *email, struct db_user *u)
{
	static const char sql[] = "SELECT id, email, name, role, active, "
	    "password_hash FROM users WHERE email = ?";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, email);
	return user_row(st, u);
}

int
db_user_get(struct db *db, int64_t id, struct db_user *u)
{
	static const char sql[] = "SELECT id, email, name, role, active, "
	    "password_hash FROM users WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	return user_row(st, u);
}

void
db_user_clear(struct db_user *u)
{
	if (u == NULL)
		return;
	free(u->password_hash);
	u->password_hash = NULL;
}

/* Runs a one-statement write with one or two integer parameters. */
static int
write_ints(struct db *db, const char *sql, int64_t a, int64_t b, int nb)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, a);
	if (nb > 1)
		(void)sqlite3_bind_int64(st, 2, b);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: %.40s: %s\n", sql,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

int
db_user_set_active(struct db *db, int64_t id, int active)
{
	static const char sql[] = "UPDATE users SET active = ?2 WHERE id = ?1";
	static const char del[] = "DELETE FROM sessions WHERE user_id = ?";

	if (write_ints(db, sql, id, active, 2) == -1)
		return -1;
	return active ? 0 : write_ints(db, del, id, 0, 1);
}

/* Ends the sessions of user id but keep (0: every one); -1 or the count. */
static int
sessions_end(struct db *db, int64_t id, int64_t keep)
{
	static const char sql[] =
	    "DELETE FROM sessions WHERE user_id = ?1 AND id != ?2";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, keep);
	return db_run_count(db, st, NULL);
}

/* A new password hash for id, ending its sessions but keep; 0 or -1. */
static int
password_write(struct db *db, int64_t id, const char *hash, int64_t keep)
{
	static const char sql[] =
	    "UPDATE users SET password_hash = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, id);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	return sessions_end(db, id, keep) < 0 ? -1 : 0;
}

int
db_user_set_password(struct db *db, int64_t id, const char *hash)
{
	return password_write(db, id, hash, 0);
}

/*
 * Writes audit line a with subject (0: a's own) inside the caller's
 * transaction; the SQLite code of a failure, or SQLITE_OK.
 */
static int
audit_write(struct db *db, const struct db_audit_line *a, int64_t subject)
{
	if (db_audit(db, a->user_id, a->addr, a->action, a->referral_id,
	    subject > 0 ? subject : a->subject_user_id, a->detail) == -1)
		return db_errcode(db);
	return SQLITE_OK;
}

int64_t
db_user_add_audited(struct db *db, const char *email, const char *name,
    const char *role, const char *password_hash, int64_t organisation_id,
    const struct db_audit_line *a)
{
	int64_t id;
	int rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((id = db_user_add(db, email, name, role, password_hash)) <= 0) {
		rc = db_errcode(db);
		goto fail;
	}
	if (organisation_id > 0 &&
	    db_user_organisation_set(db, id, organisation_id) == -1) {
		rc = SQLITE_CONSTRAINT;
		goto fail;
	}
	if ((rc = audit_write(db, a, id)) != SQLITE_OK)
		goto fail;
	return db_tx_commit(db, "user add") == DB_OK ? id : -1;
fail:
	(void)db_tx_fail(db, rc, "user add");
	return -1;
}

/*
 * One change to user id with its audit line, as one write: the password
 * hash when hash is not NULL (ending every session but keep, 0: all),
 * else active.  0 or -1 (logged).
 */
static int
user_change_audited(struct db *db, int64_t id, int active, const char *hash,
    int64_t keep, const struct db_audit_line *a)
{
	const char *what = hash != NULL ? "user password" : "user active";
	int rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((hash != NULL ? password_write(db, id, hash, keep) :
	    db_user_set_active(db, id, active)) == -1) {
		rc = db_errcode(db);
		goto fail;
	}
	if ((rc = audit_write(db, a, 0)) != SQLITE_OK)
		goto fail;
	return db_tx_commit(db, what) == DB_OK ? 0 : -1;
fail:
	(void)db_tx_fail(db, rc, what);
	return -1;
}

int
db_user_set_active_audited(struct db *db, int64_t id, int active,
    const struct db_audit_line *a)
{
	return user_change_audited(db, id, active, NULL, 0, a);
}

int
db_user_set_password_audited(struct db *db, int64_t id, const char *hash,
    const struct db_audit_line *a)
{
	return user_change_audited(db, id, 0, hash, 0, a);
}

int
db_user_password_change_audited(struct db *db, int64_t id, const char *hash,
    int64_t keep_session_id, const struct db_audit_line *a)
{
	return user_change_audited(db, id, 0, hash, keep_session_id, a);
}

int
db_session_end_others_audited(struct db *db, int64_t user_id,
    int64_t keep_session_id, const struct db_audit_line *a)
{
	char detail[64];
	int n, rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((n = sessions_end(db, user_id, keep_session_id)) == -1) {
		rc = db_errcode(db);
		goto fail;
	}
	(void)snprintf(detail, sizeof(detail), "ended %d other session%s", n,
	    n == 1 ? "" : "s");
	if (db_audit(db, a->user_id, a->addr, a->action, a->referral_id,
	    a->subject_user_id, a->detail != NULL ? a->detail : detail) == -1) {
		rc = db_errcode(db);
		goto fail;
	}
	return db_tx_commit(db, "sign out everywhere") == DB_OK ? n : -1;
fail:
	(void)db_tx_fail(db, rc, "sign out everywhere");
	return -1;
}

/* Sessions. */

int
db_session_create(struct db *db, const unsigned char hash[32],
    int64_t user_id, const char *csrf, int64_t now, const char *addr)
{
	static const char sql[] = "INSERT INTO sessions (token_hash, user_id,"
	    " csrf, created_at, last_seen, remote_addr) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	(void)sqlite3_bind_int64(st, 4, now);
	(void)sqlite3_bind_int64(st, 5, now);
	db_bind_text(st, 6, addr);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_session_find(struct db *db, const unsigned char hash[32],
    struct db_session *s)
{
	static const char sql[] = "SELECT s.id, s.user_id, s.created_at, "
	    "s.last_seen, s.csrf, u.role, u.name, u.email, "
	    "coalesce(u.organisation_id, 0) FROM sessions s "
	    "JOIN users u ON u.id = s.user_id "
	    "WHERE s.token_hash = ? AND u.active = 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		s->id = sqlite3_column_int64(st, 0);
		s->user_id = sqlite3_column_int64(st, 1);
		s->created_at = sqlite3_column_int64(st, 2);
		s->last_seen = sqlite3_column_int64(st, 3);
		db_copy(s->csrf, sizeof(s->csrf), db_col(st, 4));
		db_copy(s->role, sizeof(s->role), db_col(st, 5));
		db_copy(s->name, sizeof(s->name), db_col(st, 6));
		db_copy(s->email, sizeof(s->email), db_col(st, 7));
		s->organisation_id = sqlite3_column_int64(st, 8);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_user_organisation_set(struct db *db, int64_t id, int64_t organisation_id)
{
	static const char sql[] = "UPDATE users SET organisation_id = ?2 "
	    "WHERE id = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM "
	    "organisations WHERE id = ?2))";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_id(st, 1, id);
	db_bind_id(st, 2, organisation_id);
	return db_run_count(db, st, NULL) == 1 ? 0 : -1;
}

int
db_session_touch(struct db *db, int64_t id, int64_t now)
{
	static const char sql[] =
	    "UPDATE sessions SET last_seen = ?2 WHERE id = ?1";

	return write_ints(db, sql, id, now, 2);
}

int
db_session_delete(struct db *db, int64_t id)
{
	static const char sql[] = "DELETE FROM sessions WHERE id = ?";

	return write_ints(db, sql, id, 0, 1);
}

int
db_session_expire(struct db *db, int64_t idle_cut, int64_t abs_cut)
{
	static const char sql[] = "DELETE FROM sessions "
	    "WHERE last_seen < ?1 OR created_at < ?2";

	return write_ints(db, sql, idle_cut, abs_cut, 2);
}

/* Failed sign-ins. */

int
db_login_failures(struct db *db, const char *key, int *failures,
    int64_t *first_at, int64_t *last_at)
{
	static const char sql[] = "SELECT failures, first_at, last_at "
	    "FROM login_failures WHERE key = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*failures = 0;
	*first_at = *last_at = 0;
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		*failures = sqlite3_column_int(st, 0);
		*first_at = sqlite3_column_int64(st, 1);
		*last_at = sqlite3_column_int64(st, 2);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_login_fail(struct db *db, const char *key, int64_t now, int64_t window)
{
	static const char sql[] = "INSERT INTO login_failures (key, failures,"
	    " first_at, last_at) VALUES (?1, 1, ?2, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET "
	    "failures = CASE WHEN first_at < ?2 - ?3 THEN 1 "
	    "ELSE failures + 1 END, "
	    "first_at = CASE WHEN first_at < ?2 - ?3 THEN ?2 ELSE first_at END, "
	    "last_at = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	(void)sqlite3_bind_int64(st, 2, now);
	(void)sqlite3_bind_int64(st, 3, window);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_login_clear(struct db *db, const char *key)
{
	static const char sql[] = "DELETE FROM login_failures WHERE key = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_login_touch(struct db *db, const char *key, int64_t now)
{
	static const char sql[] =
	    "UPDATE login_failures SET last_at = ?2 WHERE key = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	(void)sqlite3_bind_int64(st, 2, now);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_login_unfail(struct db *db, const char *key)
{
	static const char sql[] = "UPDATE login_failures SET failures = "
	    "failures - 1 WHERE key = ? AND failures > 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Rate limits. */

/*
 * Counts one hit under key (db_rate_hit) without logging; the SQLite
 * code: SQLITE_DONE when counted, with the count in *hits.
 */
int
db_rate_step(struct db *db, const char *key, int64_t now, int64_t window,
    int *hits)
{
	static const char sql[] = "INSERT INTO rate_hits (key, hits, "
	    "first_at) VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE SET "
	    "hits = CASE WHEN first_at <= ?2 - ?3 THEN 1 ELSE hits + 1 END, "
	    "first_at = CASE WHEN first_at <= ?2 - ?3 THEN ?2 "
	    "ELSE first_at END RETURNING hits";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*hits = 0;
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, key);
	(void)sqlite3_bind_int64(st, 2, now);
	(void)sqlite3_bind_int64(st, 3, window);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		*hits = sqlite3_column_int(st, 0);
		rc = db_step(st);
	}
	db_done(st);
	return rc;
}

int
db_rate_hit(struct db *db, const char *key, int64_t now, int64_t window,
    int *hits)
{
	if (db_rate_step(db, key, now, window, hits) != SQLITE_DONE) {
		fprintf(stderr, "db: rate hit: %s\n", sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

/* The audit log. */

int
db_audit(struct db *db, int64_t user_id, const char *addr,
    const char *action, int64_t referral_id, int64_t subject_user_id,
    const char *detail)
{
	static const char sql[] = "INSERT INTO audit (at, user_id, "
	    "remote_addr, action, referral_id, subject_user_id, detail) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];
	int rc;

	if (st == NULL)
		return -1;
	db_now(now);
	db_bind_text(st, 1, now);
	if (user_id > 0)
		(void)sqlite3_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, addr);
	db_bind_text(st, 4, action);
	if (referral_id > 0)
		(void)sqlite3_bind_int64(st, 5, referral_id);
	if (subject_user_id > 0)
		(void)sqlite3_bind_int64(st, 6, subject_user_id);
	db_bind_text(st, 7, detail);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: audit: %s\n", sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

int
db_audit_each(struct db *db, int64_t referral_id, int limit, int offset,
    void (*fn)(void *, const char *, const char *, const char *,
    const char *, const char *, const char *), void *arg)
{
	static const char sql_all[] = "SELECT a.at, coalesce(u.name, ''), "
	    "a.remote_addr, a.action, coalesce(r.ref, ''), a.detail "
	    "FROM audit a LEFT JOIN users u ON u.id = a.user_id "
	    "LEFT JOIN referrals r ON r.id = a.referral_id "
	    "ORDER BY a.id DESC LIMIT ? OFFSET ?";
	static const char sql_one[] = "SELECT a.at, coalesce(u.name, ''), "
	    "a.remote_addr, a.action, coalesce(r.ref, ''), a.detail "
	    "FROM audit a LEFT JOIN users u ON u.id = a.user_id "
	    "LEFT JOIN referrals r ON r.id = a.referral_id "
	    "WHERE a.referral_id = ?3 ORDER BY a.id DESC LIMIT ?1 OFFSET ?2";
	sqlite3_stmt *st = db_stmt(db, referral_id > 0 ? sql_one : sql_all);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int(st, 1, limit);
	(void)sqlite3_bind_int(st, 2, offset);
	if (referral_id > 0)
		(void)sqlite3_bind_int64(st, 3, referral_id);
	while ((rc = db_next(db, st)) == 1)
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2), db_col(st, 3),
		    db_col(st, 4), db_col(st, 5));
	return rc;
}

/* The queue. */

/*
 * One statement for each set of referrals (below) serves every filter:
 * a NULL parameter switches its condition off.  ?1 status, ?3 need bit,
 * ?4 site, ?5 from, ?6 to (exclusive), ?7 code, ?8 name pattern,
 * ?9 postcode prefix (no spaces), ?10 limit, ?11 offset.
 */
#define QUEUE_OPEN "status IN ('new', 'triaged', 'waitlisted', " \
	"'matched', 'active') "
#define QUEUE_FILTERS \
	"(?3 IS NULL OR needs & ?3) " \
	"AND (?4 IS NULL OR EXISTS (SELECT 1 FROM referral_sites s " \
	"WHERE s.referral_id = r.id AND s.site_id = ?4)) " \
	"AND (?5 IS NULL OR created_at >= ?5) " \
	"AND (?6 IS NULL OR created_at < ?6) " \
	"AND (?7 IS NULL OR ref = ?7 OR replace(postcode, ' ', '') LIKE ?9 " \
	"OR given_name || ' ' || family_name LIKE ?8) "

/*
 * Which referrals a statement reads: the open ones (the default), those
 * in one state, or all.  The first two read their own index in the
 * queue's order, so that a page costs what it shows rather than every
 * referral closed over the years (023-growth-summaries.sql).
 */
enum queue_set {
	QUEUE_SET_OPEN,
	QUEUE_SET_STATUS,
	QUEUE_SET_ALL,
	QUEUE_SET__MAX
};
/*
 * A waiting person's last answered waitlist check and when they joined
 * the waiting list: two lookups on the person's own index rows, read
 * only for the waiting rows of the page shown.
 */
#define QUEUE_COLS "SELECT id, ref, status, given_name, family_name, " \
	"postcode, created_at, needs, source, CASE WHEN status = " \
	"'waitlisted' THEN (SELECT max(c.answered_at) FROM " \
	"waitlist_checks c WHERE c.referral_id = r.id) END, " \
	"CASE WHEN status = 'waitlisted' THEN (SELECT max(e.at) FROM " \
	"referral_events e WHERE e.referral_id = r.id AND " \
	"+e.to_status = 'waitlisted') END "
#define QUEUE_OLD "ORDER BY created_at, id LIMIT ?10 OFFSET ?11"
#define QUEUE_NEW "ORDER BY created_at DESC, id DESC LIMIT ?10 OFFSET ?11"
static const char *const sql_queue_old[QUEUE_SET__MAX] = {
	QUEUE_COLS "FROM referrals r INDEXED BY referrals_open WHERE "
	    QUEUE_OPEN "AND " QUEUE_FILTERS QUEUE_OLD,
	QUEUE_COLS "FROM referrals r INDEXED BY referrals_status_created "
	    "WHERE status = ?1 AND " QUEUE_FILTERS QUEUE_OLD,
	QUEUE_COLS "FROM referrals r WHERE " QUEUE_FILTERS QUEUE_OLD,
};
static const char *const sql_queue_new[QUEUE_SET__MAX] = {
	QUEUE_COLS "FROM referrals r INDEXED BY referrals_open WHERE "
	    QUEUE_OPEN "AND " QUEUE_FILTERS QUEUE_NEW,
	QUEUE_COLS "FROM referrals r INDEXED BY referrals_status_created "
	    "WHERE status = ?1 AND " QUEUE_FILTERS QUEUE_NEW,
	QUEUE_COLS "FROM referrals r WHERE " QUEUE_FILTERS QUEUE_NEW,
};
static const char *const sql_queue_count[QUEUE_SET__MAX] = {
	"SELECT count(*) FROM referrals r INDEXED BY referrals_open WHERE "
	    QUEUE_OPEN "AND " QUEUE_FILTERS,
	"SELECT count(*) FROM referrals r INDEXED BY "
	    "referrals_status_created WHERE status = ?1 AND " QUEUE_FILTERS,
	"SELECT count(*) FROM referrals r WHERE " QUEUE_FILTERS,
};

/* The set of referrals filter f reads. */
static enum queue_set
queue_set(const struct db_queue_filter *f)
{
	if (f->status >= 0 && f->status < STATUS__MAX)
		return QUEUE_SET_STATUS;
	return f->all ? QUEUE_SET_ALL : QUEUE_SET_OPEN;
}

static void
queue_bind(sqlite3_stmt *st, const struct db_queue_filter *f,
    struct buf *tmp)
{
	char to[32];
	size_t n;

	if (queue_set(f) == QUEUE_SET_STATUS)
		(void)sqlite3_bind_text(st, 1, status_names[f->status], -1,
		    SQLITE_STATIC);
	if (f->need >= 0 && f->need < NEED__MAX)
		(void)sqlite3_bind_int(st, 3, 1 << f->need);
	if (f->site > 0)
		(void)sqlite3_bind_int64(st, 4, f->site);
	if (f->from != NULL)
		(void)sqlite3_bind_text(st, 5, f->from, -1, SQLITE_TRANSIENT);
	if (f->to != NULL) {
		/* Inclusive day: everything before the next day's start. */
		snprintf(to, sizeof(to), "%sT99", f->to);
		(void)sqlite3_bind_text(st, 6, to, -1, SQLITE_TRANSIENT);
	}
	if (f->q != NULL && *f->q != '\0') {
		/*
		 * A code is compared in its normal form; the words typed
		 * still search names ("Campbell" looks like a code too).
		 */
		(void)sqlite3_bind_text(st, 7, f->ref != NULL ? f->ref : f->q,
		    -1, SQLITE_TRANSIENT);
		/* LIKE patterns: the person's text is stripped of % and _. */
		buf_reset(tmp);
		buf_putc(tmp, '%');
		for (n = 0; f->q[n] != '\0'; n++) {
			if (f->q[n] == '%' || f->q[n] == '_')
				continue;
			buf_putc(tmp, f->q[n]);
		}
		buf_putc(tmp, '%');
		(void)sqlite3_bind_text(st, 8, buf_cstr(tmp), -1,
		    SQLITE_TRANSIENT);
		/* Postcodes match from the start, with or without spaces. */
		buf_reset(tmp);
		for (n = 0; f->q[n] != '\0'; n++) {
			if (f->q[n] == '%' || f->q[n] == '_' || f->q[n] == ' ')
				continue;
			buf_putc(tmp, f->q[n]);
		}
		if (tmp->len > 0) {
			buf_putc(tmp, '%');
			(void)sqlite3_bind_text(st, 9, buf_cstr(tmp), -1,
			    SQLITE_TRANSIENT);
		}
	}
}

int
db_queue(struct db *db, const struct db_queue_filter *f,
    struct db_queue_row *rows, size_t *nrows, int64_t *total)
{
	struct buf tmp = BUF_INIT;
	sqlite3_stmt *st;
	struct db_queue_row *w;
	int rc, k;

	*nrows = 0;
	*total = 0;
	if ((st = db_stmt(db, f->newest_first ? sql_queue_new[queue_set(f)] :
	    sql_queue_old[queue_set(f)])) == NULL)
		return -1;
	queue_bind(st, f, &tmp);
	(void)sqlite3_bind_int(st, 10, f->limit);
	(void)sqlite3_bind_int(st, 11, f->offset);
	while ((rc = db_step(st)) == SQLITE_ROW &&
	    *nrows < (size_t)f->limit) {
		w = &rows[(*nrows)++];
		w->id = sqlite3_column_int64(st, 0);
		db_copy(w->ref, sizeof(w->ref), db_col(st, 1));
		k = db_name_index(status_names, STATUS__MAX, db_col(st, 2));
		w->status = k < 0 ? ST_NEW : k;
		snprintf(w->name, sizeof(w->name), "%s %s", db_col(st, 3),
		    db_col(st, 4));
		db_copy(w->postcode, sizeof(w->postcode), db_col(st, 5));
		db_copy(w->created_at, sizeof(w->created_at), db_col(st, 6));
		w->needs = (unsigned)sqlite3_column_int64(st, 7);
		db_copy(w->source, sizeof(w->source), db_col(st, 8));
		db_copy(w->last_checked, sizeof(w->last_checked),
		    db_col(st, 9));
		db_copy(w->waitlisted_at, sizeof(w->waitlisted_at),
		    db_col(st, 10));
	}
	db_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
	/*
	 * Filtered by state alone (the usual case), the total comes from
	 * the counts the triggers keep; any other filter counts the rows.
	 */
	if (f->need < 0 && f->site <= 0 && f->from == NULL && f->to == NULL &&
	    (f->q == NULL || *f->q == '\0')) {
		int64_t counts[STATUS__MAX];
		int s;

		if (db_status_counts(db, counts) == -1)
			goto fail;
		for (s = 0; s < STATUS__MAX; s++)
			if (f->status == s || (f->status < 0 && (f->all ||
			    db_status_open((enum status)s))))
				*total += counts[s];
		buf_free(&tmp);
		return 0;
	}
	if ((st = db_stmt(db, sql_queue_count[queue_set(f)])) == NULL)
		goto fail;
	queue_bind(st, f, &tmp);
	if ((rc = db_step(st)) == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	db_done(st);
	if (rc != SQLITE_ROW)
		goto fail;
	buf_free(&tmp);
	return 0;
fail:
	fprintf(stderr, "db: queue: %s\n", sqlite3_errmsg(db->conn));
	buf_free(&tmp);
	return -1;
}

int
db_status_counts(struct db *db, int64_t counts[STATUS__MAX])
{
	/* Kept by triggers (db/schema/007-referral-counts.sql). */
	static const char sql[] = "SELECT status, n FROM referral_counts";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, k;

	memset(counts, 0, sizeof(int64_t) * STATUS__MAX);
	while ((rc = db_next(db, st)) == 1)
		if ((k = db_name_index(status_names, STATUS__MAX,
		    db_col(st, 0))) >= 0)
			counts[k] = sqlite3_column_int64(st, 1);
	return rc;
}

/* One referral. */

int
db_referral_by_ref(struct db *db, const char *ref, int64_t *id)
{
	static const char sql[] = "SELECT id FROM referrals WHERE ref = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, ref);
	if ((rc = db_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_referral_load(struct db *db, int64_t id, struct db_referral_rec **out)
{
	static const char sql[] = "SELECT ref, status, source, given_name, "
	    "family_name, email, phone, postcode, date_of_birth, "
	    "preferred_contact, voicemail_ok, needs, about, availability, "
	    "session_type, online_ok, access_needs, language, interpreter, "
	    "gp_practice, emergency_name, emergency_phone, consent_data, "
	    "consent_contact, created_at, updated_at, source_detail "
	    "FROM referrals WHERE id = ?";
	static const char sql_sites[] = "SELECT s.id, s.name FROM "
	    "referral_sites rs JOIN sites s ON s.id = rs.site_id "
	    "WHERE rs.referral_id = ? ORDER BY s.name";
	/* Text columns, in the order of the query, and where they go. */
	static const int text_cols[] = { 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 16,
	    17, 19, 20, 21 };
	struct db_referral_rec *rec;
	sqlite3_stmt *st;
	const char **dst[15];
	size_t off[15], i, total = 0, n, cap = 0;
	int rc, k;

	*out = NULL;
	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(st)) != SQLITE_ROW) {
		db_done(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	rec = xcalloc(1, sizeof(*rec));
	rec->r.id = id;
	dst[0] = &rec->r.source;
	dst[1] = &rec->r.given_name;
	dst[2] = &rec->r.family_name;
	dst[3] = &rec->r.email;
	dst[4] = &rec->r.phone;
	dst[5] = &rec->r.postcode;
	dst[6] = &rec->r.date_of_birth;
	dst[7] = &rec->r.preferred_contact;
	dst[8] = &rec->r.about;
	dst[9] = &rec->r.session_type;
	dst[10] = &rec->r.access_needs;
	dst[11] = &rec->r.language;
	dst[12] = &rec->r.gp_practice;
	dst[13] = &rec->r.emergency_name;
	dst[14] = &rec->r.emergency_phone;
	for (i = 0; i < 15; i++)
		total += strlen(db_col(st, text_cols[i])) + 1;
	rec->store = xmalloc(total);
	for (i = 0, n = 0; i < 15; i++) {
		const char *v = db_col(st, text_cols[i]);

		off[i] = n;
		memcpy(rec->store + n, v, strlen(v) + 1);
		n += strlen(v) + 1;
	}
	for (i = 0; i < 15; i++)
		*dst[i] = rec->store + off[i];
	db_copy(rec->r.ref, sizeof(rec->r.ref), db_col(st, 0));
	k = db_name_index(status_names, STATUS__MAX, db_col(st, 1));
	rec->status = k < 0 ? ST_NEW : k;
	rec->r.status = status_names[rec->status];
	rec->r.voicemail_ok = sqlite3_column_int(st, 10);
	rec->r.needs = (unsigned)sqlite3_column_int64(st, 11);
	rec->r.availability = (unsigned)sqlite3_column_int64(st, 13);
	rec->r.online_ok = sqlite3_column_int(st, 15);
	rec->r.interpreter = sqlite3_column_int(st, 18);
	rec->r.consent_data = sqlite3_column_int(st, 22);
	rec->r.consent_contact = sqlite3_column_int(st, 23);
	db_copy(rec->created_at, sizeof(rec->created_at), db_col(st, 24));
	db_copy(rec->updated_at, sizeof(rec->updated_at), db_col(st, 25));
	db_copy(rec->source_detail, sizeof(rec->source_detail), db_col(st, 26));
	rec->r.source_detail = rec->source_detail;
	db_done(st);

	if ((st = db_stmt(db, sql_sites)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, id);
	n = 0;
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			rec->site_ids = xrealloc(rec->site_ids,
			    cap * sizeof(*rec->site_ids));
			rec->site_names = xrealloc(rec->site_names,
			    cap * sizeof(*rec->site_names));
		}
		rec->site_ids[n] = sqlite3_column_int64(st, 0);
		rec->site_names[n] = xstrdup(db_col(st, 1));
		n++;
	}
	rec->r.sites = rec->site_ids;
	rec->r.nsites = n;
	if (rc != 0)
		goto fail;
	*out = rec;
	return 1;
fail:
	db_referral_rec_free(rec);
	return -1;
}

void
db_referral_rec_free(struct db_referral_rec *rec)
{
	size_t i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->r.nsites; i++)
		free(rec->site_names[i]);
	free(rec->site_names);
	free(rec->site_ids);
	free(rec->store);
	free(rec);
}

/* Ends a referral's open client record and its sessions from today. */
static int
end_client(struct db *db, int64_t referral_id, const char *reason,
    const char *now)
{
	static const char sql_series[] = "UPDATE series SET status = 'ended', "
	    "ended_from = date('now'), sequence = sequence + 1, updated_at = ?2 "
	    "WHERE status = 'active' AND client_id IN (SELECT id FROM clients "
	    "WHERE referral_id = ?1 AND ended_at IS NULL)";
	static const char sql_occ[] = "DELETE FROM occurrences WHERE "
	    "occ_date >= date('now') AND series_id IN (SELECT s.id FROM series "
	    "s JOIN clients c ON c.id = s.client_id WHERE c.referral_id = ?1 "
	    "AND c.ended_at IS NULL)";
	static const char sql_client[] = "UPDATE clients SET ended_at = ?2, "
	    "end_reason = ?3 WHERE referral_id = ?1 AND ended_at IS NULL";
	const char *const sqls[] = { sql_series, sql_occ, sql_client };
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		if ((st = db_stmt(db, sqls[i])) == NULL)
			return -1;
		(void)sqlite3_bind_int64(st, 1, referral_id);
		if (sqlite3_bind_parameter_count(st) >= 2)
			db_bind_text(st, 2, now);
		if (sqlite3_bind_parameter_count(st) >= 3)
			db_bind_text(st, 3, reason);
		rc = db_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

enum db_result
db_referral_move(struct db *db, int64_t id, enum status from,
    enum status to, int64_t user_id, const char *reason, const char *addr)
{
	static const char sql_move[] = "UPDATE referrals SET status = ?3, "
	    "updated_at = ?4 WHERE id = ?1 AND status = ?2";
	static const char sql_event[] = "INSERT INTO referral_events "
	    "(referral_id, at, user_id, from_status, to_status, reason) "
	    "VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	char now[21], detail[64];
	int rc;
	enum db_result res;

	if (!db_status_move_ok(from, to))
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	db_now(now);
	if ((st = db_stmt(db, sql_move)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, status_names[from]);
	db_bind_text(st, 3, status_names[to]);
	db_bind_text(st, 4, now);
	if ((res = db_tx_run_one(db, st, "move")) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql_event)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	if (user_id > 0)
		(void)sqlite3_bind_int64(st, 3, user_id);
	db_bind_text(st, 4, status_names[from]);
	db_bind_text(st, 5, status_names[to]);
	db_bind_text(st, 6, reason);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/*
	 * Leaving the caseload (back to the waitlist, closed, declined or
	 * withdrawn) ends the client record and their weekly sessions from
	 * today, so the therapist's place and times are free again.
	 */
	if ((from == ST_MATCHED || from == ST_ACTIVE) && to != ST_ACTIVE &&
	    end_client(db, id, reason, now) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), "status %s -> %s", status_names[from],
	    status_names[to]);
	if (db_audit(db, user_id, addr, "status", id, 0, detail) == -1)
		goto fail;
	if ((res = db_tx_commit(db, "status change")) != DB_OK)
		return res;
	return DB_OK;
fail:
	return db_tx_fail(db, db_errcode(db), "move");
}

int
db_referral_events(struct db *db, int64_t id, void (*fn)(void *,
    const char *, const char *, const char *, const char *, const char *),
    void *arg)
{
	static const char sql[] = "SELECT e.at, coalesce(u.name, ''), "
	    "coalesce(e.from_status, ''), e.to_status, e.reason "
	    "FROM referral_events e LEFT JOIN users u ON u.id = e.user_id "
	    "WHERE e.referral_id = ? ORDER BY e.at, e.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2), db_col(st, 3),
		    db_col(st, 4));
	return rc;
}

int
db_note_add(struct db *db, int64_t referral_id, int64_t user_id,
    const char *body, const char *addr)
{
	static const char sql[] = "INSERT INTO referral_notes (referral_id, "
	    "at, user_id, body) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st;
	char now[21];
	int rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_now(now);
	(void)sqlite3_bind_int64(st, 1, referral_id);
	db_bind_text(st, 2, now);
	if (user_id > 0)
		(void)sqlite3_bind_int64(st, 3, user_id);
	db_bind_text(st, 4, body);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE ||
	    db_audit(db, user_id, addr, "note", referral_id, 0,
	    "added a note") == -1)
		goto fail;
	return db_tx_commit(db, "note") == DB_OK ? 0 : -1;
fail:
	(void)db_tx_fail(db, db_errcode(db), "note");
	return -1;
}

int
db_notes(struct db *db, int64_t referral_id, void (*fn)(void *,
    const char *, const char *, const char *), void *arg)
{
	static const char sql[] = "SELECT n.at, coalesce(u.name, ''), n.body "
	    "FROM referral_notes n LEFT JOIN users u ON u.id = n.user_id "
	    "WHERE n.referral_id = ? ORDER BY n.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2));
	return rc;
}

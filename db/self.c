/*
 * db/self: what clients do for themselves through their personal link.
 * See self.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/outbox.h"
#include "db/schedule.h"
#include "db/self.h"
#include "db/staff.h"

/* What every audit line of theirs says first. */
#define SELF_WHO	"the person themselves"
/* The reason each session cancelled by "stop my sessions" carries. */
#define SELF_STOP_REASON "the client stopped their sessions"

/* ---- links ---- */

int
db_link_generation(struct db *db, int64_t referral_id, uint32_t *gen)
{
	static const char sql[] = "SELECT generation FROM client_links "
	    "WHERE referral_id = ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		*gen = (uint32_t)sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return rc;
}

int
db_link_put(struct db *db, int64_t referral_id, uint32_t gen,
    const unsigned char hash[DB_LINK_HASH_LEN], int replace)
{
	static const char sql_new[] = "INSERT OR IGNORE INTO client_links "
	    "(referral_id, generation, token_hash, created_at) "
	    "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM referrals "
	    "WHERE id = ?1)";
	static const char sql_over[] = "INSERT INTO client_links "
	    "(referral_id, generation, token_hash, created_at, revoked_at) "
	    "VALUES (?1, ?2, ?3, ?4, NULL) ON CONFLICT (referral_id) DO "
	    "UPDATE SET generation = ?2, token_hash = ?3, revoked_at = ?4";
	sqlite3_stmt *st = db_stmt(db, replace ? sql_over : sql_new);
	char now[21];

	if (st == NULL)
		return -1;
	db_now(now);
	db_bind_int(st, 1, referral_id);
	db_bind_int(st, 2, gen);
	(void)sqlite3_bind_blob(st, 3, hash, DB_LINK_HASH_LEN,
	    SQLITE_TRANSIENT);
	db_bind_text(st, 4, now);
	if (db_run(st) != SQLITE_DONE) {
		fprintf(stderr, "db: client link: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

int
db_link_check(struct db *db, int64_t referral_id, uint32_t gen,
    const unsigned char hash[DB_LINK_HASH_LEN])
{
	static const char sql[] = "SELECT 1 FROM client_links l JOIN "
	    "referrals r ON r.id = l.referral_id WHERE l.referral_id = ? "
	    "AND l.generation = ? AND l.token_hash = ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 2, gen);
	(void)sqlite3_bind_blob(st, 3, hash, DB_LINK_HASH_LEN,
	    SQLITE_TRANSIENT);
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

/* ---- text settings ---- */

int
db_setting_text(struct db *db, const char *key, char *out, size_t n)
{
	static const char sql[] = "SELECT CAST(value AS TEXT) FROM settings "
	    "WHERE key = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (n > 0)
		out[0] = '\0';
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	if ((rc = db_next(db, st)) == 1) {
		db_copy(out, n, db_col(st, 0));
		db_done(st);
	}
	return rc == -1 ? -1 : 0;
}

int
db_setting_text_set(struct db *db, const char *key, const char *value)
{
	static const char sql[] = "INSERT INTO settings (key, value) "
	    "VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	if (db_run(st) != SQLITE_DONE) {
		fprintf(stderr, "db: setting %s: %s\n", key,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

int
db_contact_get(struct db *db, struct db_contact *c)
{
	int rc = 0;

	rc |= db_setting_text(db, "contact_phone", c->phone, sizeof(c->phone));
	rc |= db_setting_text(db, "contact_email", c->email, sizeof(c->email));
	rc |= db_setting_text(db, "contact_address", c->address,
	    sizeof(c->address));
	rc |= db_setting_text(db, "office_hours", c->hours, sizeof(c->hours));
	return rc == 0 ? 0 : -1;
}

/* ---- the page ---- */

/* The columns of db_my_get's SELECT. */
#define C(kind, m)	DB_COLUMN(kind, struct db_my, m)
static const struct db_column my_cols[] = {
	C(INT64, id), C(TEXT, ref), C(TEXT, status), C(TEXT, given_name),
	C(TEXT, email), C(TEXT, phone), C(TEXT, access_needs),
	C(INT, availability), C(TEXT, created_at), C(TEXT, waiting_since),
	C(INT64, check_id), C(TEXT, last_checked), C(TEXT, family_name),
};
#undef C

/* Reads db_my_get's row into out (a struct db_my). */
static void
my_read(sqlite3_stmt *st, void *out)
{
	db_row_read(st, my_cols, DB_NCOLUMNS(my_cols), out,
	    sizeof(struct db_my));
}

int
db_my_get(struct db *db, int64_t referral_id, struct db_my *m)
{
	static const char sql[] = "SELECT r.id, r.ref, r.status, "
	    "r.given_name, r.email, r.phone, r.access_needs, r.availability, "
	    "r.created_at, coalesce((SELECT max(e.at) FROM referral_events e "
	    "WHERE e.referral_id = r.id AND +e.to_status = 'waitlisted'), ''), "
	    "coalesce((SELECT max(c.id) FROM waitlist_checks c WHERE "
	    "c.referral_id = r.id AND c.answered_at IS NULL), 0), "
	    "coalesce((SELECT max(c.answered_at) FROM waitlist_checks c "
	    "WHERE c.referral_id = r.id), ''), r.family_name FROM referrals r "
	    "WHERE r.id = ?";

	return db_one(db, db_stmt_with(db, sql, referral_id), my_read, m);
}

/* The columns of a session, shared by the list and the one. */
#define MY_SESSION_COLS "o.series_id, o.occ_date, o.start_utc, o.end_utc, " \
	"o.state, si.name, si.address, si.postcode, coalesce(ro.name, ''), " \
	"t.name, sc.late IS NOT NULL, coalesce(sc.late, 0), s.video_url " \
	"FROM occurrences o JOIN series s ON s.id = o.series_id " \
	"JOIN clients c ON c.id = s.client_id " \
	"JOIN sites si ON si.id = o.site_id " \
	"LEFT JOIN rooms ro ON ro.id = o.room_id " \
	"JOIN therapists t ON t.id = o.therapist_id " \
	"LEFT JOIN self_cancels sc ON sc.series_id = o.series_id AND " \
	"sc.occ_date = o.occ_date "

static void
session_read(sqlite3_stmt *st, struct db_my_session *s)
{
	const char *sp;

	memset(s, 0, sizeof(*s));
	s->series_id = sqlite3_column_int64(st, 0);
	db_copy(s->date, sizeof(s->date), db_col(st, 1));
	s->start_utc = sqlite3_column_int64(st, 2);
	s->end_utc = sqlite3_column_int64(st, 3);
	db_copy(s->state, sizeof(s->state), db_col(st, 4));
	db_copy(s->site, sizeof(s->site), db_col(st, 5));
	db_copy(s->address, sizeof(s->address), db_col(st, 6));
	db_copy(s->postcode, sizeof(s->postcode), db_col(st, 7));
	db_copy(s->room, sizeof(s->room), db_col(st, 8));
	db_copy(s->therapist, sizeof(s->therapist), db_col(st, 9));
	if ((sp = strchr(s->therapist, ' ')) != NULL)
		s->therapist[sp - s->therapist] = '\0';
	s->self_cancelled = sqlite3_column_int(st, 10);
	s->late = sqlite3_column_int(st, 11);
	db_copy(s->video_url, sizeof(s->video_url), db_col(st, 12));
}

static void
session_read_one(sqlite3_stmt *st, void *out)
{
	session_read(st, out);
}

/* Calls fn for each session row of st (MY_SESSION_COLS).  0, or -1. */
static int
sessions_each(struct db *db, sqlite3_stmt *st,
    void (*fn)(void *, const struct db_my_session *), void *arg)
{
	struct db_my_session s;
	int rc;

	while ((rc = db_next(db, st)) == 1) {
		session_read(st, &s);
		fn(arg, &s);
	}
	return rc;
}

int
db_my_sessions(struct db *db, int64_t referral_id, int64_t from, int limit,
    void (*fn)(void *, const struct db_my_session *), void *arg)
{
	static const char sql[] = "SELECT " MY_SESSION_COLS
	    "WHERE c.referral_id = ?1 AND o.end_utc > ?2 "
	    "ORDER BY o.start_utc LIMIT ?3";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	if (st == NULL)
		return -1;
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, limit);
	return sessions_each(db, st, fn, arg);
}

int
db_my_session_get(struct db *db, int64_t referral_id, int64_t series_id,
    const char *date, struct db_my_session *s)
{
	static const char sql[] = "SELECT " MY_SESSION_COLS
	    "WHERE c.referral_id = ?1 AND o.series_id = ?2 AND "
	    "o.occ_date = ?3";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	if (st == NULL)
		return -1;
	db_bind_int(st, 2, series_id);
	db_bind_text(st, 3, date);
	return db_one(db, st, session_read_one, s);
}

/* ---- notices ---- */

/* One staff member to tell. */
struct staff_to {
	int64_t	 id;
	char	 email[256];
	char	 name[128];
};

/*
 * Queues kind to the active coordinators and, when therapist_series is
 * set, the therapist of that series, each with the key
 * "KIND:KEYPART:USER".  0, or -1.
 */
int
db_staff_notify(struct db *db, const char *kind, const char *key_part,
    int64_t referral_id, int64_t therapist_series, const char *domain)
{
	static const char sql[] = "SELECT id, email, name FROM users WHERE "
	    "active = 1 AND (role = 'coordinator' OR id = (SELECT t.user_id "
	    "FROM series s JOIN therapists t ON t.id = s.therapist_id "
	    "WHERE s.id = ?)) ORDER BY id";
	sqlite3_stmt *st = db_stmt_with(db, sql, therapist_series);
	struct staff_to *v = NULL;
	size_t n = 0, cap = 0, i;
	char key[DB_OUTBOX_KEY_LEN];
	int rc, ret = 0;

	/* Collect first: the outbox insert reuses the connection. */
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = realloc(v, cap * sizeof(*v));
			if (v == NULL)
				abort();
		}
		v[n].id = sqlite3_column_int64(st, 0);
		db_copy(v[n].email, sizeof(v[n].email), db_col(st, 1));
		db_copy(v[n].name, sizeof(v[n].name), db_col(st, 2));
		n++;
	}
	if (rc != 0)
		ret = -1;
	for (i = 0; ret == 0 && i < n; i++) {
		snprintf(key, sizeof(key), "%s:%s:%lld", kind, key_part,
		    (long long)v[i].id);
		if (db_outbox_add(db, kind, key, v[i].email, v[i].name,
		    referral_id, v[i].id, domain) == -1)
			ret = -1;
	}
	free(v);
	return ret;
}

/* Adds a history line: from -> to by the person, with reason. */
static int
status_move(struct db *db, int64_t referral_id, const char *from,
    const char *to, const char *reason)
{
	static const char sql_up[] = "UPDATE referrals SET status = ?2, "
	    "updated_at = ?3 WHERE id = ?1 AND status = ?4";
	static const char sql_ev[] = "INSERT INTO referral_events "
	    "(referral_id, at, user_id, from_status, to_status, reason) "
	    "VALUES (?, ?, NULL, ?, ?, ?)";
	sqlite3_stmt *st;
	char now[21];

	db_now(now);
	if ((st = db_stmt_with(db, sql_up, referral_id)) == NULL)
		return -1;
	db_bind_text(st, 2, to);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, from);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	if ((st = db_stmt_with(db, sql_ev, referral_id)) == NULL)
		return -1;
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, from);
	db_bind_text(st, 4, to);
	db_bind_text(st, 5, reason);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* The referral's status into out (16 bytes): 1, 0 none, -1 error. */
static int
status_of(struct db *db, int64_t referral_id, char out[16])
{
	static const char sql[] = "SELECT status FROM referrals WHERE id = ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		db_copy(out, 16, db_col(st, 0));
		db_done(st);
	}
	return rc;
}

/* 1 when status is a waiting one (new, triaged, waitlisted). */
static int
status_waiting(const char *s)
{
	return strcmp(s, "new") == 0 || strcmp(s, "triaged") == 0 ||
	    strcmp(s, "waitlisted") == 0;
}

/* ---- changes by the person themselves ---- */

enum db_result
db_self_cancel(struct db *db, int64_t referral_id, int64_t series_id,
    const char *date, int late, int notice_hours, const char *addr,
    const char *domain)
{
	static const char sql_done[] = "SELECT 1 FROM self_cancels WHERE "
	    "series_id = ? AND occ_date = ?";
	static const char sql_put[] = "INSERT INTO self_cancels (series_id, "
	    "occ_date, referral_id, site_id, late, notice_hours, at) "
	    "SELECT ?1, ?2, ?3, site_id, ?4, ?5, ?6 FROM series WHERE id = ?1";
	struct db_my_session s;
	sqlite3_stmt *st;
	char now[21], part[64], detail[160];
	enum db_result res;
	int rc;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	/* Theirs, or nothing: a link never acts on another's data. */
	if ((rc = db_my_session_get(db, referral_id, series_id, date, &s)) ==
	    -1)
		goto fail;
	if (rc == 0) {
		db_rollback(db);
		return DB_INVALID;
	}
	if ((st = db_stmt_with(db, sql_done, series_id)) == NULL)
		goto fail;
	db_bind_text(st, 2, date);
	if ((rc = db_next(db, st)) == -1)
		goto fail;
	if (rc == 1) {
		db_done(st);
		db_rollback(db);
		return DB_DUPLICATE;
	}
	if ((rc = db_occ_cancel_tx(db, series_id, date, CANCEL_BY_CLIENT,
	    late ? "the client cannot come (late notice)" :
	    "the client cannot come", 0, addr, 0, domain)) == -1)
		goto fail;
	if (rc == 1) {
		db_rollback(db);
		return DB_INVALID;
	}
	db_now(now);
	if ((st = db_stmt_with(db, sql_put, series_id)) == NULL)
		goto fail;
	db_bind_text(st, 2, date);
	db_bind_int(st, 3, referral_id);
	db_bind_int(st, 4, late);
	db_bind_int(st, 5, notice_hours);
	db_bind_text(st, 6, now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	snprintf(part, sizeof(part), "%lld:%s", (long long)series_id, date);
	if (db_staff_notify(db, "client_cant_come", part, referral_id, series_id,
	    domain) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), SELF_WHO ": cannot come on %s "
	    "(series %lld)%s", date, (long long)series_id,
	    late ? ", a late cancellation" : "");
	if (db_audit(db, 0, addr, "self-cancel", referral_id, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "self cancel");
fail:
	return db_tx_fail(db, db_errcode(db), "self cancel");
}

enum db_result
db_self_leave(struct db *db, int64_t referral_id, const char *reason,
    const char *addr, const char *domain)
{
	char status[16], part[32], detail[300];
	enum db_result res;
	int rc;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = status_of(db, referral_id, status)) == -1)
		goto fail;
	if (rc == 0 || !status_waiting(status)) {
		db_rollback(db);
		return rc == 1 && strcmp(status, "withdrawn") == 0 ?
		    DB_DUPLICATE : DB_INVALID;
	}
	if (status_move(db, referral_id, status, "withdrawn", reason) == -1)
		goto fail;
	snprintf(part, sizeof(part), "%lld", (long long)referral_id);
	if (db_staff_notify(db, "client_left", part, referral_id, 0,
	    domain) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), SELF_WHO ": left the waiting list "
	    "(%s)", reason);
	if (db_audit(db, 0, addr, "self-leave", referral_id, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "self leave");
fail:
	return db_tx_fail(db, db_errcode(db), "self leave");
}

enum db_result
db_self_answer(struct db *db, int64_t referral_id, const char *answer,
    const char *wellbeing, const char *addr, const char *domain)
{
	static const char sql_open[] = "SELECT id FROM waitlist_checks WHERE "
	    "referral_id = ? AND answered_at IS NULL ORDER BY id DESC LIMIT 1";
	/* The same answer within the hour: a second click. */
	static const char sql_same[] = "SELECT count(*) FROM waitlist_checks "
	    "WHERE referral_id = ?1 AND answer = ?2 AND wellbeing = ?3 AND "
	    "answered_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')";
	static const char sql_new[] = "INSERT INTO waitlist_checks "
	    "(referral_id, sent_at) VALUES (?, ?)";
	static const char sql_ans[] = "UPDATE waitlist_checks SET "
	    "answered_at = ?2, answer = ?3, wellbeing = ?4, review = ?5 "
	    "WHERE id = ?1";
	sqlite3_stmt *st;
	char status[16], now[21], part[48], detail[200];
	int64_t check = 0;
	int rc, worse = strcmp(wellbeing, "worse") == 0;
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = status_of(db, referral_id, status)) == -1)
		goto fail;
	if (rc == 0 || !status_waiting(status)) {
		db_rollback(db);
		return rc == 1 && strcmp(status, "withdrawn") == 0 ?
		    DB_DUPLICATE : DB_INVALID;
	}
	db_now(now);
	st = db_stmt_with(db, sql_open, referral_id);
	if ((rc = db_next(db, st)) == -1)
		goto fail;
	if (rc == 1) {
		check = sqlite3_column_int64(st, 0);
		db_done(st);
	} else {
		/* Answered with no check open: a second click, or the
		 * person answering early from their page. */
		if ((st = db_stmt_with(db, sql_same, referral_id)) == NULL)
			goto fail;
		db_bind_text(st, 2, answer);
		db_bind_text(st, 3, wellbeing);
		if ((rc = db_next(db, st)) != 1)
			goto fail;
		rc = sqlite3_column_int(st, 0);
		db_done(st);
		if (rc > 0) {
			db_rollback(db);
			return DB_DUPLICATE;
		}
		if ((st = db_stmt_with(db, sql_new, referral_id)) == NULL)
			goto fail;
		db_bind_text(st, 2, now);
		if (db_run(st) != SQLITE_DONE)
			goto fail;
		check = sqlite3_last_insert_rowid(db->conn);
	}
	if ((st = db_stmt_with(db, sql_ans, check)) == NULL)
		goto fail;
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, answer);
	db_bind_text(st, 4, wellbeing);
	db_bind_int(st, 5, worse);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	if (strcmp(answer, "no") == 0 && status_move(db, referral_id, status,
	    "withdrawn", "no longer needed (waitlist check)") == -1)
		goto fail;
	snprintf(part, sizeof(part), "%lld", (long long)check);
	if (worse && db_staff_notify(db, "client_worse", part, referral_id, 0,
	    domain) == -1)
		goto fail;
	if (strcmp(answer, "no") == 0 && db_staff_notify(db, "client_left",
	    part, referral_id, 0, domain) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), SELF_WHO ": still wants a place: "
	    "%s; feeling %s", answer, wellbeing);
	if (db_audit(db, 0, addr, "self-check", referral_id, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "waitlist answer");
fail:
	return db_tx_fail(db, db_errcode(db), "waitlist answer");
}

int
db_self_stopped_each(struct db *db, int64_t referral_id, int64_t series_id,
    const char *date, void (*fn)(void *, const struct db_my_session *),
    void *arg)
{
	/* Cancelled by their stop: from the stop's first one on. */
	static const char sql[] = "SELECT " MY_SESSION_COLS
	    "JOIN exceptions e ON e.series_id = o.series_id AND e.occ_date = "
	    "o.occ_date WHERE c.referral_id = ?1 AND e.kind = 'cancelled' AND "
	    "e.by_whom = 'client' AND e.reason = ?4 AND e.created_at >= "
	    "(SELECT x.created_at FROM exceptions x WHERE x.series_id = ?2 "
	    "AND x.occ_date = ?3) ORDER BY o.start_utc LIMIT 200";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	if (st == NULL)
		return -1;
	db_bind_int(st, 2, series_id);
	db_bind_text(st, 3, date);
	db_bind_text(st, 4, SELF_STOP_REASON);
	return sessions_each(db, st, fn, arg);
}

/*
 * Inside the stop's write: the client's one email listing the sessions
 * cancelled, keyed "sessions_stopped:KEY_PART", when they take email.
 * 0, or -1.
 */
static int
stop_tell_client(struct db *db, int64_t referral_id, const char *part,
    const char *domain)
{
	static const char sql[] = "SELECT email, given_name FROM referrals "
	    "WHERE id = ? AND consent_contact = 1 AND email != ''";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	char key[DB_OUTBOX_KEY_LEN], email[256], name[128];
	int rc;

	if ((rc = db_next(db, st)) != 1)
		return rc;
	db_copy(email, sizeof(email), db_col(st, 0));
	db_copy(name, sizeof(name), db_col(st, 1));
	db_done(st);
	snprintf(key, sizeof(key), "sessions_stopped:%s", part);
	return db_outbox_add(db, "sessions_stopped", key, email, name,
	    referral_id, 0, domain);
}

enum db_result
db_self_stop(struct db *db, int64_t referral_id, const char *addr,
    const char *domain)
{
	/* Their own series' sessions still to come. */
	static const char sql[] = "SELECT o.series_id, o.occ_date FROM "
	    "occurrences o JOIN series s ON s.id = o.series_id JOIN clients c "
	    "ON c.id = s.client_id WHERE c.referral_id = ?1 AND o.state != "
	    "'cancelled' AND o.start_utc > ?2 ORDER BY o.start_utc LIMIT 200";
	struct coming { int64_t series; char date[11]; } *v = NULL;
	size_t n = 0, cap = 0, i, done = 0, first = 0;
	sqlite3_stmt *st;
	char part[64], detail[96];
	enum db_result res;
	int rc;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt_with(db, sql, referral_id)) == NULL)
		goto fail;
	db_bind_int(st, 2, (int64_t)time(NULL));
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				abort();
		}
		v[n].series = sqlite3_column_int64(st, 0);
		db_copy(v[n].date, sizeof(v[n].date), db_col(st, 1));
		n++;
	}
	if (rc == -1)
		goto fail;
	/* One email for them all (stop_tell_client), not one a session. */
	for (i = 0; i < n; i++) {
		if ((rc = db_occ_cancel_untold_tx(db, v[i].series, v[i].date,
		    CANCEL_BY_CLIENT, SELF_STOP_REASON, 0, addr)) == -1)
			goto fail;
		if (rc == 0 && done++ == 0)
			first = i;
	}
	if (done == 0) {
		free(v);
		db_rollback(db);
		return DB_DUPLICATE;
	}
	/* The stop's first session names it: a stop after a new booking
	 * is told again. */
	snprintf(part, sizeof(part), "%lld:%lld:%s", (long long)referral_id,
	    (long long)v[first].series, v[first].date);
	if (stop_tell_client(db, referral_id, part, domain) == -1 ||
	    db_staff_notify(db, "client_stopped", part, referral_id,
	    v[first].series, domain) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), SELF_WHO ": stopped their sessions "
	    "(%zu cancelled)", done);
	if (db_audit(db, 0, addr, "self-stop", referral_id, 0, detail) == -1)
		goto fail;
	free(v);
	return db_tx_commit(db, "self stop");
fail:
	free(v);
	return db_tx_fail(db, db_errcode(db), "self stop");
}

/* Adds "what: from -> to" to buf b of n bytes when they differ. */
static int
change_note(char *b, size_t n, const char *what, const char *from,
    const char *to)
{
	size_t len = strlen(b);

	if (to == NULL || strcmp(from, to) == 0)
		return 0;
	snprintf(b + len, n - len, "%s%s changed from \"%s\" to \"%s\".",
	    len > 0 ? " " : "", what, from, to);
	return 1;
}

enum db_result
db_self_update(struct db *db, int64_t referral_id, const char *phone,
    const char *email, const char *access_needs, const char *addr)
{
	static const char sql_up[] = "UPDATE referrals SET "
	    "phone = coalesce(?2, phone), email = coalesce(?3, email), "
	    "access_needs = coalesce(?4, access_needs), updated_at = ?5 "
	    "WHERE id = ?1";
	static const char sql_note[] = "INSERT INTO referral_notes "
	    "(referral_id, at, user_id, body) VALUES (?, ?, NULL, ?)";
	struct db_my m;
	sqlite3_stmt *st;
	char note[3000] = "", body[3100], now[21];
	int rc, n = 0;
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = db_my_get(db, referral_id, &m)) == -1)
		goto fail;
	if (rc == 0) {
		db_rollback(db);
		return DB_INVALID;
	}
	n += change_note(note, sizeof(note), "Phone", m.phone, phone);
	n += change_note(note, sizeof(note), "Email", m.email, email);
	n += change_note(note, sizeof(note), "Access needs", m.access_needs,
	    access_needs);
	if (n == 0) {
		db_rollback(db);
		return DB_DUPLICATE;
	}
	db_now(now);
	if ((st = db_stmt_with(db, sql_up, referral_id)) == NULL)
		goto fail;
	if (phone != NULL)
		db_bind_text(st, 2, phone);
	if (email != NULL)
		db_bind_text(st, 3, email);
	if (access_needs != NULL)
		db_bind_text(st, 4, access_needs);
	db_bind_text(st, 5, now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	snprintf(body, sizeof(body), "Changed by the person themselves "
	    "through their link. %s", note);
	if ((st = db_stmt_with(db, sql_note, referral_id)) == NULL)
		goto fail;
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, body);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	if (db_audit(db, 0, addr, "self-update", referral_id, 0,
	    SELF_WHO ": changed their details") == -1)
		goto fail;
	return db_tx_commit(db, "self update");
fail:
	return db_tx_fail(db, db_errcode(db), "self update");
}

int
db_waitlist_checks_run(struct db *db, int weeks, const char *now,
    const char *domain)
{
	/* Due: waiting, not checked (or waitlisted) for weeks, no open
	 * check. */
	static const char sql_due[] = "SELECT r.id, r.email, r.given_name, "
	    "r.consent_contact FROM referrals r WHERE r.status = 'waitlisted' "
	    "AND NOT EXISTS (SELECT 1 FROM waitlist_checks c WHERE "
	    "c.referral_id = r.id AND (c.answered_at IS NULL OR "
	    "c.answered_at > strftime('%Y-%m-%dT%H:%M:%SZ', ?1, ?2))) "
	    "AND coalesce((SELECT max(e.at) FROM referral_events e WHERE "
	    "e.referral_id = r.id AND +e.to_status = 'waitlisted'), "
	    "r.created_at) <= strftime('%Y-%m-%dT%H:%M:%SZ', ?1, ?2) "
	    "ORDER BY r.id LIMIT 500";
	static const char sql_new[] = "INSERT INTO waitlist_checks "
	    "(referral_id, sent_at, by_phone) VALUES (?, ?, ?)";
	/* Open checks a week old: remind twice, then review. */
	static const char sql_old[] = "SELECT c.id, r.id, r.email, "
	    "r.given_name, c.reminders, c.by_phone FROM waitlist_checks c "
	    "JOIN referrals r ON r.id = c.referral_id WHERE "
	    "c.answered_at IS NULL AND c.review = 0 AND r.status = "
	    "'waitlisted' AND strftime('%Y-%m-%dT%H:%M:%SZ', c.sent_at, "
	    "'+' || (7 * (c.reminders + 1)) || ' days') <= ?1 LIMIT 500";
	static const char sql_remind[] = "UPDATE waitlist_checks SET "
	    "reminders = reminders + 1, review = (reminders + 1 > 2) "
	    "WHERE id = ?";
	struct due { int64_t id, rid; char email[256], name[128]; int n, ph; }
	    *v = NULL;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *st;
	char ago[32], key[DB_OUTBOX_KEY_LEN];
	int rc, changed = 0;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	snprintf(ago, sizeof(ago), "-%d days", weeks * 7);
	st = db_stmt(db, sql_due);
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, ago);
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				abort();
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].rid = sqlite3_column_int64(st, 0);
		db_copy(v[n].email, sizeof(v[n].email), db_col(st, 1));
		db_copy(v[n].name, sizeof(v[n].name), db_col(st, 2));
		v[n].ph = v[n].email[0] == '\0' ||
		    sqlite3_column_int(st, 3) == 0;
		n++;
	}
	if (rc == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt_with(db, sql_new, v[i].rid)) == NULL)
			goto fail;
		db_bind_text(st, 2, now);
		db_bind_int(st, 3, v[i].ph);
		if (db_run(st) != SQLITE_DONE)
			goto fail;
		snprintf(key, sizeof(key), "waitlist_check:%lld",
		    (long long)sqlite3_last_insert_rowid(db->conn));
		if (!v[i].ph && db_outbox_add(db, "waitlist_check", key,
		    v[i].email, v[i].name, v[i].rid, 0, domain) == -1)
			goto fail;
		changed++;
	}
	n = 0;
	if ((st = db_stmt(db, sql_old)) == NULL)
		goto fail;
	db_bind_text(st, 1, now);
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				abort();
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].rid = sqlite3_column_int64(st, 1);
		db_copy(v[n].email, sizeof(v[n].email), db_col(st, 2));
		db_copy(v[n].name, sizeof(v[n].name), db_col(st, 3));
		v[n].n = sqlite3_column_int(st, 4);
		v[n].ph = sqlite3_column_int(st, 5);
		n++;
	}
	if (rc == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt_with(db, sql_remind, v[i].id)) == NULL ||
		    db_run(st) != SQLITE_DONE)
			goto fail;
		snprintf(key, sizeof(key), "waitlist_check:%lld~r%d",
		    (long long)v[i].id, v[i].n + 1);
		if (v[i].n < 2 && !v[i].ph && db_outbox_add(db,
		    "waitlist_check", key, v[i].email, v[i].name, v[i].rid, 0,
		    domain) == -1)
			goto fail;
		changed++;
	}
	free(v);
	if (db_tx_commit(db, "waitlist checks") != DB_OK)
		return -1;
	return changed;
fail:
	free(v);
	(void)db_tx_fail(db, db_errcode(db), "waitlist checks");
	return -1;
}

/* ---- for the demo ---- */

int
db_demo_next_session(struct db *db, int64_t now, int64_t window,
    int64_t *referral_id, int64_t *series_id, char date[11])
{
	static const char sql[] = "SELECT c.referral_id, o.series_id, "
	    "o.occ_date FROM occurrences o JOIN series s ON s.id = "
	    "o.series_id JOIN clients c ON c.id = s.client_id JOIN "
	    "referrals r ON r.id = c.referral_id WHERE o.start_utc > ?1 AND "
	    "o.start_utc <= ?1 + ?2 AND o.state = 'booked' AND "
	    "r.email != '' ORDER BY o.start_utc LIMIT 1";
	sqlite3_stmt *st = db_stmt_with(db, sql, now);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 2, window);
	if ((rc = db_next(db, st)) == 1) {
		*referral_id = sqlite3_column_int64(st, 0);
		*series_id = sqlite3_column_int64(st, 1);
		db_copy(date, 11, db_col(st, 2));
		db_done(st);
	}
	return rc;
}

int64_t
db_demo_checked(struct db *db, int nth)
{
	static const char sql[] = "SELECT c.referral_id FROM waitlist_checks "
	    "c WHERE c.answered_at IS NULL ORDER BY c.referral_id LIMIT 1 "
	    "OFFSET ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, nth);
	int64_t id = 0;
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		id = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return rc == -1 ? -1 : id;
}

int
db_demo_check_overdue(struct db *db, int64_t referral_id)
{
	static const char sql[] = "UPDATE waitlist_checks SET sent_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-22 days'), "
	    "reminders = 3, review = 1 WHERE referral_id = ? AND "
	    "answered_at IS NULL";

	if (db_run(db_stmt_with(db, sql, referral_id)) != SQLITE_DONE)
		return -1;
	return db_demo_check_sent(db, referral_id);
}

int
db_demo_mail_sent(struct db *db, const char *kind, int64_t referral_id)
{
	static const char sql[] = "UPDATE outbox SET status = 'sent', "
	    "attempts = 1, created_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now', '-2 days'), not_before = strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now', '-2 days'), sent_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now', '-2 days') WHERE kind = ?2 AND referral_id = ?1 AND "
	    "status = 'queued'";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	if (st == NULL)
		return -1;
	db_bind_text(st, 2, kind);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

int
db_demo_check_sent(struct db *db, int64_t referral_id)
{
	return db_demo_mail_sent(db, "waitlist_check", referral_id);
}

int
db_demo_stoppable(struct db *db, int64_t now, int64_t *referral_ids,
    int64_t *series_ids, int max)
{
	static const char sql[] = "SELECT r.id, min(s.id) FROM referrals r "
	    "JOIN clients c ON c.referral_id = r.id JOIN series s ON "
	    "s.client_id = c.id AND s.group_id IS NULL AND s.status = "
	    "'active' WHERE r.status = 'active' AND r.email != '' AND "
	    "r.consent_contact = 1 AND EXISTS (SELECT 1 FROM occurrences o "
	    "WHERE o.series_id = s.id AND o.start_utc > ?1 AND o.state = "
	    "'booked') AND NOT EXISTS (SELECT 1 FROM site_closures x WHERE "
	    "x.site_id = s.site_id AND x.last_day >= date(?1, 'unixepoch')) "
	    "GROUP BY r.id HAVING count(*) = 1 ORDER BY r.id "
	    "LIMIT ?2";
	sqlite3_stmt *st = db_stmt_with(db, sql, now);
	int n = 0, rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 2, max);
	while ((rc = db_next(db, st)) == 1) {
		referral_ids[n] = sqlite3_column_int64(st, 0);
		series_ids[n++] = sqlite3_column_int64(st, 1);
	}
	return rc == -1 ? -1 : n;
}

/*
 * db/remind: reminders, agendas, unsubscribes and taking back a
 * cancellation (see remind.h).  Each statement is one ?-bound string,
 * prepared once by db_stmt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/outbox.h"
#include "db/remind.h"
#include "db/staff.h"
#include "util/buf.h"

/* A new Message-ID, made in SQL as db_outbox_add makes it in C: the
 * time in milliseconds, then 80 random bits. */
#define MSGID	"'<' || printf('%012x', CAST((julianday('now') - " \
	"2440587.5) * 86400000 AS INTEGER)) || lower(hex(randomblob(10))) " \
	"|| '@' || "

/* Who may be emailed about a session: kept to one place. */
#define CLIENT_MAY_BE_EMAILED \
	"c.ended_at IS NULL AND r.consent_contact = 1 AND r.email != '' " \
	"AND NOT EXISTS (SELECT 1 FROM unsubscribes u " \
	"WHERE u.referral_id = r.id) AND NOT EXISTS (SELECT 1 FROM " \
	"erasures e WHERE e.referral_id = r.id) "

static const char sql_remind_queue[] =
    "WITH due AS (SELECT o.series_id, o.occ_date FROM occurrences o"
    " WHERE o.start_utc BETWEEN ?1 AND ?2 AND o.state != 'cancelled'),"
    " people AS (SELECT d.series_id, d.occ_date, s.client_id AS client_id"
    " FROM due d JOIN series s ON s.id = d.series_id"
    " WHERE s.client_id IS NOT NULL AND s.status != 'cancelled'"
    " UNION ALL SELECT d.series_id, d.occ_date, m.client_id"
    " FROM due d JOIN series s ON s.id = d.series_id"
    " JOIN group_members m ON m.group_id = s.group_id"
    " WHERE s.status != 'cancelled')"
    " INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,"
    " message_id, not_before, created_at)"
    " SELECT 'reminder:' || p.series_id || ':' || p.occ_date || ':' || ?3"
    " || ':' || p.client_id, 'reminder', r.email, r.given_name, r.id, "
    MSGID "?5 || '>', ?4, ?4"
    " FROM people p JOIN clients c ON c.id = p.client_id"
    " JOIN referrals r ON r.id = c.referral_id"
    " WHERE " CLIENT_MAY_BE_EMAILED
    " ON CONFLICT (dedupe_key) DO NOTHING";

static const char sql_agenda_queue[] =
    "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, user_id,"
    " message_id, not_before, created_at)"
    " SELECT 'therapist_agenda:' || t.id || ':' || ?1, 'therapist_agenda',"
    " u.email, u.name, u.id, " MSGID "?5 || '>', ?4, ?4"
    " FROM therapists t JOIN users u ON u.id = t.user_id"
    " WHERE t.active = 1 AND u.active = 1 AND EXISTS (SELECT 1 FROM"
    " occurrences o WHERE o.therapist_id = t.id AND o.start_utc > ?2"
    " AND o.start_utc < ?3 AND o.state != 'cancelled')"
    " ON CONFLICT (dedupe_key) DO NOTHING";

static const char sql_occ_get[] =
    "SELECT o.start_utc, o.end_utc, o.state, coalesce(o.room_id, 0),"
    " coalesce(r.name, '') FROM occurrences o"
    " LEFT JOIN rooms r ON r.id = o.room_id"
    " WHERE o.series_id = ?1 AND o.occ_date = ?2";

/* Keys in [?1, ?2): one occurrence's notices, by the UNIQUE index. */
static const char sql_move_told[] =
    "SELECT id, dedupe_key FROM outbox WHERE dedupe_key >= ?1"
    " AND dedupe_key < ?2 AND status IN ('sent', 'sending')";

static const char sql_referral_exists[] =
    "SELECT 1 FROM referrals WHERE id = ?1";
static const char sql_unsub_insert[] =
    "INSERT INTO unsubscribes (referral_id, at) VALUES (?1, ?2)"
    " ON CONFLICT (referral_id) DO NOTHING";
static const char sql_unsub_get[] =
    "SELECT 1 FROM unsubscribes WHERE referral_id = ?1";
/*
 * Reminders still waiting for someone who no longer wants them: kept,
 * never sent, with the reason (issue 14: no row vanishes silently).
 */
static const char sql_unsub_drop[] =
    "UPDATE outbox SET status = 'dropped', lease_until = NULL,"
    " last_error = 'dropped: the client unsubscribed',"
    " dedupe_key = dedupe_key || '~' || id"
    " WHERE referral_id = ?1 AND kind = 'reminder' AND status = 'queued'";

static const char sql_reinstate_occ[] =
    "SELECT o.start_utc, o.end_utc, coalesce(o.room_id, 0),"
    " o.therapist_id, o.state, x.new_start_utc IS NOT NULL"
    " FROM occurrences o LEFT JOIN exceptions x"
    " ON x.series_id = o.series_id AND x.occ_date = o.occ_date"
    " WHERE o.series_id = ?1 AND o.occ_date = ?2";

#define NOT_SELF " AND NOT (o.series_id = ?4 AND o.occ_date = ?5)"
static const char sql_busy_therapist[] =
    "SELECT 1 FROM occurrences o WHERE o.therapist_id = ?1"
    " AND o.state != 'cancelled' AND o.start_utc < ?3 AND o.end_utc > ?2"
    NOT_SELF " LIMIT 1";
static const char sql_busy_room[] =
    "SELECT 1 FROM occurrences o WHERE o.room_id = ?1"
    " AND o.state != 'cancelled' AND o.start_utc < ?3 AND o.end_utc > ?2"
    NOT_SELF " LIMIT 1";
/* ?1 is the series: its client or members, busy in another series. */
static const char sql_busy_clients[] =
    "WITH people AS (SELECT client_id FROM series WHERE id = ?1"
    " AND client_id IS NOT NULL UNION SELECT m.client_id FROM series s"
    " JOIN group_members m ON m.group_id = s.group_id WHERE s.id = ?1)"
    " SELECT 1 FROM occurrences o JOIN series s2 ON s2.id = o.series_id"
    " WHERE o.state != 'cancelled' AND o.start_utc < ?3"
    " AND o.end_utc > ?2" NOT_SELF
    " AND (s2.client_id IN people OR s2.group_id IN (SELECT group_id"
    " FROM group_members WHERE client_id IN people)) LIMIT 1";

static const char sql_series_touch[] =
    "UPDATE series SET sequence = sequence + 1, updated_at = ?2"
    " WHERE id = ?1";
static const char sql_exception_delete[] =
    "DELETE FROM exceptions WHERE series_id = ?1 AND occ_date = ?2";
static const char sql_exception_moved[] =
    "UPDATE exceptions SET kind = 'moved', by_whom = '',"
    " sequence = (SELECT sequence FROM series WHERE id = ?1)"
    " WHERE series_id = ?1 AND occ_date = ?2";
static const char sql_occ_state[] =
    "UPDATE occurrences SET state = ?3 WHERE series_id = ?1"
    " AND occ_date = ?2";
static const char sql_notice_gone[] =
    "SELECT id, dedupe_key, status FROM outbox"
    " WHERE kind = 'session_cancelled' AND dedupe_key >= ?1"
    " AND dedupe_key < ?2 AND status != 'dropped'";
static const char sql_key_retire[] =
    "UPDATE outbox SET dedupe_key = dedupe_key || '~' || id WHERE id = ?1";
static const char sql_reinstated_add[] =
    "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,"
    " message_id, not_before, created_at)"
    " SELECT ?2, 'session_reinstated', r.email, r.given_name, r.id, "
    MSGID "?3 || '>', ?4, ?5"
    " FROM clients c JOIN referrals r ON r.id = c.referral_id"
    " WHERE c.id = ?1 AND " CLIENT_MAY_BE_EMAILED
    " ON CONFLICT (dedupe_key) DO NOTHING";

/* Writes unix time t as ISO 8601 UTC, as db_now does. */
static void
iso(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	(void)gmtime_r(&tt, &tm);
	(void)strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
db_remind_queue(struct db *db, int64_t from, int64_t to, long offset,
    const char *now_iso, const char *msgid_domain)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_remind_queue)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, from);
	(void)sqlite3_bind_int64(st, 2, to);
	(void)sqlite3_bind_int64(st, 3, (int64_t)offset);
	db_bind_text(st, 4, now_iso);
	db_bind_text(st, 5, msgid_domain);
	return db_run_count(db, st, "reminders");
}

int
db_agenda_queue(struct db *db, const char *date, int64_t now,
    int64_t day_end, const char *now_iso, const char *msgid_domain)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_agenda_queue)) == NULL)
		return -1;
	db_bind_text(st, 1, date);
	(void)sqlite3_bind_int64(st, 2, now);
	(void)sqlite3_bind_int64(st, 3, day_end);
	db_bind_text(st, 4, now_iso);
	db_bind_text(st, 5, msgid_domain);
	return db_run_count(db, st, "agendas");
}

int
db_remind_occ_get(struct db *db, int64_t series_id, const char *date,
    struct db_remind_occ *o)
{
	sqlite3_stmt *st;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((st = db_stmt(db, sql_occ_get)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		o->start_utc = sqlite3_column_int64(st, 0);
		o->end_utc = sqlite3_column_int64(st, 1);
		(void)snprintf(o->state, sizeof(o->state), "%s", db_col(st, 2));
		o->room_id = sqlite3_column_int64(st, 3);
		(void)snprintf(o->room, sizeof(o->room), "%s", db_col(st, 4));
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "db: occurrence: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* The client id at the end of a key (after its last ':'), or 0. */
static int64_t
key_client(const char *key)
{
	const char *p = strrchr(key, ':');

	return p != NULL ? strtoll(p + 1, NULL, 10) : 0;
}

int
db_remind_move_told(struct db *db, int64_t series_id, const char *date,
    int64_t client_id, int64_t except_id)
{
	sqlite3_stmt *st;
	char prefix[96], lo[96], hi[96];
	int rc, told = 0;

	(void)snprintf(prefix, sizeof(prefix), "session_moved:%lld:%s@",
	    (long long)series_id, date);
	db_key_range(prefix, lo, hi, sizeof(lo));
	if ((st = db_stmt(db, sql_move_told)) == NULL)
		return -1;
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	while ((rc = db_next(db, st)) == 1)
		if (sqlite3_column_int64(st, 0) != except_id &&
		    key_client(db_col(st, 1)) == client_id)
			told = 1;
	if (rc != 0) {
		fprintf(stderr, "db: move notices: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return told;
}

/* Steps a statement of up to two integers and a text; the SQLite code. */
static int
run(struct db *db, const char *sql, int64_t a, const char *b,
    const char *c)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return SQLITE_ERROR;
	(void)sqlite3_bind_int64(st, 1, a);
	if (b != NULL)
		db_bind_text(st, 2, b);
	if (c != NULL)
		db_bind_text(st, 3, c);
	while ((rc = db_step(st)) == SQLITE_ROW)
		;
	db_done(st);
	return rc;
}

enum db_result
db_unsub_set(struct db *db, int64_t referral_id, const char *now_iso,
    int *already)
{
	sqlite3_stmt *st;
	int rc, found, fresh;
	enum db_result res;

	if (already != NULL)
		*already = 0;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql_referral_exists)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, referral_id);
	rc = db_step(st);
	found = rc == SQLITE_ROW;
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	if (!found) {
		db_rollback(db);
		return DB_INVALID;
	}
	if (run(db, sql_unsub_insert, referral_id, now_iso, NULL) !=
	    SQLITE_DONE)
		goto fail;
	fresh = sqlite3_changes(db->conn) == 1;
	if (already != NULL)
		*already = !fresh;
	if (fresh && (run(db, sql_unsub_drop, referral_id, NULL, NULL) !=
	    SQLITE_DONE || db_audit(db, 0, "", "unsubscribe", referral_id, 0,
	    "the client asked for no more reminders") == -1))
		goto fail;
	return db_tx_commit(db, "unsubscribe");
fail:
	return db_tx_fail(db, db_errcode(db), "unsubscribe");
}

int
db_unsub_get(struct db *db, int64_t referral_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql_unsub_get)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, referral_id);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "db: unsubscribed: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* 1 when the busy query hits, 0 when free, -1 on error. */
static int
busy(struct db *db, const char *sql, int64_t owner, int64_t start,
    int64_t end, int64_t series_id, const char *date)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, owner);
	(void)sqlite3_bind_int64(st, 2, start);
	(void)sqlite3_bind_int64(st, 3, end);
	(void)sqlite3_bind_int64(st, 4, series_id);
	db_bind_text(st, 5, date);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* One cancellation notice already handed to the mailer. */
struct gone {
	int64_t	 id;
	int64_t	 client_id;
	int	 told;		/* sent or being sent */
};

/*
 * Retires the keys of the cancellation notices of the occurrence that
 * the mailer already took, and queues "back on" notices to those told.
 * Returns the number queued, or -1.
 */
static int
notices_retire(struct db *db, int64_t series_id, const char *date,
    const char *lo, const char *hi, int grace_s, const char *domain)
{
	sqlite3_stmt *st;
	struct gone *v = NULL;
	size_t n = 0, cap = 0, i;
	char key[160], when[21], now[21];
	int64_t t = (int64_t)time(NULL);
	int rc, queued = 0;

	if ((st = db_stmt(db, sql_notice_gone)) == NULL)
		return -1;
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	/* Collect first: the updates below reuse the connection. */
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].client_id = key_client(db_col(st, 1));
		v[n].told = strcmp(db_col(st, 2), "sent") == 0 ||
		    strcmp(db_col(st, 2), "sending") == 0;
		n++;
	}
	if (rc != 0)
		goto fail;
	db_now(now);
	iso(t + (grace_s > 0 ? grace_s : 0), when);
	for (i = 0; i < n; i++) {
		if (run(db, sql_key_retire, v[i].id, NULL, NULL) != SQLITE_DONE)
			goto fail;
		if (!v[i].told || v[i].client_id <= 0)
			continue;
		(void)snprintf(key, sizeof(key), "session_reinstated:%lld:%s@"
		    "%lld:%lld", (long long)series_id, date, (long long)t,
		    (long long)v[i].client_id);
		if ((st = db_stmt(db, sql_reinstated_add)) == NULL)
			goto fail;
		(void)sqlite3_bind_int64(st, 1, v[i].client_id);
		db_bind_text(st, 2, key);
		db_bind_text(st, 3, domain);
		db_bind_text(st, 4, when);
		db_bind_text(st, 5, now);
		if ((rc = db_run_count(db, st, NULL)) == -1)
			goto fail;
		queued += rc;
	}
	free(v);
	return queued;
fail:
	free(v);
	return -1;
}

enum db_result
db_occ_reinstate(struct db *db, int64_t series_id, const char *date,
    int64_t user_id, const char *addr, int grace_s, const char *msgid_domain,
    int *withdrawn, int *notified, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	int64_t start = 0, end = 0, room = 0, therapist = 0;
	char state[12] = "", now[21], prefix[96], lo[96], hi[96], detail[96];
	int rc, found, was_moved = 0, n_withdrawn, n_notified;
	enum db_result res;

	if (withdrawn != NULL)
		*withdrawn = 0;
	if (notified != NULL)
		*notified = 0;
	if (whylen > 0)
		why[0] = '\0';
	if (date == NULL || strlen(date) != 10)
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql_reinstate_occ)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	rc = db_step(st);
	if ((found = rc == SQLITE_ROW)) {
		start = sqlite3_column_int64(st, 0);
		end = sqlite3_column_int64(st, 1);
		room = sqlite3_column_int64(st, 2);
		therapist = sqlite3_column_int64(st, 3);
		(void)snprintf(state, sizeof(state), "%s", db_col(st, 4));
		was_moved = sqlite3_column_int(st, 5);
	}
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	if (!found || strcmp(state, "cancelled") != 0 ||
	    start <= (int64_t)time(NULL)) {
		(void)snprintf(why, whylen, "%s", !found ? "There is no such "
		    "session." : strcmp(state, "cancelled") != 0 ? "That "
		    "session is not cancelled." : "That session has already "
		    "begun.");
		db_rollback(db);
		return DB_INVALID;
	}
	if ((rc = busy(db, sql_busy_therapist, therapist, start, end,
	    series_id, date)) == 0 && room > 0)
		rc = busy(db, sql_busy_room, room, start, end, series_id, date);
	if (rc == 0)
		rc = busy(db, sql_busy_clients, series_id, start, end,
		    series_id, date);
	if (rc == -1)
		goto fail;
	if (rc == 1) {
		(void)snprintf(why, whylen, "Something else was booked at "
		    "that time after the session was cancelled: the "
		    "therapist, the room or a client is no longer free.");
		db_rollback(db);
		return DB_CONFLICT;
	}

	db_now(now);
	if (run(db, sql_series_touch, series_id, now, NULL) != SQLITE_DONE ||
	    run(db, was_moved ? sql_exception_moved : sql_exception_delete,
	    series_id, date, NULL) != SQLITE_DONE ||
	    run(db, sql_occ_state, series_id, date, was_moved ? "moved" :
	    "booked") != SQLITE_DONE)
		goto fail;

	(void)snprintf(prefix, sizeof(prefix), "session_cancelled:%lld:%s:",
	    (long long)series_id, date);
	db_key_range(prefix, lo, hi, sizeof(lo));
	/* A cancellation notice not yet sent, taken back: kept, never sent. */
	if ((n_withdrawn = db_outbox_drop_range(db, lo, hi,
	    "dropped: the cancellation was taken back")) == -1)
		goto fail;
	if ((n_notified = notices_retire(db, series_id, date, lo, hi, grace_s,
	    msgid_domain)) == -1)
		goto fail;

	(void)snprintf(detail, sizeof(detail), "reinstated %s of series %lld",
	    date, (long long)series_id);
	if (db_audit(db, user_id, addr, "reinstate", 0, 0, detail) == -1)
		goto fail;
	if ((res = db_tx_commit(db, "reinstate")) != DB_OK)
		return res;
	if (withdrawn != NULL)
		*withdrawn = n_withdrawn;
	if (notified != NULL)
		*notified = n_notified;
	return DB_OK;
fail:
	return db_tx_fail(db, db_errcode(db), "reinstate");
}

/*
 * db/outbox: claiming, finishing and listing outbox rows (see outbox.h).
 * Each statement is one ?-bound string below, prepared once by db_stmt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/outbox.h"
#include "db/staff.h"
#include "util/buf.h"

/* Longest last_error stored. */
#define ERROR_MAX	500

/* The columns of struct db_outbox in order; valid in RETURNING too. */
#define COLS \
	"id, dedupe_key, kind, to_addr, to_name, coalesce(referral_id, 0)," \
	" coalesce((SELECT ref FROM referrals" \
	" WHERE referrals.id = outbox.referral_id), ''), coalesce(user_id, 0)," \
	" message_id, status, attempts, not_before, coalesce(lease_until, '')," \
	" coalesce(last_error, ''), created_at, coalesce(sent_at, '')," \
	" coalesce(failed_at, ''), coalesce(contact_id, 0)," \
	" coalesce((SELECT arranges FROM contacts" \
	" WHERE contacts.id = outbox.contact_id), 0)"

static const char sql_claim_expired[] =
    "UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
    " lease_until = ?2 WHERE id = (SELECT id FROM outbox"
    " WHERE status = 'sending' AND lease_until <= ?1"
    " ORDER BY lease_until, id LIMIT 1) RETURNING " COLS;
static const char sql_claim_queued[] =
    "UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
    " lease_until = ?2 WHERE id = (SELECT id FROM outbox"
    " WHERE status = 'queued' AND not_before <= ?1"
    " ORDER BY not_before, id LIMIT 1) RETURNING " COLS;
static const char sql_sent[] =
    "UPDATE outbox SET status = 'sent', sent_at = ?2, lease_until = NULL,"
    " last_error = NULL WHERE id = ?1 AND status = 'sending'";
static const char sql_defer[] =
    "UPDATE outbox SET status = 'queued', not_before = ?2,"
    " lease_until = NULL, last_error = ?3"
    " WHERE id = ?1 AND status = 'sending'";
static const char sql_hold[] =
    "UPDATE outbox SET status = 'queued', lease_until = NULL,"
    " attempts = max(attempts - 1, 0), last_error = ?2"
    " WHERE id = ?1 AND status = 'sending'";
static const char sql_fail[] =
    "UPDATE outbox SET status = 'failed', lease_until = NULL,"
    " last_error = ?2, failed_at = ?3 WHERE id = ?1 AND status = 'sending'";
static const char sql_drop[] =
    "UPDATE outbox SET status = 'dropped', lease_until = NULL,"
    " last_error = 'dropped: ' || ?2, dedupe_key = dedupe_key || '~' || id"
    " WHERE id = ?1 AND status = 'sending'";
static const char sql_retry[] =
    "UPDATE outbox SET status = 'queued', attempts = 0, not_before = ?2,"
    " lease_until = NULL, failed_at = NULL WHERE id = ?1 AND status = 'failed'";
static const char sql_retry_since[] =
    "UPDATE outbox SET status = 'queued', attempts = 0, not_before = ?2,"
    " lease_until = NULL, failed_at = NULL"
    " WHERE status = 'failed' AND failed_at >= ?1 AND to_addr != ''";
static const char sql_send_now[] =
    "UPDATE outbox SET not_before = ?2"
    " WHERE (?1 = 0 OR id = ?1) AND status = 'queued' AND not_before > ?2";
static const char sql_pause_set[] =
    "INSERT INTO mail_pause (id, since, reason) VALUES (1, ?2, ?3)"
    " ON CONFLICT (id) DO NOTHING";
static const char sql_pause_get[] =
    "SELECT since, reason FROM mail_pause WHERE id = 1";
static const char sql_pause_clear[] =
    "DELETE FROM mail_pause WHERE id = ?1";
static const char sql_list_all[] =
    "SELECT " COLS " FROM outbox WHERE ?1 <= 0 OR id < ?1"
    " ORDER BY id DESC LIMIT ?2";
static const char sql_list_status[] =
    "SELECT " COLS " FROM outbox WHERE status = ?3 AND (?1 <= 0 OR id < ?1)"
    " ORDER BY id DESC LIMIT ?2";
static const char sql_get[] =
    "SELECT " COLS " FROM outbox WHERE id = ?1";
static const char sql_count[] =
    "SELECT status, count(*) FROM outbox GROUP BY status";

static const char sql_drop_range[] =
    "UPDATE outbox SET status = 'dropped', lease_until = NULL,"
    " last_error = ?3, dedupe_key = dedupe_key || '~' || id"
    " WHERE dedupe_key >= ?1 AND dedupe_key < ?2 AND status = 'queued'";

void
db_key_range(const char *p, char *lo, char *hi, size_t n)
{
	size_t len = strlen(p);

	if (len + 2 > n)
		len = n - 2;
	memcpy(lo, p, len);
	lo[len] = '\0';
	memcpy(hi, p, len);
	hi[len] = '\0';
	if (len > 0 && (hi[len - 1] == ':' || hi[len - 1] == '@'))
		hi[len - 1]++;
	else {
		hi[len] = '\x01';
		hi[len + 1] = '\0';
	}
}

int
db_outbox_drop_range(struct db *db, const char *lo, const char *hi,
    const char *reason)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_drop_range)) == NULL)
		return -1;
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	db_bind_text(st, 3, reason);
	return db_run_count(db, st, NULL);
}

int
db_outbox_key(char *out, size_t outlen, const char *kind, int64_t a,
    int64_t b)
{
	size_t i, n;
	int len;

	if (outlen > 0)
		out[0] = '\0';
	n = strlen(kind);
	if (n == 0 || n + 1 > outlen)
		return -1;
	for (i = 0; i < n; i++) {
		if ((kind[i] >= 'a' && kind[i] <= 'z') ||
		    (kind[i] >= '0' && kind[i] <= '9'))
			out[i] = kind[i];
		else if (kind[i] == '_')
			out[i] = '-';
		else {
			out[0] = '\0';
			return -1;
		}
	}
	if (b < 0)
		len = snprintf(out + n, outlen - n, ":%lld", (long long)a);
	else
		len = snprintf(out + n, outlen - n, ":%lld:%lld",
		    (long long)a, (long long)b);
	if (len < 0 || (size_t)len >= outlen - n) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* Copies text column i, "" for NULL. */
static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s != NULL ? (const char *)s : "");
}

/* Fills *o from a row of COLS. */
static void
row_read(sqlite3_stmt *st, struct db_outbox *o)
{
	o->id = sqlite3_column_int64(st, 0);
	o->dedupe_key = col_dup(st, 1);
	o->kind = col_dup(st, 2);
	o->to_addr = col_dup(st, 3);
	o->to_name = col_dup(st, 4);
	o->referral_id = sqlite3_column_int64(st, 5);
	o->referral_ref = col_dup(st, 6);
	o->user_id = sqlite3_column_int64(st, 7);
	o->message_id = col_dup(st, 8);
	o->status = col_dup(st, 9);
	o->attempts = sqlite3_column_int(st, 10);
	o->not_before = col_dup(st, 11);
	o->lease_until = col_dup(st, 12);
	o->last_error = col_dup(st, 13);
	o->created_at = col_dup(st, 14);
	o->sent_at = col_dup(st, 15);
	o->failed_at = col_dup(st, 16);
	o->contact_id = sqlite3_column_int64(st, 17);
	o->contact_arranges = sqlite3_column_int(st, 18);
}

void
db_outbox_free(struct db_outbox *o)
{
	if (o == NULL)
		return;
	free(o->dedupe_key);
	free(o->kind);
	free(o->to_addr);
	free(o->to_name);
	free(o->referral_ref);
	free(o->message_id);
	free(o->status);
	free(o->not_before);
	free(o->lease_until);
	free(o->last_error);
	free(o->created_at);
	free(o->sent_at);
	free(o->failed_at);
	memset(o, 0, sizeof(*o));
}

void
db_outbox_list_free(struct db_outbox *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		db_outbox_free(&v[i]);
	free(v);
}

/*
 * Runs one claim statement.  RETURNING hands the row back before the
 * statement ends; the change commits when it is stepped to the end.
 */
static int
claim_with(struct db *db, const char *sql, const char *now,
    const char *lease_until, struct db_outbox *out)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, lease_until);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		row_read(st, out);
		found = 1;
		rc = db_step(st);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: outbox claim: %s\n",
		    sqlite3_errmsg(db->conn));
		if (found)
			db_outbox_free(out);
		return -1;
	}
	return found;
}

int
db_outbox_claim(struct db *db, const char *now, const char *lease_until,
    struct db_outbox *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = claim_with(db, sql_claim_expired, now, lease_until, out);
	if (r != 0)
		return r;
	return claim_with(db, sql_claim_queued, now, lease_until, out);
}

/* Binds id and up to two texts to sql and runs it; returns the changes. */
static int
update(struct db *db, const char *sql, const char *what, int64_t id,
    const char *t2, const char *t3)
{
	sqlite3_stmt *st;
	int n;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	if (t2 != NULL)
		(void)sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	if (t3 != NULL)
		(void)sqlite3_bind_text(st, 3, t3, -1, SQLITE_STATIC);
	if ((n = db_run_count(db, st, NULL)) == -1)
		fprintf(stderr, "db: outbox %s %lld: %s\n", what,
		    (long long)id, sqlite3_errmsg(db->conn));
	return n;
}

/* Copies error into out, cut at ERROR_MAX bytes on a UTF-8 boundary. */
static void
error_cut(char out[ERROR_MAX + 1], const char *error)
{
	size_t n = strlen(error);

	if (n > ERROR_MAX) {
		n = ERROR_MAX;
		while (n > 0 && ((unsigned char)error[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, error, n);
	out[n] = '\0';
}

int
db_outbox_sent(struct db *db, int64_t id, const char *now)
{
	return update(db, sql_sent, "sent", id, now, NULL) < 0 ? -1 : 0;
}

int
db_outbox_defer(struct db *db, int64_t id, const char *not_before,
    const char *error)
{
	char e[ERROR_MAX + 1];

	error_cut(e, error);
	return update(db, sql_defer, "defer", id, not_before, e) < 0 ? -1 : 0;
}

int
db_outbox_hold(struct db *db, int64_t id, const char *error)
{
	char e[ERROR_MAX + 1];

	error_cut(e, error);
	return update(db, sql_hold, "hold", id, e, NULL) < 0 ? -1 : 0;
}

int
db_outbox_fail(struct db *db, int64_t id, const char *error,
    const char *now)
{
	char e[ERROR_MAX + 1];

	error_cut(e, error);
	return update(db, sql_fail, "fail", id, e, now) < 0 ? -1 : 0;
}

int
db_outbox_drop(struct db *db, int64_t id, const char *reason)
{
	char e[ERROR_MAX + 1];
	int n;

	error_cut(e, reason);
	n = update(db, sql_drop, "drop", id, e, NULL);
	return n < 0 ? -1 : n > 0;
}

int
db_outbox_retry_since(struct db *db, const char *since, const char *now)
{
	sqlite3_stmt *st;
	int n;

	if ((st = db_stmt(db, sql_retry_since)) == NULL)
		return -1;
	db_bind_text(st, 1, since);
	db_bind_text(st, 2, now);
	if ((n = db_run_count(db, st, NULL)) == -1)
		fprintf(stderr, "db: outbox retry since %s: %s\n", since,
		    sqlite3_errmsg(db->conn));
	return n;
}

int
db_outbox_send_now(struct db *db, int64_t id, const char *now)
{
	return update(db, sql_send_now, "send now", id, now, NULL);
}

int
db_outbox_pause_set(struct db *db, const char *now, const char *reason)
{
	char e[ERROR_MAX + 1];

	error_cut(e, reason);
	return update(db, sql_pause_set, "pause", 1, now, e) < 0 ? -1 : 0;
}

int
db_outbox_pause_get(struct db *db, char *since, size_t sincelen,
    char *reason, size_t reasonlen)
{
	sqlite3_stmt *st;
	const unsigned char *a, *b;
	int rc, found = 0;

	if (sincelen > 0)
		since[0] = '\0';
	if (reasonlen > 0)
		reason[0] = '\0';
	if ((st = db_stmt(db, sql_pause_get)) == NULL)
		return -1;
	if ((rc = db_step(st)) == SQLITE_ROW) {
		a = sqlite3_column_text(st, 0);
		b = sqlite3_column_text(st, 1);
		(void)snprintf(since, sincelen, "%s", a != NULL ?
		    (const char *)a : "");
		(void)snprintf(reason, reasonlen, "%s", b != NULL ?
		    (const char *)b : "");
		found = 1;
		rc = SQLITE_DONE;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: mail pause: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return found;
}

int
db_outbox_pause_clear(struct db *db)
{
	int n = update(db, sql_pause_clear, "resume", 1, NULL, NULL);

	return n < 0 ? -1 : n > 0;
}

int
db_outbox_retry(struct db *db, int64_t id, const char *now)
{
	int n = update(db, sql_retry, "retry", id, now, NULL);

	return n < 0 ? -1 : n > 0;
}

/* What outbox_audited runs. */
enum outbox_op {
	OP_RETRY,	/* one failed row queued again */
	OP_RETRY_SINCE,	/* every row failed since then */
	OP_SEND_NOW,	/* a waiting row (0: all) due now */
	OP_RESUME	/* sending paused by the mailer starts again */
};

/*
 * Runs op and writes audit line a in one transaction, the line only when
 * op changed something (or always for OP_RETRY_SINCE); a NULL a->detail
 * becomes a count in words.  The count, or -1.
 */
static int
outbox_audited(struct db *db, enum outbox_op op, int64_t id,
    const char *since, const char *now, const struct db_audit_line *a)
{
	char detail[64];
	int n, rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	switch (op) {
	case OP_RETRY:
		n = db_outbox_retry(db, id, now);
		break;
	case OP_RETRY_SINCE:
		n = db_outbox_retry_since(db, since, now);
		break;
	case OP_SEND_NOW:
		n = db_outbox_send_now(db, id, now);
		break;
	default:
		n = db_outbox_pause_clear(db);
		break;
	}
	if (n == -1) {
		rc = db_errcode(db);
		goto fail;
	}
	if (n > 0 || op == OP_RETRY_SINCE) {
		if (op == OP_SEND_NOW)
			(void)snprintf(detail, sizeof(detail), "made %d "
			    "waiting emails due now", n);
		else if (op == OP_RESUME)
			(void)snprintf(detail, sizeof(detail), "resumed "
			    "sending");
		else
			(void)snprintf(detail, sizeof(detail), "queued %d "
			    "failed emails again", n);
		if (db_audit(db, a->user_id, a->addr, a->action,
		    a->referral_id, a->subject_user_id, a->detail != NULL ?
		    a->detail : detail) == -1) {
			rc = db_errcode(db);
			goto fail;
		}
	}
	return db_tx_commit(db, "outbox change") == DB_OK ? n : -1;
fail:
	(void)db_tx_fail(db, rc, "outbox change");
	return -1;
}

int
db_outbox_retry_audited(struct db *db, int64_t id, const char *now,
    const struct db_audit_line *a)
{
	return outbox_audited(db, OP_RETRY, id, NULL, now, a);
}

int
db_outbox_retry_since_audited(struct db *db, const char *since,
    const char *now, const struct db_audit_line *a)
{
	return outbox_audited(db, OP_RETRY_SINCE, 0, since, now, a);
}

int
db_outbox_send_now_audited(struct db *db, int64_t id, const char *now,
    const struct db_audit_line *a)
{
	return outbox_audited(db, OP_SEND_NOW, id, NULL, now, a);
}

int
db_outbox_pause_clear_audited(struct db *db, const struct db_audit_line *a)
{
	return outbox_audited(db, OP_RESUME, 0, NULL, NULL, a);
}

int
db_outbox_list(struct db *db, const char *status, int64_t before_id,
    size_t limit, struct db_outbox **out, size_t *n)
{
	sqlite3_stmt *st;
	struct db_outbox *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	st = db_stmt(db, status != NULL && *status != '\0' ?
	    sql_list_status : sql_list_all);
	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, before_id);
	(void)sqlite3_bind_int64(st, 2, (uint64_t)limit > (uint64_t)INT64_MAX ?
	    INT64_MAX : (int64_t)limit);
	if (status != NULL && *status != '\0')
		db_bind_text(st, 3, status);
	while ((rc = db_next(db, st)) == 1) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		row_read(st, &v[len++]);
	}
	if (rc != 0) {
		fprintf(stderr, "db: outbox list: %s\n",
		    sqlite3_errmsg(db->conn));
		db_outbox_list_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
db_outbox_get(struct db *db, int64_t id, struct db_outbox *out)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if ((st = db_stmt(db, sql_get)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		row_read(st, out);
		found = 1;
		rc = SQLITE_DONE;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: outbox get: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return found;
}

int
db_outbox_count(struct db *db, struct db_outbox_counts *out)
{
	sqlite3_stmt *st;
	const char *s;
	int64_t c;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_stmt(db, sql_count)) == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1) {
		s = (const char *)sqlite3_column_text(st, 0);
		c = sqlite3_column_int64(st, 1);
		if (s == NULL)
			continue;
		if (strcmp(s, "queued") == 0)
			out->queued = c;
		else if (strcmp(s, "sending") == 0)
			out->sending = c;
		else if (strcmp(s, "sent") == 0)
			out->sent = c;
		else if (strcmp(s, "failed") == 0)
			out->failed = c;
		else if (strcmp(s, "dropped") == 0)
			out->dropped = c;
	}
	if (rc != 0) {
		fprintf(stderr, "db: outbox count: %s\n",
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

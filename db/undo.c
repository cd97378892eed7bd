/*
 * undo: the rows that say how to take back a booking or a move, and
 * taking it back (see undo.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/outbox.h"
#include "db/schedule.h"
#include "db/staff.h"
#include "db/undo.h"

#define UNDO_COLS \
	"SELECT u.id, u.kind, u.series_id, coalesce(u.user_id, 0), " \
	"coalesce(us.name, ''), u.made_at, u.until_utc, " \
	"coalesce(u.referral_id, 0), u.occ_date, coalesce(u.to_start_utc, 0), " \
	"coalesce(u.old_start_utc, 0), coalesce(u.old_end_utc, 0), " \
	"coalesce(u.undone_at, 0), coalesce(u.client_id, 0) " \
	"FROM change_undo u " \
	"LEFT JOIN users us ON us.id = u.user_id "

static const char sql_undo_get[] = UNDO_COLS "WHERE u.id = ?1";
static const char sql_undo_open[] = UNDO_COLS "WHERE u.series_id = ?1 AND "
    "u.undone_at IS NULL AND u.until_utc > ?2 ORDER BY u.made_at DESC, "
    "u.id DESC LIMIT 8";

/* A booking: the referral of the series' client and its status now. */
static const char sql_booking_note[] = "INSERT INTO change_undo (kind, "
    "series_id, user_id, made_at, until_utc, referral_id, status_before) "
    "SELECT 'booking', s.id, ?2, ?3, ?4, c.referral_id, coalesce(r.status, "
    "'') FROM series s LEFT JOIN clients c ON c.id = s.client_id "
    "LEFT JOIN referrals r ON r.id = c.referral_id WHERE s.id = ?1";
/* A move: the session and its exception as they are before it. */
static const char sql_move_note[] = "INSERT INTO change_undo (kind, "
    "series_id, user_id, made_at, until_utc, occ_date, to_start_utc, "
    "old_start_utc, old_end_utc, old_room_id, old_state, old_x_start_utc, "
    "old_x_length_min, old_x_room_id, old_x_reason, old_x_by, old_x_at) "
    "SELECT 'move', o.series_id, ?2, ?3, ?4, o.occ_date, ?6, o.start_utc, "
    "o.end_utc, o.room_id, o.state, x.new_start_utc, x.new_length_min, "
    "x.new_room_id, coalesce(x.reason, ''), x.created_by, x.created_at "
    "FROM occurrences o LEFT JOIN exceptions x ON x.series_id = "
    "o.series_id AND x.occ_date = o.occ_date WHERE o.series_id = ?1 AND "
    "o.occ_date = ?5";
static const char sql_assign_note[] = "UPDATE change_undo SET "
    "status_before = ?2, client_id = ?3 WHERE kind = 'booking' AND "
    "series_id = ?1 AND undone_at IS NULL";
static const char sql_assign_hold[] = "UPDATE outbox SET not_before = "
    "(SELECT strftime('%Y-%m-%dT%H:%M:%SZ', until_utc, 'unixepoch') FROM "
    "change_undo WHERE kind = 'booking' AND series_id = ?1 AND "
    "undone_at IS NULL) WHERE dedupe_key = ?2 AND status = 'queued' AND "
    "EXISTS (SELECT 1 FROM change_undo WHERE kind = 'booking' AND "
    "series_id = ?1 AND undone_at IS NULL)";

/* Emails about a change in the key range [?1, ?2). */
static const char sql_keys_sent[] = "SELECT count(*) FROM outbox WHERE "
    "dedupe_key >= ?1 AND dedupe_key < ?2 AND status IN ('sent', "
    "'sending')";

/* What undoing a booking reads and writes. */
static const char sql_booking_row[] = "SELECT coalesce(referral_id, 0), "
    "status_before FROM change_undo WHERE id = ?1";
static const char sql_series_kept[] = "SELECT s.status != 'active' OR "
    "EXISTS (SELECT 1 FROM attendance WHERE series_id = s.id) OR EXISTS "
    "(SELECT 1 FROM session_notes WHERE series_id = s.id) OR EXISTS "
    "(SELECT 1 FROM places WHERE series_id = s.id OR from_series_id = "
    "s.id), s.therapist_id, s.site_id FROM series s WHERE s.id = ?1";
static const char sql_client_kept[] = "SELECT EXISTS (SELECT 1 FROM series "
    "WHERE client_id = ?1 AND id != ?2) OR EXISTS (SELECT 1 FROM "
    "group_members WHERE client_id = ?1)";
static const char sql_feeds_stale[] = "UPDATE feeds SET stale = 1 WHERE "
    "(kind = 'therapist' AND owner_id = ?1) OR (kind = 'site' AND "
    "owner_id = ?2)";
static const char sql_series_delete[] = "DELETE FROM series WHERE id = ?1";
static const char sql_client_delete[] = "DELETE FROM clients WHERE id = ?1";
static const char sql_referral_back[] = "INSERT INTO referral_events "
    "(referral_id, at, user_id, from_status, to_status, reason) SELECT "
    "id, ?3, ?4, status, ?2, ?5 FROM referrals WHERE id = ?1 AND "
    "status != ?2";
static const char sql_referral_status[] = "UPDATE referrals SET status = "
    "?2, updated_at = ?3 WHERE id = ?1 AND status != ?2";

/* What undoing a move reads and writes. */
static const char sql_move_row[] = "SELECT o.start_utc, o.state, "
    "coalesce(u.old_room_id, 0), u.old_state, u.old_x_start_utc, "
    "u.old_x_length_min, u.old_x_room_id, u.old_x_reason, u.old_x_by, "
    "u.old_x_at FROM change_undo u JOIN occurrences o ON o.series_id = "
    "u.series_id AND o.occ_date = u.occ_date WHERE u.id = ?1";
static const char sql_occ_back[] = "UPDATE occurrences SET start_utc = ?3, "
    "end_utc = ?4, room_id = ?5, state = ?6 WHERE series_id = ?1 AND "
    "occ_date = ?2";
static const char sql_exception_drop[] = "DELETE FROM exceptions WHERE "
    "series_id = ?1 AND occ_date = ?2";
static const char sql_exception_back[] = "UPDATE exceptions SET kind = "
    "'moved', by_whom = '', new_start_utc = ?3, new_length_min = ?4, "
    "new_room_id = ?5, reason = ?6, created_by = ?7, created_at = ?8, "
    "sequence = (SELECT sequence FROM series WHERE id = ?1) "
    "WHERE series_id = ?1 AND occ_date = ?2";
static const char sql_series_touch[] = "UPDATE series SET sequence = "
    "sequence + 1, updated_at = ?2 WHERE id = ?1";
static const char sql_undone[] = "UPDATE change_undo SET undone_at = ?2, "
    "undone_by = ?3 WHERE id = ?1 AND undone_at IS NULL";

/* The columns of UNDO_COLS, in order. */
#define C(kind, m)	DB_COLUMN(kind, struct db_undo, m)
static const struct db_column undo_cols[] = {
	C(INT64, id), C(TEXT, kind), C(INT64, series_id), C(INT64, user_id),
	C(TEXT, user_name), C(INT64, made_at), C(INT64, until_utc),
	C(INT64, referral_id), C(TEXT, occ_date), C(INT64, to_start_utc),
	C(INT64, old_start_utc), C(INT64, old_end_utc), C(INT64, undone_at),
	C(INT64, client_id),
};
#undef C

/* Reads UNDO_COLS of the current row into u (sent is left 0). */
static void
undo_read(sqlite3_stmt *st, struct db_undo *u)
{
	db_row_read(st, undo_cols, DB_NCOLUMNS(undo_cols), u, sizeof(*u));
}

/*
 * The key prefixes of the emails a change causes, each "KIND:SERIES:"
 * (a booking: every client notice and reminder of its series) or the
 * move's own "session_moved:SERIES:DATE@TO:", into v (n of them); the
 * count.  A booking made with an assignment adds the therapist's email
 * key, whose range ends just after it.
 */
#define UNDO_PREFIXES	6
static size_t
undo_prefixes(const struct db_undo *u,
    char v[UNDO_PREFIXES][DB_OUTBOX_KEY_LEN])
{
	static const char *const kinds[] = { "booking_confirmation",
	    "session_cancelled", "session_moved", "session_reinstated",
	    "reminder" };
	size_t i, n = 0;

	if (strcmp(u->kind, "move") == 0) {
		(void)snprintf(v[n++], DB_OUTBOX_KEY_LEN, "session_moved:%lld:"
		    "%s@%lld:", (long long)u->series_id, u->occ_date,
		    (long long)u->to_start_utc);
		return n;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		(void)snprintf(v[n++], DB_OUTBOX_KEY_LEN, "%s:%lld:", kinds[i],
		    (long long)u->series_id);
	if (u->client_id > 0 && db_outbox_key(v[n], DB_OUTBOX_KEY_LEN,
	    "therapist_assigned", u->client_id, -1) == 0)
		n++;
	return n;
}

/*
 * Over every key range of change u: counts the emails gone (drop 0) or
 * drops those queued, with reason (drop 1).  The count, or -1.
 */
static int
undo_keys(struct db *db, const struct db_undo *u, int drop,
    const char *reason)
{
	char v[UNDO_PREFIXES][DB_OUTBOX_KEY_LEN], lo[DB_OUTBOX_KEY_LEN];
	char hi[DB_OUTBOX_KEY_LEN];
	sqlite3_stmt *st;
	size_t i, n;
	int total = 0, rc;

	n = undo_prefixes(u, v);
	for (i = 0; i < n; i++) {
		db_key_range(v[i], lo, hi, sizeof(lo));
		if (drop) {
			if ((rc = db_outbox_drop_range(db, lo, hi,
			    reason)) == -1)
				return -1;
			total += rc;
			continue;
		}
		if ((st = db_stmt(db, sql_keys_sent)) == NULL)
			return -1;
		db_bind_text(st, 1, lo);
		db_bind_text(st, 2, hi);
		if ((rc = db_next(db, st)) != 1)
			return -1;
		total += sqlite3_column_int(st, 0);
		db_done(st);
	}
	return total;
}

/*
 * A note's statement sql with its series (?1), who (?2), when made (?3)
 * and until when it may be undone (?4) bound, ready for more; NULL when
 * it cannot be prepared.
 */
static sqlite3_stmt *
undo_note(struct db *db, const char *sql, int64_t series_id, int64_t user_id,
    int grace_s)
{
	sqlite3_stmt *st = db_stmt_with(db, sql, series_id);
	int64_t now = (int64_t)time(NULL);

	if (st != NULL) {
		db_bind_int(st, 2, user_id);
		db_bind_int(st, 3, now);
		db_bind_int(st, 4, now + grace_s);
	}
	return st;
}

int
db_undo_booking_note(struct db *db, int64_t series_id, int64_t user_id,
    int grace_s)
{
	if (grace_s <= 0 || user_id <= 0)
		return 0;
	return db_run(undo_note(db, sql_booking_note, series_id, user_id,
	    grace_s)) == SQLITE_DONE ? 0 : -1;
}

int
db_undo_move_note(struct db *db, int64_t series_id, const char *date,
    int64_t to_start_utc, int64_t user_id, int grace_s)
{
	sqlite3_stmt *st;

	if (grace_s <= 0 || user_id <= 0)
		return 0;
	if ((st = undo_note(db, sql_move_note, series_id, user_id,
	    grace_s)) == NULL)
		return -1;
	db_bind_text(st, 5, date);
	db_bind_int(st, 6, to_start_utc);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

int
db_undo_assign_note(struct db *db, int64_t series_id,
    const char *status_before, int64_t client_id)
{
	char key[DB_OUTBOX_KEY_LEN];
	sqlite3_stmt *st;

	if ((st = db_stmt_with(db, sql_assign_note, series_id)) == NULL)
		return -1;
	db_bind_text(st, 2, status_before);
	db_bind_id(st, 3, client_id);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	if (db_outbox_key(key, sizeof(key), "therapist_assigned", client_id,
	    -1) == -1 || (st = db_stmt_with(db, sql_assign_hold,
	    series_id)) == NULL)
		return -1;
	db_bind_text(st, 2, key);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

int
db_undo_get(struct db *db, int64_t id, struct db_undo *u)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_undo_get, id);
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		undo_read(st, u);
		db_done(st);
	}
	return rc;
}

int
db_undo_open_each(struct db *db, int64_t series_id, int64_t now,
    void (*fn)(void *, const struct db_undo *), void *arg)
{
	struct db_undo v[8];
	sqlite3_stmt *st;
	size_t n = 0, i;
	int rc, sent;

	if ((st = db_stmt_with(db, sql_undo_open, series_id)) == NULL)
		return -1;
	db_bind_int(st, 2, now);
	/* Collect first: the key counts below reuse the connection. */
	while (n < 8 && (rc = db_next(db, st)) == 1)
		undo_read(st, &v[n++]);
	if (n == 8)
		db_done(st);
	else if (rc == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((sent = undo_keys(db, &v[i], 0, NULL)) == -1)
			return -1;
		v[i].sent = sent > 0;
		fn(arg, &v[i]);
	}
	return 0;
}

/* Ends a refused undo: rolled back, with the sentence (may be NULL). */
static enum db_undo_result
undo_refuse(struct db *db, enum db_undo_result res, char *why,
    size_t whylen, const char *msg)
{
	db_rollback(db);
	if (msg != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", msg);
	return res;
}

/*
 * Undoes booking u inside the write: the series, its sessions and its
 * queued emails go; the referral returns to its status before and the
 * client record the assignment made goes.  DB_UNDO_OK, DB_UNDO_CHANGED
 * (nothing written, why says), or DB_UNDO_ERROR.
 */
static enum db_undo_result
undo_booking(struct db *db, const struct db_undo *u, int64_t user_id,
    const char *now, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	char before[16], reason[160];
	int64_t referral = 0, client = 0, therapist = 0, site = 0;
	int rc, kept = 0;

	if ((st = db_stmt_with(db, sql_booking_row, u->id)) == NULL ||
	    db_next(db, st) != 1)
		return DB_UNDO_ERROR;
	referral = sqlite3_column_int64(st, 0);
	db_copy(before, sizeof(before), db_col(st, 1));
	client = u->client_id;
	db_done(st);
	if ((st = db_stmt_with(db, sql_series_kept, u->series_id)) == NULL ||
	    (rc = db_next(db, st)) == -1)
		return DB_UNDO_ERROR;
	if (rc == 1) {
		kept = sqlite3_column_int(st, 0);
		therapist = sqlite3_column_int64(st, 1);
		site = sqlite3_column_int64(st, 2);
		db_done(st);
	}
	if (rc == 0 || kept) {
		(void)snprintf(why, whylen, "Attendance, a note or an offer "
		    "has been recorded for these sessions since they were "
		    "booked, or the series was ended, so the booking cannot "
		    "be undone. Cancel the sessions instead.");
		return DB_UNDO_CHANGED;
	}
	if (client > 0) {
		if ((st = db_stmt_with(db, sql_client_kept, client)) == NULL)
			return DB_UNDO_ERROR;
		db_bind_int(st, 2, u->series_id);
		if (db_next(db, st) != 1)
			return DB_UNDO_ERROR;
		kept = sqlite3_column_int(st, 0);
		db_done(st);
		if (kept) {
			(void)snprintf(why, whylen, "The client has been booked "
			    "into other sessions or a group since, so this "
			    "booking cannot be undone. Cancel the sessions "
			    "instead.");
			return DB_UNDO_CHANGED;
		}
	}
	if (undo_keys(db, u, 1, "dropped: the booking was undone") ==
	    -1)
		return DB_UNDO_ERROR;
	if ((st = db_stmt_with(db, sql_feeds_stale, therapist)) == NULL)
		return DB_UNDO_ERROR;
	db_bind_int(st, 2, site);
	if (db_run(st) != SQLITE_DONE ||
	    db_run(db_stmt_with(db, sql_series_delete, u->series_id)) !=
	    SQLITE_DONE)
		return DB_UNDO_ERROR;
	if (client > 0 && db_run(db_stmt_with(db, sql_client_delete,
	    client)) != SQLITE_DONE)
		return DB_UNDO_ERROR;
	if (referral <= 0 || before[0] == '\0')
		return DB_UNDO_OK;
	(void)snprintf(reason, sizeof(reason), "Booking undone: series %lld "
	    "was removed before any email about it went.",
	    (long long)u->series_id);
	if ((st = db_stmt_with(db, sql_referral_back, referral)) == NULL)
		return DB_UNDO_ERROR;
	db_bind_text(st, 2, before);
	db_bind_text(st, 3, now);
	db_bind_id(st, 4, user_id);
	db_bind_text(st, 5, reason);
	if (db_run(st) != SQLITE_DONE ||
	    (st = db_stmt_with(db, sql_referral_status, referral)) == NULL)
		return DB_UNDO_ERROR;
	db_bind_text(st, 2, before);
	db_bind_text(st, 3, now);
	return db_run(st) == SQLITE_DONE ? DB_UNDO_OK : DB_UNDO_ERROR;
}

/*
 * Undoes move u inside the write: the session returns to back (checked
 * for clashes as a move is) with its exception as it was, and the move's
 * queued notices are dropped.  DB_UNDO_OK, DB_UNDO_CHANGED or
 * DB_UNDO_CLASH (nothing written, why says), or DB_UNDO_ERROR.
 */
static enum db_undo_result
undo_move(struct db *db, const struct db_undo *u, const struct db_occ *back,
    const char *now, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	char state[12], old_state[12];
	int64_t start, room;
	int rc, ok;

	if (back == NULL)
		return DB_UNDO_ERROR;
	if ((st = db_stmt_with(db, sql_move_row, u->id)) == NULL ||
	    (rc = db_next(db, st)) == -1)
		return DB_UNDO_ERROR;
	if (rc == 0) {
		(void)snprintf(why, whylen, "That session is no longer "
		    "booked, so the move cannot be undone.");
		return DB_UNDO_CHANGED;
	}
	start = sqlite3_column_int64(st, 0);
	db_copy(state, sizeof(state), db_col(st, 1));
	room = sqlite3_column_int64(st, 2);
	db_copy(old_state, sizeof(old_state), db_col(st, 3));
	ok = start == u->to_start_utc && strcmp(state, "moved") == 0;
	if (!ok) {
		db_done(st);
		(void)snprintf(why, whylen, "The session has been changed again "
		    "since it was moved, so this move cannot be undone. Move "
		    "it to the time you want instead.");
		return DB_UNDO_CHANGED;
	}
	/* The exception as it was: put back, or gone. */
	if (strcmp(old_state, "moved") == 0) {
		sqlite3_stmt *x = db_stmt(db, sql_exception_back);

		if (x == NULL) {
			db_done(st);
			return DB_UNDO_ERROR;
		}
		db_bind_int(x, 1, u->series_id);
		db_bind_text(x, 2, u->occ_date);
		(void)sqlite3_bind_value(x, 3, sqlite3_column_value(st, 4));
		(void)sqlite3_bind_value(x, 4, sqlite3_column_value(st, 5));
		(void)sqlite3_bind_value(x, 5, sqlite3_column_value(st, 6));
		db_bind_text(x, 6, db_col(st, 7));
		(void)sqlite3_bind_value(x, 7, sqlite3_column_value(st, 8));
		(void)sqlite3_bind_value(x, 8, sqlite3_column_value(st, 9));
		db_done(st);
		if (db_run(x) != SQLITE_DONE)
			return DB_UNDO_ERROR;
	} else {
		db_done(st);
		if ((st = db_stmt_with(db, sql_exception_drop, u->series_id)) ==
		    NULL)
			return DB_UNDO_ERROR;
		db_bind_text(st, 2, u->occ_date);
		if (db_run(st) != SQLITE_DONE)
			return DB_UNDO_ERROR;
	}
	if ((rc = db_occ_clash(db, u->series_id, u->occ_date, back, room,
	    NULL, why, whylen)) != 0)
		return rc == 1 ? DB_UNDO_CLASH : DB_UNDO_ERROR;
	if ((st = db_stmt_with(db, sql_occ_back, u->series_id)) == NULL)
		return DB_UNDO_ERROR;
	db_bind_text(st, 2, u->occ_date);
	db_bind_int(st, 3, back->start_utc);
	db_bind_int(st, 4, back->end_utc);
	db_bind_id(st, 5, room);
	db_bind_text(st, 6, old_state);
	if (db_run(st) != SQLITE_DONE ||
	    (st = db_stmt_with(db, sql_series_touch, u->series_id)) == NULL)
		return DB_UNDO_ERROR;
	db_bind_text(st, 2, now);
	if (db_run(st) != SQLITE_DONE ||
	    undo_keys(db, u, 1, "dropped: the move was undone") == -1)
		return DB_UNDO_ERROR;
	return DB_UNDO_OK;
}

enum db_undo_result
db_undo_apply(struct db *db, int64_t id, const struct db_occ *back,
    int64_t user_id, const char *addr, int64_t now, struct db_undo *out,
    char *why, size_t whylen)
{
	struct db_undo u;
	sqlite3_stmt *st;
	char iso[21], detail[160];
	enum db_undo_result res;
	enum db_result r;
	int rc, sent;

	if (whylen > 0)
		why[0] = '\0';
	if ((r = db_tx_begin(db)) != DB_OK)
		return r == DB_BUSY ? DB_UNDO_BUSY : DB_UNDO_ERROR;
	if ((rc = db_undo_get(db, id, &u)) == -1)
		goto fail;
	if (rc == 0)
		return undo_refuse(db, DB_UNDO_NONE, why, whylen, NULL);
	if (out != NULL)
		*out = u;
	if (u.undone_at > 0)
		return undo_refuse(db, DB_UNDO_ALREADY, why, whylen, NULL);
	if ((sent = undo_keys(db, &u, 0, NULL)) == -1)
		goto fail;
	if (sent > 0)
		return undo_refuse(db, DB_UNDO_SENT, why, whylen, NULL);
	if (now > u.until_utc)
		return undo_refuse(db, DB_UNDO_LATE, why, whylen, NULL);
	db_now(iso);
	res = strcmp(u.kind, "booking") == 0 ? undo_booking(db, &u, user_id,
	    iso, why, whylen) : undo_move(db, &u, back, iso, why, whylen);
	if (res == DB_UNDO_CHANGED || res == DB_UNDO_CLASH)
		return undo_refuse(db, res, why, whylen, NULL);
	if (res != DB_UNDO_OK)
		goto fail;
	if ((st = db_stmt_with(db, sql_undone, id)) == NULL)
		goto fail;
	db_bind_int(st, 2, now);
	db_bind_id(st, 3, user_id);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	if (strcmp(u.kind, "booking") == 0)
		(void)snprintf(detail, sizeof(detail), "undid the booking of "
		    "series %lld (made by user %lld)", (long long)u.series_id,
		    (long long)u.user_id);
	else
		(void)snprintf(detail, sizeof(detail), "undid the move of %s "
		    "of series %lld (made by user %lld)", u.occ_date,
		    (long long)u.series_id, (long long)u.user_id);
	if (db_audit(db, user_id, addr != NULL ? addr : "", strcmp(u.kind,
	    "booking") == 0 ? "undo-booking" : "undo-move", u.referral_id, 0,
	    detail) == -1)
		goto fail;
	r = db_tx_commit(db, "undo");
	return r == DB_OK ? DB_UNDO_OK : r == DB_BUSY ? DB_UNDO_BUSY :
	    DB_UNDO_ERROR;
fail:
	r = db_tx_fail(db, db_errcode(db), "undo");
	return r == DB_BUSY ? DB_UNDO_BUSY : DB_UNDO_ERROR;
}

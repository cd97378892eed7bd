/*
 * db/client: the client record's reads and writes (see client.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/client.h"
#include "db/db_int.h"
#include "db/staff.h"
#include "util/calendar.h"

/* The series referral ?1 is in: their own, or a group's they joined. */
#define PERSON_SERIES(s)						\
	s ".id IN (SELECT x.id FROM clients c JOIN series x ON x.client_id "\
	"= c.id WHERE c.referral_id = ?1 UNION ALL SELECT x.id FROM "	\
	"clients c JOIN group_members gm ON gm.client_id = c.id JOIN "	\
	"series x ON x.group_id = gm.group_id WHERE c.referral_id = ?1)"

/* The person's caseload entry in series s (own or as a group member). */
#define PERSON_CLIENT(s)						\
	"coalesce(" s ".client_id, (SELECT gm.client_id FROM group_members gm"\
	" JOIN clients c ON c.id = gm.client_id WHERE gm.group_id = "	\
	s ".group_id AND c.referral_id = ?1 LIMIT 1))"

int
db_client_seen_by(struct db *db, int64_t referral_id, int64_t therapist_id)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM clients "
	    "WHERE referral_id = ?1 AND therapist_id = ?2) OR EXISTS (SELECT 1 "
	    "FROM series s WHERE s.therapist_id = ?2 AND "
	    PERSON_SERIES("s") ")";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, seen = 0;

	if (st == NULL)
		return -1;
	db_bind_int(st, 1, referral_id);
	db_bind_int(st, 2, therapist_id);
	if ((rc = db_next(db, st)) == 1) {
		seen = sqlite3_column_int(st, 0) != 0;
		db_done(st);
	}
	return rc == -1 ? -1 : seen;
}

/* Reads one row of db_client_spells into *r. */
static void
spell_read(sqlite3_stmt *st, struct db_client_spell *r)
{
	memset(r, 0, sizeof(*r));
	r->client_id = sqlite3_column_int64(st, 0);
	r->therapist_id = sqlite3_column_int64(st, 1);
	db_copy(r->therapist, sizeof(r->therapist), db_col(st, 2));
	db_copy(r->started_at, sizeof(r->started_at), db_col(st, 3));
	db_copy(r->ended_at, sizeof(r->ended_at), db_col(st, 4));
	db_copy(r->end_reason, sizeof(r->end_reason), db_col(st, 5));
	db_copy(r->therapy_started, sizeof(r->therapy_started),
	    db_col(st, 6));
}

DB_ROW_CALL(spell_row, struct db_client_spell, spell_read)

int
db_client_spells(struct db *db, int64_t referral_id, void (*fn)(void *,
    const struct db_client_spell *), void *arg)
{
	static const char sql[] = "SELECT c.id, c.therapist_id, t.name, "
	    "c.started_at, coalesce(c.ended_at, ''), c.end_reason, "
	    "coalesce(c.therapy_started, '') FROM clients c JOIN therapists t "
	    "ON t.id = c.therapist_id WHERE c.referral_id = ? ORDER BY c.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	return db_each(db, st, spell_row, (db_any_fn)fn, arg);
}

/* The columns of db_client_series_each's SELECT. */
#define C(kind, m)	DB_COLUMN(kind, struct db_client_series, m)
static const struct db_column series_cols[] = {
	C(INT64, id), C(TEXT, therapist), C(TEXT, group), C(TEXT, site),
	C(TEXT, room), C(TEXT, first_date), C(TEXT, start_local),
	C(INT, length_min), C(TEXT, status), C(TEXT, ended_from),
	C(INT, coming),
};
#undef C

DB_ROW_COLUMNS(series_row, struct db_client_series, series_cols)

int
db_client_series_each(struct db *db, int64_t referral_id, void (*fn)(void *,
    const struct db_client_series *), void *arg)
{
	static const char sql[] = "SELECT s.id, t.name, coalesce(g.name, ''),"
	    " si.name, coalesce(ro.name, ''), s.first_date, s.start_local, "
	    "s.length_min, s.status, coalesce(s.ended_from, ''), EXISTS "
	    "(SELECT 1 FROM occurrences o WHERE o.series_id = s.id AND "
	    "o.state != 'cancelled' AND o.start_utc > ?2) FROM series s "
	    "JOIN therapists t ON t.id = s.therapist_id "
	    "JOIN sites si ON si.id = s.site_id "
	    "LEFT JOIN rooms ro ON ro.id = s.room_id "
	    "LEFT JOIN groups g ON g.id = s.group_id "
	    "WHERE " PERSON_SERIES("s") " ORDER BY s.first_date, s.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	db_bind_int(st, 2, (int64_t)time(NULL));
	return db_each(db, st, series_row, (db_any_fn)fn, arg);
}

/* The columns of db_client_sessions' SELECT. */
#define C(kind, m)	DB_COLUMN(kind, struct db_client_session, m)
static const struct db_column session_cols[] = {
	C(INT64, series_id), C(TEXT, date), C(INT64, start_utc),
	C(INT64, end_utc), C(TEXT, state), C(TEXT, why), C(TEXT, by_whom),
	C(TEXT, attendance), C(INT64, client_id), C(TEXT, therapist),
	C(TEXT, site), C(INT, is_group),
};
#undef C

DB_ROW_COLUMNS(session_row, struct db_client_session, session_cols)

int
db_client_sessions(struct db *db, int64_t referral_id, void (*fn)(void *,
    const struct db_client_session *), void *arg)
{
	/*
	 * A group's sessions from the day the person joined, as a bound on
	 * the series' own index (series, date): not every session the
	 * group has had over the years, each then compared with that day
	 * (321 sessions read for 28 shown at N=10, Y=6: 13.2 -> 0.2 ms).
	 */
	static const char sql[] = "SELECT o.series_id, o.occ_date, "
	    "o.start_utc, o.end_utc, o.state, coalesce(x.reason, ''), "
	    "coalesce(x.by_whom, ''), coalesce(a.status, ''), "
	    PERSON_CLIENT("s") ", t.name, si.name, s.group_id IS NOT NULL "
	    "FROM occurrences o JOIN series s ON s.id = o.series_id "
	    "JOIN therapists t ON t.id = s.therapist_id "
	    "JOIN sites si ON si.id = o.site_id "
	    "LEFT JOIN exceptions x ON x.series_id = o.series_id "
	    "AND x.occ_date = o.occ_date "
	    "LEFT JOIN attendance a ON a.series_id = o.series_id "
	    "AND a.occ_date = o.occ_date AND a.client_id = " PERSON_CLIENT("s")
	    " WHERE " PERSON_SERIES("s") " AND o.occ_date >= CASE WHEN "
	    "s.group_id IS NULL THEN '' ELSE (SELECT min(substr(gm.joined_at,"
	    " 1, 10)) FROM group_members gm JOIN clients c ON c.id = "
	    "gm.client_id WHERE gm.group_id = s.group_id AND c.referral_id = "
	    "?1) END ORDER BY o.start_utc";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	return db_each(db, st, session_row, (db_any_fn)fn, arg);
}

/* Reads one row of db_client_notes into *r. */
static void
note_read(sqlite3_stmt *st, struct db_client_note *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->series_id = sqlite3_column_int64(st, 1);
	db_copy(r->date, sizeof(r->date), db_col(st, 2));
	r->shared = sqlite3_column_int(st, 3);
	r->body = db_col(st, 4);
	r->author = db_col(st, 5);
	db_copy(r->written_at, sizeof(r->written_at), db_col(st, 6));
	db_copy(r->updated_at, sizeof(r->updated_at), db_col(st, 7));
	r->versions = sqlite3_column_int(st, 8);
}

DB_ROW_CALL(note_row, struct db_client_note, note_read)

int
db_client_notes(struct db *db, int64_t referral_id, void (*fn)(void *,
    const struct db_client_note *), void *arg)
{
	/*
	 * The person's own notes, then the group sessions' shared notes
	 * found from their own attended lines (not every shared note of
	 * the service: those grow with all its history).  CROSS JOIN keeps
	 * that order: without statistics SQLite would start from every
	 * attended line or every shared note.
	 */
	static const char sql[] = "SELECT n.id, n.series_id, n.occ_date, "
	    "n.referral_id IS NULL AS shared, n.body, coalesce(u.name, "
	    "(SELECT t.name FROM series s JOIN therapists t ON "
	    "t.id = s.therapist_id WHERE s.id = n.series_id), ''), "
	    "n.written_at, n.updated_at, (SELECT count(*) FROM "
	    "session_note_versions v WHERE v.note_id = n.id) "
	    "FROM (SELECT id FROM session_notes WHERE referral_id = ?1 "
	    "UNION SELECT x.id FROM clients c CROSS JOIN attendance a ON "
	    "a.client_id = c.id AND a.status = 'attended' CROSS JOIN "
	    "session_notes x ON x.series_id = a.series_id AND "
	    "x.occ_date = a.occ_date AND x.referral_id IS NULL "
	    "WHERE c.referral_id = ?1) p "
	    "JOIN session_notes n ON n.id = p.id "
	    "LEFT JOIN users u ON u.id = n.written_by "
	    "ORDER BY n.occ_date DESC, shared DESC, n.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	return db_each(db, st, note_row, (db_any_fn)fn, arg);
}

int
db_client_note_versions(struct db *db, int64_t note_id, void (*fn)(void *,
    const char *, const char *, const char *, const char *), void *arg)
{
	static const char sql[] = "SELECT v.body, coalesce(u.name, ''), "
	    "v.written_at, v.reason FROM session_note_versions v "
	    "LEFT JOIN users u ON u.id = v.written_by WHERE v.note_id = ? "
	    "ORDER BY v.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, note_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2),
		    db_col(st, 3));
	return rc;
}

int
db_client_note_exists(struct db *db, int64_t series_id, const char *date,
    int64_t referral_id)
{
	static const char sql[] = "SELECT 1 FROM session_notes WHERE "
	    "series_id = ?1 AND occ_date = ?2 AND ifnull(referral_id, 0) = ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, date);
	db_bind_int(st, 3, referral_id);
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

/*
 * 1 when session (series_id, date) is past at now and referral_id (0:
 * the group itself) was in it; 0 when not; -1 on an error.
 */
static int
note_session_ok(struct db *db, int64_t series_id, const char *date,
    int64_t referral_id, int64_t now)
{
	static const char sql[] = "SELECT 1 FROM occurrences o JOIN series s "
	    "ON s.id = o.series_id WHERE o.series_id = ?2 AND o.occ_date = ?3 "
	    "AND o.start_utc <= ?4 AND o.state != 'cancelled' AND "
	    "(CASE WHEN ?1 = 0 THEN s.group_id IS NOT NULL "
	    "ELSE " PERSON_CLIENT("s") " IS NOT NULL END)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 1, referral_id);
	db_bind_int(st, 2, series_id);
	db_bind_text(st, 3, date);
	db_bind_int(st, 4, now);
	rc = db_next(db, st);
	if (rc == 1)
		db_done(st);
	return rc;
}

/*
 * The note kept for session (series_id, date) and referral_id (0: the
 * group's shared note) into *note_id: 1 found, 0 none, -1 error.
 */
static int
note_find(struct db *db, int64_t series_id, const char *date,
    int64_t referral_id, int64_t *note_id)
{
	static const char sql[] = "SELECT id FROM session_notes WHERE "
	    "series_id = ?1 AND occ_date = ?2 AND ifnull(referral_id, 0) = ?3";
	sqlite3_stmt *st = db_stmt_with(db, sql, series_id);
	int rc;

	db_bind_text(st, 2, date);
	db_bind_int(st, 3, referral_id);
	if ((rc = db_next(db, st)) == 1) {
		*note_id = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return rc;
}

/*
 * Writes body as note *note_id (0: a new note, whose id is set) at now,
 * and keeps it as the note's next version with reason; in the caller's
 * write.  0 or -1.
 */
static int
note_write(struct db *db, int64_t *note_id, int64_t series_id,
    const char *date, int64_t referral_id, const char *body,
    const char *reason, int64_t user_id, const char *now)
{
	static const char sql_insert[] = "INSERT INTO session_notes "
	    "(series_id, occ_date, referral_id, body, written_by, written_at, "
	    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
	static const char sql_update[] = "UPDATE session_notes SET body = ?2, "
	    "updated_at = ?3 WHERE id = ?1";
	static const char sql_version[] = "INSERT INTO session_note_versions "
	    "(note_id, body, written_by, written_at, reason) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st;

	if (*note_id > 0) {
		st = db_stmt_with(db, sql_update, *note_id);
		db_bind_text(st, 2, body);
		db_bind_text(st, 3, now);
		if (db_run(st) != SQLITE_DONE)
			return -1;
	} else {
		st = db_stmt_with(db, sql_insert, series_id);
		db_bind_text(st, 2, date);
		db_bind_id(st, 3, referral_id);
		db_bind_text(st, 4, body);
		db_bind_id(st, 5, user_id);
		db_bind_text(st, 6, now);
		if (db_run(st) != SQLITE_DONE)
			return -1;
		*note_id = sqlite3_last_insert_rowid(db->conn);
	}
	st = db_stmt_with(db, sql_version, *note_id);
	db_bind_text(st, 2, body);
	db_bind_id(st, 3, user_id);
	db_bind_text(st, 4, now);
	db_bind_text(st, 5, reason);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

enum db_result
db_client_note_put(struct db *db, int64_t series_id, const char *date,
    int64_t referral_id, const char *body, const char *reason,
    int64_t user_id, const char *addr)
{
	char now[21], detail[96];
	int64_t note_id = 0;
	int rc, correcting;
	enum db_result res;

	if (body == NULL || *body == '\0')
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = note_session_ok(db, series_id, date, referral_id,
	    (int64_t)time(NULL))) == -1)
		goto fail;
	if (rc == 0) {
		db_rollback(db);
		return DB_INVALID;
	}
	if (note_find(db, series_id, date, referral_id, &note_id) == -1)
		goto fail;
	correcting = note_id > 0;
	if (correcting && (reason == NULL || *reason == '\0')) {
		db_rollback(db);
		return DB_INVALID;
	}
	db_now(now);
	if (note_write(db, &note_id, series_id, date, referral_id, body,
	    correcting ? reason : "", user_id, now) == -1)
		goto fail;
	/* What happened, never what the note says. */
	(void)snprintf(detail, sizeof(detail), "%s note %lld (session %s)",
	    correcting ? "corrected" : "wrote", (long long)note_id, date);
	if (db_audit(db, user_id, addr, correcting ? "note-correct" :
	    "note-write", referral_id, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "session note");
fail:
	return db_tx_fail(db, db_errcode(db), "session note");
}

int
db_client_goals(struct db *db, int64_t referral_id, void (*fn)(void *,
    int64_t, const char *, const char *, const char *, const char *),
    void *arg)
{
	static const char sql[] = "SELECT g.id, g.body, g.start_date, "
	    "coalesce(g.review_date, ''), coalesce(u.name, '') FROM "
	    "client_goals g LEFT JOIN users u ON u.id = g.created_by "
	    "WHERE g.referral_id = ? ORDER BY g.start_date, g.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1),
		    db_col(st, 2), db_col(st, 3), db_col(st, 4));
	return rc;
}

/*
 * Runs sql, a write about referral_id bound as (referral_id, a, b, c,
 * user_id, now), and its audit line action with detail, as one write
 * (what names it in the log).  What db_tx_commit or db_tx_fail returns.
 */
static enum db_result
client_write(struct db *db, const char *sql, int64_t referral_id,
    const char *a, const char *b, const char *c, int64_t user_id,
    const char *addr, const char *action, const char *detail,
    const char *what)
{
	sqlite3_stmt *st;
	char now[21];
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_now(now);
	db_bind_int(st, 1, referral_id);
	db_bind_text(st, 2, a);
	db_bind_text(st, 3, b);
	db_bind_text(st, 4, c);
	db_bind_id(st, 5, user_id);
	db_bind_text(st, 6, now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	if (db_audit(db, user_id, addr, action, referral_id, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, what);
fail:
	return db_tx_fail(db, db_errcode(db), what);
}

enum db_result
db_client_goal_add(struct db *db, int64_t referral_id, const char *body,
    const char *start, const char *review, int64_t user_id,
    const char *addr)
{
	/* No review date: NULL, not "". */
	static const char sql[] = "INSERT INTO client_goals (referral_id, "
	    "body, start_date, review_date, created_by, created_at) "
	    "VALUES (?1, ?2, ?3, nullif(?4, ''), ?5, ?6)";

	return client_write(db, sql, referral_id, body, start, review,
	    user_id, addr, "goal-add", "added a goal", "goal");
}

int
db_client_summary(struct db *db, int64_t referral_id, void (*fn)(void *,
    const char *, const char *, const char *, const char *, const char *),
    void *arg)
{
	static const char sql[] = "SELECT w.worked_on, w.outcome, w.onward, "
	    "coalesce(u.name, ''), w.written_at FROM work_summaries w "
	    "LEFT JOIN users u ON u.id = w.written_by WHERE w.referral_id = ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2),
		    db_col(st, 3), db_col(st, 4));
		db_done(st);
	}
	return rc;
}

enum db_result
db_client_summary_put(struct db *db, int64_t referral_id,
    const char *worked_on, const char *outcome, const char *onward,
    int64_t user_id, const char *addr)
{
	static const char sql[] = "INSERT INTO work_summaries (referral_id, "
	    "worked_on, outcome, onward, written_by, written_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (referral_id) DO "
	    "UPDATE SET worked_on = ?2, outcome = ?3, onward = ?4, "
	    "written_by = ?5, written_at = ?6";

	return client_write(db, sql, referral_id, worked_on, outcome, onward,
	    user_id, addr, "summary-write", "wrote the closing summary",
	    "summary");
}

/* One edit line for field, in the open transaction; 0 or -1. */
static int
edit_line(struct db *db, int64_t referral_id, const char *now,
    int64_t user_id, const char *field, const char *before,
    const char *after, const char *reason)
{
	static const char sql[] = "INSERT INTO referral_edits (referral_id, "
	    "at, user_id, field, before, after, reason) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	db_bind_text(st, 2, now);
	db_bind_id(st, 3, user_id);
	db_bind_text(st, 4, field);
	db_bind_text(st, 5, before);
	db_bind_text(st, 6, after);
	db_bind_text(st, 7, reason);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

enum db_result
db_client_referral_edit(struct db *db, int64_t referral_id, unsigned needs,
    const char *needs_before, const char *needs_after,
    const char *session_type, const char *type_before,
    const char *type_after, const char *reason, int64_t user_id,
    const char *addr)
{
	static const char sql_old[] = "SELECT needs, session_type FROM "
	    "referrals WHERE id = ? AND status IN ('new', 'triaged', "
	    "'waitlisted')";
	static const char sql[] = "UPDATE referrals SET needs = ?2, "
	    "session_type = ?3, updated_at = ?4 WHERE id = ?1";
	sqlite3_stmt *st;
	char now[21], type[16];
	unsigned old_needs;
	int rc, changed = 0;
	enum db_result res;

	if (reason == NULL || *reason == '\0')
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt_with(db, sql_old, referral_id)) == NULL ||
	    (rc = db_next(db, st)) == -1)
		goto fail;
	if (rc == 0) {
		db_rollback(db);
		return DB_INVALID;
	}
	old_needs = (unsigned)sqlite3_column_int64(st, 0);
	db_copy(type, sizeof(type), db_col(st, 1));
	db_done(st);
	db_now(now);
	if (old_needs != needs) {
		if (edit_line(db, referral_id, now, user_id, "Areas of life",
		    needs_before, needs_after, reason) == -1)
			goto fail;
		changed++;
	}
	if (strcmp(type, session_type) != 0) {
		if (edit_line(db, referral_id, now, user_id, "Kind of session",
		    type_before, type_after, reason) == -1)
			goto fail;
		changed++;
	}
	if (changed == 0) {
		db_rollback(db);
		return DB_INVALID;
	}
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_bind_int(st, 1, referral_id);
	db_bind_int(st, 2, needs);
	db_bind_text(st, 3, session_type);
	db_bind_text(st, 4, now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	if (db_audit(db, user_id, addr, "referral-edit", referral_id, 0,
	    "corrected the referral as told") == -1)
		goto fail;
	return db_tx_commit(db, "referral edit");
fail:
	return db_tx_fail(db, db_errcode(db), "referral edit");
}

int
db_client_referral_edits(struct db *db, int64_t referral_id,
    void (*fn)(void *, const char *, const char *, const char *,
    const char *, const char *, const char *), void *arg)
{
	static const char sql[] = "SELECT e.at, coalesce(u.name, ''), "
	    "e.field, e.before, e.after, e.reason FROM referral_edits e "
	    "LEFT JOIN users u ON u.id = e.user_id WHERE e.referral_id = ? "
	    "ORDER BY e.id";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2),
		    db_col(st, 3), db_col(st, 4), db_col(st, 5));
	return rc;
}

int
db_client_emails(struct db *db, int64_t referral_id, void (*fn)(void *,
    int64_t, const char *, const char *, const char *, const char *,
    const char *), void *arg)
{
	static const char sql[] = "SELECT id, kind, to_addr, status, "
	    "created_at, coalesce(sent_at, '') FROM outbox "
	    "WHERE referral_id = ? ORDER BY id DESC LIMIT 200";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1),
		    db_col(st, 2), db_col(st, 3), db_col(st, 4), db_col(st, 5));
	return rc;
}

int
db_client_outcome(struct db *db, int64_t referral_id, void (*fn)(void *,
    const char *, const char *, const char *, const char *, const char *),
    void *arg)
{
	static const char sql[] = "SELECT positive, quality_of_life, social, "
	    "relationship, answered_at FROM outcomes WHERE referral_id = ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		fn(arg, db_col(st, 0), db_col(st, 1), db_col(st, 2),
		    db_col(st, 3), db_col(st, 4));
		db_done(st);
	}
	return rc;
}

void
db_client_why_booked(char *out, size_t n, int64_t series_id, const char *by,
    const char *first_date, const char *start)
{
	char day[40];

	(void)calendar_date_text(first_date, CALENDAR_LONG, day, sizeof(day));
	(void)snprintf(out, n, "Automatic: booked: series %lld booked%s%s, "
	    "weekly from %s at %s.", (long long)series_id, by != NULL &&
	    *by != '\0' ? " by " : "", by != NULL ? by : "", day, start);
}

void
db_client_why_started(char *out, size_t n, int64_t series_id,
    const char *date)
{
	char day[40];

	(void)calendar_date_text(date, CALENDAR_LONG, day, sizeof(day));
	(void)snprintf(out, n, "Automatic: therapy started: first session "
	    "attended on %s (series %lld).", day, (long long)series_id);
}

/*
 * The automatic status change that follows what happened: inserts the
 * history line sql_event and makes the move sql_move, both bound as (key,
 * now, ...), the line with user_id and why (its cause) as ?3 and ?4.  In
 * the caller's write; 0 or -1.
 */
static int
follow_write(struct db *db, const char *sql_event, const char *sql_move,
    int64_t key, int64_t user_id, const char *why)
{
	sqlite3_stmt *st;
	char now[21];

	db_now(now);
	if ((st = db_stmt(db, sql_event)) == NULL)
		return -1;
	db_bind_int(st, 1, key);
	db_bind_text(st, 2, now);
	db_bind_id(st, 3, user_id);
	db_bind_text(st, 4, why);
	if (db_run(st) != SQLITE_DONE || (st = db_stmt(db, sql_move)) == NULL)
		return -1;
	db_bind_int(st, 1, key);
	db_bind_text(st, 2, now);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

int
db_client_follow_booking(struct db *db, int64_t series_id, int64_t user_id)
{
#define BOOKED_PEOPLE "(SELECT c.referral_id FROM series s JOIN clients c "\
	"ON c.id = s.client_id OR c.id IN (SELECT client_id FROM "	\
	"group_members WHERE group_id = s.group_id) WHERE s.id = ?1)"
	static const char sql_event[] = "INSERT INTO referral_events "
	    "(referral_id, at, user_id, from_status, to_status, reason) "
	    "SELECT r.id, ?2, ?3, 'matched', 'active', ?4 FROM referrals r "
	    "WHERE r.status = 'matched' AND r.id IN " BOOKED_PEOPLE;
	static const char sql_move[] = "UPDATE referrals SET status = "
	    "'active', updated_at = ?2 WHERE status = 'matched' AND id IN "
	    BOOKED_PEOPLE;
	static const char sql_first[] = "SELECT s.first_date, s.start_local, "
	    "coalesce((SELECT u.name FROM users u WHERE u.id = ?2), '') "
	    "FROM series s WHERE s.id = ?1";
#undef BOOKED_PEOPLE
	sqlite3_stmt *st;
	char why[320];
	int rc;

	if ((st = db_stmt_with(db, sql_first, series_id)) == NULL)
		return -1;
	db_bind_int(st, 2, user_id);
	if ((rc = db_next(db, st)) != 1)
		return -1;
	db_client_why_booked(why, sizeof(why), series_id, db_col(st, 2),
	    db_col(st, 0), db_col(st, 1));
	db_done(st);
	return follow_write(db, sql_event, sql_move, series_id, user_id, why);
}

int
db_client_follow_attended(struct db *db, int64_t series_id, const char *date,
    int64_t client_id, int64_t user_id)
{
	static const char sql_start[] = "UPDATE clients SET therapy_started = "
	    "?2 WHERE id = ?1 AND therapy_started IS NULL AND EXISTS (SELECT 1 "
	    "FROM attendance WHERE series_id = ?3 AND occ_date = ?2 AND "
	    "client_id = ?1 AND status = 'attended')";
	static const char sql_event[] = "INSERT INTO referral_events "
	    "(referral_id, at, user_id, from_status, to_status, reason) "
	    "SELECT r.id, ?2, ?3, r.status, CASE WHEN r.status = 'matched' "
	    "THEN 'active' ELSE r.status END, ?4 FROM referrals r JOIN clients "
	    "c ON c.referral_id = r.id WHERE c.id = ?1";
	static const char sql_move[] = "UPDATE referrals SET status = "
	    "'active', updated_at = ?2 WHERE status = 'matched' AND id = "
	    "(SELECT referral_id FROM clients WHERE id = ?1)";
	sqlite3_stmt *st;
	char why[200];
	int n;

	if ((st = db_stmt(db, sql_start)) == NULL)
		return -1;
	db_bind_int(st, 1, client_id);
	db_bind_text(st, 2, date);
	db_bind_int(st, 3, series_id);
	if ((n = db_run_count(db, st, NULL)) != 1)
		return n == -1 ? -1 : 0;
	db_client_why_started(why, sizeof(why), series_id, date);
	return follow_write(db, sql_event, sql_move, client_id, user_id, why);
}

int
db_client_work_ended(struct db *db, int64_t now, size_t limit,
    int64_t *total, void (*fn)(void *, int64_t, const char *, const char *,
    int64_t), void *arg)
{
/*
 * The active referrals whose booked work is over: no session still
 * booked starts after now (booked_until, exact and kept by triggers:
 * 039-work-booked-until.sql, 047-queue-indexes.sql), their last
 * held the one that started at booked_until.  Read from their own index
 * alone (it holds what is shown), not the whole caseload (4,388 people
 * at N=10, Y=6) nor any of their sessions; their count is the index
 * range's.
 */
#define WORK_ENDED "FROM referrals r INDEXED BY referrals_work WHERE " \
	"r.status = 'active' AND coalesce(r.booked_until, 0) <= ?1"
	/* In the index's order, so that a limit reads no more than it
	 * shows. */
	static const char sql[] = "SELECT r.id, r.ref, r.given_name || ' ' || "
	    "r.family_name, coalesce(r.booked_until, 0) " WORK_ENDED
	    " ORDER BY coalesce(r.booked_until, 0), r.id LIMIT ?2";
	static const char sql_count[] = "SELECT count(*) " WORK_ENDED;
#undef WORK_ENDED
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t n = 0;
	int rc;

	*total = 0;
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, limit > 0 ? (int64_t)limit : -1);
	while ((rc = db_next(db, st)) == 1) {
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1),
		    db_col(st, 2), sqlite3_column_int64(st, 3));
		n++;
	}
	if (rc != 0)
		return -1;
	if (limit == 0 || n < (int64_t)limit) {
		*total = n;
		return 0;
	}
	st = db_stmt_with(db, sql_count, now);
	if (db_next(db, st) != 1)
		return -1;
	*total = sqlite3_column_int64(st, 0);
	db_done(st);
	return 0;
}

enum db_result
db_client_sick_add(struct db *db, int64_t therapist_id, const char *first,
    const char *last, int64_t user_id, const char *addr)
{
	static const char sql[] = "INSERT INTO therapist_leave (therapist_id, "
	    "first_day, last_day, reason, kind, created_at) VALUES (?, ?, ?, "
	    "'Off sick (reported by the therapist)', 'sickness', ?)";
	sqlite3_stmt *st;
	char now[21], detail[64];
	enum db_result res;

	if (first == NULL || last == NULL || strcmp(last, first) < 0)
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_now(now);
	db_bind_int(st, 1, therapist_id);
	db_bind_text(st, 2, first);
	db_bind_text(st, 3, last);
	db_bind_text(st, 4, now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	(void)snprintf(detail, sizeof(detail), "off sick %s to %s", first,
	    last);
	if (db_audit(db, user_id, addr, "sickness", 0, user_id, detail) == -1)
		goto fail;
	return db_tx_commit(db, "sickness");
fail:
	return db_tx_fail(db, db_errcode(db), "sickness");
}

int
db_client_sick_sessions(struct db *db, int64_t now, void (*fn)(void *,
    int64_t, const char *, int64_t, const char *, const char *, int64_t),
    void *arg)
{
	/*
	 * First the sick leave not yet over (a few lines), then each
	 * one's therapist's sessions to come (occurrences_therapist): not
	 * every session to come of the whole service, each tried against
	 * the leave (35-300 ms a queue at N=1, Y=6).
	 */
	static const char sql[] = "SELECT DISTINCT o.series_id, o.occ_date, "
	    "o.start_utc, t.name, coalesce(g.name, r.given_name || ' ' || "
	    "r.family_name), coalesce(r.id, 0) FROM therapist_leave tl "
	    "CROSS JOIN occurrences o ON o.therapist_id = tl.therapist_id AND "
	    "o.start_utc >= ?1 AND o.occ_date BETWEEN tl.first_day AND "
	    "tl.last_day "
	    "JOIN series s ON s.id = o.series_id "
	    "JOIN therapists t ON t.id = o.therapist_id "
	    "LEFT JOIN groups g ON g.id = s.group_id "
	    "LEFT JOIN clients c ON c.id = s.client_id "
	    "LEFT JOIN referrals r ON r.id = c.referral_id "
	    "WHERE tl.kind = 'sickness' AND "
	    "tl.last_day >= date(?1, 'unixepoch', '-1 day') AND "
	    "o.state = 'booked' ORDER BY o.start_utc LIMIT 200";
	sqlite3_stmt *st = db_stmt_with(db, sql, now);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1),
		    sqlite3_column_int64(st, 2), db_col(st, 3), db_col(st, 4),
		    sqlite3_column_int64(st, 5));
	return rc;
}

int
db_client_notes_due(struct db *db, int64_t therapist_id, int64_t from,
    int64_t to, void (*fn)(void *, int64_t, const char *, int64_t,
    const char *, int64_t), void *arg)
{
	static const char sql[] = "SELECT o.series_id, o.occ_date, "
	    "o.start_utc, coalesce(g.name, r.given_name || ' ' || "
	    "r.family_name), coalesce(r.id, (SELECT min(c2.referral_id) FROM "
	    "attendance a2 JOIN clients c2 ON c2.id = a2.client_id WHERE "
	    "a2.series_id = o.series_id AND a2.occ_date = o.occ_date AND "
	    "a2.status = 'attended')) AS who_id "
	    "FROM occurrences o JOIN series s ON s.id = o.series_id "
	    "LEFT JOIN groups g ON g.id = s.group_id "
	    "LEFT JOIN clients c ON c.id = s.client_id "
	    "LEFT JOIN referrals r ON r.id = c.referral_id "
	    "WHERE o.therapist_id = ?1 AND o.start_utc >= ?2 AND "
	    "o.start_utc < ?3 AND o.state != 'cancelled' AND EXISTS (SELECT 1 "
	    "FROM attendance a WHERE a.series_id = o.series_id AND "
	    "a.occ_date = o.occ_date AND a.status = 'attended') AND NOT EXISTS "
	    "(SELECT 1 FROM session_notes n WHERE n.series_id = o.series_id "
	    "AND n.occ_date = o.occ_date AND (n.referral_id IS NULL OR "
	    "n.referral_id = r.id)) ORDER BY o.start_utc";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 1, therapist_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1),
		    sqlite3_column_int64(st, 2), db_col(st, 3),
		    sqlite3_column_int64(st, 4));
	return rc;
}

int
db_client_started_backfill(struct db *db)
{
	static const char sql[] = "UPDATE clients SET therapy_started = "
	    "(SELECT min(a.occ_date) FROM attendance a WHERE a.client_id = "
	    "clients.id AND a.status = 'attended') WHERE therapy_started IS "
	    "NULL";

	return db_run(db_stmt(db, sql)) == SQLITE_DONE ? 0 : -1;
}

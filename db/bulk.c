/*
 * db/bulk: rows with their own times, inside the caller's transaction
 * (see bulk.h).  Each statement is one ?-bound string below, prepared
 * once by db_stmt and then only reset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include <sqlite3.h>

#include "db/bulk.h"
#include "db/db.h"
#include "db/db_int.h"
#include "util/buf.h"

static const char sql_referral[] =
    "INSERT INTO referrals (ref, status, source, given_name, family_name,"
    " email, phone, postcode, date_of_birth, preferred_contact,"
    " voicemail_ok, needs, about, availability, session_type, online_ok,"
    " access_needs, language, interpreter, gp_practice, emergency_name,"
    " emergency_phone, consent_data, consent_contact, created_at,"
    " updated_at, source_detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
    " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,"
    " ?23, ?24, ?25, ?26, ?27)";
static const char sql_referral_site[] =
    "INSERT OR IGNORE INTO referral_sites (referral_id, site_id)"
    " VALUES (?1, ?2)";
static const char sql_event[] =
    "INSERT INTO referral_events (referral_id, at, user_id, from_status,"
    " to_status, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_note[] =
    "INSERT INTO referral_notes (referral_id, at, user_id, body)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_client[] =
    "INSERT INTO clients (referral_id, therapist_id, started_at, ended_at,"
    " end_reason) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_group[] =
    "INSERT INTO groups (name, therapist_id, site_id, capacity, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_member[] =
    "INSERT OR IGNORE INTO group_members (group_id, client_id, joined_at)"
    " VALUES (?1, ?2, ?3)";
static const char sql_series[] =
    "INSERT INTO series (uid, therapist_id, client_id, group_id, site_id,"
    " room_id, tz, first_date, start_local, length_min, count, until_date,"
    " status, ended_from, created_at, updated_at) VALUES (?1, ?2, ?3, ?4,"
    " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)";
static const char sql_occ[] =
    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc,"
    " therapist_id, room_id, site_id, state) VALUES (?1, ?2, ?3, ?4, ?5,"
    " ?6, ?7, ?8)";
static const char sql_exception[] =
    "INSERT INTO exceptions (series_id, occ_date, kind, by_whom,"
    " new_start_utc, new_length_min, reason, created_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_attendance[] =
    "INSERT INTO attendance (series_id, occ_date, client_id, status, note,"
    " recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_outbox[] =
    "INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,"
    " user_id, message_id, status, attempts, not_before, created_at,"
    " sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char sql_outcome[] =
    "INSERT INTO outcomes (referral_id, positive, quality_of_life, social,"
    " relationship, answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_session_note[] =
    "INSERT INTO session_notes (series_id, occ_date, referral_id, body,"
    " written_by, written_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
    " ?7)";
static const char sql_note_version[] =
    "INSERT INTO session_note_versions (note_id, body, written_by,"
    " written_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_goal[] =
    "INSERT INTO client_goals (referral_id, body, start_date, review_date,"
    " created_by, created_at) VALUES (?1, ?2, ?3, nullif(?4, ''), ?5, ?6)";
static const char sql_summary[] =
    "INSERT INTO work_summaries (referral_id, worked_on, outcome, onward,"
    " written_by, written_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_counts[] =
    "SELECT (SELECT count(*) FROM referrals), (SELECT count(*) FROM clients),"
    " (SELECT count(*) FROM series), (SELECT count(*) FROM occurrences),"
    " (SELECT count(*) FROM attendance), (SELECT count(*) FROM outbox),"
    " (SELECT count(*) FROM therapists), (SELECT count(*) FROM sites),"
    " (SELECT count(*) FROM organisations), (SELECT count(*) FROM groups),"
    " (SELECT count(*) FROM referral_events),"
    " (SELECT count(*) FROM referral_notes),"
    " (SELECT count(*) FROM outcomes)";

/* Binds text, or NULL when s is NULL. */
static void
bind_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		db_bind_text(st, i, s);
	else
		(void)sqlite3_bind_null(st, i);
}

/*
 * Steps a bound statement that returns no rows and resets it; logs what
 * failed.  0 or -1 (also for a NULL st, as db_stmt returns when it
 * cannot prepare: logged there).
 */
static int
run(struct db *db, sqlite3_stmt *st, const char *what)
{
	if (db_run(st) != SQLITE_DONE) {
		fprintf(stderr, "db: bulk %s: %s\n", what,
		    sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

/* As run, for an insert: the new row's id into *id on success. */
static int
insert(struct db *db, sqlite3_stmt *st, const char *what, int64_t *id)
{
	if (run(db, st, what) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(db->conn);
	return 0;
}

int
db_bulk_begin(struct db *db)
{
	/* Up to 512 MB of page cache: the indexes stay in memory while
	 * loading, instead of being written out and read back. */
	if (db_exec(db, "PRAGMA cache_size = -524288") != SQLITE_OK)
		return -1;
	return db_tx_begin(db) == DB_OK ? 0 : -1;
}

int
db_bulk_commit(struct db *db)
{
	return db_tx_commit(db, "bulk") == DB_OK ? 0 : -1;
}

/* Runs sql (one or more statements, no rows); logs what failed. */
static int
exec_all(struct db *db, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(db->conn, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "db: bulk %s: %s\n", what, msg != NULL ? msg :
	    sqlite3_errmsg(db->conn));
	sqlite3_free(msg);
	return -1;
}

int
db_bulk_fresh(struct db *db)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM referrals)")) ==
	    NULL)
		return -1;
	rc = db_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_done(st);
	if (rc != 0) {
		if (rc == 1)
			fputs("db: bulk: the database holds referrals "
			    "already\n", stderr);
		return -1;
	}
	/* MEMORY, not OFF: a writer that fails still rolls back.  Pages
	 * beyond the file's first size are never journalled. */
	return exec_all(db, "PRAGMA journal_mode = MEMORY;"
	    "PRAGMA synchronous = OFF", "fresh");
}

int
db_bulk_fresh_end(struct db *db)
{
	return exec_all(db, "DROP TABLE IF EXISTS sqlite_stat1;"
	    "DROP TABLE IF EXISTS sqlite_stat4;"
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL",
	    "fresh end");
}

int
db_bulk_analyze(struct db *db)
{
	return exec_all(db, "ANALYZE", "analyze");
}

/*
 * The indexes made after the bulk rows: read by pages and commands, not
 * by the schema's triggers (which read by primary key, by the unique
 * keys kept, by referral_events_at, clients_referral and
 * attendance_client) nor by the inserts above.  occurrences_series_start
 * (047) is read by 039's booked_until triggers alone, which are
 * suspended too (late_triggers), and by their fill, which comes after
 * db_bulk_indexes_make.
 */
static const char *const late_indexes[] = {
	"referrals_status_created", "referrals_created", "referrals_open",
	"referral_events_time", "outbox_due", "outbox_status_id",
	"outbox_surveys", "outbox_referral", "occurrences_therapist",
	"occurrences_room", "occurrences_site", "occurrences_week",
	"occurrences_series_start", "attendance_status",
};

/*
 * The summary triggers suspended during the bulk rows, each of which
 * pays a few statements for every row written: 036's month rollup
 * (report_months, through report_months_add) and 054's year rollup
 * on it (report_years and report_month_sessions, through
 * report_years_add) and day rollup (report_days, through
 * report_days_add), 036's person rollup
 * (report_persons), 048's people of each month (report_month_people),
 * 049's referrals of each month by needs and source
 * (report_referral_months), 053's people by the day of their last
 * session in each group (report_last_people, _days, _blocks) and
 * first sessions of no delivered one (report_first_undelivered),
 * 036's receipt time of first_sessions, 055's waits of first_sessions
 * by week (report_wait_weeks, report_wait_values) and answers and
 * surveys of each month (report_answer_months) and waitlist of each
 * month (waitlist_months), and 039's
 * booked_until of referrals (through work_redo).  Their tables are
 * filled once afterwards by summaries_fill below.  The summaries they
 * read from (031's report_sessions and report_people, 023's
 * first_sessions) keep their own triggers, as do the referral counts
 * (007), waitlist hours (017) and the outcome survey (005, 033):
 * suspending 023's too saved nothing measurable at N=1, Y=6, and 031's
 * two insert triggers 15-20%.
 */
static const char *const late_triggers[] = {
	"report_months_add_run", "report_months_ins", "report_months_upd",
	"report_months_del", "report_years_add_run", "report_years_ins",
	"report_years_upd", "report_years_del", "report_days_add_run",
	"report_days_ins", "report_days_upd", "report_days_del",
	"report_persons_ins", "report_persons_del",
	"report_month_people_ins", "report_month_people_del",
	"report_referral_months_ins", "report_referral_months_upd",
	"report_referral_months_del", "report_last_move_run",
	"report_last_place_run", "report_last_persons_ins",
	"report_last_persons_upd", "report_last_persons_del",
	"report_last_site_org", "report_first_undelivered_ins",
	"report_first_undelivered_upd", "report_first_undelivered_del",
	"report_first_undelivered_served",
	"report_first_undelivered_unserved",
	"first_sessions_received", "report_waits_ins", "report_waits_upd",
	"report_waits_del", "report_answers_outbox_ins",
	"report_answers_outbox_upd", "report_answers_outbox_del",
	"report_answers_outcomes_ins", "report_answers_outcomes_upd",
	"report_answers_outcomes_del", "report_answers_surveys_ins",
	"report_answers_surveys_upd", "report_answers_surveys_del",
	"waitlist_months_ins", "waitlist_months_upd", "waitlist_months_del",
	"work_redo_do", "work_booked",
	"work_changed", "work_unbooked", "work_series_moved",
	"work_series_gone", "work_joined", "work_member_changed",
	"work_left", "work_client_changed", "work_client_gone",
};

/*
 * What the late triggers keep, worked out once for the whole database
 * (each summary from scratch, whatever the bulk rows wrote or changed):
 * one set-based statement a summary, in the order given.  These are the
 * statements of the migrations' own backfills (036-report-rollups.sql,
 * 039-work-booked-until.sql, 048-report-month-people.sql,
 * 049-report-referral-months.sql, 053-report-last-days.sql, after
 * report_persons, 054-report-years-days.sql, its years after
 * report_months, 055-report-wait-weeks.sql,
 * 055-report-answer-months.sql, 055-report-waitlist-months.sql;
 * shipped, so not shared with them but copied here), with two
 * differences: each table is emptied first, and booked_until is worked
 * out for every referral (as 047's is), not only the open ones as
 * 039's is: its triggers keep it for closed referrals too, and the
 * result must be the triggers' (check_db test_bulk_triggers).  It
 * reads 047's referral_series_until: each
 * series' latest start, by occurrences_series_start.
 * report_months_add_run is suspended while report_months_add is
 * filled, as it did not yet exist during 036's.  report_persons' times
 * come here in time order for each row (report_people_person's order),
 * from the triggers in the order written: the same text when each
 * person's sessions are written in time order, as the demo writes
 * them; its readers take the list as a set (036).
 */
static const struct {
	const char	*what;
	const char	*sql;
} summaries_fill[] = {
	{ "report_months",
	  "DELETE FROM report_months; DELETE FROM report_months_add;"
	  "INSERT INTO report_months_add"
	  " SELECT start_utc, site_id, therapist_id, grp, cancelled, seconds,"
	  " attended, dna, cancelled_client, cancelled_therapist, late, 1"
	  " FROM report_sessions;"
	  "INSERT INTO report_months"
	  " SELECT month, site_id, therapist_id, grp, sum(sessions),"
	  " sum(seconds), sum(attended), sum(dna), sum(cancelled_client),"
	  " sum(cancelled_therapist), sum(shown), sum(late),"
	  " sum(dna_sessions)"
	  " FROM report_month_of GROUP BY month, site_id, therapist_id, grp;"
	  "DELETE FROM report_months_add" },
	{ "report_years",
	  "DELETE FROM report_years; DELETE FROM report_month_sessions;"
	  "DELETE FROM report_years_add;"
	  "INSERT INTO report_years"
	  " SELECT month / 12, site_id, therapist_id, grp, sum(sessions),"
	  " sum(seconds), sum(attended), sum(dna), sum(cancelled_client),"
	  " sum(cancelled_therapist), sum(shown), sum(late),"
	  " sum(dna_sessions)"
	  " FROM report_months GROUP BY month / 12, site_id, therapist_id,"
	  " grp;"
	  "INSERT INTO report_month_sessions"
	  " SELECT month, sum(sessions), sum(seconds) FROM report_months"
	  " GROUP BY month" },
	{ "report_days",
	  "DELETE FROM report_days; DELETE FROM report_days_add;"
	  "INSERT INTO report_days"
	  " SELECT start_utc / 86400, site_id, therapist_id, grp,"
	  " sum(NOT cancelled AND attended > 0),"
	  " sum((NOT cancelled AND attended > 0) * seconds), sum(attended),"
	  " sum(dna), sum(cancelled_client), sum(cancelled_therapist),"
	  " sum(NOT cancelled OR late), sum(late != 0),"
	  " sum((NOT cancelled OR late) AND dna > 0)"
	  " FROM report_sessions GROUP BY start_utc / 86400, site_id,"
	  " therapist_id, grp" },
	{ "report_persons",
	  "DELETE FROM report_persons;"
	  "INSERT INTO report_persons"
	  " SELECT referral_id, site_id, therapist_id, grp, min(start_utc),"
	  " max(start_utc), group_concat(start_utc)"
	  " FROM report_people GROUP BY referral_id, site_id, therapist_id,"
	  " grp" },
	{ "report_last_days",
	  "DELETE FROM report_last_days; DELETE FROM report_last_blocks;"
	  "DELETE FROM report_last_people;"
	  "WITH last AS ("
	  " SELECT 0 AS kind, 0 AS id, max(last_utc) AS last_utc"
	  " FROM report_persons GROUP BY referral_id"
	  " UNION ALL SELECT 1, site_id, max(last_utc)"
	  " FROM report_persons GROUP BY referral_id, site_id"
	  " UNION ALL SELECT 2, coalesce(s.organisation_id, 0),"
	  " max(p.last_utc)"
	  " FROM report_persons p LEFT JOIN sites s ON s.id = p.site_id"
	  " GROUP BY p.referral_id, coalesce(s.organisation_id, 0)"
	  " UNION ALL SELECT 3, therapist_id, max(last_utc)"
	  " FROM report_persons GROUP BY referral_id, therapist_id"
	  " UNION ALL SELECT 4, grp, max(last_utc)"
	  " FROM report_persons GROUP BY referral_id, grp)"
	  " INSERT INTO report_last_days"
	  " SELECT kind, id, last_utc / 86400, count(*) FROM last"
	  " GROUP BY 1, 2, 3;"
	  "INSERT INTO report_last_blocks"
	  " SELECT kind, id, block, sum(n) OVER (PARTITION BY kind, id"
	  " ORDER BY block) FROM (SELECT kind, id, day / 32 AS block,"
	  " sum(people) AS n FROM report_last_days GROUP BY 1, 2, 3);"
	  "INSERT INTO report_last_people"
	  " SELECT kind, id, sum(people) FROM report_last_days"
	  " GROUP BY kind, id;"
	  "DELETE FROM report_first_undelivered;"
	  "INSERT INTO report_first_undelivered"
	  " SELECT referral_id, first_utc FROM first_sessions f"
	  " WHERE NOT EXISTS (SELECT 1 FROM report_persons p"
	  " WHERE p.referral_id = f.referral_id)" },
	{ "report_month_people",
	  "DELETE FROM report_month_people;"
	  "INSERT INTO report_month_people"
	  " SELECT CAST(strftime('%Y', start_utc, 'unixepoch') AS INTEGER)"
	  " * 12 + CAST(strftime('%m', start_utc, 'unixepoch') AS INTEGER)"
	  " - 1, count(DISTINCT referral_id)"
	  " FROM report_people GROUP BY 1" },
	{ "report_referral_months",
	  "DELETE FROM report_referral_months;"
	  "INSERT INTO report_referral_months"
	  " SELECT CAST(substr(created_at, 1, 4) AS INTEGER) * 12"
	  " + CAST(substr(created_at, 6, 2) AS INTEGER) - 1, needs, source,"
	  " count(*) FROM referrals GROUP BY 1, 2, 3" },
	{ "first_sessions",
	  "UPDATE first_sessions SET received_utc = (SELECT"
	  " CAST(strftime('%s', created_at) AS INTEGER) FROM referrals"
	  " WHERE id = referral_id)" },
	{ "report_wait_weeks",
	  "DELETE FROM report_wait_weeks; DELETE FROM report_wait_values;"
	  "INSERT INTO report_wait_weeks"
	  " SELECT kind, month, week, count(*) FROM report_waits_of"
	  " GROUP BY kind, month, week;"
	  "INSERT INTO report_wait_values"
	  " SELECT kind, week, month, secs, count(*) FROM report_waits_of"
	  " GROUP BY kind, week, month, secs" },
	{ "report_answer_months",
	  "DELETE FROM report_answer_months;"
	  "INSERT INTO report_answer_months"
	  " SELECT kind, CAST(substr(at, 1, 4) AS INTEGER) * 12"
	  " + CAST(substr(at, 6, 2) AS INTEGER) - 1, sum(sent), sum(answers),"
	  " sum(agreed1), sum(answered1), sum(agreed2), sum(answered2),"
	  " sum(agreed3), sum(answered3), sum(agreed4), sum(answered4)"
	  " FROM report_answers_of GROUP BY 1, 2" },
	{ "waitlist_months",
	  "DELETE FROM waitlist_months;"
	  "INSERT INTO waitlist_months"
	  " SELECT substr(hour, 1, 7), sum(joined - departed)"
	  " FROM waitlist_hours GROUP BY 1" },
	{ "booked_until",
	  "DELETE FROM work_redo;"
	  "UPDATE referrals SET booked_until = (SELECT max(b.until)"
	  " FROM referral_series_until b WHERE b.referral_id = referrals.id)" },
};

/* seq: the object's place in the schema, kept for late_make. */
static const char sql_late_keep[] =
    "INSERT INTO temp.bulk_late (type, name, sql, seq) SELECT type, name,"
    " sql, rowid FROM main.sqlite_master WHERE type = ?1 AND name = ?2";
static const char sql_late_list[] =
    "SELECT sql FROM temp.bulk_late WHERE type = ?1 ORDER BY seq";
static const char sql_late_forget[] =
    "DELETE FROM temp.bulk_late WHERE type = ?1";

/*
 * Drops the n schema objects of type ("index" or "trigger") named in
 * names, keeping their SQL in temp.bulk_late for late_make.  A name the
 * schema does not hold is passed over.  0 or -1 (logged).
 */
static int
late_drop(struct db *db, const char *type, const char *const *names,
    size_t n)
{
	sqlite3_stmt *st;
	char *sql;
	size_t i;
	int rc;

	if (exec_all(db, "CREATE TEMP TABLE IF NOT EXISTS bulk_late"
	    " (type TEXT NOT NULL, name TEXT PRIMARY KEY, sql TEXT NOT NULL,"
	    " seq INTEGER NOT NULL)",
	    "late") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt(db, sql_late_keep)) == NULL)
			return -1;
		db_bind_text(st, 1, type);
		db_bind_text(st, 2, names[i]);
		if (run(db, st, "late keep") == -1)
			return -1;
		sql = sqlite3_mprintf("DROP %s IF EXISTS main.\"%w\"",
		    strcmp(type, "index") == 0 ? "INDEX" : "TRIGGER",
		    names[i]);
		rc = sql != NULL ? exec_all(db, sql, "late drop") : -1;
		sqlite3_free(sql);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/*
 * Makes again every object of type that late_drop dropped, in the order
 * the schema had made them, and forgets them.  (Triggers on one table
 * and event fire in the order they were made: the late ones are made
 * after every other, as the migrations that made them were the last to
 * make any on those tables.)  0 or -1 (logged).
 */
static int
late_make(struct db *db, const char *type)
{
	sqlite3_stmt *st;
	char **v = NULL;
	size_t n = 0, i;
	int rc;

	/* Collect first: each CREATE changes the schema. */
	if ((st = db_stmt(db, sql_late_list)) == NULL)
		return -1;
	db_bind_text(st, 1, type);
	while ((rc = db_next(db, st)) == 1) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && exec_all(db, v[i], "late make") == -1)
			rc = -1;
		free(v[i]);
	}
	free(v);
	if (rc != 0 || (st = db_stmt(db, sql_late_forget)) == NULL)
		return -1;
	db_bind_text(st, 1, type);
	return run(db, st, "late forget");
}

int
db_bulk_indexes_drop(struct db *db)
{
	return late_drop(db, "index", late_indexes,
	    sizeof(late_indexes) / sizeof(late_indexes[0]));
}

int
db_bulk_indexes_make(struct db *db)
{
	return late_make(db, "index");
}

/*
 * Drops 042's record epoch triggers too (every table has three, named
 * epoch_*) and 045's world epoch triggers (world_epoch_*): one
 * statement for every row written.  The bulk rows then add one to each
 * epoch all at once, in db_bulk_triggers_make.
 */
int
db_bulk_triggers_drop(struct db *db)
{
	static const char sql[] = "SELECT name FROM main.sqlite_master"
	    " WHERE type = 'trigger' AND (name GLOB 'epoch_*' OR"
	    " name GLOB 'world_epoch_*') ORDER BY rowid";
	sqlite3_stmt *st;
	char **v = NULL;
	size_t n = 0, i;
	int rc;

	if (late_drop(db, "trigger", late_triggers,
	    sizeof(late_triggers) / sizeof(late_triggers[0])) == -1)
		return -1;
	/* Collect first: each DROP changes the schema. */
	st = db_stmt(db, sql);
	while ((rc = db_next(db, st)) == 1) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	if (rc == 0)
		rc = late_drop(db, "trigger", (const char *const *)v, n);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

int
db_bulk_triggers_make(struct db *db)
{
	size_t i;
	int rc = -1;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	for (i = 0; i < sizeof(summaries_fill) / sizeof(summaries_fill[0]);
	    i++)
		if (exec_all(db, summaries_fill[i].sql,
		    summaries_fill[i].what) == -1)
			goto out;
	if (late_make(db, "trigger") == -1 || exec_all(db,
	    "UPDATE record_epoch SET n = n + 1;"
	    "UPDATE world_epoch SET n = n + 1", "epochs") == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		db_rollback(db);
		return -1;
	}
	return db_tx_commit(db, "bulk triggers") == DB_OK ? 0 : -1;
}

int
db_bulk_referral(struct db *db, struct db_referral *r, const char *ref,
    const char *created_at, const char *updated_at)
{
	sqlite3_stmt *st;
	size_t i;
	int k;

	if ((st = db_stmt(db, sql_referral)) == NULL)
		return -1;
	db_bind_text(st, 1, ref);
	k = db_referral_bind(st, 2, r);
	db_bind_text(st, k++, created_at);
	db_bind_text(st, k++, updated_at);
	db_bind_text(st, k++, r->source_detail);
	if (insert(db, st, "referral", &r->id) == -1)
		return -1;
	db_copy(r->ref, sizeof(r->ref), ref);
	for (i = 0; i < r->nsites; i++) {
		if ((st = db_stmt(db, sql_referral_site)) == NULL)
			return -1;
		db_bind_int(st, 1, r->id);
		db_bind_int(st, 2, r->sites[i]);
		if (run(db, st, "referral site") == -1)
			return -1;
	}
	return 0;
}

int
db_bulk_event(struct db *db, int64_t referral_id, const char *at,
    int64_t user_id, const char *from, const char *to, const char *reason)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_event, referral_id);

	db_bind_text(st, 2, at);
	db_bind_id(st, 3, user_id);
	bind_null(st, 4, from);
	db_bind_text(st, 5, to);
	db_bind_text(st, 6, reason);
	return run(db, st, "event");
}

int
db_bulk_note(struct db *db, int64_t referral_id, const char *at,
    int64_t user_id, const char *body)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_note, referral_id);

	db_bind_text(st, 2, at);
	db_bind_id(st, 3, user_id);
	db_bind_text(st, 4, body);
	return run(db, st, "note");
}

int
db_bulk_client(struct db *db, int64_t referral_id, int64_t therapist_id,
    const char *started_at, const char *ended_at, const char *end_reason,
    int64_t *id)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_client)) == NULL)
		return -1;
	db_bind_int(st, 1, referral_id);
	db_bind_int(st, 2, therapist_id);
	db_bind_text(st, 3, started_at);
	bind_null(st, 4, ended_at);
	db_bind_text(st, 5, end_reason);
	return insert(db, st, "client", id);
}

int
db_bulk_group(struct db *db, const char *name, int64_t therapist_id,
    int64_t site_id, int capacity, const char *created_at, int64_t *id)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_group)) == NULL)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, therapist_id);
	db_bind_int(st, 3, site_id);
	db_bind_int(st, 4, capacity);
	db_bind_text(st, 5, created_at);
	return insert(db, st, "group", id);
}

int
db_bulk_group_member(struct db *db, int64_t group_id, int64_t client_id,
    const char *joined_at)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_member)) == NULL)
		return -1;
	db_bind_int(st, 1, group_id);
	db_bind_int(st, 2, client_id);
	db_bind_text(st, 3, joined_at);
	return run(db, st, "group member");
}

int
db_bulk_series(struct db *db, const struct db_series_new *s, const char *uid,
    const char *status, const char *ended_from, const char *created_at,
    int64_t *id)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_series)) == NULL)
		return -1;
	db_bind_text(st, 1, uid);
	db_bind_int(st, 2, s->therapist_id);
	db_bind_id(st, 3, s->client_id);
	db_bind_id(st, 4, s->group_id);
	db_bind_int(st, 5, s->site_id);
	db_bind_id(st, 6, s->room_id);
	db_bind_text(st, 7, s->tz);
	db_bind_text(st, 8, s->first_date);
	db_bind_text(st, 9, s->start_local);
	db_bind_int(st, 10, s->length_min);
	if (s->count > 0)
		db_bind_int(st, 11, s->count);
	else
		(void)sqlite3_bind_null(st, 11);
	bind_null(st, 12, s->until_date);
	db_bind_text(st, 13, status);
	bind_null(st, 14, ended_from);
	db_bind_text(st, 15, created_at);
	return insert(db, st, "series", id);
}

int
db_bulk_occ(struct db *db, int64_t series_id, const struct db_occ *o,
    int64_t therapist_id, int64_t room_id, int64_t site_id,
    const char *state)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_occ)) == NULL)
		return -1;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, o->date);
	db_bind_int(st, 3, o->start_utc);
	db_bind_int(st, 4, o->end_utc);
	db_bind_int(st, 5, therapist_id);
	db_bind_id(st, 6, room_id);
	db_bind_int(st, 7, site_id);
	db_bind_text(st, 8, state);
	return run(db, st, "occurrence");
}

int
db_bulk_exception(struct db *db, int64_t series_id, const char *date,
    const char *kind, const char *by_whom, int64_t new_start_utc,
    int new_length_min, const char *reason, int64_t created_by,
    const char *created_at)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_exception)) == NULL)
		return -1;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, date);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, by_whom);
	if (new_start_utc > 0) {
		db_bind_int(st, 5, new_start_utc);
		db_bind_int(st, 6, new_length_min);
	} else {
		(void)sqlite3_bind_null(st, 5);
		(void)sqlite3_bind_null(st, 6);
	}
	db_bind_text(st, 7, reason);
	db_bind_id(st, 8, created_by);
	db_bind_text(st, 9, created_at);
	return run(db, st, "exception");
}

int
db_bulk_attendance(struct db *db, int64_t series_id, const char *date,
    int64_t client_id, const char *status, const char *note,
    int64_t recorded_by, const char *recorded_at)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_attendance)) == NULL)
		return -1;
	db_bind_int(st, 1, series_id);
	db_bind_text(st, 2, date);
	db_bind_int(st, 3, client_id);
	db_bind_text(st, 4, status);
	db_bind_text(st, 5, note);
	db_bind_id(st, 6, recorded_by);
	db_bind_text(st, 7, recorded_at);
	return run(db, st, "attendance");
}

int
db_bulk_outbox(struct db *db, const struct db_bulk_mail *m)
{
	sqlite3_stmt *st;
	int sent = strcmp(m->status, "sent") == 0;

	if ((st = db_stmt(db, sql_outbox)) == NULL)
		return -1;
	db_bind_text(st, 1, m->dedupe_key);
	db_bind_text(st, 2, m->kind);
	db_bind_text(st, 3, m->to_addr);
	db_bind_text(st, 4, m->to_name);
	db_bind_id(st, 5, m->referral_id);
	db_bind_id(st, 6, m->user_id);
	db_bind_text(st, 7, m->message_id);
	db_bind_text(st, 8, m->status);
	db_bind_int(st, 9, sent ? 1 : 0);
	db_bind_text(st, 10, m->not_before);
	db_bind_text(st, 11, m->created_at);
	bind_null(st, 12, sent ? m->sent_at : NULL);
	return run(db, st, "outbox");
}

int
db_bulk_outcome(struct db *db, int64_t referral_id, const char *positive,
    const char *quality_of_life, const char *social,
    const char *relationship, const char *answered_at)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_outcome, referral_id);

	db_bind_text(st, 2, positive);
	db_bind_text(st, 3, quality_of_life);
	db_bind_text(st, 4, social);
	db_bind_text(st, 5, relationship);
	db_bind_text(st, 6, answered_at);
	return run(db, st, "outcome");
}

/* One version of note_id: body by user_id at at, for reason. */
static int
note_version(struct db *db, int64_t note_id, const char *body,
    int64_t user_id, const char *at, const char *reason)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_note_version, note_id);

	db_bind_text(st, 2, body);
	db_bind_id(st, 3, user_id);
	db_bind_text(st, 4, at);
	db_bind_text(st, 5, reason);
	return run(db, st, "note version");
}

int
db_bulk_session_note(struct db *db, const struct db_bulk_session_note *n)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_session_note, n->series_id);
	int64_t id;

	db_bind_text(st, 2, n->date);
	db_bind_id(st, 3, n->referral_id);
	db_bind_text(st, 4, n->fixed_body != NULL ? n->fixed_body : n->body);
	db_bind_id(st, 5, n->user_id);
	db_bind_text(st, 6, n->written_at);
	db_bind_text(st, 7, n->fixed_body != NULL ? n->fixed_at :
	    n->written_at);
	if (insert(db, st, "session note", &id) == -1 ||
	    note_version(db, id, n->body, n->user_id, n->written_at, "") ==
	    -1)
		return -1;
	return n->fixed_body == NULL ? 0 : note_version(db, id, n->fixed_body,
	    n->user_id, n->fixed_at, n->reason);
}

/*
 * One row of the person's record: sql bound as (referral_id, a, b, c,
 * user_id, at); what names it in the log.  0 or -1.
 */
static int
record_row(struct db *db, const char *sql, int64_t referral_id,
    const char *a, const char *b, const char *c, int64_t user_id,
    const char *at, const char *what)
{
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	db_bind_text(st, 2, a);
	db_bind_text(st, 3, b);
	db_bind_text(st, 4, c);
	db_bind_id(st, 5, user_id);
	db_bind_text(st, 6, at);
	return run(db, st, what);
}

int
db_bulk_goal(struct db *db, int64_t referral_id, const char *body,
    const char *start, const char *review, int64_t user_id,
    const char *created_at)
{
	return record_row(db, sql_goal, referral_id, body, start, review,
	    user_id, created_at, "goal");
}

int
db_bulk_summary(struct db *db, int64_t referral_id, const char *worked_on,
    const char *outcome, const char *onward, int64_t user_id,
    const char *written_at)
{
	return record_row(db, sql_summary, referral_id, worked_on, outcome,
	    onward, user_id, written_at, "summary");
}

int
db_bulk_count(struct db *db, struct db_bulk_counts *c)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((st = db_stmt(db, sql_counts)) == NULL)
		return -1;
	if ((rc = db_step(st)) == SQLITE_ROW) {
		c->referrals = sqlite3_column_int64(st, 0);
		c->clients = sqlite3_column_int64(st, 1);
		c->series = sqlite3_column_int64(st, 2);
		c->occurrences = sqlite3_column_int64(st, 3);
		c->attendance = sqlite3_column_int64(st, 4);
		c->outbox = sqlite3_column_int64(st, 5);
		c->therapists = sqlite3_column_int64(st, 6);
		c->sites = sqlite3_column_int64(st, 7);
		c->organisations = sqlite3_column_int64(st, 8);
		c->groups = sqlite3_column_int64(st, 9);
		c->events = sqlite3_column_int64(st, 10);
		c->notes = sqlite3_column_int64(st, 11);
		c->outcomes = sqlite3_column_int64(st, 12);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

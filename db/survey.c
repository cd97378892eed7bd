/*
 * db/survey: the family and partner staff surveys.  See survey.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "db/db_int.h"
#include "db/staff.h"
#include "db/survey.h"

const char *const db_survey_kind_names[SURVEY__MAX] = { "family",
    "partner" };

/*
 * One invitation with what its page says: the client's first name or
 * the organisation's name, and whether it may still be answered.
 */
static const char sql_survey_get[] = "SELECT s.id, s.kind, "
    "coalesce(s.referral_id, 0), coalesce(s.organisation_id, 0), "
    "coalesce(s.contact_id, 0), coalesce(r.given_name, ''), "
    "coalesce(g.name, ''), s.answered_at IS NOT NULL, "
    "s.kind = 'family' AND (r.id IS NULL OR EXISTS (SELECT 1 FROM "
    "erasures e WHERE e.referral_id = r.id) OR EXISTS (SELECT 1 FROM "
    "contacts c WHERE c.id = s.contact_id AND (c.removed_at IS NOT NULL "
    "OR c.unsubscribed_at IS NOT NULL))) "
    "FROM surveys s LEFT JOIN referrals r ON r.id = s.referral_id "
    "LEFT JOIN organisations g ON g.id = s.organisation_id "
    "WHERE s.id = ?1";

static void
survey_read(sqlite3_stmt *st, void *arg)
{
	struct db_survey *s = arg;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->kind = strcmp(db_col(st, 1), "partner") == 0 ? SURVEY_PARTNER :
	    SURVEY_FAMILY;
	s->referral_id = sqlite3_column_int64(st, 2);
	s->organisation_id = sqlite3_column_int64(st, 3);
	s->contact_id = sqlite3_column_int64(st, 4);
	db_copy(s->given_name, sizeof(s->given_name), db_col(st, 5));
	db_copy(s->organisation, sizeof(s->organisation), db_col(st, 6));
	s->answered = sqlite3_column_int(st, 7);
	s->gone = sqlite3_column_int(st, 8);
}

int
db_survey_get(struct db *db, int64_t id, struct db_survey *out)
{
	return db_one(db, db_stmt_with(db, sql_survey_get, id), survey_read,
	    out);
}

enum db_outcome_state
db_survey_answer(struct db *db, int64_t id, const char *q1, const char *q2,
    const char *comment)
{
	static const char sql[] = "UPDATE surveys SET answered_at = ?2, "
	    "q1 = ?3, q2 = CASE kind WHEN 'partner' THEN ?4 END, "
	    "comment = ?5 WHERE id = ?1 AND answered_at IS NULL AND "
	    "(kind = 'partner' OR NOT EXISTS (SELECT 1 FROM erasures e "
	    "WHERE e.referral_id = surveys.referral_id))";
	struct db_survey s;
	sqlite3_stmt *st;
	char now[21];
	int rc;

	if ((rc = db_survey_get(db, id, &s)) != 1)
		return rc == 0 ? OUTCOME_GONE : OUTCOME_ERROR;
	if (s.answered)
		return OUTCOME_ANSWERED;
	if (s.gone)
		return OUTCOME_GONE;
	if ((st = db_stmt(db, sql)) == NULL)
		return OUTCOME_ERROR;
	db_now(now);
	db_bind_id(st, 1, id);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, q1);
	db_bind_opt(st, 4, q2);
	db_bind_text(st, 5, comment);
	if ((rc = db_run(st)) != SQLITE_DONE) {
		fprintf(stderr, "db: survey answer: %s\n",
		    sqlite3_errstr(rc));
		return rc == SQLITE_CONSTRAINT ? OUTCOME_GONE : OUTCOME_ERROR;
	}
	/* Another answer may have come between the read and the write. */
	return sqlite3_changes(db->conn) == 1 ? OUTCOME_OPEN :
	    OUTCOME_ANSWERED;
}

/*
 * The invitations to partner staff (?3: one organisation, 0: every one
 * due), not to anyone asked since ?2 (per person for one organisation,
 * per organisation for the tick; the tick only to organisations with
 * sessions since ?2).  Each insert queues its email
 * (025-surveys.sql).
 */
static const char sql_partner_send[] = "INSERT INTO surveys (kind, "
    "organisation_id, user_id, to_addr, sent_at) "
    "SELECT 'partner', u.organisation_id, u.id, u.email, ?1 FROM users u "
    "JOIN organisations g ON g.id = u.organisation_id "
    "WHERE u.role = 'partner' AND u.active = 1 AND u.email != '' "
    "AND (?3 = 0 OR u.organisation_id = ?3) "
    "AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.kind = 'partner' "
    "AND s.organisation_id = u.organisation_id AND s.sent_at > ?2 "
    "AND (?3 = 0 OR s.user_id = u.id)) "
    "AND (?3 != 0 OR EXISTS (SELECT 1 FROM occurrences o JOIN sites si "
    "ON si.id = o.site_id WHERE si.organisation_id = u.organisation_id "
    "AND o.state != 'cancelled' AND o.start_utc >= "
    "CAST(strftime('%s', ?2) AS INTEGER) AND o.start_utc < "
    "CAST(strftime('%s', ?1) AS INTEGER))) ORDER BY u.id";

enum db_result
db_partner_survey_send(struct db *db, int64_t organisation_id,
    const char *now, int64_t user_id, const char *addr, int *sent)
{
	sqlite3_stmt *st;
	enum db_result r;
	struct tm tm;
	time_t t;
	char since[21], line[128];
	int days;

	*sent = 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(now, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return DB_INVALID;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	days = organisation_id > 0 ? DB_SURVEY_AGAIN_DAYS :
	    DB_SURVEY_YEAR_DAYS;
	t = timegm(&tm) - (time_t)days * 86400;
	(void)gmtime_r(&t, &tm);
	(void)strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, sql_partner_send)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "partner survey");
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, since);
	db_bind_int(st, 3, organisation_id > 0 ? organisation_id : 0);
	if ((*sent = db_run_count(db, st, NULL)) == -1) {
		*sent = 0;
		return db_tx_fail(db, db_errcode(db), "partner survey");
	}
	if (*sent == 0) {
		db_rollback(db);
		return DB_OK;
	}
	if (organisation_id > 0)
		snprintf(line, sizeof(line), "partner survey sent: "
		    "organisation %lld, %d staff", (long long)organisation_id,
		    *sent);
	else
		snprintf(line, sizeof(line), "partner survey sent: yearly, "
		    "%d staff", *sent);
	if (db_audit(db, user_id, addr, "partner-survey", 0, 0, line) == -1)
		return db_tx_fail(db, db_errcode(db), "partner survey");
	return db_tx_commit(db, "partner survey");
}

int
db_partner_survey_counts(struct db *db, int64_t organisation_id,
    int64_t *sent, int64_t *answered, char last[21])
{
	static const char sql[] = "SELECT count(*), "
	    "count(answered_at), coalesce(max(sent_at), '') FROM surveys "
	    "WHERE kind = 'partner' AND organisation_id = ?1";
	sqlite3_stmt *st = db_stmt_with(db, sql, organisation_id);
	int rc;

	*sent = *answered = 0;
	last[0] = '\0';
	if ((rc = db_next(db, st)) == 1) {
		*sent = sqlite3_column_int64(st, 0);
		*answered = sqlite3_column_int64(st, 1);
		db_copy(last, 21, db_col(st, 2));
		db_done(st);
	}
	return rc == -1 ? -1 : 0;
}

int
db_family_survey_ask(struct db *db, int64_t referral_id)
{
	static const char sql[] = "INSERT INTO surveys (kind, referral_id, "
	    "contact_id, to_addr, sent_at) SELECT 'family', referral_id, "
	    "contact_id, to_addr, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
	    "FROM family_survey_due WHERE referral_id = ?1";

	return db_run_count(db, db_stmt_with(db, sql, referral_id),
	    "family survey");
}

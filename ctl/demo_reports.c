/*
 * Demo figures for /reports: attendance for the demo's sessions that
 * are more than a week past and have none recorded yet (mostly
 * attended, some missed, so that the rates mean something; last week's
 * are left for a therapist to record), and one client's answers to the
 * outcome survey.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "ctl/demo.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/reports.h"
#include "db/schedule.h"

int
demo_reports(struct db *db)
{
	/* Each client expected at each past session: the series' own, or
	 * every member of its group. */
	static const char sql[] = "SELECT o.series_id, o.occ_date, c.id "
	    "FROM occurrences o JOIN series s ON s.id = o.series_id "
	    "JOIN clients c ON c.id = s.client_id OR c.id IN (SELECT "
	    "m.client_id FROM group_members m WHERE m.group_id = s.group_id) "
	    "WHERE o.state != 'cancelled' AND o.start_utc < ?1 "
	    "AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.series_id = "
	    "o.series_id AND a.occ_date = o.occ_date AND a.client_id = c.id) "
	    "ORDER BY o.start_utc, c.id";
	static const char sql_answered[] = "SELECT id FROM referrals "
	    "WHERE status IN ('active', 'closed') ORDER BY status = 'closed' "
	    "DESC, id LIMIT 1";
	static const enum outcome_answer answers[OUTCOME__MAX] = {
		ANSWER_AGREE, ANSWER_AGREE, ANSWER_UNSURE, ANSWER_AGREE,
	};
	struct { int64_t series, client; char date[11]; } v[256];
	sqlite3_stmt *st;
	size_t n = 0, i;
	int64_t id = 0;
	int rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (int64_t)time(NULL) - 7 * 86400);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256) {
		v[n].series = sqlite3_column_int64(st, 0);
		snprintf(v[n].date, sizeof(v[n].date), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		v[n].client = sqlite3_column_int64(st, 2);
		n++;
	}
	db_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	for (i = 0; i < n; i++)
		if (db_attendance_set(db, v[i].series, v[i].date, v[i].client,
		    i % 5 == 3 ? "did_not_attend" : i % 7 == 5 ?
		    "cancelled_client" : "attended", "", 0) != DB_OK)
			return -1;

	if ((st = db_stmt(db, sql_answered)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (id > 0 && db_outcome_save(db, id, answers) == OUTCOME_ERROR)
		return -1;
	return 0;
}

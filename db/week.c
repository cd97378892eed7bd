/*
 * week: the sessions of the coordinator's week grid, in one query.
 */
#include <string.h>

#include "db/db_int.h"
#include "db/week.h"

static const char sql_week_occ[] =
    "SELECT o.series_id, o.occ_date, o.start_utc, o.end_utc, o.state, "
    "o.therapist_id, o.site_id, si.name, coalesce(o.room_id, 0), "
    "coalesce(rm.name, ''), "
    "coalesce(upper(substr(rf.given_name, 1, 1) || "
    "substr(rf.family_name, 1, 1)), ''), coalesce(rf.ref, ''), "
    "coalesce(s.group_id, 0), coalesce(g.name, ''), "
    "CASE WHEN s.group_id IS NULL THEN 0 ELSE (SELECT count(*) FROM "
    "group_members m WHERE m.group_id = s.group_id) END, "
    "o.state != 'cancelled' AND o.end_utc > CAST(strftime('%s', 'now') "
    "AS INTEGER) AND (EXISTS (SELECT 1 FROM therapist_leave tl "
    "WHERE tl.therapist_id = o.therapist_id AND o.occ_date BETWEEN "
    "tl.first_day AND tl.last_day) OR EXISTS (SELECT 1 FROM site_closures "
    "sc WHERE sc.site_id = o.site_id AND o.occ_date BETWEEN sc.first_day "
    "AND sc.last_day)) "
    "FROM occurrences o JOIN series s ON s.id = o.series_id "
    "JOIN sites si ON si.id = o.site_id "
    "LEFT JOIN rooms rm ON rm.id = o.room_id "
    "LEFT JOIN clients c ON c.id = s.client_id "
    "LEFT JOIN referrals rf ON rf.id = c.referral_id "
    "LEFT JOIN groups g ON g.id = s.group_id "
    "WHERE o.start_utc >= ?2 AND o.start_utc < ?3 AND "
    "(?1 = 0 OR o.site_id = ?1) ORDER BY o.start_utc, o.series_id";

/* Reads the columns of sql_week_occ into r. */
static void
week_occ_read(sqlite3_stmt *st, struct db_week_occ *r)
{
	memset(r, 0, sizeof(*r));
	r->series_id = sqlite3_column_int64(st, 0);
	db_copy(r->date, sizeof(r->date), db_col(st, 1));
	r->start_utc = sqlite3_column_int64(st, 2);
	r->end_utc = sqlite3_column_int64(st, 3);
	db_copy(r->state, sizeof(r->state), db_col(st, 4));
	r->therapist_id = sqlite3_column_int64(st, 5);
	r->site_id = sqlite3_column_int64(st, 6);
	db_copy(r->site, sizeof(r->site), db_col(st, 7));
	r->room_id = sqlite3_column_int64(st, 8);
	db_copy(r->room, sizeof(r->room), db_col(st, 9));
	db_copy(r->initials, sizeof(r->initials), db_col(st, 10));
	db_copy(r->client_ref, sizeof(r->client_ref), db_col(st, 11));
	r->group_id = sqlite3_column_int64(st, 12);
	db_copy(r->group, sizeof(r->group), db_col(st, 13));
	r->members = sqlite3_column_int(st, 14);
	r->hit = sqlite3_column_int(st, 15);
}

int
db_week_occ_each(struct db *db, int64_t site_id, int64_t from, int64_t to,
    void (*fn)(void *, const struct db_week_occ *), void *arg)
{
	struct db_week_occ r;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, sql_week_occ)) == NULL)
		return -1;
	db_bind_int(st, 1, site_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	while ((rc = db_next(db, st)) == 1) {
		week_occ_read(st, &r);
		fn(arg, &r);
	}
	return rc;
}

/*
 * Session series, occurrences, exceptions and attendance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/client.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/outbox.h"
#include "db/schedule.h"
#include "db/staff.h"
#include "util/buf.h"

const char *const attendance_names[4] = {
	"attended", "cancelled_client", "did_not_attend",
	"cancelled_therapist",
};
const char *const attendance_labels[4] = {
	"Attended", "Cancelled by the client", "Did not attend",
	"Cancelled by the therapist",
};

/* "Tuesday 3 March 2026, 10:00 to 10:45" in the service's zone. */
static void
when_text(int64_t start, int64_t end, char *out, size_t n)
{
	time_t s = (time_t)start, e = (time_t)end;
	struct tm a, b;
	char d[64], t1[8], t2[8];

	localtime_r(&s, &a);
	localtime_r(&e, &b);
	strftime(d, sizeof(d), "%A %e %B %Y", &a);
	strftime(t1, sizeof(t1), "%H:%M", &a);
	strftime(t2, sizeof(t2), "%H:%M", &b);
	snprintf(out, n, "%s, %s to %s", d, t1, t2);
}

/* A name from a one-row query of one integer parameter. */
static void
name_of(struct db *db, const char *sql, int64_t id, char *out, size_t n)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	db_copy(out, n, "");
	if (st == NULL)
		return;
	(void)sqlite3_bind_int64(st, 1, id);
	if (db_step(st) == SQLITE_ROW)
		db_copy(out, n, db_col(st, 0));
	db_done(st);
}

static const char sql_therapist_name[] =
    "SELECT name FROM therapists WHERE id = ?";
static const char sql_room_name[] =
    "SELECT r.name || ', ' || s.name FROM rooms r JOIN sites s "
    "ON s.id = r.site_id WHERE r.id = ?";
static const char sql_site_name[] = "SELECT name FROM sites WHERE id = ?";
static const char sql_client_name[] =
    "SELECT r.given_name || ' ' || r.family_name FROM clients c "
    "JOIN referrals r ON r.id = c.referral_id WHERE c.id = ?";

/*
 * What a booking at occ must not clash with.  skip_series and skip_date
 * name the occurrence being moved (so it does not clash with itself).
 */
struct clash_ctx {
	int64_t		 therapist_id;
	int64_t		 site_id;
	int64_t		 room_id;
	const int64_t	*clients;
	size_t		 nclients;
	int64_t		 skip_series;
	const char	*skip_date;
};

/* 1 when the busy query (?1 owner, ?2 start, ?3 end, ?4/?5 skip) hits. */
static int
busy(struct db *db, const char *sql, int64_t owner, const struct db_occ *o,
    const struct clash_ctx *c, int64_t *s_start, int64_t *s_end)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, owner);
	(void)sqlite3_bind_int64(st, 2, o->start_utc);
	(void)sqlite3_bind_int64(st, 3, o->end_utc);
	(void)sqlite3_bind_int64(st, 4, c->skip_series);
	db_bind_text(st, 5, c->skip_date != NULL ? c->skip_date : "");
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		*s_start = sqlite3_column_int64(st, 0);
		*s_end = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

#define NOT_SELF " AND NOT (o.series_id = ?4 AND o.occ_date = ?5) "

static const char sql_busy_therapist[] = "SELECT o.start_utc, o.end_utc "
    "FROM occurrences o WHERE o.therapist_id = ?1 AND o.state != "
    "'cancelled' AND o.start_utc < ?3 AND o.end_utc > ?2" NOT_SELF
    "LIMIT 1";
static const char sql_busy_room[] = "SELECT o.start_utc, o.end_utc "
    "FROM occurrences o WHERE o.room_id = ?1 AND o.state != 'cancelled' "
    "AND o.start_utc < ?3 AND o.end_utc > ?2" NOT_SELF "LIMIT 1";
static const char sql_busy_client[] = "SELECT o.start_utc, o.end_utc "
    "FROM occurrences o JOIN series s ON s.id = o.series_id "
    "WHERE o.state != 'cancelled' AND o.start_utc < ?3 AND o.end_utc > ?2"
    NOT_SELF "AND (s.client_id = ?1 OR s.group_id IN (SELECT group_id "
    "FROM group_members WHERE client_id = ?1)) LIMIT 1";

/* A reason text from a one-row query of (id, date). */
static int
covered(struct db *db, const char *sql, int64_t id, const char *date,
    char *reason, size_t n)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, date);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		db_copy(reason, n, db_col(st, 0));
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static const char sql_closed[] = "SELECT reason FROM site_closures "
    "WHERE site_id = ?1 AND ?2 BETWEEN first_day AND last_day LIMIT 1";
static const char sql_leave[] = "SELECT reason FROM therapist_leave "
    "WHERE therapist_id = ?1 AND ?2 BETWEEN first_day AND last_day LIMIT 1";

/*
 * 1 when a weekly rule table has a row covering the occurrence, or (for
 * site hours of an online site with none) when no row is needed.
 */
static const char sql_open[] = "SELECT "
    "EXISTS (SELECT 1 FROM site_hours WHERE site_id = ?1 AND day = ?2 "
    "AND start_min <= ?3 AND end_min >= ?4), "
    "(SELECT kind = 'online' AND NOT EXISTS (SELECT 1 FROM site_hours "
    "WHERE site_id = ?1) FROM sites WHERE id = ?1)";
static const char sql_works[] = "SELECT EXISTS (SELECT 1 FROM "
    "therapist_availability WHERE therapist_id = ?1 AND site_id = ?5 AND "
    "day = ?2 AND start_min <= ?3 AND end_min >= ?4)";

static int
weekly(struct db *db, const char *sql, int64_t id, const struct db_occ *o,
    int64_t site_id)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, ok = 0;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	(void)sqlite3_bind_int(st, 2, o->weekday);
	(void)sqlite3_bind_int(st, 3, o->start_min);
	(void)sqlite3_bind_int(st, 4, o->end_min);
	if (sql == sql_works)
		(void)sqlite3_bind_int64(st, 5, site_id);
	if ((rc = db_step(st)) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0) ||
		    (sqlite3_column_count(st) > 1 && sqlite3_column_int(st, 1));
	db_done(st);
	return rc == SQLITE_ROW ? ok : -1;
}

/*
 * Checks one occurrence; 0 when free, 1 with a sentence in msg naming
 * the clash, -1 on a database error.
 */
static int
clash_one(struct db *db, const struct clash_ctx *c, const struct db_occ *o,
    char *msg, size_t n)
{
	char when[128], name[208], reason[SCHEDULE_TEXT];
	int64_t s, e;
	size_t i;
	int rc;

	when_text(o->start_utc, o->end_utc, when, sizeof(when));
	if ((rc = covered(db, sql_closed, c->site_id, o->date, reason,
	    sizeof(reason))) != 0) {
		if (rc == 1) {
			name_of(db, sql_site_name, c->site_id, name,
			    sizeof(name));
			snprintf(msg, n, "%s is closed on %s%s%s.", name,
			    o->date, *reason ? ": " : "", reason);
		}
		return rc;
	}
	if ((rc = covered(db, sql_leave, c->therapist_id, o->date, reason,
	    sizeof(reason))) != 0) {
		if (rc == 1) {
			name_of(db, sql_therapist_name, c->therapist_id, name,
			    sizeof(name));
			snprintf(msg, n, "%s is on leave on %s%s%s.", name,
			    o->date, *reason ? ": " : "", reason);
		}
		return rc;
	}
	if ((rc = weekly(db, sql_open, c->site_id, o, 0)) != 1) {
		if (rc == 0) {
			name_of(db, sql_site_name, c->site_id, name,
			    sizeof(name));
			snprintf(msg, n, "%s is not open on %s.", name, when);
		}
		return rc == 0 ? 1 : rc;
	}
	if ((rc = weekly(db, sql_works, c->therapist_id, o, c->site_id)) != 1) {
		if (rc == 0) {
			name_of(db, sql_therapist_name, c->therapist_id, name,
			    sizeof(name));
			snprintf(msg, n, "%s does not work at this site at that "
			    "time (%s).", name, when);
		}
		return rc == 0 ? 1 : rc;
	}
	if ((rc = busy(db, sql_busy_therapist, c->therapist_id, o, c, &s,
	    &e)) != 0) {
		if (rc == 1) {
			name_of(db, sql_therapist_name, c->therapist_id, name,
			    sizeof(name));
			when_text(s, e, when, sizeof(when));
			snprintf(msg, n, "%s already has a session then: %s.",
			    name, when);
		}
		return rc;
	}
	if (c->room_id > 0 && (rc = busy(db, sql_busy_room, c->room_id, o, c,
	    &s, &e)) != 0) {
		if (rc == 1) {
			name_of(db, sql_room_name, c->room_id, name,
			    sizeof(name));
			when_text(s, e, when, sizeof(when));
			snprintf(msg, n, "The room %s is already booked then: "
			    "%s.", name, when);
		}
		return rc;
	}
	for (i = 0; i < c->nclients; i++) {
		if ((rc = busy(db, sql_busy_client, c->clients[i], o, c, &s,
		    &e)) == 0)
			continue;
		if (rc == 1) {
			name_of(db, sql_client_name, c->clients[i], name,
			    sizeof(name));
			when_text(s, e, when, sizeof(when));
			snprintf(msg, n, "%s already has a session then: %s.",
			    name, when);
		}
		return rc;
	}
	return 0;
}

/* The clients a series is for: its client, or its group's members. */
static int
series_clients(struct db *db, int64_t client_id, int64_t group_id,
    int64_t **out, size_t *n)
{
	static const char sql[] =
	    "SELECT client_id FROM group_members WHERE group_id = ?";
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (client_id > 0) {
		*out = xmalloc(sizeof(**out));
		(*out)[0] = client_id;
		*n = 1;
		return 0;
	}
	st = db_stmt_with(db, sql, group_id);
	while ((rc = db_next(db, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	return rc;
}

/*
 * Queues one email of kind to each client of the series who agreed to
 * be contacted and gave an email address, not before not_before.
 */
static int
notify_clients(struct db *db, const char *kind, int64_t series_id,
    const int64_t *clients, size_t n, const char *key_part,
    int64_t not_before, const char *domain)
{
	static const char sql[] = "SELECT r.email, r.given_name, r.id FROM "
	    "clients c JOIN referrals r ON r.id = c.referral_id WHERE c.id = ? "
	    "AND c.ended_at IS NULL AND r.consent_contact = 1 AND "
	    "r.email != ''";
	static const char sql_later[] = "UPDATE outbox SET not_before = ? "
	    "WHERE dedupe_key = ? AND status = 'queued'";
	sqlite3_stmt *st;
	char key[160], email[256], name[128], when[21];
	int64_t rid;
	time_t t = (time_t)not_before;
	struct tm tm;
	size_t i;
	int rc, found;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; i < n; i++) {
		if ((st = db_stmt(db, sql)) == NULL)
			return -1;
		(void)sqlite3_bind_int64(st, 1, clients[i]);
		rc = db_step(st);
		found = rc == SQLITE_ROW;
		if (found) {
			db_copy(email, sizeof(email), db_col(st, 0));
			db_copy(name, sizeof(name), db_col(st, 1));
			rid = sqlite3_column_int64(st, 2);
		}
		db_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
		if (!found)
			continue;
		snprintf(key, sizeof(key), "%s:%lld:%s:%lld", kind,
		    (long long)series_id, key_part, (long long)clients[i]);
		if (db_outbox_add(db, kind, key, email, name, rid, 0,
		    domain) == -1)
			return -1;
		if ((st = db_stmt(db, sql_later)) == NULL)
			return -1;
		db_bind_text(st, 1, when);
		db_bind_text(st, 2, key);
		rc = db_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

static const char sql_occ_insert[] = "INSERT INTO occurrences (series_id, "
    "occ_date, start_utc, end_utc, therapist_id, room_id, site_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";

/* A holiday week a term-time series passes over (migration 021). */
static const char sql_skip_insert[] = "INSERT INTO series_skips "
    "(series_id, occ_date) VALUES (?, ?)";

enum db_result
db_series_book(struct db *db, const struct db_series_new *s,
    const struct db_occ *occ, size_t nocc, const char *uid,
    const char *domain, int64_t *id, char *clash, size_t clashlen)
{
	static const char sql[] = "INSERT INTO series (uid, therapist_id, "
	    "client_id, group_id, site_id, room_id, tz, first_date, "
	    "start_local, length_min, count, until_date, created_at, "
	    "updated_at, term_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)";
	struct clash_ctx c;
	sqlite3_stmt *st;
	int64_t *clients = NULL;
	size_t nclients = 0, i;
	char now[21], detail[96];
	int rc;
	enum db_result res;

	*id = 0;
	clash[0] = '\0';
	if (nocc == 0) {
		snprintf(clash, clashlen, "The series has no sessions: check "
		    "the first date, the number of sessions and the last "
		    "date.");
		return DB_INVALID;
	}
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if (series_clients(db, s->client_id, s->group_id, &clients,
	    &nclients) == -1)
		goto fail;
	memset(&c, 0, sizeof(c));
	c.therapist_id = s->therapist_id;
	c.site_id = s->site_id;
	c.room_id = s->room_id;
	c.clients = clients;
	c.nclients = nclients;
	for (i = 0; i < nocc; i++) {
		rc = clash_one(db, &c, &occ[i], clash, clashlen);
		if (rc == -1)
			goto fail;
		if (rc == 1) {
			db_rollback(db);
			free(clients);
			return DB_CONFLICT;
		}
	}
	db_now(now);
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_bind_text(st, 1, uid);
	(void)sqlite3_bind_int64(st, 2, s->therapist_id);
	if (s->client_id > 0)
		(void)sqlite3_bind_int64(st, 3, s->client_id);
	if (s->group_id > 0)
		(void)sqlite3_bind_int64(st, 4, s->group_id);
	(void)sqlite3_bind_int64(st, 5, s->site_id);
	if (s->room_id > 0)
		(void)sqlite3_bind_int64(st, 6, s->room_id);
	db_bind_text(st, 7, s->tz);
	db_bind_text(st, 8, s->first_date);
	db_bind_text(st, 9, s->start_local);
	(void)sqlite3_bind_int(st, 10, s->length_min);
	if (s->count > 0)
		(void)sqlite3_bind_int(st, 11, s->count);
	if (s->until_date != NULL && *s->until_date != '\0')
		db_bind_text(st, 12, s->until_date);
	db_bind_text(st, 13, now);
	db_bind_text(st, 14, now);
	db_bind_int(st, 15, s->term_time != 0);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	*id = sqlite3_last_insert_rowid(db->conn);
	for (i = 0; i < s->nskips; i++) {
		if ((st = db_stmt(db, sql_skip_insert)) == NULL)
			goto fail;
		db_bind_int(st, 1, *id);
		db_bind_text(st, 2, s->skips[i]);
		if ((rc = db_run(st)) != SQLITE_DONE)
			goto fail;
	}
	for (i = 0; i < nocc; i++) {
		if ((st = db_stmt(db, sql_occ_insert)) == NULL)
			goto fail;
		(void)sqlite3_bind_int64(st, 1, *id);
		db_bind_text(st, 2, occ[i].date);
		(void)sqlite3_bind_int64(st, 3, occ[i].start_utc);
		(void)sqlite3_bind_int64(st, 4, occ[i].end_utc);
		(void)sqlite3_bind_int64(st, 5, s->therapist_id);
		if (s->room_id > 0)
			(void)sqlite3_bind_int64(st, 6, s->room_id);
		(void)sqlite3_bind_int64(st, 7, s->site_id);
		rc = db_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	if (notify_clients(db, "booking_confirmation", *id, clients, nclients,
	    "0", (int64_t)time(NULL) + (s->grace_s > 0 ? s->grace_s : 0),
	    domain) == -1 || db_undo_booking_note(db, *id, s->created_by,
	    s->grace_s) == -1)
		goto fail;
	/* A matched referral is now active: its history says why. */
	if (db_client_follow_booking(db, *id, s->created_by) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), "booked series %lld (%zu sessions)",
	    (long long)*id, nocc);
	if (db_audit(db, s->created_by, "", "book", 0, 0, detail) == -1)
		goto fail;
	if ((res = db_tx_commit(db, "book")) != DB_OK) {
		free(clients);
		*id = 0;
		return res;
	}
	free(clients);
	return DB_OK;
fail:
	free(clients);
	*id = 0;
	return db_tx_fail(db, db_errcode(db), "book");
}

int
db_series_get(struct db *db, int64_t id, struct db_series *s)
{
	static const char sql[] = "SELECT s.id, s.uid, s.therapist_id, t.name,"
	    " coalesce(s.client_id, 0), coalesce(c.referral_id, 0),"
	    " coalesce(r.given_name || ' ' || r.family_name, ''),"
	    " coalesce(r.ref, ''), coalesce(s.group_id, 0),"
	    " coalesce(g.name, ''), s.site_id, si.name,"
	    " si.address || CASE WHEN si.postcode != '' THEN ', ' ||"
	    " si.postcode ELSE '' END, coalesce(s.room_id, 0),"
	    " coalesce(ro.name, ''), s.tz, s.first_date, s.start_local,"
	    " s.length_min, coalesce(s.count, 0), coalesce(s.until_date, ''),"
	    " s.status, coalesce(s.ended_from, ''), s.sequence, s.updated_at,"
	    " s.term_time, s.video_url, si.kind = 'online'"
	    " FROM series s JOIN therapists t ON t.id = s.therapist_id"
	    " JOIN sites si ON si.id = s.site_id"
	    " LEFT JOIN clients c ON c.id = s.client_id"
	    " LEFT JOIN referrals r ON r.id = c.referral_id"
	    " LEFT JOIN groups g ON g.id = s.group_id"
	    " LEFT JOIN rooms ro ON ro.id = s.room_id WHERE s.id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		db_copy(s->uid, sizeof(s->uid), db_col(st, 1));
		s->therapist_id = sqlite3_column_int64(st, 2);
		db_copy(s->therapist, sizeof(s->therapist), db_col(st, 3));
		s->client_id = sqlite3_column_int64(st, 4);
		s->referral_id = sqlite3_column_int64(st, 5);
		db_copy(s->client, sizeof(s->client), db_col(st, 6));
		db_copy(s->client_ref, sizeof(s->client_ref), db_col(st, 7));
		s->group_id = sqlite3_column_int64(st, 8);
		db_copy(s->group, sizeof(s->group), db_col(st, 9));
		s->site_id = sqlite3_column_int64(st, 10);
		db_copy(s->site, sizeof(s->site), db_col(st, 11));
		db_copy(s->site_address, sizeof(s->site_address), db_col(st, 12));
		s->room_id = sqlite3_column_int64(st, 13);
		db_copy(s->room, sizeof(s->room), db_col(st, 14));
		db_copy(s->tz, sizeof(s->tz), db_col(st, 15));
		db_copy(s->first_date, sizeof(s->first_date), db_col(st, 16));
		db_copy(s->start_local, sizeof(s->start_local), db_col(st, 17));
		s->length_min = sqlite3_column_int(st, 18);
		s->count = sqlite3_column_int(st, 19);
		db_copy(s->until_date, sizeof(s->until_date), db_col(st, 20));
		db_copy(s->status, sizeof(s->status), db_col(st, 21));
		db_copy(s->ended_from, sizeof(s->ended_from), db_col(st, 22));
		s->sequence = sqlite3_column_int(st, 23);
		db_copy(s->updated_at, sizeof(s->updated_at), db_col(st, 24));
		s->term_time = sqlite3_column_int(st, 25);
		db_copy(s->video_url, sizeof(s->video_url), db_col(st, 26));
		s->site_online = sqlite3_column_int(st, 27);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum db_result
db_series_video_set(struct db *db, int64_t id, const char *url,
    int64_t user_id, const char *addr)
{
	static const char sql[] = "UPDATE series SET video_url = ?2 "
	    "WHERE id = ?1";
	sqlite3_stmt *st;
	char detail[48];
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt_with(db, sql, id)) == NULL)
		goto fail;
	db_bind_text(st, 2, url);
	if ((res = db_tx_run_one(db, st, "video link")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	snprintf(detail, sizeof(detail), "series %lld", (long long)id);
	if (db_audit(db, user_id, addr, url[0] != '\0' ? "video link set" :
	    "video link removed", 0, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "video link");
fail:
	return db_tx_fail(db, db_errcode(db), "video link");
}

#define OCC_COLS \
	"SELECT o.series_id, o.occ_date, o.start_utc, o.end_utc, o.state, " \
	"o.therapist_id, t.name, o.site_id, si.name, coalesce(o.room_id, 0), " \
	"coalesce(ro.name, ''), coalesce(g.name, r.given_name || ' ' || " \
	"r.family_name, ''), coalesce(r.ref, ''), coalesce(s.client_id, 0), " \
	"coalesce(s.group_id, 0), coalesce((SELECT a.status FROM attendance a " \
	"WHERE a.series_id = o.series_id AND a.occ_date = o.occ_date " \
	"LIMIT 1), ''), coalesce(x.reason, ''), coalesce(c.referral_id, 0) "
/* The columns of OCC_COLS (occ_row reads them all); a statement's own
 * columns come after. */
#define OCC_NCOLS	18
#define OCC_FROM \
	"FROM occurrences o JOIN series s ON s.id = o.series_id " \
	"JOIN therapists t ON t.id = o.therapist_id " \
	"JOIN sites si ON si.id = o.site_id " \
	"LEFT JOIN rooms ro ON ro.id = o.room_id " \
	"LEFT JOIN clients c ON c.id = s.client_id " \
	"LEFT JOIN referrals r ON r.id = c.referral_id " \
	"LEFT JOIN groups g ON g.id = s.group_id " \
	"LEFT JOIN exceptions x ON x.series_id = o.series_id AND " \
	"x.occ_date = o.occ_date "
#define OCC_SELECT OCC_COLS OCC_FROM

/* Reads the OCC_COLS of the current row into r. */
static void
occ_row(sqlite3_stmt *st, struct db_occ_row *r)
{
	memset(r, 0, sizeof(*r));
	r->series_id = sqlite3_column_int64(st, 0);
	db_copy(r->date, sizeof(r->date), db_col(st, 1));
	r->start_utc = sqlite3_column_int64(st, 2);
	r->end_utc = sqlite3_column_int64(st, 3);
	db_copy(r->state, sizeof(r->state), db_col(st, 4));
	r->therapist_id = sqlite3_column_int64(st, 5);
	db_copy(r->therapist, sizeof(r->therapist), db_col(st, 6));
	r->site_id = sqlite3_column_int64(st, 7);
	db_copy(r->site, sizeof(r->site), db_col(st, 8));
	r->room_id = sqlite3_column_int64(st, 9);
	db_copy(r->room, sizeof(r->room), db_col(st, 10));
	db_copy(r->who, sizeof(r->who), db_col(st, 11));
	db_copy(r->client_ref, sizeof(r->client_ref), db_col(st, 12));
	r->client_id = sqlite3_column_int64(st, 13);
	r->group_id = sqlite3_column_int64(st, 14);
	db_copy(r->attendance, sizeof(r->attendance), db_col(st, 15));
	db_copy(r->reason, sizeof(r->reason), db_col(st, 16));
	r->referral_id = sqlite3_column_int64(st, 17);
}

static const char *const sql_occ_by[OCC__MAX] = {
	OCC_SELECT "WHERE o.therapist_id = ?1 AND o.start_utc >= ?2 AND "
	    "o.start_utc < ?3 ORDER BY o.start_utc, o.series_id",
	OCC_SELECT "WHERE o.site_id = ?1 AND o.start_utc >= ?2 AND "
	    "o.start_utc < ?3 ORDER BY o.start_utc, o.series_id",
	OCC_SELECT "WHERE o.room_id = ?1 AND o.start_utc >= ?2 AND "
	    "o.start_utc < ?3 ORDER BY o.start_utc, o.series_id",
	OCC_SELECT "WHERE o.series_id = ?1 AND o.start_utc >= ?2 AND "
	    "o.start_utc < ?3 ORDER BY o.start_utc",
};

int
db_occ_each(struct db *db, enum db_occ_filter by, int64_t id, int64_t from,
    int64_t to, void (*fn)(void *, const struct db_occ_row *), void *arg)
{
	struct db_occ_row r;
	sqlite3_stmt *st;
	int rc;

	if ((unsigned)by >= OCC__MAX || (st = db_stmt(db, sql_occ_by[by])) ==
	    NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, id);
	(void)sqlite3_bind_int64(st, 2, from);
	(void)sqlite3_bind_int64(st, 3, to);
	while ((rc = db_next(db, st)) == 1) {
		occ_row(st, &r);
		fn(arg, &r);
	}
	return rc;
}

/* The occurrence (series, date): its times, room and state. */
static int
occ_get(struct db *db, int64_t series_id, const char *date, int64_t *start,
    int64_t *end, int64_t *room, char *state, size_t n)
{
	static const char sql[] = "SELECT start_utc, end_utc, "
	    "coalesce(room_id, 0), state FROM occurrences "
	    "WHERE series_id = ? AND occ_date = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		*start = sqlite3_column_int64(st, 0);
		*end = sqlite3_column_int64(st, 1);
		*room = sqlite3_column_int64(st, 2);
		db_copy(state, n, db_col(st, 3));
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static const char sql_seq[] = "UPDATE series SET sequence = sequence + 1, "
    "updated_at = ?2 WHERE id = ?1";

/* Bumps the series' SEQUENCE and its last change time. */
static int
touch_series(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql_seq);
	char now[21];
	int rc;

	if (st == NULL)
		return -1;
	db_now(now);
	(void)sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Inserts or replaces the exception of (series, date). */
static int
put_exception(struct db *db, int64_t series_id, const char *date,
    const char *kind, const char *by, const struct db_occ *to,
    int64_t room_id, const char *reason, int64_t user_id)
{
	static const char sql[] = "INSERT INTO exceptions (series_id, "
	    "occ_date, kind, by_whom, new_start_utc, new_length_min, "
	    "new_room_id, reason, sequence, created_by, created_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT sequence FROM series "
	    "WHERE id = ?1), ?9, ?10) ON CONFLICT (series_id, occ_date) DO "
	    "UPDATE SET kind = ?3, by_whom = ?4, new_start_utc = coalesce(?5, "
	    "new_start_utc), new_length_min = coalesce(?6, new_length_min), "
	    "new_room_id = coalesce(?7, new_room_id), reason = ?8, "
	    "sequence = (SELECT sequence FROM series WHERE id = ?1), "
	    "created_by = ?9, created_at = ?10";
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];
	int rc;

	if (st == NULL)
		return -1;
	db_now(now);
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, by);
	if (to != NULL) {
		(void)sqlite3_bind_int64(st, 5, to->start_utc);
		(void)sqlite3_bind_int(st, 6,
		    (int)((to->end_utc - to->start_utc) / 60));
	}
	if (room_id > 0)
		(void)sqlite3_bind_int64(st, 7, room_id);
	db_bind_text(st, 8, reason);
	if (user_id > 0)
		(void)sqlite3_bind_int64(st, 9, user_id);
	db_bind_text(st, 10, now);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
series_people(struct db *db, int64_t series_id, int64_t **clients,
    size_t *n)
{
	static const char sql[] = "SELECT coalesce(client_id, 0), "
	    "coalesce(group_id, 0) FROM series WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t c = 0, g = 0;
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, series_id);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		c = sqlite3_column_int64(st, 0);
		g = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	if (rc != SQLITE_ROW)
		return -1;
	return series_clients(db, c, g, clients, n);
}

/*
 * Cancels the session inside the caller's write, telling its clients
 * (after grace_s) when tell: db_occ_cancel_tx's results.
 */
static int
occ_cancel(struct db *db, int64_t series_id, const char *date,
    enum db_cancel_by by, const char *reason, int64_t user_id,
    const char *addr, int tell, int grace_s, const char *domain)
{
	static const char *const by_names[] = { "client", "therapist",
	    "service" };
	static const char sql[] = "UPDATE occurrences SET state = 'cancelled' "
	    "WHERE series_id = ? AND occ_date = ?";
	sqlite3_stmt *st;
	int64_t start, end, room, *clients = NULL;
	size_t n = 0;
	char state[12], detail[96];
	int rc;

	if ((unsigned)by > CANCEL_BY_SERVICE)
		return 1;
	if ((rc = occ_get(db, series_id, date, &start, &end, &room, state,
	    sizeof(state))) == -1)
		return -1;
	if (rc == 0 || strcmp(state, "cancelled") == 0 ||
	    start < (int64_t)time(NULL))
		return 1;
	if (touch_series(db, series_id) == -1 ||
	    put_exception(db, series_id, date, "cancelled", by_names[by], NULL,
	    0, reason, user_id) == -1)
		return -1;
	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (tell && (series_people(db, series_id, &clients, &n) == -1 ||
	    notify_clients(db, "session_cancelled", series_id, clients, n,
	    date, (int64_t)time(NULL) + grace_s, domain) == -1)) {
		free(clients);
		return -1;
	}
	free(clients);
	snprintf(detail, sizeof(detail), "cancelled %s of series %lld (by %s)",
	    date, (long long)series_id, by_names[by]);
	if (db_audit(db, user_id, addr, "cancel", 0, 0, detail) == -1)
		return -1;
	return 0;
}

int
db_occ_cancel_tx(struct db *db, int64_t series_id, const char *date,
    enum db_cancel_by by, const char *reason, int64_t user_id,
    const char *addr, int grace_s, const char *domain)
{
	return occ_cancel(db, series_id, date, by, reason, user_id, addr, 1,
	    grace_s, domain);
}

int
db_occ_cancel_untold_tx(struct db *db, int64_t series_id, const char *date,
    enum db_cancel_by by, const char *reason, int64_t user_id,
    const char *addr)
{
	return occ_cancel(db, series_id, date, by, reason, user_id, addr, 0,
	    0, NULL);
}

enum db_result
db_occ_cancel(struct db *db, int64_t series_id, const char *date,
    enum db_cancel_by by, const char *reason, int64_t user_id,
    const char *addr, int grace_s, const char *domain)
{
	enum db_result res;
	int rc;

	if ((unsigned)by > CANCEL_BY_SERVICE)
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	rc = db_occ_cancel_tx(db, series_id, date, by, reason, user_id, addr,
	    grace_s, domain);
	if (rc == 1) {
		db_rollback(db);
		return DB_INVALID;
	}
	if (rc == -1)
		return db_tx_fail(db, db_errcode(db), "cancel");
	return db_tx_commit(db, "cancel");
}

int
db_occ_clash(struct db *db, int64_t series_id, const char *date,
    const struct db_occ *to, int64_t room_id, int64_t *room_used,
    char *clash, size_t clashlen)
{
	static const char sql_series[] = "SELECT therapist_id, site_id, "
	    "coalesce(room_id, 0) FROM series WHERE id = ?";
	struct clash_ctx c;
	sqlite3_stmt *st;
	int64_t *clients = NULL;
	size_t n = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((st = db_stmt_with(db, sql_series, series_id)) == NULL ||
	    db_next(db, st) != 1)
		return -1;
	c.therapist_id = sqlite3_column_int64(st, 0);
	c.site_id = sqlite3_column_int64(st, 1);
	c.room_id = room_id > 0 ? room_id : sqlite3_column_int64(st, 2);
	db_done(st);
	if (series_people(db, series_id, &clients, &n) == -1)
		return -1;
	c.clients = clients;
	c.nclients = n;
	c.skip_series = series_id;
	c.skip_date = date;
	rc = clash_one(db, &c, to, clash, clashlen);
	free(clients);
	if (rc == 0 && room_used != NULL)
		*room_used = c.room_id;
	return rc;
}

enum db_result
db_occ_move(struct db *db, int64_t series_id, const char *date,
    const struct db_occ *to, int64_t room_id, const char *reason,
    int64_t user_id, const char *addr, int grace_s, const char *domain,
    char *clash, size_t clashlen)
{
	static const char sql[] = "UPDATE occurrences SET start_utc = ?3, "
	    "end_utc = ?4, room_id = ?5, state = 'moved' "
	    "WHERE series_id = ?1 AND occ_date = ?2";
	sqlite3_stmt *st;
	int64_t start, end, room, *clients = NULL;
	size_t n = 0;
	char state[12], detail[128], key[40];
	int rc;
	enum db_result res;

	clash[0] = '\0';
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = occ_get(db, series_id, date, &start, &end, &room, state,
	    sizeof(state))) == -1)
		goto fail;
	if (rc == 0 || strcmp(state, "cancelled") == 0 ||
	    to->start_utc < (int64_t)time(NULL)) {
		snprintf(clash, clashlen, rc == 0 ? "There is no such session." :
		    strcmp(state, "cancelled") == 0 ? "That session was "
		    "cancelled." : "A session cannot be moved into the past.");
		db_rollback(db);
		return DB_INVALID;
	}
	if ((rc = db_occ_clash(db, series_id, date, to, room_id, &room,
	    clash, clashlen)) != 0) {
		if (rc == -1)
			goto fail;
		db_rollback(db);
		return DB_CONFLICT;
	}
	if (series_people(db, series_id, &clients, &n) == -1)
		goto fail;
	if (db_undo_move_note(db, series_id, date, to->start_utc, user_id,
	    grace_s) == -1 || touch_series(db, series_id) == -1 ||
	    put_exception(db, series_id, date, "moved", "", to, room,
	    reason, user_id) == -1)
		goto fail;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	(void)sqlite3_bind_int64(st, 3, to->start_utc);
	(void)sqlite3_bind_int64(st, 4, to->end_utc);
	if (room > 0)
		(void)sqlite3_bind_int64(st, 5, room);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* Each move is its own notice: the key carries the new time. */
	snprintf(key, sizeof(key), "%s@%lld", date, (long long)to->start_utc);
	if (notify_clients(db, "session_moved", series_id, clients, n, key,
	    (int64_t)time(NULL) + grace_s, domain) == -1)
		goto fail;
	snprintf(detail, sizeof(detail), "moved %s of series %lld",
	    date, (long long)series_id);
	if (db_audit(db, user_id, addr, "move", 0, 0, detail) == -1)
		goto fail;
	free(clients);
	return db_tx_commit(db, "move");
fail:
	free(clients);
	return db_tx_fail(db, db_errcode(db), "move");
}

enum db_result
db_series_end(struct db *db, int64_t series_id, const char *from_date,
    const char *reason, int64_t user_id, const char *addr)
{
	static const char sql[] = "UPDATE series SET status = 'ended', "
	    "ended_from = ?2 WHERE id = ?1 AND status = 'active'";
	static const char sql_del[] = "DELETE FROM occurrences "
	    "WHERE series_id = ? AND occ_date >= ?";
	sqlite3_stmt *st;
	char detail[SCHEDULE_TEXT + 64];
	int rc;
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, from_date);
	if ((res = db_tx_run_one(db, st, "end series")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	if (touch_series(db, series_id) == -1 ||
	    (st = db_stmt(db, sql_del)) == NULL)
		goto fail;
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, from_date);
	rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	snprintf(detail, sizeof(detail), "ended series %lld from %s: %s",
	    (long long)series_id, from_date, reason);
	if (db_audit(db, user_id, addr, "end-series", 0, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "end series");
fail:
	return db_tx_fail(db, db_errcode(db), "end series");
}

enum db_result
db_attendance_set(struct db *db, int64_t series_id, const char *date,
    int64_t client_id, const char *status, const char *note,
    int64_t user_id)
{
	static const char sql[] = "INSERT INTO attendance (series_id, "
	    "occ_date, client_id, status, note, recorded_by, recorded_at) "
	    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM occurrences o "
	    "JOIN series s ON s.id = o.series_id "
	    "WHERE o.series_id = ?1 AND o.occ_date = ?2 AND o.start_utc <= ?8 "
	    /* The series' own client, or a member of its group who had
	     * joined by that date: checked in this same statement. */
	    "AND (s.client_id = ?3 OR EXISTS (SELECT 1 FROM group_members m "
	    "WHERE m.group_id = s.group_id AND m.client_id = ?3 "
	    "AND substr(m.joined_at, 1, 10) <= ?2)) "
	    "ON CONFLICT (series_id, occ_date, client_id) DO UPDATE SET "
	    "status = ?4, note = ?5, recorded_by = ?6, recorded_at = ?7";
	sqlite3_stmt *st;
	char now[21];
	int k;
	enum db_result res;

	k = db_name_index(attendance_names, 4, status != NULL ? status : "");
	if (k < 0)
		return DB_INVALID;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "attendance");
	db_now(now);
	(void)sqlite3_bind_int64(st, 1, series_id);
	db_bind_text(st, 2, date);
	(void)sqlite3_bind_int64(st, 3, client_id);
	db_bind_text(st, 4, attendance_names[k]);
	db_bind_text(st, 5, note);
	if (user_id > 0)
		(void)sqlite3_bind_int64(st, 6, user_id);
	db_bind_text(st, 7, now);
	(void)sqlite3_bind_int64(st, 8, (int64_t)time(NULL));
	if ((res = db_tx_run_one(db, st, "attendance")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	/* The first attended session starts therapy, in the history. */
	if (db_client_follow_attended(db, series_id, date, client_id,
	    user_id) == -1)
		return db_tx_fail(db, db_errcode(db), "attendance");
	return db_tx_commit(db, "attendance");
}

int
db_therapist_of_user(struct db *db, int64_t user_id, int64_t *therapist_id)
{
	static const char sql[] = "SELECT id FROM therapists WHERE user_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, user_id);
	if ((rc = db_step(st)) == SQLITE_ROW)
		*therapist_id = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_choices(struct db *db, enum db_choice which, void (*fn)(void *, int64_t,
    const char *), void *arg)
{
	static const char *const sql[CHOICE__MAX] = {
		"SELECT id, name FROM therapists WHERE active = 1 "
		    "ORDER BY name",
		"SELECT id, name FROM sites WHERE active = 1 ORDER BY name",
		"SELECT r.id, r.name || ', ' || s.name FROM rooms r JOIN sites "
		    "s ON s.id = r.site_id WHERE r.active = 1 "
		    "ORDER BY s.name, r.name",
		"SELECT c.id, r.given_name || ' ' || r.family_name || ' (' || "
		    "r.ref || ')' FROM clients c JOIN referrals r ON r.id = "
		    "c.referral_id WHERE c.ended_at IS NULL "
		    "ORDER BY r.given_name, r.family_name",
		"SELECT id, name FROM groups WHERE active = 1 ORDER BY name",
	};
	sqlite3_stmt *st;
	int rc;

	if ((unsigned)which >= CHOICE__MAX ||
	    (st = db_stmt(db, sql[which])) == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1));
	return rc;
}

int
db_client_get(struct db *db, int64_t client_id, int64_t *therapist_id,
    int64_t *referral_id)
{
	static const char sql[] = "SELECT therapist_id, referral_id FROM "
	    "clients WHERE id = ? AND ended_at IS NULL";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, client_id);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		*therapist_id = sqlite3_column_int64(st, 0);
		*referral_id = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_waitlist_for_slot(struct db *db, int bit, int limit, void (*fn)(void *,
    int64_t, const char *, const char *, const char *), void *arg)
{
	static const char sql[] = "SELECT id, ref, given_name || ' ' || "
	    "family_name, created_at FROM referrals WHERE status = "
	    "'waitlisted' AND (availability & ?1) != 0 "
	    "ORDER BY created_at, id LIMIT ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL || bit < 0 || bit > 20)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (int64_t)1 << bit);
	(void)sqlite3_bind_int(st, 2, limit);
	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1), db_col(st, 2),
		    db_col(st, 3));
	return rc;
}

int
db_caseload(struct db *db, int64_t therapist_id, void (*fn)(void *, int64_t,
    int64_t, const char *, const char *), void *arg)
{
	static const char sql[] = "SELECT c.id, r.id, r.given_name || ' ' || "
	    "r.family_name, r.ref FROM clients c JOIN referrals r ON r.id = "
	    "c.referral_id WHERE c.therapist_id = ? AND c.ended_at IS NULL "
	    "ORDER BY r.given_name, r.family_name";
	sqlite3_stmt *st = db_stmt_with(db, sql, therapist_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), db_col(st, 2), db_col(st, 3));
	return rc;
}

int
db_occ_hit_each(struct db *db, int64_t now, void (*fn)(void *,
    const struct db_occ_row *, const char *), void *arg)
{
	/* Driven by the leave and closures (CROSS JOIN keeps them the
	 * outer loop), so its cost grows with them, not with every
	 * session still to come. */
	static const char sql[] = OCC_COLS ", (SELECT 'the site is closed"
	    "' || CASE WHEN sc.reason != '' THEN ': ' || sc.reason ELSE '' "
	    "END FROM site_closures sc WHERE sc.site_id = o.site_id AND "
	    "o.occ_date BETWEEN sc.first_day AND sc.last_day LIMIT 1) AS "
	    "closed, (SELECT 'the therapist is on leave' || CASE WHEN "
	    "tl.reason != '' THEN ': ' || tl.reason ELSE '' END FROM "
	    "therapist_leave tl WHERE tl.therapist_id = o.therapist_id AND "
	    "o.occ_date BETWEEN tl.first_day AND tl.last_day LIMIT 1) AS "
	    "leave " OCC_FROM "WHERE o.id IN (SELECT o2.id FROM "
	    "therapist_leave tl CROSS JOIN occurrences o2 ON o2.therapist_id = "
	    "tl.therapist_id AND o2.start_utc >= ?1 WHERE tl.last_day >= "
	    "date(?1, 'unixepoch', '-1 day') AND o2.occ_date BETWEEN "
	    "tl.first_day AND tl.last_day UNION SELECT o3.id FROM "
	    "site_closures sc CROSS JOIN occurrences o3 ON o3.site_id = "
	    "sc.site_id "
	    "AND o3.start_utc >= ?1 WHERE sc.last_day >= date(?1, 'unixepoch', "
	    "'-1 day') AND o3.occ_date BETWEEN sc.first_day AND sc.last_day) "
	    "AND o.state != 'cancelled' ORDER BY o.start_utc LIMIT 200";
	struct db_occ_row r;
	sqlite3_stmt *st;
	int rc;

	st = db_stmt_with(db, sql, now);
	while ((rc = db_next(db, st)) == 1) {
		occ_row(st, &r);
		fn(arg, &r, sqlite3_column_type(st, OCC_NCOLS) !=
		    SQLITE_NULL ? db_col(st, OCC_NCOLS) :
		    db_col(st, OCC_NCOLS + 1));
	}
	return rc;
}

int64_t
db_group_add(struct db *db, const char *name, int64_t therapist_id,
    int64_t site_id, int capacity, int64_t user_id)
{
	static const char sql[] = "INSERT INTO groups (name, therapist_id, "
	    "site_id, capacity) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st;
	char detail[200];
	int64_t id;
	int rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, therapist_id);
	db_bind_int(st, 3, site_id);
	db_bind_int(st, 4, capacity);
	if ((rc = db_run(st)) != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db->conn);
	snprintf(detail, sizeof(detail), "added group %lld", (long long)id);
	if (db_audit(db, user_id, "", "group-add", 0, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "group add") == DB_OK ? id : -1;
fail:
	(void)db_tx_fail(db, db_errcode(db), "group add");
	return -1;
}

enum db_result
db_group_join(struct db *db, int64_t group_id, int64_t client_id,
    int64_t user_id)
{
	static const char sql[] = "INSERT INTO group_members (group_id, "
	    "client_id, joined_at) SELECT ?1, ?2, ?3 FROM groups g WHERE "
	    "g.id = ?1 AND (SELECT count(*) FROM group_members WHERE "
	    "group_id = ?1) < g.capacity AND EXISTS (SELECT 1 FROM clients "
	    "WHERE id = ?2 AND ended_at IS NULL) ON CONFLICT DO NOTHING";
	sqlite3_stmt *st;
	char now[21], detail[96];
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt(db, sql)) == NULL)
		goto fail;
	db_now(now);
	(void)sqlite3_bind_int64(st, 1, group_id);
	(void)sqlite3_bind_int64(st, 2, client_id);
	db_bind_text(st, 3, now);
	if ((res = db_tx_run_one(db, st, "group join")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	snprintf(detail, sizeof(detail), "client %lld joined group %lld",
	    (long long)client_id, (long long)group_id);
	if (db_audit(db, user_id, "", "group-join", 0, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "group join");
fail:
	return db_tx_fail(db, db_errcode(db), "group join");
}

int
db_group_each(struct db *db, void (*fn)(void *, int64_t, const char *,
    const char *, const char *, int, int), void *arg)
{
	static const char sql[] = "SELECT g.id, g.name, t.name, s.name, "
	    "g.capacity, (SELECT count(*) FROM group_members m WHERE "
	    "m.group_id = g.id) FROM groups g JOIN therapists t ON t.id = "
	    "g.therapist_id JOIN sites s ON s.id = g.site_id WHERE g.active = "
	    "1 ORDER BY g.name";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1), db_col(st, 2),
		    db_col(st, 3), sqlite3_column_int(st, 4),
		    sqlite3_column_int(st, 5));
	return rc;
}

int
db_group_members(struct db *db, int64_t group_id, void (*fn)(void *,
    int64_t, const char *, const char *), void *arg)
{
	static const char sql[] = "SELECT c.id, r.given_name || ' ' || "
	    "r.family_name, r.ref FROM group_members m JOIN clients c ON "
	    "c.id = m.client_id JOIN referrals r ON r.id = c.referral_id "
	    "WHERE m.group_id = ? ORDER BY r.given_name";
	sqlite3_stmt *st = db_stmt_with(db, sql, group_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1), db_col(st, 2));
	return rc;
}

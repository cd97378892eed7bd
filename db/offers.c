/*
 * db/offers: freed places and their offers.  See offers.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/offers.h"
#include "db/outbox.h"
#include "db/staff.h"

/* What every audit line by the person says first (as db/self.c). */
#define SELF_WHO	"the person themselves"

/* ---- places ---- */

#define PLACE_COLS "p.id, p.therapist_id, p.site_id, coalesce(p.room_id, 0), " \
	"p.weekday, p.start_local, p.length_min, p.first_date, " \
	"coalesce(p.from_series_id, 0), p.status, coalesce(p.filled_by, 0), " \
	"coalesce(p.series_id, 0), p.created_at, coalesce(p.confirmed_at, ''), " \
	"t.name, si.name, si.address, si.postcode, coalesce(ro.name, ''), " \
	"coalesce(fs.status, '') " \
	"FROM places p JOIN therapists t ON t.id = p.therapist_id " \
	"JOIN sites si ON si.id = p.site_id " \
	"LEFT JOIN rooms ro ON ro.id = p.room_id " \
	"LEFT JOIN series fs ON fs.id = p.from_series_id "

static void
place_read(sqlite3_stmt *st, void *out)
{
	struct db_place *p = out;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->therapist_id = sqlite3_column_int64(st, 1);
	p->site_id = sqlite3_column_int64(st, 2);
	p->room_id = sqlite3_column_int64(st, 3);
	p->weekday = sqlite3_column_int(st, 4);
	db_copy(p->start_local, sizeof(p->start_local), db_col(st, 5));
	p->length_min = sqlite3_column_int(st, 6);
	db_copy(p->first_date, sizeof(p->first_date), db_col(st, 7));
	p->from_series_id = sqlite3_column_int64(st, 8);
	db_copy(p->status, sizeof(p->status), db_col(st, 9));
	p->filled_by = sqlite3_column_int64(st, 10);
	p->series_id = sqlite3_column_int64(st, 11);
	db_copy(p->created_at, sizeof(p->created_at), db_col(st, 12));
	db_copy(p->confirmed_at, sizeof(p->confirmed_at), db_col(st, 13));
	db_copy(p->therapist, sizeof(p->therapist), db_col(st, 14));
	db_copy(p->site, sizeof(p->site), db_col(st, 15));
	db_copy(p->address, sizeof(p->address), db_col(st, 16));
	db_copy(p->postcode, sizeof(p->postcode), db_col(st, 17));
	db_copy(p->room, sizeof(p->room), db_col(st, 18));
	db_copy(p->from_status, sizeof(p->from_status), db_col(st, 19));
}

DB_ROW_CALL(place_row, struct db_place, place_read)

int
db_place_get(struct db *db, int64_t id, struct db_place *p)
{
	static const char sql[] = "SELECT " PLACE_COLS "WHERE p.id = ?";

	return db_one(db, db_stmt_with(db, sql, id), place_read, p);
}

/* The first column of st's one row as an id: the id, 0 none, -1. */
static int64_t
id_of(struct db *db, sqlite3_stmt *st)
{
	int64_t id = 0;
	int rc;

	if ((rc = db_next(db, st)) == 1) {
		id = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return rc == -1 ? -1 : id;
}

int
db_places_each(struct db *db, int64_t therapist_id, const char *status,
    int limit, void (*fn)(void *, const struct db_place *), void *arg)
{
	static const char sql[] = "SELECT " PLACE_COLS "WHERE (?1 = 0 OR "
	    "p.therapist_id = ?1) AND (?2 = '' OR (?2 = 'open') = (p.status = "
	    "'open')) ORDER BY p.id DESC LIMIT ?3";
	sqlite3_stmt *st = db_stmt_with(db, sql, therapist_id);

	if (st != NULL) {
		db_bind_text(st, 2, status);
		db_bind_int(st, 3, limit);
	}
	return db_each(db, st, place_row, (db_any_fn)fn, arg);
}

int64_t
db_places_open_count(struct db *db)
{
	static const char sql[] = "SELECT count(*) FROM places WHERE "
	    "status = 'open'";

	return id_of(db, db_stmt(db, sql));
}

int64_t
db_place_of_series(struct db *db, int64_t series_id)
{
	static const char sql[] = "SELECT id FROM places WHERE "
	    "from_series_id = ? ORDER BY id DESC LIMIT 1";

	return id_of(db, db_stmt_with(db, sql, series_id));
}

enum db_result
db_place_create(struct db *db, const struct db_place *p,
    const struct db_offer_rank *v, size_t n, int64_t user_id,
    const char *addr, int64_t *id)
{
	static const char sql_open[] = "SELECT id FROM places WHERE "
	    "from_series_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1";
	static const char sql_put[] = "INSERT INTO places (therapist_id, "
	    "site_id, room_id, weekday, start_local, length_min, first_date, "
	    "from_series_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_offer[] = "INSERT INTO offers (place_id, "
	    "referral_id, rank, score) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st;
	char now[21], detail[160];
	enum db_result res;
	int64_t have;
	size_t i;

	*id = 0;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if (p->from_series_id > 0) {
		if ((have = id_of(db, db_stmt_with(db, sql_open,
		    p->from_series_id))) == -1)
			goto fail;
		if (have > 0) {
			db_rollback(db);
			*id = have;
			return DB_DUPLICATE;
		}
	}
	db_now(now);
	if ((st = db_stmt_with(db, sql_put, p->therapist_id)) == NULL)
		goto fail;
	db_bind_int(st, 2, p->site_id);
	db_bind_id(st, 3, p->room_id);
	db_bind_int(st, 4, p->weekday);
	db_bind_text(st, 5, p->start_local);
	db_bind_int(st, 6, p->length_min);
	db_bind_text(st, 7, p->first_date);
	db_bind_id(st, 8, p->from_series_id);
	db_bind_text(st, 9, now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	*id = sqlite3_last_insert_rowid(db->conn);
	for (i = 0; i < n; i++) {
		if ((st = db_stmt_with(db, sql_offer, *id)) == NULL)
			goto fail;
		db_bind_int(st, 2, v[i].referral_id);
		db_bind_int(st, 3, (int64_t)i + 1);
		db_bind_int(st, 4, v[i].score);
		if (db_run(st) != SQLITE_DONE)
			goto fail;
	}
	if (p->from_series_id > 0)
		snprintf(detail, sizeof(detail), "place %lld freed (series "
		    "%lld), %zu people ranked", (long long)*id,
		    (long long)p->from_series_id, n);
	else
		snprintf(detail, sizeof(detail), "place %lld opened (therapist "
		    "%lld's caseload), %zu people ranked", (long long)*id,
		    (long long)p->therapist_id, n);
	if (db_audit(db, user_id, addr, "place-open", 0, 0, detail) == -1)
		goto fail;
	if ((res = db_tx_commit(db, "place create")) != DB_OK)
		*id = 0;
	return res;
fail:
	*id = 0;
	return db_tx_fail(db, db_errcode(db), "place create");
}

/* ---- offers ---- */

#define OFFER_COLS "o.id, o.place_id, o.referral_id, o.rank, o.score, " \
	"o.status, coalesce(o.sent_at, ''), coalesce(o.expires_at, ''), " \
	"coalesce(o.answered_at, ''), r.ref, r.given_name || ' ' || " \
	"r.family_name, r.email, r.status, EXISTS (SELECT 1 FROM audit a " \
	"WHERE a.referral_id = o.referral_id AND a.action = " \
	"'offer-unbookable' AND a.detail LIKE '%(offer ' || o.id || ')%') " \
	"FROM offers o JOIN referrals r ON r.id = o.referral_id "

static void
offer_read(sqlite3_stmt *st, struct db_offer *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->place_id = sqlite3_column_int64(st, 1);
	o->referral_id = sqlite3_column_int64(st, 2);
	o->rank = sqlite3_column_int(st, 3);
	o->score = sqlite3_column_int(st, 4);
	db_copy(o->status, sizeof(o->status), db_col(st, 5));
	db_copy(o->sent_at, sizeof(o->sent_at), db_col(st, 6));
	db_copy(o->expires_at, sizeof(o->expires_at), db_col(st, 7));
	db_copy(o->answered_at, sizeof(o->answered_at), db_col(st, 8));
	db_copy(o->ref, sizeof(o->ref), db_col(st, 9));
	db_copy(o->name, sizeof(o->name), db_col(st, 10));
	db_copy(o->email, sizeof(o->email), db_col(st, 11));
	db_copy(o->referral_status, sizeof(o->referral_status),
	    db_col(st, 12));
	o->unbookable = sqlite3_column_int(st, 13);
}

static void
offer_read_one(sqlite3_stmt *st, void *out)
{
	offer_read(st, out);
}

DB_ROW_CALL(offer_row, struct db_offer, offer_read)

int
db_offer_get(struct db *db, int64_t id, struct db_offer *o)
{
	static const char sql[] = "SELECT " OFFER_COLS "WHERE o.id = ?";

	return db_one(db, db_stmt_with(db, sql, id), offer_read_one, o);
}

int
db_offers_each(struct db *db, int64_t place_id, int64_t referral_id,
    void (*fn)(void *, const struct db_offer *), void *arg)
{
	static const char sql_place[] = "SELECT " OFFER_COLS
	    "WHERE o.place_id = ? ORDER BY o.rank";
	static const char sql_ref[] = "SELECT " OFFER_COLS
	    "WHERE o.referral_id = ? ORDER BY o.id DESC";

	return db_each(db, place_id > 0 ? db_stmt_with(db, sql_place,
	    place_id) : db_stmt_with(db, sql_ref, referral_id), offer_row,
	    (db_any_fn)fn, arg);
}

/* One person to send an offer to. */
struct next {
	int64_t	 offer_id;
	int64_t	 referral_id;
	char	 email[256];
	char	 name[128];
	int	 contact;
};

/*
 * Inside a write: sends place_id's next offers up to s->live live ones,
 * adding to *sent.  0, or -1.
 */
static int
place_top_up(struct db *db, int64_t place_id, const struct db_offer_send *s,
    int *sent)
{
	static const char sql_live[] = "SELECT count(*) FROM offers WHERE "
	    "place_id = ? AND status = 'sent'";
	static const char sql_next[] = "SELECT o.id, r.id, r.email, "
	    "r.given_name, r.consent_contact FROM offers o JOIN referrals r "
	    "ON r.id = o.referral_id WHERE o.place_id = ?1 AND o.status = "
	    "'proposed' AND r.status = 'waitlisted' AND NOT EXISTS (SELECT 1 "
	    "FROM offers x WHERE x.referral_id = o.referral_id AND x.status = "
	    "'sent') ORDER BY o.rank LIMIT ?2";
	static const char sql_send[] = "UPDATE offers SET status = 'sent', "
	    "sent_at = ?2, expires_at = ?3 WHERE id = ?1 AND status = "
	    "'proposed'";
	struct next v[16];
	sqlite3_stmt *st;
	char key[DB_OUTBOX_KEY_LEN], detail[96];
	int64_t live;
	size_t n = 0, i;
	int rc, want;

	if ((live = id_of(db, db_stmt_with(db, sql_live, place_id))) == -1)
		return -1;
	want = s->live - (int)live;
	if (want <= 0)
		return 0;
	if (want > (int)(sizeof(v) / sizeof(v[0])))
		want = (int)(sizeof(v) / sizeof(v[0]));
	if ((st = db_stmt_with(db, sql_next, place_id)) == NULL)
		return -1;
	db_bind_int(st, 2, want);
	while ((rc = db_next(db, st)) == 1) {
		v[n].offer_id = sqlite3_column_int64(st, 0);
		v[n].referral_id = sqlite3_column_int64(st, 1);
		db_copy(v[n].email, sizeof(v[n].email), db_col(st, 2));
		db_copy(v[n].name, sizeof(v[n].name), db_col(st, 3));
		v[n].contact = sqlite3_column_int(st, 4);
		n++;
	}
	if (rc == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt_with(db, sql_send, v[i].offer_id)) == NULL)
			return -1;
		db_bind_text(st, 2, s->now);
		db_bind_text(st, 3, s->expires);
		if (db_run(st) != SQLITE_DONE)
			return -1;
		snprintf(key, sizeof(key), "place_offer:%lld",
		    (long long)v[i].offer_id);
		if (v[i].email[0] != '\0' && v[i].contact &&
		    db_outbox_add(db, "place_offer", key, v[i].email,
		    v[i].name, v[i].referral_id, 0, s->msgid_domain) == -1)
			return -1;
		snprintf(detail, sizeof(detail), "place %lld offered (offer "
		    "%lld)", (long long)place_id, (long long)v[i].offer_id);
		if (db_audit(db, s->user_id, s->addr != NULL ? s->addr : "",
		    "offer-send", v[i].referral_id, 0, detail) == -1)
			return -1;
		(*sent)++;
	}
	return 0;
}

enum db_result
db_place_send(struct db *db, int64_t place_id, const struct db_offer_send *s,
    int *sent)
{
	static const char sql_confirm[] = "UPDATE places SET confirmed_at = "
	    "coalesce(confirmed_at, ?2) WHERE id = ?1 AND status = 'open'";
	sqlite3_stmt *st;
	enum db_result res;

	*sent = 0;
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((st = db_stmt_with(db, sql_confirm, place_id)) == NULL)
		goto fail;
	db_bind_text(st, 2, s->now);
	if ((res = db_tx_run_one(db, st, "place send")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	if (place_top_up(db, place_id, s, sent) == -1)
		goto fail;
	if ((res = db_tx_commit(db, "place send")) != DB_OK)
		*sent = 0;
	return res;
fail:
	*sent = 0;
	return db_tx_fail(db, db_errcode(db), "place send");
}

enum db_result
db_place_close(struct db *db, int64_t place_id, int64_t user_id,
    const char *addr)
{
	static const char sql_close[] = "UPDATE places SET status = 'closed' "
	    "WHERE id = ? AND status = 'open'";
	static const char sql_withdraw[] = "UPDATE offers SET status = "
	    "'withdrawn' WHERE place_id = ? AND status IN ('proposed', "
	    "'sent')";
	char detail[64];
	enum db_result res;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((res = db_tx_run_one(db, db_stmt_with(db, sql_close, place_id),
	    "place close")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	if (db_run(db_stmt_with(db, sql_withdraw, place_id)) != SQLITE_DONE)
		goto fail;
	snprintf(detail, sizeof(detail), "place %lld closed",
	    (long long)place_id);
	if (db_audit(db, user_id, addr, "place-close", 0, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "place close");
fail:
	return db_tx_fail(db, db_errcode(db), "place close");
}

int
db_offers_tick(struct db *db, const struct db_offer_send *s)
{
	static const char sql_expire[] = "UPDATE offers SET status = "
	    "'expired', answered_at = ?1 WHERE status = 'sent' AND "
	    "expires_at <= ?1";
	static const char sql_places[] = "SELECT id FROM places WHERE "
	    "status = 'open' AND confirmed_at IS NOT NULL ORDER BY id "
	    "LIMIT 1000";
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, i;
	int rc, changed = 0;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((st = db_stmt(db, sql_expire)) == NULL)
		goto fail;
	db_bind_text(st, 1, s->now);
	if ((changed = db_run_count(db, st, NULL)) == -1)
		goto fail;
	/* Collect first: sending reuses the connection's statements. */
	st = db_stmt(db, sql_places);
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((ids = realloc(ids, cap * sizeof(*ids))) == NULL)
				abort();
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (place_top_up(db, ids[i], s, &changed) == -1)
			goto fail;
	free(ids);
	if (db_tx_commit(db, "offers tick") != DB_OK)
		return -1;
	return changed;
fail:
	free(ids);
	(void)db_tx_fail(db, db_errcode(db), "offers tick");
	return -1;
}

enum db_claim
db_offer_claim(struct db *db, int64_t offer_id, const char *now)
{
	static const char sql_state[] = "SELECT o.status, o.expires_at, "
	    "p.status, coalesce(p.filled_by, 0), o.referral_id FROM offers o "
	    "JOIN places p ON p.id = o.place_id WHERE o.id = ?";
	static const char sql_mark[] = "UPDATE offers SET status = ?2, "
	    "answered_at = ?3 WHERE id = ?1";
	static const char sql_fill[] = "UPDATE places SET status = 'filled', "
	    "filled_by = ?2 WHERE id = (SELECT place_id FROM offers WHERE "
	    "id = ?1) AND status = 'open'";
	sqlite3_stmt *st;
	char status[12], expires[21], pstatus[8];
	int64_t filled_by, referral;
	const char *to;
	int rc;

	if ((st = db_stmt_with(db, sql_state, offer_id)) == NULL)
		return DB_CLAIM_ERROR;
	if ((rc = db_next(db, st)) != 1)
		return rc == 0 ? DB_CLAIM_ENDED : DB_CLAIM_ERROR;
	db_copy(status, sizeof(status), db_col(st, 0));
	db_copy(expires, sizeof(expires), db_col(st, 1));
	db_copy(pstatus, sizeof(pstatus), db_col(st, 2));
	filled_by = sqlite3_column_int64(st, 3);
	referral = sqlite3_column_int64(st, 4);
	db_done(st);
	if (strcmp(status, "accepted") == 0)
		return DB_CLAIM_DONE;
	if (strcmp(status, "taken") == 0)
		return DB_CLAIM_TAKEN;
	if (strcmp(status, "sent") != 0)
		return DB_CLAIM_ENDED;
	if (strcmp(pstatus, "open") == 0 && strcmp(expires, now) <= 0)
		to = "expired";
	else if (strcmp(pstatus, "open") != 0)
		to = filled_by > 0 && filled_by != referral ? "taken" :
		    "withdrawn";
	else
		to = "accepted";
	if ((st = db_stmt_with(db, sql_mark, offer_id)) == NULL)
		return DB_CLAIM_ERROR;
	db_bind_text(st, 2, to);
	db_bind_text(st, 3, now);
	if (db_run(st) != SQLITE_DONE)
		return DB_CLAIM_ERROR;
	if (strcmp(to, "accepted") != 0)
		return strcmp(to, "taken") == 0 ? DB_CLAIM_TAKEN :
		    DB_CLAIM_ENDED;
	if ((st = db_stmt_with(db, sql_fill, offer_id)) == NULL)
		return DB_CLAIM_ERROR;
	db_bind_int(st, 2, referral);
	if (db_run_count(db, st, NULL) != 1)
		return DB_CLAIM_ERROR;
	return DB_CLAIM_OK;
}

int
db_offer_accepted(struct db *db, int64_t offer_id, int64_t series_id,
    const char *addr, const char *domain)
{
	static const char sql_series[] = "UPDATE places SET series_id = ?2 "
	    "WHERE id = (SELECT place_id FROM offers WHERE id = ?1)";
	static const char sql_others[] = "UPDATE offers SET status = CASE "
	    "status WHEN 'sent' THEN 'taken' ELSE 'withdrawn' END WHERE "
	    "place_id = (SELECT place_id FROM offers WHERE id = ?1) AND "
	    "id != ?1 AND status IN ('sent', 'proposed')";
	/* Their other proposed offers: they have a place now. */
	static const char sql_theirs[] = "UPDATE offers SET status = "
	    "'withdrawn' WHERE referral_id = (SELECT referral_id FROM offers "
	    "WHERE id = ?1) AND id != ?1 AND status = 'proposed'";
	struct db_offer o;
	sqlite3_stmt *st;
	char part[32], detail[128];

	if (db_offer_get(db, offer_id, &o) != 1)
		return -1;
	if ((st = db_stmt_with(db, sql_series, offer_id)) == NULL)
		return -1;
	db_bind_id(st, 2, series_id);
	if (db_run(st) != SQLITE_DONE ||
	    db_run(db_stmt_with(db, sql_others, offer_id)) != SQLITE_DONE ||
	    db_run(db_stmt_with(db, sql_theirs, offer_id)) != SQLITE_DONE)
		return -1;
	snprintf(part, sizeof(part), "%lld", (long long)offer_id);
	if (db_staff_notify(db, "offer_accepted", part, o.referral_id,
	    series_id, domain) == -1)
		return -1;
	snprintf(detail, sizeof(detail), SELF_WHO ": accepted place %lld "
	    "(offer %lld)", (long long)o.place_id, (long long)offer_id);
	return db_audit(db, 0, addr, "offer-accept", o.referral_id, 0,
	    detail) == -1 ? -1 : 0;
}

enum db_result
db_offer_decline(struct db *db, int64_t offer_id,
    const struct db_offer_send *s)
{
	static const char sql_decline[] = "UPDATE offers SET status = "
	    "'declined', answered_at = ?2 WHERE id = ?1 AND status = 'sent'";
	struct db_offer o;
	sqlite3_stmt *st;
	enum db_result res;
	char detail[128];
	int rc, sent = 0;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = db_offer_get(db, offer_id, &o)) == -1)
		goto fail;
	if (rc == 0 || strcmp(o.status, "sent") != 0) {
		db_rollback(db);
		return rc == 1 && strcmp(o.status, "declined") == 0 ?
		    DB_DUPLICATE : DB_INVALID;
	}
	if ((st = db_stmt_with(db, sql_decline, offer_id)) == NULL)
		goto fail;
	db_bind_text(st, 2, s->now);
	if (db_run(st) != SQLITE_DONE)
		goto fail;
	snprintf(detail, sizeof(detail), SELF_WHO ": said no to place %lld "
	    "(offer %lld)", (long long)o.place_id, (long long)offer_id);
	if (db_audit(db, 0, s->addr != NULL ? s->addr : "", "offer-decline",
	    o.referral_id, 0, detail) == -1)
		goto fail;
	if (place_top_up(db, o.place_id, s, &sent) == -1)
		goto fail;
	return db_tx_commit(db, "offer decline");
fail:
	return db_tx_fail(db, db_errcode(db), "offer decline");
}

enum db_result
db_offer_unbookable(struct db *db, int64_t offer_id, const char *why,
    const char *addr, const char *domain)
{
	static const char sql[] = "UPDATE offers SET status = 'taken', "
	    "answered_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? "
	    "AND status = 'sent'";
	struct db_offer o;
	enum db_result res;
	char part[32], detail[512];
	int n;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if (db_offer_get(db, offer_id, &o) != 1 || (n = db_run_count(db,
	    db_stmt_with(db, sql, offer_id), NULL)) == -1)
		goto fail;
	if (n == 0) {
		/* Ended or told already: once only. */
		db_rollback(db);
		return DB_DUPLICATE;
	}
	snprintf(part, sizeof(part), "%lld", (long long)offer_id);
	snprintf(detail, sizeof(detail), SELF_WHO ": said yes, but place "
	    "%lld could not be booked (offer %lld): %s", (long long)o.place_id,
	    (long long)offer_id, why != NULL ? why : "");
	if (db_staff_notify(db, "offer_unbookable", part, o.referral_id, 0,
	    domain) == -1 || db_audit(db, 0, addr, "offer-unbookable",
	    o.referral_id, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "offer unbookable");
fail:
	return db_tx_fail(db, db_errcode(db), "offer unbookable");
}

/* The most series ids series_ids_each hands on. */
#define SERIES_IDS_MAX	64

/*
 * The series ids st yields, at most max (<= SERIES_IDS_MAX), to fn once
 * the statement is done (fn may write).  0, or -1.
 */
static int
series_ids_each(struct db *db, sqlite3_stmt *st, size_t max,
    void (*fn)(void *, int64_t), void *arg)
{
	int64_t ids[SERIES_IDS_MAX];
	size_t n = 0, i;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1)
		if (n < max && n < SERIES_IDS_MAX)
			ids[n++] = sqlite3_column_int64(st, 0);
	if (rc == -1)
		return -1;
	for (i = 0; i < n; i++)
		fn(arg, ids[i]);
	return 0;
}

int
db_freed_series_each(struct db *db, const char *since, int limit,
    void (*fn)(void *, int64_t), void *arg)
{
	static const char sql[] = "SELECT s.id FROM series s WHERE "
	    "s.client_id IS NOT NULL AND s.status IN ('ended', 'cancelled') "
	    "AND coalesce(s.ended_from, s.updated_at) >= ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM places p WHERE p.from_series_id = s.id) "
	    "ORDER BY s.id DESC LIMIT ?2";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	if (limit > SERIES_IDS_MAX)
		limit = SERIES_IDS_MAX;
	db_bind_text(st, 1, since);
	db_bind_int(st, 2, limit);
	return series_ids_each(db, st, SERIES_IDS_MAX, fn, arg);
}

int
db_referral_freed_each(struct db *db, int64_t referral_id, const char *since,
    int64_t now, void (*fn)(void *, int64_t), void *arg)
{
	static const char sql[] = "SELECT s.id FROM series s JOIN clients c "
	    "ON c.id = s.client_id WHERE c.referral_id = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM places p WHERE p.from_series_id = s.id) AND "
	    "((s.status IN ('ended', 'cancelled') AND coalesce(s.ended_from, "
	    "s.updated_at) >= ?2) OR (s.status = 'active' AND EXISTS (SELECT "
	    "1 FROM occurrences o WHERE o.series_id = s.id AND o.start_utc > "
	    "?3) AND NOT EXISTS (SELECT 1 FROM occurrences o WHERE "
	    "o.series_id = s.id AND o.start_utc > ?3 AND o.state != "
	    "'cancelled'))) ORDER BY s.id DESC LIMIT 16";
	sqlite3_stmt *st = db_stmt_with(db, sql, referral_id);

	if (st != NULL) {
		db_bind_text(st, 2, since);
		db_bind_int(st, 3, now);
	}
	return series_ids_each(db, st, 16, fn, arg);
}

int64_t
db_series_left(struct db *db, int64_t series_id, int64_t now)
{
	static const char sql[] = "SELECT count(*) FROM occurrences WHERE "
	    "series_id = ?1 AND start_utc > ?2 AND state != 'cancelled'";
	sqlite3_stmt *st = db_stmt_with(db, sql, series_id);

	if (st != NULL)
		db_bind_int(st, 2, now);
	return id_of(db, st);
}

int64_t
db_offers_count(struct db *db, const char *status, const char *since,
    const char *until)
{
	static const char sql[] = "SELECT count(*) FROM offers WHERE "
	    "(?1 = '' OR status = ?1) AND coalesce(sent_at, '') >= ?2 "
	    "AND (?3 = '' OR sent_at < ?3)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, status);
	db_bind_text(st, 2, since);
	db_bind_text(st, 3, until);
	return id_of(db, st);
}

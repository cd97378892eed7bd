/*
 * db/contacts: referrers and contacts (contacts.h).  The emails they get
 * are queued by the triggers of 014-referrers-contacts.sql.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/contacts.h"
#include "db/db_int.h"
#include "db/staff.h"

const char *const relationship_names[REL__MAX] = {
	"parent", "carer", "family", "teacher", "gp", "health_professional",
	"social_worker", "partner_staff", "other"
};
const char *const relationship_labels[REL__MAX] = {
	"Parent or guardian", "Carer", "Family member", "Teacher", "GP",
	"Other health professional", "Social worker",
	"Partner organisation staff", "Someone else"
};

/* Where each kind of referrer's referrals come from, in the queue. */
static const char *const relationship_sources[REL__MAX] = {
	"parent", "carer", "carer", "professional", "professional",
	"professional", "professional", "partner", "other_person"
};

const char *const arranger_names[ARR__MAX] = { "person", "referrer", "other" };

const char *const contact_role_names[CROLE__MAX] = {
	"parent", "guardian", "carer", "key_worker", "care_home", "family",
	"other"
};
const char *const contact_role_labels[CROLE__MAX] = {
	"Parent", "Guardian", "Carer", "Key worker", "Care home contact",
	"Family member", "Other"
};

const char *
db_relationship_source(enum relationship rel)
{
	return rel >= 0 && rel < REL__MAX ? relationship_sources[rel] :
	    "other_person";
}

const char *
db_source_label(const char *source)
{
	static const struct {
		const char	*name, *label;
	} labels[] = {
		{ "self", "Self-referral" },
		{ "easy_read", "Self-referral (Easy Read)" },
		{ "parent", "Parent or guardian" },
		{ "carer", "Carer or family" },
		{ "professional", "Professional" },
		{ "partner", "Partner organisation" },
		{ "other_person", "Someone on their behalf" },
		{ "phone", "Phone call" },
		{ "gp", "GP or health professional" },
		{ "other", "Other" },
	};
	size_t i;

	for (i = 0; source != NULL && i < sizeof(labels) / sizeof(labels[0]);
	    i++)
		if (strcmp(labels[i].name, source) == 0)
			return labels[i].label;
	return source != NULL && *source != '\0' ? source : "Unknown";
}

static const char sql_referrer_insert[] =
    "INSERT INTO referrers (referral_id, name, email, phone, relationship,"
    " organisation, person_agrees, arranger, wants_updates)"
    " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)";
static const char sql_contact_insert[] =
    "INSERT INTO contacts (referral_id, name, email, phone, role,"
    " gets_confirmations, gets_reminders, gets_changes, arranges, consent,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_referrer_load[] =
    "SELECT name, email, phone, relationship, organisation, arranger,"
    " wants_updates FROM referrers WHERE referral_id = ?";
static const char sql_contacts[] =
    "SELECT id, referral_id, name, email, phone, role, gets_confirmations,"
    " gets_reminders, gets_changes, arranges, consent,"
    " unsubscribed_at IS NOT NULL FROM contacts"
    " WHERE referral_id = ? AND removed_at IS NULL ORDER BY id";
static const char sql_contact_remove[] =
    "UPDATE contacts SET removed_at = ?3 WHERE id = ?2 AND referral_id = ?1"
    " AND removed_at IS NULL";
static const char sql_contact_unsub[] =
    "UPDATE contacts SET unsubscribed_at = ?2 WHERE id = ?1"
    " AND unsubscribed_at IS NULL";
static const char sql_contact_unsub_drop[] =
    "UPDATE outbox SET status = 'dropped', dedupe_key = dedupe_key || '~'"
    " || id, last_error = 'not sent: the contact unsubscribed'"
    " WHERE contact_id = ? AND status = 'queued'";
static const char sql_referral_exists[] =
    "SELECT 1 FROM referrals WHERE id = ?";

/* Inserts one contact of referral rid; the SQLite code. */
static int
contact_insert(struct db *db, int64_t rid, const struct db_contact *c,
    const char *now)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, sql_contact_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, rid);
	db_bind_text(st, 2, c->name);
	db_bind_text(st, 3, c->email);
	db_bind_text(st, 4, c->phone);
	db_bind_text(st, 5, c->role);
	db_bind_int(st, 6, c->gets_confirmations != 0);
	db_bind_int(st, 7, c->gets_reminders != 0);
	db_bind_int(st, 8, c->gets_changes != 0);
	db_bind_int(st, 9, c->arranges != 0);
	db_bind_int(st, 10, c->consent != 0);
	db_bind_text(st, 11, now);
	return db_run(st);
}

int
db_referral_people_insert(struct db *db, int64_t rid,
    const struct db_referrer *f, const struct db_contact *cs, size_t n)
{
	sqlite3_stmt *st;
	char now[21];
	size_t i;

	db_now(now);
	if (f != NULL) {
		if ((st = db_stmt(db, sql_referrer_insert)) == NULL)
			return -1;
		db_bind_int(st, 1, rid);
		db_bind_text(st, 2, f->name);
		db_bind_text(st, 3, f->email);
		db_bind_text(st, 4, f->phone);
		db_bind_text(st, 5, f->relationship);
		db_bind_text(st, 6, f->organisation);
		db_bind_text(st, 7, f->arranger);
		db_bind_int(st, 8, f->wants_updates != 0);
		if (db_run(st) != SQLITE_DONE)
			return -1;
	}
	for (i = 0; i < n; i++)
		if (contact_insert(db, rid, &cs[i], now) != SQLITE_DONE)
			return -1;
	return 0;
}

int
db_referrer_load(struct db *db, int64_t id, struct db_referrer *out,
    char **store)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_referrer_load, id);
	size_t len = 0, i;
	char *p;
	const char **dst[6];
	int rc;

	*store = NULL;
	memset(out, 0, sizeof(*out));
	if ((rc = db_next(db, st)) != 1)
		return rc;
	dst[0] = &out->name;
	dst[1] = &out->email;
	dst[2] = &out->phone;
	dst[3] = &out->relationship;
	dst[4] = &out->organisation;
	dst[5] = &out->arranger;
	for (i = 0; i < 6; i++)
		len += strlen(db_col(st, (int)i)) + 1;
	if ((p = *store = malloc(len)) == NULL) {
		db_done(st);
		return -1;
	}
	for (i = 0; i < 6; i++) {
		len = strlen(db_col(st, (int)i)) + 1;
		memcpy(p, db_col(st, (int)i), len);
		*dst[i] = p;
		p += len;
	}
	out->wants_updates = sqlite3_column_int(st, 6);
	db_done(st);
	return 1;
}

int
db_contacts_each(struct db *db, int64_t id,
    void (*fn)(void *, const struct db_contact *), void *arg)
{
	sqlite3_stmt *st = db_stmt_with(db, sql_contacts, id);
	struct db_contact c;
	int rc;

	while ((rc = db_next(db, st)) == 1) {
		memset(&c, 0, sizeof(c));
		c.id = sqlite3_column_int64(st, 0);
		c.referral_id = sqlite3_column_int64(st, 1);
		c.name = db_col(st, 2);
		c.email = db_col(st, 3);
		c.phone = db_col(st, 4);
		c.role = db_col(st, 5);
		c.gets_confirmations = sqlite3_column_int(st, 6);
		c.gets_reminders = sqlite3_column_int(st, 7);
		c.gets_changes = sqlite3_column_int(st, 8);
		c.arranges = sqlite3_column_int(st, 9);
		c.consent = sqlite3_column_int(st, 10);
		c.unsubscribed = sqlite3_column_int(st, 11);
		fn(arg, &c);
	}
	return rc == 0 ? 0 : -1;
}

enum db_result
db_contact_add(struct db *db, struct db_contact *c, int64_t user_id,
    const char *addr)
{
	sqlite3_stmt *st;
	enum db_result res;
	char now[21], detail[160];
	int rc;

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	if ((rc = db_next(db, st = db_stmt_with(db, sql_referral_exists,
	    c->referral_id))) != 1) {
		if (rc == 0) {
			db_rollback(db);
			return DB_INVALID;
		}
		goto fail;
	}
	db_done(st);
	db_now(now);
	if ((rc = contact_insert(db, c->referral_id, c, now)) != SQLITE_DONE)
		return db_tx_fail(db, rc, "contact add");
	c->id = sqlite3_last_insert_rowid(db->conn);
	(void)snprintf(detail, sizeof(detail), "added contact %lld (%s)",
	    (long long)c->id, c->role);
	if (db_audit(db, user_id, addr, "contact", c->referral_id, 0,
	    detail) == -1)
		goto fail;
	return db_tx_commit(db, "contact add");
fail:
	return db_tx_fail(db, db_errcode(db), "contact add");
}

enum db_result
db_contact_remove(struct db *db, int64_t rid, int64_t id, int64_t user_id,
    const char *addr)
{
	sqlite3_stmt *st;
	enum db_result res;
	char now[21], detail[64];

	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	db_now(now);
	if ((st = db_stmt(db, sql_contact_remove)) == NULL)
		goto fail;
	db_bind_int(st, 1, rid);
	db_bind_int(st, 2, id);
	db_bind_text(st, 3, now);
	if ((res = db_tx_run_one(db, st, "contact remove")) != DB_OK)
		return res == DB_CONFLICT ? DB_INVALID : res;
	/* Copies not yet sent are not sent. */
	if (db_run(db_stmt_with(db, sql_contact_unsub_drop, id)) !=
	    SQLITE_DONE)
		goto fail;
	(void)snprintf(detail, sizeof(detail), "removed contact %lld",
	    (long long)id);
	if (db_audit(db, user_id, addr, "contact", rid, 0, detail) == -1)
		goto fail;
	return db_tx_commit(db, "contact remove");
fail:
	return db_tx_fail(db, db_errcode(db), "contact remove");
}

int
db_contact_unsubscribe(struct db *db, int64_t id)
{
	sqlite3_stmt *st;
	char now[21];

	if (db_tx_begin(db) != DB_OK)
		return -1;
	db_now(now);
	if ((st = db_stmt(db, sql_contact_unsub)) == NULL)
		goto fail;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, now);
	if (db_run(st) != SQLITE_DONE ||
	    db_run(db_stmt_with(db, sql_contact_unsub_drop, id)) !=
	    SQLITE_DONE)
		goto fail;
	return db_tx_commit(db, "contact unsubscribe") == DB_OK ? 0 : -1;
fail:
	(void)db_tx_fail(db, db_errcode(db), "contact unsubscribe");
	return -1;
}

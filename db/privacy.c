/*
 * db/privacy: export, erase and purge one person's data (see
 * db/privacy.h for what each keeps and removes).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/privacy.h"
#include "db/staff.h"
#include "util/buf.h"

/* Their caseload entries, and the series of those (?1: referral id). */
#define CLIENTS	"(SELECT id FROM clients WHERE referral_id = ?1)"
#define OWN_SERIES "(SELECT id FROM series WHERE client_id IN " CLIENTS ")"
/*
 * An audit line as its person sees it: the time, the role that acted
 * ("coordinator", "therapist"; "you" for their own link, "system" for
 * the office's tools) and what was done in words.  The line's detail,
 * user and address are left out: they name staff.
 */
#define AUDIT_SEEN "a.id AS id, a.at AS at, CASE WHEN u.role IS NOT NULL THEN " \
	"replace(u.role, 'admin', 'administrator') WHEN a.action " \
	"GLOB 'self-*' OR a.action = 'unsubscribe' THEN 'you' ELSE " \
	"'system' END AS by_role, a.action AS action, CASE a.action " \
	"WHEN 'view' THEN 'opened the referral' " \
	"WHEN 'client-view' THEN 'opened the client record' " \
	"WHEN 'export' THEN 'downloaded everything held about you' " \
	"WHEN 'create' THEN 'entered the referral' " \
	"WHEN 'status' THEN 'changed the referral''s state' " \
	"WHEN 'note' THEN 'added a note to the referral' " \
	"WHEN 'note-write' THEN 'wrote a session note' " \
	"WHEN 'note-correct' THEN 'corrected a session note' " \
	"WHEN 'goal-add' THEN 'added a goal' " \
	"WHEN 'summary-write' THEN 'wrote the closing summary' " \
	"WHEN 'referral-edit' THEN 'corrected the referral' " \
	"WHEN 'assign' THEN 'assigned a therapist' " \
	"WHEN 'client-add' THEN 'opened the client record' " \
	"WHEN 'book' THEN 'booked sessions' " \
	"WHEN 'cancel' THEN 'cancelled a session' " \
	"WHEN 'move' THEN 'moved a session' " \
	"WHEN 'end-series' THEN 'ended the weekly sessions' " \
	"WHEN 'reinstate' THEN 'put a session back on' " \
	"WHEN 'undo-booking' THEN 'undid a booking' " \
	"WHEN 'undo-move' THEN 'moved a session back' " \
	"WHEN 'cover' THEN 'arranged another therapist' " \
	"WHEN 'contact' THEN 'changed the contacts' " \
	"WHEN 'group-join' THEN 'added to a group' " \
	"WHEN 'erase' THEN 'erased the record' " \
	"ELSE replace(a.action, '-', ' ') END AS what"
#define ALL_SERIES "(SELECT id FROM series WHERE client_id IN " CLIENTS \
	" OR group_id IN (SELECT group_id FROM group_members" \
	" WHERE client_id IN " CLIENTS "))"

/* ---- JSON ---- */

/* Appends s as a JSON string; invalid UTF-8 becomes U+FFFD. */
static void
json_str(struct buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, k, len;
	unsigned c;

	buf_putc(b, '"');
	while (i < n) {
		c = s[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (int)c);
			i++;
		} else if (c < 0x20) {
			if (c == '\n')
				buf_puts(b, "\\n");
			else if (c == '\t')
				buf_puts(b, "\\t");
			else if (c == '\r')
				buf_puts(b, "\\r");
			else {
				buf_puts(b, "\\u00");
				buf_putc(b, hex[c >> 4]);
				buf_putc(b, hex[c & 15]);
			}
			i++;
		} else if (c < 0x80) {
			buf_putc(b, (int)c);
			i++;
		} else {
			/* A whole, shortest-form sequence, or U+FFFD. */
			len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 &&
			    c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
			for (k = 1; len > 0 && k < len; k++)
				if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
					len = 0;
			if (len == 3 && ((c == 0xe0 && s[i + 1] < 0xa0) ||
			    (c == 0xed && s[i + 1] >= 0xa0)))
				len = 0;
			if (len == 4 && ((c == 0xf0 && s[i + 1] < 0x90) ||
			    (c == 0xf4 && s[i + 1] >= 0x90)))
				len = 0;
			if (len == 0) {
				buf_puts(b, "\\ufffd");
				i++;
			} else {
				buf_append(b, s + i, len);
				i += len;
			}
		}
	}
	buf_putc(b, '"');
}

/* Appends column i of the current row as a JSON value. */
static void
json_col(struct buf *b, sqlite3_stmt *st, int i)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	double d;
	int n, k;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, i);
		if (isfinite(d))
			buf_printf(b, "%.17g", d);
		else
			buf_puts(b, "null");
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(st, i);
		json_str(b, p, (size_t)sqlite3_column_bytes(st, i));
		break;
	case SQLITE_BLOB:
		/* As hex text: a form's nonce, a cached body. */
		p = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		buf_putc(b, '"');
		for (k = 0; k < n; k++) {
			buf_putc(b, hex[p[k] >> 4]);
			buf_putc(b, hex[p[k] & 15]);
		}
		buf_putc(b, '"');
		break;
	default:
		buf_puts(b, "null");
	}
}

/* Appends the current row as an object of its columns. */
static void
json_row(struct buf *b, sqlite3_stmt *st)
{
	const char *name;
	int i, n = sqlite3_column_count(st);

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		name = sqlite3_column_name(st, i);
		json_str(b, (const unsigned char *)(name ? name : ""),
		    name ? strlen(name) : 0);
		buf_puts(b, ": ");
		json_col(b, st, i);
	}
	buf_putc(b, '}');
}

/*
 * Appends ,\n  "key": [rows] for sql (?1: the referral id), or with
 * one_row the first row's object (null when none).  Returns the number
 * of rows, or -1.
 */
static int64_t
json_section(struct db *db, struct buf *b, const char *key, const char *sql,
    int64_t id, int one_row)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t n = 0;
	int rc;

	if (st == NULL)
		return -1;
	buf_printf(b, ",\n  \"%s\": ", key);
	(void)sqlite3_bind_int64(st, 1, id);
	if (!one_row)
		buf_putc(b, '[');
	while ((rc = db_next(db, st)) == 1) {
		if (one_row && n > 0)
			continue;
		if (n > 0)
			buf_putc(b, ',');
		if (!one_row)
			buf_puts(b, "\n    ");
		json_row(b, st);
		n++;
	}
	if (one_row && n == 0)
		buf_puts(b, "null");
	if (!one_row)
		buf_puts(b, n > 0 ? "\n  ]" : "]");
	return rc == 0 ? n : -1;
}

/*
 * What an export holds, section by section.  A section whose table is
 * named is left out when the table does not exist (a migration of
 * another module not yet applied).
 */
static const struct {
	const char	*key;
	const char	*sql;
	int		 one_row;
	const char	*table;
} sections[] = {
	{ "referral", "SELECT * FROM referrals WHERE id = ?1", 1, NULL },
	{ "referral_sites", "SELECT rs.*, s.name AS site_name FROM "
	    "referral_sites rs JOIN sites s ON s.id = rs.site_id "
	    "WHERE rs.referral_id = ?1 ORDER BY rs.site_id", 0, NULL },
	/* Who referred them and the contacts on their record (014): who
	 * speaks for them and what each may receive is theirs to see. */
	{ "referrer", "SELECT * FROM referrers WHERE referral_id = ?1", 1,
	    "referrers" },
	{ "contacts", "SELECT * FROM contacts WHERE referral_id = ?1 "
	    "ORDER BY id", 0, "contacts" },
	{ "referral_events", "SELECT e.*, u.name AS user_name FROM "
	    "referral_events e LEFT JOIN users u ON u.id = e.user_id "
	    "WHERE e.referral_id = ?1 ORDER BY e.id", 0, NULL },
	{ "referral_notes", "SELECT n.*, u.name AS user_name FROM "
	    "referral_notes n LEFT JOIN users u ON u.id = n.user_id "
	    "WHERE n.referral_id = ?1 ORDER BY n.id", 0, NULL },
	{ "session_notes", "SELECT n.*, u.name AS user_name FROM "
	    "session_notes n LEFT JOIN users u ON u.id = n.written_by "
	    "WHERE n.referral_id = ?1 ORDER BY n.occ_date, n.id", 0,
	    "session_notes" },
	{ "session_note_versions", "SELECT v.*, u.name AS user_name FROM "
	    "session_note_versions v JOIN session_notes n ON n.id = v.note_id "
	    "LEFT JOIN users u ON u.id = v.written_by WHERE n.referral_id = "
	    "?1 ORDER BY v.id", 0, "session_note_versions" },
	{ "goals", "SELECT * FROM client_goals WHERE referral_id = ?1 "
	    "ORDER BY id", 0, "client_goals" },
	{ "closing_summary", "SELECT * FROM work_summaries WHERE "
	    "referral_id = ?1", 1, "work_summaries" },
	{ "referral_corrections", "SELECT * FROM referral_edits WHERE "
	    "referral_id = ?1 ORDER BY id", 0, "referral_edits" },
	{ "clients", "SELECT c.*, t.name AS therapist_name FROM clients c "
	    "LEFT JOIN therapists t ON t.id = c.therapist_id "
	    "WHERE c.referral_id = ?1 ORDER BY c.id", 0, NULL },
	{ "group_members", "SELECT m.*, g.name AS group_name FROM "
	    "group_members m JOIN groups g ON g.id = m.group_id "
	    "WHERE m.client_id IN " CLIENTS " ORDER BY m.group_id, "
	    "m.client_id", 0, NULL },
	{ "series", "SELECT * FROM series WHERE id IN " ALL_SERIES
	    " ORDER BY id", 0, NULL },
	{ "sessions", "SELECT * FROM occurrences WHERE series_id IN "
	    ALL_SERIES " ORDER BY start_utc, id", 0, NULL },
	{ "exceptions", "SELECT * FROM exceptions WHERE series_id IN "
	    ALL_SERIES " ORDER BY series_id, occ_date", 0, NULL },
	{ "attendance", "SELECT * FROM attendance WHERE client_id IN "
	    CLIENTS " ORDER BY series_id, occ_date, client_id", 0, NULL },
	/* Emails to them and their contacts with the address used; a
	 * notice to staff about them says which role got it, never the
	 * member of staff's name or address. */
	{ "emails", "SELECT o.id AS id, o.kind AS kind, CASE WHEN "
	    "o.user_id IS NULL THEN o.to_addr ELSE '' END AS to_addr, "
	    "CASE WHEN o.user_id IS NULL THEN o.to_name ELSE '' END AS "
	    "to_name, CASE WHEN o.user_id IS NULL THEN CASE WHEN "
	    "o.contact_id IS NULL THEN 'you' ELSE 'your contact' END ELSE "
	    "replace(coalesce(u.role, 'staff'), 'admin', 'administrator') "
	    "END AS to_whom, o.status AS status, o.created_at AS created_at, "
	    "o.sent_at AS sent_at FROM outbox o LEFT JOIN users u ON "
	    "u.id = o.user_id WHERE o.referral_id = ?1 ORDER BY o.id", 0,
	    NULL },
	/* Lines naming the referral, or in their detail one of the
	 * client's series ("booked series 3") or caseload entries: what
	 * the person is owed (when, by which role, what was done), never
	 * a member of staff's name, email or address (AUDIT_SEEN). */
	{ "audit", "SELECT " AUDIT_SEEN " FROM audit a "
	    "LEFT JOIN users u ON u.id = a.user_id WHERE a.referral_id = ?1 "
	    "OR EXISTS (SELECT 1 FROM series s WHERE s.id IN " OWN_SERIES
	    " AND (' ' || a.detail || ' ') GLOB ('* series ' || s.id || "
	    "'[^0-9]*')) OR EXISTS (SELECT 1 FROM clients c WHERE "
	    "c.referral_id = ?1 AND (' ' || a.detail || ' ') GLOB "
	    "('* client ' || c.id || '[^0-9]*')) ORDER BY a.id", 0, NULL },
	{ "outcomes", "SELECT * FROM outcomes WHERE referral_id = ?1", 0,
	    NULL },
	{ "unsubscribes", "SELECT * FROM unsubscribes WHERE referral_id = ?1",
	    0, "unsubscribes" },
	/* The family survey about them (025): what each contact asked
	 * answered, the contact named by role only ("parent"). */
	{ "family_surveys", "SELECT s.id AS id, coalesce(c.role, "
	    "'contact') AS to_whom, s.sent_at AS sent_at, s.answered_at AS "
	    "answered_at, s.q1 AS relationship_improved, s.comment AS "
	    "comment FROM surveys s LEFT JOIN contacts c ON c.id = "
	    "s.contact_id WHERE s.kind = 'family' AND s.referral_id = ?1 "
	    "ORDER BY s.id", 0, "surveys" },
	{ "erasure", "SELECT * FROM erasures WHERE referral_id = ?1", 1,
	    NULL },
};

/* 1 when the table exists, 0 not, -1 error. */
static int
table_exists(struct db *db, const char *name)
{
	static const char sql[] = "SELECT 1 FROM sqlite_schema "
	    "WHERE type = 'table' AND name = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, name);
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

int
db_privacy_export(struct db *db, int64_t referral_id, struct buf *out)
{
	static const char sql_exists[] = "SELECT 1 FROM referrals WHERE id = ?";
	sqlite3_stmt *st;
	char now[21];
	size_t i;
	int rc, ret = -1;

	st = db_stmt_with(db, sql_exists, referral_id);
	if ((rc = db_next(db, st)) != 1)
		return rc;
	db_done(st);
	/* One snapshot for every section. */
	if (db_read_begin(db) == -1)
		return -1;
	db_now(now);
	buf_printf(out, "{\n  \"format\": \"tutti-client-export/1\",\n"
	    "  \"client_id\": %lld,\n  \"exported_at\": \"%s\",\n"
	    "  \"about\": \"Everything Tutti holds about one person. "
	    "client_id is the id of their referral; each section lists the "
	    "rows of one table, column by column, as stored.\"",
	    (long long)referral_id, now);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (sections[i].table != NULL &&
		    (rc = table_exists(db, sections[i].table)) != 1) {
			if (rc == -1)
				goto out;
			continue;
		}
		if (json_section(db, out, sections[i].key, sections[i].sql,
		    referral_id, sections[i].one_row) == -1)
			goto out;
	}
	buf_puts(out, "\n}\n");
	ret = 1;
out:
	db_read_end(db);
	return ret;
}

/* ---- erase ---- */

/* Each step of an erasure, in order, with ?1 the referral id. */
enum erase_step {
	ERASE_NOTES,
	ERASE_SESSION_NOTES,
	ERASE_GOALS,
	ERASE_SUMMARY,
	ERASE_EDITS,
	ERASE_EVENTS,
	ERASE_ATTENDANCE,
	ERASE_EXCEPTIONS,
	ERASE_EMAILS_CANCEL,
	ERASE_EMAILS,
	ERASE_FEEDS,
	ERASE_CLIENTS,
	ERASE_REFERRER,
	ERASE_SURVEYS,
	ERASE_CONTACTS,
	ERASE_REFERRAL,
	ERASE__MAX
};

static const char *const erase_sql[ERASE__MAX] = {
	"DELETE FROM referral_notes WHERE referral_id = ?1",
	/* The client record's health data (their versions go with them);
	 * a group's shared notes stay with the group. */
	"DELETE FROM session_notes WHERE referral_id = ?1",
	"DELETE FROM client_goals WHERE referral_id = ?1",
	"DELETE FROM work_summaries WHERE referral_id = ?1",
	"DELETE FROM referral_edits WHERE referral_id = ?1",
	"UPDATE referral_events SET reason = '' WHERE referral_id = ?1 "
	    "AND reason != ''",
	"UPDATE attendance SET note = '' WHERE client_id IN " CLIENTS
	    " AND note != ''",
	"UPDATE exceptions SET reason = '' WHERE series_id IN " OWN_SERIES
	    " AND reason != ''",
	/* Emails to the client (staff notices carry a user_id). */
	"UPDATE outbox SET status = 'failed', lease_until = NULL, "
	    "last_error = 'not sent: the client was erased' "
	    "WHERE referral_id = ?1 AND user_id IS NULL "
	    "AND status IN ('queued', 'sending')",
	"UPDATE outbox SET to_addr = '', to_name = '', "
	    "last_error = CASE WHEN status = 'failed' AND last_error = "
	    "'not sent: the client was erased' THEN last_error END "
	    "WHERE referral_id = ?1 AND user_id IS NULL",
	/* Cached feeds may show the client's name: rebuilt when asked. */
	"UPDATE feeds SET body = NULL, etag = NULL, stale = 1 "
	    "WHERE body IS NOT NULL",
	"UPDATE clients SET end_reason = '' WHERE referral_id = ?1",
	/* Who referred them and their contacts (014); the family
	 * survey's addresses and comments (025): the answers stay counted. */
	"DELETE FROM referrers WHERE referral_id = ?1",
	"UPDATE surveys SET to_addr = 'erased:' || id, comment = '' "
	    "WHERE kind = 'family' AND referral_id = ?1",
	"UPDATE contacts SET name = 'Erased', email = '', phone = '', "
	    "removed_at = coalesce(removed_at, strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now')) WHERE referral_id = ?1",
	"UPDATE referrals SET ref = 'ERASED-' || id, given_name = 'Erased', "
	    "family_name = '', email = '', phone = '', postcode = '', "
	    "date_of_birth = '', voicemail_ok = 0, about = '', "
	    "access_needs = '', language = '', interpreter = 0, "
	    "gp_practice = '', emergency_name = '', emergency_phone = '', "
	    "consent_contact = 0, form_nonce = NULL, source_detail = '' "
	    "WHERE id = ?1",
};

/*
 * The strings that identify people, for the sweep: a list without
 * repeats and, once indexed (needles_index), a hash table of them by
 * their first NEEDLE_MIN bytes, so that a cell is searched for every
 * needle in one pass over its bytes, however many there are: a batch
 * of the retention rule looks for hundreds at once.
 */
#define NEEDLE_MIN	3	/* bytes: no min_len (needles_load) is less */

struct needles {
	char		**v;
	size_t		 *len;
	size_t		  n, cap;
	uint32_t	 *head;		/* per bucket: 1 + its first needle */
	uint32_t	 *next;		/* per needle: 1 + the next in its bucket */
	unsigned	  shift;	/* 32 less log2 of the buckets */
};

/* Adds s unless it is NULL, shorter than min bytes, or there already. */
static void
needle_add(struct needles *nd, const char *s, size_t min)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) < min)
		return;
	for (i = 0; i < nd->n; i++)
		if (nd->len[i] == n && memcmp(nd->v[i], s, n) == 0)
			return;
	if (nd->n == nd->cap) {
		nd->cap = nd->cap ? nd->cap * 2 : 8;
		nd->v = xrealloc(nd->v, nd->cap * sizeof(*nd->v));
		nd->len = xrealloc(nd->len, nd->cap * sizeof(*nd->len));
	}
	nd->v[nd->n] = xstrdup(s);
	nd->len[nd->n++] = n;
}

/* Frees what nd holds and empties it; an empty nd is fine. */
static void
needles_free(struct needles *nd)
{
	size_t i;

	for (i = 0; i < nd->n; i++)
		free(nd->v[i]);
	free(nd->v);
	free(nd->len);
	free(nd->head);
	free(nd->next);
	memset(nd, 0, sizeof(*nd));
}

/* The bucket of the needle or text starting at p (NEEDLE_MIN bytes). */
static uint32_t
needle_bucket(const struct needles *nd, const unsigned char *p)
{
	return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) *
	    2654435761u >> nd->shift;
}

/* Builds the hash table of the needles added (at least 2 buckets each). */
static void
needles_index(struct needles *nd)
{
	size_t buckets = 64, i;
	unsigned bits = 6;
	uint32_t b;

	while (buckets < 2 * nd->n) {
		buckets *= 2;
		bits++;
	}
	free(nd->head);
	free(nd->next);
	nd->head = xcalloc(buckets, sizeof(*nd->head));
	nd->next = xcalloc(nd->n + 1, sizeof(*nd->next));
	nd->shift = 32 - bits;
	for (i = nd->n; i-- > 0; ) {
		assert(nd->len[i] >= NEEDLE_MIN);
		b = needle_bucket(nd, (const unsigned char *)nd->v[i]);
		nd->next[i] = nd->head[b];
		nd->head[b] = (uint32_t)i + 1;
	}
}

/* 1 when the n bytes at s hold any needle (needles_index first). */
static int
needles_in(const struct needles *nd, const unsigned char *s, size_t n)
{
	size_t i, k;
	uint32_t e;

	if (nd->head == NULL || n < NEEDLE_MIN)
		return 0;
	for (i = 0; i + NEEDLE_MIN <= n; i++)
		for (e = nd->head[needle_bucket(nd, s + i)]; e != 0;
		    e = nd->next[e - 1]) {
			k = e - 1;
			if (nd->len[k] <= n - i &&
			    memcmp(s + i, nd->v[k], nd->len[k]) == 0)
				return 1;
		}
	return 0;
}

/*
 * Sets out to the n bytes at s with each needle in turn, in the order
 * added, replaced by "[erased]" wherever it occurs from left to right:
 * what SQL's replace() nested once per needle gives.  Cannot fail.
 */
static void
needles_replace(const struct needles *nd, const char *s, size_t n,
    struct buf *out)
{
	static const char mark[] = "[erased]";
	struct buf a = BUF_INIT, b = BUF_INIT, *cur = &a, *to = &b, *t;
	size_t k, i, len;
	int found;

	buf_append(cur, s, n);
	for (k = 0; k < nd->n; k++) {
		len = nd->len[k];
		found = 0;
		for (i = 0; !found && i + len <= cur->len; i++)
			found = memcmp(cur->data + i, nd->v[k], len) == 0;
		if (!found)
			continue;
		buf_reset(to);
		for (i = 0; i + len <= cur->len; )
			if (memcmp(cur->data + i, nd->v[k], len) == 0) {
				buf_append(to, mark, sizeof(mark) - 1);
				i += len;
			} else
				buf_append(to, cur->data + i++, 1);
		buf_append(to, cur->data + i, cur->len - i);
		t = cur;
		cur = to;
		to = t;
	}
	buf_reset(out);
	buf_append(out, cur->data, cur->len);
	buf_free(&a);
	buf_free(&b);
}

/* The type sqlite3_bind_pointer gives the needles the sweep binds. */
#define NEEDLES_POINTER	"tutti-erase-needles"

/*
 * SQL tutti_erase_found(X, P): 1 when X, as text (as instr() reads it),
 * holds a needle of P (struct needles, bound as NEEDLES_POINTER), 0 when
 * not or X is NULL.  An error when P is not bound.
 */
static void
sql_erase_found(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct needles *nd;
	const unsigned char *s;

	(void)argc;
	if ((nd = sqlite3_value_pointer(argv[1], NEEDLES_POINTER)) == NULL) {
		sqlite3_result_error(ctx, "tutti_erase_found: no needles", -1);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	if ((s = sqlite3_value_text(argv[0])) == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_int(ctx, needles_in(nd, s,
	    (size_t)sqlite3_value_bytes(argv[0])));
}

/*
 * SQL tutti_erase_replace(X, P): X as text with every needle of P
 * replaced (needles_replace); NULL for NULL.
 */
static void
sql_erase_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct needles *nd;
	const unsigned char *s;
	struct buf out = BUF_INIT;

	(void)argc;
	if ((nd = sqlite3_value_pointer(argv[1], NEEDLES_POINTER)) == NULL) {
		sqlite3_result_error(ctx, "tutti_erase_replace: no needles",
		    -1);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if ((s = sqlite3_value_text(argv[0])) == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	needles_replace(nd, (const char *)s,
	    (size_t)sqlite3_value_bytes(argv[0]), &out);
	sqlite3_result_text(ctx, out.len > 0 ? out.data : "", (int)out.len,
	    SQLITE_TRANSIENT);
	buf_free(&out);
}

/*
 * Defines the sweep's two functions on the connection (again is fine:
 * they keep no state, the needles come bound).  0, or -1 (logged).
 */
static int
sweep_functions(struct db *db)
{
	static const struct {
		const char	*name;
		void		(*fn)(sqlite3_context *, int,
				    sqlite3_value **);
	} fns[] = {
		{ "tutti_erase_found", sql_erase_found },
		{ "tutti_erase_replace", sql_erase_replace },
	};
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (sqlite3_create_function_v2(db->conn, fns[i].name, 2,
		    SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fns[i].fn, NULL,
		    NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "db: erase: %s: %s\n", fns[i].name,
			    sqlite3_errmsg(db->conn));
			return -1;
		}
	return 0;
}

/*
 * The keys of some rows of one table, as text: json_array(rowid), or
 * of the primary key's columns for a table without rowids (as 051's
 * triggers log them in sweep_changes).
 */
struct keys {
	char		**v;
	size_t		  n, cap;
};

static void
keys_add(struct keys *k, const char *s)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 8;
		k->v = xrealloc(k->v, k->cap * sizeof(*k->v));
	}
	k->v[k->n++] = xstrdup(s);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the keys and drops repeats: a cell is replaced once. */
static void
keys_unique(struct keys *k)
{
	size_t i, j;

	if (k->n < 2)
		return;
	qsort(k->v, k->n, sizeof(*k->v), str_cmp);
	for (i = j = 1; i < k->n; i++)
		if (strcmp(k->v[i], k->v[j - 1]) != 0)
			k->v[j++] = k->v[i];
		else
			free(k->v[i]);
	k->n = j;
}

static void
keys_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* A table the sweep reads: its text columns and how a row is named. */
struct swept {
	char		 *name;
	char		**cols;
	size_t		  nc;
	char		**key;		/* "rowid", or the primary key's columns */
	size_t		  nk;
	int		  watched;	/* has 051's insert and update triggers */
	struct keys	 *hits;		/* per column: the rows to look at */
};

/* Every table the sweep reads, by name, as the schema had them. */
struct sweep_plan {
	struct swept	*t;
	size_t		 nt;
	int64_t		 schema;	/* PRAGMA schema_version then */
};

static void
sweep_plan_free(struct sweep_plan *p)
{
	size_t i, j;

	for (i = 0; i < p->nt; i++) {
		for (j = 0; j < p->t[i].nc; j++) {
			free(p->t[i].cols[j]);
			/* A plan failed part way may have no hits yet. */
			if (p->t[i].hits != NULL)
				keys_free(&p->t[i].hits[j]);
		}
		for (j = 0; j < p->t[i].nk; j++)
			free(p->t[i].key[j]);
		free(p->t[i].name);
		free(p->t[i].cols);
		free(p->t[i].key);
		free(p->t[i].hits);
	}
	free(p->t);
	memset(p, 0, sizeof(*p));
}

/* Appends each row's first column to *v (*n of them).  0, or -1. */
static int
names_load(struct db *db, sqlite3_stmt *st, char ***v, size_t *n)
{
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = db_next(db, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		(*v)[(*n)++] = xstrdup((const char *)sqlite3_column_text(st,
		    0));
	}
	return rc == 0 ? 0 : -1;
}

/*
 * Lists the tables the sweep reads: every table but the staff's own
 * (users, sessions, login_failures), the settings and 051's, with a
 * text column; a table added later that keeps a client's details is
 * caught too, and logged so that it gets a step of its own.  0, or -1.
 */
static int
sweep_plan_load(struct db *db, struct sweep_plan *p)
{
	static const char sql_schema[] = "PRAGMA schema_version";
	static const char sql_tables[] = "SELECT name, sql LIKE "
	    "'%WITHOUT ROWID%', (SELECT count(*) FROM sqlite_schema g WHERE "
	    "g.type = 'trigger' AND g.tbl_name = m.name AND g.name IN "
	    "('sweep_' || m.name || '_ins', 'sweep_' || m.name || '_upd')) "
	    "= 2 FROM sqlite_schema m WHERE type = 'table' AND name NOT LIKE "
	    "'sqlite_%' AND name NOT IN ('users', 'sessions', "
	    "'login_failures', 'settings', 'record_epoch_logs', 'sweep_watch', "
	    "'sweep_changes') "
	    "ORDER BY name";
	static const char sql_cols[] = "SELECT name FROM pragma_table_info(?) "
	    "WHERE upper(type) LIKE '%TEXT%' OR upper(type) LIKE '%CHAR%' "
	    "OR upper(type) LIKE '%CLOB%' OR type = ''";
	static const char sql_key[] = "SELECT name FROM pragma_table_info(?) "
	    "WHERE pk > 0 ORDER BY pk";
	sqlite3_stmt *st;
	struct swept *t;
	size_t cap = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((st = db_stmt(db, sql_schema)) == NULL || db_next(db, st) != 1)
		return -1;
	p->schema = sqlite3_column_int64(st, 0);
	db_done(st);
	if ((st = db_stmt(db, sql_tables)) == NULL)
		return -1;
	while ((rc = db_next(db, st)) == 1) {
		if (p->nt == cap) {
			cap = cap ? cap * 2 : 32;
			p->t = xrealloc(p->t, cap * sizeof(*p->t));
		}
		t = &p->t[p->nt++];
		memset(t, 0, sizeof(*t));
		t->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		t->key = sqlite3_column_int(st, 1) ? NULL : xcalloc(1,
		    sizeof(*t->key));
		if (t->key != NULL) {
			t->key[0] = xstrdup("rowid");
			t->nk = 1;
		}
		t->watched = sqlite3_column_int(st, 2);
	}
	if (rc != 0)
		return -1;
	for (t = p->t; t < p->t + p->nt; t++) {
		if ((st = db_stmt(db, sql_cols)) == NULL)
			return -1;
		db_bind_text(st, 1, t->name);
		if (names_load(db, st, &t->cols, &t->nc) == -1)
			return -1;
		t->hits = xcalloc(t->nc + 1, sizeof(*t->hits));
		if (t->key != NULL)
			continue;
		if ((st = db_stmt(db, sql_key)) == NULL)
			return -1;
		db_bind_text(st, 1, t->name);
		if (names_load(db, st, &t->key, &t->nk) == -1)
			return -1;
	}
	return 0;
}

/* Appends the SQL naming key column k of t: "x" quoted, or rowid. */
static void
key_col(struct buf *b, const struct swept *t, size_t k)
{
	char *s;

	if (strcmp(t->key[k], "rowid") == 0 && t->nk == 1) {
		buf_puts(b, "rowid");
		return;
	}
	s = sqlite3_mprintf("\"%w\"", t->key[k]);
	buf_puts(b, s != NULL ? s : "NULL");
	sqlite3_free(s);
}

/*
 * Reads table t once and adds the key of each row holding a needle of
 * nd (needles_index first) to the hits of each column holding one.
 * 0, or -1 (logged).
 */
static int
sweep_find(struct db *db, struct swept *t, struct needles *nd)
{
	struct buf sql = BUF_INIT, where = BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t j;
	char *s;
	int rc = SQLITE_ERROR;

	if (t->nc == 0 || t->nk == 0)
		return 0;
	buf_puts(&sql, "SELECT json_array(");
	for (j = 0; j < t->nk; j++) {
		if (j > 0)
			buf_puts(&sql, ", ");
		key_col(&sql, t, j);
	}
	buf_putc(&sql, ')');
	for (j = 0; j < t->nc; j++) {
		s = sqlite3_mprintf("tutti_erase_found(\"%w\", ?1)", t->cols[j]);
		if (s == NULL)
			goto out;
		buf_printf(&sql, ", %s", s);
		buf_printf(&where, "%s%s", j > 0 ? " OR " : "", s);
		sqlite3_free(s);
	}
	if ((s = sqlite3_mprintf("\"%w\"", t->name)) == NULL)
		goto out;
	buf_printf(&sql, " FROM %s WHERE %s", s, buf_cstr(&where));
	sqlite3_free(s);
	if (sqlite3_prepare_v2(db->conn, buf_cstr(&sql), -1, &st, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "db: erase: %s: %s\n", t->name,
		    sqlite3_errmsg(db->conn));
		goto out;
	}
	(void)sqlite3_bind_pointer(st, 1, nd, NEEDLES_POINTER, NULL);
	while ((rc = db_step(st)) == SQLITE_ROW)
		for (j = 0; j < t->nc; j++)
			if (sqlite3_column_int(st, (int)j + 1) != 0)
				keys_add(&t->hits[j], (const char *)
				    sqlite3_column_text(st, 0));
	if (rc != SQLITE_DONE)
		fprintf(stderr, "db: erase: %s: %s\n", t->name,
		    sqlite3_errmsg(db->conn));
out:
	sqlite3_finalize(st);
	buf_free(&sql);
	buf_free(&where);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Adds the rows of watched tables written since the change since (by
 * anyone, this transaction too) to the rows to look at, in every text
 * column.  0, or -1.
 */
static int
sweep_changes(struct db *db, struct sweep_plan *p, int64_t since)
{
	static const char sql[] = "SELECT tbl, key FROM sweep_changes "
	    "WHERE seq > ?";
	struct swept key, *t;
	sqlite3_stmt *st = db_stmt_with(db, sql, since);
	size_t j;
	int rc;

	memset(&key, 0, sizeof(key));
	/* By name: the plan is in name order, and a swept begins with it. */
	while ((rc = db_next(db, st)) == 1) {
		key.name = (char *)sqlite3_column_text(st, 0);
		if (key.name == NULL || p->nt == 0 || (t = bsearch(&key, p->t, p->nt,
		    sizeof(*p->t), str_cmp)) == NULL || !t->watched)
			continue;
		for (j = 0; j < t->nc; j++)
			keys_add(&t->hits[j], (const char *)
			    sqlite3_column_text(st, 1));
	}
	return rc == 0 ? 0 : -1;
}

/*
 * Replaces every needle of nd in the cells of table t its hits name,
 * each re-checked (it may have changed, or gone), column by column.
 * Returns the number of cells changed (logged), or -1.
 */
static int64_t
sweep_apply(struct db *db, struct swept *t, struct needles *nd)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int64_t total = 0, n;
	int c;
	size_t j, k, r;
	char *s;

	for (j = 0; j < t->nc && total >= 0; j++) {
		keys_unique(&t->hits[j]);
		if (t->hits[j].n == 0)
			continue;
		buf_reset(&sql);
		s = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = "
		    "tutti_erase_replace(\"%w\", ?1) WHERE "
		    "tutti_erase_found(\"%w\", ?1)", t->name, t->cols[j],
		    t->cols[j], t->cols[j]);
		buf_puts(&sql, s != NULL ? s : "");
		sqlite3_free(s);
		for (k = 0; k < t->nk; k++) {
			buf_puts(&sql, " AND ");
			key_col(&sql, t, k);
			buf_printf(&sql, " = json_extract(?2, '$[%zu]')", k);
		}
		if (sqlite3_prepare_v2(db->conn, buf_cstr(&sql), -1, &st,
		    NULL) != SQLITE_OK) {
			fprintf(stderr, "db: erase: %s.%s: %s\n", t->name,
			    t->cols[j], sqlite3_errmsg(db->conn));
			total = -1;
			break;
		}
		for (n = 0, r = 0; r < t->hits[j].n; r++) {
			(void)sqlite3_bind_pointer(st, 1, nd, NEEDLES_POINTER,
			    NULL);
			db_bind_text(st, 2, t->hits[j].v[r]);
			if ((c = db_run_count(db, st, NULL)) == -1) {
				n = -1;
				break;
			}
			n += c;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (n < 0) {
			total = -1;
			break;
		}
		if (n > 0)
			fprintf(stderr, "db: erase: %lld more cop%s in %s.%s\n",
			    (long long)n, n == 1 ? "y" : "ies", t->name,
			    t->cols[j]);
		total += n;
	}
	buf_free(&sql);
	return total;
}

/* The living referrals that give one of an erasee's strings too. */
struct sharers {
	int64_t		*id;
	size_t		 n, cap;
};

/* One person of an erasure: who, and the strings that identify them. */
#define CANDIDATES_MAX	5	/* name, email, lower(email), phones */

struct erasee {
	int64_t		 id;
	int		 again;		/* erased before */
	struct needles	 cand;
	struct sharers	 shared[CANDIDATES_MAX];	/* per cand.v */
	int		 read_shared[CANDIDATES_MAX];	/* at the read */
};

static void
erasee_free(struct erasee *e)
{
	size_t k;

	needles_free(&e->cand);
	for (k = 0; k < CANDIDATES_MAX; k++)
		free(e->shared[k].id);
	memset(e->shared, 0, sizeof(e->shared));
	memset(e->read_shared, 0, sizeof(e->read_shared));
	e->again = 0;
}

/*
 * Loads the strings of e->id the sweep may look for.  1 found, 0 no
 * such referral, -1 error.
 */
static int
needles_load(struct db *db, struct erasee *e)
{
	static const char sql[] = "SELECT trim(given_name || ' ' || "
	    "family_name), email, lower(email), phone, emergency_phone, "
	    "(SELECT count(*) FROM erasures WHERE referral_id = ?1) "
	    "FROM referrals WHERE id = ?1";
	/* Shorter strings would match unrelated text. */
	static const size_t min_len[CANDIDATES_MAX] = { 5, 3, 3, 6, 6 };
	sqlite3_stmt *st = db_stmt_with(db, sql, e->id);
	size_t i;
	int rc;

	if ((rc = db_next(db, st)) != 1)
		return rc;
	e->again = sqlite3_column_int(st, 5) > 0;
	/* Once erased, the name reads "Erased": not a needle. */
	for (i = e->again ? 1 : 0; i < CANDIDATES_MAX; i++)
		needle_add(&e->cand, (const char *)sqlite3_column_text(st,
		    (int)i), min_len[i]);
	db_done(st);
	return 1;
}

/* A string of one person of a batch, to look up among other clients'. */
struct candidate {
	const char	*s;
	size_t		 len;
	struct sharers	*shared;
};

/* Orders as SQLite's NOCASE does: ASCII letters folded, shorter first. */
static int
nocase_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i, n = an < bn ? an : bn;
	int ca, cb;

	for (i = 0; i < n; i++) {
		ca = (unsigned char)a[i];
		cb = (unsigned char)b[i];
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return ca - cb;
	}
	return an < bn ? -1 : an > bn;
}

static int
candidate_cmp(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return nocase_cmp(x->s, x->len, y->s, y->len);
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Adds id to s unless it is the last one there (a row matches twice). */
static void
sharers_add(struct sharers *s, int64_t id)
{
	if (s->n > 0 && s->id[s->n - 1] == id)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->id = xrealloc(s->id, s->cap * sizeof(*s->id));
	}
	s->id[s->n++] = id;
}

/* Drops from s the ids in the n sorted ids. */
static void
sharers_drop(struct sharers *s, const int64_t *ids, size_t n)
{
	size_t i, j;

	if (n == 0)
		return;
	for (i = j = 0; i < s->n; i++)
		if (bsearch(&s->id[i], ids, n, sizeof(*ids), id_cmp) == NULL)
			s->id[j++] = s->id[i];
	s->n = j;
}

/*
 * Adds a referral's id to the sharers of each candidate (sorted) that
 * its email (in any case), phones, emergency contact's name or full
 * name (columns 1 to 5 of st) give.
 */
static void
shared_row(sqlite3_stmt *st, struct candidate *c, size_t nc, int64_t id)
{
	const char *s;
	size_t k, lo, hi, mid, len;
	int col;

	for (col = 1; col <= 5; col++) {
		if (sqlite3_column_type(st, col) != SQLITE_TEXT)
			continue;
		s = (const char *)sqlite3_column_text(st, col);
		len = (size_t)sqlite3_column_bytes(st, col);
		if (s == NULL)
			continue;
		for (lo = 0, hi = nc; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (nocase_cmp(c[mid].s, c[mid].len, s, len) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* The email in any case; the others as they are. */
		for (k = lo; k < nc && nocase_cmp(c[k].s, c[k].len, s,
		    len) == 0; k++)
			if (col == 1 || memcmp(c[k].s, s, len) == 0)
				sharers_add(c[k].shared, id);
	}
}

/*
 * Finds, for string k of person i, the referrals neither erased nor in
 * the batch whose email (in any case), a phone, the emergency
 * contact's name or full name it also is (a family's shared email or
 * phone): it is theirs too, and the sweep leaves it while any is
 * (e[i].shared[k]).  A string the batch's people share only among
 * themselves is swept.  With all, one pass over the referrals for the
 * whole batch; else the nonly referrals only (sorted), whose part found
 * before is dropped first: they changed since.  0, or -1 (logged).
 */
static int
needles_shared(struct db *db, struct erasee *e, size_t n, int all,
    const int64_t *only, size_t nonly)
{
	static const char sql_all[] = "SELECT id, email, phone, "
	    "emergency_phone, emergency_name, trim(given_name || ' ' || "
	    "family_name) FROM referrals r WHERE NOT EXISTS (SELECT 1 FROM "
	    "erasures x WHERE x.referral_id = r.id)";
	static const char sql_one[] = "SELECT id, email, phone, "
	    "emergency_phone, emergency_name, trim(given_name || ' ' || "
	    "family_name) FROM referrals r WHERE id = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM erasures x WHERE x.referral_id = r.id)";
	struct candidate *c = NULL;
	int64_t *ids, id;
	size_t nc = 0, i, k;
	int rc = 0;
	sqlite3_stmt *st;

	for (i = 0; i < n; i++)
		nc += e[i].cand.n;
	if (nc == 0)
		return 0;
	c = xcalloc(nc, sizeof(*c));
	ids = xcalloc(n, sizeof(*ids));
	for (i = nc = 0; i < n; i++) {
		ids[i] = e[i].id;
		for (k = 0; k < e[i].cand.n; k++) {
			if (!all)
				sharers_drop(&e[i].shared[k], only, nonly);
			c[nc].s = e[i].cand.v[k];
			c[nc].len = e[i].cand.len[k];
			c[nc++].shared = &e[i].shared[k];
		}
	}
	qsort(c, nc, sizeof(*c), candidate_cmp);
	qsort(ids, n, sizeof(*ids), id_cmp);
	for (i = 0; rc == 0 && (all ? i < 1 : i < nonly); i++) {
		st = all ? db_stmt(db, sql_all) :
		    db_stmt_with(db, sql_one, only[i]);
		while ((rc = db_next(db, st)) == 1) {
			id = sqlite3_column_int64(st, 0);
			if (bsearch(&id, ids, n, sizeof(*ids), id_cmp) == NULL)
				shared_row(st, c, nc, id);
		}
	}
	free(c);
	free(ids);
	return rc == 0 ? 0 : -1;
}

/* Each step of an erasure's count, in summary (NULL: not counted). */
static int64_t *
step_count(struct db_erase_summary *sum, enum erase_step k)
{
	switch (k) {
	case ERASE_NOTES:
		return &sum->notes;
	case ERASE_EVENTS:
		return &sum->events;
	case ERASE_ATTENDANCE:
		return &sum->attendance;
	case ERASE_EXCEPTIONS:
		return &sum->exceptions;
	case ERASE_EMAILS_CANCEL:
		return &sum->cancelled;
	case ERASE_EMAILS:
		return &sum->emails;
	case ERASE_FEEDS:
		return &sum->feeds;
	default:
		/* The client record's, the referral's own: not counted. */
		return NULL;
	}
}

/*
 * How many times a batch reads beside the web's writes before it reads
 * under the write lock instead: a read begins again when one of its
 * people's referrals or the schema changed while it read.
 */
#define ERASE_TRIES	3

/*
 * How long an erasure's watch (051) stands before it is taken for one
 * left by a process killed part way (tuttictl purge or erase-client, a
 * worker), and dropped with the log when no other is left: while one
 * stands, every write of the web logs a row.  A watch lives for one
 * batch (a purge begins one a batch of PURGE_BATCH): at most
 * ERASE_TRIES reads beside the writes and one under the lock, at N=10
 * 8-10 s each, well under a minute (a purge of N=1, 14 batches, on a
 * machine at load 5: each watch stood 1.6-6.2 s).  Ids come back (the
 * table is empty between batches): a watch is its id and start.  A
 * watch dropped under a live batch all the same (a read slower than
 * this) is seen by its write, which then reads again under the lock
 * (watch_held).
 */
#define WATCH_STALE_S	(15 * 60)

static const char sql_watch_clear[] = "DELETE FROM sweep_changes WHERE "
    "NOT EXISTS (SELECT 1 FROM sweep_watch)";
/* The watches begun over ?2 seconds before ?1 (as db_now writes it). */
#define WATCH_STALE_WHERE "started_at < strftime('%Y-%m-%dT%H:%M:%SZ', " \
    "?1, '-' || ?2 || ' seconds')"

/*
 * Drops, inside a write begun, the watches begun over WATCH_STALE_S
 * before now (as db_now writes it), with the log when no other is
 * left.  Returns how many were dropped, or -1 (db_errcode says why).
 */
static int
watch_expire(struct db *db, const char *now)
{
	static const char sql[] = "DELETE FROM sweep_watch WHERE "
	    WATCH_STALE_WHERE;
	sqlite3_stmt *st;
	int n;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_int(st, 2, WATCH_STALE_S);
	if ((n = db_run_count(db, st, NULL)) == -1 ||
	    db_run(db_stmt(db, sql_watch_clear)) != SQLITE_DONE)
		return -1;
	return n;
}

/*
 * Starts 051's watch on writes for one erasure: its row in sweep_watch
 * (stale ones are dropped first, as db_privacy_watch_expire does) and
 * in *since the last change logged before it.  Returns the row's id,
 * or -1 (logged).
 */
static int64_t
watch_begin(struct db *db, const char *now, int64_t *since)
{
	static const char sql_add[] = "INSERT INTO sweep_watch (started_at) "
	    "VALUES (?1)";
	static const char sql_since[] = "SELECT coalesce(max(seq), 0) FROM "
	    "sweep_changes";
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if (db_tx_begin(db) != DB_OK)
		return -1;
	if (watch_expire(db, now) == -1)
		goto fail;
	if ((st = db_stmt(db, sql_add)) == NULL)
		goto fail;
	db_bind_text(st, 1, now);
	if ((rc = db_run(st)) != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db->conn);
	if ((st = db_stmt(db, sql_since)) == NULL || db_next(db, st) != 1)
		goto fail;
	*since = sqlite3_column_int64(st, 0);
	db_done(st);
	return db_tx_commit(db, "erase: watch") == DB_OK ? id : -1;
fail:
	(void)db_tx_fail(db, db_errcode(db), "erase: watch");
	return -1;
}

/*
 * 1 when the watch id begun at started (as db_now writes it) still
 * stands, 0 when it was dropped as stale (the log may have been
 * emptied since: what it held is lost), -1 (logged).  Both are asked:
 * a watch begun later may have the id again.
 */
static int
watch_held(struct db *db, int64_t id, const char *started)
{
	static const char sql[] = "SELECT 1 FROM sweep_watch WHERE id = ?1 "
	    "AND started_at = ?2";
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt_with(db, sql, id)) == NULL)
		return -1;
	db_bind_text(st, 2, started);
	if ((rc = db_next(db, st)) == 1)
		db_done(st);
	return rc;
}

int
db_privacy_watch_expire(struct db *db, int64_t now)
{
	static const char sql_any[] = "SELECT count(*) FROM sweep_watch "
	    "WHERE " WATCH_STALE_WHERE;
	sqlite3_stmt *st;
	time_t t = (time_t)now;
	struct tm tm;
	char at[21];
	int n;

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* None, nearly always: a read, and no write lock taken. */
	if ((st = db_stmt(db, sql_any)) == NULL)
		return -1;
	db_bind_text(st, 1, at);
	db_bind_int(st, 2, WATCH_STALE_S);
	if ((n = db_next(db, st)) != 1)
		return -1;
	n = sqlite3_column_int(st, 0);
	db_done(st);
	if (n == 0)
		return 0;
	if (db_tx_begin(db) != DB_OK)
		return -1;
	if ((n = watch_expire(db, at)) == -1) {
		(void)db_tx_fail(db, db_errcode(db), "erase: watch expire");
		return -1;
	}
	return db_tx_commit(db, "erase: watch expire") == DB_OK ? n : -1;
}

/*
 * Ends the watch id inside a write begun (the log goes with the last
 * watch).  The SQLite code: SQLITE_DONE when done.
 */
static int
watch_end(struct db *db, int64_t id)
{
	static const char sql[] = "DELETE FROM sweep_watch WHERE id = ?";
	int rc;

	if ((rc = db_run(db_stmt_with(db, sql, id))) != SQLITE_DONE)
		return rc;
	return db_run(db_stmt(db, sql_watch_clear));
}

/* Ends the watch id in a write of its own, after an erasure failed. */
static void
watch_drop(struct db *db, int64_t id)
{
	int rc;

	if (db_tx_begin(db) != DB_OK)
		return;
	if ((rc = watch_end(db, id)) != SQLITE_DONE)
		(void)db_tx_fail(db, rc, "erase: watch end");
	else
		(void)db_tx_commit(db, "erase: watch end");
}

/*
 * Sets *ids (sorted, *n of them; the caller frees) to the referrals
 * written, or erased, since the change since.  0, or -1 (logged).
 */
static int
changed_referrals(struct db *db, int64_t since, int64_t **ids, size_t *n)
{
	static const char sql[] = "SELECT json_extract(key, '$[0]') FROM "
	    "sweep_changes WHERE seq > ?1 AND tbl = 'referrals' UNION "
	    "SELECT x.referral_id FROM sweep_changes c JOIN erasures x ON "
	    "x.rowid = json_extract(c.key, '$[0]') WHERE c.seq > ?1 AND "
	    "c.tbl = 'erasures' ORDER BY 1";
	sqlite3_stmt *st = db_stmt_with(db, sql, since);
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = db_next(db, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	return rc == 0 ? 0 : -1;
}

/*
 * Loads each of the n people's strings and the referrals that give one
 * of them too.  DB_OK, DB_CONFLICT when an id is not a referral, or
 * DB_ERROR (logged; db_errcode says why).
 */
static enum db_result
erasees_load(struct db *db, struct erasee *e, size_t n)
{
	size_t i;
	int found;

	for (i = 0; i < n; i++)
		if ((found = needles_load(db, &e[i])) <= 0)
			return found == 0 ? DB_CONFLICT : DB_ERROR;
	return needles_shared(db, e, n, 1, NULL, 0) == -1 ? DB_ERROR : DB_OK;
}

/*
 * The read of a batch, in a read transaction beside the web's writes:
 * each person's strings, the referrals that share them, and the rows of
 * every watched table holding any of the strings no other client gives
 * (all: the write reads again if one of the others is theirs alone by
 * then).  Returns DB_OK, DB_CONFLICT when an id is not a referral, or
 * DB_ERROR (logged).
 */
static enum db_result
erase_read(struct db *db, struct erasee *e, size_t n, struct needles *all,
    struct sweep_plan *plan)
{
	enum db_result res;
	size_t i, k;

	if (db_read_begin(db) == -1)
		return DB_ERROR;
	if ((res = erasees_load(db, e, n)) != DB_OK)
		goto out;
	res = DB_ERROR;
	for (i = 0; i < n; i++)
		for (k = 0; k < e[i].cand.n; k++)
			if (!(e[i].read_shared[k] = e[i].shared[k].n > 0))
				needle_add(all, e[i].cand.v[k], 0);
	needles_index(all);
	if (sweep_plan_load(db, plan) == -1)
		goto out;
	if (all->n > 0 && sweep_functions(db) == -1)
		goto out;
	for (i = 0; all->n > 0 && i < plan->nt; i++)
		if (plan->t[i].watched && sweep_find(db, &plan->t[i], all) ==
		    -1)
			goto out;
	res = DB_OK;
out:
	db_read_end(db);
	return res;
}

/* What one write of a batch is given and reports. */
struct erase_write {
	struct erasee		*e;
	size_t			 n;
	int			 locked;	/* no read before: all here */
	int64_t			 watch, since;	/* 051's (watch 0: none) */
	struct sweep_plan	*plan;		/* erase_read's */
	const char		*reason, *addr, *now;
	int64_t			 user_id;
	int			 again;		/* the read is to be redone */
};

/*
 * Inside a batch's write, with w->locked: what erase_read reads but the
 * rows (each person's strings, their sharers, the plan), every table
 * of the plan to be read in the write.  As erasees_load returns.
 */
static enum db_result
erase_read_locked(struct db *db, struct erase_write *w)
{
	enum db_result res;
	size_t i;

	if ((res = erasees_load(db, w->e, w->n)) != DB_OK)
		return res;
	if (sweep_plan_load(db, w->plan) == -1)
		return DB_ERROR;
	for (i = 0; i < w->plan->nt; i++)
		w->plan->t[i].watched = 0;
	return DB_OK;
}

/*
 * Inside a batch's write, without w->locked: whether its read still
 * holds, and what changed since.  It holds while its watch stands (one
 * dropped as stale also sets w->watch to 0), the schema is as read and
 * none of the batch's referrals was written or erased since; then the
 * sharers are brought up to date with the referrals written since, and
 * every string shared at the read must still be (one no longer shared
 * was not read for).  DB_OK; DB_CONFLICT with w->again set (the read is
 * to be redone); DB_ERROR (db_errcode says why).
 */
static enum db_result
erase_read_holds(struct db *db, struct erase_write *w)
{
	struct erasee *e = w->e;
	enum db_result res = DB_ERROR;
	sqlite3_stmt *st;
	int64_t *changed = NULL;
	size_t i, j, nchanged = 0;
	int held;

	if ((held = watch_held(db, w->watch, w->now)) == -1)
		return DB_ERROR;
	if (!held) {
		/* Dropped as stale: the log may have lost writes. */
		w->watch = 0;
		w->again = 1;
		return DB_CONFLICT;
	}
	if ((st = db_stmt(db, "PRAGMA schema_version")) == NULL ||
	    db_next(db, st) != 1)
		return DB_ERROR;
	w->again = sqlite3_column_int64(st, 0) != w->plan->schema;
	db_done(st);
	if (changed_referrals(db, w->since, &changed, &nchanged) == -1)
		goto out;
	for (i = 0; i < w->n && nchanged > 0 && !w->again; i++)
		w->again = bsearch(&e[i].id, changed, nchanged,
		    sizeof(*changed), id_cmp) != NULL;
	if (w->again) {
		res = DB_CONFLICT;
		goto out;
	}
	if (needles_shared(db, e, w->n, 0, changed, nchanged) == -1)
		goto out;
	/* A string shared at the read and no longer was not read for. */
	for (i = 0; i < w->n && !w->again; i++)
		for (j = 0; j < e[i].cand.n; j++)
			w->again |= e[i].read_shared[j] &&
			    e[i].shared[j].n == 0;
	res = w->again ? DB_CONFLICT : DB_OK;
out:
	free(changed);
	return res;
}

/*
 * The write of a batch, in one transaction: the read is done here
 * (w->locked: erase_read_locked), or checked (erase_read_holds: else
 * w->again is set and DB_CONFLICT returned); then each person's steps,
 * the sweep of the rows read (and any written since the read began, by
 * anyone, this write too; with w->locked every table is read here),
 * each one's erasure row and audit line, and the end of the watch.
 * Returns as erase_batch does, with nothing changed unless DB_OK.
 */
static enum db_result
erase_write(struct db *db, struct erase_write *w,
    struct db_erase_summary *sum)
{
	static const char sql_mark[] = "INSERT INTO erasures (referral_id, "
	    "at, reason, user_id) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (referral_id) DO NOTHING";
	struct erasee *e = w->e;
	struct needles nd;
	sqlite3_stmt *st;
	struct swept *t;
	int64_t *count, c;
	size_t i, j;
	char detail[96];
	int rc, k;
	enum db_result res;

	memset(&nd, 0, sizeof(nd));
	if ((res = db_tx_begin(db)) != DB_OK)
		return res;
	res = w->locked ? erase_read_locked(db, w) : erase_read_holds(db, w);
	if (res == DB_CONFLICT) {
		db_rollback(db);
		goto out;
	}
	if (res != DB_OK) {
		rc = db_errcode(db);
		goto fail;
	}
	for (i = 0; i < w->n; i++) {
		sum->again |= e[i].again;
		for (j = 0; j < e[i].cand.n; j++)
			if (e[i].shared[j].n > 0)
				sum->shared++;
			else
				needle_add(&nd, e[i].cand.v[j], 0);
	}
	for (i = 0; i < w->n; i++)
		for (k = 0; k < ERASE__MAX; k++) {
			if ((c = db_run_count(db, db_stmt_with(db, erase_sql[k],
			    e[i].id), NULL)) == -1) {
				rc = db_errcode(db);
				goto fail;
			}
			if ((count = step_count(sum, (enum erase_step)k)) !=
			    NULL)
				*count += c;
		}
	needles_index(&nd);
	if (nd.n > 0 && (sweep_functions(db) == -1 || (!w->locked &&
	    sweep_changes(db, w->plan, w->since) == -1))) {
		rc = db_errcode(db);
		goto fail;
	}
	for (t = w->plan->t; nd.n > 0 && t < w->plan->t + w->plan->nt; t++) {
		if (!t->watched && !w->locked && t->nc > 0)
			fprintf(stderr, "db: erase: %s has no sweep triggers "
			    "(051): read under the write lock\n", t->name);
		if ((!t->watched && sweep_find(db, t, &nd) == -1) ||
		    (c = sweep_apply(db, t, &nd)) < 0) {
			rc = db_errcode(db);
			goto fail;
		}
		sum->swept += c;
	}
	snprintf(detail, sizeof(detail), "erased the client's personal "
	    "details (%s)", w->reason);
	for (i = 0; i < w->n; i++) {
		if ((st = db_stmt_with(db, sql_mark, e[i].id)) != NULL) {
			db_bind_text(st, 2, w->now);
			db_bind_text(st, 3, w->reason);
			db_bind_id(st, 4, w->user_id);
		}
		if ((rc = db_run(st)) != SQLITE_DONE)
			goto fail;
		if (db_audit(db, w->user_id, w->addr, "erase", e[i].id, 0,
		    detail) == -1) {
			rc = db_errcode(db);
			goto fail;
		}
	}
	if (w->watch > 0 && (rc = watch_end(db, w->watch)) != SQLITE_DONE)
		goto fail;
	res = db_tx_commit(db, "erase");
	goto out;
fail:
	res = db_tx_fail(db, rc, "erase");
out:
	needles_free(&nd);
	return res;
}

/*
 * Erases the n people ids under secure_delete, all or nothing: a read
 * beside the web's writes finds the rows holding their strings (at
 * N=10 it reads every table for seconds), then one short write does
 * each one's steps (erase_sql), replaces their unshared strings in the
 * rows found and in any row written since the read began (051's
 * watch), then writes each one's erasure row and audit line.  Inside
 * another's write, when a read had to begin again ERASE_TRIES times,
 * or when its watch was dropped as stale, all of it runs in the write.  *sum adds up what was changed (again:
 * any had been erased before).  Returns as db_privacy_erase does
 * (DB_CONFLICT when any id is not a referral), with nothing changed
 * unless DB_OK.
 */
static enum db_result
erase_batch(struct db *db, const int64_t *ids, size_t n, const char *reason,
    int64_t user_id, const char *addr, struct db_erase_summary *sum)
{
	struct erase_write w;
	struct sweep_plan plan;
	struct needles all;
	char now[21];
	size_t i;
	int tries;
	enum db_result res = DB_ERROR;

	memset(sum, 0, sizeof(*sum));
	memset(&w, 0, sizeof(w));
	memset(&plan, 0, sizeof(plan));
	memset(&all, 0, sizeof(all));
	if (reason == NULL || (strcmp(reason, "request") != 0 &&
	    strcmp(reason, "retention") != 0))
		return DB_INVALID;
	db_now(now);
	w.e = xcalloc(n, sizeof(*w.e));
	w.n = n;
	w.plan = &plan;
	w.reason = reason;
	w.addr = addr;
	w.now = now;
	w.user_id = user_id;
	for (i = 0; i < n; i++)
		w.e[i].id = ids[i];
	/* Inside another's write: all of it under that write's lock. */
	w.locked = db->tx_depth > 0;
	if (!w.locked && (w.watch = watch_begin(db, now, &w.since)) == -1) {
		w.watch = 0;
		goto out;
	}
	for (tries = 0; ; tries++) {
		for (i = 0; i < n; i++)
			erasee_free(&w.e[i]);
		needles_free(&all);
		sweep_plan_free(&plan);
		memset(sum, 0, sizeof(*sum));
		w.again = 0;
		/* A watch dropped as stale: no more reads beside writes. */
		w.locked |= tries == ERASE_TRIES || w.watch == 0;
		if (!w.locked && (res = erase_read(db, w.e, n, &all,
		    &plan)) != DB_OK)
			break;
		res = erase_write(db, &w, sum);
		if (!w.again)
			break;
	}
out:
	if (w.watch > 0 && res != DB_OK)
		watch_drop(db, w.watch);
	for (i = 0; i < n; i++)
		erasee_free(&w.e[i]);
	free(w.e);
	needles_free(&all);
	sweep_plan_free(&plan);
	if (res != DB_OK)
		memset(sum, 0, sizeof(*sum));
	return res;
}

enum db_result
db_privacy_erase(struct db *db, int64_t id, const char *reason,
    int64_t user_id, const char *addr, struct db_erase_summary *sum)
{
	return erase_batch(db, &id, 1, reason, user_id, addr, sum);
}

/*
 * The settings key whose row says that since the time it holds (a
 * VACUUM by db_privacy_compact) every write to the file was made under
 * secure_delete = ON (db_open): no free space of the file holds old
 * content since.
 */
#define ZEROED_KEY	"privacy_zeroed_since"

/*
 * How long the compact's checkpoint waits for each lock (ms), and in
 * all (s).  It holds the write lock while it waits for readers of old
 * snapshots, so a wait longer than the web's busy timeout (2.5 s) would
 * fail the web's writes; short waits, each followed by a pause that
 * lets them in, tried for up to a few minutes instead.  Another
 * connection's checkpoint (the checkpointer, a worker's at its commit)
 * makes it busy at once: the next try follows.
 */
#define CHECKPOINT_WAIT_MS	250
#define CHECKPOINT_TRY_S	180

/*
 * A TRUNCATE checkpoint: every frame copied into the file and the WAL
 * cut to nothing, so that no old frame (an earlier version of a page,
 * holding what was since erased) stays in it.  Retried while other
 * connections hold locks it needs.
 */
static int
checkpoint(struct db *db)
{
	struct timespec t0, now;
	long busy_ms = db->busy_ms;
	int rc = SQLITE_BUSY, log = 0, done = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	db_busy_timeout(db, CHECKPOINT_WAIT_MS);
	for (;;) {
		rc = sqlite3_wal_checkpoint_v2(db->conn, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
		if (rc == SQLITE_OK)
			break;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= CHECKPOINT_TRY_S)
			break;
		sqlite3_sleep(50);
	}
	db_busy_timeout(db, busy_ms);
	if (rc == SQLITE_OK)
		return 0;
	fprintf(stderr, "db: checkpoint: %s\n", sqlite3_errstr(rc));
	return -1;
}

/*
 * 1 when ZEROED_KEY is set, 0 when not, -1 on error (logged).  Like the
 * checkpoint and VACUUM, straight through SQLite: upkeep of the file
 * after the writes, not a step of one (db_fault_set does not see it).
 */
static int
zeroed(struct db *db)
{
	static const char sql[] = "SELECT 1 FROM settings WHERE key = '"
	    ZEROED_KEY "'";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "db: %s\n", sqlite3_errmsg(db->conn));
		return -1;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	fprintf(stderr, "db: %s\n", sqlite3_errstr(rc));
	return -1;
}

/*
 * Once ZEROED_KEY is set, every page freed or rewritten since was zeroed
 * where it held deleted content, so the file holds none: only the WAL's
 * old frames may, and the checkpoint cuts it.  Before, a VACUUM rewrites
 * the file without its free space, once (at N=10, 1.5 GB, it held the
 * write lock 32-107 s, failing every web write meanwhile).
 */
int
db_privacy_compact(struct db *db)
{
	static const char mark[] = "INSERT OR REPLACE INTO settings "
	    "(key, value) VALUES ('" ZEROED_KEY "', ?)";
	sqlite3_stmt *st;
	char now[21];
	int i, z, rc = SQLITE_BUSY;

	if ((z = zeroed(db)) == -1)
		return -1;
	if (checkpoint(db) == -1)
		return -1;
	if (z == 1)
		return 0;
	for (i = 0; i < 20; i++) {
		rc = sqlite3_exec(db->conn, "VACUUM", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			break;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		sqlite3_sleep(200);
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "db: vacuum: %s\n", sqlite3_errmsg(db->conn));
		return -1;
	}
	db_now(now);
	if (sqlite3_prepare_v2(db->conn, mark, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "db: %s\n", sqlite3_errmsg(db->conn));
		return -1;
	}
	(void)sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "db: %s: %s\n", ZEROED_KEY,
		    sqlite3_errstr(rc));
		return -1;
	}
	return checkpoint(db);
}

int
db_privacy_messages(struct db *db, int64_t id, void (*fn)(void *,
    const char *), void *arg)
{
	static const char sql[] = "SELECT message_id FROM outbox "
	    "WHERE referral_id = ? AND user_id IS NULL ORDER BY id";
	sqlite3_stmt *st = db_stmt_with(db, sql, id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, (const char *)sqlite3_column_text(st, 0));
	return rc;
}

/* ---- the retention rule ---- */

/*
 * People erased together, in one transaction with one sweep: the sweep
 * reads every text column of every table, so erasing one person at a
 * time cost a pass over all history each.  A purge stopped part way
 * loses at most one batch (the next purge finds its people again), and
 * the WAL holds at most one batch's changes.
 */
#define PURGE_BATCH	200

int
db_privacy_purge(struct db *db, int64_t now, long years, int dry_run,
    void (*fn)(void *, int64_t, const char *, const char *), void *arg,
    int64_t *count)
{
	static const char sql[] = "SELECT id, status, closed FROM "
	    "(SELECT r.id, r.status, coalesce((SELECT max(e.at) FROM "
	    "referral_events e WHERE e.referral_id = r.id AND "
	    "+e.to_status = r.status), r.updated_at) AS closed "
	    "FROM referrals r WHERE r.status IN ('closed', 'declined', "
	    "'withdrawn') AND NOT EXISTS (SELECT 1 FROM erasures x "
	    "WHERE x.referral_id = r.id)) WHERE closed < ?1 "
	    "ORDER BY closed, id";
	struct db_erase_summary sum;
	sqlite3_stmt *st;
	struct { int64_t id; char status[16], closed[32]; } *v = NULL;
	int64_t *ids;
	size_t n = 0, cap = 0, i, j, m;
	char cutoff[21];
	time_t t = (time_t)now;
	struct tm tm;
	int rc, ret = 0;

	*count = 0;
	if (years < 1 || years > 200) {
		fprintf(stderr, "db: purge: retention of %ld years makes no "
		    "sense\n", years);
		return -1;
	}
	gmtime_r(&t, &tm);
	tm.tm_year -= (int)years;
	/* 29 February becomes 1 March in a common year, as timegm does. */
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(cutoff, sizeof(cutoff), "%Y-%m-%dT%H:%M:%SZ", &tm);

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, cutoff);
	while ((rc = db_next(db, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].id = sqlite3_column_int64(st, 0);
		snprintf(v[n].status, sizeof(v[n].status), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(v[n].closed, sizeof(v[n].closed), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		n++;
	}
	if (rc != 0) {
		fprintf(stderr, "db: purge: %s\n", sqlite3_errmsg(db->conn));
		free(v);
		return -1;
	}
	ids = xcalloc(PURGE_BATCH, sizeof(*ids));
	for (i = 0; i < n; i += m) {
		m = n - i < PURGE_BATCH ? n - i : PURGE_BATCH;
		for (j = 0; j < m; j++)
			ids[j] = v[i + j].id;
		if (!dry_run && erase_batch(db, ids, m, "retention", 0, "",
		    &sum) != DB_OK) {
			ret = -1;
			break;
		}
		for (j = 0; j < m; j++) {
			(*count)++;
			if (fn != NULL)
				fn(arg, v[i + j].id, v[i + j].status,
				    v[i + j].closed);
		}
	}
	free(ids);
	free(v);
	if (!dry_run && *count > 0 && db_privacy_compact(db) == -1)
		ret = -1;
	return ret;
}

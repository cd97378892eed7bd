/*
 * db/partner: partners' sessions and closure reports, and the impact
 * report's figures.  See partner.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "db/db_int.h"
#include "db/partner.h"
#include "db/reports.h"
#include "db/staff.h"
#include "db/terms.h"
#include "util/buf.h"

const char *const db_closure_reason_names[CLOSURE__MAX] = {
	"trip", "exam", "outbreak", "inset_day", "other",
};
const char *const db_closure_reason_labels[CLOSURE__MAX] = {
	"A trip", "Exams", "An outbreak of illness", "An inset day",
	"Something else",
};

int
db_organisation_name(struct db *db, int64_t organisation_id, char *name,
    size_t n)
{
	static const char sql[] = "SELECT name FROM organisations "
	    "WHERE id = ?";
	sqlite3_stmt *st = db_stmt_with(db, sql, organisation_id);
	int rc;

	*name = '\0';
	if ((rc = db_next(db, st)) == 1) {
		db_copy(name, n, db_col(st, 0));
		db_done(st);
	}
	return rc;
}

int
db_partner_sites(struct db *db, int64_t organisation_id,
    void (*fn)(void *, int64_t, const char *), void *arg)
{
	static const char sql[] = "SELECT id, name FROM sites "
	    "WHERE organisation_id = ? AND active = 1 ORDER BY name, id";
	sqlite3_stmt *st = db_stmt_with(db, sql, organisation_id);
	int rc;

	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1));
	return rc;
}

/*
 * The columns a partner may see, and nothing else: the client's
 * initials are made here from the first letters of their names.
 */
#define PARTNER_OCC_COLS \
	"SELECT o.start_utc, o.end_utc, o.occ_date, o.state, si.name," \
	" coalesce(r.name, ''), t.name," \
	" CASE WHEN g.id IS NOT NULL THEN g.name" \
	"  WHEN rf.id IS NULL OR rf.given_name = '' THEN 'A client'" \
	"  ELSE upper(substr(rf.given_name, 1, 1)) || '. ' ||" \
	"   upper(substr(rf.family_name, 1, 1)) || '.' END" \
	" FROM occurrences o JOIN series s ON s.id = o.series_id" \
	" JOIN sites si ON si.id = o.site_id" \
	" JOIN therapists t ON t.id = o.therapist_id" \
	" LEFT JOIN rooms r ON r.id = o.room_id" \
	" LEFT JOIN groups g ON g.id = s.group_id" \
	" LEFT JOIN clients c ON c.id = s.client_id" \
	" LEFT JOIN referrals rf ON rf.id = c.referral_id "

static void
partner_occ_read(sqlite3_stmt *st, struct db_partner_occ *o)
{
	memset(o, 0, sizeof(*o));
	o->start_utc = sqlite3_column_int64(st, 0);
	o->end_utc = sqlite3_column_int64(st, 1);
	db_copy(o->date, sizeof(o->date), db_col(st, 2));
	db_copy(o->state, sizeof(o->state), db_col(st, 3));
	db_copy(o->site, sizeof(o->site), db_col(st, 4));
	db_copy(o->room, sizeof(o->room), db_col(st, 5));
	db_copy(o->therapist, sizeof(o->therapist), db_col(st, 6));
	db_copy(o->who, sizeof(o->who), db_col(st, 7));
}

/* db_each's reader of a session row for fn(arg, const occ *). */
DB_ROW_CALL(partner_occ_row, struct db_partner_occ, partner_occ_read)

int
db_partner_occ_each(struct db *db, int64_t organisation_id,
    int64_t from_utc, int64_t to_utc,
    void (*fn)(void *, const struct db_partner_occ *), void *arg)
{
	static const char sql[] = PARTNER_OCC_COLS
	    "WHERE o.site_id IN (SELECT id FROM sites WHERE organisation_id"
	    " = ?1) AND o.start_utc >= ?2 AND o.start_utc < ?3"
	    " ORDER BY o.start_utc, si.name, o.id";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st != NULL) {
		db_bind_id(st, 1, organisation_id);
		db_bind_int(st, 2, from_utc);
		db_bind_int(st, 3, to_utc);
	}
	return db_each(db, st, partner_occ_row, (db_any_fn)fn, arg);
}

int
db_site_occ_each(struct db *db, int64_t site_id, const char *first,
    const char *last, void (*fn)(void *, const struct db_partner_occ *),
    void *arg)
{
	static const char sql[] = PARTNER_OCC_COLS
	    "WHERE o.site_id = ?1 AND o.occ_date >= ?2 AND o.occ_date <= ?3"
	    " AND o.state != 'cancelled' ORDER BY o.start_utc, o.id";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st != NULL) {
		db_bind_id(st, 1, site_id);
		db_bind_text(st, 2, first);
		db_bind_text(st, 3, last);
	}
	return db_each(db, st, partner_occ_row, (db_any_fn)fn, arg);
}

enum db_result
db_closure_report_add(struct db *db, int64_t organisation_id,
    int64_t site_id, const char *first, const char *last,
    enum closure_reason reason, const char *detail, int64_t user_id,
    const char *addr, int64_t *id)
{
	static const char sql_own[] = "SELECT 1 FROM sites WHERE id = ?1 "
	    "AND organisation_id = ?2";
	static const char sql[] = "INSERT INTO closure_reports (site_id, "
	    "first_day, last_day, reason, detail, reported_by, reported_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))";
	sqlite3_stmt *st;
	enum db_result r;
	char line[160];
	int rc;

	*id = 0;
	if ((unsigned)reason >= CLOSURE__MAX)
		return DB_INVALID;
	if ((r = db_tx_begin(db)) != DB_OK)
		return r;
	if ((st = db_stmt(db, sql_own)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "closure report");
	db_bind_id(st, 1, site_id);
	db_bind_id(st, 2, organisation_id);
	rc = db_step(st);
	db_done(st);
	if (rc == SQLITE_DONE) {
		/* Not theirs: a refusal to explain, not an error to log. */
		db_rollback(db);
		return DB_INVALID;
	}
	if (rc != SQLITE_ROW)
		return db_tx_fail(db, db_errcode(db), "closure report");
	if ((st = db_stmt(db, sql)) == NULL)
		return db_tx_fail(db, SQLITE_ERROR, "closure report");
	db_bind_id(st, 1, site_id);
	db_bind_text(st, 2, first);
	db_bind_text(st, 3, last);
	db_bind_text(st, 4, db_closure_reason_names[reason]);
	db_bind_text(st, 5, detail);
	db_bind_id(st, 6, user_id);
	if ((rc = db_run(st)) != SQLITE_DONE)
		return db_tx_fail(db, rc, "closure report");
	*id = sqlite3_last_insert_rowid(db->conn);
	snprintf(line, sizeof(line), "closure reported: site %lld, %s to %s, "
	    "%s", (long long)site_id, first, last,
	    db_closure_reason_names[reason]);
	if (db_audit(db, user_id, addr, "closure-report", 0, 0, line) == -1)
		return db_tx_fail(db, db_errcode(db), "closure report");
	return db_tx_commit(db, "closure report");
}

int
db_closure_report_each(struct db *db, int64_t organisation_id,
    void (*fn)(void *, const struct db_closure_report *), void *arg)
{
	static const char sql[] = "SELECT cr.id, cr.site_id, s.name, "
	    "coalesce(o.name, ''), cr.first_day, cr.last_day, cr.reason, "
	    "cr.detail, cr.status, coalesce(u.name, ''), cr.reported_at "
	    "FROM closure_reports cr JOIN sites s ON s.id = cr.site_id "
	    "LEFT JOIN organisations o ON o.id = s.organisation_id "
	    "LEFT JOIN users u ON u.id = cr.reported_by "
	    "WHERE ?1 IS NULL OR s.organisation_id = ?1 "
	    "ORDER BY cr.status != 'proposed', cr.id DESC LIMIT 200";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct db_closure_report c;
	int rc;

	if (st != NULL)
		db_bind_id(st, 1, organisation_id);
	while ((rc = db_next(db, st)) == 1) {
		memset(&c, 0, sizeof(c));
		c.id = sqlite3_column_int64(st, 0);
		c.site_id = sqlite3_column_int64(st, 1);
		db_copy(c.site, sizeof(c.site), db_col(st, 2));
		db_copy(c.organisation, sizeof(c.organisation), db_col(st, 3));
		db_copy(c.first_day, sizeof(c.first_day), db_col(st, 4));
		db_copy(c.last_day, sizeof(c.last_day), db_col(st, 5));
		db_copy(c.reason, sizeof(c.reason), db_col(st, 6));
		db_copy(c.detail, sizeof(c.detail), db_col(st, 7));
		db_copy(c.status, sizeof(c.status), db_col(st, 8));
		db_copy(c.reported_by, sizeof(c.reported_by), db_col(st, 9));
		db_copy(c.reported_at, sizeof(c.reported_at), db_col(st, 10));
		fn(arg, &c);
	}
	return rc;
}

/* ---- the impact report ---- */

/*
 * d: the sessions delivered in [?1, ?2) (not cancelled, someone
 * attended: as /reports counts them) with their site's organisation and
 * region; p: the people who attended one of them.
 */
#define IMPACT_DELIVERED \
	"WITH d AS (SELECT o.start_utc, o.end_utc, si.organisation_id AS org," \
	" si.region AS region FROM occurrences o" \
	" JOIN sites si ON si.id = o.site_id" \
	" WHERE o.start_utc >= ?1 AND o.start_utc < ?2" \
	" AND o.state != 'cancelled' AND EXISTS (SELECT 1 FROM attendance a" \
	" WHERE a.series_id = o.series_id AND a.occ_date = o.occ_date" \
	" AND a.status = 'attended')) "

static const char sql_impact_totals[] = IMPACT_DELIVERED
    "SELECT count(*), coalesce(sum(org IS NULL), 0),"
    " coalesce(sum(org IS NOT NULL), 0),"
    " coalesce(sum(end_utc - start_utc), 0), count(DISTINCT org) FROM d";

static const char sql_impact_regions[] = IMPACT_DELIVERED
    "SELECT region, count(*), sum(end_utc - start_utc)"
    " FROM d GROUP BY region ORDER BY region = '', 3 DESC, region";

/*
 * People who attended a session in the period, and of them those whose
 * first attended session ever (first_sessions, kept by triggers) was
 * more than ?3 months before the period's end.
 */
static const char sql_impact_people[] = "WITH p AS (SELECT c.referral_id "
    "AS rid FROM occurrences o CROSS JOIN attendance a ON o.series_id = "
    "a.series_id AND o.occ_date = a.occ_date CROSS JOIN clients c ON "
    "c.id = a.client_id WHERE a.status = 'attended' AND o.state != "
    "'cancelled' AND o.start_utc >= ?1 AND o.start_utc < ?2 GROUP BY "
    "c.referral_id) SELECT count(*), coalesce(sum(f.first_utc < "
    "CAST(strftime('%s', ?2, 'unixepoch', '-' || ?3 || ' months') AS "
    "INTEGER)), 0) FROM p LEFT JOIN first_sessions f ON "
    "f.referral_id = p.rid";

/* The instant long_term_months before ?1, as sql_impact_people has it. */
static const char sql_impact_cutoff[] = "SELECT CAST(strftime('%s', ?1, "
    "'unixepoch', '-' || ?2 || ' months') AS INTEGER)";
static const char sql_impact_site[] = "SELECT organisation_id, region "
    "FROM sites WHERE id = ?";

/* Client answers given in the period, and client surveys sent. */
static const char sql_impact_client[] = "SELECT "
    "coalesce(sum(positive = 'agree'), 0), count(*), "
    "coalesce(sum(quality_of_life = 'agree'), 0), count(*), "
    "coalesce(sum(social = 'agree'), 0), count(*), "
    "(SELECT count(*) FROM outbox WHERE kind = 'outcome_survey' "
    "AND created_at >= ?1 AND created_at < ?2) "
    "FROM outcomes WHERE answered_at >= ?1 AND answered_at < ?2";

/*
 * Family and partner answers given, and their surveys sent: the answers
 * from surveys_answered alone (044), by kind.
 */
static const char sql_impact_surveys[] = "SELECT "
    "coalesce(sum(kind = 'family' AND q1 = 'agree'), 0), "
    "coalesce(sum(kind = 'family' AND q1 IS NOT NULL), 0), "
    "coalesce(sum(kind = 'partner' AND q1 = 'agree'), 0), "
    "coalesce(sum(kind = 'partner' AND q1 IS NOT NULL), 0), "
    "coalesce(sum(kind = 'partner' AND q2 = 'agree'), 0), "
    "coalesce(sum(kind = 'partner' AND q2 IS NOT NULL), 0), "
    "(SELECT count(*) FROM surveys WHERE kind = 'family' "
    "AND sent_at >= ?1 AND sent_at < ?2), "
    "(SELECT count(*) FROM surveys WHERE kind = 'partner' "
    "AND sent_at >= ?1 AND sent_at < ?2) "
    "FROM surveys WHERE kind IN ('family', 'partner') "
    "AND answered_at >= ?1 AND answered_at < ?2";

/*
 * The answers and surveys of months [?1, ?2) of report_answer_months
 * (055), by kind: 0 the clients' (their three questions), 1 the
 * families', 2 the partners'.
 */
static const char sql_impact_months[] = "SELECT kind, sent, answers, "
    "agreed1, agreed2, agreed3, answered1, answered2 "
    "FROM report_answer_months WHERE kind IN (0, 1, 2) "
    "AND month >= ?1 AND month < ?2";

static void
iso_of(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Adds n sessions of secs at a site in region to the regions of m. */
static void
impact_region_add(struct db_impact *m, size_t *cap, const char *region,
    int64_t n, int64_t secs)
{
	struct db_impact_region *g;
	size_t i;

	for (i = 0; i < m->nregions; i++)
		if (strcmp(m->regions[i].region, region) == 0)
			break;
	if (i == m->nregions) {
		if (m->nregions == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			m->regions = xrealloc(m->regions,
			    *cap * sizeof(*m->regions));
		}
		g = &m->regions[m->nregions++];
		memset(g, 0, sizeof(*g));
		db_copy(g->region, sizeof(g->region), region);
	}
	m->regions[i].sessions += n;
	m->regions[i].seconds += secs;
}

/* Regions as sql_impact_regions: "" last, then most hours, by name. */
static int
impact_region_order(const void *a, const void *b)
{
	const struct db_impact_region *x = a, *y = b;

	if ((x->region[0] == '\0') != (y->region[0] == '\0'))
		return x->region[0] == '\0' ? 1 : -1;
	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	return strcmp(x->region, y->region);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sessions and people of [from_utc, to_utc) as /reports reads them
 * from the summaries (db_report_sessions_load): by site, then by the
 * site's organisation and region.
 */
static int
impact_summed(struct db *db, struct db_impact *m, int64_t from_utc,
    int64_t to_utc, int long_term_months)
{
	struct db_report *r = NULL;
	const struct db_report_group *g;
	sqlite3_stmt *st;
	int64_t cutoff, *orgs = NULL, org;
	size_t i, norgs = 0, cap = 0;
	int rc = -1;

	if ((st = db_stmt(db, sql_impact_cutoff)) == NULL)
		return -1;
	db_bind_int(st, 1, to_utc);
	db_bind_int(st, 2, long_term_months);
	if (db_next(db, st) != 1)
		return -1;
	cutoff = sqlite3_column_int64(st, 0);
	db_done(st);
	if (db_report_sessions_load(db, from_utc, to_utc, cutoff,
	    &m->long_term, &r) == -1)
		return -1;
	m->people = r->people;
	orgs = xcalloc(r->ngroups[REPORT_BY_SITE] + 1, sizeof(*orgs));
	for (i = 0; i < r->ngroups[REPORT_BY_SITE]; i++) {
		g = &r->groups[REPORT_BY_SITE][i];
		if ((st = db_stmt_with(db, sql_impact_site,
		    atoll(g->key))) == NULL)
			goto out;
		if (db_step(st) != SQLITE_ROW) {	/* no such site */
			db_done(st);
			continue;
		}
		org = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 0);
		impact_region_add(m, &cap, db_col(st, 1), g->sessions,
		    g->seconds);
		db_done(st);
		m->sessions += g->sessions;
		m->seconds += g->seconds;
		if (org == -1)
			m->sessions_own += g->sessions;
		else {
			m->sessions_partner += g->sessions;
			orgs[norgs++] = org;
		}
	}
	if (norgs > 0) {
		qsort(orgs, norgs, sizeof(*orgs), int64_cmp);
		m->organisations = 1;
		for (i = 1; i < norgs; i++)
			m->organisations += orgs[i] != orgs[i - 1];
	}
	if (m->nregions > 1)
		qsort(m->regions, m->nregions, sizeof(*m->regions),
		    impact_region_order);
	rc = 0;
out:
	free(orgs);
	db_report_free(r);
	return rc;
}

/* The sessions and people of [from_utc, to_utc) from the raw rows. */
static int
impact_raw(struct db *db, struct db_impact *m, int64_t from_utc,
    int64_t to_utc, int long_term_months)
{
	struct db_impact_region *g;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if ((st = db_stmt(db, sql_impact_totals)) == NULL)
		return -1;
	db_bind_int(st, 1, from_utc);
	db_bind_int(st, 2, to_utc);
	if (db_next(db, st) != 1)
		return -1;
	m->sessions = sqlite3_column_int64(st, 0);
	m->sessions_own = sqlite3_column_int64(st, 1);
	m->sessions_partner = sqlite3_column_int64(st, 2);
	m->seconds = sqlite3_column_int64(st, 3);
	m->organisations = sqlite3_column_int64(st, 4);
	db_done(st);

	if ((st = db_stmt(db, sql_impact_regions)) == NULL)
		return -1;
	db_bind_int(st, 1, from_utc);
	db_bind_int(st, 2, to_utc);
	while ((rc = db_next(db, st)) == 1) {
		if (m->nregions == cap) {
			cap = cap ? cap * 2 : 8;
			m->regions = xrealloc(m->regions,
			    cap * sizeof(*m->regions));
		}
		g = &m->regions[m->nregions++];
		db_copy(g->region, sizeof(g->region), db_col(st, 0));
		g->sessions = sqlite3_column_int64(st, 1);
		g->seconds = sqlite3_column_int64(st, 2);
	}
	if (rc != 0)
		return -1;

	if ((st = db_stmt(db, sql_impact_people)) == NULL)
		return -1;
	db_bind_int(st, 1, from_utc);
	db_bind_int(st, 2, to_utc);
	db_bind_int(st, 3, long_term_months);
	if (db_next(db, st) != 1)
		return -1;
	m->people = sqlite3_column_int64(st, 0);
	m->long_term = sqlite3_column_int64(st, 1);
	db_done(st);
	return 0;
}

/* The answers given and surveys sent in [from_utc, to_utc), added to m. */
static int
impact_answers_rows(struct db *db, struct db_impact *m, int64_t from_utc,
    int64_t to_utc)
{
	sqlite3_stmt *st;
	char from[21], to[21];
	int k;

	if (from_utc >= to_utc)
		return 0;
	iso_of(from_utc, from);
	iso_of(to_utc, to);
	if ((st = db_stmt(db, sql_impact_client)) == NULL)
		return -1;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	if (db_next(db, st) != 1)
		return -1;
	for (k = 0; k < 3; k++) {
		m->agreed[k] += sqlite3_column_int64(st, 2 * k);
		m->answered[k] += sqlite3_column_int64(st, 2 * k + 1);
		m->sent[k] += sqlite3_column_int64(st, 6);
	}
	db_done(st);

	if ((st = db_stmt(db, sql_impact_surveys)) == NULL)
		return -1;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	if (db_next(db, st) != 1)
		return -1;
	for (k = 0; k < 3; k++) {
		m->agreed[IMPACT_RELATIONSHIP + k] +=
		    sqlite3_column_int64(st, 2 * k);
		m->answered[IMPACT_RELATIONSHIP + k] +=
		    sqlite3_column_int64(st, 2 * k + 1);
	}
	m->sent[IMPACT_RELATIONSHIP] += sqlite3_column_int64(st, 6);
	m->sent[IMPACT_SKILLS] += sqlite3_column_int64(st, 7);
	m->sent[IMPACT_ATMOSPHERE] += sqlite3_column_int64(st, 7);
	db_done(st);
	return 0;
}

/*
 * The answers and surveys of [from_utc, to_utc): the whole UTC months
 * inside it from report_answer_months (055), the hours at its ends
 * from the rows; or (raw, or no whole month) all from the rows.
 */
static int
impact_answers(struct db *db, struct db_impact *m, int64_t from_utc,
    int64_t to_utc, int raw)
{
	sqlite3_stmt *st;
	int64_t k0, k1, kind;
	int rc;

	db_utc_months(from_utc, to_utc, &k0, &k1);
	if (raw || k0 >= k1)
		return impact_answers_rows(db, m, from_utc, to_utc);
	if (impact_answers_rows(db, m, from_utc, db_utc_month_start(k0)) ==
	    -1 || impact_answers_rows(db, m, db_utc_month_start(k1),
	    to_utc) == -1 || (st = db_stmt(db, sql_impact_months)) == NULL)
		return -1;
	db_bind_int(st, 1, k0);
	db_bind_int(st, 2, k1);
	while ((rc = db_next(db, st)) == 1) {
		kind = sqlite3_column_int64(st, 0);
		if (kind == 0) {	/* clients: positive, quality, social */
			m->agreed[IMPACT_POSITIVE] +=
			    sqlite3_column_int64(st, 3);
			m->agreed[IMPACT_QUALITY] +=
			    sqlite3_column_int64(st, 4);
			m->agreed[IMPACT_SOCIAL] +=
			    sqlite3_column_int64(st, 5);
			m->answered[IMPACT_POSITIVE] +=
			    sqlite3_column_int64(st, 2);
			m->answered[IMPACT_QUALITY] +=
			    sqlite3_column_int64(st, 2);
			m->answered[IMPACT_SOCIAL] +=
			    sqlite3_column_int64(st, 2);
			m->sent[IMPACT_POSITIVE] += sqlite3_column_int64(st, 1);
			m->sent[IMPACT_QUALITY] += sqlite3_column_int64(st, 1);
			m->sent[IMPACT_SOCIAL] += sqlite3_column_int64(st, 1);
		} else if (kind == 1) {	/* families: q1 */
			m->agreed[IMPACT_RELATIONSHIP] +=
			    sqlite3_column_int64(st, 3);
			m->answered[IMPACT_RELATIONSHIP] +=
			    sqlite3_column_int64(st, 6);
			m->sent[IMPACT_RELATIONSHIP] +=
			    sqlite3_column_int64(st, 1);
		} else if (kind == 2) {	/* partners: q1, q2 */
			m->agreed[IMPACT_SKILLS] +=
			    sqlite3_column_int64(st, 3);
			m->answered[IMPACT_SKILLS] +=
			    sqlite3_column_int64(st, 6);
			m->agreed[IMPACT_ATMOSPHERE] +=
			    sqlite3_column_int64(st, 4);
			m->answered[IMPACT_ATMOSPHERE] +=
			    sqlite3_column_int64(st, 7);
			m->sent[IMPACT_SKILLS] += sqlite3_column_int64(st, 1);
			m->sent[IMPACT_ATMOSPHERE] +=
			    sqlite3_column_int64(st, 1);
		}
	}
	return rc;
}

/* The figures of [from_utc, to_utc), from the summary or (raw) not. */
static int
impact_load(struct db *db, int64_t from_utc, int64_t to_utc,
    int long_term_months, int raw, struct db_impact **out)
{
	struct db_impact *m;
	int rc = -1;

	*out = NULL;
	m = xcalloc(1, sizeof(*m));
	if (db_read_begin(db) == -1)
		goto out_free;
	if ((raw ? impact_raw : impact_summed)(db, m, from_utc, to_utc,
	    long_term_months) == -1 ||
	    impact_answers(db, m, from_utc, to_utc, raw) == -1)
		goto out;
	rc = 0;
out:
	db_read_end(db);
out_free:
	if (rc == 0)
		*out = m;
	else
		db_impact_free(m);
	return rc;
}

int
db_impact_load(struct db *db, int64_t from_utc, int64_t to_utc,
    int long_term_months, struct db_impact **out)
{
	return impact_load(db, from_utc, to_utc, long_term_months, 0, out);
}

int
db_impact_load_raw(struct db *db, int64_t from_utc, int64_t to_utc,
    int long_term_months, struct db_impact **out)
{
	return impact_load(db, from_utc, to_utc, long_term_months, 1, out);
}

void
db_impact_free(struct db_impact *m)
{
	if (m == NULL)
		return;
	free(m->regions);
	free(m);
}

int
db_partner_term(struct db *db, int64_t organisation_id, const char *day,
    char name[64], char first[11], char last[11])
{
	static const char sql[] = "SELECT name, first_day, last_day FROM "
	    "terms WHERE (organisation_id = ?1 OR site_id IN (SELECT id FROM "
	    "sites WHERE organisation_id = ?1)) AND last_day >= ?2 "
	    "ORDER BY first_day > ?2, first_day, id LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*name = *first = *last = '\0';
	if (st != NULL) {
		db_bind_id(st, 1, organisation_id);
		db_bind_text(st, 2, day);
	}
	if ((rc = db_next(db, st)) == 1) {
		db_copy(name, 64, db_col(st, 0));
		db_copy(first, 11, db_col(st, 1));
		db_copy(last, 11, db_col(st, 2));
		db_done(st);
	}
	return rc;
}

/* ---- records the demo and imports write ---- */

int
db_site_region_set(struct db *db, int64_t site_id, const char *region)
{
	static const char sql[] = "UPDATE sites SET region = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_id(st, 1, site_id);
	db_bind_text(st, 2, region);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

int
db_organisation_region_set(struct db *db, int64_t organisation_id,
    const char *region)
{
	static const char sql_org[] = "UPDATE organisations SET region = ?2 "
	    "WHERE id = ?1";
	static const char sql_sites[] = "UPDATE sites SET region = ?2 "
	    "WHERE organisation_id = ?1";
	const char *const sqls[] = { sql_org, sql_sites };
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((st = db_stmt(db, sqls[i])) == NULL)
			return -1;
		db_bind_id(st, 1, organisation_id);
		db_bind_text(st, 2, region);
		if (db_run(st) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int64_t
db_term_add(struct db *db, int64_t site_id, int64_t organisation_id,
    const char *school_year, const char *name, const char *first,
    const char *last)
{
	struct db_term t;

	/* One writer of terms: db/terms.c's, with its checks. */
	memset(&t, 0, sizeof(t));
	t.site_id = site_id;
	t.organisation_id = organisation_id;
	db_copy(t.school_year, sizeof(t.school_year), school_year);
	db_copy(t.name, sizeof(t.name), name);
	db_copy(t.first_day, sizeof(t.first_day), first);
	db_copy(t.last_day, sizeof(t.last_day), last);
	return db_term_insert(db, &t, 0, "") == DB_OK ? t.id : -1;
}

int
db_organisation_busiest(struct db *db, const char *kind,
    void (*fn)(void *, int64_t, const char *, int64_t), void *arg)
{
	static const char sql[] = "SELECT g.id, g.name, (SELECT count(*) "
	    "FROM occurrences o JOIN sites s ON s.id = o.site_id "
	    "WHERE s.organisation_id = g.id AND o.state != 'cancelled') AS n "
	    "FROM organisations g WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM "
	    "sites s WHERE s.organisation_id = g.id AND s.kind = ?1) "
	    "ORDER BY n DESC, g.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st != NULL)
		db_bind_opt(st, 1, kind);
	while ((rc = db_next(db, st)) == 1)
		fn(arg, sqlite3_column_int64(st, 0), db_col(st, 1),
		    sqlite3_column_int64(st, 2));
	return rc;
}

int64_t
db_survey_add(struct db *db, const char *kind, int64_t referral_id,
    int64_t organisation_id, const char *to_addr, const char *sent_at,
    const char *answered_at, const char *q1, const char *q2,
    const char *comment)
{
	static const char sql[] = "INSERT INTO surveys (kind, referral_id, "
	    "organisation_id, to_addr, sent_at, answered_at, q1, q2, comment) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, kind);
	db_bind_id(st, 2, referral_id);
	db_bind_id(st, 3, organisation_id);
	db_bind_text(st, 4, to_addr);
	db_bind_text(st, 5, sent_at);
	db_bind_opt(st, 6, answered_at);
	db_bind_opt(st, 7, q1);
	db_bind_opt(st, 8, q2);
	db_bind_text(st, 9, comment);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db->conn);
}

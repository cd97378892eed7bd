/*
 * Unit tests for db/records.c, core/world.c and cgi/records_form.c:
 * each write and its failure paths (nothing half-stored), the assignment
 * transaction, and what matching reads, on the real migrations in
 * :memory:.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sqlite3.h>

#include "core/world.h"
#include "cgi/records_form.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/records.h"
#include "db/referrals.h"
#include "sched/sched.h"
#include "tests/unit/testlib.h"

#define TZ	"Europe/London"

static struct db *db;

/* Users: 1 coordinator, 2 and 3 therapists; referrals 1 (waitlisted),
 * 2 (triaged), 3 (new); sites 1 (centre, N1) and 2 (online). */
static const char fixture[] =
    "INSERT INTO users (id, email, name, role, created_at) VALUES "
    " (1, 'c@x.org', 'Cora', 'coordinator', 'x'),"
    " (2, 'thea@x.org', 'Thea T', 'therapist', 'x'),"
    " (3, 'ravi@x.org', 'Ravi P', 'therapist', 'x');"
    "INSERT INTO sites (id, name, kind, postcode) VALUES"
    " (1, 'Centre', 'own_centre', 'N1 1AA'), (2, 'Online', 'online', '');"
    "INSERT INTO referrals (id, ref, status, given_name, family_name,"
    " postcode, date_of_birth, preferred_contact, session_type, needs,"
    " availability, consent_data, created_at, updated_at) VALUES"
    " (1, 'AAAA-AAAA', 'waitlisted', 'Ann', 'A', 'N1 2AB', '1980-01-01',"
    "  'phone', 'individual', 16, 8, 1, '2026-05-01T00:00:00Z', 'x'),"
    " (2, 'BBBB-BBBB', 'triaged', 'Bob', 'B', 'E8 1AA', '1980-01-01',"
    "  'phone', 'either', 1, 8, 1, '2026-05-02T00:00:00Z', 'x'),"
    " (3, 'CCCC-CCCC', 'new', 'Cat', 'C', 'N1 1AA', '1980-01-01',"
    "  'phone', 'group', 1, 8, 1, '2026-05-03T00:00:00Z', 'x');"
    "INSERT INTO referral_sites (referral_id, site_id) VALUES (1, 1),"
    " (1, 2);";

#define BUF_LEN	256

/* Appends to a BUF_LEN buffer, cutting what does not fit. */
static void __attribute__((format(printf, 2, 3)))
cat(char *b, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(b);

	va_start(ap, fmt);
	(void)vsnprintf(b + n, BUF_LEN - n, fmt, ap);
	va_end(ap);
}

static void
setup(void)
{
	char err[256];

	db = db_open(":memory:", err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	testlib_sql_exec(db, fixture);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* A therapist with availability rows; returns the id. */
static int64_t
therapist(const char *name, int64_t user, unsigned specialisms, int max,
    const struct db_week_range *av, size_t nav)
{
	struct db_therapist_edit e;
	int64_t id;

	memset(&e, 0, sizeof(e));
	e.user_id = user;
	e.name = name;
	e.specialisms = specialisms;
	e.languages = "English";
	e.max_caseload = max;
	e.max_hours = 30;
	e.active = 1;
	e.availability = av;
	e.navailability = nav;
	ck_assert_int_eq(db_therapist_save(db, &e, 1, "127.0.0.1", &id),
	    DB_OK);
	return id;
}

/* ---- sites ---- */

static void
site_edit(struct db_site_edit *e, int64_t id, const char *org)
{
	static const char *const serves[] = { "N7", "N16" };
	static const struct db_week_range hours[] = {
		{ 0, 0, 0, 0, 540, 1020 }, { 0, 0, 0, 2, 540, 1200 },
	};

	memset(e, 0, sizeof(*e));
	e->id = id;
	e->name = "Riverside";
	e->kind = SITE_CARE_HOME;
	e->address = "3 Wharf Road";
	e->postcode = "N1 7GR";
	e->district = "N1";
	e->organisation = org;
	e->step_free = 1;
	e->active = 1;
	e->serves = serves;
	e->nserves = 2;
	e->hours = hours;
	e->nhours = 2;
}

static void
add_district(void *arg, int64_t site, const char *d)
{
	char *b = arg;

	(void)site;
	cat(b, "%s,", d);
}

static void
add_range(void *arg, const struct db_week_range *r)
{
	char *b = arg;

	cat(b, "%d:%d-%d,", r->day, r->start_min,
	    r->end_min);
}

START_TEST(test_site_save)
{
	struct db_site_edit e;
	struct db_site_rec s;
	struct db_week_range bad = { 0, 0, 0, 1, 600, 500 };
	char b[BUF_LEN];
	int64_t id, id2, audits;

	site_edit(&e, 0, "Riverside Care");
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id), DB_OK);
	ck_assert_int_gt(id, 2);
	ck_assert_int_eq(db_site_get(db, id, &s), 1);
	ck_assert_str_eq(s.name, "Riverside");
	ck_assert_int_eq(s.kind, SITE_CARE_HOME);
	ck_assert_str_eq(s.district, "N1");
	ck_assert_str_eq(s.organisation, "Riverside Care");
	ck_assert_int_eq(s.nhours, 2);
	b[0] = '\0';
	ck_assert_int_eq(db_site_districts_each(db, id, add_district, b), 0);
	ck_assert_str_eq(b, "N16,N7,");
	b[0] = '\0';
	ck_assert_int_eq(db_site_hours_each(db, id, add_range, b), 0);
	ck_assert_str_eq(b, "0:540-1020,2:540-1200,");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'site-add'"), 1);

	/* An update replaces the lists whole; the organisation is reused. */
	e.id = id;
	e.nserves = 1;
	e.nhours = 1;
	e.name = "Riverside Home";
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id2), DB_OK);
	ck_assert_int_eq(id2, id);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM organisations"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM site_districts"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM site_hours"), 1);
	ck_assert_int_eq(db_site_get(db, id, &s), 1);
	ck_assert_str_eq(s.name, "Riverside Home");

	/* A bad range: nothing half-stored, not even the new name. */
	audits = testlib_sql_int(db, "SELECT count(*) FROM audit");
	e.name = "Changed";
	e.hours = &bad;
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id2), DB_INVALID);
	ck_assert_int_eq(id2, 0);
	ck_assert_int_eq(db_site_get(db, id, &s), 1);
	ck_assert_str_eq(s.name, "Riverside Home");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM site_hours"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit"), audits);
	site_edit(&e, 0, "");
	e.hours = &bad;
	e.nhours = 1;
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id2), DB_INVALID);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sites"), 3);

	/* Gone, and a kind out of range. */
	site_edit(&e, 9999, "");
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id2), DB_CONFLICT);
	site_edit(&e, 0, "");
	e.kind = SITE_KIND__MAX;
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id2), DB_INVALID);
	ck_assert_int_eq(db_site_get(db, 9999, &s), 0);
}
END_TEST

static void
add_period(void *arg, const struct db_period *p)
{
	char *b = arg;

	cat(b, "%s/%s,", p->first_day, p->last_day);
}

START_TEST(test_site_closures)
{
	char b[BUF_LEN] = "";

	ck_assert_int_eq(db_site_closure_add(db, 1, "2026-12-24",
	    "2026-12-26", "Christmas", 1, "a"), DB_OK);
	ck_assert_int_eq(db_site_closure_add(db, 1, "2027-01-05",
	    "2027-01-05", "", 1, "a"), DB_OK);
	ck_assert_int_eq(db_site_closure_add(db, 1, "2027-01-05",
	    "2027-01-04", "", 1, "a"), DB_INVALID);
	ck_assert_int_eq(db_site_closure_add(db, 999, "2027-01-05",
	    "2027-01-05", "", 1, "a"), DB_INVALID);
	ck_assert_int_eq(db_site_closures_each(db, 1, NULL, NULL, add_period,
	    b), 0);
	ck_assert_str_eq(b, "2026-12-24/2026-12-26,2027-01-05/2027-01-05,");
	b[0] = '\0';
	ck_assert_int_eq(db_site_closures_each(db, 0, "2026-12-26",
	    "2027-01-01", add_period, b), 0);
	ck_assert_str_eq(b, "2026-12-24/2026-12-26,");
	ck_assert_int_eq(db_site_closure_delete(db, 2, 1, 1, "a"),
	    DB_CONFLICT);
	ck_assert_int_eq(db_site_closure_delete(db, 1, 1, 1, "a"), DB_OK);
	ck_assert_int_eq(db_site_closure_delete(db, 1, 1, 1, "a"),
	    DB_CONFLICT);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM site_closures"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action "
	    "LIKE 'closure-%'"), 3);
}
END_TEST

/* ---- rooms ---- */

static void
add_room(void *arg, const struct db_room *r)
{
	char *b = arg;

	cat(b, "%s:%d:%d,", r->name, r->capacity,
	    r->active);
}

START_TEST(test_rooms)
{
	struct db_room r, got;
	char b[BUF_LEN] = "";
	int64_t id, id2;

	memset(&r, 0, sizeof(r));
	r.site_id = 1;
	snprintf(r.name, sizeof(r.name), "Blue");
	r.capacity = 2;
	r.piano = 1;
	r.active = 1;
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id), DB_OK);
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id2), DB_INVALID);
	ck_assert_int_eq(id2, 0);
	snprintf(r.name, sizeof(r.name), "Green");
	r.capacity = 0;
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id2), DB_INVALID);
	r.capacity = 8;
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id2), DB_OK);
	/* Update: at its own site only. */
	r.id = id;
	snprintf(r.name, sizeof(r.name), "Blue room");
	r.active = 0;
	r.site_id = 2;
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id2), DB_CONFLICT);
	r.site_id = 1;
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id2), DB_OK);
	ck_assert_int_eq(db_room_get(db, id, &got), 1);
	ck_assert_str_eq(got.name, "Blue room");
	ck_assert_int_eq(got.piano, 1);
	ck_assert_int_eq(got.active, 0);
	ck_assert_int_eq(db_rooms_each(db, 1, add_room, b), 0);
	ck_assert_str_eq(b, "Green:8:1,Blue room:8:0,");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action "
	    "LIKE 'room-%'"), 3);
}
END_TEST

/* ---- therapists ---- */

START_TEST(test_therapist_save)
{
	struct db_week_range av[2] = {
		{ 0, 0, 1, 1, 540, 720 }, { 0, 0, 2, 3, 600, 900 },
	};
	struct db_week_range bad = { 0, 0, 77, 1, 540, 720 };
	struct db_therapist_edit e;
	struct db_therapist t;
	char b[BUF_LEN] = "";
	int64_t id, id2, n;

	id = therapist("Thea", 2, 1u << NEED_DEMENTIA, 8, av, 2);
	ck_assert_int_eq(db_therapist_get(db, id, 0, 0, &t), 1);
	ck_assert_str_eq(t.name, "Thea");
	ck_assert_int_eq(t.user_id, 2);
	ck_assert_str_eq(t.user_email, "thea@x.org");
	ck_assert_int_eq(t.specialisms, 1u << NEED_DEMENTIA);
	ck_assert_int_eq(t.max_caseload, 8);
	ck_assert_int_eq(t.caseload, 0);
	ck_assert_int_eq(db_availability_each(db, id, add_range, b), 0);
	ck_assert_str_eq(b, "1:540-720,3:600-900,");
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'therapist-add' AND subject_user_id = 2"), 1);

	memset(&e, 0, sizeof(e));
	e.name = "Other";
	e.languages = "English";
	e.max_caseload = 3;
	e.max_hours = 10;
	e.active = 1;
	n = testlib_sql_int(db, "SELECT count(*) FROM therapists");
	/* A log-in already linked, or not a therapist's. */
	e.user_id = 2;
	ck_assert_int_eq(db_therapist_save(db, &e, 1, "a", &id2),
	    DB_INVALID);
	e.user_id = 1;
	ck_assert_int_eq(db_therapist_save(db, &e, 1, "a", &id2),
	    DB_INVALID);
	/* Availability at an unknown site: nothing stored at all. */
	e.user_id = 3;
	e.availability = &bad;
	e.navailability = 1;
	ck_assert_int_eq(db_therapist_save(db, &e, 1, "a", &id2),
	    DB_INVALID);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM therapists"), n);
	/* Update replaces the availability; gone is a conflict. */
	e.id = id;
	e.user_id = 0;
	e.availability = av;
	e.navailability = 1;
	ck_assert_int_eq(db_therapist_save(db, &e, 1, "a", &id2), DB_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM therapist_availability"),
	    1);
	ck_assert_int_eq(db_therapist_get(db, id, 0, 0, &t), 1);
	ck_assert_int_eq(t.user_id, 0);
	ck_assert_str_eq(t.user_email, "");
	e.id = 999;
	ck_assert_int_eq(db_therapist_save(db, &e, 1, "a", &id2),
	    DB_CONFLICT);
	ck_assert_int_eq(db_therapist_get(db, 999, 0, 0, &t), 0);
}
END_TEST

START_TEST(test_leave)
{
	char b[BUF_LEN] = "";
	int64_t id = therapist("Thea", 2, 0, 8, NULL, 0);

	ck_assert_int_eq(db_leave_add(db, id, "2026-07-01", "2026-07-14",
	    "Holiday", 1, "a"), DB_OK);
	ck_assert_int_eq(db_leave_add(db, id, "2026-09-01", "2026-09-01",
	    "", 1, "a"), DB_OK);
	ck_assert_int_eq(db_leave_add(db, id, "2026-09-02", "2026-09-01",
	    "", 1, "a"), DB_INVALID);
	ck_assert_int_eq(db_leave_each(db, id, "2026-07-10", "2026-08-01",
	    add_period, b), 0);
	ck_assert_str_eq(b, "2026-07-01/2026-07-14,");
	ck_assert_int_eq(db_leave_delete(db, id, 1, 1, "a"), DB_OK);
	ck_assert_int_eq(db_leave_delete(db, id, 1, 1, "a"), DB_CONFLICT);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM therapist_leave"), 1);
}
END_TEST

/* ---- assignment ---- */

static void
assign_init(struct db_assign *a, int64_t referral, enum status from,
    int64_t therapist_id)
{
	memset(a, 0, sizeof(*a));
	a->referral_id = referral;
	a->from = from;
	a->therapist_id = therapist_id;
	a->detail = "suggested Tuesdays";
	a->user_id = 1;
	a->addr = "127.0.0.1";
	a->msgid_domain = "test.localhost";
}

START_TEST(test_client_assign)
{
	struct db_assign a;
	struct db_client cl;
	struct db_therapist t;
	int64_t thea, ravi, client;
	int emailed;

	thea = therapist("Thea", 2, 0, 1, NULL, 0);
	ravi = therapist("Ravi", 0, 0, 5, NULL, 0);

	/* The page saw it triaged, but it is waitlisted: nothing. */
	assign_init(&a, 1, ST_TRIAGED, thea);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_MOVED);
	assign_init(&a, 3, ST_NEW, thea);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_NOT_OPEN);
	assign_init(&a, 99, ST_WAITLISTED, thea);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_GONE);
	assign_init(&a, 1, ST_WAITLISTED, 99);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_GONE);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM clients"), 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"), 0);

	/* The real thing: all of it in one go. */
	assign_init(&a, 1, ST_WAITLISTED, thea);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_OK);
	ck_assert_int_gt(client, 0);
	ck_assert_int_eq(emailed, 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM referrals WHERE id = 1 "
	    "AND status = 'matched'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM referral_events WHERE "
	    "referral_id = 1 AND from_status = 'waitlisted' AND to_status = "
	    "'matched' AND user_id = 1 AND reason = 'assigned to Thea: "
	    "suggested Tuesdays'"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'assign' AND referral_id = 1 AND subject_user_id = 2"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = "
	    "'therapist_assigned' AND to_addr = 'thea@x.org' AND "
	    "referral_id = 1 AND user_id = 2 AND dedupe_key = "
	    "'therapist-assigned:1'"), 1);
	ck_assert_int_eq(db_client_of_referral(db, 1, &cl), 1);
	ck_assert_int_eq(cl.therapist_id, thea);
	ck_assert_str_eq(cl.ref, "AAAA-AAAA");
	ck_assert_str_eq(cl.name, "Ann A");
	ck_assert_int_eq(db_therapist_get(db, thea, 0, 0, &t), 1);
	ck_assert_int_eq(t.caseload, 1);

	/* Thea is full now; Ravi has no log-in, so no email. */
	assign_init(&a, 2, ST_TRIAGED, thea);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_NO_PLACE);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM referrals WHERE id = 2 "
	    "AND status = 'triaged'"), 1);
	assign_init(&a, 2, ST_TRIAGED, ravi);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_OK);
	ck_assert_int_eq(emailed, 0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM outbox"), 1);

	/* Back on the waitlist (the match fell through), then again: the
	 * old place ends, the new one starts, and continuity is known. */
	ck_assert_int_eq(db_referral_move(db, 1, ST_MATCHED, ST_WAITLISTED, 1,
	    "fell through", "a"), DB_OK);
	ck_assert_int_eq(db_therapist_get(db, thea, 0, 0, &t), 1);
	ck_assert_int_eq(t.caseload, 0);
	assign_init(&a, 1, ST_WAITLISTED, ravi);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM clients WHERE "
	    "referral_id = 1 AND ended_at IS NULL"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM clients WHERE "
	    "referral_id = 1 AND ended_at IS NOT NULL AND therapist_id = 1"),
	    1);

	/* An inactive therapist has no place. */
	testlib_sql_exec(db, "UPDATE therapists SET active = 0 WHERE id = 2");
	testlib_sql_exec(db, "UPDATE referrals SET status = 'waitlisted' WHERE id = 3");
	assign_init(&a, 3, ST_WAITLISTED, ravi);
	ck_assert_int_eq(db_client_assign(db, &a, &client, &emailed),
	    DB_ASSIGN_NO_PLACE);
}
END_TEST

START_TEST(test_client_add)
{
	int64_t thea = therapist("Thea", 2, 0, 4, NULL, 0), id;

	ck_assert_int_eq(db_client_add(db, 1, thea, "2026-01-01T00:00:00Z", 1,
	    &id), DB_INVALID);	/* waitlisted, not matched */
	testlib_sql_exec(db, "UPDATE referrals SET status = 'active' WHERE id = 1");
	ck_assert_int_eq(db_client_add(db, 1, thea, "2026-01-01T00:00:00Z", 1,
	    &id), DB_OK);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(db_client_add(db, 1, thea, "2026-01-01T00:00:00Z", 1,
	    &id), DB_INVALID);	/* already on a caseload */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM clients"), 1);
}
END_TEST

static void
add_client(void *arg, const struct db_client *c)
{
	char *b = arg;

	cat(b, "%s:%s,", c->ref, status_names[c->status]);
}

START_TEST(test_clients_each)
{
	char b[BUF_LEN] = "";
	int64_t thea = therapist("Thea", 2, 0, 4, NULL, 0), id;

	testlib_sql_exec(db, "UPDATE referrals SET status = 'active' WHERE id IN (1, 2)");
	ck_assert_int_eq(db_client_add(db, 1, thea, "2026-01-01T00:00:00Z", 1,
	    &id), DB_OK);
	ck_assert_int_eq(db_client_add(db, 2, thea, "2026-01-02T00:00:00Z", 1,
	    &id), DB_OK);
	testlib_sql_exec(db, "UPDATE referrals SET status = 'closed' WHERE id = 1");
	ck_assert_int_eq(db_clients_each(db, thea, 1, add_client, b), 0);
	ck_assert_str_eq(b, "BBBB-BBBB:active,");
	b[0] = '\0';
	ck_assert_int_eq(db_clients_each(db, 0, 0, add_client, b), 0);
	ck_assert_str_eq(b, "BBBB-BBBB:active,AAAA-AAAA:closed,");
}
END_TEST

/* ---- caseloads ---- */

/* Adds n closed referrals from id first, each an ended client of t: the
 * history that a caseload count has no need to read. */
static void
past_clients(int64_t t, int first, int n)
{
	char sql[1024];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE n(i) AS (SELECT %d"
	    " UNION ALL SELECT i + 1 FROM n WHERE i < %d) INSERT INTO"
	    " referrals (id, ref, status, given_name, family_name, postcode,"
	    " date_of_birth, preferred_contact, session_type, needs,"
	    " availability, consent_data, created_at, updated_at) SELECT i,"
	    " printf('P%%07d', i), 'closed', 'Past', 'P', 'N1 2AB',"
	    " '1980-01-01', 'phone', 'individual', 1, 8, 1,"
	    " '2020-01-01T00:00:00Z', 'x' FROM n;"
	    "INSERT INTO clients (referral_id, therapist_id, started_at,"
	    " ended_at) SELECT id, %lld, '2020-01-01T00:00:00Z',"
	    " '2020-06-01T00:00:00Z' FROM referrals WHERE id >= %d;",
	    first, first + n - 1, (long long)t, first);
	testlib_sql_exec(db, sql);
}

static void
add_caseload(void *arg, const struct db_therapist *t)
{
	char *b = arg;

	cat(b, "%s:%d,", t->name, t->caseload);
}

/* The list and one therapist's page count the same open clients. */
static void
caseloads_check(int64_t thea, int64_t ravi)
{
	struct db_therapist t;
	char b[BUF_LEN] = "";

	ck_assert_int_eq(db_therapists_each(db, 0, 0, add_caseload, b), 0);
	ck_assert_str_eq(b, "Ravi:0,Thea:2,");
	ck_assert_int_eq(db_therapist_get(db, thea, 0, 0, &t), 1);
	ck_assert_int_eq(t.caseload, 2);
	ck_assert_int_eq(db_therapist_get(db, ravi, 0, 0, &t), 1);
	ck_assert_int_eq(t.caseload, 0);
}

/*
 * The therapist list (and so the matching world) counts caseloads from
 * indexes: no client's or referral's row, whatever the history.
 */
START_TEST(test_caseload_reads)
{
	static const char needle[] = "ORDER BY t.active DESC";
	int64_t thea = therapist("Thea", 2, 0, 9, NULL, 0);
	int64_t ravi = therapist("Ravi", 0, 0, 9, NULL, 0);
	char sql[512], *plan;
	int few, many;

	/* Ann active and Bob matched with Thea; Cat's referral closed
	 * with her place on Ravi's caseload not ended: not counted. */
	(void)snprintf(sql, sizeof(sql), "UPDATE referrals SET status ="
	    " 'active' WHERE id = 1; UPDATE referrals SET status ="
	    " 'matched' WHERE id = 2; INSERT INTO clients (referral_id,"
	    " therapist_id, started_at) VALUES (1, %lld, 'x'), (2, %lld,"
	    " 'x'), (3, %lld, 'x'); UPDATE referrals SET status = 'closed'"
	    " WHERE id = 3;", (long long)thea, (long long)thea,
	    (long long)ravi);
	testlib_sql_exec(db, sql);
	past_clients(thea, 100, 10);
	caseloads_check(thea, ravi);
	few = testlib_stmt_steps(db, needle);
	past_clients(thea, 1000, 1000);
	past_clients(ravi, 3000, 1000);
	caseloads_check(thea, ravi);
	many = testlib_stmt_steps(db, needle);
	ck_assert_msg(many <= few + 10, "steps %d with 10 past clients, %d "
	    "with 2,010", few, many);
	plan = testlib_sql_plan(db, testlib_stmt_sql(db, needle));
	ck_assert_msg(strstr(plan, "SEARCH c USING COVERING INDEX "
	    "clients_caseload") != NULL, "%s", plan);
	ck_assert_msg(strstr(plan, "SEARCH r USING COVERING INDEX "
	    "referrals_status_created") != NULL, "%s", plan);
	ck_assert_msg(strstr(plan, "SEARCH r USING INTEGER") == NULL &&
	    strstr(plan, "SEARCH c USING INDEX") == NULL &&
	    strstr(plan, "SCAN c") == NULL && strstr(plan, "SCAN r") == NULL,
	    "%s", plan);
	free(plan);
}
END_TEST

/* ---- what matching reads ---- */

struct seen {
	char	 text[BUF_LEN];
	int64_t	 previous;
};

static void
add_match_ref(void *arg, const struct db_match_referral *m)
{
	struct seen *s = arg;
	size_t i;

	cat(s->text, "%s:%s:", m->ref,
	    m->postcode);
	for (i = 0; i < m->nsites; i++)
		cat(s->text, "%lld.",
		    (long long)m->sites[i]);
	cat(s->text, ",");
	s->previous = m->previous_therapist_id;
}

START_TEST(test_match_referrals)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(db_match_referrals_each(db, 0, ST_WAITLISTED,
	    add_match_ref, &s), 0);
	ck_assert_str_eq(s.text, "AAAA-AAAA:N1 2AB:1.2.,");
	/* A plan's bound: at most max, longest waiting first. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(db_match_referrals_first(db, 0, ST_WAITLISTED, 0,
	    add_match_ref, &s), 0);
	ck_assert_str_eq(s.text, "");
	ck_assert_int_eq(db_match_referrals_first(db, 0, ST_WAITLISTED, 1,
	    add_match_ref, &s), 0);
	ck_assert_str_eq(s.text, "AAAA-AAAA:N1 2AB:1.2.,");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(db_match_referrals_each(db, 2, ST_NEW,
	    add_match_ref, &s), 0);
	ck_assert_str_eq(s.text, "BBBB-BBBB:E8 1AA:,");
	ck_assert_int_eq(s.previous, 0);
	ck_assert_int_eq(db_match_referrals_each(db, 0, STATUS__MAX,
	    add_match_ref, &s), -1);
}
END_TEST

static void
add_busy(void *arg, int64_t t, int64_t room, int64_t site, time_t a,
    time_t b)
{
	char *buf = arg;

	cat(buf, "%lld:%lld:%lld:%lld,", (long long)t,
	    (long long)room, (long long)site, (long long)(b - a));
}

START_TEST(test_busy)
{
	char b[BUF_LEN] = "";

	therapist("Thea", 2, 0, 4, NULL, 0);
	/* Occurrences alone: the series they belong to do not matter. */
	testlib_sql_exec(db, "PRAGMA foreign_keys = OFF;"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc,"
	    " end_utc, therapist_id, room_id, site_id, state) VALUES"
	    " (1, 'a', 1000, 3700, 1, NULL, 1, 'booked'),"
	    " (1, 'b', 5000, 7700, 1, NULL, 1, 'cancelled'),"
	    " (1, 'c', 90000, 92700, 1, NULL, 1, 'moved'),"
	    " (1, 'd', 200000, 202700, 1, NULL, 1, 'booked');"
	    "PRAGMA foreign_keys = ON;");
	ck_assert_int_eq(db_busy_each(db, 2000, 100000, add_busy, b), 0);
	ck_assert_str_eq(b, "1:0:1:2700,1:0:1:2700,");
}
END_TEST

/* ---- core/world ---- */

/* 2026-06-01T00:00:00Z, a Monday; the window is June. */
#define JUNE_1	((time_t)1780272000)

/*
 * The centre (N1) is open weekdays 09-17 with one room; Thea (dementia)
 * and Ravi (dementia) work Tuesdays 09-12 there; Ann (dementia, N1) can
 * come Tuesday mornings.
 */
static void
match_fixture(void)
{
	struct db_site_edit e;
	struct db_week_range hours[5], av = { 0, 0, 1, 1, 540, 720 };
	struct db_room r;
	int64_t id;
	int k;

	memset(&e, 0, sizeof(e));
	e.id = 1;
	e.name = "Centre";
	e.kind = SITE_OWN_CENTRE;
	e.postcode = "N1 1AA";
	e.district = "N1";
	e.step_free = 1;
	e.active = 1;
	for (k = 0; k < 5; k++) {
		memset(&hours[k], 0, sizeof(hours[k]));
		hours[k].day = k;
		hours[k].start_min = 540;
		hours[k].end_min = 1020;
	}
	e.hours = hours;
	e.nhours = 5;
	ck_assert_int_eq(db_site_save(db, &e, 1, "a", &id), DB_OK);
	memset(&r, 0, sizeof(r));
	r.site_id = 1;
	snprintf(r.name, sizeof(r.name), "Blue");
	r.capacity = 1;
	r.accessible = 1;
	r.active = 1;
	ck_assert_int_eq(db_room_save(db, &r, 1, "a", &id), DB_OK);
	ck_assert_int_eq(therapist("Thea", 2, 1u << NEED_DEMENTIA, 4, &av, 1),
	    1);
	ck_assert_int_eq(therapist("Ravi", 3, 1u << NEED_DEMENTIA, 4, &av, 1),
	    2);
}

START_TEST(test_match_load)
{
	struct core_world *md = NULL;
	struct core_referral *refs = NULL;
	struct sched_result res;
	char err[256];
	size_t n = 0, i;
	int seen_thea = 0;

	match_fixture();
	/* Thea is booked Tuesday 2 June 10:00-10:45 BST (09:00Z): every
	 * Tuesday 10:00-10:45 is taken.  Ravi is away three weeks. */
	testlib_sql_exec(db, "PRAGMA foreign_keys = OFF;"
	    "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc,"
	    " therapist_id, room_id, site_id) VALUES (1, '2026-06-02',"
	    " 1780390800, 1780393500, 1, NULL, 1);"
	    "PRAGMA foreign_keys = ON;");
	ck_assert_int_eq(db_leave_add(db, 2, "2026-06-01", "2026-06-21", "",
	    1, "a"), DB_OK);
	ck_assert_int_eq(core_world_load(db, TZ, JUNE_1, &md, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(md->first_day, "2026-06-01");
	ck_assert_str_eq(md->last_day, "2026-06-28");
	ck_assert_int_eq(md->ntherapists, 2);
	ck_assert_int_eq(md->nsites, 2);
	ck_assert_int_eq(md->nrooms, 1);
	ck_assert_int_eq(md->nbusy, 1);
	ck_assert_int_eq(core_world_therapist(md, 2)->on_leave, 1);
	ck_assert_int_eq(core_world_therapist(md, 2)->leave_days, 21);
	ck_assert_int_eq(core_world_therapist(md, 1)->on_leave, 0);
	ck_assert_str_eq(core_world_site(md, 1)->district, "N1");
	ck_assert_ptr_null(core_world_site(md, 99));

	ck_assert_int_eq(core_referrals_load(db, 1, ST_NEW, JUNE_1, &refs,
	    &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(refs[0].district, "N1");
	ck_assert_str_eq(refs[0].r.postcode, "N1");
	ck_assert_int_eq(refs[0].r.nsites, 2);
	ck_assert_ptr_eq(refs[0].r.sites, refs[0].sites);
	ck_assert_int_eq(refs[0].r.waiting_days, 31);
	ck_assert_int_eq(refs[0].r.session_type, SCHED_INDIVIDUAL);

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(sched_match(md->world, &refs[0].r, NULL, &res), 0);
	ck_assert_int_gt(res.nmatches, 0);
	for (i = 0; i < res.nmatches; i++) {
		ck_assert_int_eq(res.matches[i].therapist_id, 1);
		ck_assert_int_eq(res.matches[i].day, 1);
		ck_assert_int_eq(res.matches[i].room_id, 1);
		/* Never over the booking at 10:00-10:45. */
		ck_assert_msg(res.matches[i].start_min + 45 <= 600 ||
		    res.matches[i].start_min >= 645, "start %d",
		    res.matches[i].start_min);
		seen_thea = 1;
	}
	ck_assert_int_eq(seen_thea, 1);
	ck_assert_int_eq(res.nexclusions, 1);
	ck_assert_int_eq(res.exclusions[0].therapist_id, 2);
	ck_assert_int_eq(res.exclusions[0].why, SCHED_OUT_ON_LEAVE);
	sched_result_free(&res);
	core_world_free(md);

	/* Closed two of June's four Tuesdays: no Tuesday at the centre. */
	ck_assert_int_eq(db_site_closure_add(db, 1, "2026-06-09",
	    "2026-06-16", "Works", 1, "a"), DB_OK);
	ck_assert_int_eq(core_world_load(db, TZ, JUNE_1, &md, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(core_world_site(md, 1)->closed_days, 1u << 1);
	ck_assert_int_eq(sched_match(md->world, &refs[0].r, NULL, &res), 0);
	ck_assert_int_eq(res.nmatches, 0);
	sched_result_free(&res);
	core_world_free(md);

	/* Unknown zone: an error, nothing to free. */
	ck_assert_int_eq(core_world_load(db, "Nowhere/Such", JUNE_1, &md, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(md);
	core_referrals_free(refs, n);
}
END_TEST

START_TEST(test_match_hours_full)
{
	struct core_world *md = NULL;
	char err[256];

	match_fixture();
	/* 30 hours a week at most; 4 weeks of 29.5 booked hours a week. */
	testlib_sql_exec(db, "UPDATE therapists SET max_hours = 30 WHERE id = 1;"
	    "PRAGMA foreign_keys = OFF;"
	    "WITH RECURSIVE w(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM w"
	    " WHERE n < 3) INSERT INTO occurrences (series_id, occ_date,"
	    " start_utc, end_utc, therapist_id, room_id, site_id) SELECT 1,"
	    " 'd' || n, 1780300000 + n * 604800, 1780300000 + n * 604800 +"
	    " 106200, 1, NULL, 1 FROM w;"
	    "PRAGMA foreign_keys = ON;");
	ck_assert_int_eq(core_world_load(db, TZ, JUNE_1, &md, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(core_world_therapist(md, 1)->booked_min_week, 1770);
	ck_assert_int_eq(core_world_therapist(md, 1)->hours_full, 1);
	ck_assert_int_eq(core_world_therapist(md, 2)->hours_full, 0);
	core_world_free(md);
}
END_TEST

/* ---- records_form ---- */

START_TEST(test_rf_time)
{
	int m;
	char out[6];

	ck_assert_int_eq(valid_time("09:30", 0, &m), 0);
	ck_assert_int_eq(m, 570);
	ck_assert_int_eq(valid_time("9:05", 0, &m), 0);
	ck_assert_int_eq(m, 545);
	ck_assert_int_eq(valid_time("17:00:00", 0, &m), 0);
	ck_assert_int_eq(m, 1020);
	ck_assert_int_eq(valid_time("24:00", 1, &m), 0);
	ck_assert_int_eq(m, 1440);
	ck_assert_int_eq(valid_time("24:00", 0, &m), -1);
	ck_assert_int_eq(valid_time("24:01", 1, &m), -1);
	ck_assert_int_eq(valid_time("12:60", 0, &m), -1);
	ck_assert_int_eq(valid_time("12", 0, &m), -1);
	ck_assert_int_eq(valid_time("", 0, &m), -1);
	ck_assert_int_eq(valid_time(NULL, 0, &m), -1);
	ck_assert_int_eq(valid_time("1:2", 0, &m), -1);
	ck_assert_int_eq(valid_time("123:00", 0, &m), -1);
	rf_time_format(570, out);
	ck_assert_str_eq(out, "09:30");
	rf_time_format(1440, out);
	ck_assert_str_eq(out, "24:00");
}
END_TEST

/* The field of the first problem of a period form's last check. */
static char period_field[64];

/* How many problems rf_period_read finds in the form body. */
static size_t
period_problems(const char *body)
{
	struct valid_errors errs;
	struct rf_period p;
	struct form f;
	size_t n;

	memset(&errs, 0, sizeof(errs));
	memset(&p, 0, sizeof(p));
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, body, strlen(body), 100), FORM_OK);
	n = rf_period_read(&f, &p, &errs);
	snprintf(period_field, sizeof(period_field), "%s",
	    errs.n > 0 ? errs.e[0].key : "");
	rf_period_free(&p);
	form_free(&f);
	return n;
}

START_TEST(test_rf_numbers)
{
	int v;
	int64_t id;

	ck_assert_int_eq(valid_int(" 12 ", 0, 20, &v), 0);
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(valid_int("21", 0, 20, &v), -1);
	ck_assert_int_eq(valid_int("-1", 0, 20, &v), -1);
	ck_assert_int_eq(valid_int("1e3", 0, 2000, &v), -1);
	ck_assert_int_eq(valid_int("99999999999", 0, 20, &v), -1);
	ck_assert_int_eq(valid_int("", 0, 20, &v), -1);
	ck_assert_int_eq(valid_id("42", &id), 0);
	ck_assert_int_eq(id, 42);
	ck_assert_int_eq(valid_id("0", &id), -1);
	ck_assert_int_eq(valid_id("4x", &id), -1);
	ck_assert_int_eq(valid_id("-4", &id), -1);
	ck_assert_int_eq(period_problems("first_day=2026-01-02&"
	    "last_day=2026-01-02&reason="), 0);
	ck_assert_int_eq(period_problems("first_day=2026-01-02&last_day="),
	    0);
	ck_assert_int_eq(period_problems("first_day=2026-02-30&last_day="),
	    1);
	ck_assert_str_eq(period_field, "first_day");
	ck_assert_int_eq(period_problems("first_day=2026-01-02&"
	    "last_day=2026-01-01"), 1);
	ck_assert_str_eq(period_field, "last_day");
}
END_TEST

START_TEST(test_rf_ranges)
{
	static const char body_ok[] = "av_site=1&av_day=tue&av_start=09:00&"
	    "av_end=12:00&av_site=&av_day=mon&av_start=&av_end=&av_site=2&"
	    "av_day=tue&av_start=12:00&av_end=13:30";
	static const char body_overlap[] = "av_site=1&av_day=tue&"
	    "av_start=09:00&av_end=12:00&av_site=2&av_day=tue&"
	    "av_start=11:00&av_end=13:00";
	static const char body_bad[] = "av_site=7&av_day=tue&"
	    "av_start=09:00&av_end=12:00&av_site=1&av_day=xyz&av_start=1&"
	    "av_end=2";
	struct rf_choice sites[2] = { { 1, "Centre" }, { 2, "Online" } };
	struct rf_ranges *rr = calloc(1, sizeof(*rr));
	struct form f;

	form_init(&f);
	ck_assert_int_eq(form_parse(&f, body_ok, strlen(body_ok), 100),
	    FORM_OK);
	ck_assert_int_eq(rf_ranges_read(&f, "av", 1, sites, 2, rr), 0);
	ck_assert_int_eq(rr->n, 2);
	ck_assert_int_eq(rr->rows[1].site_id, 2);
	ck_assert_int_eq(rr->rows[1].day_index, 1);
	ck_assert_int_eq(rr->rows[1].start_min, 720);
	ck_assert_int_eq(rr->rows[1].end_min, 810);
	form_free(&f);

	form_init(&f);
	ck_assert_int_eq(form_parse(&f, body_overlap, strlen(body_overlap),
	    100), FORM_OK);
	ck_assert_int_eq(rf_ranges_read(&f, "av", 1, sites, 2, rr), -1);
	ck_assert_str_eq(rr->error_field, "av-start-2");
	ck_assert_ptr_nonnull(strstr(rr->error, "overlaps"));
	form_free(&f);

	form_init(&f);
	ck_assert_int_eq(form_parse(&f, body_bad, strlen(body_bad), 100),
	    FORM_OK);
	ck_assert_int_eq(rf_ranges_read(&f, "av", 1, sites, 2, rr), -1);
	ck_assert_str_eq(rr->error, "Row 1: choose the site.");
	ck_assert_str_eq(rr->error_field, "av-site-1");
	ck_assert_int_eq(rr->rows[0].bad, 1);
	ck_assert_int_eq(rr->rows[1].bad, 1);
	ck_assert_str_eq(rr->rows[1].start, "1");	/* kept as typed */
	form_free(&f);

	/* Without sites (opening hours). */
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, "oh_day=sun&oh_start=10:00&"
	    "oh_end=24:00", 38, 100), FORM_OK);
	ck_assert_int_eq(rf_ranges_read(&f, "oh", 0, NULL, 0, rr), 0);
	ck_assert_int_eq(rr->n, 1);
	ck_assert_int_eq(rr->rows[0].day_index, 6);
	ck_assert_int_eq(rr->rows[0].end_min, 1440);
	form_free(&f);
	free(rr);
}
END_TEST

static Suite *
records_suite(void)
{
	Suite *s = suite_create("records");
	struct {
		const char	*name;
		const TTest	*test;
	} cases[] = {
		{ "db_site_save", test_site_save },
		{ "db_site_closure", test_site_closures },
		{ "db_room_save", test_rooms },
		{ "db_therapist_save", test_therapist_save },
		{ "db_leave", test_leave },
		{ "db_client_assign", test_client_assign },
		{ "db_client_add", test_client_add },
		{ "db_clients_each", test_clients_each },
		{ "db_therapists_caseload", test_caseload_reads },
		{ "db_match_referrals_each", test_match_referrals },
		{ "db_busy_each", test_busy },
		{ "core_world_load", test_match_load },
		{ "core_world_hours_full", test_match_hours_full },
		{ "rf_time", test_rf_time },
		{ "rf_numbers", test_rf_numbers },
		{ "rf_ranges_read", test_rf_ranges },
	};
	TCase *tc;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(records_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

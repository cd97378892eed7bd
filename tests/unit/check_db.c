/*
 * Unit tests for db/db.c's migrations: each is applied once, by name,
 * whatever order branches added them in, and a database made when only
 * a count was kept (PRAGMA user_version) is read correctly.  Each test
 * runs the real migrations on a fresh database file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "db/db.h"
#include "db/migrate.h"
#include "tests/unit/testlib.h"

static char path[64];

static void
setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_db.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
}

static void
teardown(void)
{
	char side[80];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static struct db *
open_ok(void)
{
	char err[256] = "";
	struct db *db = db_open(path, err, sizeof(err));

	ck_assert_msg(db != NULL, "db_open: %s", err);
	return db;
}

/* A new database has every migration noted by name, once. */
START_TEST(test_migrate_fresh)
{
	struct db *db = open_ok();

	ck_assert_int_eq(db_schema_version(db), (int)db_migrations_count);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "schema_migrations"), (int)db_migrations_count);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(DISTINCT name) "
	    "FROM schema_migrations"), (int)db_migrations_count);
	db_close(db);
	db = open_ok();		/* opening again applies nothing */
	ck_assert_int_eq(db_schema_version(db), (int)db_migrations_count);
	db_close(db);
}
END_TEST

/* A database that kept only the count is taken to have that many. */
START_TEST(test_migrate_legacy_count)
{
	struct db *db = open_ok();

	testlib_sql_exec(db, "DROP TABLE schema_migrations");
	db_close(db);
	db = open_ok();
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM "
	    "schema_migrations"), (int)db_migrations_count);
	ck_assert_int_eq(db_schema_version(db), (int)db_migrations_count);
	db_close(db);
}
END_TEST

/*
 * A migration missing by name is applied even when the count says the
 * database is up to date (here 001 again, which fails on its existing
 * tables: proof that it was tried, and that nothing half-changed).
 */
START_TEST(test_migrate_by_name)
{
	struct db *db = open_ok();
	char err[256] = "";

	testlib_sql_exec(db, "DELETE FROM schema_migrations WHERE name = "
	    "(SELECT min(name) FROM schema_migrations)");
	db_close(db);
	ck_assert_ptr_null(db_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, db_migrations[0].name) != NULL, "%s", err);
}
END_TEST

static Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("migrate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_migrate_fresh);
	tcase_add_test(tc, test_migrate_legacy_count);
	tcase_add_test(tc, test_migrate_by_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(db_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

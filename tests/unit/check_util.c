/*
 * Unit tests for util/: the initials rule (util/name.h) that the
 * calendar feeds and the therapists' agenda emails share.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "util/buf.h"
#include "util/name.h"

/* The initials of name, as a string to compare. */
static void
check_initials(const char *name, const char *want)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "");
	name_initials(&b, name);
	ck_assert_msg(strcmp(buf_cstr(&b), want) == 0, "%s: got \"%s\", "
	    "want \"%s\"", name != NULL ? name : "(null)", buf_cstr(&b),
	    want);
	buf_free(&b);
}

START_TEST(test_name_initials)
{
	check_initials("Amira Hassan", "A.H.");
	check_initials("amira hassan", "A.H.");
	check_initials("  Amira   Hassan  ", "A.H.");
	check_initials("Mary Ann Smith", "M.A.S.");
	check_initials("Anne-Marie", "A.");
	check_initials("\xc3\x89lodie Martin", "\xc3\x89.M.");	/* Élodie */
	check_initials("\xe5\xbc\xa0\xe4\xbc\x9f", "\xe5\xbc\xa0.");
	check_initials("Ann\tAye\nBee", "A.A.B.");
	/* A word starting with a byte that is not UTF-8 gives nothing. */
	check_initials("\x80x Bee", "B.");
	check_initials("\xc3 Bee", "B.");
	check_initials("", "");
	check_initials("   ", "");
	check_initials(NULL, "");
}
END_TEST

START_TEST(test_name_initials_appends)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "Amira ");
	name_initials(&b, "Hassan");
	ck_assert_str_eq(buf_cstr(&b), "Amira H.");
	buf_free(&b);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("name_initials");

	tcase_add_test(tc, test_name_initials);
	tcase_add_test(tc, test_name_initials_appends);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

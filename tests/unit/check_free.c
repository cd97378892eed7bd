/*
 * Unit tests for sched/free.c: free times for a move and who can cover
 * a session (issue 17's leave flow).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sched/free.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_free_starts_move)
{
	/* Works 09:00-13:00, the site opens 10:00-17:00, busy 11:00-11:45. */
	static const struct sched_span work[] = { { 540, 780 } };
	static const struct sched_span open[] = { { 600, 1020 } };
	static const struct sched_span busy[] = { { 660, 705 } };
	int out[32];
	size_t n;

	n = sched_free_starts(work, 1, open, 1, busy, 1, 45, 15, out, N(out));
	/* 10:00, 10:15 (ends 11:00), then 11:45 .. 12:15 (ends 13:00). */
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(out[0], 600);
	ck_assert_int_eq(out[1], 615);
	ck_assert_int_eq(out[2], 705);
	ck_assert_int_eq(out[3], 720);
	ck_assert_int_eq(out[4], 735);
	/* No opening hours given: only work and busy count. */
	n = sched_free_starts(work, 1, NULL, 0, busy, 1, 45, 15, out, N(out));
	ck_assert_int_eq(out[0], 540);
	/* At most max; nothing when nothing fits. */
	ck_assert_uint_eq(sched_free_starts(work, 1, open, 1, busy, 1, 45, 15,
	    out, 2), 2);
	ck_assert_uint_eq(sched_free_starts(work, 1, open, 1, busy, 1, 300,
	    15, out, N(out)), 0);
	ck_assert_uint_eq(sched_free_starts(work, 1, open, 1, busy, 1, 45, 0,
	    out, N(out)), 0);
	ck_assert_uint_eq(sched_free_starts(NULL, 0, open, 1, busy, 1, 45, 15,
	    out, N(out)), 0);
}
END_TEST

START_TEST(test_free_starts_two_stretches)
{
	/* Two stretches that overlap: each start once, in order. */
	static const struct sched_span work[] = { { 720, 840 }, { 600, 780 } };
	int out[32];
	size_t n, i;

	n = sched_free_starts(work, 2, NULL, 0, NULL, 0, 60, 30, out, N(out));
	ck_assert_uint_eq(n, 7);	/* 10:00 .. 13:00 */
	for (i = 1; i < n; i++)
		ck_assert_int_lt(out[i - 1], out[i]);
	ck_assert_int_eq(out[0], 600);
	ck_assert_int_eq(out[n - 1], 780);
}
END_TEST

START_TEST(test_cover_rank)
{
	struct sched_cover c[5];

	memset(c, 0, sizeof(c));
	/* 1: free, works, covers one need of two. */
	c[0].id = 1; c[0].works_then = 1; c[0].free_then = 1;
	c[0].needs = 3; c[0].needs_met = 1; c[0].places_free = 5;
	/* 2: does not work there then. */
	c[1].id = 2; c[1].free_then = 1;
	/* 3: on leave. */
	c[2].id = 3; c[2].works_then = 1; c[2].free_then = 1;
	c[2].on_leave = 1;
	/* 4: free, works, covers both needs, fewer places. */
	c[3].id = 4; c[3].works_then = 1; c[3].free_then = 1;
	c[3].needs = 3; c[3].needs_met = 3; c[3].places_free = 1;
	/* 5: has a session then. */
	c[4].id = 5; c[4].works_then = 1;
	ck_assert_uint_eq(sched_cover_rank(c, 5), 2);
	ck_assert_int_eq(c[0].id, 4);
	ck_assert_int_eq(c[0].rank, 1);
	ck_assert(strstr(c[0].why, "covers every need") != NULL);
	ck_assert_int_eq(c[1].id, 1);
	ck_assert_int_eq(c[1].rank, 2);
	ck_assert(strstr(c[1].why, "covers some needs") != NULL);
	ck_assert_int_eq(c[2].rank, 0);
	ck_assert_int_eq(c[3].rank, 0);
	ck_assert_int_eq(c[4].rank, 0);
	/* Those who cannot say why not. */
	{
		int i, seen = 0;

		for (i = 2; i < 5; i++) {
			if (c[i].id == 3)
				seen += strcmp(c[i].why, "on leave then") == 0;
			if (c[i].id == 2)
				seen += strstr(c[i].why, "does not work") !=
				    NULL;
			if (c[i].id == 5)
				seen += strstr(c[i].why, "has a session") !=
				    NULL;
		}
		ck_assert_int_eq(seen, 3);
	}
	/* Knowing the client comes first. */
	memset(c, 0, sizeof(c));
	c[0].id = 1; c[0].works_then = c[0].free_then = 1;
	c[0].places_free = 9;
	c[1].id = 2; c[1].works_then = c[1].free_then = 1;
	c[1].knows_client = 1;
	ck_assert_uint_eq(sched_cover_rank(c, 2), 2);
	ck_assert_int_eq(c[0].id, 2);
	ck_assert(strstr(c[0].why, "knows the client") != NULL);
}
END_TEST

static Suite *
free_suite(void)
{
	Suite *s = suite_create("free");
	TCase *tc;

	tc = tcase_create("sched_free_starts");
	tcase_add_test(tc, test_free_starts_move);
	tcase_add_test(tc, test_free_starts_two_stretches);
	suite_add_tcase(s, tc);
	tc = tcase_create("sched_cover_rank");
	tcase_add_test(tc, test_cover_rank);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(free_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

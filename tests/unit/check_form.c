/*
 * Unit tests for cgi/form.c: form_parse and its getters, cookie_get.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cgi/form.h"
#include "util/buf.h"

#define MAXF	1000

/* Parses a NUL-terminated body into a fresh form, expecting rc. */
static void
parse(struct form *f, const char *body, enum form_err want)
{
	form_init(f);
	ck_assert_int_eq(form_parse(f, body, strlen(body), MAXF), want);
}

START_TEST(test_basic)
{
	struct form f;

	parse(&f, "given_name=Ada&family_name=Lovelace&email=ada%40example.org",
	    FORM_OK);
	ck_assert_uint_eq(f.count, 3);
	ck_assert_str_eq(form_get(&f, "given_name"), "Ada");
	ck_assert_str_eq(form_get(&f, "family_name"), "Lovelace");
	ck_assert_str_eq(form_get(&f, "email"), "ada@example.org");
	ck_assert_ptr_null(form_get(&f, "phone"));
	ck_assert_ptr_null(form_get(&f, "Email"));	/* case matters */
	ck_assert_ptr_null(form_get(&f, "given"));
	ck_assert_uint_eq(form_count(&f, "phone"), 0);
	/* Order kept. */
	ck_assert_str_eq(f.fields[0].key, "given_name");
	ck_assert_str_eq(f.fields[2].key, "email");
	form_free(&f);
	ck_assert_ptr_null(f.fields);
	ck_assert_uint_eq(f.count, 0);
}
END_TEST

START_TEST(test_repeated)
{
	struct form f;
	const struct form_field *ff;

	parse(&f, "needs=autism&about=hi&needs=dementia&needs=other&site=3",
	    FORM_OK);
	ck_assert_uint_eq(form_count(&f, "needs"), 3);
	ck_assert_str_eq(form_get(&f, "needs"), "autism");
	ck_assert_str_eq(form_get_nth(&f, "needs", 0), "autism");
	ck_assert_str_eq(form_get_nth(&f, "needs", 1), "dementia");
	ck_assert_str_eq(form_get_nth(&f, "needs", 2), "other");
	ck_assert_ptr_null(form_get_nth(&f, "needs", 3));
	ck_assert_ptr_null(form_get_nth(&f, "needs", (size_t)-1));
	ck_assert_uint_eq(form_count(&f, "site"), 1);
	ck_assert_ptr_null(form_get_nth(&f, "availability", 0));
	ff = form_field_nth(&f, "needs", 1);
	ck_assert_ptr_nonnull(ff);
	ck_assert_str_eq(ff->value, "dementia");
	ck_assert_uint_eq(ff->valuelen, 8);
	ck_assert_ptr_null(form_field_nth(&f, "needs", 3));
	form_free(&f);
}
END_TEST

START_TEST(test_plus)
{
	struct form f;

	parse(&f, "about=I+like+singing&a+b=c+&%2B=%2b+", FORM_OK);
	ck_assert_str_eq(form_get(&f, "about"), "I like singing");
	ck_assert_str_eq(form_get(&f, "a b"), "c ");
	ck_assert_str_eq(form_get(&f, "+"), "+ ");
	ck_assert_uint_eq(form_field_nth(&f, "+", 0)->valuelen, 2);
	form_free(&f);
}
END_TEST

START_TEST(test_escapes)
{
	struct form f;
	const struct form_field *ff;

	parse(&f, "a=%41%62%7e%7E&b=%C3%A9t%C3%A9&c=%25&d=%3D%26&e=%0D%0A"
	    "&f=%ff%FF&g=%fF", FORM_OK);
	ck_assert_str_eq(form_get(&f, "a"), "Ab~~");
	ck_assert_str_eq(form_get(&f, "b"), "\xc3\xa9t\xc3\xa9");
	ck_assert_str_eq(form_get(&f, "c"), "%");
	ck_assert_str_eq(form_get(&f, "d"), "=&");
	ck_assert_str_eq(form_get(&f, "e"), "\r\n");
	ck_assert_str_eq(form_get(&f, "f"), "\xff\xff");
	ck_assert_str_eq(form_get(&f, "g"), "\xff");
	form_free(&f);

	/* An escaped '=' in a key is part of the key; the first raw '='
	 * splits, later ones are value bytes. */
	parse(&f, "k%3Dx=1=2&semi;colon=3", FORM_OK);
	ck_assert_str_eq(form_get(&f, "k=x"), "1=2");
	ck_assert_str_eq(form_get(&f, "semi;colon"), "3");
	ck_assert_uint_eq(f.count, 2);
	form_free(&f);

	/* %00: a value with a NUL inside, valuelen tells the truth. */
	parse(&f, "about=ab%00cd&z=%00", FORM_OK);
	ff = form_field_nth(&f, "about", 0);
	ck_assert_ptr_nonnull(ff);
	ck_assert_uint_eq(ff->valuelen, 5);
	ck_assert_int_eq(memcmp(ff->value, "ab\0cd", 6), 0);
	ck_assert_uint_eq(strlen(form_get(&f, "about")), 2);
	ff = form_field_nth(&f, "z", 0);
	ck_assert_uint_eq(ff->valuelen, 1);
	ck_assert_int_eq(ff->value[0], '\0');
	ck_assert_int_eq(ff->value[1], '\0');
	form_free(&f);
}
END_TEST

START_TEST(test_raw_bytes)
{
	struct form f;
	const char body[] = "a=x\0y&b=\n\xff";
	const struct form_field *ff;

	/* Raw NUL and high bytes in a value pass through. */
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, body, sizeof(body) - 1, MAXF),
	    FORM_OK);
	ff = form_field_nth(&f, "a", 0);
	ck_assert_uint_eq(ff->valuelen, 3);
	ck_assert_int_eq(memcmp(ff->value, "x\0y", 4), 0);
	ck_assert_str_eq(form_get(&f, "b"), "\n\xff");
	form_free(&f);

	/* The body need not be NUL-terminated: only len bytes are read. */
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, "a=12345", 4, MAXF), FORM_OK);
	ck_assert_str_eq(form_get(&f, "a"), "12");
	form_free(&f);
}
END_TEST

START_TEST(test_bad_escape)
{
	static const char *bad[] = {
		"a=%G1", "a=%4", "a=%", "a=1&b=%", "%=1", "a%=1",
		"a=%%41", "a=%4g", "a=%+1", "a=% 1", "a=1&b=2&c=%zz",
		"x%4", "a=%\xc3\xa9", "a=%-1",
	};
	struct form f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		form_init(&f);
		ck_assert_msg(form_parse(&f, bad[i], strlen(bad[i]), MAXF) ==
		    FORM_BAD_ESCAPE, "accepted %s", bad[i]);
		ck_assert_uint_eq(f.count, 0);
		form_free(&f);
	}
	/* A bad escape cut off by len. */
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, "a=%41", 4, MAXF), FORM_BAD_ESCAPE);
	form_free(&f);
}
END_TEST

START_TEST(test_error_keeps_form)
{
	struct form f;

	/* On error the form holds what it held before, nothing more. */
	parse(&f, "ref=ABCD-EFGH", FORM_OK);
	ck_assert_int_eq(form_parse(&f, "a=1&b=2&c=%x", 12, MAXF),
	    FORM_BAD_ESCAPE);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_ptr_null(form_get(&f, "a"));
	ck_assert_int_eq(form_parse(&f, "a=1&b=2&c=3", 11, 2), FORM_TOO_MANY);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_int_eq(form_parse(&f, "a=1&b%00=2", 10, MAXF), FORM_BAD_KEY);
	ck_assert_uint_eq(f.count, 1);
	/* Appending works: query string, then body. */
	ck_assert_int_eq(form_parse(&f, "ref=X&b=2", 9, MAXF), FORM_OK);
	ck_assert_uint_eq(f.count, 3);
	ck_assert_uint_eq(form_count(&f, "ref"), 2);
	ck_assert_str_eq(form_get(&f, "ref"), "ABCD-EFGH");
	ck_assert_str_eq(form_get_nth(&f, "ref", 1), "X");
	form_free(&f);
	/* A freed form can be used again. */
	parse(&f, "a=1", FORM_OK);
	ck_assert_str_eq(form_get(&f, "a"), "1");
	form_free(&f);
	form_free(&f);
	form_free(NULL);
}
END_TEST

START_TEST(test_empty_values)
{
	struct form f;

	parse(&f, "a=&b=&c=x&d", FORM_OK);
	ck_assert_uint_eq(f.count, 4);
	ck_assert_str_eq(form_get(&f, "a"), "");
	ck_assert_uint_eq(form_field_nth(&f, "a", 0)->valuelen, 0);
	ck_assert_str_eq(form_get(&f, "b"), "");
	ck_assert_str_eq(form_get(&f, "c"), "x");
	ck_assert_str_eq(form_get(&f, "d"), "");
	form_free(&f);

	parse(&f, "=v&=", FORM_OK);
	ck_assert_uint_eq(f.count, 2);
	ck_assert_str_eq(form_get(&f, ""), "v");
	ck_assert_str_eq(form_get_nth(&f, "", 1), "");
	form_free(&f);

	form_init(&f);
	ck_assert_int_eq(form_parse(&f, NULL, 0, MAXF), FORM_OK);
	ck_assert_int_eq(form_parse(&f, "", 0, 0), FORM_OK);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
}
END_TEST

START_TEST(test_empty_pairs)
{
	struct form f;

	parse(&f, "a=1&&b=2&&&", FORM_OK);
	ck_assert_uint_eq(f.count, 2);
	ck_assert_str_eq(form_get(&f, "a"), "1");
	ck_assert_str_eq(form_get(&f, "b"), "2");
	form_free(&f);

	parse(&f, "&&&a=1", FORM_OK);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_str_eq(form_get(&f, "a"), "1");
	form_free(&f);

	parse(&f, "&", FORM_OK);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);

	/* Empty pairs do not count towards the limit. */
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, "&&a=1&&&b=2&&", 13, 2), FORM_OK);
	ck_assert_uint_eq(f.count, 2);
	form_free(&f);
}
END_TEST

START_TEST(test_no_equals)
{
	struct form f;

	parse(&f, "flag&consent_data=yes&x%41", FORM_OK);
	ck_assert_uint_eq(f.count, 3);
	ck_assert_str_eq(form_get(&f, "flag"), "");
	ck_assert_uint_eq(form_field_nth(&f, "flag", 0)->valuelen, 0);
	ck_assert_str_eq(form_get(&f, "consent_data"), "yes");
	ck_assert_str_eq(form_get(&f, "xA"), "");
	form_free(&f);
}
END_TEST

START_TEST(test_bad_key)
{
	struct form f;
	const char raw[] = "email\0x=a@b.c";

	/* "email%00x" would read as "email" to strcmp: refused. */
	parse(&f, "email=a%40b.c&email%00x=evil%40x.org", FORM_BAD_KEY);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, raw, sizeof(raw) - 1, MAXF),
	    FORM_BAD_KEY);
	form_free(&f);
}
END_TEST

START_TEST(test_too_many)
{
	struct form f;
	struct buf b = BUF_INIT;
	size_t i;

	parse(&f, "a=1&b=2&c=3", FORM_OK);
	form_free(&f);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, "a=1&b=2&c=3", 11, 3), FORM_OK);
	form_free(&f);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, "a=1&b=2&c=3", 11, 2), FORM_TOO_MANY);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_int_eq(form_parse(&f, "a", 1, 0), FORM_TOO_MANY);
	form_free(&f);

	/* Many fields: the array grows past its first size. */
	for (i = 0; i < 500; i++)
		buf_printf(&b, "%sk%zu=v%zu", i ? "&" : "", i, i);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, b.data, b.len, 500), FORM_OK);
	ck_assert_uint_eq(f.count, 500);
	ck_assert_str_eq(form_get(&f, "k0"), "v0");
	ck_assert_str_eq(form_get(&f, "k499"), "v499");
	form_free(&f);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, b.data, b.len, 499), FORM_TOO_MANY);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
	buf_free(&b);
}
END_TEST

START_TEST(test_huge)
{
	struct form f;
	char *big, *key;
	const struct form_field *ff;
	size_t n = FORM_BODY_MAX;

	/* A value filling the whole allowed body. */
	big = malloc(n + 2);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "about=", 6);
	memset(big + 6, 'x', n - 6);
	big[n] = '\0';
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, big, n, MAXF), FORM_OK);
	ff = form_field_nth(&f, "about", 0);
	ck_assert_ptr_nonnull(ff);
	ck_assert_uint_eq(ff->valuelen, n - 6);
	ck_assert_uint_eq(strlen(ff->value), n - 6);
	form_free(&f);

	/* One byte more is too long. */
	big[n] = 'x';
	big[n + 1] = '\0';
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, big, n + 1, MAXF), FORM_TOO_LONG);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);

	/* Every byte an escape: decodes to a third. */
	for (size_t i = 0; i + 3 <= n - 6; i += 3)
		memcpy(big + 6 + i, "%41", 3);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, big, 6 + (n - 6) / 3 * 3, MAXF),
	    FORM_OK);
	ck_assert_uint_eq(form_field_nth(&f, "about", 0)->valuelen,
	    (n - 6) / 3);
	form_free(&f);

	/* Only '&': nothing, quickly. */
	memset(big, '&', n);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, big, n, 10), FORM_OK);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);

	/* Many one-byte pairs stop at the limit. */
	for (size_t i = 0; i < n; i += 2)
		big[i] = 'k';
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, big, n, MAXF), FORM_TOO_MANY);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_int_eq(form_parse(&f, big, n, n), FORM_OK);
	ck_assert_uint_eq(f.count, n / 2);
	form_free(&f);
	free(big);

	/* Keys: FORM_KEY_MAX bytes fit, one more does not. */
	key = malloc(FORM_KEY_MAX + 4);
	ck_assert_ptr_nonnull(key);
	memset(key, 'k', FORM_KEY_MAX);
	memcpy(key + FORM_KEY_MAX, "=1", 3);
	parse(&f, key, FORM_OK);
	ck_assert_uint_eq(strlen(f.fields[0].key), FORM_KEY_MAX);
	form_free(&f);
	memset(key, 'k', FORM_KEY_MAX + 1);
	memcpy(key + FORM_KEY_MAX + 1, "=1", 3);
	parse(&f, key, FORM_TOO_LONG);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
	free(key);
}
END_TEST

START_TEST(test_strerror)
{
	ck_assert_str_eq(form_strerror(FORM_OK), "ok");
	ck_assert_ptr_nonnull(form_strerror(FORM_BAD_ESCAPE));
	ck_assert_ptr_nonnull(form_strerror(FORM_TOO_MANY));
	ck_assert_ptr_nonnull(form_strerror(FORM_TOO_LONG));
	ck_assert_ptr_nonnull(form_strerror(FORM_BAD_KEY));
	ck_assert_ptr_nonnull(form_strerror((enum form_err)99));
}
END_TEST

/* cookie_get into a 64-byte buffer; returns the value or NULL. */
static const char *
cookie(const char *header, const char *name)
{
	static char out[64];
	int rc;

	memset(out, 'Z', sizeof(out));
	rc = cookie_get(header, name, out, sizeof(out));
	if (rc == -1) {
		ck_assert_str_eq(out, "");
		return NULL;
	}
	ck_assert_int_eq(rc, 0);
	return out;
}

START_TEST(test_cookie)
{
	ck_assert_str_eq(cookie("a=1; b=2", "a"), "1");
	ck_assert_str_eq(cookie("a=1; b=2", "b"), "2");
	ck_assert_ptr_null(cookie("a=1; b=2", "c"));
	ck_assert_str_eq(cookie("sid=abc", "sid"), "abc");
	ck_assert_str_eq(cookie("a=1;b=2", "b"), "2");
	ck_assert_str_eq(cookie("  a = 1 ;\t b\t=\t2\t; ", "b"), "2");
	ck_assert_str_eq(cookie("  a = 1 ; b=2", "a"), "1");
	/* Names match whole and exactly. */
	ck_assert_ptr_null(cookie("xsid=1; sidx=2", "sid"));
	ck_assert_ptr_null(cookie("SID=1", "sid"));
	ck_assert_str_eq(cookie("xsid=1; sid=3", "sid"), "3");
	/* The first wins. */
	ck_assert_str_eq(cookie("sid=1; sid=2", "sid"), "1");
	/* Value may hold '='. */
	ck_assert_str_eq(cookie("t=a=b==", "t"), "a=b==");
	/* Missing values. */
	ck_assert_str_eq(cookie("a=; b=2", "a"), "");
	ck_assert_str_eq(cookie("a=", "a"), "");
	ck_assert_str_eq(cookie("a=  ;b=2", "a"), "");
	ck_assert_ptr_null(cookie("a; b=2", "a"));	/* nameless "a" */
	ck_assert_str_eq(cookie("a; b=2", "b"), "2");
	ck_assert_str_eq(cookie("=x; b=2", "b"), "2");
	ck_assert_str_eq(cookie(";;; ; b=2;;", "b"), "2");
	/* Quotes. */
	ck_assert_str_eq(cookie("a=\"quoted\"; b=2", "a"), "quoted");
	ck_assert_str_eq(cookie("a= \"q\" ", "a"), "q");
	ck_assert_str_eq(cookie("a=\"\"", "a"), "");
	ck_assert_str_eq(cookie("a=\"", "a"), "\"");
	ck_assert_str_eq(cookie("a=\"x", "a"), "\"x");
	ck_assert_str_eq(cookie("a=x\"", "a"), "x\"");
	/* Absent, empty, odd. */
	ck_assert_ptr_null(cookie("", "a"));
	ck_assert_ptr_null(cookie(NULL, "a"));
	ck_assert_ptr_null(cookie("   ", "a"));
	ck_assert_ptr_null(cookie(";", "a"));
	ck_assert_ptr_null(cookie("a=1", ""));
	ck_assert_ptr_null(cookie("a=1", NULL));
	/* Comma is not a separator. */
	ck_assert_str_eq(cookie("a=1, b=2", "a"), "1, b=2");
}
END_TEST

START_TEST(test_cookie_length)
{
	char out[4];

	ck_assert_int_eq(cookie_get("a=123", "a", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "123");
	ck_assert_int_eq(cookie_get("a=1234", "a", out, sizeof(out)), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(cookie_get("a=\"123\"", "a", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "123");
	ck_assert_int_eq(cookie_get("a=", "a", out, 1), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(cookie_get("a=1", "a", out, 1), -1);
	ck_assert_int_eq(cookie_get("a=", "a", NULL, 0), -1);
	/* A too long first match does not fall through to a later one. */
	ck_assert_int_eq(cookie_get("a=12345; a=1", "a", out, sizeof(out)),
	    -1);
}
END_TEST

static Suite *
form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_raw_bytes);
	tcase_add_test(tc, test_error_keeps_form);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("repeated keys");
	tcase_add_test(tc, test_repeated);
	suite_add_tcase(s, tc);

	tc = tcase_create("plus");
	tcase_add_test(tc, test_plus);
	suite_add_tcase(s, tc);

	tc = tcase_create("escapes");
	tcase_add_test(tc, test_escapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad escapes");
	tcase_add_test(tc, test_bad_escape);
	tcase_add_test(tc, test_bad_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("empty values");
	tcase_add_test(tc, test_empty_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("empty pairs");
	tcase_add_test(tc, test_empty_pairs);
	suite_add_tcase(s, tc);

	tc = tcase_create("key without equals");
	tcase_add_test(tc, test_no_equals);
	suite_add_tcase(s, tc);

	tc = tcase_create("too many fields");
	tcase_add_test(tc, test_too_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("huge input");
	tcase_add_test(tc, test_huge);
	tcase_set_timeout(tc, 60);	/* slow under valgrind */
	suite_add_tcase(s, tc);

	tc = tcase_create("cookie_get");
	tcase_add_test(tc, test_cookie);
	tcase_add_test(tc, test_cookie_length);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(form_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

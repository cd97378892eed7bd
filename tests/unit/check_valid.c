/*
 * Unit tests for cgi/valid.c: one TCase per validator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cgi/valid.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- valid_utf8_text ------------------------------------------------ */

struct bytes {
	const char	*s;
	size_t		 len;
};
#define B(lit)	{ lit, sizeof(lit) - 1 }

START_TEST(test_utf8_good)
{
	static const struct bytes good[] = {
		B(""),
		B("plain ASCII, with punctuation!~"),
		B("tab\there\r\nand lines\n"),
		B("caf\xc3\xa9"),				/* é */
		B("\xc2\x80"),					/* U+0080 */
		B("\xdf\xbf"),					/* U+07FF */
		B("\xe0\xa0\x80"),				/* U+0800 */
		B("\xe2\x82\xac"),				/* € */
		B("\xed\x9f\xbf"),				/* U+D7FF */
		B("\xee\x80\x80"),				/* U+E000 */
		B("\xef\xbf\xbd"),				/* U+FFFD */
		B("\xef\xbf\xbf"),				/* U+FFFF */
		B("\xf0\x90\x80\x80"),				/* U+10000 */
		B("\xf0\x9f\x8e\xb5 music \xf0\x9f\x8e\xb6"),	/* emoji */
		B("\xf4\x8f\xbf\xbf"),				/* U+10FFFF */
		B("\x7f"),					/* DEL */
		B("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),	/* 日本語 */
	};
	size_t i;

	for (i = 0; i < N(good); i++)
		ck_assert_msg(valid_utf8_text(good[i].s, good[i].len) == 1,
		    "refused good #%zu", i);
	ck_assert_int_eq(valid_utf8_text(NULL, 0), 1);
}
END_TEST

START_TEST(test_utf8_bad)
{
	static const struct bytes bad[] = {
		B("\0"),					/* NUL */
		B("ab\0cd"),
		B("\x01"), B("\x1b[31m"), B("a\x0b"), B("a\x0c"), B("\x1f"),
		B("\x80"),					/* lone cont. */
		B("\xbf"),
		B("a\x80z"),
		B("\xc0\x80"),					/* overlong NUL */
		B("\xc0\xaf"), B("\xc1\xbf"),			/* overlong */
		B("\xe0\x80\x80"), B("\xe0\x9f\xbf"),		/* overlong */
		B("\xf0\x80\x80\x80"), B("\xf0\x8f\xbf\xbf"),	/* overlong */
		B("\xed\xa0\x80"),				/* U+D800 */
		B("\xed\xbf\xbf"),				/* U+DFFF */
		B("\xed\xa0\xbd\xed\xb2\xa9"),			/* CESU pair */
		B("\xf4\x90\x80\x80"),				/* U+110000 */
		B("\xf5\x80\x80\x80"), B("\xf7\xbf\xbf\xbf"),
		B("\xf8\x88\x80\x80\x80"), B("\xfc\x84\x80\x80\x80\x80"),
		B("\xfe"), B("\xff"),
		B("\xc3"), B("caf\xc3"),			/* truncated */
		B("\xe2\x82"), B("\xe2"),
		B("\xf0\x9f\x8e"), B("\xf0\x9f"), B("\xf0"),
		B("\xc3\x28"),					/* bad cont. */
		B("\xe2\x28\xa1"), B("\xe2\x82\x28"),
		B("\xf0\x28\x8c\xbc"), B("\xf0\x90\x28\xbc"),
		B("\xf0\x9f\x8e\x28"),
		B("\xc3\xa9\xc3"),
	};
	size_t i;

	for (i = 0; i < N(bad); i++)
		ck_assert_msg(valid_utf8_text(bad[i].s, bad[i].len) == 0,
		    "accepted bad #%zu", i);
	/* Only len bytes count: a truncated sequence by length. */
	ck_assert_int_eq(valid_utf8_text("\xe2\x82\xac", 2), 0);
	ck_assert_int_eq(valid_utf8_text("ok\x01", 2), 1);
}
END_TEST

/* ---- valid_email ---------------------------------------------------- */

START_TEST(test_email)
{
	static const char *good[] = {
		"ada@example.org", "a@b.co", "first.last@example.co.uk",
		"first.m.last@sub.example.org", "o'brien@example.ie",
		"user+tag@example.com", "x_y-z@my-host.example.net",
		"UPPER@EXAMPLE.ORG", "1234@123.example.com",
		"!#$%&'*+/=?^_`{|}~-@example.org", "a@xn--bcher-kva.example",
		"a@a-b.c-d.museum",
	};
	static const char *bad[] = {
		"", "plain", "@example.org", "ada@", "ada@example",
		"ada@@example.org", "a@b@example.org", ".ada@example.org",
		"ada.@example.org", "a..b@example.org", "ada@.example.org",
		"ada@example.org.", "ada@example..org", "ada@-example.org",
		"ada@example-.org", "ada@example.o", "ada@example.c0m",
		"ada@example.x-y", "ada@example.123", "ada @example.org",
		"ada@exa mple.org", "\"ada\"@example.org", "ada@[127.0.0.1]",
		"ada@example.org\r\nBcc: x@y.org", "ada@example.org\n",
		"ad(a)@example.org", "ada@ex_ample.org", "a,b@example.org",
		"caf\xc3\xa9@example.org", "ada@b\303\274cher.de",
		"ada@example.org;x", "a<b>@example.org", "ada\\@example.org",
	};
	char buf[300];
	size_t i;

	for (i = 0; i < N(good); i++)
		ck_assert_msg(valid_email(good[i]) == 1, "refused %s", good[i]);
	for (i = 0; i < N(bad); i++)
		ck_assert_msg(valid_email(bad[i]) == 0, "accepted %s", bad[i]);
	ck_assert_int_eq(valid_email(NULL), 0);

	/* Local part: 64 ok, 65 not. */
	memset(buf, 'a', 64);
	strcpy(buf + 64, "@example.org");
	ck_assert_int_eq(valid_email(buf), 1);
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@example.org");
	ck_assert_int_eq(valid_email(buf), 0);

	/* Label: 63 ok, 64 not. */
	strcpy(buf, "a@");
	memset(buf + 2, 'b', 63);
	strcpy(buf + 65, ".org");
	ck_assert_int_eq(valid_email(buf), 1);
	strcpy(buf, "a@");
	memset(buf + 2, 'b', 64);
	strcpy(buf + 66, ".org");
	ck_assert_int_eq(valid_email(buf), 0);

	/* Total: 254 ok, 255 not (labels of 49 + dot). */
	strcpy(buf, "a@");
	for (i = 0; i < 5; i++) {
		memset(buf + 2 + i * 50, 'b', 49);
		buf[2 + i * 50 + 49] = '.';
	}
	strcpy(buf + 252, "uk");		/* 254 bytes */
	ck_assert_uint_eq(strlen(buf), 254);
	ck_assert_int_eq(valid_email(buf), 1);
	strcpy(buf + 252, "ukk");
	ck_assert_int_eq(valid_email(buf), 0);
}
END_TEST

/* ---- valid_https_url ------------------------------------------------ */

START_TEST(test_https_url)
{
	static const char *good[] = {
		"https://meet.example.org", "https://meet.example.org/",
		"https://meet.example.org/abc-123",
		"https://us02web.zoom.us/j/123456789?pwd=AbC.dEf",
		"https://teams.microsoft.com/l/meetup-join/19%3ameeting#x",
		"https://video.example.org:8443/room/7",
	};
	static const char *bad[] = {
		"", "meet.example.org", "http://meet.example.org/a",
		"javascript:alert(1)", "https://", "https:///path",
		"https://localhost/a", "https://.example.org",
		"https://example..org", "https://example.org.",
		"https://-x.example.org", "https://user:pw@example.org/",
		"https://example.org/a b", "https://example.org/\"x\"",
		"https://example.org/<script>", "https://example.org:/a",
		"https://example.org/a\r\nX: y", "https://exa_mple.org/",
		"https://caf\xc3\xa9.example/", "https://example.org/\xc3\xa9",
		"HTTPS://example.org/", " https://example.org/",
	};
	char buf[VALID_URL_MAX + 2];
	size_t i;

	for (i = 0; i < N(good); i++)
		ck_assert_msg(valid_https_url(good[i]) == 1, "refused %s",
		    good[i]);
	for (i = 0; i < N(bad); i++)
		ck_assert_msg(valid_https_url(bad[i]) == 0, "accepted %s",
		    bad[i]);
	ck_assert_int_eq(valid_https_url(NULL), 0);
	/* VALID_URL_MAX bytes ok, one more not. */
	strcpy(buf, "https://example.org/");
	memset(buf + 20, 'a', VALID_URL_MAX - 20);
	buf[VALID_URL_MAX] = '\0';
	ck_assert_int_eq(valid_https_url(buf), 1);
	buf[VALID_URL_MAX] = 'a';
	buf[VALID_URL_MAX + 1] = '\0';
	ck_assert_int_eq(valid_https_url(buf), 0);
}
END_TEST

/* ---- valid_postcode ------------------------------------------------- */

START_TEST(test_postcode)
{
	static const struct { const char *in, *out, *district; } good[] = {
		{ "sw1a1aa", "SW1A 1AA", "SW1A" },
		{ "SW1A 1AA", "SW1A 1AA", "SW1A" },
		{ " SW1A  1AA ", "SW1A 1AA", "SW1A" },
		{ "\tsw1a\n1aa\r\n", "SW1A 1AA", "SW1A" },
		{ "ec1a 1bb", "EC1A 1BB", "EC1A" },
		{ "W1A 0AX", "W1A 0AX", "W1A" },		/* A9A */
		{ "M1 1AE", "M1 1AE", "M1" },			/* A9 */
		{ "m11ae", "M1 1AE", "M1" },
		{ "B33 8TH", "B33 8TH", "B33" },		/* A99 */
		{ "CR2 6XH", "CR2 6XH", "CR2" },		/* AA9 */
		{ "DN55 1PT", "DN55 1PT", "DN55" },		/* AA99 */
		{ "gir 0aa", "GIR 0AA", "GIR" },
		{ "GIR0AA", "GIR 0AA", "GIR" },
		{ "s w 1 a 1 a a", "SW1A 1AA", "SW1A" },
		{ "NW1W 9ZZ", "NW1W 9ZZ", "NW1W" },
		{ "E1W 1AA", "E1W 1AA", "E1W" },
		{ "BS98 1TL", "BS98 1TL", "BS98" },
		{ "BT7 1NN", "BT7 1NN", "BT7" },
		{ "GX11 1AA", "GX11 1AA", "GX11" },
		{ "Le1 6Xb", "LE1 6XB", "LE1" },
	};
	static const char *bad[] = {
		"", "   ", "SW1A 1A", "12345", "Q1 1AA", "V1 1AA", "X1 1AA",
		"AI1 1AA", "AJ1 1AA", "AZ1 1AA", "W1I 1AA", "W1L 1AA",
		"EC1C 1BB", "EC1D 1BB", "SW1A 1AC", "SW1A 1IA", "SW1A 1AK",
		"SW1A 1MA", "SW1A 1OA", "SW1A 1AV", "SW1A AAA", "SW1A 11A",
		"1W1A 1AA", "SWAA 1AA", "SW123 1AA", "SW1A1 1AA", "W 1AA",
		"SW1A 1AAA", "SW1A-1AA", "SW1A_1AA", "SW1A.1AA",
		"SW1A 1A\xc3\xa9", "GIR 0AB", "GIR 1AA", "SW1AA 1AA",
		"A99A 1AA", "AAA 1AA", "AAAA 1AA", "9A 1AA", "SW1A 1AA x",
		"WC2H 7LT 1AA", "ASCN 1ZZ", "BFPO 1234",
	};
	char out[VALID_POSTCODE_LEN], dist[VALID_DISTRICT_LEN];
	size_t i;

	for (i = 0; i < N(good); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(valid_postcode(good[i].in, out, sizeof(out)) ==
		    0, "refused %s", good[i].in);
		ck_assert_str_eq(out, good[i].out);
		/* Normalised text is accepted and unchanged. */
		ck_assert_int_eq(valid_postcode(good[i].out, out,
		    sizeof(out)), 0);
		ck_assert_str_eq(out, good[i].out);
		ck_assert_int_eq(valid_postcode_district(good[i].out, dist,
		    sizeof(dist)), 0);
		ck_assert_str_eq(dist, good[i].district);
		ck_assert_int_eq(valid_postcode_district(good[i].in, dist,
		    sizeof(dist)), 0);
		ck_assert_str_eq(dist, good[i].district);
	}
	for (i = 0; i < N(bad); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(valid_postcode(bad[i], out, sizeof(out)) == -1,
		    "accepted %s", bad[i]);
		ck_assert_str_eq(out, "");
		memset(dist, 'Z', sizeof(dist));
		ck_assert_int_eq(valid_postcode_district(bad[i], dist,
		    sizeof(dist)), -1);
		ck_assert_str_eq(dist, "");
	}
	ck_assert_int_eq(valid_postcode(NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(valid_postcode_district(NULL, dist, sizeof(dist)),
	    -1);
	/* Too small out. */
	ck_assert_int_eq(valid_postcode("M1 1AE", out, 8), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(valid_postcode("M1 1AE", NULL, 0), -1);
	ck_assert_int_eq(valid_postcode_district("SW1A 1AA", dist, 4), -1);
	ck_assert_int_eq(valid_postcode_district("M1 1AE", dist, 3), 0);
	ck_assert_str_eq(dist, "M1");
	ck_assert_int_eq(valid_postcode_district("M1 1AE", dist, 2), -1);
}
END_TEST

/* ---- valid_phone ---------------------------------------------------- */

START_TEST(test_phone)
{
	static const struct { const char *in, *out; } good[] = {
		{ "020 7946 0958", "02079460958" },
		{ "02079460958", "02079460958" },
		{ "+44 20 7946 0958", "+442079460958" },
		{ "+44 (0)20 7946 0958", "+442079460958" },
		{ "+44(0)7700 900123", "+447700900123" },
		{ "(020) 7946-0958", "02079460958" },
		{ "07700 900 123", "07700900123" },
		{ "07700-900-123", "07700900123" },
		{ "  07700900123  ", "07700900123" },
		{ "0044 20 7946 0958", "00442079460958" },
		{ "+1 (555) 010-0199", "+15550100199" },
		{ "0123456789", "0123456789" },			/* 10 */
		{ "+123456789012345", "+123456789012345" },	/* 15 */
		{ "(0)20 7946 0958", "02079460958" },		/* no + */
	};
	static const char *bad[] = {
		"", "   ", "012345678", "+44 20 7946", "1234567890123456",
		"+1234567890123456", "020 7946 095x", "020.7946.0958",
		"020/7946/0958", "44+20 7946 0958", "++44 20 7946 0958",
		"020 7946 0958 ext 12", "(020 7946 0958", "020) 7946 0958",
		"((020)) 7946 0958", "(020) (7946) 0958", "+44 (0)20 79",
		"020\t7946\t0958", "\xef\xbc\x90\xef\xbc\x92\xef\xbc\x90",
		"020 7946 0958\n", "(+44) 20 7946 0958",
		"+44 (0)20 7946 0958 0000",
	};
	char out[VALID_PHONE_LEN];
	size_t i;

	for (i = 0; i < N(good); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(valid_phone(good[i].in, out, sizeof(out)) == 0,
		    "refused %s", good[i].in);
		ck_assert_str_eq(out, good[i].out);
		/* Normalised text is accepted and unchanged. */
		ck_assert_int_eq(valid_phone(good[i].out, out, sizeof(out)),
		    0);
		ck_assert_str_eq(out, good[i].out);
	}
	for (i = 0; i < N(bad); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(valid_phone(bad[i], out, sizeof(out)) == -1,
		    "accepted %s", bad[i]);
		ck_assert_str_eq(out, "");
	}
	ck_assert_int_eq(valid_phone(NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(valid_phone("02079460958", NULL, 0), -1);
	/* out just big enough, and one short. */
	ck_assert_int_eq(valid_phone("020 7946 0958", out, 12), 0);
	ck_assert_str_eq(out, "02079460958");
	ck_assert_int_eq(valid_phone("020 7946 0958", out, 11), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(valid_phone("+44 20 7946 0958", out, 13), -1);
}
END_TEST

/* ---- valid_date ----------------------------------------------------- */

START_TEST(test_date)
{
	static const struct { const char *in; int y, m, d; } good[] = {
		{ "2024-02-29", 2024, 2, 29 }, { "2000-02-29", 2000, 2, 29 },
		{ "2023-02-28", 2023, 2, 28 }, { "1900-01-01", 1900, 1, 1 },
		{ "2100-12-31", 2100, 12, 31 }, { "1985-07-13", 1985, 7, 13 },
		{ "2024-04-30", 2024, 4, 30 }, { "2024-01-31", 2024, 1, 31 },
		{ "2024-12-01", 2024, 12, 1 },
	};
	static const char *bad[] = {
		"", "2023-02-29", "1900-02-29", "2100-02-29", "2024-02-30",
		"2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32",
		"2024-04-31", "2024-06-31", "2024-09-31", "2024-11-31",
		"2024-1-01", "2024-01-1", "24-01-01", "1899-12-31",
		"2101-01-01", "0000-01-01", "9999-12-31", "2024/01/01",
		"2024-01-01 ", " 2024-01-01", "2024-01-01T00:00", "20240101",
		"2024-0a-01", "+024-01-01", "2024--1-01", "2024-01-0\xc3\xa9",
		"01-01-2024", "2024-01", "2024-01-01x",
	};
	size_t i;
	int y, m, d;

	for (i = 0; i < N(good); i++) {
		ck_assert_msg(valid_date(good[i].in, &y, &m, &d) == 0,
		    "refused %s", good[i].in);
		ck_assert_int_eq(y, good[i].y);
		ck_assert_int_eq(m, good[i].m);
		ck_assert_int_eq(d, good[i].d);
	}
	for (i = 0; i < N(bad); i++) {
		y = m = d = -7;
		ck_assert_msg(valid_date(bad[i], &y, &m, &d) == -1,
		    "accepted %s", bad[i]);
		ck_assert_int_eq(y, -7);	/* untouched on failure */
		ck_assert_int_eq(m, -7);
		ck_assert_int_eq(d, -7);
	}
	ck_assert_int_eq(valid_date(NULL, &y, &m, &d), -1);
	ck_assert_int_eq(valid_date("2024-02-29", NULL, NULL, NULL), 0);
}
END_TEST

/* ---- valid_age ------------------------------------------------------ */

START_TEST(test_age)
{
	/* Around a birthday. */
	ck_assert_int_eq(valid_age(1990, 6, 15, 2024, 6, 14), 33);
	ck_assert_int_eq(valid_age(1990, 6, 15, 2024, 6, 15), 34);
	ck_assert_int_eq(valid_age(1990, 6, 15, 2024, 6, 16), 34);
	ck_assert_int_eq(valid_age(1990, 6, 15, 2024, 5, 31), 33);
	ck_assert_int_eq(valid_age(1990, 6, 15, 2024, 7, 1), 34);
	ck_assert_int_eq(valid_age(1990, 12, 31, 2024, 12, 30), 33);
	ck_assert_int_eq(valid_age(1990, 12, 31, 2024, 12, 31), 34);
	ck_assert_int_eq(valid_age(1990, 1, 1, 2024, 12, 31), 34);
	/* 18th birthday, the usual adult line. */
	ck_assert_int_eq(valid_age(2006, 3, 10, 2024, 3, 9), 17);
	ck_assert_int_eq(valid_age(2006, 3, 10, 2024, 3, 10), 18);
	/* Born on the day: 0; before the first birthday: 0. */
	ck_assert_int_eq(valid_age(2024, 3, 10, 2024, 3, 10), 0);
	ck_assert_int_eq(valid_age(2023, 3, 10, 2024, 3, 9), 0);
	ck_assert_int_eq(valid_age(2023, 3, 10, 2024, 3, 10), 1);
	/* Birth after the date. */
	ck_assert_int_eq(valid_age(2024, 3, 11, 2024, 3, 10), -1);
	ck_assert_int_eq(valid_age(2024, 4, 1, 2024, 3, 10), -1);
	ck_assert_int_eq(valid_age(2025, 1, 1, 2024, 12, 31), -1);
	/* 29 February: older on 1 March in common years. */
	ck_assert_int_eq(valid_age(2000, 2, 29, 2023, 2, 28), 22);
	ck_assert_int_eq(valid_age(2000, 2, 29, 2023, 3, 1), 23);
	ck_assert_int_eq(valid_age(2000, 2, 29, 2024, 2, 28), 23);
	ck_assert_int_eq(valid_age(2000, 2, 29, 2024, 2, 29), 24);
	ck_assert_int_eq(valid_age(1900, 1, 1, 2100, 12, 31), 200);
}
END_TEST

/* ---- reference codes ------------------------------------------------ */

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(test_refcode_make)
{
	static char codes[1000][VALID_REFCODE_LEN];
	unsigned long seen[32] = { 0 };
	char back[VALID_REFCODE_LEN];
	size_t i, k;
	const char *q;

	for (i = 0; i < N(codes); i++) {
		valid_refcode_make(codes[i], sizeof(codes[i]));
		ck_assert_uint_eq(strlen(codes[i]), 9);
		ck_assert_int_eq(codes[i][4], '-');
		for (k = 0; k < 9; k++) {
			if (k == 4)
				continue;
			q = strchr(alphabet, codes[i][k]);
			ck_assert_msg(q != NULL && codes[i][k] != '\0',
			    "bad symbol in %s", codes[i]);
			seen[q - alphabet]++;
		}
		/* Every made code checks, unchanged. */
		ck_assert_int_eq(valid_refcode_check(codes[i], back,
		    sizeof(back)), 0);
		ck_assert_str_eq(back, codes[i]);
	}
	/* 1000 codes, all distinct (40 bits: a clash is ~5e-7 likely). */
	qsort(codes, N(codes), sizeof(codes[0]), cmp_str);
	for (i = 1; i < N(codes); i++)
		ck_assert_str_ne(codes[i - 1], codes[i]);
	/* 8000 symbols, 250 expected each: every one shows up, none wildly
	 * over- or under-represented (bounds are > 8 sigma away). */
	for (k = 0; k < 32; k++) {
		ck_assert_msg(seen[k] > 120 && seen[k] < 380,
		    "symbol %c seen %lu times", alphabet[k], seen[k]);
	}
}
END_TEST

START_TEST(test_refcode_check)
{
	static const struct { const char *in, *out; } good[] = {
		{ "ABCD-EFGH", "ABCD-EFGH" },
		{ "abcd-efgh", "ABCD-EFGH" },
		{ "abcdefgh", "ABCD-EFGH" },
		{ "ABCD EFGH", "ABCD-EFGH" },
		{ "  ab cd - ef gh  ", "ABCD-EFGH" },
		{ "A-B-C-D-E-F-G-H", "ABCD-EFGH" },
		{ "2345-6789", "2345-6789" },
		{ "wxyz-2345", "WXYZ-2345" },
		{ "llll-llll", "LLLL-LLLL" },
		{ "\tZZZZ-ZZZZ\n", "ZZZZ-ZZZZ" },
	};
	static const char *bad[] = {
		"", "    ", "----", "ABCD-EFG", "ABCD-EFGHJ", "ABCDEFGHJ",
		"ABCD-EFG0", "ABCD-EFGO", "ABCD-EFG1", "ABCD-EFGI",
		"abcd-efgo", "abcd-efgi", "ABCD_EFGH", "ABCD.EFGH",
		"ABCD-EFG\xc3\xa9", "ABCD-EFGH!", "ABC", "%41BCD-EFGH",
	};
	char out[VALID_REFCODE_LEN];
	size_t i;

	for (i = 0; i < N(good); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(valid_refcode_check(good[i].in, out,
		    sizeof(out)) == 0, "refused %s", good[i].in);
		ck_assert_str_eq(out, good[i].out);
	}
	for (i = 0; i < N(bad); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(valid_refcode_check(bad[i], out, sizeof(out)) ==
		    -1, "accepted %s", bad[i]);
		ck_assert_str_eq(out, "");
	}
	ck_assert_int_eq(valid_refcode_check(NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(valid_refcode_check("ABCD-EFGH", out, 9), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(valid_refcode_check("ABCD-EFGH", NULL, 0), -1);
}
END_TEST

/* ---- valid_trim ----------------------------------------------------- */

START_TEST(test_trim)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" }, { "   ", "" }, { "a", "a" }, { " a ", "a" },
		{ "\t\n\v\f\r a b \r\n", "a b" }, { "a  b", "a  b" },
		{ "  lead", "lead" }, { "trail  ", "trail" },
		{ "\xc2\xa0x\xc2\xa0", "\xc2\xa0x\xc2\xa0" },	/* NBSP kept */
	};
	char buf[64];
	size_t i;

	for (i = 0; i < N(cases); i++) {
		strcpy(buf, cases[i].in);
		ck_assert_ptr_eq(valid_trim(buf), buf);
		ck_assert_str_eq(buf, cases[i].out);
	}
	ck_assert_ptr_null(valid_trim(NULL));
}
END_TEST


/* ---- valid_line, valid_lines ---------------------------------------- */

START_TEST(test_line)
{
	static const char *const good[] = {
		"", "Ann", "O'Neil-Smith", "Zo\xc3\xab", "a, b; c: d!",
		"\xc2\xa0nbsp", "\xe2\x80\x9cquoted\xe2\x80\x9d",
	};
	static const char *const bad[] = {
		"Ann\r\nBcc: x", "a\nb", "a\rb", "a\tb", "a\x01", "a\x1b[0m",
		"a\x7f", "a\xc2\x85", "a\xc2\x9f", "\xff",
	};
	size_t i;

	for (i = 0; i < N(good); i++)
		ck_assert_msg(valid_line(good[i], strlen(good[i])) == 1,
		    "refused %zu", i);
	for (i = 0; i < N(bad); i++)
		ck_assert_msg(valid_line(bad[i], strlen(bad[i])) == 0,
		    "accepted %zu", i);
	ck_assert_int_eq(valid_line("a\0b", 3), 0);
	ck_assert_int_eq(valid_line(NULL, 0), 1);
	/* Several lines: breaks yes, other controls no. */
	ck_assert_int_eq(valid_lines("one\r\ntwo\nthree", 14), 1);
	ck_assert_int_eq(valid_lines("one\ttwo", 7), 0);
	ck_assert_int_eq(valid_lines("one\x7f", 4), 0);
	ck_assert_int_eq(valid_lines("one\x0b", 4), 0);
	ck_assert_int_eq(valid_lines("a\xc2\x80", 3), 0);
}
END_TEST

/* ---- valid_id, valid_int, valid_time -------------------------------- */

START_TEST(test_id)
{
	int64_t v = -5;

	ck_assert_int_eq(valid_id("1", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(valid_id("9223372036854775807", &v), 0);
	ck_assert(v == INT64_MAX);
	v = -5;
	ck_assert_int_eq(valid_id("9223372036854775808", &v), -1);
	ck_assert_int_eq(valid_id("99999999999999999999", &v), -1);
	ck_assert_int_eq(valid_id("0", &v), -1);
	ck_assert_int_eq(valid_id("01", &v), -1);
	ck_assert_int_eq(valid_id("-1", &v), -1);
	ck_assert_int_eq(valid_id("+1", &v), -1);
	ck_assert_int_eq(valid_id(" 1", &v), -1);
	ck_assert_int_eq(valid_id("1 ", &v), -1);
	ck_assert_int_eq(valid_id("1x", &v), -1);
	ck_assert_int_eq(valid_id("", &v), -1);
	ck_assert_int_eq(valid_id(NULL, &v), -1);
	ck_assert_int_eq(v, -5);	/* untouched on failure */
}
END_TEST

START_TEST(test_int)
{
	int v = -1;

	ck_assert_int_eq(valid_int("15", 15, 240, &v), 0);
	ck_assert_int_eq(v, 15);
	ck_assert_int_eq(valid_int(" 240 ", 15, 240, &v), 0);
	ck_assert_int_eq(v, 240);
	ck_assert_int_eq(valid_int("241", 15, 240, &v), -1);
	ck_assert_int_eq(valid_int("14", 15, 240, &v), -1);
	ck_assert_int_eq(valid_int("-20", -30, 240, &v), -1);
	ck_assert_int_eq(valid_int("1e2", 0, 240, &v), -1);
	ck_assert_int_eq(valid_int("", 0, 240, &v), -1);
	ck_assert_int_eq(valid_int("1234567890", 0, 2000000000, &v), -1);
	ck_assert_int_eq(valid_int(NULL, 0, 1, &v), -1);
	ck_assert_int_eq(v, 240);
}
END_TEST

START_TEST(test_time)
{
	int m = -1;

	ck_assert_int_eq(valid_time("09:30", 0, &m), 0);
	ck_assert_int_eq(m, 570);
	ck_assert_int_eq(valid_time("9:05", 0, &m), 0);
	ck_assert_int_eq(m, 545);
	ck_assert_int_eq(valid_time("17:00:00", 0, &m), 0);
	ck_assert_int_eq(m, 1020);
	ck_assert_int_eq(valid_time("24:00", 1, &m), 0);
	ck_assert_int_eq(m, 1440);
	ck_assert_int_eq(valid_time("24:00", 0, &m), -1);
	ck_assert_int_eq(valid_time("12:60", 0, &m), -1);
	ck_assert_int_eq(valid_time("12:5", 0, &m), -1);
	ck_assert_int_eq(valid_time("1230", 0, &m), -1);
	ck_assert_int_eq(valid_time("12:30\n", 0, &m), -1);
	ck_assert_int_eq(valid_time(NULL, 0, &m), -1);
}
END_TEST

/* ---- valid_form_check and the error list ---------------------------- */

static const char *const colours[] = { "red", "green", NULL };

enum { T_NAME, T_ABOUT, T_EMAIL, T_WHEN, T_AT, T_COUNT, T_ROOM, T_COLOUR,
	T_OK, T_DAYS, T__MAX };

static const struct valid_field table[T__MAX] = {
	{ "name", VALID_LINE, 1, 0, 10, NULL, NULL, "Name",
	    "Enter a name" },
	{ "about", VALID_LINES, 0, 0, 20, NULL, NULL, "About", NULL },
	{ "email", VALID_EMAIL, 0, 0, 0, NULL, NULL, "Email", NULL },
	{ "when", VALID_DATE, 0, 0, 0, NULL, NULL, "Date", NULL },
	{ "at", VALID_TIME, 0, 0, 0, NULL, NULL, "Time", NULL },
	{ "count", VALID_INT, 0, 1, 104, NULL, NULL, "Sessions", NULL },
	{ "room", VALID_ID, 0, 0, 0, NULL, NULL, "Room", NULL },
	{ "colour", VALID_CHOICE, 1, 0, 0, colours, "colour-red", "Colour",
	    "Choose a colour" },
	{ "ok", VALID_YES, 0, 0, 0, NULL, NULL, "Agree", NULL },
	{ "days", VALID_MULTI, 0, 0, 3, NULL, "days-mon", "Days", NULL },
};

/* Parses body into f and checks it against the table. */
static size_t
check_body(const char *body, struct form *f, struct valid_value *v,
    struct valid_errors *e)
{
	form_init(f);
	ck_assert_int_eq(form_parse(f, body, strlen(body), 100), FORM_OK);
	memset(e, 0, sizeof(*e));
	return valid_form_check(f, table, T__MAX, v, e);
}

START_TEST(test_form_good)
{
	struct form f;
	struct valid_value v[T__MAX];
	struct valid_errors e;

	ck_assert_uint_eq(check_body("name=+Ann+&about=a%0D%0Ab&email=a%40b.org"
	    "&when=2026-12-24&at=09:30&count=12&room=7&colour=green&ok=yes"
	    "&days=mon&days=tue", &f, v, &e), 0);
	ck_assert_uint_eq(e.n, 0);
	ck_assert_str_eq(v[T_NAME].text, "Ann");	/* trimmed */
	ck_assert_str_eq(v[T_ABOUT].text, "a\r\nb");
	ck_assert_int_eq(v[T_AT].num, 570);
	ck_assert_int_eq(v[T_COUNT].num, 12);
	ck_assert_int_eq(v[T_ROOM].num, 7);
	ck_assert_int_eq(v[T_COLOUR].num, 1);
	ck_assert_int_eq(v[T_OK].num, 1);
	ck_assert_int_eq(v[T_DAYS].num, 2);
	ck_assert_int_eq(v[T_NAME].bad, 0);
	valid_values_free(v, T__MAX);
	form_free(&f);
}
END_TEST

START_TEST(test_form_bad)
{
	struct form f;
	struct valid_value v[T__MAX];
	struct valid_errors e;

	/* Every field wrong, except that colour is missing. */
	ck_assert_uint_eq(check_body("name=Ann%0D%0ABcc:x&about=a%09b"
	    "&email=a%40b&when=2026-02-30&at=25:00&count=105&room=0"
	    "&ok=maybe&days=mon%0A", &f, v, &e), T__MAX);
	ck_assert_uint_eq(e.n, T__MAX);
	ck_assert_str_eq(e.e[0].key, "name");
	ck_assert_str_eq(e.e[0].anchor, "name");
	ck_assert_str_eq(e.e[0].msg, "Name: use letters, numbers and "
	    "punctuation only; no line breaks");
	/* The typing is kept, line break and all, for showing again. */
	ck_assert_str_eq(v[T_NAME].text, "Ann\r\nBcc:x");
	ck_assert_int_eq(v[T_NAME].bad, 1);
	ck_assert_str_eq(e.e[1].msg, "About: use letters, numbers, "
	    "punctuation and line breaks only");
	ck_assert_ptr_nonnull(strstr(e.e[2].msg, "email address"));
	ck_assert_ptr_nonnull(strstr(e.e[3].msg, "year-month-day"));
	ck_assert_ptr_nonnull(strstr(e.e[4].msg, "hours and minutes"));
	ck_assert_str_eq(e.e[5].msg, "Sessions must be a whole number from 1 "
	    "to 104");
	ck_assert_str_eq(e.e[7].key, "colour");
	ck_assert_str_eq(e.e[7].anchor, "colour-red");
	ck_assert_str_eq(e.e[7].msg, "Choose a colour");
	ck_assert_str_eq(e.e[9].anchor, "days-mon");
	valid_values_free(v, T__MAX);
	form_free(&f);

	/* Too long; required and blank; bytes that are not UTF-8. */
	ck_assert_uint_eq(check_body("name=12345678901&about=%FF&colour=+",
	    &f, v, &e), 3);
	ck_assert_str_eq(e.e[0].msg, "Name must be 10 characters or fewer");
	ck_assert_str_eq(v[T_NAME].text, "12345678901");
	ck_assert_str_eq(e.e[1].msg, "About contains characters we cannot "
	    "read: please type it again");
	ck_assert_str_eq(v[T_ABOUT].text, "");	/* never shown again */
	ck_assert_str_eq(e.e[2].msg, "Choose a colour");
	valid_values_free(v, T__MAX);
	form_free(&f);

	/* A NUL byte is not cut off: the value is refused. */
	ck_assert_uint_eq(check_body("name=ab%00cd&colour=red", &f, v, &e), 1);
	ck_assert_int_eq(v[T_NAME].bad, 1);
	valid_values_free(v, T__MAX);
	form_free(&f);
}
END_TEST

START_TEST(test_errors)
{
	struct valid_errors e;
	size_t i;

	memset(&e, 0, sizeof(e));
	valid_error_add(&e, "colour", "second");
	valid_error_add(&e, "name", "first");
	valid_error_add(&e, "name", "ignored: one per field");
	valid_error_add_at(&e, "form", "name", "the whole form");
	ck_assert_uint_eq(e.n, 3);
	ck_assert_int_eq(valid_error_has(&e, "name"), 1);
	ck_assert_int_eq(valid_error_has(&e, "about"), 0);
	valid_errors_sort(&e, table, T__MAX);
	ck_assert_str_eq(e.e[0].key, "form");	/* not a field: first */
	ck_assert_str_eq(e.e[1].key, "name");
	ck_assert_str_eq(e.e[1].msg, "first");
	ck_assert_str_eq(e.e[2].key, "colour");
	for (i = 0; i < 2 * VALID_ERRORS_MAX; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%zu", i);
		valid_error_add(&e, k, "x");
	}
	ck_assert_uint_eq(e.n, VALID_ERRORS_MAX);
	valid_values_free(NULL, 3);
}
END_TEST

static Suite *
valid_suite(void)
{
	Suite *s = suite_create("valid");
	TCase *tc;

	tc = tcase_create("valid_utf8_text");
	tcase_add_test(tc, test_utf8_good);
	tcase_add_test(tc, test_utf8_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_email");
	tcase_add_test(tc, test_email);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_https_url");
	tcase_add_test(tc, test_https_url);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_postcode");
	tcase_add_test(tc, test_postcode);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_phone");
	tcase_add_test(tc, test_phone);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_date");
	tcase_add_test(tc, test_date);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_age");
	tcase_add_test(tc, test_age);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_refcode");
	tcase_add_test(tc, test_refcode_make);
	tcase_add_test(tc, test_refcode_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_trim");
	tcase_add_test(tc, test_trim);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_line");
	tcase_add_test(tc, test_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_id");
	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_int);
	tcase_add_test(tc, test_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_form_check");
	tcase_add_test(tc, test_form_good);
	tcase_add_test(tc, test_form_bad);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(valid_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * libFuzzer target for every validator in cgi/valid.h.
 *
 * Byte 0 picks the validator, byte 1 sizes the out buffer where there is
 * one (exactly that many heap bytes, so ASan sees any overrun), the rest
 * is the input: raw bytes for valid_utf8_text, a NUL-terminated copy for
 * the others.  Beyond "no crash": valid_utf8_text agrees with a slow
 * reference decoder; every normaliser's output is accepted again and
 * comes back unchanged; accepted values have the promised shape; a
 * failure leaves out as "".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/valid.h"

/* Decodes code points one by one, by the book (RFC 3629). */
static int
utf8_reference(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			cp = s[i];
			need = 0;
			min = 0;
		} else if ((s[i] & 0xE0) == 0xC0) {
			cp = s[i] & 0x1F;
			need = 1;
			min = 0x80;
		} else if ((s[i] & 0xF0) == 0xE0) {
			cp = s[i] & 0x0F;
			need = 2;
			min = 0x800;
		} else if ((s[i] & 0xF8) == 0xF0) {
			cp = s[i] & 0x07;
			need = 3;
			min = 0x10000;
		} else
			return 0;
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
			return 0;
		i += need + 1;
	}
	return 1;
}

static int
in(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* out must be "" after a failure (when there is room). */
static void
check_failed(const char *out, size_t outlen)
{
	if (outlen > 0 && out[0] != '\0')
		abort();
}

static void
fuzz_utf8(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);
	if (valid_utf8_text(copy, size) != utf8_reference(data, size))
		abort();
	free(copy);
}

static void
fuzz_email(const char *s)
{
	size_t i;

	if (valid_email(s) != 1)
		return;
	if (strlen(s) > VALID_EMAIL_MAX || strchr(s, '@') == NULL ||
	    strchr(s, '@') != strrchr(s, '@'))
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void
fuzz_postcode(const char *s, char *out, size_t outlen)
{
	char again[VALID_POSTCODE_LEN], dist[VALID_DISTRICT_LEN];
	size_t n;

	if (valid_postcode(s, out, outlen) == -1) {
		check_failed(out, outlen);
		if (valid_postcode_district(s, dist, sizeof(dist)) == 0 &&
		    outlen >= VALID_POSTCODE_LEN)
			abort();
		return;
	}
	n = strlen(out);
	if (outlen < VALID_POSTCODE_LEN || n < 6 || n > 8 ||
	    out[n - 4] != ' ')
		abort();
	if (valid_postcode(out, again, sizeof(again)) != 0 ||
	    strcmp(again, out) != 0)
		abort();
	if (valid_postcode_district(s, dist, sizeof(dist)) != 0 ||
	    strncmp(dist, out, strlen(dist)) != 0 ||
	    out[strlen(dist)] != ' ')
		abort();
}

static void
fuzz_phone(const char *s, char *out, size_t outlen)
{
	char again[VALID_PHONE_LEN];
	size_t i, digits = 0;

	if (valid_phone(s, out, outlen) == -1) {
		check_failed(out, outlen);
		return;
	}
	for (i = 0; out[i] != '\0'; i++) {
		if (out[i] >= '0' && out[i] <= '9')
			digits++;
		else if (out[i] != '+' || i != 0)
			abort();
	}
	if (digits < 10 || digits > 15 || i >= outlen)
		abort();
	if (valid_phone(out, again, sizeof(again)) != 0 ||
	    strcmp(again, out) != 0)
		abort();
}

static void
fuzz_date(const char *s)
{
	char again[32];
	int y, m, d, ty, tm, td, age;

	if (valid_date(s, &y, &m, &d) == -1)
		return;
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
		abort();
	(void)snprintf(again, sizeof(again), "%04d-%02d-%02d", y, m, d);
	if (strcmp(again, s) != 0)
		abort();
	/* Ages against a few fixed days. */
	ty = 2024, tm = 2, td = 29;
	age = valid_age(y, m, d, ty, tm, td);
	if (age == -1 ? strcmp(s, "2024-02-29") <= 0 :
	    (age < ty - y - 1 || age > ty - y || age < 0))
		abort();
	if (valid_age(y, m, d, y, m, d) != 0 ||
	    valid_age(y, m, d, y + 1, m, d) != 1)
		abort();
}

static void
fuzz_refcode(const char *s, char *out, size_t outlen)
{
	char again[VALID_REFCODE_LEN];
	size_t i;

	if (valid_refcode_check(s, out, outlen) == -1) {
		check_failed(out, outlen);
		return;
	}
	if (strlen(out) != 9 || out[4] != '-')
		abort();
	for (i = 0; i < 9; i++)
		if (i != 4 && !in("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", out[i]))
			abort();
	if (valid_refcode_check(out, again, sizeof(again)) != 0 ||
	    strcmp(again, out) != 0)
		abort();
}

static void
fuzz_trim(const char *s)
{
	size_t n = strlen(s), lead;
	char *t = malloc(n + 1);

	if (t == NULL)
		abort();
	memcpy(t, s, n + 1);
	if (valid_trim(t) != t)
		abort();
	n = strlen(t);
	if (n > 0 && (in(" \t\n\v\f\r", t[0]) || in(" \t\n\v\f\r", t[n - 1])))
		abort();
	lead = strspn(s, " \t\n\v\f\r");
	if (strncmp(s + lead, t, n) != 0 ||
	    strspn(s + lead + n, " \t\n\v\f\r") != strlen(s + lead + n))
		abort();
	free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *out;
	size_t outlen;
	int which;

	if (size < 2)
		return 0;
	which = data[0] % 7;
	outlen = data[1] % 20;
	data += 2;
	size -= 2;

	if (which == 0) {
		fuzz_utf8(data, size);
		return 0;
	}
	if ((s = malloc(size + 1)) == NULL ||
	    (out = malloc(outlen ? outlen : 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	switch (which) {
	case 1:
		fuzz_email(s);
		break;
	case 2:
		fuzz_postcode(s, out, outlen);
		break;
	case 3:
		fuzz_phone(s, out, outlen);
		break;
	case 4:
		fuzz_date(s);
		break;
	case 5:
		fuzz_refcode(s, out, outlen);
		break;
	default:
		fuzz_trim(s);
		break;
	}
	free(out);
	free(s);
	return 0;
}

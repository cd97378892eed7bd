#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cgi/valid.h"

static const char refcode_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/* The locale-independent character classes used below. */
static int
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_alpha(unsigned char c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

static unsigned char
to_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Makes out "" when there is room, for the failure paths. */
static int
fail(char *out, size_t outlen)
{
	if (out != NULL && outlen > 0)
		out[0] = '\0';
	return -1;
}

int
valid_utf8_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, need, k;
	unsigned char c, lo, hi;

	assert(s != NULL || len == 0);
	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xBF;
		if (c < 0xC2)		/* continuation, or overlong C0/C1 */
			return 0;
		else if (c < 0xE0)
			need = 1;
		else if (c < 0xF0) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0;	/* overlong */
			else if (c == 0xED)
				hi = 0x9F;	/* surrogates */
		} else if (c < 0xF5) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90;	/* overlong */
			else if (c == 0xF4)
				hi = 0x8F;	/* above U+10FFFF */
		} else
			return 0;
		if (len - i - 1 < need)
			return 0;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k <= need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xBF)
				return 0;
		i += need + 1;
	}
	return 1;
}

/* RFC 5322 atext, less the letters and digits. */
static int
is_atext(unsigned char c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

int
valid_email(const char *s)
{
	const char *at, *p, *label;
	size_t len, n;
	int tld_letters;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len == 0 || len > VALID_EMAIL_MAX)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;

	/* Local part: dot-atom, 1..64. */
	n = (size_t)(at - s);
	if (n == 0 || n > 64 || s[0] == '.' || at[-1] == '.')
		return 0;
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (p[1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)*p))
			return 0;
	}

	/* Domain: labels split on dots, at least two, TLD letters only. */
	p = at + 1;
	if (*p == '\0' || strchr(p, '.') == NULL)
		return 0;
	for (;;) {
		label = p;
		tld_letters = 1;
		while (is_alpha((unsigned char)*p) ||
		    is_digit((unsigned char)*p) || *p == '-') {
			if (!is_alpha((unsigned char)*p))
				tld_letters = 0;
			p++;
		}
		n = (size_t)(p - label);
		if (n == 0 || n > 63 || label[0] == '-' || p[-1] == '-')
			return 0;
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p != '\0')
			return 0;
		return tld_letters && n >= 2;
	}
}

/* Letters each position of a postcode allows. */
static const char pc_first[] = "ABCDEFGHIJKLMNOPRSTUWYZ";	/* no QVX */
static const char pc_second[] = "ABCDEFGHKLMNOPQRSTUVWXY";	/* no IJZ */
static const char pc_third[] = "ABCDEFGHJKPSTUW";		/* A9A */
static const char pc_fourth[] = "ABEHMNPRVWXY";			/* AA9A */
static const char pc_inward[] = "ABDEFGHJLNPQRSTUWXYZ";		/* no CIKMOV */

static int
in_set(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/*
 * 1 if the outward code o (n chars, upper case) has one of the six
 * shapes with the letters allowed in each position.
 */
static int
postcode_outward_ok(const char *o, size_t n)
{
	const unsigned char *u = (const unsigned char *)o;

	if (n < 2 || n > 4 || !in_set(pc_first, o[0]))
		return 0;
	if (is_digit(u[1])) {
		if (n == 2)				/* A9 */
			return 1;
		if (n == 3 && is_digit(u[2]))		/* A99 */
			return 1;
		if (n == 3 && in_set(pc_third, o[2]))	/* A9A */
			return 1;
		return 0;
	}
	if (!in_set(pc_second, o[1]) || n < 3 || !is_digit(u[2]))
		return 0;
	if (n == 3)					/* AA9 */
		return 1;
	return is_digit(u[3]) || in_set(pc_fourth, o[3]); /* AA99, AA9A */
}

int
valid_postcode(const char *s, char *out, size_t outlen)
{
	char pc[8];
	size_t n = 0;
	const unsigned char *p;

	if (out == NULL || outlen < VALID_POSTCODE_LEN || s == NULL)
		return fail(out, outlen);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (is_space(*p))
			continue;
		if (n == 7 || !(is_alpha(*p) || is_digit(*p)))
			return fail(out, outlen);
		pc[n++] = (char)to_upper(*p);
	}
	pc[n] = '\0';
	if (n < 5)
		return fail(out, outlen);
	/* Inward code: the last three, 9AA. */
	if (strcmp(pc, "GIR0AA") != 0 &&
	    (!is_digit((unsigned char)pc[n - 3]) ||
	    !in_set(pc_inward, pc[n - 2]) || !in_set(pc_inward, pc[n - 1]) ||
	    !postcode_outward_ok(pc, n - 3)))
		return fail(out, outlen);
	memcpy(out, pc, n - 3);
	out[n - 3] = ' ';
	memcpy(out + n - 2, pc + n - 3, 4);
	return 0;
}

int
valid_postcode_district(const char *postcode, char *out, size_t outlen)
{
	char norm[VALID_POSTCODE_LEN];
	size_t n;

	if (valid_postcode(postcode, norm, sizeof(norm)) == -1)
		return fail(out, outlen);
	n = strcspn(norm, " ");
	if (out == NULL || outlen <= n)
		return fail(out, outlen);
	memcpy(out, norm, n);
	out[n] = '\0';
	return 0;
}

int
valid_phone(const char *s, char *out, size_t outlen)
{
	char digits[VALID_PHONE_LEN];
	size_t n = 0, open_at = 0, o = 0;
	int plus = 0, started = 0, depth = 0, groups = 0;
	const unsigned char *p;

	if (s == NULL || out == NULL)
		return fail(out, outlen);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (*p == '+') {
			if (started)
				return fail(out, outlen);
			plus = 1;
		} else if (*p == '(') {
			if (depth || groups)
				return fail(out, outlen);
			depth = 1;
			groups = 1;
			open_at = n;
		} else if (*p == ')') {
			if (!depth)
				return fail(out, outlen);
			depth = 0;
			/* "+44 (0)20": the 0 is the national trunk prefix. */
			if (plus && n == open_at + 1 && digits[open_at] == '0')
				n--;
		} else if (is_digit(*p)) {
			if (n == 15)
				return fail(out, outlen);
			digits[n++] = (char)*p;
		} else if (*p != '-')
			return fail(out, outlen);
		started = 1;
	}
	if (depth || n < 10 || (size_t)plus + n + 1 > outlen)
		return fail(out, outlen);
	if (plus)
		out[o++] = '+';
	memcpy(out + o, digits, n);
	out[o + n] = '\0';
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int
valid_date(const char *s, int *y, int *m, int *d)
{
	static const char shape[] = "9999-99-99";
	int yy, mm, dd;
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == '9' ? !is_digit((unsigned char)s[i]) :
		    s[i] != '-')
			return -1;
	}
	if (s[i] != '\0')
		return -1;
	yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	mm = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (yy < 1900 || yy > 2100 || mm < 1 || mm > 12 || dd < 1 ||
	    dd > days_in_month(yy, mm))
		return -1;
	if (y != NULL)
		*y = yy;
	if (m != NULL)
		*m = mm;
	if (d != NULL)
		*d = dd;
	return 0;
}

int
valid_age(int y, int m, int d, int ty, int tm, int td)
{
	int age;

	if (y > ty || (y == ty && (m > tm || (m == tm && d > td))))
		return -1;
	age = ty - y;
	if (tm < m || (tm == m && td < d))
		age--;
	return age;
}

void
valid_refcode_make(char *out, size_t outlen)
{
	unsigned char r[8];
	size_t i, o = 0;

	assert(out != NULL && outlen >= VALID_REFCODE_LEN);
	if (sodium_init() < 0)
		abort();
	randombytes_buf(r, sizeof(r));
	/* 256 is a multiple of 32: the low 5 bits are uniform. */
	for (i = 0; i < sizeof(r); i++) {
		if (i == 4)
			out[o++] = '-';
		out[o++] = refcode_alphabet[r[i] & 31];
	}
	out[o] = '\0';
	sodium_memzero(r, sizeof(r));
}

int
valid_refcode_check(const char *s, char *out, size_t outlen)
{
	char sym[8];
	size_t n = 0, i, o = 0;
	const unsigned char *p;
	unsigned char c;

	if (s == NULL || out == NULL || outlen < VALID_REFCODE_LEN)
		return fail(out, outlen);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (is_space(*p) || *p == '-')
			continue;
		c = to_upper(*p);
		if (n == sizeof(sym) || !in_set(refcode_alphabet, (char)c))
			return fail(out, outlen);
		sym[n++] = (char)c;
	}
	if (n != sizeof(sym))
		return fail(out, outlen);
	for (i = 0; i < n; i++) {
		if (i == 4)
			out[o++] = '-';
		out[o++] = sym[i];
	}
	out[o] = '\0';
	return 0;
}

char *
valid_trim(char *s)
{
	size_t start = 0, end;

	if (s == NULL)
		return NULL;
	end = strlen(s);
	while (start < end && is_space((unsigned char)s[start]))
		start++;
	while (end > start && is_space((unsigned char)s[end - 1]))
		end--;
	if (start > 0)
		memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cgi/valid.h"
#include "templates/tmpl.h"
#include "util/buf.h"

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

int
valid_https_url(const char *s)
{
	const char *host, *p;
	size_t n;
	int dot = 0;

	if (s == NULL || strlen(s) > VALID_URL_MAX ||
	    strncmp(s, "https://", 8) != 0)
		return 0;
	host = p = s + 8;
	while (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p) ||
	    *p == '-' || *p == '.') {
		if (*p == '.') {
			if (p == host || p[-1] == '.')
				return 0;
			dot = 1;
		}
		p++;
	}
	n = (size_t)(p - host);
	if (n == 0 || !dot || host[n - 1] == '.' || host[0] == '-')
		return 0;
	if (*p == ':') {
		if (!is_digit((unsigned char)*++p))
			return 0;
		while (is_digit((unsigned char)*p))
			p++;
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		return 0;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\^`{|}", *p) != NULL)
			return 0;
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

/*
 * 1 when the len bytes at s are valid_utf8_text with no control
 * character but, when breaks is 1, CR and LF.  DEL is 0x7F; the C1
 * controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8.
 */
static int
text_ok(const char *s, size_t len, int breaks)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	if (!valid_utf8_text(s, len))
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] == 0x7F || (p[i] == 0xC2 && i + 1 < len &&
		    p[i + 1] >= 0x80 && p[i + 1] <= 0x9F))
			return 0;
		if (p[i] < 0x20 && !(breaks && (p[i] == '\n' || p[i] == '\r')))
			return 0;
	}
	return 1;
}

int
valid_line(const char *s, size_t len)
{
	return text_ok(s, len, 0);
}

int
valid_lines(const char *s, size_t len)
{
	return text_ok(s, len, 1);
}

int
valid_id(const char *s, int64_t *out)
{
	int64_t v = 0;
	const char *p;

	if (s == NULL || *s < '1' || *s > '9')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (!is_digit((unsigned char)*p) ||
		    v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

int
valid_int(const char *s, int lo, int hi, int *out)
{
	long v = 0;
	int digits = 0;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	for (; is_digit((unsigned char)*s); s++) {
		if (++digits > 9)
			return -1;
		v = v * 10 + (*s - '0');
	}
	while (*s == ' ')
		s++;
	if (digits == 0 || *s != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int
valid_time(const char *s, int end, int *minutes)
{
	int h = 0, m, digits = 0;
	const char *p = s;

	if (s == NULL)
		return -1;
	while (*p == ' ')
		p++;
	for (; is_digit((unsigned char)*p) && digits < 2; p++, digits++)
		h = h * 10 + (*p - '0');
	if (digits == 0 || *p++ != ':')
		return -1;
	if (!is_digit((unsigned char)p[0]) || !is_digit((unsigned char)p[1]))
		return -1;
	m = (p[0] - '0') * 10 + (p[1] - '0');
	p += 2;
	if (p[0] == ':' && p[1] == '0' && p[2] == '0')	/* seconds */
		p += 3;
	while (*p == ' ')
		p++;
	if (*p != '\0' || m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* ---- The field table ------------------------------------------------ */

/* Longest text a field of each type takes when its max is 0. */
static const size_t type_max[VALID__MAX] = {
	[VALID_LINE] = 200, [VALID_LINES] = 4000,
	[VALID_EMAIL] = VALID_EMAIL_MAX, [VALID_PHONE] = 30,
	[VALID_POSTCODE] = 12, [VALID_DATE] = 10, [VALID_TIME] = 8,
	[VALID_INT] = 12, [VALID_ID] = 20, [VALID_CHOICE] = 64,
	[VALID_YES] = 3, [VALID_MULTI] = 64, [VALID_URL] = VALID_URL_MAX,
};

int
valid_error_has(const struct valid_errors *errs, const char *key)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		if (strcmp(errs->e[i].key, key) == 0)
			return 1;
	return 0;
}

void
valid_error_add_at(struct valid_errors *errs, const char *key,
    const char *anchor, const char *msg)
{
	struct valid_error *e;

	if (errs->n == VALID_ERRORS_MAX || valid_error_has(errs, key))
		return;
	e = &errs->e[errs->n++];
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->anchor, sizeof(e->anchor), "%s", anchor);
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

void
valid_error_add(struct valid_errors *errs, const char *key, const char *msg)
{
	valid_error_add_at(errs, key, key, msg);
}

/* The message for a field that is missing or not of its type. */
static void
field_message(const struct valid_field *fd, char *out, size_t n)
{
	const char *label = fd->label != NULL ? fd->label : fd->name;

	if (fd->message != NULL) {
		snprintf(out, n, "%s", fd->message);
		return;
	}
	switch (fd->type) {
	case VALID_EMAIL:
		snprintf(out, n, "%s: enter an email address in the right "
		    "format, like name@example.com", label);
		break;
	case VALID_PHONE:
		snprintf(out, n, "%s: enter a phone number, like 01632 960 "
		    "001", label);
		break;
	case VALID_POSTCODE:
		snprintf(out, n, "%s: enter a real UK postcode, like SW1A "
		    "1AA", label);
		break;
	case VALID_DATE:
		snprintf(out, n, "%s: enter a date as year-month-day, for "
		    "example 2026-12-24", label);
		break;
	case VALID_TIME:
		snprintf(out, n, "%s: enter a time as hours and minutes, "
		    "like 09:30", label);
		break;
	case VALID_INT:
		snprintf(out, n, "%s must be a whole number from %lld to "
		    "%lld", label, fd->min, fd->max);
		break;
	case VALID_YES:
		snprintf(out, n, "%s: tick the box or leave it empty", label);
		break;
	case VALID_MULTI:
		snprintf(out, n, "%s: choose only from the options shown",
		    label);
		break;
	case VALID_URL:
		snprintf(out, n, "%s: enter a web address starting https://, "
		    "like https://meet.example.org/abc-123", label);
		break;
	case VALID_ID:
	case VALID_CHOICE:
		snprintf(out, n, "%s: choose one of the options shown", label);
		break;
	default:
		snprintf(out, n, "%s cannot be empty", label);
		break;
	}
}

/* Checks one present, trimmed, readable value against its type. */
static int
field_typed(const struct valid_field *fd, struct valid_value *v)
{
	const char *const *c;
	int64_t id;
	int i;

	switch (fd->type) {
	case VALID_LINE:
	case VALID_LINES:
		return 0;
	case VALID_EMAIL:
		return valid_email(v->text) ? 0 : -1;
	case VALID_URL:
		return valid_https_url(v->text) ? 0 : -1;
	case VALID_PHONE:
		return valid_phone(v->text, v->norm, sizeof(v->norm));
	case VALID_POSTCODE:
		return valid_postcode(v->text, v->norm, sizeof(v->norm));
	case VALID_DATE:
		return valid_date(v->text, NULL, NULL, NULL);
	case VALID_TIME:
		if (valid_time(v->text, 0, &i) == -1)
			return -1;
		v->num = i;
		snprintf(v->norm, sizeof(v->norm), "%02d:%02d", i / 60 % 100,
		    i % 60);
		return 0;
	case VALID_INT:
		if (valid_int(v->text, (int)fd->min, (int)fd->max, &i) == -1)
			return -1;
		v->num = i;
		return 0;
	case VALID_ID:
		if (valid_id(v->text, &id) == -1)
			return -1;
		v->num = id;
		return 0;
	case VALID_CHOICE:
		for (c = fd->choices, i = 0; c != NULL && *c != NULL; c++, i++)
			if (strcmp(*c, v->text) == 0) {
				v->num = i;
				return 0;
			}
		return -1;
	case VALID_YES:
		if (strcmp(v->text, "yes") != 0 && strcmp(v->text, "on") != 0)
			return -1;
		v->num = 1;
		return 0;
	case VALID_MULTI:
	default:
		return -1;
	}
}

/*
 * Checks every value of a repeatable field: one line, at most the field's
 * max bytes.  *count is how many came.  0, or -1 at the first bad one.
 */
static int
multi_check(const struct form *f, const struct valid_field *fd,
    long long *count)
{
	const struct form_field *ff;
	size_t i, max = fd->max > 0 ? (size_t)fd->max :
	    type_max[VALID_MULTI];

	for (i = 0; (ff = form_field_nth(f, fd->name, i)) != NULL; i++)
		if (ff->valuelen > max || !valid_line(ff->value, ff->valuelen))
			return -1;
	*count = (long long)i;
	if (fd->required && i == 0)
		return -1;
	return 0;
}

size_t
valid_form_check(const struct form *f, const struct valid_field *table,
    size_t n, struct valid_value *out, struct valid_errors *errs)
{
	const struct valid_field *fd;
	const struct form_field *ff;
	struct valid_value *v;
	const char *label, *anchor;
	char msg[VALID_MSG_LEN];
	size_t i, max, bad = 0;

	for (i = 0; i < n; i++) {
		fd = &table[i];
		v = &out[i];
		memset(v, 0, sizeof(*v));
		label = fd->label != NULL ? fd->label : fd->name;
		anchor = fd->id != NULL ? fd->id : fd->name;
		msg[0] = '\0';
		if (fd->type == VALID_MULTI) {
			v->text = xstrdup("");
			if (multi_check(f, fd, &v->num) == 0)
				continue;
			goto wrong;
		}
		ff = form_field_nth(f, fd->name, 0);
		if (ff != NULL && !valid_utf8_text(ff->value, ff->valuelen)) {
			v->text = xstrdup("");
			snprintf(msg, sizeof(msg), "%s contains characters we "
			    "cannot read: please type it again", label);
			goto bad;
		}
		v->text = valid_trim(xstrdup(ff != NULL ? ff->value : ""));
		if (v->text[0] == '\0') {
			if (fd->required)
				goto wrong;
			continue;
		}
		max = fd->max > 0 && (fd->type == VALID_LINE ||
		    fd->type == VALID_LINES) ? (size_t)fd->max :
		    type_max[fd->type];
		if (strlen(v->text) > max) {
			if (fd->type == VALID_LINE || fd->type == VALID_LINES)
				snprintf(msg, sizeof(msg), "%s must be %zu "
				    "characters or fewer", label, max);
			goto wrong;
		}
		if (fd->type == VALID_LINES ?
		    !valid_lines(v->text, strlen(v->text)) :
		    !valid_line(v->text, strlen(v->text))) {
			if (fd->type == VALID_LINES)
				snprintf(msg, sizeof(msg), "%s: use letters, "
				    "numbers, punctuation and line breaks "
				    "only", label);
			else if (fd->type == VALID_LINE)
				snprintf(msg, sizeof(msg), "%s: use letters, "
				    "numbers and punctuation only; no line "
				    "breaks", label);
			goto wrong;
		}
		if (field_typed(fd, v) == 0)
			continue;
wrong:
		if (msg[0] == '\0')
			field_message(fd, msg, sizeof(msg));
bad:
		v->bad = 1;
		bad++;
		valid_error_add_at(errs, fd->name, anchor, msg);
	}
	return bad;
}

void
valid_errors_sort(struct valid_errors *errs, const struct valid_field *table,
    size_t n)
{
	struct valid_error tmp;
	size_t rank[VALID_ERRORS_MAX], i, j, r;

	for (i = 0; i < errs->n; i++) {
		rank[i] = 0;
		for (j = 0; j < n; j++)
			if (strcmp(errs->e[i].key, table[j].name) == 0) {
				rank[i] = j + 1;
				break;
			}
	}
	/* Insertion sort: stable, and there are at most a few dozen. */
	for (i = 1; i < errs->n; i++)
		for (j = i; j > 0 && rank[j - 1] > rank[j]; j--) {
			tmp = errs->e[j];
			errs->e[j] = errs->e[j - 1];
			errs->e[j - 1] = tmp;
			r = rank[j];
			rank[j] = rank[j - 1];
			rank[j - 1] = r;
		}
}

void
valid_values_free(struct valid_value *out, size_t n)
{
	size_t i;

	if (out == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(out[i].text);
		out[i].text = NULL;
	}
}

void
valid_errors_tmpl(struct tmpl_data *d, const struct valid_errors *errs)
{
	struct tmpl_data *x;
	char key[80];
	size_t i;

	tmpl_data_bool(d, "has_errors", errs->n > 0);
	for (i = 0; i < errs->n; i++) {
		x = tmpl_data_push(d, "errors");
		tmpl_data_set(x, "field", errs->e[i].anchor);
		tmpl_data_set(x, "anchor", errs->e[i].anchor);
		tmpl_data_set(x, "message", errs->e[i].msg);
		snprintf(key, sizeof(key), "e_%s", errs->e[i].key);
		tmpl_data_set(d, key, errs->e[i].msg);
		snprintf(key, sizeof(key), "m_%s", errs->e[i].key);
		tmpl_data_set(d, key, errs->e[i].msg);
	}
}

void
valid_values_tmpl(struct tmpl_data *d, const struct valid_field *table,
    size_t n, const struct valid_value *vals)
{
	char key[80];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "v_%s", table[i].name);
		tmpl_data_set(d, key, vals[i].text != NULL ? vals[i].text :
		    "");
	}
}

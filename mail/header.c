/*
 * mail/header: header fields that no value can break out of.
 *
 * Every value is checked before a byte is written: a CR or LF (or any
 * other control but tab) is refused, never stripped, so that a name
 * cannot add a field or a recipient.  What is left is written as it is
 * when it is printable ASCII, else as RFC 2047 "B" encoded words, and
 * folded so that no line passes 78 columns.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "mail/mail.h"
#include "util/buf.h"

#define LINE_MAX_COLS	78	/* RFC 5322's "SHOULD" for a line */
#define VALUE_MAX	900	/* longest value taken, in bytes */
#define WORD_MAX_BYTES	45	/* bytes in one encoded word: 60 base64
				   characters, 72 columns with =?UTF-8?B??= */
#define WORD_OVERHEAD	12	/* strlen("=?UTF-8?B?") + strlen("?=") */
#define PHRASE_PLAIN_MAX 70	/* a longer ASCII name is encoded */

/*
 * Returns the length of the UTF-8 character at s (n bytes left), or 0
 * when it is malformed: overlong, a surrogate, above U+10FFFF, or cut.
 */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 ||
		    (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

int
mail_header_value_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i, k;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n > VALUE_MAX)
		return 0;
	for (i = 0; i < n; i += k) {
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 0;
		if ((k = utf8_char(p + i, n - i)) == 0)
			return 0;
	}
	return 1;
}

/* 1 if c is an RFC 5322 atext character. */
static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL);
}

int
mail_addr_ok(const char *addr)
{
	const char *at, *p;
	size_t n, label;

	if (addr == NULL)
		return 0;
	n = strlen(addr);
	if (n < 3 || n > MAIL_ADDR_MAX)
		return 0;
	if ((at = strchr(addr, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at == addr || at - addr > 64 || addr[0] == '.' || at[-1] == '.')
		return 0;
	for (p = addr; p < at; p++) {
		if (*p == '.') {
			if (p[1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)*p))
			return 0;
	}
	label = 0;
	for (p = at + 1; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}

/* Writes one header field, folding between words. */
struct hw {
	struct buf	*b;
	size_t		 col;
};

static void
hw_start(struct hw *w, struct buf *b, const char *name)
{
	w->b = b;
	buf_puts(b, name);
	buf_putc(b, ':');
	w->col = strlen(name) + 1;
}

/* Ends the current line; the next word starts a folded line. */
static void
hw_fold(struct hw *w)
{
	buf_puts(w->b, "\r\n");
	w->col = 0;
}

/*
 * Writes a space and the n bytes of word, first folding when they would
 * pass the line's end and the line holds more than the field's name.
 */
static void
hw_word(struct hw *w, const char *word, size_t n)
{
	if (w->col + 1 + n > LINE_MAX_COLS && w->col > 1)
		hw_fold(w);
	buf_putc(w->b, ' ');
	buf_append(w->b, word, n);
	w->col += 1 + n;
}

static void
hw_end(struct hw *w)
{
	buf_puts(w->b, "\r\n");
}

/*
 * Writes s (n bytes, checked UTF-8) as encoded words, each holding whole
 * characters and fitted to the room left on its line.
 */
static void
hw_encoded(struct hw *w, const char *s, size_t n)
{
	char word[WORD_OVERHEAD + 4 * (WORD_MAX_BYTES / 3) + 1];
	size_t i = 0, room, max, take, k;

	do {
		room = w->col + 1 + WORD_OVERHEAD < LINE_MAX_COLS ?
		    LINE_MAX_COLS - w->col - 1 - WORD_OVERHEAD : 0;
		max = room / 4 * 3;
		if (max > WORD_MAX_BYTES)
			max = WORD_MAX_BYTES;
		if (max < 4 && w->col > 1) {
			hw_fold(w);
			max = WORD_MAX_BYTES;
		}
		take = 0;
		while (i + take < n) {
			k = utf8_char((const unsigned char *)s + i + take,
			    n - i - take);
			if (k == 0)
				k = 1;	/* not reached: checked before */
			if (take + k > max)
				break;
			take += k;
		}
		memcpy(word, "=?UTF-8?B?", 10);
		sodium_bin2base64(word + 10, sizeof(word) - 10,
		    (const unsigned char *)s + i, take,
		    sodium_base64_VARIANT_ORIGINAL);
		k = strlen(word);
		memcpy(word + k, "?=", 3);
		hw_word(w, word, k + 2);
		i += take;
	} while (i < n);
}

/* 1 if the n bytes of s are all printable ASCII (space to tilde). */
static int
printable_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * Writes printable ASCII split at its spaces, each piece a word, so that
 * a fold replaces nothing.  Returns -1 (nothing written) if a piece is
 * too long for any line.
 */
static int
hw_ascii(struct hw *w, const char *s, size_t n)
{
	const char *p, *e = s + n, *sp;

	for (p = s; p <= e; p = sp + 1) {
		if ((sp = memchr(p, ' ', (size_t)(e - p))) == NULL)
			sp = e;
		if (sp - p > LINE_MAX_COLS - 2)
			return -1;
	}
	for (p = s; p <= e; p = sp + 1) {
		if ((sp = memchr(p, ' ', (size_t)(e - p))) == NULL)
			sp = e;
		hw_word(w, p, (size_t)(sp - p));
	}
	return 0;
}

int
mail_header_text(struct buf *out, const char *name, const char *value)
{
	struct hw w;
	size_t n;

	if (!mail_header_value_ok(value))
		return -1;
	n = strlen(value);
	hw_start(&w, out, name);
	if (!printable_ascii(value, n) || strstr(value, "=?") != NULL ||
	    hw_ascii(&w, value, n) == -1)
		hw_encoded(&w, value, n);
	hw_end(&w);
	return 0;
}

/*
 * 1 if the display name can be written as atoms: atext words separated
 * by single spaces.
 */
static int
phrase_atoms(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ' ') {
			if (s[i + 1] == ' ')
				return 0;
		} else if (!is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int
mail_header_addr(struct buf *out, const char *name, const char *display,
    const char *addr)
{
	struct hw w;
	struct buf q = BUF_INIT;
	size_t n, i;

	if (!mail_addr_ok(addr))
		return -1;
	if (display == NULL)
		display = "";
	if (!mail_header_value_ok(display))
		return -1;
	n = strlen(display);
	hw_start(&w, out, name);
	if (n == 0) {
		hw_word(&w, addr, strlen(addr));
		hw_end(&w);
		return 0;
	}
	if (printable_ascii(display, n) && strstr(display, "=?") == NULL) {
		if (phrase_atoms(display, n) && n <= PHRASE_PLAIN_MAX) {
			(void)hw_ascii(&w, display, n);
			goto addr;
		}
		buf_putc(&q, '"');
		for (i = 0; i < n; i++) {
			if (display[i] == '"' || display[i] == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, display[i]);
		}
		buf_putc(&q, '"');
		if (q.len <= PHRASE_PLAIN_MAX) {
			hw_word(&w, q.data, q.len);
			buf_free(&q);
			goto addr;
		}
		buf_free(&q);
	}
	hw_encoded(&w, display, n);
addr:
	buf_putc(&q, '<');
	buf_puts(&q, addr);
	buf_putc(&q, '>');
	hw_word(&w, q.data, q.len);
	buf_free(&q);
	hw_end(&w);
	return 0;
}

void
mail_date(time_t t, char out[MAIL_DATE_LEN])
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		(void)gmtime_r(&t, &tm);
	}
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		t = 0;
		(void)gmtime_r(&t, &tm);
	}
	(void)snprintf(out, MAIL_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d "
	    "+0000", days[tm.tm_wday % 7], tm.tm_mday % 100,
	    months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
}

/* Copies the n bytes at s, less blanks at both ends, into out. */
static int
copy_trimmed(const char *s, size_t n, char *out, size_t outlen)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n + 1 > outlen)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
mail_from_parse(const char *s, char *name, size_t namelen, char *addr,
    size_t addrlen)
{
	const char *lt, *gt;
	size_t n;

	if (namelen > 0)
		name[0] = '\0';
	if (addrlen > 0)
		addr[0] = '\0';
	if (s == NULL || !mail_header_value_ok(s))
		return -1;
	if ((lt = strchr(s, '<')) == NULL) {
		if (copy_trimmed(s, strlen(s), addr, addrlen) == -1)
			return -1;
	} else {
		if ((gt = strchr(lt, '>')) == NULL ||
		    strspn(gt + 1, " \t") != strlen(gt + 1))
			return -1;
		if (copy_trimmed(lt + 1, (size_t)(gt - lt - 1), addr,
		    addrlen) == -1)
			return -1;
		if (copy_trimmed(s, (size_t)(lt - s), name, namelen) == -1)
			return -1;
		n = strlen(name);
		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
	}
	if (!mail_addr_ok(addr)) {
		if (namelen > 0)
			name[0] = '\0';
		addr[0] = '\0';
		return -1;
	}
	return 0;
}

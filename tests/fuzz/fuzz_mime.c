/*
 * libFuzzer target for mail/ (header.c, mime.c): the input is split at
 * NUL bytes into a display name, a subject, a text body, an HTML body and
 * a sender name, and built into a message with fixed addresses.
 *
 * It checks that a name or subject that mail_header_value_ok refuses
 * makes the build fail with nothing written, and that any message built
 * is 7-bit, CRLF throughout, with header lines of at most 78 and body
 * lines of at most 76 columns; that the Subject and the To name decode
 * (RFC 2047, quoted string or atoms) back to exactly what was given, the
 * To field naming exactly one address; and that the text part decodes
 * (quoted-printable) back to the text with its line ends made CRLF.
 *
 * Build: make fuzz-build (clang -fsanitize=fuzzer,address,undefined)
 * Seeds: tests/fuzz/corpus/mime/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mail/mail.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define TO_ADDR	"zoe@example.com"

/* The field of name (unfolded, without "Name: "), or NULL. */
static char *
header_value(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg, *e;
	size_t n = strlen(name);
	struct buf b = BUF_INIT;

	while (p != NULL && p < end) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			for (;;) {
				e = strstr(p, "\r\n");
				buf_append(&b, p, (size_t)(e - p));
				p = e + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			return buf_detach(&b);
		}
		if ((p = strstr(p, "\r\n")) != NULL)
			p += 2;
	}
	return NULL;
}

/*
 * Decodes s (the field's body after the colon) as we write it: encoded
 * words separated by blanks, or plain text after one space.
 */
static char *
decode_words(const char *s)
{
	struct buf b = BUF_INIT;
	unsigned char bin[64];
	const char *p = s, *q;
	size_t len;

	if (strstr(s, "=?UTF-8?B?") == NULL) {
		if (*p == ' ')
			p++;
		buf_puts(&b, p);
		return buf_detach(&b);
	}
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (strncmp(p, "=?UTF-8?B?", 10) != 0)
			abort();
		p += 10;
		if ((q = strstr(p, "?=")) == NULL)
			abort();
		if (sodium_base642bin(bin, sizeof(bin), p, (size_t)(q - p),
		    NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			abort();
		buf_append(&b, bin, len);
		p = q + 2;
	}
	buf_puts(&b, "");
	return buf_detach(&b);
}

/* The display name of a To field body holding one "<addr>". */
static char *
decode_display(const char *s)
{
	struct buf b = BUF_INIT;
	const char *lt;
	char *phrase, *r;
	size_t n, i;

	if (strcmp(s, " " TO_ADDR) == 0)
		return xstrdup("");
	n = strlen(s);
	if (n < strlen(" <" TO_ADDR ">"))
		abort();
	lt = s + n - strlen(" <" TO_ADDR ">");
	if (strcmp(lt, " <" TO_ADDR ">") != 0)
		abort();
	/* Exactly one address: no other '<' but inside a quoted name. */
	if (memchr(s, '<', (size_t)(lt - s)) != NULL && s[1] != '"')
		abort();
	phrase = xstrndup(s, (size_t)(lt - s));
	if (phrase[0] == ' ' && phrase[1] == '"') {
		n = strlen(phrase);
		if (phrase[n - 1] != '"')
			abort();
		for (i = 2; i + 1 < n; i++) {
			if (phrase[i] == '\\')
				i++;
			else if (phrase[i] == '"')
				abort();	/* an unescaped quote */
			buf_putc(&b, phrase[i]);
		}
		buf_puts(&b, "");
		free(phrase);
		return buf_detach(&b);
	}
	r = decode_words(phrase);
	free(phrase);
	return r;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	abort();
}

/* Decodes the n bytes of quoted-printable at s. */
static void
qp_decode(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			buf_putc(out, s[i]);
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= n)
			abort();
		buf_putc(out, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
		i += 2;
	}
}

/* Checks the message's bytes line by line. */
static void
check_lines(const char *m, size_t n)
{
	size_t i, col = 0;
	int body = 0;

	if (n < 2 || memcmp(m + n - 2, "\r\n", 2) != 0)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c == 0 || c >= 0x80)
			abort();
		if (c == '\r') {
			if (i + 1 >= n || m[i + 1] != '\n')
				abort();
			continue;
		}
		if (c == '\n') {
			if (col == 0)
				body = 1;
			col = 0;
			continue;
		}
		if (++col > (body ? 76u : 78u))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_message m;
	struct buf b = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	char *field[5], *v, *d, err[128];
	const char *p, *end = (const char *)data + size, *s, *e;
	size_t i, n;
	int ok;

	if (sodium_init() < 0)
		abort();
	p = (const char *)data;
	for (i = 0; i < 5; i++) {
		s = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		n = s != NULL ? (size_t)(s - p) : p < end ? (size_t)(end - p) : 0;
		field[i] = xstrndup(p < end ? p : "", n);
		p = s != NULL ? s + 1 : end;
	}
	memset(&m, 0, sizeof(m));
	m.to_name = field[0];
	m.subject = field[1];
	m.text = field[2];
	m.html = field[3][0] != '\0' ? field[3] : NULL;
	m.from_name = field[4];
	m.from_addr = "noreply@tutti.example";
	m.to_addr = TO_ADDR;
	m.message_id = "<fuzz@tutti.example>";
	m.date = 1795557600;
	ok = mail_header_value_ok(field[0]) && mail_header_value_ok(field[1]) &&
	    mail_header_value_ok(field[4]);
	if (mail_message_build(&m, &b, err, sizeof(err)) == -1) {
		if (ok || b.len != 0)
			abort();
		goto out;
	}
	if (!ok)
		abort();
	check_lines(b.data, b.len);

	if ((v = header_value(b.data, "Subject")) == NULL)
		abort();
	d = decode_words(v);
	if (strcmp(d, field[1]) != 0)
		abort();
	free(v);
	free(d);
	if ((v = header_value(b.data, "To")) == NULL)
		abort();
	d = decode_display(v);
	if (strcmp(d, field[0]) != 0)
		abort();
	free(v);
	free(d);

	/* The text part, decoded, is the text with CRLF line ends. */
	for (s = field[2]; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			if (*s == '\r' && s[1] == '\n')
				s++;
			buf_puts(&want, "\r\n");
		} else
			buf_putc(&want, *s);
	}
	if (want.len >= 2 && memcmp(want.data + want.len - 2, "\r\n", 2) == 0)
		want.len -= 2;
	s = strstr(b.data, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	if (s == NULL)
		abort();
	s = strstr(s, "\r\n\r\n") + 4;
	if (m.html != NULL)
		e = strstr(s, "\r\n--=_a_");
	else
		e = b.data + b.len - 2;
	if (e == NULL || e < s)
		abort();
	qp_decode(&got, s, (size_t)(e - s));
	if (got.len != want.len || (want.len > 0 &&
	    memcmp(got.data, want.data, want.len) != 0))
		abort();
out:
	for (i = 0; i < 5; i++)
		free(field[i]);
	buf_free(&b);
	buf_free(&want);
	buf_free(&got);
	return 0;
}

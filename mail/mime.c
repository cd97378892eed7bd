/*
 * mail/mime: whole messages, built in one pass into a buffer.
 *
 * Bodies are quoted-printable, so every line is short, 7-bit and ends in
 * CRLF whatever the templates hold, and the calendar is base64.  Neither
 * encoding can produce "=_", which starts every boundary, so a boundary
 * never occurs inside a part.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "mail/mail.h"
#include "util/buf.h"

#define QP_COLS		76	/* longest quoted-printable line */
#define B64_COLS	76	/* base64 characters a line */
#define MSGID_MAX	250
#define URL_MAX		900

static const char hexdigits[] = "0123456789ABCDEF";

void
mail_qp_encode(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, col = 0, w;
	int literal, eol;
	unsigned c;

	if (n == 0)
		return;		/* buf_reserve alone leaves no NUL */
	buf_reserve(out, n + n / 8 + 16);
	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		/* Blanks stay only when more than a line end follows. */
		eol = i + 1 == n || p[i + 1] == '\r' || p[i + 1] == '\n';
		if (c == ' ' || c == '\t')
			literal = !eol;
		else
			literal = c >= 33 && c <= 126 && c != '=';
		w = literal ? 1 : 3;
		/* Room for the soft break's '=' unless the line ends here. */
		if (col + w > QP_COLS - (eol ? 0 : 1)) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		if (col == 0 && literal && (c == '.' || (c == 'F' &&
		    n - i >= 5 && memcmp(p + i, "From ", 5) == 0))) {
			literal = 0;
			w = 3;
		}
		if (literal)
			buf_putc(out, (int)c);
		else {
			buf_putc(out, '=');
			buf_putc(out, hexdigits[c >> 4]);
			buf_putc(out, hexdigits[c & 15]);
		}
		col += w;
	}
}

void
mail_base64_encode(struct buf *out, const void *s, size_t n)
{
	const unsigned char *p = s;
	char line[B64_COLS + 1];
	size_t take;

	while (n > 0) {
		take = n > B64_COLS / 4 * 3 ? B64_COLS / 4 * 3 : n;
		sodium_bin2base64(line, sizeof(line), p, take,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_puts(out, line);
		buf_puts(out, "\r\n");
		p += take;
		n -= take;
	}
}

/* Appends n bytes of s with every line end made CRLF. */
static void
put_crlf(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			buf_puts(out, "\r\n");
		} else
			buf_putc(out, s[i]);
	}
}

/*
 * 1 if s is "<left@right>" of printable ASCII without blanks, brackets
 * inside or a second '@', at most MSGID_MAX bytes.
 */
static int
msgid_ok(const char *s)
{
	size_t n, i, at = 0;

	if (s == NULL || (n = strlen(s)) < 5 || n > MSGID_MAX ||
	    s[0] != '<' || s[n - 1] != '>')
		return 0;
	for (i = 1; i + 1 < n; i++) {
		if (s[i] <= 0x20 || s[i] > 0x7e || s[i] == '<' ||
		    s[i] == '>' || s[i] == '"' || s[i] == '\\' ||
		    s[i] == '(' || s[i] == ')' || s[i] == ',' ||
		    s[i] == ';' || s[i] == ':' || s[i] == '[' || s[i] == ']')
			return 0;
		if (s[i] == '@') {
			if (at != 0)
				return 0;
			at = i;
		}
	}
	return at > 1 && at + 2 < n;
}

/* 1 if s is a URL of printable ASCII without blanks, quotes or <>. */
static int
url_ok(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > URL_MAX ||
	    strncmp(s, "http", 4) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] > 0x7e || s[i] == '<' ||
		    s[i] == '>' || s[i] == '"')
			return 0;
	return 1;
}

/* 1 if s is an iCalendar METHOD: 1..20 capital letters. */
static int
method_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 20)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

/* Appends a text part's headers and its quoted-printable body. */
static void
part_text(struct buf *out, const char *type, const char *s)
{
	size_t before;

	buf_printf(out, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	before = out->len;
	mail_qp_encode(out, s, strlen(s));
	/*
	 * The CRLF before the next boundary belongs to the boundary: a body
	 * ending in a line end lends it, any other gets one.
	 */
	if (out->len == before ||
	    memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		buf_puts(out, "\r\n");
}

static void
fail(char *err, size_t errlen, const char *what)
{
	if (errlen > 0)
		(void)snprintf(err, errlen, "%s", what);
}

int
mail_message_build(const struct mail_message *m, struct buf *out,
    char *err, size_t errlen)
{
	struct buf b = BUF_INIT, ics = BUF_INIT;
	unsigned char hash[12];
	char hex[sizeof(hash) * 2 + 1], date[MAIL_DATE_LEN];

	if (errlen > 0)
		err[0] = '\0';
	if (m->text == NULL)
		return fail(err, errlen, "no text body"), -1;
	if (!msgid_ok(m->message_id))
		return fail(err, errlen, "the Message-ID is malformed"), -1;
	if (m->unsubscribe_url != NULL && !url_ok(m->unsubscribe_url))
		return fail(err, errlen, "the unsubscribe URL is malformed"),
		    -1;
	if (m->calendar != NULL && !method_ok(m->calendar_method))
		return fail(err, errlen, "the calendar method is malformed"),
		    -1;

	mail_date(m->date, date);
	buf_printf(&b, "Date: %s\r\n", date);
	if (mail_header_addr(&b, "From", m->from_name, m->from_addr) == -1) {
		fail(err, errlen, "the From name or address is refused "
		    "(CR, LF, a control character or bad UTF-8)");
		goto fail;
	}
	if (mail_header_addr(&b, "To", m->to_name, m->to_addr) == -1) {
		fail(err, errlen, "the To name or address is refused "
		    "(CR, LF, a control character or bad UTF-8)");
		goto fail;
	}
	/* The office's address, so that a reply reaches a person;
	 * mail_header_addr refuses CR, LF and any bad address. */
	if (m->reply_to != NULL && *m->reply_to != '\0' &&
	    mail_header_addr(&b, "Reply-To", m->reply_name, m->reply_to) ==
	    -1) {
		fail(err, errlen, "the Reply-To name or address is refused "
		    "(CR, LF, a control character or bad address)");
		goto fail;
	}
	if (m->subject == NULL ||
	    mail_header_text(&b, "Subject", m->subject) == -1) {
		fail(err, errlen, "the Subject is refused "
		    "(CR, LF, a control character or bad UTF-8)");
		goto fail;
	}
	buf_printf(&b, "Message-ID: %s\r\n", m->message_id);
	buf_puts(&b, "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n");
	if (m->unsubscribe_url != NULL) {
		/* Folded before the URL should it be long. */
		buf_printf(&b, "List-Unsubscribe:%s<%s>\r\n",
		    strlen(m->unsubscribe_url) > 56 ? "\r\n " : " ",
		    m->unsubscribe_url);
		buf_puts(&b, "List-Unsubscribe-Post: "
		    "List-Unsubscribe=One-Click\r\n");
	}

	crypto_generichash(hash, sizeof(hash),
	    (const unsigned char *)m->message_id, strlen(m->message_id),
	    NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));

	if (m->html == NULL && m->calendar == NULL) {
		part_text(&b, "text/plain", m->text);
		goto done;
	}
	if (m->calendar != NULL) {
		buf_printf(&b, "Content-Type: multipart/mixed;\r\n"
		    " boundary=\"=_m_%s\"\r\n\r\n--=_m_%s\r\n", hex, hex);
	}
	buf_printf(&b, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"=_a_%s\"\r\n\r\n", hex);
	buf_printf(&b, "--=_a_%s\r\n", hex);
	part_text(&b, "text/plain", m->text);
	if (m->html != NULL) {
		buf_printf(&b, "--=_a_%s\r\n", hex);
		part_text(&b, "text/html", m->html);
	}
	if (m->calendar != NULL) {
		put_crlf(&ics, m->calendar, strlen(m->calendar));
		buf_printf(&b, "--=_a_%s\r\n", hex);
		buf_printf(&b, "Content-Type: text/calendar; charset=UTF-8; "
		    "method=%s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		    m->calendar_method);
		mail_base64_encode(&b, ics.data, ics.len);
	}
	buf_printf(&b, "--=_a_%s--\r\n", hex);
	if (m->calendar != NULL) {
		buf_printf(&b, "--=_m_%s\r\n", hex);
		buf_puts(&b, "Content-Type: application/ics; name=\"invite.ics\""
		    "\r\nContent-Disposition: attachment; "
		    "filename=\"invite.ics\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		mail_base64_encode(&b, ics.data, ics.len);
		buf_printf(&b, "--=_m_%s--\r\n", hex);
	}
done:
	buf_append(out, b.data, b.len);
	buf_free(&b);
	buf_free(&ics);
	return 0;
fail:
	buf_free(&b);
	buf_free(&ics);
	return -1;
}

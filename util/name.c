/*
 * name: the initials rule (see name.h).
 */
#include <stddef.h>

#include "util/buf.h"
#include "util/name.h"

/* 1 when c separates words: a space or a control character. */
static int
is_gap(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

/*
 * The length of the UTF-8 character at p (1 to 4), or 0 when p does not
 * start one (a stray continuation byte, an overlong or cut sequence).
 */
static size_t
char_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void
name_initials(struct buf *out, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n;

	if (p == NULL)
		return;
	while (*p != '\0') {
		while (*p != '\0' && is_gap(*p))
			p++;
		if (*p == '\0')
			break;
		if ((n = char_len(p)) > 0) {
			if (*p >= 'a' && *p <= 'z')
				buf_putc(out, *p - 'a' + 'A');
			else
				buf_append(out, p, n);
			buf_putc(out, '.');
		}
		while (*p != '\0' && !is_gap(*p))
			p++;
	}
}

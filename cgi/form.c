#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/form.h"
#include "util/buf.h"

void
form_init(struct form *f)
{
	assert(f != NULL);
	f->fields = NULL;
	f->count = f->cap = 0;
}

/*
 * Frees the pairs from index `from` on and sets the count back to it.
 */
static void
form_truncate(struct form *f, size_t from)
{
	size_t i;

	for (i = from; i < f->count; i++) {
		free(f->fields[i].key);
		free(f->fields[i].value);
	}
	f->count = from;
}

void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	form_truncate(f, 0);
	free(f->fields);
	form_init(f);
}

/* The value of hex digit c, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes n bytes of s ('+' and %XX) into a new NUL-terminated string,
 * whose length goes to *outlen.  Returns NULL on a bad escape.
 * Aborts on out of memory.
 */
static char *
form_decode(const char *s, size_t n, size_t *outlen)
{
	char *out;
	size_t i, o = 0;
	int hi, lo;

	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (n - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* Makes room for one more pair.  Aborts on out of memory. */
static void
form_grow(struct form *f)
{
	size_t cap;

	if (f->count < f->cap)
		return;
	cap = f->cap ? f->cap : 16;
	while (cap <= f->count) {
		if (cap > SIZE_MAX / 2 / sizeof(*f->fields))
			abort();
		cap *= 2;
	}
	f->fields = xrealloc(f->fields, cap * sizeof(*f->fields));
	f->cap = cap;
}

enum form_err
form_parse(struct form *f, const char *body, size_t len, size_t maxfields)
{
	const char *p, *end, *amp, *eq, *kend;
	char *key, *value;
	size_t start, klen, vlen;
	enum form_err rc = FORM_OK;

	assert(f != NULL);
	assert(body != NULL || len == 0);
	if (len == 0)
		return FORM_OK;
	if (len > FORM_BODY_MAX)
		return FORM_TOO_LONG;

	start = f->count;
	p = body;
	end = body + len;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (f->count - start >= maxfields) {
			rc = FORM_TOO_MANY;
			goto out;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		kend = eq != NULL ? eq : amp;

		if ((key = form_decode(p, (size_t)(kend - p), &klen)) == NULL) {
			rc = FORM_BAD_ESCAPE;
			goto out;
		}
		if (klen > FORM_KEY_MAX || memchr(key, '\0', klen) != NULL) {
			free(key);
			rc = klen > FORM_KEY_MAX ? FORM_TOO_LONG : FORM_BAD_KEY;
			goto out;
		}
		if (eq != NULL)
			value = form_decode(eq + 1, (size_t)(amp - eq - 1),
			    &vlen);
		else
			value = form_decode("", 0, &vlen);
		if (value == NULL) {
			free(key);
			rc = FORM_BAD_ESCAPE;
			goto out;
		}

		form_grow(f);
		f->fields[f->count].key = key;
		f->fields[f->count].value = value;
		f->fields[f->count].valuelen = vlen;
		f->count++;
		p = amp;	/* the '&' is skipped as an empty pair */
	}
out:
	if (rc != FORM_OK)
		form_truncate(f, start);
	return rc;
}

void
form_add(struct form *f, const char *key, const char *value, size_t len)
{
	char *v = xmalloc(len + 1);

	if (len > 0)
		memcpy(v, value, len);
	v[len] = '\0';
	form_grow(f);
	f->fields[f->count].key = xstrdup(key);
	f->fields[f->count].value = v;
	f->fields[f->count].valuelen = len;
	f->count++;
}

const char *
form_strerror(enum form_err e)
{
	switch (e) {
	case FORM_OK:
		return "ok";
	case FORM_BAD_ESCAPE:
		return "bad percent escape";
	case FORM_TOO_MANY:
		return "too many fields";
	case FORM_TOO_LONG:
		return "body or key too long";
	case FORM_BAD_KEY:
		return "NUL byte in a key";
	}
	return "unknown form error";
}

const struct form_field *
form_field_nth(const struct form *f, const char *key, size_t n)
{
	size_t i;

	assert(f != NULL && key != NULL);
	for (i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].key, key) == 0 && n-- == 0)
			return &f->fields[i];
	return NULL;
}

const char *
form_get_nth(const struct form *f, const char *key, size_t n)
{
	const struct form_field *ff = form_field_nth(f, key, n);

	return ff != NULL ? ff->value : NULL;
}

const char *
form_get(const struct form *f, const char *key)
{
	return form_get_nth(f, key, 0);
}

size_t
form_count(const struct form *f, const char *key)
{
	size_t i, n = 0;

	assert(f != NULL && key != NULL);
	for (i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].key, key) == 0)
			n++;
	return n;
}

static int
cookie_space(char c)
{
	return c == ' ' || c == '\t';
}

int
cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	const char *p, *seg, *end, *eq, *kend, *v, *vend;
	size_t namelen, n;

	assert(out != NULL || outlen == 0);
	if (outlen > 0)
		out[0] = '\0';
	if (header == NULL || name == NULL || *name == '\0')
		return -1;
	namelen = strlen(name);

	for (p = header; *p != '\0'; p = end) {
		while (*p == ';' || cookie_space(*p))
			p++;
		if (*p == '\0')
			break;
		seg = p;
		end = strchr(seg, ';');
		if (end == NULL)
			end = seg + strlen(seg);
		if ((eq = memchr(seg, '=', (size_t)(end - seg))) == NULL)
			continue;	/* nameless cookie */
		kend = eq;
		while (kend > seg && cookie_space(kend[-1]))
			kend--;
		if ((size_t)(kend - seg) != namelen ||
		    memcmp(seg, name, namelen) != 0)
			continue;

		v = eq + 1;
		vend = end;
		while (v < vend && cookie_space(*v))
			v++;
		while (vend > v && cookie_space(vend[-1]))
			vend--;
		if (vend - v >= 2 && v[0] == '"' && vend[-1] == '"') {
			v++;
			vend--;
		}
		n = (size_t)(vend - v);
		if (n >= outlen)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

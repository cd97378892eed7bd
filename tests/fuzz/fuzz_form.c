/*
 * libFuzzer target for form_parse and its getters.
 *
 * The input is the body as is (not NUL-terminated, so ASan sees any read
 * past len).  Checks, beyond "no crash, no leak":
 *   - on error the form holds exactly what it held before;
 *   - on success the pairs are the non-empty '&'-separated segments, at
 *     most maxfields of them; every value has valuelen <= input length,
 *     value[valuelen] == '\0', no NUL in keys, keys <= FORM_KEY_MAX;
 *   - the getters agree with the array;
 *   - re-encoding every pair (buf_url) and parsing again gives the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/form.h"
#include "util/buf.h"

#define MAXFIELDS	20	/* > 16, so the array grows */

/* Non-empty '&' segments in n bytes of s. */
static size_t
segments(const char *s, size_t n)
{
	size_t i, count = 0, seglen = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '&') {
			count += seglen > 0;
			seglen = 0;
		} else
			seglen++;
	}
	return count + (seglen > 0);
}

static void
check_getters(const struct form *f, size_t from)
{
	size_t i, j, k;

	for (i = from; i < f->count; i++) {
		/* k: how many earlier pairs share this key. */
		for (k = 0, j = 0; j < i; j++)
			if (strcmp(f->fields[j].key, f->fields[i].key) == 0)
				k++;
		if (form_get_nth(f, f->fields[i].key, k) != f->fields[i].value)
			abort();
		if (form_field_nth(f, f->fields[i].key, k) != &f->fields[i])
			abort();
		if (form_count(f, f->fields[i].key) <= k)
			abort();
		if (k == 0 && form_get(f, f->fields[i].key) !=
		    f->fields[i].value)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f, g;
	struct buf b = BUF_INIT;
	const char *body = (const char *)data;
	enum form_err rc;
	size_t i;

	form_init(&f);
	/* A pair already there, as after parsing the query string. */
	if (form_parse(&f, "pre=1", 5, 1) != FORM_OK || f.count != 1)
		abort();

	rc = form_parse(&f, body, size, MAXFIELDS);
	if (rc != FORM_OK) {
		if (f.count != 1 || strcmp(f.fields[0].key, "pre") != 0 ||
		    strcmp(f.fields[0].value, "1") != 0 ||
		    f.fields[0].valuelen != 1)
			abort();
		if (form_strerror(rc) == NULL)
			abort();
		if (rc == FORM_TOO_MANY && segments(body, size) <= MAXFIELDS)
			abort();
		form_free(&f);
		return 0;
	}

	if (f.count - 1 != segments(body, size) || f.count - 1 > MAXFIELDS)
		abort();
	for (i = 1; i < f.count; i++) {
		const struct form_field *ff = &f.fields[i];
		size_t klen = strlen(ff->key);

		if (ff->valuelen > size || klen > size || klen > FORM_KEY_MAX)
			abort();
		if (ff->value[ff->valuelen] != '\0' ||
		    strlen(ff->value) > ff->valuelen)
			abort();
	}
	check_getters(&f, 0);

	/* Round trip. */
	for (i = 1; i < f.count; i++) {
		if (i > 1)
			buf_putc(&b, '&');
		buf_url(&b, f.fields[i].key, strlen(f.fields[i].key));
		buf_putc(&b, '=');
		buf_url(&b, f.fields[i].value, f.fields[i].valuelen);
	}
	form_init(&g);
	if (b.len <= FORM_BODY_MAX) {
		if (form_parse(&g, b.data, b.len, MAXFIELDS) != FORM_OK ||
		    g.count != f.count - 1)
			abort();
		for (i = 0; i < g.count; i++) {
			if (strcmp(g.fields[i].key, f.fields[i + 1].key) != 0 ||
			    g.fields[i].valuelen != f.fields[i + 1].valuelen ||
			    memcmp(g.fields[i].value, f.fields[i + 1].value,
			    g.fields[i].valuelen) != 0)
				abort();
		}
	}
	form_free(&g);
	buf_free(&b);
	form_free(&f);
	return 0;
}

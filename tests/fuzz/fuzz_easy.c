/*
 * libFuzzer target for the Easy Read form's carried answers (cgi/easy.c),
 * the one new parser of outside input on /refer/easy.
 *
 * Any input, opened as a carried field, must be refused (a forgery of
 * 128 bits of HMAC is never found) without reading past its length.
 * The input read as form pairs, sealed and opened again, must give back
 * exactly the same pairs; the sealed text with one byte changed must be
 * refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/easy.h"
#include "cgi/form.h"
#include "util/buf.h"

static const unsigned char key[32] = "fuzzing key, 32 bytes long, ok!";

/* 1 when a and b hold the same pairs in the same order. */
static int
same(const struct form *a, const struct form *b)
{
	size_t i;

	if (a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (strcmp(a->fields[i].key, b->fields[i].key) != 0 ||
		    a->fields[i].valuelen != b->fields[i].valuelen ||
		    memcmp(a->fields[i].value, b->fields[i].value,
		    a->fields[i].valuelen) != 0)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f, g;
	struct buf sealed = BUF_INIT;
	char *s;

	/* Exactly size bytes, so reading past them is caught. */
	s = malloc(size > 0 ? size : 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	form_init(&f);
	if (easy_answers_open(key, s, size, &f) == 0 && size > 0)
		abort();	/* a forgery */
	form_free(&f);

	form_init(&f);
	form_init(&g);
	if (form_parse(&f, s, size, EASY_ANSWERS_PAIRS) == FORM_OK) {
		easy_answers_seal(key, &f, &sealed);
		if (sealed.len <= EASY_ANSWERS_MAX) {
			if (easy_answers_open(key, sealed.data, sealed.len,
			    &g) != 0 || !same(&f, &g))
				abort();	/* lost on the way */
			form_free(&g);
			form_init(&g);
			if (size > 0) {
				size_t at = data[0] % sealed.len;

				sealed.data[at] ^= 0x01;
				if (easy_answers_open(key, sealed.data,
				    sealed.len, &g) == 0)
					abort();	/* a changed byte passed */
			}
		}
	}
	buf_free(&sealed);
	form_free(&f);
	form_free(&g);
	free(s);
	return 0;
}

/*
 * libFuzzer target for templates/tmpl: the input is a template's source;
 * it is compiled and, if that succeeds, rendered with fixed data and a
 * fixed set of partials.  The data's lists have one element each and the
 * fuzzed template is named with a space (no tag can name it), so the
 * output stays linear in the input size.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_tmpl.c
 *        templates/tmpl.c util/buf.c
 * Seeds: tests/fuzz/corpus/tmpl/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "templates/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tmpl_data *fuzz_data;
static struct tmpl_set *fuzz_set;

/* Builds the fixed data and partials once; they live for the process. */
static void
fuzz_setup(void)
{
	struct tmpl_data *row, *leaf;
	static const char *partials[][2] = {
		{ "p", "[{{name}}{{>p}}]" },
		{ "row", "{{#rows}}<{{id}}:{{name}}{{#sub}}{{leaf}}{{/sub}}>"
		    "{{/rows}}" },
		{ "bad", "{{#a}}" }	/* fails to compile: absent */
	};
	char key[16];
	size_t i;

	fuzz_data = tmpl_data_new();
	tmpl_data_set(fuzz_data, "name", "<Ann & 'Bob'> \"x\"");
	tmpl_data_set(fuzz_data, "empty", "");
	tmpl_data_set(fuzz_data, "null", NULL);
	tmpl_data_bool(fuzz_data, "flag", 1);
	tmpl_data_bool(fuzz_data, "off", 0);
	tmpl_data_list(fuzz_data, "none");
	for (i = 0; i < 20; i++) {	/* enough keys to be indexed */
		(void)snprintf(key, sizeof(key), "k%zu", i);
		tmpl_data_setf(fuzz_data, key, "<v%zu>", i);
	}
	row = tmpl_data_push(fuzz_data, "rows");
	tmpl_data_set(row, "id", "1");
	tmpl_data_set(row, "name", "inner");
	leaf = tmpl_data_push(row, "sub");
	tmpl_data_setf(leaf, "leaf", "%d&%s", 42, "<leaf>");

	fuzz_set = tmpl_set_new();
	for (i = 0; i < sizeof(partials) / sizeof(partials[0]); i++)
		(void)tmpl_set_add(fuzz_set, partials[i][0], partials[i][1],
		    strlen(partials[i][1]), NULL, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	char err[128];
	const char *src = (const char *)data;

	if (fuzz_set == NULL)
		fuzz_setup();
	if (tmpl_set_add(fuzz_set, "fuzz input", src, size, err,
	    sizeof(err)) == -1) {
		if (strncmp(err, "fuzz input:", 11) != 0)
			abort();
		return 0;
	}
	if (tmpl_render(fuzz_set, "fuzz input", fuzz_data, &out) != 0)
		abort();
	/* Text without a tag renders as itself. */
	if (size < 2 || memchr(src, '{', size) == NULL) {
		if (out.len != size || (size > 0 &&
		    memcmp(out.data, src, size) != 0))
			abort();
	}
	buf_free(&out);
	return 0;
}

/*
 * libFuzzer target for cookie_get.
 *
 * Input: byte 0 is the out buffer size (0..63), byte 1 the name length
 * (0..15), then the name, then the header; name and header become
 * NUL-terminated heap copies and out is exactly outlen bytes, so ASan
 * catches any overrun.  Checks: on success the value fits, is NUL-free
 * and appears in the header right after an '=' or '"'; on failure out is
 * "".  Also looks the name up once more with a large buffer: a failure
 * there must mean absent, and success must give the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/form.h"

static char *
copy(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* 1 if v occurs in h just after '=', '"', a space or a tab. */
static int
found_after_equals(const char *h, const char *v)
{
	const char *at;

	for (at = h; (at = strstr(at, v)) != NULL; at++)
		if (at > h && strchr("=\" \t", at[-1]) != NULL)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, *header, *out, big[4096];
	size_t outlen, namelen, vlen;
	int rc, rc2;
	if (size < 2)
		return 0;
	outlen = data[0] % 64;
	namelen = data[1] % 16;
	data += 2;
	size -= 2;
	if (namelen > size)
		namelen = size;
	name = copy(data, namelen);
	header = copy(data + namelen, size - namelen);
	out = malloc(outlen ? outlen : 1);
	if (out == NULL)
		abort();

	rc = cookie_get(header, name, out, outlen);
	if (rc == 0) {
		vlen = strlen(out);
		if (vlen >= outlen)
			abort();
		if (vlen > 0 && !found_after_equals(header, out))
			abort();
		if (strchr(out, ';') != NULL)
			abort();
	} else if (rc != -1 || (outlen > 0 && out[0] != '\0'))
		abort();

	if (strlen(header) < sizeof(big)) {
		rc2 = cookie_get(header, name, big, sizeof(big));
		if (rc == 0 && (rc2 != 0 || strcmp(big, out) != 0))
			abort();
		if (rc2 == 0 && rc == -1 && strlen(big) < outlen)
			abort();
	}
	free(out);
	free(header);
	free(name);
	return 0;
}

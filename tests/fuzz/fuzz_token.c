/*
 * libFuzzer target for the signed tokens that arrive from outside: the
 * form token (cgi/token.c) and the unsubscribe link's token (mail/).
 *
 * The input becomes a NUL-terminated heap copy, checked against a fixed
 * key.  A random input must never pass (the chance of forging 128 bits
 * of HMAC is nil); a token made with the same key must always pass, and
 * a one-byte change to it must not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/token.h"
#include "mail/mail.h"

static const unsigned char key[32] = "fuzzing key, 32 bytes long, ok!";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char nonce[TOKEN_NONCE_LEN], ukey[MAIL_UNSUB_KEY_LEN];
	char tok[TOKEN_STR_LEN], *s;
	time_t now = 1800000000;
	int64_t id = 0;

	s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (token_check(key, s, now, nonce) == TOKEN_OK)
		abort();	/* a forgery */
	memset(ukey, 7, sizeof(ukey));
	if (mail_unsub_token_check(ukey, s, &id) == 0)
		abort();	/* a forgery */
	free(s);

	/* A real token passes; changed by one byte it does not. */
	token_make(key, now, tok);
	if (token_check(key, tok, now + 60, nonce) != TOKEN_OK)
		abort();
	if (size > 0) {
		size_t at = data[0] % strlen(tok);

		tok[at] = tok[at] == 'A' ? 'B' : 'A';
		if (token_check(key, tok, now, nonce) == TOKEN_OK)
			abort();
	}
	return 0;
}

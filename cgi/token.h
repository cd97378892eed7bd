/*
 * token: signed, time-stamped form tokens.
 *
 * A token carries the time it was issued and 16 random bytes (the nonce
 * that makes a double submit recognisable), signed with HMAC-SHA-256
 * under the worker's form key.  It is printable (base64url, no padding).
 */
#ifndef CGI_TOKEN_H
#define CGI_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOKEN_NONCE_LEN	16
#define TOKEN_STR_LEN	80	/* room for the text form and its NUL */
/* How long a form may stay open before it must be sent again. */
#define TOKEN_MAX_AGE	(24 * 60 * 60)

enum token_check {
	TOKEN_OK,
	TOKEN_MISSING,
	TOKEN_BAD,	/* malformed or wrong signature */
	TOKEN_EXPIRED	/* older than TOKEN_MAX_AGE or from the future */
};

/* Makes a fresh token issued at now into out (TOKEN_STR_LEN bytes). */
void	 token_make(const unsigned char key[32], time_t now,
	    char out[TOKEN_STR_LEN]);
/*
 * Checks s against key at time now; on TOKEN_OK copies the nonce into
 * nonce (may be NULL).  Never reads past the NUL of s.
 */
enum token_check token_check(const unsigned char key[32], const char *s,
	    time_t now, unsigned char nonce[TOKEN_NONCE_LEN]);

#endif

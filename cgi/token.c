#include <string.h>

#include <sodium.h>

#include "cgi/token.h"

#define RAW_LEN	(8 + TOKEN_NONCE_LEN + 16)	/* time, nonce, mac */

/* Writes the first 16 bytes of HMAC-SHA-256(key, msg) into mac. */
static void
sign(const unsigned char key[32], const unsigned char *msg, size_t len,
    unsigned char mac[16])
{
	unsigned char full[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, 16);
	sodium_memzero(full, sizeof(full));
}

void
token_make(const unsigned char key[32], time_t now, char out[TOKEN_STR_LEN])
{
	unsigned char raw[RAW_LEN];
	uint64_t t = (uint64_t)now;
	int i;

	for (i = 0; i < 8; i++)
		raw[i] = (unsigned char)(t >> (56 - 8 * i));
	randombytes_buf(raw + 8, TOKEN_NONCE_LEN);
	sign(key, raw, 8 + TOKEN_NONCE_LEN, raw + 8 + TOKEN_NONCE_LEN);
	sodium_bin2base64(out, TOKEN_STR_LEN, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum token_check
token_check(const unsigned char key[32], const char *s, time_t now,
    unsigned char nonce[TOKEN_NONCE_LEN])
{
	unsigned char raw[RAW_LEN], mac[16];
	size_t len, n = 0;
	uint64_t t = 0;
	int i;

	if (s == NULL || *s == '\0')
		return TOKEN_MISSING;
	len = strnlen(s, TOKEN_STR_LEN);
	if (len >= TOKEN_STR_LEN ||
	    sodium_base642bin(raw, sizeof(raw), s, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(raw))
		return TOKEN_BAD;
	sign(key, raw, 8 + TOKEN_NONCE_LEN, mac);
	if (sodium_memcmp(mac, raw + 8 + TOKEN_NONCE_LEN, 16) != 0)
		return TOKEN_BAD;
	for (i = 0; i < 8; i++)
		t = (t << 8) | raw[i];
	if ((int64_t)t > (int64_t)now + 300 ||
	    (int64_t)t + TOKEN_MAX_AGE < (int64_t)now)
		return TOKEN_EXPIRED;
	if (nonce != NULL)
		memcpy(nonce, raw + 8, TOKEN_NONCE_LEN);
	return TOKEN_OK;
}

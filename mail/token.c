/*
 * mail/token: the one form of the signed tokens in emailed links, which
 * unsub.c (unsubscribe) and link.c (personal links and offers) each use
 * with their own key, context and sizes (struct mail_token_form):
 *   [0]              the type
 *   [1..8]           the id, big-endian, 1 to INT64_MAX
 *   [9..body_len)    the caller's own bytes (link.c: a generation)
 *   [body_len..)     the first mac_len bytes of HMAC-SHA-256(key,
 *                    context with its NUL || bytes 0..body_len)
 * written as base64url with no padding.
 */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "mail/mail_int.h"

#define ID_END	9	/* the type and the id */

/* The number of characters of a token of form f, with the NUL. */
static size_t
token_chars(const struct mail_token_form *f)
{
	return sodium_base64_ENCODED_LEN(f->body_len + f->mac_len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The MAC of the token's first f->body_len bytes into mac. */
static void
token_mac(const struct mail_token_form *f, const unsigned char *key,
    const unsigned char *body, unsigned char *mac)
{
	crypto_auth_hmacsha256_state st;
	unsigned char full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, f->key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)f->context,
	    strlen(f->context) + 1);
	crypto_auth_hmacsha256_update(&st, body, f->body_len);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, f->mac_len);
	sodium_memzero(&st, sizeof(st));
}

void
mail_token_make(const struct mail_token_form *f, const unsigned char *key,
    int type, int64_t id, const unsigned char *extra, char *out,
    size_t outlen)
{
	unsigned char t[MAIL_TOKEN_BYTES_MAX];
	uint64_t v = (uint64_t)id;
	int i;

	assert(f->body_len >= ID_END);
	assert(f->body_len + f->mac_len <= sizeof(t));
	assert(outlen == token_chars(f));
	t[0] = (unsigned char)type;
	for (i = ID_END - 1; i >= 1; i--) {
		t[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	if (f->body_len > ID_END)
		memcpy(t + ID_END, extra, f->body_len - ID_END);
	token_mac(f, key, t, t + f->body_len);
	sodium_bin2base64(out, outlen, t, f->body_len + f->mac_len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
mail_token_check(const struct mail_token_form *f, const unsigned char *key,
    int type, const char *token, int64_t *id, unsigned char *extra)
{
	unsigned char t[MAIL_TOKEN_BYTES_MAX], mac[MAIL_TOKEN_BYTES_MAX];
	size_t n, len, want = token_chars(f);
	uint64_t v = 0;
	int i;

	assert(f->body_len >= ID_END);
	assert(f->body_len + f->mac_len <= sizeof(t));
	if (token == NULL)
		return -1;
	n = strnlen(token, want);
	if (n != want - 1)
		return -1;
	if (sodium_base642bin(t, sizeof(t), token, n, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != f->body_len + f->mac_len || t[0] != (unsigned char)type)
		return -1;
	token_mac(f, key, t, mac);
	if (sodium_memcmp(mac, t + f->body_len, f->mac_len) != 0)
		return -1;
	for (i = 1; i < ID_END; i++)
		v = v << 8 | t[i];
	if (v == 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*id = (int64_t)v;
	if (extra != NULL && f->body_len > ID_END)
		memcpy(extra, t + ID_END, f->body_len - ID_END);
	return 0;
}

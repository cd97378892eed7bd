/*
 * mail/unsub: the signed token in every client email's unsubscribe link.
 *
 * 24 bytes, written as 32 base64url characters:
 *   [0]      the subject's type: 1 = a client, named by their referral
 *   [1..8]   the referral id, big-endian
 *   [9..23]  the first 15 bytes of HMAC-SHA-256(key, "tutti-unsub\0" ||
 *            bytes 0..8)
 * The type byte lets later subjects (a client record of their own) get
 * tokens of their own while links already sent keep working; tokens never
 * expire, as an old email's link must still work.
 */
#include <string.h>

#include <sodium.h>

#include "db/db.h"
#include "mail/mail.h"

#define TYPE_REFERRAL	1
#define TYPE_CONTACT	2	/* a client's contact (014): their own link */
#define BODY_LEN	9
#define MAC_LEN		15
#define TOKEN_BYTES	(BODY_LEN + MAC_LEN)

static const char context[] = "tutti-unsub";	/* with its NUL */

int
mail_unsub_key(struct db *db, unsigned char key[MAIL_UNSUB_KEY_LEN])
{
	return db_secret(db, "unsubscribe_key", key, MAIL_UNSUB_KEY_LEN);
}

/* The MAC of the token's first BODY_LEN bytes. */
static void
unsub_mac(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    const unsigned char body[BODY_LEN], unsigned char mac[MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	unsigned char full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, MAIL_UNSUB_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)context,
	    sizeof(context));
	crypto_auth_hmacsha256_update(&st, body, BODY_LEN);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, MAC_LEN);
	sodium_memzero(&st, sizeof(st));
}

/* Makes the token of subject id of type. */
static void
token_make(const unsigned char key[MAIL_UNSUB_KEY_LEN], int type,
    int64_t id, char out[MAIL_UNSUB_TOKEN_LEN])
{
	unsigned char t[TOKEN_BYTES];
	uint64_t v = (uint64_t)id;
	int i;

	t[0] = (unsigned char)type;
	for (i = 8; i >= 1; i--) {
		t[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	unsub_mac(key, t, t + BODY_LEN);
	sodium_bin2base64(out, MAIL_UNSUB_TOKEN_LEN, t, sizeof(t),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
mail_unsub_token_make(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    int64_t referral_id, char out[MAIL_UNSUB_TOKEN_LEN])
{
	token_make(key, TYPE_REFERRAL, referral_id, out);
}

void
mail_unsub_contact_token_make(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    int64_t contact_id, char out[MAIL_UNSUB_TOKEN_LEN])
{
	token_make(key, TYPE_CONTACT, contact_id, out);
}

/* Checks a token of type; 0 with *id, or -1. */
static int
token_check(const unsigned char key[MAIL_UNSUB_KEY_LEN], int type,
    const char *token, int64_t *referral_id)
{
	unsigned char t[TOKEN_BYTES], mac[MAC_LEN];
	size_t n, len;
	uint64_t v = 0;
	int i;

	if (token == NULL)
		return -1;
	n = strnlen(token, MAIL_UNSUB_TOKEN_LEN);
	if (n != MAIL_UNSUB_TOKEN_LEN - 1)
		return -1;
	if (sodium_base642bin(t, sizeof(t), token, n, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(t) || t[0] != type)
		return -1;
	unsub_mac(key, t, mac);
	if (sodium_memcmp(mac, t + BODY_LEN, MAC_LEN) != 0)
		return -1;
	for (i = 1; i <= 8; i++)
		v = v << 8 | t[i];
	if (v == 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*referral_id = (int64_t)v;
	return 0;
}

int
mail_unsub_token_check(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    const char *token, int64_t *referral_id)
{
	return token_check(key, TYPE_REFERRAL, token, referral_id);
}

int
mail_unsub_contact_token_check(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    const char *token, int64_t *contact_id)
{
	return token_check(key, TYPE_CONTACT, token, contact_id);
}

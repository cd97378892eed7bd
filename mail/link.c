/*
 * mail/link: the signed tokens of personal links (/my) and place offers
 * (/offer), in every email to a client.
 *
 * 32 bytes, written as 43 base64url characters:
 *   [0]      the type: MAIL_LINK_MY (a client, by referral) or
 *            MAIL_LINK_OFFER (one offer)
 *   [1..8]   the id, big-endian
 *   [9..12]  the generation, big-endian (a revoked link's is older)
 *   [13..31] the first 19 bytes of HMAC-SHA-256(key, "tutti-link\0" ||
 *            bytes 0..12)
 * The token itself is never stored: client_links keeps its SHA-256 and
 * generation, so a link is revoked by storing the next generation.
 * mail/token.c makes and checks them.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "db/db.h"
#include "db/offers.h"
#include "db/self.h"
#include "mail/mail_int.h"

/* 32 bytes: 13 of body (the generation after the id), 19 of MAC. */
static const struct mail_token_form form = {
	"tutti-link", MAIL_LINK_KEY_LEN, 13, 19
};

int
mail_link_key(struct db *db, unsigned char key[MAIL_LINK_KEY_LEN])
{
	return db_secret(db, "link_key", key, MAIL_LINK_KEY_LEN);
}

void
mail_link_token_make(const unsigned char key[MAIL_LINK_KEY_LEN],
    enum mail_link type, int64_t id, uint32_t generation,
    char out[MAIL_LINK_TOKEN_LEN])
{
	unsigned char g[4];
	int i;

	for (i = 3; i >= 0; i--) {
		g[i] = (unsigned char)(generation & 0xff);
		generation >>= 8;
	}
	mail_token_make(&form, key, (int)type, id, g, out,
	    MAIL_LINK_TOKEN_LEN);
}

int
mail_link_token_check(const unsigned char key[MAIL_LINK_KEY_LEN],
    enum mail_link type, const char *token, int64_t *id,
    uint32_t *generation)
{
	unsigned char g[4];
	uint32_t v = 0;
	int i;

	if (mail_token_check(&form, key, (int)type, token, id, g) == -1)
		return -1;
	for (i = 0; i < 4; i++)
		v = v << 8 | g[i];
	if (generation != NULL)
		*generation = v;
	return 0;
}

/* The SHA-256 of token, as client_links stores it. */
static void
link_hash(const char *token, unsigned char hash[MAIL_LINK_HASH_LEN])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

int
mail_my_token(struct db *db, const unsigned char key[MAIL_LINK_KEY_LEN],
    int64_t referral_id, char out[MAIL_LINK_TOKEN_LEN])
{
	unsigned char hash[MAIL_LINK_HASH_LEN];
	uint32_t gen = 0;
	int rc;

	if ((rc = db_link_generation(db, referral_id, &gen)) == -1)
		return -1;
	if (rc == 1) {
		mail_link_token_make(key, MAIL_LINK_MY, referral_id, gen, out);
		return 0;
	}
	mail_link_token_make(key, MAIL_LINK_MY, referral_id, 1, out);
	link_hash(out, hash);
	if (db_link_put(db, referral_id, 1, hash, 0) == -1)
		return -1;
	/* Another process may have made it first: read what is stored. */
	if (db_link_generation(db, referral_id, &gen) != 1)
		return -1;
	mail_link_token_make(key, MAIL_LINK_MY, referral_id, gen, out);
	return 0;
}

int
mail_my_revoke(struct db *db, const unsigned char key[MAIL_LINK_KEY_LEN],
    int64_t referral_id, char out[MAIL_LINK_TOKEN_LEN])
{
	unsigned char hash[MAIL_LINK_HASH_LEN];
	uint32_t gen = 0;
	int rc;

	if ((rc = db_link_generation(db, referral_id, &gen)) == -1)
		return -1;
	gen = rc == 1 ? gen + 1 : 1;
	mail_link_token_make(key, MAIL_LINK_MY, referral_id, gen, out);
	link_hash(out, hash);
	return db_link_put(db, referral_id, gen, hash, 1);
}

int
mail_my_check(struct db *db, const unsigned char key[MAIL_LINK_KEY_LEN],
    const char *token, int64_t *referral_id)
{
	unsigned char hash[MAIL_LINK_HASH_LEN];
	uint32_t gen;
	int64_t id;

	if (mail_link_token_check(key, MAIL_LINK_MY, token, &id, &gen) == -1)
		return 0;
	link_hash(token, hash);
	switch (db_link_check(db, id, gen, hash)) {
	case 1:
		*referral_id = id;
		return 1;
	case 0:
		return 0;
	default:
		return -1;
	}
}

int
mail_offer_token(struct db *db, const unsigned char key[MAIL_LINK_KEY_LEN],
    int64_t offer_id, int64_t referral_id, char out[MAIL_LINK_TOKEN_LEN])
{
	char my[MAIL_LINK_TOKEN_LEN];
	uint32_t gen = 0;

	/* Their own link first: its generation is the offer link's. */
	if (mail_my_token(db, key, referral_id, my) == -1 ||
	    db_link_generation(db, referral_id, &gen) != 1)
		return -1;
	sodium_memzero(my, sizeof(my));
	mail_link_token_make(key, MAIL_LINK_OFFER, offer_id, gen, out);
	return 0;
}

int
mail_offer_check(struct db *db, const unsigned char key[MAIL_LINK_KEY_LEN],
    const char *token, int64_t *offer_id)
{
	struct db_offer o;
	uint32_t gen, have = 0;
	int64_t id;
	int rc;

	if (mail_link_token_check(key, MAIL_LINK_OFFER, token, &id, &gen) ==
	    -1)
		return 0;
	if ((rc = db_offer_get(db, id, &o)) != 1)
		return rc;
	if ((rc = db_link_generation(db, o.referral_id, &have)) != 1)
		return rc;
	if (have != gen)
		return 0;
	*offer_id = id;
	return 1;
}

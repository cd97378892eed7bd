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
 * expire, as an old email's link must still work.  mail/token.c makes
 * and checks them.
 */
#include "db/db.h"
#include "mail/mail_int.h"

#define TYPE_REFERRAL	1
#define TYPE_CONTACT	2	/* a client's contact (014): their own link */

/* 24 bytes: 9 of body, 15 of MAC (mail/token.c). */
static const struct mail_token_form form = {
	"tutti-unsub", MAIL_UNSUB_KEY_LEN, 9, 15
};

int
mail_unsub_key(struct db *db, unsigned char key[MAIL_UNSUB_KEY_LEN])
{
	return db_secret(db, "unsubscribe_key", key, MAIL_UNSUB_KEY_LEN);
}

void
mail_unsub_token_make(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    int64_t referral_id, char out[MAIL_UNSUB_TOKEN_LEN])
{
	mail_token_make(&form, key, TYPE_REFERRAL, referral_id, NULL, out,
	    MAIL_UNSUB_TOKEN_LEN);
}

void
mail_unsub_contact_token_make(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    int64_t contact_id, char out[MAIL_UNSUB_TOKEN_LEN])
{
	mail_token_make(&form, key, TYPE_CONTACT, contact_id, NULL, out,
	    MAIL_UNSUB_TOKEN_LEN);
}

int
mail_unsub_token_check(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    const char *token, int64_t *referral_id)
{
	return mail_token_check(&form, key, TYPE_REFERRAL, token, referral_id,
	    NULL);
}

int
mail_unsub_contact_token_check(const unsigned char key[MAIL_UNSUB_KEY_LEN],
    const char *token, int64_t *contact_id)
{
	return mail_token_check(&form, key, TYPE_CONTACT, token, contact_id,
	    NULL);
}

/*
 * easy: seals and opens the Easy Read form's carried answers (easy.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cgi/easy.h"
#include "cgi/form.h"
#include "util/buf.h"

#define PREFIX		"e1."
#define PREFIX_LEN	3
#define MAC_LEN		16
/* What the mac covers before the answers: this use of the key alone. */
static const char label[] = "tutti easy read answers v1";

/* Writes the mac of the len bytes at msg under key into mac. */
static void
answers_mac(const unsigned char key[32], const unsigned char *msg, size_t len,
    unsigned char mac[MAC_LEN])
{
	unsigned char full[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
	    sizeof(label));
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, MAC_LEN);
	sodium_memzero(full, sizeof(full));
}

/* Appends n bytes as base64url without padding. */
static void
b64_append(struct buf *out, const unsigned char *p, size_t n)
{
	size_t room = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = xmalloc(room);

	sodium_bin2base64(s, room, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	buf_puts(out, s);
	free(s);
}

void
easy_answers_seal(const unsigned char key[32], const struct form *f,
    struct buf *out)
{
	struct buf pairs = BUF_INIT;
	unsigned char mac[MAC_LEN];
	size_t i;

	for (i = 0; i < f->count; i++) {
		if (i > 0)
			buf_putc(&pairs, '&');
		buf_url(&pairs, f->fields[i].key, strlen(f->fields[i].key));
		buf_putc(&pairs, '=');
		buf_url(&pairs, f->fields[i].value, f->fields[i].valuelen);
	}
	answers_mac(key, (const unsigned char *)buf_cstr(&pairs), pairs.len,
	    mac);
	buf_puts(out, PREFIX);
	b64_append(out, (const unsigned char *)buf_cstr(&pairs), pairs.len);
	buf_putc(out, '.');
	b64_append(out, mac, sizeof(mac));
	buf_free(&pairs);
}

/*
 * Decodes the len base64url bytes at s into a new buffer *out (*outlen
 * bytes); 0, or -1 when they are not base64url.
 */
static int
b64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *p = xmalloc(len / 4 * 3 + 3);

	if (sodium_base642bin(p, len / 4 * 3 + 3, s, len, NULL, outlen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int
easy_answers_open(const unsigned char key[32], const char *s, size_t len,
    struct form *f)
{
	unsigned char *pairs = NULL, *mac = NULL, want[MAC_LEN];
	const char *dot;
	size_t npairs = 0, nmac = 0;
	int rc = -1;

	if (len == 0)
		return 0;
	if (len > EASY_ANSWERS_MAX || len < PREFIX_LEN ||
	    memcmp(s, PREFIX, PREFIX_LEN) != 0)
		goto out;
	s += PREFIX_LEN;
	len -= PREFIX_LEN;
	if ((dot = memchr(s, '.', len)) == NULL)
		goto out;
	if (b64_decode(s, (size_t)(dot - s), &pairs, &npairs) == -1 ||
	    b64_decode(dot + 1, len - (size_t)(dot + 1 - s), &mac,
	    &nmac) == -1 || nmac != MAC_LEN)
		goto out;
	answers_mac(key, pairs, npairs, want);
	if (sodium_memcmp(want, mac, MAC_LEN) != 0)
		goto out;
	if (form_parse(f, (const char *)pairs, npairs, EASY_ANSWERS_PAIRS) !=
	    FORM_OK)
		goto out;
	rc = 0;
out:
	free(pairs);
	free(mac);
	return rc;
}

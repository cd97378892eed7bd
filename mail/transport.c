/*
 * mail/transport: what every transport does before and around its own
 * sending (smtp.c, files.c).
 */
#include <stdio.h>

#include "mail/mail.h"
#include "mail/mail_int.h"

enum mail_send
mail_transport_send(struct mail_transport *t, const char *from,
    const char *to, const char *msg, size_t len, const char *message_id,
    char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	if (!mail_addr_ok(from)) {
		(void)snprintf(err, errlen, "the sender address is refused");
		return MAIL_SEND_PERM;
	}
	if (!mail_addr_ok(to)) {
		(void)snprintf(err, errlen, "the recipient address is refused");
		return MAIL_SEND_PERM;
	}
	return t->send(t, from, to, msg, len, message_id, err, errlen);
}

void
mail_transport_end(struct mail_transport *t)
{
	if (t != NULL && t->end != NULL)
		t->end(t);
}

void
mail_transport_free(struct mail_transport *t)
{
	if (t != NULL)
		t->free(t);
}

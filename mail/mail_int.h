/*
 * mail_int: what the files of mail/ share and nothing else sees.
 */
#ifndef MAIL_MAIL_INT_H
#define MAIL_MAIL_INT_H

#include <stddef.h>

#include "mail/mail.h"

/* A transport: smtp.c and files.c each embed this first in theirs. */
struct mail_transport {
	enum mail_send	(*send)(struct mail_transport *, const char *from,
			    const char *to, const char *msg, size_t len,
			    const char *message_id, char *err, size_t errlen);
	void		(*end)(struct mail_transport *);
	void		(*free)(struct mail_transport *);
};

#endif

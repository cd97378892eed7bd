/*
 * mail_int: what the files of mail/ share and nothing else sees (the
 * unit tests excepted).
 */
#ifndef MAIL_MAIL_INT_H
#define MAIL_MAIL_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ical/ical.h"
#include "mail/mail.h"
#include "util/buf.h"

struct db_outbox;
struct tmpl_data;

/* A transport: smtp.c and files.c each embed this first in theirs. */
struct mail_transport {
	enum mail_send	(*send)(struct mail_transport *, const char *from,
			    const char *to, const char *msg, size_t len,
			    const char *message_id, char *err, size_t errlen);
	void		(*end)(struct mail_transport *);
	void		(*free)(struct mail_transport *);
	/* Set by the caller: non-zero asks to stop within a second. */
	const volatile sig_atomic_t *stop;
};

/* The mailer's state (outbox.c); the kinds' fill functions read it. */
struct mail_outbox {
	struct db		*db;
	const struct tmpl_set	*tmpl;
	struct mail_transport	*transport;
	char			*base_url;
	char			*tz;		/* the service's zone */
	char			 from_name[256];
	char			 from_addr[MAIL_ADDR_MAX + 1];
	unsigned char		 unsub_key[MAIL_UNSUB_KEY_LEN];
	unsigned char		 link_key[MAIL_LINK_KEY_LEN];
	int			 lease;
	time_t			 down_until;	/* no sending before */
	int			 pause;		/* the last pause, seconds */
	int			 refused_run;	/* like refusals in a row */
	char			 refused[512];	/* their reply */
	struct buf		 msg;		/* reused between messages */
	int			 preview;	/* mail_outbox_text: no links
						   made, only the text */
};

/* What a kind adds to the message besides its templates. */
struct mail_extra {
	struct buf	 calendar;	/* iCalendar text; empty: none */
	const char	*method;	/* its METHOD */
};

/*
 * A kind's fill function: adds what its templates need to d (and a
 * calendar to x).  Returns MAIL_SEND_OK, or another outcome with a
 * message in err: PERM (never sendable), TEMP (try later) or STALE (no
 * longer true: drop it).
 */
typedef enum mail_send (*mail_fill_fn)(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *err, size_t errlen);

/* session.c: the kinds about sessions, agendas and the survey. */
enum mail_send mail_fill_booking(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_cancelled(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_moved(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_reinstated(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_reminder(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_agenda(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
/* changes.c: a therapist told of changes to their sessions. */
enum mail_send mail_fill_changes(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_survey(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);

/* survey.c: the family and partner staff survey invitations. */
enum mail_send mail_fill_survey_invite(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);

/* self.c: staff notices of what clients did, and the waitlist check. */
enum mail_send mail_fill_self_staff(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
enum mail_send mail_fill_check(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
/* The client's one email when they stop their sessions. */
enum mail_send mail_fill_stopped(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);
/* offer.c: a place offer to a waiting person. */
enum mail_send mail_fill_offer(struct mail_outbox *,
	    const struct db_outbox *, struct tmpl_data *, struct mail_extra *,
	    char *, size_t);

/*
 * A session email's dedupe key, read (formats in db/remind.h).  kind is
 * the part before the first ':'; id the series (the therapist for an
 * agenda); date the occurrence's original date ("0" for a booking);
 * when the unix time after '@' (moved, reinstated; else 0); offset a
 * reminder's seconds (else 0); client_id the last part (0 for an
 * agenda).  A retired key's "~ID" is ignored.
 */
struct mail_key {
	char	 kind[32];
	int64_t	 id;
	char	 date[11];
	int64_t	 when;
	long	 offset;
	int64_t	 client_id;
};

/*
 * Parses key into *k.  Returns 0, or -1 when it is not a session key of
 * one of the forms above (nothing else is checked).
 */
int	 mail_key_parse(const char *key, struct mail_key *k);

/*
 * token.c: the one form of signed link tokens (see token.c).  A form
 * names the key's length, the context signed before the body (with its
 * NUL), the body's length (the type, the 8-byte id, then the caller's
 * own bytes) and how much of the MAC is kept.
 */
#define MAIL_TOKEN_BYTES_MAX	32	/* body and MAC */
struct mail_token_form {
	const char	*context;
	size_t		 key_len;
	size_t		 body_len;	/* 9 and the caller's bytes */
	size_t		 mac_len;
};

/*
 * Writes the token of type and id (1 to INT64_MAX), with extra (the
 * body's bytes after the id; NULL when it has none), signed with key,
 * into out, of outlen: exactly the token's characters and the NUL.
 * Cannot fail.
 */
void	 mail_token_make(const struct mail_token_form *,
	    const unsigned char *key, int type, int64_t id,
	    const unsigned char *extra, char *out, size_t outlen);

/*
 * Checks that token is one of type signed with key.  Returns 0 with *id
 * set and the extra bytes copied into extra (when not NULL), or -1 (a
 * NULL, misshapen, altered or other-type token) with nothing set.
 */
int	 mail_token_check(const struct mail_token_form *,
	    const unsigned char *key, int type, const char *token,
	    int64_t *id, unsigned char *extra);

/*
 * Writes t as people read it in zone tz: "Wednesday 4 March 2026" into
 * day and "10:00" into hhmm.  Returns 0, or -1 on an unknown zone.
 */
int	 mail_when(const char *tz, time_t t, char *day, size_t daylen,
	    char hhmm[6]);

/*
 * Attaches to x the invitation of kind (ical_invite_build) for
 * series_id (and, for one session, its original date) addressed to the
 * row's recipient.  MAIL_SEND_OK; STALE when the series or session no
 * longer is so; PERM for a refused address; TEMP (err) otherwise.
 */
enum mail_send mail_invite_attach(struct mail_outbox *,
	    const struct db_outbox *, enum ical_invite_kind,
	    int64_t series_id, const char *date, struct mail_extra *,
	    char *err, size_t errlen);

#endif

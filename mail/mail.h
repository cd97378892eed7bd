/*
 * mail: email for Tutti, from an outbox row to a delivered message.
 *
 *   header.c   header fields: addresses, RFC 2047 words, folding, dates;
 *              refuses CR, LF and other controls in any header value
 *   mime.c     whole messages: multipart/alternative text and HTML, an
 *              optional text/calendar part, quoted-printable and base64;
 *              every line ends in CRLF
 *   smtp.c     delivery over SMTP with libcurl, one connection a batch
 *   files.c    delivery into .eml files (when no SMTP server is set)
 *   transport.c  what every transport does: address checks, dispatch
 *   unsub.c    signed unsubscribe tokens
 *   token.c    the one form of signed link tokens (unsub.c, link.c)
 *   outbox.c   the mailer's work: claim a row, render its templates,
 *              build, send, then mark it sent, deferred, failed or
 *              dropped; the table of kinds of email
 *   session.c  what the emails about sessions say (bookings, moves,
 *              cancellations, reminders, agendas, the outcome survey)
 *   remind.c   turning due reminders and agendas into outbox rows
 *
 * Only this module writes email headers.  Functions return 0 on success
 * and -1 on failure unless they say otherwise; none aborts except on out
 * of memory.
 */
#ifndef MAIL_MAIL_H
#define MAIL_MAIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct db;
struct db_outbox;
struct tmpl_set;

/* ---- header fields (header.c) ---- */

#define MAIL_ADDR_MAX	254	/* longest address taken */
#define MAIL_DATE_LEN	32	/* room for an RFC 5322 date and its NUL */

/*
 * 1 if addr can go in an SMTP envelope and a header as it is: ASCII
 * local@domain, at most MAIL_ADDR_MAX bytes, a local part of 1..64 atext
 * characters and dots, a domain of dot-separated labels of letters,
 * digits and hyphens.  No spaces, quotes, brackets, CR or LF.  Else 0.
 */
int	 mail_addr_ok(const char *addr);

/*
 * 1 if s may be a header value (before encoding): well-formed UTF-8
 * without NUL, CR, LF or any other control character except tab, and at
 * most 900 bytes.  Else 0.
 */
int	 mail_header_value_ok(const char *s);

/*
 * Appends the unstructured header field "name: value" and its CRLF to
 * out, folded so that no line passes 78 columns.  Printable ASCII is
 * written as it is; a value with anything else, or with "=?", is written
 * as RFC 2047 base64 encoded words in UTF-8.  Returns 0, or -1 with
 * nothing appended when the value is refused (mail_header_value_ok).
 */
int	 mail_header_text(struct buf *out, const char *name,
	    const char *value);

/*
 * Appends the address header field "name: display <addr>" and its CRLF.
 * The display name (NULL or "" for none) is written as atoms when it is
 * plain, as a quoted string when it holds other printable ASCII, and as
 * encoded words otherwise, so that no name can add an address or a
 * field.  Returns 0, or -1 with nothing appended when the name or the
 * address is refused.
 */
int	 mail_header_addr(struct buf *out, const char *name,
	    const char *display, const char *addr);

/* Writes t as an RFC 5322 date in UTC: "Tue, 24 Nov 2026 22:00:00 +0000". */
void	 mail_date(time_t t, char out[MAIL_DATE_LEN]);

/*
 * Splits a From setting, "Display Name <addr>" or "addr", into its name
 * (namelen bytes, "" when none) and address (addrlen bytes).  Returns 0,
 * or -1 when the address or name is refused or does not fit.
 */
int	 mail_from_parse(const char *s, char *name, size_t namelen,
	    char *addr, size_t addrlen);

/* ---- messages (mime.c) ---- */

/* What one message says.  Only text is required besides the headers. */
struct mail_message {
	const char	*from_name;	/* NULL or "": none */
	const char	*from_addr;
	const char	*to_name;	/* NULL or "": none */
	const char	*to_addr;
	const char	*subject;
	const char	*message_id;	/* "<left@right>", kept on retries */
	time_t		 date;
	const char	*text;		/* UTF-8, any line ends */
	const char	*html;		/* UTF-8; NULL: a text-only message */
	const char	*calendar;	/* iCalendar text from ical/, or NULL */
	const char	*calendar_method; /* "REQUEST", "CANCEL", ... */
	const char	*unsubscribe_url; /* List-Unsubscribe; NULL: none */
	const char	*reply_to;	/* Reply-To address; NULL or "": none */
	const char	*reply_name;	/* its display name; NULL: none */
};

/*
 * Builds the whole message into out (appended): Date, From, To,
 * Reply-To (when given), Subject, Message-ID, MIME-Version, Auto-Submitted, List-Unsubscribe
 * (with one-click List-Unsubscribe-Post) when given, then the body:
 * text/plain alone, or multipart/alternative of text/plain and text/html,
 * and when calendar is set a multipart/mixed holding that alternative
 * (with the text/calendar part as its last alternative) and an
 * "invite.ics" attachment.  Bodies are quoted-printable UTF-8, the
 * calendar base64.  Lines end in CRLF; the boundaries derive from the
 * Message-ID, so the same message builds to the same bytes.  Returns 0,
 * or -1 with a message in err (nothing appended) when a header value,
 * address, Message-ID, URL or method is refused.
 */
int	 mail_message_build(const struct mail_message *, struct buf *out,
	    char *err, size_t errlen);

/*
 * Appends n bytes of s as quoted-printable (RFC 2045) with CRLF line
 * ends: CRLF, LF and a lone CR in s each end a line; lines are at most
 * 76 columns with soft breaks; '.' and "From " at a line's start and
 * blanks at its end are encoded.  Cannot fail.
 */
void	 mail_qp_encode(struct buf *out, const char *s, size_t n);

/* Appends n bytes as base64 in lines of 76 columns, each ending CRLF. */
void	 mail_base64_encode(struct buf *out, const void *s, size_t n);

/* ---- delivery (smtp.c, files.c) ---- */

/* What became of one message. */
enum mail_send {
	MAIL_SEND_OK,	/* accepted for delivery */
	MAIL_SEND_TEMP,	/* refused for now (4xx): try again later */
	MAIL_SEND_DOWN,	/* no server, no connection or no login: try this
			   message later and stop the batch */
	MAIL_SEND_PERM,	/* refused for good (5xx, bad address): never again */
	MAIL_SEND_STALE	/* no longer true (the change was undone, the
			   session cancelled or begun, the client
			   unsubscribed): dropped, never sent */
};

struct mail_transport;

/*
 * Checks an SMTP URL: smtp:// or smtps:// with a host.  *tls is set to 1
 * when TLS is required (smtps://, and smtp:// to any host but a loopback
 * one, where STARTTLS is then required: CURLUSESSL_ALL), 0 for smtp:// to
 * localhost, 127.0.0.0/8 or [::1].  Returns 0, or -1 with a message in
 * err.
 */
int	 mail_smtp_url_check(const char *url, int *tls, char *err,
	    size_t errlen);

/* Where an SMTP conversation was when it ended (smtp.c). */
enum mail_smtp_stage {
	MAIL_SMTP_GREETING,	/* connecting, TLS, the server's greeting */
	MAIL_SMTP_HELLO,	/* EHLO, HELO, STARTTLS */
	MAIL_SMTP_AUTH,		/* logging in */
	MAIL_SMTP_MAIL,		/* MAIL FROM */
	MAIL_SMTP_RCPT,		/* RCPT TO */
	MAIL_SMTP_DATA,		/* DATA, before the message */
	MAIL_SMTP_BODY,		/* the message sent, its reply awaited */
	MAIL_SMTP__MAX
};

/*
 * Classifies a transfer's outcome from its CURLcode, the last SMTP reply
 * code and the stage it ended at.  OK for CURLE_OK.  A refusal before
 * RCPT (4xx or 5xx to the greeting, EHLO, log-in or MAIL FROM) says the
 * server or our account is wrong, not the message: DOWN, like failures
 * to resolve, connect, start TLS or talk at all, and like 421 anywhere.
 * To RCPT, DATA or the message: TEMP for 4xx, PERM for 5xx.  A timeout
 * or a broken connection after the message was sent is TEMP (it may
 * have arrived: the try counts); before it, DOWN.
 */
enum mail_send mail_smtp_result(int curl_code, long smtp_code,
	    enum mail_smtp_stage stage);

/* The stage's name in SMTP ("MAIL FROM", ...), for messages. */
const char	*mail_smtp_stage_name(enum mail_smtp_stage);

/*
 * A transport that sends over SMTP at url (see mail_smtp_url_check),
 * logging in with user and pass when user is set.  Connects on the first
 * send and keeps the connection for the next sends until
 * mail_transport_end (or every 100 messages).  Returns NULL with a
 * message in err when the URL is refused or libcurl cannot start.
 */
struct mail_transport *mail_smtp_new(const char *url, const char *user,
	    const char *pass, char *err, size_t errlen);

/*
 * A transport that writes each message into dir as NAME.eml, where NAME
 * is the Message-ID without its brackets (other characters than
 * [A-Za-z0-9.@_-] become '_'), by writing a dot file, syncing it and
 * renaming it, so that a file is whole or absent and a resend replaces
 * it.  Creates dir when absent.  Returns NULL with a message in err when
 * dir cannot be made.
 */
struct mail_transport *mail_files_new(const char *dir, char *err,
	    size_t errlen);

/*
 * Sends the len bytes of msg from envelope sender from to recipient to.
 * message_id names the message (files.c).  On anything but MAIL_SEND_OK
 * a message for the log is in err.  Addresses failing mail_addr_ok give
 * MAIL_SEND_PERM without any sending.
 */
enum mail_send mail_transport_send(struct mail_transport *,
	    const char *from, const char *to, const char *msg, size_t len,
	    const char *message_id, char *err, size_t errlen);

/* Ends a batch: closes the connection (QUIT), if any.  Cannot fail. */
void	 mail_transport_end(struct mail_transport *);

/* Ends any batch and frees the transport; NULL is fine. */
void	 mail_transport_free(struct mail_transport *);

/* ---- retries (outbox.c) ---- */

#define MAIL_RETRY_FIRST	(5 * 60)	/* after the first failure */
#define MAIL_RETRY_MAX		(60 * 60)	/* the longest wait */
#define MAIL_RETRY_FOR		(4 * 24 * 60 * 60) /* then give up */

/*
 * The wait in seconds before trying again after the attempts-th attempt
 * (1 for the first) failed for a temporary reason: 5 minutes, doubling
 * up to an hour.  Returns -1 when the waits so far and this one would
 * pass MAIL_RETRY_FOR (four days): give up.  So a message is tried 99
 * times over four days unless it goes through.
 */
long	 mail_backoff(int attempts);

/* ---- unsubscribe links (unsub.c) ---- */

#define MAIL_UNSUB_KEY_LEN	32
#define MAIL_UNSUB_TOKEN_LEN	33	/* 32 characters and the NUL */

/* Reads (making it the first time) the key that signs the links. */
int	 mail_unsub_key(struct db *, unsigned char key[MAIL_UNSUB_KEY_LEN]);

/*
 * Makes the unsubscribe token of the client whose referral is
 * referral_id: 32 base64url characters carrying a type byte, the id and
 * 15 bytes of HMAC-SHA-256 under key.  It never expires.  Cannot fail.
 */
void	 mail_unsub_token_make(const unsigned char key[MAIL_UNSUB_KEY_LEN],
	    int64_t referral_id, char out[MAIL_UNSUB_TOKEN_LEN]);

/*
 * Checks token against key; on success sets *referral_id and returns 0.
 * Returns -1 for anything malformed or wrongly signed.  Compares in
 * constant time; never reads past the NUL of token.
 */
int	 mail_unsub_token_check(const unsigned char key[MAIL_UNSUB_KEY_LEN],
	    const char *token, int64_t *referral_id);

/*
 * A client's contact's own unsubscribe token (014): the same form with
 * another type byte, so one never passes for the other.  Check: 0 with
 * *contact_id, or -1.
 */
void	 mail_unsub_contact_token_make(
	    const unsigned char key[MAIL_UNSUB_KEY_LEN], int64_t contact_id,
	    char out[MAIL_UNSUB_TOKEN_LEN]);
int	 mail_unsub_contact_token_check(
	    const unsigned char key[MAIL_UNSUB_KEY_LEN], const char *token,
	    int64_t *contact_id);

/* ---- personal links and offers (link.c) ---- */

#define MAIL_LINK_KEY_LEN	32
#define MAIL_LINK_TOKEN_LEN	44	/* 43 characters and the NUL */
#define MAIL_LINK_HASH_LEN	32	/* SHA-256, as client_links keeps */

/* What a link's token names. */
enum mail_link {
	MAIL_LINK_MY = 2,	/* a client's own page, by referral id */
	MAIL_LINK_OFFER = 3	/* one place offer, by offer id */
};

/* Reads (making it the first time) the key that signs the links. */
int	 mail_link_key(struct db *, unsigned char key[MAIL_LINK_KEY_LEN]);

/*
 * Makes the token of type for id at generation: 43 base64url
 * characters, signed with HMAC-SHA-256 under key.  Cannot fail.
 */
void	 mail_link_token_make(const unsigned char key[MAIL_LINK_KEY_LEN],
	    enum mail_link type, int64_t id, uint32_t generation,
	    char out[MAIL_LINK_TOKEN_LEN]);

/*
 * Checks token's form and signature for type; sets *id and *generation
 * (may be NULL).  0, or -1 for anything forged or damaged.  Compares in
 * constant time; never reads past the NUL of token.
 */
int	 mail_link_token_check(const unsigned char key[MAIL_LINK_KEY_LEN],
	    enum mail_link type, const char *token, int64_t *id,
	    uint32_t *generation);

/*
 * The current personal-link token of referral_id into out, storing the
 * link's hash the first time.  0, or -1 on a database error (logged).
 */
int	 mail_my_token(struct db *, const unsigned char key[MAIL_LINK_KEY_LEN],
	    int64_t referral_id, char out[MAIL_LINK_TOKEN_LEN]);

/*
 * Revokes referral_id's personal link: every link sent before stops
 * working; the new one is put in out.  0, or -1 (logged).
 */
int	 mail_my_revoke(struct db *, const unsigned char key[MAIL_LINK_KEY_LEN],
	    int64_t referral_id, char out[MAIL_LINK_TOKEN_LEN]);

/*
 * 1 with *referral_id set when token is a live personal link; 0 when it
 * is forged, damaged or revoked; -1 on a database error.
 */
int	 mail_my_check(struct db *, const unsigned char key[MAIL_LINK_KEY_LEN],
	    const char *token, int64_t *referral_id);

/*
 * The token of place offer offer_id, made to referral_id, into out: it
 * carries the generation of the person's own link, so revoking that
 * link stops their offer links too.  0, or -1 (logged).
 */
int	 mail_offer_token(struct db *,
	    const unsigned char key[MAIL_LINK_KEY_LEN], int64_t offer_id,
	    int64_t referral_id, char out[MAIL_LINK_TOKEN_LEN]);
/*
 * 1 with *offer_id set when token is a live offer link (signed, of an
 * offer that exists, at its person's current link generation); 0 when
 * forged, damaged or revoked; -1 on a database error.
 */
int	 mail_offer_check(struct db *,
	    const unsigned char key[MAIL_LINK_KEY_LEN], const char *token,
	    int64_t *offer_id);

/* ---- the mailer (outbox.c, remind.c) ---- */

/* Settings, from the environment (see mailer_main.c). */
struct mail_config {
	const char	*smtp_url;	/* NULL or "": write files instead */
	const char	*smtp_user;	/* NULL or "": no login */
	const char	*smtp_pass;
	const char	*mail_dir;	/* for files: "var/mail" */
	const char	*from;		/* "Name <addr>" or "addr" */
	const char	*base_url;	/* links: "https://host", no slash */
	const char	*tz;		/* the service's zone (agendas);
					   NULL: Europe/London */
	int		 lease;		/* seconds a claim holds; 0: 300 */
};

struct mail_outbox;

/*
 * Prepares to send db's outbox with the templates in tmpl (both
 * borrowed; they must outlive the result), checking the settings, that
 * every kind's templates exist, and reading the unsubscribe key.
 * Returns NULL with a message in err on any problem.
 */
struct mail_outbox *mail_outbox_new(const struct mail_config *,
	    struct db *db, const struct tmpl_set *tmpl, char *err,
	    size_t errlen);

/* Frees what mail_outbox_new made; NULL is fine. */
void	 mail_outbox_free(struct mail_outbox *);

/* What one run did. */
struct mail_outbox_stats {
	size_t	 sent;
	size_t	 deferred;
	size_t	 failed;
	size_t	 dropped;	/* no longer true: kept as dropped, unsent */
	size_t	 held;		/* the server was down: due again when back */
	int	 paused;	/* sending paused for the administrator */
	int	 more;		/* stopped at max with rows perhaps still due */
};

/*
 * Sends due rows one at a time over one connection until none is due,
 * max were handled, *stop becomes non-zero (the message in hand is
 * finished first), or the server is down or refused us before RCPT
 * (then that row is held, due again with its try uncounted, and nothing
 * is tried for a pause that doubles from 2 seconds up to 30).  Each row
 * is claimed before and marked after it is sent; temporary failures are
 * deferred by mail_backoff, and failed for good when it says to give up.
 * After 5 permanent refusals in a row with the same reply, sending is
 * paused (db_outbox_pause_set) until the administrator resumes it.
 * Returns 0, or -1 when the database failed (logged).
 */
int	 mail_outbox_run(struct mail_outbox *, size_t max,
	    const volatile sig_atomic_t *stop,
	    struct mail_outbox_stats *stats);

/*
 * Renders row into a whole message (appended to out), as
 * mail_outbox_run would send it.  Returns MAIL_SEND_OK; MAIL_SEND_PERM
 * with a message in err when the row can never become a message (its
 * referral is gone, a header is refused); MAIL_SEND_TEMP when this
 * program does not know the row's kind or lacks a template, or the
 * database failed; MAIL_SEND_STALE with the reason in err when what the
 * email would say is no longer true (see session.c).
 */
enum mail_send mail_outbox_render(struct mail_outbox *,
	    const struct db_outbox *row, struct buf *out, char *err,
	    size_t errlen);

/*
 * The subject (into subject) and the plain-text body (into text) of row
 * as the mailer would write it from the records now, for staff to read
 * on the client record.  Personal links (their own page, unsubscribe,
 * the survey) are shown as words, never made, and nothing is written.
 * base_url and tz as in struct mail_config.  Returns as
 * mail_outbox_render: MAIL_SEND_OK, or why not in err (MAIL_SEND_STALE:
 * what it said is no longer true).
 */
enum mail_send mail_outbox_text(struct db *, const struct tmpl_set *,
	    const char *base_url, const char *tz, const struct db_outbox *row,
	    struct buf *subject, struct buf *text, char *err, size_t errlen);

/* ---- reminders and agendas (remind.c) ----
 *
 * Each time round its loop the mailer queues the reminders that are due.
 * A reminder at offset o before a session that starts at start is due
 * from start - o (real elapsed time: a 48h reminder before a Monday 10:00
 * session just after the spring clock change goes on the Saturday at
 * 09:00 local time, 48 hours before), and is queued only while
 *
 *     start - o  <=  now  <=  start - o + slack(o),   now < start,
 *
 * so reminders are never sent all at booking time, nor late in a burst:
 * a session booked 3 hours ahead gets its 2h reminder but no 48h one,
 * and after the mailer was stopped for a day the missed reminders stay
 * missed.  slack(o) is an hour, or o / 2 when that is less.
 */

#define MAIL_REMIND_MAX		8		/* offsets at most */
#define MAIL_REMIND_SLACK	(60 * 60)	/* the most a reminder is late */
#define MAIL_REMIND_DEFAULT	"48h,2h"

/* Settings, from the environment (see mailer_main.c). */
struct mail_remind {
	long		 offsets[MAIL_REMIND_MAX]; /* seconds, largest first */
	size_t		 noffsets;	/* 0: no reminders */
	int		 agenda_min;	/* therapists' daily agenda at this
					   local minute of the day; -1: none */
	const char	*tz;		/* the service's zone (agendas) */
	const char	*msgid_domain;	/* right side of Message-IDs */
};

/*
 * Checks offsets against the mailer's lease (seconds): a reminder in
 * hand when its mailer dies is sent again only when the lease ends, so
 * an offset shorter than the lease would find its session begun and be
 * dropped (issue 14).  Returns 0, or -1 with a message in err naming the
 * first offset too short.
 */
int	 mail_remind_offsets_check(const long *offsets, size_t n, long lease,
	    char *err, size_t errlen);

/*
 * Fills r with the defaults: reminders at 48h and 2h, no agenda,
 * Europe/London, tutti.localhost.  Cannot fail.
 */
void	 mail_remind_defaults(struct mail_remind *r);

/*
 * Reads a TUTTI_REMINDERS value: offsets separated by commas, each a
 * whole number and a unit, s (seconds), m, h or d (24 hours), from 10
 * seconds to 14 days ("48h,2h", "1d, 30m").  Duplicates count once;
 * out is sorted largest first.  Returns 0 with *n set (an empty string
 * or "0" or "off": no reminders, *n = 0), or -1 with a message in err and
 * out untouched.
 */
int	 mail_remind_offsets_parse(const char *s,
	    long out[MAIL_REMIND_MAX], size_t *n, char *err, size_t errlen);

/*
 * Reads a TUTTI_AGENDA value: "" or "0" or "off" (-1: none), "1" or
 * "on" (07:00), or a local time HH:MM; *minute is then minutes from
 * midnight.  Returns 0, or -1 with a message in err.
 */
int	 mail_agenda_parse(const char *s, int *minute, char *err,
	    size_t errlen);

/* The slack of a reminder at offset seconds (see above). */
long	 mail_remind_slack(long offset);

/*
 * 1 when a reminder at offset before a session starting at start is to
 * be queued at now (see above), else 0.
 */
int	 mail_remind_due(time_t start, long offset, time_t now);

/*
 * Queues, in one transaction, the reminders due at now as outbox rows
 * (kind "reminder", key "reminder:SERIES:DATE:OFFSET:CLIENT"): for each
 * offset, every occurrence not cancelled that starts in [now + o -
 * slack(o), now + o] and after now (an indexed range query), to each of
 * its clients who agreed to contact, has an email address and did not
 * unsubscribe.  A moved occurrence counts at its new time.  Running it
 * again, or two mailers at once, queues nothing twice.  Returns the
 * number queued, or -1 (logged; nothing queued).
 */
int	 mail_reminders_queue(struct db *, const struct mail_remind *,
	    time_t now);

/*
 * When r->agenda_min is set and now is at or past that local time of
 * day (in r->tz), queues today's agenda (kind "therapist_agenda", key
 * "therapist_agenda:THERAPIST:DATE") to each active therapist with a
 * staff account and a session still to come today.  One a day each.
 * Returns the number queued (0 when off or too early), or -1 (logged).
 */
int	 mail_agenda_queue(struct db *, const struct mail_remind *,
	    time_t now);

#endif

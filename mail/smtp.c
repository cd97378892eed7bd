/*
 * mail/smtp: delivery over SMTP with libcurl.
 *
 * One easy handle lives for a batch, so libcurl keeps the connection
 * (and its TLS session and login) from one message to the next; the
 * batch's end cleans the handle up, which sends QUIT.  libcurl does the
 * dot-stuffing; the message is already CRLF throughout, and addresses
 * were checked for CR and LF before they reach MAIL FROM and RCPT TO.
 *
 * libcurl's debug callback follows the conversation: the last command
 * sent gives the stage a refusal came at (a 5xx to MAIL FROM is the
 * server's or our account's fault, one to RCPT the message's), and the
 * server's reply lines since are kept whole for the administrator.
 * No reply is awaited longer than RESPONSE_TIMEOUT (libcurl's default,
 * 120 s, also held up QUIT after a hung transfer), a stop request ends
 * a transfer that has not finished within STOP_GRACE through the
 * progress callback (one that has finishes and is recorded as sent: the
 * server may have taken it already, and cutting its answer off would
 * leave a delivered message queued to go again), and a
 * connection that failed or is being left for a stop is shut down
 * before the handle is cleaned up, so that no QUIT waits on it.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "mail/mail.h"
#include "mail/mail_int.h"
#include "util/buf.h"

#define CONNECT_TIMEOUT	15L	/* seconds to connect, with TLS */
#define SEND_TIMEOUT	60L	/* seconds for one message in all */
#define RESPONSE_TIMEOUT 15L	/* seconds for any one reply, QUIT's too */
#define REPLY_MAX	400	/* bytes of the server's reply kept */
#define STOP_GRACE	1.0	/* seconds a transfer may go on after a stop */
#define PER_CONNECTION	100	/* messages before a fresh connection */

struct smtp {
	struct mail_transport	 t;
	CURL			*curl;
	char			*url;
	char			*user;
	char			*pass;
	int			 tls;
	unsigned		 on_connection;
	const char		*msg;		/* the message being read */
	size_t			 len;
	size_t			 off;
	enum mail_smtp_stage	 stage;		/* of the last command */
	int			 broken;	/* no QUIT: shut it down */
	int			 quitting;	/* QUIT sent: replies ignored */
	char			 reply[REPLY_MAX + 1];	/* since it */
	size_t			 replylen;
	char			 errbuf[CURL_ERROR_SIZE];
	struct timespec		 stop_seen;	/* when a stop was seen */
	int			 stopping;	/* 1: stop_seen is set */
};

static const char *const stage_names[MAIL_SMTP__MAX] = {
	"the greeting", "EHLO", "AUTH", "MAIL FROM", "RCPT TO", "DATA",
	"the message",
};

const char *
mail_smtp_stage_name(enum mail_smtp_stage stage)
{
	return stage < MAIL_SMTP__MAX ? stage_names[stage] : "?";
}

/* 1 if host (as libcurl gives it) is localhost, 127.0.0.0/8 or [::1]. */
static int
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char v6[INET6_ADDRSTRLEN + 2];
	size_t n;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	n = strlen(host);
	if (n > 2 && n < sizeof(v6) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(v6, host + 1, n - 2);
		v6[n - 2] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) == 1)
			return memcmp(&a6, &in6addr_loopback,
			    sizeof(a6)) == 0;
	}
	return 0;
}

int
mail_smtp_url_check(const char *url, int *tls, char *err, size_t errlen)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	*tls = 1;
	if ((u = curl_url()) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		(void)snprintf(err, errlen, "the SMTP URL is not a URL with a "
		    "host (smtp://host:port or smtps://host:port)");
		goto out;
	}
	if (strcmp(scheme, "smtps") == 0) {
		*tls = 1;
	} else if (strcmp(scheme, "smtp") == 0) {
		*tls = !host_is_loopback(host);
	} else {
		(void)snprintf(err, errlen, "the SMTP URL must start smtp:// "
		    "or smtps://");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

enum mail_send
mail_smtp_result(int curl_code, long smtp_code, enum mail_smtp_stage stage)
{
	int before_rcpt = stage < MAIL_SMTP_RCPT;

	switch (curl_code) {
	case CURLE_OK:
		return MAIL_SEND_OK;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_ABORTED_BY_CALLBACK:	/* a stop: not tried */
		return MAIL_SEND_DOWN;
	default:
		break;
	}
	if (smtp_code == 421 || before_rcpt)
		return MAIL_SEND_DOWN;
	if (smtp_code >= 400 && smtp_code <= 499)
		return MAIL_SEND_TEMP;
	if (smtp_code >= 500 && smtp_code <= 599)
		return MAIL_SEND_PERM;
	/* No reply: a timeout or a broken connection. */
	return stage == MAIL_SMTP_BODY ? MAIL_SEND_TEMP : MAIL_SEND_DOWN;
}

/*
 * libcurl's debug callback: follows the commands sent (the stage) and
 * keeps the server's reply lines since the last one.
 */
static int
smtp_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp *s = arg;
	size_t n, i;

	(void)c;
	if (type == CURLINFO_HEADER_OUT && size >= 4 &&
	    strncasecmp(data, "QUIT", 4) == 0) {
		s->quitting = 1;	/* the refusal's reply stays */
	} else if (type == CURLINFO_HEADER_OUT) {
		s->replylen = 0;
		s->reply[0] = '\0';
		if (size >= 4 && (strncasecmp(data, "EHLO", 4) == 0 ||
		    strncasecmp(data, "HELO", 4) == 0 ||
		    strncasecmp(data, "STAR", 4) == 0))
			s->stage = MAIL_SMTP_HELLO;
		else if (size >= 4 && strncasecmp(data, "AUTH", 4) == 0)
			s->stage = MAIL_SMTP_AUTH;
		else if (size >= 4 && strncasecmp(data, "MAIL", 4) == 0)
			s->stage = MAIL_SMTP_MAIL;
		else if (size >= 4 && strncasecmp(data, "RCPT", 4) == 0)
			s->stage = MAIL_SMTP_RCPT;
		else if (size >= 4 && strncasecmp(data, "DATA", 4) == 0)
			s->stage = MAIL_SMTP_DATA;
	} else if (type == CURLINFO_DATA_OUT) {
		s->stage = MAIL_SMTP_BODY;
	} else if (type == CURLINFO_HEADER_IN && !s->quitting) {
		/* Lines joined by "; ", control characters as spaces. */
		if (s->replylen > 0 && s->replylen + 2 < REPLY_MAX) {
			memcpy(s->reply + s->replylen, "; ", 2);
			s->replylen += 2;
		}
		n = size;
		while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
			n--;
		for (i = 0; i < n && s->replylen < REPLY_MAX; i++)
			s->reply[s->replylen++] = (unsigned char)data[i] < 0x20 ?
			    ' ' : data[i];
		s->reply[s->replylen] = '\0';
	}
	return 0;
}

/*
 * libcurl's progress callback (called at least once a second): non-zero
 * ends the transfer once a stop has been requested for STOP_GRACE, so
 * that a message the server is answering is finished, not cut off.
 */
static int
smtp_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct smtp *s = arg;
	struct timespec now;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (s->t.stop == NULL || !*s->t.stop)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (!s->stopping) {
		s->stop_seen = now;
		s->stopping = 1;
		return 0;
	}
	return (double)(now.tv_sec - s->stop_seen.tv_sec) +
	    (now.tv_nsec - s->stop_seen.tv_nsec) / 1e9 >= STOP_GRACE;
}

/* libcurl's read callback: the next piece of the message. */
static size_t
smtp_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct smtp *s = arg;
	size_t room = size * nmemb, n = s->len - s->off;

	if (n > room)
		n = room;
	memcpy(ptr, s->msg + s->off, n);
	s->off += n;
	return n;
}

/* Makes the batch's handle with the options that never change. */
static int
smtp_open(struct smtp *s)
{
	CURL *c;
	int ok = 1;

	if ((c = curl_easy_init()) == NULL)
		return -1;
	ok &= curl_easy_setopt(c, CURLOPT_URL, s->url) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_USE_SSL,
	    (long)(s->tls ? CURLUSESSL_ALL : CURLUSESSL_NONE)) == CURLE_OK;
	if (s->user != NULL) {
		ok &= curl_easy_setopt(c, CURLOPT_USERNAME, s->user) ==
		    CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_PASSWORD,
		    s->pass != NULL ? s->pass : "") == CURLE_OK;
	}
	ok &= curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_READFUNCTION, smtp_read) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_READDATA, s) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT, SEND_TIMEOUT) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    RESPONSE_TIMEOUT) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, smtp_debug) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_DEBUGDATA, s) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_VERBOSE, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, smtp_progress) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_XFERINFODATA, s) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps") ==
	    CURLE_OK;
	if (!ok) {
		curl_easy_cleanup(c);
		return -1;
	}
	s->curl = c;
	s->on_connection = 0;
	s->broken = 0;
	return 0;
}

/*
 * Ends the connection: QUIT (each reply awaited RESPONSE_TIMEOUT at
 * most), or, after a failure or on a stop, none: the socket is shut
 * down first so that libcurl's QUIT fails at once.
 */
static void
smtp_end(struct mail_transport *t)
{
	struct smtp *s = (struct smtp *)t;
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (s->curl == NULL)
		return;
	if ((s->broken || (t->stop != NULL && *t->stop)) &&
	    curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &fd) ==
	    CURLE_OK && fd != CURL_SOCKET_BAD)
		(void)shutdown(fd, SHUT_RDWR);
	curl_easy_cleanup(s->curl);	/* QUIT */
	s->curl = NULL;
}

static void
smtp_free(struct mail_transport *t)
{
	struct smtp *s = (struct smtp *)t;

	smtp_end(t);
	free(s->url);
	free(s->user);
	if (s->pass != NULL)
		sodium_memzero(s->pass, strlen(s->pass));
	free(s->pass);
	free(s);
	curl_global_cleanup();
}

static enum mail_send
smtp_send(struct mail_transport *t, const char *from, const char *to,
    const char *msg, size_t len, const char *message_id, char *err,
    size_t errlen)
{
	struct smtp *s = (struct smtp *)t;
	struct curl_slist *rcpt = NULL;
	char addr[MAIL_ADDR_MAX + 3];
	enum mail_send r;
	CURLcode rc;
	long code = 0;
	int ok = 1;

	(void)message_id;
	if (s->curl == NULL && smtp_open(s) == -1) {
		(void)snprintf(err, errlen, "libcurl cannot start");
		return MAIL_SEND_DOWN;
	}
	(void)snprintf(addr, sizeof(addr), "<%s>", to);
	if ((rcpt = curl_slist_append(NULL, addr)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return MAIL_SEND_DOWN;
	}
	(void)snprintf(addr, sizeof(addr), "<%s>", from);
	ok &= curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, addr) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt) == CURLE_OK;
	ok &= curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)len) == CURLE_OK;
	s->msg = msg;
	s->len = len;
	s->off = 0;
	s->errbuf[0] = '\0';
	s->reply[0] = '\0';
	s->replylen = 0;
	s->stage = MAIL_SMTP_GREETING;
	s->quitting = 0;
	rc = ok ? curl_easy_perform(s->curl) : CURLE_FAILED_INIT;
	(void)curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	/* The list dies here: the handle must not keep pointing at it. */
	(void)curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	s->msg = NULL;

	r = mail_smtp_result((int)rc, code, s->stage);
	if (r != MAIL_SEND_OK && s->reply[0] != '\0' && code >= 400)
		(void)snprintf(err, errlen, "SMTP %ld to %s: %s", code,
		    mail_smtp_stage_name(s->stage), s->reply);
	else if (r != MAIL_SEND_OK)
		(void)snprintf(err, errlen, "SMTP %ld at %s: %s", code,
		    mail_smtp_stage_name(s->stage), s->errbuf[0] != '\0' ?
		    s->errbuf : curl_easy_strerror(rc));
	if (rc != CURLE_OK && (code < 400 || r == MAIL_SEND_DOWN))
		s->broken = 1;		/* no QUIT to wait on */
	if (r == MAIL_SEND_DOWN || s->broken ||
	    ++s->on_connection >= PER_CONNECTION)
		smtp_end(t);
	return r;
}

struct mail_transport *
mail_smtp_new(const char *url, const char *user, const char *pass,
    char *err, size_t errlen)
{
	struct smtp *s;
	int tls;

	if (mail_smtp_url_check(url, &tls, err, errlen) == -1)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		(void)snprintf(err, errlen, "libcurl cannot start");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->t.send = smtp_send;
	s->t.end = smtp_end;
	s->t.free = smtp_free;
	s->url = xstrdup(url);
	s->tls = tls;
	if (user != NULL && *user != '\0') {
		s->user = xstrdup(user);
		s->pass = xstrdup(pass != NULL ? pass : "");
	}
	return &s->t;
}

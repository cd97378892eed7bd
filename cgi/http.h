/*
 * http: one request and its response, as the handlers see them.
 *
 * The FastCGI loop (fcgi_main.c) fills a struct req from the FastCGI
 * parameters and body, the router (route.c) calls the handler its table
 * names, and the loop writes the struct resp back.  Handlers never touch the FastCGI streams.
 */
#ifndef CGI_HTTP_H
#define CGI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "cgi/form.h"
#include "util/buf.h"

/* Largest request body read; nginx refuses larger ones first (413). */
#define HTTP_BODY_MAX	(64 * 1024)
/* Most fields a body or query may carry. */
#define HTTP_FIELDS_MAX	512
/* Most :id parameters a route pattern may hold. */
#define HTTP_IDS_MAX	2

struct app;

enum role {
	ROLE_ADMIN,
	ROLE_COORDINATOR,
	ROLE_THERAPIST,
	ROLE_PARTNER,		/* staff of one partner organisation */
	ROLE__MAX
};

/* The signed-in member of staff, from the session cookie. */
struct user {
	int64_t		 id;
	int64_t		 session_id;
	enum role	 role;
	char		 name[128];
	char		 email[256];
	char		 csrf[72];	/* the session's CSRF token */
	int64_t		 organisation_id; /* a partner's organisation */
};

struct req {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* without the query */
	const char	*query;		/* "" when none */
	const char	*content_type;	/* "" when none */
	const char	*remote_addr;
	const char	*cookie;	/* the Cookie header, "" when none */
	const char	*if_none_match;	/* "" when none */
	const char	*origin;	/* the Origin header; "" or NULL: none */
	const char	*fetch_site;	/* Sec-Fetch-Site; "" or NULL: none */
	const char	*body;		/* NUL-terminated copy */
	size_t		 bodylen;
	struct form	 q;		/* query parameters */
	struct form	 f;		/* url-encoded body fields */
	int		 badquery;	/* the query did not parse */
	int		 badbody;	/* the body did not parse (enum form_err) */
	struct user	*user;		/* NULL when not signed in */
	int64_t		 id[HTTP_IDS_MAX]; /* the route's :id values, in order */
	const char	*feed;		/* the route's :feed segment, or NULL */
};

struct resp {
	int		 status;
	const char	*content_type;	/* default text/html; charset=utf-8 */
	struct buf	 headers;	/* extra "Name: value\r\n" lines */
	struct buf	 body;
};

/* Adds a header line; name and value must hold no CR or LF (asserted). */
void	 http_header(struct resp *, const char *name, const char *value);
/* A 303 See Other to location (a path on this site). */
void	 http_redirect(struct resp *, const char *location);
/*
 * A small page for an error status with a plain message for people
 * ("This page does not exist."), rendered with the site's layout.
 */
void	 http_error(struct app *, struct resp *, int status,
	    const char *message);
/* The reason phrase for a status ("Not Found"). */
const char *http_reason(int status);

#endif

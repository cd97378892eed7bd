/*
 * route: the one table of every page of the product, and the router that
 * picks a row for a request.
 *
 * A row is a method, a path pattern, the action a role needs and the
 * handler.  Patterns are literal segments and parameters:
 *
 *	:id	a positive decimal int64, no sign, no leading zero
 *		(into rq->id[0], rq->id[1], ... in order)
 *	:feed	a calendar feed's file name, DB_FEED_TOKEN_LEN base64url
 *		characters then ".ics" (into rq->feed)
 *
 * The router answers 404 when no pattern fits the path (so a bad id is
 * not found), 405 with Allow when the path is known but not the method,
 * sends the signed-out to /login (GET, HEAD) or answers 403, answers 403
 * when the role lacks the row's action, and checks the CSRF token of
 * every staff POST.  A "GET" row answers HEAD too.  The order of the rows
 * does not matter: a literal segment wins over a parameter.
 */
#ifndef CGI_ROUTE_H
#define CGI_ROUTE_H

#include <stddef.h>

#include "cgi/app.h"
#include "cgi/auth.h"

struct route {
	const char	*method;	/* "GET" (and HEAD) or "POST" */
	const char	*pattern;	/* "/referrals/:id/matches" */
	enum action	 act;		/* what the role needs */
	void		(*fn)(struct app *, struct req *, struct resp *);
};

/* Every route, and how many. */
extern const struct route route_table[];
extern const size_t route_count;

/*
 * Finds the row for rq's method and path, fills rq->id and rq->feed from
 * its parameters, checks role and CSRF, and calls its handler, or
 * answers 404, 405, 303 to /login or 403 itself.  Cannot fail.
 */
void	 route_dispatch(struct app *, struct req *, struct resp *);

/*
 * route_dispatch without the call: the row whose handler may run, or
 * NULL having answered (404, 405, 303 to /login or 403) in rs.
 */
const struct route *route_check(struct app *, struct req *,
	    struct resp *);

/*
 * The row whose pattern fits path (the most literal one when several
 * do) for method; NULL when none.  When *allow is not NULL it is set to
 * the methods that pattern answers ("GET, HEAD, POST"), or "" when no
 * pattern fits.  Fills rq->id and rq->feed.
 */
const struct route *route_find(struct req *rq, const char **allow);

#endif

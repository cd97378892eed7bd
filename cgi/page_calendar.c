/*
 * page_calendar: calendar feeds, and the links to them on /me.
 *
 *   GET  /calendar/TOKEN.ics  public (the token is the key): a
 *                             therapist's or a partner site's feed, as
 *                             text/calendar with ETag and Last-Modified;
 *                             If-None-Match with the ETag gives 304.  A
 *                             token that is malformed, unknown or
 *                             replaced gets the site's usual 404, with
 *                             any method; other methods on a feed 405.
 *   POST /me/feed             therapists: makes a new link to their
 *                             own feed (the old one stops working at
 *                             once) and answers with /me showing the
 *                             link, its webcal:// form and a QR code,
 *                             this once: only the token's hash is kept.
 *   POST /sites/:id/feed      staff who may edit records: the same for
 *                             that partner site's feed.
 *
 * A stored feed that is still fresh costs one indexed lookup and a
 * copy: no libical, no templates.  A stale one (something in it
 * changed, the triggers said so) is rebuilt with libical and stored.
 *
 * Settings: TUTTI_FEED_FIRST_NAMES=1 shows clients' first names (and
 * family initial) in therapists' feeds instead of initials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qrencode.h>
#include <sodium.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/feeds.h"
#include "db/schedule.h"
#include "db/staff.h"
#include "ical/ical.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

/* The worker's feed options, read once. */
static struct {
	int			 loaded;
	struct ical_feed_opts	 opts;
	char			 tag[ICAL_FEED_TAG_LEN];
} cfg;

static const struct ical_feed_opts *
feed_opts(const struct app *app, const char **tag)
{
	const char *v;

	if (!cfg.loaded) {
		memset(&cfg.opts, 0, sizeof(cfg.opts));
		cfg.opts.base_url = app->base_url;
		cfg.opts.calendar_tz = app->tz;
		v = getenv("TUTTI_FEED_FIRST_NAMES");
		cfg.opts.first_names = v != NULL && (strcmp(v, "1") == 0 ||
		    strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
		cfg.opts.refresh_min = 60;
		ical_feed_opts_tag(&cfg.opts, cfg.tag);
		cfg.loaded = 1;
	}
	*tag = cfg.tag;
	return &cfg.opts;
}

/*
 * 1 when If-None-Match (a list of ETags, weak or strong, or "*") holds
 * etag.
 */
static int
etag_match(const char *inm, const char *etag)
{
	size_t n = strlen(etag), k;
	const char *p = inm;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		k = strcspn(p, ",");
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k == n && memcmp(p, etag, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

/* Headers of a feed answer, and 304 when the client has this one. */
static int
feed_headers(struct resp *rs, const char *inm, const char *etag,
    int64_t built_at)
{
	time_t t = (time_t)built_at;
	struct tm tm;
	char date[40];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	http_header(rs, "ETag", etag);
	http_header(rs, "Last-Modified", date);
	/* Secret URLs: no shared cache; ask us each time (a 304 is cheap). */
	http_header(rs, "Cache-Control", "private, no-cache");
	http_header(rs, "X-Robots-Tag", "noindex, nofollow");
	if (*inm != '\0' && etag_match(inm, etag)) {
		rs->status = 304;
		return 1;
	}
	rs->status = 200;
	rs->content_type = "text/calendar; charset=utf-8";
	return 0;
}

struct hit {
	struct resp	*rs;
	const char	*inm;
	const char	*tag;
	time_t		 now;
	struct db_feed	 feed;
	int		 served;
};

/*
 * db_feed_find's callback: answers from the stored feed when fresh,
 * reading the body only for a 200.
 */
static void
on_feed(void *arg, const struct db_feed *f, const struct db_feed_row *row)
{
	struct hit *h = arg;
	const void *body;
	size_t len;

	h->feed = *f;
	if (!ical_feed_fresh(f, h->tag, h->now))
		return;
	if (feed_headers(h->rs, h->inm, f->etag, f->built_at)) {
		h->served = 1;		/* 304 */
		return;
	}
	if ((body = db_feed_body(row, &len)) == NULL) {
		buf_reset(&h->rs->headers);	/* never built: build it */
		h->rs->content_type = NULL;
		return;
	}
	buf_append(&h->rs->body, body, len);
	h->served = 1;
}

static void
not_found(struct app *app, struct resp *rs)
{
	/* The same page as any unknown address: no hint. */
	http_error(app, rs, 404, "This page does not exist. Check the "
	    "address, or start again from the home page.");
}

void
page_calendar(struct app *app, struct req *rq, struct resp *rs)
{
	const struct ical_feed_opts *o;
	unsigned char hash[DB_FEED_HASH_LEN];
	char etag[ICAL_FEED_ETAG_LEN];
	struct hit h;
	int rc;

	/* The router matched the name's form; the token may still be bad. */
	if (db_feed_token_hash(rq->feed, DB_FEED_TOKEN_LEN, hash) == -1) {
		not_found(app, rs);
		return;
	}
	memset(&h, 0, sizeof(h));
	o = feed_opts(app, &h.tag);
	h.rs = rs;
	h.inm = rq->if_none_match != NULL ? rq->if_none_match : "";
	h.now = time(NULL);
	rc = db_feed_find(app->db, hash, on_feed, &h);
	if (rc != 1) {
		if (rc == 0)
			not_found(app, rs);
		else
			http_error(app, rs, 503, "The calendar cannot be read "
			    "now. Your calendar app will try again later.");
		return;
	}
	if (h.served)
		return;

	/* Stale, never built, too old or built otherwise: rebuild. */
	rc = ical_feed_refresh(app->db, &h.feed, o, h.now, &rs->body, etag);
	if (rc != 0) {
		buf_reset(&rs->body);
		if (rc == 1)
			not_found(app, rs);
		else
			http_error(app, rs, 503, "The calendar cannot be made "
			    "now. Your calendar app will try again later.");
		return;
	}
	if (feed_headers(rs, h.inm, etag, (int64_t)h.now))
		buf_reset(&rs->body);
}

/* ---- the links on /me, a site's page and /partner ---- */

/*
 * A token made by this request, shown once by the page the POST
 * renders (/me, the site's, /partner), then wiped.  Workers answer one request
 * at a time.
 */
static struct {
	int			 set;
	enum db_feed_kind	 kind;
	int64_t			 owner_id;
	char			 token[DB_FEED_TOKEN_LEN + 1];
} fresh;

/*
 * Appends an inline SVG of the QR code of text (libqrencode), with a
 * quiet zone of four modules, each dark run of a row one path segment.
 * Only numbers are written into it.  Nothing when text cannot be coded.
 */
static void
qr_svg(struct buf *out, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int w, x, y, run, n;

	if (q == NULL)
		return;
	w = q->width;
	n = w + 8;
	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"QR code of the subscribe link\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", n, n, n * 5, n * 5, n,
	    n);
	for (y = 0; y < w; y++) {
		for (x = 0; x < w; x += run > 0 ? run : 1) {
			run = 0;
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			if (run > 0)
				buf_printf(out, "M%d %dh%dv1h-%dz", x + 4, y + 4,
				    run, run);
		}
	}
	buf_puts(out, "\"/></svg>");
	QRcode_free(q);
}

/* Sets PREFIX_https, PREFIX_webcal and PREFIX_qr for token. */
static void
link_data(struct app *app, struct tmpl_data *d, const char *prefix,
    const char *token)
{
	struct buf url = BUF_INIT, webcal = BUF_INIT, qr = BUF_INIT;
	const char *base = app->base_url, *rest;
	char key[32];

	buf_printf(&url, "%s/calendar/%s.ics", base, token);
	rest = strstr(base, "://");
	buf_printf(&webcal, "webcal://%s/calendar/%s.ics",
	    rest != NULL ? rest + 3 : base, token);
	qr_svg(&qr, buf_cstr(&webcal));
	snprintf(key, sizeof(key), "%s_https", prefix);
	tmpl_data_set(d, key, buf_cstr(&url));
	snprintf(key, sizeof(key), "%s_webcal", prefix);
	tmpl_data_set(d, key, buf_cstr(&webcal));
	snprintf(key, sizeof(key), "%s_qr", prefix);
	tmpl_data_set(d, key, buf_cstr(&qr));
	sodium_memzero(url.data, url.len);
	sodium_memzero(webcal.data, webcal.len);
	buf_free(&url);
	buf_free(&webcal);
	buf_free(&qr);
}

void
page_me_feed(struct app *app, const struct req *rq, struct tmpl_data *d)
{
	const struct ical_feed_opts *o;
	struct db_feed f;
	int64_t tid;
	const char *tag;
	char day[40];

	if (rq->user == NULL)
		return;
	o = feed_opts(app, &tag);
	if (rq->user->role == ROLE_THERAPIST &&
	    db_therapist_of_user(app->db, rq->user->id, &tid) == 1) {
		tmpl_data_bool(d, "feed_therapist", 1);
		tmpl_data_bool(d, "feed_first_names", o->first_names);
		if (db_feed_get(app->db, FEED_THERAPIST, tid, &f) == 1) {
			(void)calendar_date_text(f.created_at, CALENDAR_LONG,
			    day, sizeof(day));
			tmpl_data_set(d, "feed_made", day);
		}
		if (page_feed_fresh(app, d, FEED_THERAPIST, tid, "feed"))
			tmpl_data_bool(d, "feed_new", 1);
	}
	/* A site's link is made on its own page (page_site_feed_post). */
	tmpl_data_bool(d, "feed_sites", auth_can(rq->user->role,
	    ACT_RECORDS_EDIT));
}

int
page_feed_new(struct app *app, const struct req *rq, enum db_feed_kind kind,
    int64_t owner)
{
	char detail[96];
	int rc;

	memset(&fresh, 0, sizeof(fresh));
	if (db_begin(app->db) == -1)
		return -1;
	rc = db_feed_token_new(app->db, kind, owner, fresh.token, NULL);
	snprintf(detail, sizeof(detail), "new calendar link for %s %lld",
	    db_feed_kind_names[kind], (long long)owner);
	if (rc != 0 || db_audit(app->db, rq->user->id, rq->remote_addr,
	    "feed-link", 0, 0, detail) == -1 || db_commit(app->db) == -1) {
		db_rollback(app->db);
		sodium_memzero(&fresh, sizeof(fresh));
		return rc == 1 ? 1 : -1;
	}
	fresh.set = 1;
	fresh.kind = kind;
	fresh.owner_id = owner;
	return 0;
}

int
page_feed_fresh(struct app *app, struct tmpl_data *d, enum db_feed_kind kind,
    int64_t owner, const char *prefix)
{
	if (!fresh.set || fresh.kind != kind || fresh.owner_id != owner)
		return 0;
	link_data(app, d, prefix, fresh.token);
	return 1;
}

void
page_feed_forget(void)
{
	sodium_memzero(&fresh, sizeof(fresh));
}

/* POST /me/feed: a therapist's own link (the router lets only
 * therapists in); their account must be linked to a therapist record. */
void
page_feed_post(struct app *app, struct req *rq, struct resp *rs)
{
	int64_t owner;

	if (db_therapist_of_user(app->db, rq->user->id, &owner) != 1) {
		http_error(app, rs, 403, "Only a therapist whose account is "
		    "linked to a therapist record has a calendar link.");
		return;
	}
	if (page_feed_new(app, rq, FEED_THERAPIST, owner) != 0) {
		http_error(app, rs, 503, "The link could not be made now. "
		    "Please try again.");
		return;
	}
	/* /me itself, with the new link shown this once. */
	page_me(app, rq, rs);
	page_feed_forget();
}

/*
 * POST /sites/:id/feed: a new link for the site (records editors),
 * shown once on the site's own page.
 */
void
page_site_feed_post(struct app *app, struct req *rq, struct resp *rs)
{
	int rc;

	if ((rc = page_feed_new(app, rq, FEED_SITE, rq->id[0])) != 0) {
		http_error(app, rs, rc == 1 ? 404 : 503, rc == 1 ?
		    "There is no such site." : "The link could not be made "
		    "now. Please try again.");
		return;
	}
	page_site_get(app, rq, rs);
	page_feed_forget();
}

/*
 * app_cache: what a worker keeps between requests because every visitor
 * sees the same: the public facts (the sites the forms offer, the
 * service's contact details that every page's footer shows), and whole
 * public pages rendered once with a hole where each visitor's own form
 * token goes.
 *
 * Also the kept parts of staff pages (app_part_find): a page body that
 * many requests share, by key; and in the same slots the kept figures
 * (app_figures_find) that several pages and downloads are built from.
 *
 * Both are read again only after a record changed (db_records_changed:
 * one read of a one-row table; the audit lines, sign-ins, rate hits and
 * sent emails that are written as pages are read do not count, and the
 * sites and settings the facts come from are records).
 *
 * And the world that matching reads (app_world), kept until what it
 * reads changes (db_world_changed, a narrower count than the records':
 * attendance, notes and outcomes written all day do not move it) and
 * for at most a minute.
 *
 * Each worker has its own copy and answers one request at a time; a
 * change by any process shows on the next request after its commit.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "core/world.h"
#include "db/db.h"
#include "db/referrals.h"
#include "db/self.h"
#include "templates/tmpl.h"
#include "util/buf.h"

static struct {
	struct db_mark	 mark;		/* when the records were last seen */
	int		 sites_stale;	/* reread on next use */
	int		 contact_stale;
	struct db_site	*sites;
	size_t		 nsites;
	struct db_contact contact;
	int		 contact_ok;	/* db_contact_get read it all */
	uint64_t	 gen;		/* counts changes of what is kept */
} facts = { .sites_stale = 1, .contact_stale = 1 };

/* 1 when the two site lists are the same, field by field. */
static int
sites_same(const struct db_site *a, size_t na, const struct db_site *b,
    size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].id != b[i].id || a[i].step_free != b[i].step_free ||
		    strcmp(a[i].name, b[i].name) != 0 ||
		    strcmp(a[i].kind, b[i].kind) != 0 ||
		    strcmp(a[i].postcode, b[i].postcode) != 0)
			return 0;
	return 1;
}

/* Marks every fact stale when a record changed; 0, or -1. */
static int
facts_check(struct app *app)
{
	int rc = db_records_changed(app->db, &facts.mark);

	if (rc != 0)
		facts.sites_stale = facts.contact_stale = 1;
	return rc == -1 ? -1 : 0;
}

/* Reads the sites again when stale; 0, or -1 (they stay stale). */
static int
sites_load(struct app *app)
{
	struct db_site *sites;
	size_t n;

	if (!facts.sites_stale)
		return 0;
	if (db_sites_list(app->db, &sites, &n) == -1)
		return -1;
	if (!sites_same(sites, n, facts.sites, facts.nsites))
		facts.gen++;
	db_sites_free(facts.sites, facts.nsites);
	facts.sites = sites;
	facts.nsites = n;
	facts.sites_stale = 0;
	return 0;
}

/* Reads the contact details again when stale; 0, or -1. */
static int
contact_load(struct app *app)
{
	struct db_contact c;
	int ok;

	if (!facts.contact_stale)
		return 0;
	memset(&c, 0, sizeof(c));
	ok = db_contact_get(app->db, &c) == 0;
	if (ok != facts.contact_ok || memcmp(&c, &facts.contact,
	    sizeof(c)) != 0)
		facts.gen++;
	facts.contact = c;
	facts.contact_ok = ok;
	facts.contact_stale = 0;
	return 0;
}

int
app_sites(struct app *app, const struct db_site **sites, size_t *n)
{
	*sites = NULL;
	*n = 0;
	if (app->db == NULL || facts_check(app) == -1 || sites_load(app) == -1)
		return -1;
	*sites = facts.sites;
	*n = facts.nsites;
	return 0;
}

struct tmpl_data *
app_outer_data(struct app *app)
{
	struct tmpl_data *d = tmpl_data_new();
	const struct db_contact *c = &facts.contact;

	if (app->db == NULL || facts_check(app) == -1 ||
	    contact_load(app) == -1 || !facts.contact_ok)
		return d;
	tmpl_data_set(d, "contact_phone", c->phone);
	tmpl_data_set(d, "contact_email", c->email);
	tmpl_data_set(d, "contact_address", c->address);
	tmpl_data_set(d, "office_hours", c->hours);
	tmpl_data_bool(d, "contact", c->phone[0] != '\0' ||
	    c->email[0] != '\0' || c->address[0] != '\0');
	return d;
}

int
app_page_fresh(struct app *app, const struct app_page *p)
{
	if (app->db == NULL || facts_check(app) == -1 ||
	    sites_load(app) == -1 || contact_load(app) == -1)
		return -1;
	return p->ok && p->gen == facts.gen;
}

int
app_page_keep(struct app_page *p, struct resp *rendered)
{
	const char *page = buf_cstr(&rendered->body);
	const char *hole = NULL;

	p->ok = 0;
	if (rendered->status == 200)
		hole = strstr(page, APP_PAGE_HOLE);
	/* Exactly one hole, or nothing kept. */
	if (hole == NULL || strstr(hole + 1, APP_PAGE_HOLE) != NULL)
		return -1;
	buf_reset(&p->pre);
	buf_reset(&p->post);
	buf_append(&p->pre, page, (size_t)(hole - page));
	buf_puts(&p->post, hole + strlen(APP_PAGE_HOLE));
	p->gen = facts.gen;
	p->ok = 1;
	return 0;
}

void
app_page_answer(const struct app_page *p, const char *token,
    struct resp *rs)
{
	rs->status = 200;
	http_header(rs, "Cache-Control", "no-store");
	buf_reset(&rs->body);
	buf_reserve(&rs->body, p->pre.len + strlen(token) + p->post.len);
	buf_append(&rs->body, p->pre.data, p->pre.len);
	buf_puts(&rs->body, token);
	buf_append(&rs->body, p->post.data, p->post.len);
}

/*
 * The kept parts (app_part_find) and figures (app_figures_find): each
 * slot's key, what it holds (a body, or figures and how to free them)
 * and its time.
 */
static struct {
	struct db_mark	 mark;		/* when the records were last seen */
	struct {
		char		 key[APP_PART_KEY_LEN];
		struct buf	 body;	/* a part */
		void		*figures; /* or figures (NULL: a part) */
		void		(*free_figures)(void *);
		size_t		 bytes;	/* what it holds */
		time_t		 until;	/* kept while now < until */
		uint64_t	 used;	/* clock at the last use; 0: empty */
	} slot[APP_PARTS];
	size_t		 bytes;		/* held by the slots */
	uint64_t	 clock;
	uint64_t	 found, kept;
} parts;

/* Empties slot i and gives its memory back. */
static void
part_drop(size_t i)
{
	parts.bytes -= parts.slot[i].bytes;
	buf_free(&parts.slot[i].body);
	if (parts.slot[i].figures != NULL)
		parts.slot[i].free_figures(parts.slot[i].figures);
	parts.slot[i].figures = NULL;
	parts.slot[i].free_figures = NULL;
	parts.slot[i].bytes = 0;
	parts.slot[i].used = 0;
	parts.slot[i].key[0] = '\0';
}

/*
 * The slot kept under key for now, holding figures (figures) or a body:
 * 1 with *at its index, 0 when there is none, -1 when the database
 * cannot be asked.  Empties every slot first when a record changed.
 */
static int
part_at(struct app *app, const char *key, time_t now, int figures,
    size_t *at)
{
	size_t i;
	int rc;

	if (app->db == NULL)
		return -1;
	if ((rc = db_records_changed(app->db, &parts.mark)) != 0)
		for (i = 0; i < APP_PARTS; i++)
			if (parts.slot[i].used != 0)
				part_drop(i);
	if (rc == -1)
		return -1;
	for (i = 0; i < APP_PARTS; i++) {
		if (parts.slot[i].used == 0 ||
		    strcmp(parts.slot[i].key, key) != 0 ||
		    (parts.slot[i].figures != NULL) != figures)
			continue;
		if (now >= parts.slot[i].until) {
			part_drop(i);
			return 0;
		}
		parts.slot[i].used = ++parts.clock;
		parts.found++;
		*at = i;
		return 1;
	}
	return 0;
}

/*
 * An empty slot for bytes more under key, until until: what was kept
 * under key goes, then the least recently used until there is room.
 * Its index, or APP_PARTS (nothing kept) when bytes is more than
 * APP_PARTS_BYTES, the key too long or the time past.
 */
static size_t
part_room(const char *key, time_t now, time_t until, size_t bytes)
{
	size_t i, k, e;

	if (bytes > APP_PARTS_BYTES || until <= now ||
	    strlen(key) >= APP_PART_KEY_LEN)
		return APP_PARTS;
	for (i = 0; i < APP_PARTS; i++)
		if (parts.slot[i].used != 0 &&
		    strcmp(parts.slot[i].key, key) == 0)
			part_drop(i);
	/* Room: an empty slot and the bytes, pushing out the least
	 * recently used until both are there. */
	for (;;) {
		e = k = APP_PARTS;
		for (i = 0; i < APP_PARTS; i++) {
			if (parts.slot[i].used == 0) {
				if (e == APP_PARTS)
					e = i;
			} else if (k == APP_PARTS ||
			    parts.slot[i].used < parts.slot[k].used)
				k = i;
		}
		if (e < APP_PARTS && parts.bytes + bytes <= APP_PARTS_BYTES)
			break;
		assert(k < APP_PARTS);	/* none used: none full, no bytes */
		part_drop(k);
	}
	snprintf(parts.slot[e].key, sizeof(parts.slot[e].key), "%s", key);
	parts.slot[e].until = until;
	parts.slot[e].used = ++parts.clock;
	parts.slot[e].bytes = bytes;
	parts.bytes += bytes;
	parts.kept++;
	return e;
}

int
app_part_find(struct app *app, const char *key, time_t now,
    const struct buf **part)
{
	size_t i;
	int rc;

	*part = NULL;
	if ((rc = part_at(app, key, now, 0, &i)) == 1)
		*part = &parts.slot[i].body;
	return rc;
}

int
app_part_keep(const char *key, time_t now, time_t until,
    const struct buf *part)
{
	size_t e;

	if ((e = part_room(key, now, until, part->len)) == APP_PARTS)
		return -1;
	buf_append(&parts.slot[e].body, part->data, part->len);
	return 0;
}

int
app_figures_find(struct app *app, const char *key, time_t now,
    const void **figures)
{
	size_t i;
	int rc;

	*figures = NULL;
	if ((rc = part_at(app, key, now, 1, &i)) == 1)
		*figures = parts.slot[i].figures;
	return rc;
}

int
app_figures_keep(const char *key, time_t now, time_t until,
    void *figures, size_t bytes, void (*free_figures)(void *))
{
	size_t e;

	assert(figures != NULL && free_figures != NULL);
	if ((e = part_room(key, now, until, bytes)) == APP_PARTS)
		return -1;
	parts.slot[e].figures = figures;
	parts.slot[e].free_figures = free_figures;
	return 0;
}

void
app_part_counts(uint64_t *found, uint64_t *kept)
{
	*found = parts.found;
	*kept = parts.kept;
}

/* The kept world (app_world): its zone and when it was built. */
static struct {
	struct db_mark		 mark;	/* the world epoch it was built at */
	struct core_world	*md;	/* NULL: none kept */
	char			 tz[128];
	time_t			 built;
} world;

int
app_world(struct app *app, time_t now, const struct core_world **out,
    char *err, size_t errlen)
{
	const char *tz = app_tz(app);
	struct core_world *md;
	int rc;

	*out = NULL;
	if (app->db == NULL) {
		snprintf(err, errlen, "no database");
		return -1;
	}
	/*
	 * The epoch is read before the records: a change committed while
	 * they are read moves it past the mark, and the next request
	 * builds the world again.
	 */
	rc = db_world_changed(app->db, &world.mark);
	if (rc == 0 && world.md != NULL && strcmp(world.tz, tz) == 0 &&
	    now >= world.built && now - world.built < APP_WORLD_SECONDS) {
		*out = world.md;
		return 0;
	}
	core_world_free(world.md);
	world.md = NULL;
	if (rc == -1) {
		snprintf(err, errlen, "the records could not be read");
		return -1;
	}
	if (core_world_load(app->db, tz, now, &md, err, errlen) == -1)
		return -1;
	/* A zone too long to keep is built again each time. */
	if (snprintf(world.tz, sizeof(world.tz), "%s", tz) >=
	    (int)sizeof(world.tz))
		world.tz[0] = '\0';
	world.md = md;
	world.built = now;
	*out = md;
	return 0;
}

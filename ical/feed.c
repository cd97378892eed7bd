/*
 * Calendar feeds: a therapist's or a partner site's sessions as one
 * iCalendar object (METHOD:PUBLISH) for calendar apps to subscribe to,
 * its ETag, and its rebuild when something in it changed.
 *
 * Privacy: a feed may be kept by a third-party calendar service, so a
 * therapist's feed names a client by initials and reference only (first
 * name and initial with TUTTI_FEED_FIRST_NAMES), and never says anything
 * about health, needs, or why a session was cancelled or moved; a
 * site's feed (a partner's) names the therapist taking each session, a
 * group by its name and a client by initials only, as the partner's own
 * page does: never a reference, a first name or anything else.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>
#include <sodium.h>

#include "db/feeds.h"
#include "ical/ical.h"
#include "ical/ical_int.h"
#include "util/buf.h"
#include "util/name.h"

/* Bump when the feed's bytes change for the same data: every stored
 * feed is then rebuilt on its next request. */
#define FEED_FORMAT	"tutti-feed-3"

_Static_assert(ICAL_FEED_ETAG_LEN == DB_FEED_ETAG_LEN,
    "ETags are stored in the feeds table");

/* How a therapist's feed names a client: "A.H." or "Amira H.". */
static void
client_name(struct buf *out, const struct db_feed_series *s,
    int first_names)
{
	size_t n0 = out->len;

	if (first_names && s->given_name[0] != '\0') {
		buf_puts(out, s->given_name);
		if (s->family_name[0] != '\0') {
			buf_putc(out, ' ');
			name_initials(out, s->family_name);
		}
		return;
	}
	name_initials(out, s->given_name);
	name_initials(out, s->family_name);
	if (out->len == n0)
		buf_puts(out, "client");
}

/* SUMMARY, DESCRIPTION and UID of a series in feed d. */
static void
words_of(const struct db_feed_data *d, const struct db_feed_series *s,
    const struct ical_feed_opts *o, struct buf *summary, struct buf *desc,
    struct buf *uid, struct ical_words *w)
{
	memset(w, 0, sizeof(*w));
	if (d->kind == FEED_SITE) {
		/* Who takes it, when and where, and for whom: a group's
		 * name or a client's initials, nothing else.  desc is
		 * empty here (a site's feed has no description). */
		buf_puts(summary, s->is_group ? "Music therapy group with " :
		    "Music therapy with ");
		buf_puts(summary, s->therapist);
		if (s->is_group)
			buf_puts(desc, s->group);
		else {
			name_initials(desc, s->given_name);
			name_initials(desc, s->family_name);
		}
		if (desc->len > 0) {
			buf_puts(summary, ": ");
			buf_append(summary, desc->data, desc->len);
			buf_reset(desc);
		}
		buf_puts(uid, "site-");
		buf_puts(uid, s->uid);
	} else {
		if (s->is_group) {
			buf_puts(summary, "Music therapy group: ");
			buf_puts(summary, s->group);
		} else {
			buf_puts(summary, "Music therapy: ");
			client_name(summary, s, o->first_names);
			if (s->client_ref[0] != '\0') {
				buf_puts(summary, " (");
				buf_puts(summary, s->client_ref);
				buf_putc(summary, ')');
				buf_puts(desc, "Client reference: ");
				buf_puts(desc, s->client_ref);
			}
		}
		if (o->base_url != NULL && *o->base_url != '\0') {
			if (desc->len > 0)
				buf_putc(desc, '\n');
			/* A page the therapist may open: the client's
			 * record, or their own week for a group. */
			if (s->referral_id > 0)
				buf_printf(desc, "Client record (staff "
				    "sign-in): %s/clients/%lld", o->base_url,
				    (long long)s->referral_id);
			else
				buf_printf(desc, "Your week (staff sign-in): "
				    "%s/me", o->base_url);
		}
		buf_puts(uid, s->uid);
		w->private_class = 1;
	}
	w->summary = buf_cstr(summary);
	w->description = desc->len > 0 ? buf_cstr(desc) : NULL;
	w->uid = buf_cstr(uid);
}

/* Adds an X- property holding text (libical escapes it). */
static void
add_x(icalcomponent *cal, const char *name, const char *text)
{
	struct buf b = BUF_INIT;
	icalproperty *p;

	ical_text_clean(&b, text, strlen(text));
	p = icalproperty_new_x(buf_cstr(&b));
	icalproperty_set_x_name(p, name);
	icalcomponent_add_property(cal, p);
	buf_free(&b);
}

int
ical_feed_build(const struct db_feed_data *d, const struct ical_feed_opts *o,
    struct buf *out, char *err, size_t errlen)
{
	struct buf summary = BUF_INIT, desc = BUF_INIT, uid = BUF_INIT;
	struct buf name = BUF_INIT;
	const struct db_feed_series *s;
	struct ical_words w;
	icalcomponent *cal, *ev;
	char ttl[16];
	int refresh = o->refresh_min > 0 ? o->refresh_min : 60;
	size_t i, j;

	cal = ical_calendar_new(ICAL_METHOD_PUBLISH);
	buf_puts(&name, "Tutti: ");
	buf_puts(&name, d->owner_name);
	add_x(cal, "X-WR-CALNAME", buf_cstr(&name));
	buf_reset(&name);
	ical_text_clean(&name, d->owner_name, strlen(d->owner_name));
	buf_puts(&summary, "Tutti: ");
	buf_append(&summary, name.data, name.len);
	icalcomponent_add_property(cal, icalproperty_new_name(
	    buf_cstr(&summary)));
	buf_reset(&summary);
	add_x(cal, "X-WR-TIMEZONE", o->calendar_tz != NULL &&
	    *o->calendar_tz != '\0' ? o->calendar_tz : "Europe/London");
	icalcomponent_add_property(cal, icalproperty_new_refreshinterval(
	    icaldurationtype_from_int(refresh * 60)));
	snprintf(ttl, sizeof(ttl), "PT%dM", refresh);
	if (refresh % 60 == 0)
		snprintf(ttl, sizeof(ttl), "PT%dH", refresh / 60);
	add_x(cal, "X-PUBLISHED-TTL", ttl);
	(void)ical_timezones_add(cal, d->series, d->nseries, err, errlen);
	for (i = 0; i < d->nseries; i++) {
		s = &d->series[i];
		buf_reset(&summary);
		buf_reset(&desc);
		buf_reset(&uid);
		words_of(d, s, o, &summary, &desc, &uid, &w);
		ev = ical_event_master(s, &w, 1, ICAL_STATUS_OF_SERIES, err,
		    errlen);
		if (ev == NULL) {
			/* Booking checks zones and dates: never expected. */
			fprintf(stderr, "ical: series %lld left out of the "
			    "feed: %s\n", (long long)s->id, err);
			continue;
		}
		icalcomponent_add_component(cal, ev);
		for (j = 0; j < s->nexceptions; j++) {
			if (!s->exceptions[j].moved ||
			    !ical_exception_in_range(s, &s->exceptions[j]))
				continue;
			if ((ev = ical_event_exception(s, &s->exceptions[j],
			    &w, 0, err, errlen)) == NULL) {
				fprintf(stderr, "ical: a session of series "
				    "%lld left out of the feed: %s\n",
				    (long long)s->id, err);
				continue;
			}
			icalcomponent_add_component(cal, ev);
		}
	}
	buf_free(&summary);
	buf_free(&desc);
	buf_free(&uid);
	buf_free(&name);
	return ical_calendar_write(cal, out, err, errlen);
}

static void
hex(char *out, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void
ical_feed_opts_tag(const struct ical_feed_opts *o, char out[ICAL_FEED_TAG_LEN])
{
	crypto_generichash_state st;
	unsigned char h[4];
	char n[32];

	(void)crypto_generichash_init(&st, NULL, 0, sizeof(h));
	(void)crypto_generichash_update(&st, (const unsigned char *)
	    FEED_FORMAT, sizeof(FEED_FORMAT));
	snprintf(n, sizeof(n), "%d:%d", o->first_names != 0,
	    o->refresh_min);
	(void)crypto_generichash_update(&st, (const unsigned char *)n,
	    strlen(n) + 1);
	if (o->base_url != NULL)
		(void)crypto_generichash_update(&st,
		    (const unsigned char *)o->base_url, strlen(o->base_url));
	(void)crypto_generichash_update(&st, (const unsigned char *)"", 1);
	if (o->calendar_tz != NULL)
		(void)crypto_generichash_update(&st,
		    (const unsigned char *)o->calendar_tz,
		    strlen(o->calendar_tz));
	(void)crypto_generichash_final(&st, h, sizeof(h));
	hex(out, h, sizeof(h));
}

void
ical_feed_etag(const char tag[ICAL_FEED_TAG_LEN], const void *body,
    size_t len, char out[ICAL_FEED_ETAG_LEN])
{
	unsigned char h[16];
	char x[2 * sizeof(h) + 1];

	(void)crypto_generichash(h, sizeof(h), body, len, NULL, 0);
	hex(x, h, sizeof(h));
	snprintf(out, ICAL_FEED_ETAG_LEN, "\"%s-%s\"", tag, x);
}

int
ical_feed_fresh(const struct db_feed *f, const char tag[ICAL_FEED_TAG_LEN],
    time_t now)
{
	size_t n = strlen(tag);

	return !f->stale && f->built_at > 0 &&
	    now - (time_t)f->built_at < ICAL_FEED_MAX_AGE &&
	    now >= (time_t)f->built_at &&
	    f->etag[0] == '"' && strncmp(f->etag + 1, tag, n) == 0 &&
	    f->etag[n + 1] == '-';
}

int
ical_feed_refresh(struct db *db, const struct db_feed *f,
    const struct ical_feed_opts *o, time_t now, struct buf *body,
    char etag[ICAL_FEED_ETAG_LEN])
{
	struct db_feed_data *d = NULL;
	char tag[ICAL_FEED_TAG_LEN], err[256];
	int rc;

	buf_reset(body);
	etag[0] = '\0';
	if (db_feed_read_begin(db) == -1)
		return -1;
	if ((rc = db_feed_data_load(db, f->kind, f->owner_id, (int64_t)now,
	    &d)) != 1) {
		db_feed_read_end(db);
		return rc == 0 ? 1 : -1;
	}
	if (ical_feed_build(d, o, body, err, sizeof(err)) == -1) {
		fprintf(stderr, "ical: feed %lld: %s\n", (long long)f->id, err);
		db_feed_read_end(db);
		db_feed_data_free(d);
		buf_reset(body);
		return -1;
	}
	db_feed_data_free(d);
	ical_feed_opts_tag(o, tag);
	ical_feed_etag(tag, body->data, body->len, etag);
	/* 1 (not stored: changed meanwhile) still answers with body. */
	rc = db_feed_store_commit(db, f->id, body->data, body->len, etag,
	    (int64_t)now);
	return rc == -1 ? -1 : 0;
}

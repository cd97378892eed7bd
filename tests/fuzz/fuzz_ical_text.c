/*
 * libFuzzer target for the text that goes into calendar feeds:
 * ical_text_clean (ours) and libical's escaping and folding behind
 * ical_feed_build.
 *
 * The input is split at 0xFF bytes into up to six texts: a therapist's
 * name, a client's given and family names, a site, its address and a
 * room.  Beyond "no crash":
 *   - ical_text_clean's output is valid UTF-8 with no control character
 *     but LF, at most ICAL_TEXT_MAX bytes, and cleaning it again changes
 *     nothing;
 *   - the feed built from those texts has only lines of at most 75
 *     octets, each valid UTF-8 on its own (no character split by a
 *     fold), ending in CRLF;
 *   - libical reads back the exact (cleaned) texts: the LOCATION, the
 *     SUMMARY of the site's feed (its therapist and the client's
 *     initials), and X-WR-CALNAME.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "db/feeds.h"
#include "ical/ical.h"
#include "util/buf.h"
#include "util/name.h"

#define PARTS	6

/* Says which promise was broken, then crashes for libFuzzer. */
#define FAIL(what) do { \
	fprintf(stderr, "fuzz_ical_text: %s (line %d)\n", what, __LINE__); \
	abort(); \
} while (0)

/* 1 when s (n bytes) is well-formed UTF-8 without controls but LF. */
static int
clean_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			if ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			cp = s[i] & 0x1f;
			need = 1;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			cp = s[i] & 0x0f;
			need = 2;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			cp = s[i] & 0x07;
			need = 3;
			min = 0x10000;
		} else
			return 0;
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 &&
		    cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Every line at most 75 octets, valid on its own, ending in CRLF. */
static void
check_lines(const char *text)
{
	const char *p = text, *e;

	while (*p != '\0') {
		e = strstr(p, "\r\n");
		if (e == NULL || e - p > 75)
			FAIL("a line without CRLF or longer than 75 octets");
		/* Folded lines start with a space; controls are escaped. */
		if (!clean_utf8((const unsigned char *)p, (size_t)(e - p)) ||
		    memchr(p, '\n', (size_t)(e - p)) != NULL)
			FAIL("a line that is not clean UTF-8 alone");
		p = e + 2;
	}
}

#define same(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ == NULL || strcmp(g_, w_) != 0) { \
		fprintf(stderr, "got  \"%s\"\nwant \"%s\"\n", \
		    g_ ? g_ : "(null)", w_); \
		FAIL("read back differs"); \
	} \
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf part[PARTS], out = BUF_INIT, again = BUF_INIT;
	struct buf want = BUF_INIT;
	struct db_feed_exception x;
	struct db_feed_series s;
	struct db_feed_data d;
	struct ical_feed_opts o = { "https://tutti.example", "Europe/London",
	    1, 60 };
	const uint8_t *p = data, *end = data + size, *cut;
	icalcomponent *cal, *ev;
	icalproperty *xp;
	const char *v;
	char err[256];
	size_t i;

	for (i = 0; i < PARTS; i++) {
		buf_init(&part[i]);
		cut = p < end ? memchr(p, 0xff, (size_t)(end - p)) : NULL;
		if (cut == NULL)
			cut = end;
		/* Database text ends at a NUL: so does ours. */
		buf_append(&part[i], p, (size_t)(cut - p));
		buf_putc(&part[i], 0);
		part[i].len = strlen(part[i].data);
		p = cut < end ? cut + 1 : end;
	}

	/* ical_text_clean on the raw bytes. */
	ical_text_clean(&out, (const char *)data, size);
	if (out.len > ICAL_TEXT_MAX || !clean_utf8((const unsigned char *)
	    buf_cstr(&out), out.len))
		FAIL("cleaned text too long or not clean");
	ical_text_clean(&again, buf_cstr(&out), out.len);
	if (again.len != out.len || memcmp(buf_cstr(&again), buf_cstr(&out),
	    out.len) != 0)
		FAIL("cleaning twice changes the text");

	/* A feed of one series with a moved session, from those texts. */
	memset(&s, 0, sizeof(s));
	memset(&x, 0, sizeof(x));
	memset(&d, 0, sizeof(d));
	s.id = 1;
	s.uid = "fuzz@tutti.example";
	s.therapist = part[0].data;
	s.given_name = part[1].data;
	s.family_name = part[2].data;
	s.client_ref = "ABCD-EFGH";
	s.group = "";
	s.site = part[3].data;
	s.site_address = part[4].data;
	s.room = part[5].data;
	s.tz = "Europe/London";
	strcpy(s.first_date, "2027-03-22");
	strcpy(s.start_local, "10:00");
	s.length_min = 45;
	s.count = 4;
	strcpy(s.status, "active");
	strcpy(s.created_at, "2026-01-01T00:00:00Z");
	strcpy(s.updated_at, "2026-01-02T00:00:00Z");
	strcpy(x.date, "2027-03-29");
	x.moved = 1;
	x.new_start_utc = 1806310800;	/* 2027-03-30 09:00Z */
	x.new_length_min = 45;
	x.room = part[5].data;
	x.sequence = 1;
	strcpy(x.created_at, "2026-01-02T00:00:00Z");
	s.exceptions = &x;
	s.nexceptions = 1;
	d.owner_name = part[0].data;
	d.series = &s;
	d.nseries = 1;

	for (d.kind = FEED_THERAPIST; d.kind <= FEED_SITE; d.kind++) {
		buf_reset(&out);
		if (ical_feed_build(&d, &o, &out, err, sizeof(err)) == -1)
			FAIL(err);
		check_lines(buf_cstr(&out));
		if ((cal = icalparser_parse_string(buf_cstr(&out))) == NULL)
			FAIL("libical cannot read the feed");
		ev = icalcomponent_get_first_component(cal,
		    ICAL_VEVENT_COMPONENT);
		if (ev == NULL)
			FAIL("no VEVENT");
		/* LOCATION: "room, site, address" (those not empty),
		 * cleaned; none when that is empty. */
		buf_reset(&want);
		for (i = 0; i < 3; i++) {
			const struct buf *b = &part[i == 0 ? 5 : i + 2];

			if (b->len == 0)
				continue;
			if (want.len > 0)
				buf_puts(&want, ", ");
			buf_append(&want, b->data, b->len);
		}
		buf_reset(&again);
		ical_text_clean(&again, buf_cstr(&want), want.len);
		if (again.len > 0)
			same(icalcomponent_get_location(ev), buf_cstr(&again));
		else if (icalcomponent_get_first_property(ev,
		    ICAL_LOCATION_PROPERTY) != NULL)
			FAIL("an empty LOCATION");
		if (d.kind == FEED_SITE) {
			/* "Music therapy with THERAPIST: A.H.", the
			 * client's initials only (none: no colon). */
			buf_reset(&again);
			name_initials(&again, part[1].data);
			name_initials(&again, part[2].data);
			buf_reset(&want);
			buf_puts(&want, "Music therapy with ");
			buf_puts(&want, part[0].data);
			if (again.len > 0) {
				buf_puts(&want, ": ");
				buf_append(&want, again.data, again.len);
			}
			buf_reset(&again);
			ical_text_clean(&again, want.data, want.len);
			same(icalcomponent_get_summary(ev), buf_cstr(&again));
		}
		buf_reset(&want);
		buf_puts(&want, "Tutti: ");
		buf_puts(&want, part[0].data);
		buf_reset(&again);
		ical_text_clean(&again, want.data, want.len);
		v = NULL;
		for (xp = icalcomponent_get_first_property(cal,
		    ICAL_X_PROPERTY); xp != NULL;
		    xp = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY))
			if (strcmp(icalproperty_get_x_name(xp),
			    "X-WR-CALNAME") == 0)
				v = icalproperty_get_x(xp);
		same(v, buf_cstr(&again));
		icalcomponent_free(cal);
	}

	for (i = 0; i < PARTS; i++)
		buf_free(&part[i]);
	buf_free(&out);
	buf_free(&again);
	buf_free(&want);
	return 0;
}

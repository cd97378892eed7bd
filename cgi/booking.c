#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cgi/booking.h"
#include "util/buf.h"

struct occ_list {
	struct db_occ	*v;
	size_t		 n;
	size_t		 cap;
	const char	*tz;
	int		 bad;	/* a session crosses midnight */
};

static int
occ_add(void *arg, const char *date, time_t start, time_t end)
{
	struct occ_list *l = arg;
	struct db_occ *o;
	char hhmm[6];
	int h = 0, m = 0;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->date, sizeof(o->date), "%s", date);
	o->start_utc = start;
	o->end_utc = end;
	(void)ical_utc_to_local(l->tz, start, NULL, hhmm, &o->weekday);
	(void)sscanf(hhmm, "%d:%d", &h, &m);
	o->start_min = h * 60 + m;
	(void)ical_utc_to_local(l->tz, end, NULL, hhmm, NULL);
	(void)sscanf(hhmm, "%d:%d", &h, &m);
	o->end_min = h * 60 + m;
	/* Ending at midnight is fine; crossing it is not. */
	if (o->end_min == 0 && end - start <= 24 * 3600)
		o->end_min = 24 * 60;
	if (o->end_min <= o->start_min)
		l->bad = 1;
	return 0;
}

int
booking_occurrences(const char *tz, const struct ical_series_rule *rule,
    time_t horizon, struct db_occ **out, size_t *n)
{
	struct occ_list l;
	char err[128];

	memset(&l, 0, sizeof(l));
	l.tz = tz;
	*out = NULL;
	*n = 0;
	if (ical_series_expand(rule, 0, horizon, occ_add, &l, err,
	    sizeof(err)) == -1) {
		free(l.v);
		return -1;
	}
	if (l.bad) {
		free(l.v);
		return 1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int
booking_occ_at(const char *tz, const char *date, const char *hhmm,
    int length_min, struct db_occ *o)
{
	struct occ_list l;
	time_t t;
	int rc;

	memset(&l, 0, sizeof(l));
	l.tz = tz;
	if (ical_local_to_utc(tz, date, hhmm, &t) == -1)
		return -1;
	(void)occ_add(&l, date, t, t + (time_t)length_min * 60);
	rc = l.bad ? -1 : 0;
	*o = l.v[0];
	free(l.v);
	return rc;
}

void
booking_uid(const char *domain, char *out, size_t n)
{
	unsigned char r[16];
	char hex[33];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, n, "%s@%s", hex, domain);
}

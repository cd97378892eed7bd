/*
 * offer: filling a freed place from the waiting list.  See offer.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/assign.h"
#include "core/booking.h"
#include "core/core.h"
#include "core/offer.h"
#include "core/rules.h"
#include "core/world.h"
#include "db/db.h"
#include "db/offers.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "db/schedule.h"
#include "ical/ical.h"
#include "sched/sched.h"
#include "sched/slots.h"

#define DAY_S		86400
#define AUTO_SINCE_DAYS	14	/* auto_offers: places freed this lately */
#define AUTO_PLACES_MAX	20	/* ... at most this many a turn */
#define CORE_CASELOAD_LOOK_AT 300	/* the longest waiting people a
					   new caseload place is fitted to */

/* Writes s into why (when there is room); returns r. */
static enum db_result
say(enum db_result r, char *why, size_t whylen, const char *s)
{
	if (why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", s);
	return r;
}

/* The plain words for a storage failure; returns r. */
static enum db_result
say_failed(enum db_result r, char *why, size_t whylen)
{
	return say(r, why, whylen, r == DB_BUSY ? "We are busy just now. "
	    "Please try again in a minute." : "This could not be saved just "
	    "now. Please try again later, or contact the office.");
}

/* t as ISO 8601 UTC. */
static void
iso_time(time_t t, char out[21])
{
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Days since the epoch of "YYYY-MM-DD", or -1. */
static long
day_number(const char *date)
{
	struct tm tm;
	int y, m, d;

	if (date == NULL || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	return (long)(timegm(&tm) / DAY_S);
}

int
core_offer_first_date(const char *from, int weekday, char out[11])
{
	long day = day_number(from), wd;
	time_t t;
	struct tm tm;

	if (day < 0 || weekday < 0 || weekday > 6)
		return -1;
	/* Day 0 (1 January 1970) was a Thursday: weekday 3. */
	wd = (day + 3) % 7;
	day += (weekday - wd + 7) % 7;
	t = (time_t)day * DAY_S + DAY_S / 2;
	(void)gmtime_r(&t, &tm);
	(void)strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

/* ---- ranking ---- */

/* The districts a site serves, gathered for its sched_site. */
struct serves {
	char		 d[16][SCHED_DISTRICT_LEN];
	const char	*p[16];
	size_t		 n;
};

static void
on_serves(void *arg, int64_t site_id, const char *district)
{
	struct serves *s = arg;

	(void)site_id;
	if (s->n < sizeof(s->d) / sizeof(s->d[0]) &&
	    strlen(district) < SCHED_DISTRICT_LEN) {
		(void)snprintf(s->d[s->n], SCHED_DISTRICT_LEN, "%s", district);
		s->p[s->n] = s->d[s->n];
		s->n++;
	}
}

static int
pick_cmp(const void *a, const void *b)
{
	const struct core_offer_pick *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->waiting_days != y->waiting_days)
		return x->waiting_days > y->waiting_days ? -1 : 1;
	return x->referral_id < y->referral_id ? -1 :
	    x->referral_id > y->referral_id;
}

/*
 * The world of place p alone: its therapist free at exactly its weekly
 * time at its site, the site open then, its room free.  NULL when the
 * therapist, site or room is no longer active (nobody fits), or on
 * error (*failed set).
 */
static struct sched_world *
place_world(struct db *db, const struct core_world *cw,
    const struct db_place *p, struct sched_options *o, int *failed)
{
	const struct core_therapist *ct;
	const struct core_site *cs;
	const struct core_room *cr = NULL;
	struct sched_site_range av;
	struct sched_therapist th;
	struct sched_site site;
	struct sched_room room;
	struct sched_input in;
	struct serves sv;
	char err[256];
	int hh, mm, s0, e0;
	struct sched_world *w;

	*failed = 0;
	ct = core_world_therapist(cw, p->therapist_id);
	cs = core_world_site(cw, p->site_id);
	if (p->room_id > 0)
		cr = core_world_room(cw, p->room_id);
	if (ct == NULL || cs == NULL || (p->room_id > 0 && cr == NULL) ||
	    sscanf(p->start_local, "%d:%d", &hh, &mm) != 2)
		return NULL;
	/* Whole quarters around the place's time: the one start fits. */
	s0 = (hh * 60 + mm) / SCHED_STEP_MIN * SCHED_STEP_MIN;
	e0 = (hh * 60 + mm + p->length_min + SCHED_STEP_MIN - 1) /
	    SCHED_STEP_MIN * SCHED_STEP_MIN;
	if (e0 > 1440 || e0 - s0 > SCHED_SESSION_LONGEST)
		return NULL;
	memset(o, 0, sizeof(*o));
	o->length_min = e0 - s0;
	o->max_matches = 1;
	o->per_therapist = 1;
	o->max_exclusions = 1;
	memset(&av, 0, sizeof(av));
	av.site_id = p->site_id;
	av.range.day = p->weekday;
	av.range.start_min = s0;
	av.range.end_min = e0;
	memset(&th, 0, sizeof(th));
	th.id = p->therapist_id;
	th.active = 1;
	th.specialisms = ct->specialisms;
	th.max_caseload = ct->max_caseload > 0 ? ct->max_caseload : 1;
	/* The place is free: at least one of their places is. */
	th.caseload = ct->caseload < th.max_caseload ? ct->caseload :
	    th.max_caseload - 1;
	th.availability = &av;
	th.navailability = 1;
	memset(&sv, 0, sizeof(sv));
	if (db_site_districts_each(db, p->site_id, on_serves, &sv) == -1) {
		*failed = 1;
		return NULL;
	}
	memset(&site, 0, sizeof(site));
	site.id = p->site_id;
	site.online = cs->online;
	site.step_free = cs->step_free;
	site.district = cs->district;
	site.serves = sv.p;
	site.nserves = sv.n;
	site.open = &av.range;
	site.nopen = 1;
	memset(&in, 0, sizeof(in));
	in.therapists = &th;
	in.ntherapists = 1;
	in.sites = &site;
	in.nsites = 1;
	if (cr != NULL) {
		memset(&room, 0, sizeof(room));
		room.id = cr->id;
		room.site_id = cr->site_id;
		room.capacity = cr->capacity;
		room.accessible = cr->accessible;
		room.piano = cr->piano;
		in.rooms = &room;
		in.nrooms = 1;
	}
	if ((w = sched_world_new(&in, err, sizeof(err))) == NULL) {
		fprintf(stderr, "offer: place %lld: %s\n", (long long)p->id,
		    err);
		*failed = 1;
	}
	return w;
}

int
core_place_rank(const struct core_ctx *ctx, const struct db_place *p,
    struct core_offer_pick **out, size_t *n)
{
	struct core_world *cw = NULL;
	struct sched_world *w = NULL;
	struct core_referral *refs = NULL;
	struct core_offer_pick *v = NULL;
	struct sched_options o;
	struct sched_result res;
	size_t nrefs = 0, i, k = 0;
	char err[256];
	int failed = 0, rc = -1;

	*out = NULL;
	*n = 0;
	if (core_world_load(ctx->db, core_tz(ctx), core_now(ctx), &cw, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "offer: rank: %s\n", err);
		return -1;
	}
	if ((w = place_world(ctx->db, cw, p, &o, &failed)) == NULL) {
		rc = failed ? -1 : 0;
		goto out;
	}
	if (core_referrals_load(ctx->db, 0, ST_WAITLISTED, core_now(ctx),
	    &refs, &nrefs) == -1)
		goto out;
	v = calloc(nrefs + 1, sizeof(*v));
	if (v == NULL)
		goto out;
	for (i = 0; i < nrefs; i++) {
		/* A place is one person's: not for those who want a group. */
		if (refs[i].r.session_type == SCHED_GROUP)
			continue;
		if (sched_match(w, &refs[i].r, &o, &res) == -1)
			goto out;
		if (res.nmatches > 0) {
			v[k].referral_id = refs[i].r.id;
			v[k].score = res.matches[0].score.total;
			v[k].waiting_days = refs[i].r.waiting_days;
			(void)snprintf(v[k].ref, sizeof(v[k].ref), "%s",
			    refs[i].ref);
			(void)snprintf(v[k].name, sizeof(v[k].name), "%s",
			    refs[i].name);
			(void)snprintf(v[k].reasons, sizeof(v[k].reasons),
			    "%s", res.matches[0].reasons);
			k++;
		}
		sched_result_free(&res);
	}
	qsort(v, k, sizeof(*v), pick_cmp);
	*out = v;
	*n = k < CORE_OFFER_RANKED_MAX ? k : CORE_OFFER_RANKED_MAX;
	v = NULL;
	rc = 0;
out:
	free(v);
	core_referrals_free(refs, nrefs);
	sched_world_free(w);
	core_world_free(cw);
	return rc;
}

/* ---- places ---- */

int
core_offers_live(const struct core_ctx *ctx)
{
	long n = db_setting_int(ctx->db, "offers_live", CORE_OFFERS_LIVE);

	return n < 1 || n > CORE_OFFERS_LIVE_MAX ? CORE_OFFERS_LIVE : (int)n;
}

/* How offers go out now, by ctx: into s (its strings in now, expires). */
static void
send_setup(const struct core_ctx *ctx, struct db_offer_send *s,
    char now[21], char expires[21])
{
	long hours = db_setting_int(ctx->db, "offer_hours", CORE_OFFER_HOURS);
	time_t t = core_now(ctx);

	if (hours < 1)
		hours = CORE_OFFER_HOURS;
	iso_time(t, now);
	iso_time(t + (time_t)hours * 3600, expires);
	memset(s, 0, sizeof(*s));
	s->live = core_offers_live(ctx);
	s->now = now;
	s->expires = expires;
	s->user_id = ctx->user_id;
	s->addr = core_addr(ctx);
	s->msgid_domain = core_domain(ctx);
}

enum db_result
core_place_send(const struct core_ctx *ctx, int64_t place_id, int *sent,
    char *why, size_t whylen)
{
	struct db_offer_send s;
	char now[21], expires[21];
	enum db_result r;

	send_setup(ctx, &s, now, expires);
	r = db_place_send(ctx->db, place_id, &s, sent);
	if (r == DB_OK)
		return say(DB_OK, why, whylen, "");
	if (r == DB_INVALID)
		return say(r, why, whylen, "This place is no longer open, so "
		    "no offers were sent.");
	return say_failed(r, why, whylen);
}

enum db_result
core_place_of_series(const struct core_ctx *ctx, const struct db_series *s,
    struct db_place *p, char *why, size_t whylen)
{
	char today[11], from[11];
	time_t t;
	int wd;

	memset(p, 0, sizeof(*p));
	if (s->group_id > 0 || s->client_id <= 0)
		return say(DB_INVALID, why, whylen, "A group's place is filled "
		    "by adding members to the group.");
	if (ical_local_to_utc(s->tz, s->first_date, s->start_local, &t) != 0 ||
	    ical_utc_to_local(s->tz, t, NULL, NULL, &wd) != 0 ||
	    ical_utc_to_local(core_tz(ctx), core_now(ctx) + DAY_S, today,
	    NULL, NULL) != 0)
		return say(DB_INVALID, why, whylen, "This series' weekly time "
		    "cannot be read.");
	(void)snprintf(from, sizeof(from), "%s", s->ended_from[0] != '\0' &&
	    strcmp(s->ended_from, today) > 0 ? s->ended_from : today);
	p->therapist_id = s->therapist_id;
	p->site_id = s->site_id;
	p->room_id = s->room_id;
	p->weekday = wd;
	(void)snprintf(p->start_local, sizeof(p->start_local), "%s",
	    s->start_local);
	p->length_min = s->length_min;
	p->from_series_id = s->id;
	if (core_offer_first_date(from, wd, p->first_date) == -1)
		return say(DB_INVALID, why, whylen, "This series' dates cannot "
		    "be read.");
	return say(DB_OK, why, whylen, "");
}

/*
 * Stores place p with its waiting people ranked, by ctx's user; with
 * auto_offers on the first offers go at once.  As
 * core_place_from_series.
 */
static enum db_result
place_make(const struct core_ctx *ctx, const struct db_place *p,
    int64_t *place_id, char *why, size_t whylen)
{
	struct core_offer_pick *picks = NULL;
	struct db_offer_rank *ranks = NULL;
	size_t n = 0, i;
	int sent;
	enum db_result r;

	if (core_place_rank(ctx, p, &picks, &n) == -1)
		return say_failed(DB_ERROR, why, whylen);
	ranks = calloc(n + 1, sizeof(*ranks));
	if (ranks == NULL) {
		free(picks);
		return say_failed(DB_ERROR, why, whylen);
	}
	for (i = 0; i < n; i++) {
		ranks[i].referral_id = picks[i].referral_id;
		ranks[i].score = picks[i].score;
	}
	r = db_place_create(ctx->db, p, ranks, n, ctx->user_id,
	    core_addr(ctx), place_id);
	free(ranks);
	free(picks);
	if (r == DB_DUPLICATE)
		return say(r, why, whylen, "");
	if (r != DB_OK)
		return say_failed(r, why, whylen);
	if (db_setting_int(ctx->db, "auto_offers", 0) != 0)
		(void)core_place_send(ctx, *place_id, &sent, NULL, 0);
	return say(DB_OK, why, whylen, "");
}

enum db_result
core_place_from_series(const struct core_ctx *ctx, int64_t series_id,
    int64_t *place_id, char *why, size_t whylen)
{
	struct db_series s;
	struct db_place p;
	int64_t left;
	int rc;
	enum db_result r;

	*place_id = 0;
	if ((rc = db_series_get(ctx->db, series_id, &s)) == -1)
		return say_failed(DB_ERROR, why, whylen);
	if (rc == 0)
		return say(DB_INVALID, why, whylen, "There is no such series.");
	if (s.group_id > 0 || s.client_id <= 0)
		return say(DB_INVALID, why, whylen, "A group's place is filled "
		    "by adding members to the group.");
	/* Active with every session to come cancelled (the client
	 * stopped) frees it as ending does. */
	if (strcmp(s.status, "active") == 0 && (left = db_series_left(ctx->db,
	    series_id, (int64_t)core_now(ctx))) != 0) {
		if (left == -1)
			return say_failed(DB_ERROR, why, whylen);
		return say(DB_INVALID, why, whylen, "This series has not ended, "
		    "so its place is not free yet. End the series first.");
	}
	if ((r = core_place_of_series(ctx, &s, &p, why, whylen)) != DB_OK)
		return r;
	return place_make(ctx, &p, place_id, why, whylen);
}

/* The series ids a referral freed, gathered. */
struct freed {
	int64_t	 ids[16];
	size_t	 n;
};

static void
on_referral_freed(void *arg, int64_t series_id)
{
	struct freed *f = arg;

	if (f->n < sizeof(f->ids) / sizeof(f->ids[0]))
		f->ids[f->n++] = series_id;
}

int
core_places_freed_by(const struct core_ctx *ctx, int64_t referral_id)
{
	struct freed f;
	char since[11], why[CORE_WHY_LEN];
	int64_t place;
	size_t i;
	int made = 0;
	enum db_result r;

	memset(&f, 0, sizeof(f));
	if (ical_utc_to_local(core_tz(ctx), core_now(ctx) -
	    (time_t)AUTO_SINCE_DAYS * DAY_S, since, NULL, NULL) != 0 ||
	    db_referral_freed_each(ctx->db, referral_id, since,
	    (int64_t)core_now(ctx), on_referral_freed, &f) == -1)
		return -1;
	for (i = 0; i < f.n; i++) {
		r = core_place_from_series(ctx, f.ids[i], &place, why,
		    sizeof(why));
		if (r == DB_OK)
			made++;
		else if (r != DB_DUPLICATE && r != DB_INVALID) {
			fprintf(stderr, "offer: series %lld: %s\n",
			    (long long)f.ids[i], why);
			return -1;
		}
	}
	return made;
}

/* ---- a caseload that opens ---- */

/* The therapist's open places, as weekly times to keep clear. */
struct open_places {
	struct sched_range	 v[CORE_OFFER_RANKED_MAX];
	size_t			 n;
};

/* db_places_each's callback: keeps an open place's weekly time. */
static void
on_open_place(void *arg, const struct db_place *p)
{
	struct open_places *o = arg;
	int hh, mm;

	if (o->n < sizeof(o->v) / sizeof(o->v[0]) &&
	    sscanf(p->start_local, "%d:%d", &hh, &mm) == 2) {
		o->v[o->n].day = p->weekday;
		o->v[o->n].start_min = hh * 60 + mm;
		o->v[o->n].end_min = hh * 60 + mm + p->length_min;
		o->n++;
	}
}

/*
 * The best free weekly times of therapist_id in world cw for up to max
 * new places, by sched_slots_best over the people waiting longest.
 * How many into out, or -1.
 */
static int
caseload_slots(const struct core_ctx *ctx, const struct core_world *cw,
    int64_t therapist_id, struct sched_slot *out, size_t max)
{
	struct core_referral *refs = NULL;
	struct sched_referral *v = NULL;
	struct open_places open;
	size_t nrefs = 0, i, k = 0;
	int rc = -1;

	memset(&open, 0, sizeof(open));
	if (db_places_each(ctx->db, therapist_id, "open",
	    CORE_OFFER_RANKED_MAX, on_open_place, &open) == -1 ||
	    core_referrals_first(ctx->db, ST_WAITLISTED,
	    CORE_CASELOAD_LOOK_AT, core_now(ctx), &refs, &nrefs) == -1)
		return -1;
	if ((v = calloc(nrefs + 1, sizeof(*v))) == NULL)
		goto out;
	/* A place is one person's: not for those who want a group. */
	for (i = 0; i < nrefs; i++)
		if (refs[i].r.session_type != SCHED_GROUP)
			v[k++] = refs[i].r;
	rc = sched_slots_best(cw->world, therapist_id, v, k, NULL, open.v,
	    open.n, out, max);
out:
	free(v);
	core_referrals_free(refs, nrefs);
	return rc;
}

int
core_places_caseload(const struct core_ctx *ctx, int64_t therapist_id,
    int was_max_caseload, int was_max_hours, struct core_caseload *out)
{
	struct core_world *cw = NULL;
	const struct core_therapist *ct;
	struct sched_slot slots[CORE_CASELOAD_PLACES_MAX];
	struct db_place p;
	char err[256], tomorrow[11], why[CORE_WHY_LEN];
	int before, after, n, i, rc = -1;
	enum db_result r;

	memset(out, 0, sizeof(*out));
	if (core_world_load(ctx->db, core_tz(ctx), core_now(ctx), &cw, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "offer: caseload: %s\n", err);
		return -1;
	}
	/* Inactive, or still full: nothing opened. */
	if ((ct = core_world_therapist(cw, therapist_id)) == NULL) {
		rc = 0;
		goto out;
	}
	before = core_rule_places_free(ct->caseload, was_max_caseload,
	    ct->booked_min_week, was_max_hours, SCHED_LENGTH_MIN);
	after = core_rule_places_free(ct->caseload, ct->max_caseload,
	    ct->booked_min_week, ct->max_hours, SCHED_LENGTH_MIN);
	out->opened = after > before ? after - before : 0;
	if (out->opened == 0) {
		rc = 0;
		goto out;
	}
	if (ical_utc_to_local(core_tz(ctx), core_now(ctx) + DAY_S, tomorrow,
	    NULL, NULL) != 0)
		goto out;
	n = caseload_slots(ctx, cw, therapist_id, slots, out->opened <
	    CORE_CASELOAD_PLACES_MAX ? (size_t)out->opened :
	    CORE_CASELOAD_PLACES_MAX);
	if (n == -1)
		goto out;
	for (i = 0; i < n; i++) {
		memset(&p, 0, sizeof(p));
		p.therapist_id = therapist_id;
		p.site_id = slots[i].site_id;
		p.room_id = slots[i].room_id;
		p.weekday = slots[i].day;
		(void)snprintf(p.start_local, sizeof(p.start_local),
		    "%02u:%02u", (unsigned)slots[i].start_min / 60 % 24,
		    (unsigned)slots[i].start_min % 60);
		p.length_min = slots[i].length_min;
		if (core_offer_first_date(tomorrow, p.weekday,
		    p.first_date) == -1)
			goto out;
		r = place_make(ctx, &p, &out->place_ids[out->nplaces], why,
		    sizeof(why));
		if (r != DB_OK) {
			fprintf(stderr, "offer: caseload of %lld: %s\n",
			    (long long)therapist_id, why);
			goto out;
		}
		out->nplaces++;
	}
	rc = 0;
out:
	core_world_free(cw);
	return rc;
}

/* ---- the person's answer ---- */

enum db_result
core_offer_accept(const struct core_ctx *ctx, int64_t offer_id, char *why,
    size_t whylen)
{
	static const char taken[] = "This place has been taken by someone "
	    "who said yes first. You stay on the waiting list, in the same "
	    "place.";
	struct db_offer o;
	struct db_place p;
	struct core_assign a;
	struct core_booking b;
	struct core_ctx c = *ctx;
	char now[21], today[11], first[11], detail[96];
	int64_t client_id, series_id;
	enum db_claim claim;
	enum db_result r;
	long count;

	iso_time(core_now(ctx), now);
	if (db_begin(ctx->db) == -1)
		return say_failed(DB_BUSY, why, whylen);
	claim = db_offer_claim(ctx->db, offer_id, now);
	if (claim != DB_CLAIM_OK) {
		/* An offer found ended or taken is stored so. */
		if (claim == DB_CLAIM_ERROR || db_commit(ctx->db) == -1) {
			db_rollback(ctx->db);
			return say_failed(DB_ERROR, why, whylen);
		}
		if (claim == DB_CLAIM_DONE)
			return say(DB_DUPLICATE, why, whylen, "");
		if (claim == DB_CLAIM_TAKEN)
			return say(DB_CONFLICT, why, whylen, taken);
		return say(DB_INVALID, why, whylen, "This offer has ended. You "
		    "stay on the waiting list.");
	}
	if (db_offer_get(ctx->db, offer_id, &o) != 1 ||
	    db_place_get(ctx->db, o.place_id, &p) != 1)
		goto fail;
	/* Not before tomorrow: they need time to plan. */
	if (ical_utc_to_local(core_tz(ctx), core_now(ctx) + DAY_S, today,
	    NULL, NULL) != 0 || core_offer_first_date(strcmp(p.first_date,
	    today) > 0 ? p.first_date : today, p.weekday, first) == -1)
		goto fail;
	count = db_setting_int(ctx->db, "series_sessions",
	    CORE_SERIES_SESSIONS);
	if (count < 1 || count > SCHED_SERIES_COUNT_MAX)
		count = CORE_SERIES_SESSIONS;
	(void)snprintf(detail, sizeof(detail), "accepted place offer %lld "
	    "through their own link", (long long)offer_id);
	memset(&a, 0, sizeof(a));
	a.referral_id = o.referral_id;
	a.from = ST_WAITLISTED;
	a.therapist_id = p.therapist_id;
	a.detail = detail;
	memset(&b, 0, sizeof(b));
	b.therapist_id = p.therapist_id;
	b.site_id = p.site_id;
	b.room_id = p.room_id;
	b.first_date = first;
	b.start_local = p.start_local;
	b.length_min = p.length_min;
	b.count = (int)count;
	/* A closure in those weeks is a week off, not a clash. */
	b.skip_closed = 1;
	c.user_id = 0;
	r = core_assign_book(&c, &a, &b, &client_id, &series_id, why, whylen);
	if (r != DB_OK) {
		db_rollback(ctx->db);
		fprintf(stderr, "offer %lld: cannot book: %s\n",
		    (long long)offer_id, why != NULL ? why : "");
		if (r == DB_CONFLICT || r == DB_INVALID) {
			/* The service's problem: the coordinators are told,
			 * the person stays waiting (page_offer says so). */
			if (db_offer_unbookable(ctx->db, offer_id, why,
			    core_addr(ctx), core_domain(ctx)) == DB_ERROR)
				return say_failed(DB_ERROR, why, whylen);
			return say(DB_CONFLICT, why, whylen, "We are sorry: we "
			    "could not book this place for you. You stay on "
			    "the waiting list. The office will be in touch.");
		}
		return say_failed(r, why, whylen);
	}
	if (db_offer_accepted(ctx->db, offer_id, series_id, core_addr(ctx),
	    core_domain(ctx)) == -1)
		goto fail;
	if (db_commit(ctx->db) == -1)
		return say_failed(DB_ERROR, why, whylen);
	return say(DB_OK, why, whylen, "");
fail:
	db_rollback(ctx->db);
	return say_failed(DB_ERROR, why, whylen);
}

enum db_result
core_offer_decline(const struct core_ctx *ctx, int64_t offer_id, char *why,
    size_t whylen)
{
	struct db_offer_send s;
	char now[21], expires[21];
	enum db_result r;

	send_setup(ctx, &s, now, expires);
	s.user_id = 0;
	r = db_offer_decline(ctx->db, offer_id, &s);
	if (r == DB_OK || r == DB_DUPLICATE)
		return say(r, why, whylen, "");
	if (r == DB_INVALID)
		return say(r, why, whylen, "This offer has ended already. You "
		    "stay on the waiting list.");
	return say_failed(r, why, whylen);
}

/* ---- the mailer's turn ---- */

struct auto_places {
	int64_t	 ids[AUTO_PLACES_MAX];
	size_t	 n;
};

static void
on_freed(void *arg, int64_t series_id)
{
	struct auto_places *a = arg;

	if (a->n < AUTO_PLACES_MAX)
		a->ids[a->n++] = series_id;
}

int
core_offers_tick(const struct core_ctx *ctx)
{
	struct db_offer_send s;
	struct auto_places a;
	struct core_ctx c = *ctx;
	char now[21], expires[21], since[11], why[CORE_WHY_LEN];
	int64_t place;
	size_t i;
	int changed = 0, n;

	c.user_id = 0;
	if (db_setting_int(ctx->db, "auto_offers", 0) != 0) {
		memset(&a, 0, sizeof(a));
		if (ical_utc_to_local(core_tz(ctx), core_now(ctx) -
		    (time_t)AUTO_SINCE_DAYS * DAY_S, since, NULL, NULL) != 0 ||
		    db_freed_series_each(ctx->db, since, AUTO_PLACES_MAX,
		    on_freed, &a) == -1)
			return -1;
		for (i = 0; i < a.n; i++)
			if (core_place_from_series(&c, a.ids[i], &place, why,
			    sizeof(why)) == DB_OK)
				changed++;
	}
	send_setup(&c, &s, now, expires);
	if ((n = db_offers_tick(ctx->db, &s)) == -1)
		return -1;
	return changed + n;
}

/*
 * Demo schedule: groups that meet every week, and for each person given
 * a place a therapist, a weekly hour and a room (planned in memory so
 * that no therapist or room is ever booked twice), then their series,
 * sessions, cancellations for leave and closures, attendance with the
 * therapist's notes, and the emails that went with them.
 *
 * Places are given in the order people became free to start, each to
 * the therapist whose hour frees first: so when there are more people
 * than hours, people wait, as they do.  Thea (therapist@tutti.example)
 * is given a full week this week and next, and her Wednesday 10:00 and
 * 11:00 at the centre, with Music Room 1 then, stay free for the tests
 * that book them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/demo.h"
#include "db/bulk.h"
#include "db/client.h"
#include "db/db.h"
#include "db/records.h"
#include "db/schedule.h"
#include "ical/ical.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)	(1u << (n))
#define LENGTH	45	/* minutes a session lasts */
#define CAST	6	/* the named therapists come first */

static const char *const group_names[] = {
	"Singing for wellbeing", "Memory choir",
	"Music and movement for little ones", "Drumming circle",
	"Young people's band", "Songwriting group", "Tuesday singers",
};
static const unsigned group_needs[] = {
	BIT(NEED_MENTAL_HEALTH) | BIT(NEED_OTHER), BIT(NEED_DEMENTIA),
	BIT(NEED_PARENT_CHILD), BIT(NEED_AUTISM) | BIT(NEED_MENTAL_HEALTH),
	BIT(NEED_LEARNING_DIFFICULTIES) | BIT(NEED_AUTISM),
	BIT(NEED_MENTAL_HEALTH), BIT(NEED_NEURO_REHAB) | BIT(NEED_DEMENTIA),
};

static const char *const notes_attended[] = {
	"Sang two songs and joined in the chorus.",
	"Played the drum to a steady beat; smiled at the end.",
	"Quiet today; listened more than played.",
	"Chose the songs and led the rhythm for a while.",
	"Talked about a song from their wedding; some tears, then laughter.",
	"Tried the keyboard for the first time and kept going.",
	"Very tired today; we kept it short and gentle.",
	"Wrote two lines of a new song together.",
	"Calmer than last week; breathing with the music helped.",
	"Copied rhythms back and started some of their own.",
	"Good eye contact while we took turns on the chime bars.",
	"Sang along to an old favourite and knew every word.",
	"Restless at first, settled once we started drumming.",
	"Asked to record a song to share with family.",
};
static const char *const notes_missed[] = {
	"Did not come and did not call; left a message.",
	"No answer at the door; carer says they were asleep.",
	"Did not come; transport did not turn up.",
};
static const char *const notes_cancelled[] = {
	"Rang in the morning: unwell.", "Family emergency; rang ahead.",
	"Hospital appointment moved to the same time.",
	"Carer off sick, no one to bring them.",
};
static const char *const ahead_reasons[] = {
	"Hospital appointment", "Family visit", "Unwell", "Holiday",
};

/* A number from the person and the session, the same every run. */
static unsigned
mix(uint32_t seed, int k)
{
	uint64_t z = ((uint64_t)seed << 20) ^ (uint64_t)(k + 1) *
	    0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (unsigned)((z ^ (z >> 31)) & 0x7fffffff);
}

static int *
busy_room(struct demo *d, const struct demo_site *s, int room,
    const struct demo_slot *sl)
{
	return &d->room_busy[s->room_index[room]][sl->day * 24 +
	    sl->start_min / 60];
}

/*
 * The earliest week from `from` that the therapist's slot k and a room
 * of at least capacity seats are free; the room in *room.
 */
static int
slot_free_from(struct demo *d, const struct demo_therapist *t, int k,
    int from, int capacity, int *room)
{
	const struct demo_slot *sl = &t->slots[k];
	const struct demo_site *s = &d->sites[sl->site];
	int best = DEMO_FOREVER, w, j;

	*room = -1;
	if (sl->busy_until >= DEMO_FOREVER)
		return DEMO_FOREVER;
	for (j = 0; j < s->nrooms; j++) {
		if (s->room_capacity[j] < capacity)
			continue;
		w = *busy_room(d, s, j, sl);
		if (w < sl->busy_until)
			w = sl->busy_until;
		if (w < from)
			w = from;
		/* The smallest room that fits is tried first. */
		if (w < best || (w == best && *room >= 0 &&
		    s->room_capacity[j] < s->room_capacity[*room])) {
			best = w;
			*room = j;
		}
	}
	return best;
}

static void
occupy(struct demo *d, struct demo_therapist *t, int k, int room, int until)
{
	const struct demo_slot *sl = &t->slots[k];

	t->slots[k].busy_until = until;
	*busy_room(d, &d->sites[sl->site], room, sl) = until;
}

/* Sets the person's dates and state from the week they start. */
static void
place(struct demo *d, struct demo_person *p, int week)
{
	const struct demo_slot *sl;
	int last, weekday;

	if (p->group >= 0)
		sl = &d->therapists[d->groups[p->group].therapist].slots[
		    d->groups[p->group].slot];
	else
		sl = &d->therapists[p->therapist].slots[p->slot];
	weekday = sl->day;
	p->week = week;
	p->first = demo_day_of(d, week, weekday);
	p->matched = p->first - 3 - demo_below(&d->rng, 8);
	if (p->matched <= p->waitlisted)
		p->matched = p->waitlisted + 1;
	if (p->matched > d->today)
		p->matched = d->today;
	/* Stopping early happens in the past only, and never with Thea,
	 * whose calendar feed the tests compare with every stored session
	 * (a series ended long ago leaves the feed). */
	if (demo_week_of(d, d->today) <= week + p->stop_after ||
	    (p->group < 0 && p->therapist == 0))
		p->stop_after = p->weeks;
	last = demo_day_of(d, week + p->stop_after - 1, weekday);
	if (p->first > d->today)
		p->status = ST_MATCHED;
	else if (last + 7 < d->today) {
		p->status = ST_CLOSED;
		p->closed = last + 3 + demo_below(&d->rng, 8);
		if (p->closed > d->today)
			p->closed = d->today;
	} else
		p->status = ST_ACTIVE;
	if (p->status != ST_CLOSED) {
		if (p->group >= 0)
			d->therapists[d->groups[p->group].therapist].open_now++;
		else
			d->therapists[p->therapist].open_now++;
	}
}

/* 1 when a series from week for n weeks is still open today. */
static int
open_today(const struct demo *d, int week, int n)
{
	return week + n >= d->this_week;
}

/*
 * Finds the person a therapist (only `only` when >= 0), hour and room,
 * from their wanted week; 0 placed, -1 none free soon enough.
 */
static int
place_individual(struct demo *d, struct demo_person *p, int only)
{
	struct demo_therapist *t;
	int best = DEMO_FOREVER, bt = -1, bk = -1, br = -1, w, room, k, first;
	unsigned bkey = 0, key;
	size_t i;
	int pass;

	for (pass = 0; pass < 2 && bt < 0; pass++)
		for (i = 0; i < d->ntherapists; i++) {
			t = &d->therapists[i];
			if (only >= 0 ? (int)i != only : (t->region !=
			    p->region || (pass == 0 && !(t->specialisms &
			    p->needs))))
				continue;
			for (k = 0; k < t->nslots; k++) {
				w = slot_free_from(d, t, k, p->want_week, 1,
				    &room);
				if (w >= DEMO_FOREVER)
					continue;
				if (open_today(d, w, p->stop_after) &&
				    t->open_now >= t->open_quota && only < 0)
					continue;
				key = mix(p->seed, (int)i * 64 + k);
				if (w < best || (w == best && key < bkey)) {
					best = w;
					bt = (int)i;
					bk = k;
					br = room;
					bkey = key;
				}
			}
		}
	if (bt < 0)
		return -1;
	first = demo_day_of(d, best, d->therapists[bt].slots[bk].day);
	if (only < 0 && (first > d->today + 10 || first < p->waitlisted + 7))
		return -1;
	p->therapist = bt;
	p->slot = bk;
	p->room = br;
	place(d, p, best);
	occupy(d, &d->therapists[bt], bk, br, best + p->stop_after);
	return 0;
}

/* A place in a group of the person's region that has room for them. */
static int
place_group(struct demo *d, struct demo_person *p)
{
	struct demo_group *g;
	size_t i;
	int w, k, n, ok;

	for (w = p->want_week; w < p->want_week + 8; w++)
		for (i = 0; i < d->ngroups; i++) {
			g = &d->groups[i];
			if (d->therapists[g->therapist].region != p->region ||
			    w < g->first_week || w + 4 > g->last_week ||
			    (open_today(d, w, p->stop_after) &&
			    d->therapists[g->therapist].open_now >=
			    d->therapists[g->therapist].open_quota))
				continue;
			n = p->stop_after;
			if (w + n > g->last_week + 1)
				n = g->last_week + 1 - w;
			for (ok = 1, k = 0; k < n && ok; k++)
				ok = g->members_in[w - g->first_week + k] <
				    g->capacity;
			if (!ok)
				continue;
			if (demo_day_of(d, w, d->therapists[g->therapist].
			    slots[g->slot].day) > d->today + 10)
				return -1;
			for (k = 0; k < n; k++)
				g->members_in[w - g->first_week + k]++;
			p->weeks = p->stop_after = n;
			p->group = (int)i;
			p->therapist = g->therapist;
			p->slot = g->slot;
			place(d, p, w);
			return 0;
		}
	return -1;
}

/* Groups: a few in each region, with crowd therapists, all period. */
static int
groups_plan(struct demo *d)
{
	int per = d->scale > 0 ? 3 : 3, region, n, tries, ti, k, room, cap;
	struct demo_therapist *t;
	struct demo_group *g;

	if ((d->groups = calloc((size_t)(per * d->nregions), sizeof(*g))) ==
	    NULL)
		return -1;
	for (region = 0; region < d->nregions; region++)
		for (n = 0, tries = 0; n < per && tries < 200; tries++) {
			ti = CAST + demo_below(&d->rng, (int)d->ntherapists -
			    CAST);
			t = &d->therapists[ti];
			if (t->region != region || t->nslots == 0)
				continue;
			k = demo_below(&d->rng, t->nslots);
			if (slot_free_from(d, t, k, 0, 6, &room) != 0)
				continue;
			g = &d->groups[d->ngroups++];
			snprintf(g->name, sizeof(g->name), "%s",
			    group_names[(region * per + n) % N(group_names)]);
			g->therapist = ti;
			g->slot = k;
			g->room = room;
			cap = d->sites[t->slots[k].site].room_capacity[room];
			g->capacity = cap < 8 ? cap : 8;
			g->first_week = 0;
			g->last_week = d->this_week + 8;
			if ((g->members_in = calloc((size_t)(g->last_week + 1),
			    sizeof(int))) == NULL)
				return -1;
			occupy(d, t, k, room, DEMO_FOREVER);
			t->specialisms |= group_needs[(region * per + n) %
			    N(group_names)];
			n++;
		}
	return 0;
}

static int
cmp_want(const void *a, const void *b, void *arg)
{
	const struct demo_person *p = (const struct demo_person *)arg;
	const struct demo_person *x = &p[*(const int *)a];
	const struct demo_person *y = &p[*(const int *)b];

	if ((x->cast > 0) != (y->cast > 0))
		return x->cast > 0 ? -1 : 1;
	if (x->want_week != y->want_week)
		return x->want_week < y->want_week ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

/* Sorts idx by want: cast first, then by week (a stable merge sort). */
static void
sort_want(struct demo *d, int *idx, int *tmp, size_t n)
{
	size_t h, i, j, k;

	if (n < 2)
		return;
	h = n / 2;
	sort_want(d, idx, tmp, h);
	sort_want(d, idx + h, tmp, n - h);
	for (i = 0, j = h, k = 0; i < h && j < n; )
		tmp[k++] = cmp_want(&idx[i], &idx[j], d->people) <= 0 ?
		    idx[i++] : idx[j++];
	while (i < h)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof(*idx));
}

/*
 * Thea's week: the people waiting longest in London who fit her are
 * given her free hours, started a few weeks ago, until she has a full
 * caseload this week and next.
 */
static void
fill_thea(struct demo *d)
{
	struct demo_therapist *t = &d->therapists[0];
	struct demo_person *p;
	int k, room, w, from;
	size_t i = 0;

	for (k = 0; k < t->nslots && t->open_now < t->open_quota; k++) {
		from = d->this_week - 1 - demo_below(&d->rng, 5);
		w = slot_free_from(d, t, k, from, 1, &room);
		if (w > d->this_week)
			continue;
		for (; i < d->npeople; i++) {
			p = &d->people[i];
			if (p->cast == 0 && p->region == 0 &&
			    p->status == ST_WAITLISTED &&
			    p->fate == FATE_INDIVIDUAL &&
			    demo_week_of(d, p->waitlisted) + 2 <= w)
				break;
		}
		if (i == d->npeople)
			return;
		p = &d->people[i++];
		p->needs = (p->needs & ~BIT(NEED_OTHER)) |
		    BIT(p->seed % 2 ? NEED_DEMENTIA : NEED_PALLIATIVE);
		p->weeks = p->stop_after = 12;
		p->therapist = 0;
		p->slot = k;
		p->room = room;
		place(d, p, w);
		occupy(d, t, k, room, w + p->stop_after);
	}
}

int
demo_schedule_plan(struct demo *d)
{
	struct demo_therapist *thea = &d->therapists[0];
	struct demo_person *p;
	int *idx, *tmp, k, only;
	size_t n = 0, i;

	/* Thea's Wednesday 10:00 and 11:00 at the centre, and Music Room 1
	 * then, are kept for the tests that book them. */
	for (k = 0; k < thea->nslots; k++)
		if (thea->slots[k].day == 2 && thea->slots[k].site == 0 &&
		    (thea->slots[k].start_min == 600 ||
		    thea->slots[k].start_min == 660)) {
			thea->slots[k].busy_until = DEMO_FOREVER;
			*busy_room(d, &d->sites[0], 0, &thea->slots[k]) =
			    DEMO_FOREVER;
		}
	if (groups_plan(d) == -1)
		return -1;
	if ((idx = calloc(d->npeople, sizeof(int))) == NULL ||
	    (tmp = calloc(d->npeople, sizeof(int))) == NULL) {
		free(idx);
		return -1;
	}
	for (i = 0; i < d->npeople; i++)
		if (d->people[i].fate == FATE_INDIVIDUAL ||
		    d->people[i].fate == FATE_GROUP)
			idx[n++] = (int)i;
	sort_want(d, idx, tmp, n);
	for (i = 0; i < n; i++) {
		p = &d->people[idx[i]];
		only = p->cast > 0 ? p->therapist : -1;
		if (p->fate == FATE_GROUP && place_group(d, p) == 0)
			continue;
		p->group = -1;
		if (place_individual(d, p, only) == -1) {
			p->therapist = -1;
			p->fate = p->fate == FATE_GROUP ? FATE_GROUP :
			    FATE_INDIVIDUAL;
			p->status = ST_WAITLISTED;
		}
	}
	fill_thea(d);
	free(idx);
	free(tmp);
	return 0;
}

/* ---- writing ---- */

/* How session k (0-based, on day) went for the person; NULL: nothing
 * recorded (still to come, or last week's not yet written up). */
static const char *
attendance_of(const struct demo *d, const struct demo_person *p, int k,
    int day, const char **note)
{
	unsigned h = mix(p->seed, k), u = h % 100;

	*note = "";
	if (day >= d->today || (day > d->today - 8 && (h >> 8) % 3 == 0))
		return NULL;
	if (u < 80) {
		if ((h >> 12) % 10 < 7)
			*note = notes_attended[(h >> 16) % N(notes_attended)];
		return "attended";
	}
	if (u < 87) {
		*note = notes_missed[(h >> 16) % N(notes_missed)];
		return "did_not_attend";
	}
	if (u < 97) {
		*note = notes_cancelled[(h >> 16) % N(notes_cancelled)];
		return "cancelled_client";
	}
	*note = "Therapist unwell; session not held.";
	return "cancelled_therapist";
}

/* Why the session on day does not happen, or NULL. */
static const char *
cancelled_why(const struct demo *d, const struct demo_person *p,
    const struct demo_therapist *t, const struct demo_site *s, int k,
    int day, const char **by)
{
	const char *why;
	unsigned h = p != NULL ? mix(p->seed, k + 1000) : 0;

	*by = "";
	(void)d;

	if (demo_therapist_away(t, day, &why)) {
		*by = "therapist";
		return why[0] == 'O' ? "Therapist off sick" :
		    "Therapist on leave";
	}
	if (demo_site_closed(s, day, &why)) {
		*by = "service";
		return why;
	}
	if (p != NULL && h % 100 < 3) {
		*by = "client";
		return ahead_reasons[(h >> 8) % N(ahead_reasons)];
	}
	return NULL;
}

static int
series_row(struct demo *d, const struct demo_therapist *t,
    const struct demo_slot *sl, int64_t room_id, int64_t client_id,
    int64_t group_id, int week, int count, const char *until,
    const char *ended_from, int created_day, int64_t *id)
{
	struct db_series_new n;
	char uid[80], hhmm[16], created[21];
	int first = demo_day_of(d, week, sl->day);

	/* Week 0 begins on the first day's weekday: a slot on an earlier
	 * weekday has its first session a week on (as the sessions do). */
	if (first < 0)
		first += 7;
	memset(&n, 0, sizeof(n));
	n.therapist_id = t->id;
	n.client_id = client_id;
	n.group_id = group_id;
	n.site_id = d->sites[sl->site].id;
	n.room_id = room_id;
	n.tz = DEMO_TZ;
	n.first_date = d->date[first];
	snprintf(hhmm, sizeof(hhmm), "%02d:%02d", sl->start_min / 60,
	    sl->start_min % 60);
	n.start_local = hhmm;
	n.length_min = LENGTH;
	n.count = count;
	n.until_date = until;
	snprintf(uid, sizeof(uid), "%016llx%016llx@%s",
	    (unsigned long long)demo_rand(&d->rng),
	    (unsigned long long)demo_rand(&d->rng), DEMO_DOMAIN);
	demo_iso(d, created_day, demo_office_minute(&d->rng), created);
	d->rows++;
	return db_bulk_series(d->db, &n, uid, ended_from != NULL ? "ended" :
	    "active", ended_from, created, id);
}

/* One occurrence, cancelled with its exception when why is set. */
static int
occ_row(struct demo *d, int64_t series, const struct demo_slot *sl,
    const struct demo_therapist *t, int64_t room_id, int day,
    const char *why, const char *by)
{
	struct db_occ o;
	char at[21];

	memset(&o, 0, sizeof(o));
	snprintf(o.date, sizeof(o.date), "%s", d->date[day]);
	o.start_utc = demo_time(d, day, sl->start_min);
	o.end_utc = o.start_utc + LENGTH * 60;
	d->rows++;
	if (db_bulk_occ(d->db, series, &o, t->id, room_id,
	    d->sites[sl->site].id, why != NULL ? "cancelled" : "booked") == -1)
		return -1;
	if (why == NULL)
		return 0;
	demo_iso(d, day - 1 - (int)(series % 9), demo_office_minute(&d->rng),
	    at);
	d->rows++;
	return db_bulk_exception(d->db, series, d->date[day], "cancelled", by,
	    0, 0, why, d->coordinators[series % 2], at);
}

static int
attend_row(struct demo *d, const struct demo_person *p,
    const struct demo_therapist *t, int64_t series, int k, int day)
{
	const char *note, *st = attendance_of(d, p, k, day, &note);
	char at[21];

	if (st == NULL)
		return 0;
	demo_iso(d, day, 17 * 60 + (int)(mix(p->seed, k) % 180), at);
	d->rows++;
	return db_bulk_attendance(d->db, series, d->date[day], p->client_id,
	    st, note, t->user_id > 0 ? t->user_id : d->coordinators[0], at);
}

/*
 * The outcome survey went after the sixth attended session; it is
 * stored before the attendance so that the schema's trigger, which
 * queues it when attendance is recorded now, finds it sent.
 */
static int
survey(struct demo *d, struct demo_person *p, const struct demo_slot *sl,
    const struct demo_therapist *t, const struct demo_site *s, int count,
    int own)
{
	const char *note, *by;
	char key[64], to[128], given[64];
	int k, day = 0, n = 0;
	struct db_bulk_mail m;
	char at[21], msgid[64];

	if (!p->email)
		return 0;
	for (k = 0; k < count; k++) {
		day = demo_day_of(d, p->week + k, sl->day);
		if (cancelled_why(d, own ? p : NULL, t, s, k, day, &by) !=
		    NULL)
			continue;
		if (attendance_of(d, p, k, day, &note) != NULL &&
		    strcmp(attendance_of(d, p, k, day, &note), "attended") ==
		    0 && ++n == 6)
			break;
	}
	if (n < 6)
		return 0;
	p->surveyed = day;
	snprintf(key, sizeof(key), "outcome-survey:%lld", (long long)p->id);
	demo_person_email(d, p, to, given);
	demo_iso(d, day, 20 * 60, at);
	demo_message_id(d, msgid);
	memset(&m, 0, sizeof(m));
	m.kind = "outcome_survey";
	m.dedupe_key = key;
	m.to_addr = to;
	m.to_name = given;
	m.referral_id = p->id;
	m.message_id = msgid;
	m.status = day == d->today ? "queued" : "sent";
	m.not_before = m.created_at = m.sent_at = at;
	d->rows++;
	return db_bulk_outbox(d->db, &m);
}

/* The therapist's and the client's emails when a place was given. */
static int
placed_mail(struct demo *d, const struct demo_person *p,
    const struct demo_therapist *t, int64_t series)
{
	struct db_bulk_mail m;
	char key[80], at[21], msgid[64], to[128], given[64];
	int queued = p->cast > 0 && p->status != ST_CLOSED;

	memset(&m, 0, sizeof(m));
	demo_iso(d, p->matched, demo_office_minute(&d->rng), at);
	m.not_before = m.created_at = m.sent_at = at;
	m.status = "sent";
	m.message_id = msgid;
	m.referral_id = p->id;
	if (t->user_id > 0) {
		snprintf(key, sizeof(key), "therapist-assigned:%lld",
		    (long long)p->client_id);
		demo_message_id(d, msgid);
		m.kind = "therapist_assigned";
		m.dedupe_key = key;
		m.to_addr = t->email;
		m.to_name = t->name;
		m.user_id = t->user_id;
		d->rows++;
		if (db_bulk_outbox(d->db, &m) == -1)
			return -1;
	}
	if (!p->email || series == 0)
		return 0;
	snprintf(key, sizeof(key), "booking_confirmation:%lld:0:%lld",
	    (long long)series, (long long)p->client_id);
	demo_message_id(d, msgid);
	demo_person_email(d, p, to, given);
	m.kind = "booking_confirmation";
	m.dedupe_key = key;
	m.to_addr = to;
	m.to_name = given;
	m.user_id = 0;
	/* The named people's confirmations are still to go. */
	if (queued) {
		demo_iso(d, d->today, 0, at);
		m.status = "queued";
	}
	d->rows++;
	return db_bulk_outbox(d->db, &m);
}

static int
client_row(struct demo *d, struct demo_person *p, int64_t therapist_id)
{
	char started[21], ended[21];

	demo_iso(d, p->matched, 12 * 60, started);
	if (p->status == ST_CLOSED)
		demo_iso(d, p->closed, 17 * 60 + 40, ended);
	d->rows++;
	return db_bulk_client(d->db, p->id, therapist_id, started,
	    p->status == ST_CLOSED ? ended : NULL, p->status == ST_CLOSED ?
	    (p->stop_after < p->weeks ? "stopped coming" :
	    "sessions completed") : "", &p->client_id);
}

/*
 * The history line booking writes when it makes a matched referral
 * active, with its cause, as db_client_follow_booking writes it: on the
 * day the series was booked, after office hours' other lines.
 */
static int
booked_event(struct demo *d, const struct demo_person *p,
    const struct demo_slot *sl)
{
	char at[21], hhmm[16], why[320];
	int who = (int)(p->seed % 2);

	if (p->status != ST_ACTIVE && p->status != ST_CLOSED)
		return 0;
	snprintf(hhmm, sizeof(hhmm), "%02d:%02d", sl->start_min / 60,
	    sl->start_min % 60);
	db_client_why_booked(why, sizeof(why), p->series_id,
	    d->coordinator_names[who], d->date[demo_day_of(d, p->week,
	    sl->day)], hhmm);
	demo_iso(d, p->matched, 17 * 60 + 10, at);
	d->rows++;
	return db_bulk_event(d->db, p->id, at, d->coordinators[who],
	    "matched", "active", why);
}

/* One person's own weekly series, sessions and attendance. */
static int
individual_write(struct demo *d, struct demo_person *p)
{
	const struct demo_therapist *t = &d->therapists[p->therapist];
	const struct demo_slot *sl = &t->slots[p->slot];
	const struct demo_site *s = &d->sites[sl->site];
	const char *why, *by = "", *ended = NULL;
	int k, day;

	if (client_row(d, p, t->id) == -1)
		return -1;
	if (p->stop_after < p->weeks)
		ended = d->date[demo_day_of(d, p->week + p->stop_after,
		    sl->day)];
	if (series_row(d, t, sl, s->room_ids[p->room], p->client_id, 0,
	    p->week, p->weeks, NULL, ended, p->matched, &p->series_id) == -1 ||
	    booked_event(d, p, sl) == -1 ||
	    placed_mail(d, p, t, p->series_id) == -1 ||
	    survey(d, p, sl, t, s, p->stop_after, 1) == -1)
		return -1;
	for (k = 0; k < p->stop_after; k++) {
		day = demo_day_of(d, p->week + k, sl->day);
		why = cancelled_why(d, p, t, s, k, day, &by);
		if (occ_row(d, p->series_id, sl, t, s->room_ids[p->room], day,
		    why, by) == -1)
			return -1;
		if (why == NULL && attend_row(d, p, t, p->series_id, k, day) ==
		    -1)
			return -1;
	}
	return 0;
}

/* A group's series, its members and each member's attendance. */
static int
group_write(struct demo *d, struct demo_group *g, const int *members,
    size_t nmembers)
{
	const struct demo_therapist *t = &d->therapists[g->therapist];
	const struct demo_slot *sl = &t->slots[g->slot];
	const struct demo_site *s = &d->sites[sl->site];
	const char *why, *by = "";
	struct demo_person *p;
	char at[21];
	int w, day;
	size_t i;

	demo_iso(d, 0, 10 * 60, at);
	d->rows++;
	if (db_bulk_group(d->db, g->name, t->id, s->id, g->capacity, at,
	    &g->id) == -1)
		return -1;
	for (i = 0; i < nmembers; i++) {
		p = &d->people[members[i]];
		demo_iso(d, p->matched, 12 * 60, at);
		d->rows++;
		if (client_row(d, p, t->id) == -1 ||
		    db_bulk_group_member(d->db, g->id, p->client_id, at) ==
		    -1 || placed_mail(d, p, t, 0) == -1 ||
		    survey(d, p, sl, t, s, p->stop_after, 0) == -1)
			return -1;
	}
	if (series_row(d, t, sl, s->room_ids[g->room], 0, g->id,
	    g->first_week, 0, d->date[demo_day_of(d, g->last_week, sl->day)],
	    NULL, 0, &g->series_id) == -1)
		return -1;
	for (w = g->first_week; w <= g->last_week; w++) {
		day = demo_day_of(d, w, sl->day);
		if (day < 0)
			continue;
		why = cancelled_why(d, NULL, t, s, 0, day, &by);
		if (occ_row(d, g->series_id, sl, t, s->room_ids[g->room], day,
		    why, by) == -1)
			return -1;
		if (why != NULL)
			continue;
		for (i = 0; i < nmembers; i++) {
			p = &d->people[members[i]];
			if (w < p->week || w >= p->week + p->stop_after)
				continue;
			if (attend_row(d, p, t, g->series_id, w - p->week,
			    day) == -1)
				return -1;
		}
	}
	return 0;
}

int
demo_schedule_write(struct demo *d)
{
	struct demo_person *p;
	int *members;
	size_t i, g, n, written = 0;

	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		if (p->therapist < 0 || p->group >= 0 ||
		    p->status < ST_MATCHED || p->status > ST_CLOSED)
			continue;
		if (individual_write(d, p) == -1)
			return -1;
		/* The planner's statistics, once a few clients are in. */
		if (++written == 256 && db_bulk_analyze(d->db) == -1)
			return -1;
		/* Commit now and then so the WAL stays small. */
		if (d->rows > 2000000) {
			if (db_bulk_commit(d->db) == -1 ||
			    db_bulk_begin(d->db) == -1)
				return -1;
			d->rows = 0;
		}
	}
	if ((members = calloc(d->npeople + 1, sizeof(int))) == NULL)
		return -1;
	for (g = 0; g < d->ngroups; g++) {
		for (n = 0, i = 0; i < d->npeople; i++)
			if (d->people[i].group == (int)g &&
			    d->people[i].therapist >= 0)
				members[n++] = (int)i;
		if (group_write(d, &d->groups[g], members, n) == -1) {
			free(members);
			return -1;
		}
	}
	free(members);
	return 0;
}

/*
 * Two changes made the way a coordinator makes them (through the
 * schedule API, so their notices wait in the outbox): a client of
 * Thea's cannot come next week, and Gustav's session the week after is
 * moved to another hour.
 */
int
demo_schedule_changes(struct demo *d)
{
	struct demo_person *p;
	struct db_series s;
	struct db_occ to;
	const struct demo_slot *sl;
	char clash[512];
	size_t i;
	int day, h;

	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		if (p->cast == 0 && p->therapist == 0 && p->group < 0 &&
		    p->status == ST_ACTIVE && p->week + p->stop_after >
		    d->this_week + 1)
			break;
	}
	if (i < d->npeople) {
		sl = &d->therapists[0].slots[p->slot];
		day = demo_day_of(d, d->this_week + 1, sl->day);
		(void)db_occ_cancel(d->db, p->series_id, d->date[day],
		    CANCEL_BY_CLIENT, "Hospital appointment",
		    d->coordinators[0], "", 0, DEMO_DOMAIN);
	}
	for (i = 0; i < d->npeople; i++)
		if (d->people[i].cast == 7)	/* Gustav */
			break;
	if (i == d->npeople || d->people[i].series_id == 0 ||
	    db_series_get(d->db, d->people[i].series_id, &s) != 1)
		return 0;
	p = &d->people[i];
	sl = &d->therapists[p->therapist].slots[p->slot];
	day = demo_day_of(d, d->this_week + 2, sl->day);
	for (h = 9; h < 20; h++) {
		if (h * 60 == sl->start_min)
			continue;
		memset(&to, 0, sizeof(to));
		snprintf(to.date, sizeof(to.date), "%s", d->date[day]);
		to.start_utc = demo_time(d, day, h * 60);
		to.end_utc = to.start_utc + LENGTH * 60;
		to.weekday = sl->day;
		to.start_min = h * 60;
		to.end_min = h * 60 + LENGTH;
		if (db_occ_move(d->db, p->series_id, d->date[day], &to, 0,
		    "Room needed for an assessment", d->coordinators[0], "", 0,
		    DEMO_DOMAIN, clash, sizeof(clash)) == DB_OK)
			break;
	}
	return 0;
}

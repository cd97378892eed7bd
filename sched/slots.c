/*
 * slots: the best weekly times for a therapist's new places (see
 * slots.h).  The times are counted in an open-addressing table keyed by
 * (site, room, week minute): a therapist has a few hundred at most.
 */
#include <stdlib.h>
#include <string.h>

#include "sched/slots.h"


/* The table of times seen, and whose they are. */
struct tally {
	struct sched_slot	*v;	/* people 0: an empty cell */
	int64_t			*last;	/* the referral that counted last */
	size_t			 cap;	/* a power of two */
	size_t			 n;
	int64_t			 therapist_id;
	int64_t			 referral_id;
	int			 failed;
};

/* The cell of key (site, room, week minute) in t, for a table of cap. */
static size_t
tally_hash(int64_t site, int64_t room, int minute, size_t cap)
{
	uint64_t h = (uint64_t)site * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)room * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)minute;

	h ^= h >> 29;
	return (size_t)(h * 0xbf58476d1ce4e5b9ULL >> 17) & (cap - 1);
}

/* The cell for s in v of cap cells: its own, or the empty one. */
static size_t
tally_find(const struct sched_slot *v, size_t cap, const struct sched_slot *s)
{
	size_t i = tally_hash(s->site_id, s->room_id, s->day * 1440 +
	    s->start_min, cap);

	while (v[i].people > 0 && (v[i].site_id != s->site_id ||
	    v[i].room_id != s->room_id || v[i].day != s->day ||
	    v[i].start_min != s->start_min))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Doubles t's table; 0, or -1 out of memory. */
static int
tally_grow(struct tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256, i, k;
	struct sched_slot *v = calloc(cap, sizeof(*v));
	int64_t *last = calloc(cap, sizeof(*last));

	if (v == NULL || last == NULL) {
		free(v);
		free(last);
		return -1;
	}
	for (i = 0; i < t->cap; i++)
		if (t->v[i].people > 0) {
			k = tally_find(v, cap, &t->v[i]);
			v[k] = t->v[i];
			last[k] = t->last[i];
		}
	free(t->v);
	free(t->last);
	t->v = v;
	t->last = last;
	t->cap = cap;
	return 0;
}

/* sched_match_each's callback: counts one possible time. */
static int
tally_add(void *arg, const struct sched_match *m)
{
	struct tally *t = arg;
	struct sched_slot s;
	size_t i;

	if (m->therapist_id != t->therapist_id ||
	    m->session_type != SCHED_INDIVIDUAL)
		return 0;
	if ((t->n + 1) * 10 > t->cap * 7 && tally_grow(t) == -1) {
		t->failed = 1;
		return 1;
	}
	memset(&s, 0, sizeof(s));
	s.site_id = m->site_id;
	s.room_id = m->room_id;
	s.day = m->day;
	s.start_min = m->start_min;
	s.length_min = m->length_min;
	i = tally_find(t->v, t->cap, &s);
	if (t->v[i].people == 0) {
		t->v[i] = s;
		t->n++;
	} else if (t->last[i] == t->referral_id)
		return 0;		/* counted for this person already */
	t->v[i].people++;
	t->v[i].score += m->score.total;
	t->last[i] = t->referral_id;
	return 0;
}

/* Best first: most people, highest scores, earliest in the week. */
static int
slot_cmp(const void *a, const void *b)
{
	const struct sched_slot *x = a, *y = b;
	int wx = x->day * 1440 + x->start_min, wy = y->day * 1440 +
	    y->start_min;

	if (x->people != y->people)
		return x->people > y->people ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (wx != wy)
		return wx < wy ? -1 : 1;
	if (x->site_id != y->site_id)
		return x->site_id < y->site_id ? -1 : 1;
	return (x->room_id > y->room_id) - (x->room_id < y->room_id);
}

/* 1 when s overlaps day d, [start, end). */
static int
slot_overlaps(const struct sched_slot *s, int d, int start, int end)
{
	return s->day == d && s->start_min < end &&
	    start < s->start_min + s->length_min;
}

int
sched_slots_best(const struct sched_world *w, int64_t therapist_id,
    const struct sched_referral *refs, size_t n,
    const struct sched_options *o, const struct sched_range *busy,
    size_t nbusy, struct sched_slot *out, size_t max)
{
	struct tally t;
	size_t i, k, j, got = 0;
	int clash, rc = -1;

	memset(&t, 0, sizeof(t));
	t.therapist_id = therapist_id;
	if (tally_grow(&t) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		t.referral_id = refs[i].id;
		if (sched_match_each(w, &refs[i], o, tally_add, &t) == -1 ||
		    t.failed)
			goto out;
	}
	/* The counted times, packed to the front and ranked. */
	for (i = 0, k = 0; i < t.cap; i++)
		if (t.v[i].people > 0)
			t.v[k++] = t.v[i];
	qsort(t.v, k, sizeof(*t.v), slot_cmp);
	for (i = 0; i < k && got < max; i++) {
		clash = 0;
		for (j = 0; j < nbusy && !clash; j++)
			clash = slot_overlaps(&t.v[i], busy[j].day,
			    busy[j].start_min, busy[j].end_min);
		for (j = 0; j < got && !clash; j++)
			clash = slot_overlaps(&t.v[i], out[j].day,
			    out[j].start_min, out[j].start_min +
			    out[j].length_min);
		if (!clash)
			out[got++] = t.v[i];
	}
	rc = (int)got;
out:
	free(t.v);
	free(t.last);
	return rc;
}

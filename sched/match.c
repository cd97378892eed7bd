/*
 * sched/match.c: the hard rules, the score and the plain words for one
 * referral against the world; sched_match and sched_match_each.
 *
 * For each therapist that passes the therapist-wide rules, and each site
 * they work at, the possible starts are one bit-set expression: their
 * time there & the person's time & the site's hours & their free time,
 * eroded by the session length, & the union over suitable rooms of the
 * room's free time eroded likewise.  About 11 words of arithmetic a step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

#define NEED_MASK	((1u << SCHED_NEED__MAX) - 1)
#define SLOT_MASK	((1u << SCHED_SLOTS) - 1)

static const char *const need_text[SCHED_NEED__MAX] = {
	"autism",
	"learning difficulties",
	"mental health",
	"neurological rehabilitation",
	"dementia",
	"palliative care",
	"parents and young children",
	"other needs",
};

static const char *const out_text[SCHED_OUT__MAX] = {
	"not active",
	"on leave",
	"no free caseload",
	"works at no site the person can get to",
	"not available when the person is",
	"their sites are closed when both are free",
	"already booked when the person is free",
	"no room that suits at their sites",
	"no suitable room free at those times",
};

static const char *const unplaced_text[] = {
	"placed",
	"no possible match",
	"its possible matches went to others",
};

static const char *const day_text[SCHED_DAYS] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

const char *
sched_out_text(enum sched_out o)
{
	return (unsigned)o < SCHED_OUT__MAX ? out_text[o] : "";
}

const char *
sched_unplaced_text(enum sched_unplaced u)
{
	return (unsigned)u < sizeof(unplaced_text) / sizeof(*unplaced_text) ?
	    unplaced_text[u] : "";
}

const char *
sched_need_text(enum sched_need n)
{
	return (unsigned)n < SCHED_NEED__MAX ? need_text[n] : "";
}

/* ---- options and the prepared referral ----------------------------- */

int
m_options(const struct sched_options *in, struct sched_options *o)
{
	static const struct sched_options zero;

	*o = in != NULL ? *in : zero;
	if (o->length_min == 0)
		o->length_min = SCHED_LENGTH_MIN;
	if (o->length_min < SCHED_SESSION_SHORTEST ||
	    o->length_min > SCHED_SESSION_LONGEST ||
	    o->length_min % SCHED_STEP_MIN != 0)
		return -1;
	if (o->max_matches == 0)
		o->max_matches = 20;
	if (o->per_therapist == 0)
		o->per_therapist = 3;
	if (o->max_exclusions == 0)
		o->max_exclusions = 10;
	if (o->plan_pairs == 0)
		o->plan_pairs = 32;
	if (o->plan_rounds == 0)
		o->plan_rounds = 8;
	return 0;
}

int
m_ref_prepare(const struct sched_world *w, const struct sched_referral *ref,
    int length_min, struct m_ref *m)
{
	char d[SCHED_DISTRICT_LEN];
	size_t i, j, s;
	int p;

	memset(m, 0, sizeof(*m));
	m->ref = ref;
	m->lenq = length_min / SCHED_STEP_MIN;
	m->parts = ref->availability & SLOT_MASK;
	m->nparts = __builtin_popcount(m->parts);
	m->nneeds = __builtin_popcount(ref->needs & NEED_MASK);
	m->group = ref->session_type == SCHED_GROUP;
	for (p = 0; p < SCHED_SLOTS; p++) {
		int base = p / SCHED_PARTS * WQ_DAY;

		if (m->parts & (1u << p))
			wm_put_range(&m->client, base +
			    wq_part_lo[p % SCHED_PARTS], base +
			    wq_part_hi[p % SCHED_PARTS], 1);
	}
	if (w->nsites == 0)
		return 0;
	if ((m->reach = calloc(w->nsites, 1)) == NULL)
		return -1;
	w_district(ref->postcode, d);
	for (i = 0; i < w->nsites; i++) {
		const struct w_site *site = &w->sites[i];

		if (site->online) {
			if (ref->online_ok)
				m->reach[i] |= R_ONLINE;
			continue;
		}
		if (d[0] == '\0')
			continue;
		if (strcmp(site->district, d) == 0)
			m->reach[i] |= R_SAME;
		for (j = 0; j < site->nserves; j++)
			if (strcmp(site->serves[j], d) == 0)
				m->reach[i] |= R_SERVES;
	}
	for (i = 0; i < ref->nsites && ref->sites != NULL; i++)
		if ((s = w_site_find(w, ref->sites[i])) != (size_t)-1)
			m->reach[s] |= R_CHOSEN;
	return 0;
}

void
m_ref_release(struct m_ref *m)
{
	free(m->reach);
	m->reach = NULL;
}

/* ---- rules and score ----------------------------------------------- */

enum sched_out
m_ther_check(const struct w_ther *t)
{
	if (!t->active)
		return SCHED_OUT_INACTIVE;
	if (t->on_leave)
		return SCHED_OUT_ON_LEAVE;
	if (t->caseload >= t->max_caseload)
		return SCHED_OUT_CASELOAD_FULL;
	return SCHED_OUT__MAX;
}

int
m_room_suits(const struct sched_world *w, const struct m_ref *m,
    const struct w_room *r)
{
	if (m->ref->needs_step_free &&
	    !(w->sites[r->site].step_free && r->accessible))
		return 0;
	if (m->group && r->capacity < w->group_room_min)
		return 0;
	if (m->ref->needs_piano && !r->piano)
		return 0;
	return 1;
}

static int
travel_points(unsigned reach)
{
	if (reach & R_SAME)
		return SCHED_TRAVEL_SAME_DISTRICT;
	if (reach & R_CHOSEN)
		return SCHED_TRAVEL_CHOSEN;
	if (reach & R_SERVES)
		return SCHED_TRAVEL_SERVES;
	if (reach & R_ONLINE)
		return SCHED_TRAVEL_ONLINE;
	return 0;
}

/* The person's parts in which some start lies. */
static int
parts_covered(const struct m_ref *m, const struct wmask *starts)
{
	int p, n = 0, base;

	for (p = 0; p < SCHED_SLOTS; p++) {
		if (!(m->parts & (1u << p)))
			continue;
		base = p / SCHED_PARTS * WQ_DAY;
		if (wm_any(starts, base + wq_part_lo[p % SCHED_PARTS],
		    base + wq_part_hi[p % SCHED_PARTS]))
			n++;
	}
	return n;
}

enum sched_out
m_group_eval(const struct sched_world *w, const struct m_ref *m, size_t ti,
    const struct w_tsite *ts, struct m_group *g)
{
	const struct w_ther *t = &w->ther[ti];
	const struct w_site *site = &w->sites[ts->site];
	struct wmask a, e, b, u;
	size_t i;
	int suits = 0, free_places;

	if (!m->reach[ts->site])
		return SCHED_OUT_NO_SITE;
	wm_and(&a, &ts->avail, &m->client);
	wm_erode(&e, &a, m->lenq);
	if (wm_empty(&e))
		return SCHED_OUT_NOT_AVAILABLE;
	wm_and(&a, &a, &site->open);
	wm_erode(&e, &a, m->lenq);
	if (wm_empty(&e))
		return SCHED_OUT_SITE_CLOSED;
	wm_and(&a, &a, &t->free);
	wm_erode(&e, &a, m->lenq);
	if (wm_empty(&e))
		return SCHED_OUT_BOOKED;
	if (!site->online) {
		wm_zero(&u);
		for (i = 0; i < site->nrooms; i++) {
			const struct w_room *r = &w->rooms[site->rooms[i]];

			if (!m_room_suits(w, m, r))
				continue;
			suits = 1;
			wm_and(&b, &a, &r->free);
			wm_erode(&b, &b, m->lenq);
			wm_or_in(&u, &b);
		}
		if (!suits)
			return SCHED_OUT_NO_ROOM_SUITS;
		if (wm_empty(&u))
			return SCHED_OUT_NO_ROOM_FREE;
		e = u;
	}
	g->ther = ti;
	g->site = ts->site;
	g->starts = e;
	g->covered = parts_covered(m, &e);
	g->score.fit = m->nneeds == 0 ? SCHED_W_FIT / 2 :
	    SCHED_W_FIT * __builtin_popcount(m->ref->needs & t->specialisms &
	    NEED_MASK) / m->nneeds;
	free_places = t->max_caseload - t->caseload;
	g->score.caseload = t->max_caseload > 0 ?
	    SCHED_W_CASELOAD * free_places / t->max_caseload : 0;
	g->score.coverage = m->nparts > 0 ?
	    SCHED_W_COVERAGE * g->covered / m->nparts : 0;
	g->score.travel = travel_points(m->reach[ts->site]);
	g->score.continuity = m->ref->previous_therapist_id == t->id ?
	    SCHED_W_CONTINUITY : 0;
	g->score.total = g->score.fit + g->score.caseload + g->score.coverage +
	    g->score.travel + g->score.continuity;
	return SCHED_OUT__MAX;
}

/* ---- plain words --------------------------------------------------- */

struct text {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void __attribute__((format(printf, 2, 3)))
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		t->p[t->len] = '\0';
	else if ((size_t)n >= t->cap - t->len)
		t->len = t->cap - 1;
	else
		t->len += (size_t)n;
}

/* Starts a new clause: "; " unless first. */
static void
text_clause(struct text *t)
{
	if (t->len > 0)
		text_add(t, "; ");
}

/* "a", "a and b", "a, b and c" (or "or") of the needs in bits. */
static void
text_needs(struct text *t, unsigned bits, const char *last)
{
	int i, n = __builtin_popcount(bits), k = 0;

	for (i = 0; i < SCHED_NEED__MAX; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (k > 0)
			text_add(t, "%s", k == n - 1 ? last : ", ");
		text_add(t, "%s", need_text[i]);
		k++;
	}
}

static void
text_hhmm(struct text *t, int quarter_of_day)
{
	text_add(t, "%02d:%02d", quarter_of_day / WQ_HOUR,
	    quarter_of_day % WQ_HOUR * SCHED_STEP_MIN);
}

void
m_match_fill(const struct sched_world *w, const struct m_ref *m,
    const struct m_group *g, int start, const struct w_room *room,
    struct sched_match *out)
{
	const struct w_ther *th = &w->ther[g->ther];
	unsigned reach = m->reach[g->site];
	unsigned needs = m->ref->needs & NEED_MASK;
	unsigned got = needs & th->specialisms, miss = needs & ~th->specialisms;
	struct text t = { out->reasons, 0, sizeof(out->reasons) };
	int q = start % WQ_DAY;

	out->therapist_id = th->id;
	out->site_id = w->sites[g->site].id;
	out->room_id = room != NULL ? room->id : 0;
	out->day = start / WQ_DAY;
	out->start_min = q * SCHED_STEP_MIN;
	out->length_min = m->lenq * SCHED_STEP_MIN;
	out->session_type = m->group ? SCHED_GROUP : SCHED_INDIVIDUAL;
	out->score = g->score;
	out->reasons[0] = '\0';

	if (g->score.continuity > 0)
		text_add(&t, "has worked with them before");
	if (got != 0) {
		text_clause(&t);
		text_add(&t, "works with ");
		text_needs(&t, got, " and ");
		if (miss != 0) {
			text_add(&t, ", not ");
			text_needs(&t, miss, " or ");
		}
	} else if (miss != 0) {
		text_clause(&t);
		text_add(&t, "no listed specialism in ");
		text_needs(&t, miss, " or ");
	}
	text_clause(&t);
	text_add(&t, "%s %s, ", day_text[out->day],
	    q < wq_part_hi[0] ? "mornings" :
	    q < wq_part_hi[1] ? "afternoons" : "evenings");
	text_hhmm(&t, q);
	text_add(&t, " to ");
	text_hhmm(&t, (q + m->lenq) % WQ_DAY);
	text_clause(&t);
	text_add(&t, "%d of %d places free", th->max_caseload - th->caseload,
	    th->max_caseload);
	if (reach & R_CHOSEN) {
		text_clause(&t);
		text_add(&t, "a site they chose");
	}
	if (reach & R_SAME) {
		text_clause(&t);
		text_add(&t, "same postcode district");
	} else if (reach & R_SERVES) {
		text_clause(&t);
		text_add(&t, "serves their postcode district");
	} else if (reach & R_ONLINE) {
		text_clause(&t);
		text_add(&t, "online");
	}
	if (m->nparts > 0) {
		text_clause(&t);
		text_add(&t, "fits %d of the %d times they can come",
		    g->covered, m->nparts);
	}
}

/* The notes for a left-out therapist. */
static void
exclusion_fill(const struct sched_world *w, const struct m_ref *m,
    size_t ti, enum sched_out why, struct sched_exclusion *x)
{
	const struct w_ther *th = &w->ther[ti];
	struct text t = { x->text, 0, sizeof(x->text) };

	x->therapist_id = th->id;
	x->why = why;
	x->fit = __builtin_popcount(m->ref->needs & th->specialisms &
	    NEED_MASK);
	x->previous = m->ref->previous_therapist_id == th->id;
	x->text[0] = '\0';
	switch (why) {
	case SCHED_OUT_CASELOAD_FULL:
		text_add(&t, "no free caseload (%d of %d places taken)",
		    th->caseload, th->max_caseload);
		break;
	case SCHED_OUT_NO_ROOM_SUITS:
		text_add(&t, "no %s%s%s at their sites",
		    m->ref->needs_step_free ? "step-free " : "",
		    m->group ? "group room" : "room",
		    m->ref->needs_piano ? " with a piano" : "");
		break;
	default:
		text_add(&t, "%s", out_text[why]);
		break;
	}
}

/* ---- sched_match --------------------------------------------------- */

struct m_out {
	size_t		 ther;
	enum sched_out	 why;
	int		 fit;
	int		 previous;
	int		 free_places;
	int64_t		 id;
};

int
m_group_cmp(const void *a, const void *b)
{
	const struct m_group *x = a, *y = b;

	if (x->score.total != y->score.total)
		return x->score.total > y->score.total ? -1 : 1;
	if (x->ther != y->ther)
		return x->ther < y->ther ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

static int
cmp_out(const void *a, const void *b)
{
	const struct m_out *x = a, *y = b;

	if (x->previous != y->previous)
		return y->previous - x->previous;
	if (x->fit != y->fit)
		return y->fit - x->fit;
	if (x->free_places != y->free_places)
		return y->free_places - x->free_places;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Up to max starts of a group, spread: the first start in each of the
 * person's parts (in week order), then the rest in week order.
 */
static size_t
spread_starts(const struct m_ref *m, const struct wmask *starts, int *out,
    size_t max)
{
	struct wmask left = *starts;
	size_t n = 0;
	int p, s, base;

	for (p = 0; p < SCHED_SLOTS && n < max; p++) {
		if (!(m->parts & (1u << p)))
			continue;
		base = p / SCHED_PARTS * WQ_DAY;
		s = wm_next(&left, base + wq_part_lo[p % SCHED_PARTS]);
		if (s >= 0 && s < base + wq_part_hi[p % SCHED_PARTS]) {
			out[n++] = s;
			wm_clear(&left, s);
		}
	}
	for (s = wm_next(&left, 0); s >= 0 && n < max; s = wm_next(&left,
	    s + 1))
		out[n++] = s;
	return n;
}

/* The plainest suitable room free for the whole session, or NULL. */
static const struct w_room *
room_pick(const struct sched_world *w, const struct m_ref *m, size_t site,
    int start)
{
	const struct w_site *s = &w->sites[site];
	size_t i;

	for (i = 0; i < s->nrooms; i++) {
		const struct w_room *r = &w->rooms[s->rooms[i]];

		if (m_room_suits(w, m, r) &&
		    wm_all(&r->free, start, start + m->lenq))
			return r;
	}
	return NULL;
}

void
sched_result_free(struct sched_result *r)
{
	if (r == NULL)
		return;
	free(r->matches);
	free(r->exclusions);
	memset(r, 0, sizeof(*r));
}

int
sched_match(const struct sched_world *w, const struct sched_referral *ref,
    const struct sched_options *opts, struct sched_result *out)
{
	struct sched_options o;
	struct m_ref m;
	struct m_group *groups = NULL;
	struct m_out *outs = NULL;
	size_t *per = NULL, ng = 0, nout = 0, i, k, n, cap;
	enum sched_out why, best;
	int starts[WQ];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (w == NULL || ref == NULL || m_options(opts, &o) == -1)
		return -1;
	if (m_ref_prepare(w, ref, o.length_min, &m) == -1)
		goto out;
	if ((w->ntsites > 0 && (groups = calloc(w->ntsites,
	    sizeof(*groups))) == NULL) ||
	    (w->nther > 0 && ((outs = calloc(w->nther,
	    sizeof(*outs))) == NULL ||
	    (per = calloc(w->nther, sizeof(*per))) == NULL)))
		goto out;

	for (i = 0; i < w->nther; i++) {
		const struct w_ther *t = &w->ther[i];
		size_t before = ng;

		best = m_ther_check(t);
		if (best == SCHED_OUT__MAX) {
			best = SCHED_OUT_NO_SITE;
			for (k = 0; k < t->nsites; k++) {
				why = m_group_eval(w, &m, i, &t->sites[k],
				    &groups[ng]);
				if (why == SCHED_OUT__MAX) {
					out->candidates += (size_t)
					    wm_count(&groups[ng].starts);
					ng++;
				} else if (why > best)
					best = why;
			}
		}
		if (ng > before) {
			out->therapists_matched++;
			continue;
		}
		outs[nout].ther = i;
		outs[nout].why = best;
		outs[nout].fit = __builtin_popcount(ref->needs &
		    t->specialisms & NEED_MASK);
		outs[nout].previous = ref->previous_therapist_id == t->id;
		outs[nout].free_places = t->max_caseload - t->caseload;
		outs[nout].id = t->id;
		nout++;
	}

	if (ng > 0)
		qsort(groups, ng, sizeof(*groups), m_group_cmp);
	cap = o.max_matches < out->candidates ? o.max_matches :
	    out->candidates;
	if (cap > 0 && (out->matches = calloc(cap,
	    sizeof(*out->matches))) == NULL)
		goto out;
	for (i = 0; i < ng && out->nmatches < cap; i++) {
		const struct m_group *g = &groups[i];
		size_t want = o.per_therapist - per[g->ther];

		if (per[g->ther] >= o.per_therapist)
			continue;
		if (want > cap - out->nmatches)
			want = cap - out->nmatches;
		n = spread_starts(&m, &g->starts, starts, want);
		for (k = 0; k < n; k++)
			m_match_fill(w, &m, g, starts[k],
			    w->sites[g->site].online ? NULL :
			    room_pick(w, &m, g->site, starts[k]),
			    &out->matches[out->nmatches++]);
		per[g->ther] += n;
	}

	if (nout > 0)
		qsort(outs, nout, sizeof(*outs), cmp_out);
	if (nout > o.max_exclusions)
		nout = o.max_exclusions;
	if (nout > 0 && (out->exclusions = calloc(nout,
	    sizeof(*out->exclusions))) == NULL)
		goto out;
	for (i = 0; i < nout; i++)
		exclusion_fill(w, &m, outs[i].ther, outs[i].why,
		    &out->exclusions[i]);
	out->nexclusions = nout;
	rc = 0;
out:
	if (rc == -1)
		sched_result_free(out);
	free(per);
	free(outs);
	free(groups);
	m_ref_release(&m);
	return rc;
}

int
sched_match_each(const struct sched_world *w,
    const struct sched_referral *ref, const struct sched_options *opts,
    int (*fn)(void *, const struct sched_match *), void *arg)
{
	struct sched_options o;
	struct sched_match sm;
	struct m_ref m;
	struct m_group g;
	size_t i, k, r;
	int s;

	if (w == NULL || ref == NULL || fn == NULL ||
	    m_options(opts, &o) == -1)
		return -1;
	if (m_ref_prepare(w, ref, o.length_min, &m) == -1)
		return -1;
	for (i = 0; i < w->nther; i++) {
		const struct w_ther *t = &w->ther[i];

		if (m_ther_check(t) != SCHED_OUT__MAX)
			continue;
		for (k = 0; k < t->nsites; k++) {
			const struct w_site *site;

			if (m_group_eval(w, &m, i, &t->sites[k], &g) !=
			    SCHED_OUT__MAX)
				continue;
			site = &w->sites[g.site];
			for (s = wm_next(&g.starts, 0); s >= 0;
			    s = wm_next(&g.starts, s + 1)) {
				if (site->online) {
					m_match_fill(w, &m, &g, s, NULL, &sm);
					if (fn(arg, &sm) != 0)
						goto done;
					continue;
				}
				for (r = 0; r < site->nrooms; r++) {
					const struct w_room *room =
					    &w->rooms[site->rooms[r]];

					if (!m_room_suits(w, &m, room) ||
					    !wm_all(&room->free, s, s + m.lenq))
						continue;
					m_match_fill(w, &m, &g, s, room, &sm);
					if (fn(arg, &sm) != 0)
						goto done;
				}
			}
		}
	}
done:
	m_ref_release(&m);
	return 0;
}

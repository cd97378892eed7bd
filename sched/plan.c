/*
 * sched/plan.c: the whole waitlist at once (sched_plan) and the greedy
 * baseline (sched_plan_greedy).  sched.h says what is exact and what is
 * not; in short:
 *
 *   candidates  each referral's best (therapist, site) pairs, with all
 *               their starts, and the starts on the therapist's cells
 *   flow        referral -> therapist -> sink, capacities 1 and free
 *               places, cost -(score * M + tie-break): the most placed,
 *               then the best score, then the urgent and long-waiting
 *   cells       per therapist, a maximum matching of the referrals the
 *               flow gave them to their cells (non-overlapping session
 *               slots) in which a suitable room is still free; the pairs
 *               left out are banned and the flow runs again
 *   top-up      the still unplaced try any free start, greedily, then
 *               one-move improvements (improve)
 *   floor       the greedy pass, improved the same way, kept instead
 *               when it does better
 *
 * Every placement is committed through one function (commit) against
 * one state that holds each therapist's remaining places and the time
 * taken on each therapist and room, so no plan can break a capacity.
 */
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

#define NONE	((size_t)-1)
#define ONLINE	((size_t)-2)	/* "room" of an online proposal */
/* Most referrals in one plan: keeps the flow's costs (score * M, M about
 * 2000 n) and its path lengths well inside 64 bits. */
#define PLAN_MAX	100000

/* One (referral, therapist, site) candidate pair. */
struct p_cand {
	size_t		 ref;
	struct m_group	 g;
	struct wmask	 cells;		/* starts on the therapist's cells */
	int		 banned;	/* left out of further flow rounds */
};

struct p_ctx {
	const struct sched_world	*w;
	const struct sched_referral	*refs;
	size_t				 n;
	struct sched_options		 o;
	int				 lenq;
	struct m_ref			*mr;	/* per referral */
	size_t				*first;	/* its first cand. */
	size_t				*count;	/* its candidates */
	long long			*tb;	/* its tie-break */
	size_t				*order;	/* most urgent first */
	struct p_cand			*cands;
	size_t				 ncands;
	struct wmask			*grid;	/* per therapist */
	int				*caps;	/* places usable */
	long long			 M;	/* score weight */
};

/*
 * Who is placed where, and what that takes.  The owner maps hold a
 * referral's index plus one, 0 for nobody: calloc's zeros are empty
 * maps, so the rooms and therapists no proposal uses cost no page, and
 * a reset clears only the placed proposals' ranges (thousands of rooms
 * at a large service, a few hundred proposals).
 */
struct p_state {
	int		*left;		/* per therapist: places left */
	struct wmask	*tused;		/* per therapist: time proposed */
	struct wmask	*rused;		/* per room: time proposed */
	size_t		*cand;		/* per referral: candidate or NONE */
	int		*start;		/* per referral */
	size_t		*room;		/* per referral: room, ONLINE */
	size_t		*towner;	/* per therapist, quarter: OWNER */
	size_t		*rowner;	/* per room, quarter: OWNER */
	unsigned char	*stuck;		/* per referral: could not move */
	size_t		 placed;
	long long	 score;
	long long	 tb;
};

/* ---- candidates ---------------------------------------------------- */

struct p_prio {
	long long	 tb;
	size_t		 i;
};

static int
cmp_prio(const void *a, const void *b)
{
	const struct p_prio *x = a, *y = b;

	if (x->tb != y->tb)
		return x->tb > y->tb ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void
ctx_free(struct p_ctx *c)
{
	size_t i;

	if (c->mr != NULL)
		for (i = 0; i < c->n; i++)
			m_ref_release(&c->mr[i]);
	free(c->mr);
	free(c->first);
	free(c->count);
	free(c->tb);
	free(c->order);
	free(c->cands);
	free(c->grid);
	free(c->caps);
	memset(c, 0, sizeof(*c));
}

/* A quarter at which a cell may not continue: midnight and the edges of
 * the day parts. */
static int
cell_boundary(int q)
{
	int d = q % WQ_DAY, p;

	if (d == 0)
		return 1;
	for (p = 0; p < SCHED_PARTS; p++)
		if (d == wq_part_lo[p] || d == wq_part_hi[p])
			return 1;
	return 0;
}

/*
 * The therapist's cells: their free working time cut into stretches at
 * each boundary, and each stretch into back-to-back sessions from its
 * start.  No two cells overlap.
 */
static void
grid_make(const struct w_ther *t, int lenq, struct wmask *grid)
{
	struct wmask f;
	int s, e, q;

	wm_and(&f, &t->avail, &t->free);
	wm_zero(grid);
	for (s = wm_next(&f, 0); s >= 0; s = wm_next(&f, e)) {
		for (e = s + 1; e < WQ && wm_test(&f, e) && !cell_boundary(e);
		    e++)
			;
		for (q = s; q + lenq <= e; q += lenq)
			wm_set(grid, q);
	}
}

static int
ctx_build(struct p_ctx *c, const struct sched_world *w,
    const struct sched_referral *refs, size_t n,
    const struct sched_options *opts)
{
	struct m_group *groups = NULL;
	struct p_prio *prio = NULL;
	struct wmask *any = NULL;
	size_t r, t, k, ng, capc = 0, keep;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->w = w;
	c->refs = refs;
	c->n = n;
	if (m_options(opts, &c->o) == -1)
		return -1;
	c->lenq = c->o.length_min / SCHED_STEP_MIN;
	c->M = 2000 * (long long)n + 1;
	if ((n > 0 && ((c->mr = calloc(n, sizeof(*c->mr))) == NULL ||
	    (c->first = calloc(n, sizeof(size_t))) == NULL ||
	    (c->count = calloc(n, sizeof(size_t))) == NULL ||
	    (c->tb = calloc(n, sizeof(long long))) == NULL ||
	    (c->order = calloc(n, sizeof(size_t))) == NULL ||
	    (prio = calloc(n, sizeof(*prio))) == NULL)) ||
	    (w->nther > 0 && ((c->grid = calloc(w->nther,
	    sizeof(*c->grid))) == NULL || (c->caps = calloc(w->nther,
	    sizeof(int))) == NULL)) ||
	    (w->ntsites > 0 && (groups = calloc(w->ntsites,
	    sizeof(*groups))) == NULL))
		goto out;
	for (t = 0; t < w->nther; t++) {
		grid_make(&w->ther[t], c->lenq, &c->grid[t]);
		c->caps[t] = w->ther[t].max_caseload - w->ther[t].caseload;
		if (c->caps[t] < 0)
			c->caps[t] = 0;
	}

	for (r = 0; r < n; r++) {
		const struct sched_referral *ref = &refs[r];

		if (m_ref_prepare(w, ref, c->o.length_min, &c->mr[r]) == -1)
			goto out;
		ng = 0;
		for (t = 0; t < w->nther; t++) {
			if (m_ther_check(&w->ther[t]) != SCHED_OUT__MAX)
				continue;
			for (k = 0; k < w->ther[t].nsites; k++)
				if (m_group_eval(w, &c->mr[r], t,
				    &w->ther[t].sites[k], &groups[ng]) ==
				    SCHED_OUT__MAX)
					ng++;
		}
		if (ng > 0)
			qsort(groups, ng, sizeof(*groups),
			    m_group_cmp);
		keep = ng < c->o.plan_pairs ? ng : c->o.plan_pairs;
		if (c->ncands + keep > capc) {
			size_t nc = capc * 2 + keep + 256;
			struct p_cand *p = realloc(c->cands, nc * sizeof(*p));

			if (p == NULL)
				goto out;
			c->cands = p;
			capc = nc;
		}
		c->first[r] = c->ncands;
		c->count[r] = keep;
		for (k = 0; k < keep; k++) {
			struct p_cand *cd = &c->cands[c->ncands++];

			cd->ref = r;
			cd->g = groups[k];
			wm_and(&cd->cells, &cd->g.starts, &c->grid[cd->g.ther]);
			cd->banned = 0;
		}
		c->tb[r] = (ref->urgent ? 1000 : 0) + (ref->waiting_days < 0 ?
		    0 : ref->waiting_days > 999 ? 999 : ref->waiting_days);
		prio[r].tb = c->tb[r];
		prio[r].i = r;
	}
	/*
	 * A therapist can take no more of these referrals than sessions fit
	 * side by side in the union of their starts (taking the earliest
	 * first fits the most): a tighter capacity for the flow, and its
	 * count stays an upper bound on any plan.
	 */
	if (w->nther > 0 && (any = calloc(w->nther, sizeof(*any))) == NULL)
		goto out;
	for (k = 0; k < c->ncands; k++)
		wm_or_in(&any[c->cands[k].g.ther], &c->cands[k].g.starts);
	for (t = 0; t < w->nther; t++) {
		int q, fit = 0;

		for (q = wm_next(&any[t], 0); q >= 0 && fit < c->caps[t];
		    q = wm_next(&any[t], q + c->lenq))
			fit++;
		c->caps[t] = fit;
	}
	if (n > 0)
		qsort(prio, n, sizeof(*prio), cmp_prio);
	for (r = 0; r < n; r++)
		c->order[r] = prio[r].i;
	rc = 0;
out:
	free(any);
	free(prio);
	free(groups);
	return rc;
}

/* ---- state --------------------------------------------------------- */

static void
state_free(struct p_state *s)
{
	free(s->left);
	free(s->tused);
	free(s->rused);
	free(s->cand);
	free(s->start);
	free(s->room);
	free(s->towner);
	free(s->rowner);
	free(s->stuck);
	memset(s, 0, sizeof(*s));
}

static int
state_new(const struct p_ctx *c, struct p_state *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	if ((c->w->nther > 0 && ((s->left = calloc(c->w->nther,
	    sizeof(int))) == NULL || (s->tused = calloc(c->w->nther,
	    sizeof(struct wmask))) == NULL)) ||
	    (c->w->nrooms > 0 && (s->rused = calloc(c->w->nrooms,
	    sizeof(struct wmask))) == NULL) ||
	    (c->n > 0 && ((s->cand = calloc(c->n, sizeof(size_t))) == NULL ||
	    (s->start = calloc(c->n, sizeof(int))) == NULL ||
	    (s->room = calloc(c->n, sizeof(size_t))) == NULL ||
	    (s->stuck = calloc(c->n, 1)) == NULL)) ||
	    (c->w->nther > 0 && (s->towner = calloc(c->w->nther * WQ,
	    sizeof(size_t))) == NULL) ||
	    (c->w->nrooms > 0 && (s->rowner = calloc(c->w->nrooms * WQ,
	    sizeof(size_t))) == NULL)) {
		state_free(s);
		return -1;
	}
	for (i = 0; i < c->n; i++)
		s->cand[i] = NONE;
	return 0;
}

/* Marks [start, start + lenq) of an owner map as who's (NONE: nobody's,
 * stored as 0). */
static void
own_range(size_t *owner, int start, int lenq, size_t who)
{
	int q;

	for (q = start; q < start + lenq; q++)
		owner[q] = who + 1;
}

/* Nobody placed; every therapist's free places left. */
static void
state_reset(const struct p_ctx *c, struct p_state *s)
{
	size_t i, t;
	int free_places;

	for (i = 0; i < c->w->nther; i++) {
		free_places = c->w->ther[i].max_caseload -
		    c->w->ther[i].caseload;
		s->left[i] = free_places > 0 ? free_places : 0;
		wm_zero(&s->tused[i]);
	}
	for (i = 0; i < c->w->nrooms; i++)
		wm_zero(&s->rused[i]);
	for (i = 0; i < c->n; i++) {
		if (s->cand[i] != NONE) {
			t = c->cands[s->cand[i]].g.ther;
			own_range(s->towner + t * WQ, s->start[i], c->lenq,
			    NONE);
			if (s->room[i] != ONLINE)
				own_range(s->rowner + s->room[i] * WQ,
				    s->start[i], c->lenq, NONE);
		}
		s->cand[i] = NONE;
		s->room[i] = NONE;
		s->start[i] = -1;
	}
	s->placed = 0;
	s->score = 0;
	s->tb = 0;
}

/*
 * The plainest room at the candidate's site that suits its referral and
 * is neither booked nor proposed during the session at start: its index,
 * ONLINE for an online site, or NONE.
 */
static size_t
room_find(const struct p_ctx *c, const struct p_state *s,
    const struct p_cand *cd, int start)
{
	const struct w_site *site = &c->w->sites[cd->g.site];
	size_t i, ri;

	if (site->online)
		return ONLINE;
	for (i = 0; i < site->nrooms; i++) {
		ri = site->rooms[i];
		if (m_room_suits(c->w, &c->mr[cd->ref], &c->w->rooms[ri]) &&
		    wm_all(&c->w->rooms[ri].free, start, start + c->lenq) &&
		    !wm_any(&s->rused[ri], start, start + c->lenq))
			return ri;
	}
	return NONE;
}

/* Places the candidate's referral at start in room; the one way any
 * proposal enters a state. */
static void
commit(const struct p_ctx *c, struct p_state *s, size_t ci, int start,
    size_t room)
{
	const struct p_cand *cd = &c->cands[ci];
	size_t t = cd->g.ther;

	s->cand[cd->ref] = ci;
	s->start[cd->ref] = start;
	s->room[cd->ref] = room;
	s->left[t]--;
	wm_put_range(&s->tused[t], start, start + c->lenq, 1);
	own_range(s->towner + t * WQ, start, c->lenq, cd->ref);
	if (room != ONLINE) {
		wm_put_range(&s->rused[room], start, start + c->lenq, 1);
		own_range(s->rowner + room * WQ, start, c->lenq, cd->ref);
	}
	s->placed++;
	s->score += cd->g.score.total;
	s->tb += c->tb[cd->ref];
}

/* Takes referral r's proposal out again: the inverse of commit. */
static void
uncommit(const struct p_ctx *c, struct p_state *s, size_t r)
{
	const struct p_cand *cd = &c->cands[s->cand[r]];
	size_t t = cd->g.ther, room = s->room[r];
	int start = s->start[r];

	s->left[t]++;
	wm_put_range(&s->tused[t], start, start + c->lenq, 0);
	own_range(s->towner + t * WQ, start, c->lenq, NONE);
	if (room != ONLINE) {
		wm_put_range(&s->rused[room], start, start + c->lenq, 0);
		own_range(s->rowner + room * WQ, start, c->lenq, NONE);
	}
	s->placed--;
	s->score -= cd->g.score.total;
	s->tb -= c->tb[r];
	s->cand[r] = NONE;
	s->start[r] = -1;
	s->room[r] = NONE;
}

/*
 * Places referral r, if it is not, at the earliest start of its
 * best-scoring candidate whose therapist has a place and the time, and
 * a room is free.  Returns 1 if placed.
 */
static int
place_any(const struct p_ctx *c, struct p_state *s, size_t r)
{
	size_t j, ci, room;
	int st;

	for (j = 0; j < c->count[r]; j++) {
		const struct p_cand *cd;

		ci = c->first[r] + j;
		cd = &c->cands[ci];
		if (s->left[cd->g.ther] <= 0)
			continue;
		for (st = wm_next(&cd->g.starts, 0); st >= 0;
		    st = wm_next(&cd->g.starts, st + 1)) {
			if (wm_any(&s->tused[cd->g.ther], st, st + c->lenq))
				continue;
			if ((room = room_find(c, s, cd, st)) == NONE)
				continue;
			commit(c, s, ci, st, room);
			return 1;
		}
	}
	return 0;
}

/*
 * Greedy: each referral not yet placed, most urgent first, takes its
 * best-scoring candidate at the earliest start whose therapist and a
 * room are still free.
 */
static void
fill_greedy(const struct p_ctx *c, struct p_state *s)
{
	size_t k, r;

	for (k = 0; k < c->n; k++) {
		r = c->order[k];
		if (s->cand[r] == NONE)
			(void)place_any(c, s, r);
	}
}

/*
 * The one proposal standing in the way over [start, start + lenq) in an
 * owner map: NONE if none; (size_t)-3 if more than one.
 */
#define MANY	((size_t)-3)

static size_t
one_owner(const size_t *owner, int start, int lenq)
{
	size_t who = NONE, o;
	int q;

	for (q = start; q < start + lenq; q++) {
		if ((o = owner[q] - 1) == NONE || o == who)
			continue;
		if (who != NONE)
			return MANY;
		who = o;
	}
	return who;
}

/*
 * For the candidate at start: a room that suits, free of bookings, in
 * which at most one proposal (and then the same as *blocker, if that is
 * set) stands in the way; sets *blocker to it.  Returns the room (ONLINE
 * online), or NONE.  A room with nobody in the way comes first.
 */
static size_t
room_with_one(const struct p_ctx *c, const struct p_state *s,
    const struct p_cand *cd, int start, size_t *blocker)
{
	const struct w_site *site = &c->w->sites[cd->g.site];
	size_t i, ri, who, alt = NONE, alt_who = NONE;

	if (site->online)
		return ONLINE;
	for (i = 0; i < site->nrooms; i++) {
		ri = site->rooms[i];
		if (!m_room_suits(c->w, &c->mr[cd->ref], &c->w->rooms[ri]) ||
		    !wm_all(&c->w->rooms[ri].free, start, start + c->lenq))
			continue;
		who = one_owner(s->rowner + ri * WQ, start, c->lenq);
		if (who == NONE || who == *blocker)
			return ri;
		if (who != MANY && *blocker == NONE && alt == NONE) {
			alt = ri;
			alt_who = who;
		}
	}
	if (alt != NONE)
		*blocker = alt_who;
	return alt;
}

/*
 * Improvement by one move: an unplaced referral takes a start where a
 * single placed proposal stands in its way (by its therapist's time or
 * place, or its room), if that proposal can go to another free start of
 * any of its candidates.  Each success places one more person; nobody
 * placed is ever left out.  A proposal that could not move is not tried
 * again in the same sweep; at most three sweeps.
 */
static void
improve(const struct p_ctx *c, struct p_state *s)
{
	size_t k, r, j, ci, t, b, room, bc, broom;
	int st, bst, sweep, better;

	if (c->n == 0)
		return;
	for (sweep = 0; sweep < 3; sweep++) {
		better = 0;
		memset(s->stuck, 0, c->n);
		for (k = 0; k < c->n; k++) {
			r = c->order[k];
			if (s->cand[r] != NONE)
				continue;
			for (j = 0; j < c->count[r] && s->cand[r] == NONE;
			    j++) {
				const struct p_cand *cd;

				ci = c->first[r] + j;
				cd = &c->cands[ci];
				t = cd->g.ther;
				for (st = wm_next(&cd->g.starts, 0); st >= 0;
				    st = wm_next(&cd->g.starts, st + 1)) {
					b = one_owner(s->towner + t * WQ, st,
					    c->lenq);
					if (b == MANY || (b == NONE &&
					    s->left[t] <= 0) ||
					    (b != NONE && s->stuck[b]))
						continue;
					room = room_with_one(c, s, cd, st, &b);
					if (room == NONE)
						continue;
					if (b == NONE) {
						commit(c, s, ci, st, room);
						better = 1;
						break;
					}
					if (s->stuck[b])
						continue;
					bc = s->cand[b];
					bst = s->start[b];
					broom = s->room[b];
					uncommit(c, s, b);
					commit(c, s, ci, st, room);
					if (place_any(c, s, b)) {
						better = 1;
						break;
					}
					uncommit(c, s, r);
					commit(c, s, bc, bst, broom);
					s->stuck[b] = 1;
				}
			}
		}
		if (!better)
			break;
	}
}

/* ---- the flow ------------------------------------------------------ */

/*
 * Solves the flow over the candidates not banned; writes each
 * referral's candidate (or NONE) into assign.  Returns the number
 * placed, or -1 on out of memory.
 */
static long long
flow_round(struct p_ctx *c, size_t *assign)
{
	const struct sched_world *w = c->w;
	struct bm *b;
	size_t i, r, placed = 0, ne = 0, *ecand = NULL;
	long e;
	long long rc = -1;

	if ((b = bm_new(c->n, w->nther, c->caps)) == NULL ||
	    (ecand = calloc(c->ncands + 1, sizeof(size_t))) == NULL)
		goto out;
	for (i = 0; i < c->ncands; i++) {
		struct p_cand *cd = &c->cands[i];

		if (cd->banned)
			continue;
		if (bm_edge(b, cd->ref, cd->g.ther,
		    -((long long)cd->g.score.total * c->M +
		    c->tb[cd->ref])) == -1)
			goto out;
		ecand[ne++] = i;
	}
	if (bm_solve(b, &placed) == -1)
		goto out;
	for (r = 0; r < c->n; r++)
		assign[r] = (e = bm_match(b, r)) >= 0 ? ecand[e] : NONE;
	rc = (long long)placed;
out:
	free(ecand);
	bm_free(b);
	return rc;
}

/* ---- cells --------------------------------------------------------- */

struct kuhn {
	const struct p_ctx	*c;
	const struct p_state	*s;
	const size_t		*items;		/* candidates, best first */
	int			 owner[WQ];	/* item in a cell, or -1 */
	int			 seen[WQ];
	int			 stamp;
};

/* Augmenting path from item i (Kuhn's algorithm); 1 if it got a cell. */
static int
kuhn_try(struct kuhn *k, int i)
{
	const struct p_cand *cd = &k->c->cands[k->items[i]];
	int q;

	for (q = wm_next(&cd->cells, 0); q >= 0; q = wm_next(&cd->cells,
	    q + 1)) {
		if (k->seen[q] == k->stamp)
			continue;
		k->seen[q] = k->stamp;
		if (room_find(k->c, k->s, cd, q) == NONE)
			continue;
		if (k->owner[q] < 0 || kuhn_try(k, k->owner[q])) {
			k->owner[q] = i;
			return 1;
		}
	}
	return 0;
}

/* A pair the flow chose, for sorting by therapist, then heaviest first. */
struct p_item {
	size_t		 ther;
	long long	 weight;
	size_t		 cand;
};

static int
cmp_item(const void *a, const void *b)
{
	const struct p_item *x = a, *y = b;

	if (x->ther != y->ther)
		return x->ther < y->ther ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->cand < y->cand ? -1 : x->cand > y->cand;
}

/*
 * Gives the flow's pairs their cells and rooms, therapist by therapist,
 * into s (reset first).  Pairs that get none are banned.  Returns the
 * number banned, or -1 on out of memory.
 */
static long long
cells_round(struct p_ctx *c, struct p_state *s, const size_t *assign)
{
	struct kuhn *k;
	struct p_item *pi;
	size_t *items, n = 0, i, j, end, room;
	long long bans = 0;
	int q;

	state_reset(c, s);
	items = calloc(c->n + 1, sizeof(size_t));
	pi = calloc(c->n + 1, sizeof(*pi));
	k = calloc(1, sizeof(*k));
	if (items == NULL || pi == NULL || k == NULL) {
		free(k);
		free(pi);
		free(items);
		return -1;
	}
	for (i = 0; i < c->n; i++) {
		const struct p_cand *cd;

		if (assign[i] == NONE)
			continue;
		cd = &c->cands[assign[i]];
		pi[n].ther = cd->g.ther;
		pi[n].weight = (long long)cd->g.score.total * c->M +
		    c->tb[cd->ref];
		pi[n].cand = assign[i];
		n++;
	}
	if (n > 0)
		qsort(pi, n, sizeof(*pi), cmp_item);
	for (i = 0; i < n; i++)
		items[i] = pi[i].cand;
	free(pi);
	k->c = c;
	k->s = s;
	for (i = 0; i < n; i = end) {
		size_t t = c->cands[items[i]].g.ther;

		for (end = i; end < n && c->cands[items[end]].g.ther == t;
		    end++)
			;
		k->items = items + i;
		for (q = 0; q < WQ; q++)
			k->owner[q] = -1;
		for (j = 0; j < end - i; j++) {
			k->stamp++;
			(void)kuhn_try(k, (int)j);
		}
		for (q = 0; q < WQ; q++) {
			if (k->owner[q] < 0)
				continue;
			room = room_find(c, s, &c->cands[k->items[k->owner[q]]],
			    q);
			/* Cells of one therapist never overlap, so the room
			 * the matching saw is still free. */
			if (room == NONE || s->left[t] <= 0)
				continue;
			commit(c, s, k->items[k->owner[q]], q, room);
		}
		for (j = i; j < end; j++)
			if (s->cand[c->cands[items[j]].ref] != items[j]) {
				c->cands[items[j]].banned = 1;
				bans++;
			}
	}
	free(k);
	free(items);
	return bans;
}

/* ---- output -------------------------------------------------------- */

void
sched_plan_free(struct sched_plan *p)
{
	if (p == NULL)
		return;
	free(p->proposals);
	memset(p, 0, sizeof(*p));
}

static int
output(const struct p_ctx *c, const struct p_state *s, struct sched_plan *p)
{
	size_t r;

	p->nproposals = c->n;
	if (c->n > 0 && (p->proposals = calloc(c->n,
	    sizeof(*p->proposals))) == NULL)
		return -1;
	for (r = 0; r < c->n; r++) {
		struct sched_proposal *pr = &p->proposals[r];
		const struct p_cand *cd;

		pr->referral_id = c->refs[r].id;
		if (s->cand[r] == NONE) {
			pr->why = c->count[r] == 0 ? SCHED_UNPLACED_NO_MATCH :
			    SCHED_UNPLACED_TAKEN;
			continue;
		}
		cd = &c->cands[s->cand[r]];
		pr->placed = 1;
		pr->why = SCHED_UNPLACED_NONE;
		m_match_fill(c->w, &c->mr[r], &cd->g, s->start[r],
		    s->room[r] == ONLINE ? NULL : &c->w->rooms[s->room[r]],
		    &pr->match);
	}
	p->placed = s->placed;
	p->total_score = s->score;
	return 0;
}

/* 1 if a is better than b: more placed, then score, then tie-breaks. */
static int
state_better(const struct p_state *a, const struct p_state *b)
{
	if (a->placed != b->placed)
		return a->placed > b->placed;
	if (a->score != b->score)
		return a->score > b->score;
	return a->tb > b->tb;
}

int
sched_plan_greedy(const struct sched_world *w,
    const struct sched_referral *refs, size_t n,
    const struct sched_options *opts, struct sched_plan *out)
{
	struct p_ctx c;
	struct p_state s;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	if (w == NULL || (n > 0 && refs == NULL) || n > PLAN_MAX)
		return -1;
	if (ctx_build(&c, w, refs, n, opts) == -1 || state_new(&c, &s) == -1)
		goto out;
	state_reset(&c, &s);
	fill_greedy(&c, &s);
	if (output(&c, &s, out) == -1)
		goto out;
	out->greedy_placed = s.placed;
	out->greedy_score = s.score;
	out->method = SCHED_METHOD_GREEDY;
	rc = 0;
out:
	if (rc == -1)
		sched_plan_free(out);
	state_free(&s);
	ctx_free(&c);
	return rc;
}

int
sched_plan(const struct sched_world *w, const struct sched_referral *refs,
    size_t n, const struct sched_options *opts, struct sched_plan *out)
{
	struct p_ctx c;
	struct p_state fs, gs;
	size_t *assign = NULL;
	long long placed, bans;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&fs, 0, sizeof(fs));
	memset(&gs, 0, sizeof(gs));
	if (w == NULL || (n > 0 && refs == NULL) || n > PLAN_MAX)
		return -1;
	if (ctx_build(&c, w, refs, n, opts) == -1 ||
	    state_new(&c, &fs) == -1 || state_new(&c, &gs) == -1 ||
	    (assign = calloc(n + 1, sizeof(size_t))) == NULL)
		goto out;

	for (;;) {
		if ((placed = flow_round(&c, assign)) == -1)
			goto out;
		if (out->rounds++ == 0)
			out->bound = (size_t)placed;
		if ((bans = cells_round(&c, &fs, assign)) == -1)
			goto out;
		if (bans == 0 || out->rounds >= c.o.plan_rounds)
			break;
	}
	fill_greedy(&c, &fs);
	improve(&c, &fs);

	state_reset(&c, &gs);
	fill_greedy(&c, &gs);
	out->greedy_placed = gs.placed;
	out->greedy_score = gs.score;
	improve(&c, &gs);
	out->flow_placed = fs.placed;
	out->flow_score = fs.score;
	if (state_better(&gs, &fs)) {
		out->method = SCHED_METHOD_GREEDY;
		if (output(&c, &gs, out) == -1)
			goto out;
	} else {
		out->method = SCHED_METHOD_FLOW;
		if (output(&c, &fs, out) == -1)
			goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		sched_plan_free(out);
	free(assign);
	state_free(&gs);
	state_free(&fs);
	ctx_free(&c);
	return rc;
}

/*
 * sched/flow.c: the plan's min-cost flow, written for its one shape.
 *
 * The network is source -> left node (capacity 1) -> right node (edges
 * with costs) -> sink (capacity cap[right]): referrals, therapists and
 * their free places.  Wanted: a maximum flow, and among maximum flows
 * one of least cost.  Method: successive shortest augmenting paths with
 * Johnson potentials and Dijkstra (primal-dual), which yields a least-
 * cost flow of each value in turn and stops at the maximum.
 *
 * Two things make each search cheap.  (1) Left nodes not yet matched are
 * never searched through: they are all at distance 0 from the source,
 * keep potential 0, and each right node's cheapest edge from one of them
 * is found by a pointer into its incoming edges sorted by cost (a left
 * node, once matched, stays matched, so the pointer only moves on).
 * (2) The search stops when the sink is settled; nodes not settled take
 * the sink's distance into their potential, which keeps every reduced
 * cost non-negative.  So a search visits the right nodes and the matched
 * left nodes near the cheap paths, not the whole waitlist.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

#define INF	INT64_MAX

struct bm {
	size_t		 nl, nr, ne, cape;
	const int	*cap;		/* per right node */
	size_t		*el;		/* per edge: left node */
	size_t		*er;		/* per edge: right node */
	long long	*cost;		/* per edge */
	/* Built by bm_solve. */
	size_t		*ladj, *lstart;	/* edges out of each left node */
	size_t		*rin, *rstart;	/* edges into each right, by cost */
	size_t		*rptr;		/* next unmatched candidate */
	long		*match;		/* per left: its edge, or -1 */
	long		*anext, *aprev;	/* per edge: list of matched edges */
	long		*ahead;		/* per right: first matched edge */
	int		*load;		/* per right */
	long long	*hl, *hr, hs;	/* potentials */
	long long	*dist;		/* rights, then lefts, then sink */
	long		*prev;		/* edge into each node on the tree */
	unsigned char	*settled;
	struct bm_item {
		long long	 d;
		size_t		 v;
	}		*heap;
	size_t		 nheap, capheap;
};

void
bm_free(struct bm *b)
{
	if (b == NULL)
		return;
	free(b->el);
	free(b->er);
	free(b->cost);
	free(b->ladj);
	free(b->lstart);
	free(b->rin);
	free(b->rstart);
	free(b->rptr);
	free(b->match);
	free(b->anext);
	free(b->aprev);
	free(b->ahead);
	free(b->load);
	free(b->hl);
	free(b->hr);
	free(b->dist);
	free(b->prev);
	free(b->settled);
	free(b->heap);
	free(b);
}

struct bm *
bm_new(size_t nleft, size_t nright, const int *cap)
{
	struct bm *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->nl = nleft;
	b->nr = nright;
	b->cap = cap;
	return b;
}

int
bm_edge(struct bm *b, size_t l, size_t r, long long cost)
{
	assert(l < b->nl && r < b->nr);
	if (b->ne == b->cape) {
		size_t nc = b->cape ? b->cape * 2 : 1024;
		void *p;

		if ((p = realloc(b->el, nc * sizeof(size_t))) == NULL)
			return -1;
		b->el = p;
		if ((p = realloc(b->er, nc * sizeof(size_t))) == NULL)
			return -1;
		b->er = p;
		if ((p = realloc(b->cost, nc * sizeof(long long))) == NULL)
			return -1;
		b->cost = p;
		b->cape = nc;
	}
	b->el[b->ne] = l;
	b->er[b->ne] = r;
	b->cost[b->ne] = cost;
	b->ne++;
	return 0;
}

long
bm_match(const struct bm *b, size_t l)
{
	return b->match != NULL ? b->match[l] : -1;
}

/* ---- heap ---------------------------------------------------------- */

static int
heap_push(struct bm *b, long long d, size_t v)
{
	size_t i, p;

	if (b->nheap == b->capheap) {
		size_t nc = b->capheap ? b->capheap * 2 : 1024;
		void *q = realloc(b->heap, nc * sizeof(*b->heap));

		if (q == NULL)
			return -1;
		b->heap = q;
		b->capheap = nc;
	}
	i = b->nheap++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (b->heap[p].d <= d)
			break;
		b->heap[i] = b->heap[p];
		i = p;
	}
	b->heap[i].d = d;
	b->heap[i].v = v;
	return 0;
}

static struct bm_item
heap_pop(struct bm *b)
{
	struct bm_item top = b->heap[0], last = b->heap[--b->nheap];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= b->nheap)
			break;
		if (c + 1 < b->nheap && b->heap[c + 1].d < b->heap[c].d)
			c++;
		if (b->heap[c].d >= last.d)
			break;
		b->heap[i] = b->heap[c];
		i = c;
	}
	if (b->nheap > 0)
		b->heap[i] = last;
	return top;
}

/* ---- building ------------------------------------------------------ */

/* An edge in the order it takes in its right node's list. */
struct bm_key {
	size_t		 r;
	long long	 cost;
	size_t		 e;
};

static int
cmp_key(const void *a, const void *b)
{
	const struct bm_key *x = a, *y = b;

	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

static int
build(struct bm *b)
{
	size_t i, nl = b->nl, nr = b->nr, nv = nr + nl + 1, *fill;
	struct bm_key *keys;

	if ((b->lstart = calloc(nl + 1, sizeof(size_t))) == NULL ||
	    (b->rstart = calloc(nr + 1, sizeof(size_t))) == NULL ||
	    (b->ladj = calloc(b->ne + 1, sizeof(size_t))) == NULL ||
	    (b->rin = calloc(b->ne + 1, sizeof(size_t))) == NULL ||
	    (b->rptr = calloc(nr + 1, sizeof(size_t))) == NULL ||
	    (b->match = calloc(nl + 1, sizeof(long))) == NULL ||
	    (b->anext = calloc(b->ne + 1, sizeof(long))) == NULL ||
	    (b->aprev = calloc(b->ne + 1, sizeof(long))) == NULL ||
	    (b->ahead = calloc(nr + 1, sizeof(long))) == NULL ||
	    (b->load = calloc(nr + 1, sizeof(int))) == NULL ||
	    (b->hl = calloc(nl + 1, sizeof(long long))) == NULL ||
	    (b->hr = calloc(nr + 1, sizeof(long long))) == NULL ||
	    (b->dist = calloc(nv, sizeof(long long))) == NULL ||
	    (b->prev = calloc(nv, sizeof(long))) == NULL ||
	    (b->settled = calloc(nv, 1)) == NULL)
		return -1;
	for (i = 0; i < b->ne; i++) {
		b->lstart[b->el[i] + 1]++;
		b->rstart[b->er[i] + 1]++;
	}
	for (i = 0; i < nl; i++)
		b->lstart[i + 1] += b->lstart[i];
	for (i = 0; i < nr; i++)
		b->rstart[i + 1] += b->rstart[i];
	if ((fill = calloc(nl + 1, sizeof(size_t))) == NULL)
		return -1;
	for (i = 0; i < b->ne; i++)
		b->ladj[b->lstart[b->el[i]] + fill[b->el[i]]++] = i;
	free(fill);
	/* Each right node's incoming edges, cheapest first. */
	if ((keys = calloc(b->ne + 1, sizeof(*keys))) == NULL)
		return -1;
	for (i = 0; i < b->ne; i++) {
		keys[i].r = b->er[i];
		keys[i].cost = b->cost[i];
		keys[i].e = i;
	}
	qsort(keys, b->ne, sizeof(*keys), cmp_key);
	for (i = 0; i < b->ne; i++)
		b->rin[i] = keys[i].e;
	free(keys);
	for (i = 0; i < nr; i++) {
		b->rptr[i] = b->rstart[i];
		b->ahead[i] = -1;
	}
	for (i = 0; i < nl; i++)
		b->match[i] = -1;
	/* First potentials: shortest distances in the empty network. */
	b->hs = 0;
	for (i = 0; i < nr; i++) {
		b->hr[i] = b->rstart[i + 1] > b->rstart[i] ?
		    b->cost[b->rin[b->rstart[i]]] : 0;
		if (b->cap[i] > 0 && b->hr[i] < b->hs)
			b->hs = b->hr[i];
	}
	return 0;
}

/* ---- solving ------------------------------------------------------- */

static void
assigned_add(struct bm *b, size_t r, long e)
{
	b->aprev[e] = -1;
	b->anext[e] = b->ahead[r];
	if (b->ahead[r] >= 0)
		b->aprev[b->ahead[r]] = e;
	b->ahead[r] = e;
	b->load[r]++;
}

static void
assigned_remove(struct bm *b, size_t r, long e)
{
	if (b->aprev[e] >= 0)
		b->anext[b->aprev[e]] = b->anext[e];
	else
		b->ahead[r] = b->anext[e];
	if (b->anext[e] >= 0)
		b->aprev[b->anext[e]] = b->aprev[e];
	b->load[r]--;
}

/* Relaxes node v to distance d through edge e. */
static int
relax(struct bm *b, size_t v, long long d, long e)
{
	if (b->settled[v] || d >= b->dist[v])
		return 0;
	b->dist[v] = d;
	b->prev[v] = e;
	return heap_push(b, d, v);
}

/*
 * One shortest augmenting path, and the flow pushed along it.  Returns
 * 1 if one was found, 0 if none is left, -1 on out of memory.
 */
static int
phase(struct bm *b)
{
	size_t nr = b->nr, nl = b->nl, sink = nr + nl, v, i, t, l;
	long long D, d;
	long e, old;
	struct bm_item it;

	for (v = 0; v <= sink; v++) {
		b->dist[v] = INF;
		b->settled[v] = 0;
	}
	b->nheap = 0;
	/* Rights from the cheapest edge of a left node not yet matched. */
	for (t = 0; t < nr; t++) {
		while (b->rptr[t] < b->rstart[t + 1] &&
		    b->match[b->el[b->rin[b->rptr[t]]]] >= 0)
			b->rptr[t]++;
		if (b->rptr[t] == b->rstart[t + 1])
			continue;
		e = (long)b->rin[b->rptr[t]];
		d = b->cost[e] - b->hr[t];
		assert(d >= 0);
		if (relax(b, t, d, e) == -1)
			return -1;
	}
	while (b->nheap > 0) {
		it = heap_pop(b);
		v = it.v;
		if (b->settled[v] || it.d != b->dist[v])
			continue;
		b->settled[v] = 1;
		if (v == sink)
			break;
		if (v < nr) {
			t = v;
			if (b->load[t] < b->cap[t]) {
				d = b->dist[t] + b->hr[t] - b->hs;
				assert(d >= b->dist[t]);
				if (relax(b, sink, d, (long)t) == -1)
					return -1;
			}
			for (e = b->ahead[t]; e >= 0; e = b->anext[e]) {
				l = b->el[e];
				d = -b->cost[e] + b->hr[t] - b->hl[l];
				assert(d >= 0);
				if (relax(b, nr + l, b->dist[t] + d, e) == -1)
					return -1;
			}
		} else {
			l = v - nr;
			for (i = b->lstart[l]; i < b->lstart[l + 1]; i++) {
				e = (long)b->ladj[i];
				if (e == b->match[l] || b->cap[b->er[e]] <= 0)
					continue;
				t = b->er[e];
				d = b->cost[e] + b->hl[l] - b->hr[t];
				assert(d >= 0);
				if (relax(b, t, b->dist[v] + d, e) == -1)
					return -1;
			}
		}
	}
	if (!b->settled[sink])
		return 0;
	D = b->dist[sink];
	for (t = 0; t < nr; t++)
		b->hr[t] += b->settled[t] ? b->dist[t] : D;
	for (l = 0; l < nl; l++)
		if (b->match[l] >= 0)
			b->hl[l] += b->settled[nr + l] ? b->dist[nr + l] : D;
	b->hs += D;
	/* Push one unit back from the sink. */
	t = (size_t)b->prev[sink];
	for (;;) {
		e = b->prev[t];
		l = b->el[e];
		old = b->match[l];
		b->match[l] = e;
		assigned_add(b, t, e);
		if (old < 0)
			break;
		t = b->er[old];
		assigned_remove(b, t, old);
	}
	return 1;
}

int
bm_solve(struct bm *b, size_t *matched)
{
	int r;

	*matched = 0;
	if (build(b) == -1)
		return -1;
	while ((r = phase(b)) == 1)
		(*matched)++;
	return r;
}

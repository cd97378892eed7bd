/*
 * sched internals shared by world.c, match.c and plan.c; not part of the
 * public face (sched.h).
 *
 * Weekly time is a bit set of quarter hours: bit i is the quarter from
 * minute 15 * i after Monday 00:00, 672 bits a week.  A session of n
 * quarters starting at quarter s uses bits s .. s + n - 1; the set of
 * possible starts inside a set of free time is its "erosion" by n.
 */
#ifndef SCHED_SCHED_INT_H
#define SCHED_SCHED_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sched/sched.h"

#define WQ_HOUR		4
#define WQ_DAY		96
#define WQ		(SCHED_DAYS * WQ_DAY)	/* 672 quarters a week */
#define WWORDS		((WQ + 63) / 64)	/* 11 */

struct wmask {
	uint64_t	 w[WWORDS];
};

/* Day parts in quarters from midnight: am 09-12, pm 12-17, eve 17-20. */
extern const int wq_part_lo[SCHED_PARTS];
extern const int wq_part_hi[SCHED_PARTS];

static inline void
wm_zero(struct wmask *m)
{
	int i;

	for (i = 0; i < WWORDS; i++)
		m->w[i] = 0;
}

static inline int
wm_test(const struct wmask *m, int i)
{
	return (int)((m->w[i >> 6] >> (i & 63)) & 1);
}

static inline void
wm_set(struct wmask *m, int i)
{
	m->w[i >> 6] |= (uint64_t)1 << (i & 63);
}

static inline void
wm_clear(struct wmask *m, int i)
{
	m->w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

/* The bits of word k that lie in [lo, hi). */
static inline uint64_t
wm_word_range(int k, int lo, int hi)
{
	int a = lo - k * 64, b = hi - k * 64;
	uint64_t m;

	if (a < 0)
		a = 0;
	if (b > 64)
		b = 64;
	if (a >= b)
		return 0;
	m = b == 64 ? ~(uint64_t)0 : ((uint64_t)1 << b) - 1;
	return m & ~(((uint64_t)1 << a) - 1);
}

/* Sets (on) or clears bits [lo, hi); 0 <= lo <= hi <= WQ. */
static inline void
wm_put_range(struct wmask *m, int lo, int hi, int on)
{
	int k;

	for (k = lo >> 6; k < WWORDS && k * 64 < hi; k++) {
		if (on)
			m->w[k] |= wm_word_range(k, lo, hi);
		else
			m->w[k] &= ~wm_word_range(k, lo, hi);
	}
}

/* 1 if every bit in [lo, hi) is set (hi <= WQ, else 0). */
static inline int
wm_all(const struct wmask *m, int lo, int hi)
{
	int k;
	uint64_t r;

	if (hi > WQ || lo < 0)
		return 0;
	for (k = lo >> 6; k < WWORDS && k * 64 < hi; k++) {
		r = wm_word_range(k, lo, hi);
		if ((m->w[k] & r) != r)
			return 0;
	}
	return 1;
}

/* 1 if any bit in [lo, hi) is set. */
static inline int
wm_any(const struct wmask *m, int lo, int hi)
{
	int k;

	if (lo < 0)
		lo = 0;
	if (hi > WQ)
		hi = WQ;
	for (k = lo >> 6; k < WWORDS && k * 64 < hi; k++)
		if (m->w[k] & wm_word_range(k, lo, hi))
			return 1;
	return 0;
}

static inline int
wm_empty(const struct wmask *m)
{
	int i;
	uint64_t acc = 0;

	for (i = 0; i < WWORDS; i++)
		acc |= m->w[i];
	return acc == 0;
}

/* d = a & b */
static inline void
wm_and(struct wmask *d, const struct wmask *a, const struct wmask *b)
{
	int i;

	for (i = 0; i < WWORDS; i++)
		d->w[i] = a->w[i] & b->w[i];
}

/* d |= a */
static inline void
wm_or_in(struct wmask *d, const struct wmask *a)
{
	int i;

	for (i = 0; i < WWORDS; i++)
		d->w[i] |= a->w[i];
}

static inline int
wm_count(const struct wmask *m)
{
	int i, n = 0;

	for (i = 0; i < WWORDS; i++)
		n += __builtin_popcountll(m->w[i]);
	return n;
}

/* The first set bit at or after i, or -1. */
static inline int
wm_next(const struct wmask *m, int i)
{
	int k;
	uint64_t v;

	if (i < 0)
		i = 0;
	if (i >= WQ)
		return -1;
	k = i >> 6;
	v = m->w[k] & (~(uint64_t)0 << (i & 63));
	for (;;) {
		if (v != 0)
			return k * 64 + __builtin_ctzll(v);
		if (++k == WWORDS)
			return -1;
		v = m->w[k];
	}
}

/*
 * out = the starts s whose n quarters s .. s + n - 1 are all set in in
 * (n >= 1; bits at or above WQ count as unset).  out may be in.
 */
static inline void
wm_erode(struct wmask *out, const struct wmask *in, int n)
{
	struct wmask acc = *in;
	int i, k;

	for (k = 1; k < n; k++)
		for (i = 0; i < WWORDS; i++) {
			uint64_t hi = i + 1 < WWORDS ? in->w[i + 1] : 0;

			acc.w[i] &= (in->w[i] >> k) | (hi << (64 - k));
		}
	*out = acc;
}

/* ---- the world ---------------------------------------------------- */

struct w_site {
	int64_t		 id;
	int		 online;
	int		 step_free;
	char		 district[SCHED_DISTRICT_LEN];
	char		(*serves)[SCHED_DISTRICT_LEN];
	size_t		 nserves;
	struct wmask	 open;
	size_t		*rooms;		/* world room indices, plainest first */
	size_t		 nrooms;
};

struct w_room {
	int64_t		 id;
	size_t		 site;
	int		 capacity;
	int		 accessible;
	int		 piano;
	struct wmask	 free;		/* not booked */
};

struct w_tsite {
	size_t		 site;
	struct wmask	 avail;		/* works there */
};

struct w_ther {
	int64_t		 id;
	int		 active;
	int		 on_leave;
	unsigned	 specialisms;
	int		 caseload;
	int		 max_caseload;
	struct wmask	 free;		/* not booked */
	struct wmask	 avail;		/* works anywhere */
	struct w_tsite	*sites;		/* by site index */
	size_t		 nsites;
};

struct sched_world {
	struct w_ther	*ther;		/* by id */
	size_t		 nther;
	struct w_site	*sites;		/* by id */
	size_t		 nsites;
	struct w_room	*rooms;
	size_t		 nrooms;
	int		 group_room_min;
	/* Storage the arrays above point into. */
	struct w_tsite	*tsites;
	size_t		 ntsites;
	size_t		*site_rooms;
	char		(*districts)[SCHED_DISTRICT_LEN];
};

/* Index of the site with this id, or (size_t)-1. */
size_t	 w_site_find(const struct sched_world *, int64_t id);
/* Normalises a district or postcode ("sw1a 1aa" -> "SW1A"). */
void	 w_district(const char *s, char out[SCHED_DISTRICT_LEN]);

/* ---- matching one referral (match.c), used by plan.c too ---------- */

/* How a site is reachable for a referral (0: it is not). */
enum {
	R_SAME = 1,		/* in their postcode district */
	R_SERVES = 2,		/* serves their postcode district */
	R_CHOSEN = 4,		/* they chose it */
	R_ONLINE = 8		/* online, and online is fine */
};

struct m_ref {
	const struct sched_referral *ref;
	int		 lenq;		/* session length in quarters */
	struct wmask	 client;	/* their time */
	uint32_t	 parts;		/* their day parts */
	int		 nparts;
	int		 nneeds;
	int		 group;		/* needs a group room */
	unsigned char	*reach;		/* per site */
};

/* A (therapist, site) pair that has starts, with its score. */
struct m_group {
	size_t			 ther;
	size_t			 site;
	struct wmask		 starts;
	struct sched_score	 score;
	int			 covered;	/* the person's parts */
};

/* Checks and fills in defaults; -1 when an option is out of range. */
int	 m_options(const struct sched_options *, struct sched_options *out);
/* Prepares a referral; -1 on out of memory.  Free with m_ref_release. */
int	 m_ref_prepare(const struct sched_world *,
	    const struct sched_referral *, int length_min, struct m_ref *);
void	 m_ref_release(struct m_ref *);
/* The therapist-wide rules: SCHED_OUT__MAX when they pass. */
enum sched_out m_ther_check(const struct w_ther *);
/*
 * The site rules for one of the therapist's sites: fills *g and returns
 * SCHED_OUT__MAX when some start passes, else the rule that failed.
 */
enum sched_out m_group_eval(const struct sched_world *, const struct m_ref *,
	    size_t ther, const struct w_tsite *, struct m_group *g);
/* 1 if the room suits the referral (access, group, piano). */
int	 m_room_suits(const struct sched_world *, const struct m_ref *,
	    const struct w_room *);
/* qsort order of groups: best score first, then therapist, site. */
int	 m_group_cmp(const void *, const void *);
/* Fills a match for the group at start (quarters), room NULL online. */
void	 m_match_fill(const struct sched_world *, const struct m_ref *,
	    const struct m_group *, int start, const struct w_room *,
	    struct sched_match *);

/* ---- the plan's minimum-cost flow (flow.c) ------------------------ */

/*
 * A bipartite network: nleft left nodes (supply 1 each), nright right
 * nodes (right r takes at most cap[r]; cap is borrowed until bm_free),
 * and edges left -> right with costs.  bm_solve finds the largest number
 * of left nodes that can be matched and, among such matchings, one of
 * least total cost.  bm_new and bm_edge return NULL or -1 and bm_solve
 * -1 on out of memory; bm_free(NULL) is fine.
 */
struct bm;
struct bm	*bm_new(size_t nleft, size_t nright, const int *cap);
void		 bm_free(struct bm *);
int		 bm_edge(struct bm *, size_t left, size_t right,
		    long long cost);
int		 bm_solve(struct bm *, size_t *matched);
/* The edge (in the order added) left was matched by, or -1. */
long		 bm_match(const struct bm *, size_t left);

#endif

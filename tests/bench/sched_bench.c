/*
 * sched-bench: how fast sched/ matches one referral and plans a whole
 * waitlist, on a made-up service the size the issue names.
 *
 *   sched-bench [referrals [seed]]		(2000, 1)
 *
 * The service: 300 therapists, 60 sites (one online), 200 rooms; every
 * therapist's current caseload booked as weekly sessions (with a room
 * when in person), laid out over a month (4 weeks, some sessions moved
 * in one week), and other users' one-off bookings in partner rooms;
 * all of it passed as dated bookings folded onto the week, as a caller
 * would.  Then N waitlisted referrals.
 *
 * Prints the sizes, the time to build the world, the time to match each
 * referral (best of three calls each: mean, median, 99th percentile,
 * worst; and the worst single call) and to plan all of
 * them (median of three runs, CPU and elapsed), what the plan placed,
 * and one line "sched-bench: ok" or "sched-bench: SLOW ..." against the
 * budgets: matching under 5 ms (99th percentile of best-of-three) and
 * planning under 2 s of CPU (elapsed time on a busy machine measures the
 * machine).  Exit status 1 when over a budget.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/sched.h"

#define NTHER		300
#define NSITES		60
#define NROOMS		200
#define NDISTRICTS	40
#define WEEKS		4
#define MATCH_BUDGET_MS	5.0
#define PLAN_BUDGET_S	2.0

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
below(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static int
chance(int percent)
{
	return below(100) < percent;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: what the work costs, whatever else the
 * machine is doing (sched/ uses one thread). */
static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL) {
		fputs("sched-bench: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

/* A growable list of ranges. */
struct ranges {
	struct sched_range	*v;
	size_t			 n;
	size_t			 cap;
};

static void
ranges_add(struct ranges *r, int day, int start, int end)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if ((r->v = realloc(r->v, r->cap * sizeof(*r->v))) == NULL) {
			fputs("sched-bench: out of memory\n", stderr);
			exit(2);
		}
	}
	r->v[r->n].day = day;
	r->v[r->n].start_min = start;
	r->v[r->n].end_min = end;
	r->n++;
}

static char district_names[NDISTRICTS][8];

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Minutes in a day already taken in a little per-day diary. */
struct diary {
	unsigned char	 taken[7][24 * 4];
};

static int
diary_free(const struct diary *d, int day, int start, int len)
{
	int q;

	for (q = start / 15; q < (start + len) / 15; q++)
		if (d->taken[day][q])
			return 0;
	return 1;
}

static void
diary_take(struct diary *d, int day, int start, int len)
{
	int q;

	for (q = start / 15; q < (start + len) / 15; q++)
		d->taken[day][q] = 1;
}

int
main(int argc, char *argv[])
{
	static struct sched_site sites[NSITES];
	static struct sched_room rooms[NROOMS];
	static struct sched_therapist ther[NTHER];
	static struct ranges site_open[NSITES], room_busy[NROOMS],
	    ther_busy[NTHER];
	static struct diary room_diary[NROOMS], ther_diary[NTHER];
	static const char *serves[NSITES][6];
	static int site_rooms[NSITES][16], nsite_rooms[NSITES];
	struct sched_site_range *avail[NTHER];
	size_t navail[NTHER];
	struct sched_referral *refs;
	int64_t (*chosen)[3];
	struct sched_input in;
	struct sched_world *w;
	struct sched_result res;
	struct sched_plan plan, greedy;
	char err[256];
	double t0, c0, t_world, *lat, sum = 0, plan_t[3], plan_c[3], greedy_t;
	double worst_call = 0;
	size_t nref = 2000, i, k, j, bookings = 0, sessions = 0, matched = 0;
	size_t candidates = 0;
	int d, s, r, t, ok = 1;

	if (argc > 1)
		nref = (size_t)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		rng ^= strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	if (nref == 0)
		nref = 1;

	/* Sites: 0 online; 1..10 our own centres; the rest partners. */
	for (i = 0; i < NDISTRICTS; i++)
		snprintf(district_names[i], sizeof(district_names[i]), "N%zu",
		    i + 1);
	for (s = 0; s < NSITES; s++) {
		struct sched_site *st = &sites[s];
		int home = below(NDISTRICTS), n;

		st->id = 1 + s;
		st->online = s == 0;
		st->step_free = chance(75);
		st->district = st->online ? NULL : district_names[home];
		n = st->online ? 0 : 2 + below(4);
		for (k = 0; k < (size_t)n; k++)
			serves[s][k] = district_names[(home + 1 + (int)k) %
			    NDISTRICTS];
		st->serves = serves[s];
		st->nserves = (size_t)n;
		if (st->online)
			continue;
		if (s <= 10) {
			for (d = 0; d < 5; d++)
				ranges_add(&site_open[s], d, 9 * 60, 20 * 60);
			ranges_add(&site_open[s], 5, 9 * 60, 13 * 60);
		} else if (chance(30)) {		/* care homes */
			for (d = 0; d < 7; d++)
				ranges_add(&site_open[s], d, 10 * 60, 18 * 60);
		} else if (chance(50)) {		/* schools */
			for (d = 0; d < 5; d++)
				ranges_add(&site_open[s], d, 8 * 60 + 30,
				    16 * 60 + 30);
		} else {
			for (d = 0; d < 5; d++)
				ranges_add(&site_open[s], d, 9 * 60, 17 * 60);
		}
		st->open = site_open[s].v;
		st->nopen = site_open[s].n;
	}
	/* Rooms: 6 at each own centre, the rest spread over partners. */
	for (r = 0; r < NROOMS; r++) {
		struct sched_room *rm = &rooms[r];

		s = r < 60 ? 1 + r / 6 : 11 + below(NSITES - 11);
		while (nsite_rooms[s] >= 16)
			s = 11 + below(NSITES - 11);
		site_rooms[s][nsite_rooms[s]++] = r;
		rm->id = 1000 + r;
		rm->site_id = sites[s].id;
		rm->capacity = chance(30) ? 6 + below(7) : 1 + below(3);
		rm->accessible = chance(70);
		rm->piano = chance(50);
		/* Other users of partner rooms: one-offs over the month. */
		if (s > 10)
			for (k = 0; k < (size_t)(WEEKS * (2 + below(8))); k++) {
				int st0 = (9 + below(8)) * 60 + 15 * below(4);

				d = below(5);
				ranges_add(&room_busy[r], d, st0, st0 + 60);
				bookings++;
			}
	}
	/* Therapists: 3-5 working days, each at one of their 1-3 sites. */
	for (t = 0; t < NTHER; t++) {
		struct sched_therapist *th = &ther[t];
		int home[3], nhome = 1 + below(3), days = 3 + below(3);
		int dayset = 0;

		th->id = 1 + t;
		th->active = !chance(3);
		th->on_leave = chance(4);
		th->specialisms = (1u << below(8)) | (1u << below(8)) |
		    (chance(40) ? 1u << below(8) : 0);
		th->max_caseload = 12 + below(19);
		th->caseload = th->max_caseload - below(7);
		for (k = 0; k < (size_t)nhome; k++)
			home[k] = chance(15) ? 0 : 1 + below(NSITES - 1);
		avail[t] = xcalloc(7, sizeof(**avail));
		navail[t] = 0;
		while (days > 0) {
			int st0, len, site;

			d = below(6);
			if (dayset & (1 << d))
				continue;
			dayset |= 1 << d;
			days--;
			site = home[below(nhome)];
			switch (below(3)) {
			case 0:
				st0 = 9 * 60;
				len = 8 * 60;
				break;
			case 1:
				st0 = 12 * 60;
				len = 8 * 60;
				break;
			default:
				st0 = 9 * 60;
				len = 4 * 60;
				break;
			}
			avail[t][navail[t]].site_id = sites[site].id;
			avail[t][navail[t]].range.day = d;
			avail[t][navail[t]].range.start_min = st0;
			avail[t][navail[t]].range.end_min = st0 + len;
			navail[t]++;
		}
		th->availability = avail[t];
		th->navailability = navail[t];
		/*
		 * Their caseload as weekly sessions, in their working time,
		 * in a free room at that site (online needs none); each one
		 * booked in every week of the month, a few moved in one week.
		 */
		for (k = 0; k < (size_t)th->caseload; k++) {
			const struct sched_site_range *a;
			int tries, st0 = 0, room = -1, placed = 0;

			for (tries = 0; tries < 40 && !placed; tries++) {
				int si;

				a = &avail[t][below((int)navail[t])];
				d = a->range.day;
				st0 = a->range.start_min + 15 * below(
				    (a->range.end_min - a->range.start_min -
				    45) / 15 + 1);
				if (!diary_free(&ther_diary[t], d, st0, 45))
					continue;
				si = (int)a->site_id - 1;
				room = -1;
				if (!sites[si].online) {
					for (j = 0; j < (size_t)nsite_rooms[si];
					    j++) {
						int rr = site_rooms[si][j];

						if (diary_free(&room_diary[rr],
						    d, st0, 45)) {
							room = rr;
							break;
						}
					}
					if (room < 0)
						continue;
				}
				placed = 1;
			}
			if (!placed)
				continue;
			sessions++;
			diary_take(&ther_diary[t], d, st0, 45);
			if (room >= 0)
				diary_take(&room_diary[room], d, st0, 45);
			for (j = 0; j < WEEKS; j++) {
				int moved = j == 2 && chance(10);
				int s1 = moved ? st0 + 60 : st0;

				if (s1 + 45 > 24 * 60)
					s1 = st0;
				ranges_add(&ther_busy[t], d, s1, s1 + 45);
				bookings++;
				if (room >= 0) {
					ranges_add(&room_busy[room], d, s1,
					    s1 + 45);
					bookings++;
				}
			}
		}
		th->busy = ther_busy[t].v;
		th->nbusy = ther_busy[t].n;
	}
	for (r = 0; r < NROOMS; r++) {
		rooms[r].busy = room_busy[r].v;
		rooms[r].nbusy = room_busy[r].n;
	}

	/* The waitlist. */
	refs = xcalloc(nref, sizeof(*refs));
	chosen = xcalloc(nref, sizeof(*chosen));
	for (i = 0; i < nref; i++) {
		struct sched_referral *q = &refs[i];
		int parts = 2 + below(7);

		q->id = 100000 + (int64_t)i;
		q->needs = (1u << below(8)) | (chance(40) ? 1u << below(8) : 0);
		while (parts-- > 0)
			q->availability |= SCHED_SLOT(chance(85) ? below(5) :
			    5 + below(2), below(3));
		q->session_type = chance(75) ? SCHED_INDIVIDUAL :
		    chance(60) ? SCHED_GROUP : SCHED_EITHER;
		q->online_ok = chance(35);
		q->needs_step_free = chance(15);
		q->needs_piano = chance(5);
		q->nsites = (size_t)below(4);
		for (k = 0; k < q->nsites; k++)
			chosen[i][k] = 2 + below(NSITES - 1);
		q->sites = chosen[i];
		q->postcode = district_names[below(NDISTRICTS)];
		q->previous_therapist_id = chance(8) ? 1 + below(NTHER) : 0;
		q->waiting_days = below(400);
		q->urgent = chance(5);
	}

	memset(&in, 0, sizeof(in));
	in.therapists = ther;
	in.ntherapists = NTHER;
	in.sites = sites;
	in.nsites = NSITES;
	in.rooms = rooms;
	in.nrooms = NROOMS;

	printf("sched-bench: %d therapists, %d sites (1 online), %d rooms, "
	    "%zu weekly sessions booked = %zu bookings over %d weeks "
	    "(with partner rooms' other users), %zu waitlisted referrals\n",
	    NTHER, NSITES, NROOMS, sessions, bookings, WEEKS, nref);

	t0 = now();
	if ((w = sched_world_new(&in, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sched-bench: %s\n", err);
		return 2;
	}
	t_world = now() - t0;
	printf("world: built in %.2f ms\n", t_world * 1e3);

	/* Each referral three times: the best of the three is its cost
	 * without the noise of other processes; the worst single call is
	 * reported too. */
	lat = xcalloc(nref, sizeof(*lat));
	for (i = 0; i < nref; i++) {
		lat[i] = 1e9;
		for (k = 0; k < 3; k++) {
			double ms;

			t0 = now();
			if (sched_match(w, &refs[i], NULL, &res) == -1) {
				fputs("sched-bench: sched_match failed\n",
				    stderr);
				return 2;
			}
			ms = (now() - t0) * 1e3;
			if (ms < lat[i])
				lat[i] = ms;
			if (ms > worst_call)
				worst_call = ms;
			if (k == 0) {
				matched += res.nmatches > 0;
				candidates += res.candidates;
			}
			sched_result_free(&res);
		}
		sum += lat[i];
	}
	qsort(lat, nref, sizeof(*lat), cmp_double);
	printf("match: one referral against them all (best of 3 calls "
	    "each): mean %.3f ms, median %.3f ms, p99 %.3f ms, worst %.3f "
	    "ms; worst single call %.3f ms (%zu of %zu referrals have "
	    "suggestions; %.0f possibilities each on average)\n",
	    sum / (double)nref, lat[nref / 2], lat[nref * 99 / 100],
	    lat[nref - 1], worst_call, matched, nref,
	    (double)candidates / (double)nref);
	if (lat[nref * 99 / 100] > MATCH_BUDGET_MS)
		ok = 0;

	for (k = 0; k < 3; k++) {
		t0 = now();
		c0 = cpu();
		if (sched_plan(w, refs, nref, NULL, &plan) == -1) {
			fputs("sched-bench: sched_plan failed\n", stderr);
			return 2;
		}
		plan_c[k] = cpu() - c0;
		plan_t[k] = now() - t0;
		if (k < 2)
			sched_plan_free(&plan);
	}
	qsort(plan_t, 3, sizeof(*plan_t), cmp_double);
	qsort(plan_c, 3, sizeof(*plan_c), cmp_double);
	t0 = now();
	if (sched_plan_greedy(w, refs, nref, NULL, &greedy) == -1) {
		fputs("sched-bench: sched_plan_greedy failed\n", stderr);
		return 2;
	}
	greedy_t = now() - t0;
	printf("plan: %zu referrals in %.3f s CPU, %.3f s elapsed (median "
	    "of 3; greedy alone %.3f s): placed %zu (bound %zu, flow route "
	    "%zu, greedy %zu), total score %lld (greedy %lld), %zu flow "
	    "rounds, kept %s\n",
	    nref, plan_c[1], plan_t[1], greedy_t, plan.placed, plan.bound,
	    plan.flow_placed, greedy.placed, plan.total_score,
	    greedy.total_score, plan.rounds,
	    plan.method == SCHED_METHOD_FLOW ? "flow" : "greedy");
	if (plan_c[1] > PLAN_BUDGET_S)
		ok = 0;
	if (ok)
		printf("sched-bench: ok (budgets: match p99 < %.0f ms, plan "
		    "< %.0f s CPU)\n", MATCH_BUDGET_MS, PLAN_BUDGET_S);
	else
		printf("sched-bench: SLOW (budgets: match p99 < %.0f ms, "
		    "plan < %.0f s CPU)\n", MATCH_BUDGET_MS, PLAN_BUDGET_S);

	sched_plan_free(&plan);
	sched_plan_free(&greedy);
	sched_world_free(w);
	for (t = 0; t < NTHER; t++) {
		free(avail[t]);
		free(ther_busy[t].v);
	}
	for (r = 0; r < NROOMS; r++)
		free(room_busy[r].v);
	for (s = 0; s < NSITES; s++)
		free(site_open[s].v);
	free(lat);
	free(chosen);
	free(refs);
	return ok ? 0 : 1;
}

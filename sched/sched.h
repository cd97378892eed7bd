/*
 * sched: matching referrals to therapists, sites, rooms and weekly times,
 * and planning the whole waitlist at once.
 *
 * Pure C over plain structs: no SQL, no HTTP, nothing else of ours (only
 * the C library).  The caller (cgi/ or ctl/) reads the database, fills
 * the input structs below, builds a world once with sched_world_new, and
 * then asks for matches (sched_match) or a plan (sched_plan) as often as
 * it likes; a world is read-only after it is built, so one world may
 * serve many calls, also from several threads.
 *
 * Time.  Everything is week-relative local time: a session series is
 * "Tuesdays 10:00 to 10:45", the same every week.  A weekly range is
 * {day, start_min, end_min}: day 0 is Monday .. 6 Sunday, minutes from
 * that day's midnight, 0 <= start_min < end_min <= 1440 (no range
 * crosses midnight; split it in two).  Inside, time is counted in
 * quarter hours from Monday 00:00 (672 a week); sessions start on a
 * quarter hour and last a whole number of quarters (45 minutes unless
 * the options say otherwise).  Ranges the caller gives are rounded
 * cautiously: time someone is available or a site is open shrinks to
 * whole quarters (09:10-10:50 becomes 09:15-10:45; ranges that touch or
 * overlap are joined first, so 09:00-09:20 and 09:20-10:00 give
 * 09:00-10:00), time someone or something is busy grows to whole
 * quarters (09:10-10:50 becomes 09:00-11:00).
 *
 * Bookings.  A busy range is a weekly time that is taken.  To plan a new
 * weekly series against "a month of bookings", pass every booking in the
 * coming weeks by its weekday and times (a one-off Tuesday booking
 * blocks Tuesdays, since a weekly series would clash with it once);
 * overlapping and repeated ranges are merged.
 *
 * Enums mirror db/db.h (without including it): enum sched_need has the
 * order of enum need, and availability bit (day * 3 + part) is the
 * form's mon_am .. sun_eve, with parts am 09:00-12:00, pm 12:00-17:00,
 * eve 17:00-20:00.
 *
 * Errors: functions that can fail return 0 or -1.  -1 means bad input
 * (a message is written to err when the function takes one) or out of
 * memory; nothing is half-built then and nothing needs freeing.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stddef.h>
#include <stdint.h>

/* The areas of life a referral concerns; same order as db.h's enum need. */
enum sched_need {
	SCHED_NEED_AUTISM,
	SCHED_NEED_LEARNING_DIFFICULTIES,
	SCHED_NEED_MENTAL_HEALTH,
	SCHED_NEED_NEURO_REHAB,
	SCHED_NEED_DEMENTIA,
	SCHED_NEED_PALLIATIVE,
	SCHED_NEED_PARENT_CHILD,
	SCHED_NEED_OTHER,
	SCHED_NEED__MAX
};

/* Availability: bit (day * SCHED_PARTS + part) of a referral's set. */
#define SCHED_DAYS	7
#define SCHED_PARTS	3		/* am 09-12, pm 12-17, eve 17-20 */
#define SCHED_SLOTS	(SCHED_DAYS * SCHED_PARTS)
#define SCHED_SLOT(day, part)	(1u << ((day) * SCHED_PARTS + (part)))

#define SCHED_STEP_MIN		15	/* starts are this many minutes apart */
#define SCHED_LENGTH_MIN	45	/* default session length */

/*
 * The domain's limits, used by every form, by sched_match and by the
 * schema (db/schema/024-limits.sql checks the same numbers).
 */
#define SCHED_SESSION_SHORTEST	15	/* minutes a session lasts, at least */
#define SCHED_SESSION_LONGEST	240	/* ... and at most */
#define SCHED_SERIES_COUNT_MAX	104	/* sessions one booking makes: 2 years */
#define SCHED_GROUP_SIZE_MIN	2	/* places a group has, at least */
#define SCHED_GROUP_SIZE_MAX	40	/* ... and at most */
#define SCHED_GROUP_ROOM_MIN	4	/* default: seats a group room has */
#define SCHED_DISTRICT_LEN	8	/* "SW1A" and the NUL, with room */
#define SCHED_TEXT_LEN		320	/* reasons and notes, NUL included */
#define SCHED_ALL		((size_t)-1)	/* "no limit" in options */

/* A weekly time: day 0 (Monday) .. 6, minutes from that day's midnight. */
struct sched_range {
	int	 day;
	int	 start_min;
	int	 end_min;
};

/* A weekly time at one site (a therapist's availability). */
struct sched_site_range {
	int64_t			 site_id;
	struct sched_range	 range;
};

/*
 * A therapist.  on_leave is decided by the caller for the proposed start
 * date (on leave then, or for most of the first weeks).  caseload counts
 * the clients they see now; max_caseload - caseload places are free.
 * availability: when they work at each site.  busy: their existing
 * sessions (and anything else that takes their time), at any site.
 */
struct sched_therapist {
	int64_t				 id;
	int				 active;
	int				 on_leave;
	unsigned			 specialisms;	/* enum sched_need */
	int				 caseload;
	int				 max_caseload;
	const struct sched_site_range	*availability;
	size_t				 navailability;
	const struct sched_range	*busy;
	size_t				 nbusy;
};

/*
 * A site: one of ours or a partner's, or the online "site".  district is
 * the site's own postcode district ("SW1A"; NULL or "" for online);
 * serves lists further districts it serves (may be NULL when nserves is
 * 0).  Districts compare ignoring case and spaces.  open: opening hours;
 * an online site with no ranges is open all week, any other site with no
 * ranges is never open.  step_free: the way in has no steps.
 */
struct sched_site {
	int64_t				 id;
	int				 online;
	int				 step_free;
	const char			*district;
	const char *const		*serves;
	size_t				 nserves;
	const struct sched_range	*open;
	size_t				 nopen;
};

/*
 * A room at a (not online) site.  accessible: step-free inside (the site
 * must be step_free too for someone who needs it).  capacity: seats; a
 * room with at least group_room_min seats is a group room.  busy: weekly
 * bookings already made.
 */
struct sched_room {
	int64_t				 id;
	int64_t				 site_id;
	int				 capacity;
	int				 accessible;
	int				 piano;
	const struct sched_range	*busy;
	size_t				 nbusy;
};

/* Everything a world is built from; borrowed only during the call. */
struct sched_input {
	const struct sched_therapist	*therapists;
	size_t				 ntherapists;
	const struct sched_site		*sites;
	size_t				 nsites;
	const struct sched_room		*rooms;
	size_t				 nrooms;
	int				 group_room_min; /* 0: the default */
};

enum sched_session {
	SCHED_INDIVIDUAL,
	SCHED_GROUP,
	SCHED_EITHER
};

/*
 * A referral to match.  availability: bits SCHED_SLOT(day, part), other
 * bits ignored.  sites: the sites the person chose (unknown ids are
 * ignored).  postcode: their postcode district ("SW1A"); a whole
 * postcode with a space ("SW1A 1AA") works too.  previous_therapist_id:
 * 0 for none.  waiting_days and urgent only break ties in the plan.
 */
struct sched_referral {
	int64_t			 id;
	unsigned		 needs;		/* bits: enum sched_need */
	uint32_t		 availability;
	enum sched_session	 session_type;
	int			 online_ok;
	int			 needs_step_free;
	int			 needs_piano;
	const int64_t		*sites;
	size_t			 nsites;
	const char		*postcode;
	int64_t			 previous_therapist_id;
	int			 waiting_days;
	int			 urgent;
};

/*
 * Options; pass NULL, or a zeroed struct, for the defaults.  0 means the
 * default in every field; SCHED_ALL means no limit.
 *   length_min      session length: a multiple of SCHED_STEP_MIN,
 *                   SCHED_SESSION_SHORTEST..SCHED_SESSION_LONGEST (45)
 *   max_matches     suggestions sched_match returns (20)
 *   per_therapist   suggestions for one therapist, across sites (3)
 *   max_exclusions  notes on left-out therapists (10)
 *   plan_pairs      (therapist, site) pairs the plan considers for one
 *                   referral, the best-scoring first (32)
 *   plan_rounds     flow rounds the plan may spend on time and room
 *                   clashes (8)
 */
struct sched_options {
	int	 length_min;
	size_t	 max_matches;
	size_t	 per_therapist;
	size_t	 max_exclusions;
	size_t	 plan_pairs;
	size_t	 plan_rounds;
};

/*
 * Score parts, each 0..its maximum; total is their sum, 0..1000.
 *   fit         specialisms against needs: 400 * needs covered / needs
 *               (200 when no needs are given)
 *   caseload    150 * free places / max caseload
 *   coverage    150 * the person's times (day parts) in which this
 *               therapist can see them at this site / the person's times
 *   travel      same postcode district 150, a site they chose 120, a
 *               site serving their district 100, online 75 (the best
 *               that applies)
 *   continuity  150 when this was their previous therapist
 */
enum {
	SCHED_W_FIT = 400,
	SCHED_W_CASELOAD = 150,
	SCHED_W_COVERAGE = 150,
	SCHED_W_TRAVEL = 150,
	SCHED_W_CONTINUITY = 150,
	SCHED_TRAVEL_SAME_DISTRICT = 150,
	SCHED_TRAVEL_CHOSEN = 120,
	SCHED_TRAVEL_SERVES = 100,
	SCHED_TRAVEL_ONLINE = 75
};

struct sched_score {
	int	 fit;
	int	 caseload;
	int	 coverage;
	int	 travel;
	int	 continuity;
	int	 total;
};

/*
 * One suggestion: a weekly series with this therapist at this site, in
 * this room (0 for online), on day at start_min (minutes from midnight)
 * for length_min.  reasons: plain words for a coordinator, e.g. "works
 * with dementia; Tuesday mornings, 10:00 to 10:45; 3 of 8 places free;
 * same postcode district; fits 2 of the 4 times they can come".
 */
struct sched_match {
	int64_t			 therapist_id;
	int64_t			 site_id;
	int64_t			 room_id;
	int			 day;
	int			 start_min;
	int			 length_min;
	enum sched_session	 session_type;	/* individual or group */
	struct sched_score	 score;
	char			 reasons[SCHED_TEXT_LEN];
};

/* Why a therapist gave no suggestion: the hard rules, in checking order. */
enum sched_out {
	SCHED_OUT_INACTIVE,		/* not active */
	SCHED_OUT_ON_LEAVE,		/* on leave */
	SCHED_OUT_CASELOAD_FULL,	/* no free caseload */
	SCHED_OUT_NO_SITE,		/* no site the person can get to */
	SCHED_OUT_NOT_AVAILABLE,	/* not available when the person is */
	SCHED_OUT_SITE_CLOSED,		/* sites closed when both are free */
	SCHED_OUT_BOOKED,		/* booked when the person is free */
	SCHED_OUT_NO_ROOM_SUITS,	/* no room that suits at those sites */
	SCHED_OUT_NO_ROOM_FREE,		/* no suitable room free then */
	SCHED_OUT__MAX
};

/*
 * A therapist left out, with the rule that stopped them (at the site
 * that got furthest through the rules) and the words for it, e.g. "no
 * free caseload (8 of 8 places taken)".  fit: needs they cover.
 */
struct sched_exclusion {
	int64_t		 therapist_id;
	enum sched_out	 why;
	int		 fit;
	int		 previous;	/* the person's previous therapist */
	char		 text[SCHED_TEXT_LEN];
};

/*
 * What sched_match found.  matches: the best suggestions, best first.
 * candidates: every possible (therapist, site, start) for the referral,
 * counted before any limit.  exclusions: therapists with no suggestion
 * at all, the best-qualified first (their previous therapist, then the
 * most needs covered, then the most free places).
 */
struct sched_result {
	struct sched_match	*matches;
	size_t			 nmatches;
	size_t			 candidates;
	size_t			 therapists_matched;
	struct sched_exclusion	*exclusions;
	size_t			 nexclusions;
};

/* Why the plan left a referral out. */
enum sched_unplaced {
	SCHED_UNPLACED_NONE,		/* placed */
	SCHED_UNPLACED_NO_MATCH,	/* no possible match at all */
	SCHED_UNPLACED_TAKEN		/* its matches went to others */
};

/* One referral's outcome in a plan; match is set when placed. */
struct sched_proposal {
	int64_t			 referral_id;
	int			 placed;
	enum sched_unplaced	 why;
	struct sched_match	 match;
};

enum sched_method {
	SCHED_METHOD_FLOW,	/* the min-cost flow route's plan was kept */
	SCHED_METHOD_GREEDY	/* the (improved) greedy one did better */
};

/*
 * A plan: one proposal per referral, in the order given.  placed and
 * total_score are the plan's; bound is the most referrals any plan over
 * the same candidate pairs could place (the flow's answer with time and
 * rooms set aside), so bound - placed is at least what clashes cost.
 * flow_placed is what the flow route (steps 2-4 below) placed,
 * greedy_placed what the plain greedy pass placed; rounds the flow
 * rounds spent; method says which route's plan was kept.
 */
struct sched_plan {
	struct sched_proposal	*proposals;
	size_t			 nproposals;
	size_t			 placed;
	long long		 total_score;
	size_t			 bound;
	size_t			 flow_placed;
	long long		 flow_score;
	size_t			 greedy_placed;
	long long		 greedy_score;
	size_t			 rounds;
	enum sched_method	 method;
};

struct sched_world;

/*
 * Builds the indexes every match and plan reads: per-site rooms, and
 * per-therapist, per-site, per-room weekly time as bit sets.  Copies what
 * it needs; in may be freed afterwards.  Fails (NULL, with a message in
 * err when err is not NULL) on a range out of bounds, a duplicate id, an
 * id <= 0, a room or availability at an unknown site, a room at an online
 * site, a negative caseload, or out of memory.
 */
struct sched_world	*sched_world_new(const struct sched_input *in,
			    char *err, size_t errlen);
/* Frees a world; NULL is fine. */
void			 sched_world_free(struct sched_world *);

/*
 * Matches one referral: fills *out (free with sched_result_free) with the
 * ranked suggestions and the notes on left-out therapists.  Returns 0, or
 * -1 on bad options or out of memory (then *out is empty).
 *
 * Hard rules, all of which every suggestion meets: the therapist is
 * active, not on leave and has a free place; they work at the site at
 * that time; the person is available then (the whole session inside
 * their day parts); the site is open; the therapist has no other booking
 * then; the site is one the person chose, or is in or serves their
 * postcode district, or is online and they said online is fine; at a
 * site that is not online, a room is free for the whole session that
 * suits: accessible in a step-free site when the person needs step-free
 * access, a group room for a group session, a piano when they need one.
 *
 * Ranking: score, then therapist id, site id; one therapist's times are
 * listed spread over the person's day parts first.  Each suggestion names
 * the room that fits with least to spare (no accessible room, piano or
 * group room used when a plainer one is free).
 */
int	 sched_match(const struct sched_world *,
	    const struct sched_referral *, const struct sched_options *,
	    struct sched_result *out);
/* Frees what sched_match filled and zeroes it; NULL is fine. */
void	 sched_result_free(struct sched_result *);

/*
 * Calls fn once for every possible (therapist, site, room, start) of the
 * referral, the rooms included one by one (room_id 0 for online), in
 * therapist, site, start, room order.  fn returns 0 to go on, anything
 * else to stop.  Returns 0, or -1 on bad options or out of memory.
 */
int	 sched_match_each(const struct sched_world *,
	    const struct sched_referral *, const struct sched_options *,
	    int (*fn)(void *arg, const struct sched_match *), void *arg);

/*
 * Plans the whole waitlist at once: fills *out (free with
 * sched_plan_free) with one proposal per referral such that every hard
 * rule above holds for each, no therapist goes over max_caseload, and no
 * two proposals use the same therapist or the same room at overlapping
 * times (nor clash with existing bookings).  Aims at as many people
 * placed as possible, then the highest total score, then the urgent and
 * longest-waiting placed first.  n may be 0 and at most 100000.  Returns
 * 0, or -1 on bad options, too many referrals or out of memory.
 *
 * How (what is exact and what is not):
 * 1. Candidates: each referral's best plan_pairs (therapist, site) pairs
 *    by score, each with every start the rules allow.  A therapist's
 *    capacity is their free places, but no more than the sessions that
 *    fit side by side in all their candidates' starts.
 * 2. A min-cost flow (source -> referral -> therapist -> sink; costs
 *    -(score, then urgency)) finds exactly the largest number placed
 *    and, among those, the best total score, over the candidates, with
 *    times and rooms otherwise set aside.  Its count is out->bound: no
 *    plan over the same candidates can place more.
 * 3. Times and rooms, therapist by therapist: each therapist's free time
 *    is cut into back-to-back session-length cells (from the start of
 *    each free stretch, not crossing 09:00, 12:00, 17:00 or 20:00), so
 *    two cells never overlap; a maximum bipartite matching gives the
 *    therapist's referrals distinct cells in which a suitable room is
 *    still free, the most urgent and best-scoring first.  A referral
 *    left without a cell loses that pair, and the flow runs again (up
 *    to plan_rounds times).  This step is exact for one therapist's
 *    cells, but rooms go first come, first served across therapists and
 *    starts between cells are not used.
 * 4. Everyone still unplaced gets a greedy try at any start (cells or
 *    not) that is still free; then, up to three sweeps, an unplaced
 *    referral may take a start that one placed proposal stands in the
 *    way of, if that one can move to another free start.
 * 5. A plain greedy pass (sched_plan_greedy) runs too, improved by the
 *    same sweeps, and the better of the two (placed, then score) is
 *    kept, so a plan never places fewer than the greedy pass.
 * So: when the first round needs no second (times and rooms not
 * scarce), the plan is optimal over the candidates, in count and then
 * score (over every possibility with plan_pairs = SCHED_ALL).  Otherwise
 * it is a heuristic with a floor (greedy) and a ceiling (bound).
 */
int	 sched_plan(const struct sched_world *,
	    const struct sched_referral *referrals, size_t n,
	    const struct sched_options *, struct sched_plan *out);

/*
 * The baseline: referrals in priority order (urgent, then longest
 * waiting, then as given) each take their best-scoring candidate (same
 * candidates as sched_plan) at the earliest start that is still free.
 * Same output and rules as sched_plan (bound is 0, method GREEDY).
 */
int	 sched_plan_greedy(const struct sched_world *,
	    const struct sched_referral *referrals, size_t n,
	    const struct sched_options *, struct sched_plan *out);
/* Frees what a plan filled and zeroes it; NULL is fine. */
void	 sched_plan_free(struct sched_plan *);

/* Plain words for a rule ("no free caseload"), for an unplaced reason
 * ("no possible match"), for a need ("dementia"); "" when out of range. */
const char	*sched_out_text(enum sched_out);
const char	*sched_unplaced_text(enum sched_unplaced);
const char	*sched_need_text(enum sched_need);

#endif

/*
 * offer: filling a freed place from the waiting list (issue 18).
 *
 * When a place frees up (a series ends or is cancelled as a whole, a
 * client stops their sessions, or a client leaves the caseload, so the
 * therapist's weekly time at that site and room is free), the
 * waiting people are ranked with sched/'s matching for exactly that
 * therapist, site, room and weekly time (core_place_rank).  The
 * coordinator confirms the list, or with the setting auto_offers on it
 * goes at once; then the first offers_live people (setting, default
 * CORE_OFFERS_LIVE) are sent an offer each, live for offer_hours.  The first to accept gets the place
 * in one write (assigned and booked by core_assign_book, with the
 * booking's emails); an offer that ends (declined, expired) is handed on
 * to the next person.  Nobody holds two live offers.  Results as
 * core/core.h says.
 */
#ifndef CORE_OFFER_H
#define CORE_OFFER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/core.h"
#include "db/offers.h"
#include "sched/sched.h"

struct db_series;

#define CORE_OFFER_HOURS	48	/* setting offer_hours */
#define CORE_OFFERS_LIVE	3	/* setting offers_live: live offers a
					   place holds at once */
#define CORE_OFFERS_LIVE_MAX	10	/* ... at most */
#define CORE_SERIES_SESSIONS	12	/* setting series_sessions */
#define CORE_OFFER_RANKED_MAX	50	/* people a place's list keeps */

/* One ranked person for a place, with the plain reasons. */
struct core_offer_pick {
	int64_t	 referral_id;
	int	 score;
	int	 waiting_days;
	char	 ref[16];
	char	 name[208];
	char	 reasons[SCHED_TEXT_LEN];
};

/*
 * Ranks the waitlisted people for place p with sched_match on a world
 * of that one therapist, site, room and weekly time: only those it
 * fits (their times, a site they can reach, a room that suits) are
 * kept, best score first, then the longest waiting.  *out (free() it)
 * holds *n picks, at most CORE_OFFER_RANKED_MAX.  0, or -1 (logged).
 */
int	 core_place_rank(const struct core_ctx *, const struct db_place *p,
	    struct core_offer_pick **out, size_t *n);

/*
 * The place series s holds (its therapist, site, room and weekly time,
 * from the later of its ended_from and tomorrow) into *p, whether or
 * not it has ended.  DB_OK; DB_INVALID with why (a group's series, a
 * time that cannot be read).
 */
enum db_result core_place_of_series(const struct core_ctx *,
	    const struct db_series *s, struct db_place *p, char *why,
	    size_t whylen);

/*
 * The place series_id freed, made when it has ended or was cancelled
 * (an individual series only), its people ranked; with auto_offers on
 * the offers go at once.  DB_OK with *place_id; DB_DUPLICATE with the
 * open place made before; DB_INVALID with why.
 */
enum db_result core_place_from_series(const struct core_ctx *,
	    int64_t series_id, int64_t *place_id, char *why, size_t whylen);

/*
 * The places referral_id's ending freed: each individual series of
 * theirs ended or cancelled lately, or with every session to come
 * cancelled (they stopped their sessions), becomes a place as
 * core_place_from_series makes it (its therapist, site, room and weekly
 * time, from its next free date), ranked; with auto_offers on the
 * offers go, else the coordinator confirms it on /places.  Called when
 * a client stops through /my and when a coordinator takes a client off
 * a caseload (their therapist's caseload opens).  The number of places
 * made, or -1 (logged).
 */
int	 core_places_freed_by(const struct core_ctx *, int64_t referral_id);

#define CORE_CASELOAD_PLACES_MAX 3	/* places one change makes, at most */

/* What raising a therapist's caseload limit or hours made. */
struct core_caseload {
	int	 opened;		/* more clients they can take now */
	size_t	 nplaces;		/* places made */
	int64_t	 place_ids[CORE_CASELOAD_PLACES_MAX];
};

/*
 * A coordinator raised therapist_id's caseload limit or weekly hours
 * (from was_max_caseload and was_max_hours; the new ones are saved):
 * their caseload opens by as many clients as core_rule_places_free
 * gives now more than before.  For each (at most
 * CORE_CASELOAD_PLACES_MAX) a place is made at the best free weekly
 * time sched_slots_best finds for them at their sites and rooms (the
 * most waiting people fit it; none overlaps their open places), from
 * tomorrow, ranked as core_place_from_series does; with auto_offers on
 * the offers go at once.  No time anyone waiting fits: no place (*out
 * says opened, nplaces 0).  0 with *out, or -1 (logged; the places made
 * before stay).
 */
int	 core_places_caseload(const struct core_ctx *, int64_t therapist_id,
	    int was_max_caseload, int was_max_hours, struct core_caseload *out);

/*
 * The setting offers_live: how many live offers a place holds at once,
 * CORE_OFFERS_LIVE when unset or outside 1..CORE_OFFERS_LIVE_MAX.
 * Cannot fail.
 */
int	 core_offers_live(const struct core_ctx *);

/*
 * The coordinator confirms place_id's list: the first offers go.  DB_OK
 * with *sent; DB_INVALID (why) when the place is not open.
 */
enum db_result core_place_send(const struct core_ctx *, int64_t place_id,
	    int *sent, char *why, size_t whylen);

/*
 * The person of offer_id accepts it: DB_OK, the place is theirs
 * (booked, emails queued); DB_DUPLICATE, they had it already;
 * DB_CONFLICT, someone else has it (or it cannot be booked: why says
 * so; they stay on the waiting list); DB_INVALID, the offer has ended.
 */
enum db_result core_offer_accept(const struct core_ctx *, int64_t offer_id,
	    char *why, size_t whylen);

/* The person declines: DB_OK, DB_DUPLICATE, DB_INVALID (ended). */
enum db_result core_offer_decline(const struct core_ctx *,
	    int64_t offer_id, char *why, size_t whylen);

/*
 * The mailer's turn: with auto_offers on, makes and sends the places
 * freed lately; then ends the offers past their time and hands them on.
 * The number of changes, or -1.
 */
int	 core_offers_tick(const struct core_ctx *);

/*
 * The local date of the first session of a place on weekday (0 Monday)
 * on or after from ("YYYY-MM-DD") into out.  0, or -1 on a bad date.
 * Pure.
 */
int	 core_offer_first_date(const char *from, int weekday, char out[11]);

#endif

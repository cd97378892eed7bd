/*
 * db/offers: freed places and the offers of them to waiting people
 * (db/schema/013-self-service.sql, 019-offers.sql).
 *
 * A place is a therapist's weekly time at a site and room from a date.
 * Its offers are the ranked waiting people (core/offer.h ranks them):
 * "proposed" until the coordinator confirms the list (or auto_offers
 * does), then the first few are "sent" (live until expires_at), and
 * each that ends (declined, expired) is handed on to the next.  Nobody
 * holds two live offers (013's unique index).  Every change is one
 * transaction with its outbox rows and an audit line.
 */
#ifndef DB_OFFERS_H
#define DB_OFFERS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* A place, with the names the pages and emails show. */
struct db_place {
	int64_t	 id;
	int64_t	 therapist_id;
	int64_t	 site_id;
	int64_t	 room_id;		/* 0: none */
	int	 weekday;		/* 0 Monday .. 6 */
	char	 start_local[6];	/* "HH:MM" */
	int	 length_min;
	char	 first_date[11];	/* local "YYYY-MM-DD" */
	int64_t	 from_series_id;	/* 0: none */
	char	 status[8];		/* open, filled, closed */
	int64_t	 filled_by;		/* the referral; 0 */
	int64_t	 series_id;		/* booked for them; 0 */
	char	 created_at[21];
	char	 confirmed_at[21];	/* "": the list waits */
	char	 therapist[128];	/* full name */
	char	 site[128];
	char	 address[256];
	char	 postcode[16];
	char	 room[128];
	char	 from_status[12];	/* the freeing series' status now;
					   "": the caseload opened */
};

/* 1 found (into *p), 0 none, -1 error. */
int	 db_place_get(struct db *, int64_t id, struct db_place *p);
/*
 * Calls fn for each place, the newest first, at most limit: of
 * therapist_id only (> 0), and by status: "open" the open ones, "ended"
 * the filled and withdrawn, "" all.  0, or -1.
 */
int	 db_places_each(struct db *, int64_t therapist_id, const char *status,
	    int limit, void (*fn)(void *, const struct db_place *),
	    void *arg);
/* How many places are open; -1 on an error. */
int64_t	 db_places_open_count(struct db *);
/* The newest place freed by series_id: its id, 0 none, -1 error. */
int64_t	 db_place_of_series(struct db *, int64_t series_id);

/* One ranked person for a new place. */
struct db_offer_rank {
	int64_t	 referral_id;
	int	 score;
};

/*
 * Stores place p (its id, status and names are ignored) with the ranked
 * people v[0..n) as proposed offers, by user_id (0: the system), in one
 * write with its audit line.  DB_OK with *id; DB_DUPLICATE with *id the
 * open place p->from_series_id freed already (nothing stored).
 */
enum db_result db_place_create(struct db *, const struct db_place *p,
	    const struct db_offer_rank *v, size_t n, int64_t user_id,
	    const char *addr, int64_t *id);

/* An offer, with the person's reference and name. */
struct db_offer {
	int64_t	 id;
	int64_t	 place_id;
	int64_t	 referral_id;
	int	 rank;
	int	 score;
	char	 status[12];
	char	 sent_at[21];
	char	 expires_at[21];
	char	 answered_at[21];
	char	 ref[16];
	char	 name[208];		/* given and family name */
	char	 email[256];
	char	 referral_status[16];
	int	 unbookable;		/* they said yes, but the booking
					   was refused (db_offer_unbookable) */
};

/* 1 found (into *o), 0 none, -1 error. */
int	 db_offer_get(struct db *, int64_t id, struct db_offer *o);
/*
 * Calls fn for each offer of place_id in rank order (place_id > 0), or
 * of referral_id newest first.  0, or -1.
 */
int	 db_offers_each(struct db *, int64_t place_id, int64_t referral_id,
	    void (*fn)(void *, const struct db_offer *), void *arg);

/* How offers go out: at most live at once, each for hours. */
struct db_offer_send {
	int		 live;		/* live offers a place holds, at most */
	const char	*now;		/* ISO UTC */
	const char	*expires;	/* now + offer_hours, ISO UTC */
	int64_t		 user_id;	/* 0: the system or the person */
	const char	*addr;
	const char	*msgid_domain;
};

/*
 * Confirms place_id's list (when not yet) and sends the next offers up
 * to s->live at once, skipping people no longer waiting or holding a
 * live offer; each gets a "place_offer" email.  DB_OK with *sent;
 * DB_INVALID when the place is not open.
 */
enum db_result db_place_send(struct db *, int64_t place_id,
	    const struct db_offer_send *s, int *sent);

/* Closes an open place: its offers are withdrawn.  DB_OK; DB_INVALID. */
enum db_result db_place_close(struct db *, int64_t place_id,
	    int64_t user_id, const char *addr);

/*
 * Ends the live offers past their time (expired) and hands each open,
 * confirmed place on to its next people, in one write.  The number of
 * offers expired and sent, or -1.
 */
int	 db_offers_tick(struct db *, const struct db_offer_send *s);

/* What accepting found, inside the caller's write (db_offer_claim). */
enum db_claim {
	DB_CLAIM_OK,		/* theirs now: offer accepted, place filled */
	DB_CLAIM_DONE,		/* they accepted it before */
	DB_CLAIM_TAKEN,		/* someone else has the place */
	DB_CLAIM_ENDED,		/* expired, declined or withdrawn */
	DB_CLAIM_ERROR
};

/*
 * Inside a write the caller began: claims offer_id at now for its
 * person when it is live and its place open (the offer accepted, the
 * place filled by them).  A live offer of a place someone else filled
 * is marked taken.
 */
enum db_claim db_offer_claim(struct db *, int64_t offer_id,
	    const char *now);

/*
 * Inside the caller's write, after the booking: the place's series is
 * series_id; its other live offers are taken and proposed ones
 * withdrawn; the coordinators are told; the audit line says "the person
 * themselves".  0, or -1.
 */
int	 db_offer_accepted(struct db *, int64_t offer_id, int64_t series_id,
	    const char *addr, const char *msgid_domain);

/*
 * The person declines offer_id: it is declined and the place handed on
 * (s).  DB_OK; DB_DUPLICATE when declined before; DB_INVALID when it
 * is not live.
 */
enum db_result db_offer_decline(struct db *, int64_t offer_id,
	    const struct db_offer_send *s);

/*
 * A live offer the person said yes to whose booking was refused (why:
 * the booking's words, kept in the audit line only): in one write it
 * is marked taken, the coordinators are told (kind offer_unbookable)
 * and it is audited as the person themselves (db_offer's unbookable).
 * DB_OK; DB_DUPLICATE when it is not live (told already); DB_ERROR.
 */
enum db_result db_offer_unbookable(struct db *, int64_t offer_id,
	    const char *why, const char *addr, const char *domain);

/*
 * Series that freed a place with none made of it yet: individual ones
 * ended or cancelled whose last date is at or after since (local date),
 * the newest first, at most limit.  fn(arg, series id).  0, or -1.
 */
int	 db_freed_series_each(struct db *, const char *since, int limit,
	    void (*fn)(void *, int64_t), void *arg);

/*
 * The individual series of referral_id's client records that freed a
 * place lately, with none made of it yet: ended or cancelled with their
 * last date at or after since (local date), or still active with no
 * session left to come (every one cancelled: the client stopped) at
 * now (epoch seconds).  fn(arg, series id), at most 16.  0, or -1.
 */
int	 db_referral_freed_each(struct db *, int64_t referral_id,
	    const char *since, int64_t now, void (*fn)(void *, int64_t),
	    void *arg);

/* How many sessions of series_id after now are not cancelled; -1. */
int64_t	 db_series_left(struct db *, int64_t series_id, int64_t now);

/*
 * For reports and the demo: offers of status ("" for any) sent in
 * [since, until) (ISO times; until "" for no end).  -1 on an error.
 */
int64_t	 db_offers_count(struct db *, const char *status, const char *since,
	    const char *until);

#endif

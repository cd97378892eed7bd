/*
 * db/terms: term dates of sites and partner organisations (migration
 * 015) and the holiday weeks of term-time series (migration 021).
 *
 * A site's terms are its own when it has any, else its organisation's.
 * Every function returns 0 (or a count, or a DB_ result where it
 * writes), or -1 logged.
 */
#ifndef DB_TERMS_H
#define DB_TERMS_H

#include <stdint.h>

#include "db/db.h"

#define DB_TERM_NAME	64	/* "Autumn term, first half" and the NUL */
#define DB_TERM_YEAR	16	/* "2026-27" and the NUL */

/* A term, the site's (organisation_id 0) or the organisation's. */
struct db_term {
	int64_t	 id;
	int64_t	 site_id;
	int64_t	 organisation_id;
	char	 school_year[DB_TERM_YEAR];
	char	 name[DB_TERM_NAME];
	char	 first_day[11];
	char	 last_day[11];
};

/*
 * fn for each term that holds at site_id (its own, else its
 * organisation's), by first day.  The number of terms, or -1.
 */
int	 db_site_terms_each(struct db *, int64_t site_id,
	    void (*fn)(void *, const struct db_term *), void *arg);

/*
 * fn for each term of one owner: site_id's own (organisation_id 0) or
 * organisation_id's (site_id 0), by first day.  The number, or -1.
 */
int	 db_terms_each(struct db *, int64_t site_id, int64_t organisation_id,
	    void (*fn)(void *, const struct db_term *), void *arg);

/*
 * Adds t (its site_id or organisation_id names the owner) with its
 * audit line by user_id, in one transaction.  DB_OK with t->id set;
 * DB_INVALID when the owner does not exist or the dates are out of
 * order; else what failed.
 */
enum db_result db_term_insert(struct db *, struct db_term *t,
	    int64_t user_id, const char *addr);

/*
 * Removes term_id of the owner (site_id, or organisation_id) with its
 * audit line.  DB_OK; DB_INVALID when the owner has no such term.
 */
enum db_result db_term_delete(struct db *, int64_t term_id, int64_t site_id,
	    int64_t organisation_id, int64_t user_id, const char *addr);

/* A booked session that its site's terms now put in a holiday. */
struct db_term_hit {
	int64_t	 series_id;
	char	 date[11];
	int64_t	 start_utc;
	char	 site[128];
	char	 therapist[128];
	char	 who[208];	/* the client's name, or the group's */
};

/*
 * fn for each session, starting after now, of a term-time series at the
 * owner's sites (site_id's, or every site of organisation_id) that
 * falls outside the terms that hold there now, in time order.  The
 * number of them, or -1.
 */
int	 db_term_hits_each(struct db *, int64_t site_id,
	    int64_t organisation_id, int64_t now,
	    void (*fn)(void *, const struct db_term_hit *), void *arg);

/* fn for each holiday week series_id passes over, by date; n or -1. */
int	 db_series_skips_each(struct db *, int64_t series_id,
	    void (*fn)(void *, const char *date), void *arg);

/*
 * The sessions of series_id not cancelled: how many into *n, and the
 * start of the last into *last_utc (0 when none).  0, or -1.
 */
int	 db_series_span(struct db *, int64_t series_id, int *n,
	    int64_t *last_utc);

/*
 * For the demo: an active weekly series of one client at a site with
 * terms (its own or its organisation's), with a session starting after
 * after_utc (the skip-th such, from 0), into
 * *series_id with the local date of that session in date.  1, 0 none,
 * -1.
 */
int	 db_terms_demo_series(struct db *, int64_t after_utc, int skip,
	    int64_t *series_id, char date[11]);

#endif

/*
 * db/partner: what a partner organisation's staff see and do (their
 * sites' sessions, closures they report), and the figures of the impact
 * report.  See db.h for the conventions.
 *
 * Privacy: nothing here reads a client's needs, notes or contact
 * details; a session names its group, or its client by initials only.
 */
#ifndef DB_PARTNER_H
#define DB_PARTNER_H

#include <stdint.h>

#include "db/db.h"

/* A session at a partner's site, as the partner may see it. */
struct db_partner_occ {
	int64_t	 start_utc;
	int64_t	 end_utc;
	char	 date[11];		/* the local date, YYYY-MM-DD */
	char	 state[12];		/* booked, moved, cancelled */
	char	 site[128];
	char	 room[128];
	char	 therapist[128];
	char	 who[128];		/* the group's name, or "A. B." */
};

/* The organisation's name into name (n bytes); 1, 0 none, -1 error. */
int	 db_organisation_name(struct db *, int64_t organisation_id,
	    char *name, size_t n);
/* fn(arg, id, name) for each active site of the organisation. */
int	 db_partner_sites(struct db *, int64_t organisation_id,
	    void (*fn)(void *, int64_t, const char *), void *arg);
/*
 * fn for each session at the organisation's sites starting in
 * [from_utc, to_utc), in time order.  0, or -1 (logged).
 */
int	 db_partner_occ_each(struct db *, int64_t organisation_id,
	    int64_t from_utc, int64_t to_utc,
	    void (*fn)(void *, const struct db_partner_occ *), void *arg);
/* Sessions at site_id on local days [first, last] not cancelled. */
int	 db_site_occ_each(struct db *, int64_t site_id, const char *first,
	    const char *last,
	    void (*fn)(void *, const struct db_partner_occ *), void *arg);

/*
 * The term of the organisation (its own terms or its sites') that holds
 * day (YYYY-MM-DD), else the next to begin: its name, first and last
 * day.  1 found, 0 none, -1 error.
 */
int	 db_partner_term(struct db *, int64_t organisation_id, const char *day,
	    char name[64], char first[11], char last[11]);

/* The reasons a partner gives for a closure. */
enum closure_reason {
	CLOSURE_TRIP,
	CLOSURE_EXAM,
	CLOSURE_OUTBREAK,
	CLOSURE_INSET_DAY,
	CLOSURE_OTHER,
	CLOSURE__MAX
};
extern const char *const db_closure_reason_names[CLOSURE__MAX];
extern const char *const db_closure_reason_labels[CLOSURE__MAX];

/*
 * Stores a closure reported by user_id for site_id (which must belong to
 * organisation_id) as proposed to the coordinators, with its audit line,
 * in one transaction.  DB_OK with *id set; DB_INVALID when the site is
 * not the organisation's; else what failed.
 */
enum db_result db_closure_report_add(struct db *, int64_t organisation_id,
	    int64_t site_id, const char *first, const char *last,
	    enum closure_reason, const char *detail, int64_t user_id,
	    const char *addr, int64_t *id);

/* A reported closure, as coordinators see it. */
struct db_closure_report {
	int64_t	 id;
	int64_t	 site_id;
	char	 site[128];
	char	 organisation[128];
	char	 first_day[11];
	char	 last_day[11];
	char	 reason[16];
	char	 detail[256];
	char	 status[12];
	char	 reported_by[128];
	char	 reported_at[21];
};
/*
 * fn for each reported closure: organisation_id 0 for every
 * organisation's, proposed ones first, then the newest.
 */
int	 db_closure_report_each(struct db *, int64_t organisation_id,
	    void (*fn)(void *, const struct db_closure_report *), void *arg);

/* ---- records the demo and imports write ---- */

/* Sets the region of site_id ("Scotland"); 0, or -1. */
int	 db_site_region_set(struct db *, int64_t site_id, const char *region);
/* Sets every site's region by its organisation's, where it has one. */
int	 db_organisation_region_set(struct db *, int64_t organisation_id,
	    const char *region);
/*
 * Adds a term to a site (organisation_id 0) or to an organisation
 * (site_id 0).  Its id, or -1 (a bad date order, no such owner).
 */
int64_t	 db_term_add(struct db *, int64_t site_id, int64_t organisation_id,
	    const char *school_year, const char *name, const char *first,
	    const char *last);
/*
 * fn(arg, id, name, delivered sessions) for each organisation, the most
 * sessions first; kind (a site kind, NULL: any) limits it to
 * organisations with a site of that kind.
 */
int	 db_organisation_busiest(struct db *, const char *kind,
	    void (*fn)(void *, int64_t, const char *, int64_t), void *arg);
/*
 * Records a family (referral_id) or partner (organisation_id) survey sent
 * at sent_at (ISO UTC) to to_addr, answered at answered_at (NULL: not
 * yet) with q1, q2 (NULL: none) and comment.  Its id, or -1.
 */
int64_t	 db_survey_add(struct db *, const char *kind, int64_t referral_id,
	    int64_t organisation_id, const char *to_addr, const char *sent_at,
	    const char *answered_at, const char *q1, const char *q2,
	    const char *comment);

/* ---- the impact report ---- */

enum impact_q {
	IMPACT_POSITIVE,	/* clients: a positive or creative experience */
	IMPACT_QUALITY,		/* clients: enhanced quality of life */
	IMPACT_SOCIAL,		/* clients: developed social skills */
	IMPACT_RELATIONSHIP,	/* families: improved relationship */
	IMPACT_SKILLS,		/* partner staff: enhanced staff skills */
	IMPACT_ATMOSPHERE,	/* partner staff: changed the atmosphere */
	IMPACT__MAX
};

struct db_impact_region {
	char	 region[64];		/* "" when not set */
	int64_t	 sessions;
	int64_t	 seconds;
};

/* The figures of one period [from_utc, to_utc). */
struct db_impact {
	int64_t	 sessions;		/* delivered */
	int64_t	 sessions_own;		/* at sites of no organisation */
	int64_t	 sessions_partner;	/* at partner organisations' sites */
	int64_t	 seconds;
	int64_t	 organisations;		/* partners worked with */
	int64_t	 people;		/* who attended a session */
	int64_t	 long_term;		/* of them, supported > N months */
	int64_t	 agreed[IMPACT__MAX];	/* answered 'agree' */
	int64_t	 answered[IMPACT__MAX];	/* answered the question */
	int64_t	 sent[IMPACT__MAX];	/* surveys sent in the period */
	struct db_impact_region *regions;
	size_t	 nregions;
};

/*
 * Loads the figures of [from_utc, to_utc) into *out (free with
 * db_impact_free); long_term_months is the setting.  0, or -1 (logged).
 */
int	 db_impact_load(struct db *, int64_t from_utc, int64_t to_utc,
	    int long_term_months, struct db_impact **out);
/*
 * The same with the sessions and people worked out from the raw rows
 * rather than the summaries (031-report-summaries.sql): what the
 * summaries must equal.  For tests and checks.
 */
int	 db_impact_load_raw(struct db *, int64_t from_utc, int64_t to_utc,
	    int long_term_months, struct db_impact **out);
void	 db_impact_free(struct db_impact *);

#endif

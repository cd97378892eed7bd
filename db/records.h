/*
 * db/records: the records coordinators and administrators keep, and the
 * caseload that matching fills (schema: db/schema/003-records.sql).
 *
 *   organisations   partner organisations, named once, shared by sites
 *   sites           the details beyond db.h's public list: organisation,
 *                   postcode district, districts served, opening hours,
 *                   closures, rooms
 *   therapists      specialisms, languages, limits, weekly availability
 *                   per site, leave
 *   clients         a matched referral on a therapist's caseload, and
 *                   db_client_assign, which makes one
 *   busy times      the booked occurrences in a window, for matching
 *
 * Weekly times are a weekday (0 Monday .. 6 Sunday) and minutes from
 * local midnight, 0 <= start_min < end_min <= 1440; dates are YYYY-MM-DD
 * local.  Readers come in two kinds: *_get fills one record (fixed-size
 * strings, nothing to free) and returns 1 found, 0 not found, -1 error;
 * *_each calls fn once a row, with a record that is valid only during
 * the call, and returns 0 or -1.  Writers take the member of staff and
 * their address for the audit line, run in one BEGIN IMMEDIATE
 * transaction with that line, and return an enum db_result: DB_OK, or
 * with nothing stored DB_CONFLICT (the record is gone), DB_INVALID (a
 * constraint: a duplicate name, a user already linked, a bad range),
 * DB_BUSY, DB_FULL or DB_ERROR (logged).  Callers validate input first;
 * the schema's CHECKs are the last line, not the first.
 */
#ifndef DB_RECORDS_H
#define DB_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "db/referrals.h"

#define DB_RECORD_NAME_LEN	128	/* names of people, sites, rooms */
#define DB_RECORD_TEXT_LEN	256	/* addresses, languages, reasons */

/* Site kinds, as the schema allows them. */
enum site_kind {
	SITE_OWN_CENTRE,
	SITE_SCHOOL,
	SITE_CARE_HOME,
	SITE_HOSPITAL,
	SITE_HOSPICE,
	SITE_DAY_CENTRE,
	SITE_COMMUNITY_VENUE,
	SITE_ONLINE,
	SITE_KIND__MAX
};
extern const char *const db_site_kind_names[SITE_KIND__MAX];  /* "school" */
extern const char *const db_site_kind_labels[SITE_KIND__MAX]; /* "School" */

/*
 * A weekly range.  owner_id is the site (opening hours) or the therapist
 * (availability); site_id is where: the same site for opening hours.
 */
struct db_week_range {
	int64_t	 id;
	int64_t	 owner_id;
	int64_t	 site_id;
	int	 day;
	int	 start_min;
	int	 end_min;
};

/* A period of whole days: a therapist's leave or a site's closure. */
struct db_period {
	int64_t	 id;
	int64_t	 owner_id;	/* therapist or site */
	char	 first_day[11];
	char	 last_day[11];
	char	 reason[DB_RECORD_TEXT_LEN];
};

struct db_organisation {
	int64_t	 id;
	char	 name[DB_RECORD_NAME_LEN];
	int	 nsites;	/* active sites */
};

/* A site with everything but its lists. */
struct db_site_rec {
	int64_t	 id;
	int64_t	 organisation_id;	/* 0: none */
	char	 organisation[DB_RECORD_NAME_LEN];
	char	 name[DB_RECORD_NAME_LEN];
	int	 kind;			/* enum site_kind */
	char	 address[DB_RECORD_TEXT_LEN];
	char	 postcode[12];
	char	 district[8];		/* its own postcode district */
	int	 step_free;
	int	 active;
	int	 nrooms;		/* active rooms */
	int	 nhours;		/* opening-hours ranges */
	char	 region[64];		/* "Scotland", or "" */
};

struct db_room {
	int64_t	 id;
	int64_t	 site_id;
	char	 name[DB_RECORD_NAME_LEN];
	int	 capacity;
	int	 piano;
	int	 accessible;
	int	 active;
};

/*
 * A therapist.  caseload counts their open clients (matched or active
 * referrals); booked_min the minutes of sessions booked in the window
 * the reader was given (0 when none was).
 */
struct db_therapist {
	int64_t	 id;
	int64_t	 user_id;		/* 0: no log-in */
	char	 user_email[256];	/* "" when none or deactivated */
	char	 name[DB_RECORD_NAME_LEN];
	unsigned specialisms;		/* bits over enum need */
	char	 languages[DB_RECORD_TEXT_LEN];	/* "English, Polish" */
	int	 max_caseload;
	int	 max_hours;		/* a week */
	int	 active;
	int	 caseload;
	int64_t	 booked_min;
};

/* A client: a referral on a therapist's caseload. */
struct db_client {
	int64_t	 id;
	int64_t	 referral_id;
	int64_t	 therapist_id;
	char	 therapist[DB_RECORD_NAME_LEN];
	char	 ref[16];
	char	 name[208];		/* given and family name */
	int	 status;		/* the referral's enum status */
	unsigned needs;
	char	 started_at[21];
	char	 ended_at[21];		/* "" while on the caseload */
};

/*
 * A referral as matching reads it.  access_needs and the sites array
 * are borrowed, valid only during the callback; at most
 * DB_MATCH_SITES_MAX sites are read.
 */
#define DB_MATCH_SITES_MAX	64
struct db_match_referral {
	int64_t		 id;
	char		 ref[16];
	char		 name[208];
	int		 status;		/* enum status */
	unsigned	 needs;
	unsigned	 availability;
	char		 session_type[12];
	int		 online_ok;
	char		 postcode[12];
	char		 language[64];
	int		 interpreter;
	const char	*access_needs;
	char		 created_at[21];
	const int64_t	*sites;
	size_t		 nsites;
	int64_t		 previous_therapist_id;	/* 0: none */
};

/* ---- organisations ---- */

/* Calls fn for each organisation, by name. */
int	 db_organisations_each(struct db *, void (*fn)(void *,
	    const struct db_organisation *), void *arg);

/* ---- sites ---- */

/* Calls fn for each site (active ones first, then by name). */
int	 db_sites_each(struct db *, void (*fn)(void *,
	    const struct db_site_rec *), void *arg);
int	 db_site_get(struct db *, int64_t id, struct db_site_rec *);

/* What a site form saves.  id 0 adds a site. */
struct db_site_edit {
	int64_t				 id;
	const char			*name;
	int				 kind;		/* enum site_kind */
	const char			*address;
	const char			*postcode;	/* normalised, or "" */
	const char			*district;	/* its district, or "" */
	const char			*organisation;	/* "" for none; made
							   when new */
	int				 step_free;
	int				 active;
	const char			*region;	/* "" for none */
	const char *const		*serves;	/* further districts */
	size_t				 nserves;
	const struct db_week_range	*hours;		/* day, start, end */
	size_t				 nhours;
};

/*
 * Adds or updates a site with its organisation (found by name, or made),
 * the districts it serves and its opening hours (both replaced whole),
 * and an audit line, in one transaction.  On DB_OK *id is the site's id.
 * DB_CONFLICT when the site to update does not exist.
 */
enum db_result db_site_save(struct db *, const struct db_site_edit *,
	    int64_t user_id, const char *addr, int64_t *id);

/* Further districts a site serves (site_id 0: every site's), in order. */
int	 db_site_districts_each(struct db *, int64_t site_id,
	    void (*fn)(void *, int64_t site_id, const char *district),
	    void *arg);
/* Opening hours (site_id 0: every site's), by day and start. */
int	 db_site_hours_each(struct db *, int64_t site_id,
	    void (*fn)(void *, const struct db_week_range *), void *arg);
/*
 * Closures (site_id 0: every site's) that end on or after from and
 * start on or before to (either may be NULL for no limit), by first day.
 */
int	 db_site_closures_each(struct db *, int64_t site_id, const char *from,
	    const char *to, void (*fn)(void *, const struct db_period *),
	    void *arg);
enum db_result db_site_closure_add(struct db *, int64_t site_id,
	    const char *first_day, const char *last_day, const char *reason,
	    int64_t user_id, const char *addr);
/*
 * db_site_closure_add for the closure a partner reported (report_id,
 * db/partner.h), which is marked accepted as this closure in the same
 * transaction: DB_CONFLICT (nothing stored) when the report is not the
 * site's or was handled already.
 */
enum db_result db_site_closure_add_reported(struct db *, int64_t site_id,
	    int64_t report_id, const char *first_day, const char *last_day,
	    const char *reason, int64_t user_id, const char *addr);
/* DB_CONFLICT when the site has no such closure. */
enum db_result db_site_closure_delete(struct db *, int64_t site_id,
	    int64_t closure_id, int64_t user_id, const char *addr);

/* ---- rooms ---- */

/* Rooms of a site (site_id 0: all), active first, then by name. */
int	 db_rooms_each(struct db *, int64_t site_id, void (*fn)(void *,
	    const struct db_room *), void *arg);
int	 db_room_get(struct db *, int64_t id, struct db_room *);
/*
 * Adds (room->id 0) or updates a room of room->site_id; on DB_OK *id is
 * its id.  DB_INVALID when the site has another room of that name;
 * DB_CONFLICT when the room is not at that site.
 */
enum db_result db_room_save(struct db *, const struct db_room *,
	    int64_t user_id, const char *addr, int64_t *id);

/* ---- therapists ---- */

/*
 * Calls fn for each therapist (active first, then by name), with
 * booked_min counted over occurrences in [from_utc, to_utc) (both 0:
 * not counted).
 */
int	 db_therapists_each(struct db *, time_t from_utc, time_t to_utc,
	    void (*fn)(void *, const struct db_therapist *), void *arg);
int	 db_therapist_get(struct db *, int64_t id, time_t from_utc,
	    time_t to_utc, struct db_therapist *);
/* (The therapist linked to a user: db_therapist_of_user, schedule.h.) */

/* What a therapist form saves.  id 0 adds a therapist. */
struct db_therapist_edit {
	int64_t				 id;
	int64_t				 user_id;	/* 0: none */
	const char			*name;
	unsigned			 specialisms;
	const char			*languages;
	int				 max_caseload;
	int				 max_hours;
	int				 active;
	const struct db_week_range	*availability;	/* site, day, times */
	size_t				 navailability;
};

/*
 * Adds or updates a therapist and replaces their availability whole,
 * with an audit line, in one transaction; on DB_OK *id is theirs.
 * DB_INVALID when the user is linked to another therapist, is not a
 * therapist, or a site is unknown; DB_CONFLICT when the therapist to
 * update does not exist.
 */
enum db_result db_therapist_save(struct db *, const struct db_therapist_edit *,
	    int64_t user_id, const char *addr, int64_t *id);

/* Availability (therapist_id 0: everyone's), at any site, by day. */
int	 db_availability_each(struct db *, int64_t therapist_id,
	    void (*fn)(void *, const struct db_week_range *), void *arg);
/* Leave (therapist_id 0: everyone's) overlapping [from, to], as closures. */
int	 db_leave_each(struct db *, int64_t therapist_id, const char *from,
	    const char *to, void (*fn)(void *, const struct db_period *),
	    void *arg);
enum db_result db_leave_add(struct db *, int64_t therapist_id,
	    const char *first_day, const char *last_day, const char *reason,
	    int64_t user_id, const char *addr);
enum db_result db_leave_delete(struct db *, int64_t therapist_id,
	    int64_t leave_id, int64_t user_id, const char *addr);

/* ---- clients and assignment ---- */

/*
 * Clients on caseloads (therapist_id 0: everyone's), newest first; with
 * open_only, only those whose referral is still matched or active and
 * who have not ended.
 */
int	 db_clients_each(struct db *, int64_t therapist_id, int open_only,
	    void (*fn)(void *, const struct db_client *), void *arg);
/* The open client of a referral: 1 found, 0 none, -1 error. */
int	 db_client_of_referral(struct db *, int64_t referral_id,
	    struct db_client *);

/*
 * Puts a referral that is already matched or active on a therapist's
 * caseload from started_at (ISO 8601 UTC), leaving its status as it is,
 * with an audit line: for demo data and imports.  DB_INVALID when the
 * referral is in another state or already on a caseload.
 */
enum db_result db_client_add(struct db *, int64_t referral_id,
	    int64_t therapist_id, const char *started_at, int64_t user_id,
	    int64_t *client_id);

/* One assignment, as the matches or plan page asks for it. */
struct db_assign {
	int64_t		 referral_id;
	enum status	 from;		/* the state the page saw */
	int64_t		 therapist_id;
	const char	*detail;	/* the suggestion, for the history */
	int64_t		 user_id;	/* who assigns */
	const char	*addr;
	const char	*msgid_domain;
};

enum db_assign_result {
	DB_ASSIGN_OK,
	DB_ASSIGN_MOVED,	/* not in state `from` any more */
	DB_ASSIGN_NOT_OPEN,	/* `from` is neither triaged nor waitlisted */
	DB_ASSIGN_NO_PLACE,	/* the therapist is inactive or full */
	DB_ASSIGN_GONE,		/* no such referral or therapist */
	DB_ASSIGN_BUSY,		/* locked for too long */
	DB_ASSIGN_ERROR		/* anything else (logged) */
};

/*
 * Assigns a referral to a therapist in one BEGIN IMMEDIATE transaction:
 * the referral must still be in a->from (triaged or waitlisted) and the
 * therapist active with a free place; the referral becomes matched, with
 * a history line and an audit line; any stale open client row of the
 * referral is ended; a clients row joins the therapist's caseload; and,
 * when the therapist has an active log-in, a "therapist_assigned" email
 * to it goes into the outbox (dedupe key "therapist-assigned:<client>").
 * On DB_ASSIGN_OK *client_id is the new client's id and *emailed says
 * whether an email was queued.  Nothing is stored otherwise.
 */
enum db_assign_result db_client_assign(struct db *, const struct db_assign *,
	    int64_t *client_id, int *emailed);

/* ---- what matching reads ---- */

/*
 * Calls fn for referral_id (when > 0), else for every referral in state
 * status, longest waiting first.
 */
int	 db_match_referrals_each(struct db *, int64_t referral_id,
	    enum status status, void (*fn)(void *,
	    const struct db_match_referral *), void *arg);
/* The same, with at most max referrals in state status (-1: all). */
int	 db_match_referrals_first(struct db *, int64_t referral_id,
	    enum status status, int64_t max, void (*fn)(void *,
	    const struct db_match_referral *), void *arg);

/*
 * Calls fn for each booked (not cancelled) occurrence overlapping
 * [from_utc, to_utc): therapist, room (0: none), site, start and end.
 */
int	 db_busy_each(struct db *, time_t from_utc, time_t to_utc,
	    void (*fn)(void *, int64_t therapist_id, int64_t room_id,
	    int64_t site_id, time_t start, time_t end), void *arg);

#endif

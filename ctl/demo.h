/*
 * demo: the demo data `tuttictl demo` makes, a year of a living service
 * ending today (or, with --scale N --years Y, Y years of a service N
 * times the size of the one DESIGN.md describes, for benchmarks).
 *
 * It runs in steps, one file an area, each seeing what the earlier ones
 * made, all sharing one struct demo:
 *
 *   demo.c           the steps in order, the staff log-ins, the counts
 *   demo_rand.c      the seeded generator, names, postcodes, words, days
 *   demo_records.c   organisations, sites, rooms, therapists, leave,
 *                    closures (through the records API)
 *   demo_people.c    the people referred over the period and what became
 *                    of each (planned in memory), then their referrals,
 *                    history, notes and emails (db/bulk.h)
 *   demo_schedule.c  groups, a weekly time and room for each client,
 *                    their series, sessions, attendance and notes
 *   demo_reports.c   outcome survey answers
 *   demo_client.c    session notes, goals, closing summaries, a
 *                    corrected referral, a therapist off sick
 *
 * Everything is deterministic: one seed, our own generator, days counted
 * back from today.  A feature that needs demo data adds a step (a
 * function here and a line in demo.c) rather than changing another's.
 */
#ifndef CTL_DEMO_H
#define CTL_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct db;

#define DEMO_TZ		"Europe/London"
#define DEMO_DOMAIN	"tutti.localhost"
#define DEMO_SLOTS_MAX	48	/* weekly hours one therapist works */
#define DEMO_LEAVE_MAX	24
#define DEMO_ROOMS_MAX	4
#define DEMO_FOREVER	1000000	/* a week number no series reaches */

/* A seeded generator (splitmix64): the same seed, the same demo. */
struct demo_rng {
	uint64_t	 s;
};
uint64_t	 demo_rand(struct demo_rng *);
/* Uniform in [0, n); n > 0. */
int		 demo_below(struct demo_rng *, int n);
/* 1 with probability percent / 100. */
int		 demo_chance(struct demo_rng *, int percent);
/* An element of a NULL-less array of n strings. */
const char	*demo_pick(struct demo_rng *, const char *const *, size_t n);
#define DEMO_PICK(r, a)	demo_pick((r), (a), sizeof(a) / sizeof((a)[0]))

/* A region: its postcode districts and place names. */
struct demo_region {
	const char	*name;		/* "London" */
	const char	*const *districts;
	size_t		 ndistricts;
};
extern const struct demo_region demo_regions[];
extern const size_t demo_nregions;

extern const char *const demo_given_names[];
extern const size_t demo_ngiven_names;
extern const char *const demo_family_names[];
extern const size_t demo_nfamily_names;

/* A full postcode in district ("NW5" -> "NW5 2QT"), into out[10]. */
void	 demo_postcode(struct demo_rng *, const char *district, char out[10]);

/* A partner site as the schedule uses it. */
struct demo_site {
	int64_t	 id;
	int	 region;
	int	 kind;				/* enum site_kind */
	char	 district[8];
	int	 open_min[7], close_min[7];	/* close 0: closed that day */
	int	 nrooms;
	int64_t	 room_ids[DEMO_ROOMS_MAX];
	int	 room_capacity[DEMO_ROOMS_MAX];
	int	 room_index[DEMO_ROOMS_MAX];	/* into demo.room_busy */
	int	 nclosures;
	int	 closure_first[4], closure_last[4];	/* day numbers */
	char	 closure_reason[4][48];
};

/* One weekly hour a therapist works at a site. */
struct demo_slot {
	int	 site;		/* index into demo.sites */
	int	 day;		/* 0 Monday */
	int	 start_min;
	int	 busy_until;	/* the first week it is free from */
};

struct demo_therapist {
	int64_t		 id;
	int64_t		 user_id;	/* 0: no log-in */
	char		 name[64];
	char		 email[64];	/* "" when no log-in */
	int		 region;
	unsigned	 specialisms;
	int		 max_caseload;
	int		 open_quota;	/* clients open today, at most */
	int		 open_now;
	int		 nslots;
	struct demo_slot slots[DEMO_SLOTS_MAX];
	int		 nleave;
	int		 leave_first[DEMO_LEAVE_MAX], leave_last[DEMO_LEAVE_MAX];
	char		 leave_reason[DEMO_LEAVE_MAX][32];
};

/* What became of a person referred. */
enum demo_fate {
	FATE_NEW,		/* received in the last days */
	FATE_TRIAGED,
	FATE_WAITING,		/* on the waitlist today */
	FATE_DECLINED,
	FATE_WITHDRAWN,
	FATE_INDIVIDUAL,	/* weekly sessions of their own */
	FATE_GROUP,		/* a place in a group */
	FATE__MAX
};

/* A person referred, planned in memory before anything is written. */
struct demo_person {
	int		 region;
	int		 cast;		/* index into the named people + 1 */
	enum demo_fate	 fate;
	int		 status;	/* enum status today */
	int		 source;	/* index into demo source names */
	unsigned	 needs;
	unsigned	 availability;
	int		 session_type;	/* 0 individual, 1 group, 2 either */
	int		 given, family;	/* indexes into the name lists */
	char		 postcode[10];
	int		 age;
	int		 email;		/* agreed to email */
	int		 created, triaged, waitlisted, matched, first, closed;
	int		 left;		/* declined or withdrawn day */
	int		 want_week;	/* earliest week they could start */
	int		 therapist;	/* index, or -1 */
	int		 slot;		/* index into the therapist's slots */
	int		 room;		/* index into the site's rooms, or -1 */
	int		 group;		/* index into demo.groups, or -1 */
	int		 weeks;		/* sessions in the series */
	int		 stop_after;	/* sessions before stopping (< weeks) */
	int		 week;		/* the first session's week */
	int		 surveyed;	/* day the survey went, or -1 */
	uint32_t	 seed;		/* for this person's own details */
	int64_t		 id;		/* the referral, once written */
	int64_t		 client_id;
	int64_t		 series_id;
};

struct demo_group {
	char	 name[64];
	int	 therapist;
	int	 slot;
	int	 room;
	int	 capacity;
	int	 first_week, last_week;	/* of its series */
	int	*members_in;		/* per week from first_week */
	int64_t	 id;
	int64_t	 series_id;
};

struct demo {
	struct db		*db;
	struct demo_rng		 rng;
	int			 scale;		/* 0: the demo; N: --scale N */
	int			 years;
	time_t			 now;
	/* Days: 0 is the first of the period, today is `today`; the
	 * table runs on past today for sessions still to come. */
	int			 ndays;
	int			 today;
	int			 first_weekday;	/* of day 0, 0 Monday */
	int			 this_week;
	char			 (*date)[11];	/* YYYY-MM-DD of each day */
	time_t			*midnight;	/* local midnight, as UTC */
	int64_t			 coordinators[2];
	const char		*coordinator_emails[2];
	const char		*coordinator_names[2];
	int64_t			 admin;
	struct demo_site	*sites;
	size_t			 nsites;
	int			(*room_busy)[7 * 24];	/* week free from */
	size_t			 nrooms;
	struct demo_therapist	*therapists;
	size_t			 ntherapists;
	struct demo_person	*people;
	size_t			 npeople;
	struct demo_group	*groups;
	size_t			 ngroups;
	int			 nregions;
	int64_t			 rows;		/* written in bulk */
	int64_t			 mails;		/* Message-IDs made */
};

/* demo.c */
int	 demo_run(struct db *, int scale, int years);

/* demo_rand.c: days and times. */
int	 demo_days(struct demo *);
int	 demo_week_of(const struct demo *, int day);
int	 demo_day_of(const struct demo *, int week, int weekday);
/* day at minutes from local midnight, as unix time / ISO 8601 UTC. */
time_t	 demo_time(const struct demo *, int day, int minute);
void	 demo_iso(const struct demo *, int day, int minute, char out[21]);
/*
 * A Message-ID for an email of the demo's history, "<demo.DATE.N@...>":
 * made in order, so that the outbox's index of them grows at its end.
 */
void	 demo_message_id(struct demo *, char out[64]);
/* A random minute in office hours, 09:00 to 17:00. */
int	 demo_office_minute(struct demo_rng *);

/* demo_records.c */
int	 demo_records(struct demo *);
/* 1 when the therapist is on leave or the site closed on day. */
int	 demo_therapist_away(const struct demo_therapist *, int day,
	    const char **reason);
int	 demo_site_closed(const struct demo_site *, int day,
	    const char **reason);

/* demo_people.c */
int	 demo_people_plan(struct demo *);
int	 demo_people_write(struct demo *);
/* The person's email address ("" when none) and given name. */
void	 demo_person_email(struct demo *, const struct demo_person *,
	    char out[128], char given[64]);

/* demo_schedule.c */
int	 demo_schedule_plan(struct demo *);
int	 demo_schedule_write(struct demo *);
int	 demo_schedule_changes(struct demo *);
/* demo_self.c: contact details, a late cancellation, waitlist checks. */
int	 demo_self(struct demo *);
/* demo_places.c: a place made by a raised caseload, its offers expired. */
int	 demo_places(struct demo *);

/* demo_week.c: leave and a closure waiting for a decision. */
int	 demo_week(struct demo *);

/* demo_reports.c */
int	 demo_reports(struct demo *);

/* demo_partner.c: regions, partner log-ins, terms, closures, surveys. */
int	 demo_partners(struct demo *);
/* demo_terms.c: a term-time series at the school with terms. */
int	 demo_terms(struct demo *);
/* demo_surveys.c: family and partner staff surveys sent, not answered
 * yet (issue 20); 0, or -1. */
int	 demo_surveys_family(struct demo *);
int	 demo_surveys_partner(struct demo *, int64_t organisation_id);

/* demo_someone.c: referrals on someone's behalf and by Easy Read. */
int	 demo_someone(struct demo *);
/* demo_client.c: notes, goals, closing summaries, a correction, sickness */
int	 demo_client_records(struct demo *);

#endif

/*
 * Demo records: partner organisations for the demo sites with their
 * districts, opening hours, rooms and a closure each for two of them; six
 * therapists (three with the demo therapists' log-ins, three without),
 * their weekly availability and some leave; and clients on caseloads for
 * the matched and active demo referrals, two of them assigned the way a
 * coordinator does, so that the outbox holds the therapists' emails.
 *
 * The demo is made so that matching has something to explain: Tom
 * Becker's caseload is full, Aisha Rahman is on leave for most of the
 * coming weeks, Hackney Community Hall has no step-free way in, and the
 * waitlisted Dolores Santos (recovering from a stroke, free in the
 * evenings, in SE5) finds Maria at St Luke's on Wednesday evenings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/demo.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/staff.h"

#define DEMO_DOMAIN	"tutti.localhost"
#define H(h)		((h) * 60)
#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1u << (n))

struct demo_hours {
	int	 day;
	int	 start;
	int	 end;
};

struct demo_room {
	const char	*name;
	int		 capacity;
	int		 piano;
	int		 accessible;
};

static const struct {
	const char		*name;		/* as tuttictl made it */
	const char		*organisation;
	const char		*serves;	/* space-separated */
	struct demo_hours	 hours[8];
	struct demo_room	 rooms[4];
} demo_sites[] = {
	{ "Tutti Centre, Camden", "", "NW5 NW3 N7 N19",
	    { { 0, H(9), H(20) }, { 1, H(9), H(20) }, { 2, H(9), H(20) },
	      { 3, H(9), H(20) }, { 4, H(9), H(20) }, { 5, H(10), H(16) },
	      { -1, 0, 0 } },
	    { { "Music Room 1", 1, 1, 1 }, { "Music Room 2", 2, 0, 1 },
	      { "Studio", 8, 1, 1 }, { "Small room", 1, 0, 0 } } },
	{ "Riverside Care Home", "Riverside Care Group", "N7 N16",
	    { { 0, H(10), H(17) }, { 1, H(10), H(17) }, { 2, H(10), H(17) },
	      { 3, H(10), H(17) }, { 4, H(10), H(17) }, { 5, H(10), H(17) },
	      { 6, H(10), H(17) }, { -1, 0, 0 } },
	    { { "Lounge", 12, 1, 1 }, { "Quiet room", 2, 0, 1 } } },
	{ "St Luke's Hospice", "St Luke's Hospice Trust", "SE15 SE22 SE24",
	    { { 0, H(9), H(17) }, { 1, H(9), H(17) }, { 2, H(9), H(20) },
	      { 3, H(9), H(17) }, { 4, H(9), H(17) }, { -1, 0, 0 } },
	    { { "Day room", 6, 1, 1 }, { "Family room", 3, 0, 1 } } },
	{ "Hackney Community Hall", "Hackney Community Association",
	    "E2 E5 E9 N16",
	    { { 0, H(12), H(20) }, { 1, H(12), H(20) }, { 2, H(12), H(20) },
	      { 3, H(12), H(20) }, { 4, H(12), H(20) }, { 5, H(9), H(13) },
	      { -1, 0, 0 } },
	    { { "Main hall", 20, 1, 0 }, { "Band room", 6, 0, 0 },
	      { "Side room", 1, 0, 0 } } },
	{ "Online (video)", "", "", { { -1, 0, 0 } }, { { NULL, 0, 0, 0 } } },
};

/* Availability: the site by its index in demo_sites. */
struct demo_avail {
	int	 site;
	int	 day;
	int	 start;
	int	 end;
};

static const struct {
	const char		*name;
	const char		*email;		/* the log-in, or NULL */
	unsigned		 specialisms;
	const char		*languages;
	int			 max_caseload;
	int			 max_hours;
	struct demo_avail	 avail[8];
	int			 leave_from;	/* days from today; -1: none */
	int			 leave_days;
	const char		*leave_reason;
} demo_therapists[] = {
	{ "Thea Therapist", "therapist@tutti.example",
	    BIT(NEED_DEMENTIA) | BIT(NEED_PALLIATIVE) | BIT(NEED_NEURO_REHAB),
	    "English", 8, 24,
	    { { 1, 0, H(10), H(17) }, { 2, 1, H(9), H(17) },
	      { 0, 2, H(9), H(13) }, { 0, 3, H(12), H(20) },
	      { -1, 0, 0, 0 } }, -1, 0, NULL },
	{ "Ravi Patel", "ravi@tutti.example",
	    BIT(NEED_AUTISM) | BIT(NEED_LEARNING_DIFFICULTIES) |
	    BIT(NEED_PARENT_CHILD), "English, Gujarati, Hindi", 10, 30,
	    { { 0, 0, H(9), H(17) }, { 0, 2, H(9), H(17) },
	      { 3, 1, H(12), H(20) }, { 3, 3, H(12), H(20) },
	      { 4, 4, H(9), H(13) }, { -1, 0, 0, 0 } }, -1, 0, NULL },
	{ "Maria Rossi", "maria@tutti.example",
	    BIT(NEED_MENTAL_HEALTH) | BIT(NEED_NEURO_REHAB) |
	    BIT(NEED_DEMENTIA), "English, Italian", 6, 20,
	    { { 0, 1, H(9), H(17) }, { 0, 3, H(9), H(17) },
	      { 2, 2, H(12), H(20) }, { 4, 4, H(12), H(17) },
	      { -1, 0, 0, 0 } }, 8, 3, "Conference" },
	{ "Sam Okafor", NULL,
	    BIT(NEED_MENTAL_HEALTH) | BIT(NEED_AUTISM) | BIT(NEED_OTHER),
	    "English, Yoruba", 12, 30,
	    { { 3, 0, H(12), H(20) }, { 3, 1, H(12), H(20) },
	      { 3, 2, H(12), H(20) }, { 3, 3, H(12), H(20) },
	      { 4, 4, H(12), H(20) }, { -1, 0, 0, 0 } }, -1, 0, NULL },
	{ "Aisha Rahman", NULL,
	    BIT(NEED_PARENT_CHILD) | BIT(NEED_LEARNING_DIFFICULTIES),
	    "English, Bengali, Urdu", 8, 22,
	    { { 0, 0, H(9), H(12) }, { 0, 0, H(17), H(20) },
	      { 0, 2, H(9), H(12) }, { 0, 4, H(9), H(12) },
	      { -1, 0, 0, 0 } }, 2, 21, "Parental leave" },
	{ "Tom Becker", NULL,
	    BIT(NEED_NEURO_REHAB) | BIT(NEED_PALLIATIVE) | BIT(NEED_DEMENTIA),
	    "English, German", 1, 16,
	    { { 2, 1, H(9), H(17) }, { 2, 3, H(9), H(17) },
	      { -1, 0, 0, 0 } }, -1, 0, NULL },
};

/* Referrals added here so that caseloads have a few more clients. */
static const struct {
	const char	*given, *family, *postcode, *dob, *about;
	unsigned	 needs, availability;
	const char	*therapist;
	int		 active;
} demo_clients[] = {
	{ "Kwame", "Asante", "NW5 1TL", "1999-10-03",
	    "I would like to play in a band with other people.",
	    BIT(NEED_LEARNING_DIFFICULTIES), 0x0009, "Ravi Patel", 1 },
	{ "Lena", "Novak", "SE15 4QL", "1957-05-27",
	    "After my stroke I would like to sing again.",
	    BIT(NEED_NEURO_REHAB), 0x0048, "Tom Becker", 0 },
};

/* The demo referrals tuttictl made, put on caseloads as they are. */
static const struct {
	const char	*name;
	const char	*therapist;
} demo_existing[] = {
	{ "Fiona MacLeod", "Thea Therapist" },
	{ "Gustav Berg", "Maria Rossi" },
};

struct found {
	const char	*name;
	int64_t		 id;
};

static void
find_site(void *arg, const struct db_site_rec *s)
{
	struct found *f = arg;

	if (strcmp(s->name, f->name) == 0)
		f->id = s->id;
}

static void
find_referral(void *arg, const struct db_match_referral *m)
{
	struct found *f = arg;

	if (strcmp(m->name, f->name) == 0)
		f->id = m->id;
}

/* The local date days from today, YYYY-MM-DD. */
static void
date_in(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int
load_sites(struct db *db, int64_t ids[N(demo_sites)])
{
	struct db_site_edit e;
	struct db_week_range hours[8];
	struct db_room room;
	struct db_site_rec s;
	struct found f;
	char serves_buf[64], *serves[8], *tok, *save, first[11], last[11];
	size_t i, j, n;
	int64_t id;

	for (i = 0; i < N(demo_sites); i++) {
		f.name = demo_sites[i].name;
		f.id = 0;
		if (db_sites_each(db, find_site, &f) == -1 || f.id == 0 ||
		    db_site_get(db, f.id, &s) != 1) {
			fprintf(stderr, "demo: no site %s\n", f.name);
			return -1;
		}
		ids[i] = f.id;
		memset(&e, 0, sizeof(e));
		e.id = s.id;
		e.name = s.name;
		e.kind = s.kind;
		e.address = s.address;
		e.postcode = s.postcode;
		e.district = "";
		if (s.postcode[0] != '\0') {
			/* "NW1 0AB" -> "NW1" */
			snprintf(s.district, sizeof(s.district), "%.*s",
			    (int)strcspn(s.postcode, " "), s.postcode);
			e.district = s.district;
		}
		e.organisation = demo_sites[i].organisation;
		e.step_free = s.step_free;
		e.active = 1;
		snprintf(serves_buf, sizeof(serves_buf), "%s",
		    demo_sites[i].serves);
		n = 0;
		for (tok = strtok_r(serves_buf, " ", &save); tok != NULL &&
		    n < N(serves); tok = strtok_r(NULL, " ", &save))
			serves[n++] = tok;
		e.serves = (const char *const *)serves;
		e.nserves = n;
		for (j = 0; j < N(demo_sites[i].hours) &&
		    demo_sites[i].hours[j].day >= 0; j++) {
			memset(&hours[j], 0, sizeof(hours[j]));
			hours[j].day = demo_sites[i].hours[j].day;
			hours[j].start_min = demo_sites[i].hours[j].start;
			hours[j].end_min = demo_sites[i].hours[j].end;
		}
		e.hours = hours;
		e.nhours = j;
		if (db_site_save(db, &e, 0, "", &id) != DB_OK)
			return -1;
		for (j = 0; j < N(demo_sites[i].rooms) &&
		    demo_sites[i].rooms[j].name != NULL; j++) {
			memset(&room, 0, sizeof(room));
			room.site_id = ids[i];
			snprintf(room.name, sizeof(room.name), "%s",
			    demo_sites[i].rooms[j].name);
			room.capacity = demo_sites[i].rooms[j].capacity;
			room.piano = demo_sites[i].rooms[j].piano;
			room.accessible = demo_sites[i].rooms[j].accessible;
			room.active = 1;
			if (db_room_save(db, &room, 0, "", &id) != DB_OK)
				return -1;
		}
	}
	/* A one-day closure (no weekday lost) and a longer one. */
	date_in(10, first);
	if (db_site_closure_add(db, ids[3], first, first, "Polling station",
	    0, "") != DB_OK)
		return -1;
	date_in(40, first);
	date_in(47, last);
	if (db_site_closure_add(db, ids[0], first, last, "Floor repairs", 0,
	    "") != DB_OK)
		return -1;
	return 0;
}

static int64_t
therapist_id(const int64_t ids[], const char *name)
{
	size_t i;

	for (i = 0; i < N(demo_therapists); i++)
		if (strcmp(demo_therapists[i].name, name) == 0)
			return ids[i];
	return 0;
}

static int
load_therapists(struct db *db, const int64_t site_ids[],
    int64_t ids[N(demo_therapists)])
{
	struct db_therapist_edit e;
	struct db_week_range av[8];
	struct db_user u;
	char first[11], last[11];
	size_t i, j;
	int rc;

	for (i = 0; i < N(demo_therapists); i++) {
		memset(&e, 0, sizeof(e));
		if (demo_therapists[i].email != NULL) {
			if ((rc = db_user_by_email(db, demo_therapists[i].email,
			    &u)) != 1) {
				fprintf(stderr, "demo: no user %s\n",
				    demo_therapists[i].email);
				return -1;
			}
			e.user_id = u.id;
			db_user_clear(&u);
		}
		e.name = demo_therapists[i].name;
		e.specialisms = demo_therapists[i].specialisms;
		e.languages = demo_therapists[i].languages;
		e.max_caseload = demo_therapists[i].max_caseload;
		e.max_hours = demo_therapists[i].max_hours;
		e.active = 1;
		for (j = 0; j < N(demo_therapists[i].avail) &&
		    demo_therapists[i].avail[j].site >= 0; j++) {
			memset(&av[j], 0, sizeof(av[j]));
			av[j].site_id = site_ids[demo_therapists[i].avail[j].site];
			av[j].day = demo_therapists[i].avail[j].day;
			av[j].start_min = demo_therapists[i].avail[j].start;
			av[j].end_min = demo_therapists[i].avail[j].end;
		}
		e.availability = av;
		e.navailability = j;
		if (db_therapist_save(db, &e, 0, "", &ids[i]) != DB_OK)
			return -1;
		if (demo_therapists[i].leave_from < 0)
			continue;
		date_in(demo_therapists[i].leave_from, first);
		date_in(demo_therapists[i].leave_from +
		    demo_therapists[i].leave_days - 1, last);
		if (db_leave_add(db, ids[i], first, last,
		    demo_therapists[i].leave_reason, 0, "") != DB_OK)
			return -1;
	}
	return 0;
}

static int
load_clients(struct db *db, const int64_t site_ids[],
    const int64_t ther_ids[], int64_t coordinator)
{
	struct db_referral r;
	struct db_assign a;
	struct found f;
	char started[21];
	time_t t = time(NULL) - 28 * 86400;
	struct tm tm;
	int64_t client;
	size_t i;
	int emailed, s;

	gmtime_r(&t, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; i < N(demo_existing); i++) {
		f.name = demo_existing[i].name;
		f.id = 0;
		for (s = ST_MATCHED; s <= ST_ACTIVE && f.id == 0; s++)
			if (db_match_referrals_each(db, 0, (enum status)s,
			    find_referral, &f) == -1)
				return -1;
		if (f.id == 0) {
			fprintf(stderr, "demo: no referral %s\n", f.name);
			return -1;
		}
		if (db_client_add(db, f.id, therapist_id(ther_ids,
		    demo_existing[i].therapist), started, coordinator,
		    &client) != DB_OK)
			return -1;
	}
	/* New referrals, waitlisted, then assigned as a coordinator does. */
	for (i = 0; i < N(demo_clients); i++) {
		memset(&r, 0, sizeof(r));
		r.status = "waitlisted";
		r.source = "phone";
		r.given_name = demo_clients[i].given;
		r.family_name = demo_clients[i].family;
		r.email = "";
		r.phone = "07700900456";
		r.postcode = demo_clients[i].postcode;
		r.date_of_birth = demo_clients[i].dob;
		r.preferred_contact = "phone";
		r.needs = demo_clients[i].needs;
		r.about = demo_clients[i].about;
		r.availability = demo_clients[i].availability;
		r.session_type = "either";
		r.consent_data = 1;
		r.sites = &site_ids[i == 0 ? 0 : 2];
		r.nsites = 1;
		if (db_referral_create(db, &r, NULL, DEMO_DOMAIN) != DB_OK)
			return -1;
		memset(&a, 0, sizeof(a));
		a.referral_id = r.id;
		a.from = ST_WAITLISTED;
		a.therapist_id = therapist_id(ther_ids,
		    demo_clients[i].therapist);
		a.detail = "demo data";
		a.user_id = coordinator;
		a.addr = "";
		a.msgid_domain = DEMO_DOMAIN;
		if (db_client_assign(db, &a, &client, &emailed) !=
		    DB_ASSIGN_OK)
			return -1;
		if (demo_clients[i].active &&
		    db_referral_move(db, r.id, ST_MATCHED, ST_ACTIVE,
		    coordinator, "first session held", "") != DB_OK)
			return -1;
	}
	return 0;
}

int
demo_records(struct db *db)
{
	int64_t site_ids[N(demo_sites)], ther_ids[N(demo_therapists)];
	struct db_user u;
	int64_t coordinator = 0;

	/* The history and audit lines name the demo coordinator. */
	if (db_user_by_email(db, "coordinator@tutti.example", &u) == 1)
		coordinator = u.id;
	db_user_clear(&u);
	if (coordinator == 0 || load_sites(db, site_ids) == -1 ||
	    load_therapists(db, site_ids, ther_ids) == -1 ||
	    load_clients(db, site_ids, ther_ids, coordinator) == -1) {
		fputs("demo: the records could not be loaded\n", stderr);
		return -1;
	}
	return 0;
}

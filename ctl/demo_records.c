/*
 * Demo records: partner organisations and their sites with opening
 * hours, districts served, rooms and closures; therapists with their
 * weekly hours at those sites and their leave.  Written through the
 * records API (db/records.h), one small transaction each, as a
 * coordinator would enter them; kept in struct demo for the schedule.
 *
 * The named part comes first and is what the tests and the README tell
 * a story with: Tom Becker's caseload is full, Aisha Rahman is on leave
 * for most of the coming weeks, Hackney Community Hall has no step-free
 * way in, and the waitlisted Dolores Santos (recovering from a stroke,
 * free in the evenings, in SE5) finds Maria at St Luke's on Wednesday
 * evenings.  Around it, more partners and therapists as the size asks.
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

/* The named sites, in London (region 0). */
static const struct {
	const char		*name;
	int			 kind;
	const char		*address, *postcode;
	int			 step_free;
	const char		*organisation;
	const char		*serves;	/* space-separated */
	struct demo_hours	 hours[8];
	struct demo_room	 rooms[4];
} cast_sites[] = {
	{ "Tutti Centre, Camden", SITE_OWN_CENTRE, "12 Pratt Street, London",
	    "NW1 0AB", 1, "", "NW5 NW3 N7 N19",
	    { { 0, H(9), H(20) }, { 1, H(9), H(20) }, { 2, H(9), H(20) },
	      { 3, H(9), H(20) }, { 4, H(9), H(20) }, { 5, H(10), H(16) },
	      { -1, 0, 0 } },
	    { { "Music Room 1", 1, 1, 1 }, { "Music Room 2", 2, 0, 1 },
	      { "Studio", 8, 1, 1 }, { "Small room", 1, 0, 0 } } },
	{ "Riverside Care Home", SITE_CARE_HOME, "3 Wharf Road, London",
	    "N1 7GR", 1, "Riverside Care Group", "N7 N16",
	    { { 0, H(10), H(17) }, { 1, H(10), H(17) }, { 2, H(10), H(17) },
	      { 3, H(10), H(17) }, { 4, H(10), H(17) }, { 5, H(10), H(17) },
	      { 6, H(10), H(17) }, { -1, 0, 0 } },
	    { { "Lounge", 12, 1, 1 }, { "Quiet room", 2, 0, 1 } } },
	{ "St Luke's Hospice", SITE_HOSPICE, "45 Hospice Lane, London",
	    "SE5 8AZ", 1, "St Luke's Hospice Trust", "SE15 SE22 SE24",
	    { { 0, H(9), H(17) }, { 1, H(9), H(17) }, { 2, H(9), H(20) },
	      { 3, H(9), H(17) }, { 4, H(9), H(17) }, { -1, 0, 0 } },
	    { { "Day room", 6, 1, 1 }, { "Family room", 3, 0, 1 } } },
	{ "Hackney Community Hall", SITE_COMMUNITY_VENUE,
	    "88 Mare Street, London", "E8 4RU", 0,
	    "Hackney Community Association", "E2 E5 E9 N16",
	    { { 0, H(12), H(20) }, { 1, H(12), H(20) }, { 2, H(12), H(20) },
	      { 3, H(12), H(20) }, { 4, H(12), H(20) }, { 5, H(9), H(13) },
	      { -1, 0, 0 } },
	    { { "Main hall", 20, 1, 0 }, { "Band room", 6, 0, 0 },
	      { "Side room", 1, 0, 0 } } },
	{ "Online (video)", SITE_ONLINE, "", "", 1, "", "",
	    { { -1, 0, 0 } }, { { NULL, 0, 0, 0 } } },
};

/* Availability: the site by its index in cast_sites. */
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
	int			 open_quota;	/* clients open today */
	int			 max_hours;
	struct demo_avail	 avail[8];
	int			 leave_from;	/* days from today; -1: none */
	int			 leave_days;
	const char		*leave_reason;
} cast_therapists[] = {
	{ "Thea Therapist", "therapist@tutti.example",
	    BIT(NEED_DEMENTIA) | BIT(NEED_PALLIATIVE) | BIT(NEED_NEURO_REHAB),
	    "English", 12, 11, 24,
	    { { 1, 0, H(10), H(17) }, { 2, 1, H(9), H(17) },
	      { 0, 2, H(9), H(13) }, { 0, 3, H(12), H(20) },
	      { -1, 0, 0, 0 } }, -1, 0, NULL },
	{ "Ravi Patel", "ravi@tutti.example",
	    BIT(NEED_AUTISM) | BIT(NEED_LEARNING_DIFFICULTIES) |
	    BIT(NEED_PARENT_CHILD), "English, Gujarati, Hindi", 10, 4, 30,
	    { { 0, 0, H(9), H(17) }, { 0, 2, H(9), H(17) },
	      { 3, 1, H(12), H(20) }, { 3, 3, H(12), H(20) },
	      { 4, 4, H(9), H(13) }, { -1, 0, 0, 0 } }, -1, 0, NULL },
	{ "Maria Rossi", "maria@tutti.example",
	    BIT(NEED_MENTAL_HEALTH) | BIT(NEED_NEURO_REHAB) |
	    BIT(NEED_DEMENTIA), "English, Italian", 6, 1, 20,
	    { { 0, 1, H(9), H(17) }, { 0, 3, H(9), H(17) },
	      { 2, 2, H(12), H(20) }, { 4, 4, H(12), H(17) },
	      { -1, 0, 0, 0 } }, 8, 3, "Conference" },
	{ "Sam Okafor", NULL,
	    BIT(NEED_MENTAL_HEALTH) | BIT(NEED_AUTISM) | BIT(NEED_OTHER),
	    "English, Yoruba", 12, 9, 30,
	    { { 3, 0, H(12), H(20) }, { 3, 1, H(12), H(20) },
	      { 3, 2, H(12), H(20) }, { 3, 3, H(12), H(20) },
	      { 4, 4, H(12), H(20) }, { -1, 0, 0, 0 } }, -1, 0, NULL },
	{ "Aisha Rahman", NULL,
	    BIT(NEED_PARENT_CHILD) | BIT(NEED_LEARNING_DIFFICULTIES),
	    "English, Bengali, Urdu", 8, 3, 22,
	    { { 0, 0, H(9), H(12) }, { 0, 0, H(17), H(20) },
	      { 0, 2, H(9), H(12) }, { 0, 4, H(9), H(12) },
	      { -1, 0, 0, 0 } }, 2, 21, "Parental leave" },
	{ "Tom Becker", NULL,
	    BIT(NEED_NEURO_REHAB) | BIT(NEED_PALLIATIVE) | BIT(NEED_DEMENTIA),
	    "English, German", 1, 1, 16,
	    { { 2, 1, H(9), H(17) }, { 2, 3, H(9), H(17) },
	      { -1, 0, 0, 0 } }, -1, 0, NULL },
};

/* Kinds of partner, how often each comes, its hours and its rooms. */
static const struct {
	int		 kind;
	int		 weight;
	const char	*suffix[3];
	int		 open, close, days;	/* days: 5 weekdays, 6, 7 */
	struct demo_room rooms[3];
} partner_kinds[] = {
	{ SITE_SCHOOL, 5, { " Primary School", " Academy", " School" },
	    H(9), H(15), 5,
	    { { "Music room", 4, 1, 1 }, { "Hall", 30, 1, 1 },
	      { "Sensory room", 2, 0, 1 } } },
	{ SITE_CARE_HOME, 5, { " House", " Lodge Care Home", " Court" },
	    H(10), H(17), 7,
	    { { "Lounge", 12, 1, 1 }, { "Garden room", 3, 0, 1 },
	      { NULL, 0, 0, 0 } } },
	{ SITE_HOSPITAL, 2, { " Hospital", " Rehabilitation Unit",
	    " Community Hospital" }, H(9), H(17), 5,
	    { { "Therapy room", 2, 0, 1 }, { "Day room", 8, 1, 1 },
	      { NULL, 0, 0, 0 } } },
	{ SITE_HOSPICE, 1, { " Hospice", " Hospice", " Hospice" },
	    H(9), H(17), 5,
	    { { "Day room", 6, 1, 1 }, { "Family room", 3, 0, 1 },
	      { NULL, 0, 0, 0 } } },
	{ SITE_DAY_CENTRE, 3, { " Day Centre", " Resource Centre",
	    " Wellbeing Centre" }, H(9), H(16), 5,
	    { { "Activity room", 10, 1, 1 }, { "Quiet room", 2, 0, 1 },
	      { NULL, 0, 0, 0 } } },
	{ SITE_COMMUNITY_VENUE, 3, { " Community Centre", " Library",
	    " Family Hub" }, H(10), H(20), 6,
	    { { "Main hall", 20, 1, 0 }, { "Meeting room", 4, 0, 1 },
	      { "Side room", 1, 0, 1 } } },
};

static const char *const place_names[] = {
	"Elm Grove", "Kingsway", "Brook Lane", "Hillside", "Meadowbank",
	"Oakfield", "Victoria", "St Anne's", "Riverside", "Parkview",
	"Greenway", "Ashdown", "Beechwood", "Highfield", "Westgate",
	"Millbrook", "Canal Side", "Lime Tree", "Fairfield", "Holly Bank",
	"Orchard", "St Mary's", "Willow", "Chapel Street", "Northfield",
	"Rosemount", "Castle View", "Cedars", "Southside", "Bridge Street",
};
static const char *const streets[] = {
	"High Street", "Station Road", "Church Lane", "Park Road",
	"Victoria Road", "Green Lane", "Mill Road", "School Lane",
	"Queen Street", "King's Road",
};
static const char *const closure_reasons[] = {
	"Staff training day", "Heating repairs", "Polling station",
	"Flooded kitchen", "Fire alarm testing", "Building works",
};

/* Adds a site's rooms through the API and keeps them in *s. */
static int
rooms_add(struct demo *d, struct demo_site *s, const struct demo_room *rooms,
    size_t n)
{
	struct db_room room;
	int64_t id;
	size_t j;

	for (j = 0; j < n && rooms[j].name != NULL &&
	    s->nrooms < DEMO_ROOMS_MAX; j++) {
		memset(&room, 0, sizeof(room));
		room.site_id = s->id;
		snprintf(room.name, sizeof(room.name), "%s", rooms[j].name);
		room.capacity = rooms[j].capacity;
		room.piano = rooms[j].piano;
		room.accessible = rooms[j].accessible;
		room.active = 1;
		if (db_room_save(d->db, &room, 0, "", &id) != DB_OK)
			return -1;
		s->room_ids[s->nrooms] = id;
		s->room_capacity[s->nrooms] = rooms[j].capacity;
		s->room_index[s->nrooms] = (int)d->nrooms++;
		s->nrooms++;
	}
	return 0;
}

/* Saves one site with its hours (days 0 .. ndays-1 or the table's). */
static int
site_add(struct demo *d, struct demo_site *s, struct db_site_edit *e,
    const char *serves)
{
	struct db_week_range hours[7];
	char buf[64], *v[8], *tok, *save;
	size_t n = 0, i;

	for (i = 0; i < 7; i++)
		if (s->close_min[i] > 0) {
			memset(&hours[n], 0, sizeof(hours[n]));
			hours[n].day = (int)i;
			hours[n].start_min = s->open_min[i];
			hours[n].end_min = s->close_min[i];
			n++;
		}
	e->hours = hours;
	e->nhours = n;
	snprintf(buf, sizeof(buf), "%s", serves);
	n = 0;
	for (tok = strtok_r(buf, " ", &save); tok != NULL && n < N(v);
	    tok = strtok_r(NULL, " ", &save))
		v[n++] = tok;
	e->serves = (const char *const *)v;
	e->nserves = n;
	e->active = 1;
	return db_site_save(d->db, e, 0, "", &s->id) == DB_OK ? 0 : -1;
}

static int
cast_sites_add(struct demo *d)
{
	struct db_site_edit e;
	struct demo_site *s;
	size_t i, j;

	for (i = 0; i < N(cast_sites); i++) {
		s = &d->sites[d->nsites++];
		memset(s, 0, sizeof(*s));
		s->kind = cast_sites[i].kind;
		snprintf(s->district, sizeof(s->district), "%.*s",
		    (int)strcspn(cast_sites[i].postcode, " "),
		    cast_sites[i].postcode);
		for (j = 0; j < N(cast_sites[i].hours) &&
		    cast_sites[i].hours[j].day >= 0; j++) {
			s->open_min[cast_sites[i].hours[j].day] =
			    cast_sites[i].hours[j].start;
			s->close_min[cast_sites[i].hours[j].day] =
			    cast_sites[i].hours[j].end;
		}
		memset(&e, 0, sizeof(e));
		e.name = cast_sites[i].name;
		e.kind = cast_sites[i].kind;
		e.address = cast_sites[i].address;
		e.postcode = cast_sites[i].postcode;
		e.district = s->district;
		e.organisation = cast_sites[i].organisation;
		e.step_free = cast_sites[i].step_free;
		if (site_add(d, s, &e, cast_sites[i].serves) == -1 ||
		    rooms_add(d, s, cast_sites[i].rooms,
		    N(cast_sites[i].rooms)) == -1)
			return -1;
	}
	return 0;
}

/* One partner organisation with one site (or two), in region. */
static int
partner_add(struct demo *d, int region, int serial)
{
	const struct demo_region *rg = &demo_regions[region];
	struct db_site_edit e;
	struct demo_site *s;
	char org[96], name[128], address[128], postcode[10], serves[64];
	const char *place;
	int k, w = 0, total = 0, nsites, i, j, day;

	for (k = 0; k < (int)N(partner_kinds); k++)
		total += partner_kinds[k].weight;
	w = demo_below(&d->rng, total);
	for (k = 0; w >= partner_kinds[k].weight; k++)
		w -= partner_kinds[k].weight;
	place = place_names[(serial * 7 + region) % (int)N(place_names)];
	snprintf(org, sizeof(org), "%s%s", place,
	    partner_kinds[k].suffix[serial % 3]);
	if (d->scale > 0 || serial >= (int)N(place_names))
		snprintf(org, sizeof(org), "%s%s, %s %d", place,
		    partner_kinds[k].suffix[serial % 3], rg->name, serial + 1);
	/* A care group runs more than one home now and then. */
	nsites = (partner_kinds[k].kind == SITE_CARE_HOME &&
	    demo_chance(&d->rng, 40)) || demo_chance(&d->rng, 5) ? 2 : 1;
	for (i = 0; i < nsites; i++) {
		s = &d->sites[d->nsites++];
		memset(s, 0, sizeof(*s));
		s->region = region;
		s->kind = partner_kinds[k].kind;
		snprintf(s->district, sizeof(s->district), "%s",
		    rg->districts[demo_below(&d->rng, (int)rg->ndistricts)]);
		demo_postcode(&d->rng, s->district, postcode);
		for (day = 0; day < partner_kinds[k].days; day++) {
			s->open_min[day] = partner_kinds[k].open;
			s->close_min[day] = day == 5 && partner_kinds[k].days ==
			    6 ? H(14) : partner_kinds[k].close;
		}
		if (i == 0)
			snprintf(name, sizeof(name), "%s", org);
		else
			snprintf(name, sizeof(name), "%s (%s)", org,
			    s->district);
		snprintf(address, sizeof(address), "%d %s, %s",
		    1 + demo_below(&d->rng, 180), DEMO_PICK(&d->rng, streets),
		    rg->name);
		snprintf(serves, sizeof(serves), "%s %s",
		    rg->districts[demo_below(&d->rng, (int)rg->ndistricts)],
		    rg->districts[demo_below(&d->rng, (int)rg->ndistricts)]);
		if (strncmp(serves, serves + strcspn(serves, " ") + 1,
		    strcspn(serves, " ")) == 0)
			serves[strcspn(serves, " ")] = '\0';
		memset(&e, 0, sizeof(e));
		e.name = name;
		e.kind = s->kind;
		e.address = address;
		e.postcode = postcode;
		e.district = s->district;
		e.organisation = org;
		e.step_free = demo_chance(&d->rng, 80);
		if (site_add(d, s, &e, serves) == -1 ||
		    rooms_add(d, s, partner_kinds[k].rooms,
		    1 + (size_t)demo_below(&d->rng, 3)) == -1)
			return -1;
		/* Now and then a site is closed for a day or two. */
		for (j = 0; j < d->years; j++)
			if (demo_chance(&d->rng, 35) && s->nclosures < 4) {
				int first = j * 365 + demo_below(&d->rng, 350);
				int last = first + demo_below(&d->rng, 2);
				const char *why = DEMO_PICK(&d->rng,
				    closure_reasons);

				if (db_site_closure_add(d->db, s->id,
				    d->date[first], d->date[last], why, 0,
				    "") != DB_OK)
					return -1;
				s->closure_first[s->nclosures] = first;
				s->closure_last[s->nclosures] = last;
				snprintf(s->closure_reason[s->nclosures],
				    sizeof(s->closure_reason[0]), "%s", why);
				s->nclosures++;
			}
	}
	return 0;
}

/* Adds one leave period to the therapist, through the API. */
static int
leave_add(struct demo *d, struct demo_therapist *t, int first, int last,
    const char *reason)
{
	if (t->nleave >= DEMO_LEAVE_MAX || first < 0 || last >= d->ndays)
		return 0;
	if (db_leave_add(d->db, t->id, d->date[first], d->date[last], reason,
	    0, "") != DB_OK)
		return -1;
	t->leave_first[t->nleave] = first;
	t->leave_last[t->nleave] = last;
	snprintf(t->leave_reason[t->nleave], sizeof(t->leave_reason[0]), "%s",
	    reason);
	t->nleave++;
	return 0;
}

/*
 * A year's ordinary leave, in the past only (the week ahead of everyone
 * stays as the schedule shows it): a summer holiday, a winter one and
 * now and then a few days off sick.
 */
static int
leave_history(struct demo *d, struct demo_therapist *t)
{
	int y, first;

	for (y = 0; y < d->years; y++) {
		first = y * 365 + 150 + demo_below(&d->rng, 90);
		if (first + 14 < d->today - 14 &&
		    leave_add(d, t, first, first + 9 + demo_below(&d->rng, 5),
		    "Annual leave") == -1)
			return -1;
		first = y * 365 + 10 + demo_below(&d->rng, 100);
		if (first + 7 < d->today - 14 &&
		    leave_add(d, t, first, first + 4, "Annual leave") == -1)
			return -1;
		first = y * 365 + demo_below(&d->rng, 360);
		if (demo_chance(&d->rng, 50) && first + 3 < d->today - 14 &&
		    leave_add(d, t, first, first + demo_below(&d->rng, 3),
		    "Off sick") == -1)
			return -1;
	}
	return 0;
}

/* Each hour from start to end a 45-minute session fits, as slots. */
static void
slots_add(struct demo_therapist *t, int site, int day, int start, int end)
{
	int m;

	for (m = start; m + 45 <= end && t->nslots < DEMO_SLOTS_MAX; m += 60) {
		t->slots[t->nslots].site = site;
		t->slots[t->nslots].day = day;
		t->slots[t->nslots].start_min = m;
		t->slots[t->nslots].busy_until = 0;
		t->nslots++;
	}
}

static int
therapist_save(struct demo *d, struct demo_therapist *t, const char *name,
    const char *languages, int max_hours, const struct db_week_range *av,
    size_t nav)
{
	struct db_therapist_edit e;

	memset(&e, 0, sizeof(e));
	e.user_id = t->user_id;
	e.name = name;
	e.specialisms = t->specialisms;
	e.languages = languages;
	e.max_caseload = t->max_caseload;
	e.max_hours = max_hours;
	e.active = 1;
	e.availability = av;
	e.navailability = nav;
	snprintf(t->name, sizeof(t->name), "%s", name);
	return db_therapist_save(d->db, &e, 0, "", &t->id) == DB_OK ? 0 : -1;
}

static int
cast_therapists_add(struct demo *d)
{
	struct db_week_range av[8];
	struct demo_therapist *t;
	struct db_user u;
	size_t i, j;
	int first;

	for (i = 0; i < N(cast_therapists); i++) {
		t = &d->therapists[d->ntherapists++];
		memset(t, 0, sizeof(*t));
		if (cast_therapists[i].email != NULL) {
			if (db_user_by_email(d->db, cast_therapists[i].email,
			    &u) != 1) {
				fprintf(stderr, "demo: no user %s\n",
				    cast_therapists[i].email);
				return -1;
			}
			t->user_id = u.id;
			db_user_clear(&u);
			snprintf(t->email, sizeof(t->email), "%s",
			    cast_therapists[i].email);
		}
		t->specialisms = cast_therapists[i].specialisms;
		t->max_caseload = cast_therapists[i].max_caseload;
		t->open_quota = cast_therapists[i].open_quota;
		for (j = 0; j < N(cast_therapists[i].avail) &&
		    cast_therapists[i].avail[j].site >= 0; j++) {
			const struct demo_avail *a = &cast_therapists[i].avail[j];

			memset(&av[j], 0, sizeof(av[j]));
			av[j].site_id = d->sites[a->site].id;
			av[j].day = a->day;
			av[j].start_min = a->start;
			av[j].end_min = a->end;
			slots_add(t, a->site, a->day, a->start, a->end);
		}
		if (therapist_save(d, t, cast_therapists[i].name,
		    cast_therapists[i].languages, cast_therapists[i].max_hours,
		    av, j) == -1 || leave_history(d, t) == -1)
			return -1;
		if (cast_therapists[i].leave_from < 0)
			continue;
		first = d->today + cast_therapists[i].leave_from;
		if (leave_add(d, t, first, first +
		    cast_therapists[i].leave_days - 1,
		    cast_therapists[i].leave_reason) == -1)
			return -1;
	}
	return 0;
}

static const char *const other_languages[] = {
	"Polish", "Bengali", "Urdu", "Punjabi", "Somali", "Arabic", "Turkish",
	"Portuguese", "Spanish", "French", "Welsh", "Gaelic", "Romanian",
};

/*
 * A therapist who works in region at some of its sites: three to five
 * days a week, one site a day, within the site's opening hours.
 */
static int
crowd_therapist_add(struct demo *d, int region, size_t first_site,
    size_t nsites)
{
	struct db_week_range av[7];
	struct demo_therapist *t = &d->therapists[d->ntherapists++];
	char name[64], languages[64];
	int days = d->scale > 0 ? 4 + demo_below(&d->rng, 2) :
	    3 + demo_below(&d->rng, 2), day, n = 0, tries, si, len, start;
	const struct demo_site *s;

	memset(t, 0, sizeof(*t));
	t->region = region;
	do
		t->specialisms = BIT(demo_below(&d->rng, NEED_OTHER)) |
		    BIT(demo_below(&d->rng, NEED_OTHER)) |
		    BIT(demo_below(&d->rng, NEED__MAX));
	while (t->specialisms == BIT(NEED_OTHER));
	/* Leave the evening with neurological rehabilitation near St
	 * Luke's to Maria, so the demo's story stays as told. */
	if (d->scale == 0)
		t->specialisms &= ~BIT(NEED_NEURO_REHAB);
	t->max_caseload = d->scale > 0 ? 24 + demo_below(&d->rng, 8) :
	    9 + demo_below(&d->rng, 4);
	t->open_quota = t->max_caseload - 1 - demo_below(&d->rng, 3);
	for (day = 0; day < 6 && n < days; day++) {
		if (demo_below(&d->rng, 6 - day) >= days - n)
			continue;
		for (tries = 0; tries < 8; tries++) {
			si = (int)first_site + demo_below(&d->rng, (int)nsites);
			s = &d->sites[si];
			if (s->close_min[day] - s->open_min[day] >= 3 * 60 &&
			    s->nrooms > 0)
				break;
		}
		if (tries == 8)
			continue;
		len = 4 + demo_below(&d->rng, 4);
		if (len * 60 > s->close_min[day] - s->open_min[day])
			len = (s->close_min[day] - s->open_min[day]) / 60;
		start = s->open_min[day] + 60 * demo_below(&d->rng,
		    (s->close_min[day] - s->open_min[day]) / 60 - len + 1);
		memset(&av[n], 0, sizeof(av[n]));
		av[n].site_id = s->id;
		av[n].day = day;
		av[n].start_min = start;
		av[n].end_min = start + len * 60;
		slots_add(t, si, day, start, start + len * 60);
		n++;
	}
	snprintf(name, sizeof(name), "%s %s",
	    demo_given_names[demo_below(&d->rng, (int)demo_ngiven_names)],
	    demo_family_names[demo_below(&d->rng, (int)demo_nfamily_names)]);
	if (demo_chance(&d->rng, 35))
		snprintf(languages, sizeof(languages), "English, %s",
		    DEMO_PICK(&d->rng, other_languages));
	else
		snprintf(languages, sizeof(languages), "English");
	if (therapist_save(d, t, name, languages, 16 + 2 *
	    demo_below(&d->rng, 8), av, (size_t)n) == -1 ||
	    leave_history(d, t) == -1)
		return -1;
	/* Some have leave booked in the weeks ahead. */
	if (demo_chance(&d->rng, 25)) {
		int first = d->today + 15 + demo_below(&d->rng, 40);

		if (leave_add(d, t, first, first + 4 + demo_below(&d->rng, 7),
		    "Annual leave") == -1)
			return -1;
	}
	return 0;
}

int
demo_therapist_away(const struct demo_therapist *t, int day,
    const char **reason)
{
	int i;

	for (i = 0; i < t->nleave; i++)
		if (day >= t->leave_first[i] && day <= t->leave_last[i]) {
			if (reason != NULL)
				*reason = t->leave_reason[i];
			return 1;
		}
	return 0;
}

int
demo_site_closed(const struct demo_site *s, int day, const char **reason)
{
	int i;

	for (i = 0; i < s->nclosures; i++)
		if (day >= s->closure_first[i] && day <= s->closure_last[i]) {
			if (reason != NULL)
				*reason = s->closure_reason[i];
			return 1;
		}
	return 0;
}

int
demo_records(struct demo *d)
{
	int therapists, partners, region, i, per_region;
	size_t first, cap_sites;

	/* The demo: one region, 15 partners, 10 therapists; --scale N:
	 * 20 N therapists in up to 20 regions, about 90 N partner sites. */
	therapists = d->scale > 0 ? 20 * d->scale : 10;
	partners = d->scale > 0 ? 82 * d->scale : 12;
	d->nregions = d->scale > 0 ? 2 * d->scale : 1;
	if (d->nregions > (int)demo_nregions)
		d->nregions = (int)demo_nregions;
	cap_sites = N(cast_sites) + 2 * (size_t)partners + 8;
	if ((d->sites = calloc(cap_sites, sizeof(*d->sites))) == NULL ||
	    (d->therapists = calloc((size_t)therapists + N(cast_therapists),
	    sizeof(*d->therapists))) == NULL ||
	    (d->room_busy = calloc(cap_sites * DEMO_ROOMS_MAX,
	    sizeof(*d->room_busy))) == NULL)
		return -1;
	if (cast_sites_add(d) == -1 || cast_therapists_add(d) == -1)
		goto fail;
	per_region = (partners + d->nregions - 1) / d->nregions;
	for (region = 0; region < d->nregions; region++) {
		first = d->nsites;
		for (i = 0; i < per_region; i++)
			if (partner_add(d, region, i) == -1)
				goto fail;
		/* In London the named sites (but the centre and the video
		 * room) are where the other therapists work too. */
		for (i = region; i < therapists - (int)N(cast_therapists);
		    i += d->nregions)
			if (crowd_therapist_add(d, region, region == 0 ? 1 :
			    first, d->nsites - (region == 0 ? 1 : first)) ==
			    -1)
				goto fail;
	}
	/* The demo's own closures ahead: one day, and a longer one. */
	if (db_site_closure_add(d->db, d->sites[3].id, d->date[d->today + 10],
	    d->date[d->today + 10], "Polling station", 0, "") != DB_OK ||
	    db_site_closure_add(d->db, d->sites[0].id, d->date[d->today + 40],
	    d->date[d->today + 47], "Floor repairs", 0, "") != DB_OK)
		goto fail;
	d->sites[3].closure_first[d->sites[3].nclosures] = d->today + 10;
	d->sites[3].closure_last[d->sites[3].nclosures] = d->today + 10;
	snprintf(d->sites[3].closure_reason[d->sites[3].nclosures++], 48,
	    "Polling station");
	d->sites[0].closure_first[d->sites[0].nclosures] = d->today + 40;
	d->sites[0].closure_last[d->sites[0].nclosures] = d->today + 47;
	snprintf(d->sites[0].closure_reason[d->sites[0].nclosures++], 48,
	    "Floor repairs");
	return 0;
fail:
	fputs("demo: the records could not be loaded\n", stderr);
	return -1;
}

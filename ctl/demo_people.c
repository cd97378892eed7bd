/*
 * Demo people: everyone referred over the period and what became of
 * them.  demo_people_plan decides it all in memory (when they were
 * referred, triaged and waitlisted, whether they were declined, withdrew
 * or want a place, and from which week); demo_schedule_plan then finds
 * each a therapist, time and room; demo_people_write stores their
 * referrals, history, notes and the emails that went with them.
 *
 * The named people come first, as the README and the tests know them
 * (Amira and Brian are new, Dolores and Emeka have waited for months,
 * Fiona has just been matched with Thea, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <time.h>

#include "ctl/demo.h"
#include "db/bulk.h"
#include "db/db.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)	(1u << (n))

/* The named people; days are counted back from today. */
static const struct {
	const char	*given, *family, *postcode, *dob, *about;
	unsigned	 needs, availability;
	int		 site;		/* index into demo.sites */
	int		 consent_contact;
	enum demo_fate	 fate;
	int		 days_ago;	/* referred */
	const char	*therapist;	/* for a place */
	int		 first_in;	/* first session: days from today */
	int		 weeks;
} cast[] = {
	{ "Amira", "Haddad", "NW1 8NH", "1990-04-12",
	    "I would like to find a way to manage my anxiety.",
	    BIT(NEED_MENTAL_HEALTH), 0x1249, 0, 1, FATE_NEW, 1, NULL, 0, 0 },
	{ "Brian", "O'Connell", "N1 9GU", "1948-09-30",
	    "My wife and I hope singing together will help us both.",
	    BIT(NEED_DEMENTIA), 0x0003, 1, 0, FATE_NEW, 0, NULL, 0, 0 },
	{ "Chen", "Wei", "E8 1DY", "2001-01-05",
	    "I am autistic and find groups hard but love music.",
	    BIT(NEED_AUTISM), 0x0492, 2, 1, FATE_TRIAGED, 9, NULL, 0, 0 },
	{ "Dolores", "Santos", "SE5 9RS", "1962-07-21",
	    "Since my stroke my speech is slow; singing helps.",
	    BIT(NEED_NEURO_REHAB), 0x0924, 3, 1, FATE_WAITING, 78, NULL, 0,
	    0 },
	{ "Emeka", "Obi", "NW5 2HX", "1985-11-02",
	    "I have a learning disability and would like to join a band.",
	    BIT(NEED_LEARNING_DIFFICULTIES), 0x00249, 0, 1, FATE_WAITING, 150,
	    NULL, 0, 0 },
	{ "Fiona", "MacLeod", "N7 6PA", "1955-03-17",
	    "I am living with cancer and would like some calm.",
	    BIT(NEED_PALLIATIVE), 0x0040, 1, 1, FATE_INDIVIDUAL, 60,
	    "Thea Therapist", 4, 12 },
	{ "Gustav", "Berg", "E2 7DG", "1979-06-08",
	    "Music helped me before with depression.",
	    BIT(NEED_MENTAL_HEALTH), 0x0208, 2, 1, FATE_INDIVIDUAL, 120,
	    "Maria Rossi", -40, 12 },
	{ "Hana", "Kobayashi", "NW3 4QG", "1993-12-24",
	    "Sessions with my young son.",
	    BIT(NEED_PARENT_CHILD), 0x0001, 3, 1, FATE_INDIVIDUAL, 300,
	    "Aisha Rahman", -200, 12 },
	{ "Ivan", "Petrov", "N16 0AS", "1970-02-14",
	    "Looking for guitar lessons.", BIT(NEED_OTHER), 0x0100, 0, 0,
	    FATE_DECLINED, 200, NULL, 0, 0 },
	{ "Jo", "Adeyemi", "SE15 5BA", "1988-08-19",
	    "Help with low mood after a bereavement.",
	    BIT(NEED_MENTAL_HEALTH), 0x0010, 1, 1, FATE_WITHDRAWN, 90, NULL,
	    0, 0 },
	{ "Kwame", "Asante", "NW5 1TL", "1999-10-03",
	    "I would like to play in a band with other people.",
	    BIT(NEED_LEARNING_DIFFICULTIES), 0x0009, 0, 0, FATE_INDIVIDUAL,
	    100, "Ravi Patel", -30, 12 },
	{ "Lena", "Novak", "SE15 4QL", "1957-05-27",
	    "After my stroke I would like to sing again.",
	    BIT(NEED_NEURO_REHAB), 0x0048, 2, 0, FATE_INDIVIDUAL, 40,
	    "Tom Becker", 5, 12 },
};
#define NCAST	((int)N(cast))

/* What people tell us, by their main need. */
static const char *const about[NEED__MAX][4] = {
	{ "I am autistic and loud places are hard. I like drums.",
	  "My son is autistic and does not talk much, but he hums all day.",
	  "She loves music and it calms her when she is upset.",
	  "I would like to meet people without having to talk a lot." },
	{ "I have a learning disability. I like singing and want to join "
	  "a band.",
	  "He enjoys music at his day centre and we would like more of it.",
	  "I want to learn to play the keyboard with other people.",
	  "Music helps her say how she feels." },
	{ "I have been very low since losing my job. Music used to help.",
	  "I get panic attacks and want to find calmer ways to cope.",
	  "My doctor said music therapy might help with my depression.",
	  "I hear voices and singing helps me feel more in control." },
	{ "Since my stroke my speech is slow; singing helps.",
	  "After a head injury I find it hard to use my right hand.",
	  "I have Parkinson's and rhythm helps me walk.",
	  "He had a brain injury last year and gets frustrated." },
	{ "Mum has dementia and still knows every word of old songs.",
	  "My husband has Alzheimer's; singing together brings him back.",
	  "She is getting more confused and anxious in the afternoons.",
	  "Dad loved jazz and lights up when music is on." },
	{ "I am living with cancer and would like some calm.",
	  "My wife is in her last months and loves to sing.",
	  "I have motor neurone disease and want to make music while I can.",
	  "He is in the hospice and music helps with the pain." },
	{ "Sessions with my young son; he was born early.",
	  "We have just moved here and want to meet other families.",
	  "My daughter has a hearing loss and loves feeling the beat.",
	  "I have post-natal depression and want to bond with my baby." },
	{ "I was told music therapy could help me after a hard year.",
	  "I have long Covid and get very tired; I miss singing.",
	  "I am a carer and need something for myself.",
	  "I stammer and singing is the one time I do not." },
};

static const char *const access_needs[] = {
	"", "", "", "", "", "", "Wheelchair user: step-free way in, please.",
	"Comes with a carer.", "Hearing aid: a quiet room helps.",
	"Cannot manage stairs.", "Needs large print.",
};
static const char *const languages[] = {
	"Bengali", "Polish", "Somali", "Turkish", "Urdu", "Arabic",
	"Portuguese", "Punjabi",
};
static const char *const gp_practices[] = {
	"Park Surgery", "The Health Centre", "Bridge Medical Practice",
	"Riverside Surgery", "Church Street Surgery", "Hill View Practice",
	"Station Road Medical Centre",
};
static const char *const source_names[] = { "self", "phone", "partner",
	"gp" };

static const char *const decline_reasons[] = {
	"looking for music lessons rather than therapy",
	"needs more support than we can give: passed to the crisis team",
	"lives outside the area we cover",
	"already has music therapy through school",
};
static const char *const withdraw_reasons[] = {
	"moved away", "no longer wants a place", "found other support",
	"too unwell to come for now", "did not answer calls or letters",
	"started work and cannot come in the day",
};
static const char *const triage_notes[] = {
	"Called to talk about times; mornings are best.",
	"Spoke to the GP surgery; the letter is on file.",
	"Left a message; will try again on Thursday.",
	"Spoke to their daughter, who will bring them.",
	"Needs a room on the ground floor.",
	"Would prefer a woman therapist.",
	"Happy with a group if an individual place takes long.",
	"Asked about online sessions; said yes if needed.",
};
static const char *const waiting_notes[] = {
	"Rang to ask how long the wait is; explained and they are happy "
	"to wait.",
	"Still keen; availability has changed to afternoons only.",
	"Checked in: doing about the same, still wants a place.",
	"Carer rang: things are harder at home, please keep us posted.",
};

static int
cast_therapist(struct demo *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ntherapists; i++)
		if (strcmp(d->therapists[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A need drawn as a busy service sees them. */
static int
need_draw(struct demo_rng *r)
{
	static const int weights[NEED__MAX] = { 15, 15, 25, 10, 15, 8, 10, 2 };
	int w = demo_below(r, 100), i;

	for (i = 0; i < NEED__MAX - 1 && w >= weights[i]; i++)
		w -= weights[i];
	return i;
}

/* An age that fits the need. */
static int
age_draw(struct demo_rng *r, int need)
{
	switch (need) {
	case NEED_AUTISM:
		return 4 + demo_below(r, 36);
	case NEED_LEARNING_DIFFICULTIES:
		return 8 + demo_below(r, 50);
	case NEED_DEMENTIA:
		return 64 + demo_below(r, 30);
	case NEED_PALLIATIVE:
		return 35 + demo_below(r, 55);
	case NEED_NEURO_REHAB:
		return 25 + demo_below(r, 60);
	case NEED_PARENT_CHILD:
		return 1 + demo_below(r, 4);
	default:
		return 18 + demo_below(r, 55);
	}
}

/* Weeks of sessions a place gives, and whether they stop early. */
static void
course_draw(struct demo_rng *r, struct demo_person *p)
{
	int w = demo_below(r, 100);

	p->weeks = w < 55 ? 12 : w < 75 ? 8 : w < 87 ? 6 : 20;
	p->stop_after = demo_chance(r, 10) ? 2 + demo_below(r,
	    p->weeks - 2) : p->weeks;
}

static void
cast_plan(struct demo *d, struct demo_person *p, int i)
{
	memset(p, 0, sizeof(*p));
	p->cast = i + 1;
	p->fate = cast[i].fate;
	p->needs = cast[i].needs;
	p->availability = cast[i].availability;
	p->session_type = i % 2 ? 1 : 2;
	p->source = i % 3 == 2 ? 1 : 0;
	p->email = cast[i].consent_contact;
	p->created = d->today - cast[i].days_ago;
	p->triaged = p->created + (cast[i].days_ago > 6 ? 3 : 0);
	p->waitlisted = p->triaged + (cast[i].days_ago > 8 ? 2 : 0);
	p->therapist = cast[i].therapist != NULL ?
	    cast_therapist(d, cast[i].therapist) : -1;
	p->group = -1;
	p->room = -1;
	p->weeks = cast[i].weeks;
	p->stop_after = cast[i].weeks;
	p->want_week = demo_week_of(d, d->today + cast[i].first_in);
	p->left = p->fate == FATE_DECLINED ? p->triaged + 4 :
	    p->fate == FATE_WITHDRAWN ? d->today - 20 : -1;
	p->seed = (uint32_t)demo_rand(&d->rng);
}

static void
crowd_plan(struct demo *d, struct demo_person *p)
{
	struct demo_rng *r = &d->rng;
	int need, age, u;

	memset(p, 0, sizeof(*p));
	p->region = demo_below(r, d->nregions);
	do
		p->created = demo_below(r, d->today + 1);
	while ((demo_day_of(d, demo_week_of(d, p->created), 5) <=
	    p->created) && demo_chance(r, 70));
	need = need_draw(r);
	p->needs = BIT(need);
	if (demo_chance(r, 20))
		p->needs |= BIT(need_draw(r));
	p->age = age_draw(r, need);
	p->given = demo_below(r, (int)demo_ngiven_names);
	p->family = demo_below(r, (int)demo_nfamily_names);
	u = demo_below(r, 100);
	p->session_type = u < 50 ? 0 : u < 85 ? 2 : 1;
	if ((need == NEED_DEMENTIA || need == NEED_PARENT_CHILD) &&
	    demo_chance(r, 50))
		p->session_type = 1;
	u = demo_below(r, 100);
	p->source = u < 40 ? 0 : u < 55 ? 1 : u < 80 ? 2 : 3;
	p->email = demo_chance(r, 72);
	p->availability = 0;
	for (u = 0; u < 3 + demo_below(r, 4); u++)
		p->availability |= 1u << demo_below(r, 15);
	p->therapist = p->group = p->room = -1;
	p->seed = (uint32_t)demo_rand(r);
	p->triaged = p->created + 1 + demo_below(r, 4);
	p->waitlisted = p->triaged + demo_below(r, 4);
	p->left = -1;
	course_draw(r, p);
	age = d->today - p->created;
	if (age < 3 || (age < 7 && demo_chance(r, 40))) {
		p->fate = FATE_NEW;
		return;
	}
	if (p->triaged > d->today || p->waitlisted > d->today) {
		p->fate = FATE_TRIAGED;
		return;
	}
	u = demo_below(r, 100);
	if (u < 11) {
		p->fate = FATE_DECLINED;
		p->left = p->triaged + demo_below(r, 5);
		if (p->left > d->today)
			p->fate = FATE_TRIAGED;
		return;
	}
	if (u < 26) {
		p->left = p->waitlisted + 14 + demo_below(r, 110);
		p->fate = p->left <= d->today ? FATE_WITHDRAWN : FATE_WAITING;
		return;
	}
	p->want_week = demo_week_of(d, p->waitlisted) + 2 + demo_below(r, 6) +
	    demo_below(r, 6) + (demo_chance(r, 30) ? demo_below(r, 14) : 0);
	p->fate = p->session_type == 1 || (p->session_type == 2 &&
	    demo_chance(r, 25)) ? FATE_GROUP : FATE_INDIVIDUAL;
}

int
demo_people_plan(struct demo *d)
{
	size_t n, i;

	/* 450 people a year for the demo; --scale N: 4,500 N a year. */
	n = (size_t)(d->scale > 0 ? 4500 * d->scale : 450) *
	    (size_t)d->years + NCAST;
	if ((d->people = calloc(n, sizeof(*d->people))) == NULL)
		return -1;
	for (i = 0; i < (size_t)NCAST; i++)
		cast_plan(d, &d->people[i], (int)i);
	for (; i < n; i++)
		crowd_plan(d, &d->people[i]);
	d->npeople = n;
	/* Until the schedule finds them a place, they wait. */
	for (i = 0; i < n; i++) {
		static const int st[FATE__MAX] = { ST_NEW, ST_TRIAGED,
		    ST_WAITLISTED, ST_DECLINED, ST_WITHDRAWN, ST_WAITLISTED,
		    ST_WAITLISTED };

		d->people[i].status = st[d->people[i].fate];
		d->people[i].surveyed = -1;
	}
	return 0;
}

/* ---- writing ---- */

/* Lower-case letters of s only, into out. */
static void
email_part(const char *s, char *out, size_t n)
{
	size_t j = 0;

	for (; *s != '\0' && j + 1 < n; s++)
		if (isalpha((unsigned char)*s))
			out[j++] = (char)tolower((unsigned char)*s);
	out[j] = '\0';
}

/* The referral's text fields, made from the person. */
struct person_text {
	char	 given[64], family[64], email[128], phone[16], dob[40];
	char	 ref[10], postcode[10], emergency[160], emergency_phone[16];
	const char *about, *access, *language, *gp;
};

static void
person_text(struct demo *d, const struct demo_person *p,
    struct person_text *t)
{
	struct demo_rng r = { p->seed };
	static const char abc[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	const struct demo_region *rg = &demo_regions[p->region];
	char a[32], b[32];
	uint64_t code;
	int need, i, year, j;

	memset(t, 0, sizeof(*t));
	/* Odd multipliers permute 40 bits: every person's code differs. */
	code = ((uint64_t)(p - d->people + 1) * 0x5DEECE66DULL ^
	    0xA5A5A5A5A5ULL) & 0xFFFFFFFFFFULL;
	for (i = 0, j = 0; i < 8; i++) {
		if (i == 4)
			t->ref[j++] = '-';
		t->ref[j++] = abc[(code >> (35 - 5 * i)) & 31];
	}
	for (need = 0; need < NEED__MAX && !(p->needs & BIT(need)); need++)
		;
	if (p->cast > 0) {
		int c = p->cast - 1;

		snprintf(t->given, sizeof(t->given), "%s", cast[c].given);
		snprintf(t->family, sizeof(t->family), "%s", cast[c].family);
		snprintf(t->postcode, sizeof(t->postcode), "%s",
		    cast[c].postcode);
		snprintf(t->dob, sizeof(t->dob), "%s", cast[c].dob);
		snprintf(t->email, sizeof(t->email), "%s@example.org",
		    cast[c].given);
		t->email[0] = (char)tolower((unsigned char)t->email[0]);
		if (!cast[c].consent_contact)
			t->email[0] = '\0';
		snprintf(t->phone, sizeof(t->phone), "07700900%03d",
		    c < 10 ? 123 : 456);
		t->about = cast[c].about;
		t->access = t->language = t->gp = "";
		return;
	}
	snprintf(t->given, sizeof(t->given), "%s",
	    demo_given_names[p->given]);
	snprintf(t->family, sizeof(t->family), "%s",
	    demo_family_names[p->family]);
	demo_postcode(&r, rg->districts[demo_below(&r, (int)rg->ndistricts)],
	    t->postcode);
	year = atoi(d->date[d->today]) - p->age - 1;
	snprintf(t->dob, sizeof(t->dob), "%04d-%02d-%02d", year,
	    1 + demo_below(&r, 12), 1 + demo_below(&r, 28));
	email_part(t->given, a, sizeof(a));
	email_part(t->family, b, sizeof(b));
	if (p->email)
		snprintf(t->email, sizeof(t->email), "%s.%s%d@example.%s", a,
		    b, demo_below(&r, 90) + 10, demo_below(&r, 2) ? "org" :
		    "com");
	/* Ofcom's numbers for drama, London's and Manchester's, so that
	 * none is anyone's (07700 900 is left to the tests). */
	snprintf(t->phone, sizeof(t->phone), "%s%04d", demo_chance(&r, 50) ?
	    "0207946" : "0161496", demo_below(&r, 1000));
	t->about = about[need][demo_below(&r, 4)];
	t->access = DEMO_PICK(&r, access_needs);
	t->language = demo_chance(&r, 8) ? DEMO_PICK(&r, languages) : "";
	t->gp = DEMO_PICK(&r, gp_practices);
	snprintf(t->emergency, sizeof(t->emergency), "%s %s",
	    demo_given_names[demo_below(&r, (int)demo_ngiven_names)],
	    t->family);
	snprintf(t->emergency_phone, sizeof(t->emergency_phone),
	    "0207946%04d", demo_below(&r, 1000));
}

/* An email sent (or, today, queued) at day and minute. */
static int
mail(struct demo *d, const char *kind, const char *key, const char *to,
    const char *name, int64_t referral_id, int64_t user_id, int day,
    int minute, int queued)
{
	struct db_bulk_mail m;
	char at[21], msgid[64];

	demo_iso(d, day, minute, at);
	demo_message_id(d, msgid);
	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.dedupe_key = key;
	m.to_addr = to;
	m.to_name = name;
	m.referral_id = referral_id;
	m.user_id = user_id;
	m.message_id = msgid;
	m.status = queued ? "queued" : "sent";
	m.not_before = at;
	m.created_at = at;
	m.sent_at = at;
	d->rows++;
	return db_bulk_outbox(d->db, &m);
}

/* One history line at day (office hours unless minute is given). */
static int
event(struct demo *d, const struct demo_person *p, int day, int minute,
    const char *from, const char *to, const char *reason)
{
	char at[21];

	demo_iso(d, day, minute >= 0 ? minute : demo_office_minute(&d->rng),
	    at);
	d->rows++;
	return db_bulk_event(d->db, p->id, at, from == NULL ? 0 :
	    d->coordinators[demo_below(&d->rng, 2)], from, to, reason);
}

static int
note(struct demo *d, const struct demo_person *p, int day, const char *body)
{
	char at[21];

	if (day > d->today)
		return 0;
	demo_iso(d, day, demo_office_minute(&d->rng), at);
	d->rows++;
	return db_bulk_note(d->db, p->id, at,
	    d->coordinators[demo_below(&d->rng, 2)], body);
}

/* The day of the last change to the person's referral. */
static int
last_day(const struct demo *d, const struct demo_person *p)
{
	(void)d;
	switch (p->status) {
	case ST_NEW:
		return p->created;
	case ST_TRIAGED:
		return p->triaged;
	case ST_WAITLISTED:
		return p->waitlisted;
	case ST_MATCHED:
		return p->matched;
	case ST_ACTIVE:
		return p->first;
	case ST_CLOSED:
		return p->closed;
	default:
		return p->left;
	}
}

static const char *const status_of[] = {
	"new", "triaged", "waitlisted", "matched", "active", "closed",
	"declined", "withdrawn",
};

/* The history of one person, as coordinators moved it on. */
static int
person_events(struct demo *d, const struct demo_person *p, int minute,
    char *last_at)
{
	char reason[160];
	int last = p->created;

	snprintf(reason, sizeof(reason), "referral received (%s)",
	    source_names[p->source]);
	if (event(d, p, p->created, minute, NULL, "new", reason) == -1)
		return -1;
	if (p->fate == FATE_NEW)
		goto out;
	if (event(d, p, last = p->triaged, -1, "new", "triaged",
	    "read and checked") == -1 ||
	    note(d, p, p->triaged, DEMO_PICK(&d->rng, triage_notes)) == -1)
		return -1;
	if (p->fate == FATE_TRIAGED)
		goto out;
	if (p->fate == FATE_DECLINED) {
		if (event(d, p, last = p->left, -1, "triaged", "declined",
		    DEMO_PICK(&d->rng, decline_reasons)) == -1)
			return -1;
		goto out;
	}
	if (event(d, p, last = p->waitlisted, -1, "triaged", "waitlisted",
	    "waiting for a place that fits") == -1)
		return -1;
	if (d->today - p->waitlisted > 60 && demo_chance(&d->rng, 40) &&
	    note(d, p, p->waitlisted + 40 + demo_below(&d->rng, 15),
	    DEMO_PICK(&d->rng, waiting_notes)) == -1)
		return -1;
	if (p->fate == FATE_WITHDRAWN) {
		if (event(d, p, last = p->left, -1, "waitlisted", "withdrawn",
		    DEMO_PICK(&d->rng, withdraw_reasons)) == -1)
			return -1;
		goto out;
	}
	if (p->status == ST_WAITLISTED)
		goto out;
	if (p->group >= 0)
		snprintf(reason, sizeof(reason), "a place in %s",
		    d->groups[p->group].name);
	else
		snprintf(reason, sizeof(reason), "assigned to %s",
		    d->therapists[p->therapist].name);
	if (event(d, p, last = p->matched, -1, "waitlisted", "matched",
	    reason) == -1)
		return -1;
	if (p->status == ST_MATCHED)
		goto out;
	/* One's own series: booking made them active, and the line that
	 * says so is written with the series (demo_schedule.c). */
	last = p->first;
	if (p->group >= 0 && event(d, p, p->first, 17 * 60 +
	    demo_below(&d->rng, 120), "matched", "active",
	    "first session held") == -1)
		return -1;
	if (p->status == ST_ACTIVE)
		goto out;
	if (event(d, p, last = p->closed, -1, "active", "closed",
	    p->stop_after < p->weeks ? "stopped coming" :
	    "sessions completed") == -1)
		return -1;
out:
	demo_iso(d, last, 17 * 60 + 30, last_at);
	return 0;
}

/* The emails a referral caused when it came in. */
static int
person_mail(struct demo *d, const struct demo_person *p,
    const struct person_text *t, int minute)
{
	char key[64];
	int i, queued = p->created == d->today;

	if (t->email[0] != '\0') {
		snprintf(key, sizeof(key), "referral-ack:%lld",
		    (long long)p->id);
		if (mail(d, "referral_ack", key, t->email, t->given, p->id, 0,
		    p->created, minute, queued) == -1)
			return -1;
	}
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "referral-new:%lld:%lld",
		    (long long)p->id, (long long)d->coordinators[i]);
		if (mail(d, "referral_new", key, d->coordinator_emails[i],
		    d->coordinator_names[i], p->id, d->coordinators[i],
		    p->created, minute, queued) == -1)
			return -1;
	}
	return 0;
}

int
demo_people_write(struct demo *d)
{
	struct demo_person *p;
	struct person_text t;
	struct db_referral r;
	int64_t site;
	char created[21], updated[21];
	size_t i;
	int minute, need, sl;

	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		person_text(d, p, &t);
		memset(&r, 0, sizeof(r));
		r.status = status_of[p->status];
		r.source = source_names[p->source];
		r.given_name = t.given;
		r.family_name = t.family;
		r.email = t.email;
		r.phone = t.phone;
		r.postcode = t.postcode;
		r.date_of_birth = t.dob;
		r.preferred_contact = t.email[0] != '\0' &&
		    p->cast == 0 && (p->seed & 1) ? "email" : "phone";
		r.voicemail_ok = (p->seed >> 1) & 1;
		r.needs = p->needs;
		r.about = t.about;
		/* They can come when their sessions are. */
		r.availability = p->availability;
		if (p->therapist >= 0 && p->slot >= 0 && p->cast == 0) {
			const struct demo_slot *s =
			    &d->therapists[p->therapist].slots[p->slot];

			sl = s->start_min < 12 * 60 ? 0 : s->start_min <
			    17 * 60 ? 1 : 2;
			r.availability |= 1u << (s->day * 3 + sl);
		}
		r.session_type = p->session_type == 0 ? "individual" :
		    p->session_type == 1 ? "group" : "either";
		r.online_ok = (p->seed >> 2) % 4 == 0;
		r.access_needs = t.access;
		r.language = t.language;
		r.interpreter = t.language[0] != '\0';
		r.gp_practice = t.gp;
		r.emergency_name = t.emergency;
		r.emergency_phone = t.emergency_phone;
		r.consent_data = 1;
		r.consent_contact = t.email[0] != '\0';
		r.source_detail = p->source == 2 ? "a partner's staff" : "";
		if (p->cast > 0)
			site = d->sites[cast[p->cast - 1].site].id;
		else if (p->therapist >= 0)
			site = d->sites[d->therapists[p->therapist].slots[
			    p->slot].site].id;
		else
			site = 0;
		r.sites = site > 0 ? &site : NULL;
		r.nsites = site > 0 ? 1 : 0;
		for (need = 0; need < NEED__MAX && !(p->needs & BIT(need));
		    need++)
			;
		minute = 7 * 60 + demo_below(&d->rng, 15 * 60);
		if (p->created == d->today && p->cast == 0)
			minute = 7 * 60;
		demo_iso(d, p->created, minute, created);
		demo_iso(d, last_day(d, p), 17 * 60 + 30, updated);
		if (strcmp(updated, created) < 0)
			snprintf(updated, sizeof(updated), "%s", created);
		if (db_bulk_referral(d->db, &r, t.ref, created, updated) == -1)
			return -1;
		p->id = r.id;
		d->rows++;
		if (person_events(d, p, minute, updated) == -1 ||
		    person_mail(d, p, &t, minute) == -1)
			return -1;
	}
	return 0;
}

void
demo_person_email(struct demo *d, const struct demo_person *p,
    char out[128], char given[64])
{
	struct person_text t;

	person_text(d, p, &t);
	snprintf(out, 128, "%s", t.email);
	snprintf(given, 64, "%s", t.given);
}

/*
 * Demo: the seeded generator, the lists names and places are drawn
 * from, and the table of days the demo's dates and times come from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/demo.h"
#include "ical/ical.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

uint64_t
demo_rand(struct demo_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
demo_below(struct demo_rng *r, int n)
{
	return n <= 1 ? 0 : (int)(demo_rand(r) % (uint64_t)n);
}

int
demo_chance(struct demo_rng *r, int percent)
{
	return demo_below(r, 100) < percent;
}

const char *
demo_pick(struct demo_rng *r, const char *const *a, size_t n)
{
	return a[demo_below(r, (int)n)];
}

const char *const demo_given_names[] = {
	"Aaliyah", "Abdul", "Ada", "Adam", "Adebayo", "Agnieszka", "Ahmed",
	"Aiden", "Alfie", "Alice", "Amara", "Amelia", "Ana", "Anil", "Anna",
	"Arthur", "Aryan", "Barbara", "Bea", "Ben", "Bilal", "Bronwen",
	"Callum", "Carmen", "Catherine", "Charlie", "Chidi", "Chloe",
	"Ciaran", "Connor", "Daisy", "Daniel", "Darius", "David", "Deborah",
	"Deepa", "Dennis", "Dorothy", "Duc", "Eilidh", "Elena", "Eleanor",
	"Ellie", "Emily", "Eric", "Esther", "Ethan", "Evie", "Farah",
	"Fatima", "Felix", "Finn", "Florence", "Frank", "Freya", "Gareth",
	"George", "Gloria", "Grace", "Hamza", "Harriet", "Harry", "Hassan",
	"Helen", "Ibrahim", "Imogen", "Isaac", "Isla", "Ivy", "Jack", "Jamal",
	"James", "Jasmine", "Jean", "Joan", "Jude", "Julia", "Kai", "Karim",
	"Kate", "Kemi", "Kevin", "Khadija", "Lara", "Leah", "Leo", "Lily",
	"Louis", "Lucy", "Maja", "Malik", "Margaret", "Mark", "Mary", "Maya",
	"Megan", "Mei", "Mohammed", "Nadia", "Nathan", "Nia", "Noah", "Nora",
	"Oliver", "Olu", "Omar", "Oscar", "Patricia", "Paul", "Peter",
	"Phoebe", "Pooja", "Priya", "Rachel", "Rahul", "Reuben", "Rhys",
	"Rosa", "Rose", "Ruby", "Ryan", "Sadia", "Samir", "Sarah", "Sean",
	"Shirley", "Sian", "Simon", "Sofia", "Stanley", "Stella", "Susan",
	"Tariq", "Teresa", "Theo", "Tomasz", "Una", "Usman", "Valerie",
	"Vera", "Victor", "Wendy", "William", "Winston", "Yasmin", "Yusuf",
	"Zainab", "Zara", "Zofia",
};
const size_t demo_ngiven_names = N(demo_given_names);

const char *const demo_family_names[] = {
	"Abbott", "Adeyemi", "Ahmed", "Akhtar", "Ali", "Allen", "Anderson",
	"Appiah", "Bailey", "Baker", "Banerjee", "Barnes", "Begum", "Bell",
	"Bennett", "Bose", "Brown", "Burke", "Byrne", "Campbell", "Carter",
	"Chan", "Chaudhry", "Clarke", "Collins", "Cooper", "Cox", "Davies",
	"Dhillon", "Doherty", "Dubois", "Edwards", "Evans", "Fernandes",
	"Fisher", "Fraser", "Gallagher", "Ghosh", "Gill", "Gordon", "Graham",
	"Green", "Griffiths", "Hall", "Harris", "Hill", "Hughes", "Hussain",
	"Iqbal", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur",
	"Kelly", "Khan", "King", "Kowalski", "Lee", "Lewis", "Lloyd", "Lopez",
	"MacDonald", "Malik", "Martin", "Mensah", "Miah", "Mitchell", "Moore",
	"Morgan", "Morris", "Murphy", "Murray", "Nguyen", "Nowak", "Nwosu",
	"O'Brien", "Okonkwo", "Osei", "Owen", "Parker", 
	"Phillips", "Price", "Quinn", "Reid", "Roberts",
	"Robinson", "Scott", "Shah", "Sharma", "Singh", "Smith",
	"Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
	"Walsh", "Ward", "Watson", "White", "Williams", "Wilson", "Wong",
	"Wood", "Wright", "Yilmaz", "Young", "Zielinski",
};
const size_t demo_nfamily_names = N(demo_family_names);

static const char *const london[] = {
	"NW1", "NW3", "NW5", "N1", "N4", "N7", "N16", "N19", "E2", "E5",
	"E8", "E9", "E17", "SE5", "SE15", "SE22", "SE24", "SW2", "SW9",
	"W10", "W12", "N15",
};
static const char *const manchester[] = {
	"M1", "M4", "M8", "M11", "M13", "M14", "M16", "M19", "M20", "M21",
};
static const char *const birmingham[] = {
	"B5", "B6", "B8", "B10", "B11", "B12", "B13", "B17", "B23", "B29",
};
static const char *const leeds[] = {
	"LS2", "LS4", "LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS16",
};
static const char *const bristol[] = {
	"BS1", "BS2", "BS3", "BS4", "BS5", "BS6", "BS7", "BS13", "BS16",
};
static const char *const glasgow[] = {
	"G1", "G3", "G11", "G12", "G20", "G31", "G41", "G42", "G51",
};
static const char *const edinburgh[] = {
	"EH1", "EH3", "EH6", "EH7", "EH8", "EH9", "EH10", "EH11", "EH16",
};
static const char *const cardiff[] = {
	"CF5", "CF10", "CF11", "CF14", "CF23", "CF24",
};
static const char *const newcastle[] = {
	"NE1", "NE2", "NE4", "NE6", "NE15", "NE3",
};
static const char *const sheffield[] = {
	"S1", "S2", "S6", "S7", "S8", "S10", "S11",
};
static const char *const liverpool[] = {
	"L1", "L4", "L6", "L8", "L15", "L17", "L18",
};
static const char *const nottingham[] = {
	"NG1", "NG2", "NG3", "NG5", "NG7", "NG9",
};
static const char *const leicester[] = {
	"LE1", "LE2", "LE3", "LE4", "LE5",
};
static const char *const brighton[] = {
	"BN1", "BN2", "BN3", "BN41",
};
static const char *const norwich[] = {
	"NR1", "NR2", "NR3", "NR4", "NR5",
};
static const char *const plymouth[] = {
	"PL1", "PL2", "PL4", "PL5", "PL6",
};
static const char *const york[] = {
	"YO1", "YO10", "YO24", "YO30", "YO31",
};
static const char *const oxford[] = {
	"OX1", "OX2", "OX3", "OX4",
};
static const char *const exeter[] = {
	"EX1", "EX2", "EX4",
};
static const char *const cambridge[] = {
	"CB1", "CB2", "CB4", "CB5",
};

#define REGION(n, a)	{ n, a, N(a) }
const struct demo_region demo_regions[] = {
	REGION("London", london), REGION("Manchester", manchester),
	REGION("Birmingham", birmingham), REGION("Leeds", leeds),
	REGION("Bristol", bristol), REGION("Glasgow", glasgow),
	REGION("Edinburgh", edinburgh), REGION("Cardiff", cardiff),
	REGION("Newcastle", newcastle), REGION("Sheffield", sheffield),
	REGION("Liverpool", liverpool), REGION("Nottingham", nottingham),
	REGION("Leicester", leicester), REGION("Brighton", brighton),
	REGION("Norwich", norwich), REGION("Plymouth", plymouth),
	REGION("York", york), REGION("Oxford", oxford),
	REGION("Exeter", exeter), REGION("Cambridge", cambridge),
};
const size_t demo_nregions = N(demo_regions);

void
demo_postcode(struct demo_rng *r, const char *district, char out[10])
{
	static const char letters[] = "ABDEFGHJLNPQRSTUWXYZ";

	snprintf(out, 10, "%s %d%c%c", district, 1 + demo_below(r, 9),
	    letters[demo_below(r, 20)], letters[demo_below(r, 20)]);
}

/*
 * Fills the table of days: from `years` years before today to well past
 * it, each day's date and its local midnight as UTC (from the zone's
 * offset at noon, so clock changes at night do not matter).
 */
int
demo_days(struct demo *d)
{
	int past = d->years * 365 + d->years / 4, i, wd;
	time_t t, noon;
	struct tm tm;
	char date[11];

	d->ndays = past + 1 + 2 * 365;
	d->today = past;
	if ((d->date = calloc((size_t)d->ndays, sizeof(*d->date))) == NULL ||
	    (d->midnight = calloc((size_t)d->ndays, sizeof(time_t))) == NULL)
		return -1;
	if (ical_utc_to_local(DEMO_TZ, d->now, date, NULL, &wd) != 0)
		return -1;
	/* Walk from today's date at noon UTC, a day at a time. */
	memset(&tm, 0, sizeof(tm));
	if (sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) !=
	    3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm);
	for (i = 0; i < d->ndays; i++) {
		time_t u = t + (time_t)(i - d->today) * 86400;

		gmtime_r(&u, &tm);
		strftime(d->date[i], 11, "%Y-%m-%d", &tm);
		if (ical_local_to_utc(DEMO_TZ, d->date[i], "12:00", &noon) != 0)
			return -1;
		d->midnight[i] = noon - 12 * 3600;
	}
	d->first_weekday = ((wd - d->today) % 7 + 7) % 7;
	d->this_week = demo_week_of(d, d->today);
	return 0;
}

int
demo_week_of(const struct demo *d, int day)
{
	return (day + d->first_weekday) / 7;
}

int
demo_day_of(const struct demo *d, int week, int weekday)
{
	return week * 7 + weekday - d->first_weekday;
}

time_t
demo_time(const struct demo *d, int day, int minute)
{
	if (day < 0)
		return d->midnight[0] + (time_t)day * 86400 + minute * 60;
	if (day >= d->ndays)
		day = d->ndays - 1;
	return d->midnight[day] + (time_t)minute * 60;
}

void
demo_iso(const struct demo *d, int day, int minute, char out[21])
{
	time_t t = demo_time(d, day, minute);
	struct tm tm;

	if (t > d->now && day <= d->today)
		t = d->now - 3600;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
demo_office_minute(struct demo_rng *r)
{
	return 9 * 60 + demo_below(r, 8 * 60);
}

void
demo_message_id(struct demo *d, char out[64])
{
	snprintf(out, 64, "<demo.%.4s%.2s%.2s.%09lld@%s>", d->date[d->today],
	    d->date[d->today] + 5, d->date[d->today] + 8,
	    (long long)++d->mails, DEMO_DOMAIN);
}

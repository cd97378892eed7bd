/*
 * Demo partners (issue 20): sites' regions, the log-ins of two partner
 * organisations' staff, school terms for the busiest school, a closure
 * a partner reported, and family and partner staff surveys answered
 * over the year, so that /partner and /reports/impact have something
 * true to life to show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl/demo.h"
#include "db/db.h"
#include "db/partner.h"
#include "db/staff.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define ORGS_MAX	256

/* The partner log-ins; the password is in the README. */
static const struct {
	const char *email, *name;
} partner_users[] = {
	{ "partner@tutti.example", "Priya Partner" },
	{ "partner2@tutti.example", "Pete Carehome" },
};
static const char partner_password[] = "demo-partner-2026";

/* The nation of each demo region, by its city's name. */
static const char *
region_of(const char *city)
{
	static const struct { const char *city, *region; } map[] = {
		{ "Glasgow", "Scotland" }, { "Edinburgh", "Scotland" },
		{ "Cardiff", "Wales" }, { "Belfast", "Northern Ireland" },
	};
	size_t i;

	for (i = 0; i < N(map); i++)
		if (strcmp(map[i].city, city) == 0)
			return map[i].region;
	return "England";
}

struct orgs {
	int64_t	 id[ORGS_MAX];
	int64_t	 sessions[ORGS_MAX];
	size_t	 n;
};

static void
org_push(void *arg, int64_t id, const char *name, int64_t sessions)
{
	struct orgs *o = arg;

	(void)name;
	if (o->n < ORGS_MAX) {
		o->id[o->n] = id;
		o->sessions[o->n++] = sessions;
	}
}

/* The date of the first session seen. */
static void
first_occ(void *arg, const struct db_partner_occ *o)
{
	char *day = arg;

	if (*day == '\0')
		snprintf(day, 11, "%s", o->date);
}

static void
first_site(void *arg, int64_t id, const char *name)
{
	int64_t *site = arg;

	(void)name;
	if (*site == 0)
		*site = id;
}

static const char *
answer(struct demo_rng *r, int agree, int unsure)
{
	int u = demo_below(r, 100);

	return u < agree ? "agree" : u < agree + unsure ? "unsure" :
	    "disagree";
}

/* The six terms of the school year beginning in September of y. */
static int
terms_add(struct demo *d, int64_t organisation_id, int y)
{
	static const struct {
		const char *name;
		int m1, d1, m2, d2;	/* months past August: 1 September */
	} t[] = {
		{ "Autumn term, first half", 9, 3, 10, 23 },
		{ "Autumn term, second half", 11, 2, 12, 18 },
		{ "Spring term, first half", 13, 5, 14, 12 },
		{ "Spring term, second half", 14, 22, 15, 26 },
		{ "Summer term, first half", 16, 13, 17, 22 },
		{ "Summer term, second half", 18, 1, 19, 21 },
	};
	char year[16], first[32], last[32];
	size_t i;

	snprintf(year, sizeof(year), "%d-%02d", y, (y + 1) % 100);
	for (i = 0; i < N(t); i++) {
		snprintf(first, sizeof(first), "%04d-%02d-%02d",
		    y + (t[i].m1 > 12), (t[i].m1 - 1) % 12 + 1, t[i].d1);
		snprintf(last, sizeof(last), "%04d-%02d-%02d",
		    y + (t[i].m2 > 12), (t[i].m2 - 1) % 12 + 1, t[i].d2);
		if (db_term_add(d->db, 0, organisation_id, year, t[i].name,
		    first, last) <= 0)
			return -1;
	}
	return 0;
}

/* Family and partner staff surveys over the period. */
static int
surveys_add(struct demo *d, const struct orgs *all)
{
	static const char *const comments[] = {
		"The children look forward to it all week.",
		"Staff have started using songs at lunchtime.",
		"Residents are calmer on music days.",
		"",
		"We would like more sessions next year.",
	};
	struct demo_person *p;
	char sent[21], got[21], to[96];
	size_t i;
	int k, day, answered;

	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		if (p->surveyed < 0 || p->id <= 0)
			continue;
		day = p->surveyed + 1;
		if (day >= d->today)
			continue;
		demo_iso(d, day, 9 * 60, sent);
		snprintf(to, sizeof(to), "family-%lld@example.org",
		    (long long)p->id);
		answered = demo_chance(&d->rng, 45);
		day += 2 + demo_below(&d->rng, 20);
		if (day >= d->today)
			answered = 0;
		demo_iso(d, day, demo_office_minute(&d->rng), got);
		if (db_survey_add(d->db, "family", p->id, 0, to, sent,
		    answered ? got : NULL, answered ? answer(&d->rng, 78, 15) :
		    NULL, NULL, "") <= 0)
			return -1;
	}
	for (i = 0; i < all->n; i++) {
		if (all->sessions[i] == 0)
			continue;
		for (k = 0; k < 3; k++) {
			day = d->today - 120 + demo_below(&d->rng, 30);
			if (day < 0)
				day = 0;
			demo_iso(d, day, 10 * 60, sent);
			snprintf(to, sizeof(to), "staff%d-org%lld@example.org",
			    k + 1, (long long)all->id[i]);
			answered = demo_chance(&d->rng, 70);
			day += 1 + demo_below(&d->rng, 14);
			if (day >= d->today)
				answered = 0;
			demo_iso(d, day, demo_office_minute(&d->rng), got);
			if (db_survey_add(d->db, "partner", 0, all->id[i], to,
			    sent, answered ? got : NULL, answered ?
			    answer(&d->rng, 73, 20) : NULL, answered ?
			    answer(&d->rng, 88, 9) : NULL, answered ?
			    DEMO_PICK(&d->rng, comments) : "") <= 0)
				return -1;
		}
	}
	return 0;
}

int
demo_partners(struct demo *d)
{
	char hash[crypto_pwhash_STRBYTES], first[11], last[11];
	struct orgs all, schools;
	int64_t org[2] = { 0, 0 }, user[2] = { 0, 0 }, id, site = 0, report;
	size_t i;
	int y, m, dd;

	memset(&all, 0, sizeof(all));
	memset(&schools, 0, sizeof(schools));
	if (db_begin(d->db) == -1)
		return -1;
	for (i = 0; i < d->nsites; i++)
		if (db_site_region_set(d->db, d->sites[i].id,
		    region_of(demo_regions[d->sites[i].region].name)) == -1)
			goto fail;
	if (db_organisation_busiest(d->db, NULL, org_push, &all) == -1 ||
	    db_organisation_busiest(d->db, "school", org_push, &schools) == -1)
		goto fail;
	/* The busiest school, and the busiest other organisation. */
	org[0] = schools.n > 0 ? schools.id[0] : all.n > 0 ? all.id[0] : 0;
	for (i = 0; i < all.n && org[1] == 0; i++)
		if (all.id[i] != org[0])
			org[1] = all.id[i];
	if (org[0] > 0 && sscanf(d->date[d->today], "%d-%d-%d", &y, &m,
	    &dd) == 3) {
		if (m < 9)
			y--;
		if (terms_add(d, org[0], y - 1) == -1 ||
		    terms_add(d, org[0], y) == -1)
			goto fail;
	}
	if (crypto_pwhash_str(hash, partner_password,
	    strlen(partner_password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		goto fail;
	for (i = 0; i < N(partner_users); i++) {
		if (org[i] == 0)
			continue;
		if ((id = db_user_add(d->db, partner_users[i].email,
		    partner_users[i].name, "partner", hash)) <= 0 ||
		    db_user_organisation_set(d->db, id, org[i]) == -1)
			goto fail;
		user[i] = id;
	}
	if (surveys_add(d, &all) == -1 || db_commit(d->db) == -1)
		goto fail;
	/* Its partner user asks their staff (demo_surveys.c). */
	if (demo_surveys_partner(d, org[0]) == -1)
		return -1;
	for (i = 0; i < N(partner_users); i++)
		if (org[i] > 0)
			printf("%-12s %-28s password: %s\n", "partner",
			    partner_users[i].email, partner_password);

	/* A closure the school reported for its next session day after
	 * this week. */
	*first = '\0';
	if (org[0] > 0 && db_partner_sites(d->db, org[0], first_site,
	    &site) == 0 && site > 0 && d->today + 14 < d->ndays &&
	    db_site_occ_each(d->db, site, d->date[d->today + 7],
	    d->date[d->today + 14], first_occ, first) == 0 &&
	    *first != '\0') {
		snprintf(last, sizeof(last), "%s", first);
		if (db_closure_report_add(d->db, org[0], site, first, last,
		    CLOSURE_TRIP, "Year 5 trip to the coast", user[0], "",
		    &report) !=
		    DB_OK)
			return -1;
	}
	return 0;
fail:
	db_rollback(d->db);
	return -1;
}

/*
 * Demo: `tuttictl demo [--scale N --years Y]`.  The staff log-ins, then
 * each area's step in order (see demo.h), the history in a few large
 * transactions, and the counts of what was made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl/demo.h"
#include "db/bulk.h"
#include "db/db.h"
#include "db/staff.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* The demo's staff; the passwords are in the README. */
static const struct {
	const char *email, *name, *role, *password;
} demo_users[] = {
	{ "admin@tutti.example", "Ada Admin", "admin",
	    "demo-admin-pass-2026" },
	{ "coordinator@tutti.example", "Cora Coordinator", "coordinator",
	    "demo-coordinator-2026" },
	{ "kofi@tutti.example", "Kofi Mensah", "coordinator",
	    "demo-coordinator-2026" },
	{ "therapist@tutti.example", "Thea Therapist", "therapist",
	    "demo-therapist-2026" },
	{ "ravi@tutti.example", "Ravi Patel", "therapist",
	    "demo-therapist-2026" },
	{ "maria@tutti.example", "Maria Rossi", "therapist",
	    "demo-therapist-2026" },
};

/*
 * Adds the staff.  A password is hashed once however many share it
 * (Argon2id takes a tenth of a second on purpose).
 */
static int
users_add(struct demo *d)
{
	char hash[N(demo_users)][crypto_pwhash_STRBYTES];
	size_t i, j;
	int64_t id;

	for (i = 0; i < N(demo_users); i++) {
		for (j = 0; j < i; j++)
			if (strcmp(demo_users[j].password,
			    demo_users[i].password) == 0)
				break;
		if (j < i)
			memcpy(hash[i], hash[j], sizeof(hash[i]));
		else if (crypto_pwhash_str(hash[i], demo_users[i].password,
		    strlen(demo_users[i].password),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			return -1;
		if ((id = db_user_add(d->db, demo_users[i].email,
		    demo_users[i].name, demo_users[i].role, hash[i])) <= 0)
			return -1;
		if (strcmp(demo_users[i].role, "admin") == 0)
			d->admin = id;
		else if (strcmp(demo_users[i].role, "coordinator") == 0 &&
		    d->coordinators[1] == 0) {
			j = d->coordinators[0] == 0 ? 0 : 1;
			d->coordinators[j] = id;
			d->coordinator_emails[j] = demo_users[i].email;
			d->coordinator_names[j] = demo_users[i].name;
		}
	}
	return 0;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* With TUTTI_DEMO_TIMES set, the time each step took, on stderr. */
static void
phase(const struct timespec *t0, const char *what)
{
	if (getenv("TUTTI_DEMO_TIMES") != NULL)
		fprintf(stderr, "demo: %s done at %.1f s\n", what,
		    seconds_since(t0));
}

static void
demo_free(struct demo *d)
{
	size_t i;

	for (i = 0; i < d->ngroups; i++)
		free(d->groups[i].members_in);
	free(d->groups);
	free(d->people);
	free(d->therapists);
	free(d->room_busy);
	free(d->sites);
	free(d->midnight);
	free(d->date);
}

int
demo_run(struct db *db, int scale, int years)
{
	struct demo d;
	struct db_bulk_counts c;
	struct timespec t0;
	size_t i;
	int rc = -1, in_tx = 0, fresh = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&d, 0, sizeof(d));
	d.db = db;
	d.rng.s = 0x7477747469ULL + (uint64_t)scale * 1000 + (uint64_t)years;
	d.scale = scale;
	d.years = years;
	d.now = time(NULL);
	if (db_bulk_fresh(db) == -1)
		goto out;
	fresh = 1;
	if (demo_days(&d) == -1 || users_add(&d) == -1 ||
	    demo_records(&d) == -1)
		goto out;
	phase(&t0, "records");
	if (demo_people_plan(&d) == -1 || demo_schedule_plan(&d) == -1)
		goto out;
	phase(&t0, "plan");
	if (db_bulk_begin(db) == -1)
		goto out;
	in_tx = 1;
	if (db_bulk_indexes_drop(db) == -1 ||
	    db_bulk_triggers_drop(db) == -1)
		goto out;
	if (demo_people_write(&d) == -1)
		goto out;
	phase(&t0, "people");
	if (demo_schedule_write(&d) == -1 || demo_reports(&d) == -1 ||
	    db_bulk_commit(db) == -1)
		goto out;
	phase(&t0, "schedule");
	in_tx = 0;
	if (db_bulk_indexes_make(db) == -1)
		goto out;
	phase(&t0, "indexes");
	if (db_bulk_triggers_make(db) == -1)
		goto out;
	phase(&t0, "summaries");
	if (demo_schedule_changes(&d) == -1 || demo_week(&d) == -1 ||
	    demo_client_records(&d) == -1 ||
	    db_bulk_count(db, &c) == -1)
		goto out;
	/* Two days ago a caseload opened (demo_places); today a client
	 * stops through their link (demo_self). */
	if (demo_partners(&d) == -1 || demo_places(&d) == -1 ||
	    demo_self(&d) == -1)
		goto out;
	if (demo_terms(&d) == -1)
		goto out;
	if (demo_someone(&d) == -1)
		goto out;
	if (demo_surveys_family(&d) == -1)
		goto out;
	fresh = 0;
	if (db_bulk_fresh_end(db) == -1)
		goto out;
	for (i = 0; i < N(demo_users); i++)
		printf("%-12s %-28s password: %s\n", demo_users[i].role,
		    demo_users[i].email, demo_users[i].password);
	fprintf(stderr, "demo: %d year%s%s ending %s, made in %.1f s:\n"
	    "  %lld therapists, %lld organisations, %lld sites, %lld groups\n"
	    "  %lld referrals (%lld history lines, %lld notes), "
	    "%lld clients\n"
	    "  %lld series, %lld sessions, %lld attendance records, "
	    "%lld outcome answers, %lld emails\n", years, years == 1 ? "" :
	    "s", scale > 0 ? " (scaled)" : "", d.date[d.today],
	    seconds_since(&t0), (long long)c.therapists,
	    (long long)c.organisations, (long long)c.sites,
	    (long long)c.groups, (long long)c.referrals, (long long)c.events,
	    (long long)c.notes, (long long)c.clients, (long long)c.series,
	    (long long)c.occurrences, (long long)c.attendance,
	    (long long)c.outcomes, (long long)c.outbox);
	rc = 0;
out:
	if (in_tx)
		db_rollback(db);
	if (fresh)
		(void)db_bulk_fresh_end(db);
	demo_free(&d);
	return rc;
}

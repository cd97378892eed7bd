/*
 * tuttictl: the administrator's command line.
 *
 *   tuttictl init
 *   tuttictl demo
 *   tuttictl user add --email E --name N --role R --password-stdin
 *   tuttictl user list
 *   tuttictl feed-url --email E | --site ID
 *   tuttictl backup FILE
 *   tuttictl export-client ID | erase-client ID | purge [--dry-run]
 *   tuttictl setting outcome_after|retention_years [VALUE]
 *
 * The database is TUTTI_DB (default var/tutti.db).  Exit status 0 on
 * success, 1 on failure (with a message on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl/demo.h"
#include "ctl/privacy_cmds.h"
#include "db/db.h"
#include "db/feeds.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "db/staff.h"

static const char usage_text[] =
    "usage: tuttictl init\n"
    "       tuttictl demo\n"
    "       tuttictl user add --email E --name N "
    "--role admin|coordinator|therapist --password-stdin\n"
    "       tuttictl user list\n"
    "       tuttictl feed-url --email E | --site ID\n"
    "       tuttictl backup FILE\n"
    PRIVACY_USAGE;

static int
usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static struct db *
open_db(void)
{
	const char *path = getenv("TUTTI_DB");
	char err[512];
	struct db *db;

	if (path == NULL || *path == '\0')
		path = "var/tutti.db";
	if ((db = db_open(path, err, sizeof(err))) == NULL)
		fprintf(stderr, "tuttictl: %s\n", err);
	return db;
}

/* Hashes a password with Argon2id at libsodium's interactive limits. */
static int
hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		fputs("tuttictl: out of memory hashing the password\n",
		    stderr);
		return -1;
	}
	return 0;
}

static int
cmd_init(void)
{
	struct db *db = open_db();
	unsigned char key[32];
	int rc;

	if (db == NULL)
		return 1;
	/* Create the signing secrets now rather than at first use. */
	rc = db_secret(db, "form_key", key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	printf("database ready at schema version %d\n",
	    db_schema_version(db));
	db_close(db);
	return rc == 0 ? 0 : 1;
}

static int
add_user(struct db *db, const char *email, const char *name,
    const char *role, const char *pw)
{
	char hash[crypto_pwhash_STRBYTES];

	if (hash_password(pw, hash) == -1)
		return -1;
	return db_user_add(db, email, name, role, hash) > 0 ? 0 : -1;
}

static void
print_user(void *arg, int64_t id, const char *email, const char *role,
    const char *name, int active)
{
	(void)arg;
	printf("%lld\t%s\t%s\t%s%s\n", (long long)id, email, role, name,
	    active ? "" : "\t(deactivated)");
}

static int
cmd_user(int argc, char *argv[])
{
	const char *email = NULL, *name = NULL, *role = NULL;
	char pw[256];
	struct db *db;
	size_t n;
	int i, from_stdin = 0, rc;

	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		if ((db = open_db()) == NULL)
			return 1;
		rc = db_user_each(db, print_user, NULL);
		db_close(db);
		return rc == 0 ? 0 : 1;
	}
	if (argc < 1 || strcmp(argv[0], "add") != 0)
		return usage();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--email") == 0)
			email = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--role") == 0)
			role = argv[++i];
		else
			return usage();
	}
	if (email == NULL || name == NULL || role == NULL || !from_stdin)
		return usage();
	if (strcmp(role, "admin") != 0 && strcmp(role, "coordinator") != 0 &&
	    strcmp(role, "therapist") != 0) {
		fprintf(stderr, "tuttictl: role must be admin, coordinator "
		    "or therapist\n");
		return 2;
	}
	if (strchr(email, '@') == NULL || strpbrk(email, " \r\n") != NULL) {
		fprintf(stderr, "tuttictl: %s is not an email address\n",
		    email);
		return 2;
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fputs("tuttictl: no password on standard input\n", stderr);
		return 1;
	}
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (n < 12 || n > 128) {
		fputs("tuttictl: a password must be 12 to 128 characters\n",
		    stderr);
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	if ((db = open_db()) == NULL) {
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	rc = add_user(db, email, name, role, pw);
	sodium_memzero(pw, sizeof(pw));
	db_close(db);
	if (rc == 0)
		printf("added %s (%s)\n", email, role);
	return rc == 0 ? 0 : 1;
}

/* Demo people and places; every capability adds what it needs to show. */
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

static const struct {
	const char *name, *kind, *address, *postcode;
	int step_free;
} demo_sites[] = {
	{ "Tutti Centre, Camden", "own_centre", "12 Pratt Street, London",
	    "NW1 0AB", 1 },
	{ "Riverside Care Home", "care_home", "3 Wharf Road, London",
	    "N1 7GR", 1 },
	{ "St Luke's Hospice", "hospice", "45 Hospice Lane, London",
	    "SE5 8AZ", 1 },
	{ "Hackney Community Hall", "community_venue",
	    "88 Mare Street, London", "E8 4RU", 0 },
	{ "Online (video)", "online", "", "", 1 },
};

static const struct {
	const char *given, *family, *postcode, *dob, *status, *about;
	unsigned needs, availability;
	int consent_contact;
} demo_referrals[] = {
	{ "Amira", "Haddad", "NW1 8NH", "1990-04-12", "new",
	    "I would like to find a way to manage my anxiety.",
	    1u << NEED_MENTAL_HEALTH, 0x1249, 1 },
	{ "Brian", "O'Connell", "N1 9GU", "1948-09-30", "new",
	    "My wife and I hope singing together will help us both.",
	    1u << NEED_DEMENTIA, 0x0003, 0 },
	{ "Chen", "Wei", "E8 1DY", "2001-01-05", "triaged",
	    "I am autistic and find groups hard but love music.",
	    1u << NEED_AUTISM, 0x0492, 1 },
	{ "Dolores", "Santos", "SE5 9RS", "1962-07-21", "waitlisted",
	    "Since my stroke my speech is slow; singing helps.",
	    1u << NEED_NEURO_REHAB, 0x0924, 1 },
	{ "Emeka", "Obi", "NW5 2HX", "1985-11-02", "waitlisted",
	    "I have a learning disability and would like to join a band.",
	    1u << NEED_LEARNING_DIFFICULTIES, 0x00249, 1 },
	{ "Fiona", "MacLeod", "N7 6PA", "1955-03-17", "matched",
	    "I am living with cancer and would like some calm.",
	    1u << NEED_PALLIATIVE, 0x0040, 1 },
	{ "Gustav", "Berg", "E2 7DG", "1979-06-08", "active",
	    "Music helped me before with depression.",
	    1u << NEED_MENTAL_HEALTH, 0x0208, 1 },
	{ "Hana", "Kobayashi", "NW3 4QG", "1993-12-24", "closed",
	    "Sessions with my young son.",
	    1u << NEED_PARENT_CHILD, 0x0001, 1 },
	{ "Ivan", "Petrov", "N16 0AS", "1970-02-14", "declined",
	    "Looking for guitar lessons.", 1u << NEED_OTHER, 0x0100, 0 },
	{ "Jo", "Adeyemi", "SE15 5BA", "1988-08-19", "withdrawn",
	    "Help with low mood after a bereavement.",
	    1u << NEED_MENTAL_HEALTH, 0x0010, 1 },
};

static int
cmd_demo(void)
{
	struct db *db = open_db();
	struct db_referral r;
	int64_t site_ids[sizeof(demo_sites) / sizeof(demo_sites[0])];
	char email[64];
	size_t i;
	int rc = 1;

	if (db == NULL)
		return 1;
	for (i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++)
		if (add_user(db, demo_users[i].email, demo_users[i].name,
		    demo_users[i].role, demo_users[i].password) == -1)
			goto out;
	for (i = 0; i < sizeof(demo_sites) / sizeof(demo_sites[0]); i++)
		if ((site_ids[i] = db_site_add(db, demo_sites[i].name,
		    demo_sites[i].kind, demo_sites[i].address,
		    demo_sites[i].postcode, demo_sites[i].step_free)) < 0)
			goto out;
	for (i = 0; i < sizeof(demo_referrals) / sizeof(demo_referrals[0]);
	    i++) {
		memset(&r, 0, sizeof(r));
		r.status = demo_referrals[i].status;
		r.source = i % 3 == 2 ? "phone" : "self";
		r.given_name = demo_referrals[i].given;
		r.family_name = demo_referrals[i].family;
		snprintf(email, sizeof(email), "%s@example.org",
		    demo_referrals[i].given);
		email[0] = (char)(email[0] | 0x20);
		r.email = demo_referrals[i].consent_contact ? email : "";
		r.consent_contact = demo_referrals[i].consent_contact;
		r.postcode = demo_referrals[i].postcode;
		r.date_of_birth = demo_referrals[i].dob;
		r.preferred_contact = "phone";
		r.phone = "07700900123";
		r.needs = demo_referrals[i].needs;
		r.about = demo_referrals[i].about;
		r.availability = demo_referrals[i].availability;
		r.session_type = i % 2 ? "group" : "either";
		r.consent_data = 1;
		r.sites = &site_ids[i % 4];
		r.nsites = 1;
		if (db_referral_create(db, &r, NULL, "tutti.localhost") !=
		    DB_OK)
			goto out;
	}
	if (demo_records(db) == -1)
		goto out;
	if (demo_schedule(db) == -1)
		goto out;
	if (demo_reports(db) == -1)
		goto out;
	for (i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++)
		printf("%-12s %-28s password: %s\n", demo_users[i].role,
		    demo_users[i].email, demo_users[i].password);
	rc = 0;
out:
	db_close(db);
	if (rc != 0)
		fputs("tuttictl: demo data not complete (was it loaded "
		    "before?)\n", stderr);
	return rc;
}

/*
 * feed-url --email E: prints the calendar URL of the therapist whose
 * account is E; feed-url --site ID: a partner site's.  Only a token's
 * hash is stored, so a URL cannot be shown again: each run makes a new
 * token, and the URL printed before stops working.
 */
static int
cmd_feed_url(int argc, char *argv[])
{
	char token[DB_FEED_TOKEN_LEN + 1], detail[96], *end;
	const char *base = getenv("TUTTI_BASE_URL");
	enum db_feed_kind kind;
	struct db_user u;
	struct db *db;
	int64_t owner = 0, user_id = 0;
	size_t n;
	int rc;

	if (argc != 2)
		return usage();
	if (base == NULL || *base == '\0')
		base = "http://127.0.0.1:8080";
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (strcmp(argv[0], "--site") == 0) {
		owner = strtoll(argv[1], &end, 10);
		if (*argv[1] == '\0' || *end != '\0' || owner <= 0)
			return usage();
		kind = FEED_SITE;
	} else if (strcmp(argv[0], "--email") == 0)
		kind = FEED_THERAPIST;
	else
		return usage();
	if ((db = open_db()) == NULL)
		return 1;
	if (kind == FEED_THERAPIST) {
		rc = db_user_by_email(db, argv[1], &u);
		if (rc == 1) {
			user_id = u.id;
			db_user_clear(&u);
			rc = db_therapist_of_user(db, user_id, &owner);
		}
		if (rc != 1) {
			fprintf(stderr, "tuttictl: %s is not a therapist's "
			    "account linked to a therapist record\n", argv[1]);
			db_close(db);
			return 1;
		}
	}
	if (db_begin(db) == -1) {
		db_close(db);
		return 1;
	}
	rc = db_feed_token_new(db, kind, owner, token, NULL);
	snprintf(detail, sizeof(detail), "new calendar link for %s %lld "
	    "(tuttictl)", db_feed_kind_names[kind], (long long)owner);
	if (rc != 0 || db_audit(db, 0, "", "feed-link", 0, user_id,
	    detail) == -1 || db_commit(db) == -1) {
		db_rollback(db);
		db_close(db);
		if (rc == 1)
			fprintf(stderr, "tuttictl: there is no site %s\n",
			    argv[1]);
		return 1;
	}
	db_close(db);
	printf("%.*s/calendar/%s.ics\n", (int)n, base, token);
	fputs("tuttictl: a new calendar link; any link made before for "
	    "this calendar no longer works\n", stderr);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static int
cmd_backup(int argc, char *argv[])
{
	struct db *db;
	int rc;

	if (argc != 1)
		return usage();
	if (access(argv[0], F_OK) == 0) {
		fprintf(stderr, "tuttictl: %s exists; choose a new file\n",
		    argv[0]);
		return 1;
	}
	if ((db = open_db()) == NULL)
		return 1;
	rc = db_backup(db, argv[0]);
	db_close(db);
	if (rc == 0)
		printf("backed up to %s\n", argv[0]);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		return usage();
	if (sodium_init() < 0) {
		fputs("tuttictl: libsodium cannot start\n", stderr);
		return 1;
	}
	if (strcmp(argv[1], "init") == 0 && argc == 2)
		return cmd_init();
	if (strcmp(argv[1], "demo") == 0 && argc == 2)
		return cmd_demo();
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 2, argv + 2);
	if (strcmp(argv[1], "feed-url") == 0)
		return cmd_feed_url(argc - 2, argv + 2);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 2, argv + 2);
	if (strcmp(argv[1], "export-client") == 0)
		return cmd_export_client(argc - 2, argv + 2);
	if (strcmp(argv[1], "erase-client") == 0)
		return cmd_erase_client(argc - 2, argv + 2);
	if (strcmp(argv[1], "purge") == 0)
		return cmd_purge(argc - 2, argv + 2);
	if (strcmp(argv[1], "setting") == 0)
		return cmd_setting(argc - 2, argv + 2);
	return usage();
}

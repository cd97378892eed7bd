/*
 * tuttictl: the administrator's command line.
 *
 *   tuttictl init
 *   tuttictl demo [--scale N] [--years Y]
 *   tuttictl user add --email E --name N --role R --password-stdin
 *   tuttictl user list
 *   tuttictl feed-url --email E | --site ID
 *   tuttictl backup FILE
 *   tuttictl export-client ID | erase-client ID | purge [--dry-run]
 *   tuttictl setting NAME [VALUE]  (outcome_after, retention_years,
 *            late_cancel_hours, offer_hours, auto_offers,
 *            waitlist_check_weeks, offers_live, contact_phone,
 *            contact_email, contact_address, office_hours)
 *   tuttictl my-link ID [--revoke]  a client's personal link
 *   tuttictl offers tick | place SERIES [--send] | link OFFER
 *   tuttictl surveys tick | send ORGANISATION | link SURVEY
 *
 * The database is TUTTI_DB (default var/tutti.db).  Exit status 0 on
 * success, 1 on failure (with a message on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl/ctl.h"
#include "ctl/demo.h"
#include "ctl/privacy_cmds.h"
#include "ctl/self_cmds.h"
#include "ctl/survey_cmds.h"
#include "db/db.h"
#include "db/feeds.h"
#include "db/referrals.h"
#include "db/schedule.h"
#include "db/staff.h"

static const char usage_text[] =
    "usage: tuttictl init\n"
    "       tuttictl demo [--scale N] [--years Y]\n"
    "       tuttictl user add --email E --name N "
    "--role admin|coordinator|therapist --password-stdin\n"
    "       tuttictl user add --email E --name N --role partner "
    "--organisation ID --password-stdin\n"
    "       tuttictl user list\n"
    "       tuttictl feed-url --email E | --site ID\n"
    "       tuttictl backup FILE\n"
    PRIVACY_USAGE
    SURVEY_USAGE;

static int
usage(void)
{
	fputs(usage_text, stderr);
	return 2;
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
	struct ctl_ctx ctx;
	struct db *db = ctl_ctx_open(&ctx);
	unsigned char key[32];
	int rc;

	if (db == NULL)
		return 1;
	/* Create the signing secrets now rather than at first use. */
	rc = db_secret(db, "form_key", key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	printf("database ready at schema version %d\n",
	    db_schema_version(db));
	ctl_ctx_close(&ctx);
	return rc == 0 ? 0 : 1;
}

/*
 * Adds the account, and ties a partner's to organisation_id (0 for other
 * roles), in one transaction.  0, or -1 (said on stderr).
 */
static int
add_user(struct db *db, const char *email, const char *name,
    const char *role, const char *pw, int64_t organisation_id)
{
	char hash[crypto_pwhash_STRBYTES];
	int64_t id;

	if (hash_password(pw, hash) == -1 || db_begin(db) == -1)
		return -1;
	if ((id = db_user_add(db, email, name, role, hash)) <= 0 ||
	    (organisation_id > 0 && db_user_organisation_set(db, id,
	    organisation_id) == -1)) {
		db_rollback(db);
		if (id > 0)
			fprintf(stderr, "tuttictl: there is no partner "
			    "organisation %lld\n", (long long)organisation_id);
		return -1;
	}
	return db_commit(db);
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
	const char *email = NULL, *name = NULL, *role = NULL, *org = NULL;
	long long organisation_id = 0;
	char pw[256], *end;
	struct ctl_ctx ctx;
	struct db *db;
	size_t n;
	int i, from_stdin = 0, rc;

	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		if ((db = ctl_ctx_open(&ctx)) == NULL)
			return 1;
		rc = db_user_each(db, print_user, NULL);
		ctl_ctx_close(&ctx);
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
		else if (i + 1 < argc &&
		    strcmp(argv[i], "--organisation") == 0)
			org = argv[++i];
		else
			return usage();
	}
	if (email == NULL || name == NULL || role == NULL || !from_stdin)
		return usage();
	if (strcmp(role, "admin") != 0 && strcmp(role, "coordinator") != 0 &&
	    strcmp(role, "therapist") != 0 && strcmp(role, "partner") != 0) {
		fprintf(stderr, "tuttictl: role must be admin, coordinator, "
		    "therapist or partner\n");
		return 2;
	}
	/* A partner belongs to one organisation; nobody else to any. */
	if (org != NULL) {
		organisation_id = strtoll(org, &end, 10);
		if (*org == '\0' || *end != '\0' || organisation_id <= 0) {
			fprintf(stderr, "tuttictl: --organisation takes an "
			    "organisation's number\n");
			return 2;
		}
	}
	if ((strcmp(role, "partner") == 0) != (org != NULL)) {
		fprintf(stderr, "tuttictl: a partner account needs "
		    "--organisation ID, and only a partner account takes it\n");
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
	if ((db = ctl_ctx_open(&ctx)) == NULL) {
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	rc = add_user(db, email, name, role, pw, (int64_t)organisation_id);
	sodium_memzero(pw, sizeof(pw));
	ctl_ctx_close(&ctx);
	if (rc == 0)
		printf("added %s (%s)\n", email, role);
	return rc == 0 ? 0 : 1;
}

/*
 * demo [--scale N --years Y]: the demo data (see ctl/demo.h): a year of
 * a service a tenth the size DESIGN.md describes, or Y years of one N
 * times that size.
 */
static int
cmd_demo(int argc, char *argv[])
{
	struct ctl_ctx ctx;
	struct db *db;
	char *end;
	long scale = 0, years = 1, v;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc || (strcmp(argv[i], "--scale") != 0 &&
		    strcmp(argv[i], "--years") != 0))
			return usage();
		v = strtol(argv[i + 1], &end, 10);
		if (*argv[i + 1] == '\0' || *end != '\0' || v < 1 || v > 100)
			return usage();
		if (strcmp(argv[i], "--scale") == 0)
			scale = v;
		else
			years = v;
		i++;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	rc = demo_run(db, (int)scale, (int)years);
	ctl_ctx_close(&ctx);
	if (rc != 0)
		fputs("tuttictl: demo data not complete (was it loaded "
		    "before?)\n", stderr);
	return rc == 0 ? 0 : 1;
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
	char token[DB_FEED_TOKEN_LEN + 1], detail[96];
	const char *base = ctl_base_url();
	enum db_feed_kind kind;
	struct db_user u;
	struct ctl_ctx ctx;
	struct db *db;
	int64_t owner = 0, user_id = 0;
	size_t n;
	int rc;

	if (argc != 2)
		return usage();
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (strcmp(argv[0], "--site") == 0) {
		if ((owner = ctl_id_arg(argv[1])) == 0)
			return usage();
		kind = FEED_SITE;
	} else if (strcmp(argv[0], "--email") == 0)
		kind = FEED_THERAPIST;
	else
		return usage();
	if ((db = ctl_ctx_open(&ctx)) == NULL)
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
			ctl_ctx_close(&ctx);
			return 1;
		}
	}
	if (db_begin(db) == -1) {
		ctl_ctx_close(&ctx);
		return 1;
	}
	rc = db_feed_token_new(db, kind, owner, token, NULL);
	snprintf(detail, sizeof(detail), "new calendar link for %s %lld "
	    "(tuttictl)", db_feed_kind_names[kind], (long long)owner);
	if (rc != 0 || db_audit(db, 0, "", "feed-link", 0, user_id,
	    detail) == -1 || db_commit(db) == -1) {
		db_rollback(db);
		ctl_ctx_close(&ctx);
		if (rc == 1)
			fprintf(stderr, "tuttictl: there is no site %s\n",
			    argv[1]);
		return 1;
	}
	ctl_ctx_close(&ctx);
	printf("%.*s/calendar/%s.ics\n", (int)n, base, token);
	fputs("tuttictl: a new calendar link; any link made before for "
	    "this calendar no longer works\n", stderr);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static int
cmd_backup(int argc, char *argv[])
{
	struct ctl_ctx ctx;
	struct db *db;
	int rc;

	if (argc != 1)
		return usage();
	if (access(argv[0], F_OK) == 0) {
		fprintf(stderr, "tuttictl: %s exists; choose a new file\n",
		    argv[0]);
		return 1;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	rc = db_backup(db, argv[0]);
	ctl_ctx_close(&ctx);
	if (rc == 0)
		printf("backed up to %s\n", argv[0]);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	/* Health data, password hashes and keys: no one else may read
	 * what this program makes (database, WAL, logs, backups). */
	(void)umask(077);
	if (argc < 2)
		return usage();
	if (sodium_init() < 0) {
		fputs("tuttictl: libsodium cannot start\n", stderr);
		return 1;
	}
	if (strcmp(argv[1], "init") == 0 && argc == 2)
		return cmd_init();
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc - 2, argv + 2);
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
	if (strcmp(argv[1], "my-link") == 0)
		return cmd_my_link(argc - 2, argv + 2);
	if (strcmp(argv[1], "waitlist-checks") == 0)
		return cmd_waitlist_checks(argc - 2, argv + 2);
	if (strcmp(argv[1], "offers") == 0)
		return cmd_offers(argc - 2, argv + 2);
	if (strcmp(argv[1], "surveys") == 0)
		return cmd_surveys(argc - 2, argv + 2);
	return usage();
}

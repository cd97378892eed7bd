/*
 * privacy_cmds: export-client, erase-client, purge and setting (see
 * ctl/privacy_cmds.h).  A client is named by their referral's id, or by
 * its reference code; the referral row is the person (db/privacy.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "ctl/privacy_cmds.h"
#include "db/db.h"
#include "db/privacy.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "db/self.h"
#include "db/staff.h"
#include "mail/mail.h"
#include "util/buf.h"

/*
 * Reads a client's id ("12") or reference code ("ABCD-2345") into *id.
 * Returns 1 found, 0 no such client (said on stderr), -1 error.
 */
static int
client_id(struct db *db, const char *arg, int64_t *id)
{
	char *end, ref[16];
	long long v;
	size_t i;
	int rc;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*arg >= '1' && *arg <= '9' && *end == '\0' && errno == 0) {
		*id = v;
		return 1;
	}
	if (strlen(arg) >= sizeof(ref))
		goto none;
	for (i = 0; arg[i] != '\0'; i++)
		ref[i] = arg[i] >= 'a' && arg[i] <= 'z' ?
		    (char)(arg[i] - 'a' + 'A') : arg[i];
	ref[i] = '\0';
	if ((rc = db_referral_by_ref(db, ref, id)) == 1)
		return 1;
	if (rc == -1)
		return -1;
none:
	fprintf(stderr, "tuttictl: there is no client %s (give the referral's "
	    "id or reference code)\n", arg);
	return 0;
}

int
cmd_export_client(int argc, char *argv[])
{
	struct buf out = BUF_INIT;
	struct ctl_ctx ctx;
	struct db *db;
	int64_t id;
	int rc;

	if (argc != 1) {
		fputs("usage: tuttictl export-client ID\n", stderr);
		return 2;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	if ((rc = client_id(db, argv[0], &id)) == 1 &&
	    (rc = db_privacy_export(db, id, &out)) == 0)
		fprintf(stderr, "tuttictl: there is no client %s\n", argv[0]);
	if (rc == 1 && (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0)) {
		perror("tuttictl: export");
		rc = -1;
	}
	if (rc == 1)
		(void)db_audit(db, 0, "tuttictl", "export", id, 0,
		    "exported everything held about the client (JSON)");
	buf_free(&out);
	ctl_ctx_close(&ctx);
	return rc == 1 ? 0 : 1;
}

/* Delivered mail files of the client, found by Message-ID. */
struct mail_files {
	const char	*dir;
	char		**ids;
	size_t		 n;
	int		 removed;
};

static void
collect_id(void *arg, const char *message_id)
{
	struct mail_files *m = arg;

	m->ids = xrealloc(m->ids, (m->n + 1) * sizeof(*m->ids));
	m->ids[m->n++] = xstrdup(message_id != NULL ? message_id : "");
}

/* Removes DIR/NAME.eml, where NAME is the Message-ID as mail/files.c
 * names it: without brackets, other than [A-Za-z0-9.@_-] as '_'. */
static void
remove_mail_file(struct mail_files *m, const char *message_id)
{
	char name[300], path[4096];
	size_t i, n = 0;
	char c;

	for (i = 0; message_id[i] != '\0' && n + 1 < sizeof(name); i++) {
		c = message_id[i];
		if (c == '<' || c == '>')
			continue;
		name[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '@' ||
		    c == '_' || c == '-' ? c : '_';
	}
	name[n] = '\0';
	if (n == 0 || snprintf(path, sizeof(path), "%s/%s.eml", m->dir,
	    name) >= (int)sizeof(path))
		return;
	if (unlink(path) == 0)
		m->removed++;
}

int
cmd_erase_client(int argc, char *argv[])
{
	struct db_erase_summary s;
	struct mail_files mf;
	struct ctl_ctx ctx;
	struct db *db;
	int64_t id;
	size_t i;
	int rc;

	if (argc != 1) {
		fputs("usage: tuttictl erase-client ID\n", stderr);
		return 2;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	if ((rc = client_id(db, argv[0], &id)) != 1) {
		ctl_ctx_close(&ctx);
		return 1;
	}
	mf.dir = getenv("TUTTI_MAIL_DIR");
	if (mf.dir == NULL || *mf.dir == '\0')
		mf.dir = "var/mail";
	mf.removed = 0;
	mf.ids = NULL;
	mf.n = 0;
	if (db_privacy_messages(db, id, collect_id, &mf) == -1) {
		ctl_ctx_close(&ctx);
		return 1;
	}
	switch (db_privacy_erase(db, id, "request", 0, "tuttictl", &s)) {
	case DB_OK:
		break;
	case DB_CONFLICT:
		fprintf(stderr, "tuttictl: there is no client %s\n", argv[0]);
		rc = -1;
		break;
	default:
		fputs("tuttictl: nothing was erased (see above)\n", stderr);
		rc = -1;
	}
	for (i = 0; i < mf.n; i++) {
		if (rc == 1)
			remove_mail_file(&mf, mf.ids[i]);
		free(mf.ids[i]);
	}
	free(mf.ids);
	if (rc != 1) {
		ctl_ctx_close(&ctx);
		return 1;
	}
	printf("erased client %lld%s:\n"
	    "  referral: name, contact details, date of birth, postcode, "
	    "what they wrote, emergency contact\n"
	    "  notes deleted: %lld\n"
	    "  history reasons emptied: %lld\n"
	    "  attendance notes emptied: %lld\n"
	    "  session change reasons emptied: %lld\n"
	    "  emails' addresses removed: %lld (unsent ones cancelled: %lld)\n"
	    "  cached calendar feeds dropped: %lld\n"
	    "  other cells holding their name, email or phone: %lld\n"
	    "  details kept because another client shares them: %lld\n"
	    "  delivered mail files removed from %s: %d\n",
	    (long long)id, s.again ? " (again)" : "", (long long)s.notes,
	    (long long)s.events, (long long)s.attendance,
	    (long long)s.exceptions, (long long)s.emails,
	    (long long)s.cancelled, (long long)s.feeds, (long long)s.swept,
	    (long long)s.shared,
	    mf.dir, mf.removed);
	rc = db_privacy_compact(db);
	ctl_ctx_close(&ctx);
	if (rc == -1) {
		fputs("tuttictl: the client is erased, but the database file "
		    "could not be cleaned of old copies while it was busy: run "
		    "erase-client again to finish\n", stderr);
		return 1;
	}
	puts("  database file cleaned: no old copies remain in it or its "
	    "WAL (backups taken before still hold them)");
	return 0;
}

static void
print_purged(void *arg, int64_t id, const char *status, const char *closed)
{
	const int *dry = arg;

	printf("%s client %lld (%s %s)\n", *dry ? "would anonymise" :
	    "anonymised", (long long)id, status, closed);
}

int
cmd_purge(int argc, char *argv[])
{
	struct ctl_ctx ctx;
	struct db *db;
	int64_t n = 0;
	long years;
	int dry = 0, rc;

	if (argc == 1 && strcmp(argv[0], "--dry-run") == 0)
		dry = 1;
	else if (argc != 0) {
		fputs("usage: tuttictl purge [--dry-run]\n", stderr);
		return 2;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	years = db_setting_int(db, "retention_years", 6);
	rc = db_privacy_purge(db, (int64_t)time(NULL), years, dry,
	    print_purged, &dry, &n);
	ctl_ctx_close(&ctx);
	printf("purge: %lld closed, declined or withdrawn referral%s closed "
	    "more than %ld year%s ago %s\n", (long long)n, n == 1 ? "" : "s",
	    years, years == 1 ? "" : "s", dry ? "would be anonymised "
	    "(dry run: nothing changed)" : "anonymised");
	if (rc == -1)
		fputs("tuttictl: purge stopped early (see above)\n", stderr);
	return rc == 0 ? 0 : 1;
}

/*
 * Shows, or sets to value (NULL: show), the text setting name; an
 * email address must be one, and no value may hold a control character
 * (they go into email headers and pages).  0, 1 or 2 as main returns.
 */
static int
setting_text(const char *name, const char *value, char *buf, size_t n)
{
	struct ctl_ctx ctx;
	struct db *db;
	size_t i;
	int rc = 0;

	if (value != NULL) {
		for (i = 0; value[i] != '\0'; i++)
			if ((unsigned char)value[i] < 0x20 ||
			    value[i] == 0x7f) {
				fprintf(stderr, "tuttictl: %s must be one line "
				    "with no control characters\n", name);
				return 2;
			}
		if (i >= n) {
			fprintf(stderr, "tuttictl: %s is too long\n", name);
			return 2;
		}
		if (strcmp(name, "contact_email") == 0 && *value != '\0' &&
		    !mail_addr_ok(value)) {
			fprintf(stderr, "tuttictl: contact_email must be an "
			    "address like office@example.org\n");
			return 2;
		}
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	if (value != NULL)
		rc = db_setting_text_set(db, name, value);
	if (rc == 0)
		rc = db_setting_text(db, name, buf, n);
	if (rc == 0)
		printf("%s\t%s\n", name, buf);
	ctl_ctx_close(&ctx);
	return rc == 0 ? 0 : 1;
}

int
cmd_setting(int argc, char *argv[])
{
	static const struct {
		const char	*name;
		long		 def, min, max;
	} known[] = {
		{ "outcome_after", 6, 1, 1000 },
		{ "retention_years", 6, 1, 200 },
		{ "late_cancel_hours", 24, 0, 24 * 31 },
		{ "offer_hours", 48, 1, 24 * 14 },
		{ "auto_offers", 0, 0, 1 },
		{ "waitlist_check_weeks", 8, 1, 104 },
		{ "series_sessions", 12, 1, 104 },
		{ "offers_live", 3, 1, 10 },
		/* The surveys (issue 20): 0 turns each off. */
		{ "family_survey_after", 6, 0, 1000 },
		{ "partner_survey_month", 6, 0, 12 },
	};
	/* Free text: the office's contact details (issue 18). */
	static const char *const texts[] = { "contact_phone",
	    "contact_email", "contact_address", "office_hours" };
	char text[512];
	struct ctl_ctx ctx;
	struct db *db;
	char *end;
	long v;
	size_t i;
	int rc = 0;

	if (argc < 1 || argc > 2)
		goto usage;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(argv[0], texts[i]) == 0)
			return setting_text(texts[i], argc == 2 ? argv[1] :
			    NULL, text, sizeof(text));
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(argv[0], known[i].name) == 0)
			break;
	if (i == sizeof(known) / sizeof(known[0]))
		goto usage;
	if (argc == 2) {
		errno = 0;
		v = strtol(argv[1], &end, 10);
		if (errno != 0 || *argv[1] == '\0' || *end != '\0' ||
		    v < known[i].min || v > known[i].max) {
			fprintf(stderr, "tuttictl: %s must be a whole number "
			    "from %ld to %ld\n", known[i].name, known[i].min,
			    known[i].max);
			return 2;
		}
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	if (argc == 2)
		rc = db_setting_int_set(db, known[i].name, v);
	if (rc == 0)
		printf("%s\t%ld\n", known[i].name, db_setting_int(db,
		    known[i].name, known[i].def));
	ctl_ctx_close(&ctx);
	return rc == 0 ? 0 : 1;
usage:
	fputs("usage: tuttictl setting outcome_after|retention_years|"
	    "series_sessions|late_cancel_hours|offer_hours|auto_offers|"
	    "waitlist_check_weeks|offers_live|family_survey_after|"
	    "partner_survey_month|"
	    "contact_phone|contact_email|contact_address|office_hours "
	    "[VALUE]\n", stderr);
	return 2;
}

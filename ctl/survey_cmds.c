/*
 * ctl/survey_cmds: tuttictl surveys.  See survey_cmds.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/survey.h"
#include "ctl/self_cmds.h"
#include "ctl/survey_cmds.h"
#include "db/db.h"
#include "db/reports.h"

/* A positive id in s, or 0. */
static int64_t
id_arg(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

int
cmd_surveys(int argc, char *argv[])
{
	char why[CORE_WHY_LEN], token[DB_OUTCOME_TOKEN_LEN];
	struct core_ctx ctx;
	struct db *db;
	int64_t id = 0;
	int rc = 1, n = 0;

	if (argc == 1 && strcmp(argv[0], "tick") == 0)
		;
	else if (argc == 2 && (strcmp(argv[0], "send") == 0 ||
	    strcmp(argv[0], "link") == 0) && (id = id_arg(argv[1])) > 0)
		;
	else {
		fputs("usage: tuttictl surveys tick | send ORGANISATION | "
		    "link SURVEY\n", stderr);
		return 2;
	}
	if ((db = db_open_env()) == NULL)
		return 1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = db;
	ctx.tz = getenv("TUTTI_TZ");
	ctx.addr = "tuttictl";
	if (strcmp(argv[0], "tick") == 0) {
		if ((n = core_surveys_tick(&ctx)) >= 0) {
			printf("%d partner staff asked\n", n);
			rc = 0;
		}
	} else if (strcmp(argv[0], "send") == 0) {
		if (core_partner_survey_send(&ctx, id, &n, why, sizeof(why)) ==
		    DB_OK) {
			printf("%d partner staff asked\n", n);
			if (n == 0)
				fprintf(stderr, "tuttictl: %s\n", why);
			rc = 0;
		} else
			fprintf(stderr, "tuttictl: %s\n", why);
	} else if (db_survey_token(db, id, token) == 0) {
		printf("%s/survey?t=%s\n", base_url(), token);
		rc = 0;
	}
	db_close(db);
	return rc;
}

/*
 * ctl/survey_cmds: tuttictl surveys.  See survey_cmds.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/survey.h"
#include "ctl/ctl.h"
#include "ctl/survey_cmds.h"
#include "db/db.h"
#include "db/reports.h"

int
cmd_surveys(int argc, char *argv[])
{
	char why[CORE_WHY_LEN], token[DB_OUTCOME_TOKEN_LEN];
	struct ctl_ctx ctx;
	struct db *db;
	int64_t id = 0;
	int rc = 1, n = 0;

	if (argc == 1 && strcmp(argv[0], "tick") == 0)
		;
	else if (argc == 2 && (strcmp(argv[0], "send") == 0 ||
	    strcmp(argv[0], "link") == 0) && (id = ctl_id_arg(argv[1])) > 0)
		;
	else {
		fputs("usage: tuttictl surveys tick | send ORGANISATION | "
		    "link SURVEY\n", stderr);
		return 2;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	if (strcmp(argv[0], "tick") == 0) {
		if ((n = core_surveys_tick(&ctx.core)) >= 0) {
			printf("%d partner staff asked\n", n);
			rc = 0;
		}
	} else if (strcmp(argv[0], "send") == 0) {
		if (core_partner_survey_send(&ctx.core, id, &n, why, sizeof(why)) ==
		    DB_OK) {
			printf("%d partner staff asked\n", n);
			if (n == 0)
				fprintf(stderr, "tuttictl: %s\n", why);
			rc = 0;
		} else
			fprintf(stderr, "tuttictl: %s\n", why);
	} else if (db_survey_token(db, id, token) == 0) {
		printf("%s/survey?t=%s\n", ctl_base_url(), token);
		rc = 0;
	}
	ctl_ctx_close(&ctx);
	return rc;
}

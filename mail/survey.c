/*
 * mail/survey: the family and partner staff survey invitations (issue
 * 20; queued by 025-surveys.sql with the dedupe key "survey:<id>").
 * Each carries its own once-only link, /survey?t=TOKEN
 * (db_survey_token); the family one goes to a client's contact as a
 * copy about the client, with the contact's own unsubscribe link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/outbox.h"
#include "db/reports.h"
#include "db/survey.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"

enum mail_send
mail_fill_survey_invite(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	char token[DB_OUTCOME_TOKEN_LEN], *end;
	const char *p = strchr(row->dedupe_key, ':');
	struct db_survey s;
	long long id;
	int rc;

	(void)x;
	id = p != NULL ? strtoll(p + 1, &end, 10) : 0;
	if (id <= 0 || *end != '\0') {
		(void)snprintf(err, errlen, "a survey email of no survey");
		return MAIL_SEND_PERM;
	}
	if ((rc = db_survey_get(ob->db, (int64_t)id, &s)) != 1) {
		(void)snprintf(err, errlen, rc == 0 ? "the survey no longer "
		    "exists" : "the survey cannot be read");
		return rc == 0 ? MAIL_SEND_PERM : MAIL_SEND_TEMP;
	}
	if (s.answered || s.gone) {
		(void)snprintf(err, errlen, s.answered ? "the survey was "
		    "answered already" : "the client was erased, or the "
		    "contact unsubscribed or was removed");
		return MAIL_SEND_STALE;
	}
	tmpl_data_set(d, "first_name", s.given_name);
	tmpl_data_set(d, "organisation", s.organisation);
	if (ob->preview) {
		/* Staff read it: not the person's own link. */
		tmpl_data_set(d, "survey_url", "(their own survey link)");
		return MAIL_SEND_OK;
	}
	if (db_survey_token(ob->db, s.id, token) == -1) {
		(void)snprintf(err, errlen, "the survey link cannot be made");
		return MAIL_SEND_TEMP;
	}
	tmpl_data_setf(d, "survey_url", "%s/survey?t=%s", ob->base_url,
	    token);
	return MAIL_SEND_OK;
}

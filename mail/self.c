/*
 * mail/self: what the emails about people acting for themselves say:
 * the staff's notices of "cannot come", of leaving the waiting list and
 * of a waitlist answer "worse", and the waitlist check itself.  The
 * personal link and the office's contact details are added to every
 * email by outbox.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/outbox.h"
#include "db/self.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"

enum mail_send
mail_fill_self_staff(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct db_my m;
	struct db_my_session s;
	char kind[32], date[11], day[64], hhmm[6];
	long long series = 0;
	int rc;

	(void)x;
	if (row->referral_id <= 0 || (rc = db_my_get(ob->db,
	    row->referral_id, &m)) == 0) {
		(void)snprintf(err, errlen, "the referral no longer exists");
		return MAIL_SEND_PERM;
	}
	if (rc == -1) {
		(void)snprintf(err, errlen, "the referral cannot be read");
		return MAIL_SEND_TEMP;
	}
	tmpl_data_set(d, "ref", m.ref);
	tmpl_data_setf(d, "referral_url", "%s/referrals/%lld", ob->base_url,
	    (long long)row->referral_id);
	if (sscanf(row->dedupe_key, "%31[a-z_]:%lld:%10[0-9-]", kind, &series,
	    date) == 3 && strcmp(kind, "client_cant_come") == 0) {
		if ((rc = db_my_session_get(ob->db, row->referral_id,
		    series, date, &s)) == -1) {
			(void)snprintf(err, errlen, "the session cannot be "
			    "read");
			return MAIL_SEND_TEMP;
		}
		if (rc == 1 && mail_when(ob->tz, (time_t)s.start_utc, day,
		    sizeof(day), hhmm) == 0) {
			tmpl_data_set(d, "day", day);
			tmpl_data_set(d, "time", hhmm);
			tmpl_data_set(d, "site", s.site);
			tmpl_data_bool(d, "late", s.late);
		}
		tmpl_data_setf(d, "series_url", "%s/series/%lld",
		    ob->base_url, series);
	}
	return MAIL_SEND_OK;
}

enum mail_send
mail_fill_check(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct db_my m;
	int rc;

	(void)x;
	if (row->referral_id <= 0 || (rc = db_my_get(ob->db,
	    row->referral_id, &m)) == 0) {
		(void)snprintf(err, errlen, "the referral no longer exists");
		return MAIL_SEND_PERM;
	}
	if (rc == -1) {
		(void)snprintf(err, errlen, "the referral cannot be read");
		return MAIL_SEND_TEMP;
	}
	if (strcmp(m.status, "waitlisted") != 0) {
		(void)snprintf(err, errlen, "the person is no longer waiting");
		return MAIL_SEND_STALE;
	}
	if (m.check_id == 0) {
		(void)snprintf(err, errlen, "the check was answered already");
		return MAIL_SEND_STALE;
	}
	tmpl_data_set(d, "ref", m.ref);
	return MAIL_SEND_OK;
}

/*
 * mail/offer: what a place offer's email says: what, where, when, from
 * when, until when to answer, and the link to accept or decline
 * (/offer?t=TOKEN).  An offer no longer live when its turn comes is
 * dropped (stale): the person is not offered what has gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/offers.h"
#include "db/outbox.h"
#include "ical/ical.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "templates/tmpl.h"

/* Weekday names for "on Tuesdays". */
static const char *const weekdays[7] = { "Mondays", "Tuesdays",
	"Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays" };

/* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" into *t: 0, or -1. */
static int
iso_read(const char *s, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
	    &sec) != 6)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm);
	return 0;
}

enum mail_send
mail_fill_offer(struct mail_outbox *ob, const struct db_outbox *row,
    struct tmpl_data *d, struct mail_extra *x, char *err, size_t errlen)
{
	struct db_offer o;
	struct db_place p;
	char token[MAIL_LINK_TOKEN_LEN], day[64], hhmm[6];
	const char *sp;
	long long id = 0;
	time_t t;
	int rc;

	(void)x;
	if (sscanf(row->dedupe_key, "place_offer:%lld", &id) != 1 ||
	    (rc = db_offer_get(ob->db, (int64_t)id, &o)) == 0) {
		(void)snprintf(err, errlen, "the offer no longer exists");
		return MAIL_SEND_PERM;
	}
	if (rc == -1 || db_place_get(ob->db, o.place_id, &p) != 1) {
		(void)snprintf(err, errlen, "the offer cannot be read");
		return MAIL_SEND_TEMP;
	}
	if (strcmp(o.status, "sent") != 0) {
		(void)snprintf(err, errlen, "the offer is %s", o.status);
		return MAIL_SEND_STALE;
	}
	if (mail_offer_token(ob->db, ob->link_key, o.id, o.referral_id,
	    token) == -1) {
		(void)snprintf(err, errlen, "the offer link cannot be made");
		return MAIL_SEND_TEMP;
	}
	tmpl_data_setf(d, "offer_url", "%s/offer?t=%s", ob->base_url, token);
	tmpl_data_set(d, "ref", o.ref);
	tmpl_data_set(d, "site", p.site);
	tmpl_data_set(d, "room", p.room);
	tmpl_data_setf(d, "address", "%s%s%s", p.address, p.address[0] !=
	    '\0' && p.postcode[0] != '\0' ? ", " : "", p.postcode);
	if ((sp = strchr(p.therapist, ' ')) != NULL)
		tmpl_data_setf(d, "therapist", "%.*s", (int)(sp - p.therapist),
		    p.therapist);
	else
		tmpl_data_set(d, "therapist", p.therapist);
	tmpl_data_set(d, "weekdays", weekdays[p.weekday % 7]);
	tmpl_data_set(d, "time", p.start_local);
	tmpl_data_setf(d, "minutes", "%d", p.length_min);
	if (ical_local_to_utc(ob->tz, p.first_date, p.start_local, &t) == 0 &&
	    mail_when(ob->tz, t, day, sizeof(day), hhmm) == 0)
		tmpl_data_set(d, "first_day", day);
	if (iso_read(o.expires_at, &t) == 0 &&
	    mail_when(ob->tz, t, day, sizeof(day), hhmm) == 0) {
		tmpl_data_set(d, "answer_day", day);
		tmpl_data_set(d, "answer_time", hhmm);
	}
	return MAIL_SEND_OK;
}

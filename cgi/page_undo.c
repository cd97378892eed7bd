/*
 * page_undo: Undo of a booking or a move (issue 17).
 *
 *   POST /series/ID/undo   undo= (the change's id, from the series page's
 *                          banner): takes the change back in one
 *                          transaction (core_change_undo).  A booking
 *                          undone: 303 to the client's referral (or the
 *                          week for a group); a move: 303 to the series.
 *                          Sent twice, it changes once and answers the
 *                          same way.  Too late, an email gone, or the
 *                          session changed since: 409 with the series page
 *                          and the reason in plain words.
 *
 * Any coordinator may undo a colleague's change within the grace period:
 * the banner says who made it and when.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/page_undo.h"
#include "cgi/valid.h"
#include "core/core.h"
#include "core/undo.h"
#include "db/schedule.h"
#include "db/undo.h"
#include "ical/ical.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

struct undo_view {
	struct tmpl_data	*d;
	struct core_ctx		 c;
	time_t			 now;
	int			 n;
};

/* One change of the banner: what, who and when, and Undo or why not. */
static void
undo_add(void *arg, const struct db_undo *u)
{
	struct undo_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "undos");
	char made[6] = "--:--", until[6] = "--:--", day[48];
	char why[CORE_WHY_LEN];
	const char *tz = core_tz(&v->c);
	long min;

	tmpl_data_setf(e, "undo_id", "%lld", (long long)u->id);
	if (strcmp(u->kind, "move") == 0) {
		(void)calendar_date_text(u->occ_date, CALENDAR_LONG, day,
		    sizeof(day));
		tmpl_data_setf(e, "what", "The move of the session of %s", day);
		tmpl_data_set(e, "button", "Undo the move");
		tmpl_data_set(e, "after", "The session goes back to its time "
		    "and room before, and the client is not told of the move.");
	} else {
		tmpl_data_set(e, "what", u->client_id > 0 ? "The assignment "
		    "and booking of these sessions" : "The booking of these "
		    "sessions");
		tmpl_data_set(e, "button", u->client_id > 0 ? "Undo the "
		    "assignment and booking" : "Undo the booking");
		tmpl_data_set(e, "after", u->client_id > 0 ? "The sessions "
		    "are removed, no email about them is sent, and the person "
		    "goes back to their place on the list." : "The sessions are "
		    "removed and no email about them is sent.");
	}
	tmpl_data_set(e, "who", u->user_name[0] != '\0' ? u->user_name :
	    "someone no longer on the staff");
	(void)ical_utc_to_local(tz, (time_t)u->made_at, NULL, made, NULL);
	(void)ical_utc_to_local(tz, (time_t)u->until_utc, NULL, until, NULL);
	tmpl_data_set(e, "made", made);
	core_undo_why_not(&v->c, u, v->now, why, sizeof(why));
	if (why[0] != '\0') {
		tmpl_data_set(e, "why_not", why);
		v->n++;
		return;
	}
	min = (long)((u->until_utc - v->now + 59) / 60);
	tmpl_data_setf(e, "until", "%s (in %ld minute%s)", until, min,
	    min == 1 ? "" : "s");
	tmpl_data_bool(e, "can_undo", 1);
	v->n++;
}

int
page_undo_banner(struct app *app, const struct req *rq, struct tmpl_data *d,
    const struct db_series *s)
{
	struct undo_view v;

	memset(&v, 0, sizeof(v));
	v.d = d;
	app_core_ctx(app, rq, &v.c);
	v.now = time(NULL);
	tmpl_data_list(d, "undos");
	if (db_undo_open_each(app->db, s->id, (int64_t)v.now, undo_add,
	    &v) == -1)
		return -1;
	tmpl_data_bool(d, "has_undos", v.n > 0);
	return 0;
}

void
page_series_undo(struct app *app, struct req *rq, struct resp *rs)
{
	static const struct valid_field fields[] = {
		{ "undo", VALID_ID, 1, 0, 0, NULL, "h-undo", "Change",
		    "Choose the change to undo" },
	};
	struct valid_value v[1];
	struct valid_errors errs;
	struct db_series s;
	struct db_undo u;
	struct core_ctx c;
	char why[CORE_WHY_LEN], loc[96];
	enum db_result res;
	int rc;

	memset(&errs, 0, sizeof(errs));
	if (valid_form_check(&rq->f, fields, 1, v, &errs) > 0) {
		http_error(app, rs, 400, "That is not something this page can "
		    "do.");
		goto out;
	}
	app_core_ctx(app, rq, &c);
	res = core_change_undo(&c, rq->id[0], v[0].num, &u, why, sizeof(why));
	if (res == DB_OK || res == DB_DUPLICATE) {
		if (strcmp(u.kind, "move") == 0)
			(void)snprintf(loc, sizeof(loc), "/series/%lld?done=%s",
			    (long long)u.series_id, res == DB_OK ?
			    "move-undone" : "move-undone-already");
		else if (u.referral_id > 0)
			(void)snprintf(loc, sizeof(loc), "/referrals/%lld?done="
			    "%s", (long long)u.referral_id, res == DB_OK ?
			    "booking-undone" : "booking-undone-already");
		else
			(void)snprintf(loc, sizeof(loc), "/schedule");
		http_redirect(rs, loc);
		goto out;
	}
	if ((rc = db_series_get(app->db, rq->id[0], &s)) != 1) {
		(void)app_found(app, rs, rc, "series");
		goto out;
	}
	page_series_refused(app, rq, rs, res == DB_BUSY || res == DB_ERROR ?
	    503 : 409, &s, "h-undo", why);
out:
	valid_values_free(v, 1);
}

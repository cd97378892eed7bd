/*
 * page_book: assign and book in one flow (issue 17).
 *
 *   GET  /referrals/ID/book   check your answers for a suggestion chosen
 *                             on the matches page or the plan: ?from=
 *                             (the status seen), therapist_id, site_id,
 *                             room_id, day (0 Monday), start_min,
 *                             length_min; first_date and count may be
 *                             given, else the next such day from tomorrow
 *                             and the setting series_sessions (12)
 *   POST /referrals/ID/book   the same fields: assigns the client, books
 *                             the series and queues the emails in one
 *                             transaction (core_assign_book), 303 to the
 *                             series; a clash is named (409) and the
 *                             page kept with every value
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/page_terms.h"
#include "cgi/records_form.h"
#include "cgi/valid.h"
#include "core/assign.h"
#include "core/booking.h"
#include "core/core.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/reports.h"
#include "ical/ical.h"
#include "sched/sched.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define BOOK_SESSIONS_DEFAULT	12	/* setting series_sessions */

enum bk_field {
	BK_FROM, BK_THERAPIST, BK_SITE, BK_ROOM, BK_DAY, BK_START, BK_LENGTH,
	BK_FIRST, BK_COUNT, BK__MAX
};

/* The fields of the check-your-answers form. */
static const struct valid_field bk_fields[BK__MAX] = {
	{ "from", VALID_LINE, 1, 0, 16, NULL, NULL, "Status", NULL },
	{ "therapist_id", VALID_ID, 1, 0, 0, NULL, NULL, "Therapist", NULL },
	{ "site_id", VALID_ID, 1, 0, 0, NULL, NULL, "Site", NULL },
	{ "room_id", VALID_LINE, 0, 0, 20, NULL, NULL, "Room", NULL },
	{ "day", VALID_INT, 1, 0, 6, NULL, NULL, "Weekday", NULL },
	{ "start_min", VALID_INT, 1, 0, 1439, NULL, NULL, "Time", NULL },
	{ "length_min", VALID_INT, 1, SCHED_SESSION_SHORTEST,
	    SCHED_SESSION_LONGEST, NULL, NULL, "Length", NULL },
	{ "first_date", VALID_DATE, 1, 0, 0, NULL, NULL, "First session",
	    "Enter the date of the first session, for example 2027-01-04" },
	{ "count", VALID_INT, 1, 1, SCHED_SERIES_COUNT_MAX, NULL, NULL,
	    "Number of sessions", "Enter how many sessions to book, from 1 to "
	    "104" },
};

/* Adds days to date; the weekday (0 Monday) of the result, or -1. */
static int
bk_date_add(const char *date, int days, char out[11])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return (tm.tm_wday + 6) % 7;
}

/*
 * The check-your-answers page of the suggestion in f (the query on GET,
 * the form on POST), with problem (NULL: none) in the error summary.
 * The suggestion's fields must be sound: else 400.
 */
static void
bk_show(struct app *app, struct req *rq, struct resp *rs,
    const struct form *f, int status, const struct valid_errors *errs)
{
	struct valid_value v[BK__MAX];
	struct valid_errors mine;
	struct db_referral_rec *ref = NULL;
	struct db_therapist t;
	struct db_site_rec site;
	struct db_room room;
	struct tmpl_data *d = NULL;
	char today[11], first[11], last[11], words[48], a[6], z[6];
	const char *fd, *cnt;
	int64_t room_id = 0;
	long count;
	int k, wd;

	memset(&mine, 0, sizeof(mine));
	(void)valid_form_check(f, bk_fields, BK_FIRST, v, &mine);
	if (mine.n > 0 || (*v[BK_ROOM].text != '\0' &&
	    strcmp(v[BK_ROOM].text, "0") != 0 &&
	    valid_id(v[BK_ROOM].text, &room_id) == -1) ||
	    db_referral_load(app->db, rq->id[0], &ref) != 1 ||
	    db_therapist_get(app->db, v[BK_THERAPIST].num, 0, 0, &t) != 1 ||
	    db_site_get(app->db, v[BK_SITE].num, &site) != 1 ||
	    (room_id > 0 && (db_room_get(app->db, room_id, &room) != 1 ||
	    room.site_id != site.id))) {
		http_error(app, rs, 400, "That suggestion cannot be booked. Go "
		    "back to the matches, reload them and choose again.");
		goto out;
	}
	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: check the booking" : "Check the booking");
	tmpl_data_setf(d, "referral_id", "%lld", (long long)ref->r.id);
	tmpl_data_setf(d, "client", "%s %s", ref->r.given_name,
	    ref->r.family_name);
	tmpl_data_set(d, "ref", ref->r.ref);
	tmpl_data_set(d, "therapist", t.name);
	tmpl_data_set(d, "site", site.name);
	tmpl_data_set(d, "room", room_id > 0 ? room.name : "None (online)");
	tmpl_data_set(d, "weekday", slot_day_labels[v[BK_DAY].num]);
	rf_time_format((int)v[BK_START].num, a);
	rf_time_format((int)(v[BK_START].num + v[BK_LENGTH].num), z);
	tmpl_data_setf(d, "time", "%s to %s (%lld minutes)", a, z,
	    (long long)v[BK_LENGTH].num);
	for (k = 0; k < BK_FIRST; k++)
		tmpl_data_set(d, bk_fields[k].name, v[k].text);
	/* The first date: as typed, else the next such day from tomorrow. */
	fd = form_get(f, "first_date");
	if (fd == NULL || *fd == '\0') {
		(void)ical_utc_to_local(app->tz, time(NULL), today, NULL, NULL);
		for (k = 1; k <= 7; k++)
			if ((wd = bk_date_add(today, k, first)) ==
			    (int)v[BK_DAY].num)
				break;
		fd = first;
	}
	tmpl_data_set(d, "first_date", fd);
	cnt = form_get(f, "count");
	count = db_setting_int(app->db, "series_sessions",
	    BOOK_SESSIONS_DEFAULT);
	if (cnt != NULL && *cnt != '\0')
		tmpl_data_set(d, "count", cnt);
	else
		tmpl_data_setf(d, "count", "%ld", count);
	tmpl_data_setf(d, "usual", "%ld", count);
	if (cnt == NULL || *cnt == '\0' || (count = strtol(cnt, NULL, 10)) < 1 ||
	    count > SCHED_SERIES_COUNT_MAX)
		count = cnt == NULL || *cnt == '\0' ? count : 0;
	if (count > 0 && bk_date_add(fd, (int)(count - 1) * 7, last) >= 0) {
		(void)calendar_date_text(fd, CALENDAR_LONG, words,
		    sizeof(words));
		tmpl_data_set(d, "first_words", words);
		(void)calendar_date_text(last, CALENDAR_LONG, words,
		    sizeof(words));
		tmpl_data_set(d, "last_words", words);
	}
	/* At a site with terms: term time only (issue 20). */
	page_terms_plan(app, d, site.id, fd, (int)count);
	tmpl_data_setf(d, "count_max", "%d", SCHED_SERIES_COUNT_MAX);
	if (errs != NULL && errs->n > 0)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "book.html", d);
out:
	tmpl_data_free(d);
	db_referral_rec_free(ref);
	valid_values_free(v, BK_FIRST);
}

void
page_book_get(struct app *app, struct req *rq, struct resp *rs)
{
	bk_show(app, rq, rs, &rq->q, 200, NULL);
}

void
page_book_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct valid_value v[BK__MAX];
	struct valid_errors errs;
	struct core_ctx c;
	struct core_assign a;
	struct core_booking b;
	char why[CORE_WHY_LEN], detail[200], hhmm[6], loc[64], same[11];
	int64_t client_id, series_id, room_id = 0;
	enum db_result res;
	int k, wd;

	memset(&errs, 0, sizeof(errs));
	(void)valid_form_check(&rq->f, bk_fields, BK__MAX, v, &errs);
	for (k = 0; k < BK_FIRST; k++)
		if (v[k].bad) {
			http_error(app, rs, 400, "That suggestion cannot be "
			    "booked. Go back to the matches, reload them and "
			    "choose again.");
			goto out;
		}
	if (!v[BK_FIRST].bad && ((wd = bk_date_add(v[BK_FIRST].text, 0,
	    same)) != (int)v[BK_DAY].num))
		valid_error_add(&errs, "first_date", "Choose a first date on a "
		    "weekday the suggestion is for");
	if (errs.n > 0) {
		bk_show(app, rq, rs, &rq->f, 422, &errs);
		goto out;
	}
	if (*v[BK_ROOM].text != '\0' && strcmp(v[BK_ROOM].text, "0") != 0)
		(void)valid_id(v[BK_ROOM].text, &room_id);
	memset(&a, 0, sizeof(a));
	a.referral_id = rq->id[0];
	k = db_name_index(status_names, STATUS__MAX, v[BK_FROM].text);
	a.from = k < 0 ? ST_WAITLISTED : (enum status)k;
	a.therapist_id = v[BK_THERAPIST].num;
	rf_time_format((int)v[BK_START].num, hhmm);
	snprintf(detail, sizeof(detail), "booked from %s, %ss at %s",
	    v[BK_FIRST].text, slot_day_labels[v[BK_DAY].num], hhmm);
	a.detail = detail;
	memset(&b, 0, sizeof(b));
	b.therapist_id = v[BK_THERAPIST].num;
	b.site_id = v[BK_SITE].num;
	b.room_id = room_id;
	b.first_date = v[BK_FIRST].text;
	b.start_local = hhmm;
	b.length_min = (int)v[BK_LENGTH].num;
	b.count = (int)v[BK_COUNT].num;
	app_core_ctx(app, rq, &c);
	res = core_assign_book(&c, &a, &b, &client_id, &series_id, why,
	    sizeof(why));
	if (res != DB_OK) {
		valid_error_add(&errs, "first_date", why);
		bk_show(app, rq, rs, &rq->f, res == DB_CONFLICT ? 409 :
		    res == DB_INVALID ? 422 : 503, &errs);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/series/%lld?done=booked",
	    (long long)series_id);
	http_redirect(rs, loc);
out:
	valid_values_free(v, BK__MAX);
}

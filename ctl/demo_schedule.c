/*
 * Demo session series: one weekly series for each client on a caseload,
 * in a time the therapist works at a site with a free room, started three
 * weeks ago so that there is attendance to record; one session cancelled
 * and one moved, so that the calendar feeds show both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/booking.h"
#include "ctl/demo.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/schedule.h"

#define DEMO_TZ		"Europe/London"
#define DEMO_DOMAIN	"tutti.localhost"

struct slot {
	int64_t	 client_id;
	int64_t	 therapist_id;
	int64_t	 site_id;
	int64_t	 room_id;
	int	 day;
	int	 start_min;
	int	 end_min;
};

/* The local date of the weekday day (0 Monday) weeks_ago weeks back. */
static void
date_for(int day, int weeks_ago, char out[11])
{
	time_t now = time(NULL), t;
	char today[11];
	int wd;

	(void)ical_utc_to_local(DEMO_TZ, now, today, NULL, &wd);
	t = now + (time_t)(day - wd) * 86400 - (time_t)weeks_ago * 7 * 86400;
	(void)ical_utc_to_local(DEMO_TZ, t, out, NULL, NULL);
}

/* Tries to book one series for s at each hour its availability allows. */
static int64_t
book(struct db *db, const struct slot *s)
{
	struct db_series_new n;
	struct ical_series_rule r;
	struct db_occ *occ;
	size_t nocc;
	char first[11], hhmm[16], uid[80], clash[512];
	time_t horizon = time(NULL) + 365 * 86400;
	int64_t id = 0;
	int m;

	date_for(s->day, 3, first);
	for (m = s->start_min; m + 45 <= s->end_min; m += 60) {
		snprintf(hhmm, sizeof(hhmm), "%02d:%02d", m / 60, m % 60);
		memset(&r, 0, sizeof(r));
		r.tz = DEMO_TZ;
		r.first_date = first;
		r.start_local = hhmm;
		r.length_min = 45;
		r.count = 12;
		if (core_booking_occurrences(DEMO_TZ, &r, horizon, &occ, &nocc) != 0)
			continue;
		memset(&n, 0, sizeof(n));
		n.therapist_id = s->therapist_id;
		n.client_id = s->client_id;
		n.site_id = s->site_id;
		n.room_id = s->room_id;
		n.tz = DEMO_TZ;
		n.first_date = first;
		n.start_local = hhmm;
		n.length_min = 45;
		n.count = 12;
		core_booking_uid(DEMO_DOMAIN, uid, sizeof(uid));
		if (db_series_book(db, &n, occ, nocc, uid, DEMO_DOMAIN, &id,
		    clash, sizeof(clash)) != DB_OK)
			id = 0;
		free(occ);
		if (id > 0)
			return id;
	}
	return 0;
}

int
demo_schedule(struct db *db)
{
	/* Each open client, with a time and room their therapist can use. */
	static const char sql[] = "SELECT c.id, c.therapist_id, a.site_id, "
	    "(SELECT r.id FROM rooms r WHERE r.site_id = a.site_id AND "
	    "r.active = 1 ORDER BY r.capacity, r.id LIMIT 1), a.day, "
	    "a.start_min, a.end_min FROM clients c "
	    "JOIN therapist_availability a ON a.therapist_id = c.therapist_id "
	    "WHERE c.ended_at IS NULL ORDER BY c.id, a.id";
	struct slot v[64];
	sqlite3_stmt *st;
	size_t n = 0, i;
	int64_t done[64], first = 0, second = 0, id;
	size_t ndone = 0, j;
	char date[11];
	int rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64) {
		v[n].client_id = sqlite3_column_int64(st, 0);
		v[n].therapist_id = sqlite3_column_int64(st, 1);
		v[n].site_id = sqlite3_column_int64(st, 2);
		v[n].room_id = sqlite3_column_int64(st, 3);
		v[n].day = sqlite3_column_int(st, 4);
		v[n].start_min = sqlite3_column_int(st, 5);
		v[n].end_min = sqlite3_column_int(st, 6);
		n++;
	}
	db_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ndone; j++)
			if (done[j] == v[i].client_id)
				break;
		if (j < ndone)
			continue;
		if ((id = book(db, &v[i])) <= 0)
			continue;
		done[ndone++] = v[i].client_id;
		if (first == 0)
			first = id;
		else if (second == 0)
			second = id;
	}
	/* Next week's session of the first series is cancelled... */
	if (first > 0) {
		struct db_series s;

		if (db_series_get(db, first, &s) == 1) {
			time_t t;
			int wd;

			if (ical_local_to_utc(s.tz, s.first_date, s.start_local,
			    &t) == 0 && ical_utc_to_local(s.tz, t, NULL, NULL,
			    &wd) == 0) {
				date_for(wd, -1, date);
				(void)db_occ_cancel(db, first, date,
				    CANCEL_BY_CLIENT, "Hospital appointment",
				    0, "", 0, DEMO_DOMAIN);
			}
		}
	}
	/* ...and the second's is an hour later the week after. */
	if (second > 0) {
		struct db_series s;
		struct db_occ to;
		char clash[512], later[32];
		time_t t;
		int wd, hh, mm;

		if (db_series_get(db, second, &s) == 1 &&
		    ical_local_to_utc(s.tz, s.first_date, s.start_local, &t) ==
		    0 && ical_utc_to_local(s.tz, t, NULL, NULL, &wd) == 0 &&
		    sscanf(s.start_local, "%d:%d", &hh, &mm) == 2) {
			date_for(wd, -2, date);
			snprintf(later, sizeof(later), "%02d:%02d", hh - 1 < 0 ?
			    0 : hh - 1, mm);
			if (core_booking_occ_at(s.tz, date, later, s.length_min,
			    &to) == 0)
				(void)db_occ_move(db, second, date, &to, 0,
				    "Room needed for an assessment", 0, "", 0,
				    DEMO_DOMAIN, clash, sizeof(clash));
		}
	}
	return 0;
}

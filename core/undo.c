/*
 * undo: taking back a booking or a move (see undo.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/booking.h"
#include "core/core.h"
#include "core/undo.h"
#include "db/schedule.h"
#include "db/undo.h"
#include "ical/ical.h"

void
core_undo_why_not(const struct core_ctx *c, const struct db_undo *u,
    time_t now, char *why, size_t whylen)
{
	const char *what = strcmp(u->kind, "move") == 0 ? "move" : "booking";
	const char *instead = strcmp(u->kind, "move") == 0 ? "Move the "
	    "session again instead; the client will be told the new time." :
	    "Cancel the sessions or end the series instead; the client will "
	    "be told.";
	char hhmm[6];

	if (whylen == 0)
		return;
	why[0] = '\0';
	if (u->sent)
		(void)snprintf(why, whylen, "An email about this %s has gone "
		    "already, so it cannot be undone: what is sent cannot be "
		    "taken back. %s", what, instead);
	else if (now > (time_t)u->until_utc) {
		if (ical_utc_to_local(core_tz(c), (time_t)u->until_utc, NULL,
		    hhmm, NULL) == -1)
			(void)snprintf(hhmm, sizeof(hhmm), "--:--");
		(void)snprintf(why, whylen, "It is too late to undo this %s: "
		    "the time to undo it ended at %s, and its emails go now. "
		    "%s", what, hhmm, instead);
	}
}

/* The old time of moved session u as an occurrence in the series' zone. */
static int
undo_back(const struct core_ctx *c, const struct db_undo *u,
    struct db_occ *back)
{
	struct db_series s;
	char date[11], hhmm[6];

	if (db_series_get(c->db, u->series_id, &s) != 1 ||
	    ical_utc_to_local(s.tz, (time_t)u->old_start_utc, date, hhmm,
	    NULL) == -1)
		return -1;
	return core_booking_occ_at(s.tz, date, hhmm,
	    (int)((u->old_end_utc - u->old_start_utc) / 60), back);
}

enum db_result
core_change_undo(const struct core_ctx *c, int64_t series_id,
    int64_t undo_id, struct db_undo *u, char *why, size_t whylen)
{
	struct db_occ back;
	enum db_undo_result res;
	time_t now = core_now(c);
	int rc;

	memset(u, 0, sizeof(*u));
	if (whylen > 0)
		why[0] = '\0';
	if ((rc = db_undo_get(c->db, undo_id, u)) == -1)
		goto busy;
	if (rc == 0 || u->series_id != series_id) {
		(void)snprintf(why, whylen, "There is no change to undo here.");
		return DB_INVALID;
	}
	memset(&back, 0, sizeof(back));
	if (strcmp(u->kind, "move") == 0 && u->undone_at == 0 &&
	    undo_back(c, u, &back) == -1)
		goto busy;
	res = db_undo_apply(c->db, undo_id, &back, c->user_id, core_addr(c),
	    (int64_t)now, u, why, whylen);
	switch (res) {
	case DB_UNDO_OK:
		return DB_OK;
	case DB_UNDO_ALREADY:
		return DB_DUPLICATE;
	case DB_UNDO_NONE:
		(void)snprintf(why, whylen, "There is no change to undo here.");
		return DB_INVALID;
	case DB_UNDO_SENT:
	case DB_UNDO_LATE:
		u->sent = res == DB_UNDO_SENT;
		core_undo_why_not(c, u, res == DB_UNDO_LATE ? (time_t)
		    u->until_utc + 1 : now, why, whylen);
		return DB_INVALID;
	case DB_UNDO_CHANGED:
		return DB_INVALID;
	case DB_UNDO_CLASH:
		return DB_CONFLICT;
	default:
		break;
	}
busy:
	(void)snprintf(why, whylen, "Nothing was undone: the change could not "
	    "be saved just now. Try again in a moment.");
	return DB_BUSY;
}

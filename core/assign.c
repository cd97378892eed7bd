/*
 * assign: a referral onto a caseload (see assign.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/assign.h"
#include "core/booking.h"
#include "core/core.h"
#include "db/records.h"
#include "db/undo.h"

enum db_assign_result
core_referral_assign(const struct core_ctx *c, const struct core_assign *in,
    int64_t *client_id, int *emailed, char *why, size_t whylen)
{
	static const char *const words[] = {
		[DB_ASSIGN_OK] = "",
		[DB_ASSIGN_MOVED] = "Someone else changed this referral's "
		    "status while you were looking, so nothing was assigned. "
		    "The matches below are up to date.",
		[DB_ASSIGN_NOT_OPEN] = "Only a triaged or waitlisted referral "
		    "can be assigned.",
		[DB_ASSIGN_NO_PLACE] = "That therapist has no free place any "
		    "more (or is no longer active), so nothing was assigned. "
		    "Choose another suggestion.",
		[DB_ASSIGN_GONE] = "That referral or therapist no longer "
		    "exists.",
		[DB_ASSIGN_BUSY] = "The assignment could not be saved just "
		    "now. Nothing was changed; try again.",
		[DB_ASSIGN_ERROR] = "The assignment could not be saved just "
		    "now. Nothing was changed; try again.",
	};
	struct db_assign a;
	enum db_assign_result res;

	memset(&a, 0, sizeof(a));
	a.referral_id = in->referral_id;
	a.from = in->from;
	a.therapist_id = in->therapist_id;
	a.detail = in->detail != NULL ? in->detail : "";
	a.user_id = c->user_id;
	a.addr = c->addr != NULL ? c->addr : "";
	a.msgid_domain = c->msgid_domain != NULL ? c->msgid_domain :
	    "tutti.localhost";
	*client_id = 0;
	*emailed = 0;
	res = db_client_assign(c->db, &a, client_id, emailed);
	if ((size_t)res >= sizeof(words) / sizeof(words[0]))
		res = DB_ASSIGN_ERROR;
	if (why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", words[res]);
	return res;
}

enum db_result
core_assign_book(const struct core_ctx *c, const struct core_assign *in,
    struct core_booking *b, int64_t *client_id, int64_t *series_id,
    char *why, size_t whylen)
{
	enum db_assign_result ar;
	enum db_result res;
	int emailed;

	*client_id = *series_id = 0;
	if (db_begin(c->db) == -1) {
		(void)snprintf(why, whylen, "Nothing was booked: the schedule "
		    "is busy. Try again in a moment.");
		return DB_BUSY;
	}
	ar = core_referral_assign(c, in, client_id, &emailed, why, whylen);
	if (ar != DB_ASSIGN_OK) {
		db_rollback(c->db);
		*client_id = 0;
		return ar == DB_ASSIGN_MOVED || ar == DB_ASSIGN_NO_PLACE ?
		    DB_CONFLICT : ar == DB_ASSIGN_NOT_OPEN ||
		    ar == DB_ASSIGN_GONE ? DB_INVALID : DB_ERROR;
	}
	b->client_id = *client_id;
	b->group_id = 0;
	if ((res = core_series_book(c, b, series_id, why, whylen)) != DB_OK) {
		db_rollback(c->db);
		*client_id = *series_id = 0;
		return res;
	}
	/* Undo (core/undo.h) takes the assignment back with the booking. */
	if (db_undo_assign_note(c->db, *series_id, status_names[in->from],
	    *client_id) == -1) {
		db_rollback(c->db);
		*client_id = *series_id = 0;
		(void)snprintf(why, whylen, "Nothing was booked: it could not "
		    "be saved. Try again.");
		return DB_ERROR;
	}
	if (db_commit(c->db) == -1) {
		*client_id = *series_id = 0;
		(void)snprintf(why, whylen, "Nothing was booked: it could not "
		    "be saved. Try again.");
		return DB_ERROR;
	}
	return DB_OK;
}

/*
 * page_privacy: a client's data, handed over from the web (admins).
 *
 *   GET /export/ID   everything held about the client whose referral is
 *                    ID, as the JSON `tuttictl export-client ID` writes
 *                    (db_privacy_export), downloaded as a file; the
 *                    download is written to the audit log
 *
 * Erasing stays on the command line (tuttictl erase-client), where it
 * can compact the database file afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/app.h"
#include "db/db.h"
#include "db/privacy.h"
#include "db/staff.h"

void
page_export(struct app *app, struct req *rq, struct resp *rs)
{
	char disp[96];
	long long id = rq->id[0];
	int rc;

	buf_reset(&rs->body);
	if ((rc = db_privacy_export(app->db, id, &rs->body)) != 1) {
		buf_reset(&rs->body);
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "There is no such client." : "The export cannot be made "
		    "just now. Try again in a minute.");
		return;
	}
	(void)db_audit(app->db, rq->user->id, rq->remote_addr, "export", id,
	    0, "downloaded everything held about the client (JSON)");
	rs->status = 200;
	rs->content_type = "application/json; charset=utf-8";
	snprintf(disp, sizeof(disp), "attachment; filename=\"tutti-client-"
	    "%lld.json\"", id);
	http_header(rs, "Content-Disposition", disp);
}

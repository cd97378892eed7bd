/*
 * page_me: a member of staff's own page.
 *
 *   GET /me   who is signed in, and what waits for them: for
 *             coordinators the referrals waiting in each state, for
 *             therapists their caseload
 */
#include "cgi/app.h"
#include "cgi/auth.h"
#include "db/db.h"
#include "templates/tmpl.h"

void
page_me(struct app *app, struct req *rq, struct resp *rs)
{
	struct tmpl_data *d, *e;
	int64_t counts[STATUS__MAX];
	int s;

	if (!app_get_only(app, rq, rs))
		return;
	d = app_staff_data(app, rq, "My page");
	tmpl_data_set(d, "email", rq->user->email);
	if (auth_can(rq->user->role, ACT_QUEUE) &&
	    db_status_counts(app->db, counts) == 0) {
		tmpl_data_bool(d, "coordinator", 1);
		for (s = 0; s < STATUS__MAX; s++) {
			if (!db_status_open((enum status)s))
				continue;
			e = tmpl_data_push(d, "waiting");
			tmpl_data_set(e, "status", status_names[s]);
			tmpl_data_set(e, "label", status_labels[s]);
			tmpl_data_setf(e, "count", "%lld", (long long)counts[s]);
		}
	}
	tmpl_data_bool(d, "therapist", rq->user->role == ROLE_THERAPIST);
	app_render(app, rs, 200, "me.html", d);
	tmpl_data_free(d);
}

/*
 * page_groups: named groups (a choir, a band, a dementia group at a care
 * home) with a therapist, a site, a capacity and members.
 *
 *   GET  /groups   every group with its members, and forms
 *   POST /groups   action=add (name, therapist, site, capacity) or
 *                  action=join (group, client); a group's sessions are
 *                  booked at /series/new?group=ID
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/schedule.h"
#include "templates/tmpl.h"

struct groups_view {
	struct app		*app;
	struct tmpl_data	*d;
};

static void
add_member(void *arg, int64_t id, const char *name, const char *ref)
{
	struct tmpl_data *e = tmpl_data_push(arg, "members");

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "name", name);
	tmpl_data_set(e, "ref", ref);
}

static void
add_group(void *arg, int64_t id, const char *name, const char *therapist,
    const char *site, int capacity, int members)
{
	struct groups_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "groups");

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "name", name);
	tmpl_data_set(e, "therapist", therapist);
	tmpl_data_set(e, "site", site);
	tmpl_data_setf(e, "capacity", "%d", capacity);
	tmpl_data_setf(e, "count", "%d", members);
	tmpl_data_bool(e, "full", members >= capacity);
	(void)db_group_members(v->app->db, id, add_member, e);
}

static void
add_option(void *arg, int64_t id, const char *label)
{
	struct tmpl_data **dk = arg;
	struct tmpl_data *e = tmpl_data_push(dk[0], (const char *)dk[1]);

	tmpl_data_setf(e, "id", "%lld", (long long)id);
	tmpl_data_set(e, "label", label);
}

static void
show(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *error)
{
	struct groups_view v;
	struct tmpl_data *d = app_staff_data(app, rq, error != NULL ?
	    "Error: groups" : "Groups");
	struct tmpl_data *dk[2];
	const char *done = form_get(&rq->q, "done");

	v.app = app;
	v.d = d;
	(void)db_group_each(app->db, add_group, &v);
	dk[0] = d;
	dk[1] = (struct tmpl_data *)"therapists";
	(void)db_choices(app->db, CHOICE_THERAPISTS, add_option, dk);
	dk[1] = (struct tmpl_data *)"sites";
	(void)db_choices(app->db, CHOICE_SITES, add_option, dk);
	dk[1] = (struct tmpl_data *)"clients";
	(void)db_choices(app->db, CHOICE_CLIENTS, add_option, dk);
	tmpl_data_set(d, "error", error);
	tmpl_data_set(d, "v_name", form_get(&rq->f, "name"));
	if (done != NULL)
		tmpl_data_set(d, "notice", strcmp(done, "added") == 0 ?
		    "The group was added." : "The client joined the group.");
	app_render(app, rs, status, "groups.html", d);
	tmpl_data_free(d);
}

static int64_t
num(const struct form *f, const char *key)
{
	int64_t id;

	return valid_id(form_get(f, key), &id) == 0 ? id : 0;
}

void
page_groups(struct app *app, struct req *rq, struct resp *rs)
{
	const char *action = form_get(&rq->f, "action");
	const char *name = form_get(&rq->f, "name");
	int64_t cap;

	if (strcmp(rq->method, "POST") != 0) {
		if (app_get_only(app, rq, rs))
			show(app, rq, rs, 200, NULL);
		return;
	}
	if (action != NULL && strcmp(action, "add") == 0) {
		cap = num(&rq->f, "capacity");
		if (name == NULL || *name == '\0' || strlen(name) > 100 ||
		    !valid_utf8_text(name, strlen(name))) {
			show(app, rq, rs, 422, "Give the group a name of up to "
			    "100 characters.");
			return;
		}
		if (cap < 2 || cap > 40) {
			show(app, rq, rs, 422, "A group has room for 2 to 40 "
			    "people.");
			return;
		}
		if (db_group_add(app->db, name, num(&rq->f, "therapist"),
		    num(&rq->f, "site"), (int)cap, rq->user->id) <= 0) {
			show(app, rq, rs, 422, "Choose the group's therapist "
			    "and site.");
			return;
		}
		http_redirect(rs, "/groups?done=added");
		return;
	}
	if (action != NULL && strcmp(action, "join") == 0) {
		switch (db_group_join(app->db, num(&rq->f, "group"),
		    num(&rq->f, "client"), rq->user->id)) {
		case DB_OK:
			http_redirect(rs, "/groups?done=joined");
			return;
		case DB_INVALID:
			show(app, rq, rs, 422, "That client cannot join: the "
			    "group is full, they are in it already, or they "
			    "are not on a caseload.");
			return;
		default:
			show(app, rq, rs, 503, "The change could not be saved "
			    "now.");
			return;
		}
	}
	http_error(app, rs, 400, "That is not something this page can do.");
}

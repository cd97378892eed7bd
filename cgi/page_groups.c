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
#include "sched/sched.h"
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

/* The "start a group" form's fields. */
enum group_field { G_NAME, G_THERAPIST, G_SITE, G_CAPACITY, G__MAX };
static const struct valid_field group_fields[G__MAX] = {
	{ "name", VALID_LINE, 1, 0, 100, NULL, "g-name", "Name",
	    "Give the group a name" },
	{ "therapist", VALID_ID, 1, 0, 0, NULL, "g-therapist", "Therapist",
	    "Choose the group's therapist" },
	{ "site", VALID_ID, 1, 0, 0, NULL, "g-site", "Site",
	    "Choose the group's site" },
	{ "capacity", VALID_INT, 1, SCHED_GROUP_SIZE_MIN, SCHED_GROUP_SIZE_MAX,
	    NULL, "g-capacity", "Places", NULL },
};

/*
 * The groups page; errs (NULL: none) go in the error summary and by
 * their fields, keyed by the fields' ids (e_g_name).
 */
static void
show(struct app *app, struct req *rq, struct resp *rs, int status,
    struct valid_errors *errs)
{
	struct groups_view v;
	struct tmpl_data *d = app_staff_data(app, rq, errs != NULL &&
	    errs->n > 0 ? "Error: groups" : "Groups");
	struct tmpl_data *dk[2];
	const char *done = form_get(&rq->q, "done");
	size_t i;

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
	if (errs != NULL) {
		for (i = 0; i < errs->n; i++) {
			snprintf(errs->e[i].key, sizeof(errs->e[i].key), "%s",
			    errs->e[i].anchor);
			if (errs->e[i].key[1] == '-')
				errs->e[i].key[1] = '_';
		}
		valid_errors_tmpl(d, errs);
	}
	tmpl_data_set(d, "v_name", form_get(&rq->f, "name"));
	if (form_get(&rq->f, "capacity") != NULL)
		tmpl_data_set(d, "v_capacity", form_get(&rq->f, "capacity"));
	else
		tmpl_data_set(d, "v_capacity", "8");
	tmpl_data_setf(d, "size_min", "%d", SCHED_GROUP_SIZE_MIN);
	tmpl_data_setf(d, "size_max", "%d", SCHED_GROUP_SIZE_MAX);
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

/* The page with one problem, linked to the control anchor. */
static void
fail(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *anchor, const char *msg)
{
	struct valid_errors errs;

	memset(&errs, 0, sizeof(errs));
	valid_error_add(&errs, anchor, msg);
	show(app, rq, rs, status, &errs);
}

void
page_groups_get(struct app *app, struct req *rq, struct resp *rs)
{
	show(app, rq, rs, 200, NULL);
}

void
page_groups_post(struct app *app, struct req *rq, struct resp *rs)
{
	const char *action = form_get(&rq->f, "action");
	struct valid_value v[G__MAX];
	struct valid_errors errs;

	if (action != NULL && strcmp(action, "add") == 0) {
		memset(&errs, 0, sizeof(errs));
		if (valid_form_check(&rq->f, group_fields, G__MAX, v,
		    &errs) > 0)
			show(app, rq, rs, 422, &errs);
		else if (db_group_add(app->db, v[G_NAME].text,
		    v[G_THERAPIST].num, v[G_SITE].num, (int)v[G_CAPACITY].num,
		    rq->user->id) <= 0)
			fail(app, rq, rs, 422, "g-therapist", "Choose the "
			    "group's therapist and site from the lists");
		else
			http_redirect(rs, "/groups?done=added");
		valid_values_free(v, G__MAX);
		return;
	}
	if (action != NULL && strcmp(action, "join") == 0) {
		switch (db_group_join(app->db, num(&rq->f, "group"),
		    num(&rq->f, "client"), rq->user->id)) {
		case DB_OK:
			http_redirect(rs, "/groups?done=joined");
			return;
		case DB_INVALID:
			fail(app, rq, rs, 422, "main", "That client cannot "
			    "join: the group is full, they are in it already, "
			    "or they are not on a caseload.");
			return;
		default:
			fail(app, rq, rs, 503, "main", "The change could not "
			    "be saved now.");
			return;
		}
	}
	http_error(app, rs, 400, "That is not something this page can do.");
}

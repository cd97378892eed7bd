/*
 * page_leave: what leave or a closure hits, and one confirmation for all
 * of it (issue 17).
 *
 *   GET  /therapists/ID/leave   the sessions still to come that the
 *                               therapist's leave falls on, each with
 *                               ready choices; ?done=added after leave
 *                               was added
 *   POST /therapists/ID/leave   s= (repeated, "SERIES:DATE"), and for
 *                               each do-SERIES-DATE= cancel|move|cover|
 *                               later, move-SERIES-DATE= "DATE HH:MM",
 *                               cover-SERIES-DATE= therapist id; reason=
 *   GET|POST /sites/ID/closures the same for a site's closures;
 *                               GET ?report=ID shows a partner's waiting
 *                               closure report with the sessions it
 *                               would hit, to enter as a closure
 *
 * Every choice is applied in one transaction (core_leave_apply) or none
 * is: a clash, or a session someone changed meanwhile, is named and the
 * choices are shown again as they were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/valid.h"
#include "core/core.h"
#include "core/leave.h"
#include "db/db.h"
#include "db/records.h"
#include "ical/ical.h"
#include "templates/tmpl.h"
#include "util/calendar.h"

#define LEAVE_REASON_MAX	200

/* The form's own field; the choices for each session are leave_choices'. */
static const struct valid_field reason_fields[] = {
	{ "reason", VALID_LINE, 1, 0, LEAVE_REASON_MAX, NULL, NULL, "Reason",
	    "Give a reason of up to 200 characters, on one line (clients are "
	    "not shown it)." },
};

static const char *const leave_do_names[] = { "later", "cancel", "move",
	"cover" };

/* Whose hits: a therapist's leave or a site's closures. */
struct leave_owner {
	int64_t		 therapist_id;
	int64_t		 site_id;
	char		 name[128];
	char		 path[64];	/* this page */
	char		 back[64];	/* the owner's page */
};

static void
leave_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct leave_owner *w, const struct valid_errors *errs)
{
	const struct form *f = &rq->f;
	const char *done = form_get(&rq->q, "done");
	struct core_ctx c;
	struct core_hit *hits = NULL;
	struct tmpl_data *d, *e, *o;
	char key[64], words[48], hhmm[6], field[80], val[32];
	const char *sent, *chosen;
	size_t n = 0, i, k;
	int64_t rid;

	app_core_ctx(app, rq, &c);
	if (core_hits_load(&c, w->therapist_id, w->site_id, &hits, &n) == -1) {
		http_error(app, rs, 503, "The sessions cannot be shown just "
		    "now. Try again in a minute.");
		return;
	}
	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: sessions to rearrange" : "Sessions to rearrange");
	tmpl_data_set(d, "name", w->name);
	tmpl_data_set(d, "path", w->path);
	tmpl_data_set(d, "back", w->back);
	tmpl_data_bool(d, "is_leave", w->therapist_id > 0);
	tmpl_data_bool(d, "is_closure", w->site_id > 0);
	tmpl_data_bool(d, "added", done != NULL && strcmp(done, "added") == 0);
	tmpl_data_bool(d, "applied", done != NULL &&
	    strcmp(done, "applied") == 0);
	tmpl_data_setf(d, "grace_min", "%d", (app->grace_s + 59) / 60);
	/* ?report=ID: a partner's closure report, to enter prefilled. */
	if (w->site_id > 0 && valid_id(form_get(&rq->q, "report"), &rid) == 0
	    && page_closure_report_push(app, d, rid, w->site_id) != 1)
		tmpl_data_bool(d, "report_gone", 1);
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	sent = form_get(f, "reason");
	tmpl_data_set(d, "reason", sent != NULL ? sent : w->therapist_id > 0 ?
	    "The therapist is not available" : "The site is closed");
	tmpl_data_setf(d, "count", "%zu", n);
	tmpl_data_bool(d, "one", n == 1);
	tmpl_data_bool(d, "none", n == 0);
	for (i = 0; i < n; i++) {
		const struct db_week_occ *x = &hits[i].occ;

		e = tmpl_data_push(d, "hits");
		snprintf(key, sizeof(key), "%lld-%s", (long long)x->series_id,
		    x->date);
		tmpl_data_set(e, "key", key);
		tmpl_data_setf(e, "s", "%lld:%s", (long long)x->series_id,
		    x->date);
		tmpl_data_setf(e, "series", "%lld", (long long)x->series_id);
		(void)ical_utc_to_local(app->tz, (time_t)x->start_utc, NULL,
		    hhmm, NULL);
		(void)calendar_date_text(x->date, CALENDAR_DAY, words,
		    sizeof(words));
		tmpl_data_setf(e, "when", "%s at %s", words, hhmm);
		if (x->group_id > 0)
			tmpl_data_setf(e, "who", "%s (group of %d)", x->group,
			    x->members);
		else
			tmpl_data_setf(e, "who", "%s %s", x->initials,
			    x->client_ref);
		tmpl_data_setf(e, "where", "%s, %s", x->site,
		    *x->room != '\0' ? x->room : "online");
		snprintf(field, sizeof(field), "do-%s", key);
		chosen = form_get(f, field);
		if (chosen == NULL)
			chosen = "cancel";
		for (k = 0; k < 4; k++) {
			snprintf(field, sizeof(field), "do_%s",
			    leave_do_names[k]);
			tmpl_data_bool(e, field, strcmp(chosen,
			    leave_do_names[k]) == 0);
		}
		snprintf(field, sizeof(field), "move-%s", key);
		sent = form_get(f, field);
		tmpl_data_bool(e, "can_move", hits[i].nfree > 0);
		for (k = 0; k < hits[i].nfree; k++) {
			o = tmpl_data_push(e, "free");
			snprintf(val, sizeof(val), "%s %s", hits[i].free[k].date,
			    hits[i].free[k].hhmm);
			tmpl_data_set(o, "value", val);
			(void)calendar_date_text(hits[i].free[k].date,
			    CALENDAR_DAY, words,
			    sizeof(words));
			tmpl_data_setf(o, "label", "%s at %s", words,
			    hits[i].free[k].hhmm);
			tmpl_data_bool(o, "selected", sent != NULL &&
			    strcmp(sent, val) == 0);
		}
		snprintf(field, sizeof(field), "cover-%s", key);
		sent = form_get(f, field);
		tmpl_data_bool(e, "can_cover", hits[i].ncover > 0);
		for (k = 0; k < hits[i].ncover; k++) {
			o = tmpl_data_push(e, "cover");
			tmpl_data_setf(o, "value", "%lld",
			    (long long)hits[i].cover[k].id);
			tmpl_data_set(o, "name", hits[i].cover[k].name);
			tmpl_data_set(o, "why", hits[i].cover[k].why);
			snprintf(val, sizeof(val), "%lld",
			    (long long)hits[i].cover[k].id);
			tmpl_data_bool(o, "selected", sent != NULL &&
			    strcmp(sent, val) == 0);
		}
	}
	free(hits);
	app_render(app, rs, status, "leave.html", d);
	tmpl_data_free(d);
}

/* Reads the choices of the form; -1 with problem set on a bad one. */
static int
leave_choices(const struct form *f, struct core_leave_choice *ch,
    char (*move)[32], size_t *n, const char **problem)
{
	const char *s, *v, *colon;
	char key[64], field[80];
	size_t i, count = form_count(f, "s");
	int64_t id;
	int k;

	*n = 0;
	if (count > CORE_HITS_MAX)
		count = CORE_HITS_MAX;
	for (i = 0; i < count; i++) {
		s = form_get_nth(f, "s", i);
		if (s == NULL || (colon = strchr(s, ':')) == NULL ||
		    strlen(colon + 1) != 10)
			continue;
		memset(&ch[*n], 0, sizeof(ch[*n]));
		ch[*n].series_id = strtoll(s, NULL, 10);
		ch[*n].date = colon + 1;
		snprintf(key, sizeof(key), "%lld-%s",
		    (long long)ch[*n].series_id, ch[*n].date);
		snprintf(field, sizeof(field), "do-%s", key);
		v = form_get(f, field);
		k = v != NULL ? db_name_index(leave_do_names, 4, v) : -1;
		if (k < 0) {
			*problem = "Choose what happens to each session.";
			return -1;
		}
		ch[*n].what = (enum core_leave_do)k;
		if (ch[*n].what == CORE_LEAVE_MOVE) {
			snprintf(field, sizeof(field), "move-%s", key);
			v = form_get(f, field);
			if (v == NULL || strlen(v) != 16 || v[10] != ' ') {
				*problem = "Choose a free time for each "
				    "session to move.";
				return -1;
			}
			snprintf(move[*n], 32, "%s", v);
			move[*n][10] = '\0';
			ch[*n].new_date = move[*n];
			ch[*n].new_start = move[*n] + 11;
		} else if (ch[*n].what == CORE_LEAVE_COVER) {
			snprintf(field, sizeof(field), "cover-%s", key);
			if (valid_id(form_get(f, field), &id) == -1) {
				*problem = "Choose a therapist to cover each "
				    "session handed on.";
				return -1;
			}
			ch[*n].cover_id = id;
		}
		(*n)++;
	}
	return 0;
}

/* POST: every choice at once; rec is the leave_owner (app_record). */
static void
leave_apply(struct app *app, struct req *rq, struct resp *rs,
    const void *rec)
{
	const struct leave_owner *w = rec;
	struct core_leave_choice ch[CORE_HITS_MAX];
	char move[CORE_HITS_MAX][32], why[CORE_WHY_LEN], msg[CORE_WHY_LEN + 128];
	char loc[96];
	const char *problem = NULL;
	struct valid_value reason[1];
	struct valid_errors errs;
	struct core_ctx c;
	enum db_result res;
	size_t n, bad;

	memset(&errs, 0, sizeof(errs));
	if (leave_choices(&rq->f, ch, move, &n, &problem) == -1)
		valid_error_add(&errs, "sessions", problem);
	(void)valid_form_check(&rq->f, reason_fields, 1, reason, &errs);
	if (errs.n > 0) {
		leave_show(app, rq, rs, 422, w, &errs);
		goto out;
	}
	app_core_ctx(app, rq, &c);
	res = core_leave_apply(&c, ch, n, reason[0].text, &bad, why,
	    sizeof(why));
	if (res != DB_OK) {
		if (bad < n) {
			char words[48];

			(void)calendar_date_text(ch[bad].date, CALENDAR_DAY,
			    words, sizeof(words));
			snprintf(msg, sizeof(msg), "Nothing was changed. The "
			    "session on %s: %s", words, why);
		} else
			snprintf(msg, sizeof(msg), "%s", why);
		valid_error_add(&errs, "sessions", msg);
		leave_show(app, rq, rs, res == DB_CONFLICT ||
		    res == DB_INVALID ? 409 : 503, w, &errs);
		goto out;
	}
	snprintf(loc, sizeof(loc), "%s?done=applied", w->path);
	http_redirect(rs, loc);
out:
	valid_values_free(reason, 1);
}

/* The therapist rq->id[0] as rec's owner; 0, or -1 having answered. */
static int
leave_therapist(struct app *app, const struct req *rq, struct resp *rs,
    void *rec)
{
	struct leave_owner *w = rec;
	struct db_therapist t;
	int rc;

	if ((rc = db_therapist_get(app->db, rq->id[0], 0, 0, &t)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "There is no such therapist." : "This page cannot be "
		    "shown just now.");
		return -1;
	}
	w->therapist_id = t.id;
	snprintf(w->name, sizeof(w->name), "%s", t.name);
	snprintf(w->path, sizeof(w->path), "/therapists/%lld/leave",
	    (long long)t.id);
	snprintf(w->back, sizeof(w->back), "/therapists/%lld",
	    (long long)t.id);
	return 0;
}

/* The site rq->id[0] as rec's owner; 0, or -1 having answered. */
static int
leave_site(struct app *app, const struct req *rq, struct resp *rs,
    void *rec)
{
	struct leave_owner *w = rec;
	struct db_site_rec s;
	int rc;

	if ((rc = db_site_get(app->db, rq->id[0], &s)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ?
		    "There is no such site." : "This page cannot be shown "
		    "just now.");
		return -1;
	}
	w->site_id = s.id;
	snprintf(w->name, sizeof(w->name), "%s", s.name);
	snprintf(w->path, sizeof(w->path), "/sites/%lld/closures",
	    (long long)s.id);
	snprintf(w->back, sizeof(w->back), "/sites/%lld", (long long)s.id);
	return 0;
}

static void
leave_get(struct app *app, struct req *rq, struct resp *rs, const void *w)
{
	leave_show(app, rq, rs, 200, w, NULL);
}

static const struct app_record leave_page = {
	sizeof(struct leave_owner), leave_therapist, leave_get, leave_apply
};
static const struct app_record closures_page = {
	sizeof(struct leave_owner), leave_site, leave_get, leave_apply
};

void
page_leave_get(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_get(app, rq, rs, &leave_page);
}

void
page_leave_post(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_post(app, rq, rs, &leave_page);
}

void
page_closures_get(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_get(app, rq, rs, &closures_page);
}

void
page_closures_post(struct app *app, struct req *rq, struct resp *rs)
{
	app_record_post(app, rq, rs, &closures_page);
}

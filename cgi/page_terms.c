/*
 * page_terms: term dates (issue 20) on the pages that show a series.
 *
 * The booking page says what a series at a site with terms will be
 * ("12 sessions, term time only, last session Wednesday 25 March 2027")
 * and the series page names the holiday weeks it skips.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/page_terms.h"
#include "cgi/valid.h"
#include "core/terms.h"
#include "db/records.h"
#include "db/schedule.h"
#include "db/terms.h"
#include "ical/ical.h"
#include "templates/tmpl.h"

#define TERM_WORDS	160	/* "12 sessions, term time only, ..." */

/* Sets term_words, and last_words to the last term-time session. */
void
page_terms_plan(struct app *app, struct tmpl_data *d, int64_t site_id,
    const char *first_date, int count)
{
	struct core_term_plan p;
	char words[TERM_WORDS], last[48];

	if (core_term_plan(app->db, site_id, first_date, count, NULL, &p) ==
	    -1)
		return;
	if (p.has_terms && p.d.ndates > 0) {
		core_term_words(&p, words, sizeof(words));
		if (count > 0 && p.d.ndates < (size_t)count)
			tmpl_data_setf(d, "term_short", "Only %zu of the %d "
			    "sessions fit in the terms entered for this site. "
			    "Add the next terms on the site's page, or book "
			    "fewer sessions.", p.d.ndates, count);
		tmpl_data_set(d, "term_words", words);
		core_date_words(p.d.dates[p.d.ndates - 1], last, sizeof(last));
		tmpl_data_set(d, "last_words", last);
		core_date_words(p.d.dates[0], last, sizeof(last));
		tmpl_data_set(d, "first_words", last);
	} else if (p.has_terms)
		tmpl_data_set(d, "term_short", "This site's terms end before "
		    "that date. Add the next terms on the site's page.");
	core_term_plan_free(&p);
}

/* db_series_skips_each's callback: one holiday week in words. */
static void
skip_push(void *arg, const char *date)
{
	struct tmpl_data *e = tmpl_data_push(arg, "holidays");
	char words[48];

	core_date_words(date, words, sizeof(words));
	tmpl_data_set(e, "day", words);
}

/* Sets term_time, term_words and the holidays list of series s. */
void
page_terms_series(struct app *app, struct tmpl_data *d,
    const struct db_series *s)
{
	int64_t last_utc;
	char day[11], words[48];
	int n;

	if (!s->term_time)
		return;
	tmpl_data_bool(d, "term_time", 1);
	if (db_series_span(app->db, s->id, &n, &last_utc) == 0 && n > 0 &&
	    ical_utc_to_local(s->tz, (time_t)last_utc, day, NULL, NULL) == 0) {
		core_date_words(day, words, sizeof(words));
		tmpl_data_setf(d, "term_words", "%d session%s, term time only, "
		    "last session %s", n, n == 1 ? "" : "s", words);
	}
	tmpl_data_list(d, "holidays");
	tmpl_data_bool(d, "has_holidays", db_series_skips_each(app->db, s->id,
	    skip_push, d) > 0);
}

/* ---- the term dates page ---------------------------------------------
 *
 *   GET  /sites/ID/terms   the terms that hold at the site (its own, or
 *                          its organisation's), the booked term-time
 *                          sessions they now put in a holiday, and the
 *                          form to add a term; ?done=added|removed
 *   POST /sites/ID/terms   action=add: school_year=, name=, first_day=,
 *                          last_day=, owner=site|organisation;
 *                          action=remove: term=ID.  303 back here.
 */

#define TERM_HITS_SHOWN	40	/* hit sessions listed on the page */

static const char *const term_owners[] = { "site", "organisation", NULL };

enum term_field {
	TF_YEAR, TF_NAME, TF_FIRST, TF_LAST, TF_OWNER, TF__MAX
};

/* The fields of the add-a-term form. */
static const struct valid_field term_fields[TF__MAX] = {
	{ "school_year", VALID_LINE, 1, 0, DB_TERM_YEAR - 1, NULL, NULL,
	    "School year", "Enter the school year, for example 2026-27" },
	{ "name", VALID_LINE, 1, 0, DB_TERM_NAME - 1, NULL, NULL, "Term",
	    "Enter the term's name, for example Autumn term" },
	{ "first_day", VALID_DATE, 1, 0, 0, NULL, NULL, "First day",
	    "Enter the first day of the term, for example 2026-09-03" },
	{ "last_day", VALID_DATE, 1, 0, 0, NULL, NULL, "Last day",
	    "Enter the last day of the term, for example 2026-10-23" },
	{ "owner", VALID_CHOICE, 0, 0, 0, term_owners, "owner-site",
	    "Whose terms", "Choose whether the term is this site's or the "
	    "organisation's" },
};

/* What the term list needs to build its rows. */
struct term_view {
	struct tmpl_data	*d;
	const struct req	*rq;
	const char		*tz;
	int			 can_edit;
	int64_t			 site_id;
	int			 n;
	int			 own;	/* terms that are the site's own */
};

/* db_site_terms_each's callback: one row of the table. */
static void
term_row(void *arg, const struct db_term *t)
{
	struct term_view *v = arg;
	struct tmpl_data *e = tmpl_data_push(v->d, "terms");
	char words[48];

	tmpl_data_setf(e, "term_id", "%lld", (long long)t->id);
	tmpl_data_set(e, "school_year", t->school_year);
	tmpl_data_set(e, "name", t->name);
	core_date_words(t->first_day, words, sizeof(words));
	tmpl_data_set(e, "first", words);
	core_date_words(t->last_day, words, sizeof(words));
	tmpl_data_set(e, "last", words);
	tmpl_data_set(e, "whose", t->site_id > 0 ? "This site" :
	    "The organisation");
	tmpl_data_setf(e, "site_id", "%lld", (long long)v->site_id);
	tmpl_data_set(e, "csrf", v->rq->user->csrf);
	tmpl_data_bool(e, "can_edit", v->can_edit);
	v->own += t->site_id > 0;
	v->n++;
}

/* db_term_hits_each's callback: one session now in a holiday. */
static void
term_hit_row(void *arg, const struct db_term_hit *h)
{
	struct term_view *v = arg;
	struct tmpl_data *e;
	char day[11], hhmm[6], words[48];

	if (v->n++ >= TERM_HITS_SHOWN)
		return;
	e = tmpl_data_push(v->d, "hits");
	(void)ical_utc_to_local(v->tz, (time_t)h->start_utc, day, hhmm,
	    NULL);
	core_date_words(day, words, sizeof(words));
	tmpl_data_setf(e, "when", "%s at %s", words, hhmm);
	tmpl_data_setf(e, "series_id", "%lld", (long long)h->series_id);
	tmpl_data_set(e, "who", h->who);
	tmpl_data_set(e, "therapist", h->therapist);
}

/* The page, with the add form's problems in errs (NULL: none). */
static void
terms_show(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct valid_errors *errs)
{
	static const char *const done_text[][2] = {
		{ "added", "The term was added." },
		{ "removed", "The term was removed." },
	};
	const char *done = form_get(&rq->q, "done");
	const struct form *f = &rq->f;
	struct db_site_rec site;
	struct term_view v;
	struct tmpl_data *d;
	const char *owner;
	size_t i;
	int rc;

	if ((rc = db_site_get(app->db, rq->id[0], &site)) != 1) {
		http_error(app, rs, rc == 0 ? 404 : 503, rc == 0 ? "There is "
		    "no such site." : "The site cannot be shown just now.");
		return;
	}
	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: term dates" : "Term dates");
	memset(&v, 0, sizeof(v));
	v.d = d;
	v.rq = rq;
	v.site_id = site.id;
	v.tz = app->tz;
	v.can_edit = auth_can(rq->user->role, ACT_RECORDS_EDIT);
	tmpl_data_setf(d, "site_id", "%lld", (long long)site.id);
	tmpl_data_set(d, "site", site.name);
	tmpl_data_set(d, "organisation", site.organisation);
	tmpl_data_bool(d, "has_organisation", site.organisation_id > 0);
	tmpl_data_bool(d, "can_edit", v.can_edit);
	for (i = 0; done != NULL && i < sizeof(done_text) /
	    sizeof(done_text[0]); i++)
		if (strcmp(done, done_text[i][0]) == 0)
			tmpl_data_set(d, "notice", done_text[i][1]);
	tmpl_data_list(d, "terms");
	if (db_site_terms_each(app->db, site.id, term_row, &v) == -1)
		goto fail;
	tmpl_data_bool(d, "has_terms", v.n > 0);
	tmpl_data_bool(d, "terms_own", v.own > 0);
	v.n = 0;
	tmpl_data_list(d, "hits");
	if (db_term_hits_each(app->db, site.id, 0, (int64_t)time(NULL),
	    term_hit_row, &v) == -1)
		goto fail;
	tmpl_data_bool(d, "has_hits", v.n > 0);
	tmpl_data_bool(d, "one_hit", v.n == 1);
	tmpl_data_setf(d, "nhits", "%d", v.n);
	/* The add form's values, kept when something was wrong. */
	for (i = 0; i < TF_OWNER; i++)
		tmpl_data_set(d, term_fields[i].name,
		    form_get(f, term_fields[i].name));
	/* A new term goes where the terms that hold now are, unless the
	 * form said otherwise. */
	owner = form_get(f, "owner");
	tmpl_data_bool(d, "owner_org", owner != NULL ? strcmp(owner,
	    "organisation") == 0 : site.organisation_id > 0 && v.own == 0);
	if (errs != NULL && errs->n > 0)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "terms.html", d);
	tmpl_data_free(d);
	return;
fail:
	tmpl_data_free(d);
	http_error(app, rs, 503, "The term dates cannot be shown just now. "
	    "Try again in a minute.");
}

void
page_terms_get(struct app *app, struct req *rq, struct resp *rs)
{
	terms_show(app, rq, rs, 200, NULL);
}

/* Adds the term the form holds; 303, or the page again with problems. */
static void
terms_add(struct app *app, struct req *rq, struct resp *rs)
{
	struct valid_value v[TF__MAX];
	struct valid_errors errs;
	struct db_site_rec site;
	struct db_term t;
	char loc[64];
	enum db_result res;

	memset(&errs, 0, sizeof(errs));
	memset(&t, 0, sizeof(t));
	(void)valid_form_check(&rq->f, term_fields, TF__MAX, v, &errs);
	if (!v[TF_FIRST].bad && !v[TF_LAST].bad &&
	    strcmp(v[TF_LAST].text, v[TF_FIRST].text) < 0)
		valid_error_add(&errs, "last_day", "The last day must be on or "
		    "after the first day");
	if (db_site_get(app->db, rq->id[0], &site) != 1) {
		http_error(app, rs, 404, "There is no such site.");
		goto out;
	}
	if (!v[TF_OWNER].bad && v[TF_OWNER].num == 1 &&
	    site.organisation_id <= 0)
		valid_error_add_at(&errs, "owner", "owner-site", "This site "
		    "has no organisation: choose this site");
	if (errs.n > 0) {
		terms_show(app, rq, rs, 422, &errs);
		goto out;
	}
	if (v[TF_OWNER].num == 1)
		t.organisation_id = site.organisation_id;
	else
		t.site_id = site.id;
	(void)snprintf(t.school_year, sizeof(t.school_year), "%s",
	    v[TF_YEAR].text);
	(void)snprintf(t.name, sizeof(t.name), "%s", v[TF_NAME].text);
	(void)snprintf(t.first_day, sizeof(t.first_day), "%s",
	    v[TF_FIRST].text);
	(void)snprintf(t.last_day, sizeof(t.last_day), "%s", v[TF_LAST].text);
	res = db_term_insert(app->db, &t, rq->user->id, rq->remote_addr);
	if (res != DB_OK) {
		valid_error_add(&errs, "first_day", res == DB_INVALID ?
		    "That term cannot be added: check its dates" : "The term "
		    "could not be saved just now. Nothing was changed. Try "
		    "again.");
		terms_show(app, rq, rs, res == DB_INVALID ? 422 : 503, &errs);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/sites/%lld/terms?done=added#hits",
	    (long long)site.id);
	http_redirect(rs, loc);
out:
	valid_values_free(v, TF__MAX);
}

void
page_terms_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct db_site_rec site;
	const char *action = form_get(&rq->f, "action");
	char loc[64];
	int64_t term_id;
	enum db_result res;

	if (action != NULL && strcmp(action, "add") == 0) {
		terms_add(app, rq, rs);
		return;
	}
	if (action == NULL || strcmp(action, "remove") != 0 ||
	    valid_id(form_get(&rq->f, "term"), &term_id) == -1 ||
	    db_site_get(app->db, rq->id[0], &site) != 1) {
		http_error(app, rs, 400, "That cannot be done here. Go back to "
		    "the term dates and try again.");
		return;
	}
	res = db_term_delete(app->db, term_id, site.id, site.organisation_id,
	    rq->user->id, rq->remote_addr);
	if (res == DB_INVALID) {
		http_error(app, rs, 404, "That term is not this site's: it may "
		    "have been removed already.");
		return;
	}
	if (res != DB_OK) {
		http_error(app, rs, 503, "The term could not be removed just "
		    "now. Nothing was changed. Try again.");
		return;
	}
	snprintf(loc, sizeof(loc), "/sites/%lld/terms?done=removed#hits",
	    (long long)site.id);
	http_redirect(rs, loc);
}

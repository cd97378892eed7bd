/*
 * page_matches: matching a referral, assigning a therapist, and planning
 * the whole waitlist at once.
 *
 *   GET  /referrals/ID/matches   the ranked suggestions for the referral
 *                                (therapist, site, room, weekly time) with
 *                                their reasons in plain words, and why
 *                                the best-qualified others were left out
 *   POST /referrals/ID/matches   action=assign: from (the state the page
 *                                showed), therapist_id, and the suggestion
 *                                taken: site_id, room_id (0 online), day
 *                                (0 Monday), start_min, length_min; 303 to
 *                                the therapist's page, or the matches
 *                                again with what went wrong
 *   GET  /referrals/plan         a proposal for every waitlisted referral
 *                                at once (page: 100 a page)
 *   POST /referrals/plan         action=accept: referral_id and the same
 *                                fields as assign; 303 back to the plan,
 *                                which is made again without them
 *
 * page_referral (page_referrals.c) hands /referrals/ID/matches here; the
 * route table gives it ACT_REFERRAL_VIEW for GET and ACT_REFERRAL_CHANGE
 * for POST, and this file also asks ACT_ASSIGN for every assignment.
 * The matching itself is sched/'s; the records are read by core/world.h
 * into a world the worker keeps until they change (app_world): both
 * pages only read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/records_form.h"
#include "core/assign.h"
#include "core/core.h"
#include "core/world.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/staff.h"
#include "sched/sched.h"
#include "templates/tmpl.h"

#define PLAN_PAGE	100
/*
 * A plan looks at the people who have waited longest, at most so many
 * (three pages): a waitlist of thousands is planned in moments, not in
 * seconds, and the places a service has free in four weeks are fewer.
 */
#define PLAN_MAX	(3 * PLAN_PAGE)

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* "Monday morning, Tuesday afternoon" from an availability bit set. */
static void
availability_text(unsigned bits, struct buf *b)
{
	int k, p;

	buf_reset(b);
	for (k = 0; k < SLOT_DAYS; k++)
		for (p = 0; p < SLOT_PARTS; p++) {
			if (!(bits & (1u << (k * SLOT_PARTS + p))))
				continue;
			buf_printf(b, "%s%s %s", b->len ? ", " : "",
			    slot_day_labels[k], p == 0 ? "morning" : p == 1 ?
			    "afternoon" : "evening");
		}
}

/* "Tuesdays, 10:00 to 10:45". */
static void
when_text(int day, int start, int length, char *out, size_t n)
{
	char a[6], z[6];

	rf_time_format(start, a);
	rf_time_format(start + length, z);
	snprintf(out, n, "%ss, %s to %s", day >= 0 && day < SLOT_DAYS ?
	    slot_day_labels[day] : "?", a, z);
}

/* Puts one suggestion's fields in e, for the table and its form. */
static void
match_tmpl(struct tmpl_data *e, const struct core_world *md,
    const struct sched_match *m)
{
	const struct core_therapist *t = core_world_therapist(md,
	    m->therapist_id);
	const struct core_site *s = core_world_site(md, m->site_id);
	const struct core_room *r = core_world_room(md, m->room_id);
	char when[64];

	tmpl_data_setf(e, "therapist_id", "%lld", (long long)m->therapist_id);
	tmpl_data_set(e, "therapist", t != NULL ? t->name : "?");
	if (t != NULL)
		tmpl_data_setf(e, "places", "%d of %d places free",
		    t->max_caseload - t->caseload, t->max_caseload);
	tmpl_data_setf(e, "site_id", "%lld", (long long)m->site_id);
	tmpl_data_set(e, "site", s != NULL ? s->name : "?");
	tmpl_data_setf(e, "room_id", "%lld", (long long)m->room_id);
	tmpl_data_set(e, "room", r != NULL ? r->name : NULL);
	tmpl_data_setf(e, "day", "%d", m->day);
	tmpl_data_setf(e, "start_min", "%d", m->start_min);
	tmpl_data_setf(e, "length_min", "%d", m->length_min);
	when_text(m->day, m->start_min, m->length_min, when, sizeof(when));
	tmpl_data_set(e, "when", when);
	tmpl_data_set(e, "session", session_type_labels[m->session_type]);
	tmpl_data_setf(e, "score", "%d", m->score.total);
	tmpl_data_set(e, "reasons", m->reasons);
}

/*
 * One row of the matches page: the suggestions of the same therapist,
 * site, room, day, length and kind of session, whatever their start
 * (sched/ suggests every quarter of an hour that fits), collapse into
 * one row with a choice of start times; the row stands where its best
 * suggestion ranked, and that time is chosen first.
 */
struct match_row {
	const struct sched_match	*best;
	struct tmpl_data		*e;
	int				 start[24 * 4];	/* quarters of its day */
	size_t				 n;
};

/* The row of rows[0..n) that suggestion m joins, or NULL: a new one. */
static struct match_row *
match_row_of(struct match_row *rows, size_t n, const struct sched_match *m)
{
	const struct sched_match *b;
	size_t i;

	for (i = 0; i < n; i++) {
		b = rows[i].best;
		if (b->therapist_id == m->therapist_id && b->site_id ==
		    m->site_id && b->room_id == m->room_id && b->day ==
		    m->day && b->length_min == m->length_min &&
		    b->session_type == m->session_type &&
		    rows[i].n < sizeof(rows[i].start) /
		    sizeof(rows[i].start[0]))
			return &rows[i];
	}
	return NULL;
}

static int
match_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * The suggestions of res as rows (see struct match_row) in d's
 * "matches", each with its start times in "times" (when more than one)
 * and "when" saying the range.  0, or -1 out of memory.
 */
static int
match_rows(struct tmpl_data *d, const struct core_world *md,
    const struct sched_result *res)
{
	struct match_row *rows, *r;
	struct tmpl_data *t;
	char a[6], z[6], when[96];
	size_t i, k, n = 0;

	if ((rows = calloc(res->nmatches + 1, sizeof(*rows))) == NULL)
		return -1;
	for (i = 0; i < res->nmatches; i++) {
		if ((r = match_row_of(rows, n, &res->matches[i])) == NULL) {
			r = &rows[n++];
			r->best = &res->matches[i];
			r->e = tmpl_data_push(d, "matches");
			tmpl_data_setf(r->e, "rank", "%zu", n);
			match_tmpl(r->e, md, r->best);
		}
		r->start[r->n++] = res->matches[i].start_min;
	}
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (r->n < 2)
			continue;
		qsort(r->start, r->n, sizeof(r->start[0]), match_int_cmp);
		tmpl_data_bool(r->e, "has_times", 1);
		for (k = 0; k < r->n; k++) {
			t = tmpl_data_push(r->e, "times");
			rf_time_format(r->start[k], a);
			tmpl_data_setf(t, "value", "%d", r->start[k]);
			tmpl_data_set(t, "label", a);
			tmpl_data_bool(t, "selected", r->start[k] ==
			    r->best->start_min);
		}
		rf_time_format(r->start[0], a);
		rf_time_format(r->start[r->n - 1], z);
		snprintf(when, sizeof(when), "%ss, %d minutes, starting at "
		    "any time from %s to %s", r->best->day >= 0 &&
		    r->best->day < SLOT_DAYS ? slot_day_labels[r->best->day] :
		    "?", r->best->length_min, a, z);
		tmpl_data_set(r->e, "when", when);
	}
	free(rows);
	return 0;
}

/* The words for a therapist left out, with our own for hours and leave. */
static void
exclusion_text(const struct core_world *md, const struct sched_exclusion *x,
    char *out, size_t n)
{
	const struct core_therapist *t = core_world_therapist(md,
	    x->therapist_id);

	if (t != NULL && t->hours_full && x->why == SCHED_OUT_INACTIVE)
		snprintf(out, n, "no free hours (%d.%d of %d hours a week "
		    "booked)", (t->booked_min_week * 10 + 30) / 600,
		    (t->booked_min_week * 10 + 30) / 60 % 10, t->max_hours);
	else if (t != NULL && x->why == SCHED_OUT_ON_LEAVE)
		snprintf(out, n, "%s (%d of the next %d days)", x->text,
		    t->leave_days, CORE_WINDOW_DAYS);
	else
		snprintf(out, n, "%s", x->text);
}

/* ---- one referral's matches ---- */

/*
 * Shows the matches page for referral id, with status and an error for
 * a failed assignment (or NULL).
 */
static void
show_matches(struct app *app, struct req *rq, struct resp *rs, int status,
    int64_t id, const char *error)
{
	struct core_referral *ref = NULL;
	const struct core_world *md = NULL;
	struct sched_result res;
	struct tmpl_data *d = NULL, *e;
	struct db_client cl;
	struct buf tmp = BUF_INIT;
	char err[256], text[SCHED_TEXT_LEN + 64];
	size_t nref = 0, i;
	double t0, t1, t2;
	time_t now = time(NULL);
	int open, rc;

	memset(&res, 0, sizeof(res));
	t0 = now_ms();
	if (core_referrals_load(app->db, id, ST_NEW, now, &ref, &nref) ==
	    -1) {
		http_error(app, rs, 503, "The matches cannot be shown just "
		    "now. Try again in a minute.");
		goto out;
	}
	if (nref != 1) {
		http_error(app, rs, 404, "There is no such referral.");
		goto out;
	}
	if (app_world(app, now, &md, err, sizeof(err)) == -1) {
		fprintf(stderr, "matches: %s\n", err);
		http_error(app, rs, 503, "The matches cannot be worked out "
		    "just now. Try again in a minute.");
		goto out;
	}
	t1 = now_ms();
	if (sched_match(md->world, &ref->r, NULL, &res) == -1) {
		http_error(app, rs, 503, "The matches cannot be worked out "
		    "just now. Try again in a minute.");
		goto out;
	}
	t2 = now_ms();

	d = app_staff_data(app, rq, error != NULL ? "Error: matches" :
	    "Matches");
	open = ref->status == ST_TRIAGED || ref->status == ST_WAITLISTED;
	tmpl_data_setf(d, "referral_id", "%lld", (long long)id);
	tmpl_data_set(d, "ref", ref->ref);
	tmpl_data_set(d, "name", ref->name);
	tmpl_data_set(d, "status", status_names[ref->status]);
	tmpl_data_set(d, "status_label", status_labels[ref->status]);
	app_needs_text(ref->r.needs, &tmp);
	tmpl_data_set(d, "needs", buf_cstr(&tmp));
	availability_text(ref->r.availability, &tmp);
	tmpl_data_set(d, "availability", buf_cstr(&tmp));
	tmpl_data_set(d, "district", ref->district);
	tmpl_data_set(d, "session_type",
	    session_type_labels[ref->r.session_type]);
	tmpl_data_bool(d, "online_ok", ref->r.online_ok);
	tmpl_data_bool(d, "step_free", ref->step_free_from_text);
	for (i = 0; i < ref->r.nsites; i++) {
		const struct core_site *s = core_world_site(md,
		    ref->sites[i]);

		if (s == NULL)
			continue;
		e = tmpl_data_push(d, "chosen");
		tmpl_data_set(e, "name", s->name);
	}
	tmpl_data_bool(d, "can_assign", open && auth_can(rq->user->role,
	    ACT_ASSIGN));
	tmpl_data_bool(d, "open", open);
	if (!open && (rc = db_client_of_referral(app->db, id, &cl)) == 1) {
		tmpl_data_set(d, "assigned_to", cl.therapist);
		tmpl_data_setf(d, "assigned_id", "%lld",
		    (long long)cl.therapist_id);
	}
	tmpl_data_list(d, "matches");
	if (match_rows(d, md, &res) == -1) {
		http_error(app, rs, 503, "The matches cannot be shown just "
		    "now. Try again in a minute.");
		goto out;
	}
	tmpl_data_bool(d, "has_matches", res.nmatches > 0);
	tmpl_data_list(d, "left_out");
	for (i = 0; i < res.nexclusions; i++) {
		const struct core_therapist *t = core_world_therapist(md,
		    res.exclusions[i].therapist_id);

		e = tmpl_data_push(d, "left_out");
		tmpl_data_setf(e, "therapist_id", "%lld",
		    (long long)res.exclusions[i].therapist_id);
		tmpl_data_set(e, "therapist", t != NULL ? t->name : "?");
		exclusion_text(md, &res.exclusions[i], text, sizeof(text));
		tmpl_data_set(e, "why", text);
		tmpl_data_bool(e, "previous", res.exclusions[i].previous);
	}
	tmpl_data_bool(d, "has_left_out", res.nexclusions > 0);
	tmpl_data_setf(d, "candidates", "%zu", res.candidates);
	tmpl_data_setf(d, "therapists_matched", "%zu",
	    res.therapists_matched);
	tmpl_data_setf(d, "ntherapists", "%zu", md->ntherapists);
	tmpl_data_set(d, "first_day", md->first_day);
	tmpl_data_set(d, "last_day", md->last_day);
	tmpl_data_setf(d, "load_ms", "%.1f", t1 - t0);
	tmpl_data_setf(d, "match_ms", "%.2f", t2 - t1);
	tmpl_data_set(d, "error", error);
	app_render(app, rs, status, "matches.html", d);
out:
	tmpl_data_free(d);
	sched_result_free(&res);
	core_referrals_free(ref, nref);
	buf_free(&tmp);
}

/* A suggestion as posted back by an assign or accept form. */
struct taken {
	int64_t		 referral_id;
	enum status	 from;
	int64_t		 therapist_id;
	int64_t		 site_id;
	int64_t		 room_id;
	int		 day;
	int		 start_min;
	int		 length_min;
	int		 has_slot;
	char		 detail[400];	/* for the referral's history */
};

/* Reads and checks the posted fields; 0, or -1 when they make no sense. */
static int
taken_read(struct app *app, const struct form *f, struct taken *t)
{
	struct db_site_rec site;
	struct db_room room;
	char when[64];
	const char *s;
	int k;

	memset(t, 0, sizeof(*t));
	s = form_get(f, "from");
	k = db_name_index(status_names, STATUS__MAX, s != NULL ? s : "");
	if (k < 0 || valid_id(form_get(f, "therapist_id"), &t->therapist_id) ==
	    -1)
		return -1;
	t->from = (enum status)k;
	t->detail[0] = '\0';
	s = form_get(f, "site_id");
	if (s == NULL || *s == '\0')
		return 0;	/* a therapist without a suggested time */
	if (valid_id(s, &t->site_id) == -1 ||
	    valid_int(form_get(f, "day"), 0, 6, &t->day) == -1 ||
	    valid_int(form_get(f, "start_min"), 0, 1439, &t->start_min) == -1 ||
	    valid_int(form_get(f, "length_min"), SCHED_SESSION_SHORTEST,
	    SCHED_SESSION_LONGEST, &t->length_min) == -1)
		return -1;
	s = form_get(f, "room_id");
	if (s != NULL && *s != '\0' && strcmp(s, "0") != 0 &&
	    valid_id(s, &t->room_id) == -1)
		return -1;
	if (db_site_get(app->db, t->site_id, &site) != 1)
		return -1;
	when_text(t->day, t->start_min, t->length_min, when, sizeof(when));
	if (t->room_id > 0) {
		if (db_room_get(app->db, t->room_id, &room) != 1 ||
		    room.site_id != t->site_id)
			return -1;
		snprintf(t->detail, sizeof(t->detail), "suggested %s at %s, "
		    "%s", when, site.name, room.name);
	} else
		snprintf(t->detail, sizeof(t->detail), "suggested %s at %s",
		    when, site.name);
	t->has_slot = 1;
	return 0;
}

/*
 * Assigns as t says (core/assign.h).  Returns 0 with the new client's id
 * (and whether an email was queued) on success; otherwise the HTTP status
 * to answer with, and the words for it in why.
 */
static int
assign(struct app *app, struct req *rq, const struct taken *t,
    int64_t *client_id, int *emailed, char *why, size_t whylen)
{
	struct core_ctx c;
	struct core_assign a;

	app_core_ctx(app, rq, &c);
	memset(&a, 0, sizeof(a));
	a.referral_id = t->referral_id;
	a.from = t->from;
	a.therapist_id = t->therapist_id;
	a.detail = t->detail;
	switch (core_referral_assign(&c, &a, client_id, emailed, why,
	    whylen)) {
	case DB_ASSIGN_OK:
		return 0;
	case DB_ASSIGN_NOT_OPEN:
		return 422;
	case DB_ASSIGN_MOVED:
	case DB_ASSIGN_NO_PLACE:
		return 409;
	case DB_ASSIGN_GONE:
		return 404;
	default:
		return 503;
	}
}

/* Where to go after an assignment: the caseload, with a booking link. */
static void
assigned_redirect(struct resp *rs, const struct taken *t, int64_t client_id,
    int emailed)
{
	char loc[320];
	int n;

	n = snprintf(loc, sizeof(loc), "/therapists/%lld?done=%s&client=%lld",
	    (long long)t->therapist_id, emailed ? "assigned" :
	    "assigned_noemail", (long long)client_id);
	if (t->has_slot && n > 0 && (size_t)n < sizeof(loc))
		snprintf(loc + n, sizeof(loc) - (size_t)n, "&site=%lld&room="
		    "%lld&day=%d&start=%d&length=%d", (long long)t->site_id,
		    (long long)t->room_id, t->day, t->start_min,
		    t->length_min);
	http_redirect(rs, loc);
}

void
page_matches_get(struct app *app, struct req *rq, struct resp *rs)
{
	(void)db_audit(app->db, rq->user->id, rq->remote_addr, "matches",
	    rq->id[0], 0, "opened the matches");
	show_matches(app, rq, rs, 200, rq->id[0], NULL);
}

void
page_matches_assign(struct app *app, struct req *rq, struct resp *rs)
{
	struct taken t;
	const char *action;
	char msg[CORE_WHY_LEN];
	int64_t id = rq->id[0], client_id;
	int emailed, st;

	action = form_get(&rq->f, "action");
	if (action == NULL || strcmp(action, "assign") != 0 ||
	    taken_read(app, &rq->f, &t) == -1) {
		http_error(app, rs, 400, "That is not something this page can "
		    "do. Go back, reload the page and try again.");
		return;
	}
	t.referral_id = id;
	if ((st = assign(app, rq, &t, &client_id, &emailed, msg,
	    sizeof(msg))) != 0) {
		if (st == 404)
			http_error(app, rs, 404, msg);
		else
			show_matches(app, rq, rs, st, id, msg);
		return;
	}
	assigned_redirect(rs, &t, client_id, emailed);
}

/* ---- the whole waitlist ---- */

static void
show_plan(struct app *app, struct req *rq, struct resp *rs, int status,
    const char *error)
{
	struct core_referral *refs = NULL;
	struct sched_referral *in = NULL;
	const struct core_world *md = NULL;
	struct sched_plan plan;
	struct tmpl_data *d = NULL, *e;
	struct db_client cl;
	struct buf tmp = BUF_INIT;
	const char *page = form_get(&rq->q, "page");
	const char *done = form_get(&rq->q, "done");
	const struct sched_proposal *p;
	char err[256];
	size_t n = 0, i, from, to;
	long pg = 1, pages;
	double t0, t1, t2;
	time_t now = time(NULL);
	int64_t rid, counts[STATUS__MAX];

	memset(&plan, 0, sizeof(plan));
	t0 = now_ms();
	if (core_referrals_first(app->db, ST_WAITLISTED, PLAN_MAX, now, &refs,
	    &n) == -1 || db_status_counts(app->db, counts) == -1 ||
	    app_world(app, now, &md, err, sizeof(err)) == -1) {
		http_error(app, rs, 503, "The plan cannot be made just now. "
		    "Try again in a minute.");
		goto out;
	}
	t1 = now_ms();
	in = xcalloc(n + 1, sizeof(*in));
	for (i = 0; i < n; i++)
		in[i] = refs[i].r;
	/* Nobody waiting: nothing to plan (and sched_plan is not asked). */
	if (n > 0 && sched_plan(md->world, in, n, NULL, &plan) == -1) {
		http_error(app, rs, 503, "The plan cannot be made just now. "
		    "Try again in a minute.");
		goto out;
	}
	t2 = now_ms();

	d = app_staff_data(app, rq, error != NULL ? "Error: plan" :
	    "Plan the waitlist");
	if (page != NULL && (pg = strtol(page, NULL, 10)) < 1)
		pg = 1;
	pages = (long)((n + PLAN_PAGE - 1) / PLAN_PAGE);
	if (pages < 1)
		pages = 1;
	if (pg > pages)
		pg = pages;
	from = (size_t)(pg - 1) * PLAN_PAGE;
	to = from + PLAN_PAGE < n ? from + PLAN_PAGE : n;
	tmpl_data_list(d, "proposals");
	for (i = from; i < to; i++) {
		p = &plan.proposals[i];
		e = tmpl_data_push(d, "proposals");
		tmpl_data_setf(e, "referral_id", "%lld",
		    (long long)refs[i].r.id);
		tmpl_data_set(e, "ref", refs[i].ref);
		tmpl_data_set(e, "name", refs[i].name);
		tmpl_data_setf(e, "waiting", "%d", refs[i].r.waiting_days);
		app_needs_text(refs[i].r.needs, &tmp);
		tmpl_data_set(e, "needs", buf_cstr(&tmp));
		tmpl_data_bool(e, "placed", p->placed);
		if (p->placed)
			match_tmpl(e, md, &p->match);
		else
			tmpl_data_set(e, "why", sched_unplaced_text(p->why));
	}
	tmpl_data_bool(d, "has_proposals", n > 0);
	tmpl_data_setf(d, "total", "%zu", n);
	if (counts[ST_WAITLISTED] > (int64_t)n)
		tmpl_data_setf(d, "more", "%lld",
		    (long long)(counts[ST_WAITLISTED] - (int64_t)n));
	tmpl_data_setf(d, "placed", "%zu", plan.placed);
	tmpl_data_setf(d, "unplaced", "%zu", n - plan.placed);
	tmpl_data_bool(d, "has_unplaced", n > plan.placed);
	tmpl_data_setf(d, "bound", "%zu", plan.bound);
	tmpl_data_bool(d, "clashes", plan.bound > plan.placed);
	tmpl_data_setf(d, "load_ms", "%.0f", t1 - t0);
	tmpl_data_setf(d, "plan_ms", "%.0f", t2 - t1);
	tmpl_data_set(d, "first_day", md->first_day);
	tmpl_data_set(d, "last_day", md->last_day);
	tmpl_data_setf(d, "page", "%ld", pg);
	tmpl_data_setf(d, "pages", "%ld", pages);
	if (pg > 1)
		tmpl_data_setf(d, "prev", "/referrals/plan?page=%ld", pg - 1);
	if (pg < pages)
		tmpl_data_setf(d, "next", "/referrals/plan?page=%ld", pg + 1);
	tmpl_data_set(d, "error", error);
	if (done != NULL && strcmp(done, "accepted") == 0 &&
	    valid_id(form_get(&rq->q, "referral"), &rid) == 0 &&
	    db_client_of_referral(app->db, rid, &cl) == 1)
		tmpl_data_setf(d, "notice", "%s was assigned to %s and joins "
		    "their caseload. The plan below is made again without "
		    "them.", cl.ref, cl.therapist);
	app_render(app, rs, status, "plan.html", d);
out:
	tmpl_data_free(d);
	sched_plan_free(&plan);
	free(in);
	core_referrals_free(refs, n);
	buf_free(&tmp);
}

void
page_plan_get(struct app *app, struct req *rq, struct resp *rs)
{
	(void)db_audit(app->db, rq->user->id, rq->remote_addr, "plan", 0, 0,
	    "planned the waitlist");
	show_plan(app, rq, rs, 200, NULL);
}

void
page_plan_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct taken t;
	const char *action;
	char msg[CORE_WHY_LEN];
	char loc[96];
	int64_t client_id;
	int emailed, st;

	action = form_get(&rq->f, "action");
	if (action == NULL || strcmp(action, "accept") != 0 ||
	    taken_read(app, &rq->f, &t) == -1 ||
	    valid_id(form_get(&rq->f, "referral_id"), &t.referral_id) == -1) {
		http_error(app, rs, 400, "That is not something this page can "
		    "do. Go back, reload the page and try again.");
		return;
	}
	if ((st = assign(app, rq, &t, &client_id, &emailed, msg,
	    sizeof(msg))) != 0) {
		show_plan(app, rq, rs, st, msg);
		return;
	}
	snprintf(loc, sizeof(loc), "/referrals/plan?done=accepted&referral="
	    "%lld", (long long)t.referral_id);
	http_redirect(rs, loc);
}

/*
 * page_impact: the impact report, the year's figures in the form the
 * service publishes them, beside the period before.
 *
 *   GET /reports/impact      from, to (YYYY-MM-DD, both included; default
 *                            the last twelve full months); print=1 for
 *                            the printable page (no forms, no menus)
 *   GET /reports/impact.csv  the same figures and periods as CSV
 *
 * The previous period ends the day before the chosen one begins and is
 * as many whole months long when the chosen one is whole months (the
 * twelve months before a year), else as many days.  Each figure says how it is counted, on the page and
 * in the CSV; the counting itself is in db/partner.c.
 *
 * Settings: long_term_months (6), months since a person's first attended
 * session beyond which their support counts as long-term.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/local_day.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/partner.h"
#include "db/reports.h"
#include "templates/tmpl.h"
#include "util/buf.h"
#include "util/calendar.h"

#define SPAN_DAYS_MAX	(20 * 366)
#define LONG_TERM_DEFAULT 6

/* The headline figures, in the page's order. */
enum fig {
	FIG_SESSIONS,
	FIG_OWN,
	FIG_PARTNER,
	FIG_ORGS,
	FIG_PEOPLE,
	FIG_LONG_TERM,
	FIG_HOURS,
	FIG__MAX
};

static const char *const fig_labels[FIG__MAX] = {
	"Sessions delivered",
	"of which in our own centres",
	"of which at partner organisations",
	"Partner organisations worked with",
	"People who accessed the service",
	"of whom in long-term support",
	"Hours of music therapy",
};

/* How each figure is counted. */
static const char *const fig_how[FIG__MAX] = {
	"Sessions in the period that were not cancelled and that at least "
	"one person attended; a group session counts once.",
	"Sessions delivered at a site that belongs to no partner "
	"organisation.",
	"Sessions delivered at a site of a partner organisation.",
	"Different partner organisations at whose sites at least one session "
	"was delivered.",
	"Different people who attended at least one session in the period.",
	NULL,	/* fig_how_text: it names the setting */
	"The booked length of the sessions delivered.",
};

static const char *const q_group[IMPACT__MAX] = {
	"People we work with", "People we work with", "People we work with",
	"Families and carers", "Partner organisations' staff",
	"Partner organisations' staff",
};
static const char *const q_label[IMPACT__MAX] = {
	"had a positive or creative experience",
	"said music therapy enhanced their quality of life",
	"developed social skills and interaction",
	"said it improved their relationship with their relative or child",
	"said it enhanced staff skills and understanding",
	"said it changed the atmosphere of the organisation positively",
};
static const char *const q_how[IMPACT__MAX] = {
	"Clients' answers to the outcome survey given in the period: the "
	"share who agreed, of those who answered the question.",
	"As above, for the quality-of-life question.",
	"As above, for the social skills question.",
	"Answers to the family and carer survey given in the period: the "
	"share who agreed, of those who answered.",
	"Answers to the partner staff survey given in the period: the share "
	"who agreed, of those who answered.",
	"As above, for the question on the organisation's atmosphere.",
};

struct period {
	char	 from[11];
	char	 to[11];
	int64_t	 from_utc;	/* [from_utc, to_utc) */
	int64_t	 to_utc;
};

/* 1 when y-m-d is the last day of its month. */
static int
month_end(int y, int m, int d)
{
	int64_t next = local_day_midnight(y, m, d + 1);
	char ymd[11];

	local_day_ymd(next + 43200, ymd);
	return strcmp(ymd + 8, "01") == 0;
}

/*
 * The period asked for in rq's query (default: the last twelve full
 * months) into cur, and the one before it into prev: as many whole
 * months just before when cur is whole months, else as many days.
 * NULL, or what is wrong (then cur is the default).
 */
static const char *
periods_read(const struct req *rq, struct period *cur, struct period *prev)
{
	const char *from = form_get(&rq->q, "from");
	const char *to = form_get(&rq->q, "to");
	const char *problem = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int fy, fm, fd, ty, tmo, td, months = 12;

	localtime_r(&now, &tm);
	fy = tm.tm_year + 1900 - 1;
	fm = tm.tm_mon + 1;
	fd = 1;
	cur->from_utc = local_day_midnight(fy, fm, 1);
	cur->to_utc = local_day_midnight(fy + 1, fm, 1);
	if ((from != NULL && *from != '\0') || (to != NULL && *to != '\0')) {
		if (from == NULL || valid_date(from, &fy, &fm, &fd) != 0)
			problem = "Enter the first day as a date, for example "
			    "2026-01-01.";
		else if (to == NULL || valid_date(to, &ty, &tmo, &td) != 0)
			problem = "Enter the last day as a date, for example "
			    "2026-12-31.";
		else if (strcmp(from, to) > 0)
			problem = "The first day must not be after the last "
			    "day.";
		else if (local_day_midnight(ty, tmo, td + 1) - local_day_midnight(fy, fm, fd) >
		    (int64_t)SPAN_DAYS_MAX * 86400)
			problem = "Choose a period of at most 20 years.";
		else {
			cur->from_utc = local_day_midnight(fy, fm, fd);
			cur->to_utc = local_day_midnight(ty, tmo, td + 1);
			months = fd == 1 && month_end(ty, tmo, td) ?
			    (ty - fy) * 12 + tmo - fm + 1 : 0;
		}
		if (problem != NULL) {
			fy = tm.tm_year + 1900 - 1;
			fm = tm.tm_mon + 1;
			fd = 1;
		}
	}
	local_day_ymd(cur->from_utc + 43200, cur->from);
	local_day_ymd(cur->to_utc - 43200, cur->to);
	prev->to_utc = cur->from_utc;
	if (months > 0)
		prev->from_utc = local_day_midnight(fy, fm - months, 1);
	else
		prev->from_utc = local_day_midnight(fy, fm, fd -
		    (int)((cur->to_utc - cur->from_utc + 43200) / 86400));
	local_day_ymd(prev->from_utc + 43200, prev->from);
	local_day_ymd(prev->to_utc - 43200, prev->to);
	return problem;
}

static void
date_label(const char *ymd, char *out, size_t n)
{
	int y, m, d;

	if (valid_date(ymd, &y, &m, &d) == 0)
		snprintf(out, n, "%d %s %d", d, calendar_month_names[m - 1], y);
	else
		snprintf(out, n, "%s", ymd);
}

static void
period_label(const struct period *p, char *out, size_t n)
{
	char a[40], b[40];

	date_label(p->from, a, sizeof(a));
	date_label(p->to, b, sizeof(b));
	snprintf(out, n, "%s to %s", a, b);
}

/* How figure k is counted, for people, into out. */
static void
fig_how_text(enum fig k, int months, char *out, size_t n)
{
	if (k == FIG_LONG_TERM)
		snprintf(out, n, "Of those people, the ones whose first "
		    "attended session was more than %d months before the end "
		    "of the period.", months);
	else
		snprintf(out, n, "%s", fig_how[k]);
}

/* Figure k of m as text. */
static void
fig_text(const struct db_impact *m, enum fig k, char *out, size_t n)
{
	int64_t v = 0;

	switch (k) {
	case FIG_SESSIONS:	v = m->sessions; break;
	case FIG_OWN:		v = m->sessions_own; break;
	case FIG_PARTNER:	v = m->sessions_partner; break;
	case FIG_ORGS:		v = m->organisations; break;
	case FIG_PEOPLE:	v = m->people; break;
	case FIG_LONG_TERM:	v = m->long_term; break;
	case FIG_HOURS:
		snprintf(out, n, "%.1f", (double)m->seconds / 3600.0);
		return;
	default:		break;
	}
	snprintf(out, n, "%lld", (long long)v);
}

static void
pct_text(int64_t a, int64_t b, char *out, size_t n)
{
	if (b <= 0)
		snprintf(out, n, "no answers");
	else
		snprintf(out, n, "%.0f%%", 100.0 * (double)a / (double)b);
}

/* Hours of region r in m ("0.0" when m has none). */
static void
region_hours(const struct db_impact *m, const char *r, char *out, size_t n)
{
	size_t i;

	for (i = 0; i < m->nregions; i++)
		if (strcmp(m->regions[i].region, r) == 0) {
			snprintf(out, n, "%.1f",
			    (double)m->regions[i].seconds / 3600.0);
			return;
		}
	snprintf(out, n, "0.0");
}

/* The figures of both periods, as a worker keeps them. */
struct impact_pair {
	struct db_impact	*cur;
	struct db_impact	*prev;
};

static void
pair_free(void *v)
{
	struct impact_pair *pair = v;

	if (pair == NULL)
		return;
	db_impact_free(pair->cur);
	db_impact_free(pair->prev);
	free(pair);
}

/* About the bytes pair holds (for the kept figures' bound). */
static size_t
pair_bytes(const struct impact_pair *pair)
{
	return sizeof(*pair) + 2 * sizeof(struct db_impact) +
	    (pair->cur->nregions + pair->prev->nregions) *
	    sizeof(*pair->cur->regions);
}

/*
 * Nothing the impact report counts depends on the time it is asked
 * (db_impact_load takes none), and the default periods' dates are in
 * the key: its figures change only with a record.  Kept a day at most.
 */
#define IMPACT_KEPT_SECONDS	86400

/*
 * The figures of cur and prev with the setting months: the worker's
 * kept pair, or read now and kept (until a record changes: see
 * app_figures_find), so that the page, the printable page and the CSV
 * of the same periods share one build.  0 with *pair them and *own
 * what the caller frees (pair_free; NULL when they are kept: *pair is
 * then valid as app_figures_find says), or -1.
 */
static int
both_load(struct app *app, const struct period *cur,
    const struct period *prev, int months,
    const struct impact_pair **pair, struct impact_pair **own)
{
	struct impact_pair *load;
	char key[APP_PART_KEY_LEN];
	const void *kept;
	time_t now = time(NULL);

	*pair = NULL;
	*own = NULL;
	snprintf(key, sizeof(key), "impact cur=%lld-%lld prev=%lld-%lld "
	    "months=%d", (long long)cur->from_utc, (long long)cur->to_utc,
	    (long long)prev->from_utc, (long long)prev->to_utc, months);
	if (app_figures_find(app, key, now, &kept) == 1) {
		*pair = kept;
		return 0;
	}
	load = xcalloc(1, sizeof(*load));
	if (db_impact_load(app->db, cur->from_utc, cur->to_utc, months,
	    &load->cur) == -1 || db_impact_load(app->db, prev->from_utc,
	    prev->to_utc, months, &load->prev) == -1) {
		pair_free(load);
		return -1;
	}
	*pair = load;
	if (app_figures_keep(key, now, now + IMPACT_KEPT_SECONDS, load,
	    pair_bytes(load), pair_free) == -1)
		*own = load;
	return 0;
}

void
page_impact(struct app *app, struct req *rq, struct resp *rs)
{
	struct period cur, prev;
	const struct impact_pair *pair;
	struct impact_pair *own;
	const struct db_impact *a, *b;
	struct tmpl_data *d, *e;
	const char *problem = periods_read(rq, &cur, &prev);
	const char *print = form_get(&rq->q, "print");
	int months = (int)db_setting_int(app->db, "long_term_months",
	    LONG_TERM_DEFAULT);
	char x[64], y[64], how[256], label[96];
	size_t i;
	int k;

	if (both_load(app, &cur, &prev, months, &pair, &own) == -1) {
		http_error(app, rs, 503, "The impact report cannot be shown "
		    "just now. Try again in a minute.");
		return;
	}
	a = pair->cur;
	b = pair->prev;
	d = app_staff_data(app, rq, problem != NULL ? "Error: impact report" :
	    "Impact report");
	tmpl_data_set(d, "error", problem);
	tmpl_data_bool(d, "print", print != NULL && *print != '\0');
	tmpl_data_set(d, "from", cur.from);
	tmpl_data_set(d, "to", cur.to);
	tmpl_data_set(d, "v_from", problem != NULL ?
	    form_get(&rq->q, "from") : cur.from);
	tmpl_data_set(d, "v_to", problem != NULL ?
	    form_get(&rq->q, "to") : cur.to);
	period_label(&cur, label, sizeof(label));
	tmpl_data_set(d, "cur_label", label);
	period_label(&prev, label, sizeof(label));
	tmpl_data_set(d, "prev_label", label);
	for (k = 0; k < FIG__MAX; k++) {
		e = tmpl_data_push(d, "figures");
		tmpl_data_set(e, "label", fig_labels[k]);
		tmpl_data_bool(e, "part", k == FIG_OWN || k == FIG_PARTNER ||
		    k == FIG_LONG_TERM);
		fig_text(a, (enum fig)k, x, sizeof(x));
		fig_text(b, (enum fig)k, y, sizeof(y));
		tmpl_data_set(e, "cur", x);
		tmpl_data_set(e, "prev", y);
		fig_how_text((enum fig)k, months, how, sizeof(how));
		tmpl_data_set(e, "how", how);
		tmpl_data_setf(e, "id", "fig-%d", k);
	}
	tmpl_data_list(d, "regions");
	for (i = 0; i < a->nregions; i++) {
		e = tmpl_data_push(d, "regions");
		tmpl_data_set(e, "region", a->regions[i].region[0] != '\0' ?
		    a->regions[i].region : "Region not recorded");
		tmpl_data_setf(e, "hours", "%.1f",
		    (double)a->regions[i].seconds / 3600.0);
		tmpl_data_setf(e, "sessions", "%lld",
		    (long long)a->regions[i].sessions);
		region_hours(b, a->regions[i].region, y, sizeof(y));
		tmpl_data_set(e, "prev", y);
	}
	tmpl_data_bool(d, "regions_empty", a->nregions == 0);
	for (k = 0; k < IMPACT__MAX; k++) {
		e = tmpl_data_push(d, "outcomes");
		tmpl_data_set(e, "group", q_group[k]);
		tmpl_data_set(e, "label", q_label[k]);
		tmpl_data_set(e, "how", q_how[k]);
		pct_text(a->agreed[k], a->answered[k], x, sizeof(x));
		tmpl_data_set(e, "share", x);
		tmpl_data_setf(e, "counts", "%lld of %lld", (long long)
		    a->agreed[k], (long long)a->answered[k]);
		tmpl_data_setf(e, "rate", "%lld answered of %lld sent",
		    (long long)a->answered[k], (long long)a->sent[k]);
		pct_text(b->agreed[k], b->answered[k], y, sizeof(y));
		tmpl_data_set(e, "prev", y);
		tmpl_data_setf(e, "prev_counts", "%lld of %lld", (long long)
		    b->agreed[k], (long long)b->answered[k]);
	}
	tmpl_data_setf(d, "long_term_months", "%d", months);
	app_render(app, rs, problem != NULL ? 422 : 200, "impact.html", d);
	tmpl_data_free(d);
	pair_free(own);
}

/* One CSV field (RFC 4180), formulas defused with an apostrophe. */
static void
csv_field(struct buf *o, const char *s, int last)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		buf_putc(o, '"');
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		buf_putc(o, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(o, '"');
		buf_putc(o, *s);
	}
	if (quote)
		buf_putc(o, '"');
	buf_puts(o, last ? "\r\n" : ",");
}

static void
csv_row(struct buf *o, const char *a, const char *b, const char *c,
    const char *d, const char *e)
{
	csv_field(o, a, 0);
	csv_field(o, b, 0);
	csv_field(o, c, 0);
	csv_field(o, d, 0);
	csv_field(o, e, 1);
}

void
page_impact_csv(struct app *app, struct req *rq, struct resp *rs)
{
	struct period cur, prev;
	const struct impact_pair *pair;
	struct impact_pair *own;
	const struct db_impact *a, *b;
	const char *problem = periods_read(rq, &cur, &prev);
	int months = (int)db_setting_int(app->db, "long_term_months",
	    LONG_TERM_DEFAULT);
	char x[64], y[64], how[256], head1[40], head2[40], fig[160];
	char disp[128];
	struct buf *o = &rs->body;
	size_t i;
	int k;

	if (problem != NULL) {
		http_error(app, rs, 400, problem);
		return;
	}
	if (both_load(app, &cur, &prev, months, &pair, &own) == -1) {
		http_error(app, rs, 503, "The impact report cannot be made "
		    "just now. Try again in a minute.");
		return;
	}
	a = pair->cur;
	b = pair->prev;
	buf_reset(o);
	snprintf(head1, sizeof(head1), "%s to %s", cur.from, cur.to);
	snprintf(head2, sizeof(head2), "%s to %s", prev.from, prev.to);
	csv_row(o, "Section", "Figure", head1, head2, "How it is counted");
	for (k = 0; k < FIG__MAX; k++) {
		fig_text(a, (enum fig)k, x, sizeof(x));
		fig_text(b, (enum fig)k, y, sizeof(y));
		fig_how_text((enum fig)k, months, how, sizeof(how));
		csv_row(o, "Headline", fig_labels[k], x, y, how);
	}
	for (i = 0; i < a->nregions; i++) {
		region_hours(b, a->regions[i].region, y, sizeof(y));
		snprintf(x, sizeof(x), "%.1f",
		    (double)a->regions[i].seconds / 3600.0);
		snprintf(fig, sizeof(fig), "Hours in %s",
		    a->regions[i].region[0] != '\0' ? a->regions[i].region :
		    "a region not recorded");
		csv_row(o, "Hours by region", fig, x, y, "The length of the "
		    "sessions delivered at the region's sites.");
	}
	for (k = 0; k < IMPACT__MAX; k++) {
		snprintf(fig, sizeof(fig), "%s who %s", q_group[k],
		    q_label[k]);
		pct_text(a->agreed[k], a->answered[k], x, sizeof(x));
		pct_text(b->agreed[k], b->answered[k], y, sizeof(y));
		csv_row(o, "Outcomes (share)", fig, x, y, q_how[k]);
		snprintf(x, sizeof(x), "%lld", (long long)a->agreed[k]);
		snprintf(y, sizeof(y), "%lld", (long long)b->agreed[k]);
		csv_row(o, "Outcomes (agreed)", fig, x, y, "Answers 'agree'.");
		snprintf(x, sizeof(x), "%lld", (long long)a->answered[k]);
		snprintf(y, sizeof(y), "%lld", (long long)b->answered[k]);
		csv_row(o, "Outcomes (answered)", fig, x, y, "Answers given.");
		snprintf(x, sizeof(x), "%lld", (long long)a->sent[k]);
		snprintf(y, sizeof(y), "%lld", (long long)b->sent[k]);
		csv_row(o, "Outcomes (sent)", fig, x, y, "Surveys sent in the "
		    "period; answered of sent is the response rate.");
	}
	rs->status = 200;
	rs->content_type = "text/csv; charset=utf-8";
	snprintf(disp, sizeof(disp), "attachment; filename=\"tutti-impact-%s-"
	    "to-%s.csv\"", cur.from, cur.to);
	http_header(rs, "Content-Disposition", disp);
	pair_free(own);
}

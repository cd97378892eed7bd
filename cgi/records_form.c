/*
 * records_form: weekly ranges, times, periods and numbers as the records
 * pages read them (see records_form.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/records_form.h"
#include "cgi/valid.h"
#include "db/db.h"
#include "db/referrals.h"
#include "templates/tmpl.h"

void
rf_time_format(int minutes, char out[6])
{
	if (minutes < 0)
		minutes = 0;
	if (minutes > 1440)
		minutes = 1440;
	snprintf(out, 6, "%02d:%02d", minutes / 60 % 100, minutes % 60);
}

const struct valid_field rf_period_fields[RF_PERIOD__MAX] = {
	{ "first_day", VALID_DATE, 1, 0, 0, NULL, NULL, "First day",
	    "Enter the first day as year-month-day, for example "
	    "2026-12-24." },
	{ "last_day", VALID_DATE, 0, 0, 0, NULL, NULL, "Last day",
	    "Enter the last day as year-month-day, for example 2026-12-31, "
	    "or leave it empty for one day." },
	{ "reason", VALID_LINE, 0, 0, RF_REASON_MAX, NULL, NULL, "Reason",
	    NULL },
};

size_t
rf_period_read(const struct form *f, struct rf_period *p,
    struct valid_errors *errs)
{
	size_t bad;

	bad = valid_form_check(f, rf_period_fields, RF_PERIOD__MAX, p->v,
	    errs);
	p->first = p->v[RF_FIRST_DAY].text;
	p->last = p->v[RF_LAST_DAY].text[0] != '\0' ?
	    p->v[RF_LAST_DAY].text : p->first;
	p->reason = p->v[RF_REASON].text;
	if (!p->v[RF_FIRST_DAY].bad && !p->v[RF_LAST_DAY].bad &&
	    strcmp(p->last, p->first) < 0) {
		valid_error_add(errs, "last_day", "The last day cannot come "
		    "before the first day.");
		valid_errors_sort(errs, rf_period_fields, RF_PERIOD__MAX);
		bad++;
	}
	return bad;
}

void
rf_period_free(struct rf_period *p)
{
	if (p != NULL)
		valid_values_free(p->v, RF_PERIOD__MAX);
}

void
rf_period_tmpl(struct tmpl_data *d, const struct rf_period *p)
{
	valid_values_tmpl(d, rf_period_fields, RF_PERIOD__MAX, p->v);
}

/* Copies a typed value for showing again; too long is cut, not kept. */
static void
keep(char *dst, size_t n, const char *v)
{
	size_t len = v != NULL ? strlen(v) : 0;

	if (v == NULL || len >= n || !valid_utf8_text(v, len))
		dst[0] = '\0';
	else
		memcpy(dst, v, len + 1);
}

static void
row_error(struct rf_ranges *out, size_t i, const char *prefix,
    const char *field, const char *msg)
{
	out->rows[i].bad = 1;
	if (out->error[0] != '\0')
		return;
	snprintf(out->error, sizeof(out->error), "Row %zu: %s", i + 1, msg);
	snprintf(out->error_field, sizeof(out->error_field), "%s-%s-%zu",
	    prefix, field, i + 1);
}

int
rf_ranges_read(const struct form *f, const char *prefix, int with_site,
    const struct rf_choice *sites, size_t nsites, struct rf_ranges *out)
{
	char k_site[40], k_day[40], k_start[40], k_end[40];
	size_t n, i, j, c;
	struct rf_range *r;
	const char *site, *day, *start, *end;
	char msg[100];
	int64_t id;
	int found;

	memset(out, 0, sizeof(*out));
	snprintf(k_site, sizeof(k_site), "%s_site", prefix);
	snprintf(k_day, sizeof(k_day), "%s_day", prefix);
	snprintf(k_start, sizeof(k_start), "%s_start", prefix);
	snprintf(k_end, sizeof(k_end), "%s_end", prefix);
	n = form_count(f, k_day);
	if (form_count(f, k_start) > n)
		n = form_count(f, k_start);
	if (form_count(f, k_end) > n)
		n = form_count(f, k_end);
	if (with_site && form_count(f, k_site) > n)
		n = form_count(f, k_site);
	for (i = 0; i < n; i++) {
		site = with_site ? form_get_nth(f, k_site, i) : NULL;
		day = form_get_nth(f, k_day, i);
		start = form_get_nth(f, k_start, i);
		end = form_get_nth(f, k_end, i);
		if ((site == NULL || *site == '\0') &&
		    (start == NULL || *start == '\0') &&
		    (end == NULL || *end == '\0'))
			continue;
		if (out->n == RF_ROWS_MAX) {
			snprintf(out->error, sizeof(out->error), "There are "
			    "more than %d times: join some together.",
			    RF_ROWS_MAX);
			snprintf(out->error_field, sizeof(out->error_field),
			    "%s-day-%d", prefix, RF_ROWS_MAX);
			return -1;
		}
		r = &out->rows[out->n];
		memset(r, 0, sizeof(*r));
		keep(r->site, sizeof(r->site), site);
		keep(r->day, sizeof(r->day), day);
		keep(r->start, sizeof(r->start), start);
		keep(r->end, sizeof(r->end), end);
		if (with_site) {
			found = 0;
			if (valid_id(site, &id) == 0)
				for (c = 0; c < nsites && !found; c++)
					found = sites[c].id == id;
			if (!found)
				row_error(out, out->n, prefix, "site",
				    "choose the site.");
			r->site_id = found ? id : 0;
		}
		r->day_index = db_name_index(slot_day_names, SLOT_DAYS,
		    day != NULL ? day : "");
		if (r->day_index < 0)
			row_error(out, out->n, prefix, "day",
			    "choose the day.");
		if (valid_time(start, 0, &r->start_min) == -1)
			row_error(out, out->n, prefix, "start",
			    "enter the start time as hours and minutes, "
			    "like 09:30.");
		else if (valid_time(end, 1, &r->end_min) == -1)
			row_error(out, out->n, prefix, "end",
			    "enter the end time as hours and minutes, "
			    "like 17:00.");
		else if (r->end_min <= r->start_min)
			row_error(out, out->n, prefix, "end",
			    "the end time must come after the start time.");
		out->n++;
	}
	if (out->error[0] != '\0')
		return -1;
	for (i = 0; i < out->n; i++)
		for (j = i + 1; j < out->n; j++) {
			if (out->rows[i].day_index != out->rows[j].day_index ||
			    out->rows[i].end_min <= out->rows[j].start_min ||
			    out->rows[j].end_min <= out->rows[i].start_min)
				continue;
			snprintf(msg, sizeof(msg), "it overlaps another time "
			    "on %s: join them or change one.",
			    slot_day_labels[out->rows[j].day_index]);
			row_error(out, j, prefix, "start", msg);
			return -1;
		}
	return 0;
}

void
rf_ranges_add(struct rf_ranges *out, int64_t site_id, int day,
    int start_min, int end_min)
{
	struct rf_range *r;

	if (out->n == RF_ROWS_MAX || day < 0 || day >= SLOT_DAYS)
		return;
	r = &out->rows[out->n++];
	memset(r, 0, sizeof(*r));
	r->site_id = site_id;
	if (site_id > 0)
		snprintf(r->site, sizeof(r->site), "%lld", (long long)site_id);
	r->day_index = day;
	snprintf(r->day, sizeof(r->day), "%s", slot_day_names[day]);
	r->start_min = start_min;
	r->end_min = end_min;
	rf_time_format(start_min, r->start);
	rf_time_format(end_min, r->end);
}

static void
row_tmpl(struct tmpl_data *e, size_t n, const struct rf_range *r,
    const struct rf_choice *sites, size_t nsites)
{
	struct tmpl_data *o;
	size_t c;
	int k;

	tmpl_data_setf(e, "n", "%zu", n);
	tmpl_data_set(e, "start", r != NULL ? r->start : "");
	tmpl_data_set(e, "end", r != NULL ? r->end : "");
	tmpl_data_bool(e, "bad", r != NULL && r->bad);
	for (k = 0; k < SLOT_DAYS; k++) {
		o = tmpl_data_push(e, "days");
		tmpl_data_set(o, "value", slot_day_names[k]);
		tmpl_data_set(o, "label", slot_day_labels[k]);
		tmpl_data_bool(o, "selected", r != NULL &&
		    strcmp(r->day, slot_day_names[k]) == 0);
	}
	if (sites == NULL)
		return;
	for (c = 0; c < nsites; c++) {
		o = tmpl_data_push(e, "sites");
		tmpl_data_setf(o, "value", "%lld", (long long)sites[c].id);
		tmpl_data_set(o, "label", sites[c].name);
		tmpl_data_bool(o, "selected", r != NULL && r->site[0] != '\0' &&
		    strtoll(r->site, NULL, 10) == sites[c].id);
	}
}

void
rf_ranges_tmpl(struct tmpl_data *d, const char *key,
    const struct rf_ranges *rr, const struct rf_choice *sites, size_t nsites,
    size_t blank)
{
	size_t i;

	tmpl_data_list(d, key);
	for (i = 0; i < rr->n; i++)
		row_tmpl(tmpl_data_push(d, key), i + 1, &rr->rows[i], sites,
		    nsites);
	for (i = 0; i < blank && rr->n + i < RF_ROWS_MAX; i++)
		row_tmpl(tmpl_data_push(d, key), rr->n + i + 1, NULL, sites,
		    nsites);
}

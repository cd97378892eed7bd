/*
 * page_terms: term dates (issue 20) on the pages that show a series.
 *
 * The booking page says what a series at a site with terms will be
 * ("12 sessions, term time only, last session Wednesday 25 March 2027")
 * and the series page names the holiday weeks it skips.
 */
#include <stdio.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/page_terms.h"
#include "core/terms.h"
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

/*
 * records_form: the form parts the records pages share (page_therapists.c,
 * page_sites.c, page_matches.c): weekly time ranges typed as rows of
 * repeated fields, times of day, periods of days, whole numbers and ids.
 *
 * Weekly ranges are rows of the repeated fields PREFIX_site (when the
 * rows name a site), PREFIX_day (mon .. sun), PREFIX_start and PREFIX_end
 * (HH:MM), the i-th value of each field making row i.  A row whose site,
 * start and end are all empty is blank and skipped, so a form can offer
 * a few empty rows to fill in and a row is removed by emptying it.  Each
 * row keeps what was typed, so a page with a problem shows it again.
 * Field ids in pages are PREFIX-site-N, PREFIX-day-N, PREFIX-start-N,
 * PREFIX-end-N, N counting rows from 1.
 */
#ifndef CGI_RECORDS_FORM_H
#define CGI_RECORDS_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "cgi/form.h"
#include "cgi/valid.h"

#define RF_ROWS_MAX	42	/* six ranges a day */
#define RF_MSG_LEN	160

struct tmpl_data;

/* One row as typed and, when it is good, as read. */
struct rf_range {
	char	 site[24];
	char	 day[8];
	char	 start[8];
	char	 end[8];
	int64_t	 site_id;
	int	 day_index;	/* 0 Monday .. 6 */
	int	 start_min;
	int	 end_min;
	int	 bad;		/* this row has the problem */
};

struct rf_ranges {
	struct rf_range	 rows[RF_ROWS_MAX];
	size_t		 n;
	char		 error[RF_MSG_LEN];	/* the first problem, or "" */
	char		 error_field[48];	/* its field's id */
};

/* A choice in a select: a site for availability. */
struct rf_choice {
	int64_t	 id;
	char	 name[128];
};

/*
 * Reads the rows of prefix from f into *out, skipping blank ones; with
 * with_site each row needs a site id among the nsites choices.  Checks
 * every row (a day, times from 00:00 to 24:00, the start before the end)
 * and that no two ranges of one day overlap (for a therapist, at any two
 * sites: one person is in one place).  Returns 0, or -1 with the first
 * problem in out->error and out->error_field.
 */
int	 rf_ranges_read(const struct form *f, const char *prefix,
	    int with_site, const struct rf_choice *sites, size_t nsites,
	    struct rf_ranges *out);

/* Adds a stored range to *out as a row (for showing a saved record). */
void	 rf_ranges_add(struct rf_ranges *out, int64_t site_id, int day,
	    int start_min, int end_min);

/*
 * Pushes out's rows and then `blank` empty ones (as room allows) under
 * key in d: each with n (from 1), the day choices (value, label,
 * selected), the site choices when sites is not NULL, start, end and
 * bad.
 */
void	 rf_ranges_tmpl(struct tmpl_data *d, const char *key,
	    const struct rf_ranges *, const struct rf_choice *sites,
	    size_t nsites, size_t blank);

/* Minutes -> "09:30" (24:00 for 1440). */
void	 rf_time_format(int minutes, char out[6]);

/*
 * A period of days typed as first, last (YYYY-MM-DD) and reason (at most
 * 200 bytes of text).  Returns 0, or -1 with a message and the field
 * ("first_day", "last_day", "reason") at fault.
 */
int	 rf_period_check(const char *first, const char *last,
	    const char *reason, const char **msg, const char **field);

/* 1 when a checkbox of value "yes" (or "on") was sent. */
int	 rf_yes(const struct form *f, const char *key);

/*
 * A name, address or other one-line text: trimmed copy into out
 * (outlen bytes) of at most max bytes of one line (valid_line: no line
 * break, tab or other control character).  Returns 0 (out may be ""
 * when s is NULL or blank), or -1.
 *
 * Times are read with valid_time, numbers with valid_int, ids with
 * valid_id, and the problems go in a struct valid_errors (cgi/valid.h).
 */
int	 rf_text(const char *s, size_t max, char *out, size_t outlen);

#endif

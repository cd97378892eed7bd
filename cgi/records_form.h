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
 * A period of days (a therapist's leave, a site's closure): the fields
 * first_day and last_day (YYYY-MM-DD; last_day empty for one day) and
 * reason (optional, one line of at most RF_REASON_MAX bytes), declared
 * once in rf_period_fields.
 */
#define RF_REASON_MAX	200
enum rf_period_field { RF_FIRST_DAY, RF_LAST_DAY, RF_REASON,
	RF_PERIOD__MAX };
extern const struct valid_field rf_period_fields[RF_PERIOD__MAX];

struct rf_period {
	struct valid_value	 v[RF_PERIOD__MAX];	/* as typed, kept */
	const char		*first;	/* the first day */
	const char		*last;	/* the last day: first when empty */
	const char		*reason; /* "" when none */
};

/*
 * Reads a period from f through rf_period_fields into *p, then the rule
 * that ties the fields: the last day not before the first.  Problems go
 * to errs in the order of the fields.  Returns how many problems there
 * were (0: p->first, p->last and p->reason are good).  Free with
 * rf_period_free, even on problems.  Aborts only on out of memory.
 */
size_t	 rf_period_read(const struct form *f, struct rf_period *p,
	    struct valid_errors *errs);
/* Frees what rf_period_read kept; safe on a zeroed period. */
void	 rf_period_free(struct rf_period *);
/* Sets v_first_day, v_last_day and v_reason in d to what was typed. */
void	 rf_period_tmpl(struct tmpl_data *d, const struct rf_period *);

/*
 * Times are read with valid_time, numbers with valid_int, ids with
 * valid_id, and the problems go in a struct valid_errors (cgi/valid.h).
 */

#endif

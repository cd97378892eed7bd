/*
 * page_terms: term dates (issue 20).  The term dates page of a site or
 * partner organisation, and what the booking and series pages say about
 * a series in term time only.
 */
#ifndef CGI_PAGE_TERMS_H
#define CGI_PAGE_TERMS_H

#include <stdint.h>

#include "cgi/app.h"
#include "db/schedule.h"
#include "templates/tmpl.h"

/*
 * For the booking page: when site_id has terms, sets term_words ("12
 * sessions, term time only, last session ...") and first_words and
 * last_words, and term_short when the terms hold fewer than count.
 */
void	 page_terms_plan(struct app *, struct tmpl_data *, int64_t site_id,
	    const char *first_date, int count);
/* For the series page: term_time, term_words and the holidays list. */
void	 page_terms_series(struct app *, struct tmpl_data *,
	    const struct db_series *);

/* The term dates page of a site (see page_terms.c). */
void	 page_terms_get(struct app *, struct req *, struct resp *);
void	 page_terms_post(struct app *, struct req *, struct resp *);

#endif

/*
 * page_undo: Undo of a booking or a move while its emails wait (issue
 * 17): the banner of the series page and POST /series/ID/undo.
 */
#ifndef CGI_PAGE_UNDO_H
#define CGI_PAGE_UNDO_H

#include "cgi/app.h"
#include "db/schedule.h"
#include "templates/tmpl.h"

/*
 * For the series page of s: the changes to it that can still be undone,
 * each with who made it and when, and Undo until its emails go (or why
 * not).  Sets has_undos and the list undos.  0, or -1 (the page cannot
 * be shown now).
 */
int	 page_undo_banner(struct app *, const struct req *, struct tmpl_data *,
	    const struct db_series *s);

#endif

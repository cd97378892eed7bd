/*
 * svg: charts drawn on the server as SVG, so that a report needs no
 * JavaScript.  A chart is a picture of figures that are also printed
 * beside it in a table; it carries a title for screen readers and uses
 * only presentation attributes (the site's CSP forbids inline style).
 *
 * Every text is XML-escaped (& < > " '), control characters are dropped
 * and invalid UTF-8 becomes U+FFFD, so any name makes well-formed XML.
 */
#ifndef CGI_SVG_H
#define CGI_SVG_H

#include <stddef.h>

struct buf;

/* One bar: its label, its length, and the figure printed at its end. */
struct svg_bar {
	const char	*label;
	double		 value;		/* negative or NaN draws as 0 */
	const char	*value_text;	/* "12", "85.0%" */
};

/*
 * Appends an <svg> horizontal bar chart of n bars to out: labels on the
 * left (cut to 24 characters with "…"), bars scaled to the largest value
 * (or to max when max > 0, for shares of 100), the figure after each
 * bar.  id (letters, digits, '-') names the chart's <title> element.
 * With no bars it says that there is nothing to show.  Cannot fail.
 */
void	 svg_bar_chart(struct buf *out, const char *id, const char *title,
	    const struct svg_bar *bars, size_t n, double max);

/*
 * Appends n bytes of s as XML text (escaped, controls dropped, invalid
 * UTF-8 replaced), at most max_chars characters, ending "…" when cut
 * (max_chars 0: no limit).  Cannot fail.
 */
void	 svg_text(struct buf *out, const char *s, size_t n, size_t max_chars);

#endif

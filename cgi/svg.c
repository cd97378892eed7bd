/*
 * svg: horizontal bar charts as SVG text.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cgi/svg.h"
#include "util/buf.h"

#define WIDTH		600	/* the drawing's units; it scales to fit */
#define LABEL_W		200	/* labels end here (right-aligned) */
#define BAR_X		210
#define BAR_MAX_W	300	/* the rest holds the figure */
#define ROW_H		26
#define BAR_H		18
#define TOP		8
#define LABEL_CHARS	24

#define INK		"#0b0c0c"
#define BAR		"#4b2c83"	/* the site's purple */
#define RULE		"#b1b4b6"

/* The length of the UTF-8 sequence starting at s (n bytes left); 0 when
 * it is not a whole, shortest-form sequence. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, k;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
	    c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	for (k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

void
svg_text(struct buf *out, const char *s, size_t n, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len, chars = 0;

	while (i < n) {
		if (max_chars > 0 && chars == max_chars) {
			buf_puts(out, "\xe2\x80\xa6");	/* … */
			return;
		}
		len = utf8_len(p + i, n - i);
		if (len == 0) {
			buf_puts(out, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		} else if (len == 1 && p[i] < 0x20) {
			/* XML 1.0 allows no C0 controls but tab, CR, LF;
			 * in a label a space does. */
			if (p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
				buf_putc(out, ' ');
			i++;
			continue;
		} else if (len == 1 && p[i] == 0x7f) {
			i++;
			continue;
		} else if (len == 1) {
			buf_html(out, s + i, 1);
			i++;
		} else {
			buf_append(out, s + i, len);
			i += len;
		}
		chars++;
	}
}

/* Appends the id, keeping only letters, digits and '-'. */
static void
put_id(struct buf *out, const char *id)
{
	for (; *id != '\0'; id++)
		if ((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
		    (*id >= '0' && *id <= '9') || *id == '-')
			buf_putc(out, *id);
}

void
svg_bar_chart(struct buf *out, const char *id, const char *title,
    const struct svg_bar *bars, size_t n, double max)
{
	double top = 0, v, w;
	size_t i, height;
	const char *vt;

	for (i = 0; i < n; i++)
		if (isfinite(bars[i].value) && bars[i].value > top)
			top = bars[i].value;
	if (max > 0)
		top = max;
	height = TOP * 2 + (n > 0 ? n : 1) * ROW_H;
	/* As wide as its column allows, its height following. */
	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart\" width=\"100%%\" viewBox=\"0 0 %d %zu\" "
	    "role=\"img\" aria-labelledby=\"", WIDTH, height);
	put_id(out, id);
	buf_puts(out, "-title\" font-family=\"Arial, Helvetica, sans-serif\" "
	    "font-size=\"13\">\n<title id=\"");
	put_id(out, id);
	buf_puts(out, "-title\">");
	svg_text(out, title, strlen(title), 0);
	buf_puts(out, "</title>\n");
	if (n == 0) {
		buf_printf(out, "<text x=\"%d\" y=\"%d\" fill=\"" INK "\">"
		    "Nothing to show for this period.</text>\n</svg>\n",
		    BAR_X, TOP + ROW_H / 2 + 5);
		return;
	}
	buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%zu\" "
	    "stroke=\"" RULE "\" stroke-width=\"1\"/>\n", BAR_X, TOP, BAR_X,
	    height - TOP);
	for (i = 0; i < n; i++) {
		v = bars[i].value;
		if (!isfinite(v) || v < 0)
			v = 0;
		w = top > 0 ? v / top * BAR_MAX_W : 0;
		if (w > BAR_MAX_W)
			w = BAR_MAX_W;
		buf_printf(out, "<g><text x=\"%d\" y=\"%zu\" "
		    "text-anchor=\"end\" fill=\"" INK "\">", LABEL_W,
		    TOP + i * ROW_H + 18);
		svg_text(out, bars[i].label ? bars[i].label : "",
		    bars[i].label ? strlen(bars[i].label) : 0, LABEL_CHARS);
		buf_printf(out, "</text><rect x=\"%d\" y=\"%zu\" "
		    "width=\"%.1f\" height=\"%d\" fill=\"" BAR "\"/>", BAR_X,
		    TOP + i * ROW_H + (ROW_H - BAR_H) / 2, w, BAR_H);
		vt = bars[i].value_text ? bars[i].value_text : "";
		buf_printf(out, "<text x=\"%.1f\" y=\"%zu\" fill=\"" INK "\">",
		    BAR_X + w + 6, TOP + i * ROW_H + 18);
		svg_text(out, vt, strlen(vt), 0);
		buf_puts(out, "</text></g>\n");
	}
	buf_puts(out, "</svg>\n");
}

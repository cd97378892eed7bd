#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/http.h"
#include "templates/tmpl.h"

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
http_header(struct resp *r, const char *name, const char *value)
{
	assert(strpbrk(name, "\r\n:") == NULL);
	assert(strpbrk(value, "\r\n") == NULL);
	buf_puts(&r->headers, name);
	buf_puts(&r->headers, ": ");
	buf_puts(&r->headers, value);
	buf_puts(&r->headers, "\r\n");
}

void
http_redirect(struct resp *r, const char *location)
{
	r->status = 303;
	http_header(r, "Location", location);
	buf_reset(&r->body);
}

/* Answers r with a plain 500: template name is missing. */
static void
render_failed(struct resp *r, const char *name)
{
	fprintf(stderr, "tutti: no template %s\n", name);
	buf_reset(&r->body);
	r->status = 500;
	r->content_type = "text/plain; charset=utf-8";
	buf_puts(&r->body, "Something went wrong on our side.\n");
}

void
app_render(struct app *app, struct resp *r, int status, const char *name,
    const struct tmpl_data *d)
{
	struct tmpl_data *outer = app_outer_data(app);

	buf_reset(&r->body);
	r->status = status;
	if (tmpl_render_outer(app->tmpl, name, d, outer, &r->body) == -1)
		render_failed(r, name);
	tmpl_data_free(outer);
}

void
app_render_around(struct app *app, struct resp *r, int status,
    const struct tmpl_data *d, const struct buf *body)
{
	struct tmpl_data *outer = app_outer_data(app);

	buf_reset(&r->body);
	r->status = status;
	buf_reserve(&r->body, body->len + 8192);
	if (tmpl_render_outer(app->tmpl, "staff_head.html", d, outer,
	    &r->body) == -1)
		render_failed(r, "staff_head.html");
	else {
		buf_append(&r->body, body->data, body->len);
		if (tmpl_render_outer(app->tmpl, "staff_foot.html", d, outer,
		    &r->body) == -1)
			render_failed(r, "staff_foot.html");
	}
	tmpl_data_free(outer);
}

void
http_error(struct app *app, struct resp *r, int status, const char *message)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_setf(d, "status", "%d", status);
	tmpl_data_set(d, "title", http_reason(status));
	tmpl_data_set(d, "message", message);
	r->content_type = NULL;
	app_render(app, r, status, "error.html", d);
	tmpl_data_free(d);
}

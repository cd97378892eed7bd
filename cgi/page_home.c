/*
 * page_home: the public front page and the health check.
 *
 *   GET /         what Tutti is, and the way to refer yourself
 *   GET /healthz  200 "ok" when the database answers, else 503
 */
#include <string.h>

#include "cgi/app.h"
#include "db/db.h"
#include "templates/tmpl.h"

void
page_home(struct app *app, struct req *rq, struct resp *rs)
{
	struct tmpl_data *d;

	(void)rq;
	d = tmpl_data_new();
	tmpl_data_set(d, "title", "Music therapy");
	app_render(app, rs, 200, "home.html", d);
	tmpl_data_free(d);
}

void
page_healthz(struct app *app, struct req *rq, struct resp *rs)
{
	(void)rq;
	rs->content_type = "text/plain; charset=utf-8";
	http_header(rs, "Cache-Control", "no-store");
	if (db_ping(app->db) == 0) {
		buf_puts(&rs->body, "ok\n");
	} else {
		rs->status = 503;
		buf_puts(&rs->body, "database not answering\n");
	}
}

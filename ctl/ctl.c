/*
 * ctl: a tuttictl command's context.  See ctl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "db/db.h"

struct db *
ctl_ctx_open(struct ctl_ctx *ctx)
{
	const char *path = getenv("TUTTI_DB");
	char err[512];

	memset(ctx, 0, sizeof(*ctx));
	if (path == NULL || *path == '\0')
		path = "var/tutti.db";
	if ((ctx->db = db_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tuttictl: %s\n", err);
		return NULL;
	}
	ctx->core.db = ctx->db;
	ctx->core.tz = getenv("TUTTI_TZ");
	ctx->core.addr = "tuttictl";
	return ctx->db;
}

void
ctl_ctx_close(struct ctl_ctx *ctx)
{
	if (ctx->db != NULL)
		db_close(ctx->db);
	memset(ctx, 0, sizeof(*ctx));
}

const char *
ctl_base_url(void)
{
	const char *b = getenv("TUTTI_BASE_URL");

	return b != NULL && *b != '\0' ? b : "http://127.0.0.1:8080";
}

int64_t
ctl_id_arg(const char *s)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	return *s != '\0' && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/*
 * ctl: what every tuttictl command opens before it works and closes
 * after, in one place: the database (TUTTI_DB, default var/tutti.db)
 * and the core context over it (TUTTI_TZ, "tuttictl" in the audit
 * trail), and the base of the links it prints.
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include <stdint.h>

#include "core/core.h"

struct ctl_ctx {
	struct db	*db;
	struct core_ctx	 core;	/* acts as the system, over db */
};

/*
 * Opens ctx: its database, or NULL with the cause printed (and nothing
 * to close).  The database stays ctx's: ctl_ctx_close closes it.
 */
struct db	*ctl_ctx_open(struct ctl_ctx *);
/* Closes what ctl_ctx_open opened; a zeroed ctx is fine. */
void		 ctl_ctx_close(struct ctl_ctx *);
/* The base of links: TUTTI_BASE_URL, or the development stack's. */
const char	*ctl_base_url(void);
/* The positive id in s ("12"), or 0 when s is not one. */
int64_t		 ctl_id_arg(const char *s);

#endif

/*
 * core: what the product does, in C with no HTTP.
 *
 * The layers, lowest first (each may use those before it, never one
 * after it; the Makefile links one archive per layer in this order, so a
 * call the wrong way fails to link):
 *
 *   util/  templates/  sched/  db/  ical/  mail/  core/  cgi/
 *
 * nginx -> cgi/ (route, parse, authorise, render) -> core/ (what to do)
 * -> sched/ (decide) and db/ (store, one transaction with its outbox rows
 * and audit lines).  tuttictl (ctl/) calls core/ as cgi/ does and never
 * includes cgi/.  ical/ and mail/ read db/ and sit below core/.
 *
 * Every action takes a struct core_ctx (who acts, from where, when, and
 * the service's settings) and reports through enum db_result with a
 * sentence for the person acting:
 *   DB_OK        done;
 *   DB_INVALID   the request breaks a rule; why says which, in plain words;
 *   DB_CONFLICT  a clash with what is booked; why names it;
 *   DB_BUSY, DB_FULL, DB_ERROR, DB_DUPLICATE: nothing was stored; why says
 *                so in plain words (the cause is logged where it is known).
 * On DB_OK why is left as "" (when whylen > 0).
 *
 * Modules:
 *   core/rules.h    the window rules and other pure domain rules
 *   core/zone.h     local weekday and minute of UTC times, fast
 *   core/world.h    the records read into a matching world
 *   core/booking.h  book, cancel, move, end, reinstate; the freed place
 */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"

/* Room for the sentence an action leaves in why. */
#define CORE_WHY_LEN	512

/* Who acts, from where and when, and the settings an action needs. */
struct core_ctx {
	struct db	*db;
	const char	*tz;		/* the service's zone; NULL: London */
	const char	*msgid_domain;	/* Message-IDs and iCalendar UIDs */
	int		 grace_s;	/* notices wait this long (an undo) */
	int64_t		 user_id;	/* staff user; 0: the system, a client */
	const char	*addr;		/* for the audit trail; NULL: "" */
	time_t		 now;		/* 0: the clock, read at each call */
};

/* The zone of ctx (never NULL) and the time now by ctx. */
const char	*core_tz(const struct core_ctx *);
time_t		 core_now(const struct core_ctx *);
/* ctx's address for the audit trail ("" when none) and Message-ID
 * domain ("tutti.localhost" when none); never NULL. */
const char	*core_addr(const struct core_ctx *);
const char	*core_domain(const struct core_ctx *);

#endif

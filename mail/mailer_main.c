/*
 * tutti-mailer: queues due reminders and sends the outbox.
 *
 *   tutti-mailer [-o] [-p pidfile]
 *
 *   -o   once: send everything due, then exit (benchmarks, cron)
 *   -p   write the process id to pidfile, removed on exit
 *
 * Settings (environment, all optional):
 *   TUTTI_DB          the database (var/tutti.db)
 *   TUTTI_TEMPLATES   the templates folder (templates)
 *   TUTTI_SMTP_URL    smtp://host:port (STARTTLS required unless the host
 *                     is loopback) or smtps://host:port; unset: write
 *                     each message into TUTTI_MAIL_DIR as a .eml file
 *   TUTTI_SMTP_USER, TUTTI_SMTP_PASS   log-in, when the server wants one
 *   TUTTI_MAIL_FROM   "Name <address>" or address
 *                     (Tutti <noreply@tutti.localhost>)
 *   TUTTI_MAIL_DIR    where files go without SMTP (var/mail)
 *   TUTTI_BASE_URL    the site's address for links (http://127.0.0.1:8080)
 *   TUTTI_TZ          the service's time zone (Europe/London)
 *   TUTTI_REMINDERS   when reminders go before each session: offsets
 *                     with a unit, s, m, h or d, separated by commas
 *                     (48h,2h); "0" or "off": none.  A bad value is
 *                     logged and the default used.
 *   TUTTI_MAIL_LEASE  seconds a message in hand is reserved for this
 *                     mailer (300, from 10 to 3600): a mailer that dies
 *                     sending leaves it to be sent again after this.
 *                     Reminder offsets shorter than it are refused.
 *   TUTTI_AGENDA      each therapist's daily agenda of their sessions:
 *                     unset or 0: none; 1: at 07:00 local time; HH:MM:
 *                     at that time.  A bad value is logged; none then.
 *
 * Each time round its loop it queues the reminders due (see mail.h:
 * never at booking time, never late in a burst), and at most once a
 * minute the agendas due; once a minute it drops the watches on writes
 * that erasures killed part way left (db/privacy.h).
 *
 * It looks for work about once a second, and at once again while a run
 * stopped with rows still due.  SIGTERM or SIGINT: the message in hand
 * is finished and recorded, then it exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/core.h"
#include "core/offer.h"
#include "core/self.h"
#include "core/survey.h"
#include "db/db.h"
#include "db/privacy.h"
#include "mail/mail.h"
#include "templates/tmpl.h"

#define BATCH_MAX	1000	/* rows a run handles before looking again */
#define AGENDA_EVERY	60	/* seconds between looks for agendas due */
#define SELF_EVERY	300	/* seconds between waitlist-check runs */
#define OFFERS_EVERY	60	/* seconds between place-offer runs */
#define WATCH_EVERY	60	/* seconds between looks for erasures' stale
				   watches on writes */

static volatile sig_atomic_t stop_requested;

static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char *
env(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

static void
usage(void)
{
	fputs("usage: tutti-mailer [-o] [-p pidfile]\n", stderr);
	exit(2);
}

/* Sleeps for ms milliseconds or until a signal arrives. */
static void
nap(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

int
main(int argc, char *argv[])
{
	struct mail_config cfg;
	struct mail_remind rem;
	struct mail_outbox_stats st;
	struct mail_outbox *ob = NULL;
	struct tmpl_set *tmpl = NULL;
	struct sigaction sa;
	struct db *db = NULL;
	const char *pidfile = NULL, *dbpath, *tdir;
	char err[512];
	int c, n, once = 0, rc = 1;
	time_t agenda_at = 0, self_at = 0, offers_at = 0, watch_at = 0;
	struct core_ctx ctx;
	FILE *f;

	/* Health data, password hashes and keys: no one else may read
	 * what this program makes (database, WAL, logs, backups). */
	(void)umask(077);
	while ((c = getopt(argc, argv, "op:")) != -1) {
		switch (c) {
		case 'o':
			once = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	(void)setenv("TZ", env("TUTTI_TZ", "Europe/London"), 1);
	tzset();
	dbpath = env("TUTTI_DB", "var/tutti.db");
	tdir = env("TUTTI_TEMPLATES", "templates");
	memset(&cfg, 0, sizeof(cfg));
	cfg.smtp_url = env("TUTTI_SMTP_URL", NULL);
	cfg.smtp_user = env("TUTTI_SMTP_USER", NULL);
	cfg.smtp_pass = env("TUTTI_SMTP_PASS", NULL);
	cfg.from = env("TUTTI_MAIL_FROM", NULL);
	cfg.mail_dir = env("TUTTI_MAIL_DIR", "var/mail");
	cfg.base_url = env("TUTTI_BASE_URL", "http://127.0.0.1:8080");
	cfg.tz = env("TUTTI_TZ", "Europe/London");
	cfg.lease = (int)strtol(env("TUTTI_MAIL_LEASE", "300"), NULL, 10);
	if (cfg.lease < 10 || cfg.lease > 3600) {
		fprintf(stderr, "tutti-mailer: TUTTI_MAIL_LEASE: from 10 to "
		    "3600 seconds; using 300\n");
		cfg.lease = 300;
	}
	mail_remind_defaults(&rem);
	rem.tz = cfg.tz;
	if (mail_remind_offsets_parse(env("TUTTI_REMINDERS",
	    MAIL_REMIND_DEFAULT), rem.offsets, &rem.noffsets, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "tutti-mailer: TUTTI_REMINDERS: %s; using "
		    "%s\n", err, MAIL_REMIND_DEFAULT);
		(void)mail_remind_offsets_parse(MAIL_REMIND_DEFAULT,
		    rem.offsets, &rem.noffsets, err, sizeof(err));
	}
	if (mail_remind_offsets_check(rem.offsets, rem.noffsets, cfg.lease,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "tutti-mailer: TUTTI_REMINDERS: %s; using "
		    "%s\n", err, MAIL_REMIND_DEFAULT);
		(void)mail_remind_offsets_parse(MAIL_REMIND_DEFAULT,
		    rem.offsets, &rem.noffsets, err, sizeof(err));
	}
	if (mail_agenda_parse(env("TUTTI_AGENDA", "0"), &rem.agenda_min, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "tutti-mailer: TUTTI_AGENDA: %s; no agendas\n",
		    err);
		rem.agenda_min = -1;
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("tutti-mailer: libcurl cannot start\n", stderr);
		return 1;
	}
	if ((db = db_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-mailer: %s\n", err);
		goto out;
	}
	if ((tmpl = tmpl_set_load(tdir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-mailer: templates: %s\n", err);
		goto out;
	}
	if ((ob = mail_outbox_new(&cfg, db, tmpl, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-mailer: %s\n", err);
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;	/* socket I/O carries on; naps end */
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pidfile != NULL) {
		if ((f = fopen(pidfile, "w")) == NULL) {
			fprintf(stderr, "tutti-mailer: %s: %s\n", pidfile,
			    strerror(errno));
			goto out;
		}
		fprintf(f, "%ld\n", (long)getpid());
		(void)fclose(f);
	}
	fprintf(stderr, "tutti-mailer: sending to %s\n",
	    cfg.smtp_url != NULL ? "an SMTP server" : cfg.mail_dir);

	rc = 0;
	/* The context of the core/ actions the loop takes (issue 18), as
	 * cgi/ and ctl/ call them. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = db;
	ctx.tz = cfg.tz;
	ctx.msgid_domain = rem.msgid_domain;
	ctx.addr = "mailer";
	while (!stop_requested) {
		if (mail_reminders_queue(db, &rem, time(NULL)) < 0)
			fputs("tutti-mailer: reminders not queued\n", stderr);
		if (rem.agenda_min >= 0 && time(NULL) >= agenda_at) {
			agenda_at = time(NULL) + AGENDA_EVERY;
			if (mail_agenda_queue(db, &rem, time(NULL)) < 0)
				fputs("tutti-mailer: agendas not queued\n",
				    stderr);
		}
		if (time(NULL) >= self_at) {
			/* Waitlist checks and their reminders (issue 18):
			 * a core/ action, as cgi/ and ctl/ call it. */
			self_at = time(NULL) + SELF_EVERY;
			if (core_waitlist_checks(&ctx) < 0)
				fputs("tutti-mailer: waitlist checks not "
				    "queued\n", stderr);
			/* The partner staff survey's yearly round. */
			if (core_surveys_tick(&ctx) < 0)
				fputs("tutti-mailer: partner surveys not "
				    "queued\n", stderr);
		}
		if (time(NULL) >= offers_at) {
			/* Place offers past their time are handed on. */
			offers_at = time(NULL) + OFFERS_EVERY;
			if (core_offers_tick(&ctx) < 0)
				fputs("tutti-mailer: place offers not handed "
				    "on\n", stderr);
		}
		if (time(NULL) >= watch_at) {
			/* An erasure killed part way leaves its watch on
			 * writes (db/privacy.h), and every write logs a row
			 * until it is dropped. */
			watch_at = time(NULL) + WATCH_EVERY;
			if ((n = db_privacy_watch_expire(db, time(NULL))) < 0)
				fputs("tutti-mailer: erasures' stale watches "
				    "not dropped\n", stderr);
			else if (n > 0)
				fprintf(stderr, "tutti-mailer: dropped %d "
				    "erasure watch%s left by a process stopped "
				    "part way\n", n, n == 1 ? "" : "es");
		}
		if (mail_outbox_run(ob, BATCH_MAX, &stop_requested, &st) == -1)
			fputs("tutti-mailer: the outbox run failed\n", stderr);
		if (st.sent + st.deferred + st.failed + st.dropped > 0)
			fprintf(stderr, "tutti-mailer: sent %zu, deferred %zu,"
			    " failed %zu, dropped %zu\n", st.sent, st.deferred,
			    st.failed, st.dropped);
		if (st.more)
			continue;
		if (once)
			break;
		nap(1000);
	}
	if (pidfile != NULL)
		(void)unlink(pidfile);
	fputs("tutti-mailer: stopped\n", stderr);
out:
	mail_outbox_free(ob);
	tmpl_set_free(tmpl);
	db_close(db);
	curl_global_cleanup();
	return rc;
}

/*
 * tutti-fcgi: the FastCGI program.
 *
 * A supervising parent opens the unix socket, brings the database schema
 * up to date, loads the templates, and forks the workers (one per core by
 * default).  It restarts a worker that dies and, on SIGTERM or SIGINT,
 * lets every worker finish the request in hand and removes the socket.
 * Each worker owns its own SQLite connection and answers one request at a
 * time: parse, route (route.c), handle, write.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/http.h"
#include "cgi/route.h"
#include "db/db.h"
#include "templates/tmpl.h"

#define WORKERS_MAX	64
#define WRITE_WAIT_MS	2500	/* a request's longest wait for the lock */
#define WORKERS_PER_CPU	4	/* enough that waiting writers leave some
				   for reads */
#define REFER_PER_HOUR	5	/* default of TUTTI_REFER_LIMIT */
/* Freed memory a worker keeps for its next requests (malloc.h). */
#define HEAP_KEEP	(8 * 1024 * 1024)

static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'";

/* No page asks for the camera, microphone, location or payments:
 * nor may anything embedded (as nginx/headers.conf says for nginx's). */
static const char permissions[] =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

static volatile sig_atomic_t worker_busy;
static volatile sig_atomic_t stop_requested;

static void
on_worker_term(int sig)
{
	(void)sig;
	if (!worker_busy)
		_exit(0);
	stop_requested = 1;
}

static void
on_parent_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char *
param(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);

	return v != NULL ? v : "";
}

/* 1 when the content type names url-encoded form data. */
static int
is_urlencoded(const char *ct)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(want) - 1;

	return strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * Reads the body into body (at most HTTP_BODY_MAX bytes).  Returns 0, or
 * the status to answer: 413 when it is larger, 400 when it is cut short.
 */
static int
read_body(FCGX_Request *fr, struct buf *body)
{
	const char *cl = param(fr, "CONTENT_LENGTH");
	char *end;
	unsigned long long n;
	int got;

	buf_reset(body);
	if (*cl == '\0')
		return 0;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0')
		return 400;
	if (n > HTTP_BODY_MAX)
		return 413;
	buf_reserve(body, (size_t)n);
	got = FCGX_GetStr(body->data, (int)n, fr->in);
	if (got < 0 || (unsigned long long)got != n)
		return 400;
	body->len = (size_t)got;
	body->data[body->len] = '\0';
	return 0;
}

/* libfcgi's stdout buffer: it writes a record each time this fills. */
#define FCGX_BUFFER	8192
/* The most content one FastCGI record carries (a multiple of 8). */
#define RECORD_MAX	65528
/* Records written by one writev: a header and a part each. */
#define RECORDS_A_WRITE	32

/* Fills a FastCGI stdout record header for len bytes of content. */
static void
record_header(unsigned char h[FCGI_HEADER_LEN], int request_id, size_t len)
{
	h[0] = FCGI_VERSION_1;
	h[1] = FCGI_STDOUT;
	h[2] = (unsigned char)(request_id >> 8);
	h[3] = (unsigned char)request_id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;	/* no padding */
	h[7] = 0;
}

/*
 * Writes head and then body to the web server as FastCGI stdout records,
 * straight to the connection with as few writev calls as the records
 * allow (one for any page under 2 MB), where libfcgi's stream would
 * write one record each 8 KB.  libfcgi ends the stream and the request
 * afterwards (FCGX_Finish_r), as for any answer; its stream must hold
 * nothing yet.  This reads two fields of FCGX_Request (the connection and
 * the request id) that fcgiapp.h marks as libfcgi's own: they are as
 * FastCGI defines them, and 2.4's layout has not changed since 2001.
 * Returns 0, or -1 when the connection failed (the server then sees a
 * cut answer, as it would from a failed FCGX_PutStr).
 */
static int
respond_records(FCGX_Request *fr, const struct buf *head,
    const char *body, size_t bodylen)
{
	unsigned char hdr[RECORDS_A_WRITE][FCGI_HEADER_LEN];
	struct iovec iov[RECORDS_A_WRITE * 2], *v;
	const char *part[2] = { head->data, body };
	size_t left[2] = { head->len, bodylen };
	size_t k, n, nv, p = 0;
	ssize_t w;

	while (p < 2) {
		for (nv = 0, k = 0; k < RECORDS_A_WRITE && p < 2; k++) {
			n = left[p] < RECORD_MAX ? left[p] : RECORD_MAX;
			record_header(hdr[k], fr->requestId, n);
			iov[nv].iov_base = hdr[k];
			iov[nv++].iov_len = FCGI_HEADER_LEN;
			iov[nv].iov_base = (void *)part[p];
			iov[nv++].iov_len = n;
			part[p] += n;
			left[p] -= n;
			while (p < 2 && left[p] == 0)
				p++;
		}
		/* A socket may take part of it: write the rest. */
		v = iov;
		while (nv > 0) {
			if ((w = writev(fr->ipcFd, v, (int)nv)) < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			while (nv > 0 && (size_t)w >= v->iov_len) {
				w -= (ssize_t)v->iov_len;
				v++;
				nv--;
			}
			if (nv > 0) {
				v->iov_base = (char *)v->iov_base + w;
				v->iov_len -= (size_t)w;
			}
		}
	}
	return 0;
}

/*
 * Writes the status line, headers and body to the FastCGI stream: a page
 * that fits libfcgi's buffer through it, a larger one in whole records
 * (respond_records).
 */
static void
respond(FCGX_Request *fr, struct resp *rs, struct buf *out, int head)
{
	int body;

	buf_reset(out);
	buf_printf(out, "Status: %d %s\r\n", rs->status,
	    http_reason(rs->status));
	if (rs->status != 304 && rs->status != 303)
		buf_printf(out, "Content-Type: %s\r\n", rs->content_type ?
		    rs->content_type : "text/html; charset=utf-8");
	buf_printf(out, "Content-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Permissions-Policy: %s\r\n", csp, permissions);
	buf_append(out, rs->headers.data, rs->headers.len);
	buf_puts(out, "\r\n");
	body = !head && rs->status != 304 && rs->body.len > 0;
	if (body && out->len + rs->body.len > FCGX_BUFFER &&
	    fr->ipcFd >= 0 && fr->requestId > 0) {
		(void)respond_records(fr, out, rs->body.data, rs->body.len);
		return;
	}
	if (body)
		buf_append(out, rs->body.data, rs->body.len);
	(void)FCGX_PutStr(out->data, (int)out->len, fr->out);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Answers one request: parses it, routes it and writes the answer into
 * libfcgi's stream (respond).  The request's log line goes into logline,
 * for the caller to write once libfcgi has finished the request, so that
 * the web server has the whole answer before the worker writes its log
 * (the line borrows nothing from the request, which that frees).
 */
static void
handle(struct app *app, FCGX_Request *fr, struct buf *body,
    struct resp *rs, struct buf *out, struct buf *logline)
{
	struct req rq;
	struct user user;
	double t0 = now_ms();
	const char *uri;
	char path[1024];
	size_t n;
	int st;

	memset(&rq, 0, sizeof(rq));
	form_init(&rq.q);
	form_init(&rq.f);
	rs->status = 200;
	rs->content_type = NULL;
	buf_reset(&rs->headers);
	buf_reset(&rs->body);

	rq.method = param(fr, "REQUEST_METHOD");
	rq.query = param(fr, "QUERY_STRING");
	rq.content_type = param(fr, "CONTENT_TYPE");
	rq.remote_addr = param(fr, "REMOTE_ADDR");
	rq.cookie = param(fr, "HTTP_COOKIE");
	rq.origin = param(fr, "HTTP_ORIGIN");
	rq.fetch_site = param(fr, "HTTP_SEC_FETCH_SITE");
	rq.if_none_match = param(fr, "HTTP_IF_NONE_MATCH");
	/* DOCUMENT_URI is the decoded path nginx matched, without query. */
	uri = param(fr, "DOCUMENT_URI");
	if (*uri == '\0')
		uri = param(fr, "SCRIPT_NAME");
	n = strlen(uri);
	if (n >= sizeof(path) || memchr(uri, '\0', n) != NULL) {
		http_error(app, rs, 400, "This address is too long.");
		goto out;
	}
	memcpy(path, uri, n + 1);
	/* One trailing slash is forgiven: /refer/ is /refer. */
	if (n > 1 && path[n - 1] == '/')
		path[n - 1] = '\0';
	rq.path = path;

	if (form_parse(&rq.q, rq.query, strlen(rq.query), HTTP_FIELDS_MAX) !=
	    FORM_OK)
		rq.badquery = 1;
	if ((st = read_body(fr, body)) != 0) {
		http_error(app, rs, st, st == 413 ?
		    "What you sent is too large. Shorten the longest answers "
		    "and try again." : "What you sent arrived incomplete. "
		    "Please try again.");
		goto out;
	}
	rq.body = buf_cstr(body);
	rq.bodylen = body->len;
	if (rq.bodylen > 0 && is_urlencoded(rq.content_type))
		rq.badbody = (int)form_parse(&rq.f, rq.body, rq.bodylen,
		    HTTP_FIELDS_MAX);
	if (*rq.cookie != '\0' && auth_session_load(app, &rq, &user) == 1)
		rq.user = &user;
	route_dispatch(app, &rq, rs);
out:
	respond(fr, rs, out, strcmp(rq.method, "HEAD") == 0);
	/* One line a request; the path only, as queries may hold tokens,
	 * and a calendar feed's path is its token. */
	buf_reset(logline);
	buf_printf(logline, "%s %s %d %.2fms\n", rq.method, rq.path == NULL ?
	    "-" : strncmp(rq.path, "/calendar/", 10) == 0 ? "/calendar/…" :
	    rq.path, rs->status, now_ms() - t0);
	form_free(&rq.q);
	form_free(&rq.f);
}

static int
worker(int sock, struct tmpl_set *tmpl, const char *dbpath)
{
	struct app app;
	struct resp rs;
	struct buf body = BUF_INIT, out = BUF_INIT, logline = BUF_INIT;
	struct sigaction sa;
	FCGX_Request fr;
	char err[256];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_worker_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);

	/*
	 * A request frees what it allocated (SQLite's page cache among it,
	 * which starts again after another process writes); by default
	 * glibc would hand that back to the kernel each time and fault it
	 * in again on the next request, a dozen brk calls a referral.
	 */
	(void)mallopt(M_TRIM_THRESHOLD, HEAP_KEEP);
	(void)mallopt(M_MMAP_THRESHOLD, HEAP_KEEP / 8);

	memset(&app, 0, sizeof(app));
	app.tmpl = tmpl;
	app.base_url = getenv("TUTTI_BASE_URL");
	if (app.base_url == NULL || *app.base_url == '\0')
		app.base_url = "http://127.0.0.1:8080";
	app.msgid_domain = "tutti.localhost";
	app.tz = getenv("TUTTI_TZ");
	if (app.tz == NULL || *app.tz == '\0')
		app.tz = "Europe/London";
	/* TUTTI_CHANGE_GRACE: seconds before the emails of a booking, a
	 * move or a cancellation go (Undo meanwhile). */
	app.grace_s = getenv("TUTTI_CHANGE_GRACE") != NULL ?
	    atoi(getenv("TUTTI_CHANGE_GRACE")) : 180;
	if (app.grace_s < 0)
		app.grace_s = 0;
	/* TUTTI_REFER_LIMIT: public referrals an hour from one address, and
	 * for one email address (the limit nginx may not be there to keep). */
	app.refer_per_hour = getenv("TUTTI_REFER_LIMIT") != NULL ?
	    atoi(getenv("TUTTI_REFER_LIMIT")) : REFER_PER_HOUR;
	if (app.refer_per_hour < 1)
		app.refer_per_hour = REFER_PER_HOUR;
	if ((app.db = db_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-fcgi: %s\n", err);
		return 1;
	}
	/* The checkpointer copies the WAL back, not a request. */
	db_autocheckpoint(app.db, 0);
	/* A held write lock: the 503 page after 2.5 s, the worker freed. */
	db_busy_timeout(app.db, WRITE_WAIT_MS);
	if (db_secret(app.db, "form_key", app.form_key,
	    sizeof(app.form_key)) == -1) {
		db_close(app.db);
		return 1;
	}
	memset(&rs, 0, sizeof(rs));
	if (FCGX_InitRequest(&fr, sock, 0) != 0) {
		db_close(app.db);
		return 1;
	}
	while (!stop_requested) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		worker_busy = 1;
		handle(&app, &fr, &body, &rs, &out, &logline);
		FCGX_Finish_r(&fr);
		(void)fwrite(logline.data, 1, logline.len, stderr);
		worker_busy = 0;
	}
	buf_free(&body);
	buf_free(&out);
	buf_free(&logline);
	buf_free(&rs.headers);
	buf_free(&rs.body);
	db_close(app.db);
	return 0;
}

/*
 * The checkpointer, a child like the workers and restarted like them:
 * copies the WAL back into the database ten times a second, so that no
 * request waits for a checkpoint and its fsyncs, and keeps the WAL small.
 */
static int
checkpointer(const char *dbpath)
{
	struct sigaction sa;
	struct db *db;
	char err[256];

	/* A checkpoint cut short by a signal is safe: SQLite redoes it. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)prctl(PR_SET_NAME, "tutti-ckpt");
	if ((db = db_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-fcgi: checkpointer: %s\n", err);
		return 1;
	}
	for (;;) {
		if (db_checkpoint(db) == -1)
			sleep(1);
		usleep(100 * 1000);
	}
}

/*
 * 1 if a program answers on the unix socket at path (a live supervisor
 * or its orphaned workers), 0 if nothing does (absent or stale).
 */
static int
socket_answers(const char *path)
{
	struct sockaddr_un sun;
	int fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	(void)close(fd);
	return r;
}

/*
 * In a new child: dies with the supervisor.  PR_SET_PDEATHSIG sends
 * SIGTERM when the parent goes (a worker finishes its request first);
 * getppid() catches a parent that went before the call.
 */
static void
child_tie(pid_t parent)
{
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
}

static void
usage(void)
{
	fputs("usage: tutti-fcgi [-n workers] [-p pidfile] -s socket\n",
	    stderr);
	exit(2);
}

int
main(int argc, char *argv[])
{
	pid_t pids[WORKERS_MAX + 1];	/* the workers, then the checkpointer */
	const char *sockpath = NULL, *pidfile = NULL, *dbpath, *tdir, *tz;
	struct tmpl_set *tmpl;
	struct sigaction sa;
	struct db *db;
	char err[512];
	long n;
	int c, i, sock, nworkers, nkids, status, restarts = 0;
	time_t window = time(NULL);
	struct stat own;
	pid_t pid, self;
	FILE *f;

	/* Health data, password hashes and keys: no one else may read
	 * what this program makes (database, WAL, logs, backups). */
	(void)umask(077);

	/*
	 * Workers mostly wait (on the network, on a lock), so several per
	 * core: while a held lock keeps writers waiting their 2.5 s, others
	 * are free for reads, which WAL never makes wait (issue 14).
	 */
	nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN) * WORKERS_PER_CPU;
	while ((c = getopt(argc, argv, "n:p:s:")) != -1) {
		switch (c) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			if (n < 1 || n > WORKERS_MAX)
				usage();
			nworkers = (int)n;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (sockpath == NULL)
		usage();
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > WORKERS_MAX)
		nworkers = WORKERS_MAX;

	tz = getenv("TUTTI_TZ");
	(void)setenv("TZ", tz != NULL && *tz != '\0' ? tz : "Europe/London",
	    1);
	tzset();
	if ((dbpath = getenv("TUTTI_DB")) == NULL || *dbpath == '\0')
		dbpath = "var/tutti.db";
	if ((tdir = getenv("TUTTI_TEMPLATES")) == NULL || *tdir == '\0')
		tdir = "templates";

	/* Migrate once here, so that workers never race to do it. */
	if ((db = db_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-fcgi: %s\n", err);
		return 1;
	}
	db_close(db);
	if ((tmpl = tmpl_set_load(tdir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tutti-fcgi: templates: %s\n", err);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0) {
		fputs("tutti-fcgi: FastCGI library cannot start\n", stderr);
		return 1;
	}
	/*
	 * Never take the socket from programs still answering on it (a live
	 * stack, or a dead supervisor's workers): unlinking it would leave
	 * them serving nobody and nginx with nothing to reach (issue 14).
	 */
	if (socket_answers(sockpath)) {
		fprintf(stderr, "tutti-fcgi: %s: another tutti-fcgi still "
		    "answers there; stop it first\n", sockpath);
		return 1;
	}
	(void)unlink(sockpath);
	if ((sock = FCGX_OpenSocket(sockpath, 1024)) < 0) {
		fprintf(stderr, "tutti-fcgi: %s: cannot listen\n", sockpath);
		return 1;
	}
	(void)chmod(sockpath, 0660);
	memset(&own, 0, sizeof(own));
	(void)stat(sockpath, &own);
	self = getpid();
	if (pidfile != NULL && (f = fopen(pidfile, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_parent_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);

	nkids = nworkers + 1;
	for (i = 0; i < nkids; i++)
		pids[i] = 0;
	fprintf(stderr, "tutti-fcgi: %d workers on %s\n", nworkers, sockpath);
	while (!stop_requested) {
		for (i = 0; i < nkids && !stop_requested; i++) {
			if (pids[i] > 0)
				continue;
			if ((pid = fork()) == -1) {
				perror("tutti-fcgi: fork");
				sleep(1);
				continue;
			}
			if (pid == 0) {
				child_tie(self);
				sa.sa_handler = SIG_DFL;
				(void)sigaction(SIGINT, &sa, NULL);
				_exit(i == nworkers ? checkpointer(dbpath) :
				    worker(sock, tmpl, dbpath));
			}
			pids[i] = pid;
		}
		pid = waitpid(-1, &status, 0);
		if (pid == -1) {
			if (errno != EINTR)
				sleep(1);
			continue;
		}
		for (i = 0; i < nkids; i++)
			if (pids[i] == pid)
				pids[i] = 0;
		if (stop_requested)
			break;
		if (WIFSIGNALED(status))
			fprintf(stderr, "tutti-fcgi: worker %ld killed by "
			    "signal %d; starting another\n", (long)pid,
			    WTERMSIG(status));
		else
			fprintf(stderr, "tutti-fcgi: worker %ld exited with "
			    "%d; starting another\n", (long)pid,
			    WEXITSTATUS(status));
		/* A worker that dies at once must not make us spin. */
		if (time(NULL) - window > 10) {
			window = time(NULL);
			restarts = 0;
		}
		if (++restarts > 20)
			sleep(1);
	}

	for (i = 0; i < nkids; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGTERM);
	for (c = 0; c < 100; c++) {
		for (n = 0, i = 0; i < nkids; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG)
			    == pids[i])
				pids[i] = 0;
			n += pids[i] > 0;
		}
		if (n == 0)
			break;
		usleep(100 * 1000);
	}
	for (i = 0; i < nkids; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGKILL);
	{
		struct stat now;

		/* Only our own socket: a successor may have made another. */
		if (stat(sockpath, &now) == 0 && now.st_ino == own.st_ino &&
		    now.st_dev == own.st_dev)
			(void)unlink(sockpath);
	}
	if (pidfile != NULL)
		(void)unlink(pidfile);
	tmpl_set_free(tmpl);
	fputs("tutti-fcgi: stopped\n", stderr);
	return 0;
}

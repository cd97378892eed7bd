/*
 * fcgi-hello: the smallest useful libfcgi program, the ceiling that
 * `make bench` measures every handler against.
 *
 *   fcgi-hello [-n workers] [-p pidfile] -s socket
 *
 * Opens the unix socket, forks one worker per core (like tutti-fcgi), and
 * each worker answers every request with a fixed "hello".  It reads no
 * body and one parameter: with the query "bytes=N" the body is N bytes
 * instead (to tell the cost of moving a page of that size from the cost
 * of making it).  Whatever tutti-fcgi does beyond this is the cost of the
 * product.  SIGTERM or SIGINT stops the workers and removes the socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define WORKERS_MAX	64
#define BIG_MAX		(256 * 1024)	/* largest ?bytes= body */

static const char answer[] =
    "Status: 200\r\nContent-Type: text/plain\r\n\r\nhello\n";

static volatile sig_atomic_t stop_requested;

static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int
worker(int sock)
{
	FCGX_Request fr;
	struct sigaction sa;
	const char *q;
	char *big = NULL;
	size_t head = sizeof(answer) - 1 - 6;	/* without "hello\n" */
	long n;

	/* Idle in accept(): a signal ends the worker at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	if (FCGX_InitRequest(&fr, sock, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&fr) >= 0) {
		q = FCGX_GetParam("QUERY_STRING", fr.envp);
		if (q != NULL && strncmp(q, "bytes=", 6) == 0 &&
		    (n = strtol(q + 6, NULL, 10)) > 0 && n <= BIG_MAX &&
		    (big != NULL || (big = malloc(head + BIG_MAX)) != NULL)) {
			/* The same headers, and n bytes of body. */
			memcpy(big, answer, head);
			memset(big + head, 'x', (size_t)n);
			(void)FCGX_PutStr(big, (int)(head + (size_t)n), fr.out);
		} else
			(void)FCGX_PutStr(answer, (int)sizeof(answer) - 1,
			    fr.out);
		FCGX_Finish_r(&fr);
	}
	free(big);
	return 0;
}

static void
usage(void)
{
	fputs("usage: fcgi-hello [-n workers] [-p pidfile] -s socket\n",
	    stderr);
	exit(2);
}

int
main(int argc, char *argv[])
{
	pid_t pids[WORKERS_MAX], pid;
	const char *sockpath = NULL, *pidfile = NULL;
	struct sigaction sa;
	long n;
	int c, i, sock, status, nworkers, alive;
	FILE *f;

	nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN);
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
	if (sockpath == NULL || optind != argc)
		usage();
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > WORKERS_MAX)
		nworkers = WORKERS_MAX;

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0) {
		fputs("fcgi-hello: FastCGI library cannot start\n", stderr);
		return 1;
	}
	(void)unlink(sockpath);
	if ((sock = FCGX_OpenSocket(sockpath, 1024)) < 0) {
		fprintf(stderr, "fcgi-hello: %s: cannot listen\n", sockpath);
		return 1;
	}
	(void)chmod(sockpath, 0660);
	if (pidfile != NULL && (f = fopen(pidfile, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);

	for (alive = 0, i = 0; i < nworkers; i++) {
		if ((pid = fork()) == -1) {
			perror("fcgi-hello: fork");
			pids[i] = 0;
			continue;
		}
		if (pid == 0)
			_exit(worker(sock));
		pids[i] = pid;
		alive++;
	}
	fprintf(stderr, "fcgi-hello: %d workers on %s\n", nworkers, sockpath);

	/* Wait for a signal, or for every worker to end. */
	while (alive > 0 && !stop_requested) {
		pid = waitpid(-1, &status, 0);
		if (pid == -1 && errno != EINTR)
			break;
		if (pid > 0)
			for (i = 0; i < nworkers; i++)
				if (pids[i] == pid) {
					pids[i] = 0;
					alive--;
				}
	}
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGTERM);
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			(void)waitpid(pids[i], &status, 0);
	(void)unlink(sockpath);
	if (pidfile != NULL)
		(void)unlink(pidfile);
	return 0;
}

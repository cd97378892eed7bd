/*
 * mint-tokens: prints N fresh form tokens for POST /refer, one a line,
 * signed with the form key in the database (TUTTI_DB), exactly as a
 * worker's GET /refer makes them (cgi/token.c).  `make bench` uses them
 * so that every benchmarked POST carries a token never used before,
 * without spending the run on GET /refer first.
 *
 *   TUTTI_DB=var/tutti.db mint-tokens N
 *
 * Run it after the workers have started: they create the key on first
 * start, and this reads the same one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "cgi/token.h"
#include "db/db.h"

int
main(int argc, char *argv[])
{
	unsigned char key[32];
	char tok[TOKEN_STR_LEN], err[256], *end;
	const char *path = getenv("TUTTI_DB");
	struct db *db;
	long long i, n;
	time_t now = time(NULL);

	if (argc != 2 || (n = strtoll(argv[1], &end, 10)) < 1 || *end != '\0') {
		fputs("usage: mint-tokens N\n", stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fputs("mint-tokens: libsodium cannot start\n", stderr);
		return 1;
	}
	if (path == NULL || *path == '\0')
		path = "var/tutti.db";
	if ((db = db_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mint-tokens: %s\n", err);
		return 1;
	}
	if (db_secret(db, "form_key", key, sizeof(key)) == -1) {
		fputs("mint-tokens: cannot read the form key\n", stderr);
		db_close(db);
		return 1;
	}
	db_close(db);
	for (i = 0; i < n; i++) {
		token_make(key, now, tok);
		puts(tok);
	}
	sodium_memzero(key, sizeof(key));
	return fflush(stdout) == 0 ? 0 : 1;
}

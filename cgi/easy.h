/*
 * easy: the answers of the Easy Read referral (/refer/easy), carried
 * from page to page in one signed hidden field, so that the form works
 * without JavaScript and keeps nothing on the server until it is sent.
 *
 * The field reads "e1." base64url(answers) "." base64url(mac), where the
 * answers are the pairs in x-www-form-urlencoded form and the mac is the
 * first 16 bytes of HMAC-SHA-256 under the worker's form key over a
 * label of its own and the answers (so a form token never passes as
 * answers, nor the other way round).  A changed byte anywhere makes the
 * whole field refused: the page then says so in plain words.
 */
#ifndef CGI_EASY_H
#define CGI_EASY_H

#include <stddef.h>

struct buf;
struct form;

/* The longest carried field easy_answers_open reads (bytes). */
#define EASY_ANSWERS_MAX	(64 * 1024)
/* The most pairs the carried answers may hold. */
#define EASY_ANSWERS_PAIRS	64

/*
 * Appends the sealed text of every pair of f, in order, to out.
 * Values may hold any bytes (NUL too).  Cannot fail.
 */
void	 easy_answers_seal(const unsigned char key[32], const struct form *f,
	    struct buf *out);

/*
 * Opens the len bytes at s (a carried field as posted; need not end in
 * NUL) and appends its pairs to f (form_init'ed).  An empty field is no
 * answers yet: 0 with nothing appended.  Returns 0, or -1 when the field
 * is malformed, too long, or its mac does not match (f is then as it
 * was).  Never reads past len.  Aborts only on out of memory.
 */
int	 easy_answers_open(const unsigned char key[32], const char *s,
	    size_t len, struct form *f);

#endif

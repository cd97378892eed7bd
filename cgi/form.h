/*
 * form: reads application/x-www-form-urlencoded bodies and query strings,
 * and Cookie headers.  Pure C over bytes: no environment, no I/O.
 *
 * Nothing here checks that a value is sensible text; that is the job of
 * the field table and cgi/valid.h (valid_utf8_text with valuelen).
 */
#ifndef CGI_FORM_H
#define CGI_FORM_H

#include <stddef.h>

/* Longest body or query string form_parse reads (bytes, still encoded). */
#define FORM_BODY_MAX	(1024 * 1024)
/* Longest key, in bytes after decoding; our keys are short names. */
#define FORM_KEY_MAX	128

/*
 * One name=value pair, decoded.  Both strings are NUL-terminated and owned
 * by the form.  The key never contains a NUL byte; the value may (from
 * "%00"), so valuelen is its true length and value[valuelen] == '\0'.
 */
struct form_field {
	char	*key;
	char	*value;
	size_t	 valuelen;
};

/* The pairs in the order they came; repeated keys are kept, in order. */
struct form {
	struct form_field	*fields;
	size_t			 count;
	size_t			 cap;
};

enum form_err {
	FORM_OK = 0,
	FORM_BAD_ESCAPE,	/* "%G1", "%4", a trailing "%" */
	FORM_TOO_MANY,		/* more than maxfields pairs in this call */
	FORM_TOO_LONG,		/* body > FORM_BODY_MAX or key > FORM_KEY_MAX */
	FORM_BAD_KEY		/* a key holding a NUL byte (raw or "%00") */
};

/* Makes f an empty form.  Cannot fail. */
void	 form_init(struct form *f);

/*
 * Frees every pair and the array, and leaves f empty and reusable.
 * Safe on a form that was only initialised, and on NULL.
 */
void	 form_free(struct form *f);

/*
 * Parses len bytes of body (need not be NUL-terminated; may hold NULs;
 * NULL is allowed when len is 0) and appends the pairs to f, which must
 * have been form_init'ed (it may already hold pairs, e.g. the query
 * string's).
 *
 * Pairs are separated by '&' only (';' is an ordinary byte).  In keys and
 * values '+' becomes a space and %XX (hex, any case) becomes that byte.
 * A pair without '=' is a key with an empty value; "=v" is an empty key.
 * Empty pairs ("a=1&&b=2", a leading or trailing '&') are skipped and do
 * not count.
 *
 * Returns FORM_OK, or the first error met; on any error f holds exactly
 * the pairs it held before the call.  maxfields limits the pairs added by
 * this call.  Aborts only on out of memory.
 */
enum form_err form_parse(struct form *f, const char *body, size_t len,
		size_t maxfields);

/*
 * Appends the pair key (no NUL byte in it) = the len bytes of value
 * (copied; value may be NULL when len is 0) to f.  Aborts only on out
 * of memory.
 */
void	 form_add(struct form *f, const char *key, const char *value,
	    size_t len);

/* A short English name for an error, for logs (static string). */
const char *form_strerror(enum form_err);

/* The first value for key, or NULL if none.  Borrowed from f. */
const char *form_get(const struct form *f, const char *key);

/* How many pairs have this key (repeatable fields: needs, site, ...). */
size_t	 form_count(const struct form *f, const char *key);

/* The n-th (from 0) value for key, or NULL if there are not that many. */
const char *form_get_nth(const struct form *f, const char *key, size_t n);

/*
 * The n-th (from 0) pair with this key, or NULL: use it when the length
 * matters (a value with a NUL byte in it must be refused, not truncated).
 */
const struct form_field *form_field_nth(const struct form *f,
		const char *key, size_t n);

/*
 * Finds cookie name in a Cookie header value ("a=1; b=2") and copies its
 * value into out (outlen bytes including the NUL).  Pairs are split on
 * ';'; spaces and tabs around names and values are ignored; a value in
 * double quotes loses the quotes; "a=" is a present, empty value.  As in
 * browsers (RFC 6265bis), a bare "a" with no '=' is a nameless cookie
 * whose value is "a", so it is never found by name.  Names compare
 * exactly (case matters); the first match wins.
 *
 * Returns 0, or -1 if header is NULL, the cookie is absent, or its value
 * does not fit in out.  out is "" after a failure (when outlen > 0).
 */
int	 cookie_get(const char *header, const char *name, char *out,
		size_t outlen);

#endif

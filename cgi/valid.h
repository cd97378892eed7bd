/*
 * valid: how every form checks what people type (the referral forms,
 * log-in, every staff page).
 *
 * Two layers, as in kcgi's kvalid:
 *   - validators for one value (valid_email, valid_postcode, valid_line,
 *     valid_id, ...): pure functions of their arguments that allocate
 *     nothing and never read past the string or length they are given;
 *     valid_refcode_make alone uses randomness (libsodium);
 *   - the field table: each form declares its fields once, as an array of
 *     struct valid_field {name, type, required, limits, label, message};
 *     valid_form_check reads a posted form against it, keeps every typed
 *     value (for showing again) and fills one error list, which
 *     valid_errors_tmpl turns into the GOV.UK error summary.  A page then
 *     adds only the rules that tie fields together.
 *
 * Writers take out and outlen (bytes including the NUL).  On failure they
 * leave out as "" (when outlen > 0), so a caller never shows half a value.
 */
#ifndef CGI_VALID_H
#define CGI_VALID_H

#include <stddef.h>
#include <stdint.h>

#include "cgi/form.h"

/* Room, including the NUL, that each writer needs at most. */
#define VALID_POSTCODE_LEN	9	/* "SW1A 1AA" */
#define VALID_DISTRICT_LEN	5	/* "SW1A" */
#define VALID_PHONE_LEN		17	/* '+' and 15 digits */
#define VALID_REFCODE_LEN	10	/* "XXXX-XXXX" */
#define VALID_EMAIL_MAX		254	/* longest address valid_email takes */

/*
 * 1 if the len bytes at s are well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence) and hold no
 * NUL and no C0 control character other than tab, LF and CR; else 0.
 * DEL and C1 controls (U+0080..U+009F) are allowed.  s may be NULL when
 * len is 0 (the empty text is valid).
 */
int	 valid_utf8_text(const char *s, size_t len);

/*
 * 1 if the len bytes at s are one line of text: valid_utf8_text, and no
 * control character at all (no CR, LF or tab, no other C0, no DEL, no
 * C1).  For names, addresses, reasons: anything that may end up in an
 * email header or a one-line display.  s may be NULL when len is 0.
 */
int	 valid_line(const char *s, size_t len);

/*
 * 1 if the len bytes at s are text of several lines: as valid_line, but
 * CR and LF are allowed (browsers send CR LF from a textarea).  For the
 * fields typed in a textarea: "about", notes.
 */
int	 valid_lines(const char *s, size_t len);

/*
 * A record id: decimal digits only, no sign, no leading zero or blanks,
 * 1..INT64_MAX.  The one id parser for paths, forms and query strings.
 * Writes *out only on success; returns 0 or -1 (also for NULL).
 */
int	 valid_id(const char *s, int64_t *out);

/*
 * A whole number lo..hi typed in s: optional spaces around, digits only
 * (at most 9).  Writes *out only on success; returns 0 or -1.
 */
int	 valid_int(const char *s, int lo, int hi, int *out);

/*
 * A time of day "9:30", "09:30" or "09:30:00" as minutes after midnight;
 * "24:00" only when end is 1.  Spaces around are allowed.  Writes
 * *minutes only on success; returns 0 or -1.
 */
int	 valid_time(const char *s, int end, int *minutes);

/*
 * 1 if s looks like an email address we can send to, else 0 (also for
 * NULL).  A practical check, not RFC 5322: local@domain with exactly one
 * '@', at most VALID_EMAIL_MAX bytes.  The local part is 1..64 of the
 * RFC 5322 "atext" characters (letters, digits, !#$%&'*+/=?^_`{|}~-) and
 * dots, no dot first, last or doubled.  The domain has two or more labels
 * of 1..63 letters, digits and hyphens, no hyphen first or last in a
 * label, and a last label (TLD) of two or more letters.  Not accepted:
 * quoted local parts, IP literals, non-ASCII (type the punycode "xn--"
 * form; xn-- TLDs are refused by the letters-only TLD rule), spaces, and
 * any CR or LF.
 */
int	 valid_email(const char *s);

/*
 * UK postcode.  Takes any case and any ASCII whitespace anywhere
 * ("sw1a1aa", " SW1A  1AA ", "m1 1ae", "GIR 0AA"), checks the formats
 * A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA with the letters
 * each position allows (none of QVX first, IJZ second, only ABCDEFGHJKPSTUW
 * third in A9A, only ABEHMNPRVWXY fourth in AA9A, none of CIKMOV in the
 * inward letters), plus GIR 0AA.  Writes the normalised form ("SW1A 1AA")
 * into out (outlen >= VALID_POSTCODE_LEN).  Returns 0, or -1 if invalid or
 * out is too small.  Overseas territory and BFPO codes are refused.
 */
int	 valid_postcode(const char *s, char *out, size_t outlen);

/*
 * Writes the outward code (district, "SW1A") of a postcode into out
 * (outlen >= VALID_DISTRICT_LEN).  The input is checked and normalised as
 * by valid_postcode, so any accepted spelling works.  Returns 0 or -1.
 */
int	 valid_postcode_district(const char *postcode, char *out,
		size_t outlen);

/*
 * Phone number, UK-ish: only digits, spaces, '-', one '+' (first, before
 * any digit) and at most one pair of parentheses; 10 to 15 digits.  With
 * a leading '+', a "(0)" trunk prefix ("+44 (0)20 7946 0958") is dropped.
 * Writes '+' (if given) and the digits into out (outlen >=
 * VALID_PHONE_LEN is always enough): "+442079460958".  Returns 0 or -1.
 */
int	 valid_phone(const char *s, char *out, size_t outlen);

/*
 * Date "YYYY-MM-DD" exactly (two-digit month and day), a real calendar
 * date (Gregorian leap years) with the year in 1900..2100.  Fills *y, *m,
 * *d (each may be NULL) only on success.  Returns 0 or -1.
 */
int	 valid_date(const char *s, int *y, int *m, int *d);

/*
 * A web address a client can be sent to, such as a video call's:
 * "https://" then a host of letters, digits, '-' and '.' (with a dot,
 * not starting or ending with one, optionally ":port"), then nothing or
 * a path, query and fragment of printable ASCII other than space, '"',
 * '<', '>', backslash, '^', '`', '{', '|', '}'; at most VALID_URL_MAX bytes,
 * and no user name or password before the host.  Returns 1 when s is
 * one, 0 when not.
 */
#define VALID_URL_MAX		500
int	 valid_https_url(const char *s);

/*
 * Age in whole years on date ty-tm-td of someone born y-m-d; -1 if the
 * birth is after that date.  Someone born on 29 February turns a year
 * older on 1 March in common years (the UK rule).  Dates are not checked:
 * pass ones valid_date accepted.
 */
int	 valid_age(int y, int m, int d, int ty, int tm, int td);

/*
 * Reference codes given to people who refer themselves: 8 symbols from
 * "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" (no 0, O, 1, I), shown "XXXX-XXXX".
 *
 * valid_refcode_make writes a new code from libsodium's randombytes_buf,
 * each symbol uniform (40 bits in all) into out; outlen must be at least
 * VALID_REFCODE_LEN (asserted).  Calls sodium_init(); aborts if libsodium
 * cannot start, as a worker without randomness cannot serve.
 */
void	 valid_refcode_make(char *out, size_t outlen);

/*
 * Normalises a typed reference code: ASCII whitespace and '-' anywhere
 * are dropped and lower case becomes upper; then it must be exactly 8
 * alphabet symbols (so O, I, 0 and 1 make it invalid; they are never
 * guessed at).  Writes "XXXX-XXXX" into out (outlen >=
 * VALID_REFCODE_LEN).  Returns 0 or -1.
 */
int	 valid_refcode_check(const char *s, char *out, size_t outlen);

/*
 * Removes ASCII whitespace (space, \t, \n, \v, \f, \r) from both ends of
 * s in place, moving the rest to the start.  Returns s (NULL for NULL).
 */
char	*valid_trim(char *s);

/* ---- The field table --------------------------------------------- */

/* What a field holds, and so how valid_form_check reads it. */
enum valid_type {
	VALID_LINE,	/* one line of text (valid_line), max bytes */
	VALID_LINES,	/* text of several lines (valid_lines), max bytes */
	VALID_EMAIL,	/* valid_email */
	VALID_PHONE,	/* valid_phone; norm holds the digits */
	VALID_POSTCODE,	/* valid_postcode; norm holds "SW1A 1AA" */
	VALID_DATE,	/* valid_date: YYYY-MM-DD */
	VALID_TIME,	/* valid_time (start of day); num = minutes,
			   norm "HH:MM" */
	VALID_INT,	/* valid_int min..max; num */
	VALID_ID,	/* valid_id; num */
	VALID_CHOICE,	/* one of choices; num = its index */
	VALID_YES,	/* a check box: "yes" or "on"; num = 1 when ticked */
	VALID_MULTI,	/* repeatable check boxes: each value one line of at
			   most max bytes; the page checks which; text "" */
	VALID_URL,	/* valid_https_url */
	VALID__MAX
};

/*
 * One field of a form.  name is the form key; id the HTML id of the
 * control that the error summary links to (NULL: the name).  min and max
 * bound VALID_INT; max bounds the bytes of the text types (0: the type's
 * own limit).  choices is a NULL-terminated list for VALID_CHOICE.
 * label names the field in the general messages ("First name must be
 * 100 characters or fewer"); message says what to do when the field is
 * required and empty, or its value is not of its type ("Enter your first
 * name"); NULL gives a general one.
 */
struct valid_field {
	const char		 *name;
	enum valid_type		  type;
	int			  required;
	long long		  min, max;
	const char *const	 *choices;
	const char		 *id;
	const char		 *label;
	const char		 *message;
};

#define VALID_NORM_LEN	32

/*
 * What was typed in one field, after checking.  text is the first value,
 * trimmed, owned ("" when absent or unreadable: bytes that are not UTF-8
 * are never shown again); norm the normalised phone or postcode; num the
 * number, id, minutes, choice index or 1 for a ticked box; bad is 1 when
 * the field has an error.
 */
struct valid_value {
	char		*text;
	char		 norm[VALID_NORM_LEN];
	long long	 num;
	int		 bad;
};

/* The problems found in one form, in the order of its fields. */
#define VALID_ERRORS_MAX	32
#define VALID_MSG_LEN		240
struct valid_error {
	char	 key[64];		/* e_KEY and m_KEY in the template */
	char	 anchor[64];		/* the control's HTML id */
	char	 msg[VALID_MSG_LEN];
};
struct valid_errors {
	struct valid_error	 e[VALID_ERRORS_MAX];
	size_t			 n;
};

/*
 * Reads the n fields of table from f into out[0..n-1] (out[i] for
 * table[i]) and adds a problem to errs for each field that is required
 * and empty, too long, holds control characters (a line break in a
 * one-line field) or bytes that are not UTF-8, or is not of its type.
 * Every value is kept for showing again.  errs is not cleared first, so
 * a page may add its own problems before or after.  Returns the number
 * of fields with a problem (0: all good).  Free out with
 * valid_values_free.  Aborts only on out of memory.
 */
size_t	 valid_form_check(const struct form *f,
	    const struct valid_field *table, size_t n,
	    struct valid_value *out, struct valid_errors *errs);

/* Frees the texts of out[0..n-1]; safe on zeroed values and NULL. */
void	 valid_values_free(struct valid_value *out, size_t n);

/*
 * Adds a problem for the control key (the anchor is key too), unless key
 * already has one: a field shows its first problem.  The first
 * VALID_ERRORS_MAX are kept.  Cannot fail.
 */
void	 valid_error_add(struct valid_errors *, const char *key,
	    const char *msg);
/* As valid_error_add, with a separate anchor (the first radio, say). */
void	 valid_error_add_at(struct valid_errors *, const char *key,
	    const char *anchor, const char *msg);
/*
 * Puts the problems in the order of the table's fields, so the summary
 * reads top to bottom; problems whose key is not in the table (the whole
 * form's, or a field above the table's) come first, in the order added.
 */
void	 valid_errors_sort(struct valid_errors *,
	    const struct valid_field *table, size_t n);

/* 1 when key already has a problem. */
int	 valid_error_has(const struct valid_errors *, const char *key);

struct tmpl_data;

/*
 * Puts errs in d for the GOV.UK error summary: has_errors, a list
 * "errors" of {field, anchor, message} (field and anchor are the same
 * id), and for each problem e_KEY and m_KEY (both the message), so the
 * template shows the message by the field, aria-describedby KEY-error.
 */
void	 valid_errors_tmpl(struct tmpl_data *d,
	    const struct valid_errors *errs);

/* Sets v_NAME in d to each field's kept text (the typed value). */
void	 valid_values_tmpl(struct tmpl_data *d,
	    const struct valid_field *table, size_t n,
	    const struct valid_value *vals);

#endif

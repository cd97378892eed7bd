/*
 * valid: validators for the fields people type (the referral form, log-in,
 * staff pages).  All are pure functions of their arguments, allocate
 * nothing, and never read past the string or length they are given;
 * valid_refcode_make alone uses randomness (libsodium).
 *
 * Writers take out and outlen (bytes including the NUL).  On failure they
 * leave out as "" (when outlen > 0), so a caller never shows half a value.
 */
#ifndef CGI_VALID_H
#define CGI_VALID_H

#include <stddef.h>

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

#endif

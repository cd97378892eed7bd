/*
 * name: how a person's name is shortened where it must not be shown in
 * full (a therapist's calendar feed, a therapist's agenda email).  The
 * one rule, for ical/ and mail/ alike.
 */
#ifndef UTIL_NAME_H
#define UTIL_NAME_H

struct buf;

/*
 * Appends to out the initials of name: the first character of each word,
 * ASCII letters upper-cased, each followed by a dot ("A.H." of "amira
 * hassan", "É.M." of "Élodie Martin").  Words are separated by spaces and
 * control characters; a UTF-8 character is kept whole, and a word that
 * starts with a byte that is not valid UTF-8 gives no initial.  Appends
 * nothing for NULL or a name with no word.  Cannot fail (buf aborts when
 * memory runs out).
 */
void	 name_initials(struct buf *out, const char *name);

#endif

/*
 * tmpl: a small logic-less template renderer, a subset of mustache.
 *
 * A template set holds named templates, each compiled once into a node
 * list; rendering walks the nodes and never reparses.  Data is a tree of
 * dictionaries mapping a key to a string, a bool or a list of
 * dictionaries.
 *
 * Syntax (whitespace around a name inside a tag is allowed):
 *   {{name}}            the value, HTML-escaped (& < > " ')
 *   {{{name}}} {{&name}} the value, raw: only for trusted text
 *   {{#name}}..{{/name}} a section: a list renders the body once per
 *                       element, with the element as the innermost
 *                       context; a true bool or a non-empty string renders
 *                       it once; missing, false, "" and an empty list not
 *                       at all
 *   {{^name}}..{{/name}} an inverted section: rendered exactly when the
 *                       section would not be
 *   {{> name}}          the template `name` of the same set, found at
 *                       render time, rendered with the caller's context;
 *                       nothing if there is none or if partials are
 *                       nested deeper than TMPL_PARTIAL_DEPTH
 *   {{! text}}          a comment (may span lines)
 * A name is one or more bytes other than whitespace, '{' and '}'.  A name
 * is looked up in the innermost context first, then outward to the root;
 * a missing name, a bool or a list renders as nothing in {{name}}.
 * A line holding only a section, inverted, close, comment or partial tag
 * and blanks produces no output line (mustache's standalone rule; a
 * standalone partial is not re-indented).  Not supported: dotted names,
 * {{.}}, lambdas, delimiter changes ({{=..=}} is a syntax error).
 */
#ifndef TEMPLATES_TMPL_H
#define TEMPLATES_TMPL_H

#include <stddef.h>

struct buf;

/* Partials nest at most this deep; a deeper {{> name}} renders nothing. */
#define TMPL_PARTIAL_DEPTH	16
/* Sections nest at most this deep within one template (syntax error). */
#define TMPL_SECTION_DEPTH	100

struct tmpl_set;
struct tmpl_data;

/*
 * Returns a new, empty template set; free it with tmpl_set_free.
 * Cannot fail (aborts on out of memory).
 */
struct tmpl_set	*tmpl_set_new(void);

/*
 * Loads every regular *.html and *.txt file in dir (not recursive, dot
 * files skipped) into a new set, each named by its file name with the
 * extension ("refer.html", "mail_ack.txt").  Returns the set, or NULL with
 * a message in err (errlen bytes; err may be NULL) on an I/O error or a
 * syntax error, naming the file and, for syntax errors, the line.
 */
struct tmpl_set	*tmpl_set_load(const char *dir, char *err, size_t errlen);

/*
 * Compiles len bytes of src (copied; NUL bytes are plain text) into the
 * template `name`, replacing one of the same name.  Returns 0, or -1 with
 * "name:line: message" in err (err may be NULL) on a syntax error, in
 * which case the set is unchanged.
 */
int		 tmpl_set_add(struct tmpl_set *, const char *name,
		    const char *src, size_t len, char *err, size_t errlen);

/* Frees the set and all its templates.  NULL is safe. */
void		 tmpl_set_free(struct tmpl_set *);

/*
 * Renders template `name` with data (NULL: no data) and appends the
 * result to out.  Returns 0, or -1 when the set has no such template
 * (nothing appended).  Never fails otherwise.
 */
int		 tmpl_render(const struct tmpl_set *, const char *name,
		    const struct tmpl_data *, struct buf *out);

/*
 * tmpl_render with a context outside data's (NULL: none), looked up
 * last: what every page shows (the office's contact details) without
 * each handler setting it.
 */
int		 tmpl_render_outer(const struct tmpl_set *, const char *name,
		    const struct tmpl_data *, const struct tmpl_data *outer,
		    struct buf *out);

/*
 * Returns a new, empty dictionary; free it with tmpl_data_free.
 * Cannot fail (aborts on out of memory).
 */
struct tmpl_data *tmpl_data_new(void);

/*
 * Frees a dictionary of tmpl_data_new and everything under it (never one
 * of tmpl_data_push: its parent's tree owns it).  NULL is safe.
 */
void		 tmpl_data_free(struct tmpl_data *);

/*
 * Setters.  Each copies key and value and replaces any value already
 * under key in this dictionary (a replaced list and the dictionaries
 * tmpl_data_push returned for it must not be used again; their memory
 * goes with the tree's, at tmpl_data_free).  A NULL value stores
 * false: the key then reads as false/empty here and hides any value of
 * the same key in an outer context.  None can fail.
 */
void		 tmpl_data_set(struct tmpl_data *, const char *key,
		    const char *value);
void		 tmpl_data_setn(struct tmpl_data *, const char *key,
		    const char *value, size_t len);
void		 tmpl_data_setf(struct tmpl_data *, const char *key,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 tmpl_data_bool(struct tmpl_data *, const char *key, int on);

/*
 * Makes the value under key an empty list (renders like false), replacing
 * what was there, so that a page can state "no rows" explicitly.
 * Cannot fail.
 */
void		 tmpl_data_list(struct tmpl_data *, const char *key);

/*
 * Appends a new, empty dictionary to the list under key (creating the
 * list, or replacing a string or bool held there) and returns it.  The
 * parent owns it: do not free it.  Cannot fail.
 */
struct tmpl_data *tmpl_data_push(struct tmpl_data *, const char *key);

#endif

/*
 * tmpl: the template renderer (see tmpl.h for the syntax).
 *
 * A template is compiled into a flat array of nodes pointing into its own
 * copy of the source.  A section node records the index just past its
 * body, so rendering is a walk over index ranges with no reparsing and no
 * allocation beyond the output buffer.  Names carry a precomputed hash, so
 * a dictionary lookup is a short scan comparing integers first, or a
 * probe of the dictionary's hash index once it holds more than a few keys.
 *
 * A dictionary made by tmpl_data_new and everything set under it (the
 * dictionaries tmpl_data_push makes, their keys, values and arrays) are
 * carved from one arena of large blocks, freed all at once with it: a
 * page of thousands of rows makes tens of thousands of small values, and
 * a malloc and a free of each cost more than the rest of the page.
 */
#include <sys/stat.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "templates/tmpl.h"

enum tmpl_value_type {
	TMPL_VALUE_STRING,
	TMPL_VALUE_BOOL,
	TMPL_VALUE_LIST
};

/* One key -> value pair of a dictionary. */
struct tmpl_entry {
	char			*key;
	size_t			 keylen;
	uint32_t		 hash;
	enum tmpl_value_type	 type;
	char			*str;	/* STRING: owned, NUL-terminated */
	size_t			 len;	/* STRING: bytes in str */
	int			 plain;	/* STRING: nothing to HTML-escape */
	int			 on;	/* BOOL */
	struct tmpl_data	**items; /* LIST: owned dictionaries */
	size_t			 nitems;
	size_t			 itemcap;
};

/*
 * A dictionary: entries in insertion order (never removed) and, once
 * there are more than TMPL_DATA_SCAN of them, an open-addressing index
 * of entry number + 1 by hash (0: empty slot), at most half full.
 */
struct tmpl_data {
	struct tmpl_entry	*entries;
	size_t			 n;
	size_t			 cap;
	uint32_t		*index;
	size_t			 indexcap;	/* 0 or a power of two */
	struct tmpl_arena	*arena;		/* shared by the whole tree */
};

/* A block of an arena: what is used of it, then the bytes. */
struct tmpl_block {
	struct tmpl_block	*next;
	size_t			 size;
	size_t			 used;
	max_align_t		 bytes[];
};

/*
 * Where a tree of dictionaries lives: blocks, each twice the last (up to
 * TMPL_BLOCK_MAX), the newest first.  Nothing in it is freed alone.
 * Blocks stay under malloc's threshold for a mapping of their own
 * (glibc: 128 KB), which would cost a page fault for each 4 KB of them
 * on every request: a big page's 3 MB of data came to 1,100 faults.
 */
struct tmpl_arena {
	struct tmpl_block	*blocks;
	size_t			 next_size;
};

#define TMPL_BLOCK_MIN	4096
#define TMPL_BLOCK_MAX	(64 * 1024)

#define TMPL_DATA_SCAN	8

enum tmpl_node_type {
	TMPL_NODE_TEXT,		/* s, len: literal text */
	TMPL_NODE_VAR,		/* s, len: name, escaped */
	TMPL_NODE_RAW,		/* s, len: name, unescaped */
	TMPL_NODE_SECTION,	/* s, len: name; body is [i + 1, end) */
	TMPL_NODE_INVERTED,	/* as SECTION */
	TMPL_NODE_PARTIAL	/* s, len: template name */
};

struct tmpl_node {
	enum tmpl_node_type	 type;
	const char		*s;	/* into the template's src */
	size_t			 len;
	uint32_t		 hash;	/* of the name (not for TEXT) */
	size_t			 end;	/* SECTION, INVERTED: past the body */
};

struct tmpl {
	char			*name;
	size_t			 namelen;
	uint32_t		 hash;
	char			*src;	/* owned copy the nodes point into */
	size_t			 srclen;
	struct tmpl_node	*nodes;
	size_t			 nnodes;
};

struct tmpl_set {
	struct tmpl		**list;
	size_t			 n;
	size_t			 cap;
};

/* A rendering context: a dictionary and the one enclosing it. */
struct tmpl_ctx {
	const struct tmpl_data	*data;
	const struct tmpl_ctx	*up;
};

/* Returns the 32-bit FNV-1a hash of n bytes at s.  Cannot fail. */
static uint32_t
tmpl_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Writes a printf-style message into err if there is room for one. */
static void
tmpl_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tmpl_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- data ---- */

/*
 * Returns n bytes (aligned for any type) from arena a, in its newest
 * block or a new one.  Cannot fail (aborts on out of memory).
 */
static void *
tmpl_arena_alloc(struct tmpl_arena *a, size_t n)
{
	struct tmpl_block *b = a->blocks;
	size_t size;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	    sizeof(max_align_t);
	if (b == NULL || b->size - b->used < n) {
		size = a->next_size > n ? a->next_size : n;
		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		b->next = a->blocks;
		a->blocks = b;
		if (a->next_size < TMPL_BLOCK_MAX)
			a->next_size *= 2;
	}
	p = (char *)b->bytes + b->used;
	b->used += n;
	return p;
}

/* A copy of the len bytes at s, NUL-terminated, in arena a. */
static char *
tmpl_arena_strndup(struct tmpl_arena *a, const char *s, size_t len)
{
	char *p = tmpl_arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * Returns array v of *cap elements of size bytes, n of them used, with
 * room for one more: v itself, or a copy twice as big (first elements
 * at first) whose old room stays in the arena until it is freed.
 * Cannot fail.
 */
static void *
tmpl_arena_grow(struct tmpl_arena *a, void *v, size_t *cap, size_t n,
    size_t size, size_t first)
{
	void *p;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : first;
	p = tmpl_arena_alloc(a, *cap * size);
	if (n > 0)
		memcpy(p, v, n * size);
	return p;
}

/* A new, empty dictionary in arena a. */
static struct tmpl_data *
tmpl_data_in(struct tmpl_arena *a)
{
	struct tmpl_data *d = tmpl_arena_alloc(a, sizeof(*d));

	memset(d, 0, sizeof(*d));
	d->arena = a;
	return d;
}

struct tmpl_data *
tmpl_data_new(void)
{
	struct tmpl_arena *a = xcalloc(1, sizeof(*a));

	a->next_size = TMPL_BLOCK_MIN;
	return tmpl_data_in(a);
}

/* Leaves e false (what it held stays in the arena). */
static void
tmpl_entry_clear(struct tmpl_entry *e)
{
	e->str = NULL;
	e->len = 0;
	e->items = NULL;
	e->nitems = e->itemcap = 0;
	e->type = TMPL_VALUE_BOOL;
	e->on = 0;
}

/*
 * Frees the arena of d: d and every dictionary of its tree.  Only a
 * dictionary of tmpl_data_new is ever given here (tmpl.h).
 */
void
tmpl_data_free(struct tmpl_data *d)
{
	struct tmpl_arena *a;
	struct tmpl_block *b, *next;

	if (d == NULL)
		return;
	a = d->arena;
	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/*
 * Returns the entry for key (len bytes, hash h) in d, or NULL.
 * Cannot fail.
 */
static struct tmpl_entry *
tmpl_data_find(const struct tmpl_data *d, const char *key, size_t len,
    uint32_t h)
{
	struct tmpl_entry *e;
	size_t i, mask;

	if (d->indexcap == 0) {
		for (i = 0; i < d->n; i++) {
			e = &d->entries[i];
			if (e->hash == h && e->keylen == len &&
			    memcmp(e->key, key, len) == 0)
				return e;
		}
		return NULL;
	}
	mask = d->indexcap - 1;
	for (i = h & mask; d->index[i] != 0; i = (i + 1) & mask) {
		e = &d->entries[d->index[i] - 1];
		if (e->hash == h && e->keylen == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

/* Adds entry number k of d to the index, which has room. */
static void
tmpl_data_index_put(struct tmpl_data *d, size_t k)
{
	size_t i, mask = d->indexcap - 1;

	for (i = d->entries[k].hash & mask; d->index[i] != 0;
	    i = (i + 1) & mask)
		continue;
	d->index[i] = (uint32_t)(k + 1);
}

/* Indexes the newest entry of d, building or growing the index. */
static void
tmpl_data_index_add(struct tmpl_data *d)
{
	size_t k;

	if (d->n <= TMPL_DATA_SCAN)
		return;
	if (d->n > UINT32_MAX - 1)
		abort();
	if (d->n * 2 <= d->indexcap) {
		tmpl_data_index_put(d, d->n - 1);
		return;
	}
	d->indexcap = d->indexcap ? d->indexcap * 2 : 4 * TMPL_DATA_SCAN;
	while (d->indexcap < d->n * 2)
		d->indexcap *= 2;
	d->index = tmpl_arena_alloc(d->arena, d->indexcap * sizeof(uint32_t));
	memset(d->index, 0, d->indexcap * sizeof(uint32_t));
	for (k = 0; k < d->n; k++)
		tmpl_data_index_put(d, k);
}

/*
 * Returns the entry for key in d, emptied (false), adding it if absent.
 * Cannot fail.
 */
static struct tmpl_entry *
tmpl_data_slot(struct tmpl_data *d, const char *key)
{
	struct tmpl_entry *e;
	size_t len = strlen(key);
	uint32_t h = tmpl_hash(key, len);

	if ((e = tmpl_data_find(d, key, len, h)) != NULL) {
		tmpl_entry_clear(e);
		return e;
	}
	d->entries = tmpl_arena_grow(d->arena, d->entries, &d->cap, d->n,
	    sizeof(struct tmpl_entry), 8);
	e = &d->entries[d->n++];
	memset(e, 0, sizeof(*e));
	e->key = tmpl_arena_strndup(d->arena, key, len);
	e->keylen = len;
	e->hash = h;
	e->type = TMPL_VALUE_BOOL;
	tmpl_data_index_add(d);
	return e;
}

/* Makes e, which is false, the string s of len bytes (the arena's). */
static void
tmpl_entry_string(struct tmpl_entry *e, char *s, size_t len)
{
	size_t i;

	e->type = TMPL_VALUE_STRING;
	e->str = s;
	e->len = len;
	e->plain = 1;
	for (i = 0; i < len && e->plain; i++)
		switch (s[i]) {
		case '&': case '<': case '>': case '"': case '\'':
			e->plain = 0;
			break;
		default:
			break;
		}
}

void
tmpl_data_setn(struct tmpl_data *d, const char *key, const char *value,
    size_t len)
{
	struct tmpl_entry *e;

	assert(d != NULL && key != NULL);
	e = tmpl_data_slot(d, key);
	if (value != NULL)
		tmpl_entry_string(e, tmpl_arena_strndup(d->arena, value, len),
		    len);
}

void
tmpl_data_set(struct tmpl_data *d, const char *key, const char *value)
{
	tmpl_data_setn(d, key, value, value != NULL ? strlen(value) : 0);
}

void
tmpl_data_setf(struct tmpl_data *d, const char *key, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char small[128];
	va_list ap;
	int n;

	assert(d != NULL && key != NULL && fmt != NULL);
	/* Most values are short: formatted on the stack, then copied. */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(small)) {
		tmpl_data_setn(d, key, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	tmpl_data_setn(d, key, buf_cstr(&b), b.len);
	buf_free(&b);
}

void
tmpl_data_bool(struct tmpl_data *d, const char *key, int on)
{
	struct tmpl_entry *e;

	assert(d != NULL && key != NULL);
	e = tmpl_data_slot(d, key);
	e->on = on != 0;
}

void
tmpl_data_list(struct tmpl_data *d, const char *key)
{
	assert(d != NULL && key != NULL);
	tmpl_data_slot(d, key)->type = TMPL_VALUE_LIST;
}

struct tmpl_data *
tmpl_data_push(struct tmpl_data *d, const char *key)
{
	struct tmpl_entry *e;
	struct tmpl_data *item;
	size_t len;

	assert(d != NULL && key != NULL);
	len = strlen(key);
	e = tmpl_data_find(d, key, len, tmpl_hash(key, len));
	if (e == NULL || e->type != TMPL_VALUE_LIST) {
		e = tmpl_data_slot(d, key);
		e->type = TMPL_VALUE_LIST;
	}
	e->items = tmpl_arena_grow(d->arena, e->items, &e->itemcap,
	    e->nitems, sizeof(struct tmpl_data *), 8);
	item = tmpl_data_in(d->arena);
	e->items[e->nitems++] = item;
	return item;
}

/*
 * Returns the entry named by node n, searching ctx outward, or NULL.
 * Cannot fail.
 */
static const struct tmpl_entry *
tmpl_ctx_lookup(const struct tmpl_ctx *ctx, const struct tmpl_node *n)
{
	const struct tmpl_entry *e;

	for (; ctx != NULL; ctx = ctx->up)
		if (ctx->data != NULL && (e = tmpl_data_find(ctx->data,
		    n->s, n->len, n->hash)) != NULL)
			return e;
	return NULL;
}

/* Returns whether a section over e renders (at least once). */
static int
tmpl_entry_true(const struct tmpl_entry *e)
{
	if (e == NULL)
		return 0;
	switch (e->type) {
	case TMPL_VALUE_STRING:
		return e->len > 0;
	case TMPL_VALUE_BOOL:
		return e->on;
	case TMPL_VALUE_LIST:
		return e->nitems > 0;
	}
	return 0;
}

/* ---- compiling ---- */

/* Returns the 1-based line number of offset pos in src. */
static size_t
tmpl_line(const char *src, size_t pos)
{
	size_t i, line = 1;

	for (i = 0; i < pos; i++)
		if (src[i] == '\n')
			line++;
	return line;
}

/* Returns how many bytes of a name an error message shows. */
static int
tmpl_shown(size_t len)
{
	return len > 64 ? 64 : (int)len;
}

static int
tmpl_isblank(char c)
{
	return c == ' ' || c == '\t';
}

static int
tmpl_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/*
 * Returns the offset of the first pat (patlen > 0) in src[from, len), or
 * len if there is none.
 */
static size_t
tmpl_find(const char *src, size_t from, size_t len, const char *pat,
    size_t patlen)
{
	const char *p;

	while (from < len && len - from >= patlen) {
		p = memchr(src + from, pat[0], len - from);
		if (p == NULL)
			return len;
		from = (size_t)(p - src);
		if (len - from < patlen)
			return len;
		if (memcmp(p, pat, patlen) == 0)
			return from;
		from++;
	}
	return len;
}

/* Appends a node to t and returns it, zeroed but for type.  Cannot fail. */
static struct tmpl_node *
tmpl_node_add(struct tmpl *t, size_t *cap, enum tmpl_node_type type)
{
	struct tmpl_node *n;

	if (t->nnodes == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		t->nodes = xrealloc(t->nodes, *cap * sizeof(struct tmpl_node));
	}
	n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

/* Appends a text node for src[from, to) unless it is empty. */
static void
tmpl_text_add(struct tmpl *t, size_t *cap, size_t from, size_t to)
{
	struct tmpl_node *n;

	if (to <= from)
		return;
	n = tmpl_node_add(t, cap, TMPL_NODE_TEXT);
	n->s = t->src + from;
	n->len = to - from;
}

/*
 * Compiles t->src into t->nodes.  Returns 0, or -1 with
 * "label:line: message" in err.  On failure t->nodes is left for the
 * caller to free with the template.
 */
static int
tmpl_compile(struct tmpl *t, const char *label, char *err, size_t errlen)
{
	const char *src = t->src, *name;
	size_t len = t->srclen, pos = 0, cap = 0, open[TMPL_SECTION_DEPTH];
	size_t depth = 0, tag, cs, ce, end, namelen, ls, j, next, i;
	struct tmpl_node *n;
	char sigil;
	int triple, standalone;

	while (pos < len) {
		tag = tmpl_find(src, pos, len, "{{", 2);
		if (tag == len) {
			tmpl_text_add(t, &cap, pos, len);
			break;
		}
		triple = tag + 2 < len && src[tag + 2] == '{';
		cs = tag + (triple ? 3 : 2);
		ce = tmpl_find(src, cs, len, triple ? "}}}" : "}}",
		    triple ? 3 : 2);
		if (ce == len) {
			tmpl_seterr(err, errlen, "%s:%zu: unterminated tag",
			    label, tmpl_line(src, tag));
			return -1;
		}
		end = ce + (triple ? 3 : 2);

		/* Sigil, then the name without surrounding whitespace. */
		while (cs < ce && tmpl_isspace(src[cs]))
			cs++;
		sigil = '\0';
		if (!triple && cs < ce && src[cs] != '\0' &&
		    strchr("#^/>&!=", src[cs]) != NULL)
			sigil = src[cs++];
		if (sigil == '=') {
			tmpl_seterr(err, errlen, "%s:%zu: delimiter change "
			    "not supported", label, tmpl_line(src, tag));
			return -1;
		}
		while (cs < ce && tmpl_isspace(src[cs]))
			cs++;
		while (ce > cs && tmpl_isspace(src[ce - 1]))
			ce--;
		name = src + cs;
		namelen = ce - cs;
		if (sigil != '!') {
			if (namelen == 0) {
				tmpl_seterr(err, errlen, "%s:%zu: empty name "
				    "in tag", label, tmpl_line(src, tag));
				return -1;
			}
			for (i = 0; i < namelen; i++)
				if (tmpl_isspace(name[i]) || name[i] == '{' ||
				    name[i] == '}') {
					tmpl_seterr(err, errlen, "%s:%zu: bad "
					    "name in tag", label,
					    tmpl_line(src, tag));
					return -1;
				}
		}

		/* A standalone line loses its blanks and its newline. */
		standalone = 0;
		next = end;
		if (sigil != '\0' && sigil != '&') {
			ls = tag;
			while (ls > pos && tmpl_isblank(src[ls - 1]))
				ls--;
			j = end;
			while (j < len && tmpl_isblank(src[j]))
				j++;
			if (ls == 0 || src[ls - 1] == '\n') {
				if (j == len) {
					standalone = 1;
					next = len;
				} else if (src[j] == '\n') {
					standalone = 1;
					next = j + 1;
				} else if (src[j] == '\r' && j + 1 < len &&
				    src[j + 1] == '\n') {
					standalone = 1;
					next = j + 2;
				}
			}
			if (standalone)
				tag = ls;
		}
		tmpl_text_add(t, &cap, pos, tag);
		pos = next;

		switch (sigil) {
		case '!':
			continue;
		case '/':
			if (depth == 0) {
				tmpl_seterr(err, errlen, "%s:%zu: {{/%.*s}} "
				    "closes no section", label,
				    tmpl_line(src, tag), tmpl_shown(namelen),
				    name);
				return -1;
			}
			n = &t->nodes[open[depth - 1]];
			if (n->len != namelen ||
			    memcmp(n->s, name, namelen) != 0) {
				tmpl_seterr(err, errlen, "%s:%zu: {{/%.*s}} "
				    "closes {{%c%.*s}} of line %zu", label,
				    tmpl_line(src, name - src),
				    tmpl_shown(namelen), name,
				    n->type == TMPL_NODE_SECTION ? '#' : '^',
				    tmpl_shown(n->len), n->s,
				    tmpl_line(src, n->s - src));
				return -1;
			}
			n->end = t->nnodes;
			depth--;
			continue;
		case '#':
		case '^':
			if (depth == TMPL_SECTION_DEPTH) {
				tmpl_seterr(err, errlen, "%s:%zu: sections "
				    "nested deeper than %d", label,
				    tmpl_line(src, name - src),
				    TMPL_SECTION_DEPTH);
				return -1;
			}
			open[depth++] = t->nnodes;
			n = tmpl_node_add(t, &cap, sigil == '#' ?
			    TMPL_NODE_SECTION : TMPL_NODE_INVERTED);
			break;
		case '>':
			n = tmpl_node_add(t, &cap, TMPL_NODE_PARTIAL);
			break;
		case '&':
			n = tmpl_node_add(t, &cap, TMPL_NODE_RAW);
			break;
		default:
			n = tmpl_node_add(t, &cap, triple ?
			    TMPL_NODE_RAW : TMPL_NODE_VAR);
			break;
		}
		n->s = name;
		n->len = namelen;
		n->hash = tmpl_hash(name, namelen);
	}
	if (depth > 0) {
		n = &t->nodes[open[depth - 1]];
		tmpl_seterr(err, errlen, "%s:%zu: {{%c%.*s}} is never closed",
		    label, tmpl_line(src, n->s - src),
		    n->type == TMPL_NODE_SECTION ? '#' : '^',
		    tmpl_shown(n->len), n->s);
		return -1;
	}
	return 0;
}

/* ---- sets ---- */

/* Frees a template.  NULL is safe. */
static void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->src);
	free(t->nodes);
	free(t);
}

struct tmpl_set *
tmpl_set_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

void
tmpl_set_free(struct tmpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		tmpl_free(set->list[i]);
	free(set->list);
	free(set);
}

/* Returns the slot of the template named s (n bytes), or NULL. */
static struct tmpl **
tmpl_set_find(const struct tmpl_set *set, const char *s, size_t n,
    uint32_t hash)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->list[i]->hash == hash && set->list[i]->namelen == n &&
		    memcmp(set->list[i]->name, s, n) == 0)
			return &set->list[i];
	return NULL;
}

/*
 * As tmpl_set_add, with error messages naming label rather than name.
 */
static int
tmpl_set_add_labelled(struct tmpl_set *set, const char *name,
    const char *label, const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl *t, **slot;

	assert(set != NULL && name != NULL);
	t = xcalloc(1, sizeof(struct tmpl));
	t->namelen = strlen(name);
	t->name = xstrndup(name, t->namelen);
	t->hash = tmpl_hash(name, t->namelen);
	t->src = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->srclen = len;
	if (tmpl_compile(t, label, err, errlen) == -1) {
		tmpl_free(t);
		return -1;
	}
	if ((slot = tmpl_set_find(set, t->name, t->namelen, t->hash)) != NULL) {
		tmpl_free(*slot);
		*slot = t;
		return 0;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->list = xrealloc(set->list,
		    set->cap * sizeof(struct tmpl *));
	}
	set->list[set->n++] = t;
	return 0;
}

int
tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	return tmpl_set_add_labelled(set, name, name, src, len, err, errlen);
}

/* scandir filter: visible names ending in .html or .txt. */
static int
tmpl_dir_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	if (de->d_name[0] == '.')
		return 0;
	return (n > 5 && strcmp(de->d_name + n - 5, ".html") == 0) ||
	    (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0);
}

/*
 * Reads the regular file at path into b.  Returns 1 when read, 0 when it
 * is not a regular file (skipped), -1 with err set on an I/O error.
 */
static int
tmpl_file_read(const char *path, struct buf *b, char *err, size_t errlen)
{
	struct stat st;
	ssize_t got;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		tmpl_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		tmpl_seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = 0;
		goto out;
	}
	for (;;) {
		buf_reserve(b, 8192);
		got = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			tmpl_seterr(err, errlen, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		b->len += (size_t)got;
		b->data[b->len] = '\0';
	}
	rc = 1;
out:
	(void)close(fd);
	return rc;
}

struct tmpl_set *
tmpl_set_load(const char *dir, char *err, size_t errlen)
{
	struct tmpl_set *set = NULL;
	struct dirent **names = NULL;
	struct buf path = BUF_INIT, src = BUF_INIT;
	int n, i, rc;

	assert(dir != NULL);
	if ((n = scandir(dir, &names, tmpl_dir_filter, alphasort)) == -1) {
		tmpl_seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	set = tmpl_set_new();
	for (i = 0; i < n; i++) {
		buf_reset(&path);
		buf_reset(&src);
		buf_printf(&path, "%s/%s", dir, names[i]->d_name);
		rc = tmpl_file_read(buf_cstr(&path), &src, err, errlen);
		if (rc == 0)
			continue;
		if (rc == -1 || tmpl_set_add_labelled(set, names[i]->d_name,
		    buf_cstr(&path), buf_cstr(&src), src.len,
		    err, errlen) == -1) {
			tmpl_set_free(set);
			set = NULL;
			break;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&path);
	buf_free(&src);
	return set;
}

/* ---- rendering ---- */

/*
 * Renders nodes [from, to) of t in ctx into out; depth counts the
 * partials entered.  Cannot fail.
 */
static void
tmpl_render_nodes(const struct tmpl_set *set, const struct tmpl *t,
    size_t from, size_t to, const struct tmpl_ctx *ctx, int depth,
    struct buf *out)
{
	const struct tmpl_node *n;
	const struct tmpl_entry *e;
	struct tmpl **p;
	struct tmpl_ctx inner;
	size_t i = from, k;

	while (i < to) {
		n = &t->nodes[i];
		switch (n->type) {
		case TMPL_NODE_TEXT:
			buf_append(out, n->s, n->len);
			i++;
			break;
		case TMPL_NODE_VAR:
		case TMPL_NODE_RAW:
			e = tmpl_ctx_lookup(ctx, n);
			if (e != NULL && e->type == TMPL_VALUE_STRING &&
			    e->len > 0) {
				if (n->type == TMPL_NODE_VAR && !e->plain)
					buf_html(out, e->str, e->len);
				else
					buf_append(out, e->str, e->len);
			}
			i++;
			break;
		case TMPL_NODE_SECTION:
			e = tmpl_ctx_lookup(ctx, n);
			if (e != NULL && e->type == TMPL_VALUE_LIST) {
				inner.up = ctx;
				for (k = 0; k < e->nitems; k++) {
					inner.data = e->items[k];
					tmpl_render_nodes(set, t, i + 1,
					    n->end, &inner, depth, out);
				}
			} else if (tmpl_entry_true(e))
				tmpl_render_nodes(set, t, i + 1, n->end, ctx,
				    depth, out);
			i = n->end;
			break;
		case TMPL_NODE_INVERTED:
			if (!tmpl_entry_true(tmpl_ctx_lookup(ctx, n)))
				tmpl_render_nodes(set, t, i + 1, n->end, ctx,
				    depth, out);
			i = n->end;
			break;
		case TMPL_NODE_PARTIAL:
			if (depth < TMPL_PARTIAL_DEPTH &&
			    (p = tmpl_set_find(set, n->s, n->len, n->hash))
			    != NULL)
				tmpl_render_nodes(set, *p, 0, (*p)->nnodes,
				    ctx, depth + 1, out);
			i++;
			break;
		}
	}
}

int
tmpl_render(const struct tmpl_set *set, const char *name,
    const struct tmpl_data *data, struct buf *out)
{
	return tmpl_render_outer(set, name, data, NULL, out);
}

int
tmpl_render_outer(const struct tmpl_set *set, const char *name,
    const struct tmpl_data *data, const struct tmpl_data *outer,
    struct buf *out)
{
	struct tmpl **p;
	struct tmpl_ctx root, top;
	size_t len;

	assert(set != NULL && name != NULL && out != NULL);
	len = strlen(name);
	if ((p = tmpl_set_find(set, name, len, tmpl_hash(name, len))) == NULL)
		return -1;
	top.data = outer;
	top.up = NULL;
	root.data = data;
	root.up = outer != NULL ? &top : NULL;
	tmpl_render_nodes(set, *p, 0, (*p)->nnodes, &root, 0, out);
	return 0;
}

/*
 * buf: a growable byte buffer, the one way this program builds text.
 *
 * A buffer starts zeroed (BUF_INIT or buf_init) and owns its memory until
 * buf_free.  Appending never fails: on out of memory the process aborts,
 * as a worker that cannot allocate cannot answer anyway and the
 * supervisor starts a fresh one.  data is always NUL-terminated after any
 * append (or is NULL while nothing was ever appended; use buf_cstr).
 */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	 buf_init(struct buf *);
/* Releases the memory; the buffer may be used again afterwards. */
void	 buf_free(struct buf *);
/* Empties the buffer but keeps its memory for reuse. */
void	 buf_reset(struct buf *);
/* Makes room for at least n more bytes. */
void	 buf_reserve(struct buf *, size_t n);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, int);
void	 buf_printf(struct buf *, const char *, ...)
		__attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list)
		__attribute__((format(printf, 2, 0)));
/* Returns the contents as a C string ("" when empty); never NULL. */
const char *buf_cstr(struct buf *);
/* Hands the contents to the caller (free() it) and empties the buffer. */
char	*buf_detach(struct buf *);

/*
 * Escapers, one per output context.  Each appends s (n bytes) escaped.
 * html: & < > " ' become entities; safe in text and quoted attributes.
 * url:  percent-encodes everything but unreserved characters (RFC 3986).
 */
void	 buf_html(struct buf *, const char *s, size_t n);
void	 buf_url(struct buf *, const char *s, size_t n);

/* malloc/calloc/strdup/realloc that abort on out of memory. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif

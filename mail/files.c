/*
 * mail/files: "delivery" into .eml files, the default when no SMTP
 * server is set, so that the product runs and can be looked at without
 * one.  A file is written whole under a dot name, synced, then renamed:
 * it is complete or absent, and a resend of the same message (same
 * Message-ID) replaces it rather than adding a second.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/mail.h"
#include "mail/mail_int.h"
#include "util/buf.h"

struct files {
	struct mail_transport	 t;
	char			*dir;
};

/* Writes all n bytes of p to fd; 0 or -1 (errno set). */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static enum mail_send
files_send(struct mail_transport *t, const char *from, const char *to,
    const char *msg, size_t len, const char *message_id, char *err,
    size_t errlen)
{
	struct files *f = (struct files *)t;
	struct buf name = BUF_INIT, tmp = BUF_INIT, path = BUF_INIT;
	enum mail_send r = MAIL_SEND_TEMP;
	const char *p;
	int fd;

	(void)from;
	(void)to;
	for (p = message_id; *p != '\0'; p++) {
		if (*p == '<' || *p == '>')
			continue;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '@' ||
		    *p == '_' || *p == '-')
			buf_putc(&name, *p);
		else
			buf_putc(&name, '_');
	}
	if (name.len == 0 || name.data[0] == '.') {
		(void)snprintf(err, errlen, "the Message-ID makes no file name");
		r = MAIL_SEND_PERM;
		goto out;
	}
	buf_printf(&tmp, "%s/.%s.tmp", f->dir, buf_cstr(&name));
	buf_printf(&path, "%s/%s.eml", f->dir, buf_cstr(&name));
	if ((fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0640)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", buf_cstr(&tmp),
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, msg, len) == -1 || fsync(fd) == -1) {
		(void)snprintf(err, errlen, "%s: %s", buf_cstr(&tmp),
		    strerror(errno));
		(void)close(fd);
		(void)unlink(buf_cstr(&tmp));
		goto out;
	}
	if (close(fd) == -1 || rename(buf_cstr(&tmp), buf_cstr(&path)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", buf_cstr(&path),
		    strerror(errno));
		(void)unlink(buf_cstr(&tmp));
		goto out;
	}
	r = MAIL_SEND_OK;
out:
	buf_free(&name);
	buf_free(&tmp);
	buf_free(&path);
	return r;
}

static void
files_free(struct mail_transport *t)
{
	struct files *f = (struct files *)t;

	free(f->dir);
	free(f);
}

struct mail_transport *
mail_files_new(const char *dir, char *err, size_t errlen)
{
	struct files *f;
	struct stat st;

	if (dir == NULL || *dir == '\0') {
		(void)snprintf(err, errlen, "no mail folder");
		return NULL;
	}
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		(void)snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a folder", dir);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->t.send = files_send;
	f->t.end = NULL;
	f->t.free = files_free;
	f->dir = xstrdup(dir);
	return &f->t;
}

/* Where results go: a stream whose writes wait for their descriptor with the
 * signals in view, so a reader that stops reading (a full pipe, a terminal
 * held with Ctrl-S) never keeps Ctrl-C from working, and whose first failed
 * write is reported once instead of being lost in silence. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "runtime/runtime.h"

#define HELD_MAX 65536

struct out {
	FILE *f;
	int fd;
	bool own;        /* close fd with the stream */
	bool wait;       /* not a regular file: a write may block */
	int err;         /* errno of the first failed write */
	char name[256];
	char *held;      /* what xt_out_hold gathered, `nheld` bytes */
	size_t nheld;
};

static bool holding;

/* The streams open now, so that xt_out_error can find a stream's state. */
static struct out *outs[4];

static ssize_t put(struct out *o, const char *buf, size_t size)
{
	size_t done = 0;
	while (done < size && !o->err) {
		/* On the way out after a stop, a reader gets a second, not forever. */
		int ready = o->wait ? xt_sig_wait(o->fd, POLLOUT, xt_sig_stopped() ? 1000 : -1) : 1;
		if (ready == 0)
			return (ssize_t)size; /* a stop signal came first: the rest is dropped */
		if (ready == -ETIMEDOUT) {
			o->err = ETIMEDOUT;
			fprintf(stderr, "xtrace: cannot write %s: nothing read it for a second after the stop\n", o->name);
			break;
		}
		/* At most PIPE_BUF after poll said writable, so the write cannot block. */
		size_t chunk = size - done;
		if (o->wait && chunk > PIPE_BUF)
			chunk = PIPE_BUF;
		ssize_t n = write(o->fd, buf + done, chunk);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		o->err = errno;
		if (o->err == EPIPE) /* nobody reads any more: stop as SIGTERM does */
			kill(getpid(), SIGTERM);
		else
			fprintf(stderr, "xtrace: cannot write %s: %s\n", o->name, strerror(o->err));
	}
	/* After a failure everything is dropped: stdio would retry it forever. */
	return (ssize_t)size;
}

static void put_held(struct out *o)
{
	if (o->nheld)
		put(o, o->held, o->nheld);
	o->nheld = 0;
}

static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
	struct out *o = cookie;
	if (holding && !o->err && size <= HELD_MAX) {
		if (!o->held && !(o->held = malloc(HELD_MAX)))
			return put(o, buf, size);
		if (o->nheld + size > HELD_MAX)
			put_held(o);
		memcpy(o->held + o->nheld, buf, size);
		o->nheld += size;
		return (ssize_t)size;
	}
	put_held(o);
	return put(o, buf, size);
}

void xt_out_hold(void)
{
	holding = true;
}

void xt_out_release(void)
{
	holding = false;
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		if (outs[i])
			put_held(outs[i]); /* what stdio still keeps (-B full) stays there */
}

static int out_close(void *cookie)
{
	struct out *o = cookie;
	put_held(o);
	free(o->held);
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		if (outs[i] == o)
			outs[i] = NULL;
	int err = o->own && close(o->fd) < 0 ? -1 : 0;
	free(o);
	return err;
}

FILE *xt_out_open(int fd, const char *name, bool own)
{
	size_t slot = 0;
	while (slot < sizeof(outs) / sizeof(outs[0]) && outs[slot])
		slot++;
	struct out *o = slot < sizeof(outs) / sizeof(outs[0]) ? calloc(1, sizeof(*o)) : NULL;
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	struct stat st;
	o->fd = fd;
	o->own = own;
	o->wait = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode);
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->f = fopencookie(o, "w", (cookie_io_functions_t){ .write = out_write, .close = out_close });
	if (!o->f) {
		free(o);
		return NULL;
	}
	outs[slot] = o;
	return o->f;
}

int xt_out_error(FILE *f)
{
	fflush(f);
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		if (outs[i] && outs[i]->f == f)
			return outs[i]->err;
	return ferror(f) ? EIO : 0;
}

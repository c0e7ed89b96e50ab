/* The event loop: epoll over a signalfd and any file descriptors the caller
 * adds (ring buffers, a terminal, timers). The one-liner and the REPL share it. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include "runtime/runtime.h"

struct slot {
	int fd;                  /* -1 when free */
	uint32_t gen;            /* bumped on every reuse, so a stale event finds no one */
	void (*cb)(void *ctx);
	void *ctx;
};

struct xt_loop {
	int ep, sfd;
	sigset_t mask;
	struct slot *slots;
	int nslots;
	void (*on_signal)(void *ctx, const struct signalfd_siginfo *si);
	void *sig_ctx;
};

#define SIGNAL_TAG UINT64_MAX

struct xt_loop *xt_loop_new(void)
{
	struct xt_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	sigemptyset(&l->mask);
	sigaddset(&l->mask, SIGINT);
	sigaddset(&l->mask, SIGTERM);
	sigaddset(&l->mask, SIGCHLD);
	sigaddset(&l->mask, SIGHUP);
	sigaddset(&l->mask, SIGWINCH);
	/* Blocked for good: a signal during END or the final dump must not kill us. */
	sigprocmask(SIG_BLOCK, &l->mask, NULL);
	l->sfd = signalfd(-1, &l->mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SIGNAL_TAG };
	if (l->sfd < 0 || l->ep < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sfd, &ev) < 0) {
		xt_loop_free(l);
		return NULL;
	}
	return l;
}

void xt_loop_free(struct xt_loop *l)
{
	if (!l)
		return;
	if (l->ep >= 0)
		close(l->ep);
	if (l->sfd >= 0)
		close(l->sfd);
	free(l->slots);
	free(l);
}

void xt_loop_on_signal(struct xt_loop *l, void (*cb)(void *ctx, const struct signalfd_siginfo *si), void *ctx)
{
	l->on_signal = cb;
	l->sig_ctx = ctx;
}

int xt_loop_add(struct xt_loop *l, int fd, void (*cb)(void *ctx), void *ctx)
{
	int i = 0;
	while (i < l->nslots && l->slots[i].fd >= 0)
		i++;
	if (i == l->nslots) {
		struct slot *ns = realloc(l->slots, sizeof(*ns) * (l->nslots + 8));
		if (!ns)
			return -ENOMEM;
		l->slots = ns;
		for (int j = l->nslots; j < l->nslots + 8; j++)
			l->slots[j] = (struct slot){ .fd = -1 };
		l->nslots += 8;
	}
	struct slot *s = &l->slots[i];
	s->gen++;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)s->gen << 32 | (uint32_t)i };
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	s->fd = fd;
	s->cb = cb;
	s->ctx = ctx;
	return 0;
}

void xt_loop_remove(struct xt_loop *l, int fd)
{
	for (int i = 0; i < l->nslots; i++)
		if (l->slots[i].fd == fd) {
			epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
			l->slots[i].fd = -1;
			l->slots[i].gen++;
		}
}

int xt_loop_once(struct xt_loop *l, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(l->ep, evs, 16, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == SIGNAL_TAG) {
			struct signalfd_siginfo si;
			while (read(l->sfd, &si, sizeof(si)) == sizeof(si))
				if (l->on_signal)
					l->on_signal(l->sig_ctx, &si);
			continue;
		}
		uint32_t idx = (uint32_t)evs[i].data.u64, gen = (uint32_t)(evs[i].data.u64 >> 32);
		/* A callback may have removed (or replaced) this slot since epoll answered. */
		if (idx >= (uint32_t)l->nslots || l->slots[idx].fd < 0 || l->slots[idx].gen != gen)
			continue;
		l->slots[idx].cb(l->slots[idx].ctx);
	}
	return n;
}

/* The event loop: epoll over the process's one signalfd and any file
 * descriptors the caller adds (ring buffers, a terminal, timers). The
 * one-liner and the REPL share it. Signals are blocked from the start of
 * main() and only ever received here, so a signal at any moment (compile,
 * attach, a blocked write, END) is handled at the next safe point. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include "runtime/runtime.h"

/* --- signals --------------------------------------------------------------- */

static int sig_fd = -1;
static sigset_t sig_mask;
/* Signals read from sig_fd before a loop could dispatch them (by
 * xt_sig_stop_pending or xt_sig_wait): the next xt_loop_once hands them on.
 * One entry per signal number, as the kernel keeps them pending, so it never
 * fills up (a full stash would leave the signalfd readable and poll spinning). */
static struct signalfd_siginfo stash[64];
static int nstash;
static bool stopped; /* a stop signal was handled: xtrace is on its way out */

int xt_sig_init(void)
{
	if (sig_fd >= 0)
		return 0;
	sigemptyset(&sig_mask);
	sigaddset(&sig_mask, SIGINT);
	sigaddset(&sig_mask, SIGTERM);
	sigaddset(&sig_mask, SIGHUP);
	sigaddset(&sig_mask, SIGUSR1);
	sigaddset(&sig_mask, SIGCHLD);
	sigaddset(&sig_mask, SIGWINCH);
	/* Blocked for good: a signal during END or the final dump must not kill us. */
	if (sigprocmask(SIG_BLOCK, &sig_mask, NULL) < 0)
		return -errno;
	/* A reader that went away makes writes fail with EPIPE, handled as an error. */
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sig_mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return sig_fd < 0 ? -errno : 0;
}

void xt_sig_restore_child(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

/* Moves what waits on the signalfd into the stash. */
static void take(void)
{
	struct signalfd_siginfo si;
	while (sig_fd >= 0 && read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
		bool seen = false;
		for (int i = 0; i < nstash && !seen; i++)
			seen = stash[i].ssi_signo == si.ssi_signo;
		if (!seen && nstash < (int)(sizeof(stash) / sizeof(stash[0])))
			stash[nstash++] = si;
	}
}

static bool is_stop(uint32_t signo)
{
	return signo == SIGINT || signo == SIGTERM || signo == SIGHUP;
}

bool xt_sig_stop_pending(void)
{
	take();
	for (int i = 0; i < nstash; i++)
		if (is_stop(stash[i].ssi_signo))
			return true;
	return false;
}

bool xt_sig_take_stop(void)
{
	bool stop = xt_sig_stop_pending();
	int kept = 0;
	for (int i = 0; i < nstash; i++)
		if (!is_stop(stash[i].ssi_signo))
			stash[kept++] = stash[i];
	nstash = kept;
	stopped |= stop;
	return stop;
}

bool xt_sig_stopped(void)
{
	return stopped;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int xt_sig_wait(int fd, short events, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	for (;;) {
		if (xt_sig_stop_pending())
			return 0;
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left < 0)
			left = 0;
		struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = sig_fd, .events = POLLIN } };
		int n = poll(p, sig_fd >= 0 ? 2 : 1, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (n > 0 && p[0].revents)
			return 1;
		/* Only a signal: if it does not stop us (SIGCHLD...), keep waiting, to the same deadline. */
	}
}

/* --- the loop ---------------------------------------------------------------- */

struct slot {
	int fd;                  /* -1 when free */
	uint32_t gen;            /* bumped on every reuse, so a stale event finds no one */
	void (*cb)(void *ctx);
	void *ctx;
};

struct xt_loop {
	int ep;
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
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SIGNAL_TAG };
	if (xt_sig_init() < 0 || l->ep < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, sig_fd, &ev) < 0) {
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

/* Hands every received signal to the loop's callback, in order. */
static void dispatch_signals(struct xt_loop *l)
{
	take();
	/* A callback may look for signals itself (xt_sig_stop_pending): hand on a copy. */
	struct signalfd_siginfo got[sizeof(stash) / sizeof(stash[0])];
	int n = nstash;
	memcpy(got, stash, sizeof(got[0]) * (size_t)n);
	nstash = 0;
	for (int i = 0; i < n; i++) {
		stopped |= is_stop(got[i].ssi_signo);
		if (l->on_signal)
			l->on_signal(l->sig_ctx, &got[i]);
	}
}

int xt_loop_once(struct xt_loop *l, int timeout_ms)
{
	/* Signals taken out of the signalfd meanwhile would not wake epoll. */
	if (nstash) {
		dispatch_signals(l);
		timeout_ms = 0;
	}
	struct epoll_event evs[16];
	int n = epoll_wait(l->ep, evs, 16, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == SIGNAL_TAG) {
			dispatch_signals(l);
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

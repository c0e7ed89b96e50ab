/* Links that are slow to release, handed to a detached child at exit; and
 * the probes stopped before END runs. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/rt_int.h"

/* Releasing a perf-event link takes the kernel ~73 ms (two RCU-tasks-trace
 * grace periods under global mutexes), so 360 of them hold an exiting tracer
 * for half a minute (and many raw tracepoints some seconds, see
 * FAST_CLOSE_MAX). The results are printed by now: a child in its own
 * session, with no terminal or pipe open, inherits the links and releases
 * them once the parent has dropped its references (release_all); our own
 * closes then only drop references and the user gets the shell back at once. */
static bool is_perf_link(struct bpf_link *l)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	return bpf_obj_get_info_by_fd(bpf_link__fd(l), &info, &len) == 0 && info.type == BPF_LINK_TYPE_PERF_EVENT;
}

/* How many perf-event links rt holds, counting up to `limit` (one syscall each). */
static int perf_links(const struct xt_rt *rt, int limit)
{
	int n = 0;
	for (int i = 0; i < rt->nprobes; i++)
		for (int j = 0; j < rt->probes[i].nlinks && n < limit; j++)
			n += is_perf_link(rt->probes[i].links[j]);
	return n;
}

/* Closing the fd of a raw tracepoint's BPF link releases it at once, but
 * not for free: 0.5-9 ms each here under load (tracepoint:sched:*'s 26
 * added ~100 ms to the exit, tracepoint:*:*'s 1,587 held it for 2 s). Up to this many are closed at
 * once; more go to the releasing child with the perf-event links
 * (docs/reliability.md, "Kill cycles"). */
enum { FAST_CLOSE_MAX = 8 };

/* Whether fd holds a BPF link (a raw tracepoint, an uprobe-multi), not a
 * perf event. */
static bool is_link_fd(int fd)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
}

/* Whether rt holds more than FAST_CLOSE_MAX BPF-link fds. */
static bool many_link_fds(const struct xt_rt *rt)
{
	int n = 0;
	for (int i = 0; i < rt->nprobes; i++)
		for (int j = 0; j < rt->probes[i].nfds && n <= FAST_CLOSE_MAX; j++)
			n += is_link_fd(rt->probes[i].fds[j]);
	return n > FAST_CLOSE_MAX;
}

/* Sets the programs' "xt_stopped" (codegen/cg.c): from then on every probe
 * but BEGIN and END returns at once. 0, or -errno (no such variable: the
 * object has no probe that checks it). */
static int stop_programs(struct xt_rt *rt)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, rt->obj) {
		const char *name = bpf_map__name(m);
		size_t n = strlen(name);
		if (!bpf_map__is_internal(m) || n < 4 || strcmp(name + n - 4, ".bss") != 0)
			continue;
		if (bpf_map__value_size(m) != sizeof(uint64_t)) /* xt_stopped is its only variable */
			return -EINVAL;
		uint32_t key = 0;
		uint64_t one = 1;
		return bpf_map_update_elem(bpf_map__fd(m), &key, &one, BPF_ANY) < 0 ? -errno : 0;
	}
	return -ENOENT;
}

/* bpftrace detaches the probes before END runs, so what END prints or clears
 * stays as it left it (syscount.bt's END clears its maps: nothing more may
 * print at exit). The programs are stopped by their flag; fast to release
 * links are released here; perf events of our own (profile, interval,
 * watchpoints) are disabled. The links that libbpf holds perf events for
 * take ~100 ms each to release, and more than FAST_CLOSE_MAX raw
 * tracepoints ~1 ms each: they are left to the exit's background release
 * (xt_rt_release_in_background), harmless now. Without the flag they are
 * released here when they are few, else left attached -- those probes may
 * then still fire while END runs. */
void xt_rt_quiesce(struct xt_rt *rt)
{
	bool stopped = stop_programs(rt) == 0;
	bool keep_perf = stopped || perf_links(rt, 4) >= 4;
	bool keep_links = stopped && many_link_fds(rt);
	for (int i = 0; i < rt->nprobes; i++) {
		struct xt_rt_probe *rp = &rt->probes[i];
		int kept = 0;
		for (int j = 0; j < rp->nfds; j++) {
			/* ENOTTY: not a perf event but a BPF link (raw tracepoint,
			 * uprobe-multi), which closing releases at once */
			if (ioctl(rp->fds[j], PERF_EVENT_IOC_DISABLE, 0) < 0 && errno == ENOTTY && !keep_links)
				close(rp->fds[j]);
			else
				rp->fds[kept++] = rp->fds[j];
		}
		rp->nfds = kept;
		kept = 0;
		for (int j = 0; j < rp->nlinks; j++) {
			if (keep_perf && is_perf_link(rp->links[j]))
				rp->links[kept++] = rp->links[j];
			else
				bpf_link__destroy(rp->links[j]);
		}
		rp->nlinks = kept;
	}
}

/* The releasing child closes in this many threads. Tearing down a
 * perf-event tracepoint mostly waits for RCU grace periods, which threads
 * wait for together: the child that released tracepoint:*:*'s 2,305
 * perf-event links (XTRACE_NO_RAW_TP=1) lived ~100 s closing them in one
 * thread (or by exiting), 64-67 s in 4, 58 s in 16, 52 s in 8 here
 * (docs/reliability.md, "Kill cycles"). */
enum { RELEASE_THREADS = 8 };

struct releaser {
	struct xt_rt *rt;
	int nth, k;              /* this thread closes every nth link and fd from the kth */
};

static void *release_some(void *arg)
{
	struct releaser *r = arg;
	int at = 0;
	for (int i = 0; i < r->rt->nprobes; i++) {
		struct xt_rt_probe *rp = &r->rt->probes[i];
		for (int j = 0; j < rp->nlinks; j++, at++)
			if (at % r->nth == r->k)
				bpf_link__destroy(rp->links[j]); /* the link's and its perf event's fds */
		for (int j = 0; j < rp->nfds; j++, at++)
			if (at % r->nth == r->k)
				close(rp->fds[j]);
	}
	return NULL;
}

/* In the releasing child: releases rt's links and fds, in RELEASE_THREADS
 * threads where it can start them (the rest in this one). A few are left to
 * the exit, as before the threads (only hundreds were measured). */
static void release_all(struct xt_rt *rt)
{
	int n = 0;
	for (int i = 0; i < rt->nprobes; i++)
		n += rt->probes[i].nlinks + rt->probes[i].nfds;
	if (n < 64)
		return;
	pthread_t th[RELEASE_THREADS];
	struct releaser r[RELEASE_THREADS];
	bool started[RELEASE_THREADS] = { false };
	for (int k = 0; k < RELEASE_THREADS; k++) {
		r[k] = (struct releaser){ rt, RELEASE_THREADS, k };
		started[k] = k > 0 && pthread_create(&th[k], NULL, release_some, &r[k]) == 0;
	}
	for (int k = 0; k < RELEASE_THREADS; k++)
		if (!started[k])
			release_some(&r[k]);
	for (int k = 1; k < RELEASE_THREADS; k++)
		if (started[k])
			pthread_join(th[k], NULL);
}

int xt_rt_release_in_background(struct xt_rt *rt)
{
	int hold[2];
	if ((perf_links(rt, 1) < 1 && !many_link_fds(rt)) || pipe2(hold, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0) { /* the parent (or a failed fork): close as usual, then let the child go */
		close(hold[0]);
		return hold[1];
	}
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	close(hold[1]);
	char c;
	/* Wait until the parent has dropped its references, so ours are the last. */
	while (read(hold[0], &c, 1) < 0 && errno == EINTR)
		;
	release_all(rt);
	_exit(0); /* no atexit, no stdio flush */
}

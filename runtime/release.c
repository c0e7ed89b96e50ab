/* Links that are slow to release, handed to a detached child at exit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/rt_int.h"

/* Releasing a perf-event link takes the kernel ~73 ms (two RCU-tasks-trace
 * grace periods under global mutexes), so 360 of them hold an exiting tracer
 * for half a minute. The results are printed by now: a child in its own
 * session, with no terminal or pipe open, inherits the links and lets the
 * kernel release them when it exits; our own closes then only drop references
 * and the user gets the shell back at once. */
int xt_rt_release_in_background(struct xt_rt *rt)
{
	int slow = 0;
	for (int i = 0; i < rt->nprobes; i++)
		for (int j = 0; j < rt->probes[i].nlinks; j++) {
			struct bpf_link_info info = { 0 };
			__u32 len = sizeof(info);
			if (bpf_obj_get_info_by_fd(bpf_link__fd(rt->probes[i].links[j]), &info, &len) == 0 &&
			    info.type == BPF_LINK_TYPE_PERF_EVENT)
				slow++;
		}
	int hold[2];
	if (slow < 4 || pipe2(hold, O_CLOEXEC) < 0)
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
	_exit(0); /* no atexit, no stdio flush: the kernel closes the links */
}

/* busyloop MS [wait]: spins on the CPU until it has run MS milliseconds
 * (default 1000) of CPU time, all of it inside busy_work(), for profile:/
 * uprobe tests. CPU time, not wall time: samples per run stay the same on a
 * busy machine, where a wall-clock spin is preempted and sampled less. With
 * "wait", it first waits for a byte on stdin (hold.h; for -p). */
#include <stdlib.h>
#include <time.h>
#include "hold.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) unsigned long busy_work(long ms)
{
	long long end = now_ns() + ms * 1000000LL;
	volatile unsigned long x = 0;

	/* Read the clock rarely, so samples land in this function, not the vDSO. */
	do {
		for (int i = 0; i < 1000000; i++)
			x += i;
	} while (now_ns() < end);
	return x;
}

int main(int argc, char **argv)
{
	if ((argc = hold_if_asked(argc, argv)) < 0)
		return 1;
	busy_work(argc > 1 ? atol(argv[1]) : 1000);
	return 0;
}

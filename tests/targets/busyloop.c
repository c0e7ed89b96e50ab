/* busyloop MS: spins on the CPU for MS milliseconds (default 1000), all of
 * it inside busy_work(), for profile:/uprobe tests. */
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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
	busy_work(argc > 1 ? atol(argv[1]) : 1000);
	return 0;
}

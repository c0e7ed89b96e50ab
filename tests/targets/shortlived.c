/* shortlived [US]: a process that lives a few milliseconds: spins for US
 * microseconds (default 2000) of CPU time inside brief_spin() and exits,
 * for the test that a -c command's stacks print by name after it is gone.
 * CPU time, so that a busy machine preempting it does not starve the
 * samples. */
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) unsigned long brief_spin(long us)
{
	long long end = now_ns() + us * 1000LL;
	volatile unsigned long x = 0;

	do {
		for (int i = 0; i < 10000; i++)
			x += i;
	} while (now_ns() < end);
	return x;
}

int main(int argc, char **argv)
{
	brief_spin(argc > 1 ? atol(argv[1]) : 2000);
	return 0;
}

/* flamework MS [LINGER] [wait]: a known call tree for the flame graph tests.
 * main -> work -> hot() runs 3/4 of MS milliseconds of CPU time and
 * main -> work -> cold() the other 1/4, in alternating slices of 3 ms and
 * 1 ms, so that on a busy machine both lose the same share of samples. CPU
 * time of this thread, not wall time (as busyloop.c). Then it prints "done" on stderr
 * and, given LINGER, sleeps LINGER seconds, so that its stacks can still be
 * symbolized. With "wait", it first waits for a byte on stdin (hold.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "hold.h"

static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile unsigned long sink;

/* Spins until the thread has used ns more nanoseconds of CPU; the clock is
 * read rarely, so the samples land in the caller's own loop. */
#define SPIN(ns)                                                      \
	do {                                                              \
		long long end_ = cpu_ns() + (ns);                             \
		do {                                                          \
			for (int i_ = 0; i_ < 20000; i_++)                        \
				sink += (unsigned long)i_;                            \
		} while (cpu_ns() < end_);                                    \
	} while (0)

__attribute__((noinline)) void hot(long long ns) { SPIN(ns); }
__attribute__((noinline)) void cold(long long ns) { SPIN(ns); }

__attribute__((noinline)) void work(long ms)
{
	for (long slice = 0; slice < ms / 4; slice++) {
		hot(3000000LL);
		cold(1000000LL);
	}
}

int main(int argc, char **argv)
{
	if ((argc = hold_if_asked(argc, argv)) < 0)
		return 1;
	work(argc > 1 ? atol(argv[1]) : 1000);
	fputs("done\n", stderr);
	if (argc > 2)
		sleep((unsigned)atoi(argv[2]));
	return 0;
}

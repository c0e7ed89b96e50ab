/* getppid_loop N [-v] [wait]: makes N getppid syscalls (default 1000000);
 * with -v prints the time per call on stderr, for the per-event-cost
 * benchmark. With "wait", it first waits for a byte on stdin (hold.h; for -p). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "hold.h"

int main(int argc, char **argv)
{
	struct timespec a, b;

	if ((argc = hold_if_asked(argc, argv)) < 0)
		return 1;
	long n = argc > 1 ? atol(argv[1]) : 1000000;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid); /* the raw syscall: no libc caching */
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (argc > 2 && !strcmp(argv[2], "-v")) {
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);

		fprintf(stderr, "getppid_loop: %ld calls, %.0f ns, %.1f ns/call\n", n, ns, n ? ns / n : 0);
	}
	return 0;
}

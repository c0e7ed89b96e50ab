/* getppid_loop N [-v]: makes N getppid syscalls (default 1000000); with -v
 * prints the time per call on stderr, for the per-event-cost benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b;

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

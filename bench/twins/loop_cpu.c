/* loop_cpu N [-v]: N getppid system calls, like tests/targets/getppid_loop,
 * timed in this thread's CPU time rather than wall time: what the kernel
 * spends on each call (a traced one runs the tracer's program inside it),
 * without the time other processes hold the CPU on a busy machine. With -v
 * prints "... ns/call" on stderr, as bench/run reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n = argc > 1 ? atol(argv[1]) : 1000000;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	if (argc > 2 && !strcmp(argv[2], "-v")) {
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);

		fprintf(stderr, "loop_cpu: %ld calls, %.0f ns CPU, %.1f ns/call\n", n, ns, n ? ns / n : 0);
	}
	return 0;
}

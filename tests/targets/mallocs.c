/* mallocs [N] [wait]: allocates 100 bytes N times (default 10) from
 * alloc_some(), for the mallocstacks example's test; then lives 100 ms more,
 * so that a loaded machine still lets xtrace read its mappings while it
 * lives. With "wait", it first waits for a byte on stdin (hold.h; for -p). */
#include <stdlib.h>
#include <unistd.h>
#include "hold.h"

__attribute__((noinline)) void *alloc_some(size_t n)
{
	return malloc(n);
}

int main(int argc, char **argv)
{
	if ((argc = hold_if_asked(argc, argv)) < 0)
		return 1;
	int n = argc > 1 ? atoi(argv[1]) : 10;

	for (int i = 0; i < n; i++)
		free(alloc_some(100));
	usleep(100000);
	return 0;
}

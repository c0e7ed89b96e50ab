/* wpwrites [W [R [wait]]]: maps a page at the fixed address 0x10000000,
 * writes the long there W times (default 5) and reads it R times (default
 * 3), for the watchpoint tests (watchpoint:0x10000000:8:w sees W hits, :rw
 * W + R). With "wait", it first waits for a byte on stdin (hold.h; for -p). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "hold.h"

#define WATCHED 0x10000000UL

int main(int argc, char **argv)
{
	long w = argc > 1 ? atol(argv[1]) : 5, r = argc > 2 ? atol(argv[2]) : 3, sum = 0;
	volatile long *p = mmap((void *)WATCHED, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (volatile long *)WATCHED)
		return 1;
	if (hold_if_asked(argc, argv) < 0)
		return 1;
	for (long i = 0; i < w; i++)
		*p = i;
	for (long i = 0; i < r; i++)
		sum += *p;
	return sum < 0 ? 1 : 0;
}

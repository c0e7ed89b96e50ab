/* The floor: an empty program on raw_syscalls:sys_enter (raw tracepoint). */
#include "twin.h"

SEC("raw_tracepoint/sys_enter")
int empty(void *ctx)
{
	return 0;
}

/* A call chain main -> chain_a -> chain_b -> chain_c built without frame
 * pointers (-O2 -fomit-frame-pointer, tests/CMakeLists.txt), for dw_ustack
 * (tests/e2e/test_dw_ustack.sh): ustack's frame-pointer walk loses callers
 * here, DWARF CFI finds them. No inlining and no tail calls, so that every
 * function keeps a frame of its own. nofp_chain [N] [wait]: N chains
 * (default 1), after the byte `wait` asks for (hold.h). */
#include <stdio.h>
#include <stdlib.h>
#include "hold.h"

volatile long sink;

__attribute__((noinline)) long chain_c(long x)
{
	sink += x;
	return sink * 3;
}

__attribute__((noinline)) long chain_b(long x)
{
	long r = chain_c(x + 1);
	sink ^= r;
	return r + 1;
}

__attribute__((noinline)) long chain_a(long x)
{
	long r = chain_b(x * 2);
	sink -= r;
	return r + 2;
}

int main(int argc, char **argv)
{
	argc = hold_if_asked(argc, argv);
	if (argc < 0)
		return 1;
	long n = argc > 1 ? atol(argv[1]) : 1, t = 0;
	for (long i = 0; i < n; i++)
		t += chain_a(i);
	printf("%ld\n", t & 1);
	return 0;
}

/* evexfn N: calls broadcast(i) N times (default 1000) and prints the sum of
 * its results. broadcast's first instruction is EVEX-encoded (AVX-512):
 * the uprobe tests put a probe on it (tests/e2e/test_uprobe_evex.sh). Exits
 * 2 without AVX-512 (nothing printed). */
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
/* x's low byte in each byte of the result */
__attribute__((naked, noinline)) unsigned broadcast(unsigned x)
{
	__asm__ volatile("vpbroadcastb %edi, %ymm17\n\t"
			 "vmovd %xmm17, %eax\n\t"
			 "ret");
}
#endif

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512bw"))
		return 2;
	long n = argc > 1 ? atol(argv[1]) : 1000;
	unsigned long sum = 0;
	for (long i = 0; i < n; i++)
		sum += broadcast((unsigned)i & 0x7f);
	printf("%lu\n", sum);
	return 0;
#else
	return 2;
#endif
}

/* usdt_ticks [N] [wait]: USDT probes for the usdt tests, N rounds (default 100).
 * xt:tick(i, i * -8) fires only while its semaphore is armed (a tracer is
 * attached); xt:plain(i) fires every round. At the end it prints how many
 * rounds saw the semaphore armed. With "wait", it first waits for a byte on
 * stdin (hold.h; for -p). */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include "hold.h"

__extension__ unsigned short xt_tick_semaphore __attribute__((unused)) __attribute__((section(".probes")));
__extension__ unsigned short xt_plain_semaphore __attribute__((unused)) __attribute__((section(".probes")));

int main(int argc, char **argv)
{
	if ((argc = hold_if_asked(argc, argv)) < 0)
		return 1;
	int n = argc > 1 ? atoi(argv[1]) : 100, armed = 0;

	for (int i = 0; i < n; i++) {
		long neg = (long)i * -8;

		if (xt_tick_semaphore) {
			armed++;
			STAP_PROBE2(xt, tick, i, neg);
		}
		STAP_PROBE1(xt, plain, i);
	}
	printf("armed %d of %d\n", armed, n);
	return 0;
}

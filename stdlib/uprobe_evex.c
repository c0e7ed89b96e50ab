/* Whether this kernel's uprobes execute an EVEX-encoded (AVX-512)
 * instruction right when it is the probed one. Measured on this project's
 * machines (Linux 6.18 in a Firecracker VM): they do not -- the instruction,
 * stepped out of line, leaves a wrong result, so with a probe on
 * libc's __strchrnul_evex every printf on the machine prints its format
 * unexpanded (uprobe:libc:* did that to every process while it was attached).
 * Asked, not assumed: a uprobe (a plain perf event, no BPF program) is put
 * on a function of xtrace's own whose first instruction is EVEX, the function
 * is called once, and its result compared. */
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "stdlib/uprobe_evex.h"

#if defined(__x86_64__)
/* evex_probe(x): x's low byte in every byte: vpbroadcastb %edi, %ymm17 first. */
__attribute__((naked, noinline, used)) static unsigned evex_probe(unsigned x)
{
	__asm__ volatile("vpbroadcastb %edi, %ymm17\n\t"
			 "vmovd %xmm17, %eax\n\t"
			 "ret");
}

/* The file offset of address `addr` of this process's executable, from its
 * mapping; -1 when not found. */
static int64_t self_offset(uintptr_t addr)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[512];
	int64_t off = -1;
	while (maps && off < 0 && fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi, foff;
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &foff) == 3 && addr >= lo && addr < hi)
			off = (int64_t)(addr - lo + foff);
	}
	if (maps)
		fclose(maps);
	return off;
}

/* 1: stepped right, 0: wrong, -1: cannot tell (no AVX-512, no uprobe PMU). */
static int measure(void)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512bw"))
		return -1;
	FILE *tf = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	int type = -1;
	if (tf && fscanf(tf, "%d", &type) != 1)
		type = -1;
	if (tf)
		fclose(tf);
	int64_t off = self_offset((uintptr_t)evex_probe);
	if (type < 0 || off < 0)
		return -1;
	struct perf_event_attr attr = { .size = sizeof(attr), .type = (unsigned)type,
		.config1 = (uint64_t)(uintptr_t)"/proc/self/exe", .config2 = (uint64_t)off };
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -1;
	unsigned got = evex_probe(0x5a);
	close(fd);
	return got == 0x5a5a5a5a;
}
#endif

bool xt_uprobe_evex_broken(void)
{
	static int known = -2;
#if defined(__x86_64__)
	if (known == -2)
		known = measure();
#endif
	return known == 0;
}

bool xt_uprobe_is_evex(const char *path, uint64_t off)
{
	unsigned char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool evex = pread(fd, &c, 1, (off_t)off) == 1 && c == 0x62;
	close(fd);
	return evex;
}

/* uprobes on EVEX (AVX-512) instructions: whether this kernel steps them
 * wrongly (stdlib/uprobe_evex.c), and whether a probe would sit on one. */
#ifndef XT_UPROBE_EVEX_H
#define XT_UPROBE_EVEX_H

#include <stdbool.h>
#include <stdint.h>

/* true when a uprobe on an EVEX-encoded instruction was measured to change
 * what the instruction computes (asked once per process); false when it
 * works or cannot be told (no AVX-512: no such instructions run). */
bool xt_uprobe_evex_broken(void);
/* Whether the instruction at file offset `off` of `path` is EVEX-encoded
 * (in 64-bit code, its first byte is 0x62). */
bool xt_uprobe_is_evex(const char *path, uint64_t off);

#endif

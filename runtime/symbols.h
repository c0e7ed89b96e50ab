/* Symbolisation: kernel addresses through /proc/kallsyms, user addresses
 * through each process's mappings (/proc/PID/maps, remembered while the
 * process lives so that stacks of exited processes still resolve) and the
 * mapped files' ELF symbol tables; and the rendering of stack-map entries
 * the way bpftrace prints them. Strings returned in an arena belong to it;
 * everything else is cached for the life of the process. */
#ifndef XT_SYMBOLS_H
#define XT_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/arena.h"

/* build_id (ustack only, bpftrace 0.25): each frame as its file's build id and
 * the offset into that file, for symbolizing elsewhere */
enum xt_stack_mode { XT_STACK_BPFTRACE, XT_STACK_PERF, XT_STACK_RAW, XT_STACK_BUILD_ID };
enum { XT_STACK_MAX = 127 }; /* frames a stack map entry holds (perf_event_max_stack) */
/* The stack-trace map's name in every object (the REPL shares one across entries). */
#define XT_STACK_MAP "xt_stacks"

/* /proc/kallsyms's symbols (read once per process), sorted by name; NULL
 * with *err = -errno when it cannot be read. */
struct xt_ksym { uint64_t addr; const char *name; char type; };
const struct xt_ksym *xt_ksyms_by_name(size_t *n, int *err);
/* Reads /proc/kallsyms now in a background thread: for a program that will
 * print kernel symbols, which then need not wait for it at exit. */
void xt_sym_kernel_prefetch(void);
/* The kernel symbol containing addr and the offset into it, or NULL. */
const char *xt_sym_kernel(uint64_t addr, uint64_t *off);
/* The user symbol containing addr in process pid, with the offset into it and
 * the mapped file (*module, may be NULL); NULL when unknown. */
const char *xt_sym_user(pid_t pid, uint64_t addr, uint64_t *off, const char **module);
/* Calls fn once per file mapped executable in pid (the remembered mappings
 * when it is gone) with a readable path to it and its load bias (the
 * address its vaddr 0 lands at); returns how many files. For dw_ustack. */
int xt_sym_user_files(pid_t pid, void (*fn)(void *arg, const char *path, uint64_t bias), void *arg);

/* Reads pid's mappings now and keeps them (the newest non-empty reading wins). */
void xt_sym_remember(pid_t pid);
/* As xt_sym_remember, and reads the mapped files now too: for a process
 * about to end (its /proc/PID/map_files goes with it). */
void xt_sym_capture(pid_t pid);
/* Asks for pid's mappings to outlive it (the program symbolises its user
 * addresses): the runtime captures a -c command's at its exit and re-reads
 * a -p process's while it runs. */
void xt_sym_watch(pid_t pid);
/* Whether xt_sym_watch(pid) was called. */
bool xt_sym_watched(pid_t pid);

/* Renders stack `id` of the stack-trace map named `map` (one of this
 * process's BPF maps) as bpftrace prints it: "\n    frame\n..." (bpftrace),
 * "\n\tADDR sym+off (module)\n..." (perf) or bare addresses (raw), at most
 * `limit` frames; "" for a failed stack id. */
char *xt_sym_stack(struct xt_arena *ar, const char *map, int64_t id, pid_t pid, bool user,
		   enum xt_stack_mode mode, int limit);
/* Renders the n frames at ips (up to the first 0) as xt_sym_stack does. */
char *xt_sym_frames(struct xt_arena *ar, const uint64_t *ips, int n, pid_t pid, bool user, enum xt_stack_mode mode,
		    int limit);
/* "sym" or "sym+off" (with_off) or "0x..." when unknown. */
char *xt_sym_ksym(struct xt_arena *ar, uint64_t addr, bool with_off);
char *xt_sym_usym(struct xt_arena *ar, pid_t pid, uint64_t addr, bool with_off);

#endif

/* A library's dependencies (DT_NEEDED), for functions that a library name
 * stands for without defining them: since glibc 2.34 libpthread.so.0,
 * libdl.so.2, librt.so.1 and libutil.so.1 are empty stubs whose functions
 * live in libc.so.6, which each of them needs. A program linked against the
 * stub calls libc's pthread_create, so `uprobe:libpthread:pthread_create`
 * means that one (bpftrace 0.17 attaches nothing there, silently). */
#ifndef XT_ELF_DEPS_H
#define XT_ELF_DEPS_H

#include <sys/types.h>
#include "stdlib/elf_syms.h"

/* The function `name` in the first of e's direct dependencies (in DT_NEEDED
 * order, resolved as the dynamic linker resolves library names) that defines
 * it, with *in set to that library (cached, as xt_elf_get's files are); NULL
 * when none does or e has no dependencies. */
const struct xt_elf_sym *xt_elf_dep_sym(const struct xt_elf *e, const char *name, const struct xt_elf **in);

/* The files `*` stands for in uprobe:*:FUNC and usdt:*:PROBE (bpftrace
 * 0.19): those process `pid` maps executable (-p, or a running -c command);
 * else, for a -c command `cmd` not started yet, its program and the
 * libraries it needs directly; else those every running process maps
 * executable. Sorted, each once, as a malloc'd array of malloc'd paths
 * (xt_elf_star_free); the count. */
int xt_elf_star_files(pid_t pid, const char *cmd, char ***out);
void xt_elf_star_free(char **files, int n);
/* For uprobe:*: and usdt:*: of a program traced with -p pid (else <= 0),
 * -c cmd (cpid once started): fn on each file `*` stands for that loads,
 * until fn returns < 0; the sum of fn's answers, or that negative one. */
int xt_elf_star_each(pid_t pid, pid_t cpid, const char *cmd, int (*fn)(const struct xt_elf *e, void *arg), void *arg);
/* Which files those were, for a message ("in the files ..."). */
const char *xt_elf_star_what(pid_t pid, pid_t cpid, const char *cmd);

#endif

/* dw_ustack's unwinder: libdwfl over a captured register set and stack.
 * The process's executable mappings (runtime/symbols.c, remembered after it
 * ends) are reported as modules; the thread callbacks hand libdwfl the
 * captured registers and answer memory reads from the captured stack only,
 * so the unwinding stops where the copy ends. */
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/dw_unwind.h"

static char *debuginfo_path; /* NULL: libdwfl's default, ":.debug:/usr/lib/debug" */

/* The given directories first, then libdwfl's usual places (the file's own
 * directory, its .debug, /usr/lib/debug). */
void xt_dw_set_debuginfo(const char *path)
{
	free(debuginfo_path);
	if (asprintf(&debuginfo_path, "%s::.debug:/usr/lib/debug", path) < 0)
		debuginfo_path = NULL;
}

/* x86_64 struct pt_regs, as u64 indexes */
enum { R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI, ORIG_RAX, RIP, CS, EFLAGS, RSP, SS };

struct capture {
	pid_t pid;
	uint64_t regs[XT_DW_REGS];
	uint64_t sp, len;
	const uint8_t *stack;
	uint64_t pcs[XT_STACK_MAX];
	int n, limit;
};

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	struct capture *c = arg;
	if (*thread_arg)
		return 0;
	*thread_arg = c;
	return c->pid;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct capture *c = arg;
	if (addr < c->sp || addr - c->sp + 8 > c->len)
		return false;
	*result = rd64(c->stack + (addr - c->sp));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct capture *c = arg;
	/* DWARF's x86_64 numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, then the return address */
	static const int from[17] = { RAX, RDX, RCX, RBX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15, RIP };
	Dwarf_Word w[17];
	for (int i = 0; i < 17; i++)
		w[i] = c->regs[from[i]];
	dwfl_thread_state_register_pc(thread, c->regs[RIP]);
	return dwfl_thread_state_registers(thread, 0, 17, w);
}

static const Dwfl_Thread_Callbacks thread_cbs = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int frame(Dwfl_Frame *state, void *arg)
{
	struct capture *c = arg;
	Dwarf_Addr pc;
	if (c->n >= c->limit || !dwfl_frame_pc(state, &pc, NULL) || !pc)
		return DWARF_CB_ABORT;
	c->pcs[c->n++] = pc;
	return DWARF_CB_OK;
}

static void report(void *arg, const char *path, uint64_t bias)
{
	dwfl_report_elf(arg, path, path, -1, bias, false);
}

/* The frames' addresses: the interrupted pc first, then return addresses. */
static int unwind(struct capture *c)
{
	char *dbg = debuginfo_path;
	const Dwfl_Callbacks cbs = { .find_elf = dwfl_linux_proc_find_elf, .find_debuginfo = dwfl_standard_find_debuginfo,
				     .debuginfo_path = &dbg };
	Dwfl *dwfl = dwfl_begin(&cbs);
	if (!dwfl)
		return 0;
	dwfl_report_begin(dwfl);
	int files = xt_sym_user_files(c->pid, report, dwfl);
	dwfl_report_end(dwfl, NULL, NULL);
	if (files > 0 && dwfl_attach_state(dwfl, NULL, c->pid, &thread_cbs, c))
		dwfl_getthread_frames(dwfl, c->pid, frame, c);
	dwfl_end(dwfl);
	/* no unwinding at all (no module for the pc): the pc alone, as ustack would show it */
	if (c->n == 0 && c->regs[RIP])
		c->pcs[c->n++] = c->regs[RIP];
	return c->n;
}

/* The record's frames into c: read from a canonical record, else unwound. */
static void frames(struct capture *c, const uint8_t *p, int limit)
{
	*c = (struct capture){ .pid = (pid_t)rd64(p), .len = rd64(p + 8), .stack = p + XT_DW_STACK_OFF };
	c->limit = limit <= 0 || limit > XT_STACK_MAX ? XT_STACK_MAX : limit;
	if (c->len == XT_DW_CANON) {
		uint64_t n = rd64(c->stack);
		for (uint64_t i = 0; i < n && i < (uint64_t)c->limit; i++)
			c->pcs[c->n++] = rd64(c->stack + 8 + 8 * i);
		return;
	}
	for (int i = 0; i < XT_DW_REGS; i++)
		c->regs[i] = rd64(p + XT_DW_REGS_OFF + 8 * i);
	c->sp = c->regs[RSP];
	if (c->len > XT_DW_STACK)
		c->len = XT_DW_STACK;
	if (c->pid && c->regs[RIP])
		unwind(c);
}

void xt_dw_canon(uint8_t *p, int limit)
{
	struct capture c;
	frames(&c, p, limit);
	if (rd64(p + 8) == XT_DW_CANON)
		return;
	uint64_t canon = XT_DW_CANON, n = (uint64_t)c.n;
	memset(p + 8, 0, XT_DW_SIZE - 8);
	memcpy(p + 8, &canon, 8);
	memcpy(p + XT_DW_STACK_OFF, &n, 8);
	memcpy(p + XT_DW_STACK_OFF + 8, c.pcs, 8 * n);
}

char *xt_dw_stack(struct xt_arena *ar, const uint8_t *p, enum xt_stack_mode mode, int limit)
{
	struct capture c;
	frames(&c, p, limit);
	return c.n ? xt_sym_frames(ar, c.pcs, c.n, c.pid, true, mode, c.limit) : "";
}

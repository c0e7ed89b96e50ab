/* Addresses and ids resolved when the program is compiled: kaddr (from
 * /proc/kallsyms), uaddr (from the probed binary's ELF symbols), cgroupid
 * (a cgroup directory's id), and reg(name), a pt_regs register read at run
 * time. The constants are kept in the call node's ival between check and emit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "codegen/cg.h"
#include "lang/diag.h"
#include "stdlib/ctx.h"
#include "runtime/symbols.h"
#include "stdlib/elf_syms.h"

/* The literal string argument of n, or NULL after a diagnostic. */
static const char *str_arg(struct xt_sema *s, struct xt_node *n, const char *what)
{
	struct xt_node *a = n->list;
	if (a->kind != XT_N_STR || a->slen == 0) {
		xt_diag_error(xt_sema_diags(s), a->loc, "%s() needs a %s as a string literal, as in %s(\"%s\")",
			      n->name, what, n->name,
			      strcmp(n->name, "cgroupid") == 0 ? "/sys/fs/cgroup/system.slice" :
			      strcmp(n->name, "reg") == 0 ? "ip" : "main");
		return NULL;
	}
	return a->sval;
}

/* --- kaddr ------------------------------------------------------------------ */

/* Whether kallsyms lists the kernel's variables: without
 * CONFIG_KALLSYMS_ALL its only data symbols are section bounds (__start_*). */
static bool kallsyms_vars(const struct xt_ksym *syms, size_t n)
{
	static int vars = -1;
	for (size_t i = 0; vars < 0 && i < n; i++)
		if (strchr("dDbB", syms[i].type) && strncmp(syms[i].name, "__", 2) != 0)
			vars = 1;
	if (vars < 0)
		vars = 0;
	return vars;
}

static int cmp_kname(const void *a, const void *b)
{
	return strcmp(((const struct xt_ksym *)a)->name, ((const struct xt_ksym *)b)->name);
}

/* The address of kernel symbol `name` in /proc/kallsyms: 0 when found (*addr
 * set; 0 when kallsyms hides addresses), -ENOENT with *near set to a close
 * name (arena copy, or NULL) when not, -errno when kallsyms cannot be read.
 * *vars tells whether kallsyms lists the kernel's variables. */
static int kallsyms_find(struct xt_arena *ar, const char *name, uint64_t *addr, const char **near, bool *vars)
{
	size_t n;
	int err;
	const struct xt_ksym *syms = xt_ksyms_by_name(&n, &err);
	*near = NULL;
	*vars = kallsyms_vars(syms, n);
	if (err)
		return err;
	struct xt_ksym key = { 0, name, 0 };
	const struct xt_ksym *hit = bsearch(&key, syms, n, sizeof(*syms), cmp_kname);
	if (hit) {
		*addr = hit->addr;
		return 0;
	}
	/* "did you mean": the closest of the names of about the same length
	 * starting alike, a cheap filter over ~200k symbols */
	size_t len = strlen(name), k = 0;
	const char **cands = malloc(sizeof(*cands) * (n + 1));
	for (size_t i = 0; cands && i < n; i++) {
		const char *sym = syms[i].name;
		size_t sl = strlen(sym);
		if (sym[0] == name[0] && sl + 2 >= len && sl <= len + 2)
			cands[k++] = sym;
	}
	const char *best = cands ? xt_diag_closest(name, cands, k) : NULL;
	if (best)
		*near = xt_arena_strdup(ar, best);
	free(cands);
	return -ENOENT;
}

static const struct xt_type *kaddr_check(struct xt_sema *s, struct xt_node *n)
{
	const char *name = str_arg(s, n, "kernel symbol");
	if (!name)
		return NULL;
	struct xt_diags *dg = xt_sema_diags(s);
	uint64_t addr = 0;
	const char *near;
	bool vars;
	int err = kallsyms_find(xt_sema_arena(s), name, &addr, &near, &vars);
	/* After these the program is typed on (kaddr's value is a uint64 all the
	 * same), so that the one missing symbol is the one error. */
	if (err == -ENOENT && near) {
		xt_diag_error(dg, n->list->loc, "unknown kernel symbol '%s'; did you mean '%s'?", name, near);
		return &xt_u64;
	}
	if (err == -ENOENT && !vars) { /* bpftrace 0.17: "Failed to resolve kernel symbol" */
		xt_diag_error(dg, n->list->loc, "unknown kernel symbol '%s': this kernel's /proc/kallsyms lists "
			      "functions only, no variables (it is built without CONFIG_KALLSYMS_ALL)", name);
		return &xt_u64;
	}
	if (err == -ENOENT) {
		xt_diag_error(dg, n->list->loc, "unknown kernel symbol '%s' (not in /proc/kallsyms)", name);
		return &xt_u64;
	}
	if (err) {
		xt_diag_error(dg, n->loc, "kaddr(): cannot read /proc/kallsyms: %s", strerror(-err));
		return NULL;
	}
	if (addr == 0) {
		xt_diag_error(dg, n->loc, "kaddr(): /proc/kallsyms hides addresses (kernel.kptr_restrict; run as root)");
		return NULL;
	}
	n->ival = addr;
	return &xt_u64;
}

static LLVMValueRef const_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_i64(cg, (int64_t)n->ival);
}

/* --- uaddr ------------------------------------------------------------------ */

/* The binary of a uprobe or usdt site from its full name
 * ("uprobe:/bin/bash:readline", "usdt:/usr/bin/x:prov:name"), or NULL. */
static const char *site_binary(struct xt_arena *ar, const struct xt_site *site)
{
	const char *p = strchr(site->name, ':'), *e;
	if (!p || p[1] != '/' || !(e = strchr(p + 1, ':')))
		return NULL;
	return xt_arena_strndup(ar, p + 1, (size_t)(e - p - 1));
}

static const struct xt_type *uaddr_check(struct xt_sema *s, struct xt_node *n)
{
	const char *name = str_arg(s, n, "symbol");
	if (!name)
		return NULL;
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	struct xt_probe_info *p = xt_sema_probe(s);
	const char *bin = NULL;
	for (int i = 0; p && p->sites && i < p->nsites; i++) {
		const char *b = site_binary(ar, &p->sites[i]);
		if (!b || (bin && strcmp(b, bin) != 0)) {
			bin = NULL;
			break;
		}
		bin = b;
	}
	if (!bin) {
		xt_diag_error(dg, n->loc, "uaddr() is only available in uprobe, uretprobe and usdt probes on one binary");
		return NULL;
	}
	const struct xt_elf *e = xt_elf_get(bin);
	if (!e) {
		xt_diag_error(dg, n->loc, "uaddr(): cannot read %s: %s", bin, strerror(errno));
		return NULL;
	}
	const struct xt_elf_sym *sym = xt_elf_sym_by_name(e, name);
	if (!sym) {
		const char **names = xt_arena_alloc(ar, sizeof(*names) * (e->nsyms + 1));
		for (size_t i = 0; i < e->nsyms; i++)
			names[i] = e->syms[i].name;
		const char *near = xt_diag_closest(name, names, e->nsyms);
		if (near)
			xt_diag_error(dg, n->list->loc, "no symbol '%s' in %s; did you mean '%s'?", name, bin, near);
		else
			xt_diag_error(dg, n->list->loc, "no symbol '%s' in %s", name, bin);
		return NULL;
	}
	n->ival = sym->addr;
	return &xt_u64;
}

/* --- cgroupid --------------------------------------------------------------- */

/* The id the kernel gives a cgroup v2 directory (bpf_get_current_cgroup_id's
 * value): its file handle, as bpftrace reads it, or its inode number, which is
 * the same on 64-bit kernels and serves where handles are refused. */
static int cgroup_id(const char *path, uint64_t *id)
{
	struct { struct file_handle fh; uint64_t id; } h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) == 0 && h.fh.handle_bytes == 8) {
		memcpy(id, h.fh.f_handle, 8);
		return 0;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}

static const struct xt_type *cgroupid_check(struct xt_sema *s, struct xt_node *n)
{
	const char *path = str_arg(s, n, "cgroup path");
	if (!path)
		return NULL;
	uint64_t id = 0;
	int err = cgroup_id(path, &id);
	if (err) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "cgroupid(): %s: %s", path, strerror(-err));
		return NULL;
	}
	n->ival = id;
	return &xt_u64;
}

/* --- reg -------------------------------------------------------------------- */

static const struct xt_type *reg_check(struct xt_sema *s, struct xt_node *n)
{
	const char *name = str_arg(s, n, "register name");
	if (!name)
		return NULL;
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_probe_info *p = xt_sema_probe(s);
	if (!p || !p->prov || !(p->prov->flags & XT_PROVF_CTX_REGS)) {
		xt_diag_error(dg, n->loc, "reg() is not available in %s probes (only where the context is pt_regs: "
			      "kprobe, kretprobe, uprobe, uretprobe, usdt, profile, software, hardware)",
			      p && p->prov ? p->prov->name : "these");
		return NULL;
	}
	int size;
	int off = xt_ctx_reg_by_name(name, &size);
	if (off < 0 || size != 8) {
		/* bpftrace's names are the 64-bit registers without their 'r': ip, sp, ax, r8 */
		char alt[16];
		snprintf(alt, sizeof(alt), "r%s", name);
		if (off < 0 || size != 8)
			off = xt_ctx_reg_by_name(alt, &size);
		if (off < 0 || size != 8) {
			xt_diag_error(dg, n->list->loc, "unknown register '%s'", name);
			xt_diag_note(dg, (struct xt_loc){ 0 }, "registers: ip sp bp ax bx cx dx si di r8 r9 r10 r11 r12 r13 r14 r15 "
				     "(also spelt rip, rsp, rax, ...)");
			return NULL;
		}
	}
	n->ival = (uint64_t)off;
	return &xt_u64;
}

static LLVMValueRef reg_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_ctx_reg(cg, (int)n->ival);
}

#define ADDR_FN(sym, nm, chk, em, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1, \
		.check = chk, .emit = em, .help = hlp }

ADDR_FN(xt_bi_kaddr, "kaddr", kaddr_check, const_emit, "kaddr(\"sym\"): the address of a kernel symbol (/proc/kallsyms)");
ADDR_FN(xt_bi_uaddr, "uaddr", uaddr_check, const_emit,
	"uaddr(\"sym\"): the address of a symbol in the probed binary (uprobe, usdt)");
ADDR_FN(xt_bi_cgroupid, "cgroupid", cgroupid_check, const_emit,
	"cgroupid(\"/sys/fs/cgroup/...\"): the id of a cgroup v2 directory, as cgroup returns it");
ADDR_FN(xt_bi_reg, "reg", reg_check, reg_emit, "reg(\"ip\"): a register of the probed context (kprobe, uprobe, perf)");

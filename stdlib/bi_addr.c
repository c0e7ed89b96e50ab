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

/* /proc/kallsyms, read once per process and sorted by name: a program
 * naming kernel symbols (or a fuzzer making thousands) costs one read. */
struct kname {
	const char *name;
	uint64_t addr;
	size_t len;          /* strlen(name): "did you mean" compares lengths first */
};
static struct {
	bool read;
	int err;             /* -errno when it could not be read */
	bool vars;           /* it lists the kernel's variables (CONFIG_KALLSYMS_ALL) */
	struct kname *syms;
	size_t n;
	struct xt_arena *ar; /* the names */
} ks;

static int cmp_kname(const void *a, const void *b)
{
	return strcmp(((const struct kname *)a)->name, ((const struct kname *)b)->name);
}

static void kallsyms_read(void)
{
	ks.read = true;
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f) {
		ks.err = -errno;
		return;
	}
	ks.ar = xt_arena_new();
	size_t cap = 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char type, sym[256];
		if (sscanf(line, "%llx %c %255s", &a, &type, &sym[0]) != 3)
			continue;
		/* without CONFIG_KALLSYMS_ALL the only data symbols are section bounds (__start_*) */
		if (strchr("dDbB", type) && strncmp(sym, "__", 2) != 0)
			ks.vars = true;
		if (ks.n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			struct kname *ns = realloc(ks.syms, sizeof(*ns) * cap);
			if (!ns)
				break;
			ks.syms = ns;
		}
		ks.syms[ks.n++] = (struct kname){ xt_arena_strdup(ks.ar, sym), a, strlen(sym) };
	}
	fclose(f);
	qsort(ks.syms, ks.n, sizeof(*ks.syms), cmp_kname);
}

/* The address of kernel symbol `name` in /proc/kallsyms: 0 when found (*addr
 * set; 0 when kallsyms hides addresses), -ENOENT with *near set to a close
 * name (arena copy, or NULL) when not, -errno when kallsyms cannot be read.
 * *vars tells whether kallsyms lists the kernel's variables. */
static int kallsyms_find(struct xt_arena *ar, const char *name, uint64_t *addr, const char **near, bool *vars)
{
	if (!ks.read)
		kallsyms_read();
	*near = NULL;
	*vars = ks.vars;
	if (ks.err)
		return ks.err;
	struct kname key = { name, 0, 0 };
	const struct kname *hit = bsearch(&key, ks.syms, ks.n, sizeof(*ks.syms), cmp_kname);
	if (hit) {
		*addr = hit->addr;
		return 0;
	}
	/* "did you mean": the closest of the names of about the same length
	 * starting alike, a cheap filter over ~200k symbols: those starting
	 * alike are one run of the sorted table */
	size_t len = strlen(name), k = 0, lo = 0, hi = ks.n;
	while (lo < hi) { /* the first name not below name[0] */
		size_t mid = lo + (hi - lo) / 2;
		if ((unsigned char)ks.syms[mid].name[0] < (unsigned char)name[0])
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < ks.n && ks.syms[hi].name[0] == name[0]; hi++)
		;
	const char **cands = malloc(sizeof(*cands) * (hi - lo + 1));
	for (size_t i = lo; cands && i < hi; i++) {
		size_t sl = ks.syms[i].len;
		if (sl + 2 >= len && sl <= len + 2)
			cands[k++] = ks.syms[i].name;
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

/* Addresses and ids resolved when the program is compiled: kaddr (from
 * /proc/kallsyms), uaddr (from the probed binary's ELF symbols), cgroupid
 * (a cgroup directory's id), and reg(name), a pt_regs register read at run
 * time; percpu_kaddr(name[, cpu]), a per-CPU kernel variable's address,
 * which the kernel gives at run time from the variable's BTF. The constants
 * are kept in the call node's ival between check and emit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include "codegen/cg.h"
#include "lang/diag.h"
#include "stdlib/btf_args.h"
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
			      strcmp(n->name, "reg") == 0 ? "ip" : strcmp(n->name, "percpu_kaddr") == 0 ? "runqueues" : "main");
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
	 * starting alike, a cheap filter over ~200k symbols: those starting
	 * alike are one run of the sorted table */
	size_t len = strlen(name), k = 0, lo = 0, hi = n;
	while (lo < hi) { /* the first name not below name[0] */
		size_t mid = lo + (hi - lo) / 2;
		if ((unsigned char)syms[mid].name[0] < (unsigned char)name[0])
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < n && syms[hi].name[0] == name[0]; hi++)
		;
	const char **cands = malloc(sizeof(*cands) * (hi - lo + 1));
	for (size_t i = lo; cands && i < hi; i++) {
		size_t sl = strlen(syms[i].name);
		if (sl + 2 >= len && sl <= len + 2)
			cands[k++] = syms[i].name;
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

/* --- percpu_kaddr ---------------------------------------------------------- */

/* Whether vmlinux BTF variable `var` lies in the per-CPU section. */
static bool btf_var_percpu(const struct btf *btf, int var)
{
	int sec = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
	if (sec < 0)
		return false;
	const struct btf_type *t = btf__type_by_id(btf, sec);
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if ((int)vs[i].type == var)
			return true;
	return false;
}

/* percpu_kaddr("name"[, cpu]): a uint64 (bpftrace's type), 0 when cpu is
 * past the last one. The variable's vmlinux BTF VAR id is kept in ival. */
static const struct xt_type *percpu_kaddr_check(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	const char *name = str_arg(s, n, "per-CPU kernel variable's name");
	if (!name)
		return NULL;
	struct xt_node *cpu = n->list->next;
	if (cpu) {
		const struct xt_type *t = xt_sema_expr(s, cpu);
		if (!t)
			return NULL;
		if (!xt_type_is_int(t) || t->kind == XT_T_BOOL) {
			xt_diag_error(dg, cpu->loc, "percpu_kaddr()'s cpu is an integer, not %s",
				      xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
	}
	const struct btf *btf = xt_btf_get(NULL);
	if (!btf) {
		xt_diag_error(dg, n->loc, "percpu_kaddr() needs the kernel's BTF (/sys/kernel/btf/vmlinux), "
			      "which this kernel does not have");
		return NULL;
	}
	int var = btf__find_by_name_kind(btf, name, BTF_KIND_VAR);
	if (var < 0) {
		xt_diag_error(dg, n->list->loc, "percpu_kaddr(): the kernel has no per-CPU variable '%s'", name);
		return NULL;
	}
	if (!btf_var_percpu(btf, var)) {
		xt_diag_error(dg, n->list->loc, "percpu_kaddr(): '%s' is a kernel variable but not a per-CPU one "
			      "(kaddr(\"%s\") gives its address)", name, name);
		return NULL;
	}
	/* The kernel's verifier finds a __ksym's address with kallsyms_lookup_name:
	 * without CONFIG_KALLSYMS_ALL it knows no variables and refuses the
	 * program ("ldimm64 failed to find the address for kernel symbol").
	 * XTRACE_ASSUME_KSYMS=1 skips this, to see the kernel's own refusal. */
	uint64_t addr;
	const char *near;
	bool vars;
	const char *assume = getenv("XTRACE_ASSUME_KSYMS");
	if (!(assume && strcmp(assume, "1") == 0) &&
	    kallsyms_find(xt_sema_arena(s), name, &addr, &near, &vars) == -ENOENT && !vars) {
		xt_diag_error(dg, n->loc, "percpu_kaddr(): this kernel cannot give BPF programs the address of '%s': it "
			      "looks per-CPU variables up in /proc/kallsyms, which lists no variables here (the kernel is "
			      "built without CONFIG_KALLSYMS_ALL)", name);
		return NULL;
	}
	n->ival = (uint64_t)var;
	return &xt_u64;
}

/* The debug type libbpf checks against the kernel's for a typed __ksym: the
 * same kind at each level (bpf_core_types_are_compat: ints of any size,
 * structs and unions by kind alone, through pointers and arrays), so a
 * struct is named but empty. NULL: void. */
static LLVMMetadataRef ksym_type(struct xt_cg *cg, const struct btf *btf, uint32_t id, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && id && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (!t || !id || depth > 8)
		return NULL;
	const char *name = btf__name_by_offset(btf, t->name_off);
	size_t len = name ? strlen(name) : 0;
	uint64_t bits = (uint64_t)t->size * 8;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return LLVMDIBuilderCreateBasicType(cg->di, name, len, bits,
			(btf_int_encoding(t) & BTF_INT_SIGNED) ? 0x05 /* DW_ATE_signed */ : 0x07 /* unsigned */, LLVMDIFlagZero);
	case BTF_KIND_PTR:
		return LLVMDIBuilderCreatePointerType(cg->di, ksym_type(cg, btf, t->type, depth + 1), 64, 64, 0, NULL, 0);
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		LLVMMetadataRef el = ksym_type(cg, btf, a->type, depth + 1);
		if (!el)
			el = LLVMDIBuilderCreateBasicType(cg->di, "char", 4, 8, 0x06, LLVMDIFlagZero);
		LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(cg->di, 0, a->nelems);
		long size = btf__resolve_size(btf, id);
		return LLVMDIBuilderCreateArrayType(cg->di, size > 0 ? (uint64_t)size * 8 : 0, 8, el, &sub, 1);
	}
	case BTF_KIND_STRUCT:
		return LLVMDIBuilderCreateStructType(cg->di, cg->di_file, name, len, cg->di_file, 0, bits, 8,
			LLVMDIFlagZero, NULL, NULL, 0, 0, NULL, "", 0);
	case BTF_KIND_UNION:
		return LLVMDIBuilderCreateUnionType(cg->di, cg->di_file, name, len, cg->di_file, 0, bits, 8,
			LLVMDIFlagZero, NULL, 0, 0, "", 0);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		LLVMMetadataRef e = LLVMDIBuilderCreateEnumerator(cg->di, "xt_any", 6, 0, 1);
		LLVMMetadataRef base = LLVMDIBuilderCreateBasicType(cg->di, "unsigned int", 12, bits, 0x07, LLVMDIFlagZero);
		return LLVMDIBuilderCreateEnumerationType(cg->di, cg->di_file, name, len, cg->di_file, 0, bits, 8,
							  &e, 1, base);
	}
	default:
		return NULL;
	}
}

static LLVMValueRef percpu_kaddr_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct btf *btf = xt_btf_get(NULL);
	const struct btf_type *var = btf__type_by_id(btf, (uint32_t)n->ival);
	LLVMValueRef sym = xt_cg_ksym(cg, n->list->sval, ksym_type(cg, btf, var->type, 0));
	LLVMValueRef p;
	if (n->list->next) {
		LLVMValueRef args[] = { sym, xt_cg_expr(cg, n->list->next) };
		p = xt_cg_helper(cg, XT_H_PER_CPU_PTR, false, args, 2);
	} else {
		p = xt_cg_helper(cg, XT_H_THIS_CPU_PTR, false, &sym, 1);
	}
	/* The helpers' result is a pointer to the verifier, maybe NULL: adding
	 * a field's offset to it is refused ("pointer arithmetic on ptr_or_null_
	 * prohibited, null-check it first"). Copied through the stack with
	 * bpf_probe_read_kernel it is a plain number, as bpftrace types it. */
	LLVMValueRef slot = xt_cg_entry_alloca(cg, cg->i64, "pcpu_ptr"), out = xt_cg_entry_alloca(cg, cg->i64, "pcpu");
	LLVMBuildStore(cg->b, p, slot);
	xt_cg_probe_read_in(cg, out, xt_cg_i64(cg, 8), LLVMBuildPtrToInt(cg->b, slot, cg->i64, ""), false, XT_AS_KERNEL);
	return LLVMBuildLoad2(cg->b, cg->i64, out, "pcpu");
}

const struct xt_builtin xt_bi_percpu_kaddr = { .name = "percpu_kaddr", .kind = XT_BI_FUNC, .min_args = 1,
	.max_args = 2, .check = percpu_kaddr_check, .emit = percpu_kaddr_emit,
	.help = "percpu_kaddr(\"var\"[, cpu]): the address of a per-CPU kernel variable on this CPU (or on cpu; 0 past the last)" };

#define ADDR_FN(sym, nm, chk, em, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1, \
		.check = chk, .emit = em, .help = hlp }

ADDR_FN(xt_bi_kaddr, "kaddr", kaddr_check, const_emit, "kaddr(\"sym\"): the address of a kernel symbol (/proc/kallsyms)");
ADDR_FN(xt_bi_uaddr, "uaddr", uaddr_check, const_emit,
	"uaddr(\"sym\"): the address of a symbol in the probed binary (uprobe, usdt)");
ADDR_FN(xt_bi_cgroupid, "cgroupid", cgroupid_check, const_emit,
	"cgroupid(\"/sys/fs/cgroup/...\"): the id of a cgroup v2 directory, as cgroup returns it");
ADDR_FN(xt_bi_reg, "reg", reg_check, reg_emit, "reg(\"ip\"): a register of the probed context (kprobe, uprobe, perf)");

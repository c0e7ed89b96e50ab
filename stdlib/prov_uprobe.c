/* uprobe:BIN:FUNC and uretprobe:BIN:FUNC (aliases u, ur): user functions.
 * BIN is a path, a library name resolved like the dynamic linker does
 * (u:libc:malloc) or a program on $PATH; FUNC is a symbol (with `*` and `?`),
 * FUNC+OFF, or a virtual address 0xADDR. One program is attached once per
 * match with the site id as the BPF cookie; -p PID attaches to that process
 * only. arg0..arg5 come from pt_regs, retval from rax, func from
 * bpf_get_func_ip (the probed function's address, symbolised at print time). */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "runtime/symbols.h"
#include "stdlib/ctx.h"
#include "stdlib/elf_deps.h"
#include "stdlib/elf_syms.h"
#include "stdlib/uprobe_evex.h"

struct up_site {
	const char *path;
	uint64_t off;            /* file offset */
	pid_t pid;               /* -p/-c target, -1 for every process */
};

/* Splits "BIN:FUNC" at its last ':'; bin and func point into arena copies. */
static int split(struct xt_arena *ar, const char *spec, const char **bin, const char **func)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || !colon[1])
		return -1;
	*bin = xt_arena_strndup(ar, spec, colon - spec);
	*func = colon + 1;
	return 0;
}

static bool is_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

static bool in_exec_segment(const struct xt_elf *e, uint64_t vaddr)
{
	for (size_t i = 0; i < e->nsegs; i++)
		if (e->segs[i].exec && vaddr >= e->segs[i].vaddr && vaddr < e->segs[i].vaddr + e->segs[i].memsz)
			return true;
	return false;
}

static void add(struct xt_sema *s, struct xt_probe_info *p, const struct xt_elf *e, const char *what,
		uint64_t off, pid_t pid)
{
	struct xt_arena *ar = xt_sema_arena(s);
	struct up_site *us = xt_arena_alloc(ar, sizeof(*us));
	us->path = xt_arena_strdup(ar, e->path);
	us->off = off;
	us->pid = pid;
	xt_probe_add_site(s, p, xt_arena_printf(ar, "%s:%s:%s", p->prov->name, e->path, what),
			  xt_arena_printf(ar, "%s:%s", e->path, what), (int64_t)off, us);
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *bin, *func;
	if (split(ar, spec, &bin, &func) < 0) {
		xt_diag_error(dg, at->loc, "%s probes are written %s:BINARY:FUNCTION (or FUNCTION+OFFSET, 0xADDRESS)",
			      p->prov->name, p->prov->name);
		return -1;
	}
	char path[4096];
	const struct xt_elf *e = xt_elf_for_probe(s, at, bin, path, sizeof(path));
	if (!e)
		return -1;
	pid_t pid = xt_sema_program(s)->opts.target_pid > 0 ? xt_sema_program(s)->opts.target_pid : -1;
	if (strncmp(func, "0x", 2) == 0) {
		char *end;
		uint64_t va = strtoull(func, &end, 16);
		int64_t off = *end ? -1 : xt_elf_vaddr_to_off(e, va);
		if (off < 0) {
			xt_diag_error(dg, at->loc, "%s is not an address in %s's loaded segments", func, path);
			return -1;
		}
		add(s, p, e, func, (uint64_t)off, pid);
		return 0;
	}
	if (is_glob(func)) {
		uint64_t last = 0;
		for (size_t i = 0; i < e->nsyms; i++) {
			const struct xt_elf_sym *sym = &e->syms[i];
			/* aliases share an address: attach once */
			if (sym->addr == last || fnmatch(func, sym->name, 0) != 0 || !in_exec_segment(e, sym->addr))
				continue;
			int64_t off = xt_elf_vaddr_to_off(e, sym->addr);
			if (off < 0)
				continue;
			last = sym->addr;
			add(s, p, e, sym->name, (uint64_t)off, pid);
		}
		return 0;
	}
	const char *plus = strchr(func, '+');
	char *name = xt_arena_strndup(ar, func, plus ? (size_t)(plus - func) : strlen(func));
	uint64_t delta = 0;
	if (plus) {
		char *end;
		delta = strtoull(plus + 1, &end, 0);
		if (*end || !plus[1]) {
			xt_diag_error(dg, at->loc, "'%s' is not a function offset (write FUNCTION+OFFSET)", func);
			return -1;
		}
	}
	const struct xt_elf_sym *sym = xt_elf_sym_by_name(e, name);
	const struct xt_elf *dep;
	if (!sym && (sym = xt_elf_dep_sym(e, name, &dep))) { /* a stub library's function (stdlib/elf_deps.h) */
		xt_diag_warning(dg, at->loc, "%s does not define %s; %s, which it needs, does: probing it there",
				path, name, dep->path);
		e = dep;
		snprintf(path, sizeof(path), "%s", e->path);
	}
	if (!sym) {
		const char **names = xt_arena_alloc(ar, sizeof(*names) * (e->nsyms + 1));
		for (size_t i = 0; i < e->nsyms; i++)
			names[i] = e->syms[i].name;
		const char *near = e->nsyms < 200000 ? xt_diag_closest(name, names, e->nsyms) : NULL;
		if (near)
			return xt_probe_missing(s, p, at, "no function '%s' in %s; did you mean '%s'?", name, path, near);
		return xt_probe_missing(s, p, at, "no function '%s' in %s", name, path);
	}
	if (plus && sym->size && delta >= sym->size) {
		xt_diag_error(dg, at->loc, "offset %" PRIu64 " is past the end of %s (%" PRIu64 " bytes)", delta, name, sym->size);
		return -1;
	}
	int64_t off = xt_elf_vaddr_to_off(e, sym->addr + delta);
	if (off < 0) {
		xt_diag_error(dg, at->loc, "%s is not in a loaded segment of %s", name, path);
		return -1;
	}
	add(s, p, e, func, (uint64_t)off, pid);
	return 0;
}

static bool is_ret(const struct xt_probe_info *p) { return strcmp(p->prov->name, "uretprobe") == 0; }

static const struct xt_type *ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	int i = xt_ctx_argn(n);
	if (i >= 0) {
		if (is_ret(p)) {
			xt_diag_error(dg, n->loc, "uretprobe probes have retval, not %s (the arguments are gone on return)", n->name);
			return NULL;
		}
		if (xt_ctx_arg_reg(i) < 0) {
			xt_diag_error(dg, n->loc, "uprobe arguments are arg0 to arg5 (those passed in registers)");
			return NULL;
		}
		return &xt_u64;
	}
	if (n->kind == XT_N_IDENT && strcmp(n->name, "retval") == 0) {
		if (!is_ret(p)) {
			xt_diag_error(dg, n->loc, "retval is only known in uretprobe probes");
			return NULL;
		}
		return &xt_u64;
	}
	if (n->kind == XT_N_IDENT && strcmp(n->name, "func") == 0) {
		return xt_sym_type(xt_sema_arena(s), true);
	}
	xt_diag_error(dg, n->loc, "%s probes have %s and func, not %s", p->prov->name,
		      is_ret(p) ? "retval" : "arg0..arg5", n->name ? n->name : "this");
	return NULL;
}

static LLVMValueRef emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	int i = xt_ctx_argn(n);
	if (i >= 0)
		return xt_ctx_reg(cg, xt_ctx_arg_reg(i));
	if (strcmp(n->name, "retval") == 0)
		return xt_ctx_reg(cg, XT_REGS_RET);
	/* func: {address of the probed function, pid}, symbolised when printed */
	xt_sym_watch_targets(cg);
	LLVMValueRef buf = xt_cg_buf(cg, 16, "func");
	LLVMValueRef ip = xt_cg_helper(cg, XT_H_GET_FUNC_IP, false, &cg->ctxarg, 1);
	LLVMSetAlignment(LLVMBuildStore(cg->b, ip, buf), 1);
	LLVMValueRef pid = LLVMBuildLShr(cg->b, xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0), xt_cg_i64(cg, 32), "");
	LLVMSetAlignment(LLVMBuildStore(cg->b, pid, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8))), 1);
	return buf;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	int refused = 0, first = -1, evex = 0;
	for (int i = 0; i < p->nsites; i++) {
		const struct up_site *us = p->sites[i].data;
		/* an instruction this kernel's uprobes would step wrongly (stdlib/uprobe_evex.h) */
		bool bad = xt_uprobe_is_evex(us->path, us->off) && xt_uprobe_evex_broken();
		struct bpf_link *l = NULL;
		if (!bad) {
			LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = (uint64_t)p->sites[i].id, .retprobe = is_ret(p));
			l = bpf_program__attach_uprobe_opts(rp->prog, us->pid, us->path, us->off, &opts);
		}
		/* ENOTSUPP (524): the kernel cannot place a uprobe on that instruction.
		 * Either way a few of uprobe:libc:*'s functions; the others are attached. */
		if (bad || (!l && errno == 524 && p->nsites > 1)) {
			evex += bad;
			if (refused++ == 0)
				first = i;
			continue;
		}
		int rc = xt_rt_keep_link(rt, rp, p->sites[i].name, l);
		if (rc < 0)
			return rc;
	}
	const char *why = evex == refused ? "its first instruction is EVEX-encoded (AVX-512), which this kernel's uprobes "
					    "execute wrongly: the probed program would compute wrong results"
			  : evex ? "the kernel cannot place a uprobe there (error 524) or would execute its first, EVEX-encoded "
				   "instruction wrongly"
				 : "the kernel cannot place a uprobe there (error 524)";
	if (refused == p->nsites) {
		xt_rt_attach_error(rt, p->sites[first].name, "%s%s", refused > 1 ? "none of its functions can be probed: " : "", why);
		return -ENOTSUP;
	}
	if (refused > 1)
		fprintf(stderr, "xtrace: warning: %s and %d more functions left out: %s\n", p->sites[first].name, refused - 1, why);
	else if (refused)
		fprintf(stderr, "xtrace: warning: %s left out: %s\n", p->sites[first].name, why);
	return 0;
}

/* -l uprobe:BIN[:PATTERN]: the functions of BIN. */
static int list_for(const char *type, const char *spec, void (*cb)(const char *, const char *, void *), void *ctx)
{
	const char *colon = spec ? strrchr(spec, ':') : NULL;
	if (!colon) /* BINARY:FUNCTION, as bpftrace has it */
		return -EINVAL;
	char bin[4096];
	snprintf(bin, sizeof(bin), "%.*s", (int)(colon - spec), spec);
	const char *pat = colon && colon[1] ? colon + 1 : "*";
	char path[4096];
	const struct xt_elf *e = xt_elf_resolve(bin, path, sizeof(path)) == 0 ? xt_elf_get(path) : NULL;
	if (!e)
		return -ENOENT;
	uint64_t last = 0;
	for (size_t i = 0; i < e->nsyms; i++) {
		if (e->syms[i].addr == last || fnmatch(pat, e->syms[i].name, 0) != 0 || !in_exec_segment(e, e->syms[i].addr))
			continue;
		if (xt_sig_stop_pending())
			return -EINTR;
		last = e->syms[i].addr;
		char name[8192];
		snprintf(name, sizeof(name), "%s:%s:%s", type, e->path, e->syms[i].name);
		cb(name, "", ctx);
	}
	return 0;
}

static int list_u(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return list_for("uprobe", spec, cb, ctx);
}

static int list_ur(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return list_for("uretprobe", spec, cb, ctx);
}

const struct xt_provider xt_prov_uprobe = {
	.name = "uprobe", .alias = "u", .section = "uprobe",
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_FUNC | XT_PROVF_CTX_REGS,
	.help = "uprobe:BINARY:FUNCTION (or +OFFSET, 0xADDRESS, `*`): entry to a user function; arg0..arg5, func",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .attach = attach, .list = list_u,
};
const struct xt_provider xt_prov_uretprobe = {
	.name = "uretprobe", .alias = "ur", .section = "uretprobe",
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_RETVAL | XT_PROVF_CTX_FUNC | XT_PROVF_CTX_REGS,
	.help = "uretprobe:BINARY:FUNCTION: return from a user function; retval, func",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .attach = attach, .list = list_ur,
};

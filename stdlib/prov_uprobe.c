/* uprobe:BIN:FUNC and uretprobe:BIN:FUNC (aliases u, ur): user functions.
 * BIN is a path, a library name resolved like the dynamic linker does
 * (u:libc:malloc) or a program on $PATH; FUNC is a symbol (with `*` and `?`),
 * FUNC+OFF, or a virtual address 0xADDR; uprobe:BIN@FILE:LINE[:COL] is
 * where a source line's code begins (DWARF line tables). One program is attached once per
 * match with the site id as the BPF cookie; -p PID attaches to that process
 * only. A probe of several functions attaches through uprobe-multi links
 * where the kernel has them (6.6): one link per binary, which attaches and
 * detaches thousands of functions at once (the whole of libc in well under a
 * second, against minutes one perf-event link each).
 * arg0..arg5 come from pt_regs, retval from rax, func from
 * bpf_get_func_ip (the probed function's address, symbolised at print time).
 * With debug information (stdlib/dwarf.c), args.NAME reads a parameter from
 * its register with its C type, and retval has the function's return type. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "runtime/symbols.h"
#include "stdlib/btf_types.h"
#include "stdlib/ctx.h"
#include "stdlib/dwarf.h"
#include "stdlib/elf_deps.h"
#include "stdlib/elf_syms.h"
#include "stdlib/uprobe_evex.h"

struct up_site {
	const char *path;
	uint64_t off;            /* file offset */
	const uint64_t *more;    /* BIN@FILE:LINE: the line's other places (file offsets), one probe */
	int nmore;
	pid_t pid;               /* -p/-c target, -1 for every process */
	const struct xt_elf *elf;
	const char *func;        /* the function whose entry this is, NULL for +OFFSET or an address inside one */
	uint64_t addr;           /* its virtual address */
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

static bool is_ret(const struct xt_probe_info *p) { return strcmp(p->prov->name, "uretprobe") == 0; }

/* The k-th of a site's file offsets (k < 1 + nmore). */
static uint64_t site_off(const struct up_site *us, int k) { return k ? us->more[k - 1] : us->off; }

/* How many places sites [i0, i1) of probe p attach to: their offsets. */
static int noffs(const struct xt_probe_info *p, int i0, int i1)
{
	int n = 0;
	for (int i = i0; i < i1; i++)
		n += 1 + ((const struct up_site *)p->sites[i].data)->nmore;
	return n;
}

static bool is_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

static bool in_exec_segment(const struct xt_elf *e, uint64_t vaddr)
{
	for (size_t i = 0; i < e->nsegs; i++)
		if (e->segs[i].exec && vaddr >= e->segs[i].vaddr && vaddr < e->segs[i].vaddr + e->segs[i].memsz)
			return true;
	return false;
}

/* func: the function whose entry `off` is (args are known there), or NULL. */
static struct up_site *add(struct xt_sema *s, struct xt_probe_info *p, const struct xt_elf *e, const char *what,
		uint64_t off, pid_t pid, const char *func)
{
	struct xt_arena *ar = xt_sema_arena(s);
	struct up_site *us = xt_arena_alloc(ar, sizeof(*us));
	us->path = xt_arena_strdup(ar, e->path);
	us->off = off;
	us->pid = pid;
	us->elf = e;
	us->func = func ? xt_arena_strdup(ar, func) : NULL;
	us->addr = (uint64_t)xt_elf_off_to_vaddr(e, off);
	const char *sep = what[0] == '@' ? "" : ":"; /* BIN@FILE:LINE */
	xt_probe_add_site(s, p, xt_arena_printf(ar, "%s:%s%s%s", p->prov->name, e->path, sep, what),
			  xt_arena_printf(ar, "%s%s%s", e->path, sep, what), (int64_t)off, us);
	return us;
}

/* Adds a site for each function of e whose name matches glob func (aliases
 * share an address: attached once); how many. */
static int add_matching(struct xt_sema *s, struct xt_probe_info *p, const struct xt_elf *e, const char *func,
			pid_t pid)
{
	uint64_t last = 0;
	int found = 0;
	for (size_t k = 0; k < e->nsyms; k++) {
		const struct xt_elf_sym *sym = &e->syms[k];
		if (sym->addr == last || fnmatch(func, sym->name, 0) != 0 || !in_exec_segment(e, sym->addr))
			continue;
		int64_t off = xt_elf_vaddr_to_off(e, sym->addr);
		if (off < 0)
			continue;
		last = sym->addr;
		add(s, p, e, sym->name, (uint64_t)off, pid, sym->name);
		found++;
	}
	return found;
}

struct star_ctx {
	struct xt_sema *s;
	struct xt_probe_info *p;
	const char *func;
	pid_t pid;
};

static int star_file(const struct xt_elf *e, void *arg)
{
	struct star_ctx *c = arg;
	return add_matching(c->s, c->p, e, c->func, c->pid);
}

/* uprobe:*:FUNC (bpftrace 0.19): FUNC, a name or a glob, in every file `*`
 * stands for (stdlib/elf_deps.h) that defines it. */
static int expand_star(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *func, pid_t pid)
{
	const struct xt_sema_opts *o = &xt_sema_program(s)->opts;
	if (strchr(func, '+') || strncmp(func, "0x", 2) == 0) {
		xt_diag_error(xt_sema_diags(s), at->loc, "%s:*: takes a function name or a glob, not an offset or address",
			      p->prov->name);
		return -1;
	}
	struct star_ctx c = { s, p, func, pid };
	if (!xt_elf_star_each(pid, o->cpid, o->cmd, star_file, &c) && !is_glob(func))
		return xt_probe_missing(s, p, at, "no function '%s' in the files %s", func,
					xt_elf_star_what(pid, o->cpid, o->cmd));
	return 0;
}

/* A number of decimal digits from s to end, or -1. */
static long number(const char *s, const char *end)
{
	long v = 0;
	if (s == end || end - s > 9)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Finds the form "BIN@FILE:LINE[:COL]" (bpftrace 0.26) in spec: whether it
 * has it; BIN is spec's first *nbin bytes, FILE the *nfile bytes at *file. */
static bool parse_srcline(const char *spec, size_t *nbin, const char **file, size_t *nfile, int *line, int *col)
{
	const char *at = strrchr(spec, '@'), *c1 = at ? strchr(at, ':') : NULL;
	if (!c1 || at == spec || c1 == at + 1)
		return false;
	const char *c2 = strchr(c1 + 1, ':');
	long ln = number(c1 + 1, c2 ? c2 : c1 + strlen(c1)), cl = c2 ? number(c2 + 1, c2 + strlen(c2)) : 0;
	if (ln < 0 || cl < 0)
		return false;
	*nbin = (size_t)(at - spec);
	*file = at + 1;
	*nfile = (size_t)(c1 - at - 1);
	*line = (int)ln;
	*col = (int)cl;
	return true;
}

static bool split_srcline(struct xt_arena *ar, const char *spec, const char **bin, const char **file, int *line,
			  int *col)
{
	size_t nbin, nfile;
	if (!parse_srcline(spec, &nbin, file, &nfile, line, col))
		return false;
	*bin = xt_arena_strndup(ar, spec, nbin);
	*file = xt_arena_strndup(ar, *file, nfile);
	return true;
}

/* uprobe:BIN@FILE:LINE[:COL]: a site at each address where the line's code
 * begins (stdlib/dwarf.h), named as written; func is the function it is in. */
static int expand_srcline(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *bin,
			  const char *file, int line, int col, pid_t pid)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	if (is_ret(p) || is_glob(bin) || is_glob(file)) {
		xt_diag_error(dg, at->loc, "%s", is_ret(p) ? "uretprobe attaches to functions, not to source lines "
							     "(write uprobe:BINARY@FILE:LINE)"
					       : "a source line is attached in one binary, without wildcards");
		return -1;
	}
	if (line <= 0) {
		xt_diag_error(dg, at->loc, "source lines are numbered from 1");
		return -1;
	}
	char path[4096];
	const struct xt_elf *e = xt_elf_for_probe(s, at, bin, path, sizeof(path));
	if (!e)
		return -1;
	xt_dwarf_note(e);
	uint64_t *addrs;
	const char *why;
	int n = xt_dwarf_line_addrs(e, file, line, col, &addrs, &why);
	if (n < 0) {
		xt_diag_error(dg, at->loc, "%s", why);
		return -1;
	}
	if (n == 0)
		return xt_probe_missing(s, p, at, "%s", why);
	const char *what = col ? xt_arena_printf(ar, "@%s:%d:%d", file, line, col) : xt_arena_printf(ar, "@%s:%d", file, line);
	/* one site (`probe` is one value), attached at each place */
	struct up_site *us = NULL;
	uint64_t *more = xt_arena_alloc(ar, sizeof(*more) * (size_t)n);
	for (int i = 0; i < n; i++) {
		int64_t off = xt_elf_vaddr_to_off(e, addrs[i]);
		if (off < 0 || !in_exec_segment(e, addrs[i]))
			continue;
		if (us) {
			more[us->nmore++] = (uint64_t)off;
			us->func = NULL; /* not all of them a function's entry */
			continue;
		}
		uint64_t into = 1;
		const struct xt_elf_sym *sym = xt_elf_sym_at(e, addrs[i], &into);
		us = add(s, p, e, what, (uint64_t)off, pid, sym && into == 0 ? sym->name : NULL);
		us->more = more;
	}
	free(addrs);
	if (!us) {
		xt_diag_error(dg, at->loc, "the code of %s:%d is not in a loaded segment of %s", file, line, path);
		return -1;
	}
	return 0;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *bin, *func, *file;
	int line, col;
	pid_t pid = xt_sema_program(s)->opts.target_pid > 0 ? xt_sema_program(s)->opts.target_pid : -1;
	if (split_srcline(ar, spec, &bin, &file, &line, &col))
		return expand_srcline(s, p, at, bin, file, line, col, pid);
	if (split(ar, spec, &bin, &func) < 0) {
		xt_diag_error(dg, at->loc, "%s probes are written %s:BINARY:FUNCTION (or FUNCTION+OFFSET, 0xADDRESS)",
			      p->prov->name, p->prov->name);
		return -1;
	}
	if (strcmp(bin, "*") == 0)
		return expand_star(s, p, at, func, pid);
	char path[4096];
	const struct xt_elf *e = xt_elf_for_probe(s, at, bin, path, sizeof(path));
	if (!e)
		return -1;
	xt_dwarf_note(e); /* casts may name its types */
	if (strncmp(func, "0x", 2) == 0) {
		char *end;
		uint64_t va = strtoull(func, &end, 16);
		int64_t off = *end ? -1 : xt_elf_vaddr_to_off(e, va);
		if (off < 0) {
			xt_diag_error(dg, at->loc, "%s is not an address in %s's loaded segments", func, path);
			return -1;
		}
		uint64_t into = 1; /* an address that starts a function has its args */
		const struct xt_elf_sym *sym = xt_elf_sym_at(e, va, &into);
		add(s, p, e, func, (uint64_t)off, pid, sym && into == 0 ? sym->name : NULL);
		return 0;
	}
	if (is_glob(func)) {
		add_matching(s, p, e, func, pid);
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
	add(s, p, e, func, (uint64_t)off, pid, delta ? NULL : name);
	return 0;
}


/* The debug information of site i's function, or NULL after a diagnostic at n. */
static const struct xt_dwarf_func *site_func(struct xt_sema *s, const struct xt_probe_info *p, int i, struct xt_node *n)
{
	const struct up_site *us = p->sites[i].data;
	const char *why = NULL;
	const struct xt_dwarf_func *f = NULL;
	if (!us->func)
		xt_diag_error(xt_sema_diags(s), n->loc, "args are known at a function's entry, and %s is not one",
			      p->sites[i].name);
	else if (!(f = xt_dwarf_func(us->elf, us->addr, us->func, true, &why)))
		xt_diag_error(xt_sema_diags(s), n->loc, "%s", why);
	return f;
}

/* "f(int n, struct Foo* foo)", for messages. */
static const char *signature(struct xt_arena *ar, const struct xt_dwarf_func *f)
{
	const char *sig = xt_arena_printf(ar, "%s(", f->name);
	for (int i = 0; i < f->nparams; i++)
		sig = xt_arena_printf(ar, "%s%s%s%s%s", sig, i ? ", " : "", f->params[i].ctype,
				      f->params[i].name[0] ? " " : "", f->params[i].name);
	return xt_arena_printf(ar, "%s)", sig);
}

static bool same_params(const struct xt_dwarf_func *a, const struct xt_dwarf_func *b)
{
	if (a->nparams != b->nparams)
		return false;
	for (int i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].name, b->params[i].name) != 0 || strcmp(a->params[i].ctype, b->params[i].ctype) != 0 ||
		    a->params[i].reg != b->params[i].reg)
			return false;
	return true;
}

/* args: the parameters of the probed function(s), by name, from DWARF. */
static const struct xt_type *args_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	struct xt_arena *ar = xt_sema_arena(s);
	if (p->args_type)
		return p->args_type;
	const struct xt_dwarf_func *first = site_func(s, p, 0, n);
	if (!first)
		return NULL;
	for (int j = 1; j < p->nsites; j++) {
		const struct xt_dwarf_func *f = site_func(s, p, j, n);
		if (!f)
			return NULL;
		if (!same_params(first, f)) {
			xt_diag_error(xt_sema_diags(s), n->loc, "args differ between the matched functions: %s and %s",
				      signature(ar, first), signature(ar, f));
			return NULL;
		}
	}
	struct xt_field *fields = xt_arena_alloc(ar, sizeof(*fields) * (first->nparams + 1));
	int nf = 0;
	for (int k = 0; k < first->nparams; k++) {
		const struct xt_dwarf_param *dp = &first->params[k];
		if (!dp->name[0])
			continue;
		struct xt_field *f = &fields[nf];
		*f = (struct xt_field){ .name = dp->name, .index = nf, .offset = -1 };
		if (dp->reg >= 0 && xt_ctx_arg_reg(dp->reg) >= 0) {
			f->type = xt_btf_type(dp->btf_id);
			f->offset = xt_ctx_arg_reg(dp->reg);
			if (!f->type)
				f->why = xt_arena_printf(ar, "%s's parameter %s is a %s, which xtrace cannot represent",
							 first->name, dp->name, dp->ctype);
		} else {
			f->why = dp->reg >= 0 ? "this machine's registers are not known to xtrace" : dp->why;
		}
		nf++;
	}
	return xt_probe_args_record(ar, p, fields, nf, NULL);
}

/* retval: the return type every matched function has in its debug
 * information, else (none, or they differ) a u64 as without it. Pointers
 * are typed only when they point to a struct or union (retval->field);
 * others stay u64, as in bpftrace, so that malloc's retval keys the same
 * maps as free's arg0. */
static const struct xt_type *retval_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	const struct xt_type *t = NULL;
	for (int j = 0; j < p->nsites; j++) {
		const struct up_site *us = p->sites[j].data;
		const char *why;
		const struct xt_dwarf_func *f = us->func ? xt_dwarf_func(us->elf, us->addr, us->func, true, &why) : NULL;
		if (!f || !f->ret.btf_id)
			return &xt_u64;
		if (f->ret.reg < 0) {
			xt_diag_error(xt_sema_diags(s), n->loc, "%s", f->ret.why);
			return NULL;
		}
		const struct xt_type *u = xt_btf_type(f->ret.btf_id);
		if (!u || (u->kind == XT_T_PTR && (!u->pointee || u->pointee->kind != XT_T_RECORD)))
			return &xt_u64;
		if (t && !xt_type_eq(t, u))
			return &xt_u64;
		t = u;
	}
	return t ? t : &xt_u64;
}

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
		return retval_type(s, p, n);
	}
	if (n->kind == XT_N_IDENT && strcmp(n->name, "func") == 0) {
		return xt_sym_type(xt_sema_arena(s), true);
	}
	if (n->kind == XT_N_IDENT && strcmp(n->name, "args") == 0) {
		if (is_ret(p)) {
			xt_diag_error(dg, n->loc, "uretprobe probes have retval, not args (the arguments are gone on return)");
			return NULL;
		}
		return args_type(s, p, n);
	}
	xt_diag_error(dg, n->loc, "%s probes have %s and func, not %s", p->prov->name,
		      is_ret(p) ? "retval" : "args, arg0..arg5", n->name ? n->name : "this");
	return NULL;
}

/* A register's 64 bits as a value of type t: ints narrowed to their width. */
static LLVMValueRef narrow(struct xt_cg *cg, LLVMValueRef v, const struct xt_type *t)
{
	if (t->kind == XT_T_BOOL) {
		v = LLVMBuildTrunc(cg->b, v, cg->i8, "");
		return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, LLVMConstInt(cg->i8, 0, 0), ""), cg->i64, "");
	}
	if (t->kind != XT_T_INT || t->size >= 8)
		return v;
	v = LLVMBuildTrunc(cg->b, v, LLVMIntTypeInContext(cg->ctx, (unsigned)t->size * 8), "");
	return t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

static LLVMValueRef emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	int i = xt_ctx_argn(n);
	if (i >= 0)
		return xt_ctx_reg(cg, xt_ctx_arg_reg(i));
	if (n->kind == XT_N_FIELD || n->kind == XT_N_ARROW) { /* args.NAME: its register */
		const struct xt_field *f = n->sym;
		return narrow(cg, xt_ctx_reg(cg, f->offset), f->type);
	}
	if (strcmp(n->name, "retval") == 0)
		return narrow(cg, xt_ctx_reg(cg, XT_REGS_RET), n->type);
	/* func: {address of the probed function, pid}, symbolised when printed */
	xt_sym_watch_targets(cg);
	LLVMValueRef buf = xt_cg_buf(cg, 16, "func");
	LLVMValueRef ip = xt_cg_helper(cg, XT_H_GET_FUNC_IP, false, &cg->ctxarg, 1);
	LLVMSetAlignment(LLVMBuildStore(cg->b, ip, buf), 1);
	LLVMValueRef pid = LLVMBuildLShr(cg->b, xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0), xt_cg_i64(cg, 32), "");
	LLVMSetAlignment(LLVMBuildStore(cg->b, pid, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8))), 1);
	return buf;
}

static int report_refused(struct xt_rt *rt, const struct xt_probe_info *p, int refused, int evex, int first);

/* --- uprobe-multi links ----------------------------------------------------
 * libbpf 1.1 predates them (1.3 has bpf_program__attach_uprobe_multi): the
 * attach type, the flag and BPF_LINK_CREATE's fields are spelled here as the
 * kernel's uapi (6.6) has them. */
enum { UMULTI_ATTACH_TYPE = 48 /* BPF_TRACE_UPROBE_MULTI */, UMULTI_RETURN = 1 /* BPF_F_UPROBE_MULTI_RETURN */ };
enum { ENOTSUPP_ = 524 }; /* the kernel cannot place a uprobe on that instruction */

/* One link over offs[0..n) of path, cookies alongside; the link's fd or -errno. */
static int umulti_link(int prog_fd, const char *path, const uint64_t *offs, const uint64_t *cookies, int n,
		       bool ret, pid_t pid)
{
	union {
		union bpf_attr attr;
		struct {
			uint32_t prog_fd, target_fd, attach_type, flags;
			uint64_t path, offsets, ref_ctr_offsets, cookies;
			uint32_t cnt, flags2, pid;
		} lc;
	} a;
	memset(&a, 0, sizeof(a));
	a.lc.prog_fd = (uint32_t)prog_fd;
	a.lc.attach_type = UMULTI_ATTACH_TYPE;
	a.lc.path = (uint64_t)(uintptr_t)path;
	a.lc.offsets = (uint64_t)(uintptr_t)offs;
	a.lc.cookies = (uint64_t)(uintptr_t)cookies;
	a.lc.cnt = (uint32_t)n;
	a.lc.flags2 = ret ? UMULTI_RETURN : 0;
	a.lc.pid = pid > 0 ? (uint32_t)pid : 0;
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/* An empty program loaded for uprobe-multi links, or -errno. Kept for the
 * process: it answers whether the kernel has them and screens offsets. */
static int umulti_empty_prog(void)
{
	static int fd = -2;
	if (fd == -2) {
		const struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = (enum bpf_attach_type)UMULTI_ATTACH_TYPE);
		fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "xt_umulti", "GPL", insns, 2, &o);
		if (fd < 0)
			fd = -errno;
	}
	return fd;
}

/* Whether this kernel has uprobe-multi links, found out once by asking for
 * one on "/": a kernel that has them reads the request and refuses a path
 * that is not a regular file (EBADF); one without them refuses the attach
 * type (EINVAL). Nothing is attached, so nothing waits to be released. */
static bool umulti_works(void)
{
	static int works = -1;
	if (works < 0) {
		int prog = umulti_empty_prog();
		uint64_t off = 0, cookie = 0;
		int fd = prog < 0 ? prog : umulti_link(prog, "/", &off, &cookie, 1, false, 0);
		works = fd == -EBADF || fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return works;
}

/* Whether probe p attaches through uprobe-multi links: several sites, a
 * kernel that has them, and neither XTRACE_NO_UPROBE_MULTI=1 nor the tests'
 * XT_TEST_ATTACH_DELAY_US (which wants one attachment per site to slow). */
static bool use_multi(const struct xt_probe_info *p)
{
	const char *no = getenv("XTRACE_NO_UPROBE_MULTI");
	return noffs(p, 0, p->nsites) > 1 && !(no && *no == '1') && !getenv("XT_TEST_ATTACH_DELAY_US") && umulti_works();
}

static void prepare(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	(void)rt;
	if (use_multi(rp->info))
		bpf_program__set_expected_attach_type(rp->prog, (enum bpf_attach_type)UMULTI_ATTACH_TYPE);
}

/* Links offs[0..n), halving around the offsets the kernel cannot probe
 * (ENOTSUPP: one refuses the whole link), which are marked in bad[]. keep:
 * where the links go; NULL closes them (a screening). 0 or -errno. */
static int umulti_parts(struct xt_rt_probe *keep, int prog_fd, const char *path, const uint64_t *offs,
			const uint64_t *cookies, bool *bad, int n, bool ret, pid_t pid)
{
	if (n == 0)
		return 0;
	int fd = umulti_link(prog_fd, path, offs, cookies, n, ret, pid);
	if (fd >= 0) {
		if (keep)
			return xt_rt_add_fd(keep, fd);
		close(fd);
		return 0;
	}
	if (fd != -ENOTSUPP_ && fd != -ENOEXEC)
		return fd;
	if (n == 1) {
		bad[0] = true;
		return 0;
	}
	int h = n / 2, rc = umulti_parts(keep, prog_fd, path, offs, cookies, bad, h, ret, pid);
	return rc < 0 ? rc : umulti_parts(keep, prog_fd, path, offs + h, cookies + h, bad + h, n - h, ret, pid);
}

/* Finds the offsets of path the kernel cannot probe, cheaply: the kernel
 * looks at a probed instruction when it first places the uprobe in a
 * process, so the empty program is linked for this process only, with the
 * whole file mapped executable here for the time being. Halving around a
 * refusal then costs a few uprobes in one process, not in every process
 * that maps the file (libc: all of them). */
static void umulti_screen(const char *path, uint64_t *offs, uint64_t *cookies, bool *bad, int n)
{
	int prog = umulti_empty_prog();
	int fd = prog < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) /* a noexec mount: the real links halve themselves */
		return;
	umulti_parts(NULL, prog, path, offs, cookies, bad, n, false, getpid());
	munmap(map, (size_t)st.st_size);
}

/* Whether the kernel would refuse a uprobe on the instruction at off of
 * fd (x86-64, arch/x86/kernel/uprobes.c): a LOCK or ES/CS/SS/DS segment
 * prefix, or a VEX-encoded instruction (AVX2 string functions). Knowing it
 * first spares a link that fails, and a screening. */
static bool refused_insn(int fd, uint64_t off)
{
#if defined(__x86_64__)
	unsigned char b[15];
	ssize_t n = pread(fd, b, sizeof(b), (off_t)off);
	for (ssize_t i = 0; i < n; i++) {
		switch (b[i]) {
		case 0xf0: case 0x26: case 0x2e: case 0x36: case 0x3e:
			return true;
		case 0x64: case 0x65: case 0x66: case 0x67: case 0xf2: case 0xf3:
			continue;
		default:
			if (b[i] >= 0x40 && b[i] <= 0x4f) /* REX */
				continue;
			return b[i] == 0xc4 || b[i] == 0xc5;
		}
	}
#else
	(void)fd, (void)off;
#endif
	return false;
}

/* Attaches one run of sites i0..i1 (one binary, one pid) through one link,
 * after leaving out the EVEX ones and those the kernel cannot probe; counts
 * them in *refused and *evex, the first in *first. 0 or -errno. */
static int attach_run(struct xt_rt *rt, struct xt_rt_probe *rp, int i0, int i1, int *refused, int *evex, int *first)
{
	const struct xt_probe_info *p = rp->info;
	const struct up_site *us0 = p->sites[i0].data;
	int n = noffs(p, i0, i1);
	uint64_t *offs = calloc((size_t)n, sizeof(*offs)), *cookies = calloc((size_t)n, sizeof(*cookies));
	bool *bad = calloc((size_t)n, sizeof(*bad));
	int *site = calloc((size_t)n, sizeof(*site));
	int m = 0, rc = -ENOMEM;
	int fd = open(us0->path, O_RDONLY | O_CLOEXEC);
	if (!offs || !cookies || !bad || !site)
		goto out;
	bool evex_broken = xt_uprobe_evex_broken();
	for (int i = i0; i < i1; i++) {
		const struct up_site *us = p->sites[i].data;
		for (int k = 0; k <= us->nmore; k++) {
			uint64_t off = site_off(us, k);
			bool is_evex = evex_broken && xt_uprobe_is_evex(us->path, off);
			if (is_evex || (fd >= 0 && refused_insn(fd, off))) {
				*evex += is_evex;
				if ((*refused)++ == 0)
					*first = i;
				continue;
			}
			offs[m] = off;
			cookies[m] = (uint64_t)p->sites[i].id;
			site[m++] = i;
		}
	}
	bool ret = is_ret(p);
	rc = m ? umulti_link(rp->prog_fd, us0->path, offs, cookies, m, ret, us0->pid) : 0;
	if (rc >= 0) {
		rc = m ? xt_rt_add_fd(rp, rc) : 0;
		goto out;
	}
	if (rc == -ENOTSUPP_ || rc == -ENOEXEC) { /* an instruction refused_insn did not know */
		umulti_screen(us0->path, offs, cookies, bad, m);
		int k = 0;
		for (int j = 0; j < m; j++) {
			if (bad[j]) {
				if ((*refused)++ == 0)
					*first = site[j];
				continue;
			}
			offs[k] = offs[j];
			cookies[k] = cookies[j];
			site[k++] = site[j];
		}
		memset(bad, 0, sizeof(*bad) * (size_t)k);
		/* halves with the real program only where the screening could not tell */
		rc = umulti_parts(rp, rp->prog_fd, us0->path, offs, cookies, bad, k, ret, us0->pid);
		for (int j = 0; rc == 0 && j < k; j++)
			if (bad[j] && (*refused)++ == 0)
				*first = site[j];
	}
	if (rc < 0)
		xt_rt_attach_error(rt, p->sites[i0].name, "uprobe-multi link of %d functions in %s: %s", m, us0->path,
				   strerror(-rc));
out:
	if (fd >= 0)
		close(fd);
	free(offs);
	free(cookies);
	free(bad);
	free(site);
	return rc;
}

static int attach_multi(struct xt_rt *rt, struct xt_rt_probe *rp, int *refused, int *evex, int *first)
{
	const struct xt_probe_info *p = rp->info;
	for (int i = 0; i < p->nsites;) {
		const struct up_site *us = p->sites[i].data;
		int j = i + 1;
		for (; j < p->nsites; j++) {
			const struct up_site *o = p->sites[j].data;
			if (o->pid != us->pid || strcmp(o->path, us->path) != 0)
				break;
		}
		int rc = attach_run(rt, rp, i, j, refused, evex, first);
		if (rc < 0)
			return rc;
		if (xt_sig_stop_pending())
			return -EINTR;
		i = j;
	}
	return 0;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	int refused = 0, first = -1, evex = 0;
	if (bpf_program__get_expected_attach_type(rp->prog) == (enum bpf_attach_type)UMULTI_ATTACH_TYPE) {
		int rc = attach_multi(rt, rp, &refused, &evex, &first);
		if (rc < 0)
			return rc;
		return report_refused(rt, p, refused, evex, first);
	}
	int total = noffs(p, 0, p->nsites);
	for (int i = 0; i < p->nsites; i++) {
		const struct up_site *us = p->sites[i].data;
		for (int k = 0; k <= us->nmore; k++) {
			uint64_t off = site_off(us, k);
			/* an instruction this kernel's uprobes would step wrongly (stdlib/uprobe_evex.h) */
			bool bad = xt_uprobe_is_evex(us->path, off) && xt_uprobe_evex_broken();
			struct bpf_link *l = NULL;
			if (!bad) {
				LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = (uint64_t)p->sites[i].id, .retprobe = is_ret(p));
				l = bpf_program__attach_uprobe_opts(rp->prog, us->pid, us->path, off, &opts);
			}
			/* ENOTSUPP (524): the kernel cannot place a uprobe on that instruction.
			 * Either way a few of uprobe:libc:*'s functions; the others are attached. */
			if (bad || (!l && errno == 524 && total > 1)) {
				evex += bad;
				if (refused++ == 0)
					first = i;
				continue;
			}
			int rc = xt_rt_keep_link(rt, rp, p->sites[i].name, l);
			if (rc < 0)
				return rc;
		}
	}
	return report_refused(rt, p, refused, evex, first);
}

/* The functions left out: an error when none is left, else a warning. */
static int report_refused(struct xt_rt *rt, const struct xt_probe_info *p, int refused, int evex, int first)
{
	if (!refused)
		return 0;
	const char *why = evex == refused ? "its first instruction is EVEX-encoded (AVX-512), which this kernel's uprobes "
					    "execute wrongly: the probed program would compute wrong results"
			  : evex ? "the kernel cannot place a uprobe there (error 524) or would execute its first, EVEX-encoded "
				   "instruction wrongly"
				 : "the kernel cannot place a uprobe there (error 524)";
	if (refused == noffs(p, 0, p->nsites)) {
		xt_rt_attach_error(rt, p->sites[first].name, "%s%s", refused > 1 ? "none of its functions can be probed: " : "", why);
		return -ENOTSUP;
	}
	if (refused > 1)
		fprintf(stderr, "xtrace: warning: %s and %d more functions left out: %s\n", p->sites[first].name, refused - 1, why);
	else if (refused)
		fprintf(stderr, "xtrace: warning: %s left out: %s\n", p->sites[first].name, why);
	return 0;
}

/* -lv: a function's parameters from its debug information, one
 * "    TYPE NAME" line each, as bpftrace 0.17 lists them; "" without. */
static const char *params(const struct xt_elf *e, const struct xt_elf_sym *sym)
{
	static char detail[4096];
	const char *why;
	const struct xt_dwarf_func *f = xt_dwarf_func(e, sym->addr, sym->name, false, &why);
	size_t off = 0;
	detail[0] = 0;
	for (int i = 0; f && i < f->nparams && off < sizeof(detail); i++) {
		int w = snprintf(detail + off, sizeof(detail) - off, "    %s%s%s\n", f->params[i].ctype,
				 f->params[i].name[0] ? " " : "", f->params[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return detail;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct xt_elf_sym *const *)a)->name, (*(const struct xt_elf_sym *const *)b)->name);
}

/* -l uprobe:BIN[:PATTERN]: the functions of BIN. */
static int list_file(const char *type, const struct xt_elf *e, const char *pat, bool verbose,
		     void (*cb)(const char *, const char *, void *), void *ctx);

/* -l uprobe:BIN@FILE:LINE[:COL]: the line, once, when code begins there. */
static int list_srcline(const char *type, const char *spec, void (*cb)(const char *, const char *, void *), void *ctx)
{
	size_t nbin, nfile;
	const char *file;
	int line, col;
	if (!parse_srcline(spec, &nbin, &file, &nfile, &line, &col))
		return -EINVAL;
	char bin[4096], fname[4096], path[4096];
	snprintf(bin, sizeof(bin), "%.*s", (int)nbin, spec);
	snprintf(fname, sizeof(fname), "%.*s", (int)nfile, file);
	const struct xt_elf *e = xt_elf_resolve(bin, path, sizeof(path)) == 0 ? xt_elf_get(path) : NULL;
	if (!e)
		return -ENOENT;
	uint64_t *addrs;
	const char *why;
	int n = strcmp(type, "uprobe") == 0 && line > 0 ? xt_dwarf_line_addrs(e, fname, line, col, &addrs, &why) : 0;
	if (n > 0) {
		char name[8192];
		snprintf(name, sizeof(name), "%s:%s@%s", type, e->path, file);
		cb(name, "", ctx);
		free(addrs);
	}
	return 0;
}

static int list_for(const char *type, const char *spec, bool verbose,
		    void (*cb)(const char *, const char *, void *), void *ctx)
{
	size_t nbin, nfile;
	const char *file;
	int line, col;
	if (spec && parse_srcline(spec, &nbin, &file, &nfile, &line, &col))
		return list_srcline(type, spec, cb, ctx);
	const char *colon = spec ? strrchr(spec, ':') : NULL;
	if (!colon) /* BINARY:FUNCTION, as bpftrace has it */
		return -EINVAL;
	char bin[4096];
	snprintf(bin, sizeof(bin), "%.*s", (int)(colon - spec), spec);
	const char *pat = colon && colon[1] ? colon + 1 : "*";
	if (strcmp(bin, "*") == 0) { /* the files running processes map */
		char **files;
		int nf = xt_elf_star_files(0, NULL, &files), rc = 0;
		for (int i = 0; i < nf && rc == 0; i++) {
			const struct xt_elf *e = xt_elf_get(files[i]);
			rc = e ? list_file(type, e, pat, verbose, cb, ctx) : 0;
		}
		xt_elf_star_free(files, nf);
		return rc;
	}
	char path[4096];
	const struct xt_elf *e = xt_elf_resolve(bin, path, sizeof(path)) == 0 ? xt_elf_get(path) : NULL;
	if (!e)
		return -ENOENT;
	return list_file(type, e, pat, verbose, cb, ctx);
}

/* The functions of e matching pat, by name. */
static int list_file(const char *type, const struct xt_elf *e, const char *pat, bool verbose,
		     void (*cb)(const char *, const char *, void *), void *ctx)
{
	/* one name per address, listed by name as bpftrace lists them */
	const struct xt_elf_sym **match = malloc(sizeof(*match) * (e->nsyms + 1));
	if (!match)
		return -ENOMEM;
	size_t n = 0;
	uint64_t last = 0;
	for (size_t i = 0; i < e->nsyms; i++) {
		if (e->syms[i].addr == last || fnmatch(pat, e->syms[i].name, 0) != 0 || !in_exec_segment(e, e->syms[i].addr))
			continue;
		last = e->syms[i].addr;
		match[n++] = &e->syms[i];
	}
	qsort(match, n, sizeof(*match), by_name);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (xt_sig_stop_pending()) {
			rc = -EINTR;
			break;
		}
		char name[8192];
		snprintf(name, sizeof(name), "%s:%s:%s", type, e->path, match[i]->name);
		cb(name, verbose && strcmp(type, "uprobe") == 0 ? params(e, match[i]) : "", ctx);
	}
	free(match);
	return rc;
}

static int list_u(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return list_for("uprobe", spec, verbose, cb, ctx);
}

static int list_ur(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return list_for("uretprobe", spec, verbose, cb, ctx);
}

const struct xt_provider xt_prov_uprobe = {
	.name = "uprobe", .alias = "u", .section = "uprobe",
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_FUNC | XT_PROVF_CTX_REGS,
	.help = "uprobe:BINARY:FUNCTION (or +OFFSET, 0xADDRESS, `*`): entry to a user function; args.NAME (from DWARF), arg0..arg5, func;"
		" uprobe:BINARY@FILE:LINE[:COL]: a source line",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .attach = attach, .prepare = prepare, .list = list_u,
};
const struct xt_provider xt_prov_uretprobe = {
	.name = "uretprobe", .alias = "ur", .section = "uretprobe",
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_RETVAL | XT_PROVF_CTX_FUNC | XT_PROVF_CTX_REGS,
	.help = "uretprobe:BINARY:FUNCTION: return from a user function; retval (typed from DWARF), func",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .attach = attach, .prepare = prepare, .list = list_ur,
};

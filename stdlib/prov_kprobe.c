/* Kernel function probes: kprobe/kretprobe (k/kr) and fentry/fexit (f/fr,
 * old names kfunc/kretfunc). Kernel support is asked, not assumed: kprobes
 * need CONFIG_KPROBES (tracefs kprobe_events or the kprobe PMU); fentry needs
 * the kernel to load a tracing program, which is tried once with a two-
 * instruction program. Where the feature is missing the probe fails at
 * compile time with one sentence naming what may serve instead, once the
 * rest of the program has been checked (the check hook).
 * XTRACE_ASSUME_KPROBES=1 / XTRACE_ASSUME_FENTRY=1 skip the checks (so the
 * code generation can be tested on kernels that lack the feature). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/btf_args.h"
#include "stdlib/ctx.h"
#include "stdlib/tracefs.h"

enum { K_MAX_ARGS = 12 };

static bool assumed(const char *env)
{
	const char *v = getenv(env);
	return v && *v == '1';
}

/* NULL when kprobes work, else why not (asked once). */
static const char *kprobes_missing(void)
{
	static int known = -1;
	if (assumed("XTRACE_ASSUME_KPROBES"))
		return NULL;
	if (known < 0) {
		const char *tfs = xt_tracefs_path();
		char path[256];
		snprintf(path, sizeof(path), "%s/kprobe_events", tfs ? tfs : "/sys/kernel/tracing");
		known = access("/sys/bus/event_source/devices/kprobe", F_OK) == 0 || access(path, F_OK) == 0;
	}
	return known ? NULL : "this kernel has no kprobes (CONFIG_KPROBES is off)";
}

/* NULL when fentry programs load, else why not (asked once). */
static const char *fentry_missing(void)
{
	static char why[160];
	static int known = -1;
	if (assumed("XTRACE_ASSUME_FENTRY"))
		return NULL;
	if (known >= 0)
		return known ? NULL : why;
	const struct btf *btf = xt_btf_get(NULL);
	int id = btf ? btf__find_by_name_kind(btf, "vfs_read", BTF_KIND_FUNC) : -1;
	if (!btf || id < 0) {
		snprintf(why, sizeof(why), "this kernel has no BTF for its functions (CONFIG_DEBUG_INFO_BTF)");
		known = 0;
		return why;
	}
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY, .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "xt_fentry_test", "GPL", insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		known = 1;
		return NULL;
	}
	snprintf(why, sizeof(why), "this kernel refuses to load fentry programs (%s)", strerror(errno));
	known = 0;
	return why;
}

static bool is_ret(const struct xt_probe_info *p)
{
	const char *n = p->prov->name;
	return strcmp(n, "kretprobe") == 0 || strcmp(n, "fexit") == 0 || strcmp(n, "kretfunc") == 0;
}

/* --- kprobe ------------------------------------------------------------------ */

struct k_site { const char *func; uint64_t off; };

struct glob_ctx { struct xt_sema *s; struct xt_probe_info *p; const char *pat; };

static void kadd(struct xt_sema *s, struct xt_probe_info *p, const char *func, uint64_t off, const char *shown)
{
	struct xt_arena *ar = xt_sema_arena(s);
	struct k_site *ks = xt_arena_alloc(ar, sizeof(*ks));
	ks->func = xt_arena_strdup(ar, func);
	ks->off = off;
	xt_probe_add_site(s, p, xt_arena_printf(ar, "%s:%s", p->prov->name, shown), shown, (int64_t)off, ks);
}

/* Functions kprobes can attach to: tracefs available_filter_functions. A
 * listing (`listing`) ends early with -EINTR when a stop signal is pending. */
static int each_kfunc(const char *pat, bool listing, void (*cb)(const char *name, void *arg), void *arg)
{
	const char *tfs = xt_tracefs_path();
	char path[256];
	snprintf(path, sizeof(path), "%s/available_filter_functions", tfs ? tfs : "/sys/kernel/tracing");
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[512], last[512] = "";
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\n")] = 0;
		if (strcmp(line, last) != 0 && fnmatch(pat, line, 0) == 0) {
			if (listing && xt_sig_stop_pending()) {
				fclose(f);
				return -EINTR;
			}
			cb(line, arg);
		}
		snprintf(last, sizeof(last), "%s", line);
	}
	fclose(f);
	return 0;
}

static void kglob_add(const char *name, void *arg)
{
	struct glob_ctx *g = arg;
	kadd(g->s, g->p, name, 0, name);
}

static int k_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *colon = strchr(spec, ':');
	const char *func = colon ? colon + 1 : spec; /* mod:func: the module only narrows the search */
	if (strpbrk(func, "*?[")) {
		if (kprobes_missing()) { /* nothing to search: one site stands for the pattern, k_check says why */
			kadd(s, p, func, 0, func);
			return 0;
		}
		struct glob_ctx g = { s, p, func };
		int rc = each_kfunc(func, false, kglob_add, &g);
		if (rc < 0) {
			xt_diag_error(dg, at->loc, "cannot read the kernel's traceable functions: %s", strerror(-rc));
			return -1;
		}
		return 0;
	}
	const char *plus = strchr(func, '+');
	uint64_t off = 0;
	if (plus) {
		char *end;
		off = strtoull(plus + 1, &end, 0);
		if (*end || !plus[1]) {
			xt_diag_error(dg, at->loc, "'%s' is not a function offset (write FUNCTION+OFFSET)", func);
			return -1;
		}
		if (is_ret(p)) {
			xt_diag_error(dg, at->loc, "kretprobe probes take no offset");
			return -1;
		}
	}
	kadd(s, p, xt_arena_strndup(ar, func, plus ? (size_t)(plus - func) : strlen(func)), off, func);
	return 0;
}

/* Without kprobes the probe stops here, after the whole program was checked. */
static int k_check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	const char *why = kprobes_missing();
	if (!why)
		return 0;
	const char *colon = strchr(spec, ':');
	const char *func = colon ? colon + 1 : spec;
	if (!strchr(func, '+') && !fentry_missing())
		xt_diag_error(xt_sema_diags(s), at->loc, "%s:%s: %s; %s:%s or a tracepoint may serve", p->prov->name, spec,
			      why, is_ret(p) ? "fexit" : "fentry", spec);
	else
		xt_diag_error(xt_sema_diags(s), at->loc, "%s:%s: %s; a tracepoint or rawtracepoint may serve",
			      p->prov->name, spec, why);
	return -1;
}

static const struct xt_type *k_ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	int i = xt_ctx_argn(n);
	if (i >= 0) {
		if (is_ret(p) || xt_ctx_arg_reg(i) < 0) {
			xt_diag_error(dg, n->loc, "%s probes have %s", p->prov->name, is_ret(p) ? "retval, not arguments" : "arg0 to arg5");
			return NULL;
		}
		return &xt_u64;
	}
	if (strcmp(n->name, "retval") == 0) {
		if (!is_ret(p)) {
			xt_diag_error(dg, n->loc, "retval is only known in kretprobe probes");
			return NULL;
		}
		return &xt_u64;
	}
	if (strcmp(n->name, "func") == 0) {
		return xt_sym_type(xt_sema_arena(s), false);
	}
	xt_diag_error(dg, n->loc, "%s probes have arg0..arg5, retval and func, not %s", p->prov->name, n->name);
	return NULL;
}

static LLVMValueRef func_ip(struct xt_cg *cg)
{
	LLVMValueRef buf = xt_cg_buf(cg, 8, "func");
	LLVMValueRef ip = xt_cg_helper(cg, XT_H_GET_FUNC_IP, false, &cg->ctxarg, 1);
	LLVMSetAlignment(LLVMBuildStore(cg->b, ip, buf), 1);
	return buf;
}

static LLVMValueRef k_emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	int i = xt_ctx_argn(n);
	if (i >= 0)
		return xt_ctx_reg(cg, xt_ctx_arg_reg(i));
	if (strcmp(n->name, "retval") == 0)
		return xt_ctx_reg(cg, XT_REGS_RET);
	return func_ip(cg);
}

static int k_attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	for (int i = 0; i < p->nsites; i++) {
		const struct k_site *ks = p->sites[i].data;
		LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = (uint64_t)p->sites[i].id, .offset = ks->off,
			    .retprobe = is_ret(p));
		struct bpf_link *l = bpf_program__attach_kprobe_opts(rp->prog, ks->func, &opts);
		int rc = xt_rt_keep_link(rt, rp, p->sites[i].name, l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct klist_ctx { const char *type; void (*cb)(const char *, const char *, void *); void *ctx; };

static void klist_one(const char *name, void *arg)
{
	struct klist_ctx *k = arg;
	char full[600];
	snprintf(full, sizeof(full), "%s:%s", k->type, name);
	k->cb(full, "", k->ctx);
}

static int k_list_for(const char *type, const char *spec, void (*cb)(const char *, const char *, void *), void *ctx)
{
	struct klist_ctx k = { type, cb, ctx };
	return each_kfunc(spec && *spec ? spec : "*", true, klist_one, &k);
}

static int k_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return k_list_for("kprobe", spec, cb, ctx);
}

static int kr_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return k_list_for("kretprobe", spec, cb, ctx);
}

/* --- fentry ------------------------------------------------------------------- */

struct f_site {
	const char *mod, *func;
	int nargs;
	struct xt_btf_arg args[K_MAX_ARGS];
	struct xt_btf_arg ret;
};

/* The arguments and return type of BTF function `id`; 0 or -1. */
static int f_read_id(const struct btf *btf, int id, struct f_site *fs)
{
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return -1;
	fs->nargs = xt_btf_proto_args(btf, (int)t->type, 0, fs->args, K_MAX_ARGS);
	if (fs->nargs < 0)
		return -1;
	for (int i = 0; i < fs->nargs; i++)
		if (!fs->args[i].name[0])
			snprintf(fs->args[i].name, sizeof(fs->args[i].name), "arg%d", i);
	const struct btf_type *proto = btf__type_by_id(btf, t->type);
	memset(&fs->ret, 0, sizeof(fs->ret));
	if (proto && proto->type)
		xt_btf_type_info(btf, (int)proto->type, &fs->ret);
	return 0;
}

/* The same by name (libbpf 1.1 finds a name by walking every type). */
static int f_read(const struct btf *btf, const char *func, struct f_site *fs)
{
	return f_read_id(btf, btf__find_by_name_kind(btf, func, BTF_KIND_FUNC), fs);
}

static int f_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *colon = strchr(spec, ':');
	const char *mod = colon ? xt_arena_strndup(ar, spec, colon - spec) : NULL;
	const char *func = colon ? colon + 1 : spec;
	const struct btf *btf = xt_btf_get(mod && strcmp(mod, "vmlinux") != 0 ? mod : NULL);
	if (!btf) {
		xt_diag_error(dg, at->loc, "no BTF for %s", mod ? mod : "the kernel");
		return -1;
	}
	if (strpbrk(func, "*?[")) {
		xt_diag_error(dg, at->loc, "%s takes one function per probe: each fentry program is loaded for its function", p->prov->name);
		return -1;
	}
	struct f_site *fs = xt_arena_alloc(ar, sizeof(*fs));
	if (f_read(btf, func, fs) < 0) {
		xt_diag_error(dg, at->loc, "no kernel function '%s' in BTF", func);
		return -1;
	}
	if (p->nsites) {
		xt_diag_error(dg, at->loc, "%s takes one function per probe: write another probe", p->prov->name);
		return -1;
	}
	fs->mod = mod;
	fs->func = xt_arena_strdup(ar, func);
	xt_probe_add_site(s, p, xt_arena_printf(ar, "%s:%s", p->prov->name, spec), func, fs->nargs, fs);
	return 0;
}

static int f_check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	const char *why = fentry_missing();
	if (!why)
		return 0;
	xt_diag_error(xt_sema_diags(s), at->loc, "%s:%s: %s; a tracepoint or rawtracepoint may serve", p->prov->name, spec, why);
	return -1;
}

static const char *f_section(const struct xt_probe_info *p)
{
	static char sec[300];
	const struct f_site *fs = p->nsites ? p->sites[0].data : NULL;
	snprintf(sec, sizeof(sec), "%s/%s", is_ret(p) ? "fexit" : "fentry", fs ? fs->func : "");
	return sec;
}

static const struct xt_type *f_ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const struct f_site *fs = p->sites[0].data;
	int i = xt_ctx_argn(n);
	if (i >= 0) {
		if (i >= fs->nargs) {
			xt_diag_error(dg, n->loc, "%s has %d arguments", fs->func, fs->nargs);
			return NULL;
		}
		return xt_btf_arg_type(ar, &fs->args[i]);
	}
	if (strcmp(n->name, "retval") == 0) {
		if (!is_ret(p)) {
			xt_diag_error(dg, n->loc, "retval is only known in fexit probes");
			return NULL;
		}
		return fs->ret.size ? xt_btf_arg_type(ar, &fs->ret) : &xt_u64;
	}
	if (strcmp(n->name, "args") != 0) {
		xt_diag_error(dg, n->loc, "%s probes have args.NAME%s, not %s", p->prov->name, is_ret(p) ? " and retval" : "", n->name);
		return NULL;
	}
	if (p->args_type)
		return p->args_type;
	struct xt_field *fields = xt_arena_alloc(ar, sizeof(*fields) * (fs->nargs + 1));
	for (int k = 0; k < fs->nargs; k++)
		fields[k] = (struct xt_field){ .name = fs->args[k].name, .type = xt_btf_arg_type(ar, &fs->args[k]),
					       .offset = 8 * k, .index = k };
	return xt_probe_args_record(ar, p, fields, fs->nargs, NULL);
}

static LLVMValueRef f_emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	const struct f_site *fs = cg->probe->sites[0].data;
	const struct xt_type *t = n->type;
	int i = xt_ctx_argn(n);
	if (n->kind == XT_N_FIELD) {
		const struct xt_field *f = n->sym;
		i = f->offset / 8;
		t = f->type;
	} else if (i < 0) {
		i = fs->nargs; /* retval follows the arguments */
	}
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8 * i)), "");
	if (t->kind == XT_T_INT && t->size < 8) {
		v = LLVMBuildTrunc(cg->b, v, LLVMIntTypeInContext(cg->ctx, (unsigned)t->size * 8), "");
		v = t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
	}
	return v;
}

static int f_attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	LIBBPF_OPTS(bpf_trace_opts, opts, .cookie = (uint64_t)p->sites[0].id);
	struct bpf_link *l = bpf_program__attach_trace_opts(rp->prog, &opts);
	return xt_rt_keep_link(rt, rp, p->sites[0].name, l);
}

/* fentry targets: the kernel's BTF functions. */
static int f_list_for(const char *type, const char *spec, bool verbose,
		      void (*cb)(const char *, const char *, void *), void *ctx)
{
	const struct btf *btf = xt_btf_get(NULL);
	if (!btf)
		return 0;
	const char *pat = spec && *spec ? spec : "*";
	if (strncmp(pat, "vmlinux:", 8) == 0)
		pat += 8;
	/* one function: looked up, not searched for */
	int one = strpbrk(pat, "*?[") ? 0 : btf__find_by_name_kind(btf, pat, BTF_KIND_FUNC);
	if (one < 0)
		return 0;
	unsigned first = one ? (unsigned)one : 1, cnt = one ? (unsigned)one + 1 : btf__type_cnt(btf);
	for (unsigned id = first; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !btf_is_func(t))
			continue;
		const char *nm = btf__name_by_offset(btf, t->name_off);
		if (!nm || fnmatch(pat, nm, 0) != 0)
			continue;
		if (xt_sig_stop_pending())
			return -EINTR;
		char full[300], detail[2048] = "";
		snprintf(full, sizeof(full), "%s:%s", type, nm);
		if (verbose) {
			struct f_site fs;
			if (f_read_id(btf, (int)id, &fs) == 0) {
				size_t off = 0;
				for (int i = 0; i < fs.nargs && off < sizeof(detail); i++) {
					int w = snprintf(detail + off, sizeof(detail) - off, "    %s %s\n", fs.args[i].ctype, fs.args[i].name);
					if (w < 0)
						break;
					off += (size_t)w;
				}
				if (off < sizeof(detail) && strcmp(type, "fexit") == 0)
					snprintf(detail + off, sizeof(detail) - off, "    %s retval\n", fs.ret.size ? fs.ret.ctype : "void");
			}
		}
		cb(full, detail, ctx);
	}
	return 0;
}

static int f_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return f_list_for("fentry", spec, verbose, cb, ctx);
}

static int fr_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return f_list_for("fexit", spec, verbose, cb, ctx);
}

const struct xt_provider xt_prov_kprobe = {
	.name = "kprobe", .alias = "k", .section = "kprobe", .flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_FUNC | XT_PROVF_CTX_REGS,
	.help = "kprobe:FUNCTION[+OFFSET]: entry to a kernel function (needs CONFIG_KPROBES); arg0..arg5, func",
	.expand = k_expand, .check = k_check, .ctx_type = k_ctx_type, .emit_ctx = k_emit_ctx, .attach = k_attach, .list = k_list,
	.unavailable = kprobes_missing,
};
const struct xt_provider xt_prov_kretprobe = {
	.name = "kretprobe", .alias = "kr", .section = "kretprobe",
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_RETVAL | XT_PROVF_CTX_FUNC | XT_PROVF_CTX_REGS,
	.help = "kretprobe:FUNCTION: return from a kernel function (needs CONFIG_KPROBES); retval, func",
	.expand = k_expand, .check = k_check, .ctx_type = k_ctx_type, .emit_ctx = k_emit_ctx, .attach = k_attach, .list = kr_list,
	.unavailable = kprobes_missing,
};
const struct xt_provider xt_prov_fentry = {
	.name = "fentry", .alias = "f", .section = "fentry", .section_of = f_section, .flags = XT_PROVF_CTX_ARGN,
	.help = "fentry:[MODULE:]FUNCTION: entry to a kernel function through a BPF trampoline; args.NAME typed from BTF",
	.expand = f_expand, .check = f_check, .ctx_type = f_ctx_type, .emit_ctx = f_emit_ctx, .attach = f_attach, .list = f_list,
	.unavailable = fentry_missing,
};
const struct xt_provider xt_prov_fexit = {
	.name = "fexit", .alias = "fr", .section = "fexit", .section_of = f_section,
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_RETVAL,
	.help = "fexit:[MODULE:]FUNCTION: return from a kernel function; args.NAME and retval typed from BTF",
	.expand = f_expand, .check = f_check, .ctx_type = f_ctx_type, .emit_ctx = f_emit_ctx, .attach = f_attach, .list = fr_list,
	.unavailable = fentry_missing,
};
/* The old names, as bpftrace still accepts them. */
const struct xt_provider xt_prov_kfunc = {
	.name = "kfunc", .section = "fentry", .section_of = f_section, .flags = XT_PROVF_CTX_ARGN,
	.help = "kfunc: the old name of fentry", .expand = f_expand, .check = f_check, .ctx_type = f_ctx_type,
	.emit_ctx = f_emit_ctx, .attach = f_attach, .unavailable = fentry_missing,
};
const struct xt_provider xt_prov_kretfunc = {
	.name = "kretfunc", .section = "fexit", .section_of = f_section,
	.flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_RETVAL,
	.help = "kretfunc: the old name of fexit", .expand = f_expand, .check = f_check, .ctx_type = f_ctx_type,
	.emit_ctx = f_emit_ctx, .attach = f_attach, .unavailable = fentry_missing,
};

/* iter:NAME[:PIN] (it:): a BPF iterator over the kernel's objects (task,
 * task_file, task_vma, ...; any `bpf_iter_NAME` the kernel's BTF has that
 * needs no map). The program is BPF_PROG_TYPE_TRACING (BPF_TRACE_ITER); ctx
 * is the kernel's struct bpf_iter__NAME (ctx->task, ctx->fd, ctx->file,
 * ctx->vma, ...). After BEGIN the runtime creates the iterator and reads it:
 * each read runs the program once per object, and what the program says
 * (printf, print, ...) comes back through the iterator's seq_file, in order,
 * as length-prefixed ring-buffer records. With PIN the iterator is pinned in
 * bpffs for others to read instead, and xtrace ends: then its printf writes
 * text the kernel formats (bpf_seq_printf), which is all such a program can
 * say. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/btf_args.h"
#include "stdlib/btf_types.h"
#include "stdlib/registry.h"
#include "lang/diag.h"

/* A site's settings, kept in its data. */
struct iter_site {
	const char *section; /* "iter/task": libbpf finds bpf_iter_task by it */
	const char *ctx;     /* "bpf_iter__task", ctx's struct */
	const char *pin;     /* the bpffs path, or NULL */
};

/* Iterators that need a map to walk (link info xtrace does not give). */
static const char *const map_iters[] = { "bpf_map_elem", "bpf_sk_storage_map", "sockmap" };

/* The BTF id of the kernel's bpf_iter_NAME function; -1 when it has none. */
static int iter_btf_id(const char *name)
{
	const struct btf *btf = xt_btf_get(NULL);
	char fn[128];
	snprintf(fn, sizeof(fn), "bpf_iter_%s", name);
	return btf ? btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) : -1;
}

/* NULL when this kernel loads iterator programs, else why not (asked once). */
static const char *iter_missing(void)
{
	static char why[160];
	static int known = -1;
	if (known >= 0)
		return known ? NULL : why;
	int id = iter_btf_id("task");
	if (id < 0) {
		snprintf(why, sizeof(why), "this kernel has no BTF for its iterators (bpf_iter_task)");
		known = 0;
		return why;
	}
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER, .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "xt_iter_test", "GPL", insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		known = 1;
		return NULL;
	}
	snprintf(why, sizeof(why), "this kernel refuses to load BPF iterator programs (%s)", strerror(errno));
	known = 0;
	return why;
}

/* iter:NAME or iter:NAME:PIN; NAME must be a kernel iterator. */
static int iter_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *colon = strchr(spec, ':');
	char name[64];
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n == 0 || n >= sizeof(name) || strchr(spec, '*') || (colon && !colon[1])) {
		xt_diag_error(dg, at->loc, "iter takes one iterator's name and an optional pin path, "
			      "as in iter:task or iter:task_file:files");
		return -1;
	}
	memcpy(name, spec, n);
	name[n] = 0;
	if (iter_btf_id(name) < 0)
		return xt_probe_missing(s, p, at, "this kernel has no iterator '%s' (no bpf_iter_%s in its BTF)", name, name);
	for (size_t i = 0; i < sizeof(map_iters) / sizeof(map_iters[0]); i++)
		if (strcmp(name, map_iters[i]) == 0) {
			xt_diag_error(dg, at->loc, "iter:%s walks a map, which xtrace cannot name to it; "
				      "iterators over kernel objects (task, task_file, task_vma, ...) work", name);
			return -1;
		}
	struct iter_site *is = xt_arena_alloc(ar, sizeof(*is));
	is->section = xt_arena_printf(ar, "iter/%s", name);
	is->ctx = xt_arena_printf(ar, "bpf_iter__%s", name);
	if (!xt_btf_struct_ptr(is->ctx)) {
		xt_diag_error(dg, at->loc, "iter:%s: the kernel's BTF has no struct %s, the iterator's context", name, is->ctx);
		return -1;
	}
	if (colon) /* bpftrace: a path relative to /sys/fs/bpf (0.17 also took an absolute one) */
		is->pin = colon[1] == '/' ? xt_arena_strdup(ar, colon + 1) : xt_arena_printf(ar, "/sys/fs/bpf/%s", colon + 1);
	if (p->nsites > 0) {
		xt_diag_error(dg, at->loc, "an iter probe has one attach point (each iterator is run on its own)");
		return -1;
	}
	xt_probe_add_site(s, p, xt_arena_printf(ar, "iter:%s", name), xt_arena_strdup(ar, name), 0, is);
	return 0;
}

/* After the whole program was checked: the kernel must load iterators. */
static int iter_check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	(void)p;
	const char *why = iter_missing();
	if (!why)
		return 0;
	xt_diag_error(xt_sema_diags(s), at->loc, "iter:%s: %s", spec, why);
	return -1;
}

static const struct xt_type *iter_ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	const struct iter_site *is = p->sites[0].data;
	const struct xt_type *t = xt_btf_struct_ptr(is->ctx);
	if (!t)
		xt_diag_error(xt_sema_diags(s), n->loc, "the kernel's BTF has no struct %s", is->ctx);
	return t;
}

/* ctx: the address of the context, whose fields are read as a kernel
 * struct's (the address is on the kernel stack) */
static LLVMValueRef iter_emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	(void)n;
	return LLVMBuildPtrToInt(cg->b, cg->ctxarg, cg->i64, "ctx");
}

/* The kernel runs the program once more after the last object, with the
 * object NULL (the `in_stop` call, for programs that print a footer); every
 * iterator's object follows meta. bpftrace runs the body per object only. */
static void iter_prologue(struct xt_cg *cg)
{
	LLVMValueRef obj = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8)), "obj");
	LLVMSetAlignment(obj, 8);
	LLVMBasicBlockRef go = xt_cg_block(cg, "object"), skip = xt_cg_block(cg, "last");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, obj, xt_cg_i64(cg, 0), ""), go, skip);
	LLVMPositionBuilderAtEnd(cg->b, skip);
	xt_cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, go);
}

/* ctx->meta->seq, the iterator's seq_file, as two plain loads: its helpers
 * want the verifier's PTR_TO_BTF_ID of struct seq_file, which only direct
 * loads give (a copy read with bpf_probe_read_kernel is a scalar: "R1
 * type=scalar expected=ptr_"). */
static LLVMValueRef seq_file(struct xt_cg *cg)
{
	LLVMValueRef meta = LLVMBuildLoad2(cg->b, cg->ptr, cg->ctxarg, "meta");
	LLVMSetAlignment(meta, 8);
	LLVMValueRef seq = LLVMBuildLoad2(cg->b, cg->ptr, meta, "seq");
	LLVMSetAlignment(seq, 8);
	return seq;
}

/* A kernel printf format (bpf_bprintf_prepare's: flags 0+- and a width, then
 * d i u x X with l/ll, s, c) for format f, every integer as a long long, in
 * ar; NULL with *why set when f has what the kernel cannot format. */
static const char *kernel_format(struct xt_arena *ar, const struct xt_fmt_info *f, const char **why)
{
	size_t len = strlen(f->fmt);
	char *out = xt_arena_alloc(ar, len * 3 + 8), *o = out;
	int arg = 0;
	for (const char *p = f->fmt; *p; p++) {
		if (*p != '%') {
			if (!isprint((unsigned char)*p) && !isspace((unsigned char)*p)) {
				*why = "the kernel takes printable ASCII only";
				return NULL;
			}
			*o++ = *p;
			continue;
		}
		if (p[1] == '%') {
			*o++ = '%';
			*o++ = *++p;
			continue;
		}
		*o++ = *p++;
		while (*p == '-' || *p == '0' || *p == '+' || *p == ' ')
			*o++ = *p++;
		while (isdigit((unsigned char)*p))
			*o++ = *p++;
		if (*p == '.' || *p == '#') {
			*why = "the kernel takes no precision and no '#'";
			return NULL;
		}
		while (*p == 'l' || *p == 'h' || *p == 'z' || *p == 'j')
			p++;
		const struct xt_type *t = arg < f->nargs ? f->arg_types[arg] : NULL;
		arg++;
		bool is_int = t && ((xt_type_is_int(t) && t->kind != XT_T_BOOL) || t->kind == XT_T_PTR);
		switch (*p) {
		case 'd': case 'i': case 'u': case 'x': case 'X':
			if (!is_int) {
				*why = "its integer conversions take integers only";
				return NULL;
			}
			*o++ = 'l';
			*o++ = 'l';
			*o++ = *p;
			break;
		case 'c':
			if (!is_int) {
				*why = "%c takes an integer";
				return NULL;
			}
			*o++ = 'c';
			break;
		case 's':
			if (!t || t->kind != XT_T_STR) {
				*why = "%s takes a string (not a symbol, stack, user name or other value xtrace renders)";
				return NULL;
			}
			*o++ = 's';
			break;
		default:
			*why = "the kernel formats d, i, u, x, X, c and s only";
			return NULL;
		}
	}
	*o = 0;
	if (f->nargs > 12) {
		*why = "the kernel takes 12 arguments at most";
		return NULL;
	}
	return out;
}

/* printf in a pinned iterator: bpf_seq_printf(seq, fmt, size, args, 8 * n)
 * with the record's values (strings by address: the kernel copies them). */
static void seq_printf_record(struct xt_cg *cg, const struct xt_fmt_info *f, LLVMValueRef buf)
{
	struct xt_arena *ar = cg->prog->ar;
	const char *why = NULL;
	const char *kf = kernel_format(ar, f, &why);
	if (!kf) {
		xt_diag_error(cg->dg, f->loc, "a pinned iterator's printf is formatted by the kernel, and %s", why);
		return;
	}
	int flen = (int)strlen(kf);
	int fsize = (flen + 1 + 7) / 8 * 8;
	LLVMValueRef fbuf = xt_cg_buf(cg, fsize, "kfmt");
	for (int off = 0; off < flen; off += 8) {
		uint64_t chunk = 0;
		memcpy(&chunk, kf + off, flen - off < 8 ? (size_t)(flen - off) : 8);
		LLVMValueRef st = LLVMBuildStore(cg->b, LLVMConstInt(cg->i64, chunk, 0), xt_cg_gep(cg, fbuf, xt_cg_i64(cg, off)));
		LLVMSetAlignment(st, 1);
	}
	LLVMValueRef args = xt_cg_buf(cg, 8 * (f->nargs ? f->nargs : 1), "kargs");
	for (int i = 0; i < f->nargs; i++) {
		LLVMValueRef at = xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + f->arg_offsets[i]));
		LLVMValueRef v = f->arg_types[i]->kind == XT_T_STR ? LLVMBuildPtrToInt(cg->b, at, cg->i64, "")
								   : xt_cg_load(cg, at, f->arg_types[i]);
		LLVMValueRef st = LLVMBuildStore(cg->b, v, xt_cg_gep(cg, args, xt_cg_i64(cg, 8 * i)));
		LLVMSetAlignment(st, 8);
	}
	LLVMValueRef a[] = { seq_file(cg), fbuf, xt_cg_i64(cg, fsize), args, xt_cg_i64(cg, 8 * f->nargs) };
	xt_cg_helper(cg, XT_H_SEQ_PRINTF, false, a, 5);
}

/* Records go to the iterator's seq_file, each after its u32 length, for
 * xt_rt_read_records. A write that overflows the seq_file's buffer makes
 * the kernel drop what this object wrote and show it again in the next
 * read: nothing is lost, so results are not checked. */
static void iter_record(struct xt_cg *cg, const struct xt_builtin *b, uint32_t id, LLVMValueRef buf, int size)
{
	const struct iter_site *is = cg->probe->sites[0].data;
	if (is->pin) {
		if (b->flags & XT_BIF_HELPER_ERRORS) /* a run-time warning has nowhere to go (its count at exit stays) */
			return;
		if (b == &xt_bi_printf && id < (uint32_t)cg->prog->nfmts) {
			seq_printf_record(cg, cg->prog->fmts[id], buf);
			return;
		}
		xt_diag_error(cg->dg, cg->at ? cg->at->loc : cg->probe->node->loc,
			      "a pinned iterator's output is text the kernel formats: it can printf, and print nothing else "
			      "(%s() needs xtrace to print it)", b->name);
		return;
	}
	LLVMValueRef seq = seq_file(cg);
	LLVMValueRef len = xt_cg_entry_alloca(cg, cg->i32, "reclen");
	LLVMBuildStore(cg->b, xt_cg_i32(cg, size), len);
	LLVMValueRef a1[] = { seq, len, xt_cg_i64(cg, 4) };
	xt_cg_helper(cg, XT_H_SEQ_WRITE, false, a1, 3);
	LLVMValueRef a2[] = { seq, buf, xt_cg_i64(cg, size) };
	xt_cg_helper(cg, XT_H_SEQ_WRITE, false, a2, 3);
}

static const char *iter_section(const struct xt_probe_info *p)
{
	return ((const struct iter_site *)p->sites[0].data)->section;
}

#define BPF_FS_MAGIC 0xcafe4a11

/* A bpf filesystem at /sys/fs/bpf, mounted when there is none (as xtrace
 * mounts tracefs): 0 or -errno. */
static int bpffs_ready(void)
{
	struct statfs st;
	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	return mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") == 0 ? 0 : -errno;
}

static int iter_attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	if (rp->info->nsites < 1) /* --probe-filter left it out */
		return 0;
	return xt_rt_keep_link(rt, rp, rp->info->sites[0].name, bpf_program__attach_iter(rp->prog, NULL));
}

/* Reads the iterator, which runs the program over every object; or pins it
 * for others to read (not in attach: --dry-run leaves no pin behind). */
static int iter_run(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_site *site = &rp->info->sites[0];
	const struct iter_site *is = site->data;
	if (rp->info->nsites < 1 || rp->nlinks < 1)
		return 0;
	if (is->pin) {
		int err = strncmp(is->pin, "/sys/fs/bpf/", 12) == 0 ? bpffs_ready() : 0;
		if (err < 0) {
			fprintf(stderr, "xtrace: cannot pin %s: no bpf filesystem at /sys/fs/bpf, and mounting one "
				"failed: %s\n", site->name, strerror(-err));
			return err;
		}
		err = bpf_link__pin(rp->links[0], is->pin);
		if (err < 0) {
			fprintf(stderr, "xtrace: cannot pin %s to %s: %s\n", site->name, is->pin, strerror(-err));
			return err;
		}
		FILE *out = xt_rt_options(rt)->out;
		fprintf(out, "Program pinned to %s\n", is->pin);
		fflush(out);
		return 0;
	}
	int fd = bpf_iter_create(bpf_link__fd(rp->links[0]));
	if (fd < 0) {
		int err = -errno;
		fprintf(stderr, "xtrace: cannot create the iterator of %s: %s\n", site->name, strerror(-err));
		return err;
	}
	int err = xt_rt_read_records(rt, fd, site->name);
	close(fd);
	return err;
}

/* -lv: ctx's members after meta, which are bpf_iter_NAME's parameters. */
static void iter_detail(const char *name, char *detail, size_t size)
{
	const struct btf *btf = xt_btf_get(NULL);
	const struct btf_type *fn = btf ? btf__type_by_id(btf, (uint32_t)iter_btf_id(name)) : NULL;
	struct xt_btf_arg args[8];
	int n = fn ? xt_btf_proto_args(btf, (int)fn->type, 1, args, 8) : 0;
	size_t off = 0;
	for (int i = 0; i < n && off < size; i++) {
		int w = snprintf(detail + off, size - off, "    %s ctx->%s\n", args[i].ctype, args[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static int iter_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	static const char *const names[] = { "task", "task_file", "task_vma", "bpf_map", "bpf_prog", "bpf_link",
		"tcp", "udp", "unix", "ksym", "cgroup", "netlink", "ipv6_route" };
	char full[80], detail[1024];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((!*spec || fnmatch(spec, names[i], 0) == 0) && iter_btf_id(names[i]) >= 0) {
			snprintf(full, sizeof(full), "iter:%s", names[i]);
			detail[0] = 0;
			if (verbose)
				iter_detail(names[i], detail, sizeof(detail));
			cb(full, verbose ? detail : NULL, ctx);
		}
	return 0;
}

const struct xt_provider xt_prov_iter = {
	.name = "iter", .alias = "it", .section = "iter",
	.flags = XT_PROVF_CTX_CTX | XT_PROVF_ANYTASK,
	.help = "iter:NAME[:PIN]: runs once per kernel object of a BPF iterator (task, task_file, task_vma, ...); "
		"ctx->task, ctx->file, ...; PIN pins it in /sys/fs/bpf instead",
	.expand = iter_expand, .check = iter_check, .ctx_type = iter_ctx_type, .emit_ctx = iter_emit_ctx,
	.emit_prologue = iter_prologue, .emit_record = iter_record, .section_of = iter_section, .attach = iter_attach, .run = iter_run,
	.list = iter_list, .unavailable = iter_missing,
};

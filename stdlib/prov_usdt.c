/* usdt:BIN:[PROVIDER:]NAME (alias U), `*` in PROVIDER and NAME: statically
 * defined user probes, read with libelf from the binary's .note.stapsdt
 * notes. Each match is a uprobe at the note's address with the note's
 * semaphore (if any) armed by the kernel through ref_ctr_offset, and the site
 * id as the cookie. arg0.. follow the note's argument specs, as GNU
 * assembler operands: `-4@%eax` (register), `8@-16(%rbp)` (memory),
 * `4@$5` (constant). Matches with different specs are told apart by the
 * cookie in the generated code. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/ctx.h"
#include "stdlib/elf_deps.h"
#include "stdlib/elf_syms.h"

enum { USDT_MAX_ARGS = 12 };
enum usdt_loc { U_REG, U_MEM, U_CONST };

struct usdt_arg {
	int size;                /* bytes: 1, 2, 4, 8 */
	bool sign;
	enum usdt_loc loc;
	int reg;                 /* pt_regs offset */
	int reg_size;            /* width of the named register */
	int64_t val;             /* displacement or constant */
};

struct usdt_site {
	const char *path;
	int64_t pc_off, sem_off;
	pid_t pid;
	int nargs;               /* -1: an operand this code cannot read */
	struct usdt_arg args[USDT_MAX_ARGS];
	const char *argtext;
};

/* Parses "-4@%eax 8@-16(%rbp) 4@$5"; the count, or -1 for an operand form
 * not supported (indexed or %rip-relative addressing). */
static int parse_args(const char *text, struct usdt_arg *out, int max)
{
	int n = 0;
	const char *p = text;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == max)
			return -1;
		struct usdt_arg *a = &out[n];
		memset(a, 0, sizeof(*a));
		char *end;
		long size = strtol(p, &end, 10);
		if (*end == '@' && (size < -8 || size > 8))
			return -1; /* (and no -LONG_MIN below) */
		if (*end != '@' || size == 0) { /* no size: a plain operand of 8 bytes */
			size = 8;
			end = (char *)p - 1;
		}
		a->sign = size < 0;
		a->size = (int)(size < 0 ? -size : size);
		if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
			return -1;
		p = end + 1;
		char op[64];
		size_t len = strcspn(p, " \t");
		if (len >= sizeof(op))
			return -1;
		memcpy(op, p, len);
		op[len] = 0;
		p += len;
		if (op[0] == '$') {
			a->loc = U_CONST;
			a->val = strtoll(op + 1, &end, 0);
			if (*end)
				return -1;
		} else if (op[0] == '%') {
			a->loc = U_REG;
			a->reg = xt_ctx_reg_by_name(op + 1, &a->reg_size);
			if (a->reg < 0)
				return -1;
		} else {
			a->loc = U_MEM;
			a->val = strtoll(op, &end, 0);
			if (end[0] != '(' || end[1] != '%')
				return -1;
			char reg[16];
			size_t rl = strcspn(end + 2, ")");
			if (rl >= sizeof(reg) || end[2 + rl] != ')' || end[3 + rl])
				return -1;
			memcpy(reg, end + 2, rl);
			reg[rl] = 0;
			a->reg = xt_ctx_reg_by_name(reg, &a->reg_size);
			if (a->reg < 0 || a->reg == XT_REGS_IP)
				return -1; /* %rip-relative needs the load address */
		}
		n++;
	}
	return n;
}

int xt_usdt_nargs(const char *spec)
{
	struct usdt_arg args[USDT_MAX_ARGS];
	return parse_args(spec, args, USDT_MAX_ARGS);
}

/* Splits "BIN:[PROVIDER:]NAME" (BIN empty: usdt::PROVIDER:NAME with -p). */
static int split(struct xt_arena *ar, const char *spec, const char **bin, const char **prov, const char **name)
{
	const char *c1 = strchr(spec, ':');
	if (!c1 || !c1[1])
		return -1;
	*bin = xt_arena_strndup(ar, spec, c1 - spec);
	const char *c2 = strchr(c1 + 1, ':');
	if (c2) {
		if (strchr(c2 + 1, ':') || !c2[1])
			return -1;
		*prov = xt_arena_strndup(ar, c1 + 1, c2 - c1 - 1);
		*name = c2 + 1;
	} else {
		*prov = "*";
		*name = c1 + 1;
	}
	return 0;
}

/* Adds the sites of e's notes matching prov:name; how many, or -1 after a diagnostic. */
static int expand_file(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const struct xt_elf *e,
		       const char *prov, const char *name, pid_t pid)
{
	struct xt_arena *ar = xt_sema_arena(s);
	int found = 0;
	for (size_t i = 0; i < e->nnotes; i++) {
		const struct xt_usdt_note *nt = &e->notes[i];
		if (fnmatch(prov, nt->provider, 0) != 0 || fnmatch(name, nt->name, 0) != 0)
			continue;
		found++;
		if (nt->pc_off < 0) {
			xt_diag_error(xt_sema_diags(s), at->loc, "usdt %s:%s in %s is outside the loaded segments",
				      nt->provider, nt->name, e->path);
			return -1;
		}
		struct usdt_site *us = xt_arena_alloc(ar, sizeof(*us));
		us->path = xt_arena_strdup(ar, e->path);
		us->pc_off = nt->pc_off;
		us->sem_off = nt->sem_off;
		us->pid = pid;
		us->argtext = xt_arena_strdup(ar, nt->args);
		us->nargs = parse_args(nt->args, us->args, USDT_MAX_ARGS);
		xt_probe_add_site(s, p, xt_arena_printf(ar, "usdt:%s:%s:%s", e->path, nt->provider, nt->name),
				  xt_arena_printf(ar, "%s:%s", nt->provider, nt->name), nt->pc_off, us);
	}
	return found;
}

struct star_ctx {
	struct xt_sema *s;
	struct xt_probe_info *p;
	struct xt_node *at;
	const char *prov, *name;
	pid_t pid;
};

static int star_file(const struct xt_elf *e, void *arg)
{
	struct star_ctx *c = arg;
	return expand_file(c->s, c->p, c->at, e, c->prov, c->name, c->pid);
}

/* usdt:*:[PROVIDER:]NAME: the notes of every file `*` stands for (stdlib/elf_deps.h) */
static int expand_star(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *prov,
		       const char *name, pid_t pid)
{
	const struct xt_sema_opts *o = &xt_sema_program(s)->opts;
	struct star_ctx c = { s, p, at, prov, name, pid };
	int found = xt_elf_star_each(pid, o->cpid, o->cmd, star_file, &c);
	if (found == 0 && !strpbrk(prov, "*?[") && !strpbrk(name, "*?["))
		return xt_probe_missing(s, p, at, "no USDT probe %s%s%s in the files %s", strcmp(prov, "*") ? prov : "",
					strcmp(prov, "*") ? ":" : "", name, xt_elf_star_what(pid, o->cpid, o->cmd));
	return found < 0 ? -1 : 0;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *bin, *prov, *name;
	if (split(ar, spec, &bin, &prov, &name) < 0) {
		xt_diag_error(dg, at->loc, "usdt probes are written usdt:BINARY:[PROVIDER:]NAME");
		return -1;
	}
	pid_t pid = xt_sema_program(s)->opts.target_pid > 0 ? xt_sema_program(s)->opts.target_pid : -1;
	if (!*bin && pid < 0) {
		xt_diag_error(dg, at->loc, "a usdt probe without a binary (usdt::PROVIDER:NAME) needs -p PID: "
			      "it means the files that process maps");
		return -1;
	}
	if (!*bin || strcmp(bin, "*") == 0)
		return expand_star(s, p, at, prov, name, pid);
	char path[4096];
	const struct xt_elf *e = xt_elf_for_probe(s, at, bin, path, sizeof(path));
	if (!e)
		return -1;
	int found = expand_file(s, p, at, e, prov, name, pid);
	if (found < 0)
		return -1;
	if (!found && !strpbrk(spec, "*?[")) {
		if (!e->nnotes)
			xt_diag_error(dg, at->loc, "%s has no USDT probes (no .note.stapsdt notes)", path);
		else
			xt_diag_error(dg, at->loc, "no USDT probe %s%s%s in %s (xtrace -l 'usdt:%s:*' lists them)",
				      strcmp(prov, "*") ? prov : "", strcmp(prov, "*") ? ":" : "", name, path, path);
		return -1;
	}
	return 0;
}

static const struct xt_type *ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	int i = xt_ctx_argn(n);
	if (i < 0) {
		xt_diag_error(dg, n->loc, "usdt probes have arg0, arg1, ..., not %s", n->name);
		return NULL;
	}
	const struct xt_type *t = NULL;
	for (int j = 0; j < p->nsites; j++) {
		const struct usdt_site *us = p->sites[j].data;
		if (us->nargs < 0) {
			xt_diag_error(dg, n->loc, "%s has an argument this version cannot read: '%s'", p->sites[j].name, us->argtext);
			return NULL;
		}
		if (i >= us->nargs) {
			xt_diag_error(dg, n->loc, "%s has %d argument%s", p->sites[j].name, us->nargs, us->nargs == 1 ? "" : "s");
			return NULL;
		}
		const struct xt_type *u = xt_type_int(us->args[i].size, us->args[i].sign);
		t = !t || xt_type_eq(t, u) ? u : us->args[i].sign ? &xt_s64 : &xt_u64;
	}
	return t;
}

/* The value of one argument of one site, widened to i64. */
static LLVMValueRef read_arg(struct xt_cg *cg, const struct usdt_arg *a)
{
	if (a->loc == U_CONST)
		return xt_cg_i64(cg, a->val);
	LLVMValueRef v = xt_ctx_reg(cg, a->reg);
	int size = a->size;
	if (a->loc == U_MEM) {
		LLVMValueRef buf = xt_cg_buf(cg, 8, "usdt_arg");
		LLVMValueRef addr = LLVMBuildIntToPtr(cg->b, LLVMBuildAdd(cg->b, v, xt_cg_i64(cg, a->val), ""), cg->ptr, "");
		LLVMValueRef args[] = { buf, xt_cg_i64(cg, size), addr };
		xt_cg_helper(cg, XT_H_READ_USER, false, args, 3);
		v = LLVMBuildLoad2(cg->b, cg->i64, buf, "");
	} else if (a->reg_size < size) {
		size = a->reg_size;
	}
	if (size < 8) {
		v = LLVMBuildTrunc(cg->b, v, LLVMIntTypeInContext(cg->ctx, (unsigned)size * 8), "");
		v = a->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
	}
	return v;
}

static bool same_arg(const struct usdt_arg *a, const struct usdt_arg *b)
{
	return a->size == b->size && a->sign == b->sign && a->loc == b->loc && a->reg == b->reg &&
	       a->reg_size == b->reg_size && a->val == b->val;
}

static LLVMValueRef emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_probe_info *p = cg->probe;
	int i = xt_ctx_argn(n);
	const struct usdt_site *first = p->sites[0].data;
	bool same = true;
	for (int j = 1; j < p->nsites && same; j++)
		same = same_arg(&first->args[i], &((const struct usdt_site *)p->sites[j].data)->args[i]);
	if (same)
		return read_arg(cg, &first->args[i]);
	/* sites disagree on where the argument lives: choose by the site that fired */
	LLVMValueRef site = xt_cg_site(cg);
	LLVMBasicBlockRef done = xt_cg_block(cg, "usdt_arg_done");
	LLVMValueRef *vals = calloc((size_t)p->nsites + 1, sizeof(*vals));
	LLVMBasicBlockRef *from = calloc((size_t)p->nsites + 1, sizeof(*from));
	for (int j = 0; j < p->nsites; j++) {
		LLVMBasicBlockRef yes = xt_cg_block(cg, "usdt_site"), no = xt_cg_block(cg, "usdt_next");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, site, xt_cg_i64(cg, p->sites[j].id), ""), yes, no);
		LLVMPositionBuilderAtEnd(cg->b, yes);
		vals[j] = read_arg(cg, &((const struct usdt_site *)p->sites[j].data)->args[i]);
		from[j] = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, no);
	}
	vals[p->nsites] = xt_cg_i64(cg, 0);
	from[p->nsites] = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "usdt_arg");
	LLVMAddIncoming(phi, vals, from, (unsigned)p->nsites + 1);
	free(vals);
	free(from);
	return phi;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	for (int i = 0; i < p->nsites; i++) {
		const struct usdt_site *us = p->sites[i].data;
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = (uint64_t)p->sites[i].id,
			    .ref_ctr_offset = us->sem_off > 0 ? (size_t)us->sem_off : 0);
		struct bpf_link *l = bpf_program__attach_uprobe_opts(rp->prog, us->pid, us->path, (size_t)us->pc_off, &opts);
		int rc = xt_rt_keep_link(rt, rp, p->sites[i].name, l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void list_notes(const struct xt_elf *e, const char *prov, const char *name, bool verbose,
		       void (*cb)(const char *, const char *, void *), void *ctx);

/* -l usdt:BIN[:[PROVIDER:]NAME] (BIN `*`: the files running processes map) */
static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	const char *c1 = spec ? strchr(spec, ':') : NULL;
	if (!c1) /* BINARY:[PROVIDER:]NAME */
		return -EINVAL;
	char bin[4096], path[4096];
	snprintf(bin, sizeof(bin), "%.*s", (int)(c1 - spec), spec);
	const char *rest = c1 && c1[1] ? c1 + 1 : "*";
	const char *c2 = strchr(rest, ':');
	char prov[256];
	snprintf(prov, sizeof(prov), "%.*s", (int)(c2 ? (size_t)(c2 - rest) : 1), c2 ? rest : "*");
	const char *name = c2 ? c2 + 1 : rest;
	if (strcmp(bin, "*") == 0) { /* the files running processes map */
		char **files;
		int nf = xt_elf_star_files(0, NULL, &files);
		for (int i = 0; i < nf; i++) {
			const struct xt_elf *e = xt_elf_get(files[i]);
			if (e)
				list_notes(e, prov, name, verbose, cb, ctx);
		}
		xt_elf_star_free(files, nf);
		return 0;
	}
	const struct xt_elf *e = xt_elf_resolve(bin, path, sizeof(path)) == 0 ? xt_elf_get(path) : NULL;
	if (!e)
		return -ENOENT;
	list_notes(e, prov, name, verbose, cb, ctx);
	return 0;
}

/* The notes of e matching prov:name. */
static void list_notes(const struct xt_elf *e, const char *prov, const char *name, bool verbose,
		       void (*cb)(const char *, const char *, void *), void *ctx)
{
	for (size_t i = 0; i < e->nnotes; i++) {
		const struct xt_usdt_note *nt = &e->notes[i];
		if (fnmatch(prov, nt->provider, 0) != 0 || fnmatch(name, nt->name, 0) != 0)
			continue;
		char full[8192], detail[1024] = "";
		snprintf(full, sizeof(full), "usdt:%s:%s:%s", e->path, nt->provider, nt->name);
		if (verbose) {
			struct usdt_arg args[USDT_MAX_ARGS];
			int n = parse_args(nt->args, args, USDT_MAX_ARGS);
			size_t off = 0;
			for (int k = 0; k < n && off < sizeof(detail); k++) {
				int w = snprintf(detail + off, sizeof(detail) - off, "    %sint%d arg%d\n",
						 args[k].sign ? "" : "u", args[k].size * 8, k);
				if (w < 0)
					break;
				off += (size_t)w;
			}
		}
		cb(full, detail, ctx);
	}
}

const struct xt_provider xt_prov_usdt = {
	.name = "usdt", .alias = "U", .section = "uprobe", .flags = XT_PROVF_CTX_ARGN | XT_PROVF_CTX_REGS,
	.help = "usdt:BINARY:[PROVIDER:]NAME: a statically defined user probe (.note.stapsdt); arg0.. as the note says",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .attach = attach, .list = list,
};

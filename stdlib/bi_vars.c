/* Builtin variables: the current task, time, CPU, the probe that fired. */
#include "codegen/cg.h"
#include "stdlib/registry.h"

static const struct xt_type *type_u64(struct xt_sema *s, struct xt_node *n) { return &xt_u64; }
static const struct xt_type *type_u32(struct xt_sema *s, struct xt_node *n) { return &xt_u32; }

static LLVMValueRef emit_pid(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildLShr(cg->b, xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0), xt_cg_i64(cg, 32), "pid");
}

static LLVMValueRef emit_tid(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildAnd(cg->b, xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0), xt_cg_i64(cg, 0xffffffff), "tid");
}

static LLVMValueRef emit_uid(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildAnd(cg->b, xt_cg_helper(cg, XT_H_UID_GID, false, NULL, 0), xt_cg_i64(cg, 0xffffffff), "uid");
}

static LLVMValueRef emit_gid(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildLShr(cg->b, xt_cg_helper(cg, XT_H_UID_GID, false, NULL, 0), xt_cg_i64(cg, 32), "gid");
}

static const struct xt_type *type_comm(struct xt_sema *s, struct xt_node *n)
{
	return xt_type_str(xt_sema_arena(s), 16);
}

static LLVMValueRef emit_comm(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef buf = xt_cg_buf(cg, 16, "comm");
	LLVMValueRef args[] = { buf, xt_cg_i64(cg, 16) };
	xt_cg_helper(cg, XT_H_COMM, false, args, 2);
	return buf;
}

static LLVMValueRef emit_nsecs(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_helper(cg, XT_H_KTIME, false, NULL, 0);
}

static LLVMValueRef emit_cpu(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_helper(cg, XT_H_CPU, false, NULL, 0);
}

static const struct xt_type *type_probe(struct xt_sema *s, struct xt_node *n) { return &xt_probe_type; }

static LLVMValueRef emit_probe(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_site(cg);
}

static const struct xt_type *type_cpid(struct xt_sema *s, struct xt_node *n)
{
	if (xt_sema_program(s)->opts.cpid <= 0) {
		xt_diag_error(xt_sema_diags(s), n->loc, "cpid is only known with -c CMD");
		return NULL;
	}
	return &xt_u32;
}

static LLVMValueRef emit_cpid(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_i64(cg, cg->prog->opts.cpid);
}

static const struct xt_type *type_args(struct xt_sema *s, struct xt_node *n)
{
	struct xt_probe_info *p = xt_sema_probe(s);
	if (!p->prov->ctx_type) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s probes have no args", p->prov->name);
		return NULL;
	}
	return p->prov->ctx_type(s, p, n);
}

static LLVMValueRef emit_args(struct xt_cg *cg, struct xt_node *n)
{
	return cg->probe->prov->emit_ctx(cg, n);
}

#define VAR(sym, nm, chk, em, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_VAR, .check = chk, .emit = em, .help = hlp }

VAR(xt_bi_pid, "pid", type_u32, emit_pid, "process id (tgid) of the current task");
VAR(xt_bi_tid, "tid", type_u32, emit_tid, "thread id of the current task");
VAR(xt_bi_uid, "uid", type_u32, emit_uid, "user id of the current task");
VAR(xt_bi_gid, "gid", type_u32, emit_gid, "group id of the current task");
VAR(xt_bi_comm, "comm", type_comm, emit_comm, "name of the current task (string[16])");
VAR(xt_bi_nsecs, "nsecs", type_u64, emit_nsecs, "nanoseconds since boot (monotonic)");
VAR(xt_bi_cpu, "cpu", type_u32, emit_cpu, "CPU the probe runs on");
VAR(xt_bi_probe, "probe", type_probe, emit_probe, "full name of the probe that fired");
VAR(xt_bi_cpid, "cpid", type_cpid, emit_cpid, "pid of the -c command");
const struct xt_builtin xt_bi_args = { .name = "args", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = type_args, .emit = emit_args, .help = "the probe's arguments (tracepoint fields: args.NAME)" };

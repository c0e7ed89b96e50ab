/* Builtin variables: the current task, time, CPU, the probe that fired. */
#include <string.h>
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

/* --- the current task's family, time, randomness -------------------------- */

#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "runtime/print.h"
#include "stdlib/btf_args.h"
#include "stdlib/btf_types.h"

/* The byte offset of `member` in `struct sname` from vmlinux BTF, or -1. */
static int btf_member_off(const char *sname, const char *member)
{
	struct btf *btf = xt_btf_get(NULL);
	if (!btf)
		return -1;
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (strcmp(btf__name_by_offset(btf, m->name_off), member) == 0)
			return (int)(btf_member_bit_offset(t, i) / 8);
	return -1;
}

static int ppid_offs[2] = { -1, -1 };

static const struct xt_type *type_ppid(struct xt_sema *s, struct xt_node *n)
{
	if (ppid_offs[0] < 0) {
		ppid_offs[0] = btf_member_off("task_struct", "real_parent");
		ppid_offs[1] = btf_member_off("task_struct", "tgid");
	}
	if (ppid_offs[0] < 0 || ppid_offs[1] < 0) {
		xt_diag_error(xt_sema_diags(s), n->loc, "ppid needs the kernel's BTF (/sys/kernel/btf/vmlinux), which is missing");
		return NULL;
	}
	return &xt_u32;
}

/* Reads `size` bytes of kernel memory at ptr + off into a zeroed buffer. */
static LLVMValueRef kread(struct xt_cg *cg, LLVMValueRef ptr, int off, int size)
{
	LLVMValueRef buf = xt_cg_buf(cg, 8, "kread");
	LLVMValueRef src = LLVMBuildIntToPtr(cg->b, LLVMBuildAdd(cg->b, ptr, xt_cg_i64(cg, off), ""), cg->ptr, "");
	LLVMValueRef args[] = { buf, xt_cg_i64(cg, size), src };
	xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
	return xt_cg_load(cg, buf, size == 4 ? &xt_u32 : &xt_u64);
}

static LLVMValueRef emit_ppid(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef task = xt_cg_helper(cg, XT_H_CURRENT_TASK, false, NULL, 0);
	LLVMValueRef parent = kread(cg, task, ppid_offs[0], 8);
	return kread(cg, parent, ppid_offs[1], 4);
}

static LLVMValueRef emit_curtask(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_helper(cg, XT_H_CURRENT_TASK, false, NULL, 0);
}

static LLVMValueRef emit_cgroup(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_helper(cg, XT_H_CGROUP_ID, false, NULL, 0);
}

static LLVMValueRef emit_jiffies(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_helper(cg, XT_H_JIFFIES, false, NULL, 0);
}

static LLVMValueRef emit_rand(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildAnd(cg->b, xt_cg_helper(cg, XT_H_PRANDOM, false, NULL, 0), xt_cg_i64(cg, 0xffffffff), "rand");
}

static LLVMValueRef emit_ncpus(struct xt_cg *cg, struct xt_node *n)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	return xt_cg_i64(cg, online > 0 ? online : 1);
}

/* elapsed: nanoseconds since the program was compiled, which is when xtrace
 * started for all practical purposes (CLOCK_MONOTONIC is bpf_ktime_get_ns's clock). */
static LLVMValueRef emit_elapsed(struct xt_cg *cg, struct xt_node *n)
{
	static int64_t start;
	if (!start) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		start = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	return LLVMBuildSub(cg->b, xt_cg_helper(cg, XT_H_KTIME, false, NULL, 0), xt_cg_i64(cg, start), "elapsed");
}

/* curtask: a struct task_struct * where the kernel has BTF, an address otherwise. */
static const struct xt_type *type_curtask(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_btf_struct_ptr("task_struct");
	return t ? t : &xt_u64;
}

/* username: the uid, printed as its user's name (the number when it has none) */
static void username_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	uint64_t uid = xt_render_u64(p);
	struct passwd pw, *res = NULL;
	char buf[1024];
	out->kind = XT_VAL_STR;
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		out->s = xt_arena_strdup(ar, pw.pw_name);
	else
		out->s = xt_arena_printf(ar, "%llu", (unsigned long long)uid);
}

static const struct xt_render username_render = { .name = "username", .printf_s = true, .decode = username_decode };
static const struct xt_type username_type = { .kind = XT_T_RENDERED, .size = 8, .render = &username_render };

static const struct xt_type *type_username(struct xt_sema *s, struct xt_node *n) { return &username_type; }

VAR(xt_bi_ppid, "ppid", type_ppid, emit_ppid, "process id of the current task's parent");
VAR(xt_bi_curtask, "curtask", type_curtask, emit_curtask, "the current task (struct task_struct *)");
VAR(xt_bi_cgroup, "cgroup", type_u64, emit_cgroup, "cgroup v2 id of the current task");
VAR(xt_bi_jiffies, "jiffies", type_u64, emit_jiffies, "the kernel's jiffies counter");
VAR(xt_bi_rand, "rand", type_u32, emit_rand, "a pseudo-random 32-bit number");
VAR(xt_bi_ncpus, "ncpus", type_u64, emit_ncpus, "number of online CPUs");
VAR(xt_bi_elapsed, "elapsed", type_u64, emit_elapsed, "nanoseconds since xtrace started");
VAR(xt_bi_username, "username", type_username, emit_uid, "name of the current task's user");

/* Builtin variables: the current task, time, CPU, the probe that fired. */
#include <string.h>
#include <time.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"

static const struct xt_type *type_u64(struct xt_sema *s, struct xt_node *n) { return &xt_u64; }
static const struct xt_type *type_u32(struct xt_sema *s, struct xt_node *n) { return &xt_u32; }

/* pid, tid [(init)|(curr_ns)] (bpftrace 0.24): in the init PID namespace,
 * or in xtrace's own (curr_ns, the default, as in bpftrace 0.23 on). When
 * xtrace runs in the init namespace the two are one: the load-time value
 * xt_pidns_ino is 0 and the verifier, reading it from the frozen .rodata,
 * drops the namespace helper's branch. Elsewhere bpf_get_ns_current_pid_tgid
 * gives the task's ids in xtrace's namespace (0 for a task outside it). */
enum { PIDNS_CURR, PIDNS_INIT };

static const struct xt_type *type_pid(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	if (!a)
		return &xt_u32;
	if (a->kind == XT_N_IDENT && (strcmp(a->name, "curr_ns") == 0 || strcmp(a->name, "init") == 0)) {
		a->aux = strcmp(a->name, "init") == 0 ? PIDNS_INIT : PIDNS_CURR;
		return &xt_u32;
	}
	xt_diag_error(xt_sema_diags(s), a->loc, "%s() takes a PID namespace: init or curr_ns", n->name);
	return NULL;
}

/* (tgid << 32 | pid) of the current task, in the namespace n asks for */
static LLVMValueRef pid_tgid(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef init = xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0);
	if (n->list && n->list->aux == PIDNS_INIT)
		return init;
	LLVMBasicBlockRef from = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef ns = xt_cg_block(cg, "pidns"), done = xt_cg_block(cg, "pidns_done");
	LLVMValueRef ino = xt_cg_load_param(cg, XT_PARAM_PIDNS_INO);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ino, xt_cg_i64(cg, 0), ""), done, ns);
	LLVMPositionBuilderAtEnd(cg->b, ns);
	LLVMValueRef buf = xt_cg_buf(cg, 8, "pidns_info"); /* struct bpf_pidns_info { u32 pid, tgid; } */
	LLVMValueRef args[] = { xt_cg_load_param(cg, XT_PARAM_PIDNS_DEV), ino, buf,
				LLVMConstInt(LLVMInt32TypeInContext(cg->ctx), 8, 0) };
	xt_cg_helper(cg, XT_H_NS_PID_TGID, false, args, 4);
	LLVMValueRef info = LLVMBuildLoad2(cg->b, cg->i64, buf, "");
	LLVMValueRef in_ns = LLVMBuildOr(cg->b, LLVMBuildShl(cg->b, info, xt_cg_i64(cg, 32), ""),
					 LLVMBuildLShr(cg->b, info, xt_cg_i64(cg, 32), ""), "");
	LLVMBasicBlockRef ns_end = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "pid_tgid");
	LLVMValueRef vals[] = { init, in_ns };
	LLVMBasicBlockRef froms[] = { from, ns_end };
	LLVMAddIncoming(phi, vals, froms, 2);
	return phi;
}

static LLVMValueRef emit_pid(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildLShr(cg->b, pid_tgid(cg, n), xt_cg_i64(cg, 32), "pid");
}

static LLVMValueRef emit_tid(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildAnd(cg->b, pid_tgid(cg, n), xt_cg_i64(cg, 0xffffffff), "tid");
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

/* nsecs([clock]): monotonic (the default, bpf_ktime_get_ns; bpftrace 0.26's
 * default is boot), boot (bpf_ktime_get_boot_ns: counts suspend), tai
 * (bpf_ktime_get_tai_ns, kernel 6.1), sw_tai (boot time plus TAI's offset
 * from it, taken when the program is loaded, for kernels without the tai
 * helper). */
enum { CLOCK_MONO, CLOCK_BOOT, CLOCK_TAI_HELPER, CLOCK_SW_TAI };
static const char *const clock_names[] = { "monotonic", "boot", "tai", "sw_tai" };

static const struct xt_type *type_nsecs(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	if (!a)
		return &xt_u64;
	for (int i = 0; i < 4; i++)
		if (a->kind == XT_N_IDENT && strcmp(a->name, clock_names[i]) == 0) {
			a->aux = i;
			return &xt_u64;
		}
	xt_diag_error(xt_sema_diags(s), a->loc, "nsecs() takes a clock: monotonic, boot, tai or sw_tai");
	return NULL;
}

static LLVMValueRef emit_nsecs(struct xt_cg *cg, struct xt_node *n)
{
	switch (n->list ? n->list->aux : CLOCK_MONO) {
	case CLOCK_BOOT:
		return xt_cg_helper(cg, XT_H_KTIME_BOOT, false, NULL, 0);
	case CLOCK_TAI_HELPER:
		return xt_cg_helper(cg, XT_H_KTIME_TAI, false, NULL, 0);
	case CLOCK_SW_TAI:
		return LLVMBuildAdd(cg->b, xt_cg_helper(cg, XT_H_KTIME_BOOT, false, NULL, 0),
			xt_cg_load_param(cg, XT_PARAM_TAI_OFF), "sw_tai");
	default:
		return xt_cg_helper(cg, XT_H_KTIME, false, NULL, 0);
	}
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

const struct xt_builtin xt_bi_pid = { .name = "pid", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.check = type_pid, .emit = emit_pid,
	.help = "pid, pid(init|curr_ns): process id (tgid) of the current task, in xtrace's PID namespace or the init one" };
const struct xt_builtin xt_bi_tid = { .name = "tid", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.check = type_pid, .emit = emit_tid,
	.help = "tid, tid(init|curr_ns): thread id of the current task, in xtrace's PID namespace or the init one" };
VAR(xt_bi_uid, "uid", type_u32, emit_uid, "user id of the current task");
VAR(xt_bi_gid, "gid", type_u32, emit_gid, "group id of the current task");
VAR(xt_bi_comm, "comm", type_comm, emit_comm, "name of the current task (string[16])");
const struct xt_builtin xt_bi_nsecs = { .name = "nsecs", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.check = type_nsecs, .emit = emit_nsecs,
	.help = "nsecs, nsecs(monotonic|boot|tai|sw_tai): nanoseconds on a kernel clock (default monotonic)" };
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

/* The task family: ppid, pcomm (via real_parent), leader_tid, leader_comm
 * (via group_leader), each of the current task or of a task given as
 * argument (bpftrace 0.24-0.26: `ppid(curtask->real_parent)`). Offsets come
 * from vmlinux BTF, looked up once. */
enum { OFF_REAL_PARENT, OFF_GROUP_LEADER, OFF_TGID, OFF_PID, OFF_COMM, NOFFS };
static int task_offs[NOFFS] = { -2 };

static const struct xt_type *task_check(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	static const char *const members[NOFFS] = { "real_parent", "group_leader", "tgid", "pid", "comm" };
	if (task_offs[0] == -2)
		for (int i = 0; i < NOFFS; i++)
			task_offs[i] = btf_member_off("task_struct", members[i]);
	for (int i = 0; i < NOFFS; i++)
		if (task_offs[i] < 0) {
			xt_diag_error(xt_sema_diags(s), n->loc, "%s needs the kernel's BTF (/sys/kernel/btf/vmlinux), which is missing",
				      n->name);
			return NULL;
		}
	if (n->list) {
		const struct xt_type *at = xt_sema_expr(s, n->list);
		if (!at)
			return NULL;
		if (at->kind != XT_T_PTR && (!xt_type_is_int(at) || at->kind == XT_T_BOOL)) {
			xt_diag_error(xt_sema_diags(s), n->list->loc, "%s() takes a task (struct task_struct *), not %s",
				      n->name, xt_type_name(xt_sema_arena(s), at));
			return NULL;
		}
	}
	return t;
}

static const struct xt_type *type_task_u32(struct xt_sema *s, struct xt_node *n) { return task_check(s, n, &xt_u32); }

static const struct xt_type *type_task_comm(struct xt_sema *s, struct xt_node *n)
{
	return task_check(s, n, xt_type_str(xt_sema_arena(s), 16));
}

/* Reads `size` bytes of kernel memory at ptr + off into a zeroed buffer. */
static LLVMValueRef kread_buf(struct xt_cg *cg, LLVMValueRef ptr, int off, int size)
{
	LLVMValueRef buf = xt_cg_buf(cg, size < 8 ? 8 : size, "kread");
	LLVMValueRef src = LLVMBuildIntToPtr(cg->b, LLVMBuildAdd(cg->b, ptr, xt_cg_i64(cg, off), ""), cg->ptr, "");
	LLVMValueRef args[] = { buf, xt_cg_i64(cg, size), src };
	xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
	return buf;
}

static LLVMValueRef kread(struct xt_cg *cg, LLVMValueRef ptr, int off, int size)
{
	return xt_cg_load(cg, kread_buf(cg, ptr, off, size), size == 4 ? &xt_u32 : &xt_u64);
}

/* The task the call is about: its argument, or the current task. */
static LLVMValueRef task_of(struct xt_cg *cg, struct xt_node *n)
{
	return n->list ? xt_cg_expr(cg, n->list) : xt_cg_helper(cg, XT_H_CURRENT_TASK, false, NULL, 0);
}

static LLVMValueRef emit_ppid(struct xt_cg *cg, struct xt_node *n)
{
	return kread(cg, kread(cg, task_of(cg, n), task_offs[OFF_REAL_PARENT], 8), task_offs[OFF_TGID], 4);
}

static LLVMValueRef emit_pcomm(struct xt_cg *cg, struct xt_node *n)
{
	return kread_buf(cg, kread(cg, task_of(cg, n), task_offs[OFF_REAL_PARENT], 8), task_offs[OFF_COMM], 16);
}

static LLVMValueRef emit_leader_tid(struct xt_cg *cg, struct xt_node *n)
{
	return kread(cg, kread(cg, task_of(cg, n), task_offs[OFF_GROUP_LEADER], 8), task_offs[OFF_PID], 4);
}

static LLVMValueRef emit_leader_comm(struct xt_cg *cg, struct xt_node *n)
{
	return kread_buf(cg, kread(cg, task_of(cg, n), task_offs[OFF_GROUP_LEADER], 8), task_offs[OFF_COMM], 16);
}

#define TASKFN(sym, nm, chk, em, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1, \
		.check = chk, .emit = em, .help = hlp }

TASKFN(xt_bi_ppid, "ppid", type_task_u32, emit_ppid, "ppid, ppid(task): process id of the task's parent (real_parent)");
TASKFN(xt_bi_pcomm, "pcomm", type_task_comm, emit_pcomm, "pcomm, pcomm(task): name of the task's parent (real_parent)");
TASKFN(xt_bi_leader_tid, "leader_tid", type_task_u32, emit_leader_tid,
       "leader_tid, leader_tid(task): thread id of the task's thread-group leader");
TASKFN(xt_bi_leader_comm, "leader_comm", type_task_comm, emit_leader_comm,
       "leader_comm, leader_comm(task): name of the task's thread-group leader");

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
	return xt_cg_load_param(cg, XT_PARAM_NCPUS);
}

/* elapsed: nanoseconds since xtrace started (CLOCK_MONOTONIC is
 * bpf_ktime_get_ns's clock; the runtime gives the start when it loads). */
static LLVMValueRef emit_elapsed(struct xt_cg *cg, struct xt_node *n)
{
	return LLVMBuildSub(cg->b, xt_cg_helper(cg, XT_H_KTIME, false, NULL, 0),
		xt_cg_load_param(cg, XT_PARAM_START_NS), "elapsed");
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

VAR(xt_bi_curtask, "curtask", type_curtask, emit_curtask, "the current task (struct task_struct *)");
VAR(xt_bi_cgroup, "cgroup", type_u64, emit_cgroup, "cgroup v2 id of the current task");
VAR(xt_bi_jiffies, "jiffies", type_u64, emit_jiffies, "the kernel's jiffies counter");
VAR(xt_bi_rand, "rand", type_u32, emit_rand, "a pseudo-random 32-bit number");
const struct xt_builtin xt_bi_ncpus = { .name = "ncpus", .kind = XT_BI_VAR, .check = type_u64,
	.emit = emit_ncpus, .help = "number of online CPUs" };
const struct xt_builtin xt_bi_elapsed = { .name = "elapsed", .kind = XT_BI_VAR,
	.check = type_u64, .emit = emit_elapsed, .help = "nanoseconds since xtrace started" };
VAR(xt_bi_username, "username", type_username, emit_uid, "name of the current task's user");

/* --- comm(pid), cgroup_path(id): names user space looks up when printing ---
 * comm(pid) (bpftrace 0.25) reads the task through the bpf_task_from_pid
 * kfunc, which tracepoint, perf-event and uprobe programs cannot call; xtrace
 * reads /proc/PID/comm when the value prints instead, so it only prints
 * (like username) and is empty for a process gone by then. cgroup_path(id)
 * is bpftrace's `unified:PATH` of the cgroup v2 directory with that id
 * (its inode number), found under the cgroup2 mount when printed. */

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void comm_of_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	char path[64], name[64] = "";
	snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long)xt_render_u64(p));
	FILE *f = fopen(path, "re");
	if (f) {
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
	}
	name[strcspn(name, "\n")] = 0;
	out->kind = XT_VAL_STR;
	out->s = xt_arena_strdup(ar, name);
}

static const struct xt_render comm_of_render = { .name = "comm", .printf_s = true, .decode = comm_of_decode };
static const struct xt_type comm_of_type = { .kind = XT_T_RENDERED, .size = 8, .render = &comm_of_render };

static const struct xt_type *type_comm_fn(struct xt_sema *s, struct xt_node *n)
{
	if (!n->list)
		return type_comm(s, n);
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t) || t->kind == XT_T_BOOL) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "comm() takes a process id, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return &comm_of_type;
}

static LLVMValueRef emit_comm_fn(struct xt_cg *cg, struct xt_node *n)
{
	return n->list ? xt_cg_expr(cg, n->list) : emit_comm(cg, n);
}

/* The cgroup2 mount point, from /proc/self/mountinfo; NULL when none. */
static const char *cgroup2_root(void)
{
	static char root[512];
	if (root[0])
		return root;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[2048];
	while (f && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - TYPE SOURCE SUPEROPTS */
		char mnt[512], type[64];
		const char *dash = strstr(line, " - ");
		if (dash && sscanf(dash, " - %63s", type) == 1 && strcmp(type, "cgroup2") == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1) {
			snprintf(root, sizeof(root), "%s", mnt);
			break;
		}
	}
	if (f)
		fclose(f);
	return root[0] ? root : NULL;
}

/* Depth-first under dir (path, len bytes used) for the directory whose inode is id. */
static bool find_inode(char *path, size_t len, size_t cap, uint64_t id, dev_t dev)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		size_t n = (size_t)snprintf(path + len, cap - len, "/%s", e->d_name);
		if (n >= cap - len)
			continue;
		struct stat st;
		if (lstat(path, &st) < 0 || st.st_dev != dev)
			continue;
		found = (uint64_t)st.st_ino == id || find_inode(path, len + n, cap, id, dev);
	}
	closedir(d);
	if (!found)
		path[len] = 0;
	return found;
}

static void cgroup_path_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	uint64_t id = xt_render_u64(p);
	const char *root = cgroup2_root();
	char path[4096];
	struct stat st;
	out->kind = XT_VAL_STR;
	out->s = "";
	if (!root || (t->rfmt && fnmatch(t->rfmt, "unified", 0) != 0) || stat(root, &st) < 0)
		return;
	size_t len = (size_t)snprintf(path, sizeof(path), "%s", root);
	if ((uint64_t)st.st_ino == id)
		out->s = "unified:/";
	else if (find_inode(path, len, sizeof(path), id, st.st_dev))
		out->s = xt_arena_printf(ar, "unified:%s", path + len);
}

static const struct xt_render cgroup_path_render = { .name = "cgroup_path", .printf_s = true, .decode = cgroup_path_decode };

static const struct xt_type *type_cgroup_path(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t) || t->kind == XT_T_BOOL) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "cgroup_path() takes a cgroup id, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	struct xt_node *filter = n->list->next;
	if (filter && filter->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), filter->loc, "cgroup_path() takes a string literal as its hierarchy filter");
		return NULL;
	}
	struct xt_type *r = (struct xt_type *)xt_type_rendered(xt_sema_arena(s), &cgroup_path_render, 8);
	r->rfmt = filter ? filter->sval : NULL;
	return r;
}

static LLVMValueRef emit_first_arg(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_expr(cg, n->list);
}

const struct xt_builtin xt_bi_comm_fn = { .name = "comm", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.check = type_comm_fn, .emit = emit_comm_fn,
	.help = "comm(), comm(pid): name of the current task, or of process pid (read from /proc when printed)" };
const struct xt_builtin xt_bi_cgroup_path = { .name = "cgroup_path", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.check = type_cgroup_path, .emit = emit_first_arg,
	.help = "cgroup_path(id[, filter]): the cgroup v2 path of cgroup id, printed as unified:PATH" };

/* --- the probe: its type, its mode; the -c command; the NUMA node --------- */

#include "stdlib/ctx.h"

/* probetype: the provider's name, "special" for begin/end (bpftrace 0.25),
 * folded into a string literal. */
static const struct xt_type *type_probetype(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_provider *prov = xt_sema_probe(s)->prov;
	n->kind = XT_N_STR;
	n->sval = prov->flags & (XT_PROVF_BEGIN | XT_PROVF_END | XT_PROVF_SELF) ? "special" : prov->name;
	n->slen = strlen(n->sval);
	return xt_type_str(xt_sema_arena(s), (int)n->slen + 1);
}

/* has_cpid: whether a -c command runs (bpftrace 0.25's docs; its stdlib
 * defines it as `cpid == 0`, the inverse), folded into a bool literal. */
static const struct xt_type *type_has_cpid(struct xt_sema *s, struct xt_node *n)
{
	n->kind = XT_N_BOOL;
	n->ival = xt_sema_program(s)->opts.cpid > 0;
	return &xt_bool;
}

/* usermode: 1 when the probe interrupted user code (x86_64: the low two bits
 * of the saved cs are the privilege level, 3 for user). Read from pt_regs
 * where the context is one; begin/end run from user space (1); other probes
 * fire in the kernel (0), as bpftrace 0.24 folds them. */
static const struct xt_type *type_usermode(struct xt_sema *s, struct xt_node *n)
{
#if XT_HAVE_REGS
	return &xt_u8;
#else
	xt_diag_error(xt_sema_diags(s), n->loc, "usermode is only supported on x86_64");
	return NULL;
#endif
}

static LLVMValueRef emit_usermode(struct xt_cg *cg, struct xt_node *n)
{
#if XT_HAVE_REGS
	unsigned flags = cg->probe->prov->flags;
	if (flags & XT_PROVF_CTX_REGS) {
		LLVMValueRef ring = LLVMBuildAnd(cg->b, xt_ctx_reg(cg, XT_REGS_CS), xt_cg_i64(cg, 3), "");
		return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ring, xt_cg_i64(cg, 3), ""), cg->i64, "usermode");
	}
	return xt_cg_i64(cg, (flags & (XT_PROVF_BEGIN | XT_PROVF_END)) ? 1 : 0);
#else
	return xt_cg_i64(cg, 0);
#endif
}

static LLVMValueRef emit_numaid(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_helper(cg, XT_H_NUMA_NODE, false, NULL, 0);
}

/* never called: the check folds the node into a literal */
static LLVMValueRef emit_folded(struct xt_cg *cg, struct xt_node *n) { return xt_cg_expr(cg, n); }

VAR(xt_bi_probetype, "probetype", type_probetype, emit_folded, "the probe's type (tracepoint, uprobe, ...; special for begin/end)");
VAR(xt_bi_has_cpid, "has_cpid", type_has_cpid, emit_folded, "whether a -c command runs (cpid is known)");
const struct xt_builtin xt_bi_usermode = { .name = "usermode", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = type_usermode, .emit = emit_usermode, .help = "1 when the probe interrupted user-mode code (x86_64)" };
VAR(xt_bi_numaid, "numaid", type_u32, emit_numaid, "NUMA node of the CPU the probe runs on");

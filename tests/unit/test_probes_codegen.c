/* Probe types whose kernel support may be missing (kprobe, fentry) and the
 * ones that run here: the compiled object opens in libbpf with the right
 * program types and sections. The feature checks are bypassed with
 * XTRACE_ASSUME_KPROBES/FENTRY so the code generation is tested whatever
 * the kernel. Run with --verifier (ctest's test_probes_codegen_verifier),
 * the kernel loads each object: that needs root (without it the run exits
 * 77, a ctest skip), and a probe type this kernel cannot load at all (tried
 * with a two-instruction program) is skipped with its reason. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "repl/driver.h"
#include "stdlib/elf_syms.h"

struct compiled { struct xt_unit u; struct bpf_object *obj; };

static int compile(struct compiled *c, const char *text)
{
	struct xt_sema_opts so = { .max_strlen = 64, .max_map_keys = 4096 };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	int rc = xt_unit_compile(&c->u, "<test>", text, &so, 0, &dg);
	if (rc < 0)
		fprintf(stderr, "%s", dg.buf);
	xt_diags_fini(&dg);
	if (rc < 0)
		return -1;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "xtrace_test");
	c->obj = bpf_object__open_mem(c->u.compiled.elf, c->u.compiled.elf_size, &oo);
	return c->obj ? 0 : -1;
}

static void done(struct compiled *c)
{
	bpf_object__close(c->obj);
	xt_unit_free(&c->u);
}

static void check_prog(struct compiled *c, const char *section, enum bpf_prog_type type)
{
	struct bpf_program *p = bpf_object__find_program_by_name(c->obj, "probe_0");
	assert_non_null(p);
	assert_string_equal(bpf_program__section_name(p), section);
	assert_int_equal(bpf_program__type(p), type);
}

static void test_probes_kprobe_compiles(void **state)
{
	struct compiled c = { 0 };
	setenv("XTRACE_ASSUME_KPROBES", "1", 1);
	assert_int_equal(compile(&c, "kprobe:vfs_read { @[func] = count(); @a = sum(arg2); }"), 0);
	check_prog(&c, "kprobe", BPF_PROG_TYPE_KPROBE);
	done(&c);
	assert_int_equal(compile(&c, "kretprobe:vfs_read { @ = hist(retval); }"), 0);
	check_prog(&c, "kretprobe", BPF_PROG_TYPE_KPROBE);
	done(&c);
	unsetenv("XTRACE_ASSUME_KPROBES");
}

static void test_probes_fentry_compiles(void **state)
{
	struct compiled c = { 0 };
	setenv("XTRACE_ASSUME_FENTRY", "1", 1);
	assert_int_equal(compile(&c, "fentry:vfs_read { @ = sum(args.count); }"), 0);
	check_prog(&c, "fentry/vfs_read", BPF_PROG_TYPE_TRACING);
	assert_int_equal(bpf_program__expected_attach_type(bpf_object__find_program_by_name(c.obj, "probe_0")),
			 BPF_TRACE_FENTRY);
	done(&c);
	assert_int_equal(compile(&c, "fexit:vfs_read { @[retval > 0] = count(); }"), 0);
	check_prog(&c, "fexit/vfs_read", BPF_PROG_TYPE_TRACING);
	done(&c);
	unsetenv("XTRACE_ASSUME_FENTRY");
}

static void test_probes_missing_features_refused(void **state)
{
	if (access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	    access("/sys/bus/event_source/devices/kprobe", F_OK) == 0)
		skip();
	struct xt_unit u;
	struct xt_sema_opts so = { .max_strlen = 64, .max_map_keys = 4096 };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	assert_int_equal(xt_unit_compile(&u, "<test>", "kprobe:vfs_read { @ = count(); }", &so, 0, &dg), -1);
	assert_non_null(strstr(dg.buf, "kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is off)"));
	xt_diags_fini(&dg);
	xt_unit_free(&u);
}

static const struct { const char *text, *section; enum bpf_prog_type type; } cases[] = {
	{ "rawtracepoint:sched_switch { @[arg0] = count(); }", "raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT },
	{ "profile:hz:99 { @[kstack, ustack] = count(); }", "perf_event", BPF_PROG_TYPE_PERF_EVENT },
	{ "software:page-faults { @[ksym(1)] = count(); }", "perf_event", BPF_PROG_TYPE_PERF_EVENT },
	{ "uprobe:libc:malloc { @[func, arg0] = count(); }", "uprobe", BPF_PROG_TYPE_KPROBE },
	{ "uretprobe:libc:malloc { @[usym(retval)] = count(); }", "uretprobe", BPF_PROG_TYPE_KPROBE },
	/* a wildcard of syscall and other tracepoints reading no field: one raw-tracepoint program */
	{ "tracepoint:syscalls:sys_*_getppid, tracepoint:sched:sched_process_e* { @[probe] = count(); }",
	  "raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT },
	/* a field the tracepoints compute: perf events */
	{ "tracepoint:signal:* { @[args.errno] = count(); }", "tracepoint", BPF_PROG_TYPE_TRACEPOINT },
};

static void test_probes_other_sections(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compiled c = { 0 };
		assert_int_equal(compile(&c, cases[i].text), 0);
		check_prog(&c, cases[i].section, cases[i].type);
		done(&c);
	}
}

/* --- the kernel loads them (--verifier) ------------------------------------ */

static void load(const char *text)
{
	struct compiled c = { 0 };
	assert_int_equal(compile(&c, text), 0);
	int rc = bpf_object__load(c.obj);
	if (rc != 0)
		fprintf(stderr, "loading '%s': %s\n", text, strerror(-rc));
	assert_int_equal(rc, 0);
	assert_true(bpf_object__btf_fd(c.obj) >= 0); /* loaded with its BTF, not without */
	done(&c);
}

static void test_probes_kprobe_loads(void **state)
{
	/* the verifier accepts a kprobe program even where kprobes cannot attach */
	setenv("XTRACE_ASSUME_KPROBES", "1", 1);
	load("kprobe:vfs_read { @[func] = count(); @a = sum(arg2); }");
	load("kretprobe:vfs_read { @ = hist(retval); }");
	unsetenv("XTRACE_ASSUME_KPROBES");
}

/* 0 when this kernel loads a tracing program of attach type `type` on
 * function `fn` at all (r0 = 0; exit), else -errno: an oracle apart from
 * xtrace's own feature checks. */
static int kernel_loads_tracing(const char *fn, enum bpf_attach_type type)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	int id = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return id;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type, .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "xt_fentry_test", "GPL", insns, 2, &o);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void test_probes_fentry_loads(void **state)
{
	int rc = kernel_loads_tracing("vfs_read", BPF_TRACE_FENTRY);
	if (rc < 0) {
		print_message("skipped: this kernel does not load fentry programs at all (%s)\n",
			      rc == -524 ? "ENOTSUPP" : strerror(-rc));
		skip();
	}
	setenv("XTRACE_ASSUME_FENTRY", "1", 1);
	load("fentry:vfs_read { @ = sum(args.count); }");
	load("fexit:vfs_read { @[retval > 0] = count(); }");
	unsetenv("XTRACE_ASSUME_FENTRY");
}

static void test_probes_others_load(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load(cases[i].text);
}

/* Iterators: section iter/NAME, a tracing program; the kernel loads their
 * records written to the seq_file, a pinned one's kernel-formatted printf,
 * and a for-each-map callback that reaches the seq_file through ctx. */
static void test_probes_iter_loads(void **state)
{
	static const char *const texts[] = {
		"iter:task { @[ctx->task->comm] = count(); printf(\"%d %s\\n\", ctx->task->pid, ctx->task->comm); }",
		"iter:task_file { printf(\"%d %s\\n\", ctx->fd, str(ctx->file->f_path.dentry->d_name.name)); }",
		"iter:task_vma { @m[ctx->task->pid] = count(); for ($kv : @m) { printf(\"%d\\n\", $kv.1); } }",
		"iter:task:xt_pin { printf(\"%-16s|%5d|%x%c\\n\", ctx->task->comm, ctx->task->pid, 255, 10); }",
	};
	static const char *const sections[] = { "iter/task", "iter/task_file", "iter/task_vma", "iter/task" };
	int rc = kernel_loads_tracing("bpf_iter_task", BPF_TRACE_ITER);
	if (rc < 0) {
		print_message("skipped: this kernel does not load iterator programs (%s)\n", strerror(-rc));
		skip();
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct compiled c = { 0 };
		assert_int_equal(compile(&c, texts[i]), 0);
		check_prog(&c, sections[i], BPF_PROG_TYPE_TRACING);
		done(&c);
		load(texts[i]);
	}
}

static void test_probes_elf_resolve_library(void **state)
{
	char path[4096];
	assert_int_equal(xt_elf_resolve("libc", path, sizeof(path)), 0);
	assert_non_null(strstr(path, "libc.so"));
	const struct xt_elf *e = xt_elf_get(path);
	assert_non_null(e);
	assert_non_null(xt_elf_sym_by_name(e, "malloc"));
	assert_int_equal(xt_elf_resolve("no-such-program-xyz", path, sizeof(path)), -ENOENT);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--verifier") == 0) {
		if (geteuid() != 0) {
			printf("SKIP: the verifier check loads BPF programs, which needs root\n");
			return 77;
		}
		const struct CMUnitTest loads[] = {
			cmocka_unit_test(test_probes_kprobe_loads),
			cmocka_unit_test(test_probes_fentry_loads),
			cmocka_unit_test(test_probes_others_load),
			cmocka_unit_test(test_probes_iter_loads),
		};
		return cmocka_run_group_tests(loads, NULL, NULL);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes_kprobe_compiles),
		cmocka_unit_test(test_probes_fentry_compiles),
		cmocka_unit_test(test_probes_missing_features_refused),
		cmocka_unit_test(test_probes_other_sections),
		cmocka_unit_test(test_probes_elf_resolve_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Probe types whose kernel support may be missing (kprobe, fentry) and the
 * ones that run here: the compiled object opens in libbpf with the right
 * program types and sections, and the kernel loads what it allows. The
 * feature checks are bypassed with XTRACE_ASSUME_KPROBES/FENTRY so the code
 * generation is tested whatever the kernel. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
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
	/* the verifier accepts a kprobe program even where kprobes cannot attach */
	if (geteuid() == 0)
		assert_int_equal(bpf_object__load(c.obj), 0);
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
	/* loading: allowed or refused by the kernel, never anything else */
	if (geteuid() == 0) {
		int rc = bpf_object__load(c.obj);
		assert_true(rc == 0 || rc == -EPERM || rc == -524 || rc == -EINVAL);
	}
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

static void test_probes_other_sections(void **state)
{
	static const struct { const char *text, *section; enum bpf_prog_type type; } cases[] = {
		{ "rawtracepoint:sched_switch { @[arg0] = count(); }", "raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ "profile:hz:99 { @[kstack, ustack] = count(); }", "perf_event", BPF_PROG_TYPE_PERF_EVENT },
		{ "software:page-faults { @[ksym(1)] = count(); }", "perf_event", BPF_PROG_TYPE_PERF_EVENT },
		{ "uprobe:libc:malloc { @[func, arg0] = count(); }", "uprobe", BPF_PROG_TYPE_KPROBE },
		{ "uretprobe:libc:malloc { @[usym(retval)] = count(); }", "uretprobe", BPF_PROG_TYPE_KPROBE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compiled c = { 0 };
		assert_int_equal(compile(&c, cases[i].text), 0);
		check_prog(&c, cases[i].section, cases[i].type);
		if (geteuid() == 0)
			assert_int_equal(bpf_object__load(c.obj), 0);
		done(&c);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes_kprobe_compiles),
		cmocka_unit_test(test_probes_fentry_compiles),
		cmocka_unit_test(test_probes_missing_features_refused),
		cmocka_unit_test(test_probes_other_sections),
		cmocka_unit_test(test_probes_elf_resolve_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

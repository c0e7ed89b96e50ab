/* Codegen properties: the object opens in libbpf with the expected programs,
 * sections and BTF-defined maps; run with --verifier (ctest's
 * test_codegen_verifier), the kernel's verifier also accepts each object:
 * that needs root, and without it the run exits 77, which ctest shows as
 * skipped (a cmocka skip() would count as passed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/libbpf.h>
#include "repl/driver.h"
#include "stdlib/tracefs.h"

static struct bpf_object *compile_open(struct xt_unit *u, const char *text)
{
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_sema_opts so = { 0 };
	int rc = xt_unit_compile(u, "<test>", text, &so, 0, &dg);
	if (rc < 0)
		fprintf(stderr, "%s", dg.buf ? dg.buf : "");
	assert_int_equal(rc, 0);
	xt_diags_fini(&dg);
	assert_non_null(u->compiled.elf);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "xt_test");
	struct bpf_object *obj = bpf_object__open_mem(u->compiled.elf, u->compiled.elf_size, &oo);
	assert_non_null(obj);
	return obj;
}

static bool verifier; /* --verifier: the kernel loads every object too (root only) */

static void verify_in_kernel(struct bpf_object *obj)
{
	if (!verifier)
		return;
	assert_int_equal(bpf_object__load(obj), 0);
	assert_true(bpf_object__btf_fd(obj) >= 0); /* loaded with its BTF, not without */
}

/* Tracepoint programs are typed from tracefs format files, which only root
 * may read: without them, the case is skipped with that reason. */
static void need_tracefs(void)
{
	const char *t = xt_tracefs_path();
	char path[256];
	snprintf(path, sizeof(path), "%s/events/sched/sched_switch/format", t ? t : "/sys/kernel/tracing");
	if (access(path, R_OK) != 0) {
		print_message("skipped: tracepoints need %s (%s)\n", path, strerror(errno));
		skip();
	}
}

static void test_codegen_programs_and_sections(void **state)
{
	need_tracefs();
	struct xt_unit u;
	struct bpf_object *obj = compile_open(&u,
		"BEGIN { @a = 1; } tracepoint:sched:sched_switch { @s[args.prev_comm] = count(); }"
		" interval:ms:10 { @i = count(); } END { @e = 2; }");
	const char *names[] = { "probe_0", "probe_1", "probe_2", "probe_3" };
	const char *sections[] = { "raw_tp", "tracepoint", "perf_event", "raw_tp" };
	for (int i = 0; i < 4; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, names[i]);
		assert_non_null(p);
		assert_string_equal(bpf_program__section_name(p), sections[i]);
	}
	verify_in_kernel(obj);
	bpf_object__close(obj);
	xt_unit_free(&u);
}

static void test_codegen_maps_are_btf_defined(void **state)
{
	struct xt_unit u;
	struct bpf_object *obj = compile_open(&u,
		"BEGIN { @c[comm, 1] = count(); @h = hist(5); @l[pid] = lhist(3, 0, 10, 1); @v = \"abc\"; @n = 7; }");
	struct { const char *name; enum bpf_map_type type; unsigned key, value; } want[] = {
		{ "m_c", BPF_MAP_TYPE_PERCPU_HASH, 24, 8 },   /* string[16] + int64 */
		{ "m_h", BPF_MAP_TYPE_PERCPU_HASH, 8, 16 },   /* the bucket only; {count, sum} */
		{ "m_l", BPF_MAP_TYPE_PERCPU_HASH, 16, 16 },  /* pid + bucket; {count, sum} */
		{ "m_v", BPF_MAP_TYPE_HASH, 8, 4 },
		{ "m_n", BPF_MAP_TYPE_HASH, 8, 8 },
		{ "events", BPF_MAP_TYPE_RINGBUF, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, want[i].name);
		assert_non_null(m);
		assert_int_equal(bpf_map__type(m), want[i].type);
		if (want[i].type != BPF_MAP_TYPE_RINGBUF) {
			assert_int_equal(bpf_map__key_size(m), want[i].key);
			assert_int_equal(bpf_map__value_size(m), want[i].value);
		}
	}
	verify_in_kernel(obj);
	bpf_object__close(obj);
	xt_unit_free(&u);
}

static void test_codegen_syscall_wildcard_uses_raw_tracepoint(void **state)
{
	need_tracefs();
	struct xt_unit u;
	struct bpf_object *obj = compile_open(&u, "tracepoint:syscalls:sys_enter_* { @[probe] = count(); }");
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "probe_0");
	assert_non_null(p);
	assert_string_equal(bpf_program__section_name(p), "raw_tp");
	assert_non_null(bpf_object__find_map_by_name(obj, "sysf_0")); /* nr -> site filter */
	assert_true(u.prog->probes[0].nsites > 300);
	verify_in_kernel(obj);
	bpf_object__close(obj);
	xt_unit_free(&u);
}

static void test_codegen_many_statements_compile(void **state)
{
	/* 1,000 statements: compile time and the BPF stack must both stay in bounds. */
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text + len, cap - len, "BEGIN {\n");
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len, "@m[\"key_%d\"] = %d;\n", i, i);
	snprintf(text + len, cap - len, "}\n");
	struct xt_unit u;
	struct bpf_object *obj = compile_open(&u, text);
	verify_in_kernel(obj);
	bpf_object__close(obj);
	xt_unit_free(&u);
	free(text);
}

int main(int argc, char **argv)
{
	verifier = argc > 1 && strcmp(argv[1], "--verifier") == 0;
	if (verifier && geteuid() != 0) {
		printf("SKIP: the verifier check loads BPF programs, which needs root\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codegen_programs_and_sections),
		cmocka_unit_test(test_codegen_maps_are_btf_defined),
		cmocka_unit_test(test_codegen_syscall_wildcard_uses_raw_tracepoint),
		cmocka_unit_test(test_codegen_many_statements_compile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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

/* BEGIN with n map statements, a variable carried through them, a map
 * loop, and an exit() with statements after it (malloc'd). */
static char *large_program(int n)
{
	size_t cap = (size_t)n * 48 + 256, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text + len, cap - len, "BEGIN {\n$n = 0;\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "@m[%d] = %d; $n += 1;\n", i, i);
	snprintf(text + len, cap - len, "for ($kv : @m) { @s += $kv.1; }\n@n = $n; exit(); @after = 1;\n}\n");
	return text;
}

/* A probe this large is split into parts it calls (emit_split.c): compile
 * and load time then grow with its size, not faster; the kernel takes it. */
static void test_codegen_large_probe_is_split(void **state)
{
	char *text = large_program(1500);
	struct xt_unit u;
	struct bpf_object *obj = compile_open(&u, text);
	assert_non_null(memmem(u.compiled.elf, u.compiled.elf_size, "probe_0_part0", 14));
	assert_non_null(memmem(u.compiled.elf, u.compiled.elf_size, "probe_0_part1", 14));
	verify_in_kernel(obj);
	bpf_object__close(obj);
	xt_unit_free(&u);
	/* a small probe stays one function */
	obj = compile_open(&u, "BEGIN { $n = 1; @m[1] = $n; exit(); }");
	assert_null(memmem(u.compiled.elf, u.compiled.elf_size, "probe_0_part0", 14));
	bpf_object__close(obj);
	xt_unit_free(&u);
	free(text);
}

static bool stop_now(void) { return true; }
static bool no_stop(void) { return false; }
static int stopped_waiting(int fd) { (void)fd; return 0; }
static int ready(int fd) { (void)fd; return 1; }

/* xt_unit_compile with stop hooks: its status, and no error reported when
 * < 0 (the program's one warning, the statement after exit(), is said). */
static int compile_stopping(const char *text, const struct xt_codegen_stop *stop, struct xt_unit *u)
{
	xt_codegen_set_stop(stop);
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_sema_opts so = { 0 };
	int rc = xt_unit_compile(u, "<test>", text, &so, 0, &dg);
	if (rc < 0)
		assert_int_equal(dg.errors, 0);
	xt_diags_fini(&dg);
	xt_codegen_set_stop(&(struct xt_codegen_stop){ 0 });
	return rc;
}

/* A stop signal ends a long compilation: between the parts codegen builds,
 * and while LLVM optimises in its child process (which is then killed). */
static void test_codegen_stop_signal_ends_compile(void **state)
{
	char *text = large_program(1500);
	struct xt_unit u;
	/* no wait hook: compiled here, and stopped between the parts */
	assert_true(compile_stopping(text, &(struct xt_codegen_stop){ .pending = stop_now }, &u) < 0);
	xt_unit_free(&u);
	/* compiled in a child process, stopped while the parent waits for it */
	assert_true(compile_stopping(text, &(struct xt_codegen_stop){ .pending = no_stop, .wait = stopped_waiting }, &u) < 0);
	xt_unit_free(&u);
	/* no signal: the object comes back from the child process whole */
	assert_int_equal(compile_stopping(text, &(struct xt_codegen_stop){ .pending = no_stop, .wait = ready }, &u), 0);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "xt_test");
	struct bpf_object *obj = bpf_object__open_mem(u.compiled.elf, u.compiled.elf_size, &oo);
	assert_non_null(obj);
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
		cmocka_unit_test(test_codegen_large_probe_is_split),
		cmocka_unit_test(test_codegen_stop_signal_ends_compile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

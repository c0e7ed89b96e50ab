/* Unit tests for stdlib/tracefs.c. The parser and syscall-table tests always
 * run; the ones that read this kernel's tracefs run when tracefs can be had,
 * and otherwise the binary exits 77 (skipped) after the others pass. */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stdlib/tracefs.h"

static const struct xt_tp_field *field(const struct xt_tp_format *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	fail_msg("no field '%s' in %s", name, f->name ? f->name : "?");
	return NULL;
}

static void check_field(const struct xt_tp_field *f, const char *ctype, int offset, int size,
			bool is_signed, bool data_loc, int array_len)
{
	assert_string_equal(f->ctype, ctype);
	assert_int_equal(f->offset, offset);
	assert_int_equal(f->size, size);
	assert_int_equal(f->is_signed, is_signed);
	assert_int_equal(f->data_loc, data_loc);
	assert_int_equal(f->array_len, array_len);
}

/* ---- parsing text (no kernel needed) ------------------------------------- */

static const char synthetic[] =
	"name: synth_event\n"
	"ID: 4242\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:const char * filename;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:char comm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
	"\tfield:unsigned long args[6];\toffset:48;\tsize:48;\tsigned:0;\n"
	"\tfield:__u8 saddr[sizeof(struct sockaddr_in6)];\toffset:96;\tsize:28;\tsigned:0;\n"
	"\tfield:__data_loc u64[] ips;\toffset:124;\tsize:4;\tsigned:0;\n"
	"\tfield:long delta;\toffset:128;\tsize:8;\tsigned:1;\n"
	"\tfield:char buf[];\toffset:136;\tsize:0;\tsigned:0;\n"
	"\n"
	"print fmt: \"field:int bogus; offset:0; size:4;\", REC->name\n";

static void test_tracefs_parse_synthetic(void **state)
{
	struct xt_tp_format f;
	static const char *order[] = { "__syscall_nr", "filename", "name", "comm", "args",
				       "saddr", "ips", "delta", "buf" };

	assert_int_equal(xt_tp_format_parse(synthetic, &f), 0);
	assert_string_equal(f.name, "synth_event");
	assert_null(f.category);
	assert_int_equal(f.id, 4242);
	assert_int_equal(f.nfields, 9); /* common_* left out, print fmt not read */
	for (int i = 0; i < f.nfields; i++)
		assert_string_equal(f.fields[i].name, order[i]);
	check_field(field(&f, "__syscall_nr"), "int", 8, 4, true, false, 0);
	check_field(field(&f, "filename"), "const char *", 16, 8, false, false, 0);
	check_field(field(&f, "name"), "char", 24, 4, false, true, 0);
	check_field(field(&f, "comm"), "char", 28, 16, false, false, 16);
	check_field(field(&f, "args"), "unsigned long", 48, 48, false, false, 6);
	check_field(field(&f, "saddr"), "__u8", 96, 28, false, false, 28);
	check_field(field(&f, "ips"), "u64", 124, 4, false, true, 0);
	check_field(field(&f, "delta"), "long", 128, 8, true, false, 0);
	check_field(field(&f, "buf"), "char", 136, 0, false, false, 0);
	xt_tp_format_free(&f);
	assert_null(f.fields);
	assert_int_equal(f.nfields, 0);
	xt_tp_format_free(&f); /* freeing twice is harmless */
}

static void test_tracefs_parse_empty(void **state)
{
	struct xt_tp_format f;

	assert_int_equal(xt_tp_format_parse("", &f), 0);
	assert_null(f.name);
	assert_int_equal(f.id, -1);
	assert_int_equal(f.nfields, 0);
	xt_tp_format_free(&f);
}

static void test_tracefs_parse_malformed(void **state)
{
	struct xt_tp_format f;
	static const char *bad[] = {
		"name: x\n\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:int b;\tsize:4;\n",
		"name: x\n\tfield:int a\toffset:8;\tsize:4;\n",
		"name: x\n\tfield:int;\toffset:8;\tsize:4;\tsigned:1;\n",
		"name: x\n\tfield:int a];\toffset:8;\tsize:4;\tsigned:1;\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xt_tp_format_parse(bad[i], &f), -EINVAL);
		assert_null(f.fields);
		assert_null(f.name);
		assert_int_equal(f.nfields, 0);
	}
}

/* ---- the syscall table ---------------------------------------------------- */

static void test_tracefs_syscall_table(void **state)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	assert_int_equal(xt_syscall_nr("openat"), 257);
	assert_int_equal(xt_syscall_nr("read"), 0);
	assert_int_equal(xt_syscall_nr("getppid"), 110);
	assert_int_equal(xt_syscall_nr("newstat"), 4);
	assert_int_equal(xt_syscall_nr("stat"), 4);
	assert_int_equal(xt_syscall_nr("newuname"), 63);
	assert_int_equal(xt_syscall_nr("sendfile64"), 40);
	assert_int_equal(xt_syscall_nr("umount"), 166);
	assert_int_equal(xt_syscall_nr("uprobe"), 336);
	assert_int_equal(xt_syscall_nr("file_setattr"), 469); /* newer than the headers */
	assert_string_equal(xt_syscall_name(257), "openat");
	assert_string_equal(xt_syscall_name(0), "read");
#endif
	assert_int_equal(xt_syscall_nr("sys_enter_openat"), xt_syscall_nr("openat"));
	assert_int_equal(xt_syscall_nr("sys_exit_openat"), xt_syscall_nr("openat"));
	assert_int_equal(xt_syscall_nr("no_such_syscall"), -1);
	assert_int_equal(xt_syscall_nr(""), -1);
	assert_int_equal(xt_syscall_nr(NULL), -1);
	assert_null(xt_syscall_name(-1));
	assert_null(xt_syscall_name(1 << 20));
}

static void test_tracefs_syscall_roundtrip(void **state)
{
	int n = 0;

	for (int nr = 0; nr < 1024; nr++) {
		const char *name = xt_syscall_name(nr);

		if (!name)
			continue;
		n++;
		assert_int_equal(xt_syscall_nr(name), nr);
	}
	assert_true(n > 300);
}

/* ---- this kernel's tracefs ------------------------------------------------ */

static void test_tracefs_openat_format(void **state)
{
	struct xt_tp_format f;

	assert_int_equal(xt_tp_format_read("syscalls", "sys_enter_openat", &f), 0);
	assert_string_equal(f.category, "syscalls");
	assert_string_equal(f.name, "sys_enter_openat");
	assert_true(f.id > 0);
	assert_int_equal(f.id, xt_tp_id("syscalls", "sys_enter_openat"));
	assert_int_equal(f.nfields, 5);
	assert_string_equal(f.fields[0].name, "__syscall_nr");
	assert_string_equal(f.fields[1].name, "dfd");
	assert_string_equal(f.fields[2].name, "filename");
	assert_string_equal(f.fields[3].name, "flags");
	assert_string_equal(f.fields[4].name, "mode");
	check_field(&f.fields[0], "int", 8, 4, true, false, 0);
	check_field(&f.fields[1], "int", 16, 8, false, false, 0);
	check_field(&f.fields[2], "const char *", 24, 8, false, false, 0);
	check_field(&f.fields[3], "int", 32, 8, false, false, 0);
	check_field(&f.fields[4], "umode_t", 40, 8, false, false, 0);
	xt_tp_format_free(&f);
}

static void test_tracefs_data_loc_format(void **state)
{
	struct xt_tp_format f;

	assert_int_equal(xt_tp_format_read("sched", "sched_process_exec", &f), 0);
	assert_int_equal(f.nfields, 3);
	check_field(field(&f, "filename"), "char", 8, 4, false, true, 0);
	check_field(field(&f, "pid"), "pid_t", 12, 4, true, false, 0);
	check_field(field(&f, "old_pid"), "pid_t", 16, 4, true, false, 0);
	xt_tp_format_free(&f);
}

static void test_tracefs_char_array_format(void **state)
{
	struct xt_tp_format f;

	assert_int_equal(xt_tp_format_read("sched", "sched_switch", &f), 0);
	assert_string_equal(f.fields[0].name, "prev_comm");
	check_field(&f.fields[0], "char", 8, 16, false, false, 16);
	check_field(field(&f, "next_comm"), "char", 40, 16, false, false, 16);
	check_field(field(&f, "prev_state"), "long", 32, 8, true, false, 0);
	xt_tp_format_free(&f);

	assert_int_equal(xt_tp_format_read("raw_syscalls", "sys_enter", &f), 0);
	check_field(field(&f, "id"), "long", 8, 8, true, false, 0);
	check_field(field(&f, "args"), "unsigned long", 16, 48, false, false, 6);
	xt_tp_format_free(&f);
}

static void test_tracefs_format_missing(void **state)
{
	struct xt_tp_format f;

	assert_int_equal(xt_tp_format_read("syscalls", "sys_enter_nope", &f), -ENOENT);
	assert_int_equal(xt_tp_format_read("nope", "nope", &f), -ENOENT);
	assert_int_equal(xt_tp_format_read("..", "syscalls", &f), -EINVAL);
	assert_int_equal(xt_tp_format_read("syscalls/../sched", "sched_switch", &f), -EINVAL);
	assert_int_equal(xt_tp_id("syscalls", "sys_enter_nope"), -ENOENT);
}

struct collected {
	char names[64][128];
	int n, stop_after;
};

static int collect(const char *cat, const char *name, void *ctx)
{
	struct collected *c = ctx;

	assert_true(c->n < 64);
	snprintf(c->names[c->n++], sizeof(c->names[0]), "%s:%s", cat, name);
	return c->stop_after && c->n == c->stop_after ? 99 : 0;
}

static void test_tracefs_glob_matches_ls(void **state)
{
	struct collected c = { .n = 0 };
	char pattern[512];
	glob_t g;

	/* The oracle: glob(3) with a trailing slash lists only directories. */
	snprintf(pattern, sizeof(pattern), "%s/events/syscalls/sys_enter_open*/", xt_tracefs_path());
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(xt_tp_glob("syscalls", "sys_enter_open*", collect, &c), (int)g.gl_pathc);
	assert_int_equal(c.n, (int)g.gl_pathc);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char want[128], *slash;

		*strrchr(g.gl_pathv[i], '/') = '\0';
		slash = strrchr(g.gl_pathv[i], '/');
		snprintf(want, sizeof(want), "syscalls:%s", slash + 1);
		assert_string_equal(c.names[i], want);
	}
	globfree(&g);
	assert_string_equal(c.names[0], "syscalls:sys_enter_open");
	assert_in_range(c.n, 4, 16);
}

static void test_tracefs_glob_sorted_across_categories(void **state)
{
	struct collected c = { .n = 0 };

	/* sched_switch lives in sched only; ? and [] patterns work too */
	assert_int_equal(xt_tp_glob("s?he[a-d]", "sched_switch", collect, &c), 1);
	assert_string_equal(c.names[0], "sched:sched_switch");
	c.n = 0;
	assert_int_equal(xt_tp_glob("*", "sys_enter", collect, &c), 1);
	assert_string_equal(c.names[0], "raw_syscalls:sys_enter");
	c.n = 0;
	assert_int_equal(xt_tp_glob("*sys*", "sys_en*_read", collect, &c), 1);
	assert_string_equal(c.names[0], "syscalls:sys_enter_read");
}

struct order {
	char cat[128], name[128];
	int n;
};

static int check_order(const char *cat, const char *name, void *ctx)
{
	struct order *o = ctx;
	int c = strcmp(o->cat, cat);

	assert_true(o->n == 0 || c < 0 || (c == 0 && strcmp(o->name, name) < 0));
	snprintf(o->cat, sizeof(o->cat), "%s", cat);
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->n++;
	return 0;
}

static void test_tracefs_glob_sorted(void **state)
{
	struct order o = { .n = 0 };
	int sys = xt_tp_glob("syscalls", "sys_e*", NULL, NULL);

	/* raw_syscalls:sys_enter and sys_exit, then syscalls:* in name order */
	assert_int_equal(xt_tp_glob("*sys*", "sys_e*", check_order, &o), sys + 2);
	assert_int_equal(o.n, sys + 2);
	o.n = 0;
	assert_true(xt_tp_glob("*", "*", check_order, &o) > 1000);
}

static void test_tracefs_glob_no_match(void **state)
{
	struct collected c = { .n = 0 };

	assert_int_equal(xt_tp_glob("syscalls", "sys_enter_no_such_*", collect, &c), 0);
	assert_int_equal(xt_tp_glob("syscalls", "sys_enter_no_such", collect, &c), 0);
	assert_int_equal(xt_tp_glob("no_such_category", "*", collect, &c), 0);
	assert_int_equal(xt_tp_glob("no_such_*", "*", collect, &c), 0);
	/* files beside the event directories are not events */
	assert_int_equal(xt_tp_glob("syscalls", "enable", collect, &c), 0);
	assert_int_equal(xt_tp_glob("syscalls", "filter", collect, &c), 0);
	assert_int_equal(xt_tp_glob("*", "header_*", collect, &c), 0);
	assert_int_equal(xt_tp_glob("header_page", "*", collect, &c), 0);
	assert_int_equal(xt_tp_glob("enable", "*", collect, &c), 0);
	/* ftrace's internal formats are not tracepoints */
	assert_int_equal(xt_tp_glob("ftrace", "*", collect, &c), 0);
	assert_int_equal(c.n, 0);
}

static void test_tracefs_glob_stops_early(void **state)
{
	struct collected c = { .n = 0, .stop_after = 3 };

	assert_int_equal(xt_tp_glob("syscalls", "sys_enter_*", collect, &c), 99);
	assert_int_equal(c.n, 3);
	assert_true(xt_tp_glob("syscalls", "sys_enter_*", NULL, NULL) > 300);
}

static int count_exits(const char *cat, const char *name, void *ctx)
{
	++*(int *)ctx;
	return 0;
}

static void test_tracefs_glob_fast(void **state)
{
	double best = 1e9;
	int n = 0;

	for (int i = 0; i < 5; i++) {
		struct timespec a, b;
		int calls = 0;

		/* CPU time, not wall time: what the expansion costs, not what a
		 * busy machine's other processes take from it between the two reads. */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		n = xt_tp_glob("syscalls", "sys_enter_*", count_exits, &calls);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		assert_int_equal(n, calls);
		double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		if (ms < best)
			best = ms;
	}
	print_message("sys_enter_* expansion: %d events in %.2f ms (best of 5)\n", n, best);
	assert_true(n > 300);
	/* The budget is 5 ms; leave room for sanitizer builds and loaded CI. */
	assert_true(best < 25.0);
}

struct unmapped {
	int n, total;
};

static int check_mapped(const char *cat, const char *name, void *ctx)
{
	struct unmapped *u = ctx;
	const char *sys = strchr(name + 4, '_') + 1; /* sys_enter_X, sys_exit_X */
	int nr = xt_syscall_nr(sys);

	u->total++;
	if (nr < 0) {
		print_message("unmapped syscall tracepoint: %s:%s\n", cat, name);
		u->n++;
	} else {
		assert_int_equal(xt_syscall_nr(name), nr);
		assert_non_null(xt_syscall_name(nr));
	}
	return 0;
}

static void test_tracefs_every_syscall_tracepoint_maps(void **state)
{
	struct unmapped u = { 0 };

	assert_true(xt_tp_glob("syscalls", "sys_enter_*", check_mapped, &u) > 300);
	assert_true(xt_tp_glob("syscalls", "sys_exit_*", check_mapped, &u) > 300);
	print_message("%d syscall tracepoints, %d unmapped\n", u.total, u.n);
	assert_int_equal(u.n, 0);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_tracefs_parse_synthetic),
		cmocka_unit_test(test_tracefs_parse_empty),
		cmocka_unit_test(test_tracefs_parse_malformed),
		cmocka_unit_test(test_tracefs_syscall_table),
		cmocka_unit_test(test_tracefs_syscall_roundtrip),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_tracefs_openat_format),
		cmocka_unit_test(test_tracefs_data_loc_format),
		cmocka_unit_test(test_tracefs_char_array_format),
		cmocka_unit_test(test_tracefs_format_missing),
		cmocka_unit_test(test_tracefs_glob_matches_ls),
		cmocka_unit_test(test_tracefs_glob_sorted_across_categories),
		cmocka_unit_test(test_tracefs_glob_sorted),
		cmocka_unit_test(test_tracefs_glob_no_match),
		cmocka_unit_test(test_tracefs_glob_stops_early),
		cmocka_unit_test(test_tracefs_glob_fast),
		cmocka_unit_test(test_tracefs_every_syscall_tracepoint_maps),
	};
	int failed = cmocka_run_group_tests_name("tracefs_text", pure, NULL, NULL);

	if (failed)
		return failed;
	const char *root = xt_tracefs_path();
	char events[512];

	if (!root) {
		printf("SKIP: tracefs unavailable (%s): kernel tests not run\n", strerror(errno));
		return 77;
	}
	snprintf(events, sizeof(events), "%s/events", root);
	if (access(events, R_OK | X_OK) != 0) {
		printf("SKIP: %s: %s: kernel tests not run\n", events, strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests_name("tracefs_kernel", kernel, NULL, NULL);
}

/* stdlib/kconst.c: kernel constants read from what the kernel publishes --
 * the task states from sched_switch's print fmt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "stdlib/kconst.h"

/* sched_switch's format as kernel 6.18 prints it (the tail) */
static const char fmt618[] =
	"name: sched_switch\nID: 321\nformat:\n\tfield:long prev_state;\toffset:24;\tsize:8;\tsigned:1;\n\n"
	"print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s\", REC->prev_comm, "
	"REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | "
	"0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & "
	"((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) "
	"<< 1) - 1), \"|\", { 0x00000001, \"S\" }, { 0x00000002, \"D\" }, { 0x00000004, \"T\" }, { 0x00000008, \"t\" }, "
	"{ 0x00000010, \"X\" }, { 0x00000020, \"Z\" }, { 0x00000040, \"P\" }, { 0x00000080, \"I\" }) : \"R\", "
	"REC->prev_state & (((0x00000000 | 0x00000001) + 1) << 1) ? \"+\" : \"\", REC->next_comm\n";

static void test_kconst_task_states(void **state)
{
	(void)state;
	static const struct { const char *name; int64_t v; } want[] = {
		{ "TASK_RUNNING", 0 }, { "TASK_INTERRUPTIBLE", 1 }, { "TASK_UNINTERRUPTIBLE", 2 },
		{ "__TASK_STOPPED", 4 }, { "__TASK_TRACED", 8 }, { "EXIT_DEAD", 16 }, { "EXIT_ZOMBIE", 32 },
		{ "TASK_PARKED", 64 }, { "TASK_REPORT_IDLE", 128 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t v = -1;
		assert_true(xt_kconst_task_state(fmt618, want[i].name, &v));
		assert_int_equal(v, want[i].v);
	}
	int64_t v = -1;
	assert_false(xt_kconst_task_state(fmt618, "TASK_WAKEKILL", &v)); /* not published */
	assert_false(xt_kconst_task_state(fmt618, "PIDTYPE_TGID", &v));
	assert_int_equal(v, -1);
}

/* The bits are this kernel's: a kernel that moved a state is read as it is. */
static void test_kconst_task_states_follow_the_kernel(void **state)
{
	(void)state;
	static const char moved[] = "print fmt: \"%s\", __print_flags(REC->prev_state, \"|\", { 0x100, \"S\" }, "
				    "{ 0x200, \"D\" }) : \"R\"\n";
	int64_t v = 0;
	assert_true(xt_kconst_task_state(moved, "TASK_UNINTERRUPTIBLE", &v));
	assert_int_equal(v, 0x200);
	assert_false(xt_kconst_task_state(moved, "__TASK_STOPPED", &v));
	/* no flags table, no print fmt, no text: nothing */
	assert_false(xt_kconst_task_state("print fmt: \"%d\", REC->x\n", "TASK_RUNNING", &v));
	assert_false(xt_kconst_task_state("name: x\n", "TASK_RUNNING", &v));
	assert_false(xt_kconst_task_state(NULL, "TASK_RUNNING", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kconst_task_states),
		cmocka_unit_test(test_kconst_task_states_follow_the_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Semantic analysis: the full text of each diagnostic (header, source line,
 * underline) for type errors, unknown names with "did you mean", arity,
 * scopes and control flow. Only BEGIN probes: no kernel needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lang/parser.h"
#include "lang/sema.h"

/* Parses and checks `text`; returns the rendered diagnostics (malloc'd). */
static char *check(const char *text)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_node *ast = xt_parse(ar, &src, XT_PARSE_PROGRAM, &dg);
	struct xt_sema_opts o = { 0 };
	struct xt_program *prog = ast ? xt_sema(ar, &src, ast, &o, &dg) : NULL;
	char *res = strdup(dg.buf ? dg.buf : "");
	if (!prog)
		assert_true(dg.errors > 0);
	xt_diags_fini(&dg);
	xt_arena_free(ar);
	return res;
}

#define EXPECT_DIAG(prog, text) do { \
		char *got = check(prog); \
		assert_string_equal(got, text); \
		free(got); \
	} while (0)

static void test_sema_map_type_mismatch(void **state)
{
	EXPECT_DIAG("BEGIN { @x = 1; @x = \"str\"; }",
		"<stdin>:1:17-26: error: type mismatch for @x: assigning string[4], but it holds int64\n"
		"BEGIN { @x = 1; @x = \"str\"; }\n"
		"                ~~~~~~~~~~\n");
}

static void test_sema_unknown_function_did_you_mean(void **state)
{
	EXPECT_DIAG("BEGIN { @[comm] = coutn(); }",
		"<stdin>:1:19-23: error: unknown function 'coutn'; did you mean 'count'?\n"
		"BEGIN { @[comm] = coutn(); }\n"
		"                  ~~~~~\n");
}

static void test_sema_printf_arity(void **state)
{
	EXPECT_DIAG("BEGIN { printf(\"%d\\n\"); }",
		"<stdin>:1:9-22: error: printf() format has 1 conversion but 0 arguments are given\n"
		"BEGIN { printf(\"%d\\n\"); }\n"
		"        ~~~~~~~~~~~~~~\n");
}

static void test_sema_unknown_identifier_did_you_mean(void **state)
{
	EXPECT_DIAG("BEGIN { $x = pidd; }",
		"<stdin>:1:14-17: error: unknown identifier 'pidd'; did you mean 'pid'?\n"
		"BEGIN { $x = pidd; }\n"
		"             ~~~~\n");
}

static void test_sema_break_outside_loop(void **state)
{
	EXPECT_DIAG("BEGIN { break; }",
		"<stdin>:1:9-13: error: break outside a loop\n"
		"BEGIN { break; }\n"
		"        ~~~~~\n");
}

static void test_sema_block_scope(void **state)
{
	EXPECT_DIAG("BEGIN { if (1) { $y = 3; } @z = $y; }",
		"<stdin>:1:33-34: error: undefined or undeclared variable: $y\n"
		"BEGIN { if (1) { $y = 3; } @z = $y; }\n"
		"                                ~~\n"
		"note: $y is assigned only inside a block that has ended; declare it before that block (let $y;) "
		"or assign it on every path\n");
}

static void test_sema_unroll_bound(void **state)
{
	EXPECT_DIAG("BEGIN { unroll(500) { @a = 1; } }",
		"<stdin>:1:16-18: error: unroll needs an integer literal from 1 to 100\n"
		"BEGIN { unroll(500) { @a = 1; } }\n"
		"               ~~~\n");
}

static void test_sema_config_key_did_you_mean(void **state)
{
	EXPECT_DIAG("config = { max_strlenn = 3 } BEGIN { }",
		"<stdin>:1:12-22: error: max_strlenn: not a known configuration option; did you mean 'max_strlen'?\n"
		"config = { max_strlenn = 3 } BEGIN { }\n"
		"           ~~~~~~~~~~~\n");
}

static void test_sema_let_redeclared(void **state)
{
	EXPECT_DIAG("BEGIN { let $a = 1; let $a = 2; }",
		"<stdin>:1:25-26: error: variable $a was already declared; shadowing is not allowed\n"
		"BEGIN { let $a = 1; let $a = 2; }\n"
		"                        ~~\n");
}

static void test_sema_incdec_on_hist(void **state)
{
	EXPECT_DIAG("BEGIN { @h = hist(1); @h++; }",
		"<stdin>:1:23-26: error: type mismatch for @h: assigning int64, but it holds hist\n"
		"BEGIN { @h = hist(1); @h++; }\n"
		"                      ~~~~\n");
}

static void test_sema_incdec_on_string(void **state)
{
	EXPECT_DIAG("BEGIN { $s = \"a\"; $s++; }",
		"<stdin>:1:19-22: error: operator ++ needs an integer or pointer variable; $s holds string[2]\n"
		"BEGIN { $s = \"a\"; $s++; }\n"
		"                  ~~~~\n");
}

/* return in a for loop's body leaves the probe (bpftrace 0.24), and the
 * probe's context reaches the body of a loop that is a callback */
static void test_sema_return_in_map_loop(void **state)
{
	EXPECT_DIAG("BEGIN { @m = count(); for ($kv : @m) { return; } }", "");
	/* while warns as bpftrace 0.25 does */
	EXPECT_DIAG("BEGIN { @m = count(); for ($i : 0..@m) { if ($i > 2) { return; } } $j = 0; while ($j < 3) { return; } }",
		"<stdin>:1:76-80: warning: while loops are deprecated and may be removed in the future\n"
		"BEGIN { @m = count(); for ($i : 0..@m) { if ($i > 2) { return; } } $j = 0; while ($j < 3) { return; } }\n"
		"                                                                           ~~~~~\n"
		"note: for loops take ranges (for $i : $start..$end { ... }) and can take the place of while; the verifier bounds them more easily\n");
}

static void test_sema_map_never_assigned(void **state)
{
	EXPECT_DIAG("BEGIN { delete(@nosuch); }",
		"<stdin>:1:16-22: error: map @nosuch is used but never assigned\n"
		"BEGIN { delete(@nosuch); }\n"
		"               ~~~~~~~\n");
}

static void test_sema_call_arity(void **state)
{
	EXPECT_DIAG("BEGIN { str(1, 2, 3); }",
		"<stdin>:1:9-20: error: str() takes 1 to 2 arguments, 3 given\n"
		"BEGIN { str(1, 2, 3); }\n"
		"        ~~~~~~~~~~~~\n");
}

static void test_sema_bad_cast(void **state)
{
	EXPECT_DIAG("BEGIN { $x = (uint8)\"abc\"; }",
		"<stdin>:1:21-25: error: cannot cast string[4] to uint8\n"
		"BEGIN { $x = (uint8)\"abc\"; }\n"
		"                    ~~~~~\n");
}

/* A ?: whose branches have no value is a statement; its value cannot be used. */
static void test_sema_ternary_without_value(void **state)
{
	EXPECT_DIAG("BEGIN { 1 ? printf(\"yes\\n\") : printf(\"no\\n\"); 1 ? exit() : exit(); "
		    "@a = 1; 1 ? clear(@a) : print(1); 0 ? (1 ? exit() : print(@a)) : printf(\"x\"); }", "");
	EXPECT_DIAG("BEGIN { $x = 1 ? printf(\"a\") : printf(\"b\"); }",
		"<stdin>:1:14-42: error: this ?: returns no value (neither branch does); it can only be a statement\n"
		"BEGIN { $x = 1 ? printf(\"a\") : printf(\"b\"); }\n"
		"             ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @m = 1 ? exit() : exit(); }",
		"<stdin>:1:14-32: error: this ?: returns no value (neither branch does); it can only be a statement\n"
		"BEGIN { @m = 1 ? exit() : exit(); }\n"
		"             ~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { printf(\"%d\\n\", 1 ? printf(\"a\") : printf(\"b\")); }",
		"<stdin>:1:24-52: error: this ?: returns no value (neither branch does); it can only be a statement\n"
		"BEGIN { printf(\"%d\\n\", 1 ? printf(\"a\") : printf(\"b\")); }\n"
		"                       ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { 1 ? printf(\"a\") : 5; }",
		"<stdin>:1:13-23: error: this branch of ?: returns no value, but the other returns int8\n"
		"BEGIN { 1 ? printf(\"a\") : 5; }\n"
		"            ~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { $x = 1 ? \"s\" : exit(); }",
		"<stdin>:1:24-29: error: this branch of ?: returns no value, but the other returns string[2]\n"
		"BEGIN { $x = 1 ? \"s\" : exit(); }\n"
		"                       ~~~~~~\n");
	EXPECT_DIAG("BEGIN { @m[exit()] = 1; }",
		"<stdin>:1:12-17: error: exit() returns no value; it can only be a statement\n"
		"BEGIN { @m[exit()] = 1; }\n"
		"           ~~~~~~\n");
}

/* lhist()'s bounds: 0 <= min < max <= INT64_MAX, 1 <= step <= max - min, at
 * most 1000 buckets; no arithmetic on hostile literals may overflow. */
static void test_sema_lhist_bounds(void **state)
{
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 1000, 1); @m = lhist(1, 5, 9223372036854775807, 9223372036854775802); }", "");
	EXPECT_DIAG("BEGIN { @l = lhist(1, -9223372036854775807, 9223372036854775807, 1); }",
		"<stdin>:1:23-42: error: lhist() min must be 0 or more, not -9223372036854775807\n"
		"BEGIN { @l = lhist(1, -9223372036854775807, 9223372036854775807, 1); }\n"
		"                      ~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, -9223372036854775808, 10, 1); }",
		"<stdin>:1:23-42: error: lhist() min must be 0 or more, not -9223372036854775808\n"
		"BEGIN { @l = lhist(1, -9223372036854775808, 10, 1); }\n"
		"                      ~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 18446744073709551615, 1); }",
		"<stdin>:1:26-45: error: lhist() max must be at most 9223372036854775807, not 18446744073709551615\n"
		"BEGIN { @l = lhist(1, 0, 18446744073709551615, 1); }\n"
		"                         ~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 10, 10, 1); }",
		"<stdin>:1:27-28: error: lhist() max must be greater than min (10), not 10\n"
		"BEGIN { @l = lhist(1, 10, 10, 1); }\n"
		"                          ~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 10, -18446744073709551615, 1); }",
		"<stdin>:1:27-47: error: lhist() max must be greater than min (10), not -18446744073709551615\n"
		"BEGIN { @l = lhist(1, 10, -18446744073709551615, 1); }\n"
		"                          ~~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 10, 0); }",
		"<stdin>:1:30: error: lhist() step must be 1 or more, not 0\n"
		"BEGIN { @l = lhist(1, 0, 10, 0); }\n"
		"                             ~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 10, -9223372036854775808); }",
		"<stdin>:1:30-49: error: lhist() step must be 1 or more, not -9223372036854775808\n"
		"BEGIN { @l = lhist(1, 0, 10, -9223372036854775808); }\n"
		"                             ~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 10, 20); }",
		"<stdin>:1:30-31: error: lhist() step 20 is larger than max - min (10)\n"
		"BEGIN { @l = lhist(1, 0, 10, 20); }\n"
		"                             ~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 9223372036854775807, 1); }",
		"<stdin>:1:23-47: error: lhist() would have 9223372036854775807 buckets; at most 1000 are allowed\n"
		"BEGIN { @l = lhist(1, 0, 9223372036854775807, 1); }\n"
		"                      ~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 1001, 1); }",
		"<stdin>:1:23-32: error: lhist() would have 1001 buckets; at most 1000 are allowed\n"
		"BEGIN { @l = lhist(1, 0, 1001, 1); }\n"
		"                      ~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @l = lhist(1, 0, 10, 1 + 1); }",
		"<stdin>:1:30-34: error: lhist() min, max and step must be integer literals\n"
		"BEGIN { @l = lhist(1, 0, 10, 1 + 1); }\n"
		"                             ~~~~~\n");
}

/* hist(x, k): k a literal from 0 to 5, however large or negative it is written. */
static void test_sema_hist_k_bounds(void **state)
{
	EXPECT_DIAG("BEGIN { @h = hist(1, 0); @g = hist(1, 5); }", "");
	EXPECT_DIAG("BEGIN { @h = hist(1, 6); }",
		"<stdin>:1:22: error: hist() k must be an integer literal from 0 to 5\n"
		"BEGIN { @h = hist(1, 6); }\n"
		"                     ~\n");
	EXPECT_DIAG("BEGIN { @h = hist(1, -9223372036854775808); }",
		"<stdin>:1:22-41: error: hist() k must be an integer literal from 0 to 5\n"
		"BEGIN { @h = hist(1, -9223372036854775808); }\n"
		"                     ~~~~~~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { @h = hist(1, 18446744073709551615); }",
		"<stdin>:1:22-41: error: hist() k must be an integer literal from 0 to 5\n"
		"BEGIN { @h = hist(1, 18446744073709551615); }\n"
		"                     ~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_sema_accepts_the_language(void **state)
{
	EXPECT_DIAG("config = { max_strlen = 32 } BEGIN { let $x: uint8 = 1; $i = 0; "
		    "for ($i2 : 0..3) { $i++; if ($i == 1) { continue; } } unroll(2) { $x += 1; } "
		    "for ($j : 0..3) { @r[$j] = $j; } @c[1] = count(); for ($kv : @c) { printf(\"%d\\n\", $kv.1); } "
		    "$t = (1, \"a\"); @m[$t.0, $t.1] = (int8)$x; @m[2, \"b\"]++; print(@m); delete(@m, (2, \"b\")); "
		    "printf(\"%d %d\\n\", has_key(@m, (1, \"a\")), len(@m)); exit(); }", "");
}

/* Kernel types come from vmlinux BTF: these need /sys/kernel/btf/vmlinux. */
#define NEED_BTF() do { if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) skip(); } while (0)

static void test_sema_btf_unknown_struct_did_you_mean(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $t = (struct task_strct *)curtask; }",
		"<stdin>:1:14-34: error: unknown struct 'task_strct'; did you mean 'task_struct'?\n"
		"BEGIN { $t = (struct task_strct *)curtask; }\n"
		"             ~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_sema_btf_user_struct(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = sizeof(struct nope_nope_nope); }",
		"<stdin>:1:14-42: error: unknown struct 'nope_nope_nope' (neither the program's C definitions nor the kernel's BTF define it)\n"
		"BEGIN { $x = sizeof(struct nope_nope_nope); }\n"
		"             ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_sema_btf_unknown_field_did_you_mean(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = curtask->pidd; }",
		"<stdin>:1:14-26: error: struct task_struct has no field 'pidd'; did you mean 'pid'?\n"
		"BEGIN { $x = curtask->pidd; }\n"
		"             ~~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { $x = offsetof(struct list_head, nxt); }",
		"<stdin>:1:14-44: error: struct list_head has no field 'nxt'; did you mean 'next'?\n"
		"BEGIN { $x = offsetof(struct list_head, nxt); }\n"
		"             ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

/* `.` goes through a pointer (bpftrace 0.25) and `->` reads a struct's field (0.26) */
static void test_sema_btf_dot_on_pointer(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = curtask.pid; $y = curtask.real_parent.pid; }", "");
}

static void test_sema_btf_arrow_on_struct(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = (*curtask)->pid; $s = *curtask; $y = $s->pid; }", "");
	EXPECT_DIAG("BEGIN { $x = curtask->pid->x; }",
		"<stdin>:1:14-28: error: int32 has no fields\n"
		"BEGIN { $x = curtask->pid->x; }\n"
		"             ~~~~~~~~~~~~~~~\n");
}

static void test_sema_btf_deref_and_store(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = *pid; }",
		"<stdin>:1:14-17: error: cannot dereference uint32, which is not a pointer\n"
		"BEGIN { $x = *pid; }\n"
		"             ~~~~\n");
	/* @m[*curtask] = 1: a struct is a map key by value (test_ctypes.sh) */
	EXPECT_DIAG("BEGIN { $x = (struct task_struct)curtask; }",
		"<stdin>:1:14-40: error: cannot cast to struct task_struct: cast to a pointer to it\n"
		"BEGIN { $x = (struct task_struct)curtask; }\n"
		"             ~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

/* Provider names ignore case (bpftrace 0.24); the aliases u and U differ. */
static void test_sema_probe_names_ignore_case(void **state)
{
	EXPECT_DIAG("begin { } BEGIN { } Begin { } end { } END { } eNd { }", "");
	EXPECT_DIAG("BEGIN:x { }",
		"<stdin>:1:1-7: error: begin takes no arguments\n"
		"BEGIN:x { }\n"
		"~~~~~~~\n");
	EXPECT_DIAG("Begin, begin { }",
		"<stdin>:1:8-12: error: begin is listed twice\n"
		"Begin, begin { }\n"
		"       ~~~~~\n");
	EXPECT_DIAG("Bgin { }",
		"<stdin>:1:1-4: error: unknown probe type 'Bgin'; did you mean 'begin'?\n"
		"Bgin { }\n"
		"~~~~\n");
}

/* bool (bpftrace 0.24): comparisons are bools; ++ takes none; the config
 * key that prints them as 0.17 did takes an integer or true/false. */
static void test_sema_bool(void **state)
{
	EXPECT_DIAG("config = { bool_as_int = true } BEGIN { $b = 1 < 2; $c = !$b && true || false; "
		    "@m[$b] = $c; $n = $b + 1; if ($b) { } }", "");
	EXPECT_DIAG("BEGIN { $b = 1 == 1; $b++; }",
		"<stdin>:1:22-25: error: operator ++ needs an integer or pointer variable; $b holds bool\n"
		"BEGIN { $b = 1 == 1; $b++; }\n"
		"                     ~~~~\n");
	EXPECT_DIAG("BEGIN { $s = \"a\" ?: 1; }",
		"<stdin>:1:14-16: error: the left of ?: needs an integer, not string[2]\n"
		"BEGIN { $s = \"a\" ?: 1; }\n"
		"             ~~~\n");
	EXPECT_DIAG("BEGIN { $p = (uint8 *)0 ?: 1; }",
		"<stdin>:1:14-28: error: the operands of ?: have different types: uint8 * and int8\n"
		"BEGIN { $p = (uint8 *)0 ?: 1; }\n"
		"             ~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("config = { bool_as_int = \"maybe\" } BEGIN { }",
		"<stdin>:1:26-32: error: config bool_as_int must be true or false\n"
		"config = { bool_as_int = \"maybe\" } BEGIN { }\n"
		"                         ~~~~~~~\n");
}

static void test_sema_btf_index_bounds(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = curtask->signal->pids[9]; }",
		"<stdin>:1:36: error: index 9 is out of bounds for struct pid *[4]\n"
		"BEGIN { $x = curtask->signal->pids[9]; }\n"
		"                                   ~\n");
}

static void test_sema_array_and_pointer_errors(void **state)
{
	EXPECT_DIAG("BEGIN { $a = *(int32[4] *)0; $b = *(int32[4] *)8; print($a < $b); }",
		"<stdin>:1:57-63: error: operator < cannot take int32[4] and int32[4]: arrays compare with == and != only\n"
		"BEGIN { $a = *(int32[4] *)0; $b = *(int32[4] *)8; print($a < $b); }\n"
		"                                                        ~~~~~~~\n");
	EXPECT_DIAG("BEGIN { $a = *(int32[2] *)0; print($a[2]); }",
		"<stdin>:1:39: error: index 2 is out of bounds for int32[2]\n"
		"BEGIN { $a = *(int32[2] *)0; print($a[2]); }\n"
		"                                      ~\n");
	EXPECT_DIAG("BEGIN { $p = (int32[0] *)0; }",
		"<stdin>:1:14-25: error: array type int32[0]: its length must be at least 1 and its size at most 1073741824 bytes\n"
		"BEGIN { $p = (int32[0] *)0; }\n"
		"             ~~~~~~~~~~~~\n");
	EXPECT_DIAG("BEGIN { $p = kptr(1 == 1); }",
		"<stdin>:1:19-24: error: kptr() needs a pointer or an integer address, not bool\n"
		"BEGIN { $p = kptr(1 == 1); }\n"
		"                  ~~~~~~\n");
	EXPECT_DIAG("BEGIN { $a = *(int32[2] *)0; print(&$a[1]); }",
		"<stdin>:1:36-41: error: cannot take the address of an element of a copy (int32[2]): take it in memory, where the copy was read from\n"
		"BEGIN { $a = *(int32[2] *)0; print(&$a[1]); }\n"
		"                                   ~~~~~~\n");
	EXPECT_DIAG("BEGIN { $p = (int32 *)0; print($p[1][0]); }",
		"<stdin>:1:32-39: error: [] needs an array, a string or a typed pointer, not int32\n"
		"BEGIN { $p = (int32 *)0; print($p[1][0]); }\n"
		"                               ~~~~~~~~\n");
}

static void test_sema_btf_accepts(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $t = (struct task_struct *)curtask; $p = $t->real_parent->pid; $c = $t->comm; "
		    "$b = $t->in_execve; $n = curtask->signal->pids[1]->numbers[0].nr; $s = str(curtask->fs->root.dentry->d_name.name); "
		    "$a = &curtask->se; $q = $a + 1; $d = $q - $a; $z = sizeof(struct list_head) + offsetof(struct list_head, prev); "
		    "$i = *(uint32 *)&curtask->pid; @m[curtask->comm] = count(); }", "");
}

static void test_sema_builtin_call_forms(void **state)
{
	EXPECT_DIAG("BEGIN { $x = pid(3); }",
		"<stdin>:1:18: error: pid() takes a PID namespace: init or curr_ns\n"
		"BEGIN { $x = pid(3); }\n"
		"                 ~\n");
	EXPECT_DIAG("BEGIN { $x = uid(3); }",
		"<stdin>:1:14-19: error: uid takes no arguments\n"
		"BEGIN { $x = uid(3); }\n"
		"             ~~~~~~\n");
	EXPECT_DIAG("BEGIN { $x = nsecs(wall); }",
		"<stdin>:1:20-23: error: nsecs() takes a clock: monotonic, boot, tai or sw_tai\n"
		"BEGIN { $x = nsecs(wall); }\n"
		"                   ~~~~\n");
	EXPECT_DIAG("BEGIN { $a = pid() + tid() + nsecs() + nsecs(boot) + cpu(); $c = comm(); exit; }", "");
	EXPECT_DIAG("BEGIN { $a = pid(init) + pid(curr_ns) + tid(init) + tid(curr_ns); }", "");
}

static void test_sema_task_builtins(void **state)
{
	NEED_BTF();
	EXPECT_DIAG("BEGIN { $x = pcomm(\"a\"); }",
		"<stdin>:1:20-22: error: pcomm() takes a task (struct task_struct *), not string[2]\n"
		"BEGIN { $x = pcomm(\"a\"); }\n"
		"                   ~~~\n");
	EXPECT_DIAG("BEGIN { $a = ppid(curtask) + leader_tid + leader_tid(curtask); $c = pcomm; $d = leader_comm(curtask); }", "");
}

static void test_sema_str_builtins(void **state)
{
	EXPECT_DIAG("BEGIN { $x = strstr(1, \"a\"); }",
		"<stdin>:1:21: error: strstr() needs a string, not int8\n"
		"BEGIN { $x = strstr(1, \"a\"); }\n"
		"                    ~\n");
	EXPECT_DIAG("BEGIN { $x = signal_name(\"a\"); }",
		"<stdin>:1:26-28: error: signal_name() needs an integer, not string[2]\n"
		"BEGIN { $x = signal_name(\"a\"); }\n"
		"                         ~~~\n");
	EXPECT_DIAG("BEGIN { $x = is_err(\"a\"); }",
		"<stdin>:1:21-23: error: is_err() needs a pointer or an integer, not string[2]\n"
		"BEGIN { $x = is_err(\"a\"); }\n"
		"                    ~~~\n");
}

/* bpftrace 0.22's let: the warnings it gives, a declared variable starts at zero */
static void test_sema_let_warnings(void **state)
{
	EXPECT_DIAG("BEGIN { let $x; @a = $x; let $y; }",
		"<stdin>:1:22-23: warning: variable $x is used before it was assigned\n"
		"BEGIN { let $x; @a = $x; let $y; }\n"
		"                     ~~\n"
		"<stdin>:1:13-14: warning: variable $x was never assigned to\n" /* reading it is no assignment */
		"BEGIN { let $x; @a = $x; let $y; }\n"
		"            ~~\n"
		"<stdin>:1:30-31: warning: variable $y was never assigned to\n"
		"BEGIN { let $x; @a = $x; let $y; }\n"
		"                             ~~\n");
}

static void test_sema_let_types(void **state)
{
	EXPECT_DIAG("BEGIN { let $a: string[8] = \"x\"; let $b: buffer[4]; let $c: uint32_t = 1; let $d: typeof($c) = 2; "
		    "let $e: typeof(int16) = -3; $b = $b; @m = ($a, $c, $d, $e); }",
		    /* $b = $b reads $b before it has a value: zero, with bpftrace's warning */
		    "<stdin>:1:132-133: warning: variable $b is used before it was assigned\n"
		    "BEGIN { let $a: string[8] = \"x\"; let $b: buffer[4]; let $c: uint32_t = 1; let $d: typeof($c) = 2; "
		    "let $e: typeof(int16) = -3; $b = $b; @m = ($a, $c, $d, $e); }\n"
		    "                                                                                                                                   ~~\n");
	EXPECT_DIAG("BEGIN { let $a: strin = 1; }",
		"<stdin>:1:13-14: error: unknown type 'strin'\n"
		"BEGIN { let $a: strin = 1; }\n"
		"            ~~\n");
	EXPECT_DIAG("BEGIN { let $a: string[4] = 1; }",
		"<stdin>:1:29: error: type mismatch for $a: assigning int8, but it is declared string[4]\n"
		"BEGIN { let $a: string[4] = 1; }\n"
		"                            ~\n");
}

/* The types of the first probe's variables, in slot order, as "a=uint16 ..." (malloc'd). */
static char *var_types(const char *text)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_source src = { .name = "<stdin>", .text = text, .len = strlen(text) };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	struct xt_node *ast = xt_parse(ar, &src, XT_PARSE_PROGRAM, &dg);
	struct xt_sema_opts o = { 0 };
	struct xt_program *prog = ast ? xt_sema(ar, &src, ast, &o, &dg) : NULL;
	assert_non_null(prog);
	char buf[512] = "";
	for (int i = 0; i < prog->probes[0].nvars; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 xt_type_name(ar, prog->probes[0].var_types[i]));
	xt_diags_fini(&dg);
	xt_arena_free(ar);
	return strdup(buf);
}

/* A variable keeps its first typed value's integer type; literals and
 * arithmetic make int64; a wider typed value widens it, its sign stays. */
static void test_sema_var_width(void **state)
{
	char *got = var_types("BEGIN { $a = (uint16)1; $b = (int8)-1; $c = $a; $i = 0; $d = $a + 1; $e = (uint8)1; "
			      "$e = (uint32)7; $f = (int16)1; $f = (uint64)1; $g = 1 ? (uint8)1 : (uint8)2; $h = -1; "
			      "$i = (uint8)3; $a = $a * 1000; let $j = (uint32)1; }");
	assert_string_equal(got, "uint16 int8 uint16 int64 int64 uint32 int64 uint8 int64 uint32");
	free(got);
	EXPECT_DIAG("BEGIN { $a = (uint16)1; $a = -1; }",
		"<stdin>:1:30-31: error: the value -1 does not fit in $a's type uint16; a cast, as in (uint16)-1, converts it\n"
		"BEGIN { $a = (uint16)1; $a = -1; }\n"
		"                             ~~\n");
	EXPECT_DIAG("BEGIN { $a = (int64)1; $a = (uint64)1; $b = (int64)1; $b = (uint32)1; $c = 0; $c = (uint64)1; }",
		"<stdin>:1:24-37: warning: sign mismatch: assigning uint64 to $a, which holds int64; the value is converted as (int64) converts it\n"
		"BEGIN { $a = (int64)1; $a = (uint64)1; $b = (int64)1; $b = (uint32)1; $c = 0; $c = (uint64)1; }\n"
		"                       ~~~~~~~~~~~~~~\n");
}

/* 0.17 scripts: assigned on every path through an if/else, read after it */
static void test_sema_definite_assignment(void **state)
{
	EXPECT_DIAG("BEGIN { if (1) { $a = 1; } else { $a = 2; } @x = $a; }", "");
	EXPECT_DIAG("BEGIN { if (1) { $a = 1; } else { if (2) { $a = 2; } else { $a = 3; } } @x = $a; }", "");
	EXPECT_DIAG("BEGIN { if (1) { $a = 1; } else { $a += 2; } @x = $a; }",
		"<stdin>:1:35-36: error: variable $a is used before it is assigned\n"
		"BEGIN { if (1) { $a = 1; } else { $a += 2; } @x = $a; }\n"
		"                                  ~~\n"
		"<stdin>:1:51-52: error: undefined or undeclared variable: $a\n"
		"BEGIN { if (1) { $a = 1; } else { $a += 2; } @x = $a; }\n"
		"                                                  ~~\n"
		"note: $a is assigned only inside a block that has ended; declare it before that block (let $a;) "
		"or assign it on every path\n");
	EXPECT_DIAG("BEGIN { if (1) { $a = 1; } else { $a = \"s\"; } @x = $a; }",
		"<stdin>:1:35-42: error: type mismatch for $a: assigning string[2], but it holds int64\n"
		"BEGIN { if (1) { $a = 1; } else { $a = \"s\"; } @x = $a; }\n"
		"                                  ~~~~~~~~\n");
}

/* tuples: == and != only, between tuples of the same shape */
static void test_sema_tuple_compare(void **state)
{
	EXPECT_DIAG("BEGIN { @a = (1, \"a\") == (2, \"b\"); @b = (x=1) != (x=2); }", "");
	EXPECT_DIAG("BEGIN { @a = (1, \"a\") == (1, 2); }",
		"<stdin>:1:14-31: error: operator == cannot compare (int64, string[2]) and (int64, int64)\n"
		"BEGIN { @a = (1, \"a\") == (1, 2); }\n"
		"             ~~~~~~~~~~~~~~~~~~\n");
}

/* map declarations: an unused one warns, a duplicate is an error */
static void test_sema_map_decls(void **state)
{
	EXPECT_DIAG("let @u = lruhash(4); BEGIN { @x = 1; }",
		"<stdin>:1:5-19: warning: unused map: @u\n"
		"let @u = lruhash(4); BEGIN { @x = 1; }\n"
		"    ~~~~~~~~~~~~~~~\n");
	EXPECT_DIAG("let @u = lruhash(4); let @u = hash(2); BEGIN { @u = 1; }",
		"<stdin>:1:26-37: error: map @u is already declared\n"
		"let @u = lruhash(4); let @u = hash(2); BEGIN { @u = 1; }\n"
		"                         ~~~~~~~~~~~~\n");
}

/* str()'s string sizes: 0.26 keeps max_strlen characters (1024 + the NUL)
 * and counts the NUL in str(p, n); 0.17's counts with config str_count or
 * XTRACE_STR_COUNT; `string` holds what str() reads */
static void test_sema_str_counts(void **state)
{
	EXPECT_DIAG("BEGIN { @x = 1; @x = str(0); @x = str(0, 5); @x = str(0, 0); let $s: string = 1; }",
		"<stdin>:1:17-27: error: type mismatch for @x: assigning string[1025], but it holds int64\n"
		"BEGIN { @x = 1; @x = str(0); @x = str(0, 5); @x = str(0, 0); let $s: string = 1; }\n"
		"                ~~~~~~~~~~~\n"
		"<stdin>:1:30-43: error: type mismatch for @x: assigning string[5], but it holds int64\n"
		"BEGIN { @x = 1; @x = str(0); @x = str(0, 5); @x = str(0, 0); let $s: string = 1; }\n"
		"                             ~~~~~~~~~~~~~~\n"
		"<stdin>:1:46-59: error: type mismatch for @x: assigning string[1], but it holds int64\n"
		"BEGIN { @x = 1; @x = str(0); @x = str(0, 5); @x = str(0, 0); let $s: string = 1; }\n"
		"                                             ~~~~~~~~~~~~~~\n"
		"<stdin>:1:79: error: type mismatch for $s: assigning int8, but it is declared string[1025]\n"
		"BEGIN { @x = 1; @x = str(0); @x = str(0, 5); @x = str(0, 0); let $s: string = 1; }\n"
		"                                                                              ~\n");
	EXPECT_DIAG("config = { str_count = \"0.17\" } BEGIN { @x = 1; @x = str(0); @x = str(0, 5); }",
		"<stdin>:1:49-59: error: type mismatch for @x: assigning string[1024], but it holds int64\n"
		"config = { str_count = \"0.17\" } BEGIN { @x = 1; @x = str(0); @x = str(0, 5); }\n"
		"                                                ~~~~~~~~~~~\n"
		"<stdin>:1:62-75: error: type mismatch for @x: assigning string[6], but it holds int64\n"
		"config = { str_count = \"0.17\" } BEGIN { @x = 1; @x = str(0); @x = str(0, 5); }\n"
		"                                                             ~~~~~~~~~~~~~~\n");
	setenv("XTRACE_STR_COUNT", "0.17", 1);
	EXPECT_DIAG("BEGIN { let $s: string = 1; }",
		"<stdin>:1:26: error: type mismatch for $s: assigning int8, but it is declared string[1024]\n"
		"BEGIN { let $s: string = 1; }\n"
		"                         ~\n");
	setenv("XTRACE_STR_COUNT", "0.16", 1);
	EXPECT_DIAG("BEGIN { }", "<stdin>: error: XTRACE_STR_COUNT must be 0.17 or 0.26, not '0.16'\n");
	unsetenv("XTRACE_STR_COUNT");
	EXPECT_DIAG("config = { str_count = \"0.18\" } BEGIN { }",
		"<stdin>:1:24-29: error: config str_count must be one of '0.26', '0.17'\n"
		"config = { str_count = \"0.18\" } BEGIN { }\n"
		"                       ~~~~~~\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sema_map_type_mismatch),
		cmocka_unit_test(test_sema_unknown_function_did_you_mean),
		cmocka_unit_test(test_sema_printf_arity),
		cmocka_unit_test(test_sema_unknown_identifier_did_you_mean),
		cmocka_unit_test(test_sema_break_outside_loop),
		cmocka_unit_test(test_sema_block_scope),
		cmocka_unit_test(test_sema_unroll_bound),
		cmocka_unit_test(test_sema_config_key_did_you_mean),
		cmocka_unit_test(test_sema_let_redeclared),
		cmocka_unit_test(test_sema_let_warnings),
		cmocka_unit_test(test_sema_let_types),
		cmocka_unit_test(test_sema_var_width),
		cmocka_unit_test(test_sema_definite_assignment),
		cmocka_unit_test(test_sema_tuple_compare),
		cmocka_unit_test(test_sema_map_decls),
		cmocka_unit_test(test_sema_incdec_on_hist),
		cmocka_unit_test(test_sema_incdec_on_string),
		cmocka_unit_test(test_sema_return_in_map_loop),
		cmocka_unit_test(test_sema_map_never_assigned),
		cmocka_unit_test(test_sema_call_arity),
		cmocka_unit_test(test_sema_bad_cast),
		cmocka_unit_test(test_sema_ternary_without_value),
		cmocka_unit_test(test_sema_lhist_bounds),
		cmocka_unit_test(test_sema_hist_k_bounds),
		cmocka_unit_test(test_sema_accepts_the_language),
		cmocka_unit_test(test_sema_btf_unknown_struct_did_you_mean),
		cmocka_unit_test(test_sema_btf_user_struct),
		cmocka_unit_test(test_sema_btf_unknown_field_did_you_mean),
		cmocka_unit_test(test_sema_btf_dot_on_pointer),
		cmocka_unit_test(test_sema_btf_arrow_on_struct),
		cmocka_unit_test(test_sema_btf_deref_and_store),
		cmocka_unit_test(test_sema_probe_names_ignore_case),
		cmocka_unit_test(test_sema_bool),
		cmocka_unit_test(test_sema_btf_index_bounds),
		cmocka_unit_test(test_sema_array_and_pointer_errors),
		cmocka_unit_test(test_sema_btf_accepts),
		cmocka_unit_test(test_sema_builtin_call_forms),
		cmocka_unit_test(test_sema_task_builtins),
		cmocka_unit_test(test_sema_str_builtins),
		cmocka_unit_test(test_sema_str_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

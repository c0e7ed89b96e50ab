/* Unit tests for runtime/print_map.c and print_hist.c. Every expected string
 * was captured by running bpftrace v0.17.0 on this machine with a program
 * that builds the same data (shown above each test) and pasting its stdout;
 * the few places where xtrace deliberately differs say so. Where 0.26 prints
 * otherwise, the strings follow 0.26: a chart opens with "@h:" (0.17: "@h: "),
 * an empty map prints nothing, JSON's final maps come without two empty lines
 * before them, and JSON histograms have a bare "," between buckets where 0.17
 * wrote ", " (XTRACE_TEXT_LAYOUT=0.17 and XTRACE_JSON_LAYOUT=0.17 give 0.17's:
 * test_print_hist_text_layout_017, test_print_hist_json_layout_017,
 * test_print_exit_dump_of_empty_maps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/print.h"
#include "stdlib/registry.h"

#define I(x) { .kind = XT_VAL_INT, .i = (x) }
#define U(x) { .kind = XT_VAL_UINT, .u = (x) }
#define S(x) { .kind = XT_VAL_STR, .s = (x) }
#define B(x) { .kind = XT_VAL_BOOL, .u = (x) }

static char *render(struct xt_map_data *m, enum xt_format fmt, size_t top, uint64_t div)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xt_print_map(f, fmt, m, top, div);
	fclose(f);
	return buf;
}

static void check(struct xt_map_data *m, enum xt_format fmt, size_t top, uint64_t div,
		  const char *want)
{
	char *got = render(m, fmt, top, div);

	assert_string_equal(got, want);
	free(got);
}

/* @c[1] = count(); @c[2] x3; @c[3] x2 */
static void test_print_count_sorted_by_value(void **state)
{
	struct xt_val k[] = { I(2), I(1), I(3) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = U(3) },
		{ .keys = &k[1], .nkeys = 1, .value = U(1) },
		{ .keys = &k[2], .nkeys = 1, .value = U(2) },
	};
	struct xt_map_data m = { .name = "c", .agg = xt_bi_count.agg, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@c[1]: 1\n"
		"@c[3]: 2\n"
		"@c[2]: 3\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@c\": {\"1\": 1, \"3\": 2, \"2\": 3}}}\n");
}

/* same map: print(@c, 2); print(@c, 0, 2) */
static void test_print_count_top_and_div(void **state)
{
	struct xt_val k[] = { I(1), I(2), I(3) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = U(1) },
		{ .keys = &k[1], .nkeys = 1, .value = U(3) },
		{ .keys = &k[2], .nkeys = 1, .value = U(2) },
	};
	struct xt_map_data m = { .name = "c", .agg = xt_bi_count.agg, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 2, 0,
		"@c[3]: 2\n"
		"@c[2]: 3\n");
	check(&m, XT_FMT_TEXT, 0, 2,
		"@c[1]: 0\n"
		"@c[3]: 1\n"
		"@c[2]: 1\n");
	check(&m, XT_FMT_JSON, 2, 0,
		"{\"type\": \"map\", \"data\": {\"@c\": {\"3\": 2, \"2\": 3}}}\n");
	check(&m, XT_FMT_JSON, 0, 2,
		"{\"type\": \"map\", \"data\": {\"@c\": {\"1\": 0, \"3\": 1, \"2\": 1}}}\n");
}

/* @n["bash"] = count(); @n["sshd"] x2; @n["zsh"] x3 */
static void test_print_string_keys(void **state)
{
	struct xt_val k[] = { S("zsh"), S("bash"), S("sshd") };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = U(3) },
		{ .keys = &k[1], .nkeys = 1, .value = U(1) },
		{ .keys = &k[2], .nkeys = 1, .value = U(2) },
	};
	struct xt_map_data m = { .name = "n", .agg = xt_bi_count.agg, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@n[bash]: 1\n"
		"@n[sshd]: 2\n"
		"@n[zsh]: 3\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@n\": {\"bash\": 1, \"sshd\": 2, \"zsh\": 3}}}\n");
}

/* @y["b"] = "1"; @y["a"] = "2"; @y["ab"] = "3": string values sort by key */
static void test_print_string_values_sorted_by_key(void **state)
{
	struct xt_val k[] = { S("b"), S("a"), S("ab") };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = S("1") },
		{ .keys = &k[1], .nkeys = 1, .value = S("2") },
		{ .keys = &k[2], .nkeys = 1, .value = S("3") },
	};
	struct xt_map_data m = { .name = "y", .agg = NULL, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@y[a]: 2\n"
		"@y[ab]: 3\n"
		"@y[b]: 1\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@y\": {\"a\": \"2\", \"ab\": \"3\", \"b\": \"1\"}}}\n");
}

/* @x[-1] = "a"; @x[5] = "b"; @x[0] = "c": integer keys compare as unsigned */
static void test_print_int_keys_sort_unsigned(void **state)
{
	struct xt_val k[] = { I(-1), I(5), I(0) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = S("a") },
		{ .keys = &k[1], .nkeys = 1, .value = S("b") },
		{ .keys = &k[2], .nkeys = 1, .value = S("c") },
	};
	struct xt_map_data m = { .name = "x", .agg = NULL, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@x[0]: c\n"
		"@x[5]: b\n"
		"@x[-1]: a\n");
}

/* @m["abc", 2] = 5; @m["x", 1] = -7 */
static void test_print_multi_key(void **state)
{
	struct xt_val k[] = { S("abc"), I(2), S("x"), I(1) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 2, .value = I(5) },
		{ .keys = &k[2], .nkeys = 2, .value = I(-7) },
	};
	struct xt_map_data m = { .name = "m", .agg = NULL, .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@m[x, 1]: -7\n"
		"@m[abc, 2]: 5\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@m\": {\"x,1\": -7, \"abc,2\": 5}}}\n");
}

/* @s = sum(5) */
static void test_print_scalar(void **state)
{
	struct xt_map_entry e[] = { { .value = I(5) } };
	struct xt_map_data m = { .name = "s", .agg = xt_bi_sum.agg, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0, "@s: 5\n");
	check(&m, XT_FMT_JSON, 0, 0, "{\"type\": \"map\", \"data\": {\"@s\": 5}}\n");
}

/* @w[1] = min(5); @w[2] = min(-5); @w[3] = min(0): signed order */
static void test_print_min_signed_order(void **state)
{
	struct xt_val k[] = { I(1), I(2), I(3) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = I(5) },
		{ .keys = &k[1], .nkeys = 1, .value = I(-5) },
		{ .keys = &k[2], .nkeys = 1, .value = I(0) },
	};
	struct xt_map_data m = { .name = "w", .agg = xt_bi_min.agg, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@w[2]: -5\n"
		"@w[3]: 0\n"
		"@w[1]: 5\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@w\": {\"2\": -5, \"3\": 0, \"1\": 5}}}\n");
}

/* @mx = max(9); @av = avg(-3); @av = avg(-4) (average truncates: -7/2 = -3) */
static void test_print_max_and_avg_scalar(void **state)
{
	struct xt_map_entry mx[] = { { .value = I(9) } };
	struct xt_map_data m = { .name = "mx", .agg = xt_bi_max.agg, .entries = mx, .n = 1 };
	struct xt_map_entry av[] = { { .count = 2, .total = -7 } };
	struct xt_map_data a = { .name = "a", .agg = xt_bi_avg.agg, .entries = av, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0, "@mx: 9\n");
	/* bpftrace 0.26: no blank line after avg maps (0.17's: XTRACE_STATS_LAYOUT=0.17) */
	check(&a, XT_FMT_TEXT, 0, 0, "@a: -3\n");
	check(&a, XT_FMT_TEXT, 0, 2, "@a: -1\n");
	check(&a, XT_FMT_JSON, 0, 0, "{\"type\": \"stats\", \"data\": {\"@a\": -3}}\n");
	check(&a, XT_FMT_JSON, 0, 2, "{\"type\": \"stats\", \"data\": {\"@a\": -1}}\n");
}

/* @a[1, "q"] = avg(10); @a[2, "r"] = avg(-2) */
static void test_print_avg_keyed(void **state)
{
	struct xt_val k[] = { I(1), S("q"), I(2), S("r") };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 2, .count = 1, .total = 10 },
		{ .keys = &k[2], .nkeys = 2, .count = 1, .total = -2 },
	};
	struct xt_map_data m = { .name = "a", .agg = xt_bi_avg.agg, .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@a[2, r]: -2\n"
		"@a[1, q]: 10\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"stats\", \"data\": {\"@a\": {\"2,r\": -2, \"1,q\": 10}}}\n");
}

/* @a[1] = avg(-7); @a[2] = avg(5); @a[3] = avg(3); print(@a, 2, 2) */
static void test_print_avg_top_div(void **state)
{
	struct xt_val k[] = { I(1), I(2), I(3) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .count = 1, .total = -7 },
		{ .keys = &k[1], .nkeys = 1, .count = 1, .total = 5 },
		{ .keys = &k[2], .nkeys = 1, .count = 1, .total = 3 },
	};
	struct xt_map_data m = { .name = "a", .agg = xt_bi_avg.agg, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 2, 2,
		"@a[3]: 1\n"
		"@a[2]: 2\n");
	check(&m, XT_FMT_JSON, 2, 2,
		"{\"type\": \"stats\", \"data\": {\"@a\": {\"3\": 1, \"2\": 2}}}\n");
}

/* @s["x"] = stats(5); @s["y"] = stats(-10); @s["y"] = stats(4) */
static void test_print_stats(void **state)
{
	struct xt_val k[] = { S("x"), S("y") };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .count = 1, .total = 5 },
		{ .keys = &k[1], .nkeys = 1, .count = 2, .total = -6 },
	};
	struct xt_map_data m = { .name = "s", .agg = xt_bi_stats.agg, .entries = e, .n = 2 };

	/* bpftrace 0.26's layout (0.17's: XTRACE_STATS_LAYOUT=0.17, test_cli26.sh) */
	check(&m, XT_FMT_TEXT, 0, 0,
		"@s[y]: { .count = 2, .average = -3, .total = -6 }\n"
		"@s[x]: { .count = 1, .average = 5, .total = 5 }\n");
	/* bpftrace ignores top and div for stats() */
	check(&m, XT_FMT_TEXT, 1, 2,
		"@s[y]: { .count = 2, .average = -3, .total = -6 }\n"
		"@s[x]: { .count = 1, .average = 5, .total = 5 }\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"stats\", \"data\": {\"@s\": {\"y\": {\"count\": 2, \"average\": -3, \"total\": -6}, "
		"\"x\": {\"count\": 1, \"average\": 5, \"total\": 5}}}}\n");
}

/* @h = hist(0); hist(1); hist(3); hist(1000); hist(-5) */
static void test_print_hist(void **state)
{
	uint64_t b[66] = { [0] = 1, [1] = 1, [2] = 1, [3] = 1, [11] = 1 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 66 } };
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@h:\n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              0 |                                                    |\n"
		"[128, 256)             0 |                                                    |\n"
		"[256, 512)             0 |                                                    |\n"
		"[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1},{\"min\": 0, \"max\": 0, \"count\": 1},{\"min\": 1, \"max\": 1, \"count\": 1},{\"min\": 2, \"max\": 3, \"count\": 1},{\"min\": 4, \"max\": 7, \"count\": 0},{\"min\": 8, \"max\": 15, \"count\": 0},{\"min\": 16, \"max\": 31, \"count\": 0},{\"min\": 32, \"max\": 63, \"count\": 0},{\"min\": 64, \"max\": 127, \"count\": 0},{\"min\": 128, \"max\": 255, \"count\": 0},{\"min\": 256, \"max\": 511, \"count\": 0},{\"min\": 512, \"max\": 1023, \"count\": 1}]}}\n");
}

/* @h = hist(1) x3, hist(2) x2, hist(4), hist(8) x7: bar = (int)(v / (float)max * 52) */
/* the text of the hist in test_print_hist_bar_scaling (and in the 0.17 JSON layout test) */
static const char hist_bar_scaling_text[] =
	"@h:\n"
	"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@                              |\n"
	"[2, 4)                 2 |@@@@@@@@@@@@@@                                      |\n"
	"[4, 8)                 1 |@@@@@@@                                             |\n"
	"[8, 16)                7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
	"\n";

static void test_print_hist_bar_scaling(void **state)
{
	uint64_t b[66] = { [2] = 3, [3] = 2, [4] = 1, [5] = 7 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 66 } };
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0, hist_bar_scaling_text);
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1, \"max\": 1, \"count\": 3},{\"min\": 2, \"max\": 3, \"count\": 2},{\"min\": 4, \"max\": 7, \"count\": 1},{\"min\": 8, \"max\": 15, \"count\": 7}]}}\n");
}

/* XTRACE_JSON_LAYOUT=0.17: the buckets of the test above as bpftrace 0.17 separates them */
static void test_print_hist_json_layout_017(void **state)
{
	uint64_t b[66] = { [2] = 3, [3] = 2, [4] = 1, [5] = 7 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 66 } };
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 1 };

	setenv("XTRACE_JSON_LAYOUT", "0.17", 1);
	xt_print_layout_read();
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1, \"max\": 1, \"count\": 3}, {\"min\": 2, \"max\": 3, \"count\": 2}, {\"min\": 4, \"max\": 7, \"count\": 1}, {\"min\": 8, \"max\": 15, \"count\": 7}]}}\n");
	/* the text layout stays 0.26's */
	check(&m, XT_FMT_TEXT, 0, 0, hist_bar_scaling_text);
	unsetenv("XTRACE_JSON_LAYOUT");
	xt_print_layout_read();
}

/* XTRACE_TEXT_LAYOUT=0.17: bpftrace 0.17's "@h: " and "@h[k]: " headers.
 * @h["b"] = hist(5); hist(6); hist(8); @h["a"] = hist(100); @g = hist(100),
 * as bpftrace 0.17 prints them; JSON stays 0.26's */
static void test_print_hist_text_layout_017(void **state)
{
	uint64_t ba[66] = { [8] = 1 }, bb[66] = { [4] = 2, [5] = 1 };
	struct xt_val k[] = { S("a"), S("b") };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .buckets = ba, .nbuckets = 66 },
		{ .keys = &k[1], .nkeys = 1, .buckets = bb, .nbuckets = 66 },
	};
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 2 };
	struct xt_map_data one = { .name = "g", .agg = xt_bi_hist.agg, .entries = &(struct xt_map_entry){ .buckets = ba, .nbuckets = 66 }, .n = 1 };

	setenv("XTRACE_TEXT_LAYOUT", "0.17", 1);
	xt_print_layout_read();
	check(&m, XT_FMT_TEXT, 0, 0,
		"@h[a]: \n"
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[b]: \n"
		"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
	check(&one, XT_FMT_TEXT, 0, 0,
		"@g: \n"
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": {\"a\": [{\"min\": 64, \"max\": 127, \"count\": 1}], \"b\": [{\"min\": 4, \"max\": 7, \"count\": 2},{\"min\": 8, \"max\": 15, \"count\": 1}]}}}\n");
	unsetenv("XTRACE_TEXT_LAYOUT");
	xt_print_layout_read();
	check(&one, XT_FMT_TEXT, 0, 0,
		"@g:\n"
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/* @h = hist(5) x3; hist(100); print(@h, 0, 2): counts divided, bars not */
static void test_print_hist_div(void **state)
{
	uint64_t b[66] = { [4] = 3, [8] = 1 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 66 } };
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 2,
		"@h:\n"
		"[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              0 |@@@@@@@@@@@@@@@@@                                   |\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 2,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 4, \"max\": 7, \"count\": 1},{\"min\": 8, \"max\": 15, \"count\": 0},{\"min\": 16, \"max\": 31, \"count\": 0},{\"min\": 32, \"max\": 63, \"count\": 0},{\"min\": 64, \"max\": 127, \"count\": 0}]}}\n");
}

/* @h["b"] = hist(5); hist(6); @h["a"] = hist(100); @h["c"] = hist(1) x3:
 * keyed hists sort by their total count */
static void test_print_hist_keyed(void **state)
{
	uint64_t ba[66] = { [8] = 1 }, bb[66] = { [4] = 2 }, bc[66] = { [2] = 3 };
	struct xt_val k[] = { S("c"), S("a"), S("b") };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .buckets = bc, .nbuckets = 66 },
		{ .keys = &k[1], .nkeys = 1, .buckets = ba, .nbuckets = 66 },
		{ .keys = &k[2], .nkeys = 1, .buckets = bb, .nbuckets = 66 },
	};
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@h[a]:\n"
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[b]:\n"
		"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[c]:\n"
		"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": {\"a\": [{\"min\": 64, \"max\": 127, \"count\": 1}], \"b\": [{\"min\": 4, \"max\": 7, \"count\": 2}], \"c\": [{\"min\": 1, \"max\": 1, \"count\": 3}]}}}\n");
	/* print(@h, 2) */
	check(&m, XT_FMT_TEXT, 2, 0,
		"@h[b]:\n"
		"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[c]:\n"
		"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/* @k[1] = hist(2); @k[2] = hist(3); zero(@k): all-zero histograms have no rows */
static void test_print_hist_all_zero(void **state)
{
	uint64_t b1[66] = { 0 }, b2[66] = { 0 };
	struct xt_val k[] = { I(2), I(1) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .buckets = b2, .nbuckets = 66 },
		{ .keys = &k[1], .nkeys = 1, .buckets = b1, .nbuckets = 66 },
	};
	struct xt_map_data m = { .name = "k", .agg = xt_bi_hist.agg, .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@k[1]:\n"
		"\n"
		"@k[2]:\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@k\": {\"1\": [], \"2\": []}}}\n");
}

/* hist(1 << 10), (1 << 20), (1 << 30), (1 << 31) x2, 3000000000 */
static void test_print_hist_big_labels(void **state)
{
	uint64_t b[66] = { [12] = 1, [22] = 1, [32] = 1, [33] = 3 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 66 } };
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@h:\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[2K, 4K)               0 |                                                    |\n"
		"[4K, 8K)               0 |                                                    |\n"
		"[8K, 16K)              0 |                                                    |\n"
		"[16K, 32K)             0 |                                                    |\n"
		"[32K, 64K)             0 |                                                    |\n"
		"[64K, 128K)            0 |                                                    |\n"
		"[128K, 256K)           0 |                                                    |\n"
		"[256K, 512K)           0 |                                                    |\n"
		"[512K, 1M)             0 |                                                    |\n"
		"[1M, 2M)               1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[2M, 4M)               0 |                                                    |\n"
		"[4M, 8M)               0 |                                                    |\n"
		"[8M, 16M)              0 |                                                    |\n"
		"[16M, 32M)             0 |                                                    |\n"
		"[32M, 64M)             0 |                                                    |\n"
		"[64M, 128M)            0 |                                                    |\n"
		"[128M, 256M)           0 |                                                    |\n"
		"[256M, 512M)           0 |                                                    |\n"
		"[512M, 1G)             0 |                                                    |\n"
		"[1G, 2G)               1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[2G, 4G)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	/* Deliberate difference: bpftrace 0.17 prints the [2G, 4G) bucket as
	 * {"min": -2147483648, "max": 0, ...} (32-bit overflow). */
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1024, \"max\": 2047, \"count\": 1},{\"min\": 2048, \"max\": 4095, \"count\": 0},{\"min\": 4096, \"max\": 8191, \"count\": 0},{\"min\": 8192, \"max\": 16383, \"count\": 0},{\"min\": 16384, \"max\": 32767, \"count\": 0},{\"min\": 32768, \"max\": 65535, \"count\": 0},{\"min\": 65536, \"max\": 131071, \"count\": 0},{\"min\": 131072, \"max\": 262143, \"count\": 0},{\"min\": 262144, \"max\": 524287, \"count\": 0},{\"min\": 524288, \"max\": 1048575, \"count\": 0},{\"min\": 1048576, \"max\": 2097151, \"count\": 1},{\"min\": 2097152, \"max\": 4194303, \"count\": 0},{\"min\": 4194304, \"max\": 8388607, \"count\": 0},{\"min\": 8388608, \"max\": 16777215, \"count\": 0},{\"min\": 16777216, \"max\": 33554431, \"count\": 0},{\"min\": 33554432, \"max\": 67108863, \"count\": 0},{\"min\": 67108864, \"max\": 134217727, \"count\": 0},{\"min\": 134217728, \"max\": 268435455, \"count\": 0},{\"min\": 268435456, \"max\": 536870911, \"count\": 0},{\"min\": 536870912, \"max\": 1073741823, \"count\": 0},{\"min\": 1073741824, \"max\": 2147483647, \"count\": 1},{\"min\": 2147483648, \"max\": 4294967295, \"count\": 3}]}}\n");
}

/* Beyond 2^32 bpftrace 0.17 cannot go (its log2 saturates); these labels
 * follow its scheme with the T, P and E suffixes of later releases. */
static void test_print_hist_labels_beyond_32_bits(void **state)
{
	uint64_t b[66] = { [43] = 1, [53] = 2, [63] = 1, [65] = 1 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 66 } };
	struct xt_map_data m = { .name = "h", .agg = xt_bi_hist.agg, .entries = e, .n = 1 };
	char *got = render(&m, XT_FMT_TEXT, 0, 0);

	assert_non_null(strstr(got, "\n[2T, 4T)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@      "));
	assert_non_null(strstr(got, "\n[2P, 4P)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"));
	assert_non_null(strstr(got, "\n[2E, 4E)               1 |"));
	assert_non_null(strstr(got, "\n[8E, 16E)              1 |"));
	free(got);
	got = render(&m, XT_FMT_JSON, 0, 0);
	assert_non_null(strstr(got, "{\"min\": 9223372036854775808, \"max\": 18446744073709551615, \"count\": 1}]}}\n"));
	free(got);
}

/* @l = lhist(7, 0, 100, 10); lhist(55, ...); lhist(200, ...) x2; lhist(-1, ...) */
static void test_print_lhist_under_and_overflow(void **state)
{
	uint64_t b[12] = { [0] = 1, [1] = 1, [6] = 1, [11] = 2 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 12 } };
	struct xt_map_data m = { .name = "l", .agg = xt_bi_lhist.agg, .lmin = 0, .lmax = 100,
				 .lstep = 10, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@l:\n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[0, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[10, 20)               0 |                                                    |\n"
		"[20, 30)               0 |                                                    |\n"
		"[30, 40)               0 |                                                    |\n"
		"[40, 50)               0 |                                                    |\n"
		"[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[60, 70)               0 |                                                    |\n"
		"[70, 80)               0 |                                                    |\n"
		"[80, 90)               0 |                                                    |\n"
		"[90, 100)              0 |                                                    |\n"
		"[100, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1},{\"min\": 0, \"max\": 9, \"count\": 1},{\"min\": 10, \"max\": 19, \"count\": 0},{\"min\": 20, \"max\": 29, \"count\": 0},{\"min\": 30, \"max\": 39, \"count\": 0},{\"min\": 40, \"max\": 49, \"count\": 0},{\"min\": 50, \"max\": 59, \"count\": 1},{\"min\": 60, \"max\": 69, \"count\": 0},{\"min\": 70, \"max\": 79, \"count\": 0},{\"min\": 80, \"max\": 89, \"count\": 0},{\"min\": 90, \"max\": 99, \"count\": 0},{\"min\": 100, \"count\": 2}]}}\n");
	/* bpftrace ignores div for lhist */
	check(&m, XT_FMT_JSON, 0, 2,
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1},{\"min\": 0, \"max\": 9, \"count\": 1},{\"min\": 10, \"max\": 19, \"count\": 0},{\"min\": 20, \"max\": 29, \"count\": 0},{\"min\": 30, \"max\": 39, \"count\": 0},{\"min\": 40, \"max\": 49, \"count\": 0},{\"min\": 50, \"max\": 59, \"count\": 1},{\"min\": 60, \"max\": 69, \"count\": 0},{\"min\": 70, \"max\": 79, \"count\": 0},{\"min\": 80, \"max\": 89, \"count\": 0},{\"min\": 90, \"max\": 99, \"count\": 0},{\"min\": 100, \"count\": 2}]}}\n");
}

/* @l = lhist(1024, 0, 4096, 1024); lhist(3000, ...); lhist(-3, ...)  (K labels)
 * @m = lhist(5, 5, 25, 5); lhist(1, 5, 25, 5) x2                   (min > 0) */
static void test_print_lhist_labels(void **state)
{
	uint64_t bl[6] = { [0] = 1, [2] = 1, [3] = 1 }, bm[6] = { [0] = 2, [1] = 1 };
	struct xt_map_entry el[] = { { .buckets = bl, .nbuckets = 6 } };
	struct xt_map_entry em[] = { { .buckets = bm, .nbuckets = 6 } };
	struct xt_map_data l = { .name = "l", .agg = xt_bi_lhist.agg, .lmin = 0, .lmax = 4096,
				 .lstep = 1024, .entries = el, .n = 1 };
	struct xt_map_data m = { .name = "m", .agg = xt_bi_lhist.agg, .lmin = 5, .lmax = 25,
				 .lstep = 5, .entries = em, .n = 1 };

	check(&l, XT_FMT_TEXT, 0, 0,
		"@l:\n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[0, 1K)                0 |                                                    |\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	check(&m, XT_FMT_TEXT, 0, 0,
		"@m:\n"
		"(..., 5)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[5, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
	check(&l, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1},{\"min\": 0, \"max\": 1023, \"count\": 0},{\"min\": 1024, \"max\": 2047, \"count\": 1},{\"min\": 2048, \"max\": 3071, \"count\": 1}]}}\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@m\": [{\"max\": 4, \"count\": 2},{\"min\": 5, \"max\": 9, \"count\": 1}]}}\n");
}

/* @n = lhist(2097152, 0, 4194304, 1048576); lhist(5000000, ...)  (M labels) */
static void test_print_lhist_mega_labels(void **state)
{
	uint64_t b[6] = { [3] = 1, [5] = 1 };
	struct xt_map_entry e[] = { { .buckets = b, .nbuckets = 6 } };
	struct xt_map_data m = { .name = "n", .agg = xt_bi_lhist.agg, .lmin = 0, .lmax = 4194304,
				 .lstep = 1048576, .entries = e, .n = 1 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@n:\n"
		"[2M, 3M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[3M, 4M)               0 |                                                    |\n"
		"[4M, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
}

/* @t = (1, "a\"b"); @u["q\"x", 3] = (-1, "z\\\\y") */
static void test_print_tuples_and_escapes(void **state)
{
	struct xt_val t1[] = { I(1), S("a\"b") }, t2[] = { I(-1), S("z\\\\y") };
	struct xt_val k[] = { S("q\"x"), I(3) };
	struct xt_map_entry et[] = { { .value = { .kind = XT_VAL_TUPLE, .tuple = { t1, 2 } } } };
	struct xt_map_entry eu[] = { { .keys = k, .nkeys = 2,
				       .value = { .kind = XT_VAL_TUPLE, .tuple = { t2, 2 } } } };
	struct xt_map_data t = { .name = "t", .agg = NULL, .entries = et, .n = 1 };
	struct xt_map_data u = { .name = "u", .agg = NULL, .entries = eu, .n = 1 };

	check(&t, XT_FMT_TEXT, 0, 0, "@t: (1, a\"b)\n");
	check(&u, XT_FMT_TEXT, 0, 0, "@u[q\"x, 3]: (-1, z\\\\y)\n");
	check(&t, XT_FMT_JSON, 0, 0, "{\"type\": \"map\", \"data\": {\"@t\": [1,\"a\\\"b\"]}}\n");
	check(&u, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@u\": {\"q\\\"x,3\": [-1,\"z\\\\\\\\y\"]}}}\n");
}

/* @a[int32[2] arrays] = an int32[3] of [[1,2],[3,4]]-like values: arrays print
 * "[1,2,3]" without spaces (nested too), as JSON arrays, keys sort element by
 * element; strings inside are bare in text, quoted in JSON */
static void test_print_arrays(void **state)
{
	struct xt_val k1[] = { I(2), I(-1) }, k2[] = { I(1), I(5) };
	struct xt_val in[] = { I(1), I(2) }, in2[] = { S("a"), S("b") };
	struct xt_val v1[] = { { .kind = XT_VAL_ARRAY, .tuple = { in, 2 } }, { .kind = XT_VAL_ARRAY, .tuple = { in2, 2 } } };
	struct xt_val keys[] = { { .kind = XT_VAL_ARRAY, .tuple = { k1, 2 } }, { .kind = XT_VAL_ARRAY, .tuple = { k2, 2 } } };
	struct xt_map_entry e[] = {
		{ .keys = &keys[0], .nkeys = 1, .value = { .kind = XT_VAL_ARRAY, .tuple = { v1, 2 } } },
		{ .keys = &keys[1], .nkeys = 1, .value = { .kind = XT_VAL_ARRAY, .tuple = { in, 2 } } },
	};
	struct xt_map_data m = { .name = "a", .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0, "@a[[1,5]]: [1,2]\n@a[[2,-1]]: [[1,2],[a,b]]\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@a\": {\"[1,5]\": [1,2], \"[2,-1]\": [[1,2],[\"a\",\"b\"]]}}}\n");
}

/* Pointers as bpftrace 0.26 prints them: lowercase hex in keys, values and
 * arrays, sorted as unsigned numbers; a number in JSON values, the hex text
 * in JSON keys. (0.17 printed values in signed decimal.)
 * @p[(int8 *)0x1000] = (int8 *)-1; @p[(int8 *)0x200] = (int8 *)0; */
static void test_print_pointers(void **state)
{
	struct xt_val k[] = { { .kind = XT_VAL_PTR, .u = 0x1000 }, { .kind = XT_VAL_PTR, .u = 0x200 } };
	struct xt_val in[] = { { .kind = XT_VAL_PTR, .u = 0 }, { .kind = XT_VAL_PTR, .u = 0xffff888100a0b0c0 } };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = { .kind = XT_VAL_PTR, .u = UINT64_MAX } },
		{ .keys = &k[1], .nkeys = 1, .value = { .kind = XT_VAL_ARRAY, .tuple = { in, 2 } } },
	};
	struct xt_map_data m = { .name = "p", .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0, "@p[0x200]: [0x0,0xffff888100a0b0c0]\n@p[0x1000]: 0xffffffffffffffff\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@p\": {\"0x200\": [0,18446612686375530688], "
		"\"0x1000\": 18446744073709551615}}}\n");
}

/* @y[1] = kstack: a stack's text ends in '\n', so no separator follows it */
/* bpftrace 0.24's bool: @b[1 == 1] = 1 == 2; @b[1 == 2] = 1 == 1;
 * true/false in keys and values, false sorting first */
static void test_print_bools(void **state)
{
	struct xt_val k[] = { B(1), B(0) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = B(0) },
		{ .keys = &k[1], .nkeys = 1, .value = B(1) },
	};
	struct xt_map_data m = { .name = "b", .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@b[true]: false\n"
		"@b[false]: true\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@b\": {\"true\": false, \"false\": true}}}\n");
}

/* bpftrace 0.26: enum color { RED = 1, BLUE = 2 }; @c[BLUE] = RED;
 * @c[RED] = BLUE; @c[(enum color)7] = (enum color)7 -- values sort by number,
 * print by name in text; JSON keys are text (names), JSON values numbers. A
 * value without a name is decoded as a plain number (runtime/values.c). */
static void test_print_enums(void **state)
{
	struct xt_val k[] = { { .kind = XT_VAL_ENUM, .en = { 2, "BLUE" } }, { .kind = XT_VAL_ENUM, .en = { 1, "RED" } },
			      U(7) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1, .value = { .kind = XT_VAL_ENUM, .en = { 1, "RED" } } },
		{ .keys = &k[1], .nkeys = 1, .value = { .kind = XT_VAL_ENUM, .en = { 2, "BLUE" } } },
		{ .keys = &k[2], .nkeys = 1, .value = U(7) },
	};
	struct xt_map_data m = { .name = "c", .entries = e, .n = 3 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@c[BLUE]: RED\n"
		"@c[RED]: BLUE\n"
		"@c[7]: 7\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@c\": {\"BLUE\": 1, \"RED\": 2, \"7\": 7}}}\n");
}

static void test_print_stack_values(void **state)
{
	struct xt_val k[] = { I(1), I(2) };
	struct xt_map_entry e[] = {
		{ .keys = &k[0], .nkeys = 1,
		  .value = { .kind = XT_VAL_SYM, .s = "\n        f+1\n        g+2\n" } },
		{ .keys = &k[1], .nkeys = 1,
		  .value = { .kind = XT_VAL_SYM, .s = "\n        h+3\n" } },
	};
	struct xt_map_data m = { .name = "y", .agg = NULL, .entries = e, .n = 2 };

	check(&m, XT_FMT_TEXT, 0, 0,
		"@y[1]: \n"
		"        f+1\n"
		"        g+2\n"
		"@y[2]: \n"
		"        h+3\n"
		"\n");
	check(&m, XT_FMT_JSON, 0, 0,
		"{\"type\": \"map\", \"data\": {\"@y\": {\"1\": \"\\n        f+1\\n        g+2\\n\", "
		"\"2\": \"\\n        h+3\\n\"}}}\n");
}

/* BEGIN { @a[1] = avg(-7); ... clear(@a); clear(@c); clear(@h); clear(@k); exit() }:
 * bpftrace 0.26 prints "\n\n" at exit in text, nothing in JSON, and nothing
 * for an empty map. XTRACE_TEXT_LAYOUT=0.17: each empty map a blank line, as
 * bpftrace 0.17 (avg/stats too; 0.17's second one comes with
 * XTRACE_STATS_LAYOUT=0.17); XTRACE_JSON_LAYOUT=0.17: JSON's "\n\n" (the
 * empty maps still print nothing there). */
static void test_print_exit_dump_of_empty_maps(void **state)
{
	struct xt_map_data maps[] = {
		{ .name = "a", .agg = xt_bi_avg.agg },
		{ .name = "c", .agg = xt_bi_count.agg },
		{ .name = "h", .agg = xt_bi_hist.agg },
		{ .name = "k", .agg = xt_bi_hist.agg },
	};
	static const char *const want[2][2] = { { "\n\n", "" }, { "\n\n\n\n\n\n", "\n\n" } };
	for (int old = 0; old <= 1; old++) {
		if (old) {
			setenv("XTRACE_TEXT_LAYOUT", "0.17", 1);
			setenv("XTRACE_JSON_LAYOUT", "0.17", 1);
		}
		xt_print_layout_read();
		for (int fmt = XT_FMT_TEXT; fmt <= XT_FMT_JSON; fmt++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);

			xt_print_dump_begin(f, fmt);
			for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
				xt_print_map(f, fmt, &maps[i], 0, 0);
			fclose(f);
			assert_string_equal(buf, want[old][fmt]);
			free(buf);
		}
	}
	unsetenv("XTRACE_TEXT_LAYOUT");
	unsetenv("XTRACE_JSON_LAYOUT");
	xt_print_layout_read();
}

/* JSON strings: control bytes as \u00XX. bpftrace 0.17 also turns bytes
 * >= 0x80 into \uffffffXX (invalid JSON); xtrace passes UTF-8 through. */
static void test_print_json_escapes(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	xt_print_json_str(f, "a\"b\\c\n\r\t\x01\x1f\xc3\xa9");
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\xc3\xa9\"");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_count_sorted_by_value),
		cmocka_unit_test(test_print_count_top_and_div),
		cmocka_unit_test(test_print_string_keys),
		cmocka_unit_test(test_print_string_values_sorted_by_key),
		cmocka_unit_test(test_print_int_keys_sort_unsigned),
		cmocka_unit_test(test_print_multi_key),
		cmocka_unit_test(test_print_scalar),
		cmocka_unit_test(test_print_min_signed_order),
		cmocka_unit_test(test_print_max_and_avg_scalar),
		cmocka_unit_test(test_print_avg_keyed),
		cmocka_unit_test(test_print_avg_top_div),
		cmocka_unit_test(test_print_stats),
		cmocka_unit_test(test_print_hist),
		cmocka_unit_test(test_print_hist_bar_scaling),
		cmocka_unit_test(test_print_hist_json_layout_017),
		cmocka_unit_test(test_print_hist_text_layout_017),
		cmocka_unit_test(test_print_hist_div),
		cmocka_unit_test(test_print_hist_keyed),
		cmocka_unit_test(test_print_hist_all_zero),
		cmocka_unit_test(test_print_hist_big_labels),
		cmocka_unit_test(test_print_hist_labels_beyond_32_bits),
		cmocka_unit_test(test_print_lhist_under_and_overflow),
		cmocka_unit_test(test_print_lhist_labels),
		cmocka_unit_test(test_print_lhist_mega_labels),
		cmocka_unit_test(test_print_tuples_and_escapes),
		cmocka_unit_test(test_print_bools),
		cmocka_unit_test(test_print_enums),
		cmocka_unit_test(test_print_stack_values),
		cmocka_unit_test(test_print_exit_dump_of_empty_maps),
		cmocka_unit_test(test_print_json_escapes),
		cmocka_unit_test(test_print_arrays),
		cmocka_unit_test(test_print_pointers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

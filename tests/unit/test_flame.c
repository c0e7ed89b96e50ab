/* Unit tests for runtime/folded.c and runtime/flamegraph.c on synthetic map
 * data: folding as stackcollapse-bpftrace.pl folds bpftrace's dump of the
 * same map, the tree's layout, and the SVG's frames, widths and colours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/flame.h"

#define STK(x) { .kind = XT_VAL_SYM, .s = (x) }
#define STR(x) { .kind = XT_VAL_STR, .s = (x) }
#define U(x) { .kind = XT_VAL_UINT, .u = (x) }
#define I(x) { .kind = XT_VAL_INT, .i = (x) }

static char *folded_text(struct xt_map_data *m)
{
	struct xt_folded f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(xt_flame_fold(m, &f), 0);
	xt_flame_write_folded(out, &f);
	xt_flame_folded_free(&f);
	fclose(out);
	return buf;
}

/* @[ustack] = count(): bpftrace prints each stack leaf first, indented;
 * folded lines are root first, sorted, equal stacks summed. */
static void test_flame_fold_ustack(void **state)
{
	(void)state;
	struct xt_val k[4] = {
		STK("\n    hot+71\n    work+32\n    main+88\n"),
		STK("\n    cold+71\n    work+42\n    main+88\n"),
		STK("\n    hot+71\n    work+32\n    main+88\n"), /* another stack id, the same frames */
		STK("\n    0x7f0012\n"),
	};
	struct xt_map_entry e[4] = {
		{ .keys = &k[0], .nkeys = 1, .value = U(30) },
		{ .keys = &k[1], .nkeys = 1, .value = U(10) },
		{ .keys = &k[2], .nkeys = 1, .value = U(5) },
		{ .keys = &k[3], .nkeys = 1, .value = U(1) },
	};
	struct xt_map_data m = { .name = "", .entries = e, .n = 4 };
	assert_true(xt_flame_has_stacks(&m));
	char *got = folded_text(&m);
	assert_string_equal(got,
		"0x7f0012 1\n"
		"main+88;work+32;hot+71 35\n"
		"main+88;work+42;cold+71 10\n");
	free(got);
}

/* @[ustack, comm] and @[pid, kstack]: keys that are not stacks become root
 * frames, in key order, before the stack. */
static void test_flame_fold_plain_keys_are_roots(void **state)
{
	(void)state;
	struct xt_val k1[2] = { STK("\n\tfoo+1\n\tmain+2\n"), STR("bash") };
	struct xt_val k2[2] = { I(42), STK("\n    do_syscall_64+5\n    entry_SYSCALL_64+9\n") };
	struct xt_map_entry e[2] = {
		{ .keys = k1, .nkeys = 2, .value = U(7) },
		{ .keys = k2, .nkeys = 2, .value = I(3) },
	};
	struct xt_map_data m = { .name = "x", .entries = e, .n = 2 };
	char *got = folded_text(&m);
	assert_string_equal(got,
		"42;entry_SYSCALL_64+9;do_syscall_64+5 3\n"
		"bash;main+2;foo+1 7\n");
	free(got);
}

/* A map without stacks folds to nothing; hist entries count their buckets;
 * negative values are left out. */
static void test_flame_fold_values(void **state)
{
	(void)state;
	struct xt_val k[3] = { STR("bash"), STK("\n    a+1\n"), STK("\n    b+1\n") };
	uint64_t buckets[4] = { 0, 2, 3, 4 };
	struct xt_map_entry plain = { .keys = &k[0], .nkeys = 1, .value = U(5) };
	struct xt_map_data pm = { .name = "p", .entries = &plain, .n = 1 };
	assert_false(xt_flame_has_stacks(&pm));
	char *got = folded_text(&pm);
	assert_string_equal(got, "");
	free(got);

	struct xt_map_entry e[2] = {
		{ .keys = &k[1], .nkeys = 1, .buckets = buckets, .nbuckets = 4 },
		{ .keys = &k[2], .nkeys = 1, .value = I(-4) },
	};
	struct xt_map_data m = { .name = "h", .entries = e, .n = 2 };
	got = folded_text(&m);
	assert_string_equal(got, "a+1 9\n");
	free(got);
}

static struct xt_folded make(const char *const *stacks, const uint64_t *counts, size_t n)
{
	struct xt_folded f = { .lines = calloc(n, sizeof(*f.lines)), .n = n };
	for (size_t i = 0; i < n; i++) {
		f.lines[i].stack = strdup(stacks[i]);
		f.lines[i].count = counts[i];
		f.total += counts[i];
	}
	return f;
}

/* Frames merge by function (offsets dropped), siblings sorted by name,
 * each child starting where its left sibling ends. */
static void test_flame_layout(void **state)
{
	(void)state;
	const char *s[] = { "main+1;work+2;hot+3", "main+1;work+2;cold+9", "main+1;work+6;hot+4", "idle" };
	uint64_t c[] = { 2, 1, 1, 4 };
	struct xt_folded f = make(s, c, 4);
	struct xt_flame_frame *fr;
	size_t n;
	int maxdepth;
	assert_int_equal(xt_flame_layout(&f, &fr, &n, &maxdepth), 0);
	struct { const char *name; int depth; uint64_t start, samples; } want[] = {
		{ "all", 0, 0, 8 }, { "idle", 1, 0, 4 }, { "main", 1, 4, 4 },
		{ "work", 2, 4, 4 }, { "cold", 3, 4, 1 }, { "hot", 3, 5, 3 },
	};
	assert_int_equal(n, 6);
	assert_int_equal(maxdepth, 3);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)fr[i].len, fr[i].name);
		assert_string_equal(name, want[i].name);
		assert_int_equal(fr[i].depth, want[i].depth);
		assert_int_equal(fr[i].start, want[i].start);
		assert_int_equal(fr[i].samples, want[i].samples);
	}
	free(fr);
	xt_flame_folded_free(&f);
}

static char *svg_of(const struct xt_folded *f, const char *title)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(xt_flame_write_svg(out, f, title), 0);
	fclose(out);
	return buf;
}

/* The fill of the first frame named `name`, or "". */
static void fill_of(const char *svg, const char *name, char *out, size_t size)
{
	char pat[128];
	snprintf(pat, sizeof(pat), "data-n=\"%s\"", name);
	const char *p = strstr(svg, pat);
	out[0] = '\0';
	if (!p || !(p = strstr(p, "fill=\"")))
		return;
	p += 6;
	size_t n = strcspn(p, "\"");
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* Widths proportional to samples (1180 pixels between the margins), a
 * title, names escaped, the same colour for the same function everywhere,
 * a warm one (red 205-255, blue at most 55), and the script. */
static void test_flame_svg(void **state)
{
	(void)state;
	const char *s[] = { "main+1;work+2;hot+3", "main+1;work+2;cold+9", "main+1;a<b>&c+1;hot+3" };
	uint64_t c[] = { 3, 1, 4 };
	struct xt_folded f = make(s, c, 3);
	char *svg = svg_of(&f, "Flame Graph: @x");
	assert_non_null(strstr(svg, "<text id=\"title\" x=\"600\" y=\"24\">Flame Graph: @x</text>"));
	assert_non_null(strstr(svg, "data-n=\"work\" data-s=\"4\" data-w=\"4\" data-d=\"2\">"
				   "<title>work (4 samples, 50.00%)</title><rect x=\"600.0\""));
	/* hot under work: 3 of 8 samples of 1180 pixels; cold: 1 */
	assert_non_null(strstr(svg, "data-n=\"hot\" data-s=\"5\" data-w=\"3\" data-d=\"3\"><title>hot (3 samples, "
				   "37.50%)</title><rect x=\"747.5\" y=\"60\" width=\"442.5\" height=\"15\""));
	assert_non_null(strstr(svg, "data-n=\"cold\" data-s=\"4\" data-w=\"1\" data-d=\"3\"><title>cold (1 sample, "
				   "12.50%)</title><rect x=\"600.0\" y=\"60\" width=\"147.5\""));
	assert_non_null(strstr(svg, "data-n=\"a&lt;b&gt;&amp;c\""));
	char f1[32], f2[32];
	fill_of(svg, "hot", f1, sizeof(f1));
	fill_of(strstr(svg, "data-n=\"hot\"") + 1, "hot", f2, sizeof(f2));
	assert_string_equal(f1, f2);
	int r, g, b;
	assert_int_equal(sscanf(f1, "rgb(%d,%d,%d)", &r, &g, &b), 3);
	assert_true(r >= 205 && r <= 255 && g <= 230 && b <= 55);
	fill_of(svg, "cold", f2, sizeof(f2));
	assert_string_not_equal(f1, f2);
	/* one CDATA section, the script's, and everything interactive in it */
	const char *end = strstr(svg, "]]>");
	assert_non_null(end);
	assert_null(strstr(end + 3, "]]>"));
	assert_non_null(strstr(svg, "function zoom("));
	assert_non_null(strstr(svg, "function search("));
	assert_non_null(strstr(svg, "id=\"unzoom\""));
	assert_non_null(strstr(svg, "id=\"search\""));
	assert_non_null(strstr(svg, "</svg>\n"));
	free(svg);
	xt_flame_folded_free(&f);
}

/* Frames narrower than 0.1 pixel are left out; the root always stays. */
static void test_flame_svg_min_width(void **state)
{
	(void)state;
	const char *s[] = { "big", "tiny" };
	uint64_t c[] = { 100000, 1 };
	struct xt_folded f = make(s, c, 2);
	char *svg = svg_of(&f, "t");
	assert_non_null(strstr(svg, "data-n=\"all\""));
	assert_non_null(strstr(svg, "data-n=\"big\""));
	assert_null(strstr(svg, "data-n=\"tiny\""));
	free(svg);
	xt_flame_folded_free(&f);
	struct xt_folded empty = { 0 };
	svg = svg_of(&empty, "empty");
	assert_non_null(strstr(svg, "data-n=\"all\" data-s=\"0\" data-w=\"0\""));
	free(svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flame_fold_ustack),
		cmocka_unit_test(test_flame_fold_plain_keys_are_roots),
		cmocka_unit_test(test_flame_fold_values),
		cmocka_unit_test(test_flame_layout),
		cmocka_unit_test(test_flame_svg),
		cmocka_unit_test(test_flame_svg_min_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

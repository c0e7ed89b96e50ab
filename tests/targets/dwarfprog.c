/* dwarfprog [wait]: calls functions with known arguments once each, for the
 * DWARF tests (tests/e2e/test_dwarf.sh), which build it several ways: with
 * -g as PIE and non-PIE, stripped with a separate debug file, and stripped
 * without debug information (its functions then only in .dynsym).
 *   dp_ints(-7, 200, -300, -5000000000, 18000000000000000000, -2) -> -16
 *   dp_find(&list, 2) -> the second node ("beta"), found through ->next
 *   dp_find_last(&list, 3) -> the third ("gamma"): the same parameters as dp_find
 *   dp_total(&list) -> -100 + 2 + 3 (the ids) = -95
 *   dp_opaque(&hidden) with hidden = { 4242, "secret" }: a type no
 *     parameter names, reached by a cast
 *   dp_label(&hidden) -> hidden.label, a char *
 *   dp_mixed(2.5, 77): a double in xmm0, `after` in rdi
 *   dp_byval(inner by value (16 bytes: rdi, rsi), 99 in rdx)
 *   dp_seven(1, 2, 3, 4, 5, 6, 7): the seventh on the stack
 *   dp_call(dp_twice, 21), dp_color(DP_BLUE), dp_typed(&list, 3) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "hold.h"

struct dp_inner {
	short tag;
	unsigned char flags;
	long long big;
};

struct dp_foo {
	int id;
	char name[16];
	struct dp_inner inner;
	struct dp_foo *next;
	uint8_t u8;
	int16_t s16;
	uint32_t u32;
	int64_t s64;
};

/* Only main names it: casts find it in the DWARF all the same. */
struct dp_hidden {
	int secret;
	char label[8];
	unsigned bits : 3;
	unsigned more : 5;
};

enum dp_colour { DP_RED, DP_GREEN = 5, DP_BLUE };
typedef struct dp_foo dp_foo_t;

__attribute__((noinline)) int dp_ints(int n, unsigned char c, short s, long l, unsigned long long u, signed char neg)
{
	return n * 2 + neg;
}

__attribute__((noinline)) struct dp_foo *dp_find(struct dp_foo *list, int id)
{
	for (struct dp_foo *f = list; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

__attribute__((noinline)) struct dp_foo *dp_find_last(struct dp_foo *list, int id)
{
	struct dp_foo *last = NULL;
	for (struct dp_foo *f = list; f; f = f->next)
		if (f->id == id)
			last = f;
	return last;
}

__attribute__((noinline)) int dp_total(const struct dp_foo *list)
{
	int t = 0;
	for (const struct dp_foo *f = list; f; f = f->next)
		t += f->id;
	return t;
}

__attribute__((noinline)) void dp_opaque(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

__attribute__((noinline)) char *dp_label(void *p)
{
	return ((struct dp_hidden *)p)->label;
}

__attribute__((noinline)) double dp_mixed(double x, int after)
{
	return x * after;
}

__attribute__((noinline)) long dp_byval(struct dp_inner in, int after)
{
	return in.tag + in.big + after;
}

__attribute__((noinline)) int dp_seven(int a, int b, int c, int d, int e, int f, int g)
{
	return a + b + c + d + e + f + g;
}

__attribute__((noinline)) int dp_twice(int x)
{
	return 2 * x;
}

__attribute__((noinline)) int dp_call(int (*cb)(int), int x)
{
	return cb(x);
}

__attribute__((noinline)) int dp_color(enum dp_colour c)
{
	return (int)c;
}

__attribute__((noinline)) size_t dp_typed(dp_foo_t *f, size_t len)
{
	return f ? len : 0;
}

int main(int argc, char **argv)
{
	if (hold_if_asked(argc, argv) < 0)
		return 2;
	struct dp_foo c = { .id = 3, .name = "gamma", .inner = { 30, 3, 3000000000LL } };
	struct dp_foo b = { .id = 2, .name = "beta", .inner = { 20, 2, -2000000000LL }, .next = &c,
			    .u8 = 250, .s16 = -12345, .u32 = 4000000000u, .s64 = -9000000000000LL };
	struct dp_foo a = { .id = -100, .name = "alpha", .inner = { -10, 1, 1000 }, .next = &b };
	struct dp_hidden hidden = { .secret = 4242, .bits = 5, .more = 17 };
	strcpy(hidden.label, "secret");
	long r = 0;
	r += dp_ints(-7, 200, -300, -5000000000L, 18000000000000000000ULL, -2);
	r += dp_find(&a, 2)->id;
	r += dp_find_last(&a, 3)->id;
	r += dp_total(&a);
	dp_opaque(&hidden);
	r += dp_label(&hidden)[0];
	r += (long)dp_mixed(2.5, 77);
	r += dp_byval(b.inner, 99);
	r += dp_seven(1, 2, 3, 4, 5, 6, 7);
	r += dp_call(dp_twice, 21);
	r += dp_color(DP_BLUE);
	r += (long)dp_typed(&a, 3);
	return r == 42 ? 1 : 0;
}

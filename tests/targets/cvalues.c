/* cvalues [wait]: known arrays and pointers in user memory, each passed by
 * pointer to a noinline function called once, for the tests of arrays and
 * pointers as values (tests/e2e/test_values.sh). Before the calls it writes
 * the addresses the tests cannot know ("ints 0x..."), one per line, to
 * stderr. Layouts the kernel's BTF also has: struct rlimit (two unsigned
 * longs) and struct list_head (two pointers). */
#include <stdio.h>
#include "hold.h"

struct rlimit_ { unsigned long cur, max; };     /* struct rlimit */
struct list_head_ { struct list_head_ *next, *prev; }; /* struct list_head */

static int ints[4] = { 1, -2, 3, 40000 };
static int same[4] = { 1, -2, 3, 40000 };
static int other[4] = { 1, -2, 3, 40001 };
static int matrix[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
static unsigned char bytes[16];
static int *ptrs[4] = { &ints[3], &ints[2], &ints[1], &ints[0] };
static int *one = &ints[3];
static int **two = &one;
static struct rlimit_ limits[3] = { { 1, 2 }, { 3, 4 }, { 5, 6 } };
static struct list_head_ nodes[3];

/* The functions the tests put uprobes on; `asm volatile` keeps the calls. */
#define SINK(x) __asm__ volatile("" : : "r"(x) : "memory")
__attribute__((noinline)) void xt_ints(int *a, int *same_, int *other_) { SINK(a); SINK(same_); SINK(other_); }
__attribute__((noinline)) void xt_matrix(int (*m)[3]) { SINK(m); }
__attribute__((noinline)) void xt_bytes(unsigned char *b) { SINK(b); }
__attribute__((noinline)) void xt_ptrs(int **pp, int *base) { SINK(pp); SINK(base); }
__attribute__((noinline)) void xt_deep(int **pp, int ***ppp) { SINK(pp); SINK(ppp); }
__attribute__((noinline)) void xt_limits(struct rlimit_ *r) { SINK(r); }
__attribute__((noinline)) void xt_list(struct list_head_ *h) { SINK(h); }
__attribute__((noinline)) void xt_span(int *begin, int *end) { SINK(begin); SINK(end); }
__attribute__((noinline)) void xt_index(int *a, long i) { SINK(a); SINK(i); }

int main(int argc, char **argv)
{
	if (hold_if_asked(argc, argv) < 0)
		return 1;
	for (int i = 0; i < 16; i++)
		bytes[i] = (unsigned char)(i * 16 + i); /* 0x00, 0x11, ..., 0xff */
	for (int i = 0; i < 3; i++) { /* a circular list of three */
		nodes[i].next = &nodes[(i + 1) % 3];
		nodes[i].prev = &nodes[(i + 2) % 3];
	}
	/* Fault every page in: a uprobe's reads cannot (bpf_probe_read_user fails instead). */
	long sum = ints[0] + same[0] + other[0] + matrix[0][0] + *ptrs[0] + **two + (long)limits[0].cur;
	SINK(sum);
	fprintf(stderr, "ints %p\nptrs %p\nnodes %p\n", (void *)ints, (void *)ptrs, (void *)nodes);
	fflush(stderr);
	xt_ints(ints, same, other);
	xt_matrix(matrix);
	xt_bytes(bytes);
	xt_ptrs(ptrs, ints);
	xt_deep(&one, &two);
	xt_limits(limits);
	xt_list(nodes);
	xt_span(ints, ints + 4);
	for (long i = 0; i < 6; i++)
		xt_index(ints, i);
	return 0;
}

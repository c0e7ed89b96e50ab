/* cstructs [N] [wait]: passes structs with known contents by pointer to
 * noinline functions, for test_ctypes.sh, which defines the same types in
 * its xtrace programs: visit(&first) N times (default 1), then
 * total(&num, 2) and follow(&first) (which returns first.next) once, then
 * passes &first to the USDT probe cs:item and write(2)s it to fd -1 (EBADF:
 * only for the syscall tracepoints). The
 * structs hold nested structs and unions, bitfields, arrays
 * (two-dimensional too), pointers to pointers, a string pointer, a float and
 * a byte array without a NUL (tag, followed by tail's text). cstructs_nopie
 * is the same program, position-dependent and without debug information. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include "hold.h"

struct inner {
	short s;
	union {
		int i;
		char c[6];
	} u;
};

struct flags {
	unsigned int ready:1, mode:3, level:12;
	int delta:5;
};

struct item {
	int id;
	char name[16];
	struct inner in;
	struct flags fl;
	long grid[2][3];
	struct item *next;
	struct item **pp;
	const char *label;
	unsigned char bytes[4];
	uint64_t big;
	double ratio;
	unsigned char tag[6];
	char tail[4];
};

typedef struct item item_t;

union number {
	long l;
	int i[2];
	unsigned char b[8];
};

__attribute__((noinline)) int visit(item_t *it)
{
	return it->id + it->next->id;
}

__attribute__((noinline)) long total(union number *n, int k)
{
	return n->l * k;
}

__attribute__((noinline)) item_t *follow(item_t *it)
{
	return it->next;
}

int main(int argc, char **argv)
{
	argc = hold_if_asked(argc, argv);
	if (argc < 0)
		return 2;
	int n = argc > 1 ? atoi(argv[1]) : 1;
	static item_t second = { .id = 8, .name = "eight", .label = "second" };
	static item_t *second_p = &second;
	static item_t first = {
		.id = 7,
		.name = "seven",
		.in = { .s = -3, .u = { .i = 0x44434241 } },
		.fl = { .ready = 1, .mode = 5, .level = 1000, .delta = -7 },
		.grid = { { 1, 2, 3 }, { 4, 5, 6 } },
		.next = &second,
		.pp = &second_p,
		.label = "first",
		.bytes = { 1, 2, 3, 250 },
		.big = 1ULL << 40,
		.ratio = 0.5,
		.tag = { 't', 'a', 'g', 'g', 'e', 'd' },
		.tail = "end",
	};
	static union number num = { .i = { -2, 3 } };
	long sum = 0;
	/* Touch the label strings: a uprobe cannot fault their page in. */
	sum += first.label[0] + second.label[0];
	for (int i = 0; i < n; i++)
		sum += visit(&first);
	sum += total(&num, 2);
	sum += follow(&first)->id;
	STAP_PROBE1(cs, item, &first);
	sum += write(-1, &first, sizeof(first));
	return sum == 42 ? 1 : 0;
}

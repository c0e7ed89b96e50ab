/* Harness 4: compiled program files (repl/progfile.h), as `xtrace FILE`
 * reads them. The input is read as it is, then again with its checksum made
 * right, so that mutations reach the fields behind it. A file the reader
 * accepts has its options read, and written back it is the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "repl/progfile.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size)
{
	struct xt_progfile pf;
	char why[256];
	if (xt_progfile_parse(data, size, &pf, why, sizeof(why)) < 0) {
		if (!why[0])
			abort(); /* every refusal says why */
		return;
	}
	struct xt_arena *ar = xt_arena_new();
	struct xt_sema_opts o = { 0 };
	xt_progfile_read_opts(pf.field[XT_PF_OPTS], pf.len[XT_PF_OPTS], ar, &o, why, sizeof(why));
	for (int i = 0; i < o.nparams; i++)
		if (!o.params[i])
			abort();
	xt_arena_free(ar);
	size_t n;
	void *again = xt_progfile_build(pf.field, pf.len, &n);
	if (!again || n != size || memcmp(again, data, size) != 0)
		abort();
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size);
	if (size < 24 || !xt_progfile_is(data, size))
		return 0;
	uint8_t *fixed = malloc(size);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	uint64_t h = xt_fnv(XT_FNV_INIT, fixed, size - 8);
	for (int i = 0; i < 8; i++)
		fixed[size - 8 + i] = (uint8_t)(h >> (8 * i));
	check(fixed, size);
	free(fixed);
	return 0;
}

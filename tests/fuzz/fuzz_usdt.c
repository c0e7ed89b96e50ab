/* Harness 4b: the USDT note reader fed mutated binaries: the .note.stapsdt
 * notes (stdlib/elf_syms.c), their probe and semaphore addresses mapped to
 * file offsets, and each note's argument spec parsed as usdt: probes parse
 * it (stdlib/prov_usdt.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/elf_syms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the spec parser alone too, on the input as text */
	char *text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = 0;
		(void)xt_usdt_nargs(text);
		free(text);
	}
	struct xt_elf *e = xt_elf_from_memory(data, size);
	if (!e)
		return 0;
	for (size_t i = 0; i < e->nnotes; i++) {
		const struct xt_usdt_note *n = &e->notes[i];
		if (!n->provider || !n->name || !n->args)
			abort();
		int nargs = xt_usdt_nargs(n->args);
		if (nargs < -1 || nargs > 12)
			abort();
		if (n->pc_off >= 0)
			(void)xt_elf_off_to_vaddr(e, (uint64_t)n->pc_off);
	}
	xt_elf_free(e);
	return 0;
}

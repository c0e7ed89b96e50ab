/* Harness 4a: the ELF symbol reader (stdlib/elf_syms.c) fed mutated
 * binaries, as a uprobe's user-supplied file is: symbols, segments, build
 * id and debug link are read, then each symbol is looked up by name and by
 * address and each address mapped to its file offset and back. */
#include <stdint.h>
#include <stdlib.h>
#include "stdlib/elf_syms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xt_elf *e = xt_elf_from_memory(data, size);
	if (!e)
		return 0;
	for (size_t i = 0; i < e->nsyms && i < 4096; i++) {
		const struct xt_elf_sym *s = &e->syms[i];
		uint64_t off;
		if (xt_elf_sym_by_name(e, s->name) == NULL || xt_elf_sym_at(e, s->addr, &off) == NULL)
			abort(); /* a symbol read is a symbol found */
		int64_t fo = xt_elf_vaddr_to_off(e, s->addr);
		if (fo >= 0)
			(void)xt_elf_off_to_vaddr(e, (uint64_t)fo);
	}
	xt_elf_free(e);
	return 0;
}

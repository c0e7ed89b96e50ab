/* Harness 4c: the DWARF reader (stdlib/dwarf.c) fed mutated binaries: every
 * function's parameters with their C spellings and argument registers, and
 * every type converted to BTF, as uprobe args and casts would ask. */
#include <stdint.h>
#include "stdlib/dwarf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)xt_dwarf_check_image(data, size, 256);
	return 0;
}

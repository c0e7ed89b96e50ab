/* Harness 2: program text -> ... -> LLVM -> a BPF object in memory. Nothing
 * is loaded into the kernel. */
#define FUZZ_CHECK_ONLY 0
#include "fuzz_compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_compile(data, size);
}

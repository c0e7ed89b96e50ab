/* Harness 1: program text -> preprocessor -> lexer -> parser -> semantic
 * analysis. No LLVM, no kernel (kernel types come from /sys/kernel/btf). */
#define FUZZ_CHECK_ONLY 1
#include "fuzz_compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_compile(data, size);
}

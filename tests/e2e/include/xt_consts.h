/* Test header for tests/e2e/test_cpp_preprocessor.sh: found through -I. */
#ifndef XT_CONSTS_H
#define XT_CONSTS_H

#include "nested/inner.h"

#define XT_ANSWER 42
#define XT_TWICE(x) ((x) * 2)

/* C definitions: passed over by the parser for now */
struct xt_pair {
	int first;
	int second;
};
typedef unsigned int xt_u32;
enum xt_color { XT_RED, XT_GREEN };
static inline int xt_helper(int a) { return a + INNER_BASE; }

#endif

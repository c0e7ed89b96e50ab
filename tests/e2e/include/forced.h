/* Read before the program with --include. */
#define FORCED 7

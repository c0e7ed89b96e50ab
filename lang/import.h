/* `import "path";` (bpftrace 0.26): the files a program imports. */
#ifndef XT_IMPORT_H
#define XT_IMPORT_H

#include "diag.h"
#include "util/arena.h"

/* Reads the top-level `import "path";` statements of src and of the .bt
 * files they import, recursively. A path is relative to the importing file's
 * folder (the current one for -e and stdin); a folder imports its .bt and .h
 * files (not its subfolders). Sets *files to the full paths to read after
 * the program (.bt scripts and .h headers), each once, in the order met;
 * the array lives in `ar`. 0, or -1 after diagnostics in dg (a missing file,
 * a cycle, a world-writable folder, a config block in an imported file). */
int xt_import(struct xt_arena *ar, const struct xt_source *src, struct xt_diags *dg,
	      const char *const **files, int *nfiles);

#endif

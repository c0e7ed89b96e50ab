/* The compile cache: compiled programs (repl/progfile.h) kept under
 * $XDG_CACHE_HOME/xtrace or ~/.cache/xtrace, one file per key, so that a
 * program run again starts without loading LLVM. Writers write a temporary
 * file and rename it into place; a damaged entry reads as a miss and is
 * replaced; the folder is kept under a size (XTRACE_CACHE_MAX_KB, default
 * 65536) by removing the entries used longest ago. */
#ifndef XT_CACHE_H
#define XT_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* The cache's folder, created (0700) if need be; NULL when there is no
 * home to put it in or it cannot be made. Static storage. */
const char *xt_cache_dir(void);

/* The path of key's entry in dir, into path. */
void xt_cache_path(const char *dir, const uint64_t key[2], char *path, size_t size);

/* The bytes of the entry at path (malloc'd; their length in *len), its use
 * time renewed; NULL when there is none (errno ENOENT) or it cannot be read. */
void *xt_cache_get(const char *path, size_t *len);

/* Stores len bytes as the entry at path (temporary file, then rename), then
 * trims the folder to its size. 0, or -errno. */
int xt_cache_put(const char *dir, const char *path, const void *data, size_t len);

#endif

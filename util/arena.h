/* Arenas: every allocation lives until xt_arena_free(), which frees them all
 * at once; the arena owns what it hands out. */
#ifndef XT_ARENA_H
#define XT_ARENA_H

#include <stddef.h>

struct xt_arena;
struct xt_arena *xt_arena_new(void);
void xt_arena_free(struct xt_arena *ar);
/* Frees everything allocated, keeping one block for what comes next: an
 * arena used over and over (one printed event after another) costs no
 * malloc once warm. */
void xt_arena_reset(struct xt_arena *ar);
void *xt_arena_alloc(struct xt_arena *ar, size_t size); /* zeroed; aborts on OOM */
char *xt_arena_strndup(struct xt_arena *ar, const char *s, size_t n);
char *xt_arena_strdup(struct xt_arena *ar, const char *s);
char *xt_arena_printf(struct xt_arena *ar, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

/* Arenas: many small allocations that live and die together (one
 * compilation's AST, strings and types; one printed map's decoded values). */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A list of blocks; small requests are carved from the newest block, requests
 * larger than a quarter block get a block of their own (pushed behind the
 * current one so its free space is not wasted). */
#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct xt_arena {
	struct arena_block *head;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "xtrace: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

struct xt_arena *xt_arena_new(void)
{
	struct xt_arena *ar = xmalloc(sizeof(*ar));
	ar->head = NULL;
	return ar;
}

void xt_arena_free(struct xt_arena *ar)
{
	if (!ar)
		return;
	struct arena_block *b = ar->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(ar);
}

void xt_arena_reset(struct xt_arena *ar)
{
	struct arena_block *keep = NULL, *b = ar->head;
	while (b) {
		struct arena_block *next = b->next;
		if (!keep && b->size == ARENA_BLOCK)
			keep = b;
		else
			free(b);
		b = next;
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	ar->head = keep;
}

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

void *xt_arena_alloc(struct xt_arena *ar, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN - sizeof(struct arena_block)) {
		fprintf(stderr, "xtrace: arena request too large (%zu bytes)\n", size);
		abort();
	}
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_block *b = ar->head;
	if (size > ARENA_BLOCK / 4) {
		struct arena_block *big = block_new(size);
		big->used = size;
		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			ar->head = big;
		}
		memset(big->data, 0, size);
		return big->data;
	}
	if (!b || b->size - b->used < size) {
		b = block_new(ARENA_BLOCK);
		b->next = ar->head;
		ar->head = b;
	}
	void *p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *xt_arena_strndup(struct xt_arena *ar, const char *s, size_t n)
{
	char *p = xt_arena_alloc(ar, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xt_arena_strdup(struct xt_arena *ar, const char *s)
{
	return xt_arena_strndup(ar, s, strlen(s));
}

char *xt_arena_printf(struct xt_arena *ar, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = xt_arena_alloc(ar, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

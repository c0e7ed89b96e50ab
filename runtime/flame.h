/* Flame graphs of maps keyed by stacks: folded stacks (the input format of
 * FlameGraph's flamegraph.pl and of speedscope) and a self-contained,
 * interactive SVG. Pure functions of struct xt_map_data (runtime/print.h):
 * the runtime reads the maps, the tests feed synthetic data. */
#ifndef XT_FLAME_H
#define XT_FLAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "runtime/print.h"

/* One folded line: frames root first, joined with ';', and its samples. */
struct xt_folded_line {
	char *stack;
	uint64_t count;
};

/* Every distinct stack of a map, sorted by stack (strcmp), equal stacks
 * summed; total is the sum of the counts. Owns its strings. */
struct xt_folded {
	struct xt_folded_line *lines;
	size_t n;
	uint64_t total;
};

/* Whether v is a stack key: text in bpftrace's stack layout (a newline,
 * then one indented frame a line, leaf first), or "" for a stack that could
 * not be read. */
bool xt_flame_is_stack(const struct xt_val *v);

/* Whether some entry of m has a stack among its keys. */
bool xt_flame_has_stacks(const struct xt_map_data *m);

/* Folds m as stackcollapse-bpftrace.pl folds bpftrace's text dump of it:
 * each stack's frames as printed (func+off, leading blanks trimmed) turned
 * root first, the keys that are not stacks (comm, pid, ...) as root frames
 * before them in key order, equal stacks summed. An entry's samples are its
 * integer value (count, sum, ...), or the sum of its buckets (hist, lhist);
 * entries without stack keys or with a negative value are left out.
 * 0, or -ENOMEM (out left empty). Free with xt_flame_folded_free. */
int xt_flame_fold(const struct xt_map_data *m, struct xt_folded *out);

void xt_flame_folded_free(struct xt_folded *f);

/* Writes "root;...;leaf COUNT\n" for every line. */
void xt_flame_write_folded(FILE *out, const struct xt_folded *f);

/* One frame of the laid-out graph: `samples` wide, starting `start` samples
 * from the left, `depth` levels above the root ("all", depth 0). A frame is
 * a function: "func+off" frames of one function at different offsets merge
 * into one "func" (the folded lines keep the offsets). Siblings are sorted
 * by name (strcmp), as flamegraph.pl sorts them. */
struct xt_flame_frame {
	const char *name; /* name[0..len): points into the folded lines (not NUL-ended), or "all" */
	size_t len;
	int depth;
	uint64_t start, samples;
};

/* The frames of f in drawing order (parents before children, siblings left
 * to right); malloc'd array in *frames (free it; names point into f), count
 * in *n, and the deepest depth in *maxdepth. 0 or -ENOMEM. */
int xt_flame_layout(const struct xt_folded *f, struct xt_flame_frame **frames, size_t *n, int *maxdepth);

/* Writes f as an SVG flame graph titled `title`: widths proportional to the
 * samples, root at the bottom, warm colours chosen per function name, and
 * embedded JavaScript for details on hover, click to zoom, reset zoom and a
 * search box that highlights matches with their share of the samples (and
 * both from the link: file.svg#z=FUNCTION&s=REGEX).
 * Frames narrower than 0.1 pixel are left out, as flamegraph.pl does.
 * 0, or -ENOMEM. */
int xt_flame_write_svg(FILE *out, const struct xt_folded *f, const char *title);

/* Folds m and writes its SVG to path (title: "Flame Graph: @name");
 * 0, or -errno (-ENODATA: m has no entry keyed by a stack). */
int xt_flame_svg_file(const char *path, const struct xt_map_data *m);

#endif

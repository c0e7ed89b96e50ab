/* Printing of map contents and printf records in bpftrace's text and JSON
 * layouts, from plain user-space values. Pure functions of their inputs (an
 * aggregation's record, stdlib/bi_agg.c, says how its values sort and
 * print): the runtime reads the kernel maps and hands the data over; the
 * tests feed synthetic data. Nothing returned needs freeing. */
#ifndef XT_PRINT_H
#define XT_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* XT_FMT_FOLDED: maps keyed by stacks as folded stacks (runtime/flame.h),
 * everything else as XT_FMT_TEXT. */
enum xt_format { XT_FMT_TEXT, XT_FMT_JSON, XT_FMT_FOLDED };

enum xt_val_kind {
	XT_VAL_INT,    /* signed integer: .i */
	XT_VAL_UINT,   /* unsigned integer: .u */
	XT_VAL_PTR,    /* an address .u: 0x-prefixed lowercase hex in text, a number in JSON (bpftrace 0.26) */
	XT_VAL_BOOL,   /* .u 0 or 1: true/false in text and JSON, 1/0 for printf's integer conversions */
	XT_VAL_STR,    /* NUL-terminated string: .s (printed bare in text, quoted/escaped in JSON) */
	XT_VAL_TUPLE,  /* .tuple.elems[0..n) printed "(a, b)" */
	XT_VAL_SYM,    /* already-rendered text printed as is in text, as a JSON string (.s): stacks, symbols */
	XT_VAL_BUF,    /* bytes .buf.p[0..n), with .s (= .buf.s) their rendering as bpftrace's %r: printable
			* ASCII as is, other bytes as \xNN; printed like a string */
	XT_VAL_ARRAY,  /* .tuple.elems[0..n) printed "[1,2,3]" (no spaces, as bpftrace), a JSON array */
	XT_VAL_ENUM,   /* an enum's value with a name (bpftrace 0.22): .u the value (.i signed), .en.name its
			* name; the name in text (map keys, print, printf's %s), the number in JSON values
			* and printf's integer conversions */
	XT_VAL_RECORD, /* a struct: its text .s (= .rec.s, "{ .a = 1 }"; NULL for a record of the
			* language, printed "{ .a = 1 }" from its members) in text, in JSON the object
			* { "names[i]": elems[i], ... } (null for a member xtrace cannot read: NULL name kept) */
};

struct xt_val {
	enum xt_val_kind kind;
	union {
		int64_t i;
		uint64_t u;
		const char *s;
		struct { const struct xt_val *elems; int n; } tuple; /* and arrays */
		struct { const char *s; const uint8_t *p; size_t n; } buf; /* .s first: v->s reads it */
		struct { const char *s; const char *const *names; const struct xt_val *elems; int n; } rec;
		struct { uint64_t u; const char *name; } en; /* .u first: v->u and v->i read it */
	};
};

struct xt_agg; /* lang/types.h: an aggregation's record (stdlib/bi_agg.c) */

/* What an entry holds: entry.value for a plain value stored by `@x = expr`
 * and for count (uint), sum, min and max; entry.count and entry.total for
 * avg and stats (printed value: total / count, signed integer division);
 * entry.buckets for hist and lhist.
 *
 * Bucket layout of hist (bpftrace's log2 histogram, k = 0):
 *   buckets[0]      values < 0
 *   buckets[1]      value == 0
 *   buckets[i], i>=2: values in [2^(i-2), 2^(i-1))   (i.e. 1, [2,4), [4,8), ...)
 * nbuckets is at most 66.
 * With k > 0 (hist(x, k), newest bpftrace): 2^k sub-buckets per power of two:
 *   buckets[0]      values < 0
 *   buckets[1 + v]  value v, for 0 <= v < 2^k
 *   buckets[i]      otherwise, with j = i - 1, l = (j >> k) + k - 1, s = j & (2^k - 1):
 *                   values in [2^l + s * 2^(l-k), 2^l + (s+1) * 2^(l-k))
 *                   (k = 2: ..., [4, 5), [5, 6), [6, 7), [7, 8), [8, 10), ...)
 * nbuckets is at most XT_HIST_NBUCKETS(k).
 * lhist with min, max, step:
 *   buckets[0]      values < min
 *   buckets[1 + j]  values in [min + j*step, min + (j+1)*step), j < (max-min)/step
 *   buckets[last]   values >= max; nbuckets = (max-min)/step + 2 */
#define XT_HIST_NBUCKETS(k) (((65 - (k)) << (k)) + 1)

struct xt_map_entry {
	const struct xt_val *keys; /* nkeys values; nkeys == 0 for a map without key (@x) */
	int nkeys;
	struct xt_val value;
	uint64_t count;
	int64_t total;
	const uint64_t *buckets;
	int nbuckets;
};

struct xt_map_data {
	const char *name;      /* without '@'; "" for the anonymous map */
	const struct xt_agg *agg; /* how its values merge and print; NULL: plain values */
	int64_t lmin, lmax, lstep; /* the aggregation's parameters: lhist's bounds and step; hist's k
				    * (log2 of the sub-buckets per power of two, 0..5) in lstep */
	struct xt_map_entry *entries; /* the printer may reorder these (sorting) */
	size_t n;
};

/* Prints one map as bpftrace does (`print(@m)` and the dump at exit): entries
 * sorted the way bpftrace sorts them, `top` > 0 keeps only the last `top`
 * after sorting (the largest), `div` > 1 divides every printed value. */
void xt_print_map(FILE *out, enum xt_format fmt, struct xt_map_data *m,
		  size_t top, uint64_t div);

/* Formats one value as it appears as a map key or value in text output. */
void xt_print_val(FILE *out, enum xt_format fmt, const struct xt_val *v);

/* What bpftrace prints before the map dump at exit: "\n\n" in text, even when
 * there are no maps; nothing in JSON (0.26; 0.17 printed "\n\n" there too:
 * XTRACE_JSON_LAYOUT=0.17). The driver calls it once, then xt_print_map for
 * every map in order of name (strcmp), top = 0, div = 0. An empty map prints
 * nothing (0.26; XTRACE_TEXT_LAYOUT=0.17: "\n" in text, "\n\n" for avg/stats
 * with XTRACE_STATS_LAYOUT=0.17). */
void xt_print_dump_begin(FILE *out, enum xt_format fmt);

/* Where bpftrace 0.17 and 0.26 lay out maps differently, xtrace prints 0.26's
 * form unless asked for 0.17's (docs/output-format.md, the choices):
 * XTRACE_TEXT_LAYOUT=0.17 gives text_017: "@h: " before a chart (hist, lhist,
 * tseries) and a blank line for an empty map; XTRACE_JSON_LAYOUT=0.17 gives
 * json_017: ", " between hist buckets and the two empty lines before the
 * final maps. Read once before main(); xt_print_layout_read() reads the
 * variables again (the tests set them). */
struct xt_print_layout {
	bool text_017, json_017;
};
extern struct xt_print_layout xt_print_layout;
void xt_print_layout_read(void);

/* Writes s as a quoted JSON string, escaped the way bpftrace escapes: \" \\
 * \n \r \t, other bytes < 0x20 as \u00XX; bytes >= 0x80 pass through. */
void xt_print_json_str(FILE *out, const char *s);

/* Writes the body of one entry of buckets (m->agg labels them): text rows
 * from the first to the last non-zero bucket, or the JSON array of buckets.
 * `div` (> 1) divides the counts, not the bars. Writes nothing in text
 * ("[]" in JSON) when all are zero. */
void xt_print_hist(FILE *out, enum xt_format fmt, const struct xt_map_data *m,
		   const struct xt_map_entry *e, uint64_t div);

/* printf: renders `fmt` (C-style conversions %d %i %u %x %X %s %c %p %ld %lu
 * %lld %llu %%, widths, '-' and '0' flags, precision for %s, and bpftrace's
 * %r (a buffer: printable ASCII as is, other bytes \xNN), %rx (every byte
 * \xNN) and %rh (hex pairs separated by spaces)) with args.
 * Integer conversions take XT_VAL_INT/UINT; %s takes XT_VAL_STR (or renders an
 * integer in decimal). Text mode writes the result as is; JSON mode writes
 * {"type": "printf", "data": "..."} and a newline. Returns 0, or -EINVAL
 * when the format does not match the arguments (sema checks this first). */
int xt_print_printf(FILE *out, enum xt_format fmt, const char *format,
		    const struct xt_val *args, int nargs);

/* Whether a conversion's precision acts as in C (`%.3s` keeps 3 characters,
 * `%.3d` pads to 3 digits), as bpftrace 0.17 printed: XTRACE_PRINTF_LAYOUT=0.17.
 * By default, as bpftrace 0.26, a precision does nothing. */
bool xt_printf_precision(void);
/* Sets it for this process (tests). */
void xt_printf_set_precision(bool c_precision);

/* Parses a printf format: returns the number of conversions (excluding %%)
 * and, when convs is not NULL, stores each conversion's letter ('d', 'u', 'x',
 * 's', 'c', 'p', 'r' for %r/%rx/%rh, ...) in convs[0..min(n, maxconvs)); or returns -1 with *bad
 * set to the byte offset of the first invalid conversion. Sema uses it to
 * check formats and argument types at compile time. */
int xt_printf_parse(const char *format, char *convs, int maxconvs, size_t *bad);

/* Renders n bytes as bpftrace does for %r (mode 'r': printable ASCII kept,
 * other bytes \xNN), %rx ('x': every byte \xNN) or %rh ('h': "0a 1b");
 * malloc'd, NULL on OOM. */
char *xt_print_hexbuf(const uint8_t *p, size_t n, char mode);

#endif

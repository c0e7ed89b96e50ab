/* The type system: the types of expressions, map keys and map values.
 * Types are interned in the compilation's arena; compare with xt_type_eq. */
#ifndef XT_TYPES_H
#define XT_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "ast.h"

enum xt_type_kind {
	XT_T_VOID,    /* statements, printf(), exit() */
	XT_T_INT,     /* size 1/2/4/8, sign */
	XT_T_BOOL,
	XT_T_STR,     /* string[size]: NUL-terminated within size bytes */
	XT_T_PROBE,   /* the `probe` builtin: a site id the runtime turns into a name */
	XT_T_TUPLE,   /* elems[n] at offsets[n]; a record when `fields` names them */
	XT_T_RECORD,  /* `args` of a tracepoint: fields */
	XT_T_PTR,     /* pointer to `pointee` (NULL: opaque, e.g. char *) */
	XT_T_DATALOC, /* a tracepoint __data_loc field: readable with str() */
	XT_T_AGG,     /* an aggregation's value: agg says which */
	XT_T_RENDERED,/* a value user space prints as text (a symbol, a user name, a stack): render says how;
		       * size 8: a 64-bit integer in generated code, larger: bytes */
	XT_T_ARRAY,   /* an array: n elements of pointee; like a BTF record, a place in memory (its address in
		       * generated code); btf_id its BTF array type, 0 for one written in the program (int32[4]) */
	XT_T_BUF,     /* buffer[size - 8]: {u64 length, bytes}; with a render: bytes that print as it says (an address) */
	XT_T_KVAL,    /* a copy of a kernel struct, union or array (pointee: that place type; btf_id, size, cname
		       * as its): bytes in a variable, map value or print record, printed from BTF */
};

/* Where a pointer points (and an integer used as an address, after uptr() or
 * kptr()): memory reads through it use bpf_probe_read_user or _kernel. AUTO
 * picks by the address's top bit, which tells them apart on x86-64 and on
 * arm64 without tagged pointers. */
enum xt_addr_space { XT_AS_AUTO, XT_AS_KERNEL, XT_AS_USER };

struct xt_val;  /* runtime/print.h */
struct xt_map_entry;
struct xt_map_data;
struct xt_map_info; /* lang/sema.h */
struct xt_cg;       /* codegen/cg.h */
struct LLVMOpaqueValue;
struct xt_type;

/* An aggregation (count, sum, hist, ...): one record, in stdlib/bi_agg.c,
 * pointed to by its builtin and by the XT_T_AGG types of the maps it fills.
 * Its values live in per-CPU maps, merged when read. The generic code
 * (sema's map layout, codegen's map reads, the runtime's map dump) reads
 * these fields and calls these hooks; a NULL hook means the default. */
struct xt_agg {
	const char *name;
	int value_size;          /* bytes a CPU keeps: 8, or 16 ({value, set}, {total, count}) */
	/* The map key ends in a u64 bucket number, a count its value; printed as
	 * a chart ("@m[k]:\n" and rows; entries apart by a blank line). */
	bool buckets;
	bool chart;              /* printed on lines of its own after "@m[k]:\n" as a bucket map is (tseries) */
	bool readable;           /* @m[k] reads as an int64 (emit_read) */
	bool all;                /* print(@m, top) prints every entry all the same (stats) */
	bool zero_when_empty;    /* a keyless map that never counted prints 0 (count) */
	const char *json_type;   /* the JSON record's type; NULL: "map" */
	const char *text_end;    /* what ends the map in text; NULL: "\n" */
	/* its Prometheus type under --metrics (runtime/metrics.c): "counter",
	 * "histogram" (buckets), "summary" (_count and _sum); NULL: "gauge" */
	const char *prom_type;
	/* lang facet: whether two types of it keep the same values (hist's k,
	 * lhist's bounds); NULL: always. */
	bool (*same)(const struct xt_type *a, const struct xt_type *b);
	/* lang facet: the type's name when `name` is not all (hist with k); may be NULL. */
	const char *(*type_name)(struct xt_arena *ar, const struct xt_type *t);
	/* codegen facet of readable ones: the value at `key` of map m, merged over the CPUs. */
	struct LLVMOpaqueValue *(*emit_read)(struct xt_cg *cg, const struct xt_map_info *m, struct LLVMOpaqueValue *key);
	/* runtime facets: folds one CPU's value {a, b} into acc (*set: acc holds
	 * a value) -- NULL: adds both words; and the entry's value from acc --
	 * NULL: the signed acc[0]. Buckets: each bucket's count adds up. */
	void (*merge)(int64_t acc[2], bool *set, int64_t a, int64_t b);
	void (*value)(struct xt_map_entry *e, const int64_t acc[2]);
	/* runtime facets of buckets: how many a key has; a bucket's text label
	 * and its JSON bounds ("\"min\": 1, \"max\": 1, "). */
	int (*nbuckets)(const struct xt_map_data *m);
	void (*bucket_label)(char *buf, size_t size, const struct xt_map_data *m, int i, int nbuckets);
	void (*bucket_json)(FILE *out, const struct xt_map_data *m, int i, int nbuckets);
	/* runtime facet of aggregations whose CPUs keep more than two words
	 * (tseries): the entry, from every CPU's value_size bytes (stride bytes
	 * apart), instead of merge and value. NULL: merge and value. */
	void (*merge_cpus)(struct xt_arena *ar, struct xt_map_entry *e, const struct xt_map_data *m,
			   const uint8_t *vals, int ncpus, size_t stride);
	/* runtime facet: the value used to sort entries; NULL: the value itself. */
	int64_t (*sort_value)(const struct xt_map_entry *e);
	/* runtime facet: prints an entry's value (div > 1 divides it); NULL: the value. */
	void (*print)(FILE *out, int fmt, const struct xt_map_data *m, const struct xt_map_entry *e, uint64_t div);
};

/* How user space prints a value that the kernel side keeps as a number or a
 * few words (ksym's address, username's uid, a stack id): one record, defined
 * next to the builtin that makes such values (stdlib/bi_*.c), pointed to by
 * the value's type. */
struct xt_render {
	const char *name;        /* the type's name in messages (unless the type's cname says) */
	bool printf_s;           /* printf's %s takes it */
	bool bytes;              /* plain bytes all the same (pton's): buf(), str(), ntop(), macaddr() take them */
	/* runtime facet: decodes the t->size bytes at p into out (strings in ar). */
	void (*decode)(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out);
	/* runtime facet of map keys, may be NULL: rewrites the t->size bytes at
	 * p in place into a form that is equal exactly when the keys print the
	 * same, and that decode reads too; the map's reader then merges the
	 * entries whose keys became equal (dw_ustack: its copy of registers
	 * and stack becomes the frames unwound from it). */
	void (*canon)(const struct xt_type *t, uint8_t *p);
};
/* A buffer of plain bytes: buffer[n], or bytes a render only prints differently. */
#define XT_TYPE_IS_BYTES(t) ((t)->kind == XT_T_BUF && (!(t)->render || (t)->render->bytes))
/* The u64 at p, however aligned: what renderers read values with. */
static inline uint64_t xt_render_u64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}
/* A plain buffer: xt_type_buf's render argument. */
#define XT_R_NONE ((const struct xt_render *)0)

struct xt_field {
	const char *name;
	const struct xt_type *type;
	int offset;              /* in the record */
	int index;               /* position among the record's fields */
	int bitoff, bits;        /* a bitfield (BTF): bit offset from `offset` and width; bits 0: not a bitfield */
	const char *why;         /* a field of a probe's args with a NULL type: why it cannot be read */
};

struct xt_type {
	enum xt_type_kind kind;
	int size;                /* bytes in a map key/value or a record buffer */
	bool sign;               /* XT_T_INT */
	const struct xt_agg *agg; /* XT_T_AGG */
	int64_t lmin, lmax, lstep; /* XT_T_AGG: its parameters (lhist's bounds and step; hist's k in lstep) */
	const struct xt_type *pointee; /* XT_T_PTR */
	int n;                   /* XT_T_TUPLE elems / XT_T_RECORD fields */
	const struct xt_type **elems;
	int *offsets;
	const struct xt_field *fields;
	const char *cname;       /* the C spelling, for messages ("const char *") */
	const struct xt_render *render; /* XT_T_RENDERED, XT_T_BUF: how user space prints it (buffers: NULL, bytes) */
	const char *rfmt;        /* XT_T_RENDERED: a text its render reads (strftime's format) */
	/* kernel types (stdlib/btf_types.c): the vmlinux BTF id of an XT_T_RECORD
	 * (struct or union) or XT_T_ARRAY, 0 otherwise. Their values in generated
	 * code are addresses: only fields, elements, & and sizeof reach them. */
	int btf_id;              /* also of an XT_T_INT that is an enum (cname "enum NAME"): its values print by name */
	enum xt_addr_space space; /* XT_T_PTR, XT_T_INT, XT_T_ARRAY (and copies): where reads through it go */
};

/* xt_bool64: a bool kept in 8 bytes, as variables, map keys and values and
 * tuples keep ints */
extern const struct xt_type xt_void, xt_bool, xt_bool64, xt_u8, xt_u16, xt_u32, xt_u64,
	xt_s8, xt_s16, xt_s32, xt_s64, xt_probe_type, xt_dataloc;

const struct xt_type *xt_type_int(int size, bool sign);
/* The enum of BTF type `btf_id` (in the user BTF or vmlinux's), spelled
 * cname ("enum color"): an XT_T_INT of `size` bytes whose values print by
 * name (bpftrace 0.22). */
const struct xt_type *xt_type_enum(struct xt_arena *ar, int size, bool sign, int btf_id, const char *cname);
/* Whether t is an enum: an XT_T_INT with an enum's BTF id. */
bool xt_type_is_enum(const struct xt_type *t);
/* Integer t kept in `size` bytes: the int of t's sign, or t's enum at that
 * size (variables, map keys and values, tuples keep ints as 64 bits). */
const struct xt_type *xt_type_int_as(struct xt_arena *ar, const struct xt_type *t, int size);
const struct xt_type *xt_type_str(struct xt_arena *ar, int size);
const struct xt_type *xt_type_ptr(struct xt_arena *ar, const struct xt_type *to, const char *cname);
const struct xt_type *xt_type_agg(struct xt_arena *ar, const struct xt_agg *agg);
/* buffer[n] (render XT_R_NONE), or n bytes that `render` prints: size 8 + n. */
const struct xt_type *xt_type_buf(struct xt_arena *ar, int n, const struct xt_render *render);
/* A value of `size` bytes that `render` prints (XT_T_RENDERED). */
const struct xt_type *xt_type_rendered(struct xt_arena *ar, const struct xt_render *render, int size);
/* A tuple of n element types, laid out with natural alignment (8 for ints). */
const struct xt_type *xt_type_tuple(struct xt_arena *ar, const struct xt_type **elems, int n);
/* A record (bpftrace 0.25's named tuple): a tuple whose `fields` name its elements. */
const struct xt_type *xt_type_record(struct xt_arena *ar, const struct xt_type **elems, const char *const *names, int n);
/* The copy (XT_T_KVAL) of kernel struct, union or array `place`. */
const struct xt_type *xt_type_kval(struct xt_arena *ar, const struct xt_type *place);
/* An array of n elements of type `elem` (XT_T_ARRAY, no BTF id): `int32[4]`. */
const struct xt_type *xt_type_array(struct xt_arena *ar, const struct xt_type *elem, int n);
/* t (a pointer or an integer) marked as an address in `space`: a copy, or t itself
 * when it is so already. */
const struct xt_type *xt_type_in_space(struct xt_arena *ar, const struct xt_type *t, enum xt_addr_space space);
/* The address space of the address that typed expression n evaluates to: a
 * pointer's (or integer's) own, where it points; for a struct or an array in
 * memory, where it lies (that of the pointer or place it was reached
 * through). A read of n->f, n[i] or *n is from xt_node_space(n). */
enum xt_addr_space xt_node_space(const struct xt_node *n);
/* The array type of a place or a copy of one (XT_T_ARRAY, XT_T_KVAL of an array), else NULL. */
const struct xt_type *xt_type_array_of(const struct xt_type *t);

bool xt_type_eq(const struct xt_type *a, const struct xt_type *b);
/* Whether a value of type `from` can be stored where `to` is kept (ints widen,
 * shorter strings fit longer ones). */
bool xt_type_fits(const struct xt_type *to, const struct xt_type *from);
/* The type that holds both (the wider int, the longer string, ...) or NULL. */
const struct xt_type *xt_type_join(struct xt_arena *ar, const struct xt_type *a, const struct xt_type *b);
bool xt_type_is_int(const struct xt_type *t); /* int, bool */
bool xt_type_is_place(const struct xt_type *t); /* a kernel struct or array: an address in generated code */
/* "uint64", "string[16]", "count", "(int64, string[16])", ... (arena-allocated) */
const char *xt_type_name(struct xt_arena *ar, const struct xt_type *t);

#endif

/* The type system: the types of expressions, map keys and map values.
 * Types are interned in the compilation's arena; compare with xt_type_eq. */
#ifndef XT_TYPES_H
#define XT_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include "ast.h"

enum xt_type_kind {
	XT_T_VOID,    /* statements, printf(), exit() */
	XT_T_INT,     /* size 1/2/4/8, sign */
	XT_T_BOOL,
	XT_T_STR,     /* string[size]: NUL-terminated within size bytes */
	XT_T_PROBE,   /* the `probe` builtin: a site id the runtime turns into a name */
	XT_T_TUPLE,   /* elems[n] at offsets[n] */
	XT_T_RECORD,  /* `args` of a tracepoint: fields */
	XT_T_PTR,     /* pointer to `pointee` (NULL: opaque, e.g. char *) */
	XT_T_DATALOC, /* a tracepoint __data_loc field: readable with str() */
	XT_T_AGG,     /* an aggregation's value: agg says which */
	XT_T_STACK,   /* kstack/ustack: {stack id, pid} (16 bytes); sign: user stack; n: frame limit; lmin: mode */
	XT_T_KSYM,    /* a kernel address printed as its symbol (8 bytes) */
	XT_T_USYM,    /* a user address printed as its symbol: {addr, pid} (16 bytes) */
	XT_T_RENDERED,/* an 8-byte integer that user space prints as text: render says how */
	XT_T_ARRAY,   /* a kernel array (BTF): n elements of pointee; like a BTF record, a place in kernel memory */
	XT_T_BUF,     /* buffer[size - 8]: {u64 length, bytes}; render XT_R_INET: {u64 family, 16 bytes}, an address */
	XT_T_KVAL,    /* a copy of a kernel struct, union or array (pointee: that place type; btf_id, size, cname
		       * as its): bytes in a variable, map value or print record, printed from BTF */
};

enum xt_agg_kind {
	XT_A_NONE, XT_A_COUNT, XT_A_SUM, XT_A_MIN, XT_A_MAX,
	XT_A_AVG, XT_A_STATS, XT_A_HIST, XT_A_LHIST,
};

/* How user space renders an XT_T_RENDERED value. */
enum xt_render {
	XT_R_NONE, XT_R_USERNAME, XT_R_STRERROR, XT_R_TIMESTAMP,
	XT_R_MACADDR, /* the low 6 bytes, in memory order, as AA:BB:CC:DD:EE:FF */
	XT_R_INET,    /* XT_T_BUF only: an IPv4/IPv6 address (inet_ntop) */
};

struct xt_field {
	const char *name;
	const struct xt_type *type;
	int offset;              /* in the record */
	int index;               /* position among the record's fields */
	int bitoff, bits;        /* a bitfield (BTF): bit offset from `offset` and width; bits 0: not a bitfield */
};

struct xt_type {
	enum xt_type_kind kind;
	int size;                /* bytes in a map key/value or a record buffer */
	bool sign;               /* XT_T_INT */
	enum xt_agg_kind agg;    /* XT_T_AGG */
	int64_t lmin, lmax, lstep; /* XT_T_AGG lhist */
	const struct xt_type *pointee; /* XT_T_PTR */
	int n;                   /* XT_T_TUPLE elems / XT_T_RECORD fields */
	const struct xt_type **elems;
	int *offsets;
	const struct xt_field *fields;
	const char *cname;       /* the C spelling, for messages ("const char *") */
	enum xt_render render;   /* XT_T_RENDERED */
	const char *rfmt;        /* XT_T_RENDERED timestamps: the strftime format */
	/* kernel types (stdlib/btf_types.c): the vmlinux BTF id of an XT_T_RECORD
	 * (struct or union) or XT_T_ARRAY, 0 otherwise. Their values in generated
	 * code are addresses: only fields, elements, & and sizeof reach them. */
	int btf_id;
};

extern const struct xt_type xt_void, xt_bool, xt_u8, xt_u16, xt_u32, xt_u64,
	xt_s8, xt_s16, xt_s32, xt_s64, xt_probe_type, xt_dataloc, xt_username, xt_strerror_type;

const struct xt_type *xt_type_int(int size, bool sign);
const struct xt_type *xt_type_str(struct xt_arena *ar, int size);
const struct xt_type *xt_type_ptr(struct xt_arena *ar, const struct xt_type *to, const char *cname);
const struct xt_type *xt_type_agg(struct xt_arena *ar, enum xt_agg_kind agg);
/* buffer[n] (render XT_R_NONE) or an address (XT_R_INET, n = 16): size 8 + n. */
const struct xt_type *xt_type_buf(struct xt_arena *ar, int n, enum xt_render render);
/* A tuple of n element types, laid out with natural alignment (8 for ints). */
const struct xt_type *xt_type_tuple(struct xt_arena *ar, const struct xt_type **elems, int n);
/* The copy (XT_T_KVAL) of kernel struct, union or array `place`. */
const struct xt_type *xt_type_kval(struct xt_arena *ar, const struct xt_type *place);

bool xt_type_eq(const struct xt_type *a, const struct xt_type *b);
/* Whether a value of type `from` can be stored where `to` is kept (ints widen,
 * shorter strings fit longer ones). */
bool xt_type_fits(const struct xt_type *to, const struct xt_type *from);
/* The type that holds both (the wider int, the longer string, ...) or NULL. */
const struct xt_type *xt_type_join(struct xt_arena *ar, const struct xt_type *a, const struct xt_type *b);
bool xt_type_is_int(const struct xt_type *t); /* int, bool */
/* "uint64", "string[16]", "count", "(int64, string[16])", ... (arena-allocated) */
const char *xt_type_name(struct xt_arena *ar, const struct xt_type *t);
const char *xt_agg_name(enum xt_agg_kind agg);

#endif

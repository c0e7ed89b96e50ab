/* The abstract syntax tree of an xtrace program: one node type, linked lists
 * through `next`, every node and string owned by the compilation's arena. */
#ifndef XT_AST_H
#define XT_AST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include "util/arena.h"

/* Bison's YYLTYPE fields first, so the parser can use it directly. */
struct xt_loc {
	int first_line, first_column;
	int last_line, last_column; /* last_column is inclusive */
	/* a macro body's place copied into an expansion: the expansion's number
	 * in the diagnostics' table (xt_diag_expansion), which says where the
	 * macro was called; 0: the place is the text as written */
	int exp;
};

enum xt_node_kind {
	/* top level */
	XT_N_PROGRAM,  /* list: probes; a: config block (XT_N_BLOCK) or NULL; c: macros (XT_N_MACRO list);
			* b: C definitions (XT_N_CDEFS list), or for a REPL statement list its XT_N_BLOCK */
	XT_N_CDEFS,    /* sval, slen: C text (headers' declarations, a struct definition), read by sema into types */
	XT_N_PROBE,    /* list: attach points; a: predicate or NULL; b: block */
	XT_N_ATTACH,   /* name: the attach point text as written, e.g. "tracepoint:syscalls:sys_enter_openat" */
	XT_N_MACRO,    /* name; list: parameters (XT_N_VAR, XT_N_MAP or XT_N_IDENT); b: body (XT_N_BLOCK) */
	XT_N_MAPDECL,  /* `let @name = kind(a);`: name: the map's name without '@'; sval: the kind;
			* a: the maximum number of entries; b: the kind as an XT_N_IDENT (its place) */
	/* statements */
	XT_N_BLOCK,    /* list: statements; as an expression (`$x = { ...; e }`) its last one's value */
	XT_N_EXPR_STMT,/* a: expression; op 1: the last of its block, without ';' (a block expression's value);
			* op XT_STMT_DISCARD: `_ = e`, its value dropped on purpose */
	XT_N_ASSIGN,   /* a: target (XT_N_MAP or XT_N_VAR); b: value; op: '=' or the compound operator (XT_OP_ADD, ...) */
	XT_N_IF,       /* a: condition; b: then block; c: else (XT_N_BLOCK or XT_N_IF) or NULL; as an
			* expression (`$x = if (c) { 1 } else { 2 }`) the value of the branch taken */
	XT_N_WHILE,    /* a: condition; b: block */
	XT_N_UNROLL,   /* a: count expression; b: block */
	XT_N_FOR,      /* a: variable (XT_N_VAR); b: iterable (XT_N_RANGE or XT_N_MAP); c: block */
	XT_N_RANGE,    /* a: from; b: to (exclusive) */
	XT_N_BREAK, XT_N_CONTINUE,
	XT_N_RETURN,   /* a: value or NULL */
	XT_N_LET,      /* a: variable (XT_N_VAR); b: initial value or NULL; name: type name or NULL
			* ("typeof" with c: typeof's operand, an expression never evaluated, and
			* ival: the pointer marks after typeof(...)) */
	XT_N_CONFIG_SET, /* name: key; a: value */
	/* expressions */
	XT_N_INT,      /* ival */
	XT_N_BOOL,     /* ival: 1 for true, 0 for false */
	XT_N_STR,      /* sval, slen (escapes decoded; slen excludes the terminating NUL) */
	XT_N_BINOP,    /* op; a, b */
	XT_N_UNOP,     /* op; a */
	XT_N_INCDEC,   /* op: XT_OP_PREINC, XT_OP_PREDEC, XT_OP_POSTINC, XT_OP_POSTDEC; a: target */
	XT_N_TERNARY,  /* a ? b : c */
	XT_N_MAP,      /* name: map name without '@' ("" for the anonymous map); list: keys (NULL when none) */
	XT_N_VAR,      /* name: scratch variable name without '$' */
	XT_N_POSPARAM, /* ival: N of $N; ival 0 with name "#" for $# */
	XT_N_IDENT,    /* name: a bare identifier (builtin variable: pid, comm, args, ...) */
	XT_N_CALL,     /* name: function name; list: arguments; op XT_CALL_MACRO: written NAME!(...), a macro's call */
	XT_N_FIELD,    /* a: object; name: field ("." access; tuple index as decimal text e.g. "0") */
	XT_N_ARROW,    /* a: pointer; name: field ("->" access) */
	XT_N_INDEX,    /* a: array/pointer; b: index */
	XT_N_TUPLE,    /* list: elements (one or more); sym: a record's field names (const char *[]), else NULL */
	XT_N_CAST,     /* name: type text ("uint8", "struct task_struct *"); a: operand; (typeof(x))y:
			* name "typeof", c: x (never evaluated), ival: pointer marks after typeof(x) */
	XT_N_SIZEOF,   /* name: type text, or a: expression */
	XT_N_OFFSETOF, /* name: struct type text; sval: field */
	XT_N__COUNT
};

#define XT_STMT_DISCARD 2 /* XT_N_EXPR_STMT's op for `_ = e` */

enum xt_op {
	XT_OP_NONE = 0,
	XT_OP_ADD = 256, XT_OP_SUB, XT_OP_MUL, XT_OP_DIV, XT_OP_MOD,
	XT_OP_BAND, XT_OP_BOR, XT_OP_BXOR, XT_OP_SHL, XT_OP_SHR,
	XT_OP_LAND, XT_OP_LOR,
	XT_OP_ELVIS, /* a ?: b */
	XT_OP_EQ, XT_OP_NE, XT_OP_LT, XT_OP_LE, XT_OP_GT, XT_OP_GE,
	XT_OP_NEG, XT_OP_BNOT, XT_OP_LNOT, XT_OP_DEREF, XT_OP_ADDR,
	XT_OP_PREINC, XT_OP_PREDEC, XT_OP_POSTINC, XT_OP_POSTDEC,
	XT_OP_ASSIGN, /* plain '=' in XT_N_ASSIGN */
};

struct xt_type;

/* XT_N_CALL's op when written NAME!(args): only a macro may answer it */
#define XT_CALL_MACRO 1

struct xt_node {
	enum xt_node_kind kind;
	struct xt_loc loc;
	int op;                  /* enum xt_op */
	const char *name;
	uint64_t ival;
	const char *sval;
	size_t slen;
	struct xt_node *a, *b, *c;
	struct xt_node *list;    /* first element of a child list */
	struct xt_node *next;    /* next sibling in the list this node belongs to */
	struct xt_node *decls;   /* XT_N_PROGRAM: its map declarations (XT_N_MAPDECL list) */
	/* filled in by semantic analysis */
	const struct xt_type *type;
	const void *sym;         /* resolved symbol: builtin record, map, variable, ... */
	int aux;                 /* pass-specific slot (e.g. variable index) */
};

struct xt_node *xt_node_new(struct xt_arena *ar, enum xt_node_kind kind, struct xt_loc loc);
/* The last node of the list that starts at `list` (NULL: none). */
struct xt_node *xt_node_last(const struct xt_node *list);
/* Appends `item` to the list that starts at `head`; returns the head. */
struct xt_node *xt_node_append(struct xt_node *head, struct xt_node *item);
int xt_node_count(const struct xt_node *list);
/* How deep the tree under root goes (root alone: 1), walked without
 * recursion; it stops early past `limit`, with *deepest the first node found
 * beyond it. */
#define XT_AST_DEPTH_MAX 1000
int xt_ast_depth(struct xt_node *root, int limit, struct xt_node **deepest);
const char *xt_node_kind_name(enum xt_node_kind kind);
const char *xt_op_text(int op); /* "+", "==", "++", ... */

/* Prints the tree as an indented S-expression, one node per line; used by
 * `-d ast` and the parser tests. */
void xt_ast_dump(FILE *out, const struct xt_node *node);
/* The same, each node followed by " : NOTE" when note(n, ctx) gives one
 * (`-d types` notes the types semantic analysis gave). */
void xt_ast_dump_noted(FILE *out, const struct xt_node *node, const char *(*note)(const struct xt_node *n, void *ctx),
		       void *ctx);

#endif

/* The grammar of xtrace programs and REPL entries: a pure, reentrant Bison
 * parser that builds the AST in the compilation's arena. The lexer (lex.re)
 * shares struct xt_pctx with it and injects the first token to choose
 * between a whole program and a REPL statement list. */

%require "3.8"
%define api.pure full
%define api.prefix {xtyy}
%define api.location.type {struct xt_loc}
%code requires {
/* Bison's default, and `exp` (not a Bison field) 0: a place as written */
#define XTYYLLOC_DEFAULT(Cur, Rhs, N) do { \
	if (N) { \
		(Cur).first_line = YYRHSLOC(Rhs, 1).first_line; \
		(Cur).first_column = YYRHSLOC(Rhs, 1).first_column; \
		(Cur).last_line = YYRHSLOC(Rhs, N).last_line; \
		(Cur).last_column = YYRHSLOC(Rhs, N).last_column; \
	} else { \
		(Cur).first_line = (Cur).last_line = YYRHSLOC(Rhs, 0).last_line; \
		(Cur).first_column = (Cur).last_column = YYRHSLOC(Rhs, 0).last_column; \
	} \
	(Cur).exp = 0; \
} while (0)
}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {struct xt_pctx *px}

%code requires {
#include <stdbool.h>
#include <stdint.h>
#include "ast.h"
#include "diag.h"
#include "parser.h"

/* A child list under construction: O(1) append. */
struct xt_list {
	struct xt_node *head, *tail;
};

/* State shared by the parser and the lexer for one xt_parse() call. */
struct xt_pctx {
	struct xt_arena *ar;
	struct xt_diags *dg;
	const struct xt_source *src;
	struct xt_node *result;
	bool error_reported;      /* the first error has been rendered */

	/* lexer */
	const char *cur, *end;
	int line, col;            /* position of cur (1-based; col counts code points) */
	int start_token;          /* injected before the first real token, then 0 */
	bool stmts;               /* a REPL statement list: no attach points at all */
	int nest;                 /* open '(' '[' '{' */
	bool in_pred;             /* between a predicate's opening '/' and its end */
	bool in_angle;            /* inside a `< stmts >` probe body */
	bool in_macro;            /* from `macro` to the end of its body: code, not attach points */
	bool in_decl;             /* from a top-level `let @m` to its ';': code */
	struct xt_list decls;     /* XT_N_MAPDECL met so far */
	struct xt_list macros;    /* XT_N_MACRO met among the probes */
	int angle_nest;           /* nest when the `<` opened */
	int prev_tok;             /* the last token before end of input (0: none yet) */
	struct xt_list cdefs;     /* XT_N_CDEFS met so far */
	struct xt_loc prev_loc;
	const char *int_ctype;    /* the last INT's C suffix type ("uint32" for 1u...), NULL without */
};
}

%code provides {
int xtyylex(XTYYSTYPE *lval, struct xt_loc *lloc, struct xt_pctx *px);
/* The first byte at or after p that is not white space or a comment. */
const char *xt_lex_skip_space(const char *p, const char *end);
}

%code {
#include <stdio.h>
#include <string.h>
#include "stdlib/registry.h"

#define NODE(kind, loc) xt_node_new(px->ar, (kind), (loc))

static void xtyyerror(struct xt_loc *loc, struct xt_pctx *px, const char *msg);

/* `let $a: foo(...)`: the one name a type can call is typeof */
static void not_typeof(struct xt_pctx *px, struct xt_loc *loc, const char *name)
{
	xtyyerror(loc, px, xt_arena_printf(px->ar, "syntax error: '%s(...)' is no type; did you mean typeof(...)?", name));
}

static struct xt_list list_one(struct xt_node *n)
{
	struct xt_list l = { n, n };
	return l;
}

static struct xt_list list_push(struct xt_list l, struct xt_node *n)
{
	if (!n)
		return l;
	if (!l.head) {
		l.head = l.tail = n;
	} else {
		l.tail->next = n;
		l.tail = n;
	}
	return l;
}

/* C definitions, kept for a C parser: their text, where they are. */
static void cdef(struct xt_pctx *px, char *text, struct xt_loc loc)
{
	struct xt_node *n = NODE(XT_N_CDEFS, loc);
	n->sval = text;
	n->slen = strlen(text);
	px->cdefs = list_push(px->cdefs, n);
}

static struct xt_node *binop(struct xt_pctx *px, int op, struct xt_node *a,
			     struct xt_node *b, struct xt_loc loc)
{
	struct xt_node *n = NODE(XT_N_BINOP, loc);
	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

static struct xt_node *unop(struct xt_pctx *px, enum xt_node_kind kind, int op,
			    struct xt_node *a, struct xt_loc loc)
{
	struct xt_node *n = NODE(kind, loc);
	n->op = op;
	n->a = a;
	return n;
}

static struct xt_node *named(struct xt_pctx *px, enum xt_node_kind kind,
			     const char *name, struct xt_loc loc)
{
	struct xt_node *n = NODE(kind, loc);
	n->name = name;
	return n;
}

static struct xt_node *assign(struct xt_pctx *px, int op, struct xt_node *target,
			      struct xt_node *value, struct xt_loc loc)
{
	struct xt_node *n = NODE(XT_N_ASSIGN, loc);
	n->op = op;
	n->a = target;
	n->b = value;
	return n;
}

static struct xt_node *block(struct xt_pctx *px, struct xt_list l, struct xt_loc loc)
{
	struct xt_node *n = NODE(XT_N_BLOCK, loc);
	n->list = l.head;
	return n;
}

/* "uint8", "struct task_struct *", "int64 **" */
static char *type_text(struct xt_pctx *px, const char *base, int ptrs)
{
	if (ptrs == 0)
		return (char *)base;
	size_t n = strlen(base);
	char *s = xt_arena_alloc(px->ar, n + 2 + (size_t)ptrs);
	memcpy(s, base, n);
	s[n] = ' ';
	memset(s + n + 1, '*', (size_t)ptrs);
	return s;
}
}

%union {
	struct xt_node *node;
	struct xt_list list;
	char *str;
	uint64_t num;
	int op;
	struct { char *s; size_t n; } lit;
	struct { char *base; int ptrs; } type;
}

/* Injected by the lexer as the very first token. */
%token START_PROGRAM "start of program" START_STMTS "start of statements" START_DEFS "start of C definitions"
%token START_ENTRY "start of entry"

%token <str> ATTACH "attach point"
%token <str> CDEFS "C definitions"
%token <str> IDENT "identifier"
%token <str> MAP "map"
%token <str> VAR "variable"
%token <num> POSPARAM "positional parameter"
%token POSCOUNT "'$#'"
%token <num> INT "integer"
%token <lit> STRING "string"
%token <str> INT_TYPE "type name"
%token <str> TYPEDEF_NAME "typedef name"
%token <op> OPASSIGN "compound assignment"

%token ANGLE_OPEN "'<'" ANGLE_CLOSE "'>'" PRED_END "'/'"
%token EQ "'=='" NE "'!='" LE "'<='" GE "'>='" SHL "'<<'" SHR "'>>'"
%token LAND "'&&'" LOR "'||'" INC "'++'" DEC "'--'" ARROW "'->'" DOTDOT "'..'"
%token IF "'if'" ELSE "'else'" WHILE "'while'" FOR "'for'" UNROLL "'unroll'"
%token BREAK "'break'" CONTINUE "'continue'" RETURN "'return'" LET "'let'"
%token CONFIG "'config'" SIZEOF "'sizeof'" OFFSETOF "'offsetof'" TYPEOF "'typeof'"
%token STRUCT "'struct'" UNION "'union'" ENUM "'enum'" MACRO "'macro'"
%token TRUE "'true'" FALSE "'false'" IMPORT "'import'"
%token MAPDECL "'let' (a map declaration)"

%type <node> program defs_entry header probe body block angle_block pred_opt
%type <node> simple_stmt compound_stmt if_stmt let_init_opt config_set macro_def macro_param
%type <node> expr postfix primary map cond value if_value
%type <list> probes attach_list stmts brace_body config_items config_body
%type <list> exprlist args_opt arglist record_fields macros macro_params macro_params_opt
%type <node> let_type_opt let_type typeof_type
%type <str> field_path
%type <type> type
%type <num> stars

/* Only for the `@m` / `@m[keys]` choice: a '[' after a map name is its key. */
%precedence LOW_MAP
%precedence '['

%right '?' ':'
%left LOR
%left LAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' '>' LE GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY

%%

/* start: START_PROGRAM program | START_STMTS brace_body | START_DEFS defs_entry
 *      | START_ENTRY (program | [C definitions] [config] macro...) */
start
	: START_PROGRAM program { px->result = $2; }
	| START_ENTRY program { px->result = $2; }
	/* a REPL entry of macro definitions only: the session keeps them for later entries */
	| START_ENTRY cdefs header macros
		{
			if (!$4.head) {
				xtyyerror(&@$, px, "syntax error: unexpected end of input, expected attach point");
				YYERROR;
			}
			struct xt_node *p = NODE(XT_N_PROGRAM, @$);
			p->a = $3;
			p->c = $4.head;
			p->b = px->cdefs.head;
			px->result = p;
		}
	| START_DEFS defs_entry { px->result = $2; }
	| START_STMTS brace_body
		{
			struct xt_node *p = NODE(XT_N_PROGRAM, @2);
			p->b = block(px, $2, @2);
			px->result = p;
		}
	;

/* program: [C definitions] [config] [macro...] probe..., C definitions
 * (lang/cpp.c's headers, a struct, union, enum or typedef) between any of
 * them after the config block. */
program
	: cdefs header macros probes
		{
			$$ = NODE(XT_N_PROGRAM, @$);
			$$->a = $2;
			$$->c = list_push($3, px->macros.head).head; /* then the later ones */
			$$->list = $4.head;
			$$->b = px->cdefs.head;
			$$->decls = px->decls.head;
		}
	;

/* defs_entry: a REPL entry that opens with C definitions: a program, or
 * only definitions (kept for later entries) */
defs_entry
	: program
	| cdefs CDEFS
		{
			cdef(px, $2, @2);
			$$ = NODE(XT_N_PROGRAM, @$);
			$$->b = px->cdefs.head;
		}
	;

cdefs
	: %empty
	| cdefs CDEFS { cdef(px, $2, @2); }
	;

macros
	: %empty { $$.head = $$.tail = NULL; }
	| macros macro_def cdefs { $$ = list_push($1, $2); }
	;

/* macro_def: 'macro' IDENT '(' [param [',' param]...] ')' '{' stmts '}' */
macro_def
	: MACRO IDENT '(' macro_params_opt ')' block
		{
			$$ = named(px, XT_N_MACRO, $2, @$);
			$$->list = $4.head;
			$$->b = $6;
		}
	;

macro_params_opt
	: %empty { $$.head = $$.tail = NULL; }
	| macro_params
	;

macro_params
	: macro_param { $$ = list_one($1); }
	| macro_params ',' macro_param { $$ = list_push($1, $3); }
	;

/* macro_param: $var (a scratch variable) | @map | ident (any expression) */
macro_param
	: VAR { $$ = named(px, XT_N_VAR, $1, @1); }
	| MAP { $$ = named(px, XT_N_MAP, $1, @1); }
	| IDENT { $$ = named(px, XT_N_IDENT, $1, @1); }
	;

/* header: at most one config block and any number of imports, in any
 * order (bpftrace 0.26): [ 'config' '=' '{' key = value; ... '}' ] and
 * 'import' STRING ';'. lang/import.c has read the imports already. */
header
	: %empty { $$ = NULL; }
	| header import_stmt cdefs { $$ = $1; }
	| header CONFIG '=' '{' config_body '}' cdefs
		{
			if ($1) {
				xtyyerror(&@2, px, "syntax error: duplicate config block");
				YYERROR;
			}
			$$ = block(px, $5, @2);
		}
	;

import_stmt
	: IMPORT STRING ';'
	;

config_items
	: %empty { $$.head = $$.tail = NULL; }
	| config_items ';' { $$ = $1; }
	| config_items config_set ';' { $$ = list_push($1, $2); }
	;

config_body
	: config_items
	| config_items config_set { $$ = list_push($1, $2); }
	;

config_set
	: IDENT '=' expr
		{
			$$ = named(px, XT_N_CONFIG_SET, $1, @$);
			$$->a = $3;
		}
	;

/* probes: probes, map declarations and macros after the first probe or
 * declaration, in any order (declarations go to the program's decls, macros
 * to its macros: bpftrace 0.25 lets a macro follow the probes that use it) */
probes
	: probe { $$ = list_one($1); }
	| map_decl { $$.head = $$.tail = NULL; }
	| probes probe { $$ = list_push($1, $2); }
	| probes map_decl { $$ = $1; }
	| probes macro_def { $$ = $1; px->macros = list_push(px->macros, $2); }
	/* an imported file's own imports (lang/import.c read them), which the
	 * preprocessor puts after the program's probes */
	| probes import_stmt
		{
			$$ = $1;
			const struct xt_source *src = px->src;
			int line = @2.first_line;
			if (!src->lines || line > src->nlines || strcmp(src->lines[line - 1].file->name, src->name) == 0) {
				xtyyerror(&@2, px, "syntax error: imports must appear before probes and macros");
				YYERROR;
			}
		}
	| probes CDEFS { $$ = $1; cdef(px, $2, @2); }
	;

/* map_decl: 'let' MAP '=' IDENT '(' expr ')' ';' (bpftrace 0.24) */
map_decl
	: MAPDECL MAP '=' IDENT '(' expr ')' ';'
		{
			struct xt_node *d = named(px, XT_N_MAPDECL, $2, @2);
			d->sval = $4;
			d->slen = strlen($4);
			d->a = $6;
			d->loc.last_line = @7.last_line;
			d->loc.last_column = @7.last_column;
			d->b = named(px, XT_N_IDENT, $4, @4);
			px->decls = list_push(px->decls, d);
		}
	;

/* probe: attach [',' attach]... ['/' expr '/'] ('{' stmts '}' | '<' stmts '>') */
probe
	: attach_list pred_opt body
		{
			$$ = NODE(XT_N_PROBE, @$);
			$$->list = $1.head;
			$$->a = $2;
			$$->b = $3;
		}
	/* NAME '=' attach points (bpftrace 0.25's named probe): `probe` and
	 * --probe-filter see NAME */
	| ATTACH '=' attach_list pred_opt body
		{
			$$ = named(px, XT_N_PROBE, $1, @1);
			$$->loc = @$;
			$$->list = $3.head;
			$$->a = $4;
			$$->b = $5;
		}
	;

attach_list
	: ATTACH { $$ = list_one(named(px, XT_N_ATTACH, $1, @1)); }
	| attach_list ',' ATTACH { $$ = list_push($1, named(px, XT_N_ATTACH, $3, @3)); }
	;

pred_opt
	: %empty { $$ = NULL; }
	| '/' expr PRED_END { $$ = $2; }
	;

body
	: block
	| angle_block
	;

/* block: '{' statements, the last one's ';' optional '}' */
block
	: '{' brace_body '}' { $$ = block(px, $2, @$); }
	;

/* angle_block: '<' statements, each ending in ';' '>' */
angle_block
	: ANGLE_OPEN stmts ANGLE_CLOSE { $$ = block(px, $2, @$); }
	;

/* Statements each closed by ';' (compound ones need none); empty ones allowed. */
stmts
	: %empty { $$.head = $$.tail = NULL; }
	| stmts ';' { $$ = $1; }
	| stmts simple_stmt ';' { $$ = list_push($1, $2); }
	| stmts compound_stmt { $$ = list_push($1, $2); }
	;

/* The last statement may go without ';': an expression there is the
 * block's value when the block is one (op 1 marks it). */
brace_body
	: stmts
	| stmts simple_stmt
		{
			if ($2->kind == XT_N_EXPR_STMT && $2->op == 0)
				$2->op = 1;
			$$ = list_push($1, $2);
		}
	;

simple_stmt
	: expr
		{
			$$ = NODE(XT_N_EXPR_STMT, @$);
			$$->a = $1;
		}
	| map '=' value { $$ = assign(px, XT_OP_ASSIGN, $1, $3, @$); }
	| map OPASSIGN expr { $$ = assign(px, $2, $1, $3, @$); }
	| VAR '=' value { $$ = assign(px, XT_OP_ASSIGN, named(px, XT_N_VAR, $1, @1), $3, @$); }
	| VAR OPASSIGN expr { $$ = assign(px, $2, named(px, XT_N_VAR, $1, @1), $3, @$); }
	/* _ = expr: the value is dropped (bpftrace 0.25) */
	| IDENT '=' value
		{
			if (strcmp($1, "_") != 0) {
				xtyyerror(&@1, px, xt_arena_printf(px->ar, "cannot assign to '%s': assign to a $variable, a @map, or _ to drop the value", $1));
				YYERROR;
			}
			$$ = NODE(XT_N_EXPR_STMT, @$);
			$$->a = $3;
			$$->op = XT_STMT_DISCARD;
		}
	| BREAK { $$ = NODE(XT_N_BREAK, @$); }
	| CONTINUE { $$ = NODE(XT_N_CONTINUE, @$); }
	| RETURN { $$ = NODE(XT_N_RETURN, @$); }
	| RETURN expr { $$ = unop(px, XT_N_RETURN, XT_OP_NONE, $2, @$); }
	/* let $x [: type] [= expr] */
	| LET VAR let_type_opt let_init_opt
		{
			$$ = named(px, XT_N_LET, $3 ? $3->name : NULL, @$);
			$$->a = named(px, XT_N_VAR, $2, @2);
			$$->b = $4;
			$$->c = $3 ? $3->a : NULL;
			$$->ival = $3 ? $3->ival : 0; /* typeof(x) *: its pointer marks */
		}
	;

/* let_type_opt: [':' let_type], as an XT_N_IDENT whose name is the type's
 * text and whose a is typeof's operand */
let_type_opt
	: %empty { $$ = NULL; }
	| ':' let_type { $$ = $2; }
	;

/* let_type: type | NAME '*'... | NAME '[' N ']' '*'... | typeof_type
 * NAME is `string`, `buffer` or a type's name (uint64_t); bpftrace 0.22 */
let_type
	: type { $$ = named(px, XT_N_IDENT, type_text(px, $1.base, $1.ptrs), @$); }
	| IDENT stars { $$ = named(px, XT_N_IDENT, type_text(px, $1, (int)$2), @$); }
	| IDENT '[' INT ']' stars
		{
			char *base = xt_arena_printf(px->ar, "%s[%llu]", $1, (unsigned long long)$3);
			$$ = named(px, XT_N_IDENT, type_text(px, base, (int)$5), @$);
		}
	| typeof_type
	/* a misspelt typeof: foo(...) */
	| IDENT '(' expr ')' { $$ = NULL; not_typeof(px, &@1, $1); YYERROR; }
	| IDENT '(' type ')' { $$ = NULL; not_typeof(px, &@1, $1); YYERROR; }
	;

/* typeof_type: typeof '(' expr ')' '*'... | typeof '(' type ')' '*'..., as an
 * XT_N_IDENT whose name is the type's text, or "typeof" with a: the
 * expression, whose type it is (never evaluated), and ival: the pointer marks
 * after it (`typeof($x) *`); bpftrace 0.24 */
typeof_type
	: TYPEOF '(' expr ')' stars
		{
			$$ = named(px, XT_N_IDENT, "typeof", @$);
			$$->a = $3;
			$$->ival = $5;
		}
	| TYPEOF '(' type ')' stars { $$ = named(px, XT_N_IDENT, type_text(px, $3.base, $3.ptrs + (int)$5), @$); }
	;

stars
	: %empty { $$ = 0; }
	| stars '*' { $$ = $1 + 1; }
	;

let_init_opt
	: %empty { $$ = NULL; }
	| '=' value { $$ = $2; }
	;

/* value: what an assignment or let takes: an expression, a block whose
 * last statement is an expression without ';' (bpftrace 0.24), or an if
 * with an else whose branches are such blocks (bpftrace 0.25) */
value
	: expr
	| block
	| if_value
	;

if_value
	: IF cond block ELSE block
		{
			$$ = NODE(XT_N_IF, @$);
			$$->a = $2;
			$$->b = $3;
			$$->c = $5;
		}
	| IF cond block ELSE if_value
		{
			$$ = NODE(XT_N_IF, @$);
			$$->a = $2;
			$$->b = $3;
			$$->c = $5;
		}
	;

compound_stmt
	: if_stmt
	| WHILE cond block
		{
			$$ = NODE(XT_N_WHILE, @$);
			$$->a = $2;
			$$->b = $3;
		}
	| UNROLL cond block
		{
			$$ = NODE(XT_N_UNROLL, @$);
			$$->a = $2;
			$$->b = $3;
		}
	/* for ($i : from..to) block */
	| FOR '(' VAR ':' expr DOTDOT expr ')' block
		{
			struct xt_node *r = NODE(XT_N_RANGE, @5);
			r->loc.last_line = @7.last_line;
			r->loc.last_column = @7.last_column;
			r->a = $5;
			r->b = $7;
			$$ = NODE(XT_N_FOR, @$);
			$$->a = named(px, XT_N_VAR, $3, @3);
			$$->b = r;
			$$->c = $9;
		}
	/* for ($kv : @map) block */
	| FOR '(' VAR ':' map ')' block
		{
			$$ = NODE(XT_N_FOR, @$);
			$$->a = named(px, XT_N_VAR, $3, @3);
			$$->b = $5;
			$$->c = $7;
		}
	/* for $i : from..to block, the bounds primary expressions (bpftrace 0.24) */
	| FOR VAR ':' postfix DOTDOT postfix block
		{
			struct xt_node *r = NODE(XT_N_RANGE, @4);
			r->loc.last_line = @6.last_line;
			r->loc.last_column = @6.last_column;
			r->a = $4;
			r->b = $6;
			$$ = NODE(XT_N_FOR, @$);
			$$->a = named(px, XT_N_VAR, $2, @2);
			$$->b = r;
			$$->c = $7;
		}
	/* for $kv : @map block */
	| FOR VAR ':' map block
		{
			$$ = NODE(XT_N_FOR, @$);
			$$->a = named(px, XT_N_VAR, $2, @2);
			$$->b = $4;
			$$->c = $5;
		}
	;

/* if_stmt: 'if' cond block ['else' (block | if_stmt)] */
if_stmt
	: IF cond block
		{
			$$ = NODE(XT_N_IF, @$);
			$$->a = $2;
			$$->b = $3;
		}
	| IF cond block ELSE block
		{
			$$ = NODE(XT_N_IF, @$);
			$$->a = $2;
			$$->b = $3;
			$$->c = $5;
		}
	| IF cond block ELSE if_stmt
		{
			$$ = NODE(XT_N_IF, @$);
			$$->a = $2;
			$$->b = $3;
			$$->c = $5;
		}
	;

/* cond: '(' expr ')' | a unary expression without parentheses (bpftrace
 * 0.24): `if $ok {`, `while !has_key(@m, 1) {`; the parenthesised form is
 * the postfix '(' expr ')', so `if $a > 1 {` is a syntax error. */
cond
	: postfix
	| '!' cond { $$ = unop(px, XT_N_UNOP, XT_OP_LNOT, $2, @$); }
	;

/* type: (int-type | struct|union|enum NAME | typedef-name) ('*' | '[' INT ']')...
 * (bpftrace 0.26: `int32*[4]` is an array of four pointers, `int32[4]*` a pointer to one) */
type
	: INT_TYPE { $$.base = $1; $$.ptrs = 0; }
	| type '[' INT ']'
		{
			$$.base = xt_arena_printf(px->ar, "%s[%llu]", type_text(px, $1.base, $1.ptrs), (unsigned long long)$3);
			$$.ptrs = 0;
		}
	| STRUCT IDENT { $$.base = xt_arena_printf(px->ar, "struct %s", $2); $$.ptrs = 0; }
	| UNION IDENT { $$.base = xt_arena_printf(px->ar, "union %s", $2); $$.ptrs = 0; }
	| ENUM IDENT { $$.base = xt_arena_printf(px->ar, "enum %s", $2); $$.ptrs = 0; }
	| TYPEDEF_NAME { $$.base = $1; $$.ptrs = 0; }
	| type '*' { $$ = $1; $$.ptrs++; }
	;

expr
	: postfix
	| expr '?' expr ':' expr
		{
			$$ = NODE(XT_N_TERNARY, @$);
			$$->a = $1;
			$$->b = $3;
			$$->c = $5;
		}
	/* a ?: b: a when it is true, else b (bpftrace 0.26) */
	| expr '?' ':' expr { $$ = binop(px, XT_OP_ELVIS, $1, $4, @$); }
	| expr LOR expr { $$ = binop(px, XT_OP_LOR, $1, $3, @$); }
	| expr LAND expr { $$ = binop(px, XT_OP_LAND, $1, $3, @$); }
	| expr '|' expr { $$ = binop(px, XT_OP_BOR, $1, $3, @$); }
	| expr '^' expr { $$ = binop(px, XT_OP_BXOR, $1, $3, @$); }
	| expr '&' expr { $$ = binop(px, XT_OP_BAND, $1, $3, @$); }
	| expr EQ expr { $$ = binop(px, XT_OP_EQ, $1, $3, @$); }
	| expr NE expr { $$ = binop(px, XT_OP_NE, $1, $3, @$); }
	| expr '<' expr { $$ = binop(px, XT_OP_LT, $1, $3, @$); }
	| expr '>' expr { $$ = binop(px, XT_OP_GT, $1, $3, @$); }
	| expr LE expr { $$ = binop(px, XT_OP_LE, $1, $3, @$); }
	| expr GE expr { $$ = binop(px, XT_OP_GE, $1, $3, @$); }
	| expr SHL expr { $$ = binop(px, XT_OP_SHL, $1, $3, @$); }
	| expr SHR expr { $$ = binop(px, XT_OP_SHR, $1, $3, @$); }
	| expr '+' expr { $$ = binop(px, XT_OP_ADD, $1, $3, @$); }
	| expr '-' expr { $$ = binop(px, XT_OP_SUB, $1, $3, @$); }
	| expr '*' expr { $$ = binop(px, XT_OP_MUL, $1, $3, @$); }
	| expr '/' expr { $$ = binop(px, XT_OP_DIV, $1, $3, @$); }
	| expr '%' expr { $$ = binop(px, XT_OP_MOD, $1, $3, @$); }
	| '-' expr %prec UNARY { $$ = unop(px, XT_N_UNOP, XT_OP_NEG, $2, @$); }
	| '~' expr %prec UNARY { $$ = unop(px, XT_N_UNOP, XT_OP_BNOT, $2, @$); }
	| '!' expr %prec UNARY { $$ = unop(px, XT_N_UNOP, XT_OP_LNOT, $2, @$); }
	| '*' expr %prec UNARY { $$ = unop(px, XT_N_UNOP, XT_OP_DEREF, $2, @$); }
	| '&' expr %prec UNARY { $$ = unop(px, XT_N_UNOP, XT_OP_ADDR, $2, @$); }
	| INC postfix { $$ = unop(px, XT_N_INCDEC, XT_OP_PREINC, $2, @$); }
	| DEC postfix { $$ = unop(px, XT_N_INCDEC, XT_OP_PREDEC, $2, @$); }
	/* cast: '(' type ')' expr */
	| '(' type ')' expr %prec UNARY
		{
			$$ = named(px, XT_N_CAST, type_text(px, $2.base, $2.ptrs), @$);
			$$->a = $4;
		}
	/* (typeof(x))y: c holds x, whose type y takes (bpftrace 0.24) */
	| '(' typeof_type ')' expr %prec UNARY
		{
			$$ = named(px, XT_N_CAST, $2->name, @$);
			$$->a = $4;
			$$->c = $2->a;
			$$->ival = $2->ival;
		}
	;

postfix
	: primary
	| postfix '[' expr ']'
		{
			$$ = NODE(XT_N_INDEX, @$);
			$$->a = $1;
			$$->b = $3;
		}
	| postfix '.' IDENT { $$ = named(px, XT_N_FIELD, $3, @$); $$->a = $1; }
	| postfix '.' INT
		{
			$$ = named(px, XT_N_FIELD, xt_arena_printf(px->ar, "%llu", (unsigned long long)$3), @$);
			$$->a = $1;
		}
	| postfix ARROW IDENT { $$ = named(px, XT_N_ARROW, $3, @$); $$->a = $1; }
	| postfix INC { $$ = unop(px, XT_N_INCDEC, XT_OP_POSTINC, $1, @$); }
	| postfix DEC { $$ = unop(px, XT_N_INCDEC, XT_OP_POSTDEC, $1, @$); }
	;

primary
	/* px->int_ctype is this INT's: `primary: INT .` reduces without a lookahead */
	: INT { $$ = NODE(XT_N_INT, @$); $$->ival = $1; $$->name = px->int_ctype; }
	| TRUE { $$ = NODE(XT_N_BOOL, @$); $$->ival = 1; }
	| FALSE { $$ = NODE(XT_N_BOOL, @$); $$->ival = 0; }
	| STRING
		{
			$$ = NODE(XT_N_STR, @$);
			$$->sval = $1.s;
			$$->slen = $1.n;
		}
	| IDENT { $$ = named(px, XT_N_IDENT, $1, @$); }
	| IDENT '(' args_opt ')' { $$ = named(px, XT_N_CALL, $1, @$); $$->list = $3.head; }
	/* NAME!(args): a macro's call as bpftrace 0.26's documentation writes it */
	| IDENT '!' '(' args_opt ')' { $$ = named(px, XT_N_CALL, $1, @$); $$->list = $4.head; $$->op = XT_CALL_MACRO; }
	| VAR { $$ = named(px, XT_N_VAR, $1, @$); }
	| POSPARAM { $$ = NODE(XT_N_POSPARAM, @$); $$->ival = $1; }
	| POSCOUNT { $$ = named(px, XT_N_POSPARAM, "#", @$); }
	| map
	/* '(' value ')': a block or an if-expression in parentheses is an operand
	 * and a condition: `if ({ ...; $ok }) {`, `(if (c) { 1 } else { 2 }) + 1` */
	| '(' value ')' { $$ = $2; }
	| '(' expr ',' exprlist ')'
		{
			$$ = NODE(XT_N_TUPLE, @$);
			$2->next = $4.head;
			$$->list = $2;
		}
	/* the empty tuple: () (bpftrace 0.25) */
	| '(' ')' { $$ = NODE(XT_N_TUPLE, @$); }
	/* a tuple of one: (e,) (bpftrace 0.25) */
	| '(' expr ',' ')'
		{
			$$ = NODE(XT_N_TUPLE, @$);
			$$->list = $2;
		}
	/* a record: (name = e, ...) (bpftrace 0.25): a tuple whose sym holds the names */
	| '(' record_fields ')'
		{
			$$ = NODE(XT_N_TUPLE, @$);
			int n = xt_node_count($2.head), i = 0;
			const char **names = xt_arena_alloc(px->ar, sizeof(*names) * (size_t)(n + 1));
			struct xt_list vals = { NULL, NULL };
			for (struct xt_node *f = $2.head, *next; f; f = next) {
				next = f->next;
				for (int k = 0; k < i; k++)
					if (strcmp(names[k], f->name) == 0) {
						xtyyerror(&f->loc, px, xt_arena_printf(px->ar, "duplicate field '%s' in a record", f->name));
						YYERROR;
					}
				names[i++] = f->name;
				f->a->next = NULL;
				vals = list_push(vals, f->a);
			}
			$$->list = vals.head;
			$$->sym = names;
		}
	| SIZEOF '(' type ')' { $$ = named(px, XT_N_SIZEOF, type_text(px, $3.base, $3.ptrs), @$); }
	| SIZEOF '(' expr ')' { $$ = NODE(XT_N_SIZEOF, @$); $$->a = $3; }
	/* sizeof(typeof(x)) is sizeof(x); a pointer's is 8 */
	| SIZEOF '(' typeof_type ')'
		{
			if ($3->a && !$3->ival) {
				$$ = NODE(XT_N_SIZEOF, @$);
				$$->a = $3->a;
			} else {
				$$ = named(px, XT_N_SIZEOF, $3->a ? "uint8 *" : $3->name, @$);
			}
		}
	/* offsetof '(' (struct|union NAME | typedef-name) ',' FIELD ['.' FIELD]... ')' */
	| OFFSETOF '(' STRUCT IDENT ',' field_path ')'
		{
			$$ = named(px, XT_N_OFFSETOF, xt_arena_printf(px->ar, "struct %s", $4), @$);
			$$->sval = $6;
			$$->slen = strlen($6);
		}
	| OFFSETOF '(' UNION IDENT ',' field_path ')'
		{
			$$ = named(px, XT_N_OFFSETOF, xt_arena_printf(px->ar, "union %s", $4), @$);
			$$->sval = $6;
			$$->slen = strlen($6);
		}
	| OFFSETOF '(' IDENT ',' field_path ')'
		{
			$$ = named(px, XT_N_OFFSETOF, $3, @$);
			$$->sval = $5;
			$$->slen = strlen($5);
		}
	;

/* field_path: FIELD ['.' FIELD]... (offsetof's member designator) */
field_path
	: IDENT
	| field_path '.' IDENT { $$ = xt_arena_printf(px->ar, "%s.%s", $1, $3); }
	;

/* map: '@' [NAME] ['[' expr, ... ']'] */
map
	: MAP %prec LOW_MAP { $$ = named(px, XT_N_MAP, $1, @$); }
	| MAP '[' exprlist ']' { $$ = named(px, XT_N_MAP, $1, @$); $$->list = $3.head; }
	;

/* record_fields: NAME '=' expr [',' NAME '=' expr]...: XT_N_IDENT nodes
 * (name; a: the value) until the record takes them apart */
record_fields
	: IDENT '=' expr { struct xt_node *f = named(px, XT_N_IDENT, $1, @1); f->a = $3; $$ = list_one(f); }
	| record_fields ',' IDENT '=' expr
		{
			struct xt_node *f = named(px, XT_N_IDENT, $3, @3);
			f->a = $5;
			$$ = list_push($1, f);
		}
	;

exprlist
	: expr { $$ = list_one($1); }
	| exprlist ',' expr { $$ = list_push($1, $3); }
	;

/* a call's arguments: values, so a block or an if-expression may be one
 * (`print({ let $t = 2; $t * 3 })`, bpftrace 0.25) */
args_opt
	: %empty { $$.head = $$.tail = NULL; }
	| arglist
	;

arglist
	: value { $$ = list_one($1); }
	| arglist ',' value { $$ = list_push($1, $3); }
	;

%%

/* How a token reads in "unexpected X" / "expected X". */
static const char *sym_name(yysymbol_kind_t sym, char *buf, size_t size)
{
	if (sym == YYSYMBOL_YYEOF)
		return "end of input";
	const char *n = yysymbol_name(sym);
	size_t len = strlen(n);
	if (len >= 2 && n[0] == '"' && n[len - 1] == '"') {
		snprintf(buf, size, "%.*s", (int)(len - 2), n + 1);
		return buf;
	}
	return n;
}

/* Binary operators: after a bare condition (`if $a > 1 {`) they are what
 * needed the parentheses. */
static bool binary_operator(yysymbol_kind_t sym)
{
	static const char ops[] = "<>+-*/%&|^?";
	for (const char *o = ops; *o; o++)
		if (sym == (yysymbol_kind_t)YYTRANSLATE((unsigned char)*o))
			return true;
	switch (sym) {
	case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE:
	case YYSYMBOL_SHL: case YYSYMBOL_SHR: case YYSYMBOL_LAND: case YYSYMBOL_LOR:
		return true;
	default:
		return false;
	}
}

static bool starts_statement(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_MAP: case YYSYMBOL_VAR: case YYSYMBOL_IDENT:
	case YYSYMBOL_POSPARAM: case YYSYMBOL_INT: case YYSYMBOL_STRING:
	case YYSYMBOL_TRUE: case YYSYMBOL_FALSE:
	case YYSYMBOL_IF: case YYSYMBOL_WHILE: case YYSYMBOL_FOR:
	case YYSYMBOL_UNROLL: case YYSYMBOL_BREAK: case YYSYMBOL_CONTINUE:
	case YYSYMBOL_RETURN: case YYSYMBOL_LET: case YYSYMBOL_ANGLE_CLOSE:
	case YYSYMBOL_SIZEOF: case YYSYMBOL_OFFSETOF:
		return true;
	default:
		return false;
	}
}

/* The source text a token covers, when it sits on one line. */
static bool token_text(struct xt_pctx *px, struct xt_loc loc, const char **s, int *n)
{
	if (loc.first_line != loc.last_line || !px->src || !px->src->text)
		return false;
	const char *p = px->src->text, *end = p + px->src->len;
	for (int l = 1; l < loc.first_line && p < end; p++)
		if (*p == '\n')
			l++;
	const char *b = NULL;
	int col = 0;
	for (; p < end && *p != '\n'; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		col++;
		if (col == loc.first_column)
			b = p;
		if (col == loc.last_column + 1)
			break;
	}
	if (!b)
		return false;
	*s = b;
	*n = (int)(p - b);
	return *n > 0 && *n <= 64;
}

static bool open_construct(const struct xt_pctx *px)
{
	return px->nest > 0 || px->in_angle || px->in_pred || px->prev_tok == PRED_END;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct xt_pctx *px)
{
	if (px->error_reported)
		return 0;
	yysymbol_kind_t la = yypcontext_token(ctx);
	struct xt_loc loc = *yypcontext_location(ctx);
	yysymbol_kind_t exp[YYNTOKENS];
	int nexp = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	/* C definitions may come anywhere between probes: no hint to give */
	for (int i = 0; i < nexp; i++)
		if (exp[i] == YYSYMBOL_CDEFS || exp[i] == YYSYMBOL_MAPDECL || exp[i] == YYSYMBOL_IMPORT) /* nor a map declaration, an import */
			exp[i--] = exp[--nexp];
	bool semi = false, block = false, comma = false, value = false;
	for (int i = 0; i < nexp; i++) {
		semi |= exp[i] == (yysymbol_kind_t)YYTRANSLATE(';');
		block |= exp[i] == (yysymbol_kind_t)YYTRANSLATE('{');
		comma |= exp[i] == (yysymbol_kind_t)YYTRANSLATE(',');
		value |= exp[i] == YYSYMBOL_IF;
	}
	/* a '{' after a condition, not after an attach point nor where a
	 * value starts (`$x = {`, `$x = if`) */
	block &= !comma && !value;
	if (nexp > 3 && block) { /* after a condition: its block, not more of its expression */
		exp[0] = (yysymbol_kind_t)YYTRANSLATE('{');
		nexp = 1;
	} else if (nexp > 3) {
		nexp = 0; /* too many alternatives to be a useful hint */
	}

	px->error_reported = true;
	if (la == YYSYMBOL_YYEOF && px->prev_tok == START_PROGRAM) {
		xt_diag_plain(px->dg, "empty program: expected a probe, e.g. 'BEGIN { ... }'");
		return 0;
	}
	if (la == YYSYMBOL_YYEOF) {
		px->dg->incomplete = open_construct(px);
	} else if (semi && starts_statement(la)) {
		xt_diag_error(px->dg, loc, "expected ';' after statement");
		return 0;
	} else if (la == YYSYMBOL_TYPEOF) { /* typeof where a value goes */
		xt_diag_error(px->dg, loc, "syntax error: typeof(...) is a type, not a value: cast to it, "
			      "(typeof(x))y, or declare with it, let $y: typeof(x)");
		return 0;
	} else if (block && binary_operator(la)) {
		xt_diag_error(px->dg, loc, "syntax error: a condition without parentheses is one unary "
			      "expression (if $ok, if !f(x)); write the whole condition in ( )");
		return 0;
	}

	char nbuf[64], what[160];
	const char *name = sym_name(la, nbuf, sizeof(nbuf));
	const char *text;
	int tlen;
	switch (la) {
	case YYSYMBOL_ATTACH: case YYSYMBOL_IDENT: case YYSYMBOL_MAP:
	case YYSYMBOL_VAR: case YYSYMBOL_POSPARAM: case YYSYMBOL_INT:
	case YYSYMBOL_INT_TYPE: case YYSYMBOL_TYPEDEF_NAME: case YYSYMBOL_OPASSIGN:
		if (token_text(px, loc, &text, &tlen)) {
			snprintf(what, sizeof(what), "%s '%.*s'", name, tlen, text);
			break;
		}
		/* fall through */
	default:
		snprintf(what, sizeof(what), "%s", name);
	}

	char expbuf[256] = "";
	if (nexp > 0) {
		size_t off = 0;
		for (int i = 0; i < nexp; i++) {
			char b2[64];
			const char *sep = i == 0 ? "" : i == nexp - 1 ? " or " : ", ";
			off += (size_t)snprintf(expbuf + off, sizeof(expbuf) - off, "%s%s", sep,
						sym_name(exp[i], b2, sizeof(b2)));
			if (off >= sizeof(expbuf))
				break;
		}
		xt_diag_error(px->dg, loc, "syntax error: unexpected %s, expected %s", what, expbuf);
	} else {
		xt_diag_error(px->dg, loc, "syntax error: unexpected %s", what);
	}
	return 0;
}

static void xtyyerror(struct xt_loc *loc, struct xt_pctx *px, const char *msg)
{
	if (px->error_reported)
		return;
	px->error_reported = true;
	if (strcmp(msg, "memory exhausted") == 0)
		xt_diag_error(px->dg, *loc, "program too deeply nested (parser stack exhausted)");
	else
		xt_diag_error(px->dg, *loc, "%s", msg);
}

/* Whether a REPL entry is a program: it starts like an attach point
 * (`word:`), with begin/end (any case), or with a config block. Anything else is a
 * statement list. */
/* Whether a REPL entry opens with C definitions: struct, union, enum or
 * typedef, or what an #include'd header put first. */
static bool entry_is_defs(const struct xt_source *src, const char *p, const char *end)
{
	static const char *const words[] = { "struct", "union", "enum", "typedef" };
	if (xt_source_in_header(src, 1))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(end - p) > n && !memcmp(p, words[i], n) && strchr(" \t\n", p[n]))
			return true;
	}
	return false;
}

static bool entry_is_program(const char *p, const char *end)
{
	const char *w = p;
	while (p < end && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (p > w && *p >= '0' && *p <= '9')))
		p++;
	size_t n = (size_t)(p - w);
	if (n == 0)
		return false;
	if (p < end && *p == ':')
		return true;
	/* A probe written without ':' (begin, end): the registry knows which. */
	char word[32];
	if (n < sizeof(word)) {
		memcpy(word, w, n);
		word[n] = 0;
		const struct xt_provider *pv = xt_provider_find(word);
		if (pv && (pv->flags & XT_PROVF_NOTARGET))
			return true;
	}
	if (n == 5 && !memcmp(w, "macro", 5) && p < end && (*p == ' ' || *p == '\t'))
		return true; /* macro definitions, then probes */
	if (n == 6 && !memcmp(w, "import", 6) && *xt_lex_skip_space(p, end) == '"')
		return true; /* imports, then probes */
	if (n == 6 && !memcmp(w, "config", 6)) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		return p < end && *p == '=';
	}
	return false;
}

struct xt_node *xt_parse(struct xt_arena *ar, const struct xt_source *src,
			 enum xt_parse_mode mode, struct xt_diags *dg)
{
	struct xt_pctx px;
	memset(&px, 0, sizeof(px));
	px.ar = ar;
	px.dg = dg;
	px.src = src;
	px.cur = src->text;
	px.end = src->text + src->len;
	px.line = 1;
	px.col = 1;
	/* A leading `#!` line is not part of the program. */
	if (px.end - px.cur >= 2 && px.cur[0] == '#' && px.cur[1] == '!') {
		while (px.cur < px.end && *px.cur != '\n')
			px.cur++;
	}
	px.start_token = START_PROGRAM;
	if (mode == XT_PARSE_ENTRY) {
		const char *p = xt_lex_skip_space(px.cur, px.end);
		if (entry_is_defs(src, p, px.end)) {
			px.start_token = START_DEFS;
		} else if (!entry_is_program(p, px.end)) {
			px.start_token = START_STMTS;
			px.stmts = true;
		} else {
			px.start_token = START_ENTRY;
		}
	}
	int rc = xtyyparse(&px);
	if (rc != 0 || !px.result) {
		if (!px.error_reported) {
			struct xt_loc zero = { 0 };
			xt_diag_error(dg, zero, "internal error: parser failed without a diagnostic");
		}
		return NULL;
	}
	/* Every pass after this one walks the tree recursively: a tree deeper
	 * than XT_AST_DEPTH_MAX (a chain of 4,000 `+`, which the parser builds
	 * without nesting its own stack) would overflow theirs. */
	struct xt_node *deep = NULL;
	int depth = xt_ast_depth(px.result, XT_AST_DEPTH_MAX, &deep);
	if (depth > XT_AST_DEPTH_MAX) {
		xt_diag_error(dg, deep->loc, "the program is nested too deeply: more than %d levels of expressions "
			      "and blocks", XT_AST_DEPTH_MAX);
		return NULL;
	}
	return px.result;
}

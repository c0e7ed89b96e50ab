/* The AST's memory (one arena per compilation), node helpers, and the
 * S-expression dump used by `-d ast` and the parser tests. */
#include "ast.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- nodes ------------------------------------------------------------ */

struct xt_node *xt_node_new(struct xt_arena *ar, enum xt_node_kind kind, struct xt_loc loc)
{
	struct xt_node *n = xt_arena_alloc(ar, sizeof(*n));
	n->kind = kind;
	n->loc = loc;
	return n;
}

struct xt_node *xt_node_last(const struct xt_node *list)
{
	while (list && list->next)
		list = list->next;
	return (struct xt_node *)list;
}

struct xt_node *xt_node_append(struct xt_node *head, struct xt_node *item)
{
	if (!head)
		return item;
	xt_node_last(head)->next = item;
	return head;
}

int xt_node_count(const struct xt_node *list)
{
	int n = 0;
	for (; list; list = list->next)
		n++;
	return n;
}

static const char *const kind_names[XT_N__COUNT] = {
	[XT_N_PROGRAM] = "program",
	[XT_N_MAPDECL] = "map-decl",
	[XT_N_PROBE] = "probe",
	[XT_N_ATTACH] = "attach",
	[XT_N_CDEFS] = "cdefs",
	[XT_N_MACRO] = "macro",
	[XT_N_BLOCK] = "block",
	[XT_N_EXPR_STMT] = "expr",
	[XT_N_ASSIGN] = "assign",
	[XT_N_IF] = "if",
	[XT_N_WHILE] = "while",
	[XT_N_UNROLL] = "unroll",
	[XT_N_FOR] = "for",
	[XT_N_RANGE] = "range",
	[XT_N_BREAK] = "break",
	[XT_N_CONTINUE] = "continue",
	[XT_N_RETURN] = "return",
	[XT_N_LET] = "let",
	[XT_N_CONFIG_SET] = "config-set",
	[XT_N_INT] = "int",
	[XT_N_BOOL] = "bool",
	[XT_N_STR] = "str",
	[XT_N_BINOP] = "binop",
	[XT_N_UNOP] = "unop",
	[XT_N_INCDEC] = "incdec",
	[XT_N_TERNARY] = "ternary",
	[XT_N_MAP] = "map",
	[XT_N_VAR] = "var",
	[XT_N_POSPARAM] = "posparam",
	[XT_N_IDENT] = "ident",
	[XT_N_CALL] = "call",
	[XT_N_FIELD] = "field",
	[XT_N_ARROW] = "arrow",
	[XT_N_INDEX] = "index",
	[XT_N_TUPLE] = "tuple",
	[XT_N_CAST] = "cast",
	[XT_N_SIZEOF] = "sizeof",
	[XT_N_OFFSETOF] = "offsetof",
};

const char *xt_node_kind_name(enum xt_node_kind kind)
{
	if ((unsigned)kind < XT_N__COUNT && kind_names[kind])
		return kind_names[kind];
	return "?";
}

const char *xt_op_text(int op)
{
	switch (op) {
	case XT_OP_ADD: return "+";
	case XT_OP_SUB: return "-";
	case XT_OP_MUL: return "*";
	case XT_OP_DIV: return "/";
	case XT_OP_MOD: return "%";
	case XT_OP_BAND: return "&";
	case XT_OP_BOR: return "|";
	case XT_OP_BXOR: return "^";
	case XT_OP_SHL: return "<<";
	case XT_OP_SHR: return ">>";
	case XT_OP_LAND: return "&&";
	case XT_OP_LOR: return "||";
	case XT_OP_ELVIS: return "?:";
	case XT_OP_EQ: return "==";
	case XT_OP_NE: return "!=";
	case XT_OP_LT: return "<";
	case XT_OP_LE: return "<=";
	case XT_OP_GT: return ">";
	case XT_OP_GE: return ">=";
	case XT_OP_NEG: return "-";
	case XT_OP_BNOT: return "~";
	case XT_OP_LNOT: return "!";
	case XT_OP_DEREF: return "*";
	case XT_OP_ADDR: return "&";
	case XT_OP_PREINC: case XT_OP_POSTINC: return "++";
	case XT_OP_PREDEC: case XT_OP_POSTDEC: return "--";
	case XT_OP_ASSIGN: return "=";
	default: return "?";
	}
}

/* ---- dump ------------------------------------------------------------- */

/* Format: `(KIND ATTR...` then every child on its own line indented by two
 * more spaces, and `)` closing on the last line. Attributes by kind:
 *   attach "TEXT" | str "TEXT" | map "NAME" | cast "TYPE" | sizeof "TYPE"
 *   offsetof "TYPE" FIELD | let "TYPE" (only when typed) | int DECIMAL
 *   var NAME | ident NAME | call NAME | field NAME | arrow NAME
 *   config-set KEY | posparam N|# | binop OP | unop OP | assign OP
 *   incdec pre++|pre--|post++|post--
 * Quoted text escapes \ " and non-printable bytes (\n \t \r \0 or \xHH).
 *   assign = | += | -= | ... (the compound operator followed by '=')
 * Children come in the order list, then a, b, c; absent children are
 * omitted. The program is the exception: its config block (a) comes first,
 * shown as `(config ...)`, then the probes, then the REPL statement block (b). */
static void dump_quoted(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '\0': fputs("\\0", out); break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				fprintf(out, "\\x%02x", ch);
			else
				fputc(ch, out);
		}
	}
	fputc('"', out);
}

static void dump_str(FILE *out, const char *s)
{
	dump_quoted(out, s ? s : "", s ? strlen(s) : 0);
}

static void dump_node(FILE *out, const struct xt_node *n, int indent, const char *label);

/* xt_ast_dump_noted's annotation of each node, while it runs */
static const char *(*dump_note)(const struct xt_node *n, void *ctx);
static void *dump_note_ctx;

static void dump_child(FILE *out, const struct xt_node *n, int indent)
{
	if (!n)
		return;
	fputc('\n', out);
	dump_node(out, n, indent, NULL);
}

/* typeof(x) *: the pointer marks after a cast's or a let's typeof */
static void dump_typeof_stars(FILE *out, const struct xt_node *n)
{
	if ((n->kind == XT_N_CAST || n->kind == XT_N_LET) && n->c && n->ival) {
		fputc(' ', out);
		for (uint64_t i = 0; i < n->ival; i++)
			fputc('*', out);
	}
}

/* `label` replaces the kind name (the program's config block reads "config"). */
static void dump_node(FILE *out, const struct xt_node *n, int indent, const char *label)
{
	fprintf(out, "%*s(%s", indent, "", label ? label : xt_node_kind_name(n->kind));
	switch (n->kind) {
	case XT_N_ATTACH:
	case XT_N_MAP:
	case XT_N_CAST:
		fputc(' ', out);
		dump_str(out, n->name);
		dump_typeof_stars(out, n);
		break;
	case XT_N_MAPDECL:
		fprintf(out, " @%s %s", n->name, n->sval);
		dump_child(out, n->a, indent + 2);
		fputc(')', out);
		return;
	case XT_N_STR:
		fputc(' ', out);
		dump_quoted(out, n->sval ? n->sval : "", n->sval ? n->slen : 0);
		break;
	case XT_N_SIZEOF:
	case XT_N_LET:
		if (n->name) {
			fputc(' ', out);
			dump_str(out, n->name);
			dump_typeof_stars(out, n);
		}
		break;
	case XT_N_OFFSETOF:
		fputc(' ', out);
		dump_str(out, n->name);
		fprintf(out, " %s", n->sval ? n->sval : "");
		break;
	case XT_N_INT:
		fprintf(out, " %llu", (unsigned long long)n->ival);
		break;
	case XT_N_BOOL:
		fputs(n->ival ? " true" : " false", out);
		break;
	case XT_N_POSPARAM:
		if (n->name)
			fprintf(out, " %s", n->name);
		else
			fprintf(out, " %llu", (unsigned long long)n->ival);
		break;
	case XT_N_VAR:
	case XT_N_IDENT:
	case XT_N_CALL:
	case XT_N_MACRO:
	case XT_N_FIELD:
	case XT_N_ARROW:
	case XT_N_CONFIG_SET:
		fprintf(out, " %s", n->name ? n->name : "");
		break;
	case XT_N_CDEFS:
		fprintf(out, " %zu bytes", n->slen);
		break;
	case XT_N_BINOP:
	case XT_N_UNOP:
		fprintf(out, " %s", xt_op_text(n->op));
		break;
	case XT_N_ASSIGN:
		fprintf(out, " %s=", n->op == XT_OP_ASSIGN ? "" : xt_op_text(n->op));
		break;
	case XT_N_TUPLE: /* a record: its field names */
		for (int i = 0; n->sym && i < xt_node_count(n->list); i++)
			fprintf(out, " %s=", ((const char *const *)n->sym)[i]);
		break;
	case XT_N_INCDEC:
		fprintf(out, " %s%s",
			n->op == XT_OP_PREINC || n->op == XT_OP_PREDEC ? "pre" : "post",
			xt_op_text(n->op));
		break;
	default:
		break;
	}
	const char *note = dump_note ? dump_note(n, dump_note_ctx) : NULL;
	if (note)
		fprintf(out, " : %s", note);
	if (n->kind == XT_N_PROGRAM) {
		if (n->a) {
			fputc('\n', out);
			dump_node(out, n->a, indent + 2, "config");
		}
		for (const struct xt_node *c = n->c; c; c = c->next)
			dump_child(out, c, indent + 2);
		for (const struct xt_node *c = n->decls; c; c = c->next)
			dump_child(out, c, indent + 2);
		for (const struct xt_node *c = n->list; c; c = c->next)
			dump_child(out, c, indent + 2);
		for (const struct xt_node *c = n->b; c; c = c->kind == XT_N_CDEFS ? c->next : NULL)
			dump_child(out, c, indent + 2);
	} else {
		for (const struct xt_node *c = n->list; c; c = c->next)
			dump_child(out, c, indent + 2);
		dump_child(out, n->a, indent + 2);
		dump_child(out, n->b, indent + 2);
		dump_child(out, n->c, indent + 2);
	}
	fputc(')', out);
}

void xt_ast_dump(FILE *out, const struct xt_node *node)
{
	if (!node) {
		fputs("()\n", out);
		return;
	}
	dump_node(out, node, 0, NULL);
	fputc('\n', out);
}

void xt_ast_dump_noted(FILE *out, const struct xt_node *node, const char *(*note)(const struct xt_node *n, void *ctx),
		       void *ctx)
{
	dump_note = note;
	dump_note_ctx = ctx;
	xt_ast_dump(out, node);
	dump_note = NULL;
	dump_note_ctx = NULL;
}

int xt_ast_depth(struct xt_node *root, int limit, struct xt_node **deepest)
{
	struct item {
		struct xt_node *n;
		int depth;
	};
	size_t cap = 256, top = 0;
	struct item *stack = malloc(sizeof(*stack) * cap);
	int max = 0;
	*deepest = NULL;
	if (!stack)
		return 0;
	if (root)
		stack[top++] = (struct item){ root, 1 };
	while (top > 0) {
		struct item it = stack[--top];
		if (it.depth > max)
			max = it.depth;
		if (max > limit) {
			*deepest = it.n;
			break;
		}
		struct xt_node *next[] = { it.n->next, it.n->a, it.n->b, it.n->c, it.n->list, it.n->decls };
		for (size_t i = 0; i < sizeof(next) / sizeof(next[0]); i++) {
			if (!next[i])
				continue;
			if (top == cap) {
				struct item *ns = realloc(stack, sizeof(*stack) * (cap *= 2));
				if (!ns) {
					free(stack);
					return max;
				}
				stack = ns;
			}
			/* a list's next element is a sibling: the same depth */
			stack[top++] = (struct item){ next[i], it.depth + (i != 0) };
		}
	}
	free(stack);
	return max;
}

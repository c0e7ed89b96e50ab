#!/usr/bin/env bash
# The C preprocessor (lang/cpp.c): macros, conditionals, #include with -I,
# --include and the system's headers, bpftrace syntax left intact, and
# diagnostics that point at the file and line written. Exact output.
. "$(dirname "$0")/lib.sh"
need_root
XTRACE=$(realpath "$XTRACE")
INC=$(realpath "${XT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/e2e/include")
cd "$XT_TMP" || exit 1
ln -s "$INC" include
BTF=0; [ -r /sys/kernel/btf/vmlinux ] && BTF=1

# check NAME STATUS EXPECTED-STDOUT EXPECTED-STDERR (after xt)
check() {
	if [ "$XT_RC" = "$2" ] && [ "$XT_OUT" = "$3" ] && [ "$XT_ERR" = "$4" ]; then pass "$1"; else
		fail "$1" "$(printf -- 'status %s (want %s)\n--- expected stdout\n%s\n--- actual stdout\n%s\n--- expected stderr\n%s\n--- actual stderr\n%s' \
			"$XT_RC" "$2" "$3" "$XT_OUT" "$4" "$XT_ERR")"; fi
}

# -- macros: object-like, function-like, # and ##, variadic, no re-expansion of $X/@X
cat > macros.bt <<'EOF'
#!/usr/bin/env xtrace
// it's a comment with an apostrophe
#define ONE 1
#define SUM(a, b) ((a) + (b))
#define STR(x) #x
#define CAT(a, b) a ## b
#define FIRST(x, ...) x
#define COUNT(...) SUM(__VA_ARGS__)
#define X 5
BEGIN /ONE == 1/ {
	$X = 3; @X = 4;
	printf("%d %d %s %d %d %d\n", SUM(ONE, 2), CAT(1, 2), STR(a "b" c), FIRST(7, 8, 9), COUNT(3,
		4), $X + @X + X);
	exit();
}
EOF
xt -q macros.bt
check macros 0 '3 12 a "b" c 7 7 12


@X: 4' ''

# -- conditionals: #if with C expressions, #elif, #else, defined, #undef, __has_include
cat > cond.bt <<'EOF'
#define LEVEL 3
#if LEVEL > 2 && defined(LEVEL) && !defined NOPE
BEGIN { printf("level > 2\n"); }
#elif LEVEL == 2
BEGIN { printf("level 2\n"); }
#else
BEGIN { printf("low\n"); }
#endif
#if (1 << 4) + 10 / 3 * 2 - -1 == 23 && 0x10 == 020 && 'A' == 65 && (0 ? 1 : 2) == 2
BEGIN { printf("arithmetic\n"); }
#endif
#undef LEVEL
#ifdef LEVEL
BEGIN { printf("still defined\n"); }
#endif
#if defined(XTRACE) && !defined(NOPE)
BEGIN { printf("xtrace\n"); }
#endif
#if __has_include("include/xt_consts.h") && !__has_include(<no/such/header.h>)
BEGIN { printf("has_include\n"); }
#endif
#if 0
this is not read: ' " #bogus
#endif
BEGIN { exit(); }
EOF
xt -q cond.bt
check conditionals 0 'level > 2
arithmetic
xtrace
has_include' ''

# -- BPFTRACE_HAVE_BTF: bpftrace's tools take their BTF branch
if [ $BTF = 1 ]; then
	xt -q -e '#ifndef BPFTRACE_HAVE_BTF
#include <linux/no_such_kernel_header.h>
#else
#include <linux/no_such_header_either.h>
#endif
BEGIN { printf("btf branch\n"); exit(); }'
	check have_btf 0 'btf branch' ''
	# a kernel header that is not installed: a note under -v, nothing else
	xt -q -v -e '#include <linux/no_such_kernel_header.h>
BEGIN { printf("went on\n"); exit(); }'
	XT_ERR=$(printf '%s\n' "$XT_ERR" | grep -v '^libbpf: ') # -v shows libbpf's log too
	check missing_header_note 0 'went on' '<stdin>:1:10-40: note: <linux/no_such_kernel_header.h> not found: skipped (kernel BTF has the kernel'"'"'s types)
#include <linux/no_such_kernel_header.h>
         ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~'
else
	echo "# no kernel BTF: BPFTRACE_HAVE_BTF cases skipped"
fi

# -- #include: "..." next to the script, <...> through -I (and "..." from a
# header next to it), --include, the system's headers' macros
echo '#define LOCAL 11' > local.h
cat > includes.bt <<'EOF'
#include <xt_consts.h>
#include "local.h"
#include <sys/socket.h>
#include <fcntl.h>
BEGIN {
	printf("%d %d %d %s %d %d %d %d\n", XT_ANSWER, XT_TWICE(21), INNER_BASE, INNER_NAME, LOCAL, FORCED, AF_INET, O_CREAT);
	exit();
}
EOF
if [ -e /usr/include/x86_64-linux-gnu/sys/socket.h ] || [ -e /usr/include/sys/socket.h ]; then
	xt -q -I include --include forced.h includes.bt
	check includes 0 '42 42 100 inner 11 7 2 64' ''
else
	echo "# no libc headers: includes case skipped"
fi

# -- bpftrace syntax: attach points, $N, $#, @m, strings are not expanded
cat > syntax.bt <<'EOF'
#define ms 500
#define interval nope
#define ONE 1
#define K "key"
#define PAIR(a, b) a, b
interval:ms:10 /ONE/ {
	@m[K, "K it's"] = count();   /* #define ONE 2 in a comment */
	printf("%s %d %d %s\n", "ONE", $1 + ONE, $#, K);
	printf("%d %d\n", PAIR(ONE,
	                       2));
	exit();
}
EOF
xt -q syntax.bt 41
check bpftrace_syntax 0 'ONE 42 1 key
1 2


@m[key, K it'"'"'s]: 1' ''

# -- C definitions: from headers and in the program, passed over by the parser
cat > cdefs.bt <<'EOF'
#include <xt_consts.h>
struct mine {
	int x;
};
typedef unsigned long mine_t;
BEGIN { printf("%d\n", XT_ANSWER + 1); exit(); }
EOF
xt -q -I include cdefs.bt
check c_definitions 0 '43' ''
xt -q -e 'struct mine { int x; };
BEGIN { printf("%d\n", sizeof(struct mine)); exit(); }'
check c_definition_used 0 '4' ''

# -- #pragma pack in a header (push, a macro's value, pop): its structs, and
# none after the pop; the program's own pragma for the program's struct
cat > packed.h <<'EOF'
#define PACK_TO 2
#pragma pack(push, PACK_TO)
struct hp { char a; int b; long c; };
#pragma pack(pop)
struct hn { char a; int b; };
EOF
xt -q -e '#include "packed.h"
#pragma pack(1)
struct pp { char a; struct hp h; int i; };
#pragma pack()
BEGIN { printf("%d %d %d %d %d\n", sizeof(struct hp), offsetof(struct hp, c), sizeof(struct hn), sizeof(struct pp), offsetof(struct pp, i)); exit(); }'
check pragma_pack 0 '14 6 8 19 15' ''

# -- diagnostics: lines still match the file after #include/#define; in headers; in the preprocessor
printf '#include <xt_consts.h>\n#define LIMIT 10\n#include <fcntl.h>\n\nBEGIN {\n\t@x = LIMIT;\n\t@y = coutn();\n}\n' > line7.bt
xt -q -I include line7.bt
check error_line_7 1 '' "line7.bt:7:7-11: error: unknown function 'coutn'; did you mean 'count'?
	@y = coutn();
	     ~~~~~"
printf '#include <xt_consts.h>\nBEGIN { printf("%%d\\n", XT_TWICE(XT_ANSWER) + $nope); }\n' > column.bt
xt -q -I include column.bt
check error_column_after_expansion 1 '' 'column.bt:2:46-50: error: variable $nope is used before it is assigned
BEGIN { printf("%d\n", XT_TWICE(XT_ANSWER) + $nope); }
                                             ~~~~~'
printf '#define SELF (SELF + 1)\nBEGIN { @ = SELF; }\n' > self.bt
xt -q self.bt
check error_in_expansion 1 '' "self.bt:2:13-16: error: unknown identifier 'SELF'
BEGIN { @ = SELF; }
            ~~~~"
printf '#include <bad.h>\nBEGIN { exit(); }\n' > header.bt
xt -q -I include header.bt
check error_in_header 1 '' 'include/bad.h:3:2-3: error: #if: expected a value at the end of the line
#if BAD_OK +
 ~~'
printf '#if 1\nBEGIN { exit(); }\n' > unterminated.bt
xt -q unterminated.bt
check unterminated_if 1 '' 'unterminated.bt:1:1: error: unterminated conditional directive (#if without #endif)
#if 1
~'
printf 'BEGIN { exit(); }\n#frobnicate\n' > unknown.bt
xt -q unknown.bt
check unknown_directive 1 '' "unknown.bt:2:2-11: error: unknown preprocessor directive '#frobnicate'
#frobnicate
 ~~~~~~~~~~"
printf '#include "missing.h"\nBEGIN { exit(); }\n' > missing.bt
xt -q missing.bt
check missing_quoted 1 '' "missing.bt:1:10-20: error: 'missing.h' file not found
#include \"missing.h\"
         ~~~~~~~~~~~"
printf '#ifdef XTRACE\n#error this is xtrace\n#endif\n' > error.bt
xt -q error.bt
check error_directive 1 '' 'error.bt:2:2-6: error: #error this is xtrace
#error this is xtrace
 ~~~~~'
printf '#define F(a, b) a\nBEGIN { @ = F(1); }\n' > args.bt
xt -q args.bt
check macro_arg_count 1 '' "args.bt:2:13: error: macro 'F' passed 1 argument, but takes 2
BEGIN { @ = F(1); }
            ~"
finish

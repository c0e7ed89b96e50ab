#!/usr/bin/env bash
# bpftrace 0.26's `import "path";` (lang/import.c): scripts, headers and
# folders, relative to the importing file, each once; one diagnostic for a
# missing file, a cycle, a config block in an imported file, a .bpf.c file,
# a world-writable folder; errors inside an imported file name that file.
. "$(dirname "$0")/lib.sh"
need_root
XTRACE=$(realpath "$XTRACE")
D=$XT_TMP/imp
mkdir -p "$D/lib" "$D/lib/sub"
chmod 755 "$D" "$D/lib"
cat >"$D/lib/util.bt" <<'E'
// helpers for the tests
macro twice(x) { x * 2 }
let @seen = hash(16);
begin { printf("util begin\n"); @seen[1] = 1; }
E
printf 'struct point { int x; int y; };\n' >"$D/lib/types.h"
printf 'import "util.bt";\nmacro thrice(x) { x * 3 }\n' >"$D/lib/more.bt"
printf 'begin { printf("never\\n"); }\n' >"$D/lib/sub/deep.bt"
cat >"$D/main.bt" <<'E'
import "lib/more.bt";
config = { max_strlen = 16 }
import "lib/types.h";
import "lib/util.bt";
begin { printf("%d %d %d\n", twice(4), thrice(2), sizeof(struct point)); }
E
xt -q "$D/main.bt"
expect_eq "a script imports a script that imports one (relative to it), a header; each once" "0:8 6 8
util begin


@seen[1]: 1" "$XT_RC:$XT_OUT"
cd "$D" || exit 1
xt -q -e 'import "lib"; begin { print(thrice(twice(1))); }'
cd - >/dev/null || exit 1
expect_eq "-e: a folder's .bt and .h files, relative to the current folder, not its subfolders" "0:6
util begin


@seen[1]: 1" "$XT_RC:$XT_OUT"

xt -q -e 'import "nofile.bt"; begin {}'
expect_eq "a missing file" '1:<stdin>:1:1-18: error: cannot import "nofile.bt": No such file or directory
import "nofile.bt"; begin {}
~~~~~~~~~~~~~~~~~~' "$XT_RC:$XT_ERR"
printf 'import "c2.bt";\nbegin {}\n' >"$D/c1.bt"
printf 'import "c1.bt";\n' >"$D/c2.bt"
xt -q "$D/c1.bt"
expect_eq "a cycle" "1:$D/c2.bt:1:1-14: error: import cycle: $D/c2.bt imports $D/c1.bt, which is being imported
import \"c1.bt\";
~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
printf 'macro m() { 1 }\nconfig = { max_strlen = 4 }\n' >"$D/cfg.bt"
xt -q -e "import \"$D/cfg.bt\"; begin {}"
expect_eq "a config block in an imported file" "1:$D/cfg.bt:2:1-6: error: an imported file cannot have a config block; it belongs to the program
config = { max_strlen = 4 }
~~~~~~" "$XT_RC:$XT_ERR"
: >"$D/x.bpf.c"
xt -q -e "import \"$D/x.bpf.c\"; begin {}"
expect_match "a .bpf.c file" "^1:<stdin>:1:1-[0-9]+: error: cannot import $D/x.bpf.c: xtrace does not compile and link .bpf.c files" "$XT_RC:$XT_ERR"
mkdir -p "$D/open"
printf 'begin {}\n' >"$D/open/o.bt"
chmod 777 "$D/open"
xt -q -e "import \"$D/open/o.bt\"; begin {}"
expect_match "a world-writable folder" "^1:<stdin>:1:1-[0-9]+: error: cannot import $D/open/o.bt: its folder $D/open is world-writable" "$XT_RC:$XT_ERR"
printf 'begin { print($nope); }\n' >"$D/err.bt"
xt -q -e "import \"$D/err.bt\"; begin {}"
expect_eq "an error in an imported file names it" "1:$D/err.bt:1:15-19: error: variable \$nope is used before it is assigned
begin { print(\$nope); }
              ~~~~~" "$XT_RC:$XT_ERR"
xt -q -e "begin {} import \"$D/lib/util.bt\";"
expect_eq "an import after the probes" "1:<stdin>:1:10-$((31 + ${#D})): error: syntax error: imports must appear before probes and macros
begin {} import \"$D/lib/util.bt\";
         $(printf '~%.0s' $(seq $((22 + ${#D}))))" "$XT_RC:$XT_ERR"
xt -q -e 'config = { max_strlen = 5 } config = {} begin { }'
expect_eq "two config blocks" '1:<stdin>:1:29-34: error: syntax error: duplicate config block
config = { max_strlen = 5 } config = {} begin { }
                            ~~~~~~' "$XT_RC:$XT_ERR"
finish

#!/usr/bin/env bash
# The command line's options reach the REPL session as they reach a
# one-liner: --unsafe, positional parameters, -q, -o FILE. Input through a
# pipe (whole lines, no prompt), exact output.
. "$(dirname "$0")/lib.sh"
need_root
M=op$$

# session ARGS... -- LINES...: one session, stdout in $OUT, stderr in $ERR, status in $RC
session() {
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	OUT=$({ printf '%s\n' "$@"; sleep 0.3; } | timeout -k 5 60 "$XTRACE" -i "${args[@]}" 2>"$XT_TMP/err")
	RC=$?
	ERR=$(cat "$XT_TMP/err")
}

session --unsafe -- "BEGIN { system(\"echo ran $M\"); }"
expect_eq "--unsafe lets an entry call system()" "[1] attached 1 probe: BEGIN
ran $M" "$OUT"
expect_eq "without a diagnostic" "" "$ERR"

session hello 42 -- 'BEGIN { printf("%s %d %d\n", str($1), $2, $#); }' 'BEGIN { printf("[%s]\n", str($3)); }'
expect_eq "positional parameters \$1.. and \$# in entries" "[1] attached 1 probe: BEGIN
hello 42 2
[2] attached 1 probe: BEGIN
[]" "$OUT"
# (with bpftrace 0.24's warning that it is not given, as in a one-liner)
expect_eq "a missing one is empty, as in a one-liner" "<stdin>:1:30-31: warning: positional parameter \$3 is empty or not provided
BEGIN { printf(\"[%s]\\n\", str(\$3)); }
                             ~~" "$ERR"

session -q -- "BEGIN { @$M = 4; printf(\"begin\\n\"); }" "@$M" '.detach 1'
expect_eq "-q: no '[N] attached' lines" "begin
@$M: 4
[1] detached


@$M: 4" "$OUT"

session -o "$XT_TMP/out.txt" -- "BEGIN { @$M = 5; printf(\"to the file\\n\"); }" "@$M" \
	"@${M}x" ".maps"
expect_eq "-o FILE: the terminal gets the REPL's lines and diagnostics" "[1] attached 1 probe: BEGIN
$(printf '%-16s key %-24s value %-16s %ld entr%s' "@$M" - int64 1 y)" "$OUT"
expect_match "a diagnostic too" "unknown map @${M}x; did you mean @$M\\?" "$ERR"
expect_eq "and the file the results: printf output, maps asked for and the maps at the end" "to the file
@$M: 5
@$M: 5" "$(cat "$XT_TMP/out.txt")"
expect_eq "the session ends with status 0" 0 "$RC"

session -o /nonexistent/out.txt -- 'BEGIN { }'
expect_eq "-o to a file that cannot be written: one message, status 1" \
	"1 xtrace: cannot write /nonexistent/out.txt: No such file or directory" "$RC $ERR"
finish

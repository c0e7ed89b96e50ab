#!/usr/bin/env bash
# The REPL without a terminal: entries and commands read line by line from a
# pipe, a regular file or /dev/null (whose end ends the session as Ctrl-D
# does), with the exact output a session gives, and .detach of a missing entry.
. "$(dirname "$0")/lib.sh"
need_root
UC=$XT_TMP/ui$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC" || skip "tests/targets/ucalls is not built"
M=si$$

# session LINES...: one session through a pipe, stdout in $OUT, stderr in $ERR
session() {
	OUT=$({ printf '%s\n' "$@"; sleep 0.3; } | timeout -k 5 60 "$XTRACE" -i 2>"$XT_TMP/err")
	RC=$?
	ERR=$(cat "$XT_TMP/err")
}

session "uprobe:$UC:xt_add { @$M = count(); }" '.detach 9' '.detach 0' '.probes'
expect_eq ".detach of a missing entry says so" "xtrace: no entry 9 (.probes lists them)
xtrace: no entry 0 (.probes lists them)" "$ERR"
expect_eq "and leaves the others attached" "[1] attached 1 probe: uprobe:$UC:xt_add
$(printf '%-5s %-50s %10s hits' '[1]' "uprobe:$UC:xt_add" 0)


@$M: 0" "$OUT"
expect_eq "the session ends with status 0" 0 "$RC"
# A regular file of commands: read line by line, its end ends the session
# as Ctrl-D does (END probes, the maps printed).
printf '%s\n' "BEGIN { @$M[1] = 5; @$M[2] = 7; printf(\"begin\\n\"); }" \
	"END { printf(\"end\\n\"); }" "@$M" "delete(@$M, 1)" '.maps' \
	"uprobe:$UC:xt_add { @${M}c = count(); }" >"$XT_TMP/cmds.txt"
OUT=$(timeout -k 5 60 "$XTRACE" -i <"$XT_TMP/cmds.txt" 2>"$XT_TMP/err")
RC=$?
ERR=$(cat "$XT_TMP/err")
expect_eq "xtrace -i < FILE runs the file's entries" "[1] attached 1 probe: BEGIN
begin
[2] attached 1 probe: END
@$M[1]: 5
@$M[2]: 7
$(printf '%-16s key %-24s value %-16s %ld entr%s' "@$M" int64 int64 1 y)
[3] attached 1 probe: uprobe:$UC:xt_add
end


@$M[2]: 7
@${M}c: 0" "$OUT"
expect_eq "without a diagnostic" "" "$ERR"
expect_eq "and ends with status 0" 0 "$RC"

# Statements without a probe run at once as a BEGIN program on the
# session's maps: a bare value is printed, and every builtin works.
session "BEGIN { @$M[\"bash\"] = 3; @$M[\"sh\"] = 5; @$M[\"zsh\"] = 1; }" "@$M[\"sh\"]" "print(@$M, 2)" \
	'$x = 3; printf("%d\n", $x)' "len(@$M)" "@$M[\"sh\"] = 9; @$M[\"sh\"] + 1" \
	"delete(@$M[\"sh\"]); @$M" "clear(@$M); @$M" "@${M}x = 1"
expect_eq "the prompt runs statements: lookups, print(@m, N), variables, len(), assignments" \
	"[1] attached 1 probe: BEGIN
@$M[sh]: 5
@$M[bash]: 3
@$M[sh]: 5
3
3
10
@$M[zsh]: 1
@$M[bash]: 3
@$M is empty" "$OUT"
expect_eq "a map the session does not have is an error" "<stdin>:1:1-$((${#M} + 2)): error: unknown map @${M}x; did you mean @$M?
@${M}x = 1
$(printf '%*s' $((${#M} + 2)) '' | tr ' ' '~')" "$ERR"

t0=$(date +%s%N)
OUT=$(timeout -k 5 10 "$XTRACE" -i </dev/null 2>&1)
RC=$?
expect_eq "xtrace -i </dev/null ends at once with status 0" "0 " "$RC $OUT"
ms=$((($(date +%s%N) - t0) / 1000000))
expect_match "at once (${ms} ms)" '^[0-9]{1,3}$' "$ms"
finish

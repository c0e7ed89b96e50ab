#!/usr/bin/env bash
# The REPL without a terminal: entries and commands read line by line from a
# pipe, a regular file or /dev/null, with the exact output a session gives,
# and dot-commands that name a missing entry.
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
finish

#!/usr/bin/env bash
# -c CMD and -p PID in the REPL: the command is started held, `cpid` is its
# pid, it runs once the first entry is attached, and its exit (or the -p
# process's) ends the session as a one-liner ends: a line saying so, END
# probes, the maps. Input through a pipe kept open, so that only the
# command can end the session; exact output.
. "$(dirname "$0")/lib.sh"
need_root
UC=$XT_TMP/uc$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC" || skip "tests/targets/ucalls is not built"
M=cm$$

# lines LINES...: the lines (PAUSE: half a second), then an open input for
# up to 30 s (blank lines, which the REPL ignores, until xtrace is gone)
lines() {
	local l
	for l in "$@"; do
		if [ "$l" = PAUSE ]; then sleep 0.5; else printf '%s\n' "$l"; fi
	done
	for i in $(seq 300); do sleep 0.1; echo || return; done
}

# session ARGS... -- LINES...: stdout in $OUT, stderr in $ERR, status in $RC, time in $MS
session() {
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	local t0=$(date +%s%N)
	OUT=$(timeout -k 5 60 "$XTRACE" -i "${args[@]}" 2>"$XT_TMP/err" < <(lines "$@"))
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	ERR=$(cat "$XT_TMP/err")
}

session -c "sh -c 'echo \$\$'" -- 'BEGIN { printf("cpid %d\n", cpid); }'
pid=$(printf '%s\n' "$OUT" | sed -n 's/^cpid //p')
expect_eq "cpid is the command's pid; it runs after the entry's BEGIN; its exit ends the session" \
	"[1] attached 1 probe: BEGIN
cpid $pid
$pid
the command exited with status 0" "$OUT"
expect_eq "status 0, no diagnostic" "0 " "$RC $ERR"

# Held until an entry is attached: had it run at once, it would be over
# (with nothing counted) before the entry came.
session -c "$UC 5" -- '.maps' PAUSE "uprobe:$UC:xt_add { @$M = count(); }"
expect_eq "the command waits for the first entry; at its exit the maps are printed" \
	"no maps yet
[1] attached 1 probe: uprobe:$UC:xt_add
the command exited with status 0


@$M: 5" "$OUT"
expect_match "without waiting for the input to end (${MS} ms)" '^[0-9]{1,4}$' "$MS"

session -c "sh -c 'exit 3'" -- "BEGIN { @$M = 1; }"
expect_eq "a failing command: its status is said" "[1] attached 1 probe: BEGIN
the command exited with status 3


@$M: 1" "$OUT"
expect_eq "the session's own status is 0" 0 "$RC"

session -c "sh -c 'kill -9 \$\$'" -- "BEGIN { @$M = 1; }"
expect_match "a killed command" "^the command was killed by signal 9 \\(Killed\\)$" "$OUT"

# The session ends first (its input ends): a command still held never runs,
# a running one is ended.
OUT=$(timeout -k 5 20 "$XTRACE" -i -c "sleep 30.$$" </dev/null 2>&1)
expect_eq "a held command is let go when the session ends before any entry" "0 " "$? $OUT"
OUT=$(printf '%s\n' "BEGIN { @$M = 2; }" | timeout -k 5 20 "$XTRACE" -i -c "sleep 31.$$" 2>&1)
expect_eq "a running one is ended with the session" "[1] attached 1 probe: BEGIN


@$M: 2" "$OUT"
expect_eq "and none is left" "" "$(pgrep -fx "sleep 3[01]\\.$$")"

sleep 2 &
target=$!
session -p "$target" -- "BEGIN { @$M = 3; }" "END { printf(\"end\\n\"); }"
expect_eq "-p PID: the process's exit ends the session" "[1] attached 1 probe: BEGIN
[2] attached 1 probe: END
process $target exited
end


@$M: 3" "$OUT"
expect_eq "status 0, no diagnostic" "0 " "$RC $ERR"
wait
finish

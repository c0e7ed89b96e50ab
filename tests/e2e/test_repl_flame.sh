#!/usr/bin/env bash
# The REPL's .flame @MAP FILE: the SVG flame graph of a session map keyed by
# ustack, written while the session runs, with the frames of the known call
# tree (tests/targets/flamework.c: work calls hot and cold once per 4 ms, so
# uprobes count them equally: equal widths), and its diagnostics.
. "$(dirname "$0")/lib.sh"
need_root
FW=$(realpath "$XT_TARGETS/flamework") || skip "tests/targets/flamework is not built"
M=fl$$
SVG=$XT_TMP/repl.svg

mkfifo "$XT_TMP/in"
timeout -k 5 60 "$XTRACE" -i <"$XT_TMP/in" >"$XT_TMP/out" 2>"$XT_TMP/err" &
XPID=$!
exec 8>"$XT_TMP/in"
# waitfor FILE REGEX: until a line of FILE matches (20 s at most)
waitfor() {
	local end=$((SECONDS + 20))
	until grep -Eq "$2" "$1" 2>/dev/null; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}
# The target lingers after its work, so that its stacks still symbolize.
hold "$FW" 40 30 wait 2>"$XT_TMP/fw.err" 8>&- # not the end of xtrace's stdin
echo "uprobe:$FW:hot,uprobe:$FW:cold { @$M[ustack] = count(); @${M}n = count(); }" >&8
waitfor "$XT_TMP/out" '^\[1\] attached' || fail "the entry attached" "$(cat "$XT_TMP/err")"
release
waitfor "$XT_TMP/fw.err" '^done$' || fail "flamework did its work"
printf '%s\n' ".flame @$M $SVG" ".flame @${M}n $XT_TMP/n.svg" ".flame @nosuch $XT_TMP/x.svg" ".flame @$M" \
	".flame @$M $XT_TMP/no/such/dir.svg" >&8
waitfor "$XT_TMP/err" 'dir.svg' || true
exec 8>&-
wait "$XPID"
RC=$?
kill "$HELD_PID" 2>/dev/null
wait "$HELD_PID" 2>/dev/null
expect_eq "the session ends with status 0" 0 "$RC"
expect_match ".flame says where it wrote" "^wrote the flame graph of @$M to $SVG$" "$(cat "$XT_TMP/out")"
expect_eq "its diagnostics" "xtrace: @${M}n has no entry keyed by a stack (kstack, ustack)
xtrace: unknown map @nosuch
usage: .flame @MAP FILE.svg
xtrace: .flame: $XT_TMP/no/such/dir.svg: No such file or directory" "$(cat "$XT_TMP/err")"
[ -s "$SVG" ] || { fail ".flame wrote the SVG"; finish; }
if command -v xmllint >/dev/null; then
	if xmllint --noout "$SVG" 2>"$XT_TMP/xmllint"; then pass "the SVG is well-formed XML"
	else fail "the SVG is well-formed XML" "$(cat "$XT_TMP/xmllint")"; fi
fi
FRAMES=$(python3 - "$SVG" <<'PY'
import sys, xml.etree.ElementTree as ET
S = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
print(root.find(S + "text[@id='title']").text)
for g in root.iter(S + 'g'):
    if g.get('data-n') in ('main', 'work', 'hot', 'cold'):
        print(g.get('data-n'), g.get('data-d'), g.get('data-w'), g.find(S + 'rect').get('width'))
PY
)
D=$(printf '%s\n' "$FRAMES" | awk '$1 == "main" { print $2 }')
expect_eq "main > work > cold, hot: 10 calls each, equal widths" "Flame Graph: @$M
main $D 20 1180.0
work $((D + 1)) 20 1180.0
cold $((D + 2)) 10 590.0
hot $((D + 2)) 10 590.0" "$FRAMES"
finish

# The REPL driven through a pseudo-terminal (tmux) as a person uses it:
# attach, trigger a workload, print maps, a wrong entry then a right one,
# multi-line entries, exact hit counts that stop at detach, `probe` keys of a
# map two entries share, .save and re-run the
# file, Ctrl-C during .watch and on a half-typed line, completion of a
# tracepoint name, Ctrl-D printing the maps, history across two sessions.
. "$(dirname "$0")/lib.sh"
need_root
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

SOCK=xt-repl-$$
xt_tmux_reaper "$SOCK"
HOMEDIR=$XT_TMP/home
mkdir -p "$HOMEDIR"
XTRACE=$(readlink -f "$XTRACE")
OPENATN=$(readlink -f "$XT_TARGETS/openatn")
# A map name and a workload name (comm) of this run's own: parallel runs of
# this or other tests must not show up in the exact counts.
M=rc$$
W=xo$$
cp "$OPENATN" "$XT_TMP/$W"
OPENATN=$XT_TMP/$W
# A copy of ucalls of our own: uprobes on it see only our runs (exact hits).
UC=$XT_TMP/uc$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$XT_TMP"' EXIT

. "$(dirname "$0")/tmux_repl.sh" # tm, screen, send, count, expect_after, step

start() {
	tm new-session -d -s xt -x 220 -y 50 \
		"cd '$XT_TMP' && HOME='$HOMEDIR' '$XTRACE'; echo XT-EXIT=\$?; sleep 120"
	expect_after "$1: the prompt" '^xtrace> $' 0 60
}

tm new-session -d -s keep "sleep 600"
start "session 1"
step "a wrong entry is one diagnostic" "unknown function 'coutn'; did you mean 'count'\\?" \
	'tracepoint:syscalls:sys_enter_openat { @[comm] = coutn(); }'
step "then a right one attaches" '^\[1\] attached 1 probe: tracepoint:syscalls:sys_enter_openat$' \
	'tracepoint:syscalls:sys_enter_openat /comm == "'$W'"/ { @[comm] = count(); }'
"$OPENATN" 5
step "the map counts the workload" "^@\[$W\]: 5$" '@'

base=$(count '^   \.\.\.> ')
send -l 'tracepoint:syscalls:sys_enter_openat /comm == "'$W'"/ {'; send Enter
expect_after "an open brace asks for more" '^   \.\.\.> ' "$base"
step "the completed entry attaches" '^\[2\] attached 1 probe' "@$M = count(); }"
"$OPENATN" 3
step "print(@$M) shows the new map" "^@$M: 3$" "print(@$M)"
step "@ kept counting" "^@\[$W\]: 8$" '@'

step "a type conflict is rejected in the new entry" "type mismatch for @$M" "BEGIN { @$M = 5; }"
step "and nothing running is disturbed" "^@$M: 3$" "@$M"

step ".probes lists both entries" '^\[2\] +tracepoint:syscalls:sys_enter_openat +[0-9]+ hits$' '.probes'
step ".detach 2" '^\[2\] detached$' '.detach 2'
step ".probes after detach" '^\[2\] .* hits \(detached\)$' '.probes'
hits_before=$(screen | sed -nE 's/^\[2\] +tracepoint:syscalls:sys_enter_openat +([0-9]+) hits \(detached\)$/\1/p' | tail -1)
"$OPENATN" 4 # ran to its end: any hit it made is counted by now
step ".probes again" '^\[2\] .* hits \(detached\)$' '.probes'
hits_after=$(screen | sed -nE 's/^\[2\] +tracepoint:syscalls:sys_enter_openat +([0-9]+) hits \(detached\)$/\1/p' | tail -1)
expect_eq "the detached entry's hit count stopped" "$hits_before" "$hits_after"

# Exact hits: a probe only our workload fires, counted before the predicate.
step "a uprobe entry attaches" '^\[3\] attached 1 probe: uprobe:.*:xt_add$' \
	"uprobe:$UC:xt_add /arg0 == 99/ { @${M}u = count(); }"
"$UC" 7
step ".probes counts every hit" '^\[3\] +uprobe:[^ ]*:xt_add +7 hits$' '.probes'
"$UC" 5
step ".probes counts on" '^\[3\] +uprobe:[^ ]*:xt_add +12 hits$' '.probes'
step ".detach 3" '^\[3\] detached$' '.detach 3'
"$UC" 4
step "hits stop after .detach" '^\[3\] +uprobe:[^ ]*:xt_add +12 hits \(detached\)$' '.probes'

# Site ids are the session's: a map keyed by `probe` that two entries fill
# prints each entry's probe name.
step "entry 4 fills @${M}p" '^\[4\] attached' "uprobe:$UC:xt_name { @${M}p[probe] = count(); }"
step "entry 5 shares it" '^\[5\] attached' "uprobe:$UC:xt_add { @${M}p[probe] = count(); }"
"$UC" 3
step "the first entry's probe by name" "^@${M}p\\[uprobe:[^]]*:xt_name\\]: 10$" "@${M}p"
expect_match "the second entry's probe by name" "^@${M}p\\[uprobe:[^]]*:xt_add\\]: 3$" "$(screen)"
# A statement at the prompt is a BEGIN program: a probe's name is a string
# there, not a key of type probe.
step "delete() by probe name says why it cannot" "a key of type probe cannot be written at the prompt" \
	"delete(@${M}p, \"uprobe:$UC:xt_add\")"
step "two detaches" '^\[5\] detached$' '.detach 4' '.detach 5'
step "the detached entry's map stays" "^@$M: 3$" "@$M"
step "the attached one goes on" "^@\[$W\]: 12$" '@'
step ".maps shows types and entry counts" "^@$M +key - +value count +1 entry$" '.maps'

step ".save" "^saved 1 entry to $XT_TMP/s.xt\$" ".save $XT_TMP/s.xt"
xt -q -c "$OPENATN 6" "$XT_TMP/s.xt"
expect_match "the saved file runs unchanged" "^@\[$W\]: 6$" "$XT_OUT"
step "the session saw that run too" "^@\[$W\]: 18$" '@'

step ".watch draws the map" "^Every 1s: @$M " ".watch @$M 1"
base=$(count '^xtrace> $')
send C-c
expect_after "Ctrl-C stops .watch" '^xtrace> $' "$base"
step "the session goes on after .watch" "^@\[$W\]: 18$" '@'

send -l 'BEGIN { @x = count()'
base=$(count '^xtrace> BEGIN \{ @x = count\(\)\^C$')
send C-c
expect_after "Ctrl-C drops the half-typed line" '^xtrace> BEGIN \{ @x = count\(\)\^C$' "$base"
step "and the next entry starts afresh" "^@$M: 3$" "@$M"

base=$(count '^xtrace> tracepoint:syscalls:sys_enter_openat ?$')
send -l 'tracepoint:syscalls:sys_enter_opena'; send Tab
expect_after "Tab completes a tracepoint name" '^xtrace> tracepoint:syscalls:sys_enter_openat ?$' "$base"
send C-c
base=$(count '^xtrace> tracepoint:syscalls:$')
send -l 'tracepoint:sysca'; send Tab
expect_after "Tab completes a tracepoint category" '^xtrace> tracepoint:syscalls:$' "$base"
send C-c

step "last entry of session 1" "^@$M: 3$" "print(@$M, 1)"
base=$(count '^XT-EXIT=0$')
send C-d
expect_after "Ctrl-D ends the session with status 0" '^XT-EXIT=0$' "$base" 60
out=$(screen | sed -n "/^xtrace> print(@$M, 1)\$/,\$p")
expect_match "the maps are printed at exit" "^@\[$W\]: 18$" "$out"
expect_match "every map" "^@$M: 3$" "$out"
expect_nothing_left "no map is left behind" "$M"
expect_eq "history is private" 600 "$(stat -c %a "$HOMEDIR/.xtrace_history")"
# The server outlives session 1 (the "keep" session holds it): killing its last
# session would end the server, and a new session started while it shuts
# down fails with "server exited unexpectedly".
tm kill-session -t xt

start "session 2"
base=$(count "^xtrace> print\(@$M, 1\)$")
send Up
expect_after "history is kept across sessions" "^xtrace> print\(@$M, 1\)$" "$base"
send C-c
base=$(count '^XT-EXIT=0$')
send C-d
expect_after "an empty session ends cleanly" '^XT-EXIT=0$' "$base" 60
finish

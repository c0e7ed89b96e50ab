# The flood kept in hand, through a real terminal (tmux): a printf on every
# openat of a storm streams; Ctrl-C pauses it and the prompt comes back with
# the held count (the time from the key to that line is measured and
# printed); the screen stays still while records are held and counted,
# exactly; .probes shows the rates; .resume shows what was held and says
# how many were dropped beyond the cap; .mute/.unmute count one entry's
# records without printing them; Ctrl-C at an idle prompt still drops the
# half-typed line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux_repl.sh"
need_root
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

SOCK=xt-flood-$$
xt_tmux_reaper "$SOCK"
XTRACE=$(readlink -f "$XTRACE")
# Workloads under names of this run's own: only they print.
STORM=$XT_TMP/fs$$
cp "$(readlink -f "$XT_TARGETS/openatn")" "$STORM"
UC=$XT_TMP/fu$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC"
storm_pid=
trap '[ -n "$storm_pid" ] && kill $storm_pid 2>/dev/null; tm kill-server 2>/dev/null; rm -rf "$XT_TMP"' EXIT

tmux_start xt 120 30 "cd '$XT_TMP' && HOME='$XT_TMP' '$XTRACE'; echo XT-EXIT=\$?; sleep 120"
expect_after "the prompt" '^xtrace> $' 0 60
step "a printf on every openat of the storm" '^\[1\] attached 1 probe: tracepoint:syscalls:sys_enter_openat$' \
	'tracepoint:syscalls:sys_enter_openat /comm == "'"${STORM##*/}"'"/ { printf("storm %d\n", pid); }'
(while :; do "$STORM" 200000; done) &
storm_pid=$!
expect_after "the storm streams" '^storm [0-9]+$' 200 30

# Ctrl-C while it streams: the prompt back, with what is held.
paused_re='^output paused: [0-9]+ records? held(.*)?, \.resume to see them, \.detach 1 to stop$'
t0=$(date +%s%N)
send C-c
ms=
for ((i = 0; i < 2000; i++)); do
	if visible | grep -qE -- "$paused_re"; then ms=$((($(date +%s%N) - t0) / 1000000)); break; fi
	sleep 0.005
done
if [ -n "$ms" ]; then
	echo "# measured: Ctrl-C during the storm to the paused prompt: $ms ms (tmux's drawing and capture included)"
	pass "Ctrl-C pauses the storm with the held count"
	# 100 ms on an idle machine; a loaded one (the storm takes a core) gets 2 s
	[ "$ms" -le 2000 ] && pass "within 2 s ($ms ms)" || fail "within 2 s" "$ms ms"
else
	fail "Ctrl-C pauses the storm with the held count" "$(screen | tail -15)"
fi
expect_match "the prompt is back below it" '^xtrace> ?$' "$(visible | grep -v '^$' | tail -1)"
sleep 1
a=$(visible); sleep 1; b=$(visible)
expect_eq "the screen stays still while records are held" "$a" "$b"

step ".probes shows events/s and records/s" \
	'^      [1-9][0-9]* events/s, [1-9][0-9]* records/s over the last [0-9]+ s; [0-9]+ records \([0-9]+ held\)$' '.probes'
expect_match ".probes shows the session's rate and the hold" \
	'^session: 1 entry attached; [0-9]+ events/s, [0-9]+ records/s over the last [0-9]+ s; paused, [0-9]+ records held' "$(screen)"
# The hold has a cap: the storm fills it in well under a minute.
for ((i = 0; i < 60; i++)); do
	step ".probes (until the hold is full)" 'paused, .* held' '.probes' >/dev/null
	screen | grep -E '^session: ' | tail -1 | grep -qE 'more dropped: the hold keeps 10000' && break
	sleep 1
done
expect_match "records beyond the cap are counted as dropped" \
	'paused, 10000 records held \([0-9]+ more dropped: the hold keeps 10000\), \.resume to see them$' "$(screen)"

# Exact counts while paused: the storm's entry detached, 250 records of a
# workload we control are added to what is held and dropped.
step ".detach 1 stops the storm" '^\[1\] detached$' '.detach 1'
kill $storm_pid 2>/dev/null; wait $storm_pid 2>/dev/null; storm_pid=
step "a uprobe entry printing each call" '^\[2\] attached 1 probe: uprobe:' \
	"uprobe:$UC:xt_add { printf(\"add %d\\n\", arg0); }"
held_total() {
	screen | sed -nE 's/^session: .*paused, ([0-9]+) records held \(([0-9]+) more dropped.*/\1 \2/p' | tail -1 |
		awk '{ print $1 + $2 }'
}
step ".probes before the workload" '^session: ' '.probes'
n0=$(held_total)
"$UC" 250 >/dev/null
step ".probes after it" '^\[2\] +uprobe:[^ ]*:xt_add +250 hits$' '.probes'
n1=$(held_total)
expect_eq "each of the 250 records is counted while paused" "$((n0 + 250))" "$n1"
expect_match "entry 2 counts its records" '^      [0-9]+ events/s, [0-9]+ records/s over the last [0-9]+ s; 250 records$' "$(screen)"
expect_eq "nothing of them was drawn" 0 "$(count '^add [0-9]$')"

step ".resume shows the held records and says how many were dropped" \
	'^\(10000 records shown; [0-9]+ more were dropped: the hold keeps 10000 records or 4 MiB\)$' '.resume'
expect_match "the held records were drawn" '^storm [0-9]+$' "$(screen | tail -5)"
"$UC" 3 >/dev/null
expect_after "after .resume, records stream again" '^add [0-7]$' 0
step ".resume with nothing held says so" '^nothing is held' '.resume'

# .mute N: counted, not printed; .unmute N says how many were not printed.
step ".mute 2" '^\[2\] muted: its records are counted, not printed \(\.unmute 2\)$' '.mute 2'
base=$(count '^add [0-7]$')
"$UC" 40 >/dev/null
step ".probes counts the muted records" '^      [0-9]+ events/s, [0-9]+ records/s over the last [0-9]+ s; [0-9]+ records \(muted: 40 not printed\)$' '.probes'
expect_eq "a muted entry prints nothing" "$base" "$(count '^add [0-7]$')"
step ".unmute 2 says how many were not printed" '^\[2\] unmuted \(40 records were not printed\)$' '.unmute 2'
"$UC" 2 >/dev/null
expect_after "an unmuted entry prints again" '^add [0-7]$' "$base"
step ".mute of no entry" '^xtrace: no entry 9 \(\.probes lists them\)$' '.mute 9'

# Nothing streams now: Ctrl-C is the line's, as always.
sleep 1.5
send -l 'BEGIN { @x = count()'
base=$(count '^xtrace> BEGIN \{ @x = count\(\)\^C$')
send C-c
expect_after "Ctrl-C at an idle prompt drops the half-typed line" '^xtrace> BEGIN \{ @x = count\(\)\^C$' "$base"
expect_eq "and does not pause" 0 "$(screen | grep -c 'output paused' | awk '{ print ($1 > 1) }')"

send C-d
expect_after "Ctrl-D ends the session" '^XT-EXIT=0$' 0
finish

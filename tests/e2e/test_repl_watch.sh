# .watch as a dashboard, through a real terminal (tmux): in a 20x80 pane
# the header stays on the first line after 5 s of redraws, a keyed map shows
# its top N (largest first, exact values) with per-second rates, a counter
# its sparkline of the last seconds; no frame goes into the scrollback; a
# resize to 160x40 is followed (a histogram and the keyed map side by side);
# any key returns to the prompt and leaves the last frame on the screen.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux_repl.sh"
need_root
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

SOCK=xt-watch-$$
xt_tmux_reaper "$SOCK"
XTRACE=$(readlink -f "$XTRACE")
UC=$XT_TMP/wu$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC"
M=wm$$
load_pid=
trap '[ -n "$load_pid" ] && kill $load_pid 2>/dev/null; tm kill-server 2>/dev/null; rm -rf "$XT_TMP"' EXIT

tmux_start xt 80 20 "cd '$XT_TMP' && HOME='$XT_TMP' LANG=C.UTF-8 '$XTRACE'; echo XT-EXIT=\$?; sleep 120"
expect_after "the prompt" '^xtrace> $' 0 60
# xt_add(i % 8, 1): ucalls 800 calls it 100 times with each of 0..7
step "a keyed count, a counter and a histogram" '^\[1\] attached 1 probe' \
	"uprobe:$UC:xt_add { @${M}c[arg0 + 1000] = count(); @${M}n = count(); @${M}h = hist(arg0); }"
"$UC" 800 >/dev/null
step "the workload is counted" "^@${M}n: 800$" "@${M}n"

# A steady load while watching: 800 calls (100 a key) every half second.
(while :; do "$UC" 800 >/dev/null; sleep 0.5; done) &
load_pid=$!
send -l ".watch @${M}c @${M}n"; send Enter
sleep 5
v=$(visible)
expect_match "after 5 s the header is still the first line" \
	"^Every 1s: @${M}c @${M}n    [0-9:]+    \\(q or any key: back to the prompt\\)$" "$(printf '%s\n' "$v" | head -1)"
# 80 columns: the keyed map and the counter fit side by side
expect_match "a keyed map shows its keys, largest first, with a per-second rate" \
	"^@${M}c\\[100[0-7]\\]: +[0-9]+  \\+[0-9]+/s +@${M}n: [0-9]+  \\+[0-9]+/s$" "$v"
expect_match "a counter has a sparkline of its last seconds" \
	"^@${M}c\\[100[0-7]\\]: +[0-9]+  \\+[0-9]+/s +(▁|▂|▃|▄|▅|▆|▇|█){3,}  last [0-9]+s, max [0-9]+/s$" "$v"

kill $load_pid; wait $load_pid 2>/dev/null; load_pid=
sleep 1.5
v=$(visible)
# Each key has the same count; with the load stopped, the rates are 0.
vals=$(printf '%s\n' "$v" | sed -nE "s/^@${M}c\\[100[0-7]\\]: +([0-9]+)  \\+0\\/s( .*)?$/\\1/p" | sort -u)
nkeys=$(printf '%s\n' "$v" | grep -cE "^@${M}c\\[100[0-7]\\]: ")
expect_eq "all 8 keys, one value, rate 0 once the load stops" "8 1" "$nkeys $(printf '%s\n' "$vals" | grep -c .)"
n=$(printf '%s\n' "$v" | sed -nE "s/.* @${M}n: ([0-9]+)  .*/\\1/p")
expect_eq "the counter is 8 times a key's value" "$((vals * 8))" "$n"

# A resize is followed: at 160 columns the histogram and the keyed map fit side by side.
base=$(count '^xtrace> $')
send q
expect_after "q returns to the prompt" '^xtrace> $' "$base"
send -l ".watch @${M}h @${M}c"; send Enter
sleep 1.5
tm resize-window -t xt -x 160 -y 40
sleep 2
v=$(visible)
expect_match "the histogram and the keyed map side by side after a resize" \
	"^@${M}h: +@${M}c\\[100[0-7]\\]: +[0-9]+" "$v"
expect_match "the histogram's bars beside the keys" "^\\[[0-9, K)]+ +[0-9]+ \\|@*  *\\| +@${M}c\\[" "$v"
tm resize-window -t xt -x 80 -y 20
sleep 1.5
expect_match "and one above the other again at 80 columns" "^@${M}h:$" "$(visible)"

base=$(count '^xtrace> $')
send x
expect_after "any key returns to the prompt" '^xtrace> $' "$base"
expect_eq "the last frame stays on the normal screen, once" 2 "$(screen | grep -c '^Every 1s: ')"
step "the session goes on" "^@${M}n: [0-9]+$" "@${M}n"
send C-d
expect_after "Ctrl-D ends the session" '^XT-EXIT=0$' 0
finish

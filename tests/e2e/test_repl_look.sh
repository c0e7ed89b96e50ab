# Looking at data in the REPL, through a real terminal (tmux): an entry's
# key looked up at the prompt (a count, a histogram, a missing key),
# len(), print(@m, N), variables; long output through the pager and
# .pager off; colour on the terminal (diagnostics, map names, a one-liner's
# diagnostics) and none with NO_COLOR or into a pipe; completion of map
# keys, uprobe paths, struct names and fields; .edit N through $EDITOR;
# .save then the file run alone on the same workload; .help TOPIC for every
# builtin and probe type.
. "$(dirname "$0")/lib.sh"
need_root
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
command -v less >/dev/null 2>&1 || skip "less (the default pager) is not installed"

SOCK=xt-look-$$
xt_tmux_reaper "$SOCK"
XTRACE=$(readlink -f "$XTRACE")
# Names of this run's own: parallel tests must not show up in exact counts.
M=lk$$
W=lo$$
cp "$(readlink -f "$XT_TARGETS/openatn")" "$XT_TMP/$W"
OPENATN=$XT_TMP/$W
mkdir -p "$XT_TMP/bin" "$XT_TMP/home"
UC=$XT_TMP/bin/uc$$
cp "$(readlink -f "$XT_TARGETS/ucalls")" "$UC"
# The editor .edit runs: it moves the entry from xt_add to xt_name.
printf '#!/bin/sh\nsed -i "s/xt_add/xt_name/" "$1"\n' >"$XT_TMP/edit.sh"
chmod +x "$XT_TMP/edit.sh"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$XT_TMP"' EXIT

tm() { tmux -L "$SOCK" "$@"; }
# shot [-e]: the pane's text (-e: with its colours as escapes)
shot() { tm capture-pane -p -J -t xt -S -3000 "$@"; }
# seen REGEX [-e]: how many lines of the pane match
seen() { shot ${2:-} | grep -cE -- "$1"; }
keys() { tm send-keys -t xt "$@"; }

# wait_for NAME REGEX BEFORE [-e]: until more than BEFORE lines match (30 s at most)
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(seen "$2" "${4:-}")" -gt "$3" ] && { pass "$1"; return 0; }
		sleep 0.1
	done
	fail "$1" "$(printf 'waited for: %s\n--- pane\n%s' "$2" "$(shot | tail -25)")"
	return 1
}

# typed NAME REGEX LINE: types LINE, Enter, and waits for REGEX
typed() {
	local before
	before=$(seen "$2")
	keys -l -- "$3"
	keys Enter
	wait_for "$1" "$2" "$before"
}

# A pane of 20 rows: what is longer goes through the pager.
tm new-session -d -s keep "sleep 900"
tm new-session -d -s xt -x 100 -y 20 \
	"cd '$XT_TMP' && env -u PAGER -u NO_COLOR TERM=xterm HOME='$XT_TMP/home' EDITOR='$XT_TMP/edit.sh' '$XTRACE'; echo XT-EXIT=\$?; sleep 120"
wait_for "the prompt" '^xtrace> $' 0

# --- any expression against the live maps -------------------------------------
typed "an entry counts openat and its latencies" '^\[1\] attached 1 probe' \
	"tracepoint:syscalls:sys_enter_openat /comm == \"$W\"/ { @${M}o[comm] = count(); @${M}h[comm] = hist(5); @${M}p[comm, pid] = count(); }"
"$OPENATN" 5 &
wpid=$!
wait $wpid
typed "@m[key] prints that entry as print(@m) does" "^@${M}o\\[$W\\]: 5$" "@${M}o[\"$W\"]"
typed "a key of comm and pid, the pid a literal" "^@${M}p\\[$W, $wpid\\]: 5$" "@${M}p[\"$W\", $wpid]"
typed "a histogram's entry prints whole" '^\[4, 8\) +5 \|@+\|$' "@${M}h[\"$W\"]"
typed "a key the map lacks says so" "^@${M}o\\[nobody\\]: no such key$" "@${M}o[\"nobody\"]"
typed "len(@m) is the number" '^1$' "len(@${M}o)"
typed "a variable and printf" '^t=10$' '$t = 5; printf("t=%d\n", $t * 2)'
typed "print(@m, N)" "^@${M}o\\[$W\\]: 5$" "print(@${M}o, 10)"

# --- colour ------------------------------------------------------------------
typed "a wrong entry is one diagnostic" "unknown function 'coutn'" "BEGIN { @${M}x = coutn(); }"
E=$'\e'
SGR="(${E}\\[[0-9;]*m)+" # one or more colour escapes
wait_for "its error: is in colour" "${SGR}error:" 0 -e
wait_for "and its ~~~ marks" "^ *${SGR}~~~~~" 0 -e
wait_for "map names are in colour" "^${SGR}@${M}o${SGR}\\[" 0 -e
wait_for "histogram bars too" "\\|${SGR}@+" 0 -e

# --- the pager ------------------------------------------------------------------
before=$(seen '^:$')
keys -l '.help builtins'; keys Enter
wait_for ".help builtins does not fit 20 rows: less shows it" '^:$' "$before"
expect_match "from its first line" '^Builtins:$' "$(shot | tail -20)"
before=$(seen '^xtrace> $')
keys q
wait_for "q leaves the pager for the prompt" '^xtrace> $' "$before"
typed ".pager off" '^the pager is off$' '.pager off'
pagers=$(seen '^:$')
keys -l '.help builtins'
sleep 0.3
before=$(seen '^xtrace> $')
keys Enter
wait_for "then it is printed whole" '^xtrace> $' "$before"
expect_eq "with the prompt right after it" "xtrace> " "$(shot | grep -v '^$' | tail -1)"
expect_eq "and no pager" "$pagers" "$(seen '^:$')"
typed ".pager on" '^the pager is on$' '.pager on'
typed "short output is not paged" "^@${M}o +key string\\[16\\]" '.maps'

# --- completion ------------------------------------------------------------------
before=$(seen "^xtrace> @${M}o\\[\"$W\"\$")
keys -l "@${M}o[\""; keys Tab
wait_for "Tab after @m[\" gives the live map's key" "^xtrace> @${M}o\\[\"$W\"\$" "$before"
keys C-u
before=$(seen "^xtrace> uprobe:$XT_TMP/bin/uc$$:\$")
keys -l "uprobe:$XT_TMP/bi"; keys Tab; sleep 0.3; keys Tab
wait_for "Tab after uprobe: completes a path, directory then file" "^xtrace> uprobe:$XT_TMP/bin/uc$$:\$" "$before"
keys C-u
if [ -r /sys/kernel/btf/vmlinux ]; then
	before=$(seen '^xtrace> BEGIN \{ print\(\(\(struct task_struct')
	keys -l 'BEGIN { print(((struct task_stru'; keys Tab
	wait_for "Tab after (struct completes a kernel struct" '^xtrace> BEGIN \{ print\(\(\(struct task_struct' "$before"
	keys -l ' *)curtask)->pi'; keys Tab; sleep 0.3; keys Tab
	wait_for "and after -> its fields" 'pi_lock +.*pid_links' 0
	keys C-u
fi

# --- .edit N -------------------------------------------------------------------------
typed "a uprobe entry" '^\[2\] attached 1 probe: uprobe:.*:xt_add$' "uprobe:$UC:xt_add { @${M}u = count(); }"
"$UC" 3
typed "counts xt_add" "^@${M}u: 3$" "@${M}u"
typed ".edit 2 replaces the entry with the edited text" '^\[3\] attached 1 probe: uprobe:.*:xt_name$' '.edit 2'
expect_match "the old one is detached" '^\[2\] detached: replaced by the edit$' "$(shot)"
"$UC" 3
typed "the map stays and the new probe fills it (10 calls of xt_name)" "^@${M}u: 13$" "@${M}u"
typed "an entry that does not exist" '^xtrace: no entry 9 ' '.edit 9'

# --- .save, then the file alone on the same workload ----------------------------------
typed ".save" "^saved 2 entries to $XT_TMP/look.xt$" ".save $XT_TMP/look.xt"
typed "clear(@m) at the prompt" "^@${M}u: 0$" "clear(@${M}u); @${M}u"
"$UC" 3
typed "the session's result of one run" "^@${M}u: 10$" "@${M}u"
xt -q -c "$UC 3" "$XT_TMP/look.xt"
expect_match "the saved file gives the same on the same workload" "^@${M}u: 10$" "$XT_OUT"
expect_eq "and runs cleanly" "0" "$XT_RC"

# --- .help TOPIC ------------------------------------------------------------------------
typed ".help count" '^count\(\) \(builtin function\)$' '.help count'
typed ".help BEGIN" '^begin \(probe type\)$' '.help BEGIN'
typed ".help u (an alias)" '^uprobe \(probe type, alias u\)$' '.help u'

before=$(seen '^XT-EXIT=0$')
keys C-d
wait_for "Ctrl-D ends the session" '^XT-EXIT=0$' "$before"
expect_nothing_left "no map is left behind" "${M}o"
tm kill-session -t xt

# A one-liner's diagnostics are coloured on a terminal, not with NO_COLOR.
tm new-session -d -s xt -x 100 -y 20 \
	"env -u NO_COLOR TERM=xterm '$XTRACE' -e 'BEGIN { @x = coutn(); }'; NO_COLOR=1 TERM=xterm '$XTRACE' -e 'BEGIN { @y = coutn(); }'; echo XT-DONE; sleep 60"
wait_for "one-liners ran" '^XT-DONE$' 0
shot -e >"$XT_TMP/oneliner"
expect_match "a one-liner on a terminal colours error:" "${SGR}error:" "$(grep -F '@x' -B1 "$XT_TMP/oneliner" | head -1)"
# (tmux may end the line before with a reset: the line's own text has none)
expect_match "not with NO_COLOR" "^(${E}\\[[0-9;]*m)*<stdin>:1:14-18: error: unknown function 'coutn'; did you mean 'count'\\?\$" \
	"$(grep -B1 -F 'BEGIN { @y' "$XT_TMP/oneliner" | head -1)"
tm kill-session -t xt

# Nothing from a pipe is coloured or paged, even with TERM set.
OUT=$({ printf '%s\n' "BEGIN { @${M}p[1] = 2; @${M}p[2] = 3; }" '.help builtins' "@${M}p[2]" 'BEGIN { @z = coutn(); }'; sleep 0.3; } |
	TERM=xterm timeout -k 5 60 "$XTRACE" -i 2>&1)
expect_eq "no escape in a pipe" 0 "$(printf '%s' "$OUT" | grep -c $'\e')"
expect_match "the lookup in a pipe" "^@${M}p\\[2\\]: 3$" "$OUT"

# Every builtin and probe type .help lists has its own .help.
LIST=$(printf '.help builtins\n.help probes\n' | timeout -k 5 60 "$XTRACE" -i 2>&1 |
	sed -nE 's/^  ([a-z_0-9]+)(\(\))? .*/\1/p' | sort -u)
TOPICS=$(printf '.help %s\n' $LIST)
ERR=$(printf '%s\n' "$TOPICS" | timeout -k 5 60 "$XTRACE" -i 2>&1 >/dev/null)
expect_eq ".help NAME for each of the $(printf '%s\n' $LIST | wc -l) builtins and probe types" "" "$ERR"
finish

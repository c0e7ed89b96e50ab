#!/usr/bin/env bash
# SIGINT (Ctrl-C) while an entry attaches hundreds of uprobes: the entry is
# dropped with one message, the session goes on, and the signal does not
# also cancel the next entry (read in the same piece of input, it would see
# the signal while attaching) nor, on a terminal, draw a cancelled prompt.
. "$(dirname "$0")/lib.sh"
need_root
command -v cc >/dev/null 2>&1 || skip "needs a C compiler for a binary of many functions"
M=ir$$
BIN=$XT_TMP/many$$
# A binary of our own with 60 functions nothing else on the machine fires;
# XT_TEST_ATTACH_DELAY_US makes each of their uprobes take 50 ms to attach, so
# a Ctrl-C lands in the middle of attaching on any machine, and the few links
# it leaves are quick to release (hundreds of uprobes took minutes under load,
# holding the kernel's event locks that other tests need).
export XT_TEST_ATTACH_DELAY_US=50000
{
	for i in $(seq 60); do echo "__attribute__((noinline, used)) void xf$i(void) { __asm__ volatile(\"\"); }"; done
	echo 'int main(void) { return 0; }'
} >"$BIN.c"
cc -O0 -o "$BIN" "$BIN.c" || skip "cannot compile a test binary"

set -m # a background job that ignored SIGINT could not be interrupted
mkfifo "$XT_TMP/in"
timeout -s KILL 120 "$XTRACE" -i <"$XT_TMP/in" >"$XT_TMP/out" 2>"$XT_TMP/err" &
tpid=$!
exec 3>"$XT_TMP/in"
# Both lines in one write: the second waits in the REPL's input while the first attaches.
printf '%s\n' "uprobe:$BIN:xf* { @$M = count(); }" "uprobe:$BIN:main { @${M}n = count(); }" >&3
xpid=
for i in $(seq 100); do xpid=$(pgrep -P "$tpid" -x xtrace) && break; sleep 0.05; done
# Attaching has begun when the links' file descriptors pile up.
base=$(ls "/proc/$xpid/fd" 2>/dev/null | wc -l)
for i in $(seq 1200); do
	[ "$(ls "/proc/$xpid/fd" 2>/dev/null | wc -l)" -gt $((base + 20)) ] && break
	sleep 0.05
done
kill -INT "$xpid"
sleep 0.5
echo '.probes' >&3
exec 3>&-
wait "$tpid"
RC=$?
expect_eq "the entry being attached is dropped, with one message" \
	"xtrace: attaching was interrupted; the entry was dropped" "$(cat "$XT_TMP/err")"
expect_eq "the next entry attaches, and the session goes on" "[1] attached 1 probe: uprobe:$BIN:main
$(printf '%-5s %-50s %10s hits' '[1]' "uprobe:$BIN:main" 0)


@${M}n: 0" "$(cat "$XT_TMP/out")"
expect_eq "and ends with status 0" 0 "$RC"
set +m

# The same on a terminal: Ctrl-C through tmux.
command -v tmux >/dev/null 2>&1 || { finish; }
SOCK=xt-int-$$
xt_tmux_reaper "$SOCK"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$XT_TMP"' EXIT
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -J -t xt -S -200; }
wait_for() { # REGEX: up to 30 s for a screen line matching it
	local i
	for i in $(seq 300); do screen | grep -qE -- "$1" && return 0; sleep 0.1; done
	return 1
}
tm new-session -d -s xt -x 220 -y 50 "HOME='$XT_TMP' XT_TEST_ATTACH_DELAY_US=$XT_TEST_ATTACH_DELAY_US '$(readlink -f "$XTRACE")'; echo XT-EXIT=\$?; sleep 60"
wait_for '^xtrace> $' || fail "the prompt" "$(screen)"
tm send-keys -t xt -l "uprobe:$BIN:xf* { @$M = count(); }"
tm send-keys -t xt Enter
xpid=$(pgrep -P "$(tm list-panes -t xt -F '#{pane_pid}')" -x xtrace)
base=$(ls "/proc/$xpid/fd" 2>/dev/null | wc -l)
for i in $(seq 1200); do
	[ "$(ls "/proc/$xpid/fd" 2>/dev/null | wc -l)" -gt $((base + 20)) ] && break
	sleep 0.05
done
tm send-keys -t xt C-c
wait_for '^xtrace: attaching was interrupted; the entry was dropped$' &&
	pass "Ctrl-C while attaching drops the entry" || fail "Ctrl-C while attaching drops the entry" "$(screen)"
sleep 0.3
tm send-keys -t xt -l "uprobe:$BIN:main { @${M}n = count(); }"
tm send-keys -t xt Enter
wait_for '^\[1\] attached 1 probe' && pass "the next entry attaches" || fail "the next entry attaches" "$(screen)"
tm send-keys -t xt C-d
wait_for '^XT-EXIT=0$' || fail "Ctrl-D ends the session" "$(screen)"
expect_eq "one prompt before the next entry, none cancelled" "xtrace> uprobe:$BIN:xf* { @$M = count(); }
^C
xtrace: attaching was interrupted; the entry was dropped
xtrace> uprobe:$BIN:main { @${M}n = count(); }
[1] attached 1 probe: uprobe:$BIN:main
xtrace> " "$(screen | sed -n '2,7p')"
finish

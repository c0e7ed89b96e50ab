#!/usr/bin/env bash
# xtrace always stops: map operations on maps their probes keep writing, a
# printf flood, signals at any moment (compile, attach, run, final print),
# SIGUSR1, the end of the -p process, write errors, cat() of endless files.
# Each case would hang or misbehave before its fix (issue 8).
. "$(dirname "$0")/lib.sh"
need_root
T=$XT_TARGETS

# start_bg OUT ARGS...: xtrace in the background (no `timeout` between: the
# signals go to xtrace itself), stdout+stderr in OUT, its pid in $BG
start_bg() {
	local out=$1
	shift
	"$XTRACE" "$@" >"$out" 2>&1 &
	BG=$!
}
# wait_attached OUT: until the "Attached" line is out (at most 20 s)
wait_attached() {
	local i
	for i in $(seq 200); do grep -q '^Attached' "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# stop_in NAME SECONDS: waits for $BG; fails NAME when it took longer than SECONDS
stop_in() {
	local t0=$(date +%s%N) rc
	wait "$BG"
	rc=$?
	local ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le $(($2 * 1000)) ] && pass "$1 ($ms ms)" || fail "$1" "took $ms ms"
	BG_RC=$rc
}

# 1. clear() while its own probe fires on every syscall (xtrace's among them):
#    every turn of the walk re-inserted the key it had just deleted.
xt -q -e 'tracepoint:raw_syscalls:sys_enter { @ = count(); @t[tid] = count(); }
	interval:ms:100 { print(@); clear(@); clear(@t); }
	interval:ms:350 { exit(); }'
expect_eq "clear() on a busy map returns: exit 0" 0 "$XT_RC"
expect_match "clear() on a busy map returns: frames printed" '^@: [0-9]+$' "$XT_OUT"
# zero(), delete() and len() on the same kind of map, and END { clear() } as in syscount.bt
xt -q -e 'tracepoint:raw_syscalls:sys_enter { @[tid] = count(); @s = sum(1); }
	interval:ms:50 { zero(@); zero(@s); delete(@, 1); printf("len %d\n", len(@) >= 0);
		@turns = @turns + 1; if (@turns == 3) { exit(); } }
	END { clear(@); clear(@s); }'
expect_eq "zero(), delete(), len(), END { clear() }: exit 0" 0 "$XT_RC"
expect_eq "zero(), delete(), len(): each turn ran" "len 1
len 1
len 1" "$(printf '%s\n' "$XT_OUT" | grep '^len')"

# 2. A printf on every syscall, xtrace's own writes included, stops at SIGINT.
start_bg "$XT_TMP/flood.out" -e 'tracepoint:raw_syscalls:sys_enter { printf("%d %s\n", pid, comm); }'
# Its output goes to the file: wait for the first line, then stop it.
for i in $(seq 200); do [ -s "$XT_TMP/flood.out" ] && break; sleep 0.1; done
kill -INT "$BG"
stop_in "a printf flood stops at SIGINT" 5
expect_eq "a printf flood: exit 0" 0 "$BG_RC"

# 3. SIGTERM at any moment: once main() has blocked the signals (its mask says
#    so), SIGTERM during compile or attach ends xtrace cleanly (exit 0,
#    nothing left), never by the signal's default action (status 143).
prog="$XT_TMP/big.xt"
{ echo 'BEGIN { @m'$$'["k"] = 0; }'; for i in $(seq 600); do echo "tracepoint:syscalls:sys_enter_getppid { @m$$[\"key_$i\"] = $i; }"; done; } >"$prog"
for delay in 0 0.2 0.4; do
	start_bg "$XT_TMP/term.out" -q "$prog"
	for i in $(seq 500); do
		blk=$(awk '/^SigBlk:/ { print $2 }' "/proc/$BG/status" 2>/dev/null)
		[ -n "$blk" ] && (((0x$blk & 0x4000) != 0)) && break
		sleep 0.01
	done
	sleep "$delay"
	kill -TERM "$BG"
	stop_in "SIGTERM $delay s after start ends it" 10
	expect_eq "SIGTERM $delay s after start: exit 0" 0 "$BG_RC"
	expect_nothing_left "SIGTERM $delay s after start: nothing left" "$$"
done

# 4. SIGUSR1 prints every map and tracing goes on.
start_bg "$XT_TMP/usr1.out" -e 'BEGIN { @a = 1; } interval:ms:50 { @ticks = count(); }'
wait_attached "$XT_TMP/usr1.out" || fail "SIGUSR1: attached" "$(cat "$XT_TMP/usr1.out")"
kill -USR1 "$BG"
for i in $(seq 100); do grep -q '^@ticks' "$XT_TMP/usr1.out" && break; sleep 0.05; done
kill -0 "$BG" 2>/dev/null && pass "SIGUSR1: still tracing" || fail "SIGUSR1: still tracing"
kill -INT "$BG"
stop_in "SIGUSR1 then SIGINT" 5
expect_eq "SIGUSR1: exit 0" 0 "$BG_RC"
expect_eq "SIGUSR1: the maps, then the maps again at the end" "@a: 1
@ticks
@a: 1
@ticks" "$(grep '^@' "$XT_TMP/usr1.out" | sed 's/: [0-9]*$//; s/^@a$/@a: 1/')"

# 5. -p: xtrace ends as soon as the process does, with its results.
mkfifo "$XT_TMP/go"
"$T/sleeper" 100000 <"$XT_TMP/go" &
sp=$!
exec 3>"$XT_TMP/go"
start_bg "$XT_TMP/p.out" -p "$sp" -e 'interval:ms:20 { @alive = count(); }'
wait_attached "$XT_TMP/p.out" || fail "-p: attached" "$(cat "$XT_TMP/p.out")"
kill -KILL "$sp"
exec 3>&-
stop_in "-p: ends when the process ends" 1
expect_eq "-p: exit 0" 0 "$BG_RC"
expect_match "-p: results printed" '^@alive: [0-9]+$' "$(cat "$XT_TMP/p.out")"

# 6. Write errors: reported once, the results on stderr, exit 1.
xt -o /dev/full -e 'BEGIN { printf("hello\n"); @n = 7; exit(); }'
expect_eq "-o /dev/full: exit 1" 1 "$XT_RC"
expect_eq "-o /dev/full: one message, then the results on stderr" "xtrace: cannot write /dev/full: No space left on device


@n: 7" "$XT_ERR"
# (a printf first: the attach line no longer goes to stdout, and a failure
# in the final dump itself is only reported)
XT_OUT=$(timeout -k 5 60 "$XTRACE" -q -e 'BEGIN { printf("x\n"); @n = 8; exit(); }' 2>&1 >/dev/full)
XT_RC=$?
expect_eq "stdout on /dev/full: exit 1" 1 "$XT_RC"
expect_eq "stdout on /dev/full: one message, then the results on stderr" "xtrace: cannot write standard output: No space left on device


@n: 8" "$XT_OUT"

# 7. A stdout pipe nobody reads does not hold off SIGTERM.
mkfifo "$XT_TMP/pipe"
sleep 30 <"$XT_TMP/pipe" & # holds the pipe open, never reads
reader=$!
"$XTRACE" -e 'tracepoint:raw_syscalls:sys_enter { printf("%s %d\n", comm, pid); }' >"$XT_TMP/pipe" 2>"$XT_TMP/pipe.err" &
BG=$!
sleep 1 # long enough to fill the pipe's 64 KB
kill -TERM "$BG"
stop_in "a pipe nobody reads: SIGTERM ends it" 5
kill "$reader" 2>/dev/null

# 8. cat() reads at most cat_bytes_max, from a file without end too.
head -c 20000 /dev/zero | tr '\0' 'x' >"$XT_TMP/big.txt"
xt -q -e 'BEGIN { cat("'"$XT_TMP"'/big.txt"); exit(); }'
expect_eq "cat(): at most 10240 bytes" 10240 "$(printf '%s' "$XT_OUT" | tr -d '\n' | wc -c)"
XTRACE_CAT_BYTES_MAX=100 xt -q -e 'BEGIN { cat("'"$XT_TMP"'/big.txt"); exit(); }'
expect_eq "cat(): XTRACE_CAT_BYTES_MAX" 100 "$(printf '%s' "$XT_OUT" | tr -d '\n' | wc -c)"
xt -q -e 'BEGIN { cat("/dev/zero"); printf("done\n"); exit(); }'
expect_eq "cat(\"/dev/zero\") ends" "done" "$XT_OUT"

# 9. A verifier rejection is blamed on the probe that caused it, also the 11th.
p=''
for i in $(seq 10); do p="$p interval:s:1 { @ok$$ = $i; }"; done
deep="@vr$$[\$i] = 1;" # nine nested bpf_loop callbacks: a call stack too deep for the verifier
for v in i h g f e d c b a; do deep="for (\$$v : 0..@ok$$) { $deep }"; done
xt -e "$p interval:s:2 { $deep }"
expect_match "the 11th probe's rejection names it" "^<stdin>:1:[0-9]+-[0-9]+: error: the kernel's verifier rejected interval:s:2$" "$XT_ERR"
finish

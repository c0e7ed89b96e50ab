#!/usr/bin/env bash
# Large programs (issues #12, #15): a probe too large for one BPF function is
# split into parts that it calls in turn (codegen/emit_split.c). What the
# program computes stays the same across the parts: variables, map loops,
# exit() and return stop the rest of the probe. And a stop signal during a
# long compilation ends xtrace at once: LLVM's passes run in a child process.
. "$(dirname "$0")/lib.sh"
need_root
M=cb$$ # map names unique to this run (expect_nothing_left)

# lines N TEXT: TEXT N times, @I@ replaced by 1..N
lines() {
	local i
	for ((i = 1; i <= $1; i++)); do printf '%s\n' "${2//@I@/$i}"; done
}

# 1. 2,000 map statements and a variable carried through every part; a map
#    loop in a part; exit() in the last part with a statement after it.
{ echo 'BEGIN { $n = 0;'
  lines 2000 "@${M}[@I@] = @I@; \$n += @I@;"
  echo "for (\$kv : @${M}) { @s += \$kv.1; } @n = \$n; @len = len(@${M}); clear(@${M}); exit(); @after = 1; }"
} >"$XT_TMP/vars.xt"
XT_TIMEOUT=240 xt --no-cache "$XT_TMP/vars.xt"
expect_eq "split probe: exit 0" 0 "$XT_RC"
expect_eq "split probe: a variable through the parts, a map loop, len()" "@len: 2000
@n: 2001000
@s: 2001000" "$(printf '%s\n' "$XT_OUT" | grep -E '^@(len|n|s|after):' | sort)"

# 2. exit() in the middle: the parts after it do not run.
{ echo 'BEGIN {'
  lines 1500 "@${M}a[@I@] = @I@;"
  echo "@done = len(@${M}a); clear(@${M}a); if (@done > 0) { exit(); }"
  lines 1500 "@${M}b[@I@] = @I@;"
  echo '}'
} >"$XT_TMP/exit.xt"
XT_TIMEOUT=240 xt --no-cache "$XT_TMP/exit.xt"
expect_eq "exit() in a split probe: exit 0" 0 "$XT_RC"
expect_eq "exit() in a split probe: nothing after it ran" "@done: 1500" \
	"$(printf '%s\n' "$XT_OUT" | grep -E '^@' | sort)"

# 3. return in the middle of a split probe that fires again and again: each
#    time the statements after it do not run; a predicate; a second probe ends it.
{ echo "interval:ms:10 /@t < 3/ { @t += 1;"
  lines 1500 "@${M}c[@I@] = @I@;"
  echo "clear(@${M}c); if (@t > 0) { return; }"
  lines 1500 "@${M}d[@I@] = @I@;"
  echo '}'
  echo 'interval:ms:10 /@t >= 3/ { exit(); }'
} >"$XT_TMP/return.xt"
XT_TIMEOUT=240 xt --no-cache "$XT_TMP/return.xt"
expect_eq "return in a split probe: exit 0" 0 "$XT_RC"
expect_eq "return in a split probe: three runs, nothing after it" "@t: 3" \
	"$(printf '%s\n' "$XT_OUT" | grep -E '^@' | sort)"

# 4. SIGTERM while a large program compiles: xtrace ends at once (exit 0,
#    nothing attached, nothing left), not when LLVM is done.
{ echo 'BEGIN {'; lines 8000 "@${M}[\"key_@I@\"] = @I@;"; echo 'exit(); }'; } >"$XT_TMP/long.xt"
"$XTRACE" --no-cache -q "$XT_TMP/long.xt" >"$XT_TMP/term.out" 2>&1 &
BG=$!
for i in $(seq 500); do # until main() blocks the signals: from then on they wait for a safe point
	blk=$(awk '/^SigBlk:/ { print $2 }' "/proc/$BG/status" 2>/dev/null)
	[ -n "$blk" ] && (((0x$blk & 0x4000) != 0)) && break
	sleep 0.01
done
sleep 0.3
kill -TERM "$BG"
t0=$(date +%s%N)
wait "$BG"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -le 5000 ] && pass "SIGTERM during a long compile: ends in $ms ms" || fail "SIGTERM during a long compile" "took $ms ms"
expect_eq "SIGTERM during a long compile: exit 0, nothing printed" "0 " "$rc $(cat "$XT_TMP/term.out")"
expect_nothing_left "SIGTERM during a long compile: nothing left" "$M"
# (the compiling child is killed and reaped, not left to finish)
pgrep -f "$XT_TMP/long.xt" >/dev/null && fail "SIGTERM during a long compile: no process left" "$(pgrep -af "$XT_TMP/long.xt")" ||
	pass "SIGTERM during a long compile: no process left"

# 5. The REPL: SIGINT while an entry compiles drops that entry; the session
#    goes on with the next one.
{ printf 'BEGIN { '; lines 4000 "@${M}r[@I@] = @I@;" | tr '\n' ' '; echo '}'; } >"$XT_TMP/entry.txt"
{ cat "$XT_TMP/entry.txt"; sleep 6; echo "BEGIN { @${M}ok = 1; }"; sleep 1; } |
	timeout -k 5 120 "$XTRACE" -i >"$XT_TMP/repl.out" 2>"$XT_TMP/repl.err" &
repl=$!
sent=0
for i in $(seq 400); do # until the entry's compiling child runs
	pid=$(pgrep -P "$repl" -x xtrace) # ($repl is timeout's pid)
	[ -n "$pid" ] && [ -n "$(pgrep -P "$pid")" ] && { kill -INT "$pid"; sent=1; break; }
	sleep 0.05
done
wait "$repl"
rc=$?
expect_eq "REPL: SIGINT reached an entry while it compiled" 1 "$sent"
expect_eq "REPL: the entry is dropped, the next one runs, exit 0" "0 @${M}ok: 1" \
	"$rc $(grep -E "^@${M}(r|ok)" "$XT_TMP/repl.out" | sort -u | head -3)"
finish

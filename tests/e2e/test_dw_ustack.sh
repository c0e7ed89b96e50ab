#!/usr/bin/env bash
# dw_ustack (bpftrace 0.26, unstable): user stacks unwound with DWARF CFI from
# a copy of the registers and the stack, so callers are found in code built
# without frame pointers, where ustack's frame-pointer walk loses them.
# tests/targets/nofp_chain: main -> chain_a -> chain_b -> chain_c, -O2
# -fomit-frame-pointer; a uprobe on chain_c. Also: the unstable_dw_ustack
# warning/error/enable, and the refusals (no process named, build_id).
. "$(dirname "$0")/lib.sh"
need_root
[ "$(uname -m)" = x86_64 ] || skip "dw_ustack unwinds x86_64 registers only"
T=$(realpath "$XT_TARGETS/nofp_chain")
[ -x "$T" ] || skip "tests/targets/nofp_chain is not built"
EN='config = { unstable_dw_ustack = enable }'
# frame names without their offsets (the compiler decides those)
names() { sed -n 's/^    \([A-Za-z_][A-Za-z0-9_.]*\)+[0-9]*$/\1/p'; }

xt -q -e "uprobe:$T:chain_c { print(dw_ustack); print(ustack); }" -c "$T 1"
expect_eq "exit 0" 0 "$XT_RC"
expect_eq "dw_ustack: chain_c, chain_b, chain_a, main in order" "chain_c
chain_b
chain_a
main" "$(printf '%s\n' "$XT_OUT" | names | head -4)"
expect_match "dw_ustack goes on into libc (__libc_start_main)" "__libc_start_(call_)?main" "$(printf '%s\n' "$XT_OUT" | names)"
# the second stack printed (ustack): chain_c, and no caller of it without frame pointers
us=$(printf '%s\n' "$XT_OUT" | grep -v '^0$' | awk 'BEGIN { RS = ""; } NR == 2' | names)
expect_eq "ustack (frame pointers) loses the callers here" "chain_c" "$(printf '%s\n' "$us" | grep chain_)"
expect_eq "default: the unstable warning, once" 1 "$(printf '%s\n' "$XT_ERR" | grep -c 'warning: Script is using an unstable feature: dw_ustack. To prevent this warning you must explicitly enable it in the config e.g. unstable_dw_ustack=enable')"

xt -q -e "$EN uprobe:$T:chain_c { printf(\"%s|\\n\", dw_ustack(perf, 3)); }" -c "$T 2"
expect_eq "printf %s, perf mode, 3 frames" "$(printf '\nchain_c (T)\nchain_b (T)\nchain_a (T)\n|\n%.0s' 1 2)" \
	"$(printf '%s\n' "$XT_OUT" | grep -v '^0$' | sed -E "s|^\t[0-9a-f]+ ([a-z_]+)\+[0-9]+ \($T\)$|\1 (T)|")"
expect_eq "enable: no warning" "" "$XT_ERR"

# As a map key each value is its own copy of registers and stack; the map's
# reader turns each into its frames, and equal stacks merge into one entry.
xt -q -e "$EN uprobe:$T:chain_c { @[dw_ustack(2)] = count(); @m[dw_ustack(1)] = max(arg0); @h[dw_ustack(1)] = lhist(arg0, 0, 10, 5); }" -c "$T 5"
expect_eq "map key: equal stacks are one entry, 5 calls" "@[
    chain_c
    chain_b
]: 5" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@\[$/,/^\]/p' | sed -E 's/\+[0-9]+$//')"
expect_eq "map key: max merged (arg0 1, 3, 5, 7, 9)" "]: 9" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@m\[$/,/^\]/p' | tail -1)"
expect_eq "map key: lhist merged" "[0, 5)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |
[5, 10)                3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | grep '^\[')"
xt -q -e "$EN uprobe:$T:chain_c { @[comm, dw_ustack(1)] = count(); }" -c "$T 4"
expect_eq "tuple key: merged too" "@[nofp_chain, 
    chain_c
]: 4" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@\[/,/^\]/p' | sed -E 's/\+[0-9]+$//')"

xt -q -e "$EN uprobe:$T:chain_c { printf(\"%s\", dw_ustack(raw, 2)); }" -c "$T 1"
c=$(nm "$T" | awk '$3 == "chain_c" { print $1 }' | sed 's/^0*//')
expect_match "raw: bare addresses, chain_c's own first (PIE: its offset ends the address)" "^[0-9a-f]*${c: -3}$" "$(printf '%s\n' "$XT_OUT" | grep -v '^0$' | sed -n '2p')"

hold "$T" 3 wait >/dev/null
xt_held -p "$HELD_PID" -e "$EN uprobe:$T:chain_c { @[tid] = count(); print(dw_ustack(4)); }"
expect_eq "-p: the same chain" "$(printf 'chain_c\nchain_b\nchain_a\nmain\n%.0s' 1 2 3)" "$(printf '%s\n' "$XT_OUT" | names)"

hold "$T" 2 wait >/dev/null
if xt_start --dwarf-pid "$HELD_PID" -e "$EN uprobe:$T:chain_c /pid == $HELD_PID/ { print(dw_ustack(4)); @n++; if (@n == 2) { exit(); } }"; then
	release
	wait "$HELD_PID"
	xt_wait
else
	release
fi
expect_eq "--dwarf-pid: the same chain" "$(printf 'chain_c\nchain_b\nchain_a\nmain\n%.0s' 1 2)" "$(printf '%s\n' "$XT_OUT" | names)"

# --emit: the object unwinds the process --dwarf-pid names when it runs
xt --emit "$XT_TMP/dw.xto" --dwarf-pid $$ -e "$EN uprobe:$T:chain_c { print(dw_ustack(4)); @n++; if (@n == 2) { exit(); } }"
expect_eq "--emit: exit 0" 0 "$XT_RC"
hold "$T" 2 wait >/dev/null
if xt_start --dwarf-pid "$HELD_PID" "$XT_TMP/dw.xto"; then
	release
	wait "$HELD_PID"
	xt_wait
else
	release
fi
expect_eq "--emit, run with --dwarf-pid: the same chain" "$(printf 'chain_c\nchain_b\nchain_a\nmain\n%.0s' 1 2)" "$(printf '%s\n' "$XT_OUT" | names)"

xt -e "uprobe:$T:chain_c { print(dw_ustack); }"
expect_eq "no process named: exit 1" 1 "$XT_RC"
expect_match "no process named: the diagnostic, span marked" "error: dw_ustack needs the process it unwinds named in advance: -p PID, -c CMD or --dwarf-pid PID.*~~~~~~~~~" "$(printf '%s' "$XT_ERR" | tr '\n' ' ')"

xt -e "config = { unstable_dw_ustack = error } uprobe:$T:chain_c { print(dw_ustack); }" -c "$T"
expect_eq "unstable_dw_ustack = error: exit 1" 1 "$XT_RC"
expect_match "unstable_dw_ustack = error: bpftrace's text" "error: Script is using an unstable feature: dw_ustack. To use it you must explicitly enable it in the config e.g. unstable_dw_ustack=enable" "$XT_ERR"

xt -e "$EN uprobe:$T:chain_c { print(dw_ustack(build_id)); }" -c "$T"
expect_match "build_id: refused" "error: build_id is a mode of ustack\\(\\) only, not of dw_ustack\\(\\)" "$XT_ERR"

xt -q -e "$EN uprobe:$T:chain_c { @dwleft[dw_ustack] = count(); }" -c "$T 2"
expect_nothing_left "nothing left in the kernel" dwleft
finish

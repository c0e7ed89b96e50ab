#!/usr/bin/env bash
# Large maps printed at exit (runtime/maps.c batch lookups, runtime/print_map.c
# sort): every key, in bpftrace's order -- by value, ties by key (integers as
# unsigned), negative values first -- compared line by line with the order
# computed here.
. "$(dirname "$0")/lib.sh"
need_root
L=$XT_TARGETS/getppid_loop
[ -x "$L" ] || skip "tests/targets/getppid_loop is not built"
N=200000
export XTRACE_MAX_MAP_KEYS=$((N + 1000))

# by_value NAME EXPECTED-FILE: the map's lines of $XT_OUT against the file
by_value() {
	printf '%s\n' "$XT_OUT" | grep "^@$1\[" >"$XT_TMP/$1.got"
	if cmp -s "$XT_TMP/$1.got" "$2"; then pass "$3"; else
		fail "$3" "$(diff "$2" "$XT_TMP/$1.got" | head -10)"; fi
}

xt -q -e "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @i = @i + 1; @m[@i] = $N - @i; @n[@i] = -@i; @t[@i] = @i % 3; }" \
	-c "$L $N"
expect_eq "$N events counted" "@i: $N" "$(printf '%s\n' "$XT_OUT" | grep '^@i:')"
seq "$N" -1 1 | awk -v n="$N" '{ print "@m[" $1 "]: " n - $1 }' >"$XT_TMP/m.want"
by_value m "$XT_TMP/m.want" "$N keys sorted by value"
seq "$N" -1 1 | awk '{ print "@n[" $1 "]: -" $1 }' >"$XT_TMP/n.want"
by_value n "$XT_TMP/n.want" "negative values: the most negative first"
for r in 0 1 2; do seq 1 "$N" | awk -v r=$r '$1 % 3 == r { print "@t[" $1 "]: " r }'; done >"$XT_TMP/t.want"
by_value t "$XT_TMP/t.want" "ties broken by key"

# per-CPU counts and sums (batch lookups of a per-CPU hash), tuple keys
xt -q -e "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @i = @i + 1; @c[@i % 50000] = count(); @s[@i % 20000, @i % 3] = sum(@i % 4); }" \
	-c "$L $N"
seq 0 49999 | awk '{ print "@c[" $1 "]: 4" }' >"$XT_TMP/c.want"
by_value c "$XT_TMP/c.want" "50000 per-CPU counts, all 4: by key"
awk -v n="$N" 'BEGIN {
	for (i = 1; i <= n; i++) s[i % 20000 "\t" i % 3] += i % 4
	for (k in s) { split(k, p, "\t"); print s[k] "\t" p[1] "\t" p[2] "\t@s[" p[1] ", " p[2] "]: " s[k] }
}' | sort -t"$(printf '\t')" -k1,1n -k2,2n -k3,3n | cut -f4 >"$XT_TMP/s.want"
by_value s "$XT_TMP/s.want" "sums with tuple keys: by value, ties by the tuple"
finish

#!/usr/bin/env bash
# Compile time against program size: a BEGIN probe of N lines `@m["key_I"] = I;`
# (default 1000) run through xtrace (compile, load, run, print), and through
# bpftrace with -b (slow: 0.17 needed 21.7 s and 221 MB for N=1000 here).
# usage: bench/compile_1000.sh [-n N] [-b]        needs root
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XTRACE=${XTRACE:-$repo/build/xtrace}
N=1000 with_bpftrace=0
while getopts "n:b" o; do case $o in n) N=$OPTARG ;; b) with_bpftrace=1 ;; *) exit 2 ;; esac; done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gen() { # gen N FILE
	{ echo "BEGIN {"; for ((i = 0; i < $1; i++)); do echo "  @m[\"key_$i\"] = $i;"; done; echo "  exit();"; echo "}"; } > "$2"
}
run() { # run NAME CMD...: wall seconds and peak RSS
	/usr/bin/time -f "%e %M" -o "$tmp/t" "$@" > "$tmp/out" 2> "$tmp/err" || { echo "$1 failed:"; tail -5 "$tmp/err"; return 1; }
	read -r secs kb < "$tmp/t"
	printf '%-10s %6d lines  %7.2f s  %7.1f MB  (%d map lines printed)\n' "$(basename "$1")" "$n" "$secs" "$(echo "$kb / 1024" | bc -l)" "$(grep -c '^@m' "$tmp/out")"
}
for n in $((N / 4)) $((N / 2)) "$N"; do
	gen "$n" "$tmp/p$n.xt"
	run "$XTRACE" -q "$tmp/p$n.xt"
done
[ $with_bpftrace = 1 ] && run "$(command -v bpftrace)" "$tmp/p$N.xt"
exit 0

#!/usr/bin/env bash
# Compile time against program size. A program of N lines `@m["key_I"] = I;`
# (default 1000): in one BEGIN probe, or with -m spread over probes of S lines
# each (-s S, default 10). Each size is run through xtrace --no-cache three ways:
#   compile  --emit FILE: parse, analysis, IR, LLVM's passes and object, no kernel
#   load     --dry-run: the same, then libbpf and the kernel's verifier, attach
#   run      the whole program: compile, load, run BEGIN, print the N keys
# and through bpftrace with -b (slow: 0.17 needed 21.7 s and 221 MB for N=1000).
# Prints seconds (median of -r REPS runs), the CPU seconds of `run` (user +
# system: steadier than wall time on a busy machine), ms per line of both,
# and the peak RSS of `run`.
# usage: bench/compile_1000.sh [-n N | -N "N1 N2 ..."] [-m] [-s S] [-r REPS] [-b]
#   -n N  sizes N/4, N/2, N (the old behaviour);  -N: the sizes given
# Needs root.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XTRACE=${XTRACE:-$repo/build/xtrace}
N=1000 sizes="" with_bpftrace=0 many=0 per=10 reps=1
while getopts "n:N:ms:r:b" o; do
	case $o in
	n) N=$OPTARG ;;
	N) sizes=$OPTARG ;;
	m) many=1 ;;
	s) per=$OPTARG ;;
	r) reps=$OPTARG ;;
	b) with_bpftrace=1 ;;
	*) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[ -n "$sizes" ] || sizes="$((N / 4)) $((N / 2)) $N"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

gen() { # gen N FILE
	local i
	if [ $many = 0 ]; then
		{ echo "BEGIN {"; for ((i = 0; i < $1; i++)); do echo "  @m[\"key_$i\"] = $i;"; done
		  echo "  exit();"; echo "}"; } > "$2"
		return
	fi
	{ for ((i = 0; i < $1; i++)); do
		((i % per == 0)) && echo "BEGIN {"
		echo "  @m[\"key_$i\"] = $i;"
		((i % per == per - 1 || i == $1 - 1)) && echo "}"
	  done
	  echo "BEGIN { exit(); }"; } > "$2"
}

# one NAME CMD...: "wall_s peak_kB cpu_s" of one run (cpu: user + system,
# the children's included); the output in $tmp/out
one() {
	/usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "${@:2}" > "$tmp/out" 2> "$tmp/err" ||
		{ echo "$1 failed:" >&2; tail -5 "$tmp/err" >&2; echo "nan 0 nan"; return 1; }
	awk '{ print $1, $2, $3 + $4 }' "$tmp/t"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# med NAME CMD...: the median wall seconds of $reps runs, the largest peak kB, the median CPU seconds
med() {
	local r s k c walls="" cpus="" kmax=0
	for ((r = 0; r < reps; r++)); do
		read -r s k c <<<"$(one "$@")"
		walls+="$s"$'\n'
		cpus+="$c"$'\n'
		((k > kmax)) && kmax=$k
	done
	echo "$(printf '%s' "$walls" | median) $kmax $(printf '%s' "$cpus" | median)"
}

printf '%-8s %6s  %9s %9s %9s %9s  %8s %8s  %8s  %s\n' shape lines "compile s" "load s" "run s" "run cpu s" \
	"ms/line" "cpu/line" "peak MB" "keys printed"
for n in $sizes; do
	gen "$n" "$tmp/p$n.xt"
	export XTRACE_MAX_MAP_KEYS=$((n > 4096 ? n : 4096)) # room for every key
	read -r tc _ _ <<<"$(med emit "$XTRACE" --no-cache --emit "$tmp/p$n.xto" "$tmp/p$n.xt")"
	read -r tl _ _ <<<"$(med dry-run "$XTRACE" --no-cache --dry-run -q "$tmp/p$n.xt")"
	read -r tr kb cr <<<"$(med run "$XTRACE" --no-cache -q "$tmp/p$n.xt")"
	printf '%-8s %6d  %9.2f %9.2f %9.2f %9.2f  %8.3f %8.3f  %8.1f  %d\n' \
		"$([ $many = 1 ] && echo "${per}/probe" || echo 1probe)" "$n" "$tc" "$tl" "$tr" "$cr" \
		"$(echo "$tr * 1000 / $n" | bc -l)" "$(echo "$cr * 1000 / $n" | bc -l)" "$(echo "$kb / 1024" | bc -l)" \
		"$(grep -c '^@m' "$tmp/out")"
done
if [ $with_bpftrace = 1 ]; then
	n=${sizes##* }
	read -r tb kb <<<"$(one bpftrace "$(command -v bpftrace)" "$tmp/p$n.xt")"
	printf 'bpftrace %6d lines  %7.2f s  %7.1f MB\n' "$n" "$tb" "$(echo "$kb / 1024" | bc -l)"
fi
exit 0

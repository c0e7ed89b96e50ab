#!/usr/bin/env bash
# Builds the twins into OUTDIR (default: build/twins): each *.bpf.c with
# clang's BPF target, the loader twin.c against libbpf, and loop_cpu (the
# event case's workload, timed in CPU time).
#   bench/twins/build.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../../build/twins}
mkdir -p "$out"
CLANG=${CLANG:-$(command -v clang-19 || command -v clang || true)}
if [[ -z $CLANG ]]; then
	echo "bench/twins: clang with the BPF target is needed (apt-get install clang-19)" >&2
	exit 1
fi
for src in "$here"/*.bpf.c; do
	name=$(basename "$src" .c)
	"$CLANG" -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c "$src" -o "$out/$name.o"
done
${CC:-cc} -O2 -Wall -o "$out/twin" "$here/twin.c" -lbpf -lelf -lz
${CC:-cc} -O2 -Wall -o "$out/loop_cpu" "$here/loop_cpu.c"

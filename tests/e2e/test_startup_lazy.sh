#!/bin/bash
# xtrace is not linked against LLVM: its code generator, libxtrace-llvm.so,
# is loaded on the first compilation (codegen/load.c). The executable's
# references to LLVM must all be calls bound lazily (a data reference would
# have to be resolved at start, without the module); a compilation loads it;
# without it a compilation says so once and nothing crashes.
. "$(dirname "$0")/lib.sh"

needed=$(readelf -dW "$XTRACE" | grep NEEDED)
if printf '%s\n' "$needed" | grep -qi llvm; then
	fail "xtrace needs no LLVM library at start" "$needed"
else
	pass "xtrace needs no LLVM library at start"
fi
relocs=$(readelf -rW "$XTRACE" | awk '$5 ~ /^LLVM/ { print $3 }' | sort | uniq -c)
expect_match "xtrace refers to LLVM's functions" 'R_X86_64_JUMP_SLOT|R_AARCH64_JUMP_SLOT' "$relocs"
expect_eq "only through lazily bound calls" "1" "$(printf '%s\n' "$relocs" | grep -c .)"

xt --version
expect_eq "--version runs without the module" "0 xtrace v" "$XT_RC $(printf '%s' "$XT_OUT" | cut -c1-8)"
LD_BIND_NOW=1 xt --version
expect_eq "--version runs with LD_BIND_NOW=1 (the references are weak)" "0" "$XT_RC"

need_root
xt -q -e 'BEGIN { printf("%d\n", 6 * 7); exit(); }'
expect_eq "a compilation loads the module" "0 42" "$XT_RC $XT_OUT"

# without the module next to it (nor in ../lib*/xtrace): one message, status 1
mkdir -p "$XT_TMP/bin"
cp "$XTRACE" "$XT_TMP/bin/xtrace"
XTRACE=$XT_TMP/bin/xtrace xt -q -e 'BEGIN { printf("%d\n", 6 * 7); exit(); }'
expect_match "without the module: one clear error" 'error: cannot load the code generator: libxtrace-llvm.so not found' "$XT_ERR"
expect_eq "without the module: status 1, no output, one line" "1  1" "$XT_RC $XT_OUT $(printf '%s\n' "$XT_ERR" | grep -c .)"

[ "$XT_FAILS" = 0 ]

#!/bin/bash
# --emit FILE writes a compiled program; `xtrace FILE` runs it through the
# same runtime without loading LLVM (repl/progfile.h). A damaged, truncated or
# foreign file, or one compiled against other types, is one clear error.
. "$(dirname "$0")/lib.sh"
need_root
export XDG_CACHE_HOME=$XT_TMP/cache

# a workload with a name of its own: other tests run getppid_loop too
cp "$XT_TARGETS/getppid_loop" "$XT_TMP/xtemit_gppid"
PROG='tracepoint:syscalls:sys_enter_getppid /comm == "xtemit_gppid"/ { @calls[comm] = count(); printf("hit %s\n", comm); }'
xt --emit "$XT_TMP/calls.xtp" -e "$PROG"
expect_eq "--emit compiles and writes, running nothing" "0||" "$XT_RC|$XT_OUT|$XT_ERR"
expect_eq "the file is a compiled program" "7f58545052" "$(head -c 5 "$XT_TMP/calls.xtp" | od -An -tx1 | tr -d ' \n')"

# maps_of PID: the LLVM libraries PID has mapped, "none" if none
maps_of() {
	local m
	m=$(grep -oE '[^/]*(libLLVM|libxtrace-llvm)[^ ]*' "/proc/$1/maps" | sort -u | tr '\n' ' ')
	echo "${m:-none}"
}

# run_traced ARGS...: xtrace ARGS while the workload makes 37 calls; sets MAPS
run_traced() {
	hold "$XT_TMP/xtemit_gppid" 37 wait
	if xt_start "$@"; then
		MAPS=$(maps_of "$XT_PID")
		release
		wait "$HELD_PID"
		xt_stop
	else
		MAPS=
		release
	fi
}

hits=$(for i in $(seq 37); do echo "hit xtemit_gppid"; done)
run_traced "$XT_TMP/calls.xtp"
expect_eq "the compiled program traces" "$(printf '%s\n\n\n@calls[xtemit_gppid]: 37' "$hits")" "$XT_OUT"
expect_eq "running it maps no LLVM library" "none" "$MAPS"
run_traced --no-cache -e "$PROG"
expect_eq "the same program compiled traces the same" "$(printf '%s\n\n\n@calls[xtemit_gppid]: 37' "$hits")" "$XT_OUT"
expect_match "(and compiling maps the code generator, so the check above can fail)" 'libxtrace-llvm|libLLVM' "$MAPS"

# a script file's program, with its positional parameter fixed at --emit
printf 'BEGIN { printf("param %%s, %%d\\n", str($1), $2 * 2); exit(); }\n' >"$XT_TMP/p.xt"
xt --emit "$XT_TMP/p.xtp" "$XT_TMP/p.xt" hello 21
xt -q "$XT_TMP/p.xtp"
expect_eq "a script's compiled program keeps its parameters" "0 param hello, 42" "$XT_RC $XT_OUT"
xt -q "$XT_TMP/p.xtp" other 21
expect_eq "other parameters: one error" "1|error: $XT_TMP/p.xtp: the positional parameters would change the compiled code: give it when compiling with --emit" \
	"$XT_RC|$XT_ERR"
xt -q -p $$ "$XT_TMP/p.xtp"
expect_match "-p on a compiled program: one error" '^error: .*p\.xtp: -p would change the compiled code' "$XT_ERR"

# elapsed, ncpus and nsecs(sw_tai) are given by the runtime that loads it
# (no value of the compiling run is kept: elapsed counts from this run)
xt --emit "$XT_TMP/e.xtp" -e 'BEGIN { $d = (int64)nsecs(sw_tai) - (int64)nsecs(tai); printf("%d %d %d\n", elapsed < 1000000000, ncpus, $d > -10000000 && $d < 10000000); exit(); }'
expect_eq "a program with elapsed, ncpus, sw_tai is emitted" "0|" "$XT_RC|$XT_ERR"
sleep 1.2
xt -q "$XT_TMP/e.xtp"
expect_eq "and runs with this run's values" "0 1 $(nproc) 1" "$XT_RC $XT_OUT"

# damaged, truncated, foreign
one_error() { # NAME REGEX
	expect_match "$1: one error" "$2" "$XT_ERR"
	expect_eq "$1: status 1, nothing else" "1||1" "$XT_RC|$XT_OUT|$(printf '%s\n' "$XT_ERR" | grep -c .)"
}
size=$(stat -c %s "$XT_TMP/calls.xtp")
cp "$XT_TMP/calls.xtp" "$XT_TMP/bad.xtp"
printf '\x55' | dd of="$XT_TMP/bad.xtp" bs=1 seek=$((size / 2)) conv=notrunc status=none
xt -q "$XT_TMP/bad.xtp"
one_error "a changed byte" 'bad\.xtp: corrupt or truncated \(its checksum does not match\)$'
head -c $((size - 100)) "$XT_TMP/calls.xtp" >"$XT_TMP/short.xtp"
xt -q "$XT_TMP/short.xtp"
one_error "a truncated file" 'short\.xtp: corrupt or truncated'
head -c 12 "$XT_TMP/calls.xtp" >"$XT_TMP/tiny.xtp"
xt -q "$XT_TMP/tiny.xtp"
one_error "12 bytes of one" 'tiny\.xtp: truncated \(12 bytes\)$'
{ printf '\177XTPROG\n\002\000\000\000'; head -c 200 /dev/zero; } >"$XT_TMP/v2.xtp"
xt -q "$XT_TMP/v2.xtp"
one_error "another format version" 'v2\.xtp: format version 2, this xtrace reads version 1$'

# compiled against another binary: a uprobe's target rebuilt (here: grown)
cp "$XT_TARGETS/ucalls" "$XT_TMP/ucalls"
xt --emit "$XT_TMP/u.xtp" -e "uprobe:$XT_TMP/ucalls:xt_add { @n = count(); }"
expect_eq "--emit a uprobe program" "0" "$XT_RC"
printf 'more' >>"$XT_TMP/ucalls"
xt -q "$XT_TMP/u.xtp"
one_error "its binary changed" 'u\.xtp: compiled against other kernel types \(or other binaries\) than this machine.s: recompile it$'

finish

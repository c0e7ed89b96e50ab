#!/usr/bin/env bash
# bpftrace 0.26's BPFTRACE_<KEY> environment variables: each config key is
# one, and it beats the program's config block (lang/pass_config.c).
. "$(dirname "$0")/lib.sh"
need_root
G=$(realpath "$XT_TARGETS/getppid_loop")

# env NAME=VALUE ARGS...: xtrace with that variable; $XT_OUT, $XT_ERR, $XT_RC
env_xt() {
	local kv=$1
	shift
	XT_OUT=$(env "$kv" timeout -k 5 60 "$XTRACE" -q "$@" 2>"$XT_TMP/err")
	XT_RC=$?
	XT_ERR=$(cat "$XT_TMP/err")
}

env_xt BPFTRACE_MAX_STRLEN=5 -e 'begin { print(str("abcdefgh")); }'
expect_eq "BPFTRACE_MAX_STRLEN applies" "0:abcde.." "$XT_RC:$XT_OUT"
env_xt BPFTRACE_MAX_STRLEN=5 -e 'config = { max_strlen = 8 } begin { print(str("abcdefgh")); }'
expect_eq "BPFTRACE_MAX_STRLEN beats the config block" "0:abcde.." "$XT_RC:$XT_OUT"
expect_eq "... and says so" "<stdin>:1:12-21: warning: BPFTRACE_MAX_STRLEN is set, so config max_strlen is ignored
config = { max_strlen = 8 } begin { print(str(\"abcdefgh\")); }
           ~~~~~~~~~~" "$XT_ERR"
env_xt BPFTRACE_MAX_STRLEN=big -e 'begin { }'
expect_eq "a bad BPFTRACE_ value" "1:<stdin>: error: BPFTRACE_MAX_STRLEN must be an integer from 1 to 65536, not 'big'" "$XT_RC:$XT_ERR"
env_xt BPFTRACE_PRINT_MAPS_ON_EXIT=false -e 'begin { @n = 1; printf("x\n"); }'
expect_eq "BPFTRACE_PRINT_MAPS_ON_EXIT=false" "0:x" "$XT_RC:$XT_OUT"
env_xt BPFTRACE_STR_TRUNC_TRAILER=+ -e 'config = { max_strlen = 4 } begin { print(str("abcdefgh")); }'
expect_eq "BPFTRACE_STR_TRUNC_TRAILER" "0:abcd+" "$XT_RC:$XT_OUT"
env_xt BPFTRACE_MAX_PROBES=1 -e 'begin { } end { }'
expect_eq "BPFTRACE_MAX_PROBES" "1:<stdin>: error: the program attaches 2 probes, more than max_probes (1); raise it with config = { max_probes = N } or BPFTRACE_MAX_PROBES" "$XT_RC:$XT_ERR"
printf 'hello world\n' >"$XT_TMP/cat.txt"
env_xt BPFTRACE_MAX_CAT_BYTES=3 -e "begin { cat(\"$XT_TMP/cat.txt\"); printf(\"|\n\"); }"
expect_eq "BPFTRACE_MAX_CAT_BYTES" "0:hel|" "$XT_RC:$XT_OUT"
xt -q -e "config = { max_cat_bytes = 4 } begin { cat(\"$XT_TMP/cat.txt\"); printf(\"|\n\"); }"
expect_eq "config max_cat_bytes" "0:hell|" "$XT_RC:$XT_OUT"
env_xt BPFTRACE_MISSING_PROBES=fail -e 'begin { }'
expect_eq "BPFTRACE_MISSING_PROBES: a bad word" "1:<stdin>: error: BPFTRACE_MISSING_PROBES must be one of 'warn', 'error', 'ignore', not 'fail'" "$XT_RC:$XT_ERR"

# stack_mode: the mode of kstack/ustack written without one (raw: addresses only)
prog='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @k[kstack(2)] = count(); @u[ustack(1)] = count(); }'
env_xt BPFTRACE_STACK_MODE=raw -e "$prog" -c "$G 3"
shape=$(printf '%s\n' "$XT_OUT" | sed -E 's/^[0-9a-f]+$/ADDR/' | grep -v '^$')
expect_eq "BPFTRACE_STACK_MODE=raw" "0:@k[
ADDR
ADDR
]: 3
@u[
ADDR
]: 3" "$XT_RC:$shape"
xt -q -e "config = { stack_mode = perf } $prog" -c "$G 2"
shape=$(printf '%s\n' "$XT_OUT" | grep -v '^$' | sed -E 's/^\t[0-9a-f]+ .*/FRAME/')
expect_eq "config stack_mode = perf" "0:@k[
FRAME
FRAME
]: 2
@u[
FRAME
]: 2" "$XT_RC:$shape"
# license: the object's license section is the config's (the kernel takes it)
xt -q -e 'config = { license = "Dual BSD/GPL" } begin { printf("%s\n", comm); }'
expect_eq "config license: loads" "0:xtrace" "$XT_RC:$XT_OUT"
xt -d codegen -e 'config = { license = "Dual BSD/GPL" } begin { }'
expect_match "config license: the object's license section" '^@_license = .*c"Dual BSD/GPL\\00", section "license"' "$XT_OUT$XT_ERR"
finish

#!/usr/bin/env bash
# examples/bashreadline.xt sees the lines typed into an interactive bash,
# typed once xtrace has attached.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
command -v script >/dev/null || skip "script(1) is not installed (needed to give bash a terminal)"
command -v bash >/dev/null || skip "bash is not installed"
if xt_start "$EX/bashreadline.xt"; then
	printf 'echo xt-typed-1\necho xt-typed-2\nexit\n' | script -qfc "bash --norc -i" /dev/null >/dev/null 2>&1
	xt_stop INT
fi
expect_eq "the typed lines, in order" "xt-typed-1
xt-typed-2" "$(printf '%s\n' "$XT_OUT" | sed -n 's/^[0-9]* *echo //p')$XT_ERR"
finish

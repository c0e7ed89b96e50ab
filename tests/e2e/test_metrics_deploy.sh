#!/usr/bin/env bash
# deploy/ as docs/fleet.md describes it: the Prometheus scrape configuration
# parses (promtool), the systemd unit verifies (systemd-analyze), and the
# DaemonSet's program runs under --metrics and serves what it counts (5
# openat calls by a copy of openatn under a name no other test uses).
. "$(dirname "$0")/lib.sh"
need_root
DEPLOY=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/deploy
command -v curl >/dev/null || skip "curl is not installed (make deps installs it)"

if command -v promtool >/dev/null; then
	out=$(promtool check config "$DEPLOY/prometheus.yml" 2>&1)
	expect_eq "promtool check config deploy/prometheus.yml" "0" "$?"
else
	echo "# promtool not installed: deploy/prometheus.yml not checked"
fi

if command -v systemd-analyze >/dev/null; then
	# an instance of the template, running this build's xtrace on the DaemonSet's program
	sed -e "s|/usr/bin/xtrace|$(realpath "$XTRACE")|" -e "s|/etc/xtrace/%i.xt|$XT_TMP/program.xt|" \
		"$DEPLOY/xtrace@.service" >"$XT_TMP/xtrace@check.service"
	touch "$XT_TMP/program.xt"
	out=$(systemd-analyze verify "$XT_TMP/xtrace@check.service" 2>&1)
	expect_eq "systemd-analyze verify deploy/xtrace@.service" "0:" "$?:$out"
else
	echo "# systemd-analyze not installed: deploy/xtrace@.service not verified"
fi

# The ConfigMap's program.xt, as the pod reads it.
sed -n '/program.xt: |/,/^---/p' "$DEPLOY/xtrace-daemonset.yaml" | sed -e '1d' -e '$d' -e 's/^    //' >"$XT_TMP/program.xt"
expect_match "the DaemonSet carries a program" '^tracepoint:syscalls:sys_enter_openat' "$(cat "$XT_TMP/program.xt")"
cp "$XT_TARGETS/openatn" "$XT_TMP/xt_dep_open"
xt_start --metrics 127.0.0.1:0 "$XT_TMP/program.xt" || { fail "the DaemonSet's program runs" "$XT_ERR"; finish; }
PORT=$(sed -n 's|^xtrace: serving metrics at http://127.0.0.1:\([0-9]*\)/metrics$|\1|p' "$XT_TMP/bg.err")
"$XT_TMP/xt_dep_open" 5
head -c 100 /dev/zero | cat >/dev/null
BODY=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/metrics")
xt_stop INT
expect_eq "its counter" 'xtrace_opens_total{comm="xt_dep_open"} 5' "$(printf '%s\n' "$BODY" | grep -F 'comm="xt_dep_open"')"
expect_match "its histogram of read latency" '^xtrace_read_ns_count [1-9][0-9]*$' "$BODY"
expect_eq "@_start is the program's own: not served" "" "$(printf '%s\n' "$BODY" | grep -i start)"
expect_eq "stops cleanly" 0 "$XT_RC"
finish

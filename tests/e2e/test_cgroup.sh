#!/usr/bin/env bash
# cgroup:sysctl and cgroup:skb probes, for real, on a cgroup (v2) the test
# makes: a sysctl write refused with EPERM inside it and allowed outside
# (each write in a network namespace of its own, so the machine's settings
# never change); exact packet counts of a process in it, its packets dropped;
# nothing left attached after Ctrl-C or SIGTERM (bpftool cgroup).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
command -v bpftool >/dev/null 2>&1 || skip "needs bpftool"
command -v unshare >/dev/null 2>&1 || skip "needs unshare (util-linux)"
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$ROOT" ] || skip "cgroup v2 is not mounted here"
CG=$ROOT/xt-test-$$
mkdir "$CG" || skip "cannot make a cgroup under $ROOT"
trap 'netns_down; rmdir "$CG" 2>/dev/null; rm -rf "$XT_TMP"' EXIT
W=$XT_TARGETS/sysctl_write
# in_cg CMD...: runs CMD in the test's cgroup
in_cg() { bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }
attached() { bpftool cgroup show "$CG" 2>/dev/null | grep -c "$1"; }

# 1. examples/sysctl-guard.xt: writes to ip_forward in the cgroup fail with
#    EPERM and are counted; reads, other sysctls and writers outside pass.
if xt_start --unsafe "$EX/sysctl-guard.xt" "$CG" net/ipv4/ip_forward; then
	expect_eq "guard: attached (bpftool cgroup)" 1 "$(attached cgroup_sysctl)"
	expect_eq "guard: write in the cgroup refused" "Operation not permitted" "$(in_cg unshare -n "$W" net/ipv4/ip_forward 1)"
	expect_eq "guard: again" "Operation not permitted" "$(in_cg unshare -n "$W" net/ipv4/ip_forward 1)"
	expect_eq "guard: another sysctl written" ok "$(in_cg unshare -n "$W" net/ipv4/ip_default_ttl 65)"
	expect_match "guard: read in the cgroup" "^[01]$" "$(in_cg cat /proc/sys/net/ipv4/ip_forward)"
	expect_eq "guard: write outside the cgroup allowed" "$(printf 'ok\n1')" \
		"$(unshare -n sh -c "$W net/ipv4/ip_forward 1 && cat /proc/sys/net/ipv4/ip_forward")"
	xt_stop INT
	expect_eq "guard: attempts counted" "@refused[net/ipv4/ip_forward, 1]: 2" "$(grep '^@refused' <<<"$XT_OUT")"
	expect_eq "guard: detached after Ctrl-C" 0 "$(attached cgroup_sysctl)"
	expect_eq "guard: writes pass again" ok "$(in_cg unshare -n "$W" net/ipv4/ip_forward 1)"
else
	fail "sysctl-guard starts" "$XT_ERR"
fi

# 2. What a sysctl access shows: name, write, value (without its newline).
if xt_start -e "cgroup:sysctl:$CG { @[sysctl.name, sysctl.write, sysctl.value] = count(); }"; then
	in_cg unshare -n sh -c "$W net/ipv4/ip_default_ttl 77 >/dev/null; dd if=/proc/sys/net/ipv4/ip_default_ttl bs=64 count=1 status=none >/dev/null"
	xt_stop INT
	expect_eq "sysctl fields" "$(printf '@[net/ipv4/ip_default_ttl, false, 77]: 1\n@[net/ipv4/ip_default_ttl, true, 77]: 1')" \
		"$(grep '^@\[' <<<"$XT_OUT" | sort)"
fi

# 3. cgroup:skb counts a process's packets from their IP header: 3 echo
#    requests out, 3 replies in, 84 bytes each.
if xt_start -e "cgroup:skb:egress:$CG { @out[proto, icmp.type] = count(); @outb = sum(len); }
		cgroup:skb:ingress:$CG { @in[proto, icmp.type, ntop(ip.saddr)] = count(); @inb = sum(len); }"; then
	expect_eq "skb: attached" 2 "$(attached cgroup_inet_)"
	in_cg ip netns exec "$NS_A" ping -q -c 3 -i 0.2 "$IP_B" >/dev/null
	ip netns exec "$NS_A" ping -q -c 2 -i 0.2 "$IP_B" >/dev/null # outside: not counted
	xt_stop TERM
	expect_eq "skb: egress" "$(printf '@out[1, 8]: 3\n@outb: 252')" "$(grep '^@out' <<<"$XT_OUT")"
	expect_eq "skb: ingress" "$(printf '@in[1, 0, %s]: 3\n@inb: 252' "$IP_B")" "$(grep '^@in' <<<"$XT_OUT")"
	expect_eq "skb: detached after SIGTERM" 0 "$(attached cgroup_inet_)"
else
	fail "cgroup:skb starts" "$XT_ERR"
fi

# 4. drop() on egress: the process in the cgroup cannot send; others can.
if xt_start --unsafe -e "cgroup:skb:egress:$CG /icmp/ { @dropped = count(); drop(); }"; then
	expect_eq "skb drop: sender in the cgroup gets nothing" 0 \
		"$(received "$(in_cg ip netns exec "$NS_A" ping -c 2 -i 0.2 -W 1 "$IP_B" 2>/dev/null)")"
	expect_eq "skb drop: sender outside unaffected" 2 "$(received "$(ip netns exec "$NS_A" ping -c 2 -i 0.2 -W 1 "$IP_B")")"
	xt_stop INT
	expect_eq "skb drop: counted" "@dropped: 2" "$(grep '^@dropped' <<<"$XT_OUT")"
	expect_eq "skb drop: detached" 0 "$(attached cgroup_inet_)"
else
	fail "cgroup:skb drop starts" "$XT_ERR"
fi
finish

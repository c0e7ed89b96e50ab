# Network namespaces for the packet tests (test_packets*.sh), sourced after
# lib.sh: two namespaces joined by a veth pair, IPv4 only, static neighbour
# entries (no ARP, no IPv6 chatter), so that the only packets are the ones a
# test sends. Nothing outside this machine is ever a target. The namespaces
# (and with them the veth pair and whatever is attached to it) go when the
# test ends, however it ends.
need_root
command -v ip >/dev/null 2>&1 || skip "needs ip (iproute2)"
command -v ping >/dev/null 2>&1 || skip "needs ping (iputils-ping)"
NS_A=xtA$$ NS_B=xtB$$ IF_A=xva$$ IF_B=xvb$$ IP_A=10.201.0.1 IP_B=10.201.0.2
netns_down() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap 'netns_down; rm -rf "$XT_TMP"' EXIT
trap 'exit 1' INT TERM
netns_up() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
		ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B" || return 1
	local ns ifc ip mac
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A" && ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B" &&
		ip -n "$NS_A" link set "$IF_A" up && ip -n "$NS_B" link set "$IF_B" up || return 1
	mac=$(ip -n "$NS_B" -br link show "$IF_B" | awk '{print $3}')
	ip -n "$NS_A" neigh replace "$IP_B" lladdr "$mac" dev "$IF_A" nud permanent || return 1
	mac=$(ip -n "$NS_A" -br link show "$IF_A" | awk '{print $3}')
	ip -n "$NS_B" neigh replace "$IP_A" lladdr "$mac" dev "$IF_B" nud permanent
}
netns_up || skip "cannot make a veth pair between two network namespaces here"
# in_a/in_b CMD...: runs CMD in namespace A (the sender) or B (where xtrace watches)
in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
# tcp_tries PORT N: N connects from A to B's PORT, each given 0.5 s (a SYN
# is sent again only after 1 s); prints one word each: refused (B answered
# with a reset), timeout (no answer: the SYN was dropped) or connected
tcp_tries() {
	local i
	for ((i = 0; i < $2; i++)); do
		in_a timeout 0.5 bash -c "exec 3<>/dev/tcp/$IP_B/$1" 2>/dev/null
		case $? in 0) echo connected ;; 124) echo timeout ;; *) echo refused ;; esac
	done
}
# received PING_OUTPUT: how many replies ping got
received() { printf '%s\n' "$1" | sed -n 's/.* \([0-9]*\) received.*/\1/p'; }
# links_held PID TYPE: the ids of the BPF links of TYPE (tcx, xdp, cgroup)
# that process PID holds, from its fdinfo
links_held() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk -v t="$2" '/^link_type:/ { lt = $2 } /^link_id:/ { id = $2 } END { if (lt == t && id != "") print id }' "$f" 2>/dev/null
	done
}
# links_left ID...: those of the link ids that still exist
links_left() {
	local id
	for id in "$@"; do bpftool link show id "$id" >/dev/null 2>&1 && echo "$id"; done
}

#!/usr/bin/env bash
# socket:, tc: and xdp: probes, for real, on a veth pair between two network
# namespaces the test makes (tests/e2e/netns.sh): exact packet and byte
# counts of the traffic it sends (ping, TCP connects, a UDP datagram), drops
# seen from the sender's side, and nothing left attached after any kind of
# exit (Ctrl-C, SIGTERM, exit(), the end of -c), checked with bpftool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
command -v bpftool >/dev/null 2>&1 || skip "needs bpftool"
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
X=$(realpath "$XTRACE")
# xt_in_b ARGS / xt_b ARGS: xt / xt_start, with xtrace in namespace B
xt_in_b() { XTRACE=ip xt netns exec "$NS_B" "$X" "$@"; }
xt_b() { XTRACE=ip xt_start netns exec "$NS_B" "$X" "$@"; }
# line_in_output REGEX: waits (10 s at most) for a line of the running xtrace's output
line_in_output() {
	local end=$((SECONDS + 10))
	while ((SECONDS < end)); do
		grep -Eq -- "$1" "$XT_TMP/bg.out" && return 0
		sleep 0.1
	done
	return 1
}
xdp_here() { in_b bpftool net show dev "$IF_B" 2>/dev/null | grep -c "$IF_B" ; }

# 1. A socket filter sees both directions: 5 echo requests in, 5 replies
#    out, 98 bytes each (Ethernet 14 + IP 20 + ICMP 8 + 56 of data).
xt_in_b -q -c "ip netns exec $NS_A ping -q -c 5 -i 0.2 $IP_B" \
	-e "socket:$IF_B { @pk[proto] = count(); @bytes[proto] = sum(len); @icmp[icmp.type] = count(); }"
expect_eq "socket: ICMP bytes" "@bytes[1]: 980" "$(grep '^@bytes' <<<"$XT_OUT")"
expect_eq "socket: ICMP packets, nothing else" "@pk[1]: 10" "$(grep '^@pk' <<<"$XT_OUT")"
expect_eq "socket: 5 requests, 5 replies" "$(printf '@icmp[0]: 5\n@icmp[8]: 5')" "$(grep '^@icmp' <<<"$XT_OUT")"

# 2. TCP and UDP headers: three connects to a closed port (SYN in, RST out:
#    74 + 54 bytes each) and one UDP datagram of 5 bytes.
xt_in_b -q -c "ip netns exec $NS_A bash -c 'for i in 1 2 3; do (exec 3<>/dev/tcp/$IP_B/9) 2>/dev/null; done; echo -n hello >/dev/udp/$IP_B/7777'" \
	-e "socket:$IF_B /tcp/ { @flags[tcp.syn, tcp.rst, tcp.ack] = count(); @port9[tcp.dest == 9 ? tcp.dest : tcp.source] = count(); @tb = sum(len); }
	    socket:$IF_B /udp/ { @udp[ntop(ip.saddr), udp.dest, udp.len, ip.protocol, ip.ttl] = count(); }
	    socket:$IF_B /!tcp && !udp && !icmp/ { @other = count(); }"
expect_eq "tcp flags: SYN in, RST+ACK out" "$(printf '@flags[0, 1, 1]: 3\n@flags[1, 0, 0]: 3')" "$(grep '^@flags' <<<"$XT_OUT")"
expect_eq "tcp ports in host order" "@port9[9]: 6" "$(grep '^@port9' <<<"$XT_OUT")"
expect_eq "tcp bytes" "@tb: 384" "$(grep '^@tb' <<<"$XT_OUT")"
expect_eq "udp header" "@udp[$IP_A, 7777, 13, 17, 64]: 1" "$(grep '^@udp' <<<"$XT_OUT")"
expect_eq "nothing but the test's traffic" "@other: 0" "$(grep '^@other' <<<"$XT_OUT")"

# 3. examples/sockex1.xt: sockex1's line every second.
if xt_b "$EX/sockex1.xt" "$IF_B"; then
	in_a ping -q -c 5 -i 0.2 "$IP_B" >/dev/null
	line_in_output '^TCP 0 UDP 0 ICMP 980 bytes$' && pass "sockex1: ICMP 980 bytes" || fail "sockex1: ICMP 980 bytes" "$(cat "$XT_TMP/bg.out")"
	xt_stop
	expect_eq "sockex1: only its lines" "" "$(grep -Ev '^(TCP [0-9]+ UDP [0-9]+ ICMP [0-9]+ bytes)?$' <<<"$XT_OUT")"
else
	fail "sockex1 starts" "$XT_ERR"
fi

# 4. examples/tcdrop.xt: TCP to 8080 dropped (the sender's connects time
#    out), TCP to another port and ping pass; Ctrl-C takes the tcx link off.
if xt_b --unsafe "$EX/tcdrop.xt" "$IF_B" 8080; then
	ours=$(links_held "$XT_PID" tcx)
	expect_eq "tcdrop: one tcx link" 1 "$(printf '%s\n' "$ours" | grep -c .)"
	expect_eq "tcdrop: connects to 8080 time out" "$(printf 'timeout\ntimeout\ntimeout')" "$(tcp_tries 8080 3)"
	expect_eq "tcdrop: port 9 still answers" refused "$(tcp_tries 9 1)"
	expect_eq "tcdrop: ping passes" 2 "$(received "$(in_a ping -c 2 -i 0.2 -W 1 "$IP_B")")"
	xt_stop INT
	expect_eq "tcdrop: drops counted by sender" "@dropped[$IP_A]: 3" "$(grep '^@dropped' <<<"$XT_OUT")"
	expect_eq "tcdrop: link gone after Ctrl-C" "" "$(links_left $ours)"
	expect_eq "tcdrop: 8080 answers again" refused "$(tcp_tries 8080 1)"
else
	fail "tcdrop starts" "$XT_ERR"
fi

# 5. Dropping needs --unsafe, and says why.
xt_in_b -e "tc:ingress:$IF_B { drop(); }"
expect_match "drop() needs --unsafe" "drop\(\) changes what the system does \(the packet is dropped\): run xtrace with --unsafe" "$XT_ERR"
expect_eq "drop() without --unsafe: status 1" 1 "$XT_RC"

# 6. examples/xdpcount.xt: what B receives, before its stack: 5 requests.
if xt_b "$EX/xdpcount.xt" "$IF_B"; then
	expect_eq "xdpcount: attached (bpftool net)" 1 "$(xdp_here)"
	in_a ping -q -c 5 -i 0.2 "$IP_B" >/dev/null
	xt_stop
	expect_eq "xdpcount: packets and bytes" "$(printf '@bytes[1]: 490\n@packets[1]: 5')" "$(grep . <<<"$XT_OUT")"
	expect_eq "xdpcount: detached" 0 "$(xdp_here)"
else
	fail "xdpcount starts" "$XT_ERR"
fi

# 7. XDP drops echo requests: the sender gets no reply; SIGTERM detaches.
if xt_b --unsafe -e "xdp:$IF_B /icmp && icmp.type == 8/ { @dropped = count(); drop(); }"; then
	expect_eq "xdp drop: no replies" 0 "$(received "$(in_a ping -c 3 -i 0.2 -W 1 "$IP_B")")"
	xt_stop TERM
	expect_eq "xdp drop: counted" "@dropped: 3" "$(grep '^@dropped' <<<"$XT_OUT")"
	expect_eq "xdp drop: detached after SIGTERM" 0 "$(xdp_here)"
	expect_eq "xdp drop: replies again" 1 "$(received "$(in_a ping -c 1 -W 1 "$IP_B")")"
else
	fail "xdp drop starts" "$XT_ERR"
fi

# 8. exit() in a tc probe ends xtrace, and the link goes with it.
if xt_b -e "tc:egress:$IF_B /icmp && icmp.type == 0/ { printf(\"reply to %s\\n\", ntop(ip.daddr)); exit(); }"; then
	ours=$(links_held "$XT_PID" tcx)
	in_a ping -q -c 1 -W 1 "$IP_B" >/dev/null
	xt_wait
	expect_eq "tc exit(): its printf" "reply to $IP_A" "$(head -1 <<<"$XT_OUT")"
	expect_eq "tc exit(): status 0" 0 "$XT_RC"
	expect_eq "tc exit(): one link held" 1 "$(printf '%s\n' "$ours" | grep -c .)"
	expect_eq "tc exit(): link gone" "" "$(links_left $ours)"
else
	fail "tc exit() starts" "$XT_ERR"
fi

# 9. The end of -c ends xtrace, and the link goes with it; drops by tc seen
#    by the sender.
if xt_b --unsafe -c "ip netns exec $NS_A ping -c 2 -i 0.2 -W 1 $IP_B" \
	-e "tc:ingress:$IF_B /icmp/ { @dropped[icmp.type] = count(); drop(); }"; then
	ours=$(links_held "$XT_PID" tcx)
	xt_wait
	expect_match "tc -c: sender got nothing" "2 packets transmitted, 0 received" "$XT_OUT"
	expect_eq "tc -c: drops counted" "@dropped[8]: 2" "$(grep '^@dropped' <<<"$XT_OUT")"
	expect_eq "tc -c: one link held" 1 "$(printf '%s\n' "$ours" | grep -c .)"
	expect_eq "tc -c: link gone" "" "$(links_left $ours)"
else
	fail "tc -c starts" "$XT_ERR"
fi
# 10. Header fields in xdp and tc programs, from one echo request in and
#     its reply out: host order, addresses as ntop() prints them.
MAC_A=$(ip -n "$NS_A" -br link show "$IF_A" | awk '{print toupper($3)}')
xt_in_b -q -c "ip netns exec $NS_A ping -q -c 1 $IP_B" \
	-e "xdp:$IF_B { @x[ip.version, ip.ihl, ip.ttl, ip.protocol, ip.tot_len, ntop(ip.saddr), ntop(ip.daddr), icmp.type,
			  icmp.code, eth.h_proto, len, macaddr(eth.h_source)] = count(); }
	    tc:egress:$IF_B { @e[ip.protocol, ip.tot_len, ntop(ip.saddr), ntop(ip.daddr), icmp.type, len, macaddr(eth.h_dest)] = count(); }"
expect_eq "xdp fields" "@x[4, 5, 64, 1, 84, $IP_A, $IP_B, 8, 0, 2048, 98, $MAC_A]: 1" "$(grep '^@x' <<<"$XT_OUT")"
expect_eq "tc fields" "@e[1, 84, $IP_B, $IP_A, 0, 98, $MAC_A]: 1" "$(grep '^@e' <<<"$XT_OUT")"

# 11. A start that fails half-way (the interface has an XDP program already)
#     leaves nothing behind: its tc probe, attached first, drops nothing after.
if xt_b -e "xdp:$IF_B { @n = count(); }"; then
	XTRACE=ip xt netns exec "$NS_B" "$X" --unsafe -e "tc:ingress:$IF_B { drop(); } xdp:$IF_B { }"
	expect_eq "failed start: status 255 (an attach failure, as bpftrace)" 255 "$XT_RC"
	c1=$((11 + ${#IF_B} + 13 + 1)); c2=$((c1 + 4 + ${#IF_B} - 1)) # where xdp:$IF_B stands
	expect_eq "failed start: says why, at the probe" "<stdin>:1:$c1-$c2: error: cannot attach xdp:$IF_B: '$IF_B' already has an XDP program (\`ip link\` shows it)" "$(head -1 <<<"$XT_ERR")"
	expect_eq "failed start: its tc probe is gone" 1 "$(received "$(in_a ping -c 1 -W 1 "$IP_B")")"
	xt_stop
else
	fail "xdp for the failed start" "$XT_ERR"
fi
finish

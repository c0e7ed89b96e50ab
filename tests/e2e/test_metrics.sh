#!/usr/bin/env bash
# --metrics: a program's maps served at /metrics in Prometheus' text format,
# checked line by line, by promtool, under awkward clients (slow, malformed,
# many at once, scrapes while clear() runs), and through a real Prometheus
# server scraping it: exact values and a histogram_quantile() from its
# query API. The workload is 100 openat calls by a copy of openatn under a
# name no other test uses; @i numbers them 1..100, so every value is known.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || skip "curl is not installed (make deps installs it)"

PROM_PID=
cleanup() {
	[ -n "$PROM_PID" ] && kill -KILL "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	[ -n "${XT_PID:-}" ] && kill -KILL "$XT_PID" 2>/dev/null && wait "$XT_PID" 2>/dev/null
	rm -rf "$XT_TMP"
}
trap cleanup EXIT

# A loopback port nobody listens on (a connection to it is refused).
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	echo 0
}

# http PORT REQUEST: the raw answer to REQUEST (bash's /dev/tcp: no client
# library between the test and the server), within 10 s.
http() {
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%b" "$2" >&3 && cat <&3' _ "$1" "$2"
}

cp "$XT_TARGETS/openatn" "$XT_TMP/xt_met_open"
PORT=$(free_port)
PROG='tracepoint:syscalls:sys_enter_openat /comm == "xt_met_open"/ {
	@i += 1;
	@opens[comm] = count();
	@pair[comm, 7] = count();
	@esc["a\"b\\c\nd"] = count();
	@dist = hist(@i);
	@lin = lhist(@i, 0, 100, 25);
	@st = stats(@i);
	@ = count();
	@lin_sum = sum(1);
}
profile:hz:499 { @churn[cpu] = count(); }
interval:ms:7 { clear(@churn); }'

xt_start --metrics "127.0.0.1:$PORT" -e "$PROG" || { fail "xtrace starts with --metrics" "$XT_ERR"; finish; }
expect_eq "says where it serves, and which map it leaves out" "xtrace: serving metrics at http://127.0.0.1:$PORT/metrics
xtrace: --metrics leaves @lin_sum out: its metric xtrace_lin_sum is @lin's" "$(grep -Ev '^Attached [0-9]+ probes?$' "$XT_TMP/bg.err")"
"$XT_TMP/xt_met_open" 100

# --- the exposition, line by line -------------------------------------------------
ANSWER=$(http "$PORT" 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | tr -d '\r')
BODY=$(printf '%s\n' "$ANSWER" | sed '1,/^$/d')
expect_match "200 OK" '^HTTP/1.1 200 OK$' "$ANSWER"
expect_match "content type 0.0.4" '^Content-Type: text/plain; version=0.0.4; charset=utf-8$' "$ANSWER"
has_lines() { # NAME LINES: every line present as is, in order
	local got
	got=$(printf '%s\n' "$BODY" | grep -Fx -f <(printf '%s\n' "$2"))
	expect_eq "$1" "$2" "$got"
}
has_lines "count: a counter, label named after the key" '# HELP xtrace_opens_total xtrace map @opens (count)
# TYPE xtrace_opens_total counter
xtrace_opens_total{comm="xt_met_open"} 100'
has_lines "tuple key: key0, key1 when not every key has a name" 'xtrace_pair_total{key0="xt_met_open",key1="7"} 100'
has_lines "label value escaped" 'xtrace_esc_total{key="a\"b\\c\nd"} 100'
has_lines "hist: cumulative power-of-two buckets, _sum, _count" '# HELP xtrace_dist xtrace map @dist (hist)
# TYPE xtrace_dist histogram
xtrace_dist_bucket{le="-1"} 0
xtrace_dist_bucket{le="0"} 0
xtrace_dist_bucket{le="1"} 1
xtrace_dist_bucket{le="3"} 3
xtrace_dist_bucket{le="7"} 7
xtrace_dist_bucket{le="15"} 15
xtrace_dist_bucket{le="31"} 31
xtrace_dist_bucket{le="63"} 63
xtrace_dist_bucket{le="127"} 100
xtrace_dist_bucket{le="+Inf"} 100
xtrace_dist_sum 5050
xtrace_dist_count 100'
has_lines "lhist: linear buckets" '# TYPE xtrace_lin histogram
xtrace_lin_bucket{le="-1"} 0
xtrace_lin_bucket{le="24"} 24
xtrace_lin_bucket{le="49"} 49
xtrace_lin_bucket{le="74"} 74
xtrace_lin_bucket{le="99"} 99
xtrace_lin_bucket{le="+Inf"} 100
xtrace_lin_sum 5050
xtrace_lin_count 100'
has_lines "stats: a summary's _count and _sum, an _avg gauge" '# TYPE xtrace_st summary
xtrace_st_count 100
xtrace_st_sum 5050
# TYPE xtrace_st_avg gauge
xtrace_st_avg 50'
has_lines "a plain value: a gauge" '# TYPE xtrace_i gauge
xtrace_i 100'
has_lines "the map without a name: xtrace_map" '# TYPE xtrace_map_total counter
xtrace_map_total 100'
expect_eq "the clashing map is left out" "xtrace_lin_sum 5050" "$(printf '%s\n' "$BODY" | grep '^xtrace_lin_sum')"
if command -v promtool >/dev/null; then
	lint=$(printf '%s\n' "$BODY" | promtool check metrics 2>&1)
	expect_eq "promtool check metrics" "0:" "$?:$lint"
else
	echo "# promtool not installed: exposition not linted"
fi

# --- awkward clients ------------------------------------------------------------------
opens_line='xtrace_opens_total{comm="xt_met_open"} 100'
# A client that sends half a request and stalls holds nothing up.
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /metr' >&7
t0=$(date +%s%N)
got=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | grep -Fx "$opens_line")
expect_eq "a stalled client holds no one up" "$opens_line" "$got"
(( ($(date +%s%N) - t0) / 1000000 < 2000 )) && pass "answered at once beside it" || fail "answered at once beside it"
expect_match "garbage gets 400" '^HTTP/1.1 400' "$(http "$PORT" '\x01\x02 garbage\r\n\r\n')"
expect_match "POST gets 405" '^HTTP/1.1 405' "$(http "$PORT" 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc')"
expect_match "other paths get 404" '^HTTP/1.1 404' "$(http "$PORT" 'GET /nope HTTP/1.0\r\n\r\n')"
# 40 KB of headers: refused with 431, which the client may not get to read
# (the server closes while it still writes); either way the server goes on.
big=$(http "$PORT" "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $(head -c 40000 /dev/zero | tr '\0' a)\r\n\r\n" 2>/dev/null | head -1 | tr -d '\r')
case "$big" in "" | "HTTP/1.1 431"*) pass "a header past the limit is refused" ;; *) fail "a header past the limit is refused" "$big" ;; esac
got=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | grep -Fx "$opens_line")
expect_eq "and the next scrape is answered" "$opens_line" "$got"
exec 7>&-
# Forty scrapes at once, each whole.
pids=()
for n in $(seq 40); do
	curl -s --max-time 20 "http://127.0.0.1:$PORT/metrics" >"$XT_TMP/c$n" &
	pids+=($!)
done
wait "${pids[@]}"
whole=0
for n in $(seq 40); do grep -Fxq "$opens_line" "$XT_TMP/c$n" && grep -Fxq 'xtrace_st_avg 50' "$XT_TMP/c$n" && whole=$((whole + 1)); done
expect_eq "40 concurrent scrapes, all whole" 40 "$whole"
# Scrapes while clear(@churn) runs every 7 ms: every answer parses.
valid=0 churned=0
for n in $(seq 25); do
	curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$XT_TMP/s"
	grep -q '^xtrace_churn_total{cpu=' "$XT_TMP/s" && churned=$((churned + 1))
	if command -v promtool >/dev/null; then
		promtool check metrics <"$XT_TMP/s" >/dev/null 2>&1 && grep -Fxq "$opens_line" "$XT_TMP/s" && valid=$((valid + 1))
	else
		grep -Fxq "$opens_line" "$XT_TMP/s" && valid=$((valid + 1))
	fi
done
expect_eq "25 scrapes during clear(), all valid" 25 "$valid"
echo "# $churned of 25 scrapes saw @churn between clears"

# --- a real Prometheus ------------------------------------------------------------------
if ! command -v prometheus >/dev/null; then
	echo "# prometheus not installed (make deps installs it): no scrape by Prometheus"
else
	PPORT=$(free_port)
	mkdir -p "$XT_TMP/prom"
	cat >"$XT_TMP/prom.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  evaluation_interval: 1s
		scrape_configs:
		  - job_name: xtrace
		    static_configs:
		      - targets: ['127.0.0.1:$PORT']
	EOF
	prometheus --config.file="$XT_TMP/prom.yml" --storage.tsdb.path="$XT_TMP/prom" \
		--web.listen-address="127.0.0.1:$PPORT" >"$XT_TMP/prom.log" 2>&1 &
	PROM_PID=$!
	# query EXPR: the value of the first sample the query API returns ("" when none)
	query() {
		curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
			sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
	}
	end=$((SECONDS + 30)) up=
	while ((SECONDS < end)); do
		up=$(query 'xtrace_opens_total{job="xtrace"}')
		[ -n "$up" ] && break
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.5
	done
	if [ -z "$up" ]; then
		fail "Prometheus scraped xtrace" "$(tail -20 "$XT_TMP/prom.log")"
	else
		expect_eq "Prometheus: up" 1 "$(query 'up{job="xtrace"}')"
		expect_eq "Prometheus: the count" 100 "$(query 'xtrace_opens_total{comm="xt_met_open"}')"
		expect_eq "Prometheus: the tuple key" 100 "$(query 'xtrace_pair_total{key0="xt_met_open",key1="7"}')"
		expect_eq "Prometheus: the escaped label" 100 "$(query 'xtrace_esc_total{key="a\"b\\c\nd"}')"
		expect_eq "Prometheus: the hist's _sum" 5050 "$(query 'xtrace_dist_sum')"
		expect_eq "Prometheus: the hist's _count" 100 "$(query 'xtrace_dist_count')"
		expect_eq "Prometheus: the stats' average" 50 "$(query 'xtrace_st_avg')"
		# 99 of 100 values are <= 127, 63 of them <= 63: Prometheus places the
		# 99th percentile at 63 + 64 * 36/37 in the bucket (63, 127].
		q=$(query 'histogram_quantile(0.99, xtrace_dist_bucket)')
		want=$(awk 'BEGIN { printf "%.9f", 63 + 64 * 36 / 37 }')
		expect_eq "Prometheus: histogram_quantile(0.99) of the hist" "$want" "$(awk -v q="$q" 'BEGIN { printf "%.9f", q }')"
		expect_eq "Prometheus: histogram_quantile(0.5) of the lhist" 50 "$(query 'histogram_quantile(0.5, xtrace_lin_bucket)')"
	fi
	kill -TERM "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=
fi

# --- the end: the maps print as without --metrics, the port is free again -------------
xt_stop INT
expect_eq "exits 0 on Ctrl-C" 0 "$XT_RC"
expect_match "the maps print at the end" '^@opens\[xt_met_open\]: 100$' "$XT_OUT"
XT_PID=
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && fail "the port is closed" || pass "the port is closed"

# --- bad --metrics ----------------------------------------------------------------------
xt --metrics nonsense -e 'BEGIN { exit(); }'
expect_eq "a bad address" "1:xtrace: --metrics 'nonsense': expected ADDR:PORT or PORT (a port from 0 to 65535)" "$XT_RC:$XT_ERR"
xt_start --metrics "127.0.0.1:$PORT" -e 'tracepoint:syscalls:sys_enter_openat /comm == "xt_met_none"/ { @x = count(); }' ||
	fail "second xtrace starts" "$XT_ERR"
xt --metrics "127.0.0.1:$PORT" -e 'tracepoint:syscalls:sys_enter_openat { @y = count(); }'
expect_eq "a port in use: nothing attached" "1:xtrace: cannot serve metrics on 127.0.0.1:$PORT: Address already in use:" "$XT_RC:$XT_ERR:$XT_OUT"
xt_stop INT
XT_PID=
xt -i --metrics 0 </dev/null
expect_eq "not for the REPL" "1:xtrace: --metrics serves a program's maps: give one with -e or a file" "$XT_RC:$XT_ERR"
finish

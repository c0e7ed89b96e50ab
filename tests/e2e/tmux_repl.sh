# Helpers for REPL tests that drive xtrace through a real terminal (tmux),
# sourced after lib.sh. Each test names its own server socket (SOCK) so that
# parallel tests never share a tmux server, and keeps one idle session
# ("keep") so the server outlives an xtrace that ends.
#   tmux_start NAME COLS ROWS CMD   a session NAME running CMD in a COLSxROWS pane
#   screen [NAME]                   the pane with its scrollback (-J joins wrapped lines)
#   visible [NAME]                  only what the pane shows now
#   send KEYS...                    tmux send-keys to the session xt
#   count REGEX                     how many screen lines match
#   expect_after NAME REGEX BASE [SECONDS]
#   step NAME REGEX KEYS...         types KEYS (each then Enter), waits for REGEX
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -J -t "${1:-xt}" -S -5000; }
visible() { tm capture-pane -p -t "${1:-xt}"; }
send() { tm send-keys -t xt "$@"; }
count() { screen | grep -cE -- "$1"; }

tmux_start() {
	tm has-session -t keep 2>/dev/null || tm new-session -d -s keep "sleep 600"
	tm new-session -d -s "$1" -x "$2" -y "$3" "$4"
}

# expect_after NAME REGEX BASE [SECONDS]: waits until more than BASE lines
# match, SECONDS (default 30: a loaded machine is slow) at most
expect_after() {
	local i n=$((${4:-30} * 10))
	for ((i = 0; i < n; i++)); do
		if [ "$(count "$2")" -gt "$3" ]; then pass "$1"; return 0; fi
		sleep 0.1
	done
	fail "$1" "$(printf 'no new line matching: %s\n--- screen\n%s' "$2" "$(screen | tail -30)")"
	return 1
}

step() {
	local name=$1 re=$2 base
	shift 2
	base=$(count "$re")
	for k in "$@"; do send -l -- "$k"; send Enter; done
	expect_after "$name" "$re" "$base"
}

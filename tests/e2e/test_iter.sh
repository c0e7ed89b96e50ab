#!/usr/bin/env bash
# BPF iterators (iter:task, iter:task_file, iter:task_vma, pinned with
# iter:NAME:PIN) run over a process this test starts: its comm, pid, file
# descriptors and memory mappings are known, and each line is asserted.
# A kernel that refuses iterator programs gets one sentence, checked, and
# the rest is skipped with it.
. "$(dirname "$0")/lib.sh"
need_root

xt -e 'iter:task { }'
if [ "$XT_RC" != 0 ]; then
	expect_match "a refused iterator: one sentence with the kernel's reason" \
		'^<stdin>:1:1-9: error: iter:task: this kernel (refuses to load BPF iterator programs|has no BTF for its iterators)' "$XT_ERR"
	[ "$XT_FAILS" = 0 ] && skip "this kernel does not run BPF iterators: $(printf '%s\n' "$XT_ERR" | head -1)"
	finish
fi

# The workload: a process named xtitertask (a link to sleep: comm is the
# name it was run by) with stdin, stdout and stderr on /dev/null, five files
# on fds 3..7, and no other descriptor (those this shell inherited are closed).
D=$XT_TMP/files
mkdir -p "$D"
for i in 1 2 3 4 5; do : >"$D/xtfile$i"; done
ln -s "$(command -v sleep)" "$XT_TMP/xtitertask"
(
	for f in /proc/$BASHPID/fd/*; do
		n=${f##*/}
		[ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null
	done
	exec 3<"$D/xtfile1" 4<"$D/xtfile2" 5<"$D/xtfile3" 6<"$D/xtfile4" 7<"$D/xtfile5"
	exec "$XT_TMP/xtitertask" 1000 </dev/null >/dev/null 2>/dev/null
) &
W=$!
trap 'kill $W 2>/dev/null; rm -rf "$XT_TMP"' EXIT
end=$((SECONDS + 30))
until [ "$(cat /proc/$W/comm 2>/dev/null)" = xtitertask ] || ((SECONDS >= end)); do sleep 0.01; done

xt -e 'iter:task /ctx->task->pid == $1/ { printf("%s %d %d\n", ctx->task->comm, ctx->task->pid, ctx->task->tgid); }' "$W"
expect_eq "iter:task: the workload's comm, pid and tgid" "0:xtitertask $W $W" "$XT_RC:$XT_OUT"

xt -e 'iter:task_file /ctx->task->pid == $1/ { printf("%d %s\n", ctx->fd, str(ctx->file->f_path.dentry->d_name.name)); }' "$W"
expect_eq "iter:task_file: each descriptor and its file, in order" "0:0 null
1 null
2 null
3 xtfile1
4 xtfile2
5 xtfile3
6 xtfile4
7 xtfile5" "$XT_RC:$XT_OUT"

# what the kernel shows in /proc/PID/maps, less the vsyscall page (a gate
# area every process shows, not one of its VMAs)
maps=$(awk '$NF != "[vsyscall]" { print $1 }' /proc/$W/maps)
xt -e 'it:task_vma /ctx->task->pid == $1/ { printf("%lx-%lx\n", ctx->vma->vm_start, ctx->vma->vm_end); @n = count(); }' "$W"
expect_eq "it:task_vma: the workload's mappings, as /proc/PID/maps lists them" "0:$maps


@n: $(printf '%s\n' "$maps" | wc -l)" "$XT_RC:$XT_OUT"

xt -e 'begin { printf("begin\n"); } iter:task_file /ctx->task->pid == $1/ { @fds[ctx->task->comm] = count(); @max = max(ctx->fd); } end { printf("end\n"); }' "$W"
expect_eq "begin, the iterator, end; then the maps" "0:begin
end


@fds[xtitertask]: 8
@max: 7" "$XT_RC:$XT_OUT"

xt -e 'iter:task /ctx->task->pid == $1/ { printf("one\n"); exit(); } iter:task_file /ctx->task->pid == $1/ { printf("never\n"); }' "$W"
expect_eq "exit() in an iterator ends the program" "0:one" "$XT_RC:$XT_OUT"

# pinned: the iterator stays in bpffs for others to read, and xtrace ends;
# each read runs the program, whose printf the kernel formats
if mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null; then
	P=xt_iter_test_$$
	rm -f "/sys/fs/bpf/$P"
	xt -e "iter:task:$P /ctx->task->pid == \$1/ { printf(\"%s|%-6d|%5x|%c%c\\n\", ctx->task->comm, ctx->task->pid, 255, 79, 75); }" "$W"
	expect_eq "iter:task:PIN: pinned, relative to /sys/fs/bpf" "0:Program pinned to /sys/fs/bpf/$P" "$XT_RC:$XT_OUT"
	expect_eq "reading the pin runs the program, the kernel formats printf" "xtitertask|$(printf '%-6d' "$W")|   ff|OK" "$(cat "/sys/fs/bpf/$P" 2>&1)"
	expect_eq "and again" "xtitertask|$(printf '%-6d' "$W")|   ff|OK" "$(cat "/sys/fs/bpf/$P" 2>&1)"
	rm -f "/sys/fs/bpf/$P"
	xt -e "iter:task:$P { @n = count(); print(@n); }"
	expect_eq "a pinned iterator can printf, nothing else" "1:<stdin>:1:$((28 + ${#P}))-$((36 + ${#P})): error: a pinned iterator's output is text the kernel formats: it can printf, and print nothing else (print() needs xtrace to print it)
iter:task:$P { @n = count(); print(@n); }
$(printf '%*s' $((27 + ${#P})) '')~~~~~~~~~" "$XT_RC:$XT_ERR"
	xt -e "iter:task:$P { printf(\"%s\\n\", ksym(0)); }"
	expect_match "a pinned iterator's printf takes what the kernel formats" "error: a pinned iterator's printf is formatted by the kernel, and %s takes a string" "$XT_ERR"
	[ -e "/sys/fs/bpf/$P" ] && fail "a refused pinned iterator leaves no pin" || pass "a refused pinned iterator leaves no pin"
else
	fail "iter:task:PIN" "no bpf filesystem at /sys/fs/bpf, and it cannot be mounted"
fi

xt -lv 'iter:task_file'
expect_eq "-lv: what ctx offers, from the kernel's bpf_iter_task_file" "0:iter:task_file
    struct task_struct * ctx->task
    u32 ctx->fd
    struct file * ctx->file" "$XT_RC:$XT_OUT"

# mistakes
xt -e 'iter:task, iter:task_file { }'
expect_eq "one iterator per probe" "1:<stdin>:1:12-25: error: an iter probe has one attach point (each iterator is run on its own)
iter:task, iter:task_file { }
           ~~~~~~~~~~~~~~" "$XT_RC:$XT_ERR"
xt -e 'iter:task { printf("%d\n", ctx->vma); }'
expect_match "ctx is the iterator's own struct" "^<stdin>:1:.*bpf_iter__task" "$XT_ERR"
xt -e 'tracepoint:syscalls:sys_enter_getppid { printf("%d\n", ctx); }'
expect_eq "ctx outside an iterator" "1:<stdin>:1:56-58: error: ctx is not available in tracepoint probes
tracepoint:syscalls:sys_enter_getppid { printf(\"%d\\n\", ctx); }
                                                       ~~~" "$XT_RC:$XT_ERR"

# in the REPL an iter entry runs when it is entered
if command -v tmux >/dev/null 2>&1; then
	SOCK=xtiter$$
	. "$(dirname "$0")/tmux_repl.sh" # tm, screen, send, count, expect_after, step
	trap 'kill $W 2>/dev/null; tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$XT_TMP"' EXIT
	mkdir -p "$XT_TMP/home"
	tm new-session -d -s keep "sleep 600"
	tm new-session -d -s xt -x 220 -y 50 "cd '$XT_TMP' && HOME='$XT_TMP/home' '$(readlink -f "$XTRACE")'; echo XT-EXIT=\$?; sleep 120"
	expect_after "REPL: the prompt" '^xtrace> $' 0 60
	step "REPL: an iter entry runs when entered" "^repl xtitertask $W$" \
		"iter:task /ctx->task->pid == $W/ { printf(\"repl %s %d\\n\", ctx->task->comm, ctx->task->pid); }"
	send C-d
	expect_after "REPL: ends cleanly" '^XT-EXIT=0$' 0 60
fi

kill $W 2>/dev/null
finish

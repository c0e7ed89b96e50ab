# Bash completion for xtrace: options, probe names (from `xtrace -l`, which
# needs root to read tracefs), and files (scripts are *.xt or *.bt).
_xtrace()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-o|--output|--include|--flamegraph)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-I)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-f)
		COMPREPLY=($(compgen -W "text json folded" -- "$cur"))
		return ;;
	-B)
		COMPREPLY=($(compgen -W "line full none" -- "$cur"))
		return ;;
	-d|--debug)
		COMPREPLY=($(compgen -W "parse ast types codegen codegen-opt libbpf verifier all cpp ir" -- "$cur"))
		return ;;
	--attach-line)
		COMPREPLY=($(compgen -W "0.17 0.26" -- "$cur"))
		return ;;
	--probe-filter)
		return ;;
	--debuginfo)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-p|--pid|--dwarf-pid)
		COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur"))
		return ;;
	-c|--cmd)
		COMPREPLY=($(compgen -c -- "$cur"))
		return ;;
	-l|-lv)
		# Probe names: xtrace lists what matches the word typed so far.
		local IFS=$'\n'
		COMPREPLY=($(xtrace -l "${cur}*" 2>/dev/null | head -500))
		# bash splits words at ':' (COMP_WORDBREAKS): offer only what follows it.
		if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
			local colon=${cur%"${cur##*:}"}
			COMPREPLY=("${COMPREPLY[@]#"$colon"}")
		fi
		return ;;
	-e|--metrics)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$(xtrace --help 2>&1 | grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -X '!*.@(xt|bt)' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _xtrace xtrace

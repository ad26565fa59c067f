# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bash completion for memprobe(8). Installed as
# /usr/share/bash-completion/completions/memprobe; bash-completion loads it
# the first time memprobe is completed. It needs none of bash-completion's
# helpers, so `source completion/memprobe.bash` works on its own too.

# The memory controller's hierarchy: v2 where cgroup.controllers offers it,
# else v1's memory mount (hybrid hosts), as memprobe itself decides.
_memprobe_cgroup_root()
{
	local root=/sys/fs/cgroup
	if [[ -r $root/cgroup.controllers ]] && grep -qw memory "$root/cgroup.controllers" 2>/dev/null; then
		printf '%s\n' "$root"
	elif [[ -d $root/memory ]]; then
		printf '%s\n' "$root/memory"
	else
		printf '%s\n' "$root"
	fi
}

# Units that have a cgroup now: from systemd when it runs (sd_booted's test),
# else the unit-named directories of the cgroup tree.
_memprobe_units()
{
	if [[ -d /run/systemd/system ]] && type -P systemctl >/dev/null; then
		systemctl list-units --type=service,slice,scope --state=active \
			--no-legend --no-pager --plain --full 2>/dev/null | while read -r unit _; do
			printf '%s\n' "$unit"
		done
		return
	fi
	local root
	root=$(_memprobe_cgroup_root)
	find "$root" -mindepth 1 -maxdepth 4 -type d \
		\( -name '*.service' -o -name '*.slice' -o -name '*.scope' \) -printf '%f\n' 2>/dev/null | sort -u
}

# Cgroup paths relative to the root, one level at a time, like file names.
_memprobe_cgroup_paths()
{
	local cur=$1 root dir
	root=$(_memprobe_cgroup_root)
	dir=${cur%/*}
	[[ $cur == */* ]] || dir=
	local d
	for d in "$root${dir:+/$dir}"/*/; do
		[[ -d $d ]] || continue
		d=${d%/}
		d=${d#"$root"/}
		[[ $d == "$cur"* ]] && printf '%s/\n' "$d"
	done
}

_memprobe()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= i
	COMPREPLY=()

	# Everything after "--" belongs to COMMAND.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			elif ((COMP_CWORD == i + 1)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				compopt -o default
			fi
			return 0
		fi
	done

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "--opt=value": bash splits it at '=' (COMP_WORDBREAKS) into three words.
	if [[ $cur == = ]]; then
		cur=
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	case $prev in
	-c | --cgroup)
		local -a cands
		local c
		if [[ $cur == /* ]]; then
			compopt -o dirnames
			return 0
		elif [[ $cur == */* ]]; then
			mapfile -t cands < <(_memprobe_cgroup_paths "$cur")
		else
			mapfile -t cands < <(_memprobe_units; _memprobe_cgroup_paths "$cur")
		fi
		for c in "${cands[@]}"; do
			[[ $c == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$c")")
		done
		# A trailing "/" is a path to go on with: no space after it.
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace
		return 0
		;;
	--report | --stacks)
		# A file to write.
		compopt -o filenames
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--listen)
		# [ADDR:]PORT, numeric: the usual ones.
		mapfile -t COMPREPLY < <(compgen -W '19792 127.0.0.1:19792 0.0.0.0:19792 [::1]:19792' -- "$cur")
		return 0
		;;
	--ring-size)
		# A power of two, 4K to 256M.
		mapfile -t COMPREPLY < <(compgen -W '4K 8K 16K 32K 64K 128K 256K 512K 1M 2M 4M 8M 16M 32M 64M 128M 256M' -- "$cur")
		return 0
		;;
	-i | --interval | -d | --duration | --journal-interval | --top | --max-cgroups | --max-files | \
	--max-tasks | --leak-band | --warn-rate | --leak-rate | --verdict-window | --verdict-samples | --leak-after | \
	--oom-horizon | --stack-sample | --stack-rate | --max-series)
		# A number: nothing to offer, and no file names either.
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		local opts='-c --cgroup -i --interval -d --duration --json --journal --journal-interval
			--top --max-cgroups --max-files --max-tasks --ring-size --leak-band --warn-rate
			--leak-rate --verdict-window --verdict-samples --leak-after --oom-horizon --report --listen --max-series
			--no-fault-probes --stack-sample --stack-rate --stacks -v --verbose -h --help -V --version --'
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	fi
	return 0
}

complete -F _memprobe memprobe

#!/bin/bash
# Drives completion/memprobe.bash the way bash does (COMP_WORDS, COMP_CWORD,
# then the function `complete -p` names) and checks what it offers.
# Run by it_install.c in a mount namespace of its own, as root:
#   completion.sh COMPLETION MEMPROBE CGROUP UNIT
# CGROUP is a test cgroup (relative to the memory hierarchy's root), UNIT a
# unit-named directory the test made inside it. /run is replaced by a tmpfs
# here, so that "does systemd run" can be answered both ways.
set -u
completion=$1 memprobe=$2 cgroup=$3 unit=$4
failures=0

fail() {
	echo "completion: $*" >&2
	failures=$((failures + 1))
}

# compopt works only inside a real completion; record what was asked.
compopt() { opts+=("$@"); }

# shellcheck source=/dev/null
. "$completion" || { echo "completion: cannot source $completion" >&2; exit 1; }

# Splits a command line as readline does for completion: at blanks, and '='
# is a word of its own (COMP_WORDBREAKS). A trailing blank starts an empty word.
offer() {
	local line=$1 fn
	read -ra COMP_WORDS <<< "${line//=/ = }"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	opts=()
	fn=$(complete -p memprobe | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	"$fn" memprobe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() {
	local line=$1 want=$2 got
	got=$(offer "$line")
	[[ $got == "$want" ]] || fail "'$line': offered '$got', expected '$want'"
}

# Offered, among others.
expect_has() {
	local line=$1 want=$2 got
	got=" $(offer "$line") "
	[[ $got == *" $want "* ]] || fail "'$line': '$want' not among '$got'"
}

[[ $(complete -p memprobe 2>&1) == "complete -F _memprobe memprobe" ]] ||
	fail "complete -p memprobe: $(complete -p memprobe 2>&1)"

# Every option of --help, and nothing else (but "--", which ends them).
help_opts=$("$memprobe" --help | grep -oE '(^|[ ,])--?[a-zA-Z][a-z-]*' | tr -d ' ,' | sort -u | tr '\n' ' ')
offered=$(offer "memprobe -" | tr ' ' '\n' | grep -vx -- -- | sort -u | tr '\n' ' ')
[[ $offered == "$help_opts" ]] || fail "options offered: '$offered'; --help has: '$help_opts'"

expect "memprobe --j" "--journal --journal-interval --json"
expect "memprobe --json --max-" "--max-cgroups --max-files --max-series --max-tasks"
expect "memprobe --listen 127" "127.0.0.1:19792"
expect "memprobe --ring-size 1" "128K 128M 16K 16M 1M"
expect "memprobe --ring-size=25" "256K 256M"
expect "memprobe -i 1 --ring-size " "128K 128M 16K 16M 1M 256K 256M 2M 32K 32M 4K 4M 512K 64K 64M 8K 8M"
expect "memprobe --interval " ""
expect "memprobe --leak-rate=" ""
expect "memprobe -d 5 --top " ""
# After --, words belong to the command.
expect_has "memprobe -i 1 -- slee" "sleep"
expect "memprobe -- sleep --j" ""

# --cgroup where systemd does not run: unit-named directories of the cgroup tree.
mount -t tmpfs tmpfs /run || { echo "completion: cannot mount a tmpfs on /run" >&2; exit 1; }
expect "memprobe --cgroup ${unit%.service}" "$unit"
expect "memprobe -c=${unit%.*}." "$unit"
expect "memprobe -c ${cgroup%?}" "$cgroup/"
offer "memprobe -c ${cgroup%?}" > /dev/null
[[ " ${opts[*]} " == *" nospace "* ]] || fail "a path goes on after '/': nospace was not asked (${opts[*]})"
expect "memprobe -c $cgroup/" "$cgroup/$unit/"
expect "memprobe -c $cgroup/nothing-here" ""

# Where systemd runs: the active units systemctl lists.
mkdir -p /run/systemd/system /run/memprobe-test-bin
cat > /run/memprobe-test-bin/systemctl <<'EOF'
#!/bin/sh
echo "visioncore.service loaded active running visioncore: camera frames in, detections out"
echo "memprobe@visioncore.service loaded active running memprobe: where the memory of visioncore goes"
echo "system.slice loaded active active System Slice"
echo 'dev-disk-by\x2duuid-1.swap.scope loaded active running An escaped name'
EOF
chmod +x /run/memprobe-test-bin/systemctl
PATH=/run/memprobe-test-bin:$PATH
expect "memprobe --cgroup vis" "visioncore.service"
expect "memprobe --cgroup=memprobe@" "memprobe@visioncore.service"
expect "memprobe --cgroup dev-" 'dev-disk-by\\x2duuid-1.swap.scope'
expect "memprobe --cgroup $unit" ""

[ "$failures" -eq 0 ] || { echo "completion: $failures failed" >&2; exit 1; }

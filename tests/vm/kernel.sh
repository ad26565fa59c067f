# Sourced by the guest stages (tests/vm/run, tests/vm/systemd/run): Debian's
# cloud kernels, downloaded once with a private apt into VMDIR/kernels/<series>
# and kept; never installed on the host.
#
# The private apt has its own sources, lists, cache and (empty) status, so
# that the host's apt configuration and package state are never touched. The
# two stages run side by side and both want 6.1: one lock makes them take
# turns, and the second finds the kernel the first unpacked. (Each once had
# its own download, into folders one of them wiped at start: on a fresh
# clone the systemd stage removed the 5.10 download under the VMs' feet.)
#
#   kernel_apt VMDIR            once, before fetch_kernel
#   fetch_kernel SERIES SUITE   sets $kernel (the vmlinuz) and $kver, or
#                               says why on stderr and returns 1
kernel_mirror=${MEMPROBE_VM_MIRROR:-http://deb.debian.org/debian}
kernel_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

kernel_apt() {
	kernel_vm=$1
	local apt=$kernel_vm/apt
	mkdir -p "$apt"/etc/sources.list.d "$apt"/etc/preferences.d "$apt"/state/lists/partial \
		 "$apt"/cache/archives/partial
	touch "$apt"/state/status
	local suite
	for suite in bullseye bookworm bookworm-backports; do
		echo "deb [signed-by=$kernel_keyring] $kernel_mirror $suite main"
	done > "$apt"/etc/sources.list
	# Retries: a mirror's dropped connection is not a failed suite.
	kernel_apt_opts=(-q -o Dir::Etc::sourcelist="$apt"/etc/sources.list
		-o Dir::Etc::sourceparts="$apt"/etc/sources.list.d
		-o Dir::Etc::preferences="$apt"/etc/preferences -o Dir::Etc::preferencesparts="$apt"/etc/preferences.d
		-o Dir::State="$apt"/state -o Dir::State::status="$apt"/state/status -o Dir::Cache="$apt"/cache
		-o Acquire::Languages=none -o Acquire::Retries=3 -o APT::Sandbox::User=root)
	kernel_updated=""
}

# The lists are fetched the first time, and once more if a download fails
# (they may be stale: the archive has moved on to a newer kernel).
kernel_download() {
	local dir=$1
	shift
	if [ -z "$kernel_updated" ] && ! ls "$kernel_vm"/apt/state/lists/*_Packages* >/dev/null 2>&1; then
		kernel_updated=1
		apt-get "${kernel_apt_opts[@]}" update >>"$kernel_vm"/apt.log 2>&1 || return 1
	fi
	(cd "$dir" && apt-get "${kernel_apt_opts[@]}" download "$@" >>"$kernel_vm"/apt.log 2>&1) && return 0
	[ -z "$kernel_updated" ] || return 1
	kernel_updated=1
	apt-get "${kernel_apt_opts[@]}" update >>"$kernel_vm"/apt.log 2>&1 &&
		(cd "$dir" && apt-get "${kernel_apt_opts[@]}" download "$@" >>"$kernel_vm"/apt.log 2>&1)
}

kernel_unlocked() {
	local series=$1 suite=$2 dir=$kernel_vm/kernels/$1 pkg=$kernel_vm/pkg/$1 meta dep
	ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1 && return 0
	rm -rf "$pkg" "$dir.new"
	mkdir -p "$pkg" "$dir.new"
	kernel_download "$pkg" "linux-image-cloud-amd64/$suite" ||
		{ echo "memprobe-vm: cannot download linux-image-cloud-amd64 from $suite (see $kernel_vm/apt.log)" >&2; return 1; }
	meta=$(ls "$pkg"/linux-image-cloud-amd64_*.deb | head -1)
	dep=$(dpkg-deb -f "$meta" Depends | grep -o "linux-image-${series//./\\.}[.-][^ ,]*-cloud-amd64" | head -1)
	[ -n "$dep" ] || { echo "memprobe-vm: linux-image-cloud-amd64 in $suite does not name a $series kernel" >&2; return 1; }
	kernel_download "$pkg" "$dep" || { echo "memprobe-vm: cannot download $dep (see $kernel_vm/apt.log)" >&2; return 1; }
	dpkg-deb -x "$pkg/$dep"_*.deb "$dir.new" || { echo "memprobe-vm: cannot unpack $dep" >&2; return 1; }
	rm -rf "$dir"
	mv "$dir.new" "$dir"
}

fetch_kernel() {
	local series=$1 rc
	mkdir -p "$kernel_vm/kernels"
	(
		flock -w 600 9 || { echo "memprobe-vm: $kernel_vm/kernels is locked" >&2; exit 1; }
		kernel_unlocked "$@"
	) 9>"$kernel_vm/kernels/lock"
	rc=$?
	[ $rc -eq 0 ] || return $rc
	kernel=$(ls "$kernel_vm/kernels/$series"/boot/vmlinuz-* | head -1)
	kver=${kernel##*/vmlinuz-}
}

# Sourced by the VM stages: Debian 12's cloud kernel (6.1), downloaded with
# apt-get download into VMDIR/kernel once and kept; never installed on the host.
# debian_kernel VMDIR: sets $kernel (the vmlinuz) and $kver, or $why and returns 1.
debian_kernel() {
	local vm=$1 pkg dep
	kernel=$(ls "$vm"/kernel/boot/vmlinuz-* 2>/dev/null | head -1)
	if [ -z "$kernel" ]; then
		rm -rf "$vm/pkg" "$vm/kernel"
		mkdir -p "$vm/pkg" "$vm/kernel"
		# Package lists may be missing or stale on a fresh machine: refresh them once.
		(cd "$vm/pkg" && apt-get download linux-image-cloud-amd64 >/dev/null 2>&1) ||
			{ apt-get update -qq >/dev/null 2>&1 && (cd "$vm/pkg" && apt-get download linux-image-cloud-amd64 >/dev/null 2>&1); } ||
			{ why="cannot download linux-image-cloud-amd64"; return 1; }
		pkg=$(ls "$vm"/pkg/linux-image-cloud-amd64_*.deb | head -1)
		dep=$(dpkg-deb -f "$pkg" Depends | grep -o 'linux-image-6\.1[^ ,]*cloud-amd64' | head -1)
		[ -n "$dep" ] || { why="linux-image-cloud-amd64 does not name a 6.1 kernel"; return 1; }
		(cd "$vm/pkg" && apt-get download "$dep" >/dev/null 2>&1) || { why="cannot download $dep"; return 1; }
		dpkg-deb -x "$vm"/pkg/"$dep"_*.deb "$vm/kernel" || { why="cannot unpack $dep"; return 1; }
		kernel=$(ls "$vm"/kernel/boot/vmlinuz-* | head -1)
	fi
	kver=${kernel##*/vmlinuz-}
}

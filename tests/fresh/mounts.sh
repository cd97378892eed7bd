# The mounts of tests/fresh/debootstrap.sh's root, kept in their own file
# so that tests/integration/fresh_mounts.sh runs them without debootstrap.
# Source it from bash; every function is fresh_* and needs root.
#
# A run that is killed before its cleanup leaves its mounts behind, and a
# later rm -rf of its folder walks into them.  The host's /dev bound into
# the root once cost the host its device nodes that way, so the root gets
# a /dev of its own (a tmpfs with the few nodes a build, the tests and
# Chromium use), folders with mounts under them are never started in,
# reused or removed, and removal never leaves the folder's file system.

# fresh_mounts DIR: prints the mount points at or under DIR, one a line,
# last mounted first (the order to unmount them in), as
# /proc/self/mountinfo lists them (its \ooo escapes decoded).  Fails only
# when DIR cannot be made absolute.
fresh_mounts() {
	local dir mp i
	local -a found=()
	dir=$(realpath -m -- "$1") || return 1
	while read -r _ _ _ _ mp _; do
		printf -v mp '%b' "$mp"
		case $mp in
		"$dir" | "$dir"/*) found+=("$mp") ;;
		esac
	done </proc/self/mountinfo
	for ((i = ${#found[@]} - 1; i >= 0; i--)); do
		printf '%s\n' "${found[i]}"
	done
}

# fresh_root_pids DIR: prints the processes whose root (chroot) is DIR or
# a folder under it, one pid a line.  Cannot fail.
fresh_root_pids() {
	local dir p
	dir=$(realpath -m -- "$1") || return 0
	find /proc/[0-9]*/root -maxdepth 0 \( -lname "$dir" -o \
	    -lname "$dir/*" \) 2>/dev/null | while IFS=/ read -r _ _ p _; do
		echo "$p"
	done
}

# fresh_mounts_refuse DIR WHAT: true when nothing is mounted at or under
# DIR; otherwise says on stderr that it will not WHAT DIR, which mounts
# are in the way and the commands that unmount them, and is false.
fresh_mounts_refuse() {
	local left m
	left=$(fresh_mounts "$1") || return 1
	[ -z "$left" ] && return 0
	{
		echo "fresh: will not $2 $1: still mounted under it:"
		printf '%s\n' "$left" | sed 's/^/    /'
		echo "fresh: unmount them, in this order, then try again:"
		while IFS= read -r m; do
			printf "    umount '%s'\n" "$m"
		done <<<"$left"
		echo "fresh: (or: sudo bash tests/fresh/debootstrap.sh clean '$1')"
	} >&2
	return 1
}

# fresh_dev_make ROOT: mounts a /dev of ROOT's own at ROOT/dev: a small
# tmpfs with null, zero, full, random, urandom and tty, a devpts instance
# of its own at pts (ptmx links to its ptmx), a tmpfs shm, and the fd,
# stdin, stdout and stderr links.  Nothing of the host's /dev is in it.
# False when a step fails; what it mounted stays for fresh_unmount_all.
fresh_dev_make() {
	local dev=$1/dev name major minor
	mkdir -p "$dev" || return 1
	mount -t tmpfs -o mode=0755,nosuid,size=1m fresh-dev "$dev" || return 1
	while read -r name major minor; do
		mknod -m 0666 "$dev/$name" c "$major" "$minor" || return 1
	done <<-EOF
		null 1 3
		zero 1 5
		full 1 7
		random 1 8
		urandom 1 9
		tty 5 0
	EOF
	mkdir -m 0755 "$dev/pts" "$dev/shm" || return 1
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 \
	    fresh-devpts "$dev/pts" || return 1
	ln -s pts/ptmx "$dev/ptmx" || return 1
	mount -t tmpfs -o mode=1777,nosuid,nodev fresh-shm "$dev/shm" ||
		return 1
	ln -s /proc/self/fd "$dev/fd" &&
	    ln -s /proc/self/fd/0 "$dev/stdin" &&
	    ln -s /proc/self/fd/1 "$dev/stdout" &&
	    ln -s /proc/self/fd/2 "$dev/stderr"
}

# fresh_mounts_make ROOT: what a chroot into ROOT needs mounted: proc,
# sysfs, its own /dev (fresh_dev_make) and a tmpfs /run.  False when a
# mount fails; what it mounted stays for fresh_unmount_all.
fresh_mounts_make() {
	mount -t proc proc "$1/proc" &&
	    mount -t sysfs sysfs "$1/sys" &&
	    fresh_dev_make "$1" &&
	    mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$1/run"
}

# fresh_unmount_all DIR: unmounts everything at or under DIR, last
# mounted first; a mount that is busy is detached (umount -l), so it is
# no longer reachable through DIR.  True when nothing is left mounted
# there; otherwise says what is left on stderr and is false.
fresh_unmount_all() {
	local m
	for _ in 1 2 3; do
		while IFS= read -r m; do
			[ -n "$m" ] || continue
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
				true
		done <<<"$(fresh_mounts "$1")"
		[ -z "$(fresh_mounts "$1")" ] && return 0
	done
	fresh_mounts_refuse "$1" "remove"
}

# fresh_remove DIR: removes DIR and everything in it, only when nothing is
# mounted at or under it (otherwise says so, as fresh_mounts_refuse, and
# removes nothing) and never crossing into another file system.  False
# when it refused or rm failed.
fresh_remove() {
	[ "$(realpath -m -- "$1")" != / ] || return 1
	fresh_mounts_refuse "$1" "remove" || return 1
	rm -rf --one-file-system -- "$1"
}

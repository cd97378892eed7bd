#!/bin/bash
# The fresh-machine check's mounts, without debootstrap or the network
# (tests/fresh/debootstrap.sh and its functions in tests/fresh/mounts.sh).
# A killed run once left the host's /dev bound into its root, and a later
# rm -rf of its folder deleted the host's device nodes.  Here, in a
# scratch folder whose name has a space (mountinfo writes it as \040):
# the root's /dev is a tmpfs of its own with exactly the nodes it needs
# (right major and minor numbers), its own devpts and shm, and nothing of
# the host's; a folder with a mount under it (a bound scratch folder) is
# neither removed nor started in, and the message names the mount and how
# to unmount it; unmounting goes last mounted first, detaches a busy
# mount, and removal then leaves the bound folder's files alone; "clean"
# does the same for a killed run that bound a /dev with mounts in it.
# Needs root (mount, mknod); skips without it.  Takes a second or two.
set -u
. "$(dirname "$0")/../lib/stack.sh"
. "$ROOT/tests/fresh/mounts.sh"

if ! need_root "a fresh root gets a /dev of its own"; then
	finish
	exit
fi
S=$(mktemp -d /tmp/tutti-fresh-mounts.XXXXXX)
# The test's own cleanup: everything it mounted lies under $S.
cleanup() {
	exec 9<&- 2>/dev/null
	fresh_unmount_all "$S" >/dev/null 2>&1
	fresh_remove "$S" 2>/dev/null || echo "# left $S (still mounted)"
}
trap cleanup EXIT
T="$S/a run"
R=$T/root
mkdir -p "$R/mnt/bound" "$R/busy" "$S/kept"
echo kept >"$S/kept/canary"

if ! mount -t tmpfs -o size=64k tmpfs "$S/kept" 2>"$S/mount.err"; then
	skip "a fresh root gets a /dev of its own" \
	    "cannot mount here ($(head -n 1 "$S/mount.err"))"
	finish
	exit
fi
umount "$S/kept"

# is "what" 'CONDITION': ok when the shell condition holds.
is() {
	if eval "$2"; then ok "$1"; else not_ok "$1" "failed: $2"; fi
}

# 1. The root's own /dev.
check "fresh_dev_make builds the root's /dev" fresh_dev_make "$R"
dev=$R/dev
check "it is a tmpfs ($(stat -f -c %T "$dev"))" \
    [ "$(stat -f -c %T "$dev")" = tmpfs ]
check "on a device of its own, not the host's /dev" \
    [ "$(stat -c %d "$dev")" != "$(stat -c %d /dev)" ]
got=$(ls -A "$dev" | sort | tr '\n' ' ')
want="fd full null ptmx pts random shm stderr stdin stdout tty urandom zero "
check "it holds exactly the nodes and links a build needs ($got)" \
    [ "$got" = "$want" ]
# The numbers from the kernel's Documentation/admin-guide/devices.txt.
for node in null=1:3 zero=1:5 full=1:7 random=1:8 urandom=1:9 tty=5:0; do
	got=$(stat -c '%F %t:%T %a' "$dev/${node%=*}")
	check "${node%=*} is character device ${node#*=}, 0666 ($got)" \
	    [ "$got" = "character special file ${node#*=} 666" ]
done
got=$(stat -L -c '%F %t:%T %a' "$dev/ptmx")
is "ptmx leads to its devpts' ptmx, 5:2, 0666 ($(readlink "$dev/ptmx"); $got)" \
    '[ "$(readlink "$dev/ptmx")" = pts/ptmx ] &&
    [ "$got" = "character special file 5:2 666" ]'
is "pts is a devpts of its own ($(stat -f -c %T "$dev/pts"))" \
    '[ "$(stat -f -c %T "$dev/pts")" = devpts ] &&
    [ "$(stat -c %d "$dev/pts")" != "$(stat -c %d /dev/pts)" ]'
got=$($PY - "$dev" <<-'EOF' 2>&1
	import os, sys
	fd = os.open(sys.argv[1] + "/ptmx", os.O_RDWR | os.O_NOCTTY)
	print(" ".join(sorted(os.listdir(sys.argv[1] + "/pts"))))
	os.close(fd)
EOF
)
check "a terminal opened through its ptmx is pts/0 in its own pts ($got)" \
    [ "$got" = "0 ptmx" ]
is "shm is a tmpfs of its own, 1777 ($(stat -c %a "$dev/shm"))" \
    '[ "$(stat -f -c %T "$dev/shm")" = tmpfs ] &&
    [ "$(stat -c %a "$dev/shm")" = 1777 ] &&
    [ "$(stat -c %d "$dev/shm")" != "$(stat -c %d "$dev")" ]'
got="$(readlink "$dev/fd") $(readlink "$dev/stdin") $(readlink "$dev/stdout") $(readlink "$dev/stderr")"
check "fd, stdin, stdout and stderr lead to /proc/self/fd ($got)" \
    [ "$got" = "/proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2" ]
is "null takes writes, zero gives zeros, urandom gives bytes" \
    'echo x >"$dev/null" &&
    [ "$(head -c 4 "$dev/zero" | od -An -tx1 | tr -d " ")" = 00000000 ] &&
    [ "$(head -c 16 "$dev/urandom" | wc -c)" = 16 ]'
is "full is full" '! (echo x >"$dev/full") 2>/dev/null'
touch "$dev/.fresh-probe-$$"
is "a file made in the root's /dev is not in the host's" \
    '[ -e "$dev/.fresh-probe-$$" ] && [ ! -e "/dev/.fresh-probe-$$" ]'
rm -f "$dev/.fresh-probe-$$"
got=$(fresh_mounts "$T" | tr '\n' '|')
check "fresh_mounts lists them last mounted first, the space decoded ($got)" \
    [ "$got" = "$dev/shm|$dev/pts|$dev|" ]

# 2. A folder with a mount under it is not removed, nor started in.
mount --bind "$S/kept" "$R/mnt/bound"
fresh_remove "$T" 2>"$S/refused"
rc=$?
is "fresh_remove refuses while a folder is bound under it (rc $rc)" \
    '[ "$rc" -ne 0 ] && [ -e "$R/mnt/bound/canary" ] && [ -d "$dev/pts" ]'
is "the message names the mount and how to unmount it" \
    'grep -qF "umount '"'"'$R/mnt/bound'"'"'" "$S/refused"'
is "and says to unmount it before the /dev it was mounted after" \
    'grep umount "$S/refused" | head -n 1 | grep -qF mnt/bound'
fresh_mounts_refuse "$T" "start in" 2>"$S/refused"
rc=$?
is "fresh_mounts_refuse will not start in it (rc $rc)" \
    '[ "$rc" -ne 0 ] && grep -qF "will not start in $T" "$S/refused"'
FRESH_DIR=$T timeout 60 bash "$ROOT/tests/fresh/debootstrap.sh" \
    >"$S/start.out" 2>&1
rc=$?
is "debootstrap.sh will not start in it (rc $rc: $(head -n 1 "$S/start.out"))" \
    '[ "$rc" -eq 1 ] && grep -qF "will not start in $T" "$S/start.out" &&
    [ -e "$R/mnt/bound/canary" ]'

# 3. Unmounting, a busy mount too, then removal.
mount -t tmpfs -o size=64k tmpfs "$R/busy"
echo busy >"$R/busy/file"
exec 9<"$R/busy/file"
check "fresh_unmount_all unmounts all of it, the busy one detached" \
    fresh_unmount_all "$T"
exec 9<&-
check "nothing is left mounted under it" [ -z "$(fresh_mounts "$T")" ]
check "the bound folder's file is still there" [ -e "$S/kept/canary" ]
check "fresh_remove then removes the folder" fresh_remove "$T"
is "it is gone, the bound folder's file is not" \
    '[ ! -e "$T" ] && [ -e "$S/kept/canary" ]'

# 4. A killed run of the old script: a /dev with mounts in it bound in
# with --rbind.  "clean" unmounts it and removes the folder; the bound
# /dev keeps its files and its own mounts.
fake=$S/kept
mkdir -p "$fake/shm" "$R/dev"
mount -t tmpfs -o size=64k tmpfs "$fake/shm"
echo shm >"$fake/shm/canary"
mount --rbind "$fake" "$R/dev" && mount --make-rslave "$R/dev"
check "the old way, everything under the bound /dev is reachable" \
    [ -e "$R/dev/shm/canary" ]
bash "$ROOT/tests/fresh/debootstrap.sh" clean "$T" >"$S/clean.out" 2>&1
rc=$?
is "debootstrap.sh clean removes the folder (rc $rc: $(tail -n 1 "$S/clean.out"))" \
    '[ "$rc" -eq 0 ] && [ ! -e "$T" ]'
is "the bound /dev keeps its files and its own mount" \
    '[ -e "$fake/canary" ] && [ -e "$fake/shm/canary" ] &&
    [ -n "$(fresh_mounts "$fake/shm")" ]'
finish

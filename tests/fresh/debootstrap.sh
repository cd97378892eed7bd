#!/bin/bash
# The README's two commands on a freshly bootstrapped Debian 12, as a new
# user meets them.  Not run by make test: it downloads about 400 MB and
# takes 10 to 15 minutes or more.  Needs root (debootstrap, chroot,
# mounts).
#
#   sudo bash tests/fresh/debootstrap.sh
#   sudo bash tests/fresh/debootstrap.sh clean DIR   # a killed run's DIR
#
# It builds a clean bookworm root with debootstrap (minbase) from the
# Debian mirror apt uses on this machine; copies this machine's apt
# configuration (Debian's own archives only: a third-party Node.js would
# hide what Debian ships), its CA certificates and npm configuration, so
# apt and npm reach their servers from inside; installs only git and make
# (README, "Before the two commands"); clones this checkout at HEAD into
# /root/tutti; then, as root in there:
#   1. make run on a free port until /refer serves the form (timed), then
#      make stop (a background job ignores SIGINT, so no Ctrl-C here);
#   2. make test (timed) and prints its last line.
# Everything is unmounted and every process left in the root is ended on
# the way out, also on failure or Ctrl-C.  The last line is make test's.
#
# The root gets a /dev of its own (a tmpfs with the device nodes it needs,
# its own devpts and shm: tests/fresh/mounts.sh), never the host's, so a
# run killed before its cleanup leaves nothing of the host's under its
# folder.  The script will not start in, reuse or remove a folder with
# anything still mounted under it: it names the mounts and how to unmount
# them; "clean DIR" unmounts them, last mounted first, and removes DIR.
# It never removes across into another file system.
#
# FRESH_DIR=/path  where to build (default: a new /var/tmp/tutti-fresh.*)
# FRESH_KEEP=1     keep the root and its logs afterwards
# FRESH_NO_TEST=1  stop after make run (about 5 minutes, not 30); the
#                  last line is then make run's

set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=bookworm

say() { echo "fresh: $*"; }
die() { echo "fresh: $*" >&2; exit 1; }
. "$ROOT/tests/fresh/mounts.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts)"
if [ "${1:-}" = clean ]; then
	[ -n "${2:-}" ] && [ -d "$2" ] || die "usage: $0 clean DIR"
	p=$(fresh_root_pids "$2" | tr '\n' ' ')
	[ -z "$p" ] || die "processes still run in $2 (pids $p): end them first"
	fresh_unmount_all "$2" || exit 1
	fresh_remove "$2" || exit 1
	say "removed $2"
	exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [clean DIR]"
if [ -n "${FRESH_DIR:-}" ]; then
	fresh_mounts_refuse "$FRESH_DIR" "start in" || exit 1
fi
if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap on this machine"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap \
	    >/dev/null
fi

# The Debian mirror apt uses here: the first bookworm archive in
# /etc/apt/sources.list or sources.list.d (one-line or deb822 form).
apt_mirror() {
	{
		sed -E 's/\[[^]]*\]//' /etc/apt/sources.list \
		    /etc/apt/sources.list.d/*.list 2>/dev/null |
		    awk -v s=$SUITE '$1 == "deb" && $3 == s { print $2 }'
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		    awk -v s=$SUITE 'BEGIN { RS = "" }
			/(^|\n)Types:[^\n]*deb( |\n|$)/ {
				split($0, L, "\n"); u = ""; ok = 0
				for (i in L) {
					if (L[i] ~ /^URIs:/) { split(L[i], w, " "); u = w[2] }
					if (L[i] ~ /^Suites:/) {
						n = split(L[i], w, " ")
						for (j = 2; j <= n; j++) if (w[j] == s) ok = 1
					}
				}
				if (ok && u != "") print u
			}'
	} | head -n 1
}
MIRROR=$(apt_mirror)
[ -n "$MIRROR" ] || die "no $SUITE archive in /etc/apt/sources.list*"

T=${FRESH_DIR:-$(mktemp -d /var/tmp/tutti-fresh.XXXXXX)}
mkdir -p "$T/root"
T=$(realpath -- "$T")
R=$T/root
HEAD=$(git -C "$ROOT" rev-parse HEAD)
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes in $ROOT are not part of the test"

# in_root CMD...: runs CMD as root in the new root, with a clean
# environment like a root login's (plus this machine's CA variables).
in_root() {
	local e=(HOME=/root LANG=C.UTF-8 TERM=dumb
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
	local v
	for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR http_proxy \
	    https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
		[ -n "${!v:-}" ] && e+=("$v=${!v}")
	done
	chroot "$R" /usr/bin/env -i "${e[@]}" "$@"
}

# The processes whose root is the new root (all started by this script).
root_pids() {
	fresh_root_pids "$R"
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in $(root_pids); do kill -TERM "$p" 2>/dev/null || true; done
	sleep 2
	for p in $(root_pids); do kill -KILL "$p" 2>/dev/null || true; done
	sleep 1
	if ! fresh_unmount_all "$T"; then
		say "still mounted: not removing $T"
	elif [ -z "${FRESH_KEEP:-}" ] && [ -z "${FRESH_DIR:-}" ]; then
		fresh_remove "$T" || say "could not remove $T"
	else
		say "kept $T"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
say "debootstrap $SUITE from $MIRROR into $R"
debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$T/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$T/debootstrap.log"; die "debootstrap failed"; }
t1=$(date +%s)
say "debootstrap took $((t1 - t0)) s"

# apt: the configuration and keys, and the Debian archives only.
mkdir -p "$R/etc/apt/sources.list.d"
: > "$R/etc/apt/sources.list"
for d in apt.conf.d auth.conf.d preferences.d trusted.gpg.d keyrings; do
	[ -d "/etc/apt/$d" ] || continue
	mkdir -p "$R/etc/apt/$d"
	cp -a "/etc/apt/$d/." "$R/etc/apt/$d/"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	grep -qE '^(deb|URIs:).*debian' "$f" || continue
	cp "$f" "$R$f"
done
# CA certificates (apt, git, curl and npm behind this machine's network);
# the ca-certificates package adds /usr/local/share/ca-certificates to
# its bundle when make installs it.
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$R/usr/local/share/ca-certificates"
	cp -a /usr/local/share/ca-certificates/. \
	    "$R/usr/local/share/ca-certificates/"
fi
mkdir -p "$R/etc/ssl/certs"
[ -f /etc/ssl/certs/ca-certificates.crt ] &&
	cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/"
for f in "${NODE_EXTRA_CA_CERTS:-}" "${SSL_CERT_FILE:-}"; do
	[ -n "$f" ] && [ -f "$f" ] && [ ! -e "$R$f" ] &&
	    { mkdir -p "$R$(dirname "$f")"; cp "$f" "$R$f"; }
done
# npm's configuration, if any (registry, cafile).
for f in /etc/npmrc /usr/etc/npmrc; do
	[ -f "$f" ] && { mkdir -p "$R$(dirname "$f")"; cp "$f" "$R$f"; }
done
[ -f "${HOME:-/root}/.npmrc" ] && cp "${HOME:-/root}/.npmrc" "$R/root/.npmrc"
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp /etc/hosts "$R/etc/hosts"

# proc, sysfs, a /dev of the root's own (not the host's) and /run.
fresh_mounts_make "$R" || die "could not mount proc, sys, dev and run in $R"
say "the root's /dev is its own: $(ls -A "$R/dev" | tr '\n' ' ')"

# Before the two commands: git and make, as the README says.
t2=$(date +%s)
in_root apt-get update -q >"$T/apt.log" 2>&1 ||
	{ tail -n 20 "$T/apt.log"; die "apt-get update failed"; }
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -q git make \
    >>"$T/apt.log" 2>&1 ||
	{ tail -n 20 "$T/apt.log"; die "apt-get install git make failed"; }
git clone -q "$ROOT" "$R/root/tutti"
git -C "$R/root/tutti" checkout -q -B fresh-test "$HEAD"
t3=$(date +%s)
say "git and make installed, $(git -C "$ROOT" log --oneline -1 "$HEAD") cloned in $((t3 - t2)) s"

# 1. make run serves the form.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo 18080)
say "make run PORT=$PORT"
t4=$(date +%s)
setsid bash -c 'exec "$@"' _ chroot "$R" /usr/bin/env -i HOME=/root \
    LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    sh -c "cd /root/tutti && exec make run PORT=$PORT" \
    >"$T/make-run.log" 2>&1 </dev/null &
run_pid=$!
served=
while kill -0 "$run_pid" 2>/dev/null; do
	if curl -fsS --max-time 5 -o "$T/refer.html" \
	    "http://127.0.0.1:$PORT/refer" 2>/dev/null &&
	    grep -q '<form[^>]*action="/refer"' "$T/refer.html"; then
		served=$(($(date +%s) - t4))
		break
	fi
	sleep 2
done
if [ -n "$served" ]; then
	run_line="make run served the form at /refer after $served s"
else
	run_line="make run did NOT serve the form at /refer"
	tail -n 20 "$T/make-run.log"
fi
say "$run_line"
in_root dpkg-query -W -f='${Status}\n' chromium 2>/dev/null |
	grep -q 'install ok installed' &&
	say "note: make run installed the test tools too (chromium)"
debian_nginx=no
for p in $(root_pids); do
	c=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
	case $c in
	"nginx: master"*" -c "*) ;;	# ours: its own config and port
	"nginx: master"*) debian_nginx="yes (pid $p)" ;;
	esac
done
say "Debian's own nginx site running in there: $debian_nginx"
in_root sh -c "cd /root/tutti && make stop PORT=$PORT" >>"$T/make-run.log" 2>&1 ||
	true
kill -TERM -- "-$run_pid" 2>/dev/null || true
for _ in $(seq 1 30); do kill -0 "$run_pid" 2>/dev/null || break; sleep 1; done
kill -KILL -- "-$run_pid" 2>/dev/null || true

if [ -n "${FRESH_NO_TEST:-}" ]; then
	say "FRESH_NO_TEST: not running make test; debootstrap $((t1 - t0)) s; git and make $((t3 - t2)) s"
	echo "$run_line"
	[ -n "$served" ] && exit 0
	exit 1
fi

# 2. make test.
say "make test (log: $T/make-test.log)"
t5=$(date +%s)
in_root sh -c 'cd /root/tutti && make test' >"$T/make-test.log" 2>&1 </dev/null ||
	true
t6=$(date +%s)
say "make test took $((t6 - t5)) s; make run served after ${served:-(never)} s; debootstrap $((t1 - t0)) s; git and make $((t3 - t2)) s"
grep -E '^(not ok|Bail out)|: [0-9]+ passed, [1-9][0-9]* failed|exited with status' \
    "$T/make-test.log" | head -n 40 || true
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/make-test.log" | tail -n 1)
[ -n "$last" ] || last=$(tail -n 1 "$T/make-test.log")
echo "$last"
[ -n "$served" ] && echo "$last" | grep -qE '^[0-9]+ passed, 0 failed'

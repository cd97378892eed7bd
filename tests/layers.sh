#!/bin/sh
# Checks that no layer's archive calls into a layer above it.
#
#   tests/layers.sh LIBDIR LAYER...     (lowest layer first)
#
# The programs link the archives highest first, so such a call often
# fails to link already; but not when the object it needs was pulled in
# earlier for another reason.  This looks at the symbols themselves:
# for each layer, the names it leaves undefined (nm -u) must not be
# defined by any layer after it.  Prints each offence and exits 1.
set -eu
dir=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for l in "$@"; do
	nm -g --defined-only -P "$dir/lib$l.a" 2>/dev/null |
	    awk 'NF >= 2 && $2 != "U" { print $1 }' | sort -u > "$tmp/def.$l"
	nm -u -P "$dir/lib$l.a" 2>/dev/null | awk '{ print $1 }' |
	    sort -u > "$tmp/undef.$l"
done
bad=0
seen=
for l in "$@"; do
	seen="$seen $l"
	for h in "$@"; do
		case " $seen " in *" $h "*) continue ;; esac
		for s in $(comm -12 "$tmp/undef.$l" "$tmp/def.$h"); do
			echo "layers: $l/ calls $s, which is in $h/ (above it)" >&2
			bad=1
		done
	done
done
exit $bad

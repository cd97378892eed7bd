#!/bin/bash
# Stops a stack started by stack-up.sh.
#
#   stack-down.sh TVAR PORT [failed]
#
# The state folder is removed unless "failed" is given or KEEP is set;
# then its path is printed as a TAP comment.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/stack.sh"
TVAR=$1
PORT=$2
case $TVAR in /tmp/tutti-test.*) ;; *) echo "# stack-down: refusing $TVAR" >&2; exit 2 ;; esac
[ -n "${3:-}" ] && T_FAIL=1
stack_down

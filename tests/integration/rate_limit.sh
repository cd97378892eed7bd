#!/bin/bash
# nginx limits POST /refer per address; reading the form is never limited.
set -u
. "$(dirname "$0")/../lib/stack.sh"
REFER_RATE=6r/m REFER_BURST=3 stack_up

codes=
for i in $(seq 8); do
	codes="$codes $(curl -s -o "$TVAR/body" -w '%{http_code}' --data 'given_name=x' "$BASE/refer")"
done
check "the first posts are answered by the form (422)" \
    sh -c "echo '$codes' | awk '{exit !(\$1 == 422 && \$2 == 422)}'"
check "posting too fast gets 429" sh -c "echo '$codes' | grep -q 429"
check "the 429 page asks the person to wait" grep -q 'wait a minute' "$TVAR/body"
# Issue 13, finding 1: the same limit holds on every path that reaches
# the form (the workers answer /refer/ as /refer).
slash=
for i in $(seq 4); do
	slash="$slash $(curl -s -o /dev/null -w '%{http_code}' --data 'given_name=x' "$BASE/refer/")"
done
check "POST /refer/ is limited too (429)" sh -c "echo '$slash' | grep -q 429"
check "POST /refer/ never reaches the form once limited" sh -c "! echo '$slash' | grep -q 422"
getcodes=
for i in $(seq 10); do
	getcodes="$getcodes $(curl -s -o /dev/null -w '%{http_code}' "$BASE/refer")"
done
check "GET /refer is not limited" [ "$(echo $getcodes | tr ' ' '\n' | sort -u)" = 200 ]
finish

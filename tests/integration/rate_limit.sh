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
getcodes=
for i in $(seq 10); do
	getcodes="$getcodes $(curl -s -o /dev/null -w '%{http_code}' "$BASE/refer")"
done
check "GET /refer is not limited" [ "$(echo $getcodes | tr ' ' '\n' | sort -u)" = 200 ]
finish

# Shared by the integration, load and browser tests (source it from bash).
# Starts the real stack (nginx, workers, mailer) on a free loopback port
# with its own state folder, and prints TAP lines for the runner.
#
#   . tests/lib/stack.sh
#   stack_up            # sets BASE, TVAR, PORT, TUTTI_DB
#   ok "what"  / not_ok "what" "why"  / check "what" test-args...
#   skip "what" "why"   # TAP "# SKIP why": counted as a skip, not a pass
#   need_root "what"    # skips "what" unless root; false when it skipped
#   stack_down          # also run on exit
#   finish              # prints the plan; exit status 1 on any failure

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
export B
PY=/usr/bin/python3
T_N=0
T_FAIL=0

ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

not_ok() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	[ -n "${2:-}" ] && printf '#   %s\n' "$2" | head -n 20
	return 0
}

# skip "description" "why": a test not run here, with the reason.
skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

# need_root "description": true when running as root; otherwise skips
# the test with "# SKIP needs root" and is false.
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	skip "$1" "needs root"
	return 1
}

# check "description" [ test expression ]: ok when the expression holds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stack_up() {
	TVAR=$(mktemp -d /tmp/tutti-test.XXXXXX)
	PORT=$(free_port)
	BASE=http://127.0.0.1:$PORT
	export TVAR PORT BASE
	export TUTTI_DB=$TVAR/tutti.db
	export TUTTI_BASE_URL=$BASE
	# The application's own limit on public referrals an hour (per
	# address, per email): tests post many; rate_limit.sh sets it low.
	export TUTTI_REFER_LIMIT=${TUTTI_REFER_LIMIT:-100000}
	# STACK_DB: a database to start from (a copy), with its log-ins in
	# the file beside it named *.logins, instead of the demo made anew.
	if [ -n "${STACK_DB:-}" ]; then
		sqlite3 "$STACK_DB" ".backup '$TUTTI_DB'" &&
		    cp "${STACK_DB%.db}.logins" "$TVAR/demo-logins.txt" || {
			echo "Bail out! cannot copy $STACK_DB"
			exit 1
		}
	fi
	REFER_RATE=${REFER_RATE:-100000r/s} REFER_BURST=${REFER_BURST:-100000} \
	    VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" start >"$TVAR/start.log" 2>&1 || {
		echo "Bail out! the stack did not start:"
		sed 's/^/# /' "$TVAR/start.log"
		cat "$TVAR"/log/*.log 2>/dev/null | tail -n 20 | sed 's/^/# /'
		exit 1
	}
	trap stack_down EXIT
}

stack_down() {
	[ -n "${TVAR:-}" ] || return 0
	VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1 || true
	if [ "$T_FAIL" -gt 0 ] || [ -n "${KEEP:-}" ]; then
		echo "# state kept in $TVAR"
	else
		rm -rf "$TVAR"
	fi
	TVAR=
}

# The form token from a GET /refer page in file $1.
form_token() {
	grep -o 'name="form_token" value="[^"]*"' "$1" | sed 's/.*value="//; s/"$//'
}

sql() {
	sqlite3 -cmd '.timeout 5000' "$TUTTI_DB" "$@"
}

finish() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}

# web JAR [curl args...]: a request with the cookie jar $TVAR/JAR.jar;
# the body goes to $TVAR/body, headers to $TVAR/head; prints the status.
web() {
	local jar=$TVAR/$1.jar
	shift
	curl -s -b "$jar" -c "$jar" -o "$TVAR/body" -D "$TVAR/head" \
	    -w '%{http_code}' "$@"
}

# staff_login JAR EMAIL PASSWORD: signs in (form token, then POST);
# prints the status (303 when it worked).
staff_login() {
	local tok
	rm -f "$TVAR/$1.jar"
	web "$1" "$BASE/login" >/dev/null
	tok=$(form_token "$TVAR/body")
	web "$1" --data-urlencode "form_token=$tok" \
	    --data-urlencode "email=$2" --data-urlencode "password=$3" \
	    "$BASE/login"
}

# The CSRF token of the staff page in $TVAR/body.
csrf_of() {
	grep -o 'name="csrf" value="[^"]*"' "$TVAR/body" | head -n 1 |
	    sed 's/.*value="//; s/"$//'
}

# The Location header of the last web response.
location() {
	grep -i '^location:' "$TVAR/head" | tr -d '\r' | sed 's/^[Ll]ocation: //'
}

#!/bin/sh
# Runs every suite and prints one last line: "N passed, N failed", with
# ", N skipped" added when a test was skipped.
#
#   tests/run.sh [unit|fuzz|integration|load|browser|unit-valgrind]...
#
# Unit suites are Check binaries (their summary lines are counted); the
# others print TAP ("ok N - ...", "not ok N - ...").  A TAP line with a
# "# SKIP" directive is a skip, never a pass (tests that need root say
# "# SKIP needs root" when run as another user).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
B=${B:-build}
export B
LOG=${TEST_LOG:-$B/test.log}
# Check's timeouts (4 s unless a case sets its own) stretch, so that a
# loaded machine does not fail a test that only ran long: check_db's
# test_refer_wal_pages (20 referrals and their emails, each committed
# to disk) takes 1.2-1.5 s at load 3 and ran past 4 s at load 4 with a
# build beside it.  Three times for a plain build; under the sanitizers
# or valgrind every test runs several times slower, so five.  A test
# that hangs still fails.
if [ -n "${TUTTI_SANITIZE:-}" ] || [ -n "${VALGRIND:-}" ]; then
	CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
else
	CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-3}
fi
export CK_TIMEOUT_MULTIPLIER
mkdir -p "$B"
: > "$LOG"
passed=0
failed=0
skipped=0

count_check() {
	# "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: ' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		echo "$2: no Check summary (crashed?)"
		return
	fi
	echo "$2: $line"
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
}

# count_tap FILE NAME STATUS: counts a TAP script's output.  A script
# that exits non-zero without a "not ok" counts as one failure, and the
# last lines it wrote are shown, so the cause is on screen.
count_tap() {
	k=$(grep -ciE '^ok [^#]*# *skip' "$1")
	p=$(($(grep -cE '^ok ' "$1") - k))
	f=$(grep -cE '^not ok ' "$1")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# died without saying why
		echo "$2: exited with status $3; its last lines:"
		grep -vE '^ok ' "$1" | tail -n 15 | sed 's/^/    /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + k))
	if [ "$k" -gt 0 ]; then
		echo "$2: $p passed, $f failed, $k skipped"
	else
		echo "$2: $p passed, $f failed"
	fi
	grep -E '^(not ok|Bail out|#)' "$1" | head -n 40
	grep -iE '^ok [^#]*# *skip' "$1"
}

run_unit() {
	for t in "$B"/tests/check_*; do
		[ -x "$t" ] || continue
		out=$(mktemp)
		if [ -n "${VALGRIND:-}" ]; then
			CK_FORK=no valgrind -q --leak-check=full \
			    --errors-for-leak-kinds=definite,indirect \
			    --error-exitcode=99 "$t" >"$out" 2>&1
			rc=$?
			[ $rc -eq 99 ] && { failed=$((failed + 1));
			    echo "$(basename "$t"): valgrind found errors"; }
		else
			"$t" >"$out" 2>&1
		fi
		cat "$out" >> "$LOG"
		count_check "$out" "$(basename "$t")"
		grep -E ':[EF]:' "$out" | head -n 20
		rm -f "$out"
	done
}

run_fuzz() {
	# A short run of each fuzz target over its seeds (make fuzz runs long).
	for f in "$B"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=$(basename "$f")
		out=$(mktemp)
		mkdir -p "$B/fuzz-corpus/$n"
		"$f" -max_total_time="${FUZZ_SMOKE_SECONDS:-10}" \
		    "$B/fuzz-corpus/$n" "tests/fuzz/corpus/${n#fuzz_}" \
		    >"$out" 2>&1
		rc=$?
		cat "$out" >> "$LOG"
		if [ $rc -eq 0 ]; then
			passed=$((passed + 1))
			echo "$n: ok ($(grep -oE 'stat::number_of_executed_units: [0-9]+|#[0-9]+.*DONE' "$out" | tail -n 1))"
		else
			failed=$((failed + 1))
			echo "$n: FAILED"
			tail -n 30 "$out"
		fi
		rm -f "$out"
	done
}

run_scripts() {
	for s in "$@"; do
		[ -f "$s" ] || continue
		out=$(mktemp)
		case $s in
		*.mjs) node "$s" >"$out" 2>&1 ;;
		*) bash "$s" >"$out" 2>&1 ;;
		esac
		rc=$?
		cat "$out" >> "$LOG"
		count_tap "$out" "$s" "$rc"
		rm -f "$out"
	done
}

suites=${*:-unit fuzz integration load browser}
for s in $suites; do
	echo "== $s"
	case $s in
	unit) run_unit ;;
	unit-valgrind) VALGRIND=1 run_unit ;;
	fuzz) [ -z "${TUTTI_SANITIZE:-}" ] && run_fuzz ;;
	integration) run_scripts tests/integration/*.sh ;;
	load) run_scripts tests/load/*.sh ;;
	browser) run_scripts tests/browser/*.test.mjs ;;
	*) echo "unknown suite $s"; failed=$((failed + 1)) ;;
	esac
done
echo "full output in $LOG"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

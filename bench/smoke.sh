#!/bin/sh
# smoke.sh: `make check` runs the benchmark on a small review so it keeps
# working; it asserts that every figure was measured, never how fast.
set -u
OUT=$(mktemp /tmp/qrel-bench-smoke.XXXXXX)
LOG=$(mktemp /tmp/qrel-bench-log.XXXXXX)
trap 'rm -f "$OUT" "$LOG"' EXIT
n=0
fail=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
sh "$(dirname "$0")/run.sh" "${BUILDDIR:-.}" --small --out "$OUT" >"$LOG" 2>&1
rc=$?
result $rc "bench/run.sh --small completes"
[ $rc = 0 ] || sed 's/^/# /' "$LOG" | tail -n 20
for series in start_first_screen overview_move rubric_move site_switch screen_switch evidence_move evidence_scroll evidence_page search_first_page \
	search_relevance_page subgroup_move across_sites; do
	grep -q "^| $series | [0-9]" "$OUT"
	result $? "$series was measured"
done
grep -q "peak resident memory (80x24 session) | [0-9]* KiB" "$OUT"
result $? "peak memory was measured"
grep -q "qrel risk, 20000 rows | [0-9.]* s" "$OUT"
result $? "qrel risk was timed"
echo "1..$n"
exit $fail

#!/bin/sh
# run.sh: the benchmark. Builds the large review (or a small one with --small, or
# the large one grown N times with --scale N), drives qrel in a pseudo-terminal at
# 80x24 and 200x60, measures a cold first screen (the page cache dropped where
# permitted, else the review's pages evicted), times the batch commands, and writes
# the figures beside their targets to RESULTS.md (or --out FILE). --review FILE runs on
# a review generated before (bench/generate; it is only read, the writes go to a copy),
# --session-only stops after the sessions and the cold start.
#   bench/run.sh BUILDDIR [--small | --scale N | --review FILE] [--session-only] [--out FILE]
set -eu

B=${1:?usage: bench/run.sh BUILDDIR [--small | --scale N | --review FILE] [--session-only] [--out FILE]}
shift
SIZE=""
SCALE=""
REVIEW=""
SESSION_ONLY=""
OUT="$(dirname "$0")/RESULTS.md"
while [ $# -gt 0 ]; do
	case $1 in
	--small) SIZE=--small ;;
	--scale) SCALE="--scale $2"; shift ;;
	--review) REVIEW=$2; shift ;;
	--session-only) SESSION_ONLY=1 ;;
	--out) OUT=$2; shift ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
QREL="$B/qrel"
W=$(mktemp -d /tmp/qrel-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME="$W" XDG_CONFIG_HOME="$W/config" XDG_DATA_HOME="$W/data"

secs() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.3f", b - a }'; }

t=$(secs)
if [ -n "$REVIEW" ]; then
	DBF=$REVIEW
	echo "  (generated before: $REVIEW)" >"$W/generate.log"
	# warm the page cache as a generated review is: the first screen once, unmeasured
	HARNESS_START_ONLY=1 "$B/bench/harness" 80x24 "$B/qrel" --db "$DBF" --as "Lead 00" >/dev/null || true
else
	DBF="$W/large.db"
	"$B/bench/generate" $SIZE $SCALE "$DBF" 2>"$W/generate.log"
fi
GEN_S=$(elapsed "$t")
LEAD="Lead 00"

# A series whose keys changed nothing measured nothing: the harness says which and
# exits 3; the figures are still written, and run.sh fails at the end.
UNMEASURED=0
for size in 80x24 200x60; do
	rc=0
	"$B/bench/harness" $size "$QREL" --db "$DBF" --as "$LEAD" >"$W/h${size%x*}.csv" || rc=$?
	case $rc in
	0) ;;
	3) UNMEASURED=1 ;;
	*) echo "run.sh: the $size session failed (qrel exited non-zero)" >&2; exit 1 ;;
	esac
done

# Cold start: the first screen with the review's pages out of memory (not for
# --small, which make check runs: it must not empty a shared machine's cache).
sync
if [ -n "$SIZE" ]; then
	COLD_HOW="not measured with --small"
elif (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
	COLD_HOW="page cache dropped (echo 3 > /proc/sys/vm/drop_caches)"
else
	python3 -c 'import os, sys
for p in sys.argv[1:]:
    if os.path.exists(p):
        fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' \
		"$DBF" "$DBF-wal" "$QREL"
	COLD_HOW="drop_caches not permitted: the review's and qrel's pages evicted with posix_fadvise"
fi
HARNESS_START_ONLY=1 "$B/bench/harness" 80x24 "$QREL" --db "$DBF" --as "$LEAD" >"$W/cold.csv" || true

RISK_S="not run"; AGREE_S="not run"; REPORT_S="not run"; FW_S="not run"; BACKUP_S="not run"
WRITE_MS="not run"; i=0; ROWS=1000000
if [ -z "$SESSION_ONLY" ]; then
# qrel risk on a 1,000,000-row canonical CSV (the small run uses 20,000).
ROWS=1000000
[ -n "$SIZE" ] && ROWS=20000
awk -v n="$ROWS" 'BEGIN { srand(7); print "site,year,metric,dimension,group,enrolled,count";
	for (i = 0; i < n; i++) { t = int(i / 13); e = int(rand() * 500) + 20;
		print "S" (t % 500) ",20" (10 + int(t / 500) % 10) ",m" int(t / 5000) ",race,G" (i % 13) "," e "," int(rand() * e * 0.2) } }' >"$W/risk.csv"
t=$(secs); "$QREL" risk "$W/risk.csv" >/dev/null; RISK_S=$(elapsed "$t")
t=$(secs); "$QREL" agree --db "$DBF" --as "$LEAD" >/dev/null; AGREE_S=$(elapsed "$t")
REPORT_S=NA
if "$QREL" report --help >/dev/null 2>&1; then
	t=$(secs); "$QREL" report --db "$DBF" --as "$LEAD" --format html -o "$W/report.html" >/dev/null; REPORT_S=$(elapsed "$t")
fi

# A framework of 10,000 clusters (the loader must stay linear; it once took 16 s).
awk 'BEGIN { print "[framework]\ncode = big\ntitle = Big\nversion = 1\n\n[scale]\nlevels = 3";
	for (l = 1; l <= 3; l++) print "label" l " = L" l "\ndescribe" l " = level " l;
	for (d = 1; d <= 4; d++) print "\n[domain " d "]\ntitle = Domain " d;
	for (i = 0; i < 10000; i++) { d = i % 4 + 1; print "\n[cluster " d "." int(i / 4) + 1 "]\ndomain = " d \
		"\ntitle = Cluster " i "\nlevel1 = one\nlevel2 = two\nlevel3 = three\ncriterion1 = c" } }' >"$W/big.ini"
t=$(secs); "$QREL" framework check "$W/big.ini" >/dev/null; FW_S=$(elapsed "$t")

# Writes and copies: the speed figures the crash and backup tests no longer assert.
t=$(secs); "$QREL" backup --db "$DBF" -o "$W/copy.db" >/dev/null; BACKUP_S=$(elapsed "$t")
WRITES=50
i=0
t=$(secs)
while [ "$i" -lt "$WRITES" ]; do	# i counts the writes that succeeded (the importer must be a member)
	printf 'site,source,author,valence,clusters,text\nS001,interview,%s,neutral,1.1,bench write %d\n' "$LEAD" "$i" >"$W/w.csv"
	"$QREL" import evidence --db "$W/copy.db" --as "$LEAD" "$W/w.csv" >/dev/null 2>&1 || break
	i=$((i + 1))
done
WRITE_MS=$(awk -v a="$t" -v b="$(secs)" -v n="$i" 'BEGIN { if (n) printf "%.1f", (b - a) * 1000 / n; else printf "NA (failed)" }')
fi

col() { awk -F, -v s="$2" -v c="$3" '$1 == s { print $c }' "$1"; }
row() { # series, what, target
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(col "$W/h80.csv" "$1" 3)" "$(col "$W/h80.csv" "$1" 4)" \
		"$(col "$W/h80.csv" "$1" 5)" "$(col "$W/h200.csv" "$1" 3)" "$(col "$W/h200.csv" "$1" 4)" \
		"$(col "$W/h200.csv" "$1" 5)" "$2"
}

{
	echo "# qrel benchmark results"
	echo
	echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -srm), $(nproc) cores," \
		"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown cpu)," \
		"$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory."
	echo "Review: ${REVIEW:-${SIZE:-large} $SCALE} ($(sed -n 's/^ *\([a-z, ]*\) *\([0-9]*\) in.*/\1 \2/p' "$W/generate.log" | tr '\n' ';' | sed 's/ \{2,\}/ /g'))"
	echo "generated in ${GEN_S} s; database $(du -m "$DBF" | cut -f1) MiB."
	echo
	echo "Latency is key sent to screen complete (qrel reports each finished update on a pipe);"
	echo "bytes are what qrel wrote to the terminal for that key."
	echo
	echo "| series | p50 ms 80x24 | p99 ms 80x24 | bytes median 80x24 | p50 ms 200x60 | p99 ms 200x60 | bytes median 200x60 | target |"
	echo "|---|---|---|---|---|---|---|---|"
	row start_first_screen "first screen <= 50 ms (warm page cache)"
	row overview_move "one-line move <= 100 B median, p99 <= 10 ms"
	row overview_scroll "a move that scrolls the list by a line; p99 <= 10 ms"
	row rubric_move "move + detail pane <= 1.2 KiB, p99 <= 10 ms"
	row site_switch "p99 <= 10 ms"
	row screen_switch "p99 <= 10 ms"
	row evidence_move "one-line move <= 100 B median, p99 <= 10 ms"
	row evidence_scroll "a move that scrolls the list by a line (a new row of text); p99 <= 10 ms"
	row evidence_page "page <= 1.5 KiB, p99 <= 10 ms"
	row search_first_page "first page <= 20 ms p99 (every match, the latest added first)"
	row search_relevance_page "o: the same search's first page, best match first (bm25 over every match; no target)"
	row subgroup_move "p99 <= 10 ms"
	row across_sites "v: the group at every site of the set; p99 <= 10 ms"
	echo
	echo "Of the bytes a key wrote, those that are text shown (the rest: escape sequences and controls):"
	echo
	echo "| series | bytes median 80x24 | text 80x24 | bytes median 200x60 | text 200x60 |"
	echo "|---|---|---|---|---|"
	for s in start_first_screen overview_move overview_scroll rubric_move evidence_move evidence_scroll evidence_page subgroup_move; do
		printf '| %s | %s | %s | %s | %s |\n' "$s" "$(col "$W/h80.csv" $s 5)" "$(col "$W/h80.csv" $s 8)" \
			"$(col "$W/h200.csv" $s 5)" "$(col "$W/h200.csv" $s 8)"
	done
	echo
	echo "Keys that changed nothing on the screen (a series with most of them fails):" \
		"$(awk -F, 'NR > 1 && $7 > 0 && $1 != "peak_rss_kib" { printf "%s %s; ", $1, $7 }' "$W/h80.csv")(80x24)" \
		"$(awk -F, 'NR > 1 && $7 > 0 && $1 != "peak_rss_kib" { printf "%s %s; ", $1, $7 }' "$W/h200.csv")(200x60)."
	echo
	echo "| measure | result | target |"
	echo "|---|---|---|"
	echo "| cold first screen, 80x24 ($COLD_HOW) | $(col "$W/cold.csv" start_first_screen 3) ms | beside the warm one |"
	echo "| peak resident memory (80x24 session) | $(col "$W/h80.csv" peak_rss_kib 5) KiB | <= 16 MiB |"
	echo "| peak resident memory (200x60 session) | $(col "$W/h200.csv" peak_rss_kib 5) KiB | <= 16 MiB |"
	echo "| qrel risk, $ROWS rows | ${RISK_S} s | <= 1 s (bench/risk.sh: memory) |"
	echo "| qrel agree --db, all team scores | ${AGREE_S} s | <= 0.5 s |"
	echo "| qrel report --format html | ${REPORT_S} s | <= 2 s |"
	echo "| qrel framework check, 10,000 clusters | ${FW_S} s | <= 1 s |"
	echo "| qrel backup of the review ($(du -m "$DBF" | cut -f1) MiB) while idle | ${BACKUP_S} s | <= 5 s |"
	echo "| one-note \`qrel import evidence\` (a process per write, $i writes) | ${WRITE_MS} ms each | <= 200 ms |"
	echo
	echo "Notes: the evidence series run on the list of every site's notes (F clears the rubric's"
	echo "filter), so every page key moves a page. evidence_move stays within the page (as"
	echo "overview_move); evidence_scroll moves past its last row, each key bringing in a new row."
	echo "The search series searches that whole list."
} >"$OUT"
cat "$OUT"
[ "$UNMEASURED" -eq 0 ] || { echo "run.sh: a series measured nothing (see above)" >&2; exit 1; }

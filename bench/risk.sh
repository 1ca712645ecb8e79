#!/bin/sh
# risk.sh BUILDDIR [ROWS...]: `qrel risk` time and peak memory on generated canonical
# CSVs (13 groups a table, each table's rows together, as exports give them), beside
# issue 18's targets: 1,000,000 rows <= 1 s; memory flat in the file's size, a 2 GB
# file under 64 MiB. Default sizes: 1,000,000, 10,000,000 and 72,000,000 rows (~2 GB).
# One more run reads the 1,000,000-row file with its tables' rows apart (the whole-file
# reader) and one through a pipe (copied to a temporary file first). Files are made in a
# temporary folder under /tmp and deleted at the end; the big one needs ~2 GB free twice
# over for the pipe run, which is only made on the smallest file.
set -eu
build=${1:?usage: bench/risk.sh BUILDDIR [ROWS...]}
shift
[ $# -gt 0 ] || set -- 1000000 10000000 72000000
qrel="$build/qrel"
W=$(mktemp -d /tmp/qrel-risk.XXXXXX)
trap 'rm -rf "$W"' EXIT

gen() { # ROWS APART
	awk -v n="$1" -v apart="$2" 'BEGIN { srand(7); print "site,year,metric,dimension,group,enrolled,count";
		for (i = 0; i < n; i++) {
			j = apart ? (i % 26) : 0	# apart: two tables interleaved row by row
			t = apart ? 2 * int(i / 26) + j % 2 : int(i / 13); g = apart ? int(j / 2) : i % 13
			e = int(rand() * 500) + 20
			print "S" (t % 500) ",20" (10 + int(t / 500) % 10) ",m" int(t / 5000) ",race,G" g "," e "," int(rand() * e * 0.2) } }'
}

# measure LABEL FILE [stdin]: one line of figures
measure() {
	label=$1 file=$2
	if [ "${3:-}" = pipe ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$W/time" sh -c 'cat "$1" | "$2" risk - >/dev/null' sh "$file" "$qrel"
	else
		/usr/bin/time -f '%e %U %S %M' -o "$W/time" "$qrel" risk "$file" >/dev/null
	fi
	read -r wall user sys rss <"$W/time"
	rows=$(($(wc -l <"$file") - 1))
	printf '| %s | %d | %d | %s | %s | %s | %d |\n' "$label" "$rows" $(($(stat -c %s "$file") / 1048576)) \
		"$wall" "$user" "$sys" "$rss"
}

echo "| run | rows | MiB | wall s | user s | sys s | peak RSS KiB |"
echo "|---|---|---|---|---|---|---|"
first=
for n in "$@"; do
	gen "$n" 0 >"$W/r.csv"
	measure "together (streamed)" "$W/r.csv"
	if [ -z "$first" ]; then
		first=1
		measure "together, through a pipe" "$W/r.csv" pipe
		gen "$n" 1 >"$W/a.csv"
		measure "tables' rows apart (read whole)" "$W/a.csv"
		rm -f "$W/a.csv"
	fi
	rm -f "$W/r.csv"
done
echo
echo "Targets: 1,000,000 rows <= 1 s; peak RSS flat in the file's size, <= 64 MiB at 2 GB."
echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end (wall time includes waiting for a core)."

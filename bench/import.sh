#!/bin/sh
# import.sh BUILDDIR [NOTES]: `qrel import evidence` of NOTES notes (default 200,000) beside
# bench/import_plain.py, a plain Python script doing the same inserts into a copy of the
# same review (note, its FTS5 index through the review's triggers, cluster links, change
# log), on the same CSV. Prints both times (wall and CPU), qrel's peak memory and the
# ratio; issue 18's target is a ratio of at least 3, memory flat in the file's size (so
# a run at a tenth of the size is shown too). Works in a temporary folder under /tmp.
set -eu
build=${1:?usage: bench/import.sh BUILDDIR [NOTES]}
n=${2:-200000}
qrel="$build/qrel"
here=$(dirname "$0")
W=$(mktemp -d /tmp/qrel-import.XXXXXX)
trap 'rm -rf "$W"' EXIT
lead="Ségolène Arceneaux"

"$qrel" sample --db "$W/base.db" >/dev/null
python3 - "$W/base.db" "$W/notes.csv" "$n" <<'PY'
import random, sqlite3, sys
random.seed(18)
db = sqlite3.connect(sys.argv[1])
clusters = [c for (c,) in db.execute("SELECT code FROM cluster")]
sites = [c for (c,) in db.execute("SELECT code FROM site")]
authors = [a for (a,) in db.execute("SELECT name FROM person WHERE role IN ('reviewer', 'lead')")]
words = ("students families counsellor enrolment subgroup tracked calls Spanish teachers grading reform "
         "attendance mentoring data meeting principal growth gap plan review").split()
sources = ["interview", "focus_group", "document_review", "site_observation", "survey"]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("site,source,author,valence,clusters,text\n")
    for i in range(int(sys.argv[3])):
        text = ""
        while len(text) < 115:
            text += random.choice(words) + " "
        f.write("%s,%s,%s,%s,%s,%d %s\n" % (sites[i % len(sites)], sources[i % 5], authors[i % len(authors)],
                ("strength", "growth", "neutral")[i % 3], ";".join(random.sample(clusters, 1 + i % 2)), i, text.strip()))
PY
head -n $((n / 10 + 1)) "$W/notes.csv" >"$W/tenth.csv"

# run LABEL COMMAND...: wall, user+sys and peak RSS into $W/LABEL.
run() {
	label=$1
	shift
	rm -f "$W/t.db" "$W/t.db-wal" "$W/t.db-shm"
	cp "$W/base.db" "$W/t.db"
	/usr/bin/time -f '%e %U %S %M' -o "$W/$label" "$@" >/dev/null
}
run qrel_tenth "$qrel" import evidence --db "$W/t.db" --as "$lead" "$W/tenth.csv"
run qrel "$qrel" import evidence --db "$W/t.db" --as "$lead" "$W/notes.csv"
test "$(sqlite3 "$W/t.db" "SELECT count(*) FROM note")" -ge "$n"
run plain python3 "$here/import_plain.py" "$W/t.db" "$W/notes.csv"

fig() { awk -v w="$2" '{ if (w == "wall") print $1; else if (w == "cpu") printf "%.2f", $2 + $3; else print $4 }' "$W/$1"; }
printf '| run | notes | wall s | CPU s | peak RSS KiB |\n|---|---|---|---|---|\n'
printf '| qrel import evidence | %d | %s | %s | %s |\n' $((n / 10)) "$(fig qrel_tenth wall)" "$(fig qrel_tenth cpu)" "$(fig qrel_tenth rss)"
printf '| qrel import evidence | %d | %s | %s | %s |\n' "$n" "$(fig qrel wall)" "$(fig qrel cpu)" "$(fig qrel rss)"
printf '| bench/import_plain.py | %d | %s | %s | %s |\n' "$n" "$(fig plain wall)" "$(fig plain cpu)" "$(fig plain rss)"
awk -v pw="$(fig plain wall)" -v qw="$(fig qrel wall)" -v pc="$(fig plain cpu)" -v qc="$(fig qrel cpu)" \
	'BEGIN { printf "\nratio plain/qrel: %.2f wall, %.2f CPU (target >= 3)\n", pw / qw, pc / qc }'
echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end."

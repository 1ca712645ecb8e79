#!/bin/sh
# sync_bytes.sh BUILDDIR: bytes on the wire for an incremental sync of n new notes (n = 1, 10, 1000)
# between two copies of the sample review, beside issue 18's target (at most twice the notes'
# text plus 2 KiB). Each note's text is about 120 bytes, as field notes are.
set -eu
build=${1:?usage: sync_bytes.sh BUILDDIR}
qrel="$build/qrel"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$qrel" sample --db "$t/a.db" >/dev/null
lead="Ségolène Arceneaux"
printf '%6s %10s %12s %14s %12s %s\n' notes text_bytes bundle_bytes bytes_per_note target_bytes within
for n in 1 10 1000; do
	rm -f "$t/b.db"
	"$qrel" backup --db "$t/a.db" -o "$t/b.db" >/dev/null
	"$qrel" sync export --db "$t/a.db" -o "$t/base.qb" --peer "b$n" --as "$lead" >/dev/null
	python3 - "$t/n.csv" "$n" <<'PY'
import random, sys
random.seed(int(sys.argv[2]))
words = ("students families counsellor enrolment subgroup tracked calls Spanish teachers grading reform "
         "attendance mentoring data meeting principal growth gap plan review").split()
with open(sys.argv[1], "w") as f:
    f.write("site,source,author,valence,clusters,text\n")
    for i in range(int(sys.argv[2])):
        text = ""
        while len(text) < 115:
            text += random.choice(words) + " "
        f.write("RHS,interview,José Ramírez,strength,1.1;2.2,%d %s\n" % (i, text.strip()))
PY
	"$qrel" import evidence --db "$t/a.db" --as "$lead" "$t/n.csv" >/dev/null
	text=$(tail -n +2 "$t/n.csv" | sed 's/^[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,//' | tr -d '\n' | wc -c)
	"$qrel" sync export --db "$t/a.db" -o "$t/n.qb" --peer "b$n" --as "$lead" >/dev/null
	bytes=$(stat -c %s "$t/n.qb")
	target=$((2 * text + 2048))
	"$qrel" sync import --db "$t/b.db" --as "$lead" "$t/n.qb" >/dev/null
	printf '%6d %10d %12d %14d %12d %s\n' "$n" "$text" "$bytes" $((bytes / n)) "$target" \
		"$([ "$bytes" -le "$target" ] && echo yes || echo NO)"
done

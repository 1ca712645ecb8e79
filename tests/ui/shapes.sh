#!/bin/sh
# shapes.sh: data from other tools, as files really come: spreadsheet CSV with a BOM,
# ';' and CRLF, Windows-1252 bytes, extra columns, level labels, ISO times with
# offsets, a KoboToolbox export through a mapping file, and scores one column per
# rater (R's irr layout) in and out. Each import is checked in the database.
. "$(dirname "$0")/lib.sh"

DB="$T/sample.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
R1="José Ramírez"
R2="Zoë Whitfield"
count() { sql "$DB" "$1"; }
rater_level() {
	sql "$DB" "SELECT coalesce(s.level, 'NE') FROM score s JOIN person p ON p.id = s.rater_id
		JOIN site t ON t.id = s.site_id JOIN cluster c ON c.id = s.cluster_id
		WHERE t.code = '$1' AND c.code = '$2' AND p.name = '$3' AND s.kind = 'team'"
}

# ---- Excel's "CSV UTF-8" in a ';' locale: BOM, CRLF, labels, an extra column ----
printf '\357\273\277site;cluster;rater;kind;level;rationale;Comment\r\n' >"$T/excel.csv"
printf 'RHS;1.1;%s;team;developing;"Gaps named; plan partial";x\r\n' "$R1" >>"$T/excel.csv"
printf 'RHS;1.2;%s;team;ESTABLISHED;;\r\n' "$R1" >>"$T/excel.csv"
"$QREL" import scores --db "$DB" --as "$LEAD" "$T/excel.csv" >"$T/out" 2>"$T/err"
check "BOM, ';' and CRLF import" test $? -eq 0
check "the extra column is one warning naming it" grep -q "excel.csv:1: warning: ignored 1 column not read here: 'Comment'" "$T/err"
check "'developing' is level 2 in the database" test "$(rater_level RHS 1.1 "$R1")" = 2
check "'ESTABLISHED' is level 3" test "$(rater_level RHS 1.2 "$R1")" = 3
check "the quoted ';' stays in the rationale" test "$(count "SELECT count(*) FROM score WHERE rationale = 'Gaps named; plan partial'")" = 1

# ---- Windows-1252, made with iconv ----
printf 'id,created_at,site,source,author,clusters,text\n' >"$T/utf8.csv"
printf 'c0000000-0000-4000-8000-000000000001,2026-03-04T10:15:30.250+02:00,RHS,interview,%s,1.1,"Élèves: « on nous écoute » – café"\n' "$R1" >>"$T/utf8.csv"
iconv -f UTF-8 -t CP1252 "$T/utf8.csv" >"$T/cp1252.csv"
notes=$(count "SELECT count(*) FROM note")
"$QREL" import evidence --db "$DB" --as "$LEAD" "$T/cp1252.csv" 2>"$T/err" >/dev/null
check "cp1252 without --encoding is refused" test $? -eq 1
check "with line, column and the way out" grep -q "cp1252.csv:2: column author: not valid UTF-8 (a file saved as Windows-1252 or Latin-1 needs --encoding cp1252)" "$T/err"
check "and nothing imported" test "$(count "SELECT count(*) FROM note")" = "$notes"
"$QREL" import evidence --db "$DB" --as "$LEAD" --encoding cp1252 "$T/cp1252.csv" >/dev/null
check "--encoding cp1252 imports it" test $? -eq 0
check "the text is UTF-8 in the database" test "$(count "SELECT text FROM note WHERE uuid = 'c0000000-0000-4000-8000-000000000001'")" = "Élèves: « on nous écoute » – café"
check "the time with a fraction and offset is kept in UTC" test "$(count "SELECT created_at FROM note WHERE uuid = 'c0000000-0000-4000-8000-000000000001'")" = 2026-03-04T08:15:30Z
printf 'code,name,kind\nS8,Oak,school\nS9,Elm\201,school\n' >"$T/bad1252.csv"
"$QREL" import sites --db "$DB" --as "$LEAD" --encoding cp1252 "$T/bad1252.csv" 2>"$T/err" >/dev/null
check "a byte cp1252 lacks is refused" test $? -eq 1
check "named by line and column" grep -q "bad1252.csv:3: column 2: not valid cp1252 text (byte 0x81)" "$T/err"
check "and no site was added" test "$(count "SELECT count(*) FROM site WHERE code IN ('S8', 'S9')")" = 0
"$QREL" import sites --db "$DB" --as "$LEAD" --encoding klingon "$T/bad1252.csv" 2>"$T/err" >/dev/null
check "an unknown encoding is a usage error" test $? -eq 2
check "naming it" grep -q "iconv does not know 'klingon'" "$T/err"
"$QREL" import sites --db "$DB" --as "$LEAD" --delimiter x "$T/bad1252.csv" 2>"$T/err" >/dev/null
check "a bad --delimiter is a usage error" test $? -eq 2

# Excel's "Unicode text": UTF-16 with a BOM, tab-separated, no --encoding needed
printf 'code\tname\tkind\r\nU1\tÉcole Zoë\tschool\r\n' | iconv -f UTF-8 -t UTF-16 >"$T/unicode.txt"
"$QREL" import sites --db "$DB" --as "$LEAD" "$T/unicode.txt" >/dev/null 2>"$T/err"
check "a UTF-16 file with its BOM imports" test $? -eq 0
check "its name is UTF-8 in the database" test "$(count "SELECT name FROM site WHERE code = 'U1'")" = "École Zoë"

# findings from the same kind of spreadsheet
printf 'kind;cluster;text\r\ngrowth;1.1;"Les élèves « invisibles »"\r\n' | iconv -f UTF-8 -t CP1252 >"$T/findings.csv"
"$QREL" findings import --db "$DB" --as "$LEAD" --encoding cp1252 "$T/findings.csv" >/dev/null 2>"$T/err"
check "findings import takes --encoding and ';'" test $? -eq 0
check "the finding's text is UTF-8" test "$(count "SELECT count(*) FROM finding WHERE text = 'Les élèves « invisibles »'")" = 1

# ---- a KoboToolbox export through a mapping file ----
cat >"$T/kobo.ini" <<EOF
; KoboToolbox "School visit": for each of our columns, the export's
[columns]
site = group_visit/site
source = group_visit/source_type
clusters = group_visit/clusters
text = group_visit/note
created_at = _submission_time
id = _uuid
[values]
author = $R2
source = site_observation
EOF
{
	printf 'start;end;group_visit/site;group_visit/source_type;group_visit/clusters;group_visit/note;_id;_uuid;_submission_time;_validation_status;__version__;_index\n'
	printf '2026-03-04T10:15:30.250+02:00;2026-03-04T10:45:00.000+02:00;RHS;focus_group;1.1 1.2;"Students said ""we feel heard""";101;4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab;2026-03-04T08:50:12;;vX;1\n'
	printf '2026-03-05T09:00:00.000+02:00;;RHS;;1.3;Hall displays in three languages;102;5f1c2d3e-aaaa-4bbb-8ccc-0123456789ab;2026-03-05T07:01:02;;vX;2\n'
} >"$T/export.csv"
"$QREL" import evidence --db "$DB" --as "$LEAD" --mapping "$T/kobo.ini" "$T/export.csv" >"$T/out" 2>"$T/err"
check "the Kobo export imports" test $? -eq 0
check "two new notes" grep -q "2 new" "$T/out"
check "Kobo's own columns are one warning" grep -q "warning: ignored 6 columns not read here: 'start', 'end', '_id', '_validation_status', '__version__', '_index'" "$T/err"
check "the note is in the database as the export says" test "$(count "SELECT source || '|' || created_at || '|' || text FROM note WHERE uuid = '4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab'")" = 'focus_group|2026-03-04T08:50:12Z|Students said "we feel heard"'
check "the multiple choice gave two clusters" test "$(count "SELECT count(*) FROM note_cluster nc JOIN note n ON n.id = nc.note_id WHERE n.uuid LIKE '4f1c2d3e%'")" = 2
check "an empty source takes the mapping's value, author the fixed one" test "$(count "SELECT n.source || '|' || p.name FROM note n JOIN person p ON p.id = n.author_id WHERE n.uuid LIKE '5f1c2d3e%'")" = "site_observation|$R2"
"$QREL" import evidence --db "$DB" --as "$LEAD" --mapping "$T/kobo.ini" "$T/export.csv" >"$T/out" 2>/dev/null
check "the same export again adds nothing" grep -q "0 new, 0 updated, 2 unchanged" "$T/out"
sed 's|group_visit/site$|group_visit/sitio|' "$T/kobo.ini" >"$T/typo.ini"
"$QREL" import evidence --db "$DB" --as "$LEAD" --mapping "$T/typo.ini" "$T/export.csv" 2>"$T/err" >/dev/null
check "a mapped column the export lacks is refused" test $? -eq 1
check "naming both files" grep -q "export.csv:1: no column 'group_visit/sitio' (.*typo.ini:3 maps site to it)" "$T/err"

# ---- scores one column per rater, in and out ----
"$QREL" scores --db "$DB" --as "$LEAD" --layout wide --bom >"$T/wide.csv"
check "--bom starts the CSV with a byte order mark" test "$(head -c 3 "$T/wide.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
check "the wide header names the raters" sh -c "head -n 1 '$T/wide.csv' | grep -q 'site,cluster,kind,.*$R1.*,$R2'"
check "one row per site and cluster with team scores" test "$(($(wc -l <"$T/wide.csv") - 1))" = \
	"$(count "SELECT count(DISTINCT site_id || '/' || cluster_id) FROM score WHERE kind = 'team'")"
"$QREL" import scores --db "$DB" --as "$LEAD" --layout wide "$T/wide.csv" >"$T/out" 2>"$T/err"
check "the wide file imports back unchanged" sh -c "grep -q ' 0 new, 0 updated, ' '$T/out'"
printf 'site;cluster;%s;%s\nRHS;1.1;Initiating;NA\nRHS;1.2;7;2\n' "$R1" "$R2" >"$T/wide-bad.csv"
"$QREL" import scores --db "$DB" --as "$LEAD" --layout wide "$T/wide-bad.csv" 2>"$T/err" >/dev/null
check "a bad cell is refused" test $? -eq 1
check "naming the rater's column and the line" grep -q "wide-bad.csv:3: column '$R1' (level): must be a level from 1 to 3" "$T/err"
check "and nothing changed" test "$(rater_level RHS 1.1 "$R1")" = 2

# agree: irr's layout gives the same figures as the long one
printf '"","r1","r2","r3"\n"1",1,1,2\n"2",2,2,2\n"3",3,NA,3\n"4",1,2,1\n' >"$T/irr.csv"
printf 'unit,rater,score\n1,r1,1\n1,r2,1\n1,r3,2\n2,r1,2\n2,r2,2\n2,r3,2\n3,r1,3\n3,r3,3\n4,r1,1\n4,r2,2\n4,r3,1\n' >"$T/long.csv"
"$QREL" agree --layout wide "$T/irr.csv" >"$T/wide.out"
"$QREL" agree "$T/long.csv" >"$T/long.out"
check "agree --layout wide matches the long file" cmp -s "$T/wide.out" "$T/long.out"
check "4 units, 3 raters" grep -q '^4,3,' "$T/wide.out"
# labels from a framework's scale
sed 's/,1$/,Initiating/; s/,2$/,developing/; s/,3$/,ESTABLISHED/' "$T/long.csv" >"$T/labels.csv"
check "the ratings are labels now" test "$(grep -c ',Initiating$\|,developing$\|,ESTABLISHED$' "$T/labels.csv")" = 11
"$QREL" agree --framework "$QREL_DATADIR/frameworks/qrel-equity.ini" "$T/labels.csv" >"$T/labels.out"
check "agree --framework reads its labels as levels" cmp -s "$T/labels.out" "$T/long.out"
"$QREL" agree "$T/labels.csv" 2>"$T/err" >/dev/null
check "without it a label says what it needs" grep -q "'Initiating' is not a whole number (a label needs --framework FILE.ini)" "$T/err"
printf 'r1\tr2\n1\t1\n2\tx\n' >"$T/irr-bad.tsv"
"$QREL" agree --layout wide "$T/irr-bad.tsv" 2>"$T/err" >/dev/null
check "a bad rating names the rater's column and line" grep -q "irr-bad.tsv:3: column 'r2' (score): 'x' is not a whole number" "$T/err"

finish

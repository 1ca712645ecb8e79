#!/bin/sh
# cli.sh: the non-interactive commands: help, init, framework check, store checks and refusals.
. "$(dirname "$0")/lib.sh"

FW="$QREL_DATADIR/frameworks/qrel-equity.ini"
BAD="$QREL_DATADIR/tests/unit/fixtures/fw-bad.ini"
DB="$T/new/review.db"

check "--version prints the version" sh -c "'$QREL' --version | grep -q '^qrel [0-9]'"
check "--help lists the commands and config keys" sh -c "'$QREL' --help | grep -q 'min_display'"
check "unknown command is a usage error (2)" sh -c "'$QREL' frobnicate >/dev/null 2>&1; test \$? -eq 2"
check "init --help works" sh -c "'$QREL' init --help | grep -q 'usage: qrel init'"

check "framework check accepts the shipped framework" "$QREL" framework check "$FW"
"$QREL" framework check "$BAD" 2>"$T/err" >/dev/null
check "framework check of a bad file fails" test $? -eq 1
check "bad framework: problem named with file and line" grep -q 'fw-bad.ini:25: unknown key' "$T/err"
check "bad framework: missing descriptor named" grep -q "has no 'level2'" "$T/err"

check "init creates a review" "$QREL" init --db "$DB" --framework "$FW" --review "Test review" --district "Testville"
check "database file is private (0600)" test "$(stat -c %a "$DB")" = 600
check "its folder is private (0700)" test "$(stat -c %a "$T/new")" = 700
check "init refuses a second review" sh -c "! '$QREL' init --db '$DB' --framework '$FW' --review again 2>/dev/null"
check "16+ clusters stored" test "$(sql "$DB" 'SELECT count(*) FROM cluster')" -ge 14
check "one descriptor per cluster per level" test "$(sql "$DB" 'SELECT count(*) FROM cluster')" -eq \
	"$(sql "$DB" 'SELECT count(*) / 3 FROM descriptor')"
check "check passes on a new database" "$QREL" check --db "$DB"

"$QREL" framework export --db "$DB" -o "$T/export.ini"
check "exported framework passes framework check" "$QREL" framework check "$T/export.ini"

sql "$DB" "PRAGMA user_version = 99"
"$QREL" check --db "$DB" 2>"$T/err"
check "a newer database is refused" test $? -eq 1
check "refusal says newer and names the file" grep -q "review.db: schema version 99 is newer" "$T/err"
check "the newer database was not touched" test "$(sql "$DB" 'PRAGMA user_version')" = 99

printf 'not a database at all, only text\n%.0s' $(seq 1 40) >"$T/junk.db"
"$QREL" check --db "$T/junk.db" 2>"$T/err"
check "a corrupt file is refused" test $? -eq 1
check "corrupt file message names it" grep -q "junk.db" "$T/err"

"$QREL" check --db "$T/missing.db" 2>"$T/err"
check "a missing database is an error" test $? -eq 1
check "no file is created for a missing database" test ! -e "$T/missing.db"
"$QREL" --db "$T/typo.db" --as x 2>"$T/err"
check "the screens refuse a missing database (exit 1)" test $? -eq 1
check "and say how to create one" grep -q "typo.db: no such database (create one with .qrel init.)" "$T/err"
check "without leaving a file behind" test ! -e "$T/typo.db"

echo "my own notes, not qrel's" >"$T/sample.db.new"
sample_db "$T/sample.db"
check "sample review builds" test -s "$T/sample.db"
check "building it leaves a file named like its temporary alone" test "$(cat "$T/sample.db.new")" = "my own notes, not qrel's"
check "and leaves no temporary behind" test "$(ls "$T" | grep -c '^sample\.db\.')" = 1
check "the sample database is private (0600)" test "$(stat -c %a "$T/sample.db")" = 600
check "sample has 6 schools and a district office" test \
	"$(sql "$T/sample.db" "SELECT count(*) FROM site WHERE kind = 'school'")" = 6
check "sample has 150+ evidence notes" test "$(sql "$T/sample.db" 'SELECT count(*) FROM note')" -ge 150
check "sample passes qrel check" "$QREL" check --db "$T/sample.db"

# --level takes the framework's label as import does; an unknown one is refused.
R="José Ramírez"
"$QREL" score --db "$T/sample.db" --as "$R" --site RHS --cluster 1.2 --level developing >"$T/out"
check "score --level Developing stores level 2" test "$(sql "$T/sample.db" "SELECT s.level FROM score s \
	JOIN person p ON p.id = s.rater_id JOIN cluster c ON c.id = s.cluster_id JOIN site si ON si.id = s.site_id \
	WHERE p.name = '$R' AND c.code = '1.2' AND si.code = 'RHS' AND s.kind = 'team'")" = 2
check "and says the level" grep -q "RHS 1.2 team score by $R: 2" "$T/out"
"$QREL" score --db "$T/sample.db" --as "$R" --site RHS --cluster 1.2 --level Thriving 2>"$T/err" >/dev/null
check "an unknown label is a usage error" test $? -eq 2
check "naming the label" grep -q "its label, NE or 0 (to clear), not 'Thriving'" "$T/err"

# risk reads a semicolon, Windows-1252 export as import does.
printf 'site;year;metric;dimension;group;enrolled;count\nRHS;2024;oss;race;Am\351rica;400;40\nRHS;2024;oss;race;Other;600;12\n' >"$T/risk.csv"
"$QREL" risk --delimiter ';' --encoding cp1252 "$T/risk.csv" >"$T/out"
check "risk --delimiter ';' --encoding cp1252 reads the file" grep -q "^RHS,2024,oss,race,América,400,40," "$T/out"
"$QREL" risk "$T/risk.csv" 2>"$T/err" >/dev/null
check "without --encoding the same file is refused" test $? -ne 0
"$QREL" risk --delimiter x "$T/risk.csv" 2>"$T/err" >/dev/null
check "risk --delimiter x is a usage error" test $? -eq 2
"$QREL" risk --encoding no-such "$T/risk.csv" 2>"$T/err" >/dev/null
check "risk --encoding no-such is a usage error naming iconv" grep -q "iconv does not know 'no-such'" "$T/err"

printf '[display]\ncolor = purple\n' >"$XDG_CONFIG_HOME/bad.ini"
"$QREL" check --db "$T/sample.db" --config "$XDG_CONFIG_HOME/bad.ini" 2>"$T/err" >/dev/null
check "a bad config value is reported with file and line" grep -q "bad.ini:2: \[display\] color" "$T/err"

# A verb's unknown option: getopt's message names the whole command (not "add:"), exit 2.
for verb in "evidence add" "evidence list" "evidence restore" "activity plan" "activity done" "document cite" \
	"plan add-objective" "plan steps" "findings cite" "recommendations add"; do
	"$QREL" $verb --no-such-option >/dev/null 2>"$T/err"
	rc=$?
	check "qrel $verb --no-such-option: 'qrel $verb: unrecognized option', exit 2" sh -c \
		"test $rc -eq 2 && grep -q \"^qrel $verb: unrecognized option '--no-such-option'\" '$T/err'"
done

finish

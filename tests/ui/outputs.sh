#!/bin/sh
# outputs.sh: outputs never clobber data and inputs are checked at the door:
# -o onto the database (by name, symlink, hard link, its -wal), onto another
# database or one a running qrel holds open; formulas in every CSV path; control
# sequences in notes never reach the terminal; the plan in Markdown escaped;
# text that is not UTF-8 refused; the screens without a usable terminal.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
"$QREL" check --db "$DB" >/dev/null
cp "$DB" "$T/before.db"
cp "$DB" "$T/other.db"
cp "$DB" "$T/other-before.db"
ln -s "$DB" "$T/symlink.db"
ln "$DB" "$T/hardlink.db"

# unchanged: the database is byte for byte what it was, and checks ok.
unchanged() { cmp -s "$DB" "$T/before.db" && "$QREL" check --db "$DB" >/dev/null 2>&1; }

# refused NAME COMMAND...: the command fails with a message naming the refusal.
refused() {
	name=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	status=$?
	if [ "$status" -ne 0 ] && grep -q "refusing" "$T/err" && unchanged; then
		ok "$name"
	else
		not_ok "$name" "exit $status" "$(cat "$T/err")"
	fi
}

for target in "$DB" "$T/symlink.db" "$T/hardlink.db" "$DB-wal" "$T/other.db"; do
	what=$(basename "$target")
	refused "report -o $what is refused" "$QREL" report --db "$DB" --as "$LEAD" --format html -o "$target"
	refused "report --format csv -o $what is refused" "$QREL" report --db "$DB" --as "$LEAD" --format csv -o "$target"
	refused "sync export -o $what is refused" "$QREL" sync export --db "$DB" --all -o "$target"
	refused "backup -o $what is refused" "$QREL" backup --db "$DB" -o "$target"
	refused "framework export -o $what is refused" "$QREL" framework export --db "$DB" -o "$target"
done
refused "sample --db onto an existing review is refused" "$QREL" sample --db "$DB"
refused "--force never writes over the open database" "$QREL" backup --db "$DB" -o "$T/symlink.db" --force
refused "--force never writes over its hard link" "$QREL" report --db "$DB" --as "$LEAD" --format html -o "$T/hardlink.db" --force
check "the symlink is still a symlink to the database" test "$(readlink "$T/symlink.db")" = "$DB"
check "the other database was not touched" cmp -s "$T/other.db" "$T/other-before.db"
"$QREL" report --db "$DB" --as "$LEAD" --format html -o "$T/other.db" >/dev/null 2>"$T/err"
check "the refusal says how to replace a database on purpose" grep -q -- "--force" "$T/err"
refused "-o naming a database's journal is refused" "$QREL" report --db "$DB" --as "$LEAD" --format html -o "$T/other.db-journal"
check "no journal was left beside the other database" test ! -e "$T/other.db-journal"

# A database another qrel has open: refused, even with --force, and left whole.
start --db "$T/other.db" --as "$LEAD"
wait_for "Review overview" >/dev/null
refused "backup onto a database open in qrel is refused" "$QREL" backup --db "$DB" -o "$T/other.db"
"$QREL" backup --db "$DB" -o "$T/other.db" --force >/dev/null 2>"$T/err"
status=$?
check "even with --force (exit $status): it is in use" grep -q "in use" "$T/err"
refused "sync export --force onto it is refused too" "$QREL" sync export --db "$DB" --all --force -o "$T/other.db"
check "the open database is untouched and checks ok" sh -c "cmp -s '$T/other.db' '$T/other-before.db' &&
	'$QREL' check --db '$T/other.db' >/dev/null"
check "the qrel that holds it still runs" wait_for "Review overview"
keys q
wait_exit >/dev/null

# Closed again: --force replaces it through a temporary file and rename.
"$QREL" backup --db "$DB" -o "$T/other.db" --force >/dev/null 2>"$T/err"
check "backup --force replaces a database no one has open" test $? -eq 0
check "the replaced copy checks ok" "$QREL" check --db "$T/other.db"
check "no temporary file is left beside it" sh -c "! ls '$T' | grep -q 'tmp'"
"$QREL" report --db "$DB" --as "$LEAD" -o "$T/report.html" >/dev/null && "$QREL" report --db "$DB" --as "$LEAD" -o "$T/report.html" >/dev/null
check "a report replaces an earlier report" test $? -eq 0
check "the database survived every attempt" unchanged

# Formulas: every CSV path writes a leading ' before = + - @.
F="=cmd|' /C calc'!A0"
"$QREL" evidence add --db "$DB" --as "$LEAD" --site RHS --source interview --cluster 1.1 --valence growth \
	"$F formula note" >/dev/null
"$QREL" score --db "$DB" --as "$LEAD" --site RHS --cluster 1.2 --level 2 --rationale "$F rationale" >/dev/null
"$QREL" activity add --db "$DB" --as "$LEAD" --site RHS --source interview --at 2026-03-01 "$F activity" >/dev/null
"$QREL" plan add-objective --db "$DB" --as "$LEAD" --title "$F objective" >/dev/null
OBJ=$(sql "$DB" "SELECT position FROM objective WHERE title LIKE '=cmd%'")
"$QREL" plan add-step --db "$DB" --as "$LEAD" --objective "$OBJ" --step "@SUM(1+1) step" >/dev/null
printf 'site,year,metric,dimension,group,enrolled,count\nS,2024,oss,race,%s,100,10\nS,2024,oss,race,B,100,5\n' \
	"-2+3" >"$T/risk.csv"
"$QREL" evidence list --db "$DB" --as "$LEAD" --format csv >"$T/ev.csv"
"$QREL" activity list --db "$DB" --as "$LEAD" --format csv >"$T/act.csv"
"$QREL" scores --db "$DB" --as "$LEAD" --format csv >"$T/scores.csv"
"$QREL" plan --db "$DB" --as "$LEAD" --format csv >"$T/plan.csv"
"$QREL" plan steps --db "$DB" --as "$LEAD" --format csv >"$T/steps.csv"
"$QREL" report --db "$DB" --as "$LEAD" --format csv --quotes 12 >"$T/report.csv"
"$QREL" risk --format csv --min-cell 0 --min-n 0 "$T/risk.csv" >"$T/risk.out"
for f in ev act scores plan steps report; do
	check "$f CSV holds the text with a leading '" grep -q "'=cmd|" "$T/$f.csv"
	check "$f CSV has no field starting with =" sh -c "! grep -q -e '^=' -e ',=' -e ',\"=' '$T/$f.csv'"
done
check "plan steps CSV guards @" grep -q "'@SUM" "$T/steps.csv"
check "risk CSV guards a group named -2+3" grep -q "'-2+3" "$T/risk.out"
check "risk CSV keeps its numbers as numbers" grep -q ",100,10," "$T/risk.out"

# Control sequences: an OSC 52 (set the clipboard) in a note, a CSI and a bidi override.
OSC=$(printf '\033]52;c;aGk=\a')
"$QREL" evidence add --db "$DB" --as "$LEAD" --site RHS --source interview --cluster 1.1 \
	"clipboard ${OSC} then $(printf '\302\233')31m and $(printf '\342\200\256')reversed" >/dev/null
noesc() { ! LC_ALL=C grep -q "$(printf '[\033\a]')" "$1" && ! LC_ALL=C grep -q "$(printf '\302\233')" "$1"; }
"$QREL" evidence list --db "$DB" --as "$LEAD" --search clipboard >"$T/list.out"
check "evidence list shows the note" grep -q "clipboard" "$T/list.out"
check "evidence list prints no ESC, BEL or CSI byte" noesc "$T/list.out"
check "the escape shows as a visible mark" grep -qF 'clipboard ^[]52;c;aGk=^G' "$T/list.out"
"$QREL" evidence list --db "$DB" --as "$LEAD" --search clipboard --format json >"$T/list.json"
check "JSON escapes it (\\u001b) instead" grep -qF '\u001b]52' "$T/list.json"
check "JSON prints no raw control byte" noesc "$T/list.json"
for fmt in md html csv json; do
	"$QREL" report --db "$DB" --as "$LEAD" --format $fmt --quotes 12 >"$T/r.$fmt"
	check "report $fmt holds no ESC, BEL or CSI byte" noesc "$T/r.$fmt"
done

# The plan in Markdown is escaped like the rest of the report.
"$QREL" plan add-objective --db "$DB" --as "$LEAD" --title '\<img src=x onerror=alert(1)>' >/dev/null
"$QREL" report --db "$DB" --as "$LEAD" --format md -o "$T/plan.md" >/dev/null
"$QREL" plan --db "$DB" --as "$LEAD" >"$T/plan-stdout.md"
check "the report's plan section holds the title" grep -q 'img src=x' "$T/plan.md"
check "no <img tag survives in the Markdown report" sh -c "! grep -q '<img' '$T/plan.md'"
check "nor in qrel plan's Markdown" sh -c "! grep -q '<img' '$T/plan-stdout.md'"
check "the backslash is escaped too" grep -qF '\\&lt;img' "$T/plan.md"

# Text that is not UTF-8 is refused at the door and not stored.
notes=$(sql "$DB" "SELECT count(*) FROM note")
"$QREL" score --db "$DB" --as "$LEAD" --site RHS --cluster 1.3 --level 3 --rationale "$(printf 'bad \377 byte')" \
	>/dev/null 2>"$T/err"
check "--rationale not UTF-8: exit 2 ($?)" test $? -eq 2
check "the message names --rationale" grep -q -- "--rationale: not valid UTF-8" "$T/err"
check "the score was not stored" test "$(sql "$DB" "SELECT count(*) FROM score s JOIN cluster c ON c.id = s.cluster_id
	WHERE c.code = '1.3' AND s.level = 3 AND s.rationale LIKE 'bad%'")" = 0
"$QREL" evidence add --db "$DB" --as "$LEAD" --site RHS --source interview --cluster 1.1 \
	"$(printf 'cut \342\202 here')" >/dev/null 2>"$T/err"
check "a note not UTF-8 is refused ($?)" grep -q "note's text: not valid UTF-8" "$T/err"
printf 'from stdin \300\257' | "$QREL" evidence add --db "$DB" --as "$LEAD" --site RHS --source interview \
	--cluster 1.1 - >/dev/null 2>"$T/err"
check "standard input not UTF-8 is refused" grep -q "standard input: not valid UTF-8" "$T/err"
head -c 1100000 /dev/zero | tr '\0' 'a' | "$QREL" evidence add --db "$DB" --as "$LEAD" --site RHS \
	--source interview --cluster 1.1 - >/dev/null 2>"$T/err"
check "a note over the limit is refused, not cut" grep -q "more than the 1048576 allowed" "$T/err"
check "no note was stored" test "$(sql "$DB" "SELECT count(*) FROM note")" = "$notes"

# The screens: the note with the OSC 52 shows its marks; text back from $VISUAL is checked too.
printf '#!/bin/sh\nprintf "bad \\377 byte\\n" >>"$1"\n' >"$T/bad-editor"
chmod +x "$T/bad-editor"
START_ENV="VISUAL=$T/bad-editor" start 160x30 --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence:" >/dev/null
keys /
keys -l clipboard
keys Enter
check "the evidence screen shows the escape as marks" wait_for "clipboard ^[]52;c;aGk=^G"
keys F
keys a
wait_for "New note" >/dev/null
keys C-e
check "text from the editor that is not UTF-8 is refused" wait_for "not valid UTF-8"
keys Escape
keys Q
wait_exit >/dev/null
check "no note was stored from the editor" test "$(sql "$DB" "SELECT count(*) FROM note")" = "$notes"

# The report screen's export takes the same check: never onto the open database.
start 160x30 --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys P
wait_for "Discuss" >/dev/null
keys x h
wait_for "Save the html report to" >/dev/null
keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
keys -l "$DB"
keys Enter
check "the screens refuse to export the report onto the database" wait_for "Report not written"
keys q
keys Q
wait_exit >/dev/null
check "which is still the review" "$QREL" check --db "$DB"

# The screens need a terminal that can place the cursor.
timeout 10 "$QREL" --db "$DB" </dev/null >"$T/out" 2>"$T/err"
status=$?
check "qrel </dev/null exits 1 at once ($status)" test "$status" -eq 1
check "and says it needs a terminal" grep -q "need a terminal" "$T/err"
START_ENV="TERM=dumb" START_WRAP="timeout 10" start --db "$DB"
status=$(wait_exit 15)
check "TERM=dumb qrel exits 1 at once ($status)" test "$status" = 1
check "and says the terminal cannot move the cursor" wait_for "cannot move the cursor"

finish

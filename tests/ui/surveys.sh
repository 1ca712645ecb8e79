#!/bin/sh
# surveys.sh: fieldwork in the sample review: an activity planned and marked
# done (the overview counts both per site), the documents still outstanding,
# the survey screen at a school (small groups withheld, response rates, by
# group), and a note written from a survey item; screen and database checked.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
REVIEWER=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")

# Plan an activity at WES, then mark it done, from the command line.
OUT=$("$QREL" activity plan --db "$DB" --as "$LEAD" --site WES --source interview --at 2026-04-21 \
	--reviewers "$REVIEWER" "Interview with the counsellor")
ID=${OUT#planned activity }
check "activity plan stores a planned activity with its reviewers" \
	test "$(sql "$DB" "SELECT status || '|' || reviewers FROM activity WHERE id = $ID")" = "planned|$REVIEWER"
check "a planned reviewer must be a member" sh -c "! '$QREL' activity plan --db '$DB' --as '$LEAD' --site WES \
	--source interview --at 2026-04-22 --reviewers Nobody x 2>/dev/null"

row() { screen | grep -F -- "$1" | head -n 1; }

# The overview: activities done and planned per site, from the database.
start 100x30 --db "$DB" --as "$LEAD"
check "the overview shows activities done and planned" wait_for "Done Plan"
for site in WES RHS; do
	D=$(sql "$DB" "SELECT count(*) FROM activity a JOIN site s ON s.id = a.site_id WHERE s.code = '$site' AND status = 'done'")
	P=$(sql "$DB" "SELECT count(*) FROM activity a JOIN site s ON s.id = a.site_id WHERE s.code = '$site' AND status = 'planned'")
	case "$(row "$site  ")" in
	*" $D    $P "*) ok "$site: $D done, $P planned" ;;
	*) not_ok "$site: $D done, $P planned" "row: $(row "$site  ")" ;;
	esac
done
REQ=$(sql "$DB" "SELECT count(*) FROM document WHERE status = 'requested'")
REC=$(sql "$DB" "SELECT count(*) FROM document WHERE status = 'received'")
check "documents outstanding counted as in the register" \
	wait_for "Documents outstanding: $REQ requested, $REC received not yet reviewed"
check "the overview lists a document still to come in, with its request date and site" \
	wait_for "requested 2026-01-20 RHS  AP and honours enrolment by student group"
keys Q
wait_exit >/dev/null

check "activity done marks it done" "$QREL" activity done --db "$DB" --as "$REVIEWER" "$ID"
check "the change is logged" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE entity = 'activity' \
	AND field = 'status' AND old = 'planned' AND new = 'done'")" = 1
check "marking it done twice is refused" sh -c "! '$QREL' activity done --db '$DB' --as '$LEAD' $ID 2>/dev/null"
check "the outstanding list names an undelivered document" sh -c \
	"'$QREL' document list --db '$DB' --as '$LEAD' --outstanding | grep -q 'AP and honours enrolment'"

# The register from the command line: add, receive (today's date), cite from a note.
OUT=$("$QREL" document add --db "$DB" --as "$REVIEWER" --site RHS --title "Master schedule 2025-26" \
	--owner "RHS counselling office" --requested 2026-02-20)
DOC=${OUT#added document }
check "document add stores it as requested" \
	test "$(sql "$DB" "SELECT status || '|' || requested_at FROM document WHERE id = $DOC")" = "requested|2026-02-20"
check "document set --status received" "$QREL" document set --db "$DB" --as "$REVIEWER" "$DOC" --status received
check "received today (the clock of the test)" \
	test "$(sql "$DB" "SELECT status || '|' || received_at FROM document WHERE id = $DOC")" = "received|2026-03-02"
NOTE=$(sql "$DB" "SELECT min(n.id) FROM note n JOIN site s ON s.id = n.site_id WHERE s.code = 'RHS' AND n.deleted_at IS NULL")
check "document cite --note" "$QREL" document cite --db "$DB" --as "$REVIEWER" "$DOC" --note "$NOTE"
check "the citation is stored" test "$(sql "$DB" "SELECT count(*) FROM note_document WHERE document_id = $DOC AND note_id = $NOTE")" = 1
check "document list --site RHS shows it with its note" sh -c \
	"'$QREL' document list --db '$DB' --as '$LEAD' --site RHS | grep -q '^$DOC,RHS,Master schedule 2025-26,.*,received,2026-02-20,2026-03-02,,1$'"

# The survey screen at RHS (sites in code order: DO EHS HMS MMS OES RHS).
start 100x30 --db "$DB" --as "$REVIEWER"
wait_for "Review overview" >/dev/null
keys U
check "U opens the survey screen" wait_for "Surveys at DO"
check "a site without results says how to reach one that has them" wait_for "No survey results at this site: ] shows the next one"
keys ']' ']' ']' ']' ']'
check "] steps to RHS" wait_for "Surveys at RHS Riverbend High School, by item: 17 results"
case "$(row "I feel like I belong")" in
*"Students"*"806"*"58%  1.5"*) ok "belonging: all students, 806 responses, 58% favourable, cluster 1.5" ;;
*) not_ok "belonging row" "row: $(row "I feel like I belong")" ;;
esac
case "$(row "Newcomers")" in
*" 4 "*" *   3.1"*) ok "4 newcomers: favourable share withheld" ;;
*) not_ok "4 newcomers: favourable share withheld" "row: $(row "Newcomers")" ;;
esac
case "$(row "Support staff")" in
*" 6 "*" *   2.2"*) ok "6 support staff: withheld" ;;
*) not_ok "6 support staff: withheld" "row: $(row "Support staff")" ;;
esac
check "withheld rows explained" wait_for "* withheld: fewer than 10 respondents"
check "response rates under the table" \
	wait_for "Student climate survey, Students (RHS): 812 of 1804 invited responded (45%)"

check "the selected item in full under the table" \
	wait_for "Student climate survey: I feel like I belong at this school — Students"

# n on the first row: a survey note tagged to the item's cluster.
keys n
check "n writes a note citing the survey item" wait_for "citing the survey item"
N=$(sql "$DB" "SELECT count(*) FROM note n JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id
	JOIN person p ON p.id = n.author_id WHERE n.source = 'survey' AND c.code = '1.5' AND p.name = '$REVIEWER'
	AND n.text = 'Student climate survey: I feel like I belong at this school (Students, RHS): 58% favourable of 806'")
check "the note is in the database, by the reviewer, tagged 1.5" test "$N" = 1

# A withheld row is not quoted.
keys j j j j j j j j j j
wait_for "Newcomers" >/dev/null
BEFORE=$(sql "$DB" "SELECT count(*) FROM note WHERE source = 'survey'")
keys n
check "a withheld row cannot be quoted" wait_for "too few respondents"
check "no note was written" test "$(sql "$DB" "SELECT count(*) FROM note WHERE source = 'survey'")" = "$BEFORE"

keys v
check "v shows the results by group" wait_for "Surveys at RHS Riverbend High School, by group"
check "by group: the groups lead the rows" wait_line 5 "Families"
# Across sizes: too small says so, then a wide and the smallest full layout.
tm resize-window -t qrel -x 60 -y 20
check "too small a terminal says so" wait_for "needs a terminal of at least 80x24"
tm resize-window -t qrel -x 160 -y 50
check "160x50: the items in full" wait_for "I am asked for my opinion before decisions that affect my child"
tm resize-window -t qrel -x 80 -y 24
check "80x24: the survey screen again" wait_for "Surveys at RHS Riverbend High School, by group"
keys Q
check "qrel exits cleanly" test "$(wait_exit)" = 0

# The command line shows the same withheld values.
check "qrel surveys --format csv withholds the same rows" sh -c "'$QREL' surveys --db '$DB' --as '$LEAD' --site RHS \
	--format csv | grep -qF 'Newcomers (first year),4,*'"
# A finding cites a survey item; the report quotes it, and gives the response rates.
ITEM=$(sql "$DB" "SELECT id FROM survey_item WHERE subgroup = 'Black or African American' AND item LIKE 'Adults at this school%'")
check "findings cite --survey" "$QREL" findings cite --db "$DB" --as "$LEAD" 1 --survey "$ITEM"
check "the citation is stored" test "$(sql "$DB" "SELECT count(*) FROM finding_survey WHERE finding_id = 1 AND survey_id = $ITEM")" = 1
"$QREL" report --db "$DB" --as "$LEAD" --format md >"$T/report.md"
check "the report quotes the item under its finding" grep -qF "Data: Student climate survey: Adults at this school \
treat students of all races fairly (Students, Black or African American, RHS): 41% favourable of 85" "$T/report.md"
check "the report's method section gives the response rates" \
	grep -qF "Student climate survey, Students (RHS): 812 of 1804 invited responded (45%)" "$T/report.md"
# ... and the document register's counts, as the register says them.
DOCS=$(sql "$DB" "SELECT sum(status = 'reviewed') || ' reviewed, ' || sum(status = 'received') || ' received and waiting, '
	|| sum(status = 'requested') || ' requested and not yet received.' FROM document")
check "the method section counts the documents ($DOCS)" grep -qF "Documents: $DOCS" "$T/report.md"
# The appendix gives the full rubric: every cluster with its descriptors.
DESC=$(sql "$DB" "SELECT x.text FROM descriptor x JOIN cluster c ON c.id = x.cluster_id WHERE c.code = '4.4' AND x.level = 3")
check "the rubric appendix is in the report" grep -q "^## Appendix D: The rubric" "$T/report.md"
check "with every cluster's descriptors" test "$(grep -c '^#### ' "$T/report.md")" -ge \
	"$(sql "$DB" "SELECT count(*) FROM cluster")"
check "such as 4.4 at level 3" grep -qF "| 3 Established | $DESC |" "$T/report.md"
finish

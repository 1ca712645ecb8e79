#!/bin/sh
# sync_fieldwork.sh: the fieldwork between two copies by bundle: a document and the note
# citing it, a planned activity (then marked done), the lead's survey upload and a finding
# citing a survey item arrive on the other side; a document edited on both sides is one
# conflict for the lead; a reviewer's bundle that changes survey data is refused whole.
# The findings screen shows the survey citation, the note view the document.
. "$(dirname "$0")/lib.sh"

A="$T/a.db"
B="$T/b.db"
sample_db "$A"
"$QREL" backup --db "$A" -o "$B" >/dev/null
LEAD=$(sql "$A" "SELECT name FROM person WHERE role = 'lead'")
REVIEWER=$(sql "$A" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY name LIMIT 1")
"$QREL" evidence add --db "$A" --as "$LEAD" --site RHS --source document_review --cluster 1.3 \
	"The registrar's Quillfeather memo sets the attendance rules" >/dev/null
NOTE=$(sql "$A" "SELECT id FROM note WHERE text LIKE '%Quillfeather%'")
NUUID=$(sql "$A" "SELECT uuid FROM note WHERE id = $NOTE")
exchange() { # FROM TO NAME [AS]
	"$QREL" sync export --as "${4:-$LEAD}" --db "$1" -o "$T/$3.qb" --peer "$(basename "$2")" >/dev/null &&
		"$QREL" sync import --as "$LEAD" --db "$2" "$T/$3.qb"
}

# In a: a document cited by a note, a planned activity, a survey upload, a finding citing an item.
D=$("$QREL" document add --db "$A" --as "$LEAD" --site RHS --title "Attendance policy 2025" --owner Registrar |
	sed 's/[^0-9]*\([0-9]*\).*/\1/')
"$QREL" document cite --db "$A" --as "$LEAD" "$D" --note "$NOTE" >/dev/null
"$QREL" activity plan --db "$A" --as "$LEAD" --site RHS --source interview --at 2026-03-02T10:00 \
	--reviewers "$REVIEWER" "Counsellors' interview" >/dev/null
printf 'site,instrument,item,cluster,group,subgroup,responses,favourable,options\n%s\n' \
	"RHS,Student climate survey,Adults here expect me to succeed,1.5,Students,,790,71%," >"$T/survey.csv"
"$QREL" import survey --db "$A" --as "$LEAD" "$T/survey.csv" >/dev/null
ITEM=$(sql "$A" "SELECT id FROM survey_item WHERE item = 'Adults here expect me to succeed'")
F=$("$QREL" findings add --db "$A" --as "$REVIEWER" --kind growth --cluster 1.5 --site RHS \
	"Students doubt that adults expect them to succeed" | sed 's/finding //')
"$QREL" findings cite --db "$A" --as "$REVIEWER" "$F" --survey "$ITEM" >/dev/null
DUUID=$(sql "$A" "SELECT uuid FROM document WHERE id = $D")
exchange "$A" "$B" a1 >"$T/out"
check "the import succeeds" grep -q "^imported" "$T/out"
check "the document arrives, cited by the note" test "$(sql "$B" "SELECT count(*) FROM document d
	JOIN note_document nd ON nd.document_id = d.id JOIN note n ON n.id = nd.note_id
	WHERE d.uuid = '$DUUID' AND d.owner = 'Registrar' AND d.status = 'requested' AND n.uuid = '$NUUID'")" = 1
check "the activity arrives planned, with its reviewers" test "$(sql "$B" "SELECT status || '/' || reviewers
	FROM activity WHERE description = 'Counsellors'' interview'")" = "planned/$REVIEWER"
check "the survey item arrives" test "$(sql "$B" "SELECT responses FROM survey_item
	WHERE item = 'Adults here expect me to succeed'")" = 790
check "the finding cites it" test "$(sql "$B" "SELECT count(*) FROM finding_survey fs JOIN survey_item i
	ON i.id = fs.survey_id JOIN finding f ON f.id = fs.finding_id WHERE i.item = 'Adults here expect me to succeed'
	AND f.text LIKE 'Students doubt%'")" = 1

# Marked done in b: done in a.
ACTB=$(sql "$B" "SELECT id FROM activity WHERE description = 'Counsellors'' interview'")
"$QREL" activity done --db "$B" --as "$LEAD" "$ACTB" >/dev/null
exchange "$B" "$A" b1 >/dev/null
check "done travels back" test "$(sql "$A" "SELECT status FROM activity
	WHERE description = 'Counsellors'' interview'")" = done

# The document edited on both sides: one conflict; the lead takes the other copy's.
DB_=$(sql "$B" "SELECT id FROM document WHERE uuid = '$DUUID'")
"$QREL" document set --db "$A" --as "$LEAD" "$D" --owner "Principal's office" >/dev/null
"$QREL" document set --db "$B" --as "$LEAD" "$DB_" --status received --owner "District data team" >/dev/null
exchange "$B" "$A" b2 >"$T/out"
check "edits on both sides are one conflict" grep -q "1 new conflicts" "$T/out"
check "sync conflicts names the document" sh -c "'$QREL' sync conflicts --db '$A' --as '$LEAD' |
	grep -q 'document \"Attendance policy 2025\" at RHS'"
check "this copy's owner is kept meanwhile" test "$(sql "$A" "SELECT owner FROM document WHERE id = $D")" = "Principal's office"
CID=$(sql "$A" "SELECT id FROM sync_conflict WHERE entity = 'document' AND resolved_at IS NULL")
"$QREL" sync resolve --db "$A" --as "$LEAD" "$CID" --keep remote >/dev/null
check "the lead takes the other copy's" test "$(sql "$A" "SELECT status || '/' || owner FROM document
	WHERE id = $D")" = "received/District data team"

# Survey data is the lead's: a reviewer's bundle that changes it is refused, nothing imported.
sql "$B" "UPDATE survey_item SET responses = 900, updated_at = '2099-01-01T00:00:00Z'
	WHERE item = 'Adults here expect me to succeed'"
"$QREL" sync export --as "$REVIEWER" --db "$B" -o "$T/r.qb" --all >/dev/null
"$QREL" sync import --as "$LEAD" --db "$A" "$T/r.qb" >/dev/null 2>"$T/err"
check "a reviewer's bundle changing survey data is refused" test $? -ne 0
check "naming the survey row" grep -q "bundle row survey_item" "$T/err"
check "and nothing changed" test "$(sql "$A" "SELECT responses FROM survey_item
	WHERE item = 'Adults here expect me to succeed'")" = 790

# The screens show the citations.
start 120x34 --db "$B" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys F
wait_for "Findings and recommendations" >/dev/null
check "the findings screen shows the survey item a finding cites" wait_for "Survey: Student climate survey: Adults here expect me to succeed"
keys q
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence" >/dev/null
keys /
keys -l "Quillfeather"
keys Enter
wait_for "Evidence: 1 note" >/dev/null
keys Enter
check "the note view shows the document the note cites" wait_for "Documents: Attendance policy 2025"

finish

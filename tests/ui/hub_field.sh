#!/bin/sh
# hub_field.sh: the fieldwork tables through a real PostgreSQL hub. Copy A adds a
# document (cited by a note with stakeholder groups), a survey upload, an activity
# planned and then marked done; it pushes; copy B pulls and has all of it. A
# principal's pull gets none of the team's documents or citations until released;
# psql in a reviewer's or a principal's hands reads and writes only what the rules
# allow; a deletion and a document edited on both sides travel as with bundles.
# Skipped, visibly, only without PostgreSQL.
. "$(dirname "$0")/hub_lib.sh"

hub_three_copies
check "add-review seeds the hub with the sample's documents and survey results" test \
	"$(as hubadmin 'SELECT count(*) FROM hub.document')/$(as hubadmin 'SELECT count(*) FROM hub.survey_item')" = \
	"$(sql "$A" 'SELECT count(*) FROM document')/$(sql "$A" 'SELECT count(*) FROM survey_item')"

# ---- copy A: a document cited by a note with groups, a survey upload, an activity planned then done ----
D=$("$QREL" document add --db "$A" --as "$LEAD" --site RHS --title "Quillfeather attendance policy" --owner Registrar |
	sed 's/[^0-9]*\([0-9]*\).*/\1/')
"$QREL" evidence add --db "$A" --as "$LEAD" --site RHS --source document_review --cluster 1.3 \
	--groups students,families "The Quillfeather memo sets the attendance rules" >/dev/null
NOTE=$(sql "$A" "SELECT id FROM note WHERE text LIKE 'The Quillfeather memo%'")
"$QREL" document cite --db "$A" --as "$LEAD" "$D" --note "$NOTE" >/dev/null
printf 'site,instrument,item,cluster,group,subgroup,responses,favourable,options\n%s\n' \
	"RHS,Quillfeather climate survey,Adults here expect me to succeed,1.5,Students,,790,71%," >"$T/survey.csv"
"$QREL" import survey --db "$A" --as "$LEAD" "$T/survey.csv" >/dev/null
"$QREL" activity plan --db "$A" --as "$LEAD" --site RHS --source focus_group --at 2026-03-02T10:00 \
	--reviewers "$J" --groups families --participants 9 "Quillfeather families' focus group" >/dev/null
ACT=$(sql "$A" "SELECT id FROM activity WHERE description = 'Quillfeather families'' focus group'")
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "pushed, the activity is planned on the hub" test \
	"$(as hubadmin "SELECT status FROM hub.activity WHERE description LIKE 'Quillfeather%'")" = planned
"$QREL" activity done --db "$A" --as "$LEAD" "$ACT" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the lead's push succeeds" grep -q "^pushed" "$T/out"
check "the hub holds the document, its citation, the survey item and the done activity" test \
	"$(as hubadmin "SELECT count(*) FROM hub.document WHERE title = 'Quillfeather attendance policy'")/$(as hubadmin \
	"SELECT count(*) FROM hub.note_document c JOIN hub.note n ON n.uuid = c.note WHERE n.text LIKE 'The Quillfeather%'")/$(
	as hubadmin "SELECT count(*) FROM hub.survey_item WHERE instrument = 'Quillfeather climate survey'")/$(as hubadmin \
	"SELECT status || participants || groups FROM hub.activity WHERE description LIKE 'Quillfeather%'")" = "1/1/1/done9families"
check "and the note's groups" test "$(as hubadmin "SELECT string_agg(grp, ',' ORDER BY grp) FROM hub.note_group g
	JOIN hub.note n ON n.uuid = g.note WHERE n.text LIKE 'The Quillfeather memo%'")" = "families,students"
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "pushed again, nothing doubles" test \
	"$(as hubadmin "SELECT count(*) FROM hub.document WHERE title LIKE 'Quillfeather%'")$(as hubadmin "SELECT count(*) FROM hub.note_document")" = \
	"1$(sql "$A" 'SELECT count(*) FROM note_document')"

# ---- copy B pulls it all ----
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's pull succeeds" grep -q "^pulled" "$T/out"
check "B has the document, cited by the note" test "$(sql "$B" "SELECT d.owner || '/' || d.status FROM document d
	JOIN note_document nd ON nd.document_id = d.id JOIN note n ON n.id = nd.note_id
	WHERE d.title = 'Quillfeather attendance policy' AND n.text LIKE 'The Quillfeather memo%'")" = "Registrar/requested"
check "the note's stakeholder groups" test "$(sql "$B" "SELECT group_concat(g.grp, ',') FROM (SELECT grp FROM note_group
	JOIN note n ON n.id = note_id WHERE n.text LIKE 'The Quillfeather memo%' ORDER BY grp) g")" = "families,students"
check "the survey result" test "$(sql "$B" "SELECT responses || '/' || favourable FROM survey_item
	WHERE instrument = 'Quillfeather climate survey'")" = "790/561"
check "the activity, done, with its reviewers, groups and participants" test "$(sql "$B" "SELECT a.status || '/' ||
	a.reviewers || '/' || coalesce(a.participants, '') || '/' || (SELECT group_concat(grp) FROM activity_group
	WHERE activity_id = a.id) FROM activity a WHERE description = 'Quillfeather families'' focus group'")" = "done/$J/9/families"
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "a second pull brings nothing" grep -q "pulled 0 rows" "$T/out"

# ---- the principal: none of the team's documents or citations, until released ----
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "Patricia's pull succeeds" grep -q "^pulled" "$T/out"
check "her copy gets neither the team's new document nor its citation nor the survey" test \
	"$(sql "$P" "SELECT count(*) FROM document WHERE title LIKE 'Quillfeather%'")$(sql "$P" "SELECT count(*)
	FROM survey_item WHERE instrument LIKE 'Quillfeather%'")$(sql "$P" "SELECT count(*) FROM note WHERE text LIKE
	'The Quillfeather memo%'")" = 000
check "psql as the principal reads no team document, citation, group or survey row" test \
	"$(as pat 'SELECT (SELECT count(*) FROM hub.document) + (SELECT count(*) FROM hub.note_document)
	+ (SELECT count(*) FROM hub.note_group) + (SELECT count(*) FROM hub.survey_item)
	+ (SELECT count(*) FROM hub.survey_rate)')" = 0
check "nor another school's activities" test "$(as pat "SELECT count(*) FROM hub.activity a JOIN hub.site s
	ON s.uuid = a.site WHERE s.code <> 'RHS'")" = 0
"$QREL" evidence add --db "$P" --as "$PAT" --site RHS --source self_evaluation --cluster 1.1 --groups teachers \
	"Patricia's Quillfeather note" >/dev/null
"$QREL" sync push --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "her push of her whole copy goes through, the rows not hers to write left out" grep -q "^pushed" "$T/out"
check "carrying her note's groups" test "$(as pat "SELECT g.grp FROM hub.note_group g JOIN hub.note n
	ON n.uuid = g.note WHERE n.text = 'Patricia''s Quillfeather note'")" = teachers
"$QREL" backup --db "$A" -o "$T/o.db" >/dev/null
"$QREL" sync push --db "$T/o.db" --as "Björn Halvorsen" --hub "$(url bjorn)" >"$T/out" 2>&1
check "an observer's push goes through and writes no fieldwork" sh -c "grep -q '^pushed' '$T/out' &&
	test \"\$(psql -X -q -t -A '$(url hubadmin)' -c \"SELECT count(*) FROM hub.change_log WHERE login = 'bjorn'\")\" = 0"

# ---- the rules against psql ----
R=$(sql "$A" "SELECT uuid FROM review")
RHS=$(sql "$A" "SELECT uuid FROM site WHERE code = 'RHS'")
EHS=$(sql "$A" "SELECT uuid FROM site WHERE code = 'EHS'")
doc() { # LOGIN UUID SITE
	as "$1" "INSERT INTO hub.document(uuid, review, pushed_by, site, title, status, requested_at, updated_at)
		VALUES ('$2', '$R', 'x', '$3', 'by $1', 'requested', 'now', 'now')"
}
check "a reviewer adds a document" test -z "$(doc jose d-j "$RHS")"
check "recorded as pushed by him, whatever the row said" test \
	"$(as hubadmin "SELECT p.name FROM hub.document d JOIN hub.person p ON p.uuid = d.pushed_by WHERE d.uuid = 'd-j'")" = "$J"
check "an observer adds none" has "$(doc bjorn d-b "$RHS")" 'row-level security'
check "a principal none at another school" has "$(doc pat d-p "$EHS")" 'row-level security'
check "a reviewer writes no survey data" has "$(as jose "INSERT INTO hub.survey_rate(uuid, review, pushed_by, site,
	instrument, grp, invited, responded, updated_at) VALUES ('r-j', '$R', 'x', '$RHS', 'i', 'Students', 10, 5,
	'now')")" 'row-level security'
check "nor changes the lead's" test "$(as jose "UPDATE hub.survey_item SET responses = 1 RETURNING 1")" = ""
C="$T/c.db"
sample_db "$C"
"$QREL" hub add-review --db "$C" --as "$LEAD" "$ADMIN" >/dev/null
R2=$(sql "$C" "SELECT uuid FROM review")
check "José reads none of another review's fieldwork" test "$(as jose "SELECT (SELECT count(*) FROM hub.document
	WHERE review = '$R2') + (SELECT count(*) FROM hub.activity WHERE review = '$R2')")" = 0
as lead "UPDATE hub.site SET locked = true WHERE uuid = '$RHS'" >/dev/null
check "nothing is added at a locked site" has "$(doc lead d-l "$RHS")" 'is locked'
as lead "UPDATE hub.site SET locked = false WHERE uuid = '$RHS'" >/dev/null
check "no member deletes a document" test "$(as lead "DELETE FROM hub.document RETURNING 1" | grep -c '^1')" = 0
check "the change log records who added the document" test \
	"$(as hubadmin "SELECT login FROM hub.change_log WHERE entity = 'document' AND entity_uuid = 'd-j'")" = jose
as hubadmin "DELETE FROM hub.document WHERE uuid = 'd-j'" >/dev/null

# ---- a document edited on both sides: the hub keeps the first, the other copy gets a conflict ----
DB_=$(sql "$B" "SELECT id FROM document WHERE title = 'Quillfeather attendance policy'")
"$QREL" document set --db "$A" --as "$LEAD" "$D" --status received --received 2026-03-03 >/dev/null
"$QREL" document set --db "$B" --as "$J" "$DB_" --owner "District data team" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's push meets a conflict, kept on the hub" test \
	"$(as hubadmin "SELECT count(*) FROM hub.conflict WHERE entity = 'document'")" = 1
check "which keeps the lead's value" test "$(as hubadmin "SELECT status || '/' || owner FROM hub.document
	WHERE title = 'Quillfeather attendance policy'")" = "received/Registrar"
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's pull records the conflict in his copy, as a bundle would" \
	test "$(sql "$B" "SELECT count(*) FROM sync_conflict WHERE entity = 'document' AND resolved_at IS NULL")" = 1
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null 2>&1
check "and the lead's pull lists it for sync resolve" sh -c "'$QREL' sync conflicts --db '$A' --as '$LEAD' |
	grep -q 'document \"Quillfeather attendance policy\" at RHS'"

# ---- a deletion travels: the lead deletes a finding, José's copy loses it ----
F=$(sql "$A" "SELECT id FROM finding ORDER BY id LIMIT 1")
FU=$(sql "$A" "SELECT uuid FROM finding WHERE id = $F")
"$QREL" findings delete --db "$A" --as "$LEAD" "$F" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "the hub holds the deletion" test "$(as hubadmin "SELECT entity FROM hub.gone WHERE uuid = '$FU'")" = finding
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1
check "José's copy drops the finding" test "$(sql "$B" "SELECT count(*) FROM finding WHERE uuid = '$FU'")" = 0

# ---- released: the principal's next pull brings her school's team material ----
"$QREL" release --db "$A" --as "$LEAD" --site RHS >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "once released, her pull brings RHS's document, its citation and the survey" test \
	"$(sql "$P" "SELECT count(*) FROM document d JOIN note_document nd ON nd.document_id = d.id
	WHERE d.title = 'Quillfeather attendance policy'")$(sql "$P" "SELECT count(*) FROM survey_item
	WHERE instrument = 'Quillfeather climate survey'")" = 11
check "still nothing of another school's" test "$(as pat "SELECT count(*) FROM hub.document d JOIN hub.site s
	ON s.uuid = d.site WHERE s.code <> 'RHS'")" = 0

# ---- access taken away and given back: a pull forgets the fieldwork she no longer reads ----
mine() { sql "$P" "SELECT (SELECT count(*) FROM document WHERE title = 'Quillfeather attendance policy') || '/' ||
	(SELECT count(*) FROM survey_item WHERE instrument = 'Quillfeather climate survey') || '/' || (SELECT count(*)
	FROM note_document nd JOIN document d ON d.id = nd.document_id WHERE d.title = 'Quillfeather attendance policy')
	|| '/' || (SELECT count(*) FROM activity WHERE description = 'Quillfeather families'' focus group')"; }
field_seen() { sql "$P" "SELECT uuid FROM activity UNION ALL SELECT uuid FROM document UNION ALL SELECT uuid
	FROM survey_item UNION ALL SELECT uuid FROM survey_rate ORDER BY 1"; }
# Kept though unread: what the copy's own notes and findings still cite.
cited_here() { sql "$P" "SELECT uuid FROM activity WHERE id IN (SELECT activity_id FROM note) UNION
	SELECT uuid FROM survey_item WHERE id IN (SELECT survey_id FROM finding_survey) ORDER BY 1"; }
# The copy's fieldwork is the hub's for her, and what its own work cites.
as_hub() {
	field_seen >"$T/l"
	hub_field_seen >"$T/h"
	cited_here >"$T/c"
	test -z "$(comm -13 "$T/l" "$T/h")" && test -z "$(comm -23 "$T/l" "$T/h" | comm -23 - "$T/c")"
}
hub_field_seen() { as pat "SELECT uuid FROM hub.activity UNION ALL SELECT uuid FROM hub.document UNION ALL
	SELECT uuid FROM hub.survey_item UNION ALL SELECT uuid FROM hub.survey_rate ORDER BY 1"; }
check "released, her copy holds RHS's team document, survey, citation and activity" test "$(mine)" = 1/1/1/1
GONE=$(sql "$P" "SELECT count(*) FROM sync_gone")
as hubadmin "UPDATE hub.site SET released = false WHERE uuid = '$RHS'" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "withdrawn, her pull forgets them" test "$(mine)" = 0/0/0/0
check "saying how many" grep -q " [1-9][0-9]* no longer yours to see forgotten" "$T/out"
check "her copy holds the fieldwork the hub lets her read, and what its own notes and findings cite" as_hub
check "the copy is consistent" test "$(sql "$P" "PRAGMA foreign_key_check" | wc -l)" = 0
check "forgetting leaves no deletion or removed citation to push" test \
	"$(sql "$P" "SELECT count(*) FROM sync_unlink")/$(sql "$P" "SELECT count(*) FROM sync_gone")" = "0/$GONE"
check "nor a change log entry" test "$(sql "$P" "SELECT count(*) FROM change_log WHERE entity IN ('document',
	'activity', 'survey_item') AND field = 'delete'")" = 0
"$QREL" sync push --db "$P" --as "$PAT" --hub "$(url pat)" >/dev/null 2>&1
check "the hub keeps them after her next push" test "$(as hubadmin "SELECT (SELECT count(*) FROM hub.document
	WHERE title = 'Quillfeather attendance policy') + (SELECT count(*) FROM hub.note_document c JOIN hub.document d
	ON d.uuid = c.document WHERE d.title = 'Quillfeather attendance policy')")" = 2
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "the next pull forgets nothing more" grep -q " 0 no longer yours to see forgotten" "$T/out"
as hubadmin "UPDATE hub.site SET released = true WHERE uuid = '$RHS'" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >/dev/null 2>&1
check "released again, her pull brings them back" test "$(mine)" = 1/1/1/1
check "still what the hub lets her read" as_hub
EHS=$(sql "$A" "SELECT uuid FROM site WHERE code = 'EHS'")
as hubadmin "UPDATE hub.person SET site = '$EHS' WHERE login = 'pat'" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >/dev/null 2>&1
check "moved to another school, her pull forgets RHS's fieldwork" test "$(mine)" = 0/0/0/0
check "holding what the hub lets her read there" as_hub
as hubadmin "UPDATE hub.person SET site = '$RHS' WHERE login = 'pat'" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >/dev/null 2>&1
check "moved back, her pull brings it again" test "$(mine)" = 1/1/1/1

# ---- a removed citation travels: the lead uncites, José's copy loses the citation ----
cited() { sql "$1" "SELECT count(*) FROM note_document nd JOIN document d ON d.id = nd.document_id
	WHERE d.title = 'Quillfeather attendance policy'"; }
hub_cited() { as hubadmin "SELECT count(*) FROM hub.note_document c JOIN hub.document d ON d.uuid = c.document
	WHERE d.title = 'Quillfeather attendance policy'"; }
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1
check "José's copy holds the citation" test "$(cited "$B")" = 1
"$QREL" document uncite --db "$A" --as "$LEAD" "$D" --note "$NOTE" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the lead's push of the removal succeeds" grep -q "^pushed" "$T/out"
check "the hub's citation is gone, the removal kept" test \
	"$(hub_cited)/$(as hubadmin "SELECT count(*) FROM hub.unlink")" = 0/1
check "and logged as the lead's" test "$(as hubadmin "SELECT login FROM hub.change_log WHERE field = 'uncite'")" = lead
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's pull removes the citation from his copy" test "$(cited "$B")" = 0
check "the note and the document stay" test "$(sql "$B" "SELECT count(*) FROM note WHERE text LIKE
	'The Quillfeather memo%'")$(sql "$B" "SELECT count(*) FROM document WHERE title = 'Quillfeather attendance policy'")" = 11
check "an observer records no removal" has "$(as bjorn "INSERT INTO hub.unlink(link, owner, target, review,
	pushed_by, site, author) SELECT 'note_document', uuid, 'x', review, author, site, author FROM hub.note
	LIMIT 1")" 'row-level security'
"$QREL" document cite --db "$A" --as "$LEAD" "$D" --note "$NOTE" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null 2>&1
check "cited again, the hub holds the citation and no removal" test \
	"$(hub_cited)/$(as hubadmin "SELECT count(*) FROM hub.unlink")" = 1/0
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1
check "and José's next pull brings it back" test "$(cited "$B")" = 1

finish

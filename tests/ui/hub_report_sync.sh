#!/bin/sh
# hub_report_sync.sh: the written report through a real PostgreSQL hub. A reviewer's copy
# writes a finding citing two notes and a recommendation answering it, and pushes; the
# lead's pull has both, linked; the lead turns the recommendation into a plan objective and
# finalises, pushes, and the reviewer's pull has the objective and the final status. An
# edit of one finding on both copies is a conflict for the lead. A principal's pull holds
# no new finding until their school is released. psql in a reviewer's hands cannot
# finalise or change a final finding; in an observer's, writes nothing. Skipped, visibly,
# only without PostgreSQL.
. "$(dirname "$0")/hub_lib.sh"

hub_three_copies
check "add-review seeds the hub with the sample's findings, recommendations and summary" test \
	"$(as hubadmin 'SELECT count(*) FROM hub.finding')/$(as hubadmin 'SELECT count(*) FROM hub.recommendation')/$(
	as hubadmin "SELECT status || length(summary) FROM hub.report")" = \
	"$(sql "$A" 'SELECT count(*) FROM finding')/$(sql "$A" 'SELECT count(*) FROM recommendation')/$(
	sql "$A" "SELECT report_status || length(summary) FROM review")"
check "with their citations and links" test \
	"$(as hubadmin 'SELECT count(*) FROM hub.finding_note')/$(as hubadmin 'SELECT count(*) FROM hub.rec_finding')" = \
	"$(sql "$A" 'SELECT count(*) FROM finding_note')/$(sql "$A" 'SELECT count(*) FROM recommendation_finding')"

# ---- José's copy: a finding citing two notes, a recommendation answering it ----
N1=$(sql "$B" "SELECT n.id FROM note n JOIN site s ON s.id = n.site_id WHERE s.code = 'RHS' AND n.deleted_at IS NULL
	ORDER BY n.id LIMIT 1")
N2=$(sql "$B" "SELECT n.id FROM note n JOIN site s ON s.id = n.site_id WHERE s.code = 'RHS' AND n.deleted_at IS NULL
	ORDER BY n.id LIMIT 1 OFFSET 1")
F=$("$QREL" findings add --db "$B" --as "$J" --kind growth --cluster 1.2 --site RHS \
	"Quillfeather families hear of advanced courses too late" | sed 's/finding //')
"$QREL" findings cite --db "$B" --as "$J" "$F" --note "$N1" --stakeholder Parents >/dev/null
"$QREL" findings cite --db "$B" --as "$J" "$F" --note "$N2" --stakeholder Students >/dev/null
R=$("$QREL" recommendations add --db "$B" --as "$J" --title "Quillfeather course letters in September" \
	--finding "$F" --priority high | sed 's/recommendation //')
FU=$(sql "$B" "SELECT uuid FROM finding WHERE id = $F")
RU=$(sql "$B" "SELECT uuid FROM recommendation WHERE id = $R")
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's push succeeds" grep -q "^pushed" "$T/out"
check "the hub holds the finding, by José, with both notes and their groups" test "$(as hubadmin "SELECT p.name ||
	'/' || f.kind || '/' || (SELECT string_agg(stakeholder, ',' ORDER BY stakeholder) FROM hub.finding_note
	WHERE finding = f.uuid) FROM hub.finding f JOIN hub.person p ON p.uuid = f.author WHERE f.uuid = '$FU'")" = \
	"$J/growth/Parents,Students"
check "and the recommendation answering it" test "$(as hubadmin "SELECT r.priority || '/' || l.finding
	FROM hub.recommendation r JOIN hub.rec_finding l ON l.recommendation = r.uuid WHERE r.uuid = '$RU'")" = "high/$FU"
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1
check "pushed again, nothing doubles" test "$(as hubadmin "SELECT count(*) FROM hub.finding_note WHERE finding = '$FU'")/$(
	as hubadmin "SELECT count(*) FROM hub.finding WHERE text LIKE 'Quillfeather%'")" = 2/1

# ---- the principal's pull: none of it before her school is released ----
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "Patricia's pull succeeds" grep -q "^pulled" "$T/out"
check "her copy holds neither the finding nor the recommendation" test \
	"$(sql "$P" "SELECT count(*) FROM finding WHERE uuid = '$FU'")$(sql "$P" "SELECT count(*) FROM recommendation
	WHERE uuid = '$RU'")" = 00
check "psql as the principal reads no finding, citation, recommendation or report" test \
	"$(as pat 'SELECT (SELECT count(*) FROM hub.finding) + (SELECT count(*) FROM hub.finding_note)
	+ (SELECT count(*) FROM hub.recommendation) + (SELECT count(*) FROM hub.rec_finding)
	+ (SELECT count(*) FROM hub.report)')" = 0

# ---- the lead pulls both, linked ----
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the lead's pull succeeds" grep -q "^pulled" "$T/out"
check "A holds the finding at RHS on 1.2, citing both notes with their groups" test "$(sql "$A" "SELECT s.code || '/' ||
	c.code || '/' || (SELECT group_concat(g, ',') FROM (SELECT fn.stakeholder AS g FROM finding_note fn
	WHERE fn.finding_id = f.id ORDER BY 1)) FROM finding f JOIN site s ON s.id = f.site_id
	JOIN cluster c ON c.id = f.cluster_id WHERE f.uuid = '$FU'")" = "RHS/1.2/Parents,Students"
check "the notes cited are the ones José chose" test "$(sql "$A" "SELECT count(*) FROM finding_note fn
	JOIN finding f ON f.id = fn.finding_id JOIN note n ON n.id = fn.note_id WHERE f.uuid = '$FU'
	AND n.uuid IN ('$(sql "$B" "SELECT uuid FROM note WHERE id = $N1")', '$(sql "$B" "SELECT uuid FROM note WHERE id = $N2")')")" = 2
check "and the recommendation answering it" test "$(sql "$A" "SELECT r.priority || '/' || f.uuid FROM recommendation r
	JOIN recommendation_finding l ON l.recommendation_id = r.id JOIN finding f ON f.id = l.finding_id
	WHERE r.uuid = '$RU'")" = "high/$FU"

# ---- the lead turns it into an objective and finalises ----
RA=$(sql "$A" "SELECT id FROM recommendation WHERE uuid = '$RU'")
"$QREL" recommendations to-objective --db "$A" --as "$LEAD" "$RA" >/dev/null
OU=$(sql "$A" "SELECT o.uuid FROM objective o JOIN recommendation r ON r.objective_id = o.id WHERE r.uuid = '$RU'")
"$QREL" review finalise --db "$A" --as "$LEAD" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the lead's push succeeds" grep -q "^pushed" "$T/out"
check "the hub holds the objective and the final report" test "$(as hubadmin "SELECT objective FROM hub.recommendation
	WHERE uuid = '$RU'")/$(as hubadmin "SELECT status FROM hub.report")" = "$OU/final"
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's pull succeeds" grep -q "^pulled" "$T/out"
check "B's report is final, the recommendation an objective of the same uuid" test "$(sql "$B" "SELECT report_status
	FROM review")/$(sql "$B" "SELECT o.uuid || '/' || o.title FROM objective o JOIN recommendation r
	ON r.objective_id = o.id WHERE r.uuid = '$RU'")" = "final/$OU/Quillfeather course letters in September"
check "B's change log says the lead finalised it, from the hub" test "$(sql "$B" "SELECT who || '/' || new || '/' ||
	reason FROM change_log WHERE field = 'report status' ORDER BY id DESC LIMIT 1")" = "$LEAD/final/from the hub"

# ---- psql as the reviewer and the observer ----
R_=$(sql "$A" "SELECT uuid FROM review")
check "a reviewer cannot change a final finding" has "$(as jose "UPDATE hub.finding SET text = 'Changed by psql'
	WHERE uuid = '$FU'")" 'the report is final'
check "the finding is unchanged" test "$(as hubadmin "SELECT text FROM hub.finding WHERE uuid = '$FU'")" = \
	"Quillfeather families hear of advanced courses too late"
check "nor add one to a final report" has "$(as jose "INSERT INTO hub.finding(uuid, review, pushed_by, domain, kind,
	text, created_at, updated_at) VALUES ('f-j', '$R_', 'x', '1', 'growth', 'psql', 'now', 'now')")" 'the report is final'
check "José's copy refuses to edit it, as final" sh -c "! '$QREL' findings edit --db '$B' --as '$J' '$F' --text x \
	>/dev/null 2>&1"
"$QREL" review reopen --db "$A" --as "$LEAD" --reason "one more finding" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null 2>&1
check "the lead's reopening reaches the hub" test "$(as hubadmin "SELECT status FROM hub.report")" = draft
check "a reviewer cannot finalise" has "$(as jose "UPDATE hub.report SET status = 'final'")" 'only the lead'
check "nor write the summary" has "$(as jose "UPDATE hub.report SET summary = 'psql'")" 'only the lead'
check "the report stays a draft" test "$(as hubadmin "SELECT status || length(summary) FROM hub.report")" = \
	"draft$(sql "$A" "SELECT length(summary) FROM review")"
check "an observer adds no finding" has "$(as bjorn "INSERT INTO hub.finding(uuid, review, pushed_by, domain, kind,
	text, created_at, updated_at) VALUES ('f-b', '$R_', 'x', '1', 'growth', 'psql', 'now', 'now')")" 'row-level security'
check "nor changes one" has "$(as bjorn "UPDATE hub.finding SET text = 'psql' WHERE uuid = '$FU'")" 'row-level security'
check "nor a recommendation's links" has "$(as bjorn "INSERT INTO hub.rec_finding(recommendation, finding, review,
	pushed_by) VALUES ('$RU', '$FU', '$R_', 'x')")" 'row-level security'
check "nor removes one" test "$(as bjorn "DELETE FROM hub.rec_finding RETURNING 1" | grep -c '^1')" = 0
check "a reviewer drafts one while the report is a draft" test -z "$(as jose "INSERT INTO hub.finding(uuid, review,
	pushed_by, domain, kind, text, created_at, updated_at) VALUES ('f-j', '$R_', 'x', '1', 'growth', 'psql', 'now',
	'now')")"
check "recorded as pushed by him, in the change log" test "$(as hubadmin "SELECT p.name || '/' || l.login
	FROM hub.finding f JOIN hub.person p ON p.uuid = f.pushed_by JOIN hub.change_log l ON l.entity_uuid = f.uuid
	WHERE f.uuid = 'f-j'")" = "$J/jose"
as hubadmin "DELETE FROM hub.finding WHERE uuid = 'f-j'" >/dev/null

# ---- one finding edited on both copies: a conflict for the lead ----
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1
check "José's copy is a draft again" test "$(sql "$B" "SELECT report_status FROM review")" = draft
FA=$(sql "$A" "SELECT id FROM finding WHERE uuid = '$FU'")
"$QREL" findings edit --db "$B" --as "$J" "$F" --text "Copy B says families hear in June" >/dev/null
"$QREL" findings edit --db "$A" --as "$LEAD" "$FA" --text "Copy A says families hear in May" >/dev/null
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the lead's push meets a conflict, kept on the hub" test \
	"$(as hubadmin "SELECT count(*) FROM hub.conflict WHERE entity = 'finding' AND uuid = '$FU'")" = 1
check "which keeps José's text" test "$(as hubadmin "SELECT text FROM hub.finding WHERE uuid = '$FU'")" = \
	"Copy B says families hear in June"
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the lead's pull succeeds" grep -q "^pulled" "$T/out"
check "A lists the finding's conflict, its own text kept meanwhile" test "$(sql "$A" "SELECT count(*) FROM sync_conflict
	WHERE entity = 'finding' AND uuid = '$FU' AND resolved_at IS NULL")/$(sql "$A" "SELECT text FROM finding
	WHERE uuid = '$FU'")" = "1/Copy A says families hear in May"
check "sync conflicts shows both texts" sh -c "'$QREL' sync conflicts --db '$A' --as '$LEAD' >'$T/c' &&
	grep -q 'Copy A says families hear in May' '$T/c' && grep -q 'Copy B says families hear in June' '$T/c'"

# ---- a citation removed travels ----
"$QREL" findings cite --db "$B" --as "$J" "$F" --uncite "$N2" >/dev/null
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >"$T/out" 2>&1
check "José's removal of a citation reaches the hub" test "$(as hubadmin "SELECT count(*) FROM hub.finding_note
	WHERE finding = '$FU'")/$(as hubadmin "SELECT count(*) FROM hub.report_unlink WHERE owner = '$FU'")" = 1/1
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "and the lead's copy, which still has the other" test "$(sql "$A" "SELECT group_concat(fn.stakeholder)
	FROM finding_note fn JOIN finding f ON f.id = fn.finding_id WHERE f.uuid = '$FU'")" = Parents

# ---- the principal, once her school is released ----
"$QREL" release --db "$A" --as "$LEAD" --site RHS >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null 2>&1
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "Patricia's pull succeeds" grep -q "^pulled" "$T/out"
check "her copy now holds the finding at her school, and the recommendation" test \
	"$(sql "$P" "SELECT count(*) FROM finding WHERE uuid = '$FU'")$(sql "$P" "SELECT count(*) FROM recommendation
	WHERE uuid = '$RU'")" = 11
check "psql as the principal reads her school's and the review-wide findings, none of another school's" test \
	"$(as pat "SELECT count(*) FROM hub.finding f JOIN hub.site s ON s.uuid = f.site WHERE s.code <> 'RHS'")/$(
	as pat "SELECT count(*) FROM hub.finding WHERE uuid = '$FU'")" = 0/1

# ---- her school changes: her next pull forgets the findings she no longer reads ----
EHS=$(sql "$A" "SELECT uuid FROM site WHERE code = 'EHS'")
RHS=$(sql "$A" "SELECT uuid FROM site WHERE code = 'RHS'")
as hubadmin "UPDATE hub.person SET site = '$EHS' WHERE login = 'pat'" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "moved to EHS (not released), her pull forgets every finding and recommendation" test \
	"$(sql "$P" "SELECT (SELECT count(*) FROM finding) + (SELECT count(*) FROM recommendation)")/$(as pat \
	"SELECT (SELECT count(*) FROM hub.finding) + (SELECT count(*) FROM hub.recommendation)")" = 0/0
check "and the forgetting is no deletion: the hub keeps them, her copy sends none" test \
	"$(sql "$P" "SELECT count(*) FROM sync_gone WHERE entity IN ('finding', 'recommendation')")/$(as hubadmin \
	"SELECT count(*) FROM hub.finding WHERE uuid = '$FU'")" = 0/1
as hubadmin "UPDATE hub.person SET site = '$RHS' WHERE login = 'pat'" >/dev/null
"$QREL" sync pull --db "$P" --as "$PAT" --hub "$(url pat)" >/dev/null 2>&1
check "granted back, her pull brings RHS's again, as the hub lets her read them" test \
	"$(sql "$P" "SELECT group_concat(uuid) FROM (SELECT uuid FROM finding ORDER BY uuid)")" = \
	"$(as pat "SELECT string_agg(uuid, ',' ORDER BY uuid COLLATE \"C\") FROM hub.finding")"
"$QREL" sync push --db "$P" --as "$PAT" --hub "$(url pat)" >"$T/out" 2>&1
check "her push goes through and writes no finding" sh -c "grep -q '^pushed' '$T/out' && test \"\$(psql -X -q -t -A \
	'$(url hubadmin)' -c \"SELECT count(*) FROM hub.change_log WHERE login = 'pat' AND entity IN ('finding',
	'recommendation', 'finding_note', 'rec_finding', 'report')\")\" = 0"

finish

#!/bin/sh
# sync_findings.sh: findings and recommendations between two copies of a review by bundle:
# added, edited, linked and deleted on one side arrive on the other; edits on both sides are
# one conflict that `sync conflicts` and the K screen show and the lead resolves; a principal's
# bundle holds no written finding before release.
. "$(dirname "$0")/lib.sh"

A="$T/a.db"
B="$T/b.db"
sample_db "$A"
"$QREL" backup --db "$A" -o "$B" >/dev/null
LEAD=$(sql "$A" "SELECT name FROM person WHERE role = 'lead'")
REVIEWER=$(sql "$A" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY name LIMIT 1")
PRINCIPAL=$(sql "$A" "SELECT name FROM person WHERE role = 'principal' ORDER BY name LIMIT 1")
SITE=$(sql "$A" "SELECT code FROM site WHERE kind <> 'district' ORDER BY code LIMIT 1")
NOTE=$(sql "$A" "SELECT id FROM note WHERE deleted_at IS NULL ORDER BY id LIMIT 1")
exchange() { # FROM TO NAME
	"$QREL" sync export --as "$LEAD" --db "$1" -o "$T/$3.qb" --peer "$2" >/dev/null &&
		"$QREL" sync import --as "$LEAD" --db "$2" "$T/$3.qb"
}
exchange "$A" "$B" first >/dev/null

F=$("$QREL" findings add --db "$A" --as "$REVIEWER" --kind growth --cluster 1.2 --site "$SITE" \
	"Advanced courses fill before families hear" | sed 's/finding //')
"$QREL" findings cite --db "$A" --as "$REVIEWER" "$F" --note "$NOTE" --stakeholder Parents
R=$("$QREL" recommendations add --db "$A" --as "$REVIEWER" --title "Tell families in September" --finding "$F" \
	--priority high | sed 's/recommendation //')
FUUID=$(sql "$A" "SELECT uuid FROM finding WHERE id = $F")
exchange "$A" "$B" f1 >"$T/out"
check "a new finding and recommendation travel" grep -q "imported .*: 2 new" "$T/out"
check "the finding keeps its place, site and citation" test "$(sql "$B" "SELECT count(*) FROM finding f
	JOIN cluster c ON c.id = f.cluster_id JOIN site s ON s.id = f.site_id JOIN finding_note n ON n.finding_id = f.id
	WHERE f.uuid = '$FUUID' AND c.code = '1.2' AND s.code = '$SITE' AND n.stakeholder = 'Parents'")" = 1
check "the recommendation answers it" test "$(sql "$B" "SELECT count(*) FROM recommendation r
	JOIN recommendation_finding l ON l.recommendation_id = r.id JOIN finding f ON f.id = l.finding_id
	WHERE r.title = 'Tell families in September' AND r.priority = 'high' AND f.uuid = '$FUUID'")" = 1
check "the import is in the change log, as the exporter" test "$(sql "$B" "SELECT count(*) FROM change_log
	WHERE entity_uuid = '$FUUID' AND field = 'create' AND who = '$LEAD' AND reason LIKE 'sync import%'")" = 1

# Both copies edit the finding: one conflict, each copy keeps its own until the lead resolves.
FB=$(sql "$B" "SELECT id FROM finding WHERE uuid = '$FUUID'")
"$QREL" findings edit --db "$A" --as "$REVIEWER" "$F" --text "Copy A says this"
"$QREL" findings edit --db "$B" --as "$REVIEWER" "$FB" --text "Copy B says that"
exchange "$B" "$A" b1 >"$T/out"
check "edits on both sides are one conflict" grep -q "1 new conflicts" "$T/out"
check "sync conflicts shows the finding and both texts" sh -c "'$QREL' sync conflicts --db '$A' --as '$LEAD' >'$T/c' &&
	grep -q 'finding finding (growth) on 1.2 at $SITE' '$T/c' && grep -q 'this copy:  growth, \"Copy A says this\"' '$T/c' &&
	grep -q 'other copy: growth, \"Copy B says that\"' '$T/c'"
check "this copy's text is kept meanwhile" test "$(sql "$A" "SELECT text FROM finding WHERE id = $F")" = "Copy A says this"
start 100x30 --db "$A" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys K
check "K lists the finding's conflict" wait_for "finding finding (growth) on 1.2 at $SITE"
keys q
wait_for "Review overview" >/dev/null
CID=$(sql "$A" "SELECT id FROM sync_conflict WHERE entity = 'finding' AND resolved_at IS NULL")
check "the lead takes the other copy's text" "$QREL" sync resolve --db "$A" --as "$LEAD" "$CID" --keep remote
check "and it is the finding's" test "$(sql "$A" "SELECT text FROM finding WHERE id = $F")" = "Copy B says that"

# A deletion travels, and the change log keeps the text.
"$QREL" recommendations delete --db "$A" --as "$REVIEWER" "$R"
"$QREL" findings delete --db "$A" --as "$REVIEWER" "$F"
exchange "$A" "$B" a2 >/dev/null
check "the deleted finding and recommendation are gone from the other copy" test "$(sql "$B" "SELECT
	(SELECT count(*) FROM finding WHERE uuid = '$FUUID') + (SELECT count(*) FROM recommendation
	WHERE title = 'Tell families in September')")" = 0
check "its text stays in that copy's change log" test "$(sql "$B" "SELECT old FROM change_log WHERE entity_uuid = '$FUUID'
	AND field = 'delete'")" = "Copy B says that"

# A principal's bundle: no written finding or recommendation before the lead releases them.
"$QREL" sync export --as "$PRINCIPAL" --db "$A" -o "$T/p.qb" --all >/dev/null
bundle_unpack "$T/p.qb" "$T/p.db"
check "a principal's bundle holds no finding" test "$(sql "$T/p.db" "SELECT (SELECT count(*) FROM finding) +
	(SELECT count(*) FROM recommendation)")" = 0
"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/l.qb" --all >/dev/null
bundle_unpack "$T/l.qb" "$T/l.db"
check "the lead's holds them all" test "$(sql "$T/l.db" "SELECT count(*) FROM finding")" = "$(sql "$A" "SELECT count(*) FROM finding")"

finish

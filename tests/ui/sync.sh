#!/bin/sh
# sync.sh: two offline copies of one review diverge, exchange bundles both ways and end equal;
# the conflict is listed once; damaged, foreign, unsigned, oversized and newer bundles are refused and
# change nothing (crafted ones signed with the key: tests/unit/test_sync.c).
. "$(dirname "$0")/lib.sh"

A="$T/a.db" B="$T/b.db"
LEAD="Ségolène Arceneaux"
sample_db "$A"
# A copy of the same review (sample_db twice would make two reviews).
"$QREL" backup --db "$A" -o "$B" >/dev/null
check "the backup is a second copy of the same review" test \
	"$(sql "$A" 'SELECT uuid FROM review')" = "$(sql "$B" 'SELECT uuid FROM review')"


# Diverge: a note and a score on each side, and one score edited on both.
note_csv "$T/na.csv" RHS "José Ramírez" "Copy A: the counsellor tracks AP enrolment by subgroup."
note_csv "$T/nb.csv" EHS "Zoë Whitfield" "Copy B: families of English learners get calls in Spanish."
"$QREL" import evidence --db "$A" --as "$LEAD" "$T/na.csv" >/dev/null
"$QREL" import evidence --db "$B" --as "$LEAD" "$T/nb.csv" >/dev/null
"$QREL" score --db "$A" --as "Zoë Whitfield" --site EHS --cluster 2.2 --level 2 --rationale "only in A" >/dev/null
"$QREL" score --db "$B" --as "Nguyễn Thị Lan" --site OES --cluster 3.3 --level 3 --rationale "only in B" >/dev/null
"$QREL" score --db "$A" --as "José Ramírez" --site RHS --cluster 1.1 --level 3 --rationale "A: growth tracked" >/dev/null
"$QREL" score --db "$B" --as "José Ramírez" --site RHS --cluster 1.1 --level 1 --rationale "B: averages only" >/dev/null

"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/a1.qb" --peer B >"$T/out"
check "export writes a bundle" test -s "$T/a1.qb"
check "the bundle is private (0600)" test "$(stat -c %a "$T/a1.qb")" = 600
check "no temporary file is left beside it" sh -c "! ls '$T' | grep -q 'a1.qb.tmp'"
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a1.qb" >"$T/out"
check "B takes A's one-sided change and sees the conflict" grep -q "1 updated.*1 new conflicts" "$T/out"
"$QREL" sync export --as "$LEAD" --db "$B" -o "$T/b1.qb" --peer A >/dev/null
"$QREL" sync import --db "$A" --as "$LEAD" "$T/b1.qb" >"$T/out"
check "A takes B's new note and score" grep -q "imported .*: 2 new" "$T/out"

sql "$B" .dump >"$T/b.before"
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a1.qb" >"$T/out"
check "the same bundle twice: nothing new" grep -q "0 new, 0 updated, .* 0 new conflicts, 0 change-log" "$T/out"
sql "$B" .dump >"$T/b.after"
check "the same bundle twice: the database is unchanged" cmp -s "$T/b.before" "$T/b.after"

"$QREL" sync conflicts --db "$A" --as "$LEAD" >"$T/ca"
"$QREL" sync conflicts --db "$B" --as "$LEAD" >"$T/cb"
check "someone outside the review reads the conflict's values masked" sh -c \
	"'$QREL' sync conflicts --db '$A' --as 'Mallory Nobody' | grep -q 'hidden until consensus' && \
	! '$QREL' sync conflicts --db '$A' --as 'Mallory Nobody' | grep -q 'level [13]'"
check "A lists the conflict once" test "$(grep -c '^#' "$T/ca")" = 1
check "B lists the conflict once" test "$(grep -c '^#' "$T/cb")" = 1
check "the listing names the score and both values" sh -c \
	"grep -q 'RHS 1.1 team score by José Ramírez' '$T/ca' && grep -q 'level 3' '$T/ca' && grep -q 'level 1' '$T/ca'"
check "the conflict kept each copy's own value" test \
	"$(sql "$A" "SELECT level FROM score WHERE rationale LIKE 'A:%'")$(sql "$B" "SELECT level FROM score WHERE rationale LIKE 'B:%'")" = 31
check "the change log holds both values" test \
	"$(sql "$A" "SELECT count(*) FROM change_log WHERE field = 'sync conflict' AND old LIKE '3|%' AND new LIKE '1|%'")" = 1

scores_of() { "$QREL" scores --db "$1" --as "$LEAD" | sort; }
notes_of() { sql "$1" "SELECT uuid, valence, text FROM note ORDER BY uuid"; }
scores_of "$A" | grep -v '^RHS,1.1,José' >"$T/sa"; scores_of "$B" | grep -v '^RHS,1.1,José' >"$T/sb"
check "apart from the conflict both copies hold the same scores" cmp -s "$T/sa" "$T/sb"
notes_of "$A" >"$T/na"; notes_of "$B" >"$T/nb"
check "both copies hold the same notes" cmp -s "$T/na" "$T/nb"
check "both hold the other's note" test "$(grep -c 'Copy [AB]:' "$T/na")" = 2

id=$(sed -n 's/^#\([0-9]*\) .*/\1/p' "$T/ca")
"$QREL" sync resolve --db "$A" --as "José Ramírez" "$id" --keep local 2>"$T/err"
check "only the lead resolves" sh -c "grep -q 'only the review.s lead' '$T/err'"
check "resolve: the lead keeps A's value" sh -c "'$QREL' sync resolve --db '$A' --as '$LEAD' $id --keep local | grep -q resolved"
"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/a2.qb" --peer B >/dev/null
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a2.qb" >/dev/null
"$QREL" sync export --as "$LEAD" --db "$B" -o "$T/b2.qb" --peer A >/dev/null
"$QREL" sync import --db "$A" --as "$LEAD" "$T/b2.qb" >/dev/null
scores_of "$A" >"$T/sa"; scores_of "$B" >"$T/sb"
check "after the lead's choice both copies hold the same scores" cmp -s "$T/sa" "$T/sb"
check "the chosen value won on B" grep -q '^RHS,1.1,José Ramírez,team,3,A: growth tracked' "$T/sb"
check "no open conflicts remain on B" grep -q "no open conflicts" "$("$QREL" sync conflicts --db "$B" >"$T/cb"; echo "$T/cb")"
check "the resolution is in A's change log" test \
	"$(sql "$A" "SELECT count(*) FROM change_log WHERE field = 'sync resolve'")" = 1
check "both copies pass qrel check" sh -c "'$QREL' check --db '$A' >/dev/null && '$QREL' check --db '$B' >/dev/null"

# Stakeholder voice travels: an activity's groups, participants, language and interpreter, and a
# note's own groups, set in A, are the same in B after one bundle.
"$QREL" activity add --db "$A" --as "$LEAD" --site RHS --source focus_group --at 2026-03-04 \
	--groups families,students --participants 11 --language es --interpreter "Copy A: families' focus group" \
	>/dev/null
act=$(sql "$A" "SELECT id FROM activity WHERE description = 'Copy A: families'' focus group'")
"$QREL" evidence add --db "$A" --as "$LEAD" --site RHS --source focus_group --cluster 1.1 --activity "$act" \
	--groups families "Copy A: parents ask for report cards in Spanish." >/dev/null
voice_of() { sql "$1" "SELECT a.uuid, a.participants, a.language, a.interpreter,
	(SELECT group_concat(grp) FROM (SELECT grp FROM activity_group WHERE activity_id = a.id ORDER BY grp)),
	(SELECT group_concat(grp) FROM (SELECT g.grp FROM note_group g JOIN note n ON n.id = g.note_id
	 WHERE n.activity_id = a.id ORDER BY g.grp))
	FROM activity a WHERE a.description LIKE 'Copy A:%'"; }
"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/a3.qb" --peer B >/dev/null
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a3.qb" >"$T/out"
check "voice: the bundle imports" grep -q "^imported" "$T/out"
voice_of "$A" >"$T/va"; voice_of "$B" >"$T/vb"
check "voice: A holds what was set" grep -q "|11|es|1|families,students|families$" "$T/va"
check "voice: B holds the same groups, participants, language and note groups" cmp -s "$T/va" "$T/vb"
"$QREL" activity list --db "$B" --as "$LEAD" --site RHS --format csv | grep 'Copy A: families' >"$T/out"
check "voice: B's activity list shows them" grep -q 'students,families",11,es,yes' "$T/out"

# A citation removed in A is removed in B.
doc=$("$QREL" document add --db "$A" --as "$LEAD" --site RHS --title "Copy A: family survey form" | sed 's/[^0-9]//g')
nid=$(sql "$A" "SELECT id FROM note WHERE text LIKE 'Copy A: parents ask%'")
"$QREL" document cite --db "$A" --as "$LEAD" "$doc" --note "$nid" >/dev/null
"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/a4.qb" --peer B >/dev/null
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a4.qb" >/dev/null
cites_of() { sql "$1" "SELECT count(*) FROM note_document nd JOIN document d ON d.id = nd.document_id
	WHERE d.title = 'Copy A: family survey form'"; }
check "uncite: B holds A's citation" test "$(cites_of "$B")" = 1
"$QREL" document uncite --db "$A" --as "$LEAD" "$doc" --note "$nid" >/dev/null
check "uncite: A's citation is gone" test "$(cites_of "$A")" = 0
"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/a5.qb" --peer B >/dev/null
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a5.qb" >/dev/null
check "uncite: the removal travels to B" test "$(cites_of "$B")" = 0

# Bad bundles: each refused with a clear message, the database unchanged.
"$QREL" sync export --as "$LEAD" --db "$A" -o "$T/good.qb" --all >/dev/null
refused() {	# refused NAME BUNDLE PATTERN
	sql "$B" .dump | md5sum >"$T/before"
	"$QREL" sync import --db "$B" --as "$LEAD" "$2" >/dev/null 2>"$T/err"
	rc=$?
	sql "$B" .dump | md5sum >"$T/after"
	check "$1: refused" test "$rc" -eq 1
	check "$1: says why" grep -q -- "$3" "$T/err"
	check "$1: says nothing was imported" grep -q "nothing was imported" "$T/err"
	check "$1: database unchanged" cmp -s "$T/before" "$T/after"
}
size=$(stat -c %s "$T/good.qb")
head -c $((size / 2)) "$T/good.qb" >"$T/trunc.qb"
refused "truncated bundle" "$T/trunc.qb" "not signed by this review's key"
head -c 40 "$T/good.qb" >"$T/short.qb"
refused "bundle cut inside its header" "$T/short.qb" "damaged or truncated"
cp "$T/good.qb" "$T/flip.qb"
# A byte other than the one there (K, or J where K already is).
flip=K; test "$(dd if="$T/good.qb" bs=1 skip=$((size / 2)) count=1 status=none)" = K && flip=J
printf '%s' "$flip" | dd of="$T/flip.qb" bs=1 seek=$((size / 2)) conv=notrunc status=none
refused "bundle with one byte changed" "$T/flip.qb" "not signed by this review's key (was it made from another review, or altered?)"
"$QREL" backup --db "$A" -o "$T/c.db" >/dev/null
sql "$T/c.db" "UPDATE sync_key SET key = randomblob(32)"
"$QREL" sync export --db "$T/c.db" -o "$T/c.qb" --all >/dev/null
refused "bundle signed with another key" "$T/c.qb" "not signed by this review's key"
truncate -s 1G "$T/big.qb"
refused "a 1 GiB (sparse) bundle" "$T/big.qb" "1024 MiB, over the cap of 64 MiB for a bundle"
rm -f "$T/big.qb"
sql "$T/old.qb" "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
refused "an unsigned bundle of the old format" "$T/old.qb" "unsigned bundle (format 1)"
sample_db "$T/other.db"
"$QREL" sync export --as "$LEAD" --db "$T/other.db" -o "$T/other.qb" --all >/dev/null
refused "bundle from another review" "$T/other.qb" "from another review"
cp "$T/good.qb" "$T/newer.qb"
printf 'c' | dd of="$T/newer.qb" bs=1 seek=9 conv=notrunc status=none
refused "newer-format bundle" "$T/newer.qb" "format 99 is newer than this qrel reads (formats 2 to 3): upgrade qrel"
printf 'not a bundle\n' >"$T/text.qb"
refused "a text file" "$T/text.qb" "not a qrel bundle"
# Crafted bundles, signed with B's own key as anyone holding a copy could: the tables are
# unpacked, changed with sqlite3 and packed again (header, zlib, HMAC-SHA-512-256).
bundle_unpack "$T/good.qb" "$T/tables.db"
seal() {	# seal TABLES OUT [RAWSIZE]: signs TABLES with B's key as bundle OUT
	bundle_seal "$1" "$2" "$B" "${3:-}"
}
crafted() {	# crafted NAME SQL PATTERN: the good tables changed by SQL, signed, must be refused
	cp "$T/tables.db" "$T/crafted.db"
	sql "$T/crafted.db" "$2"
	seal "$T/crafted.db" "$T/crafted.qb"
	refused "$1" "$T/crafted.qb" "$3"
}
seal "$T/tables.db" "$T/resealed.qb"
"$QREL" sync import --db "$B" --as "$LEAD" "$T/resealed.qb" >"$T/out"
check "the good tables signed again by the test still import" grep -q "^imported" "$T/out"
crafted "a recursive view" "CREATE VIEW v AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT x FROM r" \
	"holds a view 'v', which a qrel bundle never has"
crafted "a trigger" "CREATE TRIGGER t AFTER UPDATE ON score BEGIN DELETE FROM note; END" "holds a trigger 't'"
crafted "an extra table" "CREATE TABLE person_role (name TEXT, role TEXT)" "holds a table 'person_role'"
crafted "an extra column" "ALTER TABLE person ADD COLUMN login TEXT" "its table 'person' is not the one qrel writes"
crafted "an extra column in the voice" "ALTER TABLE activity_voice ADD COLUMN owner TEXT" \
	"its table 'activity_voice' is not the one qrel writes"
crafted "a removed citation of an unknown kind" "INSERT INTO unlink VALUES ('person_role', 'x', 'y')" \
	"a removed citation of 'person_role', which no bundle carries"
crafted "a value over the cap" "UPDATE note SET text = printf('%.*c', 1048577, 'x') WHERE rowid = 1" \
	"a value in note.text is 1048577 characters or bytes long, over the cap of 1 MiB"
crafted "too many rows" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x <= 1000000)
	INSERT INTO change_log(uuid) SELECT 'x' || x FROM c" "over the cap of 1000000 rows per table"
seal "$T/tables.db" "$T/gib.qb" $((1 << 30))
refused "tables said to take 1 GiB" "$T/gib.qb" "its tables take 1024 MiB unpacked, over the cap of 64 MiB"

"$QREL" sync import --db "$B" "$T/missing.qb" 2>"$T/err"
check "a missing bundle is an error" grep -q "missing.qb" "$T/err"

finish

#!/bin/sh
# hub.sh: a real PostgreSQL in a temporary directory (initdb and pg_ctl as an
# unprivileged user, a Unix socket there, no TCP), a hub on it, and the rules
# it holds itself: psql in a reviewer's hands cannot read blind scores, write
# as another person, leave the scale or write at a locked site. Then two local
# copies exchange through it. Skipped, visibly, only without PostgreSQL.
. "$(dirname "$0")/hub_lib.sh"

# ---- qrel hub init ----
"$QREL" hub init "$ADMIN" >"$T/out"
check "init creates the hub schema" grep -q "schema version [0-9]* (was 0)" "$T/out"
"$QREL" hub init "$ADMIN" >"$T/out"
check "init again changes nothing" grep -q "already" "$T/out"
check "a password in the connection string is refused" sh -c \
	"! '$QREL' hub init 'host=$W user=hubadmin dbname=hub password=secret' 2>'$T/err' && grep -q pgpass '$T/err'"
check "so is one in a URI" sh -c "! '$QREL' hub init 'postgresql://hubadmin:secret@/hub?host=$W' 2>/dev/null"
V=$(as hubadmin "SELECT value FROM hub.meta WHERE key = 'schema'")
as hubadmin "UPDATE hub.meta SET value = '999' WHERE key = 'schema'" >/dev/null
check "a newer hub schema is refused" sh -c "! '$QREL' hub init '$ADMIN' 2>'$T/err' && grep -q 'newer' '$T/err'"
as hubadmin "UPDATE hub.meta SET value = '$V' WHERE key = 'schema'" >/dev/null

# ---- add-review and grant ----
A="$T/a.db" B="$T/b.db"
LEAD="Ségolène Arceneaux"
sample_db "$A"
"$QREL" backup --db "$A" -o "$B" >/dev/null
check "a reviewer cannot put the review on the hub" sh -c \
	"! '$QREL' hub add-review --db '$A' --as 'José Ramírez' '$ADMIN' 2>/dev/null"
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >"$T/out"
check "the lead puts the review on the hub" grep -q "7 sites, 12 people" "$T/out"
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >/dev/null
check "twice: still one review, 12 people" test "$(as hubadmin 'SELECT count(*) FROM hub.review')$(as hubadmin 'SELECT count(*) FROM hub.person')" = 112
grant() { "$QREL" hub grant --db "$A" "$ADMIN" "$@" >/dev/null; }
grant "$LEAD" lead && grant "José Ramírez" jose && grant --role reviewer "Zoë Whitfield" zoe &&
grant "Patricia Holloway" pat && grant "Björn Halvorsen" bjorn
check "grant maps five logins" test "$(as hubadmin 'SELECT count(login) FROM hub.person')" = 5
check "a login is one person's only" sh -c "! '$QREL' hub grant --db '$A' '$ADMIN' 'Nguyễn Thị Lan' jose 2>/dev/null"
check "a grant naming the wrong role is refused" sh -c \
	"! '$QREL' hub grant --db '$A' --role lead '$ADMIN' 'Nguyễn Thị Lan' lan 2>'$T/err' && grep -q 'is a reviewer' '$T/err'"
check "add-review seeded the hub with the lead's scores and notes" test \
	"$(as hubadmin 'SELECT count(*) FROM hub.score')" = "$(sql "$A" 'SELECT count(*) FROM score')"
# The rules below start from an empty hub review.
as hubadmin "DELETE FROM hub.change_log; DELETE FROM hub.score; DELETE FROM hub.note" >/dev/null

# ---- the rules, in the hub, against psql ----
R=$(sql "$A" "SELECT uuid FROM review")
site() { sql "$A" "SELECT uuid FROM site WHERE code = '$1'"; }
who() { sql "$A" "SELECT uuid FROM person WHERE name = '$1'"; }
RHS=$(site RHS) EHS=$(site EHS) J=$(who "José Ramírez") Z=$(who "Zoë Whitfield") L=$(who "$LEAD") P=$(who "Patricia Holloway")
score() {	# score LOGIN UUID SITE RATER KIND LEVEL
	as "$1" "INSERT INTO hub.score(uuid, review, site, cluster, rater, kind, level, rationale, updated_at)
		VALUES ('$2', '$R', '$3', '1.1', '$4', '$5', $6, 'by $1', 'now')"
}
check "a reviewer writes their own team score" test -z "$(score jose t-j "$RHS" "$J" team 2)"
check "but not as another person" has "$(score jose t-x "$RHS" "$Z" team 2)" 'row-level security'
check "a level off the scale is refused" has "$(score zoe t-z "$RHS" "$Z" team 4)" 'outside the scale'
score zoe t-z "$RHS" "$Z" team 3 >/dev/null
check "blind: Zoë reads her score, not José's" test "$(as zoe "SELECT string_agg(uuid, ',') FROM hub.score")" = t-z
check "nor can she change his" test "$(as zoe "UPDATE hub.score SET level = 1 WHERE uuid = 't-j' RETURNING 1")" = ""
check "an observer reads no open score" test "$(as bjorn 'SELECT count(*) FROM hub.score')" = 0
check "a reviewer records no consensus" has "$(score zoe c-z "$RHS" "$Z" consensus 3)" 'row-level security'
check "the lead reads every score" test "$(as lead 'SELECT count(*) FROM hub.score')" = 2
score lead c-1 "$RHS" "$L" consensus 2 >/dev/null
check "after the consensus Zoë reads the cell" test "$(as zoe "SELECT string_agg(uuid, ',' ORDER BY uuid) FROM hub.score")" = "c-1,t-j,t-z"
check "the observer too" test "$(as bjorn 'SELECT count(*) FROM hub.score')" = 3
check "the principal of RHS not before the release" test "$(as pat 'SELECT count(*) FROM hub.score')" = 0
note() {	# note LOGIN UUID SITE AUTHOR
	as "$1" "INSERT INTO hub.note(uuid, review, site, author, source, valence, text, created_at, updated_at)
		VALUES ('$2', '$R', '$3', '$4', 'interview', 'neutral', 'by $1', 'now', 'now')"
}
note jose n-j "$RHS" "$J" >/dev/null
check "a principal writes no note at another school" has "$(note pat n-p "$EHS" "$P")" 'row-level security'
note pat n-p "$RHS" "$P" >/dev/null
check "and reads their own note, not the team's" test "$(as pat "SELECT string_agg(uuid, ',') FROM hub.note")" = n-p
as lead "UPDATE hub.site SET released = true WHERE code = 'RHS'" >/dev/null
check "once released, the principal reads the team's notes and agreed scores" test \
	"$(as pat 'SELECT count(*) FROM hub.note')$(as pat 'SELECT count(*) FROM hub.score')" = 23
check "a reviewer cannot lock a site" test "$(as jose "UPDATE hub.site SET locked = true RETURNING 1")" = ""
as lead "UPDATE hub.site SET locked = true WHERE code = 'RHS'" >/dev/null
check "nothing changes at a locked site, not even by the lead" \
	has "$(as lead "UPDATE hub.score SET level = 3 WHERE uuid = 't-j'")" 'is locked'
check "no member deletes a score" test "$(as lead "DELETE FROM hub.score RETURNING 1" | grep -c '^1')" = 0
check "no member writes the change log" has "$(as lead "INSERT INTO hub.change_log(review, entity, entity_uuid, field) VALUES ('$R', 'x', 'x', 'x')")" 'permission denied'
check "the change log records each write's login and person" test \
	"$(as hubadmin "SELECT login || ':' || (SELECT name FROM hub.person WHERE uuid = person) FROM hub.change_log WHERE entity_uuid = 't-j'")" = "jose:José Ramírez"
check "a reviewer reads only their own change-log entries" test "$(as zoe 'SELECT DISTINCT login FROM hub.change_log')" = zoe
as hubadmin "UPDATE hub.site SET locked = false, released = false; DELETE FROM hub.change_log;
	DELETE FROM hub.score; DELETE FROM hub.note" >/dev/null
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >"$T/out"
check "add-review seeds the hub with the lead's scores and notes" grep -q "[1-9][0-9]* scores and notes" "$T/out"

# ---- sync push|pull --hub: copies meet at the hub ----
J="José Ramírez"
A2="$T/a2.db" P="$T/p.db"
"$QREL" backup --db "$A" -o "$A2" >/dev/null
check "push refuses a login that is someone else" sh -c \
	"! '$QREL' sync push --db '$B' --as '$J' --hub '$(url lead)' 2>'$T/err' && grep -q 'is $LEAD' '$T/err'"
check "and a password on the command line" sh -c \
	"! '$QREL' sync push --db '$B' --as '$J' --hub '$(url jose) password=x' 2>/dev/null"
note_csv "$T/nb.csv" EHS "$J" "Copy B: families of English learners get calls in Spanish."
note_csv "$T/na.csv" RHS "$LEAD" "Copy A: the counsellor tracks AP enrolment by subgroup."
"$QREL" import evidence --db "$B" --as "$J" "$T/nb.csv" >/dev/null
"$QREL" import evidence --db "$A" --as "$LEAD" "$T/na.csv" >/dev/null
"$QREL" score --db "$B" --as "$J" --site RHS --cluster 1.1 --level 1 --rationale "B: averages only" >/dev/null
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >"$T/out"
check "José's push takes his note and his changed score" grep -q " 1 new, 1 updated" "$T/out"
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >"$T/out"
check "a second push sends nothing" grep -q "pushed 0 rows" "$T/out"
as hubadmin "SELECT count(*) FROM hub.note; SELECT count(*) FROM hub.score; SELECT count(*) FROM hub.change_log" >"$T/hub.before"
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "pushing the lead's note twice adds it once" test \
	"$(as hubadmin "SELECT count(*) FROM hub.note WHERE text LIKE 'Copy A:%'")" = 1
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >"$T/out"
check "José pulls the lead's note" test "$(sql "$B" "SELECT count(*) FROM note WHERE text LIKE 'Copy A:%'")" = 1
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out"
check "the lead pulls José's note and score" test \
	"$(sql "$A" "SELECT count(*) FROM note WHERE text LIKE 'Copy B:%'")$(sql "$A" "SELECT count(*) FROM score WHERE rationale = 'B: averages only'")" = 11
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out"
check "a second pull brings nothing" grep -q "pulled 0 rows" "$T/out"
notes_of() { sql "$1" "SELECT uuid, valence, deleted_at IS NULL, text FROM note ORDER BY uuid"; }
check "the lead's copy and José's hold the same notes" test "$(notes_of "$A")" = "$(notes_of "$B")"
check "and the hub holds them too" test "$(as hubadmin "SELECT string_agg(uuid || '|' || valence || '|' || (deleted_at IS NULL)::int || '|' || text, E'\n' ORDER BY uuid) FROM hub.note")" = "$(notes_of "$A")"
mine() { sql "$1" "SELECT s.uuid, level, rationale FROM score s JOIN person p ON p.id = s.rater_id WHERE p.name = '$J' ORDER BY s.uuid"; }
check "José's scores are equal in both copies" test "$(mine "$A")" = "$(mine "$B")"

# A conflict: the lead's consensus changed in two of the lead's copies.
"$QREL" score --db "$A" --as "$LEAD" --kind consensus --site EHS --cluster 3.1 --level 3 --rationale "A: agreed high" >/dev/null
"$QREL" score --db "$A2" --as "$LEAD" --kind consensus --site EHS --cluster 3.1 --level 1 --rationale "A2: agreed low" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync push --db "$A2" --as "$LEAD" --hub "$(url lead)" >"$T/out"
check "the second copy's push records a conflict on the hub" grep -q "1 new conflicts" "$T/out"
check "the hub keeps the first value and both in its conflict table" test \
	"$(as hubadmin "SELECT level FROM hub.score WHERE rationale LIKE 'A:%'")$(as hubadmin "SELECT count(*) FROM hub.conflict WHERE hub_value LIKE '3|%' AND pushed_value LIKE '1|%'")" = 31
"$QREL" sync push --db "$A2" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "pushed again, it is still one conflict" test "$(as hubadmin 'SELECT count(*) FROM hub.conflict')" = 1
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out"
check "the lead's other copy lists the conflict the hub met" sh -c \
	"grep -q '1 new conflicts' '$T/out' && '$QREL' sync conflicts --db '$A' --as '$LEAD' | grep -q 'EHS 3.1 consensus'"
"$QREL" sync pull --db "$A2" --as "$LEAD" --hub "$(url lead)" >"$T/out"
check "the pull records it in the copy, as a bundle would" grep -q "1 new conflicts" "$T/out"
check "listed by qrel sync conflicts" sh -c "'$QREL' sync conflicts --db '$A2' --as '$LEAD' | grep -q 'EHS 3.1 consensus'"
ID=$("$QREL" sync conflicts --db "$A2" --as "$LEAD" | sed -n 's/^#\([0-9]*\) .*/\1/p' | head -n 1)
"$QREL" sync resolve --db "$A2" --as "$LEAD" "$ID" --keep local >/dev/null
"$QREL" sync push --db "$A2" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >/dev/null
agreed() { sql "$1" "SELECT level || rationale FROM score WHERE kind = 'consensus' AND rationale LIKE 'A%agreed%'"; }
check "the first copy's conflict settled itself when the chosen value came" sh -c \
	"'$QREL' sync conflicts --db '$A' --as '$LEAD' | grep -q 'no open conflicts'"
check "resolved: both copies, José's and the hub hold the chosen value" test \
	"$(agreed "$A")|$(agreed "$A2")|$(agreed "$B")|$(as hubadmin "SELECT level || rationale FROM hub.score WHERE rationale LIKE 'A%agreed%'")" = \
	"1A2: agreed low|1A2: agreed low|1A2: agreed low|1A2: agreed low"

# Same cell, other uuid: both of the lead's copies score HMS 1.1's consensus
# offline, each under its own uuid. The hub takes them as one row: a conflict
# for the lead, as a bundle's import would record it.
cell() { sql "$1" "SELECT count(*) || ':' || group_concat(level || rationale) FROM score s JOIN site x ON x.id = s.site_id JOIN cluster c ON c.id = s.cluster_id WHERE x.code = 'HMS' AND c.code = '1.1' AND s.kind = 'consensus'"; }
hub_cell() { as hubadmin "SELECT count(*) || ':' || string_agg(level || rationale, ',') FROM hub.score x JOIN hub.site s ON s.uuid = x.site WHERE s.code = 'HMS' AND s.review = '$R' AND x.cluster = '1.1' AND x.kind = 'consensus'"; }
"$QREL" score --db "$A" --as "$LEAD" --kind consensus --site HMS --cluster 1.1 --level 2 --rationale "A: new cell" >/dev/null
"$QREL" score --db "$A2" --as "$LEAD" --kind consensus --site HMS --cluster 1.1 --level 3 --rationale "A2: new cell" >/dev/null
check "the two copies hold the cell under different uuids" test \
	"$(sql "$A" "SELECT uuid FROM score WHERE rationale = 'A: new cell'")" != "$(sql "$A2" "SELECT uuid FROM score WHERE rationale = 'A2: new cell'")"
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync push --db "$A2" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "the second push of the same cell records a conflict, not an error" grep -q "1 new conflicts" "$T/out"
check "the hub holds the cell once, with the first value" test "$(hub_cell)" = "1:2A: new cell"
"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$(url lead)" >"$T/out"
check "the lead's pull lists the cell's conflict" sh -c \
	"grep -q '1 new conflicts' '$T/out' && '$QREL' sync conflicts --db '$A' --as '$LEAD' | grep -q 'HMS 1.1 consensus'"
ID=$("$QREL" sync conflicts --db "$A" --as "$LEAD" | sed -n 's/^#\([0-9]*\) .*HMS 1.1.*/\1/p' | head -n 1)
"$QREL" sync resolve --db "$A" --as "$LEAD" "$ID" --keep remote >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync pull --db "$A2" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync pull --db "$B" --as "$J" --hub "$(url jose)" >/dev/null
check "resolved: both copies, José's and the hub hold the cell once, with the chosen value" test \
	"$(cell "$A")|$(cell "$A2")|$(cell "$B")|$(hub_cell)" = "1:3A2: new cell|1:3A2: new cell|1:3A2: new cell|1:3A2: new cell"
check "and no copy of the lead lists an open conflict" sh -c \
	"'$QREL' sync conflicts --db '$A' --as '$LEAD' | grep -q 'no open conflicts' && '$QREL' sync conflicts --db '$A2' --as '$LEAD' | grep -q 'no open conflicts'"

# A principal's pull: a copy without the review's notes and scores gets only
# what Patricia may read (her school's self-evaluation, nothing of the team's).
"$QREL" backup --db "$A" -o "$P" >/dev/null
sql "$P" "DELETE FROM note_cluster; DELETE FROM note_subgroup; DELETE FROM finding_note;
	DELETE FROM cause_link WHERE kind = 'note'; DELETE FROM note; DELETE FROM score;
	DELETE FROM sync_mark; DELETE FROM sync_base; DELETE FROM sync_setting WHERE key LIKE 'hub pulled%'"
"$QREL" sync pull --db "$P" --as "Patricia Holloway" --hub "$(url pat)" >"$T/out"
check "the principal's pull brings rows" grep -q "pulled [1-9]" "$T/out"
check "none of them the team's notes" test \
	"$(sql "$P" "SELECT count(*) FROM note n JOIN person p ON p.id = n.author_id WHERE p.name <> 'Patricia Holloway'")" = 0
check "nor a score outside her school's self-evaluation" test \
	"$(sql "$P" "SELECT count(*) FROM score s JOIN site x ON x.id = s.site_id WHERE s.kind <> 'self' OR x.code <> 'RHS'")" = 0

# Killed in the middle of a push: the hub has all of it or none; a rerun completes it.
i=0
{ echo 'site,source,author,valence,clusters,text'
  while [ $i -lt 1500 ]; do echo "RHS,interview,$J,neutral,1.1,bulk note $i"; i=$((i + 1)); done; } >"$T/bulk.csv"
"$QREL" import evidence --db "$B" --as "$J" "$T/bulk.csv" >/dev/null
bulk() { as hubadmin "SELECT count(*) FROM hub.note WHERE text LIKE 'bulk note %'"; }
consistent=1
for d in 0.05 0.1 0.15 0.2 0.3 0.4 0.5 0.7; do
	"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	n=$(bulk)
	[ "$n" = 0 ] || [ "$n" = 1500 ] || consistent=0
done
check "after each SIGKILL the hub holds none or all of the push" test "$consistent" = 1
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >/dev/null
check "a rerun completes it" test "$(bulk)" = 1500
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >/dev/null
check "and once more adds nothing" test "$(bulk)" = 1500

# The lead's lock travels with the lead's push, and the hub then refuses José's change there.
"$QREL" lock --db "$A" --as "$LEAD" --site OES >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "the lead's push locks the site on the hub" test "$(as hubadmin "SELECT locked FROM hub.site WHERE code = 'OES' AND review = '$R'")" = t
"$QREL" score --db "$B" --as "$J" --site OES --cluster 1.1 --level 2 --rationale "B: after the lock" >/dev/null
check "José's push of a change at the locked site is refused whole" sh -c \
	"! '$QREL' sync push --db '$B' --as '$J' --hub '$(url jose)' 2>'$T/err' && grep -q 'OES is locked' '$T/err'"
"$QREL" reopen --db "$A" --as "$LEAD" --site OES --reason "one more interview" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
"$QREL" sync push --db "$B" --as "$J" --hub "$(url jose)" >/dev/null
check "reopened by the lead's next push, José's change goes in" test \
	"$(as hubadmin "SELECT count(*) FROM hub.score WHERE rationale = 'B: after the lock'")" = 1
"$QREL" release --db "$A" --as "$LEAD" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "the lead's release of the whole review reaches the hub" test "$(as hubadmin "SELECT released FROM hub.review WHERE uuid = '$R'")" = t
"$QREL" sync pull --db "$P" --as "Patricia Holloway" --hub "$(url pat)" >/dev/null
check "and the principal's next pull brings her school's team notes" test \
	"$(sql "$P" "SELECT count(*) FROM note n JOIN person p ON p.id = n.author_id JOIN site s ON s.id = n.site_id WHERE p.name <> 'Patricia Holloway' AND s.code = 'RHS'")" -gt 0
check "still none of another school's" test \
	"$(sql "$P" "SELECT count(*) FROM note n JOIN site s ON s.id = n.site_id WHERE s.code <> 'RHS'")" = 0

# A grant changes: Patricia now heads EHS, not RHS. Her next pull forgets
# what she no longer reads there, and brings what she now reads.
seen() { sql "$P" "SELECT uuid FROM note UNION ALL SELECT uuid FROM score ORDER BY 1"; }
hub_seen() { as pat "SELECT uuid FROM hub.note UNION ALL SELECT uuid FROM hub.score ORDER BY 1"; }
rhs_team() { sql "$P" "SELECT count(*) FROM note n JOIN person p ON p.id = n.author_id JOIN site s ON s.id = n.site_id WHERE p.name <> 'Patricia Holloway' AND s.code = 'RHS'"; }
as hubadmin "UPDATE hub.person SET site = '$EHS' WHERE login = 'pat'" >/dev/null
"$QREL" sync pull --db "$P" --as "Patricia Holloway" --hub "$(url pat)" >"$T/out"
check "after the grant changes, the pull forgets rows she no longer reads" grep -q " [1-9][0-9]* no longer yours to see forgotten" "$T/out"
check "none of RHS's team notes stay in her copy" test "$(rhs_team)" = 0
check "her copy holds exactly what the hub lets her read" test "$(seen)" = "$(hub_seen)"
check "and the copy is consistent" test "$(sql "$P" "PRAGMA foreign_key_check" | wc -l)" = 0
"$QREL" sync pull --db "$P" --as "Patricia Holloway" --hub "$(url pat)" >"$T/out"
check "the next pull forgets nothing more" grep -q " 0 no longer yours to see forgotten" "$T/out"
as hubadmin "UPDATE hub.person SET site = '$RHS' WHERE login = 'pat'" >/dev/null
"$QREL" sync pull --db "$P" --as "Patricia Holloway" --hub "$(url pat)" >/dev/null
check "granted back, her pull brings RHS's released notes again" test "$(rhs_team)" -gt 0
check "still exactly what the hub lets her read" test "$(seen)" = "$(hub_seen)"

# ---- portfolio: a second review of the same framework ----
C="$T/c.db"
sample_db "$C"
sql "$C" "UPDATE review SET starts = '2025-09-01'"
"$QREL" hub add-review --db "$C" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" portfolio --hub "$(url zoe)" --db "$A" >"$T/out"
check "the portfolio counts both reviews and places Zoë's" sh -c \
	"grep -q '^1.1  ' '$T/out' && grep -q 'over 2 reviews; this review' '$T/out'"
"$QREL" portfolio --hub "$(url zoe)" --db "$A" --format csv >"$T/p.csv"
check "as CSV, one row per cluster and level" test \
	"$(head -n 1 "$T/p.csv")" = "cluster,title,level,sites,share,reviews,review_sites,cluster_mean,review_mean,reviews_below"
check "the portfolio's sites are both reviews' consensus levels" test \
	"$(awk -F, 'NR > 1 { n += $4 } END { print n }' "$T/p.csv")" = \
	"$(as hubadmin "SELECT count(*) FROM hub.score WHERE kind = 'consensus' AND level IS NOT NULL")"
"$QREL" portfolio --hub "$(url pat)" --db "$A" --format json >"$T/p.json"
check "as JSON; a principal gets the portfolio but not the review's own standing" sh -c \
	"python3 -m json.tool '$T/p.json' >/dev/null && grep -q '\"review_mean\": null' '$T/p.json' && ! grep -q '\"review_sites\": [0-9]' '$T/p.json'"

"$QREL" portfolio --hub "$(url zoe)" --db "$A" --by years --format csv >"$T/y.csv"
check "by years: one row per cluster, year and level" test \
	"$(head -n 1 "$T/y.csv")" = "cluster,title,year,level,sites,share,reviews,review_sites"
check "the years add up to the same sites" test \
	"$(awk -F, 'NR > 1 { n += $5 } END { print n }' "$T/y.csv")" = "$(awk -F, 'NR > 1 { n += $4 } END { print n }' "$T/p.csv")"
"$QREL" portfolio --hub "$(url zoe)" --db "$A" --by years >"$T/out"
check "and as a table, a line per year" sh -c "grep -q '^  2025:  level' '$T/out' && grep -q '^  (no year):  level' '$T/out'"
# The portfolio reads counts the score triggers keep: equal to counting the consensus scores themselves.
counted() { as hubadmin "SELECT review, cluster, level, sites FROM hub.consensus_count WHERE sites > 0 ORDER BY 1, 2, 3"; }
scored() { as hubadmin "SELECT review, cluster, level, count(*) FROM hub.score WHERE kind = 'consensus' AND level IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"; }
by_years() { as hubadmin "SELECT cluster, year, level, sites, reviews FROM hub.portfolio_years(NULL, '$R')"; }
by_years_direct() { as hubadmin "SELECT x.cluster, v.year, x.level, count(*), count(DISTINCT x.review) FROM hub.score x JOIN hub.review v ON v.uuid = x.review JOIN hub.cluster c ON c.review = x.review AND c.code = x.cluster WHERE x.kind = 'consensus' AND x.level IS NOT NULL GROUP BY x.cluster, v.year, x.level ORDER BY min(c.position), x.cluster, v.year, x.level"; }
check "the consensus counts the pushes kept equal the hub's consensus scores" test "$(counted)" = "$(scored)"
check "and the portfolio by years equals counting the scores directly" test "$(by_years)" = "$(by_years_direct)"
as hubadmin "UPDATE hub.score SET level = 1 + level % 4 WHERE uuid = (SELECT min(uuid) FROM hub.score WHERE kind = 'consensus' AND level IS NOT NULL)" >/dev/null
as hubadmin "UPDATE hub.score SET level = NULL, insufficient = 1 WHERE uuid = (SELECT max(uuid) FROM hub.score WHERE kind = 'consensus' AND level IS NOT NULL)" >/dev/null
check "still equal after a level changes and another becomes not enough evidence" test "$(counted)" = "$(scored)"
check "and by years still the direct count" test "$(by_years)" = "$(by_years_direct)"
counts_read=$(as zoe "SELECT count(*) FROM hub.consensus_count")
check "no login reads the counts themselves" test "${counts_read#*permission denied}" != "$counts_read"
check "the lead's push and add-review carried the subgroup tables, summed to the district" test \
	"$(as hubadmin "SELECT count(DISTINCT review) FROM hub.subgroup")" = 2
check "which only the review's lead reads on the hub" test \
	"$(as zoe 'SELECT count(*) FROM hub.subgroup')$(as lead "SELECT count(*) > 0 FROM hub.subgroup WHERE review = '$R'")" = 0t
"$QREL" portfolio --hub "$(url zoe)" --db "$A" --by groups --format csv >"$T/g.csv"
check "by groups: risk ratios per metric and group across districts" test "$(head -n 1 "$T/g.csv")" = \
	"metric,name,dimension,group,reviews,enrolled,count,risk,ratio,flagged,review_enrolled,review_count,review_risk,review_ratio,review_flagged"
check "pooled over both districts, this review's own beside it" test \
	"$(awk -F, 'NR > 1 && $5 == 2 && $6 == 2 * $11 { n++ } END { print (n > 0) }' "$T/g.csv")" = 1
check "a group under [privacy] min_display shows no count or risk" test \
	"$(awk -F, 'NR > 1 && $11 != "" && $11 < 10 && ($12 != "" || $13 != "") { n++ } END { print n + 0 }' "$T/g.csv")" = 0
check "and some are withheld in the sample" test \
	"$(awk -F, 'NR > 1 && $11 != "" && $12 == "" { n++ } END { print (n > 0) }' "$T/g.csv")" = 1
check "pooled over fewer than three districts, no count, risk, ratio or flag" test \
	"$(awk -F, 'NR > 1 && $5 < 3 && ($7 $8 $9 $10) != "" { n++ } END { print n + 0 }' "$T/g.csv")" = 0
D="$T/d.db"
sample_db "$D"
"$QREL" hub add-review --db "$D" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" portfolio --hub "$(url zoe)" --db "$A" --by groups --format csv >"$T/g3.csv"
check "over three, the pooled ratios show, three times the review's enrolment" test \
	"$(awk -F, 'NR > 1 && $5 == 3 && $6 == 3 * $11 && $9 != "" { n++ } END { print (n > 0) }' "$T/g3.csv")" = 1
"$QREL" portfolio --hub "$(url pat)" --db "$A" --by groups --format json >"$T/g.json"
check "a principal gets the pooled figures, not the review's own" sh -c \
	"python3 -m json.tool '$T/g.json' >/dev/null && grep -q '\"review_enrolled\": null' '$T/g.json' && ! grep -q '\"review_enrolled\": [0-9]' '$T/g.json'"
"$QREL" portfolio --hub "$(url zoe)" --db "$A" --by groups >"$T/out"
check "as a table, a block per metric and dimension" grep -q "districts, .* enrolled, risk" "$T/out"

finish

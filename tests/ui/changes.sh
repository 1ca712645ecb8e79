#!/bin/sh
# changes.sh: the change log screen (newest first, old -> new, a person filter, one change in full)
# and the conflicts screen (two diverged copies; read-only for a reviewer, the lead keeps the remote value).
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
LEAD="Ségolène Arceneaux"
REV="José Ramírez"
OTHER="Zoë Whitfield"
LONG="Only school-wide averages were shown; no subgroup has been tracked since the 2024 audit, and the \
counsellors could not say which students were missing from AP courses. END-OF-RATIONALE"
sample_db "$DB"
ZOE_OLD=$(sql "$DB" "SELECT s.level FROM score s JOIN site si ON si.id = s.site_id JOIN cluster c ON c.id = s.cluster_id \
	JOIN person p ON p.id = s.rater_id WHERE si.code = 'EHS' AND c.code = '2.2' AND p.name = 'Zoë Whitfield' \
	AND s.kind = 'team'")

# capture NAME: keeps the screen for the report when CAPTURE names a folder.
capture() { [ -n "${CAPTURE:-}" ] && screen >"$CAPTURE/$1.txt"; return 0; }
# shows REGEX / hides REGEX: the screen does (not) match; on_line N REGEX: screen line N does.
shows() { screen | grep -q -- "$1"; }
hides() { ! shows "$1"; }
on_line() { screen | sed -n "$1p" | grep -q -- "$2"; }
shows_all() { for p in "$@"; do shows "$p" || return 1; done; }
# line_of TEXT: the first screen line showing TEXT (0 when none).
line_of() { screen | grep -nF -- "$1" | head -n 1 | cut -d: -f1 | grep . || echo 0; }

# Three changes by two reviewers, a minute apart, after the sample's own entries.
QREL_NOW=2026-03-03T09:00:00Z "$QREL" score --db "$DB" --as "$REV" --site EHS --cluster 1.1 --level 3 >/dev/null
QREL_NOW=2026-03-03T09:01:00Z "$QREL" score --db "$DB" --as "$OTHER" --site EHS --cluster 2.2 --level 1 >/dev/null
QREL_NOW=2026-03-03T09:02:00Z "$QREL" score --db "$DB" --as "$REV" --site RHS --cluster 1.1 --level 2 \
	--rationale "$LONG" >/dev/null
check "the three changes are logged (the last one twice: level and rationale)" test \
	"$(sql "$DB" "SELECT count(*) FROM change_log WHERE at >= '2026-03-03'")" = 4

start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys C
check "C opens the change log, newest first, every change" wait_for "Change log, newest first · every change"
capture changes-list
check "the newest change is José's, about RHS 1.1" on_line 5 'José Ramírez.*score.*RHS 1.1 by José Ramírez'
check "  ... his rationale: — → the new text, cut with …" on_line 6 'rationale: .* → Only school-wide averages.*…'
check "the level change shows old → new" shows 'level: 3 → 2'
check "Zoë's change comes after José's newer ones and before his older one" test \
	"$(line_of 'level: 3 → 2')" -lt "$(line_of 'EHS 2.2 by Zoë Whitfield')" -a \
	"$(line_of 'EHS 2.2 by Zoë Whitfield')" -lt "$(line_of 'EHS 1.1 by José Ramírez')"
check "Zoë's change: level $ZOE_OLD → 1" shows "level: $ZOE_OLD → 1"

keys f
wait_for "Filter by:" >/dev/null
keys -l "pers"
keys Enter
wait_for "Filter person" >/dev/null
keys -l "José"
check "the person prompt offers the reviewer by name" wait_for "José Ramírez  (reviewer)"
keys Enter
check "the filter is on the first line" wait_for "newest first · by José Ramírez"
capture changes-person
check "Zoë's change is gone from the filtered list" hides 'Zoë Whitfield'
check "José's three entries remain" test "$(screen | grep -c '^2026-03-03 09:0. José Ramírez')" = 3

keys Enter
check "Enter shows the whole change" wait_for "END-OF-RATIONALE"
capture changes-view
check "the view names the change and who made it" shows '^Change [0-9]*  2026-03-03T09:02:00Z  by José Ramírez'
check "  ... and the field" shows 'field: rationale'
check "old and new are both shown" shows_all '^Old:' '^New:'
keys q
check "q goes back to the filtered list" wait_for "newest first · by José Ramírez"
keys F
check "F clears the filter" wait_for "newest first · every change"
keys f
wait_for "Filter by:" >/dev/null
keys -l "site"
keys Enter
wait_for "Filter site" >/dev/null
keys -l "EHS"
keys Enter
check "a site filter keeps only that site's changes" wait_for "newest first · site EHS"
check "  ... Zoë's and José's at EHS" shows_all 'EHS 2.2 by Zoë' 'EHS 1.1 by José'
check "  ... and none at RHS" hides 'RHS 1.1 by'
keys Q
wait_exit >/dev/null

# ---- conflicts: two copies diverge on one score and exchange bundles ----
A="$T/a.db" B="$T/b.db"
sample_db "$A"
"$QREL" backup --db "$A" -o "$B" >/dev/null
"$QREL" score --db "$A" --as "$REV" --site RHS --cluster 1.1 --level 3 --rationale "A: growth tracked" >/dev/null
"$QREL" score --db "$B" --as "$REV" --site RHS --cluster 1.1 --level 1 --rationale "B: averages only" >/dev/null
"$QREL" sync export --db "$A" --as "$LEAD" -o "$T/a1.qb" --peer B >/dev/null
"$QREL" sync import --db "$B" --as "$LEAD" "$T/a1.qb" >/dev/null
"$QREL" sync export --db "$B" --as "$LEAD" -o "$T/b1.qb" --peer A >/dev/null
"$QREL" sync import --db "$A" --as "$LEAD" "$T/b1.qb" >"$T/out"
check "A records the conflict" grep -q "1 new conflicts" "$T/out"
ID=$(sql "$A" "SELECT id FROM sync_conflict")

start --db "$A" --as "$REV"
wait_for "Review overview" >/dev/null
keys K
check "K opens the conflicts screen with one open conflict" wait_for "Sync conflicts: 1 open"
check "a reviewer sees it read-only" wait_for "Read-only: only the review's lead resolves"
keys r
check "r is refused for a reviewer" wait_for "Only the review's lead resolves sync conflicts"
check "nothing was resolved" test "$(sql "$A" "SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL")" = 1
keys Q
wait_exit >/dev/null

start --db "$A" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys K
check "the lead sees the conflict" wait_for "#$ID   score RHS 1.1 team score by José Ramírez"
check "both values side by side" shows 'level 3, "A: growth tracked" .*│ *level 1, "B: averages only"'
check "when and from which copy" shows "Detected 2026-03-02 10:00 from copy [0-9a-f]\{8\}, imported by $LEAD"
capture conflicts-open
keys r
check "r asks first" wait_for "Conflict #$ID: take the other copy's value? y/n"
keys n
check "n changes nothing" wait_for "Nothing changed."
check "  ... the conflict is still open" test \
	"$(sql "$A" "SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL")" = 1
keys r
wait_for "y/n" >/dev/null
keys y
check "y keeps the remote value" wait_for "Conflict #$ID resolved: kept the other copy's value"
check "the list is empty afterwards" wait_for "No open conflicts"
capture conflicts-resolved
keys a
check "a shows resolved conflicts too" wait_for "Resolved 2026-03-02T10:00:00Z: kept the other copy's value ($LEAD)"
keys C
check "the change log shows both values of the resolution" \
	wait_for 'sync resolve: level 3, "A: growth tracked" → level 1, "B: averages only"'
check "  ... as the newest change" on_line 6 'sync resolve'
capture changes-resolve
keys Q
check "qrel exits cleanly" test "$(wait_exit)" = 0

check "the score now holds B's value" test \
	"$(sql "$A" "SELECT s.level || '|' || s.rationale FROM score s JOIN site si ON si.id = s.site_id \
	JOIN cluster c ON c.id = s.cluster_id JOIN person p ON p.id = s.rater_id \
	WHERE si.code = 'RHS' AND c.code = '1.1' AND p.name = '$REV' AND s.kind = 'team'")" = "1|B: averages only"
check "the conflict is closed as remote by the lead" test \
	"$(sql "$A" "SELECT resolution || '|' || resolved_by FROM sync_conflict WHERE id = $ID")" = "remote|$LEAD"
check "qrel sync conflicts: no open conflicts" sh -c "'$QREL' sync conflicts --db '$A' | grep -q 'no open conflicts'"
check "qrel sync conflicts --all lists it resolved (remote)" sh -c \
	"'$QREL' sync conflicts --db '$A' --all | grep -q 'resolved 2026-03-02T10:00:00Z (remote)'"
check "the change log keeps both values" test \
	"$(sql "$A" "SELECT count(*) FROM change_log WHERE field = 'sync resolve' AND old LIKE '3|%' AND new LIKE '1|%'")" = 1

finish

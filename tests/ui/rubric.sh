#!/bin/sh
# rubric.sh: scoring in a real terminal: a level on one key, an accented rationale
# edited inline, a principal refused at another school, a draft kept across a hang-up,
# the rationale in $VISUAL, the consensus view with blind rating, the lead's lock and
# reopen, and the layout at 80x24, 200x60 and across a resize.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
REV=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")
SITE=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1")
# A cluster this reviewer has not scored at the first site, with no consensus
# there yet, and how many j's reach it.
CL=$(sql "$DB" "SELECT c.code FROM cluster c JOIN domain d ON d.id = c.domain_id
	WHERE NOT EXISTS (SELECT 1 FROM score s JOIN person p ON p.id = s.rater_id JOIN site t ON t.id = s.site_id
		WHERE s.cluster_id = c.id AND t.code = '$SITE' AND (p.name = '$REV' OR s.kind = 'consensus'))
	ORDER BY d.position, c.position LIMIT 1")
IDX=$(sql "$DB" "SELECT count(*) FROM cluster c JOIN domain d ON d.id = c.domain_id, cluster c2
	JOIN domain d2 ON d2.id = c2.domain_id WHERE c2.code = '$CL'
	AND (d.position < d2.position OR (d.position = d2.position AND c.position < c2.position))")
TEXT="Équipe très engagée"
SCORE_WHERE="s.rater_id = (SELECT id FROM person WHERE name = '$REV')
	AND s.site_id = (SELECT id FROM site WHERE code = '$SITE')
	AND s.cluster_id = (SELECT id FROM cluster WHERE code = '$CL') AND s.kind = 'team'"

# gone: qrel on $DB has exited (within 5 s; a sanitizer build is slow to exit).
gone() {
	n=0
	while pgrep -f "$DB" >/dev/null; do
		[ "$n" -ge 50 ] && return 1
		n=$((n + 1))
		sleep 0.1
	done
}

# goto_cluster: opens the rubric and moves down to $CL.
goto_cluster() {
	keys R
	wait_for "Rubric: scored" >/dev/null || return 1
	i=0
	while [ "$i" -lt "$IDX" ]; do keys j; i=$((i + 1)); done
	wait_for "$CL " >/dev/null
}

start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
check "R opens the rubric with a progress line" goto_cluster
check "the progress line names the site and the kind" wait_for "clusters at $SITE"
check "team scores for a reviewer" wait_for "team scores by $REV"
keys 2
check "2 sets the level at once" wait_for "$CL at $SITE: team score 2"
check "the tree shows the level as a plain mark" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -F ' $CL ' | grep -qF '[2]'"
keys l
check "l asks for the level by label" wait_for "Level (a label of the scale or 1-"
keys -l "thriving"
keys Enter
check "a label not on the scale is refused" wait_for "'thriving' is not a level of the scale"
keys C-u
keys -l "established"
keys Enter
check "the framework's label sets its level" wait_for "$CL at $SITE: team score 3"
check "and it is stored" test "$(sql "$DB" "SELECT level FROM score s WHERE $SCORE_WHERE")" = 3
keys 2
wait_for "$CL at $SITE: team score 2" >/dev/null
keys e
check "e opens the rationale editor" wait_for "Editing the rationale of $CL"
keys -l "$TEXT"
check "accented text is typed and drawn" wait_for "$TEXT"
keys Escape
check "Esc closes the rationale editor without saving, as in the note editor" wait_for "Rationale not saved; draft kept"
check "Esc left the rationale unsaved" test "$(sql "$DB" "SELECT count(*) FROM score WHERE rationale = '$TEXT'")" = 0
check "and kept it as a draft" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE text = '$TEXT'")" = 1
keys e
check "e brings the draft back" wait_for "$TEXT"
keys C-x
check "^X saves the rationale" wait_for "Rationale saved for $CL at $SITE"
check "the saved rationale is shown" wait_for "$TEXT"
keys Q
check "Q quits with status 0" test "$(wait_exit)" = 0

GOT=$(sql "$DB" "SELECT coalesce(level, '') || '|' || insufficient || '|' || rationale FROM score s WHERE $SCORE_WHERE")
check "the database holds exactly level 2 and the rationale ($GOT)" test "$GOT" = "2|0|$TEXT"
UUID=$(sql "$DB" "SELECT uuid FROM score s WHERE $SCORE_WHERE")
check "the level change is logged (NULL to 2)" test "$(sql "$DB" "SELECT count(*) FROM change_log
	WHERE entity = 'score' AND entity_uuid = '$UUID' AND field = 'level' AND old IS NULL AND new = '2'
	AND who = '$REV'")" = 1
check "the rationale change is logged" test "$(sql "$DB" "SELECT count(*) FROM change_log
	WHERE entity_uuid = '$UUID' AND field = 'rationale' AND new = '$TEXT'")" = 1
check "no draft is left after saving" test "$(sql "$DB" "SELECT count(*) FROM draft")" = 0

# A principal switched to another school is refused, and nothing is written.
PRIN=$(sql "$DB" "SELECT name FROM person WHERE role = 'principal' AND site_id IS NOT NULL ORDER BY id LIMIT 1")
SCORES=$(sql "$DB" "SELECT count(*) || '/' || sum(version) FROM score")
LOGS=$(sql "$DB" "SELECT count(*) FROM change_log")
start --db "$DB" --as "$PRIN"
wait_for "Review overview" >/dev/null
keys R
check "a principal enters self-evaluation scores" wait_for "self scores by $PRIN"
keys ']'
keys 2
check "scoring another school is refused with the reason" wait_for "self-evaluates only their own school"
check "the refusal wrote no score" test "$(sql "$DB" "SELECT count(*) || '/' || sum(version) FROM score")" = "$SCORES"
check "the refusal wrote no change log row" test "$(sql "$DB" "SELECT count(*) FROM change_log")" = "$LOGS"
keys Q
wait_exit >/dev/null

# A hang-up in the middle of a rationale: the draft is back on the next start.
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
keys e
wait_for "Editing the rationale" >/dev/null
keys -l " et un brouillon"
check "text typed before the hang-up is shown" wait_for "un brouillon"
tm kill-session -t qrel
check "qrel ends after SIGHUP" gone

check "the draft survived the hang-up" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE who = '$REV'
	AND text = '$TEXT et un brouillon'")" = 1
check "the stored rationale is unchanged" test "$(sql "$DB" "SELECT rationale FROM score s WHERE $SCORE_WHERE")" = "$TEXT"
check "database passes qrel check after the hang-up" sh -c "'$QREL' check --db '$DB' >/dev/null"
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
keys e
check "opening the editor again offers the draft back" wait_for "Restored your unsaved draft"
check "the draft's text is in the editor" wait_for "$TEXT et un brouillon"
keys C-x
check "Ctrl-X saves it" wait_for "Rationale saved"
check "the draft became the rationale" test "$(sql "$DB" "SELECT rationale FROM score s WHERE $SCORE_WHERE")" = "$TEXT et un brouillon"
check "and the draft is gone" test "$(sql "$DB" "SELECT count(*) FROM draft")" = 0
keys Q
wait_exit >/dev/null
# ---- the rationale in $VISUAL: a script that appends a line, as a person would ----
cat >"$T/fake-editor" <<'EOF'
#!/bin/sh
# fake-editor: appends a line to the file it is given and notes its mode.
stat -c %a "$1" >"$(dirname "$0")/editor-mode"
printf '%s\n' "Ajouté depuis VISUAL" >>"$1"
EOF
chmod +x "$T/fake-editor"
RATIONALE="SELECT rationale FROM score s WHERE $SCORE_WHERE"
START_ENV="VISUAL=$T/fake-editor"
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
keys C-e
check "Ctrl-E saves what the editor wrote" wait_for "Rationale saved from $T/fake-editor for $CL"
check "the editor's line is shown" wait_for "Ajouté depuis VISUAL"
check "the screen is whole again after the editor" wait_for "Rubric: scored"
check "the header is drawn again after the editor" wait_for "$REV (reviewer)"
check "the temp file was private (0600)" test "$(cat "$T/editor-mode")" = 600
check "the database holds the edited rationale" test "$(sql "$DB" "$RATIONALE")" = "$TEXT et un brouillon
Ajouté depuis VISUAL"
keys e
wait_for "Editing the rationale" >/dev/null
keys End
keys -l " (inline)"
wait_for "(inline)" >/dev/null
keys C-e
check "Ctrl-E from the inline editor takes its text along" wait_for "Rationale saved from"
check "the database holds inline and editor text" test "$(sql "$DB" "$RATIONALE")" = "$TEXT et un brouillon
Ajouté depuis VISUAL (inline)
Ajouté depuis VISUAL"
check "no draft is left after the editor" test "$(sql "$DB" "SELECT count(*) FROM draft")" = 0
keys Q
wait_exit >/dev/null
BEFORE=$(sql "$DB" "$RATIONALE")
START_ENV="VISUAL=false"
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
keys C-e
check "an editor failing changes nothing and says so" wait_for "Rationale unchanged: the editor 'false' exited with status 1"
check "the rationale is as before" test "$(sql "$DB" "$RATIONALE")" = "$BEFORE"
keys Q
wait_exit >/dev/null
START_ENV=

# ---- the consensus view: two more reviewers disagree by two levels ----
REV2=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1 OFFSET 1")
REV3=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1 OFFSET 2")
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead' LIMIT 1")
"$QREL" score --db "$DB" --as "$REV2" --site "$SITE" --cluster "$CL" --level 3 --rationale "Forte équipe" >/dev/null
"$QREL" score --db "$DB" --as "$REV3" --site "$SITE" --cluster "$CL" --level 1 --rationale "Peu de preuves" >/dev/null
# on_row TEXT: the tree row of $CL holds TEXT.
on_row() { screen | grep -F " $CL " | grep -qF "$1"; }

start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
check "a reviewer's tree shows no mark before consensus" sh -c "! $(command -v tmux) -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -F ' $CL ' | grep -qF '≠'"
keys v
check "v opens the consensus view" wait_for "Consensus: scored"
check "blind rating: other ratings hidden until consensus" wait_for "Other ratings hidden until consensus"
check "a reviewer does not see another's rationale" sh -c "! $(command -v tmux) -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -qF 'Forte équipe'"
keys Q
wait_exit >/dev/null

start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
goto_cluster
check "the lead's tree marks the split cluster" on_row "≠"
check "the rule counts the clusters to discuss" wait_for "to discuss"
keys v
check "the lead's consensus view gives the spread" wait_for "Spread 2 (team 1 to 3, 3 raters)"
check "and says why it is marked" wait_for "≠ team raters differ by two levels"
check "every rater's rationale is there" wait_for "Forte équipe"
check "every rater's rationale is there (2)" wait_for "Peu de preuves"
check "evidence counts by source type" wait_for "Evidence: "
keys 2
check "2 in the view records the consensus" wait_for "$CL at $SITE: consensus score 2"
check "the consensus is in the database" test "$(sql "$DB" "SELECT level FROM score s JOIN person p ON p.id = s.rater_id
	WHERE p.name = '$LEAD' AND s.kind = 'consensus' AND s.site_id = (SELECT id FROM site WHERE code = '$SITE')
	AND s.cluster_id = (SELECT id FROM cluster WHERE code = '$CL')")" = 2
check "recording the consensus clears the cluster's to-discuss mark" sh -c "! $(command -v tmux) -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -F ' $CL ' | grep -qF '≠'"
keys n
check "n goes to a cluster to discuss" wait_for "≠ "

# ---- lock and reopen ----
keys L
UNSCORED=$(screen | sed -n 's/.*scored \([0-9]*\) of \([0-9]*\) clusters.*/\2 \1/p' | head -n 1 | awk '{ print $1 - $2 }')
check "L on a site with unscored clusters asks, naming how many" wait_for "Lock $SITE? $UNSCORED of "
check "and how many are left to discuss" wait_for "to discuss. y locks anyway"
keys y
check "a locked site is marked LOCKED" wait_for " LOCKED  Consensus: scored"
check "locking is logged" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE entity = 'site'
	AND field = 'locked' AND old = '0' AND new = '1' AND who = '$LEAD'")" = 1
check "a score at a locked site is refused" sh -c "! '$QREL' score --db '$DB' --as '$REV' --site '$SITE' --cluster '$CL' --level 1 2>/dev/null"
keys 3
check "the lead's digits are refused too" wait_for "Not saved: site $SITE is locked"
keys L
check "L on a locked site asks for a reason" wait_for "Reason to reopen $SITE"
keys Enter
check "an empty reason is refused" wait_for "Type the reason to reopen $SITE"
keys -l "Évidence tardive"
keys Enter
check "reopening says where the reason went" wait_for "Site $SITE reopened"
check "reopening is logged with its reason" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE entity = 'site'
	AND field = 'locked' AND old = '1' AND new = '0' AND reason = 'Évidence tardive'")" = 1
check "scores are accepted again" sh -c "'$QREL' score --db '$DB' --as '$REV' --site '$SITE' --cluster '$CL' --level 2 >/dev/null"
keys Q
wait_exit >/dev/null
check "a reviewer cannot lock from the command line" sh -c "! '$QREL' lock --db '$DB' --as '$REV' --site '$SITE' 2>/dev/null"
check "reopen without a reason is a usage error" sh -c "'$QREL' reopen --db '$DB' --as '$LEAD' --review 2>/dev/null; test \$? = 2"

start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
keys v
check "after consensus a reviewer sees every rating" wait_for "Forte équipe"
keys Q
wait_exit >/dev/null

# ---- no silent overwrite: the consensus changed from outside during an edit ----
CONS="SELECT rationale FROM score s WHERE s.kind = 'consensus'
	AND s.rater_id = (SELECT id FROM person WHERE name = '$LEAD')
	AND s.site_id = (SELECT id FROM site WHERE code = '$SITE')
	AND s.cluster_id = (SELECT id FROM cluster WHERE code = '$CL')"
MINE="Accord après discussion"
THEIRS="Vu depuis la ligne de commande"
start 200x50 --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
goto_cluster
keys v
wait_for "Consensus: scored" >/dev/null
keys e
check "the lead edits the consensus rationale" wait_for "Editing the rationale of $CL"
keys -l "$MINE"
wait_for "$MINE" >/dev/null
check "meanwhile the same consensus changes from outside" sh -c "'$QREL' score --db '$DB' --as '$LEAD' \
	--site '$SITE' --cluster '$CL' --kind consensus --level 2 --rationale '$THEIRS' >/dev/null"
keys C-x
check "saving says who changed it and when" \
	wait_for "$LEAD changed this rationale at 10:00 while you were typing: yours is kept as a draft; press d to see both"
check "the outside value is still in the database" test "$(sql "$DB" "$CONS")" = "$THEIRS"
check "the screen's text is kept as a draft" test "$(sql "$DB" "SELECT count(*) FROM draft
	WHERE who = '$LEAD' AND text = '$MINE'")" = 1
keys d
check "d shows theirs" wait_for "Theirs (saved): $LEAD at 10:00, level 2"
check "with their text" wait_for "$THEIRS"
check "and yours below it" wait_for "Yours (a draft, not saved):"
check "with your text" wait_for "$MINE"
keys y
check "y keeps yours, knowingly" wait_for "Your rationale replaced $LEAD's; the change log keeps both"
check "the database now has yours" test "$(sql "$DB" "$CONS")" = "$MINE"
CUUID=$(sql "$DB" "SELECT uuid FROM score s WHERE s.kind = 'consensus'
	AND s.site_id = (SELECT id FROM site WHERE code = '$SITE') AND s.cluster_id = (SELECT id FROM cluster WHERE code = '$CL')")
check "the change log has both values" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE entity_uuid = '$CUUID'
	AND field = 'rationale' AND (new = '$THEIRS' OR (old = '$THEIRS' AND new = '$MINE'))")" = 2
check "no draft is left" test "$(sql "$DB" "SELECT count(*) FROM draft")" = 0
# Taking theirs instead: the draft goes and the stored value stays.
keys e
wait_for "Editing the rationale" >/dev/null
keys -l " encore"
wait_for "$MINE encore" >/dev/null
"$QREL" score --db "$DB" --as "$LEAD" --site "$SITE" --cluster "$CL" --kind consensus --level 2 --rationale "$THEIRS" >/dev/null
keys C-x
wait_for "while you were typing" >/dev/null
keys d
wait_for "Yours (a draft, not saved):" >/dev/null
keys t
check "t takes theirs and drops the draft" wait_for "Kept $LEAD's rationale; your draft is discarded"
check "theirs stays in the database" test "$(sql "$DB" "$CONS")" = "$THEIRS"
check "and no draft is left" test "$(sql "$DB" "SELECT count(*) FROM draft")" = 0
keys Q
wait_exit >/dev/null

# ---- a full disk: QREL_TEST_MAX_PAGES=0 caps the file at its size on open ----
FULL="$T/full.db"
sample_db "$FULL"
sql "$FULL" "VACUUM"	# no free pages left: the next growing write fails
FULL_STATE="SELECT (SELECT count(*) || '/' || coalesce(sum(version), 0) FROM score) || '|' ||
	(SELECT count(*) FROM change_log)"
FULL_BEFORE=$(sql "$FULL" "$FULL_STATE")
SHORT="Texte gardé malgré le disque plein"
cat >"$T/big-editor" <<'EOF'
#!/bin/sh
# big-editor: appends far more than the capped file can take.
i=0
while [ "$i" -lt 600 ]; do printf '%s\n' "une ligne de plus pour remplir le disque $i" >>"$1"; i=$((i + 1)); done
EOF
chmod +x "$T/big-editor"
START_ENV="QREL_TEST_MAX_PAGES=0 VISUAL=$T/big-editor"
start --db "$FULL" --as "$REV"
wait_for "Review overview" >/dev/null
goto_cluster
keys e
wait_for "Editing the rationale" >/dev/null
keys -l "$SHORT"
wait_for "$SHORT" >/dev/null
keys C-x
check "a full disk says so and names the file" wait_for "Disk full: rationale not saved (your draft is kept): $FULL"
check "the text stays on screen" wait_for "$SHORT"
check "and is kept as a draft" test "$(sql "$FULL" "SELECT count(*) FROM draft WHERE text = '$SHORT'")" = 1
check "no score or log row was half-written" test "$(sql "$FULL" "$FULL_STATE")" = "$FULL_BEFORE"
keys C-e
check "when the draft cannot be written either, the text is only on screen" \
	wait_for "Disk full: rationale not saved, nor its draft: your text is only on screen"
check "the editor's text is on screen" wait_for "remplir le disque"
check "the earlier draft is whole" test "$(sql "$FULL" "SELECT text FROM draft")" = "$SHORT"
check "the full database passes qrel check" sh -c "'$QREL' check --db '$FULL' >/dev/null"
tm kill-session -t qrel		# the editor keeps the text it cannot save: hang up
gone
START_ENV=

# ---- room: whole titles at 200x60, narrower at 80x24, and across a resize ----
LONG=$(sql "$DB" "SELECT title FROM cluster ORDER BY length(title) DESC LIMIT 1")
start 200x60 --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys R
check "a large terminal shows whole cluster titles" wait_for "$LONG ["
tm resize-window -t qrel -x 80 -y 24
check "after a resize to 80x24 the rubric is drawn again" wait_for "Rubric: scored"
check "and the titles give way" sh -c "! $(command -v tmux) -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -qF '$LONG'"
tm resize-window -t qrel -x 200 -y 60
check "back at 200x60 the titles are whole" wait_for "$LONG ["
keys Q
wait_exit >/dev/null
check "database passes qrel check at the end" sh -c "'$QREL' check --db '$DB' >/dev/null"

finish

#!/bin/sh
# rubric.sh: scoring in a real terminal: a level on one key, an accented rationale
# edited inline, a principal refused at another school, a draft kept across a hang-up.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
REV=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")
SITE=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1")
# A cluster this reviewer has not scored at the first site, and how many j's reach it.
CL=$(sql "$DB" "SELECT c.code FROM cluster c JOIN domain d ON d.id = c.domain_id
	WHERE NOT EXISTS (SELECT 1 FROM score s JOIN person p ON p.id = s.rater_id JOIN site t ON t.id = s.site_id
		WHERE s.cluster_id = c.id AND p.name = '$REV' AND t.code = '$SITE')
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
keys e
check "e opens the rationale editor" wait_for "Editing the rationale of $CL"
keys -l "$TEXT"
check "accented text is typed and drawn" wait_for "$TEXT"
keys Escape
check "Esc saves the rationale" wait_for "Rationale saved for $CL at $SITE"
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
check "database passes qrel check at the end" sh -c "'$QREL' check --db '$DB' >/dev/null"

finish

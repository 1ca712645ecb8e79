#!/bin/sh
# voice.sh: stakeholder voice and the framework on paper. A new activity's groups
# and a note's own group picked with arrows and Enter; the rubric counts source
# types and stakeholder groups (recomputed here from the raw rows) and toggles the
# cluster's criteria and questions on i; protocol and blank rubric printed.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
REV=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")

# ---- the command line ----
check "activity add takes groups, participants, language and interpreter" sh -c "'$QREL' activity add \
	--db '$DB' --as '$LEAD' --site DO --source focus_group --at 2026-03-03T18:00 --groups families,students \
	--participants 12 --language es --interpreter 'Spanish-speaking families, evening' >/dev/null"
check "stored in framework order, with the count, language and interpreter" test "$(sql "$DB" "SELECT
	(SELECT group_concat(grp, ',') FROM (SELECT grp FROM activity_group WHERE activity_id = a.id ORDER BY grp)) || '|'
	|| participants || '|' || language || '|' || interpreter FROM activity a
	WHERE description = 'Spanish-speaking families, evening'")" = "families,students|12|es|1"
check "activity list shows them" sh -c "'$QREL' activity list --db '$DB' --as '$LEAD' --site DO |
	grep -F 'Spanish-speaking families, evening' | grep -qF '\"students,families\",12,es,yes'"
check "an unknown group is refused, naming the framework's" sh -c "! '$QREL' activity add --db '$DB' \
	--as '$LEAD' --site DO --source interview --at 2026-03-03 --groups pupils x 2>'$T/err' &&
	grep -qF \"unknown stakeholder group 'pupils'\" '$T/err' && grep -qF support_staff '$T/err'"
check "the protocol for a focus group with families" sh -c "'$QREL' protocol --db '$DB' --activity focus_group \
	--group families --clusters 1.3 >'$T/p.md' && grep -qF 'focus group with Families' '$T/p.md' &&
	grep -qF 'When your child was disciplined, how were you involved?' '$T/p.md' &&
	! grep -qF 'Are the rules applied in the same way' '$T/p.md' && ! grep -qF '## 1.1' '$T/p.md'"
check "in HTML, escaped by the one escaper" sh -c "'$QREL' protocol --db '$DB' --activity interview \
	--group families --format html -o '$T/p.html' && grep -qF '<!DOCTYPE html>' '$T/p.html' &&
	grep -qF '<li>How does the school keep you informed about your child&#39;s learning and progress?</li>' '$T/p.html'"
check "protocol refuses an unknown group" sh -c "! '$QREL' protocol --db '$DB' --activity interview --group x >/dev/null 2>&1"
check "framework print: the blank rubric with descriptors and criteria" sh -c "'$QREL' framework print --db '$DB' \
	>'$T/r.md' && grep -qF '### 1.3 Discipline and exclusion' '$T/r.md' &&
	grep -qF '| [ ] | 1 Initiating |' '$T/r.md' && grep -qF 'Referral criteria are written, clear and applied consistently.' '$T/r.md'"

# ---- the evidence screen: a new activity's groups, then a note's own ----
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence:" >/dev/null
HERE=$(screen | head -n 1 | sed -n 's/.* site \([A-Z]*\) .*/\1/p')
keys a
wait_for "New note" >/dev/null
keys C-p
wait_for "Activity" >/dev/null
keys -l "+"
check "the activity prompt offers a new activity" wait_for "+ new activity at"
keys Enter
wait_for "Source of the new activity" >/dev/null
keys -l "focus_group"
keys Enter
wait_for "Describe the activity" >/dev/null
keys -l "Student focus group, voice test"
keys Enter
check "after the description, the group picker opens" wait_for "Who took part"
keys Down
keys Enter
check "Down and Enter pick the first group" wait_for "Students  (picked)"
keys Down
keys Down
keys Enter
check "and again for the second" wait_for "Families  (picked)"
keys Enter
check "done ends it" wait_for "The activity carries students,families"
ACT=$(sql "$DB" "SELECT id FROM activity WHERE description = 'Student focus group, voice test'")
check "the activity is stored with both groups" test "$(sql "$DB" "SELECT group_concat(grp, ',') FROM
	(SELECT grp FROM activity_group WHERE activity_id = '$ACT' ORDER BY grp)")" = "families,students"
check "the note shows the activity's groups" wait_for "Voices: students,families (the activ"
keys -l "Students say the same behaviour leads to different consequences"
keys C-t
keys -l "1.3"
keys Enter
keys C-k
check "^K opens the group picker" wait_for "Whose voice"
keys Down
keys Down
keys Enter
check "the note carries its own group" wait_for "Voices: teachers"
keys C-x
check "saved" wait_for "Saved note"
NOTE=$(sql "$DB" "SELECT id FROM note WHERE text LIKE 'Students say the same behaviour%'")
check "the note's own group is stored" test "$(sql "$DB" "SELECT group_concat(grp) FROM note_group WHERE note_id = '$NOTE'")" = teachers
check "and logged" test "$(sql "$DB" "SELECT new FROM change_log WHERE field = 'groups' AND entity = 'note'
	ORDER BY id DESC LIMIT 1")" = teachers
keys Escape
wait_for "nothing was typed" >/dev/null

# ---- the rubric: groups beside source types, criteria and questions on i ----
SITE_ID=$(sql "$DB" "SELECT id FROM site WHERE code = '$HERE'")
CL=$(sql "$DB" "SELECT id FROM cluster WHERE code = '1.3'")
# Recomputed from the raw rows: a note's own groups, else its activity's.
HEARD=$(sql "$DB" "SELECT count(DISTINCT g) FROM (SELECT ng.grp AS g FROM note n JOIN note_cluster nc ON nc.note_id = n.id
	JOIN note_group ng ON ng.note_id = n.id WHERE n.site_id = $SITE_ID AND nc.cluster_id = $CL AND n.deleted_at IS NULL
	UNION ALL SELECT ag.grp FROM note n JOIN note_cluster nc ON nc.note_id = n.id JOIN activity_group ag
	ON ag.activity_id = n.activity_id WHERE n.site_id = $SITE_ID AND nc.cluster_id = $CL AND n.deleted_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM note_group x WHERE x.note_id = n.id))")
TYPES=$(sql "$DB" "SELECT count(DISTINCT n.source) FROM note n JOIN note_cluster nc ON nc.note_id = n.id
	WHERE n.site_id = $SITE_ID AND nc.cluster_id = $CL AND n.deleted_at IS NULL")
keys R
wait_for "rubric  site $HERE" >/dev/null
keys Down
keys Down
check "the rubric opens on 1.3" wait_for "1.3 Discipline and exclusion"
check "its heading counts source types and stakeholder groups as the raw rows do" \
	wait_for "$TYPES source type"
check "with the groups heard" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | sed 's/^.*│//' |
	tr '\n' ' ' | tr -s ' ' | grep -qF '$HEARD stakeholder group'"
check "the note's own group is among them" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -qF teachers"
keys i
check "i shows the cluster's criteria" wait_for "Criteria:"
check "and its guiding questions, by group" wait_for "[students] Are the rules applied"
keys i
check "i again goes back to the descriptors" wait_gone "Guiding questions:"
keys '?'
check "the help lists the key" wait_for "criteria and guiding questions"
keys q
keys Q
wait_exit >/dev/null

# ---- a hang-up mid-note: the draft keeps the note's own groups (issue 15) ----
# (the lead, who has no draft yet: the reviewer's last note left its groups in one)
start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence:" >/dev/null
keys a
wait_for "New note" >/dev/null
keys C-k
wait_for "Whose voice" >/dev/null
keys -l "teach"
keys Enter
check "one group is chosen" wait_for "Voices: teachers"
keys C-k
wait_for "Whose voice" >/dev/null
keys -l "famil"
keys Enter
check "two groups are chosen for the note" wait_for "Voices: teachers,families"
keys C-t
keys -l "1.1"
keys Enter
wait_for "Clusters: 1.1" >/dev/null
keys -l "Teachers and families both asked for the hang-up test"
wait_for "asked for the hang-up test" >/dev/null
PID=$(pgrep -P "$(tm display-message -p -t qrel '#{pane_pid}')" | head -n 1)
check "SIGHUP reaches qrel" kill -HUP "$PID"
gone() {
	n=0
	while kill -0 "$PID" 2>/dev/null; do
		[ "$n" -ge 100 ] && return 1
		n=$((n + 1))
		sleep 0.1
	done
}
check "qrel ends after SIGHUP" gone
check "the draft kept the text" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE who = '$LEAD'
	AND key = 'note:new' AND text = 'Teachers and families both asked for the hang-up test'")" = 1
start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys E
check "the evidence screen offers the draft back" wait_for "You have an unsaved note"
keys a
check "a restores it" wait_for "Restored your unsaved note"
check "with its text" wait_for "Teachers and families both asked"
check "and its groups" wait_for "Voices: teachers,families"
check "and its cluster" wait_for "Clusters: 1.1"
keys C-x
check "the restored note saves" wait_for "Saved note"
NOTE=$(sql "$DB" "SELECT id FROM note WHERE text = 'Teachers and families both asked for the hang-up test'")
check "the saved note has the draft's groups" test "$(sql "$DB" "SELECT group_concat(grp, ',') FROM
	(SELECT grp FROM note_group WHERE note_id = '$NOTE' ORDER BY grp)")" = "families,teachers"
check "no draft is left" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE who = '$LEAD' AND text <> ''
	AND key LIKE 'note:new%'")" = 0
keys Escape
wait_for "nothing was typed" >/dev/null
keys Q
finish

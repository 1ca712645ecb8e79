#!/bin/sh
# evidence.sh: evidence notes in a real terminal: capture during an activity with two
# clusters, search, open, jump to the rubric and back, escape sequences shown as marks,
# a hang-up mid-note, delete and undo; the database checked after each step.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
REV=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")
SITE=$(sql "$DB" "SELECT code FROM site WHERE kind = 'school' ORDER BY code LIMIT 1")
NOTES=$(sql "$DB" "SELECT count(*) FROM note WHERE deleted_at IS NULL")

gone() {
	n=0
	while pgrep -f "$DB" >/dev/null; do
		[ "$n" -ge 50 ] && return 1
		n=$((n + 1))
		sleep 0.1
	done
}

check "an activity is added from the command line" sh -c "'$QREL' activity add --db '$DB' --as '$REV' \
	--site $SITE --source focus_group --at 2026-03-02T09:00 'Parent focus group, evening' >/dev/null"
ACT=$(sql "$DB" "SELECT id FROM activity WHERE description = 'Parent focus group, evening'")

start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
check "E opens the evidence list with every note" wait_for "Evidence: $NOTES notes"
HERE=$(screen | head -n 1 | sed -n 's/.* site \([A-Z]*\) .*/\1/p')
keys a
check "a starts a new note" wait_for "New note"
keys C-p
wait_for "Activity:" >/dev/null
keys -l "evening"
check "the activity prompt finds the activity by its description" wait_for "$SITE  focus_group  Parent focus group"
keys Enter
check "the note starts from the activity (site, source, date)" wait_for "New note  site $SITE (not the screen's $HERE)  focus_group  2026-03-02T09:00"
keys -l "Families asked for quinceañera interpreters at conferences"
keys C-t
keys -l "2.2"
keys Enter
keys C-t
keys -l "culturally"
check "tagging has type-ahead on titles" wait_for "3.1  Culturally responsive curriculum"
keys Enter
check "two clusters are tagged" wait_for "Clusters: 2.2 3.1"
keys C-g
check "one key sets the valence" wait_for "Valence: + strength"
keys C-x
check "Ctrl-X saves the note" wait_for "Saved note"
check "the next note starts at once, from the same activity" wait_for "New note  site $SITE (not the screen's $HERE)  focus_group  2026-03-02T09:00"

ID=$(sql "$DB" "SELECT id FROM note WHERE text = 'Families asked for quinceañera interpreters at conferences'")
check "the note is stored once" test -n "$ID"
check "with its site, source, activity, author and valence" test "$(sql "$DB" "SELECT s.code || '|' || n.source
	|| '|' || n.activity_id || '|' || p.name || '|' || n.valence FROM note n JOIN site s ON s.id = n.site_id
	JOIN person p ON p.id = n.author_id WHERE n.id = $ID")" = "$SITE|focus_group|$ACT|$REV|strength"
check "and both clusters" test "$(sql "$DB" "SELECT group_concat(c.code, ',') FROM (SELECT c.code FROM
	note_cluster nc JOIN cluster c ON c.id = nc.cluster_id WHERE nc.note_id = $ID ORDER BY c.code) c")" = "2.2,3.1"
check "the creation is in the change log" test "$(sql "$DB" "SELECT count(*) FROM change_log c JOIN note n
	ON n.uuid = c.entity_uuid WHERE n.id = $ID AND c.entity = 'note' AND c.field = 'create' AND c.who = '$REV'")" = 1
check "no draft text is left after saving" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE key = 'note:new' AND text <> ''")" = 0

keys Escape
check "Esc on the empty next note says nothing was kept" wait_for "Closed: nothing was typed, so no draft was kept"
check "and leaves no draft, not even its tags" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE who = '$REV'
	AND key LIKE 'note:new%'")" = 0
keys /
keys -l "quinceanera"
keys Enter
check "search without the accent finds the note" wait_for "Evidence: 1 note, latest added first"
check "the result row shows the note" wait_for "Families asked for quince"
keys Enter
check "Enter shows the whole note" wait_for "Note $ID "
check "with its clusters" wait_for "Clusters: 2.2;3.1"
keys r
check "r jumps to the rubric" wait_for "rubric  site $SITE"
check "on the note's first cluster" wait_for "2.2 Use of disaggregated data"
keys E
check "E from the rubric shows that cluster's evidence at the site" wait_for "site=$SITE cluster=2.2"
check "which includes the new note" wait_for "Families asked for quince"
keys Q
wait_exit >/dev/null

# A note with an escape sequence is drawn as plain marks; the terminal is not coloured.
"$QREL" evidence add --db "$DB" --as "$REV" --site "$SITE" --source interview --cluster 1.1 \
	"$(printf '\033[31mRED alert from the nurse office')" >/dev/null
check "evidence add stored the note" test "$(sql "$DB" "SELECT count(*) FROM note WHERE text LIKE '%RED alert%'")" = 1
check "evidence list prints it as CSV" sh -c "'$QREL' evidence list --db '$DB' --as '$REV' --search nurse | grep -q 'RED alert'"
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
keys /
keys -l "nurse"
keys Enter
check "the escape shows as a visible ^[ mark" wait_for "^[[31mRED alert"
ROW=$(tm capture-pane -p -e -t qrel | grep -F 'RED alert')
case "$ROW" in
*"$(printf '\033[31m')"*) not_ok "the terminal is not turned red" "row: $ROW" ;;
*) ok "the terminal is not turned red" ;;
esac
keys Q
wait_exit >/dev/null

# A search lists the latest added match first; o switches to the best match first.
"$QREL" evidence add --db "$DB" --as "$REV" --site "$SITE" --source interview --cluster 1.1 \
	"Xylophone xylophone xylophone: the band room" >/dev/null
"$QREL" evidence add --db "$DB" --as "$REV" --site "$SITE" --source interview --cluster 1.1 \
	"Later note naming the xylophone once among many other words about the school day" >/dev/null
BEST=$(sql "$DB" "SELECT id FROM note WHERE text LIKE 'Xylophone xylophone%'")
LATER=$(sql "$DB" "SELECT id FROM note WHERE text LIKE 'Later note naming%'")
check "the best match was added before the later one" test "$BEST" -lt "$LATER"
# Which of the two rows is higher on the screen.
first_row() { screen | grep -E 'Xylophone xylophone|Later note naming' | head -n 1; }
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
keys /
keys -l "xylophone"
keys Enter
check "a search says its order: the latest added first" wait_for "Evidence: 2 notes, latest added first"
case "$(first_row)" in
*"Later note naming"*) ok "the later note is listed first" ;;
*) not_ok "the later note is listed first" "first: $(first_row)" ;;
esac
keys o
check "o switches to the best match first" wait_for "Evidence: 2 notes, best match first"
case "$(first_row)" in
*"Xylophone xylophone"*) ok "the best match is then listed first" ;;
*) not_ok "the best match is then listed first" "first: $(first_row)" ;;
esac
keys o
check "o again goes back to the latest added first" wait_for "Evidence: 2 notes, latest added first"
case "$(first_row)" in
*"Later note naming"*) ok "the later note is first again" ;;
*) not_ok "the later note is first again" "first: $(first_row)" ;;
esac
keys Q
wait_exit >/dev/null
check "the search order writes nothing (both notes as they were)" test "$(sql "$DB" "SELECT count(*) FROM note
	WHERE id IN ($BEST, $LATER) AND deleted_at IS NULL AND version = 1")" = 2
check "evidence list --order relevance puts the best match first" sh -c "'$QREL' evidence list --db '$DB' --as '$REV' \
	--search xylophone --order relevance | sed -n 2p | grep -q 'Xylophone xylophone'"
check "evidence list puts the latest added first by default" sh -c "'$QREL' evidence list --db '$DB' --as '$REV' \
	--search xylophone | sed -n 2p | grep -q 'Later note naming'"

# A hang-up mid-note: the draft comes back on the next start.
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
keys a
wait_for "New note" >/dev/null
keys -l "Half a thought about mentoring"
check "text typed before the hang-up is shown" wait_for "Half a thought about mentoring"
tm kill-session -t qrel
check "qrel ends after SIGHUP" gone
check "the draft survived the hang-up" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE who = '$REV'
	AND key = 'note:new' AND text = 'Half a thought about mentoring'")" = 1
check "database passes qrel check after the hang-up" sh -c "'$QREL' check --db '$DB' >/dev/null"
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
check "the evidence screen offers the draft back" wait_for "You have an unsaved note"
keys a
check "a restores it" wait_for "Restored your unsaved note"
check "with its text" wait_for "Half a thought about mentoring"
keys C-t
keys -l "1.1"
keys Enter
keys F2
check "F2 saves it" wait_for "Saved note"
check "the draft became a note" test "$(sql "$DB" "SELECT count(*) FROM note WHERE text = 'Half a thought about mentoring'")" = 1
check "and the draft is gone" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE text <> ''")" = 0

# Delete and undo, both in the change log.
keys Escape
wait_for "nothing was typed" >/dev/null
keys /
keys -l "mentoring"
keys Enter
wait_for "Evidence: 1 note" >/dev/null
keys d
check "d deletes the note" wait_for "Deleted note"
MID=$(sql "$DB" "SELECT id FROM note WHERE text = 'Half a thought about mentoring'")
check "the note is marked deleted" test "$(sql "$DB" "SELECT deleted_at IS NOT NULL FROM note WHERE id = $MID")" = 1
check "the list no longer shows it" wait_for "Evidence: 0 notes"
keys u
check "u brings it back" wait_for "is back"
check "the note is no longer deleted" test "$(sql "$DB" "SELECT deleted_at IS NULL FROM note WHERE id = $MID")" = 1
check "delete and restore are logged" test "$(sql "$DB" "SELECT group_concat(c.field, ',') FROM change_log c
	JOIN note n ON n.uuid = c.entity_uuid WHERE n.id = $MID ORDER BY c.id")" = "create,delete,restore"
keys Q
wait_exit >/dev/null
# No silent overwrite: the lead deletes the note while its author edits it.
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead' LIMIT 1")
start 160x40 --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
keys /
keys -l "mentoring"
keys Enter
wait_for "Evidence: 1 note" >/dev/null
keys e
check "e edits the note" wait_for "Editing note $MID"
keys -l " and coaching"
wait_for "mentoring and coaching" >/dev/null
check "meanwhile the lead deletes it from outside" sh -c "'$QREL' evidence delete --db '$DB' --as '$LEAD' $MID >/dev/null"
keys C-x
check "saving says who changed it and when" \
	wait_for "$LEAD changed this note at 10:00 while you were typing: yours is kept as a draft; both are shown"
check "theirs is shown" wait_for "Theirs (saved): $LEAD at 10:00"
check "and yours" wait_for "Yours (a draft, not saved):"
check "the stored text is unchanged" test "$(sql "$DB" "SELECT text FROM note WHERE id = $MID")" = "Half a thought about mentoring"
check "the screen's text is kept as a draft" test "$(sql "$DB" "SELECT count(*) FROM draft
	WHERE text = 'Half a thought about mentoring and coaching'")" = 1
keys y
check "y keeps yours, knowingly" wait_for "Your note replaced $LEAD's; the change log keeps both"
check "the database has yours" test "$(sql "$DB" "SELECT text FROM note WHERE id = $MID")" = "Half a thought about mentoring and coaching"
check "the change log has both writers" test "$(sql "$DB" "SELECT group_concat(c.who || ':' || c.field, ',') FROM change_log c
	JOIN note n ON n.uuid = c.entity_uuid WHERE n.id = $MID AND c.field IN ('delete', 'text') ORDER BY c.id")" = "$REV:delete,$LEAD:delete,$REV:text"
keys Q
wait_exit >/dev/null
check "database passes qrel check at the end" sh -c "'$QREL' check --db '$DB' >/dev/null"

# Ctrl-E in capture: the note goes through $VISUAL and comes back to be saved.
printf '#!/bin/sh\nprintf "%%s\\n" "Written in the editor: mentoring pairs meet weekly" >>"$1"\n' >"$T/note-editor"
chmod +x "$T/note-editor"
START_ENV="VISUAL=$T/note-editor" start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys E
keys a
wait_for "New note" >/dev/null
keys C-e
check "Ctrl-E brings the editor's text back" wait_for "Text back from"
keys C-t
keys -l "1.1"
keys Enter
keys F2
check "and F2 saves it" wait_for "Saved note"
check "the note holds the editor's text" test "$(sql "$DB" "SELECT count(*) FROM note
	WHERE text LIKE '%Written in the editor: mentoring pairs meet weekly%'")" = 1
keys Escape
wait_for "Evidence:" >/dev/null
keys Q
check "Esc then Q leaves qrel after a save, no text left behind" test "$(wait_exit)" = 0
check "as no note text is left as a draft" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE key = 'note:new' AND text <> ''")" = 0

# p on a note starts an action-plan objective whose cause cites it.
start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence:" >/dev/null
keys p
check "p on a note starts an objective" wait_for "started in the action plan from this note"
check "its cause cites a note" test "$(sql "$DB" "SELECT count(*) FROM cause_link WHERE kind = 'note'")" -ge 1
keys Q
wait_exit >/dev/null

# A note typed in a list filtered to a cluster is tagged with it, so it is listed there.
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
keys R
wait_for "rubric  site" >/dev/null
keys Down
keys E
check "E from the rubric filters the list to a site and a cluster" wait_for "cluster="
CL=$(screen | head -n 3 | sed -n 's/.*cluster=\([0-9.]*\).*/\1/p' | head -n 1)
FSITE=$(screen | head -n 3 | sed -n 's/.*site=\([A-Z0-9]*\) .*/\1/p' | head -n 1)
keys a
check "a new note there says it takes the list's cluster" wait_for "New note, tagged $CL as the list is"
check "and shows the tag beside any the last note carried" wait_for " $CL   Valence:"
check "and starts at the list's site" wait_for "New note  site $FSITE  "
keys -l "Counselors keep a list of students missing advanced courses"
keys C-x
check "it is saved" wait_for "Saved note"
check "the stored note is tagged with the list's cluster" test "$(sql "$DB" "SELECT count(*)
	FROM note n JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id
	WHERE n.text LIKE 'Counselors keep a list%' AND c.code = '$CL'")" = 1
check "and is at the list's site" test "$(sql "$DB" "SELECT s.code FROM note n JOIN site s ON s.id = n.site_id
	WHERE n.text LIKE 'Counselors keep a list%'")" = "$FSITE"
keys Escape
wait_for "nothing was typed" >/dev/null
check "the filtered list shows it" wait_for "Counselors keep a list"
keys Q
wait_exit >/dev/null

# A principal's list filtered to another school: the gate would refuse a note there,
# so the new note starts at their own school.
PRIN=$(sql "$DB" "SELECT p.name FROM person p WHERE p.role = 'principal' AND p.site_id IS NOT NULL ORDER BY p.id LIMIT 1")
HOME_SITE=$(sql "$DB" "SELECT s.code FROM person p JOIN site s ON s.id = p.site_id WHERE p.name = '$PRIN'")
ELSEWHERE=$(sql "$DB" "SELECT code FROM site WHERE kind = 'school' AND code <> '$HOME_SITE' ORDER BY code LIMIT 1")
start --db "$DB" --as "$PRIN"
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence:" >/dev/null
keys f
wait_for "Filter by:" >/dev/null
keys Enter
wait_for "Filter site:" >/dev/null
keys -l "$ELSEWHERE"
keys Enter
wait_for "site=$ELSEWHERE" >/dev/null
keys a
check "a principal's new note in a list of another school starts at their own" wait_for "New note  site $HOME_SITE"
keys Escape
wait_for "nothing was typed" >/dev/null
keys Q
wait_exit >/dev/null

finish

#!/bin/sh
# field.sh: what a reviewer types lands where they meant: a focus-group run of five
# notes picked by arrows + Enter (keystrokes counted), a note fixed after saving, every
# modified and special key inside a note under two TERMs, and accented typing and a
# Vietnamese name under LANG=C.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
REV=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")
RID=$(sql "$DB" "SELECT id FROM review LIMIT 1")

# Keys other than text, counted per note: press KEY... sends and counts them;
# typed TEXT sends text (not counted: the note's own words).
PRESSES=0
press() { PRESSES=$((PRESSES + $#)); keys "$@"; }
typed() { keys -l "$1"; }
COUNTS=""
note_done() { COUNTS="$COUNTS $PRESSES"; PRESSES=0; }

# The activity the picker shows in row N (1 = top): newest first.
act_row() { sql "$DB" "SELECT id FROM activity WHERE review_id = $RID ORDER BY held_at DESC, id DESC LIMIT 1 OFFSET $(($1 - 1))"; }
cluster_row() { sql "$DB" "SELECT c.code FROM cluster c JOIN domain d ON d.id = c.domain_id
	ORDER BY d.position, c.position LIMIT 1 OFFSET $(($1 - 1))"; }
# One line per note: activity|site|source|valence|clusters.
stored() { sql "$DB" "SELECT coalesce(n.activity_id, 0) || '|' || s.code || '|' || n.source || '|' || n.valence
	|| '|' || (SELECT group_concat(code, ',') FROM (SELECT c.code FROM note_cluster nc JOIN cluster c
	ON c.id = nc.cluster_id WHERE nc.note_id = n.id ORDER BY c.code)) FROM note n JOIN site s ON s.id = n.site_id
	WHERE n.text = '$1' AND n.deleted_at IS NULL"; }
act_info() { sql "$DB" "SELECT a.id || '|' || s.code || '|' || a.source FROM activity a JOIN site s ON s.id = a.site_id
	WHERE a.id = $1"; }

TITLE=$(sql "$DB" "SELECT title FROM review LIMIT 1")
start --db "$DB" --as "$REV"
wait_for "Review overview" >/dev/null
# ---- help lists a key once, even when the screen and every screen bind it ----
keys ?
check "the overview's help lists ] once for the next site" wait_for "  ]                next site"
keys q
wait_for "Review overview" >/dev/null
keys R
wait_for "Rubric:" >/dev/null
keys ?
check "the rubric's help gives the level keys as one range that fits its column" wait_for "  1-9              set the level"
keys q
keys O
wait_for "Review overview" >/dev/null
# ---- the header keeps the review's name; the dashboard's keys and marks are in '?' ----
keys P
wait_for "Dashboard" >/dev/null
check "at 80 columns the dashboard header keeps the review's whole name" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | head -n 1 | grep -qF '$TITLE '"
keys ?
check "'?' on the dashboard lists the export key" wait_for "export the report"
check "and the lists toggle on Tab" wait_for "Tab "
check "and explains the marks" wait_for "~ not triangulated"
check "no curses key names anywhere in help" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q 'KEY_'"
keys q
keys E
wait_for "Evidence:" >/dev/null
keys ?
check "at 80 columns a key's long text in help wraps under itself, not cut" wait_for "                   first (slower on a large review)"
keys q
wait_for "Evidence:" >/dev/null
HERE=$(screen | head -n 1 | sed -n 's/.* site \([A-Z]*\) .*/\1/p')
check "the header names the screen's site" test -n "$HERE"

# ---- five notes in a row ----
A3=$(act_row 3)
A2=$(act_row 2)
C2=$(cluster_row 2)
C1=$(cluster_row 1)
press a
wait_for "New note" >/dev/null
press C-p
check "^P opens the activity picker" wait_for "Activity"
press Down Down Enter
check "^P Down Down Enter: the note comes from the third activity" \
	wait_for "New note  site $(act_info "$A3" | cut -d'|' -f2)"
typed "Parents want report cards in Spanish"
press C-t
wait_for "Tag cluster" >/dev/null
press Down Enter
check "^T Down Enter tags the second cluster" wait_for "Clusters: $C2 "
press C-g
wait_for "Valence: + strength" >/dev/null
press C-x
check "^X saves the first note" wait_for "Saved note"
note_done
check "note 1: the third activity's site and source, the second cluster, strength" \
	test "$(stored 'Parents want report cards in Spanish')" = "$(act_info "$A3")|strength|$C2"

check "the next note keeps the tags and valence" wait_for "Clusters: $C2   Valence: + strength"
typed "Interpreters are booked too late"
press C-x
wait_for "Saved note" >/dev/null
note_done
check "note 2 keeps the activity, tags and valence without a key" \
	test "$(stored 'Interpreters are booked too late')" = "$(act_info "$A3")|strength|$C2"

press C-p
wait_for "Activity" >/dev/null
press Down Enter
A2SITE=$(act_info "$A2" | cut -d'|' -f2)
if [ "$A2SITE" != "$HERE" ]; then
	check "a note at another site says so before saving" wait_for "site $A2SITE (not the screen's $HERE)"
else
	check "the second activity is at the screen's site" wait_for "New note  site $HERE"
fi
typed "Counselors rarely call home"
press C-x
wait_for "Saved note" >/dev/null
note_done
check "note 3: the second activity's site and source" \
	test "$(stored 'Counselors rarely call home')" = "$(act_info "$A2")|strength|$C2"

press C-r
check "^R clears the tags and valence" wait_for "Clusters: (none: ^T)   Valence:"
press C-t
wait_for "Tag cluster" >/dev/null
press Enter
typed "Bus routes skip the east side"
press C-x
wait_for "Saved note" >/dev/null
note_done
check "note 4: first cluster, neutral" test "$(stored 'Bus routes skip the east side')" = "$(act_info "$A2")|neutral|$C1"

typed "Families trust the front office"
press F2
wait_for "Saved note" >/dev/null
note_done
check "note 5: F2 saves too, same activity and tags" \
	test "$(stored 'Families trust the front office')" = "$(act_info "$A2")|neutral|$C1"

# ---- one fixed after saving: the fifth row, and the selection stays on it ----
keys Escape
wait_for "nothing was typed" >/dev/null
FIX=$(sql "$DB" "SELECT id FROM note WHERE text = 'Counselors rarely call home'")
ROW=$(sql "$DB" "SELECT count(*) FROM note m, note n WHERE n.id = $FIX AND m.deleted_at IS NULL
	AND (m.created_at > n.created_at OR (m.created_at = n.created_at AND m.id > n.id))")
i=0
while [ "$i" -lt "$ROW" ]; do keys j; i=$((i + 1)); done
keys Enter
check "note 3, row $ROW of the list, is open" wait_for "Note $FIX "
keys q
wait_for "Enter open" >/dev/null
keys e
wait_for "Editing note $FIX" >/dev/null
keys -l " (fixed)"
keys C-x
check "the edit is saved" wait_for "Note $FIX saved."
check "the fix is in the database" test "$(sql "$DB" "SELECT count(*) FROM note WHERE id = $FIX AND text LIKE '% (fixed)'")" = 1
keys Enter
check "the selection stays on the edited note" wait_for "Note $FIX "
keys q

# ---- the search prompt: the old query is selected, typing replaces it, ^U/^W edit ----
keys /
wait_for "Search" >/dev/null
keys -l "interpreter"
keys Enter
wait_for "search=interpreter" >/dev/null
keys /
check "the search prompt shows the old query" wait_for "prefix*): interpreter"
keys -l "bus routes"
keys Enter
check "typing replaced the old query" wait_for "search=bus routes"
keys /
wait_for "prefix*): bus routes" >/dev/null
keys End C-w
check "^W erases the last word" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q 'prefix\*): bus *\$'"
keys C-u
keys -l "counselors"
keys Enter
check "^U clears the rest; the new query stands alone" wait_for "search=counselors"
keys F
wait_for "Evidence:" >/dev/null

# ---- the filter picker: arrows and Enter, like every picker ----
SITE2=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1 OFFSET 1")
keys f
wait_for "Filter by:" >/dev/null
keys Enter
check "f Enter: the highlighted field (site) is picked" wait_for "Filter site:"
keys Down Down Enter
check "Down Down Enter: the second site (the first row clears the filter)" wait_for "site=$SITE2"
keys f
wait_for "Filter by:" >/dev/null
keys Enter
wait_for "Filter site:" >/dev/null
keys Enter
check "Enter on the first row clears the site filter" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q 'site=$SITE2'"

# ---- a saved note the list's filter hides says so ----
# (A list filtered to a site or cluster puts the new note there: another author hides it.)
OTHER=$(sql "$DB" "SELECT name FROM person WHERE name <> '$REV' AND id IN (SELECT author_id FROM note)
	ORDER BY id LIMIT 1")
keys f
wait_for "Filter by:" >/dev/null
keys -l "author"
keys Enter
wait_for "Filter author:" >/dev/null
keys -l "$OTHER"
keys Enter
wait_for "author=$OTHER" >/dev/null
keys a
wait_for "New note" >/dev/null
keys -l "Hidden by the filter"
keys C-x
check "a note the filter hides: the screen says so and how to clear it" wait_for "hidden by the list's filter (Esc, F clears it): author="
check "the hidden note is saved" test "$(sql "$DB" "SELECT count(*) FROM note WHERE text = 'Hidden by the filter'")" = 1
keys Escape
wait_for "nothing was typed" >/dev/null
keys F
wait_for "all notes" >/dev/null
keys /
keys -l "hidden filter"
keys Enter
check "with the filter cleared the note is found" wait_for "Hidden by the filter"
keys F
wait_for "all notes" >/dev/null

# Keystrokes per note beyond the text: the first note picks, the next ones keep.
TOTAL=0
for n in $COUNTS; do TOTAL=$((TOTAL + n)); done
echo "# keystrokes per note beyond the text:$COUNTS (total $TOTAL for 5 notes)"
check "five notes cost at most 20 keys beyond their text" test "$TOTAL" -le 20
keys Q
wait_exit >/dev/null

# ---- every modified and special key inside a note ----
SPECIAL="C-Left C-Right C-Up C-Down M-Left M-Right M-Up M-Down S-Left S-Right S-Up S-Down
	Home End C-Home C-End S-Home S-End M-Home M-End IC DC PPage NPage C-PPage C-NPage
	F1 F3 F4 F5 F6 F7 F8 F9 F10 F11 F12 S-F3 C-F5 M-b M-f M-d"
LETTERS=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
for term in xterm-256color tmux-256color; do
	START_ENV="TERM=$term" start --db "$DB" --as "$REV"
	wait_for "Review overview" >/dev/null
	keys E
	wait_for "Evidence:" >/dev/null
	# In the list, unbound modified keys do nothing: no site switch, no screen change.
	keys Home C-Left M-b S-Up F5 M-Left
	keys End
	keys ?	# the help opens only once every key before it was read
	wait_for "Keys on this screen" >/dev/null
	keys q
	wait_for "Evidence:" >/dev/null
	check "TERM=$term: modified keys in the list leave the screen and site as they were" \
		sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | head -n 1 | grep -q 'evidence  site $HERE '"
	keys a
	wait_for "New note" >/dev/null
	keys C-r
	keys C-t
	wait_for "Tag cluster" >/dev/null
	keys Enter
	wait_for "Clusters: $C1 " >/dev/null
	want="keys${term%%-*}"
	keys -l "$want"
	i=0
	for k in $SPECIAL; do
		keys "$k"
		keys End
		l=$(printf '%s' "$LETTERS" | cut -c$((i % 52 + 1)))
		keys -l "$l"
		want="$want$l"
		i=$((i + 1))
	done
	wait_for "$want" >/dev/null
	check "TERM=$term: every special key leaves the editor open and types nothing" wait_for "New note"
	keys C-x
	wait_for "Saved note" >/dev/null
	check "TERM=$term: the saved text holds only what was typed" \
		test "$(sql "$DB" "SELECT count(*) FROM note WHERE text = '$want'")" = 1
	keys C-r Escape
	wait_for "nothing was typed" >/dev/null
	keys Q
	wait_exit >/dev/null
done

# ---- LANG=C: accented typing is saved and readable, a Vietnamese name too ----
VN="Đặng Nguyễn"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead' LIMIT 1")
printf 'name,role,site\n%s,reviewer,\n' "$VN" >"$T/vn.csv"
"$QREL" import people --db "$DB" --as "$LEAD" "$T/vn.csv" >/dev/null
START_ENV="LANG=C LC_ALL=C" start --db "$DB" --as "$VN"
wait_for "Review overview" >/dev/null
keys E
wait_for "Evidence:" >/dev/null
keys a
wait_for "New note" >/dev/null
keys C-t
wait_for "Tag cluster" >/dev/null
keys Enter
keys -l "Café été naïve, then ASCII"
check "LANG=C: the editor takes accented text and goes on (ASCII shown)" wait_for "Cafe ete naive, then ASCII"
keys C-x
check "LANG=C: the note is saved" wait_for "Saved note"
check "LANG=C: stored as UTF-8" test "$(sql "$DB" "SELECT count(*) FROM note WHERE text = 'Café été naïve, then ASCII'")" = 1
keys Escape
wait_for "nothing was typed" >/dev/null
keys /
keys -l "naive"
keys Enter
check "LANG=C: the note is listed and readable" wait_for "Cafe ete naive"
check "LANG=C: its author's Vietnamese name shows without its marks" wait_for "Dang Nguyen"
check "LANG=C: no mark shows as ?" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q 'D?ng\|Nguy?n'"
check "LANG=C: the author is stored as typed" test "$(sql "$DB" "SELECT count(*) FROM note n JOIN person p
	ON p.id = n.author_id WHERE n.text = 'Café été naïve, then ASCII' AND p.name = '$VN'")" = 1
keys Q
wait_exit >/dev/null

finish

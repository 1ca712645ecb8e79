#!/bin/sh
# subgroups.sh: the sample review's district suspension table by race: the flag on
# the over-4x group, suppression of small groups, sorting, the year, ASCII bars,
# a correction and the finding note, in a real terminal; then the State's
# figures: the weighted ratio on a wide terminal, a reference group, and the
# alternate ratio where a school's comparison group is small; across sites on a
# set of 80 sites in a tall window.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
BLACK="Black or African Americ"

# open_table [WxH]: qrel on the district, the subgroups screen.
open_table() {
	start ${1:-80x24} --db "$DB" --as "$LEAD"
	wait_for "Review overview" >/dev/null
	keys S
	wait_for "Out-of-school suspension (adverse)"
}

row() { screen | grep -F -- "$1" | head -n 1; }

check "S opens the district's suspension table by race at 80x24" open_table
check "the table is the district's latest year" wait_for "DO 2024-25"
check "its set's suppression is kept in the file, for every site of the set" test "$(sql "$DB" "SELECT count(*)
	FROM subgroup_kept k JOIN metric m ON m.id = k.metric_id WHERE m.code = 'oss' AND k.year = '2024-25'
	AND k.dimension = 'race'")" = "$(sql "$DB" "SELECT count(DISTINCT site_id) FROM subgroup_row r JOIN metric m
	ON m.id = r.metric_id WHERE m.code = 'oss' AND r.year = '2024-25' AND r.dimension = 'race'")"
case "$(row "$BLACK")" in
*"5.29 RR"*!*) ok "Black or African American row: ratio 5.29 and flagged" ;;
*) not_ok "Black or African American row: ratio 5.29 and flagged" "row: $(row "$BLACK")" ;;
esac
case "$(row "White   ")" in
*!*) not_ok "White row is not flagged" "row: $(row "White   ")" ;;
*) ok "White row is not flagged" ;;
esac
# 7 American Indian and 4 Pacific Islander students: no count, no rate.
for g in "American Indian" "Native Hawaiian"; do
	R=$(row " $g")
	case "$R" in
	*"      *       *         *"*) ok "$g: count, rate and ratio withheld" ;;
	*) not_ok "$g: count, rate and ratio withheld" "row: $R" ;;
	esac
done
check "suppression is explained" wait_for "* withheld: fewer than 10 students"
check "the ratio kinds are explained" wait_for "RR vs others here  ARR vs others statewide  n/c under 10"
check "80 columns: no weighted ratio column" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q ' WRR '"
check "rate chart under the table at 80x24" wait_for "marks the rate of all other students"
check "bars drawn with Unicode blocks" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q '█'"

# Sort by rate (o three times from the group column), highest first after r.
keys o o o r
wait_line 5 "$BLACK" >/dev/null
wait_line 11 "      *" >/dev/null
FIRST=$(screen | sed -n 5p)
case "$FIRST" in
*"$BLACK"*) ok "sorted by rate, highest first: Black or African American on top" ;;
*) not_ok "sorted by rate, highest first" "first row: $FIRST" ;;
esac
LAST=$(screen | sed -n 11p)
case "$LAST" in
*"      *"*) ok "withheld rates sort last" ;;
*) not_ok "withheld rates sort last" "row: $LAST" ;;
esac

# Switch the year with the type-ahead picker.
keys y
check "y opens the year picker" wait_for "School year:"
keys 2023 Enter
check "the table is now 2023-24" wait_for "DO 2023-24"
case "$(row "$BLACK")" in
*"5.08 RR"*!*) ok "2023-24: Black or African American ratio 5.08, flagged" ;;
*) not_ok "2023-24: Black or African American ratio 5.08, flagged" "row: $(row "$BLACK")" ;;
esac

# Trend and sites views for the selected (top) row.
keys g t
check "t shows the trend by year" wait_for "Out-of-school suspension by year, DO"
keys Escape
wait_for "y year  m metric" >/dev/null
keys v
check "v shows the group across sites" wait_for "Out-of-school suspension by site"
check "the across-sites view lists a school" wait_for "RHS Riverbend High"
keys Escape
wait_gone "Out-of-school suspension by site" >/dev/null	# Esc alone, not Alt with the next key

# n on the flagged row writes the finding as a note.
keys g
sleep 0.2
keys n
check "n reports the note" wait_for "Evidence note"
N=$(sql "$DB" "SELECT count(*) FROM note n JOIN person p ON p.id = n.author_id
	JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id
	WHERE n.source = 'document_review' AND n.valence = 'growth' AND p.name = '$LEAD' AND c.code = '1.3'
	AND n.text = 'Black or African American students: out-of-school suspension risk 4.9% vs 1.0% for all other students (risk ratio 5.08, 2023-24, district)'")
check "the note holds the finding, tagged to cluster 1.3" test "$N" = 1

# p on the flagged row starts an action-plan objective with the finding linked.
keys p
check "p reports the objective" wait_for "started in the action plan for Black or African American"
N=$(sql "$DB" "SELECT count(*) FROM cause_link l JOIN root_cause c ON c.id = l.root_cause_id
	WHERE l.grp = 'Black or African American' AND l.year = '2023-24'")
check "the objective's cause links the subgroup finding" test "$N" = 1

# e corrects a row: enrolled kept, count changed; the change log has it.
keys e
check "e prompts for enrolled" wait_for "Enrolled for Black or African American [1669]"
keys Enter 8 0 Enter
check "the correction is saved" wait_for "Saved Black or African American"
check "the count is stored" test "$(sql "$DB" "SELECT count FROM subgroup_row r JOIN site s ON s.id = r.site_id
	JOIN metric m ON m.id = r.metric_id WHERE s.code = 'DO' AND m.code = 'oss' AND r.year = '2023-24'
	AND r.grp = 'Black or African American'")" = 80
check "the change log records it" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE entity = 'subgroup_row'
	AND field = 'count' AND old = '82' AND new = '80'")" = 1
# The screen keeps its table between visits (a district's set is suppressed
# together); a write by another process still shows on the next visit.
keys O
wait_for "Review overview" >/dev/null
sql "$DB" "UPDATE subgroup_row SET count = 75 WHERE grp = 'Black or African American' AND year = '2023-24'
	AND site_id = (SELECT id FROM site WHERE code = 'DO') AND metric_id = (SELECT id FROM metric WHERE code = 'oss')"
keys S
wait_for "DO 2023-24" >/dev/null
case "$(row "$BLACK")" in
*"    1669     75 "*) ok "another process's write shows when the screen is opened again" ;;
*) not_ok "another process's write shows when the screen is opened again" "row: $(row "$BLACK")" ;;
esac
keys e 9 Enter 2 0 Enter
check "count above enrolled is refused" wait_for "cannot be more than"
keys Q
check "quits cleanly" test "$(wait_exit)" = 0

# A non-UTF-8 locale: ASCII bars and marker, no mojibake.
START_ENV="LANG=C LC_ALL=C" open_table >/dev/null
check "C locale draws the table" wait_for "Out-of-school suspension (adverse)"
check "C locale draws ASCII bars" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q '####'"
check "C locale draws no block characters" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q '█'"
case "$(row "$BLACK")" in
*"5.29 RR"*!*) ok "C locale: the flag is there" ;;
*) not_ok "C locale: the flag is there" "row: $(row "$BLACK")" ;;
esac
keys Q
wait_exit >/dev/null

# A wide terminal puts the chart beside the table and shows the weighted ratio.
open_table 140x30 >/dev/null
case "$(row "$BLACK")" in
*"5.29 RR"*"4.0%") ok "140x30: the chart is beside the table" ;;
*) not_ok "140x30: the chart is beside the table" "row: $(row "$BLACK")" ;;
esac
check "140x30: the WRR column is shown" sh -c "screen() { tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel; };
	screen | grep -q 'Flag    WRR   Out %'"
# Small groups are hidden here, and a weighted ratio would give them back.
case "$(row "$BLACK")" in
*"5.29 RR    !      *   54.9%"*) ok "140x30: weighted ratios withheld beside hidden groups" ;;
*) not_ok "140x30: weighted ratios withheld beside hidden groups" "row: $(row "$BLACK")" ;;
esac

# b picks White as the reference group: a "vs White" column.
keys b
check "b opens the reference picker" wait_for "Reference group:"
keys Whi Enter
check "the title names the reference" wait_for "by race · vs White"
check "a vs White column" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q 'Flag vs White    WRR'"
case "$(row "$BLACK")" in
*"5.29 RR    !     5.93      *"*) ok "Black students against White students: 5.93" ;;
*) not_ok "Black students against White students: 5.93" "row: $(row "$BLACK")" ;;
esac
# (grep from the line's start: the heading names White too)
WHITE=$(screen | grep '^ White ' | head -n 1)
case "$WHITE" in
*"0.34 RR           ref      *"*) ok "the White row is the reference" ;;
*) not_ok "the White row is the reference" "row: $WHITE" ;;
esac
case "$(row " Hispanic")" in
*"*         *             *      *"*) ok "a withheld group shows no ratio to the reference" ;;
*) not_ok "a withheld group shows no ratio to the reference" "row: $(row " Hispanic")" ;;
esac

# No group is hidden by disability: two groups, so the weighted ratio is the risk ratio.
keys d
wait_for "Dimension:" >/dev/null
keys disab Enter
check "the disability table" wait_for "by disability · vs White"
case "$(row "Students with disabilities")" in
*"3.34 RR    !        -   3.34"*) ok "students with disabilities: WRR 3.34, no White group to compare" ;;
*) not_ok "students with disabilities: WRR 3.34, no White group to compare" \
	"row: $(row "Students with disabilities")" ;;
esac
keys w
check "w hides the weighted ratio" wait_gone " WRR "
keys b
wait_for "Reference group:" >/dev/null
keys none Enter
check "(none) drops the reference column" wait_gone "vs White"

# Millrace Middle (the fourth site): 16 of 1141 non-learners suspended, none
# of the 109 English learners: too few to compare with, so the State's
# learners (1524 of 109679) are the comparison: 1.01.
keys ] ] ]
check "the middle school's table" wait_for "MMS 2024-25"
keys d
wait_for "Dimension:" >/dev/null
keys ell Enter
check "by English learner status" wait_for "by ell"
case "$(row "Non-English learners")" in
*"1.4%  1.01 ARR"*) ok "a small comparison group gives the alternate ratio against the State" ;;
*) not_ok "a small comparison group gives the alternate ratio against the State" \
	"row: $(row "Non-English learners")" ;;
esac
case "$(row " English learners")" in
*"0.0%       n/c"*) ok "the learners themselves are under the minimums: n/c" ;;
*) not_ok "the learners themselves are under the minimums: n/c" "row: $(row " English learners")" ;;
esac

# Hawthorne Middle (the site before) by gender: 5 of 511 girls suspended (withheld), so the
# boys' 14 of 539 would follow from the total: every count and the total go,
# and the boys' flag (alternate ratio against the State) stays, with its note.
keys [
check "the other middle school's table" wait_for "HMS 2024-25"
keys d
wait_for "Dimension:" >/dev/null
keys gender Enter
check "by gender" wait_for "by gender"
case "$(row " Male")" in
*"539      *       *         *    !"*) ok "a withheld group keeps its flag" ;;
*) not_ok "a withheld group keeps its flag" "row: $(row " Male")" ;;
esac
case "$(row "All students")" in
*"1050      *"*) ok "the total count is withheld with them" ;;
*) not_ok "the total count is withheld with them" "row: $(row "All students")" ;;
esac
check "the note says flags stay" wait_for "or it would reveal one; flags (!) stay"
keys Q
wait_exit >/dev/null

# Across sites on a set of 80 sites (the benchmark's small review): the chart's
# 64 are loaded, and as many as a taller window's list shows, also once it grows.
GEN="$T/generated.db"
"$BUILDDIR/bench/generate" --small "$GEN" >/dev/null
across() {
	start "$1" --db "$GEN" --as "Lead 00"
	wait_for "Review overview" >/dev/null
	keys S
	wait_for "Metric 01" >/dev/null
	keys v
	wait_for "Metric 01 by site"
}
first_site() { screen | grep -m 1 "School number" | grep -q "^ S001 School number 1 "; }
check "v on the 80 sites' set at 80x24" across 80x24
check "the district (S001) comes first" first_site
tm resize-window -t qrel -x 100 -y 170
check "grown to 170 lines, the list shows the 80th site" wait_for "S080 School number 80"
keys Q
wait_exit >/dev/null
check "v on the 80 sites' set at 100x170" across 100x170
check "the list shows the 80th site" wait_for "S080 School number 80"
keys Q
wait_exit >/dev/null

finish

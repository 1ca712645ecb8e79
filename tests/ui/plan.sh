#!/bin/sh
# plan.sh: the action plan in a real terminal: an objective started from a flagged
# subgroup finding, one added with its theory of action, a step with a lead and a due
# date, its status changed with a note; then the commands and the database.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
# The sample ships an action plan; this scenario builds one from nothing.
sql "$DB" "PRAGMA foreign_keys = ON; DELETE FROM plan;"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
OBSERVER=$(sql "$DB" "SELECT name FROM person WHERE role = 'observer' LIMIT 1")
FINDING="DO,2023-24,oss,race,Black or African American"
STEP="Train deans on restorative practice"

# The subgroup screen will call plan_objective_from_subgroup; the command does the same.
OUT=$("$QREL" plan add-objective --db "$DB" --as "$LEAD" --from-subgroup "$FINDING")
check "an objective starts from a subgroup finding ($OUT)" test "$OUT" = "objective 1"
check "its cause cites the finding" test "$(sql "$DB" "SELECT count(*) FROM cause_link l JOIN site s ON s.id = l.site_id
	WHERE l.kind = 'subgroup' AND s.code = 'DO' AND l.year = '2023-24' AND l.grp = 'Black or African American'")" = 1
BASE=$(sql "$DB" "SELECT baseline_count || '/' || baseline_enrolled FROM metric_target")
DATA=$(sql "$DB" "SELECT r.count || '/' || r.enrolled FROM subgroup_row r JOIN site s ON s.id = r.site_id
	JOIN metric m ON m.id = r.metric_id WHERE s.code = 'DO' AND r.year = '2023-24' AND m.code = 'oss'
	AND r.grp = 'Black or African American'")
check "its metric's baseline is the group's data ($BASE)" test "$BASE" = "$DATA"

start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys A
check "A opens the plan with the objective from the finding" wait_for "1. Reduce Out-of-school suspension"
check "the metric shows baseline, target and latest" wait_for "4.9% → 1.0%, now 4.0%"

keys a
check "a asks for an objective's title" wait_for "New objective, title:"
keys -l "Fair referrals"
keys Enter
check "then for the theory of action" wait_for "Theory of action, if:"
keys -l "deans review referrals weekly"
keys Enter
wait_for "then:" >/dev/null
keys -l "suspension gaps close"
keys Enter
check "the objective is added" wait_for "Objective added"
check "with its theory of action" wait_for "If deans review referrals weekly, then suspension gaps close"

keys s
check "s asks for a step" wait_for "New step:"
keys -l "$STEP"
keys Enter
wait_for "Lead (Tab completes):" >/dev/null
keys -l "Jos"
check "the lead prompt lists matching people" wait_for "Matches: José Ramírez"
keys Tab Enter
check "the start date defaults to today" wait_for "Start (YYYY-MM-DD): 2026-03-02"
keys Enter
wait_for "Due (YYYY-MM-DD):" >/dev/null
keys -l "2026-02-30"
keys Enter
check "an impossible date is refused" wait_for "'2026-02-30' is not a date"
keys C-u
keys -l "2026-04-15"
keys Enter
check "the step is added" wait_for "Step added"
check "with its lead and due date" wait_for "due 2026-04-15  José Ramírez"

keys 2
check "2 asks for a note on the change" wait_for "Note (in progress):"
keys -l "first session booked"
keys Enter
check "the status changes" wait_for "Status changed"
check "the step shows in progress" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -F '$STEP' | grep -qF '[~]'"
check "progress counts the steps" wait_for "2 objectives, 0 of 1 steps done"
keys Enter
check "Enter on a step shows its status history" wait_for "first session booked"
keys q
keys g Enter
check "Enter on an objective shows the data behind it" wait_for "Subgroup finding:"
check "with the comparison group" wait_for "All other students (race):"
keys q
keys Tab
check "Tab shows the step list" wait_for "sorted by due date"
keys o
check "o sorts it by lead" wait_for "sorted by lead"
keys Q
check "Q quits with status 0" test "$(wait_exit)" = 0

check "qrel plan steps shows the step" sh -c "'$QREL' plan steps --db '$DB' --as '$LEAD' | grep -qxF 'Fair referrals,$STEP,José Ramírez,2026-03-02,2026-04-15,in_progress'"
check "not overdue today" test -z "$("$QREL" plan steps --db "$DB" --as "$LEAD" --overdue | sed 1d)"
check "overdue after its due date" sh -c "QREL_NOW=2026-05-01T00:00:00Z '$QREL' plan steps --db '$DB' --as '$LEAD' --overdue --lead 'José Ramírez' | grep -qF '$STEP'"
check "qrel plan prints the theory of action" sh -c "'$QREL' plan --db '$DB' --as '$LEAD' | grep -qF 'If deans review referrals weekly, then suspension gaps close.'"
check "qrel plan --format json is valid JSON" sh -c "'$QREL' plan --db '$DB' --as '$LEAD' --format json | python3 -m json.tool >/dev/null"

SID=$(sql "$DB" "SELECT id FROM step WHERE description = '$STEP'")
check "the database holds the step with its lead" test "$(sql "$DB" "SELECT s.status || '|' || p.name || '|' || s.due
	FROM step s JOIN person p ON p.id = s.lead_id WHERE s.id = $SID")" = "in_progress|José Ramírez|2026-04-15"
check "the status history has the dated note" test "$(sql "$DB" "SELECT group_concat(status || ':' || note || ':' || at || ':' || who, ';')
	FROM (SELECT * FROM step_status WHERE step_id = $SID ORDER BY id)")" = \
	"planned::2026-03-02T10:00:00Z:$LEAD;in_progress:first session booked:2026-03-02T10:00:00Z:$LEAD"
check "the change is in the change log" test "$(sql "$DB" "SELECT count(*) FROM change_log c JOIN step s ON s.uuid = c.entity_uuid
	WHERE s.id = $SID AND c.field = 'status' AND c.old = 'planned' AND c.new = 'in_progress'
	AND c.reason = 'first session booked' AND c.who = '$LEAD'")" = 1

# A note a root cause cites cannot be deleted.
NOTE=$(sql "$DB" "SELECT id FROM note WHERE deleted_at IS NULL ORDER BY id LIMIT 1")
"$QREL" plan add-cause --db "$DB" --as "$LEAD" --objective 2 --text "Referrals are not reviewed" --note "$NOTE" >/dev/null
check "a cited note's deletion is refused" sh -c "! sqlite3 '$DB' \"UPDATE note SET deleted_at = 'x' WHERE id = $NOTE\" 2>/dev/null"
check "the note is still live" test "$(sql "$DB" "SELECT deleted_at IS NULL FROM note WHERE id = $NOTE")" = 1

OUT=$("$QREL" plan add-step --db "$DB" --as "$OBSERVER" --objective 1 --step x 2>&1)
check "an observer cannot add steps (exit $?)" test $? = 1
check "and is told why" sh -c "echo '$OUT' | grep -qF observer"
# From the rubric, p starts an objective from the selected cluster at the current site.
start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys R
wait_for "Rubric:" >/dev/null
keys p
check "p in the rubric starts an objective" wait_for "started in the action plan for"
check "its cause links the cluster" test "$(sql "$DB" "SELECT count(*) FROM cause_link WHERE kind = 'cluster'")" -ge 1
keys Q
finish

#!/bin/sh
# blind.sh: rating stays blind until consensus on every read path (scores, agree --by rater,
# report, the change-log screen C, the dashboard P), and a principal reads none of the team's
# findings about their school until the lead releases them, and never another school's.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
LEAD="Ségolène Arceneaux"
A="José Ramírez"
B="Zoë Whitfield"
PRIN="Patricia Holloway"
SECRET="ZEBRA-RATIONALE-OF-ZOE"
sample_db "$DB"
cd "$T" || exit 1

# RHS 1.3 has no consensus in the sample: A and B rate it, far apart.
check "RHS 1.3 starts without a consensus" test "$(sql "$DB" "SELECT count(*) FROM score s JOIN site si \
	ON si.id = s.site_id JOIN cluster c ON c.id = s.cluster_id WHERE si.code = 'RHS' AND c.code = '1.3' \
	AND s.kind = 'consensus'")" = 0
"$QREL" score --db "$DB" --as "$A" --site RHS --cluster 1.3 --level 3 --rationale "alpha view of José" >/dev/null
"$QREL" score --db "$DB" --as "$B" --site RHS --cluster 1.3 --level 1 --rationale "$SECRET" >/dev/null

# ---- scores ----
"$QREL" scores --db "$DB" --as "$A" --site RHS >"$T/a.csv"
check "scores: A sees their own RHS 1.3 score" grep -q "^RHS,1.3,$A,team,3," "$T/a.csv"
check "scores: A sees neither B's level nor rationale" sh -c "! grep -q '^RHS,1.3,$B' '$T/a.csv' && ! grep -q '$SECRET' '$T/a.csv'"
check "scores: the lead sees B's" grep -q "^RHS,1.3,$B,team,1,$SECRET" \
	"$("$QREL" scores --db "$DB" --as "$LEAD" --site RHS >"$T/l.csv"; echo "$T/l.csv")"
check "scores: a non-member sees only the header" test "$("$QREL" scores --db "$DB" --as "Mallory Nobody" | wc -l)" = 1

# ---- agree --by rater, report: B's blind level moves nothing A reads ----
snap() { # snap TAG WHO: A's (or anyone's) agree and report outputs
	"$QREL" agree --db "$DB" --as "$2" --by rater >"$T/$1.agree"
	"$QREL" agree --db "$DB" --as "$2" --by cluster --site RHS >>"$T/$1.agree"
	"$QREL" report --db "$DB" --as "$2" -o "$T/$1.md" >/dev/null
}
snap a1 "$A"
snap l1 "$LEAD"
"$QREL" score --db "$DB" --as "$B" --site RHS --cluster 1.3 --level 2 >/dev/null
snap a2 "$A"
snap l2 "$LEAD"
check "agree: the lead's figures move when B changes a blind level (the test can see it)" \
	sh -c "! cmp -s '$T/l1.agree' '$T/l2.agree'"
check "agree --by rater / --by cluster: A's figures do not move" cmp -s "$T/a1.agree" "$T/a2.agree"
check "report: A's report does not change with B's blind level" cmp -s "$T/a1.md" "$T/a2.md"
check "report: A's report has no B rationale" sh -c "! grep -q '$SECRET' '$T/a2.md'"
"$QREL" score --db "$DB" --as "$B" --site RHS --cluster 1.3 --level 1 >/dev/null

# ---- the change-log screen C ----
start 120x40 --db "$DB" --as "$A"
wait_for "Review overview" >/dev/null
keys C
wait_for "Change log, newest first" >/dev/null
check "C: B's change is listed, masked" wait_for "RHS 1.3 by $B"
check "C: B's values read as hidden" wait_for "hidden until consensus"
check "C: B's rationale is not on the screen" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q '$SECRET'"
check "C: nor B's level" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q 'level: .* → 1'"

# ---- the dashboard P ----
# RHS is the sixth site, 1.3 the third cluster.
dash() {
	start 120x40 --db "$DB" --as "$1"
	wait_for "Review overview" >/dev/null
	keys P
	wait_for "Dashboard: consensus levels" >/dev/null
	keys j j j j j l l
	wait_for "1.3 Discipline and exclusion, at RHS" >/dev/null
}
dash "$LEAD"
check "P (lead): RHS 1.3 has team figures" wait_for "consensus -, self"
check "P (lead): two or more raters, spread 2" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | \
	grep -Eq 'team median [0-9.]+ \\([2-9] raters, spread 2\\)'"
check "P (lead): RHS 1.3 is in the discuss list" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q '1.3@RHS'"
dash "$A"
check "P (A): no team median, raters or spread at the blind cell" wait_for "team median - (0 raters, spread 0)"
check "P (A): the blind cell is in no list" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q '1.3@RHS'"

# ---- consensus: now A sees it all ----
"$QREL" score --db "$DB" --as "$LEAD" --kind consensus --site RHS --cluster 1.3 --level 2 --rationale agreed >/dev/null
"$QREL" scores --db "$DB" --as "$A" --site RHS >"$T/a.csv"
check "after consensus, scores: A sees B's level and rationale" grep -q "^RHS,1.3,$B,team,1,$SECRET" "$T/a.csv"
start 120x40 --db "$DB" --as "$A"
wait_for "Review overview" >/dev/null
keys C
check "after consensus, C: B's rationale is shown" wait_for "$SECRET"
dash "$A"
check "after consensus, P (A): the team's figures" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | \
	grep -Eq 'consensus 2, self .*team median [0-9.]+ \\([2-9] raters'"
snap a3 "$A"
check "after consensus, agree: A's figures now count the cell" sh -c "! cmp -s '$T/a1.agree' '$T/a3.agree'"

# ---- principals ----
QREL_NOW=2027-01-01T00:00:00Z "$QREL" evidence add --db "$DB" --as "$A" --site RHS --source interview \
	--cluster 1.3 --valence strength "RHS-TEAM-NOTE-KIWI" >/dev/null
QREL_NOW=2027-01-01T00:00:01Z "$QREL" evidence add --db "$DB" --as "$A" --site EHS --source interview \
	--cluster 1.3 --valence strength "EHS-TEAM-NOTE-MANGO" >/dev/null
"$QREL" report --db "$DB" --as "$LEAD" -o "$T/lead.md" >/dev/null
check "the lead's report quotes both notes (the test can see them)" sh -c \
	"grep -q KIWI '$T/lead.md' && grep -q MANGO '$T/lead.md'"
principal_reads() { # what the principal reads, in one file
	{
		"$QREL" evidence list --db "$DB" --as "$PRIN"
		"$QREL" evidence list --db "$DB" --as "$PRIN" --search KIWI
		"$QREL" scores --db "$DB" --as "$PRIN"
		"$QREL" activity list --db "$DB" --as "$PRIN" | sed 's/^[^,]*,/ACTIVITY,/'
		"$QREL" report --db "$DB" --as "$PRIN" -o "$T/p.md" >/dev/null && cat "$T/p.md"
	} >"$T/p.out" 2>&1
}
principal_reads
check "principal, before release: no team note about RHS" sh -c "! grep -q KIWI '$T/p.out'"
check "principal, before release: no team score or consensus" sh -c "! grep -Eq ',(team|consensus),' '$T/p.out'"
check "principal, before release: their own self-evaluation" grep -q "^RHS,.*,$PRIN,self," "$T/p.out"
check "principal, before release: no activity at all" sh -c "! grep -q '^ACTIVITY,[A-Z]' '$T/p.out'"
check "principal, before release: no other school" sh -c "! grep -Eq 'MANGO|^(EHS|DO|HMS|MMS|OES|WES),' '$T/p.out'"
prin_rubric() { # the principal's rubric at their school, on its first cluster
	start 120x40 --db "$DB" --as "$PRIN"
	wait_for "Review overview" >/dev/null
	keys R
	wait_for "self scores by $PRIN" >/dev/null
}
prin_rubric
check "principal's rubric, before release: no count of the team's notes" wait_for "0 notes, 0 source types"
check "release: refused to a reviewer" sh -c "! '$QREL' release --db '$DB' --as '$A' --site RHS 2>/dev/null"
check "release: refused to the principal" sh -c "! '$QREL' release --db '$DB' --as '$PRIN' --site RHS 2>/dev/null"
check "release: the lead releases RHS" "$QREL" release --db "$DB" --as "$LEAD" --site RHS
check "release: kept in the change log" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE \
	entity = 'site' AND field = 'released' AND new = '1' AND who = '$LEAD'")" = 1
principal_reads
check "principal, after release: the team's note about RHS" grep -q KIWI "$T/p.out"
check "principal, after release: the consensus and agreed team scores at RHS" sh -c \
	"grep -q '^RHS,1.3,$LEAD,consensus,2,agreed' '$T/p.out' && grep -q '^RHS,1.3,$B,team,1,$SECRET' '$T/p.out'"
prin_rubric
check "principal's rubric, after release: the team's evidence counts" sh -c "sleep 1; tmux -L '$TMUX_SOCKET' \
	capture-pane -p -t qrel | grep -Eq '│ [1-9][0-9]* notes?, [1-9][0-9]* source type'"
check "principal, after release: the activities at RHS" grep -q '^ACTIVITY,RHS,' "$T/p.out"
check "principal, after release: no activity elsewhere" sh -c "! grep -Eq '^ACTIVITY,(EHS|DO|HMS|MMS|OES|WES),' '$T/p.out'"
check "principal, after release: still no other school" sh -c "! grep -Eq 'MANGO|^(EHS|DO|HMS|MMS|OES|WES),' '$T/p.out'"

# ---- the plan covers every school: not for a principal, nor a non-member ----
check "plan: a reviewer reads it" sh -c "'$QREL' plan --db '$DB' --as '$A' >/dev/null"
check "plan: refused to the principal, even after RHS's release" sh -c \
	"! '$QREL' plan --db '$DB' --as '$PRIN' >/dev/null 2>'$T/err' && grep -q 'not released' '$T/err'"
check "plan: refused to a non-member" sh -c "! '$QREL' plan --db '$DB' --as 'Mallory Nobody' >/dev/null 2>&1"

finish

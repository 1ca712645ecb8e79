#!/bin/sh
# overview.sh: the overview of the sample review in a real terminal: counts from
# the database, moving, site switching, help, resizing and a hang-up.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
FIRST=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1")
SECOND=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1 OFFSET 1")
NSITES=$(sql "$DB" "SELECT count(*) FROM site")

start --db "$DB" --as "$LEAD"
check "overview opens at 80x24" wait_for "Review overview: $NSITES sites"
check "header names the user and role" wait_for "$LEAD (lead)"

# The first site's domain 1 cell must match the database.
D1_CLUSTERS=$(sql "$DB" "SELECT count(*) FROM cluster c JOIN domain d ON d.id = c.domain_id WHERE d.code = '1'")
D1_NOTES=$(sql "$DB" "SELECT count(DISTINCT n.id) FROM note n JOIN note_cluster nc ON nc.note_id = n.id
	JOIN cluster c ON c.id = nc.cluster_id JOIN domain d ON d.id = c.domain_id JOIN site s ON s.id = n.site_id
	WHERE d.code = '1' AND s.code = '$FIRST' AND n.deleted_at IS NULL")
D1_SCORED=$(sql "$DB" "SELECT count(DISTINCT sc.cluster_id) FROM score sc JOIN cluster c ON c.id = sc.cluster_id
	JOIN domain d ON d.id = c.domain_id JOIN site s ON s.id = sc.site_id
	WHERE d.code = '1' AND s.code = '$FIRST' AND sc.kind IN ('team','consensus')
	AND (sc.level IS NOT NULL OR sc.insufficient)")
ROW=$(screen | grep "^$FIRST " | head -n 1)
EXPECT=$(printf '%2d/%-2d %4d' "$D1_SCORED" "$D1_CLUSTERS" "$D1_NOTES")
case "$ROW" in
*"$EXPECT"*) ok "first site's domain 1 counts match the database ($EXPECT)" ;;
*) not_ok "first site's domain 1 counts match the database" "row: $ROW" "expected: $EXPECT" ;;
esac
check "notes are counted at all" test "$D1_NOTES" -gt 0
# Every site's scored clusters, domain by domain (the first site has none in domain 1).
SCORED=$(sql "$DB" "SELECT group_concat(n, ' ') FROM (SELECT s.code || ':' || (SELECT count(DISTINCT sc.cluster_id)
	FROM score sc JOIN cluster c ON c.id = sc.cluster_id WHERE c.domain_id = d.id AND sc.site_id = s.id
	AND sc.kind IN ('team','consensus') AND (sc.level IS NOT NULL OR sc.insufficient)) || '/' ||
	(SELECT count(*) FROM cluster c WHERE c.domain_id = d.id) AS n FROM site s JOIN review r ON r.id = s.review_id
	JOIN domain d ON d.framework_id = r.framework_id ORDER BY s.code, d.position)")
SHOWN=$(screen | awk -v sites="$(sql "$DB" "SELECT group_concat(code, ' ') FROM site")" '
	BEGIN { split(sites, a, " "); for (i in a) want[a[i]] = 1 }
	($1 in want) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { printf "%s%s:%s", sep, $1, $i; sep = " " } }
	' | tr -s ' ')
case "$SHOWN" in
"$SCORED") ok "every site's scored clusters match the database" ;;
*) not_ok "every site's scored clusters match the database" "shown: $SHOWN" "database: $SCORED" ;;
esac

# Another reviewer's note (another process) appears without a keypress.
printf 'site,source,author,valence,clusters,text\n%s,interview,%s,strength,1.1,Live note from another qrel\n' \
	"$FIRST" "$LEAD" >"$T/live.csv"
"$QREL" import evidence --db "$DB" --as "$LEAD" "$T/live.csv" >/dev/null
EXPECT=$(printf '%2d/%-2d %4d' "$D1_SCORED" "$D1_CLUSTERS" $((D1_NOTES + 1)))
check "a note written by another process shows without a key press" wait_for "$EXPECT"

keys j Enter
check "Enter on the second row switches the site" wait_for "Working on $SECOND"
check "Enter opens the rubric for that site" wait_for "Rubric: scored"
keys O
check "O returns to the overview" wait_for "Review overview"
keys ']'
keys '?'
check "? shows the help overlay" wait_for "Keys on this screen"
check "help lists the global keys" wait_for "move down"
keys x
check "any key closes the help" wait_for "Review overview"

tm resize-window -t qrel -x 60 -y 20
check "too small a terminal says so" wait_for "needs a terminal of at least 80x24"
tm resize-window -t qrel -x 120 -y 40
check "resize back relayouts" wait_for "Review overview: $NSITES sites"

keys q
check "q on the overview quits with status 0" test "$(wait_exit)" = 0
tm kill-server 2>/dev/null

# A hang-up (the SSH link drops) ends qrel cleanly; the store stays sound.
start --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
tm kill-session -t qrel
n=0
while qrel_running "$DB" && [ "$n" -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
if qrel_running "$DB"; then not_ok "no qrel left running after SIGHUP"; else ok "no qrel left running after SIGHUP"; fi
check "database passes qrel check after the hang-up" "$QREL" check --db "$DB"

# Read-only file: opens with a banner. Root may write anything, so as root the
# check runs as nobody.
chmod 0444 "$DB"
chmod 0755 "$T"
[ "$(id -u)" -eq 0 ] && START_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups"
START_WRAP=${START_WRAP:-} start --db "$DB" --as "$LEAD"
check "read-only database shows a banner" wait_for "[read-only]"
keys Q
check "read-only session quits cleanly" test "$(wait_exit)" = 0
START_WRAP=
chmod 0600 "$DB"

# A non-UTF-8 locale gets ASCII drawing, not mojibake.
START_ENV="LANG=C LC_ALL=C" start --db "$DB" --as "$LEAD"
check "C locale still draws the overview" wait_for "Review overview"
check "C locale draws rules in ASCII" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -q -- '------'"
keys Q
wait_exit >/dev/null

finish

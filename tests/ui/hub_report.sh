#!/bin/sh
# hub_report.sh: the dashboard's portfolio (o) against a real hub: without
# [hub] url it says so; with it, "fetching..." and then the review among the
# hub's others, the keys never waiting on the network; an unreachable hub
# gives a clear error and the screen goes on.
. "$(dirname "$0")/hub_lib.sh"

DB="$T/review.db" C="$T/c.db"
LEAD="Ségolène Arceneaux"
sample_db "$DB"
sample_db "$C"
"$QREL" hub init "$ADMIN" >/dev/null
"$QREL" hub add-review --db "$DB" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" hub add-review --db "$C" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" hub grant --db "$DB" "$ADMIN" "$LEAD" lead >/dev/null

start 100x30 --db "$DB" --as "$LEAD" --config /dev/null
wait_for "Review overview" && keys P && wait_for "Dashboard:"
keys o
check "without [hub] url the dashboard says where to set it" wait_for "set [hub] url"
keys Q
wait_exit >/dev/null

printf '[hub]\nurl = %s\n' "$(url lead)" >"$T/qrel.ini"
start 100x30 --db "$DB" --as "$LEAD" --config "$T/qrel.ini"
wait_for "Review overview" && keys P && wait_for "Dashboard:"
keys o
check "o opens the portfolio" wait_for "Portfolio: this review among the hub's reviews"
check "which comes from the hub: both reviews, this one placed" wait_for "over 2 reviews; this review"
screen >"$T/screen"
check "the first cluster's levels are listed" grep -q "level [0-9]: .*% of [0-9]* sites" "$T/screen"
keys q
check "q goes back to the heat map" wait_for "Dashboard:"

# An unreachable hub: the error shows, the screen still answers.
printf '[hub]\nurl = host=%s/none user=lead dbname=hub\n' "$W" >"$T/bad.ini"
start 100x30 --db "$DB" --as "$LEAD" --config "$T/bad.ini"
wait_for "Review overview" && keys P && wait_for "Dashboard:"
keys o
check "an unreachable hub is a clear error" wait_for "The hub could not be reached:"
screen >"$T/screen"
check "naming the connection's failure" grep -qi "connect\|socket\|no such" "$T/screen"
keys q
check "and the dashboard still answers" wait_for "Dashboard:"
keys Q
check "qrel exits normally" test "$(wait_exit)" = 0
check "the database is untouched by the portfolio" test "$(sql "$DB" "PRAGMA integrity_check")" = ok

finish

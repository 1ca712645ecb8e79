#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# conventions.sh: every command behaves alike: --help and -h print usage on stdout and exit 0,
# messages start "qrel COMMAND:", dates are checked on the calendar, --format json prints one
# JSON document, and `qrel init` finds the installed framework or says what is missing.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
USER=$LEAD	# the reads below are the lead's (a non-member reads nothing)
export USER

# ---- --help and -h, for every command `qrel --help` lists.
"$QREL" --help >"$T/help"
sed -n '/^commands:/,/^$/p' "$T/help" | awk 'NF && !/^commands:/ { print $1 }' >"$T/commands"
check "qrel --help lists the commands" test "$(wc -l <"$T/commands")" -ge 17
bad=""
for c in $(cat "$T/commands"); do
	for h in --help -h; do
		"$QREL" "$c" $h >"$T/out" 2>"$T/err"
		rc=$?
		{ [ $rc -eq 0 ] && grep -q "^usage: qrel $c" "$T/out" && [ ! -s "$T/err" ]; } || bad="$bad $c$h(rc=$rc)"
	done
done
check "every command: --help and -h exit 0 with the usage on stdout" test -z "$bad"
[ -z "$bad" ] || echo "# failing:$bad"
"$QREL" sync export -h >"$T/out" 2>"$T/err"
check "a subcommand's -h is help too" sh -c "grep -q '^usage: qrel sync' '$T/out' && test ! -s '$T/err'"

# ---- messages name the command.
"$QREL" report --db "$T/missing.db" 2>"$T/err"
check "an error starts 'qrel report:'" grep -q "^qrel report: .*missing.db" "$T/err"
"$QREL" risk --bogus x.csv 2>"$T/err"
check "getopt's complaint starts 'qrel risk:'" grep -q "^qrel risk: " "$T/err"
"$QREL" agree --format xml x.csv 2>"$T/err"
check "a bad value starts 'qrel agree:'" grep -q "^qrel agree: --format" "$T/err"

# ---- one date checker: the calendar, not only the shape.
"$QREL" evidence list --db "$DB" --from 2026-02-30 >/dev/null 2>"$T/err"
check "evidence list --from 2026-02-30 is refused" test $? -ne 0
check "and the message names the date" grep -q "^qrel evidence: '2026-02-30' is not a date" "$T/err"
"$QREL" evidence list --db "$DB" --to 2023-02-29 >/dev/null 2>&1
check "2023-02-29 is refused (not a leap year)" test $? -ne 0
"$QREL" evidence list --db "$DB" --from 2024-02-29 --to 2026-12-31T23:59 >/dev/null 2>"$T/err"
check "2024-02-29 and a time are accepted" test $? -eq 0 -a ! -s "$T/err"
"$QREL" evidence list --db "$DB" --from 2026-03-01T24:00 >/dev/null 2>&1
check "hour 24 is refused" test $? -ne 0

# ---- --format json: one JSON document from every command that prints rows.
printf 'unit,rater,score\nu1,a,1\nu1,b,2\nu2,a,2\nu2,b,2\nu3,a,3\nu3,b,3\n' >"$T/ratings.csv"
json() {	# json NAME COMMAND...: the output parses as one JSON value
	name=$1
	shift
	"$@" >"$T/json" 2>"$T/err" &&
		python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/json" 2>>"$T/err" ||
		{ echo "# $name: $(head -c 300 "$T/json") $(cat "$T/err")"; return 1; }
}
check "scores --format json" json scores "$QREL" scores --db "$DB" --format json
check "evidence list --format json" json evidence "$QREL" evidence list --db "$DB" --format json
check "activity list --format json" json activity "$QREL" activity list --db "$DB" --format json
check "plan --format json" json plan "$QREL" plan --db "$DB" --format json
check "plan steps --format json" json steps "$QREL" plan steps --db "$DB" --format json
check "risk --format json" json risk "$QREL" risk --format json "$QREL_DATADIR/sample-db/subgroups.csv"
check "agree --format json on a file" json agree "$QREL" agree --format json "$T/ratings.csv"
for by in cluster site rater; do
	check "agree --by $by --format json" json "agree-$by" "$QREL" agree --db "$DB" --by $by --format json
done
check "report --format json" json report "$QREL" report --db "$DB" --format json
"$QREL" risk --format json "$QREL_DATADIR/sample-db/subgroups.csv" >"$T/json"
check "risk: an array with an object per CSV row" test \
	"$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d))' "$T/json")" -eq \
	"$(($(wc -l <"$QREL_DATADIR/sample-db/subgroups.csv") - 1))"
"$QREL" agree --db "$DB" --by site --format json >"$T/json"
check "agree --by site: an array, one object per site, each naming it" test \
	"$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(all("site" in r for r in d) and len(d))' "$T/json")" = \
	"$(sql "$DB" "SELECT count(*) FROM site")"

# ---- qrel init: the installed framework by default; what is missing, named.
"$QREL" init --db "$T/new.db" --review "Test review" >"$T/out" 2>"$T/err"
check "init without --framework uses the installed one" test $? -eq 0
check "the review has the framework's 18 clusters" test "$(sql "$T/new.db" "SELECT count(*) FROM cluster")" -eq 18
QREL_DATADIR="$T/nowhere" "$QREL" init --db "$T/new2.db" --review "Test" 2>"$T/err"
check "with no framework installed init fails with a usage error" test $? -eq 2
check "and names the missing file and --framework" \
	sh -c "grep -q 'nowhere/frameworks/qrel-equity.ini is missing' '$T/err' && grep -q -- '--framework FILE.ini' '$T/err'"
check "and creates no database" test ! -e "$T/new2.db"
"$QREL" init --db "$T/new3.db" 2>"$T/err"
check "init without --review names it" grep -q "^qrel init: --review TITLE is missing" "$T/err"

finish

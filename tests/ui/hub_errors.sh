#!/bin/sh
# hub_errors.sh: qrel against a hub that does not hold what it expects: no hub
# schema, a review never added (or whose add-review failed), a login with no
# grants, a portfolio over too few districts, a newer schema. Each is a clear
# message and a non-zero exit (never a crash), and nothing half-written.
. "$(dirname "$0")/hub_lib.sh"
LEAD="Ségolène Arceneaux"
A="$T/a.db"
sample_db "$A"
# status EXPECTED MESSAGE CMD...: CMD exits EXPECTED and says MESSAGE on stderr.
status() {
	want=$1 msg=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" = "$want" ] && grep -q -- "$msg" "$T/err" && return 0
	echo "# exit $got: $(head -c 300 "$T/err")"
	return 1
}
hubcount() { as hubadmin "SELECT (SELECT count(*) FROM hub.review) + (SELECT count(*) FROM hub.person) + (SELECT count(*) FROM hub.score)"; }

# ---- a database without the hub schema ----
check "push to a database with no hub: exit 1, run hub init" \
	status 1 "holds no qrel hub: run .qrel hub init URL. first" "$QREL" sync push --db "$A" --as "$LEAD" --hub "$ADMIN"
check "pull from it likewise" status 1 "holds no qrel hub" "$QREL" sync pull --db "$A" --as "$LEAD" --hub "$ADMIN"
check "portfolio likewise" status 1 "holds no qrel hub" "$QREL" portfolio --hub "$ADMIN"
check "add-review likewise, and writes nothing" sh -c "! '$QREL' hub add-review --db '$A' --as '$LEAD' '$ADMIN' 2>'$T/err' &&
	grep -q 'holds no qrel hub' '$T/err' && test \"\$(psql -X -t -A '$ADMIN' -c \"SELECT count(*) FROM pg_namespace WHERE nspname = 'hub'\")\" = 0"

"$QREL" hub init "$ADMIN" >/dev/null
as hubadmin "CREATE ROLE stranger LOGIN" >/dev/null

# ---- a review never added, a login with no grants ----
check "push of a review never added: exit 1, the login is nobody there" \
	status 1 "the hub login is nobody in this review" "$QREL" sync push --db "$A" --as "$LEAD" --hub "$ADMIN"
check "pull of it likewise" status 1 "the hub login is nobody in this review" \
	"$QREL" sync pull --db "$A" --as "$LEAD" --hub "$ADMIN"
check "a login with no grants cannot push" status 1 "this login may not use the hub (.*qrel hub grant" \
	"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url stranger)"
check "nor read the portfolio" status 1 "this login may not use the hub" "$QREL" portfolio --hub "$(url stranger)"
check "nor add the review (a failed add-review)" status 1 "this login may not use the hub" \
	"$QREL" hub add-review --db "$A" --as "$LEAD" "$(url stranger)"
check "which left nothing on the hub" test "$(hubcount)" = 0
check "after it, a push is refused as for a review never added" \
	status 1 "the hub login is nobody in this review" "$QREL" sync push --db "$A" --as "$LEAD" --hub "$ADMIN"
check "grant for a review not on the hub: exit 1, names the review" status 1 "on the hub has no person" \
	"$QREL" hub grant --db "$A" "$ADMIN" "$LEAD" lead
check "a portfolio of an empty hub says so" sh -c \
	"'$QREL' portfolio --hub '$ADMIN' --by groups | grep -q 'no subgroup tables on the hub'"

# An add-review the hub refuses partway (the review, clusters and sites went
# in before a person was refused): all of it is rolled back.
as hubadmin "ALTER TABLE hub.person ADD CONSTRAINT not_zoe CHECK (name <> 'Zoë Whitfield')" >/dev/null
check "an add-review refused partway: exit 1, names what was refused" \
	status 1 "the hub refused a person" "$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN"
check "leaves no review, cluster, site or person on the hub" test \
	"$(hubcount)$(as hubadmin 'SELECT (SELECT count(*) FROM hub.cluster) + (SELECT count(*) FROM hub.site)')" = 00
check "a pull after it is refused as for a review never added" \
	status 1 "the hub login is nobody in this review" "$QREL" sync pull --db "$A" --as "$LEAD" --hub "$ADMIN"
as hubadmin "ALTER TABLE hub.person DROP CONSTRAINT not_zoe" >/dev/null

# ---- one district on the hub: its pooled figures are withheld, not a crash ----
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" hub grant --db "$A" "$ADMIN" "$LEAD" lead >/dev/null
"$QREL" portfolio --hub "$(url lead)" --db "$A" --by groups >"$T/g" 2>"$T/err"
check "by groups over one district, as a table: exit 0" test $? = 0
check "each group's pooled risk and ratio withheld" grep -q "1 districts, [0-9]* enrolled, risk -, ratio -;" "$T/g"

# ---- the lead adds a school and its principal: a copy without them is refused whole, and told how ----
B="$T/b.db"
"$QREL" backup --db "$A" -o "$B" >/dev/null
printf 'code,name,kind\nNFS,Newfield School,school\n' >"$T/sites.csv"
printf 'name,role,site\nNia Newcomer,principal,NFS\n' >"$T/people.csv"
"$QREL" import sites --db "$A" --as "$LEAD" "$T/sites.csv" >/dev/null
"$QREL" import people --db "$A" --as "$LEAD" "$T/people.csv" >/dev/null
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >/dev/null
check "the hub holds the lead's new school and principal" test "$(as hubadmin "SELECT (SELECT count(*) FROM hub.site
	WHERE code = 'NFS') + (SELECT count(*) FROM hub.person WHERE name = 'Nia Newcomer')")" = 2
"$QREL" evidence add --db "$A" --as "$LEAD" --site NFS --source interview --cluster 1.1 "Newfield's first note" >/dev/null
"$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)" >/dev/null
check "a copy without them: the pull is refused, naming them and the commands" status 1 \
	"lacks: site NFS (Newfield School), person Nia Newcomer (principal at NFS); nothing was pulled.*qrel import sites FILE. then .qrel import people FILE" \
	"$QREL" sync pull --db "$B" --as "$LEAD" --hub "$(url lead)"
check "and nothing was pulled into it" test "$(sql "$B" "SELECT count(*) FROM note WHERE text = 'Newfield''s first note'")/$(sql "$B" \
	"SELECT count(*) FROM sync_setting WHERE key LIKE 'hub pulled %'")" = 0/0
"$QREL" import sites --db "$B" --as "$LEAD" "$T/sites.csv" >/dev/null
"$QREL" import people --db "$B" --as "$LEAD" "$T/people.csv" >/dev/null
"$QREL" sync pull --db "$B" --as "$LEAD" --hub "$(url lead)" >"$T/out" 2>&1
check "with the lead's files imported, the pull goes through" grep -q "^pulled" "$T/out"
check "bringing the note at the new school" test "$(sql "$B" "SELECT s.code FROM note n JOIN site s ON s.id = n.site_id
	WHERE n.text = 'Newfield''s first note'")" = NFS

# ---- a newer hub ----
as hubadmin "UPDATE hub.meta SET value = '999' WHERE key = 'schema'" >/dev/null
check "a newer hub schema: push refused, exit 1, upgrade qrel" \
	status 1 "newer than this qrel's .*upgrade qrel" "$QREL" sync push --db "$A" --as "$LEAD" --hub "$(url lead)"
check "and the portfolio" status 1 "upgrade qrel" "$QREL" portfolio --hub "$(url lead)"

finish

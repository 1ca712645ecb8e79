#!/bin/sh
# trust.sh: who the system says a person is, and one gate for every write. A
# reviewer tries to act as the lead, to overwrite another rater's score or the
# consensus, to write at a locked site or in a locked review, to make himself
# lead, and to slip the same through crafted sync bundles: each is refused and
# the database is unchanged. As root, real Unix users mapped to a reviewer and a
# principal (and one unmapped) run qrel with runuser.
. "$(dirname "$0")/lib.sh"

DB="$T/r.db"
LEAD="Ségolène Arceneaux" REV="José Ramírez" REV2="Zoë Whitfield" PRI="Patricia Holloway"
sample_db "$DB"

dump() { sql "$1" .dump | md5sum; }

# refused NAME PATTERN COMMAND...: the command fails, says PATTERN, and $DB is unchanged.
refused() {
	name=$1 pattern=$2
	shift 2
	before=$(dump "$DB")
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	after=$(dump "$DB")
	check "$name: refused" test "$rc" -ne 0
	check "$name: says why" grep -q -- "$pattern" "$T/err"
	check "$name: database unchanged" test "$before" = "$after"
}

scores_csv() {	# scores_csv FILE ROW...
	f=$1
	shift
	printf 'site,cluster,rater,kind,level,rationale\n' >"$f"
	for row in "$@"; do printf '%s\n' "$row" >>"$f"; done
}

# ---- imports through the gate ----

scores_csv "$T/other.csv" "RHS,1.1,$REV,team,3,mine" "RHS,1.2,$REV2,team,1,overwritten by José"
refused "import scores: a reviewer overwrites another rater's score" \
	"other.csv:3: column rater: José Ramírez may not write Zoë Whitfield's score" \
	"$QREL" import scores --db "$DB" --as "$REV" "$T/other.csv"
scores_csv "$T/cons.csv" "RHS,1.1,$LEAD,consensus,1,decided by José"
refused "import scores: a reviewer records the lead's consensus" \
	"cons.csv:2: column rater: consensus scores are recorded by the lead, not a reviewer" \
	"$QREL" import scores --db "$DB" --as "$REV" "$T/cons.csv"
scores_csv "$T/ninety.csv" "RHS,1.1,$REV,team,99,off the scale"
refused "import scores: off the scale" "must be a level from 1 to" \
	"$QREL" import scores --db "$DB" --as "$REV" "$T/ninety.csv"
"$QREL" lock --db "$DB" --as "$LEAD" --site RHS >/dev/null
scores_csv "$T/locked.csv" "EHS,1.1,$REV,team,2,fine" "RHS,1.1,$REV,team,2,at a locked site"
refused "import scores at a locked site" "locked.csv:3: column rater: site RHS is locked" \
	"$QREL" import scores --db "$DB" --as "$REV" "$T/locked.csv"
scores_csv "$T/lcons.csv" "RHS,1.1,$LEAD,consensus,3,lead at a locked site"
refused "import scores: even the lead at a locked site" "site RHS is locked" \
	"$QREL" import scores --db "$DB" --as "$LEAD" "$T/lcons.csv"
printf 'site,source,author,valence,clusters,text\nRHS,interview,%s,growth,1.1,late note\n' "$REV" >"$T/note.csv"
refused "import evidence at a locked site" "site RHS is locked" \
	"$QREL" import evidence --db "$DB" --as "$REV" "$T/note.csv"
"$QREL" lock --db "$DB" --as "$LEAD" --review >/dev/null
scores_csv "$T/after.csv" "EHS,1.1,$LEAD,consensus,2,after the review was locked"
refused "import scores after the review is locked" "the review is locked" \
	"$QREL" import scores --db "$DB" --as "$LEAD" "$T/after.csv"
refused "import scores by nobody at all" "not a member of this review" \
	"$QREL" import scores --db "$DB" --as "Nobody At All" "$T/after.csv"
"$QREL" reopen --db "$DB" --as "$LEAD" --review --reason "test goes on" >/dev/null
"$QREL" reopen --db "$DB" --as "$LEAD" --site RHS --reason "test goes on" >/dev/null

printf 'name,role,site\n%s,lead,\n' "$REV" >"$T/promote.csv"
refused "import people: a reviewer makes himself lead" \
	"promote.csv:2: column role: only the lead adds or changes people" \
	"$QREL" import people --db "$DB" --as "$REV" "$T/promote.csv"
printf 'name,role,site\n%s,reviewer,\n' "$LEAD" >"$T/demote.csv"
refused "import people: the lead leaves the review without one" "without a lead" \
	"$QREL" import people --db "$DB" --as "$LEAD" "$T/demote.csv"
printf 'name,role,site\nMallory,lead,\n' >"$T/mallory.csv"
refused "import people: a stranger adds a lead" "not a member" \
	"$QREL" import people --db "$DB" --as "Mallory" "$T/mallory.csv"
printf 'code,name,kind\nZZZ,Fake School,school\n' >"$T/site.csv"
refused "import sites by a reviewer" "only the lead adds or changes sites" \
	"$QREL" import sites --db "$DB" --as "$REV" "$T/site.csv"
printf 'code,name,direction\nFAKE,Made up,adverse\n' >"$T/metric.csv"
refused "import metrics by a principal" "only the lead imports metrics" \
	"$QREL" import metrics --db "$DB" --as "$PRI" "$T/metric.csv"
refused "person login by a reviewer" "only the lead adds or changes people" \
	"$QREL" person login --db "$DB" --as "$REV" "$REV" root
refused "lock by a reviewer" "only the lead locks" "$QREL" lock --db "$DB" --as "$REV" --site EHS

# A login column (on a copy: once someone has a login, this process, which has
# none here, is nobody in that review).
PEOPLE="$T/people.db"
"$QREL" backup --db "$DB" -o "$PEOPLE" >/dev/null
printf 'name,role,site,login\n%s,reviewer,,qrelt_rev\n%s,reviewer,,qrelt_rev\n' "$REV2" "$REV" >"$T/login2.csv"
DB=$PEOPLE
refused "import people: one login, two people" "login2.csv:3: column login: duplicates line 2" \
	"$QREL" import people --db "$PEOPLE" --as "$LEAD" "$T/login2.csv"
printf 'name,role,site,login\n%s,reviewer,,qrelt_rev\n' "$REV2" >"$T/login.csv"
"$QREL" import people --db "$PEOPLE" --as "$LEAD" "$T/login.csv" >/dev/null 2>"$T/err"
check "import people takes a login column" test "$(sql "$PEOPLE" "SELECT login FROM person WHERE name = '$REV2'")" = qrelt_rev
check "  ... and logs the change with this process's uid" test \
	"$(sql "$PEOPLE" "SELECT count(*) FROM change_log WHERE entity = 'person' AND new LIKE '%|qrelt_rev' AND uid = $(id -u)")" = 1
refused "then this process is nobody there" "who is not a member of this review" \
	"$QREL" person login --db "$PEOPLE" --as "$LEAD" "$REV2" -
DB="$T/r.db"

# ---- crafted sync bundles ----

# craft BUNDLE SQL: edits a bundle's tables with sqlite3 and signs it again with the
# review's key, as anyone holding a copy of the review could (header, zlib, then
# HMAC-SHA-512-256 over every byte before it: the format sync.c writes).
craft() {
	bundle_unpack "$1" "$1.tables" || return 1
	sql "$1.tables" "$2" || return 1
	bundle_seal "$1.tables" "$1" "$DB"
	rm -f "$1.tables"
}

COPY="$T/copy.db"
"$QREL" backup --db "$DB" -o "$COPY" >/dev/null
"$QREL" sync export --db "$COPY" --as "$REV" -o "$T/rev.qb" --all >/dev/null
cp "$T/rev.qb" "$T/same.qb"
craft "$T/same.qb" "SELECT 1"
"$QREL" sync import --db "$DB" --as "$LEAD" "$T/same.qb" >"$T/out" 2>"$T/err" || cat "$T/err"
"$QREL" sync import --db "$DB" --as "$LEAD" "$T/same.qb" >"$T/out" 2>"$T/err"
check "a bundle signed again with the review's key is accepted (the crafting matches sync.c)" grep -q "imported" "$T/out"

bundle() {	# bundle NAME SQL: a copy of the reviewer's bundle, crafted
	cp "$T/rev.qb" "$T/$1.qb"
	craft "$T/$1.qb" "$2"
}
one_score="(SELECT uuid FROM score WHERE rater = '$REV' AND kind = 'team' ORDER BY uuid LIMIT 1)"
bundle level99 "UPDATE score SET level = 99, version = version + 5 WHERE uuid = $one_score"
refused "bundle: level 99" "bundle row score .*level 99 is outside the scale" \
	"$QREL" sync import --db "$DB" --as "$LEAD" "$T/level99.qb"
bundle newlead "INSERT INTO person VALUES ('00000000-0000-4000-8000-00000000beef', 'Mallory', 'lead', NULL)"
refused "bundle: a new lead" "it adds Mallory as a lead, who is not in this review" \
	"$QREL" sync import --db "$DB" --as "$LEAD" "$T/newlead.qb"
bundle promote "UPDATE person SET role = 'lead' WHERE name = '$REV'"
refused "bundle: a reviewer made lead" "people and roles never change through a bundle" \
	"$QREL" sync import --db "$DB" --as "$LEAD" "$T/promote.qb"
bundle_unpack "$T/rev.qb" "$T/rev.tables"
# A colleague's score in a cell with a consensus: one the reviewer may read, so it is in their bundle.
other=$(sql "$DB" "SELECT s.uuid FROM score s JOIN site t ON t.id = s.site_id JOIN person p ON p.id = s.rater_id
	WHERE t.code = 'EHS' AND p.name = '$REV2' AND s.kind = 'team' AND EXISTS (SELECT 1 FROM score c
	WHERE c.kind = 'consensus' AND c.site_id = s.site_id AND c.cluster_id = s.cluster_id AND c.level IS NOT NULL)
	ORDER BY s.uuid LIMIT 1")
check "the colleague's score is in the reviewer's bundle" test -n "$other" -a \
	"$(sql "$T/rev.tables" "SELECT count(*) FROM score WHERE uuid = '$other'")" = 1
mine=$(sql "$T/rev.tables" "SELECT uuid FROM score WHERE site = 'RHS' AND rater = '$REV' AND kind = 'team' LIMIT 1")
bundle collide "DELETE FROM score WHERE uuid = '$other'; UPDATE score SET uuid = '$other', level = 1,
	version = version + 5 WHERE uuid = '$mine'"
refused "bundle: a uuid onto another site's row" "bundle row score $other: its uuid is a score here at another" \
	"$QREL" sync import --db "$DB" --as "$LEAD" "$T/collide.qb"
bundle theirs "UPDATE score SET level = CASE level WHEN 1 THEN 2 ELSE 1 END, version = version + 5,
	rationale = 'changed by José' WHERE uuid = '$other'"
refused "bundle: a reviewer changes another rater's score" "may not write Zoë Whitfield's score" \
	"$QREL" sync import --db "$DB" --as "$LEAD" "$T/theirs.qb"
bundle stranger "UPDATE meta SET value = 'Mallory' WHERE key = 'exporter'"
refused "bundle: exported by a stranger" "exported by Mallory, who is not a member" \
	"$QREL" sync import --db "$DB" --as "$LEAD" "$T/stranger.qb"
site_uuid=$(sql "$DB" "SELECT uuid FROM site WHERE code = 'RHS'")
bundle forged "INSERT INTO change_log VALUES ('00000000-0000-4000-8000-0000000f0f0f', '2026-03-01T09:00:00Z',
	'$LEAD', 'site', '$site_uuid', 'locked', '1', '0', 'reopened')"
before=$(sql "$DB" "SELECT count(*) FROM change_log")
"$QREL" sync import --db "$DB" --as "$LEAD" "$T/forged.qb" >/dev/null 2>"$T/err"
check "bundle: a forged change-log entry is not stored" test \
	"$(sql "$DB" "SELECT count(*) FROM change_log WHERE uuid = '00000000-0000-4000-8000-0000000f0f0f' OR reason = 'reopened'")" = 0
check "  ... nor any other of the bundle's log rows" test "$(sql "$DB" "SELECT count(*) FROM change_log")" = "$before"

# An honest change travels and is logged here like any other.
"$QREL" score --db "$COPY" --as "$REV" --site EHS --cluster 2.2 --level 3 --rationale "from the laptop" >/dev/null
"$QREL" sync export --db "$COPY" --as "$REV" -o "$T/honest.qb" --all >/dev/null
"$QREL" sync import --db "$DB" --as "$LEAD" "$T/honest.qb" >"$T/out" 2>"$T/err"
check "an honest reviewer's bundle applies" grep -q "1 updated\|1 new" "$T/out"
check "  ... and is logged as the exporter's change, with this process's login" test \
	"$(sql "$DB" "SELECT count(*) FROM change_log WHERE who = '$REV' AND field = 'sync import'
		AND reason LIKE 'sync import from copy %exported by $REV' AND uid = $(id -u)")" = 1

# ---- identity from the operating system ----

me=$(id -un)
LOG="$T/logins.db"
"$QREL" backup --db "$DB" -o "$LOG" >/dev/null
"$QREL" person login --db "$LOG" --as "$LEAD" "$REV" "$me" >/dev/null 2>"$T/err"
check "a login for someone while the lead has none warns that the lead is locked out" \
	grep -q "$LEAD, the lead, has no login while other people have" "$T/err"
check "with logins, the caller is who the OS says" sh -c \
	"'$QREL' score --db '$LOG' --site EHS --cluster 1.1 --level 2 | grep -q 'by $REV'"
DB=$LOG
refused "a reviewer's lock --as the lead is refused" \
	"you are logged in as unix user $me, who is $REV in this review; --as $LEAD is refused" \
	"$QREL" lock --db "$LOG" --as "$LEAD" --site EHS
refused "the screens refuse --as the lead too" "you are logged in as unix user $me" \
	"$QREL" --db "$LOG" --as "$LEAD"
check "the change log records the login and uid" test \
	"$(sql "$LOG" "SELECT login || ':' || uid FROM change_log ORDER BY id DESC LIMIT 1")" = "$me:$(id -u)"

if [ "$(id -u)" != 0 ]; then
	TESTS_RUN=$((TESTS_RUN + 1))
	echo "ok $TESTS_RUN # SKIP not root: real Unix users need useradd and runuser"
	finish
	exit $?
fi

USERS="qrelt_rev qrelt_pri qrelt_nobody"
drop_users() {
	for u in $USERS; do userdel "$u" >/dev/null 2>&1; done
	rm -rf "${U:-/nonexistent}"
}
trap 'drop_users; cleanup' EXIT
drop_users
for u in $USERS; do useradd -M -s /bin/sh "$u" || not_ok "useradd $u"; done
U=$(mktemp -d /tmp/qrel-trust.XXXXXX)
chmod 0777 "$U"
DB="$U/team.db"
"$QREL" backup --db "$T/r.db" -o "$DB" >/dev/null
chmod 0666 "$DB"
"$QREL" person login --db "$DB" --as "$LEAD" "$LEAD" root >/dev/null
"$QREL" person login --db "$DB" --as "$LEAD" "$REV" qrelt_rev >/dev/null 2>"$T/err"
check "logins given to the lead first: no lock-out warning" test ! -s "$T/err"
"$QREL" person login --db "$DB" --as "$LEAD" "$PRI" qrelt_pri >/dev/null
as() {	# as USER ARGS...: qrel run by a real Unix user
	u=$1
	shift
	runuser -u "$u" -- env HOME="$U" XDG_CONFIG_HOME="$U/c-$u" XDG_DATA_HOME="$U/d-$u" USER=root \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$U/asan" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$U/asan" \
		"$QREL" "$@"
}
as qrelt_rev score --db "$DB" --site EHS --cluster 1.2 --level 2 >"$T/out" 2>"$T/err"
check "qrelt_rev is José, whatever \$USER says" grep -q "team score by $REV" "$T/out"
check "  ... and the change log says so, with the login and uid" test \
	"$(sql "$DB" "SELECT who || ':' || login || ':' || uid FROM change_log ORDER BY id DESC LIMIT 1")" = \
	"$REV:qrelt_rev:$(id -u qrelt_rev)"
as qrelt_pri score --db "$DB" --site RHS --cluster 1.1 --level 3 >"$T/out" 2>"$T/err"
check "qrelt_pri is the principal, scoring self-evaluation" grep -q "RHS 1.1 self score by $PRI" "$T/out"
refused "qrelt_rev: lock --as the lead" "unix user qrelt_rev, who is $REV in this review; --as $LEAD is refused" \
	as qrelt_rev lock --db "$DB" --as "$LEAD" --site EHS
refused "qrelt_pri: score --as the lead" "unix user qrelt_pri, who is $PRI" \
	as qrelt_pri score --db "$DB" --as "$LEAD" --site RHS --cluster 1.1 --kind consensus --level 1
refused "qrelt_pri: self-evaluation of another school" "only their own school" \
	as qrelt_pri score --db "$DB" --site EHS --cluster 1.1 --level 3
refused "qrelt_nobody: score" "unix user qrelt_nobody, who is not a member of this review" \
	as qrelt_nobody score --db "$DB" --site EHS --cluster 1.1 --level 3
refused "qrelt_nobody: --as a reviewer" "who is not a member of this review (no person of it has that login); --as" \
	as qrelt_nobody evidence add --db "$DB" --as "$REV" --site EHS --source interview --cluster 1.1 "hello"
cp "$T/cons.csv" "$U/cons.csv" && chmod 0644 "$U/cons.csv"
refused "qrelt_rev: import scores as the lead's consensus" "consensus scores are recorded by the lead" \
	as qrelt_rev import scores --db "$DB" "$U/cons.csv"
refused "qrelt_rev: the screens as the lead" "--as $LEAD is refused" as qrelt_rev --db "$DB" --as "$LEAD"
START_WRAP="runuser -u qrelt_rev -- env HOME=$U XDG_CONFIG_HOME=$U/c XDG_DATA_HOME=$U/d" start --db "$DB"
check "the screens run by qrelt_rev are José's" wait_for "$REV (reviewer)"
keys q
START_WRAP="runuser -u qrelt_nobody -- env HOME=$U XDG_CONFIG_HOME=$U/c XDG_DATA_HOME=$U/d" start --db "$DB"
check "the screens run by qrelt_nobody are nobody's" wait_for "qrelt_nobody (not a member)"
keys q
as qrelt_nobody scores --db "$DB" --site EHS >"$T/out" 2>"$T/err"
check "qrelt_nobody may still read" test -s "$T/out"
cp "$U"/asan.* "$T"/ 2>/dev/null
finish

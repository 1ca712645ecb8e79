#!/bin/sh
# hub.sh BUILD_DIR [PUSHERS [REVIEWS NOTES SITES [BIGREVIEW]]]: the PostgreSQL hub's figures on
# loopback (a Unix socket): an incremental push and pull of a day's work (a few
# hundred rows, target under 1 s each), PUSHERS copies (default 50) pushing at
# once, checked for lost or duplicated rows, then a larger hub: REVIEWS more
# reviews (default 500) of NOTES notes each (default 4,000), SITES schools (28)
# and 4 raters each (a consensus and three team scores a cell: 1,008,000 scores
# with the sample's 18 clusters) and a subgroup table, written straight into
# the hub's tables by its owner with the triggers off (the portfolio's
# consensus counts then recounted), and the portfolio queries and a day's
# push and pull timed against it; last,
# one review of BIGREVIEW notes (default 200,000) pushed by its lead (killed
# twice on the way, then rerun to the end) and pulled into a copy without them.
# Starts its own PostgreSQL in a temporary directory (as nobody when run by
# root), like tests/ui/hub.sh.
set -eu
B=$(cd "${1:?usage: bench/hub.sh BUILD_DIR [PUSHERS]}" && pwd)
N=${2:-50}
BIG=${3:-500}
BIG_NOTES=${4:-4000}
BIG_SITES=${5:-28}
BIG_REVIEW=${6:-200000}
QREL="$B/qrel"
export QREL_DATADIR="$(cd "$(dirname "$0")/.." && pwd)"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "SKIP: no PostgreSQL"; exit 0; }

W=$(mktemp -d /tmp/qrel-hubbench.XXXXXX)
chmod 755 "$W"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown nobody "$W"
trap 'as_pg "$PGBIN/pg_ctl" -D "$W/data" -m immediate stop >/dev/null 2>&1; rm -rf "$W"' EXIT
as_pg "$PGBIN/initdb" -D "$W/data" -U hubadmin -A trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/log" -w -o "-k $W -c listen_addresses='' -c max_connections=200" \
	start >/dev/null
psql -X -q "host=$W user=hubadmin dbname=postgres" -c "CREATE DATABASE hub"
url() { echo "host=$W user=$1 dbname=hub"; }
ADMIN=$(url hubadmin)
LEAD="Ségolène Arceneaux" J="José Ramírez"
now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }	# user + system seconds of a /usr/bin/time -f '%U %S' -o file
load() { cut -d ' ' -f 1 /proc/loadavg; }
notes() {	# notes FILE AUTHOR COUNT TAG
	k=0
	{ echo 'site,source,author,valence,clusters,text'
	  while [ $k -lt "$3" ]; do echo "RHS,interview,$2,neutral,1.1,$4 note $k"; k=$((k + 1)); done; } >"$1"
}

"$QREL" hub init "$ADMIN" >/dev/null
"$QREL" sample --db "$W/a.db" >/dev/null
"$QREL" backup --db "$W/a.db" -o "$W/b.db" >/dev/null
"$QREL" hub add-review --db "$W/a.db" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" hub grant --db "$W/a.db" "$ADMIN" "$LEAD" lead >/dev/null
"$QREL" hub grant --db "$W/a.db" "$ADMIN" "$J" jose >/dev/null
"$QREL" sync push --db "$W/b.db" --as "$J" --hub "$(url jose)" >/dev/null
"$QREL" sync pull --db "$W/a.db" --as "$LEAD" --hub "$(url lead)" >/dev/null

echo "# qrel hub figures ($(date -u +%Y-%m-%d), PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }'), Unix socket)"
# day LABEL [FROM WRITER LOGIN TO LOGIN2]: WRITER (José) writes 300 notes in
# copy FROM (b.db) and pushes them as LOGIN; the lead pulls them into TO (a.db) as LOGIN2.
day() {
	from=${2:-$W/b.db} writer=${3:-$J} login=${4:-jose} to=${5:-$W/a.db} login2=${6:-lead}
	notes "$W/day.csv" "$writer" 300 "$1"
	"$QREL" import evidence --db "$from" --as "$writer" "$W/day.csv" >/dev/null
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$W/push.cpu" "$QREL" sync push --db "$from" --as "$writer" --hub "$(url "$login")" >"$W/push.out"
	t1=$(now)
	/usr/bin/time -f '%U %S' -o "$W/pull.cpu" "$QREL" sync pull --db "$to" --as "$LEAD" --hub "$(url "$login2")" >"$W/pull.out"
	t2=$(now)
	echo "$1 (load $(load)): push of 300 new notes $(secs "$t0" "$t1") s, client CPU $(cpu "$W/push.cpu") s ($(sed 's/ (kept.*//' "$W/push.out")); pull by the lead $(secs "$t1" "$t2") s, client CPU $(cpu "$W/pull.cpu") s ($(cat "$W/pull.out")) [target < 1 s each]"
}
for d in 1 2 3; do
	day "day $d"
done

# The review's four other reviewers pushing 200 notes each at once (their pushes to one review take turns).
set -- "Zoë Whitfield" "Nguyễn Thị Lan" "Daniel Osei-Bonsu"
m=0
for who in "$@"; do
	m=$((m + 1))
	"$QREL" backup --db "$W/a.db" -o "$W/t$m.db" >/dev/null
	"$QREL" hub grant --db "$W/a.db" "$ADMIN" "$who" "team$m" >/dev/null
	notes "$W/t$m.csv" "$who" 200 "teammate $m"
	"$QREL" import evidence --db "$W/t$m.db" --as "$who" "$W/t$m.csv" >/dev/null
	"$QREL" sync pull --db "$W/t$m.db" --as "$who" --hub "$(url "team$m")" >/dev/null
done
t0=$(now)
m=0
for who in "$@"; do
	m=$((m + 1))
	"$QREL" sync push --db "$W/t$m.db" --as "$who" --hub "$(url "team$m")" >"$W/team$m.out" 2>&1 &
done
wait
t1=$(now)
got=$(psql -X -t -A "$ADMIN" -c "SELECT count(DISTINCT text) || ' distinct of ' || count(*) FROM hub.note WHERE text LIKE 'teammate %'")
echo "3 reviewers of one review pushing 200 notes each at once: $(secs "$t0" "$t1") s wall; hub holds $got (expected 600 of 600)"

# PUSHERS reviews, each its lead pushing 200 new notes at the same moment.
i=0
while [ $i -lt "$N" ]; do
	"$QREL" sample --db "$W/r$i.db" >/dev/null
	"$QREL" hub add-review --db "$W/r$i.db" --as "$LEAD" "$ADMIN" >/dev/null
	"$QREL" hub grant --db "$W/r$i.db" "$ADMIN" "$LEAD" "lead$i" >/dev/null
	notes "$W/r$i.csv" "$LEAD" 200 "pusher $i"
	"$QREL" import evidence --db "$W/r$i.db" --as "$LEAD" "$W/r$i.csv" >/dev/null
	i=$((i + 1))
done
before=$(psql -X -t -A "$ADMIN" -c "SELECT count(*) FROM hub.note")
t0=$(now)
i=0
while [ $i -lt "$N" ]; do
	"$QREL" sync push --db "$W/r$i.db" --as "$LEAD" --hub "$(url "lead$i")" >"$W/p$i.out" 2>&1 &
	i=$((i + 1))
done
wait
t1=$(now)
after=$(psql -X -t -A "$ADMIN" -c "SELECT count(*) FROM hub.note")
dups=$(psql -X -t -A "$ADMIN" -c "SELECT count(*) FROM (SELECT text FROM hub.note WHERE text LIKE 'pusher %' GROUP BY review, text HAVING count(*) > 1) d")
failed=$(grep -L "^pushed" "$W"/p[0-9]*.out | wc -l)
echo "$N pushers at once, 200 new notes each (load $(load)): $(secs "$t0" "$t1") s wall; hub notes $before -> $after (expected +$((N * 200))); duplicated: $dups; failed pushes: $failed"
t0=$(now)
"$QREL" portfolio --hub "$(url lead0)" --db "$W/r0.db" >/dev/null
t1=$(now)
echo "portfolio over $((N + 1)) reviews: $(secs "$t0" "$t1") s [target < 2 s]"

# A larger hub, generated in SQL by its owner (replica mode: no triggers).
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 "$ADMIN" <<SQL
SET session_replication_role = replica;
CREATE TEMP TABLE proto AS SELECT * FROM hub.cluster WHERE review = (SELECT min(uuid) FROM hub.review);
INSERT INTO hub.review(uuid, title, framework, levels, year)
  SELECT 'big-' || i, 'Generated review ' || i, (SELECT min(framework) FROM hub.review), 4, (2020 + i % 6)::text
  FROM generate_series(1, $BIG) i;
INSERT INTO hub.cluster SELECT 'big-' || i, c.code, c.title, c.domain, c.position FROM generate_series(1, $BIG) i, proto c;
INSERT INTO hub.site(uuid, review, code, name, kind)
  SELECT 'big-' || i || '-s' || j, 'big-' || i, 'S' || j, 'School ' || j, 'school'
  FROM generate_series(1, $BIG) i, generate_series(1, $BIG_SITES) j;
INSERT INTO hub.person(uuid, review, name, role)
  SELECT 'big-' || i || '-p' || k, 'big-' || i, 'Person ' || k, CASE WHEN k = 1 THEN 'lead' ELSE 'reviewer' END
  FROM generate_series(1, $BIG) i, generate_series(1, 4) k;
INSERT INTO hub.score(uuid, review, site, cluster, rater, kind, level, updated_at)
  SELECT 'big-' || i || '-s' || j || '-' || c.code || '-' || k, 'big-' || i, 'big-' || i || '-s' || j, c.code,
    'big-' || i || '-p' || k, CASE WHEN k = 1 THEN 'consensus' ELSE 'team' END,
    1 + abs(hashtext(i || '/' || j || '/' || c.code || '/' || k)) % 4, 'now'
  FROM generate_series(1, $BIG) i, generate_series(1, $BIG_SITES) j, proto c, generate_series(1, 4) k;
INSERT INTO hub.note(uuid, review, site, author, source, valence, text, created_at, updated_at)
  SELECT 'big-' || i || '-n' || n, 'big-' || i, 'big-' || i || '-s' || (1 + n % $BIG_SITES), 'big-' || i || '-p' || (1 + n % 4),
    'interview', 'neutral', 'generated note ' || n, 'now', 'now'
  FROM generate_series(1, $BIG) i, generate_series(1, $BIG_NOTES) n;
INSERT INTO hub.subgroup
  SELECT 'big-' || i, '2025-26', 'SUSP', 'Suspensions', 'adverse', 'Race/ethnicity', g,
    200 + abs(hashtext(i || g)) % 800, abs(hashtext(g || i)) % 60
  FROM generate_series(1, $BIG) i, unnest(ARRAY['Black', 'Hispanic', 'White', 'Asian', 'Two or more']) g;
RESET session_replication_role;
\\o /dev/null
SELECT hub.consensus_recount();
\\o
ANALYZE;
SQL
t1=$(now)
size=$(psql -X -t -A "$ADMIN" -c "SELECT (SELECT count(*) FROM hub.review) || ' reviews, ' || (SELECT count(*) FROM hub.note) || ' notes, ' || (SELECT count(*) FROM hub.score) || ' scores, ' || pg_size_pretty(pg_database_size('hub'))")
echo "larger hub generated in $(secs "$t0" "$t1") s: $size"
for by in clusters years groups; do
	t0=$(now)
	"$QREL" portfolio --hub "$(url lead0)" --db "$W/r0.db" --by $by >/dev/null
	t1=$(now)
	echo "portfolio --by $by over that hub (load $(load)): $(secs "$t0" "$t1") s [target < 2 s]"
done
day "on that hub: a day"

# One review of BIG_REVIEW notes: the lead's push (SIGKILLed twice on the way:
# the hub holds none or all of it), rerun to the end, then pulled into a copy
# that has none of them, then a day's work on top of it.
"$QREL" sample --db "$W/big.db" >/dev/null
"$QREL" hub add-review --db "$W/big.db" --as "$LEAD" "$ADMIN" >/dev/null
"$QREL" hub grant --db "$W/big.db" "$ADMIN" "$LEAD" biglead >/dev/null
"$QREL" backup --db "$W/big.db" -o "$W/bigcopy.db" >/dev/null
notes "$W/big.csv" "$LEAD" "$BIG_REVIEW" "big review"
"$QREL" import evidence --db "$W/big.db" --as "$LEAD" "$W/big.csv" >/dev/null
bigcount() { psql -X -t -A "$ADMIN" -c "SELECT count(*) FROM hub.note WHERE text LIKE 'big review note %'"; }
for d in 3 8; do
	"$QREL" sync push --db "$W/big.db" --as "$LEAD" --hub "$(url biglead)" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "push of the $BIG_REVIEW-note review SIGKILLed after $d s: the hub holds $(bigcount) of its notes (0 or all)"
done
t0=$(now)
"$QREL" sync push --db "$W/big.db" --as "$LEAD" --hub "$(url biglead)" 2>/dev/null >"$W/bigpush.out"
t1=$(now)
echo "rerun: push of $BIG_REVIEW notes $(secs "$t0" "$t1") s ($(sed 's/ (kept.*//' "$W/bigpush.out")); the hub holds $(bigcount)"
t0=$(now)
"$QREL" sync pull --db "$W/bigcopy.db" --as "$LEAD" --hub "$(url biglead)" 2>/dev/null >"$W/bigpull.out"
t1=$(now)
echo "pull of them into a copy without them: $(secs "$t0" "$t1") s ($(cat "$W/bigpull.out")); the copy holds $(sqlite3 "$W/bigcopy.db" "SELECT count(*) FROM note WHERE text LIKE 'big review note %'")"
day "a day on that review" "$W/big.db" "$LEAD" biglead "$W/bigcopy.db" biglead

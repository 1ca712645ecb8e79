#!/bin/sh
# hub.sh: a real PostgreSQL in a temporary directory (initdb and pg_ctl as an
# unprivileged user, a Unix socket there, no TCP), a hub on it, and the rules
# it holds itself: psql in a reviewer's hands cannot read blind scores, write
# as another person, leave the scale or write at a locked site. Then two local
# copies exchange through it. Skipped, visibly, only without PostgreSQL.
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || ! command -v psql >/dev/null; then
	echo "SKIP: no PostgreSQL" >&2
	echo "1..0 # SKIP: no PostgreSQL (initdb, pg_ctl and psql; Debian package postgresql)"
	exit 0
fi
. "$(dirname "$0")/lib.sh"

# The server's files and socket live in $W ($T is root's alone); as root, the
# server runs as nobody (PostgreSQL refuses to run as root).
W=$(mktemp -d /tmp/qrel-hub.XXXXXX)
chmod 755 "$W"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown nobody "$W"
hub_cleanup() {
	as_pg "$PGBIN/pg_ctl" -D "$W/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$W"
	cleanup
}
trap hub_cleanup EXIT
trap 'exit 1' INT TERM HUP
as_pg "$PGBIN/initdb" -D "$W/data" -U hubadmin -A trust >"$T/initdb.log" 2>&1 &&
as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/log" -w -o "-k $W -c listen_addresses=''" start >/dev/null 2>&1 || {
	cat "$T/initdb.log" "$W/log" 2>/dev/null | head -n 20 | sed 's/^/# /'
	echo "Bail out! cannot start PostgreSQL"
	exit 1
}
psql -X -q "host=$W user=hubadmin dbname=postgres" -c "CREATE DATABASE hub" || { echo "Bail out! createdb"; exit 1; }
ADMIN="host=$W user=hubadmin dbname=hub"
has() { printf '%s\n' "$1" | grep -q "$2"; }
as() { psql -X -q -t -A -v ON_ERROR_STOP=1 "host=$W user=$1 dbname=hub" -c "$2" 2>&1; }

# ---- qrel hub init ----
"$QREL" hub init "$ADMIN" >"$T/out"
check "init creates the hub schema" grep -q "schema version [0-9]* (was 0)" "$T/out"
"$QREL" hub init "$ADMIN" >"$T/out"
check "init again changes nothing" grep -q "already" "$T/out"
check "a password in the connection string is refused" sh -c \
	"! '$QREL' hub init 'host=$W user=hubadmin dbname=hub password=secret' 2>'$T/err' && grep -q pgpass '$T/err'"
check "so is one in a URI" sh -c "! '$QREL' hub init 'postgresql://hubadmin:secret@/hub?host=$W' 2>/dev/null"
V=$(as hubadmin "SELECT value FROM hub.meta WHERE key = 'schema'")
as hubadmin "UPDATE hub.meta SET value = '999' WHERE key = 'schema'" >/dev/null
check "a newer hub schema is refused" sh -c "! '$QREL' hub init '$ADMIN' 2>'$T/err' && grep -q 'newer' '$T/err'"
as hubadmin "UPDATE hub.meta SET value = '$V' WHERE key = 'schema'" >/dev/null

# ---- add-review and grant ----
A="$T/a.db" B="$T/b.db"
LEAD="Ségolène Arceneaux"
sample_db "$A"
"$QREL" backup --db "$A" -o "$B" >/dev/null
check "a reviewer cannot put the review on the hub" sh -c \
	"! '$QREL' hub add-review --db '$A' --as 'José Ramírez' '$ADMIN' 2>/dev/null"
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >"$T/out"
check "the lead puts the review on the hub" grep -q "7 sites, 12 people" "$T/out"
"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >/dev/null
check "twice: still one review, 12 people" test "$(as hubadmin 'SELECT count(*) FROM hub.review')$(as hubadmin 'SELECT count(*) FROM hub.person')" = 112
grant() { "$QREL" hub grant --db "$A" "$ADMIN" "$@" >/dev/null; }
grant "$LEAD" lead && grant "José Ramírez" jose && grant --role reviewer "Zoë Whitfield" zoe &&
grant "Patricia Holloway" pat && grant "Björn Halvorsen" bjorn
check "grant maps five logins" test "$(as hubadmin 'SELECT count(login) FROM hub.person')" = 5
check "a login is one person's only" sh -c "! '$QREL' hub grant --db '$A' '$ADMIN' 'Nguyễn Thị Lan' jose 2>/dev/null"
check "a grant naming the wrong role is refused" sh -c \
	"! '$QREL' hub grant --db '$A' --role lead '$ADMIN' 'Nguyễn Thị Lan' lan 2>'$T/err' && grep -q 'is a reviewer' '$T/err'"

# ---- the rules, in the hub, against psql ----
R=$(sql "$A" "SELECT uuid FROM review")
site() { sql "$A" "SELECT uuid FROM site WHERE code = '$1'"; }
who() { sql "$A" "SELECT uuid FROM person WHERE name = '$1'"; }
RHS=$(site RHS) EHS=$(site EHS) J=$(who "José Ramírez") Z=$(who "Zoë Whitfield") L=$(who "$LEAD") P=$(who "Patricia Holloway")
score() {	# score LOGIN UUID SITE RATER KIND LEVEL
	as "$1" "INSERT INTO hub.score(uuid, review, site, cluster, rater, kind, level, rationale, updated_at)
		VALUES ('$2', '$R', '$3', '1.1', '$4', '$5', $6, 'by $1', 'now')"
}
check "a reviewer writes their own team score" test -z "$(score jose t-j "$RHS" "$J" team 2)"
check "but not as another person" has "$(score jose t-x "$RHS" "$Z" team 2)" 'row-level security'
check "a level off the scale is refused" has "$(score zoe t-z "$RHS" "$Z" team 4)" 'outside the scale'
score zoe t-z "$RHS" "$Z" team 3 >/dev/null
check "blind: Zoë reads her score, not José's" test "$(as zoe "SELECT string_agg(uuid, ',') FROM hub.score")" = t-z
check "nor can she change his" test "$(as zoe "UPDATE hub.score SET level = 1 WHERE uuid = 't-j' RETURNING 1")" = ""
check "an observer reads no open score" test "$(as bjorn 'SELECT count(*) FROM hub.score')" = 0
check "a reviewer records no consensus" has "$(score zoe c-z "$RHS" "$Z" consensus 3)" 'row-level security'
check "the lead reads every score" test "$(as lead 'SELECT count(*) FROM hub.score')" = 2
score lead c-1 "$RHS" "$L" consensus 2 >/dev/null
check "after the consensus Zoë reads the cell" test "$(as zoe "SELECT string_agg(uuid, ',' ORDER BY uuid) FROM hub.score")" = "c-1,t-j,t-z"
check "the observer too" test "$(as bjorn 'SELECT count(*) FROM hub.score')" = 3
check "the principal of RHS not before the release" test "$(as pat 'SELECT count(*) FROM hub.score')" = 0
note() {	# note LOGIN UUID SITE AUTHOR
	as "$1" "INSERT INTO hub.note(uuid, review, site, author, source, valence, text, created_at, updated_at)
		VALUES ('$2', '$R', '$3', '$4', 'interview', 'neutral', 'by $1', 'now', 'now')"
}
note jose n-j "$RHS" "$J" >/dev/null
check "a principal writes no note at another school" has "$(note pat n-p "$EHS" "$P")" 'row-level security'
note pat n-p "$RHS" "$P" >/dev/null
check "and reads their own note, not the team's" test "$(as pat "SELECT string_agg(uuid, ',') FROM hub.note")" = n-p
as lead "UPDATE hub.site SET released = true WHERE code = 'RHS'" >/dev/null
check "once released, the principal reads the team's notes and agreed scores" test \
	"$(as pat 'SELECT count(*) FROM hub.note')$(as pat 'SELECT count(*) FROM hub.score')" = 23
check "a reviewer cannot lock a site" test "$(as jose "UPDATE hub.site SET locked = true RETURNING 1")" = ""
as lead "UPDATE hub.site SET locked = true WHERE code = 'RHS'" >/dev/null
check "nothing changes at a locked site, not even by the lead" \
	has "$(as lead "UPDATE hub.score SET level = 3 WHERE uuid = 't-j'")" 'is locked'
check "no member deletes a score" test "$(as lead "DELETE FROM hub.score RETURNING 1" | grep -c '^1')" = 0
check "no member writes the change log" has "$(as lead "INSERT INTO hub.change_log(review, entity, entity_uuid, field) VALUES ('$R', 'x', 'x', 'x')")" 'permission denied'
check "the change log records each write's login and person" test \
	"$(as hubadmin "SELECT login || ':' || (SELECT name FROM hub.person WHERE uuid = person) FROM hub.change_log WHERE entity_uuid = 't-j'")" = "jose:José Ramírez"
check "a reviewer reads only their own change-log entries" test "$(as zoe 'SELECT DISTINCT login FROM hub.change_log')" = zoe
as hubadmin "UPDATE hub.site SET locked = false, released = false; DELETE FROM hub.change_log;
	DELETE FROM hub.score; DELETE FROM hub.note" >/dev/null

finish

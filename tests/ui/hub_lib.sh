# hub_lib.sh: a real PostgreSQL for the hub's tests, in a temporary directory
# (initdb and pg_ctl as an unprivileged user, a Unix socket there, no TCP),
# stopped at the end; sources lib.sh. Skips the script, visibly, only when the
# PostgreSQL binaries are absent. Sets W (its folder) and ADMIN (the hub's
# owner's connection string, database "hub"); as LOGIN SQL runs psql as LOGIN;
# has TEXT PATTERN greps; hub_three_copies sets up the sample on a hub for three.
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
as() { psql -X -q -t -A -v ON_ERROR_STOP=1 "host=$W user=$1 dbname=hub" -c "$2" 2>&1; }
url() { echo "host=$W user=$1 dbname=hub"; }
has() { printf '%s\n' "$1" | grep -q "$2"; }

# The hub's schema and three copies of the sample review: A (the lead's, which adds
# the review to the hub), B and P (backups of A, for a reviewer and a principal);
# the lead, José, Patricia and Björn granted logins lead, jose, pat and bjorn.
hub_three_copies() {
	"$QREL" hub init "$ADMIN" >/dev/null
	A="$T/a.db" B="$T/b.db" P="$T/p.db"
	LEAD="Ségolène Arceneaux" J="José Ramírez" PAT="Patricia Holloway"
	sample_db "$A"
	"$QREL" backup --db "$A" -o "$B" >/dev/null
	"$QREL" backup --db "$A" -o "$P" >/dev/null
	"$QREL" hub add-review --db "$A" --as "$LEAD" "$ADMIN" >/dev/null
	for g in "$LEAD:lead" "$J:jose" "$PAT:pat" "Björn Halvorsen:bjorn"; do
		"$QREL" hub grant --db "$A" "$ADMIN" "${g%:*}" "${g##*:}" >/dev/null
	done
}

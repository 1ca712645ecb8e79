# hub_lib.sh: a real PostgreSQL for the hub's tests, in a temporary directory
# (initdb and pg_ctl as an unprivileged user, a Unix socket there, no TCP),
# stopped at the end; sources lib.sh. Skips the script, visibly, only when the
# PostgreSQL binaries are absent. Sets W (its folder) and ADMIN (the hub's
# owner's connection string, database "hub"); as LOGIN SQL runs psql as LOGIN.
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

#!/bin/sh
# hub_libpq.sh: qrel is not linked with libpq: starting it (a command, the
# screens) loads no libpq; a hub command loads it (dlopen) and uses it. A missing
# libpq's message is tested in tests/unit/test_hub_libpq.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
LEAD="Ségolène Arceneaux"
sample_db "$DB"

readelf -d "$QREL" >"$T/dynamic" 2>&1
check "the program's dynamic section lists its libraries" grep -q 'NEEDED.*libsqlite3' "$T/dynamic"
check "but not libpq" sh -c "! grep -q 'NEEDED.*libpq' '$T/dynamic'"

LD_DEBUG=files LD_DEBUG_OUTPUT="$T/version" "$QREL" --version >/dev/null
check "qrel --version loads its libraries" grep -q 'file=libsqlite3' "$T"/version.*
check "and no libpq" sh -c "! grep -q 'file=libpq' '$T'/version.*"

# The screens: the running process maps no libpq.
start 100x30 --db "$DB" --as "$LEAD" --config /dev/null
wait_for "Review overview"
pid=$(pgrep -f "^$QREL .*$DB" | head -n 1)
cat "/proc/$pid/maps" >"$T/maps" 2>/dev/null
check "the screens' process maps its libraries" grep -q 'libsqlite3' "$T/maps"
check "and no libpq" sh -c "! grep -q 'libpq' '$T/maps'"
keys Q
wait_exit >/dev/null

# A hub command loads libpq on its way to the hub, and libpq says why it is not there.
LD_DEBUG=files LD_DEBUG_OUTPUT="$T/hub" "$QREL" hub init "host=$T/none user=nobody dbname=hub" \
	>"$T/out" 2>&1
echo $? >"$T/rc"
check "qrel hub loads libpq when it is used" grep -q 'file=libpq\.so\.5 .*dynamically loaded by' "$T"/hub.*
check "exit 1, libpq's own message about the connection" \
	sh -c "test \"\$(cat '$T/rc')\" = 1 && grep -q 'cannot connect to the hub: .*$T/none' '$T/out'"

finish

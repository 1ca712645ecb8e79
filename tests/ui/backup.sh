#!/bin/sh
# backup.sh: `qrel backup` copies a database while another process keeps writing; each copy is
# private and checks ok. Nothing here depends on how fast the machine is (speed is in bench/).
. "$(dirname "$0")/lib.sh"

DB="$T/live.db"
sample_db "$DB"
before=$(sql "$DB" 'SELECT count(*) FROM note')

: >"$T/writer.out"
# A writer: one new note per import, until told to stop (or 5,000 imports, a hang guard).
(
	i=0
	while [ ! -e "$T/stop" ] && [ "$i" -lt 5000 ]; do
		i=$((i + 1))
		printf 'site,source,author,valence,clusters,text\nRHS,interview,José Ramírez,neutral,1.1,backup writer note %d\n' \
			"$i" >"$T/w.csv"
		"$QREL" import evidence --db "$DB" --as "José Ramírez" "$T/w.csv" >>"$T/writer.out" 2>>"$T/writer.err"
	done
) &
writer=$!

# writes: how many imports the writer has reported; wait_writes N: until more than N
# (polled by count, not by the clock: a slow machine only takes longer).
writes() { grep -c imported "$T/writer.out"; }
wait_writes() {
	w=0
	while [ "$(writes)" -le "$1" ] && [ "$w" -lt 2400 ]; do w=$((w + 1)); sleep 0.05; done
	[ "$(writes)" -gt "$1" ]
}

# Four backups, each taken after the writer has saved something new since the last.
n=0 good=0 seen=0
while [ "$n" -lt 4 ] && wait_writes "$seen"; do
	seen=$(writes)
	n=$((n + 1))
	if "$QREL" backup --db "$DB" -o "$T/copy$n.db" >>"$T/backup.out" 2>>"$T/backup.err" &&
		"$QREL" check --db "$T/copy$n.db" --config /dev/null >/dev/null 2>&1; then
		good=$((good + 1))
	fi
done
running=no
kill -0 "$writer" 2>/dev/null && running=yes
touch "$T/stop"
wait "$writer"
sed "s/^/# backup: /" "$T/backup.err"

echo "# $n backups taken during writes ($(grep -c imported "$T/writer.out") writes meanwhile); $good checked ok"
check "four backups were taken while the writer ran" test "$n" -eq 4 -a "$running" = yes
check "every backup taken under writes passes qrel check" test "$good" -eq "$n"
check "no backup reported an error" test ! -s "$T/backup.err"
check "the writer saw no lock error" sh -c "! grep -qi 'locked' '$T/writer.err'"
check "the copy is private (0600)" test "$(stat -c %a "$T/copy1.db")" = 600
last=$(sql "$T/copy$n.db" 'SELECT count(*) FROM note')
check "the last copy holds notes written during the backups" test "$last" -gt "$before"
check "no temporary files are left" sh -c "! ls '$T' | grep -q 'tmp'"
check "the copy is the same review" test "$(sql "$DB" 'SELECT uuid FROM review')" = "$(sql "$T/copy1.db" 'SELECT uuid FROM review')"

"$QREL" backup --db "$DB" -o "$T/final.db" >/dev/null
check "a fresh copy is a rollback-journal file" test "$(sql "$T/final.db" "PRAGMA journal_mode")" = delete
check "a fresh copy stands alone (no -wal beside it)" test ! -e "$T/final.db-wal"

"$QREL" backup --db "$DB" -o "$T/nodir/x.db" 2>"$T/err"
check "a backup into a missing folder fails with a message" grep -q "nodir/x.db" "$T/err"
"$QREL" backup --db "$DB" 2>/dev/null
check "backup without -o is a usage error" test $? -eq 2

finish

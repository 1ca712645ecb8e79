#!/bin/sh
# backup.sh: `qrel backup` copies a database while another process keeps writing; each copy is private and checks ok.
. "$(dirname "$0")/lib.sh"

DB="$T/live.db"
sample_db "$DB"
before=$(sql "$DB" 'SELECT count(*) FROM note')

# A writer: one new note per import, for a few seconds.
(
	i=0
	end=$(( $(date +%s) + 4 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		printf 'site,source,author,valence,clusters,text\nRHS,interview,José Ramírez,neutral,1.1,backup writer note %d\n' \
			"$i" >"$T/w.csv"
		"$QREL" import evidence --db "$DB" --as "José Ramírez" "$T/w.csv" >>"$T/writer.out" 2>>"$T/writer.err"
	done
) &
writer=$!

n=0 good=0
sleep 0.3
while kill -0 "$writer" 2>/dev/null && [ "$n" -lt 8 ]; do
	n=$((n + 1))
	if "$QREL" backup --db "$DB" -o "$T/copy$n.db" >>"$T/backup.out" 2>>"$T/backup.err" &&
		"$QREL" check --db "$T/copy$n.db" --config /dev/null >/dev/null 2>&1; then
		good=$((good + 1))
	fi
	sleep 0.2
done
wait "$writer"
sed "s/^/# backup: /" "$T/backup.err"

echo "# $n backups taken during writes ($(grep -c imported "$T/writer.out") writes meanwhile); $good checked ok"
check "backups were taken while the writer ran" test "$n" -ge 3
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

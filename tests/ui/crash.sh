#!/bin/sh
# crash.sh: a writer adding notes and scores is killed with SIGKILL at random moments, 60 times;
# (no assert on how many writes fit in a time: that is speed, measured in bench/)
# afterwards the file is intact and every write the program reported as saved is there.
. "$(dirname "$0")/lib.sh"

DB="$T/crash.db"
KILLS=${CRASH_KILLS:-60}
sample_db "$DB"

# One write after another; a line goes to saved only after qrel said it was saved.
cat >"$T/writer.sh" <<'W'
tag=$1 i=0
while :; do
	i=$((i + 1))
	if [ $((i % 2)) -eq 0 ]; then
		printf 'site,source,author,valence,clusters,text\nRHS,interview,José Ramírez,neutral,1.1,crash note %s\n' \
			"$tag-$i" >"$T/w-$tag.csv"
		"$QREL" import evidence --db "$DB" --as "José Ramírez" "$T/w-$tag.csv" >"$T/o-$tag" 2>>"$T/stderr" &&
			grep -q '1 new' "$T/o-$tag" && echo "note $tag-$i" >>"$T/saved"
	else
		"$QREL" score --db "$DB" --as "Zoë Whitfield" --site EHS --cluster 2.2 --level $((i % 3 + 1)) \
			--rationale "crash score $tag-$i" >"$T/o-$tag" 2>>"$T/stderr" &&
			grep -q 'score by' "$T/o-$tag" && echo "score $tag-$i" >>"$T/saved"
	fi
done
W
export T DB
: >"$T/saved"

# saved_by TAG: how many writes writer TAG reported saved.
saved_by() { grep -c -- " $1-" "$T/saved"; }

# Odd kills land at a random moment after the start (start-up, open, mid-write);
# even kills wait until that writer has reported a write first, so the test proves
# something about reported writes however slow the machine is (no clock involved:
# the wait is bounded by a count, as a hang guard only).
k=0
while [ "$k" -lt "$KILLS" ]; do
	k=$((k + 1))
	setsid sh "$T/writer.sh" "$k" &
	pid=$!
	if [ $((k % 2)) -eq 0 ]; then
		n=0
		while [ "$(saved_by "$k")" -eq 0 ] && [ "$n" -lt 1200 ]; do n=$((n + 1)); sleep 0.05; done
	fi
	sleep "0.$(shuf -i 30-250 -n 1 | awk '{ printf "%03d", $1 }')"
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
	wait "$pid" 2>/dev/null
done

# A SIGKILLed writer stuck in disk I/O on a busy machine can outlive the wait
# for its shell and still hold the database's lock for a moment: wait until
# none is left (a hang guard bounds it) before reading the database.
n=0
while pgrep -f -- "--db $DB" >/dev/null && [ "$n" -lt 600 ]; do n=$((n + 1)); sleep 0.05; done

notes=$(grep -c '^note' "$T/saved")
scores=$(grep -c '^score' "$T/saved")
echo "# $k kills; $notes notes and $scores scores reported saved"
check "every writer killed after its first reported write counts (at least $((KILLS / 2)) writes)" \
	test "$((notes + scores))" -ge $((KILLS / 2))
check "integrity_check is ok after the kills" test "$(sql -cmd '.timeout 10000' "$DB" 'PRAGMA integrity_check')" = ok
check "qrel check is ok after the kills" sh -c "'$QREL' check --db '$DB' >/dev/null"

# Every reported note is there once; every reported score change is in the change log.
sed -n 's/^note //p' "$T/saved" | sort >"$T/want-notes"
sql "$DB" "SELECT substr(text, 12) FROM note WHERE text LIKE 'crash note %'" | sort >"$T/have-notes"
check "every note reported saved is there" sh -c "comm -23 '$T/want-notes' '$T/have-notes' | ( ! grep -q . )"
check "no note is there twice" test -z "$(sort "$T/have-notes" | uniq -d)"
sed -n 's/^score //p' "$T/saved" | sort >"$T/want-scores"
sql "$DB" "SELECT substr(new, 13) FROM change_log WHERE field = 'rationale' AND new LIKE 'crash score %'" |
	sort >"$T/have-scores"
check "every score reported saved is in the change log" sh -c "comm -23 '$T/want-scores' '$T/have-scores' | ( ! grep -q . )"
last=$(sed -n 's/^score //p' "$T/saved" | tail -n 1)
check "the stored score is the last reported or one after it" sh -c \
	"sql() { sqlite3 -batch -noheader \"\$@\"; }; r=\$(sql '$DB' \"SELECT rationale FROM score s JOIN person p ON p.id = s.rater_id JOIN site si ON si.id = s.site_id JOIN cluster c ON c.id = s.cluster_id WHERE p.name = 'Zoë Whitfield' AND si.code = 'EHS' AND c.code = '2.2' AND s.kind = 'team'\"); test \"\$r\" = 'crash score $last' || grep -q \"^\${r#crash score }\$\" '$T/have-scores'"
check "nothing but kills went wrong (no error messages)" sh -c "! grep -v '^Killed' '$T/stderr' | grep -q ."

finish

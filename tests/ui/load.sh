#!/bin/sh
# load.sh: four processes write notes and scores at once, a fixed number each (not for a time:
# the assertions must not depend on the machine's speed); no lock error reaches
# the user and every write reported as saved is in the database.
. "$(dirname "$0")/lib.sh"

DB="$T/load.db"
WRITES=${LOAD_WRITES:-15}
sample_db "$DB"

writer() {	# writer N RATER SITE
	n=$1 i=0
	while [ "$i" -lt "$WRITES" ]; do
		i=$((i + 1))
		printf 'site,source,author,valence,clusters,text\n%s,focus_group,%s,growth,2.2;3.1,load note %s-%s\n' \
			"$3" "$2" "$n" "$i" >"$T/w$n.csv"
		"$QREL" import evidence --db "$DB" --as "Ségolène Arceneaux" "$T/w$n.csv" >/dev/null 2>>"$T/err$n" && echo "$n-$i" >>"$T/notes$n"
		"$QREL" score --db "$DB" --as "$2" --site "$3" --cluster 3.1 --level $((i % 3 + 1)) \
			--rationale "load score $n-$i" >/dev/null 2>>"$T/err$n" && echo "$n-$i" >>"$T/scores$n"
	done
}

for n in 1 2 3 4; do : >"$T/err$n" >"$T/notes$n" >"$T/scores$n"; done
writer 1 "José Ramírez" RHS &
writer 2 "Zoë Whitfield" EHS &
writer 3 "Nguyễn Thị Lan" OES &
writer 4 "Daniel Osei-Bonsu" RHS &
wait

notes=$(cat "$T"/notes? | wc -l)
scores=$(cat "$T"/scores? | wc -l)
echo "# 4 writers, $WRITES rounds each: $notes notes and $scores scores reported saved"
check "each writer saved something" sh -c "for n in 1 2 3 4; do test -s '$T/notes'\$n || exit 1; done"
check "no 'database is locked' on any writer's stderr" sh -c "! cat '$T'/err? | grep -qi 'locked'"
check "no error at all on any writer's stderr" sh -c "! cat '$T'/err? | grep -q ."
check "note count matches the notes reported saved" test \
	"$(sql "$DB" "SELECT count(*) FROM note WHERE text LIKE 'load note %'")" -eq "$notes"
check "score changes logged match the scores reported saved" test \
	"$(sql "$DB" "SELECT count(*) FROM change_log WHERE field = 'rationale' AND new LIKE 'load score %'")" -eq "$scores"
check "each note is linked to its two clusters" test \
	"$(sql "$DB" "SELECT count(*) FROM note_cluster nc JOIN note n ON n.id = nc.note_id WHERE n.text LIKE 'load note %'")" \
	-eq $((notes * 2))
check "integrity and qrel check are ok" sh -c "test \"\$(sqlite3 '$DB' 'PRAGMA integrity_check')\" = ok && '$QREL' check --db '$DB' >/dev/null"

finish

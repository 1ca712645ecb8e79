#!/bin/sh
# team.sh: team mode with real Unix accounts: a setgid qrel is the only way into a
# review folder owned by the team group (users outside it). sqlite3, cat and cp by a
# member fail; qrel works; what qrel writes for a user is the user's; the user's
# environment and config paths never reach the privileged open; the editor runs
# without the group. Needs root (to create the accounts); otherwise skipped.
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
	echo "ok 1 # SKIP not root (team mode needs real Unix accounts)"
	echo "1..1"
	exit 0
fi
. "$(dirname "$0")/lib.sh"

G=qrelt_g$$ UG=qrelt_u$$ LEAD_U=qrelt_l$$ REV_U=qrelt_r$$
# Everything the accounts must reach lives in $W (lib.sh's $T is 0700 to root),
# on a file system that honours the setgid bit.
for base in /tmp /var/tmp ""; do
	[ -n "$base" ] || { echo "ok 1 # SKIP /tmp and /var/tmp are mounted nosuid"; echo "1..1"; exit 0; }
	findmnt -n -o OPTIONS --target "$base" 2>/dev/null | grep -qw nosuid || break
done
W=$(mktemp -d "$base/qrel-team.XXXXXX")
chmod 755 "$W"
team_cleanup() {
	userdel "$LEAD_U" 2>/dev/null
	userdel "$REV_U" 2>/dev/null
	groupdel "$G" 2>/dev/null
	groupdel "$UG" 2>/dev/null
	rm -rf "$W"
	cleanup
}
trap team_cleanup EXIT
trap 'exit 1' INT TERM HUP

# useradd and groupadd lock /etc/passwd; another test creating accounts may hold it.
retry() {
	n=0
	until "$@" 2>"$T/acct-err"; do
		n=$((n + 1))
		[ "$n" -ge 20 ] && { cat "$T/acct-err" >&2; return 1; }
		sleep 0.5
	done
}
mkdir -p "$W/bin" "$W/team" "$W/lead" "$W/rev" "$W/out"
retry groupadd "$G" && retry groupadd "$UG" &&
retry useradd -M -N -g "$UG" -d "$W/lead" -s /bin/sh "$LEAD_U" &&
retry useradd -M -N -g "$UG" -d "$W/rev" -s /bin/sh "$REV_U" || {
	echo "Bail out! cannot create the test accounts"
	exit 1
}
chown "$LEAD_U" "$W/lead"
chown "$REV_U" "$W/rev"
chmod 1777 "$W/out"
USERS_GID=$(id -g "$REV_U")
TEAM_GID=$(getent group "$G" | cut -d: -f3)

# The installed arrangement (make install with --enable-team-group=G, README).
cp "$QREL" "$W/bin/qrel"
chgrp "$G" "$W/bin/qrel"
chmod 2755 "$W/bin/qrel"
Q="$W/bin/qrel"
chown root:"$G" "$W/team"
chmod 2770 "$W/team"
cp "$QREL_DATADIR/frameworks/qrel-equity.ini" "$W/framework.ini"
chmod 644 "$W/framework.ini"

# Sanitizer reports of the accounts' runs land where they can write them.
USAN="ASAN_OPTIONS=${ASAN_OPTIONS%%log_path=*}log_path=$W/out/asan UBSAN_OPTIONS=${UBSAN_OPTIONS%%log_path=*}log_path=$W/out/asan"
as_lead() { runuser -u "$LEAD_U" -- env $USAN "$@"; }
as_rev() { runuser -u "$REV_U" -- env $USAN "$@"; }

# ---- the review: one prepared by root, one created by the lead through qrel ----
DB="$W/team/review.db"
sample_db "$DB"
chgrp "$G" "$DB"
chmod 660 "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead' LIMIT 1")
REV=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY id LIMIT 1")
SITE=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1")
CL=$(sql "$DB" "SELECT code FROM cluster ORDER BY id LIMIT 1")
TRIGGER=$(sql "$DB" "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name LIMIT 1")
dump() { sql "$DB" .dump | md5sum; }

as_lead "$Q" init --db "$W/team/new.db" --framework "$W/framework.ini" --review "Team review" >"$T/out" 2>&1
check "the lead creates a review in the team folder through qrel" grep -q "created review" "$T/out"
check "the new file is 0660 and belongs to the team group" \
	test "$(stat -c '%a %G' "$W/team/new.db")" = "660 $G"
as_lead sqlite3 "$W/team/new.db" 'SELECT count(*) FROM cluster' >"$T/out" 2>&1
check "its creator cannot open it with sqlite3" test $? -ne 0
check "(sqlite3 cannot open the file)" grep -q "unable to open" "$T/out"

# ---- a member with sqlite3, cat and cp: refused by the operating system ----
BEFORE=$(dump)
as_rev sqlite3 "$DB" 'SELECT * FROM score' >"$T/out" 2>&1
check "a member's sqlite3 cannot read the review" test $? -ne 0
check "(the scores are not printed)" sh -c "! grep -q '$CL' '$T/out'"
as_rev sqlite3 "$DB" "DROP TRIGGER $TRIGGER" >"$T/out" 2>&1
check "a member's sqlite3 cannot drop a trigger" test $? -ne 0
check "the trigger is still there" test "$(sql "$DB" "SELECT count(*) FROM sqlite_schema WHERE name = '$TRIGGER'")" = 1
check "a member cannot read the file with cat" sh -c "! runuser -u '$REV_U' -- cat '$DB' >/dev/null 2>&1"
check "nor list the folder" sh -c "! runuser -u '$REV_U' -- ls '$W/team' >/dev/null 2>&1"
check "nor copy the file out" sh -c "! runuser -u '$REV_U' -- cp '$DB' '$W/rev/copy.db' 2>/dev/null && test ! -e '$W/rev/copy.db'"
cp "$QREL" "$W/bin/qrel-plain"
as_rev "$W/bin/qrel-plain" scores --db "$DB" --as "$REV" >/dev/null 2>"$T/err"
check "a qrel that is not setgid cannot open it either" test $? -ne 0
check "(and says why)" grep -q "review.db: permission denied (a team review opens only through a qrel installed setgid" "$T/err"
check "the database is unchanged by all that" test "$(dump)" = "$BEFORE"

# ---- the same member through the setgid qrel: works ----
as_rev "$Q" scores --db "$DB" --as "$REV" >"$T/out" 2>"$T/err"
check "qrel scores works for a member" test $? -eq 0
check "(and prints the CSV header)" grep -q '^site,cluster,rater' "$T/out"
as_rev "$Q" score --db "$DB" --as "$REV" --site "$SITE" --cluster "$CL" --level 2 --rationale "through qrel" >"$T/out" 2>&1
check "qrel score writes for a member" test $? -eq 0
check "the -wal and -shm beside it belong to the team group, 0660" \
	test "$(stat -c '%a %G' "$DB-wal" "$DB-shm" | sort -u)" = "660 $G"
check "the score is in the database" test "$(sql "$DB" "SELECT count(*) FROM score s JOIN person p ON p.id = s.rater_id
	WHERE p.name = '$REV' AND s.rationale = 'through qrel' AND s.level = 2")" = 1
as_lead "$Q" score --db "$DB" --as "$LEAD" --site "$SITE" --cluster "$CL" --level 3 --rationale "lead too" >"$T/out" 2>&1
check "a second member writes through the first one's -wal" test $? -eq 0
check "qrel check passes after both" sh -c "runuser -u '$REV_U' -- '$Q' check --db '$DB' >/dev/null"
cp "$DB" "$T/alone.db"
check "the file itself holds the writes (qrel checkpoints at close)" \
	test "$(sql "$T/alone.db" "SELECT count(*) FROM score WHERE rationale = 'lead too'")" = 1

# ---- what qrel writes for the user is the user's, outside the team folder ----
as_rev "$Q" report --db "$DB" --as "$REV" -o "$W/rev/report.html" >/dev/null 2>&1
check "a member's report is written" test -s "$W/rev/report.html"
check "owned by the member and the member's own group" \
	test "$(stat -c '%U %g' "$W/rev/report.html")" = "$REV_U $USERS_GID"
as_rev "$Q" report --db "$DB" --as "$REV" -o "$W/team/leak.html" >/dev/null 2>&1
check "a report into the team folder is refused" test $? -ne 0
check "(no file there)" test ! -e "$W/team/leak.html"
as_rev "$Q" backup --db "$DB" -o "$W/rev/copy.db" >/dev/null 2>"$T/err"
check "a member cannot take a backup (a copy sqlite3 could read)" test $? -ne 0
check "(and is told why)" grep -q "team review" "$T/err"
check "(no copy left)" test ! -e "$W/rev/copy.db"

# ---- the user's environment and config never steer the privileged open ----
printf '[store]\npath = %s\n' "$DB" >"$W/secret.ini"
chgrp "$G" "$W/secret.ini"
chmod 640 "$W/secret.ini"
as_rev "$Q" scores --config "$W/secret.ini" --as "$REV" >"$T/out" 2>"$T/err"
check "a config file only the group may read is not read" test $? -ne 0
check "(it says so)" grep -q "secret.ini" "$T/err"
# A data folder of the user's with a different sample review: not used.
mkdir -p "$W/rev/data"
cp -r "$QREL_DATADIR/sample-db" "$QREL_DATADIR/frameworks" "$W/rev/data/"
sed -i 's/^title *=.*/title = Planted by QREL_DATADIR/' "$W/rev/data/sample-db/review.ini"
chown -R "$REV_U" "$W/rev/data"
as_rev env QREL_DATADIR="$W/rev/data" XDG_DATA_HOME="$W/rev/xdg" "$Q" sample --db "$W/rev/s.db" >/dev/null 2>&1
check "QREL_DATADIR does not reach a setgid qrel" sh -c \
	"test -s '$W/rev/s.db' && ! sqlite3 '$W/rev/s.db' 'SELECT title FROM review' | grep -q Planted"
check "a member's own database is theirs, not the team's" test "$(stat -c '%U %g' "$W/rev/s.db")" = "$REV_U $USERS_GID"

# A CSV file is read without the group: qrel is caught reading a pipe that
# stays open until its group has been looked at.
mkfifo "$W/rev/ratings.csv"
chown "$REV_U" "$W/rev/ratings.csv"
as_rev "$Q" agree "$W/rev/ratings.csv" >/dev/null 2>&1 &
{
	printf 'unit,rater,score\n'
	: >"$W/opened"
	while [ ! -e "$W/release" ]; do sleep 0.1; done
} >"$W/rev/ratings.csv" &
n=0
while [ ! -e "$W/opened" ] && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
PID=$(pgrep -u "$REV_U" -f "^$Q agree" | head -n 1)
check "qrel reading a CSV file holds no team group, not even saved" \
	test "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$PID/status" 2>&1)" = "$USERS_GID $USERS_GID $USERS_GID $USERS_GID"
: >"$W/release"
wait

# The editor, from the screens: who it runs as and what environment it gets.
# Python, not sh: a shell resets its effective group itself, which would hide a leak.
cat >"$W/editor" <<EOF
#!/usr/bin/env python3
import os, pwd, sys
def put(name, text):
    with open("$W/out/" + name, "w") as f:
        f.write(text)
put("env", "".join("%s=%s\n" % kv for kv in os.environ.items()))
put("groups", " ".join(str(g) for g in os.getresgid() + tuple(os.getgroups())) + "\n")
st = os.stat(sys.argv[1])
put("tempfile", "%s %d %o\n" % (pwd.getpwuid(st.st_uid).pw_name, st.st_gid, st.st_mode & 0o777))
put("path", sys.argv[1] + "\n")
with open(sys.argv[1], "a") as f:
    f.write("written in the editor\n")
EOF
chmod 755 "$W/editor"
mkdir -p "$W/rev/tmp"
chown "$REV_U" "$W/rev/tmp"
START_WRAP="runuser -u $REV_U --"
START_ENV="$USAN VISUAL=$W/editor TMPDIR=$W/rev/tmp QREL_DATADIR=$W/rev/data NLSPATH=$W/rev/%N LOCPATH=$W/rev \
TERMINFO=$W/rev TERMINFO_DIRS=$W/rev HOME=/nonexistent XDG_CONFIG_HOME=$W/rev SQLITE_TMPDIR=$W/rev/tmp"
BUILT=$QREL QREL=$Q # start runs $QREL
start --db "$DB" --as "$REV"
QREL=$BUILT
wait_for "Review overview" >/dev/null
keys E
keys a
wait_for "New note" >/dev/null
keys C-e
check "the editor runs from a setgid qrel's screens" wait_for "Text back from"
# The running qrel itself: real, effective, saved and file-system group all the user's.
PID=$(pgrep -u "$REV_U" -f "^$Q " | head -n 1)
check "the open review's qrel holds no team group, not even saved" \
	test "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$PID/status")" = "$USERS_GID $USERS_GID $USERS_GID $USERS_GID"
check "and cannot be dumped or traced by the user" \
	test "$(stat -c %U "/proc/$PID/fd")" = root
check "the editor has no team group (real, effective, saved, supplementary)" sh -c "! tr ' ' '\n' <'$W/out/groups' | grep -qx '$TEAM_GID'"
check "its temp file is the user's, in the user's group, 0600" \
	test "$(cat "$W/out/tempfile")" = "$REV_U $USERS_GID 600"
check "and not in the user's TMPDIR" sh -c "! grep -q '^$W/rev/tmp/' '$W/out/path'"
for var in TMPDIR QREL_DATADIR NLSPATH LOCPATH TERMINFO TERMINFO_DIRS XDG_CONFIG_HOME SQLITE_TMPDIR; do
	check "$var from the user is dropped" sh -c "! grep -q '^$var=' '$W/out/env'"
done
check "HOME is the account's, not the caller's" grep -qx "HOME=$W/rev" "$W/out/env"
check "VISUAL and TERM are kept" sh -c "grep -q '^VISUAL=$W/editor\$' '$W/out/env' && grep -q '^TERM=' '$W/out/env'"
tm kill-server 2>/dev/null
START_WRAP= START_ENV=

check "qrel check passes at the end" sh -c "'$QREL' check --db '$DB' >/dev/null"

# Another user's own review (0600, in a folder anyone may list) is refused plainly.
as_lead "$QREL" sample --db "$W/out/lead-own.db" >/dev/null 2>&1
as_rev "$QREL" check --db "$W/out/lead-own.db" >"$T/out" 2>"$T/err"
check "another user's private review does not open" test $? -eq 1
check "(saying permission denied, not SQLite's 'unable to open')" \
	grep -q "lead-own.db: permission denied: the file is not yours to open" "$T/err"
if ls "$W"/out/asan.* >/dev/null 2>&1; then
	not_ok "no sanitizer reports from the accounts' runs" "$(cat "$W"/out/asan.* | head -n 40)"
else
	ok "no sanitizer reports from the accounts' runs"
fi
finish

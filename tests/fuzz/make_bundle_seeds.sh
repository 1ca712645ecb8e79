#!/bin/sh
# make_bundle_seeds.sh QREL: remakes seeds/fuzz_bundle, the tables (SQLite images) of small real
# bundles of the sample review with the fuzz harness's review uuid: a changed score and a new note,
# the same with a base that makes a conflict, and the same as a replay of an older value.
set -eu
qrel=${1:?usage: make_bundle_seeds.sh path/to/qrel}
here=$(cd "$(dirname "$0")" && pwd)
out="$here/seeds/fuzz_bundle"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$qrel" sample --db "$t/a.db" >/dev/null
sqlite3 "$t/a.db" "UPDATE review SET uuid = '00000000-0000-4000-8000-000000000001'"
"$qrel" sync export --db "$t/a.db" -o "$t/0.qb" --peer fuzz --as "Ségolène Arceneaux" >/dev/null
"$qrel" score --db "$t/a.db" --as "José Ramírez" --site RHS --cluster 1.1 --level 3 --rationale "seed: tracked" >/dev/null
printf 'site,source,author,valence,clusters,text\nRHS,interview,José Ramírez,strength,1.1;2.2,Seed note.\n' >"$t/n.csv"
"$qrel" import evidence --db "$t/a.db" "$t/n.csv" >/dev/null
"$qrel" sync export --db "$t/a.db" -o "$t/1.qb" --peer fuzz --as "Ségolène Arceneaux" >/dev/null
# The tables: the bytes between the 64-byte header and the 32-byte MAC, unpacked.
python3 -c 'import sys, zlib; b = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(zlib.decompress(b[64:-32]))' \
	"$t/1.qb" "$t/one"
# Fewer activities (they always travel whole), packed small.
sqlite3 "$t/one" "DELETE FROM activity WHERE uuid NOT IN (SELECT activity FROM note WHERE activity IS NOT NULL); VACUUM"
rm -f "$out"/*
cp "$t/one" "$out/one-score-one-note"
cp "$t/one" "$out/conflict"
sqlite3 "$out/conflict" "UPDATE score SET base = NULL, version = 1"
cp "$t/one" "$out/replay"
sqlite3 "$out/replay" "UPDATE score SET base = NULL, version = 0, level = 1; DELETE FROM note"
ls -l "$out"

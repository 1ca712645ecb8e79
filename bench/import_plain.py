#!/usr/bin/env python3
"""import_plain.py DB FILE.csv: the plain script issue 18 compares `qrel import evidence` with.

It does the inserts the import does, as a plain script would, into a copy of the same
review (so the same tables, indexes and triggers: the note's FTS5 index, the tallies, the
sync marks): one transaction, one INSERT per note, its cluster links and a change-log
row. It checks nothing the import checks (no roles, locks or repeated rows) and looks
sites, people and clusters up from dictionaries filled once, so it is a lower bound on
what such a script costs."""
import csv
import datetime
import sqlite3
import sys
import uuid


def main(db_path, csv_path):
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    review = db.execute("SELECT id FROM review").fetchone()[0]
    sites = {code.lower(): i for i, code in db.execute("SELECT id, code FROM site")}
    people = {name: i for i, name in db.execute("SELECT id, name FROM person")}
    clusters = {code: i for i, code in db.execute("SELECT id, code FROM cluster")}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    db.execute("BEGIN")
    with open(csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            note_uuid = str(uuid.uuid4())
            cur = db.execute(
                "INSERT INTO note(uuid, review_id, site_id, source, author_id, valence, text, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (note_uuid, review, sites[row["site"].lower()], row["source"], people[row["author"]],
                 row["valence"] or "neutral", row["text"], now, now))
            note_id = cur.lastrowid
            for code in row["clusters"].split(";"):
                db.execute("INSERT OR IGNORE INTO note_cluster(note_id, cluster_id) VALUES (?, ?)",
                           (note_id, clusters[code.strip()]))
            db.execute(
                "INSERT INTO change_log(uuid, review_id, at, who, entity, entity_uuid, field, old, new, reason) "
                "VALUES (?, ?, ?, ?, 'note', ?, 'create', NULL, ?, ?)",
                (str(uuid.uuid4()), review, now, "plain script", note_uuid, row["text"], "imported from " + csv_path))
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

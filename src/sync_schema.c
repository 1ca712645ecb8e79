/* sync_schema.c: the tables and triggers that let offline copies merge (a migration appended to schema.c's). */
#include "qrel/qrel.h"
#include "qrel/schema.h"
#include "qrel/sync.h"

/* sync_mark: a local sequence number per changed row, so an export can send
 * "what changed since the last exchange with that peer".
 * sync_base: the value a row had before its first local change since the last
 * exchange; a row without one has not changed here. The triggers keep both, so
 * every writer (screens, imports, commands) is covered without knowing. */
#define MARK(tbl, when) \
	"CREATE TRIGGER sync_mark_" tbl "_" when " AFTER " when " ON " tbl " BEGIN" \
	"  INSERT OR REPLACE INTO sync_mark(entity, uuid, seq) VALUES ('" tbl "', new.uuid," \
	"    (SELECT coalesce(max(seq), 0) + 1 FROM sync_mark));" \
	"END;"
#define BASE(tbl, value) \
	"CREATE TRIGGER sync_base_" tbl " BEFORE UPDATE ON " tbl " BEGIN" \
	"  INSERT OR IGNORE INTO sync_base(entity, uuid, value, version)" \
	"    VALUES ('" tbl "', old.uuid, " value ", old.version);" \
	"END;"

const char sync_migration[] =
"CREATE TABLE sync_setting ("
"  key TEXT PRIMARY KEY,"
"  value TEXT NOT NULL);"
"CREATE TABLE sync_peer ("
"  name TEXT PRIMARY KEY,"
"  sent_seq INTEGER NOT NULL DEFAULT -1,"
"  sent_log INTEGER NOT NULL DEFAULT 0,"
"  sent_at TEXT);"
"CREATE TABLE sync_import ("
"  checksum TEXT PRIMARY KEY,"
"  copy_id TEXT NOT NULL,"
"  created_at TEXT NOT NULL,"
"  imported_at TEXT NOT NULL,"
"  imported_by TEXT NOT NULL);"
"CREATE TABLE sync_mark ("
"  entity TEXT NOT NULL,"
"  uuid TEXT NOT NULL,"
"  seq INTEGER NOT NULL,"
"  PRIMARY KEY (entity, uuid)) WITHOUT ROWID;"
"CREATE INDEX sync_mark_seq ON sync_mark(seq);"
"CREATE TABLE sync_base ("
"  entity TEXT NOT NULL,"
"  uuid TEXT NOT NULL,"
"  value TEXT NOT NULL,"
"  version INTEGER NOT NULL,"
"  PRIMARY KEY (entity, uuid)) WITHOUT ROWID;"
"CREATE TABLE sync_conflict ("
"  id INTEGER PRIMARY KEY,"
"  entity TEXT NOT NULL CHECK (entity IN ('note', 'score')),"
"  uuid TEXT NOT NULL,"
"  local_value TEXT NOT NULL,"
"  remote_value TEXT NOT NULL,"
"  remote_version INTEGER NOT NULL,"
"  from_copy TEXT NOT NULL,"
"  detected_at TEXT NOT NULL,"
"  resolved_at TEXT,"
"  resolution TEXT,"
"  resolved_by TEXT,"
"  UNIQUE (entity, uuid, local_value, remote_value));"
MARK("note", "INSERT") MARK("note", "UPDATE")
MARK("score", "INSERT") MARK("score", "UPDATE")
MARK("subgroup_row", "INSERT") MARK("subgroup_row", "UPDATE")
BASE("note", SYNC_NOTE_VALUE("old"))
BASE("score", SYNC_SCORE_VALUE("old"));

/* One key per review, made with it; the reviews already there get theirs now.
 * randomblob() draws on SQLite's generator, seeded from the system's. */
const char sync_key_migration[] =
"CREATE TABLE sync_key ("
"  review_id INTEGER PRIMARY KEY REFERENCES review(id) ON DELETE CASCADE,"
"  key BLOB NOT NULL CHECK (typeof(key) = 'blob' AND length(key) = 32));"
"INSERT INTO sync_key(review_id, key) SELECT id, randomblob(32) FROM review;"
"CREATE TRIGGER sync_key_new_review AFTER INSERT ON review BEGIN"
"  INSERT OR IGNORE INTO sync_key(review_id, key) VALUES (new.id, randomblob(32));"
"END;"
/* Sites, activities and metrics changed since an exchange travel with the next
 * bundle; the others only when a row in it names them. */
MARK("site", "INSERT") MARK("site", "UPDATE")
MARK("activity", "INSERT") MARK("activity", "UPDATE")
MARK("metric", "INSERT") MARK("metric", "UPDATE");

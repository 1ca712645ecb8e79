/* sync_schema.c: the tables and triggers that let offline copies merge (a migration appended to schema.c's). */
#include "qrel/qrel.h"
#include "qrel/schema.h"
#include "qrel/sync.h"

/* sync_mark: a local sequence number per changed row, so an export can send
 * "what changed since the last exchange with that peer".
 * sync_base: the value a row had before its first local change since the last
 * exchange; a row without one has not changed here. The triggers keep both, so
 * every writer (screens, imports, commands) is covered without knowing. They
 * upsert rather than INSERT OR REPLACE/IGNORE: a foreign key's ON DELETE SET NULL
 * runs them under ABORT, which overrides a trigger's OR clause. */
#define MARK(tbl, when) \
	"CREATE TRIGGER sync_mark_" tbl "_" when " AFTER " when " ON " tbl " BEGIN" \
	"  INSERT INTO sync_mark(entity, uuid, seq) VALUES ('" tbl "', new.uuid," \
	"    (SELECT coalesce(max(seq), 0) + 1 FROM sync_mark))" \
	"    ON CONFLICT (entity, uuid) DO UPDATE SET seq = excluded.seq;" \
	"END;"
#define BASE(tbl, value) \
	"CREATE TRIGGER sync_base_" tbl " BEFORE UPDATE ON " tbl " BEGIN" \
	"  INSERT INTO sync_base(entity, uuid, value, version)" \
	"    VALUES ('" tbl "', old.uuid, " value ", old.version) ON CONFLICT DO NOTHING;" \
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

/* A deleted row's uuid, so the deletion travels: every copy that has the row
 * removes it (a deletion wins over an edit; the change log keeps the text). */
#define GONE(tbl) \
	"CREATE TRIGGER sync_gone_" tbl " AFTER DELETE ON " tbl " BEGIN" \
	"  INSERT INTO sync_gone(entity, uuid) VALUES ('" tbl "', old.uuid) ON CONFLICT DO NOTHING;" \
	"  INSERT INTO sync_mark(entity, uuid, seq) VALUES ('" tbl "', old.uuid," \
	"    (SELECT coalesce(max(seq), 0) + 1 FROM sync_mark))" \
	"    ON CONFLICT (entity, uuid) DO UPDATE SET seq = excluded.seq;" \
	"END;"
/* A change to what a row links (a finding's citations, a recommendation's
 * findings) marks the row, so it travels with the next bundle. */
#define LINK(link, when, row, tbl, col) \
	"CREATE TRIGGER sync_mark_" link "_" when " AFTER " when " ON " link " BEGIN" \
	"  INSERT INTO sync_mark(entity, uuid, seq) SELECT '" tbl "', uuid," \
	"    (SELECT coalesce(max(seq), 0) + 1 FROM sync_mark) FROM " tbl " WHERE id = " row "." col \
	"    ON CONFLICT (entity, uuid) DO UPDATE SET seq = excluded.seq;" \
	"END;"

/* Findings and recommendations travel too: marks, bases, deletions, and their
 * conflicts (sync_conflict rebuilt to accept the two entities). */
const char sync_findings_migration[] =
"CREATE TABLE sync_conflict_new ("
"  id INTEGER PRIMARY KEY,"
"  entity TEXT NOT NULL CHECK (entity IN ('note', 'score', 'finding', 'recommendation')),"
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
"INSERT INTO sync_conflict_new SELECT id, entity, uuid, local_value, remote_value, remote_version, from_copy,"
"  detected_at, resolved_at, resolution, resolved_by FROM sync_conflict;"
"DROP TABLE sync_conflict;"
"ALTER TABLE sync_conflict_new RENAME TO sync_conflict;"
"CREATE TABLE sync_gone ("
"  entity TEXT NOT NULL,"
"  uuid TEXT NOT NULL,"
"  PRIMARY KEY (entity, uuid)) WITHOUT ROWID;"
MARK("finding", "INSERT") MARK("finding", "UPDATE")
MARK("recommendation", "INSERT") MARK("recommendation", "UPDATE")
BASE("finding", SYNC_FINDING_VALUE("old"))
BASE("recommendation", SYNC_REC_VALUE("old"))
GONE("finding") GONE("recommendation")
LINK("finding_note", "INSERT", "new", "finding", "finding_id")
LINK("finding_note", "DELETE", "old", "finding", "finding_id")
LINK("finding_subgroup", "INSERT", "new", "finding", "finding_id")
LINK("finding_subgroup", "DELETE", "old", "finding", "finding_id")
LINK("recommendation_finding", "INSERT", "new", "recommendation", "recommendation_id")
LINK("recommendation_finding", "DELETE", "old", "recommendation", "recommendation_id");

/* The fieldwork tables travel too: documents merge like notes (a version, a
 * base, conflicts for the lead; the version moves on with each change, whatever
 * wrote it), survey results and rates like subgroup rows, and a change to what
 * a note or finding cites marks the note or finding. Activities were marked
 * already (their status and planned reviewers ride with them). */
const char sync_fieldwork_migration[] =
"ALTER TABLE document ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
"CREATE TRIGGER document_version AFTER UPDATE OF site_id, title, owner, status, received_at, link ON document "
"  WHEN new.version = old.version BEGIN"
"  UPDATE document SET version = old.version + 1 WHERE id = new.id;"
"END;"
"CREATE TABLE sync_conflict_new ("
"  id INTEGER PRIMARY KEY,"
"  entity TEXT NOT NULL CHECK (entity IN ('note', 'score', 'finding', 'recommendation', 'document')),"
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
"INSERT INTO sync_conflict_new SELECT id, entity, uuid, local_value, remote_value, remote_version, from_copy,"
"  detected_at, resolved_at, resolution, resolved_by FROM sync_conflict;"
"DROP TABLE sync_conflict;"
"ALTER TABLE sync_conflict_new RENAME TO sync_conflict;"
MARK("document", "INSERT") MARK("document", "UPDATE")
MARK("survey_item", "INSERT") MARK("survey_item", "UPDATE")
MARK("survey_rate", "INSERT") MARK("survey_rate", "UPDATE")
BASE("document", SYNC_DOCUMENT_VALUE("old"))
LINK("note_document", "INSERT", "new", "note", "note_id")
LINK("note_document", "DELETE", "old", "note", "note_id")
LINK("finding_survey", "INSERT", "new", "finding", "finding_id")
LINK("finding_survey", "DELETE", "old", "finding", "finding_id");

/* Stakeholder voice travels: an activity's groups, participants, language and
 * interpreter, and a note's own groups, each with a voice version that moves on
 * with every local change (sync_voice; none: never changed). A change to them
 * marks the activity or note, so it rides with the next bundle. */
#define VOICE(link, when, row, tbl, col) \
	"CREATE TRIGGER sync_voice_" link "_" when " AFTER " when " ON " link " BEGIN" \
	"  INSERT INTO sync_voice(entity, uuid, version) SELECT '" tbl "', uuid, 1 FROM " tbl \
	"    WHERE id = " row "." col " ON CONFLICT (entity, uuid) DO UPDATE SET version = version + 1;" \
	"END;" \
	LINK(link, when, row, tbl, col)
/* A removed citation leaves its two uuids (sync_unlink), so the removal travels
 * with its note, finding or recommendation; citing again clears it. */
#define UNLINK(link, otbl, ocol, ttbl, tcol) \
	"CREATE TRIGGER sync_unlink_" link " AFTER DELETE ON " link " BEGIN" \
	"  INSERT INTO sync_unlink(link, owner, target) SELECT '" link "', o.uuid, t.uuid FROM " otbl " o, " ttbl " t" \
	"    WHERE o.id = old." ocol " AND t.id = old." tcol " ON CONFLICT DO NOTHING;" \
	"END;" \
	"CREATE TRIGGER sync_relink_" link " AFTER INSERT ON " link " BEGIN" \
	"  DELETE FROM sync_unlink WHERE link = '" link "'" \
	"    AND owner = (SELECT uuid FROM " otbl " WHERE id = new." ocol ")" \
	"    AND target = (SELECT uuid FROM " ttbl " WHERE id = new." tcol ");" \
	"END;"

const char sync_voice_migration[] =
"CREATE TABLE sync_voice ("
"  entity TEXT NOT NULL CHECK (entity IN ('activity', 'note')),"
"  uuid TEXT NOT NULL,"
"  version INTEGER NOT NULL,"
"  PRIMARY KEY (entity, uuid)) WITHOUT ROWID;"
"INSERT INTO sync_voice(entity, uuid, version) SELECT 'activity', a.uuid, 1 FROM activity a "
"  WHERE a.participants IS NOT NULL OR a.language <> '' OR a.interpreter <> 0 "
"  OR EXISTS (SELECT 1 FROM activity_group g WHERE g.activity_id = a.id);"
"INSERT INTO sync_voice(entity, uuid, version) SELECT 'note', n.uuid, 1 FROM note n "
"  WHERE EXISTS (SELECT 1 FROM note_group g WHERE g.note_id = n.id);"
"CREATE TRIGGER sync_voice_activity_INSERT AFTER INSERT ON activity"
"  WHEN new.participants IS NOT NULL OR new.language <> '' OR new.interpreter <> 0 BEGIN"
"  INSERT INTO sync_voice(entity, uuid, version) VALUES ('activity', new.uuid, 1)"
"    ON CONFLICT (entity, uuid) DO UPDATE SET version = version + 1;"
"END;"
"CREATE TRIGGER sync_voice_activity_UPDATE AFTER UPDATE OF participants, language, interpreter ON activity"
"  WHEN new.participants IS NOT old.participants OR new.language IS NOT old.language"
"  OR new.interpreter IS NOT old.interpreter BEGIN"
"  INSERT INTO sync_voice(entity, uuid, version) VALUES ('activity', new.uuid, 1)"
"    ON CONFLICT (entity, uuid) DO UPDATE SET version = version + 1;"
"END;"
VOICE("activity_group", "INSERT", "new", "activity", "activity_id")
VOICE("activity_group", "DELETE", "old", "activity", "activity_id")
VOICE("note_group", "INSERT", "new", "note", "note_id")
VOICE("note_group", "DELETE", "old", "note", "note_id")
"CREATE TABLE sync_unlink ("
"  link TEXT NOT NULL,"
"  owner TEXT NOT NULL,"
"  target TEXT NOT NULL,"
"  PRIMARY KEY (link, owner, target)) WITHOUT ROWID;"
UNLINK("note_document", "note", "note_id", "document", "document_id")
UNLINK("finding_survey", "finding", "finding_id", "survey_item", "survey_id")
UNLINK("finding_note", "finding", "finding_id", "note", "note_id")
UNLINK("recommendation_finding", "recommendation", "recommendation_id", "finding", "finding_id");

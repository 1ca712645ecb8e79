/* schema.c: forward-only migrations; entry N brings a store from user_version N to N+1. */
#include "qrel/qrel.h"
#include "qrel/schema.h"


/* Every row a user creates carries a uuid so copies made offline can merge;
 * integer ids stay for joins. Times are ISO 8601 UTC text. */
static const char migration_1[] =
"CREATE TABLE framework ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  code TEXT NOT NULL,"
"  title TEXT NOT NULL,"
"  version TEXT NOT NULL,"
"  hash TEXT NOT NULL,"
"  levels INTEGER NOT NULL CHECK (levels BETWEEN 2 AND 9),"
"  source TEXT NOT NULL,"
"  UNIQUE (code, version, hash));"
"CREATE TABLE scale_level ("
"  framework_id INTEGER NOT NULL REFERENCES framework(id) ON DELETE CASCADE,"
"  level INTEGER NOT NULL,"
"  label TEXT NOT NULL,"
"  description TEXT NOT NULL,"
"  PRIMARY KEY (framework_id, level));"
"CREATE TABLE domain ("
"  id INTEGER PRIMARY KEY,"
"  framework_id INTEGER NOT NULL REFERENCES framework(id) ON DELETE CASCADE,"
"  code TEXT NOT NULL,"
"  title TEXT NOT NULL,"
"  position INTEGER NOT NULL,"
"  UNIQUE (framework_id, code));"
"CREATE TABLE cluster ("
"  id INTEGER PRIMARY KEY,"
"  framework_id INTEGER NOT NULL REFERENCES framework(id) ON DELETE CASCADE,"
"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
"  code TEXT NOT NULL,"
"  title TEXT NOT NULL,"
"  position INTEGER NOT NULL,"
"  UNIQUE (framework_id, code));"
"CREATE INDEX cluster_domain ON cluster(domain_id, position);"
"CREATE TABLE descriptor ("
"  cluster_id INTEGER NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,"
"  level INTEGER NOT NULL,"
"  text TEXT NOT NULL,"
"  PRIMARY KEY (cluster_id, level));"
"CREATE TABLE criterion ("
"  id INTEGER PRIMARY KEY,"
"  cluster_id INTEGER NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,"
"  position INTEGER NOT NULL,"
"  text TEXT NOT NULL);"
"CREATE TABLE review ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  title TEXT NOT NULL,"
"  district TEXT NOT NULL DEFAULT '',"
"  framework_id INTEGER NOT NULL REFERENCES framework(id),"
"  starts TEXT, ends TEXT,"
"  locked INTEGER NOT NULL DEFAULT 0,"
"  created_at TEXT NOT NULL);"
"CREATE TABLE site ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  code TEXT NOT NULL,"
"  name TEXT NOT NULL,"
"  kind TEXT NOT NULL CHECK (kind IN ('school', 'district')),"
"  locked INTEGER NOT NULL DEFAULT 0,"
"  UNIQUE (review_id, code));"
"CREATE TABLE person ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  name TEXT NOT NULL,"
"  role TEXT NOT NULL CHECK (role IN ('lead', 'reviewer', 'principal', 'observer')),"
"  site_id INTEGER REFERENCES site(id),"
"  UNIQUE (review_id, name));"
"CREATE TABLE activity ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  site_id INTEGER NOT NULL REFERENCES site(id),"
"  source TEXT NOT NULL CHECK (source IN ('interview', 'focus_group', 'document_review',"
"    'site_observation', 'remote_observation', 'survey', 'self_evaluation')),"
"  held_at TEXT NOT NULL,"
"  description TEXT NOT NULL DEFAULT '',"
"  facilitator_id INTEGER REFERENCES person(id));"
"CREATE INDEX activity_site ON activity(site_id, held_at);"
"CREATE TABLE note ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  site_id INTEGER NOT NULL REFERENCES site(id),"
"  activity_id INTEGER REFERENCES activity(id),"
"  source TEXT NOT NULL CHECK (source IN ('interview', 'focus_group', 'document_review',"
"    'site_observation', 'remote_observation', 'survey', 'self_evaluation')),"
"  author_id INTEGER NOT NULL REFERENCES person(id),"
"  valence TEXT NOT NULL DEFAULT 'neutral' CHECK (valence IN ('strength', 'growth', 'neutral')),"
"  text TEXT NOT NULL,"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  deleted_at TEXT,"
"  version INTEGER NOT NULL DEFAULT 1);"
"CREATE INDEX note_site_time ON note(site_id, created_at);"
"CREATE INDEX note_time ON note(created_at, id);"
"CREATE INDEX note_site_live ON note(site_id, deleted_at);"
"CREATE TABLE note_cluster ("
"  note_id INTEGER NOT NULL REFERENCES note(id) ON DELETE CASCADE,"
"  cluster_id INTEGER NOT NULL REFERENCES cluster(id),"
"  PRIMARY KEY (note_id, cluster_id)) WITHOUT ROWID;"
"CREATE INDEX note_cluster_cluster ON note_cluster(cluster_id, note_id);"
"CREATE TABLE note_subgroup ("
"  note_id INTEGER NOT NULL REFERENCES note(id) ON DELETE CASCADE,"
"  dimension TEXT NOT NULL,"
"  grp TEXT NOT NULL,"
"  PRIMARY KEY (note_id, dimension, grp)) WITHOUT ROWID;"
"CREATE VIRTUAL TABLE note_fts USING fts5(text, content='note', content_rowid='id',"
"  tokenize='unicode61 remove_diacritics 2');"
"CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN"
"  INSERT INTO note_fts(rowid, text) VALUES (new.id, new.text);"
"END;"
"CREATE TRIGGER note_fts_delete AFTER DELETE ON note BEGIN"
"  INSERT INTO note_fts(note_fts, rowid, text) VALUES ('delete', old.id, old.text);"
"END;"
"CREATE TRIGGER note_fts_update AFTER UPDATE OF text ON note BEGIN"
"  INSERT INTO note_fts(note_fts, rowid, text) VALUES ('delete', old.id, old.text);"
"  INSERT INTO note_fts(rowid, text) VALUES (new.id, new.text);"
"END;"
"CREATE TABLE score ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  site_id INTEGER NOT NULL REFERENCES site(id),"
"  cluster_id INTEGER NOT NULL REFERENCES cluster(id),"
"  rater_id INTEGER NOT NULL REFERENCES person(id),"
"  kind TEXT NOT NULL CHECK (kind IN ('team', 'self', 'consensus')),"
"  level INTEGER CHECK (level IS NULL OR level >= 1),"
"  insufficient INTEGER NOT NULL DEFAULT 0 CHECK (insufficient IN (0, 1)),"
"  rationale TEXT NOT NULL DEFAULT '',"
"  updated_at TEXT NOT NULL,"
"  version INTEGER NOT NULL DEFAULT 1,"
"  CHECK (NOT (insufficient AND level IS NOT NULL)),"
"  UNIQUE (site_id, cluster_id, rater_id, kind));"
"CREATE INDEX score_cluster ON score(cluster_id, site_id, kind);"
"CREATE TABLE metric ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  code TEXT NOT NULL,"
"  name TEXT NOT NULL,"
"  direction TEXT NOT NULL CHECK (direction IN ('adverse', 'favourable')),"
"  denominator TEXT NOT NULL DEFAULT 'enrolled students',"
"  cluster_id INTEGER REFERENCES cluster(id),"
"  UNIQUE (review_id, code));"
"CREATE TABLE subgroup_row ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  site_id INTEGER NOT NULL REFERENCES site(id),"
"  year TEXT NOT NULL,"
"  metric_id INTEGER NOT NULL REFERENCES metric(id),"
"  dimension TEXT NOT NULL,"
"  grp TEXT NOT NULL,"
"  enrolled INTEGER NOT NULL CHECK (enrolled >= 0),"
"  count INTEGER NOT NULL CHECK (count >= 0 AND count <= enrolled),"
"  updated_at TEXT NOT NULL,"
"  UNIQUE (site_id, year, metric_id, dimension, grp));"
"CREATE TABLE change_log ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER REFERENCES review(id),"
"  at TEXT NOT NULL,"
"  who TEXT NOT NULL,"
"  entity TEXT NOT NULL,"
"  entity_uuid TEXT NOT NULL,"
"  field TEXT NOT NULL,"
"  old TEXT,"
"  new TEXT,"
"  reason TEXT NOT NULL DEFAULT '');"
"CREATE INDEX change_log_entity ON change_log(entity_uuid, id);"
"CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log BEGIN"
"  SELECT RAISE(ABORT, 'the change log is append-only');"
"END;"
"CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log BEGIN"
"  SELECT RAISE(ABORT, 'the change log is append-only');"
"END;"
"CREATE TABLE draft ("
"  key TEXT NOT NULL,"
"  who TEXT NOT NULL,"
"  text TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  PRIMARY KEY (key, who));";

/* The evidence list filtered by activity, and each activity's note count. */
static const char migration_note_activity[] =
"CREATE INDEX note_activity ON note(activity_id, created_at);";

/* Live notes per site, cluster and source, kept by triggers: the rubric's
 * evidence counts and triangulation read a few rows instead of a site's notes. */
static const char migration_evidence_tally[] =
"CREATE TABLE evidence_tally ("
"  site_id INTEGER NOT NULL,"
"  cluster_id INTEGER NOT NULL,"
"  source TEXT NOT NULL,"
"  notes INTEGER NOT NULL,"
"  PRIMARY KEY (site_id, cluster_id, source)) WITHOUT ROWID;"
"INSERT INTO evidence_tally SELECT n.site_id, nc.cluster_id, n.source, count(*) FROM note n"
"  JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL"
"  GROUP BY n.site_id, nc.cluster_id, n.source;"
"CREATE TRIGGER tally_tag AFTER INSERT ON note_cluster BEGIN"
"  INSERT INTO evidence_tally SELECT site_id, new.cluster_id, source, 1 FROM note"
"    WHERE id = new.note_id AND deleted_at IS NULL"
"    ON CONFLICT DO UPDATE SET notes = notes + 1;"
"END;"
/* A note deleted outright is gone before its tags cascade: the note's own
 * trigger below subtracts them, and this one finds no live note. */
"CREATE TRIGGER tally_untag AFTER DELETE ON note_cluster BEGIN"
"  UPDATE evidence_tally SET notes = notes - 1 WHERE cluster_id = old.cluster_id"
"    AND (site_id, source) = (SELECT site_id, source FROM note WHERE id = old.note_id AND deleted_at IS NULL);"
"END;"
"CREATE TRIGGER tally_note_delete BEFORE DELETE ON note WHEN old.deleted_at IS NULL BEGIN"
"  UPDATE evidence_tally SET notes = notes - 1 WHERE site_id = old.site_id AND source = old.source"
"    AND cluster_id IN (SELECT cluster_id FROM note_cluster WHERE note_id = old.id);"
"END;"
"CREATE TRIGGER tally_note_change AFTER UPDATE OF deleted_at, site_id, source ON note BEGIN"
"  UPDATE evidence_tally SET notes = notes - 1 WHERE old.deleted_at IS NULL"
"    AND site_id = old.site_id AND source = old.source"
"    AND cluster_id IN (SELECT cluster_id FROM note_cluster WHERE note_id = old.id);"
"  INSERT INTO evidence_tally SELECT new.site_id, cluster_id, new.source, 1 FROM note_cluster"
"    WHERE note_id = new.id AND new.deleted_at IS NULL"
"    ON CONFLICT DO UPDATE SET notes = notes + 1;"
"END;";

/* The change log screen pages newest first. */
static const char migration_change_log_time[] =
"CREATE INDEX change_log_time ON change_log(at, id);";

/* State-wide figures per (year, metric, dimension, group): the comparison for
 * the alternate risk ratio when a table's own comparison group is small, and
 * the enrolment weights of the weighted risk ratio. One set per review. */
static const char migration_state_rows[] =
"CREATE TABLE state_row ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  year TEXT NOT NULL,"
"  metric_id INTEGER NOT NULL REFERENCES metric(id),"
"  dimension TEXT NOT NULL,"
"  grp TEXT NOT NULL,"
"  enrolled INTEGER NOT NULL CHECK (enrolled >= 0),"
"  count INTEGER NOT NULL CHECK (count >= 0 AND count <= enrolled),"
"  updated_at TEXT NOT NULL,"
"  UNIQUE (review_id, year, metric_id, dimension, grp));";

/* Live notes per site and domain (a note counts once per domain however many
 * of its clusters it tags there), kept by triggers for the overview. */
static const char migration_domain_tally[] =
"CREATE TABLE domain_tally ("
"  site_id INTEGER NOT NULL,"
"  domain_id INTEGER NOT NULL,"
"  notes INTEGER NOT NULL,"
"  PRIMARY KEY (site_id, domain_id)) WITHOUT ROWID;"
"INSERT INTO domain_tally SELECT n.site_id, c.domain_id, count(DISTINCT n.id) FROM note n"
"  JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id"
"  WHERE n.deleted_at IS NULL GROUP BY n.site_id, c.domain_id;"
/* The first tag of a domain counts the note there; later ones do not. */
"CREATE TRIGGER domain_tally_tag AFTER INSERT ON note_cluster BEGIN"
"  INSERT INTO domain_tally SELECT n.site_id, c.domain_id, 1 FROM note n, cluster c"
"    WHERE n.id = new.note_id AND n.deleted_at IS NULL AND c.id = new.cluster_id"
"    AND NOT EXISTS (SELECT 1 FROM note_cluster x JOIN cluster y ON y.id = x.cluster_id"
"      WHERE x.note_id = new.note_id AND x.cluster_id <> new.cluster_id AND y.domain_id = c.domain_id)"
"    ON CONFLICT DO UPDATE SET notes = notes + 1;"
"END;"
/* The last tag of a domain going uncounts it (a note deleted outright is
 * handled by its own trigger, before its tags cascade). */
"CREATE TRIGGER domain_tally_untag AFTER DELETE ON note_cluster BEGIN"
"  UPDATE domain_tally SET notes = notes - 1"
"    WHERE (site_id, domain_id) = (SELECT n.site_id, c.domain_id FROM note n, cluster c"
"      WHERE n.id = old.note_id AND n.deleted_at IS NULL AND c.id = old.cluster_id)"
"    AND NOT EXISTS (SELECT 1 FROM note_cluster x JOIN cluster y ON y.id = x.cluster_id"
"      WHERE x.note_id = old.note_id AND y.domain_id = domain_tally.domain_id);"
"END;"
"CREATE TRIGGER domain_tally_note_delete BEFORE DELETE ON note WHEN old.deleted_at IS NULL BEGIN"
"  UPDATE domain_tally SET notes = notes - 1 WHERE site_id = old.site_id AND domain_id IN"
"    (SELECT c.domain_id FROM note_cluster nc JOIN cluster c ON c.id = nc.cluster_id WHERE nc.note_id = old.id);"
"END;"
"CREATE TRIGGER domain_tally_note_change AFTER UPDATE OF deleted_at, site_id ON note BEGIN"
"  UPDATE domain_tally SET notes = notes - 1 WHERE old.deleted_at IS NULL AND site_id = old.site_id"
"    AND domain_id IN (SELECT c.domain_id FROM note_cluster nc JOIN cluster c ON c.id = nc.cluster_id"
"      WHERE nc.note_id = old.id);"
"  INSERT INTO domain_tally SELECT DISTINCT new.site_id, c.domain_id, 1 FROM note_cluster nc"
"    JOIN cluster c ON c.id = nc.cluster_id WHERE nc.note_id = new.id AND new.deleted_at IS NULL"
"    ON CONFLICT DO UPDATE SET notes = notes + 1;"
"END;";

/* Identity from the operating system: a person may carry a Unix login (one
 * person per login in a review), and every change records the login and uid
 * of the process that made it. */
static const char migration_identity[] =
"ALTER TABLE person ADD COLUMN login TEXT;"
"CREATE UNIQUE INDEX person_login ON person(review_id, login) WHERE login IS NOT NULL;"
"ALTER TABLE change_log ADD COLUMN login TEXT;"
"ALTER TABLE change_log ADD COLUMN uid INTEGER;";
/* Findings released to principals by the lead: per site, or the whole review. */
static const char migration_released[] =
"ALTER TABLE site ADD COLUMN released INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE review ADD COLUMN released INTEGER NOT NULL DEFAULT 0;";

/* A site's live notes of each cluster in time order, kept by triggers for the
 * evidence list of one site and cluster (the rubric's E): its page reads these
 * rows in order instead of testing each of the site's notes for the cluster
 * (on the ten-times review, 1,900 pages read became 230). Derived like the
 * tallies: never synced nor logged; `qrel check` compares it with a recount. */
static const char migration_note_cluster_time[] =
"CREATE TABLE note_cluster_time ("
"  site_id INTEGER NOT NULL,"
"  cluster_id INTEGER NOT NULL,"
"  created_at TEXT NOT NULL,"
"  note_id INTEGER NOT NULL,"
"  PRIMARY KEY (site_id, cluster_id, created_at, note_id)) WITHOUT ROWID;"
"INSERT INTO note_cluster_time SELECT n.site_id, nc.cluster_id, n.created_at, n.id FROM note n"
"  JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL ORDER BY 1, 2, 3, 4;"
/* An import of notes fills it once, before its commit (import.c, note_fts_paused). */
"CREATE TRIGGER note_cluster_time_tag AFTER INSERT ON note_cluster"
"  WHEN NOT EXISTS (SELECT 1 FROM note_fts_paused) BEGIN"
"  INSERT OR IGNORE INTO note_cluster_time SELECT site_id, new.cluster_id, created_at, id FROM note"
"    WHERE id = new.note_id AND deleted_at IS NULL;"
"END;"
/* A note deleted outright has gone by then: its own trigger took its rows. */
"CREATE TRIGGER note_cluster_time_untag AFTER DELETE ON note_cluster BEGIN"
"  DELETE FROM note_cluster_time WHERE cluster_id = old.cluster_id AND note_id = old.note_id"
"    AND (site_id, created_at) = (SELECT site_id, created_at FROM note WHERE id = old.note_id);"
"END;"
"CREATE TRIGGER note_cluster_time_note_delete BEFORE DELETE ON note BEGIN"
"  DELETE FROM note_cluster_time WHERE site_id = old.site_id AND created_at = old.created_at"
"    AND note_id = old.id AND cluster_id IN (SELECT cluster_id FROM note_cluster WHERE note_id = old.id);"
"END;"
"CREATE TRIGGER note_cluster_time_note_change AFTER UPDATE OF deleted_at, site_id, created_at ON note BEGIN"
"  DELETE FROM note_cluster_time WHERE site_id = old.site_id AND created_at = old.created_at"
"    AND note_id = old.id AND cluster_id IN (SELECT cluster_id FROM note_cluster WHERE note_id = old.id);"
"  INSERT OR IGNORE INTO note_cluster_time SELECT new.site_id, cluster_id, new.created_at, new.id"
"    FROM note_cluster WHERE note_id = new.id AND new.deleted_at IS NULL;"
"END;";

const char *const schema_migrations[] = {
	migration_1,
	plan_migration,
	sync_migration,
	migration_note_activity,
	migration_evidence_tally,
	migration_change_log_time,
	migration_state_rows,
	migration_domain_tally,
	migration_identity,
	sync_key_migration,
	migration_released,
	findings_migration,
	fieldwork_migration,
	sync_findings_migration,
	voice_migration,
	sync_fieldwork_migration,
	sync_voice_migration,
	import_migration,
	subgroup_kept_migration,
	migration_note_cluster_time,
};

const size_t schema_migration_count = sizeof(schema_migrations) / sizeof(schema_migrations[0]);

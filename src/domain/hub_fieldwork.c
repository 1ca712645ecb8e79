/* hub_fieldwork.c: the fieldwork tables on the hub (activities with their
 * schedule and stakeholder voice, the document register and the notes citing
 * it, note groups, survey results and response rates, deleted rows): the hub
 * migration that holds them with their rules, and their push and pull, merged
 * as bundles merge them (sync.c). */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"
#include "qrel/sync.h"
#include "qrel/util.h"
#include "qrel/voice.h"

#define DEFINER " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hub, pg_catalog"
#define TRIGGER_FN " LANGUAGE plpgsql SECURITY DEFINER SET search_path = hub, pg_catalog"
#define OWNED "  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE," \
	"  pushed_by text NOT NULL REFERENCES hub.person(uuid),"
#define SEQ "  seq bigint NOT NULL DEFAULT nextval('hub.seq')"

#define GUARDED(t) \
	"CREATE TRIGGER " t "_guard BEFORE INSERT OR UPDATE ON hub." t " FOR EACH ROW EXECUTE FUNCTION hub.field_guard();" \
	"CREATE TRIGGER " t "_logged AFTER INSERT OR UPDATE ON hub." t " FOR EACH ROW EXECUTE FUNCTION hub.field_logged();" \
	"ALTER TABLE hub." t " ENABLE ROW LEVEL SECURITY;"
#define FIELD_POLICIES(t, what) \
	"CREATE POLICY visible ON hub." t " FOR SELECT USING (hub.field_visible(review, site, pushed_by));" \
	"CREATE POLICY writable ON hub." t " FOR INSERT WITH CHECK (hub.field_writable(review, site, '" what "'));" \
	"CREATE POLICY rewritable ON hub." t " FOR UPDATE USING (hub.field_visible(review, site, pushed_by)" \
	"  AND hub.field_writable(review, site, '" what "')) WITH CHECK (hub.field_writable(review, site, '" what "'));"
/* A note's citations and groups: read with the note, written by who may write it. */
#define NOTE_POLICIES(t) \
	"CREATE POLICY visible ON hub." t " FOR SELECT USING (hub.note_visible(review, site, author));" \
	"CREATE POLICY writable ON hub." t " FOR INSERT WITH CHECK (hub.note_writable(review, site, author));"


/* Rows keep the uuids of the copies they come from, sites and people by uuid;
 * pushed_by: the person whose push wrote the row last (a pull applies it as
 * theirs, as a bundle's rows are its exporter's). A note's citations and
 * groups carry the note's site and author, which decide who reads them. */
const char hub_fieldwork_migration[] =
"CREATE TABLE hub.activity ("
"  uuid text PRIMARY KEY," OWNED
"  site text NOT NULL REFERENCES hub.site(uuid),"
"  source text NOT NULL,"
"  held_at text NOT NULL,"
"  description text NOT NULL DEFAULT '',"
"  facilitator text,"
"  status text NOT NULL DEFAULT 'done' CHECK (status IN ('planned', 'done')),"
"  reviewers text NOT NULL DEFAULT '',"
"  participants int CHECK (participants IS NULL OR participants > 0),"
"  language text NOT NULL DEFAULT '',"
"  interpreter int NOT NULL DEFAULT 0 CHECK (interpreter IN (0, 1)),"
"  groups text NOT NULL DEFAULT ''," SEQ ");"
"CREATE TABLE hub.document ("
"  uuid text PRIMARY KEY," OWNED
"  site text REFERENCES hub.site(uuid),"
"  title text NOT NULL CHECK (title <> ''),"
"  owner text NOT NULL DEFAULT '',"
"  status text NOT NULL CHECK (status IN ('requested', 'received', 'reviewed')),"
"  requested_at text NOT NULL,"
"  received_at text,"
"  link text NOT NULL DEFAULT '',"
"  updated_at text NOT NULL,"
"  version bigint NOT NULL DEFAULT 1," SEQ ");"
"CREATE TABLE hub.note_document ("
"  note text NOT NULL REFERENCES hub.note(uuid) ON DELETE CASCADE,"
"  document text NOT NULL REFERENCES hub.document(uuid) ON DELETE CASCADE," OWNED
"  site text NOT NULL,"
"  author text NOT NULL," SEQ ","
"  PRIMARY KEY (note, document));"
"CREATE TABLE hub.note_group ("
"  note text NOT NULL REFERENCES hub.note(uuid) ON DELETE CASCADE,"
"  grp text NOT NULL," OWNED
"  site text NOT NULL,"
"  author text NOT NULL," SEQ ","
"  PRIMARY KEY (note, grp));"
"CREATE TABLE hub.survey_item ("
"  uuid text PRIMARY KEY," OWNED
"  site text NOT NULL REFERENCES hub.site(uuid),"
"  instrument text NOT NULL,"
"  item text NOT NULL,"
"  cluster text,"
"  grp text NOT NULL,"
"  subgroup text NOT NULL DEFAULT '',"
"  responses int NOT NULL CHECK (responses >= 0),"
"  favourable int NOT NULL CHECK (favourable >= 0 AND favourable <= responses),"
"  options text NOT NULL DEFAULT '',"
"  updated_at text NOT NULL," SEQ ","
"  UNIQUE (site, instrument, item, grp, subgroup));"
"CREATE TABLE hub.survey_rate ("
"  uuid text PRIMARY KEY," OWNED
"  site text NOT NULL REFERENCES hub.site(uuid),"
"  instrument text NOT NULL,"
"  grp text NOT NULL,"
"  invited int NOT NULL CHECK (invited >= 0),"
"  responded int NOT NULL CHECK (responded >= 0 AND responded <= invited),"
"  updated_at text NOT NULL," SEQ ","
"  UNIQUE (site, instrument, grp));"
/* A deleted row's uuid, as a bundle's gone table: every copy that pulls it removes the row. */
"CREATE TABLE hub.gone ("
"  entity text NOT NULL,"
"  uuid text NOT NULL," OWNED SEQ ","
"  PRIMARY KEY (review, entity, uuid));"
"CREATE INDEX activity_seq ON hub.activity(review, seq);"
"CREATE INDEX document_seq ON hub.document(review, seq);"
"CREATE INDEX note_document_seq ON hub.note_document(review, seq);"
"CREATE INDEX note_group_seq ON hub.note_group(review, seq);"
"CREATE INDEX survey_item_seq ON hub.survey_item(review, seq);"
"CREATE INDEX survey_rate_seq ON hub.survey_rate(review, seq);"
"CREATE INDEX gone_seq ON hub.gone(review, seq);"
/* A document conflict a push met is kept as a note's or a score's is. */
"ALTER TABLE hub.conflict DROP CONSTRAINT conflict_entity_check;"
"ALTER TABLE hub.conflict ADD CONSTRAINT conflict_entity_check CHECK (entity IN ('note', 'score', 'document'));"
/* VISIBILITY for fieldwork: every member but a principal reads it; a
 * principal what they pushed at their school, and the rest there once
 * released (never a review-wide document). gate.c: activities and documents
 * (GATE_ACTIVITY) by all but observers, a principal at their school only;
 * survey data (GATE_DATA) by the lead. */
"CREATE FUNCTION hub.field_visible(r text, s text, pusher text) RETURNS boolean AS $$"
"  SELECT CASE WHEN m.uuid IS NULL THEN false"
"    WHEN m.role <> 'principal' THEN true"
"    ELSE coalesce(s = m.site AND (pusher = m.uuid OR hub.released(s)), false) END"
"  FROM (SELECT (hub.me(r)).*) m $$" DEFINER ";"
"CREATE FUNCTION hub.field_writable(r text, s text, what text) RETURNS boolean AS $$"
"  SELECT coalesce(m.role <> 'observer'"
"    AND (what <> 'data' OR m.role = 'lead')"
"    AND (m.role <> 'principal' OR s = m.site)"
"    AND (s IS NULL OR EXISTS (SELECT 1 FROM hub.site x WHERE x.uuid = s AND x.review = r)), false)"
"  FROM (SELECT (hub.me(r)).*) m $$" DEFINER ";"
/* SYNC_DOCUMENT_VALUE's text, as SQLite's json_array writes it. */
"CREATE FUNCTION hub.document_value(x hub.document) RETURNS text AS"
"  $$ SELECT x.status || '|' || coalesce(x.received_at, '') || '|[' || to_json(x.title)::text || ','"
"     || to_json(x.owner)::text || ',' || to_json(x.link)::text || ']' $$ LANGUAGE sql IMMUTABLE;"
/* What no writer may do (move a row, write at a locked site or in a locked
 * review, cite another review's note), who pushed it, and a fresh seq. A
 * change of seq alone (a release sending rows again) passes. */
"CREATE FUNCTION hub.field_guard() RETURNS trigger AS $$"
"DECLARE s text; n hub.note;"
"BEGIN"
"  IF TG_OP = 'UPDATE' AND to_jsonb(new) - 'seq' = to_jsonb(old) - 'seq' THEN RETURN new; END IF;"
"  IF TG_TABLE_NAME IN ('note_document', 'note_group') THEN"
"    SELECT * INTO n FROM hub.note WHERE uuid = new.note;"
"    IF n.uuid IS NULL OR n.review <> new.review THEN"
"      RAISE EXCEPTION 'note % is not in review %', new.note, new.review USING ERRCODE = '23503';"
"    END IF;"
"    new.site := n.site;"
"    new.author := n.author;"
"  END IF;"
"  s := to_jsonb(new) ->> 'site';"
"  IF TG_OP = 'UPDATE' AND (to_jsonb(new) ->> 'uuid', new.review, s) IS DISTINCT FROM"
"    (to_jsonb(old) ->> 'uuid', old.review, to_jsonb(old) ->> 'site') THEN"
"    RAISE EXCEPTION 'a row of % keeps its uuid, review and site', TG_TABLE_NAME USING ERRCODE = '42501';"
"  END IF;"
"  IF s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hub.site WHERE uuid = s AND review = new.review) THEN"
"    RAISE EXCEPTION 'site % is not in review %', s, new.review USING ERRCODE = '23503';"
"  END IF;"
"  IF NOT hub.is_admin() AND (CASE WHEN s IS NULL"
"    THEN coalesce((SELECT locked FROM hub.review WHERE uuid = new.review), true) ELSE hub.locked(s) END) THEN"
"    RAISE EXCEPTION 'site % is locked: its %s can no longer be changed',"
"      coalesce((SELECT code FROM hub.site WHERE uuid = s), '(the review)'), TG_TABLE_NAME USING ERRCODE = '42501';"
"  END IF;"
"  new.pushed_by := coalesce((hub.me(new.review)).uuid, new.pushed_by);"
"  new.seq := nextval('hub.seq');"
"  RETURN new;"
"END $$" TRIGGER_FN ";"
/* The change log: who (the login) changed what, as for notes and scores. */
"CREATE FUNCTION hub.field_logged() RETURNS trigger AS $$"
"DECLARE was text; now_ text; j jsonb := to_jsonb(new);"
"BEGIN"
"  now_ := (j - 'seq' - 'pushed_by' - 'review')::text;"
"  IF TG_OP = 'UPDATE' THEN was := (to_jsonb(old) - 'seq' - 'pushed_by' - 'review')::text; END IF;"
"  IF was IS NOT DISTINCT FROM now_ THEN RETURN NULL; END IF;"
"  INSERT INTO hub.change_log(review, person, entity, entity_uuid, field, old, new)"
"    VALUES (new.review, (hub.me(new.review)).uuid, TG_TABLE_NAME,"
"      coalesce(j ->> 'uuid', j ->> 'note'), 'hub push', was, now_);"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
/* A release or a lock changes what a pull brings: the rows there go again. */
"CREATE FUNCTION hub.field_resend() RETURNS trigger AS $$"
"DECLARE t text;"
"BEGIN"
"  FOREACH t IN ARRAY ARRAY['activity', 'document', 'note_document', 'note_group', 'survey_item', 'survey_rate'] LOOP"
"    EXECUTE format('UPDATE hub.%I SET seq = nextval(''hub.seq'') WHERE %I = $1', t,"
"      CASE TG_TABLE_NAME WHEN 'site' THEN 'site' ELSE 'review' END) USING new.uuid;"
"  END LOOP;"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
/* A deletion the hub holds the row of takes it away, when the pusher may write it. */
"CREATE FUNCTION hub.gone_applied() RETURNS trigger AS $$"
"BEGIN"
"  IF new.entity IN ('activity', 'document', 'survey_item', 'survey_rate') THEN"
"    EXECUTE format('DELETE FROM hub.%I x WHERE uuid = $1 AND review = $2 AND (hub.is_admin() OR "
"      hub.field_writable(review, x.site, %L))', new.entity, CASE WHEN new.entity LIKE 'survey%' THEN 'data'"
"      ELSE 'fieldwork' END) USING new.uuid, new.review;"
"  END IF;"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
GUARDED("activity") GUARDED("document") GUARDED("note_document") GUARDED("note_group")
GUARDED("survey_item") GUARDED("survey_rate")
"CREATE TRIGGER gone_guard BEFORE INSERT ON hub.gone FOR EACH ROW EXECUTE FUNCTION hub.field_guard();"
"CREATE TRIGGER gone_applied AFTER INSERT ON hub.gone FOR EACH ROW EXECUTE FUNCTION hub.gone_applied();"
"ALTER TABLE hub.gone ENABLE ROW LEVEL SECURITY;"
"CREATE TRIGGER field_site_resend AFTER UPDATE OF locked, released ON hub.site FOR EACH ROW"
"  WHEN ((old.locked, old.released) IS DISTINCT FROM (new.locked, new.released))"
"  EXECUTE FUNCTION hub.field_resend();"
"CREATE TRIGGER field_review_resend AFTER UPDATE OF locked, released ON hub.review FOR EACH ROW"
"  WHEN ((old.locked, old.released) IS DISTINCT FROM (new.locked, new.released))"
"  EXECUTE FUNCTION hub.field_resend();"
"GRANT SELECT, INSERT, UPDATE ON hub.activity, hub.document, hub.survey_item, hub.survey_rate TO qrel_member;"
"GRANT SELECT, INSERT ON hub.note_document, hub.note_group, hub.gone TO qrel_member;"
FIELD_POLICIES("activity", "fieldwork") FIELD_POLICIES("document", "fieldwork")
FIELD_POLICIES("survey_item", "data") FIELD_POLICIES("survey_rate", "data")
NOTE_POLICIES("note_document") NOTE_POLICIES("note_group")
"CREATE POLICY member_reads ON hub.gone FOR SELECT USING (hub.member(review));"
"CREATE POLICY writable ON hub.gone FOR INSERT WITH CHECK (coalesce((hub.me(review)).role <> 'observer', false));";

/* ---- push ---- */

/* Each table: the bundle's rows (?1 the review) as one JSON array, the
 * tables of the bundle it needs (empty fieldwork tables are left out of it),
 * and one statement that writes them ($1 the review, $2 the array, $3 the
 * pusher) returning how many rows it sent, wrote new, changed, and found
 * changed that the login may not change. */
struct field_push {
	const char *what, *needs;
	const char *rows;
	const char *write;
};

#define X(cols) "x AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(" cols ")), "
/* Rows new to the hub go in where the login may write them; the others of the
 * copy (an export sends them all the first time) stay out, as a bundle's rows
 * the importer holds already change nothing. */
#define MAY(what) "(hub.is_admin() OR hub.field_writable($1, x.site, '" what "'))"
#define PUSHER "coalesce($3, (hub.me($1)).uuid)"
#define COUNTS(sent, denied) "SELECT (SELECT count(*) FROM " sent "), (SELECT count(*) FROM i), " \
	"(SELECT count(*) FROM u), " denied

/* A note's citation or group goes in when the login may write the note. */
#define NOTE_MAY "(hub.is_admin() OR hub.note_writable($1, n.site, n.author))"
#define NO_UPDATE "u AS (SELECT 1 WHERE false) "

static const struct field_push pushes[] = {
	/* Activities are added, and marked done; voice fills in what the hub lacks (as a bundle's add-only rows). */
	{ "activities", "activity",
	  "SELECT json_group_array(json_object('uuid', a.uuid, 'site', s.uuid, 'source', a.source, 'held_at', "
	  "a.held_at, 'description', a.description, 'facilitator', f.name, 'status', a.status, 'reviewers', a.reviewers, "
	  "'participants', a.participants, 'language', a.language, 'interpreter', a.interpreter, 'groups', "
	  "coalesce((SELECT group_concat(grp, ',') FROM (SELECT grp FROM main.activity_group g "
	  "WHERE g.activity_id = a.id ORDER BY grp)), ''))) FROM bundle.activity b JOIN main.activity a "
	  "ON a.uuid = b.uuid AND a.review_id = ?1 JOIN main.site s ON s.id = a.site_id "
	  "LEFT JOIN main.person f ON f.id = a.facilitator_id",
	  "WITH " X("uuid text, site text, source text, held_at text, description text, facilitator text, status text, "
		  "reviewers text, participants int, language text, interpreter int, groups text")
	  "i AS (INSERT INTO hub.activity(uuid, review, pushed_by, site, source, held_at, description, facilitator, "
	  "status, reviewers, participants, language, interpreter, groups) SELECT uuid, $1, " PUSHER ", site, source, "
	  "held_at, description, facilitator, status, reviewers, participants, language, interpreter, groups FROM x "
	  "WHERE " MAY("fieldwork") " AND NOT EXISTS (SELECT 1 FROM hub.activity a WHERE a.uuid = x.uuid) "
	  "ON CONFLICT (uuid) DO NOTHING RETURNING 1), "
	  "n AS (SELECT * FROM (SELECT x.uuid, CASE WHEN x.status = 'done' THEN 'done' ELSE a.status END AS st, "
	  "coalesce(a.participants, x.participants) AS pa, CASE a.language WHEN '' THEN x.language ELSE a.language END "
	  "AS la, greatest(a.interpreter, x.interpreter) AS it, CASE a.groups WHEN '' THEN x.groups ELSE a.groups END "
	  "AS gr, (a.status, a.participants, a.language, a.interpreter, a.groups) AS was FROM x "
	  "JOIN hub.activity a ON a.uuid = x.uuid WHERE " MAY("fieldwork") ") y "
	  "WHERE (st, pa, la, it, gr) IS DISTINCT FROM was), "
	  "u AS (UPDATE hub.activity a SET status = n.st, participants = n.pa, language = n.la, interpreter = n.it, "
	  "groups = n.gr FROM n WHERE a.uuid = n.uuid RETURNING 1) "
	  COUNTS("x", "(SELECT count(*) FROM n) - (SELECT count(*) FROM u)") },
	/* Documents merge as notes do: three ways against the hub's value, a conflict kept for the lead. */
	{ "documents", "document",
	  "SELECT json_group_array(json_object('uuid', b.uuid, 'site', s.uuid, 'title', b.title, 'owner', "
	  "coalesce(b.owner, ''), 'status', b.status, 'requested_at', b.requested_at, 'received_at', b.received_at, "
	  "'link', coalesce(b.link, ''), 'updated_at', b.updated_at, 'version', b.version, 'value', "
	  SYNC_DOCUMENT_VALUE("b") ", 'base', b.base)) FROM bundle.document b "
	  "LEFT JOIN main.site s ON s.review_id = ?1 AND s.code = b.site",
	  "WITH " X("uuid text, site text, title text, owner text, status text, requested_at text, received_at text, "
		  "link text, updated_at text, version bigint, value text, base text")
	  "a AS (SELECT x.*, CASE WHEN d.uuid IS NULL THEN 'insert' WHEN x.value = hub.document_value(d) THEN 'same' "
	  "WHEN x.base IS NOT NULL AND x.base <> hub.document_value(d) THEN 'conflict' "
	  "WHEN x.base = hub.document_value(d) OR x.version > d.version THEN 'take' "
	  "WHEN x.version < d.version THEN 'stale' ELSE 'conflict' END AS act, hub.document_value(d) AS hv "
	  "FROM x LEFT JOIN hub.document d ON d.uuid = x.uuid), "
	  "i AS (INSERT INTO hub.document(uuid, review, pushed_by, site, title, owner, status, requested_at, received_at, "
	  "link, updated_at, version) SELECT uuid, $1, " PUSHER ", site, title, owner, status, requested_at, "
	  "received_at, link, updated_at, version FROM a x WHERE act = 'insert' AND " MAY("fieldwork") " "
	  "ON CONFLICT (uuid) DO NOTHING RETURNING 1), "
	  "u AS (UPDATE hub.document d SET title = a.title, owner = a.owner, status = a.status, "
	  "received_at = a.received_at, link = a.link, updated_at = a.updated_at, "
	  "version = greatest(d.version + 1, a.version) FROM a WHERE a.act = 'take' AND d.uuid = a.uuid RETURNING 1), "
	  "c AS (INSERT INTO hub.conflict(review, entity, uuid, hub_value, pushed_value, pushed_version) "
	  "SELECT $1, 'document', uuid, hv, value, version FROM a WHERE act = 'conflict' ON CONFLICT DO NOTHING "
	  "RETURNING 1) " COUNTS("a", "(SELECT count(*) FROM a WHERE act = 'take') - (SELECT count(*) FROM u), "
	  "(SELECT count(*) FROM c)") },
	/* A note's citations and groups only add, as a bundle's do. */
	{ "citations", "note_document",
	  "SELECT json_group_array(json_object('note', note, 'document', document)) FROM bundle.note_document",
	  "WITH " X("note text, document text")
	  "i AS (INSERT INTO hub.note_document(note, document, review, pushed_by) SELECT x.note, x.document, $1, "
	  PUSHER " FROM x JOIN hub.note n ON n.uuid = x.note AND n.review = $1 JOIN hub.document d "
	  "ON d.uuid = x.document AND d.review = $1 WHERE " NOTE_MAY " AND NOT EXISTS (SELECT 1 "
	  "FROM hub.note_document t WHERE t.note = x.note AND t.document = x.document) ON CONFLICT DO NOTHING "
	  "RETURNING 1), " NO_UPDATE COUNTS("x", "0") },
	{ "note groups", "note",
	  "SELECT json_group_array(json_object('note', b.uuid, 'grp', g.grp)) FROM bundle.note b "
	  "JOIN main.note n ON n.uuid = b.uuid JOIN main.note_group g ON g.note_id = n.id",
	  "WITH " X("note text, grp text")
	  "i AS (INSERT INTO hub.note_group(note, grp, review, pushed_by) SELECT x.note, x.grp, $1, " PUSHER " FROM x "
	  "JOIN hub.note n ON n.uuid = x.note AND n.review = $1 WHERE " NOTE_MAY " AND NOT EXISTS (SELECT 1 "
	  "FROM hub.note_group t WHERE t.note = x.note AND t.grp = x.grp) ON CONFLICT DO NOTHING RETURNING 1), "
	  NO_UPDATE COUNTS("x", "0") },
	/* A removed citation takes the hub's away (hub.unlink's trigger), once. */
	{ "removed citations", "unlink",
	  "SELECT json_group_array(json_object('owner', owner, 'target', target)) FROM bundle.unlink "
	  "WHERE link = 'note_document'",
	  "WITH " X("owner text, target text")
	  "i AS (INSERT INTO hub.unlink(link, owner, target, review, pushed_by, site, author) SELECT 'note_document', "
	  "x.owner, x.target, $1, " PUSHER ", n.site, n.author FROM x JOIN hub.note n ON n.uuid = x.owner "
	  "AND n.review = $1 WHERE " NOTE_MAY " AND NOT EXISTS (SELECT 1 FROM hub.unlink t WHERE t.link = "
	  "'note_document' AND t.owner = x.owner AND t.target = x.target) ON CONFLICT DO NOTHING RETURNING 1), "
	  NO_UPDATE COUNTS("x", "0") },
	/* Survey results and rates: the later one wins, matched by uuid or what they are of. */
	{ "survey results", "survey_item",
	  "SELECT json_group_array(json_object('uuid', b.uuid, 'site', s.uuid, 'instrument', b.instrument, 'item', "
	  "b.item, 'cluster', b.cluster, 'grp', b.grp, 'subgroup', coalesce(b.subgroup, ''), 'responses', b.responses, "
	  "'favourable', b.favourable, 'options', coalesce(b.options, ''), 'updated_at', b.updated_at)) "
	  "FROM bundle.survey_item b JOIN main.site s ON s.review_id = ?1 AND s.code = b.site",
	  "WITH " X("uuid text, site text, instrument text, item text, cluster text, grp text, subgroup text, "
		  "responses int, favourable int, options text, updated_at text")
	  "u AS (UPDATE hub.survey_item s SET cluster = x.cluster, responses = x.responses, favourable = x.favourable, "
	  "options = x.options, updated_at = x.updated_at FROM x WHERE (s.uuid = x.uuid OR (s.site = x.site "
	  "AND s.instrument = x.instrument AND s.item = x.item AND s.grp = x.grp AND s.subgroup = x.subgroup)) "
	  "AND x.updated_at > s.updated_at RETURNING 1), "
	  "i AS (INSERT INTO hub.survey_item(uuid, review, pushed_by, site, instrument, item, cluster, grp, subgroup, "
	  "responses, favourable, options, updated_at) SELECT uuid, $1, " PUSHER ", site, instrument, item, cluster, "
	  "grp, subgroup, responses, favourable, options, updated_at FROM x WHERE " MAY("data") " AND NOT EXISTS "
	  "(SELECT 1 FROM hub.survey_item s WHERE s.uuid = x.uuid OR (s.site = x.site AND s.instrument = x.instrument "
	  "AND s.item = x.item AND s.grp = x.grp AND s.subgroup = x.subgroup)) ON CONFLICT DO NOTHING RETURNING 1) "
	  COUNTS("x", "0") },
	{ "response rates", "survey_rate",
	  "SELECT json_group_array(json_object('uuid', b.uuid, 'site', s.uuid, 'instrument', b.instrument, 'grp', "
	  "b.grp, 'invited', b.invited, 'responded', b.responded, 'updated_at', b.updated_at)) "
	  "FROM bundle.survey_rate b JOIN main.site s ON s.review_id = ?1 AND s.code = b.site",
	  "WITH " X("uuid text, site text, instrument text, grp text, invited int, responded int, updated_at text")
	  "u AS (UPDATE hub.survey_rate s SET invited = x.invited, responded = x.responded, updated_at = x.updated_at "
	  "FROM x WHERE (s.uuid = x.uuid OR (s.site = x.site AND s.instrument = x.instrument AND s.grp = x.grp)) "
	  "AND x.updated_at > s.updated_at RETURNING 1), "
	  "i AS (INSERT INTO hub.survey_rate(uuid, review, pushed_by, site, instrument, grp, invited, responded, "
	  "updated_at) SELECT uuid, $1, " PUSHER ", site, instrument, grp, invited, responded, updated_at FROM x "
	  "WHERE " MAY("data") " AND NOT EXISTS (SELECT 1 FROM hub.survey_rate s WHERE s.uuid = x.uuid OR "
	  "(s.site = x.site AND s.instrument = x.instrument AND s.grp = x.grp)) ON CONFLICT DO NOTHING RETURNING 1) "
	  COUNTS("x", "0") },
	/* Deletions, as a bundle's gone table carries them. */
	{ "deletions", "gone",
	  "SELECT json_group_array(json_object('entity', entity, 'uuid', uuid)) FROM bundle.gone",
	  "WITH " X("entity text, uuid text")
	  "i AS (INSERT INTO hub.gone(review, entity, uuid, pushed_by) SELECT $1, entity, uuid, " PUSHER " FROM x "
	  "WHERE (hub.is_admin() OR coalesce((hub.me($1)).role <> 'observer', false)) "
	  "AND NOT EXISTS (SELECT 1 FROM hub.gone g WHERE g.review = $1 AND g.entity = x.entity AND g.uuid = x.uuid) "
	  "ON CONFLICT DO NOTHING RETURNING 1), " NO_UPDATE COUNTS("x", "0") },
};

static int
push_one(PGconn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher, const struct field_push *f,
	 struct hub_sync_stats *st)
{
	const char *p[3] = { uuid, NULL, pusher };
	sqlite3_stmt *q;
	PGresult *r = NULL;
	long long denied;
	int rc;

	if (!hub_bundle_has(db, f->needs))
		return QREL_OK;
	if (sqlite3_prepare_v2(db_handle(db), f->rows, -1, &q, NULL) != SQLITE_OK)
		return db_fail(db, "reading the fieldwork to push");
	sqlite3_bind_int64(q, 1, review);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return db_fail(db, "reading the fieldwork to push");
	}
	p[1] = db_col_text(q, 0);
	if (strcmp(p[1], "[]") != 0 && (rc = hub_query(pg, f->write, 3, p, f->what, &r)) == QREL_OK) {
		st->sent += atoll(PQgetvalue(r, 0, 0));
		st->inserted += atoll(PQgetvalue(r, 0, 1));
		st->updated += atoll(PQgetvalue(r, 0, 2));
		denied = atoll(PQgetvalue(r, 0, 3));
		st->unchanged += atoll(PQgetvalue(r, 0, 0)) - atoll(PQgetvalue(r, 0, 1)) - atoll(PQgetvalue(r, 0, 2));
		if (PQnfields(r) > 4)
			st->conflicts += atoll(PQgetvalue(r, 0, 4));
		PQclear(r);
		if (denied > 0)
			rc = error(QREL_DENIED, "the hub refused %s: this login may not change %lld of them (role, own "
				   "school); nothing was pushed", f->what, denied);
	} else if (strcmp(p[1], "[]") == 0)
		rc = QREL_OK;
	sqlite3_finalize(q);
	return rc;
}

int
hub_fieldwork_push(PGconn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher,
		   struct hub_sync_stats *st)
{
	char id[64] = "";
	sqlite3_stmt *q;
	int rc = QREL_OK;

	/* The seed names its pusher (the lead); a push is the login's. */
	if (pusher && (q = db_stmt(db, "SELECT uuid FROM person WHERE review_id = ?1 AND name = ?2"))) {
		sqlite3_bind_int64(q, 1, review);
		db_bind_text(q, 2, pusher);
		if (sqlite3_step(q) == SQLITE_ROW)
			snprintf(id, sizeof(id), "%s", db_col_text(q, 0));
		sqlite3_reset(q);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pushes) && rc == QREL_OK; i++)
		rc = push_one(pg, db, review, uuid, *id ? id : NULL, &pushes[i], st);
	return rc;
}

/* ---- pull ---- */

/* Each table: what changed since $2 that the login reads ($1 the review), the
 * pusher's name first; and how its rows go into a bundle (?N: column N). */
static const struct hub_pull pulls[] = {
	{ HUB_FIELD_BEFORE, "activities",
	  "SELECT p.name, a.uuid, s.code, a.source, a.held_at, a.description, a.facilitator, a.status, a.reviewers, "
	  "a.participants, a.language, a.interpreter, a.groups FROM hub.activity a JOIN hub.site s ON s.uuid = a.site "
	  "JOIN hub.person p ON p.uuid = a.pushed_by WHERE a.review = $1 AND a.seq > $2::bigint ORDER BY p.name, a.uuid",
	  { "INSERT INTO bundle.activity(uuid, site, source, held_at, description, facilitator) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    "INSERT INTO bundle.activity_plan(uuid, status, reviewers) VALUES (?1, ?7, ?8)" } },
	{ HUB_FIELD_BEFORE, "documents",
	  "SELECT p.name, d.uuid, s.code, d.title, d.owner, d.status, d.requested_at, d.received_at, d.link, "
	  "d.updated_at, d.version FROM hub.document d LEFT JOIN hub.site s ON s.uuid = d.site "
	  "JOIN hub.person p ON p.uuid = d.pushed_by WHERE d.review = $1 AND d.seq > $2::bigint ORDER BY p.name, d.uuid",
	  { "INSERT INTO bundle.document(uuid, site, title, owner, status, requested_at, received_at, link, updated_at, "
	    "version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" } },
	{ HUB_FIELD_BEFORE, "survey results",
	  "SELECT p.name, i.uuid, s.code, i.instrument, i.item, i.cluster, i.grp, i.subgroup, i.responses, "
	  "i.favourable, i.options, i.updated_at FROM hub.survey_item i JOIN hub.site s ON s.uuid = i.site "
	  "JOIN hub.person p ON p.uuid = i.pushed_by WHERE i.review = $1 AND i.seq > $2::bigint ORDER BY p.name, i.uuid",
	  { "INSERT INTO bundle.survey_item(uuid, site, instrument, item, cluster, grp, subgroup, responses, "
	    "favourable, options, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)" } },
	{ HUB_FIELD_BEFORE, "response rates",
	  "SELECT p.name, r.uuid, s.code, r.instrument, r.grp, r.invited, r.responded, r.updated_at "
	  "FROM hub.survey_rate r JOIN hub.site s ON s.uuid = r.site JOIN hub.person p ON p.uuid = r.pushed_by "
	  "WHERE r.review = $1 AND r.seq > $2::bigint ORDER BY p.name, r.uuid",
	  { "INSERT INTO bundle.survey_rate(uuid, site, instrument, grp, invited, responded, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" } },
	{ HUB_FIELD_AFTER, "citations",
	  "SELECT p.name, c.note, c.document FROM hub.note_document c JOIN hub.person p ON p.uuid = c.pushed_by "
	  "WHERE c.review = $1 AND c.seq > $2::bigint ORDER BY p.name, c.note, c.document",
	  { "INSERT INTO bundle.note_document(note, document) VALUES (?1, ?2)" } },
	{ HUB_FIELD_AFTER, "removed citations",
	  "SELECT p.name, u.owner, u.target FROM hub.unlink u JOIN hub.person p ON p.uuid = u.pushed_by "
	  "WHERE u.review = $1 AND u.seq > $2::bigint ORDER BY p.name, u.owner, u.target",
	  { "INSERT INTO bundle.unlink(link, owner, target) VALUES ('note_document', ?1, ?2)" } },
	{ HUB_FIELD_AFTER, "deletions",
	  "SELECT p.name, g.uuid, g.entity FROM hub.gone g JOIN hub.person p ON p.uuid = g.pushed_by "
	  "WHERE g.review = $1 AND g.seq > $2::bigint ORDER BY p.name, g.entity, g.uuid",
	  { "INSERT INTO bundle.gone(uuid, entity) VALUES (?1, ?2)" } },
};

/* ---- stakeholder voice: what a bundle does not carry, filled in as the pusher ---- */

/* The local row (id, site, and owner where it has one) for a uuid, 0 when this copy lacks it. */
static int64_t
local_row(struct db *db, const char *sql, int64_t review, const char *uuid, int64_t *site, int64_t *owner)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = 0;

	if (!st)
		return -1;
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*site = sqlite3_column_int64(st, 1);
		*owner = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return id;
}

/* Through the gate as pusher, in a transaction: an activity's voice or a note's groups. */
static int
write_voice(struct db *db, int64_t review, const char *pusher, const struct gate_write *w, int64_t id,
	    const struct voice_input *in, const char *note_groups)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor_remote(db, review, pusher, &a)) != QREL_OK || (rc = gate_check(db, review, &a, w)) != QREL_OK ||
	    (rc = db_begin(db)) != QREL_OK)
		return rc;
	rc = note_groups ? voice_write_note(db, review, pusher, id, note_groups) :
	     voice_write_activity(db, review, pusher, id, in);
	if (rc == QREL_OK)
		return db_commit(db);
	db_rollback(db);
	return rc;
}

/* An activity's participants, language, interpreter and groups the copy lacks. */
static int
activity_voice(struct db *db, int64_t review, PGresult *r, int i)
{
	struct gate_write w = { .what = GATE_ACTIVITY };
	struct voice_input in = { 0 };
	struct voice_activity v;
	int64_t owner, id = local_row(db, "SELECT id, site_id, 0 FROM activity WHERE uuid = ?1 AND review_id = ?2",
				      review, PQgetvalue(r, i, 1), &w.site, &owner);
	int rc;

	if (id <= 0)
		return id < 0 ? QREL_DB : QREL_OK;
	if ((rc = voice_activity_get(db, id, &v)) != QREL_OK)
		return rc;
	if (!v.participants && !PQgetisnull(r, i, 9))
		in.participants = atoi(PQgetvalue(r, i, 9));
	if (!*v.language && *PQgetvalue(r, i, 10))
		in.language = PQgetvalue(r, i, 10);
	if (!v.interpreter && strcmp(PQgetvalue(r, i, 11), "1") == 0)
		in.interpreter = 1;
	if (!*v.groups && *PQgetvalue(r, i, 12))
		in.groups = PQgetvalue(r, i, 12);
	if (!in.participants && !in.language && !in.interpreter && !in.groups)
		return QREL_OK;
	return write_voice(db, review, PQgetvalue(r, i, 0), &w, id, &in, NULL);
}

/* A note's groups: those of the hub join the copy's (groups only add, as citations do). */
static int
note_groups(struct db *db, int64_t review, PGresult *r, int i)
{
	struct gate_write w = { .what = GATE_NOTE };
	char mine[VOICE_LIST_MAX], both[2 * VOICE_LIST_MAX + 2], norm[VOICE_LIST_MAX];
	int64_t id = local_row(db, "SELECT id, site_id, author_id FROM note WHERE uuid = ?1 AND review_id = ?2", review,
			       PQgetvalue(r, i, 1), &w.site, &w.owner);
	int rc;

	if (id <= 0)
		return id < 0 ? QREL_DB : QREL_OK;
	if ((rc = voice_note_groups(db, id, mine, sizeof(mine))) != QREL_OK)
		return rc;
	snprintf(both, sizeof(both), "%s%s%s", mine, *mine ? "," : "", PQgetvalue(r, i, 2));
	if ((rc = voice_parse(db, review, both, norm, sizeof(norm))) != QREL_OK || strcmp(norm, mine) == 0)
		return rc;
	return write_voice(db, review, PQgetvalue(r, i, 0), &w, id, NULL, norm);
}

static const char pull_note_groups[] =
	"SELECT max(p.name), g.note, string_agg(g.grp, ',' ORDER BY g.grp) FROM hub.note_group g "
	"JOIN hub.person p ON p.uuid = g.pushed_by WHERE g.review = $1 AND g.note IN "
	"(SELECT note FROM hub.note_group WHERE review = $1 AND seq > $2::bigint) GROUP BY g.note ORDER BY g.note";

/* ---- the pull ---- */

/* The phase's rows changed since seq that the login reads, with the pushes to the review waited for. */
static int
fetch(PGconn *pg, const char *uuid, long long seq, enum hub_field_phase phase, PGresult **res, PGresult **groups)
{
	char s[32];
	const char *p[2] = { uuid, s };
	int rc;

	snprintf(s, sizeof(s), "%lld", seq);
	if ((rc = hub_exec(pg, "BEGIN READ ONLY", "starting the pull")) != QREL_OK)
		return rc;
	rc = hub_query(pg, "SELECT pg_advisory_xact_lock_shared(7135002, hashtext($1))", 1, p, "locking the review", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(pulls) && rc == QREL_OK; i++)
		if (pulls[i].phase == (int)phase)
			rc = hub_query(pg, pulls[i].read, 2, p, pulls[i].what, &res[i]);
	if (rc == QREL_OK && phase == HUB_FIELD_AFTER)
		rc = hub_query(pg, pull_note_groups, 2, p, "note groups", groups);
	hub_rollback(pg);
	return rc;
}

int
hub_fieldwork_pull(PGconn *pg, struct db *db, int64_t review, const char *who, const char *uuid, long long seq,
		   enum hub_field_phase phase, struct hub_sync_stats *st)
{
	PGresult *res[ARRAY_SIZE(pulls)] = { 0 }, *groups = NULL, *act;
	int rc = fetch(pg, uuid, seq, phase, res, &groups);

	for (size_t i = 0; i < ARRAY_SIZE(pulls) && rc == QREL_OK; i++)
		st->received += res[i] ? PQntuples(res[i]) : 0;
	if (rc == QREL_OK)
		rc = hub_import_pushers(db, review, who, uuid, pulls, ARRAY_SIZE(pulls), res, (int)phase, st);
	act = res[0];
	for (int i = 0; rc == QREL_OK && act && i < PQntuples(act); i++)
		rc = activity_voice(db, review, act, i);
	for (int i = 0; rc == QREL_OK && groups && i < PQntuples(groups); i++)
		rc = note_groups(db, review, groups, i);
	for (size_t i = 0; i < ARRAY_SIZE(pulls); i++)
		if (res[i])
			PQclear(res[i]);
	if (groups)
		PQclear(groups);
	return rc;
}

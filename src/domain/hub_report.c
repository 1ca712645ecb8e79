/* hub_report.c: the written report on the hub: findings with the notes,
 * survey items and subgroup rows they cite, recommendations with the findings
 * they answer and the plan objective each became, and the report's status
 * and executive summary. The hub migration that holds them with their rules,
 * and their push and pull, merged as bundles merge them (sync.c). */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/findings.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"
#include "qrel/hub_report.h"
#include "qrel/sync.h"
#include "qrel/util.h"


#define DEFINER " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hub, pg_catalog"
#define TRIGGER_FN " LANGUAGE plpgsql SECURITY DEFINER SET search_path = hub, pg_catalog"
#define OWNED "  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE," \
	"  pushed_by text NOT NULL REFERENCES hub.person(uuid),"
#define SEQ "  seq bigint NOT NULL DEFAULT nextval('hub.seq')"

#define GUARDED(t) \
	"CREATE TRIGGER " t "_guard BEFORE INSERT OR UPDATE ON hub." t " FOR EACH ROW EXECUTE FUNCTION hub.report_guard();" \
	"CREATE TRIGGER " t "_logged AFTER INSERT OR UPDATE ON hub." t " FOR EACH ROW EXECUTE FUNCTION hub.report_logged();" \
	"ALTER TABLE hub." t " ENABLE ROW LEVEL SECURITY;"
/* s: the row's site column, or NULL for a review-wide table. */
#define ROW_POLICIES(t, s) \
	"CREATE POLICY visible ON hub." t " FOR SELECT USING (hub.report_visible(review, " s "));" \
	"CREATE POLICY writable ON hub." t " FOR INSERT WITH CHECK (hub.report_writable(review, " s "));"
#define UPDATE_POLICY(t, s) \
	"CREATE POLICY rewritable ON hub." t " FOR UPDATE USING (hub.report_visible(review, " s "))" \
	"  WITH CHECK (hub.report_writable(review, " s "));"
#define UNLINK_POLICY(t, s) \
	"CREATE POLICY unlinkable ON hub." t " FOR DELETE USING (hub.report_writable(review, " s "));"

/* Rows keep the uuids of the copies they come from; sites and people by
 * uuid, domains and clusters by code. A finding's citations carry its site,
 * which decides who reads them. A finding's subgroup rows travel as a
 * bundle's do (codes, char 31 between parts, char 30 between rows). */
const char hub_report_migration[] =
"CREATE TABLE hub.report ("
"  review text PRIMARY KEY REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  pushed_by text NOT NULL REFERENCES hub.person(uuid),"
"  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),"
"  summary text NOT NULL DEFAULT ''," SEQ ");"
"CREATE TABLE hub.finding ("
"  uuid text PRIMARY KEY," OWNED
"  site text REFERENCES hub.site(uuid),"
"  domain text NOT NULL CHECK (domain <> ''),"
"  cluster text,"
"  author text REFERENCES hub.person(uuid),"
"  kind text NOT NULL CHECK (kind IN ('strength', 'growth')),"
"  text text NOT NULL CHECK (text <> ''),"
"  subgroups text NOT NULL DEFAULT '',"
"  created_at text NOT NULL,"
"  updated_at text NOT NULL,"
"  version bigint NOT NULL DEFAULT 1," SEQ ","
"  FOREIGN KEY (review, cluster) REFERENCES hub.cluster(review, code));"
"CREATE TABLE hub.finding_note ("
"  finding text NOT NULL REFERENCES hub.finding(uuid) ON DELETE CASCADE,"
"  note text NOT NULL REFERENCES hub.note(uuid) ON DELETE CASCADE,"
"  stakeholder text NOT NULL DEFAULT ''," OWNED
"  site text," SEQ ","
"  PRIMARY KEY (finding, note));"
"CREATE TABLE hub.finding_survey ("
"  finding text NOT NULL REFERENCES hub.finding(uuid) ON DELETE CASCADE,"
"  survey text NOT NULL REFERENCES hub.survey_item(uuid) ON DELETE CASCADE," OWNED
"  site text," SEQ ","
"  PRIMARY KEY (finding, survey));"
"CREATE TABLE hub.recommendation ("
"  uuid text PRIMARY KEY," OWNED
"  number int NOT NULL CHECK (number >= 1),"
"  priority text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),"
"  title text NOT NULL CHECK (title <> ''),"
"  text text NOT NULL DEFAULT '',"
"  stakeholders text NOT NULL DEFAULT '',"
"  author text REFERENCES hub.person(uuid),"
"  objective text,"
"  created_at text NOT NULL,"
"  updated_at text NOT NULL,"
"  version bigint NOT NULL DEFAULT 1," SEQ ");"
"CREATE TABLE hub.rec_finding ("
"  recommendation text NOT NULL REFERENCES hub.recommendation(uuid) ON DELETE CASCADE,"
"  finding text NOT NULL REFERENCES hub.finding(uuid) ON DELETE CASCADE," OWNED SEQ ","
"  PRIMARY KEY (recommendation, finding));"
/* A citation or link removed (sync_unlink in a copy), so the removal travels. */
"CREATE TABLE hub.report_unlink ("
"  link text NOT NULL CHECK (link IN ('finding_note', 'finding_survey', 'recommendation_finding')),"
"  owner text NOT NULL,"
"  target text NOT NULL," OWNED
"  site text," SEQ ","
"  PRIMARY KEY (link, owner, target));"
"CREATE INDEX report_unlink_seq ON hub.report_unlink(review, seq);"
"CREATE INDEX finding_seq ON hub.finding(review, seq);"
"CREATE INDEX finding_note_seq ON hub.finding_note(review, seq);"
"CREATE INDEX finding_survey_seq ON hub.finding_survey(review, seq);"
"CREATE INDEX recommendation_seq ON hub.recommendation(review, seq);"
"CREATE INDEX rec_finding_seq ON hub.rec_finding(review, seq);"
/* A finding or recommendation conflict a push met is kept as a note's is. */
"ALTER TABLE hub.conflict DROP CONSTRAINT conflict_entity_check;"
"ALTER TABLE hub.conflict ADD CONSTRAINT conflict_entity_check"
"  CHECK (entity IN ('note', 'score', 'document', 'finding', 'recommendation'));"
"CREATE FUNCTION hub.report_final(r text) RETURNS boolean AS"
"  $$ SELECT coalesce((SELECT status = 'final' FROM hub.report WHERE review = r), false) $$" DEFINER ";"
/* VISIBILITY for the written report (findings_readable in findings_read.c):
 * the team (lead, reviewers, observers) reads all of it; a principal once the
 * lead released the whole review, or released their school: that school's
 * findings and the review-wide ones (s NULL), the recommendations and the
 * report; no one else. */
"CREATE FUNCTION hub.report_visible(r text, s text) RETURNS boolean AS $$"
"  SELECT CASE WHEN m.uuid IS NULL THEN false"
"    WHEN m.role <> 'principal' THEN true"
"    ELSE coalesce((SELECT released FROM hub.review WHERE uuid = r), false)"
"      OR (hub.released(m.site) AND (s IS NULL OR s = m.site)) END"
"  FROM hub.me(r) m $$" DEFINER ";"
/* gate.c's GATE_FINDING: the lead and reviewers draft findings and
 * recommendations; findings.c: nothing changes a final report but the lead's
 * (who reopens it). Locks are the guard's. */
"CREATE FUNCTION hub.report_writable(r text, s text) RETURNS boolean AS $$"
"  SELECT coalesce(m.role IN ('lead', 'reviewer')"
"    AND (m.role = 'lead' OR NOT hub.report_final(r))"
"    AND (s IS NULL OR EXISTS (SELECT 1 FROM hub.site x WHERE x.uuid = s AND x.review = r)), false)"
"  FROM hub.me(r) m $$" DEFINER ";"
/* SYNC_FINDING_VALUE's and SYNC_REC_VALUE's text, as SQLite writes them. */
"CREATE FUNCTION hub.finding_value(x hub.finding) RETURNS text AS"
"  $$ SELECT x.kind || '||' || x.text $$ LANGUAGE sql IMMUTABLE;"
"CREATE FUNCTION hub.rec_value(x hub.recommendation) RETURNS text AS"
"  $$ SELECT x.priority || '||[' || to_json(x.title)::text || ',' || to_json(x.text)::text || ','"
"     || to_json(x.stakeholders)::text || ']' $$ LANGUAGE sql IMMUTABLE;"
/* What no writer may do whatever the policies say: move a row, link across
 * reviews, write at a locked site or in a locked review, change a final
 * report unless the lead, finalise or write the summary unless the lead.
 * Who pushed it, and a fresh seq; a change of seq alone (a release sending
 * rows again) passes. */
"CREATE FUNCTION hub.report_guard() RETURNS trigger AS $$"
"DECLARE s text; f hub.finding;"
"BEGIN"
"  IF TG_OP = 'UPDATE' AND to_jsonb(new) - 'seq' = to_jsonb(old) - 'seq' THEN RETURN new; END IF;"
"  IF TG_TABLE_NAME IN ('finding_note', 'finding_survey', 'rec_finding') THEN"
"    SELECT * INTO f FROM hub.finding WHERE uuid = new.finding;"
"    IF f.uuid IS NULL OR f.review <> new.review THEN"
"      RAISE EXCEPTION 'finding % is not in review %', new.finding, new.review USING ERRCODE = '23503';"
"    END IF;"
"    IF TG_TABLE_NAME = 'rec_finding' THEN"
"      IF NOT EXISTS (SELECT 1 FROM hub.recommendation WHERE uuid = new.recommendation AND review = new.review) THEN"
"        RAISE EXCEPTION 'recommendation % is not in review %', new.recommendation, new.review USING ERRCODE = '23503';"
"      END IF;"
"    ELSE"
"      new.site := f.site;"
"    END IF;"
"    IF TG_TABLE_NAME = 'finding_note' THEN"
"      IF NOT EXISTS (SELECT 1 FROM hub.note WHERE uuid = new.note AND review = new.review) THEN"
"        RAISE EXCEPTION 'note % is not in review %', new.note, new.review USING ERRCODE = '23503';"
"      END IF;"
"    END IF;"
"  END IF;"
"  s := to_jsonb(new) ->> 'site';"
"  IF TG_OP = 'UPDATE' AND (to_jsonb(new) ->> 'uuid', new.review, s) IS DISTINCT FROM"
"    (to_jsonb(old) ->> 'uuid', old.review, to_jsonb(old) ->> 'site') THEN"
"    RAISE EXCEPTION 'a row of % keeps its uuid, review and site', TG_TABLE_NAME USING ERRCODE = '42501';"
"  END IF;"
"  IF s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hub.site WHERE uuid = s AND review = new.review) THEN"
"    RAISE EXCEPTION 'site % is not in review %', s, new.review USING ERRCODE = '23503';"
"  END IF;"
"  IF NOT hub.is_admin() THEN"
"    IF TG_TABLE_NAME = 'report' THEN"
"      IF NOT hub.is_lead(new.review) THEN"
"        RAISE EXCEPTION 'only the lead finalises the report, reopens it or writes its summary' USING ERRCODE = '42501';"
"      END IF;"
"    ELSIF (CASE WHEN s IS NULL THEN coalesce((SELECT locked FROM hub.review WHERE uuid = new.review), true)"
"      ELSE hub.locked(s) END) THEN"
"      RAISE EXCEPTION 'site % is locked: its %s can no longer be changed',"
"        coalesce((SELECT code FROM hub.site WHERE uuid = s), '(the review)'), TG_TABLE_NAME USING ERRCODE = '42501';"
"    ELSIF hub.report_final(new.review) AND NOT hub.is_lead(new.review) THEN"
"      RAISE EXCEPTION 'the report is final: only the lead changes its %s', TG_TABLE_NAME USING ERRCODE = '42501';"
"    END IF;"
"  END IF;"
"  new.pushed_by := coalesce((hub.me(new.review)).uuid, new.pushed_by);"
"  new.seq := nextval('hub.seq');"
"  RETURN new;"
"END $$" TRIGGER_FN ";"
/* The change log: who (the login) changed what. */
"CREATE FUNCTION hub.report_logged() RETURNS trigger AS $$"
"DECLARE was text; now_ text; j jsonb := to_jsonb(new);"
"BEGIN"
"  now_ := (j - 'seq' - 'pushed_by' - 'review')::text;"
"  IF TG_OP = 'UPDATE' THEN was := (to_jsonb(old) - 'seq' - 'pushed_by' - 'review')::text; END IF;"
"  IF was IS NOT DISTINCT FROM now_ THEN RETURN NULL; END IF;"
"  INSERT INTO hub.change_log(review, person, entity, entity_uuid, field, old, new)"
"    VALUES (new.review, (hub.me(new.review)).uuid, TG_TABLE_NAME,"
"      coalesce(j ->> 'uuid', j ->> 'finding', new.review), 'hub push', was, now_);"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
/* A release changes what a principal's pull brings: the school's findings,
 * and the review-wide ones, the recommendations and the report, go again. */
"CREATE FUNCTION hub.report_resend() RETURNS trigger AS $$"
"DECLARE r text := coalesce(to_jsonb(new) ->> 'review', new.uuid);"
"BEGIN"
"  IF TG_TABLE_NAME = 'site' THEN"
"    UPDATE hub.finding SET seq = nextval('hub.seq') WHERE site = new.uuid OR (review = r AND site IS NULL);"
"  ELSE"
"    UPDATE hub.finding SET seq = nextval('hub.seq') WHERE review = r;"
"  END IF;"
"  UPDATE hub.recommendation SET seq = nextval('hub.seq') WHERE review = r;"
"  UPDATE hub.report SET seq = nextval('hub.seq') WHERE review = r;"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
/* A deletion the hub holds the row of takes it away, when the pusher may write it. */
"CREATE OR REPLACE FUNCTION hub.gone_applied() RETURNS trigger AS $$"
"BEGIN"
"  IF new.entity IN ('activity', 'document', 'survey_item', 'survey_rate') THEN"
"    EXECUTE format('DELETE FROM hub.%I x WHERE uuid = $1 AND review = $2 AND (hub.is_admin() OR "
"      hub.field_writable(review, x.site, %L))', new.entity, CASE WHEN new.entity LIKE 'survey%' THEN 'data'"
"      ELSE 'fieldwork' END) USING new.uuid, new.review;"
"  ELSIF new.entity = 'finding' THEN"
"    DELETE FROM hub.finding x WHERE uuid = new.uuid AND review = new.review"
"      AND (hub.is_admin() OR hub.report_writable(review, x.site));"
"  ELSIF new.entity = 'recommendation' THEN"
"    DELETE FROM hub.recommendation x WHERE uuid = new.uuid AND review = new.review"
"      AND (hub.is_admin() OR hub.report_writable(review, NULL));"
"  END IF;"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
/* Which of a copy's findings and recommendations the hub holds (those it
 * does not are the copy's own, not yet pushed), for a pull that forgets what
 * the login no longer reads. */
"CREATE FUNCTION hub.report_existing(r text, ids text[]) RETURNS SETOF text AS"
"  $$ SELECT uuid FROM hub.finding WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.recommendation WHERE review = r AND uuid = ANY(ids) AND hub.member(r) $$" DEFINER ";"
"GRANT EXECUTE ON FUNCTION hub.report_existing(text, text[]) TO qrel_member;"
GUARDED("report") GUARDED("finding") GUARDED("finding_note") GUARDED("finding_survey")
GUARDED("recommendation") GUARDED("rec_finding")
"CREATE TRIGGER report_unlink_guard BEFORE INSERT OR UPDATE ON hub.report_unlink FOR EACH ROW EXECUTE FUNCTION hub.report_guard();"
"ALTER TABLE hub.report_unlink ENABLE ROW LEVEL SECURITY;"
"GRANT SELECT, INSERT, UPDATE ON hub.report_unlink TO qrel_member;"
ROW_POLICIES("report_unlink", "site") UPDATE_POLICY("report_unlink", "site")
"CREATE TRIGGER report_site_resend AFTER UPDATE OF released ON hub.site FOR EACH ROW"
"  WHEN (old.released IS DISTINCT FROM new.released) EXECUTE FUNCTION hub.report_resend();"
"CREATE TRIGGER report_review_resend AFTER UPDATE OF released ON hub.review FOR EACH ROW"
"  WHEN (old.released IS DISTINCT FROM new.released) EXECUTE FUNCTION hub.report_resend();"
"GRANT SELECT, INSERT, UPDATE ON hub.report, hub.finding, hub.recommendation TO qrel_member;"
"GRANT SELECT, INSERT, DELETE ON hub.finding_note, hub.finding_survey, hub.rec_finding TO qrel_member;"
"CREATE POLICY visible ON hub.report FOR SELECT USING (hub.report_visible(review, NULL));"
"CREATE POLICY writable ON hub.report FOR INSERT WITH CHECK (hub.is_lead(review));"
"CREATE POLICY rewritable ON hub.report FOR UPDATE USING (hub.report_visible(review, NULL))"
"  WITH CHECK (hub.is_lead(review));"
ROW_POLICIES("finding", "site") UPDATE_POLICY("finding", "site")
ROW_POLICIES("recommendation", "NULL") UPDATE_POLICY("recommendation", "NULL")
ROW_POLICIES("finding_note", "site") UNLINK_POLICY("finding_note", "site")
ROW_POLICIES("finding_survey", "site") UNLINK_POLICY("finding_survey", "site")
ROW_POLICIES("rec_finding", "NULL") UNLINK_POLICY("rec_finding", "NULL");

/* ---- push ---- */

/* Each table: the bundle's rows (?1 the review) as one JSON array, the
 * bundle table it needs (empty ones are left out of a bundle), and one
 * statement that writes them ($1 the review, $2 the array, $3 the pusher,
 * $4 the uuids the statement before wrote, when params is 4) returning how
 * many rows it sent, wrote new, changed, was refused, met in conflict, and
 * the uuids written (an array, or NULL). */
struct report_push {
	const char *what, *needs;
	const char *rows;
	const char *write;
	int params;
};

#define X(cols) "x AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(" cols ")), "
#define MAY(site) "(hub.is_admin() OR hub.report_writable($1, " site "))"
#define PUSHER "coalesce($3, (hub.me($1)).uuid)"
/* Three ways against the hub's value, as hub_sync.c's hub_decide: a conflict kept for the lead. */
#define DECIDE(value, t) "CASE WHEN " t ".uuid IS NULL THEN 'insert' WHEN x.value = " value " THEN 'same' " \
	"WHEN x.base IS NOT NULL AND x.base <> " value " THEN 'conflict' " \
	"WHEN x.base = " value " OR x.version > " t ".version THEN 'take' " \
	"WHEN x.version < " t ".version THEN 'stale' ELSE 'conflict' END AS act, " value " AS hv"
#define CONFLICTS(entity) "c AS (INSERT INTO hub.conflict(review, entity, uuid, hub_value, pushed_value, " \
	"pushed_version) SELECT $1, '" entity "', uuid, hv, value, version FROM a WHERE act = 'conflict' AND may " \
	"ON CONFLICT DO NOTHING RETURNING 1) "
/* Refused: a change the hub should take that a reviewer may not make (the
 * report is final); an observer's or a principal's stays out, as new rows do. */
#define COUNTS "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM i), (SELECT count(*) FROM u), " \
	"(SELECT count(*) FROM a WHERE act = 'take' AND NOT may AND coalesce((hub.me($1)).role IN ('lead', 'reviewer'), " \
	"false)), (SELECT count(*) FROM c), " \
	"(SELECT array_agg(uuid) FROM (SELECT uuid FROM i UNION ALL SELECT uuid FROM u) w)::text"
#define ADDED "SELECT (SELECT count(*) FROM x), (SELECT count(*) FROM i), (SELECT count(*) FROM d), 0, 0, NULL::text"
/* A written row's links are the copy's (those it lacks go); others' only add. */
#define LINKS(table, owner, item, split) \
	"l AS (SELECT x.uuid AS " owner ", " split " FROM x CROSS JOIN LATERAL " \
	"unnest(string_to_array(nullif(x.links, ''), chr(30))) AS e), " \
	"d AS (DELETE FROM hub." table " t WHERE t.review = $1 AND t." owner " = ANY ($4::text[]) AND NOT EXISTS " \
	"(SELECT 1 FROM l WHERE l." owner " = t." owner " AND l." item " = t." item ") RETURNING 1), "

static const struct report_push pushes[] = {
	{ "findings", "finding",
	  "SELECT json_group_array(json_object('uuid', b.uuid, 'site', s.uuid, 'domain', b.domain, 'cluster', b.cluster, "
	  "'author', p.uuid, 'kind', b.kind, 'text', b.text, 'subgroups', coalesce(b.subgroups, ''), 'created_at', "
	  "b.created_at, 'updated_at', b.updated_at, 'version', b.version, 'value', " SYNC_FINDING_VALUE("b") ", "
	  "'base', b.base, 'links', coalesce(b.notes, ''))) FROM bundle.finding b "
	  "LEFT JOIN main.site s ON s.review_id = ?1 AND s.code = b.site "
	  "LEFT JOIN main.person p ON p.review_id = ?1 AND p.name = b.author",
	  "WITH " X("uuid text, site text, domain text, cluster text, author text, kind text, text text, subgroups text, "
		  "created_at text, updated_at text, version bigint, value text, base text")
	  "a AS (SELECT x.*, " DECIDE("hub.finding_value(f)", "f") ", " MAY("x.site") " AS may "
	  "FROM x LEFT JOIN hub.finding f ON f.uuid = x.uuid), "
	  "i AS (INSERT INTO hub.finding(uuid, review, pushed_by, site, domain, cluster, author, kind, text, subgroups, "
	  "created_at, updated_at, version) SELECT uuid, $1, " PUSHER ", site, domain, cluster, author, kind, text, "
	  "subgroups, created_at, updated_at, version FROM a WHERE act = 'insert' AND may "
	  "ON CONFLICT (uuid) DO NOTHING RETURNING uuid), "
	  "u AS (UPDATE hub.finding f SET kind = a.kind, text = a.text, subgroups = a.subgroups, updated_at = a.updated_at, "
	  "version = greatest(f.version + 1, a.version) FROM a WHERE a.act = 'take' AND a.may AND f.uuid = a.uuid "
	  "RETURNING f.uuid), " CONFLICTS("finding") COUNTS, 3 },
	{ "findings' notes", "finding",
	  "SELECT json_group_array(json_object('uuid', uuid, 'links', coalesce(notes, ''))) FROM bundle.finding",
	  "WITH " X("uuid text, links text")
	  LINKS("finding_note", "finding", "note", "split_part(e, chr(31), 1) AS note, split_part(e, chr(31), 2) AS stakeholder")
	  "i AS (INSERT INTO hub.finding_note(finding, note, stakeholder, review, pushed_by) SELECT l.finding, l.note, "
	  "l.stakeholder, $1, " PUSHER " FROM l JOIN hub.finding f ON f.uuid = l.finding AND f.review = $1 "
	  "JOIN hub.note n ON n.uuid = l.note AND n.review = $1 WHERE " MAY("f.site") " "
	  "ON CONFLICT DO NOTHING RETURNING 1) " ADDED, 4 },
	{ "findings' survey items", "finding_survey",
	  "SELECT json_group_array(json_object('finding', finding, 'survey', survey)) FROM bundle.finding_survey",
	  "WITH " X("finding text, survey text")
	  "i AS (INSERT INTO hub.finding_survey(finding, survey, review, pushed_by) SELECT x.finding, x.survey, $1, "
	  PUSHER " FROM x JOIN hub.finding f ON f.uuid = x.finding AND f.review = $1 JOIN hub.survey_item s "
	  "ON s.uuid = x.survey AND s.review = $1 WHERE " MAY("f.site") " AND NOT EXISTS (SELECT 1 FROM "
	  "hub.finding_survey t WHERE t.finding = x.finding AND t.survey = x.survey) ON CONFLICT DO NOTHING RETURNING 1), "
	  "d AS (SELECT 1 WHERE false) " ADDED, 3 },
	{ "recommendations", "recommendation",
	  "SELECT json_group_array(json_object('uuid', b.uuid, 'number', b.number, 'priority', b.priority, 'title', "
	  "b.title, 'text', coalesce(b.text, ''), 'stakeholders', coalesce(b.stakeholders, ''), 'author', p.uuid, "
	  "'created_at', b.created_at, 'updated_at', b.updated_at, 'version', b.version, 'value', "
	  SYNC_REC_VALUE("b") ", 'base', b.base)) FROM bundle.recommendation b "
	  "LEFT JOIN main.person p ON p.review_id = ?1 AND p.name = b.author",
	  "WITH " X("uuid text, number int, priority text, title text, text text, stakeholders text, author text, "
		  "created_at text, updated_at text, version bigint, value text, base text")
	  "a AS (SELECT x.*, " DECIDE("hub.rec_value(r)", "r") ", " MAY("NULL") " AS may "
	  "FROM x LEFT JOIN hub.recommendation r ON r.uuid = x.uuid), "
	  "i AS (INSERT INTO hub.recommendation(uuid, review, pushed_by, number, priority, title, text, stakeholders, "
	  "author, created_at, updated_at, version) SELECT uuid, $1, " PUSHER ", number, priority, title, text, "
	  "stakeholders, author, created_at, updated_at, version FROM a WHERE act = 'insert' AND may "
	  "ON CONFLICT (uuid) DO NOTHING RETURNING uuid), "
	  "u AS (UPDATE hub.recommendation r SET priority = a.priority, title = a.title, text = a.text, "
	  "stakeholders = a.stakeholders, updated_at = a.updated_at, version = greatest(r.version + 1, a.version) "
	  "FROM a WHERE a.act = 'take' AND a.may AND r.uuid = a.uuid RETURNING r.uuid), "
	  CONFLICTS("recommendation") COUNTS, 3 },
	{ "recommendations' findings", "recommendation",
	  "SELECT json_group_array(json_object('uuid', uuid, 'links', coalesce(findings, ''))) "
	  "FROM bundle.recommendation",
	  "WITH " X("uuid text, links text")
	  LINKS("rec_finding", "recommendation", "finding", "e AS finding")
	  "i AS (INSERT INTO hub.rec_finding(recommendation, finding, review, pushed_by) SELECT l.recommendation, "
	  "l.finding, $1, " PUSHER " FROM l JOIN hub.recommendation r ON r.uuid = l.recommendation AND r.review = $1 "
	  "JOIN hub.finding f ON f.uuid = l.finding AND f.review = $1 WHERE " MAY("NULL") " "
	  "ON CONFLICT DO NOTHING RETURNING 1) " ADDED, 4 },
	/* The plan objective a recommendation became: set once, as a bundle's import links it. */
	{ "recommendations' objectives", "rec_objective",
	  "SELECT json_group_array(json_object('uuid', uuid, 'objective', objective)) FROM bundle.rec_objective",
	  "WITH " X("uuid text, objective text")
	  "i AS (UPDATE hub.recommendation r SET objective = x.objective FROM x WHERE r.uuid = x.uuid AND r.review = $1 "
	  "AND r.objective IS NULL AND x.objective IS NOT NULL AND " MAY("NULL") " AND $3::text IS NOT DISTINCT FROM $3 "
	  "RETURNING 1), d AS (SELECT 1 WHERE false) " ADDED, 3 },
	/* Citations and links removed: gone from the hub, and kept so the removal reaches the other copies. */
	{ "removed citations", "unlink",
	  "SELECT json_group_array(json_object('link', link, 'owner', owner, 'target', target)) FROM bundle.unlink "
	  "WHERE link IN ('finding_note', 'finding_survey', 'recommendation_finding')",
	  "WITH " X("link text, owner text, target text")
	  "dn AS (DELETE FROM hub.finding_note t USING x, hub.finding f WHERE x.link = 'finding_note' AND t.finding = "
	  "x.owner AND t.note = x.target AND f.uuid = t.finding AND t.review = $1 AND " MAY("f.site") " "
	  "RETURNING x.link, x.owner, x.target, f.site), "
	  "ds AS (DELETE FROM hub.finding_survey t USING x, hub.finding f WHERE x.link = 'finding_survey' AND t.finding = "
	  "x.owner AND t.survey = x.target AND f.uuid = t.finding AND t.review = $1 AND " MAY("f.site") " "
	  "RETURNING x.link, x.owner, x.target, f.site), "
	  "dr AS (DELETE FROM hub.rec_finding t USING x WHERE x.link = 'recommendation_finding' AND t.recommendation = "
	  "x.owner AND t.finding = x.target AND t.review = $1 AND " MAY("NULL") " "
	  "RETURNING x.link, x.owner, x.target, NULL::text AS site), "
	  "i AS (INSERT INTO hub.report_unlink(link, owner, target, review, pushed_by, site) SELECT g.link, g.owner, g.target, "
	  "$1, " PUSHER ", g.site FROM (SELECT * FROM dn UNION ALL SELECT * FROM ds UNION ALL SELECT * FROM dr) g "
	  "ON CONFLICT (link, owner, target) DO UPDATE SET pushed_by = excluded.pushed_by, seq = nextval('hub.seq') "
	  "RETURNING 1), d AS (SELECT 1 WHERE false) " ADDED, 3 },
};

/* One table's rows; *written (malloc'd, or NULL) the uuids it wrote, for the links after it. */
static int
push_one(PGconn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher, const struct report_push *f,
	 char **written, struct hub_sync_stats *st)
{
	const char *p[4] = { uuid, NULL, pusher, *written ? *written : "{}" };
	sqlite3_stmt *q;
	PGresult *r = NULL;
	long long denied;
	int rc = QREL_OK;

	if (!hub_bundle_has(db, f->needs))
		return QREL_OK;
	if (sqlite3_prepare_v2(db_handle(db), f->rows, -1, &q, NULL) != SQLITE_OK)
		return db_fail(db, "reading the report to push");
	sqlite3_bind_int64(q, 1, review);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return db_fail(db, "reading the report to push");
	}
	p[1] = db_col_text(q, 0);
	if (strcmp(p[1], "[]") != 0 && (rc = hub_query(pg, f->write, f->params, p, f->what, &r)) == QREL_OK) {
		if (f->params == 3) {
			st->sent += atoll(PQgetvalue(r, 0, 0));
			st->unchanged += atoll(PQgetvalue(r, 0, 0)) - atoll(PQgetvalue(r, 0, 1)) -
					 atoll(PQgetvalue(r, 0, 2));
		}
		st->inserted += atoll(PQgetvalue(r, 0, 1));
		st->updated += atoll(PQgetvalue(r, 0, 2));
		denied = atoll(PQgetvalue(r, 0, 3));
		st->conflicts += atoll(PQgetvalue(r, 0, 4));
		free(*written);
		*written = PQgetisnull(r, 0, 5) ? NULL : xstrdup(PQgetvalue(r, 0, 5));
		PQclear(r);
		if (denied > 0)
			rc = error(QREL_DENIED, "the hub refused %s: this login may not change %lld of them (role, or the "
				   "report is final and only the lead changes it); nothing was pushed", f->what, denied);
	}
	sqlite3_finalize(q);
	return rc;
}

/* The person's uuid here by name ("" when none). */
static void
person_uuid(struct db *db, int64_t review, const char *name, char out[64])
{
	sqlite3_stmt *q = db_stmt(db, "SELECT uuid FROM person WHERE review_id = ?1 AND name = ?2");

	*out = '\0';
	if (!name || !q)
		return;
	sqlite3_bind_int64(q, 1, review);
	db_bind_text(q, 2, name);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(out, 64, "%s", db_col_text(q, 0));
	sqlite3_reset(q);
}

/* The report's status and summary as this copy holds them, when final is
 * whether it is final, by the lead (or the seed). */
static int
push_status(PGconn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher, bool final)
{
	static const char local[] = "SELECT report_status, summary FROM review WHERE id = ?1 AND "
		"(report_status = 'final') = ?2";
	static const char hub[] = "INSERT INTO hub.report(review, pushed_by, status, summary) "
		"SELECT $1, coalesce($4, (hub.me($1)).uuid), $2, $3 WHERE hub.is_admin() OR hub.is_lead($1) "
		"ON CONFLICT (review) DO UPDATE SET status = excluded.status, summary = excluded.summary "
		"WHERE (hub.report.status, hub.report.summary) IS DISTINCT FROM (excluded.status, excluded.summary)";
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (sqlite3_prepare_v2(db_handle(db), local, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "reading the report's status");
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int(st, 2, final);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *p[4] = { uuid, db_col_text(st, 0), db_col_text(st, 1), pusher };
		PGresult *r = NULL;

		if ((rc = hub_query(pg, "SELECT hub.is_admin() OR hub.is_lead($1)", 1, p, "reading who the login is",
				    &r)) == QREL_OK) {
			bool may = strcmp(PQgetvalue(r, 0, 0), "t") == 0;

			PQclear(r);
			if (may)
				rc = hub_query(pg, hub, 4, p, "the report's status", NULL);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
hub_report_push(PGconn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher,
		struct hub_sync_stats *st)
{
	char id[64], *written = NULL;
	int rc;

	/* The seed names its pusher (the lead); a push is the login's. */
	person_uuid(db, review, pusher, id);
	/* A reopened report goes before the rows changed after it, a final one after them. */
	rc = push_status(pg, db, review, uuid, *id ? id : NULL, false);
	for (size_t i = 0; i < ARRAY_SIZE(pushes) && rc == QREL_OK; i++) {
		if (pushes[i].params == 3) {
			free(written);
			written = NULL;
		}
		rc = push_one(pg, db, review, uuid, *id ? id : NULL, &pushes[i], &written, st);
	}
	free(written);
	return rc == QREL_OK ? push_status(pg, db, review, uuid, *id ? id : NULL, true) : rc;
}

/* ---- pull ---- */

/* Changed since $2, or a link of it changed: what the login reads ($1 the review). */
#define SINCE(t, link, key) "(" t ".seq > $2::bigint OR EXISTS (SELECT 1 FROM hub." link " l WHERE l." key " = " t \
	".uuid AND l.seq > $2::bigint))"

/* Removals since $2 of links the hub does not hold again. */
#define UNLINKS(links) "SELECT p.name, u.link, u.owner, u.target FROM hub.report_unlink u JOIN hub.person p " \
	"ON p.uuid = u.pushed_by WHERE u.review = $1 AND u.seq > $2::bigint AND u.link IN (" links ") AND NOT EXISTS " \
	"(SELECT 1 FROM hub.finding_note t WHERE u.link = 'finding_note' AND t.finding = u.owner AND t.note = u.target " \
	"UNION ALL SELECT 1 FROM hub.finding_survey t WHERE u.link = 'finding_survey' AND t.finding = u.owner " \
	"AND t.survey = u.target UNION ALL SELECT 1 FROM hub.rec_finding t WHERE u.link = 'recommendation_finding' " \
	"AND t.recommendation = u.owner AND t.finding = u.target) ORDER BY p.name, u.owner, u.target"

/* Each table: its phase (findings before the recommendations that link
 * them), what changed that the login reads, the pusher's name first; and how
 * its rows go into a bundle (?N: column N). */
static const struct hub_pull pulls[] = {
	{ 0, "findings",
	  "SELECT p.name, f.uuid, s.code, f.domain, f.cluster, a.name, f.kind, f.text, f.created_at, f.updated_at, "
	  "f.version, (SELECT string_agg(n.note || chr(31) || n.stakeholder, chr(30) ORDER BY n.note) "
	  "FROM hub.finding_note n WHERE n.finding = f.uuid), nullif(f.subgroups, '') FROM hub.finding f "
	  "LEFT JOIN hub.site s ON s.uuid = f.site LEFT JOIN hub.person a ON a.uuid = f.author "
	  "JOIN hub.person p ON p.uuid = f.pushed_by WHERE f.review = $1 AND (" SINCE("f", "finding_note", "finding")
	  " OR " SINCE("f", "finding_survey", "finding") ") ORDER BY p.name, f.uuid",
	  { "INSERT INTO bundle.finding(uuid, site, domain, cluster, author, kind, text, created_at, updated_at, "
	    "version, notes, subgroups) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" } },
	{ 0, "findings' survey items",
	  "SELECT p.name, l.finding, l.survey FROM hub.finding_survey l JOIN hub.finding f ON f.uuid = l.finding "
	  "JOIN hub.person p ON p.uuid = f.pushed_by WHERE f.review = $1 AND (" SINCE("f", "finding_note", "finding")
	  " OR " SINCE("f", "finding_survey", "finding") ") ORDER BY p.name, l.finding, l.survey",
	  { "INSERT INTO bundle.finding_survey(finding, survey) VALUES (?1, ?2)" } },
	{ 0, "findings' removed citations", UNLINKS("'finding_note', 'finding_survey'"),
	  { "INSERT INTO bundle.unlink(link, owner, target) VALUES (?1, ?2, ?3)" } },
	{ 1, "recommendations' removed links", UNLINKS("'recommendation_finding'"),
	  { "INSERT INTO bundle.unlink(link, owner, target) VALUES (?1, ?2, ?3)" } },
	{ 1, "recommendations",
	  "SELECT p.name, r.uuid, r.number, r.priority, r.title, r.text, r.stakeholders, a.name, r.created_at, "
	  "r.updated_at, r.version, (SELECT string_agg(l.finding, chr(30) ORDER BY l.finding) FROM hub.rec_finding l "
	  "WHERE l.recommendation = r.uuid), r.objective FROM hub.recommendation r "
	  "LEFT JOIN hub.person a ON a.uuid = r.author JOIN hub.person p ON p.uuid = r.pushed_by "
	  "WHERE r.review = $1 AND " SINCE("r", "rec_finding", "recommendation") " ORDER BY p.name, r.uuid",
	  { "INSERT INTO bundle.recommendation(uuid, number, priority, title, text, stakeholders, author, created_at, "
	    "updated_at, version, findings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	    "INSERT INTO bundle.rec_objective(uuid, objective) SELECT ?1, ?12 WHERE ?12 IS NOT NULL" } },
};

static const char pull_status[] =
	"SELECT p.name, r.status, r.summary FROM hub.report r JOIN hub.person p ON p.uuid = r.pushed_by "
	"WHERE r.review = $1 AND r.seq > $2::bigint";

/* The report's status and summary as the lead pushed them, when final is whether it is final. */
static int
apply_status(struct db *db, int64_t review, PGresult *r, bool final)
{
	if (!r || PQntuples(r) != 1 || (strcmp(PQgetvalue(r, 0, 1), "final") == 0) != final)
		return QREL_OK;
	return findings_report_apply(db, review, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
				     "from the hub");
}

int
hub_report_pull(PGconn *pg, struct db *db, int64_t review, const char *who, const char *uuid, long long seq,
		struct hub_sync_stats *st)
{
	PGresult *res[ARRAY_SIZE(pulls)] = { 0 }, *status = NULL;
	char s[32];
	const char *p[2] = { uuid, s };
	int rc;

	snprintf(s, sizeof(s), "%lld", seq);
	if ((rc = hub_exec(pg, "BEGIN READ ONLY", "starting the pull")) != QREL_OK)
		return rc;
	rc = hub_query(pg, "SELECT pg_advisory_xact_lock_shared(7135002, hashtext($1))", 1, p, "locking the review", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(pulls) && rc == QREL_OK; i++)
		rc = hub_query(pg, pulls[i].read, 2, p, pulls[i].what, &res[i]);
	if (rc == QREL_OK)
		rc = hub_query(pg, pull_status, 2, p, "the report's status", &status);
	hub_rollback(pg);
	for (size_t i = 0; i < ARRAY_SIZE(pulls) && rc == QREL_OK; i++)
		st->received += PQntuples(res[i]);
	/* A reopened report before the rows (a final copy refuses them), a final one after. */
	if (rc == QREL_OK)
		rc = apply_status(db, review, status, false);
	for (int phase = 0; phase < 2 && rc == QREL_OK; phase++)
		rc = hub_import_pushers(db, review, who, uuid, pulls, ARRAY_SIZE(pulls), res, phase, st);
	if (rc == QREL_OK)
		rc = apply_status(db, review, status, true);
	for (size_t i = 0; i < ARRAY_SIZE(pulls); i++)
		if (res[i])
			PQclear(res[i]);
	if (status)
		PQclear(status);
	return rc;
}

/* ---- forgetting what the login no longer reads ---- */

/* The copy's findings and recommendations the hub holds and the login no
 * longer reads leave it (a principal whose school changed), with their links,
 * through findings.c; then sync's records of them, so the deletion does not
 * travel (it is no one's write). */
static const char forget_sql[] =
	"DELETE FROM sync_gone WHERE entity IN ('finding', 'recommendation') AND uuid IN "
	"(SELECT uuid FROM temp.hub_report_forget);"
	"DELETE FROM sync_mark WHERE entity IN ('finding', 'recommendation') AND uuid IN "
	"(SELECT uuid FROM temp.hub_report_forget);"
	"DELETE FROM sync_base WHERE entity IN ('finding', 'recommendation') AND uuid IN "
	"(SELECT uuid FROM temp.hub_report_forget);"
	"DELETE FROM sync_unlink WHERE owner IN (SELECT uuid FROM temp.hub_report_forget) "
	"OR target IN (SELECT uuid FROM temp.hub_report_forget);";

/* The copy's findings and recommendations the login does not read on the
 * hub (seen: a Postgres array literal of those it reads), as one such literal. */
static int
unseen(struct db *db, int64_t review, const char *seen, char **ids)
{
	static const char local[] = "SELECT '{' || coalesce(group_concat(uuid), '') || '}' FROM (SELECT uuid FROM finding "
		"WHERE review_id = ?1 UNION ALL SELECT uuid FROM recommendation WHERE review_id = ?1) "
		"WHERE instr(?2, uuid) = 0";
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (sqlite3_prepare_v2(db_handle(db), local, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "reading the copy's findings");
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_text(st, 2, seen, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*ids = xstrdup(db_col_text(st, 0));
	else
		rc = db_fail(db, "reading the copy's findings");
	sqlite3_finalize(st);
	return rc;
}

int
hub_report_forget(PGconn *pg, struct db *db, int64_t review, const char *uuid, struct hub_sync_stats *st)
{
	static const char read[] = "SELECT '{' || coalesce(string_agg(uuid, ','), '') || '}' FROM (SELECT uuid "
		"FROM hub.finding WHERE review = $1 UNION ALL SELECT uuid FROM hub.recommendation WHERE review = $1) v";
	const char *p[2] = { uuid, NULL };
	PGresult *r = NULL;
	char *ids = NULL;
	sqlite3_stmt *ins;
	long long before;
	int rc;

	if ((rc = hub_query(pg, read, 1, p, "reading the findings the login reads", &r)) != QREL_OK)
		return rc;
	rc = unseen(db, review, PQgetvalue(r, 0, 0), &ids);
	PQclear(r);
	if (rc != QREL_OK)
		return rc;
	p[1] = ids;
	rc = hub_query(pg, "SELECT hub.report_existing($1, $2::text[])", 2, p, "asking which findings the hub holds", &r);
	free(ids);
	if (rc != QREL_OK)
		return rc;
	if ((rc = db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS hub_report_forget(uuid TEXT PRIMARY KEY) WITHOUT ROWID;"
			  "DELETE FROM temp.hub_report_forget")) == QREL_OK &&
	    !(ins = db_stmt(db, "INSERT OR IGNORE INTO temp.hub_report_forget VALUES (?1)")))
		rc = QREL_DB;
	for (int i = 0; rc == QREL_OK && i < PQntuples(r); i++) {
		db_bind_text(ins, 1, PQgetvalue(r, i, 0));
		rc = db_step_done(db, ins, "noting the hub's findings");
	}
	PQclear(r);
	before = db_int(db, "SELECT (SELECT count(*) FROM finding) + (SELECT count(*) FROM recommendation)");
	if (rc == QREL_OK && (rc = db_begin(db)) == QREL_OK) {
		if ((rc = findings_forget(db)) == QREL_OK && (rc = db_exec(db, forget_sql)) == QREL_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	if (rc == QREL_OK)
		st->forgotten += before - db_int(db, "SELECT (SELECT count(*) FROM finding) + "
						 "(SELECT count(*) FROM recommendation)");
	return rc;
}

/* hub_schema.c: the hub's numbered migrations (PostgreSQL), and in them the
 * rules the hub enforces itself: who may read and write what, as row-level
 * security policies, constraints and functions that mirror gate.c and the
 * VISIBILITY table of qrel(1). Entry N brings a hub from version N to N+1. */
#include "qrel/qrel.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"

/* Tables. Rows keep the uuids of the copies they come from; references are
 * uuids (sites, people) or codes (clusters). seq orders the changes a pull
 * asks for; every write, and every change that makes a row visible to more
 * people (a consensus, a release), gives a row a new one. */
static const char hub_tables[] =
"CREATE SCHEMA hub;"
"CREATE TABLE hub.meta (key text PRIMARY KEY, value text NOT NULL);"
"CREATE SEQUENCE hub.seq;"
"CREATE TABLE hub.review ("
"  uuid text PRIMARY KEY,"
"  title text NOT NULL,"
"  district text NOT NULL DEFAULT '',"
"  framework text NOT NULL,"
"  framework_version text NOT NULL DEFAULT '',"
"  levels int NOT NULL CHECK (levels BETWEEN 2 AND 9),"
"  year text NOT NULL DEFAULT '',"
"  locked boolean NOT NULL DEFAULT false,"
"  released boolean NOT NULL DEFAULT false,"
"  added_at timestamptz NOT NULL DEFAULT now());"
"CREATE TABLE hub.cluster ("
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  code text NOT NULL,"
"  title text NOT NULL,"
"  domain text NOT NULL,"
"  position int NOT NULL,"
"  PRIMARY KEY (review, code));"
"CREATE TABLE hub.site ("
"  uuid text PRIMARY KEY,"
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  code text NOT NULL,"
"  name text NOT NULL,"
"  kind text NOT NULL CHECK (kind IN ('school', 'district')),"
"  locked boolean NOT NULL DEFAULT false,"
"  released boolean NOT NULL DEFAULT false,"
"  UNIQUE (review, code));"
"CREATE TABLE hub.person ("
"  uuid text PRIMARY KEY,"
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  name text NOT NULL,"
"  role text NOT NULL CHECK (role IN ('lead', 'reviewer', 'principal', 'observer')),"
"  site text REFERENCES hub.site(uuid),"
"  login text,"
"  UNIQUE (review, name),"
"  UNIQUE (review, login));"
"CREATE TABLE hub.score ("
"  uuid text PRIMARY KEY,"
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  site text NOT NULL REFERENCES hub.site(uuid),"
"  cluster text NOT NULL,"
"  rater text NOT NULL REFERENCES hub.person(uuid),"
"  kind text NOT NULL CHECK (kind IN ('team', 'self', 'consensus')),"
"  level int CHECK (level IS NULL OR level >= 1),"
"  insufficient int NOT NULL DEFAULT 0 CHECK (insufficient IN (0, 1)),"
"  rationale text NOT NULL DEFAULT '',"
"  updated_at text NOT NULL,"
"  version bigint NOT NULL DEFAULT 1,"
"  seq bigint NOT NULL DEFAULT nextval('hub.seq'),"
"  CHECK (NOT (insufficient = 1 AND level IS NOT NULL)),"
"  FOREIGN KEY (review, cluster) REFERENCES hub.cluster(review, code),"
"  UNIQUE (site, cluster, rater, kind));"
"CREATE INDEX score_seq ON hub.score(review, seq);"
"CREATE INDEX score_cell ON hub.score(site, cluster, kind);"
"CREATE TABLE hub.note ("
"  uuid text PRIMARY KEY,"
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  site text NOT NULL REFERENCES hub.site(uuid),"
"  author text NOT NULL REFERENCES hub.person(uuid),"
"  activity text,"
"  source text NOT NULL,"
"  valence text NOT NULL CHECK (valence IN ('strength', 'growth', 'neutral')),"
"  text text NOT NULL,"
"  clusters text NOT NULL DEFAULT '',"
"  subgroups text NOT NULL DEFAULT '',"
"  created_at text NOT NULL,"
"  updated_at text NOT NULL,"
"  deleted_at text,"
"  version bigint NOT NULL DEFAULT 1,"
"  seq bigint NOT NULL DEFAULT nextval('hub.seq'));"
"CREATE INDEX note_seq ON hub.note(review, seq);"
"CREATE INDEX note_site ON hub.note(site);"
/* Written by the hub's triggers only: who (the login) changed what. */
"CREATE TABLE hub.change_log ("
"  id bigserial PRIMARY KEY,"
"  review text NOT NULL,"
"  at timestamptz NOT NULL DEFAULT now(),"
"  login text NOT NULL DEFAULT session_user,"
"  person text,"
"  entity text NOT NULL,"
"  entity_uuid text NOT NULL,"
"  field text NOT NULL,"
"  old text,"
"  new text);"
"CREATE INDEX change_log_review ON hub.change_log(review, id);"
/* A push that met a value changed on the hub meanwhile: the hub keeps its
 * value, both are kept here for the lead (as sync_conflict in a copy). */
"CREATE TABLE hub.conflict ("
"  id bigserial PRIMARY KEY,"
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  entity text NOT NULL CHECK (entity IN ('note', 'score')),"
"  uuid text NOT NULL,"
"  hub_value text NOT NULL,"
"  pushed_value text NOT NULL,"
"  pushed_version bigint NOT NULL,"
"  login text NOT NULL DEFAULT session_user,"
"  detected_at timestamptz NOT NULL DEFAULT now(),"
"  resolved_at timestamptz,"
"  UNIQUE (entity, uuid, hub_value, pushed_value));";

/* Who the login is, and the facts the rules read. SECURITY DEFINER so the
 * policies can read what the caller may not; session_user is the login even
 * after SET ROLE. */
#define DEFINER " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hub, pg_catalog"
static const char hub_functions[] =
"CREATE FUNCTION hub.me(r text) RETURNS hub.person AS"
"  $$ SELECT p FROM hub.person p WHERE p.review = r AND p.login = session_user::text $$" DEFINER ";"
"CREATE FUNCTION hub.consensus(s text, c text) RETURNS boolean AS"
"  $$ SELECT EXISTS (SELECT 1 FROM hub.score WHERE site = s AND cluster = c AND kind = 'consensus'"
"     AND (level IS NOT NULL OR insufficient = 1)) $$" DEFINER ";"
"CREATE FUNCTION hub.released(s text) RETURNS boolean AS"
"  $$ SELECT coalesce((SELECT x.released OR r.released FROM hub.site x JOIN hub.review r ON r.uuid = x.review"
"     WHERE x.uuid = s), false) $$" DEFINER ";"
"CREATE FUNCTION hub.locked(s text) RETURNS boolean AS"
"  $$ SELECT coalesce((SELECT x.locked OR r.locked FROM hub.site x JOIN hub.review r ON r.uuid = x.review"
"     WHERE x.uuid = s), true) $$" DEFINER ";"
/* The hub's owner (who ran `qrel hub init`) administers it, outside the rules. */
"CREATE FUNCTION hub.is_admin() RETURNS boolean AS $$ SELECT pg_has_role(session_user,"
"  (SELECT nspowner FROM pg_namespace WHERE nspname = 'hub'), 'MEMBER') $$" DEFINER ";"
"CREATE FUNCTION hub.member(r text) RETURNS boolean AS $$ SELECT (hub.me(r)).uuid IS NOT NULL $$" DEFINER ";"
"CREATE FUNCTION hub.is_lead(r text) RETURNS boolean AS"
"  $$ SELECT coalesce((hub.me(r)).role = 'lead', false) $$" DEFINER ";"
/* VISIBILITY, team/self/consensus rows: the lead reads all; a reviewer their
 * own and, where a consensus exists, others'; an observer only agreed cells; a
 * principal their own school's self-evaluation, and the team's scores there
 * once agreed and released. */
"CREATE FUNCTION hub.score_visible(r text, s text, c text, rater text, k text) RETURNS boolean AS $$"
"  SELECT CASE WHEN m.uuid IS NULL THEN false"
"    WHEN m.role = 'lead' THEN true"
"    WHEN m.role = 'principal' THEN s = m.site AND (rater = m.uuid OR k = 'self'"
"      OR (hub.consensus(s, c) AND hub.released(s)))"
"    WHEN m.role = 'reviewer' AND rater = m.uuid THEN true"
"    ELSE hub.consensus(s, c) END"
"  FROM (SELECT (hub.me(r)).*) m $$" DEFINER ";"
/* Notes: every member but a principal; a principal their own at their school,
 * and the team's there once released. */
"CREATE FUNCTION hub.note_visible(r text, s text, author text) RETURNS boolean AS $$"
"  SELECT CASE WHEN m.uuid IS NULL THEN false"
"    WHEN m.role <> 'principal' THEN true"
"    ELSE s = m.site AND (author = m.uuid OR hub.released(s)) END"
"  FROM (SELECT (hub.me(r)).*) m $$" DEFINER ";"
/* gate.c's score rules: no observer; one's own score unless the lead; team by
 * reviewers and the lead, self by a principal for their own school, consensus
 * by the lead; the site in the review. Locks and the scale are in the trigger. */
"CREATE FUNCTION hub.score_writable(r text, s text, rater text, k text) RETURNS boolean AS $$"
"  SELECT coalesce(m.role <> 'observer'"
"    AND (p.uuid = m.uuid OR m.role = 'lead')"
"    AND (k <> 'consensus' OR m.role = 'lead')"
"    AND CASE k WHEN 'team' THEN p.role IN ('reviewer', 'lead')"
"      WHEN 'self' THEN p.role = 'principal' AND p.site = s"
"      WHEN 'consensus' THEN p.role = 'lead' ELSE false END"
"    AND EXISTS (SELECT 1 FROM hub.site x WHERE x.uuid = s AND x.review = r), false)"
"  FROM (SELECT (hub.me(r)).*) m LEFT JOIN hub.person p ON p.uuid = rater AND p.review = r $$" DEFINER ";"
/* Notes: no observer; one's own unless the lead; a principal at their school. */
"CREATE FUNCTION hub.note_writable(r text, s text, author text) RETURNS boolean AS $$"
"  SELECT coalesce(m.role <> 'observer'"
"    AND (p.uuid = m.uuid OR m.role = 'lead')"
"    AND (m.role <> 'principal' OR s = m.site)"
"    AND (p.role <> 'principal' OR s = p.site)"
"    AND EXISTS (SELECT 1 FROM hub.site x WHERE x.uuid = s AND x.review = r), false)"
"  FROM (SELECT (hub.me(r)).*) m LEFT JOIN hub.person p ON p.uuid = author AND p.review = r $$" DEFINER ";"
/* The value sync compares (SYNC_SCORE_VALUE, SYNC_NOTE_VALUE in sync.h). */
"CREATE FUNCTION hub.score_value(x hub.score) RETURNS text AS"
"  $$ SELECT coalesce(x.level::text, '') || '|' || x.insufficient || '|' || x.rationale $$"
"  LANGUAGE sql IMMUTABLE;"
"CREATE FUNCTION hub.note_value(x hub.note) RETURNS text AS"
"  $$ SELECT x.valence || '|' || (x.deleted_at IS NOT NULL)::int || '|' || x.text $$ LANGUAGE sql IMMUTABLE;";

/* Triggers: what no writer may do whatever its role (move or re-own a row,
 * write at a locked site, leave the scale), a fresh seq, and the change log. */
#define TRIGGER_FN " LANGUAGE plpgsql SECURITY DEFINER SET search_path = hub, pg_catalog"
static const char hub_triggers[] =
"CREATE FUNCTION hub.guard() RETURNS trigger AS $$"
"DECLARE levels int;"
"BEGIN"
"  IF TG_OP = 'UPDATE' AND (new.uuid, new.review, new.site) IS DISTINCT FROM (old.uuid, old.review, old.site) THEN"
"    RAISE EXCEPTION 'a % keeps its uuid, review and site', TG_TABLE_NAME USING ERRCODE = '42501';"
"  END IF;"
"  IF NOT EXISTS (SELECT 1 FROM hub.site WHERE uuid = new.site AND review = new.review) THEN"
"    RAISE EXCEPTION 'site % is not in review %', new.site, new.review USING ERRCODE = '23503';"
"  END IF;"
"  IF hub.locked(new.site) AND NOT hub.is_admin() AND (TG_OP = 'INSERT' OR to_jsonb(new) - 'seq' <> to_jsonb(old) - 'seq') THEN"
"    RAISE EXCEPTION 'site % is locked: its %s can no longer be changed',"
"      (SELECT code FROM hub.site WHERE uuid = new.site), TG_TABLE_NAME USING ERRCODE = '42501';"
"  END IF;"
"  IF TG_TABLE_NAME = 'score' THEN"
"    IF TG_OP = 'UPDATE' AND (new.cluster, new.rater, new.kind) IS DISTINCT FROM (old.cluster, old.rater, old.kind) THEN"
"      RAISE EXCEPTION 'a score keeps its cluster, rater and kind' USING ERRCODE = '42501';"
"    END IF;"
"    SELECT r.levels INTO levels FROM hub.review r WHERE r.uuid = new.review;"
"    IF new.level > levels THEN"
"      RAISE EXCEPTION 'level % is outside the scale: 1 to %', new.level, levels USING ERRCODE = '23514';"
"    END IF;"
"  ELSIF TG_OP = 'UPDATE' AND new.author IS DISTINCT FROM old.author THEN"
"    RAISE EXCEPTION 'a note keeps its author' USING ERRCODE = '42501';"
"  END IF;"
"  new.seq := nextval('hub.seq');"
"  RETURN new;"
"END $$" TRIGGER_FN ";"
"CREATE FUNCTION hub.logged() RETURNS trigger AS $$"
"DECLARE was text; now_ text;"
"BEGIN"
"  IF TG_TABLE_NAME = 'score' THEN"
"    now_ := coalesce(new.level::text, '') || '|' || new.insufficient || '|' || new.rationale;"
"    IF TG_OP = 'UPDATE' THEN was := coalesce(old.level::text, '') || '|' || old.insufficient || '|' || old.rationale; END IF;"
"  ELSE"
"    now_ := new.valence || '|' || (new.deleted_at IS NOT NULL)::int || '|' || new.text;"
"    IF TG_OP = 'UPDATE' THEN was := old.valence || '|' || (old.deleted_at IS NOT NULL)::int || '|' || old.text; END IF;"
"  END IF;"
"  IF was IS NOT DISTINCT FROM now_ THEN RETURN NULL; END IF;"
"  INSERT INTO hub.change_log(review, person, entity, entity_uuid, field, old, new)"
"    VALUES (new.review, (hub.me(new.review)).uuid, TG_TABLE_NAME, new.uuid, 'hub push', was, now_);"
/* A consensus opens its cell's other scores to those who may now read them. */
"  IF TG_TABLE_NAME = 'score' THEN"
"    IF new.kind = 'consensus' THEN"
"      UPDATE hub.score SET seq = nextval('hub.seq') WHERE site = new.site AND cluster = new.cluster"
"        AND kind <> 'consensus';"
"    END IF;"
"  END IF;"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
/* A release or a lock changes what a pull brings: the rows there go again. */
"CREATE FUNCTION hub.site_changed() RETURNS trigger AS $$"
"BEGIN"
"  UPDATE hub.score SET seq = nextval('hub.seq') WHERE site = new.uuid;"
"  UPDATE hub.note SET seq = nextval('hub.seq') WHERE site = new.uuid;"
"  INSERT INTO hub.change_log(review, person, entity, entity_uuid, field, old, new)"
"    VALUES (new.review, (hub.me(new.review)).uuid, 'site', new.uuid, 'locked, released',"
"      old.locked || ', ' || old.released, new.locked || ', ' || new.released);"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
"CREATE TRIGGER score_guard BEFORE INSERT OR UPDATE ON hub.score FOR EACH ROW EXECUTE FUNCTION hub.guard();"
"CREATE TRIGGER note_guard BEFORE INSERT OR UPDATE ON hub.note FOR EACH ROW EXECUTE FUNCTION hub.guard();"
"CREATE TRIGGER score_logged AFTER INSERT OR UPDATE ON hub.score FOR EACH ROW EXECUTE FUNCTION hub.logged();"
"CREATE TRIGGER note_logged AFTER INSERT OR UPDATE ON hub.note FOR EACH ROW EXECUTE FUNCTION hub.logged();"
"CREATE TRIGGER site_changed AFTER UPDATE OF locked, released ON hub.site FOR EACH ROW"
"  WHEN ((old.locked, old.released) IS DISTINCT FROM (new.locked, new.released))"
"  EXECUTE FUNCTION hub.site_changed();";

/* Who may do what: members (the logins `qrel hub grant` maps to people) get
 * the group role qrel_member; the policies decide row by row. The hub's owner
 * (who ran `qrel hub init`) bypasses them and is its administrator. */
static const char hub_policies[] =
"DO $$ BEGIN"
"  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qrel_member') THEN"
"    CREATE ROLE qrel_member NOLOGIN;"
"  END IF;"
"END $$;"
"REVOKE ALL ON SCHEMA hub FROM PUBLIC;"
"GRANT USAGE ON SCHEMA hub TO qrel_member;"
"GRANT SELECT ON hub.meta, hub.review, hub.cluster, hub.site, hub.person, hub.score, hub.note,"
"  hub.change_log, hub.conflict TO qrel_member;"
"GRANT INSERT, UPDATE ON hub.score, hub.note TO qrel_member;"
"GRANT UPDATE (locked, released) ON hub.site TO qrel_member;"
"GRANT INSERT ON hub.conflict TO qrel_member;"
"GRANT USAGE ON SEQUENCE hub.conflict_id_seq TO qrel_member;"
"GRANT USAGE, SELECT ON SEQUENCE hub.seq TO qrel_member;"
"ALTER TABLE hub.review ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.cluster ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.site ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.person ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.score ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.note ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.change_log ENABLE ROW LEVEL SECURITY;"
"ALTER TABLE hub.conflict ENABLE ROW LEVEL SECURITY;"
"CREATE POLICY member_reads ON hub.review FOR SELECT USING (hub.member(uuid));"
"CREATE POLICY member_reads ON hub.cluster FOR SELECT USING (hub.member(review));"
"CREATE POLICY member_reads ON hub.site FOR SELECT USING (hub.member(review));"
"CREATE POLICY lead_locks ON hub.site FOR UPDATE USING (hub.is_lead(review)) WITH CHECK (hub.is_lead(review));"
"CREATE POLICY member_reads ON hub.person FOR SELECT USING (hub.member(review));"
"CREATE POLICY visible ON hub.score FOR SELECT USING (hub.score_visible(review, site, cluster, rater, kind));"
"CREATE POLICY writable ON hub.score FOR INSERT WITH CHECK (hub.score_writable(review, site, rater, kind));"
"CREATE POLICY rewritable ON hub.score FOR UPDATE USING (hub.score_visible(review, site, cluster, rater, kind)"
"  AND hub.score_writable(review, site, rater, kind)) WITH CHECK (hub.score_writable(review, site, rater, kind));"
"CREATE POLICY visible ON hub.note FOR SELECT USING (hub.note_visible(review, site, author));"
"CREATE POLICY writable ON hub.note FOR INSERT WITH CHECK (hub.note_writable(review, site, author));"
"CREATE POLICY rewritable ON hub.note FOR UPDATE USING (hub.note_visible(review, site, author)"
"  AND hub.note_writable(review, site, author)) WITH CHECK (hub.note_writable(review, site, author));"
"CREATE POLICY lead_or_own ON hub.change_log FOR SELECT USING (hub.is_lead(review) OR login = session_user::text);"
"CREATE POLICY lead_or_own ON hub.conflict FOR SELECT USING (hub.is_lead(review) OR login = session_user::text);"
"CREATE POLICY own ON hub.conflict FOR INSERT WITH CHECK (hub.member(review) AND login = session_user::text);";

/* The portfolio: consensus levels per cluster across the hub's reviews (of one
 * framework), as counts only, to any member; where review r stands, to its
 * members other than principals (who read consensus only once released).
 * Not-enough-evidence consensus counts nowhere. */
static const char hub_portfolio_functions[] =
"CREATE FUNCTION hub.portfolio_framework(fw text, r text) RETURNS text AS"
"  $$ SELECT coalesce(fw, (SELECT framework FROM hub.review WHERE uuid = r)) $$" DEFINER ";"
"CREATE FUNCTION hub.portfolio_here(r text) RETURNS boolean AS"
"  $$ SELECT coalesce((hub.me(r)).role IN ('lead', 'reviewer', 'observer'), false) $$" DEFINER ";"
"CREATE FUNCTION hub.portfolio(fw text, r text)"
"  RETURNS TABLE (cluster text, title text, level int, sites bigint, reviews bigint, here bigint) AS $$"
"  SELECT x.cluster, min(c.title), x.level, count(*), count(DISTINCT x.review),"
"    CASE WHEN hub.portfolio_here(r) THEN count(*) FILTER (WHERE x.review = r) END"
"  FROM hub.score x JOIN hub.review v ON v.uuid = x.review"
"  JOIN hub.cluster c ON c.review = x.review AND c.code = x.cluster"
"  WHERE x.kind = 'consensus' AND x.level IS NOT NULL"
"    AND (hub.portfolio_framework(fw, r) IS NULL OR v.framework = hub.portfolio_framework(fw, r))"
"  GROUP BY x.cluster, x.level ORDER BY min(c.position), x.cluster, x.level $$" DEFINER ";"
/* Per cluster: how many reviews, the mean of their mean levels, review r's
 * mean, and how many reviews stand below it. */
"CREATE FUNCTION hub.portfolio_standing(fw text, r text)"
"  RETURNS TABLE (cluster text, reviews bigint, mean numeric, here numeric, below bigint) AS $$"
"  WITH m AS (SELECT x.cluster, x.review, avg(x.level) AS mean FROM hub.score x"
"    JOIN hub.review v ON v.uuid = x.review WHERE x.kind = 'consensus' AND x.level IS NOT NULL"
"    AND (hub.portfolio_framework(fw, r) IS NULL OR v.framework = hub.portfolio_framework(fw, r))"
"    GROUP BY x.cluster, x.review),"
"  h AS (SELECT cluster, mean FROM m WHERE review = r AND hub.portfolio_here(r))"
"  SELECT m.cluster, count(*), round(avg(m.mean), 2), round(min(h.mean), 2),"
"    CASE WHEN min(h.mean) IS NOT NULL THEN count(*) FILTER (WHERE m.mean < h.mean) END"
"  FROM m LEFT JOIN h ON h.cluster = m.cluster GROUP BY m.cluster ORDER BY m.cluster $$" DEFINER ";"
"GRANT EXECUTE ON FUNCTION hub.portfolio(text, text), hub.portfolio_standing(text, text) TO qrel_member;";

/* The review-wide lock and release, by the lead's push as the sites' are: a
 * release opens every row of the review to the principals' next pull. */
static const char hub_review_locks[] =
"CREATE FUNCTION hub.review_changed() RETURNS trigger AS $$"
"BEGIN"
"  UPDATE hub.score SET seq = nextval('hub.seq') WHERE review = new.uuid;"
"  UPDATE hub.note SET seq = nextval('hub.seq') WHERE review = new.uuid;"
"  INSERT INTO hub.change_log(review, person, entity, entity_uuid, field, old, new)"
"    VALUES (new.uuid, (hub.me(new.uuid)).uuid, 'review', new.uuid, 'locked, released',"
"      old.locked || ', ' || old.released, new.locked || ', ' || new.released);"
"  RETURN NULL;"
"END $$" TRIGGER_FN ";"
"CREATE TRIGGER review_changed AFTER UPDATE OF locked, released ON hub.review FOR EACH ROW"
"  WHEN ((old.locked, old.released) IS DISTINCT FROM (new.locked, new.released))"
"  EXECUTE FUNCTION hub.review_changed();"
"GRANT UPDATE (locked, released) ON hub.review TO qrel_member;"
"CREATE POLICY lead_locks ON hub.review FOR UPDATE USING (hub.is_lead(uuid)) WITH CHECK (hub.is_lead(uuid));";

/* Across years and districts. The cluster distribution per review year; and
 * the subgroup tables a lead's push (and add-review) carries, summed to the
 * district per year, metric, dimension and group: counts only, read by the
 * review's lead, pooled for everyone else by hub.portfolio_groups (its
 * ratios and small-n suppression are computed by qrel with risk.c's rules).
 * Each review's latest year of a metric stands for it. */
static const char hub_portfolio_years_groups[] =
"CREATE TABLE hub.subgroup ("
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  year text NOT NULL,"
"  metric text NOT NULL,"
"  name text NOT NULL,"
"  direction text NOT NULL CHECK (direction IN ('adverse', 'favourable')),"
"  dimension text NOT NULL,"
"  grp text NOT NULL,"
"  enrolled bigint NOT NULL CHECK (enrolled >= 0),"
"  count bigint NOT NULL CHECK (count >= 0 AND count <= enrolled),"
"  PRIMARY KEY (review, year, metric, dimension, grp));"
"ALTER TABLE hub.subgroup ENABLE ROW LEVEL SECURITY;"
"GRANT SELECT, INSERT, DELETE ON hub.subgroup TO qrel_member;"
"CREATE POLICY lead_reads ON hub.subgroup FOR SELECT USING (hub.is_lead(review));"
"CREATE POLICY lead_writes ON hub.subgroup FOR INSERT WITH CHECK (hub.is_lead(review));"
"CREATE POLICY lead_deletes ON hub.subgroup FOR DELETE USING (hub.is_lead(review));"
"CREATE FUNCTION hub.portfolio_years(fw text, r text)"
"  RETURNS TABLE (cluster text, title text, year text, level int, sites bigint, reviews bigint, here bigint) AS $$"
"  SELECT x.cluster, min(c.title), v.year, x.level, count(*), count(DISTINCT x.review),"
"    CASE WHEN hub.portfolio_here(r) THEN count(*) FILTER (WHERE x.review = r) END"
"  FROM hub.score x JOIN hub.review v ON v.uuid = x.review"
"  JOIN hub.cluster c ON c.review = x.review AND c.code = x.cluster"
"  WHERE x.kind = 'consensus' AND x.level IS NOT NULL"
"    AND (hub.portfolio_framework(fw, r) IS NULL OR v.framework = hub.portfolio_framework(fw, r))"
"  GROUP BY x.cluster, v.year, x.level ORDER BY min(c.position), x.cluster, v.year, x.level $$" DEFINER ";"
"CREATE FUNCTION hub.portfolio_groups(fw text, r text)"
"  RETURNS TABLE (metric text, name text, direction text, dimension text, grp text, reviews bigint,"
"    enrolled bigint, count bigint, here_enrolled bigint, here_count bigint) AS $$"
"  WITH latest AS (SELECT g.* FROM hub.subgroup g JOIN hub.review v ON v.uuid = g.review"
"    WHERE (hub.portfolio_framework(fw, r) IS NULL OR v.framework = hub.portfolio_framework(fw, r))"
"    AND g.year = (SELECT max(y.year) FROM hub.subgroup y WHERE y.review = g.review AND y.metric = g.metric))"
"  SELECT metric, min(name), min(direction), dimension, grp, count(DISTINCT review), sum(enrolled)::bigint,"
"    sum(count)::bigint,"
"    CASE WHEN hub.portfolio_here(r) THEN sum(enrolled) FILTER (WHERE review = r) END::bigint,"
"    CASE WHEN hub.portfolio_here(r) THEN sum(count) FILTER (WHERE review = r) END::bigint"
"  FROM latest GROUP BY metric, dimension, grp ORDER BY metric, dimension, grp $$" DEFINER ";"
"GRANT EXECUTE ON FUNCTION hub.portfolio_years(text, text), hub.portfolio_groups(text, text) TO qrel_member;"
/* What decides which rows the login reads (who it is, its role and school,
 * the releases): a pull that finds it changed forgets what is no longer
 * readable, with hub.existing telling which of a copy's rows the hub holds
 * (those it does not are the copy's own, not yet pushed). */
"CREATE FUNCTION hub.my_access(r text) RETURNS text AS"
"  $$ SELECT concat_ws('|', m.uuid, m.role, m.site,"
"     (SELECT released::text FROM hub.review WHERE uuid = r),"
"     (SELECT string_agg(x.uuid || ':' || x.released::text, ',' ORDER BY x.uuid) FROM hub.site x WHERE x.review = r))"
"  FROM (SELECT (hub.me(r)).*) m $$" DEFINER ";"
"CREATE FUNCTION hub.existing(r text, ids text[]) RETURNS SETOF text AS"
"  $$ SELECT uuid FROM hub.note WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.score WHERE review = r AND uuid = ANY(ids) AND hub.member(r) $$" DEFINER ";"
"GRANT EXECUTE ON FUNCTION hub.my_access(text), hub.existing(text, text[]) TO qrel_member;";

/* The rules at the cost of a lookup a query, not a row: which reviews the
 * login reads (in a role), and its schools, computed once per statement (an
 * InitPlan) and compared with each row's review or site, so a pull or push of
 * a day's rows costs a day's rows; the row-by-row functions are kept for
 * what those arrays cannot tell, and call hub.me once (a FROM item) where
 * (hub.me(r)).* called it once a column. The portfolio reads consensus
 * levels from their own index. */
static const char hub_fast_rules[] =
"CREATE INDEX person_login ON hub.person(login);"
"CREATE INDEX score_consensus ON hub.score(cluster, review, level) WHERE kind = 'consensus' AND level IS NOT NULL;"
/* session_user is a name, of collation "C": compared as the column's own
 * collation, the login finds its rows by index, not by a scan of every person. */
"CREATE OR REPLACE FUNCTION hub.me(r text) RETURNS hub.person AS"
"  $$ SELECT p FROM hub.person p WHERE p.review = r AND p.login = session_user::text COLLATE \"default\" $$" DEFINER ";"
"CREATE FUNCTION hub.my_reviews(roles text[]) RETURNS text[] AS"
"  $$ SELECT coalesce(array_agg(review), '{}') FROM hub.person WHERE login = session_user::text COLLATE \"default\""
"     AND (roles IS NULL OR role = ANY (roles)) $$" DEFINER ";"
"CREATE FUNCTION hub.my_sites(roles text[]) RETURNS text[] AS"
"  $$ SELECT coalesce(array_agg(site), '{}') FROM hub.person"
"     WHERE login = session_user::text COLLATE \"default\" AND site IS NOT NULL"
"     AND (roles IS NULL OR role = ANY (roles)) $$" DEFINER ";"
/* review/person of the login's own people (the writer a row names). */
"CREATE FUNCTION hub.my_keys(roles text[]) RETURNS text[] AS"
"  $$ SELECT coalesce(array_agg(review || '/' || uuid), '{}') FROM hub.person"
"     WHERE login = session_user::text COLLATE \"default\""
"     AND (roles IS NULL OR role = ANY (roles)) $$" DEFINER ";"
"CREATE OR REPLACE FUNCTION hub.score_visible(r text, s text, c text, rater text, k text) RETURNS boolean AS $$"
"  SELECT CASE WHEN m.uuid IS NULL THEN false"
"    WHEN m.role = 'lead' THEN true"
"    WHEN m.role = 'principal' THEN s = m.site AND (rater = m.uuid OR k = 'self'"
"      OR (hub.consensus(s, c) AND hub.released(s)))"
"    WHEN m.role = 'reviewer' AND rater = m.uuid THEN true"
"    ELSE hub.consensus(s, c) END"
"  FROM hub.me(r) m $$" DEFINER ";"
"CREATE OR REPLACE FUNCTION hub.note_visible(r text, s text, author text) RETURNS boolean AS $$"
"  SELECT CASE WHEN m.uuid IS NULL THEN false"
"    WHEN m.role <> 'principal' THEN true"
"    ELSE s = m.site AND (author = m.uuid OR hub.released(s)) END"
"  FROM hub.me(r) m $$" DEFINER ";"
"CREATE OR REPLACE FUNCTION hub.score_writable(r text, s text, rater text, k text) RETURNS boolean AS $$"
"  SELECT coalesce(m.role <> 'observer'"
"    AND (p.uuid = m.uuid OR m.role = 'lead')"
"    AND (k <> 'consensus' OR m.role = 'lead')"
"    AND CASE k WHEN 'team' THEN p.role IN ('reviewer', 'lead')"
"      WHEN 'self' THEN p.role = 'principal' AND p.site = s"
"      WHEN 'consensus' THEN p.role = 'lead' ELSE false END"
"    AND EXISTS (SELECT 1 FROM hub.site x WHERE x.uuid = s AND x.review = r), false)"
"  FROM hub.me(r) m LEFT JOIN hub.person p ON p.uuid = rater AND p.review = r $$" DEFINER ";"
"CREATE OR REPLACE FUNCTION hub.note_writable(r text, s text, author text) RETURNS boolean AS $$"
"  SELECT coalesce(m.role <> 'observer'"
"    AND (p.uuid = m.uuid OR m.role = 'lead')"
"    AND (m.role <> 'principal' OR s = m.site)"
"    AND (p.role <> 'principal' OR s = p.site)"
"    AND EXISTS (SELECT 1 FROM hub.site x WHERE x.uuid = s AND x.review = r), false)"
"  FROM hub.me(r) m LEFT JOIN hub.person p ON p.uuid = author AND p.review = r $$" DEFINER ";"
"CREATE OR REPLACE FUNCTION hub.my_access(r text) RETURNS text AS"
"  $$ SELECT concat_ws('|', m.uuid, m.role, m.site,"
"     (SELECT released::text FROM hub.review WHERE uuid = r),"
"     (SELECT string_agg(x.uuid || ':' || x.released::text, ',' ORDER BY x.uuid) FROM hub.site x WHERE x.review = r))"
"  FROM hub.me(r) m $$" DEFINER ";"
"DROP POLICY member_reads ON hub.review;"
"CREATE POLICY member_reads ON hub.review FOR SELECT USING (uuid = ANY ((SELECT hub.my_reviews(NULL))::text[]));"
"DROP POLICY member_reads ON hub.cluster;"
"CREATE POLICY member_reads ON hub.cluster FOR SELECT USING (review = ANY ((SELECT hub.my_reviews(NULL))::text[]));"
"DROP POLICY member_reads ON hub.site;"
"CREATE POLICY member_reads ON hub.site FOR SELECT USING (review = ANY ((SELECT hub.my_reviews(NULL))::text[]));"
"DROP POLICY member_reads ON hub.person;"
"CREATE POLICY member_reads ON hub.person FOR SELECT USING (review = ANY ((SELECT hub.my_reviews(NULL))::text[]));"
/* The lead reads every score; anyone else a member, row by row. */
"DROP POLICY visible ON hub.score;"
"CREATE POLICY visible ON hub.score FOR SELECT USING (review = ANY ((SELECT hub.my_reviews('{lead}'))::text[])"
"  OR (review = ANY ((SELECT hub.my_reviews(NULL))::text[]) AND hub.score_visible(review, site, cluster, rater, kind)));"
/* Every member but a principal reads the notes; a principal, at their school only, row by row. */
"DROP POLICY visible ON hub.note;"
"CREATE POLICY visible ON hub.note FOR SELECT USING (review = ANY ((SELECT hub.my_reviews('{lead,reviewer,observer}'))::text[])"
"  OR (site = ANY ((SELECT hub.my_sites('{principal}'))::text[]) AND hub.note_visible(review, site, author)));"
/* One's own rows as a reviewer or the lead, the lead's consensus, pass at
 * once (the guard trigger checks the site is the review's); the rest row by row. */
"DROP POLICY writable ON hub.note;"
"CREATE POLICY writable ON hub.note FOR INSERT WITH CHECK"
"  (review || '/' || author = ANY ((SELECT hub.my_keys('{lead,reviewer}'))::text[])"
"  OR hub.note_writable(review, site, author));"
"DROP POLICY writable ON hub.score;"
"CREATE POLICY writable ON hub.score FOR INSERT WITH CHECK"
"  (kind = 'team' AND review || '/' || rater = ANY ((SELECT hub.my_keys('{lead,reviewer}'))::text[])"
"  OR kind = 'consensus' AND review || '/' || rater = ANY ((SELECT hub.my_keys('{lead}'))::text[])"
"  OR hub.score_writable(review, site, rater, kind));"
"DROP POLICY lead_or_own ON hub.change_log;"
"CREATE POLICY lead_or_own ON hub.change_log FOR SELECT USING (review = ANY ((SELECT hub.my_reviews('{lead}'))::text[])"
"  OR login = session_user::text);"
"DROP POLICY lead_or_own ON hub.conflict;"
"CREATE POLICY lead_or_own ON hub.conflict FOR SELECT USING (review = ANY ((SELECT hub.my_reviews('{lead}'))::text[])"
"  OR login = session_user::text);"
"DROP POLICY lead_reads ON hub.subgroup;"
"CREATE POLICY lead_reads ON hub.subgroup FOR SELECT USING (review = ANY ((SELECT hub.my_reviews('{lead}'))::text[]));";

/* A pull forgets the fieldwork rows the login no longer reads, as it does
 * notes and scores: hub.existing tells which of a copy's rows the hub holds
 * among all of them. */
static const char hub_forget_fieldwork[] =
"CREATE OR REPLACE FUNCTION hub.existing(r text, ids text[]) RETURNS SETOF text AS"
"  $$ SELECT uuid FROM hub.note WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.score WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.activity WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.document WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.survey_item WHERE review = r AND uuid = ANY(ids) AND hub.member(r)"
"  UNION ALL SELECT uuid FROM hub.survey_rate WHERE review = r AND uuid = ANY(ids) AND hub.member(r) $$" DEFINER ";";

/* A removed citation travels as a bundle's unlink row does: pushed, it takes
 * the hub's citation away; pulled, it takes the copy's. Read and written as
 * the note's citations are (the note's site and author decide), recorded in
 * the change log; citing again clears it. */
#define UNLINK_FN " LANGUAGE plpgsql SECURITY DEFINER SET search_path = hub, pg_catalog"
static const char hub_unlink[] =
"CREATE TABLE hub.unlink ("
"  link text NOT NULL CHECK (link IN ('note_document')),"
"  owner text NOT NULL REFERENCES hub.note(uuid) ON DELETE CASCADE,"
"  target text NOT NULL,"
"  review text NOT NULL REFERENCES hub.review(uuid) ON DELETE CASCADE,"
"  pushed_by text NOT NULL REFERENCES hub.person(uuid),"
"  site text NOT NULL,"
"  author text NOT NULL,"
"  seq bigint NOT NULL DEFAULT nextval('hub.seq'),"
"  PRIMARY KEY (link, owner, target));"
"CREATE INDEX unlink_seq ON hub.unlink(review, seq);"
"CREATE FUNCTION hub.unlink_guard() RETURNS trigger AS $$"
"DECLARE n hub.note;"
"BEGIN"
"  SELECT * INTO n FROM hub.note WHERE uuid = new.owner;"
"  IF n.uuid IS NULL OR n.review <> new.review THEN"
"    RAISE EXCEPTION 'note % is not in review %', new.owner, new.review USING ERRCODE = '23503';"
"  END IF;"
"  IF NOT hub.is_admin() AND hub.locked(n.site) THEN"
"    RAISE EXCEPTION 'site % is locked: its citations can no longer be changed',"
"      (SELECT code FROM hub.site WHERE uuid = n.site) USING ERRCODE = '42501';"
"  END IF;"
"  new.site := n.site;"
"  new.author := n.author;"
"  new.pushed_by := coalesce((hub.me(new.review)).uuid, new.pushed_by);"
"  new.seq := nextval('hub.seq');"
"  RETURN new;"
"END $$" UNLINK_FN ";"
"CREATE FUNCTION hub.unlink_applied() RETURNS trigger AS $$"
"BEGIN"
"  DELETE FROM hub.note_document WHERE note = new.owner AND document = new.target;"
"  IF FOUND THEN"
"    INSERT INTO hub.change_log(review, person, entity, entity_uuid, field, old, new)"
"      VALUES (new.review, (hub.me(new.review)).uuid, 'note', new.owner, 'uncite', new.target, NULL);"
"  END IF;"
"  RETURN NULL;"
"END $$" UNLINK_FN ";"
"CREATE FUNCTION hub.relinked() RETURNS trigger AS $$"
"BEGIN"
"  DELETE FROM hub.unlink WHERE link = 'note_document' AND owner = new.note AND target = new.document;"
"  RETURN NULL;"
"END $$" UNLINK_FN ";"
"CREATE TRIGGER unlink_guard BEFORE INSERT ON hub.unlink FOR EACH ROW EXECUTE FUNCTION hub.unlink_guard();"
"CREATE TRIGGER unlink_applied AFTER INSERT ON hub.unlink FOR EACH ROW EXECUTE FUNCTION hub.unlink_applied();"
"CREATE TRIGGER note_document_relinked AFTER INSERT ON hub.note_document FOR EACH ROW"
"  EXECUTE FUNCTION hub.relinked();"
"ALTER TABLE hub.unlink ENABLE ROW LEVEL SECURITY;"
"GRANT SELECT, INSERT ON hub.unlink TO qrel_member;"
"CREATE POLICY visible ON hub.unlink FOR SELECT USING (hub.note_visible(review, site, author));"
"CREATE POLICY writable ON hub.unlink FOR INSERT WITH CHECK (hub.note_writable(review, site, author));";

const char *const hub_migrations[] = {
	hub_tables,
	hub_functions,
	hub_triggers,
	hub_policies,
	hub_portfolio_functions,
	hub_review_locks,
	hub_portfolio_years_groups,
	hub_fieldwork_migration,
	hub_fast_rules,
	hub_forget_fieldwork,
	hub_unlink,
};

const size_t hub_migration_count = sizeof(hub_migrations) / sizeof(hub_migrations[0]);

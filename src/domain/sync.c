/* sync.c: bundles that carry a copy's changes by uuid, and the three-way merge that applies them. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/backup.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/findings.h"
#include "qrel/gate.h"
#include "qrel/identity.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/sync.h"
#include "qrel/util.h"
#include "qrel/visibility.h"
#include "qrel/voice.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* The bundle's tables. Each is keyed by uuid; references are codes (sites,
 * clusters, metrics), names (people) or uuids (activities). An import accepts
 * exactly what this makes (check_schema). People travel only so that names
 * resolve; a bundle never adds a person or changes a role. */
/* The fieldwork tables: documents (merged like notes), the notes citing them,
 * survey results and rates (the lead's data), findings citing survey items, and
 * an activity's status and planned reviewers (by the activity's uuid). */
#define FIELDWORK_DDL \
	"CREATE TABLE bundle.document (uuid TEXT PRIMARY KEY, site TEXT, title TEXT, owner TEXT, status TEXT," \
	"  requested_at TEXT, received_at TEXT, link TEXT, updated_at TEXT, version INTEGER, base TEXT);" \
	"CREATE TABLE bundle.note_document (note TEXT, document TEXT, PRIMARY KEY (note, document));" \
	"CREATE TABLE bundle.survey_item (uuid TEXT PRIMARY KEY, site TEXT, instrument TEXT, item TEXT," \
	"  cluster TEXT, grp TEXT, subgroup TEXT, responses INTEGER, favourable INTEGER, options TEXT," \
	"  updated_at TEXT);" \
	"CREATE TABLE bundle.survey_rate (uuid TEXT PRIMARY KEY, site TEXT, instrument TEXT, grp TEXT," \
	"  invited INTEGER, responded INTEGER, updated_at TEXT);" \
	"CREATE TABLE bundle.finding_survey (finding TEXT, survey TEXT, PRIMARY KEY (finding, survey));" \
	"CREATE TABLE bundle.activity_plan (uuid TEXT PRIMARY KEY, status TEXT, reviewers TEXT);" \
	"CREATE TABLE bundle.rec_objective (uuid TEXT PRIMARY KEY, objective TEXT);" \
	VOICE_DDL

/* Stakeholder voice (an activity's groups, participants, language and
 * interpreter; a note's own groups) with its voice version, and the citations
 * removed from the notes, findings and recommendations the bundle carries. */
#define VOICE_DDL \
	"CREATE TABLE bundle.activity_voice (uuid TEXT PRIMARY KEY, groups TEXT, participants INTEGER," \
	"  language TEXT, interpreter INTEGER, version INTEGER);" \
	"CREATE TABLE bundle.note_voice (uuid TEXT PRIMARY KEY, groups TEXT, version INTEGER);" \
	"CREATE TABLE bundle.unlink (link TEXT, owner TEXT, target TEXT, PRIMARY KEY (link, owner, target));"

const char sync_bundle_ddl[] =
	"CREATE TABLE bundle.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE bundle.site (uuid TEXT PRIMARY KEY, code TEXT, name TEXT, kind TEXT);"
	"CREATE TABLE bundle.person (uuid TEXT PRIMARY KEY, name TEXT, role TEXT, site TEXT);"
	"CREATE TABLE bundle.activity (uuid TEXT PRIMARY KEY, site TEXT, source TEXT, held_at TEXT,"
	"  description TEXT, facilitator TEXT);"
	"CREATE TABLE bundle.metric (uuid TEXT PRIMARY KEY, code TEXT, name TEXT, direction TEXT,"
	"  denominator TEXT, cluster TEXT);"
	"CREATE TABLE bundle.note (uuid TEXT PRIMARY KEY, site TEXT, activity TEXT, source TEXT, author TEXT,"
	"  valence TEXT, text TEXT, created_at TEXT, updated_at TEXT, deleted_at TEXT, version INTEGER,"
	"  base TEXT, clusters TEXT, subgroups TEXT);"
	"CREATE TABLE bundle.score (uuid TEXT PRIMARY KEY, site TEXT, cluster TEXT, rater TEXT, kind TEXT,"
	"  level INTEGER, insufficient INTEGER, rationale TEXT, updated_at TEXT, version INTEGER, base TEXT);"
	"CREATE TABLE bundle.subgroup_row (uuid TEXT PRIMARY KEY, site TEXT, year TEXT, metric TEXT,"
	"  dimension TEXT, grp TEXT, enrolled INTEGER, count INTEGER, updated_at TEXT);"
	"CREATE TABLE bundle.change_log (uuid TEXT PRIMARY KEY, at TEXT, who TEXT, entity TEXT,"
	"  entity_uuid TEXT, field TEXT, old TEXT, new TEXT, reason TEXT);"
	"CREATE TABLE bundle.finding (uuid TEXT PRIMARY KEY, site TEXT, domain TEXT, cluster TEXT, author TEXT,"
	"  kind TEXT, text TEXT, created_at TEXT, updated_at TEXT, version INTEGER, base TEXT, notes TEXT,"
	"  subgroups TEXT);"
	"CREATE TABLE bundle.recommendation (uuid TEXT PRIMARY KEY, number INTEGER, priority TEXT, title TEXT,"
	"  text TEXT, stakeholders TEXT, author TEXT, created_at TEXT, updated_at TEXT, version INTEGER, base TEXT,"
	"  findings TEXT);"
	"CREATE TABLE bundle.gone (uuid TEXT PRIMARY KEY, entity TEXT);"
	FIELDWORK_DDL;

/* A bundle from a qrel that predates the fieldwork tables lacks them (and an
 * export leaves them out when empty): their rows are none, as if empty. */
static const char *const fieldwork_tables[] = {
	"document", "note_document", "survey_item", "survey_rate", "finding_survey", "activity_plan",
	"activity_voice", "note_voice", "unlink",
	"rec_objective",
};

/* ?1 review; ?2 the peer's watermark (-1: everything); ?3 its change-log watermark.
 * The changed rows first; then the sites, activities and metrics that changed or
 * that a row in the bundle names, and the people it names (so that names
 * resolve on the other side; a bundle never changes a person). Everything when
 * ?2 < 0. */
#define CHANGED(entity, alias) "EXISTS (SELECT 1 FROM main.sync_mark k WHERE k.entity = '" entity "' " \
	"AND k.uuid = " alias ".uuid AND k.seq > ?2)"
static const char *const export_sql[] = {
	"INSERT INTO bundle.note SELECT n.uuid, s.code, a.uuid, n.source, p.name, n.valence, n.text, n.created_at, "
	"n.updated_at, n.deleted_at, n.version, "
	"(SELECT value FROM main.sync_base b WHERE b.entity = 'note' AND b.uuid = n.uuid), "
	"(SELECT group_concat(code, char(30)) FROM (SELECT c.code FROM main.note_cluster nc "
	"  JOIN main.cluster c ON c.id = nc.cluster_id WHERE nc.note_id = n.id ORDER BY c.code)), "
	"(SELECT group_concat(dimension || char(31) || grp, char(30)) FROM (SELECT dimension, grp "
	"  FROM main.note_subgroup g WHERE g.note_id = n.id ORDER BY dimension, grp)) "
	"FROM main.note n JOIN main.site s ON s.id = n.site_id JOIN main.person p ON p.id = n.author_id "
	"LEFT JOIN main.activity a ON a.id = n.activity_id WHERE n.review_id = ?1 AND (?2 < 0 OR EXISTS "
	"(SELECT 1 FROM main.sync_mark k WHERE k.entity = 'note' AND k.uuid = n.uuid AND k.seq > ?2))",
	"INSERT INTO bundle.score SELECT x.uuid, s.code, c.code, p.name, x.kind, x.level, x.insufficient, "
	"x.rationale, x.updated_at, x.version, "
	"(SELECT value FROM main.sync_base b WHERE b.entity = 'score' AND b.uuid = x.uuid) "
	"FROM main.score x JOIN main.site s ON s.id = x.site_id JOIN main.cluster c ON c.id = x.cluster_id "
	"JOIN main.person p ON p.id = x.rater_id WHERE x.review_id = ?1 AND (?2 < 0 OR EXISTS "
	"(SELECT 1 FROM main.sync_mark k WHERE k.entity = 'score' AND k.uuid = x.uuid AND k.seq > ?2))",
	"INSERT INTO bundle.subgroup_row SELECT r.uuid, s.code, r.year, m.code, r.dimension, r.grp, r.enrolled, "
	"r.count, r.updated_at FROM main.subgroup_row r JOIN main.site s ON s.id = r.site_id "
	"JOIN main.metric m ON m.id = r.metric_id WHERE r.review_id = ?1 AND (?2 < 0 OR EXISTS "
	"(SELECT 1 FROM main.sync_mark k WHERE k.entity = 'subgroup_row' AND k.uuid = r.uuid AND k.seq > ?2))",
	/* Findings with their citations (note uuid, group) and subgroup rows; recommendations with
	 * the uuids of the findings they answer; the uuids of deleted ones. */
	"INSERT INTO bundle.finding SELECT f.uuid, s.code, d.code, c.code, p.name, f.kind, f.text, f.created_at, "
	"f.updated_at, f.version, (SELECT value FROM main.sync_base b WHERE b.entity = 'finding' AND b.uuid = f.uuid), "
	"(SELECT group_concat(u || char(31) || g, char(30)) FROM (SELECT n.uuid AS u, fn.stakeholder AS g "
	"  FROM main.finding_note fn JOIN main.note n ON n.id = fn.note_id WHERE fn.finding_id = f.id ORDER BY n.uuid)), "
	"(SELECT group_concat(sc || char(31) || y || char(31) || mc || char(31) || dm || char(31) || gr, char(30)) "
	"  FROM (SELECT si.code AS sc, g.year AS y, m.code AS mc, g.dimension AS dm, g.grp AS gr "
	"  FROM main.finding_subgroup g JOIN main.site si ON si.id = g.site_id JOIN main.metric m ON m.id = g.metric_id "
	"  WHERE g.finding_id = f.id ORDER BY 1, 2, 3, 4, 5)) "
	"FROM main.finding f JOIN main.domain d ON d.id = f.domain_id LEFT JOIN main.site s ON s.id = f.site_id "
	"LEFT JOIN main.cluster c ON c.id = f.cluster_id LEFT JOIN main.person p ON p.id = f.author_id "
	"WHERE f.review_id = ?1 AND (?2 < 0 OR " CHANGED("finding", "f") ")",
	"INSERT INTO bundle.recommendation SELECT r.uuid, r.number, r.priority, r.title, r.text, r.stakeholders, "
	"p.name, r.created_at, r.updated_at, r.version, "
	"(SELECT value FROM main.sync_base b WHERE b.entity = 'recommendation' AND b.uuid = r.uuid), "
	"(SELECT group_concat(u, char(30)) FROM (SELECT f.uuid AS u FROM main.recommendation_finding rf "
	"  JOIN main.finding f ON f.id = rf.finding_id WHERE rf.recommendation_id = r.id ORDER BY f.uuid)) "
	"FROM main.recommendation r LEFT JOIN main.person p ON p.id = r.author_id "
	"WHERE r.review_id = ?1 AND (?2 < 0 OR " CHANGED("recommendation", "r") ")",
	"INSERT INTO bundle.gone SELECT g.uuid, g.entity FROM main.sync_gone g WHERE ?2 < 0 OR EXISTS "
	"(SELECT 1 FROM main.sync_mark k WHERE k.entity = g.entity AND k.uuid = g.uuid AND k.seq > ?2)",
	/* Documents changed or cited by a note in the bundle, and each such note's citations;
	 * survey results and rates changed, or cited by a finding in it, and its citations. */
	"INSERT INTO bundle.note_document SELECT n.uuid, d.uuid FROM main.note_document nd "
	"JOIN main.note n ON n.id = nd.note_id JOIN main.document d ON d.id = nd.document_id "
	"WHERE n.uuid IN (SELECT uuid FROM bundle.note)",
	"INSERT INTO bundle.document SELECT d.uuid, s.code, d.title, d.owner, d.status, d.requested_at, d.received_at, "
	"d.link, d.updated_at, d.version, "
	"(SELECT value FROM main.sync_base b WHERE b.entity = 'document' AND b.uuid = d.uuid) "
	"FROM main.document d LEFT JOIN main.site s ON s.id = d.site_id WHERE d.review_id = ?1 AND (?2 < 0 OR "
	CHANGED("document", "d") " OR d.uuid IN (SELECT document FROM bundle.note_document))",
	"INSERT INTO bundle.finding_survey SELECT f.uuid, i.uuid FROM main.finding_survey fs "
	"JOIN main.finding f ON f.id = fs.finding_id JOIN main.survey_item i ON i.id = fs.survey_id "
	"WHERE f.uuid IN (SELECT uuid FROM bundle.finding)",
	"INSERT INTO bundle.survey_item SELECT i.uuid, s.code, i.instrument, i.item, c.code, i.grp, i.subgroup, "
	"i.responses, i.favourable, i.options, i.updated_at FROM main.survey_item i JOIN main.site s ON s.id = i.site_id "
	"LEFT JOIN main.cluster c ON c.id = i.cluster_id WHERE i.review_id = ?1 AND (?2 < 0 OR "
	CHANGED("survey_item", "i") " OR i.uuid IN (SELECT survey FROM bundle.finding_survey))",
	"INSERT INTO bundle.survey_rate SELECT r.uuid, s.code, r.instrument, r.grp, r.invited, r.responded, "
	"r.updated_at FROM main.survey_rate r JOIN main.site s ON s.id = r.site_id WHERE r.review_id = ?1 "
	"AND (?2 < 0 OR " CHANGED("survey_rate", "r") ")",
	"INSERT INTO bundle.change_log SELECT uuid, at, who, entity, entity_uuid, field, old, new, reason "
	"FROM main.change_log WHERE (review_id = ?1 OR review_id IS NULL) AND id > ?3",
	"INSERT INTO bundle.activity SELECT a.uuid, s.code, a.source, a.held_at, a.description, f.name "
	"FROM main.activity a JOIN main.site s ON s.id = a.site_id LEFT JOIN main.person f ON f.id = a.facilitator_id "
	"WHERE a.review_id = ?1 AND (?2 < 0 OR " CHANGED("activity", "a") " OR a.uuid IN "
	"(SELECT activity FROM bundle.note))",
	"INSERT INTO bundle.activity_plan SELECT a.uuid, a.status, a.reviewers FROM main.activity a "
	"WHERE a.uuid IN (SELECT uuid FROM bundle.activity)",
	/* The plan objective a recommendation became, by the objective's uuid. */
	"INSERT INTO bundle.rec_objective SELECT r.uuid, o.uuid FROM main.recommendation r "
	"JOIN main.objective o ON o.id = r.objective_id WHERE r.uuid IN (SELECT uuid FROM bundle.recommendation)",
	"INSERT INTO bundle.metric SELECT m.uuid, m.code, m.name, m.direction, m.denominator, c.code "
	"FROM main.metric m LEFT JOIN main.cluster c ON c.id = m.cluster_id WHERE m.review_id = ?1 AND (?2 < 0 OR "
	CHANGED("metric", "m") " OR m.code IN (SELECT metric FROM bundle.subgroup_row))",
	"INSERT INTO bundle.person SELECT p.uuid, p.name, p.role, s.code FROM main.person p "
	"LEFT JOIN main.site s ON s.id = p.site_id WHERE p.review_id = ?1 AND (?2 < 0 OR p.name IN "
	"(SELECT author FROM bundle.note UNION SELECT rater FROM bundle.score "
	"UNION SELECT facilitator FROM bundle.activity UNION SELECT author FROM bundle.finding "
	"UNION SELECT author FROM bundle.recommendation))",
	"INSERT INTO bundle.site SELECT s.uuid, s.code, s.name, s.kind FROM main.site s WHERE s.review_id = ?1 "
	"AND (?2 < 0 OR " CHANGED("site", "s") " OR s.code IN (SELECT site FROM bundle.note UNION "
	"SELECT site FROM bundle.score UNION SELECT site FROM bundle.subgroup_row UNION "
	"SELECT site FROM bundle.activity UNION SELECT site FROM bundle.person UNION SELECT site FROM bundle.finding))",
	"INSERT OR IGNORE INTO bundle.site SELECT s.uuid, s.code, s.name, s.kind FROM main.site s "
	"WHERE s.review_id = ?1 AND s.code IN (SELECT site FROM bundle.document UNION "
	"SELECT site FROM bundle.survey_item UNION SELECT site FROM bundle.survey_rate)",
	/* The voice of the activities and notes it carries, when ever set; citations removed. */
	"INSERT INTO bundle.activity_voice SELECT a.uuid, (SELECT group_concat(grp, ',') FROM (SELECT grp "
	"  FROM main.activity_group g WHERE g.activity_id = a.id ORDER BY grp)), a.participants, a.language, "
	"a.interpreter, v.version FROM main.activity a JOIN main.sync_voice v ON v.entity = 'activity' "
	"AND v.uuid = a.uuid WHERE a.uuid IN (SELECT uuid FROM bundle.activity)",
	"INSERT INTO bundle.note_voice SELECT n.uuid, (SELECT group_concat(grp, ',') FROM (SELECT grp "
	"  FROM main.note_group g WHERE g.note_id = n.id ORDER BY grp)), v.version FROM main.note n "
	"JOIN main.sync_voice v ON v.entity = 'note' AND v.uuid = n.uuid WHERE n.uuid IN (SELECT uuid FROM bundle.note)",
	"INSERT INTO bundle.unlink SELECT link, owner, target FROM main.sync_unlink",
	NULL,
};

/* ---- small helpers ---- */

static int
prep(struct db *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db_handle(db), sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(db, "preparing a sync query");
	return QREL_OK;
}

/* Steps a statement to its end and finalizes it. */
static int
finish(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, what);
	sqlite3_finalize(st);
	return rc;
}

/* The import's statements are the connection's, kept across imports (db_stmt):
 * the bundle schema they read stays attached (bundle_schema). */
static int
cached(struct db *db, const char *sql, sqlite3_stmt **st)
{
	return (*st = db_stmt(db, sql)) ? QREL_OK : QREL_DB;
}

static int
exec_review(struct db *db, const char *sql, int64_t review, const char *what, long long *changed)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = cached(db, sql, &st)) != QREL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, what);
	sqlite3_reset(st);
	if (changed)
		*changed += sqlite3_changes(db_handle(db));
	return rc;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
refuse(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
refuse(const char *path, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return error(QREL_PARSE, "%s: %s; nothing was imported", path, why);
}

/* A name read from a hostile file, fit to print: at most 40 bytes, controls as '?'. */
static const char *
shown(const char *s, char out[48])
{
	size_t i = 0;

	for (; s && s[i] && i < 40; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	return out;
}

static void
detach(struct db *db)
{
	sqlite3_exec(db_handle(db), "DETACH bundle", NULL, NULL, NULL);
}

int
sync_review_uuid(struct db *db, int64_t review, char out[64])
{
	static const char sql[] = "SELECT uuid FROM main.review WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	*out = '\0';
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, 64, "%s", db_col_text(st, 0));
	sqlite3_reset(st);
	return QREL_OK;
}

/* ---- the file: header, tables, MAC ----
 *
 *    0  "QRELBNDL"
 *    8  the bundle format (2 bytes, big-endian); 10: 1 when the tables are
 *       zlib-compressed, 0 when stored; 11..15 zero
 *   16  the tables' size unpacked (8 bytes, big-endian)
 *   24  the review's uuid (36 bytes); 60..63 zero
 *   64  the tables: an SQLite database
 *  end  crypto_auth (HMAC-SHA-512-256) under the review's key of every byte before it
 *
 * The MAC covers the exact bytes, so nothing of a bundle is parsed by SQLite
 * before it verifies; a copy holding the key can still craft a bundle, which is
 * why the tables are then checked as hostile input all the same. */
#define BUNDLE_MAGIC "QRELBNDL"
enum { HDR_LEN = SYNC_HEADER_BYTES, MAC_LEN = SYNC_MAC_BYTES };
_Static_assert(crypto_auth_KEYBYTES == SYNC_KEY_BYTES, "the review key is a crypto_auth key");
_Static_assert(crypto_auth_BYTES == SYNC_MAC_BYTES, "the MAC is crypto_auth's");

static void
put_be(unsigned char *p, unsigned long long v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static unsigned long long
get_be(const unsigned char *p, int n)
{
	unsigned long long v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int
sync_review_key(struct db *db, int64_t review, unsigned char key[SYNC_KEY_BYTES])
{
	static const char get[] = "SELECT key FROM main.sync_key WHERE review_id = ?1";
	static const char put[] = "INSERT OR REPLACE INTO main.sync_key(review_id, key) VALUES (?1, ?2)";
	sqlite3_stmt *st = db_stmt(db, get);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SYNC_KEY_BYTES)
		memcpy(key, sqlite3_column_blob(st, 0), SYNC_KEY_BYTES);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return QREL_OK;
	if (rc != SQLITE_DONE)
		return db_fail(db, "reading the review's bundle key");
	if (sodium_init() < 0)
		return error(QREL_IO, "libsodium cannot start");
	randombytes_buf(key, SYNC_KEY_BYTES);
	if (!(st = db_stmt(db, put)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_blob(st, 2, key, SYNC_KEY_BYTES, SQLITE_TRANSIENT);
	return db_step_done(db, st, "saving the review's bundle key");
}

int
sync_bundle_seal(const unsigned char key[SYNC_KEY_BYTES], const char *review_uuid, const void *image, size_t n,
		 bool compress, unsigned char **out, size_t *outn)
{
	uLongf zn = compress ? compressBound(n) : n;
	unsigned char *b = malloc(HDR_LEN + zn + MAC_LEN);

	*out = NULL;
	if (!b)
		return error(QREL_NOMEM, "out of memory for the bundle");
	if (sodium_init() < 0) {
		free(b);
		return error(QREL_IO, "libsodium cannot start");
	}
	memset(b, 0, HDR_LEN);
	memcpy(b, BUNDLE_MAGIC, 8);
	put_be(b + 8, SYNC_FORMAT, 2);
	b[10] = compress;
	put_be(b + 16, n, 8);
	memcpy(b + 24, review_uuid, strnlen(review_uuid, UUID_LEN));
	if (!compress)
		memcpy(b + HDR_LEN, image, n);
	else if (compress2(b + HDR_LEN, &zn, image, n, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(b);
		return error(QREL_NOMEM, "cannot compress the bundle");
	}
	crypto_auth(b + HDR_LEN + zn, b, HDR_LEN + zn, key);
	*out = b;
	*outn = HDR_LEN + zn + MAC_LEN;
	return QREL_OK;
}

/* ---- this copy's id ---- */

static int
setting_put(struct db *db, const char *key, const char *value)
{
	static const char sql[] = "INSERT OR REPLACE INTO sync_setting(key, value) VALUES (?1, ?2)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	return db_step_done(db, st, "saving a sync setting");
}

static void
setting_get(struct db *db, const char *key, char *out, size_t n)
{
	static const char sql[] = "SELECT value FROM sync_setting WHERE key = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	*out = '\0';
	if (!st)
		return;
	db_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, n, "%s", db_col_text(st, 0));
	sqlite3_reset(st);
}

/* A copy made with cp or `qrel backup` carries its origin's id; the file's
 * device and inode tell the two apart, so a moved file gets a new id. */
static int
copy_id(struct db *db, char id[UUID_LEN + 1])
{
	char file[64], stored[64];
	struct stat sb;

	if (stat(db_path(db), &sb) != 0)
		return error(QREL_IO, "%s: %s", db_path(db), strerror(errno));
	snprintf(file, sizeof(file), "%llu:%llu", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	setting_get(db, "copy_file", stored, sizeof(stored));
	setting_get(db, "copy_id", id, UUID_LEN + 1);
	if (*id && strcmp(stored, file) == 0)
		return QREL_OK;
	uuid_new(id);
	if (setting_put(db, "copy_id", id) != QREL_OK)
		return QREL_DB;
	return setting_put(db, "copy_file", file);
}

/* ---- export ---- */

static int
peer_watermark(struct db *db, const char *peer, struct sync_watermark *w)
{
	static const char sql[] = "SELECT sent_seq, sent_log FROM sync_peer WHERE name = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	w->seq = -1;
	w->log = 0;
	if (!peer)
		return QREL_OK;
	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, peer);
	if (sqlite3_step(st) == SQLITE_ROW) {
		w->seq = sqlite3_column_int64(st, 0);
		w->log = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return QREL_OK;
}

static int
fill_tables(struct db *db, int64_t review, struct sync_watermark *w)
{
	sqlite3_stmt *st;
	int rc;

	w->max_seq = db_int(db, "SELECT coalesce(max(seq), 0) FROM sync_mark");
	w->max_log = db_int(db, "SELECT coalesce(max(id), 0) FROM change_log");
	if (w->max_seq < 0 || w->max_log < 0)
		return QREL_DB;
	for (size_t i = 0; export_sql[i]; i++) {
		if ((rc = prep(db, export_sql[i], &st)) != QREL_OK)
			return rc;
		sqlite3_bind_int64(st, 1, review);
		sqlite3_bind_int64(st, 2, w->seq);
		sqlite3_bind_int64(st, 3, w->log);
		if ((rc = finish(db, st, "writing the bundle")) != QREL_OK)
			return rc;
	}
	return QREL_OK;
}

static int
meta_put(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc = prep(db, "INSERT OR REPLACE INTO bundle.meta(key, value) VALUES (?1, ?2)", &st);

	if (rc != QREL_OK)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	return finish(db, st, "writing the bundle");
}

/* The person the importing copy applies the rows as (the gate checks them there). */
static int
write_meta(struct db *db, const char *uuid, const char *copy, const char *who)
{
	char fmt[16], now[21];
	int rc;

	snprintf(fmt, sizeof(fmt), "%d", SYNC_FORMAT);
	clock_now(now);
	if ((rc = meta_put(db, "format", fmt)) != QREL_OK || (rc = meta_put(db, "review", uuid)) != QREL_OK ||
	    (rc = meta_put(db, "copy", copy)) != QREL_OK || (rc = meta_put(db, "created_at", now)) != QREL_OK)
		return rc;
	return meta_put(db, "exporter", who);	/* as whom the rows apply */
}

/* An export the import would refuse is refused here, with the same cap named. */
static int
count_rows(struct db *db, struct sync_export_stats *es)
{
	long long most = db_int(db, "SELECT max((SELECT count(*) FROM bundle.note), (SELECT count(*) FROM bundle.score), "
				"(SELECT count(*) FROM bundle.subgroup_row), (SELECT count(*) FROM bundle.change_log), "
				"(SELECT count(*) FROM bundle.person), (SELECT count(*) FROM bundle.site))");

	es->notes = db_int(db, "SELECT count(*) FROM bundle.note");
	es->scores = db_int(db, "SELECT count(*) FROM bundle.score");
	es->subgroup_rows = db_int(db, "SELECT count(*) FROM bundle.subgroup_row");
	es->changes = db_int(db, "SELECT count(*) FROM bundle.change_log");
	if (most > SYNC_MAX_ROWS)
		return error(QREL_USAGE, "the bundle would hold %lld rows in one table, over the cap of %lld that an "
			     "import accepts: export to a peer (--peer) to send only the changes", most, SYNC_MAX_ROWS);
	return QREL_OK;
}

/* The written findings and recommendations only to a reader findings_readable allows. */
static int
filter_written(struct db *db, int64_t review, const char *who)
{
	static const char other_sites[] = "DELETE FROM bundle.finding WHERE site IS NOT NULL AND site <> "
					  "(SELECT code FROM main.site WHERE id = ?1)";
	struct vis_viewer v;
	int64_t site = 0;
	int rc;

	if ((rc = visibility_viewer(db, review, who, &v)) != QREL_OK)
		return rc;
	if (!findings_readable(db, &v, &site))
		return db_exec(db, "DELETE FROM bundle.finding; DELETE FROM bundle.recommendation; DELETE FROM bundle.gone");
	return site ? exec_review(db, other_sites, site, "writing the bundle", NULL) : QREL_OK;
}

/* Citations only of rows the bundle carries (the others were hidden from who),
 * an activity's status and voice only with the activity, a note's groups only
 * with the note, and removed citations only of the rows it carries. */
static int
filter_fieldwork(struct db *db)
{
	return db_exec(db, "DELETE FROM bundle.note_document WHERE note NOT IN (SELECT uuid FROM bundle.note) "
		       "OR document NOT IN (SELECT uuid FROM bundle.document);"
		       "DELETE FROM bundle.finding_survey WHERE finding NOT IN (SELECT uuid FROM bundle.finding) "
		       "OR survey NOT IN (SELECT uuid FROM bundle.survey_item);"
		       "DELETE FROM bundle.activity_plan WHERE uuid NOT IN (SELECT uuid FROM bundle.activity);"
		       "DELETE FROM bundle.rec_objective WHERE uuid NOT IN (SELECT uuid FROM bundle.recommendation);"
		       "DELETE FROM bundle.activity_voice WHERE uuid NOT IN (SELECT uuid FROM bundle.activity);"
		       "DELETE FROM bundle.note_voice WHERE uuid NOT IN (SELECT uuid FROM bundle.note);"
		       "DELETE FROM bundle.unlink WHERE owner NOT IN (SELECT uuid FROM bundle.note UNION ALL "
		       "SELECT uuid FROM bundle.finding UNION ALL SELECT uuid FROM bundle.recommendation)");
}

/* Empty fieldwork tables are left out (an import makes them empty again), so a
 * small exchange stays small. */
static int
drop_empty_fieldwork(struct db *db, int *dropped)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc = db_exec(db, "PRAGMA bundle.secure_delete = ON");	/* freed pages zeroed: they pack to nothing */

	for (size_t i = 0; i < ARRAY_SIZE(fieldwork_tables) && rc == QREL_OK; i++) {
		bool empty;

		snprintf(sql, sizeof(sql), "SELECT NOT EXISTS (SELECT 1 FROM bundle.%s)", fieldwork_tables[i]);
		if ((rc = prep(db, sql, &st)) != QREL_OK)
			break;
		empty = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		snprintf(sql, sizeof(sql), "DROP TABLE bundle.%s", fieldwork_tables[i]);
		if (empty && (rc = db_exec(db, sql)) == QREL_OK)
			++*dropped;
	}
	return rc;
}

/* One read snapshot of the store, one transaction on the in-memory bundle. */
static int
fill_bundle(struct db *db, int64_t review, const char *uuid, const char *copy, const char *who,
	    struct sync_watermark *w, struct sync_export_stats *es)
{
	int dropped = 0, rc;

	/* Small pages keep a small exchange small. */
	if ((rc = db_exec(db, "PRAGMA bundle.page_size = 512")) != QREL_OK || (rc = db_exec(db, "BEGIN")) != QREL_OK)
		return rc;
	if ((rc = db_exec(db, sync_bundle_ddl)) != QREL_OK || (rc = fill_tables(db, review, w)) != QREL_OK ||
	    (rc = visibility_filter_bundle(db, review, who)) != QREL_OK || (rc = filter_written(db, review, who)) != QREL_OK ||
	    (rc = filter_fieldwork(db)) != QREL_OK ||
	    (rc = write_meta(db, uuid, copy, who)) != QREL_OK || (rc = count_rows(db, es)) != QREL_OK ||
	    (rc = drop_empty_fieldwork(db, &dropped)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	if ((rc = db_commit(db)) != QREL_OK || !dropped)
		return rc;
	return db_exec(db, "VACUUM bundle");	/* without the pages of the tables left out */
}

/* The tables as an SQLite image, sealed with the review's key, written to out. */
static int
write_bundle(struct db *db, int64_t review, const char *out, const char *uuid, struct sync_export_stats *es)
{
	unsigned char key[SYNC_KEY_BYTES], *image, *file;
	sqlite3_int64 n;
	size_t fn;
	int rc;

	if ((rc = sync_review_key(db, review, key)) != QREL_OK)
		return rc;
	if (!(image = sqlite3_serialize(db_handle(db), "bundle", &n, 0)))
		return error(QREL_NOMEM, "out of memory for the bundle");
	if (n > SYNC_MAX_FILE)
		rc = error(QREL_USAGE, "the bundle's tables take %lld MiB, over the cap of %lld MiB that an import "
			   "accepts: export to a peer (--peer) to send only the changes", n >> 20, SYNC_MAX_FILE >> 20);
	else
		rc = sync_bundle_seal(key, uuid, image, (size_t)n, true, &file, &fn);
	sodium_memzero(key, sizeof(key));
	sqlite3_free(image);
	if (rc != QREL_OK)
		return rc;
	for (int i = 0; i < 8; i++)
		snprintf(es->checksum + 2 * i, 3, "%02x", file[fn - MAC_LEN + i]);
	es->bytes = (long long)fn;
	rc = file_replace(out, (const char *)file, fn);
	free(file);
	return rc;
}

static int
move_watermark(struct db *db, const char *peer, const struct sync_watermark *w)
{
	static const char sql[] = "INSERT INTO sync_peer(name, sent_seq, sent_log, sent_at) VALUES (?1, ?2, ?3, ?4) "
				  "ON CONFLICT(name) DO UPDATE SET sent_seq = max(sent_seq, excluded.sent_seq), "
				  "sent_log = max(sent_log, excluded.sent_log), sent_at = excluded.sent_at";
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];

	if (!st)
		return QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, w->max_seq);
	sqlite3_bind_int64(st, 3, w->max_log);
	db_bind_text(st, 4, now);
	return db_step_done(db, st, "saving the peer's watermark");
}

int
sync_export(struct db *db, int64_t review, const char *who, const char *out, const char *peer, bool all,
	    struct sync_export_stats *es)
{
	struct sync_watermark w;
	char uuid[64];
	int rc, done;

	if ((rc = sync_export_attach(db, review, who, all ? NULL : peer, &w, es)) != QREL_OK)
		return rc;
	if ((rc = sync_review_uuid(db, review, uuid)) == QREL_OK)
		rc = write_bundle(db, review, out, uuid, es);
	/* After the rename: a crash before the watermark moves only means the rows go again. */
	done = sync_export_detach(db, peer, &w, rc == QREL_OK);
	return rc != QREL_OK ? rc : done;
}

int
sync_export_attach(struct db *db, int64_t review, const char *who, const char *peer, struct sync_watermark *w,
		   struct sync_export_stats *es)
{
	char copy[UUID_LEN + 1], uuid[64];
	int rc;

	memset(es, 0, sizeof(*es));
	memset(w, 0, sizeof(*w));
	if ((rc = copy_id(db, copy)) != QREL_OK || (rc = peer_watermark(db, peer, w)) != QREL_OK ||
	    (rc = sync_review_uuid(db, review, uuid)) != QREL_OK)
		return rc;
	/* A fresh bundle schema, never the one an import keeps (bundle_schema): its
	 * free pages may hold an import's rows. */
	detach(db);
	if ((rc = db_exec(db, "ATTACH ':memory:' AS bundle")) != QREL_OK)
		return rc;
	if ((rc = fill_bundle(db, review, uuid, copy, who, w, es)) != QREL_OK)
		detach(db);
	return rc;
}

int
sync_export_detach(struct db *db, const char *peer, const struct sync_watermark *w, bool sent)
{
	detach(db);
	return sent && peer ? move_watermark(db, peer, w) : QREL_OK;
}

/* ---- import: checks before any write ---- */

/* The caps on time and memory, held for the whole import (checks and merge). */
struct caps {
	struct timespec end;
	bool late;
	sqlite3_int64 heap;	/* the hard heap limit before the import */
	sqlite3_int64 limit;	/* the import's */
	sqlite3_int64 budget;	/* what it leaves the import: SYNC_MAX_HEAP, or less under a lower limit */
};

static int
past_deadline(void *ctx)
{
	struct caps *c = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > c->end.tv_sec || (now.tv_sec == c->end.tv_sec && now.tv_nsec >= c->end.tv_nsec))
		c->late = true;
	return c->late;
}

static void
caps_begin(struct db *db, struct caps *c)
{
	sqlite3_int64 used = sqlite3_memory_used(), want = used + SYNC_MAX_HEAP, cur, high;

	clock_gettime(CLOCK_MONOTONIC, &c->end);
	c->end.tv_sec += SYNC_MAX_SECONDS;
	c->late = false;
	c->heap = sqlite3_hard_heap_limit64(-1);
	c->limit = c->heap <= 0 || c->heap > want ? want : c->heap;
	sqlite3_hard_heap_limit64(c->limit);
	c->budget = c->limit - used;
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &high, 1);	/* the high-water mark from here */
	sqlite3_progress_handler(db_handle(db), 1000, past_deadline, c);
}

/* Names the cap behind a failure, if one was. */
static int
caps_end(struct db *db, struct caps *c, const char *path, int rc)
{
	sqlite3_int64 cur, high;

	sqlite3_progress_handler(db_handle(db), 0, NULL, NULL);
	sqlite3_hard_heap_limit64(c->heap);
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &high, 0);
	if (rc == QREL_OK)
		return rc;
	if (c->late)
		return refuse(path, "the import ran past its cap of %d seconds", SYNC_MAX_SECONDS);
	if (high + (1 << 20) >= c->limit)
		return refuse(path, "the import needed more than its cap of %lld MiB of memory",
			      (long long)(c->budget + (1 << 19)) >> 20);
	return rc;
}

struct bundle_meta {
	char format[16], review[64], copy[64], created_at[32], checksum[32], exporter[128];
};

struct bundle_in {
	const char *path;
	unsigned char *tables;	/* the SQLite image, inside the file's bytes or inflated */
	size_t n;
	bool inflated;
	struct caps *caps;
	sqlite3 *check;		/* the connection that checked the tables, open until they are copied */
	int format;		/* the header's (SYNC_FORMAT_OLDEST to SYNC_FORMAT) */
};

static int
inflate_tables(const unsigned char *b, size_t n, struct bundle_in *in)
{
	unsigned long long raw = get_be(b + 16, 8);
	size_t zn = n - HDR_LEN - MAC_LEN;
	uLongf got = raw;

	if (raw > (unsigned long long)SYNC_MAX_FILE)
		return refuse(in->path, "its tables take %llu MiB unpacked, over the cap of %lld MiB", raw >> 20,
			      SYNC_MAX_FILE >> 20);
	if (b[10] == 0) {
		if (zn != raw)
			return refuse(in->path, "damaged: its tables are not the size its header gives");
		in->tables = (unsigned char *)b + HDR_LEN;
		in->n = raw;
		return QREL_OK;
	}
	if (b[10] != 1)
		return refuse(in->path, "packed in a way this qrel does not read (%d)", b[10]);
	if (!(in->tables = malloc(raw ? raw : 1)))
		return refuse(in->path, "no memory to unpack %llu MiB", raw >> 20);
	in->inflated = true;
	/* uncompress() stops at raw bytes: a stream that unpacks to more is refused, not followed. */
	if (uncompress(in->tables, &got, b + HDR_LEN, zn) != Z_OK || got != raw)
		return refuse(in->path, "damaged: its tables do not unpack to the size its header gives");
	in->n = raw;
	return QREL_OK;
}

/* Header, review and MAC, on the bytes themselves: nothing is parsed before the MAC holds. */
static int
unseal(struct db *db, int64_t review, const unsigned char *b, size_t n, struct bundle_in *in)
{
	unsigned char key[SYNC_KEY_BYTES];
	char ours[64], theirs[UUID_LEN + 1], show[48];
	unsigned long long format;
	int rc, bad;

	if (n >= 16 && memcmp(b, "SQLite format 3", 16) == 0)
		return refuse(in->path, "an unsigned bundle (format 1) from an older qrel: export it again with this one");
	if (n < 8 || memcmp(b, BUNDLE_MAGIC, 8) != 0)
		return refuse(in->path, "not a qrel bundle");
	if (n < HDR_LEN + MAC_LEN)
		return refuse(in->path, "damaged or truncated (%zu bytes)", n);
	if ((format = get_be(b + 8, 2)) > SYNC_FORMAT)
		return refuse(in->path, "bundle format %llu is newer than this qrel reads (formats %d to %d): upgrade "
			      "qrel to import it", format, SYNC_FORMAT_OLDEST, SYNC_FORMAT);
	if (format < SYNC_FORMAT_OLDEST)
		return refuse(in->path, "bundle format %llu is not one this qrel reads (formats %d to %d)", format,
			      SYNC_FORMAT_OLDEST, SYNC_FORMAT);
	in->format = (int)format;
	memcpy(theirs, b + 24, UUID_LEN);
	theirs[UUID_LEN] = '\0';
	if ((rc = sync_review_uuid(db, review, ours)) != QREL_OK)
		return rc;
	if (strcmp(theirs, ours) != 0)
		return refuse(in->path, "the bundle is from another review (%s), not this one (%s)",
			      *theirs ? shown(theirs, show) : "none", ours);
	if ((rc = sync_review_key(db, review, key)) != QREL_OK)
		return rc;
	bad = crypto_auth_verify(b + n - MAC_LEN, b, n - MAC_LEN, key);
	sodium_memzero(key, sizeof(key));
	if (bad)
		return refuse(in->path, "not signed by this review's key (was it made from another review, or altered?)");
	return inflate_tables(b, n, in);
}

/* The connection that reads a bundle first: its own, read-only, with views and
 * triggers off, an untrusted schema and tight limits. */
static const int check_limits[][2] = {
	{ SQLITE_LIMIT_LENGTH, (int)(SYNC_MAX_CELL * 4 + 64) },
	{ SQLITE_LIMIT_SQL_LENGTH, 4096 },
	{ SQLITE_LIMIT_COLUMN, 32 },
	{ SQLITE_LIMIT_EXPR_DEPTH, 32 },
	{ SQLITE_LIMIT_COMPOUND_SELECT, 2 },
	{ SQLITE_LIMIT_VDBE_OP, 20000 },
	{ SQLITE_LIMIT_FUNCTION_ARG, 8 },
	{ SQLITE_LIMIT_ATTACHED, 0 },
	{ SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 64 },
	{ SQLITE_LIMIT_VARIABLE_NUMBER, 8 },
	{ SQLITE_LIMIT_TRIGGER_DEPTH, 1 },
	{ SQLITE_LIMIT_WORKER_THREADS, 0 },
};

static const int check_config[][2] = {
	{ SQLITE_DBCONFIG_DEFENSIVE, 1 },
	{ SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0 },
	{ SQLITE_DBCONFIG_ENABLE_TRIGGER, 0 },
	{ SQLITE_DBCONFIG_ENABLE_VIEW, 0 },
	{ SQLITE_DBCONFIG_DQS_DML, 0 },
	{ SQLITE_DBCONFIG_DQS_DDL, 0 },
};

/* Why a read on the checking connection failed, in words, with the cap if one was hit. */
static int
check_fail(sqlite3 *h, struct bundle_in *in, int rc)
{
	if (in->caps->late || rc == SQLITE_INTERRUPT)
		return refuse(in->path, "checking it ran past the cap of %d seconds", SYNC_MAX_SECONDS);
	if (rc == SQLITE_NOMEM)
		return refuse(in->path, "checking it needed more than the cap of %lld MiB of memory", SYNC_MAX_HEAP >> 20);
	if (rc == SQLITE_TOOBIG)
		return refuse(in->path, "it holds a value over the cap of %lld MiB per value", SYNC_MAX_CELL >> 20);
	return refuse(in->path, "not a qrel bundle, or damaged (%s)", sqlite3_errmsg(h));
}

static int
check_open(struct bundle_in *in, sqlite3 **out)
{
	sqlite3 *h;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_open_v2(":memory:", &h, SQLITE_OPEN_READWRITE, NULL)) != SQLITE_OK) {
		sqlite3_close(h);
		return error(QREL_NOMEM, "cannot open a connection to check the bundle");
	}
	for (size_t i = 0; i < ARRAY_SIZE(check_config); i++)
		sqlite3_db_config(h, check_config[i][0], check_config[i][1], (int *)NULL);
	sqlite3_progress_handler(h, 1000, past_deadline, in->caps);
	rc = sqlite3_deserialize(h, "main", in->tables, (sqlite3_int64)in->n, (sqlite3_int64)in->n,
				 SQLITE_DESERIALIZE_READONLY);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "PRAGMA query_only = 1; PRAGMA cell_size_check = 1", NULL, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(check_limits); i++)
		sqlite3_limit(h, check_limits[i][0], check_limits[i][1]);
	*out = h;
	return rc == SQLITE_OK ? QREL_OK : check_fail(h, in, rc);
}

/* What the exporter's DDL makes: sqlite_schema's rows, once per process. For a
 * table, its columns and the statements that check it, read it on the checking
 * connection and copy it into the review connection's bundle schema. */
#define BUNDLE_MAX_COLS 16

struct schema_obj {
	char *type, *name, *tbl, *sql;
	int ncols;
	char cols[BUNDLE_MAX_COLS][32];
	char *sizes_sql;	/* rows and longest values, by length() (which reads no blob) */
	char *read_sql;		/* every row, on the checking connection */
	char *copy_sql;		/* one row into bundle.<table>, on the review's connection */
	char *clear_sql;	/* and the table emptied */
};

static struct schema_obj expected[64];
static size_t nexpected;

static const char schema_sql[] = "SELECT type, name, tbl_name, coalesce(sql, '') FROM %s ORDER BY type DESC, name";

static char *
table_sql(const char *head, const char *name, const char *tail)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "%s\"%s\"%s", head, name, tail);
	return xstrdup(sql);
}

/* A table's columns and statements. Names come from the exporter's DDL, never from a bundle. */
static int
expected_table(sqlite3 *h, struct schema_obj *o)
{
	char sizes[1024] = "SELECT count(*)", params[BUNDLE_MAX_COLS * 5] = "", tail[sizeof(params) + 16], part[80];
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(h, "SELECT name FROM pragma_table_info(?1, 'bundle')", -1, &st, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
	while (o->ncols < BUNDLE_MAX_COLS && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(o->cols[o->ncols], sizeof(o->cols[0]), "%s", col(st, 0));
		snprintf(part, sizeof(part), ", max(length(\"%.31s\"))", o->cols[o->ncols]);
		strncat(sizes, part, sizeof(sizes) - strlen(sizes) - 1);
		snprintf(part, sizeof(part), "%s?%d", o->ncols ? ", " : "", o->ncols + 1);
		strncat(params, part, sizeof(params) - strlen(params) - 1);
		o->ncols++;
	}
	sqlite3_finalize(st);
	snprintf(tail, sizeof(tail), " VALUES (%s)", params);
	o->sizes_sql = table_sql(strcat(sizes, " FROM "), o->name, "");
	o->read_sql = table_sql("SELECT * FROM main.", o->name, "");
	o->copy_sql = table_sql("INSERT INTO bundle.", o->name, tail);
	o->clear_sql = table_sql("DELETE FROM bundle.", o->name, "");
	return o->ncols ? SQLITE_OK : SQLITE_ERROR;
}

static int
expected_schema(void)
{
	char sql[128];
	sqlite3 *h;
	sqlite3_stmt *st = NULL;
	int rc;

	if (nexpected)
		return QREL_OK;
	snprintf(sql, sizeof(sql), schema_sql, "bundle.sqlite_schema");
	rc = sqlite3_open_v2(":memory:", &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_exec(h, "ATTACH ':memory:' AS bundle", NULL, NULL, NULL)) == SQLITE_OK &&
	    (rc = sqlite3_exec(h, sync_bundle_ddl, NULL, NULL, NULL)) == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && nexpected < ARRAY_SIZE(expected)) {
		struct schema_obj *o = &expected[nexpected++];

		o->type = xstrdup(col(st, 0));
		o->name = xstrdup(col(st, 1));
		o->tbl = xstrdup(col(st, 2));
		o->sql = xstrdup(col(st, 3));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == SQLITE_OK && i < nexpected; i++)
		if (strcmp(expected[i].type, "table") == 0)
			rc = expected_table(h, &expected[i]);
	sqlite3_close(h);
	return rc == SQLITE_OK && nexpected ? QREL_OK : error(QREL_DB, "cannot build the bundle's expected schema");
}

static const struct schema_obj *
expected_named(const char *name)
{
	for (size_t i = 0; i < nexpected; i++)
		if (strcmp(expected[i].name, name) == 0)
			return &expected[i];
	return NULL;
}

/* One object of the bundle's schema against the exporter's. */
static int
check_object(struct bundle_in *in, sqlite3_stmt *st)
{
	const char *type = col(st, 0), *name = col(st, 1), *sql = col(st, 3);
	const struct schema_obj *o = expected_named(name);
	char show[48];

	if (!o)
		return refuse(in->path, "it holds %s%s '%s', which a qrel bundle never has", type && strcmp(type, "index") == 0
			      ? "an " : "a ", sql && strncmp(sql, "CREATE VIRTUAL", 14) == 0 ? "virtual table" : type,
			      shown(name, show));
	if (strcmp(o->type, type) != 0 || strcmp(o->tbl, col(st, 2)) != 0 || strcmp(o->sql, sql) != 0)
		return refuse(in->path, "its %s '%s' is not the one qrel writes%s", type, o->name,
			      strcmp(type, "table") == 0 ? " (other columns or constraints)" : "");
	return QREL_OK;
}

/* A table an older qrel's bundle lacks (made empty once the bundle is checked). */
static bool
fieldwork_optional(const char *table)
{
	for (size_t i = 0; i < ARRAY_SIZE(fieldwork_tables); i++)
		if (strcmp(fieldwork_tables[i], table) == 0)
			return true;
	return false;
}

/* A fieldwork table the bundle on the checking connection h leaves out. */
static bool
left_out(sqlite3 *h, const struct schema_obj *t)
{
	sqlite3_stmt *st;
	bool absent;

	if (!fieldwork_optional(t->name) ||
	    sqlite3_prepare_v2(h, "SELECT 1 FROM main.sqlite_schema WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	absent = sqlite3_step(st) != SQLITE_ROW;
	sqlite3_finalize(st);
	return absent;
}

/* Names the table that a bundle with fewer objects than expected lacks;
 * QREL_OK when it lacks only the fieldwork tables. */
static int
check_missing(sqlite3 *h, struct bundle_in *in)
{
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (sqlite3_prepare_v2(h, "SELECT 1 FROM main.sqlite_schema WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return check_fail(h, in, sqlite3_errcode(h));
	for (size_t i = 0; i < nexpected && rc == QREL_OK; i++) {
		if (fieldwork_optional(expected[i].tbl))
			continue;
		sqlite3_bind_text(st, 1, expected[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			rc = refuse(in->path, "not a qrel bundle (it lacks %s '%s')", strcmp(expected[i].type, "index")
				    == 0 ? "the index" : "a table", expected[i].name);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Exactly the expected tables with exactly their columns: no views, triggers,
 * indexes, virtual tables, extra tables or columns. Reads sqlite_schema only. */
static int
check_schema(sqlite3 *h, struct bundle_in *in)
{
	char sql[128];
	sqlite3_stmt *st;
	size_t seen = 0;
	int rc;

	if ((rc = expected_schema()) != QREL_OK)
		return rc;
	snprintf(sql, sizeof(sql), schema_sql, "main.sqlite_schema");
	if ((rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL)) != SQLITE_OK)
		return check_fail(h, in, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (check_object(in, st) != QREL_OK) {
			sqlite3_finalize(st);
			return QREL_PARSE;
		}
		seen++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return check_fail(h, in, rc);
	return seen == nexpected ? QREL_OK : check_missing(h, in);
}

static int
check_integrity(sqlite3 *h, struct bundle_in *in)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(h, "PRAGMA quick_check(1)", -1, &st, NULL)) != SQLITE_OK)
		return check_fail(h, in, rc);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && strcmp(col(st, 0), "ok") == 0)
		rc = QREL_OK;
	else if (rc == SQLITE_ROW)
		rc = refuse(in->path, "damaged or truncated (%.200s)", col(st, 0));
	else
		rc = check_fail(h, in, rc);
	sqlite3_finalize(st);
	return rc;
}

/* One table's rows and longest values. */
static int
check_table(sqlite3 *h, struct bundle_in *in, const struct schema_obj *t)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(h, t->sizes_sql, -1, &st, NULL)) != SQLITE_OK)
		return check_fail(h, in, rc);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		rc = check_fail(h, in, rc);
	else if (sqlite3_column_int64(st, 0) > SYNC_MAX_ROWS)
		rc = refuse(in->path, "its table %s holds %lld rows, over the cap of %lld rows per table", t->name,
			    sqlite3_column_int64(st, 0), SYNC_MAX_ROWS);
	else
		rc = QREL_OK;
	for (int i = 0; rc == QREL_OK && i < t->ncols; i++)
		if (sqlite3_column_int64(st, i + 1) > SYNC_MAX_CELL)
			rc = refuse(in->path, "a value in %s.%s is %lld characters or bytes long, over the cap of %lld MiB "
				    "per value", t->name, t->cols[i], sqlite3_column_int64(st, i + 1), SYNC_MAX_CELL >> 20);
	sqlite3_finalize(st);
	return rc;
}

static int
check_sizes(sqlite3 *h, struct bundle_in *in)
{
	int rc = QREL_OK;

	for (size_t i = 0; i < nexpected && rc == QREL_OK; i++)
		if (strcmp(expected[i].type, "table") == 0 && !left_out(h, &expected[i]))
			rc = check_table(h, in, &expected[i]);
	return rc;
}

/* Everything about the tables, on a connection of their own, before the review's
 * connection sees them. The connection stays open (in->check) to read them. */
static int
check_tables(struct bundle_in *in)
{
	sqlite3 *h = NULL;
	int rc;

	if ((rc = check_open(in, &h)) == QREL_OK && (rc = check_schema(h, in)) == QREL_OK &&
	    (rc = check_integrity(h, in)) == QREL_OK)
		rc = check_sizes(h, in);
	if (rc == QREL_OK)
		in->check = h;
	else
		sqlite3_close(h);
	return rc;
}

/* The meta table's values, read on the checking connection. */
static int
meta_read(struct bundle_in *in, struct bundle_meta *m)
{
	const struct { const char *key; char *out; size_t n; } keys[] = {
		{ "format", m->format, sizeof(m->format) }, { "review", m->review, sizeof(m->review) },
		{ "copy", m->copy, sizeof(m->copy) }, { "created_at", m->created_at, sizeof(m->created_at) },
		{ "exporter", m->exporter, sizeof(m->exporter) },
	};
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(in->check, "SELECT value FROM main.meta WHERE key = ?1", -1, &st, NULL)) != SQLITE_OK)
		return check_fail(in->check, in, rc);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		sqlite3_bind_text(st, 1, keys[i].key, -1, SQLITE_STATIC);
		*keys[i].out = '\0';
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			snprintf(keys[i].out, keys[i].n, "%s", db_col_text(st, 0));
		else if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? QREL_OK : check_fail(in->check, in, rc);
}

/* The review connection's schema bundle: an in-memory database with the
 * exporter's tables, attached once per connection and empty between imports,
 * so that an import changes no schema and the connection's prepared statements
 * (db_stmt) stay valid from one import to the next. */
static int
bundle_schema(struct db *db)
{
	int rc;

	if (sqlite3_txn_state(db_handle(db), "bundle") >= 0)
		return QREL_OK;
	if ((rc = db_exec(db, "ATTACH ':memory:' AS bundle")) != QREL_OK)
		return rc;
	if ((rc = db_exec(db, sync_bundle_ddl)) != QREL_OK)
		detach(db);
	return rc;
}

/* Empties the bundle schema (in the import's transaction, before its commit). */
static int
clear_tables(struct db *db)
{
	int rc = QREL_OK;

	for (size_t i = 0; i < nexpected && rc == QREL_OK; i++) {
		sqlite3_stmt *st;

		if (!expected[i].clear_sql)
			continue;
		if (!(st = db_stmt(db, expected[i].clear_sql)))
			return QREL_DB;
		rc = db_step_done(db, st, "emptying the bundle's tables");
	}
	return rc;
}

/* One checked table, row by row and value by value (types kept), into bundle.<table>. */
static int
copy_table(struct db *db, struct bundle_in *in, const struct schema_obj *t)
{
	sqlite3_stmt *rd, *wr = NULL;
	int step, rc = QREL_OK;

	if ((step = sqlite3_prepare_v2(in->check, t->read_sql, -1, &rd, NULL)) != SQLITE_OK)
		return check_fail(in->check, in, step);
	if (sqlite3_column_count(rd) != t->ncols)
		rc = refuse(in->path, "its table %s is not the one qrel writes", t->name);
	else if (!(wr = db_stmt(db, t->copy_sql)))
		rc = QREL_DB;
	while (rc == QREL_OK && (step = sqlite3_step(rd)) == SQLITE_ROW) {
		for (int i = 0; i < t->ncols; i++)
			sqlite3_bind_value(wr, i + 1, sqlite3_column_value(rd, i));
		if ((rc = db_step_done(db, wr, "opening the checked bundle")) == QREL_PARSE)
			rc = refuse(in->path, "damaged: a row of its table %s does not fit it (%s)", t->name,
				    sqlite3_errmsg(db_handle(db)));
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = check_fail(in->check, in, step);
	sqlite3_finalize(rd);
	return rc;
}

/* The checked tables into the review connection's bundle schema, in the
 * import's transaction (a rollback empties them again). */
static int
copy_tables(struct db *db, struct bundle_in *in)
{
	int rc = QREL_OK;

	for (size_t i = 0; i < nexpected && rc == QREL_OK; i++)
		if (expected[i].copy_sql && !left_out(in->check, &expected[i]))
			rc = copy_table(db, in, &expected[i]);
	return rc;
}

static int
check_format(struct db *db, int64_t review, const struct bundle_in *in, const struct bundle_meta *m)
{
	char uuid[64], show[48];
	long format;
	int rc;

	if (!*m->format || !str_to_long(m->format, &format) || format != in->format)
		return refuse(in->path, "not a qrel bundle (its format is '%s', its header's %d)", shown(m->format, show),
			      in->format);
	if ((rc = sync_review_uuid(db, review, uuid)) != QREL_OK)
		return rc;
	if (strcmp(uuid, m->review) != 0)
		return refuse(in->path, "the bundle is from another review (%s), not this one (%s)",
			*m->review ? shown(m->review, show) : "none", uuid);
	if (!*m->copy || !*m->created_at || !*m->exporter)
		return refuse(in->path, "not a qrel bundle (its meta table lacks the copy, date or exporter)");
	return QREL_OK;
}

/* Bytes to checked tables (open on in->check) and meta, or a refusal that names why. */
static int
open_bundle(struct db *db, int64_t review, const unsigned char *b, size_t n, struct bundle_in *in,
	    struct bundle_meta *m)
{
	int rc;

	if (n > (size_t)SYNC_MAX_FILE)
		return refuse(in->path, "%zu MiB, over the cap of %lld MiB for a bundle", n >> 20, SYNC_MAX_FILE >> 20);
	if ((rc = unseal(db, review, b, n, in)) != QREL_OK || (rc = check_tables(in)) != QREL_OK ||
	    (rc = meta_read(in, m)) != QREL_OK)
		return rc;
	for (int i = 0; i < 8; i++)
		snprintf(m->checksum + 2 * i, 3, "%02x", b[n - MAC_LEN + i]);
	return check_format(db, review, in, m);
}

/* The whole file, up to the cap and one byte more. */
static int
read_bundle(const char *path, unsigned char **out, size_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	ssize_t got = 0;
	size_t len = 0;

	*out = NULL;
	if (fd < 0)
		return error(errno == ENOENT ? QREL_NOTFOUND : QREL_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return refuse(path, "not a regular file");
	}
	if (sb.st_size > SYNC_MAX_FILE) {
		close(fd);
		return refuse(path, "%lld MiB, over the cap of %lld MiB for a bundle", (long long)sb.st_size >> 20,
			      SYNC_MAX_FILE >> 20);
	}
	if (!(*out = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return error(QREL_NOMEM, "out of memory reading %s", path);
	}
	while (len <= (size_t)sb.st_size && (got = read(fd, *out + len, (size_t)sb.st_size + 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	*n = len;
	if (got < 0)
		return error(QREL_IO, "%s: %s", path, strerror(errno));
	return QREL_OK;
}

/* ---- import: the three-way decision ---- */

enum sync_action
sync_decide(const char *lv, const char *lb, long long lver, const char *rv, const char *rb, long long rver)
{
	if (!lb)
		lb = lv;
	if (!rb)
		rb = rv;
	if (strcmp(rv, lv) == 0)
		return SYNC_SAME;
	if (strcmp(rv, lb) == 0)
		return SYNC_KEEP;	/* the other copy still holds what we last agreed */
	if (strcmp(rb, lv) == 0)
		return SYNC_TAKE;	/* their change was made on top of what we hold */
	if (strcmp(lb, lv) != 0)
		return SYNC_CONFLICT;	/* both moved from different starting points */
	/* Ours is unchanged but theirs did not start from it (a third copy's value,
	 * or a replayed bundle): the higher version is the later one. */
	if (rver > lver)
		return SYNC_TAKE;
	return rver < lver ? SYNC_STALE : SYNC_CONFLICT;
}

struct merge {
	struct db *db;
	int64_t review;
	const char *who;
	const struct bundle_meta *m;
	struct sync_import_stats *st;
	const char *path;		/* the bundle, for messages */
	struct gate_actor exporter;	/* every applied row is their write (gate.h) */
	char exporter_name[128];
	char reason[192];		/* the change log's reason for what the import applies */
};

/* A row the gate (or a consistency check) refused: the whole import is refused,
 * naming the row. */
static int
row_refused(struct merge *mg, int rc, const char *entity, const char *uuid)
{
	char why[512];

	if (rc == QREL_DB)
		return rc;
	snprintf(why, sizeof(why), "%s", error_message());
	return error(rc, "%s: bundle row %s %s: %s; nothing was imported", mg->path, entity, uuid ? uuid : "(no uuid)",
		     why);
}

/* Asks the gate whether the bundle's exporter may make write w. */
static int
exporter_may(struct merge *mg, const struct gate_write *w, const char *entity, const char *uuid)
{
	int rc = gate_check(mg->db, mg->review, &mg->exporter, w);

	return rc == QREL_OK ? QREL_OK : row_refused(mg, rc, entity, uuid);
}

/* A change the import applies, logged like any other: the exporter's name, this
 * process's login and uid (changelog_add), and where it came from. */
static int
log_applied(struct merge *mg, const char *entity, const char *uuid, const char *field, const char *old,
	    const char *new)
{
	int rc = changelog_add(mg->db, mg->review, mg->exporter_name, entity, uuid, field, old, new, mg->reason);

	if (rc == QREL_OK)
		mg->st->changes++;
	return rc;
}

/* A local row as the merge sees it. */
struct local_row {
	int64_t id;
	char uuid[UUID_LEN + 1];
	char *value, *base;	/* malloc'd; base NULL when unchanged since the last exchange */
	long long version;
};

struct remote_row {
	const char *uuid, *value, *base;
	long long version;
};

static void
local_free(struct local_row *l)
{
	free(l->value);
	free(l->base);
}

/* A row changed on one side only is settled: close its conflicts, forget its base. */
static int
settle(struct merge *mg, const char *entity, const char *uuid, const char *how)
{
	static const char del[] = "DELETE FROM sync_base WHERE entity = ?1 AND uuid = ?2";
	static const char res[] = "UPDATE sync_conflict SET resolved_at = ?3, resolution = ?4, resolved_by = 'sync' "
				  "WHERE entity = ?1 AND uuid = ?2 AND resolved_at IS NULL";
	sqlite3_stmt *st = db_stmt(mg->db, del);
	char now[21];
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, uuid);
	if ((rc = db_step_done(mg->db, st, "settling a row")) != QREL_OK || !(st = db_stmt(mg->db, res)))
		return rc != QREL_OK ? rc : QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, uuid);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, how);
	return db_step_done(mg->db, st, "settling a conflict");
}

static int
record_conflict(struct merge *mg, const char *entity, const struct local_row *l, const struct remote_row *r)
{
	static const char sql[] = "INSERT OR IGNORE INTO sync_conflict(entity, uuid, local_value, remote_value, "
				  "remote_version, from_copy, detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = db_stmt(mg->db, sql);
	char now[21], reason[160];
	int rc;

	if (!st)
		return QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, l->uuid);
	db_bind_text(st, 3, l->value);
	db_bind_text(st, 4, r->value);
	sqlite3_bind_int64(st, 5, r->version);
	db_bind_text(st, 6, mg->m->copy);
	db_bind_text(st, 7, now);
	if ((rc = db_step_done(mg->db, st, "recording a conflict")) != QREL_OK)
		return rc;
	if (sqlite3_changes(db_handle(mg->db)) == 0)
		return QREL_OK;	/* seen before: the same bundle again records nothing */
	mg->st->conflicts++;
	snprintf(reason, sizeof(reason), "changed here and in copy %s; this copy's value is kept until the lead "
		 "resolves it", mg->m->copy);
	return changelog_add(mg->db, mg->review, mg->who, entity, l->uuid, "sync conflict", l->value, r->value,
			     reason);
}

typedef int apply_fn(struct merge *mg, const struct local_row *l, sqlite3_stmt *row);

/* Decides and acts on one incoming row that exists here. What would change
 * something here (taking the row, or recording a conflict) is the exporter's
 * write w, and the gate must allow it. */
static int
merge_existing(struct merge *mg, const char *entity, const struct local_row *l, const struct remote_row *r,
	       apply_fn *apply, sqlite3_stmt *row, const struct gate_write *w)
{
	enum sync_action act = sync_decide(l->value, l->base, l->version, r->value, r->base, r->version);
	int rc;

	if ((act == SYNC_TAKE || act == SYNC_CONFLICT) && (rc = exporter_may(mg, w, entity, l->uuid)) != QREL_OK)
		return rc;
	switch (act) {
	case SYNC_SAME:
		mg->st->unchanged++;
		return l->base ? settle(mg, entity, l->uuid, "agreed") : QREL_OK;
	case SYNC_KEEP:
		mg->st->unchanged++;
		return QREL_OK;
	case SYNC_STALE:
		mg->st->stale++;
		return QREL_OK;
	case SYNC_TAKE:
		mg->st->updated++;
		if ((rc = apply(mg, l, row)) != QREL_OK ||
		    (rc = log_applied(mg, entity, l->uuid, "sync import", l->value, r->value)) != QREL_OK)
			return rc;
		return settle(mg, entity, l->uuid, "remote");
	case SYNC_CONFLICT:
	default:
		return record_conflict(mg, entity, l, r);
	}
}

/* Fills l from a query returning id, uuid, value, base, version. */
static int
load_local(struct merge *mg, sqlite3_stmt *st, struct local_row *l)
{
	int rc = sqlite3_step(st);

	memset(l, 0, sizeof(*l));
	if (rc == SQLITE_ROW) {
		l->id = sqlite3_column_int64(st, 0);
		snprintf(l->uuid, sizeof(l->uuid), "%s", db_col_text(st, 1));
		l->value = xstrdup(db_col_text(st, 2));
		l->base = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : xstrdup(db_col_text(st, 3));
		l->version = sqlite3_column_int64(st, 4);
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(mg->db, "reading a local row");
	sqlite3_reset(st);
	return rc;
}

/* ---- import: notes ---- */

enum { BN_UUID, BN_SITE, BN_ACTIVITY, BN_SOURCE, BN_AUTHOR, BN_VALENCE, BN_TEXT, BN_CREATED, BN_UPDATED,
	BN_DELETED, BN_VERSION, BN_BASE, BN_CLUSTERS, BN_SUBGROUPS, BN_VALUE };

static const char note_rows[] =
	"SELECT uuid, site, activity, source, author, valence, text, created_at, updated_at, deleted_at, version, "
	"base, clusters, subgroups, " SYNC_NOTE_VALUE("b") " FROM bundle.note b ORDER BY created_at, uuid";

static int
link_clusters(struct merge *mg, int64_t note, const char *codes)
{
	char *list = xstrdup(codes), *save = NULL;
	int rc = QREL_OK;

	for (char *c = strtok_r(list, "\x1e", &save); c && rc == QREL_OK; c = strtok_r(NULL, "\x1e", &save)) {
		int64_t cluster = store_cluster_id(mg->db, mg->review, c);

		if (cluster <= 0)
			rc = cluster < 0 ? QREL_DB : error(QREL_PARSE, "the bundle tags a note to cluster '%s', "
				"which this review's framework does not have", c);
		else
			rc = note_link_clusters(mg->db, note, &cluster, 1);
	}
	free(list);
	return rc;
}

static int
link_subgroups(struct merge *mg, int64_t note, const char *pairs)
{
	char *list = xstrdup(pairs), *save = NULL;
	int rc = QREL_OK;

	for (char *p = strtok_r(list, "\x1e", &save); p && rc == QREL_OK; p = strtok_r(NULL, "\x1e", &save)) {
		char *grp = strchr(p, '\x1f');

		if (grp)
			*grp++ = '\0';
		rc = note_link_subgroup(mg->db, note, p, grp ? grp : "");
	}
	free(list);
	return rc;
}

/* Replaces a note's clusters and subgroups with the bundle's. */
static int
relink_note(struct merge *mg, int64_t note, sqlite3_stmt *row)
{
	int rc;

	if ((rc = note_unlink_clusters(mg->db, note)) != QREL_OK || (rc = note_unlink_subgroups(mg->db, note)) != QREL_OK)
		return rc;
	if ((rc = link_clusters(mg, note, col(row, BN_CLUSTERS) ? col(row, BN_CLUSTERS) : "")) != QREL_OK)
		return rc;
	return link_subgroups(mg, note, col(row, BN_SUBGROUPS) ? col(row, BN_SUBGROUPS) : "");
}

static int
note_refs(struct merge *mg, sqlite3_stmt *row, int64_t *site, int64_t *author)
{
	*site = store_site_id(mg->db, mg->review, db_col_text(row, BN_SITE));
	*author = store_person_id(mg->db, mg->review, db_col_text(row, BN_AUTHOR));
	if (*site < 0 || *author < 0)
		return QREL_DB;
	if (!*site || !*author)
		return error(QREL_PARSE, "note %s names %s '%s', which neither this copy nor the bundle has",
			db_col_text(row, BN_UUID), !*site ? "site" : "author",
			db_col_text(row, !*site ? BN_SITE : BN_AUTHOR));
	return QREL_OK;
}

/* A uuid names one row for ever: a bundle row whose uuid is a row here with
 * other keys (site, cluster, rater or kind; site or author) is refused. */
static int
same_keys(struct merge *mg, const char *sql, const char *entity, const char *uuid, const int64_t *keys, size_t n,
	  const char *kind)
{
	sqlite3_stmt *st = db_stmt(mg->db, sql);
	bool same = true;
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, uuid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < n; i++)
			same = same && sqlite3_column_int64(st, (int)i) == keys[i];
		same = same && (!kind || strcmp(db_col_text(st, (int)n), kind) == 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(mg->db, "reading a row by uuid");
	if (same)
		return QREL_OK;
	error(QREL_DENIED, "its uuid is a %s here at another %s: a bundle cannot move or re-own a row", entity,
	      kind ? "site, cluster, rater or kind" : "site or by another author");
	return row_refused(mg, QREL_DENIED, entity, uuid);
}

static int
note_keys(struct merge *mg, sqlite3_stmt *row, int64_t site, int64_t author)
{
	static const char sql[] = "SELECT site_id, author_id FROM note WHERE uuid = ?1";

	return same_keys(mg, sql, "note", col(row, BN_UUID), (const int64_t[]){ site, author }, 2, NULL);
}

static struct gate_write
note_write(int64_t site, int64_t author)
{
	return (struct gate_write){ .what = GATE_NOTE, .site = site, .owner = author };
}

static int
insert_note(struct merge *mg, sqlite3_stmt *row)
{
	struct gate_write w;
	int64_t site, author, note;
	int rc;

	if ((rc = note_refs(mg, row, &site, &author)) == QREL_OK) {
		w = note_write(site, author);
		rc = exporter_may(mg, &w, "note", col(row, BN_UUID));
	}
	if (rc != QREL_OK || (rc = note_insert_row(mg->db, &(struct note_fields){ .uuid = col(row, BN_UUID),
		.review = mg->review, .site = site, .activity_uuid = col(row, BN_ACTIVITY),
		.source = col(row, BN_SOURCE), .author = author, .valence = col(row, BN_VALENCE),
		.text = col(row, BN_TEXT), .created_at = col(row, BN_CREATED), .updated_at = col(row, BN_UPDATED),
		.deleted_at = col(row, BN_DELETED), .version = sqlite3_column_int64(row, BN_VERSION) },
		"adding a note from the bundle", &note)) != QREL_OK)
		return rc;
	if ((rc = log_applied(mg, "note", col(row, BN_UUID), "create", NULL, col(row, BN_TEXT))) != QREL_OK)
		return rc;
	mg->st->inserted++;
	return relink_note(mg, note, row);
}

static int
apply_note(struct merge *mg, const struct local_row *l, sqlite3_stmt *row)
{
	int rc = note_apply_row(mg->db, l->id, &(struct note_fields){ .valence = col(row, BN_VALENCE),
		.text = col(row, BN_TEXT), .deleted_at = col(row, BN_DELETED), .updated_at = col(row, BN_UPDATED),
		.version = sqlite3_column_int64(row, BN_VERSION) }, "updating a note from the bundle");

	if (rc != QREL_OK)
		return rc;
	return relink_note(mg, l->id, row);
}

static int
merge_note(struct merge *mg, sqlite3_stmt *row)
{
	static const char sql[] = "SELECT n.id, n.uuid, " SYNC_NOTE_VALUE("n") ", b.value, n.version FROM note n "
				  "LEFT JOIN sync_base b ON b.entity = 'note' AND b.uuid = n.uuid WHERE n.uuid = ?1";
	sqlite3_stmt *st = db_stmt(mg->db, sql);
	struct remote_row r = { col(row, BN_UUID), col(row, BN_VALUE), col(row, BN_BASE),
				sqlite3_column_int64(row, BN_VERSION) };
	struct gate_write w;
	struct local_row l;
	int64_t site, author;
	int rc;

	if (!st)
		return QREL_DB;
	if (!r.uuid || !r.value)
		return error(QREL_PARSE, "the bundle holds a note without a uuid or text");
	if ((rc = note_refs(mg, row, &site, &author)) != QREL_OK || (rc = note_keys(mg, row, site, author)) != QREL_OK)
		return rc;
	w = note_write(site, author);
	db_bind_text(st, 1, r.uuid);
	if ((rc = load_local(mg, st, &l)) != QREL_OK)
		return rc;
	rc = l.id ? merge_existing(mg, "note", &l, &r, apply_note, row, &w) : insert_note(mg, row);
	local_free(&l);
	return rc;
}

/* ---- import: scores ---- */

enum { BS_UUID, BS_SITE, BS_CLUSTER, BS_RATER, BS_KIND, BS_LEVEL, BS_INSUFFICIENT, BS_RATIONALE, BS_UPDATED,
	BS_VERSION, BS_BASE, BS_VALUE };

static const char score_rows[] =
	"SELECT uuid, site, cluster, rater, kind, level, insufficient, rationale, updated_at, version, base, "
	SYNC_SCORE_VALUE("b") " FROM bundle.score b ORDER BY uuid";

struct score_key {
	int64_t site, cluster, rater;
};

static int
score_refs(struct merge *mg, sqlite3_stmt *row, struct score_key *k)
{
	static const char *const what[] = { "site", "cluster", "rater" };
	int64_t *ids[] = { &k->site, &k->cluster, &k->rater };

	k->site = store_site_id(mg->db, mg->review, db_col_text(row, BS_SITE));
	k->cluster = store_cluster_id(mg->db, mg->review, db_col_text(row, BS_CLUSTER));
	k->rater = store_person_id(mg->db, mg->review, db_col_text(row, BS_RATER));
	for (int i = 0; i < 3; i++) {
		if (*ids[i] < 0)
			return QREL_DB;
		if (*ids[i] == 0)
			return error(QREL_PARSE, "score %s names %s '%s', which neither this copy nor the bundle has",
				db_col_text(row, BS_UUID), what[i], db_col_text(row, BS_SITE + i));
	}
	return QREL_OK;
}

/* The bundle row's value as the score writers take it (score.h). */
static struct score_fields
score_value(sqlite3_stmt *row)
{
	return (struct score_fields){ .rated = sqlite3_column_type(row, BS_LEVEL) != SQLITE_NULL,
		.level = sqlite3_column_int64(row, BS_LEVEL), .insufficient = sqlite3_column_int(row, BS_INSUFFICIENT),
		.rationale = col(row, BS_RATIONALE) ? col(row, BS_RATIONALE) : "", .updated_at = col(row, BS_UPDATED),
		.version = sqlite3_column_int64(row, BS_VERSION) };
}

/* The bundle's score as the gate sees it: a known kind, a whole level or none,
 * NE as 0 or 1. */
static int
score_write(struct merge *mg, sqlite3_stmt *row, const struct score_key *k, struct gate_write *w)
{
	enum score_kind kind;
	int lt = sqlite3_column_type(row, BS_LEVEL), nt = sqlite3_column_type(row, BS_INSUFFICIENT);
	sqlite3_int64 level = lt == SQLITE_INTEGER ? sqlite3_column_int64(row, BS_LEVEL) : 0;
	sqlite3_int64 ne = sqlite3_column_int64(row, BS_INSUFFICIENT);
	int rc = QREL_OK;

	if (score_kind_parse(col(row, BS_KIND), &kind) != QREL_OK)
		rc = QREL_PARSE;
	else if ((lt != SQLITE_NULL && lt != SQLITE_INTEGER) || level < 0 || level > 1000000)
		rc = error(QREL_PARSE, "the level is not a whole number on the scale");
	else if (nt != SQLITE_INTEGER || (ne != 0 && ne != 1))
		rc = error(QREL_PARSE, "insufficient is not 0 or 1");
	if (rc != QREL_OK)
		return row_refused(mg, rc, "score", col(row, BS_UUID));
	*w = (struct gate_write){ .what = GATE_SCORE, .site = k->site, .owner = k->rater, .score_kind = kind,
				  .level = (int)level, .insufficient = ne != 0 };
	return QREL_OK;
}

static int
score_keys(struct merge *mg, sqlite3_stmt *row, const struct score_key *k)
{
	static const char sql[] = "SELECT site_id, cluster_id, rater_id, kind FROM score WHERE uuid = ?1";

	return same_keys(mg, sql, "score", col(row, BS_UUID), (const int64_t[]){ k->site, k->cluster, k->rater }, 3,
			 col(row, BS_KIND));
}

static int
insert_score(struct merge *mg, const struct score_key *k, sqlite3_stmt *row, const struct gate_write *w)
{
	struct score_fields f = score_value(row);
	int rc;

	if ((rc = exporter_may(mg, w, "score", col(row, BS_UUID))) != QREL_OK)
		return rc;
	f.uuid = col(row, BS_UUID);
	f.review = mg->review;
	f.site = k->site;
	f.cluster = k->cluster;
	f.rater = k->rater;
	f.kind = col(row, BS_KIND);
	if ((rc = score_insert_row(mg->db, &f, "adding a score from the bundle")) != QREL_OK ||
	    (rc = log_applied(mg, "score", col(row, BS_UUID), "sync import", NULL, col(row, BS_VALUE))) != QREL_OK)
		return rc;
	mg->st->inserted++;
	return QREL_OK;
}

static int
apply_score(struct merge *mg, const struct local_row *l, sqlite3_stmt *row)
{
	struct score_fields f = score_value(row);

	return score_apply_row(mg->db, l->id, &f, "updating a score from the bundle");
}

/* By uuid, else by what the score is (two copies may each have created it). */
static int
merge_score(struct merge *mg, sqlite3_stmt *row)
{
	static const char sql[] = "SELECT s.id, s.uuid, " SYNC_SCORE_VALUE("s") ", b.value, s.version FROM score s "
				  "LEFT JOIN sync_base b ON b.entity = 'score' AND b.uuid = s.uuid WHERE s.uuid = ?1 "
				  "OR (s.site_id = ?2 AND s.cluster_id = ?3 AND s.rater_id = ?4 AND s.kind = ?5) "
				  "ORDER BY s.uuid = ?1 DESC LIMIT 1";
	struct remote_row r = { col(row, BS_UUID), col(row, BS_VALUE), col(row, BS_BASE),
				sqlite3_column_int64(row, BS_VERSION) };
	struct gate_write w;
	struct score_key k;
	struct local_row l;
	sqlite3_stmt *st;
	int rc;

	if (!r.uuid || !r.value)
		return error(QREL_PARSE, "the bundle holds a score without a uuid or value");
	if ((rc = score_refs(mg, row, &k)) != QREL_OK || (rc = score_write(mg, row, &k, &w)) != QREL_OK ||
	    (rc = score_keys(mg, row, &k)) != QREL_OK || !(st = db_stmt(mg->db, sql)))
		return rc != QREL_OK ? rc : QREL_DB;
	db_bind_text(st, 1, r.uuid);
	sqlite3_bind_int64(st, 2, k.site);
	sqlite3_bind_int64(st, 3, k.cluster);
	sqlite3_bind_int64(st, 4, k.rater);
	db_bind_text(st, 5, col(row, BS_KIND));
	if ((rc = load_local(mg, st, &l)) != QREL_OK)
		return rc;
	rc = l.id ? merge_existing(mg, "score", &l, &r, apply_score, row, &w) : insert_score(mg, &k, row, &w);
	local_free(&l);
	return rc;
}

/* ---- import: findings and recommendations ---- */

/* Nothing changes a final report here, a bundle neither. */
static int
report_open_here(struct merge *mg, const char *entity, const char *uuid)
{
	if (!findings_final(mg->db, mg->review))
		return QREL_OK;
	error(QREL_LOCKED, "the report is final here: the lead reopens it before its findings change");
	return row_refused(mg, QREL_LOCKED, entity, uuid);
}

/* A change to a finding or recommendation: the gate's write, and the report still a draft. */
static int
written_may(struct merge *mg, int64_t site, const char *entity, const char *uuid)
{
	struct gate_write w = { .what = GATE_FINDING, .site = site };
	int rc = report_open_here(mg, entity, uuid);

	return rc == QREL_OK ? exporter_may(mg, &w, entity, uuid) : rc;
}

/* Deleted here: a deletion wins over the other copy's row. */
static int
gone_here(struct merge *mg, const char *entity, const char *uuid, bool *gone)
{
	static const char sql[] = "SELECT 1 FROM sync_gone WHERE entity = ?1 AND uuid = ?2";
	sqlite3_stmt *st = db_stmt(mg->db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, uuid);
	rc = sqlite3_step(st);
	*gone = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(mg->db, "reading the deleted rows");
}

/* Runs sql (?1 the row, ?2.. the parts of one item) for each item of list
 * (items split at char 30, parts at char 31); *added counts the rows written. */
static int
link_items(struct merge *mg, const char *sql, int64_t id, const char *list, int nparts, long long *added)
{
	char *copy = xstrdup(list ? list : ""), *save = NULL;
	int rc = QREL_OK;

	for (char *item = strtok_r(copy, "\x1e", &save); item && rc == QREL_OK; item = strtok_r(NULL, "\x1e", &save)) {
		sqlite3_stmt *st = db_stmt(mg->db, sql);
		char *part = item;

		if (!st) {
			rc = QREL_DB;
			break;
		}
		sqlite3_bind_int64(st, 1, id);
		for (int i = 0; i < nparts; i++) {
			char *next = part ? strchr(part, '\x1f') : NULL;

			if (next)
				*next++ = '\0';
			db_bind_text(st, i + 2, part ? part : "");
			part = next;
		}
		sqlite3_bind_int64(st, nparts + 2, mg->review);
		if ((rc = db_step_done(mg->db, st, "linking a row from the bundle")) == QREL_OK)
			*added += sqlite3_changes(db_handle(mg->db));
	}
	free(copy);
	return rc;
}

/* The row's links from the bundle: all of them in place of ours (replace), or
 * those we lack added. A note, finding or site this copy lacks is left out. */
struct link_set {
	const char *del, *add;
	int col, nparts;
};

static int
relink(struct merge *mg, const struct link_set *ls, size_t n, int64_t id, sqlite3_stmt *row, bool replace,
       long long *added)
{
	int rc = QREL_OK;

	for (size_t i = 0; i < n && rc == QREL_OK; i++) {
		sqlite3_stmt *st;

		if (replace) {
			if (!(st = db_stmt(mg->db, ls[i].del)))
				return QREL_DB;
			sqlite3_bind_int64(st, 1, id);
			if ((rc = db_step_done(mg->db, st, "relinking a row")) != QREL_OK)
				return rc;
		}
		rc = link_items(mg, ls[i].add, id, col(row, ls[i].col), ls[i].nparts, added);
	}
	return rc;
}

/* After the row itself: links the other copy added, as the exporter's write. */
static int
links_added(struct merge *mg, const struct link_set *ls, size_t n, const struct local_row *l, sqlite3_stmt *row,
	    const char *entity, int64_t site)
{
	long long added = 0;
	char what[48];
	int rc = relink(mg, ls, n, l->id, row, false, &added);

	if (rc != QREL_OK || !added)
		return rc;
	if ((rc = written_may(mg, site, entity, l->uuid)) != QREL_OK)
		return rc;	/* the import rolls back, links and all */
	snprintf(what, sizeof(what), "%lld links from the bundle", added);
	return log_applied(mg, entity, l->uuid, "links", NULL, what);
}

enum { BF_UUID, BF_SITE, BF_DOMAIN, BF_CLUSTER, BF_AUTHOR, BF_KIND, BF_TEXT, BF_CREATED, BF_UPDATED, BF_VERSION,
	BF_BASE, BF_NOTES, BF_SUBGROUPS, BF_VALUE };

static const char finding_rows[] =
	"SELECT uuid, site, domain, cluster, author, kind, text, created_at, updated_at, version, base, notes, "
	"subgroups, " SYNC_FINDING_VALUE("b") " FROM bundle.finding b ORDER BY created_at, uuid";

static const struct link_set finding_links[] = {
	{ "DELETE FROM finding_note WHERE finding_id = ?1",
	  "INSERT OR IGNORE INTO finding_note(finding_id, note_id, stakeholder, created_at) SELECT ?1, n.id, ?3, "
	  "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM note n WHERE n.uuid = ?2 AND n.review_id = ?4", BF_NOTES, 2 },
	{ "DELETE FROM finding_subgroup WHERE finding_id = ?1",
	  "INSERT OR IGNORE INTO finding_subgroup(finding_id, site_id, year, metric_id, dimension, grp) "
	  "SELECT ?1, s.id, ?3, m.id, ?5, ?6 FROM site s JOIN metric m ON m.review_id = s.review_id AND m.code = ?4 "
	  "WHERE s.review_id = ?7 AND s.code = ?2 COLLATE NOCASE", BF_SUBGROUPS, 5 },
};

struct finding_key {
	int64_t site, domain, cluster, author;
};

/* One code or name of the row, looked up here; 0 for none given. */
static int
finding_ref(struct merge *mg, sqlite3_stmt *row, int c, int64_t id, const char *what, int64_t *out)
{
	const char *v = col(row, c);

	*out = v && *v ? id : 0;
	if (*out < 0)
		return QREL_DB;
	if (v && *v && !*out)
		return row_refused(mg, error(QREL_PARSE, "it names %s '%s', which this review does not have", what, v),
				   "finding", col(row, BF_UUID));
	return QREL_OK;
}

/* The domain of a cluster; 0 for none, -1 on a database error. */
static int64_t
cluster_domain(struct db *db, int64_t cluster)
{
	static const char sql[] = "SELECT domain_id FROM cluster WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t dom = 0;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cluster);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		dom = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? dom : -1;
}

static int
finding_refs(struct merge *mg, sqlite3_stmt *row, struct finding_key *k)
{
	enum finding_kind kind;
	int64_t dom;
	int rc;

	if (!col(row, BF_UUID) || !col(row, BF_TEXT) || !*col(row, BF_TEXT) || !col(row, BF_KIND) ||
	    finding_kind_parse(col(row, BF_KIND), &kind) != QREL_OK)
		return row_refused(mg, error(QREL_PARSE, "a finding needs a uuid, strength or growth, and a text"),
				   "finding", col(row, BF_UUID));
	if ((rc = finding_ref(mg, row, BF_SITE, store_site_id(mg->db, mg->review, col(row, BF_SITE)), "site",
			      &k->site)) != QREL_OK ||
	    (rc = finding_ref(mg, row, BF_DOMAIN, findings_domain_id(mg->db, mg->review, col(row, BF_DOMAIN)), "domain",
			      &k->domain)) != QREL_OK ||
	    (rc = finding_ref(mg, row, BF_CLUSTER, store_cluster_id(mg->db, mg->review, col(row, BF_CLUSTER)),
			      "cluster", &k->cluster)) != QREL_OK ||
	    (rc = finding_ref(mg, row, BF_AUTHOR, store_person_id(mg->db, mg->review, col(row, BF_AUTHOR)), "author",
			      &k->author)) != QREL_OK)
		return rc;
	if ((dom = k->cluster ? cluster_domain(mg->db, k->cluster) : k->domain) < 0)
		return QREL_DB;
	if (!k->domain || dom != k->domain)
		return row_refused(mg, error(QREL_PARSE, "its domain and cluster do not agree with this review's framework"),
				   "finding", col(row, BF_UUID));
	return QREL_OK;
}

static int
insert_finding(struct merge *mg, sqlite3_stmt *row, const struct finding_key *k)
{
	static const char sql[] = "INSERT INTO finding(uuid, review_id, site_id, domain_id, cluster_id, kind, text, "
				  "author_id, created_at, updated_at, version) VALUES (?1, ?2, nullif(?3, 0), ?4, "
				  "nullif(?5, 0), ?6, ?7, nullif(?8, 0), coalesce(?9, ?10, ?12), coalesce(?10, ?12), "
				  "coalesce(?11, 1))";
	sqlite3_stmt *st;
	char now[21];
	long long added = 0;
	int64_t id;
	int rc;

	if ((rc = written_may(mg, k->site, "finding", col(row, BF_UUID))) != QREL_OK)
		return rc;
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, col(row, BF_UUID));
	sqlite3_bind_int64(st, 2, mg->review);
	sqlite3_bind_int64(st, 3, k->site);
	sqlite3_bind_int64(st, 4, k->domain);
	sqlite3_bind_int64(st, 5, k->cluster);
	db_bind_text(st, 6, col(row, BF_KIND));
	db_bind_text(st, 7, col(row, BF_TEXT));
	sqlite3_bind_int64(st, 8, k->author);
	db_bind_text(st, 9, col(row, BF_CREATED));
	db_bind_text(st, 10, col(row, BF_UPDATED));
	sqlite3_bind_int64(st, 11, sqlite3_column_int64(row, BF_VERSION));
	db_bind_text(st, 12, now);
	if ((rc = db_step_done(mg->db, st, "adding a finding from the bundle")) != QREL_OK)
		return rc;
	id = sqlite3_last_insert_rowid(db_handle(mg->db));
	if ((rc = log_applied(mg, "finding", col(row, BF_UUID), "create", NULL, col(row, BF_TEXT))) != QREL_OK)
		return rc;
	mg->st->inserted++;
	return relink(mg, finding_links, ARRAY_SIZE(finding_links), id, row, false, &added);
}

static int
apply_finding(struct merge *mg, const struct local_row *l, sqlite3_stmt *row)
{
	static const char sql[] = "UPDATE finding SET kind = ?1, text = ?2, updated_at = coalesce(?3, updated_at), "
				  "version = max(version + 1, ?4) WHERE id = ?5";
	sqlite3_stmt *st;
	long long added = 0;
	int rc;

	if ((rc = report_open_here(mg, "finding", l->uuid)) != QREL_OK)
		return rc;
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	db_bind_text(st, 1, col(row, BF_KIND));
	db_bind_text(st, 2, col(row, BF_TEXT));
	db_bind_text(st, 3, col(row, BF_UPDATED));
	sqlite3_bind_int64(st, 4, sqlite3_column_int64(row, BF_VERSION));
	sqlite3_bind_int64(st, 5, l->id);
	if ((rc = db_step_done(mg->db, st, "updating a finding from the bundle")) != QREL_OK)
		return rc;
	return relink(mg, finding_links, ARRAY_SIZE(finding_links), l->id, row, true, &added);
}

static int
merge_finding(struct merge *mg, sqlite3_stmt *row)
{
	static const char sql[] = "SELECT f.id, f.uuid, " SYNC_FINDING_VALUE("f") ", b.value, f.version FROM finding f "
				  "LEFT JOIN sync_base b ON b.entity = 'finding' AND b.uuid = f.uuid WHERE f.uuid = ?1";
	static const char keys[] = "SELECT coalesce(site_id, 0), domain_id, coalesce(cluster_id, 0) FROM finding "
				   "WHERE uuid = ?1";
	struct remote_row r = { col(row, BF_UUID), col(row, BF_VALUE), col(row, BF_BASE),
				sqlite3_column_int64(row, BF_VERSION) };
	struct gate_write w;
	struct finding_key k;
	struct local_row l;
	sqlite3_stmt *st;
	bool gone;
	int rc;

	if ((rc = finding_refs(mg, row, &k)) != QREL_OK || (rc = gone_here(mg, "finding", r.uuid, &gone)) != QREL_OK)
		return rc;
	if (gone) {
		mg->st->stale++;
		return QREL_OK;
	}
	if ((rc = same_keys(mg, keys, "finding", r.uuid, (const int64_t[]){ k.site, k.domain, k.cluster }, 3, NULL))
	    != QREL_OK || !(st = db_stmt(mg->db, sql)))
		return rc != QREL_OK ? rc : QREL_DB;
	db_bind_text(st, 1, r.uuid);
	if ((rc = load_local(mg, st, &l)) != QREL_OK)
		return rc;
	w = (struct gate_write){ .what = GATE_FINDING, .site = k.site };
	if (!l.id)
		rc = insert_finding(mg, row, &k);
	else if ((rc = merge_existing(mg, "finding", &l, &r, apply_finding, row, &w)) == QREL_OK)
		rc = links_added(mg, finding_links, ARRAY_SIZE(finding_links), &l, row, "finding", k.site);
	local_free(&l);
	return rc;
}

enum { BR_UUID, BR_NUMBER, BR_PRIORITY, BR_TITLE, BR_TEXT, BR_STAKEHOLDERS, BR_AUTHOR, BR_CREATED, BR_UPDATED,
	BR_VERSION, BR_BASE, BR_FINDINGS, BR_VALUE };

static const char rec_rows[] =
	"SELECT uuid, number, priority, title, text, stakeholders, author, created_at, updated_at, version, base, "
	"findings, " SYNC_REC_VALUE("b") " FROM bundle.recommendation b ORDER BY number, uuid";

static const struct link_set rec_links[] = {
	{ "DELETE FROM recommendation_finding WHERE recommendation_id = ?1",
	  "INSERT OR IGNORE INTO recommendation_finding(recommendation_id, finding_id) SELECT ?1, f.id FROM finding f "
	  "WHERE f.uuid = ?2 AND f.review_id = ?3", BR_FINDINGS, 1 },
};

static int
rec_checked(struct merge *mg, sqlite3_stmt *row, int64_t *author)
{
	enum rec_priority p;
	const char *name = col(row, BR_AUTHOR);

	if (!col(row, BR_UUID) || !col(row, BR_TITLE) || !*col(row, BR_TITLE) || !col(row, BR_PRIORITY) ||
	    rec_priority_parse(col(row, BR_PRIORITY), &p) != QREL_OK || !col(row, BR_VALUE))
		return row_refused(mg, error(QREL_PARSE, "a recommendation needs a uuid, a title and a priority "
					     "(high, medium or low)"), "recommendation", col(row, BR_UUID));
	*author = name && *name ? store_person_id(mg->db, mg->review, name) : 0;
	if (*author < 0)
		return QREL_DB;
	if (name && *name && !*author)
		return row_refused(mg, error(QREL_PARSE, "it names author '%s', who is not in this review", name),
				   "recommendation", col(row, BR_UUID));
	return QREL_OK;
}

/* Its number, unless this copy gave that number to another: then after the last. */
static int
insert_rec(struct merge *mg, sqlite3_stmt *row, int64_t author)
{
	static const char sql[] = "INSERT INTO recommendation(uuid, review_id, number, priority, title, text, "
				  "stakeholders, author_id, created_at, updated_at, version) VALUES (?1, ?2, "
				  "CASE WHEN ?3 >= 1 AND NOT EXISTS (SELECT 1 FROM recommendation WHERE review_id = ?2 "
				  "AND number = ?3) THEN ?3 ELSE (SELECT coalesce(max(number), 0) + 1 FROM recommendation "
				  "WHERE review_id = ?2) END, ?4, ?5, coalesce(?6, ''), coalesce(?7, ''), nullif(?8, 0), "
				  "coalesce(?9, ?10, ?12), coalesce(?10, ?12), coalesce(?11, 1))";
	sqlite3_stmt *st;
	long long added = 0;
	char now[21];
	int64_t id;
	int rc;

	if ((rc = written_may(mg, 0, "recommendation", col(row, BR_UUID))) != QREL_OK)
		return rc;
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, col(row, BR_UUID));
	sqlite3_bind_int64(st, 2, mg->review);
	sqlite3_bind_int64(st, 3, sqlite3_column_int64(row, BR_NUMBER));
	for (int i = BR_PRIORITY; i <= BR_STAKEHOLDERS; i++)
		db_bind_text(st, i + 2, col(row, i));
	sqlite3_bind_int64(st, 8, author);
	db_bind_text(st, 9, col(row, BR_CREATED));
	db_bind_text(st, 10, col(row, BR_UPDATED));
	sqlite3_bind_int64(st, 11, sqlite3_column_int64(row, BR_VERSION));
	db_bind_text(st, 12, now);
	if ((rc = db_step_done(mg->db, st, "adding a recommendation from the bundle")) != QREL_OK)
		return rc;
	id = sqlite3_last_insert_rowid(db_handle(mg->db));
	if ((rc = log_applied(mg, "recommendation", col(row, BR_UUID), "create", NULL, col(row, BR_TITLE))) != QREL_OK)
		return rc;
	mg->st->inserted++;
	return relink(mg, rec_links, ARRAY_SIZE(rec_links), id, row, false, &added);
}

static int
apply_rec(struct merge *mg, const struct local_row *l, sqlite3_stmt *row)
{
	static const char sql[] = "UPDATE recommendation SET priority = ?1, title = ?2, text = coalesce(?3, ''), "
				  "stakeholders = coalesce(?4, ''), updated_at = coalesce(?5, updated_at), "
				  "version = max(version + 1, ?6) WHERE id = ?7";
	sqlite3_stmt *st;
	long long added = 0;
	int rc;

	if ((rc = report_open_here(mg, "recommendation", l->uuid)) != QREL_OK)
		return rc;
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	for (int i = BR_PRIORITY; i <= BR_STAKEHOLDERS; i++)
		db_bind_text(st, i - BR_PRIORITY + 1, col(row, i));
	db_bind_text(st, 5, col(row, BR_UPDATED));
	sqlite3_bind_int64(st, 6, sqlite3_column_int64(row, BR_VERSION));
	sqlite3_bind_int64(st, 7, l->id);
	if ((rc = db_step_done(mg->db, st, "updating a recommendation from the bundle")) != QREL_OK)
		return rc;
	return relink(mg, rec_links, ARRAY_SIZE(rec_links), l->id, row, true, &added);
}

static int
merge_rec(struct merge *mg, sqlite3_stmt *row)
{
	static const char sql[] = "SELECT r.id, r.uuid, " SYNC_REC_VALUE("r") ", b.value, r.version FROM recommendation r "
				  "LEFT JOIN sync_base b ON b.entity = 'recommendation' AND b.uuid = r.uuid "
				  "WHERE r.uuid = ?1 AND r.review_id = ?2";
	struct remote_row r = { col(row, BR_UUID), col(row, BR_VALUE), col(row, BR_BASE),
				sqlite3_column_int64(row, BR_VERSION) };
	struct gate_write w = { .what = GATE_FINDING };
	struct local_row l;
	sqlite3_stmt *st;
	int64_t author;
	bool gone;
	int rc;

	if ((rc = rec_checked(mg, row, &author)) != QREL_OK ||
	    (rc = gone_here(mg, "recommendation", r.uuid, &gone)) != QREL_OK)
		return rc;
	if (gone) {
		mg->st->stale++;
		return QREL_OK;
	}
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	db_bind_text(st, 1, r.uuid);
	sqlite3_bind_int64(st, 2, mg->review);
	if ((rc = load_local(mg, st, &l)) != QREL_OK)
		return rc;
	if (!l.id)
		rc = insert_rec(mg, row, author);
	else if ((rc = merge_existing(mg, "recommendation", &l, &r, apply_rec, row, &w)) == QREL_OK)
		rc = links_added(mg, rec_links, ARRAY_SIZE(rec_links), &l, row, "recommendation", 0);
	local_free(&l);
	return rc;
}

/* A finding or recommendation the other copy deleted goes here too, as the
 * exporter's write; the change log keeps its text. */
static const char gone_rows[] = "SELECT uuid, entity FROM bundle.gone ORDER BY entity DESC, uuid";

static int
merge_gone(struct merge *mg, sqlite3_stmt *row)
{
	static const char *const find[][2] = {
		{ "finding", "SELECT id, coalesce(site_id, 0), text FROM finding WHERE uuid = ?1 AND review_id = ?2" },
		{ "recommendation", "SELECT id, 0, title FROM recommendation WHERE uuid = ?1 AND review_id = ?2" },
	};
	static const char *const del[] = { "DELETE FROM finding WHERE id = ?1", "DELETE FROM recommendation WHERE id = ?1" };
	static const char mark[] = "INSERT OR IGNORE INTO sync_gone(entity, uuid) VALUES (?1, ?2)";
	const char *uuid = col(row, 0), *entity = col(row, 1);
	size_t e = entity && strcmp(entity, "recommendation") == 0;
	sqlite3_stmt *st;
	int64_t id, site;
	char *old;
	int rc;

	if (!uuid || !entity || strcmp(entity, find[e][0]) != 0)
		return row_refused(mg, error(QREL_PARSE, "a deletion of '%s', which no bundle carries", entity ? entity : ""),
				   "gone", uuid);
	if (!(st = db_stmt(mg->db, find[e][1])))
		return QREL_DB;
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, mg->review);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	site = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	old = rc == SQLITE_ROW ? xstrdup(db_col_text(st, 2)) : NULL;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(mg->db, "reading a deleted row");
	if (!id) {	/* never here, or gone already: remember it, so no later bundle brings it back */
		mg->st->unchanged++;
		if (!(st = db_stmt(mg->db, mark)))
			return QREL_DB;
		db_bind_text(st, 1, entity);
		db_bind_text(st, 2, uuid);
		return db_step_done(mg->db, st, "remembering a deletion");
	}
	if ((rc = written_may(mg, site, entity, uuid)) == QREL_OK && (st = db_stmt(mg->db, del[e]))) {
		sqlite3_bind_int64(st, 1, id);
		if ((rc = db_step_done(mg->db, st, "deleting a row the bundle deleted")) == QREL_OK &&
		    (rc = log_applied(mg, entity, uuid, "delete", old, NULL)) == QREL_OK)
			rc = settle(mg, entity, uuid, "deleted");
		mg->st->updated++;
	} else if (rc == QREL_OK) {
		rc = QREL_DB;
	}
	free(old);
	return rc;
}

/* ---- import: the fieldwork tables ---- */

enum { BD_UUID, BD_SITE, BD_TITLE, BD_OWNER, BD_STATUS, BD_REQUESTED, BD_RECEIVED, BD_LINK, BD_UPDATED,
	BD_VERSION, BD_BASE, BD_VALUE };

static const char document_rows[] =
	"SELECT uuid, site, title, owner, status, requested_at, received_at, link, updated_at, version, base, "
	SYNC_DOCUMENT_VALUE("b") " FROM bundle.document b ORDER BY requested_at, uuid";

/* A document's site (0: review-wide), its title, status and request date checked. */
static int
document_refs(struct merge *mg, sqlite3_stmt *row, int64_t *site)
{
	const char *uuid = col(row, BD_UUID);

	*site = 0;
	if (!uuid || !*uuid || !col(row, BD_TITLE) || !*col(row, BD_TITLE) || !col(row, BD_STATUS) ||
	    !document_status_valid(col(row, BD_STATUS)) || !col(row, BD_REQUESTED))
		return row_refused(mg, error(QREL_PARSE, "a document needs a uuid, a title, a status (requested, "
					     "received or reviewed) and the day it was requested"), "document", uuid);
	if (col(row, BD_SITE) && (*site = store_site_id(mg->db, mg->review, col(row, BD_SITE))) <= 0)
		return row_refused(mg, error(QREL_PARSE, "its site is not in this review"), "document", uuid);
	return QREL_OK;
}

static int
insert_document(struct merge *mg, sqlite3_stmt *row, int64_t site)
{
	static const char sql[] = "INSERT INTO document(uuid, review_id, site_id, title, owner, status, requested_at, "
				  "received_at, link, updated_at, version) VALUES (?1, ?2, nullif(?3, 0), ?4, "
				  "coalesce(?5, ''), ?6, ?7, ?8, coalesce(?9, ''), coalesce(?10, ?7), max(?11, 1))";
	sqlite3_stmt *st = db_stmt(mg->db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, col(row, BD_UUID));
	sqlite3_bind_int64(st, 2, mg->review);
	sqlite3_bind_int64(st, 3, site);
	db_bind_text(st, 4, col(row, BD_TITLE));
	db_bind_text(st, 5, col(row, BD_OWNER));
	db_bind_text(st, 6, col(row, BD_STATUS));
	db_bind_text(st, 7, col(row, BD_REQUESTED));
	db_bind_text(st, 8, col(row, BD_RECEIVED));
	db_bind_text(st, 9, col(row, BD_LINK));
	db_bind_text(st, 10, col(row, BD_UPDATED));
	sqlite3_bind_int64(st, 11, sqlite3_column_int64(row, BD_VERSION));
	if ((rc = db_step_done(mg->db, st, "adding a document from the bundle")) != QREL_OK)
		return rc;
	mg->st->inserted++;
	return log_applied(mg, "document", col(row, BD_UUID), "create", NULL, col(row, BD_TITLE));
}

static int
apply_document(struct merge *mg, const struct local_row *l, sqlite3_stmt *row)
{
	static const char sql[] = "UPDATE document SET status = ?1, received_at = ?2, title = ?3, owner = coalesce(?4, ''), "
				  "link = coalesce(?5, ''), updated_at = coalesce(?6, updated_at), "
				  "version = max(version + 1, ?7) WHERE id = ?8";
	sqlite3_stmt *st = db_stmt(mg->db, sql);

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, col(row, BD_STATUS));
	db_bind_text(st, 2, col(row, BD_RECEIVED));
	db_bind_text(st, 3, col(row, BD_TITLE));
	db_bind_text(st, 4, col(row, BD_OWNER));
	db_bind_text(st, 5, col(row, BD_LINK));
	db_bind_text(st, 6, col(row, BD_UPDATED));
	sqlite3_bind_int64(st, 7, sqlite3_column_int64(row, BD_VERSION));
	sqlite3_bind_int64(st, 8, l->id);
	return db_step_done(mg->db, st, "updating a document from the bundle");
}

/* A document merges like a note: three ways, a conflict kept for the lead; a
 * change to it is scheduling fieldwork at its site (document.h). */
static int
merge_document(struct merge *mg, sqlite3_stmt *row)
{
	static const char sql[] = "SELECT d.id, d.uuid, " SYNC_DOCUMENT_VALUE("d") ", b.value, d.version FROM document d "
				  "LEFT JOIN sync_base b ON b.entity = 'document' AND b.uuid = d.uuid WHERE d.uuid = ?1";
	static const char keys[] = "SELECT coalesce(site_id, 0) FROM document WHERE uuid = ?1";
	struct remote_row r = { col(row, BD_UUID), col(row, BD_VALUE), col(row, BD_BASE),
				sqlite3_column_int64(row, BD_VERSION) };
	struct gate_write w = { .what = GATE_ACTIVITY };
	struct local_row l;
	sqlite3_stmt *st;
	int rc;

	if ((rc = document_refs(mg, row, &w.site)) != QREL_OK ||
	    (rc = same_keys(mg, keys, "document", r.uuid, &w.site, 1, NULL)) != QREL_OK)
		return rc;
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	db_bind_text(st, 1, r.uuid);
	if ((rc = load_local(mg, st, &l)) != QREL_OK)
		return rc;
	if (!l.id)
		rc = (rc = exporter_may(mg, &w, "document", r.uuid)) == QREL_OK ? insert_document(mg, row, w.site) : rc;
	else
		rc = merge_existing(mg, "document", &l, &r, apply_document, row, &w);
	local_free(&l);
	return rc;
}

/* An activity marked done in the other copy is done here too (done never goes
 * back to planned); a new activity arrived with its status (add_only_sql). */
static const char activity_done_rows[] =
	"SELECT a.uuid, a.site_id, a.id FROM bundle.activity_plan p JOIN activity a ON a.uuid = p.uuid "
	"WHERE p.status = 'done' AND a.status = 'planned' ORDER BY a.uuid";

static int
merge_activity_done(struct merge *mg, sqlite3_stmt *row)
{
	struct gate_write w = { .what = GATE_ACTIVITY, .site = sqlite3_column_int64(row, 1) };
	int rc;

	if ((rc = exporter_may(mg, &w, "activity", col(row, 0))) != QREL_OK ||
	    (rc = activity_mark_done(mg->db, sqlite3_column_int64(row, 2), "marking an activity done from the bundle",
				     NULL)) != QREL_OK)
		return rc;
	mg->st->updated++;
	return log_applied(mg, "activity", col(row, 0), "status", "planned", "done");
}

/* A recommendation the other copy turned into a plan objective is linked to
 * it here too (unless it is linked already): to the objective of that uuid
 * when this copy has it, else to one started here from the recommendation as
 * `recommendations to-objective` starts it, given the other copy's uuid (the
 * plan itself does not travel). A recommendation's write, and the plan's
 * when the objective is new. */
static const char rec_objective_rows[] =
	"SELECT r.uuid, r.id, (SELECT o.id FROM objective o JOIN plan p ON p.id = o.plan_id WHERE o.uuid = "
	"b.objective AND p.review_id = r.review_id), b.objective FROM bundle.rec_objective b JOIN recommendation r "
	"ON r.uuid = b.uuid WHERE r.objective_id IS NULL AND b.objective IS NOT NULL ORDER BY r.uuid";

/* The objective started for the recommendation has the other copy's uuid
 * from the start, so the change log names it as it stays. */
static int
objective_started(struct merge *mg, sqlite3_stmt *row)
{
	struct gate_write w = { .what = GATE_PLAN };
	int64_t objective;
	int rc;

	if ((rc = exporter_may(mg, &w, "recommendation", col(row, 0))) != QREL_OK)
		return rc;
	return rec_to_objective_as_tx(mg->db, mg->review, mg->exporter_name, sqlite3_column_int64(row, 1), col(row, 0),
				      col(row, 3), &objective);
}

static int
merge_rec_objective(struct merge *mg, sqlite3_stmt *row)
{
	static const char sql[] = "UPDATE recommendation SET objective_id = ?2 WHERE id = ?1 AND objective_id IS NULL";
	sqlite3_stmt *st;
	int rc;

	if ((rc = written_may(mg, 0, "recommendation", col(row, 0))) != QREL_OK)
		return rc;
	mg->st->updated++;
	if (sqlite3_column_type(row, 2) == SQLITE_NULL)
		return objective_started(mg, row);
	if (!(st = db_stmt(mg->db, sql)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, sqlite3_column_int64(row, 1));
	sqlite3_bind_int64(st, 2, sqlite3_column_int64(row, 2));
	if ((rc = db_step_done(mg->db, st, "linking a recommendation's objective from the bundle")) != QREL_OK)
		return rc;
	return log_applied(mg, "recommendation", col(row, 0), "objective", NULL, col(row, 3));
}

/* Citations the other copy made that this one lacks: a note citing a document
 * (scheduling fieldwork at the document's site, as document_cite), a finding
 * citing a survey item (a finding's write). Citations only add. */
static const char note_document_rows[] =
	"SELECT n.uuid, coalesce(d.site_id, 0), n.id, d.id FROM bundle.note_document b "
	"JOIN note n ON n.uuid = b.note JOIN document d ON d.uuid = b.document "
	"WHERE NOT EXISTS (SELECT 1 FROM note_document x WHERE x.note_id = n.id "
	"AND x.document_id = d.id) ORDER BY 1, 4";
static const char finding_survey_rows[] =
	"SELECT f.uuid, coalesce(f.site_id, 0), f.id, i.id FROM bundle.finding_survey b "
	"JOIN finding f ON f.uuid = b.finding JOIN survey_item i ON i.uuid = b.survey "
	"WHERE NOT EXISTS (SELECT 1 FROM finding_survey x WHERE x.finding_id = f.id "
	"AND x.survey_id = i.id) ORDER BY 1, 4";

/* Runs a link write of two row ids (?1 the owner, ?2 the target). */
static int
link_pair(struct merge *mg, const char *sql, int64_t owner, int64_t target, const char *what)
{
	sqlite3_stmt *st = db_stmt(mg->db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, owner);
	sqlite3_bind_int64(st, 2, target);
	return db_step_done(mg->db, st, what);
}

/* Counts and logs a citation added (rc the write's status). */
static int
cited(struct merge *mg, sqlite3_stmt *row, const char *entity, int rc)
{
	if (rc != QREL_OK)
		return rc;
	mg->st->inserted++;
	return log_applied(mg, entity, col(row, 0), "cite", NULL, "(from a sync bundle)");
}

static int
merge_note_document(struct merge *mg, sqlite3_stmt *row)
{
	struct gate_write w = { .what = GATE_ACTIVITY, .site = sqlite3_column_int64(row, 1) };
	int rc = exporter_may(mg, &w, "note", col(row, 0));

	if (rc == QREL_OK)
		rc = note_link_document(mg->db, sqlite3_column_int64(row, 2), sqlite3_column_int64(row, 3), true, NULL);
	return cited(mg, row, "note", rc);
}

static int
merge_finding_survey(struct merge *mg, sqlite3_stmt *row)
{
	int rc = written_may(mg, sqlite3_column_int64(row, 1), "finding", col(row, 0));

	if (rc == QREL_OK)
		rc = link_pair(mg, "INSERT INTO finding_survey(finding_id, survey_id) VALUES (?1, ?2)",
			       sqlite3_column_int64(row, 2), sqlite3_column_int64(row, 3),
			       "adding a citation from the bundle");
	return cited(mg, row, "finding", rc);
}

/* ---- import: stakeholder voice and removed citations ---- */

/* Voice merges by its version: the higher one wins, and of two equal versions
 * the value that sorts later, so two copies that both changed it agree after
 * one exchange each way; the change log keeps the value replaced. */
#define VOICE_ACTIVITY_VALUE(t, groups) "(coalesce(" t ".participants, '') || '|' || coalesce(" t ".language, '') " \
	"|| '|' || coalesce(" t ".interpreter, 0) || '|' || coalesce(" groups ", ''))"
#define LOCAL_GROUPS(tbl, key, id) "(SELECT group_concat(grp, ',') FROM (SELECT grp FROM " tbl " WHERE " key " = " id \
	" ORDER BY grp))"

enum { BV_UUID, BV_ID, BV_SITE, BV_OWNER, BV_LVER, BV_RVER, BV_LVALUE, BV_RVALUE, BV_GROUPS, BV_PARTICIPANTS,
	BV_LANGUAGE, BV_INTERPRETER };

static const char activity_voice_rows[] =
	"SELECT b.uuid, a.id, a.site_id, 0, coalesce(v.version, 0), coalesce(b.version, 0), "
	VOICE_ACTIVITY_VALUE("a", LOCAL_GROUPS("activity_group", "activity_id", "a.id")) ", "
	VOICE_ACTIVITY_VALUE("b", "b.groups") ", coalesce(b.groups, ''), coalesce(b.participants, 0), "
	"coalesce(b.language, ''), coalesce(b.interpreter, 0) FROM bundle.activity_voice b "
	"JOIN activity a ON a.uuid = b.uuid LEFT JOIN sync_voice v ON v.entity = 'activity' AND v.uuid = b.uuid "
	"ORDER BY b.uuid";
static const char note_voice_rows[] =
	"SELECT b.uuid, n.id, n.site_id, n.author_id, coalesce(v.version, 0), coalesce(b.version, 0), "
	"coalesce(" LOCAL_GROUPS("note_group", "note_id", "n.id") ", ''), coalesce(b.groups, ''), "
	"coalesce(b.groups, '') FROM bundle.note_voice b JOIN note n ON n.uuid = b.uuid "
	"LEFT JOIN sync_voice v ON v.entity = 'note' AND v.uuid = b.uuid ORDER BY b.uuid";

static int
merge_voice(struct merge *mg, sqlite3_stmt *row, const char *entity)
{
	static const char ver[] = "INSERT INTO sync_voice(entity, uuid, version) VALUES (?1, ?2, ?3) "
				  "ON CONFLICT (entity, uuid) DO UPDATE SET version = excluded.version";
	bool note = strcmp(entity, "note") == 0;
	long long lver = sqlite3_column_int64(row, BV_LVER), rver = sqlite3_column_int64(row, BV_RVER);
	const char *uuid = col(row, BV_UUID), *lv = db_col_text(row, BV_LVALUE), *rv = db_col_text(row, BV_RVALUE);
	int64_t id = sqlite3_column_int64(row, BV_ID), site = sqlite3_column_int64(row, BV_SITE);
	int cmp = strcmp(rv, lv), rc;
	struct gate_write w = note ? note_write(site, sqlite3_column_int64(row, BV_OWNER))
				   : (struct gate_write){ .what = GATE_ACTIVITY, .site = site };
	sqlite3_stmt *st;

	if (rver < lver || (rver == lver && cmp <= 0)) {
		if (cmp == 0)
			mg->st->unchanged++;
		else
			mg->st->stale++;
		return QREL_OK;
	}
	if (cmp != 0) {
		struct voice_activity v = { .participants = sqlite3_column_int(row, BV_PARTICIPANTS),
					    .interpreter = sqlite3_column_int(row, BV_INTERPRETER) != 0 };

		if ((rc = exporter_may(mg, &w, entity, uuid)) != QREL_OK)
			return rc;
		if (!note) {
			str_copy(v.groups, sizeof(v.groups), db_col_text(row, BV_GROUPS));
			str_copy(v.language, sizeof(v.language), db_col_text(row, BV_LANGUAGE));
		}
		rc = note ? voice_set_note(mg->db, mg->review, id, db_col_text(row, BV_GROUPS))
			  : voice_set_activity(mg->db, mg->review, id, &v);
		if (rc != QREL_OK)
			return row_refused(mg, rc, entity, uuid);
		if ((rc = log_applied(mg, entity, uuid, note ? "groups" : "voice", lv, rv)) != QREL_OK)
			return rc;
		mg->st->updated++;
	} else {
		mg->st->unchanged++;
	}
	if (!(st = db_stmt(mg->db, ver)))
		return QREL_DB;
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, uuid);
	sqlite3_bind_int64(st, 3, rver);
	return db_step_done(mg->db, st, "recording a voice version");
}

static int
merge_activity_voice(struct merge *mg, sqlite3_stmt *row)
{
	return merge_voice(mg, row, "activity");
}

static int
merge_note_voice(struct merge *mg, sqlite3_stmt *row)
{
	return merge_voice(mg, row, "note");
}

/* A citation the other copy removed goes here too (a removal wins over the
 * citation, as a deletion does), as the exporter's write: finding the link
 * (owner id, target id, site) and removing it. */
static const struct {
	const char *link, *entity, *find, *del;
} unlinks[] = {
	{ "note_document", "note", "SELECT x.note_id, x.document_id, coalesce(d.site_id, 0) FROM note_document x "
	  "JOIN note o ON o.id = x.note_id JOIN document d ON d.id = x.document_id WHERE o.uuid = ?1 AND d.uuid = ?2",
	  NULL /* evidence.c's note_link_document */ },
	{ "finding_survey", "finding", "SELECT x.finding_id, x.survey_id, coalesce(o.site_id, 0) FROM finding_survey x "
	  "JOIN finding o ON o.id = x.finding_id JOIN survey_item t ON t.id = x.survey_id WHERE o.uuid = ?1 "
	  "AND t.uuid = ?2", "DELETE FROM finding_survey WHERE finding_id = ?1 AND survey_id = ?2" },
	{ "finding_note", "finding", "SELECT x.finding_id, x.note_id, coalesce(o.site_id, 0) FROM finding_note x "
	  "JOIN finding o ON o.id = x.finding_id JOIN note t ON t.id = x.note_id WHERE o.uuid = ?1 AND t.uuid = ?2",
	  "DELETE FROM finding_note WHERE finding_id = ?1 AND note_id = ?2" },
	{ "recommendation_finding", "recommendation", "SELECT x.recommendation_id, x.finding_id, 0 "
	  "FROM recommendation_finding x JOIN recommendation o ON o.id = x.recommendation_id "
	  "JOIN finding t ON t.id = x.finding_id WHERE o.uuid = ?1 AND t.uuid = ?2",
	  "DELETE FROM recommendation_finding WHERE recommendation_id = ?1 AND finding_id = ?2" },
};

static const char unlink_rows[] = "SELECT link, owner, target FROM bundle.unlink ORDER BY link, owner, target";

static int
merge_unlink(struct merge *mg, sqlite3_stmt *row)
{
	const char *link = col(row, 0), *owner = col(row, 1), *target = col(row, 2);
	int64_t ids[2] = { 0, 0 }, site = 0;
	sqlite3_stmt *st;
	size_t i = 0;
	int rc;

	while (i < ARRAY_SIZE(unlinks) && (!link || strcmp(unlinks[i].link, link) != 0))
		i++;
	if (i == ARRAY_SIZE(unlinks) || !owner || !target)
		return row_refused(mg, error(QREL_PARSE, "a removed citation of '%s', which no bundle carries",
					     link ? link : ""), "unlink", owner);
	if (!(st = db_stmt(mg->db, unlinks[i].find)))
		return QREL_DB;
	db_bind_text(st, 1, owner);
	db_bind_text(st, 2, target);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids[0] = sqlite3_column_int64(st, 0);
		ids[1] = sqlite3_column_int64(st, 1);
		site = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {	/* not cited here (any more) */
		mg->st->unchanged++;
		return rc == SQLITE_DONE ? QREL_OK : db_fail(mg->db, "reading a citation");
	}
	if (i == 0)
		rc = exporter_may(mg, &(struct gate_write){ .what = GATE_ACTIVITY, .site = site }, "note", owner);
	else
		rc = written_may(mg, site, unlinks[i].entity, owner);
	if (rc != QREL_OK)
		return rc;
	rc = unlinks[i].del ? link_pair(mg, unlinks[i].del, ids[0], ids[1], "removing a citation the bundle removed")
			    : note_link_document(mg->db, ids[0], ids[1], false, NULL);
	if (rc != QREL_OK)
		return rc;
	mg->st->updated++;
	return log_applied(mg, unlinks[i].entity, owner, "uncite", target, NULL);
}

/* ---- import: the whole merge ---- */

typedef int merge_fn(struct merge *mg, sqlite3_stmt *row);

static int
merge_each(struct merge *mg, const char *sql, merge_fn *fn)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = cached(mg->db, sql, &st)) != QREL_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = fn(mg, st)) != QREL_OK)
			break;
	if (rc == SQLITE_DONE)
		rc = QREL_OK;
	else if (rc == SQLITE_ERROR || rc == SQLITE_CORRUPT || rc == SQLITE_MISUSE)
		rc = db_fail(mg->db, "reading the bundle");
	sqlite3_reset(st);
	return rc;
}

/* Rows that are only ever added: new ones (by uuid or natural key) go in. ?1 review.
 * People are not among them: they never change through a bundle. */
static const char *const add_only_sql[] = {
	"INSERT INTO site(uuid, review_id, code, name, kind) SELECT b.uuid, ?1, b.code, b.name, b.kind "
	"FROM bundle.site b WHERE NOT EXISTS (SELECT 1 FROM site s WHERE s.uuid = b.uuid "
	"OR (s.review_id = ?1 AND s.code = b.code COLLATE NOCASE))",
	activity_sync_insert_sql,
	"INSERT INTO metric(uuid, review_id, code, name, direction, denominator, cluster_id) "
	"SELECT b.uuid, ?1, b.code, b.name, b.direction, coalesce(b.denominator, 'enrolled students'), "
	"(SELECT c.id FROM cluster c JOIN review r ON r.framework_id = c.framework_id WHERE r.id = ?1 "
	"AND c.code = b.cluster) FROM bundle.metric b WHERE NOT EXISTS (SELECT 1 FROM metric m "
	"WHERE m.uuid = b.uuid OR (m.review_id = ?1 AND m.code = b.code))",
	NULL,
};

/* Survey results and rates are the lead's data, like subgroup tables: new ones
 * go in, and a later upload of the same item (or rate) wins. */
static const char *const survey_item_sql[] = {
	"UPDATE survey_item AS s SET cluster_id = b.cluster_id, responses = b.responses, favourable = b.favourable, "
	"options = coalesce(b.options, ''), updated_at = b.updated_at FROM (SELECT b.*, si.id AS site_id, "
	"(SELECT c.id FROM cluster c JOIN review r ON r.framework_id = c.framework_id WHERE r.id = ?1 "
	"AND c.code = b.cluster) AS cluster_id FROM bundle.survey_item b "
	"JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE) AS b WHERE s.site_id = b.site_id "
	"AND s.instrument = b.instrument AND s.item = b.item AND s.grp = b.grp "
	"AND s.subgroup = coalesce(b.subgroup, '') AND b.updated_at > s.updated_at",
	"INSERT INTO survey_item(uuid, review_id, site_id, instrument, item, cluster_id, grp, subgroup, responses, "
	"favourable, options, updated_at) SELECT b.uuid, ?1, si.id, b.instrument, b.item, (SELECT c.id FROM cluster c "
	"JOIN review r ON r.framework_id = c.framework_id WHERE r.id = ?1 AND c.code = b.cluster), b.grp, "
	"coalesce(b.subgroup, ''), b.responses, b.favourable, coalesce(b.options, ''), coalesce(b.updated_at, '') "
	"FROM bundle.survey_item b JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	"WHERE NOT EXISTS (SELECT 1 FROM survey_item s WHERE s.uuid = b.uuid OR (s.site_id = si.id "
	"AND s.instrument = b.instrument AND s.item = b.item AND s.grp = b.grp AND s.subgroup = coalesce(b.subgroup, '')))",
	NULL,
};
static const char *const survey_rate_sql[] = {
	"UPDATE survey_rate AS s SET invited = b.invited, responded = b.responded, updated_at = b.updated_at "
	"FROM (SELECT b.*, si.id AS site_id FROM bundle.survey_rate b JOIN site si ON si.review_id = ?1 "
	"AND si.code = b.site COLLATE NOCASE) AS b WHERE s.site_id = b.site_id AND s.instrument = b.instrument "
	"AND s.grp = b.grp AND b.updated_at > s.updated_at",
	"INSERT INTO survey_rate(uuid, review_id, site_id, instrument, grp, invited, responded, updated_at) "
	"SELECT b.uuid, ?1, si.id, b.instrument, b.grp, b.invited, b.responded, coalesce(b.updated_at, '') "
	"FROM bundle.survey_rate b JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	"WHERE NOT EXISTS (SELECT 1 FROM survey_rate s WHERE s.uuid = b.uuid OR (s.site_id = si.id "
	"AND s.instrument = b.instrument AND s.grp = b.grp))",
	NULL,
};

/* Subgroup tables come from the district's files: the later upload wins. */
static const char *const subgroup_sql[] = {
	"UPDATE subgroup_row AS s SET enrolled = b.enrolled, count = b.count, updated_at = b.updated_at "
	"FROM (SELECT b.*, si.id AS site_id, m.id AS metric_id FROM bundle.subgroup_row b "
	"JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	"JOIN metric m ON m.review_id = ?1 AND m.code = b.metric) AS b WHERE s.site_id = b.site_id "
	"AND s.metric_id = b.metric_id AND s.year = b.year AND s.dimension = b.dimension AND s.grp = b.grp "
	"AND b.updated_at > s.updated_at",
	"INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, dimension, grp, enrolled, count, "
	"updated_at) SELECT b.uuid, ?1, si.id, b.year, m.id, b.dimension, b.grp, b.enrolled, b.count, b.updated_at "
	"FROM bundle.subgroup_row b JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	"JOIN metric m ON m.review_id = ?1 AND m.code = b.metric WHERE NOT EXISTS (SELECT 1 FROM subgroup_row s "
	"WHERE s.uuid = b.uuid OR (s.site_id = si.id AND s.year = b.year AND s.metric_id = m.id "
	"AND s.dimension = b.dimension AND s.grp = b.grp))",
	NULL,
};

/* What the add-only rows and the subgroup tables would write, each as one
 * write for the gate: entity, uuid, what, site (NULL: none or unknown), and a
 * non-zero last column when the uuid is a row here with other keys. ?1 review. */
static const struct {
	const char *entity;
	enum gate_what what;
	const char *sql;
	const char *const *apply;	/* the statements that write them, after the gate */
} added[] = {
	{ "site", GATE_SITE, "SELECT b.uuid, NULL, EXISTS (SELECT 1 FROM site s WHERE s.uuid = b.uuid "
	  "AND (s.review_id <> ?1 OR s.code <> b.code COLLATE NOCASE)) AS clash FROM bundle.site b "
	  "WHERE clash OR NOT EXISTS (SELECT 1 FROM site s WHERE s.uuid = b.uuid "
	  "OR (s.review_id = ?1 AND s.code = b.code COLLATE NOCASE))", add_only_sql + 0 },
	{ "activity", GATE_ACTIVITY, "SELECT b.uuid, si.id, EXISTS (SELECT 1 FROM activity a WHERE a.uuid = b.uuid "
	  "AND (a.review_id <> ?1 OR a.site_id IS NOT si.id)) AS clash FROM bundle.activity b "
	  "LEFT JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	  "WHERE clash OR NOT EXISTS (SELECT 1 FROM activity a WHERE a.uuid = b.uuid)", add_only_sql + 1 },
	{ "metric", GATE_DATA, "SELECT b.uuid, NULL, EXISTS (SELECT 1 FROM metric m WHERE m.uuid = b.uuid "
	  "AND (m.review_id <> ?1 OR m.code <> b.code)) AS clash FROM bundle.metric b "
	  "WHERE clash OR NOT EXISTS (SELECT 1 FROM metric m WHERE m.uuid = b.uuid "
	  "OR (m.review_id = ?1 AND m.code = b.code))", add_only_sql + 2 },
	{ "subgroup_row", GATE_DATA, "SELECT b.uuid, si.id, 0 FROM bundle.subgroup_row b "
	  "JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	  "JOIN metric m ON m.review_id = ?1 AND m.code = b.metric "
	  "LEFT JOIN subgroup_row s ON s.site_id = si.id AND s.metric_id = m.id AND s.year = b.year "
	  "AND s.dimension = b.dimension AND s.grp = b.grp "
	  "WHERE (s.id IS NULL AND NOT EXISTS (SELECT 1 FROM subgroup_row x WHERE x.uuid = b.uuid)) "
	  "OR (s.id IS NOT NULL AND b.updated_at > s.updated_at)", subgroup_sql },
	{ "survey_item", GATE_DATA, "SELECT b.uuid, si.id, EXISTS (SELECT 1 FROM survey_item x WHERE x.uuid = b.uuid "
	  "AND (x.review_id <> ?1 OR x.site_id IS NOT si.id OR x.instrument <> b.instrument OR x.item <> b.item "
	  "OR x.grp <> b.grp OR x.subgroup <> coalesce(b.subgroup, ''))) AS clash FROM bundle.survey_item b "
	  "LEFT JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	  "LEFT JOIN survey_item s ON s.site_id = si.id AND s.instrument = b.instrument AND s.item = b.item "
	  "AND s.grp = b.grp AND s.subgroup = coalesce(b.subgroup, '') "
	  "WHERE clash OR s.id IS NULL OR b.updated_at > s.updated_at", survey_item_sql },
	{ "survey_rate", GATE_DATA, "SELECT b.uuid, si.id, EXISTS (SELECT 1 FROM survey_rate x WHERE x.uuid = b.uuid "
	  "AND (x.review_id <> ?1 OR x.site_id IS NOT si.id OR x.instrument <> b.instrument OR x.grp <> b.grp)) "
	  "AS clash FROM bundle.survey_rate b LEFT JOIN site si ON si.review_id = ?1 AND si.code = b.site COLLATE NOCASE "
	  "LEFT JOIN survey_rate s ON s.site_id = si.id AND s.instrument = b.instrument AND s.grp = b.grp "
	  "WHERE clash OR s.id IS NULL OR b.updated_at > s.updated_at", survey_rate_sql },
};

/* One kind of added row: each the gate must allow as the exporter's write. */
static int
gate_added(struct merge *mg, size_t i)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = cached(mg->db, added[i].sql, &st)) != QREL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mg->review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct gate_write w = { .what = added[i].what, .site = sqlite3_column_int64(st, 1) };
		const char *uuid = col(st, 0);

		if (sqlite3_column_int(st, 2))
			rc = row_refused(mg, error(QREL_DENIED, "its uuid is a %s here with other keys: a bundle "
				"cannot move or re-own a row", added[i].entity), added[i].entity, uuid);
		else if (added[i].what == GATE_ACTIVITY && !w.site)
			rc = row_refused(mg, error(QREL_PARSE, "its site is not in this review"), "activity", uuid);
		else if ((rc = exporter_may(mg, &w, added[i].entity, uuid)) == QREL_OK && added[i].what == GATE_ACTIVITY)
			rc = log_applied(mg, "activity", uuid, "create", NULL, "(from a sync bundle)");
		if (rc != QREL_OK)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = QREL_OK;
	else if (rc == SQLITE_ERROR || rc == SQLITE_CORRUPT || rc == SQLITE_MISUSE)
		rc = db_fail(mg->db, "reading the bundle");
	sqlite3_reset(st);
	return rc;
}

/* New sites, activities and metrics, and the subgroup tables, each kind gated
 * then written (a later kind may name an earlier one's new rows). */
static int
merge_added(struct merge *mg)
{
	int rc = QREL_OK;

	for (size_t i = 0; i < ARRAY_SIZE(added) && rc == QREL_OK; i++) {
		bool subgroups = added[i].apply == subgroup_sql || added[i].apply == survey_item_sql ||
				 added[i].apply == survey_rate_sql;	/* an update, then the new rows */

		rc = gate_added(mg, i);
		for (size_t j = 0; rc == QREL_OK && added[i].apply[j] && (!j || subgroups); j++)
			rc = exec_review(mg->db, added[i].apply[j], mg->review, "merging the bundle",
					 subgroups && j == 0 ? &mg->st->updated : &mg->st->inserted);
	}
	return rc;
}

/* People and roles never change through a bundle: each person it names must be
 * here already, by uuid or name, with the same name, role and school. */
static int
people_unchanged(struct merge *mg)
{
	static const char sql[] =
		"SELECT b.uuid, coalesce(b.name, ''), coalesce(b.role, ''), coalesce(b.site, ''), p.id, p.name, p.role, "
		"coalesce(s.code, '') FROM bundle.person b LEFT JOIN person p ON p.review_id = ?1 "
		"AND (p.uuid = b.uuid OR p.name = b.name) LEFT JOIN site s ON s.id = p.site_id "
		"WHERE p.id IS NULL OR p.name IS NOT b.name OR p.role IS NOT b.role "
		"OR coalesce(s.code, '') <> coalesce(b.site, '') COLLATE NOCASE LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if ((rc = cached(mg->db, sql, &st)) != QREL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mg->review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			error(QREL_DENIED, "it adds %s as a %s, who is not in this review: people and roles never change "
			      "through a bundle (the lead adds people with `qrel import people`)", col(st, 1), col(st, 2));
		else
			error(QREL_DENIED, "it makes %s a %s%s%s, who here is %s, a %s%s%s: people and roles never change "
			      "through a bundle", col(st, 1), col(st, 2), *col(st, 3) ? " at " : "", col(st, 3), col(st, 5),
			      col(st, 6), *col(st, 7) ? " at " : "", col(st, 7));
		rc = row_refused(mg, QREL_DENIED, "person", col(st, 0));
	} else {
		rc = rc == SQLITE_DONE ? QREL_OK : db_fail(mg->db, "reading the bundle's people");
	}
	sqlite3_reset(st);
	return rc;
}

/* The bundle's exporter, who must be a member here, and the importer, who must be one too. */
static int
exporter_of(struct merge *mg)
{
	struct gate_actor me;
	int rc;

	snprintf(mg->exporter_name, sizeof(mg->exporter_name), "%s", mg->m->exporter);
	snprintf(mg->reason, sizeof(mg->reason), "sync import from copy %.40s, exported by %.80s", mg->m->copy,
		 mg->exporter_name);
	if ((rc = gate_actor_remote(mg->db, mg->review, mg->exporter_name, &mg->exporter)) != QREL_OK ||
	    (rc = gate_actor(mg->db, mg->review, mg->who, &me)) != QREL_OK)
		return rc;
	if (!*mg->exporter_name)
		return refuse(mg->path, "it does not say who exported it (made by an older qrel?): its rows cannot be "
			      "checked as anyone's");
	if (mg->exporter.person <= 0)
		return refuse(mg->path, "it was exported by %s, who is not a member of this review", mg->exporter_name);
	if (me.person <= 0)
		return refuse(mg->path, "%s is not a member of this review and cannot import", *mg->who ? mg->who : "nobody");
	return QREL_OK;
}

static int
record_import(struct merge *mg)
{
	static const char sql[] = "INSERT OR IGNORE INTO sync_import(checksum, copy_id, created_at, imported_at, "
				  "imported_by) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st = db_stmt(mg->db, sql);
	char now[21];

	if (!st)
		return QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, mg->m->checksum);
	db_bind_text(st, 2, mg->m->copy);
	db_bind_text(st, 3, mg->m->created_at);
	db_bind_text(st, 4, now);
	db_bind_text(st, 5, mg->who);
	return db_step_done(mg->db, st, "recording the import");
}

/* Documents, activities marked done, the citations of notes and findings,
 * stakeholder voice, and the citations removed (after those added). */
static int
merge_fieldwork(struct merge *mg)
{
	int rc = merge_each(mg, document_rows, merge_document);

	if (rc == QREL_OK)
		rc = merge_each(mg, activity_done_rows, merge_activity_done);
	if (rc == QREL_OK)
		rc = merge_each(mg, note_document_rows, merge_note_document);
	if (rc == QREL_OK)
		rc = merge_each(mg, finding_survey_rows, merge_finding_survey);
	if (rc == QREL_OK)
		rc = merge_each(mg, activity_voice_rows, merge_activity_voice);
	if (rc == QREL_OK)
		rc = merge_each(mg, note_voice_rows, merge_note_voice);
	if (rc == QREL_OK)
		rc = merge_each(mg, unlink_rows, merge_unlink);
	if (rc == QREL_OK)
		rc = merge_each(mg, rec_objective_rows, merge_rec_objective);
	return rc;
}

/* Every row is checked before any is written, as far as one pass allows; any
 * refusal rolls the whole import back. The bundle's own change-log rows are not
 * copied (anyone can write them): what the import applies is logged here. */
static int
merge_all(struct merge *mg)
{
	int rc;

	if ((rc = exporter_of(mg)) != QREL_OK || (rc = people_unchanged(mg)) != QREL_OK ||
	    (rc = merge_added(mg)) != QREL_OK)
		return rc;
	if (rc == QREL_OK)
		rc = merge_each(mg, note_rows, merge_note);
	if (rc == QREL_OK)
		rc = merge_each(mg, score_rows, merge_score);
	if (rc == QREL_OK)
		rc = merge_each(mg, finding_rows, merge_finding);
	if (rc == QREL_OK)
		rc = merge_each(mg, rec_rows, merge_rec);
	if (rc == QREL_OK)
		rc = merge_each(mg, gone_rows, merge_gone);
	if (rc == QREL_OK)
		rc = merge_fieldwork(mg);
	return rc == QREL_OK ? record_import(mg) : rc;
}

/* The checked tables into the bundle schema, the merge, and the bundle schema
 * emptied again, all in one transaction. */
static int
import_tables(struct merge *mg, struct bundle_in *in)
{
	int rc;

	if ((rc = db_begin(mg->db)) != QREL_OK)
		return rc;
	if ((rc = copy_tables(mg->db, in)) == QREL_OK && (rc = merge_all(mg)) == QREL_OK &&
	    (rc = clear_tables(mg->db)) == QREL_OK)
		return db_commit(mg->db);
	db_rollback(mg->db);
	return rc;
}

int
sync_import_bytes(struct db *db, int64_t review, const char *who, const char *name, const void *bytes, size_t n,
		  struct sync_import_stats *st)
{
	struct bundle_meta m;
	struct merge mg = { .db = db, .review = review, .who = who, .m = &m, .st = st, .path = name };
	struct caps caps;
	struct bundle_in in = { name, NULL, 0, false, &caps, NULL, 0 };
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&m, 0, sizeof(m));
	if (db_readonly(db))
		return error(QREL_READONLY, "%s is open read-only: nothing can be imported", db_path(db));
	/* Each row's statement journal in memory, not spilled to a temporary
	 * file page by page (most of a day's pull's system time). */
	if (db_int(db, "PRAGMA temp_store") != 2 && (rc = db_exec(db, "PRAGMA temp_store = MEMORY")) != QREL_OK)
		return rc;
	caps_begin(db, &caps);
	if ((rc = open_bundle(db, review, bytes, n, &in, &m)) == QREL_OK && (rc = bundle_schema(db)) == QREL_OK &&
	    (rc = import_tables(&mg, &in)) != QREL_OK)
		memset(st, 0, sizeof(*st));
	rc = caps_end(db, &caps, name, rc);
	sqlite3_close(in.check);
	if (in.inflated)
		free(in.tables);
	return rc;
}

int
sync_import(struct db *db, int64_t review, const char *who, const char *bundle, struct sync_import_stats *st)
{
	unsigned char *bytes = NULL;
	size_t n = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = read_bundle(bundle, &bytes, &n)) == QREL_OK)
		rc = sync_import_bytes(db, review, who, bundle, bytes, n, st);
	free(bytes);
	return rc;
}

/* ---- conflicts ---- */

static const char conflict_sql[] =
	"SELECT c.id, c.entity, c.uuid, CASE c.entity "
	"WHEN 'score' THEN (SELECT printf('%s %s %s score by %s', si.code, cl.code, s.kind, p.name) FROM score s "
	"  JOIN site si ON si.id = s.site_id JOIN cluster cl ON cl.id = s.cluster_id "
	"  JOIN person p ON p.id = s.rater_id WHERE s.uuid = c.uuid) "
	"WHEN 'finding' THEN (SELECT printf('finding (%s) on %s%s%s', f.kind, coalesce(cl.code, 'domain ' || d.code), "
	"  CASE WHEN si.code IS NULL THEN '' ELSE ' at ' END, coalesce(si.code, '')) FROM finding f "
	"  JOIN domain d ON d.id = f.domain_id LEFT JOIN cluster cl ON cl.id = f.cluster_id "
	"  LEFT JOIN site si ON si.id = f.site_id WHERE f.uuid = c.uuid) "
	"WHEN 'recommendation' THEN (SELECT printf('recommendation %d', r.number) FROM recommendation r "
	"  WHERE r.uuid = c.uuid) "
	"WHEN 'document' THEN (SELECT printf('document \"%s\"%s%s', d.title, CASE WHEN si.code IS NULL THEN '' "
	"  ELSE ' at ' END, coalesce(si.code, '')) FROM document d LEFT JOIN site si ON si.id = d.site_id "
	"  WHERE d.uuid = c.uuid) "
	"ELSE (SELECT printf('note at %s by %s, %s', si.code, p.name, n.created_at) FROM note n "
	"  JOIN site si ON si.id = n.site_id JOIN person p ON p.id = n.author_id WHERE n.uuid = c.uuid) END, "
	"c.local_value, c.remote_value, c.detected_at, c.resolved_at, c.resolution "
	"FROM sync_conflict c WHERE ?1 OR c.resolved_at IS NULL ORDER BY c.id";

int
sync_conflict_each(struct db *db, int64_t review, bool all, sync_conflict_fn *fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	UNUSED(review);	/* one review per file */
	if ((rc = prep(db, conflict_sql, &st)) != QREL_OK)
		return rc;
	sqlite3_bind_int(st, 1, all);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sync_conflict_row c = { sqlite3_column_int64(st, 0), db_col_text(st, 1), db_col_text(st, 2),
			db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 5), db_col_text(st, 6),
			col(st, 7), col(st, 8) };

		if ((rc = fn(ctx, &c)) != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = QREL_OK;
	else if (rc == SQLITE_ERROR || rc == SQLITE_BUSY || rc == SQLITE_CORRUPT)
		rc = db_fail(db, "listing conflicts");
	sqlite3_finalize(st);
	return rc;
}

struct conflict {
	char entity[16], uuid[UUID_LEN + 1];
	char *local, *remote;
	long long remote_version;
};

static int
conflict_load(struct db *db, long long id, struct conflict *c)
{
	static const char sql[] = "SELECT entity, uuid, local_value, remote_value, remote_version, resolved_at "
				  "FROM sync_conflict WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		rc = rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no conflict #%lld", id) : db_fail(db, "reading a conflict");
	else if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		rc = error(QREL_USAGE, "conflict #%lld was already resolved on %s", id, db_col_text(st, 5));
	else {
		snprintf(c->entity, sizeof(c->entity), "%s", db_col_text(st, 0));
		snprintf(c->uuid, sizeof(c->uuid), "%s", db_col_text(st, 1));
		c->local = xstrdup(db_col_text(st, 2));
		c->remote = xstrdup(db_col_text(st, 3));
		c->remote_version = sqlite3_column_int64(st, 4);
		rc = QREL_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* Splits "a|b|text" into its three parts (text may hold '|'). */
static bool
split_value(char *v, char **a, char **b, char **text)
{
	char *p = strchr(v, '|'), *q = p ? strchr(p + 1, '|') : NULL;

	if (!q)
		return false;
	*p = *q = '\0';
	*a = v;
	*b = p + 1;
	*text = q + 1;
	return true;
}

/* Per entity (the last, notes, for any other): writing a sync value "a|b|text" into the row (?1 a, ?2 b, ?3 text,
 * ?4 now, ?5 the remote version, ?6 uuid), and moving its version past one. */
static const struct {
	const char *entity, *write, *bump;
} resolvers[] = {
	{ "score", score_resolve_sql, score_bump_sql },
	{ "finding", "UPDATE finding SET kind = ?1, text = ?3, updated_at = ?4, version = max(version, ?5) + 1 "
	  "WHERE uuid = ?6 AND ?2 = ''",
	  "UPDATE finding SET version = max(version, ?1) + 1 WHERE uuid = ?2" },
	{ "recommendation", "UPDATE recommendation SET priority = ?1, title = json_extract(?3, '$[0]'), "
	  "text = json_extract(?3, '$[1]'), stakeholders = json_extract(?3, '$[2]'), updated_at = ?4, "
	  "version = max(version, ?5) + 1 WHERE uuid = ?6 AND ?2 = ''",
	  "UPDATE recommendation SET version = max(version, ?1) + 1 WHERE uuid = ?2" },
	{ "document", "UPDATE document SET status = ?1, received_at = nullif(?2, ''), title = json_extract(?3, '$[0]'), "
	  "owner = json_extract(?3, '$[1]'), link = json_extract(?3, '$[2]'), updated_at = ?4, "
	  "version = max(version, ?5) + 1 WHERE uuid = ?6",
	  "UPDATE document SET version = max(version, ?1) + 1 WHERE uuid = ?2" },
	{ "note", note_resolve_sql, note_bump_sql },
};

static size_t
resolver_of(const char *entity)
{
	size_t i = 0;

	while (i < ARRAY_SIZE(resolvers) - 1 && strcmp(resolvers[i].entity, entity) != 0)
		i++;
	return i;
}

/* Writes value (a row's sync value) into the row: the lead chose the other copy's. */
static int
write_value(struct db *db, const struct conflict *c, const char *value)
{
	char *copy = xstrdup(value), *a, *b, *text, now[21];
	sqlite3_stmt *st = db_stmt(db, resolvers[resolver_of(c->entity)].write);
	int rc;

	if (!st || !split_value(copy, &a, &b, &text)) {
		free(copy);
		return st ? error(QREL_PARSE, "conflict value '%s' cannot be read", value) : QREL_DB;
	}
	clock_now(now);
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, b);
	db_bind_text(st, 3, text);
	db_bind_text(st, 4, now);
	sqlite3_bind_int64(st, 5, c->remote_version);
	db_bind_text(st, 6, c->uuid);
	rc = db_step_done(db, st, "resolving a conflict");
	free(copy);
	return rc;
}

/* Our value stays, but now as a change on top of theirs: the base becomes their
 * value, so their copy takes ours at the next exchange. */
static int
keep_local(struct db *db, const struct conflict *c)
{
	static const char base[] = "INSERT OR REPLACE INTO sync_base(entity, uuid, value, version) "
				   "VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = db_stmt(db, resolvers[resolver_of(c->entity)].bump);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, c->remote_version);
	db_bind_text(st, 2, c->uuid);
	if ((rc = db_step_done(db, st, "resolving a conflict")) != QREL_OK || !(st = db_stmt(db, base)))
		return rc != QREL_OK ? rc : QREL_DB;
	db_bind_text(st, 1, c->entity);
	db_bind_text(st, 2, c->uuid);
	db_bind_text(st, 3, c->remote);
	sqlite3_bind_int64(st, 4, c->remote_version);
	return db_step_done(db, st, "resolving a conflict");
}

/* Their value, now also ours: nothing left to tell them, so no base. */
static int
keep_remote(struct db *db, const struct conflict *c)
{
	static const char del[] = "DELETE FROM sync_base WHERE entity = ?1 AND uuid = ?2";
	sqlite3_stmt *st;
	int rc;

	if ((rc = write_value(db, c, c->remote)) != QREL_OK || !(st = db_stmt(db, del)))
		return rc != QREL_OK ? rc : QREL_DB;
	db_bind_text(st, 1, c->entity);
	db_bind_text(st, 2, c->uuid);
	return db_step_done(db, st, "resolving a conflict");
}

static int
close_conflict(struct db *db, int64_t review, const char *who, long long id, const struct conflict *c,
	       bool remote)
{
	static const char sql[] = "UPDATE sync_conflict SET resolved_at = ?2, resolution = ?3, resolved_by = ?4 "
				  "WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];
	int rc;

	if (!st)
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, remote ? "remote" : "local");
	db_bind_text(st, 4, who);
	if ((rc = db_step_done(db, st, "resolving a conflict")) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, c->entity, c->uuid, "sync resolve", remote ? c->local : c->remote,
			     remote ? c->remote : c->local,
			     remote ? "the lead took the other copy's value" : "the lead kept this copy's value");
}

static int
check_lead(struct db *db, int64_t review, const char *who)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK)
		return rc;
	return gate_check(db, review, &a, &(struct gate_write){ .what = GATE_RESOLVE });
}

int
sync_resolve(struct db *db, int64_t review, const char *who, long long id, bool keep_remote_value)
{
	struct conflict c;
	int rc;

	if ((rc = check_lead(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = conflict_load(db, id, &c)) == QREL_OK)
		rc = keep_remote_value ? keep_remote(db, &c) : keep_local(db, &c);
	if (rc == QREL_OK)
		rc = close_conflict(db, review, who, id, &c, keep_remote_value);
	free(c.local);
	free(c.remote);
	if (rc != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

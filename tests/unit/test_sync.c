/* test_sync.c: the merge decision, bundles between two copies, the worded check and backups. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/backup.h"
#include "qrel/check.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/import.h"
#include "qrel/schedule.h"
#include "qrel/survey.h"
#include "qrel/findings.h"
#include "qrel/review.h"
#include "qrel/score.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/identity.h"
#include "qrel/sync.h"
#include "qrel/util.h"
#include "qrel/voice.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <zlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[FIXTURE_DIR];

static char *
tmp_path(const char *name)
{
	static char path[4][128];
	static int next;

	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s/%s", dir, name);
	return path[next];
}

static int
setup(void **state)
{
	struct diags d = { 0 };
	struct db *db;
	struct backup_stats bs;
	int rc;

	UNUSED(state);
	if (fixture_dir(dir, "/tmp/qrel-sync-XXXXXX") != 0 || review_build_sample(tmp_path("a.db"), QREL_SRCDIR, &d) != QREL_OK)
		return -1;
	diag_free(&d);
	/* b is a copy of the same review, as a reviewer's laptop would hold. */
	if (db_open(tmp_path("a.db"), 0, &db) != QREL_OK)
		return -1;
	rc = backup_db(db, tmp_path("b.db"), &bs);
	db_close(db);
	return rc == QREL_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	UNUSED(state);
	return fixture_rmdir(dir);
}

static void
test_decide(void **state)
{
	UNUSED(state);
	assert_int_equal(sync_decide("x", NULL, 1, "x", NULL, 5), SYNC_SAME);
	assert_int_equal(sync_decide("x", "o", 2, "x", "o", 2), SYNC_SAME);	/* the same edit on both sides */
	assert_int_equal(sync_decide("o", NULL, 1, "x", "o", 2), SYNC_TAKE);	/* only theirs moved */
	assert_int_equal(sync_decide("x", "o", 2, "o", NULL, 1), SYNC_KEEP);	/* only ours moved */
	assert_int_equal(sync_decide("x", "o", 2, "y", "o", 2), SYNC_CONFLICT);
	assert_int_equal(sync_decide("y", "o", 2, "x", "y", 3), SYNC_TAKE);	/* theirs builds on ours */
	assert_int_equal(sync_decide("z", NULL, 3, "x", NULL, 2), SYNC_STALE);	/* a replayed old bundle */
	assert_int_equal(sync_decide("z", NULL, 2, "x", NULL, 3), SYNC_TAKE);	/* a third copy's later value */
	assert_int_equal(sync_decide("z", NULL, 2, "x", NULL, 2), SYNC_CONFLICT);
}

static int64_t
open_review(const char *name, struct db **db)
{
	assert_int_equal(db_open(tmp_path(name), 0, db), QREL_OK);
	return store_review_id(*db);
}

static void
set_score(const char *name, int level, const char *why)
{
	struct db *db;
	int64_t review = open_review(name, &db);
	int64_t site = store_site_id(db, review, "RHS"), cluster = store_cluster_id(db, review, "1.2");

	assert_int_equal(score_set(db, review, "José Ramírez", site, cluster, SCORE_TEAM, level, false, why), QREL_OK);
	db_close(db);
}

static int
bundle_of(const char *from, const char *out, const char *peer, struct sync_export_stats *es)
{
	struct db *db;
	int64_t review = open_review(from, &db);
	int rc = sync_export(db, review, "Ségolène Arceneaux", tmp_path(out), peer, peer == NULL, es);

	db_close(db);
	return rc;
}

static int
import_into(const char *to, const char *bundle, struct sync_import_stats *st)
{
	struct db *db;
	int64_t review = open_review(to, &db);
	int rc = sync_import(db, review, "Ségolène Arceneaux", tmp_path(bundle), st);

	db_close(db);
	return rc;
}

static void
test_one_sided_change_travels(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	struct stat sb;

	UNUSED(state);
	set_score("a.db", 3, "moved in a");
	assert_int_equal(bundle_of("a.db", "a1.qb", "b", &es), QREL_OK);
	assert_int_equal(stat(tmp_path("a1.qb"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(es.bytes, sb.st_size);
	assert_int_equal(import_into("b.db", "a1.qb", &st), QREL_OK);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.conflicts, 0);
	assert_int_equal(import_into("b.db", "a1.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.updated + st.inserted + st.conflicts + st.changes, 0);
	/* Nothing changed in a since: the next bundle to b carries no score. */
	assert_int_equal(bundle_of("a.db", "a2.qb", "b", &es), QREL_OK);
	assert_int_equal(es.scores, 0);
	/* The next change alone travels, with what it names, packed: not the review. */
	set_score("a.db", 2, "moved again in a");
	assert_int_equal(bundle_of("a.db", "a3.qb", "b", &es), QREL_OK);
	assert_int_equal(es.scores, 1);
	assert_int_equal(es.notes, 0);
	assert_true(es.bytes < 2048);
	assert_int_equal(import_into("b.db", "a3.qb", &st), QREL_OK);
	assert_int_equal(st.updated, 1);
}

static void
test_both_sides_conflict_once(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;

	UNUSED(state);
	set_score("a.db", 1, "a thinks 1");
	set_score("b.db", 2, "b thinks 2");
	assert_int_equal(bundle_of("a.db", "a3.qb", NULL, &es), QREL_OK);
	assert_int_equal(import_into("b.db", "a3.qb", &st), QREL_OK);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(import_into("b.db", "a3.qb", &st), QREL_OK);
	assert_int_equal(st.conflicts, 0);	/* recorded once */
}

/* ---- hostile bundles: each refused, with its reason, the review unchanged ---- */

static unsigned char *
read_all(const char *path, size_t *n)
{
	unsigned char *b;
	FILE *f = fopen(path, "rb");
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return b;
}

static void
write_all(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* Every table's rows and the schema of a database file, as one fingerprint. */
static uint64_t
content_of(const char *name)
{
	sqlite3 *h;
	sqlite3_stmt *tables, *rows;
	uint64_t sum = 0;
	char sql[160];

	assert_int_equal(sqlite3_open_v2(tmp_path(name), &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT name, coalesce(sql, '') FROM sqlite_schema ORDER BY name", -1,
					    &tables, NULL), SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(tables, 0);

		sum = sum * 31 + hash64(sqlite3_column_text(tables, 1), (size_t)sqlite3_column_bytes(tables, 1));
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", t);
		if (strncmp(t, "sqlite_autoindex", 16) == 0 || sqlite3_prepare_v2(h, sql, -1, &rows, NULL) != SQLITE_OK)
			continue;	/* indexes and triggers: their sql is in the sum */
		while (sqlite3_step(rows) == SQLITE_ROW)
			for (int i = 0; i < sqlite3_column_count(rows); i++)
				sum = sum * 31 + hash64(sqlite3_column_blob(rows, i) ? sqlite3_column_blob(rows, i) : "",
							(size_t)sqlite3_column_bytes(rows, i));
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	sqlite3_close(h);
	return sum;
}

/* b.db's key and review uuid, to sign crafted bundles as a copy holding the key could. */
static void
review_of(const char *name, unsigned char key[SYNC_KEY_BYTES], char uuid[64])
{
	struct db *db;
	int64_t review = open_review(name, &db);
	sqlite3_stmt *st;

	assert_int_equal(sync_review_key(db, review, key), QREL_OK);
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT uuid FROM review", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(uuid, 64, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	db_close(db);
}

/* A good bundle of a.db, unpacked to its SQLite image on a writable connection. */
static sqlite3 *
good_tables(void)
{
	struct sync_export_stats es;
	unsigned char *b, *image;
	size_t n;
	uLongf raw;
	sqlite3 *h;

	if (access(tmp_path("good.qb"), F_OK) != 0)
		assert_int_equal(bundle_of("a.db", "good.qb", NULL, &es), QREL_OK);
	b = read_all(tmp_path("good.qb"), &n);
	assert_memory_equal(b, "QRELBNDL", 8);
	raw = 0;
	for (int i = 16; i < 24; i++)
		raw = raw << 8 | b[i];
	image = sqlite3_malloc64(raw);
	assert_int_equal(uncompress(image, &raw, b + SYNC_HEADER_BYTES, n - SYNC_HEADER_BYTES - SYNC_MAC_BYTES), Z_OK);
	free(b);
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(sqlite3_deserialize(h, "main", image, (sqlite3_int64)raw, (sqlite3_int64)raw,
					     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE), SQLITE_OK);
	return h;
}

/* The image of h after sql, signed with b.db's key as an insider could, written to name. */
static const char *
craft(const char *name, const char *sql)
{
	unsigned char key[SYNC_KEY_BYTES], *image, *file;
	char uuid[64];
	sqlite3_int64 n;
	size_t fn;
	sqlite3 *h = good_tables();

	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	image = sqlite3_serialize(h, "main", &n, 0);
	assert_non_null(image);
	review_of("b.db", key, uuid);
	assert_int_equal(sync_bundle_seal(key, uuid, image, (size_t)n, true, &file, &fn), QREL_OK);
	write_all(tmp_path(name), file, fn);
	free(file);
	sqlite3_free(image);
	sqlite3_close(h);
	return name;
}

/* Imports name into b.db: refused, saying why and that nothing was imported, b.db unchanged. */
static void
assert_refused(const char *name, const char *why)
{
	struct sync_import_stats st;
	uint64_t before = content_of("b.db");

	assert_int_equal(import_into("b.db", name, &st), QREL_PARSE);
	if (!strstr(error_message(), why))
		fail_msg("%s: expected '%s' in: %s", name, why, error_message());
	assert_non_null(strstr(error_message(), "nothing was imported"));
	assert_true(content_of("b.db") == before);
}

static void
test_good_bundle_still_imports(void **state)
{
	struct sync_import_stats st;

	UNUSED(state);
	/* The crafted bundles below start from this one: unaltered and signed, it goes in. */
	assert_int_equal(import_into("b.db", craft("plain.qb", "SELECT 1"), &st), QREL_OK);
}

/* Rows in the import's bundle schema on db's connection (none when it has none). */
static long long
bundle_rows(struct db *db)
{
	if (sqlite3_txn_state(db_handle(db), "bundle") < 0)
		return 0;
	return db_int(db, "SELECT (SELECT count(*) FROM bundle.meta) + (SELECT count(*) FROM bundle.note) + "
		      "(SELECT count(*) FROM bundle.score) + (SELECT count(*) FROM bundle.person) + "
		      "(SELECT count(*) FROM bundle.site) + (SELECT count(*) FROM bundle.change_log)");
}

/* One connection, several imports (a refused one between) and an export: each
 * import as on a fresh connection, nothing of one left for the next. */
static void
test_imports_share_a_connection(void **state)
{
	struct sync_import_stats st;
	struct sync_export_stats es;
	struct db *db;
	int64_t review;

	UNUSED(state);
	set_score("a.db", 3, "moved in a, for one connection");
	assert_int_equal(bundle_of("a.db", "one.qb", NULL, &es), QREL_OK);
	craft("one-view.qb", "CREATE VIEW v AS SELECT 1");
	review = open_review("b.db", &db);
	assert_int_equal(sync_import(db, review, "Ségolène Arceneaux", tmp_path("one.qb"), &st), QREL_OK);
	assert_int_equal(st.updated + st.conflicts, 1);
	assert_int_equal(bundle_rows(db), 0);
	assert_int_equal(sync_import(db, review, "Ségolène Arceneaux", tmp_path("one-view.qb"), &st), QREL_PARSE);
	assert_non_null(strstr(error_message(), "holds a view 'v'"));
	assert_int_equal(bundle_rows(db), 0);
	assert_int_equal(sync_import(db, review, "Ségolène Arceneaux", tmp_path("one.qb"), &st), QREL_OK);
	assert_int_equal(st.updated + st.inserted + st.conflicts, 0);	/* again: nothing */
	assert_int_equal(bundle_rows(db), 0);
	/* An export on the same connection makes its own tables, then an import works again. */
	assert_int_equal(sync_export(db, review, "Ségolène Arceneaux", tmp_path("one-back.qb"), NULL, true, &es),
			 QREL_OK);
	assert_true(es.scores > 0);
	assert_int_equal(sync_import(db, review, "Ségolène Arceneaux", tmp_path("one.qb"), &st), QREL_OK);
	db_close(db);
	assert_int_equal(import_into("a.db", "one-back.qb", &st), QREL_OK);
}

static void
test_objects_refused(void **state)
{
	UNUSED(state);
	assert_refused(craft("view.qb", "CREATE VIEW forever AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL "
				"SELECT x + 1 FROM r) SELECT x FROM r"), "holds a view 'forever'");
	/* A view that shadows a table's name cannot be made; one named like a table is a view all the same. */
	assert_refused(craft("trigger.qb", "CREATE TRIGGER t AFTER UPDATE ON note BEGIN DELETE FROM score; END"),
		       "holds a trigger 't'");
	assert_refused(craft("table.qb", "CREATE TABLE extra (x)"), "holds a table 'extra'");
	assert_refused(craft("index.qb", "CREATE INDEX by_text ON note(text)"), "holds an index 'by_text'");
	assert_refused(craft("column.qb", "ALTER TABLE score ADD COLUMN evil TEXT"),
		       "its table 'score' is not the one qrel writes");
	assert_refused(craft("default.qb", "DROP TABLE person; CREATE TABLE person (uuid TEXT PRIMARY KEY, name TEXT, "
				"role TEXT DEFAULT 'lead', site TEXT)"), "its table 'person' is not the one qrel writes");
	assert_refused(craft("missing.qb", "DROP TABLE change_log"), "lacks a table 'change_log'");
}

static void
test_caps_refused(void **state)
{
	UNUSED(state);
	assert_refused(craft("cell.qb", "UPDATE note SET text = printf('%.*c', 1048577, 'x') "
				"WHERE rowid = (SELECT min(rowid) FROM note)"),
		       "a value in note.text is 1048577 characters or bytes long, over the cap of 1 MiB");
	/* A blob over the connection's own length limit: length() reads its size, not its bytes. */
	assert_refused(craft("blob.qb", "UPDATE score SET base = zeroblob(8 << 20) "
				"WHERE rowid = (SELECT min(rowid) FROM score)"),
		       "a value in score.base is 8388608 characters or bytes long");
	assert_refused(craft("rows.qb", "DELETE FROM site; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
				"WHERE x < 1000001) INSERT INTO site(uuid) SELECT x FROM c"),
		       "its table site holds 1000001 rows, over the cap of 1000000 rows per table");
}

/* A header that says the tables take 1 GiB, and a stream that unpacks past what its header says. */
static void
test_sizes_refused(void **state)
{
	unsigned char key[SYNC_KEY_BYTES], *b;
	char uuid[64];
	size_t n;
	FILE *f;

	UNUSED(state);
	review_of("b.db", key, uuid);
	b = read_all(tmp_path(craft("huge.qb", "SELECT 1")), &n);
	b[16 + 4] = 0x40;	/* 1 << 30 */
	crypto_auth(b + n - SYNC_MAC_BYTES, b, n - SYNC_MAC_BYTES, key);
	write_all(tmp_path("huge.qb"), b, n);
	assert_refused("huge.qb", "its tables take 1024 MiB unpacked, over the cap of 64 MiB");
	b[16 + 4] = 0;
	b[16 + 7] ^= 1;		/* one byte off: the stream does not unpack to it */
	crypto_auth(b + n - SYNC_MAC_BYTES, b, n - SYNC_MAC_BYTES, key);
	write_all(tmp_path("short.qb"), b, n);
	assert_refused("short.qb", "do not unpack to the size its header gives");
	free(b);
	/* A 1 GiB file, sparse: refused by its size before a byte is read. */
	assert_non_null(f = fopen(tmp_path("sparse.qb"), "wb"));
	assert_int_equal(ftruncate(fileno(f), 1L << 30), 0);
	fclose(f);
	assert_refused("sparse.qb", "1024 MiB, over the cap of 64 MiB for a bundle");
	unlink(tmp_path("sparse.qb"));
}

/* Under a lower heap limit than the import's own cap, the lower one holds and is named. */
static void
test_memory_cap(void **state)
{
	UNUSED(state);
	craft("memory.qb", "SELECT 1");
	sqlite3_hard_heap_limit64(sqlite3_memory_used() + (1 << 20));
	assert_refused("memory.qb", "the import needed more than its cap of");
	sqlite3_hard_heap_limit64(0);
}

static void
test_signature_refused(void **state)
{
	struct sync_export_stats es;
	struct diags d = { 0 };
	unsigned char *b;
	size_t n;
	struct db *db;

	UNUSED(state);
	b = read_all(tmp_path(craft("flip.qb", "SELECT 1")), &n);
	b[n / 2] ^= 0x20;
	write_all(tmp_path("flip.qb"), b, n);
	assert_refused("flip.qb", "not signed by this review's key (was it made from another review, or altered?)");
	b[n / 2] ^= 0x20;
	b[n - 1] ^= 1;
	write_all(tmp_path("mac.qb"), b, n);
	assert_refused("mac.qb", "not signed by this review's key");
	free(b);
	/* A copy of the review whose key differs (made before the key existed, or forged). */
	assert_int_equal(db_open(tmp_path("a.db"), 0, &db), QREL_OK);
	assert_int_equal(db_exec(db, "UPDATE sync_key SET key = randomblob(32)"), QREL_OK);
	db_close(db);
	assert_int_equal(bundle_of("a.db", "otherkey.qb", NULL, &es), QREL_OK);
	assert_refused("otherkey.qb", "not signed by this review's key");
	/* Another review altogether. */
	assert_int_equal(review_build_sample(tmp_path("other.db"), QREL_SRCDIR, &d), QREL_OK);
	diag_free(&d);
	assert_int_equal(bundle_of("other.db", "other.qb", NULL, &es), QREL_OK);
	assert_refused("other.qb", "the bundle is from another review");
}

static void
test_check_in_words(void **state)
{
	struct check_report r;
	struct db *db;
	char buf[4096] = "";
	FILE *out;

	UNUSED(state);
	open_review("b.db", &db);
	out = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_int_equal(check_store(db, out, &r), QREL_OK);
	assert_int_equal(r.problems, 0);
	assert_int_equal(db_exec(db, "DROP TRIGGER change_log_no_update; UPDATE score SET level = 9 WHERE id = 1"),
			 QREL_OK);
	assert_int_equal(check_store(db, out, &r), QREL_DB);
	fclose(out);
	assert_int_equal(r.problems, 2);
	assert_non_null(strstr(buf, "Trigger change_log_no_update is missing"));
	assert_non_null(strstr(buf, "has level 9, outside the framework's scale of 1 to 3"));
	db_close(db);
}

/* The bundle's tables as an SQLite file beside it: the header says their size,
 * zlib packs them, the MAC closes the file (sync.c). */
static void
unpack_bundle(const char *path, char *out, size_t nout)
{
	static unsigned char buf[8 << 20], tables[16 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;
	uLongf size = 0;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(n > SYNC_HEADER_BYTES + SYNC_MAC_BYTES && memcmp(buf, "QRELBNDL", 8) == 0);
	for (int i = 16; i < 24; i++)
		size = (size << 8) | buf[i];
	assert_true(size <= sizeof(tables));
	assert_int_equal(uncompress(tables, &size, buf + SYNC_HEADER_BYTES, n - SYNC_HEADER_BYTES - SYNC_MAC_BYTES),
			 Z_OK);
	snprintf(out, nout, "%s.tables", path);
	assert_non_null(f = fopen(out, "wb"));
	assert_int_equal(fwrite(tables, 1, size, f), size);
	fclose(f);
}

/* A count from the bundle at path (with a.db attached as "a"). */
static long long
bundle_count(const char *path, const char *sql)
{
	char attach[512], tables[512];
	sqlite3_stmt *st;
	sqlite3 *h;
	long long n = -1;

	unpack_bundle(path, tables, sizeof(tables));
	snprintf(attach, sizeof(attach), "ATTACH '%s' AS a", tmp_path("a.db"));
	assert_int_equal(sqlite3_open(tables, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, attach, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* A reviewer's bundle carries their own scores and what they may read: no
 * colleague's score in a cell without consensus, no log entry about one. */
static void
test_reviewer_bundle_stays_blind(void **state)
{
	struct sync_export_stats es, all;
	struct db *db;
	int64_t review = open_review("a.db", &db);
	char zoe[256];

	UNUSED(state);
	assert_int_equal(sync_export(db, review, "Zoë Whitfield", tmp_path("zoe.qb"), NULL, true, &es), QREL_OK);
	assert_int_equal(sync_export(db, review, "Ségolène Arceneaux", tmp_path("lead.qb"), NULL, true, &all), QREL_OK);
	db_close(db);
	assert_true(es.scores > 0 && es.scores < all.scores);
	assert_true(es.changes < all.changes);
	snprintf(zoe, sizeof(zoe), "%s", tmp_path("zoe.qb"));
	/* Every team score by someone else lies in a cell with a consensus. */
	assert_int_equal(bundle_count(zoe, "SELECT count(*) FROM main.score s WHERE s.kind = 'team' AND "
				      "s.rater <> 'Zoë Whitfield' AND NOT EXISTS (SELECT 1 FROM main.score c WHERE "
				      "c.kind = 'consensus' AND c.site = s.site AND c.cluster = s.cluster AND "
				      "(c.level IS NOT NULL OR c.insufficient))"), 0);
	assert_true(bundle_count(zoe, "SELECT count(*) FROM main.score WHERE rater = 'Zoë Whitfield'") > 0);
	assert_int_equal(bundle_count(zoe, "SELECT count(*) FROM main.change_log l JOIN a.score x ON x.uuid = "
				      "l.entity_uuid JOIN a.person p ON p.id = x.rater_id WHERE x.kind = 'team' AND "
				      "p.name <> 'Zoë Whitfield' AND NOT EXISTS (SELECT 1 FROM a.score c WHERE c.kind = "
				      "'consensus' AND c.site_id = x.site_id AND c.cluster_id = x.cluster_id AND "
				      "(c.level IS NOT NULL OR c.insufficient))"), 0);
	/* The lead's bundle has them (the checks above can fail). */
	assert_true(bundle_count(tmp_path("lead.qb"), "SELECT count(*) FROM main.score s WHERE s.kind = 'team' AND "
				 "s.rater <> 'Zoë Whitfield' AND NOT EXISTS (SELECT 1 FROM main.score c WHERE "
				 "c.kind = 'consensus' AND c.site = s.site AND c.cluster = s.cluster)") > 0);
}

/* ---- findings and recommendations between two copies ---- */

#define REVIEWER "José Ramírez"

static int64_t
count_in(const char *name, const char *sql)
{
	struct db *db;
	long long n;

	open_review(name, &db);
	n = db_int(db, sql);
	db_close(db);
	return n;
}

static void
copy_of(const char *from, const char *to)
{
	struct backup_stats bs;
	struct db *db;

	open_review(from, &db);
	assert_int_equal(backup_db(db, tmp_path(to), &bs), QREL_OK);
	db_close(db);
}

/* A finding citing a note, and a recommendation answering it, written in fa. */
static int64_t
write_finding(const char *name, int64_t *rec)
{
	struct db *db;
	int64_t review = open_review(name, &db), id, note;
	struct finding_input in = { .cluster = store_cluster_id(db, review, "1.2"), .kind = FINDING_GROWTH,
				    .text = "Course places fill before families hear of them" };
	struct rec_input r = { .title = "Tell every family in September", .priority = REC_HIGH };

	note = db_int(db, "SELECT min(id) FROM note WHERE deleted_at IS NULL");
	assert_int_equal(finding_add(db, review, REVIEWER, &in, &id), QREL_OK);
	assert_int_equal(finding_cite_note(db, review, REVIEWER, id, note, "Parents"), QREL_OK);
	assert_int_equal(rec_add(db, review, REVIEWER, &r, rec), QREL_OK);
	assert_int_equal(rec_link_finding(db, review, REVIEWER, *rec, id), QREL_OK);
	db_close(db);
	return id;
}

static void
edit_finding(const char *name, int64_t id, const char *text)
{
	struct db *db;
	int64_t review = open_review(name, &db);

	assert_int_equal(finding_edit(db, review, REVIEWER, id, "text", text), QREL_OK);
	db_close(db);
}

/* A recommendation turned into a plan objective in one copy is one in the
 * other too, with the same objective uuid (the plan itself does not travel:
 * the objective is started there from the recommendation); the link is not
 * made twice. */
static void
test_rec_objective_travels(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	struct db *db;
	int64_t review, rec, objective;
	char want[400];

	UNUSED(state);
	copy_of("a.db", "oa.db");
	copy_of("a.db", "ob.db");
	write_finding("oa.db", &rec);
	assert_int_equal(bundle_of("oa.db", "o1.qb", "ob", &es), QREL_OK);
	assert_int_equal(import_into("ob.db", "o1.qb", &st), QREL_OK);
	assert_int_equal(count_in("ob.db", "SELECT count(*) FROM recommendation WHERE title = "
			 "'Tell every family in September' AND objective_id IS NULL"), 1);
	review = open_review("oa.db", &db);
	assert_int_equal(rec_to_objective(db, review, "Ségolène Arceneaux", rec, &objective), QREL_OK);
	db_close(db);
	assert_int_equal(bundle_of("oa.db", "o2.qb", "ob", &es), QREL_OK);
	assert_int_equal(import_into("ob.db", "o2.qb", &st), QREL_OK);
	snprintf(want, sizeof(want), "SELECT count(*) FROM recommendation r JOIN objective o ON o.id = r.objective_id "
		 "WHERE r.title = 'Tell every family in September' AND o.title = r.title AND o.uuid = "
		 "(SELECT uuid FROM a.objective WHERE id = %lld)", (long long)objective);
	{
		/* ob's objective has oa's uuid */
		struct db *b;
		char attach[200];

		open_review("ob.db", &b);
		snprintf(attach, sizeof(attach), "ATTACH '%s' AS a", tmp_path("oa.db"));
		assert_int_equal(db_exec(b, attach), QREL_OK);
		assert_int_equal(db_int(b, want), 1);
		db_close(b);
	}
	assert_int_equal(count_in("ob.db", "SELECT count(*) FROM change_log WHERE entity = 'recommendation' AND "
			 "field = 'objective' AND entity_uuid = (SELECT uuid FROM recommendation WHERE title = "
			 "'Tell every family in September')"), 1);	/* the link made here (a bundle's log is not copied) */
	/* The change log names the objective by its final uuid (oa's), never a
	 * temporary one: the link's new value, the objective's creation and its causes. */
	assert_int_equal(count_in("ob.db", "SELECT count(*) FROM change_log c JOIN recommendation r ON r.uuid = "
			 "c.entity_uuid JOIN objective o ON o.id = r.objective_id WHERE c.entity = 'recommendation' AND "
			 "c.field = 'objective' AND c.new = o.uuid AND r.title = 'Tell every family in September'"), 1);
	assert_int_equal(count_in("ob.db", "SELECT count(*) FROM change_log c JOIN objective o ON o.uuid = "
			 "c.entity_uuid WHERE c.entity = 'objective' AND c.field = 'create' AND o.title = "
			 "'Tell every family in September'"), 1);
	assert_int_equal(count_in("ob.db", "SELECT count(*) FROM change_log c WHERE c.entity = 'root_cause' AND "
			 "c.field = 'create' AND c.reason NOT IN (SELECT uuid FROM objective)"), 0);
	assert_int_equal(import_into("ob.db", "o2.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.inserted + st.updated + st.conflicts, 0);
	assert_int_equal(count_in("ob.db", "SELECT count(*) FROM objective WHERE title = 'Tell every family in September'"), 1);
}

static void
test_findings_travel(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	struct db *db;
	int64_t review, rec, other, id;

	UNUSED(state);
	copy_of("a.db", "fa.db");
	copy_of("a.db", "fb.db");
	id = write_finding("fa.db", &rec);
	assert_int_equal(bundle_of("fa.db", "f1.qb", "fb", &es), QREL_OK);
	assert_int_equal(import_into("fb.db", "f1.qb", &st), QREL_OK);
	assert_int_equal(st.inserted, 2);
	assert_int_equal(count_in("fb.db", "SELECT count(*) FROM finding f JOIN finding_note n ON n.finding_id = f.id "
			 "WHERE f.text = 'Course places fill before families hear of them' AND n.stakeholder = 'Parents'"), 1);
	assert_int_equal(count_in("fb.db", "SELECT count(*) FROM recommendation r JOIN recommendation_finding l "
			 "ON l.recommendation_id = r.id JOIN finding f ON f.id = l.finding_id WHERE r.priority = 'high' "
			 "AND f.text LIKE 'Course places%'"), 1);
	assert_int_equal(count_in("fb.db", "SELECT count(*) FROM change_log WHERE entity = 'finding' AND field = 'create' "
			 "AND reason LIKE 'sync import%'"), 1);
	assert_int_equal(import_into("fb.db", "f1.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.inserted + st.updated + st.conflicts, 0);

	/* One side edits: it travels back. Both edit: one conflict, kept for the lead. */
	edit_finding("fb.db", id, "Edited in b");
	assert_int_equal(bundle_of("fb.db", "f2.qb", "fa", &es), QREL_OK);
	assert_int_equal(import_into("fa.db", "f2.qb", &st), QREL_OK);
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM finding WHERE text = 'Edited in b'"), 1);
	edit_finding("fa.db", id, "a's words");
	edit_finding("fb.db", id, "b's words");
	assert_int_equal(bundle_of("fb.db", "f3.qb", NULL, &es), QREL_OK);
	assert_int_equal(import_into("fa.db", "f3.qb", &st), QREL_OK);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM finding WHERE text = 'a''s words'"), 1);
	review = open_review("fa.db", &db);
	assert_int_equal(sync_resolve(db, review, "Ségolène Arceneaux", db_int(db, "SELECT max(id) FROM sync_conflict "
				      "WHERE entity = 'finding'"), true), QREL_OK);
	db_close(db);
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM finding WHERE text = 'b''s words'"), 1);

	/* A final report here refuses the other copy's new finding, and the whole bundle with it
	 * (an edit of both sides' finding is only recorded as a conflict: nothing changes). */
	edit_finding("fb.db", id, "late change");
	write_finding("fb.db", &other);
	assert_int_equal(bundle_of("fb.db", "f4.qb", NULL, &es), QREL_OK);
	review = open_review("fa.db", &db);
	assert_int_equal(findings_finalise(db, review, "Ségolène Arceneaux"), QREL_OK);
	db_close(db);
	assert_int_equal(import_into("fa.db", "f4.qb", &st), QREL_LOCKED);
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM finding WHERE text = 'late change'"), 0);
	review = open_review("fa.db", &db);
	assert_int_equal(findings_reopen(db, review, "Ségolène Arceneaux", "one more exchange"), QREL_OK);
	db_close(db);

	/* A deletion travels, as a uuid; the change log keeps the text; nothing brings it back. */
	review = open_review("fb.db", &db);
	assert_int_equal(finding_delete(db, review, REVIEWER, id), QREL_OK);
	db_close(db);
	assert_int_equal(bundle_of("fb.db", "f5.qb", "fa", &es), QREL_OK);
	assert_int_equal(import_into("fa.db", "f5.qb", &st), QREL_OK);
	{
		char sql[160];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM finding WHERE id = %lld", (long long)id);
		assert_int_equal(count_in("fa.db", sql), 0);
	}
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM change_log WHERE entity = 'finding' AND field = 'delete' "
			 "AND reason LIKE 'sync import%'"), 1);
	assert_int_equal(import_into("fa.db", "f4.qb", &st), QREL_OK);	/* the deleted one's edit: ignored */
	assert_int_equal(st.stale, 1);
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM finding WHERE text = 'late change'"), 0);
	assert_int_equal(count_in("fa.db", "SELECT count(*) FROM finding WHERE text LIKE 'Course places%'"), 1);
	{
		char sql[160];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM recommendation_finding WHERE recommendation_id = %lld",
			 (long long)rec);
		assert_int_equal(count_in("fa.db", sql), 0);	/* its finding is gone, so is the link */
	}
}

/* Written findings go only to a reader findings_readable allows: a principal's
 * bundle holds none before the lead releases them. */
static void
test_principal_bundle_without_findings(void **state)
{
	struct sync_export_stats es;
	struct db *db;
	int64_t review = open_review("a.db", &db);
	char name[128], path[256];

	UNUSED(state);
	snprintf(name, sizeof(name), "%s", "");
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT name FROM person WHERE role = 'principal' "
						    "ORDER BY name LIMIT 1", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	assert_true(db_int(db, "SELECT count(*) FROM finding") > 0);
	assert_int_equal(sync_export(db, review, name, tmp_path("p.qb"), NULL, true, &es), QREL_OK);
	assert_int_equal(sync_export(db, review, "Ségolène Arceneaux", tmp_path("l.qb"), NULL, true, &es), QREL_OK);
	db_close(db);
	snprintf(path, sizeof(path), "%s", tmp_path("p.qb"));
	assert_int_equal(bundle_count(path, "SELECT count(*) FROM main.finding"), 0);
	assert_int_equal(bundle_count(path, "SELECT count(*) FROM main.recommendation"), 0);
	snprintf(path, sizeof(path), "%s", tmp_path("l.qb"));
	assert_true(bundle_count(path, "SELECT count(*) FROM main.finding") > 0);
	assert_true(bundle_count(path, "SELECT count(*) FROM main.recommendation") > 0);
}


#define LEAD "Ségolène Arceneaux"

static void
run_sql(const char *name, const char *sql)
{
	struct db *db;

	open_review(name, &db);
	assert_int_equal(db_exec(db, sql), QREL_OK);
	db_close(db);
}

/* The lead's survey upload: one item moved, one new. */
static void
upload_survey(const char *name)
{
	struct import_stats is;
	struct diags d = { 0 };
	struct db *db;
	int64_t review = open_review(name, &db);
	FILE *f;

	assert_non_null(f = fopen(tmp_path("survey.csv"), "w"));
	fputs("site,instrument,item,cluster,group,subgroup,responses,favourable,options\n"
	      "RHS,Student climate survey,I feel like I belong at this school,1.5,Students,,810,60%,\n"
	      "RHS,Student climate survey,Adults here expect me to succeed,1.5,Students,,790,71%,\n", f);
	fclose(f);
	assert_int_equal(import_file_opts(db, review, "survey", tmp_path("survey.csv"), LEAD, NULL, &d, &is), QREL_OK);
	diag_free(&d);
	db_close(db);
}

/* In wa: a document cited by a note, a planned activity, the survey upload,
 * and a finding citing a survey item. */
static void
write_fieldwork(const char *name, int64_t *doc, int64_t *act)
{
	struct db *db;
	int64_t review, rec, finding = write_finding(name, &rec), site, note, item;
	struct document_input din = { .title = "Attendance policy 2025", .owner = "Registrar", .status = "requested" };
	struct activity_input ain = { .source = "interview", .held_at = "2026-03-02T10:00", .description = "Counsellors",
				      .status = "planned", .reviewers = REVIEWER };

	upload_survey(name);
	review = open_review(name, &db);
	site = store_site_id(db, review, "RHS");
	din.site = ain.site = site;
	note = db_int(db, "SELECT min(id) FROM note WHERE deleted_at IS NULL AND site_id = (SELECT id FROM site "
		      "WHERE code = 'RHS')");
	item = db_int(db, "SELECT id FROM survey_item WHERE item LIKE 'Adults here%'");
	assert_int_equal(document_add(db, review, LEAD, &din, doc), QREL_OK);
	assert_int_equal(document_cite(db, review, LEAD, *doc, note), QREL_OK);
	assert_int_equal(activity_add(db, review, LEAD, &ain, act), QREL_OK);
	assert_int_equal(survey_cite(db, review, LEAD, finding, item), QREL_OK);
	db_close(db);
}

static void
set_document_owner(const char *name, int64_t doc, const char *owner)
{
	struct document_input in = { .owner = owner };
	struct db *db;
	int64_t review = open_review(name, &db);

	assert_int_equal(document_set(db, review, LEAD, doc, &in), QREL_OK);
	db_close(db);
}

static int
count_conflict(void *ctx, const struct sync_conflict_row *c)
{
	if (strcmp(c->entity, "document") == 0 && strstr(c->what, "Attendance policy"))
		++*(int *)ctx;
	return 0;
}

/* Documents, citations, planned activities and the lead's survey data travel;
 * `done` propagates; a document edited on both sides is a conflict for the
 * lead; a reviewer's bundle cannot write the lead's survey data. */
static void
test_fieldwork_travels(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	struct db *db;
	int64_t review, doc, act;
	int seen = 0;

	UNUSED(state);
	copy_of("a.db", "wa.db");
	copy_of("a.db", "wb.db");
	write_fieldwork("wa.db", &doc, &act);
	assert_int_equal(bundle_of("wa.db", "w1.qb", "wb", &es), QREL_OK);
	assert_int_equal(import_into("wb.db", "w1.qb", &st), QREL_OK);
	assert_int_equal(count_in("wb.db", "SELECT count(*) FROM document d JOIN note_document nd ON nd.document_id = d.id "
			 "WHERE d.title = 'Attendance policy 2025' AND d.owner = 'Registrar' AND d.status = 'requested'"), 1);
	assert_int_equal(count_in("wb.db", "SELECT count(*) FROM activity WHERE description = 'Counsellors' "
			 "AND status = 'planned' AND reviewers = 'José Ramírez'"), 1);
	assert_int_equal(count_in("wb.db", "SELECT count(*) FROM survey_item WHERE item LIKE 'I feel like I belong%' "
			 "AND subgroup = '' AND responses = 810"), 1);
	assert_int_equal(count_in("wb.db", "SELECT count(*) FROM finding_survey fs JOIN survey_item i ON i.id = fs.survey_id "
			 "WHERE i.item LIKE 'Adults here%'"), 1);
	assert_int_equal(import_into("wb.db", "w1.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.inserted + st.updated + st.conflicts, 0);

	/* Marked done in b: done in a too. */
	review = open_review("wb.db", &db);
	assert_int_equal(schedule_done(db, review, LEAD, act), QREL_OK);
	db_close(db);
	assert_int_equal(bundle_of("wb.db", "w2.qb", "wa", &es), QREL_OK);
	assert_int_equal(import_into("wa.db", "w2.qb", &st), QREL_OK);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM activity WHERE description = 'Counsellors' "
			 "AND status = 'done'"), 1);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM change_log WHERE entity = 'activity' "
			 "AND field = 'status' AND new = 'done' AND reason LIKE 'sync import%'"), 1);

	/* One side edits the document: it travels. Both edit: a conflict the lead resolves. */
	set_document_owner("wb.db", doc, "Attendance office");
	assert_int_equal(bundle_of("wb.db", "w3.qb", "wa", &es), QREL_OK);
	assert_int_equal(import_into("wa.db", "w3.qb", &st), QREL_OK);
	assert_int_equal(st.updated, 1);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM document WHERE owner = 'Attendance office'"), 1);
	set_document_owner("wa.db", doc, "Principal's office");
	set_document_owner("wb.db", doc, "District data team");
	assert_int_equal(bundle_of("wb.db", "w4.qb", NULL, &es), QREL_OK);
	assert_int_equal(import_into("wa.db", "w4.qb", &st), QREL_OK);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM document WHERE owner = 'Principal''s office'"), 1);
	review = open_review("wa.db", &db);
	assert_int_equal(sync_conflict_each(db, review, false, count_conflict, &seen), QREL_OK);
	assert_int_equal(seen, 1);
	assert_int_equal(sync_resolve(db, review, LEAD, db_int(db, "SELECT max(id) FROM sync_conflict "
				      "WHERE entity = 'document'"), true), QREL_OK);
	db_close(db);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM document WHERE owner = 'District data team'"), 1);

	/* Survey results are the lead's: a reviewer's bundle that changes one is refused whole. */
	run_sql("wb.db", "UPDATE survey_item SET responses = 900, favourable = 1, updated_at = '2099-01-01T00:00:00Z' "
		"WHERE item LIKE 'Adults here%'");
	set_document_owner("wb.db", doc, "changed with it");
	review = open_review("wb.db", &db);
	assert_int_equal(sync_export(db, review, REVIEWER, tmp_path("w5.qb"), NULL, true, &es), QREL_OK);
	db_close(db);
	assert_int_equal(import_into("wa.db", "w5.qb", &st), QREL_DENIED);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM survey_item WHERE responses = 900"), 0);
	assert_int_equal(count_in("wa.db", "SELECT count(*) FROM document WHERE owner = 'changed with it'"), 0);

	/* Nothing new: the bundle leaves the empty fieldwork tables out, as an older qrel's
	 * lacks them, and imports as if they were empty. */
	assert_int_equal(bundle_of("wa.db", "w6.qb", "wb", &es), QREL_OK);
	assert_int_equal(bundle_of("wa.db", "w7.qb", "wb", &es), QREL_OK);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s", tmp_path("w7.qb"));
		assert_int_equal(bundle_count(path, "SELECT count(*) FROM main.sqlite_schema WHERE name IN ('document', "
					      "'note_document', 'survey_item', 'survey_rate', 'finding_survey', 'activity_plan')"), 0);
	}
	assert_int_equal(import_into("wb.db", "w7.qb", &st), QREL_OK);
}

/* Who took part: the voice of one activity and one note in a copy. */
static void
set_voice(const char *name, int64_t act, int64_t note, const char *groups, int participants, const char *language,
	  const char *note_groups)
{
	struct activity_input in = { .voice = { .groups = groups, .participants = participants, .language = language,
						.interpreter = 1 } };
	struct db *db;
	int64_t review = open_review(name, &db);

	assert_int_equal(activity_edit(db, review, LEAD, act, &in), QREL_OK);
	assert_int_equal(voice_edit_note(db, review, LEAD, note, note_groups), QREL_OK);
	db_close(db);
}

#define VOICE_OF(act) "SELECT coalesce(a.participants, 0) || '|' || a.language || '|' || a.interpreter || '|' || " \
	"coalesce((SELECT group_concat(grp, ',') FROM (SELECT grp FROM activity_group WHERE activity_id = a.id " \
	"ORDER BY grp)), '') FROM activity a WHERE a.id = " act
#define GROUPS_OF(note) "SELECT coalesce(group_concat(grp, ','), '') FROM (SELECT grp FROM note_group " \
	"WHERE note_id = " note " ORDER BY grp)"

static void
text_in(const char *name, const char *sql, char *out, size_t n)
{
	struct db *db;
	sqlite3_stmt *st;

	open_review(name, &db);
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	db_close(db);
}

static void
assert_same(const char *sql)
{
	char a[512], b[512];

	text_in("va.db", sql, a, sizeof(a));
	text_in("vb.db", sql, b, sizeof(b));
	assert_string_equal(a, b);
}

/* One bundle from one copy into the other; then both hold the same voice. */
static void
send_voice(const char *from, const char *to, const char *bundle, const char *peer, const char *act_sql,
	   const char *note_sql)
{
	struct sync_export_stats es;
	struct sync_import_stats st;

	assert_int_equal(bundle_of(from, bundle, peer, &es), QREL_OK);
	assert_int_equal(import_into(to, bundle, &st), QREL_OK);
	assert_same(act_sql);
	assert_same(note_sql);
}

/* Groups, participants, language and interpreter of an activity, and a note's
 * groups, travel and end equal; both sides changing them agree after one
 * exchange each way; a group the framework lacks is refused whole. */
static void
test_voice_travels(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	char act_sql[256], note_sql[256], want[512];
	int64_t act, note;
	struct db *db;

	UNUSED(state);
	copy_of("a.db", "va.db");
	copy_of("a.db", "vb.db");
	open_review("va.db", &db);
	act = db_int(db, "SELECT min(id) FROM activity");
	note = db_int(db, "SELECT min(id) FROM note WHERE deleted_at IS NULL AND activity_id IS NOT NULL");
	db_close(db);
	snprintf(act_sql, sizeof(act_sql), VOICE_OF("%lld"), (long long)act);
	snprintf(note_sql, sizeof(note_sql), GROUPS_OF("%lld"), (long long)note);

	set_voice("va.db", act, note, "families,teachers", 14, "es", "students,families");
	text_in("va.db", act_sql, want, sizeof(want));
	assert_string_equal(want, "14|es|1|families,teachers");
	send_voice("va.db", "vb.db", "v1.qb", "vb", act_sql, note_sql);
	text_in("vb.db", note_sql, want, sizeof(want));
	assert_string_equal(want, "families,students");
	assert_int_equal(count_in("vb.db", "SELECT count(*) FROM change_log WHERE field IN ('voice', 'groups') "
			 "AND reason LIKE 'sync import%'"), 2);
	assert_int_equal(import_into("vb.db", "v1.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.updated + st.inserted, 0);

	/* Cleared in b: cleared in a. */
	set_voice("vb.db", act, note, "students", 3, "", "");
	send_voice("vb.db", "va.db", "v2.qb", "va", act_sql, note_sql);
	text_in("va.db", note_sql, want, sizeof(want));
	assert_string_equal(want, "");

	/* Both change: each takes one value after one exchange each way. */
	set_voice("va.db", act, note, "teachers", 5, "en", "teachers");
	set_voice("vb.db", act, note, "families", 9, "pt-BR", "families");
	assert_int_equal(bundle_of("va.db", "v3.qb", "vb", &es), QREL_OK);
	assert_int_equal(bundle_of("vb.db", "v4.qb", "va", &es), QREL_OK);
	assert_int_equal(import_into("vb.db", "v3.qb", &st), QREL_OK);
	assert_int_equal(import_into("va.db", "v4.qb", &st), QREL_OK);
	assert_same(act_sql);
	assert_same(note_sql);

	/* A group this review's framework lacks: the whole bundle is refused. */
	open_review("va.db", &db);
	assert_int_equal(activity_set_groups(db, act, "aliens"), QREL_OK);	/* the writer does not check */
	db_close(db);
	assert_int_equal(bundle_of("va.db", "v5.qb", "vb", &es), QREL_OK);
	assert_int_equal(import_into("vb.db", "v5.qb", &st), QREL_PARSE);
	assert_int_equal(count_in("vb.db", "SELECT count(*) FROM activity_group WHERE grp = 'aliens'"), 0);
}

/* A citation removed in one copy is removed in the other: a note's document,
 * a finding's survey item, a finding's note; citing again travels too. */
static void
test_uncite_travels(void **state)
{
	static const char doc_cites[] = "SELECT count(*) FROM note_document nd JOIN document d ON d.id = nd.document_id "
					"WHERE d.title = 'Attendance policy 2025'";
	static const char survey_cites[] = "SELECT count(*) FROM finding_survey x JOIN finding f ON f.id = x.finding_id "
					   "WHERE f.text LIKE 'Course places fill%'";
	static const char note_cites[] = "SELECT count(*) FROM finding_note x JOIN finding f ON f.id = x.finding_id "
					 "WHERE f.text LIKE 'Course places fill%'";
	struct sync_export_stats es;
	struct sync_import_stats st;
	struct db *db;
	int64_t review, doc, act, finding, note;
	char sql[160], q2[160], q3[160];

	UNUSED(state);
	copy_of("a.db", "ua.db");
	write_fieldwork("ua.db", &doc, &act);
	copy_of("ua.db", "ub.db");
	assert_int_equal(count_in("ub.db", doc_cites), 1);
	assert_int_equal(count_in("ub.db", survey_cites), 1);
	assert_int_equal(count_in("ub.db", note_cites), 1);

	review = open_review("ua.db", &db);
	finding = db_int(db, "SELECT id FROM finding WHERE text LIKE 'Course places fill%'");
	snprintf(sql, sizeof(sql), "SELECT note_id FROM finding_note WHERE finding_id = %lld", (long long)finding);
	note = db_int(db, sql);
	assert_int_equal(finding_uncite_note(db, review, REVIEWER, finding, note), QREL_OK);
	/* db_int keeps a statement per SQL buffer: one buffer per query */
	snprintf(q2, sizeof(q2), "SELECT note_id FROM note_document WHERE document_id = %lld", (long long)doc);
	assert_int_equal(document_uncite(db, review, LEAD, doc, db_int(db, q2)), QREL_OK);
	snprintf(q3, sizeof(q3), "SELECT survey_id FROM finding_survey WHERE finding_id = %lld", (long long)finding);
	assert_int_equal(survey_uncite(db, review, LEAD, finding, db_int(db, q3)), QREL_OK);
	assert_int_equal(survey_uncite(db, review, LEAD, finding, db_int(db, "SELECT min(id) FROM survey_item")),
			 QREL_NOTFOUND);
	db_close(db);
	assert_int_equal(bundle_of("ua.db", "u1.qb", "ub", &es), QREL_OK);
	assert_int_equal(import_into("ub.db", "u1.qb", &st), QREL_OK);
	assert_int_equal(count_in("ub.db", doc_cites), 0);
	assert_int_equal(count_in("ub.db", survey_cites), 0);
	assert_int_equal(count_in("ub.db", note_cites), 0);
	assert_int_equal(count_in("ub.db", "SELECT count(*) FROM change_log WHERE field = 'uncite' "
			 "AND reason LIKE 'sync import%'"), 3);
	assert_int_equal(import_into("ub.db", "u1.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.updated, 0);

	/* Cited again in b: back in a, and a's removal does not undo it. */
	review = open_review("ub.db", &db);
	note = db_int(db, "SELECT min(id) FROM note WHERE deleted_at IS NULL AND site_id = (SELECT id FROM site "
		      "WHERE code = 'RHS')");
	assert_int_equal(document_cite(db, review, LEAD, doc, note), QREL_OK);
	db_close(db);
	assert_int_equal(bundle_of("ub.db", "u2.qb", "ua", &es), QREL_OK);
	assert_int_equal(import_into("ua.db", "u2.qb", &st), QREL_OK);
	assert_int_equal(count_in("ua.db", doc_cites), 1);
	assert_int_equal(bundle_of("ua.db", "u3.qb", "ub", &es), QREL_OK);
	assert_int_equal(import_into("ub.db", "u3.qb", &st), QREL_OK);
	assert_int_equal(count_in("ub.db", doc_cites), 1);
	assert_int_equal(count_in("ua.db", survey_cites), 0);
}

/* name with the header's format set to format, signed again with b.db's key. */
static void
set_format(const char *name, int format)
{
	unsigned char key[SYNC_KEY_BYTES], *b;
	char uuid[64];
	size_t n;

	review_of("b.db", key, uuid);
	b = read_all(tmp_path(name), &n);
	b[8] = (unsigned char)(format >> 8);
	b[9] = (unsigned char)format;
	crypto_auth(b + n - SYNC_MAC_BYTES, b, n - SYNC_MAC_BYTES, key);
	write_all(tmp_path(name), b, n);
	free(b);
}

/* A bundle of the previous format (2, as a qrel before the bump wrote it, voice
 * included) still imports, its voice too; a newer one is refused naming both
 * formats; a header and a meta table that disagree are refused. */
static void
test_formats(void **state)
{
	static const char groups[] = "SELECT group_concat(g.grp) FROM note_group g JOIN note n ON n.id = g.note_id "
				     "WHERE n.uuid = (SELECT min(uuid) FROM note WHERE deleted_at IS NULL)";
	struct sync_import_stats st;
	char got[64];

	UNUSED(state);
	craft("format2.qb", "UPDATE meta SET value = '2' WHERE key = 'format';"
	      "CREATE TABLE IF NOT EXISTS note_voice (uuid TEXT PRIMARY KEY, groups TEXT, version INTEGER);"
	      "INSERT INTO note_voice SELECT min(uuid), 'students', 5 FROM note WHERE deleted_at IS NULL");
	set_format("format2.qb", 2);
	copy_of("a.db", "f2.db");
	assert_int_equal(import_into("f2.db", "format2.qb", &st), QREL_OK);
	text_in("f2.db", groups, got, sizeof(got));
	assert_string_equal(got, "students");
	craft("format4.qb", "UPDATE meta SET value = '4' WHERE key = 'format'");
	set_format("format4.qb", 4);
	assert_refused("format4.qb", "bundle format 4 is newer than this qrel reads (formats 2 to 3): upgrade qrel");
	craft("format1.qb", "SELECT 1");
	set_format("format1.qb", 1);
	assert_refused("format1.qb", "bundle format 1 is not one this qrel reads (formats 2 to 3)");
	craft("mixed.qb", "UPDATE meta SET value = '2' WHERE key = 'format'");	/* header 3 */
	assert_refused("mixed.qb", "its format is '2', its header's 3");
}

/* The suppression a copy keeps for its subgroup screen (subgroup_kept) is
 * derived from its rows: a bundle never carries it; each copy makes its own. */
static void
test_kept_suppression_stays_home(void **state)
{
	struct sync_export_stats es;
	struct settings s;
	struct subgroup_table t;
	struct subgroup_key k = { .year = "2024-25", .dimension = "race" };
	struct db *db;
	int64_t review = open_review("a.db", &db);

	UNUSED(state);
	settings_default(&s);
	k.site = store_site_id(db, review, "RHS");
	k.metric = fixture_int(db, "SELECT id FROM metric WHERE code = 'oss'");
	assert_int_equal(subgroup_load(db, &k, &s, &t), QREL_OK);
	subgroup_table_free(&t);
	assert_true(fixture_int(db, "SELECT count(*) FROM subgroup_kept") > 1);
	assert_int_equal(sync_export(db, review, "Ségolène Arceneaux", tmp_path("kept.qb"), NULL, true, &es), QREL_OK);
	assert_int_equal(db_exec(db, "DELETE FROM subgroup_kept"), QREL_OK);
	db_close(db);
	settings_free(&s);
	assert_int_equal(bundle_count(tmp_path("kept.qb"), "SELECT count(*) FROM main.sqlite_schema WHERE sql LIKE "
				      "'%subgroup_kept%'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_reviewer_bundle_stays_blind),
		cmocka_unit_test(test_one_sided_change_travels),
		cmocka_unit_test(test_both_sides_conflict_once),
		cmocka_unit_test(test_good_bundle_still_imports),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_imports_share_a_connection),
		cmocka_unit_test(test_objects_refused),
		cmocka_unit_test(test_caps_refused),
		cmocka_unit_test(test_sizes_refused),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_signature_refused),
		cmocka_unit_test(test_check_in_words),
		cmocka_unit_test(test_findings_travel),
		cmocka_unit_test(test_rec_objective_travels),
		cmocka_unit_test(test_principal_bundle_without_findings),
		cmocka_unit_test(test_fieldwork_travels),
		cmocka_unit_test(test_voice_travels),
		cmocka_unit_test(test_uncite_travels),
		cmocka_unit_test(test_kept_suppression_stays_home),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

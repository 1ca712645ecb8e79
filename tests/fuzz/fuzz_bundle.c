/* fuzz_bundle.c: libFuzzer target for sync bundle import. The input is a bundle's
 * tables (an SQLite image); the harness signs it with the review's key, as a copy
 * holding the key could, so that it passes the MAC and reaches the checks and the
 * merge. Seeds in seeds/fuzz_bundle are real bundles' tables (make_bundle_seeds.sh).
 * The review lives in memory. A commit hook turns the import's COMMIT into a
 * ROLLBACK, so every input runs the whole merge and the review stays as it was,
 * byte for byte, which is checked after every input: no reset, no file. The
 * import's statements stay prepared on the connection from one input to the
 * next, as they do for any caller that imports more than once. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/import.h"
#include "qrel/review.h"
#include "qrel/store.h"
#include "qrel/sync.h"

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REVIEW "00000000-0000-4000-8000-000000000001"	/* the seeds' review */

static struct db *db;
static int64_t review;
static unsigned char key[SYNC_KEY_BYTES];
static unsigned char *pristine;	/* the review's database image */
static sqlite3_int64 pristine_n;

/* Loads the review's image into the connection: no file, and a reset is a copy. */
static void
load_pristine(void)
{
	unsigned char *copy = sqlite3_malloc64(pristine_n);

	if (!copy)
		abort();
	memcpy(copy, pristine, pristine_n);
	if (sqlite3_deserialize(db_handle(db), "main", copy, pristine_n, pristine_n,
				SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
		abort();
}

/* The sample's rows of kind at site RHS only (or all of them): one school keeps
 * the set-up short under the sanitizers, and the seeds' rows are at RHS. */
static void
import_kind(int64_t id, const char *kind, bool rhs_only, const char *dir)
{
	char src[512], dst[512], line[4096];
	struct import_stats st = { 0 };
	struct diags d = { 0 };
	FILE *in, *out;
	bool first = true;

	snprintf(src, sizeof(src), "%s/sample-db/%s.csv", QREL_SRCDIR, kind);
	snprintf(dst, sizeof(dst), "%s/%s.csv", dir, kind);
	if (!(in = fopen(src, "r")) || !(out = fopen(dst, "w")))
		abort();
	while (fgets(line, sizeof(line), in)) {
		if (first || !rhs_only || strstr(line, ",RHS,") || strncmp(line, "RHS,", 4) == 0)
			fputs(line, out);
		first = false;
	}
	fclose(in);
	fclose(out);
	/* Sites and people set the review up; the rest is the lead's to import (gate.h). */
	if (import_file(db, id, kind, dst, "Ségolène Arceneaux", &d, &st) != QREL_OK)
		abort();
	diag_free(&d);
	unlink(dst);
}

static void
open_review(void)
{
	static const struct { const char *kind; bool rhs_only; } kinds[] = {
		{ "sites", false }, { "people", false }, { "activities", true }, { "metrics", false },
		{ "evidence", true }, { "scores", true },
	};
	char dir[64] = "/tmp/qrel-fuzz-XXXXXX", path[96];
	struct diags d = { 0 };

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/review.db", dir);
	if (db_open(path, DB_CREATE, &db) != QREL_OK ||
	    review_init(db, QREL_SRCDIR "/frameworks/qrel-equity.ini", "Fuzz review", "Fuzz district", &d, &review)
	    != QREL_OK)
		abort();
	diag_free(&d);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		import_kind(review, kinds[i].kind, kinds[i].rhs_only, dir);
	memset(key, 0x5a, sizeof(key));	/* the fixed test key */
	if (db_exec(db, "UPDATE review SET uuid = '" FUZZ_REVIEW "'; UPDATE sync_key SET key = "
		    "x'5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'; PRAGMA journal_mode = DELETE")
	    != QREL_OK)
		abort();
	if (!(pristine = sqlite3_serialize(db_handle(db), "main", &pristine_n, 0)))
		abort();
	unlink(path);
	rmdir(dir);
	load_pristine();
}

/* Whether the review's database is byte for byte its pristine image (memdb: no copy). */
static bool
unchanged(void)
{
	sqlite3_int64 n;
	unsigned char *now = sqlite3_serialize(db_handle(db), "main", &n, SQLITE_SERIALIZE_NOCOPY);

	return now && n == pristine_n && memcmp(now, pristine, (size_t)n) == 0;
}

/* A commit that writes the review becomes a rollback; the others (the import's
 * in-memory bundle schema, made once) go through. */
static int
no_commit(void *ctx)
{
	(void)ctx;
	return sqlite3_txn_state(db_handle(db), "main") == SQLITE_TXN_WRITE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_import_stats st;
	unsigned char *bundle;
	size_t n;

	if (!db) {
		open_review();
		sqlite3_commit_hook(db_handle(db), no_commit, NULL);
	}
	if (sync_bundle_seal(key, FUZZ_REVIEW, data, size, false, &bundle, &n) != QREL_OK)
		abort();
	sync_import_bytes(db, review, "Ségolène Arceneaux", "fuzz.qb", bundle, n, &st);
	free(bundle);
	if (!sqlite3_get_autocommit(db_handle(db)) || !unchanged())
		abort();	/* a transaction left open, or a write outside the import's transaction */
	return 0;
}

/* fuzz_bundle.c: libFuzzer target for sync bundle import: any bytes as a bundle, into a copy of a
 * small review; a refused bundle must leave the review unchanged. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/review.h"
#include "qrel/store.h"
#include "qrel/sync.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct db *db;
static int64_t review;

static void
open_review(void)
{
	static char path[64];
	struct diags d = { 0 };

	snprintf(path, sizeof(path), "/tmp/qrel-fuzz-%d.db", (int)getpid());
	unlink(path);
	if (review_build_sample(path, QREL_SRCDIR, &d) != QREL_OK || db_open(path, 0, &db) != QREL_OK)
		abort();
	diag_free(&d);
	/* The seed bundle in seeds/fuzz_bundle was made from a review with this id. */
	if (db_exec(db, "UPDATE review SET uuid = '00000000-0000-4000-8000-000000000001'") != QREL_OK)
		abort();
	review = store_review_id(db);
}

/* Changes to what a refused import could touch (total_changes() also counts rolled-back work). */
static long long
fingerprint(void)
{
	return db_int(db, "SELECT (SELECT count(*) FROM note) * 1000003 + (SELECT count(*) FROM score) * 10007 "
		      "+ (SELECT total(version) FROM score) * 101 + (SELECT count(*) FROM change_log) * 13 "
		      "+ (SELECT count(*) FROM sync_conflict) + (SELECT count(*) FROM site) * 7 "
		      "+ (SELECT count(*) FROM person) * 3");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_import_stats st;
	long long before, after;

	if (!db)
		open_review();
	before = fingerprint();
	if (sync_import(db, review, "fuzz", fuzz_file(data, size, ".qb"), &st) != QREL_OK) {
		after = fingerprint();
		if (after != before)	/* a refusal wrote something */
			abort();
	}
	return 0;
}

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
	review = store_review_id(db);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_import_stats st;
	long long before, after;

	if (!db)
		open_review();
	before = db_int(db, "SELECT total_changes()");
	if (sync_import(db, review, "fuzz", fuzz_file(data, size, ".qb"), &st) != QREL_OK) {
		after = db_int(db, "SELECT total_changes()");
		if (after != before)	/* a refusal wrote something */
			abort();
	}
	return 0;
}

/* review.c: creates a review from a framework file and builds the sample review. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/import.h"
#include "qrel/ini.h"
#include "qrel/review.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include <unistd.h>

int
review_init(struct db *db, const char *framework_path, const char *title, const char *district,
	    struct diags *d, int64_t *review)
{
	struct framework *fw;
	int64_t fw_id;
	int rc;

	if (store_review_id(db) > 0)
		return error(QREL_USAGE, "%s already holds a review", db_path(db));
	if ((rc = framework_load(framework_path, &fw, d)) != QREL_OK)
		return rc;
	if ((rc = db_begin(db)) == QREL_OK) {
		rc = framework_store(db, fw, &fw_id);
		if (rc == QREL_OK)
			rc = store_review_create(db, title, district, fw_id, review);
		rc = rc == QREL_OK ? db_commit(db) : (db_rollback(db), rc);
	}
	framework_free(fw);
	return rc;
}

static int
has_sources(const char *dir)
{
	char *p = path_join(dir, "frameworks/qrel-equity.ini");
	int ok = access(p, R_OK) == 0;

	free(p);
	return ok;
}

const char *
review_datadir(void)
{
	const char *env = getenv("QREL_DATADIR");

	if (env && *env)
		return env;
	if (has_sources(QREL_PKGDATADIR))
		return QREL_PKGDATADIR;
	return QREL_SRCDIR;
}

/* The sample's files, in the order their references need. */
static const char *const sample_kinds[] = {
	"sites", "people", "activities", "metrics", "evidence", "scores", "subgroups", "state",
};

static int
import_sample(struct db *db, int64_t review, const char *datadir, struct diags *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(sample_kinds); i++) {
		struct import_stats st = { 0 };
		char name[64], lead[128] = "", *path;
		int rc;

		snprintf(name, sizeof(name), "sample-db/%s.csv", sample_kinds[i]);
		path = path_join(datadir, name);
		/* The new review's sites and people first (no lead yet), then the rest as its lead. */
		if (store_lead_name(db, review, lead, sizeof(lead)) != QREL_OK || !*lead)
			snprintf(lead, sizeof(lead), "qrel sample");
		rc = import_file(db, review, sample_kinds[i], path, lead, d, &st);
		free(path);
		if (rc != QREL_OK)
			return rc;
	}
	return QREL_OK;
}

static int
fill_sample(const char *path, const char *datadir, struct diags *d)
{
	char *ini_path = path_join(datadir, "sample-db/review.ini");
	char *fw_path = path_join(datadir, "frameworks/qrel-equity.ini");
	struct ini *ini = ini_load(ini_path, d);
	struct db *db = NULL;
	int64_t review;
	int rc = ini ? db_open(path, DB_CREATE, &db) : QREL_IO;

	if (rc == QREL_OK)
		rc = review_init(db, fw_path, ini_get(ini, "review", "title"),
				 ini_get(ini, "review", "district"), d, &review);
	if (rc == QREL_OK)
		rc = import_sample(db, review, datadir, d);
	db_close(db);
	ini_free(ini);
	free(ini_path);
	free(fw_path);
	return rc;
}

int
review_build_sample(const char *path, const char *datadir, struct diags *d)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	int rc;

	if (!tmp)
		abort();
	snprintf(tmp, n, "%s.new", path);
	unlink(tmp);
	rc = fill_sample(tmp, datadir, d);
	if (rc == QREL_OK && rename(tmp, path) != 0)
		rc = error(QREL_IO, "%s: %s", path, strerror(errno));
	if (rc != QREL_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* review.c: creates a review from a framework file and builds the sample review. */
#include "qrel/qrel.h"
#include "qrel/backup.h"
#include "qrel/db.h"
#include "qrel/csv.h"
#include "qrel/findings.h"
#include "qrel/framework.h"
#include "qrel/import.h"
#include "qrel/ini.h"
#include "qrel/plan.h"
#include "qrel/review.h"
#include "qrel/schedule.h"
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
	"sites", "people", "activities", "metrics", "evidence", "scores", "subgroups", "state", "survey",
	"survey-rates",
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

/* ---- the sample's deliverable: findings, recommendations, the action plan's steps, the summary ---- */

struct steps {
	struct db *db;
	int64_t review;
	const char *who, *path;
	struct plan_doc plan;
	struct diags *d;
};

/* objective (its number in the plan), step, lead, start, due, status. */
static int
step_row(void *ctx, const struct csv_row *r)
{
	struct steps *s = ctx;
	struct plan_step_input in = { 0 };
	enum plan_status status = PLAN_PLANNED;
	int64_t step;
	long pos = 0;
	int rc = QREL_PARSE;

	if (r->index == 0 || r->n != 6)
		return r->n == 6 ? 0 : (diag_add(s->d, s->path, r->line, "six columns expected"), QREL_PARSE);
	in = (struct plan_step_input){ .description = r->field[1], .lead = r->field[2], .starts = r->field[3],
				       .due = r->field[4] };
	if (!str_to_long(r->field[0], &pos) || pos < 1 || pos > s->plan.n ||
	    plan_status_parse(r->field[5], &status) != QREL_OK)
		error(QREL_PARSE, "no objective %s, or no status '%s'", r->field[0], r->field[5]);
	else if ((rc = plan_step_add(s->db, s->review, s->who, s->plan.obj[pos - 1].id, &in, &step)) == QREL_OK &&
		 status != PLAN_PLANNED)
		rc = plan_step_set_status(s->db, s->review, s->who, step, status, "Started in the sample review");
	if (rc != QREL_OK)
		diag_add(s->d, s->path, r->line, "%s", error_message());
	return rc;
}

static int
sample_deliverable(struct db *db, int64_t review, const char *datadir, const char *summary, struct diags *d)
{
	char lead[128] = "", *path;
	struct steps s = { db, review, lead, NULL, { 0 }, d };
	size_t rows;
	int rc = store_lead_name(db, review, lead, sizeof(lead));

	path = path_join(datadir, "sample-db/findings.csv");
	if (rc == QREL_OK)
		rc = findings_import(db, review, lead, path, NULL, d, &rows);
	free(path);
	path = path_join(datadir, "sample-db/recommendations.csv");
	if (rc == QREL_OK)
		rc = rec_import(db, review, lead, path, NULL, d, &rows);
	free(path);
	if (rc == QREL_OK && summary)
		rc = findings_summary_set(db, review, lead, summary);
	if (rc == QREL_OK && (rc = plan_load(db, review, 10, &s.plan)) == QREL_OK) {
		s.path = path = path_join(datadir, "sample-db/plan-steps.csv");
		rc = csv_each(path, step_row, &s, d);
		plan_doc_free(&s.plan);
		free(path);
	}
	return rc == QREL_OK ? fieldwork_sample(db, review, datadir, lead, d) : rc;
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
	if (rc == QREL_OK)
		rc = sample_deliverable(db, review, datadir, ini_get(ini, "review", "summary"), d);
	db_close(db);
	ini_free(ini);
	free(ini_path);
	free(fw_path);
	return rc;
}

int
review_build_sample(const char *path, const char *datadir, struct diags *d)
{
	char *tmp;
	int rc;

	/* A name beside path that no file had (never one of the user's), made free
	 * again for db_open to create the database in it. */
	if ((rc = backup_temp_beside(path, &tmp)) != QREL_OK)
		return rc;
	if (unlink(tmp) != 0)
		rc = error(QREL_IO, "%s: %s", tmp, strerror(errno));
	if (rc == QREL_OK)
		rc = fill_sample(tmp, datadir, d);
	if (rc == QREL_OK)
		rc = backup_commit_file(tmp, path);	/* unlinks tmp when it fails */
	else
		unlink(tmp);
	free(tmp);
	return rc;
}

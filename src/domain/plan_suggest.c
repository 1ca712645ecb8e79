/* plan_suggest.c: objectives from findings: an objective and a root cause drawn
 * from an evidence note, a rubric cluster or a subgroup finding, with a metric
 * where the finding gives one. Notes and consensus levels are read through the
 * evidence and score modules; every write goes through the plan's own. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/plan.h"
#include "qrel/plan_internal.h"
#include "qrel/risk.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/util.h"

/* A new objective (when *objective is 0) and a cause with text, in the open transaction. */
static int
start_cause(struct db *db, int64_t review, const char *who, const char *title, const char *text,
	    int64_t *objective, int64_t *cause)
{
	struct plan_objective_input in = { .title = title };
	int rc;

	if (!*objective && (rc = plan_objective_insert_tx(db, review, who, &in, objective)) != QREL_OK)
		return rc;
	return plan_cause_insert_tx(db, review, who, *objective, text, cause);
}

static int
from_note_inner(struct db *db, int64_t review, const char *who, int64_t note, int64_t *objective)
{
	struct evidence_note n = { 0 };
	char title[256], cause_text[600];
	int64_t cause;
	int rc;

	if ((rc = evidence_get(db, review, note, &n)) != QREL_OK)
		return rc == QREL_NOTFOUND ? error(QREL_NOTFOUND, "no live note %lld in this review", (long long)note) : rc;
	if (n.deleted) {
		evidence_notes_free(&n, 1);
		return error(QREL_NOTFOUND, "no live note %lld in this review", (long long)note);
	}
	plan_title_from("Act on: ", n.text, title, sizeof(title));
	plan_title_from("To analyse, from the evidence: ", n.text, cause_text, sizeof(cause_text));
	evidence_notes_free(&n, 1);
	if ((rc = start_cause(db, review, who, title, cause_text, objective, &cause)) != QREL_OK)
		return rc;
	return plan_link_note_tx(db, review, who, cause, note);
}

int
plan_objective_from_note(struct db *db, int64_t review, const char *who, int64_t note, int64_t *objective)
{
	int64_t keep = *objective;
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = plan_finish(db, from_note_inner(db, review, who, note, objective))) != QREL_OK)
		*objective = keep;
	return rc;
}

static int
cluster_words(struct db *db, int64_t site, int64_t cluster, char *out, size_t n)
{
	static const char sql[] = "SELECT c.code || ' ' || c.title || ' at ' || s.code FROM cluster c, site s "
				  "WHERE c.id = ?1 AND s.id = ?2";

	return plan_one_text(db, sql, cluster, site, out, n, "cluster");
}

static int
from_cluster_inner(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster, int64_t *objective)
{
	char words[300], title[400], text[400];
	int rc, levels = store_levels(db, review), base, target;
	int64_t cause, metric;

	if ((rc = plan_check_cluster(db, review, site, cluster)) != QREL_OK ||
	    (rc = cluster_words(db, site, cluster, words, sizeof(words))) != QREL_OK)
		return rc;
	base = score_consensus_level(db, site, cluster);
	target = base ? base + 1 : (levels < 3 ? levels : 3);
	if (target > levels)
		target = levels;
	snprintf(title, sizeof(title), "Raise %s", words);
	snprintf(text, sizeof(text), "To analyse: why %s is rated where it is", words);
	if ((rc = start_cause(db, review, who, title, text, objective, &cause)) != QREL_OK ||
	    (rc = plan_link_cluster_tx(db, review, who, cause, site, cluster)) != QREL_OK)
		return rc;
	return plan_metric_cluster_tx(db, review, who, *objective, site, cluster, target, &metric);
}

int
plan_objective_from_cluster(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster,
			    int64_t *objective)
{
	int64_t keep = *objective;
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = plan_finish(db, from_cluster_inner(db, review, who, site, cluster, objective))) != QREL_OK)
		*objective = keep;
	return rc;
}

static int
metric_words(struct db *db, int64_t metric, char *name, size_t n, bool *favourable)
{
	static const char sql[] = "SELECT name, direction FROM metric WHERE id = ?1 AND ?2 = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, metric);
	sqlite3_bind_int64(st, 2, 0);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(name, n, db_col_text(st, 0));
		*favourable = strcmp(db_col_text(st, 1), "favourable") == 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : error(QREL_NOTFOUND, "no metric %lld", (long long)metric);
}

/* Parity with everyone else in the table; the group's own rate when there is nobody else. */
static int
parity_target(struct db *db, const struct plan_subgroup_ref *r, double *target)
{
	struct subgroup_shown v;
	long oe, oc;
	int rc;

	if ((rc = plan_subgroup_cell(db, r, &oe, &oc)) != QREL_OK)
		return rc;
	/* The others' rate would give a withheld count back (the total is
	 * shown): then the rate of all students, or nothing when that is withheld too. */
	if (!plan_shown_figures(db, r, r->year, RISK_DEFAULT_DISPLAY_MIN, &v) || v.total_count < 0) {
		*target = 0.0;
		return QREL_OK;
	}
	oe = v.total_enrolled - v.enrolled;
	oc = v.total_count - v.count;
	if (v.count < 0)
		*target = v.total_enrolled > 0 ? (double)v.total_count / (double)v.total_enrolled : 0.0;
	else
		*target = oe > 0 ? (double)oc / (double)oe : v.enrolled > 0 ? (double)v.count / (double)v.enrolled : 0.0;
	return QREL_OK;
}

static int
from_subgroup_inner(struct db *db, int64_t review, const char *who, const struct plan_subgroup_ref *r,
		    int64_t *objective)
{
	char name[128], code[32], sname[128], title[512], text[512];
	int64_t cause, metric;
	bool fav = false;
	double target;
	int rc;

	if ((rc = metric_words(db, r->metric, name, sizeof(name), &fav)) != QREL_OK ||
	    (rc = store_site_info(db, r->site, code, sizeof(code), sname, sizeof(sname))) != QREL_OK ||
	    (rc = parity_target(db, r, &target)) != QREL_OK)
		return rc;
	snprintf(title, sizeof(title), "%s %s for %s at %s", fav ? "Raise" : "Reduce", name, r->group, code);
	snprintf(text, sizeof(text), "To analyse: why %s for %s (%s) at %s stands apart in %s", name, r->group,
		 r->dimension, code, r->year);
	if ((rc = start_cause(db, review, who, title, text, objective, &cause)) != QREL_OK ||
	    (rc = plan_link_subgroup_tx(db, review, who, cause, r)) != QREL_OK)
		return rc;
	return plan_metric_subgroup_tx(db, review, who, *objective, r, target, &metric);
}

int
plan_objective_from_subgroup(struct db *db, int64_t review, const char *who, const struct plan_subgroup_ref *ref,
			     int64_t *objective)
{
	int64_t keep = *objective;
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = plan_finish(db, from_subgroup_inner(db, review, who, ref, objective))) != QREL_OK)
		*objective = keep;
	return rc;
}

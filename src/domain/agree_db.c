/* agree_db.c: reads a review's team scores into the units x raters matrix agree_compute takes. */
#include "qrel/qrel.h"
#include "qrel/agree_db.h"
#include "qrel/db.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

/*
 * Two scans of the team scores, in no order and holding no row: the first
 * marks the sites, clusters and raters with a score the viewer may read, the
 * second lays the levels out in the matrix. Sites, clusters and raters are
 * numbered from small lists read in display order (sites by code, clusters in
 * framework order, raters by name), keeping only those the first scan
 * marked. Insufficient evidence and a NULL level both read as 0, "no rating".
 */
static const char scores_sql[] =
	"SELECT sc.site_id, sc.cluster_id, sc.rater_id,"
	" CASE WHEN sc.insufficient THEN 0 ELSE coalesce(sc.level, 0) END"
	" FROM score sc"
	" JOIN cluster c ON c.id = sc.cluster_id"
	" JOIN domain d ON d.id = c.domain_id"
	" WHERE sc.review_id = ?1 AND sc.kind = 'team'"
	" AND (?2 = 0 OR sc.site_id = ?2) AND (?3 IS NULL OR d.code = ?3)";
static const char sites_sql[] = "SELECT id, code FROM site ORDER BY code, id";
static const char clusters_sql[] =
	"SELECT c.id, c.code FROM cluster c JOIN domain d ON d.id = c.domain_id ORDER BY d.position, c.position, c.id";
static const char raters_sql[] = "SELECT id, name FROM person ORDER BY name, id";

/* One of the lists: its rows in display order, and by id for the lookups. */
struct axis {
	struct axis_row {
		int64_t id;
		int order;	/* place in display order */
	} *by_id;
	char **label;		/* display order */
	int *rank;		/* display order: the matrix's number, -1 unmarked */
	int n, used;
};

static int
axis_row_cmp(const void *a, const void *b)
{
	const struct axis_row *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void
axis_free(struct axis *ax)
{
	for (int i = 0; ax->label && i < ax->n; i++)
		free(ax->label[i]);
	free(ax->label);
	free(ax->by_id);
	free(ax->rank);
	memset(ax, 0, sizeof(*ax));
}

static int
axis_load(struct db *db, const char *sql, struct axis *ax)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = QREL_OK, step, cap = 0;

	memset(ax, 0, sizeof(*ax));
	if (!st)
		return QREL_DB;
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (ax->n == cap) {
			int grown_cap = cap ? cap * 2 : 64;
			struct axis_row *r = realloc(ax->by_id, (size_t)grown_cap * sizeof(*r));
			char **l = r ? realloc(ax->label, (size_t)grown_cap * sizeof(*l)) : NULL;

			if (r)
				ax->by_id = r;
			if (!l) {
				rc = error(QREL_NOMEM, "out of memory reading scores");
				break;
			}
			ax->label = l;
			cap = grown_cap;
		}
		ax->by_id[ax->n] = (struct axis_row){ sqlite3_column_int64(st, 0), ax->n };
		ax->label[ax->n] = xstrdup(db_col_text(st, 1));
		ax->n++;
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading scores");
	sqlite3_reset(st);
	if (rc == QREL_OK && !(ax->rank = malloc((size_t)ax->n * sizeof(*ax->rank) + 1)))
		rc = error(QREL_NOMEM, "out of memory reading scores");
	for (int i = 0; rc == QREL_OK && i < ax->n; i++)
		ax->rank[i] = -1;
	if (rc == QREL_OK)
		qsort(ax->by_id, (size_t)ax->n, sizeof(*ax->by_id), axis_row_cmp);
	return rc;
}

/* The display place of id, or -1. */
static int
axis_find(const struct axis *ax, int64_t id)
{
	struct axis_row key = { id, 0 }, *hit = bsearch(&key, ax->by_id, (size_t)ax->n, sizeof(key), axis_row_cmp);

	return hit ? hit->order : -1;
}

/* Numbers the marked rows from 0 in display order and hands their labels over (*out, *n). */
static int
axis_number(struct axis *ax, char ***out, int *n)
{
	char **l = malloc((size_t)ax->n * sizeof(*l) + 1);
	int k = 0;

	if (!l)
		return error(QREL_NOMEM, "out of memory reading scores");
	for (int i = 0; i < ax->n; i++)
		if (ax->rank[i] >= 0) {
			ax->rank[i] = k;
			l[k++] = ax->label[i];
			ax->label[i] = NULL;
		}
	*out = l;
	*n = k;
	return QREL_OK;
}

/* The three axes of the matrix. */
struct reading {
	struct axis site, cluster, rater;
};

/* Figures come only from units where the viewer may read figures: blind cells stay out. */
static bool
unit_visible(struct db *db, const struct agree_filter *f, sqlite3_stmt *st)
{
	struct vis_at at = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), 0 };

	return f && f->viewer && visibility_sees(db, f->viewer, VIS_AGGREGATE, &at);
}

/* One scan: marks the rows' axes (out NULL), else puts their levels in out's matrix. */
static int
scan_scores(struct db *db, int64_t review, const struct agree_filter *f, struct reading *rd, struct agree_data *out)
{
	sqlite3_stmt *st = db_stmt(db, scores_sql);
	int rc = QREL_OK, step;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, f ? f->site : 0);
	db_bind_text(st, 3, f ? f->domain : NULL);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int s = axis_find(&rd->site, sqlite3_column_int64(st, 0)), c = axis_find(&rd->cluster, sqlite3_column_int64(st, 1));
		int r = axis_find(&rd->rater, sqlite3_column_int64(st, 2)), level = sqlite3_column_int(st, 3);
		size_t u;

		if (s < 0 || c < 0 || r < 0 || !unit_visible(db, f, st))
			continue;
		if (!out) {
			rd->site.rank[s] = rd->cluster.rank[c] = rd->rater.rank[r] = 0;
			continue;
		}
		if (level < 0 || level > out->levels) {
			rc = error(QREL_PARSE, "site %s, cluster %s, rater %s: level %d is outside the scale 1..%d",
				   out->site_code[rd->site.rank[s]], out->cluster_code[rd->cluster.rank[c]],
				   out->rater_name[rd->rater.rank[r]], level, out->levels);
			break;
		}
		u = (size_t)rd->site.rank[s] * (size_t)out->nclusters + (size_t)rd->cluster.rank[c];
		out->scores[u * (size_t)out->raters + (size_t)rd->rater.rank[r]] = level;
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading team scores");
	sqlite3_reset(st);
	return rc;
}

/* The marked rows numbered, their labels in out, and the matrix made (all zero). */
static int
make_matrix(struct reading *rd, struct agree_data *out)
{
	int rc = axis_number(&rd->site, &out->site_code, &out->nsites);

	if (rc == QREL_OK)
		rc = axis_number(&rd->cluster, &out->cluster_code, &out->nclusters);
	if (rc == QREL_OK)
		rc = axis_number(&rd->rater, &out->rater_name, &out->raters);
	if (rc != QREL_OK)
		return rc;
	out->units = out->nsites * out->nclusters;
	out->scores = calloc((size_t)out->units * (size_t)out->raters + 1, sizeof(int));
	if (!out->scores)
		return error(QREL_NOMEM, "out of memory for %d x %d scores", out->units, out->raters);
	return QREL_OK;
}

/* A domain filter naming no domain of the framework is a mistake, not "no scores". */
static int
check_domain(struct db *db, int64_t review, const char *code)
{
	static const char sql[] = "SELECT count(*) FROM domain d JOIN review r ON r.framework_id = d.framework_id "
				  "WHERE r.id = ?1 AND d.code = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int found;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, code);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(db, "looking up the domain");
	}
	found = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return found ? QREL_OK : error(QREL_NOTFOUND, "the review's framework has no domain '%s'", code);
}

int
agree_db_load(struct db *db, int64_t review, const struct agree_filter *f, struct agree_data *out)
{
	struct reading rd = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	out->levels = store_levels(db, review);
	if (out->levels <= 0)
		return out->levels < 0 ? QREL_DB : error(QREL_NOTFOUND, "the review has no framework scale");
	if (f && f->domain && (rc = check_domain(db, review, f->domain)) != QREL_OK)
		return rc;
	if ((rc = axis_load(db, sites_sql, &rd.site)) == QREL_OK && (rc = axis_load(db, clusters_sql, &rd.cluster)) == QREL_OK)
		rc = axis_load(db, raters_sql, &rd.rater);
	if (rc == QREL_OK)
		rc = scan_scores(db, review, f, &rd, NULL);
	if (rc == QREL_OK)
		rc = make_matrix(&rd, out);
	if (rc == QREL_OK)
		rc = scan_scores(db, review, f, &rd, out);
	axis_free(&rd.site);
	axis_free(&rd.cluster);
	axis_free(&rd.rater);
	if (rc != QREL_OK)
		agree_data_free(out);
	return rc;
}

static void
strings_free(char **s, int n)
{
	for (int i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

void
agree_data_free(struct agree_data *d)
{
	free(d->scores);
	strings_free(d->site_code, d->nsites);
	strings_free(d->cluster_code, d->nclusters);
	strings_free(d->rater_name, d->raters);
	memset(d, 0, sizeof(*d));
}

/* agree_db.c: reads a review's team scores into the units x raters matrix agree_compute takes. */
#include "qrel/qrel.h"
#include "qrel/agree_db.h"
#include "qrel/db.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

/* The ranks number sites, clusters and raters from 0 in display order, so
 * the matrix can be laid out without a lookup per row. Insufficient
 * evidence and a NULL level both read as 0, "no rating". */
static const char scores_sql[] =
	"SELECT dense_rank() OVER (ORDER BY s.code, s.id) - 1,"
	" dense_rank() OVER (ORDER BY d.position, c.position, c.id) - 1,"
	" dense_rank() OVER (ORDER BY p.name, p.id) - 1,"
	" s.code, c.code, p.name,"
	" CASE WHEN sc.insufficient THEN 0 ELSE coalesce(sc.level, 0) END, sc.site_id, sc.cluster_id"
	" FROM score sc"
	" JOIN site s ON s.id = sc.site_id"
	" JOIN cluster c ON c.id = sc.cluster_id"
	" JOIN domain d ON d.id = c.domain_id"
	" JOIN person p ON p.id = sc.rater_id"
	" WHERE sc.review_id = ?1 AND sc.kind = 'team'"
	" AND (?2 = 0 OR sc.site_id = ?2) AND (?3 IS NULL OR d.code = ?3)";

/* One score row: its site, cluster and rater ranks and its level. */
struct cell {
	int site, cluster, rater, level;
};

struct labels {
	char **s;
	int n, cap;
};

struct reading {
	struct cell *cell;
	size_t n, cap;
	struct labels site, cluster, rater;
};

/* Names rank i with s the first time it is seen. */
static int
label_put(struct labels *l, int i, const char *s)
{
	if (i >= l->cap) {
		int cap = i + 16;
		char **grown = realloc(l->s, (size_t)cap * sizeof(*grown));

		if (!grown)
			return QREL_NOMEM;
		memset(grown + l->cap, 0, (size_t)(cap - l->cap) * sizeof(*grown));
		l->s = grown;
		l->cap = cap;
	}
	if (!l->s[i] && !(l->s[i] = xstrdup(s ? s : "")))
		return QREL_NOMEM;
	if (i >= l->n)
		l->n = i + 1;
	return QREL_OK;
}

static void
labels_free(struct labels *l)
{
	for (int i = 0; i < l->cap; i++)
		free(l->s[i]);
	free(l->s);
}

static int
cell_put(struct reading *rd, const struct cell *c)
{
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 256;
		struct cell *grown = realloc(rd->cell, cap * sizeof(*grown));

		if (!grown)
			return QREL_NOMEM;
		rd->cell = grown;
		rd->cap = cap;
	}
	rd->cell[rd->n++] = *c;
	return QREL_OK;
}

static int
read_row(struct reading *rd, sqlite3_stmt *st)
{
	struct cell c = {
		sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		sqlite3_column_int(st, 2), sqlite3_column_int(st, 6),
	};

	if (label_put(&rd->site, c.site, db_col_text(st, 3)) != QREL_OK ||
	    label_put(&rd->cluster, c.cluster, db_col_text(st, 4)) != QREL_OK ||
	    label_put(&rd->rater, c.rater, db_col_text(st, 5)) != QREL_OK ||
	    cell_put(rd, &c) != QREL_OK)
		return error(QREL_NOMEM, "out of memory reading scores");
	return QREL_OK;
}

/* Figures come only from units where the viewer may read figures: blind cells stay out. */
static bool
unit_visible(struct db *db, const struct agree_filter *f, sqlite3_stmt *st)
{
	struct vis_at at = { sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8), 0 };

	return f && f->viewer && visibility_sees(db, f->viewer, VIS_AGGREGATE, &at);
}

static int
read_scores(struct db *db, int64_t review, const struct agree_filter *f, struct reading *rd)
{
	sqlite3_stmt *st = db_stmt(db, scores_sql);
	int rc = QREL_OK, step;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, f ? f->site : 0);
	db_bind_text(st, 3, f ? f->domain : NULL);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
		if (unit_visible(db, f, st))
			rc = read_row(rd, st);
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading team scores");
	sqlite3_reset(st);
	return rc;
}

/* Renumbers the ranks of l that have a label from 0 (a rank whose rows were all
 * hidden from the viewer has none); map[old] gets the new rank. */
static int *
labels_compact(struct labels *l)
{
	int *map = malloc((size_t)l->n * sizeof(*map) + 1), k = 0;

	if (!map)
		return NULL;
	for (int i = 0; i < l->n; i++) {
		map[i] = l->s[i] ? k : -1;
		if (l->s[i])
			l->s[k++] = l->s[i];
	}
	for (int i = k; i < l->n; i++)
		l->s[i] = NULL;
	l->n = k;
	return map;
}

/* Only the ranks of the rows read stay, so the matrix has no unnamed rows or columns. */
static int
compact(struct reading *rd)
{
	int *ms = labels_compact(&rd->site), *mc = labels_compact(&rd->cluster), *mr = labels_compact(&rd->rater);
	int rc = ms && mc && mr ? QREL_OK : error(QREL_NOMEM, "out of memory reading scores");

	for (size_t i = 0; rc == QREL_OK && i < rd->n; i++) {
		rd->cell[i].site = ms[rd->cell[i].site];
		rd->cell[i].cluster = mc[rd->cell[i].cluster];
		rd->cell[i].rater = mr[rd->cell[i].rater];
	}
	free(ms);
	free(mc);
	free(mr);
	return rc;
}

/* Lays the cells out as the matrix; a level above the scale is refused. */
static int
fill_matrix(struct reading *rd, struct agree_data *out)
{
	out->nsites = rd->site.n;
	out->nclusters = rd->cluster.n;
	out->raters = rd->rater.n;
	out->units = out->nsites * out->nclusters;
	out->scores = calloc((size_t)out->units * (size_t)out->raters + 1, sizeof(int));
	if (!out->scores)
		return error(QREL_NOMEM, "out of memory for %d x %d scores", out->units, out->raters);
	for (size_t i = 0; i < rd->n; i++) {
		const struct cell *c = &rd->cell[i];
		size_t u = (size_t)c->site * (size_t)out->nclusters + (size_t)c->cluster;

		if (c->level < 0 || c->level > out->levels)
			return error(QREL_PARSE, "site %s, cluster %s, rater %s: level %d is outside the scale 1..%d",
				rd->site.s[c->site], rd->cluster.s[c->cluster], rd->rater.s[c->rater],
				c->level, out->levels);
		out->scores[u * (size_t)out->raters + (size_t)c->rater] = c->level;
	}
	return QREL_OK;
}

/* Hands the label arrays over to out. */
static void
take_labels(struct reading *rd, struct agree_data *out)
{
	out->site_code = rd->site.s;
	out->cluster_code = rd->cluster.s;
	out->rater_name = rd->rater.s;
	rd->site.s = rd->cluster.s = rd->rater.s = NULL;
	rd->site.cap = rd->cluster.cap = rd->rater.cap = 0;
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
	rc = read_scores(db, review, f, &rd);
	if (rc == QREL_OK)
		rc = compact(&rd);
	if (rc == QREL_OK)
		rc = fill_matrix(&rd, out);
	if (rc == QREL_OK)
		take_labels(&rd, out);
	free(rd.cell);
	labels_free(&rd.site);
	labels_free(&rd.cluster);
	labels_free(&rd.rater);
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

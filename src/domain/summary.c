/* summary.c: the counts behind the review overview, one page of sites at a time. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/summary.h"
#include "qrel/visibility.h"

int
summary_domains(struct db *db, int64_t review, struct summary_domain *out)
{
	static const char sql[] = "SELECT d.code, d.title FROM domain d JOIN review r ON r.framework_id = d.framework_id "
				  "WHERE r.id = ? ORDER BY d.position LIMIT 8";
	sqlite3_stmt *st = db_stmt(db, sql);
	int n = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	while (n < SUMMARY_MAX_DOMAINS && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out[n].code, sizeof(out[n].code), "%s", db_col_text(st, 0));
		snprintf(out[n].title, sizeof(out[n].title), "%s", db_col_text(st, 1));
		n++;
	}
	sqlite3_reset(st);
	return n;
}

static const char page_sql[] =
	"SELECT id, code, name, kind FROM site WHERE review_id = ?1 ORDER BY code LIMIT ?2 OFFSET ?3";

int
summary_sites(struct db *db, int64_t review, int offset, int limit, struct summary_row *rows, int *n)
{
	sqlite3_stmt *st = db_stmt(db, page_sql);
	int rc = SQLITE_DONE;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int(st, 3, offset);
	while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct summary_row *r = memset(&rows[(*n)++], 0, sizeof(*rows));

		r->site = sqlite3_column_int64(st, 0);
		snprintf(r->code, sizeof(r->code), "%s", db_col_text(st, 1));
		snprintf(r->name, sizeof(r->name), "%s", db_col_text(st, 2));
		snprintf(r->kind, sizeof(r->kind), "%s", db_col_text(st, 3));
	}
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? QREL_OK : db_fail(db, "reading the sites");
	sqlite3_reset(st);
	return rc;
}

/* Per domain (by position): clusters, then the site's scored and consensus clusters, then its notes. */
static const char clusters_sql[] =
	"SELECT d.position, count(c.id) FROM review r JOIN domain d ON d.framework_id = r.framework_id"
	" JOIN cluster c ON c.domain_id = d.id WHERE r.id = ?1 AND ?2 IS NOT NULL GROUP BY d.id";
/* Per cluster, is there one team or consensus score given, and one consensus:
 * the index finds the first such row, where counting read every rater's
 * (about 13 rows a cluster; the first screen at 200x60 read 12,000). */
static const char scores_sql[] =
	"SELECT d.position,"
	" sum(EXISTS (SELECT 1 FROM score s WHERE s.cluster_id = c.id AND s.site_id = ?2"
	" AND s.kind IN ('team', 'consensus') AND (s.level IS NOT NULL OR s.insufficient))),"
	" sum(EXISTS (SELECT 1 FROM score s WHERE s.cluster_id = c.id AND s.site_id = ?2"
	" AND s.kind = 'consensus' AND (s.level IS NOT NULL OR s.insufficient)))"
	" FROM review r JOIN domain d ON d.framework_id = r.framework_id JOIN cluster c ON c.domain_id = d.id"
	" WHERE r.id = ?1 GROUP BY d.id";
/* From the tally the triggers keep: a handful of rows, not the site's notes. */
static const char notes_sql[] =
	"SELECT d.position, t.notes FROM domain_tally t JOIN domain d ON d.id = t.domain_id"
	" WHERE t.site_id = ?2 AND ?1 IS NOT NULL";

static int
fill_from(struct db *db, const char *sql, int64_t review, struct summary_row *row, int which)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, row->site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int d = sqlite3_column_int(st, 0) - 1;
		struct summary_cell *c;

		if (d < 0 || d >= SUMMARY_MAX_DOMAINS)
			continue;
		c = &row->cell[d];
		if (which == 0)
			c->clusters = sqlite3_column_int(st, 1);
		else if (which == 1)
			c->scored = sqlite3_column_int(st, 1), c->consensus = sqlite3_column_int(st, 2);
		else
			c->notes = sqlite3_column_int(st, 1);
	}
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the overview");
	sqlite3_reset(st);
	return rc;
}

int
summary_fill(struct db *db, int64_t review, const char *viewer, struct summary_row *row)
{
	struct vis_at at = { row->site, 0, 0 };
	struct vis_viewer v;

	memset(row->cell, 0, sizeof(row->cell));
	if (visibility_viewer(db, review, viewer, &v) != QREL_OK ||
	    fill_from(db, clusters_sql, review, row, 0) != QREL_OK)
		return QREL_DB;
	if (!visibility_sees(db, &v, VIS_NOTE, &at))
		return QREL_OK;
	if (fill_from(db, scores_sql, review, row, 1) != QREL_OK)
		return QREL_DB;
	return fill_from(db, notes_sql, review, row, 2);
}

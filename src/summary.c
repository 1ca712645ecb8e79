/* summary.c: the counts behind the review overview, one page of sites at a time. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/summary.h"

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

int
summary_site_count(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT count(*) FROM site WHERE review_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int n = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

/* One row per site and domain, sites in code order, domains in position order. */
static const char page_sql[] =
	"SELECT s.id, s.code, s.name, s.kind, d.position,"
	" (SELECT count(*) FROM cluster c WHERE c.domain_id = d.id),"
	" (SELECT count(DISTINCT sc.cluster_id) FROM score sc JOIN cluster c ON c.id = sc.cluster_id"
	"   WHERE sc.site_id = s.id AND c.domain_id = d.id AND sc.kind IN ('team', 'consensus')"
	"   AND (sc.level IS NOT NULL OR sc.insufficient)),"
	" (SELECT count(*) FROM score sc JOIN cluster c ON c.id = sc.cluster_id"
	"   WHERE sc.site_id = s.id AND c.domain_id = d.id AND sc.kind = 'consensus'"
	"   AND (sc.level IS NOT NULL OR sc.insufficient)),"
	" (SELECT count(DISTINCT n.id) FROM note n JOIN note_cluster nc ON nc.note_id = n.id"
	"   JOIN cluster c ON c.id = nc.cluster_id"
	"   WHERE n.site_id = s.id AND c.domain_id = d.id AND n.deleted_at IS NULL)"
	" FROM (SELECT id, code, name, kind FROM site WHERE review_id = ?1 ORDER BY code LIMIT ?2 OFFSET ?3) s"
	" JOIN review r ON r.id = ?1 JOIN domain d ON d.framework_id = r.framework_id"
	" ORDER BY s.code, d.position";

static void
fill(sqlite3_stmt *st, struct summary_row *row)
{
	int dom = sqlite3_column_int(st, 4) - 1;

	row->site = sqlite3_column_int64(st, 0);
	snprintf(row->code, sizeof(row->code), "%s", db_col_text(st, 1));
	snprintf(row->name, sizeof(row->name), "%s", db_col_text(st, 2));
	snprintf(row->kind, sizeof(row->kind), "%s", db_col_text(st, 3));
	if (dom < 0 || dom >= SUMMARY_MAX_DOMAINS)
		return;
	row->cell[dom] = (struct summary_cell){
		sqlite3_column_int(st, 5), sqlite3_column_int(st, 6),
		sqlite3_column_int(st, 7), sqlite3_column_int(st, 8),
	};
}

int
summary_sites(struct db *db, int64_t review, int offset, int limit, struct summary_row *rows, int *n)
{
	sqlite3_stmt *st = db_stmt(db, page_sql);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int(st, 3, offset);
	memset(rows, 0, (size_t)limit * sizeof(*rows));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t site = sqlite3_column_int64(st, 0);

		if (*n == 0 || rows[*n - 1].site != site)
			(*n)++;
		fill(st, &rows[*n - 1]);
	}
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the overview");
	sqlite3_reset(st);
	return rc;
}

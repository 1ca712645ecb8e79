/* check.c: the store check behind `qrel check`: SQLite's checks and qrel's, each problem a sentence. */
#include "qrel/qrel.h"
#include "qrel/check.h"
#include "qrel/text.h"
#include "qrel/db.h"

/* One check is one query whose rows are finished sentences, so adding a check
 * is adding a row here. The queries take no parameters. */
struct sentence_check {
	const char *name;
	const char *sql;
};

static const struct sentence_check sentence_checks[] = {
	{ "one review", "SELECT printf('The file holds %d reviews; one file holds exactly one review.', count(*)) "
	  "FROM review HAVING count(*) <> 1" },
	{ "note links", "SELECT printf('Table note_cluster: a link from note row %d to cluster row %d has no note.', "
	  "nc.note_id, nc.cluster_id) FROM note_cluster nc WHERE NOT EXISTS (SELECT 1 FROM note n WHERE n.id = nc.note_id) "
	  "UNION ALL SELECT printf('Table note_cluster: note %s is tagged to cluster row %d, which does not exist.', "
	  "n.uuid, nc.cluster_id) FROM note_cluster nc JOIN note n ON n.id = nc.note_id "
	  "WHERE NOT EXISTS (SELECT 1 FROM cluster c WHERE c.id = nc.cluster_id)" },
	{ "note subgroups", "SELECT printf('Table note_subgroup: a subgroup %s:%s is linked to note row %d, which does "
	  "not exist.', s.dimension, s.grp, s.note_id) FROM note_subgroup s "
	  "WHERE NOT EXISTS (SELECT 1 FROM note n WHERE n.id = s.note_id)" },
	{ "note framework", "SELECT printf('Table note_cluster: note %s is tagged to cluster %s of another framework "
	  "than its review''s.', n.uuid, c.code) FROM note_cluster nc JOIN note n ON n.id = nc.note_id "
	  "JOIN cluster c ON c.id = nc.cluster_id JOIN review r ON r.id = n.review_id "
	  "WHERE c.framework_id <> r.framework_id" },
	{ "score scale", "SELECT printf('Table score: score %s (site %s, cluster %s, %s by %s) has level %d, outside "
	  "the framework''s scale of 1 to %d.', s.uuid, coalesce(si.code, '?'), coalesce(c.code, '?'), s.kind, "
	  "coalesce(p.name, '?'), s.level, f.levels) FROM score s JOIN review r ON r.id = s.review_id "
	  "JOIN framework f ON f.id = r.framework_id LEFT JOIN site si ON si.id = s.site_id "
	  "LEFT JOIN cluster c ON c.id = s.cluster_id LEFT JOIN person p ON p.id = s.rater_id "
	  "WHERE s.level IS NOT NULL AND (s.level < 1 OR s.level > f.levels)" },
	{ "score framework", "SELECT printf('Table score: score %s is for cluster %s of another framework than its "
	  "review''s.', s.uuid, c.code) FROM score s JOIN cluster c ON c.id = s.cluster_id "
	  "JOIN review r ON r.id = s.review_id WHERE c.framework_id <> r.framework_id" },
	{ "fts rows", "SELECT printf('Table note_fts: the full-text index holds %d notes but table note has %d; "
	  "search results are wrong until the index is rebuilt.', (SELECT count(*) FROM note_fts_docsize), "
	  "(SELECT count(*) FROM note)) WHERE (SELECT count(*) FROM note_fts_docsize) <> (SELECT count(*) FROM note) "
	  "UNION ALL SELECT printf('Table note_fts: note %s is missing from the full-text index.', n.uuid) "
	  "FROM note n WHERE NOT EXISTS (SELECT 1 FROM note_fts_docsize d WHERE d.id = n.id)" },
	{ "guards", "WITH t(name, why) AS (VALUES "
	  "('change_log_no_update', 'change log entries can be edited.'), "
	  "('change_log_no_delete', 'change log entries can be deleted.'), "
	  "('note_fts_insert', 'new notes are not added to the full-text index.'), "
	  "('note_fts_update', 'edited notes are not updated in the full-text index.'), "
	  "('note_fts_delete', 'deleted notes stay in the full-text index.'), "
	  "('subgroup_kept_row_insert', 'new subgroup rows leave a set''s kept suppression stale.'), "
	  "('subgroup_kept_row_update', 'corrected subgroup rows leave a set''s kept suppression stale.'), "
	  "('subgroup_kept_row_delete', 'removed subgroup rows leave a set''s kept suppression stale.'), "
	  "('subgroup_kept_state_insert', 'new State figures leave a set''s kept suppression stale.'), "
	  "('subgroup_kept_state_update', 'corrected State figures leave a set''s kept suppression stale.'), "
	  "('subgroup_kept_state_delete', 'removed State figures leave a set''s kept suppression stale.'), "
	  "('subgroup_kept_site_update', 'a site''s new code or kind leaves a set''s kept suppression stale.'), "
	  "('subgroup_kept_site_delete', 'a removed site leaves a set''s kept suppression stale.'), "
	  "('subgroup_kept_metric_update', 'a metric''s new code or direction leaves a set''s kept suppression stale.'), "
	  "('subgroup_kept_metric_delete', 'a removed metric leaves a set''s kept suppression stale.'), "
	  "('note_cluster_time_tag', 'a tagged note is missing from its cluster''s evidence list.'), "
	  "('note_cluster_time_untag', 'an untagged note stays in its cluster''s evidence list.'), "
	  "('note_cluster_time_note_delete', 'a removed note stays in its clusters'' evidence lists.'), "
	  "('note_cluster_time_note_change', 'a deleted or moved note stays in its clusters'' evidence lists.')) "
	  "SELECT printf('Trigger %s is missing: %s', t.name, t.why) FROM t WHERE NOT EXISTS (SELECT 1 FROM sqlite_schema s WHERE s.type = 'trigger' AND s.name = t.name)" },
	{ "evidence tally", "WITH want AS (SELECT n.site_id AS site_id, nc.cluster_id AS cluster_id, n.source AS source, "
	  "count(*) AS notes FROM note n JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL "
	  "GROUP BY 1, 2, 3), have AS (SELECT site_id, cluster_id, source, notes FROM evidence_tally WHERE notes <> 0) "
	  "SELECT printf('Table evidence_tally: site row %d, cluster row %d, source %s counts %d notes but %d are tagged; "
	  "the rubric''s evidence counts are wrong.', coalesce(w.site_id, h.site_id), coalesce(w.cluster_id, h.cluster_id), "
	  "coalesce(w.source, h.source), coalesce(h.notes, 0), coalesce(w.notes, 0)) FROM want w "
	  "FULL JOIN have h USING (site_id, cluster_id, source) WHERE coalesce(w.notes, 0) <> coalesce(h.notes, 0)" },
	{ "domain tally", "WITH want AS (SELECT n.site_id AS site_id, c.domain_id AS domain_id, count(DISTINCT n.id) AS notes "
	  "FROM note n JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id "
	  "WHERE n.deleted_at IS NULL GROUP BY 1, 2), have AS (SELECT site_id, domain_id, notes FROM domain_tally "
	  "WHERE notes <> 0) SELECT printf('Table domain_tally: site row %d, domain row %d counts %d notes but %d are "
	  "tagged; the overview''s counts are wrong.', coalesce(w.site_id, h.site_id), coalesce(w.domain_id, h.domain_id), "
	  "coalesce(h.notes, 0), coalesce(w.notes, 0)) FROM want w FULL JOIN have h USING (site_id, domain_id) "
	  "WHERE coalesce(w.notes, 0) <> coalesce(h.notes, 0)" },
	{ "cluster time", "WITH want AS (SELECT n.site_id AS site_id, nc.cluster_id AS cluster_id, n.created_at AS "
	  "created_at, n.id AS note_id FROM note n JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL) "
	  "SELECT printf('Table note_cluster_time: note row %d, cluster row %d is %s; the evidence list of a site''s "
	  "cluster is wrong.', coalesce(w.note_id, h.note_id), coalesce(w.cluster_id, h.cluster_id), "
	  "CASE WHEN w.note_id IS NULL THEN 'listed but not a live note of it' ELSE 'missing' END) FROM want w "
	  "FULL JOIN note_cluster_time h USING (site_id, cluster_id, created_at, note_id) "
	  "WHERE w.note_id IS NULL OR h.note_id IS NULL" },
	{ "uuids", "SELECT printf('Table %s: row %d has ''%s'' as its uuid, which is not a UUID; copies of the "
	  "review cannot merge it.', t, id, uuid) FROM ("
	  "SELECT 'site' AS t, id, uuid FROM site UNION ALL SELECT 'person', id, uuid FROM person "
	  "UNION ALL SELECT 'activity', id, uuid FROM activity UNION ALL SELECT 'note', id, uuid FROM note "
	  "UNION ALL SELECT 'score', id, uuid FROM score UNION ALL SELECT 'metric', id, uuid FROM metric "
	  "UNION ALL SELECT 'subgroup_row', id, uuid FROM subgroup_row UNION ALL SELECT 'state_row', id, uuid FROM state_row "
	  "UNION ALL SELECT 'change_log', id, uuid "
	  "FROM change_log) WHERE length(uuid) <> 36 OR lower(uuid) NOT GLOB "
	  "'[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*-*-*-*'" },
};

/* Tables whose rows the foreign-key report can name by uuid (or by code). */
static const char *const named_tables[] = { "site", "person", "activity", "note", "score", "metric",
	"subgroup_row", "change_log", "review", "framework", NULL };

static void
say(FILE *out, struct check_report *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(FILE *out, struct check_report *r, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	text_print(out, text); /* a problem may quote stored text: controls as marks */
	fputc('\n', out);
	r->problems++;
}

static int
run_sentences(struct db *db, const struct sentence_check *c, FILE *out, struct check_report *r)
{
	sqlite3_stmt *st;
	int rc;

	r->checks++;
	if (sqlite3_prepare_v2(db_handle(db), c->sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, c->name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		say(out, r, "%s", db_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, c->name);
}

static int
integrity(struct db *db, FILE *out, struct check_report *r)
{
	sqlite3_stmt *st;
	int rc;

	r->checks++;
	if (sqlite3_prepare_v2(db_handle(db), "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "integrity check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp(db_col_text(st, 0), "ok") != 0)
			say(out, r, "The file's structure is damaged: %s.", db_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "integrity check");
}

static bool
named_table(const char *t)
{
	for (size_t i = 0; named_tables[i]; i++)
		if (strcmp(named_tables[i], t) == 0)
			return true;
	return false;
}

/* "note 0b1c..." for a row of a table with uuids, else "a row". */
static void
row_name(struct db *db, const char *table, sqlite3_int64 rowid, bool has_rowid, char *buf, size_t n)
{
	char *sql;
	sqlite3_stmt *st = NULL;

	snprintf(buf, n, has_rowid ? "row %lld" : "a row", (long long)rowid);
	if (!has_rowid || !named_table(table))
		return;
	/* table is one of named_tables, never text from outside. */
	sql = sqlite3_mprintf("SELECT uuid FROM \"%w\" WHERE rowid = ?1", table);
	if (sql && sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, rowid);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(buf, n, "row %s", db_col_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
}

/* The child column of foreign key fkid of table, by bound pragma function. */
static void
fk_column(struct db *db, const char *table, int fkid, char *buf, size_t n)
{
	static const char sql[] = "SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);

	snprintf(buf, n, "a reference");
	if (!st)
		return;
	db_bind_text(st, 1, table);
	sqlite3_bind_int(st, 2, fkid);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, n, "its %s", db_col_text(st, 0));
	sqlite3_reset(st);
}

static int
foreign_keys(struct db *db, FILE *out, struct check_report *r)
{
	sqlite3_stmt *st;
	char table[64], parent[64], row[80], col[80];
	int rc;

	r->checks++;
	if (sqlite3_prepare_v2(db_handle(db), "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "reference check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(table, sizeof(table), "%s", db_col_text(st, 0));
		snprintf(parent, sizeof(parent), "%s", db_col_text(st, 2));
		row_name(db, table, sqlite3_column_int64(st, 1), sqlite3_column_type(st, 1) != SQLITE_NULL,
			 row, sizeof(row));
		fk_column(db, table, sqlite3_column_int(st, 3), col, sizeof(col));
		say(out, r, "Table %s, %s: %s refers to a %s that does not exist.", table, row, col, parent);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reference check");
}

/* FTS5's own check compares the index with the notes; it is an INSERT, so a
 * read-only file gets only the row comparison above. */
static int
fts_integrity(struct db *db, FILE *out, struct check_report *r)
{
	static const char sql[] = "INSERT INTO note_fts(note_fts) VALUES ('integrity-check')";
	int rc;

	if (db_readonly(db)) {
		fprintf(out, "(the full-text index was compared by rows only: the file is read-only)\n");
		r->notices++;
		return QREL_OK;
	}
	r->checks++;
	rc = sqlite3_exec(db_handle(db), sql, NULL, NULL, NULL);
	if (rc == SQLITE_CORRUPT_VTAB || (rc & 0xff) == SQLITE_CORRUPT)
		say(out, r, "Table note_fts: the full-text index does not match the notes' text; "
		    "search results are wrong until the index is rebuilt.");
	else if (rc != SQLITE_OK)
		return db_fail(db, "full-text index check");
	return QREL_OK;
}

/* Not damage: conflicts from merging offline copies that wait for the lead. */
static void
waiting_conflicts(struct db *db, FILE *out, struct check_report *r)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db_handle(db), "SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL",
			       -1, &st, NULL) != SQLITE_OK)
		return;	/* a store from before sync: nothing to say */
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0) {
		fprintf(out, "(%d sync conflict(s) wait for the lead: see `qrel sync conflicts`)\n",
			sqlite3_column_int(st, 0));
		r->notices++;
	}
	sqlite3_finalize(st);
}

int
check_store(struct db *db, FILE *out, struct check_report *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = integrity(db, out, r)) != QREL_OK)
		return rc;
	if (r->problems)	/* a damaged file can make the other checks fail or lie */
		return error(QREL_DB, "%s: %d problem(s) found", db_path(db), r->problems);
	if ((rc = foreign_keys(db, out, r)) != QREL_OK)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(sentence_checks); i++)
		if ((rc = run_sentences(db, &sentence_checks[i], out, r)) != QREL_OK)
			return rc;
	if ((rc = fts_integrity(db, out, r)) != QREL_OK)
		return rc;
	waiting_conflicts(db, out, r);
	if (r->problems)
		return error(QREL_DB, "%s: %d problem(s) found", db_path(db), r->problems);
	return QREL_OK;
}

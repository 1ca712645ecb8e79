/* subgroup_kept.c: a set's suppression kept in the store between sessions: its table, the triggers that drop it, its read and its write. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/schema.h"
#include "qrel/settings.h"
#include "qrel/subgroup_kept.h"
#include "qrel/util.h"

struct subgroup_kept_stats subgroup_kept_stats;

/*
 * Which cells each table of a linked set withholds (subgroup.c, "a set of
 * tables"), one row per member, for the settings that decide it: hidden is a
 * byte per row of the member's table in id order (0 shown, 1 withheld, 2
 * shown bare), total_withheld 1 when its total count is. Derived data, like
 * domain_tally or the full-text index: it holds no count, is never synced nor
 * logged (bundles list their own tables, sync_bundle_ddl) and has no author;
 * dropping every row only costs the next load its time.
 *
 * Everything a set's suppression reads drops the rows it could change, by
 * trigger, whoever writes (import, a corrected cell, a sync or a hub pull):
 * a table's rows and the State's rows drop their (metric, dimension) in
 * every year (the flags look back over years, and a new site joins a set);
 * a site's code, kind or review (the complement order, the district, the
 * set), or its removal, drop its review's; a metric's code or direction
 * (the order, the flags), or its removal, drop its own; an update that
 * leaves those columns as they were (a site's new name, a sync's same
 * counts) drops nothing. A new site or metric has no rows yet, so changes
 * nothing. [subgroups] reference only withholds
 * ratios after the suppression (withhold_derived), so it is no part of the key.
 */
const char subgroup_kept_migration[] =
"CREATE TABLE subgroup_kept ("
"  metric_id INTEGER NOT NULL,"
"  dimension TEXT NOT NULL,"
"  year TEXT NOT NULL,"
"  site_id INTEGER NOT NULL,"
"  rule INTEGER NOT NULL,"
"  min_display INTEGER NOT NULL,"
"  min_cell INTEGER NOT NULL,"
"  min_n INTEGER NOT NULL,"
"  threshold REAL NOT NULL,"
"  flag_years INTEGER NOT NULL,"
"  nrows INTEGER NOT NULL,"
"  total_withheld INTEGER NOT NULL CHECK (total_withheld IN (0, 1)),"
"  hidden BLOB NOT NULL CHECK (length(hidden) = nrows),"
"  PRIMARY KEY (metric_id, dimension, year, site_id, rule, min_display, min_cell, min_n, threshold, flag_years))"
"  WITHOUT ROWID;"
"CREATE TRIGGER subgroup_kept_row_insert AFTER INSERT ON subgroup_row BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = new.metric_id AND dimension = new.dimension;"
"END;"
"CREATE TRIGGER subgroup_kept_row_delete AFTER DELETE ON subgroup_row BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = old.metric_id AND dimension = old.dimension;"
"END;"
"CREATE TRIGGER subgroup_kept_row_update AFTER UPDATE OF id, review_id, site_id, year, metric_id, dimension, grp,"
"  enrolled, count ON subgroup_row WHEN old.id IS NOT new.id OR old.review_id IS NOT new.review_id"
"  OR old.site_id IS NOT new.site_id OR old.year IS NOT new.year OR old.metric_id IS NOT new.metric_id"
"  OR old.dimension IS NOT new.dimension OR old.grp IS NOT new.grp OR old.enrolled IS NOT new.enrolled"
"  OR old.count IS NOT new.count BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = old.metric_id AND dimension = old.dimension;"
"  DELETE FROM subgroup_kept WHERE metric_id = new.metric_id AND dimension = new.dimension;"
"END;"
"CREATE TRIGGER subgroup_kept_state_insert AFTER INSERT ON state_row BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = new.metric_id AND dimension = new.dimension;"
"END;"
"CREATE TRIGGER subgroup_kept_state_delete AFTER DELETE ON state_row BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = old.metric_id AND dimension = old.dimension;"
"END;"
"CREATE TRIGGER subgroup_kept_state_update AFTER UPDATE OF id, review_id, year, metric_id, dimension, grp,"
"  enrolled, count ON state_row WHEN old.id IS NOT new.id OR old.review_id IS NOT new.review_id"
"  OR old.year IS NOT new.year OR old.metric_id IS NOT new.metric_id OR old.dimension IS NOT new.dimension"
"  OR old.grp IS NOT new.grp OR old.enrolled IS NOT new.enrolled OR old.count IS NOT new.count BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = old.metric_id AND dimension = old.dimension;"
"  DELETE FROM subgroup_kept WHERE metric_id = new.metric_id AND dimension = new.dimension;"
"END;"
"CREATE TRIGGER subgroup_kept_site_update AFTER UPDATE OF id, code, kind, review_id ON site"
"  WHEN old.id IS NOT new.id OR old.code IS NOT new.code OR old.kind IS NOT new.kind"
"  OR old.review_id IS NOT new.review_id BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id IN (SELECT id FROM metric WHERE review_id IN (old.review_id, new.review_id));"
"END;"
"CREATE TRIGGER subgroup_kept_site_delete AFTER DELETE ON site BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id IN (SELECT id FROM metric WHERE review_id = old.review_id);"
"END;"
"CREATE TRIGGER subgroup_kept_metric_update AFTER UPDATE OF id, code, direction, review_id ON metric"
"  WHEN old.id IS NOT new.id OR old.code IS NOT new.code OR old.direction IS NOT new.direction"
"  OR old.review_id IS NOT new.review_id BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id IN (old.id, new.id);"
"END;"
"CREATE TRIGGER subgroup_kept_metric_delete AFTER DELETE ON metric BEGIN"
"  DELETE FROM subgroup_kept WHERE metric_id = old.id;"
"END;";

/* ?1 metric, ?2 dimension, ?3 year, ?4 site, ?5 rule, then the settings ?6 to ?10. */
static void
kept_bind(sqlite3_stmt *st, const struct subgroup_key *k, int64_t site, const struct settings *s)
{
	sqlite3_bind_int64(st, 1, k->metric);
	db_bind_text(st, 2, k->dimension);
	db_bind_text(st, 3, k->year);
	sqlite3_bind_int64(st, 4, site);
	sqlite3_bind_int(st, 5, SUBGROUP_KEPT_RULE);
	sqlite3_bind_int64(st, 6, s->min_display);
	sqlite3_bind_int64(st, 7, s->min_cell);
	sqlite3_bind_int64(st, 8, s->min_n);
	sqlite3_bind_double(st, 9, s->threshold);
	sqlite3_bind_int64(st, 10, s->flag_years);
}

/* The pattern in st's columns first (nrows), first + 1 (total_withheld) and
 * first + 2 (hidden) into p; false when it does not hold together or out of memory. */
static bool
kept_pattern_from(sqlite3_stmt *st, int first, struct kept_pattern *p)
{
	const void *blob = sqlite3_column_blob(st, first + 2);
	long long n = sqlite3_column_int64(st, first);

	memset(p, 0, sizeof(*p));
	if (n < 0 || n != sqlite3_column_bytes(st, first + 2) || !(p->hidden = malloc(n ? (size_t)n : 1)))
		return false;
	if (n)
		memcpy(p->hidden, blob, (size_t)n);
	p->n = (size_t)n;
	p->total_withheld = sqlite3_column_int(st, first + 1) != 0;
	return true;
}

int
subgroup_kept_read(struct db *db, const struct subgroup_key *key, const struct settings *s, struct kept_pattern *p)
{
	static const char sql[] = "SELECT nrows, total_withheld, hidden FROM subgroup_kept WHERE metric_id = ?1 "
				  "AND dimension = ?2 AND year = ?3 AND site_id = ?4 AND rule = ?5 AND min_display = ?6 "
				  "AND min_cell = ?7 AND min_n = ?8 AND threshold = ?9 AND flag_years = ?10";
	sqlite3_stmt *st = db_stmt(db, sql);
	int found = 0;

	memset(p, 0, sizeof(*p));
	if (!st)
		return 0;
	kept_bind(st, key, key->site, s);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = kept_pattern_from(st, 0, p);
	sqlite3_reset(st);
	return found;
}

void
subgroup_kept_set_free(struct kept_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->m[i].p.hidden);
	free(set->m);
	memset(set, 0, sizeof(*set));
}

/* One statement for the set: its (metric, dimension, year) leads the key,
 * and the rows come by site id. ?4 is bound but unused. */
void
subgroup_kept_read_set(struct db *db, const struct subgroup_key *key, const struct settings *s, struct kept_set *out)
{
	static const char sql[] = "SELECT site_id, nrows, total_withheld, hidden FROM subgroup_kept WHERE metric_id = ?1 "
				  "AND dimension = ?2 AND year = ?3 AND rule = ?5 AND min_display = ?6 AND min_cell = ?7 "
				  "AND min_n = ?8 AND threshold = ?9 AND flag_years = ?10 ORDER BY site_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	size_t cap = 0;
	bool ok = st != NULL;
	int step = SQLITE_DONE;

	memset(out, 0, sizeof(*out));
	if (st)
		kept_bind(st, key, key->site, s);
	while (ok && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct kept_site *m = array_grow(out->m, out->n, &cap, sizeof(*m));

		if ((ok = m != NULL)) {
			out->m = m;
			m[out->n].site = sqlite3_column_int64(st, 0);
			if ((ok = kept_pattern_from(st, 1, &m[out->n].p)))
				out->n++;
		}
	}
	if (st)
		sqlite3_reset(st);
	if (!ok || step != SQLITE_DONE)
		subgroup_kept_set_free(out);
}

const struct kept_pattern *
subgroup_kept_find(const struct kept_set *set, int64_t site)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->m[mid].site == site)
			return &set->m[mid].p;
		if (set->m[mid].site < site)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ?11: 1 for the districts, 0 for the other sites; the index on (review,
 * code) gives them in order. */
int
subgroup_kept_walk(struct db *db, const struct subgroup_key *key, const struct settings *s, struct kept_walk *w,
		   int64_t *site)
{
	static const char sql[] = "SELECT s.id FROM site s WHERE s.review_id = (SELECT review_id FROM site WHERE id = ?4) "
				  "AND (s.kind = 'district') = ?11 AND (EXISTS (SELECT 1 FROM subgroup_kept k WHERE "
				  "k.metric_id = ?1 AND k.dimension = ?2 AND k.year = ?3 AND k.site_id = s.id AND "
				  "k.rule = ?5 AND k.min_display = ?6 AND k.min_cell = ?7 AND k.min_n = ?8 AND "
				  "k.threshold = ?9 AND k.flag_years = ?10) OR EXISTS (SELECT 1 FROM subgroup_row r WHERE "
				  "r.site_id = s.id AND r.year = ?3 AND r.metric_id = ?1 AND r.dimension = ?2)) "
				  "ORDER BY s.code";
	int rc;

	*site = 0;
	for (; w->part < 2; w->part++) {
		if (!w->st) {
			if (!(w->st = db_stmt(db, sql)))
				return QREL_DB;
			kept_bind(w->st, key, key->site, s);
			sqlite3_bind_int(w->st, 11, w->part == 0);
		}
		if ((rc = sqlite3_step(w->st)) == SQLITE_ROW) {
			*site = sqlite3_column_int64(w->st, 0);
			return QREL_OK;
		}
		rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing the sites of a table");
		subgroup_kept_walk_end(w);
		if (rc != QREL_OK) {
			w->part = 2;
			return rc;
		}
	}
	return QREL_OK;
}

void
subgroup_kept_walk_end(struct kept_walk *w)
{
	if (w->st)
		sqlite3_reset(w->st);
	w->st = NULL;
}

static bool
kept_row(struct db *db, const struct subgroup_key *key, const struct settings *s, const struct kept_member *m,
	 unsigned char *bytes)
{
	static const char sql[] = "INSERT OR REPLACE INTO subgroup_kept(metric_id, dimension, year, site_id, rule, "
				  "min_display, min_cell, min_n, threshold, flag_years, nrows, total_withheld, hidden) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	sqlite3_stmt *st = db_stmt(db, sql);
	bool ok;

	if (!st)
		return false;
	for (size_t i = 0; i < m->n; i++)
		bytes[i] = (unsigned char)m->hidden[i];
	kept_bind(st, key, m->site, s);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)m->n);
	sqlite3_bind_int(st, 12, m->total_withheld);
	sqlite3_bind_blob(st, 13, bytes, (int)m->n, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	return ok;
}

void
subgroup_kept_write(struct db *db, const struct subgroup_key *key, const struct settings *s,
		    long long data_version, const struct kept_member *m, size_t n)
{
	size_t most = 1;
	unsigned char *bytes;
	bool ok;

	for (size_t i = 0; i < n; i++)
		most = m[i].n > most ? m[i].n : most;
	if (!n || db_readonly(db) || !(bytes = malloc(most)))
		return;
	if (db_quiet_begin(db) != QREL_OK) {
		free(bytes);
		return;
	}
	/* Another connection's commit since the set's snapshot may have dropped
	 * what was read: keep nothing rather than what the store no longer says. */
	ok = db_int(db, "PRAGMA data_version") == data_version;
	for (size_t i = 0; ok && i < n; i++)
		ok = kept_row(db, key, s, &m[i], bytes);
	if (db_quiet_end(db, ok) == QREL_OK)
		subgroup_kept_stats.sets_kept++;
	free(bytes);
}

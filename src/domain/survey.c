/* survey.c: survey results from the store, suppressed by the subgroup tables'
 * rule; response rates; survey items cited by findings. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/findings.h"
#include "qrel/risk.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#include <ctype.h>
#include <math.h>

long
survey_favourable_of_pct(double pct, long responses)
{
	return lround(pct * (double)responses / 100.0);
}

/* One "label=count" option of s at *p; false when malformed. */
static bool
one_option(const char **p, long *count, bool *plus)
{
	const char *s = *p, *eq = strchr(s, '='), *end = strchr(s, ';');
	char *stop;

	if (!end)
		end = s + strlen(s);
	while (isspace((unsigned char)*s))
		s++;
	*plus = *s == '+';
	if (!eq || eq > end || eq == s + *plus)
		return false;
	*count = strtol(eq + 1, &stop, 10);
	while (isspace((unsigned char)*stop))
		stop++;
	if (stop == eq + 1 || stop != end || *count < 0)
		return false;
	*p = *end ? end + 1 : end;
	return true;
}

bool
survey_parse_options(const char *s, long *responses, long *favourable, char *why, size_t n)
{
	long count;
	bool plus;
	int k = 0;

	*responses = *favourable = 0;
	while (*s) {
		if (!one_option(&s, &count, &plus)) {
			snprintf(why, n, "option %d is not LABEL=COUNT (a + before favourable ones)", k + 1);
			return false;
		}
		*responses += count;
		*favourable += plus ? count : 0;
		k++;
	}
	if (k < 2)
		snprintf(why, n, "needs at least two options");
	return k >= 2;
}

/* ---- results ---- */

static const char load_sql[] =
	"SELECT i.id, i.site_id, s.code, i.instrument, i.item, coalesce(c.code, ''), i.grp, i.subgroup, "
	"i.responses, i.favourable FROM survey_item i JOIN site s ON s.id = i.site_id "
	"LEFT JOIN cluster c ON c.id = i.cluster_id WHERE i.review_id = ?1 AND (?2 = 0 OR i.site_id = ?2) "
	"ORDER BY s.code, (SELECT min(x.id) FROM survey_item x WHERE x.site_id = i.site_id "
	"AND x.instrument = i.instrument), (SELECT min(x.id) FROM survey_item x WHERE x.site_id = i.site_id "
	"AND x.instrument = i.instrument AND x.item = i.item), (SELECT min(x.id) FROM survey_item x "
	"WHERE x.site_id = i.site_id AND x.instrument = i.instrument AND x.item = i.item AND x.grp = i.grp), "
	"i.subgroup <> '', i.id";

static void
read_row(sqlite3_stmt *st, struct survey_row *r, long order)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->site = sqlite3_column_int64(st, 1);
	str_copy(r->site_code, sizeof(r->site_code), db_col_text(st, 2));
	str_copy(r->instrument, sizeof(r->instrument), db_col_text(st, 3));
	str_copy(r->item, sizeof(r->item), db_col_text(st, 4));
	str_copy(r->cluster, sizeof(r->cluster), db_col_text(st, 5));
	str_copy(r->group, sizeof(r->group), db_col_text(st, 6));
	str_copy(r->subgroup, sizeof(r->subgroup), db_col_text(st, 7));
	r->responses = sqlite3_column_int(st, 8);
	r->favourable = sqlite3_column_int(st, 9);
	r->order = order;
}

static int
read_all(struct db *db, int64_t review, int64_t site, struct survey_row **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, load_sql);
	struct survey_row *rows = NULL, *grown;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(grown = array_grow(rows, *n, &cap, sizeof(*rows)))) {
			rc = SQLITE_NOMEM;
			break;
		}
		rows = grown;
		read_row(st, &rows[*n], (long)*n);
		(*n)++;
	}
	rc = rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_NOMEM ? error(QREL_NOMEM, "out of memory")
							       : db_fail(db, "reading survey results");
	sqlite3_reset(st);
	if (rc != QREL_OK) {
		free(rows);
		rows = NULL;
		*n = 0;
	}
	*out = rows;
	return rc;
}

static bool
same_table(const struct survey_row *a, const struct survey_row *b)
{
	return a->site == b->site && !strcmp(a->instrument, b->instrument) && !strcmp(a->item, b->item) &&
	       !strcmp(a->group, b->group);
}

static void
hide(struct survey_row *r)
{
	r->hidden = true;
	r->favourable = -1;
	r->pct = NAN;
}

/* risk_suppress over rows[0..k): total_shown when the whole-group row is shown beside them. */
static int
suppress_rows(struct survey_row *rows, size_t k, long min_display, int total_shown)
{
	struct risk_group g[64];
	int hidden[64];

	if (k > ARRAY_SIZE(g))
		return error(QREL_PARSE, "more than %zu subgroups for one survey item", ARRAY_SIZE(g));
	for (size_t i = 0; i < k; i++)
		g[i] = (struct risk_group){ rows[i].subgroup, rows[i].responses, rows[i].favourable };
	if (risk_suppress(g, k, min_display, total_shown, hidden) < 0)
		return error(QREL_USAGE, "[privacy] min_display must be at least 1");
	for (size_t i = 0; i < k; i++) {
		if (hidden[i])
			hide(&rows[i]);
		else
			rows[i].pct = rows[i].responses ? 100.0 * (double)rows[i].favourable / (double)rows[i].responses : NAN;
	}
	return QREL_OK;
}

/* Each (site, instrument, item, group): the whole-group row alone, then its subgroups with it as their total. */
static int
suppress_all(struct survey_row *rows, size_t n, long min_display)
{
	size_t i = 0, end, first;
	int rc = QREL_OK;

	while (i < n && rc == QREL_OK) {
		for (end = i + 1; end < n && same_table(&rows[i], &rows[end]); end++)
			;
		first = i;
		if (!*rows[i].subgroup) {
			rc = suppress_rows(&rows[i], 1, min_display, 0);
			first = i + 1;
		}
		if (rc == QREL_OK && end > first)
			rc = suppress_rows(&rows[first], end - first, min_display, first > i);
		i = end;
	}
	return rc;
}

static int
by_group(const void *pa, const void *pb)
{
	const struct survey_row *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->site_code, b->site_code)) || (c = strcmp(a->group, b->group)))
		return c;
	return (a->order > b->order) - (a->order < b->order);
}

/* Drops the rows v may not read (a NULL v reads all). */
static size_t
visible_only(struct db *db, const struct vis_viewer *v, struct survey_row *rows, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		struct vis_at at = { rows[i].site, 0, 0 };

		if (!v || visibility_sees(db, v, VIS_SUBGROUP, &at))
			rows[kept++] = rows[i];
	}
	return kept;
}

int
survey_load(struct db *db, int64_t review, const struct vis_viewer *v, int64_t site, enum survey_order order,
	    long min_display, struct survey_row **out, size_t *n)
{
	int rc = read_all(db, review, site, out, n);

	if (rc == QREL_OK && (rc = suppress_all(*out, *n, min_display)) != QREL_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	if (rc != QREL_OK)
		return rc;
	*n = visible_only(db, v, *out, *n);
	if (order == SURVEY_BY_GROUP && *n > 1)
		qsort(*out, *n, sizeof(**out), by_group);
	return QREL_OK;
}

void
survey_pct_text(const struct survey_row *r, char *buf, size_t size)
{
	if (r->hidden)
		snprintf(buf, size, "*");
	else if (isnan(r->pct))
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%.0f", r->pct);
}

/* ---- response rates ---- */

int
survey_rates(struct db *db, int64_t review, const struct vis_viewer *v, int64_t site, struct survey_rate **out,
	     size_t *n)
{
	static const char sql[] = "SELECT s.code, r.instrument, r.grp, r.invited, r.responded, r.site_id "
				  "FROM survey_rate r JOIN site s ON s.id = r.site_id WHERE r.review_id = ?1 "
				  "AND (?2 = 0 OR r.site_id = ?2) ORDER BY s.code, r.instrument, r.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct survey_rate *rows = NULL, *grown;
	size_t cap = 0;
	int rc;

	*n = 0;
	*out = NULL;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vis_at at = { sqlite3_column_int64(st, 5), 0, 0 };

		if (v && !visibility_sees(db, v, VIS_SUBGROUP, &at))
			continue;
		if (!(grown = array_grow(rows, *n, &cap, sizeof(*rows)))) {
			rc = SQLITE_NOMEM;
			break;
		}
		rows = grown;
		str_copy(rows[*n].site_code, sizeof(rows[*n].site_code), db_col_text(st, 0));
		str_copy(rows[*n].instrument, sizeof(rows[*n].instrument), db_col_text(st, 1));
		str_copy(rows[*n].group, sizeof(rows[*n].group), db_col_text(st, 2));
		rows[*n].invited = sqlite3_column_int(st, 3);
		rows[*n].responded = sqlite3_column_int(st, 4);
		(*n)++;
	}
	rc = rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_NOMEM ? error(QREL_NOMEM, "out of memory")
							       : db_fail(db, "reading response rates");
	sqlite3_reset(st);
	*out = rows;
	return rc;
}

/* ---- citations ---- */

static int
cite_change(struct db *db, int64_t review, const char *who, int64_t finding, int64_t item, bool remove)
{
	static const char fsql[] = "SELECT uuid FROM finding WHERE id = ?1 AND review_id = ?2";
	static const char isql[] = "SELECT uuid FROM survey_item WHERE id = ?1 AND review_id = ?2";
	static const char *const write[] = { "INSERT OR IGNORE INTO finding_survey(finding_id, survey_id) VALUES (?1, ?2)",
					     "DELETE FROM finding_survey WHERE finding_id = ?1 AND survey_id = ?2" };
	sqlite3_stmt *st;
	char fuuid[UUID_LEN + 1] = "", iuuid[UUID_LEN + 1] = "";
	int64_t ids[2][2] = { { finding, review }, { item, review } };
	const char *sql[2] = { fsql, isql };
	char *uuid[2] = { fuuid, iuuid };
	int rc;

	for (int k = 0; k < 2; k++) {
		if (!(st = db_stmt(db, sql[k])))
			return QREL_DB;
		sqlite3_bind_int64(st, 1, ids[k][0]);
		sqlite3_bind_int64(st, 2, ids[k][1]);
		if (sqlite3_step(st) == SQLITE_ROW)
			str_copy(uuid[k], UUID_LEN + 1, db_col_text(st, 0));
		sqlite3_reset(st);
		if (!*uuid[k])
			return error(QREL_NOTFOUND, "no %s %lld in this review", k ? "survey item" : "finding",
				     (long long)ids[k][0]);
	}
	if (!(st = db_stmt(db, write[remove])))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, finding);
	sqlite3_bind_int64(st, 2, item);
	if ((rc = db_step_done(db, st, remove ? "removing the citation" : "citing the survey item")) != QREL_OK)
		return rc;
	if (sqlite3_changes(db_handle(db)) == 0)
		return remove ? error(QREL_NOTFOUND, "finding %lld does not cite survey item %lld", (long long)finding,
				      (long long)item)
			      : error(QREL_CONFLICT, "finding %lld already cites survey item %lld", (long long)finding,
				      (long long)item);
	return changelog_add(db, review, who, "finding", fuuid, remove ? "uncite survey" : "cite survey",
			     remove ? iuuid : NULL, remove ? NULL : iuuid, "");
}

static int
cite_tx(struct db *db, int64_t review, const char *who, int64_t finding, int64_t item, bool remove)
{
	int rc;

	if ((rc = findings_may(db, review, who, false)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = cite_change(db, review, who, finding, item, remove)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int
survey_cite(struct db *db, int64_t review, const char *who, int64_t finding, int64_t item)
{
	return cite_tx(db, review, who, finding, item, false);
}

int
survey_uncite(struct db *db, int64_t review, const char *who, int64_t finding, int64_t item)
{
	return cite_tx(db, review, who, finding, item, true);
}

/* The sentence a citation shows; long text is cut to size. */
static int
cite_line(const struct survey_row *r, char *buf, size_t size)
{
	char who[200];

	if (snprintf(who, sizeof(who), "%s%s%s", r->group, *r->subgroup ? ", " : "", r->subgroup) < 0)
		return -1;
	if (r->hidden)
		return snprintf(buf, size, "%s: %s (%s, %s): fewer respondents than can be shown", r->instrument,
				r->item, who, r->site_code);
	return snprintf(buf, size, "%s: %s (%s, %s): %.0f%% favourable of %ld", r->instrument, r->item, who,
			r->site_code, r->pct, r->responses);
}

static bool
cited(struct db *db, int64_t finding, int64_t item)
{
	static const char sql[] = "SELECT 1 FROM finding_survey WHERE finding_id = ?1 AND survey_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	bool yes;

	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, finding);
	sqlite3_bind_int64(st, 2, item);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

int
survey_cited(struct db *db, int64_t finding, long min_display, char (**lines)[320], int *n)
{
	static const char rsql[] = "SELECT review_id FROM finding WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, rsql);
	struct survey_row *rows;
	size_t nrows;
	int64_t review = 0;
	int rc;

	*lines = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, finding);
	if (sqlite3_step(st) == SQLITE_ROW)
		review = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((rc = survey_load(db, review, NULL, 0, SURVEY_BY_ITEM, min_display, &rows, &nrows)) != QREL_OK)
		return rc;
	for (size_t i = 0; i < nrows; i++) {
		char (*grown)[320];

		if (!cited(db, finding, rows[i].id))
			continue;
		if (!(grown = realloc(*lines, (size_t)(*n + 1) * sizeof(**lines)))) {
			rc = error(QREL_NOMEM, "out of memory");
			break;
		}
		*lines = grown;
		if (cite_line(&rows[i], (*lines)[*n], sizeof(**lines)) >= 0)
			(*n)++;
	}
	free(rows);
	return rc;
}

int
survey_write_note(struct db *db, int64_t review, const struct survey_row *r, const char *who, int64_t *note)
{
	char text[400];
	struct note_input in = { .site = r->site, .source = "survey", .text = text };
	int64_t cluster = *r->cluster ? store_cluster_id(db, review, r->cluster) : 0;

	if (r->hidden)
		return error(QREL_DENIED, "too few respondents to show this result, so no note quotes it");
	if (cluster < 0)
		return QREL_DB;
	if (cluster == 0)
		return error(QREL_PARSE, "the survey item has no cluster to tag the note to (set one in the survey file)");
	in.cluster[0] = cluster;
	in.nclusters = 1;
	if (cite_line(r, text, sizeof(text)) < 0)
		return error(QREL_PARSE, "the survey item cannot be quoted");
	/* The evidence layer writes it: the gate, tags, locks, change log, search index. */
	return evidence_add(db, review, who, &in, note);
}

int
survey_item_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone)
{
	static const char sql[] = "DELETE FROM survey_item WHERE uuid = ?1 AND review_id = ?2 "
				  "AND id NOT IN (SELECT survey_id FROM finding_survey)";

	return store_forget_row(db, sql, review, uuid, gone);
}

int
survey_rate_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone)
{
	return store_forget_row(db, "DELETE FROM survey_rate WHERE uuid = ?1 AND review_id = ?2", review, uuid, gone);
}

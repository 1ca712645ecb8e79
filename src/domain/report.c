/* report.c: gathers the report's model from the store once, so every format prints the same facts,
 * and hands it to the format's writer (report_csv/html/json/md.c), to a stream or a file. */
#include "qrel/qrel.h"
#include "qrel/report.h"
#include "qrel/agree_db.h"
#include "qrel/db.h"
#include "qrel/settings.h"
#include "qrel/util.h"

static const char *const source_names[REPORT_SOURCES] = {
	"interview", "focus_group", "document_review", "site_observation",
	"remote_observation", "survey", "self_evaluation",
};
static const char *const source_labels[REPORT_SOURCES] = {
	"Interviews", "Focus groups", "Document reviews", "Site observations",
	"Remote observations", "Surveys", "Self-evaluations",
};

const char *
report_source_name(int i)
{
	return i >= 0 && i < REPORT_SOURCES ? source_names[i] : "";
}

const char *
report_source_label(int i)
{
	return i >= 0 && i < REPORT_SOURCES ? source_labels[i] : "";
}

static int
source_index(const char *s)
{
	for (int i = 0; i < REPORT_SOURCES; i++)
		if (strcmp(s, source_names[i]) == 0)
			return i;
	return -1;
}

/* ---- the review, its team and its activities ---- */

/* A statement over the review (?1) and the report's site (?2, 0: every site), bound; NULL when it cannot be prepared. */
static sqlite3_stmt *
review_stmt(const struct report *r, const char *sql)
{
	sqlite3_stmt *st = db_stmt(r->db, sql);

	if (st) {
		sqlite3_bind_int64(st, 1, r->review);
		sqlite3_bind_int64(st, 2, r->opt.site);
	}
	return st;
}

static int
read_review(struct report *r)
{
	static const char sql[] = "SELECT title, district, coalesce(substr(starts, 1, 10), ''),"
				  " coalesce(substr(ends, 1, 10), '') FROM review WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(r->db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, r->review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(r->title, sizeof(r->title), db_col_text(st, 0));
		str_copy(r->district, sizeof(r->district), db_col_text(st, 1));
		str_copy(r->starts, sizeof(r->starts), db_col_text(st, 2));
		str_copy(r->ends, sizeof(r->ends), db_col_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return error(QREL_NOTFOUND, "no review %lld", (long long)r->review);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(r->db, "reading the review");
}

static const char team_sql[] =
	"SELECT p.name, p.role, coalesce(s.code, '') FROM person p LEFT JOIN site s ON s.id = p.site_id"
	" WHERE p.review_id = ?1 AND (?2 = 0 OR p.site_id IS NULL OR p.site_id = ?2)"
	" ORDER BY CASE p.role WHEN 'lead' THEN 0 WHEN 'reviewer' THEN 1 WHEN 'principal' THEN 2 ELSE 3 END,"
	" p.name";

static int
read_team(struct report *r)
{
	sqlite3_stmt *st = review_stmt(r, team_sql);
	int rc = QREL_OK, step;

	if (!st)
		return QREL_DB;
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_person *p = realloc(r->team, (size_t)(r->nteam + 1) * sizeof(*p));

		if (!p) {
			rc = error(QREL_NOMEM, "out of memory reading the team");
			break;
		}
		r->team = p;
		p = &p[r->nteam++];
		str_copy(p->name, sizeof(p->name), db_col_text(st, 0));
		str_copy(p->role, sizeof(p->role), db_col_text(st, 1));
		str_copy(p->site, sizeof(p->site), db_col_text(st, 2));
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(r->db, "reading the team");
	sqlite3_reset(st);
	return rc;
}

static const char activity_sql[] =
	"SELECT source, count(*), min(substr(held_at, 1, 10)), max(substr(held_at, 1, 10)) FROM activity"
	" WHERE review_id = ?1 AND (?2 = 0 OR site_id = ?2) AND status = 'done' GROUP BY source";
/* min and max of an indexed column: two index probes, not a scan. */
static const char note_dates_sql[] =
	"SELECT coalesce(substr(min(created_at), 1, 10), ''), coalesce(substr(max(created_at), 1, 10), '')"
	" FROM note WHERE review_id = ?1";

static void
widen(char *lo, char *hi, const char *a, const char *b)
{
	if (*a && (!*lo || strcmp(a, lo) < 0))
		str_copy(lo, 11, a);
	if (*b && (!*hi || strcmp(b, hi) > 0))
		str_copy(hi, 11, b);
}

static int
read_activities(struct report *r, char *lo, char *hi)
{
	sqlite3_stmt *st = review_stmt(r, activity_sql);
	int rc;

	if (!st)
		return QREL_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = source_index(db_col_text(st, 0));

		if (i >= 0)
			r->activities[i] = sqlite3_column_int(st, 1);
		widen(lo, hi, db_col_text(st, 2), db_col_text(st, 3));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(r->db, "counting the activities");
}

/* Activities and participants per stakeholder group: whose voice the review heard. */
static int
read_voice(struct report *r)
{
	static const char sql[] = "SELECT ag.grp, count(*) FROM activity_group ag "
				  "JOIN activity a ON a.id = ag.activity_id WHERE a.review_id = ?1 AND (?2 = 0 OR a.site_id = ?2) "
				  "GROUP BY ag.grp UNION ALL SELECT '', coalesce(sum(participants), 0) FROM activity "
				  "WHERE review_id = ?1 AND (?2 = 0 OR site_id = ?2)";
	sqlite3_stmt *st = review_stmt(r, sql);
	int rc;

	if (!st)
		return QREL_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = voice_group_index(r->frame.grp, r->frame.ngrp, db_col_text(st, 0));

		if (!*db_col_text(st, 0))
			r->voice_people = (long)sqlite3_column_int64(st, 1);
		else if (i >= 0 && i < 32)
			r->voice_activities[i] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(r->db, "counting the stakeholder groups");
}

/* The review's own dates, else the span of its activities, else of its notes. */
static int
read_dates(struct report *r)
{
	char lo[11] = "", hi[11] = "";
	sqlite3_stmt *st;
	int rc = read_activities(r, lo, hi);

	r->activity_dates = *lo != '\0';
	if (rc == QREL_OK && !*lo && (st = db_stmt(r->db, note_dates_sql))) {
		sqlite3_bind_int64(st, 1, r->review);
		if (sqlite3_step(st) == SQLITE_ROW)
			widen(lo, hi, db_col_text(st, 0), db_col_text(st, 1));
		sqlite3_reset(st);
	}
	if (!*r->starts)
		str_copy(r->starts, sizeof(r->starts), lo);
	if (!*r->ends)
		str_copy(r->ends, sizeof(r->ends), hi);
	return rc;
}

/* ---- sites and their cells ---- */

static const char sites_sql[] =
	"SELECT id, code, name, kind FROM site WHERE review_id = ?1 AND (?2 = 0 OR id = ?2) ORDER BY code, id";

static int
read_sites(struct report *r)
{
	sqlite3_stmt *st = review_stmt(r, sites_sql);
	int rc = QREL_OK, step, cap = 0;

	if (!st)
		return QREL_DB;
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct dash_site *s;

		if (r->nsites == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(s = realloc(r->site, (size_t)cap * sizeof(*s)))) {
				rc = error(QREL_NOMEM, "out of memory reading the sites");
				break;
			}
			r->site = s;
		}
		s = &r->site[r->nsites++];
		s->id = sqlite3_column_int64(st, 0);
		str_copy(s->code, sizeof(s->code), db_col_text(st, 1));
		str_copy(s->name, sizeof(s->name), db_col_text(st, 2));
		s->district = strcmp(db_col_text(st, 3), "district") == 0;
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(r->db, "reading the sites");
	sqlite3_reset(st);
	return rc;
}

/* Sites by id, for placing the rows of the whole-review scans. */
struct site_ix {
	int64_t id;
	int index;
};

static int
site_ix_cmp(const void *a, const void *b)
{
	const struct site_ix *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static struct site_ix *
site_index_new(const struct report *r)
{
	struct site_ix *ix = malloc((size_t)(r->nsites + 1) * sizeof(*ix));

	if (!ix)
		return NULL;
	for (int i = 0; i < r->nsites; i++)
		ix[i] = (struct site_ix){ r->site[i].id, i };
	qsort(ix, (size_t)r->nsites, sizeof(*ix), site_ix_cmp);
	return ix;
}

static int
site_lookup(const struct site_ix *ix, int n, int64_t id)
{
	struct site_ix key = { id, 0 }, *hit = bsearch(&key, ix, (size_t)n, sizeof(*ix), site_ix_cmp);

	return hit ? hit->index : -1;
}

static const char scores_sql[] =
	"SELECT site_id, cluster_id, kind, level, insufficient, rater_id FROM score"
	" WHERE review_id = ?1 AND (?2 = 0 OR site_id = ?2)";

static bool
score_visible(const struct report *r, sqlite3_stmt *st)
{
	struct vis_at at = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 5) };

	return visibility_sees(r->db, &r->viewer, visibility_score_object(db_col_text(st, 2)), &at);
}

static int
read_scores(struct report *r, const struct site_ix *ix)
{
	sqlite3_stmt *st = review_stmt(r, scores_sql);
	int rc;

	if (!st)
		return QREL_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = site_lookup(ix, r->nsites, sqlite3_column_int64(st, 0));
		int c = dash_cluster_index(&r->frame, sqlite3_column_int64(st, 1));

		if (s >= 0 && c >= 0 && score_visible(r, st))
			dash_cell_score(&r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c], db_col_text(st, 2),
					sqlite3_column_int(st, 3), sqlite3_column_int(st, 4) != 0, false);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, "reading the scores");
	for (int i = 0; i < r->nsites; i++)
		dash_blind_cells(r->db, &r->viewer, &r->frame, r->site[i].id, r->cell + (size_t)i * (size_t)r->frame.ncl);
	return QREL_OK;
}

/* ---- evidence: one pass over the notes, then the quotes by id ---- */

/* Walks the notes in rowid order and looks each one's clusters up: no sort,
 * no temporary table, and no note text read (the texts come later, by id,
 * for the few quoted). */
static const char notes_sql[] =
	"SELECT n.id, n.site_id, nc.cluster_id, n.source, n.valence, n.created_at, n.author_id, " VOICE_NOTE_GROUPS_SQL
	" FROM note n CROSS JOIN note_cluster nc ON nc.note_id = n.id"
	" WHERE n.review_id = ?1 AND n.deleted_at IS NULL";
static const char site_notes_sql[] =
	"SELECT n.id, n.site_id, nc.cluster_id, n.source, n.valence, n.created_at, n.author_id, " VOICE_NOTE_GROUPS_SQL
	" FROM note n CROSS JOIN note_cluster nc ON nc.note_id = n.id"
	" WHERE n.site_id = ?2 AND n.review_id = ?1 AND n.deleted_at IS NULL";
static const char quote_sql[] =
	"SELECT n.text, n.source, s.code, substr(coalesce(a.held_at, n.created_at), 1, 10)"
	" FROM note n JOIN site s ON s.id = n.site_id LEFT JOIN activity a ON a.id = n.activity_id"
	" WHERE n.id = ?1";

/* The most recent notes of one cluster and valence, newest first. */
struct top {
	int64_t id[REPORT_QUOTES * 4];
	char at[REPORT_QUOTES * 4][24];
	int n;
};

static bool
newer(const char *at, int64_t id, const char *at2, int64_t id2)
{
	int c = strcmp(at, at2);

	return c > 0 || (c == 0 && id > id2);
}

static void
top_add(struct top *t, int k, int64_t id, const char *at)
{
	int i;

	if (k <= 0 || (t->n == k && !newer(at, id, t->at[k - 1], t->id[k - 1])))
		return;
	i = t->n < k ? t->n++ : k - 1;
	for (; i > 0 && newer(at, id, t->at[i - 1], t->id[i - 1]); i--) {
		t->id[i] = t->id[i - 1];
		memcpy(t->at[i], t->at[i - 1], sizeof(t->at[i]));
	}
	t->id[i] = id;
	str_copy(t->at[i], sizeof(t->at[i]), at);
}

static void
note_row(struct report *r, const struct site_ix *ix, sqlite3_stmt *st, struct top *top)
{
	int s = site_lookup(ix, r->nsites, sqlite3_column_int64(st, 1));
	int c = dash_cluster_index(&r->frame, sqlite3_column_int64(st, 2));
	const char *valence = db_col_text(st, 4);
	struct vis_at at = { sqlite3_column_int64(st, 1), 0, sqlite3_column_int64(st, 6) };
	struct dash_cell *cell;

	if (s < 0 || c < 0 || !visibility_sees(r->db, &r->viewer, VIS_NOTE, &at))
		return;
	cell = &r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c];
	cell->notes++;
	cell->sources |= dash_source_bit(db_col_text(st, 3));
	cell->groups |= dash_group_bits(&r->frame, (const char *)sqlite3_column_text(st, 7));
	if (strcmp(valence, "strength") == 0) {
		r->quotes[c].total_strength++;
		top_add(&top[2 * c], r->opt.quotes, sqlite3_column_int64(st, 0), db_col_text(st, 5));
	} else if (strcmp(valence, "growth") == 0) {
		r->quotes[c].total_growth++;
		top_add(&top[2 * c + 1], r->opt.quotes, sqlite3_column_int64(st, 0), db_col_text(st, 5));
	}
}

static int
quote_read(struct report *r, int64_t id, struct report_quote *q)
{
	sqlite3_stmt *st = db_stmt(r->db, quote_sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		q->text = xstrdup(db_col_text(st, 0));
		str_copy(q->source, sizeof(q->source), db_col_text(st, 1));
		str_copy(q->site, sizeof(q->site), db_col_text(st, 2));
		str_copy(q->date, sizeof(q->date), db_col_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(r->db, "reading a quoted note");
	return q->text ? QREL_OK : error(QREL_NOMEM, "out of memory reading a note");
}

static int
quotes_read(struct report *r, const struct top *top)
{
	int rc = QREL_OK;

	for (int c = 0; c < r->frame.ncl && rc == QREL_OK; c++) {
		struct report_quotes *q = &r->quotes[c];
		const struct top *s = &top[2 * c], *g = &top[2 * c + 1];

		for (int i = 0; i < s->n && rc == QREL_OK; i++)
			if ((rc = quote_read(r, s->id[i], &q->strength[i])) == QREL_OK)
				q->nstrength++;
		for (int i = 0; i < g->n && rc == QREL_OK; i++)
			if ((rc = quote_read(r, g->id[i], &q->growth[i])) == QREL_OK)
				q->ngrowth++;
	}
	return rc;
}

static int
read_notes(struct report *r, const struct site_ix *ix)
{
	sqlite3_stmt *st = db_stmt(r->db, r->opt.site ? site_notes_sql : notes_sql);
	struct top *top = calloc(2 * (size_t)r->frame.ncl + 1, sizeof(*top));
	int rc;

	if (!st || !top) {
		free(top);
		return st ? error(QREL_NOMEM, "out of memory") : QREL_DB;
	}
	sqlite3_bind_int64(st, 1, r->review);
	if (r->opt.site)
		sqlite3_bind_int64(st, 2, r->opt.site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		note_row(r, ix, st, top);
	sqlite3_reset(st);
	rc = rc == SQLITE_DONE ? quotes_read(r, top) : db_fail(r->db, "reading the evidence");
	free(top);
	return rc;
}

/* ---- agreement ---- */

static int
agreement_of(struct report *r, const char *domain, struct agree_result *out)
{
	struct agree_filter f = { r->opt.site, domain, &r->viewer };
	struct agree_data a;
	int rc = agree_db_load(r->db, r->review, &f, &a);

	if (rc != QREL_OK)
		return rc;
	if (agree_compute(a.scores, a.units, a.raters, a.levels, out) < 0)
		rc = error(QREL_NOMEM, "cannot compute agreement");
	agree_data_free(&a);
	return rc;
}

static int
read_agreement(struct report *r)
{
	int rc = agreement_of(r, NULL, &r->agree_all);

	r->agree_domain = calloc((size_t)r->frame.ndom + 1, sizeof(*r->agree_domain));
	if (!r->agree_domain)
		return error(QREL_NOMEM, "out of memory");
	for (int d = 0; d < r->frame.ndom && rc == QREL_OK; d++)
		rc = agreement_of(r, r->frame.dom[d].code, &r->agree_domain[d]);
	return rc;
}

/* ---- subgroup findings ---- */

/*
 * A review holds hundreds of thousands of subgroup tables; loading each to
 * find the few with a flag would take minutes. This query names the tables
 * where some group's plain risk ratio passes the threshold in this year's
 * raw counts, with a small margin so rounding cannot drop one; subgroup_load
 * then decides (minimums, sustained flags, suppression), so the list can
 * only be too long, never too short. It comes in set order (a district's and
 * its schools' tables of one year, metric and dimension are suppressed
 * together, so they are loaded one set at a time) and is read as it comes.
 */
static const char candidates_sql[] =
	"SELECT site_id, year, metric_id, dimension, min(rid) FROM ("
	" SELECT r.site_id, r.year, r.metric_id, r.dimension, r.id AS rid, r.count AS c, r.enrolled AS e,"
	"  sum(r.count) OVER w - r.count AS oc, sum(r.enrolled) OVER w - r.enrolled AS oe,"
	"  m.direction AS dir, s.code AS code"
	" FROM site s JOIN subgroup_row r ON r.site_id = s.id"
	"  AND (?3 OR r.year = (SELECT max(x.year) FROM subgroup_row x WHERE x.site_id = s.id))"
	" JOIN metric m ON m.id = r.metric_id"
	" WHERE s.review_id = ?1 AND (?2 = 0 OR s.id = ?2)"
	" WINDOW w AS (PARTITION BY r.site_id, r.year, r.metric_id, r.dimension))"
	" WHERE c >= ?4 AND e >= ?5 AND oc >= ?4 AND oe >= ?5 AND oc > 0 AND"
	" CASE WHEN dir = 'favourable' THEN c * oe * ?6 < oc * e * 1.0001"
	" ELSE c * oe > ?6 * oc * e * 0.9999 END"
	" GROUP BY site_id, year, metric_id, dimension"
	" ORDER BY year, metric_id, dimension, site_id";

static bool
any_flag(const struct subgroup_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->row[i].flagged)
			return true;
	return false;
}

/*
 * The flagged tables are spooled, not held: each is written to an unlinked
 * temporary file as it is loaded (in set order), and read back one at a time
 * by the writers in the report's order (report_finding). The model keeps an
 * offset per flagged table and the number of flagged groups.
 */
static int
spool_table(struct report *r, const struct subgroup_table *t, int64_t *at)
{
	if (!r->finding_spool && !(r->finding_spool = tmpfile()))
		return error(QREL_IO, "cannot make a temporary file for the subgroup findings: %s", strerror(errno));
	if (fseeko(r->finding_spool, 0, SEEK_END) != 0 || (*at = (int64_t)ftello(r->finding_spool)) < 0 ||
	    fwrite(t, sizeof(*t), 1, r->finding_spool) != 1 ||
	    (t->n && fwrite(t->row, sizeof(*t->row), t->n, r->finding_spool) != t->n))
		return error(errno == ENOSPC ? QREL_FULL : QREL_IO, "spooling the subgroup findings: %s", strerror(errno));
	return QREL_OK;
}

int
report_finding(const struct report *r, int i, struct subgroup_table *t)
{
	memset(t, 0, sizeof(*t));
	if (i < 0 || i >= r->nfindings || !r->finding_spool)
		return error(QREL_NOTFOUND, "no subgroup finding %d", i);
	if (fseeko(r->finding_spool, (off_t)r->finding_at[i], SEEK_SET) != 0 ||
	    fread(t, sizeof(*t), 1, r->finding_spool) != 1)
		goto fail;
	t->row = NULL;
	if (t->n && !(t->row = malloc(t->n * sizeof(*t->row)))) {
		t->n = 0;
		return error(QREL_NOMEM, "out of memory reading a subgroup finding");
	}
	if (t->n && fread(t->row, sizeof(*t->row), t->n, r->finding_spool) != t->n)
		goto fail;
	return QREL_OK;
fail:
	subgroup_table_free(t);
	return error(QREL_IO, "reading the spooled subgroup findings: %s", ferror(r->finding_spool) ? strerror(errno) :
		     "cut short");
}

int
report_each_finding(const struct report *r, int (*fn)(void *ctx, const struct subgroup_table *t), void *ctx)
{
	int rc = QREL_OK;

	for (int i = 0; i < r->nfindings && rc == QREL_OK; i++) {
		struct subgroup_table t;

		if ((rc = report_finding(r, i, &t)) == QREL_OK)
			rc = fn(ctx, &t);
		subgroup_table_free(&t);
	}
	return rc;
}

/* Spools table t when it holds a flag (at: its offset, else -1), counting its flagged groups. */
static int
flagged_table_add(struct report *r, const struct subgroup_table *t, int64_t *at)
{
	char text[SUBGROUP_FINDING];

	*at = -1;
	if (!any_flag(t))
		return QREL_OK;
	for (size_t i = 0; i < t->n; i++)
		if (subgroup_finding(t, i, text, sizeof(text)) == QREL_OK)
			r->nflagged++;
	return spool_table(r, t, at);
}

static void
candidate_bind(const struct report *r, sqlite3_stmt *st)
{
	const struct settings *s = r->opt.settings;

	sqlite3_bind_int64(st, 1, r->review);
	sqlite3_bind_int64(st, 2, r->opt.site);
	sqlite3_bind_int(st, 3, r->opt.all_years);
	sqlite3_bind_int64(st, 4, s->min_cell);
	sqlite3_bind_int64(st, 5, s->min_n);
	sqlite3_bind_double(st, 6, s->threshold);
}

static struct subgroup_key *
key_next(struct subgroup_key **keys, int *n, int *cap)
{
	if (*n == *cap) {
		int grown_cap = *cap ? *cap * 2 : 64;
		struct subgroup_key *grown = realloc(*keys, (size_t)grown_cap * sizeof(*grown));

		if (!grown)
			return NULL;
		*keys = grown;
		*cap = grown_cap;
	}
	return memset(&(*keys)[(*n)++], 0, sizeof(**keys));
}

/* The keys st (bound) names, read in full before any table is loaded
 * (subgroup_load uses other statements of the same connection). */
static int
keys_read(const struct report *r, sqlite3_stmt *st, const char *what, struct subgroup_key **out, int *n)
{
	int rc = QREL_OK, step, cap = 0;
	struct subgroup_key *k;

	*out = NULL;
	*n = 0;
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(k = key_next(out, n, &cap))) {
			rc = error(QREL_NOMEM, "out of memory");
			break;
		}
		k->site = sqlite3_column_int64(st, 0);
		str_copy(k->year, sizeof(k->year), db_col_text(st, 1));
		k->metric = sqlite3_column_int64(st, 2);
		str_copy(k->dimension, sizeof(k->dimension), db_col_text(st, 3));
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(r->db, what);
	sqlite3_reset(st);
	return rc;
}

/* A flagged table's place in the report: by site code, newest year first,
 * metric, then the table's first qualifying row; and its offset in the spool. */
struct flagged {
	int site;		/* index into r->site, which is in code order */
	char year[SUBGROUP_YEAR];
	int64_t metric, first, at;
};

static int
flagged_order(const void *a, const void *b)
{
	const struct flagged *x = a, *y = b;
	int c = (x->site > y->site) - (x->site < y->site);

	if (!c)
		c = -strcmp(x->year, y->year);
	if (!c)
		c = (x->metric > y->metric) - (x->metric < y->metric);
	return c ? c : (x->first > y->first) - (x->first < y->first);
}

static int
flagged_push(struct flagged **v, int *n, int *cap, const struct flagged *f)
{
	if (*n == *cap) {
		int grown_cap = *cap ? *cap * 2 : 64;
		struct flagged *grown = realloc(*v, (size_t)grown_cap * sizeof(*grown));

		if (!grown)
			return error(QREL_NOMEM, "out of memory for the subgroup findings");
		*v = grown;
		*cap = grown_cap;
	}
	(*v)[(*n)++] = *f;
	return QREL_OK;
}

/* One candidate the viewer may read: loaded (in sets), spooled when flagged. */
static int
candidate_load(struct report *r, const struct site_ix *ix, sqlite3_stmt *st, struct subgroup_sets *sets,
	       struct flagged **v, int *n, int *cap)
{
	struct subgroup_key k = { .site = sqlite3_column_int64(st, 0), .metric = sqlite3_column_int64(st, 2) };
	struct flagged f = { .site = site_lookup(ix, r->nsites, k.site), .metric = k.metric,
			     .first = sqlite3_column_int64(st, 4) };
	struct vis_at vis = { k.site, 0, 0 };
	struct subgroup_table t = { 0 };
	int rc;

	if (!visibility_sees(r->db, &r->viewer, VIS_SUBGROUP, &vis))
		return QREL_OK;
	str_copy(k.year, sizeof(k.year), db_col_text(st, 1));
	str_copy(k.dimension, sizeof(k.dimension), db_col_text(st, 3));
	str_copy(f.year, sizeof(f.year), k.year);
	if ((rc = subgroup_load_in(r->db, &k, r->opt.settings, sets, &t)) == QREL_OK &&
	    (rc = flagged_table_add(r, &t, &f.at)) == QREL_OK && f.at >= 0)
		rc = flagged_push(v, n, cap, &f);
	subgroup_table_free(&t);
	return rc;
}

/* Reads the candidates as they come, keeping of each flagged table only its
 * place and offset; then puts the offsets in the report's order. */
static int
read_findings(struct report *r)
{
	sqlite3_stmt *st = db_stmt(r->db, candidates_sql);
	struct subgroup_sets *sets = subgroup_sets_new();
	struct site_ix *ix = site_index_new(r);
	struct flagged *v = NULL;
	int n = 0, cap = 0, step = SQLITE_DONE, rc = sets && ix ? QREL_OK : error(QREL_NOMEM, "out of memory");

	if (rc == QREL_OK && !st)
		rc = QREL_DB;
	if (rc == QREL_OK)
		candidate_bind(r, st);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = candidate_load(r, ix, st, sets, &v, &n, &cap);
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(r->db, "finding flagged subgroup tables");
	if (st)
		sqlite3_reset(st);
	if (rc == QREL_OK && !(r->finding_at = malloc((size_t)(n ? n : 1) * sizeof(*r->finding_at))))
		rc = error(QREL_NOMEM, "out of memory for the subgroup findings");
	if (rc == QREL_OK) {
		if (n)
			qsort(v, (size_t)n, sizeof(*v), flagged_order);
		for (int i = 0; i < n; i++)
			r->finding_at[i] = v[i].at;
		r->nfindings = n;
	}
	free(v);
	free(ix);
	subgroup_sets_free(sets);
	return rc;
}

/* Every table the report covers: its sites, the newest year of each (every
 * year with --all-years), every metric and dimension, in set order. */
static const char tables_sql[] =
	"SELECT DISTINCT r.site_id, r.year, r.metric_id, r.dimension FROM site s JOIN subgroup_row r"
	" ON r.site_id = s.id AND (?3 OR r.year = (SELECT max(x.year) FROM subgroup_row x WHERE x.site_id = s.id))"
	" WHERE s.review_id = ?1 AND (?2 = 0 OR s.id = ?2) ORDER BY r.year, r.metric_id, r.dimension, r.site_id";

static int
table_keys(const struct report *r, struct subgroup_key **out, int *n)
{
	sqlite3_stmt *st = review_stmt(r, tables_sql);

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int(st, 3, r->opt.all_years);
	return keys_read(r, st, "listing the subgroup tables", out, n);
}

int
report_each_table(const struct report *r, int (*fn)(void *ctx, const struct subgroup_table *t), void *ctx)
{
	struct subgroup_key *keys;
	struct subgroup_sets *sets = subgroup_sets_new();
	int n = 0, rc = sets ? table_keys(r, &keys, &n) : error(QREL_NOMEM, "out of memory");

	for (int i = 0; i < n && rc == QREL_OK; i++) {
		struct vis_at at = { keys[i].site, 0, 0 };
		struct subgroup_table t;

		if (!visibility_sees(r->db, &r->viewer, VIS_SUBGROUP, &at))
			continue;
		if ((rc = subgroup_load_in(r->db, &keys[i], r->opt.settings, sets, &t)) == QREL_OK && t.n)
			rc = fn(ctx, &t);
		subgroup_table_free(&t);
	}
	if (sets)
		free(keys);
	subgroup_sets_free(sets);
	return rc;
}

/* ---- the deliverable: written findings, consensus rationales, the summary's ranking ---- */

static const char *const dimension_labels[][2] = {
	{ "race", "race and ethnicity" }, { "ethnicity", "race and ethnicity" },
	{ "econ", "economic status" }, { "frl", "economic status" },
	{ "ell", "English-learner status" }, { "el", "English-learner status" },
	{ "disability", "disability" }, { "sped", "disability" }, { "swd", "disability" },
	{ "gender", "gender" }, { "sex", "sex" }, { "grade", "grade" },
};

const char *
report_dimension_label(const char *code)
{
	for (size_t i = 0; code && i < ARRAY_SIZE(dimension_labels); i++)
		if (strcasecmp(code, dimension_labels[i][0]) == 0)
			return dimension_labels[i][1];
	return code ? code : "";
}

const char *
report_status_text(const struct report *r)
{
	return r->written.final ? "FINAL" : "DRAFT";
}

const char *
report_rationale(const struct report *r, int s, int c)
{
	if (!r->rationale || s < 0 || s >= r->nsites || c < 0 || c >= r->frame.ncl)
		return NULL;
	return r->rationale[(size_t)s * (size_t)r->frame.ncl + (size_t)c];
}

bool
report_finding_in(const struct report *r, const struct finding *f, int d, int c)
{
	if (c < 0)
		return f->cluster == 0 && d >= 0 && d < r->frame.ndom && f->domain == r->frame.dom[d].id;
	return f->cluster == r->frame.cl[c].id;
}

static const char rationale_sql[] =
	"SELECT site_id, cluster_id, rationale FROM score"
	" WHERE review_id = ?1 AND kind = 'consensus' AND rationale <> '' AND (?2 = 0 OR site_id = ?2)";

static int
read_rationales(struct report *r, const struct site_ix *ix)
{
	sqlite3_stmt *st = review_stmt(r, rationale_sql);
	int rc = QREL_OK, step;

	if (!st)
		return QREL_DB;
	if (!(r->rationale = calloc((size_t)r->nsites * (size_t)r->frame.ncl + 1, sizeof(*r->rationale))))
		return error(QREL_NOMEM, "out of memory for the rationales");
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int s = site_lookup(ix, r->nsites, sqlite3_column_int64(st, 0));
		int c = dash_cluster_index(&r->frame, sqlite3_column_int64(st, 1));
		size_t i = (size_t)s * (size_t)r->frame.ncl + (size_t)c;

		if (s >= 0 && c >= 0 && !r->rationale[i] && !(r->rationale[i] = strdup(db_col_text(st, 2))))
			rc = error(QREL_NOMEM, "out of memory for the rationales");
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(r->db, "reading the consensus rationales");
	sqlite3_reset(st);
	return rc;
}

static int
rank_cmp(const void *a, const void *b)
{
	const struct report_rank *x = a, *y = b;

	if (x->mean != y->mean)
		return x->mean < y->mean ? 1 : -1;
	return x->cluster - y->cluster;
}

/* Clusters by their mean consensus level over the sites that have one. */
static int
rank_clusters(struct report *r)
{
	struct report_rank *all = calloc((size_t)r->frame.ncl + 1, sizeof(*all));
	int n = 0;

	if (!all)
		return error(QREL_NOMEM, "out of memory");
	for (int c = 0; c < r->frame.ncl; c++) {
		double sum = 0;
		int k = 0;

		for (int s = 0; s < r->nsites; s++) {
			int lv = r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c].consensus;

			if (lv > 0 && lv <= r->frame.levels) {
				sum += lv;
				k++;
			}
		}
		if (k)
			all[n++] = (struct report_rank){ c, sum / k, k };
	}
	qsort(all, (size_t)n, sizeof(*all), rank_cmp);
	for (int i = 0; i < n && i < REPORT_RANK && i < n / 2 + n % 2; i++)
		r->strongest[r->nstrongest++] = all[i];
	for (int i = n - 1; i >= 0 && r->nweakest < REPORT_RANK && i >= r->nstrongest; i--)
		r->weakest[r->nweakest++] = all[i];
	free(all);
	return QREL_OK;
}

/* The written deliverable as the viewer may read it (findings_readable); to
 * anyone else only the report's status. */
static int
read_written(struct report *r)
{
	int64_t site = r->opt.site;

	if (findings_readable(r->db, &r->viewer, &site))
		return findings_load(r->db, r->review, site, &r->written);
	memset(&r->written, 0, sizeof(r->written));
	r->written.final = findings_final(r->db, r->review);
	return QREL_OK;
}

static int
read_deliverable(struct report *r)
{
	struct site_ix *ix = site_index_new(r);
	int rc = ix ? read_rationales(r, ix) : error(QREL_NOMEM, "out of memory");

	free(ix);
	if (rc == QREL_OK)
		rc = rank_clusters(r);
	if (rc == QREL_OK)
		rc = read_written(r);
	return rc == QREL_OK ? report_read_surveys(r) : rc;
}

/* ---- the whole model ---- */

static int
build_cells(struct report *r)
{
	struct site_ix *ix = site_index_new(r);
	int rc;

	r->cell = calloc((size_t)r->nsites * (size_t)r->frame.ncl + 1, sizeof(*r->cell));
	r->quotes = calloc((size_t)r->frame.ncl + 1, sizeof(*r->quotes));
	if (!ix || !r->cell || !r->quotes) {
		free(ix);
		return error(QREL_NOMEM, "out of memory for the report");
	}
	rc = read_scores(r, ix);
	if (rc == QREL_OK)
		rc = read_notes(r, ix);
	free(ix);
	return rc;
}

int
report_build(struct db *db, int64_t review, const struct report_options *o, struct report *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->db = db;
	r->review = review;
	r->opt = *o;
	if (r->opt.quotes < 0 || r->opt.quotes > REPORT_QUOTES * 4)
		r->opt.quotes = REPORT_QUOTES;
	r->min_display = o->settings->min_display;
	/* The plan section is the whole review's plan: only for a reader of every site's. */
	if ((rc = visibility_viewer(db, review, o->viewer, &r->viewer)) == QREL_OK)
		r->plan_visible = visibility_sees_everywhere(db, &r->viewer, VIS_PLAN);
	if (rc == QREL_OK && (rc = read_review(r)) == QREL_OK &&
	    (rc = dash_frame_load(db, review, &r->frame)) == QREL_OK && (rc = read_sites(r)) == QREL_OK &&
	    (rc = read_team(r)) == QREL_OK && (rc = read_dates(r)) == QREL_OK && (rc = read_voice(r)) == QREL_OK &&
	    (rc = build_cells(r)) == QREL_OK && (rc = read_agreement(r)) == QREL_OK && (rc = read_findings(r)) == QREL_OK &&
	    (rc = report_read_key(r)) == QREL_OK)
		rc = read_deliverable(r);
	if (rc != QREL_OK)
		report_free(r);
	return rc;
}

static void
quotes_free(struct report_quotes *q)
{
	for (int i = 0; i < q->nstrength; i++)
		free(q->strength[i].text);
	for (int i = 0; i < q->ngrowth; i++)
		free(q->growth[i].text);
}

void
report_free(struct report *r)
{
	for (int c = 0; r->quotes && c < r->frame.ncl; c++)
		quotes_free(&r->quotes[c]);
	if (r->finding_spool)
		fclose(r->finding_spool);
	report_key_free(r);
	for (int i = 0; r->rationale && i < r->nsites * r->frame.ncl; i++)
		free(r->rationale[i]);
	free(r->rationale);
	findings_doc_free(&r->written);
	free(r->rate);
	free(r->quotes);
	free(r->finding_at);
	free(r->cell);
	free(r->site);
	free(r->team);
	free(r->agree_domain);
	dash_frame_free(&r->frame);
	memset(r, 0, sizeof(*r));
}

/* ---- the formats and their writers ---- */

static const char *const format_names[] = { "html", "md", "csv", "json", "xlsx" };
static const char *const format_exts[] = { ".html", ".md", ".csv", ".json", ".xlsx" };

const char *
report_format_name(enum report_format f)
{
	return (size_t)f < ARRAY_SIZE(format_names) ? format_names[f] : "";
}

const char *
report_format_ext(enum report_format f)
{
	return (size_t)f < ARRAY_SIZE(format_exts) ? format_exts[f] : "";
}

int
report_format_parse(const char *s, enum report_format *f)
{
	static const char *const aliases[] = { "htm", "markdown", NULL, NULL, NULL };

	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (strcmp(s, format_names[i]) == 0 || (aliases[i] && strcmp(s, aliases[i]) == 0)) {
			*f = (enum report_format)i;
			return QREL_OK;
		}
	}
	return error(QREL_USAGE, "unknown report format '%s' (html, md, csv, json or xlsx)", s);
}

int
report_write(const struct report *r, enum report_format f, FILE *out)
{
	int rc;

	switch (f) {
	case REPORT_HTML: rc = report_write_html(r, out); break;
	case REPORT_MD: rc = report_write_md(r, out); break;
	case REPORT_CSV: rc = report_write_csv(r, out); break;
	case REPORT_JSON: rc = report_write_json(r, out); break;
	case REPORT_XLSX: return error(QREL_USAGE, "a workbook is a file: give -o FILE.xlsx");
	default: return error(QREL_USAGE, "unknown report format");
	}
	if (rc == QREL_OK && (fflush(out) != 0 || ferror(out)))
		rc = error(QREL_IO, "writing the report: %s", strerror(errno));
	return rc;
}

struct save_ctx {
	const struct report *r;
	enum report_format f;
};

static int
save_write(void *ctx, FILE *out)
{
	const struct save_ctx *c = ctx;

	return report_write(c->r, c->f, out);
}

/* Written to a temporary file as it is made, renamed over path when whole: a
 * half-written report never replaces a good one, and the document is never held. */
int
report_save(const struct report *r, enum report_format f, const char *path)
{
	struct save_ctx c = { r, f };

	if (f == REPORT_XLSX)
		return report_save_xlsx(r, path);
	return file_replace_stream(path, save_write, &c);
}

/* dashboard.c: levels and evidence per site x cluster, read a page of sites at a time. */
#include "qrel/qrel.h"
#include "qrel/dashboard.h"
#include "qrel/agree_db.h"
#include "qrel/db.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

static const char *const sources[] = {
	"interview", "focus_group", "document_review", "site_observation",
	"remote_observation", "survey", "self_evaluation",
};

unsigned
dash_source_bit(const char *source)
{
	for (size_t i = 0; source && i < ARRAY_SIZE(sources); i++)
		if (strcmp(source, sources[i]) == 0)
			return 1u << i;
	return 0;
}

/* ---- the framework ---- */

static const char frame_sql[] =
	"SELECT d.id, d.code, d.title, c.id, c.code, c.title FROM review r"
	" JOIN domain d ON d.framework_id = r.framework_id JOIN cluster c ON c.domain_id = d.id"
	" WHERE r.id = ?1 ORDER BY d.position, c.position, c.id";
static const char labels_sql[] =
	"SELECT sl.level, sl.label FROM review r JOIN scale_level sl ON sl.framework_id = r.framework_id"
	" WHERE r.id = ?1 ORDER BY sl.level";

static int
frame_grow(struct dash_frame *f)
{
	int cap = f->ncl + 32;
	struct dash_cluster *cl = realloc(f->cl, (size_t)cap * sizeof(*cl));
	struct dash_domain *dom = realloc(f->dom, (size_t)cap * sizeof(*dom));

	if (cl)
		f->cl = cl;
	if (dom)
		f->dom = dom;
	return cl && dom ? QREL_OK : error(QREL_NOMEM, "out of memory reading the framework");
}

static void
frame_row(struct dash_frame *f, sqlite3_stmt *st)
{
	struct dash_cluster *c = &f->cl[f->ncl];
	int64_t dom = sqlite3_column_int64(st, 0);

	if (!f->ndom || f->dom[f->ndom - 1].id != dom) {
		struct dash_domain *d = &f->dom[f->ndom++];

		memset(d, 0, sizeof(*d));
		d->id = dom;
		d->first = f->ncl;
		snprintf(d->code, sizeof(d->code), "%s", db_col_text(st, 1));
		snprintf(d->title, sizeof(d->title), "%s", db_col_text(st, 2));
	}
	c->id = sqlite3_column_int64(st, 3);
	snprintf(c->code, sizeof(c->code), "%s", db_col_text(st, 4));
	snprintf(c->title, sizeof(c->title), "%s", db_col_text(st, 5));
	c->domain = f->ndom - 1;
	f->dom[f->ndom - 1].n++;
	f->ncl++;
}

static int
frame_labels(struct db *db, int64_t review, struct dash_frame *f)
{
	sqlite3_stmt *st = db_stmt(db, labels_sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int level = sqlite3_column_int(st, 0);

		if (level >= 1 && level <= SCORE_MAX_LEVELS)
			snprintf(f->label[level - 1], sizeof(f->label[0]), "%s", db_col_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the scale");
}

int
dash_frame_load(struct db *db, int64_t review, struct dash_frame *f)
{
	sqlite3_stmt *st = db_stmt(db, frame_sql);
	int rc = QREL_OK, step = SQLITE_DONE;

	memset(f, 0, sizeof(*f));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
		if (f->ncl % 32 || (rc = frame_grow(f)) == QREL_OK)
			frame_row(f, st);
	sqlite3_reset(st);
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the framework");
	if (rc == QREL_OK && (f->levels = store_levels(db, review)) < 0)
		rc = QREL_DB;
	if (rc == QREL_OK)
		rc = frame_labels(db, review, f);
	if (rc == QREL_OK)
		rc = voice_groups(db, review, &f->grp, &f->ngrp);
	if (rc != QREL_OK)
		dash_frame_free(f);
	return rc;
}

void
dash_frame_free(struct dash_frame *f)
{
	free(f->dom);
	free(f->cl);
	free(f->grp);
	memset(f, 0, sizeof(*f));
}

int
dash_cluster_index(const struct dash_frame *f, int64_t id)
{
	for (int i = 0; i < f->ncl; i++)
		if (f->cl[i].id == id)
			return i;
	return -1;
}

/* ---- sites ---- */

int
dash_sites(struct db *db, int64_t review, int offset, int limit, struct dash_site *out, int *n)
{
	static const char sql[] = "SELECT id, code, name, kind FROM site WHERE review_id = ?1"
				  " ORDER BY code, id LIMIT ?2 OFFSET ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = SQLITE_DONE;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int(st, 3, offset);
	while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dash_site *s = &out[(*n)++];

		s->id = sqlite3_column_int64(st, 0);
		snprintf(s->code, sizeof(s->code), "%s", db_col_text(st, 1));
		snprintf(s->name, sizeof(s->name), "%s", db_col_text(st, 2));
		s->district = strcmp(db_col_text(st, 3), "district") == 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? QREL_OK : db_fail(db, "reading the sites");
}

/* ---- cells ---- */

static int
level_of(int level, bool insufficient)
{
	return insufficient ? DASH_NE : level;
}

void
dash_cell_score(struct dash_cell *c, const char *kind, int level, bool insufficient, bool is_rater)
{
	if (strcmp(kind, "consensus") == 0) {
		c->consensus = level_of(level, insufficient);
	} else if (strcmp(kind, "self") == 0) {
		/* Several principals may score a district site: the first stands. */
		if (!c->self)
			c->self = level_of(level, insufficient);
	} else if (insufficient) {
		c->team_ne++;
	} else if (level >= 1 && level <= SCORE_MAX_LEVELS) {
		c->team[level - 1]++;
	}
	if (is_rater && strcmp(kind, "consensus") != 0)
		c->mine = level_of(level, insufficient);
}

int
dash_team_n(const struct dash_cell *c)
{
	int n = 0;

	for (int i = 0; i < SCORE_MAX_LEVELS; i++)
		n += c->team[i];
	return n;
}

/* The k-th (from 0) team level in ascending order. */
static int
team_kth(const struct dash_cell *c, int k)
{
	for (int i = 0; i < SCORE_MAX_LEVELS; i++) {
		if (k < c->team[i])
			return i + 1;
		k -= c->team[i];
	}
	return 0;
}

double
dash_team_median(const struct dash_cell *c)
{
	int n = dash_team_n(c);

	if (!n)
		return 0.0;
	return (team_kth(c, (n - 1) / 2) + team_kth(c, n / 2)) / 2.0;
}

int
dash_team_spread(const struct dash_cell *c)
{
	int n = dash_team_n(c);

	return n < 2 ? -1 : team_kth(c, n - 1) - team_kth(c, 0);
}

bool
dash_to_discuss(const struct dash_cell *c)
{
	struct score_levels l = { .consensus = c->consensus > 0 ? c->consensus : 0 };

	for (int lv = 0; lv < SCORE_MAX_LEVELS; lv++)
		for (int k = 0; k < c->team[lv] && l.nteam < SCORE_MAX_TEAM; k++)
			l.team[l.nteam++] = lv + 1;
	return score_disagree(&l);
}

int
dash_source_count(const struct dash_cell *c)
{
	return __builtin_popcount(c->sources);
}

bool
dash_triangulated(const struct dash_cell *c)
{
	return dash_source_count(c) >= SCORE_TRIANGULATED;
}

int
dash_group_count(const struct dash_cell *c)
{
	return __builtin_popcount(c->groups);
}

void
dash_group_codes(const struct dash_frame *f, const struct dash_cell *c, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < f->ngrp && i < 32 && used < size; i++)
		if (c->groups & (1u << i))
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", f->grp[i].code);
}

void
dash_voice_text(const struct dash_frame *f, const struct dash_cell *c, char *out, size_t size)
{
	char codes[VOICE_LIST_MAX];

	dash_group_codes(f, c, codes, sizeof(codes));
	voice_triangulation_text(dash_source_count(c), dash_group_count(c), codes, out, size);
}

unsigned
dash_group_bits(const struct dash_frame *f, const char *list)
{
	unsigned bits = 0;

	for (int i = 0; i < f->ngrp && i < 32; i++)
		if (str_list_has(list, ',', f->grp[i].code))
			bits |= 1u << i;
	return bits;
}

bool
dash_self_gap(const struct dash_cell *c, double *gap)
{
	if (c->self <= 0 || !dash_team_n(c))
		return false;
	*gap = c->self - dash_team_median(c);
	return true;
}

static const char site_scores_sql[] =
	"SELECT cluster_id, kind, level, insufficient, rater_id FROM score"
	" WHERE site_id = ?1 AND review_id = ?2";
/* Walks the site's notes and looks each one's clusters up: no sort, no temp table. */
static const char site_notes_sql[] =
	"SELECT nc.cluster_id, n.source, n.author_id, " VOICE_NOTE_GROUPS_SQL
	" FROM note n CROSS JOIN note_cluster nc ON nc.note_id = n.id"
	" WHERE n.site_id = ?1 AND n.deleted_at IS NULL";

/* May v read this score row (cluster 0, kind 1, rater 4)? */
static bool
score_visible(struct db *db, const struct vis_viewer *v, int64_t site, sqlite3_stmt *st)
{
	struct vis_at at = { site, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 4) };

	return visibility_sees(db, v, visibility_score_object(db_col_text(st, 1)), &at);
}

void
dash_blind_cells(struct db *db, const struct vis_viewer *v, const struct dash_frame *f, int64_t site,
	    struct dash_cell *row)
{
	for (int c = 0; c < f->ncl; c++) {
		struct vis_at at = { site, f->cl[c].id, 0 };

		if (!visibility_sees(db, v, VIS_AGGREGATE, &at)) {
			memset(row[c].team, 0, sizeof(row[c].team));
			row[c].team_ne = 0;
		}
	}
}

static int
fill_scores(struct db *db, int64_t review, const struct dash_frame *f, int64_t site, int64_t rater,
	    const struct vis_viewer *v, struct dash_cell *row)
{
	sqlite3_stmt *st = db_stmt(db, site_scores_sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = dash_cluster_index(f, sqlite3_column_int64(st, 0));

		if (c >= 0 && score_visible(db, v, site, st))
			dash_cell_score(&row[c], db_col_text(st, 1), sqlite3_column_int(st, 2),
					sqlite3_column_int(st, 3) != 0,
					rater > 0 && sqlite3_column_int64(st, 4) == rater);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, "reading a site's scores");
	dash_blind_cells(db, v, f, site, row);
	return QREL_OK;
}

static int
fill_notes(struct db *db, const struct dash_frame *f, int64_t site, const struct vis_viewer *v,
	   struct dash_cell *row)
{
	sqlite3_stmt *st = db_stmt(db, site_notes_sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = dash_cluster_index(f, sqlite3_column_int64(st, 0));
		struct vis_at at = { site, 0, sqlite3_column_int64(st, 2) };

		if (c >= 0 && visibility_sees(db, v, VIS_NOTE, &at)) {
			row[c].notes++;
			row[c].sources |= dash_source_bit(db_col_text(st, 1));
			row[c].groups |= dash_group_bits(f, (const char *)sqlite3_column_text(st, 3));
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "counting a site's evidence");
}

int
dash_fill(struct db *db, int64_t review, const struct dash_frame *f, const struct dash_site *sites,
	  int n, int64_t rater, const struct vis_viewer *viewer, struct dash_cell *cells)
{
	int rc = QREL_OK;

	memset(cells, 0, (size_t)n * (size_t)f->ncl * sizeof(*cells));
	for (int s = 0; s < n && rc == QREL_OK; s++) {
		struct dash_cell *row = cells + (size_t)s * (size_t)f->ncl;

		rc = fill_scores(db, review, f, sites[s].id, rater, viewer, row);
		if (rc == QREL_OK)
			rc = fill_notes(db, f, sites[s].id, viewer, row);
	}
	return rc;
}

/* ---- agreement ---- */

/* agree_data's clusters are only those someone scored: map them to the frame's. */
static int
cluster_agreement(const struct agree_data *a, int c, int *sub, struct agree_result *out)
{
	size_t row = (size_t)a->raters * sizeof(int);

	for (int s = 0; s < a->nsites; s++)
		memcpy(sub + (size_t)s * (size_t)a->raters,
		       a->scores + ((size_t)s * (size_t)a->nclusters + (size_t)c) * (size_t)a->raters, row);
	if (agree_compute(sub, a->nsites, a->raters, a->levels, out) < 0)
		return error(QREL_NOMEM, "cannot compute agreement");
	return QREL_OK;
}

static int
empty_result(int levels, struct agree_result *out)
{
	int none = 0;

	return agree_compute(&none, 0, 1, levels > 0 ? levels : 1, out) < 0
	       ? error(QREL_NOMEM, "cannot compute agreement") : QREL_OK;
}

int
dash_cluster_agreement(struct db *db, int64_t review, const struct dash_frame *f, const struct vis_viewer *viewer,
		       struct agree_result *out)
{
	struct agree_filter filter = { 0, NULL, viewer };
	struct agree_data a;
	int rc = agree_db_load(db, review, &filter, &a), *sub;

	if (rc != QREL_OK)
		return rc;
	for (int c = 0; c < f->ncl && rc == QREL_OK; c++)
		rc = empty_result(a.levels, &out[c]);
	sub = malloc((size_t)a.nsites * (size_t)a.raters * sizeof(int) + 1);
	if (!sub)
		rc = error(QREL_NOMEM, "out of memory");
	for (int c = 0; c < a.nclusters && rc == QREL_OK; c++) {
		int i = -1;

		for (int k = 0; k < f->ncl && i < 0; k++)
			if (strcmp(f->cl[k].code, a.cluster_code[c]) == 0)
				i = k;
		if (i >= 0)
			rc = cluster_agreement(&a, c, sub, &out[i]);
	}
	free(sub);
	agree_data_free(&a);
	return rc;
}

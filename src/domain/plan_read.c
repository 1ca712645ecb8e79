/* plan_read.c: reading the action plan: rates after suppression, the whole plan
 * (objectives, causes and their links, metrics, steps), pages of steps, a step's
 * history, people, and what a link points at. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/plan.h"
#include "qrel/plan_internal.h"
#include "qrel/risk.h"
#include "qrel/score.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/text.h"
#include "qrel/util.h"

static enum plan_status
status_of(const char *s)
{
	enum plan_status st = PLAN_PLANNED;

	plan_status_parse(s, &st);
	return st;
}

static void *
grow(void *p, int n, size_t size)
{
	void *q = realloc(p, (size_t)(n + 1) * size);

	if (!q)
		error(QREL_NOMEM, "out of memory");
	return q;
}

/* A title from free text: its first sentence, at most cols columns. */
void
plan_title_from(const char *prefix, const char *text, char *out, size_t n)
{
	char buf[512];
	size_t len;
	char *end;

	str_copy(buf, sizeof(buf), text);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if ((end = strstr(buf, ". ")))
		*end = '\0';
	len = text_fit(buf, 72);
	if (buf[len])
		strcpy(buf + len, "...");
	snprintf(out, n, "%s%s", prefix, buf);
}

/* The group in year as its subgroup table shows it, suppressed by
 * subgroup.c's rule (default thresholds, min_display); false when it cannot
 * be read, and then nothing of it may be shown. */
bool
plan_shown_figures(struct db *db, const struct plan_subgroup_ref *r, const char *year, long min_display,
	      struct subgroup_shown *out)
{
	struct subgroup_key k = { .site = r->site, .metric = r->metric };
	struct settings s;
	int rc;

	str_copy(k.year, sizeof(k.year), year);
	str_copy(k.dimension, sizeof(k.dimension), r->dimension);
	settings_default(&s);
	s.min_display = min_display > 0 ? min_display : RISK_DEFAULT_DISPLAY_MIN;
	rc = subgroup_shown_figures(db, &k, r->group, &s, out);
	settings_free(&s);
	return rc == QREL_OK;
}

/* ---- rates ---- */

/* A rate, hidden when its table withholds the count (or cannot be read). */
static void
rate_set(struct plan_rate *r, const char *year, long enrolled, long count, bool withheld)
{
	str_copy(r->year, sizeof(r->year), year);
	r->defined = enrolled > 0;
	r->value = enrolled > 0 && count >= 0 ? (double)count / (double)enrolled : 0.0;
	if (withheld || count < 0) {
		r->hidden = true;
		r->value = 0.0;
	}
}

/* The stored figures alone are a small group (the table decides the rest). */
static bool
primary_hidden(long enrolled, long count, long min_display)
{
	struct risk_group g = { "g", enrolled, count };
	int hidden = 1;

	risk_suppress(&g, 1, min_display > 0 ? min_display : RISK_DEFAULT_DISPLAY_MIN, 0, &hidden);
	return hidden;
}

/* The group's rate in year as its subgroup table shows it. */
static void
rate_shown(struct db *db, struct plan_rate *r, const struct plan_subgroup_ref *ref, const char *year, long min_display)
{
	struct subgroup_shown v = { 0 };
	bool ok = plan_shown_figures(db, ref, year, min_display, &v);

	rate_set(r, year, v.enrolled, v.count, !ok);
	r->defined = ok && v.enrolled > 0;
}

void
plan_rate_text(const struct plan_rate *r, char *buf, size_t size)
{
	if (!r->defined)
		snprintf(buf, size, "no data");
	else if (r->hidden)
		snprintf(buf, size, "suppressed");
	else
		snprintf(buf, size, "%.1f%%", r->value * 100.0);
}

/* The newest year after the baseline with data for the group. */
static int
latest_rate(struct db *db, const struct plan_subgroup_ref *r, long min_display, struct plan_rate *out)
{
	static const char sql[] = "SELECT year, enrolled, count FROM subgroup_row WHERE site_id = ?1 AND year > ?2 "
				  "AND metric_id = ?3 AND dimension = ?4 AND grp = ?5 ORDER BY year DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	char year[16] = "";

	memset(out, 0, sizeof(*out));
	if (!st)
		return QREL_DB;
	plan_bind_ref(st, r);

	if (sqlite3_step(st) == SQLITE_ROW)
		str_copy(year, sizeof(year), db_col_text(st, 0));
	sqlite3_reset(st);
	if (*year)
		rate_shown(db, out, r, year, min_display);
	return QREL_OK;
}

double
plan_metric_progress(const struct plan_metric *m)
{
	double base, latest, target, p;

	if (m->is_cluster) {
		base = m->baseline_level;
		latest = m->latest_level ? m->latest_level : m->baseline_level;
		target = m->target_level;
	} else {
		if (!m->baseline.defined || m->baseline.hidden)
			return -1.0;
		base = m->baseline.value;
		latest = m->latest.defined && !m->latest.hidden ? m->latest.value : base;
		target = m->target;
	}
	if (target == base)
		return 1.0;
	p = (latest - base) / (target - base);
	return p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

/* ---- the plan ---- */

void
plan_doc_free(struct plan_doc *d)
{
	for (int i = 0; i < d->n; i++) {
		struct plan_objective *o = &d->obj[i];

		for (int c = 0; c < o->ncauses; c++) {
			free(o->cause[c].text);
			free(o->cause[c].link);
		}
		free(o->cause);
		free(o->metric);
		free(o->step);
		free(o->title);
		free(o->theory_if);
		free(o->theory_then);
		free(o->stakeholders);
	}
	free(d->obj);
	d->obj = NULL;
	d->n = 0;
}

static int
load_objectives(struct db *db, int64_t review, struct plan_doc *d)
{
	static const char sql[] = "SELECT o.id, o.uuid, o.position, o.title, o.theory_if, o.theory_then, o.stakeholders, "
				  "o.plan_id, coalesce(s.code, '') FROM objective o JOIN plan p ON p.id = o.plan_id "
				  "LEFT JOIN site s ON s.id = p.site_id WHERE p.review_id = ?1 "
				  "ORDER BY p.site_id IS NOT NULL, s.code, o.position, o.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_objective *o, *grown = grow(d->obj, d->n, sizeof(*d->obj));

		if (!grown)
			break;
		d->obj = grown;
		o = memset(&d->obj[d->n++], 0, sizeof(*o));
		o->id = sqlite3_column_int64(st, 0);
		str_copy(o->uuid, sizeof(o->uuid), db_col_text(st, 1));
		o->position = sqlite3_column_int(st, 2);
		o->title = xstrdup(db_col_text(st, 3));
		o->theory_if = xstrdup(db_col_text(st, 4));
		o->theory_then = xstrdup(db_col_text(st, 5));
		o->stakeholders = xstrdup(db_col_text(st, 6));
		o->plan = sqlite3_column_int64(st, 7);
		str_copy(o->scope, sizeof(o->scope), *db_col_text(st, 8) ? db_col_text(st, 8) : "district-wide");
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
}

#define LINK_SELECT \
	"SELECT l.id, l.kind, coalesce(l.note_id, 0), coalesce(ns.code, s.code, ''), coalesce(l.year, ''), " \
	"coalesce(m.name, ''), coalesce(l.dimension, ''), coalesce(l.grp, ''), coalesce(c.code, ''), " \
	"coalesce(c.title, ''), coalesce(n.source, ''), substr(coalesce(n.created_at, ''), 1, 10), " \
	"coalesce(n.text, ''), coalesce(l.site_id, 0), coalesce(l.metric_id, 0), coalesce(l.cluster_id, 0) " \
	"FROM cause_link l LEFT JOIN note n ON n.id = l.note_id LEFT JOIN site ns ON ns.id = n.site_id " \
	"LEFT JOIN site s ON s.id = l.site_id LEFT JOIN metric m ON m.id = l.metric_id " \
	"LEFT JOIN cluster c ON c.id = l.cluster_id "

static void
link_label(struct db *db, sqlite3_stmt *st, long min_display, struct plan_link *l)
{
	const char *kind = db_col_text(st, 1);

	l->id = sqlite3_column_int64(st, 0);
	l->note = sqlite3_column_int64(st, 2);
	if (strcmp(kind, "note") == 0) {
		char text[200];

		l->kind = PLAN_LINK_NOTE;
		plan_title_from("", db_col_text(st, 12), text, sizeof(text));
		snprintf(l->label, sizeof(l->label), "note %s %s %s: %s", db_col_text(st, 3), db_col_text(st, 10),
			 db_col_text(st, 11), text);
	} else if (strcmp(kind, "subgroup") == 0) {
		struct plan_subgroup_ref r = { .site = sqlite3_column_int64(st, 13), .metric = sqlite3_column_int64(st, 14) };
		struct plan_rate rate = { 0 };
		char rt[32];

		l->kind = PLAN_LINK_SUBGROUP;
		str_copy(r.year, sizeof(r.year), db_col_text(st, 4));
		str_copy(r.dimension, sizeof(r.dimension), db_col_text(st, 6));
		str_copy(r.group, sizeof(r.group), db_col_text(st, 7));
		rate_shown(db, &rate, &r, r.year, min_display);
		plan_rate_text(&rate, rt, sizeof(rt));
		snprintf(l->label, sizeof(l->label), "data %s %s: %s, %s (%s) %s", db_col_text(st, 3), r.year,
			 db_col_text(st, 5), r.group, r.dimension, rt);
	} else {
		int lv = score_consensus_level(db, sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 15));

		l->kind = PLAN_LINK_CLUSTER;
		snprintf(l->label, sizeof(l->label), "rubric %s %s %s: consensus %s%.0d", db_col_text(st, 3),
			 db_col_text(st, 8), db_col_text(st, 9), lv ? "level " : "not agreed", lv);
	}
}

static int
load_links(struct db *db, struct plan_cause *c, long min_display)
{
	static const char sql[] = LINK_SELECT "WHERE l.root_cause_id = ?1 ORDER BY l.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, c->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_link *grown = grow(c->link, c->nlinks, sizeof(*c->link));

		if (!grown)
			break;
		c->link = grown;
		memset(&c->link[c->nlinks], 0, sizeof(*c->link));
		link_label(db, st, min_display, &c->link[c->nlinks++]);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
}

static int
load_causes(struct db *db, struct plan_objective *o, long min_display)
{
	static const char sql[] = "SELECT id, uuid, text FROM root_cause WHERE objective_id = ?1 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, o->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_cause *c, *grown = grow(o->cause, o->ncauses, sizeof(*o->cause));

		if (!grown)
			break;
		o->cause = grown;
		c = memset(&o->cause[o->ncauses++], 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		str_copy(c->uuid, sizeof(c->uuid), db_col_text(st, 1));
		c->text = xstrdup(db_col_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
	/* Links are read after the causes: their query may not run while this one steps. */
	for (int i = 0; i < o->ncauses; i++)
		if ((rc = load_links(db, &o->cause[i], min_display)) != QREL_OK)
			return rc;
	return QREL_OK;
}

#define METRIC_SELECT \
	"SELECT t.id, t.uuid, t.kind, s.code, t.site_id, coalesce(t.metric_id, 0), coalesce(m.name, ''), " \
	"coalesce(m.direction, ''), coalesce(t.dimension, ''), coalesce(t.grp, ''), coalesce(t.baseline_year, ''), " \
	"coalesce(t.baseline_enrolled, 0), coalesce(t.baseline_count, 0), coalesce(t.target_value, 0), " \
	"coalesce(t.cluster_id, 0), coalesce(c.code, ''), coalesce(c.title, ''), coalesce(t.baseline_level, 0), " \
	"coalesce(t.target_level, 0) FROM metric_target t JOIN site s ON s.id = t.site_id " \
	"LEFT JOIN metric m ON m.id = t.metric_id LEFT JOIN cluster c ON c.id = t.cluster_id "

/* Reads one metric row; the latest values need other queries and come after. */
static void
metric_row(sqlite3_stmt *st, long min_display, struct plan_metric *m, struct plan_subgroup_ref *r)
{
	m->id = sqlite3_column_int64(st, 0);
	str_copy(m->uuid, sizeof(m->uuid), db_col_text(st, 1));
	m->is_cluster = strcmp(db_col_text(st, 2), "cluster") == 0;
	str_copy(m->site_code, sizeof(m->site_code), db_col_text(st, 3));
	r->site = sqlite3_column_int64(st, 4);
	r->metric = sqlite3_column_int64(st, 5);
	str_copy(r->dimension, sizeof(r->dimension), db_col_text(st, 8));
	str_copy(r->group, sizeof(r->group), db_col_text(st, 9));
	str_copy(r->year, sizeof(r->year), db_col_text(st, 10));
	if (m->is_cluster) {
		snprintf(m->label, sizeof(m->label), "%s %s at %s (consensus level)", db_col_text(st, 15),
			 db_col_text(st, 16), m->site_code);
		m->favourable = true;
		m->baseline_level = sqlite3_column_int(st, 17);
		m->target_level = sqlite3_column_int(st, 18);
		r->metric = sqlite3_column_int64(st, 14);	/* the cluster, for the latest level */
		return;
	}
	snprintf(m->label, sizeof(m->label), "%s, %s (%s) at %s", db_col_text(st, 6), r->group, r->dimension,
		 m->site_code);
	m->favourable = strcmp(db_col_text(st, 7), "favourable") == 0;
	rate_set(&m->baseline, r->year, (long)sqlite3_column_int64(st, 11), (long)sqlite3_column_int64(st, 12),
		 primary_hidden((long)sqlite3_column_int64(st, 11), (long)sqlite3_column_int64(st, 12), min_display));
	m->target = sqlite3_column_double(st, 13);
}

/* The baseline goes when its table withholds the group's count now. */
static int
baseline_withheld(struct db *db, const struct plan_subgroup_ref *r, long min_display, struct plan_metric *m)
{
	struct subgroup_shown v;

	if (!plan_shown_figures(db, r, r->year, min_display, &v) || v.count < 0) {
		m->baseline.hidden = true;
		m->baseline.value = 0.0;
	}
	return QREL_OK;
}

static int
load_metrics(struct db *db, int64_t review, struct plan_objective *o, long min_display)
{
	static const char sql[] = METRIC_SELECT "WHERE t.objective_id = ?1 ORDER BY t.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct plan_subgroup_ref *refs = NULL;
	int rc, levels = store_levels(db, review);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, o->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_metric *grown = grow(o->metric, o->nmetrics, sizeof(*o->metric));
		struct plan_subgroup_ref *rg = grow(refs, o->nmetrics, sizeof(*refs));

		if (grown)
			o->metric = grown;
		if (rg)
			refs = rg;
		if (!grown || !rg)
			break;
		memset(&o->metric[o->nmetrics], 0, sizeof(*o->metric));
		metric_row(st, min_display, &o->metric[o->nmetrics], &refs[o->nmetrics]);
		o->metric[o->nmetrics++].levels = levels;
	}
	sqlite3_reset(st);
	for (int i = 0; rc == SQLITE_DONE && i < o->nmetrics; i++) {
		struct plan_metric *m = &o->metric[i];

		if (m->is_cluster)
			m->latest_level = score_consensus_level(db, refs[i].site, refs[i].metric);
		else if (baseline_withheld(db, &refs[i], min_display, m) == QREL_OK)
			latest_rate(db, &refs[i], min_display, &m->latest);
	}
	free(refs);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
}

static int
load_steps(struct db *db, int64_t review, struct plan_objective *o)
{
	struct plan_step_filter f = { .objective = o->id };
	long long n = plan_steps_count(db, review, &f);
	int got = 0, rc;

	if (n < 0)
		return QREL_DB;
	if (n == 0)
		return QREL_OK;
	if (!(o->step = calloc((size_t)n, sizeof(*o->step))))
		return error(QREL_NOMEM, "out of memory");
	if ((rc = plan_steps_page(db, review, &f, PLAN_SORT_DUE, 0, (int)n, o->step, &got)) != QREL_OK)
		return rc;
	o->nsteps = got;
	for (int i = 0; i < got; i++) {
		o->steps_done += o->step[i].status == PLAN_DONE;
		o->steps_live += o->step[i].status != PLAN_DROPPED;
		o->overdue += o->step[i].overdue;
	}
	return QREL_OK;
}

int
plan_load(struct db *db, int64_t review, long min_display, struct plan_doc *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_objectives(db, review, out)) != QREL_OK)
		goto fail;
	for (int i = 0; i < out->n; i++) {
		if ((rc = load_causes(db, &out->obj[i], min_display)) != QREL_OK ||
		    (rc = load_metrics(db, review, &out->obj[i], min_display)) != QREL_OK ||
		    (rc = load_steps(db, review, &out->obj[i])) != QREL_OK)
			goto fail;
	}
	return QREL_OK;
fail:
	plan_doc_free(out);
	return rc;
}

/* ---- steps ---- */

const char *
plan_sort_name(enum plan_sort s)
{
	static const char *const names[] = { "due date", "lead", "status" };

	return (unsigned)s < PLAN_SORT_COUNT ? names[s] : "?";
}

#define STEP_FROM \
	"FROM step s JOIN objective o ON o.id = s.objective_id JOIN plan pl ON pl.id = o.plan_id " \
	"LEFT JOIN person p ON p.id = s.lead_id WHERE pl.review_id = ?1 AND (?3 IS NULL OR p.name = ?3) " \
	"AND (?4 = 0 OR (s.due < ?2 AND s.status IN ('planned', 'in_progress'))) " \
	"AND (?5 = 0 OR s.objective_id = ?5) "
#define STEP_SELECT \
	"SELECT s.id, s.uuid, s.objective_id, o.position, o.title, s.description, coalesce(p.name, ''), " \
	"s.resources, coalesce(s.starts, ''), coalesce(s.due, ''), s.status, " \
	"(s.due IS NOT NULL AND s.due < ?2 AND s.status IN ('planned', 'in_progress')) " STEP_FROM
#define STEP_PAGE " LIMIT ?6 OFFSET ?7"

static const char *const step_sql[] = {
	[PLAN_SORT_DUE] = STEP_SELECT "ORDER BY s.due IS NULL, s.due, o.position, s.id" STEP_PAGE,
	[PLAN_SORT_LEAD] = STEP_SELECT "ORDER BY p.name IS NULL, p.name, s.due IS NULL, s.due, s.id" STEP_PAGE,
	[PLAN_SORT_STATUS] = STEP_SELECT "ORDER BY CASE s.status WHEN 'in_progress' THEN 0 WHEN 'planned' THEN 1 "
				 "WHEN 'done' THEN 2 ELSE 3 END, s.due IS NULL, s.due, s.id" STEP_PAGE,
};

static void
bind_filter(sqlite3_stmt *st, int64_t review, const struct plan_step_filter *f)
{
	char today[11];

	plan_today(today);
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, today);
	db_bind_text(st, 3, f && f->lead && *f->lead ? f->lead : NULL);
	sqlite3_bind_int(st, 4, f && f->overdue);
	sqlite3_bind_int64(st, 5, f ? f->objective : 0);
}

static void
step_row(sqlite3_stmt *st, struct plan_step *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	str_copy(s->uuid, sizeof(s->uuid), db_col_text(st, 1));
	s->objective = sqlite3_column_int64(st, 2);
	s->objective_position = sqlite3_column_int(st, 3);
	str_copy(s->objective_title, sizeof(s->objective_title), db_col_text(st, 4));
	str_copy(s->description, sizeof(s->description), db_col_text(st, 5));
	str_copy(s->lead, sizeof(s->lead), db_col_text(st, 6));
	str_copy(s->resources, sizeof(s->resources), db_col_text(st, 7));
	str_copy(s->starts, sizeof(s->starts), db_col_text(st, 8));
	str_copy(s->due, sizeof(s->due), db_col_text(st, 9));
	s->status = status_of(db_col_text(st, 10));
	s->overdue = sqlite3_column_int(st, 11) != 0;
}

int
plan_steps_page(struct db *db, int64_t review, const struct plan_step_filter *f, enum plan_sort sort, int offset,
		int limit, struct plan_step *out, int *n)
{
	sqlite3_stmt *st = db_stmt(db, step_sql[(unsigned)sort < PLAN_SORT_COUNT ? sort : PLAN_SORT_DUE]);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	bind_filter(st, review, f);
	sqlite3_bind_int(st, 6, limit);
	sqlite3_bind_int(st, 7, offset);
	while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		step_row(st, &out[(*n)++]);
	sqlite3_reset(st);
	return *n == limit || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the steps");
}

long long
plan_steps_count(struct db *db, int64_t review, const struct plan_step_filter *f)
{
	static const char sql[] = "SELECT count(*) " STEP_FROM;
	sqlite3_stmt *st = db_stmt(db, sql);
	long long v = -1;

	if (!st)
		return -1;
	bind_filter(st, review, f);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
plan_step_history(struct db *db, int64_t step, struct plan_status_entry **out, int *n)
{
	static const char sql[] = "SELECT status, at, who, note FROM step_status WHERE step_id = ?1 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, step);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_status_entry *e, *grown = grow(*out, *n, sizeof(**out));

		if (!grown)
			break;
		*out = grown;
		e = &(*out)[(*n)++];
		e->status = status_of(db_col_text(st, 0));
		str_copy(e->at, sizeof(e->at), db_col_text(st, 1));
		str_copy(e->who, sizeof(e->who), db_col_text(st, 2));
		str_copy(e->note, sizeof(e->note), db_col_text(st, 3));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the history");
}

int
plan_people_match(struct db *db, int64_t review, const char *text, char (*out)[128], int max, int *n)
{
	static const char sql[] = "SELECT name FROM person WHERE review_id = ?1 AND name LIKE '%' || ?2 || '%' "
				  "ESCAPE '\\' ORDER BY name NOT LIKE ?2 || '%' ESCAPE '\\', name LIMIT ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	char pat[256];
	size_t j = 0;

	*n = 0;
	if (!st)
		return QREL_DB;
	/* The user's %, _ and \ are letters, not wildcards. */
	for (const char *p = text ? text : ""; *p && j < sizeof(pat) - 2; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pat[j++] = '\\';
		pat[j++] = *p;
	}
	pat[j] = '\0';
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, pat);
	sqlite3_bind_int(st, 3, max);
	while (*n < max && sqlite3_step(st) == SQLITE_ROW)
		str_copy(out[(*n)++], 128, db_col_text(st, 0));
	sqlite3_reset(st);
	return QREL_OK;
}

/* ---- what a link points at ---- */

/* The note as the evidence module reads it, deleted or not. */
static char *
note_detail(struct db *db, int64_t review, int64_t note)
{
	struct evidence_note n = { 0 };
	char *out = NULL;

	if (evidence_get(db, review, note, &n) != QREL_OK)
		return NULL;
	if (asprintf(&out, "Evidence note %lld: %s, %s, %s, by %s (%s)%s\n\n%s", (long long)note, n.site_code,
		     n.source, n.created_at, n.author, strcmp(n.valence, "growth") == 0 ? "area for growth" : n.valence,
		     n.deleted ? " [deleted]" : "", n.text ? n.text : "") < 0)
		out = NULL;
	evidence_notes_free(&n, 1);
	return out;
}

static char *
subgroup_detail(struct db *db, const struct plan_subgroup_ref *r, const char *label, long min_display)
{
	struct plan_rate g = { 0 }, others = { 0 };
	char gt[32], ot[32], counts[64] = "";
	struct subgroup_shown v = { 0 };
	long e, c;
	char *out = NULL;
	bool ok = plan_shown_figures(db, r, r->year, min_display, &v);

	/* The others are the total less the group: withheld with either. */
	rate_set(&g, r->year, v.enrolled, v.count, !ok);
	rate_set(&others, r->year, v.total_enrolled - v.enrolled, v.total_count - v.count,
		 !ok || v.count < 0 || v.total_count < 0);
	g.defined = ok && v.enrolled > 0;
	others.defined = ok && v.total_enrolled > v.enrolled;
	e = v.enrolled;
	c = v.count;
	plan_rate_text(&g, gt, sizeof(gt));
	plan_rate_text(&others, ot, sizeof(ot));
	if (g.defined && !g.hidden)
		snprintf(counts, sizeof(counts), " (%ld of %ld students)", c, e);
	else if (g.defined)
		snprintf(counts, sizeof(counts), " (%ld students; count withheld)", e);
	if (asprintf(&out, "Subgroup finding: %s\n\n%s: %s%s\nAll other students (%s): %s\n", label, r->group, gt,
		     counts, r->dimension, ot) < 0)
		out = NULL;
	return out;
}

/* The cluster's consensus as the score module reads it. */
static char *
cluster_detail(struct db *db, int64_t site, int64_t cluster, const char *label)
{
	struct score_value v;
	char *out = NULL;

	if (score_consensus(db, site, cluster, &v) != QREL_OK) {
		score_value_free(&v);
		return NULL;
	}
	if (asprintf(&out, "Rubric finding: %s\n\nConsensus: %s%.0d\n%s%s", label, v.level ? "level " : "not agreed yet",
		     v.level, *v.rationale ? "Rationale: " : "", v.rationale) < 0)
		out = NULL;
	score_value_free(&v);
	return out;
}

char *
plan_link_detail(struct db *db, int64_t review, int64_t link, long min_display)
{
	static const char sql[] = LINK_SELECT "JOIN root_cause rc ON rc.id = l.root_cause_id JOIN objective o "
				  "ON o.id = rc.objective_id JOIN plan p ON p.id = o.plan_id WHERE l.id = ?1 AND p.review_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct plan_subgroup_ref r = { 0 };
	struct plan_link l = { 0 };
	int64_t cluster = 0;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, link);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		error(QREL_NOTFOUND, "no link %lld in this review", (long long)link);
		return NULL;
	}
	link_label(db, st, min_display, &l);
	r.site = sqlite3_column_int64(st, 13);
	r.metric = sqlite3_column_int64(st, 14);
	cluster = sqlite3_column_int64(st, 15);
	str_copy(r.year, sizeof(r.year), db_col_text(st, 4));
	str_copy(r.dimension, sizeof(r.dimension), db_col_text(st, 6));
	str_copy(r.group, sizeof(r.group), db_col_text(st, 7));
	sqlite3_reset(st);
	if (l.kind == PLAN_LINK_NOTE)
		return note_detail(db, review, l.note);
	if (l.kind == PLAN_LINK_SUBGROUP)
		return subgroup_detail(db, &r, l.label, min_display);
	return cluster_detail(db, r.site, cluster, l.label);
}

void
plan_metric_cells(const struct plan_metric *m, char *base, char *target, char *latest, size_t n)
{
	if (m->is_cluster) {
		snprintf(base, n, m->baseline_level ? "level %d" : "not agreed", m->baseline_level);
		snprintf(target, n, "level %d", m->target_level);
		snprintf(latest, n, m->latest_level ? "level %d" : "not agreed", m->latest_level);
		return;
	}
	plan_rate_text(&m->baseline, base, n);
	snprintf(target, n, "%.1f%%", m->target * 100.0);
	plan_rate_text(&m->latest, latest, n);
	if (m->baseline.defined)
		snprintf(base + strlen(base), n - strlen(base), " (%s)", m->baseline.year);
	if (!m->latest.defined)
		snprintf(latest, n, "no newer data");
	else
		snprintf(latest + strlen(latest), n - strlen(latest), " (%s)", m->latest.year);
}

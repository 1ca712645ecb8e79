/* subgroup.c: subgroup tables from the store: lists, one suppressed table with flags, trends, peers, corrections and finding notes. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/evidence.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/util.h"

#include <ctype.h>
#include <strings.h>

/* The State's figures for one (year, metric, dimension); names point into name. */
struct state {
	size_t n, cap;
	struct risk_group *g;
	char (*name)[SUBGROUP_TEXT];
};

/* Raw rows of one table, before any statistics. */
struct raw {
	size_t n, cap;
	struct subgroup_entry *e;
	struct risk_group *g;
	struct state state;
};

/* Copies as much of src as fits (a long name is cut, never overflowed). */
static void
copy_text(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	n = n < size ? n : size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
year_number(const char *year)
{
	return atoi(year);	/* the importer checks the four leading digits */
}

/* ---- lists ---- */

int
subgroup_years(struct db *db, int64_t site, char (*out)[SUBGROUP_YEAR], size_t max, size_t *n)
{
	static const char sql[] = "SELECT DISTINCT year FROM subgroup_row WHERE site_id = ?1 ORDER BY year";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		copy_text(out[(*n)++], SUBGROUP_YEAR, db_col_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing school years");
}

static void
metric_from(sqlite3_stmt *st, struct subgroup_metric *m)
{
	m->id = sqlite3_column_int64(st, 0);
	copy_text(m->code, sizeof(m->code), db_col_text(st, 1));
	copy_text(m->name, sizeof(m->name), db_col_text(st, 2));
	m->favourable = strcmp(db_col_text(st, 3), "favourable") == 0;
	m->cluster = sqlite3_column_int64(st, 4);
}

int
subgroup_metrics(struct db *db, int64_t site, struct subgroup_metric *out, size_t max, size_t *n)
{
	static const char sql[] = "SELECT m.id, m.code, m.name, m.direction, coalesce(m.cluster_id, 0) "
				  "FROM metric m WHERE EXISTS (SELECT 1 FROM subgroup_row r "
				  "WHERE r.metric_id = m.id AND r.site_id = ?1) ORDER BY m.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		metric_from(st, &out[(*n)++]);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing metrics");
}

int
subgroup_dimensions(struct db *db, int64_t site, int64_t metric, char (*out)[SUBGROUP_TEXT],
		    size_t max, size_t *n)
{
	static const char sql[] = "SELECT dimension FROM subgroup_row WHERE site_id = ?1 AND metric_id = ?2 "
				  "GROUP BY dimension ORDER BY min(id)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, metric);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		copy_text(out[(*n)++], SUBGROUP_TEXT, db_col_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing dimensions");
}

/* 1 when (site, year, metric, dimension) has rows; year or dimension may be "" for any. */
static int
key_has_rows(struct db *db, const struct subgroup_key *k)
{
	static const char sql[] = "SELECT count(*) FROM (SELECT 1 FROM subgroup_row WHERE site_id = ?1 "
				  "AND (?2 = '' OR year = ?2) AND (?3 = 0 OR metric_id = ?3) "
				  "AND (?4 = '' OR dimension = ?4) LIMIT 1)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int has = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, k->site);
	db_bind_text(st, 2, k->year);
	sqlite3_bind_int64(st, 3, k->metric);
	db_bind_text(st, 4, k->dimension);
	if (sqlite3_step(st) == SQLITE_ROW)
		has = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return has;
}

static int
fix_year(struct db *db, struct subgroup_key *k)
{
	char years[64][SUBGROUP_YEAR];
	size_t n;
	int rc = subgroup_years(db, k->site, years, ARRAY_SIZE(years), &n);

	if (rc != QREL_OK)
		return rc;
	if (!n)
		return error(QREL_NOTFOUND, "no subgroup data at this site");
	for (size_t i = 0; i < n; i++)
		if (strcmp(years[i], k->year) == 0)
			return QREL_OK;
	copy_text(k->year, sizeof(k->year), years[n - 1]);
	return QREL_OK;
}

static int
fix_metric(struct db *db, struct subgroup_key *k)
{
	struct subgroup_metric m[64];
	size_t n;
	int rc;

	if (k->metric && key_has_rows(db, &(struct subgroup_key){ k->site, "", k->metric, "" }) == 1)
		return QREL_OK;
	if ((rc = subgroup_metrics(db, k->site, m, ARRAY_SIZE(m), &n)) != QREL_OK)
		return rc;
	k->metric = n ? m[0].id : 0;
	return QREL_OK;
}

int
subgroup_key_fix(struct db *db, struct subgroup_key *k)
{
	char dims[64][SUBGROUP_TEXT];
	struct subgroup_key any;
	size_t n;
	int rc;

	if ((rc = fix_year(db, k)) != QREL_OK || (rc = fix_metric(db, k)) != QREL_OK)
		return rc;
	any = *k;
	any.year[0] = '\0';
	if (*k->dimension && key_has_rows(db, &any) == 1)
		return QREL_OK;
	if ((rc = subgroup_dimensions(db, k->site, k->metric, dims, ARRAY_SIZE(dims), &n)) != QREL_OK)
		return rc;
	copy_text(k->dimension, sizeof(k->dimension), n ? dims[0] : "");
	return n ? QREL_OK : error(QREL_NOTFOUND, "no subgroup data at this site");
}

/* ---- one table ---- */

static int
raw_grow(struct raw *r)
{
	size_t cap = r->cap ? r->cap * 2 : 16;
	struct subgroup_entry *e = realloc(r->e, cap * sizeof(*e));

	if (!e)
		return error(QREL_NOMEM, "out of memory loading a subgroup table");
	r->e = e;
	r->cap = cap;
	return QREL_OK;
}

static void
raw_free(struct raw *r)
{
	free(r->e);
	free(r->g);
	free(r->state.g);
	free(r->state.name);
	memset(r, 0, sizeof(*r));
}

static int
state_grow(struct state *s)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	struct risk_group *g = realloc(s->g, cap * sizeof(*g));
	char (*name)[SUBGROUP_TEXT];

	if (g)
		s->g = g;
	if (!g || !(name = realloc(s->name, cap * sizeof(*name))))
		return error(QREL_NOMEM, "out of memory loading the state figures");
	s->name = name;
	s->cap = cap;
	return QREL_OK;
}

/* The name array moves as it grows, so the pointers into it are set once
 * every row is read. */
static void
state_names(struct state *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->g[i].name = s->name[i];
}

/* The State's rows for the table's year, metric and dimension (none is fine). */
static int
state_load(struct db *db, const struct subgroup_key *k, struct state *s)
{
	static const char sql[] = "SELECT grp, enrolled, count FROM state_row WHERE review_id = "
				  "(SELECT review_id FROM site WHERE id = ?1) AND year = ?2 AND metric_id = ?3 "
				  "AND dimension = ?4 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = QREL_OK, step;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, k->site);
	db_bind_text(st, 2, k->year);
	sqlite3_bind_int64(st, 3, k->metric);
	db_bind_text(st, 4, k->dimension);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->n == s->cap && (rc = state_grow(s)) != QREL_OK)
			break;
		copy_text(s->name[s->n], SUBGROUP_TEXT, db_col_text(st, 0));
		s->g[s->n++] = (struct risk_group){ NULL, (long)sqlite3_column_int64(st, 1),
			(long)sqlite3_column_int64(st, 2) };
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the state figures");
	sqlite3_reset(st);
	state_names(s);
	return rc;
}

/* The groups as risk_compute wants them; names point into r->e. */
static int
raw_groups(struct raw *r)
{
	r->g = calloc(r->n ? r->n : 1, sizeof(*r->g));
	if (!r->g)
		return error(QREL_NOMEM, "out of memory loading a subgroup table");
	for (size_t i = 0; i < r->n; i++)
		r->g[i] = (struct risk_group){ r->e[i].name, r->e[i].enrolled, r->e[i].count };
	return QREL_OK;
}

static int
raw_load(struct db *db, const struct subgroup_key *k, struct raw *r)
{
	static const char sql[] = "SELECT id, grp, enrolled, count FROM subgroup_row WHERE site_id = ?1 "
				  "AND year = ?2 AND metric_id = ?3 AND dimension = ?4 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = QREL_OK, step;

	memset(r, 0, sizeof(*r));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, k->site);
	db_bind_text(st, 2, k->year);
	sqlite3_bind_int64(st, 3, k->metric);
	db_bind_text(st, 4, k->dimension);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n == r->cap && (rc = raw_grow(r)) != QREL_OK)
			break;
		r->e[r->n] = (struct subgroup_entry){ .id = sqlite3_column_int64(st, 0),
			.enrolled = (long)sqlite3_column_int64(st, 2), .count = (long)sqlite3_column_int64(st, 3) };
		copy_text(r->e[r->n++].name, SUBGROUP_TEXT, db_col_text(st, 1));
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading a subgroup table");
	sqlite3_reset(st);
	if (rc == QREL_OK)
		rc = raw_groups(r);
	if (rc == QREL_OK)
		rc = state_load(db, k, &r->state);
	if (rc != QREL_OK)
		raw_free(r);
	return rc;
}

static void
options_from(struct risk_options *o, const struct settings *s, bool favourable,
	     const struct state *state)
{
	risk_options_default(o);
	o->min_cell = s->min_cell;
	o->min_n = s->min_n;
	o->threshold = s->threshold;
	o->favourable = favourable;
	o->reference = s->reference && *s->reference ? s->reference : NULL;
	o->state = state->n ? state->g : NULL;
	o->nstate = state->n;
}

/* Raw statistics of every row (no suppression), flags for this year only. */
static int
raw_compute(struct raw *r, const struct settings *s, bool favourable)
{
	struct risk_options o;
	struct risk_row *rows = calloc(r->n ? r->n : 1, sizeof(*rows));
	int rc = QREL_OK;

	if (!rows)
		return error(QREL_NOMEM, "out of memory computing a subgroup table");
	options_from(&o, s, favourable, &r->state);
	if (risk_compute(r->g, r->n, &o, rows) != 0)
		rc = error(QREL_PARSE, "the subgroup table or its state figures have invalid counts");
	for (size_t i = 0; rc == QREL_OK && i < r->n; i++) {
		r->e[i].stat = rows[i];
		r->e[i].flagged = rows[i].flagged;
	}
	free(rows);
	return rc;
}

static int
metric_get(struct db *db, int64_t id, struct subgroup_metric *m)
{
	static const char sql[] = "SELECT id, code, name, direction, coalesce(cluster_id, 0) FROM metric "
				  "WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		metric_from(st, m);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return error(QREL_NOTFOUND, "no metric with id %lld", (long long)id);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(db, "reading a metric");
}

/* The group's flag in year y of the table's (site, metric, dimension); a
 * missing year or group is simply left out of the history. */
static int
history_flag(struct db *db, const struct subgroup_key *k, const char *year, const char *group,
	     const struct settings *s, bool favourable, struct risk_year_flag *out)
{
	struct subgroup_key yk = *k;
	struct raw r;
	int rc, found = 0;

	copy_text(yk.year, sizeof(yk.year), year);
	if ((rc = raw_load(db, &yk, &r)) != QREL_OK)
		return rc;
	if ((rc = raw_compute(&r, s, favourable)) == QREL_OK) {
		for (size_t i = 0; i < r.n && !found; i++) {
			if (strcmp(r.e[i].name, group) == 0) {
				*out = (struct risk_year_flag){ year_number(year), r.e[i].flagged };
				found = 1;
			}
		}
	}
	raw_free(&r);
	return rc == QREL_OK ? found : -rc;
}

/* Keeps a row's flag only when it held in each of the last flag_years years. */
static int
sustain_flag(struct db *db, const struct subgroup_key *k, struct subgroup_entry *e,
	     const struct settings *s, bool favourable, char (*years)[SUBGROUP_YEAR], size_t ny)
{
	struct risk_year_flag h[64];
	size_t n = 0;
	int now = year_number(k->year);

	for (size_t y = 0; y < ny && n < ARRAY_SIZE(h); y++) {
		int yn = year_number(years[y]), got;

		if (yn > now || yn <= now - s->flag_years)
			continue;
		if ((got = history_flag(db, k, years[y], e->name, s, favourable, &h[n])) < 0)
			return -got;
		n += (size_t)got;
	}
	e->flagged = risk_flag_sustained(h, n, now, (int)s->flag_years) == 1;
	return QREL_OK;
}

static int
sustain_flags(struct db *db, const struct subgroup_key *k, struct raw *r, const struct settings *s,
	      bool favourable)
{
	char years[64][SUBGROUP_YEAR];
	size_t ny;
	int rc;

	if (s->flag_years <= 1)
		return QREL_OK;
	if ((rc = subgroup_years(db, k->site, years, ARRAY_SIZE(years), &ny)) != QREL_OK)
		return rc;
	for (size_t i = 0; i < r->n && rc == QREL_OK; i++)
		if (r->e[i].flagged)
			rc = sustain_flag(db, k, &r->e[i], s, favourable, years, ny);
	return rc;
}

/* Withholds the count and everything that would give it back; a flag stays,
 * as a finding is never suppressed (the audit below allows for what it says). */
static void
hide_entry(struct subgroup_entry *e)
{
	struct risk_value none = { 0.0, 0 };

	e->hidden = true;
	e->count = -1;
	e->stat.risk = e->stat.comparison_risk = e->stat.ratio = none;
	e->stat.reference_ratio = e->stat.weighted_ratio = none;
	e->stat.outcome_share = e->stat.share_difference = none;
	e->stat.relative_share_difference = e->stat.expected_count = none;
	e->stat.kind = RISK_NOT_CALCULATED;
	e->stat.flagged = e->flagged;
}

/*
 * Complementary suppression. Each step hides the shown row with the smallest
 * count (then enrolment, then the earlier row) among the rows that are not
 * flagged; a flagged row only when no other is left, and then its flag stays.
 * Steps go on while fewer than two rows are hidden, their counts sum to less
 * than min_display, or the audit finds a withheld count that what is shown
 * pins down.
 */
struct hiding {
	const struct raw *r;
	struct risk_options o;		/* no reference: the flag's own test */
	long min_display, total, enrolled;
	int *hidden;
	bool *raw_flag;			/* this year's flag on the raw counts */
};

/* Row i's flag if its count were c and the table's total stayed the same:
 * the comparison group is everything else, so nothing else matters. */
static bool
flag_at(const struct hiding *h, size_t i, long c)
{
	const struct subgroup_entry *e = &h->r->e[i];
	struct risk_group g[2] = { { e->name, e->enrolled, c },
				   { "\x01others", h->enrolled - e->enrolled, h->total - c } };
	struct risk_row out[2];

	return g[1].count >= 0 && risk_compute(g, 2, &h->o, out) == 0 && out[0].flagged;
}

/* The smallest count among shown rows flagged as row i is (LONG_MAX: none):
 * a row hidden as a complement had no more than any of them. */
static long
complement_bound(const struct hiding *h, size_t i)
{
	long m = LONG_MAX;

	for (size_t k = 0; k < h->r->n; k++)
		if (!h->hidden[k] && h->r->e[k].flagged == h->r->e[i].flagged && h->r->e[k].count < m)
			m = h->r->e[k].count;
	return m;
}

/* Which counts row i could have, for all a reader of the table knows:
 * allowed[c] for c in 0..top. */
static void
allowed_counts(const struct hiding *h, size_t i, long top, bool *allowed)
{
	const struct subgroup_entry *e = &h->r->e[i];
	long bound = complement_bound(h, i);

	for (long c = 0; c <= top; c++) {
		bool band = e->enrolled < h->min_display || (c >= 1 && c < h->min_display) || c <= bound;

		allowed[c] = c <= e->enrolled && band && flag_at(h, i, c) == h->raw_flag[i];
	}
}

/* reach becomes every sum of a value in reach and an allowed one, up to top. */
static void
reach_add(bool *reach, const bool *allowed, long top, long *prefix)
{
	prefix[0] = 0;
	for (long s = 0; s <= top; s++)
		prefix[s + 1] = prefix[s] + reach[s];
	for (long s = 0; s <= top; s++)
		reach[s] = false;
	for (long a = 0; a <= top; a++) {
		long b = a;

		if (!allowed[a])
			continue;
		while (b + 1 <= top && allowed[b + 1])
			b++;
		/* values a..b: s is reached when some reach[s - v] held, v in a..b */
		for (long s = a; s <= top; s++) {
			long lo = s - b < 0 ? 0 : s - b, hi = s - a;

			if (prefix[hi + 1] - prefix[lo] > 0)
				reach[s] = true;
		}
		a = b;
	}
}

/* Can row i's count be told from the total and the other hidden rows' limits?
 * True when at most one value fits (a row of no students has nothing to hide). */
static bool
pinned(const struct hiding *h, size_t i, long sum, bool **allowed, bool *reach, long *prefix)
{
	long fits = 0;

	if (h->r->e[i].enrolled == 0)
		return false;
	memset(reach, 0, (size_t)(sum + 1) * sizeof(*reach));
	reach[0] = true;
	for (size_t j = 0; j < h->r->n; j++)
		if (h->hidden[j] && j != i)
			reach_add(reach, allowed[j], sum, prefix);
	for (long c = 0; c <= sum && fits < 2; c++)
		fits += allowed[i][c] && reach[sum - c];
	return fits < 2;
}

static long
hidden_total(const struct hiding *h)
{
	long sum = 0;

	for (size_t i = 0; i < h->r->n; i++)
		if (h->hidden[i])
			sum += h->r->e[i].count;
	return sum;
}

/* 1 when some withheld count can be worked out, 0 when none, -1 out of memory. */
static int
audit(const struct hiding *h)
{
	long sum = hidden_total(h);
	bool **allowed = calloc(h->r->n, sizeof(*allowed));
	bool *reach = malloc((size_t)(sum + 1) * sizeof(*reach));
	long *prefix = malloc((size_t)(sum + 2) * sizeof(*prefix));
	int rc = allowed && reach && prefix ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < h->r->n; i++)
		if (h->hidden[i] && !(allowed[i] = malloc((size_t)(sum + 1) * sizeof(**allowed))))
			rc = -1;
	for (size_t i = 0; rc == 0 && i < h->r->n; i++)
		if (h->hidden[i])
			allowed_counts(h, i, sum, allowed[i]);
	for (size_t i = 0; rc == 0 && i < h->r->n; i++)
		if (h->hidden[i] && pinned(h, i, sum, allowed, reach, prefix))
			rc = 1;
	for (size_t i = 0; allowed && i < h->r->n; i++)
		free(allowed[i]);
	free(allowed);
	free(reach);
	free(prefix);
	return rc;
}

/* The next row to hide as a complement, or n when only flagged rows are left. */
static size_t
next_complement(const struct hiding *h)
{
	size_t best = h->r->n;

	for (size_t i = 0; i < h->r->n; i++) {
		const struct subgroup_entry *e = &h->r->e[i], *b = best < h->r->n ? &h->r->e[best] : NULL;

		if (h->hidden[i] || e->flagged)
			continue;
		if (!b || e->count < b->count || (e->count == b->count && e->enrolled < b->enrolled))
			best = i;
	}
	return best;
}

static bool
flag_hidden(const struct hiding *h)
{
	for (size_t i = 0; i < h->r->n; i++)
		if (h->hidden[i] && h->r->e[i].flagged)
			return true;
	return false;
}

/* Hides complements until nothing withheld can be worked out; QREL_NOTFOUND
 * when that takes a flagged row (a flag and the total can pin its count) or
 * every row is hidden and the total would still give one back. */
static int
complement(struct hiding *h, int *nhidden)
{
	int pins = 0;
	size_t k;

	if (flag_hidden(h))
		return QREL_NOTFOUND;
	while (*nhidden < 2 || hidden_total(h) < h->min_display || (pins = audit(h)) != 0) {
		if (*nhidden >= 2 && hidden_total(h) >= h->min_display && pins < 0)
			return error(QREL_NOMEM, "out of memory suppressing a subgroup table");
		if ((k = next_complement(h)) >= h->r->n)
			return QREL_NOTFOUND;
		h->hidden[k] = 1;
		(*nhidden)++;
	}
	return QREL_OK;
}

static int
hiding_start(struct hiding *h, const struct raw *r, const struct settings *s, bool favourable, int *hidden)
{
	memset(h, 0, sizeof(*h));
	h->r = r;
	h->hidden = hidden;
	h->min_display = s->min_display;
	options_from(&h->o, s, favourable, &r->state);
	h->o.reference = NULL;
	if (!(h->raw_flag = calloc(r->n ? r->n : 1, sizeof(*h->raw_flag))))
		return error(QREL_NOMEM, "out of memory suppressing a subgroup table");
	for (size_t i = 0; i < r->n; i++) {
		h->total += r->e[i].count;
		h->enrolled += r->e[i].enrolled;
	}
	for (size_t i = 0; i < r->n; i++)
		h->raw_flag[i] = flag_at(h, i, r->e[i].count);
	return QREL_OK;
}

static int
suppress(struct raw *r, const struct settings *s, bool favourable, struct subgroup_table *t)
{
	int *hidden = calloc(r->n ? r->n : 1, sizeof(*hidden));
	struct hiding h;
	int rc;

	if (!hidden)
		return error(QREL_NOMEM, "out of memory suppressing a subgroup table");
	if ((rc = hiding_start(&h, r, s, favourable, hidden)) != QREL_OK) {
		free(hidden);
		return rc;
	}
	t->nhidden = risk_suppress(r->g, r->n, s->min_display, 0, hidden);
	if (t->nhidden < 0)
		rc = error(QREL_USAGE, "[privacy] min_display must be at least 1");
	else if (t->nhidden > 0)
		rc = complement(&h, &t->nhidden);
	t->enrolled = h.enrolled;
	t->count = h.total;
	/* A flagged row had to be hidden, or every row is hidden and the total
	 * would still give one back (a single row is its own total): every count
	 * and the total go, and the flags stay. */
	if (rc == QREL_NOTFOUND) {
		for (size_t i = 0; i < r->n; i++)
			hidden[i] = 1;
		t->nhidden = (int)r->n;
		t->count = -1;
		rc = QREL_OK;
	}
	for (size_t i = 0; i < r->n; i++)
		if (hidden[i])
			hide_entry(&r->e[i]);
	free(h.raw_flag);
	free(hidden);
	return rc;
}

/*
 * Values of shown rows that would give a withheld count back. Against a
 * hidden reference group, a shown row's rate over its ratio is the hidden
 * rate, and the enrolment is shown. The weighted ratio of every shown row
 * carries the State-weighted sum of the other groups' rates; with the
 * State's (public) weights and the table total, two hidden rows' counts
 * follow from two equations. So both go whenever their source is hidden.
 */
static void
withhold_derived(struct raw *r, const struct settings *s, struct subgroup_table *t)
{
	struct risk_value none = { 0.0, 0 };
	int ref = -1;

	for (size_t i = 0; s->reference && *s->reference && i < r->n; i++)
		if (strcmp(r->e[i].name, s->reference) == 0)
			ref = (int)i;
	t->reference_withheld = ref >= 0 && r->e[ref].hidden;
	t->weighted_withheld = t->nhidden > 0 && r->state.n > 0;
	for (size_t i = 0; i < r->n; i++) {
		if (t->reference_withheld)
			r->e[i].stat.reference_ratio = none;
		if (t->nhidden > 0)
			r->e[i].stat.weighted_ratio = none;
	}
}

static int
site_describe(struct db *db, struct subgroup_table *t)
{
	static const char sql[] = "SELECT code, name, kind FROM site WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, t->key.site);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		copy_text(t->site_code, sizeof(t->site_code), db_col_text(st, 0));
		copy_text(t->site_name, sizeof(t->site_name), db_col_text(st, 1));
		t->district = strcmp(db_col_text(st, 2), "district") == 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return error(QREL_NOTFOUND, "no site with id %lld", (long long)t->key.site);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(db, "reading a site");
}

int
subgroup_load(struct db *db, const struct subgroup_key *key, const struct settings *s,
	      struct subgroup_table *t)
{
	struct raw r;
	int rc;

	memset(t, 0, sizeof(*t));
	t->key = *key;
	if ((rc = metric_get(db, key->metric, &t->metric)) != QREL_OK ||
	    (rc = site_describe(db, t)) != QREL_OK || (rc = raw_load(db, key, &r)) != QREL_OK)
		return rc;
	if ((rc = raw_compute(&r, s, t->metric.favourable)) == QREL_OK &&
	    (rc = sustain_flags(db, key, &r, s, t->metric.favourable)) == QREL_OK)
		rc = suppress(&r, s, t->metric.favourable, t);
	if (rc == QREL_OK) {
		withhold_derived(&r, s, t);
		copy_text(t->reference, sizeof(t->reference), s->reference);
		t->threshold = s->threshold;
		t->min_display = s->min_display;
		t->nstate = r.state.n;
		t->row = r.e;
		t->n = r.n;
		r.e = NULL;
	}
	raw_free(&r);
	return rc;
}

int
subgroup_from_groups(const struct risk_group *g, size_t n, bool favourable, const struct settings *s,
		     struct subgroup_table *t)
{
	struct raw r = { 0 };
	int rc = QREL_OK;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n && rc == QREL_OK; i++) {
		if (r.n == r.cap && (rc = raw_grow(&r)) != QREL_OK)
			break;
		r.e[r.n] = (struct subgroup_entry){ .enrolled = g[i].enrolled, .count = g[i].count };
		copy_text(r.e[r.n++].name, SUBGROUP_TEXT, g[i].name);
	}
	if (rc == QREL_OK && (rc = raw_groups(&r)) == QREL_OK && (rc = raw_compute(&r, s, favourable)) == QREL_OK)
		rc = suppress(&r, s, favourable, t);
	if (rc == QREL_OK) {
		withhold_derived(&r, s, t);
		t->metric.favourable = favourable;
		t->threshold = s->threshold;
		t->min_display = s->min_display;
		t->row = r.e;
		t->n = r.n;
		r.e = NULL;
	}
	raw_free(&r);
	return rc;
}

void
subgroup_table_free(struct subgroup_table *t)
{
	free(t->row);
	t->row = NULL;
	t->n = 0;
}

int
subgroup_find(const struct subgroup_table *t, const char *group)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->row[i].name, group) == 0)
			return (int)i;
	return -1;
}

int
subgroup_shown_figures(struct db *db, const struct subgroup_key *key, const char *group, const struct settings *s,
		       struct subgroup_shown *out)
{
	struct subgroup_table t;
	int rc = subgroup_load(db, key, s, &t), i;

	memset(out, 0, sizeof(*out));
	if (rc == QREL_OK && (i = subgroup_find(&t, group)) < 0)
		rc = error(QREL_NOTFOUND, "no subgroup data for %s (%s) in %s", group, key->dimension, key->year);
	if (rc == QREL_OK) {
		out->enrolled = t.row[i].enrolled;
		out->count = t.row[i].count;
		out->total_enrolled = t.enrolled;
		out->total_count = t.count;
	}
	subgroup_table_free(&t);
	return rc;
}

/* ---- a group over years and across sites ---- */

static int
point_add(struct subgroup_point **out, size_t *n, const struct subgroup_table *t, const char *label,
	  const char *group)
{
	int i = subgroup_find(t, group);
	struct subgroup_point *p;

	if (i < 0)
		return QREL_OK;
	if (!(p = realloc(*out, (*n + 1) * sizeof(**out))))
		return error(QREL_NOMEM, "out of memory");
	*out = p;
	p = &p[(*n)++];
	memset(p, 0, sizeof(*p));
	copy_text(p->label, sizeof(p->label), label);
	copy_text(p->site_name, sizeof(p->site_name), t->site_name);
	p->site = t->key.site;
	p->entry = t->row[i];
	return QREL_OK;
}

/* Adds group's row of table k to the points, labelled. */
static int
point_load(struct db *db, const struct subgroup_key *k, const char *label, const char *group,
	   const struct settings *s, struct subgroup_point **out, size_t *n)
{
	struct subgroup_table t;
	int rc = subgroup_load(db, k, s, &t);

	if (rc == QREL_OK)
		rc = point_add(out, n, &t, label, group);
	subgroup_table_free(&t);
	return rc;
}

int
subgroup_trend(struct db *db, const struct subgroup_key *key, const char *group,
	       const struct settings *s, struct subgroup_point **out, size_t *n)
{
	char years[64][SUBGROUP_YEAR];
	size_t ny;
	int rc = subgroup_years(db, key->site, years, ARRAY_SIZE(years), &ny);

	*out = NULL;
	*n = 0;
	for (size_t y = 0; rc == QREL_OK && y < ny; y++) {
		struct subgroup_key k = *key;

		copy_text(k.year, sizeof(k.year), years[y]);
		rc = point_load(db, &k, years[y], group, s, out, n);
	}
	if (rc != QREL_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int
sites_with(struct db *db, const struct subgroup_key *key, int64_t *ids, size_t max, size_t *n)
{
	static const char sql[] = "SELECT s.id FROM site s WHERE EXISTS (SELECT 1 FROM subgroup_row r "
				  "WHERE r.site_id = s.id AND r.year = ?1 AND r.metric_id = ?2 "
				  "AND r.dimension = ?3) AND s.review_id = (SELECT review_id FROM site "
				  "WHERE id = ?4) ORDER BY s.code";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, key->year);
	sqlite3_bind_int64(st, 2, key->metric);
	db_bind_text(st, 3, key->dimension);
	sqlite3_bind_int64(st, 4, key->site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing sites");
}

int
subgroup_across_sites(struct db *db, const struct subgroup_key *key, const char *group,
		      const struct settings *s, struct subgroup_point **out, size_t *n)
{
	int64_t ids[256];
	size_t ns;
	int rc = sites_with(db, key, ids, ARRAY_SIZE(ids), &ns);

	*out = NULL;
	*n = 0;
	for (size_t i = 0; rc == QREL_OK && i < ns; i++) {
		struct subgroup_table t;
		struct subgroup_key k = *key;

		k.site = ids[i];
		if ((rc = subgroup_load(db, &k, s, &t)) == QREL_OK)
			rc = point_add(out, n, &t, t.site_code, group);
		subgroup_table_free(&t);
	}
	if (rc != QREL_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- corrections ---- */

struct stored_cell {
	char uuid[UUID_LEN + 1];
	int64_t site;
	long enrolled, count;
};

static int
cell_read(struct db *db, int64_t review, int64_t row, struct stored_cell *c)
{
	static const char sql[] = "SELECT uuid, enrolled, count, site_id FROM subgroup_row WHERE id = ?1 AND review_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		copy_text(c->uuid, sizeof(c->uuid), db_col_text(st, 0));
		c->enrolled = (long)sqlite3_column_int64(st, 1);
		c->count = (long)sqlite3_column_int64(st, 2);
		c->site = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return error(QREL_NOTFOUND, "no subgroup row with id %lld", (long long)row);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(db, "reading a subgroup row");
}

static int
cell_log(struct db *db, int64_t review, const char *who, const char *uuid, const char *field,
	 long old, long new)
{
	char a[24], b[24];

	if (old == new)
		return QREL_OK;
	snprintf(a, sizeof(a), "%ld", old);
	snprintf(b, sizeof(b), "%ld", new);
	return changelog_add(db, review, who, "subgroup_row", uuid, field, a, b, NULL);
}

static int
cell_update(struct db *db, int64_t row, long enrolled, long count)
{
	static const char sql[] = "UPDATE subgroup_row SET enrolled = ?1, count = ?2, updated_at = ?3 "
				  "WHERE id = ?4";
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];

	if (!st)
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, enrolled);
	sqlite3_bind_int64(st, 2, count);
	db_bind_text(st, 3, now);
	sqlite3_bind_int64(st, 4, row);
	return db_step_done(db, st, "correcting a subgroup row");
}

static int
cell_write(struct db *db, int64_t review, int64_t row, long enrolled, long count, const char *who)
{
	struct stored_cell c;
	struct gate_actor a;
	int rc;

	if ((rc = cell_read(db, review, row, &c)) != QREL_OK || (rc = gate_actor(db, review, who, &a)) != QREL_OK ||
	    (rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_DATA, .site = c.site })) != QREL_OK)
		return rc;
	enrolled = enrolled == SUBGROUP_KEEP ? c.enrolled : enrolled;
	count = count == SUBGROUP_KEEP ? c.count : count;
	if (count > enrolled)
		return error(QREL_PARSE, "the count cannot be more than the number enrolled (%ld)", enrolled);
	if (c.enrolled == enrolled && c.count == count)
		return QREL_OK;
	if ((rc = cell_update(db, row, enrolled, count)) != QREL_OK ||
	    (rc = cell_log(db, review, who, c.uuid, "enrolled", c.enrolled, enrolled)) != QREL_OK)
		return rc;
	return cell_log(db, review, who, c.uuid, "count", c.count, count);
}

int
subgroup_set_cell(struct db *db, int64_t review, int64_t row, long enrolled, long count, const char *who)
{
	int rc;

	if ((enrolled < 0 && enrolled != SUBGROUP_KEEP) || (count < 0 && count != SUBGROUP_KEEP))
		return error(QREL_PARSE, "enrolled and count cannot be negative");
	if ((rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = cell_write(db, review, row, enrolled, count, who)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

/* ---- findings and notes ---- */

static bool
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++)
		if (strncasecmp(s, word, n) == 0)
			return true;
	return false;
}

/* "Black or African American" -> "Black or African American students";
 * "Students with disabilities" and "English learners" stay as they are. */
static void
group_label(const char *name, char *buf, size_t size)
{
	if (has_word(name, "student") || has_word(name, "learner"))
		copy_text(buf, size, name);
	else
		snprintf(buf, size, "%s students", name);
}

/* "Out-of-school suspension" -> "out-of-school suspension"; names with
 * capitals inside ("AP course enrolment", "French Immersion") stay. */
static void
metric_label(const char *name, char *buf, size_t size)
{
	copy_text(buf, size, name);
	for (const char *p = name + 1; *p; p++)
		if (isupper((unsigned char)*p))
			return;
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* A flagged row whose counts are withheld: the finding without a figure. */
static void
withheld_finding(const struct subgroup_table *t, const char *group, const char *metric, char *buf,
		 size_t size)
{
	snprintf(buf, size, "%s: %s %s, risk ratio %s %s%.1f (%s, %s); counts withheld to protect privacy "
		 "(groups of fewer than %ld students, and others so that none can be worked out)",
		 group, metric, t->metric.favourable ? "rate flagged as low" : "risk flagged as high",
		 t->metric.favourable ? "below" : "above", t->metric.favourable ? "1/" : "", t->threshold,
		 t->key.year, t->district ? "district" : t->site_name, t->min_display);
}

int
subgroup_finding(const struct subgroup_table *t, size_t i, char *buf, size_t size)
{
	const struct subgroup_entry *e = i < t->n ? &t->row[i] : NULL;
	bool alt;
	char group[SUBGROUP_TEXT + 16], metric[SUBGROUP_TEXT];

	if (!e || !e->flagged || (!e->hidden && (!e->stat.ratio.defined || !e->stat.comparison_risk.defined)))
		return error(QREL_NOTFOUND, "this group is not flagged");
	group_label(e->name, group, sizeof(group));
	metric_label(t->metric.name, metric, sizeof(metric));
	if (e->hidden) {
		withheld_finding(t, group, metric, buf, size);
		return QREL_OK;
	}
	alt = e->stat.kind == RISK_ALTERNATE_RATIO;
	snprintf(buf, size, "%s: %s %s %.1f%% vs %.1f%% for all other students%s (%s %.2f, %s, %s)",
		 group, metric, t->metric.favourable ? "rate" : "risk", 100.0 * e->stat.risk.value,
		 100.0 * e->stat.comparison_risk.value, alt ? " in the state" : "",
		 alt ? "alternate risk ratio" : "risk ratio", e->stat.ratio.value, t->key.year,
		 t->district ? "district" : t->site_name);
	return QREL_OK;
}

int
subgroup_write_note(struct db *db, int64_t review, const struct subgroup_table *t, size_t i,
		    int64_t author, const char *who, int64_t *note)
{
	char text[SUBGROUP_FINDING];
	struct note_input in = {
		.site = t->key.site, .source = "document_review", .valence = "growth", .text = text,
		.cluster = { t->metric.cluster }, .nclusters = 1,
		.dimension = { t->key.dimension }, .group = { t->row[i].name }, .nsubgroups = 1,
	};
	int rc;

	(void)author;	/* the gate in evidence_add decides who may write */
	if (t->metric.cluster <= 0)
		return error(QREL_PARSE, "metric %s has no related cluster to tag the note to "
			     "(set one in the metrics file)", t->metric.code);
	if ((rc = subgroup_finding(t, i, text, sizeof(text))) != QREL_OK)
		return rc;
	/* The evidence layer writes it: tags, subgroup, locks, change log, search index. */
	return evidence_add(db, review, who, &in, note);
}

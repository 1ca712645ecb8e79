/* subgroup.c: subgroup tables from the store: lists, one suppressed table with flags, trends, peers, corrections and finding notes. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/evidence.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/subgroup_kept.h"
#include "qrel/util.h"

#include <ctype.h>
#include <strings.h>

/* The State's figures for one (year, metric, dimension); names point into name. */
struct state {
	size_t n, cap;
	struct risk_group *g;
	char (*name)[SUBGROUP_TEXT];
};

/* Group names, each kept once: a set's 14,000 rows repeat a few names. */
struct names {
	size_t n, cap;
	char (*text)[SUBGROUP_TEXT];
};

/* A row while its table is suppressed: counts and flag, its name an index
 * into the raw's names. Its statistics are computed when its table is taken
 * (table_from): a set's tables are suppressed together, one is shown. */
struct raw_entry {
	int64_t id;		/* subgroup_row.id */
	long enrolled;
	long count;
	int name;
	bool flagged;		/* as subgroup_entry.flagged */
};

/* Raw rows of one table, before any statistics. */
struct raw {
	size_t n, cap;
	struct raw_entry *e;
	struct names *names;	/* the caller's (a set's names are its members'), never freed here */
	struct risk_group *g;
	uint64_t *rank;		/* the complement order (raw_rank), NULL until set */
	struct state state;
	bool shared_state;	/* state is its set's (a copy of the pointers: the set frees it) */
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

/* Each year is one probe of the unique index (a site has thousands of rows
 * and a handful of years): the first, then the least after the last. */
int
subgroup_years(struct db *db, int64_t site, char (*out)[SUBGROUP_YEAR], size_t max, size_t *n)
{
	static const char first[] = "SELECT min(year) FROM subgroup_row WHERE site_id = ?1";
	static const char next[] = "SELECT min(year) FROM subgroup_row WHERE site_id = ?1 AND year > ?2";
	char *last = NULL;	/* the year as stored, uncut, for the next probe */
	int rc = SQLITE_ROW;

	*n = 0;
	while (*n < max && rc == SQLITE_ROW) {
		sqlite3_stmt *st = db_stmt(db, *n ? next : first);

		if (!st) {
			free(last);
			return QREL_DB;
		}
		sqlite3_bind_int64(st, 1, site);
		if (*n)
			db_bind_text(st, 2, last);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL)
			rc = SQLITE_DONE;
		else if (rc == SQLITE_ROW) {
			free(last);
			if (!(last = xstrdup(db_col_text(st, 0))))
				rc = SQLITE_NOMEM;
			else
				copy_text(out[(*n)++], SUBGROUP_YEAR, last);
		}
		sqlite3_reset(st);
	}
	free(last);
	if (rc == SQLITE_NOMEM)
		return error(QREL_NOMEM, "out of memory listing school years");
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
	struct raw_entry *e = realloc(r->e, cap * sizeof(*e));

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
	free(r->rank);
	if (!r->shared_state) {
		free(r->state.g);
		free(r->state.name);
	}
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

static void
names_free(struct names *p)
{
	free(p->text);
	memset(p, 0, sizeof(*p));
}

/* *out: the index of src (cut as a name is) in p, added when new. */
static int
names_index(struct names *p, const char *src, int *out)
{
	char text[SUBGROUP_TEXT];

	copy_text(text, sizeof(text), src);
	for (size_t i = p->n; i-- > 0;)
		if (strcmp(p->text[i], text) == 0) {
			*out = (int)i;
			return QREL_OK;
		}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char (*more)[SUBGROUP_TEXT] = cap <= INT_MAX ? realloc(p->text, cap * sizeof(*more)) : NULL;

		if (!more)
			return error(QREL_NOMEM, "out of memory loading a subgroup table");
		p->text = more;
		p->cap = cap;
	}
	memcpy(p->text[p->n], text, sizeof(text));
	*out = (int)p->n++;
	return QREL_OK;
}

/* Row i's group (the pointer moves when r's names grow). */
static const char *
raw_name(const struct raw *r, size_t i)
{
	return r->names->text[r->e[i].name];
}

/* Appends a row (its name to r's names); r has room. */
static int
raw_add(struct raw *r, int64_t id, const char *name, long enrolled, long count)
{
	int rc;

	r->e[r->n] = (struct raw_entry){ .id = id, .enrolled = enrolled, .count = count };
	if ((rc = names_index(r->names, name, &r->e[r->n].name)) == QREL_OK)
		r->n++;
	return rc;
}

/* Appends the row that st (id, grp, enrolled, count from column first on) is on; r has room. */
static int
raw_row(struct raw *r, sqlite3_stmt *st, int first)
{
	return raw_add(r, sqlite3_column_int64(st, first), db_col_text(st, first + 1),
		       (long)sqlite3_column_int64(st, first + 2), (long)sqlite3_column_int64(st, first + 3));
}

/* The groups as risk_compute wants them, once every row of r's names is
 * read (names point into them). */
static int
raw_groups(struct raw *r)
{
	free(r->g);
	r->g = calloc(r->n ? r->n : 1, sizeof(*r->g));
	if (!r->g)
		return error(QREL_NOMEM, "out of memory loading a subgroup table");
	for (size_t i = 0; i < r->n; i++)
		r->g[i] = (struct risk_group){ raw_name(r, i), r->e[i].enrolled, r->e[i].count };
	return QREL_OK;
}

/*
 * The order complements are taken in: no count decides it, so a reader who
 * replays the rule learns nothing from which rows it took. Row i's place is
 * the FNV-1a hash (hash64) of "SITE|YEAR|METRIC|DIMENSION|GROUP", the site's
 * and the metric's codes (not row ids: every copy of a review suppresses a
 * table alike), smallest first; scope is all before GROUP.
 */
static int
raw_rank(struct raw *r, const char *scope)
{
	char text[SUBGROUP_TEXT * 2 + 128];

	if (!(r->rank = calloc(r->n ? r->n : 1, sizeof(*r->rank))))
		return error(QREL_NOMEM, "out of memory loading a subgroup table");
	for (size_t i = 0; i < r->n; i++) {
		int len = snprintf(text, sizeof(text), "%s%s", scope, raw_name(r, i));

		r->rank[i] = hash64(text, len < (int)sizeof(text) ? (size_t)len : sizeof(text) - 1);
	}
	return QREL_OK;
}

#define SCOPE_SIZE (SUBGROUP_TEXT + 128)

/* "SITE|YEAR|METRIC|DIMENSION|" for raw_rank, cut at SCOPE_SIZE. */
static void
scope_text(char *buf, const char *site, const struct subgroup_key *k, const char *metric)
{
	snprintf(buf, SCOPE_SIZE, "%s|%s|%s|%s|", site, k->year, metric, k->dimension);
}

static int
raw_scope(struct db *db, const struct subgroup_key *k, char *buf)
{
	static const char sql[] = "SELECT (SELECT code FROM site WHERE id = ?1), (SELECT code FROM metric WHERE id = ?2)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, k->site);
	sqlite3_bind_int64(st, 2, k->metric);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		scope_text(buf, db_col_text(st, 0), k, db_col_text(st, 1));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(db, "reading a table's codes");
}

/* The table's rows, read into r (empty). */
static int
raw_read(struct db *db, const struct subgroup_key *k, struct raw *r)
{
	static const char sql[] = "SELECT id, grp, enrolled, count FROM subgroup_row WHERE site_id = ?1 "
				  "AND year = ?2 AND metric_id = ?3 AND dimension = ?4 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = QREL_OK, step;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, k->site);
	db_bind_text(st, 2, k->year);
	sqlite3_bind_int64(st, 3, k->metric);
	db_bind_text(st, 4, k->dimension);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n == r->cap && (rc = raw_grow(r)) != QREL_OK)
			break;
		rc = raw_row(r, st, 0);
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading a subgroup table");
	sqlite3_reset(st);
	return rc;
}

/* The table's rows with their complement order, names into names; no State rows yet. */
static int
raw_table(struct db *db, const struct subgroup_key *k, struct names *names, struct raw *r)
{
	int rc;
	char scope[SCOPE_SIZE];

	memset(r, 0, sizeof(*r));
	r->names = names;
	if ((rc = raw_read(db, k, r)) == QREL_OK && (rc = raw_scope(db, k, scope)) == QREL_OK)
		rc = raw_rank(r, scope);
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

/* Raw statistics of every row (no suppression, flags for this year only)
 * into rows (r->n), from r's groups. */
static int
raw_stats(const struct raw *r, const struct settings *s, bool favourable, struct risk_row *rows)
{
	struct risk_options o;

	options_from(&o, s, favourable, &r->state);
	if (risk_compute(r->g, r->n, &o, rows) != 0)
		return error(QREL_PARSE, "the subgroup table or its state figures have invalid counts");
	return QREL_OK;
}

/* Each row's flag for this year, from its raw statistics. */
static int
raw_compute(struct raw *r, const struct settings *s, bool favourable)
{
	struct risk_row *rows = calloc(r->n ? r->n : 1, sizeof(*rows));
	int rc;

	if (!rows)
		return error(QREL_NOMEM, "out of memory computing a subgroup table");
	rc = raw_stats(r, s, favourable, rows);
	for (size_t i = 0; rc == QREL_OK && i < r->n; i++)
		r->e[i].flagged = rows[i].flagged;
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

/* The State's rows of each year a set's flags look back on, read once for
 * every member (they are the review's, the same for every site). */
struct history {
	size_t n, cap;
	struct history_year {
		char year[SUBGROUP_YEAR];
		struct state state;
	} *y;
};

static void
history_free(struct history *hist)
{
	for (size_t i = 0; i < hist->n; i++) {
		free(hist->y[i].state.g);
		free(hist->y[i].state.name);
	}
	free(hist->y);
	memset(hist, 0, sizeof(*hist));
}

/* yk's State rows, from hist or read into it. */
static int
history_state(struct db *db, struct history *hist, const struct subgroup_key *yk, struct state *out)
{
	struct history_year *y;
	int rc;

	for (size_t i = 0; i < hist->n; i++)
		if (strcmp(hist->y[i].year, yk->year) == 0) {
			*out = hist->y[i].state;
			return QREL_OK;
		}
	if (hist->n == hist->cap) {
		size_t cap = hist->cap ? hist->cap * 2 : 8;

		if (!(y = realloc(hist->y, cap * sizeof(*y))))
			return error(QREL_NOMEM, "out of memory reading earlier years' flags");
		hist->y = y;
		hist->cap = cap;
	}
	y = &hist->y[hist->n];
	memset(y, 0, sizeof(*y));
	copy_text(y->year, sizeof(y->year), yk->year);
	rc = state_load(db, yk, &y->state);
	hist->n++;	/* freed with hist even when the read failed */
	*out = y->state;
	return rc;
}

/* Adds to h[i] row i's flag in year's table of k's (site, metric, dimension),
 * for each row i flagged now; a missing year or group is simply left out.
 * Only flags are wanted: the table needs no complement order. */
static int
history_year(struct db *db, const struct subgroup_key *k, const char *year, const struct raw *r,
	     const struct settings *s, bool favourable, struct history *hist, struct risk_year_flag (*h)[64],
	     size_t *nh)
{
	struct subgroup_key yk = *k;
	struct names names = { 0 };
	struct raw y = { .names = &names, .shared_state = true };
	int rc;

	copy_text(yk.year, sizeof(yk.year), year);
	if ((rc = raw_read(db, &yk, &y)) == QREL_OK && (rc = raw_groups(&y)) == QREL_OK)
		rc = history_state(db, hist, &yk, &y.state);
	if (rc == QREL_OK && (rc = raw_compute(&y, s, favourable)) == QREL_OK) {
		for (size_t i = 0; i < r->n; i++) {
			for (size_t j = 0; r->e[i].flagged && nh[i] < 64 && j < y.n; j++) {
				if (strcmp(raw_name(&y, j), raw_name(r, i)) == 0) {
					h[i][nh[i]++] = (struct risk_year_flag){ year_number(year), y.e[j].flagged };
					break;
				}
			}
		}
	}
	raw_free(&y);
	names_free(&names);
	return rc;
}

/* Keeps a row's flag only when it held in each of the last flag_years
 * years; each year's table is read once for all the rows. */
static int
sustain_flags(struct db *db, const struct subgroup_key *k, struct raw *r, const struct settings *s,
	      bool favourable, struct history *hist)
{
	char years[64][SUBGROUP_YEAR];
	struct risk_year_flag (*h)[64];
	size_t ny, *nh, flagged = 0;
	int rc, now = year_number(k->year);

	for (size_t i = 0; i < r->n; i++)
		flagged += r->e[i].flagged;
	if (s->flag_years <= 1 || !flagged)
		return QREL_OK;
	if ((rc = subgroup_years(db, k->site, years, ARRAY_SIZE(years), &ny)) != QREL_OK)
		return rc;
	h = calloc(r->n, sizeof(*h));
	nh = calloc(r->n, sizeof(*nh));
	if (!h || !nh)
		rc = error(QREL_NOMEM, "out of memory reading earlier years' flags");
	for (size_t y = 0; rc == QREL_OK && y < ny; y++) {
		int yn = year_number(years[y]);

		if (yn <= now && yn > now - s->flag_years)
			rc = history_year(db, k, years[y], r, s, favourable, hist, h, nh);
	}
	for (size_t i = 0; rc == QREL_OK && i < r->n; i++)
		if (r->e[i].flagged)
			r->e[i].flagged = risk_flag_sustained(h[i], nh[i], now, (int)s->flag_years) == 1;
	free(h);
	free(nh);
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
 * Complementary suppression. Each step hides the first shown row that is not
 * flagged in the complement order (raw_rank: no count decides it, so which
 * rows were taken says nothing a replay of the rule could use); a flagged
 * row never (the whole table's counts go instead, flags kept).
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
	bool all;			/* every count withheld, whatever it is */
};

/* Row i's flag if its count were c and the table's total stayed the same:
 * the comparison group is everything else, so nothing else matters. */
static bool
flag_at(const struct hiding *h, size_t i, long c)
{
	const struct raw_entry *e = &h->r->e[i];
	struct risk_group g[2] = { { raw_name(h->r, i), e->enrolled, c },
				   { "\x01others", h->enrolled - e->enrolled, h->total - c } };
	struct risk_row out[2];

	return g[1].count >= 0 && risk_compute(g, 2, &h->o, out) == 0 && out[0].flagged;
}

/* Does row a come before row b in the complement order? */
static bool
ranked_before(const struct raw *r, size_t a, size_t b)
{
	return r->rank[a] < r->rank[b] || (r->rank[a] == r->rank[b] && a < b);
}

/* Could row i be a complement, for a reader who knows the order? Only when
 * it is not flagged and every row not flagged before it in the order is
 * withheld too (complements are taken in order, skipping none). */
static bool
may_be_complement(const struct hiding *h, size_t i)
{
	if (h->r->e[i].flagged)
		return false;
	for (size_t k = 0; k < h->r->n; k++)
		if (!h->hidden[k] && !h->r->e[k].flagged && ranked_before(h->r, k, i))
			return false;
	return true;
}

static bool
in_band(const struct hiding *h, long enrolled, long c)
{
	return enrolled < h->min_display || (c >= 1 && c < h->min_display);
}

/* Which counts row i could have, for all a reader of the table knows:
 * allowed[c] for c in 0..top. */
static void
allowed_counts(const struct hiding *h, size_t i, long top, bool *allowed)
{
	const struct raw_entry *e = &h->r->e[i];
	bool any = h->all || may_be_complement(h, i);

	for (long c = 0; c <= top; c++)
		allowed[c] = c <= e->enrolled && (any || in_band(h, e->enrolled, c)) && flag_at(h, i, c) == h->raw_flag[i];
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

	for (size_t i = 0; i < h->r->n; i++)
		if (!h->hidden[i] && !h->r->e[i].flagged && (best == h->r->n || ranked_before(h->r, i, best)))
			best = i;
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

/* One table of a set while it is suppressed: its rows, what is hidden, and
 * the total count shown (-1 withheld). */
#define HIDE_BARE 2	/* member.hidden: shown, but nothing that compares it with the total */

struct member {
	int64_t site;
	struct raw r;
	struct hiding h;
	int *hidden;		/* 1 withheld; HIDE_BARE (after the set's suppression only) */
	int nhidden;
	long count;
	int *col;		/* the district's row each row adds to, -1 none (schools of a set) */
};

static void
member_free(struct member *m)
{
	raw_free(&m->r);
	free(m->h.raw_flag);
	free(m->hidden);
	free(m->col);
	memset(m, 0, sizeof(*m));
}

/* The table on its own: primary suppression, then complements until its own
 * audit passes. */
static int
suppress(struct member *m, const struct settings *s, bool favourable)
{
	struct raw *r = &m->r;
	int rc;

	if (!(m->hidden = calloc(r->n ? r->n : 1, sizeof(*m->hidden))))
		return error(QREL_NOMEM, "out of memory suppressing a subgroup table");
	if ((rc = hiding_start(&m->h, r, s, favourable, m->hidden)) != QREL_OK)
		return rc;
	m->nhidden = risk_suppress(r->g, r->n, s->min_display, 0, m->hidden);
	if (m->nhidden < 0)
		rc = error(QREL_USAGE, "[privacy] min_display must be at least 1");
	else if (m->nhidden > 0)
		rc = complement(&m->h, &m->nhidden);
	m->count = m->h.total;
	/* A flagged row had to be hidden, or every row is hidden and the total
	 * would still give one back (a single row is its own total): every count
	 * and the total go, and the flags stay. */
	if (rc == QREL_NOTFOUND) {
		for (size_t i = 0; i < r->n; i++)
			m->hidden[i] = 1;
		m->nhidden = (int)r->n;
		m->count = -1;
		m->h.all = true;
		rc = QREL_OK;
	}
	return rc;
}

/* A count shown in a table whose total is withheld: its rate stays, every
 * value that compares it with the total (which would give the total back) goes. */
static void
bare_entry(struct subgroup_entry *e)
{
	struct risk_value none = { 0.0, 0 };

	e->stat.comparison_risk = e->stat.ratio = none;
	e->stat.reference_ratio = e->stat.weighted_ratio = none;
	e->stat.outcome_share = e->stat.share_difference = none;
	e->stat.relative_share_difference = e->stat.expected_count = none;
	e->stat.kind = RISK_NOT_CALCULATED;
	e->stat.flagged = e->flagged;
}

/* Withholds what suppression chose, into the table's rows. */
static void
suppress_apply(const struct member *m, struct subgroup_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (m->hidden[i] == HIDE_BARE)
			bare_entry(&t->row[i]);
		else if (m->hidden[i])
			hide_entry(&t->row[i]);
	t->nhidden = m->nhidden;
	t->enrolled = m->h.enrolled;
	t->count = m->count;
}

/*
 * A district's table and its schools' (same year, metric and dimension)
 * are read together: for each group, the district's count less the
 * schools' is the count of its students at no listed school, between 0 and
 * the district's enrolment less the schools' (0 when the schools make it
 * up). Seen as one grid, with the schools and that rest as rows, the groups
 * and the total as columns and the district's table as the bottom line, a
 * withheld count is safe when a move of +1 and -1 round a cycle of withheld
 * cells through it keeps every shown figure, every withheld count within
 * what the rules allow it (range, primary band, flag, complement order) and
 * every rest within its bounds. The widening reads no count, so which
 * cells it takes says nothing a replay could use: while a withheld count
 * lies on no cycle of withheld cells that can move at all (by the
 * enrolments), one more cell is withheld: in its row when it is alone
 * there, else the same group at another school (not flagged, first in the
 * complement order) or at the district. Then the counts are audited: when
 * one is still safe by no cycle, the district's table and every table of
 * the set that withholds a count are withheld whole (counts and total; the
 * tables that show every count stay shown, spent groups too, and a school's
 * flagged count that was shown, bare), and the
 * widening and the audit run again on what is left; when they are all
 * withheld whole already, or only flagged cells are left to take, every
 * count of the set is withheld (spent groups stay shown).
 */
struct grid_edge {
	int row, col;		/* row: member, or nm the rest; col: district row, nc total, nc+1 none */
	int m, i;		/* the member's row it is, m -1 for a rest or a total */
	int sign;		/* the count's move for the grid's +1 */
	long value, lo, hi;	/* for m -1 */
	bool up, down;		/* can it move by the grid's +1, by -1 */
};

struct grid {
	struct member *m;
	size_t nm, nc, ne, cap;
	struct grid_edge *e;
	bool *seen;		/* vertices: rows 0..nm, then columns */
	int *queue;
	int *start, *adj;	/* the edges at vertex v: adj[start[v]] .. adj[start[v + 1] - 1] */
	bool values;		/* moves by the counts (the final audit), else by the structure alone */
	bool *spent;		/* by district row: its count shown and all in the schools' shown counts */
};

#define GRID_FREE (LONG_MAX / 4)

static int
grid_add(struct grid *g, struct grid_edge e)
{
	struct grid_edge *p = array_grow(g->e, g->ne, &g->cap, sizeof(*p));

	if (!p)
		return error(QREL_NOMEM, "out of memory suppressing subgroup tables");
	g->e = p;
	g->e[g->ne++] = e;
	return QREL_OK;
}

/* The rest of group c: its count (district less schools) and enrolment, -1
 * when the schools' enrolments exceed it (or, auditing the counts, their
 * counts: then nothing bounds it). The widening sees the enrolments only. */
static void
rest_of(const struct grid *g, size_t c, long *count, long *enrolled)
{
	*count = g->m[0].r.e[c].count;
	*enrolled = g->m[0].r.e[c].enrolled;
	for (size_t k = 1; k < g->nm; k++)
		for (size_t i = 0; i < g->m[k].r.n; i++)
			if (g->m[k].col[i] == (int)c) {
				*count -= g->m[k].r.e[i].count;
				*enrolled -= g->m[k].r.e[i].enrolled;
			}
	if (*enrolled < 0 || (g->values && (*count < 0 || *count > *enrolled)))
		*enrolled = -1;
}

static int
grid_rest(struct grid *g)
{
	int rest = (int)g->nm, rc = QREL_OK;
	long sum = 0, top = 0;
	bool any = false;

	for (size_t c = 0; c < g->nc && rc == QREL_OK; c++) {
		long v, e;

		rest_of(g, c, &v, &e);
		if (e == 0 || (g->spent[c] && !g->m[0].hidden[c]))
			continue;
		any = true;
		sum += e < 0 ? 0 : v;
		top = e < 0 || top == GRID_FREE ? GRID_FREE : top + e;
		rc = grid_add(g, (struct grid_edge){ rest, (int)c, -1, 0, 1, e < 0 ? 0 : v,
						     e < 0 ? -GRID_FREE : 0, e < 0 ? GRID_FREE : e, false, false });
	}
	if (rc == QREL_OK && any)
		rc = grid_add(g, (struct grid_edge){ rest, (int)g->nc, -1, 0, -1, sum,
						     top == GRID_FREE ? -GRID_FREE : 0, top, false, false });
	if (rc == QREL_OK)
		rc = grid_add(g, (struct grid_edge){ rest, (int)g->nc + 1, -1, 0, 1, 0, -GRID_FREE, GRID_FREE, false, false });
	return rc;
}

static int grid_index(struct grid *g);

/* The withheld cells as edges between their row and column. */
static int
grid_build(struct grid *g)
{
	int rc = QREL_OK;

	g->ne = 0;
	for (size_t k = 0; k < g->nm && rc == QREL_OK; k++) {
		const struct member *m = &g->m[k];

		for (size_t i = 0; i < m->r.n && rc == QREL_OK; i++) {
			int col = k == 0 ? (int)i : m->col[i] < 0 ? (int)g->nc + 1 : m->col[i];

			if (m->hidden[i])
				rc = grid_add(g, (struct grid_edge){ (int)k, col, (int)k, (int)i, k == 0 ? -1 : 1, 0, 0, 0, false, false });
		}
		if (rc == QREL_OK && m->count < 0)
			rc = grid_add(g, (struct grid_edge){ (int)k, (int)g->nc, -1, 0, k == 0 ? 1 : -1, m->h.total,
							     0, m->h.enrolled, false, false });
	}
	if (rc == QREL_OK)
		rc = grid_rest(g);
	return rc == QREL_OK ? grid_index(g) : rc;
}

/* May row i of a member's table have count c, for all its readers know? */
static bool
cell_allows(const struct hiding *h, size_t i, long c)
{
	const struct raw_entry *e = &h->r->e[i];
	bool band = in_band(h, e->enrolled, e->count);

	if (c < 0 || c > e->enrolled || (!h->all && in_band(h, e->enrolled, c) != band))
		return false;
	return flag_at(h, i, c) == h->raw_flag[i];
}

/* Can edge k move by the grid's d? */
static bool
edge_moves(const struct grid *g, const struct grid_edge *e, long d)
{
	long c;

	if (e->m < 0) {
		c = e->value + e->sign * d;
		return c >= e->lo && c <= e->hi;
	}
	c = g->m[e->m].r.e[e->i].count + e->sign * d;
	return cell_allows(&g->m[e->m].h, (size_t)e->i, c);
}

/*
 * A group is spent when the district's count is shown and the schools'
 * shown counts make it up, no student of the group being at an unlisted
 * school beyond the enrolments (the district's 0 is the plainest case): its
 * withheld school counts are then 0, as the sums say to anyone. Read once,
 * before the set's widening, which never withholds a count of a spent group
 * (so what decided it stays shown).
 */
static void
grid_spent(struct grid *g)
{
	for (size_t c = 0; c < g->nc; c++) {
		const struct raw_entry *d = &g->m[0].r.e[c];
		long left = d->count, room = d->enrolled;
		bool zeros = true;

		for (size_t k = 1; k < g->nm; k++)
			for (size_t i = 0; i < g->m[k].r.n; i++) {
				if (g->m[k].col[i] != (int)c)
					continue;
				room -= g->m[k].r.e[i].enrolled;
				if (g->m[k].hidden[i])
					zeros = zeros && g->m[k].r.e[i].count == 0;
				else
					left -= g->m[k].r.e[i].count;
			}
		g->spent[c] = !g->m[0].hidden[c] && left == 0 && room >= 0 && zeros;
	}
}

/* Is row i of school k (k >= 1) in a spent group? Then it is 0, and says no
 * more than the district and the other schools do: nothing to protect, and
 * no cover for another count. */
static bool
under_district_zero(const struct grid *g, size_t k, size_t i)
{
	int c = g->m[k].col[i];

	return k > 0 && c >= 0 && !g->m[0].hidden[c] && g->spent[c];
}

static bool
zero_by_district(const struct grid *g, const struct grid_edge *e)
{
	return e->m > 0 && under_district_zero(g, (size_t)e->m, (size_t)e->i);
}

/* Can edge e move at all, whatever the counts? A rest or a withheld total
 * with room, or a withheld count of someone enrolled that is not a school's 0
 * under the district's shown 0 (the structure and the enrolments only). */
static bool
edge_free(const struct grid *g, const struct grid_edge *e)
{
	if (e->m < 0)
		return e->lo < e->hi;
	return g->m[e->m].r.e[e->i].enrolled > 0 && !zero_by_district(g, e);
}

/* Each edge's moves, and the edges at each vertex (every BFS walks them;
 * the queue, free until then, is the cursor that fills them). */
static int
grid_index(struct grid *g)
{
	size_t nv = g->nm + 1 + g->nc + 2;
	int rows = (int)g->nm + 1, *start = realloc(g->start, (nv + 1) * sizeof(*start)),
	    *adj = start ? realloc(g->adj, (2 * g->ne + 1) * sizeof(*adj)) : NULL, *fill = g->queue;

	if (start)
		g->start = start;
	if (!start || !adj)
		return error(QREL_NOMEM, "out of memory suppressing subgroup tables");
	g->adj = adj;
	memset(start, 0, (nv + 1) * sizeof(*start));
	for (size_t k = 0; k < g->ne; k++) {
		bool free = edge_free(g, &g->e[k]);

		g->e[k].up = free && (!g->values || edge_moves(g, &g->e[k], 1));
		g->e[k].down = free && (!g->values || edge_moves(g, &g->e[k], -1));
		start[g->e[k].row + 1]++;
		start[rows + g->e[k].col + 1]++;
	}
	for (size_t v = 0; v < nv; v++)
		start[v + 1] += start[v];
	memcpy(fill, start, nv * sizeof(*fill));
	for (size_t k = 0; k < g->ne; k++) {
		adj[fill[g->e[k].row]++] = (int)k;
		adj[fill[rows + g->e[k].col]++] = (int)k;
	}
	return QREL_OK;
}

/* A cycle through edge k with +d on it, -d and +d in turn on the others? */
static bool
grid_cycle(struct grid *g, size_t k, long d)
{
	size_t nv = g->nm + 1 + g->nc + 2, head = 0, tail = 0;
	int rows = (int)g->nm + 1, target = g->e[k].row;

	if (!(d > 0 ? g->e[k].up : g->e[k].down))
		return false;
	memset(g->seen, 0, nv * sizeof(*g->seen));
	g->queue[tail++] = rows + g->e[k].col;
	g->seen[rows + g->e[k].col] = true;
	while (head < tail) {
		int v = g->queue[head++];
		bool at_col = v >= rows;

		for (int a = g->start[v]; a < g->start[v + 1]; a++) {
			const struct grid_edge *e = &g->e[g->adj[a]];
			int to = at_col ? e->row : rows + e->col;

			if ((size_t)g->adj[a] == k || g->seen[to] || !((at_col ? -d : d) > 0 ? e->up : e->down))
				continue;
			if (to == target)
				return true;
			g->seen[to] = true;
			g->queue[tail++] = to;
		}
	}
	return false;
}

/* The vertex at the other end of edge k from v. */
static int
grid_other(const struct grid *g, int v, int k)
{
	int rows = (int)g->nm + 1;

	return v < rows ? rows + g->e[k].col : g->e[k].row;
}

/*
 * The bridges of the edges that move either way (bridge[k]): an edge that
 * moves either way and is no bridge of them lies on a cycle of such edges,
 * which moves by +1 and -1 in turn. One depth-first pass (Tarjan's bridges,
 * iterative) finds every bridge, where a search per edge costs the grid's
 * size each.
 */
static int
grid_bridges(struct grid *g, bool *bridge)
{
	size_t nv = g->nm + 1 + g->nc + 2;
	int *disc = calloc(nv, sizeof(int)), *low = calloc(nv, sizeof(int)), *pe = calloc(nv, sizeof(int)),
	    *it = calloc(nv, sizeof(int)), *stk = calloc(nv, sizeof(int)), t = 0;
	int rc = QREL_OK;

	if (!disc || !low || !pe || !it || !stk)
		rc = error(QREL_NOMEM, "out of memory suppressing subgroup tables");
	for (size_t r = 0; rc == QREL_OK && r < nv; r++) {
		size_t sp = 0;

		if (disc[r])
			continue;
		disc[r] = low[r] = ++t;
		pe[r] = -1;
		it[r] = g->start[r];
		stk[sp++] = (int)r;
		while (sp) {
			int v = stk[sp - 1];

			if (it[v] < g->start[v + 1]) {
				int k = g->adj[it[v]++], w;

				if (!g->e[k].up || !g->e[k].down || k == pe[v])
					continue;
				w = grid_other(g, v, k);
				if (!disc[w]) {
					disc[w] = low[w] = ++t;
					pe[w] = k;
					it[w] = g->start[w];
					stk[sp++] = w;
				} else if (disc[w] < low[v]) {
					low[v] = disc[w];
				}
			} else if (--sp, pe[v] >= 0) {
				int u = grid_other(g, v, pe[v]);

				if (low[v] < low[u])
					low[u] = low[v];
				if (low[v] > disc[u])
					bridge[pe[v]] = true;
			}
		}
	}
	free(disc);
	free(low);
	free(pe);
	free(it);
	free(stk);
	return rc;
}

/* Is edge e a withheld count that needs a cycle (someone enrolled, not a
 * school's 0 of a spent group)? */
static bool
protected_edge(const struct grid *g, const struct grid_edge *e)
{
	return e->m >= 0 && g->m[e->m].r.e[e->i].enrolled > 0 && !zero_by_district(g, e);
}

/*
 * The first withheld count of the set that no cycle can move (*pinned, ne
 * when none). While the widening reads no count an edge moves either way
 * when it is free at all, so the bridges answer alone; auditing the counts,
 * an edge that moves either way and is no bridge of such edges is safe, and
 * each other one is searched for a cycle (grid_cycle).
 */
static int
grid_pinned(struct grid *g, size_t *pinned)
{
	bool *bridge = calloc(g->ne ? g->ne : 1, sizeof(bool));
	int rc = bridge ? grid_bridges(g, bridge) : error(QREL_NOMEM, "out of memory suppressing subgroup tables");

	*pinned = g->ne;
	for (size_t k = 0; rc == QREL_OK && k < g->ne; k++) {
		const struct grid_edge *e = &g->e[k];

		if (!protected_edge(g, e) || (e->up && e->down && !bridge[k]))
			continue;
		if (!g->values || (!grid_cycle(g, k, 1) && !grid_cycle(g, k, -1))) {
			*pinned = k;
			break;
		}
	}
	free(bridge);
	return rc;
}

static size_t
edges_at(const struct grid *g, int row, int col)
{
	size_t n = 0;

	for (size_t k = 0; k < g->ne; k++)
		n += (row >= 0 && g->e[k].row == row) || (col >= 0 && g->e[k].col == col);
	return n;
}

/* Hides row i of member k. */
static void
grid_hide(struct grid *g, size_t k, size_t i)
{
	g->m[k].hidden[i] = 1;
	g->m[k].nhidden++;
}

/* Is row i of member k a count of a spent group (the district's own, or a school's under it)? */
static bool
in_spent(const struct grid *g, size_t k, size_t i)
{
	int c = k == 0 ? (int)i : g->m[k].col[i];

	return c >= 0 && g->spent[c] && !g->m[0].hidden[c];
}

/* The same group at another site: a school first (not flagged, someone
 * enrolled, the first in the complement order), else the district's own
 * row. False when there is none. */
static bool
widen_col(struct grid *g, const struct grid_edge *p)
{
	size_t bk = 0, bi = 0;
	const struct raw_entry *best = NULL;

	if (p->col >= (int)g->nc)
		return false;
	for (size_t k = 1; k < g->nm; k++)
		for (size_t i = 0; i < g->m[k].r.n; i++) {
			const struct raw_entry *e = &g->m[k].r.e[i];

			if (g->m[k].col[i] != p->col || g->m[k].hidden[i] || e->flagged || e->enrolled == 0 ||
			    under_district_zero(g, k, i))
				continue;
			if (!best || g->m[k].r.rank[i] < g->m[bk].r.rank[bi]) {
				best = e;
				bk = k;
				bi = i;
			}
		}
	if (!best && !g->m[0].hidden[p->col] && !g->m[0].r.e[p->col].flagged && !in_spent(g, 0, (size_t)p->col)) {
		best = &g->m[0].r.e[p->col];
		bk = 0;
		bi = (size_t)p->col;
	}
	if (best)
		grid_hide(g, bk, bi);
	return best != NULL;
}

/* Another row of the table: the first in the complement order not flagged,
 * not withheld and not of a spent group. */
static bool
widen_row(struct grid *g, const struct grid_edge *p)
{
	const struct member *m = &g->m[p->m];
	size_t best = m->r.n;

	for (size_t i = 0; i < m->r.n; i++)
		if (!m->hidden[i] && !m->r.e[i].flagged && !in_spent(g, (size_t)p->m, i) &&
		    (best == m->r.n || ranked_before(&m->r, i, best)))
			best = i;
	if (best >= m->r.n)
		return false;
	grid_hide(g, (size_t)p->m, best);
	return true;
}

static bool
widen(struct grid *g, const struct grid_edge *p)
{
	if (edges_at(g, p->row, -1) < 2)
		return widen_row(g, p) || widen_col(g, p);
	return widen_col(g, p) || widen_row(g, p);
}

/* Every count of the set withheld, and every total; the flags stay, and so
 * do the district's counts of spent groups (show_district_zeros shows the
 * schools' 0s under them). */
static void
grid_withhold_all(struct grid *g)
{
	for (size_t k = 0; k < g->nm; k++) {
		for (size_t i = 0; i < g->m[k].r.n; i++)
			if (!g->m[k].hidden[i] && !(k == 0 && in_spent(g, k, i))) {
				g->m[k].hidden[i] = 1;
				g->m[k].nhidden++;
			}
		g->m[k].count = -1;
		g->m[k].h.all = true;
	}
}

/* Member k's table withheld whole (its total, and every count but those of
 * spent groups and, at a school, a flagged group's count it shows: no count
 * decides which, and hiding it would only have its flag pin it), as
 * grid_withhold_all does for the set; false when it already is. */
static bool
grid_withhold_member(struct grid *g, size_t k)
{
	struct member *m = &g->m[k];

	if (m->h.all)
		return false;
	for (size_t i = 0; i < m->r.n; i++)
		if (!m->hidden[i] && !in_spent(g, k, i) && (k == 0 || !m->r.e[i].flagged))
			grid_hide(g, k, i);
	m->count = -1;
	m->h.all = true;
	return true;
}

/* Does member k withhold a count that stays withheld (not a spent group's)? */
static bool
withholds(const struct grid *g, size_t k)
{
	for (size_t i = 0; i < g->m[k].r.n; i++)
		if (g->m[k].hidden[i] && !in_spent(g, k, i))
			return true;
	return false;
}

/* The district's table and every table of the set that withholds a count,
 * withheld whole: the tables that show every count stay as they are, so
 * only whether the audit failed (one answer for the set) decides it, never
 * where; the district's, withheld, gives every cycle a way round the count
 * that failed. False when each already is withheld whole. */
static bool
grid_withhold_touched(struct grid *g)
{
	bool any = false;

	for (size_t k = 0; k < g->nm; k++)
		if ((k == 0 || withholds(g, k)) && grid_withhold_member(g, k))
			any = true;
	return any;
}

/* A school's count of a spent group is shown: it is 0, as the district's
 * and the other schools' figures say, so a "*" there would only pretend to
 * withhold it. The grid never counted on it as cover (it cannot move), so
 * nothing else comes to light. In a table whose total is withheld a count
 * shown is shown bare (HIDE_BARE): the count and its rate, nothing compared
 * with the total. */
static void
show_spent(struct grid *g)
{
	for (size_t k = 1; k < g->nm; k++)
		for (size_t i = 0; i < g->m[k].r.n; i++)
			if (g->m[k].hidden[i] && under_district_zero(g, k, i)) {
				g->m[k].hidden[i] = 0;
				g->m[k].nhidden--;
			}
	for (size_t k = 0; k < g->nm; k++)
		for (size_t i = 0; i < g->m[k].r.n; i++)
			if (g->m[k].h.all && !g->m[k].hidden[i])
				g->m[k].hidden[i] = HIDE_BARE;
}

/* Cross-table complementary suppression of a set (m[0] the district's). */
static int
set_suppress(struct member *m, size_t nm)
{
	struct grid g = { .m = m, .nm = nm, .nc = m[0].r.n };
	size_t nv = nm + 1 + g.nc + 2, k;
	int rc = QREL_OK;

	g.seen = calloc(nv, sizeof(*g.seen));
	g.queue = calloc(nv, sizeof(*g.queue));
	g.spent = calloc(g.nc ? g.nc : 1, sizeof(*g.spent));
	if (!g.seen || !g.queue || !g.spent)
		rc = error(QREL_NOMEM, "out of memory suppressing subgroup tables");
	else
		grid_spent(&g);
	while (rc == QREL_OK) {
		g.values = false;
		while ((rc = grid_build(&g)) == QREL_OK && (rc = grid_pinned(&g, &k)) == QREL_OK &&
		       k < g.ne && widen(&g, &g.e[k]))
			;
		if (rc != QREL_OK)
			break;
		if (k < g.ne) {
			grid_withhold_all(&g);
			break;
		}
		g.values = true;
		if ((rc = grid_build(&g)) != QREL_OK || (rc = grid_pinned(&g, &k)) != QREL_OK || k >= g.ne)
			break;
		if (!grid_withhold_touched(&g)) {
			grid_withhold_all(&g);
			break;
		}
	}
	if (rc == QREL_OK)
		show_spent(&g);
	free(g.e);
	free(g.spent);
	free(g.seen);
	free(g.queue);
	free(g.start);
	free(g.adj);
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
withhold_derived(const struct settings *s, struct subgroup_table *t)
{
	struct risk_value none = { 0.0, 0 };
	int ref = -1;

	for (size_t i = 0; s->reference && *s->reference && i < t->n; i++)
		if (strcmp(t->row[i].name, s->reference) == 0)
			ref = (int)i;
	t->reference_withheld = ref >= 0 && t->row[ref].hidden;
	t->weighted_withheld = t->nhidden > 0 && t->nstate > 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->reference_withheld)
			t->row[i].stat.reference_ratio = none;
		if (t->nhidden > 0)
			t->row[i].stat.weighted_ratio = none;
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

/* ---- a set of tables: the district's and its schools' ---- */

/* ?1 year, ?2 metric, ?3 dimension, ?4 the key's site (for its review). */
static void
key_bind(sqlite3_stmt *st, const struct subgroup_key *key)
{
	db_bind_text(st, 1, key->year);
	sqlite3_bind_int64(st, 2, key->metric);
	db_bind_text(st, 3, key->dimension);
	sqlite3_bind_int64(st, 4, key->site);
}

struct set {
	struct member *m;
	size_t n;
	struct state state;	/* the State's rows for the key, the same for every member */
	struct names names;	/* every member's group names */
	bool fresh;		/* a linked set suppressed here, not yet kept (subgroup_kept.h) */
};

static void
set_free(struct set *set)
{
	for (size_t i = 0; i < set->n; i++)
		member_free(&set->m[i]);
	free(set->m);
	free(set->state.g);
	free(set->state.name);
	names_free(&set->names);
	memset(set, 0, sizeof(*set));
}

/* A member's groups and flags (over years) once its rows are read. */
static int
member_flags(struct db *db, struct member *m, const struct subgroup_key *key, const struct settings *s,
	     bool favourable, struct history *hist)
{
	int rc;

	if ((rc = raw_groups(&m->r)) == QREL_OK && (rc = raw_compute(&m->r, s, favourable)) == QREL_OK)
		rc = sustain_flags(db, key, &m->r, s, favourable, hist);
	return rc;
}

/* Member m takes the rows read into scratch (sized to fit: a set holds
 * thousands of small tables), with their complement order; the groups
 * come once the set's names are all read (member_flags). */
static int
member_rows(struct member *m, const struct raw *scratch, const char *scope)
{
	if (!(m->r.e = malloc((scratch->n ? scratch->n : 1) * sizeof(*m->r.e))))
		return error(QREL_NOMEM, "out of memory loading subgroup tables");
	if (scratch->n)
		memcpy(m->r.e, scratch->e, scratch->n * sizeof(*m->r.e));
	m->r.n = m->r.cap = scratch->n;
	m->r.names = scratch->names;
	return raw_rank(&m->r, scope);
}

/* A new member for site at the end of the set. */
static int
set_add(struct set *set, size_t *cap, int64_t site)
{
	if (set->n == *cap) {
		size_t more = *cap ? *cap * 2 : 64;
		struct member *m = realloc(set->m, more * sizeof(*m));

		if (!m)
			return error(QREL_NOMEM, "out of memory loading subgroup tables");
		set->m = m;
		*cap = more;
	}
	memset(&set->m[set->n], 0, sizeof(*set->m));
	set->m[set->n++].site = site;
	return QREL_OK;
}

/*
 * Every table of the key's year, metric and dimension in the key's review,
 * in one statement: a member for each site with rows, the district first,
 * then by site code. *linked when that is one district and at least one
 * school, key's site among them.
 */
static int
set_rows(struct db *db, const struct subgroup_key *key, struct set *set, bool *linked)
{
	static const char sql[] = "SELECT s.id, s.code, s.kind = 'district', (SELECT code FROM metric WHERE id = ?2), "
				  "r.id, r.grp, r.enrolled, r.count FROM site s JOIN subgroup_row r ON r.site_id = s.id "
				  "AND r.year = ?1 AND r.metric_id = ?2 AND r.dimension = ?3 WHERE s.review_id = "
				  "(SELECT review_id FROM site WHERE id = ?4) ORDER BY s.code, r.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct raw scratch = { .names = &set->names };
	char scope[SCOPE_SIZE] = "";
	size_t cap = 0, district = 0, districts = 0;
	int rc = st ? QREL_OK : QREL_DB, step = SQLITE_DONE;
	bool mine = false;

	if (st)
		key_bind(st, key);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t site = sqlite3_column_int64(st, 0);

		if (!set->n || set->m[set->n - 1].site != site) {
			if (set->n && (rc = member_rows(&set->m[set->n - 1], &scratch, scope)) != QREL_OK)
				break;
			if ((rc = set_add(set, &cap, site)) != QREL_OK)
				break;
			scratch.n = 0;
			scope_text(scope, db_col_text(st, 1), key, db_col_text(st, 3));
			if (sqlite3_column_int(st, 2)) {
				district = set->n - 1;
				districts++;
			}
			mine = mine || site == key->site;
		}
		if (scratch.n == scratch.cap && (rc = raw_grow(&scratch)) != QREL_OK)
			break;
		rc = raw_row(&scratch, st, 4);
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the subgroup tables of a set");
	if (st)
		sqlite3_reset(st);
	if (rc == QREL_OK && set->n)
		rc = member_rows(&set->m[set->n - 1], &scratch, scope);
	free(scratch.e);
	*linked = rc == QREL_OK && set->n >= 2 && districts == 1 && mine;
	if (*linked && district > 0) {
		struct member d = set->m[district];

		memmove(&set->m[1], &set->m[0], district * sizeof(*set->m));
		set->m[0] = d;
	}
	return rc;
}

/* Whether the key's table is one of a set, as set_rows' *linked says,
 * without reading the set: its site has rows, exactly one district has,
 * and some other site has. */
static int
set_linked(struct db *db, const struct subgroup_key *key, bool *linked)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM subgroup_row WHERE site_id = ?4 AND year = ?1 AND "
				  "metric_id = ?2 AND dimension = ?3), "
				  "(SELECT count(*) FROM site s WHERE s.review_id = (SELECT review_id FROM site WHERE id = ?4) "
				  "AND s.kind = 'district' AND EXISTS (SELECT 1 FROM subgroup_row r WHERE r.site_id = s.id AND "
				  "r.year = ?1 AND r.metric_id = ?2 AND r.dimension = ?3)), "
				  "EXISTS (SELECT 1 FROM site s WHERE s.review_id = (SELECT review_id FROM site WHERE id = ?4) "
				  "AND s.id <> ?4 AND EXISTS (SELECT 1 FROM subgroup_row r WHERE r.site_id = s.id AND "
				  "r.year = ?1 AND r.metric_id = ?2 AND r.dimension = ?3))";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*linked = false;
	if (!st)
		return QREL_DB;
	key_bind(st, key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*linked = sqlite3_column_int(st, 0) && sqlite3_column_int64(st, 1) == 1 && sqlite3_column_int(st, 2);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(db, "finding the set of a table");
}

/* Not a set: only the key's own table stays (read on its own when it has no rows). */
static int
set_own(struct db *db, const struct subgroup_key *key, struct set *set)
{
	size_t cap = set->n, own = set->n;

	for (size_t i = 0; i < set->n; i++) {
		if (set->m[i].site == key->site)
			own = i;
		else
			member_free(&set->m[i]);
	}
	if (own < set->n) {
		set->m[0] = set->m[own];
		set->n = 1;
		return QREL_OK;
	}
	set->n = 0;
	if (set_add(set, &cap, key->site) != QREL_OK)
		return QREL_NOMEM;
	return raw_table(db, key, &set->names, &set->m[0].r);
}

/* Each school row's district row, by group (a set's names are each held once). */
static int
member_cols(struct member *m, const struct member *district)
{
	if (!(m->col = calloc(m->r.n ? m->r.n : 1, sizeof(*m->col))))
		return error(QREL_NOMEM, "out of memory suppressing subgroup tables");
	for (size_t i = 0; i < m->r.n; i++) {
		m->col[i] = -1;
		for (size_t c = 0; c < district->r.n && m->col[i] < 0; c++)
			if (m->r.e[i].name == district->r.e[c].name)
				m->col[i] = (int)c;
	}
	return QREL_OK;
}

/*
 * Member m's suppression from its kept pattern p, or false when p does not
 * fit the table as read: another number of rows, a value no suppression
 * writes, a row shown bare under a shown total, or a count the primary rule
 * withholds shown (only a school's 0 may be, in a spent group: show_spent).
 * The counts are only summed, as suppress does.
 */
static bool
kept_apply(struct member *m, const struct kept_pattern *p, long min_display, bool district)
{
	struct raw *r = &m->r;
	int *primary = calloc(r->n ? r->n : 1, sizeof(*primary));
	bool ok = primary && p->n == r->n && (m->hidden = calloc(r->n ? r->n : 1, sizeof(*m->hidden))) &&
		  risk_suppress(r->g, r->n, min_display, 0, primary) >= 0;

	for (size_t i = 0; ok && i < r->n; i++) {
		int v = p->hidden[i];

		ok = v <= HIDE_BARE && (v != HIDE_BARE || p->total_withheld) &&
		     (!primary[i] || v == 1 || (!district && r->e[i].count == 0));
		m->hidden[i] = v;
		m->nhidden += v == 1;
		m->h.total += r->e[i].count;
		m->h.enrolled += r->e[i].enrolled;
	}
	m->count = p->total_withheld ? -1 : m->h.total;
	free(primary);
	return ok;
}

/* Undoes kept_apply: the member as read, to be suppressed. */
static void
member_unkept(struct member *m)
{
	free(m->hidden);
	m->hidden = NULL;
	m->nhidden = 0;
	m->count = 0;
	memset(&m->h, 0, sizeof(m->h));
}

/* The set's suppression from its kept rows, read in one statement, in the
 * caller's snapshot: true when there is a row for every member and no other,
 * and each fits its member (kept_apply); else the members are left as read
 * (the set is computed). m[0] is the district. */
static bool
set_from_kept(struct db *db, const struct subgroup_key *key, const struct settings *s, struct set *set)
{
	struct kept_set k;
	bool ok;

	subgroup_kept_read_set(db, key, s, &k);
	ok = k.n && k.n == set->n;
	for (size_t i = 0; ok && i < set->n; i++) {
		const struct kept_pattern *p = subgroup_kept_find(&k, set->m[i].site);

		ok = p && kept_apply(&set->m[i], p, s->min_display, i == 0);
		subgroup_kept_stats.refused += p && !ok;
	}
	subgroup_kept_set_free(&k);
	for (size_t i = 0; !ok && i < set->n; i++)
		member_unkept(&set->m[i]);
	subgroup_kept_stats.sets_read += ok;
	return ok;
}

/* Suppresses the members as read: each on its own, then together when linked. */
static int
set_compute(struct set *set, const struct settings *s, bool favourable, bool linked)
{
	int rc = QREL_OK;

	for (size_t i = 0; rc == QREL_OK && i < set->n; i++)
		rc = suppress(&set->m[i], s, favourable);
	for (size_t i = 1; linked && rc == QREL_OK && i < set->n; i++)
		rc = member_cols(&set->m[i], &set->m[0]);
	if (linked && rc == QREL_OK)
		rc = set_suppress(set->m, set->n);
	return rc;
}

/* Loads and suppresses the key's table, with the district's and its
 * schools' when they are a set (only that year, metric and dimension).
 * The set is read in one snapshot; the State's rows once for all. With
 * use_kept, a set whose every member has a kept row that fits it takes its
 * suppression from them; else it is computed. */
static int
set_load(struct db *db, const struct subgroup_key *key, const struct settings *s, bool favourable, bool use_kept,
	 struct set *set)
{
	struct history hist = { 0 };
	bool linked = false, kept = false, began;
	int rc = db_read_begin(db, &began);

	/* A table of no set is read on its own, not with every site's. */
	if (rc == QREL_OK && (rc = set_linked(db, key, &linked)) == QREL_OK && linked)
		rc = set_rows(db, key, set, &linked);
	if (rc == QREL_OK && !linked)
		rc = set_own(db, key, set);
	if (rc == QREL_OK)
		rc = state_load(db, key, &set->state);
	for (size_t i = 0; rc == QREL_OK && i < set->n; i++) {
		struct subgroup_key k = *key;

		k.site = set->m[i].site;
		set->m[i].r.state = set->state;
		set->m[i].r.shared_state = true;
		rc = member_flags(db, &set->m[i], &k, s, favourable, &hist);
	}
	if (rc == QREL_OK && linked && use_kept)
		kept = set_from_kept(db, key, s, set);
	db_read_end(db, began);
	history_free(&hist);
	if (rc == QREL_OK && !kept)
		rc = set_compute(set, s, favourable, linked);
	for (size_t i = 0; i < set->n; i++) {
		free(set->m[i].r.g);	/* only its own statistics and suppression read the groups */
		set->m[i].r.g = NULL;
	}
	if (rc != QREL_OK)
		set_free(set);
	set->fresh = linked && !kept && rc == QREL_OK;
	return rc;
}

/* The key's table on its own with its kept suppression, in the caller's
 * snapshot: its rows, the State's, its flags over the years; no other
 * member is read. set->n is 0 when nothing is kept for it, or what is kept
 * does not fit (then the set is loaded whole). */
static int
set_kept(struct db *db, const struct subgroup_key *key, const struct settings *s, bool favourable, bool district,
	 struct set *set)
{
	struct kept_pattern p;
	struct history hist = { 0 };
	struct member *m;
	size_t cap = 0;
	int rc;

	if (!subgroup_kept_read(db, key, s, &p))
		return QREL_OK;
	if ((rc = set_add(set, &cap, key->site)) == QREL_OK) {
		m = &set->m[0];
		m->r.names = &set->names;
		if ((rc = raw_read(db, key, &m->r)) == QREL_OK && (rc = state_load(db, key, &set->state)) == QREL_OK) {
			m->r.state = set->state;
			m->r.shared_state = true;
			rc = member_flags(db, m, key, s, favourable, &hist);
		}
	}
	history_free(&hist);
	if (rc == QREL_OK && !kept_apply(&set->m[0], &p, s->min_display, district)) {
		subgroup_kept_stats.refused++;
		set_free(set);
	} else if (rc == QREL_OK) {
		subgroup_kept_stats.hits++;
		free(set->m[0].r.g);	/* table_from makes them again */
		set->m[0].r.g = NULL;
	}
	free(p.hidden);
	if (rc != QREL_OK)
		set_free(set);
	return rc;
}

/* Keeps a set just suppressed (subgroup_kept_write says when it writes). */
static void
set_keep(struct db *db, const struct subgroup_key *key, const struct settings *s, const struct set *set,
	 long long data_version)
{
	struct kept_member *k = calloc(set->n ? set->n : 1, sizeof(*k));

	for (size_t i = 0; k && i < set->n; i++) {
		if (!set->m[i].hidden) {
			free(k);
			return;
		}
		k[i] = (struct kept_member){ set->m[i].site, set->m[i].hidden, set->m[i].r.n, set->m[i].count < 0 };
	}
	if (k)
		subgroup_kept_write(db, key, s, data_version, k, set->n);
	free(k);
}

/* Member m of a loaded set as the table t (key, metric and site already in
 * t): its rows with their statistics, computed again here from the same
 * counts and State rows (a set keeps only counts and flags, and most of its
 * tables are never shown), less what suppression withheld. m is taken (its
 * rows freed). */
static int
table_from(struct member *m, const struct settings *s, struct subgroup_table *t)
{
	struct raw *r = &m->r;
	struct risk_row *stat = calloc(r->n ? r->n : 1, sizeof(*stat));
	int rc = QREL_OK;

	if (!stat || !(t->row = calloc(r->n ? r->n : 1, sizeof(*t->row))))
		rc = error(QREL_NOMEM, "out of memory loading a subgroup table");
	if (rc == QREL_OK && (rc = raw_groups(r)) == QREL_OK)
		rc = raw_stats(r, s, t->metric.favourable, stat);
	for (size_t i = 0; rc == QREL_OK && i < r->n; i++) {
		t->row[i] = (struct subgroup_entry){ .id = r->e[i].id, .enrolled = r->e[i].enrolled,
			.count = r->e[i].count, .stat = stat[i], .flagged = r->e[i].flagged };
		copy_text(t->row[i].name, SUBGROUP_TEXT, raw_name(r, i));
	}
	free(stat);
	free(r->g);
	r->g = NULL;
	if (rc != QREL_OK) {
		free(t->row);
		t->row = NULL;
		return rc;
	}
	t->n = r->n;
	t->nstate = r->state.n;
	suppress_apply(m, t);
	withhold_derived(s, t);
	copy_text(t->reference, sizeof(t->reference), s->reference);
	t->threshold = s->threshold;
	t->min_display = s->min_display;
	free(r->e);
	r->e = NULL;
	return QREL_OK;
}

static int
table_head(struct db *db, const struct subgroup_key *key, struct subgroup_table *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->key = *key;
	if ((rc = metric_get(db, key->metric, &t->metric)) == QREL_OK)
		rc = site_describe(db, t);
	return rc;
}

/* The set last loaded, for callers that load many tables of one set in a row. */
struct subgroup_sets {
	struct set set;
	struct subgroup_key key;	/* its year, metric and dimension */
	const struct settings *s;
	bool kept;		/* one table wanted: take its kept suppression when there is one */
};

struct subgroup_sets *
subgroup_sets_new(void)
{
	return calloc(1, sizeof(struct subgroup_sets));
}

void
subgroup_sets_free(struct subgroup_sets *c)
{
	if (c)
		set_free(&c->set);
	free(c);
}

/* The member of c's set for key's site, its table not yet taken; NULL when
 * the set is another's (or that member was taken). */
static struct member *
sets_member(struct subgroup_sets *c, const struct subgroup_key *key, const struct settings *s)
{
	if (c->s != s || c->key.metric != key->metric || strcmp(c->key.year, key->year) != 0 ||
	    strcmp(c->key.dimension, key->dimension) != 0)
		return NULL;
	for (size_t i = 0; i < c->set.n; i++)
		if (c->set.m[i].site == key->site)
			return c->set.m[i].r.e ? &c->set.m[i] : NULL;
	return NULL;
}

/* subgroup_load_in in the caller's snapshot. */
static int
load_in(struct db *db, const struct subgroup_key *key, const struct settings *s, struct subgroup_sets *c,
	struct subgroup_table *t)
{
	struct member *m;
	int rc;

	if ((rc = table_head(db, key, t)) != QREL_OK)
		return rc;
	if (!(m = sets_member(c, key, s))) {
		set_free(&c->set);
		c->s = NULL;
		/* The key's suppression kept from an earlier load spares reading its
		 * set; a caller taking many tables reads each set once instead, its
		 * suppression kept or computed. When the key's own row was missing
		 * or refused, the set's cannot all fit. */
		if ((c->kept && (rc = set_kept(db, key, s, t->metric.favourable, t->district, &c->set)) != QREL_OK) ||
		    (!c->set.n && (rc = set_load(db, key, s, t->metric.favourable, !c->kept, &c->set)) != QREL_OK))
			return rc;
		c->key = *key;
		c->s = s;
		m = sets_member(c, key, s);
	}
	return m ? table_from(m, s, t) : QREL_OK;
}

/* Ends the snapshot of a load into c (began: this call began it) and keeps
 * the set it suppressed, once the snapshot is over and only when this call
 * began it (a caller's transaction is the caller's). */
static void
load_end(struct db *db, bool began, int rc, const struct settings *s, struct subgroup_sets *c)
{
	long long version = -1;

	if (rc == QREL_OK && began && c->set.fresh && !db_readonly(db))
		version = db_int(db, "PRAGMA data_version");
	db_read_end(db, began);
	if (version >= 0)
		set_keep(db, &c->key, s, &c->set, version);
	c->set.fresh = false;
}

int
subgroup_load_in(struct db *db, const struct subgroup_key *key, const struct settings *s,
		 struct subgroup_sets *c, struct subgroup_table *t)
{
	bool began;
	int rc = db_read_begin(db, &began);

	if (rc == QREL_OK)
		rc = load_in(db, key, s, c, t);
	load_end(db, began, rc, s, c);
	return rc;
}

int
subgroup_load(struct db *db, const struct subgroup_key *key, const struct settings *s,
	      struct subgroup_table *t)
{
	struct subgroup_sets c = { .kept = true };
	int rc = subgroup_load_in(db, key, s, &c, t);

	set_free(&c.set);
	return rc;
}

/* A table made of groups already summed (the hub's portfolio): the same
 * computation and suppression as a table of the review, on its own. */
int
subgroup_from_groups(const struct risk_group *g, size_t n, bool favourable, const struct settings *s,
		     struct subgroup_table *t)
{
	struct names names = { 0 };
	struct member m = { .r.names = &names };
	int rc = QREL_OK;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n && rc == QREL_OK; i++) {
		if (m.r.n == m.r.cap && (rc = raw_grow(&m.r)) != QREL_OK)
			break;
		rc = raw_add(&m.r, 0, g[i].name, g[i].enrolled, g[i].count);
	}
	if (rc == QREL_OK && (rc = raw_groups(&m.r)) == QREL_OK && (rc = raw_rank(&m.r, "")) == QREL_OK &&
	    (rc = raw_compute(&m.r, s, favourable)) == QREL_OK)
		rc = suppress(&m, s, favourable);
	if (rc == QREL_OK) {
		t->metric.favourable = favourable;
		rc = table_from(&m, s, t);
	}
	member_free(&m);
	names_free(&names);
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

/* subgroup_across_sites in the caller's snapshot: each site's table as
 * subgroup_load gives it, through c: from its kept row, or from its set
 * loaded once for every site; the sites after the last point are not read. */
static int
across_sites(struct db *db, const struct subgroup_key *key, const char *group, const struct settings *s,
	     size_t max, struct subgroup_sets *c, struct subgroup_point **out, size_t *n)
{
	struct kept_walk w = { 0 };
	int64_t site;
	int rc = QREL_OK;

	while (rc == QREL_OK && *n < max && (rc = subgroup_kept_walk(db, key, s, &w, &site)) == QREL_OK && site) {
		struct subgroup_key k = *key;
		struct subgroup_table t;

		k.site = site;
		if ((rc = load_in(db, &k, s, c, &t)) == QREL_OK)
			rc = point_add(out, n, &t, t.site_code, group);
		subgroup_table_free(&t);
	}
	subgroup_kept_walk_end(&w);
	return rc;
}

int
subgroup_across_sites(struct db *db, const struct subgroup_key *key, const char *group,
		      const struct settings *s, size_t max, struct subgroup_point **out, size_t *n)
{
	struct subgroup_sets c = { .kept = true };
	bool began;
	int rc = db_read_begin(db, &began);

	*out = NULL;
	*n = 0;
	if (rc == QREL_OK)
		rc = across_sites(db, key, group, s, max, &c, out, n);
	load_end(db, began, rc, s, &c);
	set_free(&c.set);
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

	bool bare = e && !e->hidden && t->count < 0 && e->stat.risk.defined && !e->stat.ratio.defined;

	if (!e || !e->flagged ||
	    (!e->hidden && !bare && (!e->stat.ratio.defined || !e->stat.comparison_risk.defined)))
		return error(QREL_NOTFOUND, "this group is not flagged");
	group_label(e->name, group, sizeof(group));
	metric_label(t->metric.name, metric, sizeof(metric));
	if (e->hidden) {
		withheld_finding(t, group, metric, buf, size);
		return QREL_OK;
	}
	if (bare) {
		/* Its count and rate shown, the table's total withheld: the flag
		 * stays, without what compares the group with the others. */
		snprintf(buf, size, "%s: %s %s %.1f%%, %s, risk ratio %s %s%.1f (%s, %s); the other students' "
			 "rate and the ratio withheld to protect privacy", group, metric,
			 t->metric.favourable ? "rate" : "risk", 100.0 * e->stat.risk.value,
			 t->metric.favourable ? "flagged as low" : "flagged as high",
			 t->metric.favourable ? "below" : "above", t->metric.favourable ? "1/" : "", t->threshold,
			 t->key.year, t->district ? "district" : t->site_name);
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

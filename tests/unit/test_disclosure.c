/* test_disclosure.c: brute force over every subgroup table of the sample and over random tables: no withheld count can be worked out from what a table shows, or from the sums of a district's table and its schools', and no flag is lost to suppression. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "qrel/changes.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/import.h"
#include "qrel/plan.h"
#include "qrel/review.h"
#include "qrel/risk.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"

/*
 * The attacker knows the rules (this file's subgroup.h) and sees everything
 * a table hands out: enrolments, shown counts, totals, rates, shares,
 * expected counts, every kind of ratio, flags, the finding sentences and
 * which rows are hidden. A withheld count is safe when some other set of
 * counts for the hidden rows, with the same total, makes subgroup_load hand
 * out exactly the same table: then what is shown cannot tell the two apart.
 * Every output (screen, report HTML/Markdown/CSV/JSON, workbook) is written
 * from that table, so nothing else needs trying.
 */

#define MAX_ROWS 16
#define PAIR_STEPS 12		/* move up to this many between two hidden rows */
#define LOOSE_STEPS 100	/* and, with the total withheld, another row by up to this many */
#define SEARCH_LEAVES 20000	/* then try whole assignments, up to this many */
#define RANDOM_TABLES 1000
#define LINKED_SETS 150

struct fx {
	struct sample x;	/* the sample review */
	long tables, hidden, flagged_hidden, searched;
	long replayed, replay_loads, fewest_values;	/* replay_every (fewest_values 0: none yet) */
};

struct raw_table {
	struct subgroup_key key;
	size_t n;
	int64_t id[MAX_ROWS];
	char name[MAX_ROWS][SUBGROUP_TEXT];
	long enrolled[MAX_ROWS], count[MAX_ROWS];
	struct risk_group state[MAX_ROWS];
	char state_name[MAX_ROWS][SUBGROUP_TEXT];
	size_t nstate;
	bool favourable;
};

/* ---- fixture ---- */

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sample_open(&f->x, "/tmp/qrel-test-disclosure.XXXXXX") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc = sample_close(&f->x);
	free(f);
	return rc;
}

/* ---- what a table shows ---- */

struct text {
	char *s;
	size_t n, cap;
};

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->n + (size_t)need + 1 > t->cap) {
		t->cap = (t->n + (size_t)need + 1) * 2;
		assert_non_null(t->s = realloc(t->s, t->cap));
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
	va_end(ap);
	t->n += (size_t)need;
}

static void
put_value(struct text *t, struct risk_value v)
{
	if (v.defined)
		put(t, "|%.9g", v.value);
	else
		put(t, "|-");
}

/* Everything subgroup_load hands out, as one string. */
static char *
shown(const struct subgroup_table *tb)
{
	struct text t = { 0 };
	char finding[SUBGROUP_FINDING];

	put(&t, "n%zu h%d e%ld c%ld r%d w%d\n", tb->n, tb->nhidden, tb->enrolled, tb->count,
	    tb->reference_withheld, tb->weighted_withheld);
	for (size_t i = 0; i < tb->n; i++) {
		const struct subgroup_entry *e = &tb->row[i];
		const struct risk_row *r = &e->stat;

		put(&t, "%s|%ld|%ld|%d|%d|%d|%d", e->name, e->enrolled, e->count, e->hidden, e->flagged, r->kind,
		    r->flagged);
		put_value(&t, r->risk);
		put_value(&t, r->comparison_risk);
		put_value(&t, r->ratio);
		put_value(&t, r->reference_ratio);
		put_value(&t, r->weighted_ratio);
		put_value(&t, r->outcome_share);
		put_value(&t, r->enrolled_share);
		put_value(&t, r->share_difference);
		put_value(&t, r->relative_share_difference);
		put_value(&t, r->expected_count);
		if (subgroup_finding(tb, i, finding, sizeof(finding)) == QREL_OK)
			put(&t, "|%s", finding);
		put(&t, "\n");
	}
	return t.s;
}

/* ---- the store ---- */

static void
raw_read(struct fx *f, struct raw_table *r)
{
	static const char rows[] = "SELECT id, grp, enrolled, count FROM subgroup_row WHERE site_id = ?1 AND "
				   "year = ?2 AND metric_id = ?3 AND dimension = ?4 ORDER BY id";
	static const char state[] = "SELECT grp, enrolled, count FROM state_row WHERE review_id = ?5 AND "
				    "year = ?2 AND metric_id = ?3 AND dimension = ?4 ORDER BY id";
	static const char dir[] = "SELECT direction = 'favourable' FROM metric WHERE id = ?3";
	const char *sql[] = { rows, state, dir };

	r->n = r->nstate = 0;
	for (int q = 0; q < 3; q++) {
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), sql[q], -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, r->key.site);
		sqlite3_bind_text(st, 2, r->key.year, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->key.metric);
		sqlite3_bind_text(st, 4, r->key.dimension, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, f->x.review);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (q == 0) {
				assert_true(r->n < MAX_ROWS);
				r->id[r->n] = sqlite3_column_int64(st, 0);
				snprintf(r->name[r->n], SUBGROUP_TEXT, "%s", (const char *)sqlite3_column_text(st, 1));
				r->enrolled[r->n] = sqlite3_column_int64(st, 2);
				r->count[r->n++] = sqlite3_column_int64(st, 3);
			} else if (q == 1) {
				assert_true(r->nstate < MAX_ROWS);
				snprintf(r->state_name[r->nstate], SUBGROUP_TEXT, "%s",
					 (const char *)sqlite3_column_text(st, 0));
				r->state[r->nstate] = (struct risk_group){ r->state_name[r->nstate],
					sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2) };
				r->nstate++;
			} else {
				r->favourable = sqlite3_column_int(st, 0);
			}
		}
		sqlite3_finalize(st);
	}
}

static void
set_count(struct fx *f, int64_t id, long count)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), "UPDATE subgroup_row SET count = ?1 WHERE id = ?2",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, count);
	sqlite3_bind_int64(st, 2, id);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static char *
load_shown(struct fx *f, const struct subgroup_key *k)
{
	struct subgroup_table t;
	char *s;

	assert_int_equal(subgroup_load(f->x.db, k, &f->x.s, &t), QREL_OK);
	s = shown(&t);
	subgroup_table_free(&t);
	return s;
}

/* ---- the attack ---- */

struct linked;

struct attack {
	struct fx *f;
	struct linked *set;	/* the district's and schools' tables it sums with, or NULL */
	struct raw_table *r;
	const char *seen;
	bool hidden[MAX_ROWS];
	long try[MAX_ROWS];
	size_t row;		/* the count being worked out */
	long leaves;
	bool total_withheld;	/* then the hidden counts' sum is not known either */
	int64_t mirror[MAX_ROWS];	/* a school's group at its district (0 none): moved with it */
	long mirror_count[MAX_ROWS];
};

static bool set_same(struct linked *l);

/* For a school's table: each group's row at the district, which a move at
 * the school carries along so that the district's sums stay what they are
 * (a move of the school's count alone shows in the district's figures). */
static void
mirror_read(struct fx *f, struct attack *a)
{
	static const char sql[] = "SELECT d.id, d.count FROM subgroup_row d JOIN site ds ON ds.id = d.site_id "
		"JOIN site s ON s.id = ?1 WHERE s.kind <> 'district' AND ds.kind = 'district' AND d.year = ?2 "
		"AND d.metric_id = ?3 AND d.dimension = ?4 AND d.grp = ?5";
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), sql, -1, &st, NULL), SQLITE_OK);
	for (size_t i = 0; i < a->r->n; i++) {
		sqlite3_bind_int64(st, 1, a->r->key.site);
		sqlite3_bind_text(st, 2, a->r->key.year, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, a->r->key.metric);
		sqlite3_bind_text(st, 4, a->r->key.dimension, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, a->r->name[i], -1, SQLITE_STATIC);
		a->mirror[i] = 0;
		if (sqlite3_step(st) == SQLITE_ROW) {
			a->mirror[i] = sqlite3_column_int64(st, 0);
			a->mirror_count[i] = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

/* Row i's count (and its district's, by as much) moved to c. */
static void
move_count(struct attack *a, size_t i, long c)
{
	set_count(a->f, a->r->id[i], c);
	if (a->mirror[i])
		set_count(a->f, a->mirror[i], a->mirror_count[i] + c - a->r->count[i]);
}

/* Does the table with try[] for the hidden rows show exactly what was seen? */
static bool
same_shown(struct attack *a)
{
	char *s;
	bool same;

	for (size_t i = 0; i < a->r->n; i++)
		if (a->hidden[i] && a->try[i] != a->r->count[i])
			move_count(a, i, a->try[i]);
	if (a->set) {
		same = set_same(a->set);
	} else {
		s = load_shown(a->f, &a->r->key);
		same = strcmp(s, a->seen) == 0;
		free(s);
	}
	for (size_t i = 0; i < a->r->n; i++)
		if (a->hidden[i] && a->try[i] != a->r->count[i])
			move_count(a, i, a->r->count[i]);
	return same;
}

/* Count ci for the row under attack and cj for row j (j == n: no other)
 * instead of the true ones: does the table show the same? */
static bool
try_counts(struct attack *a, size_t j, long ci, long cj)
{
	size_t i = a->row;

	if (ci < 0 || ci > a->r->enrolled[i] || (j < a->r->n && (j == i || cj < 0 || cj > a->r->enrolled[j])))
		return false;
	memcpy(a->try, a->r->count, sizeof(a->try));
	a->try[i] = ci;
	if (j < a->r->n)
		a->try[j] = cj;
	return same_shown(a);
}

/* Moves d students with the outcome between another hidden row and the row under attack. */
static bool
pair_witness(struct attack *a)
{
	const long *c = a->r->count;

	for (long d = -PAIR_STEPS; d <= PAIR_STEPS; d++)
		for (size_t j = 0; d && j < a->r->n; j++)
			if (a->hidden[j] && try_counts(a, j, c[a->row] + d, c[j] - d))
				return true;
	return false;
}

/* With the total withheld, the row alone may change, or with one other by a
 * different amount (a flag depends on the total, so the other may have to move it). */
static bool
loose_witness(struct attack *a)
{
	const long *c = a->r->count;

	for (long d = -PAIR_STEPS; a->total_withheld && d <= PAIR_STEPS; d++)
		if (d && try_counts(a, a->r->n, c[a->row] + d, 0))
			return true;
	for (long d = -PAIR_STEPS; a->total_withheld && d <= PAIR_STEPS; d++)
		for (size_t j = 0; d && j < a->r->n; j++)
			for (long d2 = -LOOSE_STEPS; d2 <= LOOSE_STEPS; d2++)
				if (try_counts(a, j, c[a->row] + d, c[j] + d2))
					return true;
	return false;
}

/* Every split of left among the hidden rows from k on. */
static bool
split_witness(struct attack *a, size_t k, long left)
{
	if (a->leaves > SEARCH_LEAVES)
		return false;
	while (k < a->r->n && !a->hidden[k])
		k++;
	if (k == a->r->n) {
		a->leaves++;
		return left == 0 && a->try[a->row] != a->r->count[a->row] && same_shown(a);
	}
	for (long c = 0; c <= left && c <= a->r->enrolled[k]; c++) {
		a->try[k] = c;
		if (split_witness(a, k + 1, left - c))
			return true;
	}
	return false;
}

/* Another set of hidden counts that shows the same, with a different count for row i? */
static bool
witness(struct attack *a, size_t i)
{
	long sum = 0;

	a->row = i;
	a->leaves = 0;
	if (pair_witness(a) || loose_witness(a))
		return true;
	a->f->searched++;
	for (size_t k = 0; k < a->r->n; k++)
		if (a->hidden[k])
			sum += a->r->count[k];
	memcpy(a->try, a->r->count, sizeof(a->try));
	if (split_witness(a, 0, sum))
		return true;
	/* An unknown total: any other sum will do as well. */
	for (long other = 0; a->total_withheld && other <= sum + PAIR_STEPS; other++)
		if (other != sum && split_witness(a, 0, other))
			return true;
	return false;
}

/* The flags risk_compute gives the raw counts (flag_years 1), all kept. */
static void
check_flags(struct fx *f, const struct raw_table *r, const struct subgroup_table *t)
{
	struct risk_group g[MAX_ROWS];
	struct risk_row out[MAX_ROWS];
	struct risk_options o;

	risk_options_default(&o);
	o.min_cell = f->x.s.min_cell;
	o.min_n = f->x.s.min_n;
	o.threshold = f->x.s.threshold;
	o.favourable = r->favourable;
	o.state = r->nstate ? r->state : NULL;
	o.nstate = r->nstate;
	for (size_t i = 0; i < r->n; i++)
		g[i] = (struct risk_group){ r->name[i], r->enrolled[i], r->count[i] };
	assert_int_equal(risk_compute(g, r->n, &o, out), 0);
	for (size_t i = 0; i < r->n; i++) {
		if (out[i].flagged && !t->row[i].flagged)
			fail_msg("site %lld %s metric %lld %s: %s is flagged (ratio %.2f) but the table lost the flag",
				 (long long)r->key.site, r->key.year, (long long)r->key.metric, r->key.dimension,
				 r->name[i], out[i].ratio.value);
		if (out[i].flagged && t->row[i].hidden && getenv("DISCLOSURE_VERBOSE"))
			print_message("hidden flag: site %lld %s metric %lld %s %s (%ld of %ld, %zu rows, %d hidden)\n",
				      (long long)r->key.site, r->key.year, (long long)r->key.metric, r->key.dimension,
				      r->name[i], r->count[i], r->enrolled[i], r->n, t->nhidden);
		if (out[i].flagged)
			f->flagged_hidden += t->row[i].hidden;
	}
}

/*
 * The replay attacker, in full, where it is small enough: every assignment
 * of the hidden counts with the shown total (each within its enrolment) is
 * fed to subgroup_load, and those that make it show exactly what was shown
 * (the same rows hidden, so the rule chose the same cells) are the
 * attacker's candidates. Each withheld count must keep two or more values.
 */
#define REPLAY_CELLS 3
#define REPLAY_SUM 30

static void
replay_split(struct attack *a, size_t k, long left, unsigned long *values)
{
	while (k < a->r->n && !a->hidden[k])
		k++;
	if (k == a->r->n) {
		a->f->replay_loads++;
		if (left == 0 && same_shown(a))
			for (size_t i = 0; i < a->r->n; i++)
				if (a->hidden[i])
					values[i] |= 1UL << a->try[i];
		return;
	}
	for (long c = 0; c <= left && c <= a->r->enrolled[k]; c++) {
		a->try[k] = c;
		replay_split(a, k + 1, left - c, values);
	}
}

static void
replay_every(struct attack *a)
{
	unsigned long values[MAX_ROWS] = { 0 };
	long sum = 0;
	int nh = 0;

	for (size_t i = 0; i < a->r->n; i++) {
		if (a->mirror[i])
			return;		/* a school of a set: the set's attack covers it */
		if (a->hidden[i]) {
			sum += a->r->count[i];
			nh++;
		}
	}
	if (a->total_withheld || nh == 0 || nh > REPLAY_CELLS || sum > REPLAY_SUM)
		return;
	memcpy(a->try, a->r->count, sizeof(a->try));
	replay_split(a, 0, sum, values);
	a->f->replayed++;
	for (size_t i = 0; i < a->r->n; i++) {
		long nv = __builtin_popcountl(values[i]);

		if (!a->hidden[i] || a->r->enrolled[i] == 0)
			continue;
		if (nv < 2)
			fail_msg("replaying the rule: site %lld %s metric %lld %s: %s (%ld of %ld) has %ld possible "
				 "value(s)", (long long)a->r->key.site, a->r->key.year, (long long)a->r->key.metric,
				 a->r->key.dimension, a->r->name[i], a->r->count[i], a->r->enrolled[i], nv);
		if (!a->f->fewest_values || nv < a->f->fewest_values)
			a->f->fewest_values = nv;
	}
}

/* Loads one table, checks its flags and tries to work out each withheld count. */
static void
attack_table(struct fx *f, const struct subgroup_key *k)
{
	struct raw_table r = { .key = *k };
	struct subgroup_table t;
	struct attack a = { .f = f, .r = &r };

	raw_read(f, &r);
	mirror_read(f, &a);
	assert_int_equal(subgroup_load(f->x.db, k, &f->x.s, &t), QREL_OK);
	assert_int_equal(t.n, r.n);
	check_flags(f, &r, &t);
	a.seen = shown(&t);
	for (size_t i = 0; i < r.n; i++)
		a.hidden[i] = t.row[i].hidden;
	a.total_withheld = t.count < 0;
	f->tables++;
	for (size_t i = 0; i < r.n; i++) {
		if (!a.hidden[i] || r.enrolled[i] == 0)
			continue;	/* nobody enrolled: nothing to protect */
		f->hidden++;
		if (!witness(&a, i)) {
			for (size_t j = 0; j < r.n; j++)
				print_message("raw %s %ld of %ld\n", r.name[j], r.count[j], r.enrolled[j]);
			fail_msg("site %lld %s metric %lld %s: the withheld count of %s (%ld of %ld) can be worked "
				 "out from what the table shows:\n%s", (long long)k->site, k->year,
				 (long long)k->metric, k->dimension, r.name[i], r.count[i], r.enrolled[i], a.seen);
		}
	}
	replay_every(&a);
	free((char *)a.seen);
	subgroup_table_free(&t);
}

/* Every table in the store whose dimension starts with prefix ("" all). */
static void
attack_all(struct fx *f, const char *prefix)
{
	static const char sql[] = "SELECT DISTINCT site_id, year, metric_id, dimension FROM subgroup_row "
				  "WHERE review_id = ?1 AND dimension LIKE ?2 || '%' ORDER BY 1, 2, 3, 4";
	struct subgroup_key *keys = NULL;
	size_t n = 0;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, f->x.review);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_non_null(keys = realloc(keys, (n + 1) * sizeof(*keys)));
		memset(&keys[n], 0, sizeof(*keys));
		keys[n].site = sqlite3_column_int64(st, 0);
		snprintf(keys[n].year, sizeof(keys[n].year), "%s", (const char *)sqlite3_column_text(st, 1));
		keys[n].metric = sqlite3_column_int64(st, 2);
		snprintf(keys[n].dimension, sizeof(keys[n].dimension), "%s", (const char *)sqlite3_column_text(st, 3));
		n++;
	}
	sqlite3_finalize(st);
	assert_true(n > 0);
	/* One transaction for the attack's edits: nothing reaches the disk. */
	assert_int_equal(db_exec(f->x.db, "BEGIN"), QREL_OK);
	for (size_t i = 0; i < n; i++)
		attack_table(f, &keys[i]);
	assert_int_equal(db_exec(f->x.db, "ROLLBACK"), QREL_OK);
	free(keys);
}

/* ---- random tables ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same tables on every run and machine. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static long
rng_below(long n)
{
	return n > 0 ? (long)(rng() % (uint64_t)n) : 0;
}

/* Small groups, zero counts, big groups and flagged ones, all mixed. */
static void
random_row(FILE *out, int table, int row, bool flagged_group)
{
	long enrolled, count;
	double rate;

	switch (rng_below(4)) {
	case 0: enrolled = rng_below(16); break;
	case 1: enrolled = 16 + rng_below(60); break;
	default: enrolled = 30 + rng_below(1500); break;
	}
	rate = (double)rng_below(120) / 1000.0;
	if (flagged_group)
		rate = rng_below(2) ? rate * 5.0 + 0.05 : rate / 6.0;
	count = (long)(rate * (double)enrolled + 0.5);
	if (rng_below(6) == 0)
		count = rng_below(10);
	count = count > enrolled ? enrolled : count;
	fprintf(out, "DO,2024-25,%s,rand%04d,G%d,%ld,%ld\n", table % 3 == 0 ? "fi_enrol" : "oss", table, row,
		enrolled, count);
}

static void
random_table(FILE *out, int t)
{
	int rows = 2 + (int)rng_below(6), flagged = (int)rng_below(rows + 2);

	for (int i = 0; i < rows; i++)
		random_row(out, t, i, i == flagged);
}

/* Writes n tables (or sets) with write and imports them. */
static void
import_generated(struct fx *f, int n, void (*write)(FILE *, int))
{
	char path[128];
	struct diags d = { 0 };
	struct import_stats st;
	FILE *out;

	snprintf(path, sizeof(path), "%s/generated.csv", f->x.dir);
	assert_non_null(out = fopen(path, "w"));
	fputs("site,year,metric,dimension,group,enrolled,count\n", out);
	for (int t = 0; t < n; t++)
		write(out, t);
	fclose(out);
	assert_int_equal(import_file(f->x.db, f->x.review, "subgroups", path, "Ségolène Arceneaux", &d, &st), QREL_OK);
	diag_free(&d);
}

/* ---- linked tables: the district's is the sum of its schools' ---- */

/*
 * Where the district's table and its schools' tables have the same year,
 * metric and dimension, a reader adds them up: for each group, the
 * district's count less the schools' is the count of the district's
 * students at no listed school, which lies between 0 and the district's
 * enrolment less the schools' (0 when the schools make up the district).
 * Seen as one grid (schools and that rest as rows, groups and the total as
 * columns, the district's table as the bottom line), another set of
 * withheld counts with every shown figure the same is a move of +d and -d
 * round a cycle of withheld cells. The attack tries every such cycle
 * through a withheld count, up to CYCLE_EDGES cells and d up to
 * CYCLE_STEPS. A count no cycle can move within the sums and ranges is
 * pinned by the sums: the test fails. A count that moves within the sums
 * but for which no move makes subgroup_load show every table of the set
 * the same is pinned only by replaying the rule's choices (which
 * complements it took): none in the sample; the random sets are held to a
 * ratchet (see the man page, SMALL GROUPS). A school's count under a district count shown as 0
 * is 0 and says nothing the district does not: it must be shown as 0, not
 * as a "*" that only pretends to withhold it (counted; the test fails on one).
 */

#define MAX_SITES 8
#define CYCLE_EDGES 8
#define CYCLE_STEPS 6
#define MAX_CYCLES 4096		/* cycles kept for composing (the first found) */
#define COMPOSED_TRIES 3000	/* compositions fed to subgroup_load per count */
#define MAX_EDGES (MAX_SITES * MAX_ROWS + 2 * MAX_ROWS + 2 * MAX_SITES)

struct edge {
	int row, col;		/* grid row (0 the district, ns the rest) and column (nc the total) */
	int s, i;		/* the stored cell it changes, s -1 for none */
	int sign;		/* how the stored count moves with the grid's +d */
};

struct linked {
	struct fx *f;
	size_t ns, nc;			/* tables (r[0] the district's) and district groups */
	struct raw_table r[MAX_SITES];
	char *seen[MAX_SITES];
	bool hidden[MAX_SITES][MAX_ROWS];
	int col[MAX_SITES][MAX_ROWS];	/* the district row a school's row adds to */
	long rest[MAX_ROWS];		/* district enrolment less the schools'; -1 when they exceed it */
	long try[MAX_SITES][MAX_ROWS];
	struct edge e[MAX_EDGES];
	size_t ne;
	int path[CYCLE_EDGES];
	bool used_row[MAX_SITES + 1], used_col[MAX_ROWS + 1];
	bool sums_only;			/* the linear equations alone, not the rule's choices */
	long pinned, hidden_cells, sets, zero, by_choices;
	long district_whole, tables_whole, tables;	/* tables withheld whole (total withheld) */
	long by_choices_small;		/* of by_choices, counts in 1..min_display-1 or of a small group */
	long max_by_choices;		/* a ratchet: what the rule leaves today (see attack_sets) */
	struct cycle {
		int len, path[CYCLE_EDGES];
	} cycles[MAX_CYCLES];		/* kept, not tried, while collecting */
	size_t ncycles;
	bool collecting;
	long composed;			/* counts only a composition of cycles gave another value */
};

/* With try[] for the counts, is each group's rest (the district's count less
 * the schools') between 0 and the district's enrolment less the schools'? */
static bool
set_sums(const struct linked *l)
{
	for (size_t g = 0; g < l->nc; g++) {
		long d = l->try[0][g];

		for (size_t s = 1; s < l->ns; s++)
			for (size_t i = 0; i < l->r[s].n; i++)
				d -= l->col[s][i] == (int)g ? l->try[s][i] : 0;
		if (l->rest[g] >= 0 && (d < 0 || d > l->rest[g]))
			return false;
	}
	return true;
}

/* Do the sums hold with try[] for the counts, and (unless sums_only) does
 * every table of the set show exactly what it showed? */
static bool
set_same(struct linked *l)
{
	bool same = true;

	if (!set_sums(l))
		return false;
	if (l->sums_only)
		return true;
	for (size_t s = 0; s < l->ns; s++)
		for (size_t i = 0; i < l->r[s].n; i++)
			if (l->try[s][i] != l->r[s].count[i])
				set_count(l->f, l->r[s].id[i], l->try[s][i]);
	for (size_t s = 0; s < l->ns && same; s++) {
		char *t = load_shown(l->f, &l->r[s].key);

		same = strcmp(t, l->seen[s]) == 0;
		free(t);
	}
	for (size_t s = 0; s < l->ns; s++)
		for (size_t i = 0; i < l->r[s].n; i++)
			if (l->try[s][i] != l->r[s].count[i])
				set_count(l->f, l->r[s].id[i], l->r[s].count[i]);
	return same;
}

static void
edge_add(struct linked *l, int row, int col, int s, int i, int sign)
{
	assert_true(l->ne < MAX_EDGES);
	l->e[l->ne++] = (struct edge){ row, col, s, i, sign };
}

/* The withheld cells of the grid (a district count moves against its schools'). */
static void
set_edges(struct linked *l, const bool *total_hidden)
{
	int rest = (int)l->ns, total = (int)l->nc;
	bool any_rest = false;

	l->ne = 0;
	for (size_t s = 0; s < l->ns; s++) {
		for (size_t i = 0; i < l->r[s].n; i++)
			if (l->hidden[s][i])
				edge_add(l, (int)s, s ? l->col[s][i] : (int)i, (int)s, (int)i, s ? 1 : -1);
		if (total_hidden[s])
			edge_add(l, (int)s, total, -1, 0, 0);
	}
	for (size_t g = 0; g < l->nc; g++)
		if (l->rest[g] != 0) {
			edge_add(l, rest, (int)g, -1, 0, 0);
			any_rest = true;
		}
	if (any_rest)
		edge_add(l, rest, total, -1, 0, 0);
}

static void
try_reset(struct linked *l)
{
	for (size_t s = 0; s < l->ns; s++)
		memcpy(l->try[s], l->r[s].count, sizeof(l->try[s]));
}

/* Adds to try[] the moves of the cycle path[0..len), +d and -d in turn;
 * false when a count leaves 0..its enrolment. */
static bool
path_moves(struct linked *l, const int *path, int len, long d)
{
	for (int k = 0; k < len; k++) {
		const struct edge *e = &l->e[path[k]];
		long *c;

		if (e->s < 0)
			continue;
		c = &l->try[e->s][e->i];
		*c += e->sign * (k % 2 ? -d : d);
		if (*c < 0 || *c > l->r[e->s].enrolled[e->i])
			return false;
	}
	return true;
}

/* Moves the cells of the cycle in path[0..len) by +d and -d in turn. */
static bool
cycle_moves(struct linked *l, int len, long d)
{
	try_reset(l);
	return path_moves(l, l->path, len, d) && set_same(l);
}

/* Keeps the cycle in path[0..len) for composing (while collecting). */
static void
cycle_keep(struct linked *l, int len)
{
	if (l->ncycles >= MAX_CYCLES)
		return;
	l->cycles[l->ncycles].len = len;
	memcpy(l->cycles[l->ncycles++].path, l->path, sizeof(l->path));
}

/* Extends path[0..len) (ending at a column when len is odd) back to the
 * first edge's row, then tries the moves. */
static bool
cycle_from(struct linked *l, int len)
{
	const struct edge *first = &l->e[l->path[0]], *last = &l->e[l->path[len - 1]];
	bool at_col = len % 2 == 1;
	int here = at_col ? last->col : last->row;

	if (!at_col && here == first->row) {
		if (l->collecting) {
			cycle_keep(l, len);
			return false;
		}
		for (long d = 1; d <= CYCLE_STEPS; d++)
			if (cycle_moves(l, len, d) || cycle_moves(l, len, -d))
				return true;
		return false;
	}
	if (len >= CYCLE_EDGES)
		return false;
	for (size_t k = 0; k < l->ne; k++) {
		const struct edge *e = &l->e[k];
		int next = at_col ? e->row : e->col;
		bool *used = at_col ? &l->used_row[next] : &l->used_col[next];

		if ((at_col ? e->col : e->row) != here || *used || (int)k == l->path[0])
			continue;
		if (at_col && next == first->row) {
			l->path[len] = (int)k;
			if (cycle_from(l, len + 1))
				return true;
			continue;
		}
		*used = true;
		l->path[len] = (int)k;
		if (cycle_from(l, len + 1)) {
			*used = false;
			return true;
		}
		*used = false;
	}
	return false;
}

/* The cycles through edge k: tried, or kept while collecting. */
static bool
cycles_through(struct linked *l, size_t k)
{
	memset(l->used_row, 0, sizeof(l->used_row));
	memset(l->used_col, 0, sizeof(l->used_col));
	l->used_col[l->e[k].col] = true;
	l->path[0] = (int)k;
	return cycle_from(l, 1);
}

/* The edge of stored cell (s, i), ne when it has none. */
static size_t
cell_edge(const struct linked *l, size_t s, size_t i)
{
	size_t k = 0;

	while (k < l->ne && (l->e[k].s != (int)s || l->e[k].i != (int)i))
		k++;
	return k;
}

/* Is there another count for stored cell (s, i), all shown figures the
 * same, by one cycle? */
static bool
set_witness(struct linked *l, size_t s, size_t i)
{
	size_t k = cell_edge(l, s, i);

	return k < l->ne && cycles_through(l, k);
}

/*
 * The same by a composition: one cycle through cell (s, i) and one to three
 * others anywhere in the grid, each by its own amount (seeded, so the same
 * on every run). A move of one cycle can change which cells the rule takes
 * where a second, elsewhere, puts them back; the reader who replays the rule
 * has every composition, so a count one cycle leaves alone is not yet
 * narrowed to its value.
 */
static bool
composed_witness(struct linked *l, size_t s, size_t i)
{
	size_t k = cell_edge(l, s, i), through;
	long tries = 0;

	if (k >= l->ne)
		return false;
	l->ncycles = 0;
	l->collecting = true;
	cycles_through(l, k);
	through = l->ncycles;
	for (size_t e = 0; e < l->ne; e++)
		cycles_through(l, e);
	l->collecting = false;
	for (long n = 0; through > 0 && n < 100 * COMPOSED_TRIES && tries < COMPOSED_TRIES; n++) {
		const struct cycle *c = &l->cycles[rng_below((long)through)];
		long d = (1 + rng_below(2 * CYCLE_STEPS)) * (rng_below(2) ? 1 : -1);
		int more = 1 + (int)rng_below(3);
		bool fits;

		try_reset(l);
		fits = path_moves(l, c->path, c->len, d);
		while (fits && more-- > 0) {
			c = &l->cycles[rng_below((long)l->ncycles)];
			fits = path_moves(l, c->path, c->len, (1 + rng_below(CYCLE_STEPS / 2)) * (rng_below(2) ? 1 : -1));
		}
		if (!fits || l->try[s][i] == l->r[s].count[i] || !set_sums(l))
			continue;
		tries++;
		if (set_same(l))
			return true;
	}
	return false;
}

/* Reads the set's tables and what each shows; the schools' rows matched to the district's by group. */
static void
set_read(struct linked *l, bool *total_hidden)
{
	for (size_t s = 0; s < l->ns; s++) {
		struct subgroup_table t;

		raw_read(l->f, &l->r[s]);
		assert_int_equal(subgroup_load(l->f->x.db, &l->r[s].key, &l->f->x.s, &t), QREL_OK);
		assert_int_equal(t.n, l->r[s].n);
		check_flags(l->f, &l->r[s], &t);
		l->seen[s] = shown(&t);
		total_hidden[s] = t.count < 0;
		for (size_t i = 0; i < t.n; i++)
			l->hidden[s][i] = t.row[i].hidden;
		subgroup_table_free(&t);
	}
	l->nc = l->r[0].n;
	for (size_t g = 0; g < l->nc; g++)
		l->rest[g] = l->r[0].enrolled[g];
	for (size_t s = 1; s < l->ns; s++)
		for (size_t i = 0; i < l->r[s].n; i++) {
			l->col[s][i] = -1;
			for (size_t g = 0; g < l->nc; g++)
				if (strcmp(l->r[s].name[i], l->r[0].name[g]) == 0)
					l->col[s][i] = (int)g;
			assert_true(l->col[s][i] >= 0);
			l->rest[l->col[s][i]] -= l->r[s].enrolled[i];
		}
	for (size_t g = 0; g < l->nc; g++)
		l->rest[g] = l->rest[g] < 0 ? -1 : l->rest[g];
}

/* The set's raw counts and what each table hides, for DISCLOSURE_VERBOSE. */
static void
set_dump(const struct linked *l)
{
	for (size_t s = 0; s < l->ns; s++) {
		print_message("  site %lld:", (long long)l->r[s].key.site);
		for (size_t i = 0; i < l->r[s].n; i++)
			print_message(" %s %ld/%ld%s", l->r[s].name[i], l->r[s].count[i], l->r[s].enrolled[i],
				      l->hidden[s][i] ? "*" : "");
		print_message("\n");
	}
}

/* Tries to work out every withheld count of one set; counts the pinned ones. */
static void
attack_set(struct linked *l)
{
	bool total_hidden[MAX_SITES];
	long pinned0 = l->pinned, choices0 = l->by_choices, zero0 = l->zero;

	set_read(l, total_hidden);
	set_edges(l, total_hidden);
	l->sets++;
	l->district_whole += total_hidden[0];
	for (size_t s = 0; s < l->ns; s++)
		l->tables_whole += total_hidden[s];
	l->tables += (long)l->ns;
	for (size_t s = 0; s < l->ns; s++) {
		for (size_t i = 0; i < l->r[s].n; i++) {
			if (!l->hidden[s][i] || l->r[s].enrolled[i] == 0)
				continue;
			l->hidden_cells++;
			if (s > 0 && !l->hidden[0][l->col[s][i]] && l->r[0].count[l->col[s][i]] == 0) {
				/* The district shows 0, so the school's count is 0: a "*" would only pretend. */
				if (l->zero++ < 3)
					print_message("withheld under a district's shown 0: site %lld %s metric %lld %s: %s "
						      "(%ld of %ld)\n", (long long)l->r[s].key.site, l->r[s].key.year,
						      (long long)l->r[s].key.metric, l->r[s].key.dimension, l->r[s].name[i],
						      l->r[s].count[i], l->r[s].enrolled[i]);
				continue;
			}
			l->sums_only = false;
			if (set_witness(l, s, i))
				continue;
			if (composed_witness(l, s, i)) {
				l->composed++;
				continue;
			}
			l->sums_only = true;
			if (set_witness(l, s, i)) {
				/* Other counts fit every sum and range, but the rule would
				 * have chosen other complements for them. */
				if (l->r[s].enrolled[i] < l->f->x.s.min_display ||
				    (l->r[s].count[i] >= 1 && l->r[s].count[i] < l->f->x.s.min_display))
					l->by_choices_small++;
				if (l->by_choices++ < 3)
					print_message("only by the rule's choices: site %lld %s metric %lld %s: %s "
						      "(%ld of %ld)\n", (long long)l->r[s].key.site, l->r[s].key.year,
						      (long long)l->r[s].key.metric, l->r[s].key.dimension,
						      l->r[s].name[i], l->r[s].count[i], l->r[s].enrolled[i]);
				continue;
			}
			if (l->pinned++ < 5)
				print_message("pinned: site %lld %s metric %lld %s: %s (%ld of %ld) is the district's "
					      "and the other schools' shown figures less the rest\n",
					      (long long)l->r[s].key.site, l->r[s].key.year, (long long)l->r[s].key.metric,
					      l->r[s].key.dimension, l->r[s].name[i], l->r[s].count[i],
					      l->r[s].enrolled[i]);
		}
	}
	if (getenv("DISCLOSURE_VERBOSE") && (l->pinned != pinned0 || l->by_choices != choices0 || l->zero != zero0))
		set_dump(l);
	for (size_t s = 0; s < l->ns; s++)
		free(l->seen[s]);
}

/* The (year, metric, dimension) of every set with a district table and a
 * school's (dimension starting with prefix); each set's sites, district first. */
static void
attack_sets(struct fx *f, const char *prefix, struct linked *l)
{
	static const char keys_sql[] = "SELECT DISTINCT r.year, r.metric_id, r.dimension FROM subgroup_row r "
		"JOIN site s ON s.id = r.site_id WHERE r.review_id = ?1 AND s.kind = 'district' AND r.dimension "
		"LIKE ?2 || '%' AND EXISTS (SELECT 1 FROM subgroup_row o JOIN site os ON os.id = o.site_id "
		"WHERE os.kind <> 'district' AND o.year = r.year AND o.metric_id = r.metric_id AND o.dimension = "
		"r.dimension) ORDER BY 1, 2, 3";
	static const char sites_sql[] = "SELECT DISTINCT s.id FROM subgroup_row r JOIN site s ON s.id = r.site_id "
		"WHERE r.year = ?1 AND r.metric_id = ?2 AND r.dimension = ?3 ORDER BY s.kind <> 'district', s.code";
	sqlite3_stmt *st, *ss;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), keys_sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), sites_sql, -1, &ss, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, f->x.review);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	assert_int_equal(db_exec(f->x.db, "SAVEPOINT attack"), QREL_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct subgroup_key k = { .metric = sqlite3_column_int64(st, 1) };

		snprintf(k.year, sizeof(k.year), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(k.dimension, sizeof(k.dimension), "%s", (const char *)sqlite3_column_text(st, 2));
		sqlite3_bind_text(ss, 1, k.year, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ss, 2, k.metric);
		sqlite3_bind_text(ss, 3, k.dimension, -1, SQLITE_TRANSIENT);
		l->ns = 0;
		while (sqlite3_step(ss) == SQLITE_ROW) {
			assert_true(l->ns < MAX_SITES);
			l->r[l->ns].key = k;
			l->r[l->ns++].key.site = sqlite3_column_int64(ss, 0);
		}
		sqlite3_reset(ss);
		attack_set(l);
	}
	assert_int_equal(db_exec(f->x.db, "ROLLBACK TO attack"), QREL_OK);
	assert_int_equal(db_exec(f->x.db, "RELEASE attack"), QREL_OK);
	sqlite3_finalize(ss);
	sqlite3_finalize(st);
	print_message("%s: %ld district-and-schools sets, %ld withheld counts (%ld withheld zeros under a "
		      "district's shown 0, which must be shown), %ld pinned by the sums, %ld more only by replaying the rule's choices\n",
		      *prefix ? prefix : "sample", l->sets, l->hidden_cells, l->zero, l->pinned, l->by_choices);
	print_message("%s: %ld withheld counts kept another value only by a composition of cycles\n",
		      *prefix ? prefix : "sample", l->composed);
	print_message("%s: totals withheld in %ld of %ld tables, the district's in %ld of %ld sets; of the %ld "
		      "narrowed by replay, %ld are small (1 to min_display - 1, or a small group)\n",
		      *prefix ? prefix : "sample", l->tables_whole, l->tables, l->district_whole, l->sets,
		      l->by_choices, l->by_choices_small);
	assert_true(l->sets > 0);
	assert_int_equal(l->pinned, 0);
	assert_int_equal(l->zero, 0);
	/* The set's widening looks at no count (the structure of the withheld
	 * cells only) and the counts are audited at the end: replaying the
	 * rule narrows no withheld count of the sample to one value. Where that
	 * audit fails in a random set (its district's table and every table
	 * withholding a count are then withheld whole) some still are (see the
	 * man page, SMALL GROUPS): a ratchet, 1 today where one cycle alone
	 * narrowed 5 (composed_witness found another value for 4). The figures
	 * that follow are of one cycle alone (24 with an audit at every step;
	 * 39 withholding only the table whose count the audit pinned, 8 without
	 * the district's table). Also rejected (random sets: narrowed, of them
	 * small, i.e. 1 to min_display - 1 or a small group; districts withheld
	 * whole of 150; today 5, 3, 42): the set audit letting a count that may
	 * be a complement by its table's order take any value (15, 9, 14; the
	 * same for counts its own table withheld, 15, 9, 17); requiring a cycle
	 * only of small counts, complements may be learned (9, 5, 24); a 0 of a
	 * group of min_display or more never taken as a complement (9, 6, 21;
	 * in the set's widening only 6, 3, 38); the district's table alone on
	 * the first failure (21, 12, 42); no value audit (13, and 5 pinned by
	 * the sums). With CYCLE_STEPS 12 today's rule narrows 3, all small. */
	assert_true(l->by_choices <= l->max_by_choices);
}

/* A district and 2 to 4 of its schools; the district's groups are the
 * schools' sums, or with students at no listed school in some sets. */
static void
linked_set(FILE *out, int set)
{
	static const char *const school[] = { "RHS", "EHS", "MMS", "OES" };
	int ns = 2 + (int)rng_below(3), ng = 2 + (int)rng_below(5), flagged = (int)rng_below(ng + 2);
	bool rest = rng_below(3) == 0;
	const char *metric = set % 2 ? "oss" : "fi_enrol";

	for (int g = 0; g < ng; g++) {
		long de = 0, dc = 0;

		for (int s = 0; s < ns; s++) {
			long e = rng_below(3) ? 20 + rng_below(400) : rng_below(20);
			double rate = (double)rng_below(120) / 1000.0;
			long c;

			if (g == flagged)
				rate = rng_below(2) ? rate * 5.0 + 0.05 : rate / 6.0;
			c = (long)(rate * (double)e + 0.5);
			c = rng_below(5) == 0 ? rng_below(8) : c;
			c = c > e ? e : c;
			fprintf(out, "%s,2024-25,%s,link%03d,G%d,%ld,%ld\n", school[s], metric, set, g, e, c);
			de += e;
			dc += c;
		}
		if (rest) {
			long e = rng_below(4);

			de += e;
			dc += rng_below(e + 1);
		}
		fprintf(out, "DO,2024-25,%s,link%03d,G%d,%ld,%ld\n", metric, set, g, de, dc);
	}
}

/* ---- tests ---- */

static void
report(const struct fx *f, const char *what)
{
	print_message("%s: %ld tables, %ld withheld counts none can work out (%ld needed the full search), "
		      "%ld flagged groups hidden with their flag kept\n", what, f->tables, f->hidden, f->searched,
		      f->flagged_hidden);
	print_message("%s: the full replay (every split of up to %d hidden counts summing to at most %d, %ld "
		      "loads) ran on %ld tables; the fewest values a withheld count kept: %ld\n", what, REPLAY_CELLS,
		      REPLAY_SUM, f->replay_loads, f->replayed, f->fewest_values);
}

static void
test_sample_tables(void **state)
{
	struct fx *f = *state;

	attack_all(f, "");
	assert_true(f->hidden > 0);
	report(f, "sample");
}

static void
test_random_tables(void **state)
{
	struct fx *f = *state;

	import_generated(f, RANDOM_TABLES, random_table);
	attack_all(f, "rand");
	assert_int_equal(f->tables, RANDOM_TABLES);
	report(f, "random");
}

/* A larger smallest group than the minimum cell: flagged groups are hidden
 * by the primary rule itself, and keep their flags. */
static void
test_random_tables_wide_band(void **state)
{
	struct fx *f = *state;

	f->x.s.min_display = 25;
	rng_state = 0x2545f4914f6cdd1dULL;
	import_generated(f, RANDOM_TABLES, random_table);
	attack_all(f, "rand");
	report(f, "random, min_display 25");
}

/* Every set of the sample where the district's table and its schools' share
 * a year, metric and dimension: the sums pin nothing withheld. */
static void
test_sample_sets(void **state)
{
	struct fx *f = *state;
	struct linked *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->f = f;
	l->max_by_choices = 0;
	attack_sets(f, "", l);
	assert_int_equal(l->by_choices, 0);
	free(l);
}

/* Seeded random sets of a district and its schools. DISCLOSURE_SEED=N
 * draws other sets and only reports what replay narrows (the man page's
 * 2,100 sets are this seed and 1 to 13). */
static void
test_random_sets(void **state)
{
	struct fx *f = *state;
	struct linked *l = calloc(1, sizeof(*l));
	const char *seed = getenv("DISCLOSURE_SEED");

	assert_non_null(l);
	l->f = f;
	l->max_by_choices = seed ? LONG_MAX : 1;
	rng_state = seed ? strtoull(seed, NULL, 0) : 0x5851f42d4c957f2dULL;
	import_generated(f, LINKED_SETS, linked_set);
	attack_sets(f, "link", l);
	assert_int_equal(l->sets, LINKED_SETS);
	free(l);
}

/* The action plan shows a group's rates outside its table: an objective
 * started from a withheld group (the district's Hispanic or Latino students,
 * 16 suspended of 1458, hidden as a complement) shows no rate of the group or
 * of the others, and its parity target is the rate of all students, not of
 * the others (which with the total gives the count back). */
static void
test_plan_withholds(void **state)
{
	struct fx *f = *state;
	struct plan_subgroup_ref ref = { 0 };
	struct plan_doc d;
	const struct plan_objective *o = NULL;
	int64_t objective = 0;
	char *detail;

	assert_int_equal(plan_subgroup_ref_parse(f->x.db, f->x.review, "DO,2024-25,oss,race,Hispanic or Latino", &ref), QREL_OK);
	assert_int_equal(plan_objective_from_subgroup(f->x.db, f->x.review, "Ségolène Arceneaux", &ref, &objective),
			 QREL_OK);
	assert_int_equal(plan_load(f->x.db, f->x.review, 10, &d), QREL_OK);
	for (int i = 0; i < d.n; i++)
		if (d.obj[i].id == objective)
			o = &d.obj[i];
	assert_non_null(o);
	assert_int_equal(o->nmetrics, 1);
	assert_true(o->metric[0].baseline.hidden);
	/* 122 of 9040 students: 1.35%; the others' 106 of 7582 would be 1.40%. */
	assert_true(o->metric[0].target > 0.01349 && o->metric[0].target < 0.01350);
	assert_true(o->ncauses > 0 && o->cause[0].nlinks > 0);
	assert_non_null(strstr(o->cause[0].link[0].label, "suppressed"));
	assert_non_null(detail = plan_link_detail(f->x.db, f->x.review, o->cause[0].link[0].id, 10));
	assert_null(strstr(detail, "1.1%"));
	assert_null(strstr(detail, "1.4%"));
	assert_null(strstr(detail, " of 1458"));
	free(detail);
	plan_doc_free(&d);
}

/* The district shows its Asian students' 0 suspensions (0 of 920), so every
 * school's is 0: Orchard Elementary's table (its total withheld) shows its
 * 0 of 41 and the rate, and nothing that compares it with the withheld
 * total; its other groups stay withheld. */
static void
test_zero_under_district_zero(void **state)
{
	struct fx *f = *state;
	struct plan_subgroup_ref ref = { 0 };
	struct subgroup_table t;
	const struct subgroup_entry *e;
	int i;

	assert_int_equal(plan_subgroup_ref_parse(f->x.db, f->x.review, "OES,2024-25,oss,race,Asian", &ref), QREL_OK);
	assert_int_equal(subgroup_load(f->x.db, &(struct subgroup_key){ .site = ref.site, .year = "2024-25",
					.metric = ref.metric, .dimension = "race" }, &f->x.s, &t), QREL_OK);
	assert_int_equal(t.count, -1);
	assert_true((i = subgroup_find(&t, "Asian")) >= 0);
	e = &t.row[i];
	assert_false(e->hidden);
	assert_int_equal(e->count, 0);
	assert_true(e->stat.risk.defined && e->stat.risk.value == 0.0);
	assert_false(e->stat.comparison_risk.defined);
	assert_false(e->stat.ratio.defined);
	assert_false(e->stat.outcome_share.defined);
	assert_false(e->stat.expected_count.defined);
	assert_true(t.row[subgroup_find(&t, "White")].hidden);
	subgroup_table_free(&t);
}

/* A set whose audit fails: Riverside High's two groups have 9 students
 * suspended each (both small, so both withheld; with its third group's 60,
 * their sum, 18, follows from its total and both lie between 1 and 9: each
 * is 9). The district's table and every table withholding a count are
 * withheld whole, but for Riverside's flagged 60 of 100, shown with its
 * rate and flag and a finding, and G2, spent (the schools show every
 * count of it); the schools whose tables withhold nothing still show every
 * count, and the sums pin nothing.
 * One cycle's move of Riverside's two counts makes the audit pass (so the
 * set would show otherwise), but a composition of cycles finds another
 * value for each (1, where the audit fails too): replay narrows neither. */
static void
audit_set(FILE *out, int set)
{
	(void)set;
	fputs("RHS,2024-25,oss,audit,G0,100,9\nRHS,2024-25,oss,audit,G1,100,9\nRHS,2024-25,oss,audit,G2,100,60\n"
	      "EHS,2024-25,oss,audit,G0,200,30\nEHS,2024-25,oss,audit,G1,200,40\nEHS,2024-25,oss,audit,G2,200,35\n"
	      "MMS,2024-25,oss,audit,G0,300,50\nMMS,2024-25,oss,audit,G1,300,60\nMMS,2024-25,oss,audit,G2,300,55\n"
	      "OES,2024-25,oss,audit,G0,250,40\nOES,2024-25,oss,audit,G1,250,45\nOES,2024-25,oss,audit,G2,250,42\n"
	      "DO,2024-25,oss,audit,G0,850,129\nDO,2024-25,oss,audit,G1,850,154\nDO,2024-25,oss,audit,G2,850,192\n",
	      out);
}

static void
test_failed_audit_keeps_untouched_tables(void **state)
{
	static const char *const code[] = { "DO", "RHS", "EHS", "MMS", "OES" };
	struct fx *f = *state;
	struct linked *l = calloc(1, sizeof(*l));
	int shown_whole = 0;

	assert_non_null(l);
	import_generated(f, 1, audit_set);
	for (size_t s = 0; s < sizeof(code) / sizeof(*code); s++) {
		struct plan_subgroup_ref ref = { 0 };
		struct subgroup_table t;
		char spec[64];
		int hidden = 0;

		snprintf(spec, sizeof(spec), "%s,2024-25,oss,audit,G0", code[s]);
		assert_int_equal(plan_subgroup_ref_parse(f->x.db, f->x.review, spec, &ref), QREL_OK);
		assert_int_equal(subgroup_load(f->x.db, &(struct subgroup_key){ .site = ref.site, .year = "2024-25",
						.metric = ref.metric, .dimension = "audit" }, &f->x.s, &t), QREL_OK);
		for (size_t i = 0; i < t.n; i++)
			hidden += t.row[i].hidden;
		if (s == 1) {
			/* the pinned school's: withheld whole but its flagged group */
			const struct subgroup_entry *e = &t.row[subgroup_find(&t, "G2")];
			char text[512];

			assert_int_equal(hidden, (int)t.n - 1);
			assert_int_equal(t.count, -1);
			assert_false(e->hidden);
			assert_true(e->flagged);
			assert_int_equal(e->count, 60);
			assert_false(e->stat.ratio.defined);
			assert_int_equal(subgroup_finding(&t, (size_t)subgroup_find(&t, "G2"), text, sizeof(text)), QREL_OK);
			assert_non_null(strstr(text, "risk 60.0%, flagged as high"));
			assert_non_null(strstr(text, "the ratio withheld to protect privacy"));
		} else if (s == 0) {
			/* the district's: withheld whole but G2, spent (the
			 * schools' shown counts make it up) */
			assert_int_equal(hidden, (int)t.n - 1);
			assert_false(t.row[subgroup_find(&t, "G2")].hidden);
			assert_int_equal(t.count, -1);
		} else if (hidden == 0) {
			assert_true(t.count >= 0);
			shown_whole++;
		} else {
			/* the school the widening took: withheld whole but G2, spent */
			assert_int_equal(hidden, (int)t.n - 1);
			assert_false(t.row[subgroup_find(&t, "G2")].hidden);
			assert_int_equal(t.count, -1);
		}
		subgroup_table_free(&t);
	}
	assert_true(shown_whole >= 1);
	l->f = f;
	l->max_by_choices = 0;
	attack_sets(f, "audit", l);
	free(l);
}

/* A corrected count goes to the change log; the log says so, never the numbers. */
static void
test_change_log_withholds(void **state)
{
	struct fx *f = *state;
	struct changes_filter none = { 0 };
	struct change_row rows[20];
	int64_t id;
	int n, seen = 0;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), "SELECT r.id FROM subgroup_row r JOIN site s ON "
		"s.id = r.site_id JOIN metric m ON m.id = r.metric_id WHERE s.code = 'DO' AND r.year = '2024-25' "
		"AND m.code = 'oss' AND r.dimension = 'race' AND r.grp = 'American Indian or Alaska Native'",
		-1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(subgroup_set_cell(f->x.db, f->x.review, id, SUBGROUP_KEEP, 3, "Ségolène Arceneaux"), QREL_OK);
	assert_int_equal(changes_page(f->x.db, f->x.review, "Ségolène Arceneaux", &none, NULL, 20, rows, &n), QREL_OK);
	for (int i = 0; i < n; i++) {
		if (strcmp(rows[i].entity, "subgroup_row") != 0 || strcmp(rows[i].field, "count") != 0)
			continue;
		assert_string_equal(rows[i].old_value, "(withheld: see the subgroup table)");
		assert_string_equal(rows[i].new_value, "(withheld: see the subgroup table)");
		seen++;
	}
	assert_int_equal(seen, 1);
	changes_rows_free(rows, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sample_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_tables_wide_band, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_withholds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_log_withholds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_under_district_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_audit_keeps_untouched_tables, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_subgroup_cache.c: a set's suppression kept in the store (subgroup_kept): a table loaded from it is the table computed whole, on every connection, and so are the points across sites and the tables of a caller taking many (a set's kept rows read together); every change it was made from drops it; a row that shows what the primary rule withholds, or a member's row missing, is not trusted; bundles never carry it. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include "qrel/check.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/import.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/subgroup_kept.h"
#include "qrel/sync.h"

#define LEAD "Ségolène Arceneaux"
#define MAX_KEYS 4096
#define LINKED_SETS 60

struct fx {
	struct sample x;	/* the sample review */
	struct subgroup_key *keys;
	size_t nkeys;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || !(f->keys = calloc(MAX_KEYS, sizeof(*f->keys))) ||
	    sample_open(&f->x, "/tmp/qrel-test-kept.XXXXXX") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc = sample_close(&f->x);
	free(f->keys);
	free(f);
	return rc;
}

/* ---- comparing tables ---- */

static void
same_entry(const struct subgroup_entry *x, const struct subgroup_entry *y)
{
	assert_int_equal(x->id, y->id);
	assert_string_equal(x->name, y->name);
	assert_int_equal(x->enrolled, y->enrolled);
	assert_int_equal(x->count, y->count);
	assert_int_equal(x->hidden, y->hidden);
	assert_int_equal(x->flagged, y->flagged);
	fixture_same_stat(&x->stat, &y->stat);
}

/* Every field of struct subgroup_table. */
static void
same_table(const struct subgroup_table *a, const struct subgroup_table *b)
{
	assert_int_equal(a->key.site, b->key.site);
	assert_string_equal(a->key.year, b->key.year);
	assert_int_equal(a->key.metric, b->key.metric);
	assert_string_equal(a->key.dimension, b->key.dimension);
	assert_memory_equal(&a->metric, &b->metric, sizeof(a->metric));
	assert_string_equal(a->site_code, b->site_code);
	assert_string_equal(a->site_name, b->site_name);
	assert_int_equal(a->district, b->district);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		same_entry(&a->row[i], &b->row[i]);
	assert_int_equal(a->enrolled, b->enrolled);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->nhidden, b->nhidden);
	assert_string_equal(a->reference, b->reference);
	assert_int_equal(a->reference_withheld, b->reference_withheld);
	assert_int_equal(a->weighted_withheld, b->weighted_withheld);
	assert_int_equal(a->nstate, b->nstate);
	assert_true(a->threshold == b->threshold);
	assert_int_equal(a->min_display, b->min_display);
}

/* ---- loads ---- */

static long long
kept_rows(struct fx *f)
{
	return fixture_int(f->x.db, "SELECT count(*) FROM subgroup_kept");
}

/* Is a row kept for k (with any settings)? */
static bool
kept_for(struct fx *f, const struct subgroup_key *k)
{
	sqlite3_stmt *st;
	bool found;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), "SELECT 1 FROM subgroup_kept WHERE site_id = ?1 AND "
					    "year = ?2 AND metric_id = ?3 AND dimension = ?4", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, k->site);
	sqlite3_bind_text(st, 2, k->year, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, k->metric);
	sqlite3_bind_text(st, 4, k->dimension, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Sets a kept row of site's, for k's (metric, dimension), to bytes of value v. */
static void
plant(struct fx *f, const struct subgroup_key *k, int64_t site, unsigned char v)
{
	unsigned char bad[64];
	sqlite3_stmt *st;

	memset(bad, v, sizeof(bad));
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), "UPDATE subgroup_kept SET hidden = substr(?1, 1, nrows) "
					    "WHERE site_id = ?2 AND dimension = ?3", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, bad, sizeof(bad), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, site);
	sqlite3_bind_text(st, 3, k->dimension, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db_handle(f->x.db)), 1);
	sqlite3_finalize(st);
}

/* k computed whole, as on a store that keeps nothing: in a transaction that
 * empties the table (so nothing is read from it, and a load in a caller's
 * transaction keeps nothing), rolled back. */
static void
cold(struct fx *f, const struct subgroup_key *k, const struct settings *s, struct subgroup_table *t)
{
	unsigned long hits = subgroup_kept_stats.hits;

	assert_int_equal(db_begin(f->x.db), QREL_OK);
	assert_int_equal(db_exec(f->x.db, "DELETE FROM subgroup_kept"), QREL_OK);
	assert_int_equal(subgroup_load(f->x.db, k, s, t), QREL_OK);
	db_rollback(f->x.db);
	assert_int_equal(subgroup_kept_stats.hits, hits);
}

/* k's load equals its cold load; *hit says whether it came from a kept row. */
static void
load_same(struct fx *f, struct db *db, const struct subgroup_key *k, const struct settings *s, bool *hit)
{
	struct subgroup_table want, got;
	unsigned long hits = subgroup_kept_stats.hits;

	cold(f, k, s, &want);
	assert_int_equal(subgroup_load(db, k, s, &got), QREL_OK);
	same_table(&want, &got);
	if (hit)
		*hit = subgroup_kept_stats.hits > hits;
	subgroup_table_free(&want);
	subgroup_table_free(&got);
}

/* Every table (site, year, metric, dimension) whose dimension starts with prefix. */
static void
all_keys(struct fx *f, const char *prefix)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), "SELECT DISTINCT r.site_id, r.year, r.metric_id, "
					    "r.dimension FROM subgroup_row r JOIN site s ON s.id = r.site_id WHERE "
					    "r.dimension LIKE ?1 || '%' ORDER BY r.year, r.metric_id, r.dimension, s.code",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	f->nkeys = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct subgroup_key *k = &f->keys[f->nkeys++];

		assert_true(f->nkeys < MAX_KEYS);
		k->site = sqlite3_column_int64(st, 0);
		snprintf(k->year, sizeof(k->year), "%s", (const char *)sqlite3_column_text(st, 1));
		k->metric = sqlite3_column_int64(st, 2);
		snprintf(k->dimension, sizeof(k->dimension), "%s", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	assert_true(f->nkeys > 0);
}

/*
 * Every table: the first load of its set computes and keeps it, a second load
 * takes it from the kept row, and a read-only connection's load (which keeps
 * nothing) takes it too: all the same as computed whole. Returns the number of
 * tables loaded from a kept row.
 */
static size_t
every_table(struct fx *f, const char *prefix, const struct settings *s)
{
	struct db *ro;
	size_t hits = 0;
	unsigned long refused = subgroup_kept_stats.refused;

	all_keys(f, prefix);
	assert_int_equal(db_open(f->x.path, DB_READONLY, &ro), QREL_OK);
	for (size_t i = 0; i < f->nkeys; i++) {
		const struct subgroup_key *k = &f->keys[i];
		bool hit, linked;

		load_same(f, f->x.db, k, s, NULL);
		linked = kept_for(f, k);
		load_same(f, f->x.db, k, s, &hit);
		assert_int_equal(hit, linked);	/* a table of a set is taken from its kept row */
		load_same(f, ro, k, s, &hit);
		assert_int_equal(hit, linked);
		hits += linked;
	}
	db_close(ro);
	assert_int_equal(subgroup_kept_stats.refused, refused);	/* none of what the sets kept is refused */
	return hits;
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static long
rng_below(long n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n > 0 ? (long)((rng_state * 2685821657736338717ULL) % (uint64_t)n) : 0;
}

/* A district and 2 to 4 schools with small, zero and flagged groups; the
 * district's counts are the schools' sums, with students elsewhere in some. */
static void
random_set(FILE *out, int set)
{
	static const char *const school[] = { "RHS", "EHS", "MMS", "OES" };
	int ns = 2 + (int)rng_below(3), ng = 2 + (int)rng_below(5), flagged = (int)rng_below(ng + 2);
	const char *metric = set % 2 ? "oss" : "fi_enrol";

	for (int g = 0; g < ng; g++) {
		long de = rng_below(3) == 0 ? rng_below(4) : 0, dc = de ? rng_below(de + 1) : 0;

		for (int s = 0; s < ns; s++) {
			long e = rng_below(3) ? 20 + rng_below(400) : rng_below(20);
			long c = (long)((double)rng_below(120) / 1000.0 * (double)e * (g == flagged ? 5.0 : 1.0) + 0.5);

			c = rng_below(5) == 0 ? rng_below(8) : c;
			c = c > e ? e : c;
			fprintf(out, "%s,2024-25,%s,kept%03d,G%d,%ld,%ld\n", school[s], metric, set, g, e, c);
			de += e;
			dc += c;
		}
		fprintf(out, "DO,2024-25,%s,kept%03d,G%d,%ld,%ld\n", metric, set, g, de, dc);
	}
}

/* Imports the file at f->x.dir/name, written by write, as LEAD. */
static void
import_written(struct fx *f, const char *what, const char *name, void (*write)(FILE *, const void *), const void *arg)
{
	char path[FIXTURE_DIR + 32];
	struct diags d = { 0 };
	struct import_stats st;
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", f->x.dir, name);
	assert_non_null(out = fopen(path, "w"));
	write(out, arg);
	fclose(out);
	assert_int_equal(import_file(f->x.db, f->x.review, what, path, LEAD, &d, &st), QREL_OK);
	diag_free(&d);
}

static void
write_text(FILE *out, const void *csv)
{
	fputs(csv, out);
}

static void
write_sets(FILE *out, const void *unused)
{
	(void)unused;
	fputs("site,year,metric,dimension,group,enrolled,count\n", out);
	for (int i = 0; i < LINKED_SETS; i++)
		random_set(out, i);
}

/* Imports the rows csv (with its header) as LEAD. */
static void
import_rows(struct fx *f, const char *what, const char *csv)
{
	import_written(f, what, "rows.csv", write_text, csv);
}

static void
import_random_sets(struct fx *f)
{
	import_written(f, "subgroups", "sets.csv", write_sets, NULL);
}

/* ---- tests ---- */

static void
test_sample_tables(void **state)
{
	struct fx *f = *state;

	assert_int_equal(kept_rows(f), 0);
	assert_true(every_table(f, "", &f->x.s) > 0);
	assert_true(kept_rows(f) > 0);
}

static void
test_random_sets(void **state)
{
	struct fx *f = *state;

	import_random_sets(f);
	assert_true(every_table(f, "kept", &f->x.s) >= 3 * LINKED_SETS);
}

/* Other settings are kept apart, each equal to its own computation. */
static void
test_settings_kept_apart(void **state)
{
	struct fx *f = *state;
	struct settings s = f->x.s;
	char reference[] = "G1";
	long long before;

	import_random_sets(f);
	every_table(f, "kept", &f->x.s);
	before = kept_rows(f);
	s.min_display = 25;
	every_table(f, "kept", &s);
	s.threshold = 2.0;
	every_table(f, "kept", &s);
	s.flag_years = 2;
	every_table(f, "", &s);
	s.min_cell = 3;
	s.min_n = 5;
	every_table(f, "kept", &s);
	assert_true(kept_rows(f) > before);
	/* the reference group only withholds ratios after the suppression */
	s.reference = reference;
	assert_true(every_table(f, "kept", &s) > 0);
}

/* The set of the sample's 2024-25 suspensions by race: its tables, kept. */
static size_t
warm_set(struct fx *f, const char *dimension, const char *metric)
{
	char sql[256];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT DISTINCT r.site_id, r.year, r.metric_id, r.dimension FROM subgroup_row r "
		 "JOIN metric m ON m.id = r.metric_id WHERE r.year = '2024-25' AND m.code = '%s' AND r.dimension = '%s'",
		 metric, dimension);
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->x.db), sql, -1, &st, NULL), SQLITE_OK);
	f->nkeys = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct subgroup_key *k = &f->keys[f->nkeys++];

		k->site = sqlite3_column_int64(st, 0);
		snprintf(k->year, sizeof(k->year), "%s", (const char *)sqlite3_column_text(st, 1));
		k->metric = sqlite3_column_int64(st, 2);
		snprintf(k->dimension, sizeof(k->dimension), "%s", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	assert_true(f->nkeys >= 2);
	for (size_t i = 0; i < f->nkeys; i++)
		load_same(f, f->x.db, &f->keys[i], &f->x.s, NULL);
	for (size_t i = 0; i < f->nkeys; i++)
		assert_true(kept_for(f, &f->keys[i]));
	return f->nkeys;
}

/* After a change, nothing of the set is kept, and every table is as computed whole. */
static void
after_change(struct fx *f)
{
	for (size_t i = 0; i < f->nkeys; i++)
		assert_false(kept_for(f, &f->keys[i]));
	for (size_t i = 0; i < f->nkeys; i++)
		load_same(f, f->x.db, &f->keys[i], &f->x.s, NULL);
	for (size_t i = 0; i < f->nkeys; i++)
		assert_true(kept_for(f, &f->keys[i]));
}

static int64_t
site_of(struct fx *f, const char *code)
{
	return store_site_id(f->x.db, f->x.review, code);
}

static void
test_changes_drop_what_was_kept(void **state)
{
	struct fx *f = *state;
	char sql[512];
	int64_t row;

	/* a school's corrected count */
	warm_set(f, "race", "oss");
	snprintf(sql, sizeof(sql), "SELECT id FROM subgroup_row WHERE site_id = %lld AND year = '2024-25' AND "
		 "dimension = 'race' AND grp = 'White' AND metric_id = (SELECT id FROM metric WHERE code = 'oss')",
		 (long long)site_of(f, "RHS"));
	row = fixture_int(f->x.db, sql);
	assert_true(row > 0);
	assert_int_equal(subgroup_set_cell(f->x.db, f->x.review, row, SUBGROUP_KEEP, 3, LEAD), QREL_OK);
	after_change(f);

	/* a State row added */
	import_rows(f, "state", "site,year,metric,dimension,group,enrolled,count\n"
		    "STATE,2024-25,oss,race,Kept Test Group,1000,10\n");
	after_change(f);

	/* what the suppression does not read drops nothing: a school's name, a count set to itself */
	assert_int_equal(db_exec(f->x.db, "UPDATE site SET name = name || ' renamed' WHERE code = 'RHS'"), QREL_OK);
	assert_int_equal(db_exec(f->x.db, "UPDATE subgroup_row SET count = count, updated_at = 'x' WHERE dimension = 'race'"),
			 QREL_OK);
	assert_int_equal(db_exec(f->x.db, "UPDATE metric SET name = name || ' renamed' WHERE code = 'oss'"), QREL_OK);
	for (size_t i = 0; i < f->nkeys; i++)
		assert_true(kept_for(f, &f->keys[i]));

	/* a school's code (the complement order) */
	assert_int_equal(db_exec(f->x.db, "UPDATE site SET code = 'AAA' WHERE code = 'RHS'"), QREL_OK);
	after_change(f);
	assert_int_equal(db_exec(f->x.db, "UPDATE site SET code = 'RHS' WHERE code = 'AAA'"), QREL_OK);
	after_change(f);

	/* the metric's direction (the flags) */
	assert_int_equal(db_exec(f->x.db, "UPDATE metric SET direction = 'favourable' WHERE code = 'oss'"), QREL_OK);
	after_change(f);
	assert_int_equal(db_exec(f->x.db, "UPDATE metric SET direction = 'adverse' WHERE code = 'oss'"), QREL_OK);
	after_change(f);

	/* an earlier year's row (the flags over years) */
	assert_int_equal(db_exec(f->x.db, "UPDATE subgroup_row SET count = count + 1 WHERE year = '2023-24' AND dimension "
				 "= 'race' AND grp = 'White' AND count < enrolled AND metric_id = (SELECT id FROM metric "
				 "WHERE code = 'oss')"), QREL_OK);
	after_change(f);
}

/* A school new to a set joins it: every table of the set changes with it. */
static void
test_new_school_joins_the_set(void **state)
{
	struct fx *f = *state;
	size_t before;

	import_rows(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		    "DO,2024-25,oss,joined,A,400,30\nDO,2024-25,oss,joined,B,300,4\nDO,2024-25,oss,joined,C,9,2\n"
		    "RHS,2024-25,oss,joined,A,200,15\nRHS,2024-25,oss,joined,B,150,2\nRHS,2024-25,oss,joined,C,4,1\n");
	before = warm_set(f, "joined", "oss");
	import_rows(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		    "EHS,2024-25,oss,joined,A,200,15\nEHS,2024-25,oss,joined,B,150,2\nEHS,2024-25,oss,joined,C,5,1\n");
	after_change(f);
	assert_int_equal(warm_set(f, "joined", "oss"), before + 1);
}

/* A kept row that shows a count the primary rule withholds, or says what no
 * suppression says, is not trusted: the table is computed whole. */
static void
test_planted_row_refused(void **state)
{
	struct fx *f = *state;
	unsigned long refused = subgroup_kept_stats.refused;
	size_t planted = 0;

	import_random_sets(f);
	all_keys(f, "kept");
	for (size_t i = 0; i < f->nkeys; i++)
		load_same(f, f->x.db, &f->keys[i], &f->x.s, NULL);
	/* every cell shown in the tables with a count of 1 to min_display - 1 */
	assert_int_equal(db_exec(f->x.db, "UPDATE subgroup_kept SET hidden = zeroblob(nrows), total_withheld = 0 "
				 "WHERE EXISTS (SELECT 1 FROM subgroup_row r WHERE r.site_id = subgroup_kept.site_id AND "
				 "r.year = subgroup_kept.year AND r.metric_id = subgroup_kept.metric_id AND r.dimension = "
				 "subgroup_kept.dimension AND r.count BETWEEN 1 AND 9)"), QREL_OK);
	for (size_t i = 0; i < f->nkeys; i++) {
		bool hit;

		load_same(f, f->x.db, &f->keys[i], &f->x.s, &hit);
		planted += !hit;
	}
	assert_true(planted > 0);
	assert_int_equal(subgroup_kept_stats.refused, refused + planted);

	/* a value no suppression writes */
	load_same(f, f->x.db, &f->keys[0], &f->x.s, NULL);
	refused = subgroup_kept_stats.refused;
	plant(f, &f->keys[0], f->keys[0].site, 3);
	load_same(f, f->x.db, &f->keys[0], &f->x.s, NULL);
	assert_int_equal(subgroup_kept_stats.refused, refused + 1);
}

/* Nothing is kept from a snapshot another connection has committed over, nor
 * on a read-only connection, nor in a caller's transaction. */
static void
test_kept_only_when_current(void **state)
{
	struct fx *f = *state;
	struct subgroup_table t;
	struct db *other, *ro;
	long long version;
	int hidden[1] = { 0 };
	struct kept_member m = { 0, hidden, 1, false };

	all_keys(f, "race");
	m.site = f->keys[0].site;
	version = fixture_int(f->x.db, "PRAGMA data_version");
	assert_int_equal(db_open(f->x.path, 0, &other), QREL_OK);
	assert_int_equal(db_exec(other, "UPDATE site SET name = name || ' '"), QREL_OK);
	db_close(other);
	subgroup_kept_write(f->x.db, &f->keys[0], &f->x.s, version, &m, 1);
	assert_int_equal(kept_rows(f), 0);
	/* the same write with the current version is kept */
	subgroup_kept_write(f->x.db, &f->keys[0], &f->x.s, fixture_int(f->x.db, "PRAGMA data_version"), &m, 1);
	assert_int_equal(kept_rows(f), 1);
	assert_int_equal(db_exec(f->x.db, "DELETE FROM subgroup_kept"), QREL_OK);

	assert_int_equal(db_open(f->x.path, DB_READONLY, &ro), QREL_OK);
	for (size_t i = 0; i < f->nkeys; i++) {
		assert_int_equal(subgroup_load(ro, &f->keys[i], &f->x.s, &t), QREL_OK);
		subgroup_table_free(&t);
	}
	db_close(ro);
	assert_int_equal(kept_rows(f), 0);
	assert_int_equal(db_begin(f->x.db), QREL_OK);
	for (size_t i = 0; i < f->nkeys; i++) {
		assert_int_equal(subgroup_load(f->x.db, &f->keys[i], &f->x.s, &t), QREL_OK);
		subgroup_table_free(&t);
	}
	assert_int_equal(db_commit(f->x.db), QREL_OK);
	assert_int_equal(kept_rows(f), 0);
}

/* `qrel check` finds nothing wrong with kept rows, and names a trigger that
 * would keep them current when it is gone. */
static void
test_check(void **state)
{
	struct fx *f = *state;
	struct check_report r;
	char buf[4096] = "";
	FILE *out;

	every_table(f, "race", &f->x.s);
	assert_true(kept_rows(f) > 0);
	assert_non_null(out = fmemopen(buf, sizeof(buf) - 1, "w"));
	assert_int_equal(check_store(f->x.db, out, &r), QREL_OK);
	assert_int_equal(r.problems, 0);
	assert_int_equal(db_exec(f->x.db, "DROP TRIGGER subgroup_kept_row_update"), QREL_OK);
	assert_int_equal(check_store(f->x.db, out, &r), QREL_DB);
	fclose(out);
	assert_int_equal(r.problems, 1);
	assert_non_null(strstr(buf, "Trigger subgroup_kept_row_update is missing: corrected subgroup rows"));
}

/* ---- across sites and many tables ---- */

/* Every field of the first n points of a and b. */
static void
same_points(const struct subgroup_point *a, const struct subgroup_point *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(a[i].label, b[i].label);
		assert_string_equal(a[i].site_name, b[i].site_name);
		assert_int_equal(a[i].site, b[i].site);
		same_entry(&a[i].entry, &b[i].entry);
	}
}

/* group across sites computed whole, as cold() computes a table. */
static void
cold_across(struct fx *f, const struct subgroup_key *k, const char *group, struct subgroup_point **p, size_t *n)
{
	unsigned long hits = subgroup_kept_stats.hits, kept = subgroup_kept_stats.sets_kept;

	assert_int_equal(db_begin(f->x.db), QREL_OK);
	assert_int_equal(db_exec(f->x.db, "DELETE FROM subgroup_kept"), QREL_OK);
	assert_int_equal(subgroup_across_sites(f->x.db, k, group, &f->x.s, SIZE_MAX, p, n), QREL_OK);
	db_rollback(f->x.db);
	assert_int_equal(subgroup_kept_stats.hits, hits);
	assert_int_equal(subgroup_kept_stats.sets_kept, kept);
	assert_true(*n > 0);
}

/* group across sites on db equals its cold computation, up to max points;
 * *hits: the tables taken from their kept rows. */
static void
across_same(struct fx *f, struct db *db, const struct subgroup_key *k, const char *group, size_t max,
	    unsigned long *hits)
{
	struct subgroup_point *want, *got;
	size_t nwant, ngot;
	unsigned long before = subgroup_kept_stats.hits;

	cold_across(f, k, group, &want, &nwant);
	assert_int_equal(subgroup_across_sites(db, k, group, &f->x.s, max, &got, &ngot), QREL_OK);
	assert_int_equal(ngot, nwant < max ? nwant : max);
	same_points(want, got, ngot);
	*hits = subgroup_kept_stats.hits - before;
	free(want);
	free(got);
}

/* The keys of the tables of the set of f->keys[first] (all_keys' order): *n of them. */
static size_t
set_of(struct fx *f, size_t first, size_t *n)
{
	const struct subgroup_key *a = &f->keys[first];

	for (*n = 1; first + *n < f->nkeys; (*n)++) {
		const struct subgroup_key *b = &f->keys[first + *n];

		if (a->metric != b->metric || strcmp(a->year, b->year) != 0 || strcmp(a->dimension, b->dimension) != 0)
			break;
	}
	return first;
}

/* Across sites: the first look at a set computes it whole and keeps it;
 * after that every site's table comes from its kept row (on a read-only
 * connection too), and max stops at the first points: all as computed whole. */
static void
test_across_sites(void **state)
{
	struct fx *f = *state;
	struct db *ro;
	size_t sets = 0;

	import_random_sets(f);
	all_keys(f, "kept");
	assert_int_equal(db_open(f->x.path, DB_READONLY, &ro), QREL_OK);
	for (size_t i = 0, n; i < f->nkeys; i += n) {
		const struct subgroup_key *k = &f->keys[set_of(f, i, &n)];
		unsigned long kept = subgroup_kept_stats.sets_kept, refused = subgroup_kept_stats.refused, hits;
		char group[8];

		assert_true(n >= 3);	/* the district and its schools: every one has every group */
		across_same(f, f->x.db, k, "G0", SIZE_MAX, &hits);
		assert_int_equal(hits, 0);
		assert_int_equal(subgroup_kept_stats.sets_kept, kept + 1);
		for (int g = 0; g < 2; g++) {
			snprintf(group, sizeof(group), "G%d", g);
			across_same(f, f->x.db, &f->keys[i + n - 1], group, SIZE_MAX, &hits);
			assert_int_equal(hits, n);
			across_same(f, ro, k, group, SIZE_MAX, &hits);
			assert_int_equal(hits, n);
			across_same(f, f->x.db, k, group, 2, &hits);
			assert_int_equal(hits, 2);
		}
		assert_int_equal(subgroup_kept_stats.sets_kept, kept + 1);
		assert_int_equal(subgroup_kept_stats.refused, refused);
		sets++;
	}
	db_close(ro);
	assert_int_equal(sets, LINKED_SETS);
}

/* Deletes site's kept row for k's (metric, dimension). */
static void
drop_row(struct fx *f, const struct subgroup_key *k, int64_t site)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "DELETE FROM subgroup_kept WHERE site_id = %lld AND dimension = '%s'",
		 (long long)site, k->dimension);
	assert_int_equal(db_exec(f->x.db, sql), QREL_OK);
	assert_int_equal(sqlite3_changes(db_handle(f->x.db)), 1);
}

/* A school's kept row refused, or missing, and across sites computes the set
 * whole: the same points, and the set kept again. */
static void
test_across_sites_falls_back(void **state)
{
	struct fx *f = *state;
	const struct subgroup_key *k;
	unsigned long refused, kept, hits;
	size_t n;

	import_random_sets(f);
	all_keys(f, "kept");
	k = &f->keys[set_of(f, 0, &n)];
	across_same(f, f->x.db, k, "G1", SIZE_MAX, &hits);
	assert_true(kept_for(f, &f->keys[n - 1]));

	/* the last school's row says what no suppression says */
	plant(f, k, f->keys[n - 1].site, 3);
	refused = subgroup_kept_stats.refused;
	kept = subgroup_kept_stats.sets_kept;
	across_same(f, f->x.db, k, "G1", SIZE_MAX, &hits);
	assert_int_equal(subgroup_kept_stats.refused, refused + 1);
	assert_int_equal(subgroup_kept_stats.sets_kept, kept + 1);
	across_same(f, f->x.db, k, "G1", SIZE_MAX, &hits);
	assert_int_equal(hits, n);
	assert_int_equal(subgroup_kept_stats.refused, refused + 1);

	/* a school's row gone: that school is still listed */
	drop_row(f, k, f->keys[1].site);
	across_same(f, f->x.db, k, "G1", SIZE_MAX, &hits);
	assert_int_equal(subgroup_kept_stats.sets_kept, kept + 2);
	assert_true(kept_for(f, &f->keys[1]));
	across_same(f, f->x.db, k, "G1", SIZE_MAX, &hits);
	assert_int_equal(hits, n);
	assert_int_equal(subgroup_kept_stats.refused, refused + 1);
}

/* A caller taking every table in set order (the report) takes a set's
 * suppression from its kept rows when every member has one that fits, else
 * computes it; every table as computed whole. *read: the sets taken so. */
static void
every_table_in(struct fx *f, unsigned long *read)
{
	struct subgroup_sets *c = subgroup_sets_new();
	unsigned long before = subgroup_kept_stats.sets_read, hits = subgroup_kept_stats.hits;

	assert_non_null(c);
	for (size_t i = 0; i < f->nkeys; i++) {
		struct subgroup_table want, got;

		cold(f, &f->keys[i], &f->x.s, &want);
		assert_int_equal(subgroup_load_in(f->x.db, &f->keys[i], &f->x.s, c, &got), QREL_OK);
		same_table(&want, &got);
		subgroup_table_free(&want);
		subgroup_table_free(&got);
	}
	subgroup_sets_free(c);
	assert_int_equal(subgroup_kept_stats.hits, hits);	/* no table read on its own */
	*read = subgroup_kept_stats.sets_read - before;
}

static void
test_sets_from_kept_rows(void **state)
{
	struct fx *f = *state;
	unsigned long read, kept = subgroup_kept_stats.sets_kept, refused = subgroup_kept_stats.refused;
	size_t n;

	import_random_sets(f);
	all_keys(f, "kept");
	every_table_in(f, &read);
	assert_int_equal(read, 0);
	assert_int_equal(subgroup_kept_stats.sets_kept, kept + LINKED_SETS);
	every_table_in(f, &read);
	assert_int_equal(read, LINKED_SETS);
	assert_int_equal(subgroup_kept_stats.sets_kept, kept + LINKED_SETS);

	/* one set's school without its row, another's refused: both computed */
	set_of(f, 0, &n);
	drop_row(f, &f->keys[0], f->keys[1].site);
	plant(f, &f->keys[n], f->keys[n].site, 3);
	every_table_in(f, &read);
	assert_int_equal(read, LINKED_SETS - 2);
	assert_int_equal(subgroup_kept_stats.refused, refused + 1);
	assert_int_equal(subgroup_kept_stats.sets_kept, kept + LINKED_SETS + 2);
}

/* Derived data stays home: the bundle's tables are its own list. */
static void
test_not_in_bundles(void **state)
{
	UNUSED(state);
	assert_null(strstr(sync_bundle_ddl, "subgroup_kept"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sample_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_kept_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_drop_what_was_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_school_joins_the_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_row_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_only_when_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_across_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_across_sites_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sets_from_kept_rows, setup, teardown),
		cmocka_unit_test(test_not_in_bundles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

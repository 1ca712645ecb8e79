/* test_subgroup.c: subgroup tables from the store: statistics, suppression, sustained flags, corrections and finding notes. */
#include "qrel/qrel.h"

#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"

#include <unistd.h>

#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/import.h"
#include "qrel/review.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/util.h"

struct fx {
	char dir[64];
	struct db *db;
	int64_t review, lead;
	struct settings s;
	struct subgroup_table t;
};

static const char framework_sql[] =
	"INSERT INTO framework(uuid, code, title, version, hash, levels, source) "
	"VALUES ('f0000000-0000-4000-8000-000000000001', 'test', 'Test', '1', 'h', 3, '');"
	"INSERT INTO domain(framework_id, code, title, position) VALUES (1, '1', 'Outcomes', 1);"
	"INSERT INTO cluster(framework_id, domain_id, code, title, position) VALUES "
	"(1, 1, '1.1', 'Access', 1), (1, 1, '1.3', 'Discipline', 2);";

static const char sites_csv[] =
	"code,name,kind\nDO,Central Office,district\nS1,Maple School,school\nS2,Oak School,school\n";
static const char people_csv[] = "name,role,site\nAnn Lead,lead,\n";
static const char metrics_csv[] =
	"code,name,direction,denominator,cluster\n"
	"oss,Out-of-school suspension,adverse,,1.3\n"
	"ap,AP course enrolment,favourable,,1.1\n";

/* DO race: the sample review's district figures. */
static const char subgroups_csv[] =
	"site,year,metric,dimension,group,enrolled,count\n"
	"DO,2023-24,oss,race,American Indian or Alaska Native,8,1\n"
	"DO,2023-24,oss,race,Asian,908,4\n"
	"DO,2023-24,oss,race,Black or African American,1669,82\n"
	"DO,2023-24,oss,race,Hispanic or Latino,1433,20\n"
	"DO,2023-24,oss,race,Native Hawaiian or Other Pacific Islander,5,0\n"
	"DO,2023-24,oss,race,White,4280,37\n"
	"DO,2023-24,oss,race,Two or more races,602,8\n"
	"DO,2024-25,oss,race,American Indian or Alaska Native,7,0\n"
	"DO,2024-25,oss,race,Asian,920,0\n"
	"DO,2024-25,oss,race,Black or African American,1693,67\n"
	"DO,2024-25,oss,race,Hispanic or Latino,1458,16\n"
	"DO,2024-25,oss,race,Native Hawaiian or Other Pacific Islander,4,0\n"
	"DO,2024-25,oss,race,White,4344,29\n"
	"DO,2024-25,oss,race,Two or more races,614,10\n"
	"DO,2024-25,oss,small,A,5,1\n"
	"DO,2024-25,oss,small,B,200,12\n"
	"DO,2024-25,oss,small,C,300,40\n"
	"DO,2024-25,oss,small,D,400,30\n"
	"DO,2023-24,oss,ell,English learners,200,10\n"
	"DO,2023-24,oss,ell,Non-English learners,2000,100\n"
	"DO,2024-25,oss,ell,English learners,200,40\n"
	"DO,2024-25,oss,ell,Non-English learners,2000,40\n"
	"DO,2024-25,oss,edge,X,100,30\n"
	"DO,2024-25,oss,edge,Y,1000,100\n"
	"DO,2024-25,oss,one,Only,8,3\n"
	"DO,2024-25,ap,race,G1,500,10\n"
	"DO,2024-25,ap,race,G2,1000,200\n"
	"S1,2024-25,oss,race,Black or African American,100,12\n"
	"S1,2024-25,oss,race,White,400,10\n"
	"S2,2024-25,oss,race,White,300,6\n"
	"S2,2024-25,oss,race,Black or African American,90,2\n";

/* State figures for DO 2024-25 suspension: "w3" (three groups, none hidden)
 * and race (the district's table has hidden rows). */
static const char state_csv[] =
	"site,year,metric,dimension,group,enrolled,count\n"
	"STATE,2024-25,oss,w3,A,1000,10\n"
	"STATE,2024-25,oss,w3,B,3000,30\n"
	"STATE,2024-25,oss,w3,C,6000,60\n"
	"STATE,2024-25,oss,race,American Indian or Alaska Native,1929,41\n"
	"STATE,2024-25,oss,race,Asian,68666,226\n"
	"STATE,2024-25,oss,race,Black or African American,86976,2802\n"
	"STATE,2024-25,oss,race,Hispanic or Latino,224307,3696\n"
	"STATE,2024-25,oss,race,Native Hawaiian or Other Pacific Islander,1500,12\n"
	"STATE,2024-25,oss,race,White,390000,3100\n"
	"STATE,2024-25,oss,race,Two or more races,40000,500\n";

/* |a - b| < eps, without libm. */
static bool
near(double a, double b, double eps)
{
	return a - b < eps && b - a < eps;
}

/* Imports text as kind; returns import_file's status. */
static int
try_import(struct fx *f, const char *kind, const char *text)
{
	char path[128];
	struct diags d = { 0 };
	struct import_stats st;
	FILE *out;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.csv", f->dir, kind);
	assert_non_null(out = fopen(path, "wb"));
	fputs(text, out);
	fclose(out);
	rc = import_file(f->db, f->review, kind, path, "Ann Lead", &d, &st);
	diag_free(&d);
	unlink(path);
	return rc;
}

static void
import(struct fx *f, const char *kind, const char *text)
{
	assert_int_equal(try_import(f, kind, text), QREL_OK);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[96];

	setenv("QREL_NOW", "2025-05-01T10:00:00Z", 1);
	strcpy(f->dir, "/tmp/qrel-subgroup-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", f->dir);
	if (db_open(path, DB_CREATE, &f->db) != QREL_OK || db_exec(f->db, framework_sql) != QREL_OK ||
	    store_review_create(f->db, "Test", "District", 1, &f->review) != QREL_OK)
		return -1;
	import(f, "sites", sites_csv);
	import(f, "people", people_csv);
	import(f, "metrics", metrics_csv);
	import(f, "subgroups", subgroups_csv);
	f->lead = store_person_id(f->db, f->review, "Ann Lead");
	settings_default(&f->s);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	subgroup_table_free(&f->t);
	settings_free(&f->s);
	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	free(f);
	return system(cmd);
}

static int64_t
metric_id(struct fx *f, const char *code)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	sqlite3_prepare_v2(db_handle(f->db), "SELECT id FROM metric WHERE code = ?1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static void
make_key(struct fx *f, struct subgroup_key *k, const char *site, const char *year, const char *metric,
	 const char *dim)
{
	memset(k, 0, sizeof(*k));
	k->site = store_site_id(f->db, f->review, site);
	snprintf(k->year, sizeof(k->year), "%s", year);
	k->metric = metric_id(f, metric);
	snprintf(k->dimension, sizeof(k->dimension), "%s", dim);
}

/* Loads a table into f->t, freeing the last one. */
static const struct subgroup_entry *
load(struct fx *f, const char *site, const char *year, const char *metric, const char *dim)
{
	struct subgroup_key k;

	subgroup_table_free(&f->t);
	make_key(f, &k, site, year, metric, dim);
	assert_int_equal(subgroup_load(f->db, &k, &f->s, &f->t), QREL_OK);
	return f->t.row;
}

static const struct subgroup_entry *
row(struct fx *f, const char *group)
{
	int i = subgroup_find(&f->t, group);

	assert_true(i >= 0);
	return &f->t.row[i];
}

static long long
count_sql(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	sqlite3_prepare_v2(db_handle(f->db), sql, -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_lists(void **state)
{
	struct fx *f = *state;
	char years[8][SUBGROUP_YEAR], dims[8][SUBGROUP_TEXT];
	struct subgroup_metric m[8];
	size_t n;
	struct subgroup_key k = { .site = store_site_id(f->db, f->review, "DO") };

	assert_int_equal(subgroup_years(f->db, k.site, years, 8, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(years[0], "2023-24");
	assert_int_equal(subgroup_metrics(f->db, k.site, m, 8, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].code, "oss");
	assert_false(m[0].favourable);
	assert_true(m[1].favourable);
	assert_int_equal(subgroup_dimensions(f->db, k.site, m[0].id, dims, 8, &n), QREL_OK);
	assert_int_equal(n, 5);
	assert_string_equal(dims[0], "race");
	assert_int_equal(subgroup_key_fix(f->db, &k), QREL_OK);
	assert_string_equal(k.year, "2024-25");
	assert_int_equal(k.metric, m[0].id);
	assert_string_equal(k.dimension, "race");
}

/* 67 / 1693 against (16 + 29 + 10) / (7 + 920 + 1458 + 4 + 4344 + 614):
 * 67 * 7347 / (1693 * 55) = 5.28646. */
static void
test_table_flags_black_students(void **state)
{
	struct fx *f = *state;
	const struct subgroup_entry *b;

	load(f, "DO", "2024-25", "oss", "race");
	assert_int_equal(f->t.n, 7);
	assert_true(f->t.district);
	b = row(f, "Black or African American");
	assert_int_equal(b->count, 67);
	assert_int_equal(b->stat.kind, RISK_RATIO);
	assert_true(near(b->stat.ratio.value, 5.286463, 1e-5));
	assert_true(b->flagged);
	assert_false(row(f, "White")->flagged);
	assert_int_equal(f->t.enrolled, 9040);
	assert_int_equal(f->t.count, 122);
}

static void
assert_hidden(const struct subgroup_entry *e)
{
	assert_true(e->hidden);
	assert_int_equal(e->count, -1);
	assert_false(e->flagged);
	assert_false(e->stat.risk.defined);
	assert_false(e->stat.comparison_risk.defined);
	assert_false(e->stat.ratio.defined);
	assert_false(e->stat.outcome_share.defined);
	assert_false(e->stat.share_difference.defined);
	assert_false(e->stat.expected_count.defined);
}

/* Groups of 7 and 4 students: no count, no rate, nothing derived; Asian
 * (920 students, none suspended) shows its 0. */
static void
test_small_groups_hidden(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "race");
	assert_hidden(row(f, "American Indian or Alaska Native"));
	assert_hidden(row(f, "Native Hawaiian or Other Pacific Islander"));
	assert_true(row(f, "Native Hawaiian or Other Pacific Islander")->stat.enrolled_share.defined);
	/* The two small groups had no suspensions; with the total shown, that
	 * would follow from the other rows. The complements come in the fixed
	 * order of raw_rank (no count decides it): Hispanic or Latino (16) is
	 * the first not flagged, so the hidden rows sum to the display minimum
	 * and no withheld count has one possible value; Two or more races (10)
	 * and Asian (0 of 920) stay. */
	assert_int_equal(f->t.nhidden, 3);
	assert_hidden(row(f, "Hispanic or Latino"));
	assert_false(row(f, "Two or more races")->hidden);
	assert_false(row(f, "Asian")->hidden);
	assert_int_equal(row(f, "Asian")->count, 0);
}

/* A (5 students, 1 suspended) is hidden; with the total shown, B (the
 * smallest shown count) is hidden too, so A cannot be worked out. */
static void
test_complementary_suppression(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "small");
	assert_int_equal(f->t.nhidden, 2);
	assert_hidden(row(f, "A"));
	assert_hidden(row(f, "B"));
	assert_int_equal(row(f, "C")->count, 40);
	assert_int_equal(row(f, "D")->count, 30);
	assert_int_equal(f->t.count, 83);
}

/* A one-row table: the total is the row, so it is hidden too. */
static void
test_single_row_total_hidden(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "one");
	assert_hidden(row(f, "Only"));
	assert_int_equal(f->t.count, -1);
}

/* Ratio exactly 3.0 (0.3 / 0.1) is not past the threshold. */
static void
test_threshold_is_strict(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "edge");
	assert_true(near(row(f, "X")->stat.ratio.value, 3.0, 1e-12));
	assert_false(row(f, "X")->flagged);
	f->s.threshold = 2.9;
	load(f, "DO", "2024-25", "oss", "edge");
	assert_true(row(f, "X")->flagged);
}

/* English learners: ratio 1.0 in 2023-24, 10.0 in 2024-25. Black students:
 * 5.08 then 5.29. */
static void
test_sustained_flags(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "ell");
	assert_true(row(f, "English learners")->flagged);
	f->s.flag_years = 2;
	load(f, "DO", "2024-25", "oss", "ell");
	assert_false(row(f, "English learners")->flagged);
	assert_true(row(f, "English learners")->stat.flagged);	/* this year alone */
	load(f, "DO", "2024-25", "oss", "race");
	assert_true(row(f, "Black or African American")->flagged);
	f->s.flag_years = 3;	/* no 2022-23 data */
	load(f, "DO", "2024-25", "oss", "race");
	assert_false(row(f, "Black or African American")->flagged);
}

/* AP: G1 10 / 500 = 2% against G2 200 / 1000 = 20%: ratio 0.1 < 1/3. */
static void
test_favourable_flag_and_finding(void **state)
{
	struct fx *f = *state;
	char text[SUBGROUP_FINDING];

	load(f, "DO", "2024-25", "ap", "race");
	assert_true(row(f, "G1")->flagged);
	assert_false(row(f, "G2")->flagged);
	assert_int_equal(subgroup_finding(&f->t, (size_t)subgroup_find(&f->t, "G1"), text, sizeof(text)),
			 QREL_OK);
	assert_string_equal(text, "G1 students: AP course enrolment rate 2.0% vs 20.0% for all other "
			    "students (risk ratio 0.10, 2024-25, district)");
}

static void
test_finding_text(void **state)
{
	struct fx *f = *state;
	char text[SUBGROUP_FINDING];

	load(f, "DO", "2024-25", "oss", "race");
	assert_int_equal(subgroup_finding(&f->t, (size_t)subgroup_find(&f->t, "Black or African American"),
					  text, sizeof(text)), QREL_OK);
	assert_string_equal(text, "Black or African American students: out-of-school suspension risk "
			    "4.0% vs 0.7% for all other students (risk ratio 5.29, 2024-25, district)");
	assert_int_equal(subgroup_finding(&f->t, (size_t)subgroup_find(&f->t, "White"), text, sizeof(text)),
			 QREL_NOTFOUND);
	load(f, "DO", "2024-25", "oss", "ell");
	assert_int_equal(subgroup_finding(&f->t, 0, text, sizeof(text)), QREL_OK);
	assert_string_equal(text, "English learners: out-of-school suspension risk 20.0% vs 2.0% for all "
			    "other students (risk ratio 10.00, 2024-25, district)");
}

static void
test_school_finding_names_school(void **state)
{
	struct fx *f = *state;
	char text[SUBGROUP_FINDING];

	/* 12 / 100 against 10 / 400: 4.8 */
	load(f, "S1", "2024-25", "oss", "race");
	assert_int_equal(subgroup_finding(&f->t, 0, text, sizeof(text)), QREL_OK);
	assert_non_null(strstr(text, "(risk ratio 4.80, 2024-25, Maple School)"));
}

static void
test_note_from_flag(void **state)
{
	struct fx *f = *state;
	size_t b;
	int64_t note = 0;
	char text[SUBGROUP_FINDING], sql[256];

	load(f, "DO", "2024-25", "oss", "race");
	b = (size_t)subgroup_find(&f->t, "Black or African American");
	assert_int_equal(subgroup_write_note(f->db, f->review, &f->t, b, 0, "Nobody", &note), QREL_DENIED);
	assert_int_equal(subgroup_write_note(f->db, f->review, &f->t, (size_t)subgroup_find(&f->t, "White"),
					     f->lead, "Ann Lead", &note), QREL_NOTFOUND);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM note"), 0);
	assert_int_equal(subgroup_write_note(f->db, f->review, &f->t, b, f->lead, "Ann Lead", &note), QREL_OK);
	subgroup_finding(&f->t, b, text, sizeof(text));
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM note WHERE id = %lld AND source = 'document_review' "
		 "AND valence = 'growth' AND author_id = %lld", (long long)note, (long long)f->lead);
	assert_int_equal(count_sql(f, sql), 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM note n JOIN site s ON s.id = n.site_id "
			 "WHERE s.code = 'DO' AND n.text LIKE 'Black or African American students: %5.29%'"), 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM note_cluster nc JOIN cluster c ON c.id = "
			 "nc.cluster_id WHERE c.code = '1.3'"), 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM note_subgroup WHERE dimension = 'race' "
			 "AND grp = 'Black or African American'"), 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log c JOIN note n ON n.uuid = "
			 "c.entity_uuid WHERE c.entity = 'note' AND c.who = 'Ann Lead' AND c.new = n.text"), 1);
}

static void
test_cell_edit(void **state)
{
	struct fx *f = *state;
	int64_t id;
	long long before = count_sql(f, "SELECT count(*) FROM change_log");

	load(f, "DO", "2024-25", "oss", "race");
	id = row(f, "White")->id;
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, 10, 11, "Ann Lead"), QREL_PARSE);
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, -1, 0, "Ann Lead"), QREL_PARSE);
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, 10, -1, "Ann Lead"), QREL_PARSE);
	assert_int_equal(subgroup_set_cell(f->db, f->review, 99999, 10, 1, "Ann Lead"), QREL_NOTFOUND);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log"), before);
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, 4344, 29, "Ann Lead"), QREL_OK);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log"), before);
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, 4350, 31, "Ann Lead"), QREL_OK);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log WHERE entity = 'subgroup_row' AND "
			 "field = 'enrolled' AND old = '4344' AND new = '4350' AND who = 'Ann Lead'"), 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log WHERE entity = 'subgroup_row' AND "
			 "field = 'count' AND old = '29' AND new = '31'"), 1);
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, 4350, 0, "Ann Lead"), QREL_OK);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log"), before + 3);
	/* Keep: a suppressed count is left as stored; the kept count still bounds enrolled. */
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, SUBGROUP_KEEP, 5000, "Ann Lead"), QREL_PARSE);
	assert_int_equal(subgroup_set_cell(f->db, f->review, id, 4350, SUBGROUP_KEEP, "Ann Lead"), QREL_OK);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM change_log"), before + 3);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM subgroup_row WHERE id = (SELECT id FROM subgroup_row "
			 "WHERE grp = 'White' AND year = '2024-25' AND count = 0 AND enrolled = 4350 LIMIT 1)"), 1);
	/* A zero in a large group is shown, or withheld with the rest. */
	load(f, "DO", "2024-25", "oss", "race");
	assert_true(row(f, "White")->hidden || row(f, "White")->count == 0);
	assert_int_equal(row(f, "White")->enrolled, 4350);
}

static void
test_cell_edit_locked(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "race");
	assert_int_equal(db_exec(f->db, "UPDATE site SET locked = 1 WHERE code = 'DO'"), QREL_OK);
	assert_int_equal(subgroup_set_cell(f->db, f->review, row(f, "White")->id, 10, 1, "Ann Lead"),
			 QREL_LOCKED);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM subgroup_row WHERE enrolled = 10"), 0);
}

static void
test_trend_and_sites(void **state)
{
	struct fx *f = *state;
	struct subgroup_point *p;
	struct subgroup_key k;
	size_t n;

	make_key(f, &k, "DO", "2024-25", "oss", "race");
	assert_int_equal(subgroup_trend(f->db, &k, "Black or African American", &f->s, &p, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].label, "2023-24");
	assert_int_equal(p[0].entry.count, 82);
	assert_true(near(p[0].entry.stat.ratio.value, 5.078764, 1e-5));
	free(p);
	assert_int_equal(subgroup_trend(f->db, &k, "American Indian or Alaska Native", &f->s, &p, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_true(p[0].entry.hidden && p[1].entry.hidden);
	free(p);
	assert_int_equal(subgroup_across_sites(f->db, &k, "Black or African American", &f->s, SIZE_MAX, &p, &n), QREL_OK);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].label, "DO");
	assert_string_equal(p[1].label, "S1");
	assert_true(p[1].entry.flagged);
	assert_string_equal(p[2].label, "S2");
	assert_true(p[2].entry.hidden);	/* 2 of 90 */
	free(p);
}

/* ---- a district with more schools than a fixed list held ---- */

#define BIG_SCHOOLS 1100	/* the set once stopped at 1,024 sites, the across-sites view at 256 */
#define BIG_SMALL 500		/* the one school whose group A is below min_display */

/* A district and BIG_SCHOOLS schools, one (year, metric, dimension): each
 * school's A, B and C are 20 of 100, but school BIG_SMALL's A is 3 of 100;
 * the district's rows are the schools' sums. */
static void
import_big_set(struct fx *f)
{
	char *sites = NULL, *rows = NULL;
	size_t nsites, nrows;
	FILE *s = open_memstream(&sites, &nsites), *r = open_memstream(&rows, &nrows);
	long a = 0;

	assert_non_null(s);
	assert_non_null(r);
	fputs("code,name,kind\n", s);
	fputs("site,year,metric,dimension,group,enrolled,count\n", r);
	for (int i = 1; i <= BIG_SCHOOLS; i++) {
		long c = i == BIG_SMALL ? 3 : 20;

		fprintf(s, "B%04d,School %d,school\n", i, i);
		fprintf(r, "B%04d,2024-25,oss,big,A,100,%ld\nB%04d,2024-25,oss,big,B,100,20\n"
			"B%04d,2024-25,oss,big,C,100,20\n", i, c, i, i);
		a += c;
	}
	fprintf(r, "DO,2024-25,oss,big,A,%d,%ld\nDO,2024-25,oss,big,B,%d,%d\nDO,2024-25,oss,big,C,%d,%d\n",
		100 * BIG_SCHOOLS, a, 100 * BIG_SCHOOLS, 20 * BIG_SCHOOLS, 100 * BIG_SCHOOLS, 20 * BIG_SCHOOLS);
	fclose(s);
	fclose(r);
	import(f, "sites", sites);
	import(f, "subgroups", rows);
	free(sites);
	free(rows);
}

/* 1,101 sites: the small school's A is withheld and, loading every table of
 * the set as the report does, another A in the column (the district's or a
 * school's) is withheld too, so the district's A less the schools' shown
 * ones does not give it back. More: some other school withholds A and the
 * same second group as the small school, so moving d between the two
 * schools' A and back through that group keeps every total, row and column
 * sum shown (every count here is 3 to 20 of 100): the sums pin nothing.
 * The across-sites view lists every site. */
static void
test_big_set_complements_across_schools(void **state)
{
	struct fx *f = *state;
	struct subgroup_sets *sets = subgroup_sets_new();
	struct subgroup_point *p;
	struct subgroup_key k;
	static const char *const group[] = { "A", "B", "C" };
	bool (*hid)[3] = calloc(BIG_SCHOOLS + 1, sizeof(*hid));
	char code[16];
	size_t n, hidden_a = 0, small_seen = 0, other = 0;
	int second = -1;

	assert_non_null(sets);
	assert_non_null(hid);
	import_big_set(f);
	for (int i = 0; i <= BIG_SCHOOLS; i++) {
		struct subgroup_table t;

		snprintf(code, sizeof(code), i ? "B%04d" : "DO", i);
		make_key(f, &k, code, "2024-25", "oss", "big");
		assert_int_equal(subgroup_load_in(f->db, &k, &f->s, sets, &t), QREL_OK);
		assert_int_equal(t.n, 3);
		for (int g = 0; g < 3; g++)
			hid[i][g] = t.row[subgroup_find(&t, group[g])].hidden;
		hidden_a += hid[i][0];
		if (i == BIG_SMALL)
			assert_hidden(&t.row[subgroup_find(&t, "A")]);
		subgroup_table_free(&t);
	}
	subgroup_sets_free(sets);
	for (int g = 1; g < 3; g++)
		second = second < 0 && hid[BIG_SMALL][g] ? g : second;
	assert_true(second > 0);	/* the small school's own complement (its total is shown) */
	for (int i = 1; i <= BIG_SCHOOLS; i++)
		other += i != BIG_SMALL && hid[i][0] && hid[i][second];
	free(hid);
	print_message("%d schools: %zu of %d A counts withheld; %zu other schools withhold A and %s\n",
		      BIG_SCHOOLS, hidden_a, BIG_SCHOOLS + 1, other, group[second]);
	assert_true(hidden_a >= 2);
	assert_true(other >= 1);

	make_key(f, &k, "DO", "2024-25", "oss", "big");
	assert_int_equal(subgroup_across_sites(f->db, &k, "A", &f->s, SIZE_MAX, &p, &n), QREL_OK);
	print_message("across sites: %zu of %d sites\n", n, BIG_SCHOOLS + 1);
	assert_int_equal(n, BIG_SCHOOLS + 1);
	snprintf(code, sizeof(code), "B%04d", BIG_SMALL);
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].label, code) == 0) {
			assert_hidden(&p[i].entry);
			small_seen++;
		}
	assert_int_equal(small_seen, 1);
	free(p);
}

/* ---- a set is read in one snapshot ---- */

static const char grow_white[] = "UPDATE subgroup_row SET enrolled = enrolled + 1000 WHERE grp = 'White' AND "
				 "year = '2024-25' AND dimension = 'race' AND site_id = (SELECT id FROM site WHERE code = 'S1')";

/* The set's read transaction ends with the load; in a caller's transaction
 * the load reads that one (its own uncommitted rows too) and leaves it open;
 * in db_read_begin's snapshot another connection's commit is not seen until
 * db_read_end. */
static void
test_set_snapshot(void **state)
{
	struct fx *f = *state;
	struct db *other;
	char path[96];
	long before;
	bool began;

	load(f, "S1", "2024-25", "oss", "race");
	before = f->t.enrolled;
	assert_true(sqlite3_get_autocommit(db_handle(f->db)));

	assert_int_equal(db_begin(f->db), QREL_OK);
	assert_int_equal(db_exec(f->db, grow_white), QREL_OK);
	load(f, "S1", "2024-25", "oss", "race");
	assert_int_equal(f->t.enrolled, before + 1000);
	assert_false(sqlite3_get_autocommit(db_handle(f->db)));
	db_rollback(f->db);
	load(f, "S1", "2024-25", "oss", "race");
	assert_int_equal(f->t.enrolled, before);

	snprintf(path, sizeof(path), "%s/t.db", f->dir);
	assert_int_equal(db_open(path, 0, &other), QREL_OK);
	assert_int_equal(db_read_begin(f->db, &began), QREL_OK);
	assert_true(began);
	assert_true(count_sql(f, "SELECT count(*) FROM subgroup_row") > 0);	/* the snapshot starts at a first read */
	assert_int_equal(db_exec(other, grow_white), QREL_OK);
	load(f, "S1", "2024-25", "oss", "race");
	assert_int_equal(f->t.enrolled, before);	/* the snapshot from before the commit */
	assert_false(sqlite3_get_autocommit(db_handle(f->db)));
	db_read_end(f->db, began);
	assert_true(sqlite3_get_autocommit(db_handle(f->db)));
	load(f, "S1", "2024-25", "oss", "race");
	assert_int_equal(f->t.enrolled, before + 1000);
	db_close(other);
}

/* A set keeps its rows' counts and flags; a table's statistics are computed
 * when it is taken: the same when the set was loaded for another table
 * first (taking each in turn, as the report does) as when loaded for it. */
static void
test_statistics_when_taken(void **state)
{
	struct fx *f = *state;
	struct subgroup_sets *sets = subgroup_sets_new();
	static const char *const site[] = { "S1", "DO", "S2" };
	struct subgroup_key k;

	assert_non_null(sets);
	for (size_t s = 0; s < ARRAY_SIZE(site); s++) {
		struct subgroup_table a, b;

		make_key(f, &k, site[s], "2024-25", "oss", "race");
		assert_int_equal(subgroup_load_in(f->db, &k, &f->s, sets, &a), QREL_OK);
		assert_int_equal(subgroup_load(f->db, &k, &f->s, &b), QREL_OK);
		assert_int_equal(a.n, b.n);
		assert_int_equal(a.count, b.count);
		assert_int_equal(a.nhidden, b.nhidden);
		for (size_t i = 0; i < a.n; i++) {
			assert_string_equal(a.row[i].name, b.row[i].name);
			assert_int_equal(a.row[i].id, b.row[i].id);
			assert_int_equal(a.row[i].enrolled, b.row[i].enrolled);
			assert_int_equal(a.row[i].count, b.row[i].count);
			assert_int_equal(a.row[i].hidden, b.row[i].hidden);
			assert_int_equal(a.row[i].flagged, b.row[i].flagged);
			fixture_same_stat(&a.row[i].stat, &b.row[i].stat);
		}
		subgroup_table_free(&a);
		subgroup_table_free(&b);
	}
	subgroup_sets_free(sets);
}

/* A table of groups (the hub's): the statistics risk_compute gives its
 * counts; a repeated group is refused as risk_compute refuses it. */
static void
test_from_groups_statistics(void **state)
{
	struct fx *f = *state;
	struct risk_group g[] = { { "A", 400, 60 }, { "B", 900, 30 }, { "C", 500, 25 } };
	struct risk_group twice[] = { { "A", 400, 60 }, { "A", 900, 30 } };
	struct risk_row want[3];
	struct risk_options o;
	struct subgroup_table t;

	risk_options_default(&o);
	o.min_cell = f->s.min_cell;
	o.min_n = f->s.min_n;
	o.threshold = f->s.threshold;
	assert_int_equal(risk_compute(g, 3, &o, want), 0);
	assert_true(want[0].flagged);
	assert_int_equal(subgroup_from_groups(g, 3, false, &f->s, &t), QREL_OK);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.nhidden, 0);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(t.row[i].name, g[i].name);
		assert_int_equal(t.row[i].count, g[i].count);
		assert_int_equal(t.row[i].flagged, want[i].flagged);
		fixture_same_stat(&t.row[i].stat, &want[i]);
	}
	subgroup_table_free(&t);
	assert_int_not_equal(subgroup_from_groups(twice, 2, false, &f->s, &t), QREL_OK);
	subgroup_table_free(&t);
}

/* Schools' tables with no district's: no set, each school's table read and
 * suppressed on its own (S2 shows every count whatever S1 withholds). */
static void
test_schools_without_district(void **state)
{
	struct fx *f = *state;
	struct subgroup_point *p;
	struct subgroup_key k;
	size_t n;

	import(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
	       "S1,2024-25,oss,solo,A,100,20\nS1,2024-25,oss,solo,B,100,3\n"
	       "S2,2024-25,oss,solo,A,100,20\nS2,2024-25,oss,solo,B,100,20\n");
	load(f, "S1", "2024-25", "oss", "solo");
	assert_int_equal(f->t.n, 2);
	assert_hidden(row(f, "B"));
	load(f, "S2", "2024-25", "oss", "solo");
	assert_int_equal(f->t.n, 2);
	assert_string_equal(f->t.site_code, "S2");
	assert_int_equal(row(f, "A")->count, 20);
	assert_int_equal(row(f, "B")->count, 20);
	assert_int_equal(f->t.count, 40);
	make_key(f, &k, "S1", "2024-25", "oss", "solo");
	assert_int_equal(subgroup_across_sites(f->db, &k, "B", &f->s, SIZE_MAX, &p, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_true(p[0].entry.hidden);
	assert_int_equal(p[1].entry.count, 20);
	free(p);
}

/* ---- State figures: alternate and weighted ratios; the reference group ---- */

static void
set_reference(struct fx *f, const char *group)
{
	free(f->s.reference);
	f->s.reference = xstrdup(group);
}

/* "w3": A 20/100, B 20/200, C 15/300, none hidden; built with SQL. */
static void
add_w3_table(struct fx *f)
{
	assert_int_equal(db_exec(f->db, "INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, "
		"dimension, grp, enrolled, count, updated_at) SELECT lower(hex(randomblob(16))), s.review_id, s.id, "
		"'2024-25', m.id, 'w3', g.column1, g.column2, g.column3, '2025-05-01T10:00:00Z' FROM site s, "
		"metric m, (VALUES ('A', 100, 20), ('B', 200, 20), ('C', 300, 15)) g "
		"WHERE s.code = 'DO' AND m.code = 'oss'"), QREL_OK);
}

static void
test_state_import(void **state)
{
	struct fx *f = *state;

	import(f, "state", state_csv);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM state_row"), 10);
	assert_int_equal(count_sql(f, "SELECT count FROM state_row WHERE dimension = 'w3' AND grp = 'C'"), 60);
	/* Without the site column; a re-import updates, never duplicates. */
	import(f, "state", "year,metric,dimension,group,enrolled,count\n2024-25,OSS,w3,C,6000,61\n");
	assert_int_equal(count_sql(f, "SELECT count(*) FROM state_row"), 10);
	assert_int_equal(count_sql(f, "SELECT count FROM state_row WHERE dimension = 'w3' AND grp = 'C'"), 61);
	/* One good row, one bad: nothing is written. */
	assert_int_equal(try_import(f, "state", "year,metric,dimension,group,enrolled,count\n"
		"2024-25,oss,w3,C,6000,62\n2024-25,oss,w3,D,10,11\n"), QREL_PARSE);
	assert_int_equal(try_import(f, "state", "year,metric,dimension,group,enrolled,count\n"
		"2024-25,oss,w3,E,100,1\n2024-25,nope,w3,F,10,1\n"), QREL_PARSE);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM state_row"), 10);
	assert_int_equal(count_sql(f, "SELECT count FROM state_row WHERE dimension = 'w3' AND grp = 'C'"), 61);
}

/* "tiny": Big 50 of 500 against Few, 0 of 20 (under min_n 30). Without the
 * State nothing is calculated; with it, Big / the State's Few: 0.1 / (10 /
 * 1000) = 10.0, flagged. Few itself is below min_cell: never a ratio. */
static void
test_alternate_ratio_small_comparison(void **state)
{
	struct fx *f = *state;
	char text[SUBGROUP_FINDING];
	const struct subgroup_entry *big;

	assert_int_equal(db_exec(f->db, "INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, "
		"dimension, grp, enrolled, count, updated_at) SELECT lower(hex(randomblob(16))), s.review_id, "
		"s.id, '2024-25', m.id, 'tiny', g.column1, g.column2, g.column3, '2025-05-01T10:00:00Z' "
		"FROM site s, metric m, (VALUES ('Big', 500, 50), ('Few', 20, 0)) g "
		"WHERE s.code = 'DO' AND m.code = 'oss'"), QREL_OK);
	load(f, "DO", "2024-25", "oss", "tiny");
	assert_int_equal(f->t.nhidden, 0);
	assert_int_equal(row(f, "Big")->stat.kind, RISK_NOT_CALCULATED);
	assert_false(row(f, "Big")->stat.ratio.defined);
	import(f, "state", "year,metric,dimension,group,enrolled,count\n"
		"2024-25,oss,tiny,Big,10000,500\n2024-25,oss,tiny,Few,1000,10\n");
	load(f, "DO", "2024-25", "oss", "tiny");
	big = row(f, "Big");
	assert_int_equal(f->t.nstate, 2);
	assert_int_equal(big->stat.kind, RISK_ALTERNATE_RATIO);
	assert_true(near(big->stat.ratio.value, 10.0, 1e-12));
	assert_true(near(big->stat.comparison_risk.value, 0.01, 1e-12));
	assert_true(big->flagged);
	assert_int_equal(row(f, "Few")->stat.kind, RISK_NOT_CALCULATED);
	assert_int_equal(subgroup_finding(&f->t, (size_t)subgroup_find(&f->t, "Big"), text, sizeof(text)),
			 QREL_OK);
	assert_string_equal(text, "Big students: out-of-school suspension risk 10.0% vs 1.0% for all other "
			    "students in the state (alternate risk ratio 10.00, 2024-25, district)");
	/* Another year's State figures do not count. */
	assert_int_equal(db_exec(f->db, "UPDATE state_row SET year = '2023-24' WHERE dimension = 'tiny'"),
			 QREL_OK);
	load(f, "DO", "2024-25", "oss", "tiny");
	assert_int_equal(row(f, "Big")->stat.kind, RISK_NOT_CALCULATED);
}

/* WRR_i = R_i sum_{j!=i} p_j / sum_{j!=i} p_j R_j with R 0.2, 0.1, 0.05 and
 * State enrolments 1000, 3000, 6000: A 0.2 * 9000 / (300 + 300) = 3.0,
 * B 0.1 * 7000 / (200 + 300) = 1.4, C 0.05 * 4000 / (200 + 300) = 0.4. */
static void
test_weighted_ratio(void **state)
{
	struct fx *f = *state;

	add_w3_table(f);
	load(f, "DO", "2024-25", "oss", "w3");
	assert_int_equal(f->t.nstate, 0);
	for (size_t i = 0; i < f->t.n; i++)
		assert_false(f->t.row[i].stat.weighted_ratio.defined);
	assert_true(near(row(f, "A")->stat.ratio.value, 0.2 / (35.0 / 500.0), 1e-12));
	import(f, "state", state_csv);
	load(f, "DO", "2024-25", "oss", "w3");
	assert_int_equal(f->t.nhidden, 0);
	assert_false(f->t.weighted_withheld);
	assert_true(near(row(f, "A")->stat.weighted_ratio.value, 3.0, 1e-12));
	assert_true(near(row(f, "B")->stat.weighted_ratio.value, 1.4, 1e-12));
	assert_true(near(row(f, "C")->stat.weighted_ratio.value, 0.4, 1e-12));
	assert_int_equal(row(f, "A")->stat.kind, RISK_RATIO);	/* the comparison group is big enough */
}

/* With hidden rows, a shown row's weighted ratio would give their counts
 * back (the State's weights are public): every one is withheld. */
static void
test_weighted_ratio_withheld_when_hidden(void **state)
{
	struct fx *f = *state;

	import(f, "state", state_csv);
	load(f, "DO", "2024-25", "oss", "race");
	assert_true(f->t.nhidden > 0);
	assert_true(f->t.weighted_withheld);
	for (size_t i = 0; i < f->t.n; i++)
		assert_false(f->t.row[i].stat.weighted_ratio.defined);
	assert_int_equal(row(f, "Black or African American")->stat.kind, RISK_RATIO);
}

/* Black (67 / 1693) against White (29 / 4344): 67 * 4344 / (1693 * 29) =
 * 5.92802; Hispanic 16 * 4344 / (1458 * 29) = 1.64382. */
static void
test_reference_ratio(void **state)
{
	struct fx *f = *state;

	load(f, "DO", "2024-25", "oss", "race");
	assert_false(row(f, "Black or African American")->stat.reference_ratio.defined);
	set_reference(f, "White");
	load(f, "DO", "2024-25", "oss", "race");
	assert_string_equal(f->t.reference, "White");
	assert_false(f->t.reference_withheld);
	assert_true(near(row(f, "Black or African American")->stat.reference_ratio.value, 5.928020, 1e-5));
	assert_false(row(f, "White")->stat.reference_ratio.defined);	/* itself */
	assert_false(row(f, "Hispanic or Latino")->stat.reference_ratio.defined);	/* hidden */
	/* A hidden reference: a shown ratio to it would give its count back. */
	set_reference(f, "Hispanic or Latino");
	load(f, "DO", "2024-25", "oss", "race");
	assert_true(f->t.reference_withheld);
	for (size_t i = 0; i < f->t.n; i++)
		assert_false(f->t.row[i].stat.reference_ratio.defined);
	set_reference(f, "Nobody");
	load(f, "DO", "2024-25", "oss", "race");
	assert_false(f->t.reference_withheld);
	assert_false(row(f, "Black or African American")->stat.reference_ratio.defined);
}

/* The sample review: the district's suspension table by race. */
static void
test_sample_review(void **state)
{
	struct fx *f = *state;
	struct diags d = { 0 };
	char path[128];
	struct db *db;
	struct subgroup_table t;
	struct subgroup_key k = { .year = "2024-25", .dimension = "race" };

	snprintf(path, sizeof(path), "%s/sample.db", f->dir);
	assert_int_equal(review_build_sample(path, QREL_SRCDIR, &d), QREL_OK);
	diag_free(&d);
	assert_int_equal(db_open(path, 0, &db), QREL_OK);
	k.site = store_site_id(db, store_review_id(db), "DO");
	k.metric = db_int(db, "SELECT id FROM metric WHERE code = 'oss'");
	assert_int_equal(subgroup_load(db, &k, &f->s, &t), QREL_OK);
	assert_true(t.row[subgroup_find(&t, "Black or African American")].flagged);
	assert_true(t.row[subgroup_find(&t, "Black or African American")].stat.ratio.value > 4.0);
	assert_true(t.row[subgroup_find(&t, "Native Hawaiian or Other Pacific Islander")].hidden);
	assert_true(t.row[subgroup_find(&t, "American Indian or Alaska Native")].hidden);
	assert_int_equal(t.metric.cluster, store_cluster_id(db, store_review_id(db), "1.3"));
	assert_int_equal(t.nstate, 7);	/* sample-db/state.csv is in the sample */
	assert_true(t.weighted_withheld);
	subgroup_table_free(&t);
	/* Middle school, English learners: 0 of 109 beside 16 of 1141; the
	 * State's learners: 1524 of 109679. 16 * 109679 / (1141 * 1524). */
	k.site = store_site_id(db, store_review_id(db), "MMS");
	snprintf(k.dimension, sizeof(k.dimension), "ell");
	assert_int_equal(subgroup_load(db, &k, &f->s, &t), QREL_OK);
	assert_int_equal(t.row[subgroup_find(&t, "Non-English learners")].stat.kind, RISK_ALTERNATE_RATIO);
	assert_true(near(t.row[subgroup_find(&t, "Non-English learners")].stat.ratio.value,
			 16.0 * 109679.0 / (1141.0 * 1524.0), 1e-9));
	subgroup_table_free(&t);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_flags_black_students, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_groups_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complementary_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_row_total_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold_is_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sustained_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_favourable_flag_and_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finding_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_school_finding_names_school, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_from_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cell_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cell_edit_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trend_and_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_set_complements_across_schools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statistics_when_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_groups_statistics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schools_without_district, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alternate_ratio_small_comparison, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weighted_ratio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weighted_ratio_withheld_when_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reference_ratio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_review, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

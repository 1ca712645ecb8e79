/* test_report.c: the report model on the sample review, and each format's escaping, formula neutralisation, validity and suppression. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/report.h"
#include "qrel/review.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/util.h"

struct fx {
	struct sample x;	/* the sample review */
	struct report r;
};

static const char *const hostile[] = {
	"<script>alert(1)</script> \"quotes\" & 'apostrophes'",
	"=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)",
};

/* A strength note at RHS on cluster 1.1, dated after every sample note so it is quoted. */
static void
add_note(struct fx *f, const char *text, int i)
{
	static const char sql[] =
		"INSERT INTO note(uuid, review_id, site_id, source, author_id, valence, text, created_at, updated_at) "
		"VALUES (?1, ?2, (SELECT id FROM site WHERE code = 'RHS'), 'interview', "
		"(SELECT id FROM person WHERE role = 'lead'), 'strength', ?3, ?4, ?4)";
	sqlite3_stmt *st = db_stmt(f->x.db, sql);
	char uuid[40], at[32];

	assert_non_null(st);
	snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d", i);
	snprintf(at, sizeof(at), "2027-01-01T00:00:%02dZ", i);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, f->x.review);
	db_bind_text(st, 3, text);
	db_bind_text(st, 4, at);
	assert_int_equal(db_step_done(f->x.db, st, "note"), QREL_OK);
	assert_int_equal(db_exec(f->x.db, "INSERT INTO note_cluster(note_id, cluster_id) SELECT max(n.id), c.id "
				 "FROM note n, cluster c WHERE c.code = '1.1'"), QREL_OK);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sample_open(&f->x, "/tmp/qrel-test-report.XXXXXX") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	report_free(&f->r);
	if (sample_close(&f->x) != 0)
		return -1;
	free(f);
	return 0;
}

static void
build(struct fx *f, int quotes)
{
	struct report_options o = { .quotes = quotes, .settings = &f->x.s, .viewer = "Ségolène Arceneaux" };

	assert_int_equal(report_build(f->x.db, f->x.review, &o, &f->r), QREL_OK);
}

/* The whole document in a malloc'd string. */
static char *
render(struct fx *f, enum report_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(report_write(&f->r, fmt, m), QREL_OK);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* A saved report is written as it is made: the file holds what the stream gets,
 * and the flagged tables read back from their spool the same every time. */
static void
test_save_is_the_stream(void **state)
{
	static const enum report_format fmts[] = { REPORT_HTML, REPORT_MD, REPORT_CSV, REPORT_JSON };
	struct fx *f = *state;
	struct subgroup_table t;

	build(f, REPORT_QUOTES);
	assert_true(f->r.nfindings > 0);
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char path[128], *streamed = render(f, fmts[i]), *again = render(f, fmts[i]), *saved;
		size_t len;

		snprintf(path, sizeof(path), "%s/report%s", f->x.dir, report_format_ext(fmts[i]));
		assert_int_equal(report_save(&f->r, fmts[i], path), QREL_OK);
		assert_non_null(saved = file_read(path, &len));
		assert_int_equal(len, strlen(streamed));
		assert_string_equal(saved, streamed);
		assert_string_equal(again, streamed);
		free(saved);
		free(again);
		free(streamed);
	}
	assert_int_not_equal(report_finding(&f->r, f->r.nfindings, &t), QREL_OK);
	assert_int_not_equal(report_finding(&f->r, -1, &t), QREL_OK);
}

static void
test_model(void **state)
{
	struct fx *f = *state;
	int total = 0, flagged = 0;

	build(f, REPORT_QUOTES);
	assert_string_equal(f->r.title, "Riverbend Unified QREL 2026");
	assert_int_equal(f->r.nsites, 7);
	assert_int_equal(f->r.frame.ndom, 4);
	assert_int_equal(f->r.frame.ncl, 18);
	assert_int_equal(f->r.frame.levels, 3);
	assert_int_equal(f->r.nteam, 12);
	assert_string_equal(f->r.team[0].role, "lead");
	for (int i = 0; i < REPORT_SOURCES; i++)
		total += f->r.activities[i];
	assert_int_equal(total, 74);
	assert_int_equal(f->r.activities[0], 22);	/* interviews */
	assert_int_equal(f->r.activities[1], 15);	/* focus groups */
	assert_string_equal(f->r.starts, "2026-02-02");
	assert_string_equal(f->r.ends, "2026-03-31");
	for (int c = 0; c < f->r.frame.ncl; c++) {
		assert_true(f->r.quotes[c].nstrength <= REPORT_QUOTES);
		assert_true(f->r.quotes[c].nstrength <= f->r.quotes[c].total_strength);
	}
	assert_true(f->r.agree_all.units > 0 && f->r.agree_all.raters > 1);
	assert_false(f->r.agree_all.cohen.defined);
	assert_true(f->r.nfindings > 0);
	for (int i = 0; i < f->r.nfindings; i++) {
		struct subgroup_table t;

		assert_int_equal(report_finding(&f->r, i, &t), QREL_OK);
		for (size_t k = 0; k < t.n; k++)
			flagged += t.row[k].flagged;
		subgroup_table_free(&t);
	}
	assert_true(flagged >= f->r.nfindings);
	assert_true(f->r.nflagged >= f->r.nfindings);
}

/* Cells agree with the scores table: EHS 1.3 has consensus 2 and raters two levels apart. */
static void
test_cells(void **state)
{
	struct fx *f = *state;
	const struct dash_cell *x;
	int s = -1, c;

	build(f, REPORT_QUOTES);
	c = dash_cluster_index(&f->r.frame, store_cluster_id(f->x.db, f->x.review, "1.3"));
	for (int i = 0; i < f->r.nsites; i++)
		if (strcmp(f->r.site[i].code, "EHS") == 0)
			s = i;
	assert_true(s >= 0 && c >= 0);
	x = &f->r.cell[(size_t)s * (size_t)f->r.frame.ncl + (size_t)c];
	assert_int_equal(x->consensus, 2);
	assert_int_equal(dash_team_spread(x), 2);
	assert_int_equal(x->notes, (int)db_int(f->x.db, "SELECT count(*) FROM note n JOIN note_cluster nc ON "
		"nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id JOIN site s ON s.id = n.site_id "
		"WHERE s.code = 'EHS' AND c.code = '1.3' AND n.deleted_at IS NULL"));
}

static void
test_html_escapes(void **state)
{
	struct fx *f = *state;
	char *html, *md;

	add_note(f, hostile[0], 1);
	build(f, REPORT_QUOTES);
	html = render(f, REPORT_HTML);
	md = render(f, REPORT_MD);
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot; &amp; "
				     "&#39;apostrophes&#39;"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<SCRIPT"));
	assert_null(strstr(md, "<script"));
	assert_non_null(strstr(md, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	free(html);
	free(md);
}

static void
test_csv_neutralises_formulas(void **state)
{
	struct fx *f = *state;
	char *csv;

	for (size_t i = 1; i < ARRAY_SIZE(hostile); i++)
		add_note(f, hostile[i], (int)i + 1);
	build(f, REPORT_QUOTES * 4);
	csv = render(f, REPORT_CSV);
	assert_non_null(strstr(csv, ",text,'=cmd|' /C calc'!A0\r\n"));
	assert_non_null(strstr(csv, ",text,'+1\r\n"));
	assert_non_null(strstr(csv, ",text,'-1\r\n"));
	assert_non_null(strstr(csv, ",text,'@SUM(1)\r\n"));
	assert_null(strstr(csv, ",=cmd"));
	assert_null(strstr(csv, ",@SUM"));
	free(csv);
}

/* Python's own parsers decide: 0 when the text parses as JSON (or CSV). */
static int
python_parses(const char *text, const char *code)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "python3 -c '%s' >/dev/null 2>&1", code);
	if (!(p = popen(cmd, "w")))
		return -1;
	fputs(text, p);
	return pclose(p);
}

static void
test_json_and_csv_parse(void **state)
{
	struct fx *f = *state;
	char *json, *csv;

	if (system("python3 -c 1 >/dev/null 2>&1") != 0)
		skip();
	add_note(f, "tab\there, bell\a, newline\nand a \"quote\" \\ backslash", 9);
	build(f, REPORT_QUOTES);
	json = render(f, REPORT_JSON);
	csv = render(f, REPORT_CSV);
	assert_int_equal(python_parses(json, "import json,sys; json.load(sys.stdin)"), 0);
	assert_int_equal(python_parses(csv, "import csv,sys; r=list(csv.reader(sys.stdin)); "
					     "assert all(len(x) == 10 for x in r)"), 0);
	free(json);
	free(csv);
}

/* Each hidden row of each finding, in each format, shows * where its count would be. */
static void
check_hidden(const struct subgroup_table *t, const struct subgroup_entry *e, const char *html,
	     const char *md, const char *csv, const char *json)
{
	char want[512];

	snprintf(want, sizeof(want), "<tr><td>%s</td><td class=\"num\">%ld</td><td class=\"num\">*</td>"
		 "<td class=\"num\">*</td>", e->name, e->enrolled);
	assert_non_null(strstr(html, want));
	snprintf(want, sizeof(want), "| %s | %ld | \\* | \\* |", e->name, e->enrolled);
	assert_non_null(strstr(md, want));
	snprintf(want, sizeof(want), "{\"group\": \"%s\", \"enrolled\": %ld, \"count\": \"*\", \"rate\": \"*\"",
		 e->name, e->enrolled);
	assert_non_null(strstr(json, want));
	snprintf(want, sizeof(want), ",%s,%s,%s,%s,count,*\r\n", t->key.year, t->metric.code, t->key.dimension,
		 e->name);
	assert_non_null(strstr(csv, want));
}

static void
test_suppression_everywhere(void **state)
{
	struct fx *f = *state;
	char *html, *md, *csv, *json;
	int hidden = 0;

	build(f, REPORT_QUOTES);
	html = render(f, REPORT_HTML);
	md = render(f, REPORT_MD);
	csv = render(f, REPORT_CSV);
	json = render(f, REPORT_JSON);
	for (int i = 0; i < f->r.nfindings; i++) {
		struct subgroup_table tab;
		const struct subgroup_table *t = &tab;

		assert_int_equal(report_finding(&f->r, i, &tab), QREL_OK);
		for (size_t k = 0; k < t->n; k++) {
			assert_true(!t->row[k].hidden || t->row[k].count == -1);
			if (t->row[k].hidden) {
				check_hidden(t, &t->row[k], html, md, csv, json);
				hidden++;
			}
		}
		subgroup_table_free(&tab);
	}
	assert_true(hidden > 0);	/* the sample has small groups in its flagged tables */
	assert_non_null(strstr(html, "withheld to protect privacy"));
	free(html);
	free(md);
	free(csv);
	free(json);
}

/* A group named hostile[0] in the district's special-education table, both years. */
static void
add_hostile_group(struct fx *f)
{
	static const char sql[] =
		"INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, dimension, grp, enrolled, count, "
		"updated_at) SELECT '00000000-0000-4000-8000-0000000000' || substr(?2, 3, 2), ?1, s.id, ?2, m.id, "
		"'race', ?3, 400, 40, '2025-01-01T00:00:00Z' FROM site s, metric m WHERE s.code = 'DO' "
		"AND m.code = 'sped_id'";
	const char *years[] = { "2023-24", "2024-25" };

	for (int y = 0; y < 2; y++) {
		sqlite3_stmt *st = db_stmt(f->x.db, sql);

		assert_non_null(st);
		sqlite3_bind_int64(st, 1, f->x.review);
		db_bind_text(st, 2, years[y]);
		db_bind_text(st, 3, hostile[0]);
		assert_int_equal(db_step_done(f->x.db, st, "subgroup row"), QREL_OK);
	}
}

static const struct report_key *
key_of(const struct report *r, const char *metric, const char *dimension)
{
	for (int i = 0; i < r->nkey; i++) {
		const struct subgroup_table *t = report_key_latest(&r->key[i]);

		if (t && strcmp(t->metric.code, metric) == 0 && strcmp(t->key.dimension, dimension) == 0)
			return &r->key[i];
	}
	return NULL;
}

/* Every withheld group of every key measure shows * for its count, expected
 * count, risk and ratio, in HTML, Markdown and CSV. */
static void
key_hidden_rows(struct fx *f, const char *html, const char *md, const char *csv)
{
	char want[512];
	int hidden = 0;

	for (int i = 0; i < f->r.nkey; i++) {
		const struct subgroup_table *t = report_key_latest(&f->r.key[i]);

		for (size_t k = 0; k < t->n; k++) {
			const struct subgroup_entry *e = &t->row[k];

			if (!e->hidden || strchr(e->name, '<'))
				continue;
			snprintf(want, sizeof(want), "<tr><td>%s</td><td class=\"num\">%ld</td><td class=\"num\">*</td>"
				 "<td class=\"num\">*</td><td class=\"num\">*</td><td class=\"num\">*</td>", e->name,
				 e->enrolled);
			assert_non_null(strstr(html, want));
			snprintf(want, sizeof(want), "| %s | %ld | \\* | \\* | \\* | \\* |", e->name, e->enrolled);
			assert_non_null(strstr(md, want));
			snprintf(want, sizeof(want), ",%s,%s,%s,%s,expected_count,*\r\n", t->key.year, t->metric.code,
				 t->key.dimension, e->name);
			assert_non_null(strstr(csv, want));
			hidden++;
		}
	}
	assert_true(hidden > 0);
}

/* Special education, discipline and advanced coursework are always in the
 * report, flagged or not, each with its charts and a trend over both years;
 * a name in an SVG chart is escaped. */
static void
test_key_measures(void **state)
{
	struct fx *f = *state;
	const char *key[] = { "oss", "iss", "sped_id", "ap_enrol", "fi_enrol" };
	const struct report_key *k;
	char *html, *md, *csv, want[256];

	add_hostile_group(f);
	build(f, REPORT_QUOTES);
	for (size_t i = 0; i < ARRAY_SIZE(key); i++) {
		assert_non_null(k = key_of(&f->r, key[i], "race"));
		assert_int_equal(k->nyears, 2);
		assert_string_equal(k->year[0].key.year, "2023-24");
		assert_string_equal(k->year[1].key.year, "2024-25");
		assert_true(report_key_latest(k)->district);
	}
	assert_non_null(key_of(&f->r, "sped_id", "ell"));
	assert_null(key_of(&f->r, "chronic_absent", "race"));
	assert_null(key_of(&f->r, "grad", "race"));
	html = render(f, REPORT_HTML);
	md = render(f, REPORT_MD);
	assert_non_null(strstr(html, "<h3>Key measures</h3>"));
	assert_non_null(strstr(html, "<h4>Special-education identification by race and ethnicity: "));
	assert_non_null(strstr(html, "<h4>AP course enrolment by English-learner status: "));
	assert_non_null(strstr(html, "aria-label=\"Risk ratio by group\""));
	assert_non_null(strstr(html, "aria-label=\"Risk by group and year\""));
	assert_non_null(strstr(html, "<text x=\"206\" y=\""));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot;"));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(md, "### Key measures"));
	assert_non_null(strstr(md, "#### Special-education identification by race and ethnicity: "));
	assert_non_null(strstr(md, "| Group | 2023-24 | 2024-25 |"));
	assert_null(strstr(md, "<script"));
	/* CSV: every key measure, every year, flagged or not, from the same tables. */
	csv = render(f, REPORT_CSV);
	for (int i = 0; i < f->r.nkey; i++)
		for (int y = 0; y < f->r.key[i].nyears; y++) {
			const struct subgroup_table *t = &f->r.key[i].year[y];

			snprintf(want, sizeof(want), "key_measure,%s,,", t->site_code);
			assert_non_null(strstr(csv, want));
			snprintf(want, sizeof(want), ",%s,%s,%s,All students,enrolled,%ld\r\n", t->key.year,
				 t->metric.code, t->key.dimension, t->enrolled);
			assert_non_null(strstr(csv, want));
		}
	assert_non_null(strstr(csv, ",2023-24,sped_id,race,White,ratio_kind,"));
	assert_non_null(strstr(csv, ",2024-25,oss,race,Black or African American,expected_count,22.8\r\n"));
	key_hidden_rows(f, html, md, csv);
	free(html);
	free(md);
	free(csv);
}

/* The French Immersion flag for Hispanic students (issue 14: 28 of 568,
 * risk ratio 0.23) survives suppression in the report. */
static void
test_flags_survive(void **state)
{
	struct fx *f = *state;
	const struct report_key *k;
	const struct subgroup_table *t;
	char *html;
	int i;

	build(f, REPORT_QUOTES);
	assert_non_null(k = key_of(&f->r, "fi_enrol", "race"));
	for (int y = 0; y < k->nyears; y++) {
		t = &k->year[y];
		if ((i = subgroup_find(t, "Hispanic or Latino")) >= 0 && t->row[i].flagged)
			break;
		i = -1;
	}
	assert_true(i >= 0);
	html = render(f, REPORT_HTML);
	assert_non_null(strstr(html, "<span class=\"flag\">flagged"));
	free(html);
}

static void
test_one_site(void **state)
{
	struct fx *f = *state;
	struct report_options o = { .quotes = 2, .settings = &f->x.s, .viewer = "Ségolène Arceneaux" };

	o.site = store_site_id(f->x.db, f->x.review, "RHS");
	assert_int_equal(report_build(f->x.db, f->x.review, &o, &f->r), QREL_OK);
	assert_int_equal(f->r.nsites, 1);
	assert_string_equal(f->r.site[0].code, "RHS");
	for (int c = 0; c < f->r.frame.ncl; c++)
		for (int i = 0; i < f->r.quotes[c].nstrength; i++)
			assert_string_equal(f->r.quotes[c].strength[i].site, "RHS");
	for (int i = 0; i < f->r.nfindings; i++) {
		struct subgroup_table t;

		assert_int_equal(report_finding(&f->r, i, &t), QREL_OK);
		assert_string_equal(t.site_code, "RHS");
		subgroup_table_free(&t);
	}
}

static void
test_texts(void **state)
{
	struct agree_value v = { -0.25, 1, NULL }, u = { 0, 0, "needs exactly two raters" };
	enum report_format fmt;
	char buf[32];

	(void)state;
	report_stat_text(&v, buf, sizeof(buf));
	assert_string_equal(buf, "-0.25");
	report_stat_text(&u, buf, sizeof(buf));
	assert_string_equal(buf, "n/a");
	report_median_text(2.5, buf, sizeof(buf));
	assert_string_equal(buf, "2.5");
	report_median_text(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	report_level_text(DASH_NE, buf, sizeof(buf));
	assert_string_equal(buf, "NE");
	assert_int_equal(report_format_parse("markdown", &fmt), QREL_OK);
	assert_int_equal(fmt, REPORT_MD);
	assert_int_not_equal(report_format_parse("pdf", &fmt), QREL_OK);
	assert_int_equal(report_format_parse("xlsx", &fmt), QREL_OK);
	assert_string_equal(report_format_ext(fmt), ".xlsx");
}

/* A reviewer's report: in a cell without consensus, no team figures but their own
 * level; with one, the whole team's. */
static void
test_reviewer_reads_blind(void **state)
{
	struct fx *f = *state;
	struct report_options o = { .quotes = 2, .settings = &f->x.s, .viewer = "José Ramírez" };
	int open_cells = 0, agreed_cells = 0;

	assert_int_equal(report_build(f->x.db, f->x.review, &o, &f->r), QREL_OK);
	for (int s = 0; s < f->r.nsites; s++)
		for (int c = 0; c < f->r.frame.ncl; c++) {
			const struct dash_cell *cell = &f->r.cell[(size_t)s * (size_t)f->r.frame.ncl + (size_t)c];

			if (cell->consensus) {
				agreed_cells++;
			} else {
				assert_int_equal(dash_team_n(cell) + cell->team_ne, 0);
				assert_int_equal(cell->self, 0);
				open_cells++;
			}
		}
	assert_true(open_cells > 0 && agreed_cells > 0);
	assert_true(f->r.plan_visible);
}

/* A principal before release: their school's self-evaluation, no team note, no
 * consensus, no other school's findings, no plan. */
static void
test_principal_before_release(void **state)
{
	struct fx *f = *state;
	struct report_options o = { .quotes = 2, .settings = &f->x.s, .viewer = "Patricia Holloway" };
	int self = 0;

	assert_int_equal(report_build(f->x.db, f->x.review, &o, &f->r), QREL_OK);
	for (int s = 0; s < f->r.nsites; s++)
		for (int c = 0; c < f->r.frame.ncl; c++) {
			const struct dash_cell *cell = &f->r.cell[(size_t)s * (size_t)f->r.frame.ncl + (size_t)c];

			assert_int_equal(cell->consensus, 0);
			assert_int_equal(cell->notes, 0);
			assert_int_equal(dash_team_n(cell), 0);
			if (cell->self)
				assert_string_equal(f->r.site[s].code, "RHS");
			self += cell->self != 0;
		}
	assert_true(self > 0);
	for (int c = 0; c < f->r.frame.ncl; c++)
		assert_int_equal(f->r.quotes[c].nstrength + f->r.quotes[c].ngrowth, 0);
	for (int i = 0; i < f->r.nfindings; i++) {
		struct subgroup_table t;

		assert_int_equal(report_finding(&f->r, i, &t), QREL_OK);
		assert_int_equal(t.key.site, store_site_id(f->x.db, f->x.review, "RHS"));
		subgroup_table_free(&t);
	}
	assert_false(f->r.plan_visible);
}

/* Someone who is not a member reads nothing. */
static void
test_nonmember_reads_nothing(void **state)
{
	struct fx *f = *state;
	struct report_options o = { .quotes = 2, .settings = &f->x.s, .viewer = "Mallory" };

	assert_int_equal(report_build(f->x.db, f->x.review, &o, &f->r), QREL_OK);
	for (size_t i = 0; i < (size_t)f->r.nsites * (size_t)f->r.frame.ncl; i++)
		assert_true(!f->r.cell[i].consensus && !f->r.cell[i].self && !f->r.cell[i].notes &&
			    !dash_team_n(&f->r.cell[i]));
	assert_int_equal(f->r.nfindings, 0);
	assert_int_equal(f->r.agree_all.units, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_is_the_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_neutralises_formulas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_and_csv_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppression_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_measures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_survive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_site, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reviewer_reads_blind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_before_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonmember_reads_nothing, setup, teardown),
		cmocka_unit_test(test_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

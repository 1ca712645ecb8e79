/* test_survey.c: survey results and response rates (import, all or nothing;
 * suppression of small groups by the subgroup tables' rule; order; citing),
 * the document register and the schedule (planned, done). */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <unistd.h>

#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/findings.h"
#include "qrel/import.h"
#include "qrel/schedule.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#define MIN_DISPLAY 10

struct fx {
	char dir[FIXTURE_DIR];
	struct db *db;
	int64_t review;
	struct diags d;
};

static const char framework_sql[] =
	FIXTURE_FRAMEWORK_SQL
	"INSERT INTO cluster(framework_id, domain_id, code, title, position) VALUES "
	"(1, 1, '1.1', 'Belonging', 1), (1, 1, '1.3', 'Discipline', 2);";

static const char sites_csv[] = "code,name,kind\nDO,Central Office,district\nS1,Maple School,school\n"
				"S2,Oak School,school\n";
static const char people_csv[] = "name,role,site\nAnn Lead,lead,\nRob Reviewer,reviewer,\nPat Principal,principal,S2\n";

/* S1 belonging: the whole group and three subgroups, one of them of 6
 * students; the complementary rule must hide a second one. S1 fairness: no
 * whole-group row, so only the primary rule. */
static const char survey_csv[] =
	"site,instrument,item,cluster,group,subgroup,responses,favourable,options\n"
	"S1,Student survey,I belong here,1.1,Students,,300,60%,\n"
	"S1,Student survey,I belong here,1.1,Students,English learners,40,45,\n"
	"S1,Student survey,I belong here,1.1,Students,Newcomers,6,50 %,\n"
	"S1,Student survey,I belong here,1.1,Students,Students with disabilities,35,40,\n"
	"S1,Student survey,Rules are fair,1.3,Students,Grade 9,120,,\"+Agree=70;Disagree=50\"\n"
	"S1,Family survey,I am asked for my opinion,,Families,,4,,\"+Yes=1;No=3\"\n"
	"S1,Student survey,Rules are fair,1.3,Teachers,,30,80,\n"
	"S2,Family survey,I am asked for my opinion,,Families,,90,50,\n";

static const char rates_csv[] = "site,instrument,group,invited,responded\n"
				"S1,Student survey,Students,600,300\nS1,Family survey,Families,500,4\n";

static int
try_import(struct fx *f, const char *kind, const char *text)
{
	char path[128];
	struct import_stats st;
	FILE *out;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.csv", f->dir, kind);
	assert_non_null(out = fopen(path, "wb"));
	fputs(text, out);
	fclose(out);
	diag_free(&f->d);
	memset(&f->d, 0, sizeof(f->d));
	rc = import_file(f->db, f->review, kind, path, "Ann Lead", &f->d, &st);
	unlink(path);
	return rc;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	setenv("QREL_NOW", "2026-03-02T10:00:00Z", 1);
	if (!f || fixture_db(f->dir, "/tmp/qrel-survey-XXXXXX", NULL, &f->db) != 0 ||
	    fixture_review_sql(f->db, framework_sql, "Test", NULL, &f->review) != 0 ||
	    try_import(f, "sites", sites_csv) != QREL_OK || try_import(f, "people", people_csv) != QREL_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	diag_free(&f->d);
	rc = fixture_remove(f->dir, f->db);
	free(f);
	return rc;
}

static long
count(struct fx *f, const char *sql)
{
	return (long)db_int(f->db, sql);
}

static const struct survey_row *
find(const struct survey_row *r, size_t n, const char *item, const char *group, const char *subgroup)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].item, item) && !strcmp(r[i].group, group) && !strcmp(r[i].subgroup, subgroup))
			return &r[i];
	fail_msg("no row %s / %s / %s", item, group, subgroup);
	return NULL;
}

static void
test_options(void **state)
{
	long resp, fav;
	char why[128];

	(void)state;
	assert_true(survey_parse_options("+Strongly agree=12;+Agree=30;Disagree=5;Strongly disagree=2", &resp, &fav,
					 why, sizeof(why)));
	assert_int_equal(resp, 49);
	assert_int_equal(fav, 42);
	assert_false(survey_parse_options("+Agree=x;No=2", &resp, &fav, why, sizeof(why)));
	assert_false(survey_parse_options("Agree=3", &resp, &fav, why, sizeof(why)));
	assert_false(survey_parse_options("=3;No=1", &resp, &fav, why, sizeof(why)));
	assert_int_equal(survey_favourable_of_pct(45, 40), 18);
	assert_int_equal(survey_favourable_of_pct(60, 300), 180);
}

/* Every problem with its line and column; nothing is written. */
static void
test_import_all_or_nothing(void **state)
{
	struct fx *f = *state;
	static const char bad[] =
		"site,instrument,item,cluster,group,subgroup,responses,favourable,options\n"
		"S1,Student survey,I belong here,1.1,Students,,300,60%,\n"
		"S9,Student survey,I belong here,1.1,Students,,300,60%,\n"
		"S1,Student survey,Item two,9.9,Students,,30,140%,\n"
		"S1,Student survey,Item three,,Students,,30,,\n"
		"S1,Student survey,I belong here,1.1,Students,,300,60%,\n"
		"S1,Student survey,Item four,,Students,,31,,\"+Yes=10;No=20\"\n";
	static const char bad_rates[] = "site,instrument,group,invited,responded\nS1,Student survey,Students,10,11\n";
	char all[4096] = "";

	assert_int_equal(try_import(f, "survey", bad), QREL_PARSE);
	for (size_t i = 0; i < f->d.n; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s\n", f->d.msg[i]);
	assert_non_null(strstr(all, ":3: column site: unknown site ('S9')"));
	assert_non_null(strstr(all, ":4: column cluster: unknown cluster ('9.9')"));
	assert_non_null(strstr(all, ":4: column favourable: not a percentage from 0 to 100 ('140%')"));
	assert_non_null(strstr(all, ":5: column favourable: give a percentage, or the options' counts"));
	assert_non_null(strstr(all, ":6: column item: duplicates line 2 (the same site, instrument, item, group and subgroup)"));
	assert_non_null(strstr(all, ":7: column responses: differs from the sum of the options (30) ('31')"));
	assert_int_equal(count(f, "SELECT count(*) FROM survey_item"), 0);
	assert_int_equal(try_import(f, "survey-rates", bad_rates), QREL_PARSE);
	assert_non_null(strstr(f->d.msg[0], ":2: column responded: more than invited (10) ('11')"));
	assert_int_equal(count(f, "SELECT count(*) FROM survey_rate"), 0);
	/* Only the lead writes data. */
	assert_int_equal(try_import(f, "survey", survey_csv), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM survey_item"), 8);
	assert_int_equal(count(f, "SELECT favourable FROM survey_item WHERE subgroup = 'Grade 9'"), 70);
	assert_int_equal(count(f, "SELECT favourable FROM survey_item WHERE item = 'I belong here' AND subgroup = ''"),
			 180);
	/* A second run changes nothing. */
	assert_int_equal(try_import(f, "survey", survey_csv), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM survey_item"), 8);
}

/* Small groups: withheld by risk_suppress, as the subgroup tables are. */
static void
test_suppression(void **state)
{
	struct fx *f = *state;
	struct survey_row *r;
	const struct survey_row *x;
	size_t n;

	assert_int_equal(try_import(f, "survey", survey_csv), QREL_OK);
	assert_int_equal(survey_load(f->db, f->review, NULL, 0, SURVEY_BY_ITEM, MIN_DISPLAY, &r, &n), QREL_OK);
	assert_int_equal(n, 8);
	x = find(r, n, "I belong here", "Students", "");
	assert_false(x->hidden);
	assert_true(fabs(x->pct - 60.0) < 1e-9);
	/* 6 respondents: hidden. */
	x = find(r, n, "I belong here", "Students", "Newcomers");
	assert_true(x->hidden);
	assert_int_equal(x->favourable, -1);
	assert_true(isnan(x->pct));
	/* The whole group is shown beside its subgroups: the smallest shown one
	 * (students with disabilities, 14 favourable) goes too. */
	x = find(r, n, "I belong here", "Students", "Students with disabilities");
	assert_true(x->hidden);
	x = find(r, n, "I belong here", "Students", "English learners");
	assert_false(x->hidden);
	assert_int_equal(x->favourable, 18);
	/* No whole-group row: only the primary rule. */
	assert_false(find(r, n, "Rules are fair", "Students", "Grade 9")->hidden);
	/* 4 families, 1 favourable: hidden. */
	assert_true(find(r, n, "I am asked for my opinion", "Families", "")->hidden);
	/* Order by item: S1's student survey first, the whole group before its subgroups. */
	assert_string_equal(r[0].item, "I belong here");
	assert_string_equal(r[0].subgroup, "");
	assert_string_equal(r[1].subgroup, "English learners");
	free(r);
	/* With min_display 1 nothing is withheld. */
	assert_int_equal(survey_load(f->db, f->review, NULL, 0, SURVEY_BY_ITEM, 1, &r, &n), QREL_OK);
	for (size_t i = 0; i < n; i++)
		assert_false(r[i].hidden);
	free(r);
}

static void
test_order_and_visibility(void **state)
{
	struct fx *f = *state;
	struct survey_row *r;
	struct survey_rate *rt;
	struct vis_viewer v;
	size_t n;

	assert_int_equal(try_import(f, "survey", survey_csv), QREL_OK);
	assert_int_equal(try_import(f, "survey-rates", rates_csv), QREL_OK);
	assert_int_equal(survey_load(f->db, f->review, NULL, 0, SURVEY_BY_GROUP, MIN_DISPLAY, &r, &n), QREL_OK);
	assert_string_equal(r[0].group, "Families");
	assert_string_equal(r[1].group, "Students");
	assert_string_equal(r[n - 2].group, "Teachers");
	assert_string_equal(r[n - 1].site_code, "S2");
	free(r);
	/* A site filter; a non-member reads nothing; the principal of S2 not S1's unreleased data. */
	assert_int_equal(survey_load(f->db, f->review, NULL, store_site_id(f->db, f->review, "S2"), SURVEY_BY_ITEM,
				     MIN_DISPLAY, &r, &n), QREL_OK);
	assert_int_equal(n, 1);
	free(r);
	assert_int_equal(visibility_viewer(f->db, f->review, "Stranger", &v), QREL_OK);
	assert_int_equal(survey_load(f->db, f->review, &v, 0, SURVEY_BY_ITEM, MIN_DISPLAY, &r, &n), QREL_OK);
	assert_int_equal(n, 0);
	free(r);
	assert_int_equal(survey_rates(f->db, f->review, &v, 0, &rt, &n), QREL_OK);
	assert_int_equal(n, 0);
	free(rt);
	assert_int_equal(visibility_viewer(f->db, f->review, "Ann Lead", &v), QREL_OK);
	assert_int_equal(survey_rates(f->db, f->review, &v, 0, &rt, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rt[0].instrument, "Family survey");
	assert_int_equal(rt[0].invited, 500);
	assert_int_equal(rt[0].responded, 4);
	free(rt);
}

static void
test_cite_and_note(void **state)
{
	struct fx *f = *state;
	struct finding_input in = { .cluster = store_cluster_id(f->db, f->review, "1.1"), .kind = FINDING_GROWTH,
				    .text = "Belonging is lower for English learners" };
	char (*lines)[320];
	struct survey_row *r;
	int64_t finding, note;
	size_t n;
	int nl;

	assert_int_equal(try_import(f, "survey", survey_csv), QREL_OK);
	assert_int_equal(finding_add(f->db, f->review, "Ann Lead", &in, &finding), QREL_OK);
	assert_int_equal(survey_load(f->db, f->review, NULL, 0, SURVEY_BY_ITEM, MIN_DISPLAY, &r, &n), QREL_OK);
	assert_int_equal(survey_cite(f->db, f->review, "Rob Reviewer", finding, r[1].id), QREL_OK);
	assert_int_equal(survey_cite(f->db, f->review, "Ann Lead", finding, r[2].id), QREL_OK);
	assert_int_equal(survey_cite(f->db, f->review, "Ann Lead", finding, r[1].id), QREL_CONFLICT);
	assert_int_equal(survey_cite(f->db, f->review, "Pat Principal", finding, r[0].id), QREL_DENIED);
	assert_int_equal(survey_cite(f->db, f->review, "Ann Lead", finding, 999), QREL_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'cite survey'"), 2);
	assert_int_equal(survey_cited(f->db, finding, MIN_DISPLAY, &lines, &nl), QREL_OK);
	assert_int_equal(nl, 2);
	assert_string_equal(lines[0], "Student survey: I belong here (Students, English learners, S1): "
				      "45% favourable of 40");
	/* A withheld row is cited without its figures. */
	assert_non_null(strstr(lines[1], "fewer respondents than can be shown"));
	assert_null(strstr(lines[1], "50%"));
	free(lines);
	/* A note quoting a shown row, tagged to its cluster; a withheld row is refused. */
	assert_int_equal(survey_write_note(f->db, f->review, &r[0], "Rob Reviewer", &note), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM note n JOIN note_cluster c ON c.note_id = n.id "
				  "WHERE n.source = 'survey' AND n.text LIKE '%60% favourable of 300'"), 1);
	assert_true(r[2].hidden);
	assert_int_equal(survey_write_note(f->db, f->review, &r[2], "Rob Reviewer", &note), QREL_DENIED);
	free(r);
}

static void
test_documents(void **state)
{
	struct fx *f = *state;
	struct document_input in = { .title = "Discipline policy", .owner = "Deputy", .requested = "2026-01-10" };
	struct document_input set = { .status = "received" };
	struct evidence_note *none = NULL;
	struct note_input ni = { .site = store_site_id(f->db, f->review, "S1"), .source = "document_review",
				 .text = "The policy lists suspension for defiance.", .nclusters = 1 };
	struct document_row *rows;
	int64_t a, b, note;
	size_t n;

	(void)none;
	ni.cluster[0] = store_cluster_id(f->db, f->review, "1.3");
	assert_int_equal(document_add(f->db, f->review, "Ann Lead", &in, &a), QREL_OK);
	in = (struct document_input){ .title = "Budget book", .site = ni.site, .received = "2026-01-20" };
	assert_int_equal(document_add(f->db, f->review, "Rob Reviewer", &in, &b), QREL_OK);
	in = (struct document_input){ .title = "" };
	assert_int_equal(document_add(f->db, f->review, "Ann Lead", &in, NULL), QREL_USAGE);
	in = (struct document_input){ .title = "X", .site = store_site_id(f->db, f->review, "S1") };
	assert_int_equal(document_add(f->db, f->review, "Pat Principal", &in, NULL), QREL_DENIED);
	assert_int_equal(document_list(f->db, f->review, NULL, true, &rows, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].status, "requested");
	assert_string_equal(rows[1].status, "received");
	assert_string_equal(rows[1].received, "2026-01-20");
	free(rows);
	/* Received today when no date is given; reviewed leaves the outstanding list. */
	assert_int_equal(document_set(f->db, f->review, "Ann Lead", a, &set), QREL_OK);
	set.status = "reviewed";
	assert_int_equal(document_set(f->db, f->review, "Ann Lead", b, &set), QREL_OK);
	set.status = "lost";
	assert_int_equal(document_set(f->db, f->review, "Ann Lead", b, &set), QREL_PARSE);
	assert_int_equal(document_list(f->db, f->review, NULL, true, &rows, &n), QREL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].received, "2026-03-02");
	free(rows);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'document' AND field = 'status'"),
			 2);
	/* A note cites a document. */
	assert_int_equal(evidence_add(f->db, f->review, "Rob Reviewer", &ni, &note), QREL_OK);
	assert_int_equal(document_cite(f->db, f->review, "Rob Reviewer", a, note), QREL_OK);
	assert_int_equal(document_cite(f->db, f->review, "Rob Reviewer", a, note), QREL_CONFLICT);
	assert_int_equal(document_cite(f->db, f->review, "Rob Reviewer", a, 999), QREL_NOTFOUND);
	assert_int_equal(document_list(f->db, f->review, NULL, false, &rows, &n), QREL_OK);
	assert_int_equal(rows[0].notes, 1);
	free(rows);
}

/* Forgetting fieldwork (a hub pull's, once the login no longer reads it):
 * each writer removes its row with no change log entry, and keeps what the
 * copy's own work cites (a finding's survey result, a note's activity). */
static void
test_forget_rows(void **state)
{
	struct fx *f = *state;
	struct finding_input fi = { .cluster = store_cluster_id(f->db, f->review, "1.1"), .kind = FINDING_GROWTH,
				    .text = "Belonging" };
	struct document_input in = { .title = "Discipline policy", .requested = "2026-01-10" };
	struct note_input ni = { .site = store_site_id(f->db, f->review, "S1"), .source = "document_review",
				 .text = "The policy lists suspension.", .nclusters = 1 };
	int64_t finding, doc, note;
	long logged;
	bool gone;

	ni.cluster[0] = store_cluster_id(f->db, f->review, "1.1");
	assert_int_equal(try_import(f, "survey", survey_csv), QREL_OK);
	assert_int_equal(try_import(f, "survey-rates", rates_csv), QREL_OK);
	assert_int_equal(finding_add(f->db, f->review, "Ann Lead", &fi, &finding), QREL_OK);
	assert_int_equal(document_add(f->db, f->review, "Ann Lead", &in, &doc), QREL_OK);
	assert_int_equal(evidence_add(f->db, f->review, "Ann Lead", &ni, &note), QREL_OK);
	assert_int_equal(document_cite(f->db, f->review, "Ann Lead", doc, note), QREL_OK);
	assert_int_equal(db_exec(f->db, "UPDATE survey_item SET uuid = 'i-' || id; UPDATE survey_rate SET uuid = 'r-' || id;"
				 "UPDATE document SET uuid = 'd-1';"
				 "INSERT INTO activity(uuid, review_id, site_id, source, held_at) SELECT 'a-1', review_id, "
				 "site_id, 'interview', '2026-01-11' FROM note;"
				 "INSERT INTO activity(uuid, review_id, site_id, source, held_at) SELECT 'a-2', review_id, "
				 "site_id, 'interview', '2026-01-12' FROM note;"
				 "UPDATE note SET activity_id = (SELECT id FROM activity WHERE uuid = 'a-1')"), QREL_OK);
	assert_int_equal(survey_cite(f->db, f->review, "Ann Lead", finding,
				     db_int(f->db, "SELECT min(id) FROM survey_item")), QREL_OK);
	logged = count(f, "SELECT count(*) FROM change_log");
	/* A document goes with the citations of it; the note stays. */
	assert_int_equal(document_forget_row(f->db, f->review, "d-1", &gone), QREL_OK);
	assert_true(gone);
	assert_int_equal(count(f, "SELECT (SELECT count(*) FROM document) * 10 + (SELECT count(*) FROM note_document)"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM note"), 1);
	/* The survey result a finding cites stays; another goes, and a rate. */
	assert_int_equal(survey_item_forget_row(f->db, f->review, "i-1", &gone), QREL_OK);
	assert_false(gone);
	assert_int_equal(survey_item_forget_row(f->db, f->review, "i-2", &gone), QREL_OK);
	assert_true(gone);
	assert_int_equal(count(f, "SELECT count(*) FROM survey_item WHERE uuid IN ('i-1', 'i-2')"), 1);
	assert_int_equal(survey_rate_forget_row(f->db, f->review, "r-1", &gone), QREL_OK);
	assert_true(gone);
	assert_int_equal(count(f, "SELECT count(*) FROM survey_rate WHERE uuid = 'r-1'"), 0);
	/* The activity a note names stays; the other goes. */
	assert_int_equal(activity_forget_row(f->db, f->review, "a-1", &gone), QREL_OK);
	assert_false(gone);
	assert_int_equal(activity_forget_row(f->db, f->review, "a-2", &gone), QREL_OK);
	assert_true(gone);
	assert_int_equal(count(f, "SELECT count(*) FROM activity WHERE uuid LIKE 'a-%'"), 1);
	/* Another review's uuid is not this one's; no change log entry for any of it. */
	assert_int_equal(survey_rate_forget_row(f->db, f->review + 1, "r-2", &gone), QREL_OK);
	assert_false(gone);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), logged);
}

static void
test_schedule(void **state)
{
	struct fx *f = *state;
	int64_t site = store_site_id(f->db, f->review, "S1"), id;
	struct activity_input in = { .site = site, .source = "focus_group", .held_at = "2026-04-14",
				     .description = "Family focus group", .status = "planned",
				     .reviewers = "Rob Reviewer" };
	struct activity_row row;
	int planned, done;

	assert_int_equal(schedule_check_reviewers(f->db, f->review, "Rob Reviewer, Ann Lead"), QREL_OK);
	assert_int_equal(schedule_check_reviewers(f->db, f->review, "Rob Reviewer,Nobody"), QREL_NOTFOUND);
	assert_int_equal(activity_add(f->db, f->review, "Ann Lead", &in, &id), QREL_OK);
	in.status = NULL;
	in.reviewers = NULL;
	assert_int_equal(activity_add(f->db, f->review, "Ann Lead", &in, NULL), QREL_OK);
	assert_int_equal(activity_get(f->db, f->review, id, &row), QREL_OK);
	assert_string_equal(row.status, "planned");
	assert_string_equal(row.reviewers, "Rob Reviewer");
	assert_int_equal(schedule_counts(f->db, f->review, site, &planned, &done), QREL_OK);
	assert_int_equal(planned, 1);
	assert_int_equal(done, 1);
	assert_int_equal(schedule_done(f->db, f->review, "Pat Principal", id), QREL_DENIED);
	assert_int_equal(schedule_done(f->db, f->review, "Rob Reviewer", id), QREL_OK);
	assert_int_equal(schedule_done(f->db, f->review, "Rob Reviewer", id), QREL_CONFLICT);
	assert_int_equal(schedule_done(f->db, f->review, "Rob Reviewer", 999), QREL_NOTFOUND);
	assert_int_equal(schedule_counts(f->db, f->review, site, &planned, &done), QREL_OK);
	assert_int_equal(planned, 0);
	assert_int_equal(done, 2);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'activity' AND field = 'status' "
				  "AND old = 'planned' AND new = 'done'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test_setup_teardown(test_import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_visibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cite_and_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

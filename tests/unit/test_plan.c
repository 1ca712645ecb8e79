/* test_plan.c: the action plan: links and the cited-note guard, status history, overdue by a fixed clock, baselines from subgroup data, the report. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/schema.h"
#include "qrel/plan.h"
#include "qrel/report.h"
#include "qrel/store.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#define NOW "2026-03-02T10:00:00Z"

struct fx {
	char dir[FIXTURE_DIR];
	struct db *db;
	int64_t review, a, d, c1, oss, note;
};

/* Sites A (school) and D (district office), one of each role, an adverse metric
 * with two years of data, and one evidence note. */
static const char fixture_sql[] =
	"INSERT INTO site(uuid, review_id, code, name, kind) VALUES "
	"  ('s-a', 1, 'A', 'Alder School', 'school'), ('s-d', 1, 'D', 'District Office', 'district');"
	"INSERT INTO person(uuid, review_id, name, role, site_id) VALUES "
	"  ('p-1', 1, 'Lena Lead', 'lead', NULL), ('p-2', 1, 'Rémi Reviewer', 'reviewer', NULL),"
	"  ('p-3', 1, 'Otto Observer', 'observer', NULL), ('p-4', 1, 'José Ramírez', 'reviewer', NULL);"
	"INSERT INTO metric(uuid, review_id, code, name, direction) VALUES "
	"  ('m-1', 1, 'oss', 'Out-of-school suspension', 'adverse');"
	"INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, dimension, grp, enrolled, count, updated_at)"
	"  SELECT 'r' || v.n, 1, (SELECT id FROM site WHERE code = 'D'), v.y, 1, 'race', v.g, v.e, v.c, '" NOW "'"
	"  FROM (SELECT 1 AS n, '2023-24' AS y, 'Black' AS g, 1000 AS e, 80 AS c"
	"    UNION ALL SELECT 2, '2023-24', 'White', 3000, 60"
	"    UNION ALL SELECT 3, '2023-24', 'Tiny', 6, 2"
	"    UNION ALL SELECT 4, '2024-25', 'Black', 1000, 50"
	"    UNION ALL SELECT 5, '2024-25', 'White', 3000, 60) v;"
	"INSERT INTO note(uuid, review_id, site_id, source, author_id, valence, text, created_at, updated_at) VALUES "
	"  ('n-1', 1, (SELECT id FROM site WHERE code = 'A'), 'interview', 2, 'growth',"
	"   'Referrals come from a few classrooms. Nobody reviews them.', '" NOW "', '" NOW "');";

static int
add_plan_schema(struct db *db)
{
	/* Until src/store/schema.c lists plan_migration, the test adds the tables itself. */
	if (db_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'plan'") > 0)
		return QREL_OK;
	return db_exec(db, plan_migration);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	setenv("QREL_NOW", NOW, 1);
	if (!f || fixture_db(f->dir, "/tmp/qrel-plan-XXXXXX", NULL, &f->db) != 0 ||
	    add_plan_schema(f->db) != QREL_OK ||
	    fixture_review(f->db, FIXTURE("fw-good.ini"), fixture_sql, &f->review) != 0)
		return -1;
	f->a = store_site_id(f->db, f->review, "A");
	f->d = store_site_id(f->db, f->review, "D");
	f->c1 = store_cluster_id(f->db, f->review, "1.1");
	f->oss = db_int(f->db, "SELECT id FROM metric WHERE code = 'oss'");
	f->note = db_int(f->db, "SELECT id FROM note WHERE uuid = 'n-1'");
	*state = f;
	return f->a > 0 && f->d > 0 && f->c1 > 0 && f->oss > 0 && f->note > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	free(f);
	return rc;
}

static long long
count(struct fx *f, const char *sql)
{
	return db_int(f->db, sql);
}

static int64_t
objective(struct fx *f, const char *title)
{
	struct plan_objective_input in = { .title = title, .theory_if = "we review referrals",
					   .theory_then = "suspensions fall" };
	int64_t id = 0;

	assert_int_equal(plan_objective_add(f->db, f->review, "Lena Lead", &in, &id), QREL_OK);
	return id;
}

static int64_t
step(struct fx *f, int64_t obj, const char *text, const char *lead, const char *due)
{
	struct plan_step_input in = { .description = text, .lead = lead, .starts = "2026-01-05", .due = due };
	int64_t id = 0;

	assert_int_equal(plan_step_add(f->db, f->review, "Lena Lead", obj, &in, &id), QREL_OK);
	return id;
}

static void
test_objective_logged(void **state)
{
	struct fx *f = *state;
	int64_t o1 = objective(f, "Cut suspensions"), o2 = objective(f, "Open AP");

	assert_int_equal(count(f, "SELECT group_concat(position, '') FROM (SELECT position FROM objective ORDER BY id)"), 12);
	assert_int_equal(count(f, "SELECT count(*) FROM plan WHERE site_id IS NULL"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'objective' AND field = 'create' "
			      "AND who = 'Lena Lead'"), 2);
	assert_int_equal(plan_objective_edit(f->db, f->review, "Rémi Reviewer", o1, "then", "fewer suspensions"), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'then' AND old = 'suspensions fall' "
			      "AND new = 'fewer suspensions'"), 1);
	assert_int_equal(plan_objective_edit(f->db, f->review, "Lena Lead", o2, "title", "  "), QREL_PARSE);
	assert_int_equal(plan_objective_edit(f->db, f->review, "Lena Lead", o2, "colour", "x"), QREL_USAGE);
	assert_int_equal(plan_objective_edit(f->db, f->review, "Otto Observer", o2, "title", "x"), QREL_DENIED);
	assert_non_null(strstr(error_message(), "observer"));
	assert_int_equal(plan_objective_edit(f->db, f->review, "Lena Lead", 999, "title", "x"), QREL_NOTFOUND);
}

static void
test_cited_note_cannot_be_deleted(void **state)
{
	struct fx *f = *state;
	int64_t o = objective(f, "Cut suspensions"), cause = 0, link;

	assert_int_equal(plan_cause_add(f->db, f->review, "Lena Lead", o, "Referrals are not reviewed", &cause), QREL_OK);
	assert_int_equal(plan_link_note(f->db, f->review, "Lena Lead", cause, f->note), QREL_OK);
	assert_int_equal(plan_link_note(f->db, f->review, "Lena Lead", cause, f->note), QREL_CONFLICT);
	/* Both the evidence module's soft delete and a hard delete are refused. */
	assert_int_not_equal(db_exec(f->db, "UPDATE note SET deleted_at = '" NOW "' WHERE uuid = 'n-1'"), QREL_OK);
	assert_non_null(strstr(error_message(), "cited by a root cause"));
	assert_int_not_equal(db_exec(f->db, "DELETE FROM note WHERE uuid = 'n-1'"), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM note WHERE deleted_at IS NULL"), 1);
	link = count(f, "SELECT id FROM cause_link");
	assert_int_equal(plan_link_remove(f->db, f->review, "Lena Lead", link), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'cause_link'"), 2);
	assert_int_equal(db_exec(f->db, "UPDATE note SET deleted_at = '" NOW "' WHERE uuid = 'n-1'"), QREL_OK);
	/* A deleted note cannot be cited. */
	assert_int_equal(plan_link_note(f->db, f->review, "Lena Lead", cause, f->note), QREL_NOTFOUND);
}

static void
test_link_detail_and_from_note(void **state)
{
	struct fx *f = *state;
	struct plan_doc d;
	int64_t o = 0;
	char *text;

	assert_int_equal(plan_objective_from_note(f->db, f->review, "Lena Lead", f->note, &o), QREL_OK);
	assert_true(o > 0);
	assert_int_equal(plan_load(f->db, f->review, 10, &d), QREL_OK);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.obj[0].title, "Act on: Referrals come from a few classrooms");
	assert_int_equal(d.obj[0].ncauses, 1);
	assert_int_equal(d.obj[0].cause[0].nlinks, 1);
	assert_non_null(strstr(d.obj[0].cause[0].link[0].label, "note A interview 2026-03-02"));
	text = plan_link_detail(f->db, f->review, d.obj[0].cause[0].link[0].id, 10);
	assert_non_null(text);
	assert_non_null(strstr(text, "Nobody reviews them."));
	assert_non_null(strstr(text, "Rémi Reviewer"));
	free(text);
	plan_doc_free(&d);
}

static void
test_status_history(void **state)
{
	struct fx *f = *state;
	int64_t o = objective(f, "Cut suspensions"), s = step(f, o, "Train deans", "Rémi Reviewer", "2026-04-01");
	struct plan_status_entry *h;
	int n;

	assert_int_equal(plan_step_set_status(f->db, f->review, "Lena Lead", s, PLAN_IN_PROGRESS, "first cohort booked"),
			 QREL_OK);
	assert_int_equal(plan_step_set_status(f->db, f->review, "Lena Lead", s, PLAN_IN_PROGRESS, "again"), QREL_CONFLICT);
	setenv("QREL_NOW", "2026-03-09T09:00:00Z", 1);
	assert_int_equal(plan_step_set_status(f->db, f->review, "Rémi Reviewer", s, PLAN_DONE, "all deans trained"), QREL_OK);
	assert_int_equal(plan_step_set_status(f->db, f->review, "Otto Observer", s, PLAN_DROPPED, "no"), QREL_DENIED);
	assert_int_equal(plan_step_history(f->db, s, &h, &n), QREL_OK);
	assert_int_equal(n, 3);
	assert_int_equal(h[0].status, PLAN_PLANNED);
	assert_int_equal(h[1].status, PLAN_IN_PROGRESS);
	assert_string_equal(h[1].note, "first cohort booked");
	assert_string_equal(h[1].at, NOW);
	assert_int_equal(h[2].status, PLAN_DONE);
	assert_string_equal(h[2].who, "Rémi Reviewer");
	assert_string_equal(h[2].at, "2026-03-09T09:00:00Z");
	free(h);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'step' AND field = 'status' "
			      "AND old = 'in_progress' AND new = 'done' AND reason = 'all deans trained'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM step WHERE status = 'done' AND version = 3"), 1);
}

static long long
overdue(struct fx *f)
{
	struct plan_step_filter flt = { .overdue = true };

	return plan_steps_count(f->db, f->review, &flt);
}

static void
test_overdue_fixed_clock(void **state)
{
	struct fx *f = *state;
	int64_t o = objective(f, "Cut suspensions"), late, done;
	struct plan_step st[4];
	int n;

	late = step(f, o, "Late step", "José Ramírez", "2026-03-01");
	done = step(f, o, "Done step", NULL, "2026-02-01");
	step(f, o, "Due today", NULL, "2026-03-02");
	step(f, o, "No date", NULL, NULL);
	assert_int_equal(plan_step_set_status(f->db, f->review, "Lena Lead", done, PLAN_DONE, ""), QREL_OK);
	assert_int_equal(overdue(f), 1);
	assert_int_equal(plan_steps_page(f->db, f->review, NULL, PLAN_SORT_DUE, 0, 4, st, &n), QREL_OK);
	assert_int_equal(n, 4);
	assert_string_equal(st[0].description, "Done step");
	assert_false(st[0].overdue);
	assert_true(st[1].overdue);
	assert_int_equal(st[1].id, late);
	assert_string_equal(st[3].description, "No date");
	setenv("QREL_NOW", "2026-03-03T00:00:00Z", 1);
	assert_int_equal(overdue(f), 2);
	assert_int_equal(plan_step_set_status(f->db, f->review, "Lena Lead", late, PLAN_DROPPED, "superseded"), QREL_OK);
	assert_int_equal(overdue(f), 1);
	assert_int_equal(plan_steps_page(f->db, f->review, NULL, PLAN_SORT_LEAD, 0, 4, st, &n), QREL_OK);
	assert_string_equal(st[0].lead, "José Ramírez");
}

static void
test_step_input_checked(void **state)
{
	struct fx *f = *state;
	int64_t o = objective(f, "Cut suspensions"), id = 0;
	struct plan_step_input bad_date = { .description = "x", .due = "2026-02-30" };
	struct plan_step_input reversed = { .description = "x", .starts = "2026-05-01", .due = "2026-04-01" };
	struct plan_step_input stranger = { .description = "x", .lead = "Nobody" };
	struct plan_step_input empty = { .description = " " };

	assert_int_equal(plan_step_add(f->db, f->review, "Lena Lead", o, &bad_date, &id), QREL_PARSE);
	assert_int_equal(plan_step_add(f->db, f->review, "Lena Lead", o, &reversed, &id), QREL_PARSE);
	assert_int_equal(plan_step_add(f->db, f->review, "Lena Lead", o, &stranger, &id), QREL_NOTFOUND);
	assert_int_equal(plan_step_add(f->db, f->review, "Lena Lead", o, &empty, &id), QREL_PARSE);
	assert_int_equal(count(f, "SELECT count(*) FROM step"), 0);
	assert_true(plan_date_valid("2024-02-29"));
	assert_false(plan_date_valid("2025-02-29"));
	assert_false(plan_date_valid("2025-1-01"));
	id = step(f, o, "Train deans", NULL, "2026-04-01");
	assert_int_equal(plan_step_edit(f->db, f->review, "Lena Lead", id, "lead", "José Ramírez"), QREL_OK);
	assert_int_equal(plan_step_edit(f->db, f->review, "Lena Lead", id, "start", "2026-05-01"), QREL_PARSE);
	assert_int_equal(count(f, "SELECT count(*) FROM step s JOIN person p ON p.id = s.lead_id "
			      "WHERE p.name = 'José Ramírez' AND s.starts = '2026-01-05'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'step' AND field = 'lead' "
			      "AND old = '' AND new = 'José Ramírez'"), 1);
}

static void
test_baseline_from_subgroup(void **state)
{
	struct fx *f = *state;
	struct plan_subgroup_ref ref;
	struct plan_doc d;
	const struct plan_metric *m;
	int64_t o = 0;

	assert_int_equal(plan_subgroup_ref_parse(f->db, f->review, "D,2023-24,oss,race,Black", &ref), QREL_OK);
	assert_int_equal(plan_objective_from_subgroup(f->db, f->review, "Lena Lead", &ref, &o), QREL_OK);
	assert_int_equal(plan_load(f->db, f->review, 10, &d), QREL_OK);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.obj[0].title, "Reduce Out-of-school suspension for Black at D");
	assert_int_equal(d.obj[0].cause[0].nlinks, 1);
	assert_int_equal(d.obj[0].cause[0].link[0].kind, PLAN_LINK_SUBGROUP);
	assert_int_equal(d.obj[0].nmetrics, 1);
	m = &d.obj[0].metric[0];
	assert_true(m->baseline.defined && !m->baseline.hidden);
	assert_float_equal(m->baseline.value, 0.08, 1e-9);
	assert_string_equal(m->baseline.year, "2023-24");
	/* Parity: everyone else in the table, 62 of 3006. */
	assert_float_equal(m->target, 62.0 / 3006.0, 1e-9);
	assert_true(m->latest.defined);
	assert_string_equal(m->latest.year, "2024-25");
	assert_float_equal(m->latest.value, 0.05, 1e-9);
	assert_float_equal(plan_metric_progress(m), (0.05 - 0.08) / (62.0 / 3006.0 - 0.08), 1e-9);
	plan_doc_free(&d);
	assert_int_equal(plan_subgroup_ref_parse(f->db, f->review, "D,2023-24,oss,race,Nobody", &ref), QREL_NOTFOUND);
	assert_int_equal(plan_subgroup_ref_parse(f->db, f->review, "D,2023-24,oss", &ref), QREL_USAGE);
}

static void
test_small_group_suppressed_and_attach(void **state)
{
	struct fx *f = *state;
	struct plan_subgroup_ref ref;
	struct plan_doc d;
	int64_t o = objective(f, "Cut suspensions"), keep = o;
	char text[32];

	assert_int_equal(plan_subgroup_ref_parse(f->db, f->review, "D,2023-24,oss,race,Tiny", &ref), QREL_OK);
	assert_int_equal(plan_objective_from_subgroup(f->db, f->review, "Lena Lead", &ref, &o), QREL_OK);
	assert_int_equal(o, keep);
	assert_int_equal(count(f, "SELECT count(*) FROM objective"), 1);
	assert_int_equal(plan_load(f->db, f->review, 10, &d), QREL_OK);
	assert_true(d.obj[0].metric[0].baseline.hidden);
	plan_rate_text(&d.obj[0].metric[0].baseline, text, sizeof(text));
	assert_string_equal(text, "suppressed");
	assert_false(d.obj[0].metric[0].latest.defined);
	assert_non_null(strstr(d.obj[0].cause[0].link[0].label, "suppressed"));
	assert_float_equal(plan_metric_progress(&d.obj[0].metric[0]), -1.0, 0);
	plan_doc_free(&d);
}

static void
test_from_cluster(void **state)
{
	struct fx *f = *state;
	struct plan_doc d;
	int64_t o = 0;

	assert_int_equal(db_exec(f->db, "INSERT INTO score(uuid, review_id, site_id, cluster_id, rater_id, kind, level, "
				 "updated_at) VALUES ('sc', 1, (SELECT id FROM site WHERE code = 'A'), "
				 "(SELECT id FROM cluster WHERE code = '1.1'), 1, 'consensus', 1, '" NOW "')"), QREL_OK);
	assert_int_equal(plan_objective_from_cluster(f->db, f->review, "Lena Lead", f->a, f->c1, &o), QREL_OK);
	assert_int_equal(plan_load(f->db, f->review, 10, &d), QREL_OK);
	assert_int_equal(d.obj[0].metric[0].is_cluster, true);
	assert_int_equal(d.obj[0].metric[0].baseline_level, 1);
	assert_int_equal(d.obj[0].metric[0].target_level, 2);
	assert_int_equal(d.obj[0].metric[0].latest_level, 1);
	assert_non_null(strstr(d.obj[0].title, "Raise 1.1"));
	assert_non_null(strstr(d.obj[0].cause[0].link[0].label, "consensus level 1"));
	plan_doc_free(&d);
	assert_int_equal(plan_objective_from_cluster(f->db, f->review, "Lena Lead", f->a, 999, &o), QREL_NOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM root_cause"), 1);
}

static void
test_people_match(void **state)
{
	struct fx *f = *state;
	char names[4][128];
	int n;

	assert_int_equal(plan_people_match(f->db, f->review, "r", names, 4, &n), QREL_OK);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "Rémi Reviewer");	/* a prefix match comes first */
	assert_int_equal(plan_people_match(f->db, f->review, "%", names, 4, &n), QREL_OK);
	assert_int_equal(n, 0);
}

static void
test_report_escapes_html(void **state)
{
	struct fx *f = *state;
	int64_t o = objective(f, "Stop <script>alert(1)</script> & co");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct plan_doc d;

	step(f, o, "Train | deans", "Rémi Reviewer", "2026-03-01");
	assert_int_equal(plan_load(f->db, f->review, 10, &d), QREL_OK);
	assert_int_equal(report_plan_html(&d, mem), QREL_OK);
	fclose(mem);
	assert_null(strstr(buf, "<script>"));
	assert_non_null(strstr(buf, "Stop &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
	assert_non_null(strstr(buf, "planned (overdue)"));
	free(buf);
	mem = open_memstream(&buf, &len);
	assert_int_equal(report_plan_md(&d, mem), QREL_OK);
	fclose(mem);
	assert_non_null(strstr(buf, "| Train \\| deans | Rémi Reviewer |"));
	assert_non_null(strstr(buf, "If we review referrals, then suspensions fall."));
	free(buf);
	plan_doc_free(&d);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_objective_logged),
		T(test_cited_note_cannot_be_deleted),
		T(test_link_detail_and_from_note),
		T(test_status_history),
		T(test_overdue_fixed_clock),
		T(test_step_input_checked),
		T(test_baseline_from_subgroup),
		T(test_small_group_suppressed_and_attach),
		T(test_from_cluster),
		T(test_people_match),
		T(test_report_escapes_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_visibility.c: the read rule. The table in qrel(1) is the table in the
 * code, cell by cell; each state arises where it should; the score reads,
 * the note scope and release follow it. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/visibility.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#define MANPAGE QREL_SRCDIR "/doc/qrel.1.in"

/* ---- the table against the man page ---- */

static int
find_role(const char *s)
{
	for (int r = 0; r < VIS_ROLES; r++)
		if (!strcmp(s, visibility_role_name((enum vis_role)r)))
			return r;
	return -1;
}

static int
find_object(const char *s)
{
	for (int o = 0; o < VIS_OBJECTS; o++)
		if (!strcmp(s, visibility_object_name((enum vis_object)o)))
			return o;
	return -1;
}

/* One row "role;object;V;-;M;..." of the man page's table, checked against the code. */
static void
check_row(char *line, bool seen[VIS_ROLES][VIS_OBJECTS])
{
	char *save = NULL, *role = strtok_r(line, ";\n", &save), *object = strtok_r(NULL, ";\n", &save);
	int r = role ? find_role(role) : -1, o = object ? find_object(object) : -1;

	if (r < 0 || o < 0)
		fail_msg("unknown row in qrel(1): %s / %s", role ? role : "", object ? object : "");
	assert_false(seen[r][o]);
	seen[r][o] = true;
	for (int s = 0; s < VIS_STATES; s++) {
		char *cell = strtok_r(NULL, ";\n", &save);
		char want = visibility_answer_mark(visibility_rule((enum vis_role)r, (enum vis_object)o,
								   (enum vis_state)s));

		assert_non_null(cell);
		if (!strcmp(cell, "\\-"))
			cell = "-";
		if (cell[0] != want || cell[1])
			fail_msg("qrel(1) says %s for %s, %s, %s; the code says %c", cell, role, object,
				 visibility_state_name((enum vis_state)s), want);
	}
	assert_null(strtok_r(NULL, ";\n", &save));
}

static void
test_man_page_table_is_the_code(void **state)
{
	FILE *fp = fopen(MANPAGE, "r");
	bool seen[VIS_ROLES][VIS_OBJECTS] = { { false } }, section = false, table = false;
	char line[512];
	int rows = 0;

	(void)state;
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, ".SH ", 4))
			section = !strcmp(line, ".SH VISIBILITY\n");
		else if (section && !strncmp(line, "ROLE;OBJECT;", 12))
			table = true;
		else if (table && !strncmp(line, ".TE", 3))
			table = section = false;
		else if (table && strcmp(line, "_\n")) {
			check_row(line, seen);
			rows++;
		}
	}
	fclose(fp);
	assert_int_equal(rows, VIS_ROLES * VIS_OBJECTS);
}

/* The header's state names are the code's, in order. */
static void
test_man_page_states_in_order(void **state)
{
	FILE *fp = fopen(MANPAGE, "r");
	char line[512], want[512] = "ROLE;OBJECT";
	bool found = false;

	(void)state;
	for (int s = 0; s < VIS_STATES; s++) {
		strcat(want, ";");
		strcat(want, visibility_state_name((enum vis_state)s));
	}
	strcat(want, "\n");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		found = found || !strcmp(line, want);
	fclose(fp);
	assert_true(found);
}

/* The core promises of the issue, cell by cell, whatever the man page says. */
static void
test_rule_promises(void **state)
{
	(void)state;
	/* Blind until consensus; the lead sees all; observers as reviewers after consensus. */
	assert_int_equal(visibility_rule(VIS_REVIEWER, VIS_TEAM_SCORE, VIS_OWN), VIS_VISIBLE);
	assert_int_equal(visibility_rule(VIS_REVIEWER, VIS_TEAM_SCORE, VIS_OPEN), VIS_HIDDEN);
	assert_int_equal(visibility_rule(VIS_REVIEWER, VIS_TEAM_SCORE, VIS_AGREED), VIS_VISIBLE);
	assert_int_equal(visibility_rule(VIS_REVIEWER, VIS_AGGREGATE, VIS_OPEN), VIS_HIDDEN);
	assert_int_equal(visibility_rule(VIS_REVIEWER, VIS_SCORE_CHANGE, VIS_OPEN), VIS_MASKED);
	assert_int_equal(visibility_rule(VIS_LEAD, VIS_TEAM_SCORE, VIS_OPEN), VIS_VISIBLE);
	assert_int_equal(visibility_rule(VIS_OBSERVER, VIS_TEAM_SCORE, VIS_OPEN), VIS_HIDDEN);
	assert_int_equal(visibility_rule(VIS_OBSERVER, VIS_TEAM_SCORE, VIS_AGREED), VIS_VISIBLE);
	/* Principals: their self-evaluation; the team's findings once released; no other school. */
	assert_int_equal(visibility_rule(VIS_PRINCIPAL, VIS_SELF_SCORE, VIS_OWN), VIS_VISIBLE);
	assert_int_equal(visibility_rule(VIS_PRINCIPAL, VIS_NOTE, VIS_AGREED), VIS_HIDDEN);
	assert_int_equal(visibility_rule(VIS_PRINCIPAL, VIS_CONSENSUS, VIS_AGREED), VIS_HIDDEN);
	assert_int_equal(visibility_rule(VIS_PRINCIPAL, VIS_CONSENSUS, VIS_AGREED_RELEASED), VIS_VISIBLE);
	assert_int_equal(visibility_rule(VIS_PRINCIPAL, VIS_NOTE, VIS_OPEN_RELEASED), VIS_VISIBLE);
	for (int o = 0; o < VIS_OBJECTS; o++) {
		assert_int_equal(visibility_rule(VIS_PRINCIPAL, (enum vis_object)o, VIS_ELSEWHERE), VIS_HIDDEN);
		for (int s = 0; s < VIS_STATES; s++)
			assert_int_equal(visibility_rule(VIS_NONMEMBER, (enum vis_object)o, (enum vis_state)s),
					 VIS_HIDDEN);
	}
	assert_int_equal(visibility_rule(VIS_ROLES, VIS_NOTE, VIS_OWN), VIS_HIDDEN);
	assert_int_equal(visibility_role_of("observer"), VIS_OBSERVER);
	assert_int_equal(visibility_role_of(""), VIS_NONMEMBER);
	assert_int_equal(visibility_role_of(NULL), VIS_NONMEMBER);
}

/* ---- the rule on a store ---- */

/* The school review (fixture.h). */
static int
setup(void **state)
{
	return school_setup(state, "/tmp/qrel-vis-XXXXXX");
}

static struct vis_viewer
viewer(struct school *f, const char *name)
{
	struct vis_viewer v;

	assert_int_equal(visibility_viewer(f->db, f->review, name, &v), QREL_OK);
	return v;
}

static void
team_scores(struct school *f)
{
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false, "Rémi's view"),
			 QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rita Reviewer", f->a, f->c1, SCORE_TEAM, 4, false,
				   "Rita's distinct view"), QREL_OK);
}

static void
test_viewer_roles(void **state)
{
	struct school *f = *state;

	assert_int_equal(viewer(f, "Lena Lead").role, VIS_LEAD);
	assert_int_equal(viewer(f, "Rémi Reviewer").role, VIS_REVIEWER);
	assert_int_equal(viewer(f, "Pat Principal").role, VIS_PRINCIPAL);
	assert_int_equal(viewer(f, "Pat Principal").home, f->a);
	assert_int_equal(viewer(f, "Otto Observer").role, VIS_OBSERVER);
	assert_int_equal(viewer(f, "Mallory").role, VIS_NONMEMBER);
	assert_int_equal(viewer(f, "Mallory").person, 0);
	assert_int_equal(viewer(f, NULL).role, VIS_NONMEMBER);
}

static void
test_states(void **state)
{
	struct school *f = *state;
	struct vis_viewer remi = viewer(f, "Rémi Reviewer"), pat = viewer(f, "Pat Principal");
	struct vis_at rita_a = { f->a, f->c1, store_person_id(f->db, f->review, "Rita Reviewer") };
	struct vis_at remi_a = { f->a, f->c1, remi.person }, rita_b = { f->b, f->c1, rita_a.owner };

	team_scores(f);
	assert_int_equal(visibility_state(f->db, &remi, &remi_a), VIS_OWN);
	assert_int_equal(visibility_state(f->db, &remi, &rita_a), VIS_OPEN);
	assert_int_equal(visibility_state(f->db, &pat, &rita_a), VIS_OPEN);
	assert_int_equal(visibility_state(f->db, &pat, &rita_b), VIS_ELSEWHERE);
	/* A reviewer is never "elsewhere". */
	assert_int_equal(visibility_state(f->db, &remi, &rita_b), VIS_OPEN);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 3, false, "agreed"),
			 QREL_OK);
	assert_int_equal(visibility_state(f->db, &remi, &rita_a), VIS_AGREED);
	assert_int_equal(visibility_state(f->db, &pat, &rita_a), VIS_AGREED);
	assert_int_equal(visibility_release(f->db, f->review, "Lena Lead", f->a), QREL_OK);
	assert_int_equal(visibility_state(f->db, &pat, &rita_a), VIS_AGREED_RELEASED);
	/* Release matters to principals only. */
	assert_int_equal(visibility_state(f->db, &remi, &rita_a), VIS_AGREED);
	rita_a.cluster = f->c2;
	assert_int_equal(visibility_state(f->db, &pat, &rita_a), VIS_OPEN_RELEASED);
	assert_int_equal(visibility_state(f->db, &pat, &rita_b), VIS_ELSEWHERE);
}

static int
count_by(const struct score_entry *e, int n, const char *rater)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += strcmp(e[i].rater, rater) == 0;
	return k;
}

/* score_list and score_blind follow the table for every role, before and after consensus. */
static void
test_score_list_by_role(void **state)
{
	static const char *const who[] = { "Lena Lead", "Rémi Reviewer", "Pat Principal", "Otto Observer", "Mallory" };
	static const int before[] = { 2, 1, 0, 0, 0 }, after[] = { 3, 3, 0, 3, 0 };
	struct school *f = *state;
	struct score_entry *e;
	int n;

	team_scores(f);
	for (size_t i = 0; i < ARRAY_SIZE(who); i++) {
		assert_int_equal(score_list(f->db, f->review, who[i], f->a, f->c1, &e, &n), QREL_OK);
		assert_int_equal(n, before[i]);
		assert_int_equal(count_by(e, n, "Rita Reviewer"), i == 0);
		assert_int_equal(score_blind(f->db, f->review, who[i], f->a, f->c1), i != 0);
		score_list_free(e, n);
	}
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 3, false, "agreed"),
			 QREL_OK);
	for (size_t i = 0; i < ARRAY_SIZE(who); i++) {
		assert_int_equal(score_list(f->db, f->review, who[i], f->a, f->c1, &e, &n), QREL_OK);
		assert_int_equal(n, after[i]);
		score_list_free(e, n);
	}
	/* The principal reads them once the lead releases the school's findings. */
	assert_int_equal(visibility_release(f->db, f->review, "Lena Lead", f->a), QREL_OK);
	assert_int_equal(score_list(f->db, f->review, "Pat Principal", f->a, f->c1, &e, &n), QREL_OK);
	assert_int_equal(n, 3);
	score_list_free(e, n);
}

/* Disagreement marks are aggregates: a reviewer does not get one from a blind cell. */
static void
test_marks_stay_blind(void **state)
{
	struct school *f = *state;
	struct score_node *tree;
	int n, marked = 0;

	team_scores(f);
	assert_int_equal(score_tree(f->db, f->review, f->a, 0, SCORE_TEAM, &tree, &n), QREL_OK);
	assert_int_equal(score_mark_disagreements(f->db, f->review, "Rémi Reviewer", f->a, tree, n), QREL_OK);
	for (int i = 0; i < n; i++)
		marked += tree[i].disagree;
	assert_int_equal(marked, 0);
	assert_int_equal(score_mark_disagreements(f->db, f->review, "Lena Lead", f->a, tree, n), QREL_OK);
	for (int i = 0; i < n; i++)
		marked += tree[i].disagree;
	assert_int_equal(marked, 1);
	free(tree);
}

static void
test_note_scope(void **state)
{
	struct school *f = *state;
	struct vis_viewer pat = viewer(f, "Pat Principal"), otto = viewer(f, "Otto Observer");
	struct vis_viewer mallory = viewer(f, "Mallory");
	struct vis_note_scope s;

	visibility_note_scope(f->db, &otto, &s);
	assert_true(s.all);
	visibility_note_scope(f->db, &mallory, &s);
	assert_true(s.none);
	visibility_note_scope(f->db, &pat, &s);
	assert_false(s.all || s.none);
	assert_int_equal(s.site, f->a);
	assert_int_equal(s.author, pat.person);
	assert_int_equal(visibility_release(f->db, f->review, "Lena Lead", f->a), QREL_OK);
	visibility_note_scope(f->db, &pat, &s);
	assert_int_equal(s.site, f->a);
	assert_int_equal(s.author, 0);
}

static void
test_release_lead_only_and_logged(void **state)
{
	struct school *f = *state;

	assert_int_equal(visibility_release(f->db, f->review, "Rémi Reviewer", f->a), QREL_DENIED);
	assert_int_equal(visibility_release(f->db, f->review, "Pat Principal", f->a), QREL_DENIED);
	assert_int_equal(visibility_release(f->db, f->review, "Mallory", 0), QREL_DENIED);
	assert_false(visibility_released(f->db, f->review, f->a));
	assert_int_equal(visibility_release(f->db, f->review, "Lena Lead", f->a), QREL_OK);
	assert_true(visibility_released(f->db, f->review, f->a));
	assert_false(visibility_released(f->db, f->review, f->b));
	assert_int_equal(visibility_release(f->db, f->review, "Lena Lead", f->a), QREL_CONFLICT);
	assert_int_equal(db_int(f->db, "SELECT count(*) FROM change_log WHERE entity = 'site' AND field = 'released' "
				"AND new = '1' AND who = 'Lena Lead'"), 1);
	assert_int_equal(visibility_release(f->db, f->review, "Lena Lead", 0), QREL_OK);
	assert_true(visibility_released(f->db, f->review, f->b));
	assert_int_equal(db_int(f->db, "SELECT count(*) FROM change_log WHERE entity = 'review' AND field = 'released'"),
			 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_page_table_is_the_code),
		cmocka_unit_test(test_man_page_states_in_order),
		cmocka_unit_test(test_rule_promises),
		cmocka_unit_test_setup_teardown(test_viewer_roles, setup, school_teardown),
		cmocka_unit_test_setup_teardown(test_states, setup, school_teardown),
		cmocka_unit_test_setup_teardown(test_score_list_by_role, setup, school_teardown),
		cmocka_unit_test_setup_teardown(test_marks_stay_blind, setup, school_teardown),
		cmocka_unit_test_setup_teardown(test_note_scope, setup, school_teardown),
		cmocka_unit_test_setup_teardown(test_release_lead_only_and_logged, setup, school_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

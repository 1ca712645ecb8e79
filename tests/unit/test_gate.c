/* test_gate.c: each rule of the one gate every write passes (gate.h), for the
 * lead, a reviewer, a principal, an observer and a stranger; locks, the scale,
 * a new review's set-up, and identity from the operating system's login. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/gate.h"
#include "qrel/identity.h"
#include "qrel/score.h"
#include "qrel/store.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

struct fx {
	char dir[FIXTURE_DIR];
	struct db *db;
	int64_t review, a, b;
	int64_t lead, rev, rev2, pri, obs;
};

/* The tiny four-level framework; schools A and B; one of each role (two reviewers): fixture.h. */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	identity_set(4242, "tester");
	if (!f || fixture_db(f->dir, "/tmp/qrel-gate-XXXXXX", NULL, &f->db) != 0 ||
	    fixture_review(f->db, FIXTURE("fw-good.ini"), fixture_people_sql, &f->review) != 0)
		return -1;
	f->a = store_site_id(f->db, f->review, "A");
	f->b = store_site_id(f->db, f->review, "B");
	f->lead = store_person_id(f->db, f->review, "Lena Lead");
	f->rev = store_person_id(f->db, f->review, "Rémi Reviewer");
	f->rev2 = store_person_id(f->db, f->review, "Rita Reviewer");
	f->pri = store_person_id(f->db, f->review, "Pat Principal");
	f->obs = store_person_id(f->db, f->review, "Otto Observer");
	*state = f;
	return f->a > 0 && f->b > 0 && f->obs > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	free(f);
	identity_set(0, NULL);
	return rc;
}

/* What the gate says when name makes write w. */
static int
may(struct fx *f, const char *name, struct gate_write w)
{
	struct gate_actor a;

	assert_int_equal(gate_actor(f->db, f->review, name, &a), QREL_OK);
	return gate_check(f->db, f->review, &a, &w);
}

static struct gate_write
score(int64_t site, int64_t owner, enum score_kind kind, int level)
{
	return (struct gate_write){ .what = GATE_SCORE, .site = site, .owner = owner, .score_kind = kind,
				    .level = level };
}

static struct gate_write
at(enum gate_what what, int64_t site, int64_t owner)
{
	return (struct gate_write){ .what = what, .site = site, .owner = owner };
}

static void
says(const char *part)
{
	if (!strstr(error_message(), part))
		fail_msg("'%s' does not say '%s'", error_message(), part);
}

static void
test_actor(void **state)
{
	struct fx *f = *state;
	struct gate_actor a;

	assert_int_equal(gate_actor(f->db, f->review, "Pat Principal", &a), QREL_OK);
	assert_int_equal(a.person, f->pri);
	assert_string_equal(a.role, "principal");
	assert_int_equal(a.home_site, f->a);
	assert_false(a.setup);
	assert_int_equal(gate_actor(f->db, f->review, "Nobody", &a), QREL_OK);
	assert_int_equal(a.person, 0);
	assert_string_equal(a.role, "");
}

static void
test_scores(void **state)
{
	struct fx *f = *state;

	/* rater = caller unless lead */
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, 2)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, f->rev, SCORE_TEAM, 2)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, f->rev2, SCORE_TEAM, 2)), QREL_DENIED);
	says("may not write Rita Reviewer's score");
	assert_int_equal(may(f, "Lena Lead", score(f->a, f->rev2, SCORE_TEAM, 2)), QREL_OK);
	/* consensus: the lead only */
	assert_int_equal(may(f, "Lena Lead", score(f->a, 0, SCORE_CONSENSUS, 3)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_CONSENSUS, 3)), QREL_DENIED);
	says("consensus scores are recorded by the lead, not a reviewer");
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, f->lead, SCORE_CONSENSUS, 3)), QREL_DENIED);
	/* self: a principal, own school only; the lead may enter it for them */
	assert_int_equal(may(f, "Pat Principal", score(f->a, 0, SCORE_SELF, 1)), QREL_OK);
	assert_int_equal(may(f, "Pat Principal", score(f->b, 0, SCORE_SELF, 1)), QREL_DENIED);
	says("own school (A), not B");
	assert_int_equal(may(f, "Lena Lead", score(f->a, f->pri, SCORE_SELF, 1)), QREL_OK);
	assert_int_equal(may(f, "Lena Lead", score(f->b, f->pri, SCORE_SELF, 1)), QREL_DENIED);
	assert_int_equal(may(f, "Pat Principal", score(f->a, 0, SCORE_TEAM, 1)), QREL_DENIED);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_SELF, 1)), QREL_DENIED);
	/* observers and strangers never */
	assert_int_equal(may(f, "Otto Observer", score(f->a, 0, SCORE_TEAM, 1)), QREL_DENIED);
	says("observer");
	assert_int_equal(may(f, "Lena Lead", score(f->a, f->obs, SCORE_TEAM, 1)), QREL_DENIED);
	assert_int_equal(may(f, "Nobody", score(f->a, 0, SCORE_TEAM, 1)), QREL_DENIED);
	says("Nobody is not a member of this review");
	assert_int_equal(may(f, "Lena Lead", score(f->a, 0, 7, 1)), QREL_PARSE);
}

static void
test_notes_and_activities(void **state)
{
	struct fx *f = *state;

	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_NOTE, f->b, 0)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_NOTE, f->b, f->rev2)), QREL_DENIED);
	says("only the note's author or the lead");
	assert_int_equal(may(f, "Lena Lead", at(GATE_NOTE, f->b, f->rev2)), QREL_OK);
	assert_int_equal(may(f, "Pat Principal", at(GATE_NOTE, f->a, 0)), QREL_OK);
	assert_int_equal(may(f, "Pat Principal", at(GATE_NOTE, f->b, 0)), QREL_DENIED);
	says("their own school only");
	assert_int_equal(may(f, "Lena Lead", at(GATE_NOTE, f->b, f->pri)), QREL_DENIED);
	assert_int_equal(may(f, "Otto Observer", at(GATE_NOTE, f->a, 0)), QREL_DENIED);
	assert_int_equal(may(f, "Nobody", at(GATE_NOTE, f->a, 0)), QREL_DENIED);
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_NOTE, 9999, 0)), QREL_NOTFOUND);
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_ACTIVITY, f->b, 0)), QREL_OK);
	assert_int_equal(may(f, "Pat Principal", at(GATE_ACTIVITY, f->b, 0)), QREL_DENIED);
	assert_int_equal(may(f, "Otto Observer", at(GATE_ACTIVITY, f->a, 0)), QREL_DENIED);
	assert_int_equal(may(f, "Pat Principal", at(GATE_PLAN, 0, 0)), QREL_OK);
	assert_int_equal(may(f, "Otto Observer", at(GATE_PLAN, 0, 0)), QREL_DENIED);
	assert_int_equal(may(f, "Nobody", at(GATE_PLAN, 0, 0)), QREL_DENIED);
}

static void
test_lead_only(void **state)
{
	static const enum gate_what what[] = { GATE_SITE, GATE_PERSON, GATE_DATA, GATE_LOCK, GATE_RESOLVE };
	static const char *const others[] = { "Rémi Reviewer", "Pat Principal", "Otto Observer", "Nobody" };
	struct fx *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
		assert_int_equal(may(f, "Lena Lead", at(what[i], f->a, 0)), QREL_OK);
		for (size_t j = 0; j < ARRAY_SIZE(others); j++)
			assert_int_equal(may(f, others[j], at(what[i], f->a, 0)), QREL_DENIED);
	}
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_PERSON, 0, f->rev)), QREL_DENIED);
	says("only the lead adds or changes people");
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_LOCK, f->a, 0)), QREL_DENIED);
	says("only the lead locks");
}

static void
test_locks(void **state)
{
	struct fx *f = *state;
	struct gate_write reopen = { .what = GATE_LOCK, .site = f->a, .reopen = true };

	assert_int_equal(db_exec(f->db, "UPDATE site SET locked = 1 WHERE code = 'A'"), QREL_OK);
	assert_int_equal(may(f, "Lena Lead", score(f->a, 0, SCORE_CONSENSUS, 2)), QREL_LOCKED);
	says("site A is locked");
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_NOTE, f->a, 0)), QREL_LOCKED);
	assert_int_equal(may(f, "Lena Lead", at(GATE_DATA, f->a, 0)), QREL_LOCKED);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->b, 0, SCORE_TEAM, 2)), QREL_OK);
	assert_int_equal(may(f, "Lena Lead", reopen), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", reopen), QREL_DENIED);
	assert_int_equal(db_exec(f->db, "UPDATE review SET locked = 1"), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->b, 0, SCORE_TEAM, 2)), QREL_LOCKED);
	says("the review is locked");
	assert_int_equal(may(f, "Lena Lead", at(GATE_PLAN, 0, 0)), QREL_LOCKED);
	assert_int_equal(may(f, "Lena Lead", at(GATE_PERSON, 0, 0)), QREL_LOCKED);
	assert_int_equal(may(f, "Lena Lead", at(GATE_SITE, 0, 0)), QREL_LOCKED);
	assert_int_equal(may(f, "Lena Lead", (struct gate_write){ .what = GATE_LOCK, .reopen = true }), QREL_OK);
	/* a stranger learns nothing more than that they are not a member */
	assert_int_equal(may(f, "Nobody", score(f->b, 0, SCORE_TEAM, 2)), QREL_DENIED);
}

static void
test_scale(void **state)
{
	struct fx *f = *state;
	struct gate_write ne = score(f->a, 0, SCORE_TEAM, 0);

	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, 4)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, 0)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, SCORE_KEEP)), QREL_OK);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, 5)), QREL_PARSE);
	says("1 to 4");
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, 99)), QREL_PARSE);
	assert_int_equal(may(f, "Rémi Reviewer", score(f->a, 0, SCORE_TEAM, -3)), QREL_PARSE);
	ne.insufficient = true;
	assert_int_equal(may(f, "Rémi Reviewer", ne), QREL_OK);
	ne.level = 2;
	assert_int_equal(may(f, "Rémi Reviewer", ne), QREL_USAGE);
}

/* A review with no lead yet is being set up: whoever holds the file adds sites
 * and people, nothing else. */
static void
test_setup(void **state)
{
	struct fx *f = *state;
	struct gate_actor a;

	assert_int_equal(db_exec(f->db, "UPDATE person SET role = 'reviewer' WHERE name = 'Lena Lead'"), QREL_OK);
	assert_int_equal(gate_actor(f->db, f->review, "Nobody", &a), QREL_OK);
	assert_true(a.setup);
	assert_int_equal(may(f, "Nobody", at(GATE_PERSON, 0, 0)), QREL_OK);
	assert_int_equal(may(f, "Nobody", at(GATE_SITE, 0, 0)), QREL_OK);
	assert_int_equal(may(f, "Nobody", at(GATE_DATA, 0, 0)), QREL_DENIED);
	assert_int_equal(may(f, "Nobody", at(GATE_NOTE, f->a, 0)), QREL_DENIED);
}

static long long
one(struct fx *f, const char *sql)
{
	return fixture_int(f->db, sql);
}

/* With logins, the process's login decides who the caller is. */
static void
test_logins(void **state)
{
	struct fx *f = *state;
	struct gate_actor a;
	char name[128];

	assert_int_equal(identity_resolve(f->db, f->review, "Rémi Reviewer", true, name, sizeof(name)), QREL_OK);
	assert_string_equal(name, "Rémi Reviewer");	/* no logins: --as as before */
	assert_int_equal(identity_set_login(f->db, f->review, "Rémi Reviewer", "Lena Lead", "tester"), QREL_DENIED);
	assert_int_equal(identity_set_login(f->db, f->review, "Lena Lead", "Rémi Reviewer", "Not Valid"), QREL_PARSE);
	/* the lead maps this process's login (tester) to herself */
	assert_int_equal(identity_set_login(f->db, f->review, "Lena Lead", "Lena Lead", "tester"), QREL_OK);
	assert_int_equal(identity_set_login(f->db, f->review, "Lena Lead", "Rémi Reviewer", "tester"), QREL_CONFLICT);
	says("tester is already the login of Lena Lead");
	assert_int_equal(identity_set_login(f->db, f->review, "Lena Lead", "Rémi Reviewer", "remi"), QREL_OK);
	/* the change log keeps the process's login and uid */
	assert_int_equal(one(f, "SELECT count(*) FROM change_log WHERE field = 'login' AND new = 'remi' "
			 "AND login = 'tester' AND uid = 4242"), 1);

	/* now run as remi: Rémi, whatever is claimed; --as the lead refused */
	identity_set(4343, "remi");
	assert_int_equal(identity_resolve(f->db, f->review, "Lena Lead", true, name, sizeof(name)), QREL_DENIED);
	says("you are logged in as unix user remi, who is Rémi Reviewer in this review; --as Lena Lead is refused");
	assert_int_equal(identity_resolve(f->db, f->review, "whoever $USER says", false, name, sizeof(name)), QREL_OK);
	assert_string_equal(name, "Rémi Reviewer");
	assert_int_equal(gate_actor(f->db, f->review, "Lena Lead", &a), QREL_OK);
	assert_int_equal(a.person, 0);	/* a name is not enough */
	assert_int_equal(may(f, "Lena Lead", at(GATE_LOCK, f->a, 0)), QREL_DENIED);
	says("logged in as unix user remi, who is not Lena Lead");
	assert_int_equal(may(f, "Rémi Reviewer", at(GATE_NOTE, f->a, 0)), QREL_OK);
	assert_int_equal(may(f, "Rita Reviewer", at(GATE_NOTE, f->a, 0)), QREL_DENIED);
	assert_int_equal(gate_actor_remote(f->db, f->review, "Lena Lead", &a), QREL_OK);
	assert_int_equal(a.person, f->lead);	/* a bundle's exporter is named, not logged in */

	/* a login nobody has: not a member, whatever is claimed */
	identity_set(4444, "stranger");
	assert_int_equal(identity_resolve(f->db, f->review, "Lena Lead", true, name, sizeof(name)), QREL_DENIED);
	assert_int_equal(identity_resolve(f->db, f->review, "Lena Lead", false, name, sizeof(name)), QREL_OK);
	assert_string_equal(name, "stranger");
	assert_int_equal(may(f, name, at(GATE_NOTE, f->a, 0)), QREL_DENIED);
	says("unix user stranger, who is not a member of this review");
	identity_set(4242, "tester");
}

static void
test_login_names(void **state)
{
	UNUSED(state);
	assert_true(identity_login_valid("qrelt_rev"));
	assert_true(identity_login_valid("_svc-1"));
	assert_true(identity_login_valid("machine$"));
	assert_false(identity_login_valid(""));
	assert_false(identity_login_valid("Root"));
	assert_false(identity_login_valid("1abc"));
	assert_false(identity_login_valid("a b"));
	assert_false(identity_login_valid("a$b"));
	assert_false(identity_login_valid("abcdefghijklmnopqrstuvwxyz0123456"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_actor),
		T(test_scores),
		T(test_notes_and_activities),
		T(test_lead_only),
		T(test_locks),
		T(test_scale),
		T(test_setup),
		T(test_logins),
		cmocka_unit_test(test_login_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

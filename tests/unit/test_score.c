/* test_score.c: who may score what, locks and reopening, blind rating, disagreement,
 * the change log, drafts, and the external editor round trip. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/draft.h"
#include "qrel/external_editor.h"
#include "qrel/framework.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A review on the tiny four-level framework: schools A and B, and one of each role. */
static int
setup(void **state)
{
	return school_setup(state, "/tmp/qrel-score-XXXXXX");
}

static long long
count(struct school *f, const char *sql)
{
	return db_int(f->db, sql);
}

static void
assert_level(struct school *f, const char *who, int64_t site, int64_t cluster, enum score_kind kind,
	     int level, bool ne)
{
	struct score_value v;
	int64_t rater = store_person_id(f->db, f->review, who);

	assert_int_equal(score_get(f->db, site, cluster, rater, kind, &v), QREL_OK);
	assert_true(v.exists);
	assert_int_equal(v.level, level);
	assert_int_equal(v.insufficient, ne);
	score_value_free(&v);
}

static void
test_reviewer_team_ok(void **state)
{
	struct school *f = *state;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false,
				   "Solid plan"), QREL_OK);
	assert_level(f, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'score' AND field = 'level' "
			      "AND old IS NULL AND new = '2' AND who = 'Rémi Reviewer'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'rationale' AND new = 'Solid plan'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log c JOIN score s ON s.uuid = c.entity_uuid"), 2);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_TEAM, 3, false, NULL), QREL_OK);
}

/* Forgetting a score (a hub pull's): the row goes, with no change log entry;
 * another review's uuid is not this one's. */
static void
test_score_forget_row(void **state)
{
	struct school *f = *state;
	long long logged;
	bool gone = false;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rita Reviewer", f->a, f->c1, SCORE_TEAM, 3, false, NULL), QREL_OK);
	assert_int_equal(db_exec(f->db, "UPDATE score SET uuid = 's-1' WHERE rater_id = (SELECT id FROM person "
				 "WHERE uuid = 'p-2')"), QREL_OK);
	logged = count(f, "SELECT count(*) FROM change_log");
	assert_int_equal(score_forget_row(f->db, f->review + 1, "s-1", &gone), QREL_OK);
	assert_false(gone);
	assert_int_equal(score_forget_row(f->db, f->review, "s-1", &gone), QREL_OK);
	assert_true(gone);
	assert_int_equal(count(f, "SELECT count(*) FROM score WHERE uuid = 's-1'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), logged);
	assert_int_equal(score_forget_row(f->db, f->review, "s-1", &gone), QREL_OK);
	assert_false(gone);
}

static void
test_principal_self(void **state)
{
	struct school *f = *state;

	assert_int_equal(score_set(f->db, f->review, "Pat Principal", f->a, f->c1, SCORE_SELF, 3, false, NULL),
			 QREL_OK);
	assert_level(f, "Pat Principal", f->a, f->c1, SCORE_SELF, 3, false);
	assert_int_equal(score_set(f->db, f->review, "Pat Principal", f->b, f->c1, SCORE_SELF, 3, false, NULL),
			 QREL_DENIED);
	assert_non_null(strstr(error_message(), "own school (A), not B"));
	assert_int_equal(score_set(f->db, f->review, "Pat Principal", f->a, f->c1, SCORE_TEAM, 3, false, NULL),
			 QREL_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), 1);
	assert_int_equal(score_may(f->db, f->review, "Pat Principal", f->b, SCORE_SELF), QREL_DENIED);
	assert_int_equal(score_may(f->db, f->review, "Pat Principal", f->a, SCORE_SELF), QREL_OK);
}

static void
test_consensus_by_lead_only(void **state)
{
	struct school *f = *state;

	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 2, false, NULL),
			 QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_CONSENSUS, 2, false, NULL),
			 QREL_DENIED);
	assert_non_null(strstr(error_message(), "consensus"));
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_SELF, 2, false, NULL),
			 QREL_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 1);
}

static void
test_observer_and_stranger_refused(void **state)
{
	struct school *f = *state;

	assert_int_equal(score_set(f->db, f->review, "Otto Observer", f->a, f->c1, SCORE_TEAM, 2, false, NULL),
			 QREL_DENIED);
	assert_non_null(strstr(error_message(), "observer"));
	assert_int_equal(score_set(f->db, f->review, "Nobody", f->a, f->c1, SCORE_TEAM, 2, false, NULL),
			 QREL_DENIED);
	assert_non_null(strstr(error_message(), "not a member"));
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), 0);
}

static void
test_locked_changes_nothing(void **state)
{
	struct school *f = *state;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false, "x"),
			 QREL_OK);
	assert_int_equal(db_exec(f->db, "UPDATE site SET locked = 1 WHERE code = 'A'"), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 3, false, "y"),
			 QREL_LOCKED);
	assert_non_null(strstr(error_message(), "site A is locked"));
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c2, SCORE_TEAM, 1, false, NULL),
			 QREL_LOCKED);
	assert_level(f, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false);
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), 2);
	assert_int_equal(score_may(f->db, f->review, "Rémi Reviewer", f->a, SCORE_TEAM), QREL_LOCKED);
	assert_int_equal(db_exec(f->db, "UPDATE review SET locked = 1"), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->b, f->c1, SCORE_TEAM, 3, false, NULL),
			 QREL_LOCKED);
	assert_non_null(strstr(error_message(), "review is locked"));
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 1);
}

static int
raters_seen(struct school *f, const char *viewer)
{
	struct score_entry *e;
	int n;

	assert_int_equal(score_list(f->db, f->review, viewer, f->a, f->c1, &e, &n), QREL_OK);
	score_list_free(e, n);
	return n;
}

static void
test_blind_rating(void **state)
{
	struct school *f = *state;
	struct score_entry *e;
	int n;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false, "r"), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rita Reviewer", f->a, f->c1, SCORE_TEAM, 4, false, NULL), QREL_OK);
	assert_int_equal(raters_seen(f, "Rémi Reviewer"), 1);
	assert_int_equal(score_list(f->db, f->review, "Rémi Reviewer", f->a, f->c1, &e, &n), QREL_OK);
	assert_string_equal(e[0].rater, "Rémi Reviewer");
	assert_int_equal(e[0].level, 2);
	assert_string_equal(e[0].rationale, "r");
	score_list_free(e, n);
	assert_int_equal(raters_seen(f, "Otto Observer"), 0);
	assert_int_equal(raters_seen(f, "Lena Lead"), 2);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 3, false, NULL), QREL_OK);
	assert_int_equal(raters_seen(f, "Rémi Reviewer"), 3);
	assert_int_equal(score_list(f->db, f->review, "Rita Reviewer", f->a, f->c1, &e, &n), QREL_OK);
	assert_int_equal(e[0].kind, SCORE_CONSENSUS);
	score_list_free(e, n);
}

static long long
logged(struct school *f, const char *old, const char *new)
{
	static const char sql[] = "SELECT count(*) FROM change_log WHERE field = 'level' AND old IS ?1 AND new IS ?2";
	sqlite3_stmt *st = db_stmt(f->db, sql);
	long long n;

	db_bind_text(st, 1, old);
	db_bind_text(st, 2, new);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static void
test_change_log_values(void **state)
{
	struct school *f = *state;
	const char *who = "Rémi Reviewer";

	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 2, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 3, false, NULL), QREL_OK);
	assert_int_equal(logged(f, "2", "3"), 1);
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 0, true, NULL), QREL_OK);
	assert_level(f, who, f->a, f->c1, SCORE_TEAM, 0, true);
	assert_int_equal(logged(f, "3", "NE"), 1);
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 0, false, NULL), QREL_OK);
	assert_level(f, who, f->a, f->c1, SCORE_TEAM, 0, false);
	assert_int_equal(logged(f, "NE", NULL), 1);
	assert_int_equal(count(f, "SELECT version FROM score"), 4);
	/* Setting the same value again writes nothing. */
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 0, false, NULL), QREL_OK);
	assert_int_equal(count(f, "SELECT version FROM score"), 4);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), 4);
	/* Rationale only: the level stays, one rationale row. */
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 2, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, SCORE_KEEP, false,
				   "Équipe très engagée"), QREL_OK);
	assert_level(f, who, f->a, f->c1, SCORE_TEAM, 2, false);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'rationale' AND old IS NULL "
			      "AND new = 'Équipe très engagée'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), 6);
}

static void
test_level_out_of_scale(void **state)
{
	struct school *f = *state;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 5, false, NULL),
			 QREL_PARSE);
	assert_non_null(strstr(error_message(), "1 to 4"));
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, -3, false, NULL),
			 QREL_PARSE);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, true, NULL),
			 QREL_USAGE);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, 9999, SCORE_TEAM, 2, false, NULL),
			 QREL_NOTFOUND);
	/* Clearing what was never set stores nothing. */
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 0, false, NULL),
			 QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM score"), 0);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 4, false, NULL),
			 QREL_OK);
}

static void
test_drafts(void **state)
{
	struct school *f = *state;
	char *t;

	assert_null(draft_load(f->db, "rationale:1:1:team", "Rémi Reviewer"));
	assert_int_equal(draft_save(f->db, "rationale:1:1:team", "Rémi Reviewer", "Équ"), QREL_OK);
	assert_int_equal(draft_save(f->db, "rationale:1:1:team", "Rémi Reviewer", "Équipe"), QREL_OK);
	assert_int_equal(draft_save(f->db, "rationale:1:1:team", "Rita Reviewer", "other"), QREL_OK);
	t = draft_load(f->db, "rationale:1:1:team", "Rémi Reviewer");
	assert_string_equal(t, "Équipe");
	free(t);
	assert_int_equal(draft_clear(f->db, "rationale:1:1:team", "Rémi Reviewer"), QREL_OK);
	assert_null(draft_load(f->db, "rationale:1:1:team", "Rémi Reviewer"));
	t = draft_load(f->db, "rationale:1:1:team", "Rita Reviewer");
	assert_string_equal(t, "other");
	free(t);
	assert_int_equal(count(f, "SELECT count(*) FROM draft"), 1);
}

static const char notes_sql[] =
	"INSERT INTO note(uuid, review_id, site_id, source, author_id, text, created_at, updated_at, deleted_at) "
	"VALUES ('n1', 1, 1, 'interview', 2, 'a', 't', 't', NULL), ('n2', 1, 1, 'survey', 2, 'b', 't', 't', NULL),"
	"  ('n3', 1, 1, 'survey', 2, 'c', 't', 't', NULL), ('n4', 1, 1, 'focus_group', 2, 'd', 't', 't', 'gone'),"
	"  ('n5', 1, 2, 'document_review', 2, 'e', 't', 't', NULL);"
	"INSERT INTO note_cluster(note_id, cluster_id) SELECT id, (SELECT min(id) FROM cluster) FROM note;";

static void
test_tree_progress_evidence(void **state)
{
	struct school *f = *state;
	int64_t rater = store_person_id(f->db, f->review, "Rémi Reviewer");
	struct score_evidence ev;
	struct score_node *t;
	int n, scored, total;

	assert_int_equal(db_exec(f->db, notes_sql), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c2, SCORE_TEAM, 0, true, NULL), QREL_OK);
	assert_int_equal(score_tree(f->db, f->review, f->a, rater, SCORE_TEAM, &t, &n), QREL_OK);
	assert_int_equal(n, 3);
	assert_true(t[0].is_domain);
	assert_string_equal(t[0].title, "Only domain");
	assert_string_equal(t[1].code, "1.1");
	assert_string_equal(t[1].title, "Café équité");
	assert_int_equal(t[1].ev.notes, 3);
	assert_int_equal(t[1].ev.sources, 2);
	assert_true(t[2].insufficient);
	free(t);
	assert_int_equal(score_evidence(f->db, f->b, f->c1, &ev), QREL_OK);
	assert_int_equal(ev.notes, 1);
	assert_int_equal(score_progress(f->db, f->review, f->a, rater, SCORE_TEAM, &scored, &total), QREL_OK);
	assert_int_equal(scored, 1);
	assert_int_equal(total, 2);
}

static void
test_rubric_text(void **state)
{
	struct school *f = *state;
	struct score_rubric r;

	assert_int_equal(score_rubric(f->db, f->review, f->c1, &r), QREL_OK);
	assert_int_equal(r.levels, 4);
	assert_string_equal(r.title, "Café équité");
	assert_string_equal(r.label[3], "Four");
	assert_string_equal(r.descriptor[1], "b");
	score_rubric_free(&r);
}

static int
collect(void *ctx, const struct score_row *r)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	snprintf(buf + len, 512 - len, "%s,%s,%s,%s,%s;", r->site, r->cluster, r->rater, r->kind, r->level);
	return 0;
}

static void
test_export_order(void **state)
{
	struct school *f = *state;
	char buf[512] = "";

	assert_int_equal(score_set(f->db, f->review, "Rita Reviewer", f->b, f->c1, SCORE_TEAM, 1, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c2, SCORE_TEAM, 0, true, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 2, false, NULL), QREL_OK);
	assert_int_equal(score_each(f->db, f->review, 0, NULL, collect, buf), QREL_OK);
	assert_string_equal(buf, "A,1.1,Lena Lead,consensus,2;A,1.1,Rémi Reviewer,team,2;"
				 "A,1.2,Rémi Reviewer,team,NE;B,1.1,Rita Reviewer,team,1;");
	buf[0] = '\0';
	assert_int_equal(score_each(f->db, f->review, f->a, "team", collect, buf), QREL_OK);
	assert_string_equal(buf, "A,1.1,Rémi Reviewer,team,2;A,1.2,Rémi Reviewer,team,NE;");
}

static void
test_kind_names(void **state)
{
	enum score_kind k;

	UNUSED(state);
	assert_int_equal(score_kind_parse("Consensus", &k), QREL_OK);
	assert_int_equal(k, SCORE_CONSENSUS);
	assert_int_equal(score_kind_parse("peer", &k), QREL_PARSE);
	assert_int_equal(score_kind_for_role("principal"), SCORE_SELF);
	assert_int_equal(score_kind_for_role("lead"), SCORE_TEAM);
	assert_string_equal(score_kind_name(SCORE_SELF), "self");
}


static long long
lock_logged(struct school *f, const char *entity, const char *old, const char *new, const char *reason)
{
	static const char sql[] = "SELECT count(*) FROM change_log WHERE entity = ?1 AND field = 'locked' "
				  "AND old = ?2 AND new = ?3 AND reason = ?4 AND who = 'Lena Lead'";
	sqlite3_stmt *st = db_stmt(f->db, sql);
	long long n;

	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, old);
	db_bind_text(st, 3, new);
	db_bind_text(st, 4, reason);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static void
test_lock_only_lead(void **state)
{
	struct school *f = *state;
	bool site, review;

	assert_int_equal(score_lock_site(f->db, f->review, "Rémi Reviewer", f->a, true, NULL), QREL_DENIED);
	assert_non_null(strstr(error_message(), "only the lead"));
	assert_int_equal(score_lock_site(f->db, f->review, "Pat Principal", f->a, true, NULL), QREL_DENIED);
	assert_int_equal(score_lock_site(f->db, f->review, "Nobody", f->a, true, NULL), QREL_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM site WHERE locked"), 0);
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, true, NULL), QREL_OK);
	assert_int_equal(score_lock_state(f->db, f->review, f->a, &site, &review), QREL_OK);
	assert_true(site);
	assert_false(review);
	assert_int_equal(lock_logged(f, "site", "0", "1", ""), 1);
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, true, NULL), QREL_CONFLICT);
	assert_non_null(strstr(error_message(), "site A is already locked"));
	assert_int_equal(score_lock_site(f->db, f->review, "Rémi Reviewer", f->a, false, "why"), QREL_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), 1);
}

static void
test_locked_then_reopened(void **state)
{
	struct school *f = *state;
	const char *who = "Rémi Reviewer";

	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, true, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 2, false, NULL), QREL_LOCKED);
	assert_int_equal(score_set(f->db, f->review, who, f->b, f->c1, SCORE_TEAM, 2, false, NULL), QREL_OK);
	/* Reopening needs a reason: none, or only spaces, is refused and changes nothing. */
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, false, NULL), QREL_USAGE);
	assert_non_null(strstr(error_message(), "reason"));
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, false, "  \n "), QREL_USAGE);
	assert_int_equal(count(f, "SELECT locked FROM site WHERE code = 'A'"), 1);
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, false, " Late évidence "), QREL_OK);
	assert_int_equal(lock_logged(f, "site", "1", "0", "Late évidence"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log c JOIN site s ON s.uuid = c.entity_uuid "
			      "WHERE c.entity = 'site' AND s.code = 'A'"), 2);
	assert_int_equal(score_set(f->db, f->review, who, f->a, f->c1, SCORE_TEAM, 2, false, NULL), QREL_OK);
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", f->a, false, "again"), QREL_CONFLICT);
}

static void
test_lock_review(void **state)
{
	struct school *f = *state;
	bool site, review;

	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", 0, true, "final"), QREL_OK);
	assert_int_equal(lock_logged(f, "review", "0", "1", "final"), 1);
	assert_int_equal(score_lock_state(f->db, f->review, f->b, &site, &review), QREL_OK);
	assert_false(site);
	assert_true(review);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->b, f->c1, SCORE_TEAM, 2, false, NULL),
			 QREL_LOCKED);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->b, f->c1, SCORE_CONSENSUS, 2, false, NULL),
			 QREL_LOCKED);
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", 0, false, "a typo"), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->b, f->c1, SCORE_TEAM, 2, false, NULL),
			 QREL_OK);
	assert_int_equal(score_lock_site(f->db, f->review, "Lena Lead", 9999, true, NULL), QREL_NOTFOUND);
}

static struct score_levels
levels(int self, int consensus, int n, const int *team)
{
	struct score_levels l = { .nteam = n, .self = self, .consensus = consensus };

	memcpy(l.team, team, (size_t)n * sizeof(*team));
	return l;
}

static void
test_disagreement_predicate(void **state)
{
	struct score_levels l;

	UNUSED(state);
	l = levels(0, 0, 3, (int[]){ 1, 2, 3 });
	assert_int_equal(score_spread(&l), 2);
	assert_true(score_disagree(&l));
	l = levels(0, 0, 3, (int[]){ 2, 3, 3 });
	assert_int_equal(score_spread(&l), 1);
	assert_false(score_disagree(&l));
	l = levels(0, 0, 1, (int[]){ 3 });
	assert_int_equal(score_spread(&l), 0);
	/* Self against the team's median; with an even count, the two middle levels. */
	l = levels(3, 0, 3, (int[]){ 2, 2, 3 });
	assert_true(score_self_differs(&l));
	assert_true(score_disagree(&l));
	l = levels(2, 0, 3, (int[]){ 3, 2, 2 });
	assert_false(score_disagree(&l));
	l = levels(2, 0, 2, (int[]){ 2, 3 });
	assert_false(score_self_differs(&l));
	l = levels(1, 0, 2, (int[]){ 2, 3 });
	assert_true(score_self_differs(&l));
	/* Once there is a consensus, self is held against it. */
	l = levels(2, 3, 3, (int[]){ 2, 2, 2 });
	assert_true(score_self_differs(&l));
	l = levels(3, 3, 3, (int[]){ 2, 2, 2 });
	assert_false(score_disagree(&l));
	/* A recorded consensus settles a spread: not to discuss any more. */
	l = levels(0, 2, 3, (int[]){ 1, 2, 3 });
	assert_int_equal(score_spread(&l), 2);
	assert_false(score_disagree(&l));
	/* No self level, or no team level: nothing to differ from. */
	l = levels(0, 2, 2, (int[]){ 2, 3 });
	assert_false(score_disagree(&l));
	l = levels(3, 0, 0, (int[]){ 0 });
	assert_false(score_disagree(&l));
}

/* The marks follow blind rating: a reviewer sees none until consensus. */
static void
test_disagreement_marks(void **state)
{
	struct school *f = *state;
	int64_t rater = store_person_id(f->db, f->review, "Rémi Reviewer");
	struct score_entry *e;
	struct score_levels l;
	struct score_node *t;
	int n, ne;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 1, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rita Reviewer", f->a, f->c1, SCORE_TEAM, 3, false, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rita Reviewer", f->a, f->c2, SCORE_TEAM, 0, true, NULL), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c2, SCORE_TEAM, 2, false, NULL), QREL_OK);
	assert_int_equal(score_tree(f->db, f->review, f->a, rater, SCORE_TEAM, &t, &n), QREL_OK);
	assert_int_equal(score_mark_disagreements(f->db, f->review, "Lena Lead", f->a, t, n), QREL_OK);
	assert_true(t[1].disagree);
	assert_false(t[2].disagree);	/* NE is not a level */
	assert_int_equal(score_mark_disagreements(f->db, f->review, "Rémi Reviewer", f->a, t, n), QREL_OK);
	assert_false(t[1].disagree);
	assert_true(score_blind(f->db, f->review, "Rémi Reviewer", f->a, f->c1));
	assert_false(score_blind(f->db, f->review, "Lena Lead", f->a, f->c1));
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 2, false, NULL), QREL_OK);
	assert_false(score_blind(f->db, f->review, "Rémi Reviewer", f->a, f->c1));
	assert_int_equal(score_mark_disagreements(f->db, f->review, "Rémi Reviewer", f->a, t, n), QREL_OK);
	assert_false(t[1].disagree);	/* the consensus settled it: nothing left to discuss */
	free(t);
	assert_int_equal(score_list(f->db, f->review, "Rémi Reviewer", f->a, f->c1, &e, &ne), QREL_OK);
	score_levels_of(e, ne, &l);
	score_list_free(e, ne);
	assert_int_equal(l.nteam, 2);
	assert_int_equal(l.consensus, 2);
	assert_int_equal(score_spread(&l), 2);
}

static void
test_sources(void **state)
{
	struct school *f = *state;
	struct score_source src[SCORE_MAX_SOURCES];
	int n;

	assert_int_equal(db_exec(f->db, notes_sql), QREL_OK);
	assert_int_equal(score_sources(f->db, f->a, f->c1, src, SCORE_MAX_SOURCES, &n), QREL_OK);
	assert_int_equal(n, 2);	/* the deleted focus group note does not count */
	assert_string_equal(src[0].source, "survey");
	assert_int_equal(src[0].notes, 2);
	assert_string_equal(src[1].source, "interview");
	assert_int_equal(score_sources(f->db, f->a, f->c1, src, 1, &n), QREL_OK);
	assert_int_equal(n, 1);
}

/* ---- the external editor ---- */

struct ed_fx {
	char dir[FIXTURE_DIR], script[128];
};

static int
ed_setup(void **state)
{
	struct ed_fx *e = calloc(1, sizeof(*e));

	if (fixture_dir(e->dir, "/tmp/qrel-ed-XXXXXX") != 0)
		return -1;
	snprintf(e->script, sizeof(e->script), "%s/ed", e->dir);
	setenv("TMPDIR", e->dir, 1);
	unsetenv("VISUAL");
	*state = e;
	return 0;
}

static int
ed_teardown(void **state)
{
	struct ed_fx *e = *state;
	int rc = fixture_rmdir(e->dir);

	unsetenv("TMPDIR");
	unsetenv("EDITOR");
	unsetenv("VISUAL");
	free(e);
	return rc;
}

/* A script standing in for an editor; its mode and words go to DIR/seen. */
static void
write_script(struct ed_fx *e, const char *body)
{
	FILE *fp = fopen(e->script, "w");

	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\nstat -c %%a \"$2\" > '%s/seen'\necho \"$1\" >> '%s/seen'\n%s\n", e->dir, e->dir,
		body);
	fclose(fp);
	chmod(e->script, 0700);
}

static int
files_in(const char *dir)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "exit $(ls '%s' | grep -c qrel-edit)", dir);
	return WEXITSTATUS(system(cmd));
}

static void
test_external_edit_appends(void **state)
{
	struct ed_fx *e = *state;
	char env[160], *out = NULL, *seen, path[128];

	write_script(e, "printf 'Ajouté\\n' >> \"$2\"");
	snprintf(env, sizeof(env), "%s --flag", e->script);	/* split on spaces, no shell */
	setenv("EDITOR", env, 1);
	assert_string_equal(external_editor_command(), env);
	assert_int_equal(external_edit("Équipe engagée\n", &out), QREL_OK);
	assert_string_equal(out, "Équipe engagée\nAjouté\n");
	free(out);
	snprintf(path, sizeof(path), "%s/seen", e->dir);
	seen = file_read(path, NULL);
	assert_string_equal(seen, "600\n--flag\n");
	free(seen);
	assert_int_equal(files_in(e->dir), 0);	/* the temp file is gone */
	/* A text without a final newline gets one, so the appended line is a line. */
	assert_int_equal(external_edit("Sans fin", &out), QREL_OK);
	assert_string_equal(out, "Sans fin\nAjouté\n");
	free(out);
	assert_int_equal(external_edit("", &out), QREL_OK);
	assert_string_equal(out, "Ajouté\n");
	free(out);
}

static void
test_external_edit_failure(void **state)
{
	struct ed_fx *e = *state;
	char env[160], *out = (char *)"x";

	write_script(e, "echo changed > \"$2\"; exit 3");
	snprintf(env, sizeof(env), "%s -", e->script);
	setenv("VISUAL", env, 1);
	setenv("EDITOR", "/nonexistent/editor", 1);	/* VISUAL comes first */
	assert_int_equal(external_edit("keep", &out), QREL_IO);
	assert_null(out);
	assert_non_null(strstr(error_message(), "exited with status 3"));
	assert_int_equal(files_in(e->dir), 0);
	setenv("VISUAL", "/nonexistent/editor", 1);
	assert_int_equal(external_edit("keep", &out), QREL_IO);
	assert_non_null(strstr(error_message(), "could not run"));
	write_script(e, "rm \"$2\"");
	setenv("VISUAL", env, 1);
	assert_int_equal(external_edit("keep", &out), QREL_IO);
	assert_non_null(strstr(error_message(), "read back"));
	assert_null(out);
	unsetenv("VISUAL");
	unsetenv("EDITOR");
	assert_string_equal(external_editor_command(), "vi");
}

/* ---- no silent overwrite ---- */

/* The lead's consensus rationale for A 1.1 as stored, and its version. */
static int
consensus_version(struct school *f, char **rationale)
{
	struct score_value v;
	int64_t lead = store_person_id(f->db, f->review, "Lena Lead");
	int version;

	assert_int_equal(score_get(f->db, f->a, f->c1, lead, SCORE_CONSENSUS, &v), QREL_OK);
	version = v.version;
	if (rationale)
		*rationale = xstrdup(v.rationale);
	score_value_free(&v);
	return version;
}

static void
test_expect_stale_refused(void **state)
{
	struct school *f = *state;
	struct score_value cur;
	long long logs;
	char *text;
	int seen;

	setenv("QREL_NOW", "2026-03-02T10:00:00Z", 1);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 2, false,
				   "First view"), QREL_OK);
	seen = consensus_version(f, NULL);	/* the screen shows this and the lead starts typing */
	setenv("QREL_NOW", "2026-03-02T10:02:00Z", 1);
	assert_int_equal(score_set(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 2, false,
				   "Changed elsewhere"), QREL_OK);
	logs = count(f, "SELECT count(*) FROM change_log");
	assert_int_equal(score_set_expect(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS,
					  SCORE_KEEP, false, "Typed on screen", seen, &cur), QREL_CONFLICT);
	assert_non_null(strstr(error_message(), "Lena Lead changed this consensus score at 2026-03-02T10:02:00Z"));
	/* Nothing written: the other value, its version and the log stay. */
	assert_int_equal(consensus_version(f, &text), seen + 1);
	assert_string_equal(text, "Changed elsewhere");
	free(text);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), logs);
	/* And the screen gets the current value to show beside its own. */
	assert_true(cur.exists);
	assert_string_equal(cur.rationale, "Changed elsewhere");
	assert_int_equal(cur.version, seen + 1);
	assert_string_equal(cur.changed_by, "Lena Lead");
	assert_string_equal(cur.changed_at, "2026-03-02T10:02:00Z");
	score_value_free(&cur);
	unsetenv("QREL_NOW");
}

static void
test_expect_current_passes(void **state)
{
	struct school *f = *state;
	struct score_value cur;
	char *text;

	/* 0: the screen showed no row, and there is none yet. */
	assert_int_equal(score_set_expect(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 1, false,
					  "New", 0, &cur), QREL_OK);
	score_value_free(&cur);
	assert_int_equal(consensus_version(f, NULL), 1);
	/* ... but once there is, 0 is stale. */
	assert_int_equal(score_set_expect(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, 1, false,
					  "Other", 0, NULL), QREL_CONFLICT);
	/* Keeping yours knowingly: the version just shown passes, and is logged. */
	assert_int_equal(score_set_expect(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, SCORE_KEEP,
					  false, "Mine, knowingly", 1, NULL), QREL_OK);
	assert_int_equal(consensus_version(f, &text), 2);
	assert_string_equal(text, "Mine, knowingly");
	free(text);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'rationale' AND old = 'New' "
			      "AND new = 'Mine, knowingly'"), 1);
	/* A stale write asking for what is already stored overwrites nobody. */
	assert_int_equal(score_set_expect(f->db, f->review, "Lena Lead", f->a, f->c1, SCORE_CONSENSUS, SCORE_KEEP,
					  false, "Mine, knowingly", 1, NULL), QREL_OK);
	assert_int_equal(consensus_version(f, NULL), 2);
}

/* ---- a full disk ---- */

/* Caps the file at its size now: the next write that needs a page fails as on a full disk. */
static void
cap_size(struct db *db)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", db_int(db, "PRAGMA page_count"));
	assert_int_equal(db_exec(db, sql), QREL_OK);
}

static char *
long_text(size_t n)
{
	char *t = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		t[i] = "abcdefgh "[i % 9];
	t[n] = '\0';
	return t;
}

static void
assert_intact(struct db *db)
{
	sqlite3_stmt *st;

	assert_true(sqlite3_get_autocommit(db_handle(db)));	/* rolled back, not left open */
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

static void
test_full_disk_score(void **state)
{
	struct school *f = *state;
	char *big = long_text(20000);
	long long logs;

	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false, "Short"),
			 QREL_OK);
	logs = count(f, "SELECT count(*) FROM change_log");
	cap_size(f->db);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 3, false, big),
			 QREL_FULL);
	assert_non_null(strstr(error_message(), "disk is full"));
	assert_non_null(strstr(error_message(), f->dir));	/* names the file */
	assert_intact(f->db);
	/* Nothing half-written: neither the level nor the log moved. */
	assert_level(f, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 2, false);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log"), logs);
	assert_int_equal(count(f, "SELECT sum(version) FROM score"), 1);
	/* The draft of the same text cannot be kept either, and says so. */
	assert_int_equal(draft_save(f->db, "rationale:x", "Rémi Reviewer", big), QREL_FULL);
	assert_non_null(strstr(error_message(), "disk is full"));
	assert_null(draft_load(f->db, "rationale:x", "Rémi Reviewer"));
	/* With room again, the same write goes through. */
	assert_int_equal(db_exec(f->db, "PRAGMA max_page_count = 1000000"), QREL_OK);
	assert_int_equal(score_set(f->db, f->review, "Rémi Reviewer", f->a, f->c1, SCORE_TEAM, 3, false, big),
			 QREL_OK);
	assert_intact(f->db);
	free(big);
}

static void
test_full_disk_draft(void **state)
{
	struct school *f = *state;
	char *big = long_text(20000), *text;

	assert_int_equal(draft_save(f->db, "rationale:y", "Rémi Reviewer", "kept before"), QREL_OK);
	cap_size(f->db);
	assert_int_equal(draft_save(f->db, "rationale:y", "Rémi Reviewer", big), QREL_FULL);
	assert_non_null(strstr(error_message(), "saving a draft"));
	/* The earlier draft is still whole. */
	text = draft_load(f->db, "rationale:y", "Rémi Reviewer");
	assert_string_equal(text, "kept before");
	free(text);
	assert_intact(f->db);
	free(big);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, school_teardown)
#define ED(name) cmocka_unit_test_setup_teardown(name, ed_setup, ed_teardown)

/* The row writers (the only code that writes scores): what they store, and how
 * the version moves on an update. */
static void
test_row_writers(void **state)
{
	struct school *f = *state;
	int64_t rater = store_person_id(f->db, f->review, "Rita Reviewer"), id;
	struct score_fields w = { .uuid = "5c000000-0000-4000-8000-000000000001", .review = f->review, .site = f->a,
				  .cluster = f->c1, .rater = rater, .kind = "team", .rated = true, .level = 2,
				  .rationale = "seen in class", .updated_at = "2024-01-02T03:04:05Z", .version = 4 };
	const char *row = "SELECT level || '|' || insufficient || '|' || rationale || '|' || updated_at || '|' || "
			  "version FROM score WHERE uuid = '5c000000-0000-4000-8000-000000000001'";
	sqlite3_stmt *st;

	assert_int_equal(score_insert_row(f->db, &w, "saving a score"), QREL_OK);
	id = count(f, "SELECT id FROM score WHERE uuid = '5c000000-0000-4000-8000-000000000001'");
	assert_true(id > 0);
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), row, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(db_col_text(st, 0), "2|0|seen in class|2024-01-02T03:04:05Z|4");
	sqlite3_reset(st);
	/* NE, the rationale kept (NULL), a local write: one version up. */
	assert_int_equal(score_apply_row(f->db, id, &(struct score_fields){ .insufficient = true,
		.updated_at = "2024-01-03T00:00:00Z" }, "saving a score"), QREL_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_type(st, 0) == SQLITE_NULL);	/* level NULL: the whole line is */
	sqlite3_reset(st);
	assert_int_equal(count(f, "SELECT count(*) FROM score WHERE level IS NULL AND insufficient = 1 AND "
			       "rationale = 'seen in class' AND version = 5"), 1);
	/* A merged row at a higher version takes that version; a lower one still goes up by one. */
	assert_int_equal(score_apply_row(f->db, id, &(struct score_fields){ .rated = true, .level = 3, .rationale = "",
		.updated_at = "2024-01-04T00:00:00Z", .version = 9 }, "saving a score"), QREL_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(db_col_text(st, 0), "3|0||2024-01-04T00:00:00Z|9");
	sqlite3_reset(st);
	assert_int_equal(score_apply_row(f->db, id, &(struct score_fields){ .rated = true, .level = 1,
		.updated_at = "2024-01-05T00:00:00Z", .version = 2 }, "saving a score"), QREL_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(db_col_text(st, 0), "1|0||2024-01-05T00:00:00Z|10");
	sqlite3_finalize(st);
	/* The same uuid twice is the database's refusal, named by what. */
	assert_int_not_equal(score_insert_row(f->db, &w, "saving a score"), QREL_OK);
	assert_non_null(strstr(error_message(), "saving a score"));
	/* The writer logs nothing: the callers do. */
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'score'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reviewer_team_ok),
		T(test_score_forget_row),
		T(test_row_writers),
		T(test_principal_self),
		T(test_consensus_by_lead_only),
		T(test_observer_and_stranger_refused),
		T(test_locked_changes_nothing),
		T(test_blind_rating),
		T(test_change_log_values),
		T(test_level_out_of_scale),
		T(test_drafts),
		T(test_tree_progress_evidence),
		T(test_rubric_text),
		T(test_export_order),
		cmocka_unit_test(test_kind_names),
		T(test_lock_only_lead),
		T(test_locked_then_reopened),
		T(test_lock_review),
		cmocka_unit_test(test_disagreement_predicate),
		T(test_disagreement_marks),
		T(test_sources),
		ED(test_external_edit_appends),
		ED(test_external_edit_failure),
		T(test_expect_stale_refused),
		T(test_expect_current_passes),
		T(test_full_disk_score),
		T(test_full_disk_draft),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

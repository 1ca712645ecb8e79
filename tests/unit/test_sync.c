/* test_sync.c: the merge decision, bundles between two copies, the worded check and backups. */
#include "qrel/qrel.h"
#include "qrel/backup.h"
#include "qrel/check.h"
#include "qrel/db.h"
#include "qrel/review.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/sync.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static char *
tmp_path(const char *name)
{
	static char path[4][128];
	static int next;

	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s/%s", dir, name);
	return path[next];
}

static int
setup(void **state)
{
	struct diags d = { 0 };
	struct db *db;
	struct backup_stats bs;
	int rc;

	UNUSED(state);
	snprintf(dir, sizeof(dir), "/tmp/qrel-sync-XXXXXX");
	if (!mkdtemp(dir) || review_build_sample(tmp_path("a.db"), QREL_SRCDIR, &d) != QREL_OK)
		return -1;
	diag_free(&d);
	/* b is a copy of the same review, as a reviewer's laptop would hold. */
	if (db_open(tmp_path("a.db"), 0, &db) != QREL_OK)
		return -1;
	rc = backup_db(db, tmp_path("b.db"), &bs);
	db_close(db);
	return rc == QREL_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	UNUSED(state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void
test_decide(void **state)
{
	UNUSED(state);
	assert_int_equal(sync_decide("x", NULL, 1, "x", NULL, 5), SYNC_SAME);
	assert_int_equal(sync_decide("x", "o", 2, "x", "o", 2), SYNC_SAME);	/* the same edit on both sides */
	assert_int_equal(sync_decide("o", NULL, 1, "x", "o", 2), SYNC_TAKE);	/* only theirs moved */
	assert_int_equal(sync_decide("x", "o", 2, "o", NULL, 1), SYNC_KEEP);	/* only ours moved */
	assert_int_equal(sync_decide("x", "o", 2, "y", "o", 2), SYNC_CONFLICT);
	assert_int_equal(sync_decide("y", "o", 2, "x", "y", 3), SYNC_TAKE);	/* theirs builds on ours */
	assert_int_equal(sync_decide("z", NULL, 3, "x", NULL, 2), SYNC_STALE);	/* a replayed old bundle */
	assert_int_equal(sync_decide("z", NULL, 2, "x", NULL, 3), SYNC_TAKE);	/* a third copy's later value */
	assert_int_equal(sync_decide("z", NULL, 2, "x", NULL, 2), SYNC_CONFLICT);
}

static int64_t
open_review(const char *name, struct db **db)
{
	assert_int_equal(db_open(tmp_path(name), 0, db), QREL_OK);
	return store_review_id(*db);
}

static void
set_score(const char *name, int level, const char *why)
{
	struct db *db;
	int64_t review = open_review(name, &db);
	int64_t site = store_site_id(db, review, "RHS"), cluster = store_cluster_id(db, review, "1.2");

	assert_int_equal(score_set(db, review, "José Ramírez", site, cluster, SCORE_TEAM, level, false, why), QREL_OK);
	db_close(db);
}

static int
bundle_of(const char *from, const char *out, const char *peer, struct sync_export_stats *es)
{
	struct db *db;
	int64_t review = open_review(from, &db);
	int rc = sync_export(db, review, "Ségolène Arceneaux", tmp_path(out), peer, peer == NULL, es);

	db_close(db);
	return rc;
}

static int
import_into(const char *to, const char *bundle, struct sync_import_stats *st)
{
	struct db *db;
	int64_t review = open_review(to, &db);
	int rc = sync_import(db, review, "Ségolène Arceneaux", tmp_path(bundle), st);

	db_close(db);
	return rc;
}

static void
test_one_sided_change_travels(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	struct stat sb;

	UNUSED(state);
	set_score("a.db", 3, "moved in a");
	assert_int_equal(bundle_of("a.db", "a1.qb", "b", &es), QREL_OK);
	assert_int_equal(stat(tmp_path("a1.qb"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(import_into("b.db", "a1.qb", &st), QREL_OK);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.conflicts, 0);
	assert_int_equal(import_into("b.db", "a1.qb", &st), QREL_OK);	/* again: nothing */
	assert_int_equal(st.updated + st.inserted + st.conflicts + st.changes, 0);
	/* Nothing changed in a since: the next bundle to b carries no score. */
	assert_int_equal(bundle_of("a.db", "a2.qb", "b", &es), QREL_OK);
	assert_int_equal(es.scores, 0);
}

static void
test_both_sides_conflict_once(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;

	UNUSED(state);
	set_score("a.db", 1, "a thinks 1");
	set_score("b.db", 2, "b thinks 2");
	assert_int_equal(bundle_of("a.db", "a3.qb", NULL, &es), QREL_OK);
	assert_int_equal(import_into("b.db", "a3.qb", &st), QREL_OK);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(import_into("b.db", "a3.qb", &st), QREL_OK);
	assert_int_equal(st.conflicts, 0);	/* recorded once */
}

static void
test_tampered_bundle_refused(void **state)
{
	struct sync_export_stats es;
	struct sync_import_stats st;
	sqlite3 *h;

	UNUSED(state);
	assert_int_equal(bundle_of("a.db", "t.qb", NULL, &es), QREL_OK);
	assert_int_equal(sqlite3_open(tmp_path("t.qb"), &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE note SET text = 'forged' WHERE rowid = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(import_into("b.db", "t.qb", &st), QREL_PARSE);
	assert_non_null(strstr(error_message(), "checksum mismatch"));
	assert_non_null(strstr(error_message(), "nothing was imported"));
}

static void
test_check_in_words(void **state)
{
	struct check_report r;
	struct db *db;
	char buf[4096] = "";
	FILE *out;

	UNUSED(state);
	open_review("b.db", &db);
	out = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_int_equal(check_store(db, out, &r), QREL_OK);
	assert_int_equal(r.problems, 0);
	assert_int_equal(db_exec(db, "DROP TRIGGER change_log_no_update; UPDATE score SET level = 9 WHERE id = 1"),
			 QREL_OK);
	assert_int_equal(check_store(db, out, &r), QREL_DB);
	fclose(out);
	assert_int_equal(r.problems, 2);
	assert_non_null(strstr(buf, "Trigger change_log_no_update is missing"));
	assert_non_null(strstr(buf, "has level 9, outside the framework's scale of 1 to 3"));
	db_close(db);
}

/* A count from the bundle at path (with a.db attached as "a"). */
static long long
bundle_count(const char *path, const char *sql)
{
	char attach[512];
	sqlite3_stmt *st;
	sqlite3 *h;
	long long n = -1;

	snprintf(attach, sizeof(attach), "ATTACH '%s' AS a", tmp_path("a.db"));
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, attach, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* A reviewer's bundle carries their own scores and what they may read: no
 * colleague's score in a cell without consensus, no log entry about one. */
static void
test_reviewer_bundle_stays_blind(void **state)
{
	struct sync_export_stats es, all;
	struct db *db;
	int64_t review = open_review("a.db", &db);
	char zoe[256];

	UNUSED(state);
	assert_int_equal(sync_export(db, review, "Zoë Whitfield", tmp_path("zoe.qb"), NULL, true, &es), QREL_OK);
	assert_int_equal(sync_export(db, review, "Ségolène Arceneaux", tmp_path("lead.qb"), NULL, true, &all), QREL_OK);
	db_close(db);
	assert_true(es.scores > 0 && es.scores < all.scores);
	assert_true(es.changes < all.changes);
	snprintf(zoe, sizeof(zoe), "%s", tmp_path("zoe.qb"));
	/* Every team score by someone else lies in a cell with a consensus. */
	assert_int_equal(bundle_count(zoe, "SELECT count(*) FROM main.score s WHERE s.kind = 'team' AND "
				      "s.rater <> 'Zoë Whitfield' AND NOT EXISTS (SELECT 1 FROM main.score c WHERE "
				      "c.kind = 'consensus' AND c.site = s.site AND c.cluster = s.cluster AND "
				      "(c.level IS NOT NULL OR c.insufficient))"), 0);
	assert_true(bundle_count(zoe, "SELECT count(*) FROM main.score WHERE rater = 'Zoë Whitfield'") > 0);
	assert_int_equal(bundle_count(zoe, "SELECT count(*) FROM main.change_log l JOIN a.score x ON x.uuid = "
				      "l.entity_uuid JOIN a.person p ON p.id = x.rater_id WHERE x.kind = 'team' AND "
				      "p.name <> 'Zoë Whitfield' AND NOT EXISTS (SELECT 1 FROM a.score c WHERE c.kind = "
				      "'consensus' AND c.site_id = x.site_id AND c.cluster_id = x.cluster_id AND "
				      "(c.level IS NOT NULL OR c.insufficient))"), 0);
	/* The lead's bundle has them (the checks above can fail). */
	assert_true(bundle_count(tmp_path("lead.qb"), "SELECT count(*) FROM main.score s WHERE s.kind = 'team' AND "
				 "s.rater <> 'Zoë Whitfield' AND NOT EXISTS (SELECT 1 FROM main.score c WHERE "
				 "c.kind = 'consensus' AND c.site = s.site AND c.cluster = s.cluster)") > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_reviewer_bundle_stays_blind),
		cmocka_unit_test(test_one_sided_change_travels),
		cmocka_unit_test(test_both_sides_conflict_once),
		cmocka_unit_test(test_tampered_bundle_refused),
		cmocka_unit_test(test_check_in_words),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

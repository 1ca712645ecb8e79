/* test_tally.c: the evidence and domain tallies and the site's cluster lists
 * (note_cluster_time) the triggers keep match a recount after every kind of
 * change a note can go through. */
#include "qrel/qrel.h"
#include "qrel/check.h"
#include "qrel/db.h"
#include "qrel/review.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

static const char evidence_mismatch[] =
	"SELECT (SELECT count(*) FROM (SELECT n.site_id, nc.cluster_id, n.source, count(*) FROM note n "
	"JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL GROUP BY 1, 2, 3 "
	"EXCEPT SELECT site_id, cluster_id, source, notes FROM evidence_tally WHERE notes <> 0)) "
	"+ (SELECT count(*) FROM (SELECT site_id, cluster_id, source, notes FROM evidence_tally WHERE notes <> 0 "
	"EXCEPT SELECT n.site_id, nc.cluster_id, n.source, count(*) FROM note n "
	"JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL GROUP BY 1, 2, 3))";
static const char domain_mismatch[] =
	"SELECT (SELECT count(*) FROM (SELECT n.site_id, c.domain_id, count(DISTINCT n.id) FROM note n "
	"JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id "
	"WHERE n.deleted_at IS NULL GROUP BY 1, 2 EXCEPT SELECT site_id, domain_id, notes FROM domain_tally "
	"WHERE notes <> 0)) + (SELECT count(*) FROM (SELECT site_id, domain_id, notes FROM domain_tally "
	"WHERE notes <> 0 EXCEPT SELECT n.site_id, c.domain_id, count(DISTINCT n.id) FROM note n "
	"JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id "
	"WHERE n.deleted_at IS NULL GROUP BY 1, 2))";

static const char cluster_time_mismatch[] =
	"SELECT (SELECT count(*) FROM (SELECT n.site_id, nc.cluster_id, n.created_at, n.id FROM note n "
	"JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL "
	"EXCEPT SELECT site_id, cluster_id, created_at, note_id FROM note_cluster_time)) "
	"+ (SELECT count(*) FROM (SELECT site_id, cluster_id, created_at, note_id FROM note_cluster_time "
	"EXCEPT SELECT n.site_id, nc.cluster_id, n.created_at, n.id FROM note n "
	"JOIN note_cluster nc ON nc.note_id = n.id WHERE n.deleted_at IS NULL))";

/* Each change, then the tallies must still match a recount. */
static const char *const changes[] = {
	"INSERT INTO note_cluster SELECT 5, c.id FROM cluster c WHERE c.code IN ('1.1', '1.2', '4.1') "
	"AND NOT EXISTS (SELECT 1 FROM note_cluster x WHERE x.note_id = 5 AND x.cluster_id = c.id)",
	"DELETE FROM note_cluster WHERE note_id = 7 AND cluster_id = "
	"(SELECT min(cluster_id) FROM note_cluster WHERE note_id = 7)",
	"UPDATE note SET deleted_at = '2026-01-01T00:00:00Z' WHERE id IN (9, 10)",
	"UPDATE note SET deleted_at = NULL WHERE id = 10",
	"UPDATE note SET site_id = (SELECT max(id) FROM site), source = 'survey' WHERE id = 11",
	"UPDATE note SET created_at = '2020-01-01T00:00:00Z' WHERE id = 12",
	"DELETE FROM note WHERE id = 13",
	"DELETE FROM note WHERE id = 9",
};

static void
test_tallies_follow_every_change(void **state)
{
	char dir[] = "/tmp/qrel-tally-XXXXXX", path[64];
	struct diags d = { 0 };
	struct db *db;

	UNUSED(state);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(review_build_sample(path, QREL_SRCDIR, &d), QREL_OK);
	assert_int_equal(db_open(path, 0, &db), QREL_OK);
	assert_true(db_int(db, "SELECT sum(notes) FROM domain_tally") > 0);
	assert_true(db_int(db, "SELECT count(*) FROM note_cluster_time") > 0);
	assert_int_equal(db_int(db, cluster_time_mismatch), 0);
	for (size_t i = 0; i < ARRAY_SIZE(changes); i++) {
		assert_int_equal(db_exec(db, changes[i]), QREL_OK);
		assert_true(sqlite3_changes(db_handle(db)) > 0); /* the change really happened */
		assert_int_equal(db_int(db, evidence_mismatch), 0);
		assert_int_equal(db_int(db, domain_mismatch), 0);
		assert_int_equal(db_int(db, cluster_time_mismatch), 0);
	}
	db_close(db);
	unlink(path);
	rmdir(dir);
}

/* `qrel check` names a site's cluster list that lost a note, and a trigger
 * that keeps the lists that is gone. */
static void
test_check_names_cluster_lists(void **state)
{
	char dir[] = "/tmp/qrel-tally-XXXXXX", path[64], buf[4096] = "";
	struct diags d = { 0 };
	struct check_report r;
	struct db *db;
	FILE *out;

	UNUSED(state);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(review_build_sample(path, QREL_SRCDIR, &d), QREL_OK);
	assert_int_equal(db_open(path, 0, &db), QREL_OK);
	assert_non_null(out = fmemopen(buf, sizeof(buf) - 1, "w"));
	assert_int_equal(check_store(db, out, &r), QREL_OK);
	assert_int_equal(r.problems, 0);
	assert_int_equal(db_exec(db, "DELETE FROM note_cluster_time WHERE note_id = 5 AND cluster_id = "
				 "(SELECT min(cluster_id) FROM note_cluster WHERE note_id = 5); "
				 "DROP TRIGGER note_cluster_time_untag"), QREL_OK);
	assert_int_equal(check_store(db, out, &r), QREL_DB);
	fclose(out);
	assert_int_equal(r.problems, 2);
	assert_non_null(strstr(buf, "Trigger note_cluster_time_untag is missing"));
	assert_non_null(strstr(buf, "Table note_cluster_time: note row 5, cluster row "));
	assert_non_null(strstr(buf, " is missing; the evidence list of a site's cluster is wrong."));
	db_close(db);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tallies_follow_every_change),
		cmocka_unit_test(test_check_names_cluster_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

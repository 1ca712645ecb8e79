/* test_store.c: opening, migrating, refusing and protecting the SQLite store. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/draft.h"
#include "qrel/schema.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[FIXTURE_DIR];

static char *
tmp_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int
setup(void **state)
{
	UNUSED(state);
	return fixture_dir(dir, "/tmp/qrel-store-XXXXXX");
}

static int
teardown(void **state)
{
	UNUSED(state);
	return fixture_rmdir(dir);
}

static void
test_create_is_private_and_migrated(void **state)
{
	struct db *db;
	struct stat st;
	char *path = tmp_path("sub/deeper/new.db");

	UNUSED(state);
	assert_int_equal(db_open(path, DB_CREATE, &db), QREL_OK);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	assert_int_equal(db_int(db, "PRAGMA foreign_keys"), 1);
	db_close(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(tmp_path("sub/deeper"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(tmp_path("sub"), &st), 0); /* missing parents are made private too */
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
test_team_mode_is_group_shared(void **state)
{
	struct group *g = getgrgid(getgid());
	struct db *db;
	struct stat st;
	char *path = tmp_path("team/shared.db");

	UNUSED(state);
	assert_non_null(g);
	assert_int_equal(db_open_shared(path, DB_CREATE | DB_TEAM, g->gr_name, &db), QREL_OK);
	db_close(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, g->gr_gid);
	assert_int_equal(stat(tmp_path("team"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 02770);
	assert_int_not_equal(db_open_shared(tmp_path("team/x.db"), DB_CREATE | DB_TEAM, "no-such-group-qrel", &db),
			     QREL_OK);
	assert_non_null(strstr(error_message(), "no-such-group-qrel"));
}

static void
test_missing_without_create(void **state)
{
	struct db *db;

	UNUSED(state);
	assert_int_equal(db_open(tmp_path("absent.db"), 0, &db), QREL_NOTFOUND);
	assert_null(db);
	assert_non_null(strstr(error_message(), "absent.db"));
}

static void
test_newer_schema_refused_untouched(void **state)
{
	struct db *db;
	char *path = tmp_path("newer.db");
	struct stat before, after;

	UNUSED(state);
	assert_int_equal(db_open(path, DB_CREATE, &db), QREL_OK);
	assert_int_equal(db_exec(db, "PRAGMA user_version = 999"), QREL_OK);
	db_close(db);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(db_open(path, 0, &db), QREL_NEWER_SCHEMA);
	assert_non_null(strstr(error_message(), "newer"));
	assert_non_null(strstr(error_message(), "newer.db"));
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_mtime, after.st_mtime);
}

/* A file one migration behind, as the qrel before this one left it: what
 * the last migration creates (found by running it on an empty database)
 * dropped, and the version set back. */
static void
one_migration_behind(struct db *db)
{
	int latest = db_schema_latest();
	sqlite3 *scratch;
	sqlite3_stmt *st;
	char sql[512];

	assert_int_equal(sqlite3_open(":memory:", &scratch), SQLITE_OK);
	for (int i = 0; i < latest - 1; i++)
		assert_int_equal(sqlite3_exec(scratch, schema_migrations[i], NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(scratch, "CREATE TEMP TABLE before AS SELECT type, name FROM sqlite_schema",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(scratch, schema_migrations[latest - 1], NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(scratch, "SELECT type, name FROM sqlite_schema WHERE type IN ('table', "
					    "'trigger', 'view') AND (type, name) NOT IN (SELECT type, name FROM before) "
					    "ORDER BY type = 'table'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "DROP %s \"%s\"", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
		assert_int_equal(db_exec(db, sql), QREL_OK);
	}
	sqlite3_finalize(st);
	sqlite3_close(scratch);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest - 1);
	assert_int_equal(db_exec(db, sql), QREL_OK);
}

/* db_open(path, flags) with standard error sent to a file; what it wrote is
 * left in said (its first line). */
static int
open_noting_stderr(const char *path, int flags, struct db **db, char *said, size_t size)
{
	char err[sizeof(dir) + 16];
	int saved = dup(STDERR_FILENO), fd, rc;
	FILE *f;

	assert_true(saved >= 0);
	snprintf(err, sizeof(err), "%s/stderr.txt", dir);
	fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	rc = db_open(path, flags, db);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	said[0] = '\0';
	assert_non_null(f = fopen(err, "r"));
	if (!fgets(said, (int)size, f))
		said[0] = '\0';
	fclose(f);
	return rc;
}

/* A command that only reads (qrel report) opens a file an older qrel made,
 * which it may write: it upgrades the file first, as a command that writes
 * would, rather than refusing it as read-only. */
static void
test_older_schema_upgraded_by_a_reader(void **state)
{
	struct db *db;
	char *path = tmp_path("older.db"), said[512], want[512];

	UNUSED(state);
	assert_int_equal(open_noting_stderr(path, DB_CREATE, &db, said, sizeof(said)), QREL_OK);
	assert_string_equal(said, "");	/* a new file is made without a word */
	one_migration_behind(db);
	db_close(db);
	assert_int_equal(open_noting_stderr(path, DB_READONLY, &db, said, sizeof(said)), QREL_OK);
	assert_true(db_readonly(db));
	assert_int_equal(db_schema_version(db), db_schema_latest());
	db_close(db);
	/* the upgrade says so before it starts, naming the file and both versions */
	snprintf(want, sizeof(want), "qrel: %s: upgrading the database from schema %d to %d, once", path,
		 db_schema_latest() - 1, db_schema_latest());
	assert_non_null(strstr(said, want));
	/* and the file is upgraded for good: the last migration ran once, silently */
	assert_int_equal(open_noting_stderr(path, 0, &db, said, sizeof(said)), QREL_OK);
	assert_string_equal(said, "");
	assert_int_equal(db_schema_version(db), db_schema_latest());
	db_close(db);
}

static void
test_not_a_database(void **state)
{
	struct db *db;
	char *path = tmp_path("garbage.db");
	FILE *f = fopen(path, "w");

	UNUSED(state);
	fputs("this is not an SQLite file, just some text that is long enough to look like a header\n", f);
	fclose(f);
	assert_int_not_equal(db_open(path, 0, &db), QREL_OK);
	assert_null(db);
	assert_non_null(strstr(error_message(), "garbage.db"));
}

static void
test_readonly_file_refuses_writes(void **state)
{
	struct db *db;
	char *path = tmp_path("ro.db");

	UNUSED(state);
	assert_int_equal(db_open(path, DB_CREATE, &db), QREL_OK);
	db_close(db);
	assert_int_equal(db_open(path, DB_READONLY, &db), QREL_OK);
	assert_true(db_readonly(db));
	assert_int_equal(db_begin(db), QREL_READONLY);
	assert_non_null(strstr(error_message(), "read-only"));
	db_close(db);
}

static void
test_change_log_is_append_only(void **state)
{
	struct db *db;

	UNUSED(state);
	assert_int_equal(db_open(tmp_path("log.db"), DB_CREATE, &db), QREL_OK);
	assert_int_equal(db_begin(db), QREL_OK);
	assert_int_equal(changelog_add(db, 0, "tester", "score", "u-1", "level", "1", "2", ""), QREL_OK);
	assert_int_equal(db_commit(db), QREL_OK);
	assert_int_not_equal(db_exec(db, "UPDATE change_log SET new = '3'"), QREL_OK);
	assert_non_null(strstr(error_message(), "append-only"));
	assert_int_not_equal(db_exec(db, "DELETE FROM change_log"), QREL_OK);
	assert_int_equal(db_int(db, "SELECT count(*) FROM change_log WHERE new = '2'"), 1);
	db_close(db);
}

static void
test_rollback_leaves_nothing(void **state)
{
	struct db *db;

	UNUSED(state);
	assert_int_equal(db_open(tmp_path("tx.db"), DB_CREATE, &db), QREL_OK);
	assert_int_equal(db_begin(db), QREL_OK);
	assert_int_equal(changelog_add(db, 0, "tester", "note", "u-2", "create", NULL, "x", ""), QREL_OK);
	db_rollback(db);
	assert_int_equal(db_int(db, "SELECT count(*) FROM change_log"), 0);
	assert_int_equal(db_check(db, stderr), QREL_OK);
	db_close(db);
}

/* The testing aid: QREL_TEST_MAX_PAGES=0 caps the file at its size on open, so a
 * growing write fails as on a full disk, with a message naming the file. */
static void
test_max_pages_hook(void **state)
{
	struct db *db;
	char *big = calloc(1, 40001);

	UNUSED(state);
	memset(big, 'x', 40000);
	assert_int_equal(db_open(tmp_path("full.db"), DB_CREATE, &db), QREL_OK);
	db_close(db);
	setenv("QREL_TEST_MAX_PAGES", "0", 1);
	assert_int_equal(db_open(tmp_path("full.db"), 0, &db), QREL_OK);
	assert_int_equal(db_int(db, "PRAGMA max_page_count"), db_int(db, "PRAGMA page_count"));
	assert_int_equal(draft_save(db, "k", "tester", big), QREL_FULL);
	assert_non_null(strstr(error_message(), tmp_path("full.db")));
	assert_non_null(strstr(error_message(), "disk is full"));
	assert_int_equal(db_check(db, stderr), QREL_OK);
	db_close(db);
	setenv("QREL_TEST_MAX_PAGES", "lots", 1);
	assert_int_equal(db_open(tmp_path("full.db"), 0, &db), QREL_USAGE);
	unsetenv("QREL_TEST_MAX_PAGES");
	free(big);
}

/* New ids are version 7: valid, distinct and in the order they were made
 * (each goes to the end of its uuid index), their time the clock's. */
static void
test_uuid_time_ordered(void **state)
{
	char prev[UUID_LEN + 1] = "", id[UUID_LEN + 1];
	struct timespec ts;
	unsigned long long ms = 0;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (int i = 0; i < 20000; i++) {
		uuid_new(id);
		assert_true(uuid_valid(id));
		assert_int_equal(id[14], '7');
		assert_true(strchr("89ab", id[19]) != NULL);
		assert_true(strcmp(prev, id) < 0);
		memcpy(prev, id, sizeof(id));
	}
	for (int i = 0; i < 13; i++)
		if (id[i] != '-')
			ms = ms * 16 + (unsigned long long)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	/* no later than a second past now (20,000 ids may borrow a few ms), no earlier than when the test began */
	assert_true(ms >= (unsigned long long)ts.tv_sec * 1000u);
	clock_gettime(CLOCK_REALTIME, &ts);
	assert_true(ms <= (unsigned long long)ts.tv_sec * 1000u + 2000u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_is_private_and_migrated),
		cmocka_unit_test(test_uuid_time_ordered),
		cmocka_unit_test(test_team_mode_is_group_shared),
		cmocka_unit_test(test_missing_without_create),
		cmocka_unit_test(test_newer_schema_refused_untouched),
		cmocka_unit_test(test_older_schema_upgraded_by_a_reader),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_readonly_file_refuses_writes),
		cmocka_unit_test(test_change_log_is_append_only),
		cmocka_unit_test(test_rollback_leaves_nothing),
		cmocka_unit_test(test_max_pages_hook),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

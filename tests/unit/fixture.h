/* fixture.h: the store fixture the unit tests share: a new database in a new
 * temporary directory, a review on a framework with its people, the sample
 * review, and their removal. Each test keeps its own struct and names. */
#ifndef QREL_TEST_FIXTURE_H
#define QREL_TEST_FIXTURE_H

#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/settings.h"

#define FIXTURE(name) QREL_SRCDIR "/tests/unit/fixtures/" name
#define FIXTURE_DIR 64		/* bytes of a fixture's directory name */
#define FIXTURE_PATH 96		/* bytes of its database's path */

/* Framework 1, "test" (three levels), and its domain 1, Outcomes; the clusters
 * are each test's own. */
#define FIXTURE_FRAMEWORK_SQL \
	"INSERT INTO framework(uuid, code, title, version, hash, levels, source) " \
	"VALUES ('f0000000-0000-4000-8000-000000000001', 'test', 'Test', '1', 'h', 3, '');" \
	"INSERT INTO domain(framework_id, code, title, position) VALUES (1, '1', 'Outcomes', 1);"

/* Schools S1 (Maple) and S2 (Oak); Ann Lead, and Ray Viewer and Zoë Ríos (reviewers). */
#define FIXTURE_MAPLE_OAK_SQL \
	"INSERT INTO site(uuid, review_id, code, name, kind) VALUES " \
	"('50000000-0000-4000-8000-000000000001', 1, 'S1', 'Maple', 'school')," \
	"('50000000-0000-4000-8000-000000000002', 1, 'S2', 'Oak', 'school');" \
	"INSERT INTO person(uuid, review_id, name, role, site_id) VALUES " \
	"('90000000-0000-4000-8000-000000000001', 1, 'Ann Lead', 'lead', NULL)," \
	"('90000000-0000-4000-8000-000000000002', 1, 'Ray Viewer', 'reviewer', NULL)," \
	"('90000000-0000-4000-8000-000000000003', 1, 'Zoë Ríos', 'reviewer', NULL);"

/* Schools A and B; Lena Lead, Rémi Reviewer, Rita Reviewer, Pat Principal (at
 * A) and Otto Observer: one of each role, two reviewers. */
extern const char fixture_people_sql[];

/* The school review: fw-good.ini, fixture_people_sql, and the ids most tests use. */
struct school {
	char dir[FIXTURE_DIR];
	struct db *db;
	int64_t review, a, b, c1, c2;	/* sites A and B, clusters 1.1 and 1.2 */
};

/* Makes dir (FIXTURE_DIR bytes) a new directory from tmpl ("/tmp/qrel-NAME-XXXXXX"). 0, or -1. */
int fixture_dir(char *dir, const char *tmpl);

/* Makes dir (FIXTURE_DIR bytes) a new directory from tmpl ("/tmp/qrel-NAME-XXXXXX")
 * and creates the database dir/t.db, its path copied to path (FIXTURE_PATH bytes)
 * unless NULL. 0, or -1. */
int fixture_db(char *dir, const char *tmpl, char *path, struct db **db);

/* In one transaction: the framework of the INI file ini, review "Test" of
 * "District" on it, then sql. 0, or -1. */
int fixture_review(struct db *db, const char *ini, const char *sql, int64_t *review);

/* The framework from framework_sql (framework 1), review title of "District" on
 * it, then sql unless NULL; no transaction. 0, or -1. */
int fixture_review_sql(struct db *db, const char *framework_sql, const char *title, const char *sql,
		       int64_t *review);

/* The sample review built as dir/sample.db in a new directory from tmpl, opened,
 * and the default settings in s unless NULL. 0, or -1. */
struct settings;
int fixture_sample(char *dir, const char *tmpl, char *path, struct db **db, int64_t *review,
		   struct settings *s);

/* The sample review for a test that reads it (fixture_sample, default
 * settings): sample_open makes it in a directory from tmpl (0, or -1),
 * sample_close closes and removes it (the status of rm -rf). */
struct sample {
	char dir[FIXTURE_DIR], path[FIXTURE_PATH];
	struct db *db;
	int64_t review;
	struct settings s;
};
int sample_open(struct sample *x, const char *tmpl);
int sample_close(struct sample *x);

/* Removes dir and all in it: the status of rm -rf. */
int fixture_rmdir(const char *dir);

/* Closes db and removes dir and all in it: the status of rm -rf. */
int fixture_remove(const char *dir, struct db *db);

/* The first column of the first row of sql (a failing test if sql does not
 * prepare), or -1 when there is no row. */
long long fixture_int(struct db *db, const char *sql);

/* Fails the test unless a and b are the same statistics, value for value
 * (defined or not; the same double when defined), kind and flag. */
struct risk_row;
void fixture_same_stat(const struct risk_row *a, const struct risk_row *b);

/* cmocka setup and teardown of a struct school in a directory from tmpl. */
int school_setup(void **state, const char *tmpl);
int school_teardown(void **state);

/* The Maple and Oak review: framework_sql (framework 1), review "Test review",
 * then sql (FIXTURE_MAPLE_OAK_SQL and the test's own rows). */
struct maple {
	char dir[FIXTURE_DIR], path[FIXTURE_PATH];
	struct db *db;
	int64_t review, s1, s2;		/* sites S1 and S2 */
	int64_t c11, c12, c21;		/* clusters 1.1, 1.2 and 2.1 (not above 0 where absent) */
};

/* cmocka setup and teardown of a struct maple in a directory from tmpl. */
int maple_setup(void **state, const char *tmpl, const char *framework_sql, const char *sql);
int maple_teardown(void **state);

#endif

/* fixture.c: the store fixture the unit tests share (fixture.h). */
#include "fixture.h"

#include "qrel/framework.h"
#include "qrel/review.h"
#include "qrel/risk.h"
#include "qrel/settings.h"
#include "qrel/store.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

const char fixture_people_sql[] =
	"INSERT INTO site(uuid, review_id, code, name, kind) VALUES "
	"  ('s-a', 1, 'A', 'Alder School', 'school'), ('s-b', 1, 'B', 'Birch School', 'school');"
	"INSERT INTO person(uuid, review_id, name, role, site_id) VALUES "
	"  ('p-1', 1, 'Lena Lead', 'lead', NULL), ('p-2', 1, 'Rémi Reviewer', 'reviewer', NULL),"
	"  ('p-3', 1, 'Rita Reviewer', 'reviewer', NULL),"
	"  ('p-4', 1, 'Pat Principal', 'principal', (SELECT id FROM site WHERE code = 'A')),"
	"  ('p-5', 1, 'Otto Observer', 'observer', NULL);";

int
fixture_dir(char *dir, const char *tmpl)
{
	if (strlen(tmpl) >= FIXTURE_DIR)
		return -1;
	strcpy(dir, tmpl);
	return mkdtemp(dir) ? 0 : -1;
}

int
fixture_db(char *dir, const char *tmpl, char *path, struct db **db)
{
	char file[FIXTURE_PATH];

	if (fixture_dir(dir, tmpl) != 0)
		return -1;
	snprintf(file, sizeof(file), "%s/t.db", dir);
	if (path)
		memcpy(path, file, sizeof(file));
	return db_open(file, DB_CREATE, db) == QREL_OK ? 0 : -1;
}

int
fixture_review(struct db *db, const char *ini, const char *sql, int64_t *review)
{
	struct framework *fw = NULL;
	struct diags d = { 0 };
	int64_t fwid;

	if (framework_load(ini, &fw, &d) != QREL_OK || db_begin(db) != QREL_OK ||
	    framework_store(db, fw, &fwid) != QREL_OK ||
	    store_review_create(db, "Test", "District", fwid, review) != QREL_OK ||
	    db_exec(db, sql) != QREL_OK || db_commit(db) != QREL_OK)
		return -1;
	framework_free(fw);
	diag_free(&d);
	return 0;
}

int
fixture_review_sql(struct db *db, const char *framework_sql, const char *title, const char *sql,
		   int64_t *review)
{
	if (db_exec(db, framework_sql) != QREL_OK ||
	    store_review_create(db, title, "District", 1, review) != QREL_OK)
		return -1;
	return !sql || db_exec(db, sql) == QREL_OK ? 0 : -1;
}

int
fixture_sample(char *dir, const char *tmpl, char *path, struct db **db, int64_t *review,
	       struct settings *s)
{
	struct diags d = { 0 };

	if (fixture_dir(dir, tmpl) != 0)
		return -1;
	snprintf(path, FIXTURE_PATH, "%s/sample.db", dir);
	if (review_build_sample(path, QREL_SRCDIR, &d) != QREL_OK || db_open(path, 0, db) != QREL_OK)
		return -1;
	diag_free(&d);
	*review = store_review_id(*db);
	if (s)
		settings_default(s);
	return 0;
}

int
sample_open(struct sample *x, const char *tmpl)
{
	return fixture_sample(x->dir, tmpl, x->path, &x->db, &x->review, &x->s);
}

int
sample_close(struct sample *x)
{
	settings_free(&x->s);
	return fixture_remove(x->dir, x->db);
}

int
fixture_rmdir(const char *dir)
{
	char cmd[FIXTURE_DIR + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int
fixture_remove(const char *dir, struct db *db)
{
	db_close(db);
	return fixture_rmdir(dir);
}

long long
fixture_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
school_setup(void **state, const char *tmpl)
{
	struct school *f = calloc(1, sizeof(*f));

	if (!f || fixture_db(f->dir, tmpl, NULL, &f->db) != 0 ||
	    fixture_review(f->db, FIXTURE("fw-good.ini"), fixture_people_sql, &f->review) != 0)
		return -1;
	f->a = store_site_id(f->db, f->review, "A");
	f->b = store_site_id(f->db, f->review, "B");
	f->c1 = store_cluster_id(f->db, f->review, "1.1");
	f->c2 = store_cluster_id(f->db, f->review, "1.2");
	*state = f;
	return f->a > 0 && f->b > 0 && f->c1 > 0 && f->c2 > 0 ? 0 : -1;
}

int
school_teardown(void **state)
{
	struct school *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	free(f);
	return rc;
}

int
maple_setup(void **state, const char *tmpl, const char *framework_sql, const char *sql)
{
	struct maple *f = calloc(1, sizeof(*f));

	if (!f || fixture_db(f->dir, tmpl, f->path, &f->db) != 0 ||
	    fixture_review_sql(f->db, framework_sql, "Test review", sql, &f->review) != 0)
		return -1;
	f->s1 = store_site_id(f->db, f->review, "S1");
	f->s2 = store_site_id(f->db, f->review, "S2");
	f->c11 = store_cluster_id(f->db, f->review, "1.1");
	f->c12 = store_cluster_id(f->db, f->review, "1.2");
	f->c21 = store_cluster_id(f->db, f->review, "2.1");
	*state = f;
	return 0;
}

int
maple_teardown(void **state)
{
	struct maple *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	free(f);
	return rc;
}

static void
same_value(struct risk_value a, struct risk_value b)
{
	assert_int_equal(a.defined, b.defined);
	if (a.defined)
		assert_true(a.value == b.value);
}

void
fixture_same_stat(const struct risk_row *a, const struct risk_row *b)
{
	same_value(a->risk, b->risk);
	same_value(a->comparison_risk, b->comparison_risk);
	same_value(a->ratio, b->ratio);
	same_value(a->reference_ratio, b->reference_ratio);
	same_value(a->weighted_ratio, b->weighted_ratio);
	same_value(a->outcome_share, b->outcome_share);
	same_value(a->enrolled_share, b->enrolled_share);
	same_value(a->share_difference, b->share_difference);
	same_value(a->relative_share_difference, b->relative_share_difference);
	same_value(a->expected_count, b->expected_count);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->flagged, b->flagged);
}

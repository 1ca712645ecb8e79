/* test_framework.c: the rubric framework loader, its checks with lines, storing and export. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/framework.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#define FIXTURE(name) QREL_SRCDIR "/tests/unit/fixtures/" name

static bool
has_diag(const struct diags *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msg[i], needle))
			return true;
	return false;
}

static void
test_good_framework(void **state)
{
	struct diags d = { 0 };
	struct framework *fw;

	UNUSED(state);
	assert_int_equal(framework_load(FIXTURE("fw-good.ini"), &fw, &d), QREL_OK);
	assert_int_equal(d.n, 0);
	assert_int_equal(fw->levels, 4);
	assert_string_equal(fw->scale[3].description, "fourth; with a semicolon");
	assert_int_equal(fw->ndomains, 1);
	assert_int_equal(fw->nclusters, 2);
	assert_string_equal(fw->clusters[0].title, "Café équité");
	assert_int_equal(fw->clusters[0].ncriteria, 2);
	assert_string_equal(fw->clusters[1].descriptors[3], "d");
	assert_int_equal(strlen(fw->hash), 16);
	framework_free(fw);
}

static void
test_shipped_framework(void **state)
{
	struct diags d = { 0 };
	struct framework *fw;

	UNUSED(state);
	assert_int_equal(framework_load(QREL_SRCDIR "/frameworks/qrel-equity.ini", &fw, &d), QREL_OK);
	assert_int_equal(fw->levels, 3);
	assert_string_equal(fw->scale[0].label, "Initiating");
	assert_string_equal(fw->scale[2].label, "Established");
	assert_int_equal(fw->ndomains, 4);
	assert_in_range(fw->nclusters, 14, 20);
	framework_free(fw);
}

static void
test_bad_framework_lists_every_problem(void **state)
{
	struct diags d = { 0 };
	struct framework *fw;

	UNUSED(state);
	assert_int_equal(framework_load(FIXTURE("fw-bad.ini"), &fw, &d), QREL_PARSE);
	assert_null(fw);
	diag_print(&d, stderr);
	assert_true(has_diag(&d, "fw-bad.ini:6: [scale] has no 'describe3'"));
	assert_true(has_diag(&d, "fw-bad.ini:20: [cluster 1.1] has no 'level2'"));
	assert_true(has_diag(&d, "fw-bad.ini:25: unknown key 'levle2' in [cluster 1.1]"));
	assert_true(has_diag(&d, "fw-bad.ini:28: [cluster 1.2] domain '9' is not defined"));
	assert_true(has_diag(&d, "fw-bad.ini:33: duplicate key 'level3'"));
	assert_true(has_diag(&d, "fw-bad.ini:34: expected 'key = value'"));
	assert_true(has_diag(&d, "fw-bad.ini:36: unknown section [extras]"));
	assert_true(has_diag(&d, "fw-bad.ini:17: domain 2 has no clusters"));
	diag_free(&d);
}

static void
test_missing_file(void **state)
{
	struct diags d = { 0 };
	struct framework *fw;

	UNUSED(state);
	assert_int_equal(framework_load("/nonexistent/fw.ini", &fw, &d), QREL_IO);
	assert_true(has_diag(&d, "/nonexistent/fw.ini"));
	diag_free(&d);
}

static void
test_store_export_roundtrip(void **state)
{
	char dir[] = "/tmp/qrel-fw-XXXXXX", path[96], out[96];
	struct diags d = { 0 };
	struct framework *fw, *again;
	struct db *db;
	int64_t id, id2;
	FILE *f;

	UNUSED(state);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fw.db", dir);
	snprintf(out, sizeof(out), "%s/export.ini", dir);
	assert_int_equal(framework_load(FIXTURE("fw-good.ini"), &fw, &d), QREL_OK);
	assert_int_equal(db_open(path, DB_CREATE, &db), QREL_OK);
	assert_int_equal(db_begin(db), QREL_OK);
	assert_int_equal(framework_store(db, fw, &id), QREL_OK);
	assert_int_equal(framework_store(db, fw, &id2), QREL_OK);
	assert_int_equal(id, id2); /* the same content is stored once */
	assert_int_equal(db_commit(db), QREL_OK);
	assert_int_equal(db_int(db, "SELECT count(*) FROM descriptor"), 8);
	assert_non_null(f = fopen(out, "w"));
	assert_int_equal(framework_export(db, id, f), QREL_OK);
	fclose(f);
	assert_int_equal(framework_load(out, &again, &d), QREL_OK);
	assert_int_equal(again->nclusters, fw->nclusters);
	assert_string_equal(again->scale[3].description, fw->scale[3].description);
	assert_string_equal(again->clusters[0].criteria[1], "second criterion");
	framework_free(again);
	framework_free(fw);
	db_close(db);
	unlink(out);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_framework),
		cmocka_unit_test(test_shipped_framework),
		cmocka_unit_test(test_bad_framework_lists_every_problem),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_store_export_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

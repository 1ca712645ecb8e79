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

/* Stakeholder groups and guiding questions: per group, and per cluster for every
 * group (question1) or one (GROUPN), in file order. */
static void
test_groups_and_questions(void **state)
{
	struct diags d = { 0 };
	struct framework *fw;
	const struct fw_cluster *c;

	UNUSED(state);
	assert_int_equal(framework_load(FIXTURE("fw-good.ini"), &fw, &d), QREL_OK);
	assert_int_equal(fw->ngroups, 2);
	assert_string_equal(fw->groups[0].code, "students");
	assert_string_equal(fw->groups[1].code, "support_staff");
	assert_string_equal(fw->groups[1].title, "Support staff");
	assert_int_equal(fw->groups[0].nquestions, 1);
	assert_string_equal(fw->groups[0].questions[0], "What helps you learn?");
	assert_int_equal(fw->groups[1].nquestions, 0);
	c = &fw->clusters[0];
	assert_int_equal(c->nquestions, 3);
	assert_string_equal(c->questions[0].group, "");
	assert_string_equal(c->questions[0].text, "For everyone?");
	assert_string_equal(c->questions[1].group, "support_staff");
	assert_string_equal(c->questions[1].text, "For support staff; only?");
	assert_string_equal(c->questions[2].group, "students");
	assert_int_equal(fw->clusters[1].nquestions, 0);
	framework_free(fw);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A group code that is a cluster key's stem, and a question for a group that
 * is not defined, are refused with their lines. */
static void
test_bad_groups(void **state)
{
	static const char text[] =
		"[framework]\ncode = g\ntitle = G\nversion = 1\n"			/* 1-4 */
		"[scale]\nlevels = 2\nlabel1 = a\ndescribe1 = a\nlabel2 = b\ndescribe2 = b\n"	/* 5-10 */
		"[domain 1]\ntitle = D\n"						/* 11-12 */
		"[group level]\ntitle = Levels\n"					/* 13-14 */
		"[group Families]\ntitle = F\n"					/* 15-16 */
		"[cluster 1.1]\ndomain = 1\ntitle = C\nlevel1 = a\nlevel2 = b\n"	/* 17-21 */
		"teachers1 = Who?\n";							/* 22 */
	char dir[] = "/tmp/qrel-fwg-XXXXXX", path[64];
	struct diags d = { 0 };
	struct framework *fw;

	UNUSED(state);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/g.ini", dir);
	write_file(path, text);
	assert_int_equal(framework_load(path, &fw, &d), QREL_PARSE);
	diag_print(&d, stderr);
	assert_true(has_diag(&d, "g.ini:13: [group level]: a group code is lowercase letters"));
	assert_true(has_diag(&d, "g.ini:22: unknown key 'teachers1' in [cluster 1.1]"));
	diag_free(&d);
	unlink(path);
	rmdir(dir);
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
	assert_int_equal(fw->ngroups, 7);
	assert_string_equal(fw->groups[3].code, "support_staff");
	for (size_t i = 0; i < fw->nclusters; i++)
		assert_true(fw->clusters[i].nquestions >= 2);	/* every cluster: one for all, one for a group */
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
	assert_int_equal(db_int(db, "SELECT count(*) FROM stakeholder_group"), 2);
	assert_int_equal(db_int(db, "SELECT count(*) FROM guiding_question"), 4);
	assert_int_equal(again->ngroups, 2);
	assert_string_equal(again->groups[0].questions[0], "What helps you learn?");
	assert_int_equal(again->clusters[0].nquestions, 3);
	assert_string_equal(again->clusters[0].questions[1].group, "support_staff");
	assert_string_equal(again->clusters[0].questions[1].text, "For support staff; only?");
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
		cmocka_unit_test(test_groups_and_questions),
		cmocka_unit_test(test_bad_groups),
		cmocka_unit_test(test_shipped_framework),
		cmocka_unit_test(test_bad_framework_lists_every_problem),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_store_export_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ini.c: the INI loader on a file far larger than one chunk: values from every
 * part of it, duplicates and bad lines named wherever they are, nothing left on disk. */
#include "qrel/qrel.h"
#include "qrel/ini.h"
#include "qrel/util.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

#define SECTIONS 3000	/* 4 lines each: many chunks */

static char dir[] = "/tmp/qrel-test-ini-XXXXXX";

/* Writes the big file; extra is appended after section `at`. */
static char *
write_big(const char *name, int at, const char *extra)
{
	char *path = path_join(dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (int i = 0; i < SECTIONS; i++) {
		fprintf(f, "[Part %d]\nTitle = part number %d ; a comment\nquoted = \"a ; b\"\n\n", i, i);
		if (i == at)
			fputs(extra, f);
	}
	fclose(f);
	return path;
}

static int
files_in(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)))
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

static void
test_values_everywhere(void **state)
{
	struct diags d = { 0 };
	char *path = write_big("big.ini", -1, "");
	struct ini *ini = ini_load(path, &d);
	size_t n;

	(void)state;
	assert_non_null(ini);
	assert_int_equal(d.n, 0);
	assert_string_equal(ini_get(ini, "part 0", "title"), "part number 0");
	assert_string_equal(ini_get(ini, "PART 2999", "Title"), "part number 2999");
	assert_string_equal(ini_get(ini, "part 1500", "quoted"), "a ; b");
	assert_null(ini_get(ini, "part 1500", "missing"));
	assert_null(ini_get(ini, "part 3000", "title"));
	assert_int_equal(ini_line(ini, "part 2999", "title"), 4 * 2999 + 2);
	assert_int_equal(ini_line(ini, "part 2999", ""), 4 * 2999 + 1);
	ini_sections(ini, &n);
	assert_int_equal(n, SECTIONS);
	ini_free(ini);
	assert_int_equal(files_in(dir), 1);	/* no scratch copy left beside it (TMPDIR) */
	unlink(path);
	free(path);
}

static void
test_problems_late_in_the_file(void **state)
{
	struct diags d = { 0 };
	char *path = write_big("bad.ini", 2500, "title = again\nno equals sign here\n[part 7]\n");
	struct ini *ini = ini_load(path, &d);

	(void)state;
	assert_non_null(ini);
	assert_int_equal(d.n, 3);
	assert_non_null(strstr(d.msg[0], "duplicate key 'title' in [part 2500] (first at line 10002)"));
	assert_non_null(strstr(d.msg[1], ":10006: expected 'key = value'"));
	assert_non_null(strstr(d.msg[2], "section [part 7] appears twice"));
	/* The rest is read all the same, after the bad line too. */
	assert_string_equal(ini_get(ini, "part 2999", "title"), "part number 2999");
	ini_free(ini);
	diag_free(&d);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_everywhere),
		cmocka_unit_test(test_problems_late_in_the_file),
	};
	int rc;

	assert_non_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}

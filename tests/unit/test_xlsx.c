/* test_xlsx.c: the data workbook's long sheets (Subgroups, Tables) go on as "NAME 2", "NAME 3" ...
 * rather than past a sheet's last row, never cutting a table, and only the first tables get a sheet
 * each. This program builds src/domain/report_xlsx.c with a sheet of SHEET_ROWS rows and
 * TABLE_SHEETS table sheets (Makefile.am) so that the sample review passes both; the real ones
 * (1,048,576 rows, 1,000 sheets) are reached by a district of thousands of schools. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include "qrel/db.h"
#include "qrel/report.h"
#include "qrel/settings.h"

struct fx {
	struct sample x;	/* the sample review */
	struct report r;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sample_open(&f->x, "/tmp/qrel-test-xlsx.XXXXXX") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	report_free(&f->r);
	if (sample_close(&f->x) != 0)
		return -1;
	free(f);
	return 0;
}

/* Each sheet of book as a line "NAME|ROWS|GROUP ROWS|ALL STUDENTS ROWS|LAST ROW ENDS A TABLE",
 * the About sheet's last value after them, read with Python's zipfile and ElementTree. */
static char *
sheets(const char *book)
{
	static const char script[] =
		"import sys, zipfile, xml.etree.ElementTree as ET\n"
		"m = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'\n"
		"z = zipfile.ZipFile(sys.argv[1])\n"
		"names = [s.get('name') for s in ET.fromstring(z.read('xl/workbook.xml')).find(m + 'sheets')]\n"
		"shared = []\n"
		"if 'xl/sharedStrings.xml' in z.namelist():\n"
		"    shared = [''.join(t.text or '' for t in si.iter(m + 't')) for si in "
		"ET.fromstring(z.read('xl/sharedStrings.xml'))]\n"
		"def text(c):\n"
		"    v = c.find(m + 'v')\n"
		"    if c.get('t') == 's': return shared[int(v.text)]\n"
		"    return ''.join(t.text or '' for t in c.iter(m + 't')) if c.get('t') == 'inlineStr' else (v.text if v is not None else '')\n"
		"about = ''\n"
		"for i, n in enumerate(names, 1):\n"
		"    rows = [[text(c) for c in r.findall(m + 'c')] for r in ET.fromstring(z.read('xl/worksheets/sheet%d.xml' % i)).iter(m + 'row')]\n"
		"    if n == 'About': about = rows[-1][-1]\n"
		"    alls = sum(1 for r in rows[1:] if len(r) > 5 and r[5] == 'All students')\n"
		"    ends = len(rows) < 2 or (len(rows[-1]) > 5 and rows[-1][5] == 'All students')\n"
		"    print('%s|%d|%d|%d|%d' % (n, len(rows), len(rows) - 1, alls, ends))\n"
		"print(about)\n";
	char cmd[4096 + 256], *out = NULL;
	size_t len = 0;
	FILE *p, *m = open_memstream(&out, &len);
	int c;

	snprintf(cmd, sizeof(cmd), "python3 -c \"$QREL_XLSX_SCRIPT\" '%s'", book);
	assert_int_equal(setenv("QREL_XLSX_SCRIPT", script, 1), 0);
	assert_non_null(p = popen(cmd, "r"));
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	assert_int_equal(pclose(p), 0);
	fclose(m);
	return out;
}

static void
test_long_sheets_go_on(void **state)
{
	struct fx *f = *state;
	struct report_options o = { .quotes = REPORT_QUOTES, .settings = &f->x.s, .viewer = "Ségolène Arceneaux" };
	char book[FIXTURE_PATH + 16], *list, *line, *save = NULL, about[512] = "";
	long tables = fixture_int(f->x.db, "SELECT count(*) FROM (SELECT DISTINCT r.site_id, r.year, r.metric_id, "
				  "r.dimension FROM subgroup_row r WHERE r.year = (SELECT max(x.year) FROM "
				  "subgroup_row x WHERE x.site_id = r.site_id))");
	long table_alls = 0, subgroup_alls = 0, own = 0;
	int table_parts = 0, subgroup_parts = 0, seen = 0, short_parts = 0;
	bool after_agreement = false;

	assert_int_equal(report_build(f->x.db, f->x.review, &o, &f->r), QREL_OK);
	snprintf(book, sizeof(book), "%s/data.xlsx", f->x.dir);
	assert_int_equal(report_save_xlsx(&f->r, book), QREL_OK);
	list = sheets(book);
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		int rows, data, alls, ends;

		if (sscanf(line, "%63[^|]|%d|%d|%d|%d", name, &rows, &data, &alls, &ends) != 5) {
			snprintf(about, sizeof(about), "%s", line);	/* the last line */
			continue;
		}
		seen++;
		if (strncmp(name, "Tables", 6) == 0) {
			assert_true(rows <= SHEET_ROWS);
			assert_true(after_agreement);
			table_parts++;
			table_alls += alls;
			assert_true(ends);	/* a table is never cut in two */
			short_parts += rows <= SHEET_ROWS / 2;	/* a part is filled before the next */
		} else if (strncmp(name, "Subgroups", 9) == 0) {
			assert_true(rows <= SHEET_ROWS);
			subgroup_parts++;
			subgroup_alls += alls;
			assert_true(ends);
		} else if (strcmp(name, "Agreement") == 0) {
			after_agreement = true;
		} else if (after_agreement) {
			own++;
			assert_int_equal(alls, 1);
		}
	}
	assert_true(seen > 0);
	/* The sample has 183 tables of 3 to 9 rows: several parts of 60 rows. */
	assert_true(table_parts > 2);
	assert_int_equal(table_alls, tables);
	assert_true(short_parts <= 1);	/* the last */
	assert_true(subgroup_parts > 1);
	assert_int_equal(subgroup_alls, f->r.nfindings);
	assert_int_equal(own, TABLE_SHEETS);
	{
		char want[256];

		snprintf(want, sizeof(want), "%ld subgroup tables, all on the Tables sheets (Tables to Tables %d); "
			 "the first %d (in its order) also have a sheet each.", tables, table_parts, TABLE_SHEETS);
		assert_string_equal(about, want);
	}
	free(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_sheets_go_on, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

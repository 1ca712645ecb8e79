/* test_output.c: the one writer per format (CSV formula guard, JSON, Markdown and
 * HTML escaping) and the one output-path check. */
#include "qrel/qrel.h"
#include "qrel/output.h"
#include "qrel/outpath.h"

#include <locale.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[4096];

/* What fn wrote for s, NUL-terminated in buf. */
static const char *
written(void (*fn)(FILE *, const char *), const char *s)
{
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	fn(f, s);
	fputc('\0', f);
	fclose(f);
	return buf;
}

static void
test_csv_formulas(void **state)
{
	UNUSED(state);
	assert_string_equal(written(out_csv_text, "=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
	assert_string_equal(written(out_csv_text, "+1"), "'+1");
	assert_string_equal(written(out_csv_text, "-2+3"), "'-2+3");
	assert_string_equal(written(out_csv_text, "@SUM(A1)"), "'@SUM(A1)");
	assert_string_equal(written(out_csv_text, "\t=1"), "'\t=1");
	assert_string_equal(written(out_csv_text, "=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
	assert_string_equal(written(out_csv_text, "a=b"), "a=b"); /* only at the start */
	assert_string_equal(written(out_csv_token, "-0.5000"), "-0.5000"); /* our numbers stay numbers */
	assert_string_equal(written(out_csv_text, "a,b"), "\"a,b\"");
	assert_string_equal(written(out_csv_text, "line\nbreak"), "\"line\nbreak\"");
	assert_string_equal(written(out_csv_text, "esc\033]52;c;aGk=\a"), "esc^[]52;c;aGk=^G");
}

/* The workbook's cells: the same guard as CSV, once, and no quoting (a cell is not a line). */
static void
test_cell_text(void **state)
{
	const char *cases[][2] = {
		{ "=HYPERLINK(\"x\",\"y\")", "'=HYPERLINK(\"x\",\"y\")" }, { "+1", "'+1" }, { "-2+3", "'-2+3" },
		{ "@SUM(A1)", "'@SUM(A1)" }, { "\t=1", "'\t=1" }, { "'=already", "'=already" }, { "a=b", "a=b" },
		{ "a,b\nc", "a,b\nc" }, { "esc\033]52;c;aGk=\a", "esc^[]52;c;aGk=^G" }, { "", "" },
	};

	UNUSED(state);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *cell = out_cell_text(cases[i][0]);

		assert_string_equal(cell, cases[i][1]);
		free(cell);
	}
	free(out_cell_text(NULL));
}

static void
start_and_text(FILE *f, const char *s)
{
	out_csv_start(f);
	out_csv_text(f, s);
}

/* --bom: every CSV writer's start writes the byte order mark, and only then. */
static void
test_csv_bom(void **state)
{
	UNUSED(state);
	assert_string_equal(written(start_and_text, "site"), "site");
	out_csv_bom(true);
	assert_string_equal(written(start_and_text, "site"), "\xef\xbb\xbfsite");
	assert_string_equal(written(out_csv_text, "site"), "site");
	out_csv_bom(false);
	assert_string_equal(written(start_and_text, "site"), "site");
}

static void
test_json(void **state)
{
	UNUSED(state);
	assert_string_equal(written(out_json_string, "a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
	assert_string_equal(written(out_json_string, "\033]52\a"), "\"\\u001b]52\\u0007\"");
	assert_string_equal(written(out_json_string, "\xc2\x9b" "x"), "\"\\u009bx\"");
	assert_string_equal(written(out_json_string, "\xff"), "\"\\ufffd\"");
	assert_string_equal(written(out_json_string, "Zoë"), "\"Zoë\"");
	assert_string_equal(written(out_json_string, NULL), "\"\"");
}

/* A string the plain tests pass is written by the escaper exactly as it is, and
 * every kind of string the escapers change fails them. */
static void
test_plain(void **state)
{
	static const char *const samples[] = { "S001", "2023-24", "oss", "Two or more races", "a=b", "=1",
		"+1", "-2", "@x", "a,b", "say \"hi\"", "back\\slash", "tab\there", "line\nbreak", "Zoë",
		"esc\033", "", "x'y" };
	char want[256];

	UNUSED(state);
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		const char *s = samples[i];

		if (out_csv_plain(s, true))
			assert_string_equal(written(out_csv_text, s), s);
		if (out_csv_plain(s, false))
			assert_string_equal(written(out_csv_token, s), s);
		snprintf(want, sizeof(want), "\"%s\"", s);
		if (out_json_plain(s))
			assert_string_equal(written(out_json_string, s), want);
	}
	assert_true(out_csv_plain("Two or more races", true));
	assert_false(out_csv_plain("=1", true));
	assert_true(out_csv_plain("-0.5000", false));
	assert_false(out_csv_plain("a,b", false));
	assert_false(out_csv_plain("Zoë", true));	/* the escaper decides: not plain ASCII */
	assert_false(out_csv_plain("tab\there", true));
	assert_true(out_json_plain("a=b, 'c'"));
	assert_false(out_json_plain("back\\slash"));
	assert_false(out_json_plain("say \"hi\""));
	assert_false(out_json_plain("esc\033"));
}

static void
test_markdown(void **state)
{
	UNUSED(state);
	/* The plan's old escaper let this through as a live tag. */
	assert_string_equal(written(out_md_text, "\\<img src=x onerror=alert(1)>"),
			    "\\\\&lt;img src=x onerror=alert(1)&gt;");
	assert_string_equal(written(out_md_text, "a|b *c* [l](u)"), "a\\|b \\*c\\* \\[l\\](u)");
	assert_string_equal(written(out_md_text, "- item\nnext"), "\\- item next");
	assert_string_equal(written(out_md_text, "bell\a"), "bell^G");
}

static void
test_html(void **state)
{
	UNUSED(state);
	assert_string_equal(written(out_html_text, "<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
	assert_string_equal(written(out_html_text, "esc\033[2J"), "esc^[[2J");
	assert_string_equal(written(out_html_text, "a\r\nb"), "a \nb");
}

static char dir[] = "/tmp/qrel-outpath.XXXXXX";

static char *
at(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/* name in the folder, holding n bytes of text. */
static void
put(const char *name, const char *text, size_t n)
{
	FILE *f = fopen(at(name), "w");

	assert_non_null(f);
	fwrite(text, 1, n, f);
	fclose(f);
}

#define DB_HEAD "SQLite format 3\0rest of the header"

static void
test_outpath(void **state)
{
	UNUSED(state);
	assert_non_null(mkdtemp(dir));
	put("open.db", DB_HEAD, sizeof(DB_HEAD));
	put("other.db", DB_HEAD, sizeof(DB_HEAD));
	put("report.html", "<p>old</p>", 10);
	assert_int_equal(symlink(at("open.db"), at("sym.db")), 0);
	assert_int_equal(link(at("open.db"), at("hard.db")), 0);
	outpath_protect(at("open.db"));

	assert_int_equal(outpath_check(at("new.html")), QREL_OK);
	assert_int_equal(outpath_check(at("report.html")), QREL_OK);	/* not a database: replaced */
	assert_int_equal(outpath_check(at("open.db")), QREL_DENIED);
	assert_int_equal(outpath_check(at("sym.db")), QREL_DENIED);
	assert_int_equal(outpath_check(at("hard.db")), QREL_DENIED);
	assert_int_equal(outpath_check(at("open.db-wal")), QREL_DENIED);	/* by name, even absent */
	assert_int_equal(outpath_check(at("open.db-shm")), QREL_DENIED);
	assert_int_equal(outpath_check(at("open.db-journal")), QREL_DENIED);
	assert_int_equal(outpath_check(at("other.db")), QREL_DENIED);		/* any database... */
	assert_int_equal(outpath_check(at("other.db-journal")), QREL_DENIED);
	assert_int_equal(outpath_check("/dev/null"), QREL_DENIED);
	assert_int_equal(outpath_check(dir), QREL_DENIED);

	outpath_allow_replace(true);
	assert_int_equal(outpath_check(at("other.db")), QREL_OK);		/* ...unless forced */
	assert_int_equal(outpath_check(at("open.db")), QREL_DENIED);		/* never the open one */
	assert_int_equal(outpath_check(at("hard.db")), QREL_DENIED);
	put("other.db-wal", "", 0);					/* in use */
	assert_int_equal(outpath_check(at("other.db")), QREL_DENIED);
	outpath_allow_replace(false);

	const char *names[] = { "open.db", "other.db", "sym.db", "hard.db", "report.html", "other.db-wal" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		unlink(at(names[i]));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_formulas),
		cmocka_unit_test(test_csv_bom),
		cmocka_unit_test(test_cell_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_outpath),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_manpage.c: doc/qrel.1 documents every command of the command table with its
 * usage and summary, and every key of every screen's key table with its action's
 * help text, as this program prints them. `test_manpage --troff` prints the
 * COMMANDS and KEYS text to paste into doc/qrel.1.in when a table changes. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/keys.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Every screen with the action that opens it. */
static const struct {
	const struct screen_ops *screen;
	enum action opens;
} screens[] = {
	{ &overview_screen, ACT_SCREEN_OVERVIEW }, { &rubric_screen, ACT_SCREEN_RUBRIC },
	{ &evidence_screen, ACT_SCREEN_EVIDENCE }, { &subgroups_screen, ACT_SCREEN_SUBGROUPS },
	{ &plan_screen, ACT_SCREEN_PLAN }, { &report_screen, ACT_SCREEN_REPORT },
	{ &changes_screen, ACT_SCREEN_CHANGES }, { &conflicts_screen, ACT_SCREEN_CONFLICTS },
	{ &findings_screen, ACT_SCREEN_FINDINGS }, { &surveys_screen, ACT_SCREEN_SURVEYS },
};

static char *manpage;

/* Text as troff wants it: '-' is \-, a backslash is \e, no line starts a request. */
static void
troff_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\\')
			fputs("\\e", f);
		else
			fputc(*s, f);
		if (*s == '\n' && (s[1] == '.' || s[1] == '\''))
			fputs("\\&", f);
	}
}

/* The keys bound to action a in a table, as "\fBj\fR, \fBDown\fR". */
static void
troff_keys(FILE *f, const struct keybinding *k, size_t n, enum action a)
{
	char name[32], mark[40], seen[512] = "";
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (k[i].action != a)
			continue;
		keys_name(k[i].key, name, sizeof(name));
		snprintf(mark, sizeof(mark), "|%s|", name);
		if (strstr(seen, mark))	/* '\n', '\r' and KEY_ENTER are all Enter */
			continue;
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s", mark);
		fprintf(f, "%s\\fB", first ? "" : ", ");
		troff_text(f, name);
		fputs("\\fR", f);
		first = false;
	}
}

/* One .TP entry per action of a key table, in the table's order. */
static void
troff_key_table(FILE *f, const struct keybinding *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < i && k[j].action != k[i].action)
			j++;
		if (j < i)
			continue;
		fputs(".TP\n", f);
		troff_keys(f, k, n, k[i].action);
		fputc('\n', f);
		troff_text(f, action_help(k[i].action));
		fputc('\n', f);
	}
}

static char *
screen_text(size_t s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fputs(".SS \"", f);
	troff_keys(f, keys_global, keys_global_count, screens[s].opens);
	fprintf(f, " \\(em %s\"\n", screens[s].screen->name);
	troff_key_table(f, screens[s].screen->keys, screens[s].screen->nkeys);
	fclose(f);
	return buf;
}

static char *
global_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fputs(".SS \"On every screen\"\n", f);
	troff_key_table(f, keys_global, keys_global_count);
	fclose(f);
	return buf;
}

static char *
command_text(const struct command *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fprintf(f, ".SS %s\n.nf\n\\fBqrel\\fR ", c->name);
	troff_text(f, c->usage);
	fprintf(f, "\n.fi\n%c", toupper((unsigned char)c->summary[0]));
	troff_text(f, c->summary + 1);
	fputs(".\n", f);
	fclose(f);
	return buf;
}

static void
print_troff(void)
{
	char *t;

	puts(".SH COMMANDS");
	for (size_t i = 0; cmd_at(i); i++) {
		fputs(t = command_text(cmd_at(i)), stdout);
		free(t);
	}
	puts(".SH KEYS");
	fputs(t = global_text(), stdout);
	free(t);
	for (size_t s = 0; s < ARRAY_SIZE(screens); s++) {
		fputs(t = screen_text(s), stdout);
		free(t);
	}
}

static void
assert_documented(const char *what, const char *text)
{
	if (!strstr(manpage, text)) {
		print_error("doc/qrel.1 lacks %s; `tests/unit/test_manpage --troff` prints what it should say:\n%s",
			    what, text);
		fail();
	}
}

static void
test_every_command(void **state)
{
	(void)state;
	for (size_t i = 0; cmd_at(i); i++) {
		char *t = command_text(cmd_at(i));

		assert_documented(cmd_at(i)->name, t);
		free(t);
	}
}

static void
test_every_key(void **state)
{
	char *t = global_text();

	(void)state;
	assert_documented("the keys of every screen", t);
	free(t);
	for (size_t s = 0; s < ARRAY_SIZE(screens); s++) {
		t = screen_text(s);
		assert_documented(screens[s].screen->name, t);
		free(t);
	}
}

/* The rest of the page: the sections a man page has, FILES with the configured paths. */
static void
test_sections(void **state)
{
	(void)state;
	assert_documented("SEE ALSO", "\n.SH SEE ALSO\n");
	assert_documented("FILES", "\n.SH FILES\n");
	assert_documented("the installed framework", QREL_PKGDATADIR "/frameworks/qrel\\-equity.ini");
	assert_documented("the --format json convention", "one JSON document");
	assert_null(strstr(manpage, "@pkgdatadir@"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_sections),
	};
	const char *dir = getenv("BUILDDIR");
	char *path;

	if (argc > 1 && strcmp(argv[1], "--troff") == 0) {
		print_troff();
		return 0;
	}
	path = path_join(dir && *dir ? dir : ".", "doc/qrel.1");
	manpage = file_read(path, NULL);
	if (!manpage) {
		fprintf(stderr, "test_manpage: cannot read %s\n", path);
		return 1;
	}
	free(path);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_settings.c: configuration defaults, strict values and file:line warnings. */
#include "qrel/qrel.h"
#include "qrel/settings.h"

#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

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
test_defaults(void **state)
{
	struct settings s;

	UNUSED(state);
	settings_default(&s);
	assert_int_equal(s.min_display, 10);
	assert_int_equal(s.min_cell, 10);
	assert_int_equal(s.min_n, 30);
	assert_true(s.threshold == 3.0);
	assert_int_equal(s.color, TRI_AUTO);
	assert_string_equal(s.user, "");
	assert_string_equal(s.reference, "");
	settings_free(&s);
}

/* [subgroups] reference names a group as the user wrote it (case kept). */
static void
test_reference_group(void **state)
{
	char path[] = "/tmp/qrel-settings-XXXXXX";
	struct settings s;
	struct diags d = { 0 };
	int fd = mkstemp(path);
	static const char text[] = "[subgroups]\nreference = White\n";

	UNUSED(state);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	settings_default(&s);
	assert_int_equal(settings_load(&s, path, 1, &d), QREL_OK);
	assert_int_equal(d.n, 0);
	assert_string_equal(s.reference, "White");
	settings_free(&s);
	diag_free(&d);
	unlink(path);
}

static void
test_missing_optional_file_is_fine(void **state)
{
	struct settings s;
	struct diags d = { 0 };

	UNUSED(state);
	settings_default(&s);
	assert_int_equal(settings_load(&s, "/nonexistent/qrel.ini", 0, &d), QREL_OK);
	assert_int_equal(d.n, 0);
	assert_int_not_equal(settings_load(&s, "/nonexistent/qrel.ini", 1, &d), QREL_OK);
	settings_free(&s);
	diag_free(&d);
}

static void
test_bad_values_keep_defaults(void **state)
{
	struct settings s;
	struct diags d = { 0 };

	UNUSED(state);
	settings_default(&s);
	assert_int_equal(settings_load(&s, FIXTURE("config-bad.ini"), 1, &d), QREL_OK);
	diag_print(&d, stderr);
	assert_string_equal(s.user, "Zoë Ng");
	assert_int_equal(s.color, TRI_AUTO);
	assert_true(has_diag(&d, "config-bad.ini:5: [display] color must be auto, yes or no"));
	/* "010" is ten, not iniparser's octal eight. */
	assert_int_equal(s.escape_delay, 10);
	assert_int_equal(s.min_display, 5);
	assert_true(s.threshold == 3.0);
	assert_true(has_diag(&d, "config-bad.ini:12: [subgroups] threshold must be a number"));
	assert_int_equal(s.min_n, 30);
	assert_true(has_diag(&d, "config-bad.ini:13:"));
	assert_int_equal(s.flag_years, 2);
	assert_true(has_diag(&d, "config-bad.ini:15: unknown key 'colour' in [subgroups]"));
	assert_int_equal(d.n, 4);
	settings_free(&s);
	diag_free(&d);
}

static void
test_xdg_paths(void **state)
{
	char *p;

	UNUSED(state);
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
	setenv("HOME", "/home/u", 1);
	p = settings_data_path("qrel.db");
	assert_string_equal(p, "/x/data/qrel/qrel.db");
	free(p);
	p = settings_config_path();
	assert_string_equal(p, "/home/u/.config/qrel/qrel.ini");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_reference_group),
		cmocka_unit_test(test_missing_optional_file_is_fine),
		cmocka_unit_test(test_bad_values_keep_defaults),
		cmocka_unit_test(test_xdg_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_hub_libpq.c: libpq is not linked but loaded on the hub's first use;
 * a missing or wrong library is a clear error naming the Debian package. */
#define HUB_LIBPQ_TABLE_ONLY /* the table's members by libpq's names */
#include "qrel/qrel.h"

#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>

#include "qrel/hub_libpq.h"

#define NO_SUCH_LIBRARY "libqrel-no-such-library.so.0"

/* Whether no function of the table is filled. */
static bool
table_empty(void)
{
#define EMPTY(name) if (hub_libpq.name) return false;
	HUB_LIBPQ_FUNCTIONS(EMPTY)
#undef EMPTY
	return true;
}

/* This program links what qrel links: libpq is not among it. */
static void
test_not_linked(void **state)
{
	(void)state;
	assert_null(dlopen(HUB_LIBPQ_FILE, RTLD_NOW | RTLD_NOLOAD));
	assert_true(table_empty());
}

static void
test_missing_library(void **state)
{
	(void)state;
	assert_int_equal(hub_libpq_open(NO_SUCH_LIBRARY), QREL_IO);
	assert_non_null(strstr(error_message(), "install the Debian package " HUB_LIBPQ_PACKAGE));
	assert_non_null(strstr(error_message(), NO_SUCH_LIBRARY ": cannot open shared object file"));
	assert_true(table_empty());
}

/* A library that is not libpq: the first function it lacks is named, nothing is kept. */
static void
test_wrong_library(void **state)
{
	(void)state;
	assert_int_equal(hub_libpq_open("libc.so.6"), QREL_IO);
	assert_non_null(strstr(error_message(), "(Debian package " HUB_LIBPQ_PACKAGE ")"));
	assert_non_null(strstr(error_message(), "undefined symbol: PQclear"));
	assert_true(table_empty());
}

static void
test_load(void **state)
{
	char *err = NULL;
	PQconninfoOption *opts;

	(void)state;
	assert_int_equal(hub_libpq_load(), QREL_OK);
	assert_non_null(dlopen(HUB_LIBPQ_FILE, RTLD_NOW | RTLD_NOLOAD));
#define FILLED(name) assert_non_null(hub_libpq.name);
	HUB_LIBPQ_FUNCTIONS(FILLED)
#undef FILLED
	opts = hub_libpq.PQconninfoParse("host=/tmp dbname=hub", &err);
	assert_non_null(opts);
	hub_libpq.PQconninfoFree(opts);
	/* Loaded once: later calls keep it, whatever they name. */
	assert_int_equal(hub_libpq_open(NO_SUCH_LIBRARY), QREL_OK);
	assert_non_null(hub_libpq.PQconnectdb);
}

int
main(void)
{
	/* In this order: not loaded, refused twice, then loaded. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_linked),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_wrong_library),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

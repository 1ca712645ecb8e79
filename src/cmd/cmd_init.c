/* cmd_init.c: `qrel init` and `qrel sample`: create a store, or one holding the sample review. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/outpath.h"
#include "qrel/db.h"
#include "qrel/review.h"
#include "qrel/util.h"

#include <getopt.h>
#include <unistd.h>

static int
print_diags(struct diags *d, int rc)
{
	diag_print(d, stderr);
	diag_free(d);
	return cmd_fail(rc);
}

/* The installed framework, found where `qrel sample` finds its sources; NULL and
 * an error naming the file and the ways to give one when it is not there. */
static char *
default_framework(void)
{
	const char *dir = review_datadir();
	char *path = path_join(dir, "frameworks/qrel-equity.ini");

	if (access(path, R_OK) == 0)
		return path;
	error(QREL_USAGE, "no --framework given and the installed framework %s is missing "
	      "(installed by `make install` under %s; set QREL_DATADIR to the folder holding "
	      "frameworks/, or pass --framework FILE.ini)", path, QREL_PKGDATADIR);
	free(path);
	return NULL;
}

/* A required option left out or a stray argument: named, then the usage line. */
static int
init_usage(const char *what, const char *name)
{
	fprintf(stderr, "qrel init: %s%s\n", what, name);
	return cmd_usage("init");
}

int
cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "framework", required_argument, NULL, 'f' },
		{ "review", required_argument, NULL, 'r' },
		{ "district", required_argument, NULL, 'd' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	const char *title = NULL, *district = "";
	char *framework = NULL;
	struct diags d = { 0 };
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "init"))
			continue;
		if (opt == 'f')
			framework = xstrdup(optarg);
		else if (opt == 'r')
			title = optarg;
		else if (opt == 'd')
			district = optarg;
		else
			return free(framework), cmd_usage("init");
	}
	if (!c.db || !title || optind != argc) {
		free(framework);
		if (optind != argc)
			return init_usage("unexpected argument ", argv[optind]);
		return init_usage(!c.db ? "--db FILE" : "--review TITLE", " is missing");
	}
	if (!framework && !(framework = default_framework()))
		return cmd_fail(QREL_USAGE);
	if ((rc = cmd_open(&c, DB_CREATE, &db, NULL)) != QREL_OK)
		return free(framework), cmd_fail(rc);
	rc = review_init(db, framework, title, district, &d, &review);
	free(framework);
	db_close(db);
	if (rc != QREL_OK)
		return print_diags(&d, rc);
	printf("created review \"%s\" in %s\n", title, c.db);
	return EXIT_OK;
}

int
cmd_sample(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "from", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	const char *from = NULL;
	struct diags d = { 0 };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "sample"))
			continue;
		if (opt == 'F')
			outpath_allow_replace(true);
		else if (opt == 'f')
			from = optarg;
		else
			return cmd_usage("sample");
	}
	if (!c.db || optind != argc)
		return cmd_usage("sample");
	if ((rc = outpath_check(c.db)) != QREL_OK) /* the sample never replaces a review */
		return cmd_fail(rc);
	rc = review_build_sample(c.db, from ? from : review_datadir(), &d);
	if (rc != QREL_OK)
		return print_diags(&d, rc);
	printf("built the sample review in %s\n", c.db);
	return EXIT_OK;
}

/* cmd_init.c: `qrel init` and `qrel sample`: create a store, or one holding the sample review. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/outpath.h"
#include "qrel/db.h"
#include "qrel/review.h"

#include <getopt.h>

static int
print_diags(struct diags *d, int rc)
{
	diag_print(d, stderr);
	diag_free(d);
	return cmd_fail(rc);
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
	const char *framework = NULL, *title = NULL, *district = "";
	struct diags d = { 0 };
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "init"))
			continue;
		if (opt == 'f')
			framework = optarg;
		else if (opt == 'r')
			title = optarg;
		else if (opt == 'd')
			district = optarg;
		else
			return cmd_usage("init");
	}
	if (!c.db || !framework || !title || optind != argc)
		return cmd_usage("init");
	if ((rc = cmd_open(&c, DB_CREATE, &db, NULL)) != QREL_OK)
		return cmd_fail(rc);
	rc = review_init(db, framework, title, district, &d, &review);
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

/* cmd_import.c: `qrel import KIND FILE.csv`: loads one CSV file into the review, all or nothing. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/import.h"

#include <getopt.h>

/* Checked before the database is opened, so a typo costs nothing. */
static bool
known_kind(const char *kind)
{
	for (size_t i = 0; import_kinds[i]; i++)
		if (strcmp(import_kinds[i], kind) == 0)
			return true;
	fprintf(stderr, "qrel import: unknown kind '%s'; one of:", kind);
	for (size_t i = 0; import_kinds[i]; i++)
		fprintf(stderr, " %s", import_kinds[i]);
	fputc('\n', stderr);
	return false;
}

static int
run(const struct cmd_common *c, const struct import_opts *o, const char *kind, const char *file)
{
	struct import_stats st;
	struct diags d = { 0 };
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(c, db, review, &who)) == QREL_OK)
		rc = import_file_opts(db, review, kind, file, who, o, &d, &st);
	db_close(db);
	if (rc == QREL_OK) {
		diag_print_warnings(&d, stderr);
		diag_free(&d);
		printf("imported %zu %s from %s: %zu new, %zu updated, %zu unchanged\n", st.rows, kind,
			file, st.inserted, st.updated, st.unchanged);
		return EXIT_OK;
	}
	if (d.n == 0) {
		diag_free(&d);
		return cmd_fail(rc);
	}
	diag_print(&d, stderr);
	cmd_error("%zu problem%s in %s; nothing was imported", d.n, d.n == 1 ? "" : "s",
		strcmp(file, "-") == 0 ? "<stdin>" : file);
	diag_free(&d);
	return EXIT_FAIL;
}

/* The options that say how the file is shaped; false for a bad value (after a message). */
static bool
shape_option(struct import_opts *o, int opt, const char *arg)
{
	int rc = QREL_OK;

	switch (opt) {
	case 'd':
		rc = csv_delimiter_parse(arg, &o->delimiter);
		break;
	case 'e':
		if ((rc = csv_encoding_check(arg)) == QREL_OK)
			o->encoding = arg;
		break;
	case 'm':
		o->mapping = arg;
		break;
	case 'l':
		if (strcmp(arg, "wide") != 0 && strcmp(arg, "long") != 0)
			rc = error(QREL_USAGE, "--layout is long or wide, not '%s'", arg);
		o->wide = strcmp(arg, "wide") == 0;
		break;
	default:
		return false;
	}
	if (rc == QREL_OK)
		return true;
	cmd_error("%s", error_message());
	return false;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "delimiter", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "mapping", required_argument, NULL, 'm' },
		{ "layout", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	struct import_opts o = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&c, opt, optarg, "import") && !shape_option(&o, opt, optarg))
			return cmd_usage("import");
	if (argc - optind != 2)
		return cmd_usage("import");
	if (!known_kind(argv[optind]))
		return EXIT_USAGE;
	return run(&c, &o, argv[optind], argv[optind + 1]);
}

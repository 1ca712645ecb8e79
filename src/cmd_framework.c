/* cmd_framework.c: `qrel framework check|import|export`. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/outpath.h"
#include "qrel/privilege.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include <getopt.h>

static int
check(const char *path)
{
	struct diags d = { 0 };
	struct framework *fw;
	int rc;

	privilege_end(); /* no database here: a setgid qrel's group goes before the parse */
	rc = framework_load(path, &fw, &d);
	diag_print(&d, stderr);
	if (rc == QREL_OK)
		printf("%s: ok: %s %s, %d levels, %zu domains, %zu clusters\n", path, fw->code,
			fw->version, fw->levels, fw->ndomains, fw->nclusters);
	else
		fprintf(stderr, "%s: %zu problem(s)\n", path, d.n);
	diag_free(&d);
	framework_free(fw);
	return rc == QREL_OK ? EXIT_OK : EXIT_FAIL;
}

static int
import(const struct cmd_common *c, const char *path)
{
	struct diags d = { 0 };
	struct framework *fw;
	struct db *db;
	int64_t id;
	int rc = framework_load(path, &fw, &d);

	diag_print(&d, stderr);
	diag_free(&d);
	if (rc != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_open(c, DB_CREATE, &db, NULL)) == QREL_OK) {
		if ((rc = db_begin(db)) == QREL_OK)
			rc = framework_store(db, fw, &id) == QREL_OK ? db_commit(db) : (db_rollback(db), QREL_DB);
		if (rc == QREL_OK)
			printf("stored framework %s %s (%s) in %s\n", fw->code, fw->version, fw->hash, db_path(db));
		db_close(db);
	}
	framework_free(fw);
	return cmd_fail(rc);
}

static int
export(const struct cmd_common *c, const char *out_path)
{
	struct db *db;
	int64_t review;
	FILE *out = stdout;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cmd_open(c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	/* -o: written whole through the one output path (temporary file, rename). */
	if (out_path && !(out = open_memstream(&buf, &len))) {
		rc = error(QREL_NOMEM, "out of memory");
	} else {
		rc = framework_export(db, store_framework_id(db, review), out);
		if (out != stdout && fclose(out) != 0 && rc == QREL_OK)
			rc = error(QREL_NOMEM, "out of memory");
		if (out != stdout && rc == QREL_OK)
			rc = file_replace(out_path, buf, len);
	}
	free(buf);
	db_close(db);
	return cmd_fail(rc);
}

int
cmd_framework(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	const char *out = NULL, *verb;
	int opt;

	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "framework"))
			continue;
		if (opt == 'F')
			outpath_allow_replace(true);
		else if (opt == 'o')
			out = optarg;
		else
			return cmd_usage("framework");
	}
	if (optind >= argc)
		return cmd_usage("framework");
	verb = argv[optind++];
	if (strcmp(verb, "check") == 0 && optind + 1 == argc)
		return check(argv[optind]);
	if (strcmp(verb, "import") == 0 && optind + 1 == argc)
		return import(&c, argv[optind]);
	if (strcmp(verb, "export") == 0 && optind == argc)
		return export(&c, out);
	return cmd_usage("framework");
}

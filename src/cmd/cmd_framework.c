/* cmd_framework.c: `qrel framework check|import|export`. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/outpath.h"
#include "qrel/privilege.h"
#include "qrel/protocol.h"
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
		printf("%s: ok: %s %s, %d levels, %zu domains, %zu clusters, %zu stakeholder groups\n", path, fw->code,
			fw->version, fw->levels, fw->ndomains, fw->nclusters, fw->ngroups);
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

/* What a command writes: to standard output, or with -o whole through the one
 * output path (temporary file, rename). */
struct writer {
	int (*write)(struct db *db, int64_t review, FILE *out, const void *ctx);
	const void *ctx;
};

static int
write_out(const struct cmd_common *c, const char *out_path, const struct writer *w)
{
	struct db *db;
	int64_t review;
	FILE *out = stdout;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cmd_open(c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if (out_path && !(out = open_memstream(&buf, &len))) {
		rc = error(QREL_NOMEM, "out of memory");
	} else {
		rc = w->write(db, review, out, w->ctx);
		if (out != stdout && fclose(out) != 0 && rc == QREL_OK)
			rc = error(QREL_NOMEM, "out of memory");
		if (out != stdout && rc == QREL_OK)
			rc = file_replace(out_path, buf, len);
	}
	if (rc == QREL_OK && out == stdout && (fflush(stdout) != 0 || ferror(stdout)))
		rc = error(QREL_IO, "writing: %s", strerror(errno));
	free(buf);
	db_close(db);
	return cmd_fail(rc);
}

static int
write_export(struct db *db, int64_t review, FILE *out, const void *ctx)
{
	UNUSED(ctx);
	return framework_export(db, store_framework_id(db, review), out);
}

static int
write_print(struct db *db, int64_t review, FILE *out, const void *ctx)
{
	return proto_rubric(db, review, out, *(const enum proto_format *)ctx);
}

int
cmd_framework(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	enum proto_format fmt = PROTO_MD;
	const char *out = NULL, *verb;
	int opt;

	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "framework"))
			continue;
		if (opt == 'F')
			outpath_allow_replace(true);
		else if (opt == 'o')
			out = optarg;
		else if (opt != 'f' || proto_format_parse(optarg, &fmt) != QREL_OK)
			return opt == 'f' ? cmd_fail(QREL_USAGE) : cmd_usage("framework");
	}
	if (optind >= argc)
		return cmd_usage("framework");
	verb = argv[optind++];
	if (strcmp(verb, "check") == 0 && optind + 1 == argc)
		return check(argv[optind]);
	if (strcmp(verb, "import") == 0 && optind + 1 == argc)
		return import(&c, argv[optind]);
	if (strcmp(verb, "export") == 0 && optind == argc)
		return write_out(&c, out, &(struct writer){ write_export, NULL });
	if (strcmp(verb, "print") == 0 && optind == argc)
		return write_out(&c, out, &(struct writer){ write_print, &fmt });
	return cmd_usage("framework");
}

/* ---- qrel protocol ---- */

struct protocol_args {
	const char *source, *group, *clusters;
	enum proto_format fmt;
};

static int
write_protocol(struct db *db, int64_t review, FILE *out, const void *ctx)
{
	const struct protocol_args *a = ctx;

	return proto_protocol(db, review, out, a->fmt, a->source, a->group, a->clusters);
}

int
cmd_protocol(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "activity", required_argument, NULL, 'a' }, { "group", required_argument, NULL, 'g' },
		{ "clusters", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' }, { "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	struct protocol_args a = { .fmt = PROTO_MD };
	struct cmd_common c = { 0 };
	const char *out = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "protocol"))
			continue;
		switch (opt) {
		case 'a': a.source = optarg; break;
		case 'g': a.group = optarg; break;
		case 'c': a.clusters = optarg; break;
		case 'o': out = optarg; break;
		case 'F': outpath_allow_replace(true); break;
		case 'f':
			if (proto_format_parse(optarg, &a.fmt) != QREL_OK)
				return cmd_fail(QREL_USAGE);
			break;
		default: return cmd_usage("protocol");
		}
	}
	if (optind != argc || !a.source || !a.group)
		return cmd_usage("protocol");
	return write_out(&c, out, &(struct writer){ write_protocol, &a });
}

/* cmd.h: the command table and what every non-interactive command shares:
 * the common options, opening the store, identity and exit codes. */
#ifndef QREL_CMD_H
#define QREL_CMD_H

#include <stdint.h>
#include <stdio.h>

struct db;

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;
	const char *summary;
	const char *usage;	/* printed by --help, after "usage: qrel " */
	int (*run)(int argc, char **argv);	/* argv[0] is the command's name */
};

/* The options every command takes: --db FILE, --config FILE, --as NAME. */
struct cmd_common {
	const char *db;
	const char *config;
	const char *as;
};

#define CMD_COMMON_LONGOPTS \
	{ "db", required_argument, NULL, 'D' }, \
	{ "config", required_argument, NULL, 'C' }, \
	{ "as", required_argument, NULL, 'A' }, \
	{ "help", no_argument, NULL, 'h' }

const struct command *cmd_find(const char *name);
void cmd_list(FILE *out);
/* Handles D, C, A and h; returns 1 when opt was one of them (h prints usage and exits). */
int cmd_common_option(struct cmd_common *c, int opt, const char *arg, const char *name);
/* Opens the store (--db, else config, else the default path) and finds its review. */
int cmd_open(const struct cmd_common *c, int flags, struct db **db, int64_t *review);
/* The reviewer's name: --as, else `user =` in the config, else $USER. */
const char *cmd_user(const struct cmd_common *c);
/* Prints the last error as "qrel: message" and returns the exit code for rc. */
int cmd_fail(int rc);
int cmd_usage(const char *name);

/* Commands, each in src/cmd_<name>.c. */
int cmd_init(int argc, char **argv);
int cmd_framework(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_activity(int argc, char **argv);
int cmd_agree(int argc, char **argv);
int cmd_risk(int argc, char **argv);
int cmd_scores(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_reopen(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_check_store(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_findings(int argc, char **argv);
int cmd_recommendations(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_review(int argc, char **argv);

#endif

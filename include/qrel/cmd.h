/* cmd.h: the command table and what every non-interactive command shares:
 * the common options, opening the store, identity and exit codes. */
#ifndef QREL_CMD_H
#define QREL_CMD_H

#include <stdint.h>
#include <stdio.h>

struct db;
struct settings;

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;
	const char *summary;
	const char *usage;	/* printed by --help, after "usage: qrel " */
	int (*run)(int argc, char **argv);	/* argv[0] is "qrel NAME" (getopt's prefix) */
};

/* The options every command takes: --db FILE, --config FILE, --as NAME (and --bom:
 * CSV output starts with a UTF-8 byte order mark, so Excel reads it as UTF-8). */
struct cmd_common {
	const char *db;
	const char *config;
	const char *as;
};

#define CMD_COMMON_LONGOPTS \
	{ "db", required_argument, NULL, 'D' }, \
	{ "config", required_argument, NULL, 'C' }, \
	{ "as", required_argument, NULL, 'A' }, \
	{ "bom", no_argument, NULL, 'B' }, \
	{ "help", no_argument, NULL, 'h' }

/* Limits on text from the command line: an option's value, a note's text (argument or standard input). */
#define CMD_OPTION_MAX (64 * 1024)
#define CMD_TEXT_MAX (1024 * 1024)

/* Records the command line so messages can name the option a value came from. */
void cmd_args(int argc, char **argv);
/* QREL_OK when s (len bytes) is UTF-8 text without NUL of at most max bytes;
 * otherwise QREL_USAGE with a message naming what ("--rationale", "standard input"). */
int cmd_check_text(const char *what, const char *s, size_t len, size_t max);
const struct command *cmd_find(const char *name);
/* The command table in order (for the man page test and completion); NULL after the last. */
const struct command *cmd_at(size_t i);
void cmd_list(FILE *out);
/* Runs a command the same way for all: -h is --help; `qrel NAME --help` prints the
 * table's usage on stdout and exits 0 (agree, risk and report print a longer one themselves); errors
 * and getopt's messages start "qrel NAME:". */
int cmd_run(const struct command *c, int argc, char **argv);
/* For a command whose first word is a verb (qrel evidence add ...): the verb's
 * argv (argv + 1), its argv[0] made "qrel NAME VERB" so that getopt's messages
 * name the whole command. */
char **cmd_verb_argv(char **argv);
/* Prints NAME's usage and summary on stdout; returns EXIT_OK. */
int cmd_help(const char *name);
/* "qrel NAME: message" on stderr (NAME: the running command). */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Handles D, C, A, B and h; returns 1 when opt was one of them (h prints usage and exits).
 * Every option's value passes cmd_check_text first (file names excepted): a value
 * that is not UTF-8, or longer than CMD_OPTION_MAX, ends the command with a message. */
int cmd_common_option(struct cmd_common *c, int opt, const char *arg, const char *name);
/* Settings for a command (--config, else the default file): problems in the
 * file are warnings on stderr. Free with settings_free. */
void cmd_settings(const struct cmd_common *c, struct settings *s);
/* Opens the store (--db, else config, else the default path) and finds its review. */
int cmd_open(const struct cmd_common *c, int flags, struct db **db, int64_t *review);
/* The name the caller claims: --as, else `user =` in the config, else $USER. */
const char *cmd_user(const struct cmd_common *c);
/* Who the caller is in review (identity.h): the person their Unix login maps to
 * when the review has logins (--as someone else is refused), else cmd_user().
 * Also remembered as identity_person(). */
int cmd_who(const struct cmd_common *c, struct db *db, int64_t review, const char **who);
/* Prints the last error as "qrel NAME: message" and returns the exit code for rc. */
int cmd_fail(int rc);
int cmd_usage(const char *name);

/* Commands, each in src/cmd_<name>.c. */
int cmd_init(int argc, char **argv);
int cmd_framework(int argc, char **argv);
int cmd_protocol(int argc, char **argv);
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
int cmd_release(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_check_store(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_person(int argc, char **argv);
int cmd_codes(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_findings(int argc, char **argv);
int cmd_recommendations(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_surveys(int argc, char **argv);
int cmd_document(int argc, char **argv);
int cmd_hub(int argc, char **argv);
int cmd_portfolio(int argc, char **argv);

#endif

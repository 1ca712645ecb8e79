/* cmd.c: the command table and the pieces every command shares. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/output.h"
#include "qrel/db.h"
#include "qrel/identity.h"
#include "qrel/outpath.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <unistd.h>

static const struct command commands[] = {
	{ "init", "create a review database from a framework",
	  "init --db FILE --review TITLE [--district NAME] [--framework FILE.ini]", cmd_init },
	{ "framework", "check, import, export or print (the blank rubric, for self-evaluation) a framework",
	  "framework check FILE.ini | import [--db FILE] FILE.ini | export [--db FILE] [-o FILE [--force]]\n"
	  "       qrel framework print [--db FILE] [--format md|html] [-o FILE [--force]]",
	  cmd_framework },
	{ "protocol", "print an interview or focus-group protocol: a group's guiding questions per cluster",
	  "protocol [--db FILE] --activity TYPE --group GROUP [--clusters CODE[,CODE...]] [--format md|html]\n"
	  "       [-o FILE [--force]]", cmd_protocol },
	{ "check", "check a database's integrity and schema version", "check [--db FILE]", cmd_check_store },
	{ "import", "import CSV rows (sites, people, activities, metrics, evidence, scores, subgroups, state, survey, survey-rates)",
	  "import KIND [--db FILE] [--as NAME] [--delimiter C] [--encoding NAME] [--mapping FILE.ini]\n"
	  "       [--layout long|wide] FILE.csv", cmd_import },
	{ "evidence", "add, list (filter, search), delete or restore evidence notes",
	  "evidence add [--db FILE] --as NAME --site CODE --source TYPE --cluster CODE[,CODE...]\n"
	  "       [--valence strength|growth|neutral] [--activity ID] [--subgroup DIM:GROUP]\n"
	  "       [--groups GROUP[,GROUP...]] TEXT|-\n"
	  "       qrel evidence list [--db FILE] [--site CODE] [--cluster CODE] [--domain N] [--source TYPE]\n"
	  "       [--author NAME] [--valence V] [--subgroup DIM[:GROUP]] [--from DATE] [--to DATE]\n"
	  "       [--activity ID] [--search QUERY [--order latest|relevance]] [--format csv|json]\n"
	  "       qrel evidence delete|restore [--db FILE] --as NAME ID", cmd_evidence },
	{ "activity", "add, plan, mark done or list the review's activities (interviews, focus groups, observations...)",
	  "activity add [--db FILE] --as NAME --site CODE --source TYPE --at DATE [--facilitator NAME]\n"
	  "       [--groups GROUP[,GROUP...]] [--participants N] [--language TAG] [--interpreter] DESCRIPTION\n"
	  "       qrel activity plan [--db FILE] --as NAME --site CODE --source TYPE --at DATE [--facilitator NAME]\n"
	  "            [--reviewers NAME[,NAME...]] [--groups GROUP[,GROUP...]] [--participants N] DESCRIPTION\n"
	  "       qrel activity done [--db FILE] --as NAME ID\n"
	  "       qrel activity list [--db FILE] [--site CODE] [--format csv|json]", cmd_activity },
	{ "person", "tie a person of the review to their Unix user (lead); - removes it",
	  "person login [--db FILE] [--as LEAD] NAME LOGIN|-", cmd_person },
	{ "sample", "build the sample review into a new database",
	  "sample --db FILE [--from DIR] [--force]", cmd_sample },
	{ "agree", "rater agreement (kappas, Krippendorff's alpha) from a CSV file or the team scores",
	  "agree [--levels K] [--format csv|json|table] [--layout long|wide] [--delimiter C] [--encoding NAME]\n"
	  "       [--framework FILE.ini] FILE.csv\n"
	  "       qrel agree [--db FILE] [--site CODE] [--domain N] [--by cluster|site|rater] [--format ...]",
	  cmd_agree },
	{ "risk", "risk ratios and disproportionality flags for the subgroup tables in a CSV file",
	  "risk [--min-cell N] [--min-n N] [--threshold T] [--favourable] [--reference GROUP]\n"
	  "       [--state FILE] [--format csv|json|table] [--delimiter D] [--encoding NAME] FILE.csv", cmd_risk },
	{ "scores", "list the scores you may see as CSV or JSON",
	  "scores [--db FILE] [--site CODE] [--kind team|self|consensus] [--format csv|json] [--layout wide]",
	  cmd_scores },
	{ "score", "set one score (a level or its label, NE or 0 to clear) as a member of the review",
	  "score [--db FILE] --as NAME --site CODE --cluster CODE --level N|LABEL|NE|0 [--kind K] [--rationale TEXT]\n"
	  "       [--expect-version N]",
	  cmd_score },
	{ "lock", "finalise a site or the whole review: its scores become read-only (lead)",
	  "lock [--db FILE] --as NAME --site CODE | --review [--reason TEXT]", cmd_lock },
	{ "reopen", "reopen a locked site or review, with the reason the change log keeps (lead)",
	  "reopen [--db FILE] --as NAME --site CODE | --review --reason TEXT", cmd_reopen },
	{ "release", "release the findings at a site (or every site) to its principal (lead)",
	  "release [--db FILE] --as NAME [--site CODE]", cmd_release },
	{ "plan", "print the action plan, list its steps, or add to it",
	  "plan [--db FILE] [--format md|csv|json]\n"
	  "       qrel plan steps [--db FILE] [--lead NAME] [--overdue] [--format csv|json]\n"
	  "       qrel plan add-objective [--db FILE] [--as NAME] (--title T [--if X] [--then Y] [--stakeholders S]\n"
	  "            [--site CODE] | --from-subgroup SITE,YEAR,METRIC,DIMENSION,GROUP | --from-cluster SITE,CLUSTER\n"
	  "            | --from-note ID) [--objective N]\n"
	  "       qrel plan add-cause [--db FILE] [--as NAME] --objective N --text T [--note ID] [--subgroup REF]\n"
	  "       qrel plan add-step [--db FILE] [--as NAME] --objective N --step TEXT [--lead NAME] [--start DATE]\n"
	  "            [--due DATE] [--resources TEXT]\n"
	  "       qrel plan set-status [--db FILE] [--as NAME] --step N --status planned|in_progress|done|dropped\n"
	  "            [--note TEXT]", cmd_plan },
	{ "findings", "write, list, cite evidence for or import the review's findings",
	  "findings add [--db FILE] [--as NAME] --kind strength|growth (--cluster CODE | --domain CODE)\n"
	  "            [--site CODE] TEXT|-\n"
	  "       qrel findings list [--db FILE] [--site CODE] [--format csv|json]\n"
	  "       qrel findings edit [--db FILE] [--as NAME] ID [--text TEXT] [--kind strength|growth]\n"
	  "       qrel findings delete [--db FILE] [--as NAME] ID\n"
	  "       qrel findings cite [--db FILE] [--as NAME] ID (--note NOTE [--stakeholder GROUP] | --uncite NOTE\n"
	  "            | --subgroup SITE,YEAR,METRIC,DIMENSION,GROUP | --survey ITEM | --uncite-survey ITEM)\n"
	  "       qrel findings import [--db FILE] [--as NAME] [--delimiter C] [--encoding NAME] FILE.csv",
	  cmd_findings },
	{ "recommendations", "write, list, edit, link or import recommendations; turn one into a plan objective",
	  "recommendations add [--db FILE] [--as NAME] --title TEXT [--text TEXT] [--priority high|medium|low]\n"
	  "            [--stakeholders TEXT] [--finding N]...\n"
	  "       qrel recommendations list [--db FILE] [--format csv|json]\n"
	  "       qrel recommendations edit [--db FILE] [--as NAME] ID [--title TEXT] [--text TEXT]\n"
	  "            [--priority high|medium|low] [--stakeholders TEXT]\n"
	  "       qrel recommendations delete [--db FILE] [--as NAME] ID\n"
	  "       qrel recommendations link [--db FILE] [--as NAME] ID --finding N [--finding N]...\n"
	  "       qrel recommendations to-objective [--db FILE] [--as NAME] ID\n"
	  "       qrel recommendations import [--db FILE] [--as NAME] [--delimiter C] [--encoding NAME] FILE.csv",
	  cmd_recommendations },
	{ "surveys", "survey results by item or by group (small groups suppressed) and response rates",
	  "surveys [--db FILE] [--site CODE] [--by item|group] [--format table|csv|json]", cmd_surveys },
	{ "document", "the register of documents requested, received and reviewed; cite one in a note",
	  "document add [--db FILE] [--as NAME] --title TEXT [--owner NAME] [--site CODE] [--requested DATE]\n"
	  "            [--link URL|PATH]\n"
	  "       qrel document list [--db FILE] [--site CODE] [--outstanding] [--format csv|json]\n"
	  "       qrel document set [--db FILE] [--as NAME] ID [--status requested|received|reviewed]\n"
	  "            [--received DATE] [--title TEXT] [--owner NAME] [--link URL|PATH]\n"
	  "       qrel document cite|uncite [--db FILE] [--as NAME] ID --note NOTE", cmd_document },
	{ "summary", "show or set the executive summary (lead)",
	  "summary show [--db FILE] | summary set [--db FILE] [--as NAME] TEXT|-", cmd_summary },
	{ "review", "the report's status: draft or final (the lead finalises and reopens)",
	  "review status [--db FILE] | review finalise [--db FILE] [--as NAME]\n"
	  "       qrel review reopen [--db FILE] [--as NAME] --reason TEXT", cmd_review },
	{ "sync", "exchange changes with an offline copy (bundles) or a hub, list and resolve conflicts",
	  "sync export [--db FILE] [--as NAME] -o BUNDLE [--force] --peer NAME | --all\n"
	  "       qrel sync import [--db FILE] [--as NAME] BUNDLE\n"
	  "       qrel sync conflicts [--db FILE] [--all]\n"
	  "       qrel sync resolve [--db FILE] --as LEAD ID --keep local|remote\n"
	  "       qrel sync push|pull [--db FILE] [--as NAME] --hub URL", cmd_sync },
	{ "hub", "set up the PostgreSQL hub copies sync to: its schema, a review, a login's person",
	  "hub init URL\n"
	  "       qrel hub add-review [--db FILE] [--as LEAD] URL\n"
	  "       qrel hub grant [--db FILE | --review UUID] [--role ROLE] URL NAME LOGIN", cmd_hub },
	{ "portfolio", "the hub's reviews compared: consensus levels per cluster (and year), risk ratios across districts",
	  "portfolio --hub URL [--db FILE | --review UUID] [--framework CODE] [--by clusters|years|groups] "
	  "[--format table|csv|json]",
	  cmd_portfolio },
	{ "backup", "copy a database safely while others keep writing", "backup [--db FILE] -o FILE [--force]", cmd_backup },
	{ "report", "the review report as HTML, Markdown, CSV, JSON, PDF or a data workbook (xlsx)",
	  "report [--db FILE] [--site CODE] [--format html|md|csv|json|xlsx] [-o FILE [--force]] [--quotes N]\n"
	  "            [--all-years]",
	  cmd_report },
	{ "codes", "list the review's site, cluster or domain codes, one a line (for scripts and completion)",
	  "codes sites|clusters|domains [--db FILE]", cmd_codes },
	{ "completion", "print the bash completion script (installed by make install)",
	  "completion bash", cmd_completion },
};

/* Commands whose run() prints a longer --help of its own. */
static const char *const own_help[] = { "agree", "risk", "report" };

/* The running command, for the prefix of its messages. */
static const char *running;

const struct command *
cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct command *
cmd_at(size_t i)
{
	return i < ARRAY_SIZE(commands) ? &commands[i] : NULL;
}

static bool
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static bool
has_own_help(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(own_help); i++)
		if (strcmp(own_help[i], name) == 0)
			return true;
	return false;
}

int
cmd_run(const struct command *c, int argc, char **argv)
{
	static char prog[64];

	running = c->name;
	snprintf(prog, sizeof(prog), "qrel %s", c->name);
	argv[0] = prog;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0)
			argv[i] = (char *)"--help";
	if (argc > 1 && is_help(argv[1]) && !has_own_help(c->name))
		return cmd_help(c->name);
	return c->run(argc, argv);
}

char **
cmd_verb_argv(char **argv)
{
	static char prog[96];

	snprintf(prog, sizeof(prog), "%s %s", argv[0], argv[1]);
	argv[1] = prog;
	return argv + 1;
}

int
cmd_help(const char *name)
{
	const struct command *cmd = cmd_find(name);

	printf("usage: qrel %s\n%s.\nCommon options: --db FILE, --config FILE, --as NAME, --bom (CSV for Excel), --help.\n",
	       cmd ? cmd->usage : name, cmd ? cmd->summary : "");
	return EXIT_OK;
}

void
cmd_error(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	fflush(stdout);
	fprintf(stderr, "qrel%s%s: ", running ? " " : "", running ? running : "");
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	text_print(stderr, msg ? msg : fmt); /* a message may quote what was typed or stored */
	free(msg);
	fputc('\n', stderr);
}

void
cmd_list(FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int
cmd_usage(const char *name)
{
	const struct command *c = cmd_find(name);

	if (c)
		fprintf(stderr, "usage: qrel %s\n", c->usage);
	return EXIT_USAGE;
}

/* The command line as main received it: option values point into it. */
static struct {
	int argc;
	char **argv;
} line;

void
cmd_args(int argc, char **argv)
{
	line.argc = argc;
	line.argv = argv;
}

/* The option as typed whose value is arg: "--rationale" for "--rationale X" or
 * "--rationale=X", "-o" for "-oX"; "an option" when arg is not on the line. */
static void
option_name(const char *arg, char *out, size_t size)
{
	uintptr_t a = (uintptr_t)arg;

	snprintf(out, size, "an option");
	for (int i = 1; i < line.argc; i++) {
		uintptr_t from = (uintptr_t)line.argv[i], to = from + strlen(line.argv[i]);
		const char *opt = a == from ? line.argv[i - 1] : line.argv[i];

		if (a < from || a > to)
			continue;
		if (a != from && opt[1] != '-')
			snprintf(out, size, "-%c", opt[1]);
		else
			snprintf(out, size, "%.*s", (int)strcspn(opt, "="), opt);
		return;
	}
}

/* Options naming files: a Unix file name need not be UTF-8. */
static bool
is_path_option(const char *name)
{
	static const char *const paths[] = { "--db", "--config", "-o", "--output", "--state", "--framework", "--from" };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (strcmp(name, paths[i]) == 0)
			return true;
	return false;
}

int
cmd_check_text(const char *what, const char *s, size_t len, size_t max)
{
	size_t bad;

	if (len > max)
		return error(QREL_USAGE, "%s: %zu bytes, more than the %zu allowed; nothing was done", what, len,
			     max);
	if (memchr(s, '\0', len))
		return error(QREL_USAGE, "%s: holds a NUL byte; nothing was done", what);
	if (!text_valid(s, len, &bad))
		return error(QREL_USAGE, "%s: not valid UTF-8 (byte %zu is 0x%02x); nothing was done", what,
			     bad + 1, (unsigned char)s[bad]);
	return QREL_OK;
}

/* Every option's text is valid UTF-8 within CMD_OPTION_MAX, or the command stops here. */
static void
check_option(const char *arg)
{
	char name[64];

	if (!arg)
		return;
	option_name(arg, name, sizeof(name));
	if (!is_path_option(name) && cmd_check_text(name, arg, strlen(arg), CMD_OPTION_MAX) != QREL_OK)
		exit(cmd_fail(QREL_USAGE));
}

int
cmd_common_option(struct cmd_common *c, int opt, const char *arg, const char *name)
{
	check_option(arg);
	switch (opt) {
	case 'D': c->db = arg; return 1;
	case 'C': c->config = arg; return 1;
	case 'A': c->as = arg; return 1;
	case 'B': out_csv_bom(true); return 1;
	case 'h':
		exit(cmd_help(name));
	default:
		return 0;
	}
}

void
cmd_settings(const struct cmd_common *c, struct settings *s)
{
	struct diags d = { 0 };
	char *path = c->config ? xstrdup(c->config) : settings_config_path();

	settings_default(s);
	settings_load(s, path, c->config != NULL, &d);
	for (size_t i = 0; i < d.n; i++)
		cmd_error("warning: %s", d.msg[i]);
	diag_free(&d);
	free(path);
}

int
cmd_open(const struct cmd_common *c, int flags, struct db **db, int64_t *review)
{
	struct settings s;
	char *path;
	int rc;

	cmd_settings(c, &s);
	if (c->db)
		path = xstrdup(c->db);
	else if (s.db_path && *s.db_path)
		path = xstrdup(s.db_path);
	else
		path = settings_data_path("qrel.db");
	if (s.team_group && *s.team_group)
		flags |= DB_TEAM;
	rc = db_open_shared(path, flags, s.team_group, db);
	settings_free(&s);
	free(path);
	if (rc == QREL_OK)
		outpath_protect(db_path(*db)); /* no -o of this process may land on it */
	if (rc != QREL_OK || !review)
		return rc;
	*review = store_review_id(*db);
	if (*review > 0)
		return QREL_OK;
	rc = *review < 0 ? QREL_DB : error(QREL_NOTFOUND, "%s holds no review yet (see `qrel init`)", db_path(*db));
	db_close(*db);
	*db = NULL;
	return rc;
}

const char *
cmd_user(const struct cmd_common *c)
{
	static char name[256];
	struct settings s;
	const char *env = getenv("USER");
	struct passwd *pw;

	if (c->as && *c->as)
		return c->as;
	cmd_settings(c, &s);
	if (s.user && *s.user)
		snprintf(name, sizeof(name), "%s", s.user);
	else if (env && *env)
		snprintf(name, sizeof(name), "%s", env);
	else if ((pw = getpwuid(getuid())))
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "unknown");
	settings_free(&s);
	return name;
}

int
cmd_who(const struct cmd_common *c, struct db *db, int64_t review, const char **who)
{
	static char name[256];
	int rc;

	*who = NULL;
	if ((rc = identity_resolve(db, review, cmd_user(c), c->as && *c->as, name, sizeof(name))) != QREL_OK)
		return rc;
	identity_person_set(name);
	*who = name;
	return QREL_OK;
}

int
cmd_fail(int rc)
{
	if (rc == QREL_OK)
		return EXIT_OK;
	cmd_error("%s", error_message()); /* after what was printed before the failure */
	return rc == QREL_USAGE ? EXIT_USAGE : EXIT_FAIL;
}

/* cmd.c: the command table and the pieces every command shares. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include <getopt.h>
#include <pwd.h>
#include <unistd.h>

static const struct command commands[] = {
	{ "init", "create a review database from a framework",
	  "init --db FILE --framework FILE.ini --review TITLE [--district NAME]", cmd_init },
	{ "framework", "check, import or export a rubric framework",
	  "framework check FILE.ini | import [--db FILE] FILE.ini | export [--db FILE] [-o FILE]",
	  cmd_framework },
	{ "check", "check a database's integrity and schema version", "check [--db FILE]", cmd_check_store },
	{ "import", "import CSV rows (sites, people, activities, metrics, evidence, scores, subgroups, state)",
	  "import KIND [--db FILE] [--as NAME] FILE.csv", cmd_import },
	{ "evidence", "add, list (filter, search), delete or restore evidence notes",
	  "evidence add [--db FILE] --as NAME --site CODE --source TYPE --cluster CODE[,CODE...]\n"
	  "       [--valence strength|growth|neutral] [--activity ID] [--subgroup DIM:GROUP] TEXT|-\n"
	  "       qrel evidence list [--db FILE] [--site CODE] [--cluster CODE] [--domain N] [--source TYPE]\n"
	  "       [--author NAME] [--valence V] [--subgroup DIM[:GROUP]] [--from DATE] [--to DATE]\n"
	  "       [--activity ID] [--search QUERY] [--format csv|json]\n"
	  "       qrel evidence delete|restore [--db FILE] --as NAME ID", cmd_evidence },
	{ "activity", "add or list the review's activities (interviews, focus groups, observations...)",
	  "activity add [--db FILE] --as NAME --site CODE --source TYPE --at DATE [--facilitator NAME] DESCRIPTION\n"
	  "       qrel activity list [--db FILE] [--site CODE] [--format csv|json]", cmd_activity },
	{ "sample", "build the sample review into a new database",
	  "sample --db FILE [--from DIR]", cmd_sample },
	{ "agree", "rater agreement (kappas, Krippendorff's alpha) from a CSV file or the team scores",
	  "agree [--levels K] [--format csv|json|table] FILE.csv\n"
	  "       qrel agree [--db FILE] [--site CODE] [--domain N] [--by cluster|site|rater] [--format ...]",
	  cmd_agree },
	{ "risk", "risk ratios and disproportionality flags for the subgroup tables in a CSV file",
	  "risk [--min-cell N] [--min-n N] [--threshold T] [--favourable] [--reference GROUP]\n"
	  "       [--state FILE] [--format csv|json|table] FILE.csv", cmd_risk },
	{ "scores", "list the scores you may see as CSV or JSON",
	  "scores [--db FILE] [--site CODE] [--kind team|self|consensus] [--format csv|json]", cmd_scores },
	{ "score", "set one score (a level, NE or 0 to clear) as a member of the review",
	  "score [--db FILE] --as NAME --site CODE --cluster CODE --level N|NE|0 [--kind K] [--rationale TEXT]\n"
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
	{ "sync", "exchange changes with an offline copy of the review (bundles), list and resolve conflicts",
	  "sync export [--db FILE] [--as NAME] -o BUNDLE --peer NAME | --all\n"
	  "       qrel sync import [--db FILE] [--as NAME] BUNDLE\n"
	  "       qrel sync conflicts [--db FILE] [--all]\n"
	  "       qrel sync resolve [--db FILE] --as LEAD ID --keep local|remote", cmd_sync },
	{ "backup", "copy a database safely while others keep writing", "backup [--db FILE] -o FILE", cmd_backup },
	{ "report", "the review report as HTML, Markdown, CSV or JSON",
	  "report [--db FILE] [--site CODE] [--format html|md|csv|json] [-o FILE] [--quotes N] [--all-years]",
	  cmd_report },
};

const struct command *
cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
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

int
cmd_common_option(struct cmd_common *c, int opt, const char *arg, const char *name)
{
	const struct command *cmd;

	switch (opt) {
	case 'D': c->db = arg; return 1;
	case 'C': c->config = arg; return 1;
	case 'A': c->as = arg; return 1;
	case 'h':
		cmd = cmd_find(name);
		printf("usage: qrel %s\n%s.\nCommon options: --db FILE, --config FILE, --as NAME.\n",
			cmd ? cmd->usage : name, cmd ? cmd->summary : "");
		exit(EXIT_OK);
	default:
		return 0;
	}
}

/* Settings for a command: problems in the file are warnings on stderr. */
static void
load_settings(const struct cmd_common *c, struct settings *s)
{
	struct diags d = { 0 };
	char *path = c->config ? xstrdup(c->config) : settings_config_path();

	settings_default(s);
	settings_load(s, path, c->config != NULL, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "qrel: warning: %s\n", d.msg[i]);
	diag_free(&d);
	free(path);
}

int
cmd_open(const struct cmd_common *c, int flags, struct db **db, int64_t *review)
{
	struct settings s;
	char *path;
	int rc;

	load_settings(c, &s);
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
	load_settings(c, &s);
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
cmd_fail(int rc)
{
	if (rc == QREL_OK)
		return EXIT_OK;
	fflush(stdout); /* what was printed before the failure comes first */
	fprintf(stderr, "qrel: %s\n", error_message());
	return rc == QREL_USAGE ? EXIT_USAGE : EXIT_FAIL;
}

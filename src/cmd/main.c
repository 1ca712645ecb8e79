/* main.c: qrel's entry point: global options, commands, or the interactive screens. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/identity.h"
#include "qrel/privilege.h"
#include "qrel/review.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <term.h>
#include <unistd.h>

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: qrel [--db FILE] [--config FILE] [--as NAME]   open the review screens\n"
		"       qrel --demo                                     open a private copy of the sample review\n"
		"       qrel COMMAND [--help] ...\n"
		"       qrel --help | --version\n\ncommands:\n");
	cmd_list(out);
	fprintf(out, "\nconfiguration keys (%s):\n", "$XDG_CONFIG_HOME/qrel/qrel.ini");
	settings_describe(out);
}

/* The sample review rebuilt from its text sources into the user's data folder. */
static int
build_demo(char **path)
{
	struct diags d = { 0 };
	int rc;

	*path = settings_data_path("demo.db");
	if ((rc = make_parent_dir(*path, 0700)) != QREL_OK)
		return rc;
	rc = review_build_sample(*path, review_datadir(), &d);
	diag_print(&d, stderr);
	diag_free(&d);
	return rc;
}

static bool
locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

static bool
want_color(const struct settings *s)
{
	const char *no = getenv("NO_COLOR");

	/* Whether the terminal has colors is asked once curses starts. */
	return s->color != TRI_NO && !(no && *no);
}

static int
setup_app(struct app *app, const struct settings *s, const char *user, bool explicit_as)
{
	char claimed[sizeof(app->user)];
	struct store_member me;
	int64_t site;
	int rc;

	app->settings = s;
	app->review = store_review_id(app->db);
	if (app->review <= 0)
		return error(QREL_NOTFOUND, "%s holds no review yet (see `qrel init`)", db_path(app->db));
	store_review_title(app->db, app->review, app->review_title, sizeof(app->review_title));
	app->levels = store_levels(app->db, app->review);
	if (!user && store_lead_name(app->db, app->review, app->user, sizeof(app->user)) != QREL_OK)
		user = "demo";
	if (user)
		snprintf(app->user, sizeof(app->user), "%s", user);
	/* The screens are whoever the operating system says, like every command. */
	snprintf(claimed, sizeof(claimed), "%s", app->user);
	if ((rc = identity_resolve(app->db, app->review, claimed, explicit_as, app->user, sizeof(app->user))) != QREL_OK)
		return rc;
	identity_person_set(app->user);
	user = app->user;
	if ((rc = store_member(app->db, app->review, user, 0, &me)) != QREL_OK)
		return rc;
	app->person = me.id;
	snprintf(app->role, sizeof(app->role), "%s", me.role);
	app->home_site = me.site;
	app->readonly = db_readonly(app->db);
	app->utf8 = s->ascii == TRI_YES ? false : s->ascii == TRI_NO ? true : locale_is_utf8();
	app->color = want_color(s);
	site = app->home_site ? app->home_site : store_site_step(app->db, app->review, 0, 1);
	if (site > 0)
		store_site_info(app->db, site, app->site_code, sizeof(app->site_code),
				app->site_name, sizeof(app->site_name));
	app->site = site > 0 ? site : 0;
	return QREL_OK;
}

/* The screens need a terminal at both ends that can place the cursor: without
 * one they spin on input that never comes, or draw on a screen no one sees. */
static int
check_terminal(void)
{
	const char *term = getenv("TERM");
	char *cup;
	int err = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return error(QREL_IO, "the review screens need a terminal on standard input and output; "
			     "scripts use the commands instead (qrel --help lists them)");
	if (!term || !*term || setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return error(QREL_IO, "the terminal type '%s' is not known here: set TERM to your terminal's "
			     "(such as xterm-256color)", term ? term : "");
	cup = tigetstr("cup");
	del_curterm(cur_term);
	if (!cup || cup == (char *)-1)
		return error(QREL_IO, "the terminal type '%s' cannot move the cursor, which the review screens "
			     "need: set TERM to your terminal's (such as xterm-256color)", term);
	return QREL_OK;
}

static int
run_tui(const struct cmd_common *c, bool demo)
{
	struct settings s;
	struct diags d = { 0 };
	struct app app = { 0 };
	char *config = c->config ? xstrdup(c->config) : settings_config_path();
	char *demo_path = NULL;
	const char *user = cmd_user(c);
	int rc, status = EXIT_OK;

	settings_default(&s);
	settings_load(&s, config, c->config != NULL, &d);
	diag_print(&d, stderr);
	if (d.n && !isatty(STDIN_FILENO))
		fprintf(stderr, "qrel: going on with defaults for those keys\n");
	diag_free(&d);
	free(config);
	if (demo && (rc = build_demo(&demo_path)) != QREL_OK)
		goto out;
	rc = cmd_open(&(struct cmd_common){ .db = demo ? demo_path : c->db, .config = c->config },
		      0, &app.db, NULL); /* a mistyped --db must not leave an empty file behind */
	if (rc == QREL_OK && (rc = setup_app(&app, &s, demo && !c->as ? NULL : user, c->as && *c->as)) == QREL_OK &&
	    (rc = check_terminal()) == QREL_OK)
		status = tui_run(&app); /* 128 + signal after a hang-up: the usual shell convention */
out:
	db_close(app.db);
	settings_free(&s);
	free(demo_path);
	return rc == QREL_OK ? status : cmd_fail(rc);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "demo", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	const struct command *cmd;
	bool demo = false;
	int opt;

	privilege_init(); /* before anything reads the environment: see privilege.h */
	identity_init();	/* the real uid and its login, once, before anything else runs */
	cmd_args(argc, argv);
	setlocale(LC_ALL, "");
	/* Numbers in files and exports use '.', whatever the user's locale. */
	setlocale(LC_NUMERIC, "C");
	if (argc > 1 && (cmd = cmd_find(argv[1])))
		return cmd_run(cmd, argc - 1, argv + 1);
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (cmd_common_option(&c, opt, optarg, "qrel"))
			continue;
		if (opt == 'd')
			demo = true;
		else if (opt == 'V')
			return printf("qrel %s\n", PACKAGE_VERSION) < 0;
		else
			return usage(stderr), EXIT_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "qrel: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return run_tui(&c, demo);
}

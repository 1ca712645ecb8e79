/* cmd_hub.c: `qrel hub init|add-review|grant` (the hub's administrator and the review's lead), `qrel portfolio`. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/hub.h"
#include "qrel/settings.h"
#include "qrel/sync.h"

#include <getopt.h>

struct hub_opts {
	struct cmd_common c;
	const char *review, *role, *framework, *format, *hub, *by;
};

static int
hub_options(int argc, char **argv, const char *name, struct hub_opts *o)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "review", required_argument, NULL, 'r' },
		{ "role", required_argument, NULL, 'R' },
		{ "framework", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "hub", required_argument, NULL, 'H' },
		{ "by", required_argument, NULL, 'y' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&o->c, opt, optarg, name))
			continue;
		switch (opt) {
		case 'r': o->review = optarg; break;
		case 'R': o->role = optarg; break;
		case 'f': o->framework = optarg; break;
		case 'F': o->format = optarg; break;
		case 'H': o->hub = optarg; break;
		case 'y': o->by = optarg; break;
		default: return -1;
		}
	}
	return optind;
}

static int
hub_init_cmd(const char *url)
{
	struct pg_conn *pg;
	int from, to, rc;

	if ((rc = hub_connect(url, &pg)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = hub_init(pg, &from, &to)) == QREL_OK) {
		if (from == to)
			printf("the hub is at schema version %d already\n", to);
		else
			printf("the hub is at schema version %d (was %d)\n", to, from);
	}
	hub_close(pg);
	return cmd_fail(rc);
}

/* The lead uploads the review's identity (who else is in it is the lead's to say). */
static int
hub_add_review_cmd(const struct hub_opts *o, const char *url)
{
	struct hub_review_stats st;
	struct gate_actor actor;
	struct pg_conn *pg = NULL;
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&o->c, db, review, &who)) == QREL_OK &&
	    (rc = gate_actor(db, review, who, &actor)) == QREL_OK && strcmp(actor.role, "lead") != 0)
		rc = error(QREL_DENIED, "%s is %s%s: the review's lead puts it on the hub", *who ? who : "nobody",
			   *actor.role ? "a " : "not a member", actor.role);
	if (rc == QREL_OK && (rc = hub_connect(url, &pg)) == QREL_OK &&
	    (rc = hub_add_review(pg, db, review, who, &st)) == QREL_OK)
		printf("the review is on the hub: %lld clusters, %lld sites, %lld people, "
		       "%lld scores and notes with their fieldwork\n", st.clusters, st.sites, st.people, st.rows);
	hub_close(pg);
	db_close(db);
	return cmd_fail(rc);
}

/* The review's uuid: --review, else the local file's. */
static int
review_of(const struct hub_opts *o, char out[64])
{
	struct db *db;
	int64_t review;
	int rc;

	if (o->review) {
		snprintf(out, 64, "%s", o->review);
		return QREL_OK;
	}
	if ((rc = cmd_open(&o->c, DB_READONLY, &db, &review)) != QREL_OK)
		return rc;
	rc = sync_review_uuid(db, review, out);
	db_close(db);
	if (rc != QREL_OK)
		return rc;
	return *out ? QREL_OK : error(QREL_NOTFOUND, "no review in the file");
}

static int
hub_grant_cmd(const struct hub_opts *o, const char *url, const char *name, const char *login)
{
	struct pg_conn *pg;
	char review[64];
	int rc;

	if ((rc = review_of(o, review)) != QREL_OK || (rc = hub_connect(url, &pg)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = hub_grant(pg, review, name, login, o->role)) == QREL_OK)
		printf("hub login %s is %s in review %s, and nobody else there\n", login, name, review);
	hub_close(pg);
	return cmd_fail(rc);
}

int
cmd_hub(int argc, char **argv)
{
	struct hub_opts o = { 0 };
	int first = hub_options(argc, argv, "hub", &o), n = argc - first;
	const char *sub = n > 0 ? argv[first] : "";

	if (first < 0)
		return cmd_usage("hub");
	if (strcmp(sub, "init") == 0 && n == 2)
		return hub_init_cmd(argv[first + 1]);
	if (strcmp(sub, "add-review") == 0 && n == 2)
		return hub_add_review_cmd(&o, argv[first + 1]);
	if (strcmp(sub, "grant") == 0 && n == 4)
		return hub_grant_cmd(&o, argv[first + 1], argv[first + 2], argv[first + 3]);
	return cmd_usage("hub");
}

/* The index of name in names (NULL: the first), -1 when absent. */
static int
choice(const char *name, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!name || strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* `qrel portfolio --hub URL`: this review (--review, or the local file's when
 * there is one) among the others of its framework. */
int
cmd_portfolio(int argc, char **argv)
{
	static const char *const formats[] = { "table", "csv", "json" };
	static const char *const views[] = { "clusters", "years", "groups" };
	struct hub_opts o = { 0 };
	int first = hub_options(argc, argv, "portfolio", &o), fmt = choice(o.format, formats, 3),
	    view = choice(o.by, views, 3), rc;
	struct settings s;
	struct pg_conn *pg;
	char review[64] = "";

	if (first < 0 || first != argc || fmt < 0 || view < 0 || !o.hub)
		return cmd_usage("portfolio");
	if ((o.review || o.c.db) && (rc = review_of(&o, review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = hub_connect(o.hub, &pg)) != QREL_OK)
		return cmd_fail(rc);
	cmd_settings(&o.c, &s);
	rc = hub_portfolio(pg, &(struct hub_portfolio_ask){ o.framework, *review ? review : NULL,
							    (enum hub_view)view, (enum hub_format)fmt, &s }, stdout);
	settings_free(&s);
	hub_close(pg);
	return cmd_fail(rc);
}

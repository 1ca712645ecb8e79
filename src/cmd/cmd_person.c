/* cmd_person.c: `qrel person login NAME LOGIN`: the lead ties a person to a Unix user. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/identity.h"

#include <getopt.h>

/* Once anyone has a login, a process is only the person its login names: a
 * lead without one can no longer act as the lead, nor give themselves one. */
static void
warn_lead_locked_out(struct db *db, int64_t review)
{
	char lead[128];

	if (identity_lead_locked_out(db, review, lead, sizeof(lead)) == 1)
		cmd_error("warning: %s, the lead, has no login while other people have: qrel acts only as the person "
			  "a Unix login names, so no one can act as the lead in this review now (give the lead a login "
			  "first: `qrel person login \"%s\" USER`)", lead, lead);
}

static int
person_login(const struct cmd_common *c, const char *name, const char *login)
{
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(c, db, review, &who)) == QREL_OK &&
	    (rc = identity_set_login(db, review, who, name, strcmp(login, "-") == 0 ? NULL : login)) == QREL_OK) {
		if (strcmp(login, "-") == 0)
			printf("%s has no login now\n", name);
		else
			printf("%s is unix user %s: qrel run by %s acts as %s, and as nobody else\n", name, login, login,
			       name);
		warn_lead_locked_out(db, review);
	}
	db_close(db);
	return cmd_fail(rc);
}

int
cmd_person(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { 0 } };
	struct cmd_common c = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&c, opt, optarg, "person"))
			return cmd_usage("person");
	if (argc - optind != 3 || strcmp(argv[optind], "login") != 0)
		return cmd_usage("person");
	return person_login(&c, argv[optind + 1], argv[optind + 2]);
}

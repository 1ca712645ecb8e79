/* cmd_sync.c: `qrel sync` (export, import, conflicts, resolve), `qrel backup` and the worded `qrel check`. */
#include "qrel/qrel.h"
#include "qrel/backup.h"
#include "qrel/check.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/hub.h"
#include "qrel/outpath.h"
#include "qrel/sync.h"
#include "qrel/text.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#include <getopt.h>

/* ---- qrel backup ---- */

int
cmd_backup(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	struct backup_stats bs;
	const char *out = NULL;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "backup"))
			continue;
		if (opt == 'F')
			outpath_allow_replace(true);
		else if (opt == 'o')
			out = optarg;
		else
			return cmd_usage("backup");
	}
	if (!out || optind != argc)
		return cmd_usage("backup");
	if ((rc = cmd_open(&c, DB_READONLY, &db, NULL)) != QREL_OK)
		return cmd_fail(rc);
	rc = backup_db(db, out, &bs);
	if (rc == QREL_OK)
		printf("backed up %s to %s: %d pages in %d steps (%d restarts for others' writes)\n", db_path(db),
		       out, bs.pages, bs.steps, bs.restarts);
	db_close(db);
	return cmd_fail(rc);
}

/* ---- qrel check ---- */

int
cmd_check_store(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { 0 } };
	struct cmd_common c = { 0 };
	struct check_report r;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&c, opt, optarg, "check"))
			return cmd_usage("check");
	if (optind != argc)
		return cmd_usage("check");
	/* Writable when the file is, so FTS5 can run its own check (an INSERT that changes nothing). */
	if ((rc = cmd_open(&c, 0, &db, NULL)) != QREL_OK)
		return cmd_fail(rc);
	rc = check_store(db, stdout, &r);
	if (rc == QREL_OK)
		printf("%s: ok (schema version %d; %d checks: integrity, references, links, levels, full-text index, "
		       "change log guards, uuids)\n", db_path(db), db_schema_version(db), r.checks);
	db_close(db);
	return cmd_fail(rc);
}

/* ---- qrel sync ---- */

struct sync_opts {
	struct cmd_common c;
	const char *out, *peer;
	const char *keep, *hub;
	bool all;
};

static int
sync_options(int argc, char **argv, const char *name, struct sync_opts *o)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "peer", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "keep", required_argument, NULL, 'k' },
		{ "hub", required_argument, NULL, 'H' },
		{ "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (cmd_common_option(&o->c, opt, optarg, name))
			continue;
		switch (opt) {
		case 'o': o->out = optarg; break;
		case 'p': o->peer = optarg; break;
		case 'a': o->all = true; break;
		case 'k': o->keep = optarg; break;
		case 'H': o->hub = optarg; break;
		case 'F': outpath_allow_replace(true); break;
		default: return -1;
		}
	}
	return optind;
}

static int
sync_export_cmd(const struct sync_opts *o)
{
	struct sync_export_stats es;
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	/* The bundle names its exporter, as whom its rows are applied;
	 * -o is checked before the export writes its copy id. */
	if ((rc = cmd_who(&o->c, db, review, &who)) == QREL_OK && (rc = outpath_check(o->out)) == QREL_OK)
		rc = sync_export(db, review, who, o->out, o->peer, o->all, &es);
	if (rc == QREL_OK)
		printf("wrote %s: %lld notes, %lld scores, %lld subgroup rows, %lld change-log entries "
		       "(%s; %lld bytes, signed with the review's key, MAC %s)\n", o->out, es.notes, es.scores,
		       es.subgroup_rows, es.changes,
		       o->all || !o->peer ? "everything" : "changes since the last export to this peer", es.bytes,
		       es.checksum);
	db_close(db);
	return cmd_fail(rc);
}

static int
sync_import_cmd(const struct sync_opts *o, const char *bundle)
{
	struct sync_import_stats is;
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&o->c, db, review, &who)) == QREL_OK)
		rc = sync_import(db, review, who, bundle, &is);
	if (rc == QREL_OK)
		printf("imported %s: %lld new, %lld updated, %lld unchanged, %lld older ignored, %lld new conflicts, "
		       "%lld change-log entries\n", bundle, is.inserted, is.updated, is.unchanged, is.stale,
		       is.conflicts, is.changes);
	if (rc == QREL_OK && is.conflicts)
		printf("conflicts keep this copy's value until the lead resolves them: qrel sync conflicts\n");
	db_close(db);
	return cmd_fail(rc);
}

/* "2|0|rationale" (score), "growth|0|text" (note), "growth||text" (finding) or
 * "high||[title, text, stakeholders]" (recommendation) as a person reads it. */
static void
show_parts(FILE *fp, const char *entity, const char *value)
{
	const char *p = strchr(value, '|'), *q = p ? strchr(p + 1, '|') : NULL;
	size_t cut;

	if (!q) {
		fprintf(fp, "%s", value);
		return;
	}
	if (strcmp(entity, "score") == 0)
		fprintf(fp, "%s", p[1] == '1' ? "NE" : p == value ? "not rated" : "level ");
	else
		fprintf(fp, "%s", p[1] == '1' ? "deleted, " : "");
	if (strcmp(entity, "score") == 0 && p[1] != '1' && p != value)
		fprintf(fp, "%.*s", (int)(p - value), value);
	else if (strcmp(entity, "score") != 0)	/* a note's valence, a finding's kind, a recommendation's priority */
		fprintf(fp, "%.*s", (int)(p - value), value);
	cut = text_fit(q + 1, 60);
	fprintf(fp, ", \"%.*s%s\"", (int)cut, q + 1, q[1 + cut] ? "..." : "");
}

/* The value with control characters as marks: a note cannot drive the terminal. */
static void
show_value(FILE *fp, const char *entity, const char *value)
{
	char *owned;

	show_parts(fp, entity, text_visible(value, "", &owned));
	free(owned);
}

/* The conflicts listed for one reader: values they may not read are masked (visibility.h). */
struct conflict_list {
	struct db *db;
	struct vis_viewer v;
	int n;
};

static int
print_conflict(void *ctx, const struct sync_conflict_row *c)
{
	struct conflict_list *l = ctx;
	bool shown = visibility_of_entity(l->db, &l->v, c->entity, c->uuid) == VIS_VISIBLE;

	printf("#%lld %s ", c->id, c->entity);
	text_print(stdout, *c->what ? c->what : c->uuid);
	printf("\n    this copy:  ");
	show_value(stdout, c->entity, shown ? c->local : "(hidden until consensus)");
	printf("\n    other copy: ");
	show_value(stdout, c->entity, shown ? c->remote : "(hidden until consensus)");
	printf("\n    detected %s", c->detected_at);
	if (c->resolved_at)
		printf(", resolved %s (%s)", c->resolved_at, c->resolution ? c->resolution : "");
	putchar('\n');
	l->n++;
	return 0;
}

static int
sync_conflicts_cmd(const struct sync_opts *o)
{
	struct conflict_list l = { 0 };
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	l.db = db;
	if ((rc = visibility_viewer(db, review, cmd_user(&o->c), &l.v)) == QREL_OK)
		rc = sync_conflict_each(db, review, o->all, print_conflict, &l);
	if (rc == QREL_OK && l.n == 0)
		printf("no %sconflicts\n", o->all ? "" : "open ");
	db_close(db);
	return cmd_fail(rc);
}

static int
sync_resolve_cmd(const struct sync_opts *o, const char *id_text)
{
	bool remote = o->keep && strcmp(o->keep, "remote") == 0;
	const char *who;
	struct db *db;
	int64_t review;
	long id;
	int rc;

	if (!o->keep || (!remote && strcmp(o->keep, "local") != 0) || !str_to_long(id_text + (*id_text == '#'), &id))
		return cmd_usage("sync");
	if ((rc = cmd_open(&o->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&o->c, db, review, &who)) == QREL_OK)
		rc = sync_resolve(db, review, who, id, remote);
	if (rc == QREL_OK)
		printf("conflict #%ld resolved: kept %s value; it goes to the other copies with the next export\n",
		       id, remote ? "the other copy's" : "this copy's");
	db_close(db);
	return cmd_fail(rc);
}

/* `qrel sync push|pull --hub URL`: the same changes as a bundle, through the hub. */
static int
sync_hub_cmd(const struct sync_opts *o, bool push)
{
	struct hub_sync_stats st;
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&o->c, db, review, &who)) == QREL_OK)
		rc = push ? hub_push(db, review, who, o->hub, stderr, &st) : hub_pull(db, review, who, o->hub, stderr, &st);
	if (rc == QREL_OK && push)
		printf("pushed %lld rows: %lld new, %lld updated, %lld unchanged, %lld older ignored, %lld new conflicts "
		       "(kept on the hub for the lead), %lld not yours to see\n", st.sent, st.inserted, st.updated,
		       st.unchanged, st.stale, st.conflicts, st.hidden);
	if (rc == QREL_OK && !push)
		printf("pulled %lld rows in %lld bundles: %lld new, %lld updated, %lld unchanged, %lld older ignored, "
		       "%lld new conflicts, %lld no longer yours to see forgotten\n", st.received, st.bundles, st.inserted,
		       st.updated, st.unchanged, st.stale, st.conflicts, st.forgotten);
	if (rc == QREL_OK && !push && st.conflicts)
		printf("conflicts keep this copy's value until the lead resolves them: qrel sync conflicts\n");
	db_close(db);
	return cmd_fail(rc);
}

int
cmd_sync(int argc, char **argv)
{
	struct sync_opts o;
	const char *sub = argc > 1 ? argv[1] : "";
	int first = argc > 1 ? sync_options(argc - 1, argv + 1, "sync", &o) : -1;
	int rest = first < 0 ? -1 : argc - 1 - first;
	char **args = argv + 1 + (first < 0 ? 0 : first);

	if (first < 0)
		return cmd_usage("sync");
	if (strcmp(sub, "export") == 0 && o.out && rest == 0 && (o.peer || o.all))
		return sync_export_cmd(&o);
	if (strcmp(sub, "import") == 0 && rest == 1)
		return sync_import_cmd(&o, args[0]);
	if ((strcmp(sub, "push") == 0 || strcmp(sub, "pull") == 0) && o.hub && rest == 0)
		return sync_hub_cmd(&o, sub[1] == 'u' && sub[2] == 's');
	if (strcmp(sub, "conflicts") == 0 && rest == 0)
		return sync_conflicts_cmd(&o);
	if (strcmp(sub, "resolve") == 0 && rest == 1)
		return sync_resolve_cmd(&o, args[0]);
	return cmd_usage("sync");
}

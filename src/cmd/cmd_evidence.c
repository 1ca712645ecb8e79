/* cmd_evidence.c: `qrel evidence add|list|delete|restore` and `qrel activity add|list`. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/output.h"
#include "qrel/schedule.h"
#include "qrel/visibility.h"

#include <getopt.h>

#define PAGE_ROWS 200

enum format { FMT_CSV, FMT_JSON };

/* RFC 4180: quoted when the field holds a comma, a quote or a line break. */
/* Fields as name/value pairs: CSV writes the values, JSON an object. */
static void
print_record(FILE *fp, enum format fmt, const char *const *names, const char *const *values, size_t n,
	     bool first)
{
	if (fmt == FMT_CSV) {
		for (size_t i = 0; i < n; i++)
			out_csv_field(fp, values[i], i + 1 == n);
		return;
	}
	fputs(first ? "\n  {" : ",\n  {", fp);
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "%s\"%s\": ", i ? ", " : "", names[i]);
		out_json_string(fp, values[i]);
	}
	fputc('}', fp);
}

static int
parse_format(const char *s, enum format *fmt)
{
	if (strcmp(s, "csv") != 0 && strcmp(s, "json") != 0)
		return error(QREL_USAGE, "--format is csv or json, not '%s'", s);
	*fmt = strcmp(s, "json") == 0 ? FMT_JSON : FMT_CSV;
	return QREL_OK;
}

/* ---- evidence list ---- */

static const char *const note_names[] = { "id", "created_at", "site", "source", "author", "valence",
	"clusters", "text", "groups" };

/* groups: the stakeholder groups the note carries (its own, else its activity's). */
static void
print_note(FILE *fp, enum format fmt, const struct evidence_note *r, const char *groups, bool first)
{
	const char *v[] = { r->uuid, r->created_at, r->site_code, r->source, r->author, r->valence,
		r->clusters, r->text, groups };

	print_record(fp, fmt, note_names, v, ARRAY_SIZE(v), first);
}

static int
print_notes(struct db *db, int64_t review, const struct evidence_filter *f, enum format fmt)
{
	struct evidence_note *rows = calloc(PAGE_ROWS, sizeof(*rows));
	struct evidence_cursor cur = { 0 };
	long long total = 0;
	int n = 0, rc = QREL_OK;

	if (!rows)
		return error(QREL_NOMEM, "out of memory");
	if (fmt == FMT_CSV)
		out_csv_start(stdout);
	if (fmt == FMT_CSV)
		fputs("id,created_at,site,source,author,valence,clusters,text,groups\n", stdout);
	else
		fputc('[', stdout);
	do {
		if ((rc = evidence_page(db, review, f, &cur, PAGE_ROWS, rows, &n)) != QREL_OK)
			break;
		for (int i = 0; i < n && rc == QREL_OK; i++) {
			char groups[VOICE_LIST_MAX];
			bool own;

			if ((rc = voice_note_carries(db, rows[i].id, groups, sizeof(groups), &own)) == QREL_OK)
				print_note(stdout, fmt, &rows[i], groups, total++ == 0);
		}
		if (n)
			evidence_cursor_of(&rows[n - 1], &cur);
		evidence_notes_free(rows, n);
	} while (n == PAGE_ROWS && rc == QREL_OK);
	free(rows);
	if (fmt == FMT_JSON)
		fputs(total ? "\n]\n" : "]\n", stdout);
	if (rc == QREL_OK && (fflush(stdout) != 0 || ferror(stdout)))
		rc = error(QREL_IO, "writing the notes: %s", strerror(errno));
	return rc;
}

struct list_args {
	struct cmd_common c;
	const char *field[16], *value[16];
	int n;
	enum format fmt;
	bool relevance;		/* --order relevance: a search's best match first */
};

static int
list_run(struct list_args *a)
{
	struct evidence_filter f = { 0 };
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&a->c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&a->c, db, review, &who)) == QREL_OK)
		rc = evidence_filter_viewer(db, review, who, &f);
	for (int i = 0; i < a->n && rc == QREL_OK; i++)
		rc = evidence_filter_set(db, review, &f, a->field[i], a->value[i]);
	f.by_relevance = a->relevance;
	if (rc == QREL_OK)
		rc = print_notes(db, review, &f, a->fmt);
	db_close(db);
	return cmd_fail(rc);
}

static int
evidence_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 1 }, { "cluster", required_argument, NULL, 1 },
		{ "domain", required_argument, NULL, 1 }, { "source", required_argument, NULL, 1 },
		{ "author", required_argument, NULL, 1 }, { "valence", required_argument, NULL, 1 },
		{ "subgroup", required_argument, NULL, 1 }, { "from", required_argument, NULL, 1 },
		{ "to", required_argument, NULL, 1 }, { "activity", required_argument, NULL, 1 },
		{ "search", required_argument, NULL, 1 }, { "format", required_argument, NULL, 'f' },
		{ "order", required_argument, NULL, 'o' },
		{ 0 },
	};
	struct list_args a = { .fmt = FMT_CSV };
	int opt, idx;

	while ((opt = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		if (cmd_common_option(&a.c, opt, optarg, "evidence"))
			continue;
		if (opt == 'f' && parse_format(optarg, &a.fmt) != QREL_OK)
			return cmd_fail(QREL_USAGE);
		if (opt == 'o' && strcmp(optarg, "latest") != 0 && strcmp(optarg, "relevance") != 0)
			return cmd_fail(error(QREL_USAGE, "--order is latest or relevance, not '%s'", optarg));
		if (opt == 'o')
			a.relevance = optarg[0] == 'r';
		if (opt == 1 && a.n < (int)ARRAY_SIZE(a.field)) {
			a.field[a.n] = longopts[idx].name;
			a.value[a.n++] = optarg;
		} else if (opt != 'f' && opt != 'o') {
			return cmd_usage("evidence");
		}
	}
	if (optind != argc)
		return cmd_usage("evidence");
	return list_run(&a);
}

/* ---- evidence add ---- */

struct add_args {
	struct cmd_common c;
	const char *site, *source, *clusters, *valence, *activity, *text, *voices;
	const char *subgroup[EVIDENCE_MAX_SUBGROUPS];
	size_t nsubgroups;
};

/* Standard input whole, refused (not cut) past CMD_TEXT_MAX; trailing line breaks dropped. */
static char *
read_stdin(void)
{
	size_t n = 0, k;
	char *buf = malloc(CMD_TEXT_MAX + 2);

	if (!buf) {
		error(QREL_NOMEM, "out of memory");
		return NULL;
	}
	while (n <= CMD_TEXT_MAX && (k = fread(buf + n, 1, CMD_TEXT_MAX + 1 - n, stdin)) > 0)
		n += k;
	if (cmd_check_text("standard input", buf, n, CMD_TEXT_MAX) != QREL_OK) {
		free(buf);
		return NULL;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* "1.1,2.3" (or ';') into cluster ids. */
static int
parse_clusters(struct db *db, int64_t review, const char *list, struct note_input *in)
{
	char *copy = xstrdup(list ? list : ""), *save = NULL;
	int rc = QREL_OK;

	for (char *t = strtok_r(copy, ",;", &save); t && rc == QREL_OK; t = strtok_r(NULL, ",;", &save)) {
		int64_t id;

		t = str_trim(t);
		if (!*t)
			continue;
		if (in->nclusters == EVIDENCE_MAX_CLUSTERS)
			rc = error(QREL_USAGE, "at most %d clusters", EVIDENCE_MAX_CLUSTERS);
		else if ((id = store_cluster_id(db, review, t)) <= 0)
			rc = id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no cluster '%s' in this review", t);
		else
			in->cluster[in->nclusters++] = id;
	}
	free(copy);
	return rc;
}

/* --activity fills the site and source when they are not given. */
static int
fill_from_activity(struct db *db, int64_t review, const struct add_args *a, struct note_input *in)
{
	struct activity_row act;
	int64_t id;
	int rc;

	if (!a->activity)
		return QREL_OK;
	if ((id = activity_find(db, review, a->activity)) <= 0)
		return id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no activity '%s' in this review", a->activity);
	if ((rc = activity_get(db, review, id, &act)) != QREL_OK)
		return rc;
	in->activity = id;
	if (!in->site)
		in->site = act.site;
	if (!in->source) {
		static char source[24];

		str_copy(source, sizeof(source), act.source);
		in->source = source;
	}
	return QREL_OK;
}

static int
fill_subgroups(const struct add_args *a, struct note_input *in, char **owned)
{
	for (size_t i = 0; i < a->nsubgroups; i++) {
		char *colon;

		owned[i] = xstrdup(a->subgroup[i]);
		if (!(colon = strchr(owned[i], ':')))
			return error(QREL_USAGE, "--subgroup is DIMENSION:GROUP, not '%s'", a->subgroup[i]);
		*colon = '\0';
		in->dimension[in->nsubgroups] = str_trim(owned[i]);
		in->group[in->nsubgroups++] = str_trim(colon + 1);
	}
	return QREL_OK;
}

static int
build_note(struct db *db, int64_t review, const struct add_args *a, struct note_input *in, char **owned)
{
	int64_t site;
	int rc;

	if (a->site) {
		if ((site = store_site_id(db, review, a->site)) <= 0)
			return site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
		in->site = site;
	}
	in->source = a->source;
	in->valence = a->valence;
	in->text = a->text;
	in->voices = a->voices;
	if ((rc = fill_from_activity(db, review, a, in)) != QREL_OK ||
	    (rc = parse_clusters(db, review, a->clusters, in)) != QREL_OK ||
	    (rc = fill_subgroups(a, in, owned)) != QREL_OK)
		return rc;
	if (!in->site || !in->source)
		return error(QREL_USAGE, "a note needs --site and --source (or an --activity)");
	return QREL_OK;
}

static int
add_run(struct add_args *a)
{
	struct note_input in = { 0 };
	char *owned[EVIDENCE_MAX_SUBGROUPS] = { 0 };
	const char *who;
	struct db *db;
	int64_t review, id = 0;
	int rc;

	if ((rc = cmd_open(&a->c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = build_note(db, review, a, &in, owned)) == QREL_OK &&
	    (rc = cmd_who(&a->c, db, review, &who)) == QREL_OK &&
	    (rc = evidence_add(db, review, who, &in, &id)) == QREL_OK) {
		struct evidence_note r;

		if (evidence_get(db, review, id, &r) == QREL_OK) {
			printf("added note %lld (%s)\n", (long long)id, r.uuid);
			free(r.text);
		}
	}
	for (size_t i = 0; i < EVIDENCE_MAX_SUBGROUPS; i++)
		free(owned[i]);
	db_close(db);
	return cmd_fail(rc);
}

static int
add_option(struct add_args *a, int opt, const char *arg)
{
	switch (opt) {
	case 's': a->site = arg; break;
	case 'o': a->source = arg; break;
	case 'c': a->clusters = arg; break;
	case 'v': a->valence = arg; break;
	case 'a': a->activity = arg; break;
	case 'G': a->voices = arg; break;
	case 'g':
		if (a->nsubgroups == EVIDENCE_MAX_SUBGROUPS)
			return 0;
		a->subgroup[a->nsubgroups++] = arg;
		break;
	default: return 0;
	}
	return 1;
}

static int
evidence_add_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' }, { "source", required_argument, NULL, 'o' },
		{ "cluster", required_argument, NULL, 'c' }, { "valence", required_argument, NULL, 'v' },
		{ "activity", required_argument, NULL, 'a' }, { "subgroup", required_argument, NULL, 'g' },
		{ "groups", required_argument, NULL, 'G' },
		{ 0 },
	};
	struct add_args a = { 0 };
	char *stdin_text = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&a.c, opt, optarg, "evidence") && !add_option(&a, opt, optarg))
			return cmd_usage("evidence");
	if (argc - optind != 1 || !a.clusters)
		return cmd_usage("evidence");
	a.text = argv[optind];
	if (strcmp(a.text, "-") == 0 && !(a.text = stdin_text = read_stdin()))
		return cmd_fail(QREL_USAGE);
	if (!stdin_text && (rc = cmd_check_text("the note's text", a.text, strlen(a.text), CMD_TEXT_MAX)) != QREL_OK)
		return cmd_fail(rc);
	rc = add_run(&a);
	free(stdin_text);
	return rc;
}

/* ---- evidence delete / restore ---- */

static int
evidence_delete_cmd(int argc, char **argv, bool restore)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { 0 } };
	struct cmd_common c = { 0 };
	const char *who;
	struct db *db;
	int64_t review, id;
	long v;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&c, opt, optarg, "evidence"))
			return cmd_usage("evidence");
	if (argc - optind != 1 || !str_to_long(argv[optind], &v) || v <= 0)
		return cmd_usage("evidence");
	id = v;
	if ((rc = cmd_open(&c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&c, db, review, &who)) == QREL_OK)
		rc = restore ? evidence_undelete(db, review, who, id) : evidence_delete(db, review, who, id);
	if (rc == QREL_OK)
		printf("%s note %lld\n", restore ? "restored" : "deleted", (long long)id);
	db_close(db);
	return cmd_fail(rc);
}

int
cmd_evidence(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return evidence_add_cmd(argc - 1, cmd_verb_argv(argv));
	if (!strcmp(sub, "list"))
		return evidence_list(argc - 1, cmd_verb_argv(argv));
	if (!strcmp(sub, "delete") || !strcmp(sub, "restore"))
		return evidence_delete_cmd(argc - 1, cmd_verb_argv(argv), sub[0] == 'r');
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		printf("usage: qrel evidence add|list|delete|restore ...\n");
		return EXIT_OK;
	}
	return cmd_usage("evidence");
}

/* ---- activities ---- */

static const char *const activity_names[] = { "id", "site", "source", "held_at", "description",
	"facilitator", "notes", "status", "reviewers", "groups", "participants", "language", "interpreter" };

/* The activities who may read: they follow the rule for notes (visibility.h). */
static int
print_activities(struct db *db, int64_t review, const char *who, int64_t site, enum format fmt)
{
	struct activity_row *rows;
	struct vis_viewer v;
	int n, rc, shown = 0;

	if ((rc = visibility_viewer(db, review, who, &v)) != QREL_OK ||
	    (rc = activity_list(db, review, site, &rows, &n)) != QREL_OK)
		return rc;
	if (fmt == FMT_CSV)
		out_csv_start(stdout);
	if (fmt == FMT_CSV)
		fputs("id,site,source,held_at,description,facilitator,notes,status,reviewers,groups,participants,"
		      "language,interpreter\n", stdout);
	else
		fputc('[', stdout);
	for (int i = 0; i < n; i++) {
		struct vis_at at = { rows[i].site, 0, rows[i].facilitator };
		struct voice_activity va;
		char notes[16], people[16];
		const char *f[] = { rows[i].uuid, rows[i].site_code, rows[i].source, rows[i].held_at,
			rows[i].description, rows[i].facilitator_name, notes, rows[i].status, rows[i].reviewers,
			va.groups, people, va.language, "" };

		if (!visibility_sees(db, &v, VIS_NOTE, &at))
			continue;
		if ((rc = voice_activity_get(db, rows[i].id, &va)) != QREL_OK)
			break;
		snprintf(notes, sizeof(notes), "%d", rows[i].notes);
		snprintf(people, sizeof(people), "%d", va.participants);
		if (!va.participants)
			people[0] = '\0';
		f[12] = va.interpreter ? "yes" : "no";
		print_record(stdout, fmt, activity_names, f, ARRAY_SIZE(f), shown++ == 0);
	}
	if (fmt == FMT_JSON)
		fputs(shown ? "\n]\n" : "]\n", stdout);
	free(rows);
	if (rc != QREL_OK)
		return rc;
	return fflush(stdout) == 0 ? QREL_OK : error(QREL_IO, "writing activities: %s", strerror(errno));
}

struct activity_args {
	struct cmd_common c;
	const char *site, *source, *at, *facilitator, *description, *reviewers;
	bool plan;		/* `activity plan`: added as planned */
	struct voice_input voice;
	enum format fmt;
};

static int
activity_input_of(struct db *db, int64_t review, const struct activity_args *a, struct activity_input *in)
{
	int64_t id;
	int rc;

	if ((id = store_site_id(db, review, a->site ? a->site : "")) <= 0)
		return id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", a->site ? a->site : "");
	in->site = id;
	in->source = a->source;
	in->held_at = a->at;
	in->description = a->description;
	in->status = a->plan ? "planned" : NULL;
	in->reviewers = a->reviewers;
	in->voice = a->voice;
	if (a->reviewers && (rc = schedule_check_reviewers(db, review, a->reviewers)) != QREL_OK)
		return rc;
	if (a->facilitator && (in->facilitator = store_person_id(db, review, a->facilitator)) <= 0)
		return in->facilitator < 0 ? QREL_DB : error(QREL_NOTFOUND, "no member '%s'", a->facilitator);
	return QREL_OK;
}

static int
activity_run(struct activity_args *a, bool add)
{
	struct activity_input in = { 0 };
	const char *who;
	struct db *db;
	int64_t review, id, site = 0;
	int rc;

	if ((rc = cmd_open(&a->c, add ? 0 : DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if (add && (rc = activity_input_of(db, review, a, &in)) == QREL_OK &&
	    (rc = cmd_who(&a->c, db, review, &who)) == QREL_OK &&
	    (rc = activity_add(db, review, who, &in, &id)) == QREL_OK)
		printf("%s activity %lld\n", a->plan ? "planned" : "added", (long long)id);
	if (!add && a->site && (site = store_site_id(db, review, a->site)) <= 0)
		rc = site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
	if (!add && rc == QREL_OK)
		rc = print_activities(db, review, cmd_user(&a->c), site, a->fmt);
	db_close(db);
	return cmd_fail(rc);
}

/* `qrel activity done ID`. */
static int
activity_done_cmd(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { 0 } };
	struct cmd_common c = { 0 };
	const char *who;
	struct db *db;
	int64_t review, id;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&c, opt, optarg, "activity"))
			return cmd_usage("activity");
	if (argc - optind != 1)
		return cmd_usage("activity");
	if ((rc = cmd_open(&c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((id = activity_find(db, review, argv[optind])) <= 0)
		rc = id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no activity '%s' in this review", argv[optind]);
	if (rc == QREL_OK && (rc = cmd_who(&c, db, review, &who)) == QREL_OK &&
	    (rc = schedule_done(db, review, who, id)) == QREL_OK)
		printf("activity %lld done\n", (long long)id);
	db_close(db);
	return cmd_fail(rc);
}

static bool
participants_of(const char *s, int *n)
{
	long v;

	if (!str_to_long(s, &v) || v < 1 || v > 100000) {
		error(QREL_USAGE, "--participants is a whole number from 1, not '%s'", s);
		return false;
	}
	*n = (int)v;
	return true;
}

int
cmd_activity(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' }, { "source", required_argument, NULL, 'o' },
		{ "at", required_argument, NULL, 't' }, { "facilitator", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' }, { "reviewers", required_argument, NULL, 'r' },
		{ "groups", required_argument, NULL, 'g' },
		{ "participants", required_argument, NULL, 'n' }, { "language", required_argument, NULL, 'l' },
		{ "interpreter", no_argument, NULL, 'i' },
		{ 0 },
	};
	struct activity_args a = { .fmt = FMT_CSV };
	const char *sub = argc > 1 ? argv[1] : "";
	bool add = strcmp(sub, "add") == 0 || strcmp(sub, "plan") == 0;
	int opt;

	if (strcmp(sub, "done") == 0)
		return activity_done_cmd(argc - 1, cmd_verb_argv(argv));
	if (!add && strcmp(sub, "list") != 0)
		return cmd_usage("activity");
	a.plan = strcmp(sub, "plan") == 0;
	argv = cmd_verb_argv(argv);
	while ((opt = getopt_long(argc - 1, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&a.c, opt, optarg, "activity"))
			continue;
		switch (opt) {
		case 's': a.site = optarg; break;
		case 'o': a.source = optarg; break;
		case 't': a.at = optarg; break;
		case 'p': a.facilitator = optarg; break;
		case 'r': a.reviewers = optarg; break;
		case 'g': a.voice.groups = optarg; break;
		case 'l': a.voice.language = optarg; break;
		case 'i': a.voice.interpreter = 1; break;
		case 'n':
			if (!participants_of(optarg, &a.voice.participants))
				return cmd_fail(QREL_USAGE);
			break;
		case 'f':
			if (parse_format(optarg, &a.fmt) != QREL_OK)
				return cmd_fail(QREL_USAGE);
			break;
		default: return cmd_usage("activity");
		}
	}
	if (add && argc - 1 - optind != 1)
		return cmd_usage("activity");
	if (!add && argc - 1 != optind)
		return cmd_usage("activity");
	a.description = add ? argv[optind] : NULL;
	if (add && cmd_check_text("the description", a.description, strlen(a.description), CMD_OPTION_MAX) != QREL_OK)
		return cmd_fail(QREL_USAGE);
	return activity_run(&a, add);
}

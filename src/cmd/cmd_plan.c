/* cmd_plan.c: `qrel plan` prints the action plan; `plan steps` lists its steps; add-objective, add-cause, add-step and set-status write it for scripts and tests. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/plan.h"
#include "qrel/report.h"
#include "qrel/risk.h"
#include "qrel/store.h"
#include "qrel/output.h"
#include "qrel/visibility.h"

#include <getopt.h>

enum format { FMT_CSV, FMT_JSON, FMT_MD };

/* ---- output helpers ---- */

/* RFC 4180: quoted only when the field holds a comma, a quote or a line break. */
static void
csv_row(FILE *fp, const char *const *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_csv_field(fp, f[i] ? f[i] : "", i + 1 == n);
}

/* "key": "value" with a leading comma unless first. */
static void
json_pair(FILE *fp, const char *key, const char *value, bool first)
{
	fprintf(fp, "%s\"%s\": ", first ? "" : ", ", key);
	out_json_string(fp, value);
}

static int
parse_format(const char *s, bool md_ok, enum format *fmt)
{
	if (strcmp(s, "csv") == 0)
		*fmt = FMT_CSV;
	else if (strcmp(s, "json") == 0)
		*fmt = FMT_JSON;
	else if (md_ok && strcmp(s, "md") == 0)
		*fmt = FMT_MD;
	else
		return error(QREL_USAGE, "--format is csv, json%s, not '%s'", md_ok ? " or md" : "", s);
	return QREL_OK;
}

static int
flushed(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return error(QREL_IO, "writing the plan: %s", strerror(errno));
	return QREL_OK;
}

/* ---- qrel plan: the whole plan ---- */

static const char *const plan_columns[] = {
	"objective", "scope", "kind", "text", "lead", "start", "due", "status", "baseline", "target", "latest",
};

static void
csv_objective(FILE *fp, const struct plan_objective *o)
{
	char pos[16], toa[1200];
	const char *head[] = { pos, o->scope, "objective", o->title, "", "", "", "", "", "", "" };

	snprintf(pos, sizeof(pos), "%d", o->position);
	snprintf(toa, sizeof(toa), "If %s, then %s", o->theory_if, o->theory_then);
	csv_row(fp, head, ARRAY_SIZE(head));
	if (*o->theory_if || *o->theory_then)
		csv_row(fp, (const char *const[]){ pos, o->scope, "theory", toa, "", "", "", "", "", "", "" }, 11);
	if (*o->stakeholders)
		csv_row(fp, (const char *const[]){ pos, o->scope, "stakeholders", o->stakeholders, "", "", "", "", "", "", "" }, 11);
	for (int c = 0; c < o->ncauses; c++) {
		csv_row(fp, (const char *const[]){ pos, o->scope, "cause", o->cause[c].text, "", "", "", "", "", "", "" }, 11);
		for (int l = 0; l < o->cause[c].nlinks; l++)
			csv_row(fp, (const char *const[]){ pos, o->scope, "evidence", o->cause[c].link[l].label,
							   "", "", "", "", "", "", "" }, 11);
	}
	for (int m = 0; m < o->nmetrics; m++) {
		char b[64], t[64], l[64];

		plan_metric_cells(&o->metric[m], b, t, l, sizeof(b));
		csv_row(fp, (const char *const[]){ pos, o->scope, "metric", o->metric[m].label, "", "", "", "", b, t, l }, 11);
	}
	for (int s = 0; s < o->nsteps; s++) {
		const struct plan_step *st = &o->step[s];

		csv_row(fp, (const char *const[]){ pos, o->scope, "step", st->description, st->lead, st->starts, st->due,
						   plan_status_name(st->status), "", "", "" }, 11);
	}
}

/* A rate as a JSON number, or null when there is none to show. */
static void
json_rate(FILE *fp, const char *key, const struct plan_rate *r)
{
	fprintf(fp, ", \"%s\": ", key);
	if (r->defined && !r->hidden)
		fprintf(fp, "%.4f", r->value);
	else
		fputs("null", fp);
	fprintf(fp, ", \"%s_year\": ", key);
	out_json_string(fp, r->defined ? r->year : "");
	fprintf(fp, ", \"%s_suppressed\": %s", key, r->hidden ? "true" : "false");
}

static void
json_metric(FILE *fp, const struct plan_metric *m, bool first)
{
	fprintf(fp, "%s\n      {", first ? "" : ",");
	json_pair(fp, "measure", m->label, true);
	json_pair(fp, "kind", m->is_cluster ? "rubric" : "subgroup", false);
	if (m->is_cluster) {
		fprintf(fp, ", \"baseline_level\": %d, \"target_level\": %d, \"latest_level\": %d", m->baseline_level,
			m->target_level, m->latest_level);
	} else {
		json_rate(fp, "baseline", &m->baseline);
		fprintf(fp, ", \"target\": %.4f", m->target);
		json_rate(fp, "latest", &m->latest);
	}
	fputc('}', fp);
}

static void
json_step(FILE *fp, const struct plan_step *s, bool first, const char *indent)
{
	fprintf(fp, "%s\n%s{\"id\": %lld", first ? "" : ",", indent, (long long)s->id);
	json_pair(fp, "objective", s->objective_title, false);
	json_pair(fp, "step", s->description, false);
	json_pair(fp, "lead", s->lead, false);
	json_pair(fp, "resources", s->resources, false);
	json_pair(fp, "start", s->starts, false);
	json_pair(fp, "due", s->due, false);
	json_pair(fp, "status", plan_status_name(s->status), false);
	fprintf(fp, ", \"overdue\": %s}", s->overdue ? "true" : "false");
}

static void
json_causes(FILE *fp, const struct plan_objective *o)
{
	fputs(", \"causes\": [", fp);
	for (int c = 0; c < o->ncauses; c++) {
		fprintf(fp, "%s\n      {", c ? "," : "");
		json_pair(fp, "cause", o->cause[c].text, true);
		fputs(", \"rests_on\": [", fp);
		for (int l = 0; l < o->cause[c].nlinks; l++) {
			fputs(l ? ", " : "", fp);
			out_json_string(fp, o->cause[c].link[l].label);
		}
		fputs("]}", fp);
	}
	fputs(o->ncauses ? "\n    ]" : "]", fp);
}

static void
json_objective(FILE *fp, const struct plan_objective *o, bool first)
{
	fprintf(fp, "%s\n  {\"position\": %d", first ? "" : ",", o->position);
	json_pair(fp, "scope", o->scope, false);
	json_pair(fp, "title", o->title, false);
	json_pair(fp, "if", o->theory_if, false);
	json_pair(fp, "then", o->theory_then, false);
	json_pair(fp, "stakeholders", o->stakeholders, false);
	json_causes(fp, o);
	fputs(", \"metrics\": [", fp);
	for (int m = 0; m < o->nmetrics; m++)
		json_metric(fp, &o->metric[m], m == 0);
	fputs(o->nmetrics ? "\n    ]" : "]", fp);
	fprintf(fp, ", \"steps_done\": %d, \"steps_total\": %d, \"steps\": [", o->steps_done, o->steps_live);
	for (int s = 0; s < o->nsteps; s++)
		json_step(fp, &o->step[s], s == 0, "      ");
	fputs(o->nsteps ? "\n    ]}" : "]}", fp);
}

static int
print_plan(struct db *db, int64_t review, enum format fmt)
{
	struct plan_doc d;
	int rc;

	if ((rc = plan_load(db, review, RISK_DEFAULT_DISPLAY_MIN, &d)) != QREL_OK)
		return rc;
	if (fmt == FMT_MD) {
		rc = report_plan_md(&d, stdout);
		plan_doc_free(&d);
		return rc;
	}
	if (fmt == FMT_CSV) {
		out_csv_start(stdout);
		csv_row(stdout, plan_columns, ARRAY_SIZE(plan_columns));
	}
	else
		fputc('[', stdout);
	for (int i = 0; i < d.n; i++) {
		if (fmt == FMT_CSV)
			csv_objective(stdout, &d.obj[i]);
		else
			json_objective(stdout, &d.obj[i], i == 0);
	}
	if (fmt == FMT_JSON)
		fputs(d.n ? "\n]\n" : "]\n", stdout);
	plan_doc_free(&d);
	return flushed();
}

/* ---- qrel plan steps ---- */

#define STEP_PAGE 256

static void
csv_step(const struct plan_step *s)
{
	const char *f[] = { s->objective_title, s->description, s->lead, s->starts, s->due,
			    plan_status_name(s->status) };

	csv_row(stdout, f, ARRAY_SIZE(f));
}

/* Pages through the steps so a long plan is never held whole. */
/* The plan covers every site: only a reader of every site's plan reads it (visibility.h). */
static int
plan_readable(struct db *db, int64_t review, const char *who)
{
	struct vis_viewer v;
	int rc = visibility_viewer(db, review, who, &v);

	if (rc == QREL_OK && !visibility_sees_everywhere(db, &v, VIS_PLAN))
		rc = error(QREL_DENIED, "the action plan is not released to %s", who);
	return rc;
}

static int
print_steps(struct db *db, int64_t review, const struct plan_step_filter *f, enum format fmt)
{
	struct plan_step *page = calloc(STEP_PAGE, sizeof(*page));
	int n = 0, offset = 0, rc = QREL_OK;

	if (!page)
		return error(QREL_NOMEM, "out of memory");
	if (fmt == FMT_CSV)
		out_csv_start(stdout);
	fputs(fmt == FMT_CSV ? "objective,step,lead,start,due,status\n" : "[", stdout);
	do {
		if ((rc = plan_steps_page(db, review, f, PLAN_SORT_DUE, offset, STEP_PAGE, page, &n)) != QREL_OK)
			break;
		for (int i = 0; i < n; i++) {
			if (fmt == FMT_CSV)
				csv_step(&page[i]);
			else
				json_step(stdout, &page[i], offset + i == 0, "  ");
		}
		offset += n;
	} while (n == STEP_PAGE);
	if (fmt == FMT_JSON)
		fputs(offset ? "\n]\n" : "]\n", stdout);
	free(page);
	return rc == QREL_OK ? flushed() : rc;
}

static int
cmd_steps(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "lead", required_argument, NULL, 'l' },
		{ "overdue", no_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	struct plan_step_filter f = { 0 };
	enum format fmt = FMT_CSV;
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "plan"))
			continue;
		if (opt == 'l')
			f.lead = optarg;
		else if (opt == 'o')
			f.overdue = true;
		else if (opt != 'f' || parse_format(optarg, false, &fmt) != QREL_OK)
			return opt == 'f' ? cmd_fail(QREL_USAGE) : cmd_usage("plan");
	}
	if (optind != argc)
		return cmd_usage("plan");
	if ((rc = cmd_open(&c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if (f.lead && store_person_id(db, review, f.lead) <= 0)
		rc = error(QREL_NOTFOUND, "no person named '%s' in this review", f.lead);
	else if ((rc = plan_readable(db, review, cmd_user(&c))) == QREL_OK)
		rc = print_steps(db, review, &f, fmt);
	db_close(db);
	return cmd_fail(rc);
}

/* ---- write commands ---- */

struct write_args {
	const char *title, *theory_if, *theory_then, *stakeholders, *site;
	const char *from_subgroup, *from_cluster, *subgroup, *text, *step, *lead, *start, *due, *resources;
	const char *status, *note;
	long objective, from_note, step_id, note_id;
};

static int
parse_id(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (!*s || *end || errno || *out <= 0)
		return error(QREL_USAGE, "'%s' is not a row number", s);
	return QREL_OK;
}

/* --from-cluster SITE,CLUSTER */
static int
from_cluster(struct db *db, int64_t review, const char *who, const char *spec, int64_t *objective)
{
	char buf[128], *comma;
	int64_t site, cluster;

	snprintf(buf, sizeof(buf), "%s", spec);
	if (!(comma = strchr(buf, ',')))
		return error(QREL_USAGE, "--from-cluster is SITE,CLUSTER, not '%s'", spec);
	*comma++ = '\0';
	if ((site = store_site_id(db, review, buf)) <= 0 || (cluster = store_cluster_id(db, review, comma)) <= 0)
		return error(QREL_NOTFOUND, "no site '%s' or cluster '%s' in this review", buf, comma);
	return plan_objective_from_cluster(db, review, who, site, cluster, objective);
}

static int
add_objective(struct db *db, int64_t review, const char *who, const struct write_args *a)
{
	struct plan_objective_input in = { .title = a->title, .theory_if = a->theory_if,
					   .theory_then = a->theory_then, .stakeholders = a->stakeholders };
	struct plan_subgroup_ref ref;
	int64_t id = a->objective;
	int rc;

	if (a->site && (in.site = store_site_id(db, review, a->site)) <= 0)
		return error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
	if (a->from_subgroup)
		rc = (rc = plan_subgroup_ref_parse(db, review, a->from_subgroup, &ref)) != QREL_OK ? rc :
			plan_objective_from_subgroup(db, review, who, &ref, &id);
	else if (a->from_cluster)
		rc = from_cluster(db, review, who, a->from_cluster, &id);
	else if (a->from_note)
		rc = plan_objective_from_note(db, review, who, a->from_note, &id);
	else if (a->title)
		rc = plan_objective_add(db, review, who, &in, &id);
	else
		return error(QREL_USAGE, "add-objective needs --title or --from-subgroup, --from-cluster or --from-note");
	if (rc == QREL_OK)
		printf("objective %lld\n", (long long)id);
	return rc;
}

static int
add_cause(struct db *db, int64_t review, const char *who, const struct write_args *a)
{
	struct plan_subgroup_ref ref;
	int64_t id;
	int rc;

	if (!a->objective || !a->text)
		return error(QREL_USAGE, "add-cause needs --objective N and --text TEXT");
	if (a->subgroup && (rc = plan_subgroup_ref_parse(db, review, a->subgroup, &ref)) != QREL_OK)
		return rc;
	if ((rc = plan_cause_add(db, review, who, a->objective, a->text, &id)) != QREL_OK)
		return rc;
	if (a->note_id && (rc = plan_link_note(db, review, who, id, a->note_id)) != QREL_OK)
		return rc;
	if (a->subgroup && (rc = plan_link_subgroup(db, review, who, id, &ref)) != QREL_OK)
		return rc;
	printf("cause %lld\n", (long long)id);
	return QREL_OK;
}

static int
add_step(struct db *db, int64_t review, const char *who, const struct write_args *a)
{
	struct plan_step_input in = { .description = a->step, .lead = a->lead, .resources = a->resources,
				      .starts = a->start, .due = a->due };
	int64_t id;
	int rc;

	if (!a->objective || !a->step)
		return error(QREL_USAGE, "add-step needs --objective N and --step TEXT");
	if ((rc = plan_step_add(db, review, who, a->objective, &in, &id)) == QREL_OK)
		printf("step %lld\n", (long long)id);
	return rc;
}

static int
set_status(struct db *db, int64_t review, const char *who, const struct write_args *a)
{
	enum plan_status s;
	int rc;

	if (!a->step_id || !a->status)
		return error(QREL_USAGE, "set-status needs --step N and --status planned|in_progress|done|dropped");
	if ((rc = plan_status_parse(a->status, &s)) != QREL_OK)
		return QREL_USAGE;
	if ((rc = plan_step_set_status(db, review, who, a->step_id, s, a->note)) == QREL_OK)
		printf("step %ld %s\n", a->step_id, plan_status_name(s));
	return rc;
}

static const struct option write_longopts[] = {
	CMD_COMMON_LONGOPTS,
	{ "title", required_argument, NULL, 't' }, { "if", required_argument, NULL, 'i' },
	{ "then", required_argument, NULL, 'T' }, { "stakeholders", required_argument, NULL, 'k' },
	{ "site", required_argument, NULL, 's' }, { "objective", required_argument, NULL, 'o' },
	{ "from-subgroup", required_argument, NULL, 'G' }, { "from-cluster", required_argument, NULL, 'L' },
	{ "from-note", required_argument, NULL, 'N' }, { "text", required_argument, NULL, 'x' },
	{ "note", required_argument, NULL, 'n' }, { "subgroup", required_argument, NULL, 'g' },
	{ "step", required_argument, NULL, 'p' }, { "lead", required_argument, NULL, 'l' },
	{ "start", required_argument, NULL, 'S' }, { "due", required_argument, NULL, 'd' },
	{ "resources", required_argument, NULL, 'r' }, { "status", required_argument, NULL, 'u' },
	{ 0 },
};

/* --note is a row number for add-cause and a free text for set-status. */
static int
write_option(struct write_args *a, int opt, const char *arg, bool note_is_text)
{
	switch (opt) {
	case 't': a->title = arg; return QREL_OK;
	case 'i': a->theory_if = arg; return QREL_OK;
	case 'T': a->theory_then = arg; return QREL_OK;
	case 'k': a->stakeholders = arg; return QREL_OK;
	case 's': a->site = arg; return QREL_OK;
	case 'o': return parse_id(arg, &a->objective);
	case 'G': a->from_subgroup = arg; return QREL_OK;
	case 'L': a->from_cluster = arg; return QREL_OK;
	case 'N': return parse_id(arg, &a->from_note);
	case 'x': a->text = arg; return QREL_OK;
	case 'n': a->note = arg; return note_is_text ? QREL_OK : parse_id(arg, &a->note_id);
	case 'g': a->subgroup = arg; return QREL_OK;
	case 'p': a->step = arg; return note_is_text ? parse_id(arg, &a->step_id) : QREL_OK;
	case 'l': a->lead = arg; return QREL_OK;
	case 'S': a->start = arg; return QREL_OK;
	case 'd': a->due = arg; return QREL_OK;
	case 'r': a->resources = arg; return QREL_OK;
	case 'u': a->status = arg; return QREL_OK;
	default: return error(QREL_USAGE, "unknown option");
	}
}

typedef int write_fn(struct db *db, int64_t review, const char *who, const struct write_args *a);

static int
cmd_write(int argc, char **argv, write_fn *fn, bool note_is_text)
{
	struct cmd_common c = { 0 };
	struct write_args a = { 0 };
	const char *who;
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", write_longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "plan"))
			continue;
		if (opt == '?')
			return cmd_usage("plan");
		if (write_option(&a, opt, optarg, note_is_text) != QREL_OK)
			return cmd_fail(QREL_USAGE);
	}
	if (optind != argc)
		return cmd_usage("plan");
	if ((rc = cmd_open(&c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&c, db, review, &who)) == QREL_OK)
		rc = fn(db, review, who, &a);
	db_close(db);
	return cmd_fail(rc);
}

static int
cmd_print(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	enum format fmt = FMT_MD;
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "plan"))
			continue;
		if (opt != 'f')
			return cmd_usage("plan");
		if (parse_format(optarg, true, &fmt) != QREL_OK)
			return cmd_fail(QREL_USAGE);
	}
	if (optind != argc)
		return cmd_usage("plan");
	if ((rc = cmd_open(&c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = plan_readable(db, review, cmd_user(&c))) == QREL_OK)
		rc = print_plan(db, review, fmt);
	db_close(db);
	return cmd_fail(rc);
}

int
cmd_plan(int argc, char **argv)
{
	const char *verb = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;

	if (!verb)
		return cmd_print(argc, argv);
	/* The verb comes first; its options follow. */
	if (strcmp(verb, "steps") == 0)
		return cmd_steps(argc - 1, cmd_verb_argv(argv));
	if (strcmp(verb, "add-objective") == 0)
		return cmd_write(argc - 1, cmd_verb_argv(argv), add_objective, false);
	if (strcmp(verb, "add-cause") == 0)
		return cmd_write(argc - 1, cmd_verb_argv(argv), add_cause, false);
	if (strcmp(verb, "add-step") == 0)
		return cmd_write(argc - 1, cmd_verb_argv(argv), add_step, false);
	if (strcmp(verb, "set-status") == 0)
		return cmd_write(argc - 1, cmd_verb_argv(argv), set_status, true);
	cmd_error("unknown action '%s'", verb);
	return cmd_usage("plan");
}

/* cmd_findings.c: `qrel findings`, `qrel recommendations`, `qrel summary` and `qrel review`: the
 * review's written findings, its recommendations, the executive summary and the report's status. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/findings.h"
#include "qrel/output.h"
#include "qrel/plan.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/util.h"

#include <getopt.h>

struct args {
	struct cmd_common c;
	const char *kind, *site, *domain, *cluster, *text, *title, *priority, *stakeholders, *stakeholder;
	const char *subgroup, *reason, *format, *note, *uncite, *survey, *uncite_survey;
	struct csv_opts csv;	/* import: the file's delimiter and encoding */
	long finding[32];
	int nfindings;
	const char *name;	/* the command, for usage */
	char **rest;		/* operands after the options */
	int nrest;
};

static const struct option longopts[] = {
	CMD_COMMON_LONGOPTS,
	{ "kind", required_argument, NULL, 'k' }, { "site", required_argument, NULL, 's' },
	{ "domain", required_argument, NULL, 'd' }, { "cluster", required_argument, NULL, 'c' },
	{ "text", required_argument, NULL, 'x' }, { "title", required_argument, NULL, 't' },
	{ "priority", required_argument, NULL, 'p' }, { "stakeholders", required_argument, NULL, 'S' },
	{ "stakeholder", required_argument, NULL, 'g' }, { "subgroup", required_argument, NULL, 'G' },
	{ "reason", required_argument, NULL, 'r' }, { "format", required_argument, NULL, 'f' },
	{ "note", required_argument, NULL, 'n' }, { "uncite", required_argument, NULL, 'u' },
	{ "finding", required_argument, NULL, 'F' }, { "survey", required_argument, NULL, 'V' },
	{ "uncite-survey", required_argument, NULL, 'W' },
	{ "delimiter", required_argument, NULL, 'y' }, { "encoding", required_argument, NULL, 'e' },
	{ 0 },
};

static int
row_number(const char *s, long *out)
{
	if (!str_to_long(s, out) || *out <= 0)
		return error(QREL_USAGE, "'%s' is not a row number", s);
	return QREL_OK;
}

static int
set_option(struct args *a, int opt, const char *arg)
{
	switch (opt) {
	case 'k': a->kind = arg; return QREL_OK;
	case 's': a->site = arg; return QREL_OK;
	case 'd': a->domain = arg; return QREL_OK;
	case 'c': a->cluster = arg; return QREL_OK;
	case 'x': a->text = arg; return QREL_OK;
	case 't': a->title = arg; return QREL_OK;
	case 'p': a->priority = arg; return QREL_OK;
	case 'S': a->stakeholders = arg; return QREL_OK;
	case 'g': a->stakeholder = arg; return QREL_OK;
	case 'G': a->subgroup = arg; return QREL_OK;
	case 'r': a->reason = arg; return QREL_OK;
	case 'f': a->format = arg; return QREL_OK;
	case 'n': a->note = arg; return QREL_OK;
	case 'u': a->uncite = arg; return QREL_OK;
	case 'V': a->survey = arg; return QREL_OK;
	case 'W': a->uncite_survey = arg; return QREL_OK;
	case 'y': return csv_delimiter_parse(arg, &a->csv.delimiter);
	case 'e':
		a->csv.encoding = arg;
		return csv_encoding_check(arg);
	case 'F':
		if (a->nfindings == (int)ARRAY_SIZE(a->finding))
			return error(QREL_USAGE, "at most %zu --finding options", ARRAY_SIZE(a->finding));
		return row_number(arg, &a->finding[a->nfindings++]);
	}
	return error(QREL_USAGE, "unknown option");
}

/* Parses the verb's options; QREL_OK or the exit code's status. *said when
 * getopt has already said what is wrong (an unknown option, a missing value). */
static int
parse(int argc, char **argv, struct args *a, bool *said)
{
	int opt;

	optind = 1;
	*said = false;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&a->c, opt, optarg, a->name))
			continue;
		if (opt == '?')
			return *said = true, QREL_USAGE;
		if (set_option(a, opt, optarg) != QREL_OK)
			return QREL_USAGE;
	}
	a->rest = argv + optind;
	a->nrest = argc - optind;
	if (a->format && strcmp(a->format, "csv") != 0 && strcmp(a->format, "json") != 0)
		return error(QREL_USAGE, "--format is csv or json, not '%s'", a->format);
	return QREL_OK;
}

/* The one operand: a row number. */
static int
operand_id(const struct args *a, long *id)
{
	if (a->nrest != 1)
		return error(QREL_USAGE, "%s: give one row number", a->name);
	return row_number(a->rest[0], id);
}

/* TEXT, or - for standard input, from the operand or --text; malloc'd into *buf when read. */
static const char *
operand_text(const struct args *a, char **buf)
{
	const char *t = a->text ? a->text : a->nrest == 1 ? a->rest[0] : NULL;

	*buf = NULL;
	if (t && strcmp(t, "-") == 0 && (*buf = file_read("/dev/stdin", NULL)))
		t = str_trim(*buf);
	return t;
}

/* ---- findings ---- */

static int
finding_place(struct db *db, int64_t review, const struct args *a, struct finding_input *in)
{
	if (a->site && (in->site = store_site_id(db, review, a->site)) <= 0)
		return error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
	if (a->cluster && (in->cluster = store_cluster_id(db, review, a->cluster)) <= 0)
		return error(QREL_NOTFOUND, "no cluster '%s' in this review", a->cluster);
	if (a->domain && (in->domain = findings_domain_id(db, review, a->domain)) <= 0)
		return error(QREL_NOTFOUND, "no domain '%s' in this review", a->domain);
	if (!a->cluster && !a->domain)
		return error(QREL_USAGE, "a finding needs --cluster CODE or --domain CODE");
	return QREL_OK;
}

static int
f_add(struct db *db, int64_t review, const char *who, const struct args *a)
{
	struct finding_input in = { 0 };
	int64_t id;
	char *buf;
	int rc;

	if (!a->kind)
		return error(QREL_USAGE, "findings add needs --kind strength|growth");
	if ((rc = finding_kind_parse(a->kind, &in.kind)) != QREL_OK ||
	    (rc = finding_place(db, review, a, &in)) != QREL_OK)
		return rc;
	in.text = operand_text(a, &buf);
	if ((rc = finding_add(db, review, who, &in, &id)) == QREL_OK)
		printf("finding %lld\n", (long long)id);
	free(buf);
	return rc;
}

static int
f_edit(struct db *db, int64_t review, const char *who, const struct args *a)
{
	long id;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	if (!a->text && !a->kind)
		return error(QREL_USAGE, "findings edit needs --text TEXT or --kind strength|growth");
	if (a->text && (rc = finding_edit(db, review, who, id, "text", a->text)) != QREL_OK)
		return rc;
	return a->kind ? finding_edit(db, review, who, id, "kind", a->kind) : QREL_OK;
}

static int
f_delete(struct db *db, int64_t review, const char *who, const struct args *a)
{
	long id;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	return finding_delete(db, review, who, id);
}

static int
f_cite(struct db *db, int64_t review, const char *who, const struct args *a)
{
	struct plan_subgroup_ref ref;
	int64_t note = 0, gone = 0;
	long id, item = 0, unitem = 0;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	if (!a->note && !a->uncite && !a->subgroup && !a->survey && !a->uncite_survey)
		return error(QREL_USAGE, "findings cite needs --note N, --uncite N, --survey ITEM, --uncite-survey ITEM "
			     "or --subgroup SITE,YEAR,METRIC,DIMENSION,GROUP");
	if ((a->survey && (rc = row_number(a->survey, &item)) != QREL_OK) ||
	    (a->uncite_survey && (rc = row_number(a->uncite_survey, &unitem)) != QREL_OK))
		return rc;
	if (unitem && (rc = survey_uncite(db, review, who, id, unitem)) != QREL_OK)
		return rc;
	if ((a->note && (note = findings_ref(db, review, true, a->note)) <= 0) ||
	    (a->uncite && (gone = findings_ref(db, review, true, a->uncite)) <= 0))
		return note < 0 || gone < 0 ? QREL_DB : QREL_NOTFOUND;
	if (note && (rc = finding_cite_note(db, review, who, id, note, a->stakeholder)) != QREL_OK)
		return rc;
	if (gone && (rc = finding_uncite_note(db, review, who, id, gone)) != QREL_OK)
		return rc;
	if (a->subgroup && ((rc = plan_subgroup_ref_parse(db, review, a->subgroup, &ref)) != QREL_OK ||
			    (rc = finding_cite_subgroup(db, review, who, id, &ref)) != QREL_OK))
		return rc;
	return item ? survey_cite(db, review, who, id, item) : QREL_OK;
}

static void
csv_finding(const struct finding *f)
{
	char id[24], notes[1024] = "";
	size_t n = 0;

	snprintf(id, sizeof(id), "%lld", (long long)f->id);
	for (int c = 0; c < f->ncites && n < sizeof(notes) - 24; c++)
		n += (size_t)snprintf(notes + n, sizeof(notes) - n, "%s%lld", c ? ";" : "", (long long)f->cite[c].note);
	out_csv_field(stdout, id, false);
	out_csv_field(stdout, f->uuid, false);
	out_csv_field(stdout, finding_kind_name(f->kind), false);
	out_csv_field(stdout, f->domain_code, false);
	out_csv_field(stdout, f->cluster_code, false);
	out_csv_field(stdout, f->site_code, false);
	out_csv_field(stdout, f->text, false);
	out_csv_field(stdout, notes, true);
}

static void
json_key(const char *key, const char *value)
{
	printf(", \"%s\": ", key);
	out_json_string(stdout, value);
}

/* The survey items f cites, withheld as on the screen. */
static void
json_surveys(struct db *db, const struct finding *f, long min_display)
{
	char (*lines)[320] = NULL;
	int n = 0;

	if (survey_cited(db, f->id, min_display, &lines, &n) != QREL_OK)
		n = 0;
	fputs(", \"surveys\": [", stdout);
	for (int i = 0; i < n; i++) {
		fputs(i ? ", " : "", stdout);
		out_json_string(stdout, lines[i]);
	}
	fputc(']', stdout);
	free(lines);
}

static void
json_finding(struct db *db, const struct finding *f, long min_display, bool first)
{
	printf("%s\n  {\"id\": %lld", first ? "" : ",", (long long)f->id);
	json_key("uuid", f->uuid);
	json_key("kind", finding_kind_name(f->kind));
	json_key("domain", f->domain_code);
	json_key("cluster", f->cluster_code);
	json_key("site", f->site_code);
	json_key("text", f->text);
	fputs(", \"key_evidence\": [", stdout);
	for (int c = 0; c < f->ncites; c++) {
		char who[200];

		findings_attribution(&f->cite[c], who, sizeof(who));
		printf("%s{\"note\": %lld", c ? ", " : "", (long long)f->cite[c].note);
		json_key("attribution", who);
		json_key("text", f->cite[c].text);
		fputc('}', stdout);
	}
	fputs("], \"subgroups\": [", stdout);
	for (int s = 0; s < f->nsubgroups; s++) {
		fputs(s ? ", " : "", stdout);
		out_json_string(stdout, f->subgroup[s]);
	}
	fputc(']', stdout);
	json_surveys(db, f, min_display);
	fputc('}', stdout);
}

static int
flushed(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return error(QREL_IO, "writing the list: %s", strerror(errno));
	return QREL_OK;
}

static int
f_list(struct db *db, int64_t review, const char *who, const struct args *a)
{
	bool json = a->format && strcmp(a->format, "json") == 0;
	struct findings_doc d;
	struct settings set;
	int64_t site = 0;
	int rc;

	(void)who;
	if (a->site && (site = store_site_id(db, review, a->site)) <= 0)
		return error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
	if ((rc = findings_load(db, review, site, &d)) != QREL_OK)
		return rc;
	cmd_settings(&a->c, &set);
	if (!json)
		out_csv_start(stdout);
	fputs(json ? "[" : "id,uuid,kind,domain,cluster,site,text,notes\n", stdout);
	for (int i = 0; i < d.nf; i++) {
		if (json)
			json_finding(db, &d.f[i], set.min_display, i == 0);
		else
			csv_finding(&d.f[i]);
	}
	if (json)
		fputs(d.nf ? "\n]\n" : "]\n", stdout);
	settings_free(&set);
	findings_doc_free(&d);
	return flushed();
}

static int
f_import(struct db *db, int64_t review, const char *who, const struct args *a)
{
	struct diags d = { 0 };
	size_t rows;
	int rc;

	if (a->nrest != 1)
		return error(QREL_USAGE, "%s import: give one CSV file", a->name);
	rc = strcmp(a->name, "findings") == 0 ? findings_import(db, review, who, a->rest[0], &a->csv, &d, &rows)
					      : rec_import(db, review, who, a->rest[0], &a->csv, &d, &rows);
	diag_print(&d, stderr);
	diag_free(&d);
	if (rc == QREL_OK)
		printf("imported %zu %s\n", rows, a->name);
	return rc;
}

/* ---- recommendations ---- */

static int
r_add(struct db *db, int64_t review, const char *who, const struct args *a)
{
	struct rec_input in = { .title = a->title, .text = a->text, .stakeholders = a->stakeholders,
				.priority = REC_MEDIUM };
	int64_t id;
	int rc;

	if (!a->title)
		return error(QREL_USAGE, "recommendations add needs --title TEXT");
	if (a->priority && (rc = rec_priority_parse(a->priority, &in.priority)) != QREL_OK)
		return rc;
	if ((rc = rec_add(db, review, who, &in, &id)) != QREL_OK)
		return rc;
	for (int i = 0; i < a->nfindings && rc == QREL_OK; i++)
		rc = rec_link_finding(db, review, who, id, a->finding[i]);
	if (rc == QREL_OK)
		printf("recommendation %lld\n", (long long)id);
	return rc;
}

static int
r_link(struct db *db, int64_t review, const char *who, const struct args *a)
{
	long id;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	if (!a->nfindings)
		return error(QREL_USAGE, "recommendations link needs --finding N");
	for (int i = 0; i < a->nfindings && rc == QREL_OK; i++)
		rc = rec_link_finding(db, review, who, id, a->finding[i]);
	return rc;
}

/* Each field given is its own change (and change_log row), in the order below. */
static int
r_edit(struct db *db, int64_t review, const char *who, const struct args *a)
{
	const char *fields[][2] = { { "title", a->title }, { "text", a->text },
				    { "stakeholders", a->stakeholders }, { "priority", a->priority } };
	enum rec_priority p;
	bool any = false;
	long id;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	if (a->priority && (rc = rec_priority_parse(a->priority, &p)) != QREL_OK)
		return rc; /* before any field changes */
	for (size_t i = 0; i < ARRAY_SIZE(fields) && rc == QREL_OK; i++) {
		if (fields[i][1] && (any = true))
			rc = rec_edit(db, review, who, id, fields[i][0], fields[i][1]);
	}
	if (!any)
		return error(QREL_USAGE, "recommendations edit needs --title, --text, --stakeholders or --priority");
	return rc;
}

static int
r_delete(struct db *db, int64_t review, const char *who, const struct args *a)
{
	long id;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	return rec_delete(db, review, who, id);
}

static int
r_objective(struct db *db, int64_t review, const char *who, const struct args *a)
{
	int64_t objective;
	long id;
	int rc;

	if ((rc = operand_id(a, &id)) != QREL_OK)
		return rc;
	if ((rc = rec_to_objective(db, review, who, id, &objective)) == QREL_OK)
		printf("objective %lld\n", (long long)objective);
	return rc;
}

static void
csv_rec(const struct recommendation *r)
{
	char id[24], num[16], obj[24] = "", links[512] = "";
	size_t n = 0;

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(num, sizeof(num), "%d", r->number);
	if (r->objective)
		snprintf(obj, sizeof(obj), "%lld", (long long)r->objective);
	for (int i = 0; i < r->nfindings && n < sizeof(links) - 24; i++)
		n += (size_t)snprintf(links + n, sizeof(links) - n, "%s%lld", i ? ";" : "", (long long)r->finding[i]);
	out_csv_field(stdout, id, false);
	out_csv_field(stdout, num, false);
	out_csv_field(stdout, rec_priority_name(r->priority), false);
	out_csv_field(stdout, r->title, false);
	out_csv_field(stdout, r->text, false);
	out_csv_field(stdout, r->stakeholders, false);
	out_csv_field(stdout, links, false);
	out_csv_field(stdout, obj, true);
}

static void
json_rec(const struct recommendation *r, bool first)
{
	printf("%s\n  {\"id\": %lld, \"number\": %d", first ? "" : ",", (long long)r->id, r->number);
	json_key("priority", rec_priority_name(r->priority));
	json_key("title", r->title);
	json_key("text", r->text);
	json_key("stakeholders", r->stakeholders);
	fputs(", \"findings\": [", stdout);
	for (int i = 0; i < r->nfindings; i++)
		printf("%s%lld", i ? ", " : "", (long long)r->finding[i]);
	if (r->objective)
		printf("], \"objective\": %lld}", (long long)r->objective);
	else
		fputs("], \"objective\": null}", stdout);
}

static int
r_list(struct db *db, int64_t review, const char *who, const struct args *a)
{
	bool json = a->format && strcmp(a->format, "json") == 0;
	struct findings_doc d;
	int rc;

	(void)who;
	if ((rc = findings_load(db, review, 0, &d)) != QREL_OK)
		return rc;
	if (!json)
		out_csv_start(stdout);
	fputs(json ? "[" : "id,number,priority,title,text,stakeholders,findings,objective\n", stdout);
	for (int i = 0; i < d.nrec; i++) {
		if (json)
			json_rec(&d.rec[i], i == 0);
		else
			csv_rec(&d.rec[i]);
	}
	if (json)
		fputs(d.nrec ? "\n]\n" : "]\n", stdout);
	findings_doc_free(&d);
	return flushed();
}

/* ---- summary and status ---- */

static int
s_set(struct db *db, int64_t review, const char *who, const struct args *a)
{
	char *buf;
	const char *text = operand_text(a, &buf);
	int rc;

	if (!text)
		return error(QREL_USAGE, "summary set needs TEXT (or - to read it from standard input)");
	rc = findings_summary_set(db, review, who, text);
	free(buf);
	return rc;
}

static int
s_show(struct db *db, int64_t review, const char *who, const struct args *a)
{
	struct findings_doc d;
	int rc;

	(void)who;
	(void)a;
	if ((rc = findings_load(db, review, 0, &d)) != QREL_OK)
		return rc;
	printf("%s\n", d.summary);
	findings_doc_free(&d);
	return flushed();
}

static int
v_finalise(struct db *db, int64_t review, const char *who, const struct args *a)
{
	int rc;

	(void)a;
	if ((rc = findings_finalise(db, review, who)) == QREL_OK)
		printf("the report is final\n");
	return rc;
}

static int
v_reopen(struct db *db, int64_t review, const char *who, const struct args *a)
{
	int rc;

	if ((rc = findings_reopen(db, review, who, a->reason)) == QREL_OK)
		printf("the report is a draft again\n");
	return rc;
}

static int
v_status(struct db *db, int64_t review, const char *who, const struct args *a)
{
	(void)who;
	(void)a;
	printf("%s\n", findings_final(db, review) ? "final" : "draft");
	return flushed();
}

/* ---- dispatch ---- */

typedef int verb_fn(struct db *db, int64_t review, const char *who, const struct args *a);

struct verb {
	const char *command, *name;
	verb_fn *fn;
	bool writes;
};

static const struct verb verbs[] = {
	{ "findings", "add", f_add, true }, { "findings", "list", f_list, false },
	{ "findings", "edit", f_edit, true }, { "findings", "delete", f_delete, true },
	{ "findings", "cite", f_cite, true }, { "findings", "import", f_import, true },
	{ "recommendations", "add", r_add, true }, { "recommendations", "list", r_list, false },
	{ "recommendations", "edit", r_edit, true }, { "recommendations", "delete", r_delete, true },
	{ "recommendations", "link", r_link, true }, { "recommendations", "to-objective", r_objective, true },
	{ "recommendations", "import", f_import, true },
	{ "summary", "set", s_set, true }, { "summary", "show", s_show, false },
	{ "review", "finalise", v_finalise, true }, { "review", "finalize", v_finalise, true },
	{ "review", "reopen", v_reopen, true }, { "review", "status", v_status, false },
};

static int
run(const char *command, int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	struct args a = { .name = command };
	struct db *db;
	int64_t review;
	const char *who;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(verbs[i].command, command) != 0 || strcmp(verbs[i].name, name) != 0)
			continue;
		bool said;

		if ((rc = parse(argc - 1, cmd_verb_argv(argv), &a, &said)) != QREL_OK)
			return said ? cmd_usage(command) : (cmd_fail(rc), cmd_usage(command));
		if ((rc = cmd_open(&a.c, verbs[i].writes ? 0 : DB_READONLY, &db, &review)) != QREL_OK)
			return cmd_fail(rc);
		if ((rc = cmd_who(&a.c, db, review, &who)) == QREL_OK)
			rc = verbs[i].fn(db, review, who, &a);
		db_close(db);
		return rc == QREL_USAGE ? (cmd_fail(rc), cmd_usage(command)) : cmd_fail(rc);
	}
	if (*name && name[0] != '-')
		fprintf(stderr, "qrel: %s: unknown action '%s'\n", command, name);
	return cmd_usage(command);
}

int
cmd_findings(int argc, char **argv)
{
	return run("findings", argc, argv);
}

int
cmd_recommendations(int argc, char **argv)
{
	return run("recommendations", argc, argv);
}

int
cmd_summary(int argc, char **argv)
{
	return run("summary", argc, argv);
}

int
cmd_review(int argc, char **argv)
{
	return run("review", argc, argv);
}

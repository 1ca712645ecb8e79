/* cmd_survey.c: `qrel surveys`: the survey results and response rates you may
 * read, suppressed as the survey screen shows them. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/output.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/text.h"
#include "qrel/visibility.h"

#include <getopt.h>
#include <math.h>

enum sformat { SF_TABLE, SF_CSV, SF_JSON };

struct sargs {
	struct cmd_common c;
	const char *site;
	enum survey_order order;
	enum sformat fmt;
};

static const char *const columns[] = { "id", "site", "instrument", "item", "cluster", "group", "subgroup",
	"responses", "favourable_pct" };

static void
print_row(const struct survey_row *r, enum sformat fmt, bool first)
{
	char id[24], resp[24], pct[16];
	const char *v[ARRAY_SIZE(columns)] = { id, r->site_code, r->instrument, r->item, r->cluster, r->group,
		r->subgroup, resp, pct };

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(resp, sizeof(resp), "%ld", r->responses);
	survey_pct_text(r, pct, sizeof(pct));
	if (fmt == SF_TABLE) {
		printf("%-5s %-6s ", id, r->site_code);
		text_print(stdout, r->instrument);
		fputs(" | ", stdout);
		text_print(stdout, r->item);
		fputs(" | ", stdout);
		text_print(stdout, r->group);
		if (*r->subgroup) {
			fputs(", ", stdout);
			text_print(stdout, r->subgroup);
		}
		printf(" | n=%s | %s%s\n", resp, pct, r->hidden || !*pct ? "" : "% favourable");
		return;
	}
	if (fmt == SF_CSV) {
		for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
			out_csv_field(stdout, v[i], i + 1 == ARRAY_SIZE(columns));
		return;
	}
	fputs(first ? "\n  {" : ",\n  {", stdout);
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
		printf("%s\"%s\": ", i ? ", " : "", columns[i]);
		if (i == 0 || i == 7 || (i == 8 && !r->hidden && *pct))
			fputs(v[i], stdout);
		else if (i == 8)
			fputs("null", stdout);
		else
			out_json_string(stdout, v[i]);
	}
	fputc('}', stdout);
}

static void
print_rates(const struct survey_rate *rt, size_t n, enum sformat fmt)
{
	if (fmt == SF_JSON) {
		fputs("],\n\"response_rates\": [", stdout);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  {\"site\": " : "\n  {\"site\": ", stdout);
			out_json_string(stdout, rt[i].site_code);
			fputs(", \"instrument\": ", stdout);
			out_json_string(stdout, rt[i].instrument);
			fputs(", \"group\": ", stdout);
			out_json_string(stdout, rt[i].group);
			printf(", \"invited\": %ld, \"responded\": %ld}", rt[i].invited, rt[i].responded);
		}
		fputs("]}\n", stdout);
		return;
	}
	if (fmt == SF_TABLE && n)
		fputs("\nResponse rates\n", stdout);
	for (size_t i = 0; fmt == SF_TABLE && i < n; i++) {
		printf("%-6s ", rt[i].site_code);
		text_print(stdout, rt[i].instrument);
		fputs(" | ", stdout);
		text_print(stdout, rt[i].group);
		printf(" | %ld of %ld", rt[i].responded, rt[i].invited);
		if (rt[i].invited)
			printf(" (%.0f%%)", 100.0 * (double)rt[i].responded / (double)rt[i].invited);
		fputc('\n', stdout);
	}
}

static int
show(struct db *db, int64_t review, const struct sargs *a, const struct vis_viewer *v, int64_t site)
{
	struct settings s;
	struct survey_row *rows = NULL;
	struct survey_rate *rates = NULL;
	size_t n = 0, nrates = 0;
	int rc;

	cmd_settings(&a->c, &s);
	rc = survey_load(db, review, v, site, a->order, s.min_display, &rows, &n);
	settings_free(&s);
	if (rc == QREL_OK)
		rc = survey_rates(db, review, v, site, &rates, &nrates);
	if (rc == QREL_OK) {
		if (a->fmt == SF_CSV)
			fputs("id,site,instrument,item,cluster,group,subgroup,responses,favourable_pct\n", stdout);
		else if (a->fmt == SF_JSON)
			fputs("{\"items\": [", stdout);
		else if (!n)
			fputs("No survey results you may see (`qrel import survey FILE.csv`).\n", stdout);
		for (size_t i = 0; i < n; i++)
			print_row(&rows[i], a->fmt, i == 0);
		print_rates(rates, nrates, a->fmt);
		if (fflush(stdout) != 0)
			rc = error(QREL_IO, "writing the survey results: %s", strerror(errno));
	}
	free(rows);
	free(rates);
	return rc;
}

static int
run(const struct sargs *a)
{
	struct vis_viewer v;
	const char *who;
	struct db *db;
	int64_t review, site = 0;
	int rc;

	if ((rc = cmd_open(&a->c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&a->c, db, review, &who)) == QREL_OK && a->site &&
	    (site = store_site_id(db, review, a->site)) <= 0)
		rc = site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
	if (rc == QREL_OK && (rc = visibility_viewer(db, review, who, &v)) == QREL_OK)
		rc = show(db, review, a, &v, site);
	db_close(db);
	return cmd_fail(rc);
}

static int
parse(struct sargs *a, int opt, const char *arg)
{
	switch (opt) {
	case 's':
		a->site = arg;
		return QREL_OK;
	case 'b':
		if (strcmp(arg, "item") && strcmp(arg, "group"))
			return error(QREL_USAGE, "--by is item or group, not '%s'", arg);
		a->order = strcmp(arg, "group") ? SURVEY_BY_ITEM : SURVEY_BY_GROUP;
		return QREL_OK;
	case 'f':
		if (strcmp(arg, "table") && strcmp(arg, "csv") && strcmp(arg, "json"))
			return error(QREL_USAGE, "--format is table, csv or json, not '%s'", arg);
		a->fmt = !strcmp(arg, "csv") ? SF_CSV : !strcmp(arg, "json") ? SF_JSON : SF_TABLE;
		return QREL_OK;
	}
	return QREL_USAGE;
}

int
cmd_surveys(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' }, { "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct sargs a = { .order = SURVEY_BY_ITEM, .fmt = SF_TABLE };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&a.c, opt, optarg, "surveys"))
			continue;
		if ((rc = parse(&a, opt, optarg)) != QREL_OK)
			return rc == QREL_USAGE && opt != 'b' && opt != 'f' ? cmd_usage("surveys") : cmd_fail(rc);
	}
	if (optind != argc)
		return cmd_usage("surveys");
	return run(&a);
}

/* cmd_report.c: `qrel report`: the review report as HTML, Markdown, CSV or JSON, a PDF or a data workbook. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/outpath.h"
#include "qrel/report.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include <getopt.h>
#include <time.h>

struct report_opts {
	struct cmd_common c;
	const char *site, *out;
	enum report_format fmt;
	bool fmt_set, timing, pdf;
	int quotes;
	bool all_years;
};

static void
help(void)
{
	printf("usage: qrel report [--db FILE] [--site CODE] [--format html|md|csv|json|xlsx] [-o FILE [--force]]\n"
	       "              [--quotes N] [--all-years] [--timing]\n\n"
	       "The review report, DRAFT or FINAL on every page: cover, contents, executive summary (the\n"
	       "lead's text, a heat map, the strongest and weakest clusters, the flagged disproportionality,\n"
	       "the recommendations), findings by domain and cluster with consensus, rationale and key\n"
	       "evidence, recommendations, next steps (the action plan), and appendices: rubric grids with\n"
	       "quoted evidence, the flagged subgroup tables (small groups withheld), rater agreement.\n\n"
	       "  --format F     html (one self-contained file, prints on A4 or Letter), md, csv (long\n"
	       "                 form: section,site,domain,cluster,year,metric,dimension,item,field,value)\n"
	       "                 json (doc/report-json.md) or xlsx (a workbook for data teams, -o only:\n"
	       "                 sheets About, Scores, Findings, Recommendations, Subgroups, Agreement);\n"
	       "                 default: from -o's extension, else html\n"
	       "  -o FILE        write FILE (replaced whole, never half-written); default standard output;\n"
	       "                 never the database, and an existing database only with --force;\n"
	       "                 FILE.pdf prints the HTML report with weasyprint or chromium (headless);\n"
	       "                 an extension that names no format is refused unless --format is given\n"
	       "  --site CODE    one site only\n"
	       "  --quotes N     strengths and areas for growth quoted per cluster (default %d, at most %d)\n"
	       "  --all-years    subgroup findings of every school year, not only each site's latest\n"
	       "  --timing       print the time taken to standard error\n"
	       "Common options: --db FILE, --config FILE, --as NAME, --bom (CSV output for Excel).\n", REPORT_QUOTES, REPORT_QUOTES * 4);
	exit(EXIT_OK);
}

/* The format -o's extension names: html for x.html or x.htm, md for x.md, and
 * so on, pdf for x.pdf (the HTML printed). An extension that names no format
 * is refused unless --format says what to write, so HTML never lands in x.docx. */
static int
format_from_path(struct report_opts *o)
{
	const char *slash = strrchr(o->out, '/'), *dot = strrchr(o->out, '.');
	enum report_format f;

	if (dot && (!slash || dot > slash) && strcasecmp(dot + 1, "pdf") == 0) {
		if (o->fmt_set && o->fmt != REPORT_HTML)
			return error(QREL_USAGE, "%s: a PDF is printed from the HTML report, not from %s", o->out,
				     report_format_name(o->fmt));
		o->pdf = true;
		o->fmt = REPORT_HTML;
		return QREL_OK;
	}
	if (o->fmt_set)
		return QREL_OK;
	if (dot && (!slash || dot > slash) && report_format_parse(dot + 1, &f) == QREL_OK) {
		o->fmt = f;
		return QREL_OK;
	}
	return error(QREL_USAGE, "%s: unknown extension: name the file .html, .md, .csv, .json, .xlsx or .pdf, "
		     "or give --format", o->out);
}

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
produce(struct db *db, int64_t review, const struct report_options *ro, const struct report_opts *o)
{
	struct report r;
	double t0 = seconds(), t1;
	int rc = report_build(db, review, ro, &r);

	if (rc != QREL_OK)
		return rc;
	t1 = seconds();
	if (o->pdf)
		rc = report_save_pdf(&r, o->out);
	else
		rc = o->out ? report_save(&r, o->fmt, o->out) : report_write(&r, o->fmt, stdout);
	if (o->timing)
		cmd_error("model %.3f s, %s %.3f s, total %.3f s", t1 - t0,
			report_format_name(o->fmt), seconds() - t1, seconds() - t0);
	report_free(&r);
	return rc;
}

static int
run(const struct report_opts *o)
{
	struct report_options ro = { .quotes = o->quotes, .all_years = o->all_years };
	struct settings s;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	cmd_settings(&o->c, &s);
	ro.settings = &s;
	rc = cmd_who(&o->c, db, review, &ro.viewer);
	if (rc == QREL_OK && o->site && (ro.site = store_site_id(db, review, o->site)) <= 0)
		rc = ro.site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in the review", o->site);
	if (rc == QREL_OK && o->out)
		rc = outpath_check(o->out); /* before the work, not only at the rename */
	if (rc == QREL_OK)
		rc = produce(db, review, &ro, o);
	settings_free(&s);
	db_close(db);
	return cmd_fail(rc);
}

static int
report_option(struct report_opts *o, int opt, const char *arg)
{
	long v;

	switch (opt) {
	case 'f':
		if (report_format_parse(arg, &o->fmt) != QREL_OK) {
			cmd_error("--format is html, md, csv, json or xlsx");
			return -1;
		}
		o->fmt_set = true;
		return 0;
	case 'o': o->out = arg; return 0;
	case 's': o->site = arg; return 0;
	case 'y': o->all_years = true; return 0;
	case 't': o->timing = true; return 0;
	case 'F': outpath_allow_replace(true); return 0;
	case 'q':
		if (str_to_long(arg, &v) && v >= 0 && v <= REPORT_QUOTES * 4) {
			o->quotes = (int)v;
			return 0;
		}
		cmd_error("--quotes takes a whole number from 0 to %d", REPORT_QUOTES * 4);
		return -1;
	}
	return -1;
}

int
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "site", required_argument, NULL, 's' },
		{ "quotes", required_argument, NULL, 'q' },
		{ "all-years", no_argument, NULL, 'y' },
		{ "timing", no_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'F' },
		{ 0 },
	};
	struct report_opts o = { .fmt = REPORT_HTML, .quotes = REPORT_QUOTES };
	int opt;

	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (opt == 'h')
			help();
		if (cmd_common_option(&o.c, opt, optarg, "report"))
			continue;
		if (report_option(&o, opt, optarg) < 0)
			return cmd_usage("report");
	}
	if (argc > optind)
		return cmd_usage("report");
	if (o.out && format_from_path(&o) != QREL_OK)
		return cmd_fail(QREL_USAGE);
	if (!o.out && o.fmt == REPORT_XLSX)
		return cmd_fail(error(QREL_USAGE, "a workbook is a file: give -o FILE.xlsx"));
	return run(&o);
}

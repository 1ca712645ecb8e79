/* cmd_agree.c: `qrel agree`: rater agreement from a long-format CSV file or from the review's team scores. */
#include "qrel/qrel.h"
#include "qrel/agree.h"
#include "qrel/agree_db.h"
#include "qrel/cmd.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/framework.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/output.h"
#include "qrel/text.h"
#include "qrel/visibility.h"

#include <getopt.h>
#include <strings.h>

/* agree_compute takes a dense units x raters matrix; past this many cells
 * the data is too sparse to lay out, and we say so instead of swapping. */
#define MAX_CELLS 50000000L

enum by { BY_NONE, BY_CLUSTER, BY_SITE, BY_RATER };

struct agree_opts {
	struct cmd_common c;
	int levels;		/* 0: the largest score seen (CSV) */
	enum agree_format fmt;
	const char *site, *domain;
	enum by by;
	struct csv_opts csv;	/* the file's shape */
	const char *framework;	/* a file's scale: its labels and levels */
};

enum { UNIT, RATER };

/* One CSV record; its unit and rater are offsets into the reader's text. */
struct rating {
	size_t key[2];
	int idx[2];		/* numbered from 0 once sorted */
	int score;		/* 0 when missing */
	int line;
};

struct reader {
	const char *path;	/* as messages show it */
	struct diags *d;
	int col[3];		/* unit, rater, score */
	int levels, max;
	const char *column;	/* the score's column as messages name it */
	const struct framework *fw;	/* --framework: its scale's labels are levels too */
	struct rating *r;
	size_t n, cap;
	char *text;
	size_t tlen, tcap;
};

/* A unit or rater name with the row it came from, for sorting. */
struct key {
	const char *s;
	size_t row;
};

static const char *const columns[] = { "unit", "rater", "score", NULL };

static void
help(void)
{
	printf("usage: qrel agree [--levels K] [--format csv|json|table] [--layout long|wide]\n"
	       "              [--delimiter C] [--encoding NAME] [--framework FILE.ini] FILE.csv\n"
	       "       qrel agree [--db FILE] [--site CODE] [--domain N] [--by cluster|site|rater]\n"
	       "              [--format csv|json|table]\n\n"
	       "Rater agreement: exact and adjacent agreement, Cohen's kappa (unweighted, linear,\n"
	       "quadratic; exactly two raters), Fleiss' kappa and Krippendorff's alpha (nominal,\n"
	       "ordinal, interval). NA marks a value the data cannot give.\n\n"
	       "FILE.csv has the columns unit,rater,score, one rating a line (\"-\" reads standard\n"
	       "input). An empty score or NE is no rating. --levels K sets the scale 1..K\n"
	       "(default: the largest score in the file).\n"
	       "--layout wide reads one row per unit and one column per rater, as R's irr package\n"
	       "lays ratings out: a column named unit (or R's unnamed row-name column) names the\n"
	       "unit, else the line does; empty and NA cells are no rating. The delimiter (',', ';'\n"
	       "or tab) is read from the header unless --delimiter says; --encoding NAME converts\n"
	       "a file that is not UTF-8 (cp1252, latin1, UTF-16) through iconv. --framework FILE.ini\n"
	       "takes the scale from a framework: its labels (\"Developing\") are levels too.\n\n"
	       "Without FILE, the review's team scores: a unit is one cluster at one site, a rater\n"
	       "one team member; insufficient evidence is no rating; the scale is the framework's.\n"
	       "Rating is blind: the figures count only the units you may read figures of (every\n"
	       "unit for the lead; those with a consensus for reviewers and observers; see VISIBILITY\n"
	       "in qrel(1)).\n"
	       "  --site CODE     one site only          --domain N   one rubric domain only\n"
	       "  --by cluster    one row per cluster (over the sites)\n"
	       "  --by site       one row per site (over the clusters)\n"
	       "  --by rater      one row per team member: each unit they scored is paired with\n"
	       "                  every other member's score on it, and each pairing counts as a\n"
	       "                  unit of two ratings (this member, the other). So exact agreement\n"
	       "                  is how often they match a colleague, cohen_kappa is this member\n"
	       "                  against the rest of the team pooled; units counts the units they\n"
	       "                  scored that someone else also scored, raters them and those others.\n"
	       "Common options: --db FILE, --config FILE, --as NAME, --bom (CSV output for Excel).\n");
	exit(EXIT_OK);
}

static int
rating_add(struct reader *rd, const struct rating *r)
{
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 1024;
		struct rating *grown = realloc(rd->r, cap * sizeof(*grown));

		if (!grown)
			return QREL_NOMEM;
		rd->r = grown;
		rd->cap = cap;
	}
	rd->r[rd->n++] = *r;
	return QREL_OK;
}

/* Range message for a whole-number score v outside what is allowed. */
static void
score_range(struct reader *rd, int line, long v)
{
	if (rd->levels)
		diag_add(rd->d, rd->path, line, "column %s: %ld is outside the scale 1..%d", rd->column, v,
			 rd->levels);
	else if (v < 1)
		diag_add(rd->d, rd->path, line, "column %s: %ld is below 1, the lowest level", rd->column, v);
	else
		diag_add(rd->d, rd->path, line, "column %s: %ld is above %d, the most levels qrel takes",
			rd->column, v, AGREE_MAX_LEVELS);
}

/* The level labelled s on fw's scale (without case), 0 when none is. */
static long
scale_label(const struct framework *fw, const char *s)
{
	for (int i = 0; fw && i < fw->levels; i++)
		if (strcasecmp(fw->scale[i].label, s) == 0)
			return i + 1;
	return 0;
}

/* The score, 0 for no rating; -1 after a message. */
static int
parse_score(struct reader *rd, int line, char *s)
{
	int top = rd->levels ? rd->levels : AGREE_MAX_LEVELS;
	long v;

	s = str_trim(s);
	if (!*s || strcasecmp(s, "NE") == 0)
		return 0;
	if (!str_to_long(s, &v) && !(v = scale_label(rd->fw, s))) {
		diag_add(rd->d, rd->path, line, "column %s: '%.40s' is not a whole number%s", rd->column, s,
			 rd->fw ? " or a label of the framework's scale" : " (a label needs --framework FILE.ini)");
		return -1;
	}
	if (v < 1 || v > top) {
		score_range(rd, line, v);
		return -1;
	}
	if (v > rd->max)
		rd->max = (int)v;
	return (int)v;
}

/* The trimmed unit or rater field, NULL (after a message) when empty. */
static const char *
name_field(struct reader *rd, const struct csv_row *row, int which)
{
	char *s = str_trim(row->field[rd->col[which]]);

	if (*s)
		return s;
	diag_add(rd->d, rd->path, row->line, "column %s: empty", columns[which]);
	return NULL;
}

static int
on_row(void *ctx, const struct csv_row *row)
{
	struct reader *rd = ctx;
	struct rating r = { .line = row->line };
	const char *unit, *rater;
	char column[80];

	if (row->index == 0)
		return csv_columns(row, columns, rd->col, NULL, rd->d, rd->path) == QREL_OK ? 0 : QREL_PARSE;
	unit = name_field(rd, row, UNIT);
	rater = name_field(rd, row, RATER);
	snprintf(column, sizeof(column), row->cell_column ? "'%.60s' (score)" : "score", row->cell_column);
	rd->column = column;
	r.score = parse_score(rd, row->line, row->field[rd->col[2]]);
	if (!unit || !rater || r.score < 0)
		return 0;
	if (text_append(&rd->text, &rd->tlen, &rd->tcap, unit, &r.key[UNIT]) != QREL_OK ||
	    text_append(&rd->text, &rd->tlen, &rd->tcap, rater, &r.key[RATER]) != QREL_OK ||
	    rating_add(rd, &r) != QREL_OK)
		return error(QREL_NOMEM, "out of memory reading %s", rd->path);
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Numbers the distinct units (or raters) from 0 in sorted order; returns how many, -1 on no memory. */
static long
number_keys(struct reader *rd, int which)
{
	struct key *k = malloc((rd->n + 1) * sizeof(*k));
	long next = -1;

	if (!k)
		return -1;
	for (size_t i = 0; i < rd->n; i++) {
		k[i].s = rd->text + rd->r[i].key[which];
		k[i].row = i;
	}
	qsort(k, rd->n, sizeof(*k), key_cmp);
	for (size_t i = 0; i < rd->n; i++) {
		if (i == 0 || strcmp(k[i].s, k[i - 1].s) != 0)
			next++;
		rd->r[k[i].row].idx[which] = (int)next;
	}
	free(k);
	return next + 1;
}

/* cell[u * raters + r] gets the row number + 1 of the rating; a second
 * rating of the same pair is reported against the first. */
static void
place(struct reader *rd, int *cell, long raters)
{
	for (size_t i = 0; i < rd->n; i++) {
		const struct rating *r = &rd->r[i];
		int *c = &cell[(size_t)r->idx[UNIT] * (size_t)raters + (size_t)r->idx[RATER]];

		if (*c)
			diag_add(rd->d, rd->path, r->line,
				"column score: unit '%.60s' is already rated by '%.60s' on line %d",
				rd->text + r->key[UNIT], rd->text + r->key[RATER], rd->r[*c - 1].line);
		else
			*c = (int)i + 1;
	}
}

/* The score matrix for the ratings read, or NULL (error set or diags added). */
static int *
build_matrix(struct reader *rd, int *units, int *raters)
{
	long nu = number_keys(rd, UNIT), nr = number_keys(rd, RATER);
	int *cell;

	if (nu < 0 || nr < 0) {
		error(QREL_NOMEM, "out of memory");
		return NULL;
	}
	if (nr > 0 && nu > MAX_CELLS / nr) {
		error(QREL_PARSE, "%s: %ld units x %ld raters is too sparse to lay out as a matrix",
			rd->path, nu, nr);
		return NULL;
	}
	if (!(cell = calloc((size_t)(nu * nr) + 1, sizeof(*cell)))) {
		error(QREL_NOMEM, "out of memory for %ld x %ld ratings", nu, nr);
		return NULL;
	}
	place(rd, cell, nr);
	for (long i = 0; i < nu * nr; i++)
		cell[i] = cell[i] ? rd->r[cell[i] - 1].score : 0;
	*units = (int)nu;
	*raters = (int)nr;
	return cell;
}

static void
reader_free(struct reader *rd)
{
	free(rd->r);
	free(rd->text);
}

static int
report_problems(struct diags *d, const char *path)
{
	diag_print(d, stderr);
	cmd_error("%zu problem%s in %s", d->n, d->n == 1 ? "" : "s", path);
	diag_free(d);
	return EXIT_FAIL;
}

static int
compute_and_print(const int *scores, int units, int raters, int levels, enum agree_format fmt)
{
	struct agree_result r;

	if (agree_compute(scores, units, raters, levels, &r) < 0)
		return cmd_fail(error(QREL_NOMEM, "cannot compute agreement"));
	agree_print(stdout, &r, fmt, 1);
	return EXIT_OK;
}

static int
run_file(const struct agree_opts *o, const char *file)
{
	struct diags d = { 0 };
	struct reader rd = { .path = csv_source_name(file), .d = &d, .levels = o->levels };
	int units = 0, raters = 0, rc = QREL_OK, *scores = NULL;
	struct framework *fw = NULL;

	if (o->framework && (rc = framework_load(o->framework, &fw, &d)) == QREL_OK) {
		rd.fw = fw;
		rd.levels = rd.levels ? rd.levels : fw->levels;
	}
	if (rc == QREL_OK)
		rc = csv_each_opts(file, &o->csv, on_row, &rd, &d);
	if (rc == QREL_OK)
		scores = build_matrix(&rd, &units, &raters);
	reader_free(&rd);
	framework_free(fw);
	if (d.n > 0) {
		free(scores);
		return report_problems(&d, rd.path);
	}
	diag_print_warnings(&d, stderr);
	diag_free(&d);
	if (rc != QREL_OK || !scores)
		return cmd_fail(rc != QREL_OK ? rc : QREL_PARSE);
	if (o->fmt == AGREE_CSV)
		out_csv_start(stdout);
	rc = compute_and_print(scores, units, raters, rd.levels ? rd.levels : rd.max > 0 ? rd.max : 1,
			       o->fmt);
	free(scores);
	return rc;
}

/* Writes buf (agree_print's output for one row) with a leading column. */
static void
put_labelled(const char *col, const char *label, const char *buf, enum agree_format fmt, int first)
{
	const char *nl;

	if (fmt == AGREE_CSV) {
		if (first && (nl = strchr(buf, '\n'))) {
			printf("%s,%.*s", col, (int)(nl - buf + 1), buf);
			buf = nl + 1;
		}
		out_csv_text(stdout, label);
		printf(",%s", buf);
	} else if (fmt == AGREE_JSON) {	/* an element of print_review's array */
		printf("%s{\"%s\": ", first ? "  " : ", ", col);
		out_json_string(stdout, label);
		printf(", %s", buf + 1);
	} else {
		printf("%s%s ", first ? "" : "\n", col);
		text_print(stdout, label);
		printf("\n%s", buf);
	}
}

static int
print_labelled(const char *col, const char *label, const struct agree_result *r,
	       enum agree_format fmt, int first)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return error(QREL_NOMEM, "out of memory");
	agree_print(m, r, fmt, first);
	if (fclose(m) != 0) {
		free(buf);
		return error(QREL_NOMEM, "out of memory");
	}
	put_labelled(col, label, buf, fmt, first);
	free(buf);
	return QREL_OK;
}

static int
compute_labelled(const char *col, const char *label, const int *scores, int units,
		 const struct agree_data *a, enum agree_format fmt, int first)
{
	struct agree_result r;

	if (agree_compute(scores, units, a->raters, a->levels, &r) < 0)
		return error(QREL_NOMEM, "cannot compute agreement");
	return print_labelled(col, label, &r, fmt, first);
}

/* Units of one site are consecutive rows: no copy needed. */
static int
by_site(const struct agree_data *a, enum agree_format fmt)
{
	int rc = QREL_OK;

	for (int s = 0; s < a->nsites && rc == QREL_OK; s++)
		rc = compute_labelled("site", a->site_code[s],
				      a->scores + (size_t)s * (size_t)a->nclusters * (size_t)a->raters,
				      a->nclusters, a, fmt, s == 0);
	return rc;
}

static int
by_cluster(const struct agree_data *a, enum agree_format fmt)
{
	size_t row = (size_t)a->raters * sizeof(int);
	int *sub = malloc((size_t)a->nsites * row + 1);
	int rc = sub ? QREL_OK : error(QREL_NOMEM, "out of memory");

	for (int c = 0; c < a->nclusters && rc == QREL_OK; c++) {
		for (int s = 0; s < a->nsites; s++)
			memcpy(sub + (size_t)s * (size_t)a->raters,
			       a->scores + ((size_t)s * (size_t)a->nclusters + (size_t)c) * (size_t)a->raters, row);
		rc = compute_labelled("cluster", a->cluster_code[c], sub, a->nsites, a, fmt, c == 0);
	}
	free(sub);
	return rc;
}

/* Appends (rater r, each co-rater) pairs of unit u; returns 1 when there was one. */
static int
unit_pairs(const struct agree_data *a, int u, int r, int *pairs, size_t *np, char *other)
{
	const int *row = a->scores + (size_t)u * (size_t)a->raters;
	int any = 0;

	if (!row[r])
		return 0;
	for (int o = 0; o < a->raters; o++) {
		if (o == r || !row[o])
			continue;
		pairs[2 * *np] = row[r];
		pairs[2 * *np + 1] = row[o];
		(*np)++;
		other[o] = 1;
		any = 1;
	}
	return any;
}

/* Rater r against each colleague on each shared unit (see help()). */
static int
rater_result(const struct agree_data *a, int r, int *pairs, char *other, struct agree_result *out)
{
	size_t np = 0;
	int units = 0, raters = 0;

	memset(other, 0, (size_t)a->raters);
	for (int u = 0; u < a->units; u++)
		units += unit_pairs(a, u, r, pairs, &np, other);
	for (int o = 0; o < a->raters; o++)
		raters += other[o];
	if (agree_compute(pairs, (int)np, 2, a->levels, out) < 0)
		return error(QREL_NOMEM, "cannot compute agreement");
	out->units = units;
	out->raters = units ? raters + 1 : 0;
	return QREL_OK;
}

static int
by_rater(const struct agree_data *a, enum agree_format fmt)
{
	size_t most = (size_t)a->units * (size_t)(a->raters > 1 ? a->raters - 1 : 1);
	int *pairs = malloc(2 * most * sizeof(int) + 1);
	char *other = malloc((size_t)a->raters + 1);
	int rc = pairs && other ? QREL_OK : error(QREL_NOMEM, "out of memory");
	struct agree_result res;

	for (int r = 0; r < a->raters && rc == QREL_OK; r++)
		if ((rc = rater_result(a, r, pairs, other, &res)) == QREL_OK)
			rc = print_labelled("rater", a->rater_name[r], &res, fmt, r == 0);
	free(pairs);
	free(other);
	return rc;
}

static int
print_by(const struct agree_data *a, const struct agree_opts *o)
{
	switch (o->by) {
	case BY_CLUSTER:
		return by_cluster(a, o->fmt);
	case BY_SITE:
		return by_site(a, o->fmt);
	case BY_RATER:
		return by_rater(a, o->fmt);
	case BY_NONE:
		break;
	}
	return compute_and_print(a->scores, a->units, a->raters, a->levels, o->fmt) == EXIT_OK
	       ? QREL_OK : QREL_NOMEM;
}

/* Under --format json, rows by cluster, site or rater are one JSON array. */
static int
print_review(const struct agree_data *a, const struct agree_opts *o)
{
	bool array = o->fmt == AGREE_JSON && o->by != BY_NONE;
	int rc;

	if (array)
		printf("[\n");
	if (o->fmt == AGREE_CSV)
		out_csv_start(stdout);
	rc = print_by(a, o);
	if (array && rc == QREL_OK)
		printf("]\n");
	return rc;
}

static int
run_review(const struct agree_opts *o)
{
	struct agree_filter f = { 0, o->domain, NULL };
	struct vis_viewer v;
	struct agree_data a;
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if ((rc = cmd_open(&o->c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&o->c, db, review, &who)) == QREL_OK &&
	    (rc = visibility_viewer(db, review, who, &v)) == QREL_OK)
		f.viewer = &v;
	if (rc == QREL_OK && o->site && (f.site = store_site_id(db, review, o->site)) <= 0)
		rc = f.site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in the review", o->site);
	if (rc == QREL_OK && (rc = agree_db_load(db, review, &f, &a)) == QREL_OK) {
		rc = print_review(&a, o);
		agree_data_free(&a);
	}
	db_close(db);
	return cmd_fail(rc);
}

static int
parse_format(const char *s, enum agree_format *fmt)
{
	if (strcmp(s, "csv") == 0)
		*fmt = AGREE_CSV;
	else if (strcmp(s, "json") == 0)
		*fmt = AGREE_JSON;
	else if (strcmp(s, "table") == 0)
		*fmt = AGREE_TABLE;
	else
		return -1;
	return 0;
}

static int
parse_by(const char *s, enum by *by)
{
	if (strcmp(s, "cluster") == 0)
		*by = BY_CLUSTER;
	else if (strcmp(s, "site") == 0)
		*by = BY_SITE;
	else if (strcmp(s, "rater") == 0)
		*by = BY_RATER;
	else
		return -1;
	return 0;
}

static int
parse_levels(const char *s, int *levels)
{
	long v;

	if (!str_to_long(s, &v) || v < 1 || v > AGREE_MAX_LEVELS)
		return -1;
	*levels = (int)v;
	return 0;
}

/* --layout wide: a unit column (or R's unnamed row names, or none) and one column per rater. */
static int
layout_option(struct agree_opts *o, const char *arg)
{
	static const char *const keys[] = { "unit", NULL };
	static const struct csv_wide wide = { keys, "rater", "score", "unit" };

	if (strcmp(arg, "wide") != 0 && strcmp(arg, "long") != 0) {
		cmd_error("--layout is long or wide");
		return -1;
	}
	o->csv.wide = strcmp(arg, "wide") == 0 ? &wide : NULL;
	return 0;
}

/* One option; -1 for a bad one (after a message). */
static int
agree_option(struct agree_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'l':
		if (parse_levels(arg, &o->levels) == 0)
			return 0;
		cmd_error("--levels takes a whole number from 1 to %d", AGREE_MAX_LEVELS);
		return -1;
	case 'f':
		if (parse_format(arg, &o->fmt) == 0)
			return 0;
		cmd_error("--format is csv, json or table");
		return -1;
	case 'b':
		if (parse_by(arg, &o->by) == 0)
			return 0;
		cmd_error("--by is cluster, site or rater");
		return -1;
	case 's':
		o->site = arg;
		return 0;
	case 'L':
		return layout_option(o, arg);
	case 'w':
		o->framework = arg;
		return 0;
	case 'S':
		if (csv_delimiter_parse(arg, &o->csv.delimiter) == QREL_OK)
			return 0;
		cmd_error("%s", error_message());
		return -1;
	case 'E':
		if (csv_encoding_check(arg) == QREL_OK) {
			o->csv.encoding = arg;
			return 0;
		}
		cmd_error("%s", error_message());
		return -1;
	case 'd':
		o->domain = arg;
		return 0;
	}
	return -1;
}

/* A file and the review's options do not mix. */
static int
check_mode(const struct agree_opts *o, int nargs)
{
	if (nargs > 1)
		return -1;
	if (nargs == 1 && (o->c.db || o->site || o->domain || o->by != BY_NONE)) {
		cmd_error("--db, --site, --domain and --by read the review, not a file");
		return -1;
	}
	if (nargs == 0 && (o->csv.wide || o->csv.delimiter || o->csv.encoding || o->framework)) {
		cmd_error("--layout, --delimiter, --encoding and --framework are for a file");
		return -1;
	}
	if (nargs == 0 && o->levels) {
		cmd_error("--levels is for a file; the review's scale comes from its framework");
		return -1;
	}
	return 0;
}

int
cmd_agree(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "levels", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "site", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "layout", required_argument, NULL, 'L' },
		{ "delimiter", required_argument, NULL, 'S' },
		{ "encoding", required_argument, NULL, 'E' },
		{ "framework", required_argument, NULL, 'w' },
		{ 0 },
	};
	struct agree_opts o = { .fmt = AGREE_CSV };
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'h')
			help();
		if (cmd_common_option(&o.c, opt, optarg, "agree"))
			continue;
		if (agree_option(&o, opt, optarg) < 0)
			return cmd_usage("agree");
	}
	if (check_mode(&o, argc - optind) < 0)
		return cmd_usage("agree");
	if (argc - optind == 1)
		return run_file(&o, argv[optind]);
	return run_review(&o);
}

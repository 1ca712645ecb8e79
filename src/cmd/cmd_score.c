/* cmd_score.c: `qrel scores` lists scores as CSV or JSON; `qrel score` sets one
 * through the same rules as the rubric screen; `qrel lock` and `qrel reopen`. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/output.h"
#include "qrel/visibility.h"

#include <getopt.h>
#include <strings.h>

enum format { FMT_CSV, FMT_JSON, FMT_WIDE };

struct out {
	enum format fmt;
	FILE *fp;
	int rows;
};

/* RFC 4180: quoted only when the field holds a comma, a quote or a line break. */
static void
json_row(FILE *fp, const struct score_row *r, bool first)
{
	fprintf(fp, "%s\n  {\"site\": ", first ? "" : ",");
	out_json_string(fp, r->site);
	fputs(", \"cluster\": ", fp);
	out_json_string(fp, r->cluster);
	fputs(", \"rater\": ", fp);
	out_json_string(fp, r->rater);
	fputs(", \"kind\": ", fp);
	out_json_string(fp, r->kind);
	fputs(", \"level\": ", fp);
	if (!*r->level)
		fputs("null", fp);
	else if (strcmp(r->level, "NE") == 0)
		out_json_string(fp, r->level);
	else
		fputs(r->level, fp);
	fputs(", \"rationale\": ", fp);
	out_json_string(fp, r->rationale);
	fputs(", \"updated_at\": ", fp);
	out_json_string(fp, r->updated_at);
	fputc('}', fp);
}

static int
print_row(void *ctx, const struct score_row *r)
{
	struct out *o = ctx;

	if (o->fmt == FMT_JSON) {
		json_row(o->fp, r, o->rows == 0);
	} else {
		const char *f[] = { r->site, r->cluster, r->rater, r->kind, r->level, r->rationale, r->updated_at };

		for (size_t i = 0; i < ARRAY_SIZE(f); i++)
			out_csv_field(o->fp, f[i], i + 1 == ARRAY_SIZE(f));
	}
	o->rows++;
	return ferror(o->fp) ? error(QREL_IO, "writing the scores: %s", strerror(errno)) : 0;
}

/* ---- the wide layout: one row per site and cluster, one column per rater ---- */

struct wide {
	char **f;		/* site, cluster, rater, level of each score, in score_each's order */
	size_t n, cap;		/* scores */
	const char *kind;
};

static int
wide_add(void *ctx, const struct score_row *r)
{
	struct wide *w = ctx;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		char **f = realloc(w->f, cap * 4 * sizeof(*f));

		if (!f)
			return error(QREL_NOMEM, "out of memory");
		w->f = f;
		w->cap = cap;
	}
	w->f[4 * w->n] = xstrdup(r->site);
	w->f[4 * w->n + 1] = xstrdup(r->cluster);
	w->f[4 * w->n + 2] = xstrdup(r->rater);
	w->f[4 * w->n + 3] = xstrdup(r->level);
	w->n++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The raters, sorted, each once; *n gets how many. */
static char **
wide_raters(const struct wide *w, size_t *n)
{
	char **r = malloc((w->n + 1) * sizeof(*r));

	*n = 0;
	if (!r)
		return NULL;
	for (size_t i = 0; i < w->n; i++)
		r[i] = w->f[4 * i + 2];
	qsort(r, w->n, sizeof(*r), name_cmp);
	for (size_t i = 0; i < w->n; i++)
		if (*n == 0 || strcmp(r[*n - 1], r[i]) != 0)
			r[(*n)++] = r[i];
	return r;
}

/* Scores [from, to) are one site and cluster. */
static void
wide_line(FILE *fp, const struct wide *w, size_t from, size_t to, char *const *raters, size_t nr)
{
	out_csv_text(fp, w->f[4 * from]);
	fputc(',', fp);
	out_csv_text(fp, w->f[4 * from + 1]);
	fputc(',', fp);
	out_csv_token(fp, w->kind);
	for (size_t r = 0; r < nr; r++) {
		fputc(',', fp);
		for (size_t i = from; i < to; i++)
			if (strcmp(w->f[4 * i + 2], raters[r]) == 0)
				out_csv_token(fp, w->f[4 * i + 3]);
	}
	fputc('\n', fp);
}

static bool
same_place(const struct wide *w, size_t a, size_t b)
{
	return strcmp(w->f[4 * a], w->f[4 * b]) == 0 && strcmp(w->f[4 * a + 1], w->f[4 * b + 1]) == 0;
}

static int
wide_print(FILE *fp, const struct wide *w)
{
	size_t nr;
	char **raters = wide_raters(w, &nr);

	if (!raters)
		return error(QREL_NOMEM, "out of memory");
	out_csv_start(fp);
	fputs("site,cluster,kind", fp);
	for (size_t r = 0; r < nr; r++) {
		fputc(',', fp);
		out_csv_text(fp, raters[r]);
	}
	fputc('\n', fp);
	for (size_t from = 0, to; from < w->n; from = to) {
		for (to = from + 1; to < w->n && same_place(w, from, to); to++)
			;
		wide_line(fp, w, from, to, raters, nr);
	}
	free(raters);
	return ferror(fp) ? error(QREL_IO, "writing the scores: %s", strerror(errno)) : QREL_OK;
}

/* The wide layout holds one kind of score: team unless --kind says. */
static int
list_wide(struct db *db, int64_t review, const char *viewer, int64_t site, const char *kind)
{
	struct wide w = { .kind = kind ? kind : "team" };
	int rc = score_each_visible(db, review, viewer, site, w.kind, wide_add, &w);

	if (rc == QREL_OK)
		rc = wide_print(stdout, &w);
	for (size_t i = 0; i < 4 * w.n; i++)
		free(w.f[i]);
	free(w.f);
	return rc;
}

static int
list_long(struct db *db, int64_t review, const char *viewer, int64_t site, const char *kind, struct out *o)
{
	int rc;

	if (o->fmt == FMT_CSV) {
		out_csv_start(o->fp);
		fputs("site,cluster,rater,kind,level,rationale,updated_at\n", o->fp);
	} else {
		fputc('[', o->fp);
	}
	rc = score_each_visible(db, review, viewer, site, kind, print_row, o);
	if (o->fmt == FMT_JSON)
		fputs(o->rows ? "\n]\n" : "]\n", o->fp);
	return rc;
}

static int
list_scores(struct db *db, int64_t review, const char *viewer, const char *site_code, const char *kind,
	    enum format fmt)
{
	struct out o = { fmt, stdout, 0 };
	int64_t site = 0;
	int rc;

	if (site_code && (site = store_site_id(db, review, site_code)) <= 0)
		return site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", site_code);
	if (fmt == FMT_WIDE)
		rc = list_wide(db, review, viewer, site, kind);
	else
		rc = list_long(db, review, viewer, site, kind, &o);
	if (rc == QREL_OK && fflush(stdout) != 0)
		rc = error(QREL_IO, "writing the scores: %s", strerror(errno));
	return rc;
}

int
cmd_scores(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "layout", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	const char *site = NULL, *kind = NULL, *who;
	bool wide = false;
	enum format fmt = FMT_CSV;
	enum score_kind k;
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "scores"))
			continue;
		if (opt == 's')
			site = optarg;
		else if (opt == 'k')
			kind = optarg;
		else if (opt == 'f' && (!strcmp(optarg, "csv") || !strcmp(optarg, "json")))
			fmt = strcmp(optarg, "json") == 0 ? FMT_JSON : FMT_CSV;
		else if (opt == 'l' && (!strcmp(optarg, "long") || !strcmp(optarg, "wide")))
			wide = strcmp(optarg, "wide") == 0;
		else
			return cmd_usage("scores");
	}
	if (optind != argc || (wide && fmt == FMT_JSON))
		return cmd_usage("scores");
	if (wide)
		fmt = FMT_WIDE;
	if (kind && score_kind_parse(kind, &k) != QREL_OK)
		return cmd_fail(QREL_USAGE);
	if ((rc = cmd_open(&c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&c, db, review, &who)) == QREL_OK)
		rc = list_scores(db, review, who, site, kind ? score_kind_name(k) : NULL, fmt);
	db_close(db);
	return cmd_fail(rc);
}

/* --level: a number from the scale or its label ("Developing"), NE, or 0 to clear. */
static int
parse_level(struct db *db, int64_t review, const char *s, int *level, bool *ne)
{
	char *end;
	long n;

	*ne = strcasecmp(s, "NE") == 0;
	*level = 0;
	if (*ne)
		return QREL_OK;
	errno = 0;
	n = strtol(s, &end, 10);
	if (*s && *end && (n = score_level_label(db, review, s)) < 0)
		return QREL_DB;
	if (!*s || (*end && n == 0) || errno || n < 0 || n > 99)
		return error(QREL_USAGE, "--level must be a level of the scale or its label, NE or 0 (to clear), "
			     "not '%s'", s);
	*level = (int)n;
	return QREL_OK;
}

struct score_args {
	const char *site, *cluster, *level, *kind, *rationale;
	long long expect;	/* --expect-version; SCORE_ANY_VERSION when not given */
};

/* --expect-version N: the version the caller read (0: none yet), so a script
 * cannot overwrite a change it has not seen. */
static int
parse_version(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!*s || *end || errno || *out < 0)
		return error(QREL_USAGE, "--expect-version must be a row version (0 or more), not '%s'", s);
	return QREL_OK;
}

static int
set_score(struct db *db, int64_t review, const char *who, const struct score_args *a)
{
	int64_t site = store_site_id(db, review, a->site), cluster = store_cluster_id(db, review, a->cluster);
	struct store_member me;
	enum score_kind kind;
	char lv[16];
	bool ne;
	int level, rc;

	if (site <= 0 || cluster <= 0)
		return site < 0 || cluster < 0 ? QREL_DB : error(QREL_NOTFOUND, "no %s '%s' in this review",
			site <= 0 ? "site" : "cluster", site <= 0 ? a->site : a->cluster);
	if ((rc = parse_level(db, review, a->level, &level, &ne)) != QREL_OK)
		return rc;
	if ((rc = store_member(db, review, who, 0, &me)) != QREL_OK)
		return rc;
	kind = score_kind_for_role(me.id > 0 ? me.role : NULL);
	if (a->kind && (rc = score_kind_parse(a->kind, &kind)) != QREL_OK)
		return QREL_USAGE;
	snprintf(lv, sizeof(lv), "%d", level);
	if ((rc = score_set_expect(db, review, who, site, cluster, kind, level, ne, a->rationale, a->expect,
				   NULL)) != QREL_OK)
		return rc;
	printf("%s %s %s score by %s: %s\n", a->site, a->cluster, score_kind_name(kind), who,
	       ne ? "NE" : level ? lv : "cleared");
	return QREL_OK;
}

int
cmd_score(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' },
		{ "cluster", required_argument, NULL, 'c' },
		{ "level", required_argument, NULL, 'l' },
		{ "kind", required_argument, NULL, 'k' },
		{ "rationale", required_argument, NULL, 'r' },
		{ "expect-version", required_argument, NULL, 'V' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	struct score_args a = { .expect = SCORE_ANY_VERSION };
	const char *who;
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "score"))
			continue;
		switch (opt) {
		case 's': a.site = optarg; break;
		case 'c': a.cluster = optarg; break;
		case 'l': a.level = optarg; break;
		case 'k': a.kind = optarg; break;
		case 'r': a.rationale = optarg; break;
		case 'V':
			if (parse_version(optarg, &a.expect) != QREL_OK)
				return cmd_fail(QREL_USAGE);
			break;
		default: return cmd_usage("score");
		}
	}
	if (optind != argc || !a.site || !a.cluster || !a.level)
		return cmd_usage("score");
	if ((rc = cmd_open(&c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&c, db, review, &who)) == QREL_OK)
		rc = set_score(db, review, who, &a);
	db_close(db);
	return cmd_fail(rc);
}

/* --site CODE, or 0 for --review. */
static int
lock_one(struct db *db, int64_t review, const char *who, const char *site, bool lock, const char *reason)
{
	int64_t id = 0;
	int rc;

	if (site && (id = store_site_id(db, review, site)) <= 0)
		return id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", site);
	if ((rc = score_lock_site(db, review, who, id, lock, reason)) != QREL_OK)
		return rc;
	printf("%s%s %s by %s%s%s\n", site ? "site " : "the review", site ? site : "", lock ? "locked" : "reopened",
	       who, reason ? ": " : "", reason ? reason : "");
	return QREL_OK;
}

/* lock and reopen take the same options; reopen needs --reason (score_lock_site says so). */
static int
lock_command(int argc, char **argv, bool lock)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' },
		{ "review", no_argument, NULL, 'R' },
		{ "reason", required_argument, NULL, 'r' },
		{ 0 },
	};
	const char *name = lock ? "lock" : "reopen", *site = NULL, *reason = NULL;
	struct cmd_common c = { 0 };
	bool whole = false;
	const char *who;
	struct db *db;
	int64_t review;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, name))
			continue;
		switch (opt) {
		case 's': site = optarg; break;
		case 'R': whole = true; break;
		case 'r': reason = optarg; break;
		default: return cmd_usage(name);
		}
	}
	if (optind != argc || !site == !whole)
		return cmd_usage(name);
	if ((rc = cmd_open(&c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&c, db, review, &who)) == QREL_OK)
		rc = lock_one(db, review, who, site, lock, reason);
	db_close(db);
	return cmd_fail(rc);
}

int
cmd_lock(int argc, char **argv)
{
	return lock_command(argc, argv, true);
}

int
cmd_reopen(int argc, char **argv)
{
	return lock_command(argc, argv, false);
}

/* release [--site CODE]: the lead releases the findings to principals (visibility.h). */
int
cmd_release(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "site", required_argument, NULL, 's' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	const char *site = NULL, *who;
	int64_t review, id = 0;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cmd_common_option(&c, opt, optarg, "release"))
			continue;
		if (opt != 's')
			return cmd_usage("release");
		site = optarg;
	}
	if (optind != argc)
		return cmd_usage("release");
	if ((rc = cmd_open(&c, 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if (site && (id = store_site_id(db, review, site)) <= 0)
		rc = id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", site);
	if (rc == QREL_OK && (rc = cmd_who(&c, db, review, &who)) == QREL_OK &&
	    (rc = visibility_release(db, review, who, id)) == QREL_OK)
		printf("findings %s%s released to %s by %s\n", site ? "at site " : "at every site", site ? site : "",
		       site ? "its principal" : "the principals", who);
	db_close(db);
	return cmd_fail(rc);
}

/* hub_portfolio.c: `qrel portfolio`: consensus levels per cluster across the
 * hub's reviews (and per year), and disproportionality across districts. */
#include "qrel/qrel.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"
#include "qrel/output.h"
#include "qrel/subgroup.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a view prints: rows of text cells (NULL: none, or withheld). */
struct grid {
	int ncols;
	const char *const *cols;
	unsigned text;		/* bit i: column i is text (else a number) */
	int nrows, cap;
	char **cell;		/* nrows * ncols */
};

enum { P_CLUSTER, P_TITLE, P_LEVEL, P_SITES, P_SHARE, P_REVIEWS, P_HERE, P_MEAN, P_HERE_MEAN, P_BELOW, P_COLS };
static const char *const cluster_cols[P_COLS] = { "cluster", "title", "level", "sites", "share", "reviews",
						  "review_sites", "cluster_mean", "review_mean", "reviews_below" };

/* The distribution, each row with its share of the cluster's sites and the
 * cluster's standing (hub.portfolio_standing) joined on. */
static const char clusters_sql[] =
	"SELECT p.cluster, p.title, p.level::text, p.sites::text, "
	"round(100.0 * p.sites / sum(p.sites) OVER (PARTITION BY p.cluster), 1)::text, p.reviews::text, "
	"p.here::text, s.mean::text, s.here::text, s.below::text "
	"FROM hub.portfolio($1, $2) p LEFT JOIN hub.portfolio_standing($1, $2) s ON s.cluster = p.cluster";

enum { Y_CLUSTER, Y_TITLE, Y_YEAR, Y_LEVEL, Y_SITES, Y_SHARE, Y_REVIEWS, Y_HERE, Y_COLS };
static const char *const year_cols[Y_COLS] = { "cluster", "title", "year", "level", "sites", "share", "reviews",
					       "review_sites" };
static const char years_sql[] =
	"SELECT cluster, title, year, level::text, sites::text, "
	"round(100.0 * sites / sum(sites) OVER (PARTITION BY cluster, year), 1)::text, reviews::text, here::text "
	"FROM hub.portfolio_years($1, $2)";

enum { G_METRIC, G_NAME, G_DIM, G_GROUP, G_REVIEWS, G_ENROLLED, G_COUNT, G_RISK, G_RATIO, G_FLAGGED,
       G_HERE_ENROLLED, G_HERE_COUNT, G_HERE_RISK, G_HERE_RATIO, G_HERE_FLAGGED, G_COLS };
static const char *const group_cols[G_COLS] = { "metric", "name", "dimension", "group", "reviews", "enrolled",
						"count", "risk", "ratio", "flagged", "review_enrolled", "review_count",
						"review_risk", "review_ratio", "review_flagged" };
static const char groups_sql[] =
	"SELECT metric, name, direction, dimension, grp, reviews::text, enrolled::text, count::text, "
	"here_enrolled::text, here_count::text FROM hub.portfolio_groups($1, $2)";

/* ---- the grid ---- */

static int
grid_row(struct grid *g)
{
	if (g->nrows == g->cap) {
		int cap = g->cap ? g->cap * 2 : 64;
		char **cell = realloc(g->cell, (size_t)cap * (size_t)g->ncols * sizeof(*cell));

		if (!cell)
			return error(QREL_NOMEM, "out of memory reading the portfolio");
		g->cell = cell;
		g->cap = cap;
	}
	memset(g->cell + (size_t)g->nrows * (size_t)g->ncols, 0, (size_t)g->ncols * sizeof(*g->cell));
	g->nrows++;
	return QREL_OK;
}

static void
grid_set(struct grid *g, int col, const char *v)
{
	char **cell = &g->cell[(size_t)(g->nrows - 1) * (size_t)g->ncols + (size_t)col];

	free(*cell);
	*cell = v ? xstrdup(v) : NULL;
}

static const char *
grid_at(const struct grid *g, int row, int col)
{
	return g->cell[(size_t)row * (size_t)g->ncols + (size_t)col];
}

static void
grid_free(struct grid *g)
{
	for (size_t i = 0; i < (size_t)g->nrows * (size_t)g->ncols; i++)
		free(g->cell[i]);
	free(g->cell);
}

/* Result columns 0..ncols-1 as they come (NULL for SQL NULL). */
static int
grid_from(struct grid *g, PGresult *r)
{
	int rc = QREL_OK;

	for (int row = 0; row < PQntuples(r) && rc == QREL_OK; row++)
		if ((rc = grid_row(g)) == QREL_OK)
			for (int i = 0; i < g->ncols; i++)
				grid_set(g, i, PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i));
	return rc;
}

static void
print_csv(const struct grid *g, FILE *out)
{
	for (int i = 0; i < g->ncols; i++)
		fprintf(out, "%s%c", g->cols[i], i + 1 < g->ncols ? ',' : '\n');
	for (int row = 0; row < g->nrows; row++)
		for (int i = 0; i < g->ncols; i++) {
			const char *v = grid_at(g, row, i);

			if (g->text & (1u << i))
				out_csv_text(out, v ? v : "");
			else
				out_csv_token(out, v ? v : "");
			fputc(i + 1 < g->ncols ? ',' : '\n', out);
		}
}

static void
print_json(const struct grid *g, FILE *out)
{
	fputc('[', out);
	for (int row = 0; row < g->nrows; row++) {
		fprintf(out, "%s\n  {", row ? "," : "");
		for (int i = 0; i < g->ncols; i++) {
			const char *v = grid_at(g, row, i);

			fprintf(out, "%s\"%s\": ", i ? ", " : "", g->cols[i]);
			if (!v)
				fputs("null", out);
			else if (g->text & (1u << i))
				out_json_string(out, v);
			else
				fputs(v, out);
		}
		fputc('}', out);
	}
	fputs(g->nrows ? "\n]\n" : "]\n", out);
}

static const char *
or_dash(const char *v)
{
	return v ? v : "-";
}

/* ---- tables ---- */

/* One block per cluster: each level's share of the portfolio's sites (and
 * this review's sites there), then where the review's mean stands. */
static void
clusters_table(const struct grid *g, FILE *out)
{
	const char *last = "";

	for (int row = 0; row < g->nrows; row++) {
		const char *cl = grid_at(g, row, P_CLUSTER);

		if (strcmp(cl, last) != 0) {
			fprintf(out, "%s", row ? "\n" : "");
			text_print(out, cl);
			fputs("  ", out);
			text_print(out, grid_at(g, row, P_TITLE));
			fprintf(out, "\n  mean %s over %s reviews", or_dash(grid_at(g, row, P_MEAN)),
				grid_at(g, row, P_REVIEWS));
			if (grid_at(g, row, P_HERE_MEAN))
				fprintf(out, "; this review %s, above %s of them", grid_at(g, row, P_HERE_MEAN),
					or_dash(grid_at(g, row, P_BELOW)));
			fputc('\n', out);
			last = cl;
		}
		fprintf(out, "  level %s: %5s%% of %s sites", grid_at(g, row, P_LEVEL), grid_at(g, row, P_SHARE),
			grid_at(g, row, P_SITES));
		if (grid_at(g, row, P_HERE))
			fprintf(out, "  (this review: %s)", grid_at(g, row, P_HERE));
		fputc('\n', out);
	}
	if (!g->nrows)
		fputs("no consensus scores on the hub for this framework yet\n", out);
}

/* One block per cluster, a line per year: each level's share that year. */
static void
years_table(const struct grid *g, FILE *out)
{
	const char *last = "", *year = NULL;

	for (int row = 0; row < g->nrows; row++) {
		const char *cl = grid_at(g, row, Y_CLUSTER), *y = grid_at(g, row, Y_YEAR);

		if (strcmp(cl, last) != 0) {
			fprintf(out, "%s", row ? "\n" : "");
			text_print(out, cl);
			fputs("  ", out);
			text_print(out, grid_at(g, row, Y_TITLE));
			last = cl;
			year = NULL;
		}
		if (!year || strcmp(year, y) != 0) {
			fputs("\n  ", out);
			text_print(out, *y ? y : "(no year)");
			fputc(':', out);
			year = y;
		}
		fprintf(out, "  level %s %s%% of %s", grid_at(g, row, Y_LEVEL), grid_at(g, row, Y_SHARE),
			grid_at(g, row, Y_SITES));
		if (grid_at(g, row, Y_HERE) && strcmp(grid_at(g, row, Y_HERE), "0") != 0)
			fprintf(out, " (here %s)", grid_at(g, row, Y_HERE));
	}
	fputs(g->nrows ? "\n" : "no consensus scores on the hub for this framework yet\n", out);
}

/* One block per metric and dimension, a line per group: the pooled risk and
 * ratio across districts, then this review's. */
static void
groups_table(const struct grid *g, FILE *out)
{
	char key[256] = "";

	for (int row = 0; row < g->nrows; row++) {
		char k[256];

		snprintf(k, sizeof(k), "%s\x1f%s", grid_at(g, row, G_METRIC), grid_at(g, row, G_DIM));
		if (strcmp(k, key) != 0) {
			fprintf(out, "%s", row ? "\n" : "");
			text_print(out, grid_at(g, row, G_NAME));
			fputs(" by ", out);
			text_print(out, grid_at(g, row, G_DIM));
			fputc('\n', out);
			snprintf(key, sizeof(key), "%s", k);
		}
		fputs("  ", out);
		text_print(out, grid_at(g, row, G_GROUP));
		fprintf(out, ": %s districts, %s enrolled, risk %s, ratio %s%s", grid_at(g, row, G_REVIEWS),
			grid_at(g, row, G_ENROLLED), or_dash(grid_at(g, row, G_RISK)), or_dash(grid_at(g, row, G_RATIO)),
			strcmp(or_dash(grid_at(g, row, G_FLAGGED)), "true") == 0 ? " FLAGGED" : "");
		if (grid_at(g, row, G_HERE_ENROLLED))
			fprintf(out, "; this review ratio %s%s", or_dash(grid_at(g, row, G_HERE_RATIO)),
				strcmp(or_dash(grid_at(g, row, G_HERE_FLAGGED)), "true") == 0 ? " FLAGGED" : "");
		fputc('\n', out);
	}
	if (!g->nrows)
		fputs("no subgroup tables on the hub for this framework yet (a lead's push carries them)\n", out);
	else
		fputs("\n(- : withheld, fewer students than [privacy] min_display, or no ratio)\n", out);
}

/* ---- disproportionality across districts ---- */

/* Pooled over fewer districts, a review's own figures taken from the pool
 * would give another district's: its count, risk, ratio and flag are withheld. */
#define HUB_MIN_DISTRICTS 3

/* The rows of one metric and dimension: [from, to) of r. */
static int
block_end(PGresult *r, int from)
{
	int to = from + 1;

	while (to < PQntuples(r) && strcmp(PQgetvalue(r, to, 0), PQgetvalue(r, from, 0)) == 0 &&
	       strcmp(PQgetvalue(r, to, 3), PQgetvalue(r, from, 3)) == 0)
		to++;
	return to;
}

static void
set_number(struct grid *g, int col, int decimals, double v, bool defined)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	grid_set(g, col, defined ? buf : NULL);
}

/* One table's statistics (suppressed) into the columns from col on: enrolled,
 * count, risk, ratio, flagged. */
static void
set_stats(struct grid *g, int col, const struct subgroup_entry *e)
{
	set_number(g, col, 0, (double)e->enrolled, true);
	set_number(g, col + 1, 0, (double)e->count, !e->hidden);
	set_number(g, col + 2, 4, e->stat.risk.value, !e->hidden && e->stat.risk.defined);
	set_number(g, col + 3, 2, e->stat.ratio.value, !e->hidden && e->stat.ratio.defined);
	grid_set(g, col + 4, e->flagged ? "true" : "false");
}

/* The pooled table (result columns 6, 7) and this review's (8, 9; absent when
 * the caller may not see them) of one block, each through subgroup.c's rules. */
static int
groups_block(struct grid *g, PGresult *r, int from, int to, const struct settings *s)
{
	int n = to - from, rc = QREL_OK;
	struct risk_group *all = calloc((size_t)n, sizeof(*all)), *here = calloc((size_t)n, sizeof(*here));
	bool favourable = strcmp(PQgetvalue(r, from, 2), "favourable") == 0, has_here = !PQgetisnull(r, from, 8);
	struct subgroup_table ta = { 0 }, th = { 0 };
	size_t nh = 0;

	if (!all || !here)
		rc = error(QREL_NOMEM, "out of memory computing the portfolio");
	for (int i = 0; all && here && i < n; i++) {
		all[i] = (struct risk_group){ PQgetvalue(r, from + i, 4), atol(PQgetvalue(r, from + i, 6)),
					      atol(PQgetvalue(r, from + i, 7)) };
		if (!PQgetisnull(r, from + i, 8))
			here[nh++] = (struct risk_group){ all[i].name, atol(PQgetvalue(r, from + i, 8)),
							  atol(PQgetvalue(r, from + i, 9)) };
	}
	if (rc == QREL_OK && (rc = subgroup_from_groups(all, (size_t)n, favourable, s, &ta)) == QREL_OK && has_here)
		rc = subgroup_from_groups(here, nh, favourable, s, &th);
	for (int i = 0; rc == QREL_OK && i < n && (rc = grid_row(g)) == QREL_OK; i++) {
		int hi = subgroup_find(&th, all[i].name);

		grid_set(g, G_METRIC, PQgetvalue(r, from + i, 0));
		grid_set(g, G_NAME, PQgetvalue(r, from + i, 1));
		grid_set(g, G_DIM, PQgetvalue(r, from + i, 3));
		grid_set(g, G_GROUP, all[i].name);
		grid_set(g, G_REVIEWS, PQgetvalue(r, from + i, 5));
		set_stats(g, G_ENROLLED, &ta.row[i]);
		for (int c = G_COUNT; c <= G_FLAGGED && atol(PQgetvalue(r, from + i, 5)) < HUB_MIN_DISTRICTS; c++)
			grid_set(g, c, NULL);
		if (hi >= 0)
			set_stats(g, G_HERE_ENROLLED, &th.row[hi]);
	}
	subgroup_table_free(&ta);
	subgroup_table_free(&th);
	free(all);
	free(here);
	return rc;
}

static int
groups_grid(struct grid *g, PGresult *r, const struct settings *s)
{
	int rc = QREL_OK;

	for (int from = 0, to; from < PQntuples(r) && rc == QREL_OK; from = to) {
		to = block_end(r, from);
		rc = groups_block(g, r, from, to, s);
	}
	return rc;
}

/* ---- views ---- */

static const struct view {
	const char *sql;
	const char *const *cols;
	int ncols;
	unsigned text;
	void (*table)(const struct grid *g, FILE *out);
} views[] = {
	[HUB_CLUSTERS] = { clusters_sql, cluster_cols, P_COLS, 1u << P_CLUSTER | 1u << P_TITLE, clusters_table },
	[HUB_YEARS] = { years_sql, year_cols, Y_COLS, 1u << Y_CLUSTER | 1u << Y_TITLE | 1u << Y_YEAR, years_table },
	[HUB_GROUPS] = { groups_sql, group_cols, G_COLS,
			 1u << G_METRIC | 1u << G_NAME | 1u << G_DIM | 1u << G_GROUP, groups_table },
};

int
hub_portfolio(PGconn *c, const struct hub_portfolio_ask *ask, FILE *out)
{
	const struct view *v = &views[ask->view];
	const char *p[2] = { ask->framework, ask->review };
	struct grid g = { .ncols = v->ncols, .cols = v->cols, .text = v->text };
	PGresult *r = NULL;
	int rc;

	if ((rc = hub_check_version(c)) != QREL_OK || (rc = hub_query(c, v->sql, 2, p, "the portfolio", &r)) != QREL_OK)
		return rc;
	rc = ask->view == HUB_GROUPS ? groups_grid(&g, r, ask->settings) : grid_from(&g, r);
	PQclear(r);
	if (rc == QREL_OK && ask->format == HUB_CSV)
		print_csv(&g, out);
	else if (rc == QREL_OK && ask->format == HUB_JSON)
		print_json(&g, out);
	else if (rc == QREL_OK)
		v->table(&g, out);
	grid_free(&g);
	return rc;
}

/* ---- in the background, for the screens ---- */

/* The child: connects, writes the table (or "!" and the error) to fd, exits. */
static void
fetch_child(int fd, const char *url, const struct hub_portfolio_ask *ask)
{
	FILE *out = fdopen(fd, "w");
	struct pg_conn *pg;
	int rc;

	if (!out)
		_exit(1);
	setenv("PGCONNECT_TIMEOUT", "10", 0);
	if ((rc = hub_connect(url, &pg)) == QREL_OK) {
		fputc(' ', out);
		rc = hub_portfolio(pg, ask, out);
		hub_close(pg);
	}
	if (rc != QREL_OK)
		fprintf(out, "\n!%s", error_message());
	fflush(out);
	_exit(rc == QREL_OK ? 0 : 1);
}

int
hub_fetch_start(struct hub_fetch *f, const char *url, const struct hub_portfolio_ask *ask)
{
	int fd[2];

	hub_fetch_end(f);
	if (pipe(fd) != 0)
		return error(QREL_IO, "cannot reach the hub: %s", strerror(errno));
	fflush(NULL);
	if ((f->pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return error(QREL_IO, "cannot reach the hub: %s", strerror(errno));
	}
	if (f->pid == 0) {
		close(fd[0]);
		fetch_child(fd[1], url, ask);
	}
	close(fd[1]);
	fcntl(fd[0], F_SETFL, fcntl(fd[0], F_GETFL) | O_NONBLOCK);
	f->fd = fd[0];
	f->state = HUB_FETCHING;
	return QREL_OK;
}

/* The child's text: a table after the leading space, or an error after "\n!";
 * a child that did not exit 0 (killed, crashed) left no whole table. */
static void
fetch_done(struct hub_fetch *f, bool exited_ok)
{
	char *bang = f->len ? strstr(f->text, "\n!") : NULL;

	f->state = exited_ok && f->len && f->text[0] == ' ' && !bang ? HUB_FETCHED : HUB_FETCH_FAILED;
	if (f->state == HUB_FETCHED)
		memmove(f->text, f->text + 1, f->len--);
	else if (bang)
		memmove(f->text, bang + 2, strlen(bang + 2) + 1);
	else
		snprintf(f->text, f->cap, "the hub's answer was cut off");
}

int
hub_fetch_poll(struct hub_fetch *f)
{
	char buf[4096];
	ssize_t n;
	int status;

	if (f->state != HUB_FETCHING)
		return f->state;
	while ((n = read(f->fd, buf, sizeof(buf))) > 0) {
		if (f->len + (size_t)n + 1 > f->cap) {
			size_t cap = (f->len + (size_t)n + 1) * 2;
			char *t = realloc(f->text, cap);

			if (!t)
				break;
			f->text = t;
			f->cap = cap;
		}
		memcpy(f->text + f->len, buf, (size_t)n);
		f->len += (size_t)n;
		f->text[f->len] = '\0';
	}
	if (n < 0 && errno == EAGAIN)
		return f->state;
	close(f->fd);
	f->fd = -1;
	if (waitpid(f->pid, &status, 0) != f->pid)
		status = -1;
	f->pid = 0;
	if (!f->text && !(f->text = calloc(1, f->cap = 64)))
		return f->state = HUB_FETCH_FAILED;
	fetch_done(f, status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return f->state;
}

void
hub_fetch_end(struct hub_fetch *f)
{
	if (f->state == HUB_FETCHING && f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	if (f->state == HUB_FETCHING && f->fd >= 0)
		close(f->fd);
	free(f->text);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

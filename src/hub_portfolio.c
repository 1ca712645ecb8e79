/* hub_portfolio.c: `qrel portfolio`: consensus levels per cluster across the hub's reviews. */
#include "qrel/qrel.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"
#include "qrel/output.h"
#include "qrel/text.h"

/* One distribution row with its cluster's standing: the columns printed. */
enum { P_CLUSTER, P_TITLE, P_LEVEL, P_SITES, P_SHARE, P_REVIEWS, P_HERE, P_MEAN, P_HERE_MEAN, P_BELOW, P_COLS };
static const char *const columns[P_COLS] = { "cluster", "title", "level", "sites", "share", "reviews", "review_sites",
					     "cluster_mean", "review_mean", "reviews_below" };

/* The distribution, each row with its share of the cluster's sites and the
 * cluster's standing (hub.portfolio_standing) joined on. */
static const char portfolio_sql[] =
	"SELECT p.cluster, p.title, p.level::text, p.sites::text, "
	"round(100.0 * p.sites / sum(p.sites) OVER (PARTITION BY p.cluster), 1)::text, p.reviews::text, "
	"p.here::text, s.mean::text, s.here::text, s.below::text "
	"FROM hub.portfolio($1, $2) p LEFT JOIN hub.portfolio_standing($1, $2) s ON s.cluster = p.cluster";

static bool
numeric_column(int i)
{
	return i != P_CLUSTER && i != P_TITLE;
}

static void
print_csv(PGresult *r, FILE *out)
{
	for (int i = 0; i < P_COLS; i++)
		fprintf(out, "%s%c", columns[i], i + 1 < P_COLS ? ',' : '\n');
	for (int row = 0; row < PQntuples(r); row++)
		for (int i = 0; i < P_COLS; i++) {
			const char *v = PQgetisnull(r, row, i) ? "" : PQgetvalue(r, row, i);

			if (numeric_column(i))
				out_csv_token(out, v);
			else
				out_csv_text(out, v);
			fputc(i + 1 < P_COLS ? ',' : '\n', out);
		}
}

static void
print_json(PGresult *r, FILE *out)
{
	fputc('[', out);
	for (int row = 0; row < PQntuples(r); row++) {
		fprintf(out, "%s\n  {", row ? "," : "");
		for (int i = 0; i < P_COLS; i++) {
			fprintf(out, "%s\"%s\": ", i ? ", " : "", columns[i]);
			if (PQgetisnull(r, row, i))
				fputs("null", out);
			else if (numeric_column(i))
				fputs(PQgetvalue(r, row, i), out);
			else
				out_json_string(out, PQgetvalue(r, row, i));
		}
		fputc('}', out);
	}
	fputs(PQntuples(r) ? "\n]\n" : "]\n", out);
}

/* One block per cluster: each level's share of the portfolio's sites (and
 * this review's sites there), then where the review's mean stands. */
static void
print_table(PGresult *r, FILE *out)
{
	const char *last = "";

	for (int row = 0; row < PQntuples(r); row++) {
		const char *cl = PQgetvalue(r, row, P_CLUSTER);

		if (strcmp(cl, last) != 0) {
			fprintf(out, "%s", row ? "\n" : "");
			text_print(out, cl);
			fputs("  ", out);
			text_print(out, PQgetvalue(r, row, P_TITLE));
			fprintf(out, "\n  mean %s over %s reviews", PQgetvalue(r, row, P_MEAN), PQgetvalue(r, row, P_REVIEWS));
			if (!PQgetisnull(r, row, P_HERE_MEAN))
				fprintf(out, "; this review %s, above %s of them", PQgetvalue(r, row, P_HERE_MEAN),
					PQgetvalue(r, row, P_BELOW));
			fputc('\n', out);
			last = cl;
		}
		fprintf(out, "  level %s: %5s%% of %s sites", PQgetvalue(r, row, P_LEVEL), PQgetvalue(r, row, P_SHARE),
			PQgetvalue(r, row, P_SITES));
		if (!PQgetisnull(r, row, P_HERE))
			fprintf(out, "  (this review: %s)", PQgetvalue(r, row, P_HERE));
		fputc('\n', out);
	}
	if (!PQntuples(r))
		fputs("no consensus scores on the hub for this framework yet\n", out);
}

int
hub_portfolio(PGconn *c, const char *framework, const char *review, enum hub_format fmt, FILE *out)
{
	const char *p[2] = { framework, review };
	PGresult *r = NULL;
	int rc;

	if ((rc = hub_check_version(c)) != QREL_OK ||
	    (rc = hub_query(c, portfolio_sql, 2, p, "the portfolio", &r)) != QREL_OK)
		return rc;
	if (fmt == HUB_CSV)
		print_csv(r, out);
	else if (fmt == HUB_JSON)
		print_json(r, out);
	else
		print_table(r, out);
	PQclear(r);
	return QREL_OK;
}

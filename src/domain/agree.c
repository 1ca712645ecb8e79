/* Rater-agreement statistics over a units x raters matrix of ordinal scores. */
#include "qrel/agree.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define WHY_NO_PAIRS "no pairable values"
#define WHY_TWO_RATERS "needs exactly two raters"
#define WHY_NO_COMMON "no units rated by both raters"
#define WHY_NO_VARIATION "no variation in ratings"
#define WHY_UNEQUAL "units have different numbers of ratings"
#define WHY_FEW "needs two or more ratings per unit"
#define WHY_NO_RATINGS "no ratings"

/* Disagreement weights: kappas use nominal/linear/squared, alpha adds ordinal. */
enum metric {
	M_NOMINAL,
	M_LINEAR,
	M_SQUARED,
	M_ORDINAL,
};

struct grid {
	const int *s;
	int units, raters, levels;
};

/* Scratch space sized by the scale, allocated once per agree_compute call. */
struct work {
	int *cnt;	/* per-unit count of each level */
	double *tab;	/* levels x levels: agreement table or coincidences */
	double *m1, *m2;	/* marginals */
};

static int score_at(const struct grid *g, int u, int r)
{
	return g->s[(size_t)u * (size_t)g->raters + (size_t)r];
}

static void set_value(struct agree_value *v, double x)
{
	v->value = x;
	v->defined = 1;
	v->why = NULL;
}

static void set_undefined(struct agree_value *v, const char *why)
{
	v->value = 0.0;
	v->defined = 0;
	v->why = why;
}

static int check_args(const struct grid *g)
{
	size_t n = (size_t)g->units * (size_t)g->raters;

	if (g->units < 0 || g->raters < 0)
		return -1;
	if (g->levels < 1 || g->levels > AGREE_MAX_LEVELS)
		return -1;
	if (n > 0 && !g->s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (g->s[i] < 0 || g->s[i] > g->levels)
			return -1;
	return 0;
}

/* Fills cnt[0..levels-1] for unit u and returns how many ratings it has. */
static int unit_counts(const struct grid *g, int u, int *cnt)
{
	int m = 0;

	memset(cnt, 0, (size_t)g->levels * sizeof(*cnt));
	for (int r = 0; r < g->raters; r++) {
		int x = score_at(g, u, r);

		if (x) {
			cnt[x - 1]++;
			m++;
		}
	}
	return m;
}

static int count_raters(const struct grid *g, int *first, int *second)
{
	int n = 0;

	for (int r = 0; r < g->raters; r++) {
		int u = 0;

		while (u < g->units && !score_at(g, u, r))
			u++;
		if (u == g->units)
			continue;
		if (n == 0)
			*first = r;
		else if (n == 1)
			*second = r;
		n++;
	}
	return n;
}

static int count_units(const struct grid *g, int *cnt)
{
	int n = 0;

	for (int u = 0; u < g->units; u++)
		if (unit_counts(g, u, cnt) > 0)
			n++;
	return n;
}

/* Pairs are counted from level counts: equal pairs are C(n_c, 2), adjacent
 * ones add n_c * n_(c+1); that avoids a raters^2 loop per unit. */
static void pair_agreement(const struct grid *g, struct work *w,
			   struct agree_result *out)
{
	double pairs = 0.0, same = 0.0, near = 0.0;

	for (int u = 0; u < g->units; u++) {
		double m = unit_counts(g, u, w->cnt);

		pairs += m * (m - 1.0) / 2.0;
		for (int c = 0; c < g->levels; c++) {
			double n = w->cnt[c];

			same += n * (n - 1.0) / 2.0;
			if (c + 1 < g->levels)
				near += n * w->cnt[c + 1];
		}
	}
	if (pairs == 0.0) {
		set_undefined(&out->exact, WHY_NO_PAIRS);
		set_undefined(&out->adjacent, WHY_NO_PAIRS);
		return;
	}
	set_value(&out->exact, same / pairs);
	set_value(&out->adjacent, (same + near) / pairs);
}

/* Squared ordinal distance: the values ranked between c and k, counting
 * half of each end (Krippendorff's marginal-frequency metric). */
static double ordinal_delta(int c, int k, const double *marg)
{
	double sum = 0.0;
	int lo = c < k ? c : k, hi = c < k ? k : c;

	for (int g = lo; g <= hi; g++)
		sum += marg[g];
	sum -= (marg[c] + marg[k]) / 2.0;
	return sum * sum;
}

/* Kappa weights and the alpha metrics that need no marginals. */
static double distance(enum metric m, int c, int k)
{
	double d = c - k;

	if (m == M_NOMINAL)
		return c != k;
	if (m == M_LINEAR)
		return fabs(d);
	return d * d;
}

static double alpha_delta(enum metric m, int c, int k, const double *marg)
{
	return m == M_ORDINAL ? ordinal_delta(c, k, marg) : distance(m, c, k);
}

static void row_col_sums(const double *tab, int k, double *row, double *col)
{
	memset(row, 0, (size_t)k * sizeof(*row));
	memset(col, 0, (size_t)k * sizeof(*col));
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			row[i] += tab[i * k + j];
			col[j] += tab[i * k + j];
		}
}

/* kappa = 1 - observed / chance disagreement, both in counts, which covers
 * the unweighted and weighted forms alike. Chance disagreement is zero only
 * when both raters used one and the same level: expected agreement is then
 * 1 and kappa is 0/0, so it is reported undefined rather than 1. */
static void kappa_from_table(const struct work *w, int k, double n,
			     enum metric m, struct agree_value *v)
{
	double obs = 0.0, chance = 0.0;

	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			double d = distance(m, i, j);

			obs += d * w->tab[i * k + j];
			chance += d * w->m1[i] * w->m2[j];
		}
	if (chance == 0.0)
		set_undefined(v, WHY_NO_VARIATION);
	else
		set_value(v, 1.0 - n * obs / chance);
}

static void cohen_undefined(struct agree_result *out, const char *why)
{
	set_undefined(&out->cohen, why);
	set_undefined(&out->kappa_linear, why);
	set_undefined(&out->kappa_quadratic, why);
}

static void cohen_family(const struct grid *g, struct work *w,
			 struct agree_result *out)
{
	int a = 0, b = 0, k = g->levels;
	double n = 0.0;

	if (count_raters(g, &a, &b) != 2) {
		cohen_undefined(out, WHY_TWO_RATERS);
		return;
	}
	memset(w->tab, 0, (size_t)k * (size_t)k * sizeof(*w->tab));
	for (int u = 0; u < g->units; u++) {
		int x = score_at(g, u, a), y = score_at(g, u, b);

		if (x && y) {
			w->tab[(x - 1) * k + (y - 1)] += 1.0;
			n += 1.0;
		}
	}
	if (n == 0.0) {
		cohen_undefined(out, WHY_NO_COMMON);
		return;
	}
	row_col_sums(w->tab, k, w->m1, w->m2);
	kappa_from_table(w, k, n, M_NOMINAL, &out->cohen);
	kappa_from_table(w, k, n, M_LINEAR, &out->kappa_linear);
	kappa_from_table(w, k, n, M_SQUARED, &out->kappa_quadratic);
}

/* The common number of ratings per rated unit, or a reason there is none. */
static int fleiss_raters(const struct grid *g, int *cnt, const char **why)
{
	int m = 0;

	for (int u = 0; u < g->units; u++) {
		int mu = unit_counts(g, u, cnt);

		if (mu == 0)
			continue;
		if (m && mu != m) {
			*why = WHY_UNEQUAL;
			return 0;
		}
		m = mu;
	}
	*why = m == 0 ? WHY_NO_RATINGS : m < 2 ? WHY_FEW : NULL;
	return *why ? 0 : m;
}

static int levels_used(const double *marg, int k)
{
	int used = 0;

	for (int c = 0; c < k; c++)
		used += marg[c] > 0.0;
	return used;
}

static void fleiss_kappa(const struct grid *g, struct work *w,
			 struct agree_result *out)
{
	const char *why = NULL;
	int m = fleiss_raters(g, w->cnt, &why);
	double squares = 0.0, units = 0.0, pbar, pe = 0.0;

	if (!m) {
		set_undefined(&out->fleiss, why);
		return;
	}
	memset(w->m1, 0, (size_t)g->levels * sizeof(*w->m1));
	for (int u = 0; u < g->units; u++) {
		if (!unit_counts(g, u, w->cnt))
			continue;
		units += 1.0;
		for (int c = 0; c < g->levels; c++) {
			squares += (double)w->cnt[c] * w->cnt[c];
			w->m1[c] += w->cnt[c];
		}
	}
	if (levels_used(w->m1, g->levels) < 2) {
		set_undefined(&out->fleiss, WHY_NO_VARIATION);
		return;
	}
	pbar = (squares - units * m) / (units * m * (m - 1.0));
	for (int c = 0; c < g->levels; c++)
		pe += (w->m1[c] / (units * m)) * (w->m1[c] / (units * m));
	set_value(&out->fleiss, (pbar - pe) / (1.0 - pe));
}

/* Coincidence matrix: each ordered pair of values within a unit of m_u
 * ratings adds 1 / (m_u - 1); lone ratings cannot be paired and add
 * nothing. Returns n, the number of pairable values. */
static double coincidences(const struct grid *g, struct work *w)
{
	int k = g->levels;
	double n = 0.0;

	memset(w->tab, 0, (size_t)k * (size_t)k * sizeof(*w->tab));
	for (int u = 0; u < g->units; u++) {
		int mu = unit_counts(g, u, w->cnt);

		if (mu < 2)
			continue;
		n += mu;
		for (int c = 0; c < k; c++)
			for (int d = 0; d < k; d++) {
				double pairs = (double)w->cnt[c] *
					(w->cnt[d] - (c == d));

				w->tab[c * k + d] += pairs / (mu - 1.0);
			}
	}
	return n;
}

/* alpha = 1 - D_o / D_e = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck. */
static double alpha_for(const struct work *w, int k, double n, enum metric m)
{
	double obs = 0.0, chance = 0.0;

	for (int c = 0; c < k; c++)
		for (int d = 0; d < k; d++) {
			double dist = alpha_delta(m, c, d, w->m1);

			obs += w->tab[c * k + d] * dist;
			chance += w->m1[c] * w->m1[d] * dist;
		}
	return 1.0 - (n - 1.0) * obs / chance;
}

static void alpha_family(const struct grid *g, struct work *w,
			 struct agree_result *out)
{
	int k = g->levels;
	double n = coincidences(g, w);
	const char *why = NULL;

	row_col_sums(w->tab, k, w->m1, w->m2);
	if (n == 0.0)
		why = WHY_NO_PAIRS;
	else if (levels_used(w->m1, k) < 2)
		why = WHY_NO_VARIATION;
	if (why) {
		set_undefined(&out->alpha_nominal, why);
		set_undefined(&out->alpha_ordinal, why);
		set_undefined(&out->alpha_interval, why);
		return;
	}
	set_value(&out->alpha_nominal, alpha_for(w, k, n, M_NOMINAL));
	set_value(&out->alpha_ordinal, alpha_for(w, k, n, M_ORDINAL));
	set_value(&out->alpha_interval, alpha_for(w, k, n, M_SQUARED));
}

static int work_alloc(struct work *w, int k)
{
	w->cnt = calloc((size_t)k, sizeof(*w->cnt));
	w->tab = calloc((size_t)k * (size_t)k, sizeof(*w->tab));
	w->m1 = calloc((size_t)k, sizeof(*w->m1));
	w->m2 = calloc((size_t)k, sizeof(*w->m2));
	return w->cnt && w->tab && w->m1 && w->m2 ? 0 : -1;
}

static void work_free(struct work *w)
{
	free(w->cnt);
	free(w->tab);
	free(w->m1);
	free(w->m2);
}

int agree_compute(const int *scores, int units, int raters, int levels,
		  struct agree_result *out)
{
	struct grid g = { scores, units, raters, levels };
	struct work w;
	struct agree_result r;
	int a = 0, b = 0;

	if (!out || check_args(&g) < 0)
		return -1;
	if (work_alloc(&w, levels) < 0) {
		work_free(&w);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.units = count_units(&g, w.cnt);
	r.raters = count_raters(&g, &a, &b);
	pair_agreement(&g, &w, &r);
	cohen_family(&g, &w, &r);
	fleiss_kappa(&g, &w, &r);
	alpha_family(&g, &w, &r);
	work_free(&w);
	*out = r;
	return 0;
}

static int fill_row(const int *counts, int levels, int *row, int raters)
{
	int slot = 0;

	memset(row, 0, (size_t)raters * sizeof(*row));
	for (int c = 0; c < levels; c++) {
		if (counts[c] < 0 || counts[c] > raters - slot)
			return -1;
		for (int i = 0; i < counts[c]; i++)
			row[slot++] = c + 1;
	}
	return 0;
}

int agree_counts_to_scores(const int *counts, int units, int levels,
			   int *scores, int raters)
{
	if (units < 0 || levels < 1 || raters < 0)
		return -1;
	if (units > 0 && (!counts || !scores))
		return -1;
	for (int u = 0; u < units; u++)
		if (fill_row(counts + (size_t)u * (size_t)levels, levels,
			     scores + (size_t)u * (size_t)raters, raters) < 0)
			return -1;
	return 0;
}

/* One table drives all three output formats so their columns cannot drift. */
struct field {
	const char *key;
	const char *label;
	size_t offset;
};

static const struct field fields[] = {
	{ "exact_agreement", "Exact agreement",
	  offsetof(struct agree_result, exact) },
	{ "adjacent_agreement", "Adjacent agreement (within 1)",
	  offsetof(struct agree_result, adjacent) },
	{ "cohen_kappa", "Cohen's kappa",
	  offsetof(struct agree_result, cohen) },
	{ "weighted_kappa_linear", "Weighted kappa, linear",
	  offsetof(struct agree_result, kappa_linear) },
	{ "weighted_kappa_quadratic", "Weighted kappa, quadratic",
	  offsetof(struct agree_result, kappa_quadratic) },
	{ "fleiss_kappa", "Fleiss' kappa",
	  offsetof(struct agree_result, fleiss) },
	{ "alpha_nominal", "Krippendorff's alpha, nominal",
	  offsetof(struct agree_result, alpha_nominal) },
	{ "alpha_ordinal", "Krippendorff's alpha, ordinal",
	  offsetof(struct agree_result, alpha_ordinal) },
	{ "alpha_interval", "Krippendorff's alpha, interval",
	  offsetof(struct agree_result, alpha_interval) },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))
#define LABEL_WIDTH 30

static const struct agree_value *field_value(const struct agree_result *r,
					     const struct field *fd)
{
	return (const struct agree_value *)((const char *)r + fd->offset);
}

/* printf's %.4f follows LC_NUMERIC, and the curses front end sets the
 * locale, so a German user would get "0,2100" and broken CSV and JSON. */
static void put_fixed4(FILE *f, double x)
{
	long long t = llround(fabs(x) * 10000.0);

	fprintf(f, "%s%lld.%04lld", x < 0.0 && t ? "-" : "", t / 10000,
		t % 10000);
}

static void put_number(FILE *f, const struct agree_value *v, const char *na)
{
	if (v->defined)
		put_fixed4(f, v->value);
	else
		fputs(na, f);
}

static void print_csv(FILE *f, const struct agree_result *r, int header)
{
	if (header) {
		fputs("units,raters", f);
		for (size_t i = 0; i < N_FIELDS; i++)
			fprintf(f, ",%s", fields[i].key);
		fputc('\n', f);
	}
	fprintf(f, "%d,%d", r->units, r->raters);
	for (size_t i = 0; i < N_FIELDS; i++) {
		fputc(',', f);
		put_number(f, field_value(r, &fields[i]), "NA");
	}
	fputc('\n', f);
}

static void print_json(FILE *f, const struct agree_result *r)
{
	fprintf(f, "{\"units\": %d, \"raters\": %d", r->units, r->raters);
	for (size_t i = 0; i < N_FIELDS; i++) {
		fprintf(f, ", \"%s\": ", fields[i].key);
		put_number(f, field_value(r, &fields[i]), "null");
	}
	fputs("}\n", f);
}

static void print_table(FILE *f, const struct agree_result *r)
{
	fprintf(f, "%-*s  %d\n", LABEL_WIDTH, "Units rated", r->units);
	fprintf(f, "%-*s  %d\n", LABEL_WIDTH, "Raters", r->raters);
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct agree_value *v = field_value(r, &fields[i]);

		fprintf(f, "%-*s  ", LABEL_WIDTH, fields[i].label);
		if (v->defined)
			put_fixed4(f, v->value);
		else
			fprintf(f, "NA (%s)", v->why ? v->why : "undefined");
		fputc('\n', f);
	}
}

void agree_print(FILE *f, const struct agree_result *r,
		 enum agree_format fmt, int header)
{
	switch (fmt) {
	case AGREE_CSV:
		print_csv(f, r, header);
		break;
	case AGREE_JSON:
		print_json(f, r);
		break;
	case AGREE_TABLE:
		print_table(f, r);
		break;
	}
}

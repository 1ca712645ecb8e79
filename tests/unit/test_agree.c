/* Unit tests of the agreement statistics against published worked examples. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrel/agree.h"

#define TOL 5e-4
/* For values we recomputed ourselves in exact rational arithmetic. */
#define TIGHT 1e-6

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void assert_near(const struct agree_value *v, double expected, double tol)
{
	assert_true(v->defined);
	assert_null(v->why);
	if (fabs(v->value - expected) >= tol)
		fail_msg("got %.7f, expected %.7f", v->value, expected);
}

static void assert_undefined(const struct agree_value *v, const char *why)
{
	assert_false(v->defined);
	assert_non_null(v->why);
	assert_string_equal(v->why, why);
}

/* Expands a two-rater agreement table (rows rater 1, columns rater 2) into
 * a units x 2 score matrix; returns the number of units. */
static int table_to_scores(const int *tab, int levels, int *scores)
{
	int n = 0;

	for (int i = 0; i < levels; i++)
		for (int j = 0; j < levels; j++)
			for (int c = 0; c < tab[i * levels + j]; c++) {
				scores[2 * n] = i + 1;
				scores[2 * n + 1] = j + 1;
				n++;
			}
	return n;
}

/*
 * Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability",
 * Annenberg School for Communication, Departmental Papers (ASC) 43, example C
 * (4 observers x 12 units, missing values); also Krippendorff (2019),
 * Content Analysis, 4th ed., ch. 12. Published: nominal 0.743, ordinal 0.815,
 * interval 0.849. Transposed here to units x observers, 0 = missing; unit 12
 * has a lone value and must drop out of alpha.
 */
static const int kripp[12 * 4] = {
	1, 1, 0, 1,
	2, 2, 3, 2,
	3, 3, 3, 3,
	3, 3, 3, 3,
	2, 2, 2, 2,
	1, 2, 3, 4,
	4, 4, 4, 4,
	1, 1, 2, 1,
	2, 2, 2, 2,
	0, 5, 5, 5,
	0, 0, 1, 1,
	0, 3, 0, 0,
};

static void test_krippendorff_example(void **state)
{
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(kripp, 12, 4, 5, &r), 0);
	assert_int_equal(r.units, 12);
	assert_int_equal(r.raters, 4);
	assert_near(&r.alpha_nominal, 0.743, TOL);
	assert_near(&r.alpha_ordinal, 0.815, TOL);
	assert_near(&r.alpha_interval, 0.849, TOL);
	/* Unrounded, from an independent exact-fraction computation. */
	assert_near(&r.alpha_nominal, 0.743421, TIGHT);
	assert_near(&r.alpha_ordinal, 0.815388, TIGHT);
	assert_near(&r.alpha_interval, 0.849107, TIGHT);
	/* 55 within-unit pairs: 43 equal, 52 within one level. */
	assert_near(&r.exact, 43.0 / 55.0, TIGHT);
	assert_near(&r.adjacent, 52.0 / 55.0, TIGHT);
	assert_undefined(&r.cohen, "needs exactly two raters");
	assert_undefined(&r.fleiss, "units have different numbers of ratings");
}

/* Levels nobody used change neither alpha: ordinal distances count only
 * observed values and interval distances are the values themselves. */
static void test_alpha_ignores_unused_top_levels(void **state)
{
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(kripp, 12, 4, 9, &r), 0);
	assert_near(&r.alpha_nominal, 0.743421, TIGHT);
	assert_near(&r.alpha_ordinal, 0.815388, TIGHT);
	assert_near(&r.alpha_interval, 0.849107, TIGHT);
}

/*
 * Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
 * Psychological Bulletin 76(5), 378-382; the worked example on Wikipedia's
 * "Fleiss' kappa" page: 10 subjects, 14 raters, 5 categories, kappa = 0.210.
 * Given as category counts per subject.
 */
static const int fleiss_counts[10 * 5] = {
	0, 0, 0, 0, 14,
	0, 2, 6, 4, 2,
	0, 0, 3, 5, 6,
	0, 3, 9, 2, 0,
	2, 2, 8, 1, 1,
	7, 7, 0, 0, 0,
	3, 2, 6, 3, 0,
	2, 5, 3, 2, 2,
	6, 5, 2, 1, 0,
	0, 2, 2, 3, 7,
};

static void test_fleiss_wikipedia(void **state)
{
	int scores[10 * 14];
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_counts_to_scores(fleiss_counts, 10, 5, scores, 14), 0);
	assert_int_equal(agree_compute(scores, 10, 14, 5, &r), 0);
	assert_int_equal(r.units, 10);
	assert_int_equal(r.raters, 14);
	assert_near(&r.fleiss, 0.210, TOL);
	assert_near(&r.fleiss, 0.2099307, TIGHT);
	/* Fleiss' per-subject P_i averaged: 0.378 in the Wikipedia table. */
	assert_near(&r.exact, 0.378022, TIGHT);
	/* Independent exact-fraction computation of alpha on the same data. */
	assert_near(&r.alpha_nominal, 0.215574, TIGHT);
	assert_undefined(&r.cohen, "needs exactly two raters");
}

/*
 * The "diagnoses" data of R package irr (Fleiss 1971, 30 patients x 6
 * raters, 5 diagnoses); kappam.fleiss(diagnoses) = 0.4302445, as quoted in
 * statsmodels/stats/tests/test_inter_rater.py. Raw ratings, not counts.
 */
static const int diagnoses[30 * 6] = {
	4, 4, 4, 4, 4, 4,  2, 2, 2, 5, 5, 5,  2, 3, 3, 3, 3, 5,
	5, 5, 5, 5, 5, 5,  2, 2, 2, 4, 4, 4,  1, 1, 3, 3, 3, 3,
	3, 3, 3, 3, 5, 5,  1, 1, 3, 3, 3, 4,  1, 1, 4, 4, 4, 4,
	5, 5, 5, 5, 5, 5,  1, 4, 4, 4, 4, 4,  1, 2, 4, 4, 4, 4,
	2, 2, 2, 3, 3, 3,  1, 4, 4, 4, 4, 4,  2, 2, 4, 4, 4, 5,
	3, 3, 3, 3, 3, 5,  1, 1, 1, 4, 5, 5,  1, 1, 1, 1, 1, 2,
	2, 2, 4, 4, 4, 4,  1, 3, 3, 5, 5, 5,  5, 5, 5, 5, 5, 5,
	2, 4, 4, 4, 4, 4,  2, 2, 4, 5, 5, 5,  1, 1, 4, 4, 4, 4,
	1, 4, 4, 4, 4, 5,  2, 2, 2, 2, 2, 4,  1, 1, 1, 1, 5, 5,
	2, 2, 4, 4, 4, 4,  1, 3, 3, 3, 3, 3,  5, 5, 5, 5, 5, 5,
};

static void test_fleiss_diagnoses_irr(void **state)
{
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(diagnoses, 30, 6, 5, &r), 0);
	assert_near(&r.fleiss, 0.4302445, TIGHT);
}

/*
 * Wikipedia "Cohen's kappa", simple example: 50 grant proposals, both say
 * yes 20, A yes B no 5, A no B yes 10, both no 15; p_o = 0.7, p_e = 0.5,
 * kappa = 0.4. On a two-level scale every weighting is the same.
 */
static void test_cohen_wikipedia(void **state)
{
	static const int tab[2 * 2] = { 20, 5, 10, 15 };
	int scores[50 * 2];
	struct agree_result r;

	(void)state;
	assert_int_equal(table_to_scores(tab, 2, scores), 50);
	assert_int_equal(agree_compute(scores, 50, 2, 2, &r), 0);
	assert_near(&r.cohen, 0.4, TIGHT);
	assert_near(&r.kappa_linear, 0.4, TIGHT);
	assert_near(&r.kappa_quadratic, 0.4, TIGHT);
	assert_near(&r.exact, 0.7, TIGHT);
	assert_near(&r.adjacent, 1.0, TIGHT);
}

/*
 * SAS PROC FREQ AGREE printout for the 3 x 3 table {0,4,1; 0,8,0; 0,1,5},
 * as quoted in statsmodels/stats/tests/test_inter_rater.py: simple kappa
 * 0.4842, weighted kappa (SAS default Cicchetti-Allison = linear) 0.4701.
 * Quadratic (Fleiss-Cohen) 0.450161 is our own exact-fraction calculation.
 */
static void test_weighted_kappa_sas(void **state)
{
	static const int tab[3 * 3] = { 0, 4, 1, 0, 8, 0, 0, 1, 5 };
	int scores[19 * 2];
	struct agree_result r;

	(void)state;
	assert_int_equal(table_to_scores(tab, 3, scores), 19);
	assert_int_equal(agree_compute(scores, 19, 2, 3, &r), 0);
	assert_near(&r.cohen, 0.4842, TOL);
	assert_near(&r.kappa_linear, 0.4701, TOL);
	assert_near(&r.cohen, 0.4841629, TIGHT);
	assert_near(&r.kappa_linear, 0.4701195, TIGHT);
	assert_near(&r.kappa_quadratic, 0.4501608, TIGHT);
}

/* R package irr, data "anxiety" (20 subjects, ratings 1..6), raters 2 and 3. */
static const int anxiety[20 * 2] = {
	3, 2,  6, 1,  4, 4,  6, 4,  2, 3,  4, 2,  2, 1,  4, 6,  3, 1,  3, 1,
	2, 1,  3, 2,  3, 3,  3, 3,  2, 1,  2, 1,  1, 3,  3, 3,  3, 2,  4, 2,
};

/*
 * irr::kappa2(anxiety[,2:3]) gives -0.006289308, "equal" 0.1459075 and
 * "squared" 0.2520325 (quoted in statsmodels' test_inter_rater.py). irr
 * drops the unused level 5 and spaces 1,2,3,4,6 evenly, so we reproduce it
 * by recoding 6 as 5 on a five-level scale.
 */
static void test_weighted_kappa_irr_reduced_scale(void **state)
{
	int scores[20 * 2];
	struct agree_result r;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(scores); i++)
		scores[i] = anxiety[i] == 6 ? 5 : anxiety[i];
	assert_int_equal(agree_compute(scores, 20, 2, 5, &r), 0);
	assert_near(&r.cohen, -0.006289308, TIGHT);
	assert_near(&r.kappa_linear, 0.1459075, TIGHT);
	assert_near(&r.kappa_quadratic, 0.2520325, TIGHT);
}

/* On the full 1..6 scale the gap left by level 5 counts, so the weighted
 * kappas differ from irr's (own exact-fraction values); unweighted does not. */
static void test_weighted_kappa_full_scale(void **state)
{
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(anxiety, 20, 2, 6, &r), 0);
	assert_near(&r.cohen, -0.006289308, TIGHT);
	assert_near(&r.kappa_linear, 0.1262136, TIGHT);
	assert_near(&r.kappa_quadratic, 0.2297980, TIGHT);
}

/* Everyone gave the same level: expected agreement is 1, so every
 * chance-corrected statistic is 0/0 and undefined, never 1 or NaN. */
static void test_identical_single_level(void **state)
{
	static const int s[4 * 2] = { 3, 3, 3, 3, 3, 3, 3, 3 };
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(s, 4, 2, 4, &r), 0);
	assert_near(&r.exact, 1.0, TIGHT);
	assert_near(&r.adjacent, 1.0, TIGHT);
	assert_undefined(&r.cohen, "no variation in ratings");
	assert_undefined(&r.kappa_linear, "no variation in ratings");
	assert_undefined(&r.kappa_quadratic, "no variation in ratings");
	assert_undefined(&r.fleiss, "no variation in ratings");
	assert_undefined(&r.alpha_nominal, "no variation in ratings");
	assert_undefined(&r.alpha_ordinal, "no variation in ratings");
	assert_undefined(&r.alpha_interval, "no variation in ratings");
}

static void test_identical_with_variation(void **state)
{
	static const int s[4 * 3] = { 1, 1, 1, 2, 2, 2, 4, 4, 4, 2, 2, 2 };
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(s, 4, 3, 4, &r), 0);
	assert_undefined(&r.cohen, "needs exactly two raters");
	assert_near(&r.fleiss, 1.0, TIGHT);
	assert_near(&r.alpha_nominal, 1.0, TIGHT);
	assert_near(&r.alpha_ordinal, 1.0, TIGHT);
	assert_near(&r.alpha_interval, 1.0, TIGHT);
}

static void test_one_rater(void **state)
{
	static const int s[3] = { 1, 2, 3 };
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(s, 3, 1, 4, &r), 0);
	assert_int_equal(r.units, 3);
	assert_int_equal(r.raters, 1);
	assert_undefined(&r.exact, "no pairable values");
	assert_undefined(&r.adjacent, "no pairable values");
	assert_undefined(&r.cohen, "needs exactly two raters");
	assert_undefined(&r.fleiss, "needs two or more ratings per unit");
	assert_undefined(&r.alpha_nominal, "no pairable values");
	assert_undefined(&r.alpha_interval, "no pairable values");
}

/* Swapped ratings: p_o = 0, p_e = 0.5, kappa = -1; alpha = 1 - 7 * 8/32. */
static void test_perfect_disagreement(void **state)
{
	static const int s[4 * 2] = { 1, 2, 2, 1, 1, 2, 2, 1 };
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(s, 4, 2, 2, &r), 0);
	assert_near(&r.exact, 0.0, TIGHT);
	assert_near(&r.adjacent, 1.0, TIGHT);
	assert_near(&r.cohen, -1.0, TIGHT);
	assert_near(&r.fleiss, -1.0, TIGHT);
	assert_near(&r.alpha_nominal, -0.75, TIGHT);
	assert_near(&r.alpha_interval, -0.75, TIGHT);
}

/* Opposite ends of the scale: no agreement, but chance agreement is 0 too,
 * so kappa is a defined 0 while alpha (pooled marginals) goes negative. */
static void test_opposite_ends(void **state)
{
	static const int s[3 * 2] = { 1, 5, 1, 5, 1, 5 };
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(s, 3, 2, 5, &r), 0);
	assert_near(&r.exact, 0.0, TIGHT);
	assert_near(&r.adjacent, 0.0, TIGHT);
	assert_near(&r.cohen, 0.0, TIGHT);
	assert_near(&r.kappa_quadratic, 0.0, TIGHT);
	assert_near(&r.alpha_ordinal, -2.0 / 3.0, TIGHT);
}

/* Three columns, one never used: still two raters, and units missing either
 * rating drop out of kappa, giving the same as the complete rows alone. */
static void test_missing_ratings_two_raters(void **state)
{
	static const int s[6 * 3] = {
		1, 0, 1,  2, 0, 3,  3, 0, 3,  4, 0, 0,  0, 0, 2,  2, 0, 2,
	};
	static const int complete[4 * 2] = { 1, 1, 2, 3, 3, 3, 2, 2 };
	struct agree_result r, c;

	(void)state;
	assert_int_equal(agree_compute(s, 6, 3, 4, &r), 0);
	assert_int_equal(agree_compute(complete, 4, 2, 4, &c), 0);
	assert_int_equal(r.units, 6);
	assert_int_equal(r.raters, 2);
	assert_near(&r.cohen, c.cohen.value, TIGHT);
	assert_near(&r.kappa_linear, c.kappa_linear.value, TIGHT);
	assert_near(&r.kappa_quadratic, c.kappa_quadratic.value, TIGHT);
	assert_near(&r.alpha_nominal, c.alpha_nominal.value, TIGHT);
	assert_undefined(&r.fleiss, "units have different numbers of ratings");
}

static void test_no_common_units(void **state)
{
	static const int s[2 * 2] = { 1, 0, 0, 2 };
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(s, 2, 2, 3, &r), 0);
	assert_undefined(&r.cohen, "no units rated by both raters");
	assert_undefined(&r.exact, "no pairable values");
	assert_undefined(&r.fleiss, "needs two or more ratings per unit");
}

static void test_empty(void **state)
{
	struct agree_result r;

	(void)state;
	assert_int_equal(agree_compute(NULL, 0, 0, 4, &r), 0);
	assert_int_equal(r.units, 0);
	assert_int_equal(r.raters, 0);
	assert_undefined(&r.exact, "no pairable values");
	assert_undefined(&r.cohen, "needs exactly two raters");
	assert_undefined(&r.fleiss, "no ratings");
	assert_undefined(&r.alpha_ordinal, "no pairable values");
}

static void test_bad_input(void **state)
{
	static const int s[2 * 2] = { 1, 2, 3, 5 };
	struct agree_result r;

	(void)state;
	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(agree_compute(s, 2, 2, 4, &r), -1);
	assert_int_equal(r.units, 0x5a5a5a5a);
	assert_int_equal(agree_compute(s, 2, 2, 0, &r), -1);
	assert_int_equal(agree_compute(s, -1, 2, 4, &r), -1);
	assert_int_equal(agree_compute(NULL, 2, 2, 4, &r), -1);
	assert_int_equal(agree_compute(s, 2, 2, 5, NULL), -1);
	assert_int_equal(agree_compute(s, 2, 2, AGREE_MAX_LEVELS + 1, &r), -1);
}

static void test_counts_to_scores(void **state)
{
	static const int counts[2 * 3] = { 1, 0, 2, 0, 1, 0 };
	static const int too_many[3] = { 2, 2, 0 };
	static const int want[2 * 3] = { 1, 3, 3, 2, 0, 0 };
	int scores[2 * 3];

	(void)state;
	assert_int_equal(agree_counts_to_scores(counts, 2, 3, scores, 3), 0);
	assert_memory_equal(scores, want, sizeof(want));
	assert_int_equal(agree_counts_to_scores(too_many, 1, 3, scores, 3), -1);
}

/* Prints r into a heap string the caller frees. */
static char *print_to_string(const struct agree_result *r,
			     enum agree_format fmt, int header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	agree_print(f, r, fmt, header);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_print_csv(void **state)
{
	struct agree_result r;
	char *s;

	(void)state;
	assert_int_equal(agree_compute(kripp, 12, 4, 5, &r), 0);
	s = print_to_string(&r, AGREE_CSV, 1);
	assert_string_equal(s,
		"units,raters,exact_agreement,adjacent_agreement,cohen_kappa,"
		"weighted_kappa_linear,weighted_kappa_quadratic,fleiss_kappa,"
		"alpha_nominal,alpha_ordinal,alpha_interval\n"
		"12,4,0.7818,0.9455,NA,NA,NA,NA,0.7434,0.8154,0.8491\n");
	free(s);
	s = print_to_string(&r, AGREE_CSV, 0);
	assert_string_equal(s,
		"12,4,0.7818,0.9455,NA,NA,NA,NA,0.7434,0.8154,0.8491\n");
	free(s);
}

static void test_print_json(void **state)
{
	static const int s2[4 * 2] = { 1, 2, 2, 1, 1, 2, 2, 1 };
	struct agree_result r;
	char *s;

	(void)state;
	assert_int_equal(agree_compute(s2, 4, 2, 2, &r), 0);
	s = print_to_string(&r, AGREE_JSON, 0);
	assert_string_equal(s,
		"{\"units\": 4, \"raters\": 2, \"exact_agreement\": 0.0000, "
		"\"adjacent_agreement\": 1.0000, \"cohen_kappa\": -1.0000, "
		"\"weighted_kappa_linear\": -1.0000, "
		"\"weighted_kappa_quadratic\": -1.0000, "
		"\"fleiss_kappa\": -1.0000, \"alpha_nominal\": -0.7500, "
		"\"alpha_ordinal\": -0.7500, \"alpha_interval\": -0.7500}\n");
	free(s);
}

static void test_print_json_null(void **state)
{
	static const int one[2] = { 1, 2 };
	struct agree_result r;
	char *s;

	(void)state;
	assert_int_equal(agree_compute(one, 2, 1, 3, &r), 0);
	s = print_to_string(&r, AGREE_JSON, 1);
	assert_non_null(strstr(s, "\"cohen_kappa\": null"));
	assert_non_null(strstr(s, "\"alpha_interval\": null}"));
	assert_null(strstr(s, "nan"));
	free(s);
}

static void test_print_table(void **state)
{
	struct agree_result r;
	char *s;

	(void)state;
	assert_int_equal(agree_compute(kripp, 12, 4, 5, &r), 0);
	s = print_to_string(&r, AGREE_TABLE, 1);
	assert_non_null(strstr(s, "Raters                          4\n"));
	assert_non_null(strstr(s,
		"Cohen's kappa                   NA (needs exactly two raters)\n"));
	assert_non_null(strstr(s,
		"Krippendorff's alpha, ordinal   0.8154\n"));
	free(s);
}

/* Negative values that round to zero print without a sign. */
static void test_print_negative_zero(void **state)
{
	struct agree_result r;
	char *s;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.exact.defined = 1;
	r.exact.value = -0.00001;
	s = print_to_string(&r, AGREE_CSV, 0);
	assert_string_equal(s, "0,0,0.0000,NA,NA,NA,NA,NA,NA,NA,NA\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_krippendorff_example),
		cmocka_unit_test(test_alpha_ignores_unused_top_levels),
		cmocka_unit_test(test_fleiss_wikipedia),
		cmocka_unit_test(test_fleiss_diagnoses_irr),
		cmocka_unit_test(test_cohen_wikipedia),
		cmocka_unit_test(test_weighted_kappa_sas),
		cmocka_unit_test(test_weighted_kappa_irr_reduced_scale),
		cmocka_unit_test(test_weighted_kappa_full_scale),
		cmocka_unit_test(test_identical_single_level),
		cmocka_unit_test(test_identical_with_variation),
		cmocka_unit_test(test_one_rater),
		cmocka_unit_test(test_perfect_disagreement),
		cmocka_unit_test(test_opposite_ends),
		cmocka_unit_test(test_missing_ratings_two_raters),
		cmocka_unit_test(test_no_common_units),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_counts_to_scores),
		cmocka_unit_test(test_print_csv),
		cmocka_unit_test(test_print_json),
		cmocka_unit_test(test_print_json_null),
		cmocka_unit_test(test_print_table),
		cmocka_unit_test(test_print_negative_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the disproportionality library: every rule and boundary, against hand and published arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrel/risk.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define assert_value(v, expected) \
	check_value((v), (expected), __FILE__, __LINE__)
#define assert_undefined(v) assert_false((v).defined)

static void check_value(struct risk_value v, double expected,
		const char *file, int line)
{
	if (!v.defined) {
		print_error("undefined, expected %.10f\n", expected);
		_fail(file, line);
	}
	if (fabs(v.value - expected) > 1e-9) {
		print_error("%.10f != %.10f\n", v.value, expected);
		_fail(file, line);
	}
}

static void compute(const struct risk_group *g, size_t n,
		const struct risk_options *o, struct risk_row *out)
{
	assert_int_equal(risk_compute(g, n, o, out), 0);
}

/*
 * Published example: nzmaths glossary, "Relative risk"
 * (https://nzmaths.co.nz/category/glossary/relative-risk), a University of
 * Auckland statistics course. Failed the course: 27 of 46 students with
 * non-regular attendance, 17 of 100 with regular attendance. The page gives
 * 27/46 = 0.5870, 17/100 = 0.17, relative risk 0.5870/0.17 = 3.5.
 * With two groups each one's comparison group is the other, so our risk
 * ratio is that relative risk: (27*100)/(46*17) = 2700/782 = 3.452685...
 */
static void test_published_nzmaths(void **state)
{
	const struct risk_group g[] = {
		{ "Regular", 100, 17 }, { "Not regular", 46, 27 }
	};
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	compute(g, N(g), &o, r);
	assert_value(r[1].risk, 27.0 / 46.0);
	assert_value(r[1].comparison_risk, 0.17);
	assert_value(r[1].ratio, 2700.0 / 782.0);
	assert_true(fabs(r[1].ratio.value - 3.5) < 0.05);	/* page's rounding */
	assert_int_equal(r[1].kind, RISK_RATIO);
	assert_true(r[1].flagged);				/* 3.45 > 3 */
	assert_value(r[0].ratio, 782.0 / 2700.0);		/* 0.2896 */
	assert_false(r[0].flagged);
}

/*
 * Hand-worked suspension table, totals 1000 enrolled, 80 suspended,
 * overall risk 80/1000 = 0.08.
 *   Black    200/40: risk 0.2;  others 800/40 = 0.05;  RR 4.0 (flag)
 *   White    600/30: risk 0.05; others 400/50 = 0.125; RR 0.4
 *   Hispanic 200/10: risk 0.05; others 800/70 = 0.0875; RR 0.571428...
 * Shares (outcome, enrolled, difference, relative, expected):
 *   Black    40/80 = 0.5,   0.2, 0.3,    0.3/0.2 = 1.5,      200*0.08 = 16
 *   White    30/80 = 0.375, 0.6, -0.225, -0.225/0.6 = -0.375, 48
 *   Hispanic 10/80 = 0.125, 0.2, -0.075, -0.375,              16
 */
static const struct risk_group race[] = {
	{ "Black", 200, 40 }, { "White", 600, 30 }, { "Hispanic", 200, 10 }
};

static void test_basic_ratios(void **state)
{
	struct risk_options o;
	struct risk_row r[3];

	(void)state;
	risk_options_default(&o);
	compute(race, N(race), &o, r);
	assert_value(r[0].risk, 0.2);
	assert_value(r[0].comparison_risk, 0.05);
	assert_value(r[0].ratio, 4.0);
	assert_int_equal(r[0].kind, RISK_RATIO);
	assert_true(r[0].flagged);
	assert_value(r[1].comparison_risk, 0.125);
	assert_value(r[1].ratio, 0.4);
	assert_false(r[1].flagged);
	assert_value(r[2].comparison_risk, 0.0875);
	assert_value(r[2].ratio, 0.05 / 0.0875);
	assert_false(r[2].flagged);
	assert_undefined(r[0].reference_ratio);	/* no reference set */
	assert_undefined(r[0].weighted_ratio);	/* no state data */
}

static void test_shares_and_expected(void **state)
{
	struct risk_options o;
	struct risk_row r[3];

	(void)state;
	risk_options_default(&o);
	compute(race, N(race), &o, r);
	assert_value(r[0].outcome_share, 0.5);
	assert_value(r[0].enrolled_share, 0.2);
	assert_value(r[0].share_difference, 0.3);
	assert_value(r[0].relative_share_difference, 1.5);
	assert_value(r[0].expected_count, 16.0);
	assert_value(r[1].outcome_share, 0.375);
	assert_value(r[1].enrolled_share, 0.6);
	assert_value(r[1].share_difference, -0.225);
	assert_value(r[1].relative_share_difference, -0.375);
	assert_value(r[1].expected_count, 48.0);
	assert_value(r[2].share_difference, -0.075);
	assert_value(r[2].relative_share_difference, -0.375);
	assert_value(r[2].expected_count, 16.0);
}

/* No outcome anywhere: 50/0 and 50/0. Outcome shares divide by 0; expected
 * count is 50 * 0/100 = 0, a real zero; enrolled share 50/100 = 0.5. */
static void test_shares_without_outcomes(void **state)
{
	const struct risk_group g[] = { { "A", 50, 0 }, { "B", 50, 0 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	compute(g, N(g), &o, r);
	assert_undefined(r[0].outcome_share);
	assert_undefined(r[0].share_difference);
	assert_undefined(r[0].relative_share_difference);
	assert_value(r[0].enrolled_share, 0.5);
	assert_value(r[0].expected_count, 0.0);
	assert_value(r[0].risk, 0.0);
	assert_int_equal(r[0].kind, RISK_NOT_CALCULATED);	/* 0 < min cell */
}

/* Reference White (risk 30/600 = 0.05): Black 0.2/0.05 = 4.0,
 * Hispanic 0.05/0.05 = 1.0, White itself undefined. */
static void test_reference_ratio(void **state)
{
	struct risk_options o;
	struct risk_row r[3];

	(void)state;
	risk_options_default(&o);
	o.reference = "White";
	compute(race, N(race), &o, r);
	assert_value(r[0].reference_ratio, 4.0);
	assert_value(r[2].reference_ratio, 1.0);
	assert_undefined(r[1].reference_ratio);
	o.reference = "Asian";				/* not in the table */
	compute(race, N(race), &o, r);
	assert_undefined(r[0].reference_ratio);
}

/* Reference below the cell minimum (9 < 10), reference with zero risk
 * (allowed by min_cell 0), and a row below the minimums: all undefined. */
static void test_reference_ratio_undefined(void **state)
{
	const struct risk_group small[] = { { "A", 100, 40 }, { "R", 100, 9 } };
	const struct risk_group zero[] = { { "A", 100, 40 }, { "R", 100, 0 } };
	const struct risk_group low[] = { { "A", 20, 10 }, { "R", 100, 10 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	o.reference = "R";
	compute(small, 2, &o, r);
	assert_undefined(r[0].reference_ratio);
	compute(low, 2, &o, r);
	assert_undefined(r[0].reference_ratio);		/* A: 20 < 30 */
	o.min_cell = 0;
	compute(zero, 2, &o, r);
	assert_undefined(r[0].reference_ratio);
}

/* Adverse, threshold 3: A 30/100 = 0.3 against B 10/100 = 0.1 is exactly
 * 3.0 (3000/1000, no rounding): not flagged. A 31/100: 3100/1000 = 3.1 and
 * A 301/1000 against 100/1000: 301000/100000 = 3.01: flagged. */
static void test_threshold_adverse(void **state)
{
	const struct risk_group at[] = { { "A", 100, 30 }, { "B", 100, 10 } };
	const struct risk_group over[] = { { "A", 100, 31 }, { "B", 100, 10 } };
	const struct risk_group just[] = { { "A", 1000, 301 }, { "B", 1000, 100 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	compute(at, 2, &o, r);
	assert_value(r[0].ratio, 3.0);
	assert_false(r[0].flagged);
	compute(over, 2, &o, r);
	assert_value(r[0].ratio, 3.1);
	assert_true(r[0].flagged);
	compute(just, 2, &o, r);
	assert_value(r[0].ratio, 3.01);
	assert_true(r[0].flagged);
	assert_false(r[1].flagged);		/* 1/3.01 is low, but adverse */
}

/* Favourable (AP enrolment), threshold 3 so the bar is 1/3.
 * A 10/300 against B 90/900 = 0.1: (10*900)/(300*90) = 9000/27000 = 1/3
 * exactly: not flagged. A 10/301: 9000/27090 = 0.33223 < 1/3: flagged.
 * B's ratio there is 27090/9000 = 3.01: high, but that is no concern here. */
static void test_threshold_favourable(void **state)
{
	const struct risk_group at[] = { { "A", 300, 10 }, { "B", 900, 90 } };
	const struct risk_group below[] = { { "A", 301, 10 }, { "B", 900, 90 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	o.favourable = 1;
	compute(at, 2, &o, r);
	assert_value(r[0].ratio, 1.0 / 3.0);
	assert_false(r[0].flagged);
	compute(below, 2, &o, r);
	assert_value(r[0].ratio, 9000.0 / 27090.0);
	assert_true(r[0].flagged);
	assert_value(r[1].ratio, 3.01);
	assert_false(r[1].flagged);
}

static void test_exceeds(void **state)
{
	(void)state;
	assert_false(risk_exceeds(3.0, 3.0, 0));
	assert_true(risk_exceeds(3.0000001, 3.0, 0));
	assert_false(risk_exceeds(0.5, 2.0, 1));	/* exactly 1/2 */
	assert_true(risk_exceeds(0.4999999, 2.0, 1));
	assert_false(risk_exceeds(10.0, 0.0, 0));	/* no valid threshold */
}

/* Minimums are inclusive: G 30/10 and O 30/10 sit exactly on both
 * (cell 10, n 30): risk ratio (10/30)/(10/30) = 1. */
static void test_minimums_inclusive(void **state)
{
	const struct risk_group g[] = { { "G", 30, 10 }, { "O", 30, 10 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	compute(g, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_RATIO);
	assert_value(r[0].ratio, 1.0);
	assert_int_equal(r[1].kind, RISK_RATIO);
}

/* One below: G with 9 (< 10) is not calculated, though its risk
 * 9/30 = 0.3 is still reported; O's comparison group (G) now has a count
 * of 9, so O would need the State and, without it, is not calculated.
 * G with 29 enrolled (< 30) is not calculated either. */
static void test_minimums_below(void **state)
{
	const struct risk_group cell[] = { { "G", 30, 9 }, { "O", 30, 10 } };
	const struct risk_group size[] = { { "G", 29, 10 }, { "O", 30, 10 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	compute(cell, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_NOT_CALCULATED);
	assert_undefined(r[0].ratio);
	assert_false(r[0].flagged);
	assert_value(r[0].risk, 0.3);
	assert_int_equal(r[1].kind, RISK_NOT_CALCULATED);
	assert_value(r[1].comparison_risk, 0.3);	/* descriptive only */
	compute(size, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_NOT_CALCULATED);
	assert_int_equal(r[1].kind, RISK_NOT_CALCULATED);	/* G: n 29 */
}

/*
 * Alternate risk ratio. District: Black 100/40 (0.4); White 20/2 is the
 * comparison group and is below both minimums. State: Black 10000/1500,
 * White 50000/2500, Hispanic 40000/2000. State others of Black:
 * 90000 enrolled, 4500 counted: 0.05. ARR = 0.4/0.05 = 8.0: flagged.
 * White itself is below the minimums: not calculated.
 */
static const struct risk_group state_race[] = {
	{ "Black", 10000, 1500 }, { "White", 50000, 2500 },
	{ "Hispanic", 40000, 2000 }
};

static void test_alternate_ratio(void **state)
{
	const struct risk_group g[] = { { "Black", 100, 40 }, { "White", 20, 2 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	o.state = state_race;
	o.nstate = N(state_race);
	compute(g, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_ALTERNATE_RATIO);
	assert_value(r[0].comparison_risk, 0.05);
	assert_value(r[0].ratio, 8.0);
	assert_true(r[0].flagged);
	assert_int_equal(r[1].kind, RISK_NOT_CALCULATED);
	assert_false(r[1].flagged);
}

/* Same district without state data: not calculated, and the comparison
 * risk shown is the district's own 2/20 = 0.1. */
static void test_alternate_missing_state(void **state)
{
	const struct risk_group g[] = { { "Black", 100, 40 }, { "White", 20, 2 } };
	const struct risk_group absent[] = { { "Asian", 100, 40 }, { "White", 20, 2 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	compute(g, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_NOT_CALCULATED);
	assert_undefined(r[0].ratio);
	assert_false(r[0].flagged);
	assert_value(r[0].comparison_risk, 0.1);
	o.state = state_race;			/* state data, but no "Asian" */
	o.nstate = N(state_race);
	compute(absent, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_NOT_CALCULATED);
}

/* Comparison exactly at both minimums (30 enrolled, 10 counted): the
 * district ratio is used even with state data: 0.4 / (10/30) = 1.2. */
static void test_alternate_not_needed(void **state)
{
	const struct risk_group g[] = { { "Black", 100, 40 }, { "White", 30, 10 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	o.state = state_race;
	o.nstate = N(state_race);
	compute(g, 2, &o, r);
	assert_int_equal(r[0].kind, RISK_RATIO);
	assert_value(r[0].ratio, 1.2);
}

/* min_cell 0 lets a comparison group with no outcomes qualify:
 * G 100/10 against O 100/0 divides by a zero risk: undefined, not
 * calculated, no fall-back to the State. O's ratio is 0/0.1 = 0. */
static void test_zero_comparison_risk(void **state)
{
	const struct risk_group g[] = { { "G", 100, 10 }, { "O", 100, 0 } };
	const struct risk_group st[] = { { "G", 1000, 100 }, { "O", 1000, 100 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	o.min_cell = 0;
	o.state = st;
	o.nstate = 2;
	compute(g, 2, &o, r);
	assert_undefined(r[0].ratio);
	assert_int_equal(r[0].kind, RISK_NOT_CALCULATED);
	assert_false(r[0].flagged);
	assert_value(r[0].comparison_risk, 0.0);
	assert_int_equal(r[1].kind, RISK_RATIO);
	assert_value(r[1].ratio, 0.0);
}

/*
 * Weighted risk ratio, WRR_i = sum_{j!=i} p_j R_i / sum_{j!=i} p_j R_j.
 * District risks: A 20/100 = 0.2, B 10/200 = 0.05, C 10/100 = 0.1.
 * State enrolments A 1000, B 3000, C 6000: p = 0.1, 0.3, 0.6.
 *   WRR_A = (0.3+0.6)*0.2 / (0.3*0.05 + 0.6*0.1) = 0.18/0.075 = 2.4
 *   WRR_B = (0.1+0.6)*0.05 / (0.1*0.2 + 0.6*0.1) = 0.035/0.08 = 0.4375
 *   WRR_C = (0.1+0.3)*0.1 / (0.1*0.2 + 0.3*0.05) = 0.04/0.035 = 1.142857...
 * Unweighted, A's others are 300/20: RR_A = 0.2/(20/300) = 3.0; the WRR
 * differs because B, common in the State, has the lower risk.
 */
static const struct risk_group wrr_table[] = {
	{ "A", 100, 20 }, { "B", 200, 10 }, { "C", 100, 10 }
};

static const struct risk_group wrr_state[] = {
	{ "A", 1000, 50 }, { "B", 3000, 150 }, { "C", 6000, 300 }
};

static void test_weighted_ratio(void **state)
{
	struct risk_options o;
	struct risk_row r[3];

	(void)state;
	risk_options_default(&o);
	o.state = wrr_state;
	o.nstate = N(wrr_state);
	compute(wrr_table, N(wrr_table), &o, r);
	assert_value(r[0].weighted_ratio, 2.4);
	assert_value(r[1].weighted_ratio, 0.4375);
	assert_value(r[2].weighted_ratio, 0.04 / 0.035);
	assert_value(r[0].ratio, 3.0);
	assert_int_equal(r[0].kind, RISK_RATIO);
	assert_false(r[0].flagged);
}

/* Without state data: undefined. State without C: A's and B's sums need
 * C's weight, undefined; C's own uses only A and B:
 * (1000+3000)*0.1 / (1000*0.2 + 3000*0.05) = 400/350. A district row D
 * with no students drops out of the sums and needs no State row. */
static void test_weighted_ratio_undefined(void **state)
{
	const struct risk_group with_d[] = {
		{ "A", 100, 20 }, { "B", 200, 10 }, { "C", 100, 10 }, { "D", 0, 0 }
	};
	struct risk_options o;
	struct risk_row r[4];

	(void)state;
	risk_options_default(&o);
	compute(wrr_table, 3, &o, r);
	assert_undefined(r[0].weighted_ratio);
	o.state = wrr_state;
	o.nstate = 2;				/* A and B only */
	compute(wrr_table, 3, &o, r);
	assert_undefined(r[0].weighted_ratio);
	assert_undefined(r[1].weighted_ratio);
	assert_value(r[2].weighted_ratio, 400.0 / 350.0);
	o.nstate = 3;
	compute(with_d, 4, &o, r);
	assert_value(r[0].weighted_ratio, 2.4);
	assert_undefined(r[3].weighted_ratio);	/* D below minimums */
}

static void test_invalid_input(void **state)
{
	const struct risk_group over[] = { { "A", 10, 11 } };
	const struct risk_group neg[] = { { "A", -1, 0 } };
	const struct risk_group dup[] = { { "A", 10, 1 }, { "A", 20, 2 } };
	const struct risk_group noname[] = { { NULL, 10, 1 } };
	struct risk_options o;
	struct risk_row r[2];

	(void)state;
	risk_options_default(&o);
	assert_int_equal(risk_compute(over, 1, &o, r), -1);
	assert_int_equal(risk_compute(neg, 1, &o, r), -1);
	assert_int_equal(risk_compute(dup, 2, &o, r), -1);
	assert_int_equal(risk_compute(noname, 1, &o, r), -1);
	assert_int_equal(risk_compute(race, 3, NULL, r), -1);
	assert_int_equal(risk_compute(race, 3, &o, NULL), -1);
	assert_int_equal(risk_compute(NULL, 0, &o, NULL), 0);
	o.threshold = 0.0;
	assert_int_equal(risk_compute(race, 1, &o, r), -1);
	risk_options_default(&o);
	o.min_cell = -1;
	assert_int_equal(risk_compute(race, 1, &o, r), -1);
	risk_options_default(&o);
	o.state = dup;
	o.nstate = 2;
	assert_int_equal(risk_compute(race, 1, &o, r), -1);
}

static void test_defaults(void **state)
{
	struct risk_options o;

	(void)state;
	risk_options_default(&o);
	assert_int_equal(o.min_cell, 10);
	assert_int_equal(o.min_n, 30);
	assert_true(o.threshold == 3.0);
	assert_int_equal(o.favourable, 0);
	assert_null(o.reference);
	assert_null(o.state);
}

/* Display minimum 10. A: count 5 (1..9) hidden. B: count 0 of 200 shown.
 * C: count 10, the minimum, shown. D: 8 enrolled (< 10) hidden.
 * E: count 9 hidden. F: enrolled exactly 10, count 10, shown. Three are
 * hidden, so nothing complementary even with the total shown. */
static void test_suppress_primary(void **state)
{
	const struct risk_group g[] = {
		{ "A", 100, 5 }, { "B", 200, 0 }, { "C", 150, 10 },
		{ "D", 8, 0 }, { "E", 90, 9 }, { "F", 10, 10 }
	};
	const int want[] = { 1, 0, 0, 1, 1, 0 };
	int hidden[6];

	(void)state;
	assert_int_equal(risk_suppress(g, 6, 10, 1, hidden), 3);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(hidden[i], want[i]);
}

/* Only A (5) is hidden. With the total shown, 5 = total - the rest, so the
 * shown row with the smallest count, D (12), is hidden too. Without the
 * total, A alone. */
static void test_suppress_complementary(void **state)
{
	const struct risk_group g[] = {
		{ "A", 100, 5 }, { "B", 200, 50 }, { "C", 150, 20 }, { "D", 300, 12 }
	};
	int hidden[4];

	(void)state;
	assert_int_equal(risk_suppress(g, 4, 10, 1, hidden), 2);
	assert_int_equal(hidden[0], 1);
	assert_int_equal(hidden[1], 0);
	assert_int_equal(hidden[2], 0);
	assert_int_equal(hidden[3], 1);
	assert_int_equal(risk_suppress(g, 4, 10, 0, hidden), 1);
	assert_int_equal(hidden[3], 0);
}

/* Ties on count go to the smaller enrolment (C), then the earlier row. */
/* A hidden sum of 0 says "none of the hidden groups": B (8 students) is
 * hidden; A and C (0 each) would leave the hidden sum at 0, so hiding goes on
 * until D (30) brings it to the display minimum. */
static void test_suppress_zero_sum(void **state)
{
	const struct risk_group g[] = {
		{ "A", 50, 0 }, { "B", 8, 0 }, { "C", 60, 0 }, { "D", 100, 30 }, { "E", 400, 80 },
	};
	int hidden[5];

	(void)state;
	assert_int_equal(risk_suppress(g, 5, 10, 1, hidden), 4);
	assert_int_equal(hidden[0], 1);
	assert_int_equal(hidden[1], 1);
	assert_int_equal(hidden[2], 1);
	assert_int_equal(hidden[3], 1);
	assert_int_equal(hidden[4], 0);
	/* Without the total on screen nothing follows by subtraction. */
	assert_int_equal(risk_suppress(g, 5, 10, 0, hidden), 1);
}

static void test_suppress_ties(void **state)
{
	const struct risk_group g[] = {
		{ "A", 100, 5 }, { "B", 300, 20 }, { "C", 200, 20 }, { "D", 200, 20 }
	};
	int hidden[4];

	(void)state;
	assert_int_equal(risk_suppress(g, 4, 10, 1, hidden), 2);
	assert_int_equal(hidden[1], 0);
	assert_int_equal(hidden[2], 1);
	assert_int_equal(hidden[3], 0);
}

static void test_suppress_edges(void **state)
{
	const struct risk_group one[] = { { "A", 100, 5 } };
	const struct risk_group none[] = { { "A", 100, 50 }, { "B", 100, 0 } };
	int hidden[2];

	(void)state;
	assert_int_equal(risk_suppress(one, 1, 10, 1, hidden), 1);
	assert_int_equal(hidden[0], 1);
	assert_int_equal(risk_suppress(none, 2, 10, 1, hidden), 0);
	assert_int_equal(risk_suppress(none, 2, 0, 1, hidden), -1);
	assert_int_equal(risk_suppress(none, 2, 10, 1, NULL), -1);
	assert_int_equal(risk_suppress(NULL, 0, 10, 1, NULL), 0);
}

static void test_flag_sustained(void **state)
{
	const struct risk_year_flag all[] = {
		{ 2023, 1 }, { 2021, 1 }, { 2022, 1 }	/* order is free */
	};
	const struct risk_year_flag gap[] = { { 2021, 1 }, { 2022, 0 }, { 2023, 1 } };
	const struct risk_year_flag hole[] = { { 2021, 1 }, { 2023, 1 } };
	const struct risk_year_flag dup[] = { { 2022, 1 }, { 2022, 1 } };

	(void)state;
	assert_int_equal(risk_flag_sustained(all, 3, 2023, 3), 1);
	assert_int_equal(risk_flag_sustained(all, 3, 2023, 4), 0);	/* no 2020 */
	assert_int_equal(risk_flag_sustained(all, 3, 2022, 2), 1);
	assert_int_equal(risk_flag_sustained(all, 3, 2024, 1), 0);
	assert_int_equal(risk_flag_sustained(gap, 3, 2023, 2), 0);
	assert_int_equal(risk_flag_sustained(gap, 3, 2023, 1), 1);
	assert_int_equal(risk_flag_sustained(hole, 2, 2023, 2), 0);
	assert_int_equal(risk_flag_sustained(all, 3, 2023, 0), -1);
	assert_int_equal(risk_flag_sustained(dup, 2, 2022, 1), -1);
	assert_int_equal(risk_flag_sustained(NULL, 1, 2022, 1), -1);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(risk_kind_name(RISK_NOT_CALCULATED), "not_calculated");
	assert_string_equal(risk_kind_name(RISK_RATIO), "risk_ratio");
	assert_string_equal(risk_kind_name(RISK_ALTERNATE_RATIO),
			"alternate_risk_ratio");
}

/* Runs one printer into memory; the caller frees the text. */
static char *capture_rows(enum risk_format fmt, const char *site, int header)
{
	struct risk_options o;
	struct risk_row r[3];
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);

	assert_non_null(fp);
	risk_options_default(&o);
	o.reference = "White";
	compute(race, 3, &o, r);
	if (header)
		assert_int_equal(risk_print_header(fp, fmt), 0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(risk_print_row(fp, fmt, site, "2023-24", "oss",
				"race", &race[i], &r[i]), 0);
	fclose(fp);
	return text;
}

static void test_print_csv(void **state)
{
	char *text = capture_rows(RISK_FORMAT_CSV, "North \"Elm\", East", 1);

	(void)state;
	assert_string_equal(text,
		"site,year,metric,dimension,group,enrolled,count,risk,"
		"comparison_risk,ratio_kind,ratio,flagged,reference_ratio,"
		"weighted_risk_ratio,outcome_share,enrolled_share,"
		"share_difference,relative_share_difference,expected_count\n"
		"\"North \"\"Elm\"\", East\",2023-24,oss,race,Black,200,40,"
		"0.2000,0.0500,risk_ratio,4.0000,true,4.0000,NA,0.5000,0.2000,"
		"0.3000,1.5000,16.0000\n"
		"\"North \"\"Elm\"\", East\",2023-24,oss,race,White,600,30,"
		"0.0500,0.1250,risk_ratio,0.4000,false,NA,NA,0.3750,0.6000,"
		"-0.2250,-0.3750,48.0000\n");
	free(text);
}

static void test_print_json(void **state)
{
	char *text = capture_rows(RISK_FORMAT_JSON, "a\\b\n\t\x01\"", 1);

	(void)state;
	assert_string_equal(text,
		"{\"site\":\"a\\\\b\\n\\t\\u0001\\\"\",\"year\":\"2023-24\","
		"\"metric\":\"oss\",\"dimension\":\"race\",\"group\":\"Black\","
		"\"enrolled\":200,\"count\":40,\"risk\":0.2000,"
		"\"comparison_risk\":0.0500,\"ratio_kind\":\"risk_ratio\","
		"\"ratio\":4.0000,\"flagged\":true,\"reference_ratio\":4.0000,"
		"\"weighted_risk_ratio\":null,\"outcome_share\":0.5000,"
		"\"enrolled_share\":0.2000,\"share_difference\":0.3000,"
		"\"relative_share_difference\":1.5000,\"expected_count\":16.0000}\n"
		"{\"site\":\"a\\\\b\\n\\t\\u0001\\\"\",\"year\":\"2023-24\","
		"\"metric\":\"oss\",\"dimension\":\"race\",\"group\":\"White\","
		"\"enrolled\":600,\"count\":30,\"risk\":0.0500,"
		"\"comparison_risk\":0.1250,\"ratio_kind\":\"risk_ratio\","
		"\"ratio\":0.4000,\"flagged\":false,\"reference_ratio\":null,"
		"\"weighted_risk_ratio\":null,\"outcome_share\":0.3750,"
		"\"enrolled_share\":0.6000,\"share_difference\":-0.2250,"
		"\"relative_share_difference\":-0.3750,\"expected_count\":48.0000}\n");
	free(text);
}

/* A newline in a text field is quoted; NULL text is empty; 4 decimals are
 * rounded (0.05/0.0875 = 0.571428... -> 0.5714); a tiny negative prints as
 * 0.0000, not -0.0000. */
static void test_print_details(void **state)
{
	const struct risk_group g = { "two\nlines", 10, 1 };
	struct risk_row row = { .kind = RISK_NOT_CALCULATED };
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);

	(void)state;
	assert_non_null(fp);
	row.risk.defined = 1;
	row.risk.value = 0.05 / 0.0875;
	row.share_difference.defined = 1;
	row.share_difference.value = -0.00001;
	assert_int_equal(risk_print_row(fp, RISK_FORMAT_CSV, NULL, "y", "m", "d",
			&g, &row), 0);
	assert_int_equal(risk_print_row(fp, RISK_FORMAT_CSV, "s", "y", "m", "d",
			NULL, &row), -1);
	fclose(fp);
	assert_string_equal(text, ",y,m,d,\"two\nlines\",10,1,0.5714,NA,"
		"not_calculated,NA,false,NA,NA,NA,NA,0.0000,NA,NA\n");
	free(text);
}

/* Under a decimal-comma locale the output must still use '.'. Skipped when
 * the machine has no such locale. */
/* A decimal-comma locale, built with localedef into a private folder when the
 * system has none installed (Debian's base image ships the sources, not the data). */
static const char *set_comma_locale(char *dir)
{
	const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8" };
	const char *set = NULL;
	char cmd[256];

	for (size_t i = 0; i < N(names) && !set; i++)
		set = setlocale(LC_NUMERIC, names[i]);
	if (set || !mkdtemp(dir))
		return set;
	snprintf(cmd, sizeof(cmd), "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 2>/dev/null", dir);
	if (system(cmd) != 0)
		return NULL;
	setenv("LOCPATH", dir, 1);
	return setlocale(LC_NUMERIC, "de_DE.UTF-8");
}

static void test_print_decimal_comma_locale(void **state)
{
	char dir[] = "/tmp/qrel-locale-XXXXXX", cmd[64];
	const char *set = set_comma_locale(dir);
	char *text;

	(void)state;
	assert_non_null(set); /* needs Debian's locales package (localedef and its sources) */
	text = capture_rows(RISK_FORMAT_CSV, "s", 0);
	setlocale(LC_NUMERIC, "C");
	unsetenv("LOCPATH");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (strcmp(dir, "/tmp/qrel-locale-XXXXXX") != 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	assert_non_null(strstr(text, ",0.2000,0.0500,risk_ratio,4.0000,"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_nzmaths),
		cmocka_unit_test(test_basic_ratios),
		cmocka_unit_test(test_shares_and_expected),
		cmocka_unit_test(test_shares_without_outcomes),
		cmocka_unit_test(test_reference_ratio),
		cmocka_unit_test(test_reference_ratio_undefined),
		cmocka_unit_test(test_threshold_adverse),
		cmocka_unit_test(test_threshold_favourable),
		cmocka_unit_test(test_exceeds),
		cmocka_unit_test(test_minimums_inclusive),
		cmocka_unit_test(test_minimums_below),
		cmocka_unit_test(test_alternate_ratio),
		cmocka_unit_test(test_alternate_missing_state),
		cmocka_unit_test(test_alternate_not_needed),
		cmocka_unit_test(test_zero_comparison_risk),
		cmocka_unit_test(test_weighted_ratio),
		cmocka_unit_test(test_weighted_ratio_undefined),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_suppress_primary),
		cmocka_unit_test(test_suppress_complementary),
		cmocka_unit_test(test_suppress_zero_sum),
		cmocka_unit_test(test_suppress_ties),
		cmocka_unit_test(test_suppress_edges),
		cmocka_unit_test(test_flag_sustained),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_print_csv),
		cmocka_unit_test(test_print_json),
		cmocka_unit_test(test_print_details),
		cmocka_unit_test(test_print_decimal_comma_locale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

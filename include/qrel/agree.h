/* Rater-agreement statistics (percent agreement, kappas, Krippendorff's alpha). */
#ifndef QREL_AGREE_H
#define QREL_AGREE_H

#include <stdio.h>

/* Bounds the K x K tables; real rubric scales have 3 to 6 levels. */
#define AGREE_MAX_LEVELS 100

/* A statistic that may not exist for the data: when defined is 0, value is 0
 * and must not be shown; why says in a few English words what is missing. */
struct agree_value {
	double value;
	int defined;
	const char *why;	/* static string, NULL when defined */
};

struct agree_result {
	int units;	/* units with at least one rating */
	int raters;	/* raters with at least one rating */
	struct agree_value exact;	/* share of within-unit rating pairs that are equal */
	struct agree_value adjacent;	/* share within one level */
	struct agree_value cohen;	/* exactly two raters */
	struct agree_value kappa_linear;
	struct agree_value kappa_quadratic;
	struct agree_value fleiss;	/* same number (>= 2) of ratings per unit */
	struct agree_value alpha_nominal;
	struct agree_value alpha_ordinal;
	struct agree_value alpha_interval;
};

enum agree_format {
	AGREE_CSV,
	AGREE_JSON,
	AGREE_TABLE,
};

/*
 * scores is a units x raters matrix, row-major: scores[u * raters + r] is
 * 0 when rater r did not rate unit u, otherwise a level 1..levels. Tables are
 * built on the whole scale 1..levels, so unused levels still count.
 * Returns 0, or -1 (out untouched) if an argument is out of range, a score is
 * outside 0..levels, or memory runs out.
 */
int agree_compute(const int *scores, int units, int raters, int levels,
		  struct agree_result *out);

/*
 * Turns per-unit category counts (units x levels, counts[u * levels + k] =
 * how many raters gave level k + 1) into a units x raters score matrix for
 * agree_compute, filling each row from the left and padding with 0. Columns
 * are then rating slots, not people, so Cohen's kappa means nothing for such
 * data. Returns 0, or -1 if a count is negative or a row needs more than
 * raters slots.
 */
int agree_counts_to_scores(const int *counts, int units, int levels,
			   int *scores, int raters);

/*
 * Writes r in the given format. Columns, in order: units, raters,
 * exact_agreement, adjacent_agreement, cohen_kappa, weighted_kappa_linear,
 * weighted_kappa_quadratic, fleiss_kappa, alpha_nominal, alpha_ordinal,
 * alpha_interval. Numbers have 4 decimals and always a '.' whatever the
 * locale; undefined values are NA in CSV, null in JSON, and NA with the
 * reason in the table. header asks for the CSV header line (so several rows
 * can share one); JSON and table ignore it.
 */
void agree_print(FILE *f, const struct agree_result *r,
		 enum agree_format fmt, int header);

#endif

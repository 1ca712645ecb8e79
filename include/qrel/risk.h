/* Disproportionality statistics for one subgroup table: risk, risk ratios, shares, flags and display suppression. */
#ifndef QREL_RISK_H
#define QREL_RISK_H

#include <stddef.h>
#include <stdio.h>

/*
 * A table is one (site, school year, metric, dimension); each row is a group
 * with its enrolment (denominator) and the number of its students with the
 * outcome. Pure arithmetic: no curses, no SQLite, no allocation, no globals.
 *
 * Definitions (34 CFR 300.647(a); Iowa r. 281-41.647 repeats them):
 *   risk              = count / enrolled
 *   comparison group  = every other row of the same table
 *   risk ratio        = risk / (sum of others' counts / sum of others' enrolled)
 *   alternate ratio   = risk / risk of every other group in the State data,
 *                       used when the comparison group is below the minimum
 *                       cell size (count) or minimum n-size (enrolled),
 *                       300.647(b)(5).
 * Minimums are inclusive (count >= min_cell and enrolled >= min_n qualify).
 * When the group itself is below either minimum no ratio of any kind is
 * calculated and it is never flagged. The descriptive values (risk, shares,
 * expected count, comparison risk) are still computed whenever their
 * denominator is non-zero: the analyst's own `qrel risk` output shows them,
 * and anything put on a screen or in the report goes through risk_suppress()
 * first.
 *
 * Undefined values (zero denominator, below a minimum, missing state data)
 * come back with defined == 0 and value 0.0; never read value unless defined.
 */

#define RISK_DEFAULT_MIN_CELL 10
#define RISK_DEFAULT_MIN_N 30
#define RISK_DEFAULT_THRESHOLD 3.0
#define RISK_DEFAULT_DISPLAY_MIN 10

struct risk_group {
	const char *name;	/* unique within a table; compared exactly */
	long enrolled;		/* >= 0 */
	long count;		/* 0 <= count <= enrolled */
};

struct risk_options {
	long min_cell;		/* minimum outcome count, default 10 */
	long min_n;		/* minimum enrolment, default 30 */
	double threshold;	/* > 0, default 3.0 */
	int favourable;		/* 1: under-representation is the concern */
	const char *reference;	/* group for reference_ratio, or NULL */
	const struct risk_group *state;	/* state totals per group, or NULL */
	size_t nstate;
};

struct risk_value {
	double value;
	int defined;
};

enum risk_kind {
	RISK_NOT_CALCULATED,
	RISK_RATIO,
	RISK_ALTERNATE_RATIO
};

struct risk_row {
	struct risk_value risk;
	/* Denominator of the reported ratio: the table's other groups for
	 * RISK_RATIO, the State's other groups for RISK_ALTERNATE_RATIO; for
	 * RISK_NOT_CALCULATED the table's other groups, when they have any
	 * enrolment. */
	struct risk_value comparison_risk;
	struct risk_value ratio;		/* risk ratio or alternate ratio */
	struct risk_value reference_ratio;
	struct risk_value weighted_ratio;
	struct risk_value outcome_share;	/* count / table count */
	struct risk_value enrolled_share;	/* enrolled / table enrolled */
	struct risk_value share_difference;	/* outcome - enrolled share */
	struct risk_value relative_share_difference; /* difference / enrolled share */
	struct risk_value expected_count;	/* enrolled * table risk */
	enum risk_kind kind;
	int flagged;
};

/* Defaults: min_cell 10, min_n 30, threshold 3.0, adverse, no reference,
 * no state data. */
void risk_options_default(struct risk_options *o);

/*
 * Fills out[0..n-1], one row per group. Returns 0, or -1 (out untouched)
 * when an argument is invalid: NULL pointers, a NULL or repeated name in g
 * or in the state data, a negative number, a count above its enrolment,
 * negative minimums or a threshold that is not > 0.
 *
 * ratio: RISK_RATIO when the group and its comparison group both meet the
 *   minimums and the comparison risk is > 0. If the comparison group is
 *   below a minimum and state data is given, the alternate ratio against
 *   the State rows whose name differs from the group's; the group's own
 *   name must appear in the State data (a missing name is treated as a
 *   mismatch rather than as "no such students in the State"). A zero
 *   comparison risk never falls back to the State: the fallback is for
 *   small comparison groups only. Anything else: RISK_NOT_CALCULATED.
 *
 * flagged: the ratio (either kind) is strictly above threshold for an
 *   adverse metric, strictly below 1/threshold for a favourable one.
 *
 * reference_ratio: risk / risk of the group named o->reference. Undefined
 *   when no reference is set, it is absent from the table, it or the row is
 *   below a minimum, its risk is 0, or the row is the reference itself (a
 *   group against itself is 1 by construction and would read as "parity
 *   found"). Not used for flagging.
 *
 * weighted_ratio (IDEA Data Center, "Methods for Assessing Racial/Ethnic
 *   Disproportionality in Special Education", Bollmer, Bethel, Munk and
 *   Bitterman, rev. 2014; Bollmer et al., J. Spec. Educ. 41(3) 2007):
 *       WRR_i = sum_{j != i} p_j * R_i  /  sum_{j != i} p_j * R_j
 *   R = district (table) risk, p_j = State enrolment of group j / State
 *   enrolment. Equivalently R_i / sum_j w_j R_j with w_j the State share of
 *   group j among the other groups; it removes the effect of the table's own
 *   group mix on the comparison. Sums run over the other rows with
 *   enrolment > 0 (a group with no students here has no risk and drops out
 *   of both sums). Undefined without state data, when the row is below a
 *   minimum, when any other row with enrolment has no State row, or when
 *   the denominator is 0. Not used for flagging: 300.647 flags on the risk
 *   ratio or alternate risk ratio only.
 *
 * Shares and expected count use the whole table: outcome share =
 *   count / sum count, enrolled share = enrolled / sum enrolled,
 *   difference = outcome share - enrolled share, relative difference =
 *   difference / enrolled share, expected count = enrolled * (sum count /
 *   sum enrolled).
 */
int risk_compute(const struct risk_group *g, size_t n,
		const struct risk_options *o, struct risk_row *out);

/* 1 when ratio passes the threshold in the metric's direction, else 0. */
int risk_exceeds(double ratio, double threshold, int favourable);

/* One group's flag in one school year (year = the starting calendar year,
 * 2023 for 2023-24). */
struct risk_year_flag {
	int year;
	int flagged;
};

/*
 * Sustained flag (300.647(d) lets a State wait for up to three consecutive
 * years): 1 when h holds a flagged entry for each of year, year-1, ...,
 * year-years+1; 0 when any of those years is missing or not flagged; -1 when
 * h is NULL with n > 0, years < 1, or h repeats a year. Order of h is free.
 */
int risk_flag_sustained(const struct risk_year_flag *h, size_t n, int year,
		int years);

/*
 * Privacy suppression for screens and the report. Sets hidden[i] to 1 when
 * group i's count and rate must not be shown, 0 otherwise; returns the number
 * hidden, or -1 on NULL pointers or display_min < 1.
 *
 * Primary: hide when 1 <= count < display_min, or enrolled < display_min.
 * A count of 0 in a group of at least display_min students is shown: it
 * identifies nobody and the rule must not hide "nobody was suspended".
 *
 * Complementary: when total_shown is non-zero (the table total appears next
 * to the rows), the hidden rows' sum follows by subtraction. So while fewer
 * than two rows are hidden, or their counts sum to less than display_min,
 * the shown row with the smallest count is hidden too (ties: smaller
 * enrolment, then the earlier row): a lone hidden value, or a hidden sum of
 * 0 ("none of them"), could otherwise be worked out. With a single-row table
 * the total is the row: the caller must hide the total instead.
 * The subgroup tables (subgroup.c) take only the primary rule from here
 * (total_shown 0) and choose complements themselves: never a flagged group,
 * and until an audit of what is shown pins no count.
 */
int risk_suppress(const struct risk_group *g, size_t n, long display_min,
		int total_shown, int *hidden);

/* "not_calculated", "risk_ratio", "alternate_risk_ratio" ("unknown" else). */
const char *risk_kind_name(enum risk_kind k);

enum risk_format {
	RISK_FORMAT_CSV,	/* RFC 4180 quoting, one header line */
	RISK_FORMAT_JSON	/* one object per row, no header (`qrel risk` makes them one array) */
};

/*
 * Output columns, in this order:
 * site,year,metric,dimension,group,enrolled,count,risk,comparison_risk,
 * ratio_kind,ratio,flagged,reference_ratio,weighted_risk_ratio,
 * outcome_share,enrolled_share,share_difference,relative_share_difference,
 * expected_count
 * Numbers are %.4f with '.' as the decimal point whatever the locale;
 * undefined is NA in CSV and null in JSON; flagged is true/false. CSV text
 * is quoted when it holds a comma, quote, CR or LF (quotes doubled). Lines
 * end in LF, not RFC 4180's CRLF: the output feeds Unix pipes, and
 * spreadsheets read both. JSON strings are escaped; bytes >= 0x80 pass
 * through, so text must already be UTF-8. NULL text prints empty.
 * Both return 0, or -1 on a write error or NULL fp/group/row.
 */
int risk_print_header(FILE *fp, enum risk_format fmt);
int risk_print_row(FILE *fp, enum risk_format fmt, const char *site,
		const char *year, const char *metric, const char *dimension,
		const struct risk_group *group, const struct risk_row *row);

#endif

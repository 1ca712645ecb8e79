/* subgroup.h: subgroup tables as a screen may show them: the lists to pick from, one table with its statistics after suppression, a group's trend and its peers at other sites, cell corrections and the note a flag becomes. */
#ifndef QREL_SUBGROUP_H
#define QREL_SUBGROUP_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "qrel/risk.h"

struct db;
struct settings;

#define SUBGROUP_YEAR 16	/* "2024-25" */
#define SUBGROUP_TEXT 128	/* metric, dimension and group names */
#define SUBGROUP_FINDING 512

/*
 * Privacy: everything this module hands out has been suppressed with
 * [privacy] min_display and the table total shown. Primary: a group with 1
 * to min_display-1 students with the outcome, or fewer than min_display
 * students enrolled (risk_suppress). Complementary: then the first shown
 * group NOT flagged in an order no count decides (the FNV-1a hash of
 * "SITE|YEAR|METRIC|DIMENSION|GROUP", codes) is hidden too, again and
 * again, while fewer than two are hidden, the hidden counts sum to less than
 * min_display, or an audit finds a hidden count that the total, the
 * enrolments, the flags and the choice of complements leave with a single
 * possible value. When that would take a flagged group (or one is hidden by
 * the primary rule, possible only when min_display exceeds min_cell), or
 * every group is hidden and the audit still fails, every count and the
 * total count are withheld: a flag with the total can pin a count.
 *
 * Across sites: the district's table and its schools' tables of the same
 * year, metric and dimension are suppressed together (subgroup_load reads
 * that set): where a withheld count could be worked out from the sums
 * (district less schools, the rest between 0 and the enrolment not at a
 * listed school), more cells are withheld until none can; a school's count
 * under a district count shown as 0 is shown (it is 0: a "*" would only
 * pretend), with only its rate where the school's total is withheld.
 *
 * A hidden row carries count -1 and every value derived from its count
 * undefined (risk, comparison risk, ratios, outcome share and its
 * differences, expected count). Its flag stays: a suppression never hides a
 * finding (subgroup_finding says it without a figure). Its enrolment and
 * enrolment share stay, as they are published figures. Raw counts of hidden
 * rows never leave this file, so a screen cannot show them by mistake.
 *
 * State figures (state_row, `qrel import state`) for the table's year,
 * metric and dimension go to risk_compute: a group whose comparison group is
 * below a minimum gets the alternate risk ratio against the State, and the
 * State's enrolments weight the weighted risk ratio. Without them a small
 * comparison group gives RISK_NOT_CALCULATED and the weighted ratio is
 * undefined.
 *
 * [subgroups] reference (settings->reference) names the reference group.
 * Beyond the hidden rows themselves, a shown row's reference ratio is
 * withheld when the reference group is hidden, and every weighted ratio is
 * withheld when any row is hidden: either would give a hidden count back.
 *
 * A linked set's result is kept in the store (subgroup_kept.h) and read back
 * by later loads: a change to any of this (here, in subgroup.c or in
 * risk_suppress) must raise SUBGROUP_KEPT_RULE, or tables suppressed by the
 * old rule are shown as they were.
 */

struct subgroup_metric {
	int64_t id;
	char code[32];
	char name[SUBGROUP_TEXT];
	bool favourable;	/* direction: under-representation is the concern */
	int64_t cluster;	/* the rubric cluster it informs, 0 if none */
};

/* One table: (site, school year, metric, dimension). */
struct subgroup_key {
	int64_t site;
	char year[SUBGROUP_YEAR];
	int64_t metric;
	char dimension[SUBGROUP_TEXT];
};

struct subgroup_entry {
	int64_t id;			/* subgroup_row.id */
	char name[SUBGROUP_TEXT];	/* the group */
	long enrolled;
	long count;			/* -1 when hidden */
	struct risk_row stat;		/* suppressed values are undefined */
	bool hidden;			/* count and all it implies withheld */
	bool flagged;			/* past the threshold in each of the last flag_years years;
					 * kept when hidden: a suppression never hides a finding */
};

struct subgroup_table {
	struct subgroup_key key;
	struct subgroup_metric metric;
	char site_code[32];
	char site_name[128];
	bool district;
	size_t n;
	struct subgroup_entry *row;	/* in import order */
	long enrolled;			/* table totals; count -1 when hidden */
	long count;
	int nhidden;
	char reference[SUBGROUP_TEXT];	/* the reference group asked for, "" none */
	bool reference_withheld;	/* it is hidden, so no row shows a ratio to it */
	bool weighted_withheld;		/* a row is hidden, so no weighted ratio is shown */
	size_t nstate;			/* State rows found for this table */
	double threshold;		/* [subgroups] threshold and [privacy] min_display it was made with */
	long min_display;
};

/* A group in one year (trend) or at one site (across sites). */
struct subgroup_point {
	char label[SUBGROUP_YEAR];	/* the year, or the site's code */
	char site_name[128];
	int64_t site;
	struct subgroup_entry entry;
};

/* The school years with data at site, oldest first. */
int subgroup_years(struct db *db, int64_t site, char (*out)[SUBGROUP_YEAR], size_t max, size_t *n);
/* The metrics with data at site, in import order. */
int subgroup_metrics(struct db *db, int64_t site, struct subgroup_metric *out, size_t max, size_t *n);
/* The dimensions of metric at site, in import order. */
int subgroup_dimensions(struct db *db, int64_t site, int64_t metric, char (*out)[SUBGROUP_TEXT],
			size_t max, size_t *n);
/* Fills the parts of key that name nothing at key->site with the latest year,
 * the first metric and the first dimension there. QREL_NOTFOUND: no data. */
int subgroup_key_fix(struct db *db, struct subgroup_key *key);

/* Loads, computes (min_cell, min_n, threshold, direction, reference, the
 * State's figures), flags over flag_years and suppresses (min_display) one table. An empty table is
 * QREL_OK with n 0. Free with subgroup_table_free. */
int subgroup_load(struct db *db, const struct subgroup_key *key, const struct settings *s,
		  struct subgroup_table *t);
/* The same for a caller loading many tables: the set last read (a district's
 * and its schools' tables of one year, metric and dimension) is kept in sets,
 * so tables taken in set order read each set once. A table is taken once;
 * asking for it again reads its set again. subgroup_load alone takes a
 * table's suppression kept in the store (subgroup_kept.h) when there is one,
 * subgroup_load_in a set's when every member of it has one; both keep what
 * they suppress when no transaction is open. */
struct subgroup_sets;
struct subgroup_sets *subgroup_sets_new(void);
void subgroup_sets_free(struct subgroup_sets *sets);
int subgroup_load_in(struct db *db, const struct subgroup_key *key, const struct settings *s,
		     struct subgroup_sets *sets, struct subgroup_table *t);
void subgroup_table_free(struct subgroup_table *t);
/* The same statistics and suppression for a table given as its groups (pooled
 * elsewhere: the hub's portfolio): no State figures, flags for this year only. */
int subgroup_from_groups(const struct risk_group *g, size_t n, bool favourable, const struct settings *s,
			 struct subgroup_table *t);
/* Index of group in t, or -1. */
int subgroup_find(const struct subgroup_table *t, const char *group);

/* One group's figures as its table shows them, for a module that shows them
 * outside the table (the action plan): count -1 when withheld, total_count
 * -1 when the table's total is. QREL_NOTFOUND when the table has no such group. */
struct subgroup_shown {
	long enrolled, count, total_enrolled, total_count;
};
int subgroup_shown_figures(struct db *db, const struct subgroup_key *key, const char *group, const struct settings *s,
			   struct subgroup_shown *out);

/* group in each year of (site, metric, dimension), oldest first; a year
 * without the group is left out. *out is malloc'ed. */
int subgroup_trend(struct db *db, const struct subgroup_key *key, const char *group,
		   const struct settings *s, struct subgroup_point **out, size_t *n);
/* group at each site with (year, metric, dimension) data, the district first,
 * then by site code: the first max of them (SIZE_MAX for all). Each is the
 * site's table as subgroup_load gives it; only the sites up to the last
 * point are read when their kept suppression is there. */
int subgroup_across_sites(struct db *db, const struct subgroup_key *key, const char *group,
			  const struct settings *s, size_t max, struct subgroup_point **out, size_t *n);

#define SUBGROUP_KEEP LONG_MIN	/* subgroup_set_cell: leave this value as stored */

/* Corrects one stored row: 0 <= count <= enrolled, else QREL_PARSE
 * (SUBGROUP_KEEP for either keeps the stored value, so a suppressed count
 * can be left alone without being shown). One
 * transaction with a change_log row per changed field ('enrolled', 'count').
 * QREL_LOCKED for a locked review or site; QREL_NOTFOUND for no such row. */
int subgroup_set_cell(struct db *db, int64_t review, int64_t row, long enrolled, long count,
		      const char *who);

/* The finding a flagged row states, e.g. "Black or African American students:
 * out-of-school suspension risk 4.0% vs 0.7% for all other students (risk
 * ratio 5.29, 2024-25, district)"; for a hidden row, the flag and the
 * threshold with "counts withheld" and no figure. QREL_NOTFOUND when row i
 * is not flagged. */
int subgroup_finding(const struct subgroup_table *t, size_t i, char *buf, size_t size);
/* Writes the finding of row i as an evidence note (document review, an area
 * for growth) by author, tagged to the metric's cluster and the subgroup,
 * with its change_log row, in one transaction. */
int subgroup_write_note(struct db *db, int64_t review, const struct subgroup_table *t, size_t i,
			int64_t author, const char *who, int64_t *note);

#endif

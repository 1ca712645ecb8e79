/* survey.h: aggregated survey results and response rates: import, the
 * suppressed tables the screen and `qrel surveys` show, and citing an item
 * as evidence for a finding. */
#ifndef QREL_SURVEY_H
#define QREL_SURVEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qrel/diag.h"

struct db;
struct import_stats;
struct vis_viewer;

#define SURVEY_TEXT 256

/*
 * One result row: an item as one stakeholder group (and optionally one
 * student subgroup; "" is the whole group) answered it at one site.
 * Privacy: rows go through risk_suppress() (risk.h), the rule the subgroup
 * tables use, with responses as the group size and favourable answers as the
 * count. The rows of one (site, instrument, item, group) by subgroup form a
 * table whose total is the whole-group row when there is one (so the
 * complementary rule applies); the whole-group row is a table of its own.
 * A hidden row carries favourable -1 and pct undefined; the per-option
 * counts are stored but never handed out.
 */
struct survey_row {
	int64_t id;
	int64_t site;
	char site_code[32];
	char instrument[128];
	char item[SURVEY_TEXT];
	char cluster[16];	/* the cluster code, "" none */
	char group[64];		/* the stakeholder group */
	char subgroup[128];	/* "" the whole group */
	long responses;
	long favourable;	/* -1 when hidden */
	double pct;		/* favourable share in percent; undefined when hidden */
	bool hidden;
	long order;		/* position in item order */
};

struct survey_rate {
	char site_code[32];
	char instrument[128];
	char group[64];
	long invited, responded;
};

enum survey_order { SURVEY_BY_ITEM, SURVEY_BY_GROUP };

/* The rows v may read (visibility.h: subgroup data) at site (0: every site),
 * suppressed with min_display, ordered by item (site, instrument, item,
 * group, subgroup) or by group (site, group, instrument, item, subgroup).
 * *out is malloc'd. */
int survey_load(struct db *db, int64_t review, const struct vis_viewer *v, int64_t site,
		enum survey_order order, long min_display, struct survey_row **out, size_t *n);
/* Response rates v may read at site (0: all), by site, instrument and group. */
int survey_rates(struct db *db, int64_t review, const struct vis_viewer *v, int64_t site,
		 struct survey_rate **out, size_t *n);

/* `qrel import survey` and `qrel import survey-rates` are import kinds
 * (import.h, src/domain/import.c): survey columns site, instrument, item, group
 * (required), cluster, subgroup, responses, favourable (a percentage, "64"
 * or "64%"), options ("+Strongly agree=12;+Agree=30;Disagree=5;Strongly
 * disagree=2": counts per option, favourable ones marked +; responses default
 * to their sum), one of favourable and options required; survey-rates
 * columns site, instrument, group, invited, responded. The lead's (GATE_DATA). */

/* The favourable count that a percentage of responses gives (rounded). */
long survey_favourable_of_pct(double pct, long responses);
/* Parses options text: *responses the sum, *favourable the sum of the '+'
 * options. false with a message in why (size n) when malformed. */
bool survey_parse_options(const char *s, long *responses, long *favourable, char *why, size_t n);

/* The favourable share as shown: "64" (percent, no decimals), "*" when
 * withheld, "" when nobody responded. */
void survey_pct_text(const struct survey_row *r, char *buf, size_t size);

/* Writes an evidence note (source survey) by who quoting shown row r, tagged
 * to its cluster; a withheld row, or one without a cluster, is refused. */
int survey_write_note(struct db *db, int64_t review, const struct survey_row *r, const char *who, int64_t *note);

/* Cites survey item id (a survey_item row) as evidence for finding. */
int survey_cite(struct db *db, int64_t review, const char *who, int64_t finding, int64_t item);
/* Removes that citation (NOTFOUND when the finding does not cite it); the same gate. */
int survey_uncite(struct db *db, int64_t review, const char *who, int64_t finding, int64_t item);
/* Forget a survey result or response rate uuid of review (a hub pull, once
 * the login no longer reads it), with no change log entry; a result a
 * finding cites stays (*gone false). */
int survey_item_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone);
int survey_rate_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone);
/* The cited items of finding as sentences ("Student survey: I feel safe at
 * school (students, LIN): 64% favourable of 220"), suppressed like the
 * screen; lines[] of 320 bytes, malloc'd. */
int survey_cited(struct db *db, int64_t finding, long min_display, char (**lines)[320], int *n);

#endif

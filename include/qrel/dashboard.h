/* dashboard.h: the review's sites x clusters levels, a page of sites at a time, for the dashboard screen and the report. */
#ifndef QREL_DASHBOARD_H
#define QREL_DASHBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "qrel/agree.h"
#include "qrel/score.h"
#include "qrel/voice.h"

struct db;
struct vis_viewer;

#define DASH_NE (-1)		/* a level cell: insufficient evidence */

struct dash_cluster {
	int64_t id;
	char code[16];
	char title[160];
	int domain;		/* index into the domains */
};

struct dash_domain {
	int64_t id;
	char code[16];
	char title[160];
	int first, n;		/* its clusters: [first, first + n) */
};

/* The framework's domains and clusters in order; both malloc'd. */
struct dash_frame {
	struct dash_domain *dom;
	int ndom;
	struct dash_cluster *cl;
	int ncl;
	int levels;
	char label[SCORE_MAX_LEVELS][48];	/* [0] is level 1's label */
	struct voice_group *grp;	/* the stakeholder groups (voice.h), malloc'd */
	int ngrp;
};

int dash_frame_load(struct db *db, int64_t review, struct dash_frame *out);
void dash_frame_free(struct dash_frame *f);
/* Index of cluster id in f, or -1. */
int dash_cluster_index(const struct dash_frame *f, int64_t id);

struct dash_site {
	int64_t id;
	char code[32];
	char name[128];
	bool district;
};

/* Sites offset .. offset+limit-1 in code order; *n gets how many. */
int dash_sites(struct db *db, int64_t review, int offset, int limit, struct dash_site *out, int *n);

/* One cluster at one site. Levels are 1..K, 0 for none, DASH_NE. */
struct dash_cell {
	int consensus, self;
	int mine;			/* the chosen rater's own level (team or self) */
	int team[SCORE_MAX_LEVELS];	/* team raters per level ([0]: level 1) */
	int team_ne;			/* team raters who marked NE */
	int notes;			/* live notes at the site tagged to the cluster */
	unsigned sources;		/* bit per source type among them */
	unsigned groups;		/* bit per stakeholder group heard (the frame's grp[] order) */
};

/* Adds one stored score to its cell; rater is the one whose levels "mine" shows. */
void dash_cell_score(struct dash_cell *c, const char *kind, int level, bool insufficient, bool is_rater);
/* Team raters with a level. */
int dash_team_n(const struct dash_cell *c);
/* Median of the team's levels, 0 when none (x.5 for an even split). */
double dash_team_median(const struct dash_cell *c);
/* Highest minus lowest team level; -1 with fewer than two levels. */
int dash_team_spread(const struct dash_cell *c);
/* Team raters two levels apart and no consensus yet: score_disagree on the cell. */
bool dash_to_discuss(const struct dash_cell *c);
int dash_source_count(const struct dash_cell *c);
/* Three or more source types (SCORE_TRIANGULATED). */
bool dash_triangulated(const struct dash_cell *c);
int dash_group_count(const struct dash_cell *c);
/* The bits (dash_cell.groups) of the frame's groups named in a comma-separated list. */
unsigned dash_group_bits(const struct dash_frame *f, const char *list);
/* The groups heard in c, comma-separated codes in framework order. */
void dash_group_codes(const struct dash_frame *f, const struct dash_cell *c, char *out, size_t size);
/* "3 source types, 2 stakeholder groups: students, families" for c. */
void dash_voice_text(const struct dash_frame *f, const struct dash_cell *c, char *out, size_t size);
/* Self level minus the team median, when both exist; *gap untouched and false otherwise. */
bool dash_self_gap(const struct dash_cell *c, double *gap);

/* Bit for a note source ("interview" ...), 0 for an unknown one. */
unsigned dash_source_bit(const char *source);

/*
 * Fills cells[s * f->ncl + c] (zeroed first) for the n sites: every score
 * and the evidence counts of each site, with per-site queries, so a page of
 * twenty sites costs twenty sites, not the review. rater: whose levels go in
 * "mine" (0 for nobody). Only what viewer may read goes in (visibility.h): the
 * scores and notes it may see, and team levels only where it may read figures,
 * so the median, spread and gaps of a blind cell stay empty.
 */
int dash_fill(struct db *db, int64_t review, const struct dash_frame *f, const struct dash_site *sites,
	      int n, int64_t rater, const struct vis_viewer *viewer, struct dash_cell *cells);

/* Clears the team levels of each cell of site's row where v may not read figures
 * (visibility.h): a blind cell keeps the viewer's own level, but no median,
 * spread or gap. */
void dash_blind_cells(struct db *db, const struct vis_viewer *v, const struct dash_frame *f, int64_t site,
		      struct dash_cell *row);

/* Agreement of the team scores per cluster, over every site: out[f->ncl],
 * over the units viewer may read figures of. */
int dash_cluster_agreement(struct db *db, int64_t review, const struct dash_frame *f,
			   const struct vis_viewer *viewer, struct agree_result *out);

#endif

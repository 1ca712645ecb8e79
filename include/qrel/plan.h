/* plan.h: the action plan: objectives with root causes tied to the evidence and
 * findings they rest on, a theory of action, metrics of impact, and steps with a
 * lead, dates and a status history. Every write is one transaction with change_log rows. */
#ifndef QREL_PLAN_H
#define QREL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct db;

enum plan_status { PLAN_PLANNED, PLAN_IN_PROGRESS, PLAN_DONE, PLAN_DROPPED, PLAN_STATUS_COUNT };

/* "planned", "in_progress", "done", "dropped"; parse also takes "in progress". */
const char *plan_status_name(enum plan_status s);
const char *plan_status_label(enum plan_status s);	/* "in progress" */
int plan_status_parse(const char *s, enum plan_status *out);
/* A real calendar date written YYYY-MM-DD. */
bool plan_date_valid(const char *s);
/* Today (YYYY-MM-DD, UTC) by clock_now, so QREL_NOW fixes it. */
void plan_today(char out[11]);

/* Who may change the plan: members of the review but observers. QREL_OK or
 * QREL_DENIED with the reason. */
int plan_may(struct db *db, int64_t review, const char *who);

/* The plan of site (0: district-wide), created when missing. */
int plan_ensure(struct db *db, int64_t review, const char *who, int64_t site, int64_t *plan);

/* ---- writes ---- */

struct plan_objective_input {
	int64_t site;			/* the plan: 0 district-wide */
	const char *title;
	const char *theory_if, *theory_then, *stakeholders;	/* NULL: "" */
	const char *uuid;		/* NULL: a new one (sync gives the other copy's) */
};

int plan_objective_add(struct db *db, int64_t review, const char *who,
		       const struct plan_objective_input *in, int64_t *objective);
/* field: title, if, then, stakeholders; the change is logged with old and new. */
int plan_objective_edit(struct db *db, int64_t review, const char *who, int64_t objective,
			const char *field, const char *value);

int plan_cause_add(struct db *db, int64_t review, const char *who, int64_t objective,
		   const char *text, int64_t *cause);
int plan_cause_edit(struct db *db, int64_t review, const char *who, int64_t cause, const char *text);

/* A subgroup finding: one group in one table. */
struct plan_subgroup_ref {
	int64_t site;
	char year[16];
	int64_t metric;
	char dimension[128];
	char group[128];
};

/* Parses "SITE,YEAR,METRIC,DIMENSION,GROUP" (codes; the group may hold commas). */
int plan_subgroup_ref_parse(struct db *db, int64_t review, const char *text,
			    struct plan_subgroup_ref *out);

int plan_link_note(struct db *db, int64_t review, const char *who, int64_t cause, int64_t note);
int plan_link_subgroup(struct db *db, int64_t review, const char *who, int64_t cause,
		       const struct plan_subgroup_ref *ref);
int plan_link_cluster(struct db *db, int64_t review, const char *who, int64_t cause, int64_t site,
		      int64_t cluster);
/* Removes one link (then a note it named may be deleted). */
int plan_link_remove(struct db *db, int64_t review, const char *who, int64_t link);

/* A subgroup metric: the baseline is the group's risk in ref->year, from the
 * data; target is a rate 0..1. */
int plan_metric_add_subgroup(struct db *db, int64_t review, const char *who, int64_t objective,
			     const struct plan_subgroup_ref *ref, double target, int64_t *metric);
/* A rubric metric: the baseline is the cluster's consensus level at site now. */
int plan_metric_add_cluster(struct db *db, int64_t review, const char *who, int64_t objective,
			    int64_t site, int64_t cluster, int target_level, int64_t *metric);

struct plan_step_input {
	const char *description;
	const char *lead;		/* a person's name; NULL or "": none */
	const char *resources;
	const char *starts, *due;	/* YYYY-MM-DD or NULL */
};

/* Adds a planned step with its first status history row. */
int plan_step_add(struct db *db, int64_t review, const char *who, int64_t objective,
		  const struct plan_step_input *in, int64_t *step);
/* field: description, lead, resources, start, due. */
int plan_step_edit(struct db *db, int64_t review, const char *who, int64_t step, const char *field,
		   const char *value);
/* A status change with its dated note: a step_status row and a change_log row.
 * QREL_CONFLICT when the step already has that status. */
int plan_step_set_status(struct db *db, int64_t review, const char *who, int64_t step,
			 enum plan_status status, const char *note);

/* ---- starting from a finding ----
 * Each adds a root cause linked to the finding to *objective, or, when
 * *objective is 0, first starts a new objective in the district-wide plan with a
 * title drawn from the finding and sets *objective. The cause's text says what
 * the finding is until someone writes the cause. */
int plan_objective_from_note(struct db *db, int64_t review, const char *who, int64_t note,
			     int64_t *objective);
/* Also adds the cluster as a metric: baseline the consensus level, target one level up. */
int plan_objective_from_cluster(struct db *db, int64_t review, const char *who, int64_t site,
				int64_t cluster, int64_t *objective);
/* Also adds the group's rate as a metric: baseline from the data, target parity
 * with all other students in the same table. */
int plan_objective_from_subgroup(struct db *db, int64_t review, const char *who,
				 const struct plan_subgroup_ref *ref, int64_t *objective);

/* ---- inside a caller's open transaction (the caller has checked who may write) ---- */
int plan_objective_insert_tx(struct db *db, int64_t review, const char *who,
			     const struct plan_objective_input *in, int64_t *objective);
int plan_cause_insert_tx(struct db *db, int64_t review, const char *who, int64_t objective,
			 const char *text, int64_t *cause);
int plan_link_note_tx(struct db *db, int64_t review, const char *who, int64_t cause, int64_t note);
int plan_link_subgroup_tx(struct db *db, int64_t review, const char *who, int64_t cause,
			  const struct plan_subgroup_ref *ref);
int plan_link_cluster_tx(struct db *db, int64_t review, const char *who, int64_t cause, int64_t site,
			 int64_t cluster);
int plan_metric_subgroup_tx(struct db *db, int64_t review, const char *who, int64_t objective,
			    const struct plan_subgroup_ref *ref, double target, int64_t *metric);
int plan_metric_cluster_tx(struct db *db, int64_t review, const char *who, int64_t objective, int64_t site,
			   int64_t cluster, int target_level, int64_t *metric);

/* ---- reads ---- */

/* A rate after display suppression: shown only when defined and not hidden. */
struct plan_rate {
	bool defined;		/* there is data for the year */
	bool hidden;		/* too few students to show (privacy) */
	double value;
	char year[16];
};

enum plan_link_kind { PLAN_LINK_NOTE, PLAN_LINK_SUBGROUP, PLAN_LINK_CLUSTER };

struct plan_link {
	int64_t id;
	enum plan_link_kind kind;
	int64_t note;
	char label[320];	/* one line: "note RHS interview: ..." or the finding */
};

struct plan_cause {
	int64_t id;
	char uuid[40];
	char *text;
	struct plan_link *link;
	int nlinks;
};

struct plan_metric {
	int64_t id;
	char uuid[40];
	bool is_cluster;
	char site_code[32];
	char label[320];	/* what is measured, one line */
	bool favourable;	/* higher is better */
	struct plan_rate baseline, latest;	/* subgroup metrics */
	double target;
	int baseline_level, latest_level, target_level;	/* cluster metrics; 0 none */
	int levels;
};

struct plan_step {
	int64_t id, objective;
	char uuid[40];
	int objective_position;
	char objective_title[256];
	char description[512];
	char lead[128];
	char resources[256];
	char starts[11], due[11];
	enum plan_status status;
	bool overdue;
};

struct plan_objective {
	int64_t id, plan;
	char uuid[40];
	int position;
	char scope[32];		/* "district-wide" or the site's code */
	char *title, *theory_if, *theory_then, *stakeholders;
	struct plan_cause *cause;
	int ncauses;
	struct plan_metric *metric;
	int nmetrics;
	struct plan_step *step;
	int nsteps;
	int steps_done, steps_live;	/* done; all but dropped */
	int overdue;
};

/* The whole plan of a review (every plan, district-wide first), objectives in
 * order. Rates are suppressed below min_display. Free with plan_doc_free. */
struct plan_doc {
	struct plan_objective *obj;
	int n;
};

int plan_load(struct db *db, int64_t review, long min_display, struct plan_doc *out);
void plan_doc_free(struct plan_doc *d);

/* Progress of a metric from baseline to target, 0..1; -1 when unknown. */
double plan_metric_progress(const struct plan_metric *m);
/* A metric's baseline, target and latest as a person reads them ("8.0% (2023-24)",
 * "level 2", "suppressed", "no newer data"). */
void plan_metric_cells(const struct plan_metric *m, char *baseline, char *target, char *latest, size_t n);
/* "4.9%", "suppressed", "no data" */
void plan_rate_text(const struct plan_rate *r, char *buf, size_t size);

enum plan_sort { PLAN_SORT_DUE, PLAN_SORT_LEAD, PLAN_SORT_STATUS, PLAN_SORT_COUNT };
const char *plan_sort_name(enum plan_sort s);

struct plan_step_filter {
	const char *lead;	/* a person's name, or NULL */
	bool overdue;		/* only overdue steps */
	int64_t objective;	/* 0: all */
};

/* Steps of the review, sorted, from offset (a page of at most limit). */
int plan_steps_page(struct db *db, int64_t review, const struct plan_step_filter *f,
		    enum plan_sort sort, int offset, int limit, struct plan_step *out, int *n);
long long plan_steps_count(struct db *db, int64_t review, const struct plan_step_filter *f);

struct plan_status_entry {
	enum plan_status status;
	char at[32], who[128], note[512];
};

/* A step's status history, oldest first; malloc'd. */
int plan_step_history(struct db *db, int64_t step, struct plan_status_entry **out, int *n);

/* What a link points at, for reading: the note's full text with its source, or
 * the finding with its numbers (suppressed below min_display). malloc'd. */
char *plan_link_detail(struct db *db, int64_t review, int64_t link, long min_display);

/* People of the review whose name contains text (any case), by name. */
int plan_people_match(struct db *db, int64_t review, const char *text, char (*out)[128], int max,
		      int *n);

#endif

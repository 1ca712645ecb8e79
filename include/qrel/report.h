/* report.h: the review report: one model gathered once from the store, and a writer per format (HTML, Markdown, CSV,
 * JSON, XLSX); HTML and Markdown share one walk of the report (report_walk.c) and give only their markup. */
#ifndef QREL_REPORT_H
#define QREL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qrel/agree.h"
#include "qrel/protocol.h"
#include "qrel/dashboard.h"
#include "qrel/findings.h"
#include "qrel/subgroup.h"
#include "qrel/survey.h"
#include "qrel/visibility.h"

struct db;
struct plan_doc;
struct settings;

/* REPORT_XLSX is a file, never a stream: report_save writes it, report_write refuses it. */
enum report_format { REPORT_HTML, REPORT_MD, REPORT_CSV, REPORT_JSON, REPORT_XLSX };

#define REPORT_QUOTES 3		/* default quotes per cluster and valence */
#define REPORT_SOURCES 7	/* note source types, in schema order */

struct report_options {
	int64_t site;			/* 0: the whole review */
	int quotes;			/* most recent strengths and growth notes per cluster */
	bool all_years;			/* subgroup findings of every year, not just the latest */
	const struct settings *settings;	/* thresholds and [privacy] min_display */
	/* Who reads the report: it holds only what they may see (visibility.h);
	 * NULL or not a member: no score, note, figure, finding or plan. */
	const char *viewer;
};

struct report_person {
	char name[128], role[16], site[32];
};

/* A note quoted as evidence; text is malloc'd. */
struct report_quote {
	char *text;
	char source[24];
	char site[32];
	char date[11];		/* YYYY-MM-DD: the activity's date, else when it was written */
};

struct report_quotes {
	struct report_quote strength[REPORT_QUOTES * 4], growth[REPORT_QUOTES * 4];
	int nstrength, ngrowth;
	int total_strength, total_growth;	/* how many there are in all */
};

#define REPORT_KEY_YEARS 8	/* the newest years a key measure's trend shows */
#define REPORT_KEY_DIMENSIONS 16

/* A key disproportionality measure (special-education identification,
 * exclusionary discipline, advanced coursework) for one dimension at the
 * report's site, or the district office: every year with data, suppressed
 * as everywhere (subgroup.h), flagged or not. */
struct report_key {
	struct subgroup_table year[REPORT_KEY_YEARS];	/* oldest first */
	int nyears;
};

#define REPORT_RANK 3		/* strongest and weakest clusters in the summary */

/* A cluster's consensus levels across the sites: the summary's ranking. */
struct report_rank {
	int cluster;		/* index into frame.cl */
	double mean;
	int sites;		/* sites with a consensus level */
};

struct report {
	struct db *db;			/* for the action plan, written by its own module */
	int64_t review;
	struct report_options opt;
	char title[160], district[160], starts[11], ends[11];
	struct dash_frame frame;
	struct dash_site *site;
	int nsites;
	struct dash_cell *cell;		/* cell[s * frame.ncl + c] */
	struct report_quotes *quotes;	/* per cluster */
	struct report_person *team;
	int nteam;
	int activities[REPORT_SOURCES];	/* by source type */
	int voice_activities[32];	/* activities per stakeholder group (frame.grp order) */
	long voice_people;		/* participants recorded in the activities, each once */
	struct agree_result agree_all, *agree_domain;	/* agree_domain[frame.ndom] */
	/* Tables with at least one flagged group: spooled to a temporary file as
	 * they are loaded, read back one at a time with report_finding. */
	FILE *finding_spool;
	int64_t *finding_at;		/* their offsets in the spool, in the report's order */
	int nfindings;
	long nflagged;			/* flagged groups in them (report_flagged's total) */
	struct report_key *key;		/* the key measures, always shown */
	int nkey;
	long min_display;
	bool activity_dates;		/* the dates come from the activities, not the notes */
	struct vis_viewer viewer;	/* resolved from opt.viewer */
	bool plan_visible;		/* the viewer may read the plan at every site */
	/* The deliverable: written findings, recommendations, summary and status. */
	struct findings_doc written;
	char **rationale;		/* rationale[s * frame.ncl + c]: the consensus rationale, or NULL */
	struct report_rank strongest[REPORT_RANK], weakest[REPORT_RANK];
	int nstrongest, nweakest;
	struct survey_rate *rate;	/* survey response rates the viewer may read */
	size_t nrates;
	int documents[3];		/* the document register the viewer may read: requested, received, reviewed */
};

/* "interview" -> "Interviews"; index in schema order. */
const char *report_source_name(int i);
const char *report_source_label(int i);
const char *report_format_name(enum report_format f);	/* "html" ... */
const char *report_format_ext(enum report_format f);	/* ".html", ".md" ... */
int report_format_parse(const char *s, enum report_format *f);

/* Gathers the model: a handful of whole-review queries, one pass over the notes. */
int report_build(struct db *db, int64_t review, const struct report_options *o, struct report *out);
void report_free(struct report *r);

int report_write(const struct report *r, enum report_format f, FILE *out);
int report_write_html(const struct report *r, FILE *out);
int report_write_md(const struct report *r, FILE *out);
int report_write_csv(const struct report *r, FILE *out);
int report_write_json(const struct report *r, FILE *out);

/* Writes the report to path through a temporary file and rename(). */
int report_save(const struct report *r, enum report_format f, const char *path);
/* The data workbook (libxlsxwriter) at path, through a temporary file and
 * rename(): sheets About, Scores (consensus levels), Findings,
 * Recommendations, Subgroups (after suppression, withheld values "*"),
 * Agreement, then one sheet per subgroup table (report_each_table); text
 * people wrote is always a string cell, formula-guarded. */
int report_save_xlsx(const struct report *r, const char *path);
/* Every subgroup table the report covers (its sites; the newest year, or
 * every year with --all-years; every metric and dimension) that the viewer
 * may read, suppressed as everywhere, in set order: fn gets each, which is
 * freed after; a non-zero return stops. */
int report_each_table(const struct report *r, int (*fn)(void *ctx, const struct subgroup_table *t), void *ctx);
/* Flagged table i (0 .. nfindings - 1) of the report, read from the spool
 * into t; the caller frees it with subgroup_table_free. */
int report_finding(const struct report *r, int i, struct subgroup_table *t);
/* The flagged tables (nfindings of them), read back from the spool one at a
 * time in the report's order: fn gets each, which is freed after; a non-zero
 * return (or a failed read) stops and is returned. */
int report_each_finding(const struct report *r, int (*fn)(void *ctx, const struct subgroup_table *t), void *ctx);
/* What a writer's fn gets: the report and its file (first: no table written yet). */
struct report_out {
	const struct report *r;
	FILE *f;
	bool first;
};
/* Prints the HTML report to a PDF at path with WeasyPrint, else headless
 * Chromium; QREL_NOTFOUND, naming the Debian packages, when neither is installed. */
int report_save_pdf(const struct report *r, const char *path);

/* ---- shared by the writers ---- */

/* "2", "NE" or "" for a level cell. */
void report_level_text(int level, char *buf, size_t size);
/* "2.5" or "" for a team median. */
void report_median_text(double m, char *buf, size_t size);
/* A statistic rounded to 2 decimals ("0.81") or "n/a". */
void report_stat_text(const struct agree_value *v, char *buf, size_t size);
/* The agreement columns with their headings, for the writers' loops. */
#define REPORT_AGREE_STATS 9
const char *report_agree_name(int i);	/* "exact_agreement" ... */
const char *report_agree_label(int i);	/* "Exact agreement" ... */
const struct agree_value *report_agree_value(const struct agree_result *r, int i);
/* Can statistic i be given for the whole review or some domain? A report
 * leaves out a statistic none can give, with one line saying why. */
bool report_agree_defined(const struct report *r, int i);
/* The statistics none can give, with why: "Cohen's kappa (needs exactly two raters); ..." or "". */
void report_agree_omitted(const struct report *r, char *buf, size_t size);
/* The sentences of the flagged groups: up to max into out; returns how many in all. */
int report_flagged(const struct report *r, char (*out)[SUBGROUP_FINDING], int max);
/* The next blank-line-separated paragraph of text from *p, trimmed (malloc'd),
 * or NULL at the end; *p moves past it. */
char *report_paragraph(const char **p);
/* The index of the first recommendation from index from that answers finding, or -1. */
int report_answered_by(const struct report *r, int64_t finding, int from);
/* The number shown for a subgroup value: "12.3%" or "*" when withheld, "" when undefined. */
void report_rate_text(const struct risk_value *v, bool hidden, char *buf, size_t size);
/* The sentence "Quotes: the 3 most recent ..." the formats share. */
void report_quote_rule(const struct report *r, char *buf, size_t size);
/* Response rates and the survey items findings cite (report_survey.c). */
int report_read_surveys(struct report *r);
/* "Student survey, Students (LIN): 220 of 480 invited responded (46%)". */
void report_rate_line(const struct survey_rate *s, char *buf, size_t size);
/* "DRAFT" or "FINAL", for every page. */
const char *report_status_text(const struct report *r);
/* A subgroup dimension as a reader says it: "race" -> "race and ethnicity",
 * "econ" -> "economic status"; an unknown code is returned as it is. */
const char *report_dimension_label(const char *code);
/* The consensus rationale of cluster c at site s, or NULL. */
const char *report_rationale(const struct report *r, int s, int c);
/* Site s's consensus on cluster c as a reader says it: "Developing (level 2) — rationale";
 * false when there is no consensus level yet. */
bool report_consensus_text(const struct report *r, int s, int c, char *buf, size_t size);
/* The findings the team wrote about cluster c (domain-wide ones: c = -1 with domain d). */
bool report_finding_in(const struct report *r, const struct finding *f, int d, int c);
/* Is the metric one the framework names as a key measure of disproportionality? */
bool report_key_metric(const struct subgroup_metric *m);
/* Reads the key measures into r->key (report_build does); frees them. */
int report_read_key(struct report *r);
void report_key_free(struct report *r);
/* The newest year of a key measure, or NULL. */
const struct subgroup_table *report_key_latest(const struct report_key *k);
/* A key measure's cells: "2.31", "2.31 (vs the state)", "not calculated" or "*";
 * a count, or with expected the expected count ("*" withheld); the flag
 * ("flagged", "flagged, counts withheld" or ""). */
void report_key_ratio_text(const struct subgroup_entry *e, char *buf, size_t size);
void report_key_count_text(long count, const struct risk_value *expected, bool hidden, char *buf, size_t size);
/* A weighted risk ratio to digits decimals, "*" when withheld, "" when undefined. */
void report_key_weighted_text(const struct subgroup_table *t, const struct subgroup_entry *e, int digits, char *buf,
			      size_t size);
const char *report_key_flag_text(const struct subgroup_entry *e);
/* "Out-of-school suspension by race and ethnicity: DO Riverbend ..., 2024-25"
 * (code: with the site's code before its name). */
void report_table_title(const struct subgroup_table *t, bool code, char *buf, size_t size);
/* The paragraph that opens the key measures. */
void report_key_intro(const struct report *r, char *buf, size_t size);
/* Has the review an action plan module's tables? */
bool report_has_plan(const struct report *r);

/* ---- the report: one walk (report_walk.c), a writer's marks and tables ---- */

/* The roles a piece of the report plays; each writer says how each looks. */
enum report_mark {
	RM_H2, RM_H2_ANCHOR, RM_H3, RM_H4,
	RM_P, RM_NOTE, RM_NOTE_EM, RM_HOOK,	/* paragraphs: plain, an aside, an aside stressed, a gap to fill */
	RM_PRIORITY, RM_PRIORITY_ASIDE,		/* a recommendation's priority: on its own line, after its title */
	RM_UL, RM_UL_CONSENSUS, RM_OL, RM_LI, RM_LI_NUMBER,
	RM_STRONG, RM_KIND, RM_LINK,		/* in a line: bold, a finding's kind, a link to an id */
	RM_QUOTE, RM_QUOTE_BY, RM_CITE_DATE,	/* a quote, who or what it is from, the date after a citation */
	RM_DATA, RM_ANSWERED,			/* a written finding's subgroup data and its recommendations */
	RM_QUOTES, RM_QUOTES_TITLE, RM_QUOTES_COUNT,	/* a cluster's strengths or areas for growth */
	RM_SECTION, RM_SUMMARY, RM_DOMAIN, RM_EVIDENCE,	/* blocks that group others */
	RM_FINDING, RM_FINDING_STRENGTH, RM_FINDING_GROWTH, RM_REC,
	RM_TABLE,
	RM_MARKS
};

/* A table's columns and rows. Our words are written as they are (as every
 * fixed sentence of the walk is: no markup characters in them): an RR_HEAD
 * row's cells, an RC_STUB column's (a row's heading) and an RC_STAT column's
 * (a statistic, never withheld); every other cell, RR_HEAD_TEXT's too, is
 * escaped. RC_NUM and RC_STAT are figures, right-aligned. */
enum report_cell { RC_LABEL, RC_STUB, RC_NUM, RC_STAT, RC_FLAG };	/* a name, a row's heading, figures, the flag */
enum report_row { RR_HEAD, RR_HEAD_TEXT, RR_BODY, RR_TOTAL };

/* A mark as written: open, then the walk's argument (an id, a class, a
 * number) and arg_end where arg_end is not NULL; close after the content.
 * NULL writes nothing: a mark a format leaves out is a mark it does not show. */
struct report_mark_text {
	const char *open, *arg_end, *close;
};

/* What a writer gives the walk: its escaper for the review's text, its marks
 * (mark[RM_MARKS]), its table rows, and the parts that are its own: the front
 * matter (cover, status, contents), the summary's at-a-glance picture, the
 * grids and their legend, the charts (NULL: none), a key measure's years,
 * the action plan and the back matter. */
struct report_markup {
	void (*text)(FILE *f, const char *s);	/* out_html_text, out_md_text */
	const struct report_mark_text *mark;
	void (*row)(FILE *f, enum report_row kind, const enum report_cell *col, const char *const *cell, int n);
	enum proto_format proto;		/* the rubric appendix's format */
	void (*front)(const struct report *r, FILE *f);
	void (*glance)(const struct report *r, FILE *f);
	void (*legend)(const struct report *r, FILE *f);
	void (*grid)(const struct report *r, const struct dash_domain *d, FILE *f);
	void (*key_chart)(const struct subgroup_table *t, FILE *f);
	void (*key_trend)(const struct report_key *k, FILE *f);	/* more than one year */
	void (*finding_chart)(const struct subgroup_table *t, FILE *f);
	void (*plan)(const struct report *r, FILE *f);
	void (*back)(const struct report *r, FILE *f);
};

/* The report from cover to end: the summary, findings by domain,
 * recommendations, next steps and plan, then the appendices (grids and
 * quotes, subgroup findings, agreement, rubric), in m's marks. */
int report_walk(const struct report *r, const struct report_markup *m, FILE *f);

/* ---- the action plan: one walk (report_plan.c), a writer's blocks ---- */

/* What a writer gives the walk: each block escapes its text with the
 * writer's format's one escaper (out_html_text, out_md_text). */
struct report_plan_blocks {
	void (*heading)(FILE *f, int level, const char *text);
	void (*para)(FILE *f, const char *label, const char *text);
	void (*table_open)(FILE *f);
	void (*row)(FILE *f, const char *const *cells, int n, bool head);
	void (*table_close)(FILE *f);
};

/* The plan as a section: its heading, then per objective the theory of action,
 * stakeholders, root causes with what they rest on, metrics, progress and
 * steps. QREL_IO when f fails. */
int report_plan_walk(const struct plan_doc *d, const struct report_plan_blocks *b, FILE *f);
/* The review's plan, read at r's suppression threshold, walked with b. */
int report_plan_section(const struct report *r, const struct report_plan_blocks *b, FILE *f);
/* The section in HTML (report_html.c) and in Markdown (report_md.c). */
int report_plan_html(const struct plan_doc *d, FILE *f);
int report_plan_md(const struct plan_doc *d, FILE *f);

#endif

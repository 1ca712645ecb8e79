/* findings.h: the review's deliverable: written findings per cluster or domain
 * (strengths and areas for growth, citing the key evidence the team chose),
 * numbered recommendations linked to the findings they answer, the lead's
 * executive summary and the report's status (draft or final).
 *
 * Lead and reviewers write findings and recommendations; the lead alone writes
 * the summary and finalises; observers and principals write nothing. A final
 * report, a locked review (or, for a site's finding, a locked site) refuses
 * every change until the lead reopens it with a reason. Every write is one
 * transaction with its change_log rows. */
#ifndef QREL_FINDINGS_H
#define QREL_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct csv_opts;
struct db;
struct diags;
struct plan_subgroup_ref;

enum finding_kind { FINDING_STRENGTH, FINDING_GROWTH };
enum rec_priority { REC_HIGH, REC_MEDIUM, REC_LOW, REC_PRIORITY_COUNT };

/* "strength" / "growth"; parse also takes "area for growth". */
const char *finding_kind_name(enum finding_kind k);
const char *finding_kind_label(enum finding_kind k);	/* "Strength", "Area for growth" */
int finding_kind_parse(const char *s, enum finding_kind *out);
const char *rec_priority_name(enum rec_priority p);	/* "high", "medium", "low" */
int rec_priority_parse(const char *s, enum rec_priority *out);

/* ---- writes ---- */

struct finding_input {
	int64_t site;		/* 0: review-wide */
	int64_t domain;		/* the domain row; taken from cluster when cluster is set */
	int64_t cluster;	/* 0: a finding about the whole domain */
	enum finding_kind kind;
	const char *text;
};

/* The domain row for a code ("1") of the review's framework; 0 when absent. */
int64_t findings_domain_id(struct db *db, int64_t review, const char *code);

int finding_add(struct db *db, int64_t review, const char *who, const struct finding_input *in,
		int64_t *finding);
/* field: text or kind. */
int finding_edit(struct db *db, int64_t review, const char *who, int64_t finding, const char *field,
		 const char *value);
/* Removes the finding, its citations and its links to recommendations. */
int finding_delete(struct db *db, int64_t review, const char *who, int64_t finding);
/* A live note (note true) or a finding of the review by row number or uuid;
 * 0 with error() set when there is none, -1 on a database error. */
int64_t findings_ref(struct db *db, int64_t review, bool note, const char *ref);
/* Cites a live note of the review as key evidence; stakeholder names the group
 * the quote speaks for ("Parents"; NULL or "": the activity type is used). */
int finding_cite_note(struct db *db, int64_t review, const char *who, int64_t finding, int64_t note,
		      const char *stakeholder);
int finding_uncite_note(struct db *db, int64_t review, const char *who, int64_t finding, int64_t note);
int finding_cite_subgroup(struct db *db, int64_t review, const char *who, int64_t finding,
			  const struct plan_subgroup_ref *ref);

struct rec_input {
	const char *title, *text, *stakeholders;	/* text, stakeholders: NULL is "" */
	enum rec_priority priority;
};

/* Adds a recommendation numbered after the last. */
int rec_add(struct db *db, int64_t review, const char *who, const struct rec_input *in, int64_t *rec);
/* field: title, text, stakeholders, priority. */
int rec_edit(struct db *db, int64_t review, const char *who, int64_t rec, const char *field, const char *value);
int rec_delete(struct db *db, int64_t review, const char *who, int64_t rec);
int rec_link_finding(struct db *db, int64_t review, const char *who, int64_t rec, int64_t finding);
/* Starts a district-wide plan objective from the recommendation (title and
 * stakeholders; a root cause per linked finding citing its key evidence) and
 * keeps the link; QREL_CONFLICT when it already has one. */
int rec_to_objective(struct db *db, int64_t review, const char *who, int64_t rec, int64_t *objective);

/* The lead's executive summary. */
int findings_summary_set(struct db *db, int64_t review, const char *who, const char *text);
/* Draft to final (lead); reopening back to draft needs a reason (lead). */
int findings_finalise(struct db *db, int64_t review, const char *who);
int findings_reopen(struct db *db, int64_t review, const char *who, const char *reason);
/* The status ("draft" or "final") and summary lead wrote elsewhere (a hub
 * pull), applied as lead's write (the gate's GATE_REPORT); reason for the log. */
int findings_report_apply(struct db *db, int64_t review, const char *lead, const char *status, const char *summary,
			  const char *reason);

/* Forgetting (a hub pull, when the login no longer reads them): no one's
 * edit, so no gate and no change log. findings_forget drops the findings and
 * recommendations temp.hub_report_forget lists, with their links;
 * findings_forget_note_citations drops the findings' citations of the notes
 * temp.hub_forget lists, but not of a note a plan's cause cites. */
int findings_forget(struct db *db);
int findings_forget_note_citations(struct db *db);
/* true when the report is final; false on error too. */
bool findings_final(struct db *db, int64_t review);
/* QREL_OK when who may draft findings now (or, lead_only, act as the lead). */
int findings_may(struct db *db, int64_t review, const char *who, bool lead_only);

/* Reads FILE.csv (columns kind, text, and optionally id, site, domain, cluster,
 * notes: note ids or uuids separated by ';') as new findings, all or nothing:
 * each problem goes to d as "file:line: ...". csv says how the file is read
 * (csv.h: delimiter, encoding; NULL: the defaults). */
int findings_import(struct db *db, int64_t review, const char *who, const char *path,
		    const struct csv_opts *csv, struct diags *d, size_t *rows);
/* Reads FILE.csv (columns title, and optionally number, priority, text,
 * stakeholders, findings: finding ids or uuids separated by ';'), all or nothing. */
int rec_import(struct db *db, int64_t review, const char *who, const char *path, const struct csv_opts *csv,
	       struct diags *d, size_t *rows);

/* ---- the same inside a caller's open transaction (import); who is checked by the caller.
 * uuid: a valid uuid to keep (an import's id column) or "" for a new one; it
 * is filled with the row's. ---- */
int finding_add_tx(struct db *db, int64_t review, const char *who, struct finding_input *in, int64_t *finding,
		   char uuid[37]);
/* fuuid: the finding's uuid, for the change log. */
int finding_cite_tx(struct db *db, int64_t review, const char *who, int64_t finding, const char *fuuid,
		    int64_t note, const char *stakeholder);
/* number 0: after the last. */
int rec_add_tx(struct db *db, int64_t review, const char *who, const struct rec_input *in, int number,
	       int64_t *rec, char uuid[37]);
int rec_link_tx(struct db *db, int64_t review, const char *who, int64_t rec, const char *ruuid, int64_t finding);
int rec_to_objective_tx(struct db *db, int64_t review, const char *who, int64_t rec, const char *ruuid,
			int64_t *objective);
/* The same with the objective's uuid given (NULL: a new one), so that every
 * change-log row names it as it stays (sync: the other copy's). */
int rec_to_objective_as_tx(struct db *db, int64_t review, const char *who, int64_t rec, const char *ruuid,
			   const char *ouuid, int64_t *objective);

/* ---- reads ---- */

/* A cited note: attributed to a stakeholder group or activity type, never a person. */
struct finding_cite {
	int64_t note;
	char *text;
	char source[24];	/* the activity type, as stored */
	char stakeholder[128];	/* "" when the team named none */
	char site[32];
	char date[11];
};

struct finding {
	int64_t id;
	char uuid[40];
	int64_t site, domain, cluster;
	char site_code[32], domain_code[16], cluster_code[16];
	char domain_title[160], cluster_title[200];
	enum finding_kind kind;
	char *text;
	struct finding_cite *cite;
	int ncites;
	char (*subgroup)[320];	/* one line per cited subgroup row */
	int nsubgroups;
};

struct recommendation {
	int64_t id;
	char uuid[40];
	int number;
	enum rec_priority priority;
	char *title, *text, *stakeholders;
	int64_t objective;		/* 0: none yet */
	int objective_position;
	int64_t *finding;		/* ids of the findings it answers */
	int nfindings;
};

/* Everything, findings in framework order (domain, then domain-wide before its
 * clusters, review-wide before sites), recommendations high priority first. */
struct findings_doc {
	bool final;
	char *summary;
	struct finding *f;
	int nf;
	struct recommendation *rec;
	int nrec;
};

/* Who may read the written findings and recommendations (the report, a sync
 * bundle): the team (lead, reviewers, observers) all of them; a principal once
 * the lead released the findings, the whole review's, or, released at their
 * school only, that school's and the review-wide ones (*site set to it); no one
 * else. site: in, the site asked for (0: all); out, the site to load. */
struct vis_viewer;
bool findings_readable(struct db *db, const struct vis_viewer *v, int64_t *site);

/* site 0: all findings; else that site's and the review-wide ones. */
int findings_load(struct db *db, int64_t review, int64_t site, struct findings_doc *out);
void findings_doc_free(struct findings_doc *d);
const struct finding *findings_by_id(const struct findings_doc *d, int64_t id);

/* "Interview", "Focus group"... for a note source; "" when unknown. */
const char *findings_source_label(const char *source);
/* The attribution of a citation: "Parents, focus group" or "Focus group". */
void findings_attribution(const struct finding_cite *c, char *buf, size_t n);

#endif

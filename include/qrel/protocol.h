/* protocol.h: the framework on paper: an interview or focus-group protocol
 * (guiding questions for one stakeholder group and activity type) and the
 * blank rubric for a self-evaluation; and a cluster's criteria and questions
 * for the rubric screen. */
#ifndef QREL_PROTOCOL_H
#define QREL_PROTOCOL_H

#include <stdint.h>
#include <stdio.h>

struct db;

enum proto_format { PROTO_MD, PROTO_HTML };

/* "md" or "html"; QREL_USAGE otherwise. */
int proto_format_parse(const char *s, enum proto_format *out);

struct proto_question {
	char group[48];		/* "" for every group */
	char *text;
};

/* One cluster's criteria and guiding questions, in framework order. */
struct proto_guide {
	char **criteria;
	int ncriteria;
	struct proto_question *questions;
	int nquestions;
};

int proto_cluster_guide(struct db *db, int64_t cluster, struct proto_guide *out);
void proto_guide_free(struct proto_guide *g);

/* The protocol for an activity of source type (interview, focus_group ...) with
 * group: the group's opening questions, then per cluster (all, or those in the
 * comma-separated clusters) the questions for every group and for this one,
 * and the criteria to listen for. QREL_NOTFOUND / QREL_PARSE on an unknown
 * group, source or cluster. */
int proto_protocol(struct db *db, int64_t review, FILE *out, enum proto_format fmt, const char *source,
		   const char *group, const char *clusters);
/* The blank rubric: per domain and cluster, each level's descriptor and the
 * criteria, with a box for each level and room for evidence. */
int proto_rubric(struct db *db, int64_t review, FILE *out, enum proto_format fmt);
/* The same rubric as reference, for the report's appendix: descriptors and
 * criteria under level-3 (domain) and level-4 (cluster) headings, nothing to fill in. */
int proto_rubric_reference(struct db *db, int64_t review, FILE *out, enum proto_format fmt);

#endif

/* framework.h: the rubric as data: load and check an INI framework, store it, export it. */
#ifndef QREL_FRAMEWORK_H
#define QREL_FRAMEWORK_H

#include <stdint.h>
#include <stdio.h>

#include "qrel/diag.h"

struct db;

struct fw_level {
	char *label, *description;
};

struct fw_domain {
	char *code, *title;
};

/* A guiding question for an interview or focus group: for every group
 * (group "") or for one. */
struct fw_question {
	char *group, *text;
};

/* A stakeholder group ([group CODE]): whose voice evidence carries. */
struct fw_group {
	char *code, *title;
	char **questions;	/* its opening questions, whatever the cluster */
	size_t nquestions;
};

struct fw_cluster {
	char *code, *title;
	size_t domain;		/* index into domains */
	char **descriptors;	/* one per level, [0] is level 1 */
	char **criteria;
	size_t ncriteria;
	struct fw_question *questions;	/* questionN (every group) and GROUPN, in file order */
	size_t nquestions;
};

struct framework {
	char *code, *title, *version;
	int levels;
	struct fw_level *scale;	/* levels entries, [0] is level 1 */
	struct fw_domain *domains;
	size_t ndomains;
	struct fw_cluster *clusters;
	size_t nclusters;
	struct fw_group *groups;	/* in file order */
	size_t ngroups;
	char *source;		/* the file's text, kept with the review */
	char hash[17];		/* hex fingerprint of source */
};

/* Loads and checks path; every problem goes to d with its line. Returns QREL_OK
 * and a framework only when there are none. */
int framework_load(const char *path, struct framework **out, struct diags *d);
void framework_free(struct framework *fw);
/* Stores fw (once per code, version and hash); *id is its row. Inside a transaction. */
int framework_store(struct db *db, const struct framework *fw, int64_t *id);
/* Writes the stored framework back as an INI file that framework_load accepts. */
int framework_export(struct db *db, int64_t id, FILE *out);

#endif

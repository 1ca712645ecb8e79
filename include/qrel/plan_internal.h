/* plan_internal.h: what plan.c, plan_read.c and plan_suggest.c share; not for
 * other modules (they use plan.h). */
#ifndef QREL_PLAN_INTERNAL_H
#define QREL_PLAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qrel/db.h"
#include "qrel/plan.h"
#include "qrel/subgroup.h"

struct db;

/* Ends the transaction: commit on success, roll back on failure. */
int plan_finish(struct db *db, int rc);
/* The first column of a one-row query with two integer parameters as text;
 * QREL_NOTFOUND naming what (and a) when there is no row. */
int plan_one_text(struct db *db, const char *sql, int64_t a, int64_t b, char *out, size_t n, const char *what);
/* Binds ?1 site, ?2 year, ?3 metric, ?4 dimension and ?5 group of a finding. */
void plan_bind_ref(sqlite3_stmt *st, const struct plan_subgroup_ref *r);
/* The row a subgroup finding names: enrolled and count; QREL_NOTFOUND when there is none. */
int plan_subgroup_cell(struct db *db, const struct plan_subgroup_ref *r, long *enrolled, long *count);
/* The cluster is in the review's framework and the site in the review. */
int plan_check_cluster(struct db *db, int64_t review, int64_t site, int64_t cluster);
/* The group in year as its subgroup table shows it (subgroup.c's rule); false
 * when it cannot be read, and then nothing of it may be shown. */
bool plan_shown_figures(struct db *db, const struct plan_subgroup_ref *r, const char *year, long min_display,
			struct subgroup_shown *out);
/* A title from free text: prefix and its first sentence, at most 72 columns. */
void plan_title_from(const char *prefix, const char *text, char *out, size_t n);

#endif

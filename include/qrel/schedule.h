/* schedule.h: activities planned ahead and marked done. An activity is added
 * planned (activity_add with status "planned" and its planned reviewers) and
 * later marked done; the method section of the report counts done ones only. */
#ifndef QREL_SCHEDULE_H
#define QREL_SCHEDULE_H

#include <stdint.h>

struct db;

/* Every name in list (comma-separated) is a member of the review; QREL_NOTFOUND naming the first that is not. */
int schedule_check_reviewers(struct db *db, int64_t review, const char *list);
/* Marks the planned activity id done, as who (the gate: scheduling at its
 * site), with its change_log row; QREL_CONFLICT when it is already done. */
int schedule_done(struct db *db, int64_t review, const char *who, int64_t id);
/* Activities at site that are planned and done. */
int schedule_counts(struct db *db, int64_t review, int64_t site, int *planned, int *done);

struct diags;
/* The sample review's planned activities and document register
 * (sample-db/schedule.csv and documents.csv under datadir), as who. */
int fieldwork_sample(struct db *db, int64_t review, const char *datadir, const char *who, struct diags *d);

#endif

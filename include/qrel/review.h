/* review.h: creating a review from a framework file, and building the sample review. */
#ifndef QREL_REVIEW_H
#define QREL_REVIEW_H

#include <stdint.h>

#include "qrel/diag.h"

struct db;

/* Loads the framework (problems go to d), stores it and creates the review, in one transaction. */
int review_init(struct db *db, const char *framework_path, const char *title,
		const char *district, struct diags *d, int64_t *review);
/* Builds the sample review into a new database at path from the text sources
 * under datadir (frameworks/ and sample-db/); the file is replaced atomically. */
int review_build_sample(const char *path, const char *datadir, struct diags *d);
/* Where the framework and sample sources live: $QREL_DATADIR, the installed
 * data folder, or the source tree this binary was built from. */
const char *review_datadir(void);

#endif

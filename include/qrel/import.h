/* import.h: loads a review's sites, people, activities, metrics, evidence, scores and
 * subgroup tables (and the State's figures for them) from CSV files, all or nothing. */
#ifndef QREL_IMPORT_H
#define QREL_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "qrel/diag.h"

struct db;

struct import_stats {
	size_t rows;		/* data rows read */
	size_t inserted, updated, unchanged;
};

/* The kinds import_file takes, NULL-terminated: sites, people, activities,
 * metrics, evidence, scores, subgroups, state (year, metric, dimension,
 * group, enrolled, count; a site column is allowed and ignored), survey and
 * survey-rates (survey.h). */
extern const char *const import_kinds[];

/* Reads path ("-" is standard input) as rows of kind into review, inside one
 * transaction. Every row is checked and every problem goes to d as
 * "path:line: column NAME: problem ('value')"; if there is any, the transaction
 * is rolled back, st is zeroed and QREL_PARSE (or the failure's status) is
 * returned, so the database is unchanged. who is the change log's author.
 * An unknown kind is QREL_USAGE with error() set and nothing in d. */
int import_file(struct db *db, int64_t review, const char *kind, const char *path,
		const char *who, struct diags *d, struct import_stats *st);

#endif

/* import.h: loads a review's sites, people, activities, metrics, evidence, scores and
 * subgroup tables (and the State's figures for them) from CSV files, all or nothing. */
#ifndef QREL_IMPORT_H
#define QREL_IMPORT_H

#include <stdbool.h>
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

/* The shapes files from spreadsheets and field tools come in (csv.h). */
struct import_opts {
	char delimiter;		/* 0: read from the header line */
	const char *encoding;	/* NULL: UTF-8; else iconv's name (cp1252, latin1, UTF-16) */
	const char *mapping;	/* a mapping file: which column of an export is which of ours */
	bool wide;		/* scores only: site,cluster[,kind] then one column per rater */
};

/* import_file reading path as o says (NULL: the defaults). A level may be the
 * number or the framework's label for it; times may carry a fraction of a
 * second and Z or an offset (stamps are kept in UTC, an activity keeps its
 * local time). Columns a kind does not read are one warning in d. In a wide
 * scores file, kind defaults to team and an empty or NA cell is no score. */
int import_file_opts(struct db *db, int64_t review, const char *kind, const char *path, const char *who,
		     const struct import_opts *o, struct diags *d, struct import_stats *st);

#endif

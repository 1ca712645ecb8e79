/* check.h: a store check that says in words what is wrong, naming each row by its table and uuid or code. */
#ifndef QREL_CHECK_H
#define QREL_CHECK_H

#include <stdio.h>

struct db;

struct check_report {
	int problems;		/* sentences written to out */
	int checks;		/* checks run */
	int notices;		/* remarks that are not damage (waiting conflicts, skipped checks) */
};

/* Runs SQLite's integrity and foreign-key checks and qrel's own (orphaned links,
 * levels outside the scale, the full-text index, the change log's guards, uuids,
 * one review per file). Each problem is one sentence on out. QREL_OK when there
 * is none, else QREL_DB with "N problem(s)" in error(). */
int check_store(struct db *db, FILE *out, struct check_report *r);

#endif

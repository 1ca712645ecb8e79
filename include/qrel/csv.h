/* csv.h: a streaming RFC 4180 reader (over libcsv) that knows each record's line. */
#ifndef QREL_CSV_H
#define QREL_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "qrel/diag.h"

struct csv_row {
	int line;		/* the line the record starts on, from 1 */
	size_t index;		/* 0 for the header, then 1, 2, ... */
	size_t n;		/* fields in this record */
	char **field;		/* NUL-terminated, valid UTF-8; the callback may edit them in place */
};

/* Called once per record, the header first. Return 0 to go on; anything
 * else stops the reading and csv_each returns it. */
typedef int csv_row_fn(void *ctx, const struct csv_row *r);

/* Reads path ("-" is standard input) one line at a time and hands each record
 * to fn; only one record is held at once. Blank lines are skipped, CRLF line
 * ends and a leading BOM accepted, CRLF inside quoted fields becomes LF.
 * Malformed CSV, fields that are not UTF-8 and records whose field count
 * differs from the header's go to d as "path:line: ..."; such records are not
 * handed to fn. Returns QREL_OK, QREL_PARSE (something went to d), QREL_IO,
 * QREL_NOMEM, or what fn returned to stop. */
int csv_each(const char *path, csv_row_fn *fn, void *ctx, struct diags *d);

/* The name messages use for path: "<stdin>" for "-". */
const char *csv_source_name(const char *path);

/* Maps the header onto the wanted columns: names is NULL-terminated; index[i]
 * gets the header position of names[i], or -1 when absent. Header names match
 * without case, surrounding spaces or a BOM. A missing required column (required
 * NULL means all), an unknown or unnamed column and a repeated one each go to d;
 * then QREL_PARSE is returned. */
int csv_columns(const struct csv_row *header, const char *const *names, int *index,
		const bool *required, struct diags *d, const char *path);

#endif

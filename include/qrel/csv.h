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
	const char *cell_column;	/* a record made from a wide row (csv_wide): the header of the
				 * column its value came from; else NULL */
	const char *const *origin;	/* read through a mapping file (csv_map): per field, where
					 * the mapping took it from ("their column 'X', FILE:LINE"),
					 * or NULL; the array is NULL without a mapping */
};

/* A wide layout read as a long one: every column that is not a key (one per
 * rater, as R's irr package lays scores out) becomes a record of its own with
 * the keys, name = the column's header and value = its cell. Empty and NA
 * cells give no record. */
struct csv_wide {
	const char *const *keys;	/* NULL-terminated; matched like csv_columns */
	const char *name, *value;
	const char *row_key;	/* when no key column is present, a column of this name
				 * holding "line N" is added (NULL: none) */
};

/* A mapping file (INI) for exports from other tools (KoboToolbox, ODK Central):
 * [columns] names, for each of our columns, the export's column it is read
 * from; [values] gives a fixed value for a column that is not mapped, or whose
 * cell is empty. */
struct csv_map;

/* How a file is read; all zero is comma-separated UTF-8 (or what the header shows). */
struct csv_opts {
	char delimiter;		/* 0: ',' ';' or tab, the most frequent on the header line;
				 * a first line "sep=X" (as Excel writes) also sets it */
	const char *encoding;	/* NULL: UTF-8 (UTF-16 when a file starts with its BOM);
				 * else iconv's name of the file's encoding */
	const struct csv_map *map;
	const struct csv_wide *wide;	/* applied after map */
};

/* Called once per record, the header first. Return 0 to go on; anything
 * else stops the reading and csv_each returns it. */
typedef int csv_row_fn(void *ctx, const struct csv_row *r);

/* Reads path ("-" is standard input) one line at a time and hands each record
 * to fn; only one record is held at once. Blank lines and records of empty
 * fields only (",,," as spreadsheets save them) are skipped, CRLF line ends and
 * a leading BOM accepted, CRLF inside quoted fields becomes LF.
 * Malformed CSV, fields that are not UTF-8 and records whose field count
 * differs from the header's go to d as "path:line: ..."; such records are not
 * handed to fn. Returns QREL_OK, QREL_PARSE (something went to d), QREL_IO,
 * QREL_NOMEM, or what fn returned to stop. */
int csv_each(const char *path, csv_row_fn *fn, void *ctx, struct diags *d);
/* csv_each with o (NULL: the defaults). Bytes the encoding does not allow are
 * "path:line: column N: not valid ENCODING text (byte 0xNN)". */
int csv_each_opts(const char *path, const struct csv_opts *o, csv_row_fn *fn, void *ctx, struct diags *d);

/* "," ";" "tab" (or a tab), "comma", "semicolon", "|" into *out; QREL_USAGE with error() set otherwise. */
int csv_delimiter_parse(const char *s, char *out);
/* QREL_OK when iconv can read name into UTF-8; else QREL_USAGE with error() set. */
int csv_encoding_check(const char *name);

/* Loads a mapping file; cols (NULL-terminated) are the columns it may name.
 * NULL after problems in d as "file:line: ...". */
struct csv_map *csv_map_load(const char *path, const char *const *cols, struct diags *d);
void csv_map_free(struct csv_map *m);

/* The name messages use for path: "<stdin>" for "-". */
const char *csv_source_name(const char *path);

/* Maps the header onto the wanted columns: names is NULL-terminated; index[i]
 * gets the header position of names[i], or -1 when absent. Header names match
 * without case, surrounding spaces or a BOM. A missing required column (required
 * NULL means all) and a repeated one each go to d; then QREL_PARSE is returned.
 * Other columns are ignored, with one warning naming them all (diag_warn). */
int csv_columns(const struct csv_row *header, const char *const *names, int *index,
		const bool *required, struct diags *d, const char *path);

/* The header field without a BOM or surrounding spaces, as [*start, *start + *len). */
void csv_header_name(const char *field, const char **start, size_t *len);
/* True when header field is name (csv_header_name's rules, without case). */
bool csv_header_is(const char *field, const char *name);

#endif

/* search.h: full-text search of evidence notes (FTS5): the query a user types, and the
 * matches ranked by bm25 in keyset pages. evidence_page and evidence_total call it when
 * a filter has a query; the filters and the reader's scope apply to every row. */
#ifndef QREL_SEARCH_H
#define QREL_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct evidence_filter;
struct evidence_cursor;
struct evidence_note;
struct evidence_total;

/* Turns what a user typed into an FTS5 query that cannot be a syntax error: each
 * word becomes a quoted string, "a phrase" stays a phrase, a trailing * a prefix,
 * and quotes inside are doubled. Returns false when nothing searchable is left. */
bool search_fts_query(const char *input, char *out, size_t size);

/* Up to limit matches of f->query after cur, best first (evidence_page). */
int search_page(struct db *db, int64_t review, const struct evidence_filter *f, const struct evidence_cursor *cur,
		int limit, struct evidence_note *out, int *n);
/* The size of the list of matches (evidence_total). */
int search_total(struct db *db, int64_t review, const struct evidence_filter *f, struct evidence_total *t);
/* Drops what is kept about db (it is closing). */
void search_forget(struct db *db);

#endif

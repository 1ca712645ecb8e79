/* search.h: full-text search of evidence notes (FTS5): the query a user types, and all
 * the matches in keyset pages, the latest added first or ranked by bm25. evidence_page
 * calls it when a filter has a query; the filters and the reader's scope apply to every row. */
#ifndef QREL_SEARCH_H
#define QREL_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct evidence_filter;
struct evidence_cursor;
struct evidence_note;

/* Turns what a user typed into an FTS5 query that cannot be a syntax error: each
 * word becomes a quoted string, "a phrase" stays a phrase, a trailing * a prefix,
 * and quotes inside are doubled. Returns false when nothing searchable is left. */
bool search_fts_query(const char *input, char *out, size_t size);

/* Up to limit matches of f->query after cur (evidence_page), over every match. By
 * default the latest added note first (ids descending, keyset on the id: a page costs
 * about what it shows, whatever the review's size). With f->by_relevance, ranked: best
 * bm25 first (as FTS5's bm25(), lower is better), then the newest (keyset on rank and
 * id; a pass over every match, and a match that cannot make the page is turned away
 * before its note is read). The filters and the reader's scope are in the SQL. */
int search_page(struct db *db, int64_t review, const struct evidence_filter *f, const struct evidence_cursor *cur,
		int limit, struct evidence_note *out, int *n);
/* Drops what is kept about db (it is closing). */
void search_forget(struct db *db);

#endif

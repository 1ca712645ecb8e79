/* changes.h: the change log read back: filtered, keyset-paged on (at, id), each change described in words. */
#ifndef QREL_CHANGES_H
#define QREL_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Every field is optional ("" or 0: any); the codes keep what the user chose so
 * the filter can be shown. from and to are dates or date-time prefixes, inclusive. */
struct changes_filter {
	char who[128];
	char from[32], to[32];
	int64_t site, cluster;
	char site_code[32], cluster_code[32];
};

/* The fields changes_filter_set knows, NULL-terminated: person, from, to, site, cluster. */
extern const char *const changes_filter_fields[];

/* Sets one field from text (a name, a date, a site or cluster code); "" clears it.
 * QREL_PARSE or QREL_NOTFOUND with error() set when the value is not known. */
int changes_filter_set(struct db *db, int64_t review, struct changes_filter *f, const char *field,
		       const char *value);
/* One line naming the active filters ("every change" when none). */
void changes_filter_describe(const struct changes_filter *f, char *buf, size_t size);
bool changes_filter_empty(const struct changes_filter *f);

struct change_row {
	int64_t id;
	char at[32], who[128], entity[24], uuid[40], field[32];
	char *old_value, *new_value;	/* malloc'd; NULL when the log holds NULL */
	char *reason;			/* malloc'd; "" when there is none */
	char about[192];		/* what the change is about, in words */
};

/* Where a page ends, to start the next one after it. */
struct changes_cursor {
	bool set;
	char at[32];
	int64_t id;
};

/* Up to limit changes older than cur (NULL or unset: the newest), newest first
 * by (at, id), each with its description, as viewer may read them
 * (visibility.h): an entry about a score viewer may not read is listed with its
 * values masked or left out, one about a note or other data viewer may not read
 * is left out. Free the rows with changes_rows_free. */
int changes_page(struct db *db, int64_t review, const char *viewer, const struct changes_filter *f,
		 const struct changes_cursor *cur, int limit, struct change_row *out, int *n);
void changes_cursor_of(const struct change_row *row, struct changes_cursor *cur);
void changes_rows_free(struct change_row *rows, int n);

/* What entity uuid is about, in words: "RHS 1.1 by José Ramírez" for a score,
 * "RHS: the first words of the note…" for a note; the entity and a short uuid
 * when the row is gone. */
int changes_describe(struct db *db, const char *entity, const char *uuid, char *buf, size_t size);

/* A sync value ("2|0|rationale" for a score, "growth|0|text" for a note) as a
 * person reads it: level 2 / NE / not rated, or the valence, then the text. */
void changes_sync_value(const char *entity, const char *value, char *buf, size_t size);

/* Where a sync conflict came from: the other copy's id and who imported it;
 * resolved_by when it was settled (by a lead, or "sync"). */
int changes_conflict_origin(struct db *db, long long id, char *copy, size_t ncopy, char *by, size_t nby,
			    char *resolved_by, size_t nresolved);

#endif

/* evidence_sql.h: what the evidence lists (evidence.c) share with search (search.c): the
 * note columns, the filter statements, binding and reading rows. Not for other modules. */
#ifndef QREL_EVIDENCE_SQL_H
#define QREL_EVIDENCE_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include "qrel/db.h"
#include "qrel/evidence.h"

/* A note's cluster codes in framework order, ';'-separated (n is the note). */
#define CLUSTER_CODES_SQL "(SELECT group_concat(code, ';') FROM (SELECT c.code FROM note_cluster nc " \
	"JOIN cluster c ON c.id = nc.cluster_id JOIN domain d ON d.id = c.domain_id " \
	"WHERE nc.note_id = n.id ORDER BY d.position, c.position))"

#define NOTE_COLS \
	"n.id, n.uuid, n.created_at, s.code, n.source, p.name, n.valence, n.text, n.version, n.site_id, " \
	"coalesce(n.activity_id, 0), coalesce(" CLUSTER_CODES_SQL ", ''), " \
	"coalesce((SELECT c.id FROM note_cluster nc JOIN cluster c ON c.id = nc.cluster_id " \
	"JOIN domain d ON d.id = c.domain_id WHERE nc.note_id = n.id ORDER BY d.position, c.position " \
	"LIMIT 1), 0), coalesce((SELECT group_concat(dimension || ':' || grp, ';') FROM note_subgroup " \
	"WHERE note_id = n.id), ''), n.deleted_at"

#define NOTE_JOINS "JOIN site s ON s.id = n.site_id JOIN person p ON p.id = n.author_id"
#define NOTE_FROM "note n " NOTE_JOINS

/* Parameters: ?1 review, ?2..?12 the filters (bind_filter), ?13/?14 the cursor, ?15 the
 * limit, ?16 the FTS query, ?19 the ranking's state (search.c). Only the filters that are set appear in the SQL, so that
 * SQLite can use an index for them (note_site_time for a site, note_time otherwise) and
 * a real range for the cursor: a page costs what it shows, however deep. */
enum {
	F_SITE = 1 << 0, F_CLUSTER = 1 << 1, F_DOMAIN = 1 << 2, F_SOURCE = 1 << 3, F_AUTHOR = 1 << 4,
	F_VALENCE = 1 << 5, F_SUBGROUP = 1 << 6, F_GROUP = 1 << 7, F_FROM = 1 << 8, F_TO = 1 << 9,
	F_ACTIVITY = 1 << 10, F_CURSOR = 1 << 11, F_SEARCH = 1 << 12,
	F_SCOPE_SITE = 1 << 13, F_SCOPE_AUTHOR = 1 << 14, F_SCOPE_NONE = 1 << 15,	/* the reader's (?17, ?18) */
};

/* What a statement is for; each kind is assembled from fixed fragments. */
enum evidence_query_kind {
	Q_LIST,			/* a page, newest first */
	Q_COUNT,		/* exact count (F_SEARCH: of the matches of ?16) */
	Q_COUNT_CAP,		/* count of at most ?15 */
	Q_RANK,			/* the ids of the matches of ?16 that qrel_rank(?19) lets through */
	Q_MATCH_CAP,		/* count of at most ?15 matches of ?16 */
	Q_MATCH_LATEST,		/* a page of the matches of ?16, latest added first (after ?14) */
};

/* Q_RANK reads these filters' notes through their index, then the full-text index. */
#define Q_RANK_BY_NOTE (F_SITE | F_ACTIVITY | F_SCOPE_SITE | F_SCOPE_NONE)

/* The filters f sets, as F_ bits. */
unsigned evidence_sql_mask(const struct evidence_filter *f);
/* The statement of kind for the filters in mask (prepared once, kept). */
sqlite3_stmt *evidence_sql_stmt(struct db *db, enum evidence_query_kind kind, unsigned mask);
/* Binds review and f's filters and reader's scope (?1..?12, ?17, ?18). */
void evidence_sql_bind(sqlite3_stmt *st, int64_t review, const struct evidence_filter *f);
/* Binds the cursor (?13, ?14): its rank when searching, else its time. */
void evidence_sql_cursor(sqlite3_stmt *st, const struct evidence_cursor *cur, bool search);
/* The row st is on (NOTE_COLS, then the rank and the highlighted text) into r. */
void evidence_sql_read(sqlite3_stmt *st, struct evidence_note *r);
/* Steps st into out (up to limit rows); resets st. */
int evidence_sql_rows(struct db *db, sqlite3_stmt *st, int limit, struct evidence_note *out, int *n);
/* May a cache keep answers of db? (It is told when db closes: search_forget.) */
bool evidence_sql_cache_ok(struct db *db);

#endif

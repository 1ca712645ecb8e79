/* evidence.h: evidence notes: add, edit, delete and undo through the change log;
 * filtered, keyset-paged and full-text (FTS5) listing; the one writer of note rows.
 * Activities are in activity.h. */
#ifndef QREL_EVIDENCE_H
#define QREL_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


struct db;

#define EVIDENCE_MAX_CLUSTERS 32
#define EVIDENCE_MAX_SUBGROUPS 16
#define EVIDENCE_MAX_SPANS 16
#define EVIDENCE_QUERY_MAX 512
/* evidence_total counts up to this many notes, then says "more": a filter that no index
 * serves reads about cap / selectivity notes (a cluster, 10% of the notes: 20,000). */
#define EVIDENCE_COUNT_CAP 2000

/* The source types and valences the schema allows, NULL-terminated. */
extern const char *const evidence_sources[];
extern const char *const evidence_valences[];
/* Is source one of evidence_sources? */
bool evidence_source_valid(const char *source);

struct note_input {
	int64_t site;
	int64_t activity;		/* 0: none */
	const char *source;
	const char *valence;		/* NULL: neutral */
	const char *text;
	const char *created_at;		/* NULL: now */
	int64_t cluster[EVIDENCE_MAX_CLUSTERS];
	size_t nclusters;
	const char *dimension[EVIDENCE_MAX_SUBGROUPS], *group[EVIDENCE_MAX_SUBGROUPS];
	size_t nsubgroups;
	const char *voices;		/* stakeholder group codes (voice.h); NULL: its activity's */
};

/* Adds a note written by who (a member of the review) in one transaction, with its
 * clusters and subgroups and a change log entry ("note", "create"). */
int evidence_add(struct db *db, int64_t review, const char *who, const struct note_input *in,
		 int64_t *id);
/* Changes what is not NULL (clusters: when nclusters > 0); each changed field is
 * logged with its old and new value and the version goes up. Author or lead only. */
int evidence_edit(struct db *db, int64_t review, const char *who, int64_t id, const char *text,
		  const char *valence, const int64_t *clusters, size_t nclusters);

struct evidence_note;
#define EVIDENCE_ANY_VERSION (-1)	/* evidence_edit_expect: no check (as evidence_edit) */

/* As evidence_edit, but only when the note is still at expected_version, the
 * version the screen showed when the user started editing. Otherwise nothing is
 * written and it returns QREL_CONFLICT, error_message() naming who changed the
 * note and when; current (when not NULL) then gets the note as it is now, with
 * changed_by and changed_at. Free current->text. */
int evidence_edit_expect(struct db *db, int64_t review, const char *who, int64_t id, const char *text,
			 const char *valence, const int64_t *clusters, size_t nclusters,
			 int64_t expected_version, struct evidence_note *current);
/* Soft delete (deleted_at) and its undo, both logged. */
int evidence_delete(struct db *db, int64_t review, const char *who, int64_t id);
int evidence_undelete(struct db *db, int64_t review, const char *who, int64_t id);

/* ---- listing ---- */

/* Every field is optional: 0 or "" means any. The text fields keep what the user
 * typed (codes, names) so the filter can be shown; evidence_filter_set fills both. */
struct evidence_filter {
	int64_t site, cluster, domain, author, activity;
	char site_code[32], cluster_code[32], domain_code[32], author_name[128];
	char source[24], valence[12];
	char dimension[64], group[64];	/* subgroup: dimension, or dimension:group */
	char from[32], to[32];		/* dates or times, inclusive */
	char query[EVIDENCE_QUERY_MAX];	/* what the user typed to search */
	/* A search's order: false, the latest added note first (over every match, as fast
	 * on any size of review); true, the best match first (bm25 over every match: a
	 * pass over all the matches, slower on a large review). */
	bool by_relevance;
	/* The notes the reader may read (visibility.h), set by evidence_filter_viewer
	 * and kept by the other filter calls: 0 and false read every note. */
	int64_t scope_site, scope_author;
	bool scope_none;
};

/* The fields evidence_filter_set knows, NULL-terminated: site, cluster, domain,
 * source, author, valence, subgroup, from, to, activity, search. */
extern const char *const evidence_filter_fields[];

/* Sets one field from text (a code, a name, a date); "" clears it. QREL_PARSE or
 * QREL_NOTFOUND with error() set when the value is not known. */
int evidence_filter_set(struct db *db, int64_t review, struct evidence_filter *f, const char *field,
			const char *value);
/* Limits f to the notes viewer may read (visibility.h): a principal's own school,
 * and there their own notes until the lead releases it; nothing for a non-member.
 * Every list a person reads (screen, command) sets it. */
int evidence_filter_viewer(struct db *db, int64_t review, const char *viewer, struct evidence_filter *f);
/* One line naming the active filters ("all notes" when none). */
void evidence_filter_describe(const struct evidence_filter *f, char *buf, size_t size);
bool evidence_filter_empty(const struct evidence_filter *f);

/* A match of the search in a note's text: byte offsets [start, end). */
struct evidence_span {
	unsigned start, end;
};

struct evidence_note {
	int64_t id, site, activity;
	char uuid[40], created_at[32], site_code[32], source[24], author[128], valence[12];
	char clusters[256];		/* codes, ';'-separated, in framework order */
	char subgroups[256];		/* dimension:group, ';'-separated */
	int64_t first_cluster;
	int version;
	bool deleted;
	double rank;			/* bm25 when searching (lower is better) */
	double rank_key;		/* searching: what pages are ordered by (search.c) */
	char *text;			/* malloc'd */
	struct evidence_span span[EVIDENCE_MAX_SPANS];
	int nspans;
	/* Set by evidence_edit_expect on a conflict: who changed the note last, and
	 * when (from the change log); "" otherwise. */
	char changed_by[128], changed_at[32];
};

/* Where a page ends, to start the next one after it (keyset paging). */
struct evidence_cursor {
	bool set;
	char created_at[32];
	double rank;			/* searching: the row's rank_key */
	int64_t id;
};

/* Up to limit notes after cur (NULL or unset: from the start): newest first, or when
 * f->query is set every match ranked by bm25, best first, then newest (search.h).
 * Rows are written to out; free them with evidence_notes_free. */
int evidence_page(struct db *db, int64_t review, const struct evidence_filter *f,
		  const struct evidence_cursor *cur, int limit, struct evidence_note *out, int *n);
void evidence_cursor_of(const struct evidence_note *row, struct evidence_cursor *cur);
void evidence_notes_free(struct evidence_note *rows, int n);
/* The number of notes the filter matches, -1 on error. Exact, so it reads every match. */
long long evidence_count(struct db *db, int64_t review, const struct evidence_filter *f);

/* What a screen shows as the size of a list: cheap whatever the size of the review. */
struct evidence_total {
	long long count;		/* notes the filter matches; at least this many when more */
	bool more;			/* there are more than count ("10,000+") */
};

/* Counts up to EVIDENCE_COUNT_CAP notes (searching: matches). The answer is kept until
 * the store (db_generation) or the filter changes. */
int evidence_total(struct db *db, int64_t review, const struct evidence_filter *f, struct evidence_total *out);
/* One note (deleted or not) by id. */
int evidence_get(struct db *db, int64_t review, int64_t id, struct evidence_note *out);

/* search_fts_query (search.h) turns what a user typed into an FTS5 query. */

/* ---- choices (for prompts) ---- */

struct evidence_choice {
	char value[64];			/* what evidence_filter_set takes */
	char label[192];		/* what a person reads */
	int64_t id;
};

/* The possible values of a field (site, cluster, domain, source, author, valence,
 * subgroup, activity), malloc'd; *n rows. */
int evidence_choices(struct db *db, int64_t review, const char *field, struct evidence_choice **out,
		     int *n);

/* ---- the row writers: no gate, no change log, no transaction (the caller's) ---- */

/* A note row as it is stored: evidence_add, import (import.c) and sync (sync.c)
 * all write notes through these. */
struct note_fields {
	const char *uuid;
	int64_t review, site;
	int64_t activity;		/* 0: by activity_uuid (NULL: none) */
	const char *activity_uuid;
	const char *source;
	int64_t author;
	const char *valence, *text;
	const char *created_at, *updated_at, *deleted_at;	/* deleted_at NULL: live */
	int64_t version;		/* a new note is at 1 */
};

/* Inserts the row; *id (when not NULL) gets its row id. what names the write in an
 * error ("adding a note"). */
int note_insert_row(struct db *db, const struct note_fields *f, const char *what, int64_t *id);
/* Writes valence, text, deleted_at and updated_at into row id; its version goes
 * up by one, or to f->version when that is higher (a merged note). */
int note_apply_row(struct db *db, int64_t id, const struct note_fields *f, const char *what);

/* ---- the link writers: the only code that writes note_cluster, note_subgroup,
 * note_group and note_document (no gate, no change log, no transaction) ---- */

/* Links note to each cluster (a link it has already is kept). */
int note_link_clusters(struct db *db, int64_t note, const int64_t *cluster, size_t n);
/* Removes every cluster link of note. */
int note_unlink_clusters(struct db *db, int64_t note);
/* Links note to one subgroup (dimension, group); an existing link is kept. */
int note_link_subgroup(struct db *db, int64_t note, const char *dimension, const char *group);
/* Removes every subgroup link of note. */
int note_unlink_subgroups(struct db *db, int64_t note);
/* Sets note's own stakeholder groups to list: codes, comma-separated, checked
 * already (voice_parse); "" leaves none (the note then has its activity's). */
int note_link_set_groups(struct db *db, int64_t note, const char *list);
/* Makes note cite document (cite true) or no longer cite it; *changed (when not
 * NULL) says whether there was anything to add or remove. */
int note_link_document(struct db *db, int64_t note, int64_t document, bool cite, bool *changed);

/* Forgets note uuid of review (a hub pull, once the login no longer reads
 * it): the row, its clusters, subgroups, groups, citations and full-text
 * entry go, with no change log entry (forgetting is not an edit). A note a
 * finding or a plan's cause cites stays (*gone false). */
int note_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone);
/* Resolving a sync conflict (sync.c binds them): the note's value "valence|deleted|text"
 * written by uuid (?1 valence, ?2 "1" when deleted, ?3 text, ?4 now, ?5 the other
 * copy's version, ?6 uuid); and only its version moved past ?1 (?2 uuid). */
extern const char note_resolve_sql[], note_bump_sql[];

#endif

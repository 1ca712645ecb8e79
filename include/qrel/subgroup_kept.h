/* subgroup_kept.h: a set's suppression kept in the store between sessions (subgroup.c's own; derived data, never synced). */
#ifndef QREL_SUBGROUP_KEPT_H
#define QREL_SUBGROUP_KEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qrel/subgroup.h"

struct db;
struct settings;

/*
 * The complementary suppression of a linked set (a district's table and its
 * schools' of one year, metric and dimension) reads every member's table. Its
 * result, which cells each member withholds, is kept in table subgroup_kept
 * (one row per member, for the settings that decide it), so that a later load
 * of one table reads that table and its row only. The store's triggers delete
 * the rows of a (metric, dimension) whenever anything they were made from
 * changes (subgroup_kept_migration); the reader checks a row against the
 * table's rows before it trusts it. A row holds no count.
 *
 * SUBGROUP_KEPT_RULE is part of the key: raise it whenever a change to the
 * suppression (subgroup.c, risk.c) could withhold other cells, so that rows
 * kept by an older qrel are never read.
 */
#define SUBGROUP_KEPT_RULE 1

/* What a member withholds: hidden[i] for its row i in id order, 0 shown, 1
 * withheld, 2 shown bare (nothing compared with the total); the total withheld. */
struct kept_pattern {
	unsigned char *hidden;
	size_t n;
	bool total_withheld;
};

/* The kept pattern of key's table for s: 1 found (free p->hidden), 0 none
 * (or unreadable: the caller computes it). */
int subgroup_kept_read(struct db *db, const struct subgroup_key *key, const struct settings *s,
		       struct kept_pattern *p);

/* Every row kept for key's set (key's site is any member) for s, by site id;
 * none when nothing is kept or the rows cannot be read (the caller computes
 * the set). Free with subgroup_kept_set_free. */
struct kept_set {
	size_t n;
	struct kept_site {
		int64_t site;
		struct kept_pattern p;
	} *m;
};
void subgroup_kept_read_set(struct db *db, const struct subgroup_key *key, const struct settings *s,
			    struct kept_set *out);
/* site's pattern in set, or NULL. */
const struct kept_pattern *subgroup_kept_find(const struct kept_set *set, int64_t site);
void subgroup_kept_set_free(struct kept_set *set);

/* The sites of key's set one at a time in its order, the district first,
 * then by code, without a sort of them all, so that a caller wanting the
 * first few reads only those: a site is one when it has a kept row for s
 * (looked for first: for a set kept whole no site's rows are read to list
 * it) or rows for the key. A kept row of a site that is no member (the
 * triggers above drop every row of a set that gains or loses one) fails its
 * check against the site's rows when it is read. Start with w zeroed; *site
 * is 0 after the last; end with subgroup_kept_walk_end. */
struct kept_walk {
	struct sqlite3_stmt *st;	/* the part being stepped */
	int part;			/* 0 the districts, 1 the other sites, 2 done */
};
int subgroup_kept_walk(struct db *db, const struct subgroup_key *key, const struct settings *s, struct kept_walk *w,
		       int64_t *site);
void subgroup_kept_walk_end(struct kept_walk *w);

/* One member of a set as computed: hidden[i] 0, 1 or 2 for each of its n rows. */
struct kept_member {
	int64_t site;
	const int *hidden;
	size_t n;
	bool total_withheld;
};

/* Keeps every member of key's set (key's site is any member), in one short
 * transaction that never waits for another writer. Only when the
 * connection is writable, no transaction is open, and nobody has committed
 * since the snapshot the set was read in (data_version, read in that
 * snapshot); anything else (busy, read-only, full) leaves nothing kept and
 * nothing said: the rows are optional. */
void subgroup_kept_write(struct db *db, const struct subgroup_key *key, const struct settings *s,
			 long long data_version, const struct kept_member *m, size_t n);

/* Counts since the process started, for tests (no timing in tests). */
struct subgroup_kept_stats {
	unsigned long hits;	/* a table loaded from its kept row */
	unsigned long sets_read;	/* a whole set's suppression taken from its kept rows */
	unsigned long refused;	/* a kept row found but not trusted (the table's rows disagree) */
	unsigned long sets_kept;	/* sets written */
};
extern struct subgroup_kept_stats subgroup_kept_stats;

#endif

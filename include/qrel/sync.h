/* sync.h: offline copies that merge: bundles keyed by uuid, a three-way decision per
 * row against the value last exchanged, conflicts kept for the lead. */
#ifndef QREL_SYNC_H
#define QREL_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct db;

#define SYNC_FORMAT 1		/* a bundle's format version; newer ones are refused */

/* The value of a row as sync compares it, as an SQL expression over a row alias.
 * The trigger that keeps a row's base (src/sync_schema.c) and the import use the
 * same text. Free text comes last, so the value splits at its first two '|'. */
#define SYNC_SCORE_VALUE(t) "(coalesce(" t ".level, '') || '|' || " t ".insufficient || '|' || " t ".rationale)"
#define SYNC_NOTE_VALUE(t) "(" t ".valence || '|' || (" t ".deleted_at IS NOT NULL) || '|' || " t ".text)"

extern const char sync_migration[];

/* What to do with one incoming row. lv/lb: the local value and its base (the
 * value at the last exchange; NULL when the row has not changed since); rv/rb the
 * same for the remote row; lver/rver their versions. */
enum sync_action {
	SYNC_SAME,	/* equal values: nothing to do */
	SYNC_KEEP,	/* the remote has not moved from our base: keep ours */
	SYNC_TAKE,	/* ours has not moved, or theirs builds on ours: take theirs */
	SYNC_STALE,	/* an older value (a bundle replayed): ignore it */
	SYNC_CONFLICT,	/* changed on both sides: keep ours, record both */
};

enum sync_action sync_decide(const char *lv, const char *lb, long long lver, const char *rv, const char *rb,
			     long long rver);

struct sync_export_stats {
	long long notes, scores, subgroup_rows, changes;
	char checksum[17];
};

/* Writes a bundle of review to out (0600, through a temporary file and rename).
 * peer: the rows changed since the last export to that peer, and the peer's
 * watermark moves on; NULL (or all) for every row. The bundle carries only the
 * scores, notes and log entries who (the person exporting) may read (visibility.h). */
int sync_export(struct db *db, int64_t review, const char *who, const char *out, const char *peer, bool all,
		struct sync_export_stats *st);

struct sync_import_stats {
	long long inserted, updated, unchanged, stale, conflicts, changes;
};

/* Checks the bundle (format, review, checksum) before any write, then merges it in
 * one transaction. A refusal changes nothing and says why. */
int sync_import(struct db *db, int64_t review, const char *who, const char *bundle,
		struct sync_import_stats *st);

struct sync_conflict_row {
	long long id;
	const char *entity, *uuid, *what, *local, *remote, *detected_at, *resolved_at, *resolution;
};

typedef int sync_conflict_fn(void *ctx, const struct sync_conflict_row *c);

/* Conflicts, open ones only unless all; fn returning non-zero stops. */
int sync_conflict_each(struct db *db, int64_t review, bool all, sync_conflict_fn *fn, void *ctx);

/* The lead picks a side for conflict id; the choice is logged with both values
 * and travels to the peer with the next bundle. */
int sync_resolve(struct db *db, int64_t review, const char *who, long long id, bool keep_remote);

#endif

/* sync.h: offline copies that merge: bundles keyed by uuid, a three-way decision per
 * row against the value last exchanged, conflicts kept for the lead. */
#ifndef QREL_SYNC_H
#define QREL_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct db;

/* The bundle format this qrel writes, and the oldest it reads (newer and older
 * ones are refused, naming both). 3 carries stakeholder voice and removed
 * citations (tables activity_voice, note_voice, unlink), which a qrel reading
 * only 2 refused as tables "a qrel bundle never has". A 2 from a qrel that
 * already wrote them is read the same way. */
#define SYNC_FORMAT 3
#define SYNC_FORMAT_OLDEST 2

/* What an import accepts (doc/qrel.1, BUNDLES). A bundle beyond one of these is
 * refused whole, with the cap named. */
#define SYNC_MAX_FILE (64LL << 20)	/* the bundle file, and its tables once unpacked */
#define SYNC_MAX_ROWS 1000000LL		/* rows in any one table */
#define SYNC_MAX_CELL (1LL << 20)	/* characters of one text value, bytes of one blob */
#define SYNC_MAX_SECONDS 120		/* the whole import, checks and merge */
#define SYNC_MAX_HEAP (256LL << 20)	/* SQLite's memory for the import, beyond what was in use */

#define SYNC_KEY_BYTES 32		/* the review's bundle key (crypto_auth, HMAC-SHA-512-256) */
#define SYNC_HEADER_BYTES 64		/* a bundle file's header (layout in sync.c) */
#define SYNC_MAC_BYTES 32		/* and the MAC that ends it */

/* The value of a row as sync compares it, as an SQL expression over a row alias.
 * The trigger that keeps a row's base (src/store/sync_schema.c) and the import use the
 * same text. Free text comes last, so the value splits at its first two '|'. */
#define SYNC_SCORE_VALUE(t) "(coalesce(" t ".level, '') || '|' || " t ".insufficient || '|' || " t ".rationale)"
#define SYNC_NOTE_VALUE(t) "(" t ".valence || '|' || (" t ".deleted_at IS NOT NULL) || '|' || " t ".text)"

/* A finding's and a recommendation's values; the recommendation's free text
 * (title, text, stakeholders) as one JSON array after the priority. */
#define SYNC_FINDING_VALUE(t) "(" t ".kind || '||' || " t ".text)"
#define SYNC_REC_VALUE(t) "(" t ".priority || '||' || json_array(" t ".title, " t ".text, " t ".stakeholders))"
/* A document's: its status, the day it came, then title, owner and link as one JSON array. */
#define SYNC_DOCUMENT_VALUE(t) "(" t ".status || '|' || coalesce(" t ".received_at, '') || '|' || " \
	"json_array(" t ".title, " t ".owner, " t ".link))"

/* The review's uuid into out ("" when there is no such review). */
int sync_review_uuid(struct db *db, int64_t review, char out[64]);

/* The review's bundle key; made with randombytes_buf if the review has none. */
int sync_review_key(struct db *db, int64_t review, unsigned char key[SYNC_KEY_BYTES]);

/* Wraps image (an SQLite database holding a bundle's tables) as a bundle file:
 * a header naming the bundle format and review_uuid, the image (zlib-compressed
 * when compress), and a MAC under key over all of it. *out is malloc'd. Export
 * uses it; tests and the fuzzer sign crafted bundles with it. */
int sync_bundle_seal(const unsigned char key[SYNC_KEY_BYTES], const char *review_uuid, const void *image,
		     size_t n, bool compress, unsigned char **out, size_t *outn);

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
	long long bytes;		/* the bundle file's size */
	char checksum[17];		/* the start of its MAC, in hex */
};

/* Writes a bundle of review to out (0600, through a temporary file and rename),
 * naming who (the exporting member) as the person its rows are applied as.
 * peer: the rows changed since the last export to that peer, and the peer's
 * watermark moves on; NULL (or all) for every row. The bundle carries only the
 * scores, notes and log entries who (the person exporting) may read (visibility.h). */
int sync_export(struct db *db, int64_t review, const char *who, const char *out, const char *peer, bool all,
		struct sync_export_stats *st);

/* The bundle's tables as CREATE statements on schema "bundle" (an import
 * accepts exactly these); the hub builds its pulls with them. */
extern const char sync_bundle_ddl[];

/* What a peer has been sent (sync_peer), and what an export sends. */
struct sync_watermark {
	long long seq, log;		/* what the peer has been sent */
	long long max_seq, max_log;	/* what this export sends */
};

/* The rows an export to peer (NULL: every row) would carry, as who may read
 * them, attached as schema "bundle" (in memory) without writing a file; the
 * hub pushes from them. sync_export_detach drops it; when sent, the peer's
 * watermark moves on. */
int sync_export_attach(struct db *db, int64_t review, const char *who, const char *peer, struct sync_watermark *w,
		       struct sync_export_stats *es);
int sync_export_detach(struct db *db, const char *peer, const struct sync_watermark *w, bool sent);

struct sync_import_stats {
	long long inserted, updated, unchanged, stale, conflicts, changes;
};

/* Checks the bundle before any write (size, format, review, MAC, then on a
 * connection of its own: exactly the tables and columns an export writes, rows
 * and value sizes under the caps), then merges it in one transaction, within the
 * time and memory caps. A refusal changes nothing and says why. */
int sync_import(struct db *db, int64_t review, const char *who, const char *bundle,
		struct sync_import_stats *st);
/* The same for a bundle's bytes already in memory; name is what messages call it. */
int sync_import_bytes(struct db *db, int64_t review, const char *who, const char *name, const void *bytes,
		      size_t n, struct sync_import_stats *st);

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

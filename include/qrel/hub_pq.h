/* hub_pq.h: the libpq helpers hub.c and hub_sync.c share (not for other modules).
 * libpq comes through hub_libpq.h: loaded on first use, called by its own names. */
#ifndef QREL_HUB_PQ_H
#define QREL_HUB_PQ_H

#include "qrel/hub_libpq.h"

#include <stdbool.h>
#include <stdint.h>

/* A failed result as a status (QREL_DENIED for a policy's or trigger's
 * refusal, QREL_PARSE off the scale, else QREL_DB); clears r. */
int hub_fail(PGconn *c, PGresult *r, const char *what);
/* sql with n text parameters; *out (when not NULL) holds the result to clear. */
int hub_query(PGconn *c, const char *sql, int n, const char *const *params, const char *what, PGresult **out);
int hub_exec(PGconn *c, const char *sql, const char *what);
void hub_rollback(PGconn *c);
/* The hub's schema version (0: no hub); hub_check_version wants it current. */
int hub_version(PGconn *c, int *version);
int hub_check_version(PGconn *c);

/* The review's scores and notes as lead (who reads them all) holds them,
 * into the hub as its owner, inside the caller's transaction (hub_add_review). */
struct db;
struct hub_sync_stats;
int hub_seed(PGconn *pg, struct db *db, int64_t review, const char *lead, const char *uuid, struct hub_sync_stats *st);

/* The review's subgroup tables, summed to the district, replace the hub's
 * (hub.subgroup): the lead's push and add-review. */
int hub_push_subgroups(PGconn *c, struct db *db, int64_t review, const char *uuid);

/* The fieldwork tables (hub_fieldwork.c): their hub migration; the attached
 * bundle's activities, documents, citations, note groups, survey results and
 * rates and deletions into the hub, inside the caller's transaction, as the
 * login (pusher NULL) or as the named person (the seed); and a pull's, in two
 * phases around the notes' (activities, documents and surveys before, so notes
 * find them; citations, deletions and note groups after, so they find the notes). */
/* Whether the attached bundle has table t (an export leaves empty tables out). */
bool hub_bundle_has(struct db *db, const char *t);
/* A table a pull reads from the hub: its phase, what it is (for errors), its
 * query ($1 the review, $2 the last row seen; the pusher's name first, rows
 * sorted by it) and up to two inserts of a row into a bundle (?N: column N). */
struct hub_pull {
	int phase;
	const char *what, *read;
	const char *insert[2];
};
/* The phase's rows of res (one result per pulls[i]), one bundle per pusher
 * in name order, each imported through hub_import_built. */
int hub_import_pushers(struct db *db, int64_t review, const char *who, const char *uuid, const struct hub_pull *pulls,
		       size_t n, PGresult *const *res, int phase, struct hub_sync_stats *st);

extern const char hub_fieldwork_migration[];
int hub_fieldwork_push(PGconn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher,
		       struct hub_sync_stats *st);
enum hub_field_phase { HUB_FIELD_BEFORE, HUB_FIELD_AFTER };
int hub_fieldwork_pull(PGconn *pg, struct db *db, int64_t review, const char *who, const char *uuid, long long seq,
		       enum hub_field_phase phase, struct hub_sync_stats *st);

#endif

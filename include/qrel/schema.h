/* schema.h: the numbered migrations that create and upgrade the store. The
 * store's own are in src/store/schema.c; a module that owns tables defines its
 * migrations in its own file and declares them here, so that the store layer
 * lists them without reaching up into the modules' headers. */
#ifndef QREL_SCHEMA_H
#define QREL_SCHEMA_H

#include <stddef.h>

extern const char *const schema_migrations[];
extern const size_t schema_migration_count;

/* The action plan's tables (src/store/plan_schema.c). */
extern const char plan_migration[];
/* Offline copies that merge: marks, bases, peers and conflicts (src/store/sync_schema.c). */
extern const char sync_migration[];
/* The review's bundle key: one per review, made with the review (and for the
 * reviews that exist when the migration runs), copied with the file by `qrel
 * backup` (src/store/sync_schema.c). */
extern const char sync_key_migration[];
/* Findings, recommendations, the summary and the report's status (src/domain/findings.c). */
extern const char findings_migration[];
/* Surveys, response rates, the document register and the schedule (src/store/fieldwork_schema.c). */
extern const char fieldwork_migration[];
/* Findings and recommendations in bundles (src/store/sync_schema.c). */
extern const char sync_findings_migration[];
/* Documents, survey results and rates, and their citations in bundles (sync_schema.c). */
extern const char sync_fieldwork_migration[];
/* Stakeholder groups, participants and language of activities and notes (src/domain/voice.c). */
extern const char voice_migration[];
/* Stakeholder voice and removed citations in bundles (sync_schema.c). */
extern const char sync_voice_migration[];
/* A bulk of notes indexed for search once, at the end of its import (src/domain/import.c). */
extern const char import_migration[];
/* A linked set's suppression kept between sessions, and the triggers that drop it (src/domain/subgroup_kept.c). */
extern const char subgroup_kept_migration[];

#endif

/* schema.h: the numbered migrations that create and upgrade the store. */
#ifndef QREL_SCHEMA_H
#define QREL_SCHEMA_H

#include <stddef.h>

extern const char *const schema_migrations[];
extern const size_t schema_migration_count;

#endif

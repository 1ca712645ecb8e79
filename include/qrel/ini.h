/* ini.h: iniparser with what it lacks: the line of every key, duplicates and
 * syntax errors reported as file:line, and the keys listed for validation.
 * The file is read once; iniparser parses it in chunks of whole sections through
 * a memory file (its own lookups are linear scans), and lookups here are hashed,
 * so loading is linear in the file's size. */
#ifndef QREL_INI_H
#define QREL_INI_H

#include "qrel/diag.h"

struct ini_entry {
	char *section;	/* lowercased, as iniparser stores it */
	char *key;	/* lowercased; "" marks the section header's line */
	int line;
};

struct ini;

/* NULL when the file cannot be read (a diag says why). Syntax problems are
 * added to d and the rest of the file is still loaded. */
struct ini *ini_load(const char *path, struct diags *d);
void ini_free(struct ini *ini);
const char *ini_path(const struct ini *ini);
/* The value, or NULL when absent. Section and key are matched without case. */
const char *ini_get(const struct ini *ini, const char *section, const char *key);
int ini_line(const struct ini *ini, const char *section, const char *key);
const struct ini_entry *ini_entries(const struct ini *ini, size_t *n);
/* Sections in file order, each once. */
const char *const *ini_sections(const struct ini *ini, size_t *n);

#endif

/* outpath.h: the one check every file qrel writes (report, bundle, backup, export)
 * passes first, so an output never lands on the review's data. */
#ifndef QREL_OUTPATH_H
#define QREL_OUTPATH_H

#include <stdbool.h>

/* Remembers a database this process has open: no output may name it, its
 * -wal, -shm or -journal, or a link to any of them, even when forced. */
void outpath_protect(const char *db_file);
/* --force: an existing SQLite database that no one has open may be replaced
 * (still through a temporary file and rename, never in place). */
void outpath_allow_replace(bool force);
/* QREL_OK when path may be written as an output; otherwise QREL_DENIED with a
 * message: the open database or one of its files (by name, symlink or hard
 * link), a file that is not a regular file, a name beside a database that
 * SQLite would read as its journal, or, unless forced, an existing SQLite
 * database (and, even forced, one in use). */
int outpath_check(const char *path);
/* Is the file at path an SQLite database (its first 16 bytes say so)? */
bool outpath_is_sqlite(const char *path);

#endif

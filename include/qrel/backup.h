/* backup.h: a consistent copy of a live store (SQLite's online backup API), written 0600 and renamed into place. */
#ifndef QREL_BACKUP_H
#define QREL_BACKUP_H

struct db;

struct backup_stats {
	int pages;		/* pages in the copy */
	int steps;		/* backup_step calls */
	int restarts;		/* times another process's write made the copy start over */
};

/* Copies db (open, possibly being written by others) to out: a temporary file
 * beside out (mode 0600), filled in chunks with pauses so writers proceed, synced,
 * checked and renamed over out. On failure out is untouched. */
int backup_db(struct db *db, const char *out, struct backup_stats *st);

/* The one way qrel starts writing a file: path passes outpath_check, then an
 * empty 0600 temporary file is created beside it; *tmp is malloc'd. */
int backup_temp_file(const char *path, char **tmp);
/* The second half alone, for a file qrel replaces as its own (the demo review):
 * the empty 0600 temporary beside path, under a name no file had. */
int backup_temp_beside(const char *path, char **tmp);
/* fsync tmp, rename it to dest and sync the folder (on failure unlink tmp). */
int backup_commit_file(const char *tmp, const char *dest);

#endif

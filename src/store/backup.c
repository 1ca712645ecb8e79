/* backup.c: `qrel backup`: copies a live store page by page while others keep writing. */
#include "qrel/qrel.h"
#include "qrel/backup.h"
#include "qrel/db.h"
#include "qrel/outpath.h"
#include "qrel/util.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_CHUNK 256	/* pages per step: ~1 MiB at 4 KiB pages */
#define BACKUP_PAUSE_MS 5	/* between steps, so a writer can take its lock */
#define BACKUP_MAX_RESTARTS 20	/* then copy the rest in one step (a read snapshot) */

int
backup_temp_beside(const char *path, char **tmp)
{
	mode_t old;
	int fd;

	if (!(*tmp = malloc(strlen(path) + 16)))
		return error(QREL_NOMEM, "out of memory");
	sprintf(*tmp, "%s.tmpXXXXXX", path);
	old = umask(077);
	fd = mkstemp(*tmp);	/* 0600 whatever the umask */
	umask(old);
	if (fd >= 0 && close(fd) == 0)
		return QREL_OK;
	free(*tmp);
	*tmp = NULL;
	return error(errno == ENOSPC ? QREL_FULL : QREL_IO, "%s: cannot create a file beside it: %s",
		path, strerror(errno));
}

int
backup_temp_file(const char *path, char **tmp)
{
	int rc;

	*tmp = NULL;
	return (rc = outpath_check(path)) != QREL_OK ? rc : backup_temp_beside(path, tmp);
}

/* The rename itself survives a crash once the folder is synced. */
static void
sync_folder(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int
backup_commit_file(const char *tmp, const char *dest)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC), rc = QREL_OK;

	if (fd < 0 || fsync(fd) != 0)
		rc = error(errno == ENOSPC ? QREL_FULL : QREL_IO, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc == QREL_OK && rename(tmp, dest) != 0)
		rc = error(QREL_IO, "%s: cannot rename into place: %s", dest, strerror(errno));
	if (rc != QREL_OK)
		unlink(tmp);
	else
		sync_folder(dest);
	return rc;
}

static int
step_fail(sqlite3 *dst, int rc, const char *out)
{
	int code = rc == SQLITE_FULL ? QREL_FULL : rc == SQLITE_NOMEM ? QREL_NOMEM : QREL_IO;

	return error(code, "%s: backup failed: %s", out, rc == SQLITE_OK ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
}

/* Steps until done. Each write by another process restarts the copy, so after a
 * few restarts the rest goes in one step, which reads one consistent snapshot
 * (in WAL mode writers still proceed meanwhile). */
static int
copy_pages(sqlite3_backup *b, sqlite3 *dst, const char *out, struct backup_stats *st)
{
	int rc, left = -1;

	do {
		int n = st->restarts >= BACKUP_MAX_RESTARTS ? -1 : BACKUP_CHUNK;

		rc = sqlite3_backup_step(b, n);
		st->steps++;
		if (left >= 0 && sqlite3_backup_remaining(b) > left)
			st->restarts++;
		left = sqlite3_backup_remaining(b);
		if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BACKUP_PAUSE_MS);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	st->pages = sqlite3_backup_pagecount(b);
	return rc == SQLITE_DONE ? QREL_OK : step_fail(dst, rc, out);
}

/* The copy is a plain rollback-journal file: one file, nothing beside it to lose. */
static int
finish_copy(sqlite3 *dst, const char *out)
{
	char *msg = NULL;
	int rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE; PRAGMA quick_check", NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return QREL_OK;
	rc = error(rc == SQLITE_FULL ? QREL_FULL : QREL_IO, "%s: %s", out, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

static int
copy_into(struct db *db, const char *tmp, const char *out, struct backup_stats *st)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = error(QREL_IO, "%s: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return rc;
	}
	if (!(b = sqlite3_backup_init(dst, "main", db_handle(db), "main")))
		rc = step_fail(dst, SQLITE_OK, out);
	else {
		rc = copy_pages(b, dst, out, st);
		if (sqlite3_backup_finish(b) != SQLITE_OK && rc == QREL_OK)
			rc = step_fail(dst, SQLITE_OK, out);
	}
	if (rc == QREL_OK)
		rc = finish_copy(dst, out);
	sqlite3_close(dst);
	return rc;
}

int
backup_db(struct db *db, const char *out, struct backup_stats *st)
{
	char *tmp;
	int rc;

	memset(st, 0, sizeof(*st));
	/* A copy of a team review is a file its maker can read and change with
	 * sqlite3: every rating, note and log entry, out of the team folder. */
	if (db_team(db) && getuid() != 0)
		return error(QREL_DENIED, "%s is a team review, reachable only through qrel: "
			     "its copies are made by the administrator (root)", db_path(db));
	if ((rc = backup_temp_file(out, &tmp)) != QREL_OK)
		return rc;
	rc = copy_into(db, tmp, out, st);
	if (rc == QREL_OK)
		rc = backup_commit_file(tmp, out);
	else
		unlink(tmp);
	free(tmp);
	return rc;
}

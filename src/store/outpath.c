/* outpath.c: may this path be written as an output? Never the open database or
 * its companions (by name, symlink or hard link), never a journal name beside a
 * database, and an existing SQLite database only when forced and not in use. */
#include "qrel/qrel.h"
#include "qrel/outpath.h"
#include "qrel/util.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROTECTED_MAX 8
#define SQLITE_LOCK_BYTE 0x40000000	/* SQLite's pending, reserved and shared lock bytes */
#define SQLITE_LOCK_SPAN 512

static const char *const companion[] = { "", "-wal", "-shm", "-journal" };

static struct {
	char *db[PROTECTED_MAX];	/* canonical names of open databases */
	int n;
	bool force;
} prot;

/* The file's name with its folder resolved (symlinks, "..") even when the
 * file itself does not exist yet; malloc'd. */
static char *
canonical(const char *path)
{
	char *real = realpath(path, NULL), *d, *b, *dir, *out;

	if (real)
		return real;
	d = xstrdup(path);
	b = xstrdup(path);
	dir = realpath(dirname(d), NULL);
	out = dir ? path_join(dir, basename(b)) : xstrdup(path);
	free(dir);
	free(d);
	free(b);
	return out;
}

static void
remember(char *name)
{
	for (int i = 0; i < prot.n; i++) {
		if (strcmp(prot.db[i], name) == 0) {
			free(name);
			return;
		}
	}
	if (prot.n < PROTECTED_MAX)
		prot.db[prot.n++] = name;
	else
		free(name);
}

void
outpath_protect(const char *db_file)
{
	char *real;

	if (!db_file || !*db_file)
		return;
	remember(canonical(db_file));
	/* SQLite keeps the -wal beside the file a symlink points to. */
	if ((real = realpath(db_file, NULL)))
		remember(real);
}

void
outpath_allow_replace(bool force)
{
	prot.force = force;
}

bool
outpath_is_sqlite(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) && memcmp(head, magic, sizeof(head)) == 0;
	close(fd);
	return yes;
}

/* Which of the open databases' files is path, by name or by inode; NULL if none. */
static const char *
open_db_file(const char *path, const struct stat *st)
{
	static char which[PATH_MAX + 16];
	char *c = canonical(path);
	const char *hit = NULL;

	for (int i = 0; i < prot.n && !hit; i++) {
		for (size_t k = 0; k < ARRAY_SIZE(companion) && !hit; k++) {
			struct stat ds;

			snprintf(which, sizeof(which), "%s%s", prot.db[i], companion[k]);
			if (strcmp(c, which) == 0 ||
			    (st && stat(which, &ds) == 0 && ds.st_dev == st->st_dev && ds.st_ino == st->st_ino))
				hit = which;
		}
	}
	free(c);
	return hit;
}

/* "x.db-wal" when x.db is a database: SQLite would read the output as its journal. */
static bool
journal_of_database(const char *path)
{
	size_t n = strlen(path);
	bool yes = false;

	for (size_t k = 1; k < ARRAY_SIZE(companion) && !yes; k++) {
		size_t m = strlen(companion[k]);

		if (n > m && strcmp(path + n - m, companion[k]) == 0) {
			char *base = xstrdup(path);

			base[n - m] = '\0';
			yes = outpath_is_sqlite(base);
			free(base);
		}
	}
	return yes;
}

/* Another program has it open: a -wal or -shm beside it, or a lock on SQLite's lock bytes. */
static bool
in_use(const char *path)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SQLITE_LOCK_BYTE,
			    .l_len = SQLITE_LOCK_SPAN };
	size_t n = strlen(path) + 8;
	char *side = malloc(n);
	bool yes = false;
	int fd;

	if (!side)
		abort();
	for (size_t k = 1; k < 3 && !yes; k++) {
		snprintf(side, n, "%s%s", path, companion[k]);
		yes = access(side, F_OK) == 0;
	}
	free(side);
	if (!yes && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		yes = fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK;
		close(fd);
	}
	return yes;
}

static int
check_existing(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return error(QREL_DENIED, "%s is not a regular file: refusing to replace it; name a file", path);
	if (access(path, R_OK) != 0 && !prot.force)
		return error(QREL_DENIED, "%s cannot be read to check it is not a database: refusing to replace it "
			     "(--force replaces it)", path);
	if (!outpath_is_sqlite(path))
		return QREL_OK;
	if (!prot.force)
		return error(QREL_DENIED, "%s is an SQLite database: refusing to replace it (name a new file, or "
			     "--force to replace a database no one has open)", path);
	if (in_use(path))
		return error(QREL_DENIED, "%s is a database in use by another program: refusing to replace it, "
			     "even with --force", path);
	return QREL_OK;
}

int
outpath_check(const char *path)
{
	struct stat st;
	bool exists;
	const char *hit;

	if (!path || !*path)
		return error(QREL_DENIED, "no output file named");
	exists = stat(path, &st) == 0;
	if ((hit = open_db_file(path, exists ? &st : NULL)))
		return error(QREL_DENIED, "%s is the open database or one of its files (%s): refusing to write "
			     "over it, even with --force", path, hit);
	if (journal_of_database(path))
		return error(QREL_DENIED, "%s: refusing to write it: SQLite would read it as the journal of the "
			     "database beside it; name another file", path);
	return exists ? check_existing(path, &st) : QREL_OK;
}

/* db.c: opens the store with its pragmas, migrates it, and keeps prepared statements. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/privilege.h"
#include "qrel/schema.h"
#include "qrel/util.h"

#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_STMT_CACHE 96

struct db_cached {
	const char *sql;	/* identity: callers pass static strings */
	sqlite3_stmt *stmt;
};

/* How long a statement waits for another connection's write lock. */
#define DB_BUSY_MS 5000

struct db {
	sqlite3 *h;
	char *path;
	bool readonly;
	bool team;	/* opened with the team group by a setgid qrel (open_team) */
	unsigned long commits;	/* by this connection, for screens' caches */
	struct db_cached cache[DB_STMT_CACHE];
	size_t ncache;
};

static int
status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: return QREL_FULL;
	case SQLITE_READONLY: return QREL_READONLY;
	case SQLITE_BUSY: case SQLITE_LOCKED: return QREL_LOCKED;
	case SQLITE_NOMEM: return QREL_NOMEM;
	case SQLITE_CONSTRAINT: return QREL_PARSE;
	case SQLITE_IOERR: case SQLITE_CANTOPEN: return QREL_IO;
	default: return QREL_DB;
	}
}

/* SQLite says "database or disk is full"; a person needs to know which file,
 * that the write was undone, and what to do. */
static int
full(struct db *db, const char *what)
{
	return error(QREL_FULL, "%s: %s: the disk is full (or the database reached its size limit): "
		     "nothing was written; free some space and try again", db->path, what);
}

int
db_fail(struct db *db, const char *what)
{
	int rc = sqlite3_extended_errcode(db->h);

	if (status_of(rc) == QREL_FULL)
		return full(db, what);
	return error(status_of(rc), "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

/* The trusting mode of [store] team_group: every member of the group can open
 * the file with sqlite3 and change anything (README, Team mode). */
static int
share_with_group(const char *path, const char *group)
{
	struct group *g = getgrnam(group);
	char *copy = xstrdup(path);
	int rc = QREL_OK;

	if (!g)
		rc = error(QREL_USAGE, "[store] team_group: no Unix group named '%s'", group);
	else if (chown(path, (uid_t)-1, g->gr_gid) != 0 || chown(dirname(copy), (uid_t)-1, g->gr_gid) != 0)
		rc = error(QREL_IO, "%s: cannot give it to group '%s': %s", path, group, strerror(errno));
	free(copy);
	return rc;
}

/* Creates the folder and an empty file with tight modes so SQLite never
 * creates them under the user's umask (its -wal and -shm copy the file's mode).
 * A setgid qrel creates in a team folder that exists already (set up by root):
 * 0660, the group from the folder, no chown. */
static int
create_private(const char *path, const char *group, bool setgid_team)
{
	bool team = setgid_team || (group && *group);
	int fd, rc = setgid_team ? QREL_OK : make_parent_dir(path, team ? 02770 : 0700);

	if (rc != QREL_OK)
		return rc;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, team ? 0660 : 0600);
	if (fd < 0 && errno != EEXIST)
		return error(QREL_IO, "%s: cannot create: %s", path, strerror(errno));
	if (fd >= 0) {
		/* umask may have narrowed the mode; a team file needs group access. */
		fchmod(fd, team ? 0660 : 0600);
		close(fd);
	}
	return team && !setgid_team ? share_with_group(path, group) : QREL_OK;
}

/* access() asks with the real group, which a setgid qrel holding the team
 * group does not have: ask with the effective one. */
static bool
can(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0;
}

/* A setgid qrel drops the team group for good once the open returns, so SQLite
 * must not need a file by name afterwards: the -wal and -shm are opened during
 * the open (the schema read and the migrations go through them); temporary
 * tables and sorts stay in memory, never in a file; the -wal stays small. At
 * close SQLite cannot stat the file (the folder is closed to the user), so it
 * neither checkpoints nor deletes the -wal: db_close checkpoints itself. */
static int
open_team(struct db *db)
{
	return db_exec(db, "PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 1048576");
}

static int
apply_pragmas(struct db *db)
{
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	if (db->team && open_team(db) != QREL_OK)
		return QREL_DB;
	if (db_exec(db, "PRAGMA foreign_keys = ON") != QREL_OK)
		return QREL_DB;
	if (db->readonly)
		return QREL_OK;
	/* WAL lets readers and one writer share the file; NORMAL is durable
	 * against a crash or kill of the process (never OFF). */
	if (db_exec(db, "PRAGMA journal_mode = WAL") != QREL_OK)
		return QREL_DB;
	return db_exec(db, "PRAGMA synchronous = NORMAL");
}

/* A URI for path with SQLite's reserved characters escaped, with room for a query. */
static char *
file_uri(const char *path)
{
	size_t n = strlen(path);
	char *uri = malloc(n * 3 + 32), *p = uri;

	if (!uri)
		return NULL;
	p += sprintf(p, "file:");
	for (; *path; path++)
		p += strchr("?#%", *path) ? sprintf(p, "%%%02X", (unsigned char)*path)
					  : sprintf(p, "%c", *path);
	*p = '\0';
	return uri;
}

static int
try_open(struct db *db, const char *name, int oflags)
{
	int rc = sqlite3_open_v2(name, &db->h, oflags, NULL), os;

	if (rc != SQLITE_OK && db->h && ((os = sqlite3_system_errno(db->h)) == EACCES || os == EPERM))
		return error(QREL_DENIED, "%s: permission denied: the file is not yours to open (its owner can "
			     "share a review with a team: README, Team mode)", db->path);
	if (rc != SQLITE_OK)
		return db->h ? db_fail(db, "cannot open")
			     : error(QREL_NOMEM, "%s: cannot open: out of memory", db->path);
	sqlite3_extended_result_codes(db->h, 1);
	/* Before the first read: a writer elsewhere must mean a wait, not an error. */
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	/* Reading the schema here turns "not a database" into an error now. */
	if (sqlite3_exec(db->h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "not a usable qrel database");
	return QREL_OK;
}

static int
open_handle(struct db *db, int flags)
{
	int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
	int rc;
	char *uri;

	db->readonly = (flags & DB_READONLY) || !can(db->path, W_OK);
	oflags |= db->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	/* Plain paths go through a URI too, so a name with '?' stays a name. */
	if (!(uri = file_uri(db->path)))
		return error(QREL_NOMEM, "out of memory");
	rc = try_open(db, uri, oflags);
	if (rc != QREL_OK && db->readonly && !can(db->path, W_OK)) {
		/* A WAL database in a folder we cannot write has no -shm to share:
		 * read it as a fixed snapshot instead. */
		sqlite3_close(db->h);
		db->h = NULL;
		strcat(uri, "?immutable=1");
		rc = try_open(db, uri, oflags);
	}
	free(uri);
	return rc == QREL_OK ? apply_pragmas(db) : rc;
}

static int
migrate(struct db *db)
{
	int have = db_schema_version(db);
	int want = db_schema_latest();

	if (have < 0)
		return db_fail(db, "cannot read schema version");
	if (have > want)
		return error(QREL_NEWER_SCHEMA,
			"%s: schema version %d is newer than this qrel understands (%d); "
			"upgrade qrel, the file was not changed", db->path, have, want);
	if (have < want && db->readonly)
		return error(QREL_READONLY, "%s: made by an older qrel (schema %d, this one needs %d) and "
			"read-only here: open it once with a qrel that may write it", db->path, have, want);
	/* A new file is made silently; an upgrade says so, as on a large review it
	 * takes a while (migration 20 took 33 s on 2,000,000 notes). */
	if (have > 0 && have < want)
		fprintf(stderr, "qrel: %s: upgrading the database from schema %d to %d, once "
			"(a large review may take a minute)\n", db->path, have, want);
	for (; have < want; have++) {
		char pragma[48];

		if (db_begin(db) != QREL_OK)
			return QREL_DB;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", have + 1);
		if (db_exec(db, schema_migrations[have]) != QREL_OK || db_exec(db, pragma) != QREL_OK) {
			int rc = error(QREL_DB, "%s: migration %d failed: %s", db->path, have + 1,
				error_message());
			db_rollback(db);
			return rc;
		}
		if (db_commit(db) != QREL_OK)
			return QREL_DB;
	}
	return QREL_OK;
}

/* A testing aid (doc/qrel.1, ENVIRONMENT): QREL_TEST_MAX_PAGES=N caps the file at
 * N pages (0: at its size now), so the next write that grows it fails as on a
 * full disk, without root or a small file system. */
static int
test_max_pages(struct db *db)
{
	const char *env = getenv("QREL_TEST_MAX_PAGES");
	char sql[64], *end;
	long long pages;

	if (!env || !*env || db->readonly)
		return QREL_OK;
	pages = strtoll(env, &end, 10);
	if (*end || pages < 0)
		return error(QREL_USAGE, "QREL_TEST_MAX_PAGES must be a number of pages, not '%s'", env);
	if (pages == 0)
		pages = db_int(db, "PRAGMA page_count");
	/* A pragma takes no bound parameter; the value is a number parsed above. */
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", pages);
	return db_exec(db, sql);
}

int
db_open(const char *path, int flags, struct db **out)
{
	return db_open_shared(path, flags & ~DB_TEAM, NULL, out);
}

static int
open_store(const char *path, int flags, const char *group, bool team, struct db **out)
{
	struct db *db = calloc(1, sizeof(*db));
	int rc;

	*out = NULL;
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return error(QREL_NOMEM, "out of memory");
	}
	db->team = team;
	if (!can(path, F_OK)) {
		if (errno == EACCES) {
			rc = error(QREL_DENIED, "%s: permission denied (a team review opens only through "
				   "a qrel installed setgid to its folder's group)", path);
			goto fail;
		}
		if (!(flags & DB_CREATE)) {
			rc = error(QREL_NOTFOUND, "%s: no such database (create one with `qrel init`)", path);
			goto fail;
		}
		if ((rc = create_private(path, flags & DB_TEAM ? group : NULL, team)) != QREL_OK)
			goto fail;
	}
	if ((rc = open_handle(db, flags)) != QREL_OK)
		goto fail;
	/* A command that only reads a file it could write, made by an older qrel,
	 * upgrades it first, as any command that writes would (a file we cannot
	 * write stays as it is, and migrate says so). */
	if ((flags & DB_READONLY) && can(path, W_OK) && db_schema_version(db) >= 0 &&
	    db_schema_version(db) < db_schema_latest()) {
		struct db *w;

		if ((rc = open_store(path, flags & ~(DB_READONLY | DB_CREATE), group, team, &w)) != QREL_OK)
			goto fail;
		db_close(w);
	}
	if ((rc = migrate(db)) != QREL_OK || (rc = test_max_pages(db)) != QREL_OK)
		goto fail;
	*out = db;
	return QREL_OK;
fail:
	db_close(db);
	return rc;
}

/* In a setgid qrel: whether path lies in a folder of the team group (asked
 * with the user's own rights, before the group is raised). */
static bool
in_team_folder(const char *path)
{
	char *copy = xstrdup(path);
	struct stat st;
	bool team = stat(dirname(copy), &st) == 0 && S_ISDIR(st.st_mode) && st.st_gid == privilege_group();

	free(copy);
	return team;
}

/* A setgid qrel opens one database, the review, with the team group if it lies
 * in a team folder; once the open returns the group is gone for good, whatever
 * the outcome (include/qrel/privilege.h). */
int
db_open_shared(const char *path, int flags, const char *group, struct db **out)
{
	bool team = privilege_held() && in_team_folder(path);
	int rc = team ? privilege_raise() : QREL_OK;

	if (rc == QREL_OK)
		rc = open_store(path, flags, group, team, out);
	else
		*out = NULL;
	privilege_end();
	return rc;
}

void
db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].stmt);
	/* Through the open descriptors, so the file itself is current (open_team). */
	if (db->team && db->h && !db->readonly)
		sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

sqlite3 *db_handle(struct db *db) { return db->h; }
const char *db_path(const struct db *db) { return db->path; }
bool db_readonly(const struct db *db) { return db->readonly; }
bool db_team(const struct db *db) { return db->team; }

int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return QREL_OK;
	if (status_of(rc) == QREL_FULL) {
		sqlite3_free(msg);
		return full(db, "writing");
	}
	rc = error(status_of(rc), "%s: %s", db->path, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

int
db_begin(struct db *db)
{
	if (db->readonly)
		return error(QREL_READONLY, "%s is open read-only: nothing can be changed", db->path);
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	int rc = db_exec(db, "COMMIT");

	if (rc != QREL_OK)
		db_rollback(db);
	else
		db->commits++;
	return rc;
}

int
db_quiet_begin(struct db *db)
{
	if (db->readonly || !sqlite3_get_autocommit(db->h))
		return QREL_READONLY;
	sqlite3_busy_timeout(db->h, 0);
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		return QREL_OK;
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	return QREL_DB;
}

int
db_quiet_end(struct db *db, bool commit)
{
	int rc = commit && sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? QREL_OK : QREL_DB;

	if (rc != QREL_OK)
		db_rollback(db);
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	return rc;
}

unsigned long
db_generation(struct db *db)
{
	long long others = db_int(db, "PRAGMA data_version");

	return db->commits + (unsigned long)(others > 0 ? others : 0);
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
db_read_begin(struct db *db, bool *began)
{
	*began = sqlite3_get_autocommit(db->h) != 0;
	return *began ? db_exec(db, "BEGIN") : QREL_OK;
}

/* Ends only what db_read_begin began; it wrote nothing, so no commit is counted. */
void
db_read_end(struct db *db, bool began)
{
	if (began && !sqlite3_get_autocommit(db->h) && sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		db_rollback(db);
}

sqlite3_stmt *
db_stmt(struct db *db, const char *sql)
{
	struct db_cached *c;

	for (size_t i = 0; i < db->ncache; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].stmt);
			sqlite3_clear_bindings(db->cache[i].stmt);
			return db->cache[i].stmt;
		}
	}
	if (db->ncache == DB_STMT_CACHE) {
		/* Full: drop the oldest that is not running (a caller may be stepping
		 * through it); statements are cheap to prepare again. */
		size_t old = 0;

		while (old < DB_STMT_CACHE && sqlite3_stmt_busy(db->cache[old].stmt))
			old++;
		if (old == DB_STMT_CACHE) {
			error(QREL_DB, "%s: too many queries running at once", db->path);
			return NULL;
		}
		sqlite3_finalize(db->cache[old].stmt);
		memmove(db->cache + old, db->cache + old + 1, (DB_STMT_CACHE - 1 - old) * sizeof(*db->cache));
		db->ncache--;
	}
	c = &db->cache[db->ncache];
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt, NULL) != SQLITE_OK) {
		db_fail(db, "cannot prepare query");
		return NULL;
	}
	c->sql = sql;
	db->ncache++;
	return c->stmt;
}

long long
db_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	long long v = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

int
db_schema_version(struct db *db)
{
	return (int)db_int(db, "PRAGMA user_version");
}

int
db_schema_latest(void)
{
	return (int)schema_migration_count;
}

static int
check_rows(struct db *db, const char *sql, FILE *out, const char *prefix)
{
	sqlite3_stmt *st;
	int problems = 0;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -db_fail(db, "check");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);

		if (a && strcmp(a, "ok") == 0)
			continue;
		fprintf(out, "%s%s", prefix, a ? a : "?");
		for (int i = 1; i < sqlite3_column_count(st); i++)
			fprintf(out, " %s", sqlite3_column_text(st, i) ? (const char *)sqlite3_column_text(st, i) : "");
		fputc('\n', out);
		problems++;
	}
	sqlite3_finalize(st);
	return problems;
}

int
db_check(struct db *db, FILE *out)
{
	int a = check_rows(db, "PRAGMA integrity_check", out, "integrity: ");
	int b = check_rows(db, "PRAGMA foreign_key_check", out, "broken reference in table ");

	if (a < 0 || b < 0)
		return QREL_DB;
	if (a + b)
		return error(QREL_DB, "%s: %d problem(s) found", db->path, a + b);
	return QREL_OK;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void
db_bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

int
db_step_done(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? QREL_OK : db_fail(db, what);

	sqlite3_reset(st);
	return ret;
}

const char *
db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

int
db_replace_list(struct db *db, const char *del, const char *ins, int64_t id, const char *list, const char *what)
{
	sqlite3_stmt *st = db_stmt(db, del);
	char *copy, *save = NULL;
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step_done(db, st, what)) != QREL_OK)
		return rc;
	copy = xstrdup(list);
	for (char *t = strtok_r(copy, ",", &save); t && rc == QREL_OK; t = strtok_r(NULL, ",", &save)) {
		if (!(st = db_stmt(db, ins))) {
			rc = QREL_DB;
			break;
		}
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, t);
		rc = db_step_done(db, st, what);
	}
	free(copy);
	return rc;
}

/* db.h: the SQLite connection: open with our pragmas, migrate, transactions, cached statements. */
#ifndef QREL_DB_H
#define QREL_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

enum db_flags {
	DB_CREATE = 1 << 0,	/* create the file (0600, or 0660 in team mode) if missing */
	DB_READONLY = 1 << 1,	/* open read-only even when writable */
	DB_TEAM = 1 << 2,	/* group-shared file and folder ([store] team_group: members trusted) */
};

int db_open(const char *path, int flags, struct db **out);
/* As db_open; a file created with DB_TEAM belongs to the Unix group named group.
 * In a setgid qrel, a file in a folder of the team group is opened with that
 * group, then the group is dropped for good (privilege.h); group is ignored there. */
int db_open_shared(const char *path, int flags, const char *group, struct db **out);
void db_close(struct db *db);
sqlite3 *db_handle(struct db *db);
const char *db_path(const struct db *db);
bool db_readonly(const struct db *db);
/* Opened with the team group by a setgid qrel: a team review, reachable only through qrel. */
bool db_team(const struct db *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. db_commit rolls back on failure. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* A read transaction, so that what follows reads one snapshot of the store;
 * nothing when a transaction is open already (it is that one's snapshot).
 * *began says whether this call began one, for db_read_end to end it. */
int db_read_begin(struct db *db, bool *began);
void db_read_end(struct db *db, bool began);

/* A write of derived data a reader keeps (a cache): BEGIN IMMEDIATE without
 * waiting for another writer, and only with no transaction open and the file
 * writable. Neither sets error() (a failure is no one's business) nor counts as
 * a commit in db_generation (nothing anyone shows changed). db_quiet_end
 * commits when commit, else (or when the commit fails) rolls back, and
 * restores the wait. */
int db_quiet_begin(struct db *db);
int db_quiet_end(struct db *db, bool commit);

/* Changes whenever anyone (this connection or another) commits: a screen that
 * caches what it read compares it to decide whether to read again. */
unsigned long db_generation(struct db *db);

/* A prepared statement for a static SQL string, kept across calls and reset
 * before it is handed out. NULL on error (error() is set). */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
int db_exec(struct db *db, const char *sql);
/* Turns the connection's last SQLite error into a status, with "what" in the message. */
int db_fail(struct db *db, const char *what);
/* Runs a one-row, one-integer query (bound text parameters follow), -1 on error. */
long long db_int(struct db *db, const char *sql);

int db_schema_version(struct db *db);
int db_schema_latest(void);
/* `PRAGMA integrity_check` and `foreign_key_check`; problems go to out, one a line. */
int db_check(struct db *db, FILE *out);

/* Binding helpers: text is copied (SQLITE_TRANSIENT); NULL binds SQL NULL. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A row id, or SQL NULL when id is 0 (none). */
void db_bind_id(sqlite3_stmt *st, int i, int64_t id);
/* Steps a statement that returns no row; QREL_OK or the mapped error. */
int db_step_done(struct db *db, sqlite3_stmt *st, const char *what);
const char *db_col_text(sqlite3_stmt *st, int i);
/* Replaces the rows of id in a link table: runs del (?1 id), then ins (?1 id,
 * ?2 item) for each item of list (comma-separated; empty items skipped). */
int db_replace_list(struct db *db, const char *del, const char *ins, int64_t id, const char *list,
		    const char *what);

#endif

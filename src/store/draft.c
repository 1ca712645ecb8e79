/* draft.c: the draft table: one row per key and person, replaced on every keystroke. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/draft.h"
#include "qrel/util.h"

/* One statement in autocommit mode is its own transaction: the text is on disk
 * (in the WAL) when this returns, without holding a write lock between keys. */
int
draft_save(struct db *db, const char *key, const char *who, const char *text)
{
	static const char sql[] = "INSERT INTO draft(key, who, text, updated_at) VALUES (?1, ?2, ?3, ?4) "
				  "ON CONFLICT (key, who) DO UPDATE SET text = excluded.text, "
				  "updated_at = excluded.updated_at";
	sqlite3_stmt *st;
	char now[21];

	if (db_readonly(db))
		return error(QREL_READONLY, "%s is open read-only: the draft cannot be kept", db_path(db));
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	clock_now(now);
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, who);
	db_bind_text(st, 3, text ? text : "");
	db_bind_text(st, 4, now);
	return db_step_done(db, st, "saving a draft");
}

char *
draft_load(struct db *db, const char *key, const char *who)
{
	static const char sql[] = "SELECT text FROM draft WHERE key = ?1 AND who = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	char *text = NULL;
	int rc;

	if (!st)
		return NULL;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, who);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		text = xstrdup(db_col_text(st, 0));
	else if (rc != SQLITE_DONE)
		db_fail(db, "reading a draft");
	sqlite3_reset(st);
	return text;
}

int
draft_clear(struct db *db, const char *key, const char *who)
{
	static const char sql[] = "DELETE FROM draft WHERE key = ?1 AND who = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, who);
	return db_step_done(db, st, "clearing a draft");
}

/* store.c: the review row, code and name lookups, and the append-only change log. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/identity.h"
#include "qrel/store.h"
#include "qrel/util.h"

static int64_t
lookup(struct db *db, const char *sql, int64_t review, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = 0;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		id = -db_fail(db, "lookup");
	sqlite3_reset(st);
	return id < 0 ? -1 : id;
}

int64_t
store_review_int(struct db *db, int64_t review, const char *sql)
{
	return lookup(db, sql, review, NULL);
}

int
store_review_row(struct db *db, const char *sql, int64_t id, int64_t review, const char *noun, sqlite3_stmt **row)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	char what[64];
	int rc;

	*row = NULL;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*row = st;
		return QREL_OK;
	}
	snprintf(what, sizeof(what), "reading the %s", noun);
	rc = rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no %s %lld in this review", noun, (long long)id) : db_fail(db, what);
	sqlite3_reset(st);
	return rc;
}

int64_t
store_review_id(struct db *db)
{
	static const char sql[] = "SELECT id FROM review WHERE ?1 IS NOT NULL OR ?2 IS NULL ORDER BY id LIMIT 1";

	return lookup(db, sql, 0, NULL);
}

int
store_review_create(struct db *db, const char *title, const char *district, int64_t framework_id,
		    int64_t *id)
{
	static const char sql[] = "INSERT INTO review(uuid, title, district, framework_id, created_at) "
				  "VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char uuid[UUID_LEN + 1], now[21];

	if (!st)
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	db_bind_text(st, 2, title);
	db_bind_text(st, 3, district ? district : "");
	sqlite3_bind_int64(st, 4, framework_id);
	db_bind_text(st, 5, now);
	if (db_step_done(db, st, "creating the review") != QREL_OK)
		return QREL_DB;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	return QREL_OK;
}

int64_t
store_site_id(struct db *db, int64_t review, const char *code)
{
	static const char sql[] = "SELECT id FROM site WHERE review_id = ? AND code = ? COLLATE NOCASE";

	return lookup(db, sql, review, code);
}

int
store_site_count(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT count(*) FROM site WHERE review_id = ?1 AND ?2 IS NULL";

	return (int)lookup(db, sql, review, NULL);
}

int64_t
store_person_id(struct db *db, int64_t review, const char *name)
{
	static const char sql[] = "SELECT id FROM person WHERE review_id = ? AND name = ?";

	return lookup(db, sql, review, name);
}

int64_t
store_cluster_id(struct db *db, int64_t review, const char *code)
{
	static const char sql[] = "SELECT c.id FROM cluster c JOIN review r ON r.framework_id = c.framework_id "
				  "WHERE r.id = ? AND c.code = lower(?)";

	return lookup(db, sql, review, code);
}

int
store_levels(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT f.levels FROM review r JOIN framework f ON f.id = r.framework_id "
				  "WHERE r.id = ? AND ?2 IS NULL";

	return (int)lookup(db, sql, review, NULL);
}

int64_t
store_framework_id(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT framework_id FROM review WHERE id = ? AND ?2 IS NULL";

	return lookup(db, sql, review, NULL);
}

int64_t
store_site_step(struct db *db, int64_t review, int64_t site, int dir)
{
	static const char next[] =
		"SELECT id FROM (SELECT id FROM site WHERE review_id = ?1 AND "
		"code > coalesce((SELECT code FROM site WHERE id = ?2), '') ORDER BY code LIMIT 1) "
		"UNION ALL SELECT id FROM (SELECT id FROM site WHERE review_id = ?1 ORDER BY code LIMIT 1) LIMIT 1";
	static const char prev[] =
		"SELECT id FROM (SELECT id FROM site WHERE review_id = ?1 AND "
		"code < (SELECT code FROM site WHERE id = ?2) ORDER BY code DESC LIMIT 1) "
		"UNION ALL SELECT id FROM (SELECT id FROM site WHERE review_id = ?1 ORDER BY code DESC LIMIT 1) LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, dir < 0 ? prev : next);
	int64_t id = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static int
copy_columns(struct db *db, const char *sql, int64_t id, char *a, size_t na, char *b, size_t nb)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(a, na, "%s", db_col_text(st, 0));
		if (b)
			snprintf(b, nb, "%s", db_col_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : error(QREL_NOTFOUND, "row %lld not found", (long long)id);
}

int
store_site_info(struct db *db, int64_t site, char *code, size_t ncode, char *name, size_t nname)
{
	static const char sql[] = "SELECT code, name FROM site WHERE id = ?";

	return copy_columns(db, sql, site, code, ncode, name, nname);
}

int
store_review_title(struct db *db, int64_t review, char *title, size_t n)
{
	static const char sql[] = "SELECT title FROM review WHERE id = ?";

	return copy_columns(db, sql, review, title, n, NULL, 0);
}

int
store_lead_name(struct db *db, int64_t review, char *name, size_t n)
{
	static const char sql[] = "SELECT name FROM person WHERE review_id = ? AND role = 'lead' ORDER BY id LIMIT 1";

	return copy_columns(db, sql, review, name, n, NULL, 0);
}

int
store_member(struct db *db, int64_t review, const char *name, int64_t id, struct store_member *m)
{
	static const char sql[] = "SELECT id, name, role, coalesce(site_id, 0), coalesce(login, '') FROM person "
				  "WHERE review_id = ?1 AND (name = ?2 OR id = ?3)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(m, 0, sizeof(*m));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, name ? 0 : id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m->id = sqlite3_column_int64(st, 0);
		snprintf(m->name, sizeof(m->name), "%s", db_col_text(st, 1));
		snprintf(m->role, sizeof(m->role), "%s", db_col_text(st, 2));
		m->site = sqlite3_column_int64(st, 3);
		snprintf(m->login, sizeof(m->login), "%s", db_col_text(st, 4));
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "looking up a member");
	sqlite3_reset(st);
	return rc;
}

int
changelog_add(struct db *db, int64_t review, const char *who, const char *entity,
	      const char *entity_uuid, const char *field, const char *old_value,
	      const char *new_value, const char *reason)
{
	static const char sql[] = "INSERT INTO change_log(uuid, review_id, at, who, entity, entity_uuid, "
				  "field, old, new, reason, login, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char uuid[UUID_LEN + 1], now[21];

	if (!st)
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	if (review > 0)
		sqlite3_bind_int64(st, 2, review);
	else
		sqlite3_bind_null(st, 2);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, who);
	db_bind_text(st, 5, entity);
	db_bind_text(st, 6, entity_uuid);
	db_bind_text(st, 7, field);
	db_bind_text(st, 8, old_value);
	db_bind_text(st, 9, new_value);
	db_bind_text(st, 10, reason ? reason : "");
	db_bind_text(st, 11, *identity_login() ? identity_login() : NULL);
	sqlite3_bind_int64(st, 12, identity_uid());
	return db_step_done(db, st, "writing the change log");
}

int
store_forget_row(struct db *db, const char *sql, int64_t review, const char *uuid, bool *gone)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*gone = false;
	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = db_step_done(db, st, "forgetting a row the login no longer reads")) == QREL_OK)
		*gone = sqlite3_changes(db_handle(db)) > 0;
	return rc;
}

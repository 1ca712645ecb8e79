/* hub.c: connecting to the PostgreSQL hub, its migrations, and what its administrator does. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"
#include "qrel/sync.h"
#include "qrel/util.h"

/* ---- results and errors ---- */

/* The first line of what the server said, without its "ERROR:  " prefix. */
static void
pq_message(PGconn *c, PGresult *r, char *out, size_t n)
{
	const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(out, n, "%s", m ? m : PQerrorMessage(c));
	out[strcspn(out, "\n")] = '\0';
}

/* Turns a failed result into a status: a policy or a trigger's refusal is
 * QREL_DENIED, a value off the scale QREL_PARSE, the rest QREL_DB. */
int
hub_fail(PGconn *c, PGresult *r, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	char msg[512];
	int code = QREL_DB;

	pq_message(c, r, msg, sizeof(msg));
	if (state && (strcmp(state, "42501") == 0 || strncmp(state, "23", 2) == 0))
		code = strcmp(state, "23514") == 0 ? QREL_PARSE : QREL_DENIED;
	if (r)
		PQclear(r);
	return error(code, "the hub refused %s: %s", what, msg);
}

/* Runs sql with n text parameters; QREL_OK with *out (the caller clears it)
 * when it returned rows or none. */
int
hub_query(PGconn *c, const char *sql, int n, const char *const *params, const char *what, PGresult **out)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
		return hub_fail(c, r, what);
	if (out)
		*out = r;
	else
		PQclear(r);
	return QREL_OK;
}

int
hub_exec(PGconn *c, const char *sql, const char *what)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		return hub_fail(c, r, what);
	PQclear(r);
	return QREL_OK;
}

void
hub_rollback(PGconn *c)
{
	PQclear(PQexec(c, "ROLLBACK"));
}

/* ---- connecting ---- */

/* A password on the command line ends up in the shell's history and in ps. */
static int
check_url(const char *url)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &err);
	int rc = QREL_OK;

	if (!opts) {
		rc = error(QREL_USAGE, "not a connection string: %s", err ? err : "out of memory");
		PQfreemem(err);
		return rc;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			rc = error(QREL_USAGE, "the connection string holds a password: put it in ~/.pgpass or "
				   "PGPASSWORD instead (a command line is visible to others)");
	PQconninfoFree(opts);
	return rc;
}

int
hub_connect(const char *url, PGconn **out)
{
	PGconn *c;
	char msg[512];
	int rc;

	*out = NULL;
	if ((rc = hub_libpq_load()) != QREL_OK || (rc = check_url(url)) != QREL_OK)
		return rc;
	c = PQconnectdb(url);
	if (!c)
		return error(QREL_NOMEM, "out of memory connecting to the hub");
	if (PQstatus(c) != CONNECTION_OK) {
		pq_message(c, NULL, msg, sizeof(msg));
		PQfinish(c);
		return error(QREL_IO, "cannot connect to the hub: %s", msg);
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	*out = c;
	return QREL_OK;
}

void
hub_close(PGconn *c)
{
	if (c)
		PQfinish(c);
}

/* ---- migrations ---- */

int
hub_version(PGconn *c, int *version)
{
	PGresult *r = NULL;
	int rc = hub_query(c, "SELECT to_regclass('hub.meta') IS NOT NULL", 0, NULL, "reading its schema version", &r);
	bool has = rc == QREL_OK && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;

	if (r)
		PQclear(r);
	*version = 0;
	if (rc == QREL_DENIED) {	/* no USAGE on schema hub: a login nobody made a member */
		char why[512];

		snprintf(why, sizeof(why), "%s", error_message());
		return error(rc, "this login may not use the hub (%s): its administrator maps it to a person "
			     "with `qrel hub grant`", why);
	}
	if (rc != QREL_OK || !has)
		return rc;
	rc = hub_query(c, "SELECT value::int FROM hub.meta WHERE key = 'schema'", 0, NULL, "reading its schema version", &r);
	if (rc != QREL_OK)
		return rc;
	*version = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return QREL_OK;
}

static int
migrate(PGconn *c, int from)
{
	char v[16];
	const char *p[1] = { v };
	int rc;

	for (size_t i = (size_t)from; i < hub_migration_count; i++) {
		char what[64];

		snprintf(what, sizeof(what), "migration %zu", i + 1);
		if ((rc = hub_exec(c, hub_migrations[i], what)) != QREL_OK)
			return rc;
	}
	snprintf(v, sizeof(v), "%zu", hub_migration_count);
	return hub_query(c, "INSERT INTO hub.meta(key, value) VALUES ('schema', $1) "
			 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", 1, p, "recording its version", NULL);
}

int
hub_init(PGconn *c, int *from, int *to)
{
	int rc;

	*to = (int)hub_migration_count;
	/* Two inits at once: the second waits, then finds the first's work. */
	if ((rc = hub_exec(c, "BEGIN; SELECT pg_advisory_xact_lock(7135001)", "starting the migration")) != QREL_OK)
		return rc;
	if ((rc = hub_version(c, from)) == QREL_OK && *from > *to)
		rc = error(QREL_NEWER_SCHEMA, "the hub's schema is version %d, newer than this qrel's %d: "
			   "upgrade qrel", *from, *to);
	if (rc == QREL_OK && *from < *to)
		rc = migrate(c, *from);
	if (rc == QREL_OK)
		return hub_exec(c, "COMMIT", "committing the migration");
	hub_rollback(c);
	return rc;
}

/* A hub this qrel can use: migrated, and not newer. */
int
hub_check_version(PGconn *c)
{
	int v, rc;

	if ((rc = hub_version(c, &v)) != QREL_OK)
		return rc;
	if (v == 0)
		return error(QREL_NOTFOUND, "the database holds no qrel hub: run `qrel hub init URL` first");
	if (v > (int)hub_migration_count)
		return error(QREL_NEWER_SCHEMA, "the hub's schema is version %d, newer than this qrel's %zu: upgrade qrel",
			     v, hub_migration_count);
	if (v < (int)hub_migration_count)
		return error(QREL_USAGE, "the hub's schema is version %d, older than this qrel's %zu: "
			     "its administrator runs `qrel hub init URL`", v, hub_migration_count);
	return QREL_OK;
}

/* ---- the review's identity ---- */

/* Copies each row of a local query into the hub: sql's columns are the hub
 * statement's parameters, in order. */
static int
copy_rows(PGconn *c, struct db *db, int64_t review, const char *sql, const char *hub_sql, const char *what,
	  long long *count)
{
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "reading the review");
	sqlite3_bind_int64(st, 1, review);
	while (rc == QREL_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *p[12];
		int n = sqlite3_column_count(st);

		for (int i = 0; i < n && i < 12; i++)
			p[i] = (const char *)sqlite3_column_text(st, i);
		if ((rc = hub_query(c, hub_sql, n, p, what, NULL)) == QREL_OK && count)
			(*count)++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The review's subgroup tables summed to the district per year, metric,
 * dimension and group (a district site's own rows when it has them, else its
 * schools'), replacing what the hub held: the lead's push and add-review. */
int
hub_push_subgroups(PGconn *c, struct db *db, int64_t review, const char *uuid)
{
	static const char local[] =
		"SELECT v.uuid, r.year, m.code, m.name, m.direction, r.dimension, r.grp, sum(r.enrolled), sum(r.count) "
		"FROM subgroup_row r JOIN review v ON v.id = r.review_id JOIN site s ON s.id = r.site_id "
		"JOIN metric m ON m.id = r.metric_id WHERE r.review_id = ?1 AND s.kind = CASE WHEN EXISTS "
		"(SELECT 1 FROM subgroup_row d JOIN site ds ON ds.id = d.site_id WHERE d.review_id = ?1 "
		"AND ds.kind = 'district' AND d.year = r.year AND d.metric_id = r.metric_id) THEN 'district' "
		"ELSE 'school' END GROUP BY r.year, m.id, r.dimension, r.grp";
	static const char hub[] = "INSERT INTO hub.subgroup(review, year, metric, name, direction, dimension, grp, "
		"enrolled, count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint)";
	const char *p[1] = { uuid };
	int rc = hub_query(c, "DELETE FROM hub.subgroup WHERE review = $1", 1, p, "the review's subgroup tables", NULL);

	return rc == QREL_OK ? copy_rows(c, db, review, local, hub, "a subgroup table", NULL) : rc;
}

static const struct {
	const char *local, *hub, *what;
} identity_rows[] = {
	{ "SELECT r.uuid, r.title, r.district, f.code, f.version, f.levels, coalesce(substr(r.starts, 1, 4), ''), "
	  "CASE WHEN r.locked THEN 'true' ELSE 'false' END, CASE WHEN r.released THEN 'true' ELSE 'false' END "
	  "FROM review r JOIN framework f ON f.id = r.framework_id WHERE r.id = ?1",
	  "INSERT INTO hub.review(uuid, title, district, framework, framework_version, levels, year, locked, released) "
	  "VALUES ($1, $2, $3, $4, $5, $6::int, $7, $8::boolean, $9::boolean) ON CONFLICT (uuid) DO UPDATE SET "
	  "title = excluded.title, district = excluded.district, year = excluded.year, locked = excluded.locked, "
	  "released = excluded.released", "the review" },
	{ "SELECT r.uuid, c.code, c.title, d.code, c.position FROM review r JOIN cluster c "
	  "ON c.framework_id = r.framework_id JOIN domain d ON d.id = c.domain_id WHERE r.id = ?1",
	  "INSERT INTO hub.cluster(review, code, title, domain, position) VALUES ($1, $2, $3, $4, $5::int) "
	  "ON CONFLICT (review, code) DO NOTHING", "a cluster" },
	{ "SELECT s.uuid, r.uuid, s.code, s.name, s.kind, CASE WHEN s.locked THEN 'true' ELSE 'false' END, "
	  "CASE WHEN s.released THEN 'true' ELSE 'false' END FROM site s JOIN review r ON r.id = s.review_id "
	  "WHERE s.review_id = ?1",
	  "INSERT INTO hub.site(uuid, review, code, name, kind, locked, released) VALUES ($1, $2, $3, $4, $5, "
	  "$6::boolean, $7::boolean) ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, "
	  "locked = excluded.locked, released = excluded.released", "a site" },
	{ "SELECT p.uuid, r.uuid, p.name, p.role, s.uuid FROM person p JOIN review r ON r.id = p.review_id "
	  "LEFT JOIN site s ON s.id = p.site_id WHERE p.review_id = ?1",
	  "INSERT INTO hub.person(uuid, review, name, role, site) VALUES ($1, $2, $3, $4, $5) "
	  "ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, role = excluded.role, site = excluded.site",
	  "a person" },
};

int
hub_add_review(PGconn *c, struct db *db, int64_t review, const char *lead, struct hub_review_stats *st)
{
	long long *counts[] = { NULL, &st->clusters, &st->sites, &st->people };
	struct hub_sync_stats ss;
	char uuid[64] = "";
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = hub_check_version(c)) != QREL_OK || (rc = hub_exec(c, "BEGIN", "starting")) != QREL_OK)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(identity_rows) && rc == QREL_OK; i++)
		rc = copy_rows(c, db, review, identity_rows[i].local, identity_rows[i].hub, identity_rows[i].what,
			       counts[i]);
	if (rc == QREL_OK && (rc = sync_review_uuid(db, review, uuid)) == QREL_OK && !*uuid)
		rc = error(QREL_NOTFOUND, "no review in the file");
	if (rc == QREL_OK && (rc = hub_seed(c, db, review, lead, uuid, &ss)) == QREL_OK)
		st->rows = ss.inserted + ss.updated;
	if (rc == QREL_OK)
		rc = hub_push_subgroups(c, db, review, uuid);
	if (rc == QREL_OK)
		return hub_exec(c, "COMMIT", "committing the review");
	hub_rollback(c);
	return rc;
}

/* ---- members ---- */

/* The login becomes a member of the hub; made (without a password: the
 * administrator sets one, or the server trusts the system's users) when new. */
static int
grant_role(PGconn *c, const char *login)
{
	const char *p[1] = { login };
	char *id, sql[256];
	PGresult *r = NULL;
	bool exists;
	int rc;

	if ((rc = hub_query(c, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, p, "reading the logins", &r)) != QREL_OK)
		return rc;
	exists = PQntuples(r) > 0;
	PQclear(r);
	if (!(id = PQescapeIdentifier(c, login, strlen(login))))
		return error(QREL_NOMEM, "out of memory");
	snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN", id);
	rc = exists ? QREL_OK : hub_exec(c, sql, "making the login");
	snprintf(sql, sizeof(sql), "GRANT qrel_member TO %s", id);
	if (rc == QREL_OK)
		rc = hub_exec(c, sql, "making the login a member");
	PQfreemem(id);
	return rc;
}

/* The person, of role when not NULL, and the login nobody else's in the review. */
static int
grant_check(PGconn *c, const char *const p[3], const char *role)
{
	PGresult *r = NULL;
	int rc;

	rc = hub_query(c, "SELECT role, (SELECT name FROM hub.person WHERE review = $1 AND login = $3 "
			   "AND name <> $2) FROM hub.person WHERE review = $1 AND name = $2 FOR UPDATE", 3, p,
			   "reading the person", &r);

	if (rc != QREL_OK)
		return rc;
	if (PQntuples(r) != 1)
		rc = error(QREL_NOTFOUND, "review %s on the hub has no person %s (the lead adds them to the review, "
			   "then `qrel hub add-review`)", p[0], p[1]);
	else if (role && strcmp(role, PQgetvalue(r, 0, 0)) != 0)
		rc = error(QREL_DENIED, "%s is a %s in the review, not a %s: roles change in the review (the lead), "
			   "then `qrel hub add-review`", p[1], PQgetvalue(r, 0, 0), role);
	else if (!PQgetisnull(r, 0, 1))
		rc = error(QREL_DENIED, "login %s is already %s's in this review: one login, one person", p[2],
			   PQgetvalue(r, 0, 1));
	PQclear(r);
	return rc;
}

int
hub_grant(PGconn *c, const char *review, const char *name, const char *login, const char *role)
{
	const char *p[3] = { review, name, login };
	int rc;

	if ((rc = hub_check_version(c)) != QREL_OK || (rc = hub_exec(c, "BEGIN", "starting")) != QREL_OK)
		return rc;
	if ((rc = grant_check(c, p, role)) == QREL_OK)
		rc = hub_query(c, "UPDATE hub.person SET login = $3 WHERE review = $1 AND name = $2", 3, p,
			       "granting the login", NULL);
	if (rc == QREL_OK)
		rc = grant_role(c, login);
	if (rc == QREL_OK)
		return hub_exec(c, "COMMIT", "committing the grant");
	hub_rollback(c);
	return rc;
}

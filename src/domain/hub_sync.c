/* hub_sync.c: `qrel sync push|pull --hub`: a bundle's rows to the hub in one
 * transaction, and the hub's rows back as bundles, merged as bundles are. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/findings.h"
#include "qrel/hub.h"
#include "qrel/hub_pq.h"
#include "qrel/hub_report.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/sync.h"
#include "qrel/visibility.h"
#include "qrel/util.h"

#include <sodium.h>

#define HUB_PEER "(hub)"	/* the sync_peer row that holds what was pushed */
#define PROGRESS_EVERY 1000	/* rows between progress lines */
/* Rows in one of a pull's bundles: a large pull goes in several, each well
 * inside what a bundle's import accepts (SYNC_MAX_FILE, SYNC_MAX_SECONDS). */
#define PULL_BUNDLE_ROWS 10000

struct push {
	struct db *db;
	PGconn *pg;
	int64_t review;
	const char *uuid;		/* the review's */
	struct hub_sync_stats *st;
	FILE *progress;
	bool lead;		/* the login is the review's lead */
	long long total;
	char (*agreed)[2][40];	/* entity and uuid of changed rows the hub now holds as sent */
	size_t nagreed, cap;
};

/* ---- who is pushing or pulling ---- */

/* The person the login is in the review on the hub must be who here. */
static int
same_person(PGconn *pg, const char *review, const char *who)
{
	const char *p[1] = { review };
	PGresult *r = NULL;
	int rc = hub_query(pg, "SELECT name FROM hub.person WHERE review = $1 AND login = session_user::text", 1, p,
			   "reading who the login is", &r);

	if (rc != QREL_OK)
		return rc;
	if (PQntuples(r) != 1)
		rc = error(QREL_DENIED, "the hub login is nobody in this review (its administrator maps logins to "
			   "people with `qrel hub grant`)");
	else if (strcmp(PQgetvalue(r, 0, 0), who) != 0)
		rc = error(QREL_DENIED, "the hub login is %s in this review, but here you are %s", PQgetvalue(r, 0, 0),
			   *who ? who : "nobody");
	PQclear(r);
	return rc;
}

/* Connects, checks the hub's schema and who the login is. */
static int
hub_open(struct db *db, int64_t review, const char *who, const char *url, char uuid[64], PGconn **pg)
{
	int rc;

	*pg = NULL;
	if ((rc = sync_review_uuid(db, review, uuid)) != QREL_OK || (rc = hub_connect(url, pg)) != QREL_OK)
		return rc;
	if ((rc = hub_check_version(*pg)) != QREL_OK || (rc = same_person(*pg, uuid, who)) != QREL_OK) {
		hub_close(*pg);
		*pg = NULL;
	}
	return rc;
}

/* ---- push: one row ---- */

/* Each kind of row: the bundle's rows with the uuids the hub keys on, the
 * hub's value, and how to insert, update and ask whether the login may write it. */
struct kind {
	const char *entity;
	const char *rows;	/* ?1 review; columns: uuid, value, base, version, then the insert's $2... */
	int params;		/* the insert's parameters after uuid */
	const char *read;	/* the hub's rows among $1 (an array of uuids), by uuid in byte order */
	const char *insert, *update;
	const char *insert_many;	/* the insert's rows at once: each parameter an array, RETURNING uuid */
	int update_params;	/* the update's: uuid, then the insert's from $2 on, this many */
	const char *may;
	int may_from, may_n;	/* the may query's parameters: the insert's, from this index */
};

static const struct kind kinds[] = {
	{ "score",
	  "SELECT b.uuid, " SYNC_SCORE_VALUE("b") ", b.base, b.version, r.uuid, s.uuid, b.cluster, p.uuid, b.kind, "
	  "b.level, b.insufficient, b.rationale, b.updated_at, b.version FROM bundle.score b "
	  "JOIN main.review r ON r.id = ?1 JOIN main.site s ON s.review_id = ?1 AND s.code = b.site "
	  "JOIN main.person p ON p.review_id = ?1 AND p.name = b.rater ORDER BY b.uuid", 10,
	  "SELECT uuid, hub.score_value(x), x.version FROM hub.score x WHERE uuid = ANY ($1::text[]) "
	  "ORDER BY uuid COLLATE \"C\"",
	  "INSERT INTO hub.score(uuid, review, site, cluster, rater, kind, level, insufficient, rationale, updated_at, "
	  "version) VALUES ($1, $2, $3, $4, $5, $6, $7::int, $8::int, $9, $10, $11::bigint) ON CONFLICT DO NOTHING",
	  "UPDATE hub.score SET level = $7::int, insufficient = $8::int, rationale = $9, updated_at = $10, "
	  "version = greatest(version + 1, $11::bigint) WHERE uuid = $1 AND review = $2 AND site = $3 AND cluster = $4 "
	  "AND rater = $5 AND kind = $6",
	  "INSERT INTO hub.score(uuid, review, site, cluster, rater, kind, level, insufficient, rationale, updated_at, "
	  "version) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
	  "$7::int[], $8::int[], $9::text[], $10::text[], $11::bigint[]) ON CONFLICT DO NOTHING RETURNING uuid", 10,
	  "SELECT hub.score_writable($1, $2, $4, $5) AND $3::text IS NOT NULL", 1, 5 },
	{ "note",
	  "SELECT b.uuid, " SYNC_NOTE_VALUE("b") ", b.base, b.version, r.uuid, s.uuid, p.uuid, b.activity, b.source, "
	  "b.valence, b.text, coalesce(b.clusters, ''), coalesce(b.subgroups, ''), b.created_at, b.updated_at, "
	  "b.deleted_at, b.version FROM bundle.note b JOIN main.review r ON r.id = ?1 "
	  "JOIN main.site s ON s.review_id = ?1 AND s.code = b.site "
	  "JOIN main.person p ON p.review_id = ?1 AND p.name = b.author ORDER BY b.created_at, b.uuid", 13,
	  "SELECT uuid, hub.note_value(x), x.version FROM hub.note x WHERE uuid = ANY ($1::text[]) "
	  "ORDER BY uuid COLLATE \"C\"",
	  "INSERT INTO hub.note(uuid, review, site, author, activity, source, valence, text, clusters, subgroups, "
	  "created_at, updated_at, deleted_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	  "$14::bigint) ON CONFLICT (uuid) DO NOTHING",
	  "UPDATE hub.note SET valence = $7, text = $8, clusters = $9, subgroups = $10, updated_at = $12, "
	  "deleted_at = $13, version = greatest(version + 1, $14::bigint) WHERE uuid = $1 AND review = $2 AND site = $3 "
	  "AND author = $4 AND $5::text IS NOT DISTINCT FROM $5 AND $6::text IS NOT DISTINCT FROM $6 "
	  "AND $11::text IS NOT DISTINCT FROM $11",
	  "INSERT INTO hub.note(uuid, review, site, author, activity, source, valence, text, clusters, subgroups, "
	  "created_at, updated_at, deleted_at, version) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
	  "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
	  "$13::text[], $14::bigint[]) ON CONFLICT (uuid) DO NOTHING RETURNING uuid", 13,
	  "SELECT hub.note_writable($1, $2, $3)", 1, 3 },
};

/* The hub's side of the decision: it has no base of its own; a row the copy
 * changed from a value the hub no longer holds is a conflict. */
static enum sync_action
hub_decide(const char *hv, long long hver, const char *cv, const char *cb, long long cver)
{
	if (strcmp(cv, hv) != 0 && cb && strcmp(cb, hv) != 0)
		return SYNC_CONFLICT;
	return sync_decide(hv, NULL, hver, cv, cb, cver);
}

static int
row_refused(const struct kind *k, const char *uuid, int rc)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", error_message());
	return error(rc == QREL_DB ? QREL_DB : rc, "%s %s: %s; nothing was pushed", k->entity, uuid, why);
}

static int
may_write(struct push *ps, const struct kind *k, const char *const *p)
{
	PGresult *r = NULL;
	int rc = hub_query(ps->pg, k->may, k->may_n, p + k->may_from, "asking the rules", &r);

	if (rc == QREL_OK) {
		if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
			rc = error(QREL_DENIED, "this login may not write it (role, own school or owner)");
		PQclear(r);
	}
	return rc;
}

static int
record_conflict(struct push *ps, const struct kind *k, const char *const *p, const char *hv, const char *cv,
		const char *cver)
{
	const char *q[6] = { ps->uuid, k->entity, p[0], hv, cv, cver };
	PGresult *r = NULL;
	int rc;

	if ((rc = may_write(ps, k, p)) != QREL_OK)
		return rc;
	rc = hub_query(ps->pg, "INSERT INTO hub.conflict(review, entity, uuid, hub_value, pushed_value, pushed_version) "
		       "VALUES ($1, $2, $3, $4, $5, $6::bigint) ON CONFLICT DO NOTHING", 6, q, "recording a conflict", &r);
	if (rc == QREL_OK) {
		ps->st->conflicts += atoll(PQcmdTuples(r));
		PQclear(r);
	}
	return rc;
}

/* Runs the prepared insert or update (push_kind's) with p; n rows written,
 * or the rules said no. Prepared once: planning the policies is most of a row's cost. */
static int
write_row(struct push *ps, const char *name, int n, const char *const *p, long long *count)
{
	PGresult *r = PQexecPrepared(ps->pg, name, n, p, NULL, NULL, 0);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? QREL_OK : hub_fail(ps->pg, r, "the row");

	if (rc == QREL_OK) {
		*count = atoll(PQcmdTuples(r));
		PQclear(r);
	}
	return rc;
}

/* A row changed here (it has a base) that the hub now holds as sent: once
 * the push commits it is settled, as when a peer's bundle agrees. */
static void
agree(struct push *ps, const struct kind *k, const char *uuid, const char *base)
{
	if (!base)
		return;
	if (ps->nagreed == ps->cap) {
		void *more = realloc(ps->agreed, (ps->cap ? 2 * ps->cap : 64) * sizeof(*ps->agreed));

		if (!more)
			return;	/* out of memory: the row keeps its base (a later pull may list a conflict) */
		ps->agreed = more;
		ps->cap = ps->cap ? 2 * ps->cap : 64;
	}
	snprintf(ps->agreed[ps->nagreed][0], 40, "%s", k->entity);
	snprintf(ps->agreed[ps->nagreed][1], 40, "%s", uuid);
	ps->nagreed++;
}

static int
settle_agreed(struct push *ps)
{
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (!ps->nagreed)
		return QREL_OK;
	if ((rc = db_begin(ps->db)) != QREL_OK)
		return rc;
	for (size_t i = 0; i < ps->nagreed && rc == QREL_OK; i++) {
		if (!(st = db_stmt(ps->db, "DELETE FROM sync_base WHERE entity = ?1 AND uuid = ?2")))
			rc = QREL_DB;
		else {
			db_bind_text(st, 1, ps->agreed[i][0]);
			db_bind_text(st, 2, ps->agreed[i][1]);
			rc = db_step_done(ps->db, st, "settling a pushed row");
		}
	}
	if (rc == QREL_OK)
		return db_commit(ps->db);
	db_rollback(ps->db);
	return rc;
}

/* The hub's row under uuid p[0] (the copy's is mine): the decision of
 * sync.c's merge, the hub's value kept on a conflict. */
static int
push_existing(struct push *ps, const struct kind *k, const char *const *p, const char *mine, const char *hv,
	      long long hver, const char *cv, const char *cb, const char *cver)
{
	long long n = 0;
	int rc;

	switch (hub_decide(hv, hver, cv, cb, atoll(cver))) {
	case SYNC_SAME:
		agree(ps, k, mine, cb);
		/* fall through */
	case SYNC_KEEP:
		ps->st->unchanged++;
		return QREL_OK;
	case SYNC_STALE:
		ps->st->stale++;
		return QREL_OK;
	case SYNC_TAKE:
		if ((rc = write_row(ps, "qrel_update", k->update_params + 1, p, &n)) != QREL_OK)
			return rc;
		if (n == 0)
			return error(QREL_DENIED, "this login may not change it (role, own school or owner)");
		agree(ps, k, mine, cb);
		ps->st->updated++;
		return QREL_OK;
	case SYNC_CONFLICT:
	default:
		return record_conflict(ps, k, p, hv, cv, cver);
	}
}

/* The hub's row (uuid, value, version) for uuid among the sorted rows of
 * hub, or -1: a binary search. */
static int
hub_row(PGresult *hub, const char *uuid)
{
	int lo = 0, hi = PQntuples(hub) - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(PQgetvalue(hub, mid, 0), uuid);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---- push: the writes, sent in batches ---- */

/* A write queued for the next batch: the row's parameters (copies), the
 * copy's value, base and version, and what the hub answered. */
struct sent {
	char *p[16];
	char *cv, *cb, *cver;
	bool update;
	long long n;
};

/* Writes in flight at once: the answers are small, so the server never
 * blocks on a client that is still sending. */
#define BATCH_ROWS 256

struct batch {
	struct sent q[BATCH_ROWS];
	size_t n;
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		for (size_t j = 0; j < ARRAY_SIZE(b->q[i].p); j++)
			free(b->q[i].p[j]);
		free(b->q[i].cv);
		free(b->q[i].cb);
		free(b->q[i].cver);
	}
	memset(b->q, 0, b->n * sizeof(b->q[0]));
	b->n = 0;
}

/* Two copies may each have created the score of one cell (site, cluster,
 * rater, kind) under their own uuids: the hub's is the same row, merged as
 * sync.c's merge_score does, a conflict kept for the lead. Else the insert
 * met a row this login cannot read. */
static int
same_cell(struct push *ps, const struct kind *k, struct sent *s)
{
	static const char cell[] = "SELECT uuid, hub.score_value(x), x.version FROM hub.score x WHERE review = $1 "
		"AND site = $2 AND cluster = $3 AND rater = $4 AND kind = $5";
	PGresult *r = NULL;
	int rc;

	if (strcmp(k->entity, "score") != 0) {
		ps->st->hidden++;
		return QREL_OK;
	}
	if ((rc = hub_query(ps->pg, cell, 5, (const char *const *)s->p + 1, "reading the score's cell", &r)) != QREL_OK)
		return rc;
	if (PQntuples(r) == 1) {
		const char *p[16], *mine = s->p[0];

		memcpy(p, s->p, sizeof(p));
		p[0] = PQgetvalue(r, 0, 0);
		rc = push_existing(ps, k, p, mine, PQgetvalue(r, 0, 1), atoll(PQgetvalue(r, 0, 2)), s->cv, s->cb,
				   s->cver);
	} else
		ps->st->hidden++;
	PQclear(r);
	return rc;
}

/* The batch's answers, in the order sent (rows idx[0..sent) of the batch);
 * the first refusal refuses the push. */
static int
batch_results(struct push *ps, const struct kind *k, struct batch *b, const size_t *idx, size_t sent)
{
	PGresult *r;
	int rc = QREL_OK;

	for (size_t i = 0; i < sent; i++) {
		if (!(r = PQgetResult(ps->pg)))
			return rc != QREL_OK ? rc : hub_fail(ps->pg, NULL, "the rows");
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			b->q[idx[i]].n = atoll(PQcmdTuples(r));
			PQclear(r);
		} else if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED || rc != QREL_OK)
			PQclear(r);
		else
			rc = row_refused(k, b->q[idx[i]].p[0], hub_fail(ps->pg, r, "the row"));
		while ((r = PQgetResult(ps->pg)))	/* the end of the query's results */
			PQclear(r);
	}
	if (!(r = PQgetResult(ps->pg)) || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
		rc = rc != QREL_OK ? rc : hub_fail(ps->pg, r, "the rows");
	else
		PQclear(r);
	return rc;
}

/* Parameter j of the batch's inserts as a PostgreSQL array literal (NULL
 * for a null); NULL when out of memory. */
static char *
insert_array(const struct batch *b, int j)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int n = 0;

	if (!f)
		return NULL;
	fputc('{', f);
	for (size_t i = 0; i < b->n; i++) {
		const char *v = b->q[i].p[j];

		if (b->q[i].update)
			continue;
		if (n++)
			fputc(',', f);
		if (!v) {
			fputs("NULL", f);
			continue;
		}
		fputc('"', f);
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				fputc('\\', f);
			fputc(*v, f);
		}
		fputc('"', f);
	}
	fputc('}', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Each insert of the batch written or not, by the uuids the statement returned. */
static void
inserted(struct batch *b, PGresult *r)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->q[i].update)
			continue;
		b->q[i].n = 0;
		for (int t = 0; t < PQntuples(r) && !b->q[i].n; t++)
			b->q[i].n = strcmp(PQgetvalue(r, t, 0), b->q[i].p[0]) == 0;
	}
}

/* The batch's inserts in one statement (the rules and triggers still row by
 * row, a statement's cost once), under a savepoint: refused, it is undone
 * and the rows go one by one, as before, to name the row refused. */
static bool
insert_at_once(struct push *ps, const struct kind *k, struct batch *b)
{
	char *arr[16] = { 0 };
	PGresult *r;
	size_t n = 0;
	bool ok = true;

	for (size_t i = 0; i < b->n; i++)
		n += !b->q[i].update;
	if (n < 2)
		return false;
	for (int j = 0; j <= k->params && ok; j++)
		ok = (arr[j] = insert_array(b, j)) != NULL;
	if (ok && (ok = hub_exec(ps->pg, "SAVEPOINT qrel_batch", "the rows") == QREL_OK)) {
		r = PQexecPrepared(ps->pg, "qrel_insert_many", k->params + 1, (const char *const *)arr, NULL, NULL, 0);
		if ((ok = PQresultStatus(r) == PGRES_TUPLES_OK))
			inserted(b, r);
		PQclear(r);
		ok = hub_exec(ps->pg, ok ? "RELEASE SAVEPOINT qrel_batch" : "ROLLBACK TO SAVEPOINT qrel_batch",
			      "the rows") == QREL_OK && ok;
	}
	for (int j = 0; j <= k->params; j++)
		free(arr[j]);
	return ok;
}

/* Sends the queued writes at once: the inserts in one statement where the
 * hub takes them, the rest in libpq's pipeline mode (one round trip for
 * the batch, not one a row); then settles each. */
static int
batch_send(struct push *ps, const struct kind *k, struct batch *b)
{
	size_t idx[BATCH_ROWS], sent = 0, todo = 0;
	bool once;
	int rc = QREL_OK;

	if (!b->n)
		return QREL_OK;
	once = insert_at_once(ps, k, b);
	for (size_t i = 0; i < b->n; i++)
		if (!once || b->q[i].update)
			idx[todo++] = i;
	if (todo && !PQenterPipelineMode(ps->pg))
		return hub_fail(ps->pg, NULL, "the rows");
	for (; sent < todo; sent++) {
		struct sent *s = &b->q[idx[sent]];

		if (!PQsendQueryPrepared(ps->pg, s->update ? "qrel_update" : "qrel_insert",
					 (s->update ? k->update_params : k->params) + 1, (const char *const *)s->p, NULL,
					 NULL, 0))
			break;
	}
	if (sent < todo)
		rc = hub_fail(ps->pg, NULL, "the rows");
	if (todo) {
		if (!PQpipelineSync(ps->pg))
			rc = rc != QREL_OK ? rc : hub_fail(ps->pg, NULL, "the rows");
		else
			rc = rc != QREL_OK ? (batch_results(ps, k, b, idx, sent), rc) : batch_results(ps, k, b, idx, sent);
		if (!PQexitPipelineMode(ps->pg) && rc == QREL_OK)
			rc = hub_fail(ps->pg, NULL, "the rows");
	}
	for (size_t i = 0; i < b->n && rc == QREL_OK; i++) {
		struct sent *s = &b->q[i];

		if (s->update && s->n == 0)
			rc = error(QREL_DENIED, "this login may not change it (role, own school or owner)");
		else if (s->update) {
			agree(ps, k, s->p[0], s->cb);
			ps->st->updated++;
		} else if (s->n) {
			agree(ps, k, s->p[0], s->cb);
			ps->st->inserted++;
		} else
			rc = same_cell(ps, k, s);
		if (rc != QREL_OK)
			rc = row_refused(k, s->p[0], rc);
	}
	batch_clear(b);
	return rc;
}

/* One bundle row: uuid, value, base, version, then the insert's parameters
 * from $2. A row the hub holds is decided here; a write waits for the batch. */
static int
push_row(struct push *ps, const struct kind *k, sqlite3_stmt *row, PGresult *hub, struct batch *b)
{
	const char *p[16], *cv = db_col_text(row, 1), *cver = db_col_text(row, 3);
	const char *cb = sqlite3_column_type(row, 2) == SQLITE_NULL ? NULL : db_col_text(row, 2);
	struct sent *s;
	int h;

	p[0] = db_col_text(row, 0);
	for (int i = 0; i < k->params; i++)
		p[i + 1] = (const char *)sqlite3_column_text(row, 4 + i);
	if ((h = hub_row(hub, p[0])) >= 0) {
		enum sync_action act = hub_decide(PQgetvalue(hub, h, 1), atoll(PQgetvalue(hub, h, 2)), cv, cb, atoll(cver));
		int rc;

		if (act != SYNC_TAKE) {
			rc = push_existing(ps, k, p, p[0], PQgetvalue(hub, h, 1), atoll(PQgetvalue(hub, h, 2)), cv, cb,
					   cver);
			return rc == QREL_OK ? QREL_OK : row_refused(k, p[0], rc);
		}
	}
	s = &b->q[b->n++];
	s->update = h >= 0;
	for (int i = 0; i <= k->params; i++)
		s->p[i] = dup_or_null(p[i]);
	s->cv = xstrdup(cv);
	s->cb = dup_or_null(cb);
	s->cver = xstrdup(cver);
	return b->n == BATCH_ROWS ? batch_send(ps, k, b) : QREL_OK;
}

/* The hub's rows for every uuid of the kind in the bundle, read at once. */
static int
read_hub(struct push *ps, const struct kind *k, PGresult **out)
{
	char sql[256];
	const char *p[1];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT '{' || coalesce(group_concat('\"' || replace(replace(uuid, '\\', "
		 "'\\\\'), '\"', '\\\"') || '\"', ','), '') || '}' FROM bundle.%s", k->entity);
	if (sqlite3_prepare_v2(db_handle(ps->db), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(ps->db, "reading the changes");
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(ps->db, "reading the changes");
	}
	p[0] = db_col_text(st, 0);
	rc = hub_query(ps->pg, k->read, 1, p, "reading its rows", out);
	sqlite3_finalize(st);
	return rc;
}

static int
prepare(PGconn *pg, const char *name, const char *sql, int n)
{
	PGresult *r = PQprepare(pg, name, sql, n, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return hub_fail(pg, r, "preparing the push");
	PQclear(r);
	return QREL_OK;
}

static int
push_kind(struct push *ps, const struct kind *k)
{
	PGresult *hub = NULL;
	struct batch *b;
	sqlite3_stmt *st;
	int rc;

	if ((rc = hub_exec(ps->pg, "DEALLOCATE ALL", "preparing the push")) != QREL_OK ||
	    (rc = prepare(ps->pg, "qrel_insert", k->insert, k->params + 1)) != QREL_OK ||
	    (rc = prepare(ps->pg, "qrel_update", k->update, k->update_params + 1)) != QREL_OK ||
	    (rc = prepare(ps->pg, "qrel_insert_many", k->insert_many, k->params + 1)) != QREL_OK ||
	    (rc = read_hub(ps, k, &hub)) != QREL_OK)
		return rc;
	if (sqlite3_prepare_v2(db_handle(ps->db), k->rows, -1, &st, NULL) != SQLITE_OK) {
		PQclear(hub);
		return db_fail(ps->db, "reading the changes");
	}
	sqlite3_bind_int64(st, 1, ps->review);
	if (!(b = calloc(1, sizeof(*b)))) {
		sqlite3_finalize(st);
		PQclear(hub);
		return error(QREL_NOMEM, "out of memory for the push");
	}
	while (rc == QREL_OK && sqlite3_step(st) == SQLITE_ROW) {
		rc = push_row(ps, k, st, hub, b);
		if (++ps->st->sent % PROGRESS_EVERY == 0 && ps->progress)
			fprintf(ps->progress, "pushing: %lld of %lld rows\n", ps->st->sent, ps->total);
	}
	if (rc == QREL_OK)
		rc = batch_send(ps, k, b);
	batch_clear(b);
	free(b);
	sqlite3_finalize(st);
	PQclear(hub);
	return rc;
}

/* Pushes to one review serialise on this lock, and a pull waits for them:
 * what a pull reads below its watermark can no longer change under it. */
static const char lock_shared_sql[] = "SELECT pg_advisory_xact_lock_shared(7135002, hashtext($1))";

static int
lock_review(PGconn *pg, const char *uuid, bool shared)
{
	const char *p[1] = { uuid };

	return hub_query(pg, shared ? lock_shared_sql : "SELECT pg_advisory_xact_lock(7135002, hashtext($1))", 1, p,
			 "locking the review", NULL);
}

/* The same for the whole review. */
static int
push_review_lock(struct push *ps, bool locked)
{
	static const char local[] = "SELECT r.uuid, CASE WHEN r.locked THEN 'true' ELSE 'false' END, "
		"CASE WHEN r.released THEN 'true' ELSE 'false' END FROM review r WHERE r.id = ?1 AND (r.locked <> 0) = ?2";
	static const char hub[] = "UPDATE hub.review SET locked = $2::boolean, released = $3::boolean WHERE uuid = $1 "
		"AND (locked, released) IS DISTINCT FROM ($2::boolean, $3::boolean) AND hub.is_lead(uuid)";
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (sqlite3_prepare_v2(db_handle(ps->db), local, -1, &st, NULL) != SQLITE_OK)
		return db_fail(ps->db, "reading the review");
	sqlite3_bind_int64(st, 1, ps->review);
	sqlite3_bind_int(st, 2, locked);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *p[3] = { db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2) };

		rc = hub_query(ps->pg, hub, 3, p, "the review's lock", NULL);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The sites' locks and releases as this copy holds them, those with
 * locked as given, in one statement: the lead's (the hub's policy lets
 * nobody else change them; others do not send them). Reopened sites before
 * the rows, locked ones after, so the rows written before a lock go in. */
static int
push_locks(struct push *ps, bool locked)
{
	static const char local[] = "SELECT '{' || group_concat(s.uuid) || '}', '{' || group_concat(CASE WHEN s.locked "
		"THEN 't' ELSE 'f' END) || '}', '{' || group_concat(CASE WHEN s.released THEN 't' ELSE 'f' END) || '}' "
		"FROM site s WHERE s.review_id = ?1 AND (s.locked <> 0) = ?2 HAVING count(*) > 0";
	static const char hub[] = "UPDATE hub.site s SET locked = v.locked, released = v.released "
		"FROM unnest($1::text[], $2::boolean[], $3::boolean[]) AS v(uuid, locked, released) WHERE s.uuid = v.uuid "
		"AND (s.locked, s.released) IS DISTINCT FROM (v.locked, v.released) AND hub.is_lead(s.review)";
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (!ps->lead)
		return QREL_OK;
	if (sqlite3_prepare_v2(db_handle(ps->db), local, -1, &st, NULL) != SQLITE_OK)
		return db_fail(ps->db, "reading the sites");
	sqlite3_bind_int64(st, 1, ps->review);
	sqlite3_bind_int(st, 2, locked);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *p[3] = { db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2) };

		rc = hub_query(ps->pg, hub, 3, p, "the sites' locks", NULL);
	}
	sqlite3_finalize(st);
	return rc == QREL_OK ? push_review_lock(ps, locked) : rc;
}

/* Whether the login is the review's lead (who alone sends locks and subgroup tables). */
static int
push_who(struct push *ps)
{
	const char *p[1] = { ps->uuid };
	PGresult *r = NULL;
	int rc = hub_query(ps->pg, "SELECT hub.is_lead($1)", 1, p, "reading who the login is", &r);

	if (rc != QREL_OK)
		return rc;
	ps->lead = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return QREL_OK;
}

/* The attached bundle's rows into the hub, in one transaction. */
static int
push_bundle(struct push *ps)
{
	int rc;

	ps->total = db_int(ps->db, "SELECT (SELECT count(*) FROM bundle.score) + (SELECT count(*) FROM bundle.note)");
	if ((rc = hub_exec(ps->pg, "BEGIN", "starting the push")) != QREL_OK)
		return rc;
	if ((rc = lock_review(ps->pg, ps->uuid, false)) == QREL_OK && (rc = push_who(ps)) == QREL_OK)
		rc = push_locks(ps, false);
	for (size_t i = 0; i < ARRAY_SIZE(kinds) && rc == QREL_OK; i++)
		rc = push_kind(ps, &kinds[i]);
	if (rc == QREL_OK)
		rc = hub_fieldwork_push(ps->pg, ps->db, ps->review, ps->uuid, NULL, ps->st);
	if (rc == QREL_OK)
		rc = hub_report_push(ps->pg, ps->db, ps->review, ps->uuid, NULL, ps->st);
	if (rc == QREL_OK)
		rc = push_locks(ps, true);
	if (rc == QREL_OK && ps->lead)
		rc = hub_push_subgroups(ps->pg, ps->db, ps->review, ps->uuid);
	if (rc == QREL_OK)
		return hub_exec(ps->pg, "COMMIT", "committing the push");
	hub_rollback(ps->pg);
	return rc;
}

int
hub_push(struct db *db, int64_t review, const char *who, const char *url, FILE *progress, struct hub_sync_stats *st)
{
	struct push ps = { .db = db, .review = review, .st = st, .progress = progress };
	struct sync_export_stats es;
	struct sync_watermark w;
	char uuid[64];
	int rc, done;

	memset(st, 0, sizeof(*st));
	ps.uuid = uuid;
	if ((rc = hub_open(db, review, who, url, uuid, &ps.pg)) != QREL_OK)
		return rc;
	if ((rc = sync_export_attach(db, review, who, HUB_PEER, &w, &es)) == QREL_OK) {
		rc = push_bundle(&ps);
		/* After the commit: a crash before the watermark moves only sends the rows again. */
		done = sync_export_detach(db, HUB_PEER, &w, rc == QREL_OK);
		rc = rc != QREL_OK ? rc : done;
		if (rc == QREL_OK)
			rc = settle_agreed(&ps);
	}
	free(ps.agreed);
	hub_close(ps.pg);
	return rc;
}

/* The review's contents as the lead's file holds them, seeded by the hub's
 * administrator with the review (hub_add_review): outside the rules, as the
 * owner is, so locked sites arrive with their scores. */
int
hub_seed(PGconn *pg, struct db *db, int64_t review, const char *lead, const char *uuid, struct hub_sync_stats *st)
{
	struct push ps = { .db = db, .pg = pg, .review = review, .uuid = uuid, .st = st };
	struct sync_export_stats es;
	struct sync_watermark w;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = sync_export_attach(db, review, lead, NULL, &w, &es)) != QREL_OK)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(kinds) && rc == QREL_OK; i++)
		rc = push_kind(&ps, &kinds[i]);
	if (rc == QREL_OK)
		rc = hub_fieldwork_push(pg, db, review, uuid, lead, st);
	if (rc == QREL_OK)
		rc = hub_report_push(pg, db, review, uuid, lead, st);
	sync_export_detach(db, NULL, &w, false);
	free(ps.agreed);
	return rc;
}

/* ---- pull ---- */

static const char pull_scores[] =
	"SELECT p.name, x.uuid, s.code, x.cluster, p.name, x.kind, x.level, x.insufficient, x.rationale, x.updated_at, "
	"x.version FROM hub.score x JOIN hub.site s ON s.uuid = x.site JOIN hub.person p ON p.uuid = x.rater "
	"WHERE x.review = $1 AND x.seq > $2::bigint ORDER BY p.name, x.uuid";
static const char pull_notes[] =
	"SELECT p.name, n.uuid, s.code, n.activity, n.source, p.name, n.valence, n.text, n.created_at, n.updated_at, "
	"n.deleted_at, n.version, NULLIF(n.clusters, ''), NULLIF(n.subgroups, '') FROM hub.note n "
	"JOIN hub.site s ON s.uuid = n.site JOIN hub.person p ON p.uuid = n.author "
	"WHERE n.review = $1 AND n.seq > $2::bigint ORDER BY p.name, n.created_at, n.uuid";
static const char insert_score[] =
	"INSERT INTO bundle.score(uuid, site, cluster, rater, kind, level, insufficient, rationale, updated_at, version) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char insert_note[] =
	"INSERT INTO bundle.note(uuid, site, activity, source, author, valence, text, created_at, updated_at, "
	"deleted_at, version, clusters, subgroups) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

struct pulled {
	PGresult *scores, *notes;
	long long max_seq;
};

static const char watermark_key[] = "hub pulled ";

static long long
pulled_seq(struct db *db, const char *uuid)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM sync_setting WHERE key = ?1 || ?2");
	long long seq = 0;

	if (!st)
		return -1;
	db_bind_text(st, 1, watermark_key);
	db_bind_text(st, 2, uuid);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return seq;
}

static int
save_pulled_seq(struct db *db, const char *uuid, long long seq)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT OR REPLACE INTO sync_setting(key, value) VALUES (?1 || ?2, ?3)");
	char v[32];

	if (!st)
		return QREL_DB;
	snprintf(v, sizeof(v), "%lld", seq);
	db_bind_text(st, 1, watermark_key);
	db_bind_text(st, 2, uuid);
	db_bind_text(st, 3, v);
	return db_step_done(db, st, "saving the hub's watermark");
}

/* What changed since seq and this login may read, with the pushes to the
 * review waited for; max_seq: the highest the hub has given out by then.
 * One round trip (libpq's pipeline mode): read committed, each query sees
 * what was committed once the lock (lock_review's, shared) was held. */
static int
fetch(PGconn *pg, const char *uuid, long long seq, struct pulled *out)
{
	const char *const sql[] = { "BEGIN READ ONLY", lock_shared_sql, "SELECT last_value FROM hub.seq", pull_scores,
				    pull_notes, "ROLLBACK" };
	static const int nparams[] = { 0, 1, 0, 2, 2, 0 };
	char s[32];
	const char *p[2] = { uuid, s };
	PGresult *r[ARRAY_SIZE(sql)] = { 0 }, *end;
	size_t i = 0, got = 0;
	int rc = QREL_OK;

	snprintf(s, sizeof(s), "%lld", seq);
	memset(out, 0, sizeof(*out));
	if (!PQenterPipelineMode(pg))
		return hub_fail(pg, NULL, "reading the hub");
	for (; i < ARRAY_SIZE(sql); i++)
		if (!PQsendQueryParams(pg, sql[i], nparams[i], NULL, nparams[i] ? p : NULL, NULL, NULL, 0))
			break;
	if (i < ARRAY_SIZE(sql) || !PQpipelineSync(pg))
		rc = hub_fail(pg, NULL, "reading the hub");
	/* Every answer read, the first refusal kept (those after it are aborted). */
	for (; i == ARRAY_SIZE(sql) && got < ARRAY_SIZE(sql); got++) {
		PGresult *x = PQgetResult(pg);
		ExecStatusType st = PQresultStatus(x);

		if (!x) {
			rc = rc != QREL_OK ? rc : hub_fail(pg, NULL, "reading the hub");
			break;
		}
		while ((end = PQgetResult(pg)))	/* the end of the query's results */
			PQclear(end);
		if (rc == QREL_OK && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
			rc = hub_fail(pg, x, got == 3 ? "reading scores" : got == 4 ? "reading notes" : "reading the hub");
		else if (rc != QREL_OK)
			PQclear(x);
		else
			r[got] = x;
	}
	if (got == ARRAY_SIZE(sql)) {
		end = PQgetResult(pg);
		if (PQresultStatus(end) != PGRES_PIPELINE_SYNC && rc == QREL_OK)
			rc = hub_fail(pg, end, "reading the hub");
		else if (end)
			PQclear(end);
	}
	if (!PQexitPipelineMode(pg) && rc == QREL_OK)
		rc = hub_fail(pg, NULL, "reading the hub");
	if (rc == QREL_OK) {
		out->max_seq = atoll(PQgetvalue(r[2], 0, 0));
		out->scores = r[3];
		out->notes = r[4];
		r[3] = r[4] = NULL;
	} else
		hub_rollback(pg);
	for (i = 0; i < ARRAY_SIZE(sql); i++)
		if (r[i])
			PQclear(r[i]);
	return rc;
}

/* Row i of r bound to st's first used parameters (column 0, the pusher, left out). */
static void
bind_pg_row(sqlite3_stmt *st, PGresult *r, int i, int used)
{
	for (int j = 1; j < PQnfields(r) && j <= used; j++)
		if (PQgetisnull(r, i, j))
			sqlite3_bind_null(st, j);
		else
			sqlite3_bind_text(st, j, PQgetvalue(r, i, j), -1, SQLITE_STATIC);
}

/* Rows [from, to) of r into the bundle table, by insert (columns 1.. of r). */
static int
fill(sqlite3 *h, PGresult *r, int from, int to, const char *insert)
{
	sqlite3_stmt *st;
	int rc = QREL_OK, n = PQnfields(r);

	if (sqlite3_prepare_v2(h, insert, -1, &st, NULL) != SQLITE_OK)
		return error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
	for (int i = from; i < to && rc == QREL_OK; i++) {
		bind_pg_row(st, r, i, n);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The end of the run of rows of r from i with the same owner (column 0),
 * at most most rows. */
static int
run_end(PGresult *r, int i, const char *owner, int most)
{
	int n = PQntuples(r), end = i + most;

	while (i < n && i < end && strcmp(PQgetvalue(r, i, 0), owner) == 0)
		i++;
	return i;
}

/* One owner's rows (of the scores and notes pulled). */
struct owner_rows {
	const struct pulled *pl;
	const char *name;
	int s_from, s_to, n_from, n_to;
};

static int
fill_owner(sqlite3 *h, const void *arg)
{
	const struct owner_rows *o = arg;
	int rc = fill(h, o->pl->scores, o->s_from, o->s_to, insert_score);

	return rc == QREL_OK ? fill(h, o->pl->notes, o->n_from, o->n_to, insert_note) : rc;
}

/* An in-memory bundle (the tables, rows by fill, the meta naming exporter), in h. */
static int
build(sqlite3 *h, const char *uuid, const char *exporter, hub_fill_fn fill_rows, const void *arg)
{
	static const char meta[] = "INSERT INTO bundle.meta(key, value) VALUES ('format', ?1), ('review', ?2), "
				   "('copy', 'hub'), ('created_at', ?3), ('exporter', ?4)";
	char fmt[16], now[21];
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_exec(h, "ATTACH ':memory:' AS bundle; PRAGMA bundle.page_size = 512; BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK || sqlite3_exec(h, sync_bundle_ddl, NULL, NULL, NULL) != SQLITE_OK)
		return error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
	if ((rc = fill_rows(h, arg)) != QREL_OK)
		return rc;
	if (sqlite3_prepare_v2(h, meta, -1, &st, NULL) != SQLITE_OK)
		return error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
	snprintf(fmt, sizeof(fmt), "%d", SYNC_FORMAT);
	clock_now(now);
	sqlite3_bind_text(st, 1, fmt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, exporter, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? QREL_OK : error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	if (rc == QREL_OK && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
	return rc;
}

int
hub_import_built(struct db *db, int64_t review, const char *who, const char *uuid, const char *exporter,
		 hub_fill_fn fill_rows, const void *arg, struct hub_sync_stats *st)
{
	unsigned char key[SYNC_KEY_BYTES], *image = NULL, *file = NULL;
	struct sync_import_stats is;
	sqlite3_int64 n = 0;
	size_t fn = 0;
	sqlite3 *h;
	int rc;

	if (sqlite3_open_v2(":memory:", &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return error(QREL_NOMEM, "out of memory for the pull");
	}
	if ((rc = build(h, uuid, exporter, fill_rows, arg)) == QREL_OK &&
	    !(image = sqlite3_serialize(h, "bundle", &n, 0)))
		rc = error(QREL_NOMEM, "out of memory for the pull");
	sqlite3_close(h);
	if (rc == QREL_OK && (rc = sync_review_key(db, review, key)) == QREL_OK) {
		rc = sync_bundle_seal(key, uuid, image, (size_t)n, false, &file, &fn);
		sodium_memzero(key, sizeof(key));
	}
	sqlite3_free(image);
	if (rc == QREL_OK && (rc = sync_import_bytes(db, review, who, "the hub", file, fn, &is)) == QREL_OK) {
		st->inserted += is.inserted;
		st->updated += is.updated;
		st->unchanged += is.unchanged;
		st->stale += is.stale;
		st->conflicts += is.conflicts;
		st->bundles++;
	}
	free(file);
	return rc;
}

bool
hub_bundle_has(struct db *db, const char *t)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM bundle.sqlite_master WHERE type = 'table' AND name = ?1");
	bool has;

	if (!st)
		return false;
	db_bind_text(st, 1, t);
	has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return has;
}

/* The rows of r pushed by name into the bundle, by insert. */
static int
fill_pushed(sqlite3 *h, PGresult *r, const char *name, const char *insert)
{
	sqlite3_stmt *st;
	int rc = QREL_OK, used;

	if (!insert)
		return QREL_OK;
	if (sqlite3_prepare_v2(h, insert, -1, &st, NULL) != SQLITE_OK)
		return error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
	used = sqlite3_bind_parameter_count(st);
	for (int i = 0; i < PQntuples(r) && rc == QREL_OK; i++) {
		if (strcmp(PQgetvalue(r, i, 0), name) != 0)
			continue;
		bind_pg_row(st, r, i, used);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = error(QREL_DB, "building the pull: %s", sqlite3_errmsg(h));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* One pusher's rows of a phase, from each of the pull's results. */
struct pusher_rows {
	const struct hub_pull *pulls;
	size_t n;
	PGresult *const *res;
	int phase;
	const char *name;
};

static int
fill_pusher(sqlite3 *h, const void *arg)
{
	const struct pusher_rows *o = arg;
	int rc = QREL_OK;

	for (size_t i = 0; i < o->n && rc == QREL_OK; i++)
		for (int k = 0; k < 2 && rc == QREL_OK && o->pulls[i].phase == o->phase; k++)
			rc = fill_pushed(h, o->res[i], o->name, o->pulls[i].insert[k]);
	return rc;
}

int
hub_import_pushers(struct db *db, int64_t review, const char *who, const char *uuid, const struct hub_pull *pulls,
		   size_t n, PGresult *const *res, int phase, struct hub_sync_stats *st)
{
	const char *last = NULL;
	int rc = QREL_OK;

	for (;;) {
		struct pusher_rows o = { pulls, n, res, phase, NULL };
		const char *next = NULL;

		/* The least name above last among the phase's rows. */
		for (size_t i = 0; i < n; i++)
			for (int j = 0; pulls[i].phase == phase && j < PQntuples(res[i]); j++) {
				const char *p = PQgetvalue(res[i], j, 0);

				if ((!last || strcmp(p, last) > 0) && (!next || strcmp(p, next) < 0))
					next = p;
			}
		if (!next || rc != QREL_OK)
			return rc;
		o.name = next;
		rc = hub_import_built(db, review, who, uuid, next, fill_pusher, &o, st);
		last = next;
	}
}

/* The owners in turn: each one's scores and notes (both sorted by owner). */
static int
import_all(struct db *db, int64_t review, const char *who, const char *uuid, const struct pulled *pl,
	   struct hub_sync_stats *st, FILE *progress)
{
	int ns = PQntuples(pl->scores), nn = PQntuples(pl->notes), i = 0, j = 0, rc = QREL_OK;

	st->received += ns + nn;
	while (rc == QREL_OK && (i < ns || j < nn)) {
		const char *a = i < ns ? PQgetvalue(pl->scores, i, 0) : NULL, *b = j < nn ? PQgetvalue(pl->notes, j, 0) : NULL;
		struct owner_rows o = { .pl = pl, .name = !b || (a && strcmp(a, b) <= 0) ? a : b };

		o.s_from = i;
		o.s_to = i = run_end(pl->scores, i, o.name, PULL_BUNDLE_ROWS);
		o.n_from = j;
		o.n_to = j = run_end(pl->notes, j, o.name, PULL_BUNDLE_ROWS - (o.s_to - o.s_from));
		rc = hub_import_built(db, review, who, uuid, o.name, fill_owner, &o, st);
		if (progress && st->received > PROGRESS_EVERY)
			fprintf(progress, "pulling: %d of %lld rows\n", i + j, st->received);
	}
	return rc;
}

/* ---- the hub's conflicts, for the lead ---- */

static const char conflicts_key[] = "hub conflicts ";

/* One conflict a push met on the hub, into this copy's list when this copy
 * holds the row with a value other than the one the hub turned down. */
static int
take_conflict(struct db *db, int64_t review, const char *who, PGresult *r, int i, struct hub_sync_stats *st)
{
	static const char score[] = "SELECT " SYNC_SCORE_VALUE("x") " FROM score x WHERE uuid = ?1";
	static const char note[] = "SELECT " SYNC_NOTE_VALUE("x") " FROM note x WHERE uuid = ?1";
	static const char document[] = "SELECT " SYNC_DOCUMENT_VALUE("x") " FROM document x WHERE uuid = ?1";
	static const char finding[] = "SELECT " SYNC_FINDING_VALUE("x") " FROM finding x WHERE uuid = ?1";
	static const char rec[] = "SELECT " SYNC_REC_VALUE("x") " FROM recommendation x WHERE uuid = ?1";
	static const char add[] = "INSERT OR IGNORE INTO sync_conflict(entity, uuid, local_value, remote_value, "
				  "remote_version, from_copy, detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	const char *entity = PQgetvalue(r, i, 1), *uuid = PQgetvalue(r, i, 2), *pushed = PQgetvalue(r, i, 3);
	sqlite3_stmt *st1 = db_stmt(db, strcmp(entity, "score") == 0 ? score :
				    strcmp(entity, "note") == 0 ? note : strcmp(entity, "finding") == 0 ? finding :
				    strcmp(entity, "recommendation") == 0 ? rec : document), *st2;
	char *mine = NULL, from[96], now[21], reason[160];
	int rc = QREL_OK;

	if (!st1)
		return QREL_DB;
	db_bind_text(st1, 1, uuid);
	if (sqlite3_step(st1) == SQLITE_ROW)
		mine = xstrdup(db_col_text(st1, 0));
	sqlite3_reset(st1);
	if (!mine || strcmp(mine, pushed) == 0) {
		free(mine);
		return QREL_OK;
	}
	snprintf(from, sizeof(from), "hub (pushed by %.60s)", PQgetvalue(r, i, 5));
	clock_now(now);
	if (!(st2 = db_stmt(db, add)))
		rc = QREL_DB;
	else {
		db_bind_text(st2, 1, entity);
		db_bind_text(st2, 2, uuid);
		db_bind_text(st2, 3, mine);
		db_bind_text(st2, 4, pushed);
		sqlite3_bind_int64(st2, 5, atoll(PQgetvalue(r, i, 4)));
		db_bind_text(st2, 6, from);
		db_bind_text(st2, 7, now);
		rc = db_step_done(db, st2, "recording a conflict");
	}
	if (rc == QREL_OK && sqlite3_changes(db_handle(db)) > 0) {
		st->conflicts++;
		snprintf(reason, sizeof(reason), "a push to the hub met another value; the hub kept it (%s)", from);
		rc = changelog_add(db, review, who, entity, uuid, "sync conflict", mine, pushed, reason);
	}
	free(mine);
	return rc;
}

/* The lead's pull lists the conflicts pushes met on the hub since the last,
 * as a bundle's import would have (sync conflicts, sync resolve). */
static int
pull_conflicts(struct db *db, int64_t review, const char *who, PGconn *pg, const char *uuid,
	       struct hub_sync_stats *st)
{
	char key[128], last[32];
	const char *p[2] = { uuid, last };
	struct vis_viewer v;
	PGresult *r = NULL;
	sqlite3_stmt *q;
	long long seen = 0;
	int rc;

	if ((rc = visibility_viewer(db, review, who, &v)) != QREL_OK || v.role != VIS_LEAD)
		return rc;
	snprintf(key, sizeof(key), "%s%s", conflicts_key, uuid);
	if ((q = db_stmt(db, "SELECT value FROM sync_setting WHERE key = ?1"))) {
		db_bind_text(q, 1, key);
		if (sqlite3_step(q) == SQLITE_ROW)
			seen = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	snprintf(last, sizeof(last), "%lld", seen);
	if ((rc = hub_query(pg, "SELECT id, entity, uuid, pushed_value, pushed_version, login FROM hub.conflict "
			    "WHERE review = $1 AND id > $2::bigint AND resolved_at IS NULL ORDER BY id", 2, p,
			    "reading its conflicts", &r)) != QREL_OK || (rc = db_begin(db)) != QREL_OK) {
		if (r)
			PQclear(r);
		return rc;
	}
	for (int i = 0; i < PQntuples(r) && rc == QREL_OK; i++) {
		rc = take_conflict(db, review, who, r, i, st);
		seen = atoll(PQgetvalue(r, i, 0));
	}
	PQclear(r);
	snprintf(last, sizeof(last), "%lld", seen);
	if (rc == QREL_OK && !(q = db_stmt(db, "INSERT OR REPLACE INTO sync_setting(key, value) VALUES (?1, ?2)")))
		rc = QREL_DB;
	if (rc == QREL_OK) {
		db_bind_text(q, 1, key);
		db_bind_text(q, 2, last);
		rc = db_step_done(db, q, "saving the hub's conflict watermark");
	}
	if (rc == QREL_OK)
		return db_commit(db);
	db_rollback(db);
	return rc;
}

/* ---- forgetting what the login may no longer read ---- */

static const char access_key[] = "hub access ";

/* The uuids of the rows the login reads on the hub ($1 the review). */
static const char hub_seen_sql[] =
	"SELECT uuid FROM hub.note WHERE review = $1 UNION ALL SELECT uuid FROM hub.score WHERE review = $1 "
	"UNION ALL SELECT uuid FROM hub.activity WHERE review = $1 UNION ALL SELECT uuid FROM hub.document "
	"WHERE review = $1 UNION ALL SELECT uuid FROM hub.survey_item WHERE review = $1 "
	"UNION ALL SELECT uuid FROM hub.survey_rate WHERE review = $1";

/* hub.my_access for the review, and what the last pull saw ("" none). */
static int
access_now(PGconn *pg, struct db *db, const char *uuid, char *now, char *last, size_t size)
{
	const char *p[1] = { uuid };
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM sync_setting WHERE key = ?1 || ?2");
	PGresult *r = NULL;
	int rc;

	if (!st)
		return QREL_DB;
	if ((rc = hub_query(pg, "SELECT coalesce(hub.my_access($1), '')", 1, p, "reading the login's access", &r)) !=
	    QREL_OK)
		return rc;
	snprintf(now, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	db_bind_text(st, 1, access_key);
	db_bind_text(st, 2, uuid);
	snprintf(last, size, "%s", sqlite3_step(st) == SQLITE_ROW ? db_col_text(st, 0) : "");
	sqlite3_reset(st);
	return QREL_OK;
}

static int
save_access(struct db *db, const char *uuid, const char *access)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT OR REPLACE INTO sync_setting(key, value) VALUES (?1 || ?2, ?3)");

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, access_key);
	db_bind_text(st, 2, uuid);
	db_bind_text(st, 3, access);
	return db_step_done(db, st, "saving the login's access");
}

/* Each of the result's first column into the temporary table (a uuid column). */
static int
rows_into(struct db *db, PGresult *r, const char *insert)
{
	sqlite3_stmt *st = db_stmt(db, insert);
	int rc = st ? QREL_OK : QREL_DB;

	for (int i = 0; rc == QREL_OK && i < PQntuples(r); i++) {
		db_bind_text(st, 1, PQgetvalue(r, i, 0));
		rc = db_step_done(db, st, "noting the hub's rows");
	}
	return rc;
}

/* What a pull forgets, in this order (a note before the activity it names):
 * the copy's rows of the review, and each one's writer. */
static const struct {
	const char *local;
	int (*forget)(struct db *db, int64_t review, const char *uuid, bool *gone);
} forgettable[] = {
	{ "SELECT uuid FROM score WHERE review_id = ?1", score_forget_row },
	{ "SELECT uuid FROM note WHERE review_id = ?1", note_forget_row },
	{ "SELECT uuid FROM activity WHERE review_id = ?1", activity_forget_row },
	{ "SELECT uuid FROM document WHERE review_id = ?1", document_forget_row },
	{ "SELECT uuid FROM survey_item WHERE review_id = ?1", survey_item_forget_row },
	{ "SELECT uuid FROM survey_rate WHERE review_id = ?1", survey_rate_forget_row },
};

/* The copy's rows the login does not read on the hub, as a Postgres array
 * literal (uuids are hex and dashes); *ids to free. */
static int
unseen_rows(struct db *db, int64_t review, char **ids)
{
	size_t len = 0;
	FILE *out = open_memstream(ids, &len);
	sqlite3_stmt *st;
	int n = 0, rc = QREL_OK;

	if (!out)
		return error(QREL_NOMEM, "out of memory reading the copy's rows");
	fputc('{', out);
	for (size_t i = 0; i < ARRAY_SIZE(forgettable) && rc == QREL_OK; i++) {
		char sql[256];

		snprintf(sql, sizeof(sql), "%s AND uuid NOT IN (SELECT uuid FROM temp.hub_seen)", forgettable[i].local);
		if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
			rc = db_fail(db, "reading the copy's rows");
			break;
		}
		sqlite3_bind_int64(st, 1, review);
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(out, "%s%s", n++ ? "," : "", db_col_text(st, 0));
		sqlite3_finalize(st);
	}
	fputc('}', out);
	if (fclose(out) != 0 && rc == QREL_OK)
		rc = error(QREL_NOMEM, "out of memory reading the copy's rows");
	return rc;
}

/* A finding's citations of a note the login no longer reads go first (a pull
 * brings a finding only with the notes the login reads; findings.c drops
 * them), so the note's writer forgets it; a note a plan's cause cites stays.
 * Then sync's records of those citations. */
static const char forget_citations[] =
	"DELETE FROM sync_unlink WHERE link = 'finding_note' AND target IN (SELECT uuid FROM temp.hub_forget);";

/* Each row of the copy the hub holds and the login no longer reads, through
 * its writer (which keeps what the copy's own work still cites), then sync's
 * records of them: no base, mark, or removal made by forgetting to travel. */
static const char forget_records[] =
	"DELETE FROM sync_base WHERE uuid IN (SELECT uuid FROM temp.hub_gone);"
	"DELETE FROM sync_mark WHERE uuid IN (SELECT uuid FROM temp.hub_gone);"
	"DELETE FROM sync_voice WHERE uuid IN (SELECT uuid FROM temp.hub_gone);"
	"DELETE FROM sync_unlink WHERE owner IN (SELECT uuid FROM temp.hub_gone) "
	"OR target IN (SELECT uuid FROM temp.hub_gone);";

static int
forget_rows(struct db *db, int64_t review, struct hub_sync_stats *st)
{
	int rc = db_exec(db, "DELETE FROM temp.hub_gone");

	if (rc == QREL_OK && (rc = findings_forget_note_citations(db)) == QREL_OK)
		rc = db_exec(db, forget_citations);

	for (size_t i = 0; i < ARRAY_SIZE(forgettable) && rc == QREL_OK; i++) {
		char sql[256];
		sqlite3_stmt *q;
		bool gone;

		/* The temporary table read, the copy's written. */
		snprintf(sql, sizeof(sql), "SELECT uuid FROM temp.hub_forget WHERE uuid IN (%s)", forgettable[i].local);
		if (sqlite3_prepare_v2(db_handle(db), sql, -1, &q, NULL) != SQLITE_OK)
			return db_fail(db, "reading the rows to forget");
		sqlite3_bind_int64(q, 1, review);
		while (rc == QREL_OK && sqlite3_step(q) == SQLITE_ROW) {
			char *uuid = xstrdup(db_col_text(q, 0));
			sqlite3_stmt *g;

			if ((rc = forgettable[i].forget(db, review, uuid, &gone)) == QREL_OK && gone) {
				st->forgotten++;
				if (!(g = db_stmt(db, "INSERT OR IGNORE INTO temp.hub_gone VALUES (?1)")))
					rc = QREL_DB;
				else {
					db_bind_text(g, 1, uuid);
					rc = db_step_done(db, g, "noting a forgotten row");
				}
			}
			free(uuid);
		}
		sqlite3_finalize(q);
	}
	return rc == QREL_OK ? db_exec(db, forget_records) : rc;
}

static int
forget_unseen(struct db *db, int64_t review, PGconn *pg, const char *uuid, struct hub_sync_stats *st)
{
	const char *p[2] = { uuid, NULL };
	PGresult *r = NULL;
	char *ids = NULL;
	int rc;

	if ((rc = db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS hub_seen(uuid TEXT PRIMARY KEY) WITHOUT ROWID;"
			  "CREATE TEMP TABLE IF NOT EXISTS hub_forget(uuid TEXT PRIMARY KEY) WITHOUT ROWID;"
			  "CREATE TEMP TABLE IF NOT EXISTS hub_gone(uuid TEXT PRIMARY KEY) WITHOUT ROWID;"
			  "DELETE FROM temp.hub_seen; DELETE FROM temp.hub_forget")) != QREL_OK ||
	    (rc = hub_query(pg, hub_seen_sql, 1, p, "reading what the login reads", &r)) != QREL_OK)
		return rc;
	rc = rows_into(db, r, "INSERT OR IGNORE INTO temp.hub_seen VALUES (?1)");
	PQclear(r);
	if (rc == QREL_OK && (rc = unseen_rows(db, review, &ids)) == QREL_OK) {
		p[1] = ids;
		rc = hub_query(pg, "SELECT hub.existing($1, $2::text[])", 2, p, "asking which rows the hub holds", &r);
	}
	free(ids);
	if (rc != QREL_OK)
		return rc;
	rc = rows_into(db, r, "INSERT OR IGNORE INTO temp.hub_forget VALUES (?1)");
	PQclear(r);
	if (rc == QREL_OK && (rc = db_begin(db)) == QREL_OK) {
		if ((rc = forget_rows(db, review, st)) == QREL_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	return rc;
}

/* ---- the review's people and sites, the lead's configuration ---- */

/* People and sites never change through a bundle, and a pull is bundles: a
 * row naming a person or site this copy lacks would refuse its bundle partway.
 * So the pull checks first, and is refused whole, naming what is missing and
 * how the lead's configuration comes here. */
static int
config_missing(PGconn *pg, struct db *db, int64_t review, const char *uuid)
{
	static const char sql[] =
		"SELECT 'site', s.code, s.name, '' FROM hub.site s WHERE s.review = $1 UNION ALL "
		"SELECT 'person', p.name, p.role, coalesce(s.code, '') FROM hub.person p "
		"LEFT JOIN hub.site s ON s.uuid = p.site WHERE p.review = $1 ORDER BY 1 DESC, 2";
	const char *p[1] = { uuid };
	char list[512] = "";
	size_t used = 0;
	int rc, sites = 0, people = 0;
	PGresult *r = NULL;

	if ((rc = hub_query(pg, sql, 1, p, "reading the review's people and sites", &r)) != QREL_OK)
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		bool site = strcmp(PQgetvalue(r, i, 0), "site") == 0;
		int64_t id = site ? store_site_id(db, review, PQgetvalue(r, i, 1)) :
			     store_person_id(db, review, PQgetvalue(r, i, 1));

		if (id < 0) {
			PQclear(r);
			return QREL_DB;
		}
		if (id > 0)
			continue;
		site ? sites++ : people++;
		if (used < sizeof(list) - 1)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s %s (%s%s%s)", used ? ", " : "",
						 PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
						 *PQgetvalue(r, i, 3) ? " at " : "", PQgetvalue(r, i, 3));
		used = used < sizeof(list) ? used : sizeof(list) - 1;
	}
	PQclear(r);
	if (!sites && !people)
		return QREL_OK;
	return error(QREL_CONFLICT, "the hub holds %s of this review that this copy lacks: %s; nothing was pulled. "
		     "They are the lead's configuration: import the lead's file%s here first (%s%s%s), then pull again",
		     sites && people ? "sites and people" : sites ? "sites" : "people", list, sites && people ? "s" : "",
		     sites ? "`qrel import sites FILE`" : "", sites && people ? " then " : "",
		     people ? "`qrel import people FILE`" : "");
}

int
hub_pull(struct db *db, int64_t review, const char *who, const char *url, FILE *progress, struct hub_sync_stats *st)
{
	struct pulled pl = { 0 };
	PGconn *pg;
	char uuid[64], access[1024], last[1024];
	long long seq;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = hub_open(db, review, who, url, uuid, &pg)) != QREL_OK)
		return rc;
	if ((seq = pulled_seq(db, uuid)) < 0)
		rc = QREL_DB;
	if (rc == QREL_OK)
		rc = config_missing(pg, db, review, uuid);
	/* What the login reads changed (a grant, a role, a school, a release):
	 * forget what it no longer reads, then bring everything it reads. */
	if (rc == QREL_OK && (rc = access_now(pg, db, uuid, access, last, sizeof(access))) == QREL_OK &&
	    strcmp(access, last) != 0 && (rc = forget_unseen(db, review, pg, uuid, st)) == QREL_OK &&
	    (rc = hub_report_forget(pg, db, review, uuid, st)) == QREL_OK)
		seq = 0;
	if (rc == QREL_OK)
		rc = fetch(pg, uuid, seq, &pl);
	if (rc == QREL_OK)
		rc = hub_fieldwork_pull(pg, db, review, who, uuid, seq, HUB_FIELD_BEFORE, st);
	if (rc == QREL_OK)
		rc = import_all(db, review, who, uuid, &pl, st, progress);
	if (rc == QREL_OK)
		rc = hub_fieldwork_pull(pg, db, review, who, uuid, seq, HUB_FIELD_AFTER, st);
	if (rc == QREL_OK)
		rc = hub_report_pull(pg, db, review, who, uuid, seq, st);
	/* Against this copy's values once the pull's rows are in. */
	if (rc == QREL_OK)
		rc = pull_conflicts(db, review, who, pg, uuid, st);
	hub_close(pg);
	/* Every owner's rows are in: later pulls start after them. */
	if (rc == QREL_OK)
		rc = save_pulled_seq(db, uuid, pl.max_seq);
	if (rc == QREL_OK)
		rc = save_access(db, uuid, access);
	if (pl.scores)
		PQclear(pl.scores);
	if (pl.notes)
		PQclear(pl.notes);
	return rc;
}

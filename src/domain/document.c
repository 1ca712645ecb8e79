/* document.c: the document register: add, change, cite from notes, list. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/gate.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

static const char *const statuses[] = { "requested", "received", "reviewed" };

bool
document_status_valid(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
		if (s && !strcmp(s, statuses[i]))
			return true;
	return false;
}

static int
check_input(const struct document_input *in, bool add)
{
	if (add && (!in->title || !*in->title))
		return error(QREL_USAGE, "a document needs a --title");
	if (in->title && !*in->title)
		return error(QREL_PARSE, "the title must not be empty");
	if (in->status && !document_status_valid(in->status))
		return error(QREL_PARSE, "the status is requested, received or reviewed, not '%s'", in->status);
	if (in->requested && !date_valid_day(in->requested))
		return error(QREL_PARSE, "'%s' is not a date (YYYY-MM-DD)", in->requested);
	if (in->received && !date_valid_day(in->received))
		return error(QREL_PARSE, "'%s' is not a date (YYYY-MM-DD)", in->received);
	return QREL_OK;
}

/* The gate, then the transaction. */
static int
open_write(struct db *db, int64_t review, const char *who, int64_t site)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK ||
	    (rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_ACTIVITY, .site = site })) != QREL_OK)
		return rc;
	return db_begin(db);
}

static int
finish(struct db *db, int rc)
{
	if (rc != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

static void
today(char out[11])
{
	char now[21];

	clock_now(now);
	str_copy(out, 11, now);
}

int
document_add(struct db *db, int64_t review, const char *who, const struct document_input *in, int64_t *id)
{
	static const char sql[] = "INSERT INTO document(uuid, review_id, site_id, title, owner, status, requested_at, "
				  "received_at, link, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	char uuid[UUID_LEN + 1], now[21], day[11];
	const char *status = in->status ? in->status : in->received ? "received" : "requested";
	sqlite3_stmt *st;
	int rc;

	if ((rc = check_input(in, true)) != QREL_OK || (rc = open_write(db, review, who, in->site)) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, sql)))
		return finish(db, QREL_DB);
	uuid_new(uuid);
	clock_now(now);
	today(day);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, review);
	if (in->site)
		sqlite3_bind_int64(st, 3, in->site);
	db_bind_text(st, 4, in->title);
	db_bind_text(st, 5, in->owner ? in->owner : "");
	db_bind_text(st, 6, status);
	db_bind_text(st, 7, in->requested ? in->requested : day);
	db_bind_text(st, 8, in->received ? in->received : strcmp(status, "requested") ? day : NULL);
	db_bind_text(st, 9, in->link ? in->link : "");
	db_bind_text(st, 10, now);
	if ((rc = db_step_done(db, st, "adding a document")) == QREL_OK && id)
		*id = sqlite3_last_insert_rowid(db_handle(db));
	if (rc == QREL_OK)
		rc = changelog_add(db, review, who, "document", uuid, "create", NULL, in->title, "");
	return finish(db, rc);
}

/* The stored row: its uuid and site; QREL_NOTFOUND when not in the review. */
static int
stored(struct db *db, int64_t review, int64_t id, struct document_row *d)
{
	static const char sql[] = "SELECT uuid, coalesce(site_id, 0), title, owner, status, requested_at, "
				  "coalesce(received_at, ''), link FROM document WHERE id = ?1 AND review_id = ?2";
	sqlite3_stmt *st;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = store_review_row(db, sql, id, review, "document", &st)) != QREL_OK)
		return rc;
	str_copy(d->uuid, sizeof(d->uuid), db_col_text(st, 0));
	d->site = sqlite3_column_int64(st, 1);
	str_copy(d->title, sizeof(d->title), db_col_text(st, 2));
	str_copy(d->owner, sizeof(d->owner), db_col_text(st, 3));
	str_copy(d->status, sizeof(d->status), db_col_text(st, 4));
	str_copy(d->requested, sizeof(d->requested), db_col_text(st, 5));
	str_copy(d->received, sizeof(d->received), db_col_text(st, 6));
	str_copy(d->link, sizeof(d->link), db_col_text(st, 7));
	sqlite3_reset(st);
	return QREL_OK;
}

/* One field: set when value is given and differs, with its change_log row. */
static int
set_field(struct db *db, int64_t review, const char *who, const struct document_row *d, int64_t id, int field,
	  const char *old, const char *value)
{
	static const char *const sql[] = {
		"UPDATE document SET title = ?2, updated_at = ?3 WHERE id = ?1",
		"UPDATE document SET owner = ?2, updated_at = ?3 WHERE id = ?1",
		"UPDATE document SET link = ?2, updated_at = ?3 WHERE id = ?1",
		"UPDATE document SET status = ?2, updated_at = ?3 WHERE id = ?1",
		"UPDATE document SET requested_at = ?2, updated_at = ?3 WHERE id = ?1",
		"UPDATE document SET received_at = ?2, updated_at = ?3 WHERE id = ?1",
	};
	static const char *const names[] = { "title", "owner", "link", "status", "requested_at", "received_at" };
	sqlite3_stmt *st;
	char now[21];
	int rc;

	if (!value || !strcmp(old, value))
		return QREL_OK;
	if (!(st = db_stmt(db, sql[field])))
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, value);
	db_bind_text(st, 3, now);
	if ((rc = db_step_done(db, st, "changing a document")) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "document", d->uuid, names[field], *old ? old : NULL, value, "");
}

int
document_set(struct db *db, int64_t review, const char *who, int64_t id, const struct document_input *in)
{
	struct document_row d;
	char day[11];
	const char *old[6], *value[6];
	int rc;

	if ((rc = check_input(in, false)) != QREL_OK || (rc = stored(db, review, id, &d)) != QREL_OK ||
	    (rc = open_write(db, review, who, d.site)) != QREL_OK)
		return rc;
	today(day);
	memcpy(old, (const char *[]){ d.title, d.owner, d.link, d.status, d.requested, d.received }, sizeof(old));
	memcpy(value, (const char *[]){ in->title, in->owner, in->link, in->status, in->requested, in->received },
	       sizeof(value));
	/* Marked received or reviewed without a date: today. */
	if (!value[5] && !*d.received && in->status && strcmp(in->status, "requested"))
		value[5] = day;

	for (int f = 0; rc == QREL_OK && f < (int)ARRAY_SIZE(old); f++)
		rc = set_field(db, review, who, &d, id, f, old[f], value[f]);
	return finish(db, rc);
}

static int
cite_change(struct db *db, int64_t review, const char *who, int64_t id, int64_t note, bool remove)
{
	static const char nsql[] = "SELECT uuid FROM note WHERE id = ?1 AND review_id = ?2 AND deleted_at IS NULL";
	struct document_row d;
	sqlite3_stmt *st;
	char nuuid[UUID_LEN + 1] = "";
	bool changed = false;
	int rc;

	if ((rc = stored(db, review, id, &d)) != QREL_OK || (rc = open_write(db, review, who, d.site)) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, nsql)))
		return finish(db, QREL_DB);
	sqlite3_bind_int64(st, 1, note);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) == SQLITE_ROW)
		str_copy(nuuid, sizeof(nuuid), db_col_text(st, 0));
	sqlite3_reset(st);
	if (!*nuuid)
		return finish(db, error(QREL_NOTFOUND, "no live note %lld in this review", (long long)note));
	if ((rc = note_link_document(db, note, id, !remove, &changed)) == QREL_OK && !changed)
		rc = remove ? error(QREL_NOTFOUND, "note %lld does not cite document %lld", (long long)note, (long long)id)
			    : error(QREL_CONFLICT, "note %lld already cites document %lld", (long long)note, (long long)id);
	if (rc == QREL_OK)
		rc = changelog_add(db, review, who, "note", nuuid, remove ? "uncite document" : "cite document",
				   remove ? d.uuid : NULL, remove ? NULL : d.uuid, "");
	return finish(db, rc);
}

int
document_cite(struct db *db, int64_t review, const char *who, int64_t id, int64_t note)
{
	return cite_change(db, review, who, id, note, false);
}

int
document_uncite(struct db *db, int64_t review, const char *who, int64_t id, int64_t note)
{
	return cite_change(db, review, who, id, note, true);
}

static void
read_document(sqlite3_stmt *st, struct document_row *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	str_copy(d->uuid, sizeof(d->uuid), db_col_text(st, 1));
	d->site = sqlite3_column_int64(st, 2);
	str_copy(d->site_code, sizeof(d->site_code), db_col_text(st, 3));
	str_copy(d->title, sizeof(d->title), db_col_text(st, 4));
	str_copy(d->owner, sizeof(d->owner), db_col_text(st, 5));
	str_copy(d->status, sizeof(d->status), db_col_text(st, 6));
	str_copy(d->requested, sizeof(d->requested), db_col_text(st, 7));
	str_copy(d->received, sizeof(d->received), db_col_text(st, 8));
	str_copy(d->link, sizeof(d->link), db_col_text(st, 9));
	d->notes = sqlite3_column_int(st, 10);
}

int
document_list(struct db *db, int64_t review, const struct vis_viewer *v, bool outstanding,
	      struct document_row **out, size_t *n)
{
	static const char sql[] =
		"SELECT d.id, d.uuid, coalesce(d.site_id, 0), coalesce(s.code, ''), d.title, d.owner, d.status, "
		"d.requested_at, coalesce(d.received_at, ''), d.link, (SELECT count(*) FROM note_document nd "
		"JOIN note n ON n.id = nd.note_id WHERE nd.document_id = d.id AND n.deleted_at IS NULL) "
		"FROM document d LEFT JOIN site s ON s.id = d.site_id WHERE d.review_id = ?1 "
		"AND (?2 = 0 OR d.status <> 'reviewed') ORDER BY d.requested_at, d.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct document_row *rows = NULL, *grown;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int(st, 2, outstanding);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vis_at at = { sqlite3_column_int64(st, 2), 0, 0 };

		if (v && !visibility_sees(db, v, VIS_NOTE, &at))
			continue;
		if (!(grown = array_grow(rows, *n, &cap, sizeof(*rows)))) {
			rc = SQLITE_NOMEM;
			break;
		}
		rows = grown;
		read_document(st, &rows[(*n)++]);
	}
	rc = rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_NOMEM ? error(QREL_NOMEM, "out of memory")
							       : db_fail(db, "listing documents");
	sqlite3_reset(st);
	*out = rows;
	return rc;
}

int
document_cited_by(struct db *db, int64_t note, char *out, size_t n)
{
	static const char sql[] = "SELECT d.title, d.status FROM note_document nd JOIN document d "
				  "ON d.id = nd.document_id WHERE nd.note_id = ?1 ORDER BY d.title, d.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	size_t used = 0;
	int rc;

	if (n)
		*out = '\0';
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, note);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && used < n) {
		int w = snprintf(out + used, n - used, "%s%s (%s)", used ? "; " : "", db_col_text(st, 0),
				 db_col_text(st, 1));

		used += w > 0 ? (size_t)w : 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading a note's documents");
}

int
document_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone)
{
	return store_forget_row(db, "DELETE FROM document WHERE uuid = ?1 AND review_id = ?2", review, uuid, gone);
}

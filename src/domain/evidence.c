/* evidence.c: evidence notes (add, edit, delete, undo, filtered keyset pages; search.c
 * ranks searches). The only module that writes the note table and its links (note_cluster,
 * note_subgroup, note_group, note_document): import (import.c), sync (sync.c), voice.c
 * and document.c call the row and link writers below (note_insert_row, note_apply_row,
 * note_link_*); each caller asks the gate (gate.h) before it writes. Activities are in
 * activity.c. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/evidence_sql.h"
#include "qrel/gate.h"
#include "qrel/search.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"
#include "qrel/voice.h"

#include <ctype.h>
#include <strings.h>

const char *const evidence_sources[] = { "interview", "focus_group", "document_review",
	"site_observation", "remote_observation", "survey", "self_evaluation", NULL };
const char *const evidence_valences[] = { "strength", "growth", "neutral", NULL };
const char *const evidence_filter_fields[] = { "site", "cluster", "domain", "source", "author",
	"valence", "subgroup", "from", "to", "activity", "search", NULL };

#define HL_OPEN '\x01'
#define HL_CLOSE '\x02'

static bool
in_list(const char *v, const char *const *list)
{
	for (size_t i = 0; v && list[i]; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

bool
evidence_source_valid(const char *source)
{
	return in_list(source, evidence_sources);
}

/* "" binds NULL, so `(?N IS NULL OR ...)` skips the clause. */
static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	db_bind_text(st, i, s && *s ? s : NULL);
}

/* ---- who may write ---- */

/* The gate decides (gate.h): owner is the note's author (0: the caller). */
static int
check_writer(struct db *db, int64_t review, const char *who, int64_t site, int64_t owner, int64_t *person)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK)
		return rc;
	*person = a.person;
	return gate_check(db, review, &a, &(struct gate_write){ .what = GATE_NOTE, .site = site, .owner = owner });
}

static int
check_clusters(struct db *db, int64_t review, const int64_t *cluster, size_t n)
{
	static const char sql[] = "SELECT count(*) FROM cluster c JOIN review r ON r.framework_id = c.framework_id "
				  "WHERE r.id = ?1 AND c.id = ?2";
	sqlite3_stmt *st;

	if (n == 0)
		return error(QREL_PARSE, "a note needs at least one cluster");
	if (n > EVIDENCE_MAX_CLUSTERS)
		return error(QREL_PARSE, "a note has at most %d clusters", EVIDENCE_MAX_CLUSTERS);
	for (size_t i = 0; i < n; i++) {
		int found;

		if (!(st = db_stmt(db, sql)))
			return QREL_DB;
		sqlite3_bind_int64(st, 1, review);
		sqlite3_bind_int64(st, 2, cluster[i]);
		found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
		sqlite3_reset(st);
		if (!found)
			return error(QREL_NOTFOUND, "cluster %lld is not in this review's framework",
				     (long long)cluster[i]);
	}
	return QREL_OK;
}

static bool
blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

static int
check_activity(struct db *db, int64_t review, int64_t activity, int64_t site)
{
	struct activity_row a;
	int rc;

	if (activity <= 0)
		return QREL_OK;
	if ((rc = activity_get(db, review, activity, &a)) != QREL_OK)
		return rc;
	if (a.site != site)
		return error(QREL_PARSE, "activity %lld was held at site %s, not at this note's site",
			     (long long)activity, a.site_code);
	return QREL_OK;
}

static int
check_input(struct db *db, int64_t review, const struct note_input *in)
{
	if (!in_list(in->source, evidence_sources))
		return error(QREL_PARSE, "unknown source type '%s'", in->source ? in->source : "");
	if (in->valence && !in_list(in->valence, evidence_valences))
		return error(QREL_PARSE, "valence must be strength, growth or neutral, not '%s'", in->valence);
	if (blank(in->text))
		return error(QREL_PARSE, "the note has no text");
	if (in->nsubgroups > EVIDENCE_MAX_SUBGROUPS)
		return error(QREL_PARSE, "a note has at most %d subgroups", EVIDENCE_MAX_SUBGROUPS);
	for (size_t i = 0; i < in->nsubgroups; i++)
		if (blank(in->dimension[i]) || blank(in->group[i]))
			return error(QREL_PARSE, "a subgroup needs a dimension and a group");
	if (check_clusters(db, review, in->cluster, in->nclusters) != QREL_OK ||
	    voice_check(db, review, &(struct voice_input){ .groups = in->voices }) != QREL_OK)
		return QREL_PARSE;
	return check_activity(db, review, in->activity, in->site);
}

/* ---- the link writers: the only code that writes a note's links ---- */

static int
unlink_note(struct db *db, const char *sql, int64_t note, const char *what)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, note);
	return db_step_done(db, st, what);
}

int
note_link_clusters(struct db *db, int64_t note, const int64_t *cluster, size_t n)
{
	static const char sql[] = "INSERT OR IGNORE INTO note_cluster(note_id, cluster_id) VALUES (?1, ?2)";
	sqlite3_stmt *st;
	int rc = QREL_OK;

	for (size_t i = 0; i < n && rc == QREL_OK; i++) {
		if (!(st = db_stmt(db, sql)))
			return QREL_DB;
		sqlite3_bind_int64(st, 1, note);
		sqlite3_bind_int64(st, 2, cluster[i]);
		rc = db_step_done(db, st, "linking a note to a cluster");
	}
	return rc;
}

int
note_unlink_clusters(struct db *db, int64_t note)
{
	return unlink_note(db, "DELETE FROM note_cluster WHERE note_id = ?1", note, "unlinking clusters");
}

int
note_link_subgroup(struct db *db, int64_t note, const char *dimension, const char *group)
{
	static const char sql[] = "INSERT OR IGNORE INTO note_subgroup(note_id, dimension, grp) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, note);
	db_bind_text(st, 2, dimension);
	db_bind_text(st, 3, group);
	return db_step_done(db, st, "linking a note to a subgroup");
}

int
note_unlink_subgroups(struct db *db, int64_t note)
{
	return unlink_note(db, "DELETE FROM note_subgroup WHERE note_id = ?1", note, "unlinking subgroups");
}

int
note_link_set_groups(struct db *db, int64_t note, const char *list)
{
	return db_replace_list(db, "DELETE FROM note_group WHERE note_id = ?1",
			       "INSERT INTO note_group(note_id, grp) VALUES (?1, ?2)", note, list,
			       "recording a note's stakeholder group");
}

int
note_link_document(struct db *db, int64_t note, int64_t document, bool cite, bool *changed)
{
	static const char *const sql[] = { "DELETE FROM note_document WHERE note_id = ?1 AND document_id = ?2",
					   "INSERT OR IGNORE INTO note_document(note_id, document_id) VALUES (?1, ?2)" };
	sqlite3_stmt *st = db_stmt(db, sql[cite]);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, note);
	sqlite3_bind_int64(st, 2, document);
	rc = db_step_done(db, st, cite ? "citing a document" : "removing a citation");
	if (rc == QREL_OK && changed)
		*changed = sqlite3_changes(db_handle(db)) > 0;
	return rc;
}

static int
link_subgroups(struct db *db, int64_t note, const struct note_input *in)
{
	int rc = QREL_OK;

	for (size_t i = 0; i < in->nsubgroups && rc == QREL_OK; i++)
		rc = note_link_subgroup(db, note, in->dimension[i], in->group[i]);
	return rc;
}

/* ---- the row writers ---- */

int
note_insert_row(struct db *db, const struct note_fields *f, const char *what, int64_t *id)
{
	static const char sql[] = "INSERT INTO note(uuid, review_id, site_id, activity_id, source, author_id, valence, "
				  "text, created_at, updated_at, deleted_at, version) VALUES (?1, ?2, ?3, "
				  "coalesce(?4, (SELECT id FROM activity WHERE uuid = ?13)), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, f->uuid);
	sqlite3_bind_int64(st, 2, f->review);
	sqlite3_bind_int64(st, 3, f->site);
	db_bind_id(st, 4, f->activity);
	db_bind_text(st, 5, f->source);
	sqlite3_bind_int64(st, 6, f->author);
	db_bind_text(st, 7, f->valence);
	db_bind_text(st, 8, f->text);
	db_bind_text(st, 9, f->created_at);
	db_bind_text(st, 10, f->updated_at);
	db_bind_text(st, 11, f->deleted_at);
	sqlite3_bind_int64(st, 12, f->version);
	db_bind_text(st, 13, f->activity_uuid);
	if ((rc = db_step_done(db, st, what)) == QREL_OK && id)
		*id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

int
note_apply_row(struct db *db, int64_t id, const struct note_fields *f, const char *what)
{
	static const char sql[] = "UPDATE note SET valence = ?1, text = ?2, deleted_at = ?3, updated_at = ?4, "
				  "version = max(version + 1, ?5) WHERE id = ?6";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, f->valence);
	db_bind_text(st, 2, f->text);
	db_bind_text(st, 3, f->deleted_at);
	db_bind_text(st, 4, f->updated_at);
	sqlite3_bind_int64(st, 5, f->version);
	sqlite3_bind_int64(st, 6, id);
	return db_step_done(db, st, what);
}

int
note_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone)
{
	static const char sql[] = "DELETE FROM note WHERE uuid = ?1 AND review_id = ?2 "
				  "AND id NOT IN (SELECT note_id FROM finding_note) "
				  "AND id NOT IN (SELECT note_id FROM cause_link WHERE note_id IS NOT NULL)";

	return store_forget_row(db, sql, review, uuid, gone);
}

const char note_resolve_sql[] = "UPDATE note SET valence = ?1, deleted_at = CASE WHEN ?2 = '1' THEN "
				"coalesce(deleted_at, ?4) END, text = ?3, updated_at = ?4, "
				"version = max(version, ?5) + 1 WHERE uuid = ?6";
const char note_bump_sql[] = "UPDATE note SET version = max(version, ?1) + 1 WHERE uuid = ?2";

static int
insert_note(struct db *db, int64_t review, int64_t author, const struct note_input *in,
	    const char *uuid, int64_t *id)
{
	char now[21];
	const char *at = in->created_at && *in->created_at ? in->created_at : now;

	clock_now(now);
	return note_insert_row(db, &(struct note_fields){ .uuid = uuid, .review = review, .site = in->site,
		.activity = in->activity, .source = in->source, .author = author,
		.valence = in->valence ? in->valence : "neutral", .text = in->text, .created_at = at,
		.updated_at = at, .version = 1 }, "adding a note", id);
}

int
evidence_add(struct db *db, int64_t review, const char *who, const struct note_input *in, int64_t *id)
{
	char uuid[UUID_LEN + 1];
	int64_t author, note = 0;
	int rc;

	if ((rc = check_writer(db, review, who, in->site, 0, &author)) != QREL_OK ||
	    (rc = check_input(db, review, in)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	uuid_new(uuid);
	if ((rc = insert_note(db, review, author, in, uuid, &note)) != QREL_OK ||
	    (rc = note_link_clusters(db, note, in->cluster, in->nclusters)) != QREL_OK ||
	    (rc = link_subgroups(db, note, in)) != QREL_OK ||
	    (rc = changelog_add(db, review, who, "note", uuid, "create", NULL, in->text, "")) != QREL_OK ||
	    (rc = voice_write_note(db, review, who, note, in->voices)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	if ((rc = db_commit(db)) == QREL_OK && id)
		*id = note;
	return rc;
}

/* ---- edit, delete, undo ---- */

struct stored_note {
	int64_t site, author;
	char uuid[40], valence[12], clusters[256], deleted_at[32], updated_at[32];
	char *text;
	int version;
};

static int
load_stored(struct db *db, int64_t review, int64_t id, struct stored_note *s)
{
	static const char sql[] = "SELECT n.site_id, n.author_id, n.uuid, n.valence, n.text, "
				  "coalesce(n.deleted_at, ''), coalesce(" CLUSTER_CODES_SQL ", ''), n.version, n.updated_at "
				  "FROM note n WHERE n.id = ?1 AND n.review_id = ?2";
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = store_review_row(db, sql, id, review, "note", &st)) != QREL_OK)
		return rc;
	s->site = sqlite3_column_int64(st, 0);
	s->author = sqlite3_column_int64(st, 1);
	str_copy(s->uuid, sizeof(s->uuid), db_col_text(st, 2));
	str_copy(s->valence, sizeof(s->valence), db_col_text(st, 3));
	s->text = xstrdup(db_col_text(st, 4));
	str_copy(s->deleted_at, sizeof(s->deleted_at), db_col_text(st, 5));
	str_copy(s->clusters, sizeof(s->clusters), db_col_text(st, 6));
	s->version = sqlite3_column_int(st, 7);
	str_copy(s->updated_at, sizeof(s->updated_at), db_col_text(st, 8));
	sqlite3_reset(st);
	return QREL_OK;
}

/* The author changes their own notes; the lead any. */
static int
may_change(struct db *db, int64_t review, const char *who, const struct stored_note *s)
{
	int64_t person;

	return check_writer(db, review, who, s->site, s->author, &person);
}

static int
bump(struct db *db, int64_t id, const char *field_sql)
{
	sqlite3_stmt *st = db_stmt(db, field_sql);
	char now[21];

	if (!st)
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	return db_step_done(db, st, "updating a note");
}

static int
set_text_field(struct db *db, int64_t id, const char *sql, const char *value)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];

	if (!st)
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, value);
	return db_step_done(db, st, "updating a note");
}

static int
note_cluster_codes(struct db *db, int64_t id, char *out, size_t size)
{
	static const char sql[] = "SELECT coalesce(" CLUSTER_CODES_SQL ", '') FROM note n WHERE n.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(db, "naming a note's clusters");
	}
	str_copy(out, size, db_col_text(st, 0));
	sqlite3_reset(st);
	return QREL_OK;
}

/* Relinks, then compares the codes: the same set in another order is no change. */
static int
edit_clusters(struct db *db, int64_t review, const char *who, int64_t id, const struct stored_note *s,
	      const int64_t *cluster, size_t n, bool *changed)
{
	char codes[256];
	int rc;

	if ((rc = note_unlink_clusters(db, id)) != QREL_OK || (rc = note_link_clusters(db, id, cluster, n)) != QREL_OK ||
	    (rc = note_cluster_codes(db, id, codes, sizeof(codes))) != QREL_OK)
		return rc;
	if (strcmp(codes, s->clusters) == 0)
		return QREL_OK;
	*changed = true;
	return changelog_add(db, review, who, "note", s->uuid, "clusters", s->clusters, codes, "");
}

static int
edit_fields(struct db *db, int64_t review, const char *who, int64_t id, const struct stored_note *s,
	    const char *text, const char *valence, bool *changed)
{
	static const char set_text[] = "UPDATE note SET text = ?3, updated_at = ?2 WHERE id = ?1";
	static const char set_valence[] = "UPDATE note SET valence = ?3, updated_at = ?2 WHERE id = ?1";
	int rc = QREL_OK;

	if (text && strcmp(text, s->text) != 0) {
		*changed = true;
		if ((rc = set_text_field(db, id, set_text, text)) != QREL_OK ||
		    (rc = changelog_add(db, review, who, "note", s->uuid, "text", s->text, text, "")) != QREL_OK)
			return rc;
	}
	if (valence && strcmp(valence, s->valence) != 0) {
		*changed = true;
		if ((rc = set_text_field(db, id, set_valence, valence)) != QREL_OK)
			return rc;
		rc = changelog_add(db, review, who, "note", s->uuid, "valence", s->valence, valence, "");
	}
	return rc;
}

static int
check_edit(struct db *db, int64_t review, const char *text, const char *valence,
	   const int64_t *clusters, size_t n)
{
	if (text && blank(text))
		return error(QREL_PARSE, "the note has no text");
	if (valence && !in_list(valence, evidence_valences))
		return error(QREL_PARSE, "valence must be strength, growth or neutral, not '%s'", valence);
	if (clusters && n > 0 && check_clusters(db, review, clusters, n) != QREL_OK)
		return QREL_PARSE;
	return QREL_OK;
}

/* What an edit asks for: NULL (or no clusters) keeps a field. */
struct note_edit {
	const char *text, *valence;
	const int64_t *clusters;
	size_t nclusters;
	int64_t expect;			/* EVIDENCE_ANY_VERSION: no check */
	struct evidence_note *current;	/* filled on a conflict; may be NULL */
};

/* Someone wrote the note after the user started from version e->expect: refuse,
 * naming them from the change log, and hand back the note as it is now. */
static int
refuse_stale_note(struct db *db, int64_t review, int64_t id, const struct stored_note *s,
		  const struct note_edit *e)
{
	static const char sql[] = "SELECT who, at FROM change_log WHERE entity = 'note' AND entity_uuid = ?1 "
				  "ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	char by[128] = "someone else", at[32];

	str_copy(at, sizeof(at), s->updated_at);
	if (st) {
		db_bind_text(st, 1, s->uuid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			str_copy(by, sizeof(by), db_col_text(st, 0));
			str_copy(at, sizeof(at), db_col_text(st, 1));
		}
		sqlite3_reset(st);
	}
	if (e->current && evidence_get(db, review, id, e->current) == QREL_OK) {
		str_copy(e->current->changed_by, sizeof(e->current->changed_by), by);
		str_copy(e->current->changed_at, sizeof(e->current->changed_at), at);
	}
	return error(QREL_CONFLICT, "%s changed note %lld at %s after you started (it is at version %d, you "
		     "started from %lld): nothing was saved", by, (long long)id, at, s->version, (long long)e->expect);
}

/* Inside the transaction: the note is read again, so the version compared and
 * the old values logged are what the last writer left. */
static int
edit_locked(struct db *db, int64_t review, const char *who, int64_t id, const struct note_edit *e)
{
	static const char version[] = "UPDATE note SET version = version + 1, updated_at = ?2 WHERE id = ?1";
	bool changed = false;
	struct stored_note s;
	int rc;

	if ((rc = load_stored(db, review, id, &s)) != QREL_OK)
		return rc;
	if (e->expect != EVIDENCE_ANY_VERSION && s.version != e->expect)
		rc = refuse_stale_note(db, review, id, &s, e);
	else if ((rc = edit_fields(db, review, who, id, &s, e->text, e->valence, &changed)) == QREL_OK &&
		 e->clusters && e->nclusters > 0)
		rc = edit_clusters(db, review, who, id, &s, e->clusters, e->nclusters, &changed);
	if (rc == QREL_OK && changed)
		rc = bump(db, id, version);
	free(s.text);
	return rc;
}

int
evidence_edit(struct db *db, int64_t review, const char *who, int64_t id, const char *text,
	      const char *valence, const int64_t *clusters, size_t nclusters)
{
	return evidence_edit_expect(db, review, who, id, text, valence, clusters, nclusters,
				    EVIDENCE_ANY_VERSION, NULL);
}

int
evidence_edit_expect(struct db *db, int64_t review, const char *who, int64_t id, const char *text,
		     const char *valence, const int64_t *clusters, size_t nclusters,
		     int64_t expected_version, struct evidence_note *current)
{
	struct note_edit e = { text, valence, clusters, nclusters, expected_version, current };
	struct stored_note s;
	int rc;

	if (current)
		memset(current, 0, sizeof(*current));
	if ((rc = load_stored(db, review, id, &s)) != QREL_OK)
		return rc;
	rc = may_change(db, review, who, &s);
	free(s.text);
	if (rc != QREL_OK || (rc = check_edit(db, review, text, valence, clusters, nclusters)) != QREL_OK ||
	    (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = edit_locked(db, review, who, id, &e)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

static int
set_deleted(struct db *db, int64_t review, const char *who, int64_t id, bool deleted)
{
	static const char del[] = "UPDATE note SET deleted_at = ?2, updated_at = ?2, version = version + 1 "
				  "WHERE id = ?1 AND deleted_at IS NULL";
	static const char undel[] = "UPDATE note SET deleted_at = NULL, updated_at = ?2, version = version + 1 "
				    "WHERE id = ?1 AND deleted_at IS NOT NULL";
	struct stored_note s;
	char now[21];
	int rc;

	if ((rc = load_stored(db, review, id, &s)) != QREL_OK)
		return rc;
	clock_now(now);
	if ((rc = may_change(db, review, who, &s)) == QREL_OK && deleted == !!*s.deleted_at)
		rc = error(QREL_CONFLICT, "note %lld is %s", (long long)id, deleted ? "already deleted" : "not deleted");
	if (rc != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		goto out;
	if ((rc = bump(db, id, deleted ? del : undel)) != QREL_OK ||
	    (rc = changelog_add(db, review, who, "note", s.uuid, deleted ? "delete" : "restore",
				deleted ? NULL : s.deleted_at, deleted ? now : NULL, "")) != QREL_OK) {
		db_rollback(db);
		goto out;
	}
	rc = db_commit(db);
out:
	free(s.text);
	return rc;
}

int
evidence_delete(struct db *db, int64_t review, const char *who, int64_t id)
{
	return set_deleted(db, review, who, id, true);
}

int
evidence_undelete(struct db *db, int64_t review, const char *who, int64_t id)
{
	return set_deleted(db, review, who, id, false);
}

/* ---- filters ---- */

bool
evidence_filter_empty(const struct evidence_filter *f)
{
	return !f->site && !f->cluster && !f->domain && !f->author && !f->activity && !*f->source &&
	       !*f->valence && !*f->dimension && !*f->from && !*f->to && !*f->query;
}

static void
describe_add(char *buf, size_t size, size_t *used, const char *name, const char *value)
{
	if (!value || !*value || *used >= size)
		return;
	*used += (size_t)snprintf(buf + *used, size - *used, "%s%s=%s", *used ? " " : "", name, value);
}

void
evidence_filter_describe(const struct evidence_filter *f, char *buf, size_t size)
{
	char sub[130], act[24] = "";
	size_t used = 0;

	buf[0] = '\0';
	snprintf(sub, sizeof(sub), "%s%s%s", f->dimension, *f->group ? ":" : "", f->group);
	if (f->activity)
		snprintf(act, sizeof(act), "%lld", (long long)f->activity);
	describe_add(buf, size, &used, "site", f->site_code);
	describe_add(buf, size, &used, "cluster", f->cluster_code);
	describe_add(buf, size, &used, "domain", f->domain_code);
	describe_add(buf, size, &used, "source", f->source);
	describe_add(buf, size, &used, "author", f->author_name);
	describe_add(buf, size, &used, "valence", f->valence);
	describe_add(buf, size, &used, "subgroup", sub);
	describe_add(buf, size, &used, "from", f->from);
	describe_add(buf, size, &used, "to", f->to);
	describe_add(buf, size, &used, "activity", act);
	describe_add(buf, size, &used, "search", f->query);
	if (!used)
		snprintf(buf, size, "all notes");
}

/* Case, spaces and hyphens do not matter: "Focus group" is focus_group. */
static const char *
match_word(const char *v, const char *const *list)
{
	char norm[32];
	size_t i;

	for (i = 0; v[i] && i < sizeof(norm) - 1; i++)
		norm[i] = v[i] == ' ' || v[i] == '-' ? '_' : (char)tolower((unsigned char)v[i]);
	norm[i] = '\0';
	for (i = 0; list[i]; i++)
		if (strcmp(norm, list[i]) == 0)
			return list[i];
	for (i = 0; *norm && list[i]; i++)
		if (strncmp(norm, list[i], strlen(norm)) == 0 && (!list[i + 1] ||
		    strncmp(norm, list[i + 1], strlen(norm)) != 0))
			return list[i];
	return NULL;
}

static int64_t
domain_id(struct db *db, int64_t review, const char *code)
{
	static const char sql[] = "SELECT d.id FROM domain d JOIN review r ON r.framework_id = d.framework_id "
				  "WHERE r.id = ?1 AND d.code = ?2 COLLATE NOCASE";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = -1;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, code);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		id = 0;
	else
		db_fail(db, "looking up a domain");
	sqlite3_reset(st);
	return id;
}

/* Resolves a code or name to an id with lookup; 0 is "unknown". */
static int
set_ref(int64_t found, int64_t *id, char *text, size_t size, const char *what, const char *value)
{
	if (found < 0)
		return QREL_DB;
	if (found == 0)
		return error(QREL_NOTFOUND, "no %s '%s' in this review", what, value);
	*id = found;
	str_copy(text, size, value);
	return QREL_OK;
}

static int
set_subgroup(struct evidence_filter *f, const char *value)
{
	const char *colon = strchr(value, ':');
	size_t n = colon ? (size_t)(colon - value) : strlen(value);

	if (n == 0 || n >= sizeof(f->dimension) || (colon && !colon[1]))
		return error(QREL_PARSE, "a subgroup is DIMENSION or DIMENSION:GROUP, not '%s'", value);
	memcpy(f->dimension, value, n);
	f->dimension[n] = '\0';
	str_copy(f->group, sizeof(f->group), colon ? colon + 1 : "");
	return QREL_OK;
}

static int
set_choice(char *dst, size_t size, const char *value, const char *const *list, const char *what)
{
	const char *v = match_word(value, list);

	if (!v)
		return error(QREL_PARSE, "unknown %s '%s'", what, value);
	str_copy(dst, size, v);
	return QREL_OK;
}

static int
set_date(char *dst, size_t size, const char *value)
{
	if (!date_valid(value))
		return error(QREL_PARSE, "'%s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)", value);
	str_copy(dst, size, value);
	return QREL_OK;
}

static int
set_search(struct evidence_filter *f, const char *value)
{
	char q[EVIDENCE_QUERY_MAX * 2];

	if (!search_fts_query(value, q, sizeof(q)))
		return error(QREL_PARSE, "nothing to search for in '%s'", value);
	str_copy(f->query, sizeof(f->query), value);
	return QREL_OK;
}

static int
filter_clear(struct evidence_filter *f, const char *field)
{
	if (!strcmp(field, "site")) { f->site = 0; f->site_code[0] = '\0'; }
	else if (!strcmp(field, "cluster")) { f->cluster = 0; f->cluster_code[0] = '\0'; }
	else if (!strcmp(field, "domain")) { f->domain = 0; f->domain_code[0] = '\0'; }
	else if (!strcmp(field, "author")) { f->author = 0; f->author_name[0] = '\0'; }
	else if (!strcmp(field, "source")) f->source[0] = '\0';
	else if (!strcmp(field, "valence")) f->valence[0] = '\0';
	else if (!strcmp(field, "subgroup")) f->dimension[0] = f->group[0] = '\0';
	else if (!strcmp(field, "from")) f->from[0] = '\0';
	else if (!strcmp(field, "to")) f->to[0] = '\0';
	else if (!strcmp(field, "activity")) f->activity = 0;
	else if (!strcmp(field, "search")) f->query[0] = '\0';
	else return error(QREL_USAGE, "unknown filter '%s'", field);
	return QREL_OK;
}

int
evidence_filter_set(struct db *db, int64_t review, struct evidence_filter *f, const char *field,
		    const char *value)
{
	if (!value || !*value)
		return filter_clear(f, field);
	if (!strcmp(field, "site"))
		return set_ref(store_site_id(db, review, value), &f->site, f->site_code, sizeof(f->site_code),
			       "site", value);
	if (!strcmp(field, "cluster"))
		return set_ref(store_cluster_id(db, review, value), &f->cluster, f->cluster_code,
			       sizeof(f->cluster_code), "cluster", value);
	if (!strcmp(field, "domain"))
		return set_ref(domain_id(db, review, value), &f->domain, f->domain_code, sizeof(f->domain_code),
			       "domain", value);
	if (!strcmp(field, "author"))
		return set_ref(store_person_id(db, review, value), &f->author, f->author_name,
			       sizeof(f->author_name), "member", value);
	if (!strcmp(field, "activity"))
		return set_ref(activity_find(db, review, value), &f->activity, NULL, 0, "activity", value);
	if (!strcmp(field, "source"))
		return set_choice(f->source, sizeof(f->source), value, evidence_sources, "source type");
	if (!strcmp(field, "valence"))
		return set_choice(f->valence, sizeof(f->valence), value, evidence_valences, "valence");
	if (!strcmp(field, "subgroup"))
		return set_subgroup(f, value);
	if (!strcmp(field, "from") || !strcmp(field, "to"))
		return set_date(field[0] == 'f' ? f->from : f->to, sizeof(f->from), value);
	if (!strcmp(field, "search"))
		return set_search(f, value);
	return error(QREL_USAGE, "unknown filter '%s'", field);
}

/* ---- pages ---- */

enum { COL_ID, COL_UUID, COL_CREATED, COL_SITE_CODE, COL_SOURCE, COL_AUTHOR, COL_VALENCE, COL_TEXT,
	COL_VERSION, COL_SITE, COL_ACTIVITY, COL_CLUSTERS, COL_FIRST_CLUSTER, COL_SUBGROUPS, COL_DELETED,
	COL_RANK, COL_HL };

unsigned
evidence_sql_mask(const struct evidence_filter *f)
{
	return (f->site > 0 ? F_SITE : 0u) | (f->cluster > 0 ? F_CLUSTER : 0u) | (f->domain > 0 ? F_DOMAIN : 0u) |
	       (*f->source ? F_SOURCE : 0u) | (f->author > 0 ? F_AUTHOR : 0u) | (*f->valence ? F_VALENCE : 0u) |
	       (*f->dimension ? F_SUBGROUP : 0u) | (*f->dimension && *f->group ? F_GROUP : 0u) |
	       (*f->from ? F_FROM : 0u) | (*f->to ? F_TO : 0u) | (f->activity > 0 ? F_ACTIVITY : 0u) |
	       (f->scope_site > 0 ? F_SCOPE_SITE : 0u) | (f->scope_author > 0 ? F_SCOPE_AUTHOR : 0u) |
	       (f->scope_none ? F_SCOPE_NONE : 0u);
}

struct sqlbuf {
	char s[2048];
	size_t n;
};

static void
put(struct sqlbuf *b, const char *a, const char *id, const char *c)
{
	b->n += (size_t)snprintf(b->s + b->n, sizeof(b->s) - b->n, "%s%s%s", a, id ? id : "", c ? c : "");
}

/* The WHERE clause for the filters in mask; id names the note's id (note_fts.rowid when
 * the full-text index drives, so the cluster test runs before the note is read). */
static void
put_filters(struct sqlbuf *b, unsigned mask, const char *id)
{
	/* A site belongs to one review: without the review test, a site's count reads only
	 * the index note_site_live. */
	if (mask & F_SITE)
		put(b, "n.site_id = ?2 AND n.deleted_at IS NULL", NULL, NULL);
	else
		put(b, "n.review_id = ?1 AND n.deleted_at IS NULL", NULL, NULL);
	if (mask & F_ACTIVITY)
		put(b, " AND n.activity_id = ?12", NULL, NULL);
	if (mask & F_SCOPE_SITE)
		put(b, " AND n.site_id = ?17", NULL, NULL);
	if (mask & F_SCOPE_AUTHOR)
		put(b, " AND n.author_id = ?18", NULL, NULL);
	if (mask & F_SCOPE_NONE)
		put(b, " AND 0", NULL, NULL);
	if (mask & F_SOURCE)
		put(b, " AND n.source = ?5", NULL, NULL);
	if (mask & F_AUTHOR)
		put(b, " AND n.author_id = ?6", NULL, NULL);
	if (mask & F_VALENCE)
		put(b, " AND n.valence = ?7", NULL, NULL);
	if (mask & F_FROM)
		put(b, " AND n.created_at >= ?10", NULL, NULL);
	/* "to" is a prefix: 2026-03-02 takes the whole day. The first test is a range
	 * an index can use ('~' sorts after every character of a timestamp); after a
	 * cursor, the cursor is the tighter bound and must be the one the index uses. */
	if ((mask & F_TO) && !(mask & F_CURSOR))
		put(b, " AND n.created_at < ?11 || '~'", NULL, NULL);
	if (mask & F_TO)
		put(b, " AND substr(n.created_at, 1, length(?11)) <= ?11", NULL, NULL);
	if (mask & F_CLUSTER)
		put(b, " AND EXISTS (SELECT 1 FROM note_cluster nc WHERE nc.note_id = ", id, " AND nc.cluster_id = ?3)");
	if (mask & F_DOMAIN)
		put(b, " AND EXISTS (SELECT 1 FROM note_cluster nc JOIN cluster c ON c.id = nc.cluster_id "
		    "WHERE nc.note_id = ", id, " AND c.domain_id = ?4)");
	if (mask & F_SUBGROUP)
		put(b, " AND EXISTS (SELECT 1 FROM note_subgroup ns WHERE ns.note_id = ", id,
		    mask & F_GROUP ? " AND ns.dimension = ?8 COLLATE NOCASE AND ns.grp = ?9 COLLATE NOCASE)"
				   : " AND ns.dimension = ?8 COLLATE NOCASE)");
}

/* A site's notes of one cluster are read from note_cluster_time (schema.c), in
 * the list's order, rather than by testing each of the site's notes for the cluster. */
#define SITE_CLUSTER_FROM "note_cluster_time x CROSS JOIN note n"
#define SITE_CLUSTER_WHERE "x.site_id = ?2 AND x.cluster_id = ?3 AND n.id = x.note_id"

static bool
by_site_cluster(unsigned mask)
{
	return (mask & F_SITE) && (mask & F_CLUSTER) && !(mask & F_SEARCH);
}

static void
build_sql(struct sqlbuf *b, enum evidence_query_kind kind, unsigned mask)
{
	bool cursor = mask & F_CURSOR;

	b->n = 0;
	switch (kind) {
	case Q_LIST:
		if (by_site_cluster(mask)) {
			put(b, "SELECT " NOTE_COLS ", 0.0, NULL FROM " SITE_CLUSTER_FROM " " NOTE_JOINS " WHERE "
			    SITE_CLUSTER_WHERE " AND ", NULL, NULL);
			put_filters(b, mask & ~F_CLUSTER, "n.id");
			put(b, cursor ? " AND (x.created_at, x.note_id) < (?13, ?14)" : "", NULL,
			    " ORDER BY x.created_at DESC, x.note_id DESC LIMIT ?15");
			break;
		}
		put(b, "SELECT " NOTE_COLS ", 0.0, NULL FROM " NOTE_FROM " WHERE ", NULL, NULL);
		put_filters(b, mask, "n.id");
		put(b, cursor ? " AND (n.created_at, n.id) < (?13, ?14)" : "", NULL,
		    " ORDER BY n.created_at DESC, n.id DESC LIMIT ?15");
		break;
	case Q_COUNT:
		put(b, "SELECT count(*) FROM note n WHERE ", NULL, NULL);
		put_filters(b, mask, "n.id");
		put(b, mask & F_SEARCH ? " AND n.id IN (SELECT rowid FROM note_fts WHERE note_fts MATCH ?16)" : "",
		    NULL, NULL);
		break;
	case Q_COUNT_CAP:
		if (by_site_cluster(mask) && !(mask & ~(F_SITE | F_CLUSTER))) {
			/* Its rows are the site's live notes of the cluster: no note is read. */
			put(b, "SELECT count(*) FROM (SELECT 1 FROM note_cluster_time x "
			    "WHERE x.site_id = ?2 AND x.cluster_id = ?3 LIMIT ?15)", NULL, NULL);
		} else if (by_site_cluster(mask)) {
			put(b, "SELECT count(*) FROM (SELECT 1 FROM " SITE_CLUSTER_FROM " WHERE " SITE_CLUSTER_WHERE
			    " AND ", NULL, NULL);
			put_filters(b, mask & ~F_CLUSTER, "n.id");
			put(b, " LIMIT ?15)", NULL, NULL);
		} else {
			put(b, "SELECT count(*) FROM (SELECT 1 FROM note n WHERE ", NULL, NULL);
			put_filters(b, mask, "n.id");
			put(b, " LIMIT ?15)", NULL, NULL);
		}
		break;
	case Q_RANK:
		/* A site's or an activity's notes are few: read them through their index and
		 * ask the full-text index about each. Otherwise the full-text index drives, and
		 * qrel_rank (search.c) turns away, before the note is read, every match that
		 * cannot make the page. */
		if (mask & Q_RANK_BY_NOTE) {
			put(b, "SELECT n.id FROM note n CROSS JOIN note_fts ON note_fts.rowid = n.id "
			    "WHERE ", NULL, NULL);
			put_filters(b, mask, "n.id");
			put(b, " AND note_fts MATCH ?16 AND qrel_rank(note_fts, ?19)", NULL, NULL);
		} else {
			put(b, "SELECT n.id FROM note_fts CROSS JOIN note n ON n.id = note_fts.rowid "
			    "WHERE note_fts MATCH ?16 AND qrel_rank(note_fts, ?19) AND ", NULL, NULL);
			put_filters(b, mask, "note_fts.rowid");
		}
		break;
	case Q_MATCH_CAP:
		put(b, "SELECT count(*) FROM (SELECT 1 FROM note_fts CROSS JOIN note n ON n.id = note_fts.rowid "
		    "WHERE note_fts MATCH ?16 AND ", NULL, NULL);
		put_filters(b, mask, "note_fts.rowid");
		put(b, " LIMIT ?15)", NULL, NULL);
		break;
	case Q_MATCH_LATEST:
		/* In the order of the index that drives (ids descending): no sort, and a page
		 * reads the matches up to its last row (search.c). */
		put(b, "SELECT " NOTE_COLS ", 0.0, highlight(note_fts, 0, char(1), char(2)) FROM ", NULL, NULL);
		put(b, mask & Q_RANK_BY_NOTE ? "note n CROSS JOIN note_fts ON note_fts.rowid = n.id"
					     : "note_fts CROSS JOIN note n ON n.id = note_fts.rowid",
		    NULL, " CROSS JOIN site s ON s.id = n.site_id CROSS JOIN person p ON p.id = n.author_id WHERE ");
		put_filters(b, mask, mask & Q_RANK_BY_NOTE ? "n.id" : "note_fts.rowid");
		put(b, " AND note_fts MATCH ?16", NULL, NULL);
		if (cursor)
			put(b, " AND ", mask & Q_RANK_BY_NOTE ? "n.id" : "note_fts.rowid", " < ?14");
		put(b, " ORDER BY ", mask & Q_RANK_BY_NOTE ? "n.id" : "note_fts.rowid", " DESC LIMIT ?15");
		break;
	}
}

/* The assembled statements, one heap string per (kind, mask), kept for the life of the
 * process: db_stmt caches prepared statements by the string's address. */
struct sql_entry {
	enum evidence_query_kind kind;
	unsigned mask;
	char *sql;
};

static struct sql_entry *sql_table;
static size_t sql_count, sql_cap;

static const char *
query_sql(enum evidence_query_kind kind, unsigned mask)
{
	struct sqlbuf b;

	for (size_t i = 0; i < sql_count; i++)
		if (sql_table[i].kind == kind && sql_table[i].mask == mask)
			return sql_table[i].sql;
	if (sql_count == sql_cap) {
		size_t cap = sql_cap ? sql_cap * 2 : 16;
		struct sql_entry *t = realloc(sql_table, cap * sizeof(*t));

		if (!t)
			return NULL;
		sql_table = t;
		sql_cap = cap;
	}
	build_sql(&b, kind, mask);
	if (b.n >= sizeof(b.s))
		return NULL;
	sql_table[sql_count] = (struct sql_entry){ kind, mask, xstrdup(b.s) };
	return sql_table[sql_count++].sql;
}

sqlite3_stmt *
evidence_sql_stmt(struct db *db, enum evidence_query_kind kind, unsigned mask)
{
	const char *sql = query_sql(kind, mask);

	if (!sql) {
		error(QREL_NOMEM, "out of memory");
		return NULL;
	}
	return db_stmt(db, sql);
}

/* Binds what is set; a parameter the statement does not use is ignored by SQLite. */
void
evidence_sql_bind(sqlite3_stmt *st, int64_t review, const struct evidence_filter *f)
{
	sqlite3_bind_int64(st, 1, review);
	db_bind_id(st, 2, f->site);
	db_bind_id(st, 3, f->cluster);
	db_bind_id(st, 4, f->domain);
	bind_opt(st, 5, f->source);
	db_bind_id(st, 6, f->author);
	bind_opt(st, 7, f->valence);
	bind_opt(st, 8, f->dimension);
	bind_opt(st, 9, f->group);
	bind_opt(st, 10, f->from);
	bind_opt(st, 11, f->to);
	db_bind_id(st, 12, f->activity);
	db_bind_id(st, 17, f->scope_site);
	db_bind_id(st, 18, f->scope_author);
}

int
evidence_filter_viewer(struct db *db, int64_t review, const char *viewer, struct evidence_filter *f)
{
	struct vis_note_scope scope;
	struct vis_viewer v;
	int rc;

	if ((rc = visibility_viewer(db, review, viewer, &v)) != QREL_OK)
		return rc;
	visibility_note_scope(db, &v, &scope);
	f->scope_none = scope.none;
	f->scope_site = scope.all || scope.none ? 0 : scope.site;
	f->scope_author = scope.all || scope.none ? 0 : scope.author;
	return QREL_OK;
}

/* Offsets of the \1...\2 marks highlight() put in; none if the text itself holds such bytes. */
static void
read_spans(struct evidence_note *r, const char *hl)
{
	unsigned pos = 0;
	bool ok = true;

	r->nspans = 0;
	for (; hl && *hl && ok; hl++) {
		if (*hl == HL_OPEN && r->nspans < EVIDENCE_MAX_SPANS)
			r->span[r->nspans].start = pos;
		else if (*hl == HL_CLOSE && r->nspans < EVIDENCE_MAX_SPANS)
			r->span[r->nspans++].end = pos;
		else if (*hl != HL_OPEN && *hl != HL_CLOSE)
			ok = r->text[pos++] == *hl;
	}
	if (!ok || r->text[pos] || strchr(r->text, HL_OPEN) || strchr(r->text, HL_CLOSE))
		r->nspans = 0;
}

void
evidence_sql_read(sqlite3_stmt *st, struct evidence_note *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, COL_ID);
	str_copy(r->uuid, sizeof(r->uuid), db_col_text(st, COL_UUID));
	str_copy(r->created_at, sizeof(r->created_at), db_col_text(st, COL_CREATED));
	str_copy(r->site_code, sizeof(r->site_code), db_col_text(st, COL_SITE_CODE));
	str_copy(r->source, sizeof(r->source), db_col_text(st, COL_SOURCE));
	str_copy(r->author, sizeof(r->author), db_col_text(st, COL_AUTHOR));
	str_copy(r->valence, sizeof(r->valence), db_col_text(st, COL_VALENCE));
	r->text = xstrdup(db_col_text(st, COL_TEXT));
	r->version = sqlite3_column_int(st, COL_VERSION);
	r->site = sqlite3_column_int64(st, COL_SITE);
	r->activity = sqlite3_column_int64(st, COL_ACTIVITY);
	str_copy(r->clusters, sizeof(r->clusters), db_col_text(st, COL_CLUSTERS));
	r->first_cluster = sqlite3_column_int64(st, COL_FIRST_CLUSTER);
	str_copy(r->subgroups, sizeof(r->subgroups), db_col_text(st, COL_SUBGROUPS));
	r->deleted = sqlite3_column_type(st, COL_DELETED) != SQLITE_NULL;
	r->rank = sqlite3_column_double(st, COL_RANK);
	if (sqlite3_column_type(st, COL_HL) != SQLITE_NULL)
		read_spans(r, db_col_text(st, COL_HL));
}

void
evidence_sql_cursor(sqlite3_stmt *st, const struct evidence_cursor *cur, bool search)
{
	if (search)
		sqlite3_bind_double(st, 13, cur->rank);
	else
		db_bind_text(st, 13, cur->created_at);
	sqlite3_bind_int64(st, 14, cur->id);
}

/* Steps st into out (up to limit rows); resets st. */
int
evidence_sql_rows(struct db *db, sqlite3_stmt *st, int limit, struct evidence_note *out, int *n)
{
	int rc = SQLITE_DONE;

	while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		evidence_sql_read(st, &out[(*n)++]);
	if (*n < limit && rc != SQLITE_DONE) {
		rc = db_fail(db, "listing notes");
		evidence_notes_free(out, *n);
		*n = 0;
	} else {
		rc = QREL_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* The last total (evidence_total), kept the same way. */
static struct {
	struct db *db;
	unsigned long generation;
	int64_t review;
	struct evidence_filter f;
	struct evidence_total t;
	bool valid;
} tot;

static bool
same_filter(const struct evidence_filter *a, const struct evidence_filter *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void
noop_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	UNUSED(argc);
	UNUSED(argv);
	sqlite3_result_null(ctx);
}

static struct db *watched;	/* the connection whose closing drops the caches */

/* SQLite destroys a connection's functions when it closes: the caches of that connection
 * (this one and search's) are dropped then, so a later connection at the same address cannot hit them. */
static void
forget_caches(void *db)
{
	search_forget(db);
	if (tot.db == db)
		tot.valid = false;
	if (watched == db)
		watched = NULL;
}

/* Once per connection: replacing a function would expire every prepared statement. */
static void
watch_close(struct db *db)
{
	if (watched == db)
		return;
	forget_caches(watched);
	if (sqlite3_create_function_v2(db_handle(db), "qrel_evidence_caches", 0, SQLITE_UTF8, db, noop_function,
				       NULL, NULL, forget_caches) == SQLITE_OK)
		watched = db;
}

bool
evidence_sql_cache_ok(struct db *db)
{
	watch_close(db);
	return watched == db;
}

int
evidence_page(struct db *db, int64_t review, const struct evidence_filter *f,
	      const struct evidence_cursor *cur, int limit, struct evidence_note *out, int *n)
{
	bool after = cur && cur->set;
	sqlite3_stmt *st;

	*n = 0;
	if (*f->query)
		return search_page(db, review, f, cur, limit, out, n);
	if (!(st = evidence_sql_stmt(db, Q_LIST, evidence_sql_mask(f) | (after ? F_CURSOR : 0u))))
		return QREL_DB;
	evidence_sql_bind(st, review, f);
	if (after)
		evidence_sql_cursor(st, cur, false);
	sqlite3_bind_int(st, 15, limit);
	return evidence_sql_rows(db, st, limit, out, n);
}

void
evidence_cursor_of(const struct evidence_note *row, struct evidence_cursor *cur)
{
	cur->set = true;
	str_copy(cur->created_at, sizeof(cur->created_at), row->created_at);
	cur->rank = row->rank_key;
	cur->id = row->id;
}

void
evidence_notes_free(struct evidence_note *rows, int n)
{
	for (int i = 0; rows && i < n; i++) {
		free(rows[i].text);
		rows[i].text = NULL;
	}
}

long long
evidence_count(struct db *db, int64_t review, const struct evidence_filter *f)
{
	char q[EVIDENCE_QUERY_MAX * 2];
	sqlite3_stmt *st;
	long long count = -1;

	if (*f->query && !search_fts_query(f->query, q, sizeof(q))) {
		error(QREL_PARSE, "nothing to search for in '%s'", f->query);
		return -1;
	}
	if (!(st = evidence_sql_stmt(db, Q_COUNT, evidence_sql_mask(f) | (*f->query ? F_SEARCH : 0u))))
		return -1;
	evidence_sql_bind(st, review, f);
	if (*f->query)
		db_bind_text(st, 16, q);
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int64(st, 0);
	else
		db_fail(db, "counting notes");
	sqlite3_reset(st);
	return count;
}

/* The notes (searching: the matches) the filter lets through, up to the cap. */
static int
count_capped(struct db *db, int64_t review, const struct evidence_filter *f, struct evidence_total *t)
{
	char q[EVIDENCE_QUERY_MAX * 2];
	sqlite3_stmt *st;
	int rc = QREL_OK;

	if (*f->query && !search_fts_query(f->query, q, sizeof(q)))
		return error(QREL_PARSE, "nothing to search for in '%s'", f->query);
	if (!(st = evidence_sql_stmt(db, *f->query ? Q_MATCH_CAP : Q_COUNT_CAP, evidence_sql_mask(f))))
		return QREL_DB;
	evidence_sql_bind(st, review, f);
	sqlite3_bind_int(st, 15, EVIDENCE_COUNT_CAP + 1);
	if (*f->query)
		db_bind_text(st, 16, q);
	if (sqlite3_step(st) == SQLITE_ROW)
		t->count = sqlite3_column_int64(st, 0);
	else
		rc = db_fail(db, "counting notes");
	sqlite3_reset(st);
	if (t->count > EVIDENCE_COUNT_CAP) {
		t->count = EVIDENCE_COUNT_CAP;
		t->more = true;
	}
	return rc;
}

int
evidence_total(struct db *db, int64_t review, const struct evidence_filter *f, struct evidence_total *out)
{
	unsigned long gen = db_generation(db);
	struct evidence_total t = { 0 };
	int rc;

	if (tot.valid && tot.db == db && tot.generation == gen && tot.review == review && same_filter(&tot.f, f)) {
		*out = tot.t;
		return QREL_OK;
	}
	rc = count_capped(db, review, f, &t);
	if (rc != QREL_OK)
		return rc;
	*out = t;
	watch_close(db);
	if (watched != db)
		return QREL_OK;	/* not cached */
	tot.db = db;
	tot.generation = gen;
	tot.review = review;
	tot.f = *f;
	tot.t = t;
	tot.valid = true;
	*out = t;
	return QREL_OK;
}

int
evidence_get(struct db *db, int64_t review, int64_t id, struct evidence_note *out)
{
	static const char sql[] = "SELECT " NOTE_COLS ", 0.0, NULL FROM " NOTE_FROM
				  " WHERE n.id = ?1 AND n.review_id = ?2";
	sqlite3_stmt *st;
	int rc = store_review_row(db, sql, id, review, "note", &st);

	if (rc == QREL_OK) {
		evidence_sql_read(st, out);
		sqlite3_reset(st);
	}
	return rc;
}

/* ---- choices ---- */

static const char choice_site[] = "SELECT code, code || '  ' || name, id FROM site WHERE review_id = ?1 ORDER BY code";
static const char choice_cluster[] = "SELECT c.code, c.code || '  ' || c.title, c.id FROM cluster c "
	"JOIN domain d ON d.id = c.domain_id JOIN review r ON r.framework_id = c.framework_id "
	"WHERE r.id = ?1 ORDER BY d.position, c.position";
static const char choice_domain[] = "SELECT d.code, d.code || '  ' || d.title, d.id FROM domain d "
	"JOIN review r ON r.framework_id = d.framework_id WHERE r.id = ?1 ORDER BY d.position";
static const char choice_author[] = "SELECT name, name || '  (' || role || ')', id FROM person "
	"WHERE review_id = ?1 ORDER BY name";
static const char choice_subgroup[] = "SELECT v, v, 0 FROM (SELECT DISTINCT ns.dimension || ':' || ns.grp AS v "
	"FROM note_subgroup ns JOIN note n ON n.id = ns.note_id WHERE n.review_id = ?1 UNION "
	"SELECT DISTINCT dimension || ':' || grp FROM subgroup_row WHERE review_id = ?1) ORDER BY v";
static const char choice_activity[] = "SELECT a.id, a.held_at || '  ' || s.code || '  ' || a.source || "
	"'  ' || a.description, a.id FROM activity a JOIN site s ON s.id = a.site_id "
	"WHERE a.review_id = ?1 ORDER BY a.held_at DESC, a.id DESC";

static int
grow_choices(struct evidence_choice **out, int n, int *cap)
{
	struct evidence_choice *c;

	if (n < *cap)
		return QREL_OK;
	*cap = *cap ? *cap * 2 : 32;
	if (!(c = realloc(*out, (size_t)*cap * sizeof(*c))))
		return error(QREL_NOMEM, "out of memory");
	*out = c;
	return QREL_OK;
}

static int
choices_sql(struct db *db, int64_t review, const char *sql, struct evidence_choice **out, int *n)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, cap = 0;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow_choices(out, *n, &cap) != QREL_OK) {
			sqlite3_reset(st);
			return QREL_NOMEM;
		}
		str_copy((*out)[*n].value, sizeof((*out)[*n].value), db_col_text(st, 0));
		str_copy((*out)[*n].label, sizeof((*out)[*n].label), db_col_text(st, 1));
		(*out)[(*n)++].id = sqlite3_column_int64(st, 2);
	}
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing choices");
	sqlite3_reset(st);
	return rc;
}

static int
choices_list(const char *const *list, struct evidence_choice **out, int *n)
{
	int cap = 0;

	for (size_t i = 0; list[i]; i++) {
		if (grow_choices(out, *n, &cap) != QREL_OK)
			return QREL_NOMEM;
		str_copy((*out)[*n].value, sizeof((*out)[*n].value), list[i]);
		str_copy((*out)[*n].label, sizeof((*out)[*n].label), list[i]);
		(*out)[(*n)++].id = 0;
	}
	return QREL_OK;
}

int
evidence_choices(struct db *db, int64_t review, const char *field, struct evidence_choice **out, int *n)
{
	static const struct { const char *field, *sql; } table[] = {
		{ "site", choice_site }, { "cluster", choice_cluster }, { "domain", choice_domain },
		{ "author", choice_author }, { "subgroup", choice_subgroup }, { "activity", choice_activity },
	};
	int rc;

	*out = NULL;
	*n = 0;
	if (!strcmp(field, "source"))
		rc = choices_list(evidence_sources, out, n);
	else if (!strcmp(field, "valence"))
		rc = choices_list(evidence_valences, out, n);
	else
		rc = error(QREL_USAGE, "no choices for '%s'", field);
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(field, table[i].field))
			rc = choices_sql(db, review, table[i].sql, out, n);
	if (rc != QREL_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

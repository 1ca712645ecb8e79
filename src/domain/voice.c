/* voice.c: stakeholder groups of activities and notes, participants and language,
 * and the groups heard per site and cluster. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/gate.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/voice.h"

#include <ctype.h>

/*
 * Groups are the framework's data ([group CODE] sections), stored with it with
 * their guiding questions: per cluster for every group (grp '') or for one, and
 * a group's own opening questions (cluster_id NULL). Activities and notes name
 * groups by code. A note with groups of its own carries those, else its
 * activity's.
 */
const char voice_migration[] =
"CREATE TABLE stakeholder_group ("
"  id INTEGER PRIMARY KEY,"
"  framework_id INTEGER NOT NULL REFERENCES framework(id) ON DELETE CASCADE,"
"  code TEXT NOT NULL,"
"  title TEXT NOT NULL,"
"  position INTEGER NOT NULL,"
"  UNIQUE (framework_id, code));"
"CREATE TABLE guiding_question ("
"  id INTEGER PRIMARY KEY,"
"  framework_id INTEGER NOT NULL REFERENCES framework(id) ON DELETE CASCADE,"
"  cluster_id INTEGER REFERENCES cluster(id) ON DELETE CASCADE,"
"  grp TEXT NOT NULL DEFAULT '',"
"  position INTEGER NOT NULL,"
"  text TEXT NOT NULL);"
"CREATE INDEX guiding_question_cluster ON guiding_question(cluster_id, position);"
"ALTER TABLE activity ADD COLUMN participants INTEGER CHECK (participants IS NULL OR participants > 0);"
"ALTER TABLE activity ADD COLUMN language TEXT NOT NULL DEFAULT '';"
"ALTER TABLE activity ADD COLUMN interpreter INTEGER NOT NULL DEFAULT 0 CHECK (interpreter IN (0, 1));"
"CREATE TABLE activity_group ("
"  activity_id INTEGER NOT NULL REFERENCES activity(id) ON DELETE CASCADE,"
"  grp TEXT NOT NULL,"
"  PRIMARY KEY (activity_id, grp)) WITHOUT ROWID;"
"CREATE TABLE note_group ("
"  note_id INTEGER NOT NULL REFERENCES note(id) ON DELETE CASCADE,"
"  grp TEXT NOT NULL,"
"  PRIMARY KEY (note_id, grp)) WITHOUT ROWID;";

/* ---- the framework's groups ---- */

int
voice_groups(struct db *db, int64_t review, struct voice_group **out, int *n)
{
	static const char sql[] = "SELECT g.code, g.title FROM stakeholder_group g JOIN review r "
				  "ON r.framework_id = g.framework_id WHERE r.id = ?1 ORDER BY g.position";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct voice_group *g = realloc(*out, (size_t)(cap = cap ? cap * 2 : 8) * sizeof(*g));

			if (!g)
				abort();
			*out = g;
		}
		str_copy((*out)[*n].code, sizeof((*out)[*n].code), db_col_text(st, 0));
		str_copy((*out)[(*n)++].title, sizeof((*out)[0].title), db_col_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the stakeholder groups");
}

int
voice_group_index(const struct voice_group *groups, int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (strcmp(groups[i].code, code) == 0)
			return i;
	return -1;
}

static void
known_list(const struct voice_group *g, int n, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", g[i].code);
}

/* Marks each listed code in seen[]; QREL_PARSE on an unknown one. */
static int
mark_groups(const struct voice_group *g, int n, const char *list, bool *seen)
{
	char *copy = xstrdup(list), *save = NULL, known[VOICE_LIST_MAX];
	int rc = QREL_OK;

	for (char *t = strtok_r(copy, ",;", &save); t && rc == QREL_OK; t = strtok_r(NULL, ",;", &save)) {
		int i;

		t = str_trim(t);
		for (char *p = t; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!*t)
			continue;
		if ((i = voice_group_index(g, n, t)) >= 0) {
			seen[i] = true;
			continue;
		}
		known_list(g, n, known, sizeof(known));
		rc = n ? error(QREL_PARSE, "unknown stakeholder group '%s' (the framework has %s)", t, known)
		       : error(QREL_PARSE, "the review's framework defines no stakeholder groups");
	}
	free(copy);
	return rc;
}

int
voice_parse(struct db *db, int64_t review, const char *list, char *out, size_t size)
{
	struct voice_group *g;
	bool *seen;
	size_t used = 0;
	int n, rc;

	out[0] = '\0';
	if (!list || !*list)
		return QREL_OK;
	if ((rc = voice_groups(db, review, &g, &n)) != QREL_OK)
		return rc;
	if (!(seen = calloc((size_t)n + 1, sizeof(*seen))))
		abort();
	if ((rc = mark_groups(g, n, list, seen)) == QREL_OK)
		for (int i = 0; i < n; i++)
			if (seen[i] && used < size)
				used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", g[i].code);
	if (rc == QREL_OK && used >= size)
		rc = error(QREL_PARSE, "too many stakeholder groups");
	free(seen);
	free(g);
	return rc;
}

static bool
language_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > VOICE_LANGUAGE_MAX || (n && !isalpha((unsigned char)s[0])))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

int
voice_check(struct db *db, int64_t review, const struct voice_input *in)
{
	char norm[VOICE_LIST_MAX];

	if (in->participants < 0)
		return error(QREL_PARSE, "the number of participants cannot be negative");
	if (in->language && !language_ok(in->language))
		return error(QREL_PARSE, "'%s' is not a language tag (as in en, es, pt-BR)", in->language);
	return voice_parse(db, review, in->groups, norm, sizeof(norm));
}

/* ---- writing ---- */

static int
entity_uuid(struct db *db, const char *sql, int64_t id, char *out, size_t size)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st) == SQLITE_ROW ? QREL_OK : error(QREL_NOTFOUND, "no row %lld", (long long)id);
	if (rc == QREL_OK)
		str_copy(out, size, db_col_text(st, 0));
	sqlite3_reset(st);
	return rc;
}

static int
write_activity_groups(struct db *db, int64_t review, const char *who, int64_t id, const char *uuid,
		      const char *old, const char *list)
{
	char norm[VOICE_LIST_MAX];
	int rc;

	if (!list || (rc = voice_parse(db, review, list, norm, sizeof(norm))) != QREL_OK)
		return list ? rc : QREL_OK;
	if (strcmp(old, norm) == 0)
		return QREL_OK;
	if ((rc = activity_set_groups(db, id, norm)) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "activity", uuid, "groups", old, norm, "");
}

static void
details_text(const struct voice_activity *v, char *out, size_t size)
{
	snprintf(out, size, "%d %s %s", v->participants, *v->language ? v->language : "-",
		 v->interpreter ? "interpreter" : "direct");
}

int
voice_write_activity(struct db *db, int64_t review, const char *who, int64_t activity,
		     const struct voice_input *in)
{
	struct voice_activity before, after;
	char uuid[40], was[96], now[96];
	int rc;

	if ((rc = voice_activity_get(db, activity, &before)) != QREL_OK ||
	    (rc = entity_uuid(db, "SELECT uuid FROM activity WHERE id = ?1", activity, uuid, sizeof(uuid))) != QREL_OK ||
	    (rc = write_activity_groups(db, review, who, activity, uuid, before.groups, in->groups)) != QREL_OK ||
	    (rc = activity_apply_voice(db, activity, in)) != QREL_OK || (rc = voice_activity_get(db, activity, &after)) != QREL_OK)
		return rc;
	details_text(&before, was, sizeof(was));
	details_text(&after, now, sizeof(now));
	if (strcmp(was, now) == 0)
		return QREL_OK;
	return changelog_add(db, review, who, "activity", uuid, "participants", was, now, "");
}

int
voice_write_note(struct db *db, int64_t review, const char *who, int64_t note, const char *groups)
{
	char norm[VOICE_LIST_MAX], old[VOICE_LIST_MAX], uuid[40];
	int rc;

	if (!groups)
		return QREL_OK;
	if ((rc = voice_parse(db, review, groups, norm, sizeof(norm))) != QREL_OK ||
	    (rc = voice_note_groups(db, note, old, sizeof(old))) != QREL_OK ||
	    (rc = entity_uuid(db, "SELECT uuid FROM note WHERE id = ?1", note, uuid, sizeof(uuid))) != QREL_OK)
		return rc;
	if (strcmp(old, norm) == 0)
		return QREL_OK;
	if ((rc = note_link_set_groups(db, note, norm)) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "note", uuid, "groups", old, norm, "");
}

int
voice_edit_note(struct db *db, int64_t review, const char *who, int64_t note, const char *groups)
{
	static const char sql[] = "SELECT site_id, author_id FROM note WHERE id = ?1 AND review_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct gate_write w = { .what = GATE_NOTE };
	struct gate_actor a;
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, note);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) == SQLITE_ROW) {
		w.site = sqlite3_column_int64(st, 0);
		w.owner = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (!w.site)
		return error(QREL_NOTFOUND, "no note %lld in this review", (long long)note);
	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK || (rc = gate_check(db, review, &a, &w)) != QREL_OK ||
	    (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = voice_write_note(db, review, who, note, groups ? groups : "")) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

/* ---- from a sync bundle ---- */

int
voice_set_activity(struct db *db, int64_t review, int64_t activity, const struct voice_activity *v)
{
	char norm[VOICE_LIST_MAX];
	int rc;

	if (v->participants < 0)
		return error(QREL_PARSE, "the number of participants cannot be negative");
	if (!language_ok(v->language))
		return error(QREL_PARSE, "'%s' is not a language tag (as in en, es, pt-BR)", v->language);
	if ((rc = voice_parse(db, review, v->groups, norm, sizeof(norm))) != QREL_OK ||
	    (rc = activity_set_groups(db, activity, norm)) != QREL_OK)
		return rc;
	return activity_set_voice(db, activity, v);
}

int
voice_set_note(struct db *db, int64_t review, int64_t note, const char *groups)
{
	char norm[VOICE_LIST_MAX];
	int rc = voice_parse(db, review, groups, norm, sizeof(norm));

	return rc != QREL_OK ? rc : note_link_set_groups(db, note, norm);
}

/* ---- reading ---- */

/* Codes of one row's groups in framework order (?1 the row). */
static int
read_list(struct db *db, const char *sql, int64_t id, char *out, size_t size)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	out[0] = '\0';
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		str_copy(out, size, db_col_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading stakeholder groups");
}

#define ORDERED_GROUPS(table, key, idsql) \
	"SELECT coalesce(group_concat(code, ','), '') FROM (SELECT g.code FROM " table " x " \
	"JOIN stakeholder_group g ON g.code = x.grp AND g.framework_id = (SELECT r.framework_id FROM review r " \
	"WHERE r.id = (" idsql ")) WHERE x." key " = ?1 ORDER BY g.position)"

int
voice_activity_get(struct db *db, int64_t activity, struct voice_activity *out)
{
	static const char groups[] = ORDERED_GROUPS("activity_group", "activity_id",
						    "SELECT review_id FROM activity WHERE id = ?1");
	static const char sql[] = "SELECT coalesce(participants, 0), language, interpreter FROM activity WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_list(db, groups, activity, out->groups, sizeof(out->groups))) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, activity);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->participants = sqlite3_column_int(st, 0);
		str_copy(out->language, sizeof(out->language), db_col_text(st, 1));
		out->interpreter = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : error(QREL_NOTFOUND, "no activity %lld", (long long)activity);
}

int
voice_note_groups(struct db *db, int64_t note, char *out, size_t size)
{
	static const char sql[] = ORDERED_GROUPS("note_group", "note_id", "SELECT review_id FROM note WHERE id = ?1");

	return read_list(db, sql, note, out, size);
}

int
voice_note_carries(struct db *db, int64_t note, char *out, size_t size, bool *own)
{
	static const char sql[] = "SELECT coalesce(" VOICE_NOTE_GROUPS_SQL ", ''), "
				  "EXISTS (SELECT 1 FROM note_group WHERE note_id = n.id) FROM note n WHERE n.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	out[0] = '\0';
	*own = false;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, note);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(out, size, db_col_text(st, 0));
		*own = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading a note's groups");
}

int
voice_heard(struct db *db, int64_t review, int64_t site, int64_t cluster, char *out, size_t size, int *n)
{
	static const char sql[] =
		"WITH heard(list) AS MATERIALIZED (SELECT " VOICE_NOTE_GROUPS_SQL " FROM note_cluster nc "
		"  JOIN note n ON n.id = nc.note_id WHERE nc.cluster_id = ?3 AND n.site_id = ?2 AND n.deleted_at IS NULL) "
		"SELECT g.code FROM stakeholder_group g JOIN review r ON r.framework_id = g.framework_id "
		"WHERE r.id = ?1 AND EXISTS (SELECT 1 FROM heard WHERE instr(',' || heard.list || ',', ',' || g.code || ',') > 0) "
		"ORDER BY g.position";
	sqlite3_stmt *st = db_stmt(db, sql);
	size_t used = 0;
	int rc;

	out[0] = '\0';
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	sqlite3_bind_int64(st, 3, cluster);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*n)++;
		if (used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", db_col_text(st, 0));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the groups heard");
}

void
voice_groups_text(int ngroups, const char *groups, char *out, size_t size)
{
	size_t used;

	if (ngroups == 0) {
		snprintf(out, size, "no stakeholder group");
		return;
	}
	used = (size_t)snprintf(out, size, "%d stakeholder group%s: ", ngroups, ngroups == 1 ? "" : "s");
	for (const char *p = groups; *p && used + 2 < size; p++) {
		out[used++] = *p == '_' ? ' ' : *p;
		if (*p == ',')
			out[used++] = ' ';
	}
	if (used < size)
		out[used] = '\0';
}

void
voice_triangulation_text(int sources, int ngroups, const char *groups, char *out, size_t size)
{
	size_t used = (size_t)snprintf(out, size, "%d source type%s, ", sources, sources == 1 ? "" : "s");

	if (used < size)
		voice_groups_text(ngroups, groups, out + used, size - used);
}

/* changes.c: the change log read back: filters, keyset pages on (at, id), descriptions in words. */
#include "qrel/qrel.h"
#include "qrel/changes.h"
#include "qrel/db.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#include <ctype.h>

#define NOTE_WORDS 60		/* bytes of a note's text kept in its description */

const char *const changes_filter_fields[] = { "person", "from", "to", "site", "cluster", NULL };

/* ---- filters ---- */

/* A date or a prefix of an ISO 8601 time: 2026, 2026-03, 2026-03-02, 2026-03-02T10:00 ... */
static bool
valid_time(const char *s)
{
	static const char form[] = "0000-00-00T00:00:00Z";
	size_t n = strlen(s);

	if (n < 4 || n > sizeof(form) - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (form[i] == '0' ? !isdigit((unsigned char)s[i]) : s[i] != form[i])
			return false;
	}
	return true;
}

static int
set_time(char *dst, size_t size, const char *value)
{
	if (!valid_time(value))
		return error(QREL_PARSE, "'%s' is not a date: write YYYY-MM-DD (or a shorter or longer part of "
			     "YYYY-MM-DDTHH:MM:SSZ)", value);
	str_copy(dst, size, value);
	return QREL_OK;
}

/* Someone in the log who is not a member ("qrel sample", "sync"). */
static int
logged_who(struct db *db, const char *value)
{
	static const char sql[] = "SELECT 1 FROM change_log WHERE who = ?1 LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return QREL_OK;
	return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "nobody called '%s' has changed anything", value)
				 : db_fail(db, "looking for a person");
}

/* Anyone who has changed something: a member of the review, or a name in the log. */
static int
set_who(struct db *db, int64_t review, struct changes_filter *f, const char *value)
{
	int64_t member = store_person_id(db, review, value);
	int rc;

	if (member < 0)
		return QREL_DB;
	if (member == 0 && (rc = logged_who(db, value)) != QREL_OK)
		return rc;
	str_copy(f->who, sizeof(f->who), value);
	return QREL_OK;
}

static int
set_ref(int64_t id, int64_t *dst, char *code, size_t size, const char *what, const char *value)
{
	if (id < 0)
		return QREL_DB;
	if (id == 0)
		return error(QREL_NOTFOUND, "no %s '%s' in this review", what, value);
	*dst = id;
	str_copy(code, size, value);
	return QREL_OK;
}

static int
filter_clear(struct changes_filter *f, const char *field)
{
	if (!strcmp(field, "person"))
		f->who[0] = '\0';
	else if (!strcmp(field, "from"))
		f->from[0] = '\0';
	else if (!strcmp(field, "to"))
		f->to[0] = '\0';
	else if (!strcmp(field, "site"))
		f->site = 0, f->site_code[0] = '\0';
	else if (!strcmp(field, "cluster"))
		f->cluster = 0, f->cluster_code[0] = '\0';
	else
		return error(QREL_USAGE, "unknown filter '%s'", field);
	return QREL_OK;
}

int
changes_filter_set(struct db *db, int64_t review, struct changes_filter *f, const char *field,
		   const char *value)
{
	if (!value || !*value)
		return filter_clear(f, field);
	if (!strcmp(field, "person"))
		return set_who(db, review, f, value);
	if (!strcmp(field, "from"))
		return set_time(f->from, sizeof(f->from), value);
	if (!strcmp(field, "to"))
		return set_time(f->to, sizeof(f->to), value);
	if (!strcmp(field, "site"))
		return set_ref(store_site_id(db, review, value), &f->site, f->site_code, sizeof(f->site_code),
			       "site", value);
	if (!strcmp(field, "cluster"))
		return set_ref(store_cluster_id(db, review, value), &f->cluster, f->cluster_code,
			       sizeof(f->cluster_code), "cluster", value);
	return error(QREL_USAGE, "unknown filter '%s'", field);
}

bool
changes_filter_empty(const struct changes_filter *f)
{
	return !*f->who && !*f->from && !*f->to && !f->site && !f->cluster;
}

static void
describe_part(char *buf, size_t size, size_t *used, const char *label, const char *value)
{
	if (!*value || *used >= size)
		return;
	*used += (size_t)snprintf(buf + *used, size - *used, "%s%s %s", *used ? ", " : "", label, value);
}

void
changes_filter_describe(const struct changes_filter *f, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	describe_part(buf, size, &used, "by", f->who);
	describe_part(buf, size, &used, "from", f->from);
	describe_part(buf, size, &used, "to", f->to);
	describe_part(buf, size, &used, "site", f->site_code);
	describe_part(buf, size, &used, "cluster", f->cluster_code);
	if (!used)
		snprintf(buf, size, "every change");
}

/* ---- pages ---- */

/* The statement for a filter combination is assembled once from these fixed
 * fragments, so the planner sees only the conditions in use (and can walk an
 * index on (at, id) or on entity_uuid); values are always bound. Parameters:
 * ?1 review, ?2 ?3 cursor (at, id), ?4 who, ?5 from, ?6 to, ?7 site, ?8 cluster, ?9 limit. */
enum part { P_CURSOR, P_WHO, P_FROM, P_TO, P_SITE, P_CLUSTER, P_COUNT };

#define SITE_UUIDS \
	"SELECT uuid FROM score WHERE site_id = ?7 UNION ALL SELECT uuid FROM note WHERE site_id = ?7 " \
	"UNION ALL SELECT uuid FROM activity WHERE site_id = ?7 " \
	"UNION ALL SELECT uuid FROM subgroup_row WHERE site_id = ?7 UNION ALL SELECT uuid FROM site WHERE id = ?7 " \
	"UNION ALL SELECT uuid FROM plan WHERE site_id = ?7 UNION ALL SELECT o.uuid FROM objective o " \
	"JOIN plan p ON p.id = o.plan_id WHERE p.site_id = ?7 UNION ALL SELECT s.uuid FROM step s " \
	"JOIN objective o ON o.id = s.objective_id JOIN plan p ON p.id = o.plan_id WHERE p.site_id = ?7"
#define CLUSTER_UUIDS \
	"SELECT uuid FROM score WHERE cluster_id = ?8 UNION ALL SELECT n.uuid FROM note_cluster nc " \
	"JOIN note n ON n.id = nc.note_id WHERE nc.cluster_id = ?8"

static const char page_head[] =
	"SELECT l.id, l.at, l.who, l.entity, l.entity_uuid, l.field, l.old, l.new, l.reason "
	"FROM change_log l WHERE (l.review_id = ?1 OR l.review_id IS NULL)";
static const char *const page_part[P_COUNT] = {
	[P_CURSOR] = " AND (l.at, l.id) < (?2, ?3)",
	[P_WHO] = " AND l.who = ?4",
	[P_FROM] = " AND l.at >= ?5",
	[P_TO] = " AND l.at < ?6",
	[P_SITE] = " AND l.entity_uuid IN (" SITE_UUIDS ")",
	[P_CLUSTER] = " AND l.entity_uuid IN (" CLUSTER_UUIDS ")",
};
static const char page_tail[] = " ORDER BY l.at DESC, l.id DESC LIMIT ?9";

enum { COL_ID, COL_AT, COL_WHO, COL_ENTITY, COL_UUID, COL_FIELD, COL_OLD, COL_NEW, COL_REASON };

/* Kept for the life of the process: db_stmt caches statements by this pointer. */
static char *page_sql[1 << P_COUNT];

static const char *
sql_for(unsigned mask)
{
	size_t n = sizeof(page_head) + sizeof(page_tail);
	char *s;

	if (page_sql[mask])
		return page_sql[mask];
	for (int p = 0; p < P_COUNT; p++)
		n += mask & (1u << p) ? strlen(page_part[p]) : 0;
	if (!(s = malloc(n))) {
		error(QREL_NOMEM, "out of memory");
		return NULL;
	}
	strcpy(s, page_head);
	for (int p = 0; p < P_COUNT; p++)
		if (mask & (1u << p))
			strcat(s, page_part[p]);
	strcat(s, page_tail);
	return page_sql[mask] = s;
}

static unsigned
mask_of(const struct changes_filter *f, const struct changes_cursor *cur)
{
	return (cur && cur->set ? 1u << P_CURSOR : 0) | (*f->who ? 1u << P_WHO : 0) |
	       (*f->from ? 1u << P_FROM : 0) | (*f->to ? 1u << P_TO : 0) |
	       (f->site ? 1u << P_SITE : 0) | (f->cluster ? 1u << P_CLUSTER : 0);
}

static void
bind_page(sqlite3_stmt *st, int64_t review, const struct changes_filter *f, const struct changes_cursor *cur,
	  int limit)
{
	char to[40];

	sqlite3_bind_int64(st, 1, review);
	if (cur && cur->set) {
		db_bind_text(st, 2, cur->at);
		sqlite3_bind_int64(st, 3, cur->id);
	}
	db_bind_text(st, 4, *f->who ? f->who : NULL);
	db_bind_text(st, 5, *f->from ? f->from : NULL);
	/* "to 2026-03-02" takes the whole day: every time that starts so sorts below "2026-03-02~". */
	snprintf(to, sizeof(to), "%s~", f->to);
	db_bind_text(st, 6, *f->to ? to : NULL);
	sqlite3_bind_int64(st, 7, f->site);
	sqlite3_bind_int64(st, 8, f->cluster);
	sqlite3_bind_int(st, 9, limit);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : xstrdup(db_col_text(st, i));
}

static void
read_row(sqlite3_stmt *st, struct change_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, COL_ID);
	str_copy(r->at, sizeof(r->at), db_col_text(st, COL_AT));
	str_copy(r->who, sizeof(r->who), db_col_text(st, COL_WHO));
	str_copy(r->entity, sizeof(r->entity), db_col_text(st, COL_ENTITY));
	str_copy(r->uuid, sizeof(r->uuid), db_col_text(st, COL_UUID));
	str_copy(r->field, sizeof(r->field), db_col_text(st, COL_FIELD));
	r->old_value = col_dup(st, COL_OLD);
	r->new_value = col_dup(st, COL_NEW);
	r->reason = xstrdup(db_col_text(st, COL_REASON));
}

/* The descriptions come after the page is read: the page statement is reset
 * first, and only the rows shown are described. */
static int
describe_rows(struct db *db, struct change_row *out, int n)
{
	for (int i = 0; i < n; i++)
		if (changes_describe(db, out[i].entity, out[i].uuid, out[i].about, sizeof(out[i].about)) != QREL_OK)
			return QREL_DB;
	return QREL_OK;
}

/* One page of raw rows after cur, newest first; the statement is reset after. */
static int
read_page(struct db *db, int64_t review, const struct changes_filter *f, const struct changes_cursor *cur,
	  int limit, struct change_row *out, int *n)
{
	const char *sql = sql_for(mask_of(f, cur));
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	*n = 0;
	if (!sql || !(st = db_stmt(db, sql)))
		return sql ? QREL_DB : QREL_NOMEM;
	bind_page(st, review, f, cur, limit);
	while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		read_row(st, &out[(*n)++]);
	rc = *n < limit && rc != SQLITE_DONE ? db_fail(db, "reading the change log") : QREL_OK;
	sqlite3_reset(st);
	return rc;
}

/* ---- what the reader may see (visibility.h) ---- */

static void
mask_values(struct change_row *r, const char *hidden)
{
	free(r->old_value);
	free(r->new_value);
	r->old_value = xstrdup(hidden);
	r->new_value = xstrdup(hidden);
}

static void
mask_row(struct change_row *r)
{
	mask_values(r, "(hidden until consensus)");
	free(r->reason);
	r->reason = xstrdup("");
}

/* A subgroup count is shown only in its table, suppressed there
 * (subgroup.h): the log says it was corrected, never from or to what. */
static void
mask_subgroup_count(struct change_row *r)
{
	if (strcmp(r->entity, "subgroup_row") == 0 && strcmp(r->field, "count") == 0)
		mask_values(r, "(withheld: see the subgroup table)");
}

/* Keeps the rows v may see (masked where the rule says so), in order; returns how many. */
static int
filter_rows(struct db *db, const struct vis_viewer *v, struct change_row *rows, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++) {
		enum vis_answer a = visibility_of_entity(db, v, rows[i].entity, rows[i].uuid);

		if (a == VIS_HIDDEN) {
			changes_rows_free(&rows[i], 1);
			continue;
		}
		if (a == VIS_MASKED)
			mask_row(&rows[i]);
		mask_subgroup_count(&rows[i]);
		if (kept != i)
			rows[kept] = rows[i];
		kept++;
	}
	return kept;
}

/* Logged values that name another row by its uuid: a finding's cited note, a
 * note's cited document, the finding a recommendation answers, its objective. */
static const struct {
	const char *entity, *field, *names;
} named_values[] = {
	{ "finding", "cite", "note" }, { "finding", "uncite", "note" },
	{ "note", "cite document", "document" }, { "note", "uncite document", "document" },
	{ "note", "cite", "document" }, { "note", "uncite", "document" },	/* as sync logs them */
	{ "recommendation", "answers finding", "finding" }, { "recommendation", "objective", "objective" },
	{ "cause_link", "create", "note" },	/* "note UUID": a root cause's evidence */
};

/* *value, a uuid of entity (or "ENTITY uuid"), becomes what that row is ("EHS:
 * The counsellor… (01a23f45)") when v may read the row; else, or when it is
 * gone, it stays. */
static int
name_value(struct db *db, const struct vis_viewer *v, const char *entity, char **value)
{
	char about[192], named[240];
	size_t n = strlen(entity);
	const char *uuid = *value;

	if (uuid && !strncmp(uuid, entity, n) && uuid[n] == ' ')
		uuid += n + 1;
	if (!uuid || !uuid_valid(uuid) || visibility_of_entity(db, v, entity, uuid) != VIS_VISIBLE)
		return QREL_OK;
	if (changes_describe(db, entity, uuid, about, sizeof(about)) != QREL_OK)
		return QREL_DB;
	if (strstr(about, "(no longer here)"))
		return QREL_OK;
	snprintf(named, sizeof(named), "%.*s%s (%.8s)", (int)(uuid - *value), *value, about, uuid);
	free(*value);
	*value = xstrdup(named);
	return QREL_OK;
}

static int
name_values(struct db *db, const struct vis_viewer *v, struct change_row *rows, int n)
{
	int rc = QREL_OK;

	for (int i = 0; i < n && rc == QREL_OK; i++)
		for (size_t k = 0; k < ARRAY_SIZE(named_values) && rc == QREL_OK; k++)
			if (!strcmp(rows[i].entity, named_values[k].entity) && !strcmp(rows[i].field, named_values[k].field)) {
				rc = name_value(db, v, named_values[k].names, &rows[i].old_value);
				if (rc == QREL_OK)
					rc = name_value(db, v, named_values[k].names, &rows[i].new_value);
			}
	return rc;
}

int
changes_page(struct db *db, int64_t review, const char *viewer, const struct changes_filter *f,
	     const struct changes_cursor *cur, int limit, struct change_row *out, int *n)
{
	struct changes_cursor at = { 0 };
	struct vis_viewer v;
	int rc, got = 0;

	*n = 0;
	if (cur)
		at = *cur;
	if ((rc = visibility_viewer(db, review, viewer, &v)) != QREL_OK)
		return rc;
	/* Rows the reader may not see are dropped; read on until the page is full. */
	do {
		int want = limit - *n;

		if ((rc = read_page(db, review, f, &at, want, out + *n, &got)) != QREL_OK)
			break;
		if (got)
			changes_cursor_of(&out[*n + got - 1], &at);
		*n += filter_rows(db, &v, out + *n, got);
		if (got < want)
			break;
	} while (*n < limit);
	if (rc == QREL_OK)
		rc = describe_rows(db, out, *n);
	if (rc == QREL_OK)
		rc = name_values(db, &v, out, *n);
	if (rc != QREL_OK) {
		changes_rows_free(out, *n);
		*n = 0;
	}
	return rc;
}

void
changes_cursor_of(const struct change_row *row, struct changes_cursor *cur)
{
	cur->set = true;
	str_copy(cur->at, sizeof(cur->at), row->at);
	cur->id = row->id;
}

void
changes_rows_free(struct change_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++) {
		free(rows[i].old_value);
		free(rows[i].new_value);
		free(rows[i].reason);
		rows[i].old_value = rows[i].new_value = rows[i].reason = NULL;
	}
}

/* ---- descriptions ---- */

static const char describe_sql[] =
	"SELECT CASE ?1 "
	"WHEN 'score' THEN (SELECT printf('%s %s by %s%s', si.code, c.code, p.name, CASE s.kind WHEN 'team' "
	"  THEN '' ELSE printf(' (%s)', s.kind) END) FROM score s JOIN site si ON si.id = s.site_id "
	"  JOIN cluster c ON c.id = s.cluster_id JOIN person p ON p.id = s.rater_id WHERE s.uuid = ?2) "
	"WHEN 'note' THEN (SELECT si.code || ': ' || substr(n.text, 1, 200) FROM note n "
	"  JOIN site si ON si.id = n.site_id WHERE n.uuid = ?2) "
	"WHEN 'site' THEN (SELECT 'site ' || code || ' ' || name FROM site WHERE uuid = ?2) "
	"WHEN 'review' THEN (SELECT 'review ' || title FROM review WHERE uuid = ?2) "
	"WHEN 'subgroup_row' THEN (SELECT printf('%s %s %s %s: %s', si.code, r.year, m.code, r.dimension, r.grp) "
	"  FROM subgroup_row r JOIN site si ON si.id = r.site_id JOIN metric m ON m.id = r.metric_id "
	"  WHERE r.uuid = ?2) "
	"WHEN 'activity' THEN (SELECT printf('%s %s %s: %s', si.code, a.source, substr(a.held_at, 1, 10), "
	"  a.description) FROM activity a JOIN site si ON si.id = a.site_id WHERE a.uuid = ?2) "
	"WHEN 'plan' THEN (SELECT coalesce((SELECT code FROM site WHERE id = p.site_id), 'district') || "
	"  ' plan: ' || p.title FROM plan p WHERE p.uuid = ?2) "
	"WHEN 'objective' THEN (SELECT 'objective: ' || title FROM objective WHERE uuid = ?2) "
	"WHEN 'root_cause' THEN (SELECT 'root cause: ' || text FROM root_cause WHERE uuid = ?2) "
	"WHEN 'step' THEN (SELECT 'step: ' || description FROM step WHERE uuid = ?2) "
	"WHEN 'finding' THEN (SELECT kind || ' finding: ' || substr(text, 1, 200) FROM finding WHERE uuid = ?2) "
	"WHEN 'recommendation' THEN (SELECT printf('recommendation %d: %s', number, title) FROM recommendation "
	"  WHERE uuid = ?2) "
	"WHEN 'document' THEN (SELECT coalesce((SELECT code FROM site WHERE id = d.site_id), 'all') || "
	"  ' document: ' || d.title FROM document d WHERE d.uuid = ?2) "
	"WHEN 'person' THEN (SELECT printf('%s (%s%s)', p.name, p.role, coalesce(' at ' || s.code, '')) "
	"  FROM person p LEFT JOIN site s ON s.id = p.site_id WHERE p.uuid = ?2) "
	/* Links and targets are review data to the visibility rule, a plan's text is
	 * not: they are named by kind only. */
	"WHEN 'cause_link' THEN (SELECT 'a root cause''s evidence: a ' || kind FROM cause_link WHERE uuid = ?2) "
	"WHEN 'metric_target' THEN (SELECT 'an objective''s target: a ' || kind FROM metric_target WHERE uuid = ?2) "
	"END";

/* Whitespace runs become one space; a long text is cut at a word and gets "…". */
static void
first_words(char *s, size_t keep)
{
	char *w = s, *cut;
	bool space = false;

	for (char *r = s; *r; r++) {
		bool sp = isspace((unsigned char)*r) != 0;

		if (!sp || !space)
			*w++ = sp ? ' ' : *r;
		space = sp;
	}
	*w = '\0';
	if (strlen(s) <= keep)
		return;
	while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	s[keep] = '\0';
	if ((cut = strrchr(s, ' ')) && cut > s + keep / 2)
		*cut = '\0';
	strcat(s, "\xe2\x80\xa6");
}

int
changes_describe(struct db *db, const char *entity, const char *uuid, char *buf, size_t size)
{
	sqlite3_stmt *st = db_stmt(db, describe_sql);
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, uuid);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(db, "describing a change");
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		snprintf(buf, size, "%s %.8s (no longer here)", entity, uuid);
	else
		str_copy(buf, size, db_col_text(st, 0));
	sqlite3_reset(st);
	if (!strcmp(entity, "note") && size > NOTE_WORDS + 4)
		first_words(buf, NOTE_WORDS);
	return QREL_OK;
}

void
changes_sync_value(const char *entity, const char *value, char *buf, size_t size)
{
	const char *p = strchr(value, '|'), *q = p ? strchr(p + 1, '|') : NULL;
	bool score = !strcmp(entity, "score"), gone = p && p[1] == '1';
	char head[64];

	if (!q) {
		str_copy(buf, size, value);
		return;
	}
	if (score)
		snprintf(head, sizeof(head), gone ? "NE" : p == value ? "not rated" : "level %.*s",
			 (int)(p - value), value);
	else
		snprintf(head, sizeof(head), "%s%.*s", gone ? "deleted, " : "", (int)(p - value), value);
	if (q[1])
		snprintf(buf, size, "%s, \"%s\"", head, q + 1);
	else
		str_copy(buf, size, head);
}

/* ---- conflicts ---- */

int
changes_conflict_origin(struct db *db, long long id, char *copy, size_t ncopy, char *by, size_t nby,
			char *resolved_by, size_t nresolved)
{
	static const char sql[] =
		"SELECT c.from_copy, coalesce((SELECT i.imported_by FROM sync_import i WHERE i.copy_id = c.from_copy "
		"AND i.imported_at >= c.detected_at ORDER BY i.imported_at LIMIT 1), ''), "
		"coalesce(c.resolved_by, '') FROM sync_conflict c WHERE c.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(copy, ncopy, db_col_text(st, 0));
		str_copy(by, nby, db_col_text(st, 1));
		str_copy(resolved_by, nresolved, db_col_text(st, 2));
		rc = QREL_OK;
	} else {
		rc = rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no conflict #%lld", id) : db_fail(db, "reading a conflict");
	}
	sqlite3_reset(st);
	return rc;
}

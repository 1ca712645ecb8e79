/* plan.c: the action plan's data layer: objectives, causes and their links, metrics, steps, status history, reads and the report section. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/output.h"
#include "qrel/plan.h"
#include "qrel/risk.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <strings.h>

static const char *const status_names[] = { "planned", "in_progress", "done", "dropped" };
static const char *const status_labels[] = { "planned", "in progress", "done", "dropped" };

/* ---- small helpers ---- */

const char *
plan_status_name(enum plan_status s)
{
	return (unsigned)s < PLAN_STATUS_COUNT ? status_names[s] : "?";
}

const char *
plan_status_label(enum plan_status s)
{
	return (unsigned)s < PLAN_STATUS_COUNT ? status_labels[s] : "?";
}

int
plan_status_parse(const char *s, enum plan_status *out)
{
	for (int i = 0; s && i < PLAN_STATUS_COUNT; i++) {
		if (strcasecmp(s, status_names[i]) == 0 || strcasecmp(s, status_labels[i]) == 0) {
			*out = (enum plan_status)i;
			return QREL_OK;
		}
	}
	return error(QREL_PARSE, "status must be planned, in_progress, done or dropped, not '%s'", s ? s : "");
}

static enum plan_status
status_of(const char *s)
{
	enum plan_status st = PLAN_PLANNED;

	plan_status_parse(s, &st);
	return st;
}

bool
plan_date_valid(const char *s)
{
	return date_valid_day(s);
}

void
plan_today(char out[11])
{
	char now[21];

	clock_now(now);
	memcpy(out, now, 10);
	out[10] = '\0';
}

/* Ends the transaction: commit on success, roll back on failure. */
static int
finish(struct db *db, int rc)
{
	if (rc != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

/* A one-row query with up to two integer parameters; 0 when there is no row, -1 on error. */
static int64_t
one_int(struct db *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t v = 0;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		v = -db_fail(db, "reading the plan");
	sqlite3_reset(st);
	return v < 0 ? -1 : v;
}

/* The first column of a one-row query as text; QREL_NOTFOUND with what when there is no row. */
static int
one_text(struct db *db, const char *sql, int64_t a, int64_t b, char *out, size_t n, const char *what)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		str_copy(out, n, db_col_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return QREL_OK;
	return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no %s %lld in this review", what, (long long)a)
				 : db_fail(db, "reading the plan");
}

static void *
grow(void *p, int n, size_t size)
{
	void *q = realloc(p, (size_t)(n + 1) * size);

	if (!q)
		error(QREL_NOMEM, "out of memory");
	return q;
}

/* A title from free text: its first sentence, at most cols columns. */
static void
title_from(const char *prefix, const char *text, char *out, size_t n)
{
	char buf[512];
	size_t len;
	char *end;

	str_copy(buf, sizeof(buf), text);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if ((end = strstr(buf, ". ")))
		*end = '\0';
	len = text_fit(buf, 72);
	if (buf[len])
		strcpy(buf + len, "...");
	snprintf(out, n, "%s%s", prefix, buf);
}

/* ---- who may write ---- */

int
plan_may(struct db *db, int64_t review, const char *who)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK)
		return rc;
	return gate_check(db, review, &a, &(struct gate_write){ .what = GATE_PLAN });
}

/* ---- plans and objectives ---- */

static int
plan_insert(struct db *db, int64_t review, const char *who, int64_t site, int64_t *plan)
{
	static const char sql[] = "INSERT INTO plan(uuid, review_id, site_id, title, created_at) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char uuid[UUID_LEN + 1], now[21], title[200], code[32] = "", name[128] = "";
	int rc;

	if (!st)
		return QREL_DB;
	if (site && (rc = store_site_info(db, site, code, sizeof(code), name, sizeof(name))) != QREL_OK)
		return rc;
	snprintf(title, sizeof(title), site ? "Action plan: %s" : "District-wide action plan", name);
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, review);
	if (site)
		sqlite3_bind_int64(st, 3, site);
	db_bind_text(st, 4, title);
	db_bind_text(st, 5, now);
	if ((rc = db_step_done(db, st, "creating the plan")) != QREL_OK)
		return rc;
	*plan = sqlite3_last_insert_rowid(db_handle(db));
	return changelog_add(db, review, who, "plan", uuid, "create", NULL, title, "");
}

static int
plan_get(struct db *db, int64_t review, const char *who, int64_t site, int64_t *plan)
{
	static const char sql[] = "SELECT id FROM plan WHERE review_id = ?1 AND coalesce(site_id, 0) = ?2";
	int64_t id = one_int(db, sql, review, site);

	if (id < 0)
		return QREL_DB;
	if (id > 0) {
		*plan = id;
		return QREL_OK;
	}
	return plan_insert(db, review, who, site, plan);
}

int
plan_ensure(struct db *db, int64_t review, const char *who, int64_t site, int64_t *plan)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, plan_get(db, review, who, site, plan));
}

static int
objective_insert(struct db *db, int64_t review, const char *who, const struct plan_objective_input *in,
		 int64_t *objective)
{
	static const char sql[] = "INSERT INTO objective(uuid, plan_id, position, title, theory_if, theory_then, "
				  "stakeholders, created_at, updated_at) VALUES (?1, ?2, "
				  "(SELECT coalesce(max(position), 0) + 1 FROM objective WHERE plan_id = ?2), "
				  "?3, ?4, ?5, ?6, ?7, ?7)";
	char uuid[UUID_LEN + 1], now[21];
	int64_t plan;
	sqlite3_stmt *st;
	int rc;

	if ((rc = plan_get(db, review, who, in->site, &plan)) != QREL_OK || !(st = db_stmt(db, sql)))
		return rc != QREL_OK ? rc : QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, plan);
	db_bind_text(st, 3, in->title);
	db_bind_text(st, 4, in->theory_if ? in->theory_if : "");
	db_bind_text(st, 5, in->theory_then ? in->theory_then : "");
	db_bind_text(st, 6, in->stakeholders ? in->stakeholders : "");
	db_bind_text(st, 7, now);
	if ((rc = db_step_done(db, st, "adding the objective")) != QREL_OK)
		return rc;
	*objective = sqlite3_last_insert_rowid(db_handle(db));
	return changelog_add(db, review, who, "objective", uuid, "create", NULL, in->title, "");
}

static bool
blank(const char *s)
{
	while (s && (*s == ' ' || *s == '\t' || *s == '\n'))
		s++;
	return !s || !*s;
}

int
plan_objective_add(struct db *db, int64_t review, const char *who, const struct plan_objective_input *in,
		   int64_t *objective)
{
	int rc;

	if (blank(in->title))
		return error(QREL_PARSE, "an objective needs a title");
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, objective_insert(db, review, who, in, objective));
}

/* One editable text column: how to read it with the row's uuid, and how to write it. */
struct field_sql {
	const char *name, *select, *update;
};

static const char obj_uuid_sql[] = "SELECT o.uuid FROM objective o JOIN plan p ON p.id = o.plan_id "
				   "WHERE o.id = ?1 AND p.review_id = ?2";

static const struct field_sql objective_fields[] = {
	{ "title", "SELECT o.uuid, o.title FROM objective o JOIN plan p ON p.id = o.plan_id WHERE o.id = ?1 AND p.review_id = ?2",
	  "UPDATE objective SET title = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "if", "SELECT o.uuid, o.theory_if FROM objective o JOIN plan p ON p.id = o.plan_id WHERE o.id = ?1 AND p.review_id = ?2",
	  "UPDATE objective SET theory_if = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "then", "SELECT o.uuid, o.theory_then FROM objective o JOIN plan p ON p.id = o.plan_id WHERE o.id = ?1 AND p.review_id = ?2",
	  "UPDATE objective SET theory_then = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "stakeholders", "SELECT o.uuid, o.stakeholders FROM objective o JOIN plan p ON p.id = o.plan_id WHERE o.id = ?1 AND p.review_id = ?2",
	  "UPDATE objective SET stakeholders = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
};

static const struct field_sql *
field_find(const struct field_sql *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

/* Reads the old value, writes the new one and logs the change (in the caller's transaction). */
static int
field_write(struct db *db, int64_t review, const char *who, const char *entity, const struct field_sql *f,
	    int64_t id, const char *value)
{
	sqlite3_stmt *st = db_stmt(db, f->select);
	char uuid[40] = "", *old = NULL, now[21];
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(uuid, sizeof(uuid), db_col_text(st, 0));
		old = xstrdup(db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (!old)
		return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no %s %lld in this review", entity, (long long)id)
					 : db_fail(db, "reading the plan");
	rc = QREL_OK;
	if (strcmp(old, value) != 0 && (st = db_stmt(db, f->update))) {
		clock_now(now);
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, value);
		db_bind_text(st, 3, now);
		if ((rc = db_step_done(db, st, "changing the plan")) == QREL_OK)
			rc = changelog_add(db, review, who, entity, uuid, f->name, old, value, "");
	}
	free(old);
	return rc;
}

int
plan_objective_edit(struct db *db, int64_t review, const char *who, int64_t objective, const char *field,
		    const char *value)
{
	const struct field_sql *f = field_find(objective_fields, ARRAY_SIZE(objective_fields), field);
	int rc;

	if (!f)
		return error(QREL_USAGE, "an objective has no field '%s' (title, if, then, stakeholders)", field);
	if (strcmp(field, "title") == 0 && blank(value))
		return error(QREL_PARSE, "an objective needs a title");
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, field_write(db, review, who, "objective", f, objective, value ? value : ""));
}

/* ---- root causes and links ---- */

static int
cause_insert(struct db *db, int64_t review, const char *who, int64_t objective, const char *text, int64_t *cause)
{
	static const char sql[] = "INSERT INTO root_cause(uuid, objective_id, text, created_at, updated_at) "
				  "VALUES (?1, ?2, ?3, ?4, ?4)";
	char uuid[UUID_LEN + 1], now[21], ouuid[40];
	sqlite3_stmt *st;
	int rc;

	if ((rc = one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, objective);
	db_bind_text(st, 3, text);
	db_bind_text(st, 4, now);
	if ((rc = db_step_done(db, st, "adding the root cause")) != QREL_OK)
		return rc;
	*cause = sqlite3_last_insert_rowid(db_handle(db));
	return changelog_add(db, review, who, "root_cause", uuid, "create", NULL, text, ouuid);
}

int
plan_cause_add(struct db *db, int64_t review, const char *who, int64_t objective, const char *text,
	       int64_t *cause)
{
	int rc;

	if (blank(text))
		return error(QREL_PARSE, "a root cause needs a text");
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, cause_insert(db, review, who, objective, text, cause));
}

static const struct field_sql cause_field = {
	"text", "SELECT c.uuid, c.text FROM root_cause c JOIN objective o ON o.id = c.objective_id "
		"JOIN plan p ON p.id = o.plan_id WHERE c.id = ?1 AND p.review_id = ?2",
	"UPDATE root_cause SET text = ?2, updated_at = ?3 WHERE id = ?1",
};

int
plan_cause_edit(struct db *db, int64_t review, const char *who, int64_t cause, const char *text)
{
	int rc;

	if (blank(text))
		return error(QREL_PARSE, "a root cause needs a text");
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, field_write(db, review, who, "root_cause", &cause_field, cause, text));
}

/* The group in year as its subgroup table shows it, suppressed by
 * subgroup.c's rule (default thresholds, min_display); false when it cannot
 * be read, and then nothing of it may be shown. */
static bool
shown_figures(struct db *db, const struct plan_subgroup_ref *r, const char *year, long min_display,
	      struct subgroup_shown *out)
{
	struct subgroup_key k = { .site = r->site, .metric = r->metric };
	struct settings s;
	int rc;

	str_copy(k.year, sizeof(k.year), year);
	str_copy(k.dimension, sizeof(k.dimension), r->dimension);
	settings_default(&s);
	s.min_display = min_display > 0 ? min_display : RISK_DEFAULT_DISPLAY_MIN;
	rc = subgroup_shown_figures(db, &k, r->group, &s, out);
	settings_free(&s);
	return rc == QREL_OK;
}

/* The row a subgroup finding names: enrolled and count; QREL_NOTFOUND when there is none. */
static int
subgroup_cell(struct db *db, const struct plan_subgroup_ref *r, long *enrolled, long *count)
{
	static const char sql[] = "SELECT enrolled, count FROM subgroup_row WHERE site_id = ?1 AND year = ?2 "
				  "AND metric_id = ?3 AND dimension = ?4 AND grp = ?5";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, r->site);
	db_bind_text(st, 2, r->year);
	sqlite3_bind_int64(st, 3, r->metric);
	db_bind_text(st, 4, r->dimension);
	db_bind_text(st, 5, r->group);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*enrolled = (long)sqlite3_column_int64(st, 0);
		*count = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return QREL_OK;
	return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no subgroup data for %s (%s) in %s", r->group,
					 r->dimension, r->year) : db_fail(db, "reading subgroup data");
}

static int
metric_of_review(struct db *db, int64_t review, const char *code, int64_t *metric)
{
	static const char sql[] = "SELECT id FROM metric WHERE review_id = ?1 AND code = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);

	*metric = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, code);
	if (sqlite3_step(st) == SQLITE_ROW)
		*metric = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return *metric ? QREL_OK : error(QREL_NOTFOUND, "no metric '%s' in this review", code);
}

int
plan_subgroup_ref_parse(struct db *db, int64_t review, const char *text, struct plan_subgroup_ref *out)
{
	char buf[512], *part[5], *p = buf;
	long e, c;
	int rc;

	str_copy(buf, sizeof(buf), text);
	for (int i = 0; i < 5; i++) {
		part[i] = p;
		if (i < 4 && (p = strchr(p, ',')))
			*p++ = '\0';
		else if (i < 4)
			return error(QREL_USAGE, "a subgroup finding is SITE,YEAR,METRIC,DIMENSION,GROUP, not '%s'", text);
	}
	memset(out, 0, sizeof(*out));
	if ((out->site = store_site_id(db, review, part[0])) <= 0)
		return out->site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", part[0]);
	if ((rc = metric_of_review(db, review, part[2], &out->metric)) != QREL_OK)
		return rc;
	str_copy(out->year, sizeof(out->year), part[1]);
	str_copy(out->dimension, sizeof(out->dimension), part[3]);
	str_copy(out->group, sizeof(out->group), part[4]);
	return subgroup_cell(db, out, &e, &c);
}

static const char cause_uuid_sql[] = "SELECT c.uuid FROM root_cause c JOIN objective o ON o.id = c.objective_id "
				     "JOIN plan p ON p.id = o.plan_id WHERE c.id = ?1 AND p.review_id = ?2";

/* Inserts a link whose columns are bound by the caller-provided values; logs "what". */
struct link_values {
	const char *kind;
	int64_t note, site, metric, cluster;
	const char *year, *dimension, *group;
};

static int
link_insert(struct db *db, int64_t review, const char *who, int64_t cause, const struct link_values *v,
	    const char *what)
{
	static const char sql[] = "INSERT INTO cause_link(uuid, root_cause_id, kind, note_id, site_id, year, "
				  "metric_id, dimension, grp, cluster_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char uuid[UUID_LEN + 1], now[21], cuuid[40];
	sqlite3_stmt *st;
	int rc;

	if ((rc = one_text(db, cause_uuid_sql, cause, review, cuuid, sizeof(cuuid), "root cause")) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, cause);
	db_bind_text(st, 3, v->kind);
	db_bind_id(st, 4, v->note);
	db_bind_id(st, 5, v->site);
	db_bind_text(st, 6, v->year);
	db_bind_id(st, 7, v->metric);
	db_bind_text(st, 8, v->dimension);
	db_bind_text(st, 9, v->group);
	db_bind_id(st, 10, v->cluster);
	db_bind_text(st, 11, now);
	if ((rc = db_step_done(db, st, "linking the root cause")) != QREL_OK)
		return rc == QREL_PARSE ? error(QREL_CONFLICT, "the root cause already cites %s", what) : rc;
	return changelog_add(db, review, who, "cause_link", uuid, "create", NULL, what, cuuid);
}

static int
note_link_inner(struct db *db, int64_t review, const char *who, int64_t cause, int64_t note)
{
	static const char sql[] = "SELECT uuid FROM note WHERE id = ?1 AND review_id = ?2 AND deleted_at IS NULL";
	struct link_values v = { .kind = "note", .note = note };
	char uuid[40], what[64];
	int rc;

	if ((rc = one_text(db, sql, note, review, uuid, sizeof(uuid), "live note")) != QREL_OK)
		return rc;
	snprintf(what, sizeof(what), "note %s", uuid);
	return link_insert(db, review, who, cause, &v, what);
}

int
plan_link_note(struct db *db, int64_t review, const char *who, int64_t cause, int64_t note)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, note_link_inner(db, review, who, cause, note));
}

static int
subgroup_link_inner(struct db *db, int64_t review, const char *who, int64_t cause, const struct plan_subgroup_ref *r)
{
	struct link_values v = { .kind = "subgroup", .site = r->site, .metric = r->metric,
				 .year = r->year, .dimension = r->dimension, .group = r->group };
	char what[400];
	long e, c;
	int rc;

	if ((rc = subgroup_cell(db, r, &e, &c)) != QREL_OK)
		return rc;
	snprintf(what, sizeof(what), "subgroup %lld,%s,%lld,%s,%s", (long long)r->site, r->year,
		 (long long)r->metric, r->dimension, r->group);
	return link_insert(db, review, who, cause, &v, what);
}

int
plan_link_subgroup(struct db *db, int64_t review, const char *who, int64_t cause, const struct plan_subgroup_ref *ref)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, subgroup_link_inner(db, review, who, cause, ref));
}

static int
check_cluster(struct db *db, int64_t review, int64_t site, int64_t cluster)
{
	static const char sql[] = "SELECT count(*) FROM cluster c JOIN review r ON r.framework_id = c.framework_id "
				  "WHERE c.id = ?1 AND r.id = ?2";
	static const char site_sql[] = "SELECT count(*) FROM site WHERE id = ?1 AND review_id = ?2";

	if (one_int(db, sql, cluster, review) <= 0)
		return error(QREL_NOTFOUND, "no cluster %lld in this review's framework", (long long)cluster);
	if (one_int(db, site_sql, site, review) <= 0)
		return error(QREL_NOTFOUND, "no site %lld in this review", (long long)site);
	return QREL_OK;
}

static int
cluster_link_inner(struct db *db, int64_t review, const char *who, int64_t cause, int64_t site, int64_t cluster)
{
	struct link_values v = { .kind = "cluster", .site = site, .cluster = cluster };
	char what[64];
	int rc;

	if ((rc = check_cluster(db, review, site, cluster)) != QREL_OK)
		return rc;
	snprintf(what, sizeof(what), "cluster %lld at site %lld", (long long)cluster, (long long)site);
	return link_insert(db, review, who, cause, &v, what);
}

int
plan_link_cluster(struct db *db, int64_t review, const char *who, int64_t cause, int64_t site, int64_t cluster)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, cluster_link_inner(db, review, who, cause, site, cluster));
}

static int
link_remove_inner(struct db *db, int64_t review, const char *who, int64_t link)
{
	static const char find[] = "SELECT l.uuid FROM cause_link l JOIN root_cause c ON c.id = l.root_cause_id "
				   "JOIN objective o ON o.id = c.objective_id JOIN plan p ON p.id = o.plan_id "
				   "WHERE l.id = ?1 AND p.review_id = ?2";
	static const char del[] = "DELETE FROM cause_link WHERE id = ?1";
	sqlite3_stmt *st;
	char uuid[40];
	int rc;

	if ((rc = one_text(db, find, link, review, uuid, sizeof(uuid), "link")) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, del)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, link);
	if ((rc = db_step_done(db, st, "removing the link")) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "cause_link", uuid, "delete", uuid, NULL, "");
}

int
plan_link_remove(struct db *db, int64_t review, const char *who, int64_t link)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, link_remove_inner(db, review, who, link));
}

/* ---- metrics ---- */

static int
metric_target_insert(struct db *db, int64_t review, const char *who, int64_t objective,
		     const struct plan_subgroup_ref *r, double target, int64_t *metric)
{
	static const char sql[] = "INSERT INTO metric_target(uuid, objective_id, kind, site_id, metric_id, dimension, "
				  "grp, baseline_year, baseline_enrolled, baseline_count, target_value, created_at) "
				  "VALUES (?, ?, 'subgroup', ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char uuid[UUID_LEN + 1], now[21], ouuid[40], what[400];
	long enrolled, count;
	sqlite3_stmt *st;
	int rc;

	if ((rc = one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK ||
	    (rc = subgroup_cell(db, r, &enrolled, &count)) != QREL_OK)
		return rc;
	if (!(target >= 0.0 && target <= 1.0))
		return error(QREL_PARSE, "a target rate is between 0 and 100%%");
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, objective);
	sqlite3_bind_int64(st, 3, r->site);
	sqlite3_bind_int64(st, 4, r->metric);
	db_bind_text(st, 5, r->dimension);
	db_bind_text(st, 6, r->group);
	db_bind_text(st, 7, r->year);
	sqlite3_bind_int64(st, 8, enrolled);
	sqlite3_bind_int64(st, 9, count);
	sqlite3_bind_double(st, 10, target);
	db_bind_text(st, 11, now);
	if ((rc = db_step_done(db, st, "adding the metric")) != QREL_OK)
		return rc;
	*metric = sqlite3_last_insert_rowid(db_handle(db));
	snprintf(what, sizeof(what), "%s (%s) %s target %.4f", r->group, r->dimension, r->year, target);
	return changelog_add(db, review, who, "metric_target", uuid, "create", NULL, what, ouuid);
}

int
plan_metric_add_subgroup(struct db *db, int64_t review, const char *who, int64_t objective,
			 const struct plan_subgroup_ref *ref, double target, int64_t *metric)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, metric_target_insert(db, review, who, objective, ref, target, metric));
}

/* The cluster's consensus level at site now, 0 when not yet agreed. */
static int
consensus_level(struct db *db, int64_t site, int64_t cluster)
{
	static const char sql[] = "SELECT level FROM score WHERE site_id = ?1 AND cluster_id = ?2 AND "
				  "kind = 'consensus' AND level IS NOT NULL ORDER BY updated_at DESC LIMIT 1";
	int64_t v = one_int(db, sql, site, cluster);

	return v > 0 ? (int)v : 0;
}

static int
cluster_target_insert(struct db *db, int64_t review, const char *who, int64_t objective, int64_t site,
		      int64_t cluster, int target, int64_t *metric)
{
	static const char sql[] = "INSERT INTO metric_target(uuid, objective_id, kind, site_id, cluster_id, "
				  "baseline_level, target_level, created_at) VALUES (?, ?, 'cluster', ?, ?, ?, ?, ?)";
	char uuid[UUID_LEN + 1], now[21], ouuid[40], what[64];
	int rc, base, levels = store_levels(db, review);
	sqlite3_stmt *st;

	if ((rc = one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK ||
	    (rc = check_cluster(db, review, site, cluster)) != QREL_OK)
		return rc;
	if (target < 1 || target > levels)
		return error(QREL_PARSE, "a target level is between 1 and %d", levels);
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	base = consensus_level(db, site, cluster);
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, objective);
	sqlite3_bind_int64(st, 3, site);
	sqlite3_bind_int64(st, 4, cluster);
	db_bind_id(st, 5, base);
	sqlite3_bind_int(st, 6, target);
	db_bind_text(st, 7, now);
	if ((rc = db_step_done(db, st, "adding the metric")) != QREL_OK)
		return rc;
	*metric = sqlite3_last_insert_rowid(db_handle(db));
	snprintf(what, sizeof(what), "cluster %lld target level %d", (long long)cluster, target);
	return changelog_add(db, review, who, "metric_target", uuid, "create", NULL, what, ouuid);
}

int
plan_metric_add_cluster(struct db *db, int64_t review, const char *who, int64_t objective, int64_t site,
			int64_t cluster, int target_level, int64_t *metric)
{
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, cluster_target_insert(db, review, who, objective, site, cluster, target_level, metric));
}

/* ---- steps ---- */

static int
status_insert(struct db *db, int64_t step, enum plan_status s, const char *note, const char *who, const char *at)
{
	static const char sql[] = "INSERT INTO step_status(uuid, step_id, status, note, at, who) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char uuid[UUID_LEN + 1];

	if (!st)
		return QREL_DB;
	uuid_new(uuid);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, step);
	db_bind_text(st, 3, plan_status_name(s));
	db_bind_text(st, 4, note ? note : "");
	db_bind_text(st, 5, at);
	db_bind_text(st, 6, who);
	return db_step_done(db, st, "recording the status");
}

/* The person named name in the review: 0 for none (NULL or ""), QREL_NOTFOUND when unknown. */
static int
lead_id(struct db *db, int64_t review, const char *name, int64_t *id)
{
	*id = 0;
	if (!name || !*name)
		return QREL_OK;
	if ((*id = store_person_id(db, review, name)) > 0)
		return QREL_OK;
	return *id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no person named '%s' in this review", name);
}

static int
check_dates(const char *starts, const char *due)
{
	if (starts && *starts && !plan_date_valid(starts))
		return error(QREL_PARSE, "a start date is YYYY-MM-DD, not '%s'", starts);
	if (due && *due && !plan_date_valid(due))
		return error(QREL_PARSE, "a due date is YYYY-MM-DD, not '%s'", due);
	if (starts && *starts && due && *due && strcmp(starts, due) > 0)
		return error(QREL_PARSE, "the step is due (%s) before it starts (%s)", due, starts);
	return QREL_OK;
}

static const char *
or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static int
step_insert(struct db *db, int64_t review, const char *who, int64_t objective, const struct plan_step_input *in,
	    int64_t lead, int64_t *step)
{
	static const char sql[] = "INSERT INTO step(uuid, objective_id, description, lead_id, resources, starts, due, "
				  "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
	char uuid[UUID_LEN + 1], now[21], ouuid[40];
	sqlite3_stmt *st;
	int rc;

	if ((rc = one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, objective);
	db_bind_text(st, 3, in->description);
	db_bind_id(st, 4, lead);
	db_bind_text(st, 5, in->resources ? in->resources : "");
	db_bind_text(st, 6, or_null(in->starts));
	db_bind_text(st, 7, or_null(in->due));
	db_bind_text(st, 8, now);
	if ((rc = db_step_done(db, st, "adding the step")) != QREL_OK)
		return rc;
	*step = sqlite3_last_insert_rowid(db_handle(db));
	if ((rc = status_insert(db, *step, PLAN_PLANNED, "", who, now)) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "step", uuid, "create", NULL, in->description, ouuid);
}

int
plan_step_add(struct db *db, int64_t review, const char *who, int64_t objective, const struct plan_step_input *in,
	      int64_t *step)
{
	int64_t lead;
	int rc;

	if (blank(in->description))
		return error(QREL_PARSE, "a step needs a description");
	if ((rc = check_dates(in->starts, in->due)) != QREL_OK || (rc = lead_id(db, review, in->lead, &lead)) != QREL_OK)
		return rc;
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, step_insert(db, review, who, objective, in, lead, step));
}

#define STEP_OF_REVIEW "FROM step s JOIN objective o ON o.id = s.objective_id JOIN plan p ON p.id = o.plan_id " \
		       "WHERE s.id = ?1 AND p.review_id = ?2"

static const struct field_sql step_fields[] = {
	{ "description", "SELECT s.uuid, s.description " STEP_OF_REVIEW,
	  "UPDATE step SET description = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "resources", "SELECT s.uuid, s.resources " STEP_OF_REVIEW,
	  "UPDATE step SET resources = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "start", "SELECT s.uuid, coalesce(s.starts, '') " STEP_OF_REVIEW,
	  "UPDATE step SET starts = nullif(?2, ''), updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "due", "SELECT s.uuid, coalesce(s.due, '') " STEP_OF_REVIEW,
	  "UPDATE step SET due = nullif(?2, ''), updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "lead", "SELECT s.uuid, coalesce((SELECT name FROM person WHERE id = s.lead_id), '') " STEP_OF_REVIEW,
	  "UPDATE step SET lead_id = (SELECT id FROM person WHERE name = ?2 AND review_id = "
	  "(SELECT p.review_id FROM step s JOIN objective o ON o.id = s.objective_id JOIN plan p ON p.id = o.plan_id "
	  "WHERE s.id = ?1)), updated_at = ?3, version = version + 1 WHERE id = ?1" },
};

static int
step_field_check(struct db *db, int64_t review, const char *field, const char *value)
{
	int64_t id;

	if (strcmp(field, "description") == 0 && blank(value))
		return error(QREL_PARSE, "a step needs a description");
	if (strcmp(field, "start") == 0 || strcmp(field, "due") == 0)
		return check_dates(strcmp(field, "start") == 0 ? value : NULL, strcmp(field, "due") == 0 ? value : NULL);
	if (strcmp(field, "lead") == 0)
		return lead_id(db, review, value, &id);
	return QREL_OK;
}

int
plan_step_edit(struct db *db, int64_t review, const char *who, int64_t step, const char *field, const char *value)
{
	const struct field_sql *f = field_find(step_fields, ARRAY_SIZE(step_fields), field);
	int rc;

	if (!f)
		return error(QREL_USAGE, "a step has no field '%s' (description, lead, resources, start, due)", field);
	if ((rc = step_field_check(db, review, field, value ? value : "")) != QREL_OK)
		return rc;
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	/* A start after the due date is refused by the table's CHECK. */
	rc = field_write(db, review, who, "step", f, step, value ? value : "");
	if (rc == QREL_PARSE)
		rc = error(QREL_PARSE, "the step would be due before it starts");
	return finish(db, rc);
}

static int
status_change(struct db *db, int64_t review, const char *who, int64_t step, enum plan_status s, const char *note)
{
	static const char find[] = "SELECT s.uuid, s.status " STEP_OF_REVIEW;
	static const char upd[] = "UPDATE step SET status = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, find);
	char uuid[40] = "", old[16] = "", now[21];
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) == SQLITE_ROW) {
		str_copy(uuid, sizeof(uuid), db_col_text(st, 0));
		str_copy(old, sizeof(old), db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (!*uuid)
		return error(QREL_NOTFOUND, "no step %lld in this review", (long long)step);
	if (strcmp(old, plan_status_name(s)) == 0)
		return error(QREL_CONFLICT, "the step is already %s", plan_status_label(s));
	if (!(st = db_stmt(db, upd)))
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, step);
	db_bind_text(st, 2, plan_status_name(s));
	db_bind_text(st, 3, now);
	if ((rc = db_step_done(db, st, "changing the status")) != QREL_OK ||
	    (rc = status_insert(db, step, s, note, who, now)) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "step", uuid, "status", old, plan_status_name(s), note ? note : "");
}

int
plan_step_set_status(struct db *db, int64_t review, const char *who, int64_t step, enum plan_status status,
		     const char *note)
{
	int rc;

	if ((unsigned)status >= PLAN_STATUS_COUNT)
		return error(QREL_USAGE, "no such status");
	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, status_change(db, review, who, step, status, note));
}

/* ---- inside a caller's transaction (findings.c) ---- */

int
plan_objective_insert_tx(struct db *db, int64_t review, const char *who, const struct plan_objective_input *in,
			 int64_t *objective)
{
	if (blank(in->title))
		return error(QREL_PARSE, "an objective needs a title");
	return objective_insert(db, review, who, in, objective);
}

int
plan_cause_insert_tx(struct db *db, int64_t review, const char *who, int64_t objective, const char *text,
		     int64_t *cause)
{
	if (blank(text))
		return error(QREL_PARSE, "a root cause needs a text");
	return cause_insert(db, review, who, objective, text, cause);
}

int
plan_link_note_tx(struct db *db, int64_t review, const char *who, int64_t cause, int64_t note)
{
	return note_link_inner(db, review, who, cause, note);
}

/* ---- objectives from findings ---- */

/* A new objective (when *objective is 0) and a cause with text, in the open transaction. */
static int
start_cause(struct db *db, int64_t review, const char *who, const char *title, const char *text,
	    int64_t *objective, int64_t *cause)
{
	struct plan_objective_input in = { .title = title };
	int rc;

	if (!*objective && (rc = objective_insert(db, review, who, &in, objective)) != QREL_OK)
		return rc;
	return cause_insert(db, review, who, *objective, text, cause);
}

static int
from_note_inner(struct db *db, int64_t review, const char *who, int64_t note, int64_t *objective)
{
	static const char sql[] = "SELECT text FROM note WHERE id = ?1 AND review_id = ?2 AND deleted_at IS NULL";
	char text[512], title[256], cause_text[600];
	int64_t cause;
	int rc;

	if ((rc = one_text(db, sql, note, review, text, sizeof(text), "live note")) != QREL_OK)
		return rc;
	title_from("Act on: ", text, title, sizeof(title));
	title_from("To analyse, from the evidence: ", text, cause_text, sizeof(cause_text));
	if ((rc = start_cause(db, review, who, title, cause_text, objective, &cause)) != QREL_OK)
		return rc;
	return note_link_inner(db, review, who, cause, note);
}

int
plan_objective_from_note(struct db *db, int64_t review, const char *who, int64_t note, int64_t *objective)
{
	int64_t keep = *objective;
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = finish(db, from_note_inner(db, review, who, note, objective))) != QREL_OK)
		*objective = keep;
	return rc;
}

static int
cluster_words(struct db *db, int64_t site, int64_t cluster, char *out, size_t n)
{
	static const char sql[] = "SELECT c.code || ' ' || c.title || ' at ' || s.code FROM cluster c, site s "
				  "WHERE c.id = ?1 AND s.id = ?2";

	return one_text(db, sql, cluster, site, out, n, "cluster");
}

static int
from_cluster_inner(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster, int64_t *objective)
{
	char words[300], title[400], text[400];
	int rc, levels = store_levels(db, review), base, target;
	int64_t cause, metric;

	if ((rc = check_cluster(db, review, site, cluster)) != QREL_OK ||
	    (rc = cluster_words(db, site, cluster, words, sizeof(words))) != QREL_OK)
		return rc;
	base = consensus_level(db, site, cluster);
	target = base ? base + 1 : (levels < 3 ? levels : 3);
	if (target > levels)
		target = levels;
	snprintf(title, sizeof(title), "Raise %s", words);
	snprintf(text, sizeof(text), "To analyse: why %s is rated where it is", words);
	if ((rc = start_cause(db, review, who, title, text, objective, &cause)) != QREL_OK ||
	    (rc = cluster_link_inner(db, review, who, cause, site, cluster)) != QREL_OK)
		return rc;
	return cluster_target_insert(db, review, who, *objective, site, cluster, target, &metric);
}

int
plan_objective_from_cluster(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster,
			    int64_t *objective)
{
	int64_t keep = *objective;
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = finish(db, from_cluster_inner(db, review, who, site, cluster, objective))) != QREL_OK)
		*objective = keep;
	return rc;
}

static int
metric_words(struct db *db, int64_t metric, char *name, size_t n, bool *favourable)
{
	static const char sql[] = "SELECT name, direction FROM metric WHERE id = ?1 AND ?2 = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, metric);
	sqlite3_bind_int64(st, 2, 0);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(name, n, db_col_text(st, 0));
		*favourable = strcmp(db_col_text(st, 1), "favourable") == 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : error(QREL_NOTFOUND, "no metric %lld", (long long)metric);
}

/* Parity with everyone else in the table; the group's own rate when there is nobody else. */
static int
parity_target(struct db *db, const struct plan_subgroup_ref *r, double *target)
{
	struct subgroup_shown v;
	long oe, oc;
	int rc;

	if ((rc = subgroup_cell(db, r, &oe, &oc)) != QREL_OK)
		return rc;
	/* The others' rate would give a withheld count back (the total is
	 * shown): then the rate of all students, or nothing when that is withheld too. */
	if (!shown_figures(db, r, r->year, RISK_DEFAULT_DISPLAY_MIN, &v) || v.total_count < 0) {
		*target = 0.0;
		return QREL_OK;
	}
	oe = v.total_enrolled - v.enrolled;
	oc = v.total_count - v.count;
	if (v.count < 0)
		*target = v.total_enrolled > 0 ? (double)v.total_count / (double)v.total_enrolled : 0.0;
	else
		*target = oe > 0 ? (double)oc / (double)oe : v.enrolled > 0 ? (double)v.count / (double)v.enrolled : 0.0;
	return QREL_OK;
}

static int
from_subgroup_inner(struct db *db, int64_t review, const char *who, const struct plan_subgroup_ref *r,
		    int64_t *objective)
{
	char name[128], code[32], sname[128], title[512], text[512];
	int64_t cause, metric;
	bool fav = false;
	double target;
	int rc;

	if ((rc = metric_words(db, r->metric, name, sizeof(name), &fav)) != QREL_OK ||
	    (rc = store_site_info(db, r->site, code, sizeof(code), sname, sizeof(sname))) != QREL_OK ||
	    (rc = parity_target(db, r, &target)) != QREL_OK)
		return rc;
	snprintf(title, sizeof(title), "%s %s for %s at %s", fav ? "Raise" : "Reduce", name, r->group, code);
	snprintf(text, sizeof(text), "To analyse: why %s for %s (%s) at %s stands apart in %s", name, r->group,
		 r->dimension, code, r->year);
	if ((rc = start_cause(db, review, who, title, text, objective, &cause)) != QREL_OK ||
	    (rc = subgroup_link_inner(db, review, who, cause, r)) != QREL_OK)
		return rc;
	return metric_target_insert(db, review, who, *objective, r, target, &metric);
}

int
plan_objective_from_subgroup(struct db *db, int64_t review, const char *who, const struct plan_subgroup_ref *ref,
			     int64_t *objective)
{
	int64_t keep = *objective;
	int rc;

	if ((rc = plan_may(db, review, who)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = finish(db, from_subgroup_inner(db, review, who, ref, objective))) != QREL_OK)
		*objective = keep;
	return rc;
}

/* ---- reading: rates ---- */

/* A rate, hidden when its table withholds the count (or cannot be read). */
static void
rate_set(struct plan_rate *r, const char *year, long enrolled, long count, bool withheld)
{
	str_copy(r->year, sizeof(r->year), year);
	r->defined = enrolled > 0;
	r->value = enrolled > 0 && count >= 0 ? (double)count / (double)enrolled : 0.0;
	if (withheld || count < 0) {
		r->hidden = true;
		r->value = 0.0;
	}
}

/* The stored figures alone are a small group (the table decides the rest). */
static bool
primary_hidden(long enrolled, long count, long min_display)
{
	struct risk_group g = { "g", enrolled, count };
	int hidden = 1;

	risk_suppress(&g, 1, min_display > 0 ? min_display : RISK_DEFAULT_DISPLAY_MIN, 0, &hidden);
	return hidden;
}

/* The group's rate in year as its subgroup table shows it. */
static void
rate_shown(struct db *db, struct plan_rate *r, const struct plan_subgroup_ref *ref, const char *year, long min_display)
{
	struct subgroup_shown v = { 0 };
	bool ok = shown_figures(db, ref, year, min_display, &v);

	rate_set(r, year, v.enrolled, v.count, !ok);
	r->defined = ok && v.enrolled > 0;
}

void
plan_rate_text(const struct plan_rate *r, char *buf, size_t size)
{
	if (!r->defined)
		snprintf(buf, size, "no data");
	else if (r->hidden)
		snprintf(buf, size, "suppressed");
	else
		snprintf(buf, size, "%.1f%%", r->value * 100.0);
}

/* The newest year after the baseline with data for the group. */
static int
latest_rate(struct db *db, const struct plan_subgroup_ref *r, long min_display, struct plan_rate *out)
{
	static const char sql[] = "SELECT year, enrolled, count FROM subgroup_row WHERE site_id = ?1 AND year > ?2 "
				  "AND metric_id = ?3 AND dimension = ?4 AND grp = ?5 ORDER BY year DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);

	memset(out, 0, sizeof(*out));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, r->site);
	db_bind_text(st, 2, r->year);
	sqlite3_bind_int64(st, 3, r->metric);
	db_bind_text(st, 4, r->dimension);
	db_bind_text(st, 5, r->group);
	char year[16] = "";

	if (sqlite3_step(st) == SQLITE_ROW)
		str_copy(year, sizeof(year), db_col_text(st, 0));
	sqlite3_reset(st);
	if (*year)
		rate_shown(db, out, r, year, min_display);
	return QREL_OK;
}

double
plan_metric_progress(const struct plan_metric *m)
{
	double base, latest, target, p;

	if (m->is_cluster) {
		base = m->baseline_level;
		latest = m->latest_level ? m->latest_level : m->baseline_level;
		target = m->target_level;
	} else {
		if (!m->baseline.defined || m->baseline.hidden)
			return -1.0;
		base = m->baseline.value;
		latest = m->latest.defined && !m->latest.hidden ? m->latest.value : base;
		target = m->target;
	}
	if (target == base)
		return 1.0;
	p = (latest - base) / (target - base);
	return p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

/* ---- reading: the plan ---- */

void
plan_doc_free(struct plan_doc *d)
{
	for (int i = 0; i < d->n; i++) {
		struct plan_objective *o = &d->obj[i];

		for (int c = 0; c < o->ncauses; c++) {
			free(o->cause[c].text);
			free(o->cause[c].link);
		}
		free(o->cause);
		free(o->metric);
		free(o->step);
		free(o->title);
		free(o->theory_if);
		free(o->theory_then);
		free(o->stakeholders);
	}
	free(d->obj);
	d->obj = NULL;
	d->n = 0;
}

static int
load_objectives(struct db *db, int64_t review, struct plan_doc *d)
{
	static const char sql[] = "SELECT o.id, o.uuid, o.position, o.title, o.theory_if, o.theory_then, o.stakeholders, "
				  "o.plan_id, coalesce(s.code, '') FROM objective o JOIN plan p ON p.id = o.plan_id "
				  "LEFT JOIN site s ON s.id = p.site_id WHERE p.review_id = ?1 "
				  "ORDER BY p.site_id IS NOT NULL, s.code, o.position, o.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_objective *o, *grown = grow(d->obj, d->n, sizeof(*d->obj));

		if (!grown)
			break;
		d->obj = grown;
		o = memset(&d->obj[d->n++], 0, sizeof(*o));
		o->id = sqlite3_column_int64(st, 0);
		str_copy(o->uuid, sizeof(o->uuid), db_col_text(st, 1));
		o->position = sqlite3_column_int(st, 2);
		o->title = xstrdup(db_col_text(st, 3));
		o->theory_if = xstrdup(db_col_text(st, 4));
		o->theory_then = xstrdup(db_col_text(st, 5));
		o->stakeholders = xstrdup(db_col_text(st, 6));
		o->plan = sqlite3_column_int64(st, 7);
		str_copy(o->scope, sizeof(o->scope), *db_col_text(st, 8) ? db_col_text(st, 8) : "district-wide");
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
}

#define LINK_SELECT \
	"SELECT l.id, l.kind, coalesce(l.note_id, 0), coalesce(ns.code, s.code, ''), coalesce(l.year, ''), " \
	"coalesce(m.name, ''), coalesce(l.dimension, ''), coalesce(l.grp, ''), coalesce(c.code, ''), " \
	"coalesce(c.title, ''), coalesce(n.source, ''), substr(coalesce(n.created_at, ''), 1, 10), " \
	"coalesce(n.text, ''), coalesce(l.site_id, 0), coalesce(l.metric_id, 0), coalesce(l.cluster_id, 0) " \
	"FROM cause_link l LEFT JOIN note n ON n.id = l.note_id LEFT JOIN site ns ON ns.id = n.site_id " \
	"LEFT JOIN site s ON s.id = l.site_id LEFT JOIN metric m ON m.id = l.metric_id " \
	"LEFT JOIN cluster c ON c.id = l.cluster_id "

static void
link_label(struct db *db, sqlite3_stmt *st, long min_display, struct plan_link *l)
{
	const char *kind = db_col_text(st, 1);

	l->id = sqlite3_column_int64(st, 0);
	l->note = sqlite3_column_int64(st, 2);
	if (strcmp(kind, "note") == 0) {
		char text[200];

		l->kind = PLAN_LINK_NOTE;
		title_from("", db_col_text(st, 12), text, sizeof(text));
		snprintf(l->label, sizeof(l->label), "note %s %s %s: %s", db_col_text(st, 3), db_col_text(st, 10),
			 db_col_text(st, 11), text);
	} else if (strcmp(kind, "subgroup") == 0) {
		struct plan_subgroup_ref r = { .site = sqlite3_column_int64(st, 13), .metric = sqlite3_column_int64(st, 14) };
		struct plan_rate rate = { 0 };
		char rt[32];

		l->kind = PLAN_LINK_SUBGROUP;
		str_copy(r.year, sizeof(r.year), db_col_text(st, 4));
		str_copy(r.dimension, sizeof(r.dimension), db_col_text(st, 6));
		str_copy(r.group, sizeof(r.group), db_col_text(st, 7));
		rate_shown(db, &rate, &r, r.year, min_display);
		plan_rate_text(&rate, rt, sizeof(rt));
		snprintf(l->label, sizeof(l->label), "data %s %s: %s, %s (%s) %s", db_col_text(st, 3), r.year,
			 db_col_text(st, 5), r.group, r.dimension, rt);
	} else {
		int lv = consensus_level(db, sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 15));

		l->kind = PLAN_LINK_CLUSTER;
		snprintf(l->label, sizeof(l->label), "rubric %s %s %s: consensus %s%.0d", db_col_text(st, 3),
			 db_col_text(st, 8), db_col_text(st, 9), lv ? "level " : "not agreed", lv);
	}
}

static int
load_links(struct db *db, struct plan_cause *c, long min_display)
{
	static const char sql[] = LINK_SELECT "WHERE l.root_cause_id = ?1 ORDER BY l.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, c->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_link *grown = grow(c->link, c->nlinks, sizeof(*c->link));

		if (!grown)
			break;
		c->link = grown;
		memset(&c->link[c->nlinks], 0, sizeof(*c->link));
		link_label(db, st, min_display, &c->link[c->nlinks++]);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
}

static int
load_causes(struct db *db, struct plan_objective *o, long min_display)
{
	static const char sql[] = "SELECT id, uuid, text FROM root_cause WHERE objective_id = ?1 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, o->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_cause *c, *grown = grow(o->cause, o->ncauses, sizeof(*o->cause));

		if (!grown)
			break;
		o->cause = grown;
		c = memset(&o->cause[o->ncauses++], 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		str_copy(c->uuid, sizeof(c->uuid), db_col_text(st, 1));
		c->text = xstrdup(db_col_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
	/* Links are read after the causes: their query may not run while this one steps. */
	for (int i = 0; i < o->ncauses; i++)
		if ((rc = load_links(db, &o->cause[i], min_display)) != QREL_OK)
			return rc;
	return QREL_OK;
}

#define METRIC_SELECT \
	"SELECT t.id, t.uuid, t.kind, s.code, t.site_id, coalesce(t.metric_id, 0), coalesce(m.name, ''), " \
	"coalesce(m.direction, ''), coalesce(t.dimension, ''), coalesce(t.grp, ''), coalesce(t.baseline_year, ''), " \
	"coalesce(t.baseline_enrolled, 0), coalesce(t.baseline_count, 0), coalesce(t.target_value, 0), " \
	"coalesce(t.cluster_id, 0), coalesce(c.code, ''), coalesce(c.title, ''), coalesce(t.baseline_level, 0), " \
	"coalesce(t.target_level, 0) FROM metric_target t JOIN site s ON s.id = t.site_id " \
	"LEFT JOIN metric m ON m.id = t.metric_id LEFT JOIN cluster c ON c.id = t.cluster_id "

/* Reads one metric row; the latest values need other queries and come after. */
static void
metric_row(sqlite3_stmt *st, long min_display, struct plan_metric *m, struct plan_subgroup_ref *r)
{
	m->id = sqlite3_column_int64(st, 0);
	str_copy(m->uuid, sizeof(m->uuid), db_col_text(st, 1));
	m->is_cluster = strcmp(db_col_text(st, 2), "cluster") == 0;
	str_copy(m->site_code, sizeof(m->site_code), db_col_text(st, 3));
	r->site = sqlite3_column_int64(st, 4);
	r->metric = sqlite3_column_int64(st, 5);
	str_copy(r->dimension, sizeof(r->dimension), db_col_text(st, 8));
	str_copy(r->group, sizeof(r->group), db_col_text(st, 9));
	str_copy(r->year, sizeof(r->year), db_col_text(st, 10));
	if (m->is_cluster) {
		snprintf(m->label, sizeof(m->label), "%s %s at %s (consensus level)", db_col_text(st, 15),
			 db_col_text(st, 16), m->site_code);
		m->favourable = true;
		m->baseline_level = sqlite3_column_int(st, 17);
		m->target_level = sqlite3_column_int(st, 18);
		r->metric = sqlite3_column_int64(st, 14);	/* the cluster, for the latest level */
		return;
	}
	snprintf(m->label, sizeof(m->label), "%s, %s (%s) at %s", db_col_text(st, 6), r->group, r->dimension,
		 m->site_code);
	m->favourable = strcmp(db_col_text(st, 7), "favourable") == 0;
	rate_set(&m->baseline, r->year, (long)sqlite3_column_int64(st, 11), (long)sqlite3_column_int64(st, 12),
		 primary_hidden((long)sqlite3_column_int64(st, 11), (long)sqlite3_column_int64(st, 12), min_display));
	m->target = sqlite3_column_double(st, 13);
}

/* The baseline goes when its table withholds the group's count now. */
static int
baseline_withheld(struct db *db, const struct plan_subgroup_ref *r, long min_display, struct plan_metric *m)
{
	struct subgroup_shown v;

	if (!shown_figures(db, r, r->year, min_display, &v) || v.count < 0) {
		m->baseline.hidden = true;
		m->baseline.value = 0.0;
	}
	return QREL_OK;
}

static int
load_metrics(struct db *db, int64_t review, struct plan_objective *o, long min_display)
{
	static const char sql[] = METRIC_SELECT "WHERE t.objective_id = ?1 ORDER BY t.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct plan_subgroup_ref *refs = NULL;
	int rc, levels = store_levels(db, review);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, o->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_metric *grown = grow(o->metric, o->nmetrics, sizeof(*o->metric));
		struct plan_subgroup_ref *rg = grow(refs, o->nmetrics, sizeof(*refs));

		if (grown)
			o->metric = grown;
		if (rg)
			refs = rg;
		if (!grown || !rg)
			break;
		memset(&o->metric[o->nmetrics], 0, sizeof(*o->metric));
		metric_row(st, min_display, &o->metric[o->nmetrics], &refs[o->nmetrics]);
		o->metric[o->nmetrics++].levels = levels;
	}
	sqlite3_reset(st);
	for (int i = 0; rc == SQLITE_DONE && i < o->nmetrics; i++) {
		struct plan_metric *m = &o->metric[i];

		if (m->is_cluster)
			m->latest_level = consensus_level(db, refs[i].site, refs[i].metric);
		else if (baseline_withheld(db, &refs[i], min_display, m) == QREL_OK)
			latest_rate(db, &refs[i], min_display, &m->latest);
	}
	free(refs);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the plan");
}

static int
load_steps(struct db *db, int64_t review, struct plan_objective *o)
{
	struct plan_step_filter f = { .objective = o->id };
	long long n = plan_steps_count(db, review, &f);
	int got = 0, rc;

	if (n < 0)
		return QREL_DB;
	if (n == 0)
		return QREL_OK;
	if (!(o->step = calloc((size_t)n, sizeof(*o->step))))
		return error(QREL_NOMEM, "out of memory");
	if ((rc = plan_steps_page(db, review, &f, PLAN_SORT_DUE, 0, (int)n, o->step, &got)) != QREL_OK)
		return rc;
	o->nsteps = got;
	for (int i = 0; i < got; i++) {
		o->steps_done += o->step[i].status == PLAN_DONE;
		o->steps_live += o->step[i].status != PLAN_DROPPED;
		o->overdue += o->step[i].overdue;
	}
	return QREL_OK;
}

int
plan_load(struct db *db, int64_t review, long min_display, struct plan_doc *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_objectives(db, review, out)) != QREL_OK)
		goto fail;
	for (int i = 0; i < out->n; i++) {
		if ((rc = load_causes(db, &out->obj[i], min_display)) != QREL_OK ||
		    (rc = load_metrics(db, review, &out->obj[i], min_display)) != QREL_OK ||
		    (rc = load_steps(db, review, &out->obj[i])) != QREL_OK)
			goto fail;
	}
	return QREL_OK;
fail:
	plan_doc_free(out);
	return rc;
}

/* ---- reading: steps ---- */

const char *
plan_sort_name(enum plan_sort s)
{
	static const char *const names[] = { "due date", "lead", "status" };

	return (unsigned)s < PLAN_SORT_COUNT ? names[s] : "?";
}

#define STEP_FROM \
	"FROM step s JOIN objective o ON o.id = s.objective_id JOIN plan pl ON pl.id = o.plan_id " \
	"LEFT JOIN person p ON p.id = s.lead_id WHERE pl.review_id = ?1 AND (?3 IS NULL OR p.name = ?3) " \
	"AND (?4 = 0 OR (s.due < ?2 AND s.status IN ('planned', 'in_progress'))) " \
	"AND (?5 = 0 OR s.objective_id = ?5) "
#define STEP_SELECT \
	"SELECT s.id, s.uuid, s.objective_id, o.position, o.title, s.description, coalesce(p.name, ''), " \
	"s.resources, coalesce(s.starts, ''), coalesce(s.due, ''), s.status, " \
	"(s.due IS NOT NULL AND s.due < ?2 AND s.status IN ('planned', 'in_progress')) " STEP_FROM
#define STEP_PAGE " LIMIT ?6 OFFSET ?7"

static const char *const step_sql[] = {
	[PLAN_SORT_DUE] = STEP_SELECT "ORDER BY s.due IS NULL, s.due, o.position, s.id" STEP_PAGE,
	[PLAN_SORT_LEAD] = STEP_SELECT "ORDER BY p.name IS NULL, p.name, s.due IS NULL, s.due, s.id" STEP_PAGE,
	[PLAN_SORT_STATUS] = STEP_SELECT "ORDER BY CASE s.status WHEN 'in_progress' THEN 0 WHEN 'planned' THEN 1 "
				 "WHEN 'done' THEN 2 ELSE 3 END, s.due IS NULL, s.due, s.id" STEP_PAGE,
};

static void
bind_filter(sqlite3_stmt *st, int64_t review, const struct plan_step_filter *f)
{
	char today[11];

	plan_today(today);
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, today);
	db_bind_text(st, 3, f && f->lead && *f->lead ? f->lead : NULL);
	sqlite3_bind_int(st, 4, f && f->overdue);
	sqlite3_bind_int64(st, 5, f ? f->objective : 0);
}

static void
step_row(sqlite3_stmt *st, struct plan_step *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	str_copy(s->uuid, sizeof(s->uuid), db_col_text(st, 1));
	s->objective = sqlite3_column_int64(st, 2);
	s->objective_position = sqlite3_column_int(st, 3);
	str_copy(s->objective_title, sizeof(s->objective_title), db_col_text(st, 4));
	str_copy(s->description, sizeof(s->description), db_col_text(st, 5));
	str_copy(s->lead, sizeof(s->lead), db_col_text(st, 6));
	str_copy(s->resources, sizeof(s->resources), db_col_text(st, 7));
	str_copy(s->starts, sizeof(s->starts), db_col_text(st, 8));
	str_copy(s->due, sizeof(s->due), db_col_text(st, 9));
	s->status = status_of(db_col_text(st, 10));
	s->overdue = sqlite3_column_int(st, 11) != 0;
}

int
plan_steps_page(struct db *db, int64_t review, const struct plan_step_filter *f, enum plan_sort sort, int offset,
		int limit, struct plan_step *out, int *n)
{
	sqlite3_stmt *st = db_stmt(db, step_sql[(unsigned)sort < PLAN_SORT_COUNT ? sort : PLAN_SORT_DUE]);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	bind_filter(st, review, f);
	sqlite3_bind_int(st, 6, limit);
	sqlite3_bind_int(st, 7, offset);
	while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		step_row(st, &out[(*n)++]);
	sqlite3_reset(st);
	return *n == limit || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the steps");
}

long long
plan_steps_count(struct db *db, int64_t review, const struct plan_step_filter *f)
{
	static const char sql[] = "SELECT count(*) " STEP_FROM;
	sqlite3_stmt *st = db_stmt(db, sql);
	long long v = -1;

	if (!st)
		return -1;
	bind_filter(st, review, f);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
plan_step_history(struct db *db, int64_t step, struct plan_status_entry **out, int *n)
{
	static const char sql[] = "SELECT status, at, who, note FROM step_status WHERE step_id = ?1 ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, step);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct plan_status_entry *e, *grown = grow(*out, *n, sizeof(**out));

		if (!grown)
			break;
		*out = grown;
		e = &(*out)[(*n)++];
		e->status = status_of(db_col_text(st, 0));
		str_copy(e->at, sizeof(e->at), db_col_text(st, 1));
		str_copy(e->who, sizeof(e->who), db_col_text(st, 2));
		str_copy(e->note, sizeof(e->note), db_col_text(st, 3));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? QREL_NOMEM : db_fail(db, "reading the history");
}

int
plan_people_match(struct db *db, int64_t review, const char *text, char (*out)[128], int max, int *n)
{
	static const char sql[] = "SELECT name FROM person WHERE review_id = ?1 AND name LIKE '%' || ?2 || '%' "
				  "ESCAPE '\\' ORDER BY name NOT LIKE ?2 || '%' ESCAPE '\\', name LIMIT ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	char pat[256];
	size_t j = 0;

	*n = 0;
	if (!st)
		return QREL_DB;
	/* The user's %, _ and \ are letters, not wildcards. */
	for (const char *p = text ? text : ""; *p && j < sizeof(pat) - 2; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pat[j++] = '\\';
		pat[j++] = *p;
	}
	pat[j] = '\0';
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, pat);
	sqlite3_bind_int(st, 3, max);
	while (*n < max && sqlite3_step(st) == SQLITE_ROW)
		str_copy(out[(*n)++], 128, db_col_text(st, 0));
	sqlite3_reset(st);
	return QREL_OK;
}

/* ---- reading: what a link points at ---- */

static char *
note_detail(struct db *db, int64_t note)
{
	static const char sql[] = "SELECT s.code, n.source, n.valence, n.created_at, coalesce(p.name, ''), n.text, "
				  "n.deleted_at IS NOT NULL FROM note n JOIN site s ON s.id = n.site_id "
				  "LEFT JOIN person p ON p.id = n.author_id WHERE n.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	char *out = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, note);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = db_col_text(st, 2);

		if (asprintf(&out, "Evidence note %lld: %s, %s, %s, by %s (%s)%s\n\n%s", (long long)note,
			     db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 3), db_col_text(st, 4),
			     strcmp(v, "growth") == 0 ? "area for growth" : v,
			     sqlite3_column_int(st, 6) ? " [deleted]" : "", db_col_text(st, 5)) < 0)
			out = NULL;
	}
	sqlite3_reset(st);
	return out;
}

static char *
subgroup_detail(struct db *db, const struct plan_subgroup_ref *r, const char *label, long min_display)
{
	struct plan_rate g = { 0 }, others = { 0 };
	char gt[32], ot[32], counts[64] = "";
	struct subgroup_shown v = { 0 };
	long e, c;
	char *out = NULL;
	bool ok = shown_figures(db, r, r->year, min_display, &v);

	/* The others are the total less the group: withheld with either. */
	rate_set(&g, r->year, v.enrolled, v.count, !ok);
	rate_set(&others, r->year, v.total_enrolled - v.enrolled, v.total_count - v.count,
		 !ok || v.count < 0 || v.total_count < 0);
	g.defined = ok && v.enrolled > 0;
	others.defined = ok && v.total_enrolled > v.enrolled;
	e = v.enrolled;
	c = v.count;
	plan_rate_text(&g, gt, sizeof(gt));
	plan_rate_text(&others, ot, sizeof(ot));
	if (g.defined && !g.hidden)
		snprintf(counts, sizeof(counts), " (%ld of %ld students)", c, e);
	else if (g.defined)
		snprintf(counts, sizeof(counts), " (%ld students; count withheld)", e);
	if (asprintf(&out, "Subgroup finding: %s\n\n%s: %s%s\nAll other students (%s): %s\n", label, r->group, gt,
		     counts, r->dimension, ot) < 0)
		out = NULL;
	return out;
}

static char *
cluster_detail(struct db *db, int64_t site, int64_t cluster, const char *label)
{
	static const char sql[] = "SELECT coalesce(level, 0), rationale FROM score WHERE site_id = ?1 AND cluster_id = ?2 "
				  "AND kind = 'consensus' ORDER BY updated_at DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	char *out = NULL, *why = NULL;
	int level = 0;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, cluster);
	if (sqlite3_step(st) == SQLITE_ROW) {
		level = sqlite3_column_int(st, 0);
		why = xstrdup(db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (asprintf(&out, "Rubric finding: %s\n\nConsensus: %s%.0d\n%s%s", label, level ? "level " : "not agreed yet",
		     level, why && *why ? "Rationale: " : "", why ? why : "") < 0)
		out = NULL;
	free(why);
	return out;
}

char *
plan_link_detail(struct db *db, int64_t review, int64_t link, long min_display)
{
	static const char sql[] = LINK_SELECT "JOIN root_cause rc ON rc.id = l.root_cause_id JOIN objective o "
				  "ON o.id = rc.objective_id JOIN plan p ON p.id = o.plan_id WHERE l.id = ?1 AND p.review_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct plan_subgroup_ref r = { 0 };
	struct plan_link l = { 0 };
	int64_t cluster = 0;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, link);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		error(QREL_NOTFOUND, "no link %lld in this review", (long long)link);
		return NULL;
	}
	link_label(db, st, min_display, &l);
	r.site = sqlite3_column_int64(st, 13);
	r.metric = sqlite3_column_int64(st, 14);
	cluster = sqlite3_column_int64(st, 15);
	str_copy(r.year, sizeof(r.year), db_col_text(st, 4));
	str_copy(r.dimension, sizeof(r.dimension), db_col_text(st, 6));
	str_copy(r.group, sizeof(r.group), db_col_text(st, 7));
	sqlite3_reset(st);
	if (l.kind == PLAN_LINK_NOTE)
		return note_detail(db, l.note);
	if (l.kind == PLAN_LINK_SUBGROUP)
		return subgroup_detail(db, &r, l.label, min_display);
	return cluster_detail(db, r.site, cluster, l.label);
}

/* ---- report ---- */

struct sink {
	FILE *fp;
	bool html;
};

/* User text through the report's one HTML or Markdown escaper. */
static void
put_text(const struct sink *k, const char *s)
{
	if (k->html)
		out_html_text(k->fp, s);
	else
		out_md_text(k->fp, s);
}

void
plan_metric_cells(const struct plan_metric *m, char *base, char *target, char *latest, size_t n)
{
	if (m->is_cluster) {
		snprintf(base, n, m->baseline_level ? "level %d" : "not agreed", m->baseline_level);
		snprintf(target, n, "level %d", m->target_level);
		snprintf(latest, n, m->latest_level ? "level %d" : "not agreed", m->latest_level);
		return;
	}
	plan_rate_text(&m->baseline, base, n);
	snprintf(target, n, "%.1f%%", m->target * 100.0);
	plan_rate_text(&m->latest, latest, n);
	if (m->baseline.defined)
		snprintf(base + strlen(base), n - strlen(base), " (%s)", m->baseline.year);
	if (!m->latest.defined)
		snprintf(latest, n, "no newer data");
	else
		snprintf(latest + strlen(latest), n - strlen(latest), " (%s)", m->latest.year);
}

static void
row(const struct sink *k, const char *const *cells, int n, bool head)
{
	fputs(k->html ? "<tr>" : "|", k->fp);
	for (int i = 0; i < n; i++) {
		fputs(k->html ? (head ? "<th>" : "<td>") : " ", k->fp);
		put_text(k, cells[i]);
		fputs(k->html ? (head ? "</th>" : "</td>") : " |", k->fp);
	}
	fputs(k->html ? "</tr>\n" : "\n", k->fp);
	if (head && !k->html) {
		fputc('|', k->fp);
		for (int i = 0; i < n; i++)
			fputs("---|", k->fp);
		fputc('\n', k->fp);
	}
}

static void
heading(const struct sink *k, int level, const char *text)
{
	if (k->html)
		fprintf(k->fp, "<h%d>", level);
	else
		fprintf(k->fp, "%.*s ", level, "######");
	put_text(k, text);
	fputs(k->html ? "" : "\n\n", k->fp);
	if (k->html)
		fprintf(k->fp, "</h%d>\n", level);
}

static void
para(const struct sink *k, const char *label, const char *text)
{
	fputs(k->html ? "<p><strong>" : "**", k->fp);
	put_text(k, label);
	fputs(k->html ? "</strong> " : "** ", k->fp);
	put_text(k, text);
	fputs(k->html ? "</p>\n" : "\n\n", k->fp);
}

static void
table_open(const struct sink *k)
{
	if (k->html)
		fputs("<table>\n", k->fp);
}

static void
table_close(const struct sink *k)
{
	fputs(k->html ? "</table>\n" : "\n", k->fp);
}

static void
report_causes(const struct sink *k, const struct plan_objective *o)
{
	static const char *const head[] = { "Root cause", "Rests on" };

	if (!o->ncauses)
		return;
	table_open(k);
	row(k, head, 2, true);
	for (int c = 0; c < o->ncauses; c++) {
		const char *cells[2] = { o->cause[c].text, o->cause[c].nlinks ? "" : "(no evidence linked yet)" };

		if (o->cause[c].nlinks)
			cells[1] = o->cause[c].link[0].label;
		row(k, cells, 2, false);
		for (int l = 1; l < o->cause[c].nlinks; l++) {
			const char *more[2] = { "", o->cause[c].link[l].label };

			row(k, more, 2, false);
		}
	}
	table_close(k);
}

static void
report_metrics(const struct sink *k, const struct plan_objective *o)
{
	static const char *const head[] = { "Metric of impact", "Baseline", "Target", "Latest" };

	if (!o->nmetrics)
		return;
	table_open(k);
	row(k, head, 4, true);
	for (int i = 0; i < o->nmetrics; i++) {
		char b[64], t[64], l[64];
		const char *cells[4] = { o->metric[i].label, b, t, l };

		plan_metric_cells(&o->metric[i], b, t, l, sizeof(b));
		row(k, cells, 4, false);
	}
	table_close(k);
}

static void
report_steps(const struct sink *k, const struct plan_objective *o)
{
	static const char *const head[] = { "Action step", "Lead", "Resources", "Start", "Due", "Status" };

	if (!o->nsteps)
		return;
	table_open(k);
	row(k, head, 6, true);
	for (int i = 0; i < o->nsteps; i++) {
		const struct plan_step *s = &o->step[i];
		char status[32];
		const char *cells[6] = { s->description, s->lead, s->resources, s->starts, s->due, status };

		snprintf(status, sizeof(status), "%s%s", plan_status_label(s->status), s->overdue ? " (overdue)" : "");
		row(k, cells, 6, false);
	}
	table_close(k);
}

static void
report_objective(const struct sink *k, const struct plan_objective *o)
{
	char title[600], progress[64];

	snprintf(title, sizeof(title), "%d. %s (%s)", o->position, o->title, o->scope);
	heading(k, 3, title);
	if (*o->theory_if || *o->theory_then) {
		char toa[1200];

		snprintf(toa, sizeof(toa), "If %s, then %s.", *o->theory_if ? o->theory_if : "...",
			 *o->theory_then ? o->theory_then : "...");
		para(k, "Theory of action:", toa);
	}
	if (*o->stakeholders)
		para(k, "Stakeholders:", o->stakeholders);
	report_causes(k, o);
	report_metrics(k, o);
	snprintf(progress, sizeof(progress), "%d of %d steps done%s", o->steps_done, o->steps_live,
		 o->overdue ? ", some overdue" : "");
	para(k, "Progress:", progress);
	report_steps(k, o);
}

static int
report(struct db *db, int64_t review, long min_display, const struct sink *k)
{
	struct plan_doc d;
	int rc;

	if ((rc = plan_load(db, review, min_display, &d)) != QREL_OK)
		return rc;
	heading(k, 2, "Action plan");
	if (!d.n)
		para(k, "No objectives yet.", "Objectives will be drawn from the recommendations and findings.");
	for (int i = 0; i < d.n; i++)
		report_objective(k, &d.obj[i]);
	plan_doc_free(&d);
	if (fflush(k->fp) != 0 || ferror(k->fp))
		return error(QREL_IO, "writing the action plan: %s", strerror(errno));
	return QREL_OK;
}

int
plan_report_md(struct db *db, int64_t review, long min_display, FILE *out)
{
	struct sink k = { out, false };

	return report(db, review, min_display, &k);
}

int
plan_report_html(struct db *db, int64_t review, long min_display, FILE *out)
{
	struct sink k = { out, true };

	return report(db, review, min_display, &k);
}

/* plan.c: writing the action plan: plans, objectives, root causes and their links,
 * metrics and steps with their status history, each behind the gate in one
 * transaction with change_log rows. Reads are in plan_read.c, objectives from
 * findings in plan_suggest.c, the printed section in the report writers. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/plan.h"
#include "qrel/plan_internal.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/subgroup.h"
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
int
plan_finish(struct db *db, int rc)
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
int
plan_one_text(struct db *db, const char *sql, int64_t a, int64_t b, char *out, size_t n, const char *what)
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
	return plan_finish(db, plan_get(db, review, who, site, plan));
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
	if (in->uuid)
		snprintf(uuid, sizeof(uuid), "%s", in->uuid);
	else
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
	return plan_finish(db, objective_insert(db, review, who, in, objective));
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
	return plan_finish(db, field_write(db, review, who, "objective", f, objective, value ? value : ""));
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

	if ((rc = plan_one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK)
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
	return plan_finish(db, cause_insert(db, review, who, objective, text, cause));
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
	return plan_finish(db, field_write(db, review, who, "root_cause", &cause_field, cause, text));
}

/* The row a subgroup finding names: enrolled and count; QREL_NOTFOUND when there is none. */
void
plan_bind_ref(sqlite3_stmt *st, const struct plan_subgroup_ref *r)
{
	sqlite3_bind_int64(st, 1, r->site);
	db_bind_text(st, 2, r->year);
	sqlite3_bind_int64(st, 3, r->metric);
	db_bind_text(st, 4, r->dimension);
	db_bind_text(st, 5, r->group);
}

int
plan_subgroup_cell(struct db *db, const struct plan_subgroup_ref *r, long *enrolled, long *count)
{
	static const char sql[] = "SELECT enrolled, count FROM subgroup_row WHERE site_id = ?1 AND year = ?2 "
				  "AND metric_id = ?3 AND dimension = ?4 AND grp = ?5";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	plan_bind_ref(st, r);
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
	return plan_subgroup_cell(db, out, &e, &c);
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

	if ((rc = plan_one_text(db, cause_uuid_sql, cause, review, cuuid, sizeof(cuuid), "root cause")) != QREL_OK)
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

	if ((rc = plan_one_text(db, sql, note, review, uuid, sizeof(uuid), "live note")) != QREL_OK)
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
	return plan_finish(db, note_link_inner(db, review, who, cause, note));
}

int
plan_link_subgroup_tx(struct db *db, int64_t review, const char *who, int64_t cause, const struct plan_subgroup_ref *r)
{
	struct link_values v = { .kind = "subgroup", .site = r->site, .metric = r->metric,
				 .year = r->year, .dimension = r->dimension, .group = r->group };
	char what[400];
	long e, c;
	int rc;

	if ((rc = plan_subgroup_cell(db, r, &e, &c)) != QREL_OK)
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
	return plan_finish(db, plan_link_subgroup_tx(db, review, who, cause, ref));
}

int
plan_check_cluster(struct db *db, int64_t review, int64_t site, int64_t cluster)
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

int
plan_link_cluster_tx(struct db *db, int64_t review, const char *who, int64_t cause, int64_t site, int64_t cluster)
{
	struct link_values v = { .kind = "cluster", .site = site, .cluster = cluster };
	char what[64];
	int rc;

	if ((rc = plan_check_cluster(db, review, site, cluster)) != QREL_OK)
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
	return plan_finish(db, plan_link_cluster_tx(db, review, who, cause, site, cluster));
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

	if ((rc = plan_one_text(db, find, link, review, uuid, sizeof(uuid), "link")) != QREL_OK)
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
	return plan_finish(db, link_remove_inner(db, review, who, link));
}

/* ---- metrics ---- */

int
plan_metric_subgroup_tx(struct db *db, int64_t review, const char *who, int64_t objective,
		     const struct plan_subgroup_ref *r, double target, int64_t *metric)
{
	static const char sql[] = "INSERT INTO metric_target(uuid, objective_id, kind, site_id, metric_id, dimension, "
				  "grp, baseline_year, baseline_enrolled, baseline_count, target_value, created_at) "
				  "VALUES (?, ?, 'subgroup', ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char uuid[UUID_LEN + 1], now[21], ouuid[40], what[400];
	long enrolled, count;
	sqlite3_stmt *st;
	int rc;

	if ((rc = plan_one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK ||
	    (rc = plan_subgroup_cell(db, r, &enrolled, &count)) != QREL_OK)
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
	return plan_finish(db, plan_metric_subgroup_tx(db, review, who, objective, ref, target, metric));
}

int
plan_metric_cluster_tx(struct db *db, int64_t review, const char *who, int64_t objective, int64_t site,
		      int64_t cluster, int target, int64_t *metric)
{
	static const char sql[] = "INSERT INTO metric_target(uuid, objective_id, kind, site_id, cluster_id, "
				  "baseline_level, target_level, created_at) VALUES (?, ?, 'cluster', ?, ?, ?, ?, ?)";
	char uuid[UUID_LEN + 1], now[21], ouuid[40], what[64];
	int rc, base, levels = store_levels(db, review);
	sqlite3_stmt *st;

	if ((rc = plan_one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK ||
	    (rc = plan_check_cluster(db, review, site, cluster)) != QREL_OK)
		return rc;
	if (target < 1 || target > levels)
		return error(QREL_PARSE, "a target level is between 1 and %d", levels);
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	base = score_consensus_level(db, site, cluster);
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
	return plan_finish(db, plan_metric_cluster_tx(db, review, who, objective, site, cluster, target_level, metric));
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

	if ((rc = plan_one_text(db, obj_uuid_sql, objective, review, ouuid, sizeof(ouuid), "objective")) != QREL_OK)
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
	return plan_finish(db, step_insert(db, review, who, objective, in, lead, step));
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
	return plan_finish(db, rc);
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
	return plan_finish(db, status_change(db, review, who, step, status, note));
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

/* findings.c: writes the review's findings, recommendations, executive summary and report status,
 * each change one transaction with its change_log rows. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/findings.h"
#include "qrel/plan.h"
#include "qrel/schema.h"
#include "qrel/store.h"
#include "qrel/util.h"

/*
 * A finding belongs to a domain and, unless it speaks for the whole domain, to
 * one of its clusters; to one site, or (site NULL) to the whole review. It
 * cites key evidence notes (with the stakeholder group each speaks for) and
 * subgroup rows by key, as the plan's causes do. A recommendation answers
 * findings and may have become a plan objective (objective_id). The review
 * row carries the report's status and the lead's executive summary.
 */
const char findings_migration[] =
"ALTER TABLE review ADD COLUMN report_status TEXT NOT NULL DEFAULT 'draft'"
"  CHECK (report_status IN ('draft', 'final'));"
"ALTER TABLE review ADD COLUMN summary TEXT NOT NULL DEFAULT '';"
"CREATE TABLE finding ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  site_id INTEGER REFERENCES site(id),"
"  domain_id INTEGER NOT NULL REFERENCES domain(id),"
"  cluster_id INTEGER REFERENCES cluster(id),"
"  kind TEXT NOT NULL CHECK (kind IN ('strength', 'growth')),"
"  text TEXT NOT NULL CHECK (text <> ''),"
"  author_id INTEGER REFERENCES person(id),"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  version INTEGER NOT NULL DEFAULT 1);"
"CREATE INDEX finding_place ON finding(review_id, domain_id, cluster_id);"
"CREATE TABLE finding_note ("
"  finding_id INTEGER NOT NULL REFERENCES finding(id) ON DELETE CASCADE,"
"  note_id INTEGER NOT NULL REFERENCES note(id),"
"  stakeholder TEXT NOT NULL DEFAULT '',"
"  created_at TEXT NOT NULL,"
"  PRIMARY KEY (finding_id, note_id)) WITHOUT ROWID;"
"CREATE INDEX finding_note_note ON finding_note(note_id);"
"CREATE TABLE finding_subgroup ("
"  finding_id INTEGER NOT NULL REFERENCES finding(id) ON DELETE CASCADE,"
"  site_id INTEGER NOT NULL REFERENCES site(id),"
"  year TEXT NOT NULL,"
"  metric_id INTEGER NOT NULL REFERENCES metric(id),"
"  dimension TEXT NOT NULL,"
"  grp TEXT NOT NULL,"
"  PRIMARY KEY (finding_id, site_id, year, metric_id, dimension, grp)) WITHOUT ROWID;"
"CREATE TABLE recommendation ("
"  id INTEGER PRIMARY KEY,"
"  uuid TEXT NOT NULL UNIQUE,"
"  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,"
"  number INTEGER NOT NULL CHECK (number >= 1),"
"  priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),"
"  title TEXT NOT NULL CHECK (title <> ''),"
"  text TEXT NOT NULL DEFAULT '',"
"  stakeholders TEXT NOT NULL DEFAULT '',"
"  objective_id INTEGER REFERENCES objective(id) ON DELETE SET NULL,"
"  author_id INTEGER REFERENCES person(id),"
"  created_at TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  version INTEGER NOT NULL DEFAULT 1,"
"  UNIQUE (review_id, number));"
"CREATE TABLE recommendation_finding ("
"  recommendation_id INTEGER NOT NULL REFERENCES recommendation(id) ON DELETE CASCADE,"
"  finding_id INTEGER NOT NULL REFERENCES finding(id) ON DELETE CASCADE,"
"  PRIMARY KEY (recommendation_id, finding_id)) WITHOUT ROWID;"
"CREATE INDEX recommendation_finding_finding ON recommendation_finding(finding_id);";

/* ---- names ---- */

static const char *const kind_names[] = { "strength", "growth" };
static const char *const kind_labels[] = { "Strength", "Area for growth" };
static const char *const priority_names[REC_PRIORITY_COUNT] = { "high", "medium", "low" };

const char *
finding_kind_name(enum finding_kind k)
{
	return kind_names[k == FINDING_GROWTH];
}

const char *
finding_kind_label(enum finding_kind k)
{
	return kind_labels[k == FINDING_GROWTH];
}

int
finding_kind_parse(const char *s, enum finding_kind *out)
{
	if (s && strcasecmp(s, "strength") == 0)
		*out = FINDING_STRENGTH;
	else if (s && (strcasecmp(s, "growth") == 0 || strcasecmp(s, "area for growth") == 0))
		*out = FINDING_GROWTH;
	else
		return error(QREL_PARSE, "a finding is a strength or growth, not '%s'", s ? s : "");
	return QREL_OK;
}

const char *
rec_priority_name(enum rec_priority p)
{
	return p >= 0 && p < REC_PRIORITY_COUNT ? priority_names[p] : "medium";
}

int
rec_priority_parse(const char *s, enum rec_priority *out)
{
	for (int i = 0; s && i < REC_PRIORITY_COUNT; i++)
		if (strcasecmp(s, priority_names[i]) == 0) {
			*out = (enum rec_priority)i;
			return QREL_OK;
		}
	return error(QREL_PARSE, "a priority is high, medium or low, not '%s'", s ? s : "");
}

/* ---- small queries ---- */

/* The first column of a query with integer parameters args[0..n-1]: as an id
 * (0 when there is no row, -1 on error) and, when text is given, as text. */
static int64_t
query_row(struct db *db, const char *sql, const int64_t *args, int n, char *text, size_t ntext)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t v = 0;
	int rc;

	if (!st)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, args[i]);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_type(st, 0) == SQLITE_INTEGER ? sqlite3_column_int64(st, 0) : 1;
		if (text)
			snprintf(text, ntext, "%s", db_col_text(st, 0));
	} else if (rc != SQLITE_DONE) {
		v = -1;
		db_fail(db, "reading the findings");
	}
	sqlite3_reset(st);
	return v;
}

static bool
blank(const char *s)
{
	while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	return !s || !*s;
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

/* ---- who may write, and when ---- */

/* The gate decides (gate.h): findings and recommendations by the lead and
 * reviewers at an open site, the summary and the report's status by the lead. */
static int
may_write(struct db *db, int64_t review, const char *who, bool lead_only, int64_t site)
{
	struct gate_actor a;
	int rc = gate_actor(db, review, who ? who : "", &a);

	if (rc != QREL_OK)
		return rc;
	return gate_check(db, review, &a,
			  &(struct gate_write){ .what = lead_only ? GATE_REPORT : GATE_FINDING, .site = site });
}

/* The report is still a draft. */
static int
writable(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT report_status = 'final' FROM review WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, final = 0;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		final = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no review %lld", (long long)review)
					 : db_fail(db, "reading the review");
	if (final)
		return error(QREL_LOCKED, "the report is final: the lead reopens it as a draft before anything changes");
	return QREL_OK;
}

int
findings_may(struct db *db, int64_t review, const char *who, bool lead_only)
{
	int rc = may_write(db, review, who, lead_only, 0);

	return rc == QREL_OK ? writable(db, review) : rc;
}

/* Checks who and the place, then opens the transaction. */
static int
open_write(struct db *db, int64_t review, const char *who, bool lead_only, int64_t site)
{
	int rc;

	if ((rc = may_write(db, review, who, lead_only, site)) != QREL_OK || (rc = writable(db, review)) != QREL_OK)
		return rc;
	return db_begin(db);
}

/* ---- findings ---- */

int64_t
findings_domain_id(struct db *db, int64_t review, const char *code)
{
	static const char sql[] = "SELECT d.id FROM domain d JOIN review r ON r.framework_id = d.framework_id "
				  "WHERE r.id = ?1 AND d.code = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, code);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* The place of a new finding: the cluster's domain, and the site in the review. */
static int
place_check(struct db *db, int64_t review, struct finding_input *in)
{
	static const char cluster_sql[] = "SELECT c.domain_id FROM cluster c JOIN review r ON r.framework_id = "
					  "c.framework_id WHERE c.id = ?1 AND r.id = ?2";
	static const char domain_sql[] = "SELECT d.id FROM domain d JOIN review r ON r.framework_id = "
					 "d.framework_id WHERE d.id = ?1 AND r.id = ?2";
	static const char site_sql[] = "SELECT id FROM site WHERE id = ?1 AND review_id = ?2";
	int64_t a[2] = { in->cluster, review };

	if (in->cluster && (in->domain = query_row(db, cluster_sql, a, 2, NULL, 0)) <= 0)
		return in->domain < 0 ? QREL_DB : error(QREL_NOTFOUND, "no such cluster in this review");
	a[0] = in->domain;
	if (!in->domain || query_row(db, domain_sql, a, 2, NULL, 0) <= 0)
		return error(QREL_NOTFOUND, "a finding needs a domain or cluster of this review's framework");
	a[0] = in->site;
	if (in->site && query_row(db, site_sql, a, 2, NULL, 0) <= 0)
		return error(QREL_NOTFOUND, "no such site in this review");
	return QREL_OK;
}

static int
finding_insert(struct db *db, int64_t review, const char *who, const struct finding_input *in, int64_t *finding,
	       char uuid[UUID_LEN + 1])
{
	static const char sql[] = "INSERT INTO finding(uuid, review_id, site_id, domain_id, cluster_id, kind, text, "
				  "author_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
				  "(SELECT id FROM person WHERE review_id = ?2 AND name = ?8), ?9, ?9)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char now[21];
	int rc;

	if (!st)
		return QREL_DB;
	if (!uuid_valid(uuid))
		uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, review);
	if (in->site)
		sqlite3_bind_int64(st, 3, in->site);
	sqlite3_bind_int64(st, 4, in->domain);
	if (in->cluster)
		sqlite3_bind_int64(st, 5, in->cluster);
	db_bind_text(st, 6, finding_kind_name(in->kind));
	db_bind_text(st, 7, in->text);
	db_bind_text(st, 8, who);
	db_bind_text(st, 9, now);
	if ((rc = db_step_done(db, st, "adding the finding")) != QREL_OK)
		return rc;
	*finding = sqlite3_last_insert_rowid(db_handle(db));
	return changelog_add(db, review, who, "finding", uuid, "create", NULL, in->text, finding_kind_name(in->kind));
}

int
finding_add_tx(struct db *db, int64_t review, const char *who, struct finding_input *in, int64_t *finding,
	       char uuid[UUID_LEN + 1])
{
	int rc;

	if (blank(in->text))
		return error(QREL_PARSE, "a finding needs a text");
	if ((rc = place_check(db, review, in)) != QREL_OK ||
	    (rc = may_write(db, review, who, false, in->site)) != QREL_OK || (rc = writable(db, review)) != QREL_OK)
		return rc;
	return finding_insert(db, review, who, in, finding, uuid);
}

int
finding_add(struct db *db, int64_t review, const char *who, const struct finding_input *in, int64_t *finding)
{
	struct finding_input copy = *in;
	char uuid[UUID_LEN + 1] = "";
	int rc;

	if ((rc = open_write(db, review, who, false, 0)) != QREL_OK)
		return rc;
	return finish(db, finding_add_tx(db, review, who, &copy, finding, uuid));
}

/* A finding's uuid, site and text (malloc'd), or QREL_NOTFOUND. */
struct frow {
	char uuid[40];
	int64_t site;
	char kind[16];
	char *text;
};

static int
finding_read(struct db *db, int64_t review, int64_t finding, struct frow *f)
{
	static const char sql[] = "SELECT uuid, coalesce(site_id, 0), kind, text FROM finding "
				  "WHERE id = ?1 AND review_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(f, 0, sizeof(*f));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, finding);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(f->uuid, sizeof(f->uuid), "%s", db_col_text(st, 0));
		f->site = sqlite3_column_int64(st, 1);
		snprintf(f->kind, sizeof(f->kind), "%s", db_col_text(st, 2));
		f->text = xstrdup(db_col_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return f->text ? QREL_OK : error(QREL_NOMEM, "out of memory");
	return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no finding %lld in this review", (long long)finding)
				 : db_fail(db, "reading the finding");
}

/* Opens the transaction for a change to an existing finding, whose row fills f. */
static int
finding_open(struct db *db, int64_t review, const char *who, int64_t finding, struct frow *f)
{
	int rc = finding_read(db, review, finding, f);

	if (rc == QREL_OK && (rc = may_write(db, review, who, false, f->site)) == QREL_OK &&
	    (rc = writable(db, review)) == QREL_OK)
		rc = db_begin(db);
	if (rc != QREL_OK)
		free(f->text);
	return rc;
}

static int
finding_set(struct db *db, int64_t review, const char *who, int64_t finding, const struct frow *f, bool text,
	    const char *value)
{
	static const char text_sql[] = "UPDATE finding SET text = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1";
	static const char kind_sql[] = "UPDATE finding SET kind = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, text ? text_sql : kind_sql);
	const char *old = text ? f->text : f->kind;
	char now[21];
	int rc;

	if (!st)
		return QREL_DB;
	if (strcmp(old, value) == 0)
		return QREL_OK;
	clock_now(now);
	sqlite3_bind_int64(st, 1, finding);
	db_bind_text(st, 2, value);
	db_bind_text(st, 3, now);
	if ((rc = db_step_done(db, st, "changing the finding")) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "finding", f->uuid, text ? "text" : "kind", old, value, "");
}

int
finding_edit(struct db *db, int64_t review, const char *who, int64_t finding, const char *field, const char *value)
{
	bool text = field && strcmp(field, "text") == 0;
	enum finding_kind k = FINDING_STRENGTH;
	struct frow f;
	int rc;

	if (!text && (!field || strcmp(field, "kind") != 0))
		return error(QREL_USAGE, "a finding has no field '%s' (text, kind)", field ? field : "");
	if (text && blank(value))
		return error(QREL_PARSE, "a finding needs a text");
	if (!text && (rc = finding_kind_parse(value, &k)) != QREL_OK)
		return rc;
	if ((rc = finding_open(db, review, who, finding, &f)) != QREL_OK)
		return rc;
	rc = finish(db, finding_set(db, review, who, finding, &f, text, text ? value : finding_kind_name(k)));
	free(f.text);
	return rc;
}

int
finding_delete(struct db *db, int64_t review, const char *who, int64_t finding)
{
	static const char sql[] = "DELETE FROM finding WHERE id = ?1";
	struct frow f;
	sqlite3_stmt *st;
	int rc;

	if ((rc = finding_open(db, review, who, finding, &f)) != QREL_OK)
		return rc;
	if (!(st = db_stmt(db, sql)))
		rc = QREL_DB;
	else {
		sqlite3_bind_int64(st, 1, finding);
		if ((rc = db_step_done(db, st, "deleting the finding")) == QREL_OK)
			rc = changelog_add(db, review, who, "finding", f.uuid, "delete", f.text, NULL, "");
	}
	free(f.text);
	return finish(db, rc);
}

/* ---- what a finding cites ---- */

int64_t
findings_ref(struct db *db, int64_t review, bool note, const char *ref)
{
	static const char note_sql[] = "SELECT id FROM note WHERE review_id = ?1 AND (uuid = ?2 OR id = ?3) "
				       "AND deleted_at IS NULL";
	static const char finding_sql[] = "SELECT id FROM finding WHERE review_id = ?1 AND (uuid = ?2 OR id = ?3)";
	sqlite3_stmt *st = db_stmt(db, note ? note_sql : finding_sql);
	long n = 0;
	int64_t id = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, ref);
	sqlite3_bind_int64(st, 3, str_to_long(ref, &n) ? n : -1);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (!id)
		error(QREL_NOTFOUND, "no %s '%s' in this review", note ? "live note" : "finding", ref);
	return id;
}

int
finding_cite_tx(struct db *db, int64_t review, const char *who, int64_t finding, const char *fuuid, int64_t note,
		const char *stakeholder)
{
	static const char note_sql[] = "SELECT uuid FROM note WHERE id = ?1 AND review_id = ?2 AND deleted_at IS NULL";
	static const char sql[] = "INSERT OR IGNORE INTO finding_note(finding_id, note_id, stakeholder, created_at) "
				  "VALUES (?1, ?2, ?3, ?4)";
	int64_t a[2] = { note, review };
	char nuuid[40] = "", now[21];
	sqlite3_stmt *st;
	int64_t found = query_row(db, note_sql, a, 2, nuuid, sizeof(nuuid));
	int rc;

	if (found <= 0)
		return found < 0 ? QREL_DB : error(QREL_NOTFOUND, "no live note %lld in this review", (long long)note);
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, finding);
	sqlite3_bind_int64(st, 2, note);
	db_bind_text(st, 3, stakeholder ? stakeholder : "");
	db_bind_text(st, 4, now);
	if ((rc = db_step_done(db, st, "citing the note")) != QREL_OK)
		return rc;
	if (sqlite3_changes(db_handle(db)) == 0)
		return error(QREL_CONFLICT, "finding %lld already cites note %lld", (long long)finding, (long long)note);
	return changelog_add(db, review, who, "finding", fuuid, "cite", NULL, nuuid, stakeholder ? stakeholder : "");
}

int
finding_cite_note(struct db *db, int64_t review, const char *who, int64_t finding, int64_t note,
		  const char *stakeholder)
{
	struct frow f;
	int rc;

	if ((rc = finding_open(db, review, who, finding, &f)) != QREL_OK)
		return rc;
	rc = finish(db, finding_cite_tx(db, review, who, finding, f.uuid, note, stakeholder));
	free(f.text);
	return rc;
}

int
finding_uncite_note(struct db *db, int64_t review, const char *who, int64_t finding, int64_t note)
{
	static const char sql[] = "DELETE FROM finding_note WHERE finding_id = ?1 AND note_id = ?2";
	static const char uuid_sql[] = "SELECT uuid FROM note WHERE id = ?1";
	char nuuid[40] = "";
	struct frow f;
	sqlite3_stmt *st;
	int rc;

	if ((rc = finding_open(db, review, who, finding, &f)) != QREL_OK)
		return rc;
	free(f.text);
	query_row(db, uuid_sql, &note, 1, nuuid, sizeof(nuuid));
	if (!(st = db_stmt(db, sql)))
		return finish(db, QREL_DB);
	sqlite3_bind_int64(st, 1, finding);
	sqlite3_bind_int64(st, 2, note);
	if ((rc = db_step_done(db, st, "removing the citation")) == QREL_OK && sqlite3_changes(db_handle(db)) == 0)
		rc = error(QREL_NOTFOUND, "finding %lld does not cite note %lld", (long long)finding, (long long)note);
	if (rc == QREL_OK)
		rc = changelog_add(db, review, who, "finding", f.uuid, "uncite", nuuid, NULL, "");
	return finish(db, rc);
}

static int
subgroup_insert(struct db *db, int64_t review, const char *who, int64_t finding, const char *fuuid,
		const struct plan_subgroup_ref *r)
{
	static const char sql[] = "INSERT OR IGNORE INTO finding_subgroup(finding_id, site_id, year, metric_id, "
				  "dimension, grp) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = db_stmt(db, sql);
	char what[400];
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, finding);
	sqlite3_bind_int64(st, 2, r->site);
	db_bind_text(st, 3, r->year);
	sqlite3_bind_int64(st, 4, r->metric);
	db_bind_text(st, 5, r->dimension);
	db_bind_text(st, 6, r->group);
	if ((rc = db_step_done(db, st, "citing the subgroup row")) != QREL_OK)
		return rc;
	snprintf(what, sizeof(what), "site %lld, %s, metric %lld, %s: %s", (long long)r->site, r->year,
		 (long long)r->metric, r->dimension, r->group);
	return changelog_add(db, review, who, "finding", fuuid, "cite subgroup", NULL, what, "");
}

int
finding_cite_subgroup(struct db *db, int64_t review, const char *who, int64_t finding,
		      const struct plan_subgroup_ref *ref)
{
	struct frow f;
	int rc;

	if ((rc = finding_open(db, review, who, finding, &f)) != QREL_OK)
		return rc;
	rc = finish(db, subgroup_insert(db, review, who, finding, f.uuid, ref));
	free(f.text);
	return rc;
}

/* ---- recommendations ---- */

int
rec_add_tx(struct db *db, int64_t review, const char *who, const struct rec_input *in, int number, int64_t *rec,
	   char uuid[UUID_LEN + 1])
{
	static const char sql[] = "INSERT INTO recommendation(uuid, review_id, number, priority, title, text, "
				  "stakeholders, author_id, created_at, updated_at) VALUES (?1, ?2, "
				  "coalesce(?3, (SELECT coalesce(max(number), 0) + 1 FROM recommendation "
				  "WHERE review_id = ?2)), ?4, ?5, ?6, ?7, "
				  "(SELECT id FROM person WHERE review_id = ?2 AND name = ?8), ?9, ?9)";
	sqlite3_stmt *st;
	char now[21];
	int rc;

	if (blank(in->title))
		return error(QREL_PARSE, "a recommendation needs a title");
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	if (!uuid_valid(uuid))
		uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, review);
	if (number > 0)
		sqlite3_bind_int(st, 3, number);
	db_bind_text(st, 4, rec_priority_name(in->priority));
	db_bind_text(st, 5, in->title);
	db_bind_text(st, 6, in->text ? in->text : "");
	db_bind_text(st, 7, in->stakeholders ? in->stakeholders : "");
	db_bind_text(st, 8, who);
	db_bind_text(st, 9, now);
	if ((rc = db_step_done(db, st, "adding the recommendation")) != QREL_OK)
		return rc;
	*rec = sqlite3_last_insert_rowid(db_handle(db));
	return changelog_add(db, review, who, "recommendation", uuid, "create", NULL, in->title,
			     rec_priority_name(in->priority));
}

int
rec_add(struct db *db, int64_t review, const char *who, const struct rec_input *in, int64_t *rec)
{
	char uuid[UUID_LEN + 1] = "";
	int rc;

	if (blank(in->title))
		return error(QREL_PARSE, "a recommendation needs a title");
	if ((rc = open_write(db, review, who, false, 0)) != QREL_OK)
		return rc;
	return finish(db, rec_add_tx(db, review, who, in, 0, rec, uuid));
}

static const char rec_uuid_sql[] = "SELECT uuid FROM recommendation WHERE id = ?1 AND review_id = ?2";

/* Opens the transaction for a change to recommendation rec, whose uuid fills uuid. */
static int
rec_open(struct db *db, int64_t review, const char *who, int64_t rec, char uuid[40])
{
	int64_t a[2] = { rec, review }, found;
	int rc;

	if ((rc = may_write(db, review, who, false, 0)) != QREL_OK || (rc = writable(db, review)) != QREL_OK)
		return rc;
	if ((found = query_row(db, rec_uuid_sql, a, 2, uuid, 40)) <= 0)
		return found < 0 ? QREL_DB : error(QREL_NOTFOUND, "no recommendation %lld in this review", (long long)rec);
	return db_begin(db);
}

static const struct {
	const char *name, *select, *update;
} rec_fields[] = {
	{ "title", "SELECT title FROM recommendation WHERE id = ?1",
	  "UPDATE recommendation SET title = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "text", "SELECT text FROM recommendation WHERE id = ?1",
	  "UPDATE recommendation SET text = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "stakeholders", "SELECT stakeholders FROM recommendation WHERE id = ?1",
	  "UPDATE recommendation SET stakeholders = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
	{ "priority", "SELECT priority FROM recommendation WHERE id = ?1",
	  "UPDATE recommendation SET priority = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1" },
};

static int
rec_set(struct db *db, int64_t review, const char *who, int64_t rec, const char *uuid, size_t fi, const char *value)
{
	char old[4096] = "", now[21];
	sqlite3_stmt *st;
	int rc;

	if (query_row(db, rec_fields[fi].select, &rec, 1, old, sizeof(old)) < 0)
		return QREL_DB;
	if (strcmp(old, value) == 0)
		return QREL_OK;
	if (!(st = db_stmt(db, rec_fields[fi].update)))
		return QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, rec);
	db_bind_text(st, 2, value);
	db_bind_text(st, 3, now);
	if ((rc = db_step_done(db, st, "changing the recommendation")) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, "recommendation", uuid, rec_fields[fi].name, old, value, "");
}

int
rec_edit(struct db *db, int64_t review, const char *who, int64_t rec, const char *field, const char *value)
{
	enum rec_priority p;
	char uuid[40];
	size_t fi = 0;
	int rc;

	while (fi < ARRAY_SIZE(rec_fields) && (!field || strcmp(rec_fields[fi].name, field) != 0))
		fi++;
	if (fi == ARRAY_SIZE(rec_fields))
		return error(QREL_USAGE, "a recommendation has no field '%s' (title, text, stakeholders, priority)",
			     field ? field : "");
	if (fi == 0 && blank(value))
		return error(QREL_PARSE, "a recommendation needs a title");
	if (fi == 3 && (rc = rec_priority_parse(value, &p)) != QREL_OK)
		return rc;
	if ((rc = rec_open(db, review, who, rec, uuid)) != QREL_OK)
		return rc;
	return finish(db, rec_set(db, review, who, rec, uuid, fi, fi == 3 ? rec_priority_name(p) : value ? value : ""));
}

int
rec_delete(struct db *db, int64_t review, const char *who, int64_t rec)
{
	static const char sql[] = "DELETE FROM recommendation WHERE id = ?1";
	char uuid[40], title[512] = "";
	sqlite3_stmt *st;
	int rc;

	if ((rc = rec_open(db, review, who, rec, uuid)) != QREL_OK)
		return rc;
	query_row(db, rec_fields[0].select, &rec, 1, title, sizeof(title));
	if (!(st = db_stmt(db, sql)))
		return finish(db, QREL_DB);
	sqlite3_bind_int64(st, 1, rec);
	if ((rc = db_step_done(db, st, "deleting the recommendation")) == QREL_OK)
		rc = changelog_add(db, review, who, "recommendation", uuid, "delete", title, NULL, "");
	return finish(db, rc);
}

int
rec_link_tx(struct db *db, int64_t review, const char *who, int64_t rec, const char *ruuid, int64_t finding)
{
	static const char find_sql[] = "SELECT uuid FROM finding WHERE id = ?1 AND review_id = ?2";
	static const char sql[] = "INSERT OR IGNORE INTO recommendation_finding(recommendation_id, finding_id) "
				  "VALUES (?1, ?2)";
	int64_t a[2] = { finding, review }, found;
	char fuuid[40];
	sqlite3_stmt *st;
	int rc;

	if ((found = query_row(db, find_sql, a, 2, fuuid, sizeof(fuuid))) <= 0)
		return found < 0 ? QREL_DB : error(QREL_NOTFOUND, "no finding %lld in this review", (long long)finding);
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, rec);
	sqlite3_bind_int64(st, 2, finding);
	if ((rc = db_step_done(db, st, "linking the finding")) != QREL_OK)
		return rc;
	if (sqlite3_changes(db_handle(db)) == 0)
		return QREL_OK;
	return changelog_add(db, review, who, "recommendation", ruuid, "answers finding", NULL, fuuid, "");
}

int
rec_link_finding(struct db *db, int64_t review, const char *who, int64_t rec, int64_t finding)
{
	char uuid[40];
	int rc;

	if ((rc = rec_open(db, review, who, rec, uuid)) != QREL_OK)
		return rc;
	return finish(db, rec_link_tx(db, review, who, rec, uuid, finding));
}

/* A root cause per finding the recommendation answers, citing its key evidence. */
static int
objective_causes(struct db *db, int64_t review, const char *who, int64_t rec, int64_t objective)
{
	static const char sql[] = "SELECT f.id, f.text FROM recommendation_finding rf JOIN finding f "
				  "ON f.id = rf.finding_id WHERE rf.recommendation_id = ?1 ORDER BY f.id";
	static const char notes_sql[] = "SELECT fn.note_id FROM finding_note fn JOIN note n ON n.id = fn.note_id "
					"WHERE fn.finding_id = ?1 AND n.deleted_at IS NULL ORDER BY fn.note_id";
	sqlite3_stmt *st;
	int64_t ids[64], notes[64], cause;
	char *texts[64];
	int n = 0, nn, rc = QREL_OK;

	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, rec);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		texts[n++] = xstrdup(db_col_text(st, 1));
	}
	sqlite3_reset(st);
	for (int i = 0; i < n; i++) {
		if (rc == QREL_OK)
			rc = plan_cause_insert_tx(db, review, who, objective, texts[i], &cause);
		free(texts[i]);
		if (rc != QREL_OK || !(st = db_stmt(db, notes_sql)))
			continue;
		sqlite3_bind_int64(st, 1, ids[i]);
		for (nn = 0; nn < 64 && sqlite3_step(st) == SQLITE_ROW;)
			notes[nn++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		for (int k = 0; k < nn && rc == QREL_OK; k++)
			rc = plan_link_note_tx(db, review, who, cause, notes[k]);
	}
	return rc;
}

int
rec_to_objective_tx(struct db *db, int64_t review, const char *who, int64_t rec, const char *uuid, int64_t *objective)
{
	return rec_to_objective_as_tx(db, review, who, rec, uuid, NULL, objective);
}

int
rec_to_objective_as_tx(struct db *db, int64_t review, const char *who, int64_t rec, const char *uuid,
		       const char *objective_uuid, int64_t *objective)
{
	static const char sql[] = "SELECT title, stakeholders, coalesce(objective_id, 0) FROM recommendation WHERE id = ?1";
	static const char set_sql[] = "UPDATE recommendation SET objective_id = ?2, updated_at = ?3 WHERE id = ?1";
	static const char ouuid_sql[] = "SELECT uuid FROM objective WHERE id = ?1";
	struct plan_objective_input in = { 0 };
	char title[1024] = "", stakeholders[512] = "", ouuid[40] = "", now[21];
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t linked = 0;
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, rec);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(title, sizeof(title), "%s", db_col_text(st, 0));
		snprintf(stakeholders, sizeof(stakeholders), "%s", db_col_text(st, 1));
		linked = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (linked)
		return error(QREL_CONFLICT, "recommendation %lld is already objective %lld of the plan", (long long)rec,
			     (long long)linked);
	in.title = title;
	in.stakeholders = stakeholders;
	in.uuid = objective_uuid;
	if ((rc = plan_objective_insert_tx(db, review, who, &in, objective)) != QREL_OK ||
	    (rc = objective_causes(db, review, who, rec, *objective)) != QREL_OK || !(st = db_stmt(db, set_sql)))
		return rc != QREL_OK ? rc : QREL_DB;
	clock_now(now);
	sqlite3_bind_int64(st, 1, rec);
	sqlite3_bind_int64(st, 2, *objective);
	db_bind_text(st, 3, now);
	if ((rc = db_step_done(db, st, "linking the objective")) != QREL_OK)
		return rc;
	query_row(db, ouuid_sql, objective, 1, ouuid, sizeof(ouuid));
	return changelog_add(db, review, who, "recommendation", uuid, "objective", NULL, ouuid, "");
}

int
rec_to_objective(struct db *db, int64_t review, const char *who, int64_t rec, int64_t *objective)
{
	char uuid[40];
	int rc;

	if ((rc = rec_open(db, review, who, rec, uuid)) != QREL_OK)
		return rc;
	return finish(db, rec_to_objective_tx(db, review, who, rec, uuid, objective));
}

/* ---- summary and status ---- */

static int
review_set(struct db *db, int64_t review, const char *who, const char *field, const char *value, const char *reason)
{
	static const char read_sql[] = "SELECT uuid, summary, report_status FROM review WHERE id = ?1";
	static const char summary_sql[] = "UPDATE review SET summary = ?2 WHERE id = ?1";
	static const char status_sql[] = "UPDATE review SET report_status = ?2 WHERE id = ?1";
	bool summary = strcmp(field, "summary") == 0;
	sqlite3_stmt *st = db_stmt(db, read_sql);
	char uuid[40] = "", *old = NULL;
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(uuid, sizeof(uuid), "%s", db_col_text(st, 0));
		old = xstrdup(db_col_text(st, summary ? 1 : 2));
	}
	sqlite3_reset(st);
	if (!old)
		return error(QREL_NOTFOUND, "no review %lld", (long long)review);
	if (!(st = db_stmt(db, summary ? summary_sql : status_sql)))
		rc = QREL_DB;
	else {
		sqlite3_bind_int64(st, 1, review);
		db_bind_text(st, 2, value);
		if ((rc = db_step_done(db, st, "changing the review")) == QREL_OK && strcmp(old, value) != 0)
			rc = changelog_add(db, review, who, "review", uuid, summary ? "summary" : "report status", old,
					   value, reason ? reason : "");
	}
	free(old);
	return rc;
}

int
findings_summary_set(struct db *db, int64_t review, const char *who, const char *text)
{
	int rc;

	if ((rc = open_write(db, review, who, true, 0)) != QREL_OK)
		return rc;
	return finish(db, review_set(db, review, who, "summary", text ? text : "", NULL));
}

bool
findings_final(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT report_status = 'final' FROM review WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	bool final = false;

	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, review);
	if (sqlite3_step(st) == SQLITE_ROW)
		final = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return final;
}

int
findings_finalise(struct db *db, int64_t review, const char *who)
{
	int rc;

	if ((rc = may_write(db, review, who, true, 0)) != QREL_OK)
		return rc;
	if (findings_final(db, review))
		return error(QREL_CONFLICT, "the report is already final");
	if ((rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, review_set(db, review, who, "status", "final", ""));
}

/* The report's status and summary as the lead wrote them elsewhere (a hub
 * pull): the gate's GATE_REPORT for that person, then each field that
 * differs, logged as review_set logs it. */
int
findings_report_apply(struct db *db, int64_t review, const char *lead, const char *status, const char *summary,
		      const char *reason)
{
	static const char sql[] = "SELECT summary, report_status FROM review WHERE id = ?1";
	struct gate_actor a;
	sqlite3_stmt *st;
	bool same_summary = false, same_status = false;
	int rc;

	if (strcmp(status, "draft") != 0 && strcmp(status, "final") != 0)
		return error(QREL_PARSE, "a report is draft or final, not '%s'", status);
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	if (sqlite3_step(st) == SQLITE_ROW) {
		same_summary = strcmp(db_col_text(st, 0), summary) == 0;
		same_status = strcmp(db_col_text(st, 1), status) == 0;
	}
	sqlite3_reset(st);
	if (same_summary && same_status)
		return QREL_OK;
	if ((rc = gate_actor_remote(db, review, lead, &a)) != QREL_OK ||
	    (rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_REPORT })) != QREL_OK ||
	    (rc = db_begin(db)) != QREL_OK)
		return rc;
	if (!same_summary)
		rc = review_set(db, review, lead, "summary", summary, reason);
	if (rc == QREL_OK && !same_status)
		rc = review_set(db, review, lead, "status", status, reason);
	return finish(db, rc);
}

int
findings_reopen(struct db *db, int64_t review, const char *who, const char *reason)
{
	int rc;

	if ((rc = may_write(db, review, who, true, 0)) != QREL_OK)
		return rc;
	if (blank(reason))
		return error(QREL_USAGE, "reopening a final report needs a reason, which the change log keeps");
	if (!findings_final(db, review))
		return error(QREL_CONFLICT, "the report is already a draft");
	if ((rc = db_begin(db)) != QREL_OK)
		return rc;
	return finish(db, review_set(db, review, who, "status", "draft", reason));
}

/* ---- forgetting what a hub pull no longer brings ---- */

int
findings_forget(struct db *db)
{
	return db_exec(db, "DELETE FROM finding WHERE uuid IN (SELECT uuid FROM temp.hub_report_forget);"
			   "DELETE FROM recommendation WHERE uuid IN (SELECT uuid FROM temp.hub_report_forget);");
}

int
findings_forget_note_citations(struct db *db)
{
	return db_exec(db, "DELETE FROM finding_note WHERE note_id IN (SELECT id FROM note WHERE uuid IN "
			   "(SELECT uuid FROM temp.hub_forget) AND id NOT IN (SELECT note_id FROM cause_link "
			   "WHERE note_id IS NOT NULL));");
}

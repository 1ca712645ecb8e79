/* findings_read.c: loads the findings, their key evidence, the recommendations, the summary and the status. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/findings.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

static const char *const sources[][2] = {
	{ "interview", "Interview" }, { "focus_group", "Focus group" },
	{ "document_review", "Document review" }, { "site_observation", "Site observation" },
	{ "remote_observation", "Remote observation" }, { "survey", "Survey" },
	{ "self_evaluation", "Self-evaluation" },
};

bool
findings_readable(struct db *db, const struct vis_viewer *v, int64_t *site)
{
	if (v->role != VIS_NONMEMBER && v->role != VIS_PRINCIPAL)
		return true;
	if (v->role == VIS_NONMEMBER || !v->person)
		return false;
	if (visibility_released(db, v->review, 0))
		return true;
	if (!v->home || (*site && *site != v->home) || !visibility_released(db, v->review, v->home))
		return false;
	*site = v->home;
	return true;
}

const char *
findings_source_label(const char *source)
{
	for (size_t i = 0; source && i < ARRAY_SIZE(sources); i++)
		if (strcmp(source, sources[i][0]) == 0)
			return sources[i][1];
	return "";
}

void
findings_attribution(const struct finding_cite *c, char *buf, size_t n)
{
	const char *type = findings_source_label(c->source);

	if (*c->stakeholder)
		snprintf(buf, n, "%s, %c%s", c->stakeholder, *type ? (char)(*type | 0x20) : ' ', *type ? type + 1 : "");
	else
		snprintf(buf, n, "%s", *type ? type : "Evidence");
}

static void *
grown(void *p, int n, size_t size)
{
	void *q = realloc(p, (size_t)(n + 1) * size);

	if (!q)
		error(QREL_NOMEM, "out of memory reading the findings");
	return q;
}

static const char findings_sql[] =
	"SELECT f.id, f.uuid, coalesce(f.site_id, 0), f.domain_id, coalesce(f.cluster_id, 0),"
	" coalesce(s.code, ''), d.code, d.title, coalesce(c.code, ''), coalesce(c.title, ''), f.kind, f.text"
	" FROM finding f JOIN domain d ON d.id = f.domain_id LEFT JOIN cluster c ON c.id = f.cluster_id"
	" LEFT JOIN site s ON s.id = f.site_id"
	" WHERE f.review_id = ?1 AND (?2 = 0 OR f.site_id IS NULL OR f.site_id = ?2)"
	" ORDER BY d.position, coalesce(c.position, 0), f.site_id IS NOT NULL, s.code, f.kind DESC, f.id";

static void
finding_row(sqlite3_stmt *st, struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	str_copy(f->uuid, sizeof(f->uuid), db_col_text(st, 1));
	f->site = sqlite3_column_int64(st, 2);
	f->domain = sqlite3_column_int64(st, 3);
	f->cluster = sqlite3_column_int64(st, 4);
	str_copy(f->site_code, sizeof(f->site_code), db_col_text(st, 5));
	str_copy(f->domain_code, sizeof(f->domain_code), db_col_text(st, 6));
	str_copy(f->domain_title, sizeof(f->domain_title), db_col_text(st, 7));
	str_copy(f->cluster_code, sizeof(f->cluster_code), db_col_text(st, 8));
	str_copy(f->cluster_title, sizeof(f->cluster_title), db_col_text(st, 9));
	f->kind = strcmp(db_col_text(st, 10), "growth") == 0 ? FINDING_GROWTH : FINDING_STRENGTH;
	f->text = strdup(db_col_text(st, 11));
}

static int
load_findings(struct db *db, int64_t review, int64_t site, struct findings_doc *d)
{
	sqlite3_stmt *st = db_stmt(db, findings_sql);
	struct finding *f;
	int rc = QREL_OK, step = SQLITE_DONE;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(f = grown(d->f, d->nf, sizeof(*f)))) {
			rc = QREL_NOMEM;
			break;
		}
		d->f = f;
		finding_row(st, &d->f[d->nf++]);
		if (!d->f[d->nf - 1].text) {
			rc = error(QREL_NOMEM, "out of memory reading the findings");
			break;
		}
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the findings");
	sqlite3_reset(st);
	return rc;
}

static const char cites_sql[] =
	"SELECT fn.note_id, n.text, n.source, fn.stakeholder, s.code, substr(coalesce(a.held_at, n.created_at), 1, 10)"
	" FROM finding_note fn JOIN note n ON n.id = fn.note_id JOIN site s ON s.id = n.site_id"
	" LEFT JOIN activity a ON a.id = n.activity_id"
	" WHERE fn.finding_id = ?1 AND n.deleted_at IS NULL ORDER BY fn.created_at, n.id";

static int
load_cites(struct db *db, struct finding *f)
{
	sqlite3_stmt *st = db_stmt(db, cites_sql);
	struct finding_cite *c;
	int rc = QREL_OK, step = SQLITE_DONE;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, f->id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(c = grown(f->cite, f->ncites, sizeof(*c)))) {
			rc = QREL_NOMEM;
			break;
		}
		f->cite = c;
		c = &c[f->ncites++];
		c->note = sqlite3_column_int64(st, 0);
		c->text = strdup(db_col_text(st, 1));
		str_copy(c->source, sizeof(c->source), db_col_text(st, 2));
		str_copy(c->stakeholder, sizeof(c->stakeholder), db_col_text(st, 3));
		str_copy(c->site, sizeof(c->site), db_col_text(st, 4));
		str_copy(c->date, sizeof(c->date), db_col_text(st, 5));
		if (!c->text) {
			rc = error(QREL_NOMEM, "out of memory reading the findings");
			break;
		}
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the key evidence");
	sqlite3_reset(st);
	return rc;
}

/* Subgroup rows read as a sentence: the metric and group in words, never a code. */
static const char subgroups_sql[] =
	"SELECT m.name || ' for ' || fs.grp || ', ' || s.name || ', ' || fs.year"
	" FROM finding_subgroup fs JOIN metric m ON m.id = fs.metric_id JOIN site s ON s.id = fs.site_id"
	" WHERE fs.finding_id = ?1 ORDER BY s.code, fs.year, m.name, fs.grp";

static int
load_subgroups(struct db *db, struct finding *f)
{
	sqlite3_stmt *st = db_stmt(db, subgroups_sql);
	char (*s)[320];
	int rc = QREL_OK, step = SQLITE_DONE;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, f->id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(s = grown(f->subgroup, f->nsubgroups, sizeof(*s)))) {
			rc = QREL_NOMEM;
			break;
		}
		f->subgroup = s;
		str_copy(s[f->nsubgroups++], sizeof(*s), db_col_text(st, 0));
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the cited subgroup rows");
	sqlite3_reset(st);
	return rc;
}

static const char recs_sql[] =
	"SELECT r.id, r.uuid, r.number, r.priority, r.title, r.text, r.stakeholders, coalesce(r.objective_id, 0),"
	" coalesce(o.position, 0) FROM recommendation r LEFT JOIN objective o ON o.id = r.objective_id"
	" WHERE r.review_id = ?1"
	" ORDER BY CASE r.priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, r.number";

static int
rec_row(sqlite3_stmt *st, struct recommendation *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	str_copy(r->uuid, sizeof(r->uuid), db_col_text(st, 1));
	r->number = sqlite3_column_int(st, 2);
	rec_priority_parse(db_col_text(st, 3), &r->priority);
	r->title = strdup(db_col_text(st, 4));
	r->text = strdup(db_col_text(st, 5));
	r->stakeholders = strdup(db_col_text(st, 6));
	r->objective = sqlite3_column_int64(st, 7);
	r->objective_position = sqlite3_column_int(st, 8);
	return r->title && r->text && r->stakeholders ? QREL_OK : error(QREL_NOMEM, "out of memory");
}

static int
load_recs(struct db *db, int64_t review, struct findings_doc *d)
{
	sqlite3_stmt *st = db_stmt(db, recs_sql);
	struct recommendation *r;
	int rc = QREL_OK, step = SQLITE_DONE;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(r = grown(d->rec, d->nrec, sizeof(*r)))) {
			rc = QREL_NOMEM;
			break;
		}
		d->rec = r;
		rc = rec_row(st, &d->rec[d->nrec++]);
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading the recommendations");
	sqlite3_reset(st);
	return rc;
}

static int
load_rec_links(struct db *db, struct recommendation *r)
{
	static const char sql[] = "SELECT finding_id FROM recommendation_finding WHERE recommendation_id = ?1 "
				  "ORDER BY finding_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t *ids;
	int rc = QREL_OK, step = SQLITE_DONE;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, r->id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(ids = grown(r->finding, r->nfindings, sizeof(*ids)))) {
			rc = QREL_NOMEM;
			break;
		}
		r->finding = ids;
		ids[r->nfindings++] = sqlite3_column_int64(st, 0);
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "reading what the recommendations answer");
	sqlite3_reset(st);
	return rc;
}

static int
load_review(struct db *db, int64_t review, struct findings_doc *d)
{
	static const char sql[] = "SELECT report_status = 'final', summary FROM review WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d->final = sqlite3_column_int(st, 0) != 0;
		d->summary = strdup(db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "no review %lld", (long long)review)
					 : db_fail(db, "reading the review");
	return d->summary ? QREL_OK : error(QREL_NOMEM, "out of memory");
}

int
findings_load(struct db *db, int64_t review, int64_t site, struct findings_doc *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	rc = load_review(db, review, d);
	if (rc == QREL_OK)
		rc = load_findings(db, review, site, d);
	for (int i = 0; rc == QREL_OK && i < d->nf; i++)
		if ((rc = load_cites(db, &d->f[i])) == QREL_OK)
			rc = load_subgroups(db, &d->f[i]);
	if (rc == QREL_OK)
		rc = load_recs(db, review, d);
	for (int i = 0; rc == QREL_OK && i < d->nrec; i++)
		rc = load_rec_links(db, &d->rec[i]);
	if (rc != QREL_OK)
		findings_doc_free(d);
	return rc;
}

void
findings_doc_free(struct findings_doc *d)
{
	for (int i = 0; i < d->nf; i++) {
		for (int c = 0; c < d->f[i].ncites; c++)
			free(d->f[i].cite[c].text);
		free(d->f[i].cite);
		free(d->f[i].subgroup);
		free(d->f[i].text);
	}
	for (int i = 0; i < d->nrec; i++) {
		free(d->rec[i].title);
		free(d->rec[i].text);
		free(d->rec[i].stakeholders);
		free(d->rec[i].finding);
	}
	free(d->f);
	free(d->rec);
	free(d->summary);
	memset(d, 0, sizeof(*d));
}

const struct finding *
findings_by_id(const struct findings_doc *d, int64_t id)
{
	for (int i = 0; i < d->nf; i++)
		if (d->f[i].id == id)
			return &d->f[i];
	return NULL;
}

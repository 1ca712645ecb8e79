/* protocol.c: interview and focus-group protocols and the blank rubric, in Markdown or HTML. */
#include "qrel/qrel.h"
#include "qrel/dashboard.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/output.h"
#include "qrel/protocol.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/voice.h"

int
proto_format_parse(const char *s, enum proto_format *out)
{
	if (strcmp(s, "md") == 0)
		*out = PROTO_MD;
	else if (strcmp(s, "html") == 0)
		*out = PROTO_HTML;
	else
		return error(QREL_USAGE, "--format is md or html, not '%s'", s);
	return QREL_OK;
}

/* ---- the cluster's guide ---- */

static int
guide_rows(struct db *db, const char *sql, int64_t cluster, struct proto_guide *g, bool questions)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, cluster);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (questions) {
			g->questions = realloc(g->questions, (size_t)(g->nquestions + 1) * sizeof(*g->questions));
			if (!g->questions)
				abort();
			str_copy(g->questions[g->nquestions].group, sizeof(g->questions[0].group), db_col_text(st, 0));
			g->questions[g->nquestions++].text = xstrdup(db_col_text(st, 1));
		} else {
			g->criteria = realloc(g->criteria, (size_t)(g->ncriteria + 1) * sizeof(*g->criteria));
			if (!g->criteria)
				abort();
			g->criteria[g->ncriteria++] = xstrdup(db_col_text(st, 0));
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading a cluster's criteria and questions");
}

int
proto_cluster_guide(struct db *db, int64_t cluster, struct proto_guide *out)
{
	static const char criteria[] = "SELECT text FROM criterion WHERE cluster_id = ?1 ORDER BY position";
	static const char questions[] = "SELECT grp, text FROM guiding_question WHERE cluster_id = ?1 ORDER BY position";
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = guide_rows(db, criteria, cluster, out, false)) != QREL_OK ||
	    (rc = guide_rows(db, questions, cluster, out, true)) != QREL_OK)
		proto_guide_free(out);
	return rc;
}

void
proto_guide_free(struct proto_guide *g)
{
	for (int i = 0; i < g->ncriteria; i++)
		free(g->criteria[i]);
	for (int i = 0; i < g->nquestions; i++)
		free(g->questions[i].text);
	free(g->criteria);
	free(g->questions);
	memset(g, 0, sizeof(*g));
}

/* ---- a document in either format: every text goes through its one escaper ---- */

struct doc {
	FILE *f;
	enum proto_format fmt;
	bool open_list;
	bool reference;		/* the report's appendix: no boxes or lines to fill in, headings one down */
};

static void
doc_text(const struct doc *d, const char *s)
{
	if (d->fmt == PROTO_HTML)
		out_html_text(d->f, s);
	else
		out_md_text(d->f, s);
}

static void
doc_begin(struct doc *d, const char *title)
{
	if (d->fmt == PROTO_HTML) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", d->f);
		doc_text(d, title);
		fputs("</title>\n<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
		      "table{border-collapse:collapse}td,th{border:1px solid #888;padding:.3em;vertical-align:top}"
		      ".box{font-size:1.3em}.line{border-bottom:1px solid #888;height:2em}</style>\n"
		      "</head>\n<body>\n<h1>", d->f);
		doc_text(d, title);
		fputs("</h1>\n", d->f);
		return;
	}
	fputs("# ", d->f);
	doc_text(d, title);
	fputs("\n\n", d->f);
}

static void
doc_end(struct doc *d)
{
	if (d->fmt == PROTO_HTML)
		fputs("</body>\n</html>\n", d->f);
}

static void
doc_heading(struct doc *d, int level, const char *a, const char *b)
{
	if (d->fmt == PROTO_HTML)
		fprintf(d->f, "<h%d>", level);
	else
		fprintf(d->f, "%.*s ", level, "######");
	doc_text(d, a);
	if (b) {
		fputc(' ', d->f);
		doc_text(d, b);
	}
	fputs(d->fmt == PROTO_HTML ? "" : "\n\n", d->f);
	if (d->fmt == PROTO_HTML)
		fprintf(d->f, "</h%d>\n", level);
}

static void
doc_para(struct doc *d, const char *text)
{
	fputs(d->fmt == PROTO_HTML ? "<p>" : "", d->f);
	doc_text(d, text);
	fputs(d->fmt == PROTO_HTML ? "</p>\n" : "\n\n", d->f);
}

/* A list item; numbered lists count from 1 in both formats. */
static void
doc_item(struct doc *d, bool numbered, int n, const char *text)
{
	if (d->fmt == PROTO_HTML) {
		if (!d->open_list)
			fputs(numbered ? "<ol>\n" : "<ul>\n", d->f);
		fputs("<li>", d->f);
		doc_text(d, text);
		fputs("</li>\n", d->f);
	} else {
		if (numbered)
			fprintf(d->f, "%d. ", n);
		else
			fputs("- ", d->f);
		doc_text(d, text);
		fputc('\n', d->f);
	}
	d->open_list = true;
}

static void
doc_list_end(struct doc *d, bool numbered)
{
	if (!d->open_list)
		return;
	if (d->fmt == PROTO_HTML)
		fputs(numbered ? "</ol>\n" : "</ul>\n", d->f);
	else
		fputc('\n', d->f);
	d->open_list = false;
}

static void
doc_blanks(struct doc *d, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d->fmt == PROTO_HTML) {
			fputs("<p class=\"line\">", d->f);
			doc_text(d, fields[i]);
			fputs(":</p>\n", d->f);
		} else {
			doc_text(d, fields[i]);
			fputs(": ______________________\n\n", d->f);
		}
	}
}

/* ---- the framework's rows ---- */

/* Is code in the comma-separated list (NULL or "": every cluster)? */
static bool
listed(const char *list, const char *code)
{
	return !list || !*list || str_list_has(list, ',', code);
}

static int
check_clusters(struct db *db, int64_t review, const char *list)
{
	char *copy, *save = NULL;
	int rc = QREL_OK;

	if (!list)
		return QREL_OK;
	copy = xstrdup(list);
	for (char *t = strtok_r(copy, ",", &save); t && rc == QREL_OK; t = strtok_r(NULL, ",", &save)) {
		int64_t id = store_cluster_id(db, review, str_trim(t));

		if (id <= 0)
			rc = id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no cluster '%s' in this review", str_trim(t));
	}
	free(copy);
	return rc;
}

/* ---- the protocol ---- */

static int
opening_questions(struct db *db, int64_t review, struct doc *d, const char *group)
{
	static const char sql[] = "SELECT q.text FROM guiding_question q JOIN review r ON r.framework_id = q.framework_id "
				  "WHERE r.id = ?1 AND q.cluster_id IS NULL AND q.grp = ?2 ORDER BY q.position";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, n = 0;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, group);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == 0)
			doc_heading(d, 2, "Opening", NULL);
		doc_item(d, true, ++n, db_col_text(st, 0));
	}
	sqlite3_reset(st);
	doc_list_end(d, true);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the opening questions");
}

static int
protocol_cluster(struct db *db, struct doc *d, const struct dash_cluster *c, const char *group, bool chosen)
{
	struct proto_guide g;
	int n = 0, asked = 0, rc;

	if ((rc = proto_cluster_guide(db, c->id, &g)) != QREL_OK)
		return rc;
	for (int i = 0; i < g.nquestions; i++)
		asked += !*g.questions[i].group || strcmp(g.questions[i].group, group) == 0;
	if (asked || chosen) {
		doc_heading(d, 2, c->code, c->title);
		for (int i = 0; i < g.nquestions; i++)
			if (!*g.questions[i].group || strcmp(g.questions[i].group, group) == 0)
				doc_item(d, true, ++n, g.questions[i].text);
		doc_list_end(d, true);
		if (!asked)
			doc_para(d, "(The framework has no guiding question here for this group.)");
		if (g.ncriteria)
			doc_heading(d, 3, "Listen for", NULL);
		for (int i = 0; i < g.ncriteria; i++)
			doc_item(d, false, i + 1, g.criteria[i]);
		doc_list_end(d, false);
	}
	proto_guide_free(&g);
	return QREL_OK;
}

static int
find_group(struct db *db, int64_t review, const char *group, struct voice_group *out)
{
	struct voice_group *g;
	int n, i, rc;

	if ((rc = voice_groups(db, review, &g, &n)) != QREL_OK)
		return rc;
	if ((i = voice_group_index(g, n, group ? group : "")) >= 0)
		*out = g[i];
	free(g);
	return i >= 0 ? QREL_OK : error(QREL_NOTFOUND, "no stakeholder group '%s' in the review's framework",
					group ? group : "");
}

static void
protocol_head(struct doc *d, const char *title, const char *source, const struct voice_group *g)
{
	static const char *const blanks[] = { "Site", "Date", "Facilitator", "Note taker", "Participants (number)",
		"Language (interpreter: yes / no)" };
	char kind[32], text[400];

	str_copy(kind, sizeof(kind), source);
	for (char *p = kind; *p; p++)
		*p = *p == '_' ? ' ' : *p;
	snprintf(text, sizeof(text), "%s: %s with %s", title, kind, g->title);
	doc_begin(d, text);
	doc_blanks(d, blanks, ARRAY_SIZE(blanks));
	doc_para(d, "Notes record systems and practice, never student names. Quote people by their group and "
		 "the kind of activity, never by name. Tag each note with its clusters and this group.");
}

int
proto_protocol(struct db *db, int64_t review, FILE *out, enum proto_format fmt, const char *source,
	       const char *group, const char *clusters)
{
	struct doc d = { out, fmt, false, false };
	struct dash_frame f;
	struct voice_group g;
	char title[256];
	int rc;
	bool known = false;

	for (int i = 0; evidence_sources[i]; i++)
		known |= source && strcmp(source, evidence_sources[i]) == 0;
	if (!known)
		return error(QREL_PARSE, "unknown activity type '%s' (interview, focus_group, ...)", source ? source : "");
	if ((rc = find_group(db, review, group, &g)) != QREL_OK || (rc = check_clusters(db, review, clusters)) != QREL_OK ||
	    (rc = store_review_title(db, review, title, sizeof(title))) != QREL_OK ||
	    (rc = dash_frame_load(db, review, &f)) != QREL_OK)
		return rc;
	protocol_head(&d, title, source, &g);
	rc = opening_questions(db, review, &d, g.code);
	for (int i = 0; i < f.ncl && rc == QREL_OK; i++)
		if (listed(clusters, f.cl[i].code))
			rc = protocol_cluster(db, &d, &f.cl[i], g.code, clusters != NULL);
	doc_end(&d);
	dash_frame_free(&f);
	return rc;
}

/* ---- the blank rubric ---- */

static void
level_row(struct doc *d, const char *label, const char *text)
{
	if (d->fmt == PROTO_HTML) {
		fputs(d->reference ? "<tr><th>" : "<tr><td class=\"box\">\xe2\x98\x90</td><th>", d->f);
		doc_text(d, label);
		fputs("</th><td>", d->f);
		doc_text(d, text);
		fputs("</td></tr>\n", d->f);
		return;
	}
	fputs(d->reference ? "| " : "| [ ] | ", d->f);
	doc_text(d, label);
	fputs(" | ", d->f);
	doc_text(d, text);
	fputs(" |\n", d->f);
}

static int
rubric_levels(struct db *db, struct doc *d, int64_t cluster)
{
	static const char sql[] = "SELECT x.level || ' ' || s.label, x.text FROM descriptor x JOIN cluster c ON c.id = x.cluster_id "
				  "JOIN scale_level s ON s.framework_id = c.framework_id AND s.level = x.level "
				  "WHERE x.cluster_id = ?1 ORDER BY x.level";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	if (d->reference)
		fputs(d->fmt == PROTO_HTML ? "<table>\n<tr><th>Level</th><th>Descriptor</th></tr>\n"
					   : "| Level | Descriptor |\n|---|---|\n", d->f);
	else
		fputs(d->fmt == PROTO_HTML ? "<table>\n<tr><th>Self</th><th>Level</th><th>Descriptor</th></tr>\n"
					   : "| Self | Level | Descriptor |\n|---|---|---|\n", d->f);
	sqlite3_bind_int64(st, 1, cluster);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		level_row(d, db_col_text(st, 0), db_col_text(st, 1));
	sqlite3_reset(st);
	fputs(d->fmt == PROTO_HTML ? "</table>\n" : "\n", d->f);
	return rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the descriptors");
}

static int
rubric_cluster(struct db *db, struct doc *d, const struct dash_cluster *c)
{
	static const char *const blanks[] = { "Insufficient evidence to judge (yes / no)", "Evidence", "Rationale" };
	struct proto_guide g;
	int rc;

	doc_heading(d, d->reference ? 4 : 3, c->code, c->title);
	if ((rc = rubric_levels(db, d, c->id)) != QREL_OK || (rc = proto_cluster_guide(db, c->id, &g)) != QREL_OK)
		return rc;
	if (g.ncriteria)
		doc_para(d, "Criteria:");
	for (int i = 0; i < g.ncriteria; i++)
		doc_item(d, false, i + 1, g.criteria[i]);
	doc_list_end(d, false);
	if (!d->reference)
		doc_blanks(d, blanks, ARRAY_SIZE(blanks));
	proto_guide_free(&g);
	return QREL_OK;
}

/* Per domain and cluster: each level's descriptor and the criteria. */
static int
rubric_body(struct db *db, int64_t review, struct doc *d)
{
	struct dash_frame f;
	int rc;

	if ((rc = dash_frame_load(db, review, &f)) != QREL_OK)
		return rc;
	for (int i = 0; i < f.ncl && rc == QREL_OK; i++) {
		const struct dash_domain *dom = &f.dom[f.cl[i].domain];

		if (dom->first == i) {
			char head[200];

			snprintf(head, sizeof(head), "Domain %s:", dom->code);
			doc_heading(d, d->reference ? 3 : 2, head, dom->title);
		}
		rc = rubric_cluster(db, d, &f.cl[i]);
	}
	dash_frame_free(&f);
	return rc;
}

int
proto_rubric(struct db *db, int64_t review, FILE *out, enum proto_format fmt)
{
	static const char *const blanks[] = { "School or district", "Completed by", "Date" };
	struct doc d = { out, fmt, false, false };
	char title[256], head[300];
	int rc;

	if ((rc = store_review_title(db, review, title, sizeof(title))) != QREL_OK)
		return rc;
	snprintf(head, sizeof(head), "%s: self-evaluation rubric", title);
	doc_begin(&d, head);
	doc_blanks(&d, blanks, ARRAY_SIZE(blanks));
	doc_para(&d, "For each cluster, tick the level whose descriptor best fits, and note the evidence for it.");
	rc = rubric_body(db, review, &d);
	doc_end(&d);
	return rc;
}

int
proto_rubric_reference(struct db *db, int64_t review, FILE *out, enum proto_format fmt)
{
	struct doc d = { out, fmt, false, true };

	return rubric_body(db, review, &d);
}
